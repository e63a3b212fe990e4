// A scan of IR text for the arrays that crash upstream's linalg parsers
// (see ParserGuard.h). It follows MLIR's lexer only as far as it must:
// strings and `//` comments are skipped, so op names inside them never count.
#include "quantc/Support/ParserGuard.h"

#include "llvm/ADT/StringExtras.h"

#include <cstdint>

namespace quantc {
namespace {

struct GuardedOp {
  llvm::StringLiteral name;    ///< The op's name in custom form.
  llvm::StringLiteral keyword; ///< The i64 array its parser requires.
};

constexpr GuardedOp kGuardedOps[] = {
    {"linalg.transpose", "permutation"},
    {"linalg.broadcast", "dimensions"},
    {"linalg.reduce", "dimensions"},
};

bool isIdentifierChar(char c) { return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.'; }

/// A position in the source with the few lexing steps the scan needs.
class Cursor {
public:
  Cursor(llvm::StringRef source, size_t position) : source(source), position(position) {}

  size_t offset() const { return position; }
  bool atEnd() const { return position >= source.size(); }
  char peek() const { return atEnd() ? '\0' : source[position]; }

  /// Whitespace and `//` comments, as MLIR's lexer skips them.
  void skipTrivia() {
    while (!atEnd()) {
      if (llvm::isSpace(peek()))
        ++position;
      else if (source.substr(position).starts_with("//"))
        skipLine();
      else
        return;
    }
  }

  void skipLine() {
    size_t end = source.find('\n', position);
    position = end == llvm::StringRef::npos ? source.size() : end + 1;
  }

  /// A string literal starting at the cursor, with its escapes.
  void skipString() {
    for (++position; !atEnd(); ++position) {
      if (peek() == '\\')
        ++position;
      else if (peek() == '"') {
        ++position;
        return;
      }
    }
  }

  bool consume(char c) {
    if (peek() != c)
      return false;
    ++position;
    return true;
  }

  /// A bare identifier, or "" when none starts here.
  llvm::StringRef identifier() {
    if (!llvm::isAlpha(peek()) && peek() != '_')
      return {};
    size_t start = position;
    while (!atEnd() && isIdentifierChar(peek()))
      ++position;
    return source.slice(start, position);
  }

  /// A balanced open ... close group (strings skipped); false if unbalanced.
  bool skipGroup(char open, char close) {
    if (!consume(open))
      return false;
    for (int depth = 1; !atEnd();) {
      char c = peek();
      if (c == '"') {
        skipString();
        continue;
      }
      ++position;
      if (c == open)
        ++depth;
      else if (c == close && --depth == 0)
        return true;
    }
    return false;
  }

  /// An integer token that fits in i64, as parseInteger wants one.
  bool integer() {
    bool hex = source.substr(position).starts_with("0x") && position + 2 < source.size() &&
               llvm::isHexDigit(source[position + 2]);
    size_t start = position + (hex ? 2 : 0);
    size_t end = start;
    while (end < source.size() &&
           (hex ? llvm::isHexDigit(source[end]) : llvm::isDigit(source[end])))
      ++end;
    if (end == start || (!hex && end < source.size() && source[end] == '.'))
      return false; // no digits, or a float literal
    uint64_t value;
    if (source.slice(start, end).getAsInteger(hex ? 16 : 10, value) || value > uint64_t(INT64_MAX))
      return false;
    position = end;
    return true;
  }

private:
  llvm::StringRef source;
  size_t position;
};

/// Whether `[ (-? integer (, -? integer)*)? ]` starts at the cursor.
bool parsesAsI64Array(Cursor &cursor) {
  cursor.skipTrivia();
  if (!cursor.consume('['))
    return false;
  cursor.skipTrivia();
  if (cursor.consume(']'))
    return true;
  while (true) {
    cursor.skipTrivia();
    cursor.consume('-');
    cursor.skipTrivia();
    if (!cursor.integer())
      return false;
    cursor.skipTrivia();
    if (cursor.consume(']'))
      return true;
    if (!cursor.consume(','))
      return false;
  }
}

/// Follows the op's custom form (properties, attributes, ins, outs) up to its
/// required array. Anything else there makes upstream fail cleanly first.
std::optional<ParserHazard> checkOp(const GuardedOp &op, Cursor cursor) {
  cursor.skipTrivia();
  if (cursor.peek() == '<' && !cursor.skipGroup('<', '>'))
    return std::nullopt;
  cursor.skipTrivia();
  if (cursor.peek() == '{' && !cursor.skipGroup('{', '}'))
    return std::nullopt;
  cursor.skipTrivia();
  llvm::StringRef word = cursor.identifier();
  for (llvm::StringRef operands : {"ins", "outs"}) {
    if (word != operands)
      continue;
    cursor.skipTrivia();
    if (!cursor.skipGroup('(', ')'))
      return std::nullopt;
    cursor.skipTrivia();
    word = cursor.identifier();
  }
  cursor.skipTrivia();
  if (word != op.keyword || !cursor.consume('='))
    return std::nullopt;
  cursor.skipTrivia();
  size_t arrayStart = cursor.offset();
  if (parsesAsI64Array(cursor))
    return std::nullopt;
  return ParserHazard{arrayStart, (op.name + "'s " + op.keyword +
                                   " must be a list of i64 integers in brackets, e.g. [0, 2, 1]")
                                      .str()};
}

} // namespace

std::optional<ParserHazard> findParserHazard(llvm::StringRef source) {
  Cursor cursor(source, 0);
  while (!cursor.atEnd()) {
    char c = cursor.peek();
    if (c == '"') {
      cursor.skipString();
    } else if (source.substr(cursor.offset()).starts_with("//")) {
      cursor.skipLine();
    } else if (llvm::isAlpha(c) || c == '_') {
      // Only whole bare identifiers: not the tail of %x.y, @f.g or #a.b.
      size_t start = cursor.offset();
      bool sigil = start > 0 && llvm::StringRef("%@#!^-").contains(source[start - 1]);
      llvm::StringRef word = cursor.identifier();
      if (sigil)
        continue;
      for (const GuardedOp &op : kGuardedOps)
        if (word == op.name)
          if (std::optional<ParserHazard> hazard = checkOp(op, cursor))
            return hazard;
    } else {
      cursor.consume(c);
    }
  }
  return std::nullopt;
}

} // namespace quantc
