#include "storage/engine.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>
#include <spdlog/spdlog.h>

#include "common/macros.h"
#include "storage/batch_ingestion.h"
#include "storage/rocksdb_status.h"
#include "storage/transaction.h"

namespace strata::storage {
namespace {

rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(const StorageOptions& options,
                                                     const std::shared_ptr<rocksdb::Cache>& cache,
                                                     bool point_lookups) {
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Index and filter blocks are charged to the shared cache too (so
  // block_cache_bytes is the budget for read-side memory; pinned blocks can
  // hold it above that, the LRU cache has no strict limit); L0's stay pinned
  // because every lookup consults them.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (point_lookups) {
    // For the point-lookup families every level's index and filter stay
    // pinned (still charged to the cache): a lookup then does one cache probe
    // (the data block) instead of three.
    table.metadata_cache_options.top_level_index_pinning = rocksdb::PinningTier::kAll;
    table.metadata_cache_options.partition_pinning = rocksdb::PinningTier::kAll;
    table.metadata_cache_options.unpartitioned_pinning = rocksdb::PinningTier::kAll;
  }
  if (point_lookups && options.bloom_bits_per_key > 0) {
    // Whole-key filters only. A prefix extractor would help range scans only
    // if it matched the key layout (table id + shard + primary key, owned by
    // rowstore/), and it would weaken filters for the dominant access path:
    // lookups by full primary key (point reads, MultiGet for IN lists,
    // uniqueness checks on INSERT). Scans are bounded by iterate bounds.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits_per_key));
    table.whole_key_filtering = true;
    // The same for the memtable: a lookup of a key that was flushed long ago
    // (the common case for a serving table) skips the skiplist search.
    cf_options.memtable_whole_key_filtering = true;
    cf_options.memtable_prefix_bloom_size_ratio = 0.02;
  }
  if (point_lookups) {
    // A hash index inside each data block: a point lookup finds its key
    // without the binary search over the block's restart points.
    table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
    table.data_block_hash_table_util_ratio = 0.75;
    // L0 files overlap, so a lookup probes each L0 file whose key range covers
    // its key (a filter check at least) before it reaches the level that has
    // the row; after a bulk load or a run of random upserts that is every L0
    // file. Merging L0 as soon as it holds two files keeps that at one or two
    // probes; with RocksDB's default of four, a table after a bulk load sat on
    // three L0 files and those probes were the largest cost of a lookup.
    cf_options.level0_file_num_compaction_trigger = 2;
  }
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf_options;
}

bool ServesPointLookups(ColumnFamily cf) {
  return cf == ColumnFamily::kRows || cf == ColumnFamily::kPkIndex;
}

rocksdb::ReadOptions SnapshotReadOptions(const Snapshot& snapshot) {
  STRATA_DCHECK(snapshot.valid());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.rocksdb_snapshot();
  return read_options;
}

}  // namespace

Engine::Engine(std::string path, const StorageOptions& options)
    : path_(std::move(path)), options_(options) {}

Result<std::unique_ptr<Engine>> Engine::Open(const std::string& path,
                                             const StorageOptions& options) {
  std::unique_ptr<Engine> engine(new Engine(path, options));  // private constructor
  engine->block_cache_ = rocksdb::NewLRUCache(options.block_cache_bytes);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = options.max_background_jobs;

  // RocksDB must be given every existing column family on open.
  std::vector<std::string> existing;
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec)) {
    STRATA_RETURN_IF_ERROR(
        FromRocksDbStatus(rocksdb::DB::ListColumnFamilies(db_options, path, &existing),
                          fmt::format("listing column families of {}", path)));
  }
  const rocksdb::ColumnFamilyOptions plain_options =
      MakeColumnFamilyOptions(options, engine->block_cache_, /*point_lookups=*/false);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, plain_options);
  for (const ColumnFamily cf : kAllColumnFamilies) {
    descriptors.emplace_back(
        std::string(ColumnFamilyName(cf)),
        MakeColumnFamilyOptions(options, engine->block_cache_, ServesPointLookups(cf)));
  }
  for (const std::string& name : existing) {
    bool known = name == rocksdb::kDefaultColumnFamilyName;
    for (const ColumnFamily cf : kAllColumnFamilies) known = known || name == ColumnFamilyName(cf);
    if (!known) {
      spdlog::warn("storage: {} has unknown column family '{}'; opening it untouched", path, name);
      descriptors.emplace_back(name, plain_options);
    }
  }

  rocksdb::DB* raw_db = nullptr;
  const rocksdb::Status open_status =
      rocksdb::DB::Open(db_options, path, descriptors, &engine->all_handles_, &raw_db);
  if (!open_status.ok()) {
    return FromRocksDbStatus(open_status, fmt::format("opening storage in {}", path));
  }
  engine->db_.reset(raw_db);
  // Handles come back in descriptor order: default, then ours, then unknown.
  for (size_t i = 0; i < kColumnFamilyCount; ++i) engine->handles_[i] = engine->all_handles_[i + 1];

  STRATA_ASSIGN_OR_RETURN(const Lsn last_lsn, CommitPipeline::ReadPersistedLsn(
                                                  raw_db, engine->handle(ColumnFamily::kMeta)));
  if (options.row_cache_bytes > 0) {
    engine->hot_rows_ = std::make_unique<HotRowCache>(options.row_cache_bytes);
  }
  CommitIngestion ingestion;
  ingestion.min_batch_bytes = options.ingest_commit_bytes;
  ingestion.dir = (std::filesystem::path(path) / "ingest").string();
  for (const ColumnFamily cf : kAllColumnFamilies) ingestion.families.push_back(engine->handle(cf));
  STRATA_RETURN_IF_ERROR(RemoveIngestionLeftovers(ingestion.dir));
  engine->pipeline_ = std::make_unique<CommitPipeline>(
      raw_db, engine->handle(ColumnFamily::kMeta), last_lsn, options.sync_commit,
      engine->hot_rows_.get(), engine->handle(ColumnFamily::kRows), std::move(ingestion));
  return engine;
}

Engine::~Engine() {
  pipeline_.reset();
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : all_handles_) {
    const rocksdb::Status s = db_->DestroyColumnFamilyHandle(h);
    if (!s.ok()) spdlog::error("storage: releasing a column family handle: {}", s.ToString());
  }
  const rocksdb::Status s = db_->Close();
  if (!s.ok()) spdlog::error("storage: closing {}: {}", path_, s.ToString());
}

Result<Lsn> Engine::Commit(rocksdb::WriteBatch* batch, const CommitOptions& options) {
  CommitRequest request;
  request.batch = batch;
  request.options = options;
  return pipeline_->Commit(request);
}

std::unique_ptr<Transaction> Engine::BeginTransaction(const TransactionOptions& options) {
  return std::make_unique<Transaction>(this, options);
}

std::unique_ptr<Transaction> Engine::BeginTransaction() {
  return BeginTransaction(TransactionOptions());
}

Result<std::optional<std::string>> Engine::Get(const Snapshot& snapshot, ColumnFamily cf,
                                               std::string_view key) const {
  std::string value;
  const rocksdb::Status s =
      db_->Get(SnapshotReadOptions(snapshot), handle(cf), rocksdb::Slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksDbStatus(s, "get");
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::optional<std::string>>> Engine::MultiGet(
    const Snapshot& snapshot, ColumnFamily cf, std::span<const std::string_view> keys) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(SnapshotReadOptions(snapshot), handle(cf), keys.size(), slices.data(),
                values.data(), statuses.data(), /*sorted_input=*/false);
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocksDbStatus(statuses[i], "multi-get");
    out[i] = values[i].ToString();
  }
  return out;
}

std::unique_ptr<Iterator> Engine::NewIterator(const Snapshot& snapshot, ColumnFamily cf,
                                              ReadBounds bounds) const {
  STRATA_DCHECK(snapshot.valid());
  std::unique_ptr<Iterator> it(
      new Iterator(std::move(bounds), snapshot.rocksdb_snapshot()));  // private constructor
  it->Attach(db_->NewIterator(it->read_options(), handle(cf)));
  return it;
}

}  // namespace strata::storage
