#include "server/session.h"

#include <spdlog/spdlog.h>

#include "common/version.h"
#include "protocol/writer.h"

namespace strata::server {

namespace asio = boost::asio;
using protocol::FrontendMessage;

namespace {

// The only database and role until CREATE DATABASE / CREATE ROLE exist.
constexpr const char* kDefaultDatabase = "strata";
constexpr const char* kDefaultRole = "strata";

constexpr size_t kReadChunk = 16 * 1024;

// Status → ErrorResponse: the one place where that happens (STYLE §3).
protocol::ErrorFields ErrorFieldsFrom(const Status& status, const char* severity) {
  protocol::ErrorFields fields;
  fields.severity = severity;
  fields.severity_nonlocalized = severity;
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

}  // namespace

Session::Session(asio::ip::tcp::socket socket, SessionContext context)
    : socket_(std::move(socket)),
      strand_(asio::make_strand(socket_.get_executor())),
      context_(context),
      framer_(protocol::Sender::kFrontend,
              protocol::FramerOptions{
                  .max_message_length = static_cast<uint32_t>(std::min<uint64_t>(
                      context.config->max_message_bytes, protocol::kDefaultMaxMessageLength)),
                  .startup_phase = true,
              }) {}

Session::~Session() = default;

void Session::Start() {
  asio::post(strand_, [self = shared_from_this()] { self->Read(); });
}

void Session::BeginShutdown() {
  asio::post(strand_, [self = shared_from_this()] {
    self->shutdown_requested_ = true;
    if (self->busy_ || self->phase_ == Phase::kClosing) return;  // handled when it finishes
    self->AppendError(Status(SqlState::kAdminShutdown,
                             "terminating connection due to administrator command"),
                      /*fatal=*/true);
    self->CloseAfterFlush();
  });
}

void Session::Read() {
  std::span<char> space = framer_.PrepareWrite(kReadChunk);
  socket_.async_read_some(
      asio::buffer(space.data(), space.size()),
      asio::bind_executor(strand_, [self = shared_from_this()](
                                       const boost::system::error_code& ec, size_t bytes) {
        self->OnRead(ec, bytes);
      }));
}

void Session::OnRead(const boost::system::error_code& ec, size_t bytes) {
  if (ec) {
    // EOF or reset: an abrupt disconnect ends the session; a statement in
    // flight finishes in its pool and its output is dropped.
    if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
      spdlog::debug("session {}: read failed: {}", process_id_, ec.message());
    }
    framer_.CommitWrite(0);
    Close();
    return;
  }
  framer_.CommitWrite(bytes);
  ProcessFrames();
}

void Session::ProcessFrames() {
  while (phase_ != Phase::kClosing && !busy_) {
    Result<std::optional<protocol::Frame>> frame = framer_.Next();
    if (!frame.ok()) {
      AppendError(frame.status(), /*fatal=*/true);
      CloseAfterFlush();
      return;
    }
    if (!frame->has_value()) break;  // need more bytes
    Result<FrontendMessage> message = protocol::DecodeFrontendMessage(**frame);
    if (!message.ok()) {
      AppendError(message.status(), /*fatal=*/true);
      CloseAfterFlush();
      return;
    }
    const bool go_on = phase_ == Phase::kStartup ? HandleStartup(std::move(message).value())
                                                 : HandleMessage(std::move(message).value());
    if (!go_on) break;
  }
  if (phase_ == Phase::kClosing) return;
  FlushThenContinue();
}

bool Session::HandleStartup(FrontendMessage message) {
  if (std::holds_alternative<protocol::SSLRequest>(message) ||
      std::holds_alternative<protocol::GSSENCRequest>(message)) {
    // No TLS or GSS configured: answer 'N' and the client goes on in plain text.
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
  const auto* startup = std::get_if<protocol::StartupMessage>(&message);
  if (startup == nullptr) {
    AppendError(Status::ProtocolViolation("expected a startup packet"), /*fatal=*/true);
    CloseAfterFlush();
    return false;
  }
  auto param = [&](const char* name) -> std::string {
    auto it = startup->parameters.find(name);
    return it == startup->parameters.end() ? std::string() : it->second;
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
  if (user_ != kDefaultRole) {
    AppendError(Status(SqlState::kInvalidAuthorizationSpecification,
                       "role \"" + user_ + "\" does not exist"),
                /*fatal=*/true);
    CloseAfterFlush();
    return false;
  }
  if (database_ != kDefaultDatabase) {
    AppendError(Status(SqlState("3D000"), "database \"" + database_ + "\" does not exist"),
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
  process_id_ = context_.registry->Add(shared_from_this(), &secret_key_);
  SendStartupReplies(*startup);
  phase_ = Phase::kReady;
  spdlog::debug("session {}: connected as {} to {}", process_id_, user_, database_);
  if (shutdown_requested_) {
    AppendError(Status(SqlState::kAdminShutdown,
                       "terminating connection due to administrator command"),
                /*fatal=*/true);
    CloseAfterFlush();
    return false;
  }
  return true;
}

void Session::SendStartupReplies(const protocol::StartupMessage& startup) {
  // A client asking for a newer 3.x minor or for _pq_ options learns what we
  // speak; everything else stays as in 3.0.
  std::vector<std::string> unknown_options;
  for (const auto& [name, value] : startup.parameters) {
    if (name.rfind("_pq_.", 0) == 0) unknown_options.push_back(name);
  }
  if (protocol::ProtocolMinor(startup.protocol_version) > protocol::kLatestMinorVersion ||
      !unknown_options.empty()) {
    protocol::Encode(protocol::NegotiateProtocolVersion{protocol::kLatestMinorVersion,
                                                        unknown_options},
                     &out_);
  }
  protocol::Encode(protocol::AuthenticationOk{}, &out_);
  auto application_name = startup.parameters.find("application_name");
  const std::pair<const char*, std::string> parameters[] = {
      {"application_name",
       application_name == startup.parameters.end() ? "" : application_name->second},
      {"client_encoding", "UTF8"},
      {"DateStyle", "ISO, MDY"},
      {"default_transaction_read_only", "off"},
      {"in_hot_standby", "off"},
      {"integer_datetimes", "on"},
      {"IntervalStyle", "postgres"},
      {"is_superuser", "on"},
      {"server_encoding", "UTF8"},
      {"server_version", kPostgresCompatVersion},
      {"session_authorization", user_},
      {"standard_conforming_strings", "on"},
      {"TimeZone", "UTC"},
  };
  for (const auto& [name, value] : parameters) {
    protocol::Encode(protocol::ParameterStatus{name, value}, &out_);
  }
  protocol::Encode(protocol::BackendKeyData{process_id_, secret_key_}, &out_);
  AppendReadyForQuery();
}

bool Session::HandleMessage(FrontendMessage message) {
  if (skip_until_sync_ && !std::holds_alternative<protocol::Sync>(message) &&
      !std::holds_alternative<protocol::Terminate>(message)) {
    return true;  // after an extended-protocol error, discard until Sync
  }
  return std::visit(
      [this](auto& m) -> bool {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, protocol::Query>) {
          if (IsBlank(m.query)) {
            protocol::Encode(protocol::EmptyQueryResponse{}, &out_);
            AppendReadyForQuery();
            return true;
          }
          RunInPool("serving", [](std::string* out) {
            // The SQL layer is not part of this build yet; say so plainly.
            protocol::Encode(
                protocol::ErrorResponse{ErrorFieldsFrom(
                    Status::NotSupported("SQL statements are not supported by this server build"),
                    "ERROR")},
                out);
          });
          return false;
        } else if constexpr (std::is_same_v<M, protocol::Parse> ||
                             std::is_same_v<M, protocol::Bind> ||
                             std::is_same_v<M, protocol::Describe> ||
                             std::is_same_v<M, protocol::Execute> ||
                             std::is_same_v<M, protocol::FunctionCall>) {
          AppendError(Status::NotSupported(
                          "the extended query protocol is not supported by this server build"),
                      /*fatal=*/false);
          skip_until_sync_ = true;
          return true;
        } else if constexpr (std::is_same_v<M, protocol::Close>) {
          protocol::Encode(protocol::CloseComplete{}, &out_);  // closing nothing is not an error
          return true;
        } else if constexpr (std::is_same_v<M, protocol::Sync>) {
          skip_until_sync_ = false;
          AppendReadyForQuery();
          return true;
        } else if constexpr (std::is_same_v<M, protocol::Flush>) {
          return true;  // replies are flushed after every batch anyway
        } else if constexpr (std::is_same_v<M, protocol::Terminate>) {
          Close();
          return false;
        } else if constexpr (std::is_same_v<M, protocol::CopyData> ||
                             std::is_same_v<M, protocol::CopyDone> ||
                             std::is_same_v<M, protocol::CopyFail>) {
          return true;  // outside COPY these are ignored, as PostgreSQL does
        } else {
          AppendError(Status::ProtocolViolation("unexpected message during a session"),
                      /*fatal=*/true);
          CloseAfterFlush();
          return false;
        }
      },
      message);
}

void Session::RunInPool(const std::string& pool_name,
                        std::function<void(std::string* out)> work) {
  isolation::ResourcePool* pool = context_.pools->Find(pool_name);
  busy_ = true;
  cancel_requested_.store(false, std::memory_order_relaxed);
  Status submitted = pool == nullptr
                         ? Status::Internal("no resource pool named \"" + pool_name + "\"")
                         : pool->Submit([self = shared_from_this(), work = std::move(work)] {
                             std::string output;
                             work(&output);
                             asio::post(self->strand_, [self, output = std::move(output)] {
                               self->busy_ = false;
                               if (self->phase_ == Phase::kClosing) return;
                               self->out_ += output;
                               self->AppendReadyForQuery();
                               if (self->shutdown_requested_) {
                                 self->AppendError(
                                     Status(SqlState::kAdminShutdown,
                                            "terminating connection due to administrator command"),
                                     /*fatal=*/true);
                                 self->CloseAfterFlush();
                                 return;
                               }
                               self->ProcessFrames();
                             });
                           });
  if (!submitted.ok()) {
    busy_ = false;
    AppendError(submitted, /*fatal=*/false);
    AppendReadyForQuery();
  }
}

void Session::AppendError(const Status& status, bool fatal) {
  if (fatal) {
    protocol::Encode(protocol::ErrorResponse{ErrorFieldsFrom(status, "FATAL")}, &out_);
    return;
  }
  protocol::Encode(protocol::ErrorResponse{ErrorFieldsFrom(status, "ERROR")}, &out_);
  if (transaction_status_ == protocol::TransactionStatus::kInTransaction) {
    transaction_status_ = protocol::TransactionStatus::kFailed;
  }
}

void Session::AppendReadyForQuery() {
  protocol::Encode(protocol::ReadyForQuery{transaction_status_}, &out_);
}

void Session::FlushThenContinue() {
  if (writing_ || phase_ == Phase::kClosing) return;
  if (out_.empty()) {
    if (!busy_) Read();
    return;
  }
  writing_ = true;
  auto buffer = std::make_shared<std::string>(std::move(out_));
  out_.clear();
  asio::async_write(socket_, asio::buffer(*buffer),
                    asio::bind_executor(strand_, [self = shared_from_this(), buffer](
                                                     const boost::system::error_code& ec, size_t) {
                      self->writing_ = false;
                      if (ec) {
                        self->Close();
                      } else if (self->phase_ == Phase::kClosing) {
                        self->WriteFinalAndClose();
                      } else {
                        self->FlushThenContinue();
                      }
                    }));
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
  asio::async_write(socket_, asio::buffer(*buffer),
                    asio::bind_executor(strand_, [self = shared_from_this(), buffer](
                                                     const boost::system::error_code&, size_t) {
                      self->writing_ = false;
                      self->Close();
                    }));
}

void Session::Close() {
  phase_ = Phase::kClosing;
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
