#include "common/value_binary.h"

#include <bit>
#include <cstring>

#include "common/datetime.h"
#include "common/value_text.h"

namespace strata {
namespace {

template <typename T>
void PutBigEndian(T v, std::string* out) {
  using U = std::make_unsigned_t<T>;
  const U u = static_cast<U>(v);
  for (int shift = static_cast<int>(sizeof(T) * 8) - 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((u >> shift) & 0xFF));
  }
}

void EncodeNumeric(const Numeric& n, std::string* out) {
  if (n.is_nan()) {
    PutBigEndian<int16_t>(0, out);
    PutBigEndian<int16_t>(0, out);
    PutBigEndian<uint16_t>(0xC000, out);
    PutBigEndian<int16_t>(0, out);
    return;
  }
  const int32_t scale = n.scale();
  if (n.is_zero()) {
    PutBigEndian<int16_t>(0, out);
    PutBigEndian<int16_t>(0, out);
    PutBigEndian<uint16_t>(0, out);
    PutBigEndian<int16_t>(static_cast<int16_t>(scale), out);
    return;
  }
  // Decimal digits with the point after `int_len` of them, padded to whole
  // base-10000 groups on both sides of the point.
  std::string dec = n.digits();
  int64_t int_len = static_cast<int64_t>(dec.size()) - scale;
  if (int_len < 0) {
    dec.insert(0, static_cast<size_t>(-int_len), '0');
    int_len = 0;
  }
  const int64_t int_pad = (4 - int_len % 4) % 4;
  dec.insert(0, static_cast<size_t>(int_pad), '0');
  int_len += int_pad;
  const int64_t frac_len = static_cast<int64_t>(dec.size()) - int_len;
  dec.append(static_cast<size_t>((4 - frac_len % 4) % 4), '0');
  std::vector<int16_t> groups;
  for (size_t i = 0; i < dec.size(); i += 4) {
    groups.push_back(static_cast<int16_t>((dec[i] - '0') * 1000 + (dec[i + 1] - '0') * 100 +
                                          (dec[i + 2] - '0') * 10 + (dec[i + 3] - '0')));
  }
  int64_t weight = int_len / 4 - 1;
  size_t first = 0;
  while (first < groups.size() && groups[first] == 0) {
    ++first;
    --weight;
  }
  size_t last = groups.size();
  while (last > first && groups[last - 1] == 0) --last;
  PutBigEndian<int16_t>(static_cast<int16_t>(last - first), out);
  PutBigEndian<int16_t>(static_cast<int16_t>(weight), out);
  PutBigEndian<uint16_t>(n.is_negative() ? 0x4000 : 0, out);
  PutBigEndian<int16_t>(static_cast<int16_t>(scale), out);
  for (size_t i = first; i < last; ++i) PutBigEndian<int16_t>(groups[i], out);
}

void EncodeInto(const Value& value, std::string* out) {
  switch (value.type()) {
    case TypeId::kBool:
      out->push_back(value.bool_value() ? 1 : 0);
      return;
    case TypeId::kInt2:
      PutBigEndian<int16_t>(static_cast<int16_t>(value.int_value()), out);
      return;
    case TypeId::kInt4:
      PutBigEndian<int32_t>(static_cast<int32_t>(value.int_value()), out);
      return;
    case TypeId::kInt8:
      PutBigEndian<int64_t>(value.int_value(), out);
      return;
    case TypeId::kFloat4:
      PutBigEndian<uint32_t>(std::bit_cast<uint32_t>(static_cast<float>(value.float_value())), out);
      return;
    case TypeId::kFloat8:
      PutBigEndian<uint64_t>(std::bit_cast<uint64_t>(value.float_value()), out);
      return;
    case TypeId::kNumeric:
      EncodeNumeric(value.numeric_value(), out);
      return;
    case TypeId::kJsonb:
      out->push_back(1);
      out->append(value.string_value());
      return;
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kBytea:
    case TypeId::kJson:
      out->append(value.string_value());
      return;
    case TypeId::kDate:
      PutBigEndian<int32_t>(value.date_value(), out);
      return;
    case TypeId::kTime:
      PutBigEndian<int64_t>(value.time_value(), out);
      return;
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      PutBigEndian<int64_t>(value.timestamp_value(), out);
      return;
    case TypeId::kInterval:
      PutBigEndian<int64_t>(value.interval_value().micros, out);
      PutBigEndian<int32_t>(value.interval_value().days, out);
      PutBigEndian<int32_t>(value.interval_value().months, out);
      return;
    case TypeId::kUuid:
      out->append(reinterpret_cast<const char*>(value.uuid_value().data()), 16);
      return;
    case TypeId::kArray: {
      const std::vector<Value>& elements = value.array_elements();
      bool has_null = false;
      for (const Value& e : elements) has_null |= e.is_null();
      PutBigEndian<int32_t>(elements.empty() ? 0 : 1, out);
      PutBigEndian<int32_t>(has_null ? 1 : 0, out);
      PutBigEndian<uint32_t>(GetTypeInfo(value.array_element_type()).oid, out);
      if (!elements.empty()) {
        PutBigEndian<int32_t>(static_cast<int32_t>(elements.size()), out);
        PutBigEndian<int32_t>(1, out);
      }
      for (const Value& e : elements) {
        if (e.is_null()) {
          PutBigEndian<int32_t>(-1, out);
          continue;
        }
        const size_t length_at = out->size();
        PutBigEndian<int32_t>(0, out);
        EncodeInto(e, out);
        const uint32_t len = static_cast<uint32_t>(out->size() - length_at - 4);
        for (int i = 0; i < 4; ++i) {
          (*out)[length_at + static_cast<size_t>(i)] = static_cast<char>(len >> (24 - 8 * i));
        }
      }
      return;
    }
    case TypeId::kRecord: {
      const std::vector<Value>& fields = value.record_fields();
      PutBigEndian<int32_t>(static_cast<int32_t>(fields.size()), out);
      for (const Value& f : fields) {
        // A NULL field still names its type when the value knows it.
        const TypeId t = f.type();
        const bool known = t != TypeId::kInvalid && (t != TypeId::kArray || !f.is_null());
        PutBigEndian<uint32_t>(known ? TypeOid(f.data_type()) : 0, out);
        if (f.is_null()) {
          PutBigEndian<int32_t>(-1, out);
          continue;
        }
        const size_t length_at = out->size();
        PutBigEndian<int32_t>(0, out);
        EncodeInto(f, out);
        const uint32_t len = static_cast<uint32_t>(out->size() - length_at - 4);
        for (int i = 0; i < 4; ++i) {
          (*out)[length_at + static_cast<size_t>(i)] = static_cast<char>(len >> (24 - 8 * i));
        }
      }
      return;
    }
    case TypeId::kInvalid:
      break;
  }
  STRATA_DCHECK(false);
}

// ---- decoding ------------------------------------------------------------

Status BinaryError(std::string message) {
  return Status(SqlState::kInvalidBinaryRepresentation, std::move(message));
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  template <typename T>
  Status Get(T* v) {
    if (bytes_.size() - pos_ < sizeof(T)) return BinaryError("insufficient data left in message");
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      u = static_cast<U>((u << 8) | static_cast<unsigned char>(bytes_[pos_ + i]));
    }
    pos_ += sizeof(T);
    *v = static_cast<T>(u);
    return Status::OK();
  }
  Status GetBytes(size_t n, std::string_view* v) {
    if (bytes_.size() - pos_ < n) return BinaryError("insufficient data left in message");
    *v = bytes_.substr(pos_, n);
    pos_ += n;
    return Status::OK();
  }
  std::string_view Rest() {
    std::string_view r = bytes_.substr(pos_);
    pos_ = bytes_.size();
    return r;
  }
  Status ExpectEnd() const {
    if (pos_ != bytes_.size()) return BinaryError("incorrect binary data format");
    return Status::OK();
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// Returns OK if `s` is valid UTF-8 (no NUL bytes, as PostgreSQL's text).
Status VerifyUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len;
    if (c == 0) {
      len = 0;
    } else if (c < 0x80) {
      len = 1;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      len = 4;
    } else {
      len = 0;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len == 3) {
      const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    } else if (ok && len == 4) {
      const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!ok) {
      std::string bytes;
      char buf[8];
      for (size_t k = i; k < s.size() && k < i + std::max<size_t>(len, 1); ++k) {
        std::snprintf(buf, sizeof(buf), "%s0x%02x", k == i ? "" : " ",
                      static_cast<unsigned char>(s[k]));
        bytes += buf;
      }
      return Status(SqlState::kCharacterNotInRepertoire,
                    "invalid byte sequence for encoding \"UTF8\": " + bytes);
    }
    i += len;
  }
  return Status::OK();
}

Result<Value> DecodeNumeric(Reader* r, int32_t typmod) {
  int16_t ndigits = 0;
  int16_t weight = 0;
  uint16_t sign = 0;
  int16_t dscale = 0;
  STRATA_RETURN_IF_ERROR(r->Get(&ndigits));
  STRATA_RETURN_IF_ERROR(r->Get(&weight));
  STRATA_RETURN_IF_ERROR(r->Get(&sign));
  STRATA_RETURN_IF_ERROR(r->Get(&dscale));
  if (ndigits < 0) return BinaryError("invalid length in external \"numeric\" value");
  if (sign != 0 && sign != 0x4000 && sign != 0xC000) {
    return BinaryError("invalid sign in external \"numeric\" value");
  }
  if (dscale < 0 || dscale > Numeric::kMaxScale) {
    return BinaryError("invalid scale in external \"numeric\" value");
  }
  std::string dec;
  for (int i = 0; i < ndigits; ++i) {
    int16_t d = 0;
    STRATA_RETURN_IF_ERROR(r->Get(&d));
    if (d < 0 || d >= 10000) return BinaryError("invalid digit in external \"numeric\" value");
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%04d", d);
    dec += buf;
  }
  STRATA_RETURN_IF_ERROR(r->ExpectEnd());
  if (sign == 0xC000) return Value::FromNumeric(Numeric::NaN());
  // The point sits after (weight + 1) groups.
  int64_t point = (static_cast<int64_t>(weight) + 1) * 4;
  if (point < 0) {
    dec.insert(0, static_cast<size_t>(-point), '0');
    point = 0;
  }
  if (point > static_cast<int64_t>(dec.size()))
    dec.append(static_cast<size_t>(point) - dec.size(), '0');
  // Fraction digits: truncated (or zero-padded) to dscale, as numeric_recv.
  std::string digits = dec.substr(0, static_cast<size_t>(point));
  std::string frac = dec.substr(static_cast<size_t>(point));
  frac.resize(static_cast<size_t>(dscale), '0');
  digits += frac;
  STRATA_ASSIGN_OR_RETURN(Numeric n, Numeric::FromParts(sign == 0x4000, digits, dscale));
  STRATA_ASSIGN_OR_RETURN(n, n.ApplyTypmod(typmod));
  return Value::FromNumeric(std::move(n));
}

int64_t RoundToTypmod(int64_t micros, int32_t typmod) {
  if (typmod < 0 || typmod >= 6) return micros;
  int64_t unit = 1;
  for (int i = typmod; i < 6; ++i) unit *= 10;
  const int64_t half = unit / 2;
  return micros >= 0 ? (micros + half) / unit * unit : -((-micros + half) / unit * unit);
}

Result<Value> DecodeScalar(const DataType& type, std::string_view bytes) {
  Reader r(bytes);
  switch (type.id) {
    case TypeId::kBool: {
      uint8_t b = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&b));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      return Value::Bool(b != 0);
    }
    case TypeId::kInt2: {
      int16_t v = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&v));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      return Value::Int2(v);
    }
    case TypeId::kInt4: {
      int32_t v = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&v));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      return Value::Int4(v);
    }
    case TypeId::kInt8: {
      int64_t v = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&v));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      return Value::Int8(v);
    }
    case TypeId::kFloat4: {
      uint32_t v = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&v));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      return Value::Float4(std::bit_cast<float>(v));
    }
    case TypeId::kFloat8: {
      uint64_t v = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&v));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      return Value::Float8(std::bit_cast<double>(v));
    }
    case TypeId::kNumeric:
      return DecodeNumeric(&r, type.typmod);
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
      STRATA_RETURN_IF_ERROR(VerifyUtf8(bytes));
      // Text input applies the varchar(n)/char(n) rules to the raw string.
      return ParseText(type, bytes);
    case TypeId::kJson:
      STRATA_RETURN_IF_ERROR(VerifyUtf8(bytes));
      return ParseText(type, bytes);
    case TypeId::kJsonb: {
      uint8_t version = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&version));
      if (version != 1) {
        return BinaryError("unsupported jsonb version number " + std::to_string(version));
      }
      const std::string_view text = r.Rest();
      STRATA_RETURN_IF_ERROR(VerifyUtf8(text));
      return ParseText(type, text);
    }
    case TypeId::kBytea:
      return Value::Bytea(std::string(bytes));
    case TypeId::kDate: {
      int32_t v = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&v));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      if (IsFiniteDate(v) && (v < -2451545 || v >= 2147483494 - 2451545)) {
        return Status(SqlState::kDatetimeFieldOverflow, "date out of range");
      }
      return Value::Date(v);
    }
    case TypeId::kTime: {
      int64_t v = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&v));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      if (v < 0 || v > kMicrosPerDay) {
        return Status(SqlState::kDatetimeFieldOverflow, "time out of range");
      }
      return Value::Time(std::min(RoundToTypmod(v, type.typmod), kMicrosPerDay));
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      int64_t v = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&v));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      if (IsFiniteTimestamp(v)) {
        if (v < -211813488000000000LL || v >= 9223371331200000000LL) {
          return Status(SqlState::kDatetimeFieldOverflow, "timestamp out of range");
        }
        v = RoundToTypmod(v, type.typmod);
      }
      return type.id == TypeId::kTimestamp ? Value::Timestamp(v) : Value::TimestampTz(v);
    }
    case TypeId::kInterval: {
      Interval v;
      STRATA_RETURN_IF_ERROR(r.Get(&v.micros));
      STRATA_RETURN_IF_ERROR(r.Get(&v.days));
      STRATA_RETURN_IF_ERROR(r.Get(&v.months));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      return Value::FromInterval(v);
    }
    case TypeId::kUuid: {
      std::string_view raw;
      STRATA_RETURN_IF_ERROR(r.GetBytes(16, &raw));
      STRATA_RETURN_IF_ERROR(r.ExpectEnd());
      Uuid u;
      std::memcpy(u.data(), raw.data(), 16);
      return Value::FromUuid(u);
    }
    case TypeId::kRecord:
      return Status(SqlState::kFeatureNotSupported, "input of anonymous composite types is not implemented");
    case TypeId::kArray:
    case TypeId::kInvalid:
      break;
  }
  return Status::NotSupported("binary input for type " + type.ToString() + " is not supported");
}

Result<Value> DecodeArray(const DataType& type, std::string_view bytes) {
  Reader r(bytes);
  int32_t ndim = 0;
  int32_t flags = 0;
  uint32_t element_oid = 0;
  STRATA_RETURN_IF_ERROR(r.Get(&ndim));
  STRATA_RETURN_IF_ERROR(r.Get(&flags));
  STRATA_RETURN_IF_ERROR(r.Get(&element_oid));
  if (ndim < 0 || ndim > 6) {
    return BinaryError("invalid number of dimensions: " + std::to_string(ndim));
  }
  if (ndim > 1) return Status::NotSupported("multidimensional arrays are not supported");
  if (flags != 0 && flags != 1) return BinaryError("invalid array flags");
  const TypeInfo& element_info = GetTypeInfo(type.element);
  if (element_oid != element_info.oid) {
    return Status(SqlState::kDatatypeMismatch,
                  "binary data has array element type " + std::to_string(element_oid) +
                      " instead of expected " + std::to_string(element_info.oid) + " (" +
                      std::string(element_info.typname) + ")");
  }
  std::vector<Value> elements;
  if (ndim == 1) {
    int32_t length = 0;
    int32_t lbound = 0;
    STRATA_RETURN_IF_ERROR(r.Get(&length));
    STRATA_RETURN_IF_ERROR(r.Get(&lbound));
    if (length < 0) return BinaryError("invalid array dimension: " + std::to_string(length));
    const DataType element_type = type.ElementType();
    for (int32_t i = 0; i < length; ++i) {
      int32_t len = 0;
      STRATA_RETURN_IF_ERROR(r.Get(&len));
      if (len == -1) {
        elements.push_back(Value::Null(type.element));
        continue;
      }
      if (len < 0) return BinaryError("insufficient data left in message");
      std::string_view raw;
      STRATA_RETURN_IF_ERROR(r.GetBytes(static_cast<size_t>(len), &raw));
      Result<Value> element = DecodeScalar(element_type, raw);
      if (!element.ok()) {
        Status s = element.status();
        if (s.sql_state() == SqlState::kInvalidBinaryRepresentation) {
          return BinaryError("improper binary format in array element " + std::to_string(i + 1));
        }
        return s;
      }
      elements.push_back(std::move(element).value());
    }
  }
  STRATA_RETURN_IF_ERROR(r.ExpectEnd());
  return Value::Array(type.element, std::move(elements));
}

}  // namespace

void EncodeBinary(const Value& value, std::string* out) {
  STRATA_DCHECK(!value.is_null());
  EncodeInto(value, out);
}

std::string EncodeBinary(const Value& value) {
  std::string out;
  EncodeBinary(value, &out);
  return out;
}

Result<Value> DecodeBinary(const DataType& type, std::string_view bytes) {
  if (type.is_array()) return DecodeArray(type, bytes);
  return DecodeScalar(type, bytes);
}

}  // namespace strata
