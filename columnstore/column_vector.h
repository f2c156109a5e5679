#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/types.h"
#include "common/value.h"

namespace strata::columnstore {

// How a column's values are held in memory and in segment blocks.
//   kInt:     bool (0/1), int2/int4/int8, date, time, timestamp, timestamptz
//             as int64 (dates: days since 2000-01-01, the rest microseconds)
//   kFloat:   float4/float8 as double
//   kString:  text, varchar, bpchar, bytea, json, jsonb as raw bytes
//   kEncoded: everything else (numeric, interval, uuid, arrays) as Values in
//             memory and as their PostgreSQL binary form (common/value_binary.h)
//             in segments
enum class PhysicalType : uint8_t { kInt = 0, kFloat = 1, kString = 2, kEncoded = 3 };

PhysicalType PhysicalTypeOf(const DataType& type);

// The int64 payload of a kInt value. REQUIRES: !v.is_null() and its type's
// physical type is kInt.
int64_t IntPayload(const Value& v);

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
