#include "server/session.h"

#include <openssl/rand.h>
#include <algorithm>
#include <chrono>
#include <utility>
#include <spdlog/spdlog.h>

#include "common/types.h"
#include "common/value_binary.h"
#include "common/value_text.h"
#include "common/version.h"
#include "protocol/writer.h"
#include "server/data_row.h"
#include "server/replication_command.h"
#include "server/replication_session.h"

namespace strata::server {

namespace asio = boost::asio;
using protocol::FrontendMessage;

namespace {

// The only database until CREATE DATABASE exists.
constexpr const char* kDefaultDatabase = "strata";

// Microseconds since 2000-01-01 UTC (PostgreSQL's epoch) by the system clock.
int64_t PgEpochMicrosNow() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(now).count() - 946684800LL * 1000000;
}

// Statements that fail because Strata lacks something a client expects (an
// object, a function, a feature, a piece of grammar) are logged at warning
// level with their text, so what drivers and tools send at connect time or
// for metadata and Strata cannot answer shows up in the server log. Other
// failures (constraint violations, bad input, conflicts) are the client's
// business and are not logged.
bool IsUnsupportedState(const std::string& code) {
  return code == "0A000" ||  // feature_not_supported
         code == "42883" ||  // undefined_function
         code == "42P01" ||  // undefined_table
         code == "42703" ||  // undefined_column
         code == "42704" ||  // undefined_object
         code == "3F000" ||  // invalid_schema_name
         code == "42601";    // syntax_error
}

void LogIfUnsupported(const Status& status, const std::string& text, int32_t process_id) {
  const std::string code(status.sql_state().code());
  if (!IsUnsupportedState(code)) return;
  spdlog::warn("session {}: statement failed with {} {}: {}", process_id, code, status.message(), text);
}

constexpr size_t kReadChunk = 16 * 1024;
// A statement's output is handed to the I/O thread in chunks of about this
// size, and the statement waits while more than kMaxUnwrittenBytes are
// queued for a slow client, so a large result never piles up in memory.
constexpr size_t kOutputChunkBytes = 64 * 1024;
constexpr size_t kMaxUnwrittenBytes = 4 * 1024 * 1024;
// COPY FROM data queued for the statement; reading the socket pauses above
// the high mark and resumes below the low mark.
constexpr size_t kCopyInHighBytes = 16 * 1024 * 1024;
constexpr size_t kCopyInLowBytes = 4 * 1024 * 1024;

// Status → ErrorResponse/NoticeResponse fields: the one place where that
// happens (STYLE §3).
protocol::ErrorFields ErrorFieldsFrom(const Status& status, std::string_view severity) {
  protocol::ErrorFields fields;
  fields.severity = std::string(severity);
  fields.severity_nonlocalized = std::string(severity);
  fields.code = std::string(status.sql_state().code());
  fields.message = std::string(status.message());
  fields.detail = std::string(status.detail());
  fields.hint = std::string(status.hint());
  if (status.position() > 0) fields.position = std::to_string(status.position());
  return fields;
}

bool IsBlank(std::string_view query) {
  for (char c : query) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

Status AdminShutdown() {
  return Status(SqlState::kAdminShutdown, "terminating connection due to administrator command");
}

protocol::TransactionStatus ToWire(sql::TxnStatus status) {
  switch (status) {
    case sql::TxnStatus::kIdle:
      return protocol::TransactionStatus::kIdle;
    case sql::TxnStatus::kInBlock:
      return protocol::TransactionStatus::kInTransaction;
    case sql::TxnStatus::kFailed:
      return protocol::TransactionStatus::kFailed;
  }
  return protocol::TransactionStatus::kIdle;
}

// Appends the RowDescription of `columns` (format per column, text where
// `formats` has none).
void AppendRowDescription(const std::vector<sql::ResultColumn>& columns,
                          std::span<const int16_t> formats, std::string* out) {
  protocol::RowDescriptionWriter description(out, columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    const sql::ResultColumn& column = columns[i];
    description.AddField(column.name, column.table_oid, column.column_attr, TypeOid(column.type),
                         static_cast<int16_t>(TypeLen(column.type)), ClientTypmod(column.type),
                         i < formats.size() ? formats[i] : protocol::kTextFormat);
  }
  description.Finish();
}

// PostgreSQL's "options" startup parameter: "-c name=value" and
// "--name=value" items separated by spaces (backslash escapes a space).
std::vector<std::pair<std::string, std::string>> ParseOptions(std::string_view options) {
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i < options.size(); ++i) {
    const char c = options[i];
    if (c == '\\' && i + 1 < options.size()) {
      word += options[++i];
    } else if (c == ' ' || c == '\t') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  std::vector<std::pair<std::string, std::string>> settings;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string setting;
    if (words[i] == "-c" && i + 1 < words.size()) {
      setting = words[++i];
    } else if (words[i].rfind("-c", 0) == 0 && words[i].size() > 2) {
      setting = words[i].substr(2);
    } else if (words[i].rfind("--", 0) == 0) {
      setting = words[i].substr(2);
    } else {
      continue;
    }
    const size_t eq = setting.find('=');
    if (eq == std::string::npos) continue;
    std::string name = setting.substr(0, eq);
    for (char& ch : name) {
      if (ch == '-') ch = '_';
    }
    settings.emplace_back(std::move(name), setting.substr(eq + 1));
  }
  return settings;
}

}  // namespace

// Carries a statement's output from its pool thread to the session's strand.
// Thread-safe.
class OutputChannel {
 public:
  explicit OutputChannel(std::function<void(std::string)> post) : post_(std::move(post)) {}

  // Pool thread: queues `bytes` for writing; blocks while the client is more
  // than kMaxUnwrittenBytes behind. Fails once the session has closed.
  Status Send(std::string bytes) {
    if (bytes.empty()) return Status::OK();
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) return Status(SqlState::kConnectionFailure, "connection to client lost");
    unwritten_ += bytes.size();
    post_(std::move(bytes));
    drained_.wait(lock, [this] { return closed_ || unwritten_ <= kMaxUnwrittenBytes; });
    if (closed_) return Status(SqlState::kConnectionFailure, "connection to client lost");
    return Status::OK();
  }
  // Pool thread: `n` bytes handed to the strand another way (with the
  // statement's end) count as unwritten like Send's.
  void Account(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    unwritten_ += n;
  }
  // Strand: `n` bytes reached the socket.
  void Written(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    unwritten_ -= std::min(n, unwritten_);
    drained_.notify_all();
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    drained_.notify_all();
  }

 private:
  std::function<void(std::string)> post_;
  std::mutex mu_;
  std::condition_variable drained_;
  size_t unwritten_ = 0;
  bool closed_ = false;
};

// Carries COPY FROM STDIN data from the strand to the statement. Thread-safe.
class CopyInChannel {
 public:
  explicit CopyInChannel(std::function<void()> resume_reading)
      : resume_reading_(std::move(resume_reading)) {}

  // Strand side. Push returns false when the statement is far behind and the
  // session should stop reading until resume_reading is called.
  bool Push(std::string data) {
    std::lock_guard<std::mutex> lock(mu_);
    queued_bytes_ += data.size();
    chunks_.push_back(std::move(data));
    ready_.notify_one();
    paused_ = queued_bytes_ > kCopyInHighBytes;
    return !paused_;
  }
  // Pool side, before announcing a new COPY FROM STDIN: forgets the end of
  // the previous one (otherwise a second COPY on the connection would see
  // CopyDone at once and stop after the data that happened to be queued).
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    chunks_.clear();
    queued_bytes_ = 0;
    finished_ = false;
    final_status_ = Status::OK();
  }
  void Finish(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    final_status_ = std::move(status);
    ready_.notify_one();
  }

  // Pool side: the next chunk, nullopt at CopyDone, or the CopyFail error.
  Result<std::optional<std::string>> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [this] { return !chunks_.empty() || finished_; });
    if (!chunks_.empty()) {
      std::string data = std::move(chunks_.front());
      chunks_.pop_front();
      queued_bytes_ -= data.size();
      if (paused_ && queued_bytes_ < kCopyInLowBytes) {
        paused_ = false;
        resume_reading_();
      }
      return std::optional<std::string>(std::move(data));
    }
    if (!final_status_.ok()) return final_status_;
    return std::optional<std::string>();
  }

 private:
  std::function<void()> resume_reading_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::string> chunks_;
  size_t queued_bytes_ = 0;
  bool paused_ = false;
  bool finished_ = false;
  Status final_status_;
};

// The ResultSink a statement writes to: encodes straight into wire bytes
// and hands them to the OutputChannel in chunks. Lives on the pool thread.
class SessionSink : public sql::ResultSink {
 public:
  // `on_strand`: the statement runs inline on the session's strand, so
  // output goes straight into the session's write buffer.
  SessionSink(Session* session, std::vector<int16_t> formats, bool on_strand = false)
      : session_(session), formats_(std::move(formats)), on_strand_(on_strand) {}

  Status BeginRows(const std::vector<sql::ResultColumn>& columns) override {
    AppendRowDescription(columns, formats_, &buffer_);
    return Status::OK();
  }

  Status Row(std::span<const Value> values) override {
    STRATA_RETURN_IF_ERROR(
        AppendDataRow(values, formats_, session_->sql_->text_format_options(), &buffer_));
    return MaybeFlush();
  }

  bool AcceptsStoredRows() const override { return true; }
  Status StoredRow(const sql::StoredRow& row) override {
    STRATA_RETURN_IF_ERROR(
        AppendStoredDataRow(row, formats_, session_->sql_->text_format_options(), &buffer_));
    return MaybeFlush();
  }

  Status Complete(std::string_view tag) override {
    if (tag.empty()) {
      // An empty prepared statement (Parse of "") completes this way.
      protocol::Encode(protocol::EmptyQueryResponse{}, &buffer_);
    } else {
      protocol::Encode(protocol::CommandComplete{std::string(tag)}, &buffer_);
    }
    return MaybeFlush();
  }

  void Notice(std::string_view severity, const Status& notice) override {
    protocol::Encode(protocol::NoticeResponse{ErrorFieldsFrom(notice, severity)}, &buffer_);
  }

  Status BeginCopyIn(int column_count, bool binary) override {
    session_->copy_in_->Reset();
    protocol::CopyInResponse response;
    response.overall_format = binary ? protocol::kBinaryFormat : protocol::kTextFormat;
    response.column_formats.assign(column_count, response.overall_format);
    protocol::Encode(response, &buffer_);
    STRATA_RETURN_IF_ERROR(Flush());
    // From here on the strand routes CopyData to this statement.
    auto session = session_->shared_from_this();
    asio::post(session->strand_, [session] {
      session->copy_in_active_ = true;
      // CopyData the client sent ahead of our CopyInResponse is already decoded.
      while (session->copy_in_active_ && !session->pending_.empty()) {
        protocol::FrontendMessage message = std::move(session->pending_.front());
        session->pending_.pop_front();
        session->RouteCopyMessage(std::move(message));
      }
      session->ProcessFrames();
    });
    return Status::OK();
  }

  Result<std::optional<std::string>> ReadCopyData() override { return session_->copy_in_->Pop(); }

  Status BeginCopyOut(int column_count, bool binary) override {
    protocol::CopyOutResponse response;
    response.overall_format = binary ? protocol::kBinaryFormat : protocol::kTextFormat;
    response.column_formats.assign(column_count, response.overall_format);
    protocol::Encode(response, &buffer_);
    return Status::OK();
  }
  Status CopyOutData(std::string_view data) override {
    protocol::AppendCopyData(data, &buffer_);
    return MaybeFlush();
  }
  Status EndCopyOut() override {
    protocol::Encode(protocol::CopyDone{}, &buffer_);
    return Status::OK();
  }

  void SetFormats(std::span<const int16_t> formats) { formats_.assign(formats.begin(), formats.end()); }
  std::string* buffer() { return &buffer_; }
  bool on_strand() const { return on_strand_; }
  // The output not flushed yet; the sink is left empty.
  std::string TakeBuffer() { return std::exchange(buffer_, std::string()); }

  Status Flush() {
    if (on_strand_) {
      if (session_->out_.empty()) {
        session_->out_.swap(buffer_);
      } else {
        session_->out_ += buffer_;
      }
      buffer_.clear();
      return Status::OK();
    }
    std::string data;
    data.swap(buffer_);
    return session_->output_->Send(std::move(data));
  }

 private:
  Status MaybeFlush() {
    if (buffer_.size() < kOutputChunkBytes) return Status::OK();
    return Flush();
  }

  Session* session_;
  std::vector<int16_t> formats_;
  bool on_strand_;
  std::string buffer_;
};

Session::Session(asio::ip::tcp::socket socket, SessionContext context)
    : socket_(std::move(socket)),
      strand_(asio::make_strand(socket_.get_executor())),
      auth_timer_(strand_),
      idle_timer_(strand_),
      context_(context),
      framer_(protocol::Sender::kFrontend,
              protocol::FramerOptions{
                  .max_message_length = static_cast<uint32_t>(std::min<uint64_t>(
                      context.config->max_message_bytes, protocol::kDefaultMaxMessageLength)),
                  .startup_phase = true,
              }) {}

Session::~Session() = default;

void Session::Start() {
  auto self = shared_from_this();
  std::weak_ptr<Session> weak = self;
  output_ = std::make_shared<OutputChannel>([weak](std::string bytes) {
    if (auto session = weak.lock()) {
      asio::post(session->strand_, [session, bytes = std::move(bytes)]() mutable {
        if (session->phase_ == Phase::kClosing) {
          session->output_->Written(bytes.size());
          return;
        }
        session->out_ += bytes;
        session->FlushThenContinue();
      });
    }
  });
  copy_in_ = std::make_shared<CopyInChannel>([weak] {
    if (auto session = weak.lock()) {
      asio::post(session->strand_, [session] {
        session->copy_in_paused_ = false;
        session->FlushThenContinue();
      });
    }
  });
  auth_timer_.expires_after(std::chrono::milliseconds(context_.config->authentication_timeout_ms));
  auth_timer_.async_wait([self](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: authentication finished in time
    if (self->phase_ == Phase::kStartup || self->phase_ == Phase::kAuthenticating) {
      spdlog::info("closing a connection that did not authenticate within {} ms",
                   self->context_.config->authentication_timeout_ms);
      self->Close();
    }
  });
  asio::post(strand_, [self] { self->Read(); });
}

void Session::BeginShutdown() {
  asio::post(strand_, [self = shared_from_this()] {
    self->shutdown_requested_ = true;
    if (self->replication_) self->replication_->Stop();
    if (self->busy_ || self->phase_ == Phase::kClosing) return;  // handled when it finishes
    self->AppendError(AdminShutdown(), /*fatal=*/true);
    self->CloseAfterFlush();
  });
}

void Session::RequestCancel() {
  // A cancel that finds nothing running is dropped, as in PostgreSQL;
  // forwarding it would cancel the session's next statement instead.
  std::lock_guard<std::mutex> lock(sql_mu_);
  if (sql_ && statement_in_flight_) sql_->Cancel();
}

template <typename Handler>
void Session::AsyncReadSome(asio::mutable_buffer buffer, Handler&& handler) {
  if (tls_) {
    tls_->async_read_some(buffer, asio::bind_executor(strand_, std::forward<Handler>(handler)));
  } else {
    socket_.async_read_some(buffer, asio::bind_executor(strand_, std::forward<Handler>(handler)));
  }
}

template <typename Handler>
void Session::AsyncWrite(asio::const_buffer buffer, Handler&& handler) {
  if (tls_) {
    asio::async_write(*tls_, buffer, asio::bind_executor(strand_, std::forward<Handler>(handler)));
  } else {
    asio::async_write(socket_, buffer,
                      asio::bind_executor(strand_, std::forward<Handler>(handler)));
  }
}

void Session::Read() {
  if (reading_ || phase_ == Phase::kClosing) return;
  reading_ = true;
  std::span<char> space = framer_.PrepareWrite(kReadChunk);
  AsyncReadSome(asio::buffer(space.data(), space.size()),
                [self = shared_from_this()](const boost::system::error_code& ec, size_t bytes) {
                  self->reading_ = false;
                  self->OnRead(ec, bytes);
                });
}

void Session::OnRead(const boost::system::error_code& ec, size_t bytes) {
  if (ec) {
    // EOF or reset: an abrupt disconnect ends the session. A statement in
    // flight finishes in its pool (its output is dropped); COPY FROM data
    // that never completed is refused, so nothing half-copied commits.
    framer_.CommitWrite(0);
    if (copy_in_active_) {
      copy_in_active_ = false;
      copy_in_->Finish(Status(SqlState::kConnectionFailure,
                              "unexpected EOF on client connection with an open transaction"));
    }
    Close();
    return;
  }
  framer_.CommitWrite(bytes);
  ProcessFrames();
}

void Session::ProcessFrames() {
  // Decode everything that is complete. During COPY FROM, its messages go
  // straight to the running statement.
  while (phase_ != Phase::kClosing) {
    Result<std::optional<protocol::Frame>> frame = framer_.Next();
    if (!frame.ok()) {
      AppendError(frame.status(), /*fatal=*/true);
      CloseAfterFlush();
      return;
    }
    if (!frame->has_value()) break;
    Result<FrontendMessage> message = protocol::DecodeFrontendMessage(**frame);
    if (!message.ok()) {
      AppendError(message.status(), /*fatal=*/true);
      CloseAfterFlush();
      return;
    }
    if (phase_ != Phase::kReady) {
      if (!HandleStartup(std::move(message).value())) return;
      continue;
    }
    if (copy_in_active_) {
      RouteCopyMessage(std::move(message).value());
      continue;
    }
    if (replication_streaming_ && !std::holds_alternative<protocol::Terminate>(*message)) {
      replication_->OnClientMessage(std::move(message).value());
      continue;
    }
    pending_.push_back(std::move(message).value());
  }
  Dispatch();
}

void Session::RouteCopyMessage(FrontendMessage message) {
  if (auto* data = std::get_if<protocol::CopyData>(&message)) {
    if (!copy_in_->Push(std::move(data->data))) copy_in_paused_ = true;
    return;
  }
  if (std::holds_alternative<protocol::Flush>(message) ||
      std::holds_alternative<protocol::Sync>(message)) {
    return;  // libpq may send these during COPY; PostgreSQL ignores them there
  }
  copy_in_active_ = false;
  copy_in_paused_ = false;
  if (std::holds_alternative<protocol::CopyDone>(message)) {
    copy_in_->Finish(Status::OK());
  } else if (auto* fail = std::get_if<protocol::CopyFail>(&message)) {
    copy_in_->Finish(Status(SqlState::kQueryCanceled, "COPY from stdin failed: " + fail->message));
  } else {
    copy_in_->Finish(Status::ProtocolViolation("unexpected message type during COPY from stdin"));
    pending_.push_back(std::move(message));
  }
}

bool Session::IsLocalMessage(const FrontendMessage& message) const {
  return std::holds_alternative<protocol::Terminate>(message) ||
         std::holds_alternative<protocol::CopyData>(message) ||
         std::holds_alternative<protocol::CopyDone>(message) ||
         std::holds_alternative<protocol::CopyFail>(message) ||
         std::holds_alternative<protocol::AuthenticationResponse>(message);
}

namespace {

bool IsExtended(const FrontendMessage& m) {
  return std::holds_alternative<protocol::Parse>(m) || std::holds_alternative<protocol::Bind>(m) ||
         std::holds_alternative<protocol::Describe>(m) ||
         std::holds_alternative<protocol::Execute>(m) ||
         std::holds_alternative<protocol::Close>(m) || std::holds_alternative<protocol::Sync>(m) ||
         std::holds_alternative<protocol::Flush>(m);
}

}  // namespace

void Session::Dispatch() {
  while (phase_ == Phase::kReady && !busy_ && !pending_.empty()) {
    FrontendMessage& front = pending_.front();
    if (IsLocalMessage(front)) {
      if (std::holds_alternative<protocol::Terminate>(front)) {
        pending_.clear();
        Close();
        return;
      }
      if (std::holds_alternative<protocol::AuthenticationResponse>(front)) {
        AppendError(Status::ProtocolViolation("unexpected password message"), /*fatal=*/true);
        CloseAfterFlush();
        return;
      }
      pending_.pop_front();  // COPY messages outside COPY are ignored, as PostgreSQL does
      continue;
    }
    if (context_.engine == nullptr || sql_ == nullptr) {
      AppendError(Status::NotSupported("this server was started without a SQL engine"), false);
      pending_.pop_front();
      protocol::Encode(protocol::ReadyForQuery{transaction_status_}, &out_);
      continue;
    }
    if (auto* query = std::get_if<protocol::Query>(&front)) {
      std::string text = std::move(query->query);
      pending_.pop_front();
      if (replication_) {
        // As a walsender: a snapshot exported by CREATE_REPLICATION_SLOT
        // lives until the connection's next command.
        replication_->EndExport();
        Result<std::optional<ReplicationCommand>> command = ParseReplicationCommand(text);
        if (!command.ok() || command->has_value()) {
          if (!command.ok()) {
            AppendError(command.status(), /*fatal=*/false);
            protocol::Encode(protocol::ReadyForQuery{transaction_status_}, &out_);
            continue;
          }
          RunReplicationCommand(std::move(**command));
          return;
        }
      }
      if (sql_->IsCachedPointRead(text)) {
        // Serving fast path: a cached point-read plan, run right here.
        RunInline([&](SessionSink* sink) { RunSimpleQuery(text, sink); });
        if (phase_ != Phase::kReady) return;
        continue;
      }
      const std::string pool = sql_->PoolForSimpleQuery(text);
      RunInPool(pool, [this, text = std::move(text)](SessionSink* sink) {
        RunSimpleQuery(text, sink);
      });
      return;
    }
    if (std::holds_alternative<protocol::FunctionCall>(front)) {
      pending_.pop_front();
      AppendError(Status::NotSupported("the fast-path function call interface is not supported"),
                  false);
      protocol::Encode(protocol::ReadyForQuery{transaction_status_}, &out_);
      continue;
    }
    // Extended protocol: everything up to and including the next Sync runs
    // as one pool task (a libpq pipeline or a JDBC batch is one hop).
    auto batch = std::make_shared<std::vector<FrontendMessage>>();
    while (!pending_.empty() && IsExtended(pending_.front())) {
      const bool sync = std::holds_alternative<protocol::Sync>(pending_.front());
      batch->push_back(std::move(pending_.front()));
      pending_.pop_front();
      if (sync) break;
    }
    // The pool of the first statement executed decides; statements without
    // an Execute are cheap and go to "serving". A batch whose every Execute
    // is a point read or an inline write of an already prepared statement,
    // started outside any transaction, runs inline on the strand: no pool
    // hand-off (the serving and write fast paths). A write's commit then
    // completes asynchronously (FinishAsyncSync), so the batch must end with
    // its Sync.
    std::string pool;
    bool inline_ok = sql_->IdleWithoutTransaction();
    bool any_execute = false;
    bool any_write = false;
    // portal → statement of the batch's Binds, the latest last (a batch
    // binds a handful of portals, usually only the unnamed one).
    std::vector<std::pair<std::string_view, std::string_view>> bound;
    for (const auto& m : *batch) {
      if (std::holds_alternative<protocol::Parse>(m)) inline_ok = false;
      if (const auto* bind = std::get_if<protocol::Bind>(&m)) {
        bound.emplace_back(bind->portal, bind->statement);
      }
      const auto* execute = std::get_if<protocol::Execute>(&m);
      if (execute == nullptr) continue;
      any_execute = true;
      StatementRoute route{"serving", false};
      const auto it = std::find_if(bound.rbegin(), bound.rend(),
                                   [&](const auto& b) { return b.first == execute->portal; });
      if (it != bound.rend()) {
        auto st = statement_routes_.find(it->second);
        if (st != statement_routes_.end()) {
          route = st->second;
        } else {
          for (const auto& p : *batch) {
            if (const auto* parse = std::get_if<protocol::Parse>(&p);
                parse != nullptr && parse->name == it->second) {
              route.pool = sql_->PoolForSimpleQuery(parse->query);
            }
          }
        }
      } else if (auto pt = portal_routes_.find(execute->portal); pt != portal_routes_.end()) {
        route = pt->second;
      }
      if (pool.empty()) pool = route.pool;
      if (!route.point_read && !route.inline_write) inline_ok = false;
      any_write = any_write || route.inline_write;
    }
    if (pool.empty()) pool = "serving";
    inline_ok = inline_ok && any_execute &&
                (!any_write || std::holds_alternative<protocol::Sync>(batch->back()));
    if (inline_ok) {
      RunInline([&](SessionSink* sink) { RunBatch(*batch, sink); });
      if (async_sync_pending_) {
        busy_ = true;  // until FinishAsyncSync
        return;
      }
      if (sync_in_pool_) {
        sync_in_pool_ = false;
        RunInPool("write", [this](SessionSink* sink) { AppendSyncReply(sql_->Sync(), sink->buffer()); });
        return;
      }
      if (phase_ != Phase::kReady) return;
      continue;
    }
    RunInPool(pool, [this, batch](SessionSink* sink) { RunBatch(*batch, sink); });
    return;
  }
  ArmIdleInTransactionTimer();
  FlushThenContinue();
}

void Session::RunSimpleQuery(const std::string& text, SessionSink* sink) {
  if (IsBlank(text)) {
    protocol::Encode(protocol::EmptyQueryResponse{}, sink->buffer());
  } else {
    SetActivity(&text);
    Status status = sql_->ExecuteSimple(text, sink);
    SetActivity(nullptr);
    if (!status.ok()) {
      LogIfUnsupported(status, text, process_id_);
      protocol::Encode(protocol::ErrorResponse{ErrorFieldsFrom(status, "ERROR")}, sink->buffer());
    }
  }
  for (auto& [name, value] : sql_->TakeChangedReportedParameters()) {
    protocol::Encode(protocol::ParameterStatus{name, value}, sink->buffer());
  }
  transaction_status_ = ToWire(sql_->txn_status());
  idle_timeout_ms_ = sql_->IdleInTransactionTimeoutMs();
  protocol::Encode(protocol::ReadyForQuery{transaction_status_}, sink->buffer());
}

void Session::AppendPortalRowDescription(const sql::PortalDescription& portal, std::string* out) {
  // A pipelining client describes every portal of the same statement: the
  // last description is kept, keyed by the statement's session-unique id.
  LastRowDescription& last = last_row_description_;
  if (last.statement_id != portal.statement_id ||
      !std::ranges::equal(last.formats, portal.formats)) {
    last.statement_id = portal.statement_id;
    last.formats.assign(portal.formats.begin(), portal.formats.end());
    last.bytes.clear();
    AppendRowDescription(*portal.columns, portal.formats, &last.bytes);
  }
  out->append(last.bytes);
}

void Session::RunBatch(std::vector<FrontendMessage>& batch, SessionSink* sink) {
  std::string* out = sink->buffer();
  // skip_until_sync_ and the route maps are touched here only while the
  // session is busy (or inline, on the strand), i.e. never concurrently.
  for (auto& message : batch) {
    if (skip_until_sync_ && !std::holds_alternative<protocol::Sync>(message)) continue;
    Status status = std::visit(
        [&](auto& m) -> Status {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, protocol::Parse>) {
            SetActivity(&m.query);
            auto prepared = sql_->Prepare(m.name, m.query, m.param_types);
            if (!prepared.ok()) LogIfUnsupported(prepared.status(), m.query, process_id_);
            STRATA_ASSIGN_OR_RETURN(sql::PreparedInfo info, std::move(prepared));
            statement_routes_[m.name] = StatementRoute{info.pool, info.point_read, info.inline_write};
            protocol::Encode(protocol::ParseComplete{}, out);
          } else if constexpr (std::is_same_v<M, protocol::Bind>) {
            STRATA_RETURN_IF_ERROR(
                sql_->Bind(m.portal, m.statement, m.param_formats, m.params, m.result_formats));
            auto st = statement_routes_.find(m.statement);
            portal_routes_[m.portal] =
                st != statement_routes_.end() ? st->second : StatementRoute{"serving", false};
            protocol::Encode(protocol::BindComplete{}, out);
          } else if constexpr (std::is_same_v<M, protocol::Describe>) {
            if (m.kind == protocol::TargetKind::kStatement) {
              STRATA_ASSIGN_OR_RETURN(sql::PreparedInfo info, sql_->DescribeStatement(m.name));
              protocol::ParameterDescription params;
              for (const auto& type : info.param_types)
                params.param_types.push_back(TypeOid(type));
              protocol::Encode(params, out);
              if (info.columns.empty()) {
                protocol::Encode(protocol::NoData{}, out);
              } else {
                AppendRowDescription(info.columns, {}, out);
              }
            } else {
              STRATA_ASSIGN_OR_RETURN(sql::PortalDescription portal, sql_->DescribePortal(m.name));
              if (portal.columns->empty()) {
                protocol::Encode(protocol::NoData{}, out);
              } else {
                AppendPortalRowDescription(portal, out);
              }
            }
          } else if constexpr (std::is_same_v<M, protocol::Execute>) {
            sink->SetFormats(sql_->PortalResultFormats(m.portal));
            STRATA_ASSIGN_OR_RETURN(bool suspended, sql_->Execute(m.portal, m.max_rows, sink));
            if (suspended) protocol::Encode(protocol::PortalSuspended{}, out);
          } else if constexpr (std::is_same_v<M, protocol::Close>) {
            if (m.kind == protocol::TargetKind::kStatement) {
              STRATA_RETURN_IF_ERROR(sql_->CloseStatement(m.name));
              statement_routes_.erase(m.name);
            } else {
              STRATA_RETURN_IF_ERROR(sql_->ClosePortal(m.name));
              portal_routes_.erase(m.name);
            }
            protocol::Encode(protocol::CloseComplete{}, out);
          } else if constexpr (std::is_same_v<M, protocol::Sync>) {
            skip_until_sync_ = false;
            // Inline, the commit must not park the I/O thread: it completes
            // on the pipeline's thread and comes back through the strand.
            if (sink->on_strand() &&
                sql_->BeginAsyncSync([self = shared_from_this()](Status commit) {
                  asio::post(self->strand_, [self, commit = std::move(commit)]() mutable {
                    self->FinishAsyncSync(std::move(commit));
                  });
                })) {
              async_sync_pending_ = true;
              return Status::OK();
            }
            if (sink->on_strand() && sql_->SyncCommitsChanges()) {
              sync_in_pool_ = true;  // a commit that may wait: Dispatch hands it on
              return Status::OK();
            }
            AppendSyncReply(sql_->Sync(), out);
          } else if constexpr (std::is_same_v<M, protocol::Flush>) {
            return sink->Flush();
          }
          return Status::OK();
        },
        message);
    if (!status.ok()) {
      if (status.sql_state() == SqlState::kConnectionFailure) return;  // client gone
      protocol::Encode(protocol::ErrorResponse{ErrorFieldsFrom(status, "ERROR")}, out);
      skip_until_sync_ = true;
    }
  }
  if (sql_->TakeRoutesChanged()) {
    // DDL changed how some statement may run: route them afresh; portals
    // (bound before) go to the pools until bound again.
    for (auto& [name, route] : statement_routes_) {
      auto info = sql_->DescribeStatement(name);
      if (info.ok()) route = StatementRoute{info->pool, info->point_read, info->inline_write};
    }
    portal_routes_.clear();
  }
}

void Session::AppendSyncReply(const Status& sync, std::string* out) {
  SetActivity(nullptr);
  if (auto unnamed = portal_routes_.find(std::string_view()); unnamed != portal_routes_.end()) {
    portal_routes_.erase(unnamed);
  }
  if (!sync.ok()) {
    protocol::Encode(protocol::ErrorResponse{ErrorFieldsFrom(sync, "ERROR")}, out);
  }
  for (auto& [name, value] : sql_->TakeChangedReportedParameters()) {
    protocol::Encode(protocol::ParameterStatus{name, value}, out);
  }
  transaction_status_ = ToWire(sql_->txn_status());
  idle_timeout_ms_ = sql_->IdleInTransactionTimeoutMs();
  protocol::Encode(protocol::ReadyForQuery{transaction_status_}, out);
}

void Session::FinishAsyncSync(Status commit) {
  async_sync_pending_ = false;
  if (phase_ == Phase::kClosing) {
    // Nobody to answer: end the transaction without re-running anything.
    sql_->FinishSync(std::move(commit), /*rerun_on_conflict=*/false).Ignore();
    OnStatementDone();
    return;
  }
  if (sql_->FinishSyncMayBlock(commit)) {
    // A commit conflict: the statement is re-run after a pause, which is
    // work for the write pool (RunInPool sets busy_ again).
    busy_ = false;
    RunInPool(
        "write",
        [this, commit](SessionSink* sink) { AppendSyncReply(sql_->FinishSync(commit), sink->buffer()); },
        // Refused (queue full, shutdown): the conflict stands, as in a block.
        [this, commit] { AppendSyncReply(sql_->FinishSync(commit, /*rerun_on_conflict=*/false), &out_); });
    return;
  }
  AppendSyncReply(sql_->FinishSync(std::move(commit)), &out_);
  FlushThenContinue();
  OnStatementDone();
}

void Session::ArmIdleInTransactionTimer() {
  if (idle_timeout_ms_ <= 0 || busy_ || !pending_.empty() || phase_ != Phase::kReady ||
      transaction_status_ == protocol::TransactionStatus::kIdle) {
    return;
  }
  const uint64_t generation = ++idle_generation_;
  idle_timer_.expires_after(std::chrono::milliseconds(idle_timeout_ms_));
  idle_timer_.async_wait(
      [self = shared_from_this(), generation](const boost::system::error_code& ec) {
        if (ec || generation != self->idle_generation_ || self->busy_ ||
            self->phase_ != Phase::kReady || !self->pending_.empty() ||
            self->transaction_status_ == protocol::TransactionStatus::kIdle) {
          return;
        }
        self->AppendError(Status(SqlState::kIdleInTransactionSessionTimeout,
                                 "terminating connection due to idle-in-transaction timeout"),
                          /*fatal=*/true);
        self->CloseAfterFlush();
      });
}

bool Session::HandleStartup(FrontendMessage message) {
  if (phase_ == Phase::kAuthenticating) {
    const auto* response = std::get_if<protocol::AuthenticationResponse>(&message);
    if (response == nullptr) {
      AppendError(Status::ProtocolViolation("expected a password response"), /*fatal=*/true);
      CloseAfterFlush();
      return false;
    }
    return HandleAuthResponse(*response);
  }
  if (std::holds_alternative<protocol::SSLRequest>(message)) {
    if (context_.tls != nullptr && !tls_) {
      StartTls();
      return false;  // reading resumes after the handshake
    }
    out_ += protocol::kEncryptionRejected;
    return true;
  }
  if (std::holds_alternative<protocol::GSSENCRequest>(message)) {
    out_ += protocol::kEncryptionRejected;
    return true;
  }
  if (const auto* cancel = std::get_if<protocol::CancelRequest>(&message)) {
    // A cancel connection gets no reply, whether or not the key matched.
    if (auto target = context_.registry->FindForCancel(cancel->process_id, cancel->secret_key)) {
      target->RequestCancel();
    }
    Close();
    return false;
  }
  auto* startup = std::get_if<protocol::StartupMessage>(&message);
  if (startup == nullptr) {
    AppendError(Status::ProtocolViolation("expected a startup packet"), /*fatal=*/true);
    CloseAfterFlush();
    return false;
  }
  startup_ = std::move(*startup);
  auto param = [&](const char* name) -> std::string {
    auto it = startup_.parameters.find(name);
    return it == startup_.parameters.end() ? std::string() : it->second;
  };
  user_ = param("user");
  database_ = param("database");
  if (database_.empty()) database_ = user_;
  if (user_.empty()) {
    AppendError(Status(SqlState::kInvalidAuthorizationSpecification,
                       "no PostgreSQL user name specified in startup packet"),
                /*fatal=*/true);
    CloseAfterFlush();
    return false;
  }
  if (context_.registry->size() >= static_cast<size_t>(context_.config->max_connections)) {
    AppendError(Status(SqlState::kTooManyConnections, "sorry, too many clients already"),
                /*fatal=*/true);
    CloseAfterFlush();
    return false;
  }
  BeginAuthentication(startup_);
  return phase_ != Phase::kClosing;
}

void Session::BeginAuthentication(const protocol::StartupMessage&) {
  auto role = context_.config->roles.find(user_);
  if (role != context_.config->roles.end()) role_ = role->second;
  const AuthMethod method = role_ && role_->method ? *role_->method : context_.config->auth_method;
  phase_ = Phase::kAuthenticating;
  switch (method) {
    case AuthMethod::kTrust:
      if (!role_) {
        AppendError(Status(SqlState::kInvalidAuthorizationSpecification,
                           "role \"" + user_ + "\" does not exist"),
                    /*fatal=*/true);
        CloseAfterFlush();
        return;
      }
      FinishStartup();
      return;
    case AuthMethod::kPassword:
      auth_step_ = AuthStep::kCleartext;
      protocol::Encode(protocol::AuthenticationCleartextPassword{}, &out_);
      return;
    case AuthMethod::kMd5:
      // As in PostgreSQL, a role whose password is stored only as a SCRAM
      // verifier is asked for SCRAM instead.
      if (!(role_ && role_->password && role_->password->md5.empty() &&
            !role_->password->scram.empty())) {
        auth_step_ = AuthStep::kMd5;
        RAND_bytes(reinterpret_cast<unsigned char*>(md5_salt_.data()), md5_salt_.size());
        protocol::Encode(protocol::AuthenticationMD5Password{md5_salt_}, &out_);
        return;
      }
      [[fallthrough]];
    case AuthMethod::kScramSha256: {
      std::optional<ScramSecret> secret;
      if (role_ && role_->password) {
        if (auto parsed = ParseScramSecret(role_->password->scram); parsed.ok()) secret = *parsed;
      }
      scram_ = std::make_unique<ScramServer>(std::move(secret));
      auth_step_ = AuthStep::kSaslInitial;
      protocol::Encode(protocol::AuthenticationSASL{{"SCRAM-SHA-256"}}, &out_);
      return;
    }
  }
}

bool Session::HandleAuthResponse(const protocol::AuthenticationResponse& response) {
  switch (auth_step_) {
    case AuthStep::kCleartext: {
      auto password = protocol::ParsePasswordMessage(response);
      if (!password.ok()) break;
      if (role_ && role_->password &&
          CheckCleartextPassword(*role_->password, password->password)) {
        FinishStartup();
        return true;
      }
      AuthenticationFailed();
      return false;
    }
    case AuthStep::kMd5: {
      auto password = protocol::ParsePasswordMessage(response);
      if (!password.ok()) break;
      if (role_ && role_->password &&
          CheckMd5Response(*role_->password, md5_salt_, password->password)) {
        FinishStartup();
        return true;
      }
      AuthenticationFailed();
      return false;
    }
    case AuthStep::kSaslInitial: {
      auto initial = protocol::ParseSASLInitialResponse(response);
      if (!initial.ok()) break;
      if (initial->mechanism != "SCRAM-SHA-256") {
        AppendError(
            Status::ProtocolViolation("client selected an invalid SASL authentication mechanism"),
            /*fatal=*/true);
        CloseAfterFlush();
        return false;
      }
      auto first = scram_->ClientFirst(initial->data.value_or(""));
      if (!first.ok()) {
        AppendError(first.status(), /*fatal=*/true);
        CloseAfterFlush();
        return false;
      }
      protocol::Encode(protocol::AuthenticationSASLContinue{*first}, &out_);
      auth_step_ = AuthStep::kSaslFinal;
      FlushThenContinue();
      return false;  // FlushThenContinue resumes reading
    }
    case AuthStep::kSaslFinal: {
      auto final_message = protocol::ParseSASLResponse(response);
      if (!final_message.ok()) break;
      auto server_final = scram_->ClientFinal(final_message->data);
      if (!server_final.ok()) {
        if (server_final.status().sql_state() == SqlState::kInvalidPassword) {
          AuthenticationFailed();
        } else {
          AppendError(server_final.status(), /*fatal=*/true);
          CloseAfterFlush();
        }
        return false;
      }
      protocol::Encode(protocol::AuthenticationSASLFinal{*server_final}, &out_);
      FinishStartup();
      return true;
    }
    case AuthStep::kNone:
      break;
  }
  AppendError(Status::ProtocolViolation("invalid password packet"), /*fatal=*/true);
  CloseAfterFlush();
  return false;
}

void Session::AuthenticationFailed() {
  spdlog::info("password authentication failed for user \"{}\"", user_);
  AppendError(Status(SqlState::kInvalidPassword,
                     "password authentication failed for user \"" + user_ + "\""),
              /*fatal=*/true);
  CloseAfterFlush();
}

void Session::FinishStartup() {
  if (!role_) {
    AppendError(Status(SqlState::kInvalidAuthorizationSpecification,
                       "role \"" + user_ + "\" does not exist"),
                /*fatal=*/true);
    CloseAfterFlush();
    return;
  }
  if (database_ != kDefaultDatabase) {
    AppendError(Status(SqlState("3D000"), "database \"" + database_ + "\" does not exist"),
                /*fatal=*/true);
    CloseAfterFlush();
    return;
  }
  bool walsender = false;
  if (auto mode = startup_.parameters.find("replication"); mode != startup_.parameters.end()) {
    std::string value = mode->second;
    for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    walsender = value == "database";
    if (walsender) {
      if (context_.replication == nullptr) {
        AppendError(Status(SqlState::kFeatureNotSupported,
                           "this server does not accept replication connections"),
                    /*fatal=*/true);
        CloseAfterFlush();
        return;
      }
    } else if (value == "true" || value == "on" || value == "yes" || value == "1") {
      AppendError(Status(SqlState::kFeatureNotSupported,
                         "physical replication connections are not supported by Strata")
                      .WithHint("Connect with replication=database for logical replication."),
                  /*fatal=*/true);
      CloseAfterFlush();
      return;
    } else if (!(value == "false" || value == "off" || value == "no" || value == "0")) {
      AppendError(Status(SqlState::kInvalidParameterValue,
                         "invalid value for parameter \"replication\": \"" + mode->second + "\""),
                  /*fatal=*/true);
      CloseAfterFlush();
      return;
    }
  }
  auth_timer_.cancel();
  process_id_ = context_.registry->Add(shared_from_this(), &secret_key_);
  {
    std::lock_guard lock(activity_mu_);
    activity_.process_id = process_id_;
    activity_.user = user_;
    activity_.database = database_;
    auto app = startup_.parameters.find("application_name");
    if (app != startup_.parameters.end()) activity_.application_name = app->second;
    boost::system::error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    if (!ec) {
      activity_.client_addr = remote.address().to_string();
      activity_.client_port = remote.port();
    }
    activity_.backend_start_micros = PgEpochMicrosNow();
    activity_.state = "idle";
  }
  if (walsender) {
    replication_ = std::make_unique<ReplicationSession>(context_.replication, process_id_);
  }

  std::vector<std::pair<std::string, std::string>> reported;
  if (context_.engine != nullptr) {
    auto application_name = startup_.parameters.find("application_name");
    auto session = context_.engine->NewSession(sql::SessionInfo{
        user_, database_,
        application_name == startup_.parameters.end() ? "" : application_name->second,
        process_id_});
    // Startup parameters other than the connection's identity are GUCs.
    std::vector<std::pair<std::string, std::string>> settings;
    for (const auto& [name, value] : startup_.parameters) {
      if (name == "user" || name == "database" || name == "replication" ||
          name.rfind("_pq_.", 0) == 0) {
        continue;
      }
      if (name == "options") {
        for (auto& setting : ParseOptions(value)) settings.push_back(std::move(setting));
      } else {
        settings.emplace_back(name, value);
      }
    }
    for (const auto& [name, value] : settings) {
      Status status = session->SetStartupParameter(name, value);
      if (!status.ok()) {
        AppendError(status, /*fatal=*/true);
        CloseAfterFlush();
        return;
      }
    }
    session->TakeChangedReportedParameters();
    reported = session->ReportedParameters();
    std::lock_guard<std::mutex> lock(sql_mu_);
    sql_ = std::move(session);
  } else {
    reported = {{"server_version", kPostgresCompatVersion},
                {"server_encoding", "UTF8"},
                {"client_encoding", "UTF8"},
                {"DateStyle", "ISO, MDY"},
                {"integer_datetimes", "on"},
                {"standard_conforming_strings", "on"},
                {"TimeZone", "UTC"},
                {"session_authorization", user_}};
  }

  // A client asking for a newer 3.x minor or for _pq_ options learns what we
  // speak; everything else stays as in 3.0.
  std::vector<std::string> unknown_options;
  for (const auto& [name, value] : startup_.parameters) {
    if (name.rfind("_pq_.", 0) == 0) unknown_options.push_back(name);
  }
  if (protocol::ProtocolMinor(startup_.protocol_version) > protocol::kLatestMinorVersion ||
      !unknown_options.empty()) {
    protocol::Encode(
        protocol::NegotiateProtocolVersion{protocol::kLatestMinorVersion, unknown_options}, &out_);
  }
  protocol::Encode(protocol::AuthenticationOk{}, &out_);
  for (const auto& [name, value] : reported) {
    protocol::Encode(protocol::ParameterStatus{name, value}, &out_);
  }
  protocol::Encode(protocol::BackendKeyData{process_id_, secret_key_}, &out_);
  protocol::Encode(protocol::ReadyForQuery{transaction_status_}, &out_);
  phase_ = Phase::kReady;
  spdlog::debug("session {}: connected as {} to {}", process_id_, user_, database_);
  if (shutdown_requested_) {
    AppendError(AdminShutdown(), /*fatal=*/true);
    CloseAfterFlush();
  }
}

void Session::StartTls() {
  // Bytes after the SSLRequest and before the handshake would be plaintext
  // injected by a man in the middle (CVE-2021-23214).
  if (framer_.buffered_bytes() != 0) {
    Close();
    return;
  }
  writing_ = true;
  auto answer = std::make_shared<std::string>(1, protocol::kEncryptionAccepted);
  asio::async_write(
      socket_, asio::buffer(*answer),
      asio::bind_executor(strand_, [self = shared_from_this(), answer](
                                       const boost::system::error_code& ec, size_t) {
        self->writing_ = false;
        if (ec) {
          self->Close();
          return;
        }
        self->tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(
            self->socket_, *self->context_.tls);
        self->tls_->async_handshake(
            asio::ssl::stream_base::server,
            asio::bind_executor(self->strand_, [self](const boost::system::error_code& error) {
              if (error) {
                spdlog::info("TLS handshake failed: {}", error.message());
                self->Close();
                return;
              }
              self->Read();
            }));
      }));
}

void Session::RunReplicationCommand(ReplicationCommand command) {
  RunInPool("replication", [this, command = std::move(command)](SessionSink* sink) {
    Status status;
    if (command.kind == ReplicationCommand::Kind::kStartReplication) {
      sink->Flush().Ignore();
      auto self = shared_from_this();
      status = replication_->Stream(
          command, [this](std::string bytes) { return output_->Send(std::move(bytes)); },
          [self] {
            // From here on CopyData goes to the stream, also what the client
            // sent before it saw CopyBothResponse.
            asio::post(self->strand_, [self] {
              self->replication_streaming_ = true;
              std::deque<protocol::FrontendMessage> rest;
              for (auto& message : self->pending_) {
                if (std::holds_alternative<protocol::Terminate>(message)) {
                  rest.push_back(std::move(message));
                } else {
                  self->replication_->OnClientMessage(std::move(message));
                }
              }
              self->pending_.swap(rest);
              self->ProcessFrames();
            });
          });
      asio::post(self->strand_, [self] { self->replication_streaming_ = false; });
      if (status.ok()) {
        // As a walsender: the COPY ends, then the command.
        protocol::Encode(protocol::CommandComplete{"COPY 0"}, sink->buffer());
        protocol::Encode(protocol::CommandComplete{"START_REPLICATION"}, sink->buffer());
      }
    } else {
      status = replication_->Execute(command, sink, [this](const storage::ReadView& view) {
        return sql_->UseSnapshot(view);
      });
    }
    if (!status.ok()) {
      if (status.sql_state() == SqlState::kConnectionFailure) {  // client gone
        sink->buffer()->clear();
        return;
      }
      protocol::Encode(protocol::ErrorResponse{ErrorFieldsFrom(status, "ERROR")}, sink->buffer());
    }
    protocol::Encode(protocol::ReadyForQuery{transaction_status_}, sink->buffer());
  });
}

void Session::RunInPool(const std::string& pool_name, std::function<void(SessionSink*)> work,
                        const std::function<void()>& on_rejected) {
  isolation::ResourcePool* pool = context_.pools->Find(pool_name);
  if (pool == nullptr) pool = context_.pools->Find("serving");
  busy_ = true;
  ++idle_generation_;  // a statement arrived: the idle timer no longer applies
  idle_timer_.cancel();
  Status submitted = pool->Submit([self = shared_from_this(), work = std::move(work)] {
    {
      std::lock_guard<std::mutex> lock(self->sql_mu_);
      self->statement_in_flight_ = true;
    }
    SessionSink sink(self.get(), {});
    work(&sink);
    {
      std::lock_guard<std::mutex> lock(self->sql_mu_);
      self->statement_in_flight_ = false;
    }
    // The output not sent yet (all of it, for a short statement) and the
    // statement's end reach the strand in one hand-off: one wake-up of the
    // I/O thread per statement instead of two.
    std::string last = sink.TakeBuffer();
    self->output_->Account(last.size());
    asio::post(self->strand_, [self, last = std::move(last)]() mutable {
      if (self->phase_ == Phase::kClosing) {
        self->output_->Written(last.size());
      } else if (!last.empty()) {
        self->out_ += last;
        self->FlushThenContinue();
      }
      self->OnStatementDone();
    });
  });
  if (!submitted.ok()) {
    busy_ = false;
    if (on_rejected) {
      on_rejected();
    } else {
      AppendError(submitted, /*fatal=*/false);
      protocol::Encode(protocol::ReadyForQuery{transaction_status_}, &out_);
    }
    FlushThenContinue();
    // Messages already buffered behind the refused one are dispatched next
    // (from the strand, not from this Dispatch's stack).
    asio::post(strand_, [self = shared_from_this()] {
      if (!self->busy_) self->OnStatementDone();
    });
  }
}

void Session::RunInline(const std::function<void(SessionSink*)>& work) {
  ++idle_generation_;  // a statement arrived: the idle timer no longer applies
  idle_timer_.cancel();
  {
    std::lock_guard<std::mutex> lock(sql_mu_);
    statement_in_flight_ = true;
  }
  SessionSink sink(this, {}, /*on_strand=*/true);
  work(&sink);
  sink.Flush().Ignore();
  {
    std::lock_guard<std::mutex> lock(sql_mu_);
    statement_in_flight_ = false;
  }
  // With a commit in flight or handed on the shutdown is handled when it
  // completes (OnStatementDone).
  if (shutdown_requested_ && !async_sync_pending_ && !sync_in_pool_) {
    AppendError(AdminShutdown(), /*fatal=*/true);
    CloseAfterFlush();
  }
}

void Session::OnStatementDone() {
  busy_ = false;
  if (phase_ == Phase::kClosing) return;
  if (copy_in_active_) {
    // The statement ended without draining COPY (it failed): whatever the
    // client still sends for this COPY is discarded, as PostgreSQL does.
    copy_in_active_ = false;
  }
  if (shutdown_requested_) {
    AppendError(AdminShutdown(), /*fatal=*/true);
    CloseAfterFlush();
    return;
  }
  ProcessFrames();
}

void Session::AppendError(const Status& status, bool fatal) {
  protocol::Encode(protocol::ErrorResponse{ErrorFieldsFrom(status, fatal ? "FATAL" : "ERROR")},
                   &out_);
}

void Session::FlushThenContinue() {
  // A replication stream reads the client's status updates while it writes.
  if (replication_streaming_ && phase_ != Phase::kClosing) Read();
  if (writing_ || phase_ == Phase::kClosing) return;
  if (out_.empty()) {
    // Read while idle, and during COPY FROM (unless the statement is far behind).
    if ((!busy_ && pending_.empty()) || (copy_in_active_ && !copy_in_paused_)) Read();
    return;
  }
  writing_ = true;
  auto buffer = std::make_shared<std::string>(std::move(out_));
  out_.clear();
  AsyncWrite(asio::buffer(*buffer),
             [self = shared_from_this(), buffer](const boost::system::error_code& ec, size_t) {
               self->writing_ = false;
               self->output_->Written(buffer->size());
               if (ec) {
                 self->Close();
               } else if (self->phase_ == Phase::kClosing) {
                 self->WriteFinalAndClose();
               } else {
                 self->FlushThenContinue();
               }
             });
}

void Session::CloseAfterFlush() {
  if (phase_ == Phase::kClosing) return;
  phase_ = Phase::kClosing;
  // Two writes must never be in flight at once; an in-flight one calls
  // WriteFinalAndClose() from its completion handler.
  if (!writing_) WriteFinalAndClose();
}

void Session::WriteFinalAndClose() {
  if (!socket_.is_open()) return;
  writing_ = true;
  auto buffer = std::make_shared<std::string>(std::move(out_));
  out_.clear();
  AsyncWrite(asio::buffer(*buffer),
             [self = shared_from_this(), buffer](const boost::system::error_code&, size_t) {
               self->writing_ = false;
               self->Close();
             });
}

void Session::Close() {
  phase_ = Phase::kClosing;
  auth_timer_.cancel();
  idle_timer_.cancel();
  if (output_) output_->Close();
  if (replication_) replication_->Stop();
  if (copy_in_ && copy_in_active_) {
    copy_in_active_ = false;
    copy_in_->Finish(Status(SqlState::kConnectionFailure, "connection to client lost"));
  }
  if (socket_.is_open()) {
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  if (process_id_ != 0) {
    const int32_t id = process_id_;
    process_id_ = 0;
    context_.registry->Remove(id);  // may drop the registry's reference to us
  }
}

}  // namespace strata::server

namespace strata::server {

sql::SessionActivity Session::Activity() const {
  std::lock_guard lock(activity_mu_);
  return activity_;
}

void Session::SetActivity(const std::string* query) {
  std::lock_guard lock(activity_mu_);
  if (query != nullptr) {
    activity_.state = "active";
    activity_.query = *query;
    activity_.query_start_micros = PgEpochMicrosNow();
  } else if (sql_ != nullptr && sql_->txn_status() == sql::TxnStatus::kInBlock) {
    activity_.state = "idle in transaction";
  } else if (sql_ != nullptr && sql_->txn_status() == sql::TxnStatus::kFailed) {
    activity_.state = "idle in transaction (aborted)";
  } else {
    activity_.state = "idle";
  }
}

}  // namespace strata::server
