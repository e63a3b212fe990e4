// What the GPU kernel builders share: a module holding `gpu.module @kernels`
// with one empty kernel.
#ifndef QUANTC_CODEGEN_GPU_KERNELMODULE_H
#define QUANTC_CODEGEN_GPU_KERNELMODULE_H

#include "quantc/Codegen/GPUFragments.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace quantc::codegen::gpu {

/// The module, with `func` set to the kernel `name` taking `arguments`; `b`
/// is left inside the kernel's gpu.module.
mlir::OwningOpRef<mlir::ModuleOp> kernelModule(mlir::OpBuilder &b, llvm::StringRef name,
                                               mlir::TypeRange arguments,
                                               mlir::gpu::GPUFuncOp &func);

/// Why an (M, N, K) product has no kernel computing its indices in i32
/// (half the index arithmetic of 64; the weight-only GEMM): A, B and y must
/// each hold fewer than 2^31 elements. Empty when they do.
std::string checkIndexRange(int64_t m, int64_t n, int64_t k, int64_t ySlices = 1);

/// Why `tiles` N tiles a warp (the fp16 and W8A8 GEMMs' nTilesPerWarp)
/// has no kernel: 1, 2, 4 or 8. `gemm` names the GEMM in the reason.
std::string checkTilesPerWarp(int64_t tiles, llvm::StringRef gemm);

/// Why a convolution's implicit GEMM of M rows and K columns has no kernel
/// (empty when it has one): the geometry must fit, M be whole images of its
/// output, K hold its taps, and the input index in 32 bits.
std::string checkImplicitConv(const ImplicitConv &conv, int64_t m, int64_t k);

/// Index arithmetic and the parts every GEMM kernel shares.
class KernelBuilder {
public:
  /// `indexType`: what the index arithmetic computes in: index (64 bits on
  /// NVPTX), or i32 (half the instructions; checkIndexRange keeps it exact),
  /// cast to index only where a memref is accessed.
  KernelBuilder(mlir::OpBuilder &b, mlir::Location loc, mlir::Type indexType)
      : b(b), loc(loc), indexType(indexType) {}
  KernelBuilder(mlir::OpBuilder &b, mlir::Location loc)
      : KernelBuilder(b, loc, b.getIndexType()) {}

  /// A constant of the index arithmetic's type.
  mlir::Value index(int64_t v);
  /// An index (a thread or block id) in the index arithmetic's type.
  mlir::Value fromIndex(mlir::Value v);
  /// The index arithmetic's value as an index, for a memref access.
  mlir::Value toIndex(mlir::Value v);
  mlir::Value add(mlir::Value l, mlir::Value r);
  mlir::Value mul(mlir::Value l, int64_t r);
  mlir::Value less(mlir::Value l, int64_t bound);
  /// `v` clamped to [0, bound): keeps a masked load in bounds.
  mlir::Value clamp(mlir::Value v, int64_t bound);
  /// f32 `value` as the GEMMs' f16 staging converts it (stagedHalf):
  /// clamped to +-65504, a NaN as the quiet NaN 0x7e00.
  mlir::Value stagedHalf(mlir::Value value);

  /// A convolution's implicit A (ImplicitConv::sourceIndex): `count`
  /// elements A[row, firstK ...] gathered from x as one vector (f16 or i8;
  /// f16 staged from an f32 x), the padding value in the padding, and zero
  /// past M, past the taps, or when `valid` (if given) is false.
  mlir::Value implicitRun(const ImplicitConv &conv, mlir::Value x, mlir::Value row, int64_t m,
                          mlir::Value firstK, int64_t count, mlir::Value valid = {});

  /// `count` elements of x [rows, rowLength] (f32 staged to f16, or i8 as
  /// it is) from [row, col], one load each, as one vector; zero past the
  /// row, past `rows`, or when `valid` (if given) is false.
  mlir::Value rowRun(mlir::Value x, mlir::Value row, int64_t rows, int64_t rowLength,
                     mlir::Value col, int64_t count, mlir::Value valid = {});

  /// How a GEMM's blocks write y: stored (one block per element), added
  /// atomically (split-K and stream-K into a zeroed y), or stored into
  /// block z's slice [z][m][n] of a y splitK times the size (split-K's
  /// partial sums, which a reduction adds in split order: the same bits
  /// every run, where atomics add in whatever order the blocks finish).
  enum class YWrite { Store, AtomicAdd, SplitSlice };
  /// Split-K's write of y: `partials` (WeightOnlyGemm::splitPartials)
  /// slices, else atomic adds; a store without split-K.
  static YWrite splitWrite(int64_t splitK, bool partials) {
    return splitK == 1 ? YWrite::Store : partials ? YWrite::SplitSlice : YWrite::AtomicAdd;
  }

  /// This block's share [begin, end) of `tiles` K tiles: block z of
  /// `splitK` (all of them without split-K), each share but the last a
  /// multiple of `align` tiles.
  std::pair<mlir::Value, mlir::Value> splitRange(int64_t tiles, int64_t splitK, int64_t align = 1);

  /// Writes the lane's four elements of the 16 x 8 accumulator tile `acc`
  /// whose first row is mTile * 16 and first column `nBase` into y[m, n]
  /// (rows past m and columns past n skipped), through `finish(column,
  /// element)` (f32, or s32 for an exact integer y), as `write` says.
  /// With `columnMajor`, y is [n, m] (a convolution's output channels by
  /// pixels, as the host's NCHW tensor holds it).
  void storeTile(mlir::Value y, mlir::Value acc, mlir::Value mTile, mlir::Value nBase,
                 mlir::Value lane, int64_t m, int64_t n, YWrite write,
                 llvm::function_ref<mlir::Value(mlir::Value, mlir::Value)> finish,
                 bool columnMajor = false);

protected:
  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Type indexType;
};

} // namespace quantc::codegen::gpu

#endif // QUANTC_CODEGEN_GPU_KERNELMODULE_H
