#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/column_family.h"
#include "storage/lsn.h"

namespace strata::storage {

// Remembers, for each recently written key, the LSN of the last commit that
// wrote it: what snapshot isolation's first-committer-wins check needs. A
// transaction that read at snapshot S and wrote key k may commit only if no
// commit with LSN > S wrote k.
//
// Keys are stored as 64-bit hashes of (column family, key). A collision can
// only make two transactions on different keys look conflicting (a spurious
// 40001 the client retries), never hide a real conflict.
//
// Memory: one entry per distinct key written since the oldest snapshot still
// in use; TrimUpTo() forgets the rest. The index is in memory only: after a
// restart no transaction is active, so it rightly starts empty.
//
// Not thread-safe; the commit pipeline uses it from its serialized leader
// section only.
class WriteConflictIndex {
 public:
  static uint64_t HashKey(ColumnFamily cf, std::string_view key);

  // True when a commit with LSN > snapshot_lsn wrote `key_hash`.
  bool WrittenAfter(uint64_t key_hash, Lsn snapshot_lsn) const;

  // Records that the commit at `lsn` wrote `key_hash`.
  // REQUIRES: lsn >= every LSN recorded before (commit order).
  void Record(uint64_t key_hash, Lsn lsn);
  // Records that the commit at `lsn` wrote every key of `key_hashes`. A
  // large set (a bulk load's) is kept as one sorted block, checked by
  // binary search, instead of an entry per key. REQUIRES: as Record.
  void RecordAll(std::span<const uint64_t> key_hashes, Lsn lsn);

  // Forgets writes with LSN <= lsn. Call with the oldest LSN any transaction
  // may still check against: such writes can no longer conflict.
  void TrimUpTo(Lsn lsn);

  // Number of keys remembered.
  size_t size() const { return last_write_.size() + block_keys_; }

  // Write sets at least this large are kept as a block.
  static constexpr size_t kMinBlockKeys = 4096;

 private:
  struct Block {
    Lsn lsn;
    std::vector<uint64_t> sorted_hashes;
  };

  std::unordered_map<uint64_t, Lsn> last_write_;
  // Large write sets in commit order (few: one per bulk commit since the
  // oldest snapshot).
  std::deque<Block> blocks_;
  size_t block_keys_ = 0;
  // (lsn, key hash) in commit order, so trimming costs O(entries trimmed).
  std::deque<std::pair<Lsn, uint64_t>> log_;
};

}  // namespace strata::storage
