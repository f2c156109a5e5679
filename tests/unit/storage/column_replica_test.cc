#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/sql_state.h"
#include "storage/column_replica.h"
#include "storage/database.h"
#include "tests/unit/storage/storage_test_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::storage {
namespace {

using test_util::Col;

using columnstore::ColumnBatch;
using columnstore::ColumnPredicate;
using columnstore::CompareOp;

// Small blocks and no background thread, so tests decide when flushes and
// compactions happen and exercise many blocks with few rows.
StorageOptions TestOptions() {
  StorageOptions options = test_util::TestOptions();
  options.column_background = false;
  options.column_block_rows = 64;
  options.column_compact_small_rows = 256;
  return options;
}

std::string RowString(const Row& row) {
  std::string s;
  for (const Value& v : row) s += v.DebugString() + "|";
  return s;
}

// The table's rows via the row replica, as sorted strings.
template <typename Reader>
std::vector<std::string> RowReplica(const Reader& reader, const TableDef& table) {
  auto scanner = reader.Scan(table, ScanSpec{});
  EXPECT_TRUE(scanner.ok()) << scanner.status().ToString();
  std::vector<std::string> out;
  RowBatch batch;
  while (true) {
    auto more = (*scanner)->Next(&batch);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    for (const Row& r : batch.rows) out.push_back(RowString(r));
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <typename Reader>
std::vector<std::string> ColumnReplicaRows(const Reader& reader, const TableDef& table,
                                           ColumnScanSpec spec = {},
                                           ColumnScanStats* stats = nullptr) {
  auto scanner = reader.ColumnScan(table, spec);
  EXPECT_TRUE(scanner.ok()) << scanner.status().ToString();
  if (!scanner.ok()) return {};
  std::vector<std::string> out;
  ColumnBatch batch;
  while (true) {
    auto more = (*scanner)->Next(&batch);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      Row row;
      for (const auto& c : batch.columns) row.push_back(c.GetValue(r));
      out.push_back(RowString(row));
    }
  }
  if (stats != nullptr) *stats = (*scanner)->stats();
  std::sort(out.begin(), out.end());
  return out;
}

Row MakeRow(int64_t id, int64_t a, const std::string& s) {
  return {Value::Int8(id), Value::Int8(a), s.empty() ? Value::Null(TypeId::kText) : Value::Text(s)};
}

class ColumnReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(StorageOptions options = TestOptions()) {
    db_.reset();
    auto db = Database::Open(dir_.str(), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  const TableDef* Create(const std::string& name, const std::string& orientation,
                         bool pk = true) {
    CreateTableRequest req;
    req.name = {"", name};
    req.columns = {Col("id", TypeId::kInt8, pk), Col("a", TypeId::kInt8), Col("s", TypeId::kText)};
    req.properties = {{"orientation", orientation}, {"shard_count", "2"}};
    auto txn = db_->BeginTransaction();
    auto created = txn->CreateTable(req);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_TRUE(txn->Commit().ok());
    return db_->catalog()->FindTable("", name);
  }
  void ExpectReplicasEqual(const TableDef& t) {
    ReadView view = db_->TakeReadView();
    EXPECT_EQ(RowReplica(view, t), ColumnReplicaRows(view, t));
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(ColumnReplicaTest, EveryRowOperationKeepsReplicasEqualThroughFlushAndCompaction) {
  const TableDef* t = Create("t", "row,column");
  {
    auto txn = db_->BeginTransaction();
    for (int64_t i = 0; i < 500; ++i) {
      ASSERT_OK(txn->InsertIfAbsent(*t, MakeRow(i, i * 10, i % 7 == 0 ? "" : "s" + std::to_string(i))).status());
    }
    ASSERT_OK(txn->Commit().status());
  }
  ExpectReplicasEqual(*t);
  ASSERT_OK(db_->FlushTable(t->id));
  EXPECT_EQ(db_->column_stats().flushed_rows, 500u);
  ExpectReplicasEqual(*t);
  {
    auto txn = db_->BeginTransaction();
    ASSERT_OK(txn->Upsert(*t, MakeRow(1, -1, "up")).status());
    ASSERT_OK(txn->Upsert(*t, MakeRow(1000, 1, "new")).status());
    const uint32_t a_id = t->columns[1].id;
    const std::vector<uint32_t> cols = {a_id};
    ASSERT_OK(txn->UpsertColumns(*t, MakeRow(2, -2, "ignored"), cols).status());
    ASSERT_OK(txn->UpdateColumns(*t, std::vector<Value>{Value::Int8(3)},
                                 std::vector<ColumnAssignment>{{a_id, Value::Int8(-3)}})
                  .status());
    ASSERT_OK(txn->Delete(*t, std::vector<Value>{Value::Int8(4)}).status());
    ASSERT_OK(txn->UpdatePrimaryKey(*t, std::vector<Value>{Value::Int8(5)}, MakeRow(5005, 5, "moved"))
                  .status());
    ASSERT_OK(txn->InsertOrIgnore(*t, MakeRow(6, 0, "ignored")).status());
    // The transaction's own view through the column replica.
    EXPECT_EQ(RowReplica(*txn, *t), ColumnReplicaRows(*txn, *t));
    ASSERT_OK(txn->Upsert(*t, MakeRow(1, -11, "up again")).status());
    EXPECT_EQ(RowReplica(*txn, *t), ColumnReplicaRows(*txn, *t));
    ASSERT_OK(txn->Commit().status());
  }
  ExpectReplicasEqual(*t);
  std::optional<ReadView> before_delete(db_->TakeReadView());
  const auto old_rows = RowReplica(*before_delete, *t);
  {
    auto txn = db_->BeginTransaction();
    for (int64_t i = 100; i < 400; ++i) {
      ASSERT_OK(txn->Delete(*t, std::vector<Value>{Value::Int8(i)}).status());
    }
    ASSERT_OK(txn->Commit().status());
  }
  ASSERT_OK(db_->FlushTable(t->id));
  ExpectReplicasEqual(*t);
  ASSERT_OK(db_->CompactTable(t->id));
  EXPECT_EQ(db_->column_stats().compactions, 1u);
  ExpectReplicasEqual(*t);
  // The old view still reads its snapshot, including the compacted-away
  // segment, which garbage collection keeps while the view lives.
  ASSERT_OK(db_->CollectColumnGarbage());
  EXPECT_EQ(ColumnReplicaRows(*before_delete, *t), old_rows);
  const size_t files_with_view = db_->column_segment_file_count();
  before_delete.reset();
  ASSERT_OK(db_->CollectColumnGarbage());
  EXPECT_LT(db_->column_segment_file_count(), files_with_view);
  ExpectReplicasEqual(*t);
  Reopen();
  t = db_->catalog()->FindTable("", "t");
  ExpectReplicasEqual(*t);
}

TEST_F(ColumnReplicaTest, PredicatesProjectionAndZoneMaps) {
  const TableDef* t = Create("t", "row,column");
  auto txn = db_->BeginTransaction();
  for (int64_t i = 0; i < 2000; ++i) {
    ASSERT_OK(txn->InsertIfAbsent(*t, MakeRow(i, i, i % 3 == 0 ? "" : "x")).status());
  }
  ASSERT_OK(txn->Commit().status());
  ASSERT_OK(db_->FlushTable(t->id));
  // Some rows in the delta too.
  txn = db_->BeginTransaction();
  ASSERT_OK(txn->Upsert(*t, MakeRow(5000, 1500, "d")).status());
  ASSERT_OK(txn->Commit().status());
  ReadView view = db_->TakeReadView();
  ColumnScanSpec spec;
  spec.projection = {t->columns[0].id};
  spec.predicates = {{t->columns[1].id, CompareOp::kBetween, Value::Int8(1500), Value::Int8(1529)},
                     {t->columns[2].id, CompareOp::kIsNotNull, Value(), Value()}};
  ColumnScanStats stats;
  const auto rows = ColumnReplicaRows(view, *t, spec, &stats);
  // 1500..1529 minus multiples of 3 (10 of them), plus 5000.
  EXPECT_EQ(rows.size(), 21u);
  EXPECT_GT(stats.blocks_skipped, stats.blocks_total / 2);
  EXPECT_EQ(stats.delta_rows, 1u);
  spec.projection = {999};
  EXPECT_EQ(view.ColumnScan(*t, spec).status().sql_state(), SqlState::kUndefinedColumn);
  spec.projection = {};
  spec.predicates = {{t->columns[1].id, CompareOp::kEq, Value::Text("x"), Value()}};
  EXPECT_EQ(view.ColumnScan(*t, spec).status().sql_state(), SqlState::kDatatypeMismatch);
  const TableDef* r = Create("r", "row");
  EXPECT_EQ(view.ColumnScan(*r, {}).status().sql_state(), SqlState::kFeatureNotSupported);
}

TEST_F(ColumnReplicaTest, PartitionsSplitTheBlocksOfEverySegment) {
  const TableDef* t = Create("t", "row,column");
  // Segments of about 3, 1 and 17 blocks (64 rows a block), some deleted
  // rows, and rows in the delta.
  int64_t next = 0;
  for (const int64_t rows : {150, 40, 1070}) {
    auto txn = db_->BeginTransaction();
    for (int64_t i = 0; i < rows; ++i, ++next) {
      ASSERT_OK(txn->InsertIfAbsent(*t, MakeRow(next, next % 100, "x")).status());
    }
    ASSERT_OK(txn->Commit().status());
    ASSERT_OK(db_->FlushTable(t->id));
  }
  auto txn = db_->BeginTransaction();
  for (int64_t i = 0; i < next; i += 13) ASSERT_OK(txn->Delete(*t, std::vector<Value>{Value::Int8(i)}).status());
  ASSERT_OK(txn->Upsert(*t, MakeRow(next + 1, 5, "d")).status());
  ASSERT_OK(txn->Commit().status());

  ReadView view = db_->TakeReadView();
  for (const bool filtered : {false, true}) {
    ColumnScanSpec spec;
    if (filtered) spec.predicates = {{t->columns[1].id, CompareOp::kLt, Value::Int8(30), Value()}};
    ColumnScanStats whole_stats;
    const std::vector<std::string> whole = ColumnReplicaRows(view, *t, spec, &whole_stats);
    ASSERT_FALSE(whole.empty());
    const uint64_t total_blocks = whole_stats.blocks_total;
    ASSERT_GE(total_blocks, 19u);
    for (const uint32_t partitions : {2u, 3u, 7u, 40u}) {
      std::vector<std::string> parts;
      uint64_t blocks = 0;
      spec.partitions = partitions;
      for (uint32_t p = 0; p < partitions; ++p) {
        spec.partition = p;
        ColumnScanStats stats;
        const auto rows = ColumnReplicaRows(view, *t, spec, &stats);
        blocks += stats.blocks_total;
        // Every partition gets its share of the blocks.
        if (partitions <= 7) {
          EXPECT_GE(stats.blocks_total, total_blocks / partitions) << partitions << "/" << p;
        }
        parts.insert(parts.end(), rows.begin(), rows.end());
      }
      std::sort(parts.begin(), parts.end());
      EXPECT_EQ(parts, whole) << partitions << (filtered ? " filtered" : "");
      EXPECT_EQ(blocks, total_blocks) << partitions;
    }
  }
}

TEST_F(ColumnReplicaTest, BackgroundRoundsRunThroughTheMaintenanceExecutor) {
  StorageOptions options = TestOptions();
  options.column_background = true;
  options.column_background_interval_ms = 5;
  options.column_flush_rows = 10;
  Reopen(options);
  std::atomic<int> rounds{0};
  std::atomic<bool> on_executor{false};
  db_->SetMaintenanceExecutor([&](const std::function<void()>& work) {
    ++rounds;
    std::thread worker([&] {
      on_executor = true;
      work();
      on_executor = false;
    });
    worker.join();
  });
  const TableDef* t = Create("t", "column");
  auto txn = db_->BeginTransaction();
  for (int64_t i = 0; i < 50; ++i) ASSERT_OK(txn->Upsert(*t, MakeRow(i, i, "x")).status());
  ASSERT_OK(txn->Commit().status());
  // The delta (50 >= 10 rows) is flushed by a round on the executor's thread.
  // The round counts itself only after its flush (and GC): wait for both.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((db_->column_stats().flushes == 0 || db_->column_stats().maintenance_rounds == 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(db_->column_stats().flushes, 1u);
  EXPECT_GE(rounds.load(), 1);
  EXPECT_GE(db_->column_stats().maintenance_rounds, 1u);
  // Once replaced, the old executor is never called again.
  db_->SetMaintenanceExecutor(nullptr);
  const int after = rounds.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rounds.load(), after);
  ExpectReplicasEqual(*t);
}

TEST_F(ColumnReplicaTest, BackgroundChecksCompactionOnlyAfterTheTableChanged) {
  StorageOptions options = TestOptions();
  options.column_background = true;
  options.column_background_interval_ms = 2;  // a compaction check every 20 ms at most
  options.column_flush_rows = 10;
  Reopen(options);
  const TableDef* t = Create("t", "column");
  auto txn = db_->BeginTransaction();
  for (int64_t i = 0; i < 50; ++i) ASSERT_OK(txn->Upsert(*t, MakeRow(i, i, "x")).status());
  ASSERT_OK(txn->Commit().status());
  auto wait_for = [&](auto done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  };
  ASSERT_TRUE(wait_for([&] { return db_->column_stats().flushes >= 1; }));
  // The checks after the flush settle; then an idle table is not examined
  // again, however many rounds pass.
  ASSERT_TRUE(wait_for([&] { return db_->column_stats().maintenance_rounds >= 40; }));
  const uint64_t settled = db_->column_stats().compaction_checks;
  const uint64_t rounds = db_->column_stats().maintenance_rounds;
  ASSERT_TRUE(wait_for([&] { return db_->column_stats().maintenance_rounds >= rounds + 40; }));
  EXPECT_EQ(db_->column_stats().compaction_checks, settled);
  // An update grows a delete vector: the table is checked again.
  txn = db_->BeginTransaction();
  ASSERT_OK(txn->Upsert(*t, MakeRow(3, 33, "y")).status());
  ASSERT_OK(txn->Commit().status());
  EXPECT_TRUE(wait_for([&] { return db_->column_stats().compaction_checks > settled; }));
  ExpectReplicasEqual(*t);
}

TEST_F(ColumnReplicaTest, TablesWithoutPrimaryKey) {
  const TableDef* t = Create("nopk", "column", /*pk=*/false);
  auto txn = db_->BeginTransaction();
  for (int64_t i = 0; i < 300; ++i) ASSERT_OK(txn->InsertIfAbsent(*t, MakeRow(i, i, "v")).status());
  ASSERT_OK(txn->Commit().status());
  ASSERT_OK(db_->FlushTable(t->id));
  txn = db_->BeginTransaction();
  ScanSpec spec;
  spec.with_locators = true;
  auto scanner = txn->Scan(*t, spec);
  ASSERT_OK(scanner.status());
  RowBatch batch;
  ASSERT_OK_AND_ASSIGN(bool more, (*scanner)->Next(&batch));
  ASSERT_TRUE(more);
  const std::vector<RowLocator> locators = batch.locators;
  scanner->reset();
  ASSERT_OK(txn->DeleteAt(*t, locators[0]).status());
  ASSERT_OK(txn->UpdateColumnsAt(*t, locators[1],
                                 std::vector<ColumnAssignment>{{t->columns[1].id, Value::Int8(-1)}})
                .status());
  ASSERT_OK(txn->InsertIfAbsent(*t, MakeRow(7, 7, "again")).status());
  EXPECT_EQ(RowReplica(*txn, *t), ColumnReplicaRows(*txn, *t));
  ASSERT_OK(txn->Commit().status());
  ExpectReplicasEqual(*t);
  ASSERT_OK(db_->FlushTable(t->id));
  ExpectReplicasEqual(*t);
}

TEST_F(ColumnReplicaTest, TruncateDropAndOrphansLeaveNoFilesBehind) {
  const TableDef* t = Create("t", "row,column");
  for (int round = 0; round < 3; ++round) {
    auto txn = db_->BeginTransaction();
    for (int64_t i = 0; i < 100; ++i) ASSERT_OK(txn->Upsert(*t, MakeRow(i, round, "v")).status());
    ASSERT_OK(txn->Commit().status());
    ASSERT_OK(db_->FlushTable(t->id));
  }
  EXPECT_EQ(db_->column_segment_file_count(), 3u);
  auto txn = db_->BeginTransaction();
  ASSERT_OK(txn->TruncateTable({"", "t"}));
  ASSERT_OK(txn->Commit().status());
  t = db_->catalog()->FindTable("", "t");
  ExpectReplicasEqual(*t);
  ASSERT_OK(db_->CollectColumnGarbage());
  EXPECT_EQ(db_->column_segment_file_count(), 0u);
  txn = db_->BeginTransaction();
  ASSERT_OK(txn->Upsert(*t, MakeRow(1, 1, "after")).status());
  ASSERT_OK(txn->Commit().status());
  ASSERT_OK(db_->FlushTable(t->id));
  ExpectReplicasEqual(*t);
  // A crash between writing a segment and committing it leaves an orphan.
  { std::ofstream(dir_.str() + "/colseg/999.seg") << "partial"; }
  { std::ofstream(dir_.str() + "/colseg/1000.seg.tmp") << "partial"; }
  Reopen();
  EXPECT_EQ(db_->column_segment_file_count(), 1u);
  txn = db_->BeginTransaction();
  ASSERT_OK_AND_ASSIGN(bool dropped, txn->DropTable({"", "t"}, false));
  EXPECT_TRUE(dropped);
  ASSERT_OK(txn->Commit().status());
  ASSERT_OK(db_->CollectColumnGarbage());
  EXPECT_EQ(db_->column_segment_file_count(), 0u);
}

// THE CONSISTENCY TEST (issue 6): writers do random inserts, full upserts,
// partial upserts and deletes on overlapping keys of a row,column table;
// readers, each inside one ReadView, read the table through the row replica
// and through the column replica and must see identical row sets; flushes
// and compactions run throughout. Then again after reopening.
// A flush or compaction reads the table at a snapshot and moves the rows it
// read in its commit stamp. A row that a user commit rewrote in between must
// keep its new version: the stamp has to notice that commit (it is ahead of
// the stamp in the pipeline) instead of assuming the row is still where the
// snapshot saw it.
TEST_F(ColumnReplicaTest, RowsRewrittenDuringAFlushOrCompactionKeepTheirNewVersion) {
  const TableDef* t = Create("t", "row,column");
  const TableDef table = *t;
  {
    auto txn = db_->BeginTransaction();
    for (int64_t k = 0; k < 200; ++k) ASSERT_OK(txn->Upsert(table, MakeRow(k, 1, "old")).status());
    ASSERT_OK(txn->Commit().status());
  }
  // Upserts keys 5 and 150 in a commit whose stamp holds the pipeline until
  // `maintenance` has taken its snapshot (its own commit then waits behind).
  auto rewrite_during = [&](const std::function<Status()>& maintenance, int64_t a) {
    std::promise<void> stamping;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::thread writer([&] {
      auto txn = db_->BeginTransaction();
      ASSERT_OK(txn->Upsert(table, MakeRow(5, a, "new")).status());
      ASSERT_OK(txn->Upsert(table, MakeRow(150, a, "new")).status());
      CommitOptions options;
      options.stamp = [&](Lsn, rocksdb::WriteBatch*) {
        stamping.set_value();
        released.wait();
        return Status::OK();
      };
      ASSERT_OK(txn->Commit(options).status());
    });
    stamping.get_future().wait();
    std::thread maintainer([&] { ASSERT_OK(maintenance()); });
    // Long enough for the maintenance to read its snapshot, which cannot
    // contain the held commit.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    release.set_value();
    writer.join();
    maintainer.join();
    ExpectReplicasEqual(table);
  };
  // The flush reads all 200 delta rows, then stamps after 5 and 150 moved.
  rewrite_during([&] { return db_->FlushTable(table.id); }, 2);
  EXPECT_EQ(db_->column_stats().flushes, 1u);
  // The two rewritten rows become a second small segment; the compaction
  // merges both and stamps after 5 and 150 moved again.
  ASSERT_OK(db_->FlushTable(table.id));
  rewrite_during([&] { return db_->CompactTable(table.id); }, 3);
  EXPECT_EQ(db_->column_stats().compactions, 1u);
  ASSERT_OK(db_->FlushAll());
  ExpectReplicasEqual(table);
  ReadView view = db_->TakeReadView();
  const std::vector<std::string> rows = ColumnReplicaRows(view, table);
  EXPECT_EQ(rows.size(), 200u);
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(),
                          [](const std::string& r) { return r.find("new") != std::string::npos; }),
            2);
}

TEST_F(ColumnReplicaTest, ReplicasAgreeUnderConcurrentWritesFlushesAndCompactions) {
  const TableDef* t = Create("t", "row,column");
  const TableDef table = *t;
  constexpr int kKeys = 400;
  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::atomic<int> mismatches{0};
  std::atomic<int> commits{0};
  auto writer = [&](int seed) {
    std::mt19937_64 rng(seed);
    while (!stop.load()) {
      auto txn = db_->BeginTransaction();
      const int ops = 1 + static_cast<int>(rng() % 6);
      bool ok = true;
      for (int i = 0; i < ops && ok; ++i) {
        const int64_t k = static_cast<int64_t>(rng() % kKeys);
        const int64_t v = static_cast<int64_t>(rng() % 1000);
        Status s;
        switch (rng() % 5) {
          case 0:
            s = txn->InsertOrIgnore(table, MakeRow(k, v, "i" + std::to_string(v))).status();
            break;
          case 1:
            s = txn->Upsert(table, MakeRow(k, v, v % 4 == 0 ? "" : "u" + std::to_string(v))).status();
            break;
          case 2: {
            const std::vector<uint32_t> cols = {table.columns[1].id};
            s = txn->UpsertColumns(table, MakeRow(k, v, "p"), cols).status();
            break;
          }
          case 3: {
            const std::vector<uint32_t> cols = {table.columns[2].id};
            s = txn->UpsertColumns(table, MakeRow(k, v, "q" + std::to_string(v)), cols).status();
            break;
          }
          default:
            s = txn->Delete(table, std::vector<Value>{Value::Int8(k)}).status();
            break;
        }
        ok = s.ok();
      }
      if (ok && txn->Commit().ok()) commits.fetch_add(1);
      // Leave the 2 shared cores some room for the readers.
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  };
  auto reader = [&] {
    while (!stop.load()) {
      ReadView view = db_->TakeReadView();
      const auto via_rows = RowReplica(view, table);
      const auto via_columns = ColumnReplicaRows(view, table);
      if (via_rows != via_columns) {
        mismatches.fetch_add(1);
        ADD_FAILURE() << "replicas differ at LSN " << view.lsn() << ": " << via_rows.size()
                      << " vs " << via_columns.size() << " rows";
      }
      rounds.fetch_add(1);
    }
  };
  auto maintainer = [&] {
    std::mt19937_64 rng(99);
    while (!stop.load()) {
      Status s = (rng() % 3 == 0) ? db_->CompactTable(table.id) : db_->FlushTable(table.id);
      if (!s.ok()) ADD_FAILURE() << s.ToString();
      s = db_->CollectColumnGarbage();
      if (!s.ok()) ADD_FAILURE() << s.ToString();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(writer, i + 1);
  for (int i = 0; i < 2; ++i) threads.emplace_back(reader);
  threads.emplace_back(maintainer);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // Enough reader rounds and enough maintenance interleaved with them
  // (faster scans can finish the rounds before the flushes happen).
  auto enough = [&] {
    const ColumnReplicaStats st = db_->column_stats();
    return rounds.load() >= 2000 && st.flushes > 10 && st.compactions > 0;
  };
  while (!enough() && std::chrono::steady_clock::now() < deadline && mismatches.load() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GE(rounds.load(), 1000);
  const ColumnReplicaStats stats = db_->column_stats();
  EXPECT_GT(stats.flushes, 10u);
  EXPECT_GT(stats.compactions, 0u);
  std::printf("consistency: %d reader rounds, %d commits, %lu flushes, %lu compactions\n",
              rounds.load(), commits.load(), static_cast<unsigned long>(stats.flushes),
              static_cast<unsigned long>(stats.compactions));
  ExpectReplicasEqual(table);
  // "Crash": close without flushing (the delta stays in RocksDB), reopen.
  Reopen();
  const TableDef* reopened = db_->catalog()->FindTable("", "t");
  ExpectReplicasEqual(*reopened);
  ASSERT_OK(db_->FlushAll());
  ASSERT_OK(db_->CompactTable(reopened->id));
  ExpectReplicasEqual(*reopened);
}

// kill -9 while writers, flushes and compactions run: after recovery the
// replicas agree, and no segment file is left that the manifest does not
// name (or that a later garbage collection would not remove).
TEST(ColumnReplicaCrashTest, ReplicasAgreeAfterKill9DuringFlushAndCompaction) {
  testing::TempDir dir;
  int progress[2];
  ASSERT_EQ(pipe(progress), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(progress[0]);
    StorageOptions options = TestOptions();
    options.sync_commit = true;
    auto db = Database::Open(dir.str(), options);
    if (!db.ok()) _exit(2);
    CreateTableRequest req;
    req.name = {"", "t"};
    req.columns = {Col("id", TypeId::kInt8, true), Col("a", TypeId::kInt8), Col("s", TypeId::kText)};
    auto txn = (*db)->BeginTransaction();
    if (!txn->CreateTable(req).ok() || !txn->Commit().ok()) _exit(3);
    const TableDef table = *(*db)->catalog()->FindTable("", "t");
    std::thread maintainer([&] {
      for (int i = 0;; ++i) {
        if (!(i % 3 == 0 ? (*db)->CompactTable(table.id) : (*db)->FlushTable(table.id)).ok()) _exit(4);
        if (!(*db)->CollectColumnGarbage().ok()) _exit(5);
      }
    });
    std::mt19937_64 rng(5);
    for (int i = 0;; ++i) {
      auto w = (*db)->BeginTransaction();
      for (int k = 0; k < 5; ++k) {
        const int64_t key = static_cast<int64_t>(rng() % 300);
        if (rng() % 4 == 0) {
          (void)w->Delete(table, std::vector<Value>{Value::Int8(key)});
        } else {
          (void)w->Upsert(table, MakeRow(key, i, "c" + std::to_string(i)));
        }
      }
      (void)w->Commit();
      if (i == 200 && write(progress[1], "x", 1) != 1) _exit(7);
    }
  }
  close(progress[1]);
  char byte = 0;
  ASSERT_EQ(read(progress[0], &byte, 1), 1);
  close(progress[0]);
  usleep(150 * 1000);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);

  StorageOptions options = TestOptions();
  auto db = Database::Open(dir.str(), options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  const TableDef* t = (*db)->catalog()->FindTable("", "t");
  ASSERT_NE(t, nullptr);
  {
    ReadView view = (*db)->TakeReadView();
    const auto rows = RowReplica(view, *t);
    EXPECT_FALSE(rows.empty());
    EXPECT_EQ(rows, ColumnReplicaRows(view, *t));
  }
  // Every file on disk is in the manifest.
  {
    ReadView view = (*db)->TakeReadView();
    size_t listed = 0;
    for (const TableDef* table : view.catalog().tables()) {
      (void)table;
    }
    Snapshot snap = (*db)->engine()->TakeSnapshot();
    auto it = (*db)->engine()->NewIterator(snap, ColumnFamily::kMeta,
                                           ReadBounds{"colseg/", "colseg0"});
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++listed;
    it.reset();
    snap.Release();
    EXPECT_EQ((*db)->column_segment_file_count(), listed);
  }
  ASSERT_OK((*db)->FlushAll());
  ASSERT_OK((*db)->CompactTable(t->id));
  ReadView view = (*db)->TakeReadView();
  EXPECT_EQ(RowReplica(view, *t), ColumnReplicaRows(view, *t));
}

}  // namespace
}  // namespace strata::storage
