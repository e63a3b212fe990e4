#include "QuantLayout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

namespace quantc::exporter {

using namespace mlir;

std::optional<QuantLayout> QuantLayout::of(RankedTensorType type) {
  auto quantized = dyn_cast<quant::QuantizedType>(type.getElementType());
  if (!quantized || !type.hasStaticShape())
    return std::nullopt;
  QuantLayout layout;
  layout.shape.assign(type.getShape().begin(), type.getShape().end());
  layout.blocks = layout.shape;
  layout.storageMin = quantized.getStorageTypeMin();
  layout.storageMax = quantized.getStorageTypeMax();
  layout.storageWidth = quantized.getStorageTypeIntegralWidth();
  layout.isSigned = quantized.isSigned();
  if (auto uniform = dyn_cast<quant::UniformQuantizedType>(quantized)) {
    layout.scales.push_back(float(uniform.getScale()));
    layout.zeroPoints.push_back(uniform.getZeroPoint());
    return layout;
  }
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(quantized)) {
    layout.blocks[perAxis.getQuantizedDimension()] = 1;
    for (double scale : perAxis.getScales())
      layout.scales.push_back(float(scale));
    layout.zeroPoints.assign(perAxis.getZeroPoints().begin(), perAxis.getZeroPoints().end());
    return layout;
  }
  if (auto subChannel = dyn_cast<quant::UniformQuantizedSubChannelType>(quantized)) {
    DenseElementsAttr scales = subChannel.getScales();
    ArrayRef<int64_t> grid = scales.getType().getShape();
    if (grid.size() != layout.shape.size())
      return std::nullopt;
    for (auto [axis, cells] : llvm::enumerate(grid))
      layout.blocks[axis] = llvm::divideCeil(layout.shape[axis], cells);
    for (const APFloat &scale : scales.getValues<APFloat>())
      layout.scales.push_back(float(scale.convertToDouble()));
    for (const APInt &zero : subChannel.getZeroPoints().getValues<APInt>())
      layout.zeroPoints.push_back(zero.getSExtValue());
    return layout;
  }
  return std::nullopt;
}

SmallVector<int64_t> QuantLayout::gridShape() const {
  SmallVector<int64_t> grid;
  for (auto [dim, block] : llvm::zip_equal(shape, blocks))
    grid.push_back(llvm::divideCeil(dim, block));
  return grid;
}

int64_t QuantLayout::cellOf(ArrayRef<int64_t> index) const {
  SmallVector<int64_t> grid = gridShape();
  int64_t cell = 0;
  for (size_t axis = 0; axis < index.size(); ++axis)
    cell = cell * grid[axis] + index[axis] / blocks[axis];
  return cell;
}

SmallVector<int64_t> QuantLayout::varyingAxes() const {
  SmallVector<int64_t> axes;
  for (auto [axis, cells] : llvm::enumerate(gridShape()))
    if (cells > 1)
      axes.push_back(int64_t(axis));
  return axes;
}

unsigned QuantLayout::signedWidth() const {
  for (unsigned width : {4u, 8u, 16u}) {
    int64_t lo = -(int64_t(1) << (width - 1)), hi = (int64_t(1) << (width - 1)) - 1;
    auto fits = [&](int64_t v) { return v >= lo && v <= hi; };
    if (fits(storageMin) && fits(storageMax) && llvm::all_of(zeroPoints, fits))
      return width;
  }
  return 32;
}

/// Calls `body(index)` for every index of `shape`, row-major.
static void forEachIndex(ArrayRef<int64_t> shape, llvm::function_ref<void(ArrayRef<int64_t>)> body) {
  SmallVector<int64_t> index(shape.size(), 0);
  if (llvm::is_contained(shape, 0))
    return;
  while (true) {
    body(index);
    int64_t axis = int64_t(shape.size()) - 1;
    for (; axis >= 0; --axis) {
      if (++index[axis] < shape[axis])
        break;
      index[axis] = 0;
    }
    if (axis < 0)
      return;
  }
}

DequantizeForm dequantizeForm(const QuantLayout &layout) {
  DequantizeForm form;
  SmallVector<int64_t> varying = layout.varyingAxes();
  if (varying.empty()) {
    form.scales.push_back(layout.scales.front());
    form.zeroPoints.push_back(layout.zeroPoints.front());
    return form;
  }
  if (varying.size() == 1 && layout.blocks[varying.front()] == 1) {
    form.axis = varying.front();
    form.paramShape.push_back(layout.shape[*form.axis]);
    form.scales = layout.scales;
    form.zeroPoints = layout.zeroPoints;
    return form;
  }
  // Blocked: one axis keeps its blocks (the coarsest); ONNX wants every other
  // axis of the scales at full size, so those repeat their cell's value.
  int64_t blockAxis = varying.back();
  for (int64_t axis : varying)
    if (layout.blocks[axis] > layout.blocks[blockAxis])
      blockAxis = axis;
  form.axis = blockAxis;
  form.blockSize = layout.blocks[blockAxis];
  form.paramShape = layout.shape;
  form.paramShape[blockAxis] = llvm::divideCeil(layout.shape[blockAxis], form.blockSize);
  forEachIndex(form.paramShape, [&](ArrayRef<int64_t> param) {
    SmallVector<int64_t> element(param);
    element[blockAxis] *= form.blockSize;
    int64_t cell = layout.cellOf(element);
    form.scales.push_back(layout.scales[cell]);
    form.zeroPoints.push_back(layout.zeroPoints[cell]);
  });
  return form;
}

/// MatMulNBits stores codes unsigned: u = q + offset, dequantized as
/// (u - (z + offset)) * s.
static int64_t unsignedOffset(const QuantLayout &layout, int64_t bits) {
  return layout.isSigned ? int64_t(1) << (bits - 1) : 0;
}

std::optional<int64_t> matMulNBitsWidth(const QuantLayout &layout) {
  for (int64_t bits : {2, 4, 8}) {
    int64_t offset = unsignedOffset(layout, bits);
    auto fits = [&](int64_t q) { return q + offset >= 0 && q + offset < (int64_t(1) << bits); };
    if (fits(layout.storageMin) && fits(layout.storageMax) && llvm::all_of(layout.zeroPoints, fits))
      return bits;
  }
  return std::nullopt;
}

/// MatMulNBits' block length for `cellK` elements per scale along K: a
/// power of two in [16, 256] that divides it, or for one scale per row the
/// smallest such block that covers K (capped at 128; scales then repeat).
static std::optional<int64_t> nbitsBlockSize(int64_t cellK, int64_t k) {
  if (cellK >= k)
    return std::min<int64_t>(128, std::max<int64_t>(16, llvm::PowerOf2Ceil(uint64_t(k))));
  for (int64_t block = 256; block >= 16; block /= 2)
    if (cellK % block == 0)
      return block;
  return std::nullopt;
}

std::optional<NBitsWeight> packForMatMulNBits(const QuantLayout &layout, ArrayRef<int8_t> values,
                                              int64_t kAxis) {
  if (layout.shape.size() != 2)
    return std::nullopt;
  NBitsWeight weight;
  weight.k = layout.shape[kAxis];
  weight.n = layout.shape[1 - kAxis];
  std::optional<int64_t> blockSize = nbitsBlockSize(layout.blocks[kAxis], weight.k);
  if (!blockSize)
    return std::nullopt;
  weight.blockSize = *blockSize;
  std::optional<int64_t> bits = matMulNBitsWidth(layout);
  if (!bits)
    return std::nullopt;
  weight.bits = *bits;
  int64_t offset = unsignedOffset(layout, weight.bits);

  int64_t blocksK = llvm::divideCeil(weight.k, weight.blockSize);
  int64_t blobBytes = weight.blockSize * weight.bits / 8;
  int64_t zeroBytes = llvm::divideCeil(blocksK * weight.bits, 8);
  int64_t midpoint = int64_t(1) << (weight.bits - 1);
  weight.packed.assign(size_t(weight.n * blocksK * blobBytes), 0);
  weight.scales.resize(size_t(weight.n * blocksK));
  std::vector<uint8_t> zeros(size_t(weight.n * zeroBytes), 0);
  bool allMidpoint = true;
  auto put = [&](uint8_t *bytes, int64_t position, int64_t value) {
    int64_t bit = position * weight.bits;
    bytes[bit / 8] |= uint8_t(value << (bit % 8));
  };
  for (int64_t n = 0; n < weight.n; ++n) {
    for (int64_t block = 0; block < blocksK; ++block) {
      SmallVector<int64_t> first(2);
      first[kAxis] = block * weight.blockSize;
      first[1 - kAxis] = n;
      int64_t cell = layout.cellOf(first);
      int64_t zero = layout.zeroPoints[cell] + offset;
      weight.scales[size_t(n * blocksK + block)] = layout.scales[cell];
      allMidpoint &= zero == midpoint;
      put(&zeros[size_t(n * zeroBytes)], block, zero);
      uint8_t *blob = &weight.packed[size_t((n * blocksK + block) * blobBytes)];
      for (int64_t i = 0; i < weight.blockSize; ++i) {
        int64_t k = block * weight.blockSize + i;
        // Padding past K dequantizes to zero.
        int64_t stored = zero;
        if (k < weight.k)
          stored = values[size_t(kAxis == 1 ? n * weight.k + k : k * weight.n + n)] + offset;
        put(blob, i, stored);
      }
    }
  }
  if (!allMidpoint)
    weight.zeroPoints = std::move(zeros);
  return weight;
}

} // namespace quantc::exporter
