#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "storage/binlog_scan.h"
#include "storage/catalog.h"
#include "storage/lsn.h"
#include "storage/row_access.h"
#include "storage/snapshot.h"

namespace rocksdb {
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

// Internal to storage/: what a commit writes into the `binlog` column family
// besides the per-table records of binlog/record.h, and the per-transaction
// buffer of changes. Formats: docs/formats/binlog_record.md.
//
// Key space of the binlog column family (all keys are binlog/record.h's
// 18-byte BinlogKey):
//   (table, shard,  lsn, seq)   a table shard's records   shard < kMaxShardCount
//   (table, 0xFFFF, lsn, 0)     the table's definition as of DDL commit `lsn`
//   (0,     0,      lsn, 0)     commit index entry of feed commit `lsn`
// Table id 0 is never a user table (OIDs start at kFirstUserOid).

namespace strata::storage {
class Database;
}  // namespace strata::storage

namespace strata::storage::binlog_store {

inline constexpr uint32_t kCommitIndexTableId = 0;
inline constexpr uint16_t kHistoryShard = 0xFFFF;

// `meta` column family keys.
// LSN R: feed transactions with lsn > R are complete (u64 BE).
inline constexpr std::string_view kRemovedLsnKey = "binlog_removed_lsn";
// Every xid handed out is below this (u32 BE).
inline constexpr std::string_view kXidCeilingKey = "xid_ceiling";
// Prefix of ChangeFeed::PutReplicationState keys.
inline constexpr std::string_view kReplicationStatePrefix = "repl/";

// PostgreSQL's FirstNormalTransactionId.
inline constexpr uint32_t kFirstXid = 3;

struct CommitPart {
  uint32_t table_id = 0;
  uint16_t shard = 0;
  bool operator==(const CommitPart&) const = default;
  auto operator<=>(const CommitPart&) const = default;
};

struct CommitTruncate {
  uint32_t seq = 0;  // position among the commit's records
  bool cascade = false;
  bool restart_identity = false;
  std::vector<uint32_t> table_ids;
};

// One feed commit: who wrote it, when, and where its records are.
struct CommitIndexEntry {
  uint32_t xid = 0;
  int64_t commit_time_us = 0;
  uint32_t record_count = 0;
  // Sum of the records' row field bytes (for FeedReadOptions::max_bytes).
  uint64_t row_bytes = 0;
  std::vector<CommitPart> parts;  // sorted, unique
  std::vector<CommitTruncate> truncates;
};

std::string EncodeCommitIndex(const CommitIndexEntry& entry);
Result<CommitIndexEntry> DecodeCommitIndex(std::string_view bytes);

// A definition history value. A drop record keeps the last definition: the
// dropping transaction may have written rows under it at the same LSN.
std::string EncodeTableHistory(std::string_view schema_name, const TableDef& def, bool dropped);
struct TableHistory {
  std::string schema_name;
  TableDef def;
  bool dropped = false;
};
Result<TableHistory> DecodeTableHistory(std::string_view bytes);

// Shard of a row-replica key (table u32 | shard u16 | ...).
uint16_t ShardOfRowKey(std::string_view row_key);

// The binlog changes one transaction buffered, in statement order, with the
// row images already encoded (binlog::EncodeBinlogRowFields), so that the
// commit's serialized section only concatenates bytes.
//
// Not thread-safe (owned by one DatabaseTransaction).
class ChangeBuffer {
 public:
  // A row change of a binlog table: before/after null for insert/delete;
  // keys are the row-replica keys (they give the shards). An update whose
  // images are equal in representation adds nothing.
  void AddRowChange(uint32_t table_id, std::string_view old_key, const Row* before,
                    std::string_view new_key, const Row* after);
  // One TRUNCATE statement over `table_ids` (binlog tables only).
  void AddTruncate(std::vector<uint32_t> table_ids, bool cascade, bool restart_identity);

  bool empty() const { return changes_.empty(); }
  size_t size() const { return changes_.size(); }

  // Appends the records and the commit index entry of a commit at `lsn`.
  Status Write(uint32_t xid, Lsn lsn, int64_t commit_time_us, rocksdb::ColumnFamilyHandle* binlog,
               rocksdb::WriteBatch* batch) const;

 private:
  struct Change {
    enum class Kind : uint8_t { kInsert, kUpdate, kDelete, kTruncate };
    Kind kind = Kind::kInsert;
    uint32_t table_id = 0;
    uint16_t old_shard = 0;
    uint16_t new_shard = 0;
    std::string old_fields;
    std::string new_fields;
    std::vector<uint32_t> truncated;
    bool cascade = false;
    bool restart_identity = false;
  };
  std::vector<Change> changes_;
};

}  // namespace strata::storage::binlog_store

namespace strata::storage {
// ReadView/DatabaseTransaction::BinlogScan at `snapshot`. 0A000 when the
// table has no binlog. Implemented in change_feed.cc.
Result<std::unique_ptr<BinlogScanner>> NewBinlogScanner(Database* db, const Snapshot& snapshot,
                                                        const TableDef& table,
                                                        const BinlogScanSpec& spec);
}  // namespace strata::storage
