#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/asio.h"

#include "common/status.h"
#include "isolation/resource_pool.h"
#include "protocol/messages.h"
#include "protocol/reader.h"
#include "server/config.h"
#include "server/session_registry.h"

namespace strata::server {

// What every session of a server shares. All borrowed; the Server owns them
// and outlives its sessions.
struct SessionContext {
  const ServerConfig* config;
  isolation::PoolSet* pools;
  SessionRegistry* registry;
};

// One client connection: the PostgreSQL v3 state machine on top of the
// protocol codec.
//
// Threading: all of a Session's state is touched only on its strand (an
// I/O thread). Statement work is handed to a resource pool; when it is done
// the pool posts the result back to the strand, which writes it and goes on
// reading. A session reads every complete message already buffered before it
// writes, and writes the replies of a batch with one call (pipelining).
//
// Owned by shared_ptr: pending asio handlers and pool tasks hold a reference,
// and the registry holds one while the session is authenticated.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, SessionContext context);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts reading the startup packet. Call once, right after construction.
  void Start();

  // Asks the session to end: an idle session is told (FATAL 57P01) and closed
  // at once, a busy one when its statement finishes. Thread-safe.
  void BeginShutdown();

  // Asks the running statement, if any, to stop with 57014. Thread-safe.
  void RequestCancel() { cancel_requested_.store(true, std::memory_order_relaxed); }

 private:
  enum class Phase { kStartup, kReady, kClosing };

  void Read();
  void OnRead(const boost::system::error_code& ec, size_t bytes);
  // Handles every complete frame in the buffer until one needs a pool.
  void ProcessFrames();
  // Returns false when the session must stop processing (closing, or busy).
  bool HandleStartup(protocol::FrontendMessage message);
  bool HandleMessage(protocol::FrontendMessage message);
  void SendStartupReplies(const protocol::StartupMessage& startup);

  // Runs `work` in pool `pool_name`; its output is appended to the write
  // buffer on the strand, then frame processing resumes. Queue-full and
  // shutdown rejections become an ErrorResponse.
  void RunInPool(const std::string& pool_name, std::function<void(std::string* out)> work);

  void AppendError(const Status& status, bool fatal);
  void AppendReadyForQuery();
  void FlushThenContinue();
  void CloseAfterFlush();
  void WriteFinalAndClose();
  void Close();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  SessionContext context_;
  protocol::MessageFramer framer_;
  std::string out_;
  Phase phase_ = Phase::kStartup;
  bool busy_ = false;             // a statement is running in a pool
  bool writing_ = false;          // an async_write is in flight
  bool skip_until_sync_ = false;  // extended protocol error recovery
  bool shutdown_requested_ = false;
  protocol::TransactionStatus transaction_status_ = protocol::TransactionStatus::kIdle;
  int32_t process_id_ = 0;
  int32_t secret_key_ = 0;
  std::string user_;
  std::string database_;
  std::atomic<bool> cancel_requested_{false};
};

}  // namespace strata::server
