#ifndef STRATA_STORAGE_HOT_ROW_CACHE_H_
#define STRATA_STORAGE_HOT_ROW_CACHE_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include <rocksdb/slice.h>

#include "storage/lsn.h"

namespace strata::storage {

// Rows of the row replica (ColumnFamily::kRows) by row key, for point reads
// at a snapshot: the serving path's cache. It sits in front of RocksDB (no
// memtable or SST probe on a hit) and is keyed by the row's key, not by the
// SST file that holds it, so it stays warm across flushes and compactions.
//
// Snapshot correctness without per-version bookkeeping. An entry holds the
// row's latest version and the LSN it is valid from (valid_since): it serves
// every snapshot at or after valid_since. The commit pipeline calls NoteWrite
// for every row key a commit puts or deletes (from the commit's batch
// itself, so no write path can forget it) before the commit can become
// visible to any snapshot; NoteWrite removes the key's entry, so no snapshot
// that contains the commit finds the version it replaced.
//
// A reader that missed reads RocksDB at its snapshot and offers what it read
// (Insert); a commit newer than that snapshot may have written the key in
// between, and the offer must then be refused. For that, every row key
// hashes (WriteConflictIndex::HashKey over kRows) to one of a fixed set of
// stripes holding the largest LSN of any commit that wrote a key hashing to
// it; NoteWrite raises the stripe before it removes the entry, and Insert
// reads the stripe under the same shard lock, so an offer older than the
// stripe is dropped. Stripes only decide what may be stored: a write to
// another key of the same stripe, or a commit that failed after its
// NoteWrite, costs a refused offer or a miss, never a cached row of another
// key (a bulk load into one table leaves every other table's rows cached).
//
// A commit that range-deletes rows raises a floor for every key at once
// (NoteWriteEverywhere): no entry valid from before it is served again, so
// correctness never depends on which keys a range covered -- except when the
// range is exactly one whole relfilenode: DROP or TRUNCATE reclaiming it,
// whose keys no later snapshot reads (relfilenodes are never reused); its
// cached rows just age out.
//
// Besides rows read from RocksDB (Insert), the pipeline writes through the
// rows of small commits (InsertCommitted, valid from the commit's LSN), so
// the first reads after an upsert hit.
//
// Only committed data at a snapshot goes through here: a transaction that
// has written must read through its own batch instead.
//
// Thread-safe. Memory: about `capacity_bytes` for entries (evicted by CLOCK,
// per shard) plus 8 bytes per stripe. Each shard is an open-addressing table
// whose entries hold key and value inline: a hit costs two cache misses
// (slot, entry) and writes nothing but the entry's reference bit.
class HotRowCache {
 public:
  explicit HotRowCache(size_t capacity_bytes);
  ~HotRowCache();
  HotRowCache(const HotRowCache&) = delete;
  HotRowCache& operator=(const HotRowCache&) = delete;

  // The hash Lookup/Insert/NoteWrite take for a row key.
  static uint64_t HashRowKey(std::string_view key);

  // On a hit, copies the row's stored bytes into *value and returns true.
  bool Lookup(uint64_t hash, std::string_view key, Lsn snapshot_lsn,
              rocksdb::PinnableSlice* value);
  // Starts loading the cache lines a Lookup of `hash` reads first, so that
  // work done before the Lookup overlaps their memory latency.
  void Prefetch(uint64_t hash);
  // Lookup of n keys; hits[i] tells whether values[i] was filled. Faster
  // than n Lookups: the cache lines each key needs are fetched for all keys
  // before any is read, so their memory latencies overlap.
  void LookupMany(size_t n, const uint64_t* hashes, const std::string_view* keys, Lsn snapshot_lsn,
                  rocksdb::PinnableSlice* values, bool* hits);

  // Offers `value`, the row `key` read from RocksDB at `snapshot_lsn`. Kept
  // only when no commit after snapshot_lsn has written the key's stripe yet.
  void Insert(uint64_t hash, std::string_view key, Lsn snapshot_lsn, std::string_view value) {
    Store(hash, key, snapshot_lsn, value);
  }

  // Writes through `row`, the row `key` as the commit at `lsn` stored it.
  // Called by the commit pipeline after the commit's NoteWrite and its
  // successful RocksDB write, before it is published.
  void InsertCommitted(uint64_t hash, std::string_view key, Lsn lsn, std::string_view row) {
    Store(hash, key, lsn, row);
  }

  // Called by the commit pipeline for every row key a commit at `lsn` writes,
  // before the commit becomes visible. Calls are serialized (the pipeline's
  // leader) and come in commit order except after a failed write, which may
  // repeat an LSN.
  void NoteWrite(uint64_t hash, Lsn lsn);
  // NoteWrite of each of `hashes`, faster for many: the memory each one
  // touches is fetched for all before any is written (a bulk load's keys
  // land on random stripes and slots).
  void NoteWrites(std::span<const uint64_t> hashes, Lsn lsn);
  // As NoteWrite for every key: for a commit whose written keys are not
  // known one by one (a range deletion of rows). Same calling rules.
  void NoteWriteEverywhere(Lsn lsn) { floor_.store(lsn, std::memory_order_release); }

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;
  };
  Stats stats() const;

 private:
  static constexpr size_t kShardBits = 6;
  static constexpr size_t kStripeBits = 20;
  static constexpr uint64_t kStripeMask = (uint64_t{1} << kStripeBits) - 1;

  struct Entry;
  struct Shard;

  // Caches `value`, the latest version of `key` as of `read_lsn`, unless a
  // commit after read_lsn has written the key's stripe. It is valid from the
  // stripe's LSN on: no commit since wrote the key.
  void Store(uint64_t hash, std::string_view key, Lsn read_lsn, std::string_view value);
  Shard& ShardOf(uint64_t hash) { return *shards_[hash >> (64 - kShardBits)]; }
  // The LSN of the last commit that may have written keys hashing to `hash`.
  Lsn StripeLsn(uint64_t hash) const {
    return std::max(stripes_[hash & kStripeMask].load(std::memory_order_acquire),
                    floor_.load(std::memory_order_acquire));
  }

  const size_t shard_capacity_;
  std::unique_ptr<std::unique_ptr<Shard>[]> shards_;
  std::unique_ptr<std::atomic<Lsn>[]> stripes_;
  std::atomic<Lsn> floor_{kInvalidLsn};  // NoteWriteEverywhere
};

}  // namespace strata::storage

#endif  // STRATA_STORAGE_HOT_ROW_CACHE_H_
