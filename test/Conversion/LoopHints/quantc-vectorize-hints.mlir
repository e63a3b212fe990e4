// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-vectorize-hints))" | FileCheck %s
// The hint reaches LLVM IR as !llvm.loop metadata once lowered.
// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-vectorize-hints),convert-scf-to-cf,finalize-memref-to-llvm,convert-arith-to-llvm,convert-math-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts,quantc-apply-loop-annotations)" | FileCheck %s --check-prefix=LLVM
// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-vectorize-hints),convert-scf-to-cf,finalize-memref-to-llvm,convert-arith-to-llvm,convert-math-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts,quantc-apply-loop-annotations)" | sed -n '1,/^\/\/ -----/p' | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=IR

// A short channels-last loop (8 channels) of elementwise arithmetic, with a
// per-channel scale: contiguous in the induction variable, so LLVM is told
// to vectorize it whatever its cost model says about 8 iterations.
// CHECK: #[[VECTORIZE:.*]] = #llvm.loop_vectorize<disable = false>
// CHECK: #[[ANNOTATION:.*]] = #llvm.loop_annotation<vectorize = #[[VECTORIZE]]>
// CHECK-LABEL: func.func @requantize
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: } {llvm.loop_annotation = #[[ANNOTATION]]}
// CHECK-NEXT: }
// CHECK-NOT: llvm.loop_annotation
// LLVM-LABEL: llvm.func @requantize
// LLVM: llvm.br ^{{.*}} {loop_annotation = #{{.*}}}
// LLVM-NOT: llvm.loop_annotation
// IR: br label %{{.*}}, !llvm.loop ![[LOOP:[0-9]+]]
// IR: ![[LOOP]] = distinct !{![[LOOP]], ![[ENABLE:[0-9]+]]}
// IR: ![[ENABLE]] = !{!"llvm.loop.vectorize.enable", i1 true}
func.func @requantize(%in: memref<24x96x8xi32>, %scale: memref<8xf32>, %out: memref<24x96x8xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c24 = arith.constant 24 : index
  %c96 = arith.constant 96 : index
  scf.for %h = %c0 to %c24 step %c1 {
    scf.for %w = %c0 to %c96 step %c1 {
      scf.for %c = %c0 to %c8 step %c1 {
        %acc = memref.load %in[%h, %w, %c] : memref<24x96x8xi32>
        %s = memref.load %scale[%c] : memref<8xf32>
        %f = arith.sitofp %acc : i32 to f32
        %y = arith.mulf %f, %s : f32
        %r = math.roundeven %y : f32
        %q = arith.fptosi %r : f32 to i8
        memref.store %q, %out[%h, %w, %c] : memref<24x96x8xi8>
      }
    }
  }
  return
}

// -----

// Left to LLVM's own judgement: a strided (transposing) load, a store to
// one address (a reduction through memory, whose float order must stay),
// a libm call, a loop with results, and a loop of three iterations.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: llvm.loop_annotation
func.func @left_alone(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %sum: memref<f32>, %v: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %a[%i, %c0] : memref<8x8xf32>
    memref.store %x, %b[%c0, %i] : memref<8x8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %v[%i] : memref<8xf32>
    %s = memref.load %sum[] : memref<f32>
    %t = arith.addf %s, %x : f32
    memref.store %t, %sum[] : memref<f32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %v[%i] : memref<8xf32>
    %e = math.exp %x : f32
    memref.store %e, %v[%i] : memref<8xf32>
  }
  %total = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> f32 {
    %x = memref.load %v[%i] : memref<8xf32>
    %t = arith.addf %acc, %x : f32
    scf.yield %t : f32
  }
  scf.for %i = %c0 to %c3 step %c1 {
    %x = memref.load %v[%i] : memref<8xf32>
    memref.store %x, %v[%i] : memref<8xf32>
  }
  return %total : f32
}
