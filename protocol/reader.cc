#include "protocol/reader.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/macros.h"

namespace strata::protocol {
namespace {

uint32_t LoadUint32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

// A drained buffer larger than this is freed rather than reused.
constexpr size_t kRetainedBufferBytes = 1 << 20;

Status Violation(std::string message) { return Status::ProtocolViolation(std::move(message)); }

// Reads fields from one message payload. The first failure is remembered
// and later reads return zero values without touching memory, so a decoder
// reads all fields and checks once in Finish(). Count-driven loops must call
// HasRoomFor() first so that a bogus count cannot drive a long loop or a
// large reservation.
class Cursor {
 public:
  Cursor(std::string_view data, std::string_view message_name)
      : data_(data), message_name_(message_name) {}

  bool ok() const { return error_.empty(); }
  size_t Remaining() const { return data_.size() - pos_; }

  uint8_t Byte() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(data_[pos_++]);
  }
  uint8_t PeekByte() const { return Remaining() > 0 ? static_cast<uint8_t>(data_[pos_]) : 0; }
  int16_t Int16() {
    if (!Need(2)) return 0;
    const auto* u = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
    pos_ += 2;
    return static_cast<int16_t>(static_cast<uint16_t>((u[0] << 8) | u[1]));
  }
  // Element counts are unsigned 16-bit on the wire.
  size_t Count() { return static_cast<uint16_t>(Int16()); }
  int32_t Int32() {
    if (!Need(4)) return 0;
    const uint32_t v = LoadUint32(data_.data() + pos_);
    pos_ += 4;
    return static_cast<int32_t>(v);
  }
  uint32_t Uint32() { return static_cast<uint32_t>(Int32()); }
  int64_t Int64() {
    const uint64_t hi = Uint32();
    const uint64_t lo = Uint32();
    return static_cast<int64_t>((hi << 32) | lo);
  }

  // A NUL-terminated string; the NUL is consumed and not returned.
  std::string CString() {
    if (!ok()) return {};
    const size_t end = data_.find('\0', pos_);
    if (end == std::string_view::npos) {
      Fail("string is not NUL-terminated");
      return {};
    }
    std::string s(data_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }

  // An int32 length followed by that many bytes; -1 is NULL.
  std::optional<std::string> Value() {
    const int32_t length = Int32();
    if (!ok() || length == -1) return std::nullopt;
    if (length < 0) {
      Fail("invalid value length " + std::to_string(length));
      return std::nullopt;
    }
    if (!Need(static_cast<size_t>(length))) return std::nullopt;
    std::string v(data_.substr(pos_, static_cast<size_t>(length)));
    pos_ += static_cast<size_t>(length);
    return v;
  }

  std::string Rest() {
    if (!ok()) return {};
    std::string s(data_.substr(pos_));
    pos_ = data_.size();
    return s;
  }

  // Whether `count` elements of at least `min_size` bytes each can follow.
  bool HasRoomFor(size_t count, size_t min_size) {
    if (!ok()) return false;
    if (count > Remaining() / min_size) {
      Fail("count " + std::to_string(count) + " exceeds message length");
      return false;
    }
    return true;
  }

  void Fail(std::string what) {
    if (ok()) error_ = std::move(what);
    pos_ = data_.size();
  }

  // OK if every read succeeded and the whole payload was consumed.
  Status Finish() {
    if (ok() && pos_ != data_.size()) {
      Fail(std::to_string(data_.size() - pos_) + " unexpected trailing bytes");
    }
    if (ok()) return Status::OK();
    return Violation("invalid " + std::string(message_name_) + " message: " + error_);
  }

 private:
  bool Need(size_t n) {
    if (!ok()) return false;
    if (Remaining() < n) {
      Fail("message too short");
      return false;
    }
    return true;
  }

  std::string_view data_;
  size_t pos_ = 0;
  std::string_view message_name_;
  std::string error_;
};

template <typename T>
Result<T> Finished(Cursor& c, T message) {
  STRATA_RETURN_IF_ERROR(c.Finish());
  return message;
}

std::vector<int16_t> ReadFormats(Cursor& c) {
  std::vector<int16_t> formats;
  const size_t n = c.Count();
  if (!c.HasRoomFor(n, 2)) return formats;
  formats.reserve(n);
  for (size_t i = 0; i < n; ++i) formats.push_back(c.Int16());
  return formats;
}

std::vector<std::optional<std::string>> ReadValues(Cursor& c) {
  std::vector<std::optional<std::string>> values;
  const size_t n = c.Count();
  if (!c.HasRoomFor(n, 4)) return values;
  values.reserve(n);
  for (size_t i = 0; i < n && c.ok(); ++i) values.push_back(c.Value());
  return values;
}

std::vector<Oid> ReadOids(Cursor& c) {
  std::vector<Oid> oids;
  const size_t n = c.Count();
  if (!c.HasRoomFor(n, 4)) return oids;
  oids.reserve(n);
  for (size_t i = 0; i < n; ++i) oids.push_back(c.Uint32());
  return oids;
}

// Format codes: none (all text), one for all, or one per value.
void CheckFormatCount(Cursor& c, size_t formats, size_t values, std::string_view what) {
  if (c.ok() && formats > 1 && formats != values) {
    c.Fail(std::to_string(formats) + " " + std::string(what) + " formats but " +
           std::to_string(values) + " " + std::string(what) + "s");
  }
}

TargetKind ReadTargetKind(Cursor& c) {
  const uint8_t kind = c.Byte();
  if (c.ok() && kind != 'S' && kind != 'P') {
    c.Fail("invalid subtype " + std::to_string(kind) + ", expected 'S' or 'P'");
  }
  return static_cast<TargetKind>(kind);
}

// Validates a startup-phase packet's request code against its payload size
// (code included).
Status CheckStartupPacket(int32_t code, size_t payload_size) {
  switch (code) {
    case kSSLRequestCode:
    case kGSSENCRequestCode:
      if (payload_size != 4) return Violation("invalid length of encryption request packet");
      return Status::OK();
    case kCancelRequestCode:
      if (payload_size != 12) return Violation("invalid length of cancel request packet");
      return Status::OK();
    default:
      if (ProtocolMajor(code) != 3) {
        return Status::NotSupported(
            "unsupported frontend protocol " + std::to_string(ProtocolMajor(code)) + "." +
            std::to_string(ProtocolMinor(code)) + ": server supports 3.0 to 3." +
            std::to_string(kLatestMinorVersion));
      }
      return Status::OK();
  }
}

Result<FrontendMessage> DecodeStartupPacket(std::string_view payload) {
  if (payload.size() < 4 || payload.size() > kMaxStartupPacketLength) {
    return Violation("invalid length of startup packet");
  }
  Cursor c(payload, "startup packet");
  const int32_t code = c.Int32();
  STRATA_RETURN_IF_ERROR(CheckStartupPacket(code, payload.size()));
  switch (code) {
    case kSSLRequestCode:
      return SSLRequest{};
    case kGSSENCRequestCode:
      return GSSENCRequest{};
    case kCancelRequestCode: {
      CancelRequest m;
      m.process_id = c.Int32();
      m.secret_key = c.Int32();
      return Finished<FrontendMessage>(c, m);
    }
    default:
      break;
  }
  StartupMessage m;
  m.protocol_version = code;
  while (c.ok()) {
    if (c.Remaining() == 0) {
      c.Fail("missing terminator");
    } else if (c.PeekByte() == 0) {
      c.Byte();
      break;
    } else {
      std::string name = c.CString();
      std::string value = c.CString();
      if (c.ok()) m.parameters.insert_or_assign(std::move(name), std::move(value));
    }
  }
  return Finished<FrontendMessage>(c, std::move(m));
}

// Returns the payload limit for a message type, or 0 if the sender never
// sends that type.
uint32_t PayloadLimit(Sender sender, char type, uint32_t max_length) {
  if (sender == Sender::kBackend) {
    static constexpr std::string_view kBackendTypes = "RK23CdcGHWDIEVvnNAtS1sZT";
    return kBackendTypes.find(type) != std::string_view::npos ? max_length : 0;
  }
  switch (type) {
    case 'Q':
    case 'P':
    case 'B':
    case 'F':
    case 'd':
      return max_length;
    case 'E':
    case 'C':
    case 'D':
    case 'H':
    case 'S':
    case 'X':
    case 'c':
    case 'f':
      return std::min(kSmallMessageLimit, max_length);
    case 'p':
      return std::min(kMaxAuthTokenLength, max_length);
    default:
      return 0;
  }
}

std::string DescribeType(char type) {
  const auto u = static_cast<unsigned char>(type);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + type + "'";
  return std::to_string(u);
}

Result<BackendMessage> DecodeAuthentication(Cursor& c) {
  const int32_t code = c.Int32();
  switch (code) {
    case 0:
      return Finished<BackendMessage>(c, AuthenticationOk{});
    case 3:
      return Finished<BackendMessage>(c, AuthenticationCleartextPassword{});
    case 5: {
      AuthenticationMD5Password m;
      for (char& b : m.salt) b = static_cast<char>(c.Byte());
      return Finished<BackendMessage>(c, m);
    }
    case 10: {
      AuthenticationSASL m;
      while (c.ok()) {
        std::string mechanism = c.CString();
        if (mechanism.empty()) break;
        m.mechanisms.push_back(std::move(mechanism));
      }
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 11:
      return Finished<BackendMessage>(c, AuthenticationSASLContinue{c.Rest()});
    case 12:
      return Finished<BackendMessage>(c, AuthenticationSASLFinal{c.Rest()});
    default:
      if (!c.ok()) return c.Finish();
      return Status::NotSupported("unsupported authentication request " + std::to_string(code));
  }
}

ErrorFields ReadErrorFields(Cursor& c) {
  ErrorFields f;
  while (c.ok()) {
    const uint8_t code = c.Byte();
    if (code == 0) break;  // the terminator (or a failed read, which c remembers)
    std::string value = c.CString();
    switch (code) {
      case 'S':
        f.severity = std::move(value);
        break;
      case 'V':
        f.severity_nonlocalized = std::move(value);
        break;
      case 'C':
        f.code = std::move(value);
        break;
      case 'M':
        f.message = std::move(value);
        break;
      case 'D':
        f.detail = std::move(value);
        break;
      case 'H':
        f.hint = std::move(value);
        break;
      case 'P':
        f.position = std::move(value);
        break;
      case 'p':
        f.internal_position = std::move(value);
        break;
      case 'q':
        f.internal_query = std::move(value);
        break;
      case 'W':
        f.where = std::move(value);
        break;
      case 's':
        f.schema_name = std::move(value);
        break;
      case 't':
        f.table_name = std::move(value);
        break;
      case 'c':
        f.column_name = std::move(value);
        break;
      case 'd':
        f.data_type_name = std::move(value);
        break;
      case 'n':
        f.constraint_name = std::move(value);
        break;
      case 'F':
        f.file = std::move(value);
        break;
      case 'L':
        f.line = std::move(value);
        break;
      case 'R':
        f.routine = std::move(value);
        break;
      default:
        break;  // unknown fields are ignored, as the protocol asks
    }
  }
  return f;
}

template <typename T>
Result<BackendMessage> DecodeCopyResponse(Cursor& c) {
  T m;
  m.overall_format = static_cast<int8_t>(c.Byte());
  m.column_formats = ReadFormats(c);
  return Finished<BackendMessage>(c, std::move(m));
}

}  // namespace

MessageFramer::MessageFramer(Sender sender, FramerOptions options)
    : sender_(sender),
      options_(options),
      startup_phase_(sender == Sender::kFrontend && options.startup_phase) {}

void MessageFramer::Compact(size_t extra) {
  if (read_pos_ == 0) return;
  const size_t size = buffer_.size();
  if (read_pos_ == size) {
    // Everything was consumed. Give back the memory of an unusually large
    // message rather than keeping it for the connection's lifetime.
    if (buffer_.capacity() > kRetainedBufferBytes) {
      std::string().swap(buffer_);
    } else {
      buffer_.clear();
    }
    read_pos_ = 0;
  } else if (size + extra > buffer_.capacity() || read_pos_ >= size - read_pos_) {
    // Move unread bytes to the front only when the buffer would otherwise
    // grow or when at least half of it is dead, so each byte moves O(1) times.
    buffer_.erase(0, read_pos_);
    read_pos_ = 0;
  }
}

void MessageFramer::Feed(std::string_view bytes) {
  STRATA_DCHECK(!write_pending_);
  Compact(bytes.size());
  buffer_.append(bytes);
}

std::span<char> MessageFramer::PrepareWrite(size_t size) {
  STRATA_DCHECK(!write_pending_);
  Compact(size);
  // Until CommitWrite(), buffer_ ends with `size` bytes that were not received.
  write_start_ = buffer_.size();
  buffer_.resize(write_start_ + size);
  write_pending_ = true;
  return {buffer_.data() + write_start_, size};
}

void MessageFramer::CommitWrite(size_t n) {
  STRATA_DCHECK(write_pending_ && write_start_ + n <= buffer_.size());
  buffer_.resize(write_start_ + n);
  write_pending_ = false;
}

Status MessageFramer::Fail(Status status) {
  error_ = std::move(status);
  return error_;
}

Result<std::optional<Frame>> MessageFramer::NextStartupPacket() {
  const size_t available = buffered_bytes();
  if (available < 4) return std::optional<Frame>();
  const char* p = buffer_.data() + read_pos_;
  const auto length = static_cast<int32_t>(LoadUint32(p));
  if (length < 8 || static_cast<uint32_t>(length) - 4 > kMaxStartupPacketLength) {
    return Fail(Violation("invalid length of startup packet: " + std::to_string(length)));
  }
  if (available < static_cast<size_t>(length)) return std::optional<Frame>();
  const auto code = static_cast<int32_t>(LoadUint32(p + 4));
  const Frame frame{kStartupPacketType, std::string_view(p + 4, static_cast<size_t>(length) - 4)};
  if (Status s = CheckStartupPacket(code, frame.payload.size()); !s.ok()) return Fail(std::move(s));
  read_pos_ += static_cast<size_t>(length);
  if (ProtocolMajor(code) == 3) startup_phase_ = false;
  return std::optional<Frame>(frame);
}

Result<std::optional<Frame>> MessageFramer::Next() {
  STRATA_DCHECK(!write_pending_);
  if (!error_.ok()) return error_;
  if (startup_phase_) return NextStartupPacket();

  const size_t available = buffered_bytes();
  if (available < 1) return std::optional<Frame>();
  const char* p = buffer_.data() + read_pos_;
  const char type = p[0];
  const uint32_t limit = PayloadLimit(sender_, type, options_.max_message_length);
  if (limit == 0) {
    return Fail(Violation(
        std::string(sender_ == Sender::kFrontend ? "invalid frontend" : "invalid backend") +
        " message type " + DescribeType(type)));
  }
  if (available < 5) return std::optional<Frame>();
  const auto length = static_cast<int32_t>(LoadUint32(p + 1));
  if (length < 4) {
    return Fail(Violation("invalid message length " + std::to_string(length) +
                          " for message type " + DescribeType(type)));
  }
  const uint32_t payload_size = static_cast<uint32_t>(length) - 4;
  if (payload_size > limit) {
    return Fail(Violation("message of type " + DescribeType(type) + " is too long: " +
                          std::to_string(payload_size) + " bytes, limit " + std::to_string(limit)));
  }
  if (available < 5 + size_t{payload_size}) return std::optional<Frame>();
  read_pos_ += 5 + size_t{payload_size};
  return std::optional<Frame>(Frame{type, std::string_view(p + 5, payload_size)});
}

Result<FrontendMessage> DecodeFrontendMessage(const Frame& frame) {
  if (frame.type == kStartupPacketType) return DecodeStartupPacket(frame.payload);
  switch (frame.type) {
    case 'Q': {
      Cursor c(frame.payload, "Query");
      Query m{c.CString()};
      return Finished<FrontendMessage>(c, std::move(m));
    }
    case 'P': {
      Cursor c(frame.payload, "Parse");
      Parse m;
      m.name = c.CString();
      m.query = c.CString();
      m.param_types = ReadOids(c);
      return Finished<FrontendMessage>(c, std::move(m));
    }
    case 'B': {
      Cursor c(frame.payload, "Bind");
      Bind m;
      m.portal = c.CString();
      m.statement = c.CString();
      m.param_formats = ReadFormats(c);
      m.params = ReadValues(c);
      CheckFormatCount(c, m.param_formats.size(), m.params.size(), "parameter");
      m.result_formats = ReadFormats(c);
      return Finished<FrontendMessage>(c, std::move(m));
    }
    case 'D': {
      Cursor c(frame.payload, "Describe");
      Describe m;
      m.kind = ReadTargetKind(c);
      m.name = c.CString();
      return Finished<FrontendMessage>(c, std::move(m));
    }
    case 'E': {
      Cursor c(frame.payload, "Execute");
      Execute m;
      m.portal = c.CString();
      m.max_rows = c.Int32();
      return Finished<FrontendMessage>(c, std::move(m));
    }
    case 'C': {
      Cursor c(frame.payload, "Close");
      Close m;
      m.kind = ReadTargetKind(c);
      m.name = c.CString();
      return Finished<FrontendMessage>(c, std::move(m));
    }
    case 'S': {
      Cursor c(frame.payload, "Sync");
      return Finished<FrontendMessage>(c, Sync{});
    }
    case 'H': {
      Cursor c(frame.payload, "Flush");
      return Finished<FrontendMessage>(c, Flush{});
    }
    case 'X': {
      Cursor c(frame.payload, "Terminate");
      return Finished<FrontendMessage>(c, Terminate{});
    }
    case 'd':
      return CopyData{std::string(frame.payload)};
    case 'c': {
      Cursor c(frame.payload, "CopyDone");
      return Finished<FrontendMessage>(c, CopyDone{});
    }
    case 'f': {
      Cursor c(frame.payload, "CopyFail");
      CopyFail m{c.CString()};
      return Finished<FrontendMessage>(c, std::move(m));
    }
    case 'F': {
      Cursor c(frame.payload, "FunctionCall");
      FunctionCall m;
      m.function = c.Uint32();
      m.arg_formats = ReadFormats(c);
      m.args = ReadValues(c);
      CheckFormatCount(c, m.arg_formats.size(), m.args.size(), "argument");
      m.result_format = c.Int16();
      return Finished<FrontendMessage>(c, std::move(m));
    }
    case 'p':
      return AuthenticationResponse{std::string(frame.payload)};
    default:
      return Violation("invalid frontend message type " + DescribeType(frame.type));
  }
}

Result<BackendMessage> DecodeBackendMessage(const Frame& frame) {
  const std::string_view payload = frame.payload;
  switch (frame.type) {
    case 'R': {
      Cursor c(payload, "Authentication");
      return DecodeAuthentication(c);
    }
    case 'S': {
      Cursor c(payload, "ParameterStatus");
      ParameterStatus m;
      m.name = c.CString();
      m.value = c.CString();
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'K': {
      Cursor c(payload, "BackendKeyData");
      BackendKeyData m;
      m.process_id = c.Int32();
      m.secret_key = c.Int32();
      return Finished<BackendMessage>(c, m);
    }
    case 'Z': {
      Cursor c(payload, "ReadyForQuery");
      const uint8_t status = c.Byte();
      if (c.ok() && status != 'I' && status != 'T' && status != 'E') {
        c.Fail("invalid transaction status " + std::to_string(status));
      }
      return Finished<BackendMessage>(c, ReadyForQuery{static_cast<TransactionStatus>(status)});
    }
    case 'T': {
      Cursor c(payload, "RowDescription");
      RowDescription m;
      const size_t n = c.Count();
      // A field is at least an empty name's NUL plus 18 bytes of attributes.
      if (c.HasRoomFor(n, 19)) m.fields.reserve(n);
      for (size_t i = 0; i < n && c.ok(); ++i) {
        FieldDescription f;
        f.name = c.CString();
        f.table_oid = c.Uint32();
        f.column_attr_num = c.Int16();
        f.type_oid = c.Uint32();
        f.type_size = c.Int16();
        f.type_modifier = c.Int32();
        f.format = c.Int16();
        m.fields.push_back(std::move(f));
      }
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'D': {
      Cursor c(payload, "DataRow");
      DataRow m{ReadValues(c)};
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'C': {
      Cursor c(payload, "CommandComplete");
      CommandComplete m{c.CString()};
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'E': {
      Cursor c(payload, "ErrorResponse");
      ErrorResponse m{ReadErrorFields(c)};
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'N': {
      Cursor c(payload, "NoticeResponse");
      NoticeResponse m{ReadErrorFields(c)};
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'I': {
      Cursor c(payload, "EmptyQueryResponse");
      return Finished<BackendMessage>(c, EmptyQueryResponse{});
    }
    case '1': {
      Cursor c(payload, "ParseComplete");
      return Finished<BackendMessage>(c, ParseComplete{});
    }
    case '2': {
      Cursor c(payload, "BindComplete");
      return Finished<BackendMessage>(c, BindComplete{});
    }
    case '3': {
      Cursor c(payload, "CloseComplete");
      return Finished<BackendMessage>(c, CloseComplete{});
    }
    case 'n': {
      Cursor c(payload, "NoData");
      return Finished<BackendMessage>(c, NoData{});
    }
    case 's': {
      Cursor c(payload, "PortalSuspended");
      return Finished<BackendMessage>(c, PortalSuspended{});
    }
    case 'c': {
      Cursor c(payload, "CopyDone");
      return Finished<BackendMessage>(c, CopyDone{});
    }
    case 't': {
      Cursor c(payload, "ParameterDescription");
      ParameterDescription m{ReadOids(c)};
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'G': {
      Cursor c(payload, "CopyInResponse");
      return DecodeCopyResponse<CopyInResponse>(c);
    }
    case 'H': {
      Cursor c(payload, "CopyOutResponse");
      return DecodeCopyResponse<CopyOutResponse>(c);
    }
    case 'W': {
      Cursor c(payload, "CopyBothResponse");
      return DecodeCopyResponse<CopyBothResponse>(c);
    }
    case 'd':
      return CopyData{std::string(payload)};
    case 'A': {
      Cursor c(payload, "NotificationResponse");
      NotificationResponse m;
      m.process_id = c.Int32();
      m.channel = c.CString();
      m.payload = c.CString();
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'V': {
      Cursor c(payload, "FunctionCallResponse");
      FunctionCallResponse m{c.Value()};
      return Finished<BackendMessage>(c, std::move(m));
    }
    case 'v': {
      Cursor c(payload, "NegotiateProtocolVersion");
      NegotiateProtocolVersion m;
      m.newest_minor_version = c.Int32();
      const int32_t n = c.Int32();
      if (c.ok() && n < 0) c.Fail("negative option count " + std::to_string(n));
      if (c.HasRoomFor(static_cast<size_t>(std::max(n, 0)), 1)) {
        for (int32_t i = 0; i < n && c.ok(); ++i) m.unrecognized_options.push_back(c.CString());
      }
      return Finished<BackendMessage>(c, std::move(m));
    }
    default:
      return Violation("invalid backend message type " + DescribeType(frame.type));
  }
}

Result<PasswordMessage> ParsePasswordMessage(const AuthenticationResponse& m) {
  Cursor c(m.payload, "PasswordMessage");
  PasswordMessage out{c.CString()};
  return Finished(c, std::move(out));
}

Result<SASLInitialResponse> ParseSASLInitialResponse(const AuthenticationResponse& m) {
  Cursor c(m.payload, "SASLInitialResponse");
  SASLInitialResponse out;
  out.mechanism = c.CString();
  out.data = c.Value();
  return Finished(c, std::move(out));
}

Result<SASLResponse> ParseSASLResponse(const AuthenticationResponse& m) {
  return SASLResponse{m.payload};
}

Result<ReplicationMessage> DecodeReplicationMessage(std::string_view copy_data) {
  Cursor c(copy_data, "replication");
  switch (c.Byte()) {
    case 'w': {
      XLogData m;
      m.start_lsn = static_cast<uint64_t>(c.Int64());
      m.end_lsn = static_cast<uint64_t>(c.Int64());
      m.send_time = c.Int64();
      m.data = c.Rest();
      return Finished<ReplicationMessage>(c, std::move(m));
    }
    case 'k': {
      PrimaryKeepalive m;
      m.end_lsn = static_cast<uint64_t>(c.Int64());
      m.send_time = c.Int64();
      m.reply_requested = c.Byte() != 0;
      return Finished<ReplicationMessage>(c, m);
    }
    case 'r': {
      StandbyStatusUpdate m;
      m.written_lsn = static_cast<uint64_t>(c.Int64());
      m.flushed_lsn = static_cast<uint64_t>(c.Int64());
      m.applied_lsn = static_cast<uint64_t>(c.Int64());
      m.send_time = c.Int64();
      m.reply_requested = c.Byte() != 0;
      return Finished<ReplicationMessage>(c, m);
    }
    case 'h': {
      HotStandbyFeedback m;
      m.send_time = c.Int64();
      m.xmin = c.Uint32();
      m.xmin_epoch = c.Uint32();
      m.catalog_xmin = c.Uint32();
      m.catalog_xmin_epoch = c.Uint32();
      return Finished<ReplicationMessage>(c, m);
    }
    default:
      if (!c.ok()) return c.Finish();
      return Violation("invalid replication message type " +
                       DescribeType(copy_data.empty() ? '\0' : copy_data[0]));
  }
}

}  // namespace strata::protocol
