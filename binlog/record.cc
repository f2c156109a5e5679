#include "binlog/record.h"

#include <cstring>
#include <limits>
#include <utility>

#include "common/coding.h"
#include "common/macros.h"
#include "common/numeric.h"

namespace strata::binlog {

namespace {

// Field tags: 0x00 is a NULL of unknown type; a TypeId alone is a non-null
// value of that type; a TypeId | kNullFlag is a NULL of that type.
constexpr uint8_t kUntypedNull = 0x00;
constexpr uint8_t kNullFlag = 0x80;
// Array element markers.
constexpr uint8_t kElementNull = 0x00;
constexpr uint8_t kElementPresent = 0x01;
// Numeric flags.
constexpr uint8_t kNumericPositive = 0;
constexpr uint8_t kNumericNegative = 1;
constexpr uint8_t kNumericNaN = 2;

// ---- encoding primitives ----

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetBigEndian(std::string_view in, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[pos + i]);
  return v;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

void PutSigned(std::string* out, int64_t v) { PutVarint(ZigZag(v), out); }

void PutLittleEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A bounds-checked reader; every Get* fails with Corruption instead of
// reading past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool empty() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

  Result<uint8_t> GetByte() {
    if (remaining() < 1) return Truncated();
    return static_cast<uint8_t>(in_[pos_++]);
  }

  Result<uint64_t> GetVarint() {
    std::string_view rest = in_.substr(pos_);
    uint64_t v = 0;
    if (!::strata::GetVarint(&rest, &v)) {
      return Status::Corruption("binlog value: truncated, overlong or overflowing varint");
    }
    pos_ = in_.size() - rest.size();
    return v;
  }

  Result<int64_t> GetSigned() {
    STRATA_ASSIGN_OR_RETURN(uint64_t v, GetVarint());
    return UnZigZag(v);
  }

  Result<int64_t> GetSignedInRange(int64_t lo, int64_t hi) {
    STRATA_ASSIGN_OR_RETURN(int64_t v, GetSigned());
    if (v < lo || v > hi) return Status::Corruption("binlog value: integer out of range");
    return v;
  }

  Result<uint64_t> GetLittleEndian(int bytes) {
    if (remaining() < static_cast<size_t>(bytes)) return Truncated();
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    }
    pos_ += static_cast<size_t>(bytes);
    return v;
  }

  Result<std::string_view> GetBytes(size_t n) {
    if (remaining() < n) return Truncated();
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }

  Result<std::string_view> GetLengthPrefixed() {
    STRATA_ASSIGN_OR_RETURN(uint64_t n, GetVarint());
    if (n > remaining()) return Truncated();
    return GetBytes(static_cast<size_t>(n));
  }

 private:
  static Status Truncated() { return Status::Corruption("binlog value: truncated"); }

  std::string_view in_;
  size_t pos_ = 0;
};

// ---- payloads ----

void PutPayload(const Value& v, std::string* out);

void PutNumeric(const Numeric& n, std::string* out) {
  if (n.is_nan()) {
    out->push_back(static_cast<char>(kNumericNaN));
    return;
  }
  out->push_back(static_cast<char>(n.is_negative() ? kNumericNegative : kNumericPositive));
  PutVarint(static_cast<uint64_t>(n.scale()), out);
  const std::string& digits = n.digits();
  PutVarint(digits.size(), out);
  for (size_t i = 0; i < digits.size(); i += 2) {
    const int hi = digits[i] - '0';
    const int lo = i + 1 < digits.size() ? digits[i + 1] - '0' : 0;
    out->push_back(static_cast<char>((hi << 4) | lo));
  }
}

void PutPayload(const Value& v, std::string* out) {
  switch (v.type()) {
    case TypeId::kBool:
      out->push_back(v.bool_value() ? 1 : 0);
      return;
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
      PutSigned(out, v.int_value());
      return;
    case TypeId::kFloat4: {
      const float f = static_cast<float>(v.float_value());
      uint32_t bits;
      std::memcpy(&bits, &f, sizeof(bits));
      PutLittleEndian(out, bits, 4);
      return;
    }
    case TypeId::kFloat8: {
      const double d = v.float_value();
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof(bits));
      PutLittleEndian(out, bits, 8);
      return;
    }
    case TypeId::kNumeric:
      PutNumeric(v.numeric_value(), out);
      return;
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kBytea:
    case TypeId::kJson:
    case TypeId::kJsonb:
      PutVarint(v.string_value().size(), out);
      out->append(v.string_value());
      return;
    case TypeId::kDate:
      PutSigned(out, v.date_value());
      return;
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      PutSigned(out, v.timestamp_value());
      return;
    case TypeId::kInterval: {
      const Interval& iv = v.interval_value();
      PutSigned(out, iv.months);
      PutSigned(out, iv.days);
      PutSigned(out, iv.micros);
      return;
    }
    case TypeId::kUuid:
      out->append(reinterpret_cast<const char*>(v.uuid_value().data()), v.uuid_value().size());
      return;
    case TypeId::kArray: {
      out->push_back(static_cast<char>(v.array_element_type()));
      const std::vector<Value>& elements = v.array_elements();
      PutVarint(elements.size(), out);
      for (const Value& e : elements) {
        if (e.is_null()) {
          out->push_back(static_cast<char>(kElementNull));
        } else {
          out->push_back(static_cast<char>(kElementPresent));
          PutPayload(e, out);
        }
      }
      return;
    }
    case TypeId::kRecord:  // never a column type
    case TypeId::kInvalid:
      break;
  }
  STRATA_CHECK(false && "binlog: non-null value of invalid type");
}

Result<Numeric> GetNumeric(Reader* r) {
  STRATA_ASSIGN_OR_RETURN(uint8_t flags, r->GetByte());
  if (flags == kNumericNaN) return Numeric::NaN();
  if (flags != kNumericPositive && flags != kNumericNegative) {
    return Status::Corruption("binlog value: bad numeric flags");
  }
  STRATA_ASSIGN_OR_RETURN(uint64_t scale, r->GetVarint());
  if (scale > static_cast<uint64_t>(Numeric::kMaxScale)) {
    return Status::Corruption("binlog value: numeric scale out of range");
  }
  STRATA_ASSIGN_OR_RETURN(uint64_t count, r->GetVarint());
  if (count > static_cast<uint64_t>(Numeric::kMaxIntegerDigits + Numeric::kMaxScale)) {
    return Status::Corruption("binlog value: numeric has too many digits");
  }
  STRATA_ASSIGN_OR_RETURN(std::string_view packed, r->GetBytes((count + 1) / 2));
  std::string digits;
  digits.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t byte = static_cast<uint8_t>(packed[i / 2]);
    const int d = i % 2 == 0 ? byte >> 4 : byte & 0x0f;
    if (d > 9) return Status::Corruption("binlog value: bad numeric digit");
    digits.push_back(static_cast<char>('0' + d));
  }
  if (count % 2 == 1 && (static_cast<uint8_t>(packed.back()) & 0x0f) != 0) {
    return Status::Corruption("binlog value: bad numeric padding");
  }
  Result<Numeric> n =
      Numeric::FromParts(flags == kNumericNegative, digits, static_cast<int32_t>(scale));
  if (!n.ok()) return Status::Corruption("binlog value: bad numeric: " + n.status().ToString());
  return n;
}

bool IsScalarType(uint8_t t) {
  return t != static_cast<uint8_t>(TypeId::kInvalid) && t != static_cast<uint8_t>(TypeId::kArray) &&
         t <= kMaxTypeId;
}

Result<Value> GetPayload(TypeId type, Reader* r) {
  switch (type) {
    case TypeId::kBool: {
      STRATA_ASSIGN_OR_RETURN(uint8_t b, r->GetByte());
      if (b > 1) return Status::Corruption("binlog value: bad bool");
      return Value::Bool(b == 1);
    }
    case TypeId::kInt2: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, r->GetSignedInRange(INT16_MIN, INT16_MAX));
      return Value::Int2(static_cast<int16_t>(v));
    }
    case TypeId::kInt4: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, r->GetSignedInRange(INT32_MIN, INT32_MAX));
      return Value::Int4(static_cast<int32_t>(v));
    }
    case TypeId::kInt8: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, r->GetSigned());
      return Value::Int8(v);
    }
    case TypeId::kFloat4: {
      STRATA_ASSIGN_OR_RETURN(uint64_t bits, r->GetLittleEndian(4));
      const uint32_t bits32 = static_cast<uint32_t>(bits);
      float f;
      std::memcpy(&f, &bits32, sizeof(f));
      return Value::Float4(f);
    }
    case TypeId::kFloat8: {
      STRATA_ASSIGN_OR_RETURN(uint64_t bits, r->GetLittleEndian(8));
      double d;
      std::memcpy(&d, &bits, sizeof(d));
      return Value::Float8(d);
    }
    case TypeId::kNumeric: {
      STRATA_ASSIGN_OR_RETURN(Numeric n, GetNumeric(r));
      return Value::FromNumeric(std::move(n));
    }
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kBytea:
    case TypeId::kJson:
    case TypeId::kJsonb: {
      STRATA_ASSIGN_OR_RETURN(std::string_view bytes, r->GetLengthPrefixed());
      return Value::String(type, std::string(bytes));
    }
    case TypeId::kDate: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, r->GetSignedInRange(INT32_MIN, INT32_MAX));
      return Value::Date(static_cast<int32_t>(v));
    }
    case TypeId::kTime: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, r->GetSigned());
      return Value::Time(v);
    }
    case TypeId::kTimestamp: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, r->GetSigned());
      return Value::Timestamp(v);
    }
    case TypeId::kTimestampTz: {
      STRATA_ASSIGN_OR_RETURN(int64_t v, r->GetSigned());
      return Value::TimestampTz(v);
    }
    case TypeId::kInterval: {
      Interval iv;
      STRATA_ASSIGN_OR_RETURN(int64_t months, r->GetSignedInRange(INT32_MIN, INT32_MAX));
      STRATA_ASSIGN_OR_RETURN(int64_t days, r->GetSignedInRange(INT32_MIN, INT32_MAX));
      STRATA_ASSIGN_OR_RETURN(iv.micros, r->GetSigned());
      iv.months = static_cast<int32_t>(months);
      iv.days = static_cast<int32_t>(days);
      return Value::FromInterval(iv);
    }
    case TypeId::kUuid: {
      STRATA_ASSIGN_OR_RETURN(std::string_view bytes, r->GetBytes(16));
      Uuid u;
      std::memcpy(u.data(), bytes.data(), u.size());
      return Value::FromUuid(u);
    }
    case TypeId::kArray: {
      STRATA_ASSIGN_OR_RETURN(uint8_t element_tag, r->GetByte());
      if (!IsScalarType(element_tag)) {
        return Status::Corruption("binlog value: bad array element type");
      }
      const TypeId element = static_cast<TypeId>(element_tag);
      STRATA_ASSIGN_OR_RETURN(uint64_t count, r->GetVarint());
      // Every element takes at least one byte.
      if (count > r->remaining()) return Status::Corruption("binlog value: truncated");
      std::vector<Value> elements;
      elements.reserve(static_cast<size_t>(count));
      for (uint64_t i = 0; i < count; ++i) {
        STRATA_ASSIGN_OR_RETURN(uint8_t marker, r->GetByte());
        if (marker == kElementNull) {
          elements.push_back(Value::Null(element));
        } else if (marker == kElementPresent) {
          STRATA_ASSIGN_OR_RETURN(Value e, GetPayload(element, r));
          elements.push_back(std::move(e));
        } else {
          return Status::Corruption("binlog value: bad array element marker");
        }
      }
      return Value::Array(element, std::move(elements));
    }
    case TypeId::kRecord:
    case TypeId::kInvalid:
      break;
  }
  return Status::Corruption("binlog value: bad type tag");
}

Result<Value> GetField(Reader* r) {
  STRATA_ASSIGN_OR_RETURN(uint8_t tag, r->GetByte());
  if (tag == kUntypedNull) return Value();
  const bool is_null = (tag & kNullFlag) != 0;
  const uint8_t type_tag = tag & static_cast<uint8_t>(~kNullFlag);
  if (type_tag == static_cast<uint8_t>(TypeId::kInvalid) || type_tag > kMaxTypeId) {
    return Status::Corruption("binlog value: bad type tag " + std::to_string(tag));
  }
  const TypeId type = static_cast<TypeId>(type_tag);
  if (is_null) return Value::Null(type);
  return GetPayload(type, r);
}

}  // namespace

bool IsValidBinlogEventType(uint8_t value) {
  switch (static_cast<BinlogEventType>(value)) {
    case BinlogEventType::kDelete:
    case BinlogEventType::kUpdateBefore:
    case BinlogEventType::kInsert:
    case BinlogEventType::kUpdateAfter:
    case BinlogEventType::kHeartbeat:
      return true;
  }
  return false;
}

std::string_view BinlogEventTypeName(BinlogEventType type) {
  switch (type) {
    case BinlogEventType::kDelete:
      return "DELETE";
    case BinlogEventType::kUpdateBefore:
      return "UPDATE_BEFORE";
    case BinlogEventType::kInsert:
      return "INSERT";
    case BinlogEventType::kUpdateAfter:
      return "UPDATE_AFTER";
    case BinlogEventType::kHeartbeat:
      return "HEARTBEAT";
  }
  return "UNKNOWN";
}

// ---- keys ----

std::string EncodeBinlogKey(uint32_t table_id, uint16_t shard, uint64_t lsn,
                            uint32_t seq_in_commit) {
  std::string key;
  key.reserve(kBinlogKeySize);
  PutBigEndian(&key, table_id, 4);
  PutBigEndian(&key, shard, 2);
  PutBigEndian(&key, lsn, 8);
  PutBigEndian(&key, seq_in_commit, 4);
  return key;
}

std::string EncodeBinlogKey(const BinlogKey& key) {
  return EncodeBinlogKey(key.table_id, key.shard, key.lsn, key.seq_in_commit);
}

std::string EncodeBinlogKey(const BinlogRecord& record) {
  return EncodeBinlogKey(record.table_id, record.shard, record.lsn, record.seq_in_commit);
}

Result<BinlogKey> DecodeBinlogKey(std::string_view key) {
  if (key.size() != kBinlogKeySize) {
    return Status::Corruption("binlog key: expected " + std::to_string(kBinlogKeySize) +
                              " bytes, got " + std::to_string(key.size()));
  }
  BinlogKey k;
  k.table_id = static_cast<uint32_t>(GetBigEndian(key, 0, 4));
  k.shard = static_cast<uint16_t>(GetBigEndian(key, 4, 2));
  k.lsn = GetBigEndian(key, 6, 8);
  k.seq_in_commit = static_cast<uint32_t>(GetBigEndian(key, 14, 4));
  return k;
}

std::string BinlogKeyPrefix(uint32_t table_id, uint16_t shard) {
  std::string prefix;
  prefix.reserve(kBinlogKeyPrefixSize);
  PutBigEndian(&prefix, table_id, 4);
  PutBigEndian(&prefix, shard, 2);
  return prefix;
}

std::optional<std::string> BinlogKeyPrefixUpperBound(uint32_t table_id, uint16_t shard) {
  if (shard < std::numeric_limits<uint16_t>::max()) {
    return BinlogKeyPrefix(table_id, static_cast<uint16_t>(shard + 1));
  }
  if (table_id < std::numeric_limits<uint32_t>::max()) return BinlogKeyPrefix(table_id + 1, 0);
  return std::nullopt;
}

std::string BinlogSeekKeyAfterLsn(uint32_t table_id, uint16_t shard, uint64_t lsn) {
  std::string key = EncodeBinlogKey(table_id, shard, lsn, std::numeric_limits<uint32_t>::max());
  key.push_back('\0');
  return key;
}

std::string BinlogSeekKeyAtLsn(uint32_t table_id, uint16_t shard, uint64_t lsn) {
  return EncodeBinlogKey(table_id, shard, lsn, 0);
}

// ---- values ----

void EncodeBinlogValue(const BinlogRecord& record, std::string* out) {
  AppendBinlogValueHeader(record.type, record.timestamp_us, out);
  EncodeBinlogRowFields(record.row, out);
}

void AppendBinlogValueHeader(BinlogEventType type, int64_t timestamp_us, std::string* out) {
  out->push_back(static_cast<char>(kBinlogValueVersion));
  out->push_back(static_cast<char>(type));
  PutSigned(out, timestamp_us);
}

void EncodeBinlogRowFields(const std::vector<Value>& row, std::string* out) {
  PutVarint(row.size(), out);
  for (const Value& v : row) {
    if (v.is_null()) {
      out->push_back(v.type() == TypeId::kInvalid
                         ? static_cast<char>(kUntypedNull)
                         : static_cast<char>(static_cast<uint8_t>(v.type()) | kNullFlag));
      continue;
    }
    out->push_back(static_cast<char>(v.type()));
    PutPayload(v, out);
  }
}

std::string EncodeBinlogValue(const BinlogRecord& record) {
  std::string out;
  EncodeBinlogValue(record, &out);
  return out;
}

Result<BinlogValue> DecodeBinlogValue(std::string_view value) {
  Reader r(value);
  STRATA_ASSIGN_OR_RETURN(uint8_t version, r.GetByte());
  if (version != kBinlogValueVersion) {
    return Status::Corruption("binlog value: unknown format version " + std::to_string(version));
  }
  STRATA_ASSIGN_OR_RETURN(uint8_t type, r.GetByte());
  if (!IsValidBinlogEventType(type)) {
    return Status::Corruption("binlog value: unknown event type " + std::to_string(type));
  }
  BinlogValue out;
  out.type = static_cast<BinlogEventType>(type);
  STRATA_ASSIGN_OR_RETURN(out.timestamp_us, r.GetSigned());
  STRATA_ASSIGN_OR_RETURN(uint64_t columns, r.GetVarint());
  // Every field takes at least one byte.
  if (columns > r.remaining()) return Status::Corruption("binlog value: truncated");
  out.row.reserve(static_cast<size_t>(columns));
  for (uint64_t i = 0; i < columns; ++i) {
    STRATA_ASSIGN_OR_RETURN(Value v, GetField(&r));
    out.row.push_back(std::move(v));
  }
  if (!r.empty()) return Status::Corruption("binlog value: trailing bytes");
  return out;
}

Result<std::pair<BinlogEventType, int64_t>> DecodeBinlogValueHeader(std::string_view value) {
  Reader r(value);
  STRATA_ASSIGN_OR_RETURN(uint8_t version, r.GetByte());
  if (version != kBinlogValueVersion) {
    return Status::Corruption("binlog value: unknown format version " + std::to_string(version));
  }
  STRATA_ASSIGN_OR_RETURN(uint8_t type, r.GetByte());
  if (!IsValidBinlogEventType(type)) {
    return Status::Corruption("binlog value: unknown event type " + std::to_string(type));
  }
  STRATA_ASSIGN_OR_RETURN(int64_t ts, r.GetSigned());
  return std::make_pair(static_cast<BinlogEventType>(type), ts);
}

Result<BinlogRecord> DecodeBinlogRecord(std::string_view key, std::string_view value) {
  STRATA_ASSIGN_OR_RETURN(BinlogKey k, DecodeBinlogKey(key));
  STRATA_ASSIGN_OR_RETURN(BinlogValue v, DecodeBinlogValue(value));
  BinlogRecord record;
  record.lsn = k.lsn;
  record.type = v.type;
  record.timestamp_us = v.timestamp_us;
  record.table_id = k.table_id;
  record.shard = k.shard;
  record.seq_in_commit = k.seq_in_commit;
  record.row = std::move(v.row);
  return record;
}

}  // namespace strata::binlog
