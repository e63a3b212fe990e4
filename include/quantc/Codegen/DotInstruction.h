// The per-target instruction the dot kernels are built around: four u8/s8
// products summed into each 32-bit lane.
#ifndef QUANTC_CODEGEN_DOTINSTRUCTION_H
#define QUANTC_CODEGEN_DOTINSTRUCTION_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringRef.h"

#include <memory>

namespace quantc::codegen {

/// acc[l] + sum_{i<4} w[4l+i] * a[4l+i] on vector<L x i32>, vector<4L x i8>.
/// Weights are unsigned codes unless the layout stores signed bytes (NEON
/// sdot reads them signed); activations are always signed.
///
/// An instruction may keep more than one partial sum a lane in its
/// accumulator (accumulatorType), so that adding them up happens once
/// after the K loop (finish) and not at every dot.
class DotInstruction {
public:
  virtual ~DotInstruction() = default;
  virtual mlir::Value dot(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc,
                          mlir::Value weights, mlir::Value activations) const = 0;
  /// What dot() adds into for `lanes` lanes when it takes at most `dots`
  /// dots before finish (0: any number): vector<lanes x i32> by default.
  virtual mlir::VectorType accumulatorType(mlir::OpBuilder &b, int64_t lanes,
                                           int64_t dots = 0) const {
    return mlir::VectorType::get({lanes}, b.getI32Type());
  }
  /// Whether dot() also takes its activations as i16 (vector<2L x i16>: a
  /// word's 4 activations sign-extended, repeated), so that kernels can
  /// widen each activation once when they prepare x instead of at every dot.
  virtual bool takesWideActivations() const { return false; }
  /// An accumulator as vector<lanes x i32>: each lane's partial sums added.
  virtual mlir::Value finish(mlir::OpBuilder &, mlir::Location, mlir::Value acc) const {
    return acc;
  }
};

/// vector.shuffle of `v` and `w` (one vector of both) picking `count`
/// elements from `first` on, every `step`: how the dots gather each lane's
/// products.
mlir::Value stridedShuffle(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::Value w,
                           int64_t first, int64_t count, int64_t step);

/// Plain vector dialect: widen, multiply, reduce groups of four. Exact for
/// every code width; what any target without a dot instruction uses.
std::unique_ptr<DotInstruction> createGenericDot(unsigned lanes, bool signedWeights);
/// AVX-512 VNNI `vpdpbusd` on 512-bit vectors (16 lanes).
std::unique_ptr<DotInstruction> createVNNIDot();
/// AVX2 `vpmaddubsw` + `vpmaddwd` (8 lanes). The 16-bit pair sums saturate
/// unless codes are below 128, so only for codes of up to 7 bits. Where
/// `dots` dots of `bits`-bit codes cannot overflow 16 bits, the accumulator
/// keeps the pair sums as i16 (vector<16 x i16>, added by vpaddw) and
/// finish makes them i32 (shifts and an add).
std::unique_ptr<DotInstruction> createAVX2Dot(unsigned bits);
/// AVX2 on 8-bit codes (8 lanes): each 16-byte half widened to i16 and
/// multiplied by `vpmaddwd` alone (exact). Its accumulator keeps each
/// lane's two pair sums apart (vector<16 x i32>) until finish; it takes
/// activations widened already (takesWideActivations).
std::unique_ptr<DotInstruction> createAVX2WideDot();
/// NEON dotprod `sdot` (4 lanes, s8 x s8).
std::unique_ptr<DotInstruction> createNeonDot();

/// The dot for a layout on a target family ("vnni", "avx2", "neon" or
/// "generic"); null for an unknown family or lanes the family does not use.
/// Falls back to the generic dot where the family's instruction cannot read
/// the codes as stored (8-bit codes on AVX2, signed bytes on VNNI).
std::unique_ptr<DotInstruction> createDotInstruction(llvm::StringRef family, unsigned bits,
                                                     unsigned lanes, bool signedBytes);
/// Lanes of a family's tiles (what convert-qnn-to-qkernel packs for).
unsigned familyLanes(llvm::StringRef family);

/// The LUT kernels' lookup: result[i] = table[indices[i]] for a
/// vector<16 x i8> table and vector<L x i8> indices in [0, 16).
class TableLookup {
public:
  virtual ~TableLookup() = default;
  virtual mlir::Value lookup(mlir::OpBuilder &b, mlir::Location loc, mlir::Value table,
                             mlir::Value indices) const = 0;
};

/// Plain vector dialect: 16 compares and selects; any lanes.
std::unique_ptr<TableLookup> createGenericLookup();
/// x86 `vpshufb` (qkernel.lookup): 32 lanes (AVX2) or 64 (AVX-512BW).
std::unique_ptr<TableLookup> createX86Lookup();
/// AArch64 NEON `tbl` (qkernel.lookup): 16 lanes.
std::unique_ptr<TableLookup> createNeonLookup();

/// Channels per tile of a family's LUT layout: 64 (vnni, i.e. AVX-512),
/// 32 (avx2), 16 (neon, generic); 0 for an unknown family.
unsigned familyLutLanes(llvm::StringRef family);
/// The lookup for LUT tiles of `lanes` on a family; null when the lanes do
/// not fit it (generic takes any).
std::unique_ptr<TableLookup> createTableLookup(llvm::StringRef family, unsigned lanes);

} // namespace quantc::codegen

#endif // QUANTC_CODEGEN_DOTINSTRUCTION_H
