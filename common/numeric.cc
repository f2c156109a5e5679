#include "common/numeric.h"

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

namespace strata {
namespace {

// PostgreSQL's NUMERIC_MAX_RESULT_SCALE: bound on round()/trunc() scales.
constexpr int32_t kMaxResultScale = 2000;
// PostgreSQL rejects input exponents beyond NUMERIC_MAX_PRECISION.
constexpr int32_t kMaxInputExponent = 1000;

// Magnitude helpers over ASCII decimal strings. "Normalized" means no
// leading zeros; zero is the empty string.

void StripLeadingZeros(std::string* s) {
  size_t i = 0;
  while (i < s->size() && (*s)[i] == '0') ++i;
  s->erase(0, i);
}

// REQUIRES: both normalized.
int CompareMag(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string AddMag(std::string_view a, std::string_view b) {
  std::string out(std::max(a.size(), b.size()) + 1, '0');
  int carry = 0;
  size_t ia = a.size();
  size_t ib = b.size();
  for (size_t io = out.size(); io-- > 0;) {
    int sum = carry;
    if (ia > 0) sum += a[--ia] - '0';
    if (ib > 0) sum += b[--ib] - '0';
    out[io] = static_cast<char>('0' + sum % 10);
    carry = sum / 10;
  }
  StripLeadingZeros(&out);
  return out;
}

// a -= b in place. REQUIRES: both normalized, a >= b. Leaves a normalized.
void SubMagInPlace(std::string* a, std::string_view b) {
  int borrow = 0;
  size_t ib = b.size();
  for (size_t ia = a->size(); ia-- > 0;) {
    int d = ((*a)[ia] - '0') - borrow;
    if (ib > 0) d -= b[--ib] - '0';
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 10;
    (*a)[ia] = static_cast<char>('0' + d);
    if (ib == 0 && borrow == 0) break;
  }
  StripLeadingZeros(a);
}

std::string MulMag(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return "";
  std::vector<uint64_t> acc(a.size() + b.size(), 0);
  for (size_t i = a.size(); i-- > 0;) {
    const uint64_t da = static_cast<uint64_t>(a[i] - '0');
    if (da == 0) continue;
    for (size_t j = b.size(); j-- > 0;) acc[i + j + 1] += da * static_cast<uint64_t>(b[j] - '0');
  }
  std::string out(acc.size(), '0');
  uint64_t carry = 0;
  for (size_t k = acc.size(); k-- > 0;) {
    const uint64_t v = acc[k] + carry;
    out[k] = static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  StripLeadingZeros(&out);
  return out;
}

// Schoolbook long division of normalized magnitudes: returns floor(n / d)
// and, if `remainder` is set, n mod d. REQUIRES: d non-empty (non-zero).
std::string DivMag(std::string_view n, std::string_view d, std::string* remainder) {
  std::string q;
  q.reserve(n.size());
  std::string r;
  for (char c : n) {
    if (!(r.empty() && c == '0')) r.push_back(c);
    char count = '0';
    while (CompareMag(r, d) >= 0) {
      SubMagInPlace(&r, d);
      ++count;
    }
    q.push_back(count);
  }
  StripLeadingZeros(&q);
  if (remainder != nullptr) *remainder = std::move(r);
  return q;
}

int FloorDiv(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

Status InvalidSyntax(std::string_view text) {
  return Status(SqlState::kInvalidTextRepresentation,
                "invalid input syntax for type numeric: \"" + std::string(text) + "\"");
}

Status Overflow() {
  return Status(SqlState::kNumericValueOutOfRange, "value overflows numeric format");
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

Result<Numeric> Numeric::Make(bool negative, std::string digits, int32_t scale) {
  StripLeadingZeros(&digits);
  if (scale < 0 || scale > kMaxScale) return Overflow();
  if (static_cast<int64_t>(digits.size()) - scale > kMaxIntegerDigits) return Overflow();
  Numeric n;
  n.negative_ = negative && !digits.empty();
  n.scale_ = scale;
  n.digits_ = std::move(digits);
  return n;
}

Numeric Numeric::NaN() {
  Numeric n;
  n.nan_ = true;
  return n;
}

Numeric Numeric::FromInt64(int64_t v) {
  Numeric n;
  n.negative_ = v < 0;
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  n.digits_ = mag == 0 ? "" : std::to_string(mag);
  return n;
}

Result<Numeric> Numeric::FromDouble(double v) {
  if (std::isnan(v)) return NaN();
  if (std::isinf(v)) {
    return Status(SqlState::kFeatureNotSupported, "cannot convert infinity to numeric");
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", DBL_DIG, v);
  return Parse(buf);
}

Result<Numeric> Numeric::FromFloat(float v) {
  if (std::isnan(v)) return NaN();
  if (std::isinf(v)) {
    return Status(SqlState::kFeatureNotSupported, "cannot convert infinity to numeric");
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", FLT_DIG, static_cast<double>(v));
  return Parse(buf);
}

Result<Numeric> Numeric::Parse(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n && IsSpace(text[i])) ++i;

  if (StartsWithNoCase(text.substr(i), "nan")) {
    i += 3;
    while (i < n && IsSpace(text[i])) ++i;
    if (i != n) return InvalidSyntax(text);
    return NaN();
  }

  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  if (StartsWithNoCase(text.substr(i), "inf")) {
    return Status(SqlState::kFeatureNotSupported, "numeric infinity is not supported");
  }

  std::string digits;
  int64_t fraction_digits = 0;
  bool seen_point = false;
  bool seen_digit = false;
  for (; i < n; ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (!(digits.empty() && c == '0')) digits.push_back(c);
      if (seen_point) ++fraction_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return InvalidSyntax(text);

  int64_t exponent = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i >= n || !std::isdigit(static_cast<unsigned char>(text[i]))) return InvalidSyntax(text);
    for (; i < n && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > kMaxInputExponent) return InvalidSyntax(text);
    }
    if (exp_negative) exponent = -exponent;
  }
  while (i < n && IsSpace(text[i])) ++i;
  if (i != n) return InvalidSyntax(text);

  int64_t scale = fraction_digits - exponent;
  if (scale < 0) {
    if (!digits.empty()) digits.append(static_cast<size_t>(-scale), '0');
    scale = 0;
  }
  if (scale > kMaxScale) return Overflow();
  return Make(negative, std::move(digits), static_cast<int32_t>(scale));
}

Result<Numeric> Numeric::FromParts(bool negative, std::string_view digits, int32_t scale) {
  for (char c : digits) {
    if (c < '0' || c > '9') return Status::Corruption("numeric digits contain a non-digit");
  }
  return Make(negative, std::string(digits), scale);
}

std::string Numeric::ToString() const {
  if (nan_) return "NaN";
  std::string mag = digits_;
  if (mag.size() <= static_cast<size_t>(scale_)) {
    mag.insert(0, static_cast<size_t>(scale_) + 1 - mag.size(), '0');
  }
  std::string out;
  out.reserve(mag.size() + 2);
  if (negative_) out.push_back('-');
  const size_t int_len = mag.size() - static_cast<size_t>(scale_);
  out.append(mag, 0, int_len);
  if (scale_ > 0) {
    out.push_back('.');
    out.append(mag, int_len, std::string::npos);
  }
  return out;
}

int Numeric::Compare(const Numeric& other) const {
  if (nan_ || other.nan_) {
    if (nan_ && other.nan_) return 0;
    return nan_ ? 1 : -1;
  }
  const int sign_a = is_zero() ? 0 : (negative_ ? -1 : 1);
  const int sign_b = other.is_zero() ? 0 : (other.negative_ ? -1 : 1);
  if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
  if (sign_a == 0) return 0;

  int mag = 0;
  if (exponent() != other.exponent()) {
    mag = exponent() < other.exponent() ? -1 : 1;
  } else {
    // Same exponent: the digit strings are aligned at their first digit.
    const size_t len = std::max(digits_.size(), other.digits_.size());
    for (size_t i = 0; i < len && mag == 0; ++i) {
      const char a = i < digits_.size() ? digits_[i] : '0';
      const char b = i < other.digits_.size() ? other.digits_[i] : '0';
      if (a != b) mag = a < b ? -1 : 1;
    }
  }
  return negative_ ? -mag : mag;
}

std::string Numeric::DigitsAtScale(int32_t scale) const {
  if (digits_.empty()) return "";
  std::string out = digits_;
  out.append(static_cast<size_t>(scale - scale_), '0');
  return out;
}

Result<Numeric> Numeric::Add(const Numeric& other) const {
  if (nan_ || other.nan_) return NaN();
  const int32_t scale = std::max(scale_, other.scale_);
  const std::string a = DigitsAtScale(scale);
  const std::string b = other.DigitsAtScale(scale);
  if (negative_ == other.negative_) return Make(negative_, AddMag(a, b), scale);
  const int cmp = CompareMag(a, b);
  if (cmp == 0) return Make(false, "", scale);
  std::string diff = cmp > 0 ? a : b;
  SubMagInPlace(&diff, cmp > 0 ? b : a);
  return Make(cmp > 0 ? negative_ : other.negative_, std::move(diff), scale);
}

Result<Numeric> Numeric::Subtract(const Numeric& other) const { return Add(other.Negate()); }

Result<Numeric> Numeric::Multiply(const Numeric& other) const {
  if (nan_ || other.nan_) return NaN();
  Numeric product;
  product.digits_ = MulMag(digits_, other.digits_);
  product.negative_ = negative_ != other.negative_ && !product.digits_.empty();
  product.scale_ = scale_ + other.scale_;
  if (product.scale_ > kMaxScale) product = product.Round(kMaxScale);
  return Make(product.negative_, std::move(product.digits_), product.scale_);
}

Result<Numeric> Numeric::Divide(const Numeric& other) const {
  if (nan_ || other.nan_) return NaN();
  if (other.is_zero()) return Status(SqlState::kDivisionByZero, "division by zero");

  // PostgreSQL's select_div_scale, computed on base-10000 digits: `weight` is
  // the index of the first non-zero base-10000 digit, `first` its value.
  auto weight_and_first = [](const Numeric& x, int* weight, int* first) {
    if (x.is_zero()) {
      *weight = 0;
      *first = 0;
      return;
    }
    const int e = x.exponent();
    *weight = FloorDiv(e, 4);
    const int group_len = e - 4 * *weight + 1;
    int v = 0;
    for (int i = 0; i < group_len; ++i) {
      v = v * 10 + (static_cast<size_t>(i) < x.digits_.size() ? x.digits_[i] - '0' : 0);
    }
    *first = v;
  };
  int weight1;
  int first1;
  int weight2;
  int first2;
  weight_and_first(*this, &weight1, &first1);
  weight_and_first(other, &weight2, &first2);
  int qweight = weight1 - weight2;
  if (first1 <= first2) --qweight;
  int32_t rscale = kMinSigDigits - qweight * 4;
  rscale = std::max({rscale, scale_, other.scale_, 0});
  rscale = std::min(rscale, kMaxDisplayScale);
  return DivideWithScale(other, rscale);
}

Result<Numeric> Numeric::DivideWithScale(const Numeric& other, int32_t result_scale) const {
  if (nan_ || other.nan_) return NaN();
  if (other.is_zero()) return Status(SqlState::kDivisionByZero, "division by zero");
  if (is_zero()) return Make(false, "", result_scale);
  // |q| = |a| / |b| * 10^result_scale = A * 10^k / B with k as below; one
  // extra digit is computed to round half away from zero.
  std::string n = digits_;
  std::string d = other.digits_;
  const int64_t k = static_cast<int64_t>(result_scale) + other.scale_ - scale_;
  if (k >= 0) {
    n.append(static_cast<size_t>(k) + 1, '0');
  } else {
    n.push_back('0');
    d.append(static_cast<size_t>(-k), '0');
  }
  std::string q = DivMag(n, d, nullptr);
  const char last = q.empty() ? '0' : q.back();
  if (!q.empty()) q.pop_back();
  if (last >= '5') q = AddMag(q, "1");
  return Make(negative_ != other.negative_, std::move(q), result_scale);
}

Result<Numeric> Numeric::Modulo(const Numeric& other) const {
  if (nan_ || other.nan_) return NaN();
  if (other.is_zero()) return Status(SqlState::kDivisionByZero, "division by zero");
  const int32_t scale = std::max(scale_, other.scale_);
  std::string remainder;
  DivMag(DigitsAtScale(scale), other.DigitsAtScale(scale), &remainder);
  return Make(negative_, std::move(remainder), scale);
}

Numeric Numeric::Negate() const {
  Numeric n = *this;
  if (!nan_ && !digits_.empty()) n.negative_ = !negative_;
  return n;
}

Numeric Numeric::Abs() const {
  Numeric n = *this;
  n.negative_ = false;
  return n;
}

Numeric Numeric::RoundOrTruncate(int32_t scale, bool round) const {
  if (nan_) return *this;
  scale = std::clamp(scale, -kMaxResultScale, kMaxResultScale);
  Numeric out;
  out.negative_ = negative_;
  if (scale >= scale_) {
    out.digits_ = DigitsAtScale(scale);
    out.scale_ = scale;
    return out;
  }
  const int64_t keep = static_cast<int64_t>(digits_.size()) - (scale_ - scale);
  std::string kept = keep > 0 ? digits_.substr(0, static_cast<size_t>(keep)) : "";
  if (round) {
    const char first_dropped =
        keep >= 0 && static_cast<size_t>(keep) < digits_.size() ? digits_[keep] : '0';
    if (first_dropped >= '5') kept = AddMag(kept, "1");
  }
  if (scale < 0) {
    if (!kept.empty()) kept.append(static_cast<size_t>(-scale), '0');
    scale = 0;
  }
  out.digits_ = std::move(kept);
  out.scale_ = scale;
  if (out.digits_.empty()) out.negative_ = false;
  return out;
}

Numeric Numeric::Round(int32_t scale) const { return RoundOrTruncate(scale, true); }

Numeric Numeric::Truncate(int32_t scale) const { return RoundOrTruncate(scale, false); }

Numeric Numeric::Normalized() const {
  Numeric n = *this;
  while (n.scale_ > 0 && !n.digits_.empty() && n.digits_.back() == '0') {
    n.digits_.pop_back();
    --n.scale_;
  }
  if (n.digits_.empty()) n.scale_ = 0;
  return n;
}

Result<Numeric> Numeric::ApplyPrecisionScale(int32_t precision, int32_t scale) const {
  if (nan_) return *this;
  Numeric rounded = Round(scale);
  if (rounded.is_zero()) return rounded;
  const int32_t max_digits = precision - scale;
  const int32_t int_digits = rounded.exponent() + 1;
  if (int_digits > max_digits) {
    std::string limit = max_digits != 0 ? "10^" + std::to_string(max_digits) : "1";
    return Status(SqlState::kNumericValueOutOfRange, "numeric field overflow")
        .WithDetail("A field with precision " + std::to_string(precision) + ", scale " +
                    std::to_string(scale) + " must round to an absolute value less than " +
                    limit + ".");
  }
  return rounded;
}

Result<Numeric> Numeric::ApplyTypmod(int32_t typmod) const {
  if (typmod < 4) return *this;
  const int32_t bits = typmod - 4;
  const int32_t precision = (bits >> 16) & 0xffff;
  const int32_t scale = ((bits & 0x7ff) ^ 1024) - 1024;
  return ApplyPrecisionScale(precision, scale);
}

Result<int64_t> Numeric::ToInt64() const {
  if (nan_) return Status(SqlState::kFeatureNotSupported, "cannot convert NaN to bigint");
  const Numeric r = Round(0);
  if (r.digits_.size() > 19) return Status(SqlState::kNumericValueOutOfRange, "bigint out of range");
  uint64_t mag = 0;
  for (char c : r.digits_) mag = mag * 10 + static_cast<uint64_t>(c - '0');
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (r.negative_) {
    if (mag > kMaxPositive + 1) {
      return Status(SqlState::kNumericValueOutOfRange, "bigint out of range");
    }
    return static_cast<int64_t>(0 - mag);
  }
  if (mag > kMaxPositive) return Status(SqlState::kNumericValueOutOfRange, "bigint out of range");
  return static_cast<int64_t>(mag);
}

double Numeric::ToDouble() const {
  if (nan_) return std::numeric_limits<double>::quiet_NaN();
  return std::strtod(ToString().c_str(), nullptr);
}

}  // namespace strata
