#include "storage/commit_pipeline.h"

#include <algorithm>
#include <thread>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "common/macros.h"
#include "rowstore/key_codec.h"
#include "storage/batch_ingestion.h"
#include "storage/hot_row_cache.h"
#include "storage/rocksdb_status.h"

namespace strata::storage {
namespace {

// A leader stops adding members once the group holds this many bytes. When
// its own commit is small, it adds at most kSmallCommitSlack more, so a tiny
// commit does not wait for a huge group's write.
constexpr size_t kMaxGroupBytes = 8u << 20;
constexpr size_t kSmallCommitSlack = 128u << 10;

// The record count's offset in the header (kWriteBatchHeaderBytes).
constexpr size_t kBatchCountOffset = 8;

bool WholeRelfilenode(const rocksdb::Slice& begin, const rocksdb::Slice& end) {
  if (begin.size() != rowstore::kTablePrefixSize) return false;
  const std::string_view prefix(begin.data(), begin.size());
  return std::string_view(end.data(), end.size()) == rowstore::PrefixUpperBound(prefix);
}

// Tells the hot-row cache of every key a batch puts or deletes in the rows
// family. A range deletion there counts as a write of every key, except one
// covering exactly a whole relfilenode: that is DROP/TRUNCATE reclaiming it,
// and a reclaimed relfilenode is never read at a later snapshot (relfilenodes
// are never reused), so the cache need not forget every table's rows.
//
// It also collects the batch's row puts (the rows as stored) into `puts`,
// for the leader to write through into the cache once the write succeeded --
// unless the batch puts more than kMaxWriteThroughRows rows: a bulk load
// would only evict the rows being served.
constexpr size_t kMaxWriteThroughRows = 256;

// Key and row as offsets into their batch's data: the leader appends to a
// lone member's batch before the write, which may move that data.
struct RowPut {
  uint64_t hash;
  Lsn lsn;
  const rocksdb::WriteBatch* batch;
  size_t key_offset, key_size, row_offset, row_size;

  std::string_view key() const { return std::string_view(batch->Data()).substr(key_offset, key_size); }
  std::string_view row() const { return std::string_view(batch->Data()).substr(row_offset, row_size); }
};

class RowWriteNotifier : public rocksdb::WriteBatch::Handler {
 public:
  // `write_through` false: collects nothing (for batches that are one part
  // of a commit).
  RowWriteNotifier(HotRowCache* cache, uint32_t rows_family_id, Lsn lsn,
                   const rocksdb::WriteBatch* batch, std::vector<RowPut>* puts, bool write_through)
      : cache_(cache),
        rows_family_id_(rows_family_id),
        lsn_(lsn),
        batch_(batch),
        puts_(puts),
        first_put_(puts->size()),
        collecting_(write_through) {}
  // The keys still pending reach the cache here, so before the write.
  ~RowWriteNotifier() override { FlushNotes(); }
  RowWriteNotifier(const RowWriteNotifier&) = delete;
  RowWriteNotifier& operator=(const RowWriteNotifier&) = delete;

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    const uint64_t hash = Note(cf, key);
    if (cf == rows_family_id_ && collecting_) {
      if (puts_->size() - first_put_ < kMaxWriteThroughRows) {
        const char* base = batch_->Data().data();
        puts_->push_back(RowPut{hash, lsn_, batch_, static_cast<size_t>(key.data() - base),
                                key.size(), static_cast<size_t>(value.data() - base),
                                value.size()});
      } else {
        StopCollecting(cf);
      }
    }
    return rocksdb::Status::OK();
  }
  // A batch that deletes a row writes nothing through: a put it collected
  // earlier may be of the same key (a later batch's delete is fine: it moves
  // the key's stripe past the put's LSN, and InsertCommitted refuses the put).
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    Note(cf, key);
    StopCollecting(cf);
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    Note(cf, key);
    StopCollecting(cf);
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    Note(cf, key);
    StopCollecting(cf);
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& begin,
                                const rocksdb::Slice& end) override {
    if (cf == rows_family_id_ && !WholeRelfilenode(begin, end)) cache_->NoteWriteEverywhere(lsn_);
    StopCollecting(cf);
    return rocksdb::Status::OK();
  }

  // For a batch the notifier could not read to its end (a record kind it
  // does not know): then any row may have changed, and a put collected
  // before that record may be overwritten by it.
  void NoteAnyRowWritten() {
    StopCollecting(rows_family_id_);
    cache_->NoteWriteEverywhere(lsn_);
  }

 private:
  void StopCollecting(uint32_t cf) {
    if (cf != rows_family_id_ || !collecting_) return;
    puts_->resize(first_put_);
    collecting_ = false;
  }
  uint64_t Note(uint32_t cf, const rocksdb::Slice& key) {
    if (cf != rows_family_id_) return 0;
    const uint64_t hash = HotRowCache::HashRowKey(std::string_view(key.data(), key.size()));
    // In windows (HotRowCache::NoteWrites): a bulk load's keys each cost
    // two cache misses, which then overlap.
    pending_[pending_count_++] = hash;
    if (pending_count_ == kNoteWindow) FlushNotes();
    return hash;
  }
  void FlushNotes() {
    cache_->NoteWrites(std::span<const uint64_t>(pending_, pending_count_), lsn_);
    pending_count_ = 0;
  }

  static constexpr size_t kNoteWindow = 32;

  HotRowCache* const cache_;
  const uint32_t rows_family_id_;
  const Lsn lsn_;
  const rocksdb::WriteBatch* const batch_;
  std::vector<RowPut>* const puts_;
  const size_t first_put_;
  bool collecting_;
  uint64_t pending_[kNoteWindow];
  size_t pending_count_ = 0;
};

void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>(v >> (8 * i));
}

}  // namespace

rocksdb::WriteBatch ConcatenateBatches(std::span<const rocksdb::WriteBatch* const> batches,
                                       size_t spare_bytes) {
  size_t total = kWriteBatchHeaderBytes;
  for (const rocksdb::WriteBatch* b : batches) total += b->GetDataSize() - kWriteBatchHeaderBytes;
  std::string rep(kWriteBatchHeaderBytes, '\0');
  rep.reserve(total + spare_bytes);
  uint32_t count = 0;
  for (const rocksdb::WriteBatch* b : batches) {
    const std::string& data = b->Data();
    STRATA_DCHECK(data.size() >= kWriteBatchHeaderBytes);
    rep.append(data, kWriteBatchHeaderBytes);
    count += b->Count();
  }
  EncodeFixed32(rep.data() + kBatchCountOffset, count);
  return rocksdb::WriteBatch(std::move(rep));
}

struct CommitPipeline::Writer {
  explicit Writer(const CommitRequest* r) : request(r) {}

  const CommitRequest* const request;
  // Set by the leader; read by the owner after `done` (under queue_mu_).
  Lsn lsn = kInvalidLsn;
  Status status;
  bool done = false;
  // A synchronous committer waits on `cv`; an asynchronous one (CommitAsync)
  // has `callback` instead, and the queue owns the Writer.
  std::condition_variable cv;
  CommitCallback callback;
};

CommitPipeline::CommitPipeline(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, Lsn last_lsn,
                               bool default_sync, HotRowCache* hot_rows,
                               rocksdb::ColumnFamilyHandle* rows, CommitIngestion ingestion)
    : db_(db),
      meta_(meta),
      default_sync_(default_sync),
      hot_rows_(rows != nullptr ? hot_rows : nullptr),
      rows_family_id_(rows != nullptr ? rows->GetID() : 0),
      ingestion_(std::move(ingestion)),
      last_assigned_lsn_(last_lsn),
      visible_lsn_(last_lsn),
      published_sequence_(db->GetLatestSequenceNumber()),
      visible_lsn_atomic_(last_lsn) {}

CommitPipeline::~CommitPipeline() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  async_leader_cv_.notify_one();
  // The async leader leaves only once no asynchronous commit is queued.
  if (async_leader_.joinable()) async_leader_.join();
  std::lock_guard lock(publish_mu_);
  // A live Snapshot would call back into a destroyed pipeline.
  STRATA_CHECK(active_snapshots_.empty());
}

Result<Lsn> CommitPipeline::ReadPersistedLsn(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta) {
  std::string value;
  const rocksdb::Status s =
      db->Get(rocksdb::ReadOptions(), meta, rocksdb::Slice(kLastLsnKey), &value);
  if (s.IsNotFound()) return kInvalidLsn;
  if (!s.ok()) return FromRocksDbStatus(s, "reading the last committed LSN");
  return DecodeLsnBigEndian(value);
}

Result<Lsn> CommitPipeline::Commit(const CommitRequest& request) {
  STRATA_DCHECK(request.batch != nullptr);
  Writer self(&request);
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (!self.done) LeadGroup(lock);
  if (!self.status.ok()) return self.status;
  return self.lsn;
}

void CommitPipeline::CommitAsync(const CommitRequest& request, CommitCallback done) {
  STRATA_DCHECK(request.batch != nullptr);
  auto* writer = new Writer(&request);
  writer->callback = std::move(done);
  std::lock_guard lock(queue_mu_);
  if (!async_leader_.joinable()) async_leader_ = std::thread([this] { AsyncLeaderLoop(); });
  ++async_outstanding_;
  queue_.push_back(writer);
  if (queue_.front() == writer) async_leader_cv_.notify_one();
}

void CommitPipeline::AsyncLeaderLoop() {
  std::unique_lock lock(queue_mu_);
  for (;;) {
    async_leader_cv_.wait(lock, [&] {
      return stopping_ || (!queue_.empty() && queue_.front()->callback != nullptr);
    });
    if (!queue_.empty() && queue_.front()->callback != nullptr) {
      LeadGroup(lock);
    } else if (stopping_) {
      return;
    }
  }
}

void CommitPipeline::LeadGroup(std::unique_lock<std::mutex>& lock) {
  // Take the group, write it without the queue lock so that new committers
  // can line up for the next group meanwhile.
  Writer* const leader = queue_.front();
  size_t limit = RequestBytes(*leader->request);
  limit = limit <= kSmallCommitSlack ? limit + kSmallCommitSlack : kMaxGroupBytes;
  std::vector<Writer*> group;
  size_t bytes = 0;
  for (Writer* w : queue_) {
    const size_t size = RequestBytes(*w->request);
    const bool alone = w->request->options.alone || !w->request->leading.empty() || Ingests(size);
    if (!group.empty() && (bytes + size > limit || alone)) break;
    group.push_back(w);
    bytes += size;
    if (alone) break;
  }
  lock.unlock();
  WriteGroup(group);
  lock.lock();
  std::vector<Writer*> finished_async;
  for (Writer* w : group) {
    STRATA_DCHECK(queue_.front() == w);
    queue_.pop_front();
    w->done = true;
    if (w->callback != nullptr) {
      finished_async.push_back(w);
    } else if (w != leader) {
      w->cv.notify_one();
    }
  }
  // Hand leadership on: a synchronous committer leads its own group, an
  // asynchronous one's is led by the async leader thread.
  if (!queue_.empty()) {
    if (queue_.front()->callback != nullptr) {
      async_leader_cv_.notify_one();
    } else {
      queue_.front()->cv.notify_one();
    }
  }
  if (finished_async.empty()) return;
  lock.unlock();
  for (Writer* w : finished_async) {
    Result<Lsn> result = w->status.ok() ? Result<Lsn>(w->lsn) : Result<Lsn>(w->status);
    CommitCallback callback = std::move(w->callback);
    delete w;
    callback(std::move(result));
  }
  lock.lock();
  async_outstanding_ -= finished_async.size();
  if (async_outstanding_ == 0) async_idle_cv_.notify_all();
}

void CommitPipeline::WaitForAsyncCommits() {
  std::unique_lock lock(queue_mu_);
  async_idle_cv_.wait(lock, [&] { return async_outstanding_ == 0; });
}

Status CommitPipeline::CheckConflicts(const CommitRequest& request) const {
  if (!request.snapshot_lsn.has_value()) return Status::OK();
  for (const uint64_t key_hash : request.write_set) {
    // An earlier member of this group has an LSN above every snapshot, so any
    // overlap with it is a conflict too (MayHaveWrittenSince counts it).
    if (MayHaveWrittenSince(key_hash, *request.snapshot_lsn)) {
      return Status(SqlState::kSerializationFailure,
                    "could not serialize access due to concurrent update");
    }
  }
  return Status::OK();
}

bool CommitPipeline::MayHaveWrittenSince(uint64_t key_hash, Lsn lsn) const {
  STRATA_DCHECK(stamping_group_writes_ != nullptr);
  // Outside a stamp (a misuse) the only safe answer is "maybe".
  if (stamping_group_writes_ == nullptr) return true;
  return conflicts_.WrittenAfter(key_hash, lsn) || stamping_group_writes_->contains(key_hash);
}

void CommitPipeline::WriteGroup(std::span<Writer* const> group) {
  ++group_sequence_;
  // 1. Conflicts, LSNs, stamps, in queue order.
  std::vector<Writer*> accepted;
  accepted.reserve(group.size());
  std::unordered_set<uint64_t> group_writes;
  size_t members_in_group_writes = 0;
  stamping_group_writes_ = &group_writes;
  Lsn next_lsn = last_assigned_lsn_ + 1;
  bool sync = false;
  for (Writer* w : group) {
    const CommitRequest& request = *w->request;
    // Only later members check against a member's writes, so they are added
    // when a later member comes (a lone bulk commit's keys never are).
    for (; members_in_group_writes < accepted.size(); ++members_in_group_writes) {
      const std::span<const uint64_t> writes = accepted[members_in_group_writes]->request->write_set;
      group_writes.insert(writes.begin(), writes.end());
    }
    Status s = CheckConflicts(request);
    if (s.ok()) {
      // Everything the pipeline appends to the caller's batch comes after
      // this save point and is rolled back below.
      request.batch->SetSavePoint();
      if (request.options.stamp) s = request.options.stamp(next_lsn, request.batch);
      if (!s.ok()) {
        const rocksdb::Status rs = request.batch->RollbackToSavePoint();
        STRATA_DCHECK(rs.ok());
      }
    }
    if (!s.ok()) {
      w->status = std::move(s);
      failed_commits_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    w->lsn = next_lsn++;
    sync = sync || request.options.sync.value_or(default_sync_);
    accepted.push_back(w);
  }
  stamping_group_writes_ = nullptr;
  if (accepted.empty()) return;
  const Lsn group_lsn = next_lsn - 1;

  // Cached rows this group writes stop being served before any snapshot can
  // contain the group (see HotRowCache).
  std::vector<RowPut> row_puts;
  if (hot_rows_ != nullptr) {
    for (const Writer* w : accepted) {
      const bool write_through = w->request->leading.empty();
      for (const rocksdb::WriteBatch* part : w->request->leading) {
        RowWriteNotifier notify(hot_rows_, rows_family_id_, w->lsn, part, &row_puts, false);
        if (!part->Iterate(&notify).ok()) notify.NoteAnyRowWritten();
      }
      RowWriteNotifier notify(hot_rows_, rows_family_id_, w->lsn, w->request->batch, &row_puts,
                              write_through);
      // A record kind the notifier does not know (Strata writes none) fails
      // the iteration.
      if (!w->request->batch->Iterate(&notify).ok()) notify.NoteAnyRowWritten();
    }
  }

  // 2. One write.
  std::string encoded_lsn;
  AppendLsnBigEndian(&encoded_lsn, group_lsn);
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  {
    std::lock_guard lock(publish_mu_);
    inflight_lsn_ = group_lsn;
  }
  rocksdb::Status write_status;
  bool ingested = false;
  Status ingest_error;
  if (accepted.size() == 1) {
    const CommitRequest& request = *accepted.front()->request;
    write_status = request.batch->Put(meta_, rocksdb::Slice(kLastLsnKey), encoded_lsn);
    std::vector<const rocksdb::WriteBatch*> parts(request.leading.begin(), request.leading.end());
    parts.push_back(request.batch);
    if (write_status.ok() && Ingests(RequestBytes(request))) {
      {
        std::lock_guard lock(publish_mu_);
        inflight_ingestion_ = true;
      }
      ingest_error = IngestBatches(db_, ingestion_.families, ingestion_.dir, group_sequence_,
                                   parts, &ingested);
    }
    if (write_status.ok() && ingest_error.ok() && !ingested) {
      if (parts.size() == 1) {
        write_status = db_->Write(write_options, request.batch);
      } else {
        rocksdb::WriteBatch merged = ConcatenateBatches(parts);
        write_status = db_->Write(write_options, &merged);
      }
    }
  } else {
    std::vector<const rocksdb::WriteBatch*> batches;
    batches.reserve(accepted.size());
    for (const Writer* w : accepted) {
      STRATA_DCHECK(w->request->leading.empty());  // such commits are groups of their own
      batches.push_back(w->request->batch);
    }
    rocksdb::WriteBatch merged =
        ConcatenateBatches(batches, kLastLsnKey.size() + kEncodedLsnSize + 16);
    write_status = merged.Put(meta_, rocksdb::Slice(kLastLsnKey), encoded_lsn);
    if (write_status.ok()) write_status = db_->Write(write_options, &merged);
  }
  // Written through only now: a failed write's rows must never be cached
  // (its LSNs go to later commits). Still before the group is published, so
  // the first readers that see it find its rows cached. The rows are in the
  // members' batches, which the rollback below truncates.
  const bool written = write_status.ok() && ingest_error.ok();
  if (written) {
    for (const RowPut& put : row_puts) {
      hot_rows_->InsertCommitted(put.hash, put.key(), put.lsn, put.row());
    }
  }
  for (const Writer* w : accepted) {
    const rocksdb::Status rs = w->request->batch->RollbackToSavePoint();
    STRATA_DCHECK(rs.ok());
  }

  if (!written) {
    // Nothing of the group became visible; its LSNs go to later commits.
    const Status error =
        ingest_error.ok() ? FromRocksDbStatus(write_status, "commit") : std::move(ingest_error);
    for (Writer* w : accepted) {
      w->lsn = kInvalidLsn;
      w->status = error;
    }
    failed_commits_.fetch_add(accepted.size(), std::memory_order_relaxed);
    std::lock_guard lock(publish_mu_);
    inflight_lsn_ = kInvalidLsn;
    EndIngestionLocked();
    // A failed ingestion may still have consumed a sequence number (RocksDB
    // advances it once the MANIFEST write was attempted). Nothing became
    // visible, so snapshots at the new latest sequence hold exactly the
    // published commits; without this they would look in flight.
    published_sequence_ = db_->GetLatestSequenceNumber();
    return;
  }

  // 3. Record writes for later conflict checks before publishing: a
  // transaction that could conflict with this group commits through a later
  // leader, which runs after this one returns.
  for (const Writer* w : accepted) {
    conflicts_.RecordAll(w->request->write_set, w->lsn);
  }
  last_assigned_lsn_ = group_lsn;
  Lsn oldest_snapshot;
  {
    std::lock_guard lock(publish_mu_);
    visible_lsn_ = group_lsn;
    // Every write goes through this pipeline and we are its only writer now,
    // so RocksDB's latest sequence is the end of this group.
    published_sequence_ = db_->GetLatestSequenceNumber();
    inflight_lsn_ = kInvalidLsn;
    EndIngestionLocked();
    visible_lsn_atomic_.store(group_lsn, std::memory_order_release);
    oldest_snapshot = OldestSnapshotLsnLocked();
  }
  conflicts_.TrimUpTo(oldest_snapshot);
  tracked_writes_.store(conflicts_.size(), std::memory_order_relaxed);

  commits_.fetch_add(accepted.size(), std::memory_order_relaxed);
  groups_.fetch_add(1, std::memory_order_relaxed);
  if (ingested) {
    ingested_.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("storage: commit at LSN {} ({} bytes) written by SST ingestion", FormatLsn(group_lsn),
                 RequestBytes(*accepted.front()->request));
  } else if (sync) {
    wal_syncs_.fetch_add(1, std::memory_order_relaxed);
  }
}

size_t CommitPipeline::RequestBytes(const CommitRequest& request) {
  size_t bytes = request.batch->GetDataSize();
  for (const rocksdb::WriteBatch* part : request.leading) bytes += part->GetDataSize();
  return bytes;
}

bool CommitPipeline::Ingests(size_t batch_bytes) const {
  return ingestion_.min_batch_bytes > 0 && batch_bytes >= ingestion_.min_batch_bytes;
}

void CommitPipeline::EndIngestionLocked() {
  if (!inflight_ingestion_) return;
  inflight_ingestion_ = false;
  ingestion_done_.notify_all();
}

Snapshot CommitPipeline::TakeSnapshot() {
  std::unique_lock lock(publish_mu_);
  if (latest_snapshot_ != nullptr && latest_snapshot_lsn_ == visible_lsn_) {
    // Nothing was published since it was taken: it holds exactly the commits
    // up to visible_lsn_, as a new one would (save a group written but not
    // yet published, which a new one may or may not contain). Sharing it
    // spares RocksDB's DB mutex (GetSnapshot and ReleaseSnapshot both take
    // it) on every read statement.
    ++active_snapshots_[visible_lsn_];
    ++shared_snapshots_[latest_snapshot_];
    return Snapshot(this, visible_lsn_, latest_snapshot_);
  }
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  if (snapshot->GetSequenceNumber() > published_sequence_ && inflight_ingestion_) {
    // An ingestion advanced RocksDB's sequence, but RocksDB does so even when
    // the MANIFEST write then fails: whether the snapshot holds the commit is
    // known only when the leader returns. Labelled with the in-flight LSN, it
    // would be wrong after a failure, which hands that LSN to the next
    // commit. The wait is short: the sequence moves in the ingestion's last
    // step.
    db_->ReleaseSnapshot(snapshot);
    ingestion_done_.wait(lock, [&] { return !inflight_ingestion_; });
    lock.unlock();
    return TakeSnapshot();
  }
  Lsn lsn = visible_lsn_;
  if (snapshot->GetSequenceNumber() > published_sequence_) {
    // The in-flight group's write has completed inside RocksDB (which applies
    // a batch to the memtable only after its WAL write and sync) but its
    // leader has not published yet. The snapshot contains the whole group --
    // RocksDB publishes a write's sequence numbers at once -- so it is a
    // snapshot at the group's LSN. Since only one group is ever in flight,
    // no other commit can be behind that sequence number.
    STRATA_DCHECK(inflight_lsn_ != kInvalidLsn);
    lsn = inflight_lsn_;
  } else {
    latest_snapshot_ = snapshot;
    latest_snapshot_lsn_ = lsn;
  }
  ++active_snapshots_[lsn];
  return Snapshot(this, lsn, snapshot);
}

Snapshot CommitPipeline::ShareSnapshot(const Snapshot& snapshot) {
  std::lock_guard lock(publish_mu_);
  ++active_snapshots_[snapshot.lsn()];
  ++shared_snapshots_[snapshot.rocksdb_snapshot()];
  return Snapshot(this, snapshot.lsn(), snapshot.rocksdb_snapshot());
}

void CommitPipeline::ReleaseSnapshot(Lsn lsn, const rocksdb::Snapshot* snapshot) {
  {
    std::lock_guard lock(publish_mu_);
    const auto it = active_snapshots_.find(lsn);
    STRATA_DCHECK(it != active_snapshots_.end());
    if (--it->second == 0) active_snapshots_.erase(it);
    // Another handle still reads through the RocksDB snapshot.
    const auto shared = shared_snapshots_.find(snapshot);
    if (shared != shared_snapshots_.end()) {
      if (--shared->second == 0) shared_snapshots_.erase(shared);
      return;
    }
    if (snapshot == latest_snapshot_) latest_snapshot_ = nullptr;
  }
  db_->ReleaseSnapshot(snapshot);
}

Lsn CommitPipeline::OldestSnapshotLsnLocked() const {
  return active_snapshots_.empty() ? visible_lsn_ : active_snapshots_.begin()->first;
}

Lsn CommitPipeline::OldestSnapshotLsn() const {
  std::lock_guard lock(publish_mu_);
  return OldestSnapshotLsnLocked();
}

size_t CommitPipeline::active_snapshot_count() const {
  std::lock_guard lock(publish_mu_);
  size_t n = 0;
  for (const auto& [lsn, count] : active_snapshots_) n += count;
  return n;
}

CommitStats CommitPipeline::stats() const {
  CommitStats s;
  s.commits = commits_.load(std::memory_order_relaxed);
  s.failed_commits = failed_commits_.load(std::memory_order_relaxed);
  s.groups = groups_.load(std::memory_order_relaxed);
  s.wal_syncs = wal_syncs_.load(std::memory_order_relaxed);
  s.ingested = ingested_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace strata::storage
