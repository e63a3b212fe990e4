// Public entry point of the ONNX importer: .onnx file -> qnn module.
#ifndef QUANTC_IMPORT_ONNX_H
#define QUANTC_IMPORT_ONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>
#include <vector>

namespace quantc {

struct ONNXImportOptions {
  /// --input-shape name=d0,d1,...: binds the dims of a graph input.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// --input-value name=tensor.pb: freezes a graph input into a constant
  /// (for inputs that feed parameters such as Reshape's shape).
  std::map<std::string, std::string> inputValues;
  /// Fold shape subgraphs and erase dead ops after import.
  bool cleanup = true;
};

/// Parses "name=1,3,48,320" into `options.inputShapes`; returns an error message on failure.
std::string parseInputShape(llvm::StringRef spec, ONNXImportOptions &options);

/// Imports the model at `path`. On failure, diagnostics naming the file, node
/// and op are emitted on `context` and a null module is returned.
mlir::OwningOpRef<mlir::ModuleOp> importONNXModel(llvm::StringRef path,
                                                  mlir::MLIRContext &context,
                                                  const ONNXImportOptions &options);

/// Imports a model already in memory; `bufferName` labels diagnostics and
/// external data resolves below `directory` (the fuzzers pass one that
/// does not exist).
mlir::OwningOpRef<mlir::ModuleOp> importONNXModelFromBytes(llvm::StringRef bytes,
                                                           llvm::StringRef bufferName,
                                                           llvm::StringRef directory,
                                                           mlir::MLIRContext &context,
                                                           const ONNXImportOptions &options);

} // namespace quantc

#endif // QUANTC_IMPORT_ONNX_H
