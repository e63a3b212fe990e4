// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as n; r = n.random.default_rng(0); [n.save('%t/s%d.npy' % i, r.standard_normal((1, 4)).astype(n.float32)) for i in range(4)]"
// RUN: quant-opt %s --qnn-sensitivity="metric=weight-sqnr bits=8,2,4" | FileCheck %s
// With H = 2 I the Hessian metric is the relative weight error exactly.
// RUN: quant-opt %s --qnn-sensitivity="metric=weight-sqnr bits=2,4,8" | grep -o "omega = .*>" > %t/sqnr.txt
// RUN: quant-opt %s --qnn-sensitivity="metric=hessian bits=2,4,8" | grep -o "omega = .*>" > %t/hessian.txt
// RUN: diff %t/sqnr.txt %t/hessian.txt
// RUN: quant-opt %s --qnn-sensitivity="metric=output-kl bits=2,8 inputs=%t" | FileCheck %s --check-prefix=KL
// RUN: quant-opt %s --qnn-sensitivity="metric=output-mse bits=2,8" | FileCheck %s --check-prefix=KL
// hessian-kl: the Hessian scores scaled per layer so the 4-bit one is the
// output KL at 4 bits; the ratios between widths stay the Hessian's.
// RUN: quant-opt %s --qnn-sensitivity="metric=hessian-kl bits=2,4,8 inputs=%t" | grep -o "omega = .*>" > %t/hkl.txt
// RUN: quant-opt %s --qnn-sensitivity="metric=output-kl bits=4 inputs=%t" | grep -o "omega = .*>" > %t/kl4.txt
// RUN: %python -c "import re; v = lambda f: [[float(x) for x in re.search(r'\[([^]]*)\]', l).group(1).split(',')] for l in open('%t/' + f)]; h, k, kl = v('hessian.txt'), v('hkl.txt'), v('kl4.txt'); print(all(abs(a[1] - b[0]) <= 1e-6 * b[0] and abs(a[0] / a[1] - c[0] / c[1]) <= 1e-6 * c[0] / c[1] for a, b, c in zip(k, kl, h)), len(k))" | FileCheck %s --check-prefix=HKL
// HKL: True 2
// Asymmetric 2-bit weights have four levels, symmetric ones three: the
// scores follow the scheme qnn-quantize will use.
// RUN: quant-opt %s --qnn-sensitivity="metric=weight-sqnr bits=2,4,8 symmetric=false" | grep -o "omega = .*>" > %t/asym.txt
// RUN: %python -c "import re; v = lambda f: [float(re.search(r'\[([^],]*)', l).group(1)) for l in open('%t/' + f)]; print([a < s for a, s in zip(v('asym.txt'), v('sqnr.txt'))])" | FileCheck %s --check-prefix=ASYM
// ASYM: [True, True]
// RUN: not quant-opt %s --qnn-sensitivity="metric=loss" 2>&1 | FileCheck %s --check-prefix=METRIC
// RUN: not quant-opt %s --qnn-sensitivity="bits=1,4" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: sed 's/qnn.hessian = [^}]*}/}/' %s | not quant-opt --qnn-sensitivity 2>&1 | FileCheck %s --check-prefix=NO-HESSIAN

// Candidates sorted; one score per candidate, falling with the bits.
// CHECK: qnn.matmul {{.*}}qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8], omega = [{{[0-9.eE+-]+}}, {{[0-9.eE+-]+}}, {{[0-9.eE+-]+}}]>
// CHECK: qnn.matmul {{.*}}qnn.sensitivity = #qnn.sensitivity<bits = [2, 4, 8]
// KL: qnn.matmul {{.*}}qnn.sensitivity = #qnn.sensitivity<bits = [2, 8], omega = [{{[0-9.eE+-]+}}, {{[0-9.eE+-]+}}]>
// KL: qnn.matmul {{.*}}qnn.sensitivity = #qnn.sensitivity<bits = [2, 8]
// METRIC: error: qnn-sensitivity: unknown metric 'loss' (known: hessian, hessian-kl, output-kl, output-mse, weight-sqnr)
// BITS: error: qnn-sensitivity: bits must list integers from 2 to 8, got '1'
// NO-HESSIAN: error: {{.*}}qnn-sensitivity{metric=hessian}: layer 'first' has no qnn.hessian or qnn.input_power; run qnn-calibrate{hessians=true} first
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %w1 = qnn.constant dense<[[0.9, -0.2, 0.05, 0.4], [0.3, 0.7, -0.6, 0.01], [-0.5, 0.25, 0.8, -0.33], [0.12, -0.9, 0.2, 0.6]]> : tensor<4x4xf32>
  %h = qnn.matmul %x, %w1 {qnn.hessian = dense<[[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 2.0]]> : tensor<4x4xf32>} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32> loc("first")
  %r = qnn.relu %h : tensor<1x4xf32>
  %w2 = qnn.constant dense<[[0.5, -0.1, 0.3], [0.2, 0.8, -0.7], [-0.4, 0.05, 0.6], [0.9, -0.3, 0.1]]> : tensor<4x3xf32>
  %y = qnn.matmul %r, %w2 {qnn.hessian = dense<[[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 2.0]]> : tensor<4x4xf32>} : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32> loc("second")
  %p = qnn.softmax %y {axis = -1 : i64} : tensor<1x3xf32>
  return %p : tensor<1x3xf32>
}
