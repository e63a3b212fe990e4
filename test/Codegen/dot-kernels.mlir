// The packed kernels in machine code: the dot instruction each target's
// family is built around appears in the inner loop.
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=vnni" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v4 -mattr=+avx512vnni | FileCheck %s --check-prefix=VNNI
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=avx2" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v3 | FileCheck %s --check-prefix=AVX2
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=neon" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=aarch64-unknown-linux-gnu -mattr=+neon,+dotprod | FileCheck %s --check-prefix=NEON
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=avx2 kernel-activations=float" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v3 | FileCheck %s --check-prefix=FLOAT

// VNNI: vpdpbusd {{.*}}%zmm
// VNNI-NOT: vpmaddubsw
// The scale table is f16 (0.125 is one), converted on load:
// AVX2: vcvtph2ps
// A block's 8 dots of 4-bit codes add 16-bit pair sums (vpaddw), made
// 32-bit once per block (vpmaddwd with ones, qkernel.pair_sums), not by a
// vpmaddwd after every dot nor by shifts:
// AVX2: vpmaddubsw {{.*}}%ymm
// AVX2-NOT: vpmaddwd
// AVX2: vpaddw {{.*}}%ymm
// AVX2-NOT: vpmaddwd
// AVX2: vpmaddubsw {{.*}}%ymm
// AVX2-NOT: vpmaddwd
// AVX2: vpaddw {{.*}}%ymm
// AVX2: vpmaddwd {{.*}}%ymm
// AVX2-NOT: vpsrad $16
// AVX2-NOT: zmm
// NEON: sdot v{{[0-9]+}}.4s, v{{[0-9]+}}.16b, v{{[0-9]+}}.16b
// NEON: fcvtl v{{[0-9]+}}.4s, v{{[0-9]+}}.4h
// FLOAT: vcvtdq2ps {{.*}}%ymm
// FLOAT: vfmadd{{[0-9]+}}ps {{.*}}%ymm

func.func @main(%x: tensor<2x96xf32>) -> tensor<2x24xf32> {
  %q = qnn.constant dense<3> : tensor<96x24xi8>
  %s = quant.scast %q : tensor<96x24xi8> to tensor<96x24x!quant.uniform<i8<-7:7>:f32, 0.125>>
  %w = qnn.dequantize %s : tensor<96x24x!quant.uniform<i8<-7:7>:f32, 0.125>> -> tensor<96x24xf32>
  %y = qnn.matmul %x, %w : (tensor<2x96xf32>, tensor<96x24xf32>) -> tensor<2x24xf32>
  return %y : tensor<2x24xf32>
}
