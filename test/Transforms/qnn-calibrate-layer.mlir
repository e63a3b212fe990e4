// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as n; r = n.random.default_rng(1); [n.save('%t/%%d.npy' %% i, n.stack([8 * r.standard_normal(512), 0.5 * r.standard_normal(512)], -1)[None].astype(n.float32)) for i in range(4)]"
// RUN: quant-opt %s --qnn-calibrate="inputs=%t method=mse" | FileCheck %s --check-prefix=MSE
// RUN: quant-opt %s --qnn-calibrate="inputs=%t method=layer" | FileCheck %s --check-prefix=LAYER
// RUN: not quant-opt %s --qnn-calibrate="inputs=%t method=median" 2>&1 | FileCheck %s --check-prefix=METHOD

// Input channel 0 is wide (sigma 8) but meets weights of 0.001; channel 1 is
// narrow (sigma 0.5) and meets all the weight. Plain MSE keeps channel 0's
// extent at 8 bits; the layer-error range is what the matmul's output needs:
// channel 1's extent, clipping channel 0 whose errors the weights erase.
// MSE: func.func @main(%arg0: tensor<1x512x2xf32> {qnn.range = #qnn.range<-2{{[0-9]}}.{{[0-9]+}}, 2{{[0-9]}}.{{[0-9]+}}>})
// LAYER: func.func @main(%arg0: tensor<1x512x2xf32> {qnn.range = #qnn.range<-1.{{[0-9]+}}, 1.{{[0-9]+}}>})
// METHOD: error: qnn-calibrate: unknown calibration method 'median' (known: minmax, percentile, mse, entropy, layer)
func.func @main(%x: tensor<1x512x2xf32>) -> tensor<1x512x3xf32> {
  %w = qnn.constant dense<[[0.001, -0.002, 0.001], [1.0, -2.0, 0.5]]> : tensor<2x3xf32>
  %y = qnn.matmul %x, %w : (tensor<1x512x2xf32>, tensor<2x3xf32>) -> tensor<1x512x3xf32>
  return %y : tensor<1x512x3xf32>
}
