// Syntax checks for quantc's flag values, run before any work starts so a
// typo fails in milliseconds with the flag's name, not deep inside a pass.
#ifndef QUANTC_DRIVER_OPTIONS_H
#define QUANTC_DRIVER_OPTIONS_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace quantc {

/// --bits: N (2-8) | ternary | binary | none, or comma-separated regex=N.
std::string checkBitsFlag(llvm::StringRef spec);
/// --candidate-bits: comma-separated widths from 2 to 8.
std::string checkCandidateBitsFlag(llvm::StringRef spec);
/// --pin: comma-separated regex=N with N from 2 to 8.
std::string checkPinsFlag(llvm::StringRef spec);
/// "1048576", "512K", "2.5M", "1G" in bytes; a negative value when malformed.
double parseByteCount(llvm::StringRef text);

} // namespace quantc

#endif // QUANTC_DRIVER_OPTIONS_H
