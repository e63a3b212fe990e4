// When every layer's X^T X together outgrow hessian-budget-mb (a 3 B
// decoder's need 28 GB in double), qnn-calibrate accumulates them a group at
// a time, one pass over the samples per group; layers that read one tensor
// as matrix rows (a decoder's Q/K/V) share theirs. Budget 0 puts each input
// in a group of its own: the stored matrices, and the GPTQ weights rounded
// against them, are those of the single pass. Inputs whose rows take less
// room than their X^T X (x: 4 samples x 3 rows x 8 floats against 8 x 8
// doubles) are captured in the first pass instead (capture-budget-mb > 0),
// with the same sums.
// RUN: rm -rf %t && mkdir -p %t/samples
// RUN: %python -c "import numpy as n; [n.save('%t/samples/%%d.npy' %% i, n.random.default_rng(i).standard_normal((3, 8)).astype(n.float32)) for i in range(4)]"
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples hessians=true hessian-budget-mb=0 capture-budget-mb=0" | FileCheck %s
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples hessians=true" --qnn-quantize="bits=4 method=gptq" > %t/one-pass.mlir
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples hessians=true hessian-budget-mb=0 capture-budget-mb=0" --qnn-quantize="bits=4 method=gptq" > %t/groups.mlir
// RUN: diff %t/one-pass.mlir %t/groups.mlir
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples hessians=true hessian-budget-mb=0" --qnn-quantize="bits=4 method=gptq" > %t/captured.mlir
// RUN: diff %t/one-pass.mlir %t/captured.mlir

// q and k read x: one matrix, stored once; v reads q + k: its own.
// CHECK-LABEL: func.func @main
// CHECK: qnn.matmul %arg0, %{{.*}} {qnn.hessian = dense_resource<[[X:hessian[_0-9]*]]> : tensor<8x8xf32>
// CHECK: qnn.matmul %arg0, %{{.*}} {qnn.hessian = dense_resource<[[X]]> : tensor<8x8xf32>
// CHECK: qnn.matmul %{{.*}}, %{{.*}} {qnn.hessian = dense_resource<{{hessian[_0-9]*}}> : tensor<6x6xf32>
func.func @main(%x: tensor<3x8xf32>) -> tensor<3x4xf32> {
  %wq = qnn.constant dense<[[0.5, -1.0, 0.25, 2.0, 0.0, 1.5], [1.0, 0.5, -0.5, 0.0, 0.75, -1.0], [0.0, 1.0, 1.0, -2.0, 0.5, 0.25], [2.0, 0.0, -1.0, 0.5, 1.0, 0.0], [-0.5, 0.5, 0.0, 1.0, -1.5, 1.0], [1.0, 1.0, 0.5, 0.0, 0.25, -0.75], [0.0, -0.5, 2.0, 1.0, 0.0, 0.5], [0.75, 0.0, -1.0, 0.5, 1.0, 1.0]]> : tensor<8x6xf32>
  %wk = qnn.constant dense<[[1.0, 0.0, -0.5, 0.5, 1.0, 2.0], [0.5, 1.5, 0.0, -1.0, 0.0, 0.5], [-1.0, 0.5, 1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.5, 1.0, -0.5, 1.0], [1.5, 0.0, 0.0, 0.5, 1.0, -1.0], [0.0, -1.0, 1.0, 2.0, 0.5, 0.0], [0.5, 0.5, -0.5, 0.0, 1.0, 1.5], [1.0, 2.0, 0.0, -0.5, 0.0, 0.5]]> : tensor<8x6xf32>
  %wv = qnn.constant dense<[[1.0, -0.5, 0.0, 2.0], [0.5, 1.0, -1.0, 0.0], [0.0, 0.5, 1.5, -0.5], [2.0, 0.0, 0.5, 1.0], [-1.0, 1.0, 0.0, 0.5], [0.5, -0.5, 1.0, 1.0]]> : tensor<6x4xf32>
  %q = qnn.matmul %x, %wq : (tensor<3x8xf32>, tensor<8x6xf32>) -> tensor<3x6xf32>
  %k = qnn.matmul %x, %wk : (tensor<3x8xf32>, tensor<8x6xf32>) -> tensor<3x6xf32>
  %s = qnn.add %q, %k : (tensor<3x6xf32>, tensor<3x6xf32>) -> tensor<3x6xf32>
  %v = qnn.matmul %s, %wv : (tensor<3x6xf32>, tensor<6x4xf32>) -> tensor<3x4xf32>
  return %v : tensor<3x4xf32>
}
