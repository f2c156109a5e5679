#include "protocol/writer.h"

#include <limits>
#include <type_traits>
#include <variant>

#include "common/macros.h"

namespace strata::protocol {
namespace {

// Overwrites the 4 bytes at `at` with `length`, big-endian.
void WriteLengthAt(size_t at, size_t length, std::string* out) {
  STRATA_DCHECK(length <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  const auto u = static_cast<uint32_t>(length);
  (*out)[at] = static_cast<char>(u >> 24);
  (*out)[at + 1] = static_cast<char>(u >> 16);
  (*out)[at + 2] = static_cast<char>(u >> 8);
  (*out)[at + 3] = static_cast<char>(u);
}

// A message length counts its own length word and everything after it.
void PatchLength(std::string* out, size_t at) { WriteLengthAt(at, out->size() - at, out); }

// Writes a message header on construction and its length on destruction.
class MessageScope {
 public:
  // A typed message.
  MessageScope(std::string* out, char type) : out_(out), length_at_(out->size() + 1) {
    out->push_back(type);
    out->append(4, '\0');
  }
  // An untyped startup-phase packet.
  explicit MessageScope(std::string* out) : out_(out), length_at_(out->size()) {
    out->append(4, '\0');
  }
  MessageScope(const MessageScope&) = delete;
  MessageScope& operator=(const MessageScope&) = delete;
  ~MessageScope() { PatchLength(out_, length_at_); }

 private:
  std::string* out_;
  size_t length_at_;
};

void AppendEmpty(char type, std::string* out) {
  const char b[5] = {type, 0, 0, 0, 4};
  out->append(b, 5);
}

void AppendCString(std::string_view s, std::string* out) {
  STRATA_DCHECK(s.find('\0') == std::string_view::npos);
  out->append(s);
  out->push_back('\0');
}

// Counts are unsigned 16-bit on the wire (PostgreSQL allows 65535 parameters).
void AppendCount(size_t n, std::string* out) {
  STRATA_DCHECK(n <= std::numeric_limits<uint16_t>::max());
  AppendInt16(out, static_cast<int16_t>(static_cast<uint16_t>(n)));
}

void AppendBytes(std::string_view b, std::string* out) {
  STRATA_DCHECK(b.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  AppendInt32(out, static_cast<int32_t>(b.size()));
  out->append(b);
}

void AppendValue(const std::optional<std::string>& v, std::string* out) {
  if (v) {
    AppendBytes(*v, out);
  } else {
    AppendInt32(out, -1);
  }
}

void AppendFormats(const std::vector<int16_t>& formats, std::string* out) {
  AppendCount(formats.size(), out);
  for (int16_t f : formats) AppendInt16(out, f);
}

void AppendValues(const std::vector<std::optional<std::string>>& values, std::string* out) {
  AppendCount(values.size(), out);
  for (const auto& v : values) AppendValue(v, out);
}

void AppendOids(const std::vector<Oid>& oids, std::string* out) {
  AppendCount(oids.size(), out);
  for (Oid oid : oids) AppendInt32(out, static_cast<int32_t>(oid));
}

void AppendAuthentication(int32_t code, std::string_view extra, std::string* out) {
  MessageScope scope(out, 'R');
  AppendInt32(out, code);
  out->append(extra);
}

void AppendCopyResponse(char type, int8_t overall_format, const std::vector<int16_t>& formats,
                        std::string* out) {
  MessageScope scope(out, type);
  AppendInt8(out, overall_format);
  AppendFormats(formats, out);
}

void AppendErrorFields(char type, const ErrorFields& f, std::string* out) {
  MessageScope scope(out, type);
  const auto field = [out](char code, const std::string& value) {
    if (value.empty()) return;
    out->push_back(code);
    AppendCString(value, out);
  };
  field('S', f.severity);
  field('V', f.severity_nonlocalized);
  field('C', f.code);
  field('M', f.message);
  field('D', f.detail);
  field('H', f.hint);
  field('P', f.position);
  field('p', f.internal_position);
  field('q', f.internal_query);
  field('W', f.where);
  field('s', f.schema_name);
  field('t', f.table_name);
  field('c', f.column_name);
  field('d', f.data_type_name);
  field('n', f.constraint_name);
  field('F', f.file);
  field('L', f.line);
  field('R', f.routine);
  out->push_back('\0');
}

}  // namespace

void Encode(const StartupMessage& m, std::string* out) {
  MessageScope scope(out);
  AppendInt32(out, m.protocol_version);
  for (const auto& [name, value] : m.parameters) {
    STRATA_DCHECK(!name.empty());
    AppendCString(name, out);
    AppendCString(value, out);
  }
  out->push_back('\0');
}

void Encode(const SSLRequest&, std::string* out) {
  AppendInt32(out, 8);
  AppendInt32(out, kSSLRequestCode);
}

void Encode(const GSSENCRequest&, std::string* out) {
  AppendInt32(out, 8);
  AppendInt32(out, kGSSENCRequestCode);
}

void Encode(const CancelRequest& m, std::string* out) {
  AppendInt32(out, 16);
  AppendInt32(out, kCancelRequestCode);
  AppendInt32(out, m.process_id);
  AppendInt32(out, m.secret_key);
}

void Encode(const Query& m, std::string* out) {
  MessageScope scope(out, 'Q');
  AppendCString(m.query, out);
}

void Encode(const Parse& m, std::string* out) {
  MessageScope scope(out, 'P');
  AppendCString(m.name, out);
  AppendCString(m.query, out);
  AppendOids(m.param_types, out);
}

void Encode(const Bind& m, std::string* out) {
  MessageScope scope(out, 'B');
  AppendCString(m.portal, out);
  AppendCString(m.statement, out);
  AppendFormats(m.param_formats, out);
  AppendValues(m.params, out);
  AppendFormats(m.result_formats, out);
}

void Encode(const Describe& m, std::string* out) {
  MessageScope scope(out, 'D');
  out->push_back(static_cast<char>(m.kind));
  AppendCString(m.name, out);
}

void Encode(const Execute& m, std::string* out) {
  MessageScope scope(out, 'E');
  AppendCString(m.portal, out);
  AppendInt32(out, m.max_rows);
}

void Encode(const Close& m, std::string* out) {
  MessageScope scope(out, 'C');
  out->push_back(static_cast<char>(m.kind));
  AppendCString(m.name, out);
}

void Encode(const Sync&, std::string* out) { AppendEmpty('S', out); }
void Encode(const Flush&, std::string* out) { AppendEmpty('H', out); }
void Encode(const Terminate&, std::string* out) { AppendEmpty('X', out); }
void Encode(const CopyData& m, std::string* out) { AppendCopyData(m.data, out); }
void Encode(const CopyDone&, std::string* out) { AppendEmpty('c', out); }

void Encode(const CopyFail& m, std::string* out) {
  MessageScope scope(out, 'f');
  AppendCString(m.message, out);
}

void Encode(const FunctionCall& m, std::string* out) {
  MessageScope scope(out, 'F');
  AppendInt32(out, static_cast<int32_t>(m.function));
  AppendFormats(m.arg_formats, out);
  AppendValues(m.args, out);
  AppendInt16(out, m.result_format);
}

void Encode(const AuthenticationResponse& m, std::string* out) {
  MessageScope scope(out, 'p');
  out->append(m.payload);
}

void Encode(const PasswordMessage& m, std::string* out) {
  MessageScope scope(out, 'p');
  AppendCString(m.password, out);
}

void Encode(const SASLInitialResponse& m, std::string* out) {
  MessageScope scope(out, 'p');
  AppendCString(m.mechanism, out);
  AppendValue(m.data, out);
}

void Encode(const SASLResponse& m, std::string* out) {
  MessageScope scope(out, 'p');
  out->append(m.data);
}

void Encode(const FrontendMessage& m, std::string* out) {
  std::visit([out](const auto& msg) { Encode(msg, out); }, m);
}

void Encode(const AuthenticationOk&, std::string* out) { AppendAuthentication(0, {}, out); }

void Encode(const AuthenticationCleartextPassword&, std::string* out) {
  AppendAuthentication(3, {}, out);
}

void Encode(const AuthenticationMD5Password& m, std::string* out) {
  AppendAuthentication(5, std::string_view(m.salt.data(), m.salt.size()), out);
}

void Encode(const AuthenticationSASL& m, std::string* out) {
  MessageScope scope(out, 'R');
  AppendInt32(out, 10);
  for (const std::string& mechanism : m.mechanisms) {
    STRATA_DCHECK(!mechanism.empty());
    AppendCString(mechanism, out);
  }
  out->push_back('\0');
}

void Encode(const AuthenticationSASLContinue& m, std::string* out) {
  AppendAuthentication(11, m.data, out);
}

void Encode(const AuthenticationSASLFinal& m, std::string* out) {
  AppendAuthentication(12, m.data, out);
}

void Encode(const ParameterStatus& m, std::string* out) {
  MessageScope scope(out, 'S');
  AppendCString(m.name, out);
  AppendCString(m.value, out);
}

void Encode(const BackendKeyData& m, std::string* out) {
  MessageScope scope(out, 'K');
  AppendInt32(out, m.process_id);
  AppendInt32(out, m.secret_key);
}

void Encode(const ReadyForQuery& m, std::string* out) {
  const char b[6] = {'Z', 0, 0, 0, 5, static_cast<char>(m.status)};
  out->append(b, 6);
}

void Encode(const RowDescription& m, std::string* out) {
  RowDescriptionWriter description(out, m.fields.size());
  for (const FieldDescription& f : m.fields) {
    description.AddField(f.name, f.table_oid, f.column_attr_num, f.type_oid, f.type_size,
                         f.type_modifier, f.format);
  }
  description.Finish();
}

void Encode(const DataRow& m, std::string* out) {
  MessageScope scope(out, 'D');
  AppendValues(m.columns, out);
}

void Encode(const CommandComplete& m, std::string* out) {
  MessageScope scope(out, 'C');
  AppendCString(m.tag, out);
}

void Encode(const EmptyQueryResponse&, std::string* out) { AppendEmpty('I', out); }
void Encode(const ErrorResponse& m, std::string* out) { AppendErrorFields('E', m.fields, out); }
void Encode(const NoticeResponse& m, std::string* out) { AppendErrorFields('N', m.fields, out); }
void Encode(const ParseComplete&, std::string* out) { AppendEmpty('1', out); }
void Encode(const BindComplete&, std::string* out) { AppendEmpty('2', out); }
void Encode(const CloseComplete&, std::string* out) { AppendEmpty('3', out); }
void Encode(const NoData&, std::string* out) { AppendEmpty('n', out); }

void Encode(const ParameterDescription& m, std::string* out) {
  MessageScope scope(out, 't');
  AppendOids(m.param_types, out);
}

void Encode(const PortalSuspended&, std::string* out) { AppendEmpty('s', out); }

void Encode(const CopyInResponse& m, std::string* out) {
  AppendCopyResponse('G', m.overall_format, m.column_formats, out);
}

void Encode(const CopyOutResponse& m, std::string* out) {
  AppendCopyResponse('H', m.overall_format, m.column_formats, out);
}

void Encode(const CopyBothResponse& m, std::string* out) {
  AppendCopyResponse('W', m.overall_format, m.column_formats, out);
}

void Encode(const NotificationResponse& m, std::string* out) {
  MessageScope scope(out, 'A');
  AppendInt32(out, m.process_id);
  AppendCString(m.channel, out);
  AppendCString(m.payload, out);
}

void Encode(const FunctionCallResponse& m, std::string* out) {
  MessageScope scope(out, 'V');
  AppendValue(m.result, out);
}

void Encode(const NegotiateProtocolVersion& m, std::string* out) {
  MessageScope scope(out, 'v');
  AppendInt32(out, m.newest_minor_version);
  STRATA_DCHECK(m.unrecognized_options.size() <=
                static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  AppendInt32(out, static_cast<int32_t>(m.unrecognized_options.size()));
  for (const std::string& option : m.unrecognized_options) AppendCString(option, out);
}

void Encode(const BackendMessage& m, std::string* out) {
  std::visit([out](const auto& msg) { Encode(msg, out); }, m);
}

void Encode(const XLogData& m, std::string* out) {
  AppendXLogData(m.start_lsn, m.end_lsn, m.send_time, m.data, out);
}

void Encode(const PrimaryKeepalive& m, std::string* out) {
  MessageScope scope(out, 'd');
  out->push_back('k');
  AppendInt64(out, static_cast<int64_t>(m.end_lsn));
  AppendInt64(out, m.send_time);
  out->push_back(m.reply_requested ? 1 : 0);
}

void Encode(const StandbyStatusUpdate& m, std::string* out) {
  MessageScope scope(out, 'd');
  out->push_back('r');
  AppendInt64(out, static_cast<int64_t>(m.written_lsn));
  AppendInt64(out, static_cast<int64_t>(m.flushed_lsn));
  AppendInt64(out, static_cast<int64_t>(m.applied_lsn));
  AppendInt64(out, m.send_time);
  out->push_back(m.reply_requested ? 1 : 0);
}

void Encode(const HotStandbyFeedback& m, std::string* out) {
  MessageScope scope(out, 'd');
  out->push_back('h');
  AppendInt64(out, m.send_time);
  AppendInt32(out, static_cast<int32_t>(m.xmin));
  AppendInt32(out, static_cast<int32_t>(m.xmin_epoch));
  AppendInt32(out, static_cast<int32_t>(m.catalog_xmin));
  AppendInt32(out, static_cast<int32_t>(m.catalog_xmin_epoch));
}

void Encode(const ReplicationMessage& m, std::string* out) {
  std::visit([out](const auto& msg) { Encode(msg, out); }, m);
}

void AppendDataRow(std::span<const std::optional<std::string_view>> columns, std::string* out) {
  size_t length = 4 + 2 + 4 * columns.size();
  for (const auto& c : columns) length += c ? c->size() : 0;
  out->reserve(out->size() + 1 + length);
  out->push_back('D');
  STRATA_DCHECK(length <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  AppendInt32(out, static_cast<int32_t>(length));
  AppendCount(columns.size(), out);
  for (const auto& c : columns) {
    if (c) {
      AppendInt32(out, static_cast<int32_t>(c->size()));
      out->append(*c);
    } else {
      AppendInt32(out, -1);
    }
  }
}

void AppendCopyData(std::string_view data, std::string* out) {
  STRATA_DCHECK(data.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()) - 4);
  out->reserve(out->size() + 5 + data.size());
  out->push_back('d');
  AppendInt32(out, static_cast<int32_t>(4 + data.size()));
  out->append(data);
}

void AppendXLogData(uint64_t start_lsn, uint64_t end_lsn, int64_t send_time, std::string_view data,
                    std::string* out) {
  constexpr size_t kHeader = 1 + 8 + 8 + 8;
  STRATA_DCHECK(data.size() <=
                static_cast<size_t>(std::numeric_limits<int32_t>::max()) - 4 - kHeader);
  out->reserve(out->size() + 5 + kHeader + data.size());
  out->push_back('d');
  AppendInt32(out, static_cast<int32_t>(4 + kHeader + data.size()));
  out->push_back('w');
  AppendInt64(out, static_cast<int64_t>(start_lsn));
  AppendInt64(out, static_cast<int64_t>(end_lsn));
  AppendInt64(out, send_time);
  out->append(data);
}

DataRowWriter::DataRowWriter(std::string* out, size_t column_count)
    : out_(out), start_(out->size() + 1), columns_left_(column_count) {
  out->push_back('D');
  out->append(4, '\0');
  AppendCount(column_count, out);
}

void DataRowWriter::AddColumn(std::string_view value) {
  STRATA_DCHECK(columns_left_ > 0 && column_start_ == 0);
  --columns_left_;
  AppendBytes(value, out_);
}

void DataRowWriter::AddNull() {
  STRATA_DCHECK(columns_left_ > 0 && column_start_ == 0);
  --columns_left_;
  AppendInt32(out_, -1);
}

std::string* DataRowWriter::BeginColumn() {
  STRATA_DCHECK(columns_left_ > 0 && column_start_ == 0);
  --columns_left_;
  column_start_ = out_->size();
  out_->append(4, '\0');
  return out_;
}

void DataRowWriter::EndColumn() {
  STRATA_DCHECK(column_start_ != 0);
  // Unlike a message length, a column length excludes its own length word.
  WriteLengthAt(column_start_, out_->size() - column_start_ - 4, out_);
  column_start_ = 0;
}

void DataRowWriter::Finish() {
  STRATA_DCHECK(columns_left_ == 0 && column_start_ == 0);
  PatchLength(out_, start_);
}

RowDescriptionWriter::RowDescriptionWriter(std::string* out, size_t field_count)
    : out_(out), start_(out->size() + 1), fields_left_(field_count) {
  out->push_back('T');
  out->append(4, '\0');
  AppendCount(field_count, out);
}

void RowDescriptionWriter::AddField(std::string_view name, Oid table_oid, int16_t column_attr_num,
                                    Oid type_oid, int16_t type_size, int32_t type_modifier,
                                    int16_t format) {
  STRATA_DCHECK(fields_left_ > 0);
  --fields_left_;
  AppendCString(name, out_);
  AppendInt32(out_, static_cast<int32_t>(table_oid));
  AppendInt16(out_, column_attr_num);
  AppendInt32(out_, static_cast<int32_t>(type_oid));
  AppendInt16(out_, type_size);
  AppendInt32(out_, type_modifier);
  AppendInt16(out_, format);
}

void RowDescriptionWriter::Finish() {
  STRATA_DCHECK(fields_left_ == 0);
  PatchLength(out_, start_);
}

}  // namespace strata::protocol
