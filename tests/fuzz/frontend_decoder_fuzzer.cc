// libFuzzer target for the frontend side of the protocol codec: the
// MessageFramer in both phases and every decoder a server applies to client
// bytes (frontend messages, 'p' payloads, replication feedback in CopyData).
// The backend decoder also runs on each frame, since the same bytes exercise
// it well.
//
// Input: one control byte, then the byte stream.
//   bit 0      start in the normal phase instead of the startup phase
//   bit 1      use a small (64 KiB) max_message_length
//   bits 2..7  feed the stream in chunks of (value + 1) bytes
//
// Oracles, besides the sanitizers: every error carries SQLSTATE 08P01 or
// 0A000, and every successfully decoded message re-encodes to bytes that
// decode to an equal message.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "common/result.h"
#include "common/sql_state.h"
#include "protocol/messages.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace strata::protocol {
namespace {

void CheckError(const Status& status) {
  if (status.ok()) return;
  const SqlState state = status.sql_state();
  if (state != SqlState::kProtocolViolation && state != SqlState::kFeatureNotSupported) {
    __builtin_trap();
  }
}

bool IsStartupPacket(const FrontendMessage& m) {
  return std::holds_alternative<StartupMessage>(m) || std::holds_alternative<SSLRequest>(m) ||
         std::holds_alternative<GSSENCRequest>(m) || std::holds_alternative<CancelRequest>(m);
}

// Frames `bytes` as one message and returns its decoding.
template <typename Message, typename Decoder>
Result<Message> DecodeSingle(const std::string& bytes, Sender sender, bool startup_phase,
                             Decoder decode) {
  MessageFramer framer(sender, {.startup_phase = startup_phase});
  framer.Feed(bytes);
  Result<std::optional<Frame>> frame = framer.Next();
  if (!frame.ok()) return frame.status();
  if (!frame->has_value() || framer.buffered_bytes() != 0) __builtin_trap();
  return decode(**frame);
}

template <typename Message, typename Decoder>
void CheckRoundTrip(const Message& message, Sender sender, bool startup_phase, Decoder decode) {
  std::string bytes;
  Encode(message, &bytes);
  Result<Message> again = DecodeSingle<Message>(bytes, sender, startup_phase, decode);
  if (!again.ok() || !(*again == message)) __builtin_trap();
}

template <typename Parsed>
void CheckParsed(const Result<Parsed>& parsed) {
  CheckError(parsed.status());
  if (!parsed.ok()) return;
  std::string bytes;
  Encode(*parsed, &bytes);
  Result<FrontendMessage> raw =
      DecodeSingle<FrontendMessage>(bytes, Sender::kFrontend, false, DecodeFrontendMessage);
  if (!raw.ok() || !std::holds_alternative<AuthenticationResponse>(*raw)) __builtin_trap();
  const auto& response = std::get<AuthenticationResponse>(*raw);
  Result<Parsed> again = [&] {
    if constexpr (std::is_same_v<Parsed, PasswordMessage>) return ParsePasswordMessage(response);
    if constexpr (std::is_same_v<Parsed, SASLInitialResponse>) {
      return ParseSASLInitialResponse(response);
    }
    if constexpr (std::is_same_v<Parsed, SASLResponse>) return ParseSASLResponse(response);
  }();
  if (!again.ok() || !(*again == *parsed)) __builtin_trap();
}

void CheckReplication(std::string_view copy_data) {
  Result<ReplicationMessage> m = DecodeReplicationMessage(copy_data);
  CheckError(m.status());
  if (!m.ok()) return;
  std::string bytes;
  Encode(*m, &bytes);
  // Encode wrote a whole CopyData message; decode its payload again.
  Result<ReplicationMessage> again = DecodeReplicationMessage(std::string_view(bytes).substr(5));
  if (!again.ok() || !(*again == *m)) __builtin_trap();
}

void CheckFrame(const Frame& frame) {
  Result<FrontendMessage> m = DecodeFrontendMessage(frame);
  CheckError(m.status());
  if (m.ok()) {
    CheckRoundTrip(*m, Sender::kFrontend, IsStartupPacket(*m), DecodeFrontendMessage);
    if (const auto* auth = std::get_if<AuthenticationResponse>(&*m)) {
      CheckParsed(ParsePasswordMessage(*auth));
      CheckParsed(ParseSASLInitialResponse(*auth));
      CheckParsed(ParseSASLResponse(*auth));
    } else if (const auto* copy = std::get_if<CopyData>(&*m)) {
      CheckReplication(copy->data);
    }
  }
  if (frame.type != kStartupPacketType) {
    Result<BackendMessage> b = DecodeBackendMessage(frame);
    CheckError(b.status());
    if (b.ok()) CheckRoundTrip(*b, Sender::kBackend, false, DecodeBackendMessage);
  }
}

}  // namespace
}  // namespace strata::protocol

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata::protocol;
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  FramerOptions options;
  options.startup_phase = (control & 1) == 0;
  if (control & 2) options.max_message_length = 1 << 16;
  const size_t chunk = (control >> 2) + 1;

  MessageFramer framer(Sender::kFrontend, options);
  for (size_t pos = 0; pos < input.size(); pos += chunk) {
    framer.Feed(input.substr(pos, chunk));
    while (true) {
      strata::Result<std::optional<Frame>> frame = framer.Next();
      if (!frame.ok()) {
        CheckError(frame.status());
        // Errors are sticky.
        if (framer.Next().ok()) __builtin_trap();
        return 0;
      }
      if (!frame->has_value()) break;
      CheckFrame(**frame);
    }
  }
  return 0;
}
