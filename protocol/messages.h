#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

// Typed PostgreSQL v3 wire messages (protocol 3.0), named as in the
// "Message Formats" chapter of the PostgreSQL manual. Every struct owns its
// data, so a decoded message stays valid independently of the bytes it came
// from. Byte strings (parameter values, column values, COPY data, SASL data)
// are held in std::string and may contain NUL bytes.
//
// A length of -1 on the wire (SQL NULL) is std::nullopt.
namespace strata::protocol {

using Oid = uint32_t;

// Protocol version codes carried by the first packet of a connection.
inline constexpr int32_t kProtocolVersion3 = 196608;  // 3.0 == (3 << 16) | 0
// Newest 3.x minor version this codec has message layouts for. A client may
// ask for a newer minor; the session answers with NegotiateProtocolVersion.
inline constexpr int32_t kLatestMinorVersion = 0;
inline constexpr int32_t kCancelRequestCode = 80877102;  // 1234.5678
inline constexpr int32_t kSSLRequestCode = 80877103;     // 1234.5679
inline constexpr int32_t kGSSENCRequestCode = 80877104;  // 1234.5680
constexpr int32_t ProtocolMajor(int32_t version) { return version >> 16; }
constexpr int32_t ProtocolMinor(int32_t version) { return version & 0xffff; }

// The single unframed byte a server sends in answer to SSLRequest or
// GSSENCRequest.
inline constexpr char kEncryptionAccepted = 'S';
inline constexpr char kEncryptionRejected = 'N';

// Format codes of parameters, result columns and COPY columns.
inline constexpr int16_t kTextFormat = 0;
inline constexpr int16_t kBinaryFormat = 1;

// Describe and Close name either a prepared statement or a portal.
enum class TargetKind : char { kStatement = 'S', kPortal = 'P' };

// ReadyForQuery's transaction status indicator.
enum class TransactionStatus : char { kIdle = 'I', kInTransaction = 'T', kFailed = 'E' };

// Frontend (client -> server) messages.

// First packet of a normal connection: untyped, version then name/value pairs.
// Parameters include "user", "database", "options", "replication",
// "application_name", any GUC, and "_pq_.*" protocol options. If a name is
// repeated the last value wins, as in PostgreSQL.
struct StartupMessage {
  int32_t protocol_version = kProtocolVersion3;
  std::map<std::string, std::string> parameters;
  bool operator==(const StartupMessage&) const = default;
};

struct SSLRequest {
  bool operator==(const SSLRequest&) const = default;
};

struct GSSENCRequest {
  bool operator==(const GSSENCRequest&) const = default;
};

// Sent on a fresh connection to cancel the query running in another one.
struct CancelRequest {
  int32_t process_id = 0;
  int32_t secret_key = 0;
  bool operator==(const CancelRequest&) const = default;
};

// 'Q': one or more statements for the simple query protocol.
struct Query {
  std::string query;
  bool operator==(const Query&) const = default;
};

// 'P'. An OID of 0 leaves that parameter's type unspecified.
struct Parse {
  std::string name;  // empty: the unnamed statement
  std::string query;
  std::vector<Oid> param_types;
  bool operator==(const Parse&) const = default;
};

// 'B'. param_formats has 0 entries (all text), 1 (applies to all) or one per
// parameter; the decoder enforces that. result_formats likewise has 0, 1 or
// one per result column, which only the session can check. Format code
// values are not checked here (PostgreSQL reports 22023 for them later).
struct Bind {
  std::string portal;     // empty: the unnamed portal
  std::string statement;  // empty: the unnamed statement
  std::vector<int16_t> param_formats;
  std::vector<std::optional<std::string>> params;
  std::vector<int16_t> result_formats;
  bool operator==(const Bind&) const = default;
};

// 'D'
struct Describe {
  TargetKind kind = TargetKind::kStatement;
  std::string name;
  bool operator==(const Describe&) const = default;
};

// 'E'. max_rows <= 0 means no limit.
struct Execute {
  std::string portal;
  int32_t max_rows = 0;
  bool operator==(const Execute&) const = default;
};

// 'C'
struct Close {
  TargetKind kind = TargetKind::kStatement;
  std::string name;
  bool operator==(const Close&) const = default;
};

// 'S'
struct Sync {
  bool operator==(const Sync&) const = default;
};

// 'H'
struct Flush {
  bool operator==(const Flush&) const = default;
};

// 'X'
struct Terminate {
  bool operator==(const Terminate&) const = default;
};

// 'd', sent by both sides.
struct CopyData {
  std::string data;
  bool operator==(const CopyData&) const = default;
};

// 'c', sent by both sides.
struct CopyDone {
  bool operator==(const CopyDone&) const = default;
};

// 'f'
struct CopyFail {
  std::string message;
  bool operator==(const CopyFail&) const = default;
};

// 'F' (legacy fast-path function call). A session may answer it with
// "not supported".
struct FunctionCall {
  Oid function = 0;
  std::vector<int16_t> arg_formats;
  std::vector<std::optional<std::string>> args;
  int16_t result_format = kTextFormat;
  bool operator==(const FunctionCall&) const = default;
};

// 'p' as it arrives: PasswordMessage, SASLInitialResponse, SASLResponse and
// GSSResponse share the type byte, and only the authentication exchange in
// progress tells them apart. The session parses `payload` with
// ParsePasswordMessage / ParseSASLInitialResponse / ParseSASLResponse
// (reader.h).
struct AuthenticationResponse {
  std::string payload;
  bool operator==(const AuthenticationResponse&) const = default;
};

// The three 'p' kinds, produced by the Parse* helpers and by clients.
struct PasswordMessage {
  std::string password;  // cleartext or "md5..." hash
  bool operator==(const PasswordMessage&) const = default;
};

struct SASLInitialResponse {
  std::string mechanism;            // e.g. "SCRAM-SHA-256"
  std::optional<std::string> data;  // nullopt: no initial response (-1 on the wire)
  bool operator==(const SASLInitialResponse&) const = default;
};

struct SASLResponse {
  std::string data;
  bool operator==(const SASLResponse&) const = default;
};

// Everything a client can send. Startup-phase packets (StartupMessage,
// SSLRequest, GSSENCRequest, CancelRequest) are untyped on the wire.
using FrontendMessage =
    std::variant<StartupMessage, SSLRequest, GSSENCRequest, CancelRequest, Query, Parse, Bind,
                 Describe, Execute, Close, Sync, Flush, Terminate, CopyData, CopyDone, CopyFail,
                 FunctionCall, AuthenticationResponse>;

// Backend (server -> client) messages.

// 'R' subtypes.
struct AuthenticationOk {
  bool operator==(const AuthenticationOk&) const = default;
};

struct AuthenticationCleartextPassword {
  bool operator==(const AuthenticationCleartextPassword&) const = default;
};

struct AuthenticationMD5Password {
  std::array<char, 4> salt{};
  bool operator==(const AuthenticationMD5Password&) const = default;
};

struct AuthenticationSASL {
  std::vector<std::string> mechanisms;  // in order of server preference
  bool operator==(const AuthenticationSASL&) const = default;
};

struct AuthenticationSASLContinue {
  std::string data;
  bool operator==(const AuthenticationSASLContinue&) const = default;
};

struct AuthenticationSASLFinal {
  std::string data;
  bool operator==(const AuthenticationSASLFinal&) const = default;
};

// 'S'
struct ParameterStatus {
  std::string name;
  std::string value;
  bool operator==(const ParameterStatus&) const = default;
};

// 'K'
struct BackendKeyData {
  int32_t process_id = 0;
  int32_t secret_key = 0;
  bool operator==(const BackendKeyData&) const = default;
};

// 'Z'
struct ReadyForQuery {
  TransactionStatus status = TransactionStatus::kIdle;
  bool operator==(const ReadyForQuery&) const = default;
};

// One column of a RowDescription.
struct FieldDescription {
  std::string name;
  Oid table_oid = 0;            // 0 if not a plain table column
  int16_t column_attr_num = 0;  // 0 if not a plain table column
  Oid type_oid = 0;
  int16_t type_size = 0;         // pg_type.typlen; negative: variable width
  int32_t type_modifier = -1;    // pg_attribute.atttypmod
  int16_t format = kTextFormat;  // 0 (unknown) in a Describe-statement reply
  bool operator==(const FieldDescription&) const = default;
};

// 'T'
struct RowDescription {
  std::vector<FieldDescription> fields;
  bool operator==(const RowDescription&) const = default;
};

// 'D'. See writer.h for encoding rows straight from column views.
struct DataRow {
  std::vector<std::optional<std::string>> columns;
  bool operator==(const DataRow&) const = default;
};

// 'C', e.g. "SELECT 5", "INSERT 0 1", "BEGIN".
struct CommandComplete {
  std::string tag;
  bool operator==(const CommandComplete&) const = default;
};

// 'I'
struct EmptyQueryResponse {
  bool operator==(const EmptyQueryResponse&) const = default;
};

// The fields of ErrorResponse and NoticeResponse. An empty string means the
// field is absent; the encoder omits it and the decoder leaves it empty. The
// wire field code is given after each member. Unknown field codes are ignored
// when decoding, as the protocol asks of clients.
struct ErrorFields {
  std::string severity;               // S (localized)
  std::string severity_nonlocalized;  // V
  std::string code;                   // C, the SQLSTATE
  std::string message;                // M
  std::string detail;                 // D
  std::string hint;                   // H
  std::string position;               // P, 1-based character index, decimal
  std::string internal_position;      // p
  std::string internal_query;         // q
  std::string where;                  // W
  std::string schema_name;            // s
  std::string table_name;             // t
  std::string column_name;            // c
  std::string data_type_name;         // d
  std::string constraint_name;        // n
  std::string file;                   // F
  std::string line;                   // L
  std::string routine;                // R
  bool operator==(const ErrorFields&) const = default;
};

// 'E'
struct ErrorResponse {
  ErrorFields fields;
  bool operator==(const ErrorResponse&) const = default;
};

// 'N'
struct NoticeResponse {
  ErrorFields fields;
  bool operator==(const NoticeResponse&) const = default;
};

// '1'
struct ParseComplete {
  bool operator==(const ParseComplete&) const = default;
};

// '2'
struct BindComplete {
  bool operator==(const BindComplete&) const = default;
};

// '3'
struct CloseComplete {
  bool operator==(const CloseComplete&) const = default;
};

// 'n'
struct NoData {
  bool operator==(const NoData&) const = default;
};

// 't'
struct ParameterDescription {
  std::vector<Oid> param_types;
  bool operator==(const ParameterDescription&) const = default;
};

// 's'
struct PortalSuspended {
  bool operator==(const PortalSuspended&) const = default;
};

// 'G', 'H' and 'W'. overall_format is 0 (text) or 1 (binary); column_formats
// has one entry per column (all 0 when overall_format is 0).
struct CopyInResponse {
  int8_t overall_format = kTextFormat;
  std::vector<int16_t> column_formats;
  bool operator==(const CopyInResponse&) const = default;
};

struct CopyOutResponse {
  int8_t overall_format = kTextFormat;
  std::vector<int16_t> column_formats;
  bool operator==(const CopyOutResponse&) const = default;
};

// Starts streaming replication (both directions carry CopyData).
struct CopyBothResponse {
  int8_t overall_format = kTextFormat;
  std::vector<int16_t> column_formats;
  bool operator==(const CopyBothResponse&) const = default;
};

// 'A', from LISTEN/NOTIFY.
struct NotificationResponse {
  int32_t process_id = 0;
  std::string channel;
  std::string payload;
  bool operator==(const NotificationResponse&) const = default;
};

// 'V', the result of a FunctionCall.
struct FunctionCallResponse {
  std::optional<std::string> result;
  bool operator==(const FunctionCallResponse&) const = default;
};

// 'v': the newest minor version the server supports for the requested major
// version, and the "_pq_." options it did not recognize.
struct NegotiateProtocolVersion {
  int32_t newest_minor_version = kLatestMinorVersion;
  std::vector<std::string> unrecognized_options;
  bool operator==(const NegotiateProtocolVersion&) const = default;
};

using BackendMessage =
    std::variant<AuthenticationOk, AuthenticationCleartextPassword, AuthenticationMD5Password,
                 AuthenticationSASL, AuthenticationSASLContinue, AuthenticationSASLFinal,
                 ParameterStatus, BackendKeyData, ReadyForQuery, RowDescription, DataRow,
                 CommandComplete, EmptyQueryResponse, ErrorResponse, NoticeResponse, ParseComplete,
                 BindComplete, CloseComplete, NoData, ParameterDescription, PortalSuspended,
                 CopyInResponse, CopyOutResponse, CopyBothResponse, CopyData, CopyDone,
                 NotificationResponse, FunctionCallResponse, NegotiateProtocolVersion>;

// Streaming replication messages, carried inside CopyData once the server
// has sent CopyBothResponse. LSNs are 64-bit WAL positions; times are
// microseconds since 2000-01-01 00:00:00 UTC (the PostgreSQL epoch).

// 'w', server -> client: a chunk of WAL (or, for logical replication, the
// output plugin's bytes for one change).
struct XLogData {
  uint64_t start_lsn = 0;
  uint64_t end_lsn = 0;  // current end of WAL on the server
  int64_t send_time = 0;
  std::string data;
  bool operator==(const XLogData&) const = default;
};

// 'k', server -> client.
struct PrimaryKeepalive {
  uint64_t end_lsn = 0;
  int64_t send_time = 0;
  bool reply_requested = false;
  bool operator==(const PrimaryKeepalive&) const = default;
};

// 'r', client -> server. For a logical slot, flushed_lsn is what the client
// has durably consumed and advances the slot's confirmed_flush LSN.
struct StandbyStatusUpdate {
  uint64_t written_lsn = 0;
  uint64_t flushed_lsn = 0;
  uint64_t applied_lsn = 0;
  int64_t send_time = 0;
  bool reply_requested = false;
  bool operator==(const StandbyStatusUpdate&) const = default;
};

// 'h', client -> server (physical replication only).
struct HotStandbyFeedback {
  int64_t send_time = 0;
  uint32_t xmin = 0;
  uint32_t xmin_epoch = 0;
  uint32_t catalog_xmin = 0;
  uint32_t catalog_xmin_epoch = 0;
  bool operator==(const HotStandbyFeedback&) const = default;
};

using ReplicationMessage =
    std::variant<XLogData, PrimaryKeepalive, StandbyStatusUpdate, HotStandbyFeedback>;

}  // namespace strata::protocol
