#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/numeric.h"
#include "common/types.h"
#include "common/value.h"

namespace strata::columnstore {

// How a column's values are held in memory and in segment blocks.
//   kInt:     bool (0/1), int2/int4/int8, date, time, timestamp, timestamptz
//             as int64 (dates: days since 2000-01-01, the rest microseconds);
//             numeric(p, s) with p <= 18 ("scaled numeric") as the value
//             times 10^s, NaN as INT64_MAX (|value| < 10^18 otherwise, so
//             the int order is numeric's order with NaN above all)
//   kFloat:   float4/float8 as double
//   kString:  text, varchar, bpchar, bytea, json, jsonb as raw bytes
//   kEncoded: everything else (numeric, interval, uuid, arrays) as Values in
//             memory and as their PostgreSQL binary form (common/value_binary.h)
//             in segments
enum class PhysicalType : uint8_t { kInt = 0, kFloat = 1, kString = 2, kEncoded = 3 };

PhysicalType PhysicalTypeOf(const DataType& type);

// numeric(p, s) with 0 <= s <= p <= 18: held as a scaled int64.
bool IsScaledNumeric(const DataType& type);
// s of numeric(p, s). REQUIRES: IsScaledNumeric(type).
int32_t NumericTypeScale(const DataType& type);
inline constexpr int64_t kScaledNumericNaN = INT64_MAX;
// `v` * 10^scale, rounded half away from zero to an integer (NaN:
// kScaledNumericNaN); nullopt when that does not fit in 18 digits, or, with
// `exact`, when rounding would change the value.
std::optional<int64_t> ScaleNumeric(const Numeric& v, int32_t scale, bool exact);
// The numeric `v` * 10^-scale with display scale `scale`.
Numeric UnscaleNumeric(int64_t v, int32_t scale);

// The int64 payload of a value of a column of `type`. REQUIRES: !v.is_null(),
// PhysicalTypeOf(type) is kInt and v is of type's kind (a scaled numeric
// value must fit the type, as values stored in such a column do).
int64_t IntPayload(const DataType& type, const Value& v);

// Total order on doubles matching Value::Compare: -0.0 == 0.0, NaN equals
// NaN and sorts after every number. Returns <0, 0, >0.
int CompareDoubles(double a, double b);
// Byte order; bpchar ignores trailing spaces (as Value::Compare does).
int CompareStrings(TypeId type, std::string_view a, std::string_view b);

// One column of a batch: a null flag per row plus the values in the vector
// of the column's physical type (ints, floats, strings or values). Null rows
// hold a default value in the typed vector, so position i is row i in every
// vector that is in use. Plain data; not thread-safe for mutation.
struct ColumnVector {
  ColumnVector() = default;
  explicit ColumnVector(DataType column_type)
      : type(column_type), physical(PhysicalTypeOf(column_type)) {}

  DataType type;
  PhysicalType physical = PhysicalType::kEncoded;
  std::vector<uint8_t> nulls;  // 1 = NULL
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  std::vector<Value> values;

  size_t size() const { return nulls.size(); }
  bool IsNull(size_t i) const { return nulls[i] != 0; }
  // Row i as a Value of `type` (NULL of type.id for nulls).
  Value GetValue(size_t i) const;

  void Clear();
  void Reserve(size_t n);
  void AppendNull();
  void AppendInt(int64_t v);
  void AppendFloat(double v);
  void AppendString(std::string_view v);
  // Appends `v` (NULL or of this column's value kind). REQUIRES: matching kind.
  void AppendValue(const Value& v);
  // Appends row `i` of `other` (same physical type).
  void AppendFrom(const ColumnVector& other, size_t i);
  // Appends the rows `selection` (ascending or not) of `other`.
  void AppendSelected(const ColumnVector& other, std::span<const uint32_t> selection);
  // Appends `v` `count` times.
  void AppendRepeated(const Value& v, size_t count);
};

// A batch of rows in columnar form: columns[i] holds column column_ids[i].
// `ordinals` (only when requested) holds each row's ordinal in its segment.
struct ColumnBatch {
  std::vector<uint32_t> column_ids;
  std::vector<ColumnVector> columns;
  std::vector<uint32_t> ordinals;

  size_t num_rows() const { return columns.empty() ? row_count : columns.front().size(); }
  // Rows when no column is projected (e.g. count(*)).
  size_t row_count = 0;

  void Clear() {
    for (ColumnVector& c : columns) c.Clear();
    ordinals.clear();
    row_count = 0;
  }
};

}  // namespace strata::columnstore
