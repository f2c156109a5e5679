// Date/time functions (PostgreSQL 15's timestamp.c, date.c, formatting.c).
// timestamptz values are split, truncated and printed in the session time
// zone (EvalContext::zone()).

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

#include "common/datetime.h"
#include "common/timezone.h"
#include "common/value_text.h"
#include "sql/functions/builtins.h"

namespace strata::sql::functions::internal {
namespace {

using Args = std::span<const Value>;

constexpr const char* kMonthNames[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
constexpr const char* kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

// ---- current time -------------------------------------------------------------

Status TransactionTimestamp(Args, EvalContext& ctx, Value* out) {
  *out = Value::TimestampTz(ctx.transaction_start_micros);
  return Status::OK();
}
Status StatementTimestamp(Args, EvalContext& ctx, Value* out) {
  *out = Value::TimestampTz(ctx.statement_start_micros);
  return Status::OK();
}
Status ClockTimestamp(Args, EvalContext& ctx, Value* out) {
  *out = Value::TimestampTz(ctx.ClockMicros());
  return Status::OK();
}
// The transaction start as wall-clock time in the session zone.
int64_t LocalNow(const EvalContext& ctx) {
  return TimestampTzToLocal(ctx.transaction_start_micros, ctx.zone());
}
int64_t FloorDays(int64_t ts) {
  int64_t days = ts / kMicrosPerDay;
  if (ts % kMicrosPerDay < 0) --days;
  return days;
}
Status LocalTimestamp(Args, EvalContext& ctx, Value* out) {
  *out = Value::Timestamp(LocalNow(ctx));
  return Status::OK();
}
Status LocalTime(Args, EvalContext& ctx, Value* out) {
  *out = Value::Time(LocalNow(ctx) - FloorDays(LocalNow(ctx)) * kMicrosPerDay);
  return Status::OK();
}
Status CurrentDate(Args, EvalContext& ctx, Value* out) {
  *out = Value::Date(static_cast<int32_t>(FloorDays(LocalNow(ctx))));
  return Status::OK();
}

// ---- field names ------------------------------------------------------------------

enum class Field {
  kMicroseconds,
  kMilliseconds,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kYear,
  kDecade,
  kCentury,
  kMillennium,
  kDow,
  kIsoDow,
  kDoy,
  kEpoch,
  kJulian,
  kIsoYear,
  kTimezone,
  kTimezoneHour,
  kTimezoneMinute,
  kUnknown
};

Field LookupField(std::string_view text) {
  const std::string s = AsciiLower(text);
  struct Entry {
    const char* name;
    Field field;
  };
  static const Entry kFields[] = {
      {"microsecond", Field::kMicroseconds},
      {"microseconds", Field::kMicroseconds},
      {"us", Field::kMicroseconds},
      {"usec", Field::kMicroseconds},
      {"usecs", Field::kMicroseconds},
      {"millisecond", Field::kMilliseconds},
      {"milliseconds", Field::kMilliseconds},
      {"ms", Field::kMilliseconds},
      {"msec", Field::kMilliseconds},
      {"msecs", Field::kMilliseconds},
      {"second", Field::kSecond},
      {"seconds", Field::kSecond},
      {"s", Field::kSecond},
      {"sec", Field::kSecond},
      {"secs", Field::kSecond},
      {"minute", Field::kMinute},
      {"minutes", Field::kMinute},
      {"m", Field::kMinute},
      {"min", Field::kMinute},
      {"mins", Field::kMinute},
      {"hour", Field::kHour},
      {"hours", Field::kHour},
      {"h", Field::kHour},
      {"hr", Field::kHour},
      {"hrs", Field::kHour},
      {"day", Field::kDay},
      {"days", Field::kDay},
      {"d", Field::kDay},
      {"week", Field::kWeek},
      {"weeks", Field::kWeek},
      {"w", Field::kWeek},
      {"month", Field::kMonth},
      {"months", Field::kMonth},
      {"mon", Field::kMonth},
      {"mons", Field::kMonth},
      {"quarter", Field::kQuarter},
      {"qtr", Field::kQuarter},
      {"year", Field::kYear},
      {"years", Field::kYear},
      {"y", Field::kYear},
      {"yr", Field::kYear},
      {"yrs", Field::kYear},
      {"decade", Field::kDecade},
      {"decades", Field::kDecade},
      {"dec", Field::kDecade},
      {"century", Field::kCentury},
      {"centuries", Field::kCentury},
      {"c", Field::kCentury},
      {"cent", Field::kCentury},
      {"millennium", Field::kMillennium},
      {"millennia", Field::kMillennium},
      {"millenniums", Field::kMillennium},
      {"mil", Field::kMillennium},
      {"dow", Field::kDow},
      {"isodow", Field::kIsoDow},
      {"doy", Field::kDoy},
      {"epoch", Field::kEpoch},
      {"julian", Field::kJulian},
      {"j", Field::kJulian},
      {"isoyear", Field::kIsoYear},
      {"timezone", Field::kTimezone},
      {"timezone_hour", Field::kTimezoneHour},
      {"timezone_minute", Field::kTimezoneMinute},
  };
  for (const Entry& e : kFields) {
    if (s == e.name) return e.field;
  }
  return Field::kUnknown;
}

std::string TypeName(TypeId t) { return DataType::Of(t).ToString(); }

Status UnitNotRecognized(std::string_view unit, TypeId t) {
  return Status(SqlState::kInvalidParameterValue,
                "unit \"" + AsciiLower(unit) + "\" not recognized for type " + TypeName(t));
}
Status UnitNotSupported(std::string_view unit, TypeId t) {
  return Status(SqlState::kFeatureNotSupported,
                "unit \"" + AsciiLower(unit) + "\" not supported for type " + TypeName(t));
}

// ISO 8601 week number and ISO year of a civil date.
void IsoWeek(int64_t year, int month, int day, int* week, int64_t* iso_year) {
  const int32_t days = DaysFromCivil(year, month, day);
  // 2000-01-01 was a Saturday; ISO weekday 1 = Monday.
  const int iso_dow = static_cast<int>(((days + 5) % 7 + 7) % 7) + 1;
  // The Thursday of this week decides the ISO year.
  const int32_t thursday = days + (4 - iso_dow);
  int64_t ty;
  int tm;
  int td;
  CivilFromDays(thursday, &ty, &tm, &td);
  *iso_year = ty;
  const int32_t jan1 = DaysFromCivil(ty, 1, 1);
  *week = (thursday - jan1) / 7 + 1;
}

int DayOfWeek(int32_t days) { return static_cast<int>(((days + 6) % 7 + 7) % 7); }  // 0 = Sunday

// ---- extract / date_part --------------------------------------------------------

// Extracts `field` from a timestamp or date as numeric (PG 15's extract);
// timestamptz fields are those of the wall-clock time in `zone`.
Result<Numeric> ExtractTimestamp(std::string_view unit, Field field, int64_t ts, TypeId type,
                                 const TimeZone* zone) {
  if (!IsFiniteTimestamp(ts)) {
    switch (field) {
      case Field::kEpoch:
      case Field::kJulian:
      case Field::kYear:
      case Field::kIsoYear:
      case Field::kDecade:
      case Field::kCentury:
      case Field::kMillennium:
        // PostgreSQL returns +-Infinity, which our numeric cannot hold.
        return Status::NotSupported("extract of infinite values is not supported");
      default:
        return Status(SqlState::kNumericValueOutOfRange, "value out of range");  // NULL in PG
    }
  }
  int32_t utc_offset = 0;
  const int64_t local =
      type == TypeId::kTimestampTz ? TimestampTzToLocal(ts, zone, &utc_offset) : ts;
  const DateTimeFields f = TimestampToFields(local);
  const int32_t days = DaysFromCivil(f.year, f.month, f.day);
  auto num = [](int64_t v) { return Numeric::FromInt64(v); };
  auto scaled = [](int64_t v, int32_t scale) {
    return Numeric::FromParts(v < 0, std::to_string(v < 0 ? -v : v), scale);
  };
  const int64_t sec_micros = int64_t{f.second} * kMicrosPerSecond + f.micros;
  const bool is_date = type == TypeId::kDate;
  switch (field) {
    case Field::kMicroseconds:
      if (is_date) break;
      return num(sec_micros);
    case Field::kMilliseconds:
      if (is_date) break;
      return scaled(sec_micros, 3);
    case Field::kSecond:
      if (is_date) break;
      return scaled(sec_micros, 6);
    case Field::kMinute:
      if (is_date) break;
      return num(f.minute);
    case Field::kHour:
      if (is_date) break;
      return num(f.hour);
    case Field::kDay:
      return num(f.day);
    case Field::kMonth:
      return num(f.month);
    case Field::kQuarter:
      return num((f.month - 1) / 3 + 1);
    case Field::kYear:
      return num(f.year > 0 ? f.year : f.year - 1);
    case Field::kDecade:
      return num(f.year >= 0 ? f.year / 10 : -((8 - (f.year - 1)) / 10));
    case Field::kCentury:
      return num(f.year > 0 ? (f.year + 99) / 100 : -((99 - (f.year - 1)) / 100));
    case Field::kMillennium:
      return num(f.year > 0 ? (f.year + 999) / 1000 : -((999 - (f.year - 1)) / 1000));
    case Field::kWeek: {
      int week;
      int64_t iso_year;
      IsoWeek(f.year, f.month, f.day, &week, &iso_year);
      return num(week);
    }
    case Field::kIsoYear: {
      int week;
      int64_t iso_year;
      IsoWeek(f.year, f.month, f.day, &week, &iso_year);
      return num(iso_year > 0 ? iso_year : iso_year - 1);
    }
    case Field::kDow:
      return num(DayOfWeek(days));
    case Field::kIsoDow: {
      const int d = DayOfWeek(days);
      return num(d == 0 ? 7 : d);
    }
    case Field::kDoy:
      return num(days - DaysFromCivil(f.year, 1, 1) + 1);
    case Field::kEpoch: {
      const int64_t unix_micros = ts + int64_t{kUnixEpochToPgEpochDays} * kMicrosPerDay;
      if (is_date) return num(unix_micros / kMicrosPerSecond);
      return scaled(unix_micros, 6);
    }
    case Field::kJulian: {
      const int64_t jd = int64_t{days} + 2451545;
      if (is_date) return num(jd);
      const int64_t time = local - int64_t{days} * kMicrosPerDay;
      // julian + time / day, exact: time * 10^? / 86400e6 has a finite
      // decimal only sometimes; PostgreSQL divides with numeric rules.
      STRATA_ASSIGN_OR_RETURN(Numeric frac, num(time).Divide(num(kMicrosPerDay)));
      return num(jd).Add(frac);
    }
    case Field::kTimezone:
      if (type == TypeId::kTimestampTz) return num(utc_offset);
      break;
    case Field::kTimezoneHour:
      if (type == TypeId::kTimestampTz) return num(utc_offset / 3600);
      break;
    case Field::kTimezoneMinute:
      if (type == TypeId::kTimestampTz) return num(utc_offset / 60 % 60);
      break;
    case Field::kUnknown:
      return UnitNotRecognized(unit, type);
  }
  return UnitNotSupported(unit, type);
}

Result<Numeric> ExtractTime(std::string_view unit, Field field, int64_t t) {
  auto num = [](int64_t v) { return Numeric::FromInt64(v); };
  auto scaled = [](int64_t v, int32_t scale) {
    return Numeric::FromParts(false, std::to_string(v), scale);
  };
  const int64_t sec_micros = t % kMicrosPerMinute;
  switch (field) {
    case Field::kMicroseconds:
      return num(sec_micros);
    case Field::kMilliseconds:
      return scaled(sec_micros, 3);
    case Field::kSecond:
      return scaled(sec_micros, 6);
    case Field::kMinute:
      return num(t / kMicrosPerMinute % 60);
    case Field::kHour:
      return num(t / kMicrosPerHour);
    case Field::kEpoch:
      return scaled(t, 6);
    case Field::kUnknown:
      return UnitNotRecognized(unit, TypeId::kTime);
    default:
      return UnitNotSupported(unit, TypeId::kTime);
  }
}

Result<Numeric> ExtractInterval(std::string_view unit, Field field, const Interval& v) {
  auto num = [](int64_t x) { return Numeric::FromInt64(x); };
  auto scaled = [](int64_t x, int32_t scale) {
    return Numeric::FromParts(x < 0, std::to_string(x < 0 ? -x : x), scale);
  };
  const int64_t year = v.months / 12;
  const int64_t sec_micros = v.micros % kMicrosPerMinute;
  switch (field) {
    case Field::kMicroseconds:
      return num(sec_micros);
    case Field::kMilliseconds:
      return scaled(sec_micros, 3);
    case Field::kSecond:
      return scaled(sec_micros, 6);
    case Field::kMinute:
      return num(v.micros / kMicrosPerMinute % 60);
    case Field::kHour:
      return num(v.micros / kMicrosPerHour);
    case Field::kDay:
      return num(v.days);
    case Field::kMonth:
      return num(v.months % 12);
    case Field::kQuarter:
      return num((v.months % 12) / 3 + 1);
    case Field::kYear:
      return num(year);
    case Field::kDecade:
      return num(year / 10);
    case Field::kCentury:
      return num(year / 100);
    case Field::kMillennium:
      return num(year / 1000);
    case Field::kEpoch: {
      // PostgreSQL 15: 365.25-day years, 30-day months, exact in numeric.
      const __int128 micros = static_cast<__int128>(year) * 36525 * 864 * kMicrosPerSecond +
                              static_cast<__int128>(v.months % 12) * 30 * kMicrosPerDay +
                              static_cast<__int128>(v.days) * kMicrosPerDay + v.micros;
      const bool neg = micros < 0;
      __int128 mag = neg ? -micros : micros;
      std::string digits;
      do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(mag % 10)));
        mag /= 10;
      } while (mag > 0);
      return Numeric::FromParts(neg, digits, 6);
    }
    case Field::kUnknown:
      return UnitNotRecognized(unit, TypeId::kInterval);
    default:
      return UnitNotSupported(unit, TypeId::kInterval);
  }
}

Result<Numeric> ExtractValue(std::string_view unit, const Value& v, const TimeZone* zone) {
  const Field field = LookupField(unit);
  switch (v.type()) {
    case TypeId::kDate:
      if (!IsFiniteDate(v.date_value())) {
        return Status::NotSupported("extract of infinite values is not supported");
      }
      return ExtractTimestamp(unit, field, DateToTimestamp(v.date_value()), TypeId::kDate, zone);
    case TypeId::kTime:
      return ExtractTime(unit, field, v.time_value());
    case TypeId::kInterval:
      return ExtractInterval(unit, field, v.interval_value());
    default:
      return ExtractTimestamp(unit, field, v.timestamp_value(), v.type(), zone);
  }
}

Status Extract(Args args, EvalContext& ctx, Value* out) {
  const Value& v = args[1];
  const bool infinite = (IsTimestampType(v.type()) && !IsFiniteTimestamp(v.timestamp_value())) ||
                        (v.type() == TypeId::kDate && !IsFiniteDate(v.date_value()));
  if (infinite) {
    const Field f = LookupField(args[0].string_value());
    const bool monotonic = f == Field::kEpoch || f == Field::kJulian || f == Field::kYear ||
                           f == Field::kIsoYear || f == Field::kDecade || f == Field::kCentury ||
                           f == Field::kMillennium;
    if (f != Field::kUnknown && !monotonic) {
      // PostgreSQL returns NULL for fields of an infinite value that do
      // not grow with it (month, day, ...).
      *out = Value::Null(TypeId::kNumeric);
      return Status::OK();
    }
  }
  STRATA_ASSIGN_OR_RETURN(Numeric n, ExtractValue(args[0].string_value(), args[1], ctx.zone()));
  *out = Value::FromNumeric(std::move(n));
  return Status::OK();
}

Status DatePart(Args args, EvalContext& ctx, Value* out) {
  const Value& v = args[1];
  if ((IsTimestampType(v.type()) && !IsFiniteTimestamp(v.timestamp_value()))) {
    const Field f = LookupField(args[0].string_value());
    const bool monotonic = f == Field::kEpoch || f == Field::kJulian || f == Field::kYear ||
                           f == Field::kIsoYear || f == Field::kDecade || f == Field::kCentury ||
                           f == Field::kMillennium;
    if (f == Field::kUnknown) return UnitNotRecognized(args[0].string_value(), v.type());
    if (monotonic) {
      const bool pos = v.timestamp_value() == kTimestampPositiveInfinity;
      *out = Value::Float8(pos ? HUGE_VAL : -HUGE_VAL);
    } else {
      *out = Value::Null(TypeId::kFloat8);
    }
    return Status::OK();
  }
  // date_part(text, date) is extract(text, date::timestamp) in PostgreSQL.
  Value input = v;
  if (v.type() == TypeId::kDate) {
    if (!IsFiniteDate(v.date_value())) {
      *out = Value::Float8(v.date_value() > 0 ? HUGE_VAL : -HUGE_VAL);
      return Status::OK();
    }
    input = Value::Timestamp(DateToTimestamp(v.date_value()));
  }
  STRATA_ASSIGN_OR_RETURN(Numeric n, ExtractValue(args[0].string_value(), input, ctx.zone()));
  *out = Value::Float8(n.ToDouble());
  return Status::OK();
}

// ---- date_trunc -------------------------------------------------------------------

Status DateTrunc(Args args, EvalContext& ctx, Value* out) {
  const std::string_view unit = args[0].string_value();
  const Field field = LookupField(unit);
  const Value& v = args[1];
  if (v.type() == TypeId::kInterval) {
    const Interval& iv = v.interval_value();
    int64_t year = iv.months / 12;
    int64_t mon = iv.months % 12;
    int64_t day = iv.days;
    int64_t hour = iv.micros / kMicrosPerHour;
    int64_t min = iv.micros / kMicrosPerMinute % 60;
    int64_t sec = iv.micros / kMicrosPerSecond % 60;
    int64_t usec = iv.micros % kMicrosPerSecond;
    switch (field) {
      case Field::kMillennium:
        year = year / 1000 * 1000;
        [[fallthrough]];
      case Field::kCentury:
        year = year / 100 * 100;
        [[fallthrough]];
      case Field::kDecade:
        year = year / 10 * 10;
        [[fallthrough]];
      case Field::kYear:
        mon = 0;
        [[fallthrough]];
      case Field::kQuarter:
        mon = 3 * (mon / 3);
        [[fallthrough]];
      case Field::kMonth:
        day = 0;
        [[fallthrough]];
      case Field::kDay:
        hour = 0;
        [[fallthrough]];
      case Field::kHour:
        min = 0;
        [[fallthrough]];
      case Field::kMinute:
        sec = 0;
        [[fallthrough]];
      case Field::kSecond:
        usec = 0;
        break;
      case Field::kMilliseconds:
        usec = usec / 1000 * 1000;
        break;
      case Field::kMicroseconds:
        break;
      case Field::kUnknown:
        return UnitNotRecognized(unit, TypeId::kInterval);
      default:
        return UnitNotSupported(unit, TypeId::kInterval);
    }
    Interval r;
    r.months = static_cast<int32_t>(year * 12 + mon);
    r.days = static_cast<int32_t>(day);
    r.micros = ((hour * 60 + min) * 60 + sec) * kMicrosPerSecond + usec;
    *out = Value::FromInterval(r);
    return Status::OK();
  }
  const int64_t ts = v.timestamp_value();
  auto make = [&v](int64_t r) {
    return v.type() == TypeId::kTimestampTz ? Value::TimestampTz(r) : Value::Timestamp(r);
  };
  if (!IsFiniteTimestamp(ts)) {
    if (field == Field::kUnknown) return UnitNotRecognized(unit, v.type());
    *out = make(ts);
    return Status::OK();
  }
  // timestamptz: truncate the wall-clock time in the session zone; units of
  // a day or more look the offset up again (timestamptz_trunc's redotz),
  // smaller ones keep the original offset.
  const bool with_tz = v.type() == TypeId::kTimestampTz;
  int32_t utc_offset = 0;
  const int64_t local = with_tz ? TimestampTzToLocal(ts, ctx.zone(), &utc_offset) : ts;
  const bool redo_offset = field != Field::kHour && field != Field::kMinute &&
                           field != Field::kSecond && field != Field::kMilliseconds &&
                           field != Field::kMicroseconds;
  auto finish = [&](int64_t r) {
    if (!with_tz) return make(r);
    return make(redo_offset ? LocalToTimestampTz(r, ctx.zone()) : r - utc_offset * kMicrosPerSecond);
  };
  DateTimeFields f = TimestampToFields(local);
  switch (field) {
    case Field::kWeek: {
      const int32_t days = DaysFromCivil(f.year, f.month, f.day);
      const int iso_dow = DayOfWeek(days) == 0 ? 7 : DayOfWeek(days);
      *out = finish(int64_t{days - (iso_dow - 1)} * kMicrosPerDay);
      return Status::OK();
    }
    case Field::kMillennium:
      f.year = f.year > 0 ? (f.year + 999) / 1000 * 1000 - 999
                          : -((999 - (f.year - 1)) / 1000) * 1000 + 1;
      f.month = 1;
      f.day = 1;
      f.hour = f.minute = f.second = 0;
      f.micros = 0;
      break;
    case Field::kCentury:
      f.year = f.year > 0 ? (f.year + 99) / 100 * 100 - 99 : -((99 - (f.year - 1)) / 100) * 100 + 1;
      f.month = 1;
      f.day = 1;
      f.hour = f.minute = f.second = 0;
      f.micros = 0;
      break;
    case Field::kDecade:
      f.year = f.year > 0 ? f.year / 10 * 10 : -((8 - (f.year - 1)) / 10) * 10;
      [[fallthrough]];
    case Field::kYear:
      f.month = 1;
      [[fallthrough]];
    case Field::kQuarter:
      f.month = 3 * ((f.month - 1) / 3) + 1;
      [[fallthrough]];
    case Field::kMonth:
      f.day = 1;
      [[fallthrough]];
    case Field::kDay:
      f.hour = 0;
      [[fallthrough]];
    case Field::kHour:
      f.minute = 0;
      [[fallthrough]];
    case Field::kMinute:
      f.second = 0;
      [[fallthrough]];
    case Field::kSecond:
      f.micros = 0;
      break;
    case Field::kMilliseconds:
      f.micros = f.micros / 1000 * 1000;
      break;
    case Field::kMicroseconds:
      break;
    case Field::kUnknown:
      return UnitNotRecognized(unit, v.type());
    default:
      return UnitNotSupported(unit, v.type());
  }
  STRATA_ASSIGN_OR_RETURN(int64_t r, FieldsToTimestamp(f));
  *out = finish(r);
  return Status::OK();
}

// ---- age, make_*, justify, isfinite ------------------------------------------------

Status Age(Args args, EvalContext& ctx, Value* out) {
  int64_t a;
  int64_t b;
  // timestamptz_age works on the wall-clock times in the session zone.
  auto wall_clock = [&](const Value& v) {
    return v.type() == TypeId::kTimestampTz ? TimestampTzToLocal(v.timestamp_value(), ctx.zone())
                                            : v.timestamp_value();
  };
  if (args.size() == 2) {
    a = wall_clock(args[0]);
    b = wall_clock(args[1]);
  } else {
    // age(ts) = age(current_date at midnight, ts).
    a = FloorDays(LocalNow(ctx)) * kMicrosPerDay;
    b = wall_clock(args[0]);
  }
  STRATA_ASSIGN_OR_RETURN(Interval r, TimestampAge(a, b));
  *out = Value::FromInterval(r);
  return Status::OK();
}

Status MakeDate(Args args, EvalContext&, Value* out) {
  int64_t y = args[0].int_value();
  const int64_t m = args[1].int_value();
  const int64_t d = args[2].int_value();
  const std::string fields = std::to_string(y) + "-" + std::to_string(m) + "-" + std::to_string(d);
  if (y == 0) {
    return Status(SqlState::kDatetimeFieldOverflow, "date field value out of range: " + fields);
  }
  if (y < 0) y += 1;  // negative years are BC
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, static_cast<int>(m))) {
    return Status(SqlState::kDatetimeFieldOverflow, "date field value out of range: " + fields);
  }
  if (y < -4713 || y > 5874897) {
    return Status(SqlState::kDatetimeFieldOverflow, "date out of range: " + fields);
  }
  *out = Value::Date(DaysFromCivil(y, static_cast<int>(m), static_cast<int>(d)));
  return Status::OK();
}

Status MakeTimestamp(Args args, EvalContext& ctx, Value* out) {
  Value date;
  STRATA_RETURN_IF_ERROR(MakeDate(args.subspan(0, 3), ctx, &date));
  const int64_t h = args[3].int_value();
  const int64_t mi = args[4].int_value();
  const double sec = args[5].float_value();
  if (h < 0 || h > 24 || mi < 0 || mi > 59 || !(sec >= 0) || sec > 60 ||
      (h == 24 && (mi > 0 || sec > 0))) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02g", static_cast<long long>(h),
                  static_cast<long long>(mi), sec);
    return Status(SqlState::kDatetimeFieldOverflow,
                  std::string("time field value out of range: ") + buf);
  }
  const int64_t micros =
      (h * 3600 + mi * 60) * kMicrosPerSecond + static_cast<int64_t>(std::rint(sec * 1e6));
  *out = Value::Timestamp(DateToTimestamp(date.date_value()) + micros);
  return Status::OK();
}

template <Interval (*kFn)(const Interval&)>
Status Justify(Args args, EvalContext&, Value* out) {
  *out = Value::FromInterval(kFn(args[0].interval_value()));
  return Status::OK();
}

Status IsFinite(Args args, EvalContext&, Value* out) {
  const Value& v = args[0];
  switch (v.type()) {
    case TypeId::kDate:
      *out = Value::Bool(IsFiniteDate(v.date_value()));
      break;
    case TypeId::kInterval:
      *out = Value::Bool(true);
      break;
    default:
      *out = Value::Bool(IsFiniteTimestamp(v.timestamp_value()));
      break;
  }
  return Status::OK();
}

Status ToTimestampEpoch(Args args, EvalContext&, Value* out) {
  const double secs = args[0].float_value();
  if (std::isnan(secs)) {
    return Status(SqlState::kDatetimeFieldOverflow, "timestamp cannot be NaN");
  }
  if (std::isinf(secs)) {
    *out = Value::TimestampTz(secs > 0 ? kTimestampPositiveInfinity : kTimestampNegativeInfinity);
    return Status::OK();
  }
  const double micros =
      std::rint(secs * 1e6) - static_cast<double>(int64_t{kUnixEpochToPgEpochDays} * kMicrosPerDay);
  if (micros < -211813488000000000.0 || micros >= 9223371331200000000.0) {
    return Status(SqlState::kDatetimeFieldOverflow,
                  "timestamp out of range: \"" + FormatText(Value::Float8(secs)).value() + "\"");
  }
  *out = Value::TimestampTz(static_cast<int64_t>(micros));
  return Status::OK();
}

// ---- to_char (timestamps and intervals) ---------------------------------------------

struct TimeParts {
  DateTimeFields f;
  int32_t days = 0;  // days since 2000-01-01 (timestamps only)
  int32_t utc_offset = 0;          // timestamptz: seconds east of UTC
  std::string_view zone_abbreviation;  // timestamptz only; else empty
  bool is_interval = false;
  int64_t interval_hours = 0;
};

bool MatchCi(std::string_view fmt, size_t i, std::string_view word) {
  if (fmt.size() - i < word.size()) return false;
  return fmt.substr(i, word.size()) == word;
}

std::string Pad(int64_t v, int width, bool fm) {
  char buf[48];
  if (fm) {
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof(buf), v < 0 ? "%0*lld" : "%0*lld", v < 0 ? width + 1 : width,
                  static_cast<long long>(v));
  }
  return buf;
}

// A name in the case given by the pattern: "Month" -> "March", "MONTH" ->
// "MARCH", "month" -> "march"; padded to 9 unless FM.
std::string CasedName(std::string_view name, int style, bool fm, size_t pad_to) {
  std::string s(name);
  if (style == 2) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else if (style == 0) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!fm && s.size() < pad_to) s.append(pad_to - s.size(), ' ');
  return s;
}

std::string FormatTimeParts(const TimeParts& p, std::string_view fmt) {
  const DateTimeFields& f = p.f;
  std::string out;
  size_t i = 0;
  const int64_t display_year = f.year > 0 ? f.year : 1 - f.year;
  const int hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12;
  while (i < fmt.size()) {
    bool fm = false;
    if (MatchCi(fmt, i, "FM") || MatchCi(fmt, i, "fm")) {
      fm = true;
      i += 2;
      if (i >= fmt.size()) break;
    }
    auto take = [&](std::string_view word) {
      if (MatchCi(fmt, i, word)) {
        i += word.size();
        return true;
      }
      return false;
    };
    const int style_month = (MatchCi(fmt, i, "MONTH") || MatchCi(fmt, i, "MON"))   ? 2
                            : (MatchCi(fmt, i, "Month") || MatchCi(fmt, i, "Mon")) ? 1
                                                                                   : 0;
    if (take("YYYY") || take("yyyy")) {
      out += Pad(display_year, 4, fm);
    } else if (take("IYYY") || take("iyyy")) {
      int week;
      int64_t iso_year;
      IsoWeek(f.year, f.month, f.day, &week, &iso_year);
      out += Pad(iso_year, 4, fm);
    } else if (take("YYY") || take("yyy")) {
      out += Pad(display_year % 1000, 3, fm);
    } else if (take("YY") || take("yy")) {
      out += Pad(display_year % 100, 2, fm);
    } else if (take("Y") || take("y")) {
      out += Pad(display_year % 10, 1, fm);
    } else if (take("MONTH") || take("Month") || take("month")) {
      out += CasedName(kMonthNames[f.month - 1], style_month, fm, 9);
    } else if (take("MON") || take("Mon") || take("mon")) {
      out += CasedName(std::string_view(kMonthNames[f.month - 1]).substr(0, 3), style_month, fm, 3);
    } else if (take("MM") || take("mm")) {
      out += Pad(f.month, 2, fm);
    } else if (MatchCi(fmt, i, "DAY") || MatchCi(fmt, i, "Day") || MatchCi(fmt, i, "day")) {
      const int style = MatchCi(fmt, i, "DAY") ? 2 : MatchCi(fmt, i, "Day") ? 1 : 0;
      i += 3;
      out += CasedName(kDayNames[DayOfWeek(p.days)], style, fm, 9);
    } else if (MatchCi(fmt, i, "DY") || MatchCi(fmt, i, "Dy") || MatchCi(fmt, i, "dy")) {
      const int style = MatchCi(fmt, i, "DY") ? 2 : MatchCi(fmt, i, "Dy") ? 1 : 0;
      i += 2;
      out += CasedName(std::string_view(kDayNames[DayOfWeek(p.days)]).substr(0, 3), style, fm, 3);
    } else if (take("DDD") || take("ddd")) {
      out += Pad(p.days - DaysFromCivil(f.year, 1, 1) + 1, 3, fm);
    } else if (take("DD") || take("dd")) {
      out += Pad(f.day, 2, fm);
    } else if (take("ID") || take("id")) {
      const int d = DayOfWeek(p.days);
      out += Pad(d == 0 ? 7 : d, 1, fm);
    } else if (take("D") || take("d")) {
      out += Pad(DayOfWeek(p.days) + 1, 1, fm);
    } else if (take("HH24") || take("hh24")) {
      out += Pad(p.is_interval ? p.interval_hours : f.hour, 2, fm);
    } else if (take("HH12") || take("hh12") || take("HH") || take("hh")) {
      out += Pad(hour12, 2, fm);
    } else if (take("MI") || take("mi")) {
      out += Pad(f.minute, 2, fm);
    } else if (take("SSSS") || take("ssss")) {
      out += Pad(int64_t{f.hour} * 3600 + f.minute * 60 + f.second, 1, fm);
    } else if (take("SS") || take("ss")) {
      out += Pad(f.second, 2, fm);
    } else if (take("MS") || take("ms")) {
      out += Pad(f.micros / 1000, 3, fm);
    } else if (take("US") || take("us")) {
      out += Pad(f.micros, 6, fm);
    } else if (take("A.M.") || take("P.M.")) {
      out += f.hour >= 12 ? "P.M." : "A.M.";
    } else if (take("a.m.") || take("p.m.")) {
      out += f.hour >= 12 ? "p.m." : "a.m.";
    } else if (take("AM") || take("PM")) {
      out += f.hour >= 12 ? "PM" : "AM";
    } else if (take("am") || take("pm")) {
      out += f.hour >= 12 ? "pm" : "am";
    } else if (take("Q") || take("q")) {
      out += Pad((f.month - 1) / 3 + 1, 1, fm);
    } else if (take("IW") || take("iw")) {
      int week;
      int64_t iso_year;
      IsoWeek(f.year, f.month, f.day, &week, &iso_year);
      out += Pad(week, 2, fm);
    } else if (take("WW") || take("ww")) {
      out += Pad((p.days - DaysFromCivil(f.year, 1, 1)) / 7 + 1, 2, fm);
    } else if (take("J") || take("j")) {
      out += Pad(int64_t{p.days} + 2451545, 1, fm);
    } else if (take("TZH")) {
      out += FormatUtcOffset(p.utc_offset / 3600 * 3600);
      if (p.utc_offset < 0 && p.utc_offset > -3600) out[out.size() - 3] = '-';
    } else if (take("TZM")) {
      out += Pad((p.utc_offset < 0 ? -p.utc_offset : p.utc_offset) / 60 % 60, 2, fm);
    } else if (take("OF")) {
      out += FormatUtcOffset(p.utc_offset / 60 * 60);
    } else if (take("TZ")) {
      for (char c : p.zone_abbreviation) {
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      }
    } else if (take("tz")) {
      for (char c : p.zone_abbreviation) {
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      }
    } else if (take("BC") || take("AD")) {
      out += f.year > 0 ? "AD" : "BC";
    } else if (take("bc") || take("ad")) {
      out += f.year > 0 ? "ad" : "bc";
    } else if (fmt[i] == '"') {
      ++i;
      while (i < fmt.size() && fmt[i] != '"') {
        if (fmt[i] == '\\' && i + 1 < fmt.size()) ++i;
        out.push_back(fmt[i++]);
      }
      ++i;
    } else if (fmt[i] == '\\' && i + 1 < fmt.size()) {
      out.push_back(fmt[i + 1]);
      i += 2;
    } else {
      out.push_back(fmt[i++]);
    }
  }
  return out;
}

Status ToCharTimestamp(Args args, EvalContext& ctx, Value* out) {
  int64_t ts = args[0].timestamp_value();
  if (!IsFiniteTimestamp(ts)) {
    *out = Value::Null(TypeId::kText);
    return Status::OK();
  }
  TimeParts p;
  if (args[0].type() == TypeId::kTimestampTz) {
    const TimeZone* zone = ctx.zone() != nullptr ? ctx.zone() : TimeZone::Utc();
    int64_t unix_seconds = ts / kMicrosPerSecond;
    if (ts % kMicrosPerSecond < 0) --unix_seconds;
    unix_seconds += int64_t{kUnixEpochToPgEpochDays} * 86'400;
    const TimeZone::Period period = zone->At(unix_seconds);
    p.utc_offset = period.utc_offset;
    p.zone_abbreviation = period.abbreviation;
    ts += int64_t{period.utc_offset} * kMicrosPerSecond;
  }
  p.f = TimestampToFields(ts);
  p.days = DaysFromCivil(p.f.year, p.f.month, p.f.day);
  *out = Value::Text(FormatTimeParts(p, args[1].string_value()));
  return Status::OK();
}

Status ToCharInterval(Args args, EvalContext&, Value* out) {
  const Interval& iv = args[0].interval_value();
  TimeParts p;
  p.is_interval = true;
  p.f.year = iv.months / 12;
  p.f.month = iv.months % 12;
  p.f.day = iv.days;
  p.interval_hours = iv.micros / kMicrosPerHour;
  p.f.hour = static_cast<int>(p.interval_hours % 24);
  p.f.minute = static_cast<int>(iv.micros / kMicrosPerMinute % 60);
  p.f.second = static_cast<int>(iv.micros / kMicrosPerSecond % 60);
  p.f.micros = static_cast<int32_t>(iv.micros % kMicrosPerSecond);
  p.days = 0;
  *out = Value::Text(FormatTimeParts(p, args[1].string_value()));
  return Status::OK();
}

// ---- to_char (numbers) -------------------------------------------------------------

Status ToCharNumber(Args args, EvalContext&, Value* out) {
  const std::string_view fmt = args[1].string_value();
  // Parse the picture: digit positions before/after the decimal point.
  bool fm = false;
  bool has_point = false;
  bool sign_explicit = false;
  int int_digits = 0;
  int frac_digits = 0;
  int first_zero = -1;  // index among integer digit positions of the first '0'
  int last_frac_zero = -1;
  std::vector<char> picture;  // '9', '0', '.', ',', 'S', 'M' (MI), literal chars
  std::vector<char> literal;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if ((c == 'F' || c == 'f') && i + 1 < fmt.size() && (fmt[i + 1] == 'M' || fmt[i + 1] == 'm')) {
      fm = true;
      ++i;
    } else if (c == '9' || c == '0') {
      if (has_point) {
        ++frac_digits;
        if (c == '0') last_frac_zero = frac_digits;
      } else {
        if (c == '0' && first_zero < 0) first_zero = int_digits;
        ++int_digits;
      }
      picture.push_back(c);
    } else if ((c == '.' || c == 'D' || c == 'd') && !has_point) {
      has_point = true;
      picture.push_back('.');
    } else if (c == ',' || c == 'G' || c == 'g') {
      picture.push_back(',');
    } else if (c == 'S' || c == 's') {
      sign_explicit = true;
      picture.push_back('S');
    } else if (c == '"') {
      // Quoted text is copied literally.
      for (++i; i < fmt.size() && fmt[i] != '"'; ++i) {
        if (fmt[i] == '\\' && i + 1 < fmt.size()) ++i;
        picture.push_back('L');
        literal.push_back(fmt[i]);
      }
    } else if ((c == 'M' || c == 'm') && i + 1 < fmt.size() &&
               (fmt[i + 1] == 'I' || fmt[i + 1] == 'i')) {
      sign_explicit = true;
      picture.push_back('M');
      ++i;
    } else {
      picture.push_back('L');
      literal.push_back(c);
    }
  }
  // The value rounded to frac_digits, as a digit string.
  Numeric n;
  const Value& v = args[0];
  if (v.kind() == ValueKind::kInt) {
    n = Numeric::FromInt64(v.int_value());
  } else if (v.kind() == ValueKind::kFloat) {
    STRATA_ASSIGN_OR_RETURN(n, v.type() == TypeId::kFloat4
                                   ? Numeric::FromFloat(static_cast<float>(v.float_value()))
                                   : Numeric::FromDouble(v.float_value()));
  } else {
    n = v.numeric_value();
  }
  const bool negative = n.is_negative();
  std::string text = n.Abs().Round(frac_digits).ToString();
  std::string int_part = text.substr(0, text.find('.'));
  std::string frac_part =
      text.find('.') == std::string::npos ? "" : text.substr(text.find('.') + 1);
  if (int_part == "0") int_part.clear();
  const bool overflow = static_cast<int>(int_part.size()) > int_digits;
  // Left-pad the integer digits to the picture width.
  std::string int_digits_str(
      static_cast<size_t>(std::max(0, int_digits - static_cast<int>(int_part.size()))), ' ');
  int_digits_str += int_part;
  // Zero positions: from the first '0' in the picture onwards, blanks become zeros.
  if (first_zero >= 0) {
    for (int k = first_zero; k < int_digits; ++k) {
      if (int_digits_str[static_cast<size_t>(k)] == ' ')
        int_digits_str[static_cast<size_t>(k)] = '0';
    }
  }
  // A lone zero before the point for values below 1 when the picture's last
  // integer position is '9': PostgreSQL prints nothing there (".50"), except
  // with no fraction digits at all ("0").
  if (int_part.empty() && int_digits > 0 && frac_digits == 0 && int_digits_str.back() == ' ') {
    int_digits_str.back() = '0';
  }
  std::string frac_str = frac_part;
  frac_str.resize(static_cast<size_t>(frac_digits), '0');
  if (fm) {
    // FM: drop trailing fraction zeros beyond the last '0' position.
    int keep = frac_digits;
    while (keep > std::max(last_frac_zero, 0) && frac_str[static_cast<size_t>(keep) - 1] == '0')
      --keep;
    frac_str.resize(static_cast<size_t>(keep));
  }
  // 'S' before the digits floats next to the number like the default blank
  // sign, but prints '+' for positive values.
  bool sign_lead = false;
  for (char c : picture) {
    if (c == '9' || c == '0' || c == '.') break;
    if (c == 'S') sign_lead = true;
  }
  const bool floating_sign = !sign_explicit || sign_lead;
  std::string result;
  size_t int_pos = 0;
  size_t frac_pos = 0;
  size_t lit_pos = 0;
  bool sign_emitted = false;
  bool past_point = false;
  auto sign_char = [&]() { return negative ? '-' : (sign_lead ? '+' : ' '); };
  for (size_t k = 0; k < picture.size(); ++k) {
    const char c = picture[k];
    if (c == '9' || c == '0') {
      if (!past_point) {
        const char d = overflow ? '#' : int_digits_str[int_pos];
        ++int_pos;
        if (d == ' ') {
          if (!fm) result.push_back(' ');
          continue;
        }
        if (!sign_emitted && floating_sign) {
          result.push_back(sign_char());
          sign_emitted = true;
        }
        result.push_back(d);
      } else {
        if (frac_pos < frac_str.size()) result.push_back(overflow ? '#' : frac_str[frac_pos]);
        ++frac_pos;
      }
    } else if (c == '.') {
      if (!sign_emitted && floating_sign) {
        result.push_back(sign_char());
        sign_emitted = true;
      }
      past_point = true;
      result.push_back('.');
    } else if (c == ',') {
      // A separator is printed only once digits have started.
      if (sign_emitted || (int_pos > 0 && int_digits_str[int_pos - 1] != ' ')) {
        result.push_back(',');
      } else if (!fm) {
        result.push_back(' ');
      }
    } else if (c == 'S') {
      if (!sign_lead) result.push_back(negative ? '-' : '+');
    } else if (c == 'M') {
      result.push_back(negative ? '-' : ' ');
    } else {
      result.push_back(literal[lit_pos++]);
    }
  }
  if (!sign_emitted && floating_sign) result.insert(result.begin(), sign_char());
  if (fm) {
    // FM also drops the blank sign of positive numbers.
    if (!result.empty() && result[0] == ' ' && !negative) result.erase(0, 1);
  }
  *out = Value::Text(std::move(result));
  return Status::OK();
}

// ---- to_date / to_timestamp(text, fmt) ----------------------------------------------

Status BadFormat(std::string msg) {
  return Status(SqlState::kInvalidDatetimeFormat, std::move(msg));
}

Result<int64_t> ParseWithFormat(std::string_view input, std::string_view fmt, bool want_time) {
  DateTimeFields f;
  f.year = 1;  // PostgreSQL's default: year 1, January 1st... overridden below
  bool have_year = false;
  int hour12 = -1;
  bool pm = false;
  bool have_ampm = false;
  size_t s = 0;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (s < input.size() && input[s] == ' ') ++s;
  };
  auto read_int = [&](size_t max_digits, const char* what, int64_t* v) -> Status {
    skip_spaces();
    size_t n = 0;
    bool neg = false;
    if (s < input.size() && input[s] == '-' && std::string_view(what) == "YYYY") {
      neg = true;
      ++s;
    }
    int64_t r = 0;
    while (s + n < input.size() && n < max_digits &&
           std::isdigit(static_cast<unsigned char>(input[s + n]))) {
      r = r * 10 + (input[s + n] - '0');
      ++n;
    }
    if (n == 0) {
      return BadFormat(
          std::string("invalid value \"") +
          std::string(input.substr(s, std::min<size_t>(input.size() - s, max_digits))) +
          "\" for \"" + what + "\"");
    }
    s += n;
    *v = neg ? -r : r;
    return Status::OK();
  };
  auto read_name = [&](const char* const* names, size_t count, size_t prefix_len, int* index,
                       const char* what) -> Status {
    skip_spaces();
    for (size_t k = 0; k < count; ++k) {
      const std::string_view full(names[k]);
      const size_t len = prefix_len == 0 ? full.size() : prefix_len;
      if (input.size() - s >= len &&
          AsciiLower(input.substr(s, len)) == AsciiLower(full.substr(0, len))) {
        s += len;
        *index = static_cast<int>(k);
        return Status::OK();
      }
    }
    return BadFormat(std::string("invalid value \"") + std::string(input.substr(s, 3)) +
                     "\" for \"" + what + "\"");
  };
  while (i < fmt.size()) {
    auto take = [&](std::string_view word) {
      if (fmt.size() - i >= word.size() &&
          AsciiLower(fmt.substr(i, word.size())) == AsciiLower(word)) {
        i += word.size();
        return true;
      }
      return false;
    };
    int64_t v;
    int idx;
    if (take("FM")) continue;
    if (take("YYYY")) {
      STRATA_RETURN_IF_ERROR(read_int(4, "YYYY", &v));
      f.year = v;
      have_year = true;
    } else if (take("YY")) {
      STRATA_RETURN_IF_ERROR(read_int(2, "YY", &v));
      f.year = v < 70 ? 2000 + v : 1900 + v;
      have_year = true;
    } else if (take("MONTH")) {
      STRATA_RETURN_IF_ERROR(read_name(kMonthNames, 12, 0, &idx, "MONTH"));
      f.month = idx + 1;
    } else if (take("MON")) {
      STRATA_RETURN_IF_ERROR(read_name(kMonthNames, 12, 3, &idx, "MON"));
      f.month = idx + 1;
    } else if (take("MM")) {
      STRATA_RETURN_IF_ERROR(read_int(2, "MM", &v));
      f.month = static_cast<int>(v);
    } else if (take("DAY")) {
      STRATA_RETURN_IF_ERROR(read_name(kDayNames, 7, 0, &idx, "DAY"));
    } else if (take("DY")) {
      STRATA_RETURN_IF_ERROR(read_name(kDayNames, 7, 3, &idx, "DY"));
    } else if (take("DD")) {
      STRATA_RETURN_IF_ERROR(read_int(2, "DD", &v));
      f.day = static_cast<int>(v);
    } else if (take("HH24")) {
      STRATA_RETURN_IF_ERROR(read_int(2, "HH24", &v));
      f.hour = static_cast<int>(v);
    } else if (take("HH12") || take("HH")) {
      STRATA_RETURN_IF_ERROR(read_int(2, "HH12", &v));
      hour12 = static_cast<int>(v);
    } else if (take("MI")) {
      STRATA_RETURN_IF_ERROR(read_int(2, "MI", &v));
      f.minute = static_cast<int>(v);
    } else if (take("SS")) {
      STRATA_RETURN_IF_ERROR(read_int(2, "SS", &v));
      f.second = static_cast<int>(v);
    } else if (take("MS")) {
      STRATA_RETURN_IF_ERROR(read_int(3, "MS", &v));
      f.micros += static_cast<int32_t>(v * 1000);
    } else if (take("US")) {
      STRATA_RETURN_IF_ERROR(read_int(6, "US", &v));
      f.micros += static_cast<int32_t>(v);
    } else if (take("AM") || take("PM") || take("A.M.") || take("P.M.")) {
      skip_spaces();
      const std::string word = AsciiLower(input.substr(s, 2));
      if (word != "am" && word != "pm") {
        return BadFormat("invalid value \"" + std::string(input.substr(s, 2)) + "\" for \"AM\"");
      }
      pm = word == "pm";
      have_ampm = true;
      s += 2;
      if (s < input.size() && input[s] == '.') s += 2;
    } else {
      // Separators: a non-pattern character skips one input character
      // (PostgreSQL is similarly lenient); spaces are skipped freely.
      const char c = fmt[i++];
      if (c == ' ') {
        skip_spaces();
      } else if (s < input.size() && !std::isalnum(static_cast<unsigned char>(input[s]))) {
        ++s;
      } else if (s < input.size() && input[s] == c) {
        ++s;
      }
    }
  }
  if (hour12 >= 0) {
    if (hour12 < 1 || hour12 > 12) {
      return Status(SqlState::kDatetimeFieldOverflow,
                    "hour \"" + std::to_string(hour12) + "\" is invalid for the 12-hour clock")
          .WithHint("Use the 24-hour clock, or give an hour between 1 and 12.");
    }
    f.hour = hour12 % 12 + (pm ? 12 : 0);
  } else if (have_ampm && pm && f.hour < 12) {
    f.hour += 12;
  }
  if (!have_year) f.year = 1;
  if (f.year <= 0) f.year += 1;  // "-44" is 44 BC
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > DaysInMonth(f.year, f.month) ||
      f.hour > 24 || f.minute > 59 || f.second > 60) {
    return Status(SqlState::kDatetimeFieldOverflow,
                  "date/time field value out of range: \"" + std::string(input) + "\"");
  }
  (void)want_time;
  return FieldsToTimestamp(f);
}

Status ToDate(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(int64_t ts,
                          ParseWithFormat(args[0].string_value(), args[1].string_value(), false));
  int64_t days = ts / kMicrosPerDay;
  if (ts % kMicrosPerDay < 0) --days;
  *out = Value::Date(static_cast<int32_t>(days));
  return Status::OK();
}

Status ToTimestampFormat(Args args, EvalContext& ctx, Value* out) {
  STRATA_ASSIGN_OR_RETURN(int64_t ts,
                          ParseWithFormat(args[0].string_value(), args[1].string_value(), true));
  *out = Value::TimestampTz(LocalToTimestampTz(ts, ctx.zone()));
  return Status::OK();
}

// timezone(zone, ts) -- `ts AT TIME ZONE zone`: timestamptz -> the
// wall-clock time in `zone`; timestamp -> the timestamptz of that wall-clock
// time in `zone`. `zone` is an abbreviation ('EST'), a zone name or a POSIX
// string ('+05' is UTC-5, as in PostgreSQL).
Status AtTimeZone(Args args, EvalContext&, Value* out) {
  const std::string_view name = args[0].string_value();
  const int64_t ts = args[1].timestamp_value();
  const bool from_tz = args[1].type() == TypeId::kTimestampTz;
  if (!IsFiniteTimestamp(ts)) {
    *out = from_tz ? Value::Timestamp(ts) : Value::TimestampTz(ts);
    return Status::OK();
  }
  if (std::optional<int32_t> offset = TimeZone::AbbreviationOffset(name)) {
    const int64_t shift = int64_t{*offset} * kMicrosPerSecond;
    *out = from_tz ? Value::Timestamp(ts + shift) : Value::TimestampTz(ts - shift);
    return Status::OK();
  }
  STRATA_ASSIGN_OR_RETURN(const TimeZone* zone, TimeZone::LoadName(name));
  *out = from_tz ? Value::Timestamp(TimestampTzToLocal(ts, zone))
                 : Value::TimestampTz(LocalToTimestampTz(ts, zone));
  return Status::OK();
}

void Add(std::vector<FunctionDef>* defs, std::string_view name, std::vector<ParamType> params,
         TypeId ret, ScalarFn fn, Volatility volatility = Volatility::kImmutable) {
  defs->push_back(FunctionDef{name, std::move(params), ret, fn, true, volatility});
}

}  // namespace

void AddDateTimeFunctions(std::vector<FunctionDef>* defs) {
  using T = TypeId;
  const ParamType text = P(T::kText);
  for (std::string_view name : {"now", "current_timestamp", "transaction_timestamp"}) {
    Add(defs, name, {}, T::kTimestampTz, TransactionTimestamp, Volatility::kStable);
  }
  Add(defs, "statement_timestamp", {}, T::kTimestampTz, StatementTimestamp, Volatility::kStable);
  Add(defs, "clock_timestamp", {}, T::kTimestampTz, ClockTimestamp, Volatility::kVolatile);
  Add(defs, "localtimestamp", {}, T::kTimestamp, LocalTimestamp, Volatility::kStable);
  Add(defs, "localtime", {}, T::kTime, LocalTime, Volatility::kStable);
  Add(defs, "current_date", {}, T::kDate, CurrentDate, Volatility::kStable);
  for (T t : {T::kTimestamp, T::kTimestampTz, T::kInterval}) {
    Add(defs, "date_trunc", {text, P(t)}, t, DateTrunc,
        t == T::kTimestampTz ? Volatility::kStable : Volatility::kImmutable);
  }
  for (T t : {T::kDate, T::kTime, T::kTimestamp, T::kTimestampTz, T::kInterval}) {
    Add(defs, "extract", {text, P(t)}, T::kNumeric, Extract);
    Add(defs, "date_part", {text, P(t)}, T::kFloat8, DatePart);
  }
  Add(defs, "age", {P(T::kTimestamp), P(T::kTimestamp)}, T::kInterval, Age);
  Add(defs, "age", {P(T::kTimestampTz), P(T::kTimestampTz)}, T::kInterval, Age,
      Volatility::kStable);
  Add(defs, "age", {P(T::kTimestamp)}, T::kInterval, Age, Volatility::kStable);
  Add(defs, "age", {P(T::kTimestampTz)}, T::kInterval, Age, Volatility::kStable);
  Add(defs, "make_date", {P(T::kInt4), P(T::kInt4), P(T::kInt4)}, T::kDate, MakeDate);
  Add(defs, "make_timestamp",
      {P(T::kInt4), P(T::kInt4), P(T::kInt4), P(T::kInt4), P(T::kInt4), P(T::kFloat8)},
      T::kTimestamp, MakeTimestamp);
  Add(defs, "justify_days", {P(T::kInterval)}, T::kInterval, Justify<JustifyDays>);
  Add(defs, "justify_hours", {P(T::kInterval)}, T::kInterval, Justify<JustifyHours>);
  Add(defs, "justify_interval", {P(T::kInterval)}, T::kInterval, Justify<JustifyInterval>);
  for (T t : {T::kDate, T::kTimestamp, T::kTimestampTz, T::kInterval}) {
    Add(defs, "isfinite", {P(t)}, T::kBool, IsFinite);
  }
  Add(defs, "timezone", {text, P(T::kTimestampTz)}, T::kTimestamp, AtTimeZone);
  Add(defs, "timezone", {text, P(T::kTimestamp)}, T::kTimestampTz, AtTimeZone);
  Add(defs, "to_timestamp", {P(T::kFloat8)}, T::kTimestampTz, ToTimestampEpoch);
  Add(defs, "to_timestamp", {text, text}, T::kTimestampTz, ToTimestampFormat, Volatility::kStable);
  Add(defs, "to_date", {text, text}, T::kDate, ToDate, Volatility::kStable);
  Add(defs, "to_char", {P(T::kTimestamp), text}, T::kText, ToCharTimestamp, Volatility::kStable);
  Add(defs, "to_char", {P(T::kTimestampTz), text}, T::kText, ToCharTimestamp, Volatility::kStable);
  Add(defs, "to_char", {P(T::kInterval), text}, T::kText, ToCharInterval, Volatility::kStable);
  for (T t : {T::kInt4, T::kInt8, T::kFloat4, T::kFloat8, T::kNumeric}) {
    Add(defs, "to_char", {P(t), text}, T::kText, ToCharNumber, Volatility::kStable);
  }
}

}  // namespace strata::sql::functions::internal
