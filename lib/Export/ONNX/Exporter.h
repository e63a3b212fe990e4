// The qnn -> ONNX graph writer shared by the export's source files: value
// names, initializers and nodes. ExportONNX.cpp maps float ops one to one;
// ExportQuantized.cpp writes quantized weights, Q/DQ pairs and MatMulNBits.
#ifndef QUANTC_EXPORT_ONNX_EXPORTER_H
#define QUANTC_EXPORT_ONNX_EXPORTER_H

#include "QuantLayout.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include "onnx/onnx_pb.h"

namespace quantc::exporter {

/// ONNX TensorProto element types newer than the onnx 1.12 headers.
enum NewerElementType : int32_t { kUInt4 = 21, kInt4 = 22 };

int32_t onnxElementType(mlir::Type type);

class Exporter {
public:
  Exporter(onnx::GraphProto &graph, int64_t accuracyLevel)
      : graph(graph), accuracyLevel(accuracyLevel) {}

  std::string nameOf(mlir::Value value);
  void setName(mlir::Value value, const std::string &name) { names[value] = name; }

  std::string addInitializer(const std::string &hint, int32_t elementType,
                             llvm::ArrayRef<int64_t> shape, llvm::StringRef bytes);
  template <typename T>
  std::string addVector(const std::string &hint, int32_t elementType, llvm::ArrayRef<T> values,
                        llvm::ArrayRef<int64_t> shape) {
    return addInitializer(hint, elementType, shape,
                          llvm::StringRef(reinterpret_cast<const char *>(values.data()),
                                          values.size() * sizeof(T)));
  }
  template <typename T>
  std::string addScalar(const std::string &hint, int32_t elementType, T value) {
    return addVector<T>(hint, elementType, llvm::ArrayRef<T>(value), {});
  }
  onnx::NodeProto *addNode(llvm::StringRef opType, llvm::ArrayRef<std::string> inputs,
                           llvm::ArrayRef<std::string> outputs);
  static void addIntAttribute(onnx::NodeProto *node, llvm::StringRef name, int64_t value);

  /// Decides, before any node is written, which matmuls become MatMulNBits
  /// and which weight constants are written by their DequantizeLinear.
  void plan(mlir::Block &body);
  mlir::LogicalResult exportOp(mlir::Operation *op);
  bool usesMicrosoftDomain() const { return !nbits.empty(); }

private:
  mlir::LogicalResult exportConstant(mlir::Operation *op);
  mlir::LogicalResult exportQuantizeOrDequantize(mlir::Operation *op);
  mlir::LogicalResult exportMatMulNBits(mlir::Operation *op);
  /// The weight initializer behind a DequantizeLinear, in the narrowest ONNX
  /// integer type that holds it (INT4 packed two per byte).
  llvm::FailureOr<std::string> weightInitializer(mlir::Operation *constant, unsigned width,
                                                 bool isSigned);
  std::vector<std::string> operandNames(mlir::Operation *op);

  onnx::GraphProto &graph;
  int64_t accuracyLevel; // MatMulNBits' activation precision: 0 float, 4 int8
  llvm::DenseMap<mlir::Value, std::string> names;
  llvm::DenseMap<mlir::Operation *, NBitsWeight> nbits; // matmul/gemm -> packed weight
  llvm::DenseSet<mlir::Operation *> absorbed;          // written as part of another node
  llvm::DenseSet<mlir::Operation *> deferredWeights;   // constants written by their DQ
};

} // namespace quantc::exporter

#endif // QUANTC_EXPORT_ONNX_EXPORTER_H
