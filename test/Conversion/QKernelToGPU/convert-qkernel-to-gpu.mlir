// RUN: quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 format=none host-twins=true" --split-input-file -verify-diagnostics | FileCheck %s
// RUN: quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 format=isa" --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=IMAGE
// RUN: quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 format=none gemv=stream-k" --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=STREAM
// RUN: quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 format=none gemv=split-k:warps=1:prefetch=4:stages=2" --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=TUNED
// RUN: quant-opt %s --convert-qkernel-to-gpu="chip=sm_90 format=none deterministic=false" --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=ATOMIC

// A packed weight-only matmul becomes a launch of the weight-only GEMM for
// its shape (the kernel's name spells it: 4 bits, per channel, symmetric,
// M 4, N 16, K 32, split-K 1: K's two tiles are one iteration, 4 warps, A
// not staged), on constants repacked
// at compile time: quantc's symmetric codes (here all 1 around the zero point
// 7) are stored shifted to 1 - 7 + 8 = 2 in every nibble, the scale 0.5 as
// the f16 0x3800. x comes from the host (no stage kernel: the empty name).
// Bias and Relu are a linalg op that reads y where the GEMM left it: a
// kernel through the GPU mapping, passed the address of the GEMM's buffer
// itself, so y stays on the device (y_download 0); the relu's output goes
// back (the function returns it): kinds 1 (resident) | 2 << 3 (the bias, a
// constant) | 7 << 6 (an output, downloaded) = 465. host-twins adds the
// kernel's loop nest, which the emulated driver runs. A matmul whose
// weights are not constants stays, and the warning names what stays on the
// host.

// CHECK-LABEL: func.func private @quantc_gpu_begin_call()
// CHECK: func.func private @quantc_gpu_linalg(memref<1xi8>, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK: func.func private @quantc_gpu_weight_only_gemm(memref<1xi8>, memref<1xi32>, memref<1xi16>, memref<1xi16>, !llvm.ptr, !llvm.ptr, memref<1xi8>, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func.func @main
// CHECK-NEXT: call @quantc_gpu_begin_call()
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<4x32xf32> into tensor<128xf32>
// CHECK: %[[X:.*]] = bufferization.to_buffer %[[FLAT]] read_only : tensor<128xf32> to memref<128xf32>
// CHECK: %[[Y:.*]] = memref.alloc() : memref<64xf32>
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m4_n16_k32_s1_w4_t0_p8 : memref<38xi8>
// CHECK: memref.get_global @quantc_gpu_layer0_words : memref<128xi32>
// CHECK: memref.get_global @quantc_gpu_layer0_scales : memref<16xi16>
// CHECK: memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: memref.get_global @quantc_gpu_name_ : memref<1xi8>
// CHECK: call @quantc_gpu_weight_only_gemm({{.*}}, %c0_i64{{(_[0-9]+)?}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}) :
// CHECK: bufferization.to_tensor %[[Y]] restrict writable : memref<64xf32> to tensor<64xf32>
// CHECK: %[[RELU:.*]] = memref.alloc() : memref<64xf32>
// CHECK: memref.get_global @quantc_gpu_name_qc_la_[[NAME:[0-9a-f]+]] :
// CHECK: memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: %[[KINDS:.*]] = arith.constant 465 : i64
// CHECK-NEXT: call @quantc_gpu_linalg(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[KINDS]],
// CHECK-NOT: linalg.generic
// CHECK: qkernel.matmul %arg0, %arg1
// CHECK: memref.global "private" constant @quantc_gpu_layer0_words : memref<128xi32> = dense<"0x{{(2{16}0{16})+}}">
// CHECK: memref.global "private" constant @quantc_gpu_layer0_scales : memref<16xi16> = dense<14336>
// CHECK: func.func private @quantc_gpu_nest_qc_la_[[NAME]](%{{.*}}: memref<4x16xf32>, %{{.*}}: memref<16xf32>, %{{.*}}: memref<4x16xf32>)
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: func.func @quantc_gpu_twin3_qc_la_[[NAME]](%{{.*}}: memref<64xf32>, %{{.*}}: memref<16xf32>, %{{.*}}: memref<64xf32>) attributes {quantc.gpu_twin}
// CHECK-NOT: quantc_gpu_begin_call
// CHECK: call @quantc_gpu_nest_qc_la_[[NAME]]
// CHECK-NOT: quantc_gpu_image

// gemv=stream-k: the GEMV's kernel is stream-K (_sk, split-K 1), and its
// launch says so with grid z 0: at most one block (one N group, one
// iteration of K: one item for four warps), as many as the device runs.
// STREAM-LABEL: func.func @main
// STREAM: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m4_n16_k32_s1_w4_t0_p8_sk
// STREAM: call @quantc_gpu_weight_only_gemm({{.*}}, %c1_i64{{(_[0-9]+)?}}, %c1_i64{{(_[0-9]+)?}}, %c0_i64{{(_[0-9]+)?}}, %c128_i64)

// gemv=split-k:warps=1:prefetch=4:stages=2 (a device's tuning): one warp a
// block (32 threads; grid (1, 1, 1): K's two tiles, one iteration), 4 K tiles an iteration, the
// weights through two shared-memory stages.
// TUNED-LABEL: func.func @main
// TUNED: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m4_n16_k32_s1_w1_t0_p4_c2
// TUNED: call @quantc_gpu_weight_only_gemm({{.*}}, %c1_i64{{(_[0-9]+)?}}, %c1_i64{{(_[0-9]+)?}}, %c1_i64{{(_[0-9]+)?}}, %c32_i64{{(_[0-9]+)?}})

// IMAGE: memref.global "public" constant @quantc_gpu_image : memref<{{[0-9]+}}xi8>
// IMAGE: memref.global "public" constant @quantc_gpu_image_size : memref<1xi64>
// IMAGE: memref.global "public" constant @quantc_gpu_kernel_nodes : memref<{{[0-9]+}}xi8>

// expected-warning@+1 {{1 matmul and 1 linalg op on the sm_90 GPU (2 kernels); on the host (no GPU kernel yet): 1 qkernel.matmul; 1 packed matmul with weights that are not constants}}
module {
  func.func @main(%x: tensor<4x32xf32>, %w: tensor<256xi8>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %bias = arith.constant dense<[1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5]> : tensor<16xf32>
    %y = qkernel.matmul %x, %packed, %scales bias %bias {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "int8", activation = "relu"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
    %z = qkernel.matmul %x, %w, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "int8", activation = "none"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<4x16xf32>
    return %y, %z : tensor<4x16xf32>, tensor<4x16xf32>
  }
}


// -----

// Split-K's partial sums (deterministic, the default): a GEMV whose K (256:
// 16 tiles, two iterations of 8) splits in two has each block store its
// sums in a slice of its own (_yp; y holds [2, 1, 16], y_slices 2), and a
// reduction over the slices, from a zero fill, adds them in split order:
// the same bits every run, where atomics add in whatever order the blocks
// finish. With no epilogue to add them first, the reduction is a linalg
// kernel of its own, its fill folded in (no fill launch). deterministic=
// false: the blocks add into one y (no _yp, y_slices 1), which the runtime
// zeroes first.

// CHECK-LABEL: func.func @split_partials
// CHECK: %[[Y:.*]] = memref.alloc() : memref<32xf32>
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m1_n16_k256_s2_w4_t0_p8_yp :
// CHECK: call @quantc_gpu_weight_only_gemm({{.*}}, %c2_i64{{(_[0-9]+)?}}, %c0_i64{{(_[0-9]+)?}}, %c1_i64{{(_[0-9]+)?}}, %c1_i64{{(_[0-9]+)?}}, %c2_i64{{(_[0-9]+)?}}, %c128_i64{{(_[0-9]+)?}}) :
// CHECK: tensor.expand_shape %{{.*}} output_shape [2, 1, 16] : tensor<32xf32> into tensor<2x1x16xf32>
// CHECK-NOT: linalg.fill
// CHECK: call @quantc_gpu_linalg(
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[PARTIALS:.*]]: memref<2x1x16xf32>, %{{.*}}: memref<1x16xf32>)
// CHECK: scf.for %[[S:.*]] = %c0 to %c2 step %c1 iter_args(%{{.*}} = %cst)
// CHECK: memref.load %[[PARTIALS]][%[[S]], %{{.*}}, %{{.*}}] : memref<2x1x16xf32>
// CHECK: arith.addf
// ATOMIC-LABEL: func.func @split_partials
// ATOMIC: memref.alloc() : memref<16xf32>
// ATOMIC: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m1_n16_k256_s2_w4_t0_p8 :
// ATOMIC: call @quantc_gpu_weight_only_gemm({{.*}}, %c1_i64{{(_[0-9]+)?}}, %c1_i64{{(_[0-9]+)?}}, %c1_i64{{(_[0-9]+)?}}, %c1_i64{{(_[0-9]+)?}}, %c2_i64{{(_[0-9]+)?}}, %c128_i64{{(_[0-9]+)?}}) :
// ATOMIC-NOT: quantc_gpu_linalg
// ATOMIC: return
module {
  func.func @split_partials(%x: tensor<1x256xf32>) -> tensor<1x16xf32> {
    %packed = arith.constant dense<17> : tensor<2048xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %y = qkernel.matmul %x, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 256, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<1x256xf32>, tensor<2048xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
    return %y : tensor<1x16xf32>
  }
}


// -----

// An elementwise op that reads a reduction's result through an expand_shape
// (a row sum's [4] as [2, 2]; split-K's sums, [N, M], read over [1, N, H, W])
// computes the reduction in its own kernel: point (i, j) sums row 2i + j,
// the expand's indices linearized. One launch instead of two.

// CHECK-LABEL: func.func @sum_then_reshape
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_linalg(
// CHECK: return
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[OUT:.*]]: memref<2x2xf32>, %[[X:.*]]: memref<4x64xf32>)
// CHECK: %[[J:.*]] = arith.remsi %{{.*}}, %c2{{(_[0-9]+)?}} : index
// CHECK: %[[I:.*]] = arith.divsi %{{.*}}, %c2{{(_[0-9]+)?}} : index
// CHECK: %[[ROWI:.*]] = arith.muli %[[I]], %c2{{(_[0-9]+)?}} overflow<nsw> : index
// CHECK: %[[ROW:.*]] = arith.addi %[[ROWI]], %[[J]] : index
// CHECK: scf.for %[[K:.*]] = %c0 to %c64
// CHECK: memref.load %[[X]][%[[ROW]], %[[K]]] : memref<4x64xf32>
// CHECK: arith.mulf
// CHECK: memref.store %{{.*}}, %[[OUT]][%[[I]], %[[J]]] : memref<2x2xf32>
#sum_in = affine_map<(d0, d1) -> (d0, d1)>
#sum_out = affine_map<(d0, d1) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @sum_then_reshape(%x: tensor<4x64xf32>) -> tensor<2x2xf32> {
    %zero = arith.constant 0.0 : f32
    %two = arith.constant 2.0 : f32
    %empty = tensor.empty() : tensor<4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4xf32>) -> tensor<4xf32>
    %sum = linalg.generic {indexing_maps = [#sum_in, #sum_out], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x64xf32>) outs(%init : tensor<4xf32>) {
    ^bb0(%in: f32, %acc: f32):
      %a = arith.addf %acc, %in : f32
      linalg.yield %a : f32
    } -> tensor<4xf32>
    %square = tensor.expand_shape %sum [[0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
    %out = tensor.empty() : tensor<2x2xf32>
    %scaled = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%square : tensor<2x2xf32>) outs(%out : tensor<2x2xf32>) {
    ^bb0(%in: f32, %o: f32):
      %m = arith.mulf %in, %two : f32
      linalg.yield %m : f32
    } -> tensor<2x2xf32>
    return %scaled : tensor<2x2xf32>
  }
}


// -----

// An op on constants (a grouped convolution's weights, dequantized at run
// time) whose only reader is a reduction that its epilogue computes: the
// epilogue's body reads the weights by tensor.extract, and the op on
// constants goes to the GPU with it (its output resident for the fused
// kernel: kinds 456 = x from the host, the weights resident, the output
// downloaded), not to the host with an upload of its output at every call. Found on RegNetY-1.6GF at 4
// bits: 19 such ops were left on the host.

// CHECK-LABEL: func.func @constants_read_by_an_epilogue
// CHECK-NOT: linalg.generic
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: linalg.generic
// CHECK: call @quantc_gpu_linalg({{.*}}, %c456_i64,
// CHECK-NOT: call @quantc_gpu_linalg(
// CHECK: return
#in2 = affine_map<(d0, d1) -> (d0, d1)>
#column = affine_map<(d0, d1) -> (d1)>
#row = affine_map<(d0, d1) -> (d0)>
#id1 = affine_map<(d0) -> (d0)>
module {
  func.func @constants_read_by_an_epilogue(%x: tensor<4x64xf32>) -> tensor<4xf32> {
    %zero = arith.constant 0.0 : f32
    %codes = arith.constant dense<3> : tensor<64xi8>
    %scales = arith.constant dense<0.5> : tensor<64xf32>
    %wEmpty = tensor.empty() : tensor<64xf32>
    %w = linalg.generic {indexing_maps = [#id1, #id1, #id1], iterator_types = ["parallel"]} ins(%codes, %scales : tensor<64xi8>, tensor<64xf32>) outs(%wEmpty : tensor<64xf32>) {
    ^bb0(%c: i8, %s: f32, %o: f32):
      %e = arith.extsi %c : i8 to i32
      %f = arith.sitofp %e : i32 to f32
      %m = arith.mulf %f, %s : f32
      linalg.yield %m : f32
    } -> tensor<64xf32>
    %empty = tensor.empty() : tensor<4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4xf32>) -> tensor<4xf32>
    %sum = linalg.generic {indexing_maps = [#in2, #column, #row], iterator_types = ["parallel", "reduction"]} ins(%x, %w : tensor<4x64xf32>, tensor<64xf32>) outs(%init : tensor<4xf32>) {
    ^bb0(%in: f32, %wi: f32, %acc: f32):
      %p = arith.mulf %in, %wi : f32
      %a = arith.addf %acc, %p : f32
      linalg.yield %a : f32
    } -> tensor<4xf32>
    %out = tensor.empty() : tensor<4xf32>
    %relu = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%sum : tensor<4xf32>) outs(%out : tensor<4xf32>) {
    ^bb0(%in: f32, %o: f32):
      %r = arith.maximumf %in, %zero : f32
      linalg.yield %r : f32
    } -> tensor<4xf32>
    return %relu : tensor<4xf32>
  }
}


// -----

// A whole-tensor sum (a unit parallel dim, then split in two kernels) read
// through a collapse to rank 0 and an expand (its tensor<f32> as 1x1): the
// sum's second half runs in the epilogue's kernel, reading row 0 of the
// partial sums (the collapsed unit dims' index is 0). Found by the GPU
// backend suite (the expanded NLL losses): a crash before.

// CHECK-LABEL: func.func @whole_sum_then_reshape
// CHECK-COUNT-2: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_linalg(
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<1x1xf32>, %[[PARTS:.*]]: memref<1x16xf32>)
// CHECK: scf.for %[[P:.*]] = %c0 to %c16
// CHECK: memref.load %[[PARTS]][%c0, %[[P]]] : memref<1x16xf32>
// CHECK: arith.mulf
#all_in = affine_map<(d0, d1) -> (d0, d1)>
#all_out = affine_map<(d0, d1) -> ()>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @whole_sum_then_reshape(%x: tensor<4x64xf32>) -> tensor<1x1xf32> {
    %zero = arith.constant 0.0 : f32
    %two = arith.constant 2.0 : f32
    %empty = tensor.empty() : tensor<f32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<f32>) -> tensor<f32>
    %sum = linalg.generic {indexing_maps = [#all_in, #all_out], iterator_types = ["reduction", "reduction"]} ins(%x : tensor<4x64xf32>) outs(%init : tensor<f32>) {
    ^bb0(%in: f32, %acc: f32):
      %a = arith.addf %acc, %in : f32
      linalg.yield %a : f32
    } -> tensor<f32>
    %square = tensor.expand_shape %sum [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
    %out = tensor.empty() : tensor<1x1xf32>
    %scaled = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%square : tensor<1x1xf32>) outs(%out : tensor<1x1xf32>) {
    ^bb0(%in: f32, %o: f32):
      %m = arith.mulf %in, %two : f32
      linalg.yield %m : f32
    } -> tensor<1x1xf32>
    return %scaled : tensor<1x1xf32>
  }
}


// -----

// An asymmetric table of zero points keeps the codes as they are and loads
// an f16 offset 1024 + zero per scale (1027 = 0x6403, 1029 = 0x6405); K 20
// pads to 32 with zero weights (the runtime pads x's rows). Nothing is left
// on the host: no warning.

// CHECK-LABEL: func.func @asymmetric
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a1_m1_n16_k32_s1_w4_t0_p8
// CHECK: memref.get_global @quantc_gpu_layer0_offsets : memref<16xi16>
// CHECK: memref.global "private" constant @quantc_gpu_layer0_offsets : memref<16xi16> = dense<[25603, 25605, 25603, 25605,
module {
  func.func @asymmetric(%x: tensor<1x20xf32>) -> tensor<1x16xf32> {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.25> : tensor<1x16xf32>
    %zeros = arith.constant dense<[[3, 5, 3, 5, 3, 5, 3, 5, 3, 5, 3, 5, 3, 5, 3, 5]]> : tensor<1x16xi8>
    %y = qkernel.matmul %x, %packed, %scales zero_points %zeros {layout = #qkernel.layout<bits = 4, lanes = 16, k = 20, n = 16, group = 0, binary = false, signed_bytes = false>, activations = "float", activation = "none"} : (tensor<1x20xf32>, tensor<256xi8>, tensor<1x16xf32>, tensor<1x16xi8>) -> tensor<1x16xf32>
    return %y : tensor<1x16xf32>
  }
}


// -----

// Float matmuls with constant weights take the fp16 GEMM, the weights in f16
// [N, K] (K padded to 16): on the right (a Gemm: x [2, 8] x W [8, 4]), as
// they are transposed; on the left (a convolution: W [4, 8] x im2col [8, 6],
// seen through its collapse_shape), as they are, with the activation read
// as [K, M] and the result written as [N, M] by the kernel (_t1; `transposed`
// 1): the host transposes neither. The bias in the output's initial value
// is added by a linalg kernel that reads the GEMM's y on the device and the
// bias as a constant.

// CHECK-LABEL: func.func @float_matmuls
// CHECK: memref.get_global @quantc_gpu_name_qc_f16_m2_n4_k16_s1 :
// CHECK: memref.get_global @quantc_gpu_layer0_weights : memref<64xi16>
// CHECK: %[[NOT:.*]] = arith.constant 0 : i64
// CHECK: call @quantc_gpu_half_gemm(
// CHECK: memref.get_global @quantc_gpu_name_qc_f16_m6_n4_k16_s1_t1 :
// CHECK: %[[T:.*]] = arith.constant 1 : i64
// CHECK: call @quantc_gpu_half_gemm(
// CHECK: %[[KINDS:.*]] = arith.constant 465 : i64
// CHECK-NEXT: call @quantc_gpu_linalg(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[KINDS]],
// CHECK: memref.global "private" constant @quantc_gpu_layer0_weights : memref<64xi16> = dense<[15360, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15360,
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<4x6xf32>, %{{.*}}: memref<4x6xf32>, %{{.*}}: memref<4x6xf32>)
// CHECK: arith.addf
module {
  func.func @float_matmuls(%x: tensor<2x8xf32>, %cols: tensor<8x6xf32>) -> (tensor<2x4xf32>, tensor<4x6xf32>) {
    %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<8x4xf32>
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : tensor<2x4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x4xf32>) -> tensor<2x4xf32>
    %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
    %kernel = arith.constant dense<0.5> : tensor<4x2x2x2xf32>
    %flat = tensor.collapse_shape %kernel [[0], [1, 2, 3]] : tensor<4x2x2x2xf32> into tensor<4x8xf32>
    %bias = arith.constant dense<[[1.0, 1.25, 1.5, 1.75, 2.0, 2.25], [2.0, 2.25, 2.5, 2.75, 3.0, 3.25], [3.0, 3.25, 3.5, 3.75, 4.0, 4.25], [4.0, 4.25, 4.5, 4.75, 5.0, 5.25]]> : tensor<4x6xf32>
    %conv = linalg.matmul ins(%flat, %cols : tensor<4x8xf32>, tensor<8x6xf32>) outs(%bias : tensor<4x6xf32>) -> tensor<4x6xf32>
    return %y, %conv : tensor<2x4xf32>, tensor<4x6xf32>
  }
}


// -----

// An integer matmul takes the exact int8 GEMM (weights w = code - zero
// point, here 17 - 16 = 1 in every byte: the s8 words 0x01010101), K 40
// padded to 64; the bias is added and the sums requantized to int8
// (multiplier 1 << 30, shift 31: half of the sum, rounded) by a linalg
// kernel on the s32 sums the GEMM left on the device, with the CPU
// kernels' arithmetic. The requantization tables are the same for every
// channel (one multiplier): folded into the body as constants. 3
// arguments, kinds 1 | 2 << 3 (bias) | 7 << 6 (the int8 output,
// downloaded) = 465.

// CHECK-LABEL: func.func @integer
// CHECK: memref.get_global @quantc_gpu_name_qc_i8_m2_n16_k64_s2_e1
// CHECK: call @quantc_gpu_int8_gemm(
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<32xi32> to tensor<32xi32>
// CHECK: %[[KINDS:.*]] = arith.constant 465 : i64
// CHECK-NEXT: call @quantc_gpu_linalg(%{{.*}}, %{{.*}}, %{{.*}}, %[[THREE:.*]], %[[KINDS]],
// CHECK: memref.global "private" constant @quantc_gpu_layer0_words : memref<256xi32> = dense<"0x0101010101010101
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x16xi32>, %{{.*}}: memref<16xi32>, %{{.*}}: memref<2x16xi8>)
// CHECK: %[[MULTIPLIER:.*]] = arith.constant 1073741824 : i64
// CHECK: arith.addi
// CHECK: arith.extsi
// CHECK: arith.muli %{{.*}}, %[[MULTIPLIER]]
// CHECK: arith.shrsi
// CHECK: arith.trunci {{.*}} : i64 to i8
module {
  func.func @integer(%x: tensor<2x40xi8>) -> tensor<2x16xi8> {
    %packed = arith.constant dense<17> : tensor<1024xi8>
    %bias = arith.constant dense<[3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]> : tensor<16xi32>
    %y = qkernel.matmul_integer %x, %packed bias %bias {layout = #qkernel.layout<bits = 8, lanes = 16, k = 40, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64, multipliers = array<i32: 1073741824>, shifts = array<i64: 31>} : (tensor<2x40xi8>, tensor<1024xi8>, tensor<16xi32>) -> tensor<2x16xi8>
    return %y : tensor<2x16xi8>
  }
}


// -----

// An epilogue region runs after the int8 GEMM, in the same kernel as the
// bias: its channel table, read with tensor.extract at the channel index,
// becomes an argument the kernel loads from.
// CHECK-LABEL: func.func @integer_epilogue
// CHECK: call @quantc_gpu_int8_gemm(
// CHECK: call @quantc_gpu_linalg(
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x16xi32>, %{{.*}}: memref<16xi32>, %{{.*}}: memref<2x16xf32>, %[[TABLE:.*]]: memref<16xf32>)
// CHECK: arith.addi
// CHECK: memref.load %[[TABLE]][%{{.*}}] : memref<16xf32>
// CHECK: arith.sitofp
// CHECK: arith.mulf
module {
  func.func @integer_epilogue(%x: tensor<2x40xi8>) -> tensor<2x16xf32> {
    %packed = arith.constant dense<17> : tensor<1024xi8>
    %bias = arith.constant dense<[3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]> : tensor<16xi32>
    %y = qkernel.matmul_integer %x, %packed bias %bias {layout = #qkernel.layout<bits = 8, lanes = 16, k = 40, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64} : (tensor<2x40xi8>, tensor<1024xi8>, tensor<16xi32>) -> tensor<2x16xf32> epilogue {
    ^bb0(%acc: i32, %c: index):
      %t = arith.constant dense<[0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 1.875, 2.0, 2.125, 2.25, 2.375]> : tensor<16xf32>
      %s = tensor.extract %t[%c] : tensor<16xf32>
      %f = arith.sitofp %acc : i32 to f32
      %r = arith.mulf %f, %s : f32
      qkernel.yield %r : f32
    }
    return %y : tensor<2x16xf32>
  }
}


// -----

// A convolution's matmul reads an im2col of its padded input: the kernel
// gathers A from that input itself (_ic4x10x10_r3x3_s1x1_d1x1: 4 channels
// of 10 x 10, 3x3 taps, stride and dilation 1), which the launch takes
// whole (400 elements); the im2col is gone. With A staged (M = 64 pixels
// spans a tile) into shared memory; with M = 9 (t0: A read in the loop)
// into each lane's registers.

// CHECK-LABEL: func.func @implicit_conv
// CHECK-NOT: linalg.generic
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2, 3]] : tensor<1x4x10x10xf32> into tensor<400xf32>
// CHECK: bufferization.to_buffer %[[FLAT]]
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m64_n16_k48_s{{[0-9]+}}_w4_t1_p0{{(_yp)?}}_ic4x10x10_r3x3_s1x1_d1x1
// CHECK: %[[HALVES:.*]] = arith.constant 400 : i64
// CHECK: call @quantc_gpu_weight_only_gemm({{.*}}, %[[HALVES]],
// CHECK-LABEL: func.func @small_conv
// CHECK-NOT: linalg.generic
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m9_n16_k48_s{{[0-9]+}}_w4_t0_p8_ic4x5x5_r3x3_s1x1_d1x1 :
// A constant pad of the input is gathered too (_pad1x1x1x1: the taps
// outside the 8 x 8 input read the padding value): neither the pad nor the
// im2col is left, and the launch takes the unpadded input (256 elements). A
// padding value other than zero is the f16 bits it is staged as (2.0:
// 0x4000, _pv16384).
// CHECK-LABEL: func.func @padded_conv
// CHECK-NOT: tensor.pad
// CHECK-NOT: linalg.generic
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m64_n16_k48_s{{[0-9]+}}_w4_t1_p0{{(_yp)?}}_ic4x8x8_r3x3_s1x1_d1x1_pad1x1x1x1 :
// CHECK: %[[UNPADDED:.*]] = arith.constant 256 : i64
// CHECK: call @quantc_gpu_weight_only_gemm({{.*}}, %[[UNPADDED]],
// CHECK-LABEL: func.func @padded_by_two
// CHECK-NOT: tensor.pad
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m64_n16_k48_s{{[0-9]+}}_w4_t1_p0{{(_yp)?}}_ic4x8x8_r3x3_s1x1_d1x1_pad2x0x0x2_pv16384 :
#input = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 + d4, d2 + d5)>
#copy = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
module {
  func.func @implicit_conv(%x: tensor<1x4x10x10xf32>) -> tensor<1x8x8x16xf32> {
    %packed = arith.constant dense<17> : tensor<512xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %empty = tensor.empty() : tensor<1x8x8x4x3x3xf32>
    %im2col = linalg.generic {indexing_maps = [#input, #copy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x10x10xf32>) outs(%empty : tensor<1x8x8x4x3x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x8x8x4x3x3xf32>
    %a = tensor.collapse_shape %im2col [[0], [1], [2], [3, 4, 5]] : tensor<1x8x8x4x3x3xf32> into tensor<1x8x8x36xf32>
    %y = qkernel.matmul %a, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 36, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<1x8x8x36xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x8x8x16xf32>
    return %y : tensor<1x8x8x16xf32>
  }
  func.func @small_conv(%x: tensor<1x4x5x5xf32>) -> tensor<1x3x3x16xf32> {
    %packed = arith.constant dense<17> : tensor<512xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %empty = tensor.empty() : tensor<1x3x3x4x3x3xf32>
    %im2col = linalg.generic {indexing_maps = [#input, #copy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x5x5xf32>) outs(%empty : tensor<1x3x3x4x3x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x3x3x4x3x3xf32>
    %a = tensor.collapse_shape %im2col [[0], [1], [2], [3, 4, 5]] : tensor<1x3x3x4x3x3xf32> into tensor<1x3x3x36xf32>
    %y = qkernel.matmul %a, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 36, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<1x3x3x36xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x3x3x16xf32>
    return %y : tensor<1x3x3x16xf32>
  }
  func.func @padded_conv(%x: tensor<1x4x8x8xf32>) -> tensor<1x8x8x16xf32> {
    %packed = arith.constant dense<17> : tensor<512xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %zero = arith.constant 0.0 : f32
    %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %zero : f32
    } : tensor<1x4x8x8xf32> to tensor<1x4x10x10xf32>
    %empty = tensor.empty() : tensor<1x8x8x4x3x3xf32>
    %im2col = linalg.generic {indexing_maps = [#input, #copy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%padded : tensor<1x4x10x10xf32>) outs(%empty : tensor<1x8x8x4x3x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x8x8x4x3x3xf32>
    %a = tensor.collapse_shape %im2col [[0], [1], [2], [3, 4, 5]] : tensor<1x8x8x4x3x3xf32> into tensor<1x8x8x36xf32>
    %y = qkernel.matmul %a, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 36, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<1x8x8x36xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x8x8x16xf32>
    return %y : tensor<1x8x8x16xf32>
  }
  func.func @padded_by_two(%x: tensor<1x4x8x8xf32>) -> tensor<1x8x8x16xf32> {
    %packed = arith.constant dense<17> : tensor<512xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %two = arith.constant 2.0 : f32
    %padded = tensor.pad %x low[0, 0, 2, 0] high[0, 0, 0, 2] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %two : f32
    } : tensor<1x4x8x8xf32> to tensor<1x4x10x10xf32>
    %empty = tensor.empty() : tensor<1x8x8x4x3x3xf32>
    %im2col = linalg.generic {indexing_maps = [#input, #copy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%padded : tensor<1x4x10x10xf32>) outs(%empty : tensor<1x8x8x4x3x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x8x8x4x3x3xf32>
    %a = tensor.collapse_shape %im2col [[0], [1], [2], [3, 4, 5]] : tensor<1x8x8x4x3x3xf32> into tensor<1x8x8x36xf32>
    %y = qkernel.matmul %a, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 36, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<1x8x8x36xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x8x8x16xf32>
    return %y : tensor<1x8x8x16xf32>
  }
}


// -----

// A matmul on a channels-first tensor moved to channels last (a 1x1
// convolution between host ops, or a MatMul after a transpose) reads the
// tensor as it is: a 1x1 implicit convolution (_ic32x8x8_r1x1), and the
// transpose leaves the host. Other permutations are a kernel of their own
// (on the model input, which the launch uploads) whose f32 output the
// GEMM reads on the device (_xf32): nothing on the host.

// CHECK-LABEL: func.func @channels_last
// CHECK-NOT: linalg.transpose
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2, 3]] : tensor<1x32x8x8xf32> into tensor<2048xf32>
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m64_n16_k32_s{{[0-9]+}}_w4_t1_p0{{(_yp)?}}_ic32x8x8_r1x1_s1x1_d1x1
// CHECK-LABEL: func.func @other_permutation
// CHECK-NOT: linalg.transpose
// CHECK: call @quantc_gpu_linalg(
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m64_n16_k32_s{{[0-9]+}}_w4_t1_p0{{(_yp)?}}_xf32 :
module {
  func.func @channels_last(%x: tensor<1x32x8x8xf32>) -> tensor<1x8x8x16xf32> {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %empty = tensor.empty() : tensor<1x8x8x32xf32>
    %a = linalg.transpose ins(%x : tensor<1x32x8x8xf32>) outs(%empty : tensor<1x8x8x32xf32>) permutation = [0, 2, 3, 1]
    %y = qkernel.matmul %a, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<1x8x8x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<1x8x8x16xf32>
    return %y : tensor<1x8x8x16xf32>
  }
  func.func @other_permutation(%x: tensor<1x8x32x8xf32>) -> tensor<1x8x8x16xf32> {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %empty = tensor.empty() : tensor<1x8x8x32xf32>
    %a = linalg.transpose ins(%x : tensor<1x8x32x8xf32>) outs(%empty : tensor<1x8x8x32xf32>) permutation = [0, 1, 3, 2]
    %y = qkernel.matmul %a, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<1x8x8x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<1x8x8x16xf32>
    return %y : tensor<1x8x8x16xf32>
  }
}


// -----

// A matmul whose result the graph moves back to channels first (its only
// use a transpose [0, 3, 1, 2], one image) has the kernel write y as [N, M]
// (_yt), here in split-K's two slices of partial sums (_yp): the linalg
// kernel that follows on the device adds them in order, then the bias
// (broadcast along dim 1) and the Relu, over [1, N, H, W]; the transpose
// is gone.

// CHECK-LABEL: func.func @channels_first_output
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m64_n16_k32_s2_w4_t1_p0_yp_yt_ic32x8x8_r1x1_s1x1_d1x1
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2, 3, 4]] output_shape [2, 1, 16, 8, 8]
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: linalg.transpose
// CHECK: return
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[BIAS:.*]]: memref<16xf32>, %{{.*}}: memref<1x16x8x8xf32>, %[[Y:.*]]: memref<2x1x16x8x8xf32>)
// CHECK: memref.load %[[BIAS]][%[[C:.*]]] : memref<16xf32>
// CHECK: scf.for %[[S:.*]] = %c0 to %c2
// CHECK: memref.load %[[Y]][%[[S]], %{{.*}}, %[[C]], %{{.*}}, %{{.*}}] : memref<2x1x16x8x8xf32>
// CHECK: arith.addf
// CHECK: arith.addf
// CHECK: arith.maximumf
module {
  func.func @channels_first_output(%x: tensor<1x32x8x8xf32>) -> tensor<1x16x8x8xf32> {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %bias = arith.constant dense<[1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5]> : tensor<16xf32>
    %empty = tensor.empty() : tensor<1x8x8x32xf32>
    %a = linalg.transpose ins(%x : tensor<1x32x8x8xf32>) outs(%empty : tensor<1x8x8x32xf32>) permutation = [0, 2, 3, 1]
    %y = qkernel.matmul %a, %packed, %scales bias %bias {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "relu"} : (tensor<1x8x8x32xf32>, tensor<256xi8>, tensor<1x16xf32>, tensor<16xf32>) -> tensor<1x8x8x16xf32>
    %back = tensor.empty() : tensor<1x16x8x8xf32>
    %z = linalg.transpose ins(%y : tensor<1x8x8x16xf32>) outs(%back : tensor<1x16x8x8xf32>) permutation = [0, 3, 1, 2]
    return %z : tensor<1x16x8x8xf32>
  }
}

// -----

// An integer depthwise convolution of a device value (the int8 GEMM's
// requantized output, through a reshape) becomes one linalg kernel: each
// point sums its 3 x 3 taps, unrolled, each gathered from the input (the
// zero point, -3, outside it) and multiplied by its weight in int32, then
// adds the bias and runs the epilogue, with the CPU kernel's integer
// arithmetic: no int32 buffer, fill or copy between. Its input is resident
// (kind 1), the bias, weights and epilogue table constants (2), and the
// output, returned, is downloaded (7). A depthwise convolution of a model
// input (an argument) is a kernel too, its input uploaded: nothing stays
// on the host.

// CHECK-LABEL: func.func @depthwise
// CHECK: call @quantc_gpu_int8_gemm(
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_copy
// CHECK: %[[KINDS:.*]] = arith.constant 29834 : i64
// CHECK-NEXT: call @quantc_gpu_linalg(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[KINDS]],
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: qkernel.depthwise_conv_integer
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[BIAS:.*]]: memref<16xi32>, %[[OUT:.*]]: memref<1x4x4x16xi8>, %[[IN:.*]]: memref<1x4x4x16xi8>, %[[W:.*]]: memref<3x3x16xi8>, %[[TABLE:.*]]: memref<16xi32>)
// CHECK-NOT: scf.for
// CHECK: %[[B:.*]] = memref.load %[[BIAS]]
// CHECK-COUNT-9: memref.load %[[IN]]
// CHECK: arith.addi %{{.*}}, %[[B]] : i32
// CHECK: memref.load %[[TABLE]]
// CHECK: arith.shrsi
// CHECK: arith.trunci {{.*}} : i32 to i8
// CHECK: memref.store {{.*}}, %[[OUT]]
module {
  func.func @depthwise(%x: tensor<16x40xi8>, %h: tensor<1x4x4x16xi8>) -> (tensor<1x4x4x16xi8>, tensor<1x2x2x16xi32>) {
    %packed = arith.constant dense<17> : tensor<1024xi8>
    %y = qkernel.matmul_integer %x, %packed {layout = #qkernel.layout<bits = 8, lanes = 16, k = 40, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64, multipliers = array<i32: 1073741824>, shifts = array<i64: 31>} : (tensor<16x40xi8>, tensor<1024xi8>) -> tensor<16x16xi8>
    %e = tensor.expand_shape %y [[0, 1, 2], [3]] output_shape [1, 4, 4, 16] : tensor<16x16xi8> into tensor<1x4x4x16xi8>
    %w = arith.constant dense<2> : tensor<3x3x16xi8>
    %b = arith.constant dense<5> : tensor<16xi32>
    %d = qkernel.depthwise_conv_integer %e, %w bias %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, input_zero_point = -3 : i64} : (tensor<1x4x4x16xi8>, tensor<3x3x16xi8>, tensor<16xi32>) -> tensor<1x4x4x16xi8> epilogue {
    ^bb0(%acc: i32, %c: index):
      %t = arith.constant dense<3> : tensor<16xi32>
      %s = tensor.extract %t[%c] : tensor<16xi32>
      %q = arith.shrsi %acc, %s : i32
      %r = arith.trunci %q : i32 to i8
      qkernel.yield %r : i8
    }
    %o = qkernel.depthwise_conv_integer %h, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, input_zero_point = 0 : i64} : (tensor<1x4x4x16xi8>, tensor<3x3x16xi8>) -> tensor<1x2x2x16xi32>
    return %d, %o : tensor<1x4x4x16xi8>, tensor<1x2x2x16xi32>
  }
}

// -----

// A concatenation of device values (a chain of insert_slice filling an
// empty tensor along one dim) becomes one linalg kernel that gathers each
// point from the part that holds it: z's Relu stays on the device (kind 1);
// y, which a host insert_slice also reads, comes down and is read from the
// host (0); the result, returned, comes down (7 << 6). A chain whose
// slices overlap is no concatenation and stays on the host.

// CHECK-LABEL: func.func @concatenation
// CHECK-COUNT-2: call @quantc_gpu_weight_only_gemm(
// CHECK: call @quantc_gpu_linalg(
// CHECK: %[[KINDS:.*]] = arith.constant 456 : i64
// CHECK-NEXT: call @quantc_gpu_linalg(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[KINDS]],
// CHECK-COUNT-3: tensor.insert_slice
// CHECK-NOT: tensor.insert_slice
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[OUT:.*]]: memref<4x32xf32>, %[[Y:.*]]: memref<4x16xf32>, %[[Z:.*]]: memref<4x16xf32>)
// CHECK: %[[FROMY:.*]] = memref.load %[[Y]]
// CHECK: %[[FROMZ:.*]] = memref.load %[[Z]]
// CHECK: %[[V:.*]] = arith.select %{{.*}}, %[[FROMZ]], %[[FROMY]] : f32
// CHECK: memref.store %[[V]], %[[OUT]]
module {
  func.func @concatenation(%x: tensor<4x32xf32>, %h: tensor<4x16xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %y = qkernel.matmul %x, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "float", activation = "none"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<4x16xf32>
    %z = qkernel.matmul %x, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "float", activation = "relu"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<4x16xf32>
    %e = tensor.empty() : tensor<4x32xf32>
    %a = tensor.insert_slice %z into %e[0, 16] [4, 16] [1, 1] : tensor<4x16xf32> into tensor<4x32xf32>
    %c = tensor.insert_slice %y into %a[0, 0] [4, 16] [1, 1] : tensor<4x16xf32> into tensor<4x32xf32>
    %e2 = tensor.empty() : tensor<4x32xf32>
    %p = tensor.insert_slice %y into %e2[0, 0] [4, 16] [1, 1] : tensor<4x16xf32> into tensor<4x32xf32>
    %q = tensor.insert_slice %h into %p[0, 16] [4, 16] [1, 1] : tensor<4x16xf32> into tensor<4x32xf32>
    %r = tensor.insert_slice %h into %q[0, 8] [4, 16] [1, 1] : tensor<4x16xf32> into tensor<4x32xf32>
    return %c, %r : tensor<4x32xf32>, tensor<4x32xf32>
  }
}

// -----

// Ops on constants alone (a batch norm's scale folded at run time: a
// product, then a sum on it, both read by the op on y, so that they do not
// fuse) go to the GPU with the op on y that reads them: users first, so
// the chain follows. Nothing stays on the host.

// CHECK-LABEL: func.func @constant_chain
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK-COUNT-3: call @quantc_gpu_linalg(
// CHECK-NOT: linalg.generic
// CHECK: return
#map = affine_map<(d0) -> (d0)>
#row = affine_map<(d0, d1) -> (d0, d1)>
#column = affine_map<(d0, d1) -> (d1)>
module {
  func.func @constant_chain(%x: tensor<4x32xf32>) -> tensor<4x16xf32> {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %y = qkernel.matmul %x, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "float", activation = "none"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<4x16xf32>
    %gamma = arith.constant dense<[2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75, 4.0, 4.25, 4.5, 4.75, 5.0, 5.25, 5.5, 5.75]> : tensor<16xf32>
    %inv = arith.constant dense<[0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 1.875, 2.0, 2.125]> : tensor<16xf32>
    %beta = arith.constant dense<[1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5]> : tensor<16xf32>
    %e = tensor.empty() : tensor<16xf32>
    %scale = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]} ins(%gamma, %inv : tensor<16xf32>, tensor<16xf32>) outs(%e : tensor<16xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %m = arith.mulf %a, %b : f32
      linalg.yield %m : f32
    } -> tensor<16xf32>
    %shift = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]} ins(%scale, %beta : tensor<16xf32>, tensor<16xf32>) outs(%e : tensor<16xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    } -> tensor<16xf32>
    %e2 = tensor.empty() : tensor<4x16xf32>
    %r = linalg.generic {indexing_maps = [#row, #column, #column, #row], iterator_types = ["parallel", "parallel"]} ins(%y, %scale, %shift : tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>) outs(%e2 : tensor<4x16xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32, %o: f32):
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %m, %c : f32
      linalg.yield %s : f32
    } -> tensor<4x16xf32>
    return %r : tensor<4x16xf32>
  }
}

// -----

// A long reduction over few points (2 rows of 1024, kept dim) is split in
// two kernels: 2 x 32 threads each take the max of every 32nd element of
// its row (adjacent threads, adjacent elements), then a warp for each of
// the 2 points the max of its 32 parts (a lane each, combined by xor
// shuffles; the host twin combines the lanes' parts in the same tree and
// then the fill's -inf). Each starts from its fill's -inf in a register:
// no fill launch, no copy of one, and no load of the output.

// CHECK-LABEL: func.func @long_rows
// CHECK: call @quantc_gpu_half_gemm(
// CHECK-COUNT-2: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[ROWS:.*]]: memref<2x32x32xf32>, %[[PARTS:.*]]: memref<2x32xf32>)
// CHECK: %[[LOWEST:.*]] = arith.constant 0xFF800000 : f32
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args(%{{.*}} = %[[LOWEST]])
// CHECK: memref.load %[[ROWS]]
// CHECK: arith.maximumf
// CHECK-NOT: memref.load %[[PARTS]]
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[PARTS2:.*]]: memref<2x32xf32>, %[[OUT:.*]]: memref<2xf32>)
// CHECK: %[[LOWEST2:.*]] = arith.constant 0xFF800000 : f32
// CHECK-COUNT-32: scf.for %{{.*}} = %c{{[0-9_]+}} to %c32{{[_0-9]*}} step %c32{{[_0-9]*}} iter_args
// CHECK-NOT: memref.load %[[OUT]]
// CHECK-COUNT-31: arith.maximumf %{{[0-9]+}}, %{{[0-9]+}} : f32
// CHECK-NEXT: %[[TOTAL:.*]] = arith.maximumf %{{[0-9]+}}, %[[LOWEST2]] : f32
// CHECK-NEXT: memref.store %[[TOTAL]], %[[OUT]]
#row = affine_map<(d0, d1) -> (d0, d1)>
#kept = affine_map<(d0, d1) -> (d0, 0)>
module {
  func.func @long_rows(%x: tensor<2x8xf32>) -> tensor<2x1xf32> {
    %w = arith.constant dense<0.5> : tensor<8x1024xf32>
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : tensor<2x1024xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x1024xf32>) -> tensor<2x1024xf32>
    %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x1024xf32>) outs(%init : tensor<2x1024xf32>) -> tensor<2x1024xf32>
    %lowest = arith.constant 0xFF800000 : f32
    %e = tensor.empty() : tensor<2x1xf32>
    %start = linalg.fill ins(%lowest : f32) outs(%e : tensor<2x1xf32>) -> tensor<2x1xf32>
    %max = linalg.generic {indexing_maps = [#row, #kept], iterator_types = ["parallel", "reduction"]} ins(%y : tensor<2x1024xf32>) outs(%start : tensor<2x1xf32>) {
    ^bb0(%a: f32, %m: f32):
      %r = arith.maximumf %a, %m : f32
      linalg.yield %r : f32
    } -> tensor<2x1xf32>
    return %max : tensor<2x1xf32>
  }
}

// -----

// A pooling over rows and columns (2 channels of 16 x 64, kept dims: two
// reduction dims, adjacent in every map) is folded into one row of 1024
// and split as a long row is: 2 x 32 threads sum every 32nd element, then
// a warp a channel sums the 32 parts (32 lane loops in its host twin).

// CHECK-LABEL: func.func @pooled_rows
// CHECK: call @quantc_gpu_half_gemm(
// CHECK-COUNT-2: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x32x32xf32>, %{{.*}}: memref<2x32xf32>)
// CHECK-NOT: scf.for %{{.*}} step %c32
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x32xf32>, %{{.*}}: memref<2xf32>)
// CHECK-COUNT-32: scf.for %{{.*}} = %c{{[0-9_]+}} to %c32{{[_0-9]*}} step %c32{{[_0-9]*}} iter_args
#pooled = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#pool = affine_map<(d0, d1, d2) -> (d0, 0, 0)>
module {
  func.func @pooled_rows(%x: tensor<32x8xf32>) -> tensor<2x1x1xf32> {
    %w = arith.constant dense<0.5> : tensor<8x64xf32>
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : tensor<32x64xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<32x64xf32>) -> tensor<32x64xf32>
    %y = linalg.matmul ins(%x, %w : tensor<32x8xf32>, tensor<8x64xf32>) outs(%init : tensor<32x64xf32>) -> tensor<32x64xf32>
    %planes = tensor.expand_shape %y [[0, 1], [2]] output_shape [2, 16, 64] : tensor<32x64xf32> into tensor<2x16x64xf32>
    %e = tensor.empty() : tensor<2x1x1xf32>
    %start = linalg.fill ins(%zero : f32) outs(%e : tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
    %sum = linalg.generic {indexing_maps = [#pooled, #pool], iterator_types = ["parallel", "reduction", "reduction"]} ins(%planes : tensor<2x16x64xf32>) outs(%start : tensor<2x1x1xf32>) {
    ^bb0(%a: f32, %m: f32):
      %r = arith.addf %m, %a : f32
      linalg.yield %r : f32
    } -> tensor<2x1x1xf32>
    return %sum : tensor<2x1x1xf32>
  }
}

// -----

// The epilogue the pass adds after a GEMM (bias, Relu) fuses with the
// elementwise op after it (a HardSwish-like x * (x + 3)): one linalg
// kernel, not two and the tensor between.

// CHECK-LABEL: func.func @fused_epilogue
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_linalg(
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<4x16xf32>, %{{.*}}: memref<16xf32>, %{{.*}}: memref<4x16xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: arith.addf
// CHECK: arith.mulf
#row = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @fused_epilogue(%x: tensor<4x32xf32>) -> tensor<4x16xf32> {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %bias = arith.constant dense<[1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5]> : tensor<16xf32>
    %y = qkernel.matmul %x, %packed, %scales bias %bias {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "float", activation = "relu"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
    %e = tensor.empty() : tensor<4x16xf32>
    %h = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
    ^bb0(%a: f32, %o: f32):
      %three = arith.constant 3.0 : f32
      %s = arith.addf %a, %three : f32
      %m = arith.mulf %a, %s : f32
      linalg.yield %m : f32
    } -> tensor<4x16xf32>
    return %h : tensor<4x16xf32>
  }
}

// -----

// Through a reshape too: the epilogue (on the GEMM's 4x16) runs on the
// activation's 1x4x16 and fuses with it. A window sum over the padded
// result (a depthwise convolution's shape: taps along dim 1, its output
// starting as a per-channel bias broadcast) and the Relu after it are one
// kernel: it reads the unpadded tensor, indices clamped and the padding
// value outside, starts each sum from the bias, runs the taps in a loop
// and applies the Relu to the sum: two linalg kernels, no pad, broadcast
// or activation kernel, no copy.

// CHECK-LABEL: func.func @fused_through_reshape_and_pad
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK: call @quantc_gpu_linalg(
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_copy(
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<1x4x16xf32>, %{{.*}}: memref<16xf32>, %{{.*}}: memref<1x4x16xf32>)
// CHECK: arith.maximumf
// CHECK: arith.mulf
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[OUT:.*]]: memref<1x4x16xf32>, %[[BIAS:.*]]: memref<16xf32>, %[[TAPS:.*]]: memref<3x16xf32>, %[[SOURCE:.*]]: memref<1x4x16xf32>)
// CHECK: memref.load %[[BIAS]]
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: memref.load %[[TAPS]]
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: memref.load %[[SOURCE]]
// CHECK: arith.select
// CHECK: scf.yield
// CHECK: %[[RELU:.*]] = arith.maximumf %[[SUM]]
// CHECK: memref.store %[[RELU]], %[[OUT]]
#row = affine_map<(d0, d1) -> (d0, d1)>
#cube = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#channel = affine_map<(d0, d1, d2) -> (d2)>
module {
  func.func @fused_through_reshape_and_pad(%x: tensor<4x32xf32>) -> tensor<1x4x16xf32> {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %bias = arith.constant dense<[1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5]> : tensor<16xf32>
    %taps = arith.constant dense<0.25> : tensor<3x16xf32>
    %zero = arith.constant 0.0 : f32
    %y = qkernel.matmul %x, %packed, %scales bias %bias {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "float", activation = "relu"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
    %y3 = tensor.expand_shape %y [[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
    %e = tensor.empty() : tensor<1x4x16xf32>
    %h = linalg.generic {indexing_maps = [#cube, #cube], iterator_types = ["parallel", "parallel", "parallel"]} ins(%y3 : tensor<1x4x16xf32>) outs(%e : tensor<1x4x16xf32>) {
    ^bb0(%a: f32, %o: f32):
      %three = arith.constant 3.0 : f32
      %s = arith.addf %a, %three : f32
      %m = arith.mulf %a, %s : f32
      linalg.yield %m : f32
    } -> tensor<1x4x16xf32>
    %p = tensor.pad %h low[0, 1, 0] high[0, 1, 0] {
    ^bb0(%i: index, %j: index, %k: index):
      tensor.yield %zero : f32
    } : tensor<1x4x16xf32> to tensor<1x6x16xf32>
    %e2 = tensor.empty() : tensor<1x4x16xf32>
    %init = linalg.generic {indexing_maps = [#channel, #cube], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bias : tensor<16xf32>) outs(%e2 : tensor<1x4x16xf32>) {
    ^bb0(%b: f32, %o: f32):
      linalg.yield %b : f32
    } -> tensor<1x4x16xf32>
    %w = linalg.generic {indexing_maps = [affine_map<(n, i, c, t) -> (n, i + t, c)>, affine_map<(n, i, c, t) -> (t, c)>, affine_map<(n, i, c, t) -> (n, i, c)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p, %taps : tensor<1x6x16xf32>, tensor<3x16xf32>) outs(%init : tensor<1x4x16xf32>) {
    ^bb0(%v: f32, %k: f32, %acc: f32):
      %prod = arith.mulf %v, %k : f32
      %sum = arith.addf %acc, %prod : f32
      linalg.yield %sum : f32
    } -> tensor<1x4x16xf32>
    %e3 = tensor.empty() : tensor<1x4x16xf32>
    %r = linalg.generic {indexing_maps = [#cube, #cube], iterator_types = ["parallel", "parallel", "parallel"]} ins(%w : tensor<1x4x16xf32>) outs(%e3 : tensor<1x4x16xf32>) {
    ^bb0(%a: f32, %o: f32):
      %m = arith.maximumf %a, %zero : f32
      linalg.yield %m : f32
    } -> tensor<1x4x16xf32>
    return %r : tensor<1x4x16xf32>
  }
}

// -----

// What does not fold: an elementwise op that reads a reduction through a
// broadcast (a row's maximum subtracted from each element: each point would
// redo the row), and a reduction that accumulates into a tensor it is given
// (no known start). Each stays its own kernel: the GEMM's epilogue, the
// maximum, the subtraction, the sum, four linalg launches.

// CHECK-LABEL: func.func @no_fold
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK-COUNT-4: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_linalg(
#row2 = affine_map<(d0, d1) -> (d0, d1)>
#rowOf = affine_map<(d0, d1) -> (d0)>
module {
  func.func @no_fold(%x: tensor<4x32xf32>, %acc: tensor<4xf32>) -> (tensor<4x16xf32>, tensor<4xf32>) {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %lowest = arith.constant 0xFF800000 : f32
    %y = qkernel.matmul %x, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "float", activation = "relu"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<4x16xf32>
    %e = tensor.empty() : tensor<4xf32>
    %f = linalg.fill ins(%lowest : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    %m = linalg.generic {indexing_maps = [#row2, #rowOf], iterator_types = ["parallel", "reduction"]} ins(%y : tensor<4x16xf32>) outs(%f : tensor<4xf32>) {
    ^bb0(%v: f32, %a: f32):
      %r = arith.maximumf %v, %a : f32
      linalg.yield %r : f32
    } -> tensor<4xf32>
    %e2 = tensor.empty() : tensor<4x16xf32>
    %d = linalg.generic {indexing_maps = [#row2, #rowOf, #row2], iterator_types = ["parallel", "parallel"]} ins(%y, %m : tensor<4x16xf32>, tensor<4xf32>) outs(%e2 : tensor<4x16xf32>) {
    ^bb0(%v: f32, %mx: f32, %o: f32):
      %r = arith.subf %v, %mx : f32
      linalg.yield %r : f32
    } -> tensor<4x16xf32>
    %s = linalg.generic {indexing_maps = [#row2, #rowOf], iterator_types = ["parallel", "reduction"]} ins(%d : tensor<4x16xf32>) outs(%acc : tensor<4xf32>) {
    ^bb0(%v: f32, %a: f32):
      %r = arith.addf %v, %a : f32
      linalg.yield %r : f32
    } -> tensor<4xf32>
    return %d, %s : tensor<4x16xf32>, tensor<4xf32>
  }
}

// -----

// An epilogue that reads a channel table (at linalg.index) fuses with a
// transpose of its result: fusion reads the index through the transpose's
// map (affine.apply), which the pass expands to arith for the kernel.

// CHECK-LABEL: func.func @fused_transposed_epilogue
// CHECK: call @quantc_gpu_int8_gemm(
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_linalg(
// CHECK-NOT: affine.apply
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x16xi32>, %[[OUT:.*]]: memref<16x2xf32>, %[[TABLE:.*]]: memref<16xf32>)
// CHECK: memref.load %[[TABLE]]
// CHECK: memref.store %{{.*}}, %[[OUT]]
#transposed = affine_map<(d0, d1) -> (d1, d0)>
#row = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @fused_transposed_epilogue(%x: tensor<2x40xi8>) -> tensor<16x2xf32> {
    %packed = arith.constant dense<17> : tensor<1024xi8>
    %y = qkernel.matmul_integer %x, %packed {layout = #qkernel.layout<bits = 8, lanes = 16, k = 40, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64} : (tensor<2x40xi8>, tensor<1024xi8>) -> tensor<2x16xf32> epilogue {
    ^bb0(%acc: i32, %c: index):
      %t = arith.constant dense<[0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 1.875, 2.0, 2.125, 2.25, 2.375]> : tensor<16xf32>
      %s = tensor.extract %t[%c] : tensor<16xf32>
      %f = arith.sitofp %acc : i32 to f32
      %r = arith.mulf %f, %s : f32
      qkernel.yield %r : f32
    }
    %e = tensor.empty() : tensor<16x2xf32>
    %t = linalg.generic {indexing_maps = [#transposed, #row], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<2x16xf32>) outs(%e : tensor<16x2xf32>) {
    ^bb0(%a: f32, %o: f32):
      %two = arith.constant 2.0 : f32
      %m = arith.mulf %a, %two : f32
      linalg.yield %m : f32
    } -> tensor<16x2xf32>
    return %t : tensor<16x2xf32>
  }
}

// -----

// Split reductions in other forms: a variance reading a broadcast mean (the
// mean's zero fill folds into the body, and its subtraction with it), a reduction over the outer dim of
// a [512, 4] view (4 points: split into 4 x 16 parts of 32 rows), and an
// integer count. Two kernels each, none on the host.

// CHECK-LABEL: func.func @forms
// CHECK-COUNT-6: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_linalg(
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x32x32xf32>, %{{.*}}: memref<2x32xf32>)
// CHECK: arith.mulf
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x32xf32>, %{{.*}}: memref<2xf32>)
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<32x16x4xf32>, %{{.*}}: memref<4x16xf32>)
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<4x16xf32>, %{{.*}}: memref<4xf32>)
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x32x32xf32>, %{{.*}}: memref<2x32xi32>)
// CHECK: arith.addi
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x32xi32>, %{{.*}}: memref<2xi32>)
#in3 = affine_map<(d0, d1) -> (d0, d1)>
#bcast = affine_map<(d0, d1) -> (d0)>
#kept = affine_map<(d0, d1) -> (d0, 0)>
#outer = affine_map<(d0, d1) -> (d1, d0)>
#col = affine_map<(d0, d1) -> (d0)>
module {
  func.func @forms(%x: tensor<2x8xf32>) -> (tensor<2x1xf32>, tensor<4xf32>, tensor<2xi32>) {
    %w = arith.constant dense<0.5> : tensor<8x1024xf32>
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty() : tensor<2x1024xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x1024xf32>) -> tensor<2x1024xf32>
    %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x1024xf32>) outs(%init : tensor<2x1024xf32>) -> tensor<2x1024xf32>
    // a variance: two inputs, one broadcast along the row
    %mean = tensor.empty() : tensor<2xf32>
    %m = linalg.fill ins(%zero : f32) outs(%mean : tensor<2xf32>) -> tensor<2xf32>
    %e = tensor.empty() : tensor<2x1xf32>
    %start = linalg.fill ins(%zero : f32) outs(%e : tensor<2x1xf32>) -> tensor<2x1xf32>
    %var = linalg.generic {indexing_maps = [#in3, #bcast, #kept], iterator_types = ["parallel", "reduction"]} ins(%y, %m : tensor<2x1024xf32>, tensor<2xf32>) outs(%start : tensor<2x1xf32>) {
    ^bb0(%a: f32, %b: f32, %acc: f32):
      %d = arith.subf %a, %b : f32
      %s = arith.mulf %d, %d : f32
      %r = arith.addf %s, %acc : f32
      linalg.yield %r : f32
    } -> tensor<2x1xf32>
    // the reduction dim outer: columns of a [1024, 4] view
    %v = tensor.expand_shape %y [[0], [1, 2]] output_shape [2, 256, 4] : tensor<2x1024xf32> into tensor<2x256x4xf32>
    %c = tensor.collapse_shape %v [[0, 1], [2]] : tensor<2x256x4xf32> into tensor<512x4xf32>
    %e4 = tensor.empty() : tensor<4xf32>
    %s4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<4xf32>) -> tensor<4xf32>
    %cols = linalg.generic {indexing_maps = [#outer, #col], iterator_types = ["parallel", "reduction"]} ins(%c : tensor<512x4xf32>) outs(%s4 : tensor<4xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %r = arith.addf %a, %acc : f32
      linalg.yield %r : f32
    } -> tensor<4xf32>
    // an integer count over a long row
    %zi = arith.constant 0 : i32
    %ei = tensor.empty() : tensor<2xi32>
    %si = linalg.fill ins(%zi : i32) outs(%ei : tensor<2xi32>) -> tensor<2xi32>
    %count = linalg.generic {indexing_maps = [#in3, #bcast], iterator_types = ["parallel", "reduction"]} ins(%y : tensor<2x1024xf32>) outs(%si : tensor<2xi32>) {
    ^bb0(%a: f32, %acc: i32):
      %pos = arith.cmpf ogt, %a, %zero : f32
      %one = arith.extui %pos : i1 to i32
      %r = arith.addi %one, %acc : i32
      linalg.yield %r : i32
    } -> tensor<2xi32>
    return %var, %cols, %count : tensor<2x1xf32>, tensor<4xf32>, tensor<2xi32>
  }
}

// -----

// A resident x needs no stage kernel where the kernel reads it as it is:
// a convolution's f32 input, whose gather stages each tap to f16 as it
// loads it (_xf; the f16 variant the layer started with is not built), and
// int8 codes whose rows need no padding (K 32). The stage name "in_place" says so.
// Rows of 16 codes (K 32) are read as they are too, by the int8 GEMM's
// variant that reads zero past them (_xb16).

// CHECK-LABEL: func.func @staging_gather
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m64_n16_k48_s{{[0-9]+}}_w4_t1_p0{{(_yp)?}}_ic4x10x10_r3x3_s1x1_d1x1_xf :
// CHECK: %[[IN_PLACE:.*]] = memref.get_global @quantc_gpu_name_in_place
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK-LABEL: func.func @int8_in_place
// CHECK: call @quantc_gpu_int8_gemm(
// CHECK: memref.get_global @quantc_gpu_name_in_place
// CHECK: call @quantc_gpu_int8_gemm(
// CHECK: memref.get_global @quantc_gpu_name_qc_i8_m32_n16_k32_s1_e1_xb16 :
// CHECK: memref.get_global @quantc_gpu_name_in_place
// CHECK: call @quantc_gpu_int8_gemm(
// A float MatMul of a resident x of 4 columns (K padded to 16): the fp16
// GEMM loads the f32 columns and stages them, zeros past them (_xf4).
// CHECK-LABEL: func.func @float_matmul_in_place
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK: memref.get_global @quantc_gpu_name_qc_f16_m100_n8_k16_s{{[0-9]+}}_xf4 :
// CHECK: memref.get_global @quantc_gpu_name_in_place
// CHECK: call @quantc_gpu_half_gemm(
// So does the weight-only GEMM of a resident x of 4 columns (K 16): A
// staged through shared memory (M spans a tile) is loaded from the f32
// columns, staged, zeros past them (_xf4), and stored as a gather's is.
// CHECK-LABEL: func.func @weight_only_in_place
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK: memref.get_global @quantc_gpu_name_qc_wo_b4_g0_a0_m100_n16_k16_s{{[0-9]+}}_w4_t1_p0{{(_yp)?}}_xf4 :
// CHECK: memref.get_global @quantc_gpu_name_in_place
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK-NOT: @quantc_gpu_name_qc_wo_b4_g0_a0_m64_n16_k48_s{{[0-9]+}}_w4_t1_p0{{(_yp)?}}_ic4x10x10_r3x3_s1x1_d1x1 :
// CHECK-NOT: @quantc_gpu_name_qc_wo_b4_g0_a0_m100_n16_k16_s{{[0-9]+}}_w4_t1_p0 :
// CHECK-NOT: @quantc_gpu_name_qc_i8_m32_n16_k32_s1_e1 :
// CHECK: memref.global "private" constant @quantc_gpu_name_in_place : memref<9xi8> = dense<[105, 110, 95, 112, 108, 97, 99, 101, 0]>
#input = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 + d4, d2 + d5)>
#copy = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
module {
  func.func @staging_gather(%x: tensor<100x16xf32>) -> tensor<1x8x8x16xf32> {
    %packed0 = arith.constant dense<17> : tensor<256xi8>
    %scales0 = arith.constant dense<0.5> : tensor<1x16xf32>
    %h = qkernel.matmul %x, %packed0, %scales0 {layout = #qkernel.layout<bits = 4, lanes = 16, k = 16, n = 4, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<100x16xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<100x4xf32>
    %flat = tensor.collapse_shape %h [[0, 1]] : tensor<100x4xf32> into tensor<400xf32>
    %image = tensor.expand_shape %flat [[0, 1, 2, 3]] output_shape [1, 4, 10, 10] : tensor<400xf32> into tensor<1x4x10x10xf32>
    %packed = arith.constant dense<17> : tensor<512xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %empty = tensor.empty() : tensor<1x8x8x4x3x3xf32>
    %im2col = linalg.generic {indexing_maps = [#input, #copy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%image : tensor<1x4x10x10xf32>) outs(%empty : tensor<1x8x8x4x3x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x8x8x4x3x3xf32>
    %a = tensor.collapse_shape %im2col [[0], [1], [2], [3, 4, 5]] : tensor<1x8x8x4x3x3xf32> into tensor<1x8x8x36xf32>
    %y = qkernel.matmul %a, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 36, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<1x8x8x36xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x8x8x16xf32>
    return %y : tensor<1x8x8x16xf32>
  }
  func.func @int8_in_place(%x: tensor<16x40xi8>) -> (tensor<16x16xi32>, tensor<32x16xi32>) {
    %packed = arith.constant dense<17> : tensor<2048xi8>
    %y = qkernel.matmul_integer %x, %packed {layout = #qkernel.layout<bits = 8, lanes = 16, k = 40, n = 32, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64, multipliers = array<i32: 1073741824>, shifts = array<i64: 31>} : (tensor<16x40xi8>, tensor<2048xi8>) -> tensor<16x32xi8>
    %packed2 = arith.constant dense<17> : tensor<512xi8>
    %z = qkernel.matmul_integer %y, %packed2 {layout = #qkernel.layout<bits = 8, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64} : (tensor<16x32xi8>, tensor<512xi8>) -> tensor<16x16xi32>
    %c = tensor.collapse_shape %y [[0, 1]] : tensor<16x32xi8> into tensor<512xi8>
    %e = tensor.expand_shape %c [[0, 1]] output_shape [32, 16] : tensor<512xi8> into tensor<32x16xi8>
    %packed3 = arith.constant dense<17> : tensor<512xi8>
    %w = qkernel.matmul_integer %e, %packed3 {layout = #qkernel.layout<bits = 8, lanes = 16, k = 16, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64} : (tensor<32x16xi8>, tensor<512xi8>) -> tensor<32x16xi32>
    return %z, %w : tensor<16x16xi32>, tensor<32x16xi32>
  }
  func.func @float_matmul_in_place(%x: tensor<100x16xf32>) -> tensor<100x8xf32> {
    %packed0 = arith.constant dense<17> : tensor<256xi8>
    %scales0 = arith.constant dense<0.5> : tensor<1x16xf32>
    %h = qkernel.matmul %x, %packed0, %scales0 {layout = #qkernel.layout<bits = 4, lanes = 16, k = 16, n = 4, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<100x16xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<100x4xf32>
    %w = arith.constant dense<0.25> : tensor<4x8xf32>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<100x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<100x8xf32>) -> tensor<100x8xf32>
    %y = linalg.matmul ins(%h, %w : tensor<100x4xf32>, tensor<4x8xf32>) outs(%f : tensor<100x8xf32>) -> tensor<100x8xf32>
    return %y : tensor<100x8xf32>
  }
  func.func @weight_only_in_place(%x: tensor<100x16xf32>) -> tensor<100x16xf32> {
    %packed0 = arith.constant dense<17> : tensor<256xi8>
    %scales0 = arith.constant dense<0.5> : tensor<1x16xf32>
    %h = qkernel.matmul %x, %packed0, %scales0 {layout = #qkernel.layout<bits = 4, lanes = 16, k = 16, n = 4, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<100x16xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<100x4xf32>
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %y = qkernel.matmul %h, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 4, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<100x4xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<100x16xf32>
    return %y : tensor<100x16xf32>
  }
}

// -----

// A view of resident int8 codes 1 byte into its producer is staged by a
// stage kernel: the int8 GEMM reads codes a word at a time, from a 4-byte
// aligned address. One 32 bytes in (a row) is read in place.

// CHECK-LABEL: func.func @misaligned_codes
// CHECK: call @quantc_gpu_int8_gemm(
// CHECK: memref.get_global @quantc_gpu_name_qc_stage_b_r15_c32_k32 :
// CHECK: call @quantc_gpu_int8_gemm(
// CHECK: memref.get_global @quantc_gpu_name_in_place :
// CHECK: call @quantc_gpu_int8_gemm(
module {
  func.func @misaligned_codes(%x: tensor<16x40xi8>) -> (tensor<15x16xi32>, tensor<15x16xi32>) {
    %packed = arith.constant dense<17> : tensor<2048xi8>
    %y = qkernel.matmul_integer %x, %packed {layout = #qkernel.layout<bits = 8, lanes = 16, k = 40, n = 32, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64, multipliers = array<i32: 1073741824>, shifts = array<i64: 31>} : (tensor<16x40xi8>, tensor<2048xi8>) -> tensor<16x32xi8>
    %flat = tensor.collapse_shape %y [[0, 1]] : tensor<16x32xi8> into tensor<512xi8>
    %odd = tensor.extract_slice %flat[1] [480] [1] : tensor<512xi8> to tensor<480xi8>
    %a = tensor.expand_shape %odd [[0, 1]] output_shape [15, 32] : tensor<480xi8> into tensor<15x32xi8>
    %packed2 = arith.constant dense<17> : tensor<512xi8>
    %z = qkernel.matmul_integer %a, %packed2 {layout = #qkernel.layout<bits = 8, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64} : (tensor<15x32xi8>, tensor<512xi8>) -> tensor<15x16xi32>
    %row = tensor.extract_slice %flat[32] [480] [1] : tensor<512xi8> to tensor<480xi8>
    %b = tensor.expand_shape %row [[0, 1]] output_shape [15, 32] : tensor<480xi8> into tensor<15x32xi8>
    %w = qkernel.matmul_integer %b, %packed2 {layout = #qkernel.layout<bits = 8, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 16 : i64} : (tensor<15x32xi8>, tensor<512xi8>) -> tensor<15x16xi32>
    return %z, %w : tensor<15x16xi32>, tensor<15x16xi32>
  }
}

// -----

// Slices of a device value whose elements are not consecutive in it
// (columns of a GEMM's output, as attention's split of a fused QKV
// projection; a strided slice; one column, rank reduced) are gather
// kernels that read it in place: nothing on the host, no warning.

// CHECK-LABEL: func.func @slices
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK-COUNT-3: call @quantc_gpu_linalg(
// CHECK-NOT: tensor.extract_slice
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<4x8xf32>, %[[Y:.*]]: memref<4x16xf32>)
// CHECK: %[[COLUMN:.*]] = arith.addi %{{.*}}, %c8{{(_[0-9]+)?}} : index
// CHECK-NEXT: memref.load %[[Y]][%{{.*}}, %[[COLUMN]]]
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<2x8xf32>, %[[Y2:.*]]: memref<4x16xf32>)
// CHECK: %[[R:.*]] = arith.divsi
// CHECK-NEXT: %[[TWICE:.*]] = arith.muli %[[R]], %c2{{(_[0-9]+)?}} : index
// CHECK-NEXT: %[[ROW:.*]] = arith.addi %[[TWICE]], %c1{{(_[0-9]+)?}} : index
// CHECK-NEXT: %[[EVEN:.*]] = arith.muli %{{.*}}, %c2{{(_[0-9]+)?}} : index
// CHECK-NEXT: memref.load %[[Y2]][%[[ROW]], %[[EVEN]]]
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<4xf32>, %[[Y3:.*]]: memref<4x16xf32>)
// CHECK: memref.load %[[Y3]][%{{.*}}, %c3{{(_[0-9]+)?}}]
module {
  func.func @slices(%x: tensor<4x32xf32>) -> (tensor<4x8xf32>, tensor<2x8xf32>, tensor<4xf32>) {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %y = qkernel.matmul %x, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activation = "none"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<4x16xf32>
    %a = tensor.extract_slice %y[0, 8] [4, 8] [1, 1] : tensor<4x16xf32> to tensor<4x8xf32>
    %b = tensor.extract_slice %y[1, 0] [2, 8] [2, 2] : tensor<4x16xf32> to tensor<2x8xf32>
    %c = tensor.extract_slice %y[0, 3] [4, 1] [1, 1] : tensor<4x16xf32> to tensor<4xf32>
    return %a, %b, %c : tensor<4x8xf32>, tensor<2x8xf32>, tensor<4xf32>
  }
}

// -----

// A long pooling window (22 x 22) over few points would split into two
// kernels, but this one gathers its padded input in place (linalg.index in
// its body), which the split would not renumber: one kernel, a thread a
// point, on the model input (uploaded).

// CHECK-LABEL: func.func @padded_long_pool
// CHECK: call @quantc_gpu_linalg(
// CHECK-NOT: call @quantc_gpu_linalg(
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<22x22xf32>, %{{.*}}: memref<1x1x2x2xf32>, %[[IN:.*]]: memref<1x1x40x40xf32>)
// CHECK: scf.for {{.*}} to %c22
// CHECK: scf.for {{.*}} to %c22
// CHECK: memref.load %[[IN]]
module {
  func.func @padded_long_pool(%x: tensor<1x1x40x40xf32>) -> tensor<1x1x2x2xf32> {
    %ninf = arith.constant 0xFF800000 : f32
    %padded = tensor.pad %x low[0, 0, 2, 2] high[0, 0, 2, 2] {
    ^bb0(%i: index, %j: index, %k: index, %l: index):
      tensor.yield %ninf : f32
    } : tensor<1x1x40x40xf32> to tensor<1x1x44x44xf32>
    %e = tensor.empty() : tensor<1x1x2x2xf32>
    %init = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
    %window = tensor.empty() : tensor<22x22xf32>
    %pool = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 22 + d3, d5 * 22 + d4)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%padded, %window : tensor<1x1x44x44xf32>, tensor<22x22xf32>) outs(%init : tensor<1x1x2x2xf32>) {
    ^bb0(%in: f32, %w: f32, %out: f32):
      %m = arith.maximumf %out, %in : f32
      linalg.yield %m : f32
    } -> tensor<1x1x2x2xf32>
    return %pool : tensor<1x1x2x2xf32>
  }
}

// -----

// An operand broadcast from one element (Mod's tensor<1xi32> divisor, map
// to 0) goes to the kernel as a one-element buffer.

// CHECK-LABEL: func.func @one_element_operand
// CHECK: bufferization.to_buffer %{{.*}} read_only : tensor<1xi32> to memref<1xi32>
// CHECK: call @quantc_gpu_linalg(
module {
  func.func @one_element_operand(%x: tensor<3x2x5xi32>, %y: tensor<1xi32>) -> tensor<3x2x5xi32> {
    %e = tensor.empty() : tensor<3x2x5xi32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %y : tensor<3x2x5xi32>, tensor<1xi32>) outs(%e : tensor<3x2x5xi32>) {
    ^bb0(%a: i32, %b: i32, %o: i32):
      %m = arith.remsi %a, %b : i32
      linalg.yield %m : i32
    } -> tensor<3x2x5xi32>
    return %r : tensor<3x2x5xi32>
  }
}

// -----

// arith.remf (fmod) would be a libdevice call: no kernel, on the host, and
// the warning says why.

// expected-warning@+1 {{on the host (no GPU kernel yet): 1 linalg.generic; 1 linalg op on device values or model inputs with no kernel: its body has arith.remf}}
module {
  func.func @fmod(%x: tensor<6xf32>, %y: tensor<6xf32>) -> tensor<6xf32> {
    %e = tensor.empty() : tensor<6xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x, %y : tensor<6xf32>, tensor<6xf32>) outs(%e : tensor<6xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %m = arith.remf %a, %b : f32
      linalg.yield %m : f32
    } -> tensor<6xf32>
    return %r : tensor<6xf32>
  }
}

// -----

// An op that reads neither device values nor model inputs is not placed,
// so the warning names its reason beside it: a scalar computed from
// constants (rank 0: no dims to spread over threads).

// expected-warning@+1 {{on the host (no GPU kernel yet): 1 linalg.generic (the op has no parallel dims to spread over threads: 1)}}
module {
  func.func @scalar_of_constants() -> tensor<f32> {
    %a = arith.constant dense<32.0> : tensor<f32>
    %e = tensor.empty() : tensor<f32>
    %r = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []} ins(%a : tensor<f32>) outs(%e : tensor<f32>) {
    ^bb0(%x: f32, %o: f32):
      %s = math.sqrt %x : f32
      linalg.yield %s : f32
    } -> tensor<f32>
    return %r : tensor<f32>
  }
}

// -----

// The transcendental functions are approximated on f32 and f16; on f64
// they would call libdevice, which the artifact does not link (nor does
// every machine have): the op stays on the host, and the warning says why.

// expected-warning@+1 {{1 linalg op on device values or model inputs with no kernel: its body has math.log on f64}}
module {
  func.func @log_f64(%x: tensor<6xf64>) -> tensor<6xf64> {
    %e = tensor.empty() : tensor<6xf64>
    %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<6xf64>) outs(%e : tensor<6xf64>) {
    ^bb0(%a: f64, %o: f64):
      %l = math.log %a : f64
      linalg.yield %l : f64
    } -> tensor<6xf64>
    return %r : tensor<6xf64>
  }
}

// -----

// A packed embedding lookup of the model's ids is a linalg kernel (the
// host's lowering): each element loads its id, its row's byte of codes
// (the table a constant kernel argument, uploaded once), shifts its code
// out, subtracts the zero point and scales it.

// CHECK-LABEL: func.func @embedding
// CHECK-NOT: qkernel.gather_rows
// CHECK: call @quantc_gpu_linalg(
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%[[IDS:.*]]: memref<1x3xi64>, %[[OUT:.*]]: memref<1x3x64xf32>, %[[TABLE:.*]]: memref<100x32xi8>, %[[SCALES:.*]]: memref<100x2xf16>)
// CHECK: memref.load %[[IDS]]
// CHECK: memref.load %[[TABLE]]
// CHECK: arith.shrui
// CHECK: memref.load %[[SCALES]]
// CHECK: arith.subi %{{.*}}, %c7_i32 : i32
// CHECK: arith.mulf
// CHECK: memref.store {{.*}}, %[[OUT]]
module {
  func.func @embedding(%ids: tensor<1x3xi64>) -> tensor<1x3x64xf32> {
    %table = arith.constant dense<35> : tensor<100x32xi8>
    %scales = arith.constant dense<5.000000e-01> : tensor<100x2xf16>
    %y = qkernel.gather_rows %ids, %table, %scales {bits = 4 : i64, columns = 64 : i64, group = 32 : i64, zero_point = 7 : i64} : (tensor<1x3xi64>, tensor<100x32xi8>, tensor<100x2xf16>) -> tensor<1x3x64xf32>
    return %y : tensor<1x3x64xf32>
  }
}

// -----

// A whole tensor's sum (no parallel dim: no thread to run it) gains a
// parallel dim of 1, then splits like any long row: 32 threads sum 64
// elements each, one warp the 32 parts. Nothing on the host.

// CHECK-LABEL: func.func @whole_sum
// CHECK-COUNT-2: call @quantc_gpu_linalg(
// CHECK-NOT: linalg.generic
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<64x32xf32>, %{{.*}}: memref<1x32xf32>)
// CHECK: scf.for {{.*}} to %c64
// CHECK: func.func private @quantc_gpu_nest_qc_la_{{.*}}(%{{.*}}: memref<1x32xf32>, %{{.*}}: memref<1xf32>)
module {
  func.func @whole_sum(%x: tensor<32x64xf32>) -> tensor<f32> {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<f32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
    %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x : tensor<32x64xf32>) outs(%init : tensor<f32>) {
    ^bb0(%a: f32, %acc: f32):
      %r = arith.addf %acc, %a : f32
      linalg.yield %r : f32
    } -> tensor<f32>
    return %s : tensor<f32>
  }
}

// -----

// A linalg op of more than 8 buffers (a DenseNet's concatenations read up
// to 49) launches through quantc_gpu_linalg_array: each argument's kind,
// pointer and size stored in arrays of the entry block just before the
// call. The GEMM's y is read where it is (kind 1, the GEMM's buffer), the
// eight arguments come from the host (0), and the result comes down (7);
// the host twin takes all 10 buffers.

// CHECK-LABEL: func.func @many_buffers
// CHECK: %[[KINDS:.*]] = llvm.alloca %[[TEN:.*]] x i64
// CHECK-NEXT: %[[POINTERS:.*]] = llvm.alloca %[[TEN]] x !llvm.ptr
// CHECK-NEXT: %[[SIZES:.*]] = llvm.alloca %[[TEN]] x i64
// CHECK: %[[Y:.*]] = memref.alloc() : memref<64xf32>
// CHECK: call @quantc_gpu_weight_only_gemm(
// CHECK: %[[K0:.*]] = llvm.getelementptr %[[KINDS]][0]
// CHECK-NEXT: %[[RESIDENT:.*]] = arith.constant 1 : i64
// CHECK-NEXT: llvm.store %[[RESIDENT]], %[[K0]]
// CHECK-NEXT: %[[P0:.*]] = llvm.getelementptr %[[POINTERS]][0]
// CHECK-NEXT: memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: %[[K1:.*]] = llvm.getelementptr %[[KINDS]][1]
// CHECK-NEXT: %[[HOST:.*]] = arith.constant 0 : i64
// CHECK-NEXT: llvm.store %[[HOST]], %[[K1]]
// CHECK: %[[K9:.*]] = llvm.getelementptr %[[KINDS]][9]
// CHECK-NEXT: %[[DOWNLOADED:.*]] = arith.constant 7 : i64
// CHECK-NEXT: llvm.store %[[DOWNLOADED]], %[[K9]]
// CHECK: call @quantc_gpu_linalg_array(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[KINDS]], %[[POINTERS]], %[[SIZES]])
// CHECK: func.func @quantc_gpu_twin10_qc_la_
#map = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @many_buffers(%x: tensor<4x32xf32>, %a0: tensor<4x16xf32>, %a1: tensor<4x16xf32>, %a2: tensor<4x16xf32>, %a3: tensor<4x16xf32>, %a4: tensor<4x16xf32>, %a5: tensor<4x16xf32>, %a6: tensor<4x16xf32>, %a7: tensor<4x16xf32>) -> tensor<4x16xf32> {
    %packed = arith.constant dense<17> : tensor<256xi8>
    %scales = arith.constant dense<0.5> : tensor<1x16xf32>
    %y = qkernel.matmul %x, %packed, %scales {layout = #qkernel.layout<bits = 4, lanes = 16, k = 32, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 7 : i64, activations = "float", activation = "none"} : (tensor<4x32xf32>, tensor<256xi8>, tensor<1x16xf32>) -> tensor<4x16xf32>
    %e = tensor.empty() : tensor<4x16xf32>
    %s = linalg.generic {indexing_maps = [#map, #map, #map, #map, #map, #map, #map, #map, #map, #map], iterator_types = ["parallel", "parallel"]} ins(%y, %a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
    ^bb0(%v: f32, %b0: f32, %b1: f32, %b2: f32, %b3: f32, %b4: f32, %b5: f32, %b6: f32, %b7: f32, %out: f32):
      %0 = arith.addf %v, %b0 : f32
      %1 = arith.addf %0, %b1 : f32
      %2 = arith.addf %1, %b2 : f32
      %3 = arith.addf %2, %b3 : f32
      %4 = arith.addf %3, %b4 : f32
      %5 = arith.addf %4, %b5 : f32
      %6 = arith.addf %5, %b6 : f32
      %7 = arith.addf %6, %b7 : f32
      linalg.yield %7 : f32
    } -> tensor<4x16xf32>
    return %s : tensor<4x16xf32>
  }
}
