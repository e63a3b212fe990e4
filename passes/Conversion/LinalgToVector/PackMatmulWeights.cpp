// quantc-pack-matmul-weights: a float matmul's constant B (a weight matrix
// in a memref.global) copied at compile time into the column blocks that
// convert-linalg-matmul-to-vector's tiles read, so that no call packs it
// and no tile walks B's rows in place.
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/ConstantUtils.h"
#include "quantc/Support/MappedPages.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCPACKMATMULWEIGHTSPASS
#include "passes/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// The [K, N] f32 constant that `matmul` reads as B, when the microkernel
/// will walk it in column blocks: a static, identity-layout global, and
/// more than one row of A (a GEMV streams B's rows instead).
memref::GlobalOp constantB(linalg::MatmulOp matmul, SymbolTable &symbols) {
  if (!matmul.hasPureBufferSemantics() || matmul.hasUserDefinedMaps())
    return {};
  auto get = matmul.getInputs()[1].getDefiningOp<memref::GetGlobalOp>();
  auto aType = cast<MemRefType>(matmul.getInputs()[0].getType());
  auto cType = cast<MemRefType>(matmul.getOutputs()[0].getType());
  if (!get || !aType.getElementType().isF32() || !cType.getElementType().isF32() ||
      !cType.hasStaticShape() || cType.getDimSize(0) <= 1)
    return {};
  auto type = cast<MemRefType>(get.getType());
  if (!type.getElementType().isF32() || !type.hasStaticShape() || !type.getLayout().isIdentity())
    return {};
  auto global = symbols.lookup<memref::GlobalOp>(get.getName());
  if (!global || !global.getConstant() || !global.getInitialValue())
    return {};
  return global;
}

/// blocks[b, k, c] = B[k, b * cols + c], 0 past N.
std::vector<float> columnBlocks(ArrayRef<float> b, int64_t k, int64_t n, int64_t cols) {
  int64_t blocks = (n + cols - 1) / cols;
  std::vector<float> packed(blocks * k * cols, 0.0f);
  for (int64_t block = 0; block < blocks; ++block)
    for (int64_t row = 0; row < k; ++row)
      for (int64_t c = 0; c < cols && block * cols + c < n; ++c)
        packed[(block * k + row) * cols + c] = b[row * n + block * cols + c];
  return packed;
}

struct QuantcPackMatmulWeightsPass
    : impl::QuantcPackMatmulWeightsPassBase<QuantcPackMatmulWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (cols < 1) {
      getOperation().emitError("quantc-pack-matmul-weights: cols must be >= 1");
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    llvm::DenseMap<Operation *, memref::GlobalOp> packedOf;
    module.walk([&](linalg::MatmulOp matmul) {
      memref::GlobalOp global = constantB(matmul, symbols);
      if (!global)
        return;
      memref::GlobalOp &packed = packedOf[global];
      if (!packed) {
        std::optional<std::vector<float>> values =
            qnn::readFloats(cast<ElementsAttr>(*global.getInitialValue()));
        if (!values)
          return;
        ArrayRef<int64_t> shape = global.getType().getShape();
        std::vector<float> blocks = columnBlocks(*values, shape[0], shape[1], cols);
        SmallVector<int64_t> blocksShape = {(shape[1] + cols - 1) / cols, shape[0], cols};
        Type f32 = Float32Type::get(&getContext());
        ArrayRef<char> bytes(reinterpret_cast<const char *>(blocks.data()),
                             blocks.size() * sizeof(float));
        std::string name = (global.getSymName() + "_blocks").str();
        auto value = DenseResourceElementsAttr::get(RankedTensorType::get(blocksShape, f32), name,
                                                    spillBlob(bytes, 64));
        OpBuilder b(global);
        b.setInsertionPointAfter(global);
        packed = memref::GlobalOp::create(b, global.getLoc(), name, b.getStringAttr("private"),
                                          MemRefType::get(blocksShape, f32), value,
                                          /*constant=*/true, b.getI64IntegerAttr(64));
        symbols.insert(packed);
      }
      matmul->setAttr(kPackedBAttr, FlatSymbolRefAttr::get(packed.getSymNameAttr()));
    });
    // The originals that only packed matmuls read go once the microkernel
    // has read the attribute (symbol-dce after it).
  }
};

} // namespace
} // namespace quantc
