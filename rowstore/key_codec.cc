#include "rowstore/key_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/macros.h"

namespace strata::rowstore {
namespace {

constexpr uint8_t kNumericNegative = 0x01;
constexpr uint8_t kNumericZero = 0x02;
constexpr uint8_t kNumericPositive = 0x03;
constexpr uint8_t kNumericNaN = 0x04;
constexpr uint8_t kDigitTerminator = 0x00;

constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xff';
constexpr char kStringTerminator = '\x01';

template <typename U>
void AppendBigEndian(U v, std::string* out) {
  for (int shift = static_cast<int>(sizeof(U) * 8) - 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

template <typename U>
bool ReadBigEndian(std::string_view* in, U* v) {
  if (in->size() < sizeof(U)) return false;
  U r = 0;
  for (size_t i = 0; i < sizeof(U); ++i) r = static_cast<U>((r << 8) | static_cast<uint8_t>((*in)[i]));
  in->remove_prefix(sizeof(U));
  *v = r;
  return true;
}

// Signed integers: flipping the sign bit makes two's complement order match
// unsigned big-endian byte order.
template <typename S>
void AppendSigned(S v, std::string* out) {
  using U = std::make_unsigned_t<S>;
  constexpr U kSignBit = U{1} << (sizeof(U) * 8 - 1);
  AppendBigEndian(static_cast<U>(static_cast<U>(v) ^ kSignBit), out);
}

template <typename S>
bool ReadSigned(std::string_view* in, S* v) {
  using U = std::make_unsigned_t<S>;
  constexpr U kSignBit = U{1} << (sizeof(U) * 8 - 1);
  U u;
  if (!ReadBigEndian(in, &u)) return false;
  *v = static_cast<S>(u ^ kSignBit);
  return true;
}

template <typename F, typename U>
void AppendFloat(F f, std::string* out) {
  constexpr U kSignBit = U{1} << (sizeof(U) * 8 - 1);
  U bits;
  if (std::isnan(f)) {
    bits = std::bit_cast<U>(std::numeric_limits<F>::quiet_NaN());
    bits &= ~kSignBit;
  } else {
    if (f == 0) f = 0;  // -0 -> +0
    bits = std::bit_cast<U>(f);
  }
  bits = (bits & kSignBit) ? static_cast<U>(~bits) : static_cast<U>(bits | kSignBit);
  AppendBigEndian(bits, out);
}

template <typename F, typename U>
bool ReadFloat(std::string_view* in, F* f) {
  constexpr U kSignBit = U{1} << (sizeof(U) * 8 - 1);
  U bits;
  if (!ReadBigEndian(in, &bits)) return false;
  bits = (bits & kSignBit) ? static_cast<U>(bits & ~kSignBit) : static_cast<U>(~bits);
  *f = std::bit_cast<F>(bits);
  return true;
}

void AppendString(std::string_view s, std::string* out) {
  for (char c : s) {
    out->push_back(c);
    if (c == kEscape) out->push_back(kEscapedZero);
  }
  out->push_back(kEscape);
  out->push_back(kStringTerminator);
}

bool ReadString(std::string_view* in, std::string* s) {
  s->clear();
  for (size_t i = 0; i < in->size(); ++i) {
    const char c = (*in)[i];
    if (c != kEscape) {
      s->push_back(c);
      continue;
    }
    if (i + 1 >= in->size()) return false;
    const char next = (*in)[i + 1];
    if (next == kStringTerminator) {
      in->remove_prefix(i + 2);
      return true;
    }
    if (next != kEscapedZero) return false;
    s->push_back('\0');
    ++i;
  }
  return false;
}

void AppendNumeric(const Numeric& n, std::string* out) {
  if (n.is_nan()) {
    out->push_back(static_cast<char>(kNumericNaN));
    return;
  }
  if (n.is_zero()) {
    out->push_back(static_cast<char>(kNumericZero));
    return;
  }
  const bool negative = n.is_negative();
  out->push_back(static_cast<char>(negative ? kNumericNegative : kNumericPositive));
  const int32_t exponent = negative ? ~n.exponent() : n.exponent();
  AppendSigned<int32_t>(exponent, out);
  std::string_view digits = n.digits();
  while (!digits.empty() && digits.back() == '0') digits.remove_suffix(1);
  for (char d : digits) {
    const uint8_t byte = static_cast<uint8_t>(d - '0' + 1);
    out->push_back(static_cast<char>(negative ? 0xff - byte : byte));
  }
  out->push_back(static_cast<char>(negative ? 0xff - kDigitTerminator : kDigitTerminator));
}

Status Corrupt(std::string_view what) {
  return Status::Corruption("malformed row key: " + std::string(what));
}

Result<Numeric> ReadNumeric(std::string_view* in) {
  if (in->empty()) return Corrupt("truncated numeric");
  const uint8_t cls = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (cls == kNumericNaN) return Numeric::NaN();
  if (cls == kNumericZero) return Numeric();
  if (cls != kNumericNegative && cls != kNumericPositive) return Corrupt("bad numeric class");
  const bool negative = cls == kNumericNegative;
  int32_t exponent;
  if (!ReadSigned(in, &exponent)) return Corrupt("truncated numeric exponent");
  if (negative) exponent = ~exponent;
  std::string digits;
  while (true) {
    if (in->empty()) return Corrupt("unterminated numeric digits");
    uint8_t byte = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    if (negative) byte = static_cast<uint8_t>(0xff - byte);
    if (byte == kDigitTerminator) break;
    if (byte > 10) return Corrupt("bad numeric digit");
    digits.push_back(static_cast<char>('0' + byte - 1));
  }
  if (digits.empty() || digits.front() == '0' || digits.back() == '0') {
    return Corrupt("non-canonical numeric digits");
  }
  const int64_t last_digit_exponent = static_cast<int64_t>(exponent) - (static_cast<int64_t>(digits.size()) - 1);
  if (last_digit_exponent > Numeric::kMaxIntegerDigits ||
      -last_digit_exponent > Numeric::kMaxScale) {
    return Corrupt("numeric exponent out of range");
  }
  int32_t scale = 0;
  if (last_digit_exponent >= 0) {
    digits.append(static_cast<size_t>(last_digit_exponent), '0');
  } else {
    scale = static_cast<int32_t>(-last_digit_exponent);
  }
  Result<Numeric> n = Numeric::FromParts(negative, digits, scale);
  if (!n.ok()) return Corrupt("numeric out of range");
  return n;
}

std::string_view StripTrailingSpaces(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsKeyType(TypeId type) {
  switch (type) {
    case TypeId::kInterval:
    case TypeId::kJson:
    case TypeId::kJsonb:
    case TypeId::kArray:
    case TypeId::kRecord:
    case TypeId::kInvalid:
      return false;
    default:
      return true;
  }
}

Status AppendKeyValue(const Value& value, std::string* out) {
  if (value.is_null()) {
    return Status(SqlState::kNotNullViolation, "a primary key column cannot be NULL");
  }
  switch (value.type()) {
    case TypeId::kBool:
      out->push_back(value.bool_value() ? 1 : 0);
      return Status::OK();
    case TypeId::kInt2:
      AppendSigned(static_cast<int16_t>(value.int_value()), out);
      return Status::OK();
    case TypeId::kInt4:
      AppendSigned(static_cast<int32_t>(value.int_value()), out);
      return Status::OK();
    case TypeId::kInt8:
      AppendSigned(value.int_value(), out);
      return Status::OK();
    case TypeId::kFloat4:
      AppendFloat<float, uint32_t>(static_cast<float>(value.float_value()), out);
      return Status::OK();
    case TypeId::kFloat8:
      AppendFloat<double, uint64_t>(value.float_value(), out);
      return Status::OK();
    case TypeId::kNumeric:
      AppendNumeric(value.numeric_value(), out);
      return Status::OK();
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBytea:
      AppendString(value.string_value(), out);
      return Status::OK();
    case TypeId::kBpchar:
      AppendString(StripTrailingSpaces(value.string_value()), out);
      return Status::OK();
    case TypeId::kDate:
      AppendSigned(value.date_value(), out);
      return Status::OK();
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      AppendSigned(value.timestamp_value(), out);
      return Status::OK();
    case TypeId::kUuid:
      out->append(reinterpret_cast<const char*>(value.uuid_value().data()), 16);
      return Status::OK();
    case TypeId::kInterval:
    case TypeId::kJson:
    case TypeId::kJsonb:
    case TypeId::kArray:
    case TypeId::kRecord:
    case TypeId::kInvalid:
      break;
  }
  return Status::NotSupported("type " + value.data_type().ToString() +
                              " cannot be part of a primary key");
}

Result<std::string> EncodeKey(std::span<const Value> values) {
  std::string out;
  for (const Value& v : values) STRATA_RETURN_IF_ERROR(AppendKeyValue(v, &out));
  return out;
}

Result<Value> DecodeKeyValue(const DataType& type, std::string_view* input) {
  switch (type.id) {
    case TypeId::kBool: {
      if (input->empty()) return Corrupt("truncated bool");
      const char b = (*input)[0];
      if (b != 0 && b != 1) return Corrupt("bad bool");
      input->remove_prefix(1);
      return Value::Bool(b == 1);
    }
    case TypeId::kInt2: {
      int16_t v;
      if (!ReadSigned(input, &v)) return Corrupt("truncated int2");
      return Value::Int2(v);
    }
    case TypeId::kInt4: {
      int32_t v;
      if (!ReadSigned(input, &v)) return Corrupt("truncated int4");
      return Value::Int4(v);
    }
    case TypeId::kInt8: {
      int64_t v;
      if (!ReadSigned(input, &v)) return Corrupt("truncated int8");
      return Value::Int8(v);
    }
    case TypeId::kFloat4: {
      float f;
      if (!ReadFloat<float, uint32_t>(input, &f)) return Corrupt("truncated float4");
      return Value::Float4(f);
    }
    case TypeId::kFloat8: {
      double d;
      if (!ReadFloat<double, uint64_t>(input, &d)) return Corrupt("truncated float8");
      return Value::Float8(d);
    }
    case TypeId::kNumeric: {
      STRATA_ASSIGN_OR_RETURN(Numeric n, ReadNumeric(input));
      return Value::FromNumeric(std::move(n));
    }
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kBytea: {
      std::string s;
      if (!ReadString(input, &s)) return Corrupt("bad string encoding");
      return Value::String(type.id, std::move(s));
    }
    case TypeId::kDate: {
      int32_t v;
      if (!ReadSigned(input, &v)) return Corrupt("truncated date");
      return Value::Date(v);
    }
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      int64_t v;
      if (!ReadSigned(input, &v)) return Corrupt("truncated time/timestamp");
      if (type.id == TypeId::kTime) return Value::Time(v);
      return type.id == TypeId::kTimestamp ? Value::Timestamp(v) : Value::TimestampTz(v);
    }
    case TypeId::kUuid: {
      if (input->size() < 16) return Corrupt("truncated uuid");
      Uuid u;
      std::memcpy(u.data(), input->data(), 16);
      input->remove_prefix(16);
      return Value::FromUuid(u);
    }
    case TypeId::kInterval:
    case TypeId::kJson:
    case TypeId::kJsonb:
    case TypeId::kArray:
    case TypeId::kRecord:
    case TypeId::kInvalid:
      break;
  }
  return Status::NotSupported("type " + type.ToString() + " cannot be part of a primary key");
}

Result<std::vector<Value>> DecodeKey(std::string_view key, std::span<const DataType> types) {
  std::vector<Value> values;
  values.reserve(types.size());
  for (const DataType& type : types) {
    STRATA_ASSIGN_OR_RETURN(Value v, DecodeKeyValue(type, &key));
    values.push_back(std::move(v));
  }
  if (!key.empty()) return Corrupt("trailing bytes after the last key column");
  return values;
}

std::string TablePrefix(uint32_t table_id) {
  std::string out;
  AppendBigEndian(table_id, &out);
  return out;
}

std::string ShardPrefix(uint32_t table_id, uint16_t shard_id) {
  std::string out;
  AppendBigEndian(table_id, &out);
  AppendBigEndian(shard_id, &out);
  return out;
}

Result<std::string> EncodeRowKey(uint32_t table_id, uint16_t shard_id,
                                 std::span<const Value> primary_key) {
  std::string out = ShardPrefix(table_id, shard_id);
  for (const Value& v : primary_key) STRATA_RETURN_IF_ERROR(AppendKeyValue(v, &out));
  return out;
}

Result<RowKey> DecodeRowKey(std::string_view key, std::span<const DataType> pk_types) {
  RowKey row_key;
  if (!ReadBigEndian(&key, &row_key.table_id) || !ReadBigEndian(&key, &row_key.shard_id)) {
    return Corrupt("shorter than the table and shard prefix");
  }
  STRATA_ASSIGN_OR_RETURN(row_key.primary_key, DecodeKey(key, pk_types));
  return row_key;
}

std::string PrefixUpperBound(std::string_view prefix) {
  std::string bound(prefix);
  while (!bound.empty()) {
    const uint8_t last = static_cast<uint8_t>(bound.back());
    if (last != 0xff) {
      bound.back() = static_cast<char>(last + 1);
      return bound;
    }
    bound.pop_back();
  }
  return bound;
}

}  // namespace strata::rowstore
