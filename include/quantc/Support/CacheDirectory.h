// Where quantc keeps what it can reuse between runs (latency tables, objects).
#ifndef QUANTC_SUPPORT_CACHEDIRECTORY_H
#define QUANTC_SUPPORT_CACHEDIRECTORY_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace quantc {

/// $XDG_CACHE_HOME/quantc/<entry>, else ~/.cache/quantc/<entry>; empty when
/// neither variable is set.
std::string cachePath(llvm::StringRef entry);

} // namespace quantc

#endif // QUANTC_SUPPORT_CACHEDIRECTORY_H
