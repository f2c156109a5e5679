#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"

namespace strata::rowstore {

// Memcomparable ("order-preserving") encoding of primary keys for the row
// replica: for two keys of the same column types, memcmp of the encodings
// orders them exactly as Value::Compare orders the values column by column.
// Equal values (1.5 and 1.50, bpchar 'a' and 'a  ', -0.0 and 0.0) encode to
// equal bytes. The format is specified in rowstore/README.md and is on disk:
// never change it.
//
//   bool            1 byte, 0x00 / 0x01
//   int2/int4/int8  2/4/8 bytes big-endian with the sign bit flipped
//   date            as int4;  time, timestamp, timestamptz as int8
//   float4/float8   IEEE bits big-endian; non-negative: sign bit set,
//                   negative: all bits inverted; -0 -> +0, NaN canonical
//                   (sorts above +Infinity, as in PostgreSQL)
//   numeric         class byte (0x01 negative, 0x02 zero, 0x03 positive,
//                   0x04 NaN), then for non-zero numbers the decimal
//                   exponent of the leading digit (int4 encoding) and the
//                   significant digits as bytes 0x01..0x0A ending in 0x00;
//                   for negative numbers exponent and digit bytes are
//                   inverted (terminator 0xFF)
//   text, varchar,  the bytes with 0x00 escaped as 0x00 0xFF, then the
//   bpchar, bytea   terminator 0x00 0x01 (so a prefix sorts first); bpchar
//                   without trailing spaces
//   uuid            the 16 raw bytes
// A composite key is the concatenation of its columns' encodings.
//
// Decoding recovers values equal (Value::operator==) to the encoded ones,
// but not always identical: numeric comes back with its minimal display
// scale (1.50 -> 1.5) and bpchar without trailing padding. The row value
// keeps the exact column values.
//
// Stateless functions; thread-safe.

// True for types that have a key encoding (all but interval, json, jsonb
// and arrays).
bool IsKeyType(TypeId type);

// Appends the encoding of `value` to *out. Errors: 23502 for NULL (a key
// column cannot be NULL); 0A000 for types without a key encoding. On error
// *out is unchanged.
Status AppendKeyValue(const Value& value, std::string* out);

// Encodes a (composite) key. Errors as AppendKeyValue.
Result<std::string> EncodeKey(std::span<const Value> values);

// Decodes one value of `type` from the front of *input and advances *input
// past it. Corruption (XX001) if the bytes are not a valid encoding.
Result<Value> DecodeKeyValue(const DataType& type, std::string_view* input);

// Decodes a whole key of the given column types; Corruption if the bytes
// are malformed or have trailing garbage.
Result<std::vector<Value>> DecodeKey(std::string_view key, std::span<const DataType> types);

// Row keys in the `rows` column family:
//   table id (uint32 big-endian) | shard id (uint16 big-endian) | EncodeKey(pk)
// so one table's rows, and one shard's rows within it, are contiguous and
// ordered by primary key.
inline constexpr size_t kTablePrefixSize = 4;
inline constexpr size_t kShardPrefixSize = 6;

// The 4-byte prefix of every row key of `table_id`.
std::string TablePrefix(uint32_t table_id);
// The 6-byte prefix of every row key of (`table_id`, `shard_id`).
std::string ShardPrefix(uint32_t table_id, uint16_t shard_id);
// Full row key. Errors as AppendKeyValue.
Result<std::string> EncodeRowKey(uint32_t table_id, uint16_t shard_id,
                                 std::span<const Value> primary_key);

struct RowKey {
  uint32_t table_id = 0;
  uint16_t shard_id = 0;
  std::vector<Value> primary_key;
};

// Splits and decodes a row key; Corruption on malformed input.
Result<RowKey> DecodeRowKey(std::string_view key, std::span<const DataType> pk_types);

// The smallest string greater than every string that starts with `prefix`
// (usable as an exclusive iterate_upper_bound or DeleteRange end). Returns
// an empty string when no such bound exists (prefix empty or all 0xFF):
// the caller must then scan to the end of the key space.
std::string PrefixUpperBound(std::string_view prefix);

}  // namespace strata::rowstore
