#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"

namespace strata {

// PostgreSQL's text input/output functions (typinput / typoutput) for the
// scalar types, as a server with DateStyle=ISO, extra_float_digits=1 and
// TimeZone=UTC prints them. Stateless; thread-safe.
//
// Supported: bool, int2/4/8, float4/8, numeric, text, varchar, bpchar,
// bytea (hex output; hex and escape input), date, time, timestamp,
// timestamptz, uuid, json/jsonb (kept verbatim; not validated or normalized).
// Not supported (0A000): interval and arrays.
//
// Date/time input accepts ISO 8601 forms only ('YYYY-MM-DD',
// 'YYYY-MM-DD HH:MM[:SS[.ffffff]]' with ' ' or 'T', an optional 'BC' suffix,
// 'infinity', '-infinity'); timestamptz input takes an optional zone offset
// ('Z', '+HH', '+HH:MM', '+HHMM', 'UTC') and defaults to UTC.

// Parses `text` as a value of `type`, applying its typmod (varchar(n) and
// char(n) length rules with 22001, char(n) padding, numeric(p,s) rounding
// with 22003, time/timestamp(p) rounding). Errors: 22P02 (bad syntax),
// 22003 (out of range), 22007 / 22008 (date/time syntax / field range),
// 0A000 (unsupported type).
Result<Value> ParseText(const DataType& type, std::string_view text);

// Formats a non-null value: 't'/'f', '1.50', '1e+15' (float8 shortest
// round-trip, exponent from 1e15 or below 1e-4; float4 from 1e6),
// 'YYYY-MM-DD', 'HH:MM:SS[.ffffff]', 'YYYY-MM-DD HH:MM:SS[.ffffff]' (timestamptz
// adds '+00'), '\x0102' for bytea, lower-case 8-4-4-4-12 uuids, and
// 'infinity'/'-infinity' for infinite dates/timestamps.
// Errors: 0A000 for interval and arrays. REQUIRES: !value.is_null().
Result<std::string> FormatText(const Value& value);

// Calendar helpers (proleptic Gregorian; year 0 is 1 BC as in PostgreSQL's
// internals). Days are counted from 2000-01-01.
int32_t DaysFromCivil(int64_t year, int month, int day);
void CivilFromDays(int32_t days, int64_t* year, int* month, int* day);

}  // namespace strata
