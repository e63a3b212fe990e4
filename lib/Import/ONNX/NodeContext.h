// What an op importer sees of one ONNX node: inputs, attributes with
// defaults, constant parameter inputs, and error-safe op creation.
#ifndef QUANTC_LIB_IMPORT_ONNX_NODECONTEXT_H
#define QUANTC_LIB_IMPORT_ONNX_NODECONTEXT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "onnx/onnx_pb.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace quantc::onnx_import {

class NodeContext {
public:
  NodeContext(const onnx::NodeProto &node, int64_t opset, mlir::OpBuilder &builder,
              mlir::Location loc, mlir::Location fileLoc,
              std::unordered_map<std::string, mlir::Value> &values,
              const std::unordered_set<std::string> &usedNames)
      : node(node), opset(opset), builder(builder), loc(loc), fileLoc(fileLoc),
        values(values), usedNames(usedNames) {}

  const onnx::NodeProto &node;
  const int64_t opset; // the opset of the node's domain
  mlir::OpBuilder &builder;
  const mlir::Location loc;

  // Inputs. An absent optional input has an empty name in ONNX.
  bool hasInput(int index) const {
    return index < node.input_size() && !node.input(index).empty();
  }
  mlir::Value input(int index) const {
    return hasInput(index) ? values.at(node.input(index)) : mlir::Value();
  }
  mlir::RankedTensorType inputType(int index) const {
    return mlir::cast<mlir::RankedTensorType>(input(index).getType());
  }

  // Attributes, with the ONNX default when absent.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t getInt(llvm::StringRef name, int64_t defaultValue) const;
  float getFloat(llvm::StringRef name, float defaultValue) const;
  std::string getString(llvm::StringRef name, llvm::StringRef defaultValue) const;
  std::optional<llvm::SmallVector<int64_t>> getInts(llvm::StringRef name) const;
  std::optional<llvm::SmallVector<float>> getFloats(llvm::StringRef name) const;

  /// The values of input `index`, which must be a constant once shapes are
  /// bound (Reshape's shape, Slice's starts, ...). `what` names it in errors.
  mlir::FailureOr<llvm::SmallVector<int64_t>> constantInts(int index, llvm::StringRef what);
  mlir::FailureOr<llvm::SmallVector<float>> constantFloats(int index, llvm::StringRef what);

  /// Explicit pads (begins then ends) for a sliding window over `input`,
  /// resolving auto_pad (NOTSET, VALID, SAME_UPPER, SAME_LOWER).
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  windowPads(mlir::RankedTensorType input, llvm::ArrayRef<int64_t> kernel,
             llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> dilations);

  /// Emits "node 'name' (OpType): message" and returns failure.
  mlir::LogicalResult error(const llvm::Twine &message) const;

  /// Builds OpTy from its attribute builder arguments; the result type is
  /// inferred, and a shape error becomes a diagnostic instead of a crash.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::Value> build(Args &&...args) {
    mlir::OperationState state(loc, OpTy::getOperationName());
    OpTy::build(builder, state, mlir::Type(), std::forward<Args>(args)...);
    state.types.clear();
    if (mlir::failed(OpTy::inferReturnTypes(
            builder.getContext(), loc, state.operands,
            state.attributes.getDictionary(builder.getContext()), state.getRawProperties(),
            state.regions, state.types)))
      return mlir::failure();
    return foldOrKeep(builder.create(state));
  }

  /// Builds OpTy and binds its result to the node's first output.
  template <typename OpTy, typename... Args>
  mlir::LogicalResult emit(Args &&...args) {
    auto value = build<OpTy>(std::forward<Args>(args)...);
    if (mlir::failed(value))
      return mlir::failure();
    return setOutputs({*value});
  }

  /// Binds the node's outputs; outputs beyond `results` must be unused.
  mlir::LogicalResult setOutputs(llvm::ArrayRef<mlir::Value> results);

private:
  /// Folds a new single-result op right away (createOrFold), so shape
  /// subgraphs become constants before the ops that need them are imported.
  mlir::FailureOr<mlir::Value> foldOrKeep(mlir::Operation *op);

  mlir::Location fileLoc;
  std::unordered_map<std::string, mlir::Value> &values;
  const std::unordered_set<std::string> &usedNames; // read by a node or the graph
};

using OpImporter = mlir::LogicalResult (*)(NodeContext &);

/// op_type -> importer, for one family of ops.
using OpImporterMap = llvm::StringMap<OpImporter>;
void registerConvImporters(OpImporterMap &map);
void registerMathImporters(OpImporterMap &map);
void registerShapeImporters(OpImporterMap &map);
void registerQuantImporters(OpImporterMap &map);
void registerLogicImporters(OpImporterMap &map);
void registerReduceImporters(OpImporterMap &map);
void registerLayoutImporters(OpImporterMap &map); // decompositions into existing ops
void registerMicrosoftImporters(OpImporterMap &map); // com.microsoft

/// Whether quantc has an importer for the node's domain and op type.
bool hasImporter(const onnx::NodeProto &node);

} // namespace quantc::onnx_import

#endif // QUANTC_LIB_IMPORT_ONNX_NODECONTEXT_H
