#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/value_text.h"

namespace strata::sql {

// A session's configuration parameters (PostgreSQL GUCs): the ones drivers
// send and read, plus Strata's own (`strata.pool`, `strata.read_replica`).
// Names are case-insensitive; values are kept in PostgreSQL's canonical
// text form (SHOW output). Names with a dot that are not Strata's are
// accepted as placeholder variables, as PostgreSQL does.
//
// Not thread-safe (one per session).
class GucSet {
 public:
  GucSet();

  // The canonical name ("TimeZone" for "timezone"), or an error 42704
  // `unrecognized configuration parameter "x"`.
  Result<std::string> CanonicalName(std::string_view name) const;
  // SHOW: 42704 for unknown names.
  Result<std::string> Get(std::string_view name) const;
  // SET: validates and canonicalizes; 22023 for bad values, 55P02/55000
  // for read-only parameters. `values` are the comma-separated items
  // (`SET search_path = a, b`).
  Status Set(std::string_view name, const std::vector<std::string>& values);
  // RESET name / SET name TO DEFAULT.
  Status Reset(std::string_view name);
  void ResetAll();

  // (canonical name, value) of every parameter, sorted by name (SHOW ALL).
  std::vector<std::pair<std::string, std::string>> All() const;

  // Parameters reported to the client via ParameterStatus.
  static bool IsReported(std::string_view canonical_name);
  std::vector<std::pair<std::string, std::string>> Reported() const;

  // Values of the reported parameters that changed since the last call.
  std::vector<std::pair<std::string, std::string>> TakeChanged();

  const std::map<std::string, std::string>& values() const { return values_; }
  void Restore(const std::map<std::string, std::string>& values);

  // Typed accessors.
  std::vector<std::string> SearchPath(const std::string& user) const;
  // statement_timeout in milliseconds; 0 = none. Read by every statement,
  // so kept parsed.
  int64_t StatementTimeoutMs() const { return statement_timeout_ms_; }
  // idle_in_transaction_session_timeout in milliseconds; 0 = none.
  int64_t IdleInTransactionTimeoutMs() const;
  int ExtraFloatDigits() const;
  // TimeZone (never null) and extra_float_digits, for text output.
  const TextFormatOptions& text_format_options() const { return format_options_; }
  // DateStyle's field order, for date input.
  DateOrder date_order() const { return date_order_; }

 private:
  void Assign(const std::string& canonical, std::string value);

  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> changed_;
  // Typed forms of TimeZone, extra_float_digits and DateStyle, kept in step
  // with values_ by Assign().
  TextFormatOptions format_options_;
  DateOrder date_order_ = DateOrder::kMdy;
  int64_t statement_timeout_ms_ = 0;
};

}  // namespace strata::sql
