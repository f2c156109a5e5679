#include "storage/transaction.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include "storage/engine.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::storage {
namespace {

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StorageOptions options;
    options.block_cache_bytes = 8 << 20;
    options.write_buffer_bytes = 4 << 20;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_.str(), options));
  }

  Status CommitOne(ColumnFamily cf, std::string_view key, std::string_view value) {
    auto txn = engine_->BeginTransaction();
    STRATA_RETURN_IF_ERROR(txn->Put(cf, key, value));
    return txn->Commit().status();
  }

  std::optional<std::string> Read(ColumnFamily cf, std::string_view key) {
    const Snapshot snap = engine_->TakeSnapshot();
    Result<std::optional<std::string>> value = engine_->Get(snap, cf, key);
    EXPECT_OK(value);
    return value.ok() ? *value : std::nullopt;
  }

  strata::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(TransactionTest, SeesItsOwnWritesOverItsSnapshot) {
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "a", "old-a"));
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "b", "old-b"));
  auto txn = engine_->BeginTransaction();
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "c", "committed-later"));

  ASSERT_OK(txn->Put(ColumnFamily::kRows, "a", "new-a"));
  ASSERT_OK(txn->Delete(ColumnFamily::kRows, "b"));
  ASSERT_OK(txn->Put(ColumnFamily::kRows, "d", "new-d"));

  ASSERT_OK_AND_ASSIGN(auto a, txn->Get(ColumnFamily::kRows, "a"));
  ASSERT_OK_AND_ASSIGN(auto b, txn->Get(ColumnFamily::kRows, "b"));
  ASSERT_OK_AND_ASSIGN(auto c, txn->Get(ColumnFamily::kRows, "c"));
  EXPECT_EQ(a, "new-a");
  EXPECT_FALSE(b.has_value());
  EXPECT_FALSE(c.has_value()) << "committed after the transaction's snapshot";

  const std::vector<std::string_view> keys = {"d", "c", "b", "a"};
  ASSERT_OK_AND_ASSIGN(auto values, txn->MultiGet(ColumnFamily::kRows, keys));
  EXPECT_EQ(values, (std::vector<std::optional<std::string>>{"new-d", std::nullopt, std::nullopt,
                                                             "new-a"}));

  auto it = txn->NewIterator(ColumnFamily::kRows);
  std::vector<std::string> seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen.push_back(std::string(it->key()) + "=" + std::string(it->value()));
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(seen, (std::vector<std::string>{"a=new-a", "d=new-d"}));

  EXPECT_EQ(Read(ColumnFamily::kRows, "a"), "old-a") << "uncommitted writes are private";
}

TEST_F(TransactionTest, IteratorBoundsApplyToOwnWritesToo) {
  for (const char* key : {"a", "c", "e"}) ASSERT_OK(CommitOne(ColumnFamily::kRows, key, "db"));
  auto txn = engine_->BeginTransaction();
  for (const char* key : {"a0", "b", "d", "f"})
    ASSERT_OK(txn->Put(ColumnFamily::kRows, key, "txn"));

  auto it = txn->NewIterator(ColumnFamily::kRows, {.lower = "b", .upper = "e"});
  std::vector<std::string> forward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) forward.emplace_back(it->key());
  EXPECT_EQ(forward, (std::vector<std::string>{"b", "c", "d"}));
  std::vector<std::string> backward;
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward.emplace_back(it->key());
  EXPECT_EQ(backward, (std::vector<std::string>{"d", "c", "b"}));
}

TEST_F(TransactionTest, CommitMakesWritesVisibleAtItsLsn) {
  auto txn = engine_->BeginTransaction();
  ASSERT_OK(txn->Put(ColumnFamily::kRows, "k", "v"));
  ASSERT_OK(txn->Put(ColumnFamily::kCatalog, "t", "table"));
  ASSERT_OK_AND_ASSIGN(const Lsn lsn, txn->Commit());
  EXPECT_EQ(lsn, engine_->last_committed_lsn());
  EXPECT_FALSE(txn->active());
  EXPECT_EQ(Read(ColumnFamily::kRows, "k"), "v");
  EXPECT_EQ(Read(ColumnFamily::kCatalog, "t"), "table");
  ASSERT_SQLSTATE(txn->Put(ColumnFamily::kRows, "k", "again"), SqlState::kNoActiveSqlTransaction);
  ASSERT_SQLSTATE(txn->Commit(), SqlState::kNoActiveSqlTransaction);
}

TEST_F(TransactionTest, ReadOnlyCommitTakesNoLsn) {
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "k", "v"));
  const Lsn before = engine_->last_committed_lsn();
  auto txn = engine_->BeginTransaction();
  ASSERT_OK_AND_ASSIGN(auto v, txn->Get(ColumnFamily::kRows, "k"));
  EXPECT_EQ(v, "v");
  ASSERT_OK_AND_ASSIGN(const Lsn lsn, txn->Commit());
  EXPECT_EQ(lsn, kInvalidLsn);
  EXPECT_EQ(engine_->last_committed_lsn(), before);
}

TEST_F(TransactionTest, RollbackDiscardsWrites) {
  auto txn = engine_->BeginTransaction();
  ASSERT_OK(txn->Put(ColumnFamily::kRows, "k", "v"));
  txn->Rollback();
  EXPECT_FALSE(txn->active());
  EXPECT_FALSE(Read(ColumnFamily::kRows, "k").has_value());
  EXPECT_EQ(engine_->last_committed_lsn(), kInvalidLsn);
  EXPECT_EQ(engine_->pipeline()->active_snapshot_count(), 0u);
}

TEST_F(TransactionTest, DeferredPutsAreIndexedBeforeTheirFamilyIsReadOrWritten) {
  auto txn = engine_->BeginTransaction();
  ASSERT_OK(txn->PutDeferred(ColumnFamily::kRows, "a", "1", /*tracked=*/true));
  EXPECT_TRUE(txn->HasDeferredPut(ColumnFamily::kRows, "a"));
  EXPECT_FALSE(txn->HasDeferredPut(ColumnFamily::kPkIndex, "a"));
  const std::vector<std::string_view> keys = {"a"};
  ASSERT_OK_AND_ASSIGN(auto blind, txn->MultiGetWithoutDeferred(ColumnFamily::kRows, keys));
  EXPECT_FALSE(blind[0].has_value());
  // Reading another family leaves them deferred.
  ASSERT_OK(txn->Get(ColumnFamily::kCatalog, "a"));
  EXPECT_TRUE(txn->HasDeferredPut(ColumnFamily::kRows, "a"));
  // Reading their family indexes them.
  ASSERT_OK_AND_ASSIGN(auto a, txn->Get(ColumnFamily::kRows, "a"));
  EXPECT_EQ(a, "1");
  EXPECT_FALSE(txn->HasDeferredPut(ColumnFamily::kRows, "a"));
  ASSERT_OK_AND_ASSIGN(auto seen, txn->MultiGetWithoutDeferred(ColumnFamily::kRows, keys));
  EXPECT_EQ(seen[0], "1");

  // A Delete after a deferred Put of the same key wins, read or committed.
  ASSERT_OK(txn->PutDeferred(ColumnFamily::kRows, "b", "2", /*tracked=*/true));
  ASSERT_OK(txn->Delete(ColumnFamily::kRows, "b"));
  ASSERT_OK_AND_ASSIGN(auto b, txn->Get(ColumnFamily::kRows, "b"));
  EXPECT_FALSE(b.has_value());
  ASSERT_OK(txn->PutDeferred(ColumnFamily::kRows, "c", "3", /*tracked=*/true));
  auto it = txn->NewIterator(ColumnFamily::kRows);
  std::vector<std::string> listed;
  for (it->SeekToFirst(); it->Valid(); it->Next()) listed.push_back(std::string(it->key()));
  EXPECT_EQ(listed, (std::vector<std::string>{"a", "c"})) << "an iterator sees deferred puts";
  ASSERT_OK(txn->Commit());
  EXPECT_EQ(Read(ColumnFamily::kRows, "a"), "1");
  EXPECT_FALSE(Read(ColumnFamily::kRows, "b").has_value());
  EXPECT_EQ(Read(ColumnFamily::kRows, "c"), "3");
}

// Both ways a commit reaches RocksDB: the WAL, and ingested SST files (a
// commit above StorageOptions::ingest_commit_bytes).
class DeferredChunksTest : public TransactionTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    StorageOptions options;
    options.block_cache_bytes = 8 << 20;
    options.write_buffer_bytes = 4 << 20;
    options.ingest_commit_bytes = GetParam() ? 1024 : 0;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_.str(), options));
  }
};

TEST_P(DeferredChunksTest, DeferredPutsCommitAfterIndexedWritesInOrderAcrossChunks) {
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "k", "committed"));
  auto txn = engine_->BeginTransaction();
  ASSERT_OK(txn->Delete(ColumnFamily::kRows, "k"));
  ASSERT_OK(txn->PutDeferred(ColumnFamily::kRows, "k", "reloaded", /*tracked=*/true));
  // ~20 MB: many chunks, the later ones prepared by another thread; a key
  // put twice keeps its later value.
  const std::string value(200, 'v');
  constexpr int kKeys = 100000;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_OK(txn->PutDeferred(ColumnFamily::kRows, "r" + std::to_string(i), value));
  }
  ASSERT_OK(txn->PutDeferred(ColumnFamily::kRows, "r7", "last"));
  ASSERT_OK(txn->Commit());
  EXPECT_EQ(engine_->commit_stats().ingested, GetParam() ? 1u : 0u);
  EXPECT_EQ(Read(ColumnFamily::kRows, "k"), "reloaded");
  EXPECT_EQ(Read(ColumnFamily::kRows, "r7"), "last");
  EXPECT_EQ(Read(ColumnFamily::kRows, "r99999"), value);
  const Snapshot snap = engine_->TakeSnapshot();
  auto check = engine_->BeginTransaction();
  auto it = check->NewIterator(ColumnFamily::kRows);
  int rows = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  ASSERT_OK(it->status());
  EXPECT_EQ(rows, kKeys + 1);
}

INSTANTIATE_TEST_SUITE_P(WalAndIngestion, DeferredChunksTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Ingested" : "ThroughTheWal";
                         });

TEST_F(TransactionTest, TrackedDeferredPutsTakePartInWriteConflicts) {
  auto loader = engine_->BeginTransaction();
  auto writer = engine_->BeginTransaction();
  ASSERT_OK(loader->PutDeferred(ColumnFamily::kRows, "k", "loaded", /*tracked=*/true));
  ASSERT_OK(writer->Put(ColumnFamily::kRows, "k", "written"));
  ASSERT_OK(writer->Commit());
  ASSERT_SQLSTATE(loader->Commit(), SqlState::kSerializationFailure);
  EXPECT_EQ(Read(ColumnFamily::kRows, "k"), "written");
}

TEST_F(TransactionTest, LaterCommitterOfTheSameKeyFailsWith40001) {
  auto first = engine_->BeginTransaction();
  auto second = engine_->BeginTransaction();
  ASSERT_OK(first->Put(ColumnFamily::kRows, "k", "first"));
  ASSERT_OK(second->Put(ColumnFamily::kRows, "k", "second"));
  ASSERT_OK(first->Commit());
  const Lsn after_first = engine_->last_committed_lsn();

  const Result<Lsn> lost = second->Commit();
  ASSERT_SQLSTATE(lost, SqlState::kSerializationFailure);
  EXPECT_EQ(lost.status().message(), "could not serialize access due to concurrent update");
  EXPECT_FALSE(second->active());
  EXPECT_EQ(engine_->last_committed_lsn(), after_first) << "a failed commit takes no LSN";
  EXPECT_EQ(Read(ColumnFamily::kRows, "k"), "first");
}

TEST_F(TransactionTest, DeleteConflictsWithConcurrentUpdate) {
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "k", "v0"));
  auto deleter = engine_->BeginTransaction();
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "k", "v1"));
  ASSERT_OK(deleter->Delete(ColumnFamily::kRows, "k"));
  ASSERT_SQLSTATE(deleter->Commit(), SqlState::kSerializationFailure);
}

TEST_F(TransactionTest, ConflictOnTheEmptyDatabaseIsDetected) {
  // Snapshot LSN 0 (nothing committed yet) is a real snapshot.
  auto first = engine_->BeginTransaction();
  auto second = engine_->BeginTransaction();
  EXPECT_EQ(second->snapshot_lsn(), kInvalidLsn);
  ASSERT_OK(first->Put(ColumnFamily::kRows, "k", "first"));
  ASSERT_OK(second->Put(ColumnFamily::kRows, "k", "second"));
  ASSERT_OK(first->Commit());
  ASSERT_SQLSTATE(second->Commit(), SqlState::kSerializationFailure);
}

TEST_F(TransactionTest, DisjointKeysBothCommit) {
  auto first = engine_->BeginTransaction();
  auto second = engine_->BeginTransaction();
  ASSERT_OK(first->Put(ColumnFamily::kRows, "a", "1"));
  ASSERT_OK(second->Put(ColumnFamily::kRows, "b", "2"));
  ASSERT_OK_AND_ASSIGN(const Lsn a, first->Commit());
  ASSERT_OK_AND_ASSIGN(const Lsn b, second->Commit());
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(Read(ColumnFamily::kRows, "a"), "1");
  EXPECT_EQ(Read(ColumnFamily::kRows, "b"), "2");
}

TEST_F(TransactionTest, UntrackedColumnFamiliesDoNotConflict) {
  auto first = engine_->BeginTransaction();
  auto second = engine_->BeginTransaction();
  ASSERT_OK(first->Put(ColumnFamily::kDelvec, "segment-1", "a"));
  ASSERT_OK(second->Put(ColumnFamily::kDelvec, "segment-1", "b"));
  ASSERT_OK(first->Commit());
  ASSERT_OK(second->Commit());

  TransactionOptions tracked;
  tracked.conflict_column_families = {ColumnFamily::kDelvec};
  auto third = engine_->BeginTransaction(tracked);
  auto fourth = engine_->BeginTransaction(tracked);
  ASSERT_OK(third->Put(ColumnFamily::kDelvec, "segment-1", "c"));
  ASSERT_OK(fourth->Put(ColumnFamily::kDelvec, "segment-1", "d"));
  ASSERT_OK(third->Commit());
  ASSERT_SQLSTATE(fourth->Commit(), SqlState::kSerializationFailure);
}

TEST_F(TransactionTest, ConflictIndexIsTrimmedBelowTheOldestSnapshot) {
  Snapshot pinned = engine_->TakeSnapshot();
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "a", "1"));
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "b", "2"));
  EXPECT_EQ(engine_->pipeline()->tracked_write_count(), 2u) << "pinned snapshot may still conflict";

  EXPECT_EQ(engine_->pipeline()->OldestSnapshotLsn(), pinned.lsn());
  pinned.Release();
  // The committing transaction's own snapshot (LSN 2) is the oldest now: "a"
  // and "b" can no longer conflict with anyone; "c" (LSN 3) still could.
  ASSERT_OK(CommitOne(ColumnFamily::kRows, "c", "3"));
  EXPECT_EQ(engine_->pipeline()->tracked_write_count(), 1u);
  rocksdb::WriteBatch empty;
  ASSERT_OK(engine_->Commit(&empty));
  EXPECT_EQ(engine_->pipeline()->tracked_write_count(), 0u);
}

// Read-modify-write increments from many threads, retried on 40001: first
// committer wins means no increment is ever lost.
TEST_F(TransactionTest, ConcurrentIncrementsNeverLoseAnUpdate) {
  constexpr int kThreads = 8;
  constexpr int kIncrementsPerThread = 50;
  constexpr int kCounters = 2;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrementsPerThread; ++i) {
        const std::string key = "counter" + std::to_string((t + i) % kCounters);
        while (true) {
          auto txn = engine_->BeginTransaction();
          Result<std::optional<std::string>> current = txn->Get(ColumnFamily::kRows, key);
          ASSERT_OK(current);
          const int value = current->has_value() ? std::stoi(**current) : 0;
          ASSERT_OK(txn->Put(ColumnFamily::kRows, key, std::to_string(value + 1)));
          const Result<Lsn> committed = txn->Commit({.sync = false, .stamp = {}});
          if (committed.ok()) break;
          ASSERT_SQLSTATE(committed, SqlState::kSerializationFailure);
          ++conflicts;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  int total = 0;
  for (int c = 0; c < kCounters; ++c) {
    const auto value = Read(ColumnFamily::kRows, "counter" + std::to_string(c));
    ASSERT_TRUE(value.has_value());
    total += std::stoi(*value);
  }
  EXPECT_EQ(total, kThreads * kIncrementsPerThread);
  EXPECT_EQ(engine_->last_committed_lsn(), static_cast<Lsn>(kThreads * kIncrementsPerThread));
  RecordProperty("conflicts", conflicts.load());
}

}  // namespace
}  // namespace strata::storage
