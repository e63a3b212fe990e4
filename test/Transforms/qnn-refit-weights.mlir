// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as n; n.save('%t/ones.npy', n.ones((1, 2), n.float32))"
// RUN: quant-opt %s --qnn-refit-weights="inputs=%t/ones.npy bits=2 method=rtn clip-search=false" | FileCheck %s
// RUN: not quant-opt %s --qnn-refit-weights="inputs=%t/ones.npy damping=0" 2>&1 | FileCheck %s --check-prefix=DAMPING
// RUN: not quant-opt %s --qnn-refit-weights="inputs=%t/ones.npy method=awq" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not quant-opt %s --qnn-refit-weights="inputs=%t/ones.npy bits=9" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not quant-opt %s --qnn-refit-weights="inputs=%t/missing.npy" 2>&1 | FileCheck %s --check-prefix=MISSING

// Two layers on the input (1, 1). At 2 bits the first weight [1, 0.4]
// rounds to [1, 0]: the second layer reads 1 where the float model gives
// 1.4. Its weight 2 is refit to the ridge least-squares solution
// w - (G + lambda)^-1 D w = 2 + 0.4 * 2 / 1.1 = 2.727273 (G = E[x~^2] = 1,
// D = E[x~ (x~ - x)] = -0.4, lambda = 0.1 G), and its qnn.hessian becomes
// G. The first layer reads the model input, which quantization leaves as
// it is: its weight stays, and its X^T X is the input's.
// CHECK-LABEL: func.func @main
// CHECK: %[[W1:.*]] = qnn.constant dense_resource<refit_weight{{.*}}> : tensor<2x1xf32>
// CHECK: %[[Y:.*]] = qnn.matmul %{{.*}}, %[[W1]] {qnn.hessian = dense_resource<hessian{{.*}}> : tensor<2x2xf32>}
// CHECK: %[[W2:.*]] = qnn.constant dense<2.72727{{[0-9]*}}> : tensor<1x1xf32>
// CHECK: qnn.matmul %[[Y]], %[[W2]] {qnn.hessian = dense_resource<hessian{{.*}}> : tensor<1x1xf32>}
// DAMPING: error: qnn-refit-weights: damping must be positive, got 0.000000e+00
// METHOD: error: qnn-refit-weights: unknown weight method 'awq' (known: rtn, gptq, adaround)
// BITS: error: qnn-refit-weights: bit-width '9' is not 2..8, 'ternary' or 'binary'
// MISSING: error: qnn-refit-weights: {{.*}}missing.npy
func.func @main(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w1 = qnn.constant dense<[[1.0], [0.4]]> : tensor<2x1xf32>
  %y = qnn.matmul %x, %w1 {qnn.hessian = dense<1.0> : tensor<2x2xf32>} : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  %w2 = qnn.constant dense<2.0> : tensor<1x1xf32>
  %z = qnn.matmul %y, %w2 {qnn.hessian = dense<1.0> : tensor<1x1xf32>} : (tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x1xf32>
  return %z : tensor<1x1xf32>
}
