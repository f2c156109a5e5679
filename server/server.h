#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/status.h"
#include "isolation/resource_pool.h"
#include "server/asio.h"
#include "server/config.h"
#include "server/session_registry.h"
#include "sql/engine.h"

namespace strata::server {

class ReplicationService;

// The network side of strata-server: an asio acceptor and a fixed set of I/O
// threads. I/O threads only move bytes; every statement a Session receives
// runs in a resource pool, and the Session resumes on its strand when the
// pool finishes. So no statement ever blocks socket handling.
//
// Lifecycle: Start() → Run() (blocks until SIGINT/SIGTERM or
// RequestShutdown()) → destroy. Thread-safe: RequestShutdown() may be called
// from any thread. `pools` and `registry` are borrowed and must outlive the
// Server.
class Server : public sql::ServerInfo {
 public:
  // `engine` may be null (then SQL statements are refused).
  Server(const ServerConfig& config, isolation::PoolSet* pools, sql::Engine* engine);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on config.listen:config.port, installs the SIGINT and
  // SIGTERM handlers and starts the I/O threads. kIoError when the address
  // cannot be bound or the TLS certificate cannot be loaded.
  Status Start();

  // The port actually bound (differs from the config when it asked for 0).
  int bound_port() const { return bound_port_; }

  // Blocks until shutdown is requested, then shuts down cleanly: stops
  // accepting, lets running statements finish and closes every session, and
  // drains the pools, all within config.shutdown_timeout_ms. Returns true
  // when everything finished in time.
  bool Run();

  void RequestShutdown();

  // Enables replication=database connections. `replication` is borrowed and
  // must outlive the Server. Call before Start().
  void set_replication(ReplicationService* replication) { replication_ = replication; }

  SessionRegistry& sessions() { return sessions_; }

  // sql::ServerInfo: the configured roles and the live sessions.
  std::vector<sql::RoleDescription> Roles() const override;
  std::vector<sql::SessionActivity> Sessions() const override;

 private:
  void Accept();
  bool WaitForSessions(std::chrono::steady_clock::time_point deadline);
  // The number of I/O threads config_.io_threads asks for (0: two per core).
  static int IoThreadCount(const ServerConfig& config);

  const ServerConfig config_;
  isolation::PoolSet* const pools_;
  sql::Engine* const engine_;
  ReplicationService* replication_ = nullptr;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  // One io_context per I/O thread, each run by exactly that thread. A session
  // lives on one of them (round robin at accept), so its reads, inline point
  // reads and replies never go through a scheduler shared with the other
  // threads: no lock hand-offs and no cross-thread wake-ups on the serving
  // path (a shared io_context woke a second thread for about every fifth
  // request). The first also runs the acceptor and the signal set.
  std::vector<std::unique_ptr<boost::asio::io_context>> io_contexts_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_guards_;
  size_t next_io_context_ = 0;  // touched only by the accept handler
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
  std::vector<std::thread> io_threads_;
  int bound_port_ = 0;

  std::mutex mu_;
  std::condition_variable shutdown_requested_cv_;
  bool shutdown_requested_ = false;  // guarded by mu_

  SessionRegistry sessions_;
};

}  // namespace strata::server
