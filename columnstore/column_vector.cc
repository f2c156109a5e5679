#include "columnstore/column_vector.h"

#include <cmath>

namespace strata::columnstore {

PhysicalType PhysicalTypeOf(const DataType& type) {
  switch (type.id) {
    case TypeId::kBool:
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return PhysicalType::kInt;
    case TypeId::kFloat4:
    case TypeId::kFloat8:
      return PhysicalType::kFloat;
    case TypeId::kNumeric:
      return IsScaledNumeric(type) ? PhysicalType::kInt : PhysicalType::kEncoded;
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kBytea:
    case TypeId::kJson:
    case TypeId::kJsonb:
      return PhysicalType::kString;
    default:
      return PhysicalType::kEncoded;
  }
}

bool IsScaledNumeric(const DataType& type) {
  if (type.id != TypeId::kNumeric || type.typmod < kVarHdrSz) return false;
  const int32_t precision = (type.typmod - kVarHdrSz) >> 16;
  const int32_t scale = (type.typmod - kVarHdrSz) & 0x7ff;
  return precision >= 1 && precision <= 18 && scale <= precision;
}

int32_t NumericTypeScale(const DataType& type) { return (type.typmod - kVarHdrSz) & 0x7ff; }

std::optional<int64_t> ScaleNumeric(const Numeric& v, int32_t scale, bool exact) {
  if (v.is_nan()) return kScaledNumericNaN;
  Numeric r = v;
  if (v.scale() > scale) {
    r = v.Round(scale);
    if (exact && r.Compare(v) != 0) return std::nullopt;
  }
  const std::string& digits = r.digits();
  const size_t total = digits.size() + static_cast<size_t>(scale - r.scale());
  if (total > 18) return std::nullopt;
  int64_t out = 0;
  for (const char c : digits) out = out * 10 + (c - '0');
  for (int32_t i = r.scale(); i < scale; ++i) out *= 10;
  return r.is_negative() ? -out : out;
}

Numeric UnscaleNumeric(int64_t v, int32_t scale) {
  if (v == kScaledNumericNaN) return Numeric::NaN();
  const bool negative = v < 0;
  const uint64_t mag = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  Result<Numeric> n = Numeric::FromParts(negative, std::to_string(mag), scale);
  return n.ok() ? std::move(n).value() : Numeric();
}

int64_t IntPayload(const DataType& type, const Value& v) {
  if (v.kind() == ValueKind::kNumeric) {
    return ScaleNumeric(v.numeric_value(), NumericTypeScale(type), false).value_or(0);
  }
  switch (v.kind()) {
    case ValueKind::kBool:
      return v.bool_value() ? 1 : 0;
    case ValueKind::kDate:
      return v.date_value();
    case ValueKind::kTime:
      return v.time_value();
    case ValueKind::kTimestamp:
      return v.timestamp_value();
    default:
      return v.int_value();
  }
}

int CompareDoubles(double a, double b) {
  const bool a_nan = std::isnan(a);
  const bool b_nan = std::isnan(b);
  if (a_nan || b_nan) return static_cast<int>(a_nan) - static_cast<int>(b_nan);
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

namespace {

std::string_view StripTrailingSpaces(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

Value IntValue(const DataType& full_type, int64_t v) {
  const TypeId type = full_type.id;
  switch (type) {
    case TypeId::kNumeric:
      return Value::FromNumeric(UnscaleNumeric(v, NumericTypeScale(full_type)));
    case TypeId::kBool:
      return Value::Bool(v != 0);
    case TypeId::kDate:
      return Value::Date(static_cast<int32_t>(v));
    case TypeId::kTime:
      return Value::Time(v);
    case TypeId::kTimestamp:
      return Value::Timestamp(v);
    case TypeId::kTimestampTz:
      return Value::TimestampTz(v);
    default:
      return Value::Int(type, v);
  }
}

}  // namespace

int CompareStrings(TypeId type, std::string_view a, std::string_view b) {
  if (type == TypeId::kBpchar) {
    a = StripTrailingSpaces(a);
    b = StripTrailingSpaces(b);
  }
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

Value ColumnVector::GetValue(size_t i) const {
  if (IsNull(i)) return Value::Null(type.id);
  switch (physical) {
    case PhysicalType::kInt:
      return IntValue(type, ints[i]);
    case PhysicalType::kFloat:
      return type.id == TypeId::kFloat4 ? Value::Float4(static_cast<float>(floats[i]))
                                        : Value::Float8(floats[i]);
    case PhysicalType::kString:
      return Value::String(type.id, strings[i]);
    case PhysicalType::kEncoded:
      return values[i];
  }
  return Value::Null(type.id);
}

void ColumnVector::Clear() {
  nulls.clear();
  ints.clear();
  floats.clear();
  strings.clear();
  values.clear();
}

void ColumnVector::Reserve(size_t n) {
  nulls.reserve(n);
  switch (physical) {
    case PhysicalType::kInt:
      ints.reserve(n);
      break;
    case PhysicalType::kFloat:
      floats.reserve(n);
      break;
    case PhysicalType::kString:
      strings.reserve(n);
      break;
    case PhysicalType::kEncoded:
      values.reserve(n);
      break;
  }
}

void ColumnVector::AppendNull() {
  nulls.push_back(1);
  switch (physical) {
    case PhysicalType::kInt:
      ints.push_back(0);
      break;
    case PhysicalType::kFloat:
      floats.push_back(0);
      break;
    case PhysicalType::kString:
      strings.emplace_back();
      break;
    case PhysicalType::kEncoded:
      values.push_back(Value::Null(type.id));
      break;
  }
}

void ColumnVector::AppendInt(int64_t v) {
  nulls.push_back(0);
  ints.push_back(v);
}

void ColumnVector::AppendFloat(double v) {
  nulls.push_back(0);
  floats.push_back(v);
}

void ColumnVector::AppendString(std::string_view v) {
  nulls.push_back(0);
  strings.emplace_back(v);
}

void ColumnVector::AppendValue(const Value& v) {
  if (v.is_null()) {
    AppendNull();
    return;
  }
  switch (physical) {
    case PhysicalType::kInt:
      AppendInt(IntPayload(type, v));
      break;
    case PhysicalType::kFloat:
      AppendFloat(v.float_value());
      break;
    case PhysicalType::kString:
      AppendString(v.string_value());
      break;
    case PhysicalType::kEncoded:
      nulls.push_back(0);
      values.push_back(v);
      break;
  }
}

void ColumnVector::AppendFrom(const ColumnVector& other, size_t i) {
  nulls.push_back(other.nulls[i]);
  switch (physical) {
    case PhysicalType::kInt:
      ints.push_back(other.ints[i]);
      break;
    case PhysicalType::kFloat:
      floats.push_back(other.floats[i]);
      break;
    case PhysicalType::kString:
      strings.push_back(other.strings[i]);
      break;
    case PhysicalType::kEncoded:
      values.push_back(other.values[i]);
      break;
  }
}

void ColumnVector::AppendSelected(const ColumnVector& other, std::span<const uint32_t> selection) {
  Reserve(size() + selection.size());
  for (const uint32_t i : selection) nulls.push_back(other.nulls[i]);
  switch (physical) {
    case PhysicalType::kInt:
      for (const uint32_t i : selection) ints.push_back(other.ints[i]);
      break;
    case PhysicalType::kFloat:
      for (const uint32_t i : selection) floats.push_back(other.floats[i]);
      break;
    case PhysicalType::kString:
      for (const uint32_t i : selection) strings.push_back(other.strings[i]);
      break;
    case PhysicalType::kEncoded:
      for (const uint32_t i : selection) values.push_back(other.values[i]);
      break;
  }
}

void ColumnVector::AppendRepeated(const Value& v, size_t count) {
  Reserve(size() + count);
  for (size_t i = 0; i < count; ++i) AppendValue(v);
}

}  // namespace strata::columnstore
