#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "sql/functions/eval_context.h"
#include "sql/functions/type_resolution.h"

namespace strata::sql::functions {

// A row-at-a-time scalar function or operator implementation. `args` are
// already converted to the resolved argument types (ResolvedFunction::
// arg_types). For strict functions no argument is NULL (the caller checks);
// non-strict ones (concat, concat_ws) see NULLs. Writes the result, of the
// resolved return type's TypeId (or NULL), to *out. Thread-safe as long as
// each thread uses its own EvalContext.
using ScalarFn = Status (*)(std::span<const Value> args, EvalContext& ctx, Value* out);

// pg_proc.provolatile: whether the planner may fold a call with constant
// arguments at plan time (kImmutable), once per statement (kStable), or
// never (kVolatile: random(), clock_timestamp(), gen_random_uuid()).
enum class Volatility { kImmutable, kStable, kVolatile };

// The outcome of resolving a function call or operator. Points into the
// static registry; valid for the life of the process.
struct ResolvedFunction {
  // Canonical name ("substr", "int4pl" is not used: operators carry their
  // symbol, e.g. "+").
  std::string_view name;
  ScalarFn fn = nullptr;
  DataType return_type;
  // The type the caller must convert each argument to (with ResolveCast in
  // kImplicit context, or CoerceUnknownLiteral for unknown literals) before
  // calling fn. Same length as the call's argument list. For variadic
  // functions (concat, concat_ws) one entry per actual argument.
  std::vector<DataType> arg_types;
  // NULL in any argument -> NULL result, without calling fn.
  bool strict = true;
  Volatility volatility = Volatility::kImmutable;

  // Calls fn with the NULL rule applied.
  Status Invoke(std::span<const Value> args, EvalContext& ctx, Value* out) const;
};

// Resolves a function call by name (case-insensitive; a "pg_catalog."
// prefix is accepted) and argument types, following PostgreSQL's
// func_select_candidate (manual section 10.3): exact match, then
// candidates reachable by implicit casts, then most exact matches, most
// preferred-type coercions, unknown-literal category heuristics (string
// category first), and "unknowns take the type of the known arguments".
//
// Besides the ordinary functions this covers the forms the PostgreSQL
// grammar rewrites into calls: extract(field from x) -> extract('field', x),
// substring(s from a for b) -> substring(s, a, b), position(a in b) ->
// position(b, a), trim(both/leading/trailing c from s) -> btrim/ltrim/
// rtrim(s, c), overlay is not supported; the SQLValueFunctions
// current_timestamp, current_date, localtimestamp, localtime are
// resolvable as zero-argument functions (current_time needs timetz: not
// supported). like_escape(pattern, escape) turns a LIKE ... ESCAPE pattern
// into the default-escape form.
//
// Functions: strings (lower upper initcap length char_length
// character_length octet_length substr substring position strpos replace
// btrim ltrim rtrim split_part concat concat_ws left right lpad rpad repeat
// reverse translate starts_with ascii chr to_hex md5 regexp_replace),
// math (abs sign round trunc floor ceil ceiling mod div power pow sqrt cbrt
// exp ln log log10 sin cos tan asin acos atan atan2 degrees radians pi
// random gen_random_uuid), date/time (now current_timestamp
// transaction_timestamp statement_timestamp clock_timestamp localtimestamp
// localtime current_date date_trunc extract date_part age make_date
// make_timestamp justify_days justify_hours justify_interval isfinite
// to_timestamp to_date to_char), json (to_json to_jsonb json_build_object
// jsonb_build_object json_build_array jsonb_build_array json_typeof
// jsonb_typeof json_array_length jsonb_array_length), arrays (array_length
// array_lower array_upper array_ndims cardinality array_to_string
// string_to_array array_append array_prepend array_cat array_position
// array_remove). The catalog's exact signatures mirror pg_proc.
//
// Not here (binder's job): coalesce, nullif, greatest, least (use
// SelectCommonType + CompareValues), pg_typeof, CASE, IS [NOT] DISTINCT,
// and function-style casts: when this returns 42883 for a one-argument
// call whose name is a type (int4(x), text(x), date(ts)), PostgreSQL
// treats it as CAST(x AS type) if ResolveCast(..., kExplicit) succeeds.
//
// Errors: 42883 "function foo(integer) does not exist" with hint "No
// function matches the given name and argument types. You might need to
// add explicit type casts."; 42725 "function foo(unknown) is not unique"
// with hint "Could not choose a best candidate function. You might need to
// add explicit type casts."
Result<ResolvedFunction> ResolveFunction(std::string_view name, std::span<const ArgType> args);

// Resolves a prefix (left = nullopt) or binary operator symbol, following
// manual section 10.2 (with the rule that an unknown operand is first
// assumed to have the other operand's type). Symbols: + - * / % ^ (and
// prefix - + ~), & | # << >> (integers), = <> != < <= > >=, || (text,
// bytea, text with any non-array, arrays), ~~ !~~ ~~* !~~* (LIKE/ILIKE),
// ~ ~* !~ !~* (regular expressions, ECMAScript syntax rather than
// PostgreSQL's ARE), -> ->> (json/jsonb), @> <@ && (arrays). "!=" is
// accepted as "<>".
// Errors: 42883 "operator does not exist: integer + text" (hint "No
// operator matches the given name and argument types. You might need to add
// explicit type casts."); 42725 "operator is not unique: unknown + unknown".
Result<ResolvedFunction> ResolveOperator(std::string_view op, std::optional<ArgType> left,
                                         ArgType right);

// True if a function (any arity) or aggregate of this name exists; lets the
// binder tell a misspelled function from a wrong-argument call.
bool FunctionNameExists(std::string_view name);

// One built-in function or aggregate, as pg_proc lists it. Polymorphic
// parameters and results carry the pseudo-type OIDs (anyelement 2283,
// anyarray 2277, ...).
struct FunctionListing {
  std::string name;
  std::vector<uint32_t> arg_type_oids;
  uint32_t return_type_oid = 0;
  bool is_aggregate = false;
  bool strict = true;
  bool variadic = false;
  Volatility volatility = Volatility::kImmutable;
};

// Every built-in function and aggregate (operators excluded), sorted by
// name, then by argument types.
std::vector<FunctionListing> ListFunctions();

}  // namespace strata::sql::functions
