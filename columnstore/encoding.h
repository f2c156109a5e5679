#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"
#include "columnstore/column_vector.h"

namespace strata::columnstore {

// Block encodings and compression of the column segment format
// (docs/formats/column_segment.md). Stateless functions; thread-safe.

enum class Encoding : uint8_t {
  kPlain = 0,
  kDictionary = 1,
  kRunLength = 2,
  kFrameOfReference = 3,  // ints only: min + bit-packed offsets
  kDelta = 4,             // ints only: first value + frame-of-reference deltas
};

enum class Compression : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

std::string_view EncodingName(Encoding encoding);

// Per-block statistics (the zone map): min/max over the non-null values
// under Value::Compare's order (absent when every value is NULL, and for
// kEncoded columns, which have no zone maps), and the null count.
struct ZoneMap {
  uint32_t row_count = 0;
  uint32_t null_count = 0;
  std::optional<Value> min;
  std::optional<Value> max;
};

struct EncodedBlock {
  std::string bytes;  // the block as stored, checksum included
  Encoding encoding = Encoding::kPlain;
  ZoneMap zone_map;
};

// Encodes all rows of `column` as one block: every applicable encoding is
// tried and the smallest chosen (`force`, when set and applicable, wins
// instead), then the result is compressed with `compression` unless that
// does not make it smaller. zstd_level: 1..22.
EncodedBlock EncodeBlock(const ColumnVector& column, Compression compression, int zstd_level,
                         std::optional<Encoding> force = std::nullopt);

// Decodes a block written by EncodeBlock for a column of `type` holding
// `expected_rows` rows. Corruption (XX001) on a checksum mismatch or any
// malformed content; never crashes on garbage.
Result<ColumnVector> DecodeBlock(std::string_view bytes, const DataType& type,
                                 uint32_t expected_rows);

// The zone map of `column` (what EncodeBlock stores).
ZoneMap ComputeZoneMap(const ColumnVector& column);

}  // namespace strata::columnstore
