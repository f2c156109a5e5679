#include "storage/column_replica.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <system_error>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "common/crash_point.h"
#include "common/macros.h"
#include "common/sql_state.h"
#include "rowstore/key_codec.h"
#include "rowstore/row_codec.h"
#include "storage/database.h"
#include "storage/commit_pipeline.h"
#include "storage/engine.h"
#include "storage/iterator.h"
#include "storage/rocksdb_status.h"
#include "storage/row_format.h"
#include "storage/transaction.h"
#include "storage/write_conflict_index.h"

namespace strata::storage {

using columnstore::ColumnBatch;
using columnstore::ColumnPredicate;
using columnstore::ColumnVector;
using columnstore::DeleteVector;
using columnstore::kRowKeyColumnId;
using columnstore::ScanColumn;
using columnstore::Segment;
using columnstore::SegmentScanner;
using columnstore::SegmentScanOptions;

bool HasColumnReplica(const TableDef& table) {
  return table.properties.orientation != Orientation::kRow;
}

namespace {

void PutBe(uint64_t v, int bytes, std::string* out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>(v >> shift));
  }
}

uint64_t GetBe(std::string_view s) {
  uint64_t v = 0;
  for (const char c : s) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

Status Put(rocksdb::WriteBatch* batch, Engine* engine, ColumnFamily cf, std::string_view key,
           std::string_view value) {
  return FromRocksDbStatus(
      batch->Put(engine->handle(cf), rocksdb::Slice(key), rocksdb::Slice(value)), "put");
}

Status Del(rocksdb::WriteBatch* batch, Engine* engine, ColumnFamily cf, std::string_view key) {
  return FromRocksDbStatus(batch->Delete(engine->handle(cf), rocksdb::Slice(key)), "delete");
}

Status DelRange(rocksdb::WriteBatch* batch, Engine* engine, ColumnFamily cf,
                const std::string& begin) {
  const std::string end = rowstore::PrefixUpperBound(begin);
  return FromRocksDbStatus(
      batch->DeleteRange(engine->handle(cf), rocksdb::Slice(begin), rocksdb::Slice(end)),
      "delete range");
}

ReadBounds PrefixBounds(const std::string& prefix) {
  return ReadBounds{prefix, rowstore::PrefixUpperBound(prefix)};
}

std::vector<ScanColumn> TableSchema(const TableDef& table) {
  std::vector<ScanColumn> schema;
  for (const ColumnDef& c : table.columns) schema.push_back({c.id, c.type, c.missing_value});
  return schema;
}

Status TableChanged(uint32_t table_id) {
  return Status(SqlState::kSerializationFailure, "relation with OID " + std::to_string(table_id) +
                                                     " changed during column replica maintenance");
}

// Orders rows by the clustering key (when set), then by row key.
std::vector<size_t> SortOrder(const TableDef& table, const std::vector<std::vector<Value>>& rows,
                              const std::vector<std::string>& keys) {
  std::vector<size_t> cluster;
  // Without a clustering key, segments are sorted by the event-time column
  // (so its zone maps are narrow and scans prune by time).
  std::vector<uint32_t> sort_ids = table.properties.clustering_key;
  if (sort_ids.empty() && table.properties.event_time_column.has_value()) {
    sort_ids.push_back(*table.properties.event_time_column);
  }
  for (const uint32_t id : sort_ids) {
    if (const std::optional<size_t> i = table.ColumnIndex(id); i.has_value()) {
      cluster.push_back(*i);
    }
  }
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    for (const size_t c : cluster) {
      const int cmp = Value::Compare(rows[a][c], rows[b][c]);
      if (cmp != 0) return cmp < 0;
    }
    return keys[a] < keys[b];
  });
  return order;
}

// False when some predicate rejects every block of the segment.
bool SegmentMayMatch(const Segment& segment, const std::vector<ColumnPredicate>& predicates) {
  for (const ColumnPredicate& p : predicates) {
    const int idx = segment.FindColumn(p.column_id);
    if (idx < 0) continue;  // a column added later: the missing value decides, per block
    bool any = false;
    for (const columnstore::SegmentBlockInfo& block :
         segment.columns()[static_cast<size_t>(idx)].blocks) {
      if (columnstore::ZoneMayMatch(p, block.zone)) {
        any = true;
        break;
      }
    }
    if (!any && segment.block_count() > 0) return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------- keys

namespace column_keys {

std::string Delta(uint32_t relfilenode, uint64_t seq) {
  std::string key = rowstore::TablePrefix(relfilenode);
  PutBe(seq, 8, &key);
  return key;
}

std::string DeleteVectorPrefix(uint32_t relfilenode, uint64_t segment) {
  std::string key = rowstore::TablePrefix(relfilenode);
  PutBe(segment, 8, &key);
  return key;
}

std::string DeletedRow(uint32_t relfilenode, uint64_t segment, uint32_t ordinal) {
  std::string key = DeleteVectorPrefix(relfilenode, segment);
  PutBe(ordinal, 4, &key);
  return key;
}

std::string ManifestPrefix(uint32_t relfilenode) {
  std::string key(kManifestTag);
  PutBe(relfilenode, 4, &key);
  return key;
}

std::string Manifest(uint32_t relfilenode, uint64_t segment) {
  std::string key = ManifestPrefix(relfilenode);
  PutBe(segment, 8, &key);
  return key;
}

std::string EncodeLocation(const ColumnLocation& location) {
  std::string out(1, location.in_segment ? 'S' : 'D');
  PutBe(location.id, 8, &out);
  if (location.in_segment) PutBe(location.ordinal, 4, &out);
  return out;
}

Result<ColumnLocation> DecodeLocation(std::string_view bytes) {
  if (bytes.size() == 9 && bytes[0] == 'D') return ColumnLocation{false, GetBe(bytes.substr(1)), 0};
  if (bytes.size() == 13 && bytes[0] == 'S') {
    return ColumnLocation{true, GetBe(bytes.substr(1, 8)),
                          static_cast<uint32_t>(GetBe(bytes.substr(9)))};
  }
  return Status::Corruption("malformed pk_index record");
}

std::string EncodeDeltaValue(std::string_view row_key, std::string_view row) {
  std::string out;
  uint64_t n = row_key.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  out.append(row_key);
  out.append(row);
  return out;
}

Status DecodeDeltaValue(std::string_view value, std::string_view* row_key, std::string_view* row) {
  uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    if (value.empty() || shift > 28) return Status::Corruption("malformed col_delta record");
    const uint8_t b = static_cast<uint8_t>(value.front());
    value.remove_prefix(1);
    n |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
  }
  if (n > value.size()) return Status::Corruption("malformed col_delta record");
  *row_key = value.substr(0, n);
  *row = value.substr(n);
  return Status::OK();
}

}  // namespace column_keys

// ---------------------------------------------------------------- scanner

class ColumnScanner::Impl {
 public:
  struct Source {
    std::shared_ptr<const Segment> segment;
    std::unique_ptr<DeleteVector> deleted;
    uint32_t block_stride = 1;  // this scanner reads the blocks b % block_stride == block_offset
    uint32_t block_offset = 0;
  };

  Status Init(const TableDef& table, const ColumnScanSpec& spec) {
    schema_ = TableSchema(table);
    projection_ = spec.projection;
    if (projection_.empty()) {
      for (const ColumnDef& c : table.columns) projection_.push_back(c.id);
    }
    std::vector<uint32_t> needed = projection_;
    for (const uint32_t id : projection_) {
      if (table.FindColumnById(id) == nullptr) {
        return Status(SqlState::kUndefinedColumn, "column id " + std::to_string(id) +
                                                      " of relation \"" + table.name +
                                                      "\" does not exist");
      }
    }
    for (const ColumnPredicate& p : spec.predicates) {
      const ColumnDef* c = table.FindColumnById(p.column_id);
      if (c == nullptr) {
        return Status(SqlState::kUndefinedColumn, "column id " + std::to_string(p.column_id) +
                                                      " of relation \"" + table.name +
                                                      "\" does not exist");
      }
      STRATA_RETURN_IF_ERROR(columnstore::ValidatePredicate(p, c->type));
      if (std::find(needed.begin(), needed.end(), p.column_id) == needed.end()) {
        needed.push_back(p.column_id);
      }
    }
    predicates_ = spec.predicates;
    delta_batch_rows_ = std::max<size_t>(1, spec.delta_batch_rows);
    for (const uint32_t id : needed) {
      const ColumnDef* c = table.FindColumnById(id);
      needed_specs_.push_back({c->id, c->type, c->missing_value});
      needed_ids_.push_back(id);
    }
    for (const uint32_t id : projection_) {
      needed_index_.push_back(static_cast<size_t>(
          std::find(needed_ids_.begin(), needed_ids_.end(), id) - needed_ids_.begin()));
    }
    return Status::OK();
  }

  Result<bool> Next(ColumnBatch* batch) {
    if (done_) {
      columnstore::InitBatch(schema_, projection_, batch);
      return false;
    }
    Result<bool> r = NextImpl(batch);
    if (!r.ok() || !*r) done_ = true;
    return r;
  }

  Result<bool> NextImpl(ColumnBatch* batch) {
    while (current_ != nullptr || next_source_ < sources_.size()) {
      if (current_ == nullptr) {
        Source& s = sources_[next_source_++];
        SegmentScanOptions options;
        options.schema = schema_;
        options.projection = projection_;
        options.predicates = predicates_;
        options.deleted = s.deleted.get();
        options.block_stride = s.block_stride;
        options.block_offset = s.block_offset;
        STRATA_ASSIGN_OR_RETURN(current_, SegmentScanner::Create(s.segment, std::move(options)));
      }
      STRATA_ASSIGN_OR_RETURN(bool more, current_->Next(batch));
      if (more) return true;
      AddStats(current_->stats());
      current_.reset();
    }
    return NextDelta(batch);
  }

  Result<bool> NextDelta(ColumnBatch* batch) {
    columnstore::InitBatch(schema_, projection_, batch);
    if (delta_ == nullptr) return false;
    if (!delta_started_) {
      delta_->SeekToFirst();
      delta_started_ = true;
    }
    ColumnBatch work;
    columnstore::InitBatch(schema_, needed_ids_, &work);
    while (delta_->Valid()) {
      size_t rows = 0;
      for (; delta_->Valid() && rows < delta_batch_rows_; delta_->Next()) {
        const std::string_view key = delta_->key();
        if (!hidden_delta_.empty() && hidden_delta_.count(GetBe(key.substr(4))) != 0) continue;
        std::string_view row_key;
        std::string_view row;
        STRATA_RETURN_IF_ERROR(column_keys::DecodeDeltaValue(delta_->value(), &row_key, &row));
        STRATA_ASSIGN_OR_RETURN(std::vector<Value> values, rowstore::DecodeRow(row, needed_specs_));
        for (size_t i = 0; i < values.size(); ++i) work.columns[i].AppendValue(values[i]);
        ++rows;
      }
      STRATA_RETURN_IF_ERROR(delta_->status());
      stats_.delta_rows += rows;
      std::vector<uint32_t> selection(rows);
      for (size_t i = 0; i < rows; ++i) selection[i] = static_cast<uint32_t>(i);
      for (const ColumnPredicate& p : predicates_) {
        const size_t idx = static_cast<size_t>(
            std::find(needed_ids_.begin(), needed_ids_.end(), p.column_id) - needed_ids_.begin());
        columnstore::FilterColumn(p, work.columns[idx], &selection);
      }
      if (!selection.empty()) {
        for (size_t out = 0; out < projection_.size(); ++out) {
          batch->columns[out].AppendSelected(work.columns[needed_index_[out]], selection);
        }
        batch->row_count = selection.size();
        stats_.rows_produced += selection.size();
        return true;
      }
      work.Clear();
    }
    STRATA_RETURN_IF_ERROR(delta_->status());
    return false;
  }

  void AddStats(const columnstore::ScanStats& s) {
    stats_.blocks_total += s.blocks_total;
    stats_.blocks_skipped += s.blocks_skipped;
    stats_.blocks_decoded += s.blocks_decoded;
    stats_.predicates_proven += s.predicates_proven;
    stats_.rows_produced += s.rows_produced;
  }

  ColumnScanStats stats() const {
    ColumnScanStats s = stats_;
    if (current_ != nullptr) {
      s.blocks_total += current_->stats().blocks_total;
      s.blocks_skipped += current_->stats().blocks_skipped;
      s.blocks_decoded += current_->stats().blocks_decoded;
      s.predicates_proven += current_->stats().predicates_proven;
      s.rows_produced += current_->stats().rows_produced;
    }
    return s;
  }

  std::vector<ScanColumn> schema_;
  std::vector<uint32_t> projection_;
  std::vector<ColumnPredicate> predicates_;
  std::vector<rowstore::ColumnSpec> needed_specs_;
  std::vector<uint32_t> needed_ids_;
  std::vector<size_t> needed_index_;  // per projected column: index in needed_ids_
  size_t delta_batch_rows_ = 2048;
  std::vector<Source> sources_;
  size_t next_source_ = 0;
  std::unique_ptr<SegmentScanner> current_;
  std::unique_ptr<Iterator> delta_;
  bool delta_started_ = false;
  std::set<uint64_t> hidden_delta_;
  bool done_ = false;
  ColumnScanStats stats_;
};

ColumnScanner::ColumnScanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ColumnScanner::~ColumnScanner() {
  impl_.reset();
  if (on_close_) on_close_();
}
Result<bool> ColumnScanner::Next(ColumnBatch* batch) { return impl_->Next(batch); }
ColumnScanStats ColumnScanner::stats() const { return impl_->stats(); }

// ---------------------------------------------------------------- ColumnReplica

ColumnReplica::ColumnReplica(Database* db, Engine* engine) : db_(db), engine_(engine) {}

ColumnReplica::~ColumnReplica() { Stop(); }

std::string ColumnReplica::SegmentPath(uint64_t segment_id) const {
  return dir_ + "/" + std::to_string(segment_id) + ".seg";
}

Status ColumnReplica::Open() {
  dir_ = engine_->path() + "/colseg";
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IoError("cannot create \"" + dir_ + "\": " + ec.message());

  Snapshot snapshot = engine_->TakeSnapshot();
  uint64_t next_seq = 1;
  uint64_t next_segment = 1;
  for (const auto& [key, target] : {std::pair{column_keys::kNextDeltaSeqKey, &next_seq},
                                    std::pair{column_keys::kNextSegmentIdKey, &next_segment}}) {
    STRATA_ASSIGN_OR_RETURN(std::optional<std::string> v,
                            engine_->Get(snapshot, ColumnFamily::kMeta, key));
    if (v.has_value()) {
      if (v->size() != 8) return Status::Corruption("malformed column replica counter");
      *target = std::max(*target, GetBe(*v));
    }
  }
  std::set<uint64_t> live;
  {
    std::unique_ptr<Iterator> it = engine_->NewIterator(
        snapshot, ColumnFamily::kMeta, PrefixBounds(std::string(column_keys::kManifestTag)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key();
      if (key.size() != column_keys::kManifestTag.size() + 12) {
        return Status::Corruption("malformed column segment manifest key");
      }
      const uint64_t id = GetBe(key.substr(key.size() - 8));
      live.insert(id);
      next_segment = std::max(next_segment, id + 1);
    }
    STRATA_RETURN_IF_ERROR(it->status());
  }
  {
    std::unique_ptr<Iterator> it = engine_->NewIterator(snapshot, ColumnFamily::kColDelta);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key();
      if (key.size() != 12) return Status::Corruption("malformed col_delta key");
      next_seq = std::max(next_seq, GetBe(key.substr(4)) + 1);
      ++delta_rows_[static_cast<uint32_t>(GetBe(key.substr(0, 4)))];
    }
    STRATA_RETURN_IF_ERROR(it->status());
  }
  snapshot.Release();
  // Files the manifest does not name: unfinished writes (.tmp), segments
  // whose flush/compaction never committed, and obsolete segments whose
  // deletion a crash interrupted. No snapshot exists yet, so none is needed.
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    uint64_t id = 0;
    bool keep = false;
    if (name.size() > 4 && name.ends_with(".seg")) {
      try {
        size_t used = 0;
        id = std::stoull(name.substr(0, name.size() - 4), &used);
        keep = used == name.size() - 4 && live.count(id) != 0;
      } catch (const std::exception&) {
        keep = false;
      }
      next_segment = std::max(next_segment, id + 1);
    }
    if (!keep) std::filesystem::remove(entry.path(), ec);
  }
  next_delta_seq_.store(next_seq);
  next_segment_id_.store(next_segment);
  return Status::OK();
}

void ColumnReplica::StartBackground() {
  std::lock_guard<std::mutex> lock(bg_mu_);
  if (bg_thread_.joinable()) return;
  stop_ = false;
  bg_thread_ = std::thread([this] { BackgroundLoop(); });
}

void ColumnReplica::Stop() {
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_thread_.joinable()) bg_thread_.join();
}

void ColumnReplica::BackgroundLoop() {
  const StorageOptions& options = engine_->options();
  uint64_t round = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(bg_mu_);
      bg_cv_.wait_for(lock, std::chrono::milliseconds(options.column_background_interval_ms),
                      [this] { return stop_; });
      if (stop_) return;
    }
    ++round;
    // Which deltas are due for a flush is decided here; the round (flushes,
    // every tenth round compactions, garbage collection) runs through the
    // maintenance executor.
    const CatalogSnapshotPtr catalog = db_->catalog();
    std::vector<uint32_t> flush;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const TableDef* table : catalog->tables()) {
        if (HasColumnReplica(*table) &&
            delta_rows_[table->relfilenode] >= static_cast<int64_t>(options.column_flush_rows)) {
          flush.push_back(table->id);
        }
      }
    }
    db_->RunMaintenance([&] {
      Status status;
      for (const TableDef* table : catalog->tables()) {
        if (!HasColumnReplica(*table)) continue;
        Status s;
        if (std::find(flush.begin(), flush.end(), table->id) != flush.end()) s = FlushTable(table->id);
        if (s.ok() && round % 10 == 0 && CompactionCheckDue(table->relfilenode)) {
          s = CompactTable(table->id);
        }
        if (!s.ok()) status = s;
      }
      Status gc = CollectGarbage();
      if (!gc.ok()) status = gc;
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.maintenance_rounds;
      if (!status.ok()) stats_.last_background_error = status;
    });
  }
}

// ---- stamps ----

void ColumnReplica::BeginStampGroup() {
  const uint64_t group = engine_->pipeline()->group_sequence();
  std::lock_guard<std::mutex> lock(overlay_mu_);
  if (group != overlay_group_) {
    // clear() zeroes every bucket, and a large update leaves many (one per
    // row it touched): dropping a big table keeps later groups -- one
    // commit each, often -- from paying for that inside the serialized stamp.
    if (overlay_.bucket_count() > 1024) {
      // Not `overlay_ = {}`: that picks operator=(initializer_list), a
      // clear() that keeps (and zeroes) every bucket.
      decltype(overlay_)().swap(overlay_);
    } else if (!overlay_.empty()) {
      overlay_.clear();
    }
    overlay_group_ = group;
  }
}

Result<std::optional<ColumnLocation>> ColumnReplica::CurrentLocation(const std::string& row_key) {
  {
    std::lock_guard<std::mutex> lock(overlay_mu_);
    const auto it = overlay_.find(row_key);
    if (it != overlay_.end()) return it->second;
  }
  // Every earlier group is in RocksDB: the pipeline runs a group's stamps
  // only after the previous group's write returned.
  std::string value;
  const rocksdb::Status s = engine_->db()->Get(
      rocksdb::ReadOptions(), engine_->handle(ColumnFamily::kPkIndex), row_key, &value);
  if (s.IsNotFound()) return std::optional<ColumnLocation>();
  if (!s.ok()) return FromRocksDbStatus(s, "pk_index read");
  STRATA_ASSIGN_OR_RETURN(ColumnLocation loc, column_keys::DecodeLocation(value));
  return std::optional<ColumnLocation>(loc);
}

bool ColumnReplica::RowWrittenSince(std::string_view row_key, Lsn snapshot_lsn) const {
  // A user write of a row puts its pk_index entry, except a bulk load's
  // fresh rows, which track only their rows key.
  const CommitPipeline* pipeline = engine_->pipeline();
  return pipeline->MayHaveWrittenSince(WriteConflictIndex::HashKey(ColumnFamily::kPkIndex, row_key),
                                       snapshot_lsn) ||
         pipeline->MayHaveWrittenSince(WriteConflictIndex::HashKey(ColumnFamily::kRows, row_key),
                                       snapshot_lsn);
}

Result<std::vector<std::optional<ColumnLocation>>> ColumnReplica::CurrentLocations(
    const std::vector<std::string>& row_keys) {
  std::vector<std::optional<ColumnLocation>> out(row_keys.size());
  std::vector<size_t> unresolved;
  {
    std::lock_guard<std::mutex> lock(overlay_mu_);
    for (size_t i = 0; i < row_keys.size(); ++i) {
      const auto it = overlay_.find(row_keys[i]);
      if (it != overlay_.end()) {
        out[i] = it->second;
      } else {
        unresolved.push_back(i);
      }
    }
  }
  std::sort(unresolved.begin(), unresolved.end(),
            [&](size_t a, size_t b) { return row_keys[a] < row_keys[b]; });
  constexpr size_t kChunk = 4096;
  std::vector<rocksdb::Slice> slices;
  std::vector<rocksdb::PinnableSlice> values(kChunk);
  std::vector<rocksdb::Status> statuses(kChunk);
  for (size_t begin = 0; begin < unresolved.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, unresolved.size() - begin);
    slices.clear();
    for (size_t j = 0; j < n; ++j) slices.emplace_back(row_keys[unresolved[begin + j]]);
    for (size_t j = 0; j < n; ++j) values[j].Reset();
    engine_->db()->MultiGet(rocksdb::ReadOptions(), engine_->handle(ColumnFamily::kPkIndex), n,
                            slices.data(), values.data(), statuses.data(), /*sorted_input=*/true);
    for (size_t j = 0; j < n; ++j) {
      if (statuses[j].IsNotFound()) continue;
      if (!statuses[j].ok()) return FromRocksDbStatus(statuses[j], "pk_index read");
      STRATA_ASSIGN_OR_RETURN(ColumnLocation loc,
                              column_keys::DecodeLocation(values[j].ToStringView()));
      out[unresolved[begin + j]] = loc;
    }
  }
  return out;
}

void ColumnReplica::RecordLocation(const std::string& row_key,
                                   const std::optional<ColumnLocation>& loc) {
  std::lock_guard<std::mutex> lock(overlay_mu_);
  overlay_[row_key] = loc;
}

Status ColumnReplica::ApplyTransaction(const TouchedRows& touched,
                                       const std::map<uint32_t, int64_t>& fresh_rows,
                                       const std::set<uint32_t>& reclaimed, Lsn lsn,
                                       rocksdb::WriteBatch* batch) {
  BeginStampGroup();
  std::map<uint32_t, int64_t> added;
  for (const auto& [rel, n] : fresh_rows) {
    if (reclaimed.count(rel) == 0 && n > 0) added[rel] += n;
  }
  for (const auto& [key, final_location] : touched) {
    const uint32_t rel = static_cast<uint32_t>(GetBe(std::string_view(key).substr(0, 4)));
    if (reclaimed.count(rel) != 0) continue;
    STRATA_ASSIGN_OR_RETURN(std::optional<ColumnLocation> current, CurrentLocation(key));
    if (current.has_value()) {
      if (current->in_segment) {
        STRATA_RETURN_IF_ERROR(Put(batch, engine_, ColumnFamily::kDelvec,
                                   column_keys::DeletedRow(rel, current->id, current->ordinal),
                                   ""));
      } else {
        STRATA_RETURN_IF_ERROR(
            Del(batch, engine_, ColumnFamily::kColDelta, column_keys::Delta(rel, current->id)));
      }
    }
    if (final_location.has_value()) ++added[rel];
  }
  for (const auto& [key, final_location] : touched) RecordLocation(key, final_location);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [rel, n] : added) {
    delta_rows_[rel] += n;
    delta_added_lsn_[rel] = lsn;
    change_lsn_[rel] = lsn;
  }
  // Deletes and updates add no delta rows for some tables but still grow
  // their delete vectors.
  uint32_t last_rel = 0;
  for (const auto& entry : touched) {
    const uint32_t rel = static_cast<uint32_t>(GetBe(std::string_view(entry.first).substr(0, 4)));
    if (rel != last_rel && reclaimed.count(rel) == 0) change_lsn_[rel] = lsn;
    last_rel = rel;
  }
  return Status::OK();
}

bool ColumnReplica::CompactionCheckDue(uint32_t relfilenode) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto checked = compaction_checked_lsn_.find(relfilenode);
  // Never checked since open: segments may have been left by a previous run.
  if (checked == compaction_checked_lsn_.end()) return true;
  const auto changed = change_lsn_.find(relfilenode);
  return changed != change_lsn_.end() && changed->second > checked->second;
}

void ColumnReplica::CompactionChecked(uint32_t relfilenode, Lsn snapshot_lsn) {
  std::lock_guard<std::mutex> lock(mu_);
  Lsn& checked = compaction_checked_lsn_[relfilenode];
  checked = std::max(checked, snapshot_lsn);
}

// ---- reads ----

Result<std::vector<SegmentRecord>> ColumnReplica::ListSegments(const Snapshot& snapshot,
                                                               uint32_t relfilenode) const {
  std::vector<SegmentRecord> out;
  std::unique_ptr<Iterator> it = engine_->NewIterator(
      snapshot, ColumnFamily::kMeta, PrefixBounds(column_keys::ManifestPrefix(relfilenode)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = it->key();
    if (key.size() != column_keys::kManifestTag.size() + 12 || it->value().size() != 8) {
      return Status::Corruption("malformed column segment manifest record");
    }
    out.push_back({relfilenode, GetBe(key.substr(key.size() - 8)), GetBe(it->value())});
  }
  STRATA_RETURN_IF_ERROR(it->status());
  return out;
}

Result<DeleteVector> ColumnReplica::ReadDeleteVector(const Snapshot& snapshot, uint32_t relfilenode,
                                                     uint64_t segment) const {
  DeleteVector deleted;
  std::unique_ptr<Iterator> it =
      engine_->NewIterator(snapshot, ColumnFamily::kDelvec,
                           PrefixBounds(column_keys::DeleteVectorPrefix(relfilenode, segment)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 16) return Status::Corruption("malformed delvec key");
    deleted.add(static_cast<uint32_t>(GetBe(it->key().substr(12))));
  }
  STRATA_RETURN_IF_ERROR(it->status());
  return deleted;
}

Result<ColumnReplicaTableInfo> ColumnReplica::TableInfo(const Snapshot& snapshot,
                                                        uint32_t relfilenode) const {
  ColumnReplicaTableInfo info;
  STRATA_ASSIGN_OR_RETURN(std::vector<SegmentRecord> segments, ListSegments(snapshot, relfilenode));
  for (const SegmentRecord& record : segments) {
    STRATA_ASSIGN_OR_RETURN(DeleteVector deleted,
                            ReadDeleteVector(snapshot, relfilenode, record.segment_id));
    ++info.segments;
    info.segment_rows += record.row_count;
    info.deleted_rows += deleted.cardinality();
  }
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = delta_rows_.find(relfilenode);
  if (it != delta_rows_.end() && it->second > 0) info.delta_rows = static_cast<uint64_t>(it->second);
  return info;
}

Result<std::shared_ptr<const Segment>> ColumnReplica::GetSegment(uint64_t segment_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = cache_.find(segment_id);
  if (it != cache_.end()) return it->second;
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const Segment> segment,
                          Segment::Open(SegmentPath(segment_id)));
  cache_[segment_id] = segment;
  return segment;
}

Result<std::unique_ptr<ColumnScanner>> ColumnReplica::NewScanner(const TableDef& table,
                                                                 const ColumnScanSpec& spec,
                                                                 const Snapshot& snapshot,
                                                                 const Transaction* txn,
                                                                 const TouchedRows* touched) {
  if (!HasColumnReplica(table)) {
    return Status(SqlState::kFeatureNotSupported,
                  "table \"" + table.name + "\" has no column replica");
  }
  auto impl = std::make_unique<ColumnScanner::Impl>();
  STRATA_RETURN_IF_ERROR(impl->Init(table, spec));
  const uint32_t rel = table.relfilenode;
  // Committed versions this transaction replaced, as its snapshot has them.
  std::map<uint64_t, std::vector<uint32_t>> hidden_ordinals;
  if (touched != nullptr) {
    const std::string prefix = rowstore::TablePrefix(rel);
    for (auto it = touched->lower_bound(prefix);
         it != touched->end() && std::string_view(it->first).starts_with(prefix); ++it) {
      STRATA_ASSIGN_OR_RETURN(std::optional<std::string> v,
                              engine_->Get(snapshot, ColumnFamily::kPkIndex, it->first));
      if (!v.has_value()) continue;
      STRATA_ASSIGN_OR_RETURN(ColumnLocation loc, column_keys::DecodeLocation(*v));
      if (loc.in_segment) {
        hidden_ordinals[loc.id].push_back(loc.ordinal);
      } else {
        impl->hidden_delta_.insert(loc.id);
      }
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<SegmentRecord> all_segments, ListSegments(snapshot, rel));
  const uint32_t partitions = std::max<uint32_t>(1, spec.partitions);
  if (spec.partition >= partitions) return Status::Internal("column scan partition out of range");
  // Partitions split the blocks, not the segments: block b of the i-th
  // segment goes to partition (blocks before that segment + b) % partitions,
  // so one big segment (or a few unequal ones) still keeps every thread busy.
  uint64_t blocks_before = 0;
  for (const SegmentRecord& record : all_segments) {
    STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const Segment> segment, GetSegment(record.segment_id));
    if (!SegmentMayMatch(*segment, spec.predicates)) {
      // Pruned by its zone maps (a time range outside the filter on the
      // event-time column, typically): not even its delete vector is read.
      if (spec.partition == 0) ++impl->stats_.segments_pruned;
      continue;
    }
    const uint32_t offset = static_cast<uint32_t>(
        (spec.partition + partitions - blocks_before % partitions) % partitions);
    blocks_before += segment->block_count();
    if (offset >= segment->block_count()) continue;  // no block of this segment is ours
    STRATA_ASSIGN_OR_RETURN(DeleteVector deleted,
                            ReadDeleteVector(snapshot, rel, record.segment_id));
    if (const auto h = hidden_ordinals.find(record.segment_id); h != hidden_ordinals.end()) {
      for (const uint32_t ord : h->second) deleted.add(ord);
    }
    deleted.runOptimize();
    impl->sources_.push_back(
        {std::move(segment), std::make_unique<DeleteVector>(std::move(deleted)), partitions, offset});
  }
  if (spec.partition == 0) impl->stats_.segments = all_segments.size();
  const ReadBounds bounds = PrefixBounds(rowstore::TablePrefix(rel));
  if (spec.partition != 0) return std::make_unique<ColumnScanner>(std::move(impl));
  impl->delta_ = txn != nullptr ? txn->NewIterator(ColumnFamily::kColDelta, bounds)
                                : engine_->NewIterator(snapshot, ColumnFamily::kColDelta, bounds);
  if (impl->delta_ == nullptr) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  return std::make_unique<ColumnScanner>(std::move(impl));
}

// ---- flush ----

Status ColumnReplica::WriteSegment(const TableDef& table, std::vector<std::vector<Value>>* rows,
                                   std::vector<std::string>* row_keys, std::vector<size_t>* order,
                                   uint64_t segment_id) {
  const StorageOptions& options = engine_->options();
  std::vector<columnstore::SegmentColumn> columns;
  columns.push_back({kRowKeyColumnId, DataType::Of(TypeId::kBytea), false, false});
  for (const ColumnDef& c : table.columns) {
    const auto& pk = table.primary_key;
    const auto& dict = table.properties.dictionary_encoding_columns;
    columns.push_back({c.id, c.type, std::find(pk.begin(), pk.end(), c.id) != pk.end(),
                       std::find(dict.begin(), dict.end(), c.id) != dict.end()});
  }
  std::vector<uint32_t> sort_ids = table.properties.clustering_key;
  if (sort_ids.empty()) sort_ids = table.primary_key;
  columnstore::SegmentWriteOptions write_options;
  const ColumnCompression compression = table.properties.compression;
  const bool zstd = compression == ColumnCompression::kDefault
                        ? options.column_use_zstd
                        : compression == ColumnCompression::kZstd;
  write_options.compression = zstd ? columnstore::Compression::kZstd : columnstore::Compression::kLz4;
  write_options.zstd_level = options.column_zstd_level;
  write_options.block_rows = options.column_block_rows;
  columnstore::SegmentWriter writer(std::move(columns), std::move(sort_ids), write_options);
  std::vector<Value> full;
  for (const size_t i : *order) {
    full.clear();
    full.push_back(Value::Bytea((*row_keys)[i]));
    for (Value& v : (*rows)[i]) full.push_back(std::move(v));
    writer.AppendRow(full);
  }
  STRATA_ASSIGN_OR_RETURN(uint64_t size, writer.Finish(SegmentPath(segment_id)));
  (void)size;
  return Status::OK();
}

Status ColumnReplica::FlushTable(uint32_t table_id) {
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  bool flushed = false;
  return FlushTableLocked(table_id, &flushed);
}

Status ColumnReplica::FlushAll() {
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  for (const TableDef* table : db_->catalog()->tables()) {
    if (!HasColumnReplica(*table)) continue;
    for (int round = 0; round < 64; ++round) {
      bool flushed = false;
      STRATA_RETURN_IF_ERROR(FlushTableLocked(table->id, &flushed));
      if (!flushed) break;
    }
  }
  return Status::OK();
}

Status ColumnReplica::VacuumTable(uint32_t table_id) {
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  // Concurrent writers can keep the delta non-empty forever; stop after a
  // bounded number of rounds (each flushes up to column_segment_max_rows).
  for (int round = 0; round < 1024; ++round) {
    bool flushed = false;
    STRATA_RETURN_IF_ERROR(FlushTableLocked(table_id, &flushed));
    if (!flushed) break;
  }
  return CompactTableLocked(table_id);
}

Status ColumnReplica::FlushTableLocked(uint32_t table_id, bool* flushed) {
  *flushed = false;
  ReadView view = db_->TakeReadView();
  const TableDef* table = view.catalog().FindTableById(table_id);
  if (table == nullptr || !HasColumnReplica(*table)) return Status::OK();
  const uint32_t rel = table->relfilenode;
  const Lsn snapshot_lsn = view.lsn();
  const uint64_t max_rows = std::max<uint64_t>(1, engine_->options().column_segment_max_rows);

  std::vector<uint64_t> seqs;
  std::vector<std::string> keys;
  std::vector<std::vector<Value>> rows;
  const std::vector<rowstore::ColumnSpec> specs = row_format::ColumnSpecs(*table);
  {
    std::unique_ptr<Iterator> it = engine_->NewIterator(view.snapshot(), ColumnFamily::kColDelta,
                                                        PrefixBounds(rowstore::TablePrefix(rel)));
    for (it->SeekToFirst(); it->Valid() && seqs.size() < max_rows; it->Next()) {
      std::string_view row_key;
      std::string_view row;
      STRATA_RETURN_IF_ERROR(column_keys::DecodeDeltaValue(it->value(), &row_key, &row));
      STRATA_ASSIGN_OR_RETURN(std::vector<Value> values, rowstore::DecodeRow(row, specs));
      seqs.push_back(GetBe(it->key().substr(4)));
      keys.emplace_back(row_key);
      rows.push_back(std::move(values));
    }
    STRATA_RETURN_IF_ERROR(it->status());
  }
  if (seqs.empty()) {
    // The count is approximate (deletes of delta rows do not lower it):
    // reset it -- unless a commit stamped after our snapshot added rows
    // that the snapshot cannot see yet.
    std::lock_guard<std::mutex> lock(mu_);
    if (delta_added_lsn_[rel] <= snapshot_lsn) delta_rows_[rel] = 0;
    return Status::OK();
  }
  std::vector<size_t> order = SortOrder(*table, rows, keys);
  const uint64_t segment_id = next_segment_id_.fetch_add(1);
  STRATA_RETURN_IF_ERROR(WriteSegment(*table, &rows, &keys, &order, segment_id));
  CrashPoint("column_flush.segment_written");  // a file no manifest names yet

  rocksdb::WriteBatch batch;
  CommitOptions options;
  options.stamp = [&](Lsn, rocksdb::WriteBatch* b) -> Status {
    {
      std::lock_guard<std::mutex> lock(db_->lsn_mu_);
      const auto it = db_->table_ddl_lsn_.find(table_id);
      if (it != db_->table_ddl_lsn_.end() && it->second > snapshot_lsn) {
        return TableChanged(table_id);
      }
    }
    BeginStampGroup();
    // This runs in the pipeline's serialized section, where every other
    // commit waits for it: only rows written since the snapshot are read
    // (with one sorted MultiGet); the others are still where it saw them.
    std::vector<std::optional<ColumnLocation>> locations(keys.size());
    std::vector<size_t> rewritten;
    std::vector<std::string> rewritten_keys;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (RowWrittenSince(keys[i], snapshot_lsn)) {
        rewritten.push_back(i);
        rewritten_keys.push_back(keys[i]);
      } else {
        locations[i] = ColumnLocation{false, seqs[i], 0};
      }
    }
    STRATA_ASSIGN_OR_RETURN(std::vector<std::optional<ColumnLocation>> reread,
                            CurrentLocations(rewritten_keys));
    for (size_t j = 0; j < rewritten.size(); ++j) locations[rewritten[j]] = reread[j];
    // Each column family's writes go in key order: RocksDB's memtable then
    // inserts each next to the previous one instead of searching its skip
    // list from the top (most of a flush's commit time otherwise).
    // `keys` and `seqs` are in delta (sequence) order.
    std::vector<uint32_t> ordinal_of(order.size());
    for (uint32_t ord = 0; ord < order.size(); ++ord) ordinal_of[order[ord]] = ord;
    const auto still_in_delta = [&](size_t i) {
      const std::optional<ColumnLocation>& current = locations[i];
      return current.has_value() && !current->in_segment && current->id == seqs[i];
    };
    std::vector<size_t> by_key(keys.size());
    std::iota(by_key.begin(), by_key.end(), size_t{0});
    if (!std::is_sorted(keys.begin(), keys.end())) {
      std::sort(by_key.begin(), by_key.end(), [&](size_t a, size_t c) { return keys[a] < keys[c]; });
    }
    for (const size_t i : by_key) {
      if (!still_in_delta(i)) continue;
      const ColumnLocation loc{true, segment_id, ordinal_of[i]};
      STRATA_RETURN_IF_ERROR(
          Put(b, engine_, ColumnFamily::kPkIndex, keys[i], column_keys::EncodeLocation(loc)));
    }
    for (size_t i = 0; i < seqs.size(); ++i) {
      if (!still_in_delta(i)) continue;
      STRATA_RETURN_IF_ERROR(Del(b, engine_, ColumnFamily::kColDelta, column_keys::Delta(rel, seqs[i])));
    }
    for (uint32_t ord = 0; ord < order.size(); ++ord) {
      // Updated or deleted since the flush read it: the segment's copy is
      // stale from the start.
      if (still_in_delta(order[ord])) continue;
      STRATA_RETURN_IF_ERROR(Put(b, engine_, ColumnFamily::kDelvec,
                                 column_keys::DeletedRow(rel, segment_id, ord), ""));
    }
    std::string count;
    PutBe(order.size(), 8, &count);
    STRATA_RETURN_IF_ERROR(
        Put(b, engine_, ColumnFamily::kMeta, column_keys::Manifest(rel, segment_id), count));
    std::string next;
    PutBe(next_segment_id_.load(), 8, &next);
    STRATA_RETURN_IF_ERROR(
        Put(b, engine_, ColumnFamily::kMeta, column_keys::kNextSegmentIdKey, next));
    return Status::OK();
  };
  // Alone in its group, no later stamp of the group needs the moves in the
  // overlay (recording every moved row there cost more than the moves).
  options.alone = true;
  Result<Lsn> lsn = engine_->Commit(&batch, options);
  if (!lsn.ok()) {
    std::error_code ec;
    std::filesystem::remove(SegmentPath(segment_id), ec);
    if (lsn.status().sql_state() == SqlState::kSerializationFailure) {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.flush_retries;
      return Status::OK();
    }
    return lsn.status();
  }
  *flushed = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    change_lsn_[rel] = *lsn;
  }
  CrashPoint("column_flush.committed");
  {
    // The flushed entries are now tombstones that every delta scan would
    // step over; compact them away (RocksDB keeps what live snapshots need).
    const std::string begin = rowstore::TablePrefix(rel);
    const std::string end = rowstore::PrefixUpperBound(begin);
    const rocksdb::Slice b(begin);
    const rocksdb::Slice e(end);
    rocksdb::CompactRangeOptions compact;
    const rocksdb::Status cs =
        engine_->db()->CompactRange(compact, engine_->handle(ColumnFamily::kColDelta), &b, &e);
    if (!cs.ok()) return FromRocksDbStatus(cs, "compacting col_delta");
  }
  std::lock_guard<std::mutex> lock(mu_);
  delta_rows_[rel] = std::max<int64_t>(0, delta_rows_[rel] - static_cast<int64_t>(seqs.size()));
  ++stats_.flushes;
  stats_.flushed_rows += seqs.size();
  return Status::OK();
}

// ---- compaction ----

Status ColumnReplica::CompactTable(uint32_t table_id) {
  std::lock_guard<std::mutex> lock(maintenance_mu_);
  return CompactTableLocked(table_id);
}

Status ColumnReplica::CompactTableLocked(uint32_t table_id) {
  const StorageOptions& options = engine_->options();
  ReadView view = db_->TakeReadView();
  const TableDef* table = view.catalog().FindTableById(table_id);
  if (table == nullptr || !HasColumnReplica(*table)) return Status::OK();
  const uint32_t rel = table->relfilenode;
  const Lsn snapshot_lsn = view.lsn();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.compaction_checks;
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<SegmentRecord> segments, ListSegments(view.snapshot(), rel));
  struct Candidate {
    SegmentRecord record;
    DeleteVector deleted;
    uint64_t live;
  };
  std::vector<Candidate> small;
  std::vector<Candidate> picked;
  for (const SegmentRecord& record : segments) {
    STRATA_ASSIGN_OR_RETURN(DeleteVector deleted,
                            ReadDeleteVector(view.snapshot(), rel, record.segment_id));
    const uint64_t dead = deleted.cardinality();
    const uint64_t live = record.row_count > dead ? record.row_count - dead : 0;
    Candidate c{record, std::move(deleted), live};
    if (record.row_count > 0 &&
        static_cast<double>(dead) >=
            options.column_compact_deleted_ratio * static_cast<double>(record.row_count)) {
      picked.push_back(std::move(c));
    } else if (record.row_count < options.column_compact_small_rows) {
      small.push_back(std::move(c));
    }
  }
  if (small.size() >= 2 || (!picked.empty() && !small.empty())) {
    for (Candidate& c : small) picked.push_back(std::move(c));
  }
  if (picked.empty()) {
    CompactionChecked(rel, snapshot_lsn);
    return Status::OK();
  }
  // Bound the output to one segment.
  uint64_t total = 0;
  size_t keep = 0;
  for (; keep < picked.size(); ++keep) {
    if (keep > 0 && total + picked[keep].live > options.column_segment_max_rows) break;
    total += picked[keep].live;
  }
  picked.resize(keep);

  std::vector<std::string> keys;
  std::vector<std::vector<Value>> rows;
  std::vector<ColumnLocation> origins;
  const std::vector<ScanColumn> schema = TableSchema(*table);
  for (const Candidate& c : picked) {
    STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const Segment> segment,
                            GetSegment(c.record.segment_id));
    SegmentScanOptions scan;
    scan.schema = schema;
    scan.projection.push_back(kRowKeyColumnId);
    for (const ColumnDef& col : table->columns) scan.projection.push_back(col.id);
    scan.deleted = &c.deleted;
    scan.with_ordinals = true;
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<SegmentScanner> scanner,
                            SegmentScanner::Create(segment, std::move(scan)));
    ColumnBatch batch;
    while (true) {
      STRATA_ASSIGN_OR_RETURN(bool more, scanner->Next(&batch));
      if (!more) break;
      for (size_t r = 0; r < batch.num_rows(); ++r) {
        keys.push_back(batch.columns[0].strings[r]);
        std::vector<Value> row;
        row.reserve(batch.columns.size() - 1);
        for (size_t c2 = 1; c2 < batch.columns.size(); ++c2) {
          row.push_back(batch.columns[c2].GetValue(r));
        }
        rows.push_back(std::move(row));
        origins.push_back({true, c.record.segment_id, batch.ordinals[r]});
      }
    }
  }
  std::vector<size_t> order = SortOrder(*table, rows, keys);
  std::optional<uint64_t> segment_id;
  if (!rows.empty()) {
    segment_id = next_segment_id_.fetch_add(1);
    STRATA_RETURN_IF_ERROR(WriteSegment(*table, &rows, &keys, &order, *segment_id));
    CrashPoint("column_compaction.segment_written");
  }
  rocksdb::WriteBatch batch;
  CommitOptions commit_options;
  commit_options.stamp = [&](Lsn, rocksdb::WriteBatch* b) -> Status {
    {
      std::lock_guard<std::mutex> lock(db_->lsn_mu_);
      const auto it = db_->table_ddl_lsn_.find(table_id);
      if (it != db_->table_ddl_lsn_.end() && it->second > snapshot_lsn) {
        return TableChanged(table_id);
      }
    }
    BeginStampGroup();
    // Every other commit waits for this serialized section: only rows
    // written since the snapshot need a pk_index read.
    std::vector<bool> still_at_origin(keys.size(), true);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!RowWrittenSince(keys[i], snapshot_lsn)) continue;
      STRATA_ASSIGN_OR_RETURN(std::optional<ColumnLocation> current, CurrentLocation(keys[i]));
      still_at_origin[i] = current.has_value() && *current == origins[i];
    }
    // pk_index entries in key order: RocksDB's memtable inserts each next to
    // the previous one instead of searching its skip list from the top.
    std::vector<uint32_t> by_key(order.size());
    std::iota(by_key.begin(), by_key.end(), uint32_t{0});
    std::sort(by_key.begin(), by_key.end(),
              [&](uint32_t a, uint32_t c) { return keys[order[a]] < keys[order[c]]; });
    for (const uint32_t ord : by_key) {
      const size_t i = order[ord];
      if (!still_at_origin[i]) continue;
      const ColumnLocation loc{true, *segment_id, ord};
      STRATA_RETURN_IF_ERROR(
          Put(b, engine_, ColumnFamily::kPkIndex, keys[i], column_keys::EncodeLocation(loc)));
    }
    for (uint32_t ord = 0; ord < order.size(); ++ord) {
      if (still_at_origin[order[ord]]) continue;
      STRATA_RETURN_IF_ERROR(Put(b, engine_, ColumnFamily::kDelvec,
                                 column_keys::DeletedRow(rel, *segment_id, ord), ""));
    }
    for (const Candidate& c : picked) {
      STRATA_RETURN_IF_ERROR(
          Del(b, engine_, ColumnFamily::kMeta, column_keys::Manifest(rel, c.record.segment_id)));
      STRATA_RETURN_IF_ERROR(DelRange(b, engine_, ColumnFamily::kDelvec,
                                      column_keys::DeleteVectorPrefix(rel, c.record.segment_id)));
    }
    if (segment_id.has_value()) {
      std::string count;
      PutBe(order.size(), 8, &count);
      STRATA_RETURN_IF_ERROR(
          Put(b, engine_, ColumnFamily::kMeta, column_keys::Manifest(rel, *segment_id), count));
      std::string next;
      PutBe(next_segment_id_.load(), 8, &next);
      STRATA_RETURN_IF_ERROR(
          Put(b, engine_, ColumnFamily::kMeta, column_keys::kNextSegmentIdKey, next));
    }
    return Status::OK();
  };
  commit_options.alone = true;  // see FlushTableLocked
  Result<Lsn> lsn = engine_->Commit(&batch, commit_options);
  if (!lsn.ok()) {
    if (segment_id.has_value()) {
      std::error_code ec;
      std::filesystem::remove(SegmentPath(*segment_id), ec);
    }
    if (lsn.status().sql_state() == SqlState::kSerializationFailure) return Status::OK();
    return lsn.status();
  }
  // The inputs' files are obsolete but still on disk (and maybe read).
  CrashPoint("column_compaction.committed");
  std::vector<uint64_t> old;
  for (const Candidate& c : picked) old.push_back(c.record.segment_id);
  Obsolete(*lsn, std::move(old));
  std::lock_guard<std::mutex> lock(mu_);
  // The compaction changed the segments: the next round checks again (the
  // merged segment may itself be small), then settles.
  change_lsn_[rel] = *lsn;
  Lsn& checked = compaction_checked_lsn_[rel];
  checked = std::max(checked, snapshot_lsn);
  ++stats_.compactions;
  return Status::OK();
}

// ---- garbage ----

void ColumnReplica::Obsolete(Lsn lsn, std::vector<uint64_t> segments) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const uint64_t id : segments) obsolete_.emplace_back(lsn, id);
}

Status ColumnReplica::CollectGarbage() {
  std::lock_guard<std::mutex> maintenance(maintenance_mu_);
  // Segments of relfilenodes no table has any more (TRUNCATE, DROP).
  {
    Snapshot snapshot = engine_->TakeSnapshot();
    const CatalogSnapshotPtr catalog = db_->catalog();
    std::set<uint32_t> live;
    for (const TableDef* t : catalog->tables()) live.insert(t->relfilenode);
    std::vector<std::pair<uint32_t, uint64_t>> dead;
    std::unique_ptr<Iterator> it = engine_->NewIterator(
        snapshot, ColumnFamily::kMeta, PrefixBounds(std::string(column_keys::kManifestTag)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().substr(column_keys::kManifestTag.size());
      if (key.size() != 12) return Status::Corruption("malformed column segment manifest key");
      const uint32_t rel = static_cast<uint32_t>(GetBe(key.substr(0, 4)));
      if (live.count(rel) == 0) dead.emplace_back(rel, GetBe(key.substr(4)));
    }
    STRATA_RETURN_IF_ERROR(it->status());
    it.reset();
    snapshot.Release();
    if (!dead.empty()) {
      rocksdb::WriteBatch batch;
      std::set<uint32_t> rels;
      for (const auto& [rel, id] : dead) {
        STRATA_RETURN_IF_ERROR(
            Del(&batch, engine_, ColumnFamily::kMeta, column_keys::Manifest(rel, id)));
        rels.insert(rel);
      }
      for (const uint32_t rel : rels) {
        STRATA_RETURN_IF_ERROR(
            DelRange(&batch, engine_, ColumnFamily::kDelvec, rowstore::TablePrefix(rel)));
      }
      STRATA_ASSIGN_OR_RETURN(Lsn lsn, engine_->Commit(&batch));
      std::vector<uint64_t> ids;
      for (const auto& [rel, id] : dead) ids.push_back(id);
      Obsolete(lsn, std::move(ids));
    }
  }
  // Segment files that no manifest record names while the server runs
  // (a dropped column replica's segments; Open() handles crash leftovers):
  // unlinked once every live snapshot is newer than the moment they were
  // first seen unnamed, so no reader can still list them. maintenance_mu_
  // is held: no flush or compaction is writing a file right now.
  std::vector<uint64_t> orphans;
  {
    Snapshot snapshot = engine_->TakeSnapshot();
    const Lsn now = snapshot.lsn();
    std::set<uint64_t> named;
    std::unique_ptr<Iterator> it = engine_->NewIterator(
        snapshot, ColumnFamily::kMeta, PrefixBounds(std::string(column_keys::kManifestTag)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().substr(column_keys::kManifestTag.size());
      if (key.size() != 12) return Status::Corruption("malformed column segment manifest key");
      named.insert(GetBe(key.substr(4)));
    }
    STRATA_RETURN_IF_ERROR(it->status());
    it.reset();
    snapshot.Release();
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [lsn, id] : obsolete_) named.insert(id);
    std::set<uint64_t> present;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() <= 4 || !name.ends_with(".seg")) continue;
      uint64_t id = 0;
      const auto [end, err] = std::from_chars(name.data(), name.data() + name.size() - 4, id);
      if (err != std::errc() || end != name.data() + name.size() - 4) continue;
      if (named.count(id) != 0 || id >= next_segment_id_.load()) continue;
      present.insert(id);
      orphan_seen_.try_emplace(id, now);
    }
    const Lsn oldest_now = engine_->pipeline()->OldestSnapshotLsn();
    for (auto o = orphan_seen_.begin(); o != orphan_seen_.end();) {
      if (present.count(o->first) == 0) {
        o = orphan_seen_.erase(o);
      } else if (o->second <= oldest_now) {
        orphans.push_back(o->first);
        cache_.erase(o->first);
        o = orphan_seen_.erase(o);
      } else {
        ++o;
      }
    }
  }
  const Lsn oldest = engine_->pipeline()->OldestSnapshotLsn();
  std::vector<uint64_t> unlink = std::move(orphans);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto keep = obsolete_.begin();
    for (auto it = obsolete_.begin(); it != obsolete_.end(); ++it) {
      // A snapshot below the LSN that removed the segment still reads it.
      if (it->first <= oldest) {
        unlink.push_back(it->second);
        cache_.erase(it->second);
      } else {
        *keep++ = *it;
      }
    }
    obsolete_.erase(keep, obsolete_.end());
  }
  for (const uint64_t id : unlink) {
    std::error_code ec;
    std::filesystem::remove(SegmentPath(id), ec);
    if (ec) return Status::IoError("cannot delete \"" + SegmentPath(id) + "\": " + ec.message());
    CrashPoint("column_gc.unlinked_one");
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_.segments_deleted += unlink.size();
  return Status::OK();
}

ColumnReplicaStats ColumnReplica::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

size_t ColumnReplica::SegmentFileCount() const {
  size_t n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".seg") ++n;
  }
  return n;
}

}  // namespace strata::storage
