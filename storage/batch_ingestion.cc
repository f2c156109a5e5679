#include "storage/batch_ingestion.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include "common/macros.h"
#include "storage/rocksdb_status.h"

namespace strata::storage {
namespace {

// One Put or Delete of the batches; the slices point into their data.
struct Record {
  rocksdb::Slice key;
  rocksdb::Slice value;
  bool is_delete;
};

// Calls Add(cf, record) for each Put and Delete record and AddRange for each
// range deletion; stops at the first record kind an SST file cannot carry
// with the same meaning.
class RecordVisitor : public rocksdb::WriteBatch::Handler {
 public:
  bool unsupported = false;

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    return Add(cf, Record{key, value, false});
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return Add(cf, Record{key, rocksdb::Slice(), true});
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice& begin,
                                const rocksdb::Slice& end) override {
    return AddRange(cf, begin, end);
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Unsupported();
  }
  rocksdb::Status PutBlobIndexCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Unsupported();
  }
  rocksdb::Status PutEntityCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Unsupported();
  }
  rocksdb::Status MarkBeginPrepare(bool) override { return Unsupported(); }
  rocksdb::Status MarkEndPrepare(const rocksdb::Slice&) override { return Unsupported(); }
  rocksdb::Status MarkCommit(const rocksdb::Slice&) override { return Unsupported(); }
  rocksdb::Status MarkRollback(const rocksdb::Slice&) override { return Unsupported(); }
  rocksdb::Status MarkNoop(bool) override { return rocksdb::Status::OK(); }
  // LogData records are WAL-only annotations; they never reach a memtable.
  void LogData(const rocksdb::Slice&) override {}

 protected:
  virtual rocksdb::Status Add(uint32_t cf, const Record& record) = 0;
  virtual rocksdb::Status AddRange(uint32_t cf, const rocksdb::Slice& begin,
                                   const rocksdb::Slice& end) = 0;

  rocksdb::Status Unsupported() {
    unsupported = true;
    return rocksdb::Status::NotSupported("record kind not ingestible");
  }
};

// What the first pass learns of each column family's records.
struct FamilyShape {
  uint64_t records = 0;
  uint64_t bytes = 0;
  // Keys never decrease in batch order: the records can go straight into
  // the file (equal neighbours collapse to the last).
  bool in_order = true;
  rocksdb::Slice last_key;
  // Every kSampleInterval-th record's key, in batch order: where to split
  // an in-order family between the two workers.
  std::vector<rocksdb::Slice> samples;
  // Range deletions [begin, end).
  std::vector<std::pair<rocksdb::Slice, rocksdb::Slice>> ranges;
  rocksdb::Slice first_key;

  // Adds the shape of the records that follow these.
  void Append(const FamilyShape& next) {
    if (next.records > 0) {
      if (records > 0 && next.first_key.compare(last_key) < 0) in_order = false;
      if (records == 0) first_key = next.first_key;
      last_key = next.last_key;
    }
    in_order = in_order && next.in_order;
    records += next.records;
    bytes += next.bytes;
    samples.insert(samples.end(), next.samples.begin(), next.samples.end());
    ranges.insert(ranges.end(), next.ranges.begin(), next.ranges.end());
  }
};

class ShapeScan : public RecordVisitor {
 public:
  static constexpr uint64_t kSampleInterval = 1024;
  std::map<uint32_t, FamilyShape> families;

 protected:
  rocksdb::Status Add(uint32_t cf, const Record& record) override {
    FamilyShape& shape = families[cf];
    if (shape.records > 0 && record.key.compare(shape.last_key) < 0) shape.in_order = false;
    if (shape.records == 0) shape.first_key = record.key;
    shape.last_key = record.key;
    if (shape.records % kSampleInterval == 0) shape.samples.push_back(record.key);
    ++shape.records;
    shape.bytes += record.key.size() + record.value.size();
    return rocksdb::Status::OK();
  }
  rocksdb::Status AddRange(uint32_t cf, const rocksdb::Slice& begin,
                           const rocksdb::Slice& end) override {
    FamilyShape& shape = families[cf];
    shape.ranges.emplace_back(begin, end);
    shape.bytes += begin.size() + end.size();
    return rocksdb::Status::OK();
  }
};

// In a file every record has the ingestion's one sequence number, and a
// range tombstone only hides older ones: a Put or Delete the batch makes
// inside one of its own range deletions (before or after it) would keep
// its effect where a write would order them. So such batches are not
// ingested; TRUNCATE/DROP's ranges cover only an abandoned relfilenode.
class RangeOverlapCheck : public RecordVisitor {
 public:
  explicit RangeOverlapCheck(const std::map<uint32_t, FamilyShape>* families) : families_(families) {}

 protected:
  rocksdb::Status Add(uint32_t cf, const Record& record) override {
    const auto it = families_->find(cf);
    if (it == families_->end()) return rocksdb::Status::OK();
    for (const auto& [begin, end] : it->second.ranges) {
      if (record.key.compare(begin) >= 0 && record.key.compare(end) < 0) return Unsupported();
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status AddRange(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }

 private:
  const std::map<uint32_t, FamilyShape>* const families_;
};

// Batches at least this large in all are scanned by two threads.
constexpr size_t kParallelScanBytes = 8u << 20;

// One column family's output file. Records reach it in key order; of equal
// keys only the last is written (the one a write would leave).
class FamilyFile {
 public:
  FamilyFile(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* handle, std::string path)
      : path_(std::move(path)),
        // The loaded rows are what the next queries read: keep them in the
        // page cache (invalidate_page_cache = false).
        writer_(rocksdb::EnvOptions(), db->GetOptions(handle), handle,
                /*invalidate_page_cache=*/false) {}

  const std::string& path() const { return path_; }
  rocksdb::Status Open() { return writer_.Open(path_); }
  rocksdb::Status Add(const Record& record) {
    rocksdb::Status s;
    if (has_pending_ && pending_.key != record.key) s = WritePending();
    pending_ = record;
    has_pending_ = true;
    return s;
  }
  rocksdb::Status AddRange(const rocksdb::Slice& begin, const rocksdb::Slice& end) {
    ++entries_;
    return writer_.DeleteRange(begin, end);
  }
  // A file that got no record is not finished (RocksDB refuses an empty
  // one): `empty()` then, and it is not ingested.
  rocksdb::Status Finish() {
    rocksdb::Status s = has_pending_ ? WritePending() : rocksdb::Status::OK();
    if (s.ok() && !empty()) s = writer_.Finish();
    return s;
  }
  bool empty() const { return entries_ == 0; }

 private:
  rocksdb::Status WritePending() {
    has_pending_ = false;
    ++entries_;
    return pending_.is_delete ? writer_.Delete(pending_.key) : writer_.Put(pending_.key, pending_.value);
  }

  const std::string path_;
  rocksdb::SstFileWriter writer_;
  Record pending_;
  bool has_pending_ = false;
  uint64_t entries_ = 0;
};

// The second pass, for some of the families: in-order ones stream into
// their files, the others are collected, sorted and then written.
class FileFill : public RecordVisitor {
 public:
  struct Family {
    FamilyFile* file;
    const FamilyShape* shape;
    // This worker's part of the family: keys in [lower, upper); an empty
    // bound is none. Only an in-order family is split.
    rocksdb::Slice lower;
    rocksdb::Slice upper;
    std::vector<Record> collected;
  };
  std::map<uint32_t, Family> families;

  rocksdb::Status Run(std::span<const rocksdb::WriteBatch* const> batches) {
    for (auto& [cf, family] : families) {
      if (!family.shape->in_order) family.collected.reserve(family.shape->records);
    }
    for (const rocksdb::WriteBatch* batch : batches) {
      rocksdb::Status s = batch->Iterate(this);
      if (!s.ok()) return s;
    }
    for (auto& [cf, family] : families) {
      std::vector<Record>& records = family.collected;
      // Stable: among equal keys the batch order stays, and the file keeps
      // the last.
      std::stable_sort(records.begin(), records.end(),
                       [](const Record& a, const Record& b) { return a.key.compare(b.key) < 0; });
      for (const Record& record : records) {
        rocksdb::Status s = family.file->Add(record);
        if (!s.ok()) return s;
      }
      std::vector<Record>().swap(records);
      rocksdb::Status s = family.file->Finish();
      if (!s.ok()) return s;
    }
    return rocksdb::Status::OK();
  }

 protected:
  rocksdb::Status Add(uint32_t cf, const Record& record) override {
    const auto it = families.find(cf);
    if (it == families.end()) return rocksdb::Status::OK();  // another worker's
    Family& family = it->second;
    if (!family.lower.empty() && record.key.compare(family.lower) < 0) return rocksdb::Status::OK();
    if (!family.upper.empty() && record.key.compare(family.upper) >= 0)
      return rocksdb::Status::OK();
    if (family.shape->in_order) return family.file->Add(record);
    family.collected.push_back(record);
    return rocksdb::Status::OK();
  }
  rocksdb::Status AddRange(uint32_t cf, const rocksdb::Slice& begin,
                           const rocksdb::Slice& end) override {
    const auto it = families.find(cf);
    if (it == families.end()) return rocksdb::Status::OK();  // another worker's
    return it->second.file->AddRange(begin, end);
  }
};

void RemoveFiles(const std::vector<std::unique_ptr<FamilyFile>>& files) {
  for (const auto& file : files) {
    std::error_code ec;
    std::filesystem::remove(file->path(), ec);
  }
}

}  // namespace

Status IngestBatches(rocksdb::DB* db, std::span<rocksdb::ColumnFamilyHandle* const> families,
                     const std::string& dir, uint64_t file_tag,
                     std::span<const rocksdb::WriteBatch* const> batches, bool* ingested) {
  *ingested = false;
  // Each batch's shape, then theirs together in batch order. A bulk load's
  // batches (its deferred chunks) are scanned by two threads.
  std::vector<ShapeScan> scans(batches.size());
  std::vector<rocksdb::Status> scanned(batches.size());
  std::atomic<size_t> next_scan{0};
  auto scan = [&] {
    for (size_t i; (i = next_scan.fetch_add(1)) < batches.size();)
      scanned[i] = batches[i]->Iterate(&scans[i]);
  };
  size_t scan_bytes = 0;
  for (const rocksdb::WriteBatch* batch : batches) scan_bytes += batch->GetDataSize();
  std::thread scan_helper;
  if (batches.size() > 1 && scan_bytes >= kParallelScanBytes) {
    try {
      scan_helper = std::thread(scan);
    } catch (const std::system_error&) {
      // No second thread: this one scans every batch.
    }
  }
  try {
    scan();
  } catch (...) {
    // Out of memory mid-scan: the helper must be joined before unwinding.
    if (scan_helper.joinable()) scan_helper.join();
    throw;
  }
  if (scan_helper.joinable()) scan_helper.join();
  ShapeScan shapes;
  for (size_t i = 0; i < batches.size(); ++i) {
    if (scans[i].unsupported) return Status::OK();
    STRATA_RETURN_IF_ERROR(FromRocksDbStatus(scanned[i], "reading a batch to ingest"));
    for (const auto& [cf_id, shape] : scans[i].families) shapes.families[cf_id].Append(shape);
  }
  if (shapes.families.empty()) return Status::OK();
  const bool has_ranges = std::any_of(shapes.families.begin(), shapes.families.end(),
                                      [](const auto& family) { return !family.second.ranges.empty(); });
  if (has_ranges) {
    RangeOverlapCheck check(&shapes.families);
    for (const rocksdb::WriteBatch* batch : batches) {
      const rocksdb::Status iterated = batch->Iterate(&check);
      if (check.unsupported) return Status::OK();
      STRATA_RETURN_IF_ERROR(FromRocksDbStatus(iterated, "reading a batch to ingest"));
    }
  }

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError(fmt::format("creating {}: {}", dir, ec.message()));
  // The files are most of an ingestion's time: two workers write them. A
  // large in-order family (a bulk load's rows, its column deltas and index
  // entries) is split at a sampled key into two files, one per worker, so
  // that the workers finish together; the other families go whole to the
  // less loaded worker, largest first.
  std::vector<std::unique_ptr<FamilyFile>> files;  // per family in key order
  std::vector<uint32_t> file_families;             // files[i]'s family id
  FileFill fills[2];
  uint64_t fill_bytes[2] = {0, 0};
  auto add_file = [&](uint32_t cf_id, int worker, rocksdb::Slice lower,
                      rocksdb::Slice upper) -> Status {
    const auto handle =
        std::find_if(families.begin(), families.end(),
                     [cf_id](rocksdb::ColumnFamilyHandle* h) { return h->GetID() == cf_id; });
    STRATA_DCHECK(handle != families.end());
    files.push_back(std::make_unique<FamilyFile>(
        db, *handle, fmt::format("{}/{}-{}-{}.sst", dir, file_tag, cf_id, files.size())));
    file_families.push_back(cf_id);
    const rocksdb::Status opened = files.back()->Open();
    if (!opened.ok()) return FromRocksDbStatus(opened, "writing an SST file to ingest");
    fills[worker].families[cf_id] =
        FileFill::Family{files.back().get(), &shapes.families[cf_id], lower, upper, {}};
    return Status::OK();
  };
  std::vector<std::pair<uint64_t, uint32_t>> whole;  // (bytes, family id)
  Status opened;
  for (const auto& [cf_id, shape] : shapes.families) {
    const bool known =
        std::any_of(families.begin(), families.end(),
                    [id = cf_id](rocksdb::ColumnFamilyHandle* h) { return h->GetID() == id; });
    // A family ingestion was not given (the default one): left to the WAL.
    if (!known) return Status::OK();
  }
  for (const auto& [cf_id, shape] : shapes.families) {
    if (shape.in_order && shape.ranges.empty() && shape.samples.size() >= 2) {
      const rocksdb::Slice split = shape.samples[shape.samples.size() / 2];
      if (opened.ok()) opened = add_file(cf_id, 0, rocksdb::Slice(), split);
      if (opened.ok()) opened = add_file(cf_id, 1, split, rocksdb::Slice());
      fill_bytes[0] += shape.bytes / 2;
      fill_bytes[1] += shape.bytes - shape.bytes / 2;
    } else {
      whole.emplace_back(shape.bytes, cf_id);
    }
  }
  std::sort(whole.rbegin(), whole.rend());
  for (const auto& [bytes, cf_id] : whole) {
    const int worker = fill_bytes[0] <= fill_bytes[1] ? 0 : 1;
    fill_bytes[worker] += bytes;
    if (opened.ok()) opened = add_file(cf_id, worker, rocksdb::Slice(), rocksdb::Slice());
  }
  if (!opened.ok()) {
    RemoveFiles(files);
    return opened;
  }

  rocksdb::Status helper_status;
  std::thread helper;
  if (!fills[1].families.empty()) helper = std::thread([&] { helper_status = fills[1].Run(batches); });
  rocksdb::Status s = fills[0].Run(batches);
  if (helper.joinable()) helper.join();
  if (s.ok()) s = helper_status;
  if (!s.ok()) {
    RemoveFiles(files);
    return FromRocksDbStatus(s, "writing an SST file to ingest");
  }
  // One argument per family, its files in key order (a split family's two
  // do not overlap); a part that got no record has no file.
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i]->empty()) {
      std::error_code ignored;
      std::filesystem::remove(files[i]->path(), ignored);
      continue;
    }
    if (args.empty() || args.back().column_family->GetID() != file_families[i]) {
      rocksdb::IngestExternalFileArg& arg = args.emplace_back();
      arg.column_family = *std::find_if(
          families.begin(), families.end(),
          [id = file_families[i]](rocksdb::ColumnFamilyHandle* h) { return h->GetID() == id; });
      arg.options.move_files = true;
      arg.options.snapshot_consistency = true;
      arg.options.allow_global_seqno = true;
      arg.options.allow_blocking_flush = true;
      arg.options.write_global_seqno = false;
    }
    args.back().external_files.push_back(files[i]->path());
  }
  // Earlier unsynced writes must not be lost while this one survives.
  s = db->FlushWAL(/*sync=*/true);
  if (s.ok()) {
    // With a snapshot alive, RocksDB gives the files a new sequence number
    // instead of possibly zero (visible to every earlier snapshot).
    const rocksdb::Snapshot* hold = db->GetSnapshot();
    s = db->IngestExternalFiles(args);
    db->ReleaseSnapshot(hold);
  }
  if (!s.ok()) {
    RemoveFiles(files);
    return FromRocksDbStatus(s, "ingesting a batch");
  }
  *ingested = true;
  return Status::OK();
}

Status RemoveIngestionLeftovers(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return Status(SqlState::kIoError, fmt::format("removing {}: {}", dir, ec.message()));
  return Status::OK();
}

}  // namespace strata::storage
