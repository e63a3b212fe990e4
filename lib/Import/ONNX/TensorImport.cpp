// ONNX TensorProto -> MLIR constants. Weights become dense_resource blobs
// (copied once, never printed inline); small tensors stay readable literals.
#include "TensorImport.h"

#include "ExternalData.h"
#include "ModelValidator.h"

#include "quantc/Support/MappedPages.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <optional>

using namespace mlir;

namespace quantc::onnx_import {

namespace {
/// Inline literals above this many elements would bloat the textual IR.
constexpr int64_t kMaxInlineElements = 64;
} // namespace

/// Opset 21's 4-bit types, newer than libonnx 1.12's enum: two values per
/// byte of raw_data (or per int32_data entry), low nibble first.
constexpr int32_t kUInt4 = 21, kInt4 = 22;

/// Unpacks 4-bit values into one byte each, sign-extending INT4.
static std::string unpackNibbles(llvm::StringRef packed, int64_t count, bool isSigned) {
  std::string bytes(count, '\0');
  for (int64_t i = 0; i < count; ++i) {
    int value = (static_cast<unsigned char>(packed[i / 2]) >> (4 * (i % 2))) & 0xF;
    if (isSigned && value >= 8)
      value -= 16;
    bytes[i] = static_cast<char>(value);
  }
  return bytes;
}

Type convertElementType(int32_t dataType, MLIRContext *context) {
  using T = onnx::TensorProto;
  auto unsignedInt = [&](unsigned width) {
    return IntegerType::get(context, width, IntegerType::Unsigned);
  };
  switch (dataType) {
  case T::FLOAT: return Float32Type::get(context);
  case T::DOUBLE: return Float64Type::get(context);
  case T::FLOAT16: return Float16Type::get(context);
  case T::BFLOAT16: return BFloat16Type::get(context);
  case T::INT8: return IntegerType::get(context, 8);
  case T::INT16: return IntegerType::get(context, 16);
  case T::INT32: return IntegerType::get(context, 32);
  case T::INT64: return IntegerType::get(context, 64);
  case T::UINT8: return unsignedInt(8);
  case T::UINT16: return unsignedInt(16);
  case T::UINT32: return unsignedInt(32);
  case T::UINT64: return unsignedInt(64);
  case T::BOOL: return IntegerType::get(context, 1);
  case kInt4: return IntegerType::get(context, 4);
  case kUInt4: return unsignedInt(4);
  default: return {};
  }
}

std::string dataTypeName(int32_t dataType) {
  if (onnx::TensorProto_DataType_IsValid(dataType))
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

bool isStoredAsResource(Type elementType, int64_t numElements) {
  return (isa<FloatType>(elementType) && numElements > 1) ||
         numElements > kMaxInlineElements;
}

/// Bytes one element occupies in ONNX raw_data (bool is one byte).
static size_t storageBytes(Type elementType) {
  return std::max<size_t>(1, elementType.getIntOrFloatBitWidth() / 8);
}

/// Reads an external-data segment (checked by resolveExternalData first).
static bool readExternalData(const onnx::TensorProto &tensor, const std::string &directory,
                             uint64_t expectedBytes, std::string &bytes, std::string &error) {
  ExternalSegment segment;
  if (error = resolveExternalData(tensor, directory, expectedBytes, segment); !error.empty())
    return false;
  auto buffer = llvm::MemoryBuffer::getFileSlice(segment.path, segment.length, segment.offset,
                                                 /*IsVolatile=*/false);
  if (!buffer) {
    error = "cannot read external data file '" + segment.location + "'";
    return false;
  }
  bytes.assign((*buffer)->getBufferStart(), (*buffer)->getBufferSize());
  return true;
}

/// A large external tensor's bytes mapped from its file instead of copied
/// (issue 19: a model larger than memory imports without reading it): the
/// blob owns the mapping, which goes with the blob; the JIT reads weights
/// from it in place. Empty when the tensor is not worth mapping.
static std::optional<AsmResourceBlob> mapExternalData(const onnx::TensorProto &tensor,
                                                     const std::string &directory,
                                                     uint64_t expectedBytes, std::string &error) {
  constexpr uint64_t kMapFrom = 1 << 20; // smaller tensors: one copy is cheaper than a mapping
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL || expectedBytes < kMapFrom)
    return std::nullopt;
  ExternalSegment segment;
  if (error = resolveExternalData(tensor, directory, expectedBytes, segment); !error.empty())
    return std::nullopt;
  auto buffer = llvm::MemoryBuffer::getFileSlice(segment.path, segment.length, segment.offset,
                                                 /*IsVolatile=*/false);
  if (!buffer) {
    error = "cannot read external data file '" + segment.location + "'";
    return std::nullopt;
  }
  llvm::MemoryBuffer *mapped = buffer->release();
  auto address = reinterpret_cast<uintptr_t>(mapped->getBufferStart());
  size_t alignment = std::min<size_t>(address & -address, 64); // what the offset allows
  // A mapping's pages may be dropped once read (a heap copy's may not).
  bool fileBacked = mapped->getBufferKind() == llvm::MemoryBuffer::MemoryBuffer_MMap;
  if (fileBacked)
    quantc::registerMappedRange(mapped->getBufferStart(), mapped->getBufferSize());
  return AsmResourceBlob(ArrayRef<char>(mapped->getBufferStart(), mapped->getBufferSize()),
                         alignment,
                         [mapped, fileBacked](void *, size_t, size_t) {
                           if (fileBacked)
                             quantc::forgetMappedRange(mapped->getBufferStart());
                           delete mapped;
                         },
                         /*dataIsMutable=*/false);
}

/// The tensor's elements in little-endian storage layout, whichever field
/// holds them. raw_data is viewed in place; other fields are copied to `storage`.
static bool collectBytes(const onnx::TensorProto &tensor, Type elementType,
                         const std::string &directory, uint64_t expectedBytes,
                         llvm::StringRef &bytes,
                         std::string &storage, std::string &error) {
  using T = onnx::TensorProto;
  if (tensor.has_raw_data() && tensor.data_location() != T::EXTERNAL) {
    bytes = tensor.raw_data();
    return true;
  }
  if (tensor.data_location() == T::EXTERNAL) {
    if (!readExternalData(tensor, directory, expectedBytes, storage, error))
      return false;
    bytes = storage;
    return true;
  }
  auto append = [&](const auto &field, size_t width) {
    storage.reserve(field.size() * width);
    for (auto value : field)
      storage.append(reinterpret_cast<const char *>(&value), width); // little-endian host
  };
  size_t width = storageBytes(elementType);
  switch (tensor.data_type()) {
  case T::FLOAT: append(tensor.float_data(), 4); break;
  case T::DOUBLE: append(tensor.double_data(), 8); break;
  case T::INT64: append(tensor.int64_data(), 8); break;
  case T::UINT32:
  case T::UINT64: append(tensor.uint64_data(), width); break;
  default: append(tensor.int32_data(), width); break; // narrow types ride in int32_data
  }
  bytes = storage;
  return true;
}

ElementsAttr convertTensor(const onnx::TensorProto &tensor, const std::string &directory,
                           MLIRContext *context, std::string &error) {
  if (error = validateTensor(tensor, directory); !error.empty())
    return {};
  Type elementType = convertElementType(tensor.data_type(), context);
  if (!elementType) {
    error = "tensor '" + tensor.name() + "' has unsupported element type " +
            dataTypeName(tensor.data_type());
    return {};
  }
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t numElements = 1;
  for (int64_t d : shape) // validateTensor bounded the product of non-zero dims
    numElements = d == 0 || numElements == 0 ? 0 : numElements * d;
  auto type = RankedTensorType::get(shape, elementType);
  bool isNibbles = elementType.getIntOrFloatBitWidth() == 4;
  size_t expected = isNibbles ? (numElements + 1) / 2 : numElements * storageBytes(elementType);
  if (!isNibbles && !elementType.isInteger(1) && isStoredAsResource(elementType, numElements)) {
    std::optional<AsmResourceBlob> mapped = mapExternalData(tensor, directory, expected, error);
    if (!error.empty()) {
      error = "tensor '" + tensor.name() + "': " + error;
      return {};
    }
    if (mapped)
      return DenseResourceElementsAttr::get(type, tensor.name().empty() ? "weight" : tensor.name(),
                                            std::move(*mapped));
  }
  llvm::StringRef bytes;
  std::string storage, unpacked;
  if (!collectBytes(tensor, elementType, directory, expected, bytes, storage, error)) {
    error = "tensor '" + tensor.name() + "': " + error;
    return {};
  }
  if (bytes.size() != expected) {
    error = "tensor '" + tensor.name() + "' holds " + std::to_string(bytes.size()) +
            " bytes of data, but its shape and type need " + std::to_string(expected);
    return {};
  }
  if (isNibbles) {
    unpacked = unpackNibbles(bytes, numElements, elementType.isSignlessInteger());
    bytes = unpacked;
  }
  if (elementType.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, values);
  }
  if (isStoredAsResource(elementType, numElements)) {
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(bytes.data(), bytes.size()), alignof(std::max_align_t));
    std::string key = tensor.name().empty() ? "weight" : tensor.name();
    return DenseResourceElementsAttr::get(type, key, std::move(blob));
  }
  if (numElements == 0)
    return DenseElementsAttr::get(type, ArrayRef<Attribute>{});
  return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(bytes.data(), bytes.size()));
}

} // namespace quantc::onnx_import
