#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "storage/lsn.h"
#include "storage/snapshot.h"
#include "storage/write_conflict_index.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace strata::storage {

class HotRowCache;

// Appends to `batch` the records that must carry the commit's own LSN (binlog
// keys, a stream's committed offset, ...). Called once the commit's LSN is
// known, inside the pipeline's serialized section: keep it short and do not
// commit, take snapshots or block in it. Returning an error fails this commit
// alone (its LSN goes to the next commit in line).
using CommitStamp = std::function<Status(Lsn lsn, rocksdb::WriteBatch* batch)>;

struct CommitOptions {
  // fsync the WAL before returning. nullopt: StorageOptions::sync_commit.
  // false is PostgreSQL's synchronous_commit = off: the commit is ordered and
  // visible like any other but may be lost in a crash, together with every
  // later commit (the WAL is recovered as a prefix, never with holes).
  std::optional<bool> sync;
  // Optional; see CommitStamp.
  CommitStamp stamp;
  // Written in a group of its own. Then no other stamp runs in the same group
  // (group_sequence()), so none can need what this commit's stamp knows that
  // RocksDB does not have yet. For large maintenance commits.
  bool alone = false;
};

// Called once with a CommitAsync commit's LSN or error.
using CommitCallback = std::function<void(Result<Lsn>)>;

// Large commits written by ingestion (IngestBatches) instead of WAL + memtable.
struct CommitIngestion {
  // A lone commit whose batch (with the pipeline's own records) holds at
  // least this many bytes is ingested; 0 never ingests.
  uint64_t min_batch_bytes = 0;
  // Where the SST files are written before RocksDB moves them in.
  std::string dir;
  // Every column family a commit may write.
  std::vector<rocksdb::ColumnFamilyHandle*> families;
};

// One commit handed to CommitPipeline::Commit.
struct CommitRequest {
  // The commit's changes. Borrowed for the call; on return, success or not,
  // it holds the same records as before (what the stamp and the pipeline
  // appended is removed again; RocksDB does set the header's sequence
  // number).
  rocksdb::WriteBatch* batch = nullptr;
  CommitOptions options;
  // Records that come before `batch`'s, in order: a bulk load's chunks
  // (Transaction::PutDeferred), kept apart so that a commit written by
  // ingestion never copies them into one buffer (the WAL path concatenates
  // them in the leader). Borrowed, not modified. A commit with leading
  // batches is a group of its own and writes nothing through into the
  // hot-row cache.
  std::span<const rocksdb::WriteBatch* const> leading;
  // Snapshot isolation: when set, the commit fails with 40001 if any commit
  // with a larger LSN wrote a key in write_set. (kInvalidLsn is a valid
  // snapshot: the empty database.)
  std::optional<Lsn> snapshot_lsn;
  // Keys (WriteConflictIndex::HashKey) this commit writes and wants checked
  // and/or recorded for later conflict checks. Borrowed for the call.
  std::span<const uint64_t> write_set;
};

// Counters since open. Read with CommitPipeline::stats().
struct CommitStats {
  uint64_t commits = 0;         // commits that got an LSN and were written
  uint64_t failed_commits = 0;  // conflicts, stamp errors, failed writes
  uint64_t groups = 0;          // RocksDB writes (one WAL record each)
  uint64_t wal_syncs = 0;       // groups written with sync
  uint64_t ingested = 0;        // groups written by ingestion (see CommitIngestion)
};

// rocksdb::WriteBatch's serialized form (its "rep", which is also the WAL
// record) is a 12-byte header -- 8-byte sequence number, 4-byte little-endian
// record count -- followed by the records. Concatenating the records of
// several batches under one header is what RocksDB's own write groups do
// (WriteBatchInternal::Append, which is not public API); the format has been
// stable since LevelDB.
inline constexpr size_t kWriteBatchHeaderBytes = 12;

// One WriteBatch with the records of `batches`, in order: their serialized
// forms concatenated under one header, copied once into a buffer of exactly
// the right size plus `spare_bytes` (for records the caller appends).
rocksdb::WriteBatch ConcatenateBatches(std::span<const rocksdb::WriteBatch* const> batches,
                                       size_t spare_bytes = 0);

// The single commit path of a database and the authority on its LSNs.
//
// Group commit, leader/follower: a committer enqueues itself; the one at the
// head of the queue becomes leader and takes every queued commit (up to a
// byte budget) as its group, while the others wait (an asynchronous commit,
// CommitAsync, does not wait: the pipeline's async leader thread leads in its
// place when it is at the head). The leader, alone:
//   1. for each member in queue order, checks write conflicts, assigns the
//      next LSN and runs the member's stamp with it;
//   2. merges the members' batches plus the "last_lsn" record (meta column
//      family, 8-byte big-endian, the group's highest LSN) into one
//      WriteBatch, and writes it with ONE WAL write and, if any member asked
//      for sync, ONE fsync -- or, for a lone commit of at least
//      CommitIngestion::min_batch_bytes, ingests it as SST files (always
//      durable, whatever the sync option), which a commit that large gets
//      cheaper than the WAL and memtables; such a commit is always a group of
//      its own;
//   3. publishes the group's highest LSN as visible, wakes the members with
//      their LSN or error, and hands leadership to the next in the queue.
//
// LSNs: strictly increasing and gap-free in commit order. A member that fails
// before the write (conflict, stamp error) consumes no LSN. If the group
// write fails, every member fails with that error and the group's LSNs are
// handed out again to later commits; nothing of the group is visible, so no
// reader ever sees a gap. On open the counter continues from the persisted
// "last_lsn".
//
// Snapshots: TakeSnapshot() pairs a RocksDB snapshot with the LSN of exactly
// the commits it contains; see TakeSnapshot().
//
// Thread-safe. Every write to the database must go through this pipeline
// (the LSN/sequence bookkeeping relies on it). `db` and `meta` are borrowed
// and must outlive the pipeline; every Snapshot must be released before the
// pipeline is destroyed.
class CommitPipeline {
 public:
  // `last_lsn`: the LSN persisted by the previous run (ReadPersistedLsn).
  // `default_sync`: CommitOptions::sync when unset. `hot_rows` (optional,
  // borrowed, must outlive the pipeline): the leader tells it of every key
  // each commit puts or deletes in the `rows` family (HotRowCache::NoteWrite)
  // before the commit can become visible.
  CommitPipeline(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, Lsn last_lsn,
                 bool default_sync, HotRowCache* hot_rows = nullptr,
                 rocksdb::ColumnFamilyHandle* rows = nullptr, CommitIngestion ingestion = {});
  ~CommitPipeline();
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  // The meta column family key holding the last committed LSN.
  static constexpr std::string_view kLastLsnKey = "last_lsn";
  // Reads kLastLsnKey; kInvalidLsn for a new database.
  static Result<Lsn> ReadPersistedLsn(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta);

  // Commits request.batch (see CommitRequest) and returns its LSN once the
  // commit is durable (or, with sync off, written) and visible to new
  // snapshots. Errors: 40001 kSerializationFailure on a write conflict, the
  // stamp's error, or the RocksDB write error (I/O 58030, disk full 53100, ...)
  // for every member of a failed group. Blocks while another group is
  // written.
  Result<Lsn> Commit(const CommitRequest& request);

  // Commit() without waiting: queues the commit and returns at once; `done`
  // gets what Commit() would have returned. `request` and what it borrows
  // must stay untouched until `done` is called. `done` runs on the thread
  // that led the group -- a synchronous committer's, or the pipeline's own
  // async leader thread (started on first use), which leads every group
  // whose first member is asynchronous -- after the group is visible and
  // outside every pipeline lock; keep it short (hand the result to another
  // thread) and do not commit in it. Lets a caller that must not block (an
  // I/O thread serving many sessions) commit without a thread of its own
  // parked on every commit.
  void CommitAsync(const CommitRequest& request, CommitCallback done);
  // Blocks until every CommitAsync commit queued so far has completed and
  // its callback has returned. For shutdown: whatever the callbacks use
  // must outlive them.
  void WaitForAsyncCommits();

  // A snapshot that contains exactly the commits with LSN <= its lsn().
  // Cheap (no I/O); never waits for a commit's WAL write or fsync (it may
  // wait briefly on RocksDB's DB mutex, which an ingested commit holds for
  // its final step, and for that step's outcome).
  Snapshot TakeSnapshot();

  // Highest LSN whose commit has been published; kInvalidLsn if none.
  Lsn last_committed_lsn() const { return visible_lsn_atomic_.load(std::memory_order_acquire); }

  // LSN of the oldest live snapshot, or last_committed_lsn() when there is
  // none. Nothing at or below it can still conflict.
  Lsn OldestSnapshotLsn() const;
  size_t active_snapshot_count() const;

  CommitStats stats() const;
  // Number of the commit group being written; meaningful only inside a
  // CommitStamp (stamps of one group see one number, each later group a
  // larger one). Lets stamps tell which earlier stamps' effects are not in
  // RocksDB yet (those of the same group).
  uint64_t group_sequence() const { return group_sequence_; }
  // Inside a CommitStamp only: whether a commit with LSN > `lsn` -- of an
  // earlier group, or an earlier member of the stamp's own group -- may have
  // written `key_hash` (WriteConflictIndex::HashKey) in its write set. False
  // is exact; true may be a hash collision. Writes that carried no write set
  // (batches committed without a Transaction) are not seen. REQUIRES: a
  // snapshot at `lsn` or older is alive (later writes are remembered only
  // while one is).
  bool MayHaveWrittenSince(uint64_t key_hash, Lsn lsn) const;
  // Keys remembered for conflict checks (after the latest group's trim).
  size_t tracked_write_count() const { return tracked_writes_.load(std::memory_order_relaxed); }

 private:
  friend class Snapshot;
  struct Writer;

  // Leader (queue_.front(), `lock` held on queue_mu_): takes the group,
  // writes it (WriteGroup), completes its members and hands leadership to
  // the next in the queue. Releases `lock` while writing and while running
  // the callbacks of asynchronous members; holds it again on return.
  void LeadGroup(std::unique_lock<std::mutex>& lock);
  // The async leader thread: leads every group whose first member is
  // asynchronous; leaves once stopping_ and no such group is queued.
  void AsyncLeaderLoop();
  // Runs steps 1-3 above for `group`; sets every member's lsn or status.
  // Leader only.
  void WriteGroup(std::span<Writer* const> group);
  // Uses the running group's write sets (stamping_group_writes_).
  Status CheckConflicts(const CommitRequest& request) const;
  void ReleaseSnapshot(Lsn lsn, const rocksdb::Snapshot* snapshot);
  Snapshot ShareSnapshot(const Snapshot& snapshot);
  Lsn OldestSnapshotLsnLocked() const;
  // Clears inflight_ingestion_ and wakes TakeSnapshot callers waiting on it.
  // REQUIRES: publish_mu_ held.
  void EndIngestionLocked();
  // Whether a lone commit of this size is written by ingestion.
  bool Ingests(size_t batch_bytes) const;
  // Bytes of the request's batch and leading batches.
  static size_t RequestBytes(const CommitRequest& request);

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const meta_;
  const bool default_sync_;
  HotRowCache* const hot_rows_;
  const uint32_t rows_family_id_;
  const CommitIngestion ingestion_;

  // Commit queue; the front is the leader.
  std::mutex queue_mu_;
  std::deque<Writer*> queue_;  // guarded by queue_mu_
  // Woken when an asynchronous commit reaches the front of the queue.
  std::condition_variable async_leader_cv_;
  bool stopping_ = false;  // guarded by queue_mu_
  // CommitAsync commits whose callback has not returned yet.
  size_t async_outstanding_ = 0;  // guarded by queue_mu_
  std::condition_variable async_idle_cv_;
  std::thread async_leader_;  // started by the first CommitAsync, under queue_mu_

  // Leader-only state: touched by whichever thread leads, never concurrently.
  Lsn last_assigned_lsn_;
  uint64_t group_sequence_ = 0;
  WriteConflictIndex conflicts_;
  // The write sets of the members accepted so far into the group whose
  // stamps are running; null outside WriteGroup.
  const std::unordered_set<uint64_t>* stamping_group_writes_ = nullptr;

  // Visibility. A snapshot must pair a RocksDB sequence number with the LSN
  // of exactly the commits at or below it. The leader writes to RocksDB
  // without holding publish_mu_ (so snapshots never wait for an fsync), and
  // RocksDB makes a group visible as soon as its write completes, slightly
  // before the leader publishes. published_sequence_ and inflight_lsn_ let
  // TakeSnapshot() detect that window; see its implementation.
  mutable std::mutex publish_mu_;
  Lsn visible_lsn_;                         // guarded by publish_mu_
  uint64_t published_sequence_;             // guarded by publish_mu_
  Lsn inflight_lsn_ = kInvalidLsn;          // guarded by publish_mu_
  // The in-flight group is being ingested (IngestBatches); TakeSnapshot
  // waits on ingestion_done_ instead of guessing its outcome.
  bool inflight_ingestion_ = false;  // guarded by publish_mu_
  std::condition_variable ingestion_done_;
  std::map<Lsn, size_t> active_snapshots_;  // guarded by publish_mu_; lsn -> count
  // RocksDB snapshots with more than one Snapshot handle (Snapshot::Share):
  // snapshot -> number of extra handles. Guarded by publish_mu_.
  std::map<const rocksdb::Snapshot*, size_t> shared_snapshots_;
  // The last RocksDB snapshot TakeSnapshot() took at visible_lsn_ while it
  // is alive: handed out again (as a shared handle) until the next publish.
  // Guarded by publish_mu_.
  const rocksdb::Snapshot* latest_snapshot_ = nullptr;
  Lsn latest_snapshot_lsn_ = kInvalidLsn;
  std::atomic<Lsn> visible_lsn_atomic_;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> failed_commits_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> wal_syncs_{0};
  std::atomic<uint64_t> ingested_{0};
  std::atomic<size_t> tracked_writes_{0};
};

}  // namespace strata::storage
