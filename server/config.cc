#include "server/config.h"

#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <variant>

#include "common/logging.h"

namespace strata::server {
namespace {

// A parsed right-hand side.
using ConfigValue = std::variant<int64_t, bool, std::string>;

Status ConfigError(std::string message) {
  return Status(SqlState::kConfigFileError, std::move(message));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsBareKey(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return s.front() != '.' && s.back() != '.' && s.find("..") == std::string_view::npos;
}

// Parses a value and returns the rest of the line (which may only hold a
// comment). Errors say what was expected.
Result<ConfigValue> ParseValue(std::string_view text, std::string_view* rest) {
  if (text.empty()) return ConfigError("missing value");
  if (text.front() == '"') {
    std::string out;
    size_t i = 1;
    for (; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\') {
        if (++i == text.size()) break;
        switch (text[i]) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          default:
            return ConfigError(std::string("unknown escape \\") + text[i]);
        }
      } else {
        out += text[i];
      }
    }
    if (i >= text.size()) return ConfigError("unterminated string");
    *rest = text.substr(i + 1);
    return ConfigValue(std::move(out));
  }
  size_t end = 0;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
         text[end] != '#') {
    ++end;
  }
  const std::string_view token = text.substr(0, end);
  *rest = text.substr(end);
  if (token == "true") return ConfigValue(true);
  if (token == "false") return ConfigValue(false);
  int64_t number = 0;
  std::string digits;
  for (char c : token) {
    if (c != '_') digits += c;  // TOML allows 1_000_000
  }
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec == std::errc() && ptr == digits.data() + digits.size() && !digits.empty()) {
    return ConfigValue(number);
  }
  if (ec == std::errc::result_out_of_range) return ConfigError("integer out of range");
  return ConfigError("expected an integer, true/false or a \"quoted string\", got \"" +
                     std::string(token) + "\"");
}

// The known keys. Each setter converts the value or says why it cannot.
using Setter = std::function<Status(const ConfigValue&, ServerConfig*)>;

Status WrongType(const char* expected) { return ConfigError(std::string("expected ") + expected); }

Setter IntSetter(int ServerConfig::*field, int64_t min, int64_t max) {
  return [=](const ConfigValue& v, ServerConfig* c) -> Status {
    const auto* n = std::get_if<int64_t>(&v);
    if (n == nullptr) return WrongType("an integer");
    if (*n < min || *n > max) {
      return ConfigError("value " + std::to_string(*n) + " is out of range [" +
                         std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    c->*field = static_cast<int>(*n);
    return Status::OK();
  };
}

Setter StringSetter(std::string ServerConfig::*field) {
  return [=](const ConfigValue& v, ServerConfig* c) -> Status {
    const auto* s = std::get_if<std::string>(&v);
    if (s == nullptr) return WrongType("a \"quoted string\"");
    c->*field = *s;
    return Status::OK();
  };
}

Result<uint64_t> ToByteSize(const ConfigValue& v) {
  if (const auto* n = std::get_if<int64_t>(&v)) {
    if (*n < 0) return ConfigError("a size cannot be negative");
    return static_cast<uint64_t>(*n);
  }
  if (const auto* s = std::get_if<std::string>(&v)) return ParseByteSize(*s);
  return WrongType("a size such as \"512MB\"");
}

Setter SizeSetter(std::function<uint64_t*(ServerConfig*)> field) {
  return [=](const ConfigValue& v, ServerConfig* c) -> Status {
    STRATA_ASSIGN_OR_RETURN(uint64_t bytes, ToByteSize(v));
    *field(c) = bytes;
    return Status::OK();
  };
}

const std::map<std::string, Setter>& KnownKeys() {
  static const auto* keys = new std::map<std::string, Setter>{
      {"data_dir", StringSetter(&ServerConfig::data_dir)},
      {"listen", StringSetter(&ServerConfig::listen)},
      {"port", IntSetter(&ServerConfig::port, 0, 65535)},
      {"log_level",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* s = std::get_if<std::string>(&v);
         if (s == nullptr) return WrongType("a \"quoted string\"");
         if (!IsValidLogLevel(*s)) {
           return ConfigError("unknown log level \"" + *s +
                              "\" (trace, debug, info, warn, error, critical, off)");
         }
         c->log_level = *s;
         return Status::OK();
       }},
      {"log_file", StringSetter(&ServerConfig::log_file)},
      {"io_threads", IntSetter(&ServerConfig::io_threads, 0, 256)},
      {"max_connections", IntSetter(&ServerConfig::max_connections, 1, 1000000)},
      {"shutdown_timeout_ms", IntSetter(&ServerConfig::shutdown_timeout_ms, 0, 3600000)},
      {"authentication_timeout_ms",
       IntSetter(&ServerConfig::authentication_timeout_ms, 100, 3600000)},
      {"auth.method",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* s = std::get_if<std::string>(&v);
         if (s == nullptr) return WrongType("a \"quoted string\"");
         STRATA_ASSIGN_OR_RETURN(c->auth_method, ParseAuthMethod(*s));
         return Status::OK();
       }},
      {"tls.cert_file", StringSetter(&ServerConfig::tls_cert_file)},
      {"tls.key_file", StringSetter(&ServerConfig::tls_key_file)},
      {"max_message_size", SizeSetter([](ServerConfig* c) { return &c->max_message_bytes; })},
      {"memory_limit", SizeSetter([](ServerConfig* c) { return &c->memory_limit_bytes; })},
      {"storage.block_cache",
       SizeSetter([](ServerConfig* c) { return &c->storage.block_cache_bytes; })},
      {"storage.row_cache",
       SizeSetter([](ServerConfig* c) { return &c->storage.row_cache_bytes; })},
      {"storage.write_buffer",
       SizeSetter([](ServerConfig* c) { return &c->storage.write_buffer_bytes; })},
      {"storage.ingest_commit",
       SizeSetter([](ServerConfig* c) { return &c->storage.ingest_commit_bytes; })},
      {"storage.bloom_bits_per_key",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* n = std::get_if<int64_t>(&v);
         if (n == nullptr) return WrongType("an integer");
         if (*n < 0 || *n > 64) return ConfigError("value out of range [0, 64]");
         c->storage.bloom_bits_per_key = static_cast<int>(*n);
         return Status::OK();
       }},
      {"storage.max_background_jobs",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* n = std::get_if<int64_t>(&v);
         if (n == nullptr) return WrongType("an integer");
         if (*n < 1 || *n > 64) return ConfigError("value out of range [1, 64]");
         c->storage.max_background_jobs = static_cast<int>(*n);
         return Status::OK();
       }},
      {"storage.binlog_heartbeat_interval_ms",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* n = std::get_if<int64_t>(&v);
         if (n == nullptr) return WrongType("an integer");
         if (*n < 0 || *n > 3600000) return ConfigError("value out of range [0, 3600000]");
         c->storage.binlog_heartbeat_interval_ms = static_cast<int>(*n);
         return Status::OK();
       }},
      {"storage.binlog_retention_interval_ms",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* n = std::get_if<int64_t>(&v);
         if (n == nullptr) return WrongType("an integer");
         if (*n < 10 || *n > 86400000) return ConfigError("value out of range [10, 86400000]");
         c->storage.binlog_retention_interval_ms = static_cast<int>(*n);
         return Status::OK();
       }},
      {"storage.binlog_max_retained_size",
       SizeSetter([](ServerConfig* c) { return &c->storage.binlog_max_retained_bytes; })},
      // Column replica tuning (storage/storage_options.h); small values
      // make flushes and compactions frequent (tests).
      {"storage.column_flush_rows",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* n = std::get_if<int64_t>(&v);
         if (n == nullptr) return WrongType("an integer");
         if (*n < 1 || *n > (int64_t{1} << 30)) return ConfigError("value out of range [1, 2^30]");
         c->storage.column_flush_rows = static_cast<uint64_t>(*n);
         return Status::OK();
       }},
      {"storage.column_compact_small_rows",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* n = std::get_if<int64_t>(&v);
         if (n == nullptr) return WrongType("an integer");
         if (*n < 0 || *n > (int64_t{1} << 30)) return ConfigError("value out of range [0, 2^30]");
         c->storage.column_compact_small_rows = static_cast<uint64_t>(*n);
         return Status::OK();
       }},
      {"storage.column_background_interval_ms",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* n = std::get_if<int64_t>(&v);
         if (n == nullptr) return WrongType("an integer");
         if (*n < 1 || *n > 3600000) return ConfigError("value out of range [1, 3600000]");
         c->storage.column_background_interval_ms = static_cast<int>(*n);
         return Status::OK();
       }},
      {"storage.sync_commit",
       [](const ConfigValue& v, ServerConfig* c) -> Status {
         const auto* b = std::get_if<bool>(&v);
         if (b == nullptr) return WrongType("true or false");
         c->storage.sync_commit = *b;
         return Status::OK();
       }},
  };
  return *keys;
}

isolation::PoolOptions* FindOrAddPool(ServerConfig* config, const std::string& name) {
  for (auto& pool : config->pools) {
    if (pool.name == name) return &pool;
  }
  isolation::PoolOptions pool;
  pool.name = name;
  config->pools.push_back(pool);
  return &config->pools.back();
}

// role.<name>.<field>
Status SetRoleKey(const std::string& key, const ConfigValue& value, ServerConfig* config) {
  const size_t dot = key.find('.', 5);
  if (dot == std::string::npos) return ConfigError("unknown key");
  const std::string name = key.substr(5, dot - 5);
  const std::string field = key.substr(dot + 1);
  RoleInfo& role = config->roles[name];
  role.name = name;
  if (field == "password") {
    const auto* s = std::get_if<std::string>(&value);
    if (s == nullptr) return WrongType("a \"quoted string\"");
    if (s->rfind("SCRAM-SHA-256$", 0) == 0) {
      STRATA_RETURN_IF_ERROR(ParseScramSecret(*s).status());
      role.password = PasswordVerifier{*s, ""};
    } else if (s->size() == 35 && s->rfind("md5", 0) == 0) {
      role.password = PasswordVerifier{"", *s};
    } else {
      role.password = MakePasswordVerifier(name, *s);
    }
  } else if (field == "superuser") {
    const auto* b = std::get_if<bool>(&value);
    if (b == nullptr) return WrongType("true or false");
    role.superuser = *b;
  } else if (field == "auth_method") {
    const auto* s = std::get_if<std::string>(&value);
    if (s == nullptr) return WrongType("a \"quoted string\"");
    STRATA_ASSIGN_OR_RETURN(role.method, ParseAuthMethod(*s));
  } else {
    return ConfigError("unknown key (a role has password, superuser, auth_method)");
  }
  return Status::OK();
}

// pool.<name>.<field>
Status SetPoolKey(const std::string& key, const ConfigValue& value, ServerConfig* config) {
  const size_t dot = key.find('.', 5);
  if (dot == std::string::npos) return ConfigError("unknown key");
  const std::string name = key.substr(5, dot - 5);
  const std::string field = key.substr(dot + 1);
  auto int_in = [&](int64_t min, int64_t max) -> Result<int> {
    const auto* n = std::get_if<int64_t>(&value);
    if (n == nullptr) return WrongType("an integer");
    if (*n < min || *n > max) {
      return ConfigError("value " + std::to_string(*n) + " is out of range [" +
                         std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return static_cast<int>(*n);
  };
  if (field == "threads") {
    STRATA_ASSIGN_OR_RETURN(int n, int_in(1, 1024));
    FindOrAddPool(config, name)->threads = n;
  } else if (field == "queue_size") {
    STRATA_ASSIGN_OR_RETURN(int n, int_in(1, 10000000));
    FindOrAddPool(config, name)->queue_capacity = n;
  } else if (field == "nice") {
    STRATA_ASSIGN_OR_RETURN(int n, int_in(0, 19));
    FindOrAddPool(config, name)->nice = n;
  } else if (field == "memory_limit") {
    STRATA_ASSIGN_OR_RETURN(uint64_t bytes, ToByteSize(value));
    FindOrAddPool(config, name)->memory_limit_bytes = bytes;
  } else {
    return ConfigError("unknown key (a pool has threads, queue_size, nice, memory_limit)");
  }
  return Status::OK();
}

}  // namespace

Result<uint64_t> ParseByteSize(std::string_view text) {
  text = Trim(text);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  uint64_t number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, number);
  if (digits == 0 || ec != std::errc()) {
    return ConfigError("invalid size \"" + std::string(text) + "\"");
  }
  std::string unit;
  for (char c : Trim(text.substr(digits))) unit += static_cast<char>(std::toupper(c));
  uint64_t multiplier;
  if (unit.empty() || unit == "B") {
    multiplier = 1;
  } else if (unit == "KB" || unit == "KIB" || unit == "K") {
    multiplier = 1ull << 10;
  } else if (unit == "MB" || unit == "MIB" || unit == "M") {
    multiplier = 1ull << 20;
  } else if (unit == "GB" || unit == "GIB" || unit == "G") {
    multiplier = 1ull << 30;
  } else if (unit == "TB" || unit == "TIB" || unit == "T") {
    multiplier = 1ull << 40;
  } else {
    return ConfigError("invalid size unit in \"" + std::string(text) + "\" (B, KB, MB, GB, TB)");
  }
  if (number > std::numeric_limits<uint64_t>::max() / multiplier) {
    return ConfigError("size \"" + std::string(text) + "\" is too large");
  }
  return number * multiplier;
}

Result<ServerConfig> ParseConfig(std::string_view text, const ServerConfig& base) {
  ServerConfig config = base;
  std::string section;
  int line_number = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_number;
    const std::string where = "line " + std::to_string(line_number);
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;

    if (line.front() == '[') {
      const size_t close = line.find(']');
      std::string_view after = close == std::string_view::npos ? "" : Trim(line.substr(close + 1));
      const std::string_view name =
          close == std::string_view::npos ? "" : Trim(line.substr(1, close - 1));
      if (close == std::string_view::npos || !IsBareKey(name) ||
          (!after.empty() && after.front() != '#')) {
        return ConfigError(where + ": invalid section header \"" + std::string(line) + "\"");
      }
      section = std::string(name);
      continue;
    }

    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return ConfigError(where + ": expected key = value, got \"" + std::string(line) + "\"");
    }
    const std::string_view bare = Trim(line.substr(0, eq));
    if (!IsBareKey(bare)) {
      return ConfigError(where + ": invalid key \"" + std::string(bare) + "\"");
    }
    const std::string key = section.empty() ? std::string(bare) : section + "." + std::string(bare);
    std::string_view rest;
    Result<ConfigValue> value = ParseValue(Trim(line.substr(eq + 1)), &rest);
    if (!value.ok()) {
      return ConfigError(where + ": " + key + ": " + std::string(value.status().message()));
    }
    rest = Trim(rest);
    if (!rest.empty() && rest.front() != '#') {
      return ConfigError(where + ": " + key + ": unexpected \"" + std::string(rest) +
                         "\" after the value");
    }

    Status status;
    if (key.rfind("pool.", 0) == 0) {
      status = SetPoolKey(key, *value, &config);
    } else if (key.rfind("role.", 0) == 0) {
      status = SetRoleKey(key, *value, &config);
    } else if (auto it = KnownKeys().find(key); it != KnownKeys().end()) {
      status = it->second(*value, &config);
    } else {
      status = ConfigError("unknown key");
    }
    if (!status.ok()) {
      return ConfigError(where + ": " + key + ": " + std::string(status.message()));
    }
  }
  STRATA_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

Result<ServerConfig> LoadConfigFile(const std::string& path, const ServerConfig& base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError("cannot read config file \"" + path + "\"");
  std::stringstream buffer;
  buffer << in.rdbuf();
  Result<ServerConfig> config = ParseConfig(buffer.str(), base);
  if (!config.ok()) return config.status().Prepend("config file \"" + path + "\"");
  return config;
}

Status ValidateConfig(const ServerConfig& config) {
  if (config.port < 0 || config.port > 65535) {
    return ConfigError("port: " + std::to_string(config.port) + " is not a TCP port");
  }
  if (config.data_dir.empty()) return ConfigError("data_dir: must not be empty");
  if (config.listen.empty()) return ConfigError("listen: must not be empty");
  if (!IsValidLogLevel(config.log_level)) {
    return ConfigError("log_level: unknown level \"" + config.log_level + "\"");
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return ConfigError("tls.cert_file and tls.key_file must be set together");
  }
  for (const char* required : {"serving", "write", "olap", "stream", "background", "replication"}) {
    bool found = false;
    for (const auto& pool : config.pools) found = found || pool.name == required;
    if (!found) return ConfigError(std::string("pool.") + required + ": the pool is required");
  }
  return Status::OK();
}

}  // namespace strata::server
