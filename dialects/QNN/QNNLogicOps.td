// qnn ops for comparisons, logic, selection and index-driven data movement
// (what torch.onnx exports around masks, class tokens and positions).
#ifndef QUANTC_QNN_LOGIC_OPS_TD
#define QUANTC_QNN_LOGIC_OPS_TD

//===----------------------------------------------------------------------===//
// Comparisons and logic (numpy broadcasting, i1 results)
//===----------------------------------------------------------------------===//

class QNN_CompareOp<string mnemonic, string onnxName> : QNN_InferredOp<mnemonic> {
  let summary = "Elementwise " # onnxName # " with numpy broadcasting; i1 result";
  let arguments = (ins QNN_Tensor:$lhs, QNN_Tensor:$rhs);
  let results = (outs QNN_BoolTensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def QNN_EqualOp : QNN_CompareOp<"equal", "Equal">;
def QNN_LessOp : QNN_CompareOp<"less", "Less">;
def QNN_LessOrEqualOp : QNN_CompareOp<"less_or_equal", "LessOrEqual">;
def QNN_GreaterOp : QNN_CompareOp<"greater", "Greater">;
def QNN_GreaterOrEqualOp : QNN_CompareOp<"greater_or_equal", "GreaterOrEqual">;

def QNN_AndOp : QNN_BinaryOp<"and", "logical And"> { let hasFolder = 1; }
def QNN_OrOp : QNN_BinaryOp<"or", "logical Or"> { let hasFolder = 1; }
def QNN_XorOp : QNN_BinaryOp<"xor", "logical Xor"> { let hasFolder = 1; }

def QNN_WhereOp : QNN_InferredOp<"where"> {
  let summary = "condition ? x : y elementwise, all three broadcast (ONNX Where)";
  let arguments = (ins QNN_BoolTensor:$condition, QNN_Tensor:$x, QNN_Tensor:$y);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Broadcasting, repetition and masks
//===----------------------------------------------------------------------===//

def QNN_ExpandOp : QNN_InferredOp<"expand"> {
  let summary = "Broadcast to `shape` numpy-style (ONNX Expand: the result may be larger)";
  let arguments = (ins QNN_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def QNN_TileOp : QNN_InferredOp<"tile"> {
  let summary = "Repeat the tensor `repeats[d]` times along each dim d (ONNX Tile)";
  let arguments = (ins QNN_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def QNN_TriluOp : QNN_InferredOp<"trilu"> {
  let summary = "Keep the upper (or lower) triangle of the last two dims from diagonal k (ONNX Trilu)";
  let description = [{
    Element (i, j) of each matrix is kept when `j - i >= k` (upper) or
    `j - i <= k` (lower), and zeroed otherwise.
  }];
  let arguments = (ins QNN_Tensor:$input, DefaultValuedAttr<BoolAttr, "true">:$upper,
                       DefaultValuedAttr<QNN_I64Attr, "0">:$k);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Index-driven gathers
//===----------------------------------------------------------------------===//

def QNN_GatherElementsOp : QNN_InferredOp<"gather_elements"> {
  let summary = "out[i..] = input[i.. with dim axis replaced by indices[i..]] (ONNX GatherElements)";
  let arguments = (ins QNN_Tensor:$input, QNN_IndexTensor:$indices,
                       DefaultValuedAttr<QNN_I64Attr, "0">:$axis);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def QNN_GatherNDOp : QNN_InferredOp<"gather_nd"> {
  let summary = "Gather slices addressed by index tuples in the last indices dim (ONNX GatherND)";
  let arguments = (ins QNN_Tensor:$input, QNN_IndexTensor:$indices,
                       DefaultValuedAttr<QNN_I64Attr, "0">:$batch_dims);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def QNN_ScatterNDOp : QNN_InferredOp<"scatter_nd"> {
  let summary = "Write (or combine) update slices at index tuples, in order (ONNX ScatterND)";
  let description = [{
    A copy of `data` in which the slice addressed by each tuple in the last
    dim of `indices` is replaced by (reduction = "none"), or combined with
    ("add", "mul", "max", "min"), the matching slice of `updates`.
  }];
  let arguments = (ins QNN_Tensor:$data, QNN_IndexTensor:$indices, QNN_Tensor:$updates,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QNN_ScatterElementsOp : QNN_InferredOp<"scatter_elements"> {
  let summary = "out[i with dim axis := indices[i]] = updates[i] (ONNX ScatterElements)";
  let arguments = (ins QNN_Tensor:$data, QNN_IndexTensor:$indices, QNN_Tensor:$updates,
                       DefaultValuedAttr<QNN_I64Attr, "0">:$axis,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs QNN_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // QUANTC_QNN_LOGIC_OPS_TD
