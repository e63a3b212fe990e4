// RUN: rm -rf %t && mkdir -p %t/samples
// RUN: %python -c "import numpy as n; n.save('%t/samples/a.npy', n.array([[-1, 2, 3, 0.5]], n.float32)); n.save('%t/samples/b.npy', n.array([[0, -4, 1, 5]], n.float32)); n.save('%t/bad.npy', n.zeros((1, 3), n.float32))"
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples" | FileCheck %s
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples/a.npy,%t/samples/b.npy hessians=true" | FileCheck %s --check-prefix=HESSIAN
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples method=percentile percentile=99.9" | FileCheck %s --check-prefix=PERCENTILE
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples hessians=true act-sensitivity=true" | FileCheck %s --check-prefix=ACTSENS
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples method=entropy" | FileCheck %s --check-prefix=ENTROPY
// RUN: quant-opt %s --qnn-calibrate="inputs=%t/samples method=mse" | FileCheck %s --check-prefix=ENTROPY
// RUN: not quant-opt %s --qnn-calibrate="inputs=%t/missing" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not quant-opt %s --qnn-calibrate="inputs=%t/bad.npy" 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not quant-opt %s --qnn-calibrate="inputs=%t/samples method=median" 2>&1 | FileCheck %s --check-prefix=METHOD

// relu(x) over both samples spans [0, 5]; y = [r0 + r2, r1 + r2 - r3] spans
// [-4, 4.5] (sample a: [3, 4.5], sample b: [1, -4]).
// CHECK-LABEL: func.func @main
// CHECK: qnn.relu %arg0 {qnn.ranges = [#qnn.range<0.000000e+00, 5.000000e+00>]}
// Each layer's input channel magnitudes (for SmoothQuant) and means (for
// bias correction): relu(x) peaks at [0, 2, 3, 5] and averages
// [0, 1, 2, 2.75]; y peaks at [3, 4.5] and averages [2, 0.25].
// CHECK: qnn.matmul {{.*}} {qnn.input_absmax = array<f64: 0.000000e+00, 2.000000e+00, 3.000000e+00, 5.000000e+00>, qnn.input_mean = array<f64: 0.000000e+00, 1.000000e+00, 2.000000e+00, 2.750000e+00>, qnn.ranges = [#qnn.range<-4.000000e+00, 4.500000e+00>]}
// CHECK: qnn.matmul {{.*}} {qnn.input_absmax = array<f64: 3.000000e+00, 4.500000e+00>, qnn.input_mean = array<f64: 2.000000e+00, 2.500000e-01>}
// CHECK-NOT: qnn.hessian
// The first layer's X^T X averaged over the two samples: [[0, 0, 0, 0], [0, 2, 3, 0.5], [0, 3, 5, 3.25], [0, 0.5, 3.25, 12.625]].
// HESSIAN: qnn.matmul {{.*}}qnn.hessian = dense_resource<hessian> : tensor<4x4xf32>
// HESSIAN: qnn.matmul {{.*}}qnn.hessian = dense_resource<hessian{{.*}}> : tensor<2x2xf32>
// HESSIAN: hessian: "0x10000000000000000000000000000000000000000000000000000040000040400000003F00000000000040400000A04000005040000000000000003F0000504000004A41"
// With act-sensitivity, each layer also gets the min/max range its input
// would take at 16 bits and the relative output error at 8 and 16 bits
// (1/256^2 as much rounding noise at 16 bits: far smaller).
// ACTSENS: qnn.matmul {{.*}}qnn.act_range16 = array<f64: 0.000000e+00, 5.000000e+00>, qnn.act_sensitivity = array<f64: 2.078{{[0-9]*}}E-6, 2.265{{[0-9]*}}E-10>
// ACTSENS: qnn.matmul {{.*}}qnn.act_range16 = array<f64: -4.000000e+00, 4.500000e+00>, qnn.act_sensitivity = array<f64:
// PERCENTILE: qnn.relu %arg0 {qnn.ranges = [#qnn.range<0.000000e+00, {{.*}}>]}
// ENTROPY: qnn.relu %arg0 {qnn.ranges = [#qnn.range<0.000000e+00, {{.*}}>]}
// MISSING: error: qnn-calibrate: {{.*}}missing: no such calibration file or directory
// SHAPE: error: qnn-calibrate: {{.*}}bad.npy: calibration sample 'input0' expects shape [1,4], got [1,3]
// METHOD: error: qnn-calibrate: unknown calibration method 'median' (known: minmax, percentile, mse, entropy, layer)
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %r = qnn.relu %x : tensor<1x4xf32>
  %w = qnn.constant dense<[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, -1.0]]> : tensor<4x2xf32>
  %y = qnn.matmul %r, %w : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  %w2 = qnn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %z = qnn.matmul %y, %w2 : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %z : tensor<1x2xf32>
}
