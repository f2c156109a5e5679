#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "protocol/messages.h"

// Decoding of PostgreSQL v3 messages, in two steps:
//
//   1. MessageFramer cuts an incoming byte stream, which may arrive in chunks
//      of any size, into frames (type byte + payload) and rejects impossible
//      lengths and unknown type bytes as soon as a header arrives.
//   2. DecodeFrontendMessage / DecodeBackendMessage turn one frame into a
//      typed message, validating every field.
//
// Every malformed input yields a Status with SqlState::kProtocolViolation
// (08P01), except an unsupported protocol version in a startup packet
// (kFeatureNotSupported, 0A000, as PostgreSQL reports it) and authentication
// request kinds this codec does not know (also 0A000). Nothing here reads
// out of bounds or aborts on bad input.
//
// A typical server loop:
//
//   MessageFramer framer(Sender::kFrontend);
//   framer.Feed(bytes_from_socket);
//   while (true) {
//     STRATA_ASSIGN_OR_RETURN(std::optional<Frame> frame, framer.Next());
//     if (!frame) break;  // need more bytes
//     STRATA_ASSIGN_OR_RETURN(FrontendMessage msg, DecodeFrontendMessage(*frame));
//     ...
//   }
namespace strata::protocol {

// Which side of the connection produced the bytes being framed; the two
// sides use overlapping type bytes with different meanings.
enum class Sender { kFrontend, kBackend };

// Limits from PostgreSQL (src/include/libpq/pqcomm.h, libpq-be.h). Like
// PostgreSQL, limits apply to the payload, i.e. the length word minus 4.
inline constexpr uint32_t kMaxStartupPacketLength = 10000;
// Control messages (Describe, Close, Execute, Sync, Flush, Terminate,
// CopyDone, CopyFail) are never legitimately large.
inline constexpr uint32_t kSmallMessageLimit = 10000;
// 'p' messages (passwords and SASL tokens).
inline constexpr uint32_t kMaxAuthTokenLength = 65535;
// Query, Parse, Bind, FunctionCall, CopyData; also the default limit for
// backend messages.
inline constexpr uint32_t kDefaultMaxMessageLength = 0x3fffffff;  // 1 GiB - 1

struct FramerOptions {
  // Largest payload accepted for any message (the smaller per-kind limits
  // above still apply).
  uint32_t max_message_length = kDefaultMaxMessageLength;
  // Frontend framers only: whether the stream starts with an untyped
  // startup-phase packet. False is for tests and fuzzing of the normal phase.
  bool startup_phase = true;
};

// One complete message as it was framed.
struct Frame {
  // The type byte; kStartupPacketType for a startup-phase packet.
  char type = 0;
  // The bytes after the length word. For a startup-phase packet this starts
  // with the 4-byte request code (protocol version, SSLRequest code, ...).
  std::string_view payload;
};
inline constexpr char kStartupPacketType = '\0';

// Buffers a byte stream and yields complete frames in order.
//
// A frontend framer starts in the startup phase: untyped packets, each a
// length word and a request code. The framer checks the code and length
// (SSLRequest and GSSENCRequest are 8 bytes, CancelRequest 16, a
// StartupMessage 3.x at most kMaxStartupPacketLength) and leaves the startup
// phase by itself after a StartupMessage, since protocol 3 always continues
// with typed messages. It stays in the startup phase after SSLRequest and
// GSSENCRequest, as the client follows up with another startup packet.
//
// Security note for the session: after an SSLRequest or GSSENCRequest that
// it accepts, buffered_bytes() must be 0 before the TLS/GSS handshake;
// otherwise a man in the middle has injected plaintext (CVE-2021-23214), and
// the session must close the connection.
//
// Errors are sticky: after Next() fails, every later call fails the same way,
// because message boundaries are lost. Not thread-safe.
class MessageFramer {
 public:
  explicit MessageFramer(Sender sender, FramerOptions options = {});
  MessageFramer(const MessageFramer&) = delete;
  MessageFramer& operator=(const MessageFramer&) = delete;

  // Appends received bytes. Invalidates frames returned before.
  void Feed(std::string_view bytes);

  // Zero-copy alternative to Feed(): returns `size` bytes of writable space
  // at the end of the buffer to receive into; then call CommitWrite() with
  // the number of bytes actually received, before any other call. Invalidates
  // frames returned before.
  std::span<char> PrepareWrite(size_t size);
  // REQUIRES: n <= size of the span from the preceding PrepareWrite().
  void CommitWrite(size_t n);

  // The next complete frame, std::nullopt if more bytes are needed, or a
  // protocol error. Checks the header (type byte, length word) as soon as it
  // has arrived, so an oversized length fails before its body is awaited or
  // buffered. The frame's payload points into this framer's buffer and stays
  // valid until the next Feed() or PrepareWrite().
  Result<std::optional<Frame>> Next();

  bool in_startup_phase() const { return startup_phase_; }
  // Bytes received but not yet returned in a frame.
  size_t buffered_bytes() const { return buffer_.size() - read_pos_; }

 private:
  // Drops consumed bytes when that is cheaper than growing the buffer by
  // `extra` bytes, and frees a large buffer once it is drained.
  void Compact(size_t extra);
  Result<std::optional<Frame>> NextStartupPacket();
  Status Fail(Status status);

  Sender sender_;
  FramerOptions options_;
  bool startup_phase_;
  std::string buffer_;
  size_t read_pos_ = 0;
  bool write_pending_ = false;  // between PrepareWrite() and CommitWrite()
  size_t write_start_ = 0;      // where the PrepareWrite() span starts
  Status error_;
};

// Decodes a frame from a client. Startup-phase frames become StartupMessage,
// SSLRequest, GSSENCRequest or CancelRequest; 'p' becomes
// AuthenticationResponse (see the Parse* helpers below).
Result<FrontendMessage> DecodeFrontendMessage(const Frame& frame);

// Decodes a frame from a server.
Result<BackendMessage> DecodeBackendMessage(const Frame& frame);

// Interpret an AuthenticationResponse ('p') payload as the kind the
// authentication exchange expects.
Result<PasswordMessage> ParsePasswordMessage(const AuthenticationResponse& m);
Result<SASLInitialResponse> ParseSASLInitialResponse(const AuthenticationResponse& m);
Result<SASLResponse> ParseSASLResponse(const AuthenticationResponse& m);

// Decodes the payload of a CopyData message sent during streaming
// replication ('w', 'k', 'r' or 'h' first byte).
Result<ReplicationMessage> DecodeReplicationMessage(std::string_view copy_data);

}  // namespace strata::protocol
