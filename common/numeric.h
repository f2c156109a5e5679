#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata {

// An exact decimal number with PostgreSQL numeric semantics: arbitrary
// precision, a display scale (the number of digits after the decimal point,
// preserved by arithmetic as PostgreSQL does: '1.50' stays 1.50), and NaN,
// which equals itself and sorts above every other value. Infinity (PG 14+)
// is not supported.
//
// The value is sign * digits * 10^-scale, where `digits` is an ASCII decimal
// string without leading zeros (empty for zero) and scale >= 0. Trailing
// zeros are significant only for display: 1.5 and 1.50 compare equal.
//
// Limits as PostgreSQL: at most kMaxIntegerDigits digits before the point and
// kMaxScale after; exceeding them is 22003 "value overflows numeric format".
//
// A value type; copies are independent. Not thread-safe for mutation.
class Numeric {
 public:
  static constexpr int32_t kMaxIntegerDigits = 131072;
  static constexpr int32_t kMaxScale = 16383;
  // NUMERIC_MIN_SIG_DIGITS and NUMERIC_MAX_DISPLAY_SCALE of PostgreSQL,
  // used to pick the scale of a quotient.
  static constexpr int32_t kMinSigDigits = 16;
  static constexpr int32_t kMaxDisplayScale = 1000;

  // Zero with scale 0.
  Numeric() = default;

  static Numeric NaN();
  static Numeric FromInt64(int64_t v);
  // PostgreSQL's float8 -> numeric cast: rounds to 15 significant digits
  // (DBL_DIG); NaN maps to NaN. Infinity is 0A000 (not supported).
  static Result<Numeric> FromDouble(double v);
  // float4 -> numeric: 6 significant digits (FLT_DIG).
  static Result<Numeric> FromFloat(float v);

  // PostgreSQL's numeric_in: optional surrounding whitespace, optional sign,
  // digits with an optional point (at least one digit), optional exponent
  // (e/E, optional sign, digits), or "NaN" in any case. The display scale is
  // the number of fraction digits minus the exponent, at least 0
  // ('1.5e1' -> 15, '150e-2' -> 1.50).
  // Errors: 22P02 `invalid input syntax for type numeric: "<text>"`;
  // 22003 when the value exceeds the limits.
  static Result<Numeric> Parse(std::string_view text);

  // Builds a value from its parts; leading zeros in `digits` are dropped.
  // Corruption if `digits` has a non-digit; 22003 beyond the limits.
  static Result<Numeric> FromParts(bool negative, std::string_view digits, int32_t scale);

  // PostgreSQL's numeric_out: "-12.340", "0.001", "NaN"; exactly scale()
  // fraction digits, never an exponent, never "-0".
  std::string ToString() const;

  bool is_nan() const { return nan_; }
  bool is_zero() const { return !nan_ && digits_.empty(); }
  bool is_negative() const { return negative_; }
  // Display scale (digits after the point). 0 for NaN.
  int32_t scale() const { return scale_; }
  // Decimal digits of the unscaled magnitude, no leading zeros, may have
  // trailing zeros; empty for zero and NaN.
  const std::string& digits() const { return digits_; }
  // Decimal exponent of the most significant digit: 2 for 123.4, -3 for
  // 0.0012. REQUIRES: !is_zero() && !is_nan().
  int32_t exponent() const { return static_cast<int32_t>(digits_.size()) - 1 - scale_; }

  // Total order: NaN == NaN, NaN > everything else; scale is ignored.
  // Returns <0, 0, >0.
  int Compare(const Numeric& other) const;
  bool operator==(const Numeric& other) const { return Compare(other) == 0; }
  auto operator<=>(const Numeric& other) const { return Compare(other) <=> 0; }

  // Arithmetic with PostgreSQL's result scales; any NaN operand gives NaN.
  // Add/Subtract: max(scale1, scale2). Multiply: scale1 + scale2 (rounded to
  // kMaxScale if larger). Divide: select_div_scale (at least 16 significant
  // digits, at least either input's scale, at most 1000), rounded half away
  // from zero. Modulo: sign of the dividend, scale max(scale1, scale2).
  // Errors: 22012 "division by zero"; 22003 on overflow.
  Result<Numeric> Add(const Numeric& other) const;
  Result<Numeric> Subtract(const Numeric& other) const;
  Result<Numeric> Multiply(const Numeric& other) const;
  Result<Numeric> Divide(const Numeric& other) const;
  Result<Numeric> Modulo(const Numeric& other) const;
  // Divides rounding to exactly `result_scale` fraction digits.
  // REQUIRES: 0 <= result_scale <= kMaxScale.
  Result<Numeric> DivideWithScale(const Numeric& other, int32_t result_scale) const;

  Numeric Negate() const;
  Numeric Abs() const;

  // PostgreSQL's round(x, s): half away from zero; the result's scale is
  // max(s, 0) (round(1.5, 3) = 1.500; round(1234.5, -2) = 1200).
  Numeric Round(int32_t scale) const;
  // PostgreSQL's trunc(x, s): toward zero, scale max(s, 0).
  Numeric Truncate(int32_t scale) const;
  // The same value with trailing fraction zeros removed (1.500 -> 1.5).
  Numeric Normalized() const;

  // Coerces to numeric(precision, scale) as PostgreSQL's apply_typmod: rounds
  // to `scale`, then fails with 22003 "numeric field overflow" if the
  // integer part needs more than precision - scale digits. NaN passes.
  Result<Numeric> ApplyPrecisionScale(int32_t precision, int32_t scale) const;
  // As above from a PostgreSQL numeric typmod; typmod < 4 means none (no-op).
  Result<Numeric> ApplyTypmod(int32_t typmod) const;

  // Rounds to an integer (half away from zero). 22003 "bigint out of range";
  // 0A000 "cannot convert NaN to bigint".
  Result<int64_t> ToInt64() const;
  // Nearest double (via the decimal text, as PostgreSQL); NaN -> quiet NaN.
  double ToDouble() const;

 private:
  // Rejects values beyond the limits; normalizes zero to positive.
  static Result<Numeric> Make(bool negative, std::string digits, int32_t scale);
  // The magnitude's digits padded with zeros to `scale` fraction digits.
  // REQUIRES: scale >= scale_.
  std::string DigitsAtScale(int32_t scale) const;
  Numeric RoundOrTruncate(int32_t scale, bool round) const;

  bool nan_ = false;
  bool negative_ = false;
  int32_t scale_ = 0;
  std::string digits_;
};

}  // namespace strata
