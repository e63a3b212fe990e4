// Registers every dialect and pass quantc uses, for quant-opt and the driver.
#ifndef QUANTC_INITALL_H
#define QUANTC_INITALL_H

#include "dialects/QNN/QNNDialect.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace quantc {

inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<qnn::QNNDialect, mlir::quant::QuantDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
}

inline void registerAllPasses() {
  qnn::registerQNNTransformsPasses();
  registerPipelines();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
}

} // namespace quantc

#endif // QUANTC_INITALL_H
