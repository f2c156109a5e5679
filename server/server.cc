#include "server/server.h"

#include <algorithm>
#include <csignal>
#include <thread>

#include <spdlog/spdlog.h>

#include "server/session.h"
#include "storage/database.h"

namespace strata::server {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Server(const ServerConfig& config, isolation::PoolSet* pools, sql::Engine* engine)
    : config_(config),
      pools_(pools),
      engine_(engine),
      io_contexts_([&config] {
        std::vector<std::unique_ptr<asio::io_context>> contexts;
        // Concurrency hint 1: exactly one thread runs each context (pool
        // threads still post to it, so it keeps its locks).
        for (int i = 0; i < IoThreadCount(config); ++i) {
          contexts.push_back(std::make_unique<asio::io_context>(1));
        }
        return contexts;
      }()),
      acceptor_(*io_contexts_.front()),
      signals_(*io_contexts_.front(), SIGINT, SIGTERM) {
  for (auto& context : io_contexts_) work_guards_.push_back(asio::make_work_guard(*context));
  if (engine_ != nullptr) engine_->set_server_info(this);
}

int Server::IoThreadCount(const ServerConfig& config) {
  // 0: two I/O threads per core (point reads run on them, see Session). With
  // one per core, a thread the kernel preempts (for the clients, RocksDB's
  // compactions, the pools) stalls every session on it at once, and the
  // saturated p99 of point lookups was 1.4 ms; with two per core it was
  // 0.5 ms at equal or higher throughput (2 cores, 16 pgbench clients).
  return config.io_threads > 0
             ? config.io_threads
             : static_cast<int>(2 * std::max(1u, std::thread::hardware_concurrency()));
}

std::vector<sql::RoleDescription> Server::Roles() const {
  std::vector<sql::RoleDescription> out;
  for (const auto& [name, role] : config_.roles) {
    out.push_back(sql::RoleDescription{name, role.superuser, role.password.has_value()});
  }
  return out;
}

std::vector<sql::SessionActivity> Server::Sessions() const {
  std::vector<sql::SessionActivity> out;
  sessions_.ForEach([&](Session& s) { out.push_back(s.Activity()); });
  return out;
}

Server::~Server() {
  for (auto& context : io_contexts_) context->stop();
  for (auto& thread : io_threads_) {
    if (thread.joinable()) thread.join();
  }
}

Status Server::Start() {
  boost::system::error_code ec;
  if (!config_.tls_cert_file.empty()) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
    if (tls_->use_certificate_chain_file(config_.tls_cert_file, ec) ||
        tls_->use_private_key_file(config_.tls_key_file, asio::ssl::context::pem, ec)) {
      return Status::IoError("cannot load TLS certificate/key (" + config_.tls_cert_file + ", " +
                             config_.tls_key_file + "): " + ec.message());
    }
  }
  const auto address = asio::ip::make_address(config_.listen, ec);
  if (ec) return Status::InvalidArgument("invalid listen address \"" + config_.listen + "\"");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(config_.port));
  if (acceptor_.open(endpoint.protocol(), ec) ||
      acceptor_.set_option(tcp::acceptor::reuse_address(true), ec) ||
      acceptor_.bind(endpoint, ec) ||
      acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    return Status::IoError("could not listen on " + config_.listen + ":" +
                           std::to_string(config_.port) + ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint().port();

  signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    spdlog::info("received {}, shutting down", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    RequestShutdown();
  });
  Accept();
  for (auto& context : io_contexts_) {
    io_threads_.emplace_back([io = context.get()] { io->run(); });
  }
  return Status::OK();
}

void Server::Accept() {
  // The accepted socket (and so its session's strand) belongs to the next
  // I/O thread's context.
  asio::io_context& target = *io_contexts_[next_io_context_++ % io_contexts_.size()];
  acceptor_.async_accept(
      target, [this](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;  // acceptor closed at shutdown
        if (!ec) {
          socket.set_option(tcp::no_delay(true));
          const auto executor = socket.get_executor();
          auto session = std::make_shared<Session>(
              std::move(socket), SessionContext{&config_, pools_, &sessions_, engine_, tls_.get(), replication_});
          // Started on its own I/O thread, where all its handlers run.
          asio::post(executor, [session] { session->Start(); });
        } else {
          // EMFILE and friends: log and keep accepting; the client sees a reset.
          spdlog::warn("accept failed: {}", ec.message());
        }
        Accept();
      });
}

void Server::RequestShutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_requested_ = true;
  }
  shutdown_requested_cv_.notify_all();
}

bool Server::Run() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    shutdown_requested_cv_.wait(lock, [this] { return shutdown_requested_; });
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.shutdown_timeout_ms);

  // 1. Stop accepting (on the I/O threads, where the acceptor lives).
  asio::post(*io_contexts_.front(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    signals_.cancel(ignored);
  });
  // 2. Idle sessions close now; busy ones after their statement ends.
  sessions_.ForEach([](Session& session) { session.BeginShutdown(); });
  const bool sessions_done = sessions_.WaitUntilEmpty(deadline);
  if (!sessions_done) {
    spdlog::warn("{} sessions still running at the shutdown deadline", sessions_.size());
  }
  // 3. Whatever is still queued or running in the pools gets the rest of the time.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  const bool pools_done = pools_->ShutdownAll(std::max(left, std::chrono::milliseconds(0)));
  if (!pools_done) spdlog::warn("resource pools did not drain before the shutdown deadline");
  // Commits handed to the pipeline asynchronously (the write fast path)
  // post their outcome to a session's strand: they complete while the I/O
  // threads still run.
  if (engine_ != nullptr && engine_->database() != nullptr) engine_->database()->WaitForAsyncCommits();

  for (auto& guard : work_guards_) guard.reset();
  for (auto& context : io_contexts_) context->stop();
  for (auto& thread : io_threads_) thread.join();
  io_threads_.clear();
  return sessions_done && pools_done;
}

}  // namespace strata::server
