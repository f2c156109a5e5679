#pragma once

#include <bitset>
#include <cstdint>
#include <future>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/hash_set64.h"
#include "common/result.h"
#include "common/status.h"
#include "storage/column_family.h"
#include "storage/commit_pipeline.h"
#include "storage/iterator.h"
#include "storage/lsn.h"
#include "storage/snapshot.h"

namespace rocksdb {
class PinnableSlice;
class Slice;
class Status;
class WriteBatch;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace strata::storage {

class Engine;
class HotRowCache;

// Values read by Transaction::MultiGetPinned, pinned where RocksDB keeps
// them (memtable or block cache) rather than copied. The views stay valid
// while this object lives and is not reused. Not thread-safe.
class PinnedValues {
 public:
  PinnedValues();
  ~PinnedValues();
  PinnedValues(const PinnedValues&) = delete;
  PinnedValues& operator=(const PinnedValues&) = delete;

  size_t size() const;
  // The value for the i-th key, nullopt when absent.
  std::optional<std::string_view> at(size_t i) const;

 private:
  friend class Transaction;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

struct TransactionOptions {
  // Column families whose written keys take part in write-conflict
  // detection. The default covers keys that identify one logical object
  // (a catalog entry, a row, a primary key's location, a stream's state).
  // Not included: col_delta, delvec and binlog, whose keys carry LSNs or are
  // shared by unrelated rows (one delete vector per segment), so checking
  // them would only produce false conflicts; and meta.
  std::vector<ColumnFamily> conflict_column_families = {ColumnFamily::kCatalog, ColumnFamily::kRows,
                                                        ColumnFamily::kPkIndex,
                                                        ColumnFamily::kStreamState};
};

// A snapshot-isolation transaction (PostgreSQL's REPEATABLE READ).
//
// Reads see the snapshot taken at begin plus this transaction's own writes,
// which are buffered in memory until Commit. Commit checks, in the commit
// pipeline's serialized section, whether any key written here (in a
// conflict column family) was written by a commit after this snapshot; if
// so it fails with 40001 kSerializationFailure "could not serialize access
// due to concurrent update" -- first committer wins -- and nothing is
// written. Conflicts are detected at commit, not at the write.
//
// Lifecycle: active until Commit() or Rollback(); afterwards every call but
// the accessors fails with 25P01 kNoActiveSqlTransaction. Destroying an
// active transaction rolls it back.
//
// Not thread-safe: one session drives it. Must not outlive the Engine.
class Transaction {
 public:
  // Prefer Engine::BeginTransaction. `engine` is borrowed.
  Transaction(Engine* engine, const TransactionOptions& options);
  // Reads at `snapshot` (a valid snapshot of `engine`) instead of a fresh one.
  Transaction(Engine* engine, const TransactionOptions& options, Snapshot snapshot);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // The LSN this transaction reads at.
  Lsn snapshot_lsn() const { return snapshot_.lsn(); }
  const Snapshot& snapshot() const { return snapshot_; }
  bool active() const { return active_; }
  // Number of Put/Delete calls so far.
  uint64_t write_count() const { return write_count_; }

  Status Put(ColumnFamily cf, std::string_view key, std::string_view value);
  Status Delete(ColumnFamily cf, std::string_view key);
  // A put kept out of the read index -- most of a buffered write's cost --
  // until this transaction next reads `cf` or writes it with Put/Delete
  // (which index every deferred write first, keeping their order), or
  // IndexDeferredWrites(), or commit. For bulk loads. With `tracked`, the
  // key takes part in write-conflict detection like a Put's, and
  // HasDeferredPut() knows it (so a load can check its own keys for
  // uniqueness without indexing them).
  Status PutDeferred(ColumnFamily cf, std::string_view key, std::string_view value,
                     bool tracked = false);
  // Whether a tracked PutDeferred of `key` to `cf` is still unindexed. A
  // fingerprint probe; a hit is confirmed against the deferred puts
  // themselves (so an untracked deferred put of the very key whose
  // fingerprint collides with a tracked one's would also count).
  bool HasDeferredPut(ColumnFamily cf, std::string_view key) const;
  // Makes the deferred writes visible to this transaction's reads.
  Status IndexDeferredWrites();
  // Whether `cf` has writes of this transaction that reads see through the
  // index: Put, Delete, or deferred puts indexed since.
  bool HasIndexedWrites(ColumnFamily cf) const {
    return indexed_families_.test(ColumnFamilyIndex(cf));
  }
  // False when the snapshot alone (none of this transaction's writes) has
  // no key of `cf` inside `bounds`; true when it has one, or when deleted
  // entries are too many to step over to tell. One bounded seek.
  Result<bool> SnapshotMayHaveKeyIn(ColumnFamily cf, const ReadBounds& bounds) const;
  bool has_deferred_writes() const { return deferred_count_ > 0; }

  // Reads see this transaction's writes over its snapshot. nullopt: absent
  // (or deleted here).
  Result<std::optional<std::string>> Get(ColumnFamily cf, std::string_view key) const;
  // `sorted`: the keys are in ascending byte order (lets RocksDB skip
  // sorting them).
  Result<std::vector<std::optional<std::string>>> MultiGet(
      ColumnFamily cf, std::span<const std::string_view> keys, bool sorted = false) const;
  // As MultiGet without copying the values (see PinnedValues). A
  // transaction that has written nothing reads the snapshot directly.
  Status MultiGetPinned(ColumnFamily cf, std::span<const std::string_view> keys, bool sorted,
                        PinnedValues* out) const;
  // As MultiGet, but blind to the unindexed deferred writes (which it leaves
  // unindexed).
  Result<std::vector<std::optional<std::string>>> MultiGetWithoutDeferred(
      ColumnFamily cf, std::span<const std::string_view> keys, bool sorted = false) const;
  // Starts loading what a MultiGetPinned of these rows-family keys will
  // touch first (cached rows' cache lines), so that the caller's work
  // before it overlaps those memory latencies. A hint: may do nothing.
  void PrefetchRows(std::span<const std::string> keys) const;
  // Only this transaction's own buffered writes (not the snapshot):
  // the value it put, or nullopt when it wrote nothing (or a delete) there.
  Result<std::optional<std::string>> GetOwnWrite(ColumnFamily cf, std::string_view key) const;
  // Merges this transaction's writes with the snapshot. Writing to the
  // transaction invalidates open iterators' current key/value (reposition
  // with a Seek). Returns nullptr when the transaction is not active.
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, ReadBounds bounds = {}) const;

  // Commits the buffered writes through the pipeline and returns their LSN.
  // A transaction with no writes and no stamp commits without an LSN and
  // returns kInvalidLsn. On any outcome the transaction is finished and its
  // snapshot released. Errors: 40001 on a write conflict, otherwise as
  // CommitPipeline::Commit.
  Result<Lsn> Commit(const CommitOptions& options = {});
  // Commit() through CommitPipeline::CommitAsync: returns at once, and
  // `done` gets Commit()'s result on the pipeline's thread (see there), the
  // transaction already finished. Until then the transaction must not be
  // used or destroyed.
  void CommitAsync(CommitOptions options, CommitCallback done);

  // Discards the buffered writes and releases the snapshot.
  void Rollback();

 private:
  Status CheckActive() const;
  rocksdb::WriteBatchWithIndex* Batch() const;
  // No writes indexed for reads: reads may skip the write batch.
  bool reads_snapshot_only() const;
  // Get (one key) or MultiGet of `keys` at the snapshot, without the batch.
  void ReadSnapshot(ColumnFamily cf, std::span<const rocksdb::Slice> keys, bool sorted,
                    rocksdb::PinnableSlice* values, rocksdb::Status* statuses) const;
  // Indexes the deferred writes if any is to `cf` (reads and ordinary
  // writes of `cf` must see them, in order). Logically const: what reads
  // return does not change.
  Status IndexDeferredWritesOf(ColumnFamily cf) const;
  // MultiGetPinned as seen by the indexed writes only.
  Status MultiGetPinnedIndexed(ColumnFamily cf, std::span<const std::string_view> keys, bool sorted,
                               PinnedValues* out) const;
  // MultiGetPinned of rows by a transaction that has written nothing: cached
  // rows first, RocksDB for the rest (which then fill the cache).
  Status MultiGetThroughHotRows(HotRowCache* hot_rows, std::span<const std::string_view> keys,
                                bool sorted, PinnedValues* out) const;
  void Finish();
  // What a commit lends the pipeline: kept until the commit completes.
  struct CommitInFlight;
  // Fills `commit` for this transaction's writes (Commit, CommitAsync).
  void PrepareCommit(CommitOptions options, CommitInFlight* commit);

  Engine* const engine_;
  std::bitset<kColumnFamilyCount> conflict_families_;
  Snapshot snapshot_;
  // Created with overwrite_key = true, so the index keeps one entry per key
  // (required by NewIteratorWithBase). Created by Batch() when first needed:
  // a read-only statement never builds one.
  mutable std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  // WriteConflictIndex hashes of keys written in conflict families;
  // deduplicated at commit.
  std::vector<uint64_t> write_set_;
  // PutDeferred writes, in order, replayed into batch_ when indexed and
  // concatenated after it when committed. Chunks of growing, reserved size:
  // one string doubling up to a bulk load's size would copy it all again at
  // every doubling, into freshly faulted memory.
  mutable std::vector<rocksdb::WriteBatch> deferred_;
  // The next chunk's buffer (an empty batch's serialized form with the
  // capacity reserved and its pages already touched), being prepared by
  // another thread while the last chunk fills.
  std::future<std::string> prefaulted_chunk_;
  mutable uint64_t deferred_count_ = 0;
  // Families with unindexed deferred writes.
  mutable std::bitset<kColumnFamilyCount> deferred_families_;
  // Families with indexed writes (HasIndexedWrites).
  mutable std::bitset<kColumnFamilyCount> indexed_families_;
  // The asynchronous commit in flight (CommitAsync).
  std::unique_ptr<CommitInFlight> commit_in_flight_;
  // Tracked deferred puts: WriteConflictIndex::HashKey fingerprints.
  HashSet64 deferred_fingerprints_;
  // Every deferred put's family id and key, built from deferred_ on the
  // first fingerprint hit (a duplicate, or a 64-bit collision) to confirm it,
  // then kept up to date. Empty until then: a load without duplicates never
  // pays for it.
  mutable std::optional<std::unordered_set<std::string>> deferred_keys_;
  uint64_t write_count_ = 0;
  bool active_ = true;
};

}  // namespace strata::storage
