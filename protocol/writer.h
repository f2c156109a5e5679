#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/messages.h"

// Encoding of PostgreSQL v3 messages. Every function appends complete wire
// bytes (type byte, length word, body) to a caller-owned std::string and
// allocates nothing besides that buffer's growth, so a session can batch many
// replies into one buffer and write it with one syscall.
//
// Encoding cannot fail for well-formed structs. REQUIRES (checked in debug
// builds): each message body fits in a 32-bit length word, counts of
// parameters, columns and formats are at most 65535, and strings that the
// protocol NUL-terminates (names, query text, tags) contain no NUL byte.
//
// All functions are thread-compatible: concurrent calls on distinct buffers
// are safe.
namespace strata::protocol {

// Big-endian integer appenders, for callers that build binary column values
// in place (see DataRowWriter::BeginColumn).
inline void AppendInt8(std::string* out, int8_t v) { out->push_back(static_cast<char>(v)); }
inline void AppendInt16(std::string* out, int16_t v) {
  const auto u = static_cast<uint16_t>(v);
  const char b[2] = {static_cast<char>(u >> 8), static_cast<char>(u)};
  out->append(b, 2);
}
inline void AppendInt32(std::string* out, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  const char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                     static_cast<char>(u >> 8), static_cast<char>(u)};
  out->append(b, 4);
}
inline void AppendInt64(std::string* out, int64_t v) {
  AppendInt32(out, static_cast<int32_t>(static_cast<uint64_t>(v) >> 32));
  AppendInt32(out, static_cast<int32_t>(static_cast<uint64_t>(v)));
}

// Frontend messages. StartupMessage, SSLRequest, GSSENCRequest and
// CancelRequest are written without a type byte, as the protocol requires.
void Encode(const StartupMessage& m, std::string* out);
void Encode(const SSLRequest& m, std::string* out);
void Encode(const GSSENCRequest& m, std::string* out);
void Encode(const CancelRequest& m, std::string* out);
void Encode(const Query& m, std::string* out);
void Encode(const Parse& m, std::string* out);
void Encode(const Bind& m, std::string* out);
void Encode(const Describe& m, std::string* out);
void Encode(const Execute& m, std::string* out);
void Encode(const Close& m, std::string* out);
void Encode(const Sync& m, std::string* out);
void Encode(const Flush& m, std::string* out);
void Encode(const Terminate& m, std::string* out);
void Encode(const CopyData& m, std::string* out);  // also a backend message
void Encode(const CopyDone& m, std::string* out);  // also a backend message
void Encode(const CopyFail& m, std::string* out);
void Encode(const FunctionCall& m, std::string* out);
void Encode(const AuthenticationResponse& m, std::string* out);
void Encode(const PasswordMessage& m, std::string* out);
void Encode(const SASLInitialResponse& m, std::string* out);
void Encode(const SASLResponse& m, std::string* out);
void Encode(const FrontendMessage& m, std::string* out);

// Backend messages.
void Encode(const AuthenticationOk& m, std::string* out);
void Encode(const AuthenticationCleartextPassword& m, std::string* out);
void Encode(const AuthenticationMD5Password& m, std::string* out);
void Encode(const AuthenticationSASL& m, std::string* out);
void Encode(const AuthenticationSASLContinue& m, std::string* out);
void Encode(const AuthenticationSASLFinal& m, std::string* out);
void Encode(const ParameterStatus& m, std::string* out);
void Encode(const BackendKeyData& m, std::string* out);
void Encode(const ReadyForQuery& m, std::string* out);
void Encode(const RowDescription& m, std::string* out);
void Encode(const DataRow& m, std::string* out);
void Encode(const CommandComplete& m, std::string* out);
void Encode(const EmptyQueryResponse& m, std::string* out);
void Encode(const ErrorResponse& m, std::string* out);
void Encode(const NoticeResponse& m, std::string* out);
void Encode(const ParseComplete& m, std::string* out);
void Encode(const BindComplete& m, std::string* out);
void Encode(const CloseComplete& m, std::string* out);
void Encode(const NoData& m, std::string* out);
void Encode(const ParameterDescription& m, std::string* out);
void Encode(const PortalSuspended& m, std::string* out);
void Encode(const CopyInResponse& m, std::string* out);
void Encode(const CopyOutResponse& m, std::string* out);
void Encode(const CopyBothResponse& m, std::string* out);
void Encode(const NotificationResponse& m, std::string* out);
void Encode(const FunctionCallResponse& m, std::string* out);
void Encode(const NegotiateProtocolVersion& m, std::string* out);
void Encode(const BackendMessage& m, std::string* out);

// Replication messages, each written as a complete CopyData ('d') message.
void Encode(const XLogData& m, std::string* out);
void Encode(const PrimaryKeepalive& m, std::string* out);
void Encode(const StandbyStatusUpdate& m, std::string* out);
void Encode(const HotStandbyFeedback& m, std::string* out);
void Encode(const ReplicationMessage& m, std::string* out);

// Fast paths that take views instead of owning structs.

// Appends a DataRow whose columns are `columns` (nullopt: NULL). Reserves
// the exact size once.
void AppendDataRow(std::span<const std::optional<std::string_view>> columns, std::string* out);

// Appends a CopyData message carrying `data`.
void AppendCopyData(std::string_view data, std::string* out);

// Appends a CopyData message carrying an XLogData ('w') with `data`.
void AppendXLogData(uint64_t start_lsn, uint64_t end_lsn, int64_t send_time, std::string_view data,
                    std::string* out);

// Builds one DataRow in place at the end of a buffer, so rows can be encoded
// straight from storage bytes without an intermediate struct:
//
//   DataRowWriter row(&out, 2);
//   row.AddColumn(key_bytes);
//   std::string* col = row.BeginColumn();
//   AppendInt64(col, value);  // or std::to_chars into *col for text
//   row.EndColumn();
//   row.Finish();
//
// `out` is borrowed and must outlive the writer. Between construction and
// Finish() nothing else may append to *out, except through BeginColumn().
// Not thread-safe.
class DataRowWriter {
 public:
  // Writes the message header and the column count.
  // REQUIRES: column_count <= 65535.
  DataRowWriter(std::string* out, size_t column_count);
  DataRowWriter(const DataRowWriter&) = delete;
  DataRowWriter& operator=(const DataRowWriter&) = delete;

  void AddColumn(std::string_view value);
  void AddNull();

  // Starts a column whose bytes the caller appends to the returned buffer
  // (which is `out`); EndColumn() then fills in the column's length.
  std::string* BeginColumn();
  void EndColumn();

  // Fills in the message length; the row is then complete.
  // REQUIRES: exactly column_count columns were added; no column is open.
  void Finish();

 private:
  std::string* out_;
  size_t start_;
  size_t column_start_ = 0;  // offset of the open column's length word, 0 if none
  size_t columns_left_;
};

// Builds one RowDescription in place at the end of a buffer, field by field,
// so a result's shape can be described straight from its columns without
// building a RowDescription (the serving path describes every portal):
//
//   RowDescriptionWriter description(&out, columns.size());
//   for (const auto& c : columns) description.AddField(c.name, ...);
//   description.Finish();
//
// Same rules as DataRowWriter.
class RowDescriptionWriter {
 public:
  // Writes the message header and the field count.
  // REQUIRES: field_count <= 65535.
  RowDescriptionWriter(std::string* out, size_t field_count);
  RowDescriptionWriter(const RowDescriptionWriter&) = delete;
  RowDescriptionWriter& operator=(const RowDescriptionWriter&) = delete;

  // The members of FieldDescription, in wire order.
  void AddField(std::string_view name, Oid table_oid, int16_t column_attr_num, Oid type_oid,
                int16_t type_size, int32_t type_modifier, int16_t format);

  // REQUIRES: exactly field_count fields were added.
  void Finish();

 private:
  std::string* out_;
  size_t start_;
  size_t fields_left_;
};

}  // namespace strata::protocol
