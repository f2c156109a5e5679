#include "storage/engine.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/hot_row_cache.h"
#include "storage/transaction.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::storage {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    StorageOptions options;
    options.block_cache_bytes = 8 << 20;
    options.write_buffer_bytes = 4 << 20;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_.str(), options));
  }

  Result<Lsn> Put(ColumnFamily cf, std::string_view key, std::string_view value) {
    rocksdb::WriteBatch batch;
    const rocksdb::Status s = batch.Put(engine_->handle(cf), key, value);
    if (!s.ok()) return Status::Internal(s.ToString());
    return engine_->Commit(&batch);
  }

  std::vector<std::string> Keys(Iterator* it) {
    std::vector<std::string> keys;
    for (; it->Valid(); it->Next()) keys.emplace_back(it->key());
    EXPECT_OK(it->status());
    return keys;
  }

  strata::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, CreatesEveryColumnFamily) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_.str(), &names).ok());
  for (const ColumnFamily cf : kAllColumnFamilies) {
    EXPECT_NE(std::find(names.begin(), names.end(), ColumnFamilyName(cf)), names.end())
        << ColumnFamilyName(cf);
    EXPECT_EQ(engine_->handle(cf)->GetName(), ColumnFamilyName(cf));
  }
}

TEST_F(EngineTest, SnapshotIgnoresCommitsAfterItWasTaken) {
  ASSERT_OK_AND_ASSIGN(const Lsn first, Put(ColumnFamily::kRows, "k", "v1"));
  const Snapshot snap = engine_->TakeSnapshot();
  EXPECT_EQ(snap.lsn(), first);

  ASSERT_OK_AND_ASSIGN(const Lsn second, Put(ColumnFamily::kRows, "k", "v2"));
  ASSERT_OK(Put(ColumnFamily::kRows, "new", "x"));
  EXPECT_EQ(second, first + 1);

  ASSERT_OK_AND_ASSIGN(auto old_value, engine_->Get(snap, ColumnFamily::kRows, "k"));
  EXPECT_EQ(old_value, "v1");
  ASSERT_OK_AND_ASSIGN(auto absent, engine_->Get(snap, ColumnFamily::kRows, "new"));
  EXPECT_FALSE(absent.has_value());

  const Snapshot later = engine_->TakeSnapshot();
  EXPECT_EQ(later.lsn(), engine_->last_committed_lsn());
  ASSERT_OK_AND_ASSIGN(auto new_value, engine_->Get(later, ColumnFamily::kRows, "k"));
  EXPECT_EQ(new_value, "v2");
}

// A batch with a record kind the pipeline's cache notifier does not know
// (a wide-column entity; Strata writes none) stops every cached row from
// being served, and what the batch put before that record is not written
// through: the entity replaced it.
TEST_F(EngineTest, HotRowsDoNotKeepAPutOverwrittenByAnUnknownRecord) {
  rocksdb::ColumnFamilyHandle* rows = engine_->handle(ColumnFamily::kRows);
  ASSERT_OK(Put(ColumnFamily::kRows, "a", "a1"));
  auto before = engine_->BeginTransaction();
  EXPECT_EQ(before->Get(ColumnFamily::kRows, "a").value(), "a1");  // now cached
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(rows, "k", "v1").ok());
  ASSERT_TRUE(batch.PutEntity(rows, "k", {{rocksdb::kDefaultWideColumnName, "v2"}}).ok());
  ASSERT_OK(engine_->Commit(&batch));
  auto after = engine_->BeginTransaction();
  EXPECT_EQ(after->Get(ColumnFamily::kRows, "k").value(), "v2");
  EXPECT_EQ(after->Get(ColumnFamily::kRows, "a").value(), "a1");
  EXPECT_EQ(before->Get(ColumnFamily::kRows, "a").value(), "a1");
}

// The pipeline hands a batch's row keys to the cache in windows of 32: every
// key of a batch of 31, 32, 33 or 64 rows is forgotten, in the first window
// and in the last, partial one.
TEST_F(EngineTest, HotRowsForgetEveryKeyOfABatchWhateverItsSize) {
  for (const int n : {31, 32, 33, 64}) {
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) keys.push_back(fmt::format("w{}-{:03}", n, i));
    for (const std::string& key : keys) ASSERT_OK(Put(ColumnFamily::kRows, key, "old"));
    auto reader = engine_->BeginTransaction();
    for (const std::string& key : keys) {
      ASSERT_EQ(reader->Get(ColumnFamily::kRows, key).value(), "old");  // cached now
    }
    // More than kMaxWriteThroughRows rows would not be written through; a
    // delete stops write-through too: the cache must forget, not refill.
    rocksdb::WriteBatch batch;
    for (const std::string& key : keys) {
      ASSERT_TRUE(batch.Put(engine_->handle(ColumnFamily::kRows), key, "new").ok());
    }
    ASSERT_TRUE(batch.Delete(engine_->handle(ColumnFamily::kRows), "unrelated").ok());
    ASSERT_OK(engine_->Commit(&batch));
    auto after = engine_->BeginTransaction();
    for (const std::string& key : keys) {
      EXPECT_EQ(after->Get(ColumnFamily::kRows, key).value(), "new") << n << " " << key;
    }
  }
}

// Point reads of rows go through the hot-row cache (storage.row_cache) in
// front of RocksDB; every snapshot must still see its own version, across
// flushes, overwrites and deletes, whether the write came from a
// Transaction or a raw batch, and a transaction sees its own writes.
TEST_F(EngineTest, HotRowsServeEachSnapshotItsOwnVersion) {
  rocksdb::DB* db = engine_->db();
  rocksdb::ColumnFamilyHandle* rows = engine_->handle(ColumnFamily::kRows);
  ASSERT_NE(engine_->hot_rows(), nullptr);
  auto read = [&](Transaction* txn, std::vector<std::string_view> keys) {
    PinnedValues values;
    EXPECT_OK(txn->MultiGetPinned(ColumnFamily::kRows, keys, /*sorted=*/true, &values));
    std::vector<std::string> out;
    for (size_t i = 0; i < keys.size(); ++i) {
      out.push_back(values.at(i).has_value() ? std::string(*values.at(i)) : "<none>");
    }
    return out;
  };
  using Strings = std::vector<std::string>;

  ASSERT_OK(Put(ColumnFamily::kRows, "a", "a1"));
  ASSERT_OK(Put(ColumnFamily::kRows, "k", "v1"));
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), rows).ok());
  auto first = engine_->BeginTransaction();
  for (int round = 0; round < 2; ++round) {  // the second round is served from the cache
    EXPECT_EQ(read(first.get(), {"a", "k"}), (Strings{"a1", "v1"}));
    EXPECT_EQ(read(first.get(), {"k"}), (Strings{"v1"}));
  }
  EXPECT_GE(engine_->hot_rows()->stats().hits, 3u);

  // Overwritten through a transaction.
  auto writer = engine_->BeginTransaction();
  ASSERT_OK(writer->Put(ColumnFamily::kRows, "k", "v2"));
  EXPECT_EQ(read(writer.get(), {"a", "k"}), (Strings{"a1", "v2"}));  // its own write
  ASSERT_OK(writer->Commit());
  auto second = engine_->BeginTransaction();
  // Deleted by a raw batch, then flushed.
  rocksdb::WriteBatch erase;
  ASSERT_TRUE(erase.Delete(rows, "k").ok());
  ASSERT_OK(engine_->Commit(&erase));
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), rows).ok());
  auto third = engine_->BeginTransaction();
  // Written again by a raw batch, left in the memtable.
  ASSERT_OK(Put(ColumnFamily::kRows, "k", "v3"));
  auto fourth = engine_->BeginTransaction();

  for (int round = 0; round < 3; ++round) {
    // Every order: a newer reader's fill must not serve an older reader.
    EXPECT_EQ(read(fourth.get(), {"a", "k"}), (Strings{"a1", "v3"})) << round;
    EXPECT_EQ(read(first.get(), {"a", "k"}), (Strings{"a1", "v1"})) << round;
    EXPECT_EQ(read(third.get(), {"k"}), (Strings{"<none>"})) << round;
    EXPECT_EQ(read(second.get(), {"a", "k"}), (Strings{"a1", "v2"})) << round;
    EXPECT_EQ(read(fourth.get(), {"k"}), (Strings{"v3"})) << round;
    // Get (an upsert's read of the row it replaces) goes through the cache
    // too, with the same versions.
    const uint64_t hits = engine_->hot_rows()->stats().hits;
    EXPECT_EQ(fourth->Get(ColumnFamily::kRows, "k").value(), "v3") << round;
    EXPECT_EQ(first->Get(ColumnFamily::kRows, "k").value(), "v1") << round;
    EXPECT_EQ(third->Get(ColumnFamily::kRows, "k").value(), std::nullopt) << round;
    EXPECT_EQ(second->Get(ColumnFamily::kRows, "k").value(), "v2") << round;
    // Only the newest version is cached: the fourth reader hits.
    EXPECT_GE(engine_->hot_rows()->stats().hits, hits + 1) << round;
  }
  // A transaction's own write wins over the cache.
  ASSERT_OK(fourth->Put(ColumnFamily::kRows, "k", "mine"));
  EXPECT_EQ(fourth->Get(ColumnFamily::kRows, "k").value(), "mine");
}

// A range deletion of rows is not broken down into keys: unless it covers
// exactly one whole relfilenode (a reclaim, never read again), no cached row
// may outlive it.
TEST_F(EngineTest, HotRowsForgetRowsARangeDeletionCovers) {
  rocksdb::ColumnFamilyHandle* rows = engine_->handle(ColumnFamily::kRows);
  ASSERT_OK(Put(ColumnFamily::kRows, "k1", "v1"));
  ASSERT_OK(Put(ColumnFamily::kRows, "k2", "v2"));
  auto read_k1 = [&] {
    auto txn = engine_->BeginTransaction();
    PinnedValues values;
    const std::vector<std::string_view> keys = {"k1"};
    EXPECT_OK(txn->MultiGetPinned(ColumnFamily::kRows, keys, true, &values));
    return values.at(0).has_value() ? std::string(*values.at(0)) : "<none>";
  };
  EXPECT_EQ(read_k1(), "v1");
  EXPECT_EQ(read_k1(), "v1");  // cached
  const uint64_t hits = engine_->hot_rows()->stats().hits;
  EXPECT_GT(hits, 0u);
  rocksdb::WriteBatch erase;
  ASSERT_TRUE(erase.DeleteRange(rows, "k0", "k2").ok());
  ASSERT_OK(engine_->Commit(&erase));
  EXPECT_EQ(read_k1(), "<none>");
  EXPECT_EQ(engine_->hot_rows()->stats().hits, hits);
}

// A small commit's rows are written through into the cache (the first read
// after it is a hit), a failed or bulk commit's are not, and a batch that
// puts and then deletes a row leaves no cached row behind.
TEST_F(EngineTest, HotRowsTakeSmallCommitsRowsOnWrite) {
  rocksdb::ColumnFamilyHandle* rows = engine_->handle(ColumnFamily::kRows);
  HotRowCache* cache = engine_->hot_rows();
  auto read = [&](std::string_view key) {
    auto txn = engine_->BeginTransaction();
    PinnedValues values;
    const std::vector<std::string_view> keys = {key};
    EXPECT_OK(txn->MultiGetPinned(ColumnFamily::kRows, keys, true, &values));
    return values.at(0).has_value() ? std::string(*values.at(0)) : "<none>";
  };
  ASSERT_OK(Put(ColumnFamily::kRows, "k", "v1"));
  HotRowCache::Stats before = cache->stats();
  EXPECT_EQ(read("k"), "v1");
  EXPECT_EQ(cache->stats().hits, before.hits + 1);
  EXPECT_EQ(cache->stats().misses, before.misses);

  rocksdb::WriteBatch put_then_delete;
  ASSERT_TRUE(put_then_delete.Put(rows, "k", "v2").ok());
  ASSERT_TRUE(put_then_delete.Put(rows, "j", "j1").ok());
  ASSERT_TRUE(put_then_delete.Delete(rows, "k").ok());
  ASSERT_OK(engine_->Commit(&put_then_delete));
  EXPECT_EQ(read("k"), "<none>");
  EXPECT_EQ(read("j"), "j1");

  rocksdb::WriteBatch bulk;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(bulk.Put(rows, "bulk" + std::to_string(i), "b").ok());
  ASSERT_OK(engine_->Commit(&bulk));
  before = cache->stats();
  EXPECT_EQ(read("bulk7"), "b");
  EXPECT_EQ(cache->stats().misses, before.misses + 1);  // not written through
  EXPECT_EQ(read("bulk7"), "b");
  EXPECT_EQ(cache->stats().hits, before.hits + 1);  // cached by the read
}

TEST_F(EngineTest, ColumnFamiliesAreSeparateKeySpaces) {
  ASSERT_OK(Put(ColumnFamily::kRows, "k", "row"));
  ASSERT_OK(Put(ColumnFamily::kCatalog, "k", "catalog"));
  const Snapshot snap = engine_->TakeSnapshot();
  ASSERT_OK_AND_ASSIGN(auto row, engine_->Get(snap, ColumnFamily::kRows, "k"));
  ASSERT_OK_AND_ASSIGN(auto catalog, engine_->Get(snap, ColumnFamily::kCatalog, "k"));
  ASSERT_OK_AND_ASSIGN(auto delvec, engine_->Get(snap, ColumnFamily::kDelvec, "k"));
  EXPECT_EQ(row, "row");
  EXPECT_EQ(catalog, "catalog");
  EXPECT_FALSE(delvec.has_value());
}

TEST_F(EngineTest, MultiGetReturnsOneResultPerKeyInOrder) {
  ASSERT_OK(Put(ColumnFamily::kRows, "a", "1"));
  ASSERT_OK(Put(ColumnFamily::kRows, "c", "3"));
  const Snapshot snap = engine_->TakeSnapshot();
  const std::vector<std::string_view> keys = {"c", "b", "a"};
  ASSERT_OK_AND_ASSIGN(auto values, engine_->MultiGet(snap, ColumnFamily::kRows, keys));
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], "3");
  EXPECT_FALSE(values[1].has_value());
  EXPECT_EQ(values[2], "1");
}

TEST_F(EngineTest, IteratorHonoursBoundsAndSnapshot) {
  for (const char* key : {"a", "b", "c", "d", "e"}) ASSERT_OK(Put(ColumnFamily::kRows, key, key));
  const Snapshot snap = engine_->TakeSnapshot();
  ASSERT_OK(Put(ColumnFamily::kRows, "c2", "later"));

  auto it = engine_->NewIterator(snap, ColumnFamily::kRows, {.lower = "b", .upper = "e"});
  it->SeekToFirst();
  EXPECT_EQ(Keys(it.get()), (std::vector<std::string>{"b", "c", "d"}));
  it->Seek("a");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  EXPECT_EQ(it->value(), "d");

  auto all = engine_->NewIterator(snap, ColumnFamily::kRows);
  all->SeekToFirst();
  EXPECT_EQ(Keys(all.get()), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(EngineTest, LsnContinuesAfterReopen) {
  ASSERT_OK(Put(ColumnFamily::kRows, "a", "1"));
  ASSERT_OK_AND_ASSIGN(const Lsn before, Put(ColumnFamily::kRows, "b", "2"));
  engine_.reset();
  Open();
  EXPECT_EQ(engine_->last_committed_lsn(), before);
  ASSERT_OK_AND_ASSIGN(const Lsn after, Put(ColumnFamily::kRows, "c", "3"));
  EXPECT_EQ(after, before + 1);
  const Snapshot snap = engine_->TakeSnapshot();
  EXPECT_EQ(snap.lsn(), after);
  ASSERT_OK_AND_ASSIGN(auto b, engine_->Get(snap, ColumnFamily::kRows, "b"));
  EXPECT_EQ(b, "2");
}

TEST_F(EngineTest, ReleasedSnapshotsAreNoLongerTracked) {
  Snapshot a = engine_->TakeSnapshot();
  Snapshot b = std::move(a);
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(engine_->pipeline()->active_snapshot_count(), 1u);
  b.Release();
  EXPECT_FALSE(b.valid());
  EXPECT_EQ(engine_->pipeline()->active_snapshot_count(), 0u);
}

}  // namespace
}  // namespace strata::storage
