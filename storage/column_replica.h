#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "columnstore/segment.h"
#include "common/result.h"
#include "common/status.h"
#include "storage/catalog.h"
#include "storage/column_scan.h"
#include "storage/lsn.h"
#include "storage/snapshot.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

// Internal to storage/: the column replica's records, flush, compaction and
// garbage collection (storage/README.md "Column replica").
namespace strata::storage {

class Database;
class Engine;
class Transaction;

bool HasColumnReplica(const TableDef& table);

// Where the current version of a row lives in the column replica.
struct ColumnLocation {
  bool in_segment = false;
  uint64_t id = 0;  // delta sequence number, or segment id
  uint32_t ordinal = 0;

  bool operator==(const ColumnLocation&) const = default;
};

namespace column_keys {
// col_delta: TablePrefix(relfilenode) | seq u64 BE.
std::string Delta(uint32_t relfilenode, uint64_t seq);
// delvec: TablePrefix(relfilenode) | segment id u64 BE | ordinal u32 BE.
std::string DeletedRow(uint32_t relfilenode, uint64_t segment, uint32_t ordinal);
std::string DeleteVectorPrefix(uint32_t relfilenode, uint64_t segment);
// meta: "colseg/" | relfilenode u32 BE | segment id u64 BE -> SegmentRecord.
std::string Manifest(uint32_t relfilenode, uint64_t segment);
std::string ManifestPrefix(uint32_t relfilenode);
inline constexpr std::string_view kManifestTag = "colseg/";
inline constexpr std::string_view kNextDeltaSeqKey = "next_delta_seq";
inline constexpr std::string_view kNextSegmentIdKey = "next_segment_id";

std::string EncodeLocation(const ColumnLocation& location);
Result<ColumnLocation> DecodeLocation(std::string_view bytes);
// Delta value: varint key length | row key | row bytes (rowstore row codec).
std::string EncodeDeltaValue(std::string_view row_key, std::string_view row);
Status DecodeDeltaValue(std::string_view value, std::string_view* row_key, std::string_view* row);
}  // namespace column_keys

struct SegmentRecord {
  uint32_t relfilenode = 0;
  uint64_t segment_id = 0;
  uint64_t row_count = 0;
};

// This transaction's column-replica writes: row key -> the location its
// final version has in the transaction's own buffer (nullopt: deleted).
using TouchedRows = std::map<std::string, std::optional<ColumnLocation>>;

// One table's column replica as of a snapshot (strata_tables, tests).
struct ColumnReplicaTableInfo {
  uint64_t segments = 0;      // named by the manifest
  uint64_t segment_rows = 0;  // rows written into those segments
  uint64_t deleted_rows = 0;  // of those, marked in delete vectors
  uint64_t delta_rows = 0;    // not flushed yet (approximate: the flush trigger's count)
};

struct ColumnReplicaStats {
  uint64_t flushes = 0;
  uint64_t flushed_rows = 0;
  uint64_t compactions = 0;
  uint64_t compaction_checks = 0;  // tables examined for compaction
  uint64_t segments_deleted = 0;  // files unlinked
  uint64_t flush_retries = 0;     // flushes abandoned because the table changed
  uint64_t maintenance_rounds = 0;  // background rounds run (Database::RunMaintenance)
  Status last_background_error;
};

// One database's column replica machinery. Thread-safe. Owned by Database;
// Stop() before the Engine goes away.
class ColumnReplica {
 public:
  ColumnReplica(Database* db, Engine* engine);
  ~ColumnReplica();

  // Creates the segment directory, loads counters, and deletes segment
  // files that no manifest record names (leftovers of a crash).
  Status Open();
  void StartBackground();
  void Stop();

  uint64_t AllocateDeltaSeq() { return next_delta_seq_.fetch_add(1); }
  uint64_t next_delta_seq() const { return next_delta_seq_.load(); }

  // Commit-stamp part of a transaction (runs inside the pipeline's
  // serialized section): for every touched row whose relfilenode is not in
  // `reclaimed`, invalidates its committed location as of this commit
  // (deletes the delta entry or sets the delete-vector bit) and records
  // the new one for later stamps of the same group. `fresh_rows`: delta
  // rows per relfilenode written under keys without a committed version
  // (not in `touched`; nothing to invalidate), counted for the flush
  // trigger only.
  // `lsn`: the commit's.
  Status ApplyTransaction(const TouchedRows& touched, const std::map<uint32_t, int64_t>& fresh_rows,
                          const std::set<uint32_t>& reclaimed, Lsn lsn, rocksdb::WriteBatch* batch);

  // Segments of `relfilenode` as of `snapshot`, by id.
  Result<std::vector<SegmentRecord>> ListSegments(const Snapshot& snapshot,
                                                  uint32_t relfilenode) const;
  Result<columnstore::DeleteVector> ReadDeleteVector(const Snapshot& snapshot,
                                                     uint32_t relfilenode,
                                                     uint64_t segment) const;
  Result<std::shared_ptr<const columnstore::Segment>> GetSegment(uint64_t segment_id);
  Result<ColumnReplicaTableInfo> TableInfo(const Snapshot& snapshot, uint32_t relfilenode) const;

  // Scanner over `table` at `snapshot`. With `txn`: the delta is read
  // through it and `touched` rows' committed versions are hidden.
  Result<std::unique_ptr<ColumnScanner>> NewScanner(const TableDef& table,
                                                    const ColumnScanSpec& spec,
                                                    const Snapshot& snapshot,
                                                    const Transaction* txn,
                                                    const TouchedRows* touched);

  Status FlushTable(uint32_t table_id);
  Status FlushAll();
  Status CompactTable(uint32_t table_id);
  // Flush rounds until the delta is empty (bounded), then CompactTable.
  Status VacuumTable(uint32_t table_id);
  Status CollectGarbage();
  ColumnReplicaStats stats() const;
  std::string SegmentPath(uint64_t segment_id) const;
  // Number of segment files on disk (for tests).
  size_t SegmentFileCount() const;

 private:
  struct DeltaEntry {
    uint64_t seq;
    std::string row_key;
    std::string row;
  };

  // Stamp-only: the row's location as of the commit being stamped.
  Result<std::optional<ColumnLocation>> CurrentLocation(const std::string& row_key);
  // CurrentLocation of each key, with batched reads.
  Result<std::vector<std::optional<ColumnLocation>>> CurrentLocations(
      const std::vector<std::string>& row_keys);
  void RecordLocation(const std::string& row_key, const std::optional<ColumnLocation>& loc);
  void BeginStampGroup();
  // Stamp-only, for a flush or compaction that read at `snapshot_lsn` (and
  // holds that snapshot): false when no commit since wrote the row, so its
  // location is still the one the snapshot shows. Spares the serialized
  // section a pk_index read per moved row. Relies on: user transactions
  // track their rows and pk_index keys in the write set (the default
  // TransactionOptions conflict families; a bulk load tracks the rows key);
  // flush and compaction, which move rows without a write set, are
  // serialized by maintenance_mu_; DROP/TRUNCATE's DeleteRange has no write
  // set either, but the stamps first reject a table with DDL since the
  // snapshot.
  bool RowWrittenSince(std::string_view row_key, Lsn snapshot_lsn) const;
  Status FlushTableLocked(uint32_t table_id, bool* flushed);
  Status CompactTableLocked(uint32_t table_id);
  // True when the table changed after the last completed compaction check
  // (or was never checked since open); see change_lsn_.
  bool CompactionCheckDue(uint32_t relfilenode) const;
  // A compaction check that saw the table as of `snapshot_lsn` completed.
  void CompactionChecked(uint32_t relfilenode, Lsn snapshot_lsn);
  Status WriteSegment(const TableDef& table, std::vector<std::vector<Value>>* rows,
                      std::vector<std::string>* row_keys, std::vector<size_t>* order,
                      uint64_t segment_id);
  void Obsolete(Lsn lsn, std::vector<uint64_t> segments);
  void BackgroundLoop();

  Database* const db_;
  Engine* const engine_;
  std::string dir_;
  std::atomic<uint64_t> next_delta_seq_{1};
  std::atomic<uint64_t> next_segment_id_{1};

  // Serializes flush, compaction and garbage collection.
  std::mutex maintenance_mu_;

  // Locations recorded by stamps of the commit group being assembled
  // (earlier groups are in RocksDB already).
  std::mutex overlay_mu_;
  uint64_t overlay_group_ = 0;
  std::unordered_map<std::string, std::optional<ColumnLocation>> overlay_;

  mutable std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<const columnstore::Segment>> cache_;
  std::vector<std::pair<Lsn, uint64_t>> obsolete_;  // (LSN it left the manifest, segment)
  std::map<uint64_t, Lsn> orphan_seen_;               // unnamed segment -> LSN first seen so
  std::map<uint32_t, int64_t> delta_rows_;           // relfilenode -> approx. delta rows
  std::map<uint32_t, Lsn> delta_added_lsn_;           // relfilenode -> last commit adding delta rows
  // relfilenode -> LSN of the last commit that deleted or added column-replica
  // rows, flushed or compacted; and the snapshot LSN of the last compaction
  // check that completed (found nothing to do, or committed its compaction).
  // The background round checks a table only when the first is newer: the
  // check reads every segment's delete vector, which for a large,
  // much-updated table cost a steady few percent of a core on an idle
  // server, in bursts that showed up in serving tail latency. A check that
  // fails or conflicts records nothing, so it is retried; a commit stamped
  // but not yet visible to a check's snapshot stays newer than it.
  std::map<uint32_t, Lsn> change_lsn_;
  std::map<uint32_t, Lsn> compaction_checked_lsn_;
  ColumnReplicaStats stats_;

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stop_ = false;
  std::thread bg_thread_;
};

}  // namespace strata::storage
