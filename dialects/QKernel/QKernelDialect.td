// The qkernel dialect: packed low-bit weights and the kernels that read them.
#ifndef QUANTC_QKERNEL_DIALECT_TD
#define QUANTC_QKERNEL_DIALECT_TD

include "mlir/IR/OpBase.td"

def QKernel_Dialect : Dialect {
  let name = "qkernel";
  let cppNamespace = "::quantc::qkernel";
  let summary = "Kernel-level ops on packed low-bit weights";
  let description = [{
    qkernel sits between qnn (graph semantics) and code generation. A
    quantized layer becomes one kernel op whose weight operand is a flat
    byte tensor already packed, at compile time, into the tile layout the
    target's microkernel reads. The layout is the `#qkernel.layout`
    attribute on every op that touches packed bytes, so verifiers check that
    byte counts, scale tables and bit-widths agree.

    Weights are unsigned codes `c` in [0, 2^bits): a weight's value is
    `(c - zero_point) * scale`. Keeping codes unsigned lets the x86 dot
    kernels feed them straight to `vpdpbusd`/`vpmaddubsw` (u8 x s8) and fold
    the zero point into one correction per activation block.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

class QKernel_Op<string mnemonic, list<Trait> traits = []>
    : Op<QKernel_Dialect, mnemonic, traits>;

#endif // QUANTC_QKERNEL_DIALECT_TD
