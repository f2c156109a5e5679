#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/numeric.h"
#include "common/types.h"

namespace strata {

// PostgreSQL's interval: months, days and microseconds kept apart.
// Comparison and hashing use PostgreSQL's "span" (a month = 30 days, a day =
// 24 hours), so '1 month' equals '30 days' although they differ field-wise.
struct Interval {
  int32_t months = 0;
  int32_t days = 0;
  int64_t micros = 0;

  // Field-wise identity (not SQL equality; use Value::Compare for that).
  bool operator==(const Interval&) const = default;
};

// 16 raw bytes in RFC 4122 order (as PostgreSQL stores and sends them).
using Uuid = std::array<uint8_t, 16>;

// How a Value stores its payload; several TypeIds share one kind
// (int2/int4/int8 -> kInt, text/varchar/bpchar/bytea/json/jsonb -> kString,
// timestamp/timestamptz -> kTimestamp).
enum class ValueKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kFloat,
  kNumeric,
  kString,
  kDate,
  kTime,
  kTimestamp,
  kInterval,
  kUuid,
  kArray,
  kRecord,
};

// The payload kind of non-null values of `type`. kNull for kInvalid.
ValueKind KindOf(TypeId type);

// Date and timestamp representations follow PostgreSQL: a date is days
// since 2000-01-01; time is microseconds since midnight; timestamp and
// timestamptz are microseconds since 2000-01-01 00:00:00 (UTC for
// timestamptz). Infinity is the extreme int value (INT32_MIN/MAX for
// dates, INT64_MIN/MAX for timestamps), as in PostgreSQL.
inline constexpr int32_t kDateNegativeInfinity = INT32_MIN;
inline constexpr int32_t kDatePositiveInfinity = INT32_MAX;
inline constexpr int64_t kTimestampNegativeInfinity = INT64_MIN;
inline constexpr int64_t kTimestampPositiveInfinity = INT64_MAX;
// Days between 1970-01-01 (Unix epoch) and 2000-01-01 (PostgreSQL epoch).
inline constexpr int32_t kUnixEpochToPgEpochDays = 10957;
inline constexpr int64_t kMicrosPerDay = 86'400'000'000;

// A single SQL value: NULL or a payload of one TypeId. Values know their
// TypeId (an int4 and an int8 holding 7 are different Values) but not the
// type modifier; a typmod is applied when the value is produced
// (e.g. Numeric::ApplyTypmod, value_text.h).
//
// A value type: copies are independent (arrays share their immutable element
// vector). Not thread-safe for mutation; const access from many threads is
// fine.
class Value {
 public:
  struct ArrayData {
    TypeId element = TypeId::kInvalid;
    std::vector<Value> elements;  // each NULL or of type `element`
  };

  // NULL of unknown type.
  Value() = default;

  static Value Null(TypeId type = TypeId::kInvalid);
  static Value Bool(bool v);
  static Value Int2(int16_t v);
  static Value Int4(int32_t v);
  static Value Int8(int64_t v);
  // REQUIRES for Int: `type` is int2/int4/int8 and `v` fits it.
  static Value Int(TypeId type, int64_t v);
  static Value Float4(float v);
  static Value Float8(double v);
  static Value FromNumeric(Numeric v);
  // text, varchar, bpchar, bytea, json or jsonb; raw bytes (text is UTF-8,
  // json/jsonb hold their text form). REQUIRES: KindOf(type) == kString.
  static Value String(TypeId type, std::string v);
  static Value Text(std::string v) { return String(TypeId::kText, std::move(v)); }
  static Value Varchar(std::string v) { return String(TypeId::kVarchar, std::move(v)); }
  static Value Bpchar(std::string v) { return String(TypeId::kBpchar, std::move(v)); }
  static Value Bytea(std::string v) { return String(TypeId::kBytea, std::move(v)); }
  static Value Date(int32_t days_since_2000);
  static Value Time(int64_t micros_since_midnight);
  static Value Timestamp(int64_t micros_since_2000);
  static Value TimestampTz(int64_t micros_since_2000_utc);
  static Value FromInterval(Interval v);
  static Value FromUuid(const Uuid& v);
  // REQUIRES: element is a scalar TypeId; each element NULL or of that type.
  static Value Array(TypeId element, std::vector<Value> elements);
  // A record (anonymous composite): its field values in order. The field
  // names and declared types live in the expression's DataType
  // (RecordFields), not in the value, as in PostgreSQL.
  static Value Record(std::vector<Value> fields);

  // The value's type; kInvalid only for an untyped NULL.
  TypeId type() const { return type_; }
  // The full type (with the element type for arrays; typmod always -1).
  DataType data_type() const;
  bool is_null() const { return std::holds_alternative<std::monostate>(payload_); }
  ValueKind kind() const { return is_null() ? ValueKind::kNull : KindOf(type_); }

  // Payload accessors. REQUIRES: !is_null() and the matching kind.
  bool bool_value() const { return std::get<bool>(payload_); }
  int64_t int_value() const { return std::get<int64_t>(payload_); }
  // float4 values are held widened to double (exactly).
  double float_value() const { return std::get<double>(payload_); }
  const Numeric& numeric_value() const { return std::get<Numeric>(payload_); }
  // Valid while this Value is alive and unmodified.
  std::string_view string_value() const { return std::get<std::string>(payload_); }
  int32_t date_value() const { return static_cast<int32_t>(std::get<int64_t>(payload_)); }
  int64_t time_value() const { return std::get<int64_t>(payload_); }
  int64_t timestamp_value() const { return std::get<int64_t>(payload_); }
  const Interval& interval_value() const { return std::get<Interval>(payload_); }
  const Uuid& uuid_value() const { return std::get<Uuid>(payload_); }
  TypeId array_element_type() const { return std::get<ArrayPtr>(payload_)->element; }
  const std::vector<Value>& array_elements() const {
    return std::get<ArrayPtr>(payload_)->elements;
  }
  const std::vector<Value>& record_fields() const { return std::get<ArrayPtr>(payload_)->elements; }

  // Total order in SQL semantics for values of the same kind (int2 vs int8
  // is fine; int vs numeric is not): NULL sorts after everything and equals
  // NULL; NaN (float, numeric) sorts after all numbers and equals NaN;
  // -0.0 == 0.0; numerics ignore display scale (1.5 == 1.50); bpchar
  // ignores trailing spaces; strings and bytea compare bytewise (C
  // collation); intervals compare by span; arrays element-wise, then by
  // length; records field by field (as PostgreSQL's btree record_cmp: NULL
  // fields equal each other and sort last), then by field count. Returns
  // <0, 0, >0. REQUIRES: same kind unless either is NULL.
  static int Compare(const Value& a, const Value& b);

  // Same TypeId (or both NULL) and Compare() == 0. Not SQL '=': NULL == NULL
  // here.
  bool operator==(const Value& other) const;

  // A 64-bit hash, consistent with operator== within one type family, and
  // STABLE ACROSS RUNS, BUILDS AND PLATFORMS: it picks the shard of a row
  // from its distribution key, so the definition below is part of the
  // on-disk format and must never change.
  //
  // Definition: FNV-1a 64 (offset 0xcbf29ce484222325, prime 0x100000001b3)
  // over the canonical bytes, then MurmurHash3's fmix64 finalizer. The
  // canonical bytes are one kind byte (the ValueKind number) followed by:
  //   NULL: nothing;  bool: 0x00/0x01;  int: int64 little-endian;
  //   float: IEEE double bits LE (-0 -> +0, every NaN -> 0x7ff8000000000000);
  //   numeric: Normalized().ToString() ("NaN", "-1.5", "0");
  //   string: the bytes (bpchar without trailing spaces);
  //   date: int32 LE;  time/timestamp: int64 LE;
  //   interval: span in microseconds as 128-bit two's complement LE;
  //   uuid: 16 bytes;
  //   array: element count as uint32 LE, then each element's canonical
  //          bytes prefixed by its byte length as uint32 LE;
  //   record: as array, over the fields.
  // int2/int4/int8 holding the same number hash alike, as do text and
  // varchar holding the same bytes.
  uint64_t Hash() const;

  // For logs and test failures: "NULL", "int4 42", "text 'abc'",
  // "numeric 1.50", "int4[] {1,NULL}", "record (integer 1,NULL::text)". Not a SQL or
  // protocol format.
  std::string DebugString() const;

 private:
  // Arrays and records share the payload (a record's `element` is kInvalid).
  using ArrayPtr = std::shared_ptr<const ArrayData>;
  using Payload = std::variant<std::monostate, bool, int64_t, double, Numeric, std::string,
                               Interval, Uuid, ArrayPtr>;

  Value(TypeId type, Payload payload) : type_(type), payload_(std::move(payload)) {}
  void AppendCanonicalBytes(std::string* out) const;

  TypeId type_ = TypeId::kInvalid;
  Payload payload_;
};

// FNV-1a 64 + fmix64 over `bytes`: the hash function behind Value::Hash.
// Stable forever.
uint64_t StableHash64(std::string_view bytes);

// Stable hash of a composite distribution key: StableHash64 over the
// concatenation of each value's Hash() as uint64 little-endian. Stable
// forever, like Value::Hash.
uint64_t HashValues(std::span<const Value> values);

// PostgreSQL's interval span in microseconds (month = 30 days).
__int128 IntervalSpan(const Interval& v);

}  // namespace strata
