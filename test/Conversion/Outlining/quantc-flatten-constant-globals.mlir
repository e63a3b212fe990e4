// RUN: quant-opt %s --quantc-flatten-constant-globals | FileCheck %s
// RUN: quant-opt %s --quantc-flatten-constant-globals --expand-strided-metadata --finalize-memref-to-llvm --convert-arith-to-llvm --convert-func-to-llvm=use-bare-ptr-memref-call-conv --reconcile-unrealized-casts | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=IR

// Constant globals of rank 2 or more become one-dimensional, values and
// resource blobs kept as they are; every get_global views the flat global
// in its old shape. Rank 1, rank 0 and mutable globals stay.
// CHECK-DAG: memref.global "private" constant @dense : memref<6xf32> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00]>
// CHECK-DAG: memref.global "private" constant @blob : memref<8xi8> = dense_resource<blob>
// CHECK-DAG: memref.global "private" constant @vector : memref<3xf32> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]>
// CHECK-DAG: memref.global "private" constant @scalar : memref<f32> = dense<5.000000e-01>
// CHECK-DAG: memref.global "private" @mutable : memref<2x2xf32> = dense<0.000000e+00>
memref.global "private" constant @dense : memref<2x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]>
memref.global "private" constant @blob : memref<2x1x4xi8> = dense_resource<blob>
memref.global "private" constant @vector : memref<3xf32> = dense<[1.0, 2.0, 3.0]>
memref.global "private" constant @scalar : memref<f32> = dense<0.5>
memref.global "private" @mutable : memref<2x2xf32> = dense<0.0>

// CHECK-LABEL: func.func @users
// CHECK: %[[FLAT:.*]] = memref.get_global @dense : memref<6xf32>
// CHECK: %[[SHAPED:.*]] = memref.expand_shape %[[FLAT]] {{\[\[}}0, 1]] output_shape [2, 3] : memref<6xf32> into memref<2x3xf32>
// CHECK: memref.load %[[SHAPED]][%{{.*}}, %{{.*}}] : memref<2x3xf32>
// CHECK: %[[BLOB:.*]] = memref.get_global @blob : memref<8xi8>
// CHECK: memref.expand_shape %[[BLOB]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 4] : memref<8xi8> into memref<2x1x4xi8>
// CHECK: memref.get_global @vector : memref<3xf32>
// CHECK: memref.get_global @mutable : memref<2x2xf32>
func.func @users(%i: index, %j: index) -> (f32, i8, f32, f32) {
  %c0 = arith.constant 0 : index
  %d = memref.get_global @dense : memref<2x3xf32>
  %a = memref.load %d[%i, %j] : memref<2x3xf32>
  %b = memref.get_global @blob : memref<2x1x4xi8>
  %bv = memref.load %b[%i, %c0, %j] : memref<2x1x4xi8>
  %v = memref.get_global @vector : memref<3xf32>
  %vv = memref.load %v[%j] : memref<3xf32>
  %m = memref.get_global @mutable : memref<2x2xf32>
  %mv = memref.load %m[%i, %j] : memref<2x2xf32>
  return %a, %bv, %vv, %mv : f32, i8, f32, f32
}

// In LLVM IR the weights are flat arrays: one constant each, no nesting.
// IR-DAG: @dense = private constant [6 x float] [float 1.000000e+00, float 2.000000e+00, float 3.000000e+00, float 4.000000e+00, float 5.000000e+00, float 6.000000e+00]
// IR-DAG: @blob = private constant [8 x i8] c"\01\02\03\04\FB\FA\F9\F8"

{-#
  dialect_resources: {
    builtin: {
      blob: "0x0400000001020304FBFAF9F8"
    }
  }
#-}
