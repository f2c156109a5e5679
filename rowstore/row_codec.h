#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"
#include "common/value_text.h"

namespace strata::rowstore {

// The row replica's value format (specified in rowstore/README.md; on disk,
// so changes need a new version byte):
//
//   row    := version:u8 (= kRowFormatVersion) field*
//   field  := column_id:varint tag:u8 payload
//
// Fields appear in strictly increasing column id order. `tag` is 0 for an
// explicit NULL (no payload) or the stored TypeId. Payloads:
//   bool 1 byte; int2/int4/int8, float4/float8, date, time, timestamp(tz):
//   little-endian fixed width (2/4/8, 4/8, 4, 8, 8); interval: months i32,
//   days i32, micros i64; uuid: 16 bytes;
//   text/varchar/bpchar/bytea/json/jsonb: varint length + bytes;
//   numeric: varint length + [flags u8 (0 positive, 1 negative, 2 NaN),
//            scale varint, digit count varint, digits packed two per byte];
//   array:   element TypeId u8, varint length + [count varint, then per
//            element 0x00 (NULL) or 0x01 + the element payload].
//
// Because fields are tagged with column ids, ALTER TABLE ADD COLUMN needs no
// rewrite (a missing id decodes to the column's missing value) and DROP
// COLUMN just stops asking for an id. Updates rewrite only named fields
// (MergePartial).
//
// Stateless functions; thread-safe. Decoding validates everything and
// returns Corruption (XX001) for malformed bytes; it never crashes on
// garbage.

inline constexpr uint8_t kRowFormatVersion = 1;

// One column of the table's current schema, as the decoder needs it.
struct ColumnSpec {
  uint32_t id = 0;
  DataType type;
  // Value for rows written before the column existed (PostgreSQL's
  // attmissingval); NULL unless ADD COLUMN had a constant default.
  Value missing_value;
};

// A new value for one column of an existing row.
struct ColumnUpdate {
  uint32_t id = 0;
  // NULL or of the column's type (already coerced by the caller).
  Value value;
};

// Encodes a full row: values[i] belongs to columns[i]. Each value must be
// NULL or of the column's value kind (ints must fit the column width); it is
// stored tagged with the column's type. Errors: 42804 on a kind mismatch,
// 22003 when an int does not fit, 22023 on a size mismatch or duplicate id.
Result<std::string> EncodeRow(std::span<const ColumnSpec> columns, std::span<const Value> values);

// Decodes the requested columns (any subset, any order) of `row`; result[i]
// belongs to columns[i] and carries columns[i].type.id (a field stored under
// a type of the same value kind, e.g. varchar read as text, is converted).
// Ids absent from the row yield the column's missing_value; fields for ids
// not requested are skipped (only their framing is checked; ValidateRow
// checks everything). Corruption on malformed bytes or when a stored
// field's kind does not match the column's.
Result<std::vector<Value>> DecodeRow(std::string_view row, std::span<const ColumnSpec> columns);

// Returns `old_row` with the fields named in `updates` replaced (or added);
// every other field is copied byte for byte (its framing is checked, its
// contents are not). Ids in `updates` must be distinct (22023 otherwise).
// A NULL update stores an explicit NULL. Corruption if `old_row` is
// malformed. REQUIRES: each update's value already has its column's type.
Result<std::string> MergePartial(std::string_view old_row, std::span<const ColumnUpdate> updates);

// ---- Reading fields without building Values (the serving fast path) ----

// One requested column of a stored row: a view into the row's bytes.
struct StoredField {
  enum class State : uint8_t {
    kPresent,  // `type` and `payload` describe the stored value
    kNull,     // an explicit NULL
    kMissing,  // no field for the id: the column's missing_value applies
  };
  State state = State::kMissing;
  DataType type;              // the stored type (kPresent only)
  std::string_view payload;   // the payload bytes (kPresent only)
};

// The columns a reader wants from stored rows, in output order, prepared
// once per statement. Immutable after construction; thread-safe to share.
class FieldLayout {
 public:
  explicit FieldLayout(std::vector<ColumnSpec> columns);

  const std::vector<ColumnSpec>& columns() const { return columns_; }
  size_t size() const { return columns_.size(); }
  // (column id, output position) pairs, ascending by id.
  const std::vector<std::pair<uint32_t, uint32_t>>& by_id() const { return by_id_; }

 private:
  std::vector<ColumnSpec> columns_;
  std::vector<std::pair<uint32_t, uint32_t>> by_id_;
};

// Locates the layout's columns in `row` in one pass, without allocating:
// out[i] for layout.columns()[i]. Checks the row's framing as DecodeRow
// does (Corruption if malformed); payload contents are checked when
// appended. REQUIRES: out.size() == layout.size().
Status FindFields(std::string_view row, const FieldLayout& layout, std::span<StoredField> out);

// Appends the value of a present field as `column`'s type in PostgreSQL's
// text output form (`binary` false; as FormatText with `options`) or binary
// send form (as EncodeBinary), byte for byte what formatting
// DecodeRow's Value would give. Corruption as DecodeRow. REQUIRES:
// field.state == kPresent.
Status AppendField(const StoredField& field, const ColumnSpec& column, bool binary,
                   const TextFormatOptions& options, std::string* out);

// Checks that `row` is well formed; OK or Corruption.
Status ValidateRow(std::string_view row);

// The column ids present in `row`, ascending; Corruption if malformed.
Result<std::vector<uint32_t>> RowColumnIds(std::string_view row);

}  // namespace strata::rowstore
