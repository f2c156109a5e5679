#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "common/value_text.h"

namespace strata::sql::functions {

// Microseconds since 2000-01-01 00:00:00 UTC from the system clock.
int64_t SystemClockMicros();

// Per-statement state that function, cast and aggregate implementations
// read. One per executing statement (or per executor thread); not
// thread-safe (random() advances `rng`). The session sets the fields; the
// library only reads them, except `rng`.
struct EvalContext {
  // statement_timestamp(): when the current statement started.
  int64_t statement_start_micros = 0;
  // now(), current_timestamp, transaction_timestamp(), current_date and
  // the 'now'/'today' literals: when the transaction started.
  int64_t transaction_start_micros = 0;
  // The session's TimeZone (null means UTC) and extra_float_digits
  // (PostgreSQL default 1: shortest round-trip output): timestamptz
  // arithmetic, fields and casts, and every text conversion use them.
  TextFormatOptions format;
  // DateStyle's field order for date input ('01/02/2024').
  DateOrder date_order = DateOrder::kMdy;
  // random() and gen_random_uuid(). Seed it per session for setseed().
  std::mt19937_64 rng{std::random_device{}()};
  // clock_timestamp(); null means SystemClockMicros. Tests override it.
  int64_t (*clock)() = nullptr;

  int64_t ClockMicros() const { return clock != nullptr ? clock() : SystemClockMicros(); }
  TextInputContext text_input() const {
    return TextInputContext{transaction_start_micros, format.zone, date_order};
  }
  const TimeZone* zone() const { return format.zone; }
};

}  // namespace strata::sql::functions
