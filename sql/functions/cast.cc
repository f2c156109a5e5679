#include "sql/functions/cast.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "common/datetime.h"
#include "common/value_text.h"
#include "sql/functions/builtins.h"

namespace strata::sql::functions {
namespace {

using internal::OutOfRange;

// ---- length coercion (typmod) --------------------------------------------

// varchar(n) / char(n) as PostgreSQL's varchar() / bpchar() length-coercion
// functions: explicit casts truncate; otherwise only trailing spaces may be
// cut, else 22001.
Status CoerceCharLength(const Value& in, const DataType& target, bool is_explicit, Value* out) {
  const int32_t max_chars = CharLength(target);
  std::string s(in.string_value());
  if (max_chars >= 0) {
    const size_t count = internal::Utf8Length(s);
    if (count > static_cast<size_t>(max_chars)) {
      const size_t cut = internal::Utf8Offset(s, max_chars);
      if (!is_explicit && s.find_first_not_of(' ', cut) != std::string::npos) {
        return Status(SqlState::kStringDataRightTruncation,
                      "value too long for type " + target.ToString());
      }
      s.resize(cut);
    } else if (target.id == TypeId::kBpchar) {
      s.append(static_cast<size_t>(max_chars) - count, ' ');
    }
  }
  *out = Value::String(target.id, std::move(s));
  return Status::OK();
}

int64_t RoundToPrecision(int64_t micros, int32_t typmod) {
  if (typmod < 0 || typmod >= 6) return micros;
  int64_t unit = 1;
  for (int i = typmod; i < 6; ++i) unit *= 10;
  const int64_t half = unit / 2;
  return micros >= 0 ? (micros + half) / unit * unit : -((-micros + half) / unit * unit);
}

// Applies target's typmod to a value already of target.id.
Status ApplyTypmod(const Value& in, const DataType& target, bool is_explicit, Value* out) {
  if (in.is_null() || target.typmod < 0) {
    *out = in;
    return Status::OK();
  }
  switch (target.id) {
    case TypeId::kVarchar:
    case TypeId::kBpchar:
      return CoerceCharLength(in, target, is_explicit, out);
    case TypeId::kNumeric: {
      STRATA_ASSIGN_OR_RETURN(Numeric n, in.numeric_value().ApplyTypmod(target.typmod));
      *out = Value::FromNumeric(std::move(n));
      return Status::OK();
    }
    case TypeId::kTime:
      *out = Value::Time(std::min(RoundToPrecision(in.time_value(), target.typmod), kMicrosPerDay));
      return Status::OK();
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      int64_t v = in.timestamp_value();
      if (IsFiniteTimestamp(v)) v = RoundToPrecision(v, target.typmod);
      *out = target.id == TypeId::kTimestamp ? Value::Timestamp(v) : Value::TimestampTz(v);
      return Status::OK();
    }
    case TypeId::kArray: {
      std::vector<Value> elements;
      elements.reserve(in.array_elements().size());
      const DataType element_type = target.ElementType();
      for (const Value& e : in.array_elements()) {
        Value c;
        STRATA_RETURN_IF_ERROR(ApplyTypmod(e, element_type, is_explicit, &c));
        elements.push_back(std::move(c));
      }
      *out = Value::Array(target.element, std::move(elements));
      return Status::OK();
    }
    default:
      *out = in;
      return Status::OK();
  }
}

// ---- conversion functions ------------------------------------------------

Status IdentityCast(const Value& in, const DataType& target, bool is_explicit, EvalContext&,
                    Value* out) {
  return ApplyTypmod(in, target, is_explicit, out);
}

// Binary-coercible string conversions (text <-> varchar <-> bpchar). A
// bpchar source loses its trailing spaces unless the target is bpchar.
Status StringCast(const Value& in, const DataType& target, bool is_explicit, EvalContext&,
                  Value* out) {
  std::string_view s = in.string_value();
  if (in.type() == TypeId::kBpchar && target.id != TypeId::kBpchar) {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  }
  return ApplyTypmod(Value::String(target.id, std::string(s)), target, is_explicit, out);
}

Status IntToInt(const Value& in, const DataType& target, bool, EvalContext&, Value* out) {
  return internal::MakeInt(target.id, in.int_value(), out);
}

Status IntToFloat(const Value& in, const DataType& target, bool, EvalContext&, Value* out) {
  const double v = static_cast<double>(in.int_value());
  *out = target.id == TypeId::kFloat4 ? Value::Float4(static_cast<float>(in.int_value()))
                                      : Value::Float8(v);
  return Status::OK();
}

Status IntToNumeric(const Value& in, const DataType& target, bool is_explicit, EvalContext&,
                    Value* out) {
  return ApplyTypmod(Value::FromNumeric(Numeric::FromInt64(in.int_value())), target, is_explicit,
                     out);
}

Status FloatToInt(const Value& in, const DataType& target, bool, EvalContext&, Value* out) {
  const double v = std::rint(in.float_value());
  // The bounds are exact powers of two, so the comparisons are exact.
  const double lo = target.id == TypeId::kInt2   ? -32768.0
                    : target.id == TypeId::kInt4 ? -2147483648.0
                                                 : -9223372036854775808.0;
  if (std::isnan(v) || v < lo || v >= -lo) return OutOfRange(target.id);
  *out = Value::Int(target.id, static_cast<int64_t>(v));
  return Status::OK();
}

Status FloatToFloat(const Value& in, const DataType& target, bool, EvalContext&, Value* out) {
  const double v = in.float_value();
  if (target.id == TypeId::kFloat8) {
    *out = Value::Float8(v);
    return Status::OK();
  }
  const float f = static_cast<float>(v);
  if (std::isinf(f) && !std::isinf(v)) return internal::FloatOverflow();
  if (f == 0.0f && v != 0.0) return internal::FloatUnderflow();
  *out = Value::Float4(f);
  return Status::OK();
}

Status FloatToNumeric(const Value& in, const DataType& target, bool is_explicit, EvalContext&,
                      Value* out) {
  const double v = in.float_value();
  if (std::isinf(v)) {
    return Status::NotSupported("cannot convert infinity to numeric");
  }
  Result<Numeric> n = in.type() == TypeId::kFloat4 ? Numeric::FromFloat(static_cast<float>(v))
                                                   : Numeric::FromDouble(v);
  if (!n.ok()) return n.status();
  return ApplyTypmod(Value::FromNumeric(std::move(n).value()), target, is_explicit, out);
}

Status NumericToInt(const Value& in, const DataType& target, bool, EvalContext&, Value* out) {
  const Numeric& n = in.numeric_value();
  if (n.is_nan()) {
    const char* name = target.id == TypeId::kInt2   ? "smallint"
                       : target.id == TypeId::kInt4 ? "integer"
                                                    : "bigint";
    return Status::NotSupported(std::string("cannot convert NaN to ") + name);
  }
  Result<int64_t> v = n.ToInt64();
  if (!v.ok()) return OutOfRange(target.id);
  return internal::MakeInt(target.id, *v, out);
}

Status NumericToFloat(const Value& in, const DataType& target, bool, EvalContext&, Value* out) {
  const double v = in.numeric_value().ToDouble();
  if (target.id == TypeId::kFloat8) {
    if (std::isinf(v)) return internal::FloatOverflow();
    *out = Value::Float8(v);
    return Status::OK();
  }
  const float f = static_cast<float>(v);
  if (std::isinf(f)) return internal::FloatOverflow();
  *out = Value::Float4(f);
  return Status::OK();
}

Status BoolToInt(const Value& in, const DataType&, bool, EvalContext&, Value* out) {
  *out = Value::Int4(in.bool_value() ? 1 : 0);
  return Status::OK();
}

Status IntToBool(const Value& in, const DataType&, bool, EvalContext&, Value* out) {
  *out = Value::Bool(in.int_value() != 0);
  return Status::OK();
}

// timestamptz values convert to and from date/timestamp/time in the session
// time zone.
Status DateToTimestampCast(const Value& in, const DataType& target, bool is_explicit, EvalContext& ctx,
                           Value* out) {
  const int32_t d = in.date_value();
  if (IsFiniteDate(d) && (d < -2451545 + 0 || d >= 109203528)) {
    // 294277-01-01 is day 109203528 after 2000-01-01.
    return Status(SqlState::kDatetimeFieldOverflow, "date out of range for timestamp");
  }
  const int64_t ts = internal::DateToTimestamp(d);
  const Value v = target.id == TypeId::kTimestamp ? Value::Timestamp(ts)
                                                  : Value::TimestampTz(LocalToTimestampTz(ts, ctx.zone()));
  return ApplyTypmod(v, target, is_explicit, out);
}

// A timestamp(tz) as wall-clock time (timestamptz in the session zone).
int64_t WallClock(const Value& in, const EvalContext& ctx) {
  return in.type() == TypeId::kTimestampTz ? TimestampTzToLocal(in.timestamp_value(), ctx.zone())
                                           : in.timestamp_value();
}

Status TimestampToDate(const Value& in, const DataType&, bool, EvalContext& ctx, Value* out) {
  const int64_t ts = WallClock(in, ctx);
  if (ts == kTimestampPositiveInfinity) {
    *out = Value::Date(kDatePositiveInfinity);
  } else if (ts == kTimestampNegativeInfinity) {
    *out = Value::Date(kDateNegativeInfinity);
  } else {
    int64_t days = ts / kMicrosPerDay;
    if (ts % kMicrosPerDay < 0) --days;
    *out = Value::Date(static_cast<int32_t>(days));
  }
  return Status::OK();
}

Status TimestampToTimestamp(const Value& in, const DataType& target, bool is_explicit, EvalContext& ctx,
                            Value* out) {
  const Value v = target.id == TypeId::kTimestamp
                      ? Value::Timestamp(WallClock(in, ctx))
                      : Value::TimestampTz(in.type() == TypeId::kTimestamp
                                               ? LocalToTimestampTz(in.timestamp_value(), ctx.zone())
                                               : in.timestamp_value());
  return ApplyTypmod(v, target, is_explicit, out);
}

Status TimestampToTime(const Value& in, const DataType& target, bool is_explicit, EvalContext& ctx,
                       Value* out) {
  const int64_t ts = WallClock(in, ctx);
  if (!IsFiniteTimestamp(ts)) {
    *out = Value::Null(TypeId::kTime);
    return Status::OK();
  }
  int64_t t = ts % kMicrosPerDay;
  if (t < 0) t += kMicrosPerDay;
  return ApplyTypmod(Value::Time(t), target, is_explicit, out);
}

Status IntervalToTime(const Value& in, const DataType& target, bool is_explicit, EvalContext&,
                      Value* out) {
  int64_t t = in.interval_value().micros % kMicrosPerDay;
  if (t < 0) t += kMicrosPerDay;
  return ApplyTypmod(Value::Time(t), target, is_explicit, out);
}

Status TimeToInterval(const Value& in, const DataType&, bool, EvalContext&, Value* out) {
  *out = Value::FromInterval(Interval{0, 0, in.time_value()});
  return Status::OK();
}

Status JsonToJsonb(const Value& in, const DataType&, bool, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(std::string normalized, NormalizeJsonb(in.string_value()));
  *out = Value::String(TypeId::kJsonb, std::move(normalized));
  return Status::OK();
}

// jsonb -> bool/number casts (PostgreSQL 11+): the document must be a
// scalar of the matching JSON type.
Status JsonbToScalar(const Value& in, const DataType& target, bool is_explicit, EvalContext& ctx,
                     Value* out) {
  std::string_view s = in.string_value();
  const char c = s.empty() ? 'n' : s[0];
  const char* kind = c == '{'                 ? "object"
                     : c == '['               ? "array"
                     : c == '"'               ? "string"
                     : (c == 't' || c == 'f') ? "boolean"
                     : c == 'n'               ? "null"
                                              : "numeric";
  const bool want_bool = target.id == TypeId::kBool;
  if (want_bool ? std::string_view(kind) != "boolean" : std::string_view(kind) != "numeric") {
    return Status(SqlState::kInvalidParameterValue,
                  std::string("cannot cast jsonb ") + kind + " to type " + target.ToString());
  }
  if (want_bool) {
    *out = Value::Bool(c == 't');
    return Status::OK();
  }
  STRATA_ASSIGN_OR_RETURN(Numeric n, Numeric::Parse(s));
  const Value number = Value::FromNumeric(std::move(n));
  if (target.id == TypeId::kNumeric) return ApplyTypmod(number, target, is_explicit, out);
  if (IsIntegerType(target.id)) return NumericToInt(number, target, is_explicit, ctx, out);
  return NumericToFloat(number, target, is_explicit, ctx, out);
}

Status JsonbToJson(const Value& in, const DataType&, bool, EvalContext&, Value* out) {
  *out = Value::String(TypeId::kJson, std::string(in.string_value()));
  return Status::OK();
}

// Casts to a string type through the source's text form (bool -> 'true').
Status ToStringCast(const Value& in, const DataType& target, bool is_explicit, EvalContext& ctx,
                    Value* out) {
  STRATA_ASSIGN_OR_RETURN(std::string text, internal::CastToText(in, ctx));
  return ApplyTypmod(Value::String(target.id, std::move(text)), target, is_explicit, out);
}

// Casts from a string type through the target's input function.
Status FromStringCast(const Value& in, const DataType& target, bool is_explicit, EvalContext& ctx,
                      Value* out) {
  const TextInputContext text_ctx = ctx.text_input();
  std::string_view s = in.string_value();
  DataType untyped = target;
  untyped.typmod = -1;
  STRATA_ASSIGN_OR_RETURN(Value v, ParseText(untyped, s, &text_ctx));
  return ApplyTypmod(v, target, is_explicit, out);
}

// Element-wise array conversion; the element cast is resolved per call.
Status ArrayCast(const Value& in, const DataType& target, bool is_explicit, EvalContext& ctx,
                 Value* out) {
  const DataType from_element = DataType::Of(in.array_element_type());
  Result<ResolvedCast> element_cast =
      ResolveCast(ArgType::Of(from_element), target.ElementType(),
                  is_explicit ? CastContext::kExplicit : CastContext::kAssignment);
  if (!element_cast.ok()) return element_cast.status();
  std::vector<Value> elements;
  elements.reserve(in.array_elements().size());
  for (const Value& e : in.array_elements()) {
    Value c;
    STRATA_RETURN_IF_ERROR(element_cast->Apply(e, ctx, &c));
    elements.push_back(std::move(c));
  }
  *out = Value::Array(target.element, std::move(elements));
  return Status::OK();
}

// One pg_cast row (or an I/O conversion): the context it needs and its fn.
struct Pathway {
  CastContext context;
  CastFn fn;
};

bool IsInt(TypeId t) { return IsIntegerType(t); }
bool IsFloat(TypeId t) { return IsFloatType(t); }
bool IsString(TypeId t) { return IsStringType(t); }

int IntRank(TypeId t) { return t == TypeId::kInt2 ? 0 : (t == TypeId::kInt4 ? 1 : 2); }

// The pg_cast matrix for distinct scalar types (from PostgreSQL 15's catalog).
std::optional<Pathway> FindPathway(TypeId from, TypeId to) {
  constexpr CastContext kI = CastContext::kImplicit;
  constexpr CastContext kA = CastContext::kAssignment;
  constexpr CastContext kE = CastContext::kExplicit;
  if (IsInt(from) && IsInt(to)) return Pathway{IntRank(from) < IntRank(to) ? kI : kA, IntToInt};
  if (IsInt(from) && IsFloat(to)) return Pathway{kI, IntToFloat};
  if (IsInt(from) && to == TypeId::kNumeric) return Pathway{kI, IntToNumeric};
  if (IsFloat(from) && IsInt(to)) return Pathway{kA, FloatToInt};
  if (IsFloat(from) && IsFloat(to)) {
    return Pathway{from == TypeId::kFloat4 ? kI : kA, FloatToFloat};
  }
  if (IsFloat(from) && to == TypeId::kNumeric) return Pathway{kA, FloatToNumeric};
  if (from == TypeId::kNumeric && IsInt(to)) return Pathway{kA, NumericToInt};
  if (from == TypeId::kNumeric && IsFloat(to)) return Pathway{kI, NumericToFloat};
  if (from == TypeId::kBool && to == TypeId::kInt4) return Pathway{kE, BoolToInt};
  if (from == TypeId::kInt4 && to == TypeId::kBool) return Pathway{kE, IntToBool};
  if (IsString(from) && IsString(to)) return Pathway{kI, StringCast};
  if (from == TypeId::kDate && IsTimestampType(to)) return Pathway{kI, DateToTimestampCast};
  if (IsTimestampType(from) && to == TypeId::kDate) return Pathway{kA, TimestampToDate};
  if (from == TypeId::kTimestamp && to == TypeId::kTimestampTz) {
    return Pathway{kI, TimestampToTimestamp};
  }
  if (from == TypeId::kTimestampTz && to == TypeId::kTimestamp) {
    return Pathway{kA, TimestampToTimestamp};
  }
  if (IsTimestampType(from) && to == TypeId::kTime) return Pathway{kA, TimestampToTime};
  if (from == TypeId::kInterval && to == TypeId::kTime) return Pathway{kA, IntervalToTime};
  if (from == TypeId::kTime && to == TypeId::kInterval) return Pathway{kI, TimeToInterval};
  if (from == TypeId::kJson && to == TypeId::kJsonb) return Pathway{kA, JsonToJsonb};
  if (from == TypeId::kJsonb && to == TypeId::kJson) return Pathway{kA, JsonbToJson};
  if (from == TypeId::kJsonb &&
      (to == TypeId::kBool || IsInt(to) || IsFloat(to) || to == TypeId::kNumeric)) {
    return Pathway{kE, JsonbToScalar};
  }
  // I/O conversion casts: to a string type in assignment, from one explicitly.
  if (IsString(to)) return Pathway{kA, ToStringCast};
  if (IsString(from)) return Pathway{kE, FromStringCast};
  return std::nullopt;
}

std::optional<Pathway> FindTypePathway(const DataType& from, const DataType& to) {
  if (from.is_array() || to.is_array()) {
    if (from.is_array() && to.is_array()) {
      if (from.element == to.element) return Pathway{CastContext::kImplicit, IdentityCast};
      std::optional<Pathway> element = FindPathway(from.element, to.element);
      if (!element) return std::nullopt;
      return Pathway{element->context, ArrayCast};
    }
    if (to.is_array()) {
      if (IsString(from.id)) return Pathway{CastContext::kExplicit, FromStringCast};
      return std::nullopt;
    }
    if (IsString(to.id)) return Pathway{CastContext::kAssignment, ToStringCast};
    return std::nullopt;
  }
  if (from.id == to.id) return Pathway{CastContext::kImplicit, IdentityCast};
  return FindPathway(from.id, to.id);
}

bool Allowed(CastContext needed, CastContext given) {
  return static_cast<int>(needed) <= static_cast<int>(given);
}

// An unknown literal: the target's input function without the typmod, then
// the length coercion with the cast's explicitness ('abcdef'::varchar(3) is
// 'abc', while assigning it to a varchar(3) column fails).
Status UnknownLiteralCast(const Value& in, const DataType& target, bool is_explicit,
                          EvalContext& ctx, Value* out) {
  DataType untyped = target;
  untyped.typmod = -1;
  STRATA_ASSIGN_OR_RETURN(Value v, CoerceUnknownLiteral(in.string_value(), untyped, ctx));
  return ApplyTypmod(v, target, is_explicit, out);
}

}  // namespace

bool CanCoerce(const ArgType& from, const DataType& to, CastContext context) {
  if (from.unknown_literal) return true;
  std::optional<Pathway> p = FindTypePathway(from.type, to);
  return p && Allowed(p->context, context);
}

Status ResolvedCast::Apply(const Value& in, EvalContext& ctx, Value* out) const {
  if (in.is_null()) {
    *out = Value::Null(target.id);
    return Status::OK();
  }
  return fn(in, target, is_explicit, ctx, out);
}

Result<ResolvedCast> ResolveCast(const ArgType& from, const DataType& to, CastContext context) {
  ResolvedCast cast;
  cast.target = to;
  cast.is_explicit = context == CastContext::kExplicit;
  if (from.unknown_literal) {
    cast.fn = UnknownLiteralCast;
    return cast;
  }
  std::optional<Pathway> p = FindTypePathway(from.type, to);
  if (!p || !Allowed(p->context, context)) {
    return Status(SqlState("42846"),
                  "cannot cast type " + from.type.ToString() + " to " + to.ToString());
  }
  cast.fn = p->fn;
  cast.is_noop = p->fn == IdentityCast && (to.typmod < 0 || to.typmod == from.type.typmod);
  return cast;
}

Result<Value> CoerceUnknownLiteral(std::string_view text, const DataType& target,
                                   const EvalContext& ctx) {
  const TextInputContext text_ctx = ctx.text_input();
  return ParseText(target, text, &text_ctx);
}

}  // namespace strata::sql::functions
