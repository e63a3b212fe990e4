// The qnn dialect: graph-level ops with ONNX semantics plus quantization.
#ifndef QUANTC_QNN_DIALECT_TD
#define QUANTC_QNN_DIALECT_TD

include "mlir/IR/OpBase.td"

def QNN_Dialect : Dialect {
  let name = "qnn";
  let cppNamespace = "::quantc::qnn";
  let summary = "Graph-level neural-network ops with ONNX semantics, and their quantization";
  let description = [{
    qnn is what quantc imports ONNX models into and where all graph-level
    quantization work happens (calibration, sensitivity, bit allocation,
    quantization, scale folding).

    Design rules:
    * Ops mirror ONNX operator semantics (broadcasting, pads, auto_pad, ...),
      but parameters that ONNX passes as constant inputs (Reshape's shape,
      Slice's starts/ends, Resize's scales, Clip's min/max, ...) are
      attributes: the importer folds the shape-computation subgraphs that
      produce them, so passes and lowerings see plain numbers.
    * Every op infers its result type from its operands and attributes
      (InferTypeOpInterface). One shape function serves the importer (it
      builds ops without writing result types), the verifier (a declared
      type must equal the inferred one) and the folders.
    * Weights are `qnn.constant` ops holding `dense_resource` blobs, so the
      textual IR stays readable and weights round-trip bit-exactly through
      text and bytecode.
    * Quantized tensors reuse upstream `!quant.uniform` element types
      (per-tensor, per-axis, sub-channel). qnn only adds what upstream lacks:
      the attributes in QNNAttrs.td (`#qnn.range`, `#qnn.weight_format`,
      `#qnn.sensitivity`).
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
}

class QNN_Op<string mnemonic, list<Trait> traits = []>
    : Op<QNN_Dialect, mnemonic, traits>;

#endif // QUANTC_QNN_DIALECT_TD
