// Attributes qnn adds on top of upstream quant types: ranges, weight formats, sensitivities.
#ifndef QUANTC_QNN_ATTRS_TD
#define QUANTC_QNN_ATTRS_TD

include "dialects/QNN/QNNDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

class QNN_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<QNN_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

// A double-precision APFloat printed and parsed as a plain float literal.
def QNN_F64Parameter : AttrOrTypeParameter<"::llvm::APFloat", "a finite float"> {
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    double value;
    if (::mlir::failed($_parser.parseFloat(value)))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  let printer = [{ $_printer << $_self.convertToDouble() }];
}

def QNN_RangeAttr : QNN_Attr<"Range", "range"> {
  let summary = "Calibrated value range [min, max] of a tensor";
  let description = [{
    Written by `qnn-calibrate` on the op that produces a tensor, as the
    discardable attribute `qnn.ranges` (one entry per result), and read by
    `qnn-quantize` to derive activation scales and zero points.

    ```mlir
    %y = qnn.relu %x {qnn.ranges = [#qnn.range<0.0, 6.25>]} : tensor<1x8xf32>
    ```
  }];
  let parameters = (ins QNN_F64Parameter:$min, QNN_F64Parameter:$max);
  let assemblyFormat = "`<` $min `,` $max `>`";
  let genVerifyDecl = 1;
}

def QNN_WeightFormatAttr : QNN_Attr<"WeightFormat", "weight_format"> {
  let summary = "How a layer's weights are quantized and packed";
  let description = [{
    The bit-width annotation that bit allocation (`qnn-allocate-bits`) or the
    user (`--bits`) puts on a weighted layer (conv, matmul, gemm, ...) as the
    discardable attribute `qnn.weight_format`; `qnn-quantize` reads it.

    * `bits`: 1 (binary, values -1/+1) to 8. In qnn every width is held in an
      i8 container whose `!quant.uniform<i8<min:max>:f32, ...>` storage range
      is the scheme's range (4-bit symmetric: i8<-7:7>); packing into 8 / bits
      values per byte happens when lowered to qkernel.
    * `group_size`: -1 means one scale for the tensor, 0 one per output
      channel; 32/64/128 one per output channel and group of that many input
      channels (sub-channel).
    * `ternary`: with bits = 2, the values are restricted to {-1, 0, +1}
      (1.58-bit, BitNet style).
    * `symmetric`: zero point fixed at 0.

    ```mlir
    qnn.conv ... {qnn.weight_format = #qnn.weight_format<bits = 4, group_size = 32, ternary = false, symmetric = true>}
    ```
  }];
  let parameters = (ins "unsigned":$bits, "int64_t":$group_size,
                        "::mlir::BoolAttr":$ternary, "::mlir::BoolAttr":$symmetric);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def QNN_SensitivityAttr : QNN_Attr<"Sensitivity", "sensitivity"> {
  let summary = "Per-layer sensitivity Ω(bits) for each candidate bit-width";
  let description = [{
    Written by `qnn-sensitivity` on each weighted layer as the discardable
    attribute `qnn.sensitivity` and consumed by the integer program of
    `qnn-allocate-bits`: `omega[i]` is the predicted loss increase when the
    layer's weights use `bits[i]` bits.

    ```mlir
    #qnn.sensitivity<bits = [2, 4, 8], omega = [0.3, 0.02, 0.001]>
    ```
  }];
  let parameters = (ins "::mlir::DenseI64ArrayAttr":$bits,
                        "::mlir::DenseF64ArrayAttr":$omega);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // QUANTC_QNN_ATTRS_TD
