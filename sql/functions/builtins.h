#pragma once

// Internal to sql/functions: the static catalog of built-in functions,
// operators and aggregates, and helpers shared by their implementations.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/registry.h"

namespace strata::sql::functions::internal {

// A parameter or result type in a catalog entry: a concrete type, or one of
// PostgreSQL's polymorphic pseudo-types.
enum class Poly : uint8_t {
  kNone,         // `type` is concrete
  kAnyElement,   // any type
  kAnyNonArray,  // any non-array type
  kAnyArray,     // any array type
  kAny,          // "any": no coercion, no consistency (concat)
  // anycompatible / anycompatiblearray: the arguments are coerced to their
  // common type (SelectCommonType), e.g. int8[] || int4 -> int8[].
  kAnyCompatible,
  kAnyCompatibleArray,
};

struct ParamType {
  TypeId id = TypeId::kInvalid;
  Poly poly = Poly::kNone;
};

// For results: a fixed type, or derived from the polymorphic arguments.
enum class ReturnRule : uint8_t {
  kFixed,            // `ret`
  kPolyElement,      // the resolved anyelement/anynonarray type
  kPolyArray,        // array of the resolved element type
  kCompatibleArray,  // array of the anycompatible common type
  kTextArray,        // text[]
};

// One pg_proc / pg_operator row.
struct FunctionDef {
  std::string_view name;  // lower case; operators by symbol; prefix operators are "-u", "+u"
  std::vector<ParamType> params;
  TypeId ret = TypeId::kInvalid;
  ScalarFn fn = nullptr;
  bool strict = true;
  Volatility volatility = Volatility::kImmutable;
  ReturnRule return_rule = ReturnRule::kFixed;
  bool variadic_any = false;  // params.back() repeats (concat, concat_ws)
};

struct AggregateDef {
  std::string_view name;
  std::vector<ParamType> params;
  TypeId ret = TypeId::kInvalid;
  ReturnRule return_rule = ReturnRule::kFixed;
  bool strict = true;
  std::unique_ptr<AggregateState> (*new_state)(const ResolvedAggregate&) = nullptr;
};

// Registration, one per source file.
void AddOperators(std::vector<FunctionDef>* defs);
void AddStringFunctions(std::vector<FunctionDef>* defs);
void AddMathFunctions(std::vector<FunctionDef>* defs);
void AddDateTimeFunctions(std::vector<FunctionDef>* defs);
void AddJsonFunctions(std::vector<FunctionDef>* defs);
void AddArrayFunctions(std::vector<FunctionDef>* defs);
void AddArrayOperators(std::vector<FunctionDef>* defs);
void AddAggregates(std::vector<AggregateDef>* defs);

// Shorthands for catalog tables.
inline ParamType P(TypeId id) { return ParamType{id, Poly::kNone}; }
inline ParamType AnyElement() { return ParamType{TypeId::kInvalid, Poly::kAnyElement}; }
inline ParamType AnyNonArray() { return ParamType{TypeId::kInvalid, Poly::kAnyNonArray}; }
inline ParamType AnyArray() { return ParamType{TypeId::kInvalid, Poly::kAnyArray}; }
inline ParamType Any() { return ParamType{TypeId::kInvalid, Poly::kAny}; }
inline ParamType AnyCompatible() { return ParamType{TypeId::kInvalid, Poly::kAnyCompatible}; }
inline ParamType AnyCompatibleArray() {
  return ParamType{TypeId::kInvalid, Poly::kAnyCompatibleArray};
}

// Error helpers with PostgreSQL's messages.
Status OutOfRange(TypeId int_type);  // "smallint/integer/bigint out of range"
Status DivisionByZero();
Status FloatOverflow();   // "value out of range: overflow"
Status FloatUnderflow();  // "value out of range: underflow"

// Range-checked int result of `type`.
Status MakeInt(TypeId type, __int128 v, Value* out);
// Float result of `type` with PostgreSQL's overflow/underflow checks
// (float_overflow_error when the result is infinite but no input was).
Status MakeFloat(TypeId type, double v, bool inputs_inf, bool zero_ok, Value* out);

// UTF-8 helpers.
size_t Utf8Length(std::string_view s);
// Byte offset of character index `chars` (clamped to s.size()).
size_t Utf8Offset(std::string_view s, int64_t chars);

// Text of a value via the output function (what concat() and ::text via I/O
// print); bool prints 't'/'f'.
Result<std::string> OutputText(const Value& v, const EvalContext& ctx);
// Text of a value as its cast to text (bool prints 'true'/'false', bpchar
// loses trailing spaces): what anytextcat/textanycat use.
Result<std::string> CastToText(const Value& v, const EvalContext& ctx);

// lower() of UTF-8 text: Unicode case mapping as a C.UTF-8 database.
std::string Utf8Lower(std::string_view s);

// Lower-cased ASCII copy.
std::string AsciiLower(std::string_view s);

// Square root of a non-negative numeric rounded to `rscale` digits
// (PostgreSQL's sqrt_var). REQUIRES: !a.is_negative(), !a.is_nan().
Result<Numeric> NumericSqrt(const Numeric& a, int32_t rscale);

// Timestamp of a date (midnight), keeping infinities.
int64_t DateToTimestamp(int32_t days);

}  // namespace strata::sql::functions::internal
