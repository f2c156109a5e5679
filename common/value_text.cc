#include "common/value_text.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

#include "common/datetime.h"
#include "common/timezone.h"

namespace strata {
namespace {

// PostgreSQL's supported range: 4713 BC to 294276 AD (timestamps) and
// 5874897 AD (dates); we check the Julian-day lower bound and the upper years.
constexpr int64_t kMinYear = -4713;
constexpr int64_t kMaxDateYear = 5874897;
constexpr int64_t kMaxTimestampYear = 294276;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

Status InvalidSyntax(std::string_view type_name, std::string_view text) {
  return Status(SqlState::kInvalidTextRepresentation,
                "invalid input syntax for type " + std::string(type_name) + ": " + Quoted(text));
}

Status DateSyntax(std::string_view type_name, std::string_view text) {
  return Status(SqlState::kInvalidDatetimeFormat,
                "invalid input syntax for type " + std::string(type_name) + ": " + Quoted(text));
}

Status DateRange(std::string_view text) {
  return Status(SqlState::kDatetimeFieldOverflow,
                "date/time field value out of range: " + Quoted(text));
}

// ---- bool, integers, floats ----------------------------------------------

Result<Value> ParseBool(std::string_view text) {
  const std::string_view s = Trim(text);
  auto prefix_of = [&s](std::string_view word) {
    return !s.empty() && s.size() <= word.size() && EqualsNoCase(s, word.substr(0, s.size()));
  };
  if (prefix_of("true") || prefix_of("yes") || (s.size() >= 2 && prefix_of("on")) || s == "1") {
    return Value::Bool(true);
  }
  if (prefix_of("false") || prefix_of("no") || (s.size() >= 2 && prefix_of("off")) || s == "0") {
    return Value::Bool(false);
  }
  return InvalidSyntax("boolean", text);
}

Result<Value> ParseInt(TypeId type, std::string_view text) {
  const char* name =
      type == TypeId::kInt2 ? "smallint" : (type == TypeId::kInt4 ? "integer" : "bigint");
  std::string_view s = Trim(text);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return InvalidSyntax(name, text);
  uint64_t mag = 0;
  bool overflow = false;
  for (char c : s) {
    if (c < '0' || c > '9') return InvalidSyntax(name, text);
    if (mag > (UINT64_MAX - 9) / 10) overflow = true;
    if (!overflow) mag = mag * 10 + static_cast<uint64_t>(c - '0');
  }
  const int bits = type == TypeId::kInt2 ? 16 : (type == TypeId::kInt4 ? 32 : 64);
  const uint64_t max_positive = (uint64_t{1} << (bits - 1)) - 1;
  if (overflow || mag > max_positive + (negative ? 1 : 0)) {
    return Status(SqlState::kNumericValueOutOfRange,
                  "value " + Quoted(text) + " is out of range for type " + name);
  }
  const int64_t v = negative ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  return Value::Int(type, v);
}

Result<Value> ParseFloat(TypeId type, std::string_view text) {
  const char* name = type == TypeId::kFloat4 ? "real" : "double precision";
  // Plain decimal text (what COPY and drivers send) through from_chars:
  // the same correctly rounded value as strtod, several times faster and
  // without a copy. Everything else -- a leading '+', Infinity/NaN, hex,
  // zero, subnormal or out-of-range values -- takes the strtod path below.
  const std::string_view trimmed = Trim(text);
  if (type == TypeId::kFloat4) {
    float f = 0;
    const auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), f);
    if (ec == std::errc() && end == trimmed.data() + trimmed.size() && std::isnormal(f))
      return Value::Float4(f);
  } else {
    double d = 0;
    const auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), d);
    if (ec == std::errc() && end == trimmed.data() + trimmed.size() && std::isnormal(d))
      return Value::Float8(d);
  }
  const std::string s(trimmed);
  if (s.empty()) return InvalidSyntax(name, text);
  errno = 0;
  char* end = nullptr;
  double v;
  if (type == TypeId::kFloat4) {
    v = static_cast<double>(std::strtof(s.c_str(), &end));
  } else {
    v = std::strtod(s.c_str(), &end);
  }
  if (end != s.c_str() + s.size()) return InvalidSyntax(name, text);
  // Like PostgreSQL, denormal results are fine; overflow and underflow to
  // zero of a non-zero input are errors.
  if (errno == ERANGE && (v == 0.0 || std::isinf(v))) {
    return Status(SqlState::kNumericValueOutOfRange,
                  Quoted(s) + " is out of range for type " + name);
  }
  return type == TypeId::kFloat4 ? Value::Float4(static_cast<float>(v)) : Value::Float8(v);
}

// ---- strings -------------------------------------------------------------

// Number of UTF-8 characters (lead bytes).
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset of the `chars`-th character.
size_t ByteOffsetOfChar(std::string_view s, size_t chars) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == chars) return i;
      ++n;
    }
  }
  return s.size();
}

Result<Value> ParseCharacter(const DataType& type, std::string_view text) {
  const int32_t max_chars = CharLength(type);
  std::string s(text);
  if (max_chars >= 0) {
    const size_t count = CharCount(s);
    if (count > static_cast<size_t>(max_chars)) {
      const size_t cut = ByteOffsetOfChar(s, static_cast<size_t>(max_chars));
      if (s.find_first_not_of(' ', cut) != std::string::npos) {
        return Status(SqlState::kStringDataRightTruncation,
                      "value too long for type " + type.ToString());
      }
      s.resize(cut);
    } else if (type.id == TypeId::kBpchar) {
      s.append(static_cast<size_t>(max_chars) - count, ' ');
    }
  }
  return Value::String(type.id, std::move(s));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Value> ParseBytea(std::string_view text) {
  std::string out;
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    for (size_t i = 2; i < text.size();) {
      if (std::isspace(static_cast<unsigned char>(text[i]))) {
        ++i;
        continue;
      }
      const int hi = HexValue(text[i]);
      if (hi < 0) {
        return Status(SqlState::kInvalidParameterValue,
                      "invalid hexadecimal digit: " + Quoted(text.substr(i, 1)));
      }
      if (i + 1 >= text.size()) {
        return Status(SqlState::kInvalidParameterValue,
                      "invalid hexadecimal data: odd number of digits");
      }
      const int lo = HexValue(text[i + 1]);
      if (lo < 0) {
        return Status(SqlState::kInvalidParameterValue,
                      "invalid hexadecimal digit: " + Quoted(text.substr(i + 1, 1)));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
    return Value::Bytea(std::move(out));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' &&
               text[i + 2] >= '0' && text[i + 2] <= '7' && text[i + 3] >= '0' &&
               text[i + 3] <= '7') {
      out.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                      (text[i + 3] - '0')));
      i += 3;
    } else {
      return InvalidSyntax("bytea", text);
    }
  }
  return Value::Bytea(std::move(out));
}

std::string FormatBytea(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Result<Value> ParseUuid(std::string_view text) {
  std::string_view s = Trim(text);
  if (!s.empty() && s.front() == '{') {
    if (s.back() != '}') return InvalidSyntax("uuid", text);
    s = s.substr(1, s.size() - 2);
  }
  Uuid u{};
  size_t nibbles = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    // PostgreSQL allows a hyphen after any group of four hex digits.
    if (s[i] == '-' && nibbles > 0 && nibbles % 4 == 0 && nibbles < 32 && i + 1 < s.size() &&
        s[i + 1] != '-') {
      continue;
    }
    const int v = HexValue(s[i]);
    if (v < 0 || nibbles >= 32) return InvalidSyntax("uuid", text);
    u[nibbles / 2] = static_cast<uint8_t>(u[nibbles / 2] | (nibbles % 2 == 0 ? v << 4 : v));
    ++nibbles;
  }
  if (nibbles != 32) return InvalidSyntax("uuid", text);
  return Value::FromUuid(u);
}

std::string FormatUuid(const Uuid& u) {
  char buf[40];
  std::snprintf(buf, sizeof(buf),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                u[15]);
  return buf;
}

// ---- dates and times -----------------------------------------------------

// Reads between min_width and max_width digits.
bool ReadDigits(std::string_view* s, size_t min_width, size_t max_width, int64_t* v) {
  size_t n = 0;
  int64_t r = 0;
  while (n < s->size() && n < max_width && std::isdigit(static_cast<unsigned char>((*s)[n]))) {
    r = r * 10 + ((*s)[n] - '0');
    ++n;
  }
  if (n < min_width) return false;
  s->remove_prefix(n);
  *v = r;
  return true;
}

bool Consume(std::string_view* s, char c) {
  if (s->empty() || s->front() != c) return false;
  s->remove_prefix(1);
  return true;
}

// Three numeric fields separated by '-', '/' or '.' -> civil fields; false
// on syntax error. A first field of three or more digits is the year
// (ISO 'YYYY-MM-DD'); otherwise DateStyle's order applies. One- and
// two-digit years are 1970..2069, as PostgreSQL's AdjustYears.
bool ReadDate(std::string_view* s, DateOrder order, int64_t* y, int64_t* m, int64_t* d) {
  int64_t f[3];
  size_t width[3];
  char separator = 0;
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      const char c = s->empty() ? '\0' : s->front();
      if (i == 1 && (c == '-' || c == '/' || c == '.')) separator = c;
      if (c != separator || separator == 0) return false;
      s->remove_prefix(1);
    }
    const size_t before = s->size();
    if (!ReadDigits(s, 1, 9, &f[i])) return false;
    width[i] = before - s->size();
  }
  int year_field = 0;
  if (width[0] >= 3 || order == DateOrder::kYmd) {
    *y = f[0];
    *m = f[1];
    *d = f[2];
  } else if (order == DateOrder::kDmy) {
    *d = f[0];
    *m = f[1];
    *y = f[2];
    year_field = 2;
  } else {
    *m = f[0];
    *d = f[1];
    *y = f[2];
    year_field = 2;
  }
  if (width[year_field] <= 2) *y += *y < 70 ? 2000 : 1900;
  return true;
}

// "HH:MM[:SS[.frac]]" -> microseconds since midnight; false on syntax error;
// *range_error for out-of-range fields.
bool ReadTime(std::string_view* s, int64_t* micros, bool* range_error) {
  int64_t h;
  int64_t mi;
  int64_t sec = 0;
  int64_t frac = 0;
  if (!ReadDigits(s, 1, 2, &h) || !Consume(s, ':') || !ReadDigits(s, 2, 2, &mi)) return false;
  if (Consume(s, ':')) {
    if (!ReadDigits(s, 2, 2, &sec)) return false;
    if (Consume(s, '.')) {
      int digits = 0;
      bool round_up = false;
      while (!s->empty() && std::isdigit(static_cast<unsigned char>(s->front()))) {
        if (digits < 6) {
          frac = frac * 10 + (s->front() - '0');
        } else if (digits == 6) {
          round_up = s->front() >= '5';
        }
        ++digits;
        s->remove_prefix(1);
      }
      for (int i = digits; i < 6; ++i) frac *= 10;
      if (round_up) ++frac;
    }
  }
  if (mi > 59 || sec > 60 || h > 24) {
    *range_error = true;
    return true;
  }
  *micros = ((h * 60 + mi) * 60 + sec) * kMicrosPerSecond + frac;
  if (*micros > kMicrosPerDay) *range_error = true;
  return true;
}

bool ReadBc(std::string_view* s) {
  std::string_view t = Trim(*s);
  if (t.size() >= 2 && EqualsNoCase(t.substr(t.size() - 2), "bc")) {
    *s = Trim(t.substr(0, t.size() - 2));
    return true;
  }
  return false;
}

int64_t RoundMicros(int64_t micros, int32_t typmod) {
  if (typmod < 0 || typmod >= 6) return micros;
  int64_t unit = 1;
  for (int i = typmod; i < 6; ++i) unit *= 10;
  const int64_t half = unit / 2;
  // Round half away from zero, as PostgreSQL's AdjustTimestampForTypmod.
  return micros >= 0 ? (micros + half) / unit * unit : -((-micros + half) / unit * unit);
}

// 'now', 'today', 'tomorrow', 'yesterday' -> a wall-clock time in the
// context's zone, or nullopt if `s` is none of them. `*is_now` tells 'now'
// (whose timestamptz value is context->now_micros itself). `*status` is set
// when a context is needed but missing.
std::optional<int64_t> SpecialRelativeTime(std::string_view s, const TextInputContext* context,
                                           bool* is_now, Status* status) {
  int64_t day_offset;
  bool midnight = true;
  if (EqualsNoCase(s, "now")) {
    day_offset = 0;
    midnight = false;
  } else if (EqualsNoCase(s, "today")) {
    day_offset = 0;
  } else if (EqualsNoCase(s, "tomorrow")) {
    day_offset = 1;
  } else if (EqualsNoCase(s, "yesterday")) {
    day_offset = -1;
  } else {
    return std::nullopt;
  }
  if (context == nullptr) {
    *status = Status::NotSupported("date/time input \"" + std::string(s) +
                                   "\" needs the current time, which is not available here");
    return std::nullopt;
  }
  *is_now = !midnight;
  int64_t now = TimestampTzToLocal(context->now_micros, context->zone);
  if (midnight) {
    int64_t days = now / kMicrosPerDay;
    if (now % kMicrosPerDay < 0) --days;
    now = days * kMicrosPerDay;
  }
  return now + day_offset * kMicrosPerDay;
}

Result<Value> ParseDate(std::string_view text, const TextInputContext* context) {
  std::string_view s = Trim(text);
  {
    Status needs_context;
    bool is_now = false;
    if (std::optional<int64_t> ts = SpecialRelativeTime(s, context, &is_now, &needs_context)) {
      int64_t days = *ts / kMicrosPerDay;
      if (*ts % kMicrosPerDay < 0) --days;
      return Value::Date(static_cast<int32_t>(days));
    }
    if (!needs_context.ok()) return needs_context;
  }
  if (EqualsNoCase(s, "infinity") || EqualsNoCase(s, "+infinity")) {
    return Value::Date(kDatePositiveInfinity);
  }
  if (EqualsNoCase(s, "-infinity")) return Value::Date(kDateNegativeInfinity);
  if (EqualsNoCase(s, "epoch")) return Value::Date(-kUnixEpochToPgEpochDays);
  const bool bc = ReadBc(&s);
  int64_t y;
  int64_t m;
  int64_t d;
  if (s.size() == 8 &&
      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Undelimited ISO 8601: YYYYMMDD.
    y = std::atoi(std::string(s.substr(0, 4)).c_str());
    m = std::atoi(std::string(s.substr(4, 2)).c_str());
    d = std::atoi(std::string(s.substr(6, 2)).c_str());
    s = {};
  } else if (!ReadDate(&s, context != nullptr ? context->date_order : DateOrder::kMdy, &y, &m, &d) ||
             !s.empty()) {
    return DateSyntax("date", text);
  }
  if (bc) {
    if (y == 0) return DateRange(text);
    y = 1 - y;
  }
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, static_cast<int>(m)) || (!bc && y == 0)) {
    return DateRange(text);
  }
  if (y < kMinYear || y > kMaxDateYear) {
    return Status(SqlState::kDatetimeFieldOverflow, "date out of range: " + Quoted(text));
  }
  return Value::Date(DaysFromCivil(y, static_cast<int>(m), static_cast<int>(d)));
}

Result<Value> ParseTime(const DataType& type, std::string_view text) {
  std::string_view s = Trim(text);
  int64_t micros = 0;
  bool range_error = false;
  if (!ReadTime(&s, &micros, &range_error) || !Trim(s).empty()) return DateSyntax("time", text);
  if (range_error) return DateRange(text);
  return Value::Time(std::min(RoundMicros(micros, type.typmod), kMicrosPerDay));
}

// Zone suffix -> offset seconds east of UTC; false if `s` is not a zone.
bool ReadZone(std::string_view s, int64_t* offset_seconds) {
  s = Trim(s);
  if (EqualsNoCase(s, "z") || EqualsNoCase(s, "utc") || EqualsNoCase(s, "gmt")) {
    *offset_seconds = 0;
    return true;
  }
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return false;
  const int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  int64_t h;
  int64_t m = 0;
  int64_t sec = 0;
  if (s.size() == 4 && std::isdigit(static_cast<unsigned char>(s[2]))) {
    if (!ReadDigits(&s, 2, 2, &h) || !ReadDigits(&s, 2, 2, &m)) return false;
  } else {
    if (!ReadDigits(&s, 1, 2, &h)) return false;
    if (Consume(&s, ':')) {
      if (!ReadDigits(&s, 2, 2, &m)) return false;
      if (Consume(&s, ':') && !ReadDigits(&s, 2, 2, &sec)) return false;
    }
  }
  if (!s.empty() || h > 15 || m > 59 || sec > 59) return false;
  *offset_seconds = sign * (h * 3600 + m * 60 + sec);
  return true;
}

Status BadZoneName(std::string_view zone) {
  std::string lower(zone);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Status(SqlState::kInvalidParameterValue, "time zone \"" + lower + "\" not recognized");
}

Result<Value> ParseTimestamp(const DataType& type, std::string_view text,
                             const TextInputContext* context) {
  const bool with_tz = type.id == TypeId::kTimestampTz;
  const char* name = with_tz ? "timestamp with time zone" : "timestamp without time zone";
  std::string_view s = Trim(text);
  auto make = [&](int64_t v) { return with_tz ? Value::TimestampTz(v) : Value::Timestamp(v); };
  if (EqualsNoCase(s, "infinity") || EqualsNoCase(s, "+infinity")) {
    return make(kTimestampPositiveInfinity);
  }
  if (EqualsNoCase(s, "-infinity")) return make(kTimestampNegativeInfinity);
  if (EqualsNoCase(s, "epoch")) {
    return make(-static_cast<int64_t>(kUnixEpochToPgEpochDays) * kMicrosPerDay);
  }
  {
    Status needs_context;
    bool is_now = false;
    if (std::optional<int64_t> ts = SpecialRelativeTime(s, context, &is_now, &needs_context)) {
      int64_t v = *ts;
      if (with_tz) v = is_now ? context->now_micros : LocalToTimestampTz(v, context->zone);
      return make(RoundMicros(v, type.typmod));
    }
    if (!needs_context.ok()) return needs_context;
  }

  int64_t y;
  int64_t m;
  int64_t d;
  if (!ReadDate(&s, context != nullptr ? context->date_order : DateOrder::kMdy, &y, &m, &d)) {
    return DateSyntax(name, text);
  }
  int64_t micros = 0;
  bool range_error = false;
  if (!s.empty() && (s[0] == ' ' || s[0] == 'T' || s[0] == 't')) {
    std::string_view rest = Trim(s.substr(1));
    if (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]))) {
      if (!ReadTime(&rest, &micros, &range_error)) return DateSyntax(name, text);
      s = rest;
    }
  }
  int64_t offset_seconds = 0;
  const TimeZone* zone = context != nullptr ? context->zone : nullptr;
  bool fixed_offset = false;
  const bool bc = ReadBc(&s);
  s = Trim(s);
  if (!s.empty()) {
    // A zone is accepted (and ignored) for timestamp without time zone, as
    // in PostgreSQL.
    if (ReadZone(s, &offset_seconds)) {
      fixed_offset = true;
    } else if (std::optional<int32_t> abbreviation = TimeZone::AbbreviationOffset(s)) {
      offset_seconds = *abbreviation;
      fixed_offset = true;
    } else if (std::any_of(s.begin(), s.end(),
                           [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })) {
      Result<const TimeZone*> named = TimeZone::LoadName(s);
      if (!named.ok()) {
        return s.find('/') != std::string_view::npos ? BadZoneName(s) : DateSyntax(name, text);
      }
      zone = *named;
    } else {
      return DateSyntax(name, text);
    }
  }
  if (bc) {
    if (y == 0) return DateRange(text);
    y = 1 - y;
  }
  if (range_error || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, static_cast<int>(m)) ||
      (!bc && y == 0)) {
    return DateRange(text);
  }
  if (y < kMinYear || y > kMaxTimestampYear) {
    return Status(SqlState::kDatetimeFieldOverflow, "timestamp out of range: " + Quoted(text));
  }
  const int64_t days = DaysFromCivil(y, static_cast<int>(m), static_cast<int>(d));
  const int64_t local = days * kMicrosPerDay + micros;
  if (!with_tz) return make(RoundMicros(local, type.typmod));
  const int64_t v = fixed_offset ? local - offset_seconds * kMicrosPerSecond
                                 : LocalToTimestampTz(local, zone);
  return make(RoundMicros(v, type.typmod));
}

std::string FormatDateFields(int64_t y, int m, int d) {
  char buf[48];
  const bool bc = y <= 0;
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02d", static_cast<long long>(bc ? 1 - y : y), m, d);
  return buf;
}

std::string FormatTimeOfDay(int64_t micros) {
  const int64_t secs = micros / kMicrosPerSecond;
  const int64_t frac = micros % kMicrosPerSecond;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out = buf;
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

std::string FormatDate(int32_t days) {
  if (days == kDatePositiveInfinity) return "infinity";
  if (days == kDateNegativeInfinity) return "-infinity";
  int64_t y;
  int m;
  int d;
  CivilFromDays(days, &y, &m, &d);
  std::string out = FormatDateFields(y, m, d);
  if (y <= 0) out += " BC";
  return out;
}

std::string FormatTimestamp(int64_t micros, bool with_tz, const TimeZone* zone) {
  if (micros == kTimestampPositiveInfinity) return "infinity";
  if (micros == kTimestampNegativeInfinity) return "-infinity";
  int32_t offset = 0;
  if (with_tz) micros = TimestampTzToLocal(micros, zone, &offset);
  int64_t days = micros / kMicrosPerDay;
  int64_t time = micros % kMicrosPerDay;
  if (time < 0) {
    time += kMicrosPerDay;
    --days;
  }
  int64_t y;
  int m;
  int d;
  CivilFromDays(static_cast<int32_t>(days), &y, &m, &d);
  std::string out = FormatDateFields(y, m, d) + " " + FormatTimeOfDay(time);
  if (with_tz) out += FormatUtcOffset(offset);
  if (y <= 0) out += " BC";
  return out;
}

// ---- json ------------------------------------------------------------------

// A parsed JSON document, kept only for jsonb normalization.
struct JsonNode {
  enum class Kind { kNull, kTrue, kFalse, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;  // number (normalized) or decoded string
  std::string key;   // as a member of an object: its key
  // Array elements, or object members (each with its key). A vector of the
  // node type itself rather than of pairs: libstdc++ with clang rejects
  // std::pair of an incomplete type.
  std::vector<JsonNode> items;
  std::vector<JsonNode> members;
};

// Recursive-descent JSON parser (RFC 8259, as PostgreSQL's json lexer). When
// `build` is false nothing is materialized (json validation).
class JsonParser {
 public:
  JsonParser(std::string_view input, bool build) : in_(input), build_(build) {}

  Status Parse(JsonNode* root) {
    SkipSpace();
    STRATA_RETURN_IF_ERROR(ParseValue(root, 0));
    SkipSpace();
    if (pos_ != in_.size()) return Error("Expected end of input, but found \"" + Token() + "\".");
    return Status::OK();
  }

 private:
  static constexpr int kMaxDepth = 6400;

  Status Error(std::string detail) const {
    return Status(SqlState::kInvalidTextRepresentation, "invalid input syntax for type json")
        .WithDetail(std::move(detail));
  }
  std::string Token() const {
    size_t end = pos_;
    while (end < in_.size() &&
           (std::isalnum(static_cast<unsigned char>(in_[end])) || in_[end] == '_' ||
            in_[end] == '.' || in_[end] == '-' || in_[end] == '+')) {
      ++end;
    }
    if (end == pos_ && end < in_.size()) ++end;
    return std::string(in_.substr(pos_, end - pos_));
  }
  void SkipSpace() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return false;
    const size_t end = pos_ + word.size();
    if (end < in_.size() &&
        (std::isalnum(static_cast<unsigned char>(in_[end])) || in_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }

  Status ParseValue(JsonNode* node, int depth) {
    if (depth > kMaxDepth) {
      return Status(SqlState::kProgramLimitExceeded, "stack depth limit exceeded");
    }
    if (pos_ >= in_.size()) return Error("The input string ended unexpectedly.");
    const char c = in_[pos_];
    if (c == '{') return ParseObject(node, depth);
    if (c == '[') return ParseArray(node, depth);
    if (c == '"') {
      if (build_) node->kind = JsonNode::Kind::kString;
      return ParseString(build_ ? &node->text : nullptr);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(node);
    if (Literal("true")) {
      if (build_) node->kind = JsonNode::Kind::kTrue;
      return Status::OK();
    }
    if (Literal("false")) {
      if (build_) node->kind = JsonNode::Kind::kFalse;
      return Status::OK();
    }
    if (Literal("null")) {
      if (build_) node->kind = JsonNode::Kind::kNull;
      return Status::OK();
    }
    return Error("Token \"" + Token() + "\" is invalid.");
  }

  Status ParseNumber(JsonNode* node) {
    const size_t start = pos_;
    if (in_[pos_] == '-') ++pos_;
    auto digits = [this] {
      size_t n = 0;
      while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') ++pos_, ++n;
      return n;
    };
    const size_t int_start = pos_;
    const size_t int_digits = digits();
    bool ok = int_digits > 0 && !(int_digits > 1 && in_[int_start] == '0');
    if (ok && pos_ < in_.size() && in_[pos_] == '.') {
      ++pos_;
      ok = digits() > 0;
    }
    if (ok && pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      ok = digits() > 0;
    }
    if (ok && pos_ < in_.size() &&
        (std::isalnum(static_cast<unsigned char>(in_[pos_])) || in_[pos_] == '_')) {
      ok = false;
    }
    if (!ok) {
      pos_ = start;
      return Error("Token \"" + Token() + "\" is invalid.");
    }
    if (build_) {
      node->kind = JsonNode::Kind::kNumber;
      STRATA_ASSIGN_OR_RETURN(Numeric n, Numeric::Parse(in_.substr(start, pos_ - start)));
      node->text = n.ToString();
    }
    return Status::OK();
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool ReadHex4(uint32_t* v) {
    if (pos_ + 4 > in_.size()) return false;
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = HexValue(in_[pos_ + static_cast<size_t>(i)]);
      if (h < 0) return false;
      r = r * 16 + static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *v = r;
    return true;
  }

  // At an opening quote; `out` may be null.
  Status ParseString(std::string* out) {
    ++pos_;
    while (true) {
      if (pos_ >= in_.size()) return Error("The input string ended unexpectedly.");
      const char c = in_[pos_];
      if (c == '"') {
        ++pos_;
        return Status::OK();
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Error("Character with value 0x" + FormatHexByte(c) + " must be escaped.");
      }
      if (c != '\\') {
        if (out != nullptr) out->push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= in_.size()) return Error("The input string ended unexpectedly.");
      const char e = in_[pos_++];
      char decoded = 0;
      switch (e) {
        case '"':
          decoded = '"';
          break;
        case '\\':
          decoded = '\\';
          break;
        case '/':
          decoded = '/';
          break;
        case 'b':
          decoded = '\b';
          break;
        case 'f':
          decoded = '\f';
          break;
        case 'n':
          decoded = '\n';
          break;
        case 'r':
          decoded = '\r';
          break;
        case 't':
          decoded = '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!ReadHex4(&cp)) return Error("\"\\u\" must be followed by four hexadecimal digits.");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (pos_ + 1 < in_.size() && in_[pos_] == '\\' && in_[pos_ + 1] == 'u') {
              pos_ += 2;
              if (!ReadHex4(&lo)) {
                return Error("\"\\u\" must be followed by four hexadecimal digits.");
              }
              if (lo < 0xDC00 || lo > 0xDFFF) {
                return Error("Unicode low surrogate must follow a high surrogate.");
              }
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              return Error("Unicode low surrogate must follow a high surrogate.");
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error("Unicode low surrogate must follow a high surrogate.");
          }
          if (out != nullptr) {
            if (cp == 0) {
              return Status(SqlState("22P05"), "unsupported Unicode escape sequence")
                  .WithDetail("\\u0000 cannot be converted to text.");
            }
            AppendUtf8(cp, out);
          }
          continue;
        }
        default:
          return Error("Escape sequence \"\\" + std::string(1, e) + "\" is invalid.");
      }
      if (out != nullptr) out->push_back(decoded);
    }
  }

  static std::string FormatHexByte(char c) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%02x", static_cast<unsigned char>(c));
    return buf;
  }

  Status ParseArray(JsonNode* node, int depth) {
    ++pos_;
    if (build_) node->kind = JsonNode::Kind::kArray;
    SkipSpace();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      return Status::OK();
    }
    while (true) {
      SkipSpace();
      JsonNode item;
      STRATA_RETURN_IF_ERROR(ParseValue(&item, depth + 1));
      if (build_) node->items.push_back(std::move(item));
      SkipSpace();
      if (pos_ >= in_.size()) return Error("The input string ended unexpectedly.");
      if (in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (in_[pos_] == ']') {
        ++pos_;
        return Status::OK();
      }
      return Error("Expected \",\" or \"]\", but found \"" + Token() + "\".");
    }
  }

  Status ParseObject(JsonNode* node, int depth) {
    ++pos_;
    if (build_) node->kind = JsonNode::Kind::kObject;
    SkipSpace();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      return Status::OK();
    }
    while (true) {
      SkipSpace();
      if (pos_ >= in_.size()) return Error("The input string ended unexpectedly.");
      if (in_[pos_] != '"') return Error("Expected string, but found \"" + Token() + "\".");
      std::string key;
      STRATA_RETURN_IF_ERROR(ParseString(build_ ? &key : nullptr));
      SkipSpace();
      if (pos_ >= in_.size()) return Error("The input string ended unexpectedly.");
      if (in_[pos_] != ':') return Error("Expected \":\", but found \"" + Token() + "\".");
      ++pos_;
      SkipSpace();
      JsonNode value;
      STRATA_RETURN_IF_ERROR(ParseValue(&value, depth + 1));
      if (build_) {
        value.key = std::move(key);
        node->members.push_back(std::move(value));
      }
      SkipSpace();
      if (pos_ >= in_.size()) return Error("The input string ended unexpectedly.");
      if (in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (in_[pos_] == '}') {
        ++pos_;
        return Status::OK();
      }
      return Error("Expected \",\" or \"}\", but found \"" + Token() + "\".");
    }
  }

  std::string_view in_;
  bool build_;
  size_t pos_ = 0;
};

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
          *out += buf;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

namespace {

// jsonb's key order: shorter keys first, then bytewise.
bool JsonbKeyLess(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

void AppendJsonb(JsonNode& node, std::string* out) {
  switch (node.kind) {
    case JsonNode::Kind::kNull:
      *out += "null";
      return;
    case JsonNode::Kind::kTrue:
      *out += "true";
      return;
    case JsonNode::Kind::kFalse:
      *out += "false";
      return;
    case JsonNode::Kind::kNumber:
      *out += node.text;
      return;
    case JsonNode::Kind::kString:
      AppendJsonString(node.text, out);
      return;
    case JsonNode::Kind::kArray:
      out->push_back('[');
      for (size_t i = 0; i < node.items.size(); ++i) {
        if (i > 0) *out += ", ";
        AppendJsonb(node.items[i], out);
      }
      out->push_back(']');
      return;
    case JsonNode::Kind::kObject: {
      // Duplicate keys: the last occurrence wins (stable sort keeps input
      // order among equal keys, so keep the last of each run).
      std::stable_sort(node.members.begin(), node.members.end(),
                       [](const auto& a, const auto& b) { return JsonbKeyLess(a.key, b.key); });
      out->push_back('{');
      bool first = true;
      for (size_t i = 0; i < node.members.size(); ++i) {
        if (i + 1 < node.members.size() && node.members[i + 1].key == node.members[i].key) {
          continue;
        }
        if (!first) *out += ", ";
        first = false;
        AppendJsonString(node.members[i].key, out);
        *out += ": ";
        AppendJsonb(node.members[i], out);
      }
      out->push_back('}');
      return;
    }
  }
}

// ---- arrays ----------------------------------------------------------------

Status MalformedArray(std::string_view text, std::string detail) {
  return Status(SqlState::kInvalidTextRepresentation, "malformed array literal: " + Quoted(text))
      .WithDetail(std::move(detail));
}

bool IsArraySpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

Result<Value> ParseArray(const DataType& type, std::string_view text,
                         const TextInputContext* context) {
  std::string_view s = text;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && IsArraySpace(s[i])) ++i;
  };
  skip_space();
  // Optional dimension decoration "[lo:hi]=" (one dimension).
  if (i < s.size() && s[i] == '[') {
    const size_t close = s.find(']', i);
    if (close == std::string_view::npos) {
      return MalformedArray(text, "Missing \"]\" after array dimensions.");
    }
    i = close + 1;
    if (i < s.size() && s[i] == '[') {
      return Status::NotSupported("multidimensional arrays are not supported");
    }
    skip_space();
    if (i >= s.size() || s[i] != '=') {
      return MalformedArray(text, "Missing \"=\" after array dimensions.");
    }
    ++i;
    skip_space();
  }
  if (i >= s.size() || s[i] != '{') {
    return MalformedArray(text, "Array value must start with \"{\" or dimension information.");
  }
  ++i;
  const DataType element_type = type.ElementType();
  std::vector<Value> elements;
  skip_space();
  if (i < s.size() && s[i] == '}') {
    ++i;
    skip_space();
    if (i != s.size()) return MalformedArray(text, "Junk after closing right brace.");
    return Value::Array(type.element, std::move(elements));
  }
  while (true) {
    skip_space();
    if (i >= s.size()) return MalformedArray(text, "Unexpected end of input.");
    if (s[i] == '{') {
      // A sub-array first means a multi-dimensional literal; after scalar
      // elements it is malformed, as in PostgreSQL.
      if (!elements.empty()) return MalformedArray(text, "Unexpected \"{\" character.");
      return Status::NotSupported("multidimensional arrays are not supported");
    }
    std::string item;
    bool quoted = false;
    bool any_char = false;
    size_t trailing_unquoted_space = 0;
    while (true) {
      if (i >= s.size()) return MalformedArray(text, "Unexpected end of input.");
      const char c = s[i];
      if (c == '"') {
        quoted = true;
        any_char = true;
        ++i;
        while (true) {
          if (i >= s.size()) return MalformedArray(text, "Unexpected end of input.");
          if (s[i] == '\\') {
            if (i + 1 >= s.size()) return MalformedArray(text, "Unexpected end of input.");
            item.push_back(s[i + 1]);
            i += 2;
          } else if (s[i] == '"') {
            ++i;
            break;
          } else {
            item.push_back(s[i++]);
          }
        }
        trailing_unquoted_space = 0;
        continue;
      }
      if (c == ',' || c == '}') break;
      if (c == '{') return MalformedArray(text, "Unexpected \"{\" character.");
      if (c == '\\') {
        if (i + 1 >= s.size()) return MalformedArray(text, "Unexpected end of input.");
        item.push_back(s[i + 1]);
        i += 2;
        any_char = true;
        trailing_unquoted_space = 0;
        continue;
      }
      if (IsArraySpace(c)) {
        if (any_char) {
          item.push_back(c);
          ++trailing_unquoted_space;
        }
        ++i;
        continue;
      }
      item.push_back(c);
      any_char = true;
      trailing_unquoted_space = 0;
      ++i;
    }
    item.resize(item.size() - trailing_unquoted_space);
    if (!any_char) {
      return MalformedArray(text, std::string("Unexpected \"") + s[i] + "\" character.");
    }
    if (!quoted && EqualsNoCase(item, "null")) {
      elements.push_back(Value::Null(type.element));
    } else {
      STRATA_ASSIGN_OR_RETURN(Value v, ParseText(element_type, item, context));
      elements.push_back(std::move(v));
    }
    if (s[i] == '}') {
      ++i;
      break;
    }
    ++i;  // ','
  }
  skip_space();
  if (i != s.size()) return MalformedArray(text, "Junk after closing right brace.");
  return Value::Array(type.element, std::move(elements));
}

bool ArrayElementNeedsQuotes(std::string_view s) {
  if (s.empty() || EqualsNoCase(s, "null")) return true;
  for (char c : s) {
    if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || IsArraySpace(c)) return true;
  }
  return false;
}

Result<std::string> FormatArray(const Value& value, const TextFormatOptions& options) {
  std::string out = "{";
  bool first = true;
  for (const Value& e : value.array_elements()) {
    if (!first) out.push_back(',');
    first = false;
    if (e.is_null()) {
      out += "NULL";
      continue;
    }
    STRATA_ASSIGN_OR_RETURN(std::string item, FormatText(e, options));
    if (!ArrayElementNeedsQuotes(item)) {
      out += item;
      continue;
    }
    out.push_back('"');
    for (char c : item) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

// PostgreSQL's record_out: '(1,"a b",,"")'. A NULL field is empty; a field
// is quoted when empty or containing '"', '\\', '(', ')', ',' or white
// space, with '"' and '\\' doubled inside the quotes.
Result<std::string> FormatRecord(const Value& value, const TextFormatOptions& options) {
  std::string out = "(";
  bool first = true;
  for (const Value& f : value.record_fields()) {
    if (!first) out.push_back(',');
    first = false;
    if (f.is_null()) continue;
    STRATA_ASSIGN_OR_RETURN(std::string item, FormatText(f, options));
    bool quote = item.empty();
    for (char c : item) {
      if (c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' ||
          std::isspace(static_cast<unsigned char>(c))) {
        quote = true;
        break;
      }
    }
    if (quote) out.push_back('"');
    for (char c : item) {
      if (c == '"' || c == '\\') out.push_back(c);
      out.push_back(c);
    }
    if (quote) out.push_back('"');
  }
  out.push_back(')');
  return out;
}

}  // namespace

int32_t DaysFromCivil(int64_t year, int month, int day) {
  // Howard Hinnant's days_from_civil, shifted from 1970-01-01 to 2000-01-01.
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + doe - 719468 - kUnixEpochToPgEpochDays);
}

void CivilFromDays(int32_t days, int64_t* year, int* month, int* day) {
  const int64_t z = static_cast<int64_t>(days) + kUnixEpochToPgEpochDays + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

Result<Value> ParseText(const DataType& type, std::string_view text) {
  return ParseText(type, text, nullptr);
}

Result<Value> ParseText(const DataType& type, std::string_view text,
                        const TextInputContext* context) {
  switch (type.id) {
    case TypeId::kBool:
      return ParseBool(text);
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
      return ParseInt(type.id, text);
    case TypeId::kFloat4:
    case TypeId::kFloat8:
      return ParseFloat(type.id, text);
    case TypeId::kNumeric: {
      STRATA_ASSIGN_OR_RETURN(Numeric n, Numeric::Parse(text));
      STRATA_ASSIGN_OR_RETURN(n, n.ApplyTypmod(type.typmod));
      return Value::FromNumeric(std::move(n));
    }
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
      return ParseCharacter(type, text);
    case TypeId::kJson:
      STRATA_RETURN_IF_ERROR(ValidateJson(text));
      return Value::String(type.id, std::string(text));
    case TypeId::kJsonb: {
      STRATA_ASSIGN_OR_RETURN(std::string normalized, NormalizeJsonb(text));
      return Value::String(type.id, std::move(normalized));
    }
    case TypeId::kBytea:
      return ParseBytea(text);
    case TypeId::kDate:
      return ParseDate(text, context);
    case TypeId::kTime:
      return ParseTime(type, text);
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return ParseTimestamp(type, text, context);
    case TypeId::kUuid:
      return ParseUuid(text);
    case TypeId::kInterval: {
      STRATA_ASSIGN_OR_RETURN(Interval v, ParseInterval(text));
      return Value::FromInterval(v);
    }
    case TypeId::kArray:
      return ParseArray(type, text, context);
    case TypeId::kRecord:
      return Status(SqlState::kFeatureNotSupported, "input of anonymous composite types is not implemented");
    case TypeId::kInvalid:
      break;
  }
  return Status::NotSupported("text input for type " + type.ToString() + " is not supported");
}

Status ValidateJson(std::string_view text) {
  JsonParser parser(text, /*build=*/false);
  return parser.Parse(nullptr);
}

Result<std::string> NormalizeJsonb(std::string_view text) {
  JsonParser parser(text, /*build=*/true);
  JsonNode root;
  STRATA_RETURN_IF_ERROR(parser.Parse(&root));
  std::string out;
  AppendJsonb(root, &out);
  return out;
}

Result<std::string> FormatText(const Value& value) { return FormatText(value, TextFormatOptions{}); }

Result<std::string> FormatText(const Value& value, const TextFormatOptions& options) {
  switch (value.type()) {
    case TypeId::kBool:
      return std::string(value.bool_value() ? "t" : "f");
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
      return std::to_string(value.int_value());
    case TypeId::kFloat4:
    case TypeId::kFloat8: {
      std::string out;
      AppendFloatText(value.float_value(), value.type() == TypeId::kFloat4,
                      options.extra_float_digits, &out);
      return out;
    }
    case TypeId::kNumeric:
      return value.numeric_value().ToString();
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kJson:
    case TypeId::kJsonb:
      return std::string(value.string_value());
    case TypeId::kBytea:
      return FormatBytea(value.string_value());
    case TypeId::kDate:
      return FormatDate(value.date_value());
    case TypeId::kTime:
      return FormatTimeOfDay(value.time_value());
    case TypeId::kTimestamp:
      return FormatTimestamp(value.timestamp_value(), false, nullptr);
    case TypeId::kTimestampTz:
      return FormatTimestamp(value.timestamp_value(), true, options.zone);
    case TypeId::kUuid:
      return FormatUuid(value.uuid_value());
    case TypeId::kInterval:
      return FormatInterval(value.interval_value());
    case TypeId::kArray:
      return FormatArray(value, options);
    case TypeId::kRecord:
      return FormatRecord(value, options);
    case TypeId::kInvalid:
      break;
  }
  return Status::NotSupported("text output for type " + value.data_type().ToString() +
                              " is not supported");
}

void AppendFloatText(double v, bool is_float4, int extra_float_digits, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "Infinity" : "-Infinity");
    return;
  }
  char buf[64];
  if (extra_float_digits <= 0) {
    // PostgreSQL's float4out/float8out with extra_float_digits <= 0:
    // %.*g with FLT_DIG / DBL_DIG + extra_float_digits digits (at least 1).
    const int digits = std::max(1, (is_float4 ? 6 : 15) + extra_float_digits);
    const int n = std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
    out->append(buf, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof(buf)) - 1)));
    return;
  }
  if (v == 0) {
    out->append(std::signbit(v) ? "-0" : "0");
    return;
  }
  // Shortest round-trip digits, laid out as PostgreSQL's Ryu output does.
  const std::to_chars_result r =
      is_float4 ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v),
                                std::chars_format::scientific)
                : std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  // buf is "[-]d[.ddd]e[+-]XX".
  const char* end = r.ptr;
  const char* p = buf;
  if (*p == '-') {
    out->push_back('-');
    ++p;
  }
  char digits[32];
  size_t ndigits = 0;
  for (; *p != 'e'; ++p) {
    if (*p != '.') digits[ndigits++] = *p;
  }
  int exponent = 0;
  std::from_chars(p + 1 + (p[1] == '+' ? 1 : 0), end, exponent);
  const int fixed_limit = is_float4 ? 6 : 15;  // FLT_DIG / DBL_DIG
  if (exponent < -4 || exponent >= fixed_limit) {
    out->push_back(digits[0]);
    if (ndigits > 1) {
      out->push_back('.');
      out->append(digits + 1, ndigits - 1);
    }
    const int magnitude = std::abs(exponent);
    out->push_back('e');
    out->push_back(exponent < 0 ? '-' : '+');
    if (magnitude < 10) out->push_back('0');
    char exp_buf[8];
    const auto e = std::to_chars(exp_buf, exp_buf + sizeof(exp_buf), magnitude);
    out->append(exp_buf, static_cast<size_t>(e.ptr - exp_buf));
    return;
  }
  if (exponent < 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-exponent - 1), '0');
    out->append(digits, ndigits);
    return;
  }
  const size_t int_len = static_cast<size_t>(exponent) + 1;
  if (ndigits <= int_len) {
    out->append(digits, ndigits);
    out->append(int_len - ndigits, '0');
  } else {
    out->append(digits, int_len);
    out->push_back('.');
    out->append(digits + int_len, ndigits - int_len);
  }
}

}  // namespace strata
