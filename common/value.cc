#include "common/value.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>

#include "common/macros.h"

namespace strata {
namespace {

template <typename T>
int Cmp3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// SQL float order: NaN last and equal to itself; -0 == 0.
int CompareDouble(double a, double b) {
  const bool na = std::isnan(a);
  const bool nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  return Cmp3(a, b);
}

std::string_view StripTrailingSpaces(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

template <typename T>
void AppendLittleEndian(T v, std::string* out) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(v);
  for (size_t i = 0; i < sizeof(T); ++i) {
    out->push_back(static_cast<char>(u & 0xff));
    u = static_cast<U>(u >> 8);
  }
}

uint64_t Fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

}  // namespace

ValueKind KindOf(TypeId type) {
  switch (type) {
    case TypeId::kInvalid:
      return ValueKind::kNull;
    case TypeId::kBool:
      return ValueKind::kBool;
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
      return ValueKind::kInt;
    case TypeId::kFloat4:
    case TypeId::kFloat8:
      return ValueKind::kFloat;
    case TypeId::kNumeric:
      return ValueKind::kNumeric;
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kBytea:
    case TypeId::kJson:
    case TypeId::kJsonb:
      return ValueKind::kString;
    case TypeId::kDate:
      return ValueKind::kDate;
    case TypeId::kTime:
      return ValueKind::kTime;
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return ValueKind::kTimestamp;
    case TypeId::kInterval:
      return ValueKind::kInterval;
    case TypeId::kUuid:
      return ValueKind::kUuid;
    case TypeId::kArray:
      return ValueKind::kArray;
    case TypeId::kRecord:
      return ValueKind::kRecord;
  }
  return ValueKind::kNull;
}

__int128 IntervalSpan(const Interval& v) {
  return static_cast<__int128>(v.months) * 30 * kMicrosPerDay +
         static_cast<__int128>(v.days) * kMicrosPerDay + v.micros;
}

Value Value::Null(TypeId type) { return Value(type, std::monostate{}); }
Value Value::Bool(bool v) { return Value(TypeId::kBool, v); }
Value Value::Int2(int16_t v) { return Value(TypeId::kInt2, static_cast<int64_t>(v)); }
Value Value::Int4(int32_t v) { return Value(TypeId::kInt4, static_cast<int64_t>(v)); }
Value Value::Int8(int64_t v) { return Value(TypeId::kInt8, v); }

Value Value::Int(TypeId type, int64_t v) {
  STRATA_DCHECK(KindOf(type) == ValueKind::kInt);
  STRATA_DCHECK(type != TypeId::kInt2 || (v >= INT16_MIN && v <= INT16_MAX));
  STRATA_DCHECK(type != TypeId::kInt4 || (v >= INT32_MIN && v <= INT32_MAX));
  return Value(type, v);
}

Value Value::Float4(float v) { return Value(TypeId::kFloat4, static_cast<double>(v)); }
Value Value::Float8(double v) { return Value(TypeId::kFloat8, v); }
Value Value::FromNumeric(Numeric v) { return Value(TypeId::kNumeric, std::move(v)); }

Value Value::String(TypeId type, std::string v) {
  STRATA_DCHECK(KindOf(type) == ValueKind::kString);
  return Value(type, std::move(v));
}

Value Value::Date(int32_t days_since_2000) {
  return Value(TypeId::kDate, static_cast<int64_t>(days_since_2000));
}
Value Value::Time(int64_t micros_since_midnight) {
  return Value(TypeId::kTime, micros_since_midnight);
}
Value Value::Timestamp(int64_t micros_since_2000) {
  return Value(TypeId::kTimestamp, micros_since_2000);
}
Value Value::TimestampTz(int64_t micros_since_2000_utc) {
  return Value(TypeId::kTimestampTz, micros_since_2000_utc);
}
Value Value::FromInterval(Interval v) { return Value(TypeId::kInterval, v); }
Value Value::FromUuid(const Uuid& v) { return Value(TypeId::kUuid, v); }

Value Value::Array(TypeId element, std::vector<Value> elements) {
  STRATA_DCHECK(element != TypeId::kInvalid && element != TypeId::kArray);
  auto data = std::make_shared<ArrayData>();
  data->element = element;
  data->elements = std::move(elements);
  return Value(TypeId::kArray, ArrayPtr(std::move(data)));
}

Value Value::Record(std::vector<Value> fields) {
  auto data = std::make_shared<ArrayData>();
  data->elements = std::move(fields);
  return Value(TypeId::kRecord, ArrayPtr(std::move(data)));
}

DataType Value::data_type() const {
  if (type_ == TypeId::kArray && !is_null()) return DataType::Array(array_element_type());
  return DataType::Of(type_);
}

int Value::Compare(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : (a.is_null() ? 1 : -1);
  const ValueKind kind = a.kind();
  STRATA_DCHECK(kind == b.kind());
  switch (kind) {
    case ValueKind::kNull:
      return 0;
    case ValueKind::kBool:
      return Cmp3(a.bool_value(), b.bool_value());
    case ValueKind::kInt:
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kTimestamp:
      return Cmp3(std::get<int64_t>(a.payload_), std::get<int64_t>(b.payload_));
    case ValueKind::kFloat:
      return CompareDouble(a.float_value(), b.float_value());
    case ValueKind::kNumeric:
      return a.numeric_value().Compare(b.numeric_value());
    case ValueKind::kString: {
      std::string_view sa = a.string_value();
      std::string_view sb = b.string_value();
      if (a.type_ == TypeId::kBpchar && b.type_ == TypeId::kBpchar) {
        sa = StripTrailingSpaces(sa);
        sb = StripTrailingSpaces(sb);
      }
      const int c = sa.compare(sb);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case ValueKind::kInterval:
      return Cmp3(IntervalSpan(a.interval_value()), IntervalSpan(b.interval_value()));
    case ValueKind::kUuid:
      return Cmp3(a.uuid_value(), b.uuid_value());
    case ValueKind::kArray: {
      const auto& ea = a.array_elements();
      const auto& eb = b.array_elements();
      const size_t n = std::min(ea.size(), eb.size());
      for (size_t i = 0; i < n; ++i) {
        const int c = Compare(ea[i], eb[i]);
        if (c != 0) return c;
      }
      return Cmp3(ea.size(), eb.size());
    }
    case ValueKind::kRecord: {
      const auto& fa = a.record_fields();
      const auto& fb = b.record_fields();
      const size_t n = std::min(fa.size(), fb.size());
      for (size_t i = 0; i < n; ++i) {
        // Records of different layouts are never compared by SQL (the binder
        // rejects it); keep the order total anyway.
        if (!fa[i].is_null() && !fb[i].is_null() && fa[i].kind() != fb[i].kind()) {
          return Cmp3(static_cast<int>(fa[i].kind()), static_cast<int>(fb[i].kind()));
        }
        const int c = Compare(fa[i], fb[i]);
        if (c != 0) return c;
      }
      return Cmp3(fa.size(), fb.size());
    }
  }
  return 0;
}

bool Value::operator==(const Value& other) const {
  if (is_null() || other.is_null()) return is_null() && other.is_null();
  if (type_ != other.type_) return false;
  if (type_ == TypeId::kArray && array_element_type() != other.array_element_type()) return false;
  return Compare(*this, other) == 0;
}

void Value::AppendCanonicalBytes(std::string* out) const {
  const ValueKind k = kind();
  out->push_back(static_cast<char>(k));
  switch (k) {
    case ValueKind::kNull:
      break;
    case ValueKind::kBool:
      out->push_back(bool_value() ? 1 : 0);
      break;
    case ValueKind::kInt:
    case ValueKind::kTime:
    case ValueKind::kTimestamp:
      AppendLittleEndian(std::get<int64_t>(payload_), out);
      break;
    case ValueKind::kDate:
      AppendLittleEndian(date_value(), out);
      break;
    case ValueKind::kFloat: {
      double d = float_value();
      uint64_t bits;
      if (std::isnan(d)) {
        bits = 0x7ff8000000000000ULL;
      } else {
        if (d == 0) d = 0.0;  // -0 -> +0
        bits = std::bit_cast<uint64_t>(d);
      }
      AppendLittleEndian(bits, out);
      break;
    }
    case ValueKind::kNumeric:
      out->append(numeric_value().Normalized().ToString());
      break;
    case ValueKind::kString:
      out->append(type_ == TypeId::kBpchar ? StripTrailingSpaces(string_value())
                                           : string_value());
      break;
    case ValueKind::kInterval: {
      const unsigned __int128 span = static_cast<unsigned __int128>(IntervalSpan(interval_value()));
      AppendLittleEndian(static_cast<uint64_t>(span), out);
      AppendLittleEndian(static_cast<uint64_t>(span >> 64), out);
      break;
    }
    case ValueKind::kUuid:
      out->append(reinterpret_cast<const char*>(uuid_value().data()), uuid_value().size());
      break;
    case ValueKind::kArray:
    case ValueKind::kRecord: {
      const auto& elements = std::get<ArrayPtr>(payload_)->elements;
      AppendLittleEndian(static_cast<uint32_t>(elements.size()), out);
      std::string element_bytes;
      for (const Value& e : elements) {
        element_bytes.clear();
        e.AppendCanonicalBytes(&element_bytes);
        AppendLittleEndian(static_cast<uint32_t>(element_bytes.size()), out);
        out->append(element_bytes);
      }
      break;
    }
  }
}

uint64_t StableHash64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return Fmix64(h);
}

uint64_t Value::Hash() const {
  std::string bytes;
  AppendCanonicalBytes(&bytes);
  return StableHash64(bytes);
}

uint64_t HashValues(std::span<const Value> values) {
  std::string bytes;
  bytes.reserve(values.size() * sizeof(uint64_t));
  for (const Value& v : values) AppendLittleEndian(v.Hash(), &bytes);
  return StableHash64(bytes);
}

std::string Value::DebugString() const {
  if (is_null()) return type_ == TypeId::kInvalid ? "NULL" : "NULL::" + data_type().ToString();
  const std::string type_name = data_type().ToString();
  std::string body;
  switch (kind()) {
    case ValueKind::kNull:
      break;
    case ValueKind::kBool:
      body = bool_value() ? "true" : "false";
      break;
    case ValueKind::kInt:
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kTimestamp:
      body = std::to_string(std::get<int64_t>(payload_));
      break;
    case ValueKind::kFloat: {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%.17g", float_value());
      body = buf;
      break;
    }
    case ValueKind::kNumeric:
      body = numeric_value().ToString();
      break;
    case ValueKind::kString: {
      body = "'";
      for (unsigned char c : string_value()) {
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
          body.push_back(static_cast<char>(c));
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          body += buf;
        }
      }
      body += "'";
      break;
    }
    case ValueKind::kInterval: {
      const Interval& iv = interval_value();
      body = std::to_string(iv.months) + "mon " + std::to_string(iv.days) + "d " +
             std::to_string(iv.micros) + "us";
      break;
    }
    case ValueKind::kUuid: {
      char buf[4];
      for (uint8_t b : uuid_value()) {
        std::snprintf(buf, sizeof(buf), "%02x", b);
        body += buf;
      }
      break;
    }
    case ValueKind::kArray: {
      body = "{";
      bool first = true;
      for (const Value& e : array_elements()) {
        if (!first) body += ",";
        first = false;
        body += e.is_null() ? "NULL" : e.DebugString();
      }
      body += "}";
      break;
    }
    case ValueKind::kRecord: {
      body = "(";
      bool first = true;
      for (const Value& f : record_fields()) {
        if (!first) body += ",";
        first = false;
        body += f.DebugString();
      }
      body += ")";
      break;
    }
  }
  return type_name + " " + body;
}

}  // namespace strata
