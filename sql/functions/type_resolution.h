#pragma once

#include <span>
#include <string_view>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"

namespace strata::sql::functions {

// The static type of an argument expression during binding. String
// literals and bare NULLs have PostgreSQL's pseudo-type 'unknown' until
// resolution picks a type for them: set `unknown_literal` (then `type` is
// ignored). Everything else carries its DataType.
struct ArgType {
  DataType type;
  bool unknown_literal = false;

  static ArgType Of(DataType t) { return ArgType{t, false}; }
  static ArgType Of(TypeId id) { return ArgType{DataType::Of(id), false}; }
  static ArgType Unknown() { return ArgType{DataType::Of(TypeId::kText), true}; }
  // "integer", "character varying(10)", or "unknown".
  std::string ToString() const;
};

// PostgreSQL's pg_type.typcategory for our types: 'B' bool, 'N' numeric
// (int2/4/8, float4/8, numeric), 'S' string (text, varchar, bpchar), 'D'
// date/time (date, time, timestamp, timestamptz), 'T' timespan (interval),
// 'U' user (bytea, uuid, json, jsonb), 'A' array, 'X' unknown.
char TypeCategory(TypeId id);
// pg_type.typispreferred: float8, text, timestamptz, interval.
bool IsPreferredType(TypeId id);

// The cast context in which a conversion is allowed (pg_cast.castcontext).
enum class CastContext {
  kImplicit,    // in expressions (function/operator argument coercion)
  kAssignment,  // INSERT/UPDATE target columns
  kExplicit,    // CAST(x AS t), x::t
};

// Whether a value of `from` may be converted to `to` in `context`
// (PostgreSQL's can_coerce_type): the same base type (typmods ignored),
// an unknown literal to anything, or a pg_cast entry allowed in `context`
// (text I/O casts count: anything -> string types is assignment, string ->
// anything is explicit).
bool CanCoerce(const ArgType& from, const DataType& to, CastContext context);

// PostgreSQL's select_common_type for UNION, CASE, COALESCE, GREATEST,
// LEAST, VALUES, IN lists and ARRAY[]: all unknown -> text; otherwise the
// first known type's category must be shared by all known inputs (else
// 42804 "<context> types integer and text cannot be matched"), the
// preferred type wins, else the type every other input implicitly casts to.
// `context` is the SQL construct name used in the message ("CASE",
// "COALESCE", "UNION", ...). Typmods are kept only if all inputs agree.
// REQUIRES: !types.empty().
Result<DataType> SelectCommonType(std::span<const ArgType> types, std::string_view context);

// Three-way comparison of two non-null values whose types are comparable
// with PostgreSQL's btree operators, including cross-type pairs: any two
// numeric-category types (int vs numeric vs float compared exactly as
// PostgreSQL: int/numeric exactly, float vs numeric via numeric), string
// types (bpchar ignores trailing spaces), date vs timestamp vs timestamptz,
// and same-type pairs of everything else (arrays element-wise). For
// GREATEST/LEAST, sorting and the comparison operators. Returns <0, 0, >0;
// 42883 when the types are not comparable.
// REQUIRES: !a.is_null() && !b.is_null().
Result<int> CompareValues(const Value& a, const Value& b);

}  // namespace strata::sql::functions
