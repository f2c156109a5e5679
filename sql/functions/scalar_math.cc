// Mathematical functions (PostgreSQL 15's float.c, int.c, numeric.c).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "sql/functions/builtins.h"

namespace strata::sql::functions::internal {
namespace {

using Args = std::span<const Value>;

}  // namespace

Status NumericPower(const Numeric& base, const Numeric& exp, Numeric* out);

namespace {

constexpr int32_t kMinSigDigits = 16;
constexpr int32_t kMaxDisplayScale = 1000;

Status FloatOut(double v, bool inputs_inf, Value* out) {
  if (std::isinf(v) && !inputs_inf) return FloatOverflow();
  *out = Value::Float8(v);
  return Status::OK();
}

Status NumOut(Numeric n, Value* out) {
  *out = Value::FromNumeric(std::move(n));
  return Status::OK();
}

int32_t ClampScale(int32_t s) { return std::min(std::max(s, 0), kMaxDisplayScale); }

// Numeric from a long double rounded to `scale` fraction digits.
Result<Numeric> NumericFromLongDouble(long double v, int32_t scale) {
  if (std::isnan(v) || std::isinf(v)) {
    return Status(SqlState::kNumericValueOutOfRange, "value overflows numeric format");
  }
  std::string buf(static_cast<size_t>(scale) + 64 + 5000, '\0');
  const int n = std::snprintf(buf.data(), buf.size(), "%.*Lf", scale, v);
  if (n < 0 || static_cast<size_t>(n) >= buf.size()) {
    return Status(SqlState::kNumericValueOutOfRange, "value overflows numeric format");
  }
  buf.resize(static_cast<size_t>(n));
  return Numeric::Parse(buf);
}

long double ToLongDouble(const Numeric& n) { return std::strtold(n.ToString().c_str(), nullptr); }

// ---- abs / sign / rounding -----------------------------------------------------

Status Abs(Args args, EvalContext&, Value* out) {
  const Value& v = args[0];
  switch (v.kind()) {
    case ValueKind::kInt:
      return MakeInt(
          v.type(), v.int_value() < 0 ? -static_cast<__int128>(v.int_value()) : v.int_value(), out);
    case ValueKind::kFloat:
      *out = v.type() == TypeId::kFloat4
                 ? Value::Float4(std::fabs(static_cast<float>(v.float_value())))
                 : Value::Float8(std::fabs(v.float_value()));
      return Status::OK();
    default:
      return NumOut(v.numeric_value().Abs(), out);
  }
}

Status Sign(Args args, EvalContext&, Value* out) {
  if (args[0].kind() == ValueKind::kFloat) {
    const double v = args[0].float_value();
    *out = Value::Float8(v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0));
    return Status::OK();
  }
  const Numeric& n = args[0].numeric_value();
  if (n.is_nan()) return NumOut(n, out);
  return NumOut(Numeric::FromInt64(n.is_zero() ? 0 : (n.is_negative() ? -1 : 1)), out);
}

Status RoundFloat(Args args, EvalContext&, Value* out) {
  *out = Value::Float8(std::rint(args[0].float_value()));
  return Status::OK();
}

Status RoundNumeric(Args args, EvalContext&, Value* out) {
  const int64_t scale = args.size() > 1 ? args[1].int_value() : 0;
  return NumOut(args[0].numeric_value().Round(static_cast<int32_t>(
                    std::clamp<int64_t>(scale, -Numeric::kMaxIntegerDigits, Numeric::kMaxScale))),
                out);
}

Status TruncFloat(Args args, EvalContext&, Value* out) {
  *out = Value::Float8(std::trunc(args[0].float_value()));
  return Status::OK();
}

Status TruncNumeric(Args args, EvalContext&, Value* out) {
  const int64_t scale = args.size() > 1 ? args[1].int_value() : 0;
  return NumOut(args[0].numeric_value().Truncate(static_cast<int32_t>(
                    std::clamp<int64_t>(scale, -Numeric::kMaxIntegerDigits, Numeric::kMaxScale))),
                out);
}

template <bool kCeil>
Status FloorCeil(Args args, EvalContext&, Value* out) {
  if (args[0].kind() == ValueKind::kFloat) {
    *out =
        Value::Float8(kCeil ? std::ceil(args[0].float_value()) : std::floor(args[0].float_value()));
    return Status::OK();
  }
  const Numeric& n = args[0].numeric_value();
  if (n.is_nan()) return NumOut(n, out);
  Numeric t = n.Truncate(0);
  if (t.Compare(n) != 0) {
    if (kCeil && !n.is_negative()) {
      STRATA_ASSIGN_OR_RETURN(t, t.Add(Numeric::FromInt64(1)));
    } else if (!kCeil && n.is_negative()) {
      STRATA_ASSIGN_OR_RETURN(t, t.Subtract(Numeric::FromInt64(1)));
    }
  }
  return NumOut(std::move(t), out);
}

Status IntMod(Args args, EvalContext&, Value* out) {
  const int64_t b = args[1].int_value();
  if (b == 0) return DivisionByZero();
  const __int128 r = static_cast<__int128>(args[0].int_value()) % b;
  return MakeInt(args[0].type(), r, out);
}

Status NumericMod(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(Numeric r, args[0].numeric_value().Modulo(args[1].numeric_value()));
  return NumOut(std::move(r), out);
}

Status NumericDiv(Args args, EvalContext&, Value* out) {
  const Numeric& a = args[0].numeric_value();
  const Numeric& b = args[1].numeric_value();
  if (b.is_zero()) return DivisionByZero();
  if (a.is_nan() || b.is_nan()) return NumOut(Numeric::NaN(), out);
  STRATA_ASSIGN_OR_RETURN(Numeric q, a.DivideWithScale(b, 20));
  return NumOut(q.Truncate(0), out);
}

// ---- powers, roots, logarithms ---------------------------------------------------

Status PowerFloat(Args args, EvalContext&, Value* out) {
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
  if (r == 0.0 && a != 0.0 && !std::isinf(b)) return FloatUnderflow();
  return FloatOut(r, std::isinf(a) || std::isinf(b), out);
}

Status SqrtFloat(Args args, EvalContext&, Value* out) {
  const double a = args[0].float_value();
  if (a < 0) return Status(SqlState("2201F"), "cannot take square root of a negative number");
  *out = Value::Float8(std::sqrt(a));
  return Status::OK();
}

Status CbrtFloat(Args args, EvalContext&, Value* out) {
  *out = Value::Float8(std::cbrt(args[0].float_value()));
  return Status::OK();
}

Status ExpFloat(Args args, EvalContext&, Value* out) {
  const double a = args[0].float_value();
  const double r = std::exp(a);
  if (r == 0.0 && !std::isinf(a)) return FloatUnderflow();
  return FloatOut(r, std::isinf(a), out);
}

Status LogError(double a) {
  if (a == 0.0) return Status(SqlState("2201E"), "cannot take logarithm of zero");
  return Status(SqlState("2201E"), "cannot take logarithm of a negative number");
}

template <bool kBase10>
Status LnFloat(Args args, EvalContext&, Value* out) {
  const double a = args[0].float_value();
  if (a <= 0.0) return LogError(a);
  *out = Value::Float8(kBase10 ? std::log10(a) : std::log(a));
  return Status::OK();
}

// Decimal weight (floor(log10|x|)) of a non-zero numeric.
int32_t DecimalWeight(const Numeric& n) { return n.exponent(); }

// floor(log10(|ln(x)|)), PostgreSQL's estimate_ln_dweight.
int32_t EstimateLnDweight(const Numeric& n) {
  const long double x = ToLongDouble(n);
  if (x >= 0.9L && x <= 1.1L) {
    // ln(x) ~ x - 1 near 1: the weight of x - 1.
    const long double d = x - 1;
    if (d == 0) return 0;
    return static_cast<int32_t>(std::floor(std::log10(std::fabs(d))));
  }
  const long double ln = std::log(x);
  if (ln == 0) return 0;
  // Truncation toward zero, as PostgreSQL's (int) cast.
  return static_cast<int32_t>(std::log10(std::fabs(ln)));
}

Status SqrtNumeric(Args args, EvalContext&, Value* out) {
  const Numeric& a = args[0].numeric_value();
  if (a.is_nan()) return NumOut(a, out);
  if (a.is_negative()) {
    return Status(SqlState("2201F"), "cannot take square root of a negative number");
  }
  // PostgreSQL: sweight = (weight + 1) * DEC_DIGITS / 2 - 1 on base-10000 weight.
  int32_t weight = 0;
  if (!a.is_zero()) {
    const int32_t e = DecimalWeight(a);
    weight = e >= 0 ? e / 4 : -((-e + 3) / 4);
  }
  const int32_t sweight = (weight + 1) * 4 / 2 - 1;
  const int32_t rscale = ClampScale(std::max(kMinSigDigits - sweight, a.scale()));
  STRATA_ASSIGN_OR_RETURN(Numeric r, NumericSqrt(a, rscale));
  return NumOut(std::move(r), out);
}

Status ExpNumeric(Args args, EvalContext&, Value* out) {
  const Numeric& a = args[0].numeric_value();
  if (a.is_nan()) return NumOut(a, out);
  double val = a.ToDouble() * 0.434294481903252;
  val = std::clamp(val, -2000.0, 2000.0);
  const int32_t rscale = ClampScale(std::max(kMinSigDigits - static_cast<int32_t>(val), a.scale()));
  const long double r = std::exp(ToLongDouble(a));
  STRATA_ASSIGN_OR_RETURN(Numeric n, NumericFromLongDouble(r, rscale));
  return NumOut(std::move(n), out);
}

Status LnNumeric(Args args, EvalContext&, Value* out) {
  const Numeric& a = args[0].numeric_value();
  if (a.is_nan()) return NumOut(a, out);
  if (a.is_zero()) return Status(SqlState("2201E"), "cannot take logarithm of zero");
  if (a.is_negative()) {
    return Status(SqlState("2201E"), "cannot take logarithm of a negative number");
  }
  const int32_t rscale = ClampScale(std::max(kMinSigDigits - EstimateLnDweight(a), a.scale()));
  STRATA_ASSIGN_OR_RETURN(Numeric n, NumericFromLongDouble(std::log(ToLongDouble(a)), rscale));
  return NumOut(std::move(n), out);
}

// log(base, x) for numerics; log(x) is log(10, x).
Status LogNumeric(Args args, EvalContext&, Value* out) {
  const Numeric base = args.size() > 1 ? args[0].numeric_value() : Numeric::FromInt64(10);
  const Numeric& x = args.size() > 1 ? args[1].numeric_value() : args[0].numeric_value();
  if (base.is_nan() || x.is_nan()) return NumOut(Numeric::NaN(), out);
  for (const Numeric* n : {&base, &x}) {
    if (n->is_zero()) return Status(SqlState("2201E"), "cannot take logarithm of zero");
    if (n->is_negative()) {
      return Status(SqlState("2201E"), "cannot take logarithm of a negative number");
    }
  }
  const long double lb = std::log(ToLongDouble(base));
  if (lb == 0) return DivisionByZero();
  const int32_t result_dweight = EstimateLnDweight(x) - EstimateLnDweight(base);
  int32_t rscale = kMinSigDigits - result_dweight;
  rscale = ClampScale(std::max({rscale, base.scale(), x.scale()}));
  if (args.size() == 1) rscale = ClampScale(std::max(kMinSigDigits - result_dweight, x.scale()));
  STRATA_ASSIGN_OR_RETURN(Numeric n, NumericFromLongDouble(std::log(ToLongDouble(x)) / lb, rscale));
  return NumOut(std::move(n), out);
}

Status PowerNumeric(Args args, EvalContext&, Value* out) {
  Numeric r;
  STRATA_RETURN_IF_ERROR(NumericPower(args[0].numeric_value(), args[1].numeric_value(), &r));
  return NumOut(std::move(r), out);
}

// ---- trigonometry and constants ------------------------------------------------

template <double (*kFn)(double)>
Status UnaryFloat(Args args, EvalContext&, Value* out) {
  const double a = args[0].float_value();
  const double r = kFn(a);
  if (std::isnan(r) && !std::isnan(a)) {
    return Status(SqlState::kNumericValueOutOfRange, "input is out of range");
  }
  *out = Value::Float8(r);
  return Status::OK();
}

double Sin(double x) { return std::sin(x); }
double Cos(double x) { return std::cos(x); }
double Tan(double x) { return std::tan(x); }
double Asin(double x) { return std::asin(x); }
double Acos(double x) { return std::acos(x); }
double Atan(double x) { return std::atan(x); }
double Degrees(double x) { return x * (180.0 / M_PI); }
double Radians(double x) { return x * (M_PI / 180.0); }

Status Atan2(Args args, EvalContext&, Value* out) {
  *out = Value::Float8(std::atan2(args[0].float_value(), args[1].float_value()));
  return Status::OK();
}

Status Pi(Args, EvalContext&, Value* out) {
  *out = Value::Float8(M_PI);
  return Status::OK();
}

Status Random(Args, EvalContext& ctx, Value* out) {
  // 52 random mantissa bits in [0, 1), as PostgreSQL's pg_prng_double.
  *out = Value::Float8(static_cast<double>(ctx.rng() >> 11) * 0x1.0p-53);
  return Status::OK();
}

Status GenRandomUuid(Args, EvalContext& ctx, Value* out) {
  Uuid u;
  for (size_t i = 0; i < 16; i += 8) {
    const uint64_t r = ctx.rng();
    for (size_t k = 0; k < 8; ++k) u[i + k] = static_cast<uint8_t>(r >> (8 * k));
  }
  u[6] = static_cast<uint8_t>((u[6] & 0x0F) | 0x40);  // version 4
  u[8] = static_cast<uint8_t>((u[8] & 0x3F) | 0x80);  // RFC 4122 variant
  *out = Value::FromUuid(u);
  return Status::OK();
}

void Add(std::vector<FunctionDef>* defs, std::string_view name, std::vector<ParamType> params,
         TypeId ret, ScalarFn fn, Volatility volatility = Volatility::kImmutable) {
  defs->push_back(FunctionDef{name, std::move(params), ret, fn, true, volatility});
}

}  // namespace

Result<Numeric> NumericSqrt(const Numeric& a, int32_t rscale) {
  if (a.is_zero()) return Numeric::FromInt64(0).Round(rscale);
  // Newton's iteration from a long double estimate, at extra precision.
  STRATA_ASSIGN_OR_RETURN(Numeric x, NumericFromLongDouble(std::sqrt(ToLongDouble(a)), rscale + 4));
  const Numeric two = Numeric::FromInt64(2);
  for (int i = 0; i < 100; ++i) {
    STRATA_ASSIGN_OR_RETURN(Numeric q, a.DivideWithScale(x, rscale + 8));
    STRATA_ASSIGN_OR_RETURN(Numeric sum, x.Add(q));
    STRATA_ASSIGN_OR_RETURN(Numeric next, sum.DivideWithScale(two, rscale + 8));
    if (next.Compare(x) == 0) break;
    x = std::move(next);
  }
  return x.Round(rscale);
}

Status NumericPower(const Numeric& base, const Numeric& exp, Numeric* out) {
  if (base.is_nan() || exp.is_nan()) {
    // 1 ^ NaN = 1 and NaN ^ 0 = 1, as PostgreSQL.
    if ((!base.is_nan() && base.Compare(Numeric::FromInt64(1)) == 0) ||
        (!exp.is_nan() && exp.is_zero())) {
      *out = Numeric::FromInt64(1);
    } else {
      *out = Numeric::NaN();
    }
    return Status::OK();
  }
  if (base.is_zero() && exp.is_negative()) {
    return Status(SqlState("2201F"), "zero raised to a negative power is undefined");
  }
  const bool integral_exp = exp.Truncate(0).Compare(exp) == 0;
  if (base.is_negative() && !integral_exp) {
    return Status(SqlState("2201F"),
                  "a negative number raised to a non-integer power yields a complex result");
  }
  if (integral_exp) {
    Result<int64_t> e = exp.ToInt64();
    if (e.ok() && *e >= INT32_MIN && *e <= INT32_MAX) {
      const int32_t rscale = ClampScale(std::max(kMinSigDigits, base.scale()));
      const int64_t n = *e < 0 ? -*e : *e;
      // Exact repeated squaring while the digits stay reasonable.
      const double digits = static_cast<double>(base.digits().size() + 1) * static_cast<double>(n);
      if (digits < 20000) {
        Numeric result = Numeric::FromInt64(1);
        Numeric square = base;
        int64_t k = n;
        while (k > 0) {
          if (k & 1) {
            STRATA_ASSIGN_OR_RETURN(result, result.Multiply(square));
          }
          k >>= 1;
          if (k > 0) {
            STRATA_ASSIGN_OR_RETURN(square, square.Multiply(square));
          }
        }
        if (*e < 0) {
          STRATA_ASSIGN_OR_RETURN(result, Numeric::FromInt64(1).DivideWithScale(result, rscale));
        }
        *out = result.Round(rscale);
        return Status::OK();
      }
    }
  }
  // General case in long double: ln-based, with PostgreSQL's result scale.
  const long double r = std::pow(ToLongDouble(base), ToLongDouble(exp));
  if (std::isinf(r))
    return Status(SqlState::kNumericValueOutOfRange, "value overflows numeric format");
  double val = r == 0 ? -2000.0 : static_cast<double>(std::log10(std::fabs(r)));
  val = std::clamp(val, -2000.0, 2000.0);
  int32_t rscale = kMinSigDigits - static_cast<int32_t>(val);
  rscale = ClampScale(std::max({rscale, base.scale(), exp.scale()}));
  STRATA_ASSIGN_OR_RETURN(*out, NumericFromLongDouble(r, rscale));
  return Status::OK();
}

void AddMathFunctions(std::vector<FunctionDef>* defs) {
  using T = TypeId;
  const ParamType f8 = P(T::kFloat8);
  const ParamType num = P(T::kNumeric);
  for (T t : {T::kInt2, T::kInt4, T::kInt8, T::kFloat4, T::kFloat8, T::kNumeric}) {
    Add(defs, "abs", {P(t)}, t, Abs);
  }
  Add(defs, "sign", {f8}, T::kFloat8, Sign);
  Add(defs, "sign", {num}, T::kNumeric, Sign);
  Add(defs, "round", {f8}, T::kFloat8, RoundFloat);
  Add(defs, "round", {num}, T::kNumeric, RoundNumeric);
  Add(defs, "round", {num, P(T::kInt4)}, T::kNumeric, RoundNumeric);
  Add(defs, "trunc", {f8}, T::kFloat8, TruncFloat);
  Add(defs, "trunc", {num}, T::kNumeric, TruncNumeric);
  Add(defs, "trunc", {num, P(T::kInt4)}, T::kNumeric, TruncNumeric);
  Add(defs, "floor", {f8}, T::kFloat8, FloorCeil<false>);
  Add(defs, "floor", {num}, T::kNumeric, FloorCeil<false>);
  for (std::string_view name : {"ceil", "ceiling"}) {
    Add(defs, name, {f8}, T::kFloat8, FloorCeil<true>);
    Add(defs, name, {num}, T::kNumeric, FloorCeil<true>);
  }
  for (T t : {T::kInt2, T::kInt4, T::kInt8}) Add(defs, "mod", {P(t), P(t)}, t, IntMod);
  Add(defs, "mod", {num, num}, T::kNumeric, NumericMod);
  Add(defs, "div", {num, num}, T::kNumeric, NumericDiv);
  for (std::string_view name : {"power", "pow"}) {
    Add(defs, name, {f8, f8}, T::kFloat8, PowerFloat);
    Add(defs, name, {num, num}, T::kNumeric, PowerNumeric);
  }
  Add(defs, "sqrt", {f8}, T::kFloat8, SqrtFloat);
  Add(defs, "sqrt", {num}, T::kNumeric, SqrtNumeric);
  Add(defs, "cbrt", {f8}, T::kFloat8, CbrtFloat);
  Add(defs, "exp", {f8}, T::kFloat8, ExpFloat);
  Add(defs, "exp", {num}, T::kNumeric, ExpNumeric);
  Add(defs, "ln", {f8}, T::kFloat8, LnFloat<false>);
  Add(defs, "ln", {num}, T::kNumeric, LnNumeric);
  Add(defs, "log", {f8}, T::kFloat8, LnFloat<true>);
  Add(defs, "log10", {f8}, T::kFloat8, LnFloat<true>);
  Add(defs, "log", {num}, T::kNumeric, LogNumeric);
  Add(defs, "log10", {num}, T::kNumeric, LogNumeric);
  Add(defs, "log", {num, num}, T::kNumeric, LogNumeric);
  Add(defs, "sin", {f8}, T::kFloat8, UnaryFloat<Sin>);
  Add(defs, "cos", {f8}, T::kFloat8, UnaryFloat<Cos>);
  Add(defs, "tan", {f8}, T::kFloat8, UnaryFloat<Tan>);
  Add(defs, "asin", {f8}, T::kFloat8, UnaryFloat<Asin>);
  Add(defs, "acos", {f8}, T::kFloat8, UnaryFloat<Acos>);
  Add(defs, "atan", {f8}, T::kFloat8, UnaryFloat<Atan>);
  Add(defs, "atan2", {f8, f8}, T::kFloat8, Atan2);
  Add(defs, "degrees", {f8}, T::kFloat8, UnaryFloat<Degrees>);
  Add(defs, "radians", {f8}, T::kFloat8, UnaryFloat<Radians>);
  Add(defs, "pi", {}, T::kFloat8, Pi);
  Add(defs, "random", {}, T::kFloat8, Random, Volatility::kVolatile);
  Add(defs, "gen_random_uuid", {}, T::kUuid, GenRandomUuid, Volatility::kVolatile);
}

}  // namespace strata::sql::functions::internal
