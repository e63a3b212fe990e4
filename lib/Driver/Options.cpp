// Flag syntax checks (see Options.h). The passes check the same values
// again; these exist so the driver reports them by flag name up front.
#include "quantc/Driver/Options.h"

#include "passes/Transforms/Layers.h"
#include "quantc/Analysis/Quantizer.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Regex.h"

#include <cctype>
#include <cmath>

namespace quantc {

/// Splits "regex=value,..." entries and checks each regex; `value` gets the
/// text after the last '=' (the whole entry when there is none).
template <typename CheckValue>
static std::string checkRegexList(llvm::StringRef spec, bool needsRegex, CheckValue checkValue) {
  llvm::SmallVector<llvm::StringRef> entries;
  spec.split(entries, ',', -1, /*KeepEmpty=*/false);
  if (entries.empty())
    return "lists nothing";
  for (llvm::StringRef entry : entries) {
    entry = entry.trim();
    size_t eq = entry.rfind('=');
    if (eq == llvm::StringRef::npos && needsRegex)
      return "entries are regex=bits, got '" + entry.str() + "'";
    if (eq != llvm::StringRef::npos) {
      std::string regexError;
      std::string pattern = entry.take_front(eq).trim().str();
      if (!llvm::Regex(pattern).isValid(regexError))
        return "bad regex '" + pattern + "': " + regexError;
      entry = entry.drop_front(eq + 1).trim();
    }
    if (std::string error = checkValue(entry); !error.empty())
      return error;
  }
  return "";
}

std::string checkBitsFlag(llvm::StringRef spec) {
  return checkRegexList(spec, false, [](llvm::StringRef value) -> std::string {
    if (value == "none" || value == "float")
      return "";
    WeightScheme scheme;
    return parseBitsSpec(value.str(), scheme);
  });
}

std::string checkCandidateBitsFlag(llvm::StringRef spec) {
  std::string error;
  qnn::parseCandidateBits(spec, error);
  return error;
}

std::string checkPinsFlag(llvm::StringRef spec) {
  return checkRegexList(spec, true, [](llvm::StringRef value) -> std::string {
    unsigned bits = 0;
    if (value.getAsInteger(10, bits) || bits < 2 || bits > 8)
      return "pinned bits must be 2 to 8, got '" + value.str() + "'";
    return "";
  });
}

double parseByteCount(llvm::StringRef text) {
  double scale = 1;
  if (text.ends_with_insensitive("k") || text.ends_with_insensitive("m") ||
      text.ends_with_insensitive("g")) {
    char unit = char(std::tolower(static_cast<unsigned char>(text.back())));
    scale = unit == 'k' ? 1024.0 : unit == 'm' ? 1024.0 * 1024 : 1024.0 * 1024 * 1024;
    text = text.drop_back();
  }
  double value = 0;
  if (text.getAsDouble(value) || !(value > 0) || !std::isfinite(value * scale))
    return -1;
  return value * scale;
}

} // namespace quantc
