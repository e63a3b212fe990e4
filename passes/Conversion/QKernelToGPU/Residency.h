// Where a GPU artifact's values live. Launches name activations by their
// host buffers; the runtime keeps a device copy under each (quantc_gpu.c).
// This decides, at compile time, which linalg ops join the GEMMs on the
// GPU, and for each launch whether an input is already on the device and
// whether a host op needs an output back.
#ifndef QUANTC_PASSES_CONVERSION_QKERNELTOGPU_RESIDENCY_H
#define QUANTC_PASSES_CONVERSION_QKERNELTOGPU_RESIDENCY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <functional>
#include <map>
#include <string>

namespace quantc::gpu {

/// How a launch gets an input (the runtime's ARGUMENT_* values).
enum class InputKind { FromHost = 0, Resident = 1, Constant = 2 };
constexpr int64_t kOutputArgument = 3, kDownloadArgument = 4;
/// The most buffers a linalg kernel takes (QUANTC_GPU_MAX_ARGUMENTS in
/// quantc_gpu.c): a DenseNet-201's widest concatenation reads 49.
constexpr unsigned kMaxKernelArguments = 64;

/// A launch's input: the to_buffer op of the host buffer it passes (its
/// operand is the tensor, whichever op produces it by the end), and how to
/// tell the launch where that value is: for a resident one, the address of
/// the producing launch's buffer plus a byte offset, which the launch then
/// passes instead (no bufferization copy or view stands between).
struct DeviceRead {
  mlir::Operation *buffer;
  std::function<void(InputKind, mlir::Value producer, int64_t byteOffset)> decide;
};
/// A launch's output: the tensor of its buffer, the buffer (memref.alloc),
/// and how to tell the launch whether a host op reads it.
struct DeviceWrite {
  mlir::Value tensor, buffer;
  std::function<void(bool download)> decide;
};

/// Whether `op` only reshapes or slices its operand to a contiguous part of
/// it (collapse, expand, cast; a slice whose elements are consecutive):
/// the host buffer, so the device copy too, holds it at an offset.
bool isView(mlir::Operation *op);
/// The value a chain of views of `value` starts from, and the element
/// offset of `value` in it.
std::pair<mlir::Value, int64_t> viewRoot(mlir::Value value);

/// Decides every read and write: a write is downloaded when anything but
/// the launches' own buffers (`deviceReads`: the to_buffer ops only
/// launches read) uses it, through views; a read of a launch's output that
/// stays on the device is resident (told that launch's buffer and the
/// offset), of a constant constant, else from the host.
void decideResidency(llvm::ArrayRef<DeviceRead> reads, llvm::ArrayRef<DeviceWrite> writes,
                     const llvm::SmallPtrSetImpl<mlir::Operation *> &deviceReads);

/// Why `op` cannot be a linalg kernel launch (empty when it can).
std::string whyNoKernel(mlir::linalg::LinalgOp op);
/// Whether `op` would run on the GPU if it read a device value: a linalg op
/// with a kernel, an integer depthwise convolution that fits one, or a
/// packed embedding lookup. Such an op left on the host reads only what
/// host ops or constants compute.
bool couldRunOnDevice(mlir::Operation *op);

/// The linalg ops to run on the GPU, in program order: those with a kernel
/// (checkLinalgKernel) that read a value on the device (a GEMM launch's
/// output, `deviceValues`, or an op placed before) or a model input, and
/// ops that read no tensor (fills) whose every user is placed. A tensor.pad
/// of a device value is rewritten into a linalg.generic that gathers from
/// it, and placed; so is a tensor.extract_slice of one whose elements are
/// not consecutive (a split along an inner dim), and a qkernel.gather_rows
/// (a packed embedding lookup) of device ids or a model input; a
/// qkernel.depthwise_conv_integer of one into a linalg.generic
/// (depthwiseAsLinalg), placed as any other. Ops
/// that read a device value but have no kernel are counted in `noKernel` by
/// the reason.
llvm::SetVector<mlir::Operation *> placeLinalgOps(mlir::ModuleOp module,
                                                  const llvm::DenseSet<mlir::Value> &deviceValues,
                                                  std::map<std::string, int> &noKernel);

} // namespace quantc::gpu

#endif // QUANTC_PASSES_CONVERSION_QKERNELTOGPU_RESIDENCY_H
