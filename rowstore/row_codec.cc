#include "rowstore/row_codec.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <numeric>

#include "common/coding.h"
#include "common/macros.h"
#include "common/value_binary.h"

namespace strata::rowstore {
namespace {

constexpr uint8_t kNullTag = 0;
constexpr uint8_t kNumericPositive = 0;
constexpr uint8_t kNumericNegative = 1;
constexpr uint8_t kNumericNaN = 2;

Status Corrupt(std::string_view what) {
  return Status::Corruption("malformed row value: " + std::string(what));
}

template <typename U>
void PutFixed(U v, std::string* out) {
  for (size_t i = 0; i < sizeof(U); ++i) {
    out->push_back(static_cast<char>(v & 0xff));
    v = static_cast<U>(v >> 8);
  }
}

template <typename U>
U GetFixed(std::string_view bytes) {
  U v = 0;
  for (size_t i = sizeof(U); i-- > 0;) v = static_cast<U>((v << 8) | static_cast<uint8_t>(bytes[i]));
  return v;
}

// Byte width of fixed-size payloads; 0 for length-prefixed ones.
size_t FixedWidth(TypeId t) {
  switch (t) {
    case TypeId::kBool:
      return 1;
    case TypeId::kInt2:
      return 2;
    case TypeId::kInt4:
    case TypeId::kFloat4:
    case TypeId::kDate:
      return 4;
    case TypeId::kInt8:
    case TypeId::kFloat8:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return 8;
    case TypeId::kInterval:
    case TypeId::kUuid:
      return 16;
    default:
      return 0;
  }
}

bool IsScalarTag(uint8_t tag) {
  return tag != kNullTag && tag <= kMaxTypeId && tag != static_cast<uint8_t>(TypeId::kArray);
}

Status KindMismatch(const DataType& column_type, const Value& v) {
  return Status(SqlState::kDatatypeMismatch, "cannot store a value of type " +
                                                 v.data_type().ToString() + " in a column of type " +
                                                 column_type.ToString());
}

Status IntRange(int64_t v, TypeId type) {
  if (type == TypeId::kInt2 && (v < INT16_MIN || v > INT16_MAX)) {
    return Status(SqlState::kNumericValueOutOfRange, "smallint out of range");
  }
  if (type == TypeId::kInt4 && (v < INT32_MIN || v > INT32_MAX)) {
    return Status(SqlState::kNumericValueOutOfRange, "integer out of range");
  }
  return Status::OK();
}

void AppendNumericBody(const Numeric& n, std::string* out) {
  std::string body;
  body.push_back(static_cast<char>(n.is_nan() ? kNumericNaN
                                              : (n.is_negative() ? kNumericNegative
                                                                 : kNumericPositive)));
  PutVarint(static_cast<uint64_t>(n.scale()), &body);
  const std::string& digits = n.digits();
  PutVarint(digits.size(), &body);
  for (size_t i = 0; i < digits.size(); i += 2) {
    const uint8_t hi = static_cast<uint8_t>(digits[i] - '0');
    const uint8_t lo = i + 1 < digits.size() ? static_cast<uint8_t>(digits[i + 1] - '0') : 0;
    body.push_back(static_cast<char>((hi << 4) | lo));
  }
  PutVarint(body.size(), out);
  out->append(body);
}

// Appends the payload of non-null `v` stored as `type`.
Status AppendPayload(const DataType& type, const Value& v, std::string* out) {
  if (v.kind() != KindOf(type.id)) return KindMismatch(type, v);
  switch (type.id) {
    case TypeId::kBool:
      out->push_back(v.bool_value() ? 1 : 0);
      break;
    case TypeId::kInt2:
      STRATA_RETURN_IF_ERROR(IntRange(v.int_value(), type.id));
      PutFixed(static_cast<uint16_t>(v.int_value()), out);
      break;
    case TypeId::kInt4:
      STRATA_RETURN_IF_ERROR(IntRange(v.int_value(), type.id));
      PutFixed(static_cast<uint32_t>(v.int_value()), out);
      break;
    case TypeId::kInt8:
      PutFixed(static_cast<uint64_t>(v.int_value()), out);
      break;
    case TypeId::kFloat4:
      PutFixed(std::bit_cast<uint32_t>(static_cast<float>(v.float_value())), out);
      break;
    case TypeId::kFloat8:
      PutFixed(std::bit_cast<uint64_t>(v.float_value()), out);
      break;
    case TypeId::kNumeric:
      AppendNumericBody(v.numeric_value(), out);
      break;
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kBytea:
    case TypeId::kJson:
    case TypeId::kJsonb:
      PutVarint(v.string_value().size(), out);
      out->append(v.string_value());
      break;
    case TypeId::kDate:
      PutFixed(static_cast<uint32_t>(v.date_value()), out);
      break;
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      PutFixed(static_cast<uint64_t>(v.timestamp_value()), out);
      break;
    case TypeId::kInterval:
      PutFixed(static_cast<uint32_t>(v.interval_value().months), out);
      PutFixed(static_cast<uint32_t>(v.interval_value().days), out);
      PutFixed(static_cast<uint64_t>(v.interval_value().micros), out);
      break;
    case TypeId::kUuid:
      out->append(reinterpret_cast<const char*>(v.uuid_value().data()), 16);
      break;
    case TypeId::kArray: {
      if (!IsScalarTag(static_cast<uint8_t>(type.element)) ||
          KindOf(type.element) != KindOf(v.array_element_type())) {
        return KindMismatch(type, v);
      }
      out->push_back(static_cast<char>(type.element));
      std::string body;
      PutVarint(v.array_elements().size(), &body);
      const DataType element_type = type.ElementType();
      for (const Value& e : v.array_elements()) {
        if (e.is_null()) {
          body.push_back(0);
          continue;
        }
        body.push_back(1);
        STRATA_RETURN_IF_ERROR(AppendPayload(element_type, e, &body));
      }
      PutVarint(body.size(), out);
      out->append(body);
      break;
    }
    case TypeId::kRecord:
      return Status::InvalidArgument("record values cannot be stored");
    case TypeId::kInvalid:
      return Status::InvalidArgument("column has no type");
  }
  return Status::OK();
}

// Appends one complete field.
Status AppendField(uint32_t id, const DataType& type, const Value& v, std::string* out) {
  PutVarint(id, out);
  if (v.is_null()) {
    out->push_back(static_cast<char>(kNullTag));
    return Status::OK();
  }
  out->push_back(static_cast<char>(type.id));
  return AppendPayload(type, v, out);
}

// One field of a parsed row; views point into the row bytes.
struct Field {
  uint32_t id = 0;
  DataType type;              // stored type; id kInvalid for NULL
  std::string_view payload;   // payload bytes (after the array element tag)
  std::string_view encoded;   // the whole field, for verbatim copies
};

// Takes a varint length and that many bytes.
bool GetLengthPrefixed(std::string_view* in, std::string_view* bytes) {
  uint64_t len;
  if (!GetVarint(in, &len) || len > in->size()) return false;
  *bytes = in->substr(0, static_cast<size_t>(len));
  in->remove_prefix(static_cast<size_t>(len));
  return true;
}

// Reads the extent of one payload of `type` from *in (without validating
// its contents).
bool TakePayload(const DataType& type, std::string_view* in, std::string_view* payload) {
  const size_t width = FixedWidth(type.id);
  if (width > 0) {
    if (in->size() < width) return false;
    *payload = in->substr(0, width);
    in->remove_prefix(width);
    return true;
  }
  return GetLengthPrefixed(in, payload);
}

Status CheckVersion(std::string_view row) {
  if (row.empty()) return Corrupt("empty");
  const uint8_t version = static_cast<uint8_t>(row[0]);
  if (version != kRowFormatVersion) {
    return Corrupt("unknown format version " + std::to_string(version));
  }
  return Status::OK();
}

// Parses the field at the front of *in (ids must exceed *previous_id).
Status ParseNextField(std::string_view* in, int64_t* previous_id, Field* f) {
  const char* start = in->data();
  uint64_t id;
  if (!GetVarint(in, &id) || id > UINT32_MAX) return Corrupt("bad column id");
  if (static_cast<int64_t>(id) <= *previous_id) return Corrupt("column ids out of order");
  *previous_id = static_cast<int64_t>(id);
  f->id = static_cast<uint32_t>(id);
  f->type = DataType();
  f->payload = {};
  if (in->empty()) return Corrupt("truncated field");
  const uint8_t tag = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (tag != kNullTag) {
    if (tag > kMaxTypeId) return Corrupt("unknown type tag " + std::to_string(tag));
    f->type.id = static_cast<TypeId>(tag);
    if (f->type.is_array()) {
      if (in->empty() || !IsScalarTag(static_cast<uint8_t>((*in)[0]))) {
        return Corrupt("bad array element tag");
      }
      f->type.element = static_cast<TypeId>((*in)[0]);
      in->remove_prefix(1);
    }
    if (!TakePayload(f->type, in, &f->payload)) return Corrupt("truncated payload");
  }
  f->encoded = std::string_view(start, static_cast<size_t>(in->data() - start));
  return Status::OK();
}

Result<std::vector<Field>> ParseFields(std::string_view row) {
  STRATA_RETURN_IF_ERROR(CheckVersion(row));
  std::string_view in = row.substr(1);
  std::vector<Field> fields;
  int64_t previous_id = -1;
  while (!in.empty()) {
    Field f;
    STRATA_RETURN_IF_ERROR(ParseNextField(&in, &previous_id, &f));
    fields.push_back(f);
  }
  return fields;
}

Result<Numeric> DecodeNumericBody(std::string_view body) {
  if (body.empty()) return Corrupt("empty numeric");
  const uint8_t flags = static_cast<uint8_t>(body[0]);
  body.remove_prefix(1);
  uint64_t scale;
  uint64_t ndigits;
  if (!GetVarint(&body, &scale) || !GetVarint(&body, &ndigits)) return Corrupt("bad numeric");
  if (flags > kNumericNaN || scale > static_cast<uint64_t>(Numeric::kMaxScale) ||
      body.size() != (ndigits + 1) / 2 || ndigits > 2 * body.size()) {
    return Corrupt("bad numeric header");
  }
  if (flags == kNumericNaN) {
    if (scale != 0 || ndigits != 0) return Corrupt("bad numeric NaN");
    return Numeric::NaN();
  }
  std::string digits;
  digits.reserve(static_cast<size_t>(ndigits));
  for (size_t i = 0; i < ndigits; ++i) {
    const uint8_t byte = static_cast<uint8_t>(body[i / 2]);
    const uint8_t nibble = (i % 2 == 0) ? byte >> 4 : byte & 0x0f;
    if (nibble > 9) return Corrupt("bad numeric digit");
    digits.push_back(static_cast<char>('0' + nibble));
  }
  Result<Numeric> n = Numeric::FromParts(flags == kNumericNegative, digits,
                                         static_cast<int32_t>(scale));
  if (!n.ok()) return Corrupt("numeric out of range");
  return n;
}

// Decodes a payload stored as `type`; the Value has the stored type.
Result<Value> DecodePayload(const DataType& type, std::string_view p) {
  switch (type.id) {
    case TypeId::kBool:
      if (static_cast<uint8_t>(p[0]) > 1) return Corrupt("bad bool");
      return Value::Bool(p[0] == 1);
    case TypeId::kInt2:
      return Value::Int2(static_cast<int16_t>(GetFixed<uint16_t>(p)));
    case TypeId::kInt4:
      return Value::Int4(static_cast<int32_t>(GetFixed<uint32_t>(p)));
    case TypeId::kInt8:
      return Value::Int8(static_cast<int64_t>(GetFixed<uint64_t>(p)));
    case TypeId::kFloat4:
      return Value::Float4(std::bit_cast<float>(GetFixed<uint32_t>(p)));
    case TypeId::kFloat8:
      return Value::Float8(std::bit_cast<double>(GetFixed<uint64_t>(p)));
    case TypeId::kNumeric: {
      STRATA_ASSIGN_OR_RETURN(Numeric n, DecodeNumericBody(p));
      return Value::FromNumeric(std::move(n));
    }
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kBytea:
    case TypeId::kJson:
    case TypeId::kJsonb:
      return Value::String(type.id, std::string(p));
    case TypeId::kDate:
      return Value::Date(static_cast<int32_t>(GetFixed<uint32_t>(p)));
    case TypeId::kTime:
      return Value::Time(static_cast<int64_t>(GetFixed<uint64_t>(p)));
    case TypeId::kTimestamp:
      return Value::Timestamp(static_cast<int64_t>(GetFixed<uint64_t>(p)));
    case TypeId::kTimestampTz:
      return Value::TimestampTz(static_cast<int64_t>(GetFixed<uint64_t>(p)));
    case TypeId::kInterval:
      return Value::FromInterval(Interval{static_cast<int32_t>(GetFixed<uint32_t>(p)),
                                          static_cast<int32_t>(GetFixed<uint32_t>(p.substr(4))),
                                          static_cast<int64_t>(GetFixed<uint64_t>(p.substr(8)))});
    case TypeId::kUuid: {
      Uuid u;
      std::memcpy(u.data(), p.data(), 16);
      return Value::FromUuid(u);
    }
    case TypeId::kArray: {
      uint64_t count;
      if (!GetVarint(&p, &count) || count > p.size()) return Corrupt("bad array count");
      const DataType element_type = type.ElementType();
      std::vector<Value> elements;
      elements.reserve(static_cast<size_t>(count));
      for (uint64_t i = 0; i < count; ++i) {
        if (p.empty()) return Corrupt("truncated array");
        const uint8_t present = static_cast<uint8_t>(p[0]);
        p.remove_prefix(1);
        if (present == 0) {
          elements.push_back(Value::Null(type.element));
          continue;
        }
        if (present != 1) return Corrupt("bad array element marker");
        std::string_view element_payload;
        if (!TakePayload(element_type, &p, &element_payload)) return Corrupt("truncated array");
        STRATA_ASSIGN_OR_RETURN(Value e, DecodePayload(element_type, element_payload));
        elements.push_back(std::move(e));
      }
      if (!p.empty()) return Corrupt("trailing bytes in array");
      return Value::Array(type.element, std::move(elements));
    }
    case TypeId::kRecord:
    case TypeId::kInvalid:
      break;
  }
  return Corrupt("bad type");
}

// Re-tags a decoded value to the column's type when both share a value kind
// (varchar read as text, int4 widened to int8, ...).
Result<Value> ConvertToColumnType(Value v, const DataType& column_type) {
  if (v.type() == column_type.id && (!column_type.is_array() ||
                                     v.array_element_type() == column_type.element)) {
    return v;
  }
  if (v.kind() != KindOf(column_type.id)) {
    return Corrupt("stored " + v.data_type().ToString() + " where the schema says " +
                   column_type.ToString());
  }
  switch (v.kind()) {
    case ValueKind::kInt:
      if (!IntRange(v.int_value(), column_type.id).ok()) {
        return Corrupt("stored integer does not fit " + column_type.ToString());
      }
      return Value::Int(column_type.id, v.int_value());
    case ValueKind::kFloat:
      return column_type.id == TypeId::kFloat4
                 ? Value::Float4(static_cast<float>(v.float_value()))
                 : Value::Float8(v.float_value());
    case ValueKind::kString:
      return Value::String(column_type.id, std::string(v.string_value()));
    case ValueKind::kTimestamp:
      return column_type.id == TypeId::kTimestamp ? Value::Timestamp(v.timestamp_value())
                                                  : Value::TimestampTz(v.timestamp_value());
    case ValueKind::kArray: {
      if (KindOf(v.array_element_type()) != KindOf(column_type.element)) {
        return Corrupt("stored " + v.data_type().ToString() + " where the schema says " +
                       column_type.ToString());
      }
      std::vector<Value> elements;
      for (const Value& e : v.array_elements()) {
        if (e.is_null()) {
          elements.push_back(Value::Null(column_type.element));
          continue;
        }
        STRATA_ASSIGN_OR_RETURN(Value converted,
                                ConvertToColumnType(e, column_type.ElementType()));
        elements.push_back(std::move(converted));
      }
      return Value::Array(column_type.element, std::move(elements));
    }
    default:
      return v;
  }
}

}  // namespace

Result<std::string> EncodeRow(std::span<const ColumnSpec> columns, std::span<const Value> values) {
  if (columns.size() != values.size()) {
    return Status::InvalidArgument("row has " + std::to_string(values.size()) +
                                   " values for " + std::to_string(columns.size()) + " columns");
  }
  std::vector<size_t> order(columns.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return columns[a].id < columns[b].id; });
  std::string out;
  out.push_back(static_cast<char>(kRowFormatVersion));
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t i = order[k];
    if (k > 0 && columns[order[k - 1]].id == columns[i].id) {
      return Status::InvalidArgument("duplicate column id " + std::to_string(columns[i].id));
    }
    STRATA_RETURN_IF_ERROR(AppendField(columns[i].id, columns[i].type, values[i], &out));
  }
  return out;
}

Result<std::vector<Value>> DecodeRow(std::string_view row, std::span<const ColumnSpec> columns) {
  STRATA_ASSIGN_OR_RETURN(std::vector<Field> fields, ParseFields(row));
  std::vector<Value> values;
  values.reserve(columns.size());
  for (const ColumnSpec& column : columns) {
    auto it = std::lower_bound(fields.begin(), fields.end(), column.id,
                               [](const Field& f, uint32_t id) { return f.id < id; });
    if (it == fields.end() || it->id != column.id) {
      values.push_back(column.missing_value);
      continue;
    }
    if (it->type.id == TypeId::kInvalid) {
      values.push_back(Value::Null(column.type.id));
      continue;
    }
    STRATA_ASSIGN_OR_RETURN(Value stored, DecodePayload(it->type, it->payload));
    STRATA_ASSIGN_OR_RETURN(Value v, ConvertToColumnType(std::move(stored), column.type));
    values.push_back(std::move(v));
  }
  return values;
}

Result<std::string> MergePartial(std::string_view old_row, std::span<const ColumnUpdate> updates) {
  STRATA_ASSIGN_OR_RETURN(std::vector<Field> fields, ParseFields(old_row));
  std::vector<const ColumnUpdate*> sorted;
  sorted.reserve(updates.size());
  for (const ColumnUpdate& u : updates) sorted.push_back(&u);
  std::sort(sorted.begin(), sorted.end(),
            [](const ColumnUpdate* a, const ColumnUpdate* b) { return a->id < b->id; });
  for (size_t k = 1; k < sorted.size(); ++k) {
    if (sorted[k - 1]->id == sorted[k]->id) {
      return Status::InvalidArgument("column id " + std::to_string(sorted[k]->id) +
                                     " updated twice");
    }
  }

  std::string out;
  out.reserve(old_row.size() + 16 * updates.size());
  out.push_back(static_cast<char>(kRowFormatVersion));
  size_t f = 0;
  for (const ColumnUpdate* u : sorted) {
    while (f < fields.size() && fields[f].id < u->id) out.append(fields[f++].encoded);
    if (f < fields.size() && fields[f].id == u->id) ++f;  // replaced
    STRATA_RETURN_IF_ERROR(AppendField(u->id, u->value.data_type(), u->value, &out));
  }
  while (f < fields.size()) out.append(fields[f++].encoded);
  return out;
}

FieldLayout::FieldLayout(std::vector<ColumnSpec> columns) : columns_(std::move(columns)) {
  by_id_.reserve(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    by_id_.emplace_back(columns_[i].id, static_cast<uint32_t>(i));
  }
  std::sort(by_id_.begin(), by_id_.end());
}

Status FindFields(std::string_view row, const FieldLayout& layout, std::span<StoredField> out) {
  STRATA_DCHECK(out.size() == layout.size());
  STRATA_RETURN_IF_ERROR(CheckVersion(row));
  for (StoredField& f : out) f = StoredField();  // kMissing
  const auto& wanted = layout.by_id();
  size_t w = 0;
  std::string_view in = row.substr(1);
  int64_t previous_id = -1;
  Field f;
  // Every field is parsed (not only up to the last wanted id), so framing
  // errors are found exactly as DecodeRow finds them.
  while (!in.empty()) {
    STRATA_RETURN_IF_ERROR(ParseNextField(&in, &previous_id, &f));
    while (w < wanted.size() && wanted[w].first < f.id) ++w;
    for (size_t k = w; k < wanted.size() && wanted[k].first == f.id; ++k) {
      StoredField& o = out[wanted[k].second];
      if (f.type.id == TypeId::kInvalid) {
        o.state = StoredField::State::kNull;
      } else {
        o.state = StoredField::State::kPresent;
        o.type = f.type;
        o.payload = f.payload;
      }
    }
  }
  return Status::OK();
}

namespace {

void AppendBigEndian(uint64_t v, size_t width, std::string* out) {
  char b[8];
  for (size_t i = 0; i < width; ++i) b[i] = static_cast<char>(v >> (8 * (width - 1 - i)));
  out->append(b, width);
}

// A fixed-width payload (stored little-endian) in the binary wire format,
// which is the same bits big-endian.
Status AppendFixedBigEndian(std::string_view payload, size_t width, std::string* out) {
  uint64_t u = 0;
  for (size_t i = width; i-- > 0;) u = (u << 8) | static_cast<uint8_t>(payload[i]);
  AppendBigEndian(u, width, out);
  return Status::OK();
}

}  // namespace

Status AppendField(const StoredField& field, const ColumnSpec& column, bool binary,
                   const TextFormatOptions& options, std::string* out) {
  STRATA_DCHECK(field.state == StoredField::State::kPresent);
  const TypeId type = column.type.id;
  const std::string_view p = field.payload;
  // Stored as the column's own scalar type: straight from the payload.
  if (field.type.id == type && !column.type.is_array()) {
    switch (type) {
      case TypeId::kBool:
        if (static_cast<uint8_t>(p[0]) > 1) return Corrupt("bad bool");
        if (binary) {
          out->push_back(p[0]);
        } else {
          out->push_back(p[0] == 1 ? 't' : 'f');
        }
        return Status::OK();
      case TypeId::kInt2:
      case TypeId::kInt4:
      case TypeId::kInt8: {
        if (binary) return AppendFixedBigEndian(p, FixedWidth(type), out);
        const int64_t v = type == TypeId::kInt2   ? static_cast<int16_t>(GetFixed<uint16_t>(p))
                          : type == TypeId::kInt4 ? static_cast<int32_t>(GetFixed<uint32_t>(p))
                                                  : static_cast<int64_t>(GetFixed<uint64_t>(p));
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof(buf), v);
        out->append(buf, static_cast<size_t>(r.ptr - buf));
        return Status::OK();
      }
      case TypeId::kFloat4:
      case TypeId::kFloat8: {
        if (binary) return AppendFixedBigEndian(p, FixedWidth(type), out);
        const bool is_float4 = type == TypeId::kFloat4;
        const double v = is_float4 ? static_cast<double>(std::bit_cast<float>(GetFixed<uint32_t>(p)))
                                   : std::bit_cast<double>(GetFixed<uint64_t>(p));
        AppendFloatText(v, is_float4, options.extra_float_digits, out);
        return Status::OK();
      }
      case TypeId::kText:
      case TypeId::kVarchar:
      case TypeId::kBpchar:
      case TypeId::kJson:
        out->append(p);
        return Status::OK();
      case TypeId::kJsonb:
        if (binary) out->push_back(1);  // jsonb's binary format version
        out->append(p);
        return Status::OK();
      case TypeId::kBytea:
        if (!binary) break;  // hex text: through the Value
        out->append(p);
        return Status::OK();
      default:
        break;
    }
  }
  // Everything else through a Value, exactly as DecodeRow + FormatText or
  // EncodeBinary would do it.
  STRATA_ASSIGN_OR_RETURN(Value stored, DecodePayload(field.type, p));
  STRATA_ASSIGN_OR_RETURN(Value v, ConvertToColumnType(std::move(stored), column.type));
  if (binary) {
    EncodeBinary(v, out);
    return Status::OK();
  }
  STRATA_ASSIGN_OR_RETURN(std::string text, FormatText(v, options));
  out->append(text);
  return Status::OK();
}

Status ValidateRow(std::string_view row) {
  STRATA_ASSIGN_OR_RETURN(std::vector<Field> fields, ParseFields(row));
  for (const Field& f : fields) {
    if (f.type.id == TypeId::kInvalid) continue;
    STRATA_ASSIGN_OR_RETURN(Value v, DecodePayload(f.type, f.payload));
    (void)v;
  }
  return Status::OK();
}

Result<std::vector<uint32_t>> RowColumnIds(std::string_view row) {
  STRATA_ASSIGN_OR_RETURN(std::vector<Field> fields, ParseFields(row));
  std::vector<uint32_t> ids;
  ids.reserve(fields.size());
  for (const Field& f : fields) ids.push_back(f.id);
  return ids;
}

}  // namespace strata::rowstore
