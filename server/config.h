#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "isolation/resource_pool.h"
#include "server/auth.h"

namespace strata::server {

// Knobs of the storage engine; the storage module reads them at open.
struct StorageConfig {
  uint64_t block_cache_bytes = 512ull << 20;
  uint64_t row_cache_bytes = 512ull << 20;
  uint64_t write_buffer_bytes = 64ull << 20;
  uint64_t ingest_commit_bytes = 32ull << 20;
  int bloom_bits_per_key = 10;
  int max_background_jobs = 2;
  // false = synchronous_commit off: commits are ordered but not synced.
  bool sync_commit = true;
  // Binlog heartbeats (0: none) and retention period; see StorageOptions.
  int binlog_heartbeat_interval_ms = 1000;
  int binlog_retention_interval_ms = 10000;
  uint64_t binlog_max_retained_bytes = 8ull << 30;
  // Column replica (storage::StorageOptions).
  uint64_t column_flush_rows = 65536;
  uint64_t column_compact_small_rows = 16384;
  int column_background_interval_ms = 200;
};

// Everything strata-server can be told, with the built-in defaults. The
// config file sets any of it; command-line flags override the file.
struct ServerConfig {
  std::string data_dir = "./strata-data";
  std::string listen = "127.0.0.1";
  int port = 5433;
  std::string log_level = "info";
  std::string log_file;  // empty: stderr only

  int io_threads = 0;  // 0: two per core
  int max_connections = 1100;
  uint64_t max_message_bytes = (1ull << 30) - 1;  // PostgreSQL's MaxAllocSize
  int shutdown_timeout_ms = 10000;

  // Connections must finish authenticating within this time.
  int authentication_timeout_ms = 60000;

  // The server-wide authentication method; a role may override it.
  AuthMethod auth_method = AuthMethod::kTrust;
  // Roles that may log in. The superuser "strata" always exists.
  std::map<std::string, RoleInfo> roles = {{"strata", RoleInfo{"strata", true, {}, {}}}};

  // TLS: both set = SSLRequest is answered 'S' and the handshake follows.
  std::string tls_cert_file;
  std::string tls_key_file;

  // Limit for all pools together; 0 = unlimited.
  uint64_t memory_limit_bytes = 0;
  StorageConfig storage;
  std::vector<isolation::PoolOptions> pools = isolation::DefaultPools();
};

// Parses a config file's text over `base` (values not in the text keep
// base's). The format is a subset of TOML:
//
//   # comment
//   port = 5433                 # integers
//   listen = "0.0.0.0"          # double-quoted strings (\" and \\ escapes)
//   [storage]                   # a section prefixes the keys below it
//   sync_commit = false         # booleans
//   block_cache = "1GiB"        # sizes: an integer, or a string with
//                               # B, KB/KiB, MB/MiB, GB/GiB (powers of 1024)
//   [pool.olap]                 # pool.<name>: any name defines a pool
//   threads = 2
//   [role.alice]                # role.<name>: a role that may log in
//   password = "secret"         # cleartext, or a "SCRAM-SHA-256$..." / "md5..." verifier
//
// Every key is listed in docs/configuration.md. Returns kConfigFileError
// (F0000) naming the key and line for an unknown key, a value of the wrong
// type or out of range, or a syntax error.
Result<ServerConfig> ParseConfig(std::string_view text, const ServerConfig& base);

// Reads `path` and parses it with ParseConfig; the error names the file.
Result<ServerConfig> LoadConfigFile(const std::string& path, const ServerConfig& base);

// Checks cross-field constraints a flag override could break (port range,
// at least one thread per pool, ...). kConfigFileError naming the setting.
Status ValidateConfig(const ServerConfig& config);

// Parses "512MB", "1GiB", "4096" into bytes; nullopt-like error otherwise.
Result<uint64_t> ParseByteSize(std::string_view text);

}  // namespace strata::server
