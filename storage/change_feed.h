#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/value.h"
#include "storage/catalog.h"
#include "storage/lsn.h"

namespace strata::storage {

class Database;

// ---- The change feed: committed binlog transactions in commit order ----
//
// Every commit that changes a table with binlog_level = 'replica' writes, in
// the same RocksDB WriteBatch as its row and column replica changes (so no
// crash can separate them):
//   - the table's binlog records (binlog/record.h; one per INSERT/DELETE, an
//     UPDATE_BEFORE/UPDATE_AFTER pair per update), keyed (table, shard, LSN,
//     seq) for per-table reads (SQL access, DESIGN §4);
//   - one commit index entry keyed by the LSN, listing the (table, shard)
//     parts the commit wrote and its TRUNCATEs, so that the feed is read in
//     LSN order across all tables and shards without scanning every table.
// A DDL commit that creates, alters or drops a binlog table also writes the
// table's definition keyed by (table, LSN), so each change is reported with
// the columns it was written with. Formats: docs/formats/binlog_record.md.
//
// Sequence numbers run over the whole commit in statement order, so the
// changes of a transaction come back in the order they were made, across
// tables (as PostgreSQL's logical decoding reports them).
//
// Representation of statements:
//   INSERT (also the insert branch of an upsert)        -> kInsert
//   DELETE                                              -> kDelete
//   UPDATE, upsert hitting an existing row, partial
//   upsert, and UPDATE that changes the primary key     -> kUpdate (full old
//     and new images; a PK change shows as old_row's key != new_row's key,
//     which lets a decoder print PostgreSQL's "old-key:")
//   an update/upsert whose new row equals the old one in stored
//   representation                                      -> nothing
//   TRUNCATE a, b (one statement)                       -> one kTruncate
// Rows of one transaction are reported as often as they were changed (an
// insert followed by an update of the same row in one transaction gives
// kInsert then kUpdate), as PostgreSQL does.

// A table definition as of some commit, shared by every change made under
// it. Compare pointers (or `defined_at`) to tell when a relation's columns
// changed (for pgoutput's Relation messages).
struct FeedTable {
  uint32_t id = 0;
  std::string schema_name;
  TableDef def;
  // LSN of the DDL commit that produced this definition; kInvalidLsn when it
  // was taken from the current catalog because no history record exists.
  Lsn defined_at = kInvalidLsn;
};

struct FeedChange {
  enum class Kind : uint8_t { kInsert, kUpdate, kDelete, kTruncate };
  Kind kind = Kind::kInsert;
  // The changed table (kInsert/kUpdate/kDelete); null for kTruncate.
  std::shared_ptr<const FeedTable> table;
  // Shard the row lives in (for an update that moved the row: new_row's).
  uint16_t shard = 0;
  // Full row images in the definition's column order: old_row for kUpdate
  // and kDelete, new_row for kInsert and kUpdate; otherwise empty.
  std::vector<Value> old_row;
  std::vector<Value> new_row;
  // kTruncate: the tables truncated by the statement (binlog tables only),
  // and its options as PostgreSQL's Truncate message carries them.
  std::vector<std::shared_ptr<const FeedTable>> truncated;
  bool truncate_cascade = false;
  bool truncate_restart_identity = false;
};

struct FeedTransaction {
  Lsn lsn = kInvalidLsn;       // the commit's LSN (one per transaction)
  int64_t commit_time_us = 0;  // microseconds since the Unix epoch
  uint32_t xid = 0;            // DatabaseTransaction::xid() of the writer
  std::vector<FeedChange> changes;
};

struct FeedReadOptions {
  // Stop after this many transactions (>= 1).
  size_t max_transactions = 1000;
  // Stop once the returned changes' approximate size (row image bytes)
  // reaches this. The first transaction is returned whole however large.
  size_t max_bytes = 8u << 20;
  // Only report changes of tables for which this returns true (null: all).
  // A transaction whose changes are all filtered out is still returned,
  // with no changes (decoders choose whether to show empty transactions).
  std::function<bool(uint32_t table_id)> table_filter;
};

struct FeedBatch {
  std::vector<FeedTransaction> transactions;
  // The snapshot the batch was read at.
  Lsn snapshot_lsn = kInvalidLsn;
  // Every feed transaction with after_lsn < lsn <= scanned_to_lsn is in
  // `transactions`; continue with ReadFeed(scanned_to_lsn). When nothing
  // was cut off by a limit this is snapshot_lsn, so a caught-up consumer
  // may confirm positions past commits that did not touch binlog tables.
  Lsn scanned_to_lsn = kInvalidLsn;
};

// Returns the lowest LSN that some consumer (an active replication slot)
// still needs: records of commits with lsn > floor must be kept; nullopt
// when nothing is held. Called by retention without storage locks held.
using RetentionFloorProvider = std::function<std::optional<Lsn>()>;

// Reads the change feed of one Database. Obtain it with
// Database::change_feed().
//
// Guarantees of ReadFeed:
//   - whole transactions: a transaction is returned with all of its changes
//     or not at all;
//   - commit order: transactions come in strictly increasing LSN order,
//     across all binlog tables and shards; each LSN appears once;
//   - snapshot consistency: one call reads at one snapshot; every commit at
//     or below FeedBatch::snapshot_lsn that touched a binlog table and lies
//     in (after_lsn, scanned_to_lsn] is returned, none is skipped or torn;
//   - durability: what was returned was committed (and, with sync commit,
//     is durable); after a crash the feed continues with exactly the
//     recovered commits.
// Retention removes old records (binlog_ttl, bounded by
// RetentionFloorProvider and StorageOptions::binlog_max_retained_bytes).
// Once records after some LSN R were removed, ReadFeed(after_lsn < R)
// fails with 55000 object_not_in_prerequisite_state "requested binlog
// position X/Y was removed" (removed_lsn() tells R); a slot in that state
// is invalid and must be dropped.
//
// Thread-safe. Must not outlive its Database.
class ChangeFeed {
 public:
  explicit ChangeFeed(Database* db);
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Reads committed feed transactions with lsn > after_lsn (see above).
  // Errors: 55000 when after_lsn is below removed_lsn(); I/O (58030);
  // corruption of records (XX001).
  Result<FeedBatch> ReadFeed(Lsn after_lsn, const FeedReadOptions& options = {}) const;

  // Blocks until a commit with feed content and lsn > after_lsn is visible,
  // or `timeout` passes, or Interrupt() is called. Returns last_feed_lsn()
  // (> after_lsn when something arrived). Cheap: no storage reads.
  Lsn WaitForFeed(Lsn after_lsn, std::chrono::milliseconds timeout) const;
  // Wakes every WaitForFeed (e.g. a walsender being shut down).
  void Interrupt();

  // The highest LSN of a visible commit with feed content (kInvalidLsn if
  // none since open; after a restart, the last one before it).
  Lsn last_feed_lsn() const;
  // Feed transactions after_lsn >= removed_lsn() can be read completely.
  Lsn removed_lsn() const;

  // Installs the slot floor (replaces any previous one; null removes it).
  // Retention keeps every record a floor still needs, until the binlog
  // exceeds StorageOptions::binlog_max_retained_bytes: then records older
  // than their TTL are removed anyway, removed_lsn() passes the floor and
  // the slot's next ReadFeed fails with 55000.
  void SetRetentionFloorProvider(RetentionFloorProvider provider);

  // ---- Small persistent state for replication (slots, publications) ----
  // Key/value records in the `meta` column family under a private prefix,
  // written with a synced commit of their own. Keys are opaque bytes.
  Status PutReplicationState(std::string_view key, std::string_view value);
  Status DeleteReplicationState(std::string_view key);
  // All records, in key order.
  Result<std::vector<std::pair<std::string, std::string>>> ListReplicationState() const;

  // ---- For storage (Database) ----
  // A commit with feed content at `lsn` became visible.
  void NotifyCommitted(Lsn lsn);
  void SetLastFeedLsn(Lsn lsn);
  std::optional<Lsn> RetentionFloor() const;

 private:
  struct TableCacheKey {
    uint32_t id;
    Lsn defined_at;
    auto operator<=>(const TableCacheKey&) const = default;
  };

  Database* const db_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  Lsn last_feed_lsn_ = kInvalidLsn;  // guarded by mu_
  uint64_t interrupts_ = 0;          // guarded by mu_
  RetentionFloorProvider floor_;     // guarded by mu_
  // Decoded definitions, shared between batches.
  mutable std::map<TableCacheKey, std::shared_ptr<const FeedTable>> tables_;  // guarded by mu_

  friend class DefinitionResolver;
  std::shared_ptr<const FeedTable> CachedTable(const TableCacheKey& key) const;
  void CacheTable(const TableCacheKey& key, std::shared_ptr<const FeedTable> table) const;
};

}  // namespace strata::storage
