#pragma once

#include "storage/lsn.h"

namespace rocksdb {
class Snapshot;
}  // namespace rocksdb

namespace strata::storage {

class CommitPipeline;

// A consistent read point of one database: an LSN and the RocksDB snapshot
// that contains exactly the commits with LSN <= lsn(), in every column family.
// Reading the row replica and the column replica at the same Snapshot sees
// the same committed state.
//
// Obtained from Engine::TakeSnapshot() (or owned by a Transaction). While it
// is alive it pins RocksDB data and holds back write-conflict trimming, so
// release it when done; the destructor releases it. Move-only; to share one
// snapshot between several scans, hold it in a std::shared_ptr.
//
// Not thread-safe to move or release concurrently; concurrent reads through
// a const Snapshot are fine. Must not outlive the Engine it came from.
class Snapshot {
 public:
  // An empty snapshot: valid() is false.
  Snapshot() = default;
  ~Snapshot() { Release(); }
  Snapshot(Snapshot&& other) noexcept;
  Snapshot& operator=(Snapshot&& other) noexcept;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  bool valid() const { return owner_ != nullptr; }
  // The LSN of the newest commit this snapshot sees; kInvalidLsn for an empty
  // database. REQUIRES: valid().
  Lsn lsn() const { return lsn_; }
  // For ReadOptions::snapshot inside storage/. REQUIRES: valid().
  const rocksdb::Snapshot* rocksdb_snapshot() const { return snapshot_; }

  // Another handle on this same snapshot (same LSN, same RocksDB snapshot),
  // released independently; the RocksDB snapshot goes with the last handle.
  // Lets a transaction adopt a snapshot another session exported (SET
  // TRANSACTION SNAPSHOT). Thread-safe against other Share/Release calls on
  // other handles. REQUIRES: valid().
  Snapshot Share() const;

  // Releases the snapshot now; valid() becomes false. No-op when empty.
  void Release();

 private:
  friend class CommitPipeline;
  Snapshot(CommitPipeline* owner, Lsn lsn, const rocksdb::Snapshot* snapshot)
      : owner_(owner), lsn_(lsn), snapshot_(snapshot) {}

  CommitPipeline* owner_ = nullptr;
  Lsn lsn_ = kInvalidLsn;
  const rocksdb::Snapshot* snapshot_ = nullptr;
};

}  // namespace strata::storage
