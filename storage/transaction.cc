#include "storage/transaction.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "common/macros.h"
#include "common/sort_unique.h"
#include "storage/engine.h"
#include "storage/hot_row_cache.h"
#include "storage/rocksdb_status.h"
#include "storage/write_conflict_index.h"

namespace strata::storage {

Transaction::Transaction(Engine* engine, const TransactionOptions& options)
    : Transaction(engine, options, engine->TakeSnapshot()) {}

Transaction::Transaction(Engine* engine, const TransactionOptions& options, Snapshot snapshot)
    : engine_(engine), snapshot_(std::move(snapshot)) {
  for (const ColumnFamily cf : options.conflict_column_families) {
    conflict_families_.set(ColumnFamilyIndex(cf));
  }
}

Transaction::~Transaction() {
  if (active_) Rollback();
}

rocksdb::WriteBatchWithIndex* Transaction::Batch() const {
  if (batch_ == nullptr) {
    batch_ = std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(),
                                                            /*reserved_bytes=*/0,
                                                            /*overwrite_key=*/true);
  }
  return batch_.get();
}

Status Transaction::CheckActive() const {
  if (active_) return Status::OK();
  return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
}

Status Transaction::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  STRATA_RETURN_IF_ERROR(CheckActive());
  STRATA_RETURN_IF_ERROR(IndexDeferredWritesOf(cf));
  STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
      Batch()->Put(engine_->handle(cf), rocksdb::Slice(key), rocksdb::Slice(value)), "put"));
  indexed_families_.set(ColumnFamilyIndex(cf));
  if (conflict_families_.test(ColumnFamilyIndex(cf))) {
    write_set_.push_back(WriteConflictIndex::HashKey(cf, key));
  }
  ++write_count_;
  return Status::OK();
}

Status Transaction::Delete(ColumnFamily cf, std::string_view key) {
  STRATA_RETURN_IF_ERROR(CheckActive());
  STRATA_RETURN_IF_ERROR(IndexDeferredWritesOf(cf));
  STRATA_RETURN_IF_ERROR(
      FromRocksDbStatus(Batch()->Delete(engine_->handle(cf), rocksdb::Slice(key)), "delete"));
  indexed_families_.set(ColumnFamilyIndex(cf));
  if (conflict_families_.test(ColumnFamilyIndex(cf))) {
    write_set_.push_back(WriteConflictIndex::HashKey(cf, key));
  }
  ++write_count_;
  return Status::OK();
}

namespace {

// Bounds of a PutDeferred chunk's reserved size.
constexpr size_t kMinDeferredChunkBytes = 64u << 10;
constexpr size_t kMaxDeferredChunkBytes = 16u << 20;
// From this chunk size on, the next chunk is faulted in ahead of use.
constexpr size_t kMinPrefaultedChunkBytes = 1u << 20;

// A deferred put's entry in deferred_keys_.
std::string DeferredKey(uint32_t family_id, std::string_view key) {
  std::string out(reinterpret_cast<const char*>(&family_id), sizeof(family_id));
  out.append(key);
  return out;
}

// Collects every put of a batch into a deferred_keys_ set.
class DeferredKeyCollector : public rocksdb::WriteBatch::Handler {
 public:
  explicit DeferredKeyCollector(std::unordered_set<std::string>* keys) : keys_(keys) {}
  rocksdb::Status PutCF(uint32_t cf_id, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    keys_->insert(DeferredKey(cf_id, std::string_view(key.data(), key.size())));
    return rocksdb::Status::OK();
  }

 private:
  std::unordered_set<std::string>* keys_;
};

}  // namespace

Status Transaction::PutDeferred(ColumnFamily cf, std::string_view key, std::string_view value,
                                bool tracked) {
  STRATA_RETURN_IF_ERROR(CheckActive());
  if (tracked) {
    const uint64_t fingerprint = WriteConflictIndex::HashKey(cf, key);
    deferred_fingerprints_.Insert(fingerprint);
    if (conflict_families_.test(ColumnFamilyIndex(cf))) write_set_.push_back(fingerprint);
  }
  if (deferred_keys_.has_value()) deferred_keys_->insert(DeferredKey(engine_->handle(cf)->GetID(), key));
  deferred_families_.set(ColumnFamilyIndex(cf));
  // A record is its key and value plus at most 16 bytes of tag, family id
  // and varint lengths.
  const size_t record_bytes = key.size() + value.size() + 16;
  if (deferred_.empty() || deferred_.back().GetDataSize() + record_bytes >
                               deferred_.back().Data().capacity()) {
    // Each chunk as large as everything before it, within bounds.
    size_t buffered = 0;
    for (const rocksdb::WriteBatch& chunk : deferred_) buffered += chunk.GetDataSize();
    const size_t capacity =
        std::clamp(buffered, kMinDeferredChunkBytes, kMaxDeferredChunkBytes) + record_bytes;
    std::string prefaulted;
    if (prefaulted_chunk_.valid()) prefaulted = prefaulted_chunk_.get();
    if (prefaulted.capacity() >= kWriteBatchHeaderBytes + record_bytes) {
      deferred_.emplace_back(std::move(prefaulted));
    } else {
      deferred_.emplace_back(capacity);
    }
    // The first write to fresh memory faults its pages in, which on a VM
    // costs about as much as the rest of a bulk load's buffering; another
    // thread takes that cost for the next chunk while this one fills.
    if (capacity >= kMinPrefaultedChunkBytes) {
      const size_t next = std::clamp(buffered + capacity, kMinDeferredChunkBytes, kMaxDeferredChunkBytes);
      prefaulted_chunk_ = std::async(std::launch::async, [next] {
        std::string rep(next, '\0');
        rep.resize(kWriteBatchHeaderBytes);  // an empty batch; the capacity stays
        return rep;
      });
    }
  }
  STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
      deferred_.back().Put(engine_->handle(cf), rocksdb::Slice(key), rocksdb::Slice(value)),
      "put"));
  ++deferred_count_;
  ++write_count_;
  return Status::OK();
}

namespace {

// Replays a WriteBatch of puts into another batch (`Put` is either
// WriteBatchWithIndex's, indexing each entry, or a plain WriteBatch's).
template <typename Batch>
class ReplayPuts : public rocksdb::WriteBatch::Handler {
 public:
  ReplayPuts(Engine* engine, Batch* out) : out_(out) {
    for (const ColumnFamily cf : kAllColumnFamilies) {
      rocksdb::ColumnFamilyHandle* h = engine->handle(cf);
      if (h->GetID() >= handles_.size()) handles_.resize(h->GetID() + 1, nullptr);
      handles_[h->GetID()] = h;
    }
  }
  rocksdb::Status PutCF(uint32_t cf_id, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (cf_id >= handles_.size() || handles_[cf_id] == nullptr) {
      return rocksdb::Status::Corruption("deferred write to an unknown column family");
    }
    return out_->Put(handles_[cf_id], key, value);
  }

 private:
  Batch* out_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace

bool Transaction::HasDeferredPut(ColumnFamily cf, std::string_view key) const {
  if (!deferred_fingerprints_.Contains(WriteConflictIndex::HashKey(cf, key))) return false;
  if (!deferred_keys_.has_value()) {
    deferred_keys_.emplace();
    DeferredKeyCollector collect(&*deferred_keys_);
    for (const rocksdb::WriteBatch& chunk : deferred_) {
      // Deferred chunks hold only puts, which the collector accepts.
      const rocksdb::Status s = chunk.Iterate(&collect);
      STRATA_DCHECK(s.ok());
    }
  }
  return deferred_keys_->contains(DeferredKey(engine_->handle(cf)->GetID(), key));
}

Status Transaction::IndexDeferredWritesOf(ColumnFamily cf) const {
  if (!deferred_families_.test(ColumnFamilyIndex(cf))) return Status::OK();
  return const_cast<Transaction*>(this)->IndexDeferredWrites();
}

Status Transaction::IndexDeferredWrites() {
  STRATA_RETURN_IF_ERROR(CheckActive());
  if (deferred_count_ == 0) return Status::OK();
  ReplayPuts<rocksdb::WriteBatchWithIndex> replay(engine_, Batch());
  for (rocksdb::WriteBatch& chunk : deferred_) {
    STRATA_RETURN_IF_ERROR(FromRocksDbStatus(chunk.Iterate(&replay), "index deferred writes"));
  }
  deferred_.clear();
  deferred_count_ = 0;
  indexed_families_ |= deferred_families_;
  deferred_families_.reset();
  deferred_fingerprints_.Clear();
  deferred_keys_.reset();
  prefaulted_chunk_ = {};
  return Status::OK();
}

struct PinnedValues::Rep {
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
};

PinnedValues::PinnedValues() : rep_(std::make_unique<Rep>()) {}
PinnedValues::~PinnedValues() = default;

size_t PinnedValues::size() const { return rep_->values.size(); }

std::optional<std::string_view> PinnedValues::at(size_t i) const {
  if (!rep_->statuses[i].ok()) return std::nullopt;
  return std::string_view(rep_->values[i].data(), rep_->values[i].size());
}

bool Transaction::reads_snapshot_only() const {
  return batch_ == nullptr || batch_->GetWriteBatch()->Count() == 0;
}

Result<std::optional<std::string>> Transaction::Get(ColumnFamily cf, std::string_view key) const {
  STRATA_RETURN_IF_ERROR(CheckActive());
  STRATA_RETURN_IF_ERROR(IndexDeferredWritesOf(cf));
  if (cf == ColumnFamily::kRows && engine_->hot_rows() != nullptr && reads_snapshot_only()) {
    // Through the hot-row cache: an upsert reads the row it replaces here.
    PinnedValues pinned;
    STRATA_RETURN_IF_ERROR(MultiGetPinnedIndexed(cf, std::span<const std::string_view>(&key, 1),
                                                 /*sorted=*/true, &pinned));
    const std::optional<std::string_view> value = pinned.at(0);
    if (!value.has_value()) return std::optional<std::string>();
    return std::optional<std::string>(std::string(*value));
  }
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot_.rocksdb_snapshot();
  std::string value;
  const rocksdb::Status s =
      reads_snapshot_only()
          ? engine_->db()->Get(read_options, engine_->handle(cf), rocksdb::Slice(key), &value)
          : Batch()->GetFromBatchAndDB(engine_->db(), read_options, engine_->handle(cf),
                                      rocksdb::Slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksDbStatus(s, "get");
  return std::optional<std::string>(std::move(value));
}

Status Transaction::MultiGetPinned(ColumnFamily cf, std::span<const std::string_view> keys,
                                   bool sorted, PinnedValues* out) const {
  STRATA_RETURN_IF_ERROR(CheckActive());
  STRATA_RETURN_IF_ERROR(IndexDeferredWritesOf(cf));
  return MultiGetPinnedIndexed(cf, keys, sorted, out);
}

Status Transaction::MultiGetPinnedIndexed(ColumnFamily cf, std::span<const std::string_view> keys,
                                          bool sorted, PinnedValues* out) const {
  PinnedValues::Rep& rep = *out->rep_;
  rep.values.clear();
  rep.values.resize(keys.size());
  rep.statuses.assign(keys.size(), rocksdb::Status());
  HotRowCache* const hot_rows = engine_->hot_rows();
  if (cf == ColumnFamily::kRows && hot_rows != nullptr && reads_snapshot_only()) {
    return MultiGetThroughHotRows(hot_rows, keys, sorted, out);
  }
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  if (reads_snapshot_only()) {
    ReadSnapshot(cf, slices, sorted, rep.values.data(), rep.statuses.data());
  } else if (keys.size() == 1) {
    rocksdb::ReadOptions read_options;
    read_options.snapshot = snapshot_.rocksdb_snapshot();
    rep.statuses[0] = Batch()->GetFromBatchAndDB(engine_->db(), read_options, engine_->handle(cf),
                                                slices[0], &rep.values[0]);
  } else {
    rocksdb::ReadOptions read_options;
    read_options.snapshot = snapshot_.rocksdb_snapshot();
    Batch()->MultiGetFromBatchAndDB(engine_->db(), read_options, engine_->handle(cf), keys.size(),
                                   slices.data(), rep.values.data(), rep.statuses.data(), sorted);
  }
  for (const rocksdb::Status& s : rep.statuses) {
    if (!s.ok() && !s.IsNotFound()) return FromRocksDbStatus(s, "multi-get");
  }
  return Status::OK();
}

void Transaction::ReadSnapshot(ColumnFamily cf, std::span<const rocksdb::Slice> keys, bool sorted,
                               rocksdb::PinnableSlice* values, rocksdb::Status* statuses) const {
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot_.rocksdb_snapshot();
  if (keys.size() == 1) {
    statuses[0] = engine_->db()->Get(read_options, engine_->handle(cf), keys[0], values);
  } else {
    engine_->db()->MultiGet(read_options, engine_->handle(cf), keys.size(), keys.data(), values,
                            statuses, sorted);
  }
}

void Transaction::PrefetchRows(std::span<const std::string> keys) const {
  HotRowCache* const hot_rows = engine_->hot_rows();
  if (hot_rows == nullptr || !active_ || !reads_snapshot_only() ||
      deferred_families_.test(ColumnFamilyIndex(ColumnFamily::kRows))) {
    return;
  }
  for (const std::string& key : keys) hot_rows->Prefetch(HotRowCache::HashRowKey(key));
}

Status Transaction::MultiGetThroughHotRows(HotRowCache* hot_rows,
                                           std::span<const std::string_view> keys, bool sorted,
                                           PinnedValues* out) const {
  PinnedValues::Rep& rep = *out->rep_;
  const Lsn lsn = snapshot_.lsn();
  if (keys.size() == 1) {
    // The serving path's point read: no per-key bookkeeping.
    const uint64_t hash = HotRowCache::HashRowKey(keys[0]);
    if (hot_rows->Lookup(hash, keys[0], lsn, &rep.values[0])) return Status::OK();
    const rocksdb::Slice key(keys[0]);
    ReadSnapshot(ColumnFamily::kRows, std::span<const rocksdb::Slice>(&key, 1), sorted,
                 &rep.values[0], &rep.statuses[0]);
    if (rep.statuses[0].ok()) {
      hot_rows->Insert(hash, keys[0], lsn, rep.values[0].ToStringView());
    } else if (!rep.statuses[0].IsNotFound()) {
      return FromRocksDbStatus(rep.statuses[0], "multi-get");
    }
    return Status::OK();
  }
  std::vector<uint64_t> hashes(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) hashes[i] = HotRowCache::HashRowKey(keys[i]);
  std::unique_ptr<bool[]> hits(new bool[keys.size()]);
  hot_rows->LookupMany(keys.size(), hashes.data(), keys.data(), lsn, rep.values.data(), hits.get());
  std::vector<size_t> misses;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!hits[i]) misses.push_back(i);
  }
  if (misses.empty()) return Status::OK();
  // The misses keep the keys' order, so a sorted input stays sorted.
  std::vector<rocksdb::Slice> slices;
  slices.reserve(misses.size());
  for (const size_t i : misses) slices.emplace_back(keys[i]);
  std::vector<rocksdb::PinnableSlice> values(misses.size());
  std::vector<rocksdb::Status> statuses(misses.size());
  ReadSnapshot(ColumnFamily::kRows, slices, sorted, values.data(), statuses.data());
  Status first_error;
  for (size_t j = 0; j < misses.size(); ++j) {
    const size_t i = misses[j];
    if (statuses[j].ok()) {
      hot_rows->Insert(hashes[i], keys[i], lsn, values[j].ToStringView());
    } else if (!statuses[j].IsNotFound() && first_error.ok()) {
      first_error = FromRocksDbStatus(statuses[j], "multi-get");
    }
    rep.values[i] = std::move(values[j]);
    rep.statuses[i] = std::move(statuses[j]);
  }
  return first_error;
}

namespace {

std::vector<std::optional<std::string>> CopyValues(const PinnedValues& pinned) {
  std::vector<std::optional<std::string>> out(pinned.size());
  for (size_t i = 0; i < pinned.size(); ++i) {
    if (auto v = pinned.at(i)) out[i] = std::string(*v);
  }
  return out;
}

}  // namespace

Result<std::vector<std::optional<std::string>>> Transaction::MultiGet(
    ColumnFamily cf, std::span<const std::string_view> keys, bool sorted) const {
  PinnedValues pinned;
  STRATA_RETURN_IF_ERROR(MultiGetPinned(cf, keys, sorted, &pinned));
  return CopyValues(pinned);
}

Result<std::vector<std::optional<std::string>>> Transaction::MultiGetWithoutDeferred(
    ColumnFamily cf, std::span<const std::string_view> keys, bool sorted) const {
  STRATA_RETURN_IF_ERROR(CheckActive());
  PinnedValues pinned;
  STRATA_RETURN_IF_ERROR(MultiGetPinnedIndexed(cf, keys, sorted, &pinned));
  return CopyValues(pinned);
}

Result<std::optional<std::string>> Transaction::GetOwnWrite(ColumnFamily cf,
                                                            std::string_view key) const {
  STRATA_RETURN_IF_ERROR(CheckActive());
  STRATA_RETURN_IF_ERROR(IndexDeferredWritesOf(cf));
  // Only consulted for merge operands, which Strata does not write.
  static const rocksdb::DBOptions kNoMergeOptions;
  std::string value;
  if (batch_ == nullptr) return std::optional<std::string>();
  const rocksdb::Status s =
      batch_->GetFromBatch(engine_->handle(cf), kNoMergeOptions, rocksdb::Slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksDbStatus(s, "get own write");
  return std::optional<std::string>(std::move(value));
}

Result<bool> Transaction::SnapshotMayHaveKeyIn(ColumnFamily cf, const ReadBounds& bounds) const {
  STRATA_RETURN_IF_ERROR(CheckActive());
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_.rocksdb_snapshot();
  const rocksdb::Slice lower(bounds.lower);
  const rocksdb::Slice upper(bounds.upper);
  options.iterate_lower_bound = &lower;
  if (!bounds.upper.empty()) options.iterate_upper_bound = &upper;
  // Deleted entries not yet compacted away (a table emptied by DELETE) are
  // stepped over one by one; past this many the answer is "maybe" rather
  // than a walk over all of them.
  options.max_skippable_internal_keys = 4096;
  std::unique_ptr<rocksdb::Iterator> it(engine_->db()->NewIterator(options, engine_->handle(cf)));
  it->Seek(lower);
  if (it->Valid() || it->status().IsIncomplete()) return true;
  STRATA_RETURN_IF_ERROR(FromRocksDbStatus(it->status(), "seek"));
  return false;
}

std::unique_ptr<Iterator> Transaction::NewIterator(ColumnFamily cf, ReadBounds bounds) const {
  if (!active_) return nullptr;
  // Fails only for a batch record of an unknown family, which Strata never
  // writes.
  if (!IndexDeferredWritesOf(cf).ok()) return nullptr;
  std::unique_ptr<Iterator> it(
      new Iterator(std::move(bounds), snapshot_.rocksdb_snapshot()));  // private constructor
  rocksdb::Iterator* base = engine_->db()->NewIterator(it->read_options(), engine_->handle(cf));
  // The returned iterator owns `base` and applies the same bounds to both
  // the batch and the base.
  it->Attach(Batch()->NewIteratorWithBase(engine_->handle(cf), base, &it->read_options()));
  return it;
}

struct Transaction::CommitInFlight {
  CommitRequest request;
  std::vector<const rocksdb::WriteBatch*> leading;
  rocksdb::WriteBatch tail;
};

void Transaction::PrepareCommit(CommitOptions options, CommitInFlight* commit) {
  SortUnique(&write_set_);
  // The deferred writes go after the indexed ones: the pipeline gets them
  // as leading batches (no copy), followed by an empty batch for what the
  // stamps append.
  if (deferred_count_ > 0) {
    commit->leading.push_back(Batch()->GetWriteBatch());
    for (const rocksdb::WriteBatch& chunk : deferred_) commit->leading.push_back(&chunk);
  }
  CommitRequest& request = commit->request;
  request.batch = commit->leading.empty() ? Batch()->GetWriteBatch() : &commit->tail;
  request.leading = commit->leading;
  request.options = std::move(options);
  request.snapshot_lsn = snapshot_.lsn();
  request.write_set = write_set_;
}

Result<Lsn> Transaction::Commit(const CommitOptions& options) {
  STRATA_RETURN_IF_ERROR(CheckActive());
  if (write_count_ == 0 && !options.stamp) {
    Finish();
    return kInvalidLsn;
  }
  CommitInFlight commit;
  PrepareCommit(options, &commit);
  Result<Lsn> result = engine_->pipeline()->Commit(commit.request);
  Finish();
  return result;
}

void Transaction::CommitAsync(CommitOptions options, CommitCallback done) {
  if (Status active = CheckActive(); !active.ok()) {
    done(std::move(active));
    return;
  }
  if (write_count_ == 0 && !options.stamp) {
    Finish();
    done(kInvalidLsn);
    return;
  }
  commit_in_flight_ = std::make_unique<CommitInFlight>();
  PrepareCommit(std::move(options), commit_in_flight_.get());
  engine_->pipeline()->CommitAsync(commit_in_flight_->request,
                                   [this, done = std::move(done)](Result<Lsn> result) {
                                     Finish();
                                     done(std::move(result));
                                   });
}

void Transaction::Rollback() {
  if (active_) Finish();
}

void Transaction::Finish() {
  active_ = false;
  if (batch_ != nullptr) batch_->Clear();
  write_set_.clear();
  write_set_.shrink_to_fit();
  deferred_.clear();
  deferred_count_ = 0;
  deferred_families_.reset();
  deferred_fingerprints_.Clear();
  deferred_keys_.reset();
  prefaulted_chunk_ = {};
  commit_in_flight_.reset();
  snapshot_.Release();
}

}  // namespace strata::storage
