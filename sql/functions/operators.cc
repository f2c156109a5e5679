// Built-in operators: arithmetic, comparison, concatenation, pattern
// matching, date/time arithmetic and json access, with PostgreSQL 15's
// operand/result types (pg_operator) and error behaviour.

#include <algorithm>
#include <cmath>
#include <list>
#include <memory>
#include <regex>
#include <string>
#include <unordered_map>

#include "common/datetime.h"
#include "sql/functions/builtins.h"
#include "sql/functions/json_path.h"

namespace strata::sql::functions::internal {

// Defined in scalar_math.cc: numeric ^ numeric.
Status NumericPower(const Numeric& base, const Numeric& exp, Numeric* out);
// Defined in scalar_string.cc: the shared regex cache.
Result<const std::regex*> CompiledRegex(std::string_view pattern, bool icase);

namespace {

using Args = std::span<const Value>;

int IntRank(TypeId t) { return t == TypeId::kInt2 ? 0 : (t == TypeId::kInt4 ? 1 : 2); }
TypeId WiderInt(TypeId a, TypeId b) { return IntRank(a) >= IntRank(b) ? a : b; }

// ---- integer arithmetic ---------------------------------------------------

template <char kOp>
Status IntArith(Args args, EvalContext&, Value* out) {
  const TypeId t = WiderInt(args[0].type(), args[1].type());
  const __int128 a = args[0].int_value();
  const __int128 b = args[1].int_value();
  switch (kOp) {
    case '+':
      return MakeInt(t, a + b, out);
    case '-':
      return MakeInt(t, a - b, out);
    case '*':
      return MakeInt(t, a * b, out);
    case '/':
      if (b == 0) return DivisionByZero();
      return MakeInt(t, a / b, out);
    default:
      if (b == 0) return DivisionByZero();
      return MakeInt(t, a % b, out);
  }
}

Status IntNegate(Args args, EvalContext&, Value* out) {
  return MakeInt(args[0].type(), -static_cast<__int128>(args[0].int_value()), out);
}

template <char kOp>
Status IntBitwise(Args args, EvalContext&, Value* out) {
  const TypeId t = args[0].type();
  const int64_t a = args[0].int_value();
  const int64_t b = args[1].int_value();
  const int bits = t == TypeId::kInt2 ? 16 : (t == TypeId::kInt4 ? 32 : 64);
  int64_t r;
  switch (kOp) {
    case '&':
      r = a & b;
      break;
    case '|':
      r = a | b;
      break;
    case '#':
      r = a ^ b;
      break;
    case '<':
      // C shift semantics in the operand's width (count modulo the width,
      // as x86 does for PostgreSQL's int4shl).
      r = static_cast<int64_t>(static_cast<uint64_t>(a)
                               << (static_cast<uint64_t>(b) % static_cast<uint64_t>(bits)));
      break;
    default:
      r = a >> (static_cast<uint64_t>(b) % static_cast<uint64_t>(bits));
      break;
  }
  // Wrap to the operand width, as C arithmetic on int16/int32 does.
  if (bits == 16) r = static_cast<int16_t>(r);
  if (bits == 32) r = static_cast<int32_t>(r);
  *out = Value::Int(t, r);
  return Status::OK();
}

Status IntNot(Args args, EvalContext&, Value* out) {
  *out = Value::Int(args[0].type(), ~args[0].int_value());
  return Status::OK();
}

Status Identity(Args args, EvalContext&, Value* out) {
  *out = args[0];
  return Status::OK();
}

// ---- float arithmetic -------------------------------------------------------

template <char kOp>
Status FloatArith(Args args, EvalContext&, Value* out) {
  const bool single = args[0].type() == TypeId::kFloat4 && args[1].type() == TypeId::kFloat4;
  const TypeId t = single ? TypeId::kFloat4 : TypeId::kFloat8;
  const double a = args[0].float_value();
  const double b = args[1].float_value();
  const bool inf = std::isinf(a) || std::isinf(b);
  double r;
  switch (kOp) {
    case '+':
      r = single ? static_cast<double>(static_cast<float>(a) + static_cast<float>(b)) : a + b;
      return MakeFloat(t, r, inf, true, out);
    case '-':
      r = single ? static_cast<double>(static_cast<float>(a) - static_cast<float>(b)) : a - b;
      return MakeFloat(t, r, inf, true, out);
    case '*':
      r = single ? static_cast<double>(static_cast<float>(a) * static_cast<float>(b)) : a * b;
      return MakeFloat(t, r, inf, a == 0.0 || b == 0.0, out);
    default:
      if (b == 0.0 && !std::isnan(a)) return DivisionByZero();
      r = single ? static_cast<double>(static_cast<float>(a) / static_cast<float>(b)) : a / b;
      return MakeFloat(t, r, std::isinf(a), a == 0.0 || std::isinf(b), out);
  }
}

Status FloatNegate(Args args, EvalContext&, Value* out) {
  *out = args[0].type() == TypeId::kFloat4
             ? Value::Float4(-static_cast<float>(args[0].float_value()))
             : Value::Float8(-args[0].float_value());
  return Status::OK();
}

Status FloatPower(Args args, EvalContext&, Value* out) {
  const double a = args[0].float_value();
  const double b = args[1].float_value();
  if (a == 0.0 && b < 0.0) {
    return Status(SqlState("2201F"), "zero raised to a negative power is undefined");
  }
  if (a < 0.0 && std::floor(b) != b && !std::isinf(b)) {
    return Status(SqlState("2201F"),
                  "a negative number raised to a non-integer power yields a complex result");
  }
  const double r = std::pow(a, b);
  return MakeFloat(TypeId::kFloat8, r, std::isinf(a) || std::isinf(b), a == 0.0 || std::isinf(b),
                   out);
}

// ---- numeric arithmetic -----------------------------------------------------

template <char kOp>
Status NumericArith(Args args, EvalContext&, Value* out) {
  const Numeric& a = args[0].numeric_value();
  const Numeric& b = args[1].numeric_value();
  Result<Numeric> r = kOp == '+'   ? a.Add(b)
                      : kOp == '-' ? a.Subtract(b)
                      : kOp == '*' ? a.Multiply(b)
                      : kOp == '/' ? a.Divide(b)
                                   : a.Modulo(b);
  if (!r.ok()) return r.status();
  *out = Value::FromNumeric(std::move(r).value());
  return Status::OK();
}

Status NumericNegate(Args args, EvalContext&, Value* out) {
  *out = Value::FromNumeric(args[0].numeric_value().Negate());
  return Status::OK();
}

Status NumericPowerOp(Args args, EvalContext&, Value* out) {
  Numeric r;
  STRATA_RETURN_IF_ERROR(NumericPower(args[0].numeric_value(), args[1].numeric_value(), &r));
  *out = Value::FromNumeric(std::move(r));
  return Status::OK();
}

// ---- comparison -------------------------------------------------------------

template <int kOp>  // 0 =, 1 <>, 2 <, 3 <=, 4 >, 5 >=
Status Compare(Args args, EvalContext& ctx, Value* out) {
  int c;
  const TypeId t0 = args[0].type();
  const TypeId t1 = args[1].type();
  if ((t0 == TypeId::kTimestampTz) != (t1 == TypeId::kTimestampTz) &&
      (t0 == TypeId::kDate || t0 == TypeId::kTimestamp || t1 == TypeId::kDate ||
       t1 == TypeId::kTimestamp)) {
    // date/timestamp vs timestamptz: the former is wall-clock time in the
    // session zone (date_cmp_timestamptz, timestamp_cmp_timestamptz).
    auto as_tz = [&](const Value& v) {
      return v.type() == TypeId::kTimestampTz ? v.timestamp_value()
                                              : LocalToTimestampTz(
                                                    v.type() == TypeId::kDate
                                                        ? DateToTimestamp(v.date_value())
                                                        : v.timestamp_value(),
                                                    ctx.zone());
    };
    const int64_t a = as_tz(args[0]);
    const int64_t b = as_tz(args[1]);
    c = a < b ? -1 : (a > b ? 1 : 0);
  } else if (args[0].kind() == ValueKind::kInt && args[1].kind() == ValueKind::kInt) {
    const int64_t a = args[0].int_value();
    const int64_t b = args[1].int_value();
    c = a < b ? -1 : (a > b ? 1 : 0);
  } else {
    STRATA_ASSIGN_OR_RETURN(c, CompareValues(args[0], args[1]));
  }
  bool r;
  switch (kOp) {
    case 0:
      r = c == 0;
      break;
    case 1:
      r = c != 0;
      break;
    case 2:
      r = c < 0;
      break;
    case 3:
      r = c <= 0;
      break;
    case 4:
      r = c > 0;
      break;
    default:
      r = c >= 0;
      break;
  }
  *out = Value::Bool(r);
  return Status::OK();
}

// ---- strings ----------------------------------------------------------------

Status TextCat(Args args, EvalContext&, Value* out) {
  std::string s(args[0].string_value());
  s.append(args[1].string_value());
  *out = Value::Text(std::move(s));
  return Status::OK();
}

Status AnyTextCat(Args args, EvalContext& ctx, Value* out) {
  STRATA_ASSIGN_OR_RETURN(std::string a, CastToText(args[0], ctx));
  STRATA_ASSIGN_OR_RETURN(std::string b, CastToText(args[1], ctx));
  *out = Value::Text(a + b);
  return Status::OK();
}

Status ByteaCat(Args args, EvalContext&, Value* out) {
  std::string s(args[0].string_value());
  s.append(args[1].string_value());
  *out = Value::Bytea(std::move(s));
  return Status::OK();
}

size_t CharLen(std::string_view s, size_t i, bool bytes) {
  if (bytes) return 1;
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
  return std::min(n, s.size() - i);
}

char FoldAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// PostgreSQL's MatchText with the default escape '\\'; iterative with
// backtracking to the last '%'.
Result<bool> LikeMatch(std::string_view s, std::string_view p, bool icase, bool bytes) {
  size_t si = 0;
  size_t pi = 0;
  size_t star_p = std::string_view::npos;
  size_t star_s = 0;
  auto eq = [icase](char a, char b) { return icase ? FoldAscii(a) == FoldAscii(b) : a == b; };
  while (si < s.size()) {
    if (pi < p.size()) {
      const char c = p[pi];
      if (c == '%') {
        while (pi < p.size() && p[pi] == '%') ++pi;
        if (pi == p.size()) return true;
        star_p = pi;
        star_s = si;
        continue;
      }
      if (c == '_') {
        si += CharLen(s, si, bytes);
        ++pi;
        continue;
      }
      size_t lit = pi;
      if (c == '\\') {
        if (pi + 1 >= p.size()) {
          return Status(SqlState("22025"), "LIKE pattern must not end with escape character");
        }
        lit = pi + 1;
      }
      const size_t n = CharLen(p, lit, bytes);
      bool match = si + n <= s.size();
      for (size_t k = 0; match && k < n; ++k) match = eq(s[si + k], p[lit + k]);
      if (match) {
        si += n;
        pi = lit + n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    star_s += CharLen(s, star_s, bytes);
    si = star_s;
    pi = star_p;
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

template <bool kIcase, bool kNegate>
Status Like(Args args, EvalContext&, Value* out) {
  const bool bytes = args[0].type() == TypeId::kBytea;
  std::string_view s = args[0].string_value();
  if (args[0].type() == TypeId::kBpchar) {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  }
  bool m;
  if (kIcase && !bytes) {
    // PostgreSQL's Generic_Text_IC_like in a multibyte encoding: lower()
    // both sides, then match case-sensitively.
    STRATA_ASSIGN_OR_RETURN(m, LikeMatch(Utf8Lower(s), Utf8Lower(args[1].string_value()), false,
                                         false));
  } else {
    STRATA_ASSIGN_OR_RETURN(m, LikeMatch(s, args[1].string_value(), kIcase, bytes));
  }
  *out = Value::Bool(m != kNegate);
  return Status::OK();
}

template <bool kIcase, bool kNegate>
Status RegexMatch(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(const std::regex* re, CompiledRegex(args[1].string_value(), kIcase));
  const std::string_view s = args[0].string_value();
  const bool m = std::regex_search(s.begin(), s.end(), *re);
  *out = Value::Bool(m != kNegate);
  return Status::OK();
}

// ---- date/time ----------------------------------------------------------------

Status DateOutOfRange() { return Status(SqlState::kDatetimeFieldOverflow, "date out of range"); }

Status DatePlusInt(Args args, EvalContext&, Value* out) {
  const bool date_first = args[0].type() == TypeId::kDate;
  const int32_t d = date_first ? args[0].date_value() : args[1].date_value();
  const int64_t n = date_first ? args[1].int_value() : args[0].int_value();
  if (!IsFiniteDate(d)) {
    *out = Value::Date(d);
    return Status::OK();
  }
  const int64_t r = static_cast<int64_t>(d) + n;
  if (r < -2451545 || r >= 2147483494LL - 2451545) return DateOutOfRange();
  *out = Value::Date(static_cast<int32_t>(r));
  return Status::OK();
}

Status DateMinusInt(Args args, EvalContext&, Value* out) {
  const int32_t d = args[0].date_value();
  if (!IsFiniteDate(d)) {
    *out = Value::Date(d);
    return Status::OK();
  }
  const int64_t r = static_cast<int64_t>(d) - args[1].int_value();
  if (r < -2451545 || r >= 2147483494LL - 2451545) return DateOutOfRange();
  *out = Value::Date(static_cast<int32_t>(r));
  return Status::OK();
}

Status DateMinusDate(Args args, EvalContext&, Value* out) {
  if (!IsFiniteDate(args[0].date_value()) || !IsFiniteDate(args[1].date_value())) {
    return Status(SqlState::kDatetimeFieldOverflow, "cannot subtract infinite dates");
  }
  *out = Value::Int4(args[0].date_value() - args[1].date_value());
  return Status::OK();
}

int64_t AsTimestamp(const Value& v) {
  return v.type() == TypeId::kDate ? DateToTimestamp(v.date_value()) : v.timestamp_value();
}

// (date|timestamp|timestamptz) +/- interval, either order for '+'.
template <bool kMinus>
Status TimestampIntervalArith(Args args, EvalContext& ctx, Value* out) {
  const bool ts_first = args[0].type() != TypeId::kInterval;
  const Value& ts = ts_first ? args[0] : args[1];
  Interval iv = ts_first ? args[1].interval_value() : args[0].interval_value();
  if (kMinus) {
    STRATA_ASSIGN_OR_RETURN(iv, IntervalNegate(iv));
  }
  if (ts.type() == TypeId::kTimestampTz && (iv.months != 0 || iv.days != 0) &&
      IsFiniteTimestamp(ts.timestamp_value())) {
    // timestamptz_pl_interval: months and days move the wall-clock time in
    // the session zone (a day across a DST change is 23 or 25 hours).
    const int64_t local = TimestampTzToLocal(ts.timestamp_value(), ctx.zone());
    STRATA_ASSIGN_OR_RETURN(int64_t moved,
                            TimestampPlusInterval(local, Interval{iv.months, iv.days, 0}));
    STRATA_ASSIGN_OR_RETURN(int64_t r, TimestampPlusInterval(LocalToTimestampTz(moved, ctx.zone()),
                                                             Interval{0, 0, iv.micros}));
    *out = Value::TimestampTz(r);
    return Status::OK();
  }
  STRATA_ASSIGN_OR_RETURN(int64_t r, TimestampPlusInterval(AsTimestamp(ts), iv));
  *out = ts.type() == TypeId::kTimestampTz ? Value::TimestampTz(r) : Value::Timestamp(r);
  return Status::OK();
}

Status TimestampMinus(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(
      Interval r, TimestampMinusTimestamp(args[0].timestamp_value(), args[1].timestamp_value()));
  *out = Value::FromInterval(r);
  return Status::OK();
}

Status DatePlusTime(Args args, EvalContext&, Value* out) {
  const bool date_first = args[0].type() == TypeId::kDate;
  const int32_t d = date_first ? args[0].date_value() : args[1].date_value();
  const int64_t t = date_first ? args[1].time_value() : args[0].time_value();
  const int64_t ts = DateToTimestamp(d);
  *out = Value::Timestamp(IsFiniteTimestamp(ts) ? ts + t : ts);
  return Status::OK();
}

template <bool kMinus>
Status TimeIntervalArith(Args args, EvalContext&, Value* out) {
  const bool time_first = args[0].type() == TypeId::kTime;
  const int64_t t = time_first ? args[0].time_value() : args[1].time_value();
  const int64_t span = (time_first ? args[1] : args[0]).interval_value().micros;
  int64_t r = (t + (kMinus ? -(span % kMicrosPerDay) : span % kMicrosPerDay)) % kMicrosPerDay;
  if (r < 0) r += kMicrosPerDay;
  *out = Value::Time(r);
  return Status::OK();
}

Status TimeMinusTime(Args args, EvalContext&, Value* out) {
  *out = Value::FromInterval(Interval{0, 0, args[0].time_value() - args[1].time_value()});
  return Status::OK();
}

Status IntervalPlus(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(Interval r,
                          IntervalAdd(args[0].interval_value(), args[1].interval_value()));
  *out = Value::FromInterval(r);
  return Status::OK();
}

Status IntervalMinus(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(Interval r,
                          IntervalSubtract(args[0].interval_value(), args[1].interval_value()));
  *out = Value::FromInterval(r);
  return Status::OK();
}

Status IntervalUminus(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(Interval r, IntervalNegate(args[0].interval_value()));
  *out = Value::FromInterval(r);
  return Status::OK();
}

Status IntervalMul(Args args, EvalContext&, Value* out) {
  const bool iv_first = args[0].type() == TypeId::kInterval;
  const Interval& iv = (iv_first ? args[0] : args[1]).interval_value();
  const double f = (iv_first ? args[1] : args[0]).float_value();
  STRATA_ASSIGN_OR_RETURN(Interval r, IntervalMultiply(iv, f));
  *out = Value::FromInterval(r);
  return Status::OK();
}

Status IntervalDiv(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(Interval r,
                          IntervalDivide(args[0].interval_value(), args[1].float_value()));
  *out = Value::FromInterval(r);
  return Status::OK();
}

// ---- json ------------------------------------------------------------------

template <bool kAsText>
Status JsonGet(Args args, EvalContext&, Value* out) {
  const TypeId json_type = args[0].type();
  std::optional<std::string_view> v =
      args[1].kind() == ValueKind::kInt
          ? JsonArrayElement(args[0].string_value(), args[1].int_value())
          : JsonObjectField(args[0].string_value(), args[1].string_value());
  if (!v) {
    *out = Value::Null(kAsText ? TypeId::kText : json_type);
    return Status::OK();
  }
  if (!kAsText) {
    *out = Value::String(json_type, std::string(*v));
    return Status::OK();
  }
  std::optional<std::string> text = JsonValueAsText(*v);
  *out = text ? Value::Text(std::move(*text)) : Value::Null(TypeId::kText);
  return Status::OK();
}

void AddBinary(std::vector<FunctionDef>* defs, std::string_view op, TypeId l, TypeId r, TypeId ret,
               ScalarFn fn) {
  defs->push_back(FunctionDef{op, {P(l), P(r)}, ret, fn});
}

}  // namespace

void AddOperators(std::vector<FunctionDef>* defs) {
  using T = TypeId;
  const T ints[] = {T::kInt2, T::kInt4, T::kInt8};
  for (T l : ints) {
    for (T r : ints) {
      const T ret = WiderInt(l, r);
      AddBinary(defs, "+", l, r, ret, IntArith<'+'>);
      AddBinary(defs, "-", l, r, ret, IntArith<'-'>);
      AddBinary(defs, "*", l, r, ret, IntArith<'*'>);
      AddBinary(defs, "/", l, r, ret, IntArith<'/'>);
      if (l == r) AddBinary(defs, "%", l, r, ret, IntArith<'%'>);
    }
    defs->push_back(FunctionDef{"-u", {P(l)}, l, IntNegate});
    defs->push_back(FunctionDef{"~u", {P(l)}, l, IntNot});
    AddBinary(defs, "&", l, l, l, IntBitwise<'&'>);
    AddBinary(defs, "|", l, l, l, IntBitwise<'|'>);
    AddBinary(defs, "#", l, l, l, IntBitwise<'#'>);
    AddBinary(defs, "<<", l, T::kInt4, l, IntBitwise<'<'>);
    AddBinary(defs, ">>", l, T::kInt4, l, IntBitwise<'>'>);
    defs->push_back(FunctionDef{"+u", {P(l)}, l, Identity});
  }
  const T floats[] = {T::kFloat4, T::kFloat8};
  for (T l : floats) {
    for (T r : floats) {
      const T ret = (l == T::kFloat4 && r == T::kFloat4) ? T::kFloat4 : T::kFloat8;
      AddBinary(defs, "+", l, r, ret, FloatArith<'+'>);
      AddBinary(defs, "-", l, r, ret, FloatArith<'-'>);
      AddBinary(defs, "*", l, r, ret, FloatArith<'*'>);
      AddBinary(defs, "/", l, r, ret, FloatArith<'/'>);
    }
    defs->push_back(FunctionDef{"-u", {P(l)}, l, FloatNegate});
    defs->push_back(FunctionDef{"+u", {P(l)}, l, Identity});
  }
  AddBinary(defs, "^", T::kFloat8, T::kFloat8, T::kFloat8, FloatPower);
  AddBinary(defs, "+", T::kNumeric, T::kNumeric, T::kNumeric, NumericArith<'+'>);
  AddBinary(defs, "-", T::kNumeric, T::kNumeric, T::kNumeric, NumericArith<'-'>);
  AddBinary(defs, "*", T::kNumeric, T::kNumeric, T::kNumeric, NumericArith<'*'>);
  AddBinary(defs, "/", T::kNumeric, T::kNumeric, T::kNumeric, NumericArith<'/'>);
  AddBinary(defs, "%", T::kNumeric, T::kNumeric, T::kNumeric, NumericArith<'%'>);
  AddBinary(defs, "^", T::kNumeric, T::kNumeric, T::kNumeric, NumericPowerOp);
  defs->push_back(FunctionDef{"-u", {P(T::kNumeric)}, T::kNumeric, NumericNegate});
  defs->push_back(FunctionDef{"+u", {P(T::kNumeric)}, T::kNumeric, Identity});

  // Comparisons: the (left, right) pairs of pg_operator for our types.
  std::vector<std::pair<T, T>> pairs;
  for (T l : ints) {
    for (T r : ints) pairs.emplace_back(l, r);
  }
  for (T l : floats) {
    for (T r : floats) pairs.emplace_back(l, r);
  }
  const T datetimes[] = {T::kDate, T::kTimestamp, T::kTimestampTz};
  for (T l : datetimes) {
    for (T r : datetimes) pairs.emplace_back(l, r);
  }
  for (T t : {T::kBool, T::kNumeric, T::kText, T::kBpchar, T::kBytea, T::kTime, T::kInterval,
              T::kUuid, T::kJsonb}) {
    pairs.emplace_back(t, t);
  }
  struct CmpOp {
    std::string_view name;
    ScalarFn fn;
  };
  const CmpOp cmp_ops[] = {{"=", Compare<0>},  {"<>", Compare<1>}, {"<", Compare<2>},
                           {"<=", Compare<3>}, {">", Compare<4>},  {">=", Compare<5>}};
  for (const CmpOp& op : cmp_ops) {
    for (const auto& [l, r] : pairs) AddBinary(defs, op.name, l, r, T::kBool, op.fn);
    defs->push_back(FunctionDef{op.name, {AnyArray(), AnyArray()}, T::kBool, op.fn});
  }

  // Concatenation.
  AddBinary(defs, "||", T::kText, T::kText, T::kText, TextCat);
  AddBinary(defs, "||", T::kBytea, T::kBytea, T::kBytea, ByteaCat);
  defs->push_back(FunctionDef{
      "||", {P(T::kText), AnyNonArray()}, T::kText, AnyTextCat, true, Volatility::kStable});
  defs->push_back(FunctionDef{
      "||", {AnyNonArray(), P(T::kText)}, T::kText, AnyTextCat, true, Volatility::kStable});

  // LIKE / ILIKE / regular expressions.
  for (T t : {T::kText, T::kBpchar}) {
    AddBinary(defs, "~~", t, T::kText, T::kBool, Like<false, false>);
    AddBinary(defs, "!~~", t, T::kText, T::kBool, Like<false, true>);
    AddBinary(defs, "~~*", t, T::kText, T::kBool, Like<true, false>);
    AddBinary(defs, "!~~*", t, T::kText, T::kBool, Like<true, true>);
    AddBinary(defs, "~", t, T::kText, T::kBool, RegexMatch<false, false>);
    AddBinary(defs, "!~", t, T::kText, T::kBool, RegexMatch<false, true>);
    AddBinary(defs, "~*", t, T::kText, T::kBool, RegexMatch<true, false>);
    AddBinary(defs, "!~*", t, T::kText, T::kBool, RegexMatch<true, true>);
  }
  AddBinary(defs, "~~", T::kBytea, T::kBytea, T::kBool, Like<false, false>);
  AddBinary(defs, "!~~", T::kBytea, T::kBytea, T::kBool, Like<false, true>);

  // Date/time arithmetic.
  AddBinary(defs, "+", T::kDate, T::kInt4, T::kDate, DatePlusInt);
  AddBinary(defs, "+", T::kInt4, T::kDate, T::kDate, DatePlusInt);
  AddBinary(defs, "-", T::kDate, T::kInt4, T::kDate, DateMinusInt);
  AddBinary(defs, "-", T::kDate, T::kDate, T::kInt4, DateMinusDate);
  AddBinary(defs, "+", T::kDate, T::kInterval, T::kTimestamp, TimestampIntervalArith<false>);
  AddBinary(defs, "+", T::kInterval, T::kDate, T::kTimestamp, TimestampIntervalArith<false>);
  AddBinary(defs, "-", T::kDate, T::kInterval, T::kTimestamp, TimestampIntervalArith<true>);
  AddBinary(defs, "+", T::kDate, T::kTime, T::kTimestamp, DatePlusTime);
  AddBinary(defs, "+", T::kTime, T::kDate, T::kTimestamp, DatePlusTime);
  for (T ts : {T::kTimestamp, T::kTimestampTz}) {
    AddBinary(defs, "+", ts, T::kInterval, ts, TimestampIntervalArith<false>);
    AddBinary(defs, "+", T::kInterval, ts, ts, TimestampIntervalArith<false>);
    AddBinary(defs, "-", ts, T::kInterval, ts, TimestampIntervalArith<true>);
    AddBinary(defs, "-", ts, ts, T::kInterval, TimestampMinus);
  }
  AddBinary(defs, "+", T::kTime, T::kInterval, T::kTime, TimeIntervalArith<false>);
  AddBinary(defs, "+", T::kInterval, T::kTime, T::kTime, TimeIntervalArith<false>);
  AddBinary(defs, "-", T::kTime, T::kInterval, T::kTime, TimeIntervalArith<true>);
  AddBinary(defs, "-", T::kTime, T::kTime, T::kInterval, TimeMinusTime);
  AddBinary(defs, "+", T::kInterval, T::kInterval, T::kInterval, IntervalPlus);
  AddBinary(defs, "-", T::kInterval, T::kInterval, T::kInterval, IntervalMinus);
  defs->push_back(FunctionDef{"-u", {P(T::kInterval)}, T::kInterval, IntervalUminus});
  AddBinary(defs, "*", T::kInterval, T::kFloat8, T::kInterval, IntervalMul);
  AddBinary(defs, "*", T::kFloat8, T::kInterval, T::kInterval, IntervalMul);
  AddBinary(defs, "/", T::kInterval, T::kFloat8, T::kInterval, IntervalDiv);

  // json / jsonb access.
  for (T j : {T::kJson, T::kJsonb}) {
    AddBinary(defs, "->", j, T::kText, j, JsonGet<false>);
    AddBinary(defs, "->", j, T::kInt4, j, JsonGet<false>);
    AddBinary(defs, "->>", j, T::kText, T::kText, JsonGet<true>);
    AddBinary(defs, "->>", j, T::kInt4, T::kText, JsonGet<true>);
  }
}

}  // namespace strata::sql::functions::internal
