#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/value.h"

namespace strata::binlog {

// The kind of a binlog record, numbered as Hologres's hg_binlog_event_type
// (DESIGN §4). The numbers are persisted and shown to users; never renumber.
enum class BinlogEventType : uint8_t {
  kDelete = 2,
  kUpdateBefore = 3,
  kInsert = 5,
  kUpdateAfter = 7,
  // Per-shard progress marker: everything in the shard up to the record's
  // timestamp has been delivered. Carries no row.
  kHeartbeat = 27,
};

// True for the five numbers above.
bool IsValidBinlogEventType(uint8_t value);
// "INSERT", "DELETE", "UPDATE_BEFORE", "UPDATE_AFTER", "HEARTBEAT".
std::string_view BinlogEventTypeName(BinlogEventType type);

// One change record of one table shard. Stored in RocksDB as
// key = EncodeBinlogKey(table_id, shard, lsn, seq_in_commit) and
// value = EncodeBinlogValue(record); see docs/formats/binlog_record.md.
// A plain value type.
struct BinlogRecord {
  uint64_t lsn = 0;  // the commit's LSN
  BinlogEventType type = BinlogEventType::kInsert;
  int64_t timestamp_us = 0;  // commit time, microseconds since the Unix epoch
  uint32_t table_id = 0;
  uint16_t shard = 0;
  uint32_t seq_in_commit = 0;  // orders the records of one commit in one shard
  std::vector<Value> row;      // the full row image (empty for heartbeats)

  bool operator==(const BinlogRecord&) const = default;
};

// ---------------------------------------------------------------------------
// Keys: table_id u32 BE | shard u16 BE | lsn u64 BE | seq_in_commit u32 BE
// (18 bytes), so that bytewise order is (table_id, shard, lsn, seq) order.
// All functions are stateless and thread-safe.

inline constexpr size_t kBinlogKeyPrefixSize = 6;
inline constexpr size_t kBinlogKeySize = 18;

struct BinlogKey {
  uint32_t table_id = 0;
  uint16_t shard = 0;
  uint64_t lsn = 0;
  uint32_t seq_in_commit = 0;

  bool operator==(const BinlogKey&) const = default;
  auto operator<=>(const BinlogKey&) const = default;
};

std::string EncodeBinlogKey(uint32_t table_id, uint16_t shard, uint64_t lsn,
                            uint32_t seq_in_commit);
std::string EncodeBinlogKey(const BinlogKey& key);
std::string EncodeBinlogKey(const BinlogRecord& record);

// Corruption unless `key` is exactly kBinlogKeySize bytes.
Result<BinlogKey> DecodeBinlogKey(std::string_view key);

// The 6-byte prefix shared by every key of (table_id, shard).
std::string BinlogKeyPrefix(uint32_t table_id, uint16_t shard);

// The smallest key above every key of (table_id, shard) (for RocksDB's
// iterate_upper_bound), or nullopt for table 0xFFFFFFFF shard 0xFFFF, whose
// keys have no upper bound of prefix form.
std::optional<std::string> BinlogKeyPrefixUpperBound(uint32_t table_id, uint16_t shard);

// A key that sorts after every key of (table_id, shard) with lsn <= `lsn`
// and at or before every key with lsn > `lsn`: Seek() to it finds the first
// record with lsn > `lsn` (if any in this shard). Works for lsn = UINT64_MAX
// too (it is the key of (lsn, seq = UINT32_MAX) plus one 0x00 byte, so it is
// never the key of a record).
std::string BinlogSeekKeyAfterLsn(uint32_t table_id, uint16_t shard, uint64_t lsn);

// Seek() to this finds the first record with lsn >= `lsn`.
std::string BinlogSeekKeyAtLsn(uint32_t table_id, uint16_t shard, uint64_t lsn);

// ---------------------------------------------------------------------------
// Values:
//   version u8 (=1) | event type u8 | timestamp_us zigzag varint |
//   column count varint | field*
// where each field is self-describing (TypeId tag, NULL marked, payload), so
// a value decodes without the table's schema. Details in
// docs/formats/binlog_record.md.

inline constexpr uint8_t kBinlogValueVersion = 1;

// The part of a record that the value holds.
struct BinlogValue {
  BinlogEventType type = BinlogEventType::kInsert;
  int64_t timestamp_us = 0;
  std::vector<Value> row;
};

// Appends the value encoding of `record` (type, timestamp, row) to *out.
// REQUIRES: every Value in the row is well-formed (as its constructors
// guarantee); a NULL of unknown type is allowed.
void EncodeBinlogValue(const BinlogRecord& record, std::string* out);
std::string EncodeBinlogValue(const BinlogRecord& record);

// The two halves of EncodeBinlogValue, for writers that encode a row image
// before the commit's timestamp is known: a value is exactly
// AppendBinlogValueHeader(type, ts) followed by EncodeBinlogRowFields(row)
// (column count + fields). Two rows have equal field bytes iff they are
// equal in representation (type, NULL-ness and payload: 1.5 and 1.50
// differ, as their text does).
void AppendBinlogValueHeader(BinlogEventType type, int64_t timestamp_us, std::string* out);
void EncodeBinlogRowFields(const std::vector<Value>& row, std::string* out);

// Decodes a value. Corruption (XX001) on anything that is not exactly one
// well-formed value: unknown version, event type or TypeId, truncation,
// trailing bytes, out-of-range payloads. Never crashes on any input.
Result<BinlogValue> DecodeBinlogValue(std::string_view value);

// Decodes only the event type and timestamp of a value (for retention,
// which does not need the row). Corruption as DecodeBinlogValue for the
// bytes it reads.
Result<std::pair<BinlogEventType, int64_t>> DecodeBinlogValueHeader(std::string_view value);

// Decodes a whole record from its key and value.
Result<BinlogRecord> DecodeBinlogRecord(std::string_view key, std::string_view value);

}  // namespace strata::binlog
