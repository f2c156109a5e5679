#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "isolation/resource_pool.h"
#include "protocol/messages.h"
#include "protocol/reader.h"
#include "server/asio.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/session_registry.h"
#include "sql/engine.h"

namespace strata::server {

class ReplicationService;

// What every session of a server shares. All borrowed; the Server owns them
// (or is given them) and they outlive its sessions.
struct SessionContext {
  const ServerConfig* config;
  isolation::PoolSet* pools;
  SessionRegistry* registry;
  sql::Engine* engine;             // null: SQL is refused (tests of the shell)
  boost::asio::ssl::context* tls;  // null: SSLRequest is answered 'N'
  // null: connections with replication=database are refused.
  ReplicationService* replication = nullptr;
};

class OutputChannel;
class CopyInChannel;
class ReplicationSession;
struct ReplicationCommand;
class SessionSink;

// One client connection: the PostgreSQL v3 state machine on top of the
// protocol codec.
//
// Threading: a Session's state is touched only on its strand (an I/O
// thread), except the two channels, which are shared with the pool thread
// running the current statement. Statement work goes to a resource pool:
// the pool thread streams its output back through the OutputChannel (which
// posts to the strand and blocks when too much is unwritten), and COPY FROM
// data reaches it through the CopyInChannel. A session decodes every message
// already buffered, runs consecutive extended-protocol messages as one pool
// task, and writes the replies of a batch with one call (pipelining). Point
// reads run inline on the strand instead (server/README.md, "Serving fast
// path").
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
  void RequestCancel();

  // What pg_stat_activity shows of this session. Thread-safe.
  sql::SessionActivity Activity() const;

 private:
  friend class SessionSink;
  enum class Phase { kStartup, kAuthenticating, kReady, kClosing };
  enum class AuthStep { kNone, kCleartext, kMd5, kSaslInitial, kSaslFinal };

  void Read();
  void OnRead(const boost::system::error_code& ec, size_t bytes);
  // Decodes complete frames, then dispatches the pending messages.
  void ProcessFrames();
  void Dispatch();
  bool HandleStartup(protocol::FrontendMessage message);
  void BeginAuthentication(const protocol::StartupMessage& startup);
  bool HandleAuthResponse(const protocol::AuthenticationResponse& response);
  void AuthenticationFailed();
  void FinishStartup();
  void StartTls();
  // Local messages that need no SQL work (Terminate, stray COPY messages).
  bool IsLocalMessage(const protocol::FrontendMessage& message) const;
  // During COPY FROM: hands CopyData/CopyDone/CopyFail to the statement.
  void RouteCopyMessage(protocol::FrontendMessage message);
  // replication=database: runs a replication command (START_REPLICATION
  // streams until the client's CopyDone) in the "replication" pool.
  void RunReplicationCommand(ReplicationCommand command);

  // Runs `work` in the named pool with a sink that writes through the
  // OutputChannel. When it returns, the sink's remaining output is written
  // and frame processing resumes on the strand.
  // `on_rejected` runs when the pool refuses the work, and then writes the
  // reply itself (by default: the pool's error and ReadyForQuery).
  void RunInPool(const std::string& pool_name, std::function<void(SessionSink*)> work,
                 const std::function<void()>& on_rejected = nullptr);
  // Runs bounded work (point reads, inline writes) right here on the
  // strand, its output appended to out_.
  void RunInline(const std::function<void(SessionSink*)>& work);
  // Sync's reply after the implicit transaction ended with `sync`.
  void AppendSyncReply(const Status& sync, std::string* out);
  // On the strand, when an inline batch's asynchronous commit completed:
  // finishes its Sync (in the write pool when a conflict re-runs the
  // statement) and resumes the session.
  void FinishAsyncSync(Status commit);
  // The statement work itself, wherever it runs.
  void RunSimpleQuery(const std::string& text, SessionSink* sink);
  void RunBatch(std::vector<protocol::FrontendMessage>& batch, SessionSink* sink);
  // Describe(portal)'s RowDescription, from last_row_description_ when the
  // portal's statement and formats are the last ones described.
  void AppendPortalRowDescription(const sql::PortalDescription& portal, std::string* out);
  // Starts idle_in_transaction_session_timeout when the session waits inside
  // an open or failed transaction block; any new statement disarms it.
  void ArmIdleInTransactionTimer();
  void OnStatementDone();

  void AppendError(const Status& status, bool fatal);
  void FlushThenContinue();
  void CloseAfterFlush();
  void WriteFinalAndClose();
  void Close();

  template <typename Handler>
  void AsyncReadSome(boost::asio::mutable_buffer buffer, Handler&& handler);
  template <typename Handler>
  void AsyncWrite(boost::asio::const_buffer buffer, Handler&& handler);

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer auth_timer_;
  boost::asio::steady_timer idle_timer_;
  uint64_t idle_generation_ = 0;  // a fired timer of an older generation is stale
  int64_t idle_timeout_ms_ = 0;   // read from the SQL session after each statement
  SessionContext context_;
  protocol::MessageFramer framer_;
  std::deque<protocol::FrontendMessage> pending_;
  std::string out_;
  Phase phase_ = Phase::kStartup;
  bool reading_ = false;
  bool busy_ = false;     // a statement is running in a pool, or its commit is in flight
  // An inline batch's Sync handed its commit to the pipeline
  // (SqlSession::BeginAsyncSync); FinishAsyncSync completes it.
  bool async_sync_pending_ = false;
  // An inline batch's Sync must commit synchronously (see
  // SqlSession::BeginAsyncSync): Dispatch runs it in the write pool.
  bool sync_in_pool_ = false;
  bool writing_ = false;  // an async write is in flight
  bool shutdown_requested_ = false;
  // While the pool runs COPY FROM, CopyData keeps flowing to it.
  bool copy_in_active_ = false;
  bool copy_in_paused_ = false;  // the statement is far behind: stop reading
  // Extended protocol: after an error, messages are skipped until Sync.
  bool skip_until_sync_ = false;

  // Authentication.
  AuthStep auth_step_ = AuthStep::kNone;
  std::optional<RoleInfo> role_;
  std::array<char, 4> md5_salt_{};
  std::unique_ptr<ScramServer> scram_;
  protocol::StartupMessage startup_;

  // Called on the strand when a statement starts (`query` non-null) or ends.
  void SetActivity(const std::string* query);

  mutable std::mutex activity_mu_;
  sql::SessionActivity activity_;  // guarded by activity_mu_

  int32_t process_id_ = 0;
  int32_t secret_key_ = 0;
  std::string user_;
  std::string database_;
  protocol::TransactionStatus transaction_status_ = protocol::TransactionStatus::kIdle;

  // Which pool runs each prepared statement and portal, and whether it is a
  // point read or a write that may run inline (from Parse's answer).
  struct StatementRoute {
    std::string pool;
    bool point_read = false;
    bool inline_write = false;
  };
  std::map<std::string, StatementRoute, std::less<>> statement_routes_;
  std::map<std::string, StatementRoute, std::less<>> portal_routes_;

  // The encoded RowDescription of the last portal described (statement_id 0:
  // none). Touched only where RunBatch runs (never concurrently).
  struct LastRowDescription {
    uint64_t statement_id = 0;
    std::vector<int16_t> formats;
    std::string bytes;
  };
  LastRowDescription last_row_description_;

  // Set for replication=database connections; while a START_REPLICATION
  // stream runs, CopyData from the client goes to it.
  std::unique_ptr<ReplicationSession> replication_;
  bool replication_streaming_ = false;

  std::shared_ptr<OutputChannel> output_;
  std::shared_ptr<CopyInChannel> copy_in_;
  // Guards sql_ against RequestCancel from other sessions' threads.
  std::mutex sql_mu_;
  std::unique_ptr<sql::SqlSession> sql_;
  bool statement_in_flight_ = false;  // guarded by sql_mu_
};

}  // namespace strata::server
