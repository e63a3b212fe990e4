// A guard against a crash in upstream MLIR's parser (LLVM 22): the custom
// parsers of linalg.transpose, linalg.broadcast and linalg.reduce store the
// result of parsing the i64 array after `permutation =` / `dimensions =`
// without checking it, so an array that fails to parse becomes a null
// attribute and crashes NamedAttrList::set. mlir-opt crashes the same way.
// Tools that parse IR text (quant-opt, fuzz-mlir) scan for such arrays first
// and report them as errors.
#ifndef QUANTC_SUPPORT_PARSERGUARD_H
#define QUANTC_SUPPORT_PARSERGUARD_H

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <optional>
#include <string>

namespace quantc {

struct ParserHazard {
  size_t offset;       ///< Where the bad array starts in the source.
  std::string message; ///< What is wrong, naming the op.
};

/// The first linalg op in custom form whose required i64 array would not
/// parse, or nullopt. Never reports text that upstream parses fine.
std::optional<ParserHazard> findParserHazard(llvm::StringRef source);

} // namespace quantc

#endif // QUANTC_SUPPORT_PARSERGUARD_H
