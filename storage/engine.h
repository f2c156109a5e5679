#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "storage/column_family.h"
#include "storage/commit_pipeline.h"
#include "storage/hot_row_cache.h"
#include "storage/iterator.h"
#include "storage/lsn.h"
#include "storage/snapshot.h"
#include "storage/storage_options.h"

namespace rocksdb {
class Cache;
class ColumnFamilyHandle;
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace strata::storage {

class Transaction;
struct TransactionOptions;

// One database's storage: the RocksDB instance with its column families
// (column_family.h), the commit pipeline that orders every write, and reads
// at snapshots. Tables, catalog and replica encodings live above this layer
// and speak in column families and byte keys/values.
//
// Writing: build a rocksdb::WriteBatch against handle(cf) and Commit() it,
// or use a Transaction (BeginTransaction) for snapshot isolation with
// read-your-own-writes and write-conflict detection. Never write to db()
// directly: all writes must go through the pipeline.
//
// Thread-safe. Snapshots, Transactions and Iterators must be destroyed
// before the Engine.
class Engine {
 public:
  // Opens (creating if needed) the database in directory `path`, creating
  // missing column families. Column families unknown to this version are
  // opened and left alone. The LSN continues from the last persisted commit.
  static Result<std::unique_ptr<Engine>> Open(const std::string& path,
                                              const StorageOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Commits `batch` (built against handle(cf)) atomically in every column
  // family and returns its LSN; see CommitPipeline::Commit for the LSN,
  // durability and error contract. The batch keeps its records. Bypasses
  // write-conflict detection in both directions (nothing checked, nothing
  // recorded): use it for keys transactions do not also write, or use a
  // Transaction.
  Result<Lsn> Commit(rocksdb::WriteBatch* batch, const CommitOptions& options = {});

  // Starts a snapshot-isolation transaction reading at a new snapshot.
  std::unique_ptr<Transaction> BeginTransaction(const TransactionOptions& options);
  std::unique_ptr<Transaction> BeginTransaction();

  // A snapshot containing exactly the commits with LSN <= its lsn().
  Snapshot TakeSnapshot() { return pipeline_->TakeSnapshot(); }

  // Reads at `snapshot`: the value, or nullopt when the key is absent.
  // REQUIRES: snapshot.valid() and taken from this Engine.
  Result<std::optional<std::string>> Get(const Snapshot& snapshot, ColumnFamily cf,
                                         std::string_view key) const;
  // One result per key, in order; fails as a whole on any read error.
  Result<std::vector<std::optional<std::string>>> MultiGet(
      const Snapshot& snapshot, ColumnFamily cf, std::span<const std::string_view> keys) const;
  // An iterator over `bounds` in `cf` at `snapshot`, unpositioned.
  std::unique_ptr<Iterator> NewIterator(const Snapshot& snapshot, ColumnFamily cf,
                                        ReadBounds bounds = {}) const;

  Lsn last_committed_lsn() const { return pipeline_->last_committed_lsn(); }
  CommitStats commit_stats() const { return pipeline_->stats(); }
  const StorageOptions& options() const { return options_; }
  const std::string& path() const { return path_; }

  // For storage/ and the replica modules (rowstore/, columnstore/, binlog/)
  // only. Borrowed; valid while the Engine lives.
  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(ColumnFamily cf) const {
    return handles_[ColumnFamilyIndex(cf)];
  }
  CommitPipeline* pipeline() const { return pipeline_.get(); }
  // Rows by key for snapshot point reads (Transaction::MultiGetPinned);
  // nullptr when StorageOptions::row_cache_bytes is 0.
  HotRowCache* hot_rows() const { return hot_rows_.get(); }

 private:
  Engine(std::string path, const StorageOptions& options);

  const std::string path_;
  const StorageOptions options_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::unique_ptr<rocksdb::DB> db_;
  // Ours, indexed by ColumnFamilyIndex.
  std::array<rocksdb::ColumnFamilyHandle*, kColumnFamilyCount> handles_{};
  // Every handle opened, including "default" and unknown families; destroyed
  // before db_ is closed.
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles_;
  // Before pipeline_, which writes to it: destroyed after.
  std::unique_ptr<HotRowCache> hot_rows_;
  std::unique_ptr<CommitPipeline> pipeline_;
};

}  // namespace strata::storage
