// The packed-weight layout attribute.
#ifndef QUANTC_QKERNEL_ATTRS_TD
#define QUANTC_QKERNEL_ATTRS_TD

include "dialects/QKernel/QKernelDialect.td"
include "mlir/IR/AttrTypeBase.td"

def QKernel_LayoutAttr : AttrDef<QKernel_Dialect, "Layout"> {
  let mnemonic = "layout";
  let summary = "How a K x N weight matrix of b-bit codes is packed into bytes";
  let description = [{
    The dot-kernel layout. N is split into tiles of `lanes` output channels
    (16 for AVX-512, 8 for AVX2, 4 for NEON: one 32-bit accumulator lane per
    channel) and K into blocks of 32. Inside a tile, each block holds the
    32 x `lanes` codes as `bits` vectors of 4 * `lanes` bytes: byte
    `4 * lane + i` of "dot group" p (p = 0..7) is the code of channel `lane`
    at k = 32 * block + 4 * p + i, which is the operand order of
    `vpdpbusd` and `sdot`.

    Codes wider than one plane are split into bit-planes of 4, 2 and 1 bits
    (8-bit codes are one byte plane): 7 = 4 + 2 + 1, 3 = 2 + 1. A plane of
    width w packs 8 / w dot groups per vector, group p in bits
    [(p mod (8/w)) * w, +w) of vector p / (8/w). Unpacking is a shift and a
    mask per group and plane, with no cross-lane shuffle.

    * `k`, `n`: the logical matrix; K is padded to a multiple of 32 and N to
      a multiple of `lanes` (padding codes are 0).
    * `group`: K rows per scale (and zero point), a multiple of 32, or 0 for
      one per output channel.
    * `binary`: 1-bit codes stand for the values {0, 2} (so that with zero
      point 1 a weight is -1 or +1).
    * `signed_bytes`: 8-bit codes are stored minus 128 (as signed bytes) for
      targets whose dot instruction is s8 x s8 (NEON `sdot`).
    * `lut` (optional, default false): the LUT-kernel layout instead
      (qkernel.lut_matmul). N is split into tiles of `lanes` channels (64
      for AVX-512, 32 for AVX2, 16 for NEON and generic: one byte lane per
      channel) and K into blocks of 32, as 8 lookup groups of 4 rows. Codes
      are split into `bits` 1-bit planes. For every tile, block and plane
      (plane j holds code bit j), 4 vectors of `lanes` bytes follow; byte q
      of vector p holds, in its low nibble, the 4 plane bits (bit i: row
      32 * block + 8 * p + i) of channel lutChannel(q) and in its high
      nibble those of rows + 4. Each nibble is a 16-entry table index. The
      channel order inside a tile follows the byte interleave of the
      lookups' results: byte 16 * L + j is channel 8 * L + j and byte
      16 * L + 8 + j is channel lanes / 2 + 8 * L + j (j < 8).

    Packed size (both layouts): ceil(N / lanes) * lanes * ceil(K / 32) * 32
    * bits / 8 bytes.
  }];
  let parameters = (ins "unsigned":$bits, "unsigned":$lanes, "int64_t":$k, "int64_t":$n,
                        "int64_t":$group, "bool":$binary, "bool":$signed_bytes,
                        DefaultValuedParameter<"bool", "false">:$lut);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t paddedK() const;
    int64_t paddedN() const;
    /// Bytes of the packed tensor.
    int64_t packedBytes() const;
    /// Rows of the scale (and zero-point) table: K blocks per group.
    int64_t scaleRows() const;
  }];
}

#endif // QUANTC_QKERNEL_ATTRS_TD
