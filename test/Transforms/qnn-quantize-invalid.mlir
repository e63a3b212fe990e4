// RUN: quant-opt %s -split-input-file -verify-diagnostics --qnn-quantize="act-bits=8"
// RUN: not quant-opt %s --qnn-quantize="bits=9" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not quant-opt %s --qnn-quantize="bits=conv(=4" 2>&1 | FileCheck %s --check-prefix=REGEX
// RUN: not quant-opt %s --qnn-quantize="method=awq" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not quant-opt %s --qnn-quantize="act-bits=7" 2>&1 | FileCheck %s --check-prefix=ACTBITS
// RUN: not quant-opt %s -split-input-file --qnn-quantize="method=gptq" 2>&1 | FileCheck %s --check-prefix=GPTQ

// BITS: error: qnn-quantize: bit-width '9' is not 2..8, 'ternary' or 'binary'
// REGEX: error: qnn-quantize: bad regex 'conv(' in bits
// METHOD: error: qnn-quantize: unknown weight method 'awq' (known: rtn, gptq, adaround)
// ACTBITS: error: qnn-quantize: act-bits must be 0 (none), 8 or 16, got 7
// GPTQ: error: qnn-quantize{method=gptq}: no layer has a qnn.hessian; run qnn-calibrate{hessians=true} first
// GPTQ: error: qnn-quantize{method=gptq}: layer 'matmul#0' has a qnn.hessian that is not 2x2 f32

func.func @no_range(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = qnn.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  // expected-error @+1 {{qnn-quantize: activation input 0 of layer 'matmul#0' has no calibrated range; run qnn-calibrate first}}
  %y = qnn.matmul %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @bad_hessian(%x: tensor<1x2xf32> {qnn.range = #qnn.range<-1.0, 1.0>}) -> tensor<1x2xf32> {
  %w = qnn.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %y = qnn.matmul %x, %w {qnn.hessian = dense<1.0> : tensor<3x3xf32>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
