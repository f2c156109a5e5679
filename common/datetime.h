#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/value.h"

namespace strata {

class TimeZone;

// Calendar and interval arithmetic shared by text I/O and the SQL functions,
// following PostgreSQL's src/backend/utils/adt/{date,timestamp}.c. All
// timestamps are microseconds since 2000-01-01 00:00:00 (UTC for
// timestamptz). Functions that need the session time zone take a
// `const TimeZone*` (common/timezone.h); nullptr means UTC. Stateless;
// thread-safe.

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int32_t kDaysPerMonth = 30;  // PostgreSQL's DAYS_PER_MONTH

// Broken-down civil time. `year` follows PostgreSQL's internal numbering
// (0 is 1 BC, -1 is 2 BC).
struct DateTimeFields {
  int64_t year = 2000;
  int month = 1;       // 1..12
  int day = 1;         // 1..31
  int hour = 0;        // 0..23
  int minute = 0;      // 0..59
  int second = 0;      // 0..59
  int32_t micros = 0;  // 0..999999
};

bool IsLeapYear(int64_t year);
int DaysInMonth(int64_t year, int month);

// Splits a finite timestamp. REQUIRES: ts is not +-infinity.
DateTimeFields TimestampToFields(int64_t ts);
// Joins fields (day may be any day of the month; no normalization). 22008
// "timestamp out of range" outside PostgreSQL's range (4714-11-24 BC ..
// 294276 AD).
Result<int64_t> FieldsToTimestamp(const DateTimeFields& f);
bool IsFiniteTimestamp(int64_t ts);
bool IsFiniteDate(int32_t days);

// timestamptz -> the wall-clock time in `zone` (as a timestamp), with the
// UTC offset (seconds east) in effect when `offset_seconds` is not null.
// Infinite values pass through with offset 0.
int64_t TimestampTzToLocal(int64_t ts, const TimeZone* zone, int32_t* offset_seconds = nullptr);
// A wall-clock time in `zone` -> timestamptz, resolving times skipped or
// repeated by DST transitions as PostgreSQL does (TimeZone::OffsetForLocal).
// Infinite values pass through.
int64_t LocalToTimestampTz(int64_t local, const TimeZone* zone);
// The UTC offset of `local` in `zone` (seconds east), as LocalToTimestampTz
// resolves it.
int32_t UtcOffsetForLocal(int64_t local, const TimeZone* zone);
// PostgreSQL's offset suffix: "+00", "-04", "+05:30", "-04:56:02".
std::string FormatUtcOffset(int32_t offset_seconds);

// timestamp + interval as PostgreSQL's timestamp_pl_interval: months first
// (clamping the day to the month's end), then days, then microseconds.
// Infinite timestamps pass through. 22008 "timestamp out of range".
Result<int64_t> TimestampPlusInterval(int64_t ts, const Interval& iv);
// timestamp - timestamp as PostgreSQL's timestamp_mi: days and time only,
// normalized with justify_hours. 22008 "cannot subtract infinite timestamps".
Result<Interval> TimestampMinusTimestamp(int64_t a, int64_t b);
// PostgreSQL's age(a, b): symbolic years/months/days difference.
Result<Interval> TimestampAge(int64_t a, int64_t b);

// justify_hours / justify_days / justify_interval.
Interval JustifyHours(const Interval& v);
Interval JustifyDays(const Interval& v);
Interval JustifyInterval(const Interval& v);

// Interval arithmetic with PostgreSQL's overflow checks (22008 "interval out
// of range").
Result<Interval> IntervalAdd(const Interval& a, const Interval& b);
Result<Interval> IntervalSubtract(const Interval& a, const Interval& b);
Result<Interval> IntervalNegate(const Interval& a);
// interval_mul / interval_div: fractional months and days cascade down
// (0.5 month -> 15 days), as PostgreSQL 15. 22012 on division by zero.
Result<Interval> IntervalMultiply(const Interval& a, double factor);
Result<Interval> IntervalDivide(const Interval& a, double divisor);

// Interval text I/O in IntervalStyle 'postgres':
//   "1 year 2 mons 3 days 04:05:06.5", "-1 days +02:00:00", "00:00:00".
std::string FormatInterval(const Interval& v);
// Accepts the 'postgres' / SQL-standard forms ("1 year 2 mons", "3 days
// 04:05:06", "-00:00:01", "1 day -2 hours", "1.5 hours", "@ 1 day ago",
// units singular/plural/abbreviated: microsecond(s) us, millisecond(s) ms,
// second(s) sec(s) s, minute(s) min(s) m, hour(s) hr(s) h, day(s) d,
// week(s) w, month(s) mon(s), year(s) yr(s) y, decade(s), century,
// centuries, millennium/millennia) and ISO 8601 durations ("P1Y2M3DT4H5M6S",
// "PT1.5S", "P1W"). `typmod` is the interval typmod; only -1 (no field
// restriction) is honoured, other values are accepted and ignored.
// Errors: 22007 `invalid input syntax for type interval: "<text>"`,
// 22008 "interval out of range" on overflow.
Result<Interval> ParseInterval(std::string_view text);

}  // namespace strata
