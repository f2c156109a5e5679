#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::sql {

// Literal lifting for the simple-protocol plan cache (DESIGN §7): a query
// text with its constants replaced by parameters, so that statements that
// differ only in their constants share one prepared plan and a repeat
// needs no libpg_query parse.
//
// A constant is lifted only where a parameter means exactly the same
// thing: right after an operator or punctuation character (`=`, `(`, `,`,
// `<`, `-`, ...), never after a word, so typed literals (`DATE '...'`,
// `interval '1 day'`), LIMIT counts and SELECT-list constants stay in the
// text. Prefixed strings (E'', B'', X'', U&'', N''), dollar quoting, and a
// `$n` already in the text make the statement uncacheable.

// How a lifted constant was written; decides its parameter's type the way
// PostgreSQL types the constant: an integer that fits int4 is int4, one
// that fits int8 is int8, any other number is numeric, and a quoted string
// is of unknown type (resolved from context).
enum class LiteralKind : uint8_t { kInt4, kInt8, kNumeric, kString };

struct Literal {
  LiteralKind kind;
  std::string text;  // the value as the parameter's text input (quotes removed, '' unescaped)
};

struct LiftedQuery {
  // The text with the i-th lifted constant replaced by `$<i+1>`; what gets
  // prepared.
  std::string normalized;
  // Cache key: `normalized` plus the literal kinds (a statement with an
  // int4 constant and one with a numeric constant plan differently).
  std::string key;
  std::vector<Literal> literals;
};

// Lifts the constants of `text`. nullopt: not cacheable (see above), or
// more than one statement. Pure; never fails otherwise (the text is not
// validated: that is the parser's job when the entry is first prepared).
std::optional<LiftedQuery> LiftLiterals(std::string_view text);

// PostgreSQL's parameter type OID for a lifted constant (0 = unknown).
uint32_t LiteralTypeOid(LiteralKind kind);

}  // namespace strata::sql
