#include "common/datetime.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "common/timezone.h"
#include "common/value_text.h"

namespace strata {
namespace {

// PostgreSQL's MIN_TIMESTAMP and END_TIMESTAMP (4714-11-24 BC .. 294277-01-01).
constexpr int64_t kMinTimestamp = -211813488000000000LL;
constexpr int64_t kEndTimestamp = 9223371331200000000LL;
// DATETIME_MIN_JULIAN and DATE_END_JULIAN relative to 2000-01-01.
constexpr int64_t kMinDate = -2451545;
constexpr int64_t kEndDate = 2147483494LL - 2451545;

Status TimestampOutOfRange() {
  return Status(SqlState::kDatetimeFieldOverflow, "timestamp out of range");
}
Status IntervalOutOfRange() {
  return Status(SqlState::kDatetimeFieldOverflow, "interval out of range");
}

// PostgreSQL's TSROUND: round to microsecond precision.
double TsRound(double v) { return std::rint(v * 1e6) / 1e6; }

bool FitsInt32(double v) { return !std::isnan(v) && v >= INT32_MIN && v <= INT32_MAX; }

int64_t UnixSeconds(int64_t micros) {
  int64_t secs = micros / kMicrosPerSecond;
  if (micros % kMicrosPerSecond < 0) --secs;
  return secs + int64_t{kUnixEpochToPgEpochDays} * 86'400;
}

}  // namespace

int64_t TimestampTzToLocal(int64_t ts, const TimeZone* zone, int32_t* offset_seconds) {
  int32_t offset = 0;
  if (zone != nullptr && IsFiniteTimestamp(ts)) offset = zone->At(UnixSeconds(ts)).utc_offset;
  if (offset_seconds != nullptr) *offset_seconds = offset;
  return IsFiniteTimestamp(ts) ? ts + offset * kMicrosPerSecond : ts;
}

int32_t UtcOffsetForLocal(int64_t local, const TimeZone* zone) {
  if (zone == nullptr || !IsFiniteTimestamp(local)) return 0;
  return zone->OffsetForLocal(UnixSeconds(local));
}

int64_t LocalToTimestampTz(int64_t local, const TimeZone* zone) {
  if (!IsFiniteTimestamp(local)) return local;
  return local - UtcOffsetForLocal(local, zone) * kMicrosPerSecond;
}

std::string FormatUtcOffset(int32_t offset_seconds) {
  const int32_t abs = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%c%02d", offset_seconds < 0 ? '-' : '+', abs / 3600);
  std::string out = buf;
  if (abs % 3600 != 0) {
    std::snprintf(buf, sizeof(buf), ":%02d", abs / 60 % 60);
    out += buf;
    if (abs % 60 != 0) {
      std::snprintf(buf, sizeof(buf), ":%02d", abs % 60);
      out += buf;
    }
  }
  return out;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

bool IsFiniteTimestamp(int64_t ts) {
  return ts != kTimestampPositiveInfinity && ts != kTimestampNegativeInfinity;
}
bool IsFiniteDate(int32_t days) {
  return days != kDatePositiveInfinity && days != kDateNegativeInfinity;
}

DateTimeFields TimestampToFields(int64_t ts) {
  int64_t days = ts / kMicrosPerDay;
  int64_t time = ts % kMicrosPerDay;
  if (time < 0) {
    time += kMicrosPerDay;
    --days;
  }
  DateTimeFields f;
  CivilFromDays(static_cast<int32_t>(days), &f.year, &f.month, &f.day);
  f.hour = static_cast<int>(time / kMicrosPerHour);
  f.minute = static_cast<int>(time / kMicrosPerMinute % 60);
  f.second = static_cast<int>(time / kMicrosPerSecond % 60);
  f.micros = static_cast<int32_t>(time % kMicrosPerSecond);
  return f;
}

Result<int64_t> FieldsToTimestamp(const DateTimeFields& f) {
  if (f.year < -4713 || f.year > 294277) return TimestampOutOfRange();
  const int64_t days = DaysFromCivil(f.year, f.month, f.day);
  const int64_t ts = days * kMicrosPerDay + f.hour * kMicrosPerHour + f.minute * kMicrosPerMinute +
                     f.second * kMicrosPerSecond + f.micros;
  if (ts < kMinTimestamp || ts >= kEndTimestamp) return TimestampOutOfRange();
  return ts;
}

Result<int64_t> TimestampPlusInterval(int64_t ts, const Interval& iv) {
  if (!IsFiniteTimestamp(ts)) return ts;
  if (iv.months != 0) {
    DateTimeFields f = TimestampToFields(ts);
    int64_t month_index = f.year * 12 + (f.month - 1) + iv.months;
    int64_t year = month_index >= 0 ? month_index / 12 : -((-month_index + 11) / 12);
    const int month = static_cast<int>(month_index - year * 12) + 1;
    f.year = year;
    f.month = month;
    if (f.year < -4713 || f.year > 294277) return TimestampOutOfRange();
    f.day = std::min(f.day, DaysInMonth(f.year, f.month));
    STRATA_ASSIGN_OR_RETURN(ts, FieldsToTimestamp(f));
  }
  if (iv.days != 0) {
    DateTimeFields f = TimestampToFields(ts);
    const int64_t time =
        ts - static_cast<int64_t>(DaysFromCivil(f.year, f.month, f.day)) * kMicrosPerDay;
    const int64_t days = static_cast<int64_t>(DaysFromCivil(f.year, f.month, f.day)) + iv.days;
    if (days < kMinDate || days >= kEndDate) return TimestampOutOfRange();
    ts = days * kMicrosPerDay + time;
    if (ts < kMinTimestamp || ts >= kEndTimestamp) return TimestampOutOfRange();
  }
  int64_t out;
  if (__builtin_add_overflow(ts, iv.micros, &out) || out < kMinTimestamp || out >= kEndTimestamp) {
    return TimestampOutOfRange();
  }
  return out;
}

Interval JustifyHours(const Interval& v) {
  Interval r = v;
  const int64_t whole_days = r.micros / kMicrosPerDay;
  r.micros -= whole_days * kMicrosPerDay;
  r.days += static_cast<int32_t>(whole_days);
  if (r.days > 0 && r.micros < 0) {
    r.micros += kMicrosPerDay;
    r.days--;
  } else if (r.days < 0 && r.micros > 0) {
    r.micros -= kMicrosPerDay;
    r.days++;
  }
  return r;
}

Interval JustifyDays(const Interval& v) {
  Interval r = v;
  const int32_t whole_months = r.days / kDaysPerMonth;
  r.days -= whole_months * kDaysPerMonth;
  r.months += whole_months;
  if (r.months > 0 && r.days < 0) {
    r.days += kDaysPerMonth;
    r.months--;
  } else if (r.months < 0 && r.days > 0) {
    r.days -= kDaysPerMonth;
    r.months++;
  }
  return r;
}

Interval JustifyInterval(const Interval& v) {
  Interval r = v;
  int64_t whole_days = r.micros / kMicrosPerDay;
  r.micros -= whole_days * kMicrosPerDay;
  r.days += static_cast<int32_t>(whole_days);
  const int32_t whole_months = r.days / kDaysPerMonth;
  r.days -= whole_months * kDaysPerMonth;
  r.months += whole_months;
  if (r.months > 0 && (r.days < 0 || (r.days == 0 && r.micros < 0))) {
    r.days += kDaysPerMonth;
    r.months--;
  } else if (r.months < 0 && (r.days > 0 || (r.days == 0 && r.micros > 0))) {
    r.days -= kDaysPerMonth;
    r.months++;
  }
  if (r.days > 0 && r.micros < 0) {
    r.micros += kMicrosPerDay;
    r.days--;
  } else if (r.days < 0 && r.micros > 0) {
    r.micros -= kMicrosPerDay;
    r.days++;
  }
  return r;
}

Result<Interval> TimestampMinusTimestamp(int64_t a, int64_t b) {
  if (!IsFiniteTimestamp(a) || !IsFiniteTimestamp(b)) {
    return Status(SqlState::kDatetimeFieldOverflow, "cannot subtract infinite timestamps");
  }
  Interval r;
  if (__builtin_sub_overflow(a, b, &r.micros)) return IntervalOutOfRange();
  return JustifyHours(r);
}

Result<Interval> TimestampAge(int64_t a, int64_t b) {
  if (!IsFiniteTimestamp(a) || !IsFiniteTimestamp(b)) {
    return Status(SqlState::kDatetimeFieldOverflow, "timestamp out of range");
  }
  const DateTimeFields f1 = TimestampToFields(a);
  const DateTimeFields f2 = TimestampToFields(b);
  int64_t fsec = f1.micros - f2.micros;
  int64_t sec = f1.second - f2.second;
  int64_t min = f1.minute - f2.minute;
  int64_t hour = f1.hour - f2.hour;
  int64_t mday = f1.day - f2.day;
  int64_t mon = f1.month - f2.month;
  int64_t year = f1.year - f2.year;
  const bool flip = a < b;
  if (flip) {
    fsec = -fsec;
    sec = -sec;
    min = -min;
    hour = -hour;
    mday = -mday;
    mon = -mon;
    year = -year;
  }
  while (fsec < 0) {
    fsec += kMicrosPerSecond;
    sec--;
  }
  while (sec < 0) {
    sec += 60;
    min--;
  }
  while (min < 0) {
    min += 60;
    hour--;
  }
  while (hour < 0) {
    hour += 24;
    mday--;
  }
  while (mday < 0) {
    mday += flip ? DaysInMonth(f1.year, f1.month) : DaysInMonth(f2.year, f2.month);
    mon--;
  }
  while (mon < 0) {
    mon += 12;
    year--;
  }
  if (flip) {
    fsec = -fsec;
    sec = -sec;
    min = -min;
    hour = -hour;
    mday = -mday;
    mon = -mon;
    year = -year;
  }
  const int64_t months = year * 12 + mon;
  if (months < INT32_MIN || months > INT32_MAX) return IntervalOutOfRange();
  Interval r;
  r.months = static_cast<int32_t>(months);
  r.days = static_cast<int32_t>(mday);
  r.micros = ((hour * 60 + min) * 60 + sec) * kMicrosPerSecond + fsec;
  return r;
}

Result<Interval> IntervalAdd(const Interval& a, const Interval& b) {
  Interval r;
  if (__builtin_add_overflow(a.months, b.months, &r.months) ||
      __builtin_add_overflow(a.days, b.days, &r.days) ||
      __builtin_add_overflow(a.micros, b.micros, &r.micros)) {
    return IntervalOutOfRange();
  }
  return r;
}

Result<Interval> IntervalSubtract(const Interval& a, const Interval& b) {
  Interval r;
  if (__builtin_sub_overflow(a.months, b.months, &r.months) ||
      __builtin_sub_overflow(a.days, b.days, &r.days) ||
      __builtin_sub_overflow(a.micros, b.micros, &r.micros)) {
    return IntervalOutOfRange();
  }
  return r;
}

Result<Interval> IntervalNegate(const Interval& a) { return IntervalSubtract(Interval{}, a); }

Result<Interval> IntervalMultiply(const Interval& span, double factor) {
  const double months = span.months * factor;
  const double days = span.days * factor;
  if (!FitsInt32(months) || !FitsInt32(days)) return IntervalOutOfRange();
  Interval r;
  r.months = static_cast<int32_t>(months);
  r.days = static_cast<int32_t>(days);
  double month_remainder_days = TsRound((months - r.months) * kDaysPerMonth);
  double sec_remainder = TsRound(
      (days - r.days + month_remainder_days - static_cast<int>(month_remainder_days)) * 86400.0);
  if (std::fabs(sec_remainder) >= 86400.0) {
    r.days += static_cast<int>(sec_remainder / 86400.0);
    sec_remainder -= static_cast<int>(sec_remainder / 86400.0) * 86400.0;
  }
  r.days += static_cast<int32_t>(month_remainder_days);
  const double micros = std::rint(static_cast<double>(span.micros) * factor + sec_remainder * 1e6);
  if (std::isnan(micros) || micros < -9.2233720368547758e18 || micros >= 9.2233720368547758e18) {
    return IntervalOutOfRange();
  }
  r.micros = static_cast<int64_t>(micros);
  return r;
}

Result<Interval> IntervalDivide(const Interval& span, double factor) {
  if (factor == 0.0) return Status(SqlState::kDivisionByZero, "division by zero");
  const double months = span.months / factor;
  const double days = span.days / factor;
  if (!FitsInt32(months) || !FitsInt32(days)) return IntervalOutOfRange();
  Interval r;
  r.months = static_cast<int32_t>(months);
  r.days = static_cast<int32_t>(days);
  double month_remainder_days = TsRound((months - r.months) * kDaysPerMonth);
  double sec_remainder = TsRound(
      (days - r.days + month_remainder_days - static_cast<int>(month_remainder_days)) * 86400.0);
  if (std::fabs(sec_remainder) >= 86400.0) {
    r.days += static_cast<int>(sec_remainder / 86400.0);
    sec_remainder -= static_cast<int>(sec_remainder / 86400.0) * 86400.0;
  }
  r.days += static_cast<int32_t>(month_remainder_days);
  const double micros = std::rint(static_cast<double>(span.micros) / factor + sec_remainder * 1e6);
  if (std::isnan(micros) || micros < -9.2233720368547758e18 || micros >= 9.2233720368547758e18) {
    return IntervalOutOfRange();
  }
  r.micros = static_cast<int64_t>(micros);
  return r;
}

// ---- interval text output -----------------------------------------------

namespace {

void AddPostgresPart(std::string* out, int64_t value, const char* unit, bool* is_zero,
                     bool* is_before) {
  if (value == 0) return;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s%s%lld %s%s", *is_zero ? "" : " ",
                (*is_before && value > 0) ? "+" : "", static_cast<long long>(value), unit,
                value != 1 ? "s" : "");
  out->append(buf);
  *is_before |= value < 0;
  *is_zero = false;
}

}  // namespace

std::string FormatInterval(const Interval& v) {
  const int64_t year = v.months / 12;
  const int64_t mon = v.months % 12;
  const int64_t mday = v.days;
  int64_t time = v.micros;
  const int64_t hour = time / kMicrosPerHour;
  time -= hour * kMicrosPerHour;
  const int64_t min = time / kMicrosPerMinute;
  time -= min * kMicrosPerMinute;
  const int64_t sec = time / kMicrosPerSecond;
  const int64_t fsec = time - sec * kMicrosPerSecond;

  std::string out;
  bool is_zero = true;
  bool is_before = false;
  AddPostgresPart(&out, year, "year", &is_zero, &is_before);
  AddPostgresPart(&out, mon, "mon", &is_zero, &is_before);
  AddPostgresPart(&out, mday, "day", &is_zero, &is_before);
  if (is_zero || hour != 0 || min != 0 || sec != 0 || fsec != 0) {
    const bool minus = hour < 0 || min < 0 || sec < 0 || fsec < 0;
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%s%s%02lld:%02lld:%02lld", is_zero ? "" : " ",
                  minus ? "-" : (is_before ? "+" : ""), static_cast<long long>(std::llabs(hour)),
                  static_cast<long long>(std::llabs(min)), static_cast<long long>(std::llabs(sec)));
    out.append(buf);
    if (fsec != 0) {
      std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(std::llabs(fsec)));
      std::string frac = buf;
      while (frac.back() == '0') frac.pop_back();
      out += frac;
    }
  }
  return out;
}

// ---- interval text input ------------------------------------------------

namespace {

Status IntervalSyntax(std::string_view text) {
  return Status(SqlState::kInvalidDatetimeFormat,
                "invalid input syntax for type interval: \"" + std::string(text) + "\"");
}
Status IntervalFieldRange(std::string_view text) {
  return Status(SqlState::kDatetimeFieldOverflow,
                "interval field value out of range: \"" + std::string(text) + "\"");
}

// A parsed number: integer part and signed fraction, kept apart as
// PostgreSQL's DecodeInterval does (so '1.0000005 sec' rounds the fraction
// alone).
struct Number {
  int64_t whole = 0;
  double frac = 0;
};

// Accumulates fields as PostgreSQL's DecodeInterval (AdjustFract* helpers).
struct IntervalBuilder {
  __int128 months = 0;
  __int128 days = 0;
  __int128 micros = 0;

  void AdjustFractMicros(double frac, double scale) {
    if (frac == 0) return;
    frac *= scale;
    const int64_t usec = static_cast<int64_t>(frac);
    micros += usec + static_cast<int64_t>(std::rint(frac - static_cast<double>(usec)));
  }
  void AdjustFractDays(double frac, int scale) {
    if (frac == 0) return;
    frac *= scale;
    const int extra = static_cast<int>(frac);
    days += extra;
    AdjustFractMicros(frac - extra, static_cast<double>(kMicrosPerDay));
  }
  void AdjustFractYears(double frac, int scale) {
    if (frac == 0) return;
    months += static_cast<int64_t>(std::rint(frac * scale * 12));
  }
};

enum class Unit {
  kNone,
  kMicro,
  kMilli,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kYear,
  kDecade,
  kCentury,
  kMillennium,
  kAgo
};

Unit LookupUnit(std::string word) {
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  struct Entry {
    const char* name;
    Unit unit;
  };
  static const Entry kUnits[] = {
      {"microsecond", Unit::kMicro},
      {"microseconds", Unit::kMicro},
      {"us", Unit::kMicro},
      {"usec", Unit::kMicro},
      {"usecs", Unit::kMicro},
      {"useconds", Unit::kMicro},
      {"millisecond", Unit::kMilli},
      {"milliseconds", Unit::kMilli},
      {"ms", Unit::kMilli},
      {"msec", Unit::kMilli},
      {"msecs", Unit::kMilli},
      {"mseconds", Unit::kMilli},
      {"second", Unit::kSecond},
      {"seconds", Unit::kSecond},
      {"sec", Unit::kSecond},
      {"secs", Unit::kSecond},
      {"s", Unit::kSecond},
      {"minute", Unit::kMinute},
      {"minutes", Unit::kMinute},
      {"min", Unit::kMinute},
      {"mins", Unit::kMinute},
      {"m", Unit::kMinute},
      {"hour", Unit::kHour},
      {"hours", Unit::kHour},
      {"hr", Unit::kHour},
      {"hrs", Unit::kHour},
      {"h", Unit::kHour},
      {"day", Unit::kDay},
      {"days", Unit::kDay},
      {"d", Unit::kDay},
      {"week", Unit::kWeek},
      {"weeks", Unit::kWeek},
      {"w", Unit::kWeek},
      {"month", Unit::kMonth},
      {"months", Unit::kMonth},
      {"mon", Unit::kMonth},
      {"mons", Unit::kMonth},
      {"year", Unit::kYear},
      {"years", Unit::kYear},
      {"yr", Unit::kYear},
      {"yrs", Unit::kYear},
      {"y", Unit::kYear},
      {"decade", Unit::kDecade},
      {"decades", Unit::kDecade},
      {"dec", Unit::kDecade},
      {"decs", Unit::kDecade},
      {"century", Unit::kCentury},
      {"centuries", Unit::kCentury},
      {"cent", Unit::kCentury},
      {"c", Unit::kCentury},
      {"millennium", Unit::kMillennium},
      {"millennia", Unit::kMillennium},
      {"millenniums", Unit::kMillennium},
      {"mil", Unit::kMillennium},
      {"mils", Unit::kMillennium},
      {"ago", Unit::kAgo},
  };
  for (const Entry& e : kUnits) {
    if (word == e.name) return e.unit;
  }
  return Unit::kNone;
}

// Field-group bits, to reject a unit given twice ("1 day 1 day").
int UnitMask(Unit unit) {
  switch (unit) {
    case Unit::kMicro:
      return 1 << 0;
    case Unit::kMilli:
      return 1 << 1;
    case Unit::kSecond:
      return 1 << 2;
    case Unit::kMinute:
      return 1 << 3;
    case Unit::kHour:
      return 1 << 4;
    case Unit::kDay:
    case Unit::kWeek:
      return 1 << 5;
    case Unit::kMonth:
      return 1 << 6;
    case Unit::kYear:
    case Unit::kDecade:
    case Unit::kCentury:
    case Unit::kMillennium:
      return 1 << 7;
    case Unit::kNone:
    case Unit::kAgo:
      break;
  }
  return 0;
}
constexpr int kTimeFieldMask = (1 << 2) | (1 << 3) | (1 << 4);

void AddUnits(IntervalBuilder* b, const Number& n, Unit unit) {
  const __int128 w = n.whole;
  switch (unit) {
    case Unit::kMicro:
      b->micros += w;
      b->AdjustFractMicros(n.frac, 1);
      break;
    case Unit::kMilli:
      b->micros += w * 1000;
      b->AdjustFractMicros(n.frac, 1000);
      break;
    case Unit::kSecond:
      b->micros += w * kMicrosPerSecond;
      b->AdjustFractMicros(n.frac, static_cast<double>(kMicrosPerSecond));
      break;
    case Unit::kMinute:
      b->micros += w * kMicrosPerMinute;
      b->AdjustFractMicros(n.frac, static_cast<double>(kMicrosPerMinute));
      break;
    case Unit::kHour:
      b->micros += w * kMicrosPerHour;
      b->AdjustFractMicros(n.frac, static_cast<double>(kMicrosPerHour));
      break;
    case Unit::kDay:
      b->days += w;
      b->AdjustFractMicros(n.frac, static_cast<double>(kMicrosPerDay));
      break;
    case Unit::kWeek:
      b->days += w * 7;
      b->AdjustFractDays(n.frac, 7);
      break;
    case Unit::kMonth:
      b->months += w;
      b->AdjustFractDays(n.frac, kDaysPerMonth);
      break;
    case Unit::kYear:
      b->months += w * 12;
      b->AdjustFractYears(n.frac, 1);
      break;
    case Unit::kDecade:
      b->months += w * 120;
      b->AdjustFractYears(n.frac, 10);
      break;
    case Unit::kCentury:
      b->months += w * 1200;
      b->AdjustFractYears(n.frac, 100);
      break;
    case Unit::kMillennium:
      b->months += w * 12000;
      b->AdjustFractYears(n.frac, 1000);
      break;
    case Unit::kNone:
    case Unit::kAgo:
      break;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads "[+-]digits[.digits]" or ".digits" (a sign must be followed by a
// digit, as in PostgreSQL). Returns false if absent or out of range.
bool ReadNumber(std::string_view* s, Number* n, bool* had_fraction) {
  size_t i = 0;
  bool negative = false;
  if (i < s->size() && ((*s)[i] == '+' || (*s)[i] == '-')) {
    negative = (*s)[i] == '-';
    ++i;
    if (i >= s->size() || !IsDigit((*s)[i])) return false;
  }
  const size_t int_start = i;
  while (i < s->size() && IsDigit((*s)[i])) ++i;
  const size_t int_end = i;
  size_t frac_digits = 0;
  *had_fraction = false;
  if (i < s->size() && (*s)[i] == '.') {
    *had_fraction = true;
    ++i;
    while (i < s->size() && IsDigit((*s)[i])) ++i, ++frac_digits;
  }
  if (int_end == int_start && frac_digits == 0) return false;
  errno = 0;
  const std::string int_text(s->substr(int_start, int_end - int_start));
  const long long whole = int_text.empty() ? 0 : std::strtoll(int_text.c_str(), nullptr, 10);
  if (errno == ERANGE) return false;
  const double frac =
      frac_digits == 0
          ? 0.0
          : std::strtod(("0" + std::string(s->substr(int_end, i - int_end))).c_str(), nullptr);
  n->whole = negative ? -whole : whole;
  n->frac = negative ? -frac : frac;
  s->remove_prefix(i);
  return true;
}

Result<Interval> Finish(const IntervalBuilder& b, std::string_view text) {
  if (b.months < INT32_MIN || b.months > INT32_MAX || b.days < INT32_MIN || b.days > INT32_MAX ||
      b.micros < INT64_MIN || b.micros > INT64_MAX) {
    return IntervalFieldRange(text);
  }
  return Interval{static_cast<int32_t>(b.months), static_cast<int32_t>(b.days),
                  static_cast<int64_t>(b.micros)};
}

Result<Interval> ParseIso8601(std::string_view text, std::string_view s) {
  // s starts after 'P'.
  IntervalBuilder b;
  bool time_part = false;
  bool any = false;
  while (!s.empty()) {
    if (s[0] == 'T' || s[0] == 't') {
      if (time_part) return IntervalSyntax(text);
      time_part = true;
      s.remove_prefix(1);
      continue;
    }
    Number v;
    bool had_fraction;
    if (!ReadNumber(&s, &v, &had_fraction) || s.empty()) return IntervalSyntax(text);
    const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    s.remove_prefix(1);
    any = true;
    if (!time_part) {
      switch (u) {
        case 'Y':
          AddUnits(&b, v, Unit::kYear);
          break;
        case 'M':
          AddUnits(&b, v, Unit::kMonth);
          break;
        case 'W':
          AddUnits(&b, v, Unit::kWeek);
          break;
        case 'D':
          AddUnits(&b, v, Unit::kDay);
          break;
        default:
          return IntervalSyntax(text);
      }
    } else {
      switch (u) {
        case 'H':
          AddUnits(&b, v, Unit::kHour);
          break;
        case 'M':
          AddUnits(&b, v, Unit::kMinute);
          break;
        case 'S':
          AddUnits(&b, v, Unit::kSecond);
          break;
        default:
          return IntervalSyntax(text);
      }
    }
  }
  if (!any) return IntervalSyntax(text);
  return Finish(b, text);
}

}  // namespace

Result<Interval> ParseInterval(std::string_view text) {
  std::string_view s = text;
  auto skip_space = [&s] {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  };
  skip_space();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return IntervalSyntax(text);
  if (s[0] == 'P' || s[0] == 'p') return ParseIso8601(text, s.substr(1));
  if (s[0] == '@') {
    s.remove_prefix(1);
    skip_space();
  }
  IntervalBuilder b;
  bool any = false;
  bool ago = false;
  int seen = 0;
  auto mark = [&seen](int mask) {
    if ((seen & mask) != 0) return false;
    seen |= mask;
    return true;
  };
  while (true) {
    skip_space();
    if (s.empty()) break;
    if (ago) return IntervalSyntax(text);
    if (std::isalpha(static_cast<unsigned char>(s[0]))) {
      size_t n = 0;
      while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
      if (LookupUnit(std::string(s.substr(0, n))) != Unit::kAgo) return IntervalSyntax(text);
      s.remove_prefix(n);
      ago = true;
      continue;
    }
    Number v;
    bool had_fraction;
    const std::string_view before = s;
    if (!ReadNumber(&s, &v, &had_fraction)) return IntervalSyntax(text);
    any = true;
    if (!s.empty() && s[0] == ':') {
      // A time field: [+-]h:mm[:ss[.frac]] (h may exceed 24).
      if (!mark(kTimeFieldMask)) return IntervalSyntax(text);
      std::string_view t = before;
      bool negative = false;
      if (t[0] == '+' || t[0] == '-') {
        negative = t[0] == '-';
        t.remove_prefix(1);
      }
      int64_t fields[2] = {0, 0};
      size_t field_count = 0;
      double seconds = 0;
      for (int part = 0; part < 3; ++part) {
        size_t n = 0;
        while (n < t.size() && IsDigit(t[n])) ++n;
        if (n == 0) return IntervalSyntax(text);
        if (part < 2 && (n >= t.size() || t[n] != '.')) {
          fields[part] = std::strtoll(std::string(t.substr(0, n)).c_str(), nullptr, 10);
          ++field_count;
          t.remove_prefix(n);
        } else {
          size_t m = n;
          if (m < t.size() && t[m] == '.') {
            ++m;
            while (m < t.size() && IsDigit(t[m])) ++m;
          }
          seconds = std::strtod(std::string(t.substr(0, m)).c_str(), nullptr);
          t.remove_prefix(m);
          ++field_count;
          break;
        }
        if (t.empty() || t[0] != ':') break;
        t.remove_prefix(1);
      }
      if (field_count < 2) return IntervalSyntax(text);
      if (fields[1] > 59 || seconds >= 60) return IntervalFieldRange(text);
      __int128 micros =
          (static_cast<__int128>(fields[0]) * 3600 + fields[1] * 60) * kMicrosPerSecond +
          static_cast<__int128>(std::rint(seconds * 1e6));
      b.micros += negative ? -micros : micros;
      s = t;
      if (!s.empty() && !std::isspace(static_cast<unsigned char>(s[0]))) {
        return IntervalSyntax(text);
      }
      continue;
    }
    if (!had_fraction && s.size() >= 2 && s[0] == '-' && IsDigit(s[1])) {
      // SQL-standard year-month: "1-2" is 1 year 2 months.
      s.remove_prefix(1);
      Number months;
      bool months_fraction;
      if (!ReadNumber(&s, &months, &months_fraction) || months_fraction || months.whole > 11) {
        return IntervalFieldRange(text);
      }
      if (!mark(UnitMask(Unit::kYear) | UnitMask(Unit::kMonth))) return IntervalSyntax(text);
      b.months +=
          static_cast<__int128>(v.whole) * 12 + (v.whole < 0 ? -months.whole : months.whole);
      continue;
    }
    skip_space();
    Unit unit = Unit::kNone;
    if (!s.empty() && std::isalpha(static_cast<unsigned char>(s[0]))) {
      size_t n = 0;
      while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
      unit = LookupUnit(std::string(s.substr(0, n)));
      if (unit == Unit::kNone) return IntervalSyntax(text);
      if (unit != Unit::kAgo) s.remove_prefix(n);
    }
    if (unit == Unit::kNone || unit == Unit::kAgo) {
      // A bare number: days when a time field follows (SQL standard
      // "1 2:03:04"), else seconds, as in PostgreSQL.
      const size_t token_end = s.find(' ');
      const std::string_view next = s.substr(0, token_end);
      unit = next.find(':') != std::string_view::npos ? Unit::kDay : Unit::kSecond;
    }
    if (!mark(UnitMask(unit))) return IntervalSyntax(text);
    AddUnits(&b, v, unit);
  }
  if (!any) return IntervalSyntax(text);
  if (ago) {
    b.months = -b.months;
    b.days = -b.days;
    b.micros = -b.micros;
  }
  return Finish(b, text);
}

}  // namespace strata
