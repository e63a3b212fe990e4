// 8-bit weight codes on AVX2: vpmaddubsw's 16-bit pair sums would saturate
// (codes up to 255), so the bytes are widened to i16 (weights zero-, the
// int8 activations sign-extended) and multiplied by vpmaddwd, exact; not
// the generic dot's widening to i32 and four products a lane. Each block's
// 8 dots keep every lane's two pair sums (vector<16xi32>), added once
// after them (W8A8's K loop: convert-qkernel-to-loops-avx2.mlir).
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=avx2" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v3 | FileCheck %s
// RUN: quant-opt %s --quantc-lower-to-llvm-pipeline="kernel-family=avx2" -mlir-print-ir-before=convert-qkernel-to-llvm 2>&1 >/dev/null | FileCheck %s --check-prefix=DOT

// DOT-COUNT-8: qkernel.dot {{.*}} {instruction = "vpmaddwd"} : vector<32xi8>, vector<32xi8> -> vector<16xi32>
// DOT-NOT: qkernel.dot
// DOT: vector.shuffle %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi32>, vector<16xi32>
// CHECK-NOT: vpmaddubsw
// CHECK: vpmovzxbw
// CHECK: vpmaddwd {{.*}}%ymm
// CHECK-NOT: vpmulld

func.func @main(%x: tensor<2x96xf32>) -> tensor<2x24xf32> {
  %q = qnn.constant dense<100> : tensor<96x24xi8>
  %s = quant.scast %q : tensor<96x24xi8> to tensor<96x24x!quant.uniform<i8<-127:127>:f32, 0.125>>
  %w = qnn.dequantize %s : tensor<96x24x!quant.uniform<i8<-127:127>:f32, 0.125>> -> tensor<96x24xf32>
  %y = qnn.matmul %x, %w : (tensor<2x96xf32>, tensor<96x24xf32>) -> tensor<2x24xf32>
  return %y : tensor<2x24xf32>
}
