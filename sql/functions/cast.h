#pragma once

#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "sql/functions/eval_context.h"
#include "sql/functions/type_resolution.h"

namespace strata::sql::functions {

// A conversion function. `in` is non-null and of the resolved source type;
// `target` is the full target type (typmod included); `is_explicit` selects
// PostgreSQL's explicit-cast typmod rules (varchar(n)/char(n) truncate
// silently instead of failing with 22001). Writes a value of target.id.
using CastFn = Status (*)(const Value& in, const DataType& target, bool is_explicit,
                          EvalContext& ctx, Value* out);

// A cast resolved at bind time. Immutable; safe to share across threads.
struct ResolvedCast {
  CastFn fn = nullptr;
  DataType target;
  bool is_explicit = false;
  // True when the conversion is the identity (same type, and the target
  // typmod cannot change the value): the caller may skip Apply.
  bool is_noop = false;

  // Converts `in`; NULL in gives NULL of target.id out. Errors are
  // PostgreSQL's: 22P02 / 22007 / 22008 for text input, 22003 "integer
  // out of range" / "smallint out of range" / "bigint out of range" /
  // "numeric field overflow", 22001 "value too long for type character
  // varying(3)" (non-explicit casts only), 0A000 for NaN to integer.
  Status Apply(const Value& in, EvalContext& ctx, Value* out) const;
};

// PostgreSQL's cast resolution (find_coercion_pathway): the pg_cast matrix
// for our types, I/O conversion casts to and from the string types, and a
// length-coercion step when the target has a typmod. Notable conversions:
// float -> int rounds half to even (rint), numeric -> int rounds half away
// from zero, int4 <-> bool, date <-> timestamp(tz), timestamp(tz) -> time,
// json <-> jsonb <-> text, arrays element-wise when the element types cast.
// Errors: 42846 "cannot cast type X to Y" when no pathway exists or it is
// not allowed in `context` (message as PostgreSQL's; for kImplicit and
// kAssignment the binder usually rewrites this into its own 42804 message).
// `from` may be an unknown literal: then the cast parses text input.
Result<ResolvedCast> ResolveCast(const ArgType& from, const DataType& to, CastContext context);

// Converts the text of an unknown-typed literal (or a text-format
// parameter) to `target`, as PostgreSQL does when it resolves an unknown
// constant: typinput with the typmod applied; 'now'/'today' use the
// transaction time in ctx.
Result<Value> CoerceUnknownLiteral(std::string_view text, const DataType& target,
                                   const EvalContext& ctx);

}  // namespace strata::sql::functions
