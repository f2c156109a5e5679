// strata-server: parses flags and the config file, takes the data directory,
// starts the pools and the listener, and shuts down cleanly on SIGINT/SIGTERM.

#include <execinfo.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "common/version.h"
#include "isolation/resource_pool.h"
#include "server/config.h"
#include "server/data_dir_lock.h"
#include "server/replication_session.h"
#include "server/server.h"
#include "sql/engine.h"
#include "storage/database.h"
#include "storage/lsn.h"

namespace {

// On a fatal signal, writes the signal and a raw backtrace to stderr before
// dying with the default action, so a crash in CI leaves evidence in the
// server log (symbolize with addr2line -e strata-server). Only
// async-signal-safe calls: write(2) and backtrace_symbols_fd.
void ReportFatalSignal(int sig) {
  char message[64];
  const int length = std::snprintf(message, sizeof(message), "fatal signal %d; backtrace:\n", sig);
  if (length > 0) (void)!write(STDERR_FILENO, message, static_cast<size_t>(length));
  void* frames[64];
  const int depth = backtrace(frames, 64);
  backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void InstallFatalSignalReporter() {
  // backtrace() loads libgcc on first use, which is not safe inside a signal
  // handler: do it once now.
  void* warmup[1];
  backtrace(warmup, 1);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, ReportFatalSignal);
}

// Exit codes: 0 clean shutdown, 1 runtime failure, 2 bad flags or config.
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;

struct Flags {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::optional<std::string> listen;
  std::optional<int> port;
  std::optional<std::string> log_level;
  std::optional<std::string> auth;
};

// Every connection is a descriptor; lift the soft limit to the hard one so
// max_connections, not the default 1024, is what bounds them.
void RaiseFileDescriptorLimit(int max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < static_cast<rlim_t>(max_connections) + 256) {
    spdlog::warn("the open-file limit ({}) is low for max_connections = {}", limit.rlim_cur,
                 max_connections);
  }
}

int Fail(int code, const strata::Status& status) {
  std::fprintf(stderr, "strata-server: %s\n", std::string(status.message()).c_str());
  if (!status.hint().empty()) {
    std::fprintf(stderr, "HINT: %s\n", std::string(status.hint()).c_str());
  }
  return code;
}

int RunServer(const Flags& flags) {
  using strata::server::ServerConfig;
  ServerConfig config;
  if (flags.config_file) {
    auto loaded = strata::server::LoadConfigFile(*flags.config_file, config);
    if (!loaded.ok()) return Fail(kExitUsage, loaded.status());
    config = std::move(loaded).value();
  }
  // Flags override the file.
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  if (flags.listen) config.listen = *flags.listen;
  if (flags.port) config.port = *flags.port;
  if (flags.log_level) config.log_level = *flags.log_level;
  if (flags.auth) {
    auto method = strata::server::ParseAuthMethod(*flags.auth);
    if (!method.ok()) return Fail(kExitUsage, method.status());
    config.auth_method = *method;
  }
  if (auto status = strata::server::ValidateConfig(config); !status.ok()) {
    return Fail(kExitUsage, status);
  }
  if (auto status = strata::InitLogging(config.log_level, config.log_file); !status.ok()) {
    return Fail(kExitUsage, status);
  }

  auto lock = strata::server::DataDirLock::Acquire(config.data_dir);
  if (!lock.ok()) return Fail(kExitRuntimeError, lock.status());

  std::error_code ec;
  const std::string data_dir = std::filesystem::canonical(config.data_dir, ec).string();
  spdlog::info("strata-server {} (PostgreSQL {} protocol) starting", strata::kStrataVersion,
               strata::kPostgresCompatVersion);
  spdlog::info("data directory: {}", data_dir);
  spdlog::debug(
      "config: listen={} port={} io_threads={} max_connections={} "
      "shutdown_timeout_ms={} storage.sync_commit={} storage.block_cache={}",
      config.listen, config.port, config.io_threads, config.max_connections,
      config.shutdown_timeout_ms, config.storage.sync_commit, config.storage.block_cache_bytes);

  // SIGPIPE would kill the process on a write to a closed socket; asio
  // reports EPIPE instead once it is ignored.
  std::signal(SIGPIPE, SIG_IGN);
  InstallFatalSignalReporter();

  RaiseFileDescriptorLimit(config.max_connections);

  strata::storage::StorageOptions storage_options;
  storage_options.block_cache_bytes = config.storage.block_cache_bytes;
  storage_options.row_cache_bytes = config.storage.row_cache_bytes;
  storage_options.write_buffer_bytes = config.storage.write_buffer_bytes;
  storage_options.ingest_commit_bytes = config.storage.ingest_commit_bytes;
  storage_options.bloom_bits_per_key = config.storage.bloom_bits_per_key;
  storage_options.max_background_jobs = config.storage.max_background_jobs;
  storage_options.sync_commit = config.storage.sync_commit;
  storage_options.binlog_heartbeat_interval_ms = config.storage.binlog_heartbeat_interval_ms;
  storage_options.binlog_retention_interval_ms = config.storage.binlog_retention_interval_ms;
  storage_options.binlog_max_retained_bytes = config.storage.binlog_max_retained_bytes;
  storage_options.column_flush_rows = config.storage.column_flush_rows;
  storage_options.column_compact_small_rows = config.storage.column_compact_small_rows;
  storage_options.column_background_interval_ms = config.storage.column_background_interval_ms;
  auto database = strata::storage::Database::Open(config.data_dir + "/db", storage_options);
  if (!database.ok()) {
    spdlog::error("cannot open the database: {}", database.status().ToString());
    return kExitRuntimeError;
  }
  spdlog::info("database open at LSN {}",
               strata::storage::FormatLsn((*database)->last_committed_lsn()));

  strata::isolation::MemoryBudget root_budget("total", config.memory_limit_bytes, nullptr);
  auto pools = std::make_unique<strata::isolation::PoolSet>(config.pools, &root_budget);
  for (const auto& pool : pools->pools()) {
    spdlog::info("pool {}: {} threads, queue {}, nice {}", pool->name(), pool->options().threads,
                 pool->options().queue_capacity, pool->options().nice);
  }

  // Column-replica flushes and compactions and binlog retention run in the
  // background pool (low priority, its own threads), so they compete with
  // serving and analytics only as much as that pool's settings allow.
  if (strata::isolation::ResourcePool* background = pools->Find("background")) {
    (*database)->SetMaintenanceExecutor([background](const std::function<void()>& work) {
      std::promise<void> done;
      std::future<void> finished = done.get_future();
      // The task may hold references: this call waits for it.
      const strata::Status submitted = background->Submit([&work, &done] {
        work();
        done.set_value();
      });
      if (!submitted.ok()) {
        work();  // queue full or shutting down: run the round here
        return;
      }
      finished.wait();
    });
  }

  auto engine = std::make_unique<strata::sql::Engine>(database->get(), pools.get());
  auto replication = strata::server::ReplicationService::Open(
      database->get(), strata::server::kMaxReplicationSlots, strata::server::kMaxWalSenders);
  if (!replication.ok()) {
    spdlog::error("cannot load the replication slots: {}", replication.status().ToString());
    return kExitRuntimeError;
  }
  auto server = std::make_unique<strata::server::Server>(config, pools.get(), engine.get());
  server->set_replication(replication->get());
  engine->set_replication_slots((*replication)->slots());
  if (auto status = server->Start(); !status.ok()) {
    spdlog::error("{}", status.message());
    return kExitRuntimeError;
  }
  spdlog::info("listening on {}:{}", config.listen, server->bound_port());

  const bool clean = server->Run();
  if (!clean) {
    // Some statement outlived the deadline and still holds a pool thread;
    // joining it could hang forever. Everything committed is already durable.
    spdlog::warn("exiting with work still running after {} ms", config.shutdown_timeout_ms);
    spdlog::shutdown();
    std::fflush(nullptr);
    _exit(0);
  }
  server.reset();
  (*database)->SetMaintenanceExecutor(nullptr);  // waits for a round in the pool
  pools.reset();
  replication->reset();
  engine.reset();
  database->reset();  // flushes and closes RocksDB
  spdlog::info("shutdown complete");
  spdlog::shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "strata-server: a real-time warehouse storage server speaking the PostgreSQL "
      "wire protocol"};
  Flags flags;
  app.add_option("--config", flags.config_file,
                 "Config file (TOML subset; see docs/configuration.md)");
  app.add_option("--data-dir", flags.data_dir, "Data directory (default ./strata-data)");
  app.add_option("--listen", flags.listen, "Address to listen on (default 127.0.0.1)");
  app.add_option("--port", flags.port, "TCP port (default 5433)")->check(CLI::Range(0, 65535));
  app.add_option("--auth", flags.auth,
                 "Authentication method: trust, password, md5 or scram-sha-256 (default trust)");
  app.add_option("--log-level", flags.log_level,
                 "trace, debug, info, warn, error, critical or off (default info)");
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  if (show_version) {
    std::printf("strata-server %s (PostgreSQL %s protocol)\n", strata::kStrataVersion,
                strata::kPostgresCompatVersion);
    return 0;
  }
  try {
    return RunServer(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata-server: fatal: %s\n", e.what());
    return kExitRuntimeError;
  }
}
