// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-vectorize-float-reductions))" | FileCheck %s
// The rewritten nests lower to LLVM.
// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-vectorize-float-reductions),convert-vector-to-scf,convert-scf-to-cf,convert-vector-to-llvm,finalize-memref-to-llvm,convert-arith-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)" | FileCheck %s --check-prefix=LLVM

// GlobalAveragePool's sum over 3 rows of 96: 16 partial sums carried
// through both loops, 6 vector steps a row, no tail; the halves are added
// down to one lane, which is added to the accumulator once.
// CHECK-LABEL: func.func @average_pool
// CHECK: %[[NEG:.*]] = arith.constant dense<-0.000000e+00> : vector<16xf32>
// CHECK: %[[ROWS:.*]] = scf.for %[[H:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[P:.*]] = %[[NEG]]) -> (vector<16xf32>)
// CHECK: scf.for %[[W:.*]] = %{{.*}} to %{{.*}} step %[[C16:.*]] iter_args(%[[Q:.*]] = %[[P]]) -> (vector<16xf32>)
// CHECK: %[[X:.*]] = vector.load %{{.*}}[%{{.*}}, %[[H]], %[[W]]] : memref<32x3x96xf32>, vector<16xf32>
// CHECK: %[[S:.*]] = arith.addf %[[Q]], %[[X]] : vector<16xf32>
// CHECK: scf.yield %[[S]]
// CHECK-NOT: vector.maskedload
// CHECK: vector.extract_strided_slice %[[ROWS]] {offsets = [0], sizes = [8], strides = [1]}
// CHECK: vector.extract_strided_slice %[[ROWS]] {offsets = [8], sizes = [8], strides = [1]}
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: arith.addf {{.*}} : vector<4xf32>
// CHECK: arith.addf {{.*}} : vector<2xf32>
// CHECK: arith.addf {{.*}} : vector<1xf32>
// CHECK: %[[T:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// CHECK: %[[A:.*]] = memref.load %[[ACC:.*]][%{{.*}}] : memref<32xf32>
// CHECK: %[[SUM:.*]] = arith.addf %[[A]], %[[T]] : f32
// CHECK: memref.store %[[SUM]], %[[ACC]]
// CHECK-NOT: scf.for
// LLVM-LABEL: llvm.func @average_pool
// LLVM: llvm.fadd {{.*}} : vector<16xf32>
func.func @average_pool(%in: memref<32x3x96xf32>, %acc: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c32 = arith.constant 32 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%c) = (%c0) to (%c32) step (%c1) {
    memref.store %zero, %acc[%c] : memref<32xf32>
    scf.for %h = %c0 to %c3 step %c1 {
      scf.for %w = %c0 to %c96 step %c1 {
        %x = memref.load %in[%c, %h, %w] : memref<32x3x96xf32>
        %a = memref.load %acc[%c] : memref<32xf32>
        %s = arith.addf %a, %x : f32
        memref.store %s, %acc[%c] : memref<32xf32>
      }
    }
    scf.reduce
  }
  return
}

// -----

// A softmax's max over 20 elements: 8 lanes, two vector steps, then a tail
// of 4 loaded under a mask, whose other lanes take -inf (max's identity).
// CHECK-LABEL: func.func @row_max
// CHECK: %[[START:.*]] = arith.constant dense<0xFF800000> : vector<8xf32>
// CHECK: %[[STEPS:.*]] = scf.for {{.*}} step %{{.*}} iter_args(%[[Q:.*]] = %[[START]]) -> (vector<8xf32>)
// CHECK: vector.load {{.*}} : memref<40x20xf32>, vector<8xf32>
// CHECK: arith.maximumf %[[Q]], {{.*}} : vector<8xf32>
// CHECK: %[[MASK:.*]] = vector.constant_mask [4] : vector<8xi1>
// CHECK: %[[TAIL:.*]] = vector.maskedload {{.*}}, %[[MASK]], {{.*}} : memref<40x20xf32>, vector<8xi1>, vector<8xf32> into vector<8xf32>
// CHECK: %[[INF:.*]] = arith.constant dense<0xFF800000> : vector<8xf32>
// CHECK: %[[KEPT:.*]] = arith.select %[[MASK]], %[[TAIL]], %[[INF]] : vector<8xi1>, vector<8xf32>
// CHECK: arith.maximumf %[[STEPS]], %[[KEPT]] : vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<4xf32>
// CHECK: arith.maximumf {{.*}} : f32
func.func @row_max(%in: memref<40x20xf32>, %acc: memref<40xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c20 = arith.constant 20 : index
  %c40 = arith.constant 40 : index
  scf.parallel (%r) = (%c0) to (%c40) step (%c1) {
    scf.for %j = %c0 to %c20 step %c1 {
      %x = memref.load %in[%r, %j] : memref<40x20xf32>
      %a = memref.load %acc[%r] : memref<40xf32>
      %m = arith.maximumf %a, %x : f32
      memref.store %m, %acc[%r] : memref<40xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A variance-like sum: the row's mean is loaded once per element (scalar,
// then broadcast), the difference squared on vectors; the accumulator is
// the combine's second operand.
// CHECK-LABEL: func.func @squared_deviation
// CHECK: scf.for {{.*}} iter_args(%[[Q:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK: %[[X:.*]] = vector.load {{.*}} : memref<40x120xf32>, vector<16xf32>
// CHECK: %[[MEAN:.*]] = memref.load {{.*}} : memref<40xf32>
// CHECK: %[[B:.*]] = vector.broadcast %[[MEAN]] : f32 to vector<16xf32>
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[B]] : vector<16xf32>
// CHECK: %[[D2:.*]] = arith.mulf %[[D]], %[[D]] fastmath<contract> : vector<16xf32>
// CHECK: arith.addf %[[Q]], %[[D2]] : vector<16xf32>
// CHECK: vector.maskedload
func.func @squared_deviation(%in: memref<40x120xf32>, %mean: memref<40xf32>, %acc: memref<40xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c40 = arith.constant 40 : index
  %c120 = arith.constant 120 : index
  scf.parallel (%r) = (%c0) to (%c40) step (%c1) {
    scf.for %j = %c0 to %c120 step %c1 {
      %x = memref.load %in[%r, %j] : memref<40x120xf32>
      %m = memref.load %mean[%r] : memref<40xf32>
      %d = arith.subf %x, %m : f32
      %d2 = arith.mulf %d, %d fastmath<contract> : f32
      %a = memref.load %acc[%r] : memref<40xf32>
      %s = arith.addf %d2, %a : f32
      memref.store %s, %acc[%r] : memref<40xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Left alone: a load that reads the accumulator's own buffer (its partial
// sums), an induction variable that strides (channels of NCHW), an integer
// sum (LLVM reorders those itself), and a row shorter than 8.
// CHECK-LABEL: func.func @refusals
// CHECK-NOT: vector
// CHECK: return
func.func @refusals(%buf: memref<40x64xf32>, %nchw: memref<64x40xf32>, %ints: memref<40x64xi32>,
                    %iacc: memref<40xi32>, %acc: memref<40xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c40 = arith.constant 40 : index
  %c64 = arith.constant 64 : index
  scf.for %r = %c0 to %c40 step %c1 {
    scf.for %j = %c0 to %c64 step %c1 {
      %x = memref.load %buf[%r, %j] : memref<40x64xf32>
      %a = memref.load %buf[%r, %c0] : memref<40x64xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %buf[%r, %c0] : memref<40x64xf32>
    }
    scf.for %j = %c0 to %c64 step %c1 {
      %x = memref.load %nchw[%j, %r] : memref<64x40xf32>
      %a = memref.load %acc[%r] : memref<40xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %acc[%r] : memref<40xf32>
    }
    scf.for %j = %c0 to %c64 step %c1 {
      %x = memref.load %ints[%r, %j] : memref<40x64xi32>
      %a = memref.load %iacc[%r] : memref<40xi32>
      %s = arith.addi %a, %x : i32
      memref.store %s, %iacc[%r] : memref<40xi32>
    }
    scf.for %j = %c0 to %c4 step %c1 {
      %x = memref.load %buf[%r, %j] : memref<40x64xf32>
      %a = memref.load %acc[%r] : memref<40xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %acc[%r] : memref<40xf32>
    }
  }
  return
}
