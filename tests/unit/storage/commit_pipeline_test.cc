#include "storage/commit_pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/engine.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::storage {
namespace {

std::string EncodeLsn(Lsn lsn) {
  std::string key;
  AppendLsnBigEndian(&key, lsn);
  return key;
}

class CommitPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    StorageOptions options;
    options.block_cache_bytes = 8 << 20;
    options.write_buffer_bytes = 4 << 20;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_.str(), options));
  }

  // A commit stamp that writes a binlog record keyed by the commit's LSN.
  CommitStamp BinlogStamp(std::string value) {
    rocksdb::ColumnFamilyHandle* binlog = engine_->handle(ColumnFamily::kBinlog);
    return [binlog, value = std::move(value)](Lsn lsn, rocksdb::WriteBatch* batch) -> Status {
      const rocksdb::Status s = batch->Put(binlog, EncodeLsn(lsn), value);
      return s.ok() ? Status::OK() : Status::Internal(s.ToString());
    };
  }

  strata::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(CommitPipelineTest, AssignsStrictlyIncreasingGapFreeLsns) {
  EXPECT_EQ(engine_->last_committed_lsn(), kInvalidLsn);
  for (Lsn expected = 1; expected <= 5; ++expected) {
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(
        batch.Put(engine_->handle(ColumnFamily::kRows), fmt::format("k{}", expected), "v").ok());
    ASSERT_OK_AND_ASSIGN(const Lsn lsn, engine_->Commit(&batch));
    EXPECT_EQ(lsn, expected);
    EXPECT_EQ(engine_->last_committed_lsn(), expected);
  }
  const CommitStats stats = engine_->commit_stats();
  EXPECT_EQ(stats.commits, 5u);
  EXPECT_EQ(stats.groups, 5u);
  EXPECT_EQ(stats.wal_syncs, 5u);
}

TEST_F(CommitPipelineTest, StampSeesTheCommitsLsnAndBatchIsLeftAsPassedIn) {
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(engine_->handle(ColumnFamily::kRows), "k", "v").ok());
  const std::string before = batch.Data();
  const uint32_t count_before = batch.Count();
  Lsn stamped = kInvalidLsn;
  CommitOptions options;
  options.stamp = [&, binlog = BinlogStamp("change")](Lsn lsn, rocksdb::WriteBatch* b) {
    stamped = lsn;
    return binlog(lsn, b);
  };
  ASSERT_OK_AND_ASSIGN(const Lsn lsn, engine_->Commit(&batch, options));
  EXPECT_EQ(stamped, lsn);
  // The same records; RocksDB wrote its sequence number into the 12-byte header.
  EXPECT_EQ(batch.Count(), count_before);
  EXPECT_EQ(batch.Data().substr(12), before.substr(12));

  const Snapshot snap = engine_->TakeSnapshot();
  ASSERT_OK_AND_ASSIGN(auto record, engine_->Get(snap, ColumnFamily::kBinlog, EncodeLsn(lsn)));
  EXPECT_EQ(record, "change");
  ASSERT_OK_AND_ASSIGN(auto persisted,
                       engine_->Get(snap, ColumnFamily::kMeta, CommitPipeline::kLastLsnKey));
  EXPECT_EQ(persisted, EncodeLsn(lsn));
}

TEST_F(CommitPipelineTest, FailedStampConsumesNoLsn) {
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(engine_->handle(ColumnFamily::kRows), "k", "v").ok());
  CommitOptions failing;
  failing.stamp = [](Lsn, rocksdb::WriteBatch*) { return Status::Internal("stamp failed"); };
  ASSERT_SQLSTATE(engine_->Commit(&batch, failing), SqlState::kInternalError);
  EXPECT_EQ(engine_->last_committed_lsn(), kInvalidLsn);
  const Snapshot snap = engine_->TakeSnapshot();
  ASSERT_OK_AND_ASSIGN(auto absent, engine_->Get(snap, ColumnFamily::kRows, "k"));
  EXPECT_FALSE(absent.has_value());

  ASSERT_OK_AND_ASSIGN(const Lsn lsn, engine_->Commit(&batch));
  EXPECT_EQ(lsn, 1u);
}

TEST_F(CommitPipelineTest, FailedWriteReusesItsLsnAndRestoresTheBatch) {
  // A batch capped at its current size: the pipeline cannot append the
  // last_lsn record, so the group write fails.
  rocksdb::WriteBatch probe;
  ASSERT_TRUE(probe.Put(engine_->handle(ColumnFamily::kRows), "k", "v").ok());
  rocksdb::WriteBatch capped(0, probe.GetDataSize());
  ASSERT_TRUE(capped.Put(engine_->handle(ColumnFamily::kRows), "k", "v").ok());
  const std::string before = capped.Data();

  ASSERT_SQLSTATE(engine_->Commit(&capped), SqlState::kOutOfMemory);
  EXPECT_EQ(capped.Data(), before);
  EXPECT_EQ(engine_->last_committed_lsn(), kInvalidLsn);
  EXPECT_EQ(engine_->commit_stats().failed_commits, 1u);

  ASSERT_OK_AND_ASSIGN(const Lsn lsn, engine_->Commit(&probe));
  EXPECT_EQ(lsn, 1u);
}

TEST_F(CommitPipelineTest, AsyncCommitIsOrderedButNotSynced) {
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(engine_->handle(ColumnFamily::kRows), "k", "v").ok());
  ASSERT_OK_AND_ASSIGN(const Lsn first, engine_->Commit(&batch, {.sync = false, .stamp = {}}));
  ASSERT_OK_AND_ASSIGN(const Lsn second, engine_->Commit(&batch, {.sync = true, .stamp = {}}));
  EXPECT_EQ(second, first + 1);
  EXPECT_EQ(engine_->commit_stats().groups, 2u);
  EXPECT_EQ(engine_->commit_stats().wal_syncs, 1u);
}

// 16 threads commit small batches, each stamped with a binlog record keyed by
// its LSN, while a reader checks that every snapshot at LSN L holds exactly
// the binlog records 1..L.
TEST_F(CommitPipelineTest, ConcurrentCommitsAreGroupedGapFreeAndDurable) {
  constexpr int kThreads = 16;
  constexpr int kCommitsPerThread = 100;
  constexpr int kTotal = kThreads * kCommitsPerThread;

  std::mutex mu;
  std::vector<Lsn> stamp_order;  // LSNs in the order the pipeline stamped them
  std::vector<std::vector<Lsn>> returned(kThreads);
  std::atomic<bool> writers_done{false};
  std::atomic<int> snapshot_errors{0};
  std::atomic<int> snapshots_checked{0};

  std::thread reader([&] {
    while (!writers_done.load()) {
      const Snapshot snap = engine_->TakeSnapshot();
      const Lsn lsn = snap.lsn();
      if (lsn == kInvalidLsn) continue;
      auto newest = engine_->Get(snap, ColumnFamily::kBinlog, EncodeLsn(lsn));
      auto beyond = engine_->Get(snap, ColumnFamily::kBinlog, EncodeLsn(lsn + 1));
      if (!newest.ok() || !newest->has_value() || !beyond.ok() || beyond->has_value()) {
        ++snapshot_errors;
      }
      ++snapshots_checked;
    }
  });

  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kCommitsPerThread; ++i) {
        rocksdb::WriteBatch batch;
        ASSERT_TRUE(
            batch.Put(engine_->handle(ColumnFamily::kRows), fmt::format("t{:02}-{:04}", t, i), "v")
                .ok());
        CommitOptions options;
        options.stamp = [&, binlog = BinlogStamp(fmt::format("{}/{}", t, i))](
                            Lsn lsn, rocksdb::WriteBatch* b) {
          {
            std::lock_guard lock(mu);
            stamp_order.push_back(lsn);
          }
          return binlog(lsn, b);
        };
        Result<Lsn> lsn = engine_->Commit(&batch, options);
        ASSERT_OK(lsn);
        returned[t].push_back(*lsn);
      }
    });
  }
  for (std::thread& w : writers) w.join();
  writers_done = true;
  reader.join();

  ASSERT_EQ(stamp_order.size(), static_cast<size_t>(kTotal));
  for (int i = 0; i < kTotal; ++i) ASSERT_EQ(stamp_order[i], static_cast<Lsn>(i + 1));
  std::vector<Lsn> all;
  for (const auto& lsns : returned) {
    EXPECT_TRUE(std::is_sorted(lsns.begin(), lsns.end()));
    all.insert(all.end(), lsns.begin(), lsns.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kTotal));
  for (int i = 0; i < kTotal; ++i) ASSERT_EQ(all[i], static_cast<Lsn>(i + 1));
  EXPECT_EQ(engine_->last_committed_lsn(), static_cast<Lsn>(kTotal));
  EXPECT_EQ(snapshot_errors.load(), 0) << "of " << snapshots_checked.load();

  const CommitStats stats = engine_->commit_stats();
  EXPECT_EQ(stats.commits, static_cast<uint64_t>(kTotal));
  EXPECT_EQ(stats.wal_syncs, stats.groups);
  EXPECT_LT(stats.wal_syncs, stats.commits) << "no group commit under contention";

  engine_.reset();
  Open();
  EXPECT_EQ(engine_->last_committed_lsn(), static_cast<Lsn>(kTotal));
  const Snapshot snap = engine_->TakeSnapshot();
  auto rows = engine_->NewIterator(snap, ColumnFamily::kRows);
  int row_count = 0;
  for (rows->SeekToFirst(); rows->Valid(); rows->Next()) ++row_count;
  EXPECT_EQ(row_count, kTotal);
  auto binlog = engine_->NewIterator(snap, ColumnFamily::kBinlog);
  Lsn expected = 1;
  for (binlog->SeekToFirst(); binlog->Valid(); binlog->Next(), ++expected) {
    ASSERT_EQ(binlog->key(), EncodeLsn(expected));
  }
  EXPECT_EQ(expected, static_cast<Lsn>(kTotal + 1));
}

// Asynchronous commits (CommitAsync) line up in the same queue as
// synchronous ones: 2 threads commit synchronously while this thread queues
// asynchronous commits; together they get LSNs 1..N, each callback runs
// once, and every commit is in RocksDB after a reopen.
TEST_F(CommitPipelineTest, AsyncCommitsShareTheQueueWithSynchronousOnes) {
  constexpr int kSyncThreads = 2;
  constexpr int kSyncCommits = 150;
  constexpr int kAsyncCommits = 300;
  constexpr int kTotal = kSyncThreads * kSyncCommits + kAsyncCommits;
  rocksdb::ColumnFamilyHandle* rows = engine_->handle(ColumnFamily::kRows);

  std::mutex mu;
  std::condition_variable all_done;
  std::vector<Lsn> lsns;
  std::vector<int> calls(kAsyncCommits, 0);
  std::vector<std::thread> writers;
  for (int t = 0; t < kSyncThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kSyncCommits; ++i) {
        rocksdb::WriteBatch batch;
        ASSERT_TRUE(batch.Put(rows, fmt::format("s{}-{:04}", t, i), "v").ok());
        Result<Lsn> lsn = engine_->Commit(&batch);
        ASSERT_OK(lsn);
        std::lock_guard lock(mu);
        lsns.push_back(*lsn);
      }
    });
  }
  // Requests and batches stay untouched until their callbacks.
  std::vector<std::unique_ptr<rocksdb::WriteBatch>> batches;
  std::vector<std::unique_ptr<CommitRequest>> requests;
  for (int i = 0; i < kAsyncCommits; ++i) {
    batches.push_back(std::make_unique<rocksdb::WriteBatch>());
    ASSERT_TRUE(batches.back()->Put(rows, fmt::format("a-{:04}", i), "v").ok());
    requests.push_back(std::make_unique<CommitRequest>());
    requests.back()->batch = batches.back().get();
    engine_->pipeline()->CommitAsync(*requests.back(), [&, i](Result<Lsn> lsn) {
      std::lock_guard lock(mu);
      ++calls[i];
      if (lsn.ok()) lsns.push_back(*lsn);
      all_done.notify_all();
    });
  }
  for (std::thread& w : writers) w.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(all_done.wait_for(lock, std::chrono::seconds(60),
                                  [&] { return lsns.size() == static_cast<size_t>(kTotal); }));
  }
  for (int i = 0; i < kAsyncCommits; ++i) ASSERT_EQ(calls[i], 1) << i;
  std::sort(lsns.begin(), lsns.end());
  for (int i = 0; i < kTotal; ++i) ASSERT_EQ(lsns[i], static_cast<Lsn>(i + 1));
  EXPECT_EQ(engine_->last_committed_lsn(), static_cast<Lsn>(kTotal));

  engine_.reset();
  Open();
  const Snapshot snap = engine_->TakeSnapshot();
  auto it = engine_->NewIterator(snap, ColumnFamily::kRows);
  int row_count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++row_count;
  EXPECT_EQ(row_count, kTotal);
}

// An asynchronous commit's conflict reaches its callback; nothing of it is
// written and it consumes no LSN.
TEST_F(CommitPipelineTest, AsyncCommitReportsAConflictToItsCallback) {
  rocksdb::ColumnFamilyHandle* rows = engine_->handle(ColumnFamily::kRows);
  const Snapshot before = engine_->TakeSnapshot();
  const uint64_t key_hash = WriteConflictIndex::HashKey(ColumnFamily::kRows, "k");
  rocksdb::WriteBatch first;
  ASSERT_TRUE(first.Put(rows, "k", "first").ok());
  CommitRequest winner;
  winner.batch = &first;
  winner.snapshot_lsn = before.lsn();
  winner.write_set = std::span<const uint64_t>(&key_hash, 1);
  ASSERT_OK(engine_->pipeline()->Commit(winner));

  rocksdb::WriteBatch second;
  ASSERT_TRUE(second.Put(rows, "k", "second").ok());
  CommitRequest loser = winner;
  loser.batch = &second;
  std::promise<Result<Lsn>> outcome;
  engine_->pipeline()->CommitAsync(loser, [&](Result<Lsn> r) { outcome.set_value(std::move(r)); });
  ASSERT_SQLSTATE(outcome.get_future().get(), SqlState::kSerializationFailure);
  EXPECT_EQ(engine_->last_committed_lsn(), 1u);
  const Snapshot after = engine_->TakeSnapshot();
  ASSERT_OK_AND_ASSIGN(auto value, engine_->Get(after, ColumnFamily::kRows, "k"));
  EXPECT_EQ(value, "first");
}

// Destroying the pipeline first completes the asynchronous commits still
// queued: every callback runs, and every commit survives a reopen.
TEST_F(CommitPipelineTest, ClosingCompletesQueuedAsyncCommits) {
  constexpr int kCommits = 200;
  rocksdb::ColumnFamilyHandle* rows = engine_->handle(ColumnFamily::kRows);
  std::vector<std::unique_ptr<rocksdb::WriteBatch>> batches;
  std::vector<std::unique_ptr<CommitRequest>> requests;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < kCommits; ++i) {
    batches.push_back(std::make_unique<rocksdb::WriteBatch>());
    ASSERT_TRUE(batches.back()->Put(rows, fmt::format("k{:04}", i), "v").ok());
    requests.push_back(std::make_unique<CommitRequest>());
    requests.back()->batch = batches.back().get();
    engine_->pipeline()->CommitAsync(*requests.back(), [&](Result<Lsn> lsn) {
      if (lsn.ok()) ++succeeded;
    });
  }
  engine_.reset();
  EXPECT_EQ(succeeded.load(), kCommits);
  Open();
  EXPECT_EQ(engine_->last_committed_lsn(), static_cast<Lsn>(kCommits));
}

}  // namespace
}  // namespace strata::storage

namespace strata::storage {
namespace {

uint64_t LiveRocksDbSnapshots(Engine* engine) {
  uint64_t n = 0;
  EXPECT_TRUE(engine->db()->GetIntProperty("rocksdb.num-snapshots", &n));
  return n;
}

// Snapshots taken with no commit published in between share one RocksDB
// snapshot; it lives until its last handle goes, in any release order, and a
// commit makes the next snapshot a new one that sees it.
// A stamp can ask whether a key (hash) was written by a commit after a
// snapshot: by an earlier group, or by an earlier member of its own group.
TEST_F(CommitPipelineTest, StampsSeeWhichKeysWereWrittenSinceASnapshot) {
  CommitPipeline* pipeline = engine_->pipeline();
  auto commit = [&](std::vector<uint64_t> write_set, CommitStamp stamp) {
    rocksdb::WriteBatch batch;
    EXPECT_TRUE(batch.Put(engine_->handle(ColumnFamily::kRows), "k", "v").ok());
    CommitRequest request;
    request.batch = &batch;
    request.options.stamp = std::move(stamp);
    request.write_set = write_set;
    EXPECT_OK(pipeline->Commit(request).status());
  };
  commit({1}, nullptr);
  const Snapshot snapshot = pipeline->TakeSnapshot();  // keeps later writes remembered
  const Lsn at = snapshot.lsn();
  commit({2}, nullptr);
  // A leader held in its stamp while two more commits queue behind it: they
  // usually form one group, 4's writer first (if not, 4 is an earlier group
  // by the time the checking stamp runs, and the answer is the same).
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread leader([&] {
    commit({3}, [&](Lsn, rocksdb::WriteBatch*) {
      released.wait();
      return Status::OK();
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread writer([&] { commit({4}, nullptr); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::vector<bool> seen;
  std::thread checker([&] {
    commit({}, [&](Lsn, rocksdb::WriteBatch*) {
      for (const uint64_t key : {1, 2, 3, 4, 5}) {
        seen.push_back(pipeline->MayHaveWrittenSince(key, at));
      }
      return Status::OK();
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.set_value();
  leader.join();
  writer.join();
  checker.join();
  EXPECT_EQ(seen, (std::vector<bool>{false, true, true, true, false}));
}

// A commit marked `alone` gets a group of its own: commits queued before
// and after it are written in other groups.
TEST_F(CommitPipelineTest, AloneCommitsGetAGroupOfTheirOwn) {
  std::mutex mu;
  std::map<std::string, uint64_t> group_of;
  auto commit = [&](std::string name, bool alone, std::shared_future<void> hold) {
    rocksdb::WriteBatch batch;
    EXPECT_TRUE(batch.Put(engine_->handle(ColumnFamily::kRows), name, "v").ok());
    CommitOptions options;
    options.alone = alone;
    options.stamp = [&, name, hold](Lsn, rocksdb::WriteBatch*) {
      if (hold.valid()) hold.wait();
      std::lock_guard<std::mutex> lock(mu);
      group_of[name] = engine_->pipeline()->group_sequence();
      return Status::OK();
    };
    EXPECT_OK(engine_->Commit(&batch, options).status());
  };
  // A leader held in its stamp while a, b (alone), c and d line up behind it.
  std::promise<void> release;
  std::vector<std::thread> threads;
  threads.emplace_back(commit, "leader", false, release.get_future().share());
  for (const auto& [name, alone] : std::vector<std::pair<std::string, bool>>{
           {"a", false}, {"b", true}, {"c", false}, {"d", false}}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    threads.emplace_back(commit, name, alone, std::shared_future<void>());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.set_value();
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(group_of.size(), 5u);
  EXPECT_NE(group_of["a"], group_of["b"]);
  EXPECT_NE(group_of["b"], group_of["c"]);
  // Without `alone` the queued commits share groups: c and d line up
  // together behind b.
  EXPECT_EQ(group_of["c"], group_of["d"]);
  EXPECT_EQ(engine_->commit_stats().groups, 4u);
}

TEST_F(CommitPipelineTest, SnapshotsWithoutACommitBetweenShareOneRocksDbSnapshot) {
  rocksdb::ColumnFamilyHandle* rows = engine_->handle(ColumnFamily::kRows);
  rocksdb::WriteBatch first;
  ASSERT_TRUE(first.Put(rows, "k", "v1").ok());
  ASSERT_OK(engine_->Commit(&first));

  Snapshot a = engine_->TakeSnapshot();
  Snapshot b = engine_->TakeSnapshot();
  EXPECT_EQ(a.rocksdb_snapshot(), b.rocksdb_snapshot());
  EXPECT_EQ(a.lsn(), b.lsn());
  EXPECT_EQ(LiveRocksDbSnapshots(engine_.get()), 1u);
  a.Release();
  EXPECT_EQ(LiveRocksDbSnapshots(engine_.get()), 1u);  // b still reads through it
  ASSERT_OK_AND_ASSIGN(auto at_b, engine_->Get(b, ColumnFamily::kRows, "k"));
  EXPECT_EQ(at_b, "v1");
  Snapshot c = engine_->TakeSnapshot();  // joins b's
  EXPECT_EQ(c.rocksdb_snapshot(), b.rocksdb_snapshot());

  rocksdb::WriteBatch second;
  ASSERT_TRUE(second.Put(rows, "k", "v2").ok());
  ASSERT_OK(engine_->Commit(&second));
  Snapshot d = engine_->TakeSnapshot();
  EXPECT_NE(d.rocksdb_snapshot(), c.rocksdb_snapshot());
  EXPECT_GT(d.lsn(), c.lsn());
  ASSERT_OK_AND_ASSIGN(auto at_c, engine_->Get(c, ColumnFamily::kRows, "k"));
  ASSERT_OK_AND_ASSIGN(auto at_d, engine_->Get(d, ColumnFamily::kRows, "k"));
  EXPECT_EQ(at_c, "v1");
  EXPECT_EQ(at_d, "v2");
  EXPECT_EQ(LiveRocksDbSnapshots(engine_.get()), 2u);
  c.Release();
  b.Release();
  EXPECT_EQ(LiveRocksDbSnapshots(engine_.get()), 1u);
  d.Release();
  EXPECT_EQ(LiveRocksDbSnapshots(engine_.get()), 0u);
  EXPECT_EQ(engine_->pipeline()->active_snapshot_count(), 0u);
  // A snapshot after all were released is a new one again.
  Snapshot e = engine_->TakeSnapshot();
  EXPECT_EQ(LiveRocksDbSnapshots(engine_.get()), 1u);
}

}  // namespace
}  // namespace strata::storage
