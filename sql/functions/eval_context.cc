#include "sql/functions/eval_context.h"

#include <chrono>

namespace strata::sql::functions {

int64_t SystemClockMicros() {
  const int64_t unix_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  return unix_micros - int64_t{kUnixEpochToPgEpochDays} * kMicrosPerDay;
}

}  // namespace strata::sql::functions
