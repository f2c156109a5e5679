#include "sql/guc.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/timezone.h"

namespace strata::sql {
namespace {

struct GucDef {
  std::string_view name;
  std::string_view default_value;
  enum class Kind { kString, kBool, kInt, kDurationMs, kEnum, kReadOnly } kind;
  std::vector<std::string_view> choices = {};
  int64_t min = 0;
  int64_t max = 0;
};

const std::vector<GucDef>& Defs() {
  using K = GucDef::Kind;
  static const std::vector<GucDef> defs = {
      {"application_name", "", K::kString},
      {"bytea_output", "hex", K::kEnum, {"hex", "escape"}},
      {"client_encoding", "UTF8", K::kString},
      {"client_min_messages", "notice", K::kEnum,
       {"debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"}},
      // pg_recvlogical asks for it on replication connections.
      {"data_directory_mode", "0700", K::kReadOnly},
      {"DateStyle", "ISO, MDY", K::kString},
      {"default_transaction_isolation", "repeatable read", K::kEnum,
       {"serializable", "repeatable read", "read committed", "read uncommitted"}},
      {"default_transaction_read_only", "off", K::kBool},
      {"enable_seqscan", "on", K::kBool},
      {"extra_float_digits", "1", K::kInt, {}, -15, 3},
      {"idle_in_transaction_session_timeout", "0", K::kDurationMs},
      {"idle_session_timeout", "0", K::kDurationMs},
      {"in_hot_standby", "off", K::kReadOnly},
      {"integer_datetimes", "on", K::kReadOnly},
      {"IntervalStyle", "postgres", K::kEnum, {"postgres", "postgres_verbose", "sql_standard", "iso_8601"}},
      {"is_superuser", "on", K::kReadOnly},
      {"jit", "off", K::kBool},
      {"lc_messages", "C", K::kString},
      {"lc_monetary", "C", K::kString},
      {"lc_numeric", "C", K::kString},
      {"lc_time", "C", K::kString},
      {"lock_timeout", "0", K::kDurationMs},
      {"max_identifier_length", "63", K::kReadOnly},
      // storage::kMaxPrimaryKeyColumns.
      {"max_index_keys", "32", K::kReadOnly},
      {"max_parallel_workers_per_gather", "0", K::kInt, {}, 0, 1024},
      // Logical replication (server/replication_session.h); CDC tools check
      // wal_level before they subscribe.
      {"max_replication_slots", "10", K::kReadOnly},
      {"max_wal_senders", "10", K::kReadOnly},
      {"search_path", "\"$user\", public", K::kString},
      {"server_encoding", "UTF8", K::kReadOnly},
      {"server_version", "15.0", K::kReadOnly},
      {"server_version_num", "150000", K::kReadOnly},
      {"session_authorization", "", K::kString},
      {"standard_conforming_strings", "on", K::kBool},
      {"statement_timeout", "0", K::kDurationMs},
      {"strata.pool", "", K::kString},
      {"strata.read_replica", "auto", K::kEnum, {"row", "column", "auto"}},
      {"synchronous_commit", "on", K::kEnum, {"on", "off", "local", "remote_write", "remote_apply"}},
      {"TimeZone", "UTC", K::kString},
      {"transaction_isolation", "repeatable read", K::kEnum,
       {"serializable", "repeatable read", "read committed", "read uncommitted"}},
      {"transaction_read_only", "off", K::kBool},
      {"wal_level", "logical", K::kReadOnly},
      {"wal_sender_timeout", "1min", K::kReadOnly},
      {"work_mem", "4MB", K::kString},
      {"xmloption", "content", K::kEnum, {"content", "document"}},
  };
  return defs;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const GucDef* Find(std::string_view name) {
  const std::string lower = Lower(name);
  for (const GucDef& d : Defs()) {
    if (Lower(d.name) == lower) return &d;
  }
  return nullptr;
}

Status BadValue(std::string_view name, std::string_view value) {
  return Status(SqlState::kInvalidParameterValue,
                "invalid value for parameter \"" + std::string(name) + "\": \"" + std::string(value) + "\"");
}

Result<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return Status::InvalidArgument("not an integer");
  return v;
}

// "5000", "5s", "1min", "2h", "1d", "300ms" -> milliseconds.
Result<int64_t> ParseDurationMs(std::string_view s) {
  std::string t = Lower(s);
  t.erase(std::remove_if(t.begin(), t.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
          t.end());
  size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) != 0 || (i == 0 && t[i] == '-'))) ++i;
  auto n = ParseInt(std::string_view(t).substr(0, i));
  if (!n.ok()) return n;
  const std::string unit = t.substr(i);
  int64_t mul = 1;
  if (unit.empty() || unit == "ms") {
    mul = 1;
  } else if (unit == "s") {
    mul = 1000;
  } else if (unit == "min") {
    mul = 60'000;
  } else if (unit == "h") {
    mul = 3'600'000;
  } else if (unit == "d") {
    mul = 86'400'000;
  } else {
    return Status::InvalidArgument("bad unit");
  }
  if (*n < 0) return Status::InvalidArgument("negative");
  return *n * mul;
}

// PostgreSQL's display: the largest unit that divides the value.
std::string FormatDurationMs(int64_t ms) {
  if (ms == 0) return "0";
  if (ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "min";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Result<bool> ParseBool(std::string_view s) {
  const std::string t = Lower(s);
  if (t == "on" || t == "true" || t == "yes" || t == "1" || t == "t" || t == "y") return true;
  if (t == "off" || t == "false" || t == "no" || t == "0" || t == "f" || t == "n") return false;
  return Status::InvalidArgument("not a boolean");
}

}  // namespace

GucSet::GucSet() {
  format_options_.zone = TimeZone::Utc();
  for (const GucDef& d : Defs()) Assign(std::string(d.name), std::string(d.default_value));
  changed_.clear();
}

Result<std::string> GucSet::CanonicalName(std::string_view name) const {
  if (const GucDef* d = Find(name)) return std::string(d->name);
  const std::string lower = Lower(name);
  if (lower.find('.') != std::string::npos && !lower.starts_with("strata.")) return lower;
  return Status(SqlState::kUndefinedObject, "unrecognized configuration parameter \"" + std::string(name) + "\"");
}

Result<std::string> GucSet::Get(std::string_view name) const {
  const std::string lower = Lower(name);
  STRATA_ASSIGN_OR_RETURN(std::string canonical, CanonicalName(name));
  auto it = values_.find(canonical);
  if (it == values_.end()) {
    return Status(SqlState::kUndefinedObject, "unrecognized configuration parameter \"" + lower + "\"");
  }
  return it->second;
}

void GucSet::Assign(const std::string& canonical, std::string value) {
  auto it = values_.find(canonical);
  if (it != values_.end() && it->second == value) return;
  if (canonical == "TimeZone") {
    // Values reach here validated (Set) or restored from a validated state.
    Result<const TimeZone*> zone = TimeZone::Load(value);
    format_options_.zone = zone.ok() ? *zone : TimeZone::Utc();
  } else if (canonical == "extra_float_digits") {
    auto n = ParseInt(value);
    format_options_.extra_float_digits = n.ok() ? static_cast<int>(*n) : 1;
  } else if (canonical == "statement_timeout") {
    auto ms = ParseDurationMs(value);
    statement_timeout_ms_ = ms.ok() ? *ms : 0;
  } else if (canonical == "DateStyle") {
    date_order_ = value.find("DMY") != std::string::npos   ? DateOrder::kDmy
                  : value.find("YMD") != std::string::npos ? DateOrder::kYmd
                                                           : DateOrder::kMdy;
  }
  values_[canonical] = value;
  if (IsReported(canonical)) changed_[canonical] = std::move(value);
}

Status GucSet::Set(std::string_view name, const std::vector<std::string>& values) {
  STRATA_ASSIGN_OR_RETURN(std::string canonical, CanonicalName(name));
  const GucDef* def = Find(canonical);
  std::string joined;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) joined += ", ";
    joined += values[i];
  }
  if (def == nullptr) {
    Assign(canonical, joined);
    return Status::OK();
  }
  if (values.size() > 1 && canonical != "search_path" && canonical != "DateStyle") {
    return Status(SqlState::kInvalidParameterValue, "SET " + canonical + " takes only one argument");
  }
  const std::string v = values.empty() ? "" : values[0];
  switch (def->kind) {
    case GucDef::Kind::kReadOnly:
      return Status(SqlState("55P02"), "parameter \"" + canonical + "\" cannot be changed");
    case GucDef::Kind::kBool: {
      auto b = ParseBool(v);
      if (!b.ok()) {
        return Status(SqlState::kInvalidParameterValue,
                      "parameter \"" + canonical + "\" requires a Boolean value");
      }
      Assign(canonical, *b ? "on" : "off");
      return Status::OK();
    }
    case GucDef::Kind::kInt: {
      auto n = ParseInt(v);
      if (!n.ok()) {
        return Status(SqlState::kInvalidParameterValue,
                      "invalid value for parameter \"" + canonical + "\": \"" + v + "\"");
      }
      if (*n < def->min || *n > def->max) {
        return Status(SqlState::kInvalidParameterValue,
                      std::to_string(*n) + " is outside the valid range for parameter \"" + canonical + "\" (" +
                          std::to_string(def->min) + " .. " + std::to_string(def->max) + ")");
      }
      Assign(canonical, std::to_string(*n));
      return Status::OK();
    }
    case GucDef::Kind::kDurationMs: {
      auto ms = ParseDurationMs(v);
      if (!ms.ok()) return BadValue(canonical, v);
      Assign(canonical, FormatDurationMs(*ms));
      return Status::OK();
    }
    case GucDef::Kind::kEnum: {
      const std::string lower = Lower(v);
      for (std::string_view c : def->choices) {
        if (c == lower) {
          Assign(canonical, lower);
          return Status::OK();
        }
      }
      return BadValue(canonical, v);
    }
    case GucDef::Kind::kString:
      break;
  }
  if (canonical == "client_encoding") {
    const std::string lower = Lower(v);
    if (lower != "utf8" && lower != "utf-8" && lower != "unicode") {
      return Status(SqlState::kFeatureNotSupported,
                    "conversion between " + v + " and UTF8 is not supported");
    }
    Assign(canonical, "UTF8");
    return Status::OK();
  }
  if (canonical == "DateStyle") {
    std::string style = "ISO";
    std::string order = "MDY";
    std::string prev = values_[canonical];
    if (prev.find("DMY") != std::string::npos) order = "DMY";
    if (prev.find("YMD") != std::string::npos) order = "YMD";
    for (const std::string& item : values) {
      std::string token;
      for (char c : item + ",") {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
          if (!token.empty()) {
            const std::string up = Lower(token);
            if (up == "iso") {
              style = "ISO";
            } else if (up == "dmy" || up == "euro" || up == "european") {
              order = "DMY";
            } else if (up == "mdy" || up == "us" || up == "noneuropean" || up == "noneuro") {
              order = "MDY";
            } else if (up == "ymd") {
              order = "YMD";
            } else if (up == "sql" || up == "postgres" || up == "german") {
              return Status(SqlState::kFeatureNotSupported, "only the ISO DateStyle is supported");
            } else {
              return BadValue("DateStyle", item);
            }
          }
          token.clear();
        } else {
          token += c;
        }
      }
    }
    Assign(canonical, style + ", " + order);
    return Status::OK();
  }
  if (canonical == "TimeZone") {
    // IANA zone names (any case), POSIX TZ strings and hour offsets, shown
    // by SHOW as PostgreSQL shows them ("America/New_York", "<+05>-05").
    STRATA_ASSIGN_OR_RETURN(const TimeZone* zone, TimeZone::Load(v));
    Assign(canonical, zone->name());
    return Status::OK();
  }
  Assign(canonical, joined);
  return Status::OK();
}

Status GucSet::Reset(std::string_view name) {
  STRATA_ASSIGN_OR_RETURN(std::string canonical, CanonicalName(name));
  const GucDef* def = Find(canonical);
  if (def == nullptr) {
    Assign(canonical, "");
    return Status::OK();
  }
  if (def->kind == GucDef::Kind::kReadOnly) {
    return Status(SqlState("55P02"), "parameter \"" + canonical + "\" cannot be changed");
  }
  Assign(canonical, std::string(def->default_value));
  return Status::OK();
}

void GucSet::ResetAll() {
  for (const GucDef& d : Defs()) {
    if (d.kind != GucDef::Kind::kReadOnly && d.name != "session_authorization") {
      Assign(std::string(d.name), std::string(d.default_value));
    }
  }
}

std::vector<std::pair<std::string, std::string>> GucSet::All() const {
  std::vector<std::pair<std::string, std::string>> out(values_.begin(), values_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return Lower(a.first) < Lower(b.first); });
  return out;
}

bool GucSet::IsReported(std::string_view n) {
  static const std::vector<std::string_view> kReported = {
      "application_name", "client_encoding", "DateStyle", "default_transaction_read_only", "in_hot_standby",
      "integer_datetimes", "IntervalStyle", "is_superuser", "server_encoding", "server_version",
      "session_authorization", "standard_conforming_strings", "TimeZone"};
  return std::find(kReported.begin(), kReported.end(), n) != kReported.end();
}

std::vector<std::pair<std::string, std::string>> GucSet::Reported() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : values_) {
    if (IsReported(k)) out.emplace_back(k, v);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> GucSet::TakeChanged() {
  std::vector<std::pair<std::string, std::string>> out(changed_.begin(), changed_.end());
  changed_.clear();
  return out;
}

void GucSet::Restore(const std::map<std::string, std::string>& values) {
  for (const auto& [k, v] : values) Assign(k, v);
  for (auto it = values_.begin(); it != values_.end();) {
    if (values.count(it->first) == 0) {
      if (it->first == "statement_timeout") statement_timeout_ms_ = 0;
      it = values_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<std::string> GucSet::SearchPath(const std::string& user) const {
  std::vector<std::string> out;
  auto it = values_.find("search_path");
  const std::string text = it == values_.end() ? "public" : it->second;
  std::string item;
  auto flush = [&] {
    size_t b = 0;
    size_t e = item.size();
    while (b < e && std::isspace(static_cast<unsigned char>(item[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(item[e - 1]))) --e;
    std::string name = item.substr(b, e - b);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    } else {
      name = Lower(name);
    }
    if (name == "$user") name = user;
    if (!name.empty()) out.push_back(name);
    item.clear();
  };
  for (char c : text) {
    if (c == ',') {
      flush();
    } else {
      item += c;
    }
  }
  flush();
  return out;
}

int64_t GucSet::IdleInTransactionTimeoutMs() const {
  auto it = values_.find("idle_in_transaction_session_timeout");
  if (it == values_.end()) return 0;
  auto ms = ParseDurationMs(it->second);
  return ms.ok() ? *ms : 0;
}

int GucSet::ExtraFloatDigits() const {
  auto it = values_.find("extra_float_digits");
  if (it == values_.end()) return 1;
  auto n = ParseInt(it->second);
  return n.ok() ? static_cast<int>(*n) : 1;
}

}  // namespace strata::sql
