// The LUT kernels in machine code: table lookups and per-lane interleaves
// on each target (a 2-bit weight with lut-bits=2).
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=vnni lut-bits=2" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v4 -mattr=+avx512vnni | FileCheck %s --check-prefix=AVX512
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=avx2 lut-bits=2" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v3 | FileCheck %s --check-prefix=AVX2
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=neon lut-bits=2" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=aarch64-unknown-linux-gnu -mattr=+neon,+dotprod | FileCheck %s --check-prefix=ARM

// AVX512: vbroadcasti32x4 {{.*}}%zmm
// AVX512: vpshufb %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm
// AVX512: vpunpcklbw {{.*}}%zmm
// AVX512: vpunpckhbw {{.*}}%zmm
// AVX512-NOT: vpdpbusd
// AVX2: vpshufb %ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm
// AVX2: vpunpcklbw {{.*}}%ymm
// AVX2-NOT: zmm
// AVX2-NOT: vpmaddubsw
// ARM: tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b }, v{{[0-9]+}}.16b
// ARM: zip1 v{{[0-9]+}}.16b
// ARM-NOT: sdot

func.func @main(%x: tensor<2x96xf32>) -> tensor<2x24xf32> {
  %q = qnn.constant dense<1> : tensor<96x24xi8>
  %s = quant.scast %q : tensor<96x24xi8> to tensor<96x24x!quant.uniform<i8<-2:1>:f32, 0.125>>
  %w = qnn.dequantize %s : tensor<96x24x!quant.uniform<i8<-2:1>:f32, 0.125>> -> tensor<96x24xf32>
  %y = qnn.matmul %x, %w : (tensor<2x96xf32>, tensor<96x24xf32>) -> tensor<2x24xf32>
  return %y : tensor<2x24xf32>
}
