// qnn reductions beyond reduce_mean: the ONNX Reduce* family, ArgMax/ArgMin,
// CumSum and LogSoftmax.
#ifndef QUANTC_QNN_REDUCTION_OPS_TD
#define QUANTC_QNN_REDUCTION_OPS_TD

def QNN_ReduceOp : QNN_InferredOp<"reduce"> {
  let summary = "ONNX Reduce{Sum,Prod,Max,Min,L1,L2,SumSquare,LogSum,LogSumExp} over axes";
  let description = [{
    `kind` is one of sum, prod, max, min, l1, l2, sum_square, log_sum,
    log_sum_exp. Empty `axes` reduce every dim (ONNX's noop_with_empty_axes
    is resolved by the importer, which then emits no op).
  }];
  let arguments = (ins QNN_Tensor:$input, StrAttr:$kind, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QNN_ArgReduceOp : QNN_InferredOp<"arg_reduce"> {
  let summary = "Index of the maximum (kind = max) or minimum along an axis (ONNX ArgMax/ArgMin)";
  let description = [{
    Ties resolve to the first index, or the last with `select_last_index`.
    The result is i64.
  }];
  let arguments = (ins QNN_Tensor:$input, StrAttr:$kind,
                       DefaultValuedAttr<QNN_I64Attr, "0">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QNN_TopKOp : QNN_InferredOp<"top_k"> {
  let summary = "Indices of the k largest (or smallest) elements along an axis (ONNX TopK's indices)";
  let description = [{
    In order, the largest first (smallest first without `largest`); of
    equal elements the lower index first, as ONNX specifies. NaN counts as
    larger than every number. The result is i64, the input's shape with
    `k` along `axis`; ONNX TopK's values are a gather_elements of the input
    at them.
  }];
  let arguments = (ins QNN_Tensor:$input, QNN_I64Attr:$k,
                       DefaultValuedAttr<QNN_I64Attr, "-1">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$largest);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def QNN_CumSumOp : QNN_InferredOp<"cumsum"> {
  let summary = "Running sum along an axis (ONNX CumSum: exclusive, reverse)";
  let arguments = (ins QNN_Tensor:$input, QNN_I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def QNN_LogSoftmaxOp : QNN_UnaryOp<"log_softmax", "LogSoftmax along one axis (opset 13 semantics)"> {
  let arguments = (ins QNN_FloatTensor:$input, DefaultValuedAttr<QNN_I64Attr, "-1">:$axis);
  let hasVerifier = 1;
}

def QNN_HardmaxOp : QNN_UnaryOp<"hardmax", "Hardmax: 1 at the first maximum along an axis, else 0"> {
  let arguments = (ins QNN_FloatTensor:$input, DefaultValuedAttr<QNN_I64Attr, "-1">:$axis);
  let hasVerifier = 1;
}

#endif // QUANTC_QNN_REDUCTION_OPS_TD
