#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"

namespace strata {

class TimeZone;

// PostgreSQL's text input/output functions (typinput / typoutput), as a
// server with DateStyle=ISO, IntervalStyle=postgres and bytea_output=hex
// prints them; TimeZone, extra_float_digits and the DateStyle field order
// come from TextFormatOptions / TextInputContext (defaults: UTC, 1, MDY).
// Stateless; thread-safe.
//
// Supported: every TypeId. Specifics:
//   bool:   input 't', 'true', 'yes', 'on', '1' (and unique prefixes, any
//           case, surrounding spaces) and the false forms; output 't'/'f'.
//   bytea:  hex output; hex and escape input.
//   date/time/timestamp/timestamptz: ISO 8601 forms ('YYYY-MM-DD',
//           'YYYY-MM-DD HH:MM[:SS[.ffffff]]' with ' ' or 'T', optional 'BC'
//           suffix), numeric dates with '/', '-' or '.' read in the
//           DateStyle order ('01/02/2024' is Jan 2 for MDY, Feb 1 for DMY),
//           'infinity', '-infinity', 'epoch'; timestamptz takes an optional
//           zone ('Z', '+HH', '+HH:MM', '+HHMM', 'UTC', 'GMT', common
//           abbreviations like 'EST', or a zone name like
//           'America/New_York') and defaults to the context's zone. 'now',
//           'today', 'tomorrow', 'yesterday' need a TextInputContext with
//           the current time (else 0A000).
//   interval: see common/datetime.h ParseInterval / FormatInterval.
//   json/jsonb: validated (22P02 "invalid input syntax for type json");
//           json is kept verbatim, jsonb is normalized as PostgreSQL prints
//           it (object keys sorted by length then bytes, duplicate keys keep
//           the last value, ", " and ": " separators, numbers as written).
//   arrays: one dimension, '{1,2,NULL}', elements quoted on output when
//           empty, "NULL" (any case), or containing '{', '}', ',', '"', '\\'
//           or white space; an optional '[lo:hi]=' prefix is accepted on
//           input but the bounds are dropped (Values are 1-based); '{}' is
//           the empty array. Multi-dimensional input is 0A000.
//   record: output as PostgreSQL's record_out, '(1,"a b",,"")' (a NULL
//           field is empty; fields quoted when empty or containing '"',
//           '\\', '(', ')', ',' or white space, '"' and '\\' doubled);
//           input is 0A000 (anonymous records have no input function).

// The current time for the special date/time inputs 'now', 'today',
// 'tomorrow' and 'yesterday' (PostgreSQL uses the transaction start time).
// Also carries the session settings that input depends on.
enum class DateOrder { kMdy, kDmy, kYmd };

struct TextInputContext {
  // Microseconds since 2000-01-01 00:00:00 UTC.
  int64_t now_micros = 0;
  // TimeZone: the zone of timestamptz input without an explicit zone, and
  // of 'today' & co. nullptr means UTC. Must outlive the call.
  const TimeZone* zone = nullptr;
  // DateStyle's field order for numeric dates.
  DateOrder date_order = DateOrder::kMdy;
};

// Session settings that text output depends on.
struct TextFormatOptions {
  // TimeZone: timestamptz values print as wall-clock time in this zone with
  // its UTC offset ('2024-06-01 08:00:00-04'). nullptr means UTC. Must
  // outlive the call.
  const TimeZone* zone = nullptr;
  // extra_float_digits (-15..3): > 0 prints floats in the shortest exact
  // form; otherwise with 15 + n (float8) or 6 + n (float4) significant
  // digits, as printf's %g.
  int extra_float_digits = 1;
};

// Parses `text` as a value of `type`, applying its typmod (varchar(n) and
// char(n) length rules with 22001, char(n) padding, numeric(p,s) rounding
// with 22003, time/timestamp(p) rounding). `context` may be null; then the
// special inputs 'now'/'today'/... fail with 0A000. Errors: 22P02 (bad
// syntax), 22003 (out of range), 22007 / 22008 (date/time syntax / field
// range), 0A000 (unsupported form).
Result<Value> ParseText(const DataType& type, std::string_view text,
                        const TextInputContext* context);
// As above without a context.
Result<Value> ParseText(const DataType& type, std::string_view text);

// Formats a non-null value: 't'/'f', '1.50', '1e+15' (float8 shortest
// round-trip, exponent from 1e15 or below 1e-4; float4 from 1e6),
// 'YYYY-MM-DD', 'HH:MM:SS[.ffffff]', 'YYYY-MM-DD HH:MM:SS[.ffffff]' (timestamptz
// adds '+00'), '\x0102' for bytea, lower-case 8-4-4-4-12 uuids,
// 'infinity'/'-infinity' for infinite dates/timestamps, '1 day 02:00:00'
// for intervals, '{1,NULL,"a b"}' for arrays. Never fails for values built
// through Value's constructors; the Result is kept for future types.
// REQUIRES: !value.is_null().
Result<std::string> FormatText(const Value& value);
// As above with session settings (time zone, extra_float_digits).
Result<std::string> FormatText(const Value& value, const TextFormatOptions& options);
// Appends a float4 (is_float4) or float8 in PostgreSQL's text form, as
// FormatText does, without building a Value.
void AppendFloatText(double v, bool is_float4, int extra_float_digits, std::string* out);

// JSON helpers. ValidateJson: OK or 22P02 `invalid input syntax for type
// json` with PostgreSQL's detail text where practical. NormalizeJsonb: the
// jsonb output form of valid JSON text (see above), or the same error.
Status ValidateJson(std::string_view text);
// Appends `s` as a JSON string literal (quotes, and the escapes PostgreSQL's
// json output uses: \" \\ \b \f \n \r \t, \u00XX for other control bytes).
void AppendJsonString(std::string_view s, std::string* out);
Result<std::string> NormalizeJsonb(std::string_view text);

// Calendar helpers (proleptic Gregorian; year 0 is 1 BC as in PostgreSQL's
// internals). Days are counted from 2000-01-01.
int32_t DaysFromCivil(int64_t year, int month, int day);
void CivilFromDays(int32_t days, int64_t* year, int* month, int* day);

}  // namespace strata
