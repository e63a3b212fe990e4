// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as n; n.save('%t/ones.npy', n.ones((1, 2), n.float32))"
// RUN: quant-opt %s --qnn-refit-weights="inputs=%t/ones.npy bits=2 method=rtn clip-search=false" | FileCheck %s

// Two MatMul + bias layers on the input (1, 1). At 2 bits the first weight
// [1, 0.4] rounds to [1, 0], and its output would read 1.5 where float
// reads 1.9: the refit centers it, bias 0.5 - (W_q E[x~] - W E[x]) = 0.9.
// The trial runs the layers after it with that bias, so the second layer
// reads 1.9, as in float: its weight 2 and bias 0.25 need nothing.
// CHECK-LABEL: func.func @main
// CHECK: %[[B1:.*]] = qnn.constant dense<0.8999{{[0-9]*}}> : tensor<1xf32>
// CHECK: %[[Y:.*]] = qnn.matmul
// CHECK: %[[YB:.*]] = qnn.add %[[Y]], %[[B1]]
// CHECK: %[[W2:.*]] = qnn.constant dense<2.000000e+00> : tensor<1x1xf32>
// CHECK: %[[B2:.*]] = qnn.constant dense<2.500000e-01> : tensor<1xf32>
// CHECK: qnn.matmul %[[YB]], %[[W2]]
// CHECK: qnn.add %{{.*}}, %[[B2]]
func.func @main(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w1 = qnn.constant dense<[[1.0], [0.4]]> : tensor<2x1xf32>
  %b1 = qnn.constant dense<0.5> : tensor<1xf32>
  %y = qnn.matmul %x, %w1 {qnn.hessian = dense<1.0> : tensor<2x2xf32>} : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  %yb = qnn.add %y, %b1 : (tensor<1x1xf32>, tensor<1xf32>) -> tensor<1x1xf32>
  %w2 = qnn.constant dense<2.0> : tensor<1x1xf32>
  %b2 = qnn.constant dense<0.25> : tensor<1xf32>
  %z = qnn.matmul %yb, %w2 {qnn.hessian = dense<1.0> : tensor<1x1xf32>} : (tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x1xf32>
  %zb = qnn.add %z, %b2 : (tensor<1x1xf32>, tensor<1xf32>) -> tensor<1x1xf32>
  return %zb : tensor<1x1xf32>
}
