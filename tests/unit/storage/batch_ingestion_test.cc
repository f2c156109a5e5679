// Large commits written by ingestion (storage/batch_ingestion.h and
// CommitIngestion): same outcome as a WAL write, atomic, durable, ordered
// with the LSNs and snapshots of the commit pipeline.
#include "storage/batch_ingestion.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "common/hash_set64.h"
#include "storage/engine.h"
#include "storage/transaction.h"
#include "storage/write_conflict_index.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::storage {
namespace {

class BatchIngestionTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    StorageOptions options;
    options.block_cache_bytes = 8 << 20;
    options.write_buffer_bytes = 4 << 20;
    options.row_cache_bytes = 1 << 20;
    // Every commit of at least 1 KiB is ingested.
    options.ingest_commit_bytes = 1024;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_.str(), options));
  }

  rocksdb::ColumnFamilyHandle* rows() { return engine_->handle(ColumnFamily::kRows); }

  std::optional<std::string> Read(const Snapshot& snapshot, ColumnFamily cf, const std::string& key) {
    auto value = engine_->Get(snapshot, cf, key);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : std::nullopt;
  }

  // A batch well over the ingestion threshold: keys k0000..k0199 -> "v<i>".
  void PutMany(rocksdb::WriteBatch* batch, int first, int count, const std::string& prefix = "v") {
    for (int i = first; i < first + count; ++i) {
      ASSERT_TRUE(batch->Put(rows(), fmt::format("k{:04}", i), fmt::format("{}{}", prefix, i)).ok());
    }
  }

  strata::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(BatchIngestionTest, LargeCommitIsIngestedWithTheSameOutcomeAsAWrite) {
  rocksdb::WriteBatch first;
  PutMany(&first, 0, 100);
  ASSERT_OK_AND_ASSIGN(const Lsn lsn1, engine_->Commit(&first));
  EXPECT_EQ(engine_->commit_stats().ingested, 1u);

  // Out of key order, overwriting a key twice (the last put wins), deleting
  // a key written before and one written earlier in this very batch, and
  // another family (pk_index) alongside.
  rocksdb::WriteBatch second;
  for (int i = 199; i >= 100; --i) {
    ASSERT_TRUE(second.Put(rows(), fmt::format("k{:04}", i), fmt::format("w{}", i)).ok());
  }
  ASSERT_TRUE(second.Put(rows(), "k0150", "first").ok());
  ASSERT_TRUE(second.Put(rows(), "k0150", "last").ok());
  ASSERT_TRUE(second.Delete(rows(), "k0007").ok());
  ASSERT_TRUE(second.Put(rows(), "k0160", "gone").ok());
  ASSERT_TRUE(second.Delete(rows(), "k0160").ok());
  ASSERT_TRUE(second.Put(engine_->handle(ColumnFamily::kPkIndex), "p", "location").ok());
  Snapshot before = engine_->TakeSnapshot();
  ASSERT_OK_AND_ASSIGN(const Lsn lsn2, engine_->Commit(&second));
  EXPECT_EQ(lsn2, lsn1 + 1);
  EXPECT_EQ(engine_->commit_stats().ingested, 2u);
  EXPECT_EQ(engine_->commit_stats().wal_syncs, 0u);

  // A snapshot from before the commit does not see it.
  EXPECT_EQ(Read(before, ColumnFamily::kRows, "k0150"), std::nullopt);
  EXPECT_EQ(Read(before, ColumnFamily::kRows, "k0007"), "v7");
  EXPECT_EQ(before.lsn(), lsn1);
  before.Release();

  auto check = [&](const Snapshot& now) {
    EXPECT_EQ(now.lsn(), lsn2);
    EXPECT_EQ(Read(now, ColumnFamily::kRows, "k0150"), "last");
    EXPECT_EQ(Read(now, ColumnFamily::kRows, "k0199"), "w199");
    EXPECT_EQ(Read(now, ColumnFamily::kRows, "k0007"), std::nullopt);
    EXPECT_EQ(Read(now, ColumnFamily::kRows, "k0160"), std::nullopt);
    EXPECT_EQ(Read(now, ColumnFamily::kRows, "k0008"), "v8");
    EXPECT_EQ(Read(now, ColumnFamily::kPkIndex, "p"), "location");
  };
  check(engine_->TakeSnapshot());

  // Durable, LSN included: after a reopen the same data at the same LSN,
  // and the next commit continues from it.
  // A file an ingestion interrupted by a crash left behind is removed.
  engine_.reset();
  const std::filesystem::path stale = std::filesystem::path(dir_.str()) / "ingest" / "7-2.sst";
  std::filesystem::create_directories(stale.parent_path());
  { std::ofstream(stale) << "partial"; }
  Open();
  EXPECT_EQ(engine_->last_committed_lsn(), lsn2);
  check(engine_->TakeSnapshot());
  EXPECT_FALSE(std::filesystem::exists(stale));
  rocksdb::WriteBatch small;
  ASSERT_TRUE(small.Put(rows(), "s", "1").ok());
  ASSERT_OK_AND_ASSIGN(const Lsn lsn3, engine_->Commit(&small));
  EXPECT_EQ(lsn3, lsn2 + 1);
  EXPECT_EQ(engine_->commit_stats().ingested, 0u);
}

TEST_F(BatchIngestionTest, RangeDeletionOfOtherKeysIsIngested) {
  // TRUNCATE's shape: the batch range-deletes an abandoned key range and
  // puts elsewhere.
  rocksdb::WriteBatch old_rows;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(old_rows.Put(rows(), fmt::format("old{:04}", i), "x").ok());
  ASSERT_OK(engine_->Commit(&old_rows).status());
  rocksdb::WriteBatch reload;
  ASSERT_TRUE(reload.DeleteRange(rows(), "old", "old~").ok());
  PutMany(&reload, 0, 100);
  Snapshot before = engine_->TakeSnapshot();
  ASSERT_OK(engine_->Commit(&reload).status());
  EXPECT_EQ(engine_->commit_stats().ingested, 2u);
  EXPECT_EQ(Read(before, ColumnFamily::kRows, "old0042"), "x");
  before.Release();
  const Snapshot now = engine_->TakeSnapshot();
  EXPECT_EQ(Read(now, ColumnFamily::kRows, "old0042"), std::nullopt);
  EXPECT_EQ(Read(now, ColumnFamily::kRows, "old0000"), std::nullopt);
  EXPECT_EQ(Read(now, ColumnFamily::kRows, "k0042"), "v42");
}

TEST_F(BatchIngestionTest, BatchWritingInsideItsOwnRangeDeletionGoesThroughTheWal) {
  rocksdb::WriteBatch batch;
  PutMany(&batch, 0, 100);
  ASSERT_TRUE(batch.DeleteRange(rows(), "k0010", "k0020").ok());
  ASSERT_OK(engine_->Commit(&batch).status());
  EXPECT_EQ(engine_->commit_stats().ingested, 0u);
  EXPECT_EQ(engine_->commit_stats().wal_syncs, 1u);
  const Snapshot now = engine_->TakeSnapshot();
  EXPECT_EQ(Read(now, ColumnFamily::kRows, "k0015"), std::nullopt);
  EXPECT_EQ(Read(now, ColumnFamily::kRows, "k0020"), "v20");
}

TEST_F(BatchIngestionTest, LargeInOrderFamilyIsSplitBetweenTwoFilesWithTheSameOutcome) {
  // An in-order family of thousands of records is written as two files
  // split at a sampled key. Every key is put twice in a row (the second
  // wins) and every seventh deleted right after, so whatever key the split
  // falls on has several records, which must all land on one side.
  rocksdb::WriteBatch batch;
  const int keys = 5000;
  for (int i = 0; i < keys; ++i) {
    const std::string key = fmt::format("k{:05}", i);
    ASSERT_TRUE(batch.Put(rows(), key, fmt::format("first{}", i)).ok());
    ASSERT_TRUE(batch.Put(rows(), key, fmt::format("last{}", i)).ok());
    if (i % 7 == 0) {
      ASSERT_TRUE(batch.Delete(rows(), key).ok());
    }
  }
  ASSERT_OK(engine_->Commit(&batch).status());
  EXPECT_EQ(engine_->commit_stats().ingested, 1u);
  std::vector<rocksdb::LiveFileMetaData> files;
  engine_->db()->GetLiveFilesMetaData(&files);
  EXPECT_EQ(std::count_if(files.begin(), files.end(),
                          [](const rocksdb::LiveFileMetaData& f) {
                            return f.column_family_name == ColumnFamilyName(ColumnFamily::kRows);
                          }),
            2);
  const Snapshot now = engine_->TakeSnapshot();
  int present = 0;
  for (int i = 0; i < keys; ++i) {
    const std::optional<std::string> value =
        Read(now, ColumnFamily::kRows, fmt::format("k{:05}", i));
    if (i % 7 == 0) {
      EXPECT_EQ(value, std::nullopt) << i;
    } else {
      EXPECT_EQ(value, fmt::format("last{}", i)) << i;
      ++present;
    }
  }
  EXPECT_EQ(present, keys - (keys + 6) / 7);
  // A scan sees every surviving key once, in order.
  auto it = engine_->NewIterator(now, ColumnFamily::kRows);
  int scanned = 0;
  std::string previous;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EXPECT_LT(previous, it->key());
    previous = std::string(it->key());
    ++scanned;
  }
  EXPECT_EQ(scanned, present);
}

TEST_F(BatchIngestionTest, IngestionKeepsTheWalAPrefixOfCommits) {
  // An unsynced commit before an ingested one: the ingestion syncs the WAL
  // first, so no crash can keep the later commit and lose the earlier.
  rocksdb::WriteBatch unsynced;
  ASSERT_TRUE(unsynced.Put(rows(), "a", "1").ok());
  ASSERT_OK(engine_->Commit(&unsynced, {.sync = false, .stamp = {}}).status());
  rocksdb::WriteBatch large;
  PutMany(&large, 0, 100);
  ASSERT_OK(engine_->Commit(&large).status());
  EXPECT_EQ(engine_->commit_stats().ingested, 1u);
  // Kill-like reopen: nothing flushed on purpose; the WAL must hold "a".
  engine_.reset();
  Open();
  EXPECT_EQ(Read(engine_->TakeSnapshot(), ColumnFamily::kRows, "a"), "1");
}

TEST_F(BatchIngestionTest, BulkLoadTransactionIsIngestedAndStillConflictsPerKey) {
  // A deferred (bulk-load) transaction large enough to be ingested.
  auto load = engine_->BeginTransaction();
  auto rival = engine_->BeginTransaction();
  for (int i = 0; i < 10000; ++i) {
    ASSERT_OK(load->PutDeferred(ColumnFamily::kRows, fmt::format("r{:06}", i), "loaded", true));
  }
  EXPECT_TRUE(load->HasDeferredPut(ColumnFamily::kRows, "r004242"));
  EXPECT_FALSE(load->HasDeferredPut(ColumnFamily::kRows, "r010000"));
  EXPECT_FALSE(load->HasDeferredPut(ColumnFamily::kPkIndex, "r004242"));
  ASSERT_OK(load->Commit().status());
  EXPECT_EQ(engine_->commit_stats().ingested, 1u);
  EXPECT_EQ(Read(engine_->TakeSnapshot(), ColumnFamily::kRows, "r009999"), "loaded");

  // The rival's snapshot predates the load and it writes one loaded key:
  // first committer wins (the load's 10000 keys are one conflict block).
  ASSERT_OK(rival->Put(ColumnFamily::kRows, "r007777", "rival"));
  ASSERT_SQLSTATE(rival->Commit(), SqlState::kSerializationFailure);
  auto other = engine_->BeginTransaction();
  ASSERT_OK(other->Put(ColumnFamily::kRows, "r007777", "later"));
  ASSERT_OK(other->Commit().status());
}

TEST_F(BatchIngestionTest, BatchesOverEightMiBAreScannedInParallelWithTheSameOutcome) {
  // Over 8 MiB in several batches, scanned by two threads. Each batch is in
  // key order; for kRows the second starts below where the first ends, so
  // the family as a whole is not and must be sorted (not streamed or split).
  const std::string value(60, 'v');
  auto key = [](int i) { return fmt::format("b{:07}", i); };
  const int n = 150000;
  rocksdb::WriteBatch upper, lower, index_first, index_second;
  for (int i = n / 2; i < n; ++i) ASSERT_TRUE(upper.Put(rows(), key(i), value + "2").ok());
  for (int i = 0; i < n / 2; ++i) ASSERT_TRUE(lower.Put(rows(), key(i), value + "3").ok());
  rocksdb::ColumnFamilyHandle* index = engine_->handle(ColumnFamily::kPkIndex);
  for (int i = 0; i < n / 2; ++i) ASSERT_TRUE(index_first.Put(index, key(i), value + "1").ok());
  for (int i = n / 2; i < n; ++i) ASSERT_TRUE(index_second.Put(index, key(i), value + "1").ok());
  const rocksdb::WriteBatch* batches[] = {&upper, &index_first, &lower, &index_second};
  rocksdb::ColumnFamilyHandle* families[] = {rows(), index};
  bool ingested = false;
  ASSERT_OK(
      IngestBatches(engine_->db(), families, dir_.str() + "/scan-test", 1, batches, &ingested));
  ASSERT_TRUE(ingested);

  for (const auto& [handle, first_value, second_value] :
       {std::tuple{index, value + "1", value + "1"},
        std::tuple{rows(), value + "3", value + "2"}}) {
    std::unique_ptr<rocksdb::Iterator> it(
        engine_->db()->NewIterator(rocksdb::ReadOptions(), handle));
    int i = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
      ASSERT_EQ(it->key().ToString(), key(i));
      ASSERT_EQ(it->value().ToString(), i < n / 2 ? first_value : second_value) << i;
    }
    ASSERT_TRUE(it->status().ok());
    EXPECT_EQ(i, n);
  }
}

// Snapshots taken while ingested commits land (TakeSnapshot may fall in an
// ingestion's last step, where RocksDB's sequence has moved before the
// pipeline knows the outcome) each hold exactly the commits up to their LSN.
TEST_F(BatchIngestionTest, SnapshotsTakenDuringIngestionsMatchTheirLsn) {
  std::map<Lsn, int> round_of_lsn;  // commit LSN -> round whose values it wrote
  std::mutex mu;
  std::atomic<bool> done{false};
  std::atomic<int> checked{0}, wrong{0};
  std::thread reader([&] {
    while (!done.load()) {
      Snapshot snapshot = engine_->TakeSnapshot();
      int expected = -1;
      {
        std::lock_guard lock(mu);
        auto it = round_of_lsn.upper_bound(snapshot.lsn());
        // A commit's LSN is recorded only after Commit returns: judge only
        // snapshots at or below the last recorded one.
        if (round_of_lsn.empty() || snapshot.lsn() > round_of_lsn.rbegin()->first) continue;
        if (it != round_of_lsn.begin()) expected = std::prev(it)->second;
      }
      const std::optional<std::string> value = Read(snapshot, ColumnFamily::kRows, "k0042");
      const std::string want = expected < 0 ? "" : fmt::format("r{}-42", expected);
      if (value.value_or("") != want) wrong.fetch_add(1);
      checked.fetch_add(1);
    }
  });
  for (int round = 0; round < 40; ++round) {
    rocksdb::WriteBatch batch;
    PutMany(&batch, 0, 100, fmt::format("r{}-", round));
    auto lsn = engine_->Commit(&batch);
    ASSERT_TRUE(lsn.ok());
    std::lock_guard lock(mu);
    round_of_lsn[*lsn] = round;
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(engine_->commit_stats().ingested, 40u);
  EXPECT_GT(checked.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(WriteConflictIndexBlockTest, LargeWriteSetsAreCheckedAsABlockAndTrimmed) {
  WriteConflictIndex index;
  std::vector<uint64_t> hashes;
  for (uint64_t i = 0; i < WriteConflictIndex::kMinBlockKeys; ++i) hashes.push_back(i * 7919 + 3);
  std::reverse(hashes.begin(), hashes.end());  // sorted by RecordAll
  index.Record(42, 5);
  index.RecordAll(hashes, 6);
  index.RecordAll(std::vector<uint64_t>{100, 200}, 7);
  EXPECT_EQ(index.size(), hashes.size() + 3);
  EXPECT_TRUE(index.WrittenAfter(3, 5));
  EXPECT_FALSE(index.WrittenAfter(3, 6));
  EXPECT_TRUE(index.WrittenAfter(7919 * 100 + 3, 0));
  EXPECT_FALSE(index.WrittenAfter(4, 0));
  EXPECT_TRUE(index.WrittenAfter(42, 4));
  EXPECT_TRUE(index.WrittenAfter(200, 6));
  index.TrimUpTo(6);
  EXPECT_FALSE(index.WrittenAfter(3, 0));
  EXPECT_TRUE(index.WrittenAfter(100, 6));
  EXPECT_EQ(index.size(), 2u);
}

TEST(HashSet64Test, InsertsFindsAndGrows) {
  HashSet64 set;
  EXPECT_FALSE(set.Contains(5));
  for (uint64_t i = 1; i <= 100000; ++i) EXPECT_TRUE(set.Insert(i * 0x9e3779b97f4a7c15ull));
  EXPECT_FALSE(set.Insert(7 * 0x9e3779b97f4a7c15ull));
  EXPECT_EQ(set.size(), 100000u);
  for (uint64_t i = 1; i <= 100000; ++i) ASSERT_TRUE(set.Contains(i * 0x9e3779b97f4a7c15ull));
  EXPECT_FALSE(set.Contains(100001 * 0x9e3779b97f4a7c15ull));
  EXPECT_TRUE(set.Insert(0));
  EXPECT_TRUE(set.Contains(0));
  set.Clear();
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.Contains(0x9e3779b97f4a7c15ull));
}

}  // namespace
}  // namespace strata::storage
