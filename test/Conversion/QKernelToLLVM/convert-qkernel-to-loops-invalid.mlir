// RUN: quant-opt %s -split-input-file --convert-qkernel-to-loops="family=neon" -verify-diagnostics
// RUN: not quant-opt %s --convert-qkernel-to-loops="family=sve" 2>&1 | FileCheck %s --check-prefix=FAMILY
// FAMILY: error: convert-qkernel-to-loops: unknown kernel family 'sve' (vnni, avx2, neon, generic)

func.func @lanes(%x: tensor<1x64xf32>, %p: tensor<512xi8>, %s: tensor<1x16xf32>) -> tensor<1x16xf32> {
  // expected-error @+1 {{'qkernel.matmul' op layout of 16 lanes does not fit kernel family 'neon' (vnni: 16, avx2: 8, neon: 4, generic: any)}}
  %y = qkernel.matmul %x, %p, %s {layout = #qkernel.layout<bits = 4, lanes = 16, k = 64, n = 16, group = 0, binary = false, signed_bytes = false>, zero_point = 8 : i64} : (tensor<1x64xf32>, tensor<512xi8>, tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

func.func @lut_lanes(%x: tensor<1x64xf32>, %p: tensor<1024xi8>, %s: tensor<1x64xf32>) -> tensor<1x64xf32> {
  // expected-error @+1 {{'qkernel.lut_matmul' op lut layout of 64 lanes does not fit kernel family 'neon' (vnni: 64, avx2: 32, neon: 16, generic: any)}}
  %y = qkernel.lut_matmul %x, %p, %s {layout = #qkernel.layout<bits = 2, lanes = 64, k = 64, n = 64, group = 0, binary = false, signed_bytes = false, lut = true>, zero_point = 1 : i64} : (tensor<1x64xf32>, tensor<1024xi8>, tensor<1x64xf32>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
