#include "storage/change_feed.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "binlog/record.h"
#include "common/numeric.h"
#include "common/sql_state.h"
#include "storage/database.h"
#include "tests/unit/storage/storage_test_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::storage {
namespace {

using test_util::Col;
using test_util::TestOptions;

std::string Show(const std::vector<Value>& row) {
  std::string out = "(";
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += ",";
    if (row[i].is_null()) {
      out += "null";
    } else if (row[i].type() == TypeId::kText) {
      out += row[i].string_value();
    } else if (row[i].type() == TypeId::kNumeric) {
      out += row[i].numeric_value().ToString();
    } else {
      out += std::to_string(row[i].int_value());
    }
  }
  return out + ")";
}

// One line per change: "I t (1,a)", "U t (1,a)->(1,b)", "D t (1,a)", "T t,u".
std::vector<std::string> Describe(const FeedTransaction& txn) {
  std::vector<std::string> out;
  for (const FeedChange& c : txn.changes) {
    switch (c.kind) {
      case FeedChange::Kind::kInsert:
        out.push_back("I " + c.table->def.name + " " + Show(c.new_row));
        break;
      case FeedChange::Kind::kUpdate:
        out.push_back("U " + c.table->def.name + " " + Show(c.old_row) + "->" + Show(c.new_row));
        break;
      case FeedChange::Kind::kDelete:
        out.push_back("D " + c.table->def.name + " " + Show(c.old_row));
        break;
      case FeedChange::Kind::kTruncate: {
        std::string names;
        for (const auto& t : c.truncated) names += (names.empty() ? "" : ",") + t->def.name;
        out.push_back("T " + names + (c.truncate_cascade ? " cascade" : ""));
        break;
      }
    }
  }
  return out;
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(uint64_t max_retained_bytes = 8ull << 30) {
    db_.reset();
    StorageOptions options = TestOptions();
    // Heartbeats and retention run when a test calls them.
    options.binlog_background = false;
    options.binlog_max_retained_bytes = max_retained_bytes;
    auto db = Database::Open(dir_.str(), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  // (id int8 PK, v text, n numeric) with binlog on unless `binlog` is false.
  void Create(const std::string& name, bool binlog = true, int shards = 1,
              const std::string& ttl = "86400") {
    auto txn = db_->BeginTransaction();
    CreateTableRequest req;
    req.name = {"", name};
    req.columns = {Col("id", TypeId::kInt8, true), Col("v", TypeId::kText),
                   Col("n", TypeId::kNumeric)};
    if (binlog) req.properties.push_back({"binlog.level", "replica"});
    req.properties.push_back({"binlog.ttl", ttl});
    req.properties.push_back({"shard_count", std::to_string(shards)});
    ASSERT_OK(txn->CreateTable(req).status());
    ASSERT_OK(txn->Commit().status());
  }
  const TableDef& Def(std::unique_ptr<DatabaseTransaction>& txn, const std::string& name) {
    return *txn->catalog().FindTable("", name);
  }
  static Row R(int64_t id, std::string v, std::string n = "1") {
    return {Value::Int8(id), Value::Text(std::move(v)), Value::FromNumeric(*Numeric::Parse(n))};
  }
  // Runs `body` in a transaction and commits; returns the LSN.
  Lsn Txn(const std::function<void(DatabaseTransaction*)>& body) {
    auto txn = db_->BeginTransaction();
    body(txn.get());
    Result<Lsn> lsn = txn->Commit();
    EXPECT_TRUE(lsn.ok()) << lsn.status().ToString();
    return lsn.ok() ? *lsn : kInvalidLsn;
  }
  FeedBatch Read(Lsn after = kInvalidLsn, FeedReadOptions options = {}) {
    Result<FeedBatch> batch = db_->change_feed().ReadFeed(after, options);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    return batch.ok() ? std::move(batch).value() : FeedBatch{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(ChangeFeedTest, ReportsInsertUpdateDeleteWithFullImages) {
  Create("t");
  const Lsn l1 = Txn([&](DatabaseTransaction* t) {
    const TableDef& d = *t->catalog().FindTable("", "t");
    ASSERT_OK(t->InsertIfAbsent(d, R(1, "a")).status());
    ASSERT_OK(t->InsertIfAbsent(d, R(2, "b")).status());
  });
  // Partial upsert: only v named; the images are full rows.
  const Lsn l2 = Txn([&](DatabaseTransaction* t) {
    const TableDef& d = *t->catalog().FindTable("", "t");
    const uint32_t v_id = d.FindColumn("v")->id;
    ASSERT_OK(t->UpsertColumns(d, R(1, "a2", "9"), std::vector<uint32_t>{v_id}).status());
    ASSERT_OK(t->Delete(d, std::vector<Value>{Value::Int8(2)}).status());
  });
  FeedBatch batch = Read();
  ASSERT_EQ(batch.transactions.size(), 2u);
  EXPECT_EQ(batch.transactions[0].lsn, l1);
  EXPECT_EQ(batch.transactions[1].lsn, l2);
  EXPECT_EQ(batch.scanned_to_lsn, batch.snapshot_lsn);
  EXPECT_EQ(Describe(batch.transactions[0]),
            (std::vector<std::string>{"I t (1,a,1)", "I t (2,b,1)"}));
  EXPECT_EQ(Describe(batch.transactions[1]),
            (std::vector<std::string>{"U t (1,a,1)->(1,a2,1)", "D t (2,b,1)"}));
  EXPECT_NE(batch.transactions[0].xid, 0u);
  EXPECT_LT(batch.transactions[0].xid, batch.transactions[1].xid);
  EXPECT_LT(batch.transactions[0].commit_time_us, batch.transactions[1].commit_time_us);
  EXPECT_EQ(batch.transactions[0].changes[0].table->schema_name, "public");
  // Resume after the first.
  FeedBatch rest = Read(l1);
  ASSERT_EQ(rest.transactions.size(), 1u);
  EXPECT_EQ(rest.transactions[0].lsn, l2);
}

TEST_F(ChangeFeedTest, NoOpUpsertEmitsNothingButScaleChangeDoes) {
  Create("t");
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(1, "a", "1.5")).status());
  });
  const Lsn before = db_->last_committed_lsn();
  // Same row again: a write, but no binlog change and no feed transaction.
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->Upsert(*t->catalog().FindTable("", "t"), R(1, "a", "1.5")).status());
  });
  EXPECT_TRUE(Read(before).transactions.empty());
  // 1.5 -> 1.50 is visible in the text, so it is an update (as in PostgreSQL).
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->Upsert(*t->catalog().FindTable("", "t"), R(1, "a", "1.50")).status());
  });
  FeedBatch batch = Read(before);
  ASSERT_EQ(batch.transactions.size(), 1u);
  EXPECT_EQ(Describe(batch.transactions[0]),
            (std::vector<std::string>{"U t (1,a,1.5)->(1,a,1.50)"}));
}

TEST_F(ChangeFeedTest, MultiStatementTransactionKeepsStatementOrderAcrossTablesAndShards) {
  Create("t", true, 4);
  Create("u", true, 3);
  Create("plain", false);
  const Lsn lsn = Txn([&](DatabaseTransaction* t) {
    const TableDef& tt = *t->catalog().FindTable("", "t");
    const TableDef& uu = *t->catalog().FindTable("", "u");
    const TableDef& pp = *t->catalog().FindTable("", "plain");
    for (int i = 0; i < 6; ++i) {
      ASSERT_OK(t->InsertIfAbsent(tt, R(i, "t" + std::to_string(i))).status());
      ASSERT_OK(t->InsertIfAbsent(uu, R(10 - i, "u")).status());
      ASSERT_OK(t->InsertIfAbsent(pp, R(i, "p")).status());
    }
    // Same row changed twice: both changes are reported.
    ASSERT_OK(t->UpdateColumns(tt, std::vector<Value>{Value::Int8(3)},
                               std::vector<ColumnAssignment>{
                                   {tt.FindColumn("v")->id, Value::Text("x")}})
                  .status());
    // A primary-key change that moves the row between shards.
    ASSERT_OK(t->UpdatePrimaryKey(tt, std::vector<Value>{Value::Int8(3)}, R(100, "x")).status());
  });
  FeedBatch batch = Read();
  ASSERT_EQ(batch.transactions.size(), 1u);
  EXPECT_EQ(batch.transactions[0].lsn, lsn);
  std::vector<std::string> expected;
  for (int i = 0; i < 6; ++i) {
    expected.push_back("I t (" + std::to_string(i) + ",t" + std::to_string(i) + ",1)");
    expected.push_back("I u (" + std::to_string(10 - i) + ",u,1)");
  }
  expected.push_back("U t (3,t3,1)->(3,x,1)");
  expected.push_back("U t (3,x,1)->(100,x,1)");
  EXPECT_EQ(Describe(batch.transactions[0]), expected);
  // The table filter drops u's changes but keeps the transaction.
  FeedReadOptions only_u;
  only_u.table_filter = [&](uint32_t id) { return id == db_->catalog()->FindTable("", "u")->id; };
  FeedBatch filtered = Read(kInvalidLsn, only_u);
  ASSERT_EQ(filtered.transactions.size(), 1u);
  EXPECT_EQ(filtered.transactions[0].changes.size(), 6u);
}

TEST_F(ChangeFeedTest, TruncateIsOneChangeInStatementOrder) {
  Create("t");
  Create("u");
  Create("plain", false);
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(1, "a")).status());
    const std::vector<TableName> names = {{"", "t"}, {"", "u"}, {"", "plain"}};
    ASSERT_OK(t->TruncateTables(names, {.cascade = true, .restart_identity = false}));
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(2, "b")).status());
  });
  FeedBatch batch = Read();
  ASSERT_EQ(batch.transactions.size(), 1u);
  EXPECT_EQ(Describe(batch.transactions[0]),
            (std::vector<std::string>{"I t (1,a,1)", "T t,u cascade", "I t (2,b,1)"}));
}

TEST_F(ChangeFeedTest, ChangesCarryTheDefinitionTheyWereWrittenWith) {
  Create("t");
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(1, "a")).status());
  });
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->AddColumn({"", "t"}, Col("extra", TypeId::kInt4), Value::Int4(7), false).status());
    Row row = R(2, "b");
    row.push_back(Value::Int4(8));
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), std::move(row)).status());
  });
  // Created, written and dropped in one transaction: still decodable.
  Txn([&](DatabaseTransaction* t) {
    CreateTableRequest req;
    req.name = {"", "gone"};
    req.columns = {Col("k", TypeId::kInt8, true)};
    req.properties = {{"binlog_level", "replica"}};
    ASSERT_OK(t->CreateTable(req).status());
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "gone"), Row{Value::Int8(5)}).status());
    ASSERT_OK(t->DropTable({"", "gone"}, false).status());
  });
  FeedBatch batch = Read();
  ASSERT_EQ(batch.transactions.size(), 3u);
  const FeedChange& first = batch.transactions[0].changes[0];
  const FeedChange& second = batch.transactions[1].changes[0];
  EXPECT_EQ(first.table->def.columns.size(), 3u);
  EXPECT_EQ(second.table->def.columns.size(), 4u);
  EXPECT_EQ(second.table->def.columns[3].name, "extra");
  EXPECT_NE(first.table, second.table);
  EXPECT_GT(second.table->defined_at, first.table->defined_at);
  EXPECT_EQ(Describe(batch.transactions[2]), (std::vector<std::string>{"I gone (5)"}));
}

TEST_F(ChangeFeedTest, LimitsCutBetweenTransactions) {
  Create("t");
  std::vector<Lsn> lsns;
  for (int i = 0; i < 5; ++i) {
    lsns.push_back(Txn([&](DatabaseTransaction* t) {
      for (int j = 0; j < 3; ++j) {
        ASSERT_OK(
            t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(i * 10 + j, "x")).status());
      }
    }));
  }
  FeedReadOptions two;
  two.max_transactions = 2;
  FeedBatch batch = Read(kInvalidLsn, two);
  ASSERT_EQ(batch.transactions.size(), 2u);
  EXPECT_EQ(batch.scanned_to_lsn, lsns[1]);
  FeedReadOptions tiny;
  tiny.max_bytes = 1;  // still one whole transaction per call
  batch = Read(lsns[1], tiny);
  ASSERT_EQ(batch.transactions.size(), 1u);
  EXPECT_EQ(batch.transactions[0].changes.size(), 3u);
  EXPECT_EQ(batch.scanned_to_lsn, lsns[2]);
  batch = Read(lsns[2]);
  ASSERT_EQ(batch.transactions.size(), 2u);
  EXPECT_EQ(batch.scanned_to_lsn, batch.snapshot_lsn);
}

TEST_F(ChangeFeedTest, SurvivesReopenAndXidsKeepIncreasing) {
  Create("t");
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(1, "a")).status());
  });
  const FeedBatch before = Read();
  ASSERT_EQ(before.transactions.size(), 1u);
  Reopen();
  EXPECT_EQ(db_->change_feed().last_feed_lsn(), before.transactions[0].lsn);
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(2, "b")).status());
  });
  const FeedBatch after = Read();
  ASSERT_EQ(after.transactions.size(), 2u);
  EXPECT_EQ(Describe(after.transactions[0]), Describe(before.transactions[0]));
  EXPECT_GT(after.transactions[1].xid, after.transactions[0].xid);
  EXPECT_GT(after.transactions[1].commit_time_us, after.transactions[0].commit_time_us);
  // A read-only transaction's xid is not reused either.
  auto txn = db_->BeginTransaction();
  ASSERT_OK_AND_ASSIGN(uint32_t xid, txn->xid());
  EXPECT_GT(xid, after.transactions[1].xid);
}

TEST_F(ChangeFeedTest, RolledBackAndNonBinlogWritesAreAbsent) {
  Create("t");
  Create("plain", false);
  {
    auto txn = db_->BeginTransaction();
    ASSERT_OK(txn->InsertIfAbsent(*txn->catalog().FindTable("", "t"), R(1, "a")).status());
    txn->Rollback();
  }
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "plain"), R(1, "a")).status());
  });
  const FeedBatch batch = Read();
  EXPECT_TRUE(batch.transactions.empty());
  // A caught-up reader may still advance past the plain commit.
  EXPECT_EQ(batch.scanned_to_lsn, db_->last_committed_lsn());
}

TEST_F(ChangeFeedTest, WaitForFeedWakesOnCommit) {
  Create("t");
  const Lsn start = db_->change_feed().last_feed_lsn();
  EXPECT_EQ(db_->change_feed().WaitForFeed(start, std::chrono::milliseconds(10)), start);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Txn([&](DatabaseTransaction* t) {
      ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(1, "a")).status());
    });
  });
  const Lsn seen = db_->change_feed().WaitForFeed(start, std::chrono::seconds(10));
  writer.join();
  EXPECT_GT(seen, start);
  EXPECT_EQ(Read(start).transactions.size(), 1u);
}

TEST_F(ChangeFeedTest, ReplicationStateRoundTripsAcrossReopen) {
  ASSERT_OK(db_->change_feed().PutReplicationState("slot/a", "1"));
  ASSERT_OK(db_->change_feed().PutReplicationState("slot/b", "2"));
  ASSERT_OK(db_->change_feed().DeleteReplicationState("slot/a"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(auto state, db_->change_feed().ListReplicationState());
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].first, "slot/b");
  EXPECT_EQ(state[0].second, "2");
}

// The records are in the commit's WriteBatch: a commit that fails (here a
// write conflict) leaves neither rows nor binlog records.
TEST_F(ChangeFeedTest, ConflictingCommitLeavesNoRecords) {
  Create("t");
  auto a = db_->BeginTransaction();
  auto b = db_->BeginTransaction();
  ASSERT_OK(a->Upsert(*a->catalog().FindTable("", "t"), R(1, "a")).status());
  ASSERT_OK(b->Upsert(*b->catalog().FindTable("", "t"), R(1, "b")).status());
  ASSERT_OK(a->Commit().status());
  EXPECT_EQ(b->Commit().status().sql_state(), SqlState::kSerializationFailure);
  const FeedBatch batch = Read();
  ASSERT_EQ(batch.transactions.size(), 1u);
  EXPECT_EQ(Describe(batch.transactions[0]), (std::vector<std::string>{"I t (1,a,1)"}));
}

// Drains a binlog scanner into "lsn type (row)" lines.
std::vector<std::string> ScanBinlog(const ReadView& view, const TableDef& table,
                                    const BinlogScanSpec& spec) {
  std::vector<std::string> out;
  auto scanner = view.BinlogScan(table, spec);
  EXPECT_TRUE(scanner.ok()) << scanner.status().ToString();
  if (!scanner.ok()) return out;
  RowBatch batch;
  while (true) {
    Result<bool> more = (*scanner)->Next(&batch);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    for (Row& row : batch.rows) {
      const int64_t ts = row.back().int_value();
      EXPECT_GT(ts, 1'600'000'000'000'000);
      row.pop_back();
      const int64_t type = row.back().int_value();
      row.pop_back();
      const int64_t lsn = row.back().int_value();
      row.pop_back();
      out.push_back(std::to_string(lsn) + " " + std::to_string(type) + " " + Show(row));
    }
  }
  return out;
}

TEST_F(ChangeFeedTest, BinlogScanMergesShardsInLsnOrderWithBounds) {
  Create("t", true, 4);
  std::vector<Lsn> lsns;
  for (int i = 0; i < 4; ++i) {
    lsns.push_back(Txn([&](DatabaseTransaction* t) {
      const TableDef& d = *t->catalog().FindTable("", "t");
      ASSERT_OK(t->InsertIfAbsent(d, R(i, "a")).status());
      ASSERT_OK(t->InsertIfAbsent(d, R(i + 10, "b")).status());
    }));
  }
  lsns.push_back(Txn([&](DatabaseTransaction* t) {
    const TableDef& d = *t->catalog().FindTable("", "t");
    ASSERT_OK(t->Upsert(d, R(1, "z")).status());
  }));
  ReadView view = db_->TakeReadView();
  const TableDef& def = *view.catalog().FindTable("", "t");
  std::vector<std::string> all = ScanBinlog(view, def, {});
  ASSERT_EQ(all.size(), 10u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(all[2 * i], std::to_string(lsns[i]) + " 5 (" + std::to_string(i) + ",a,1)");
    EXPECT_EQ(all[2 * i + 1], std::to_string(lsns[i]) + " 5 (" + std::to_string(i + 10) + ",b,1)");
  }
  EXPECT_EQ(all[8], std::to_string(lsns[4]) + " 3 (1,a,1)");
  EXPECT_EQ(all[9], std::to_string(lsns[4]) + " 7 (1,z,1)");
  BinlogScanSpec range;
  range.min_lsn = lsns[1] + 1;
  range.max_lsn = lsns[3];
  range.batch_rows = 1;
  EXPECT_EQ(ScanBinlog(view, def, range),
            (std::vector<std::string>(all.begin() + 4, all.begin() + 8)));
  // A table without binlog: 0A000.
  Create("plain", false);
  ReadView view2 = db_->TakeReadView();
  EXPECT_EQ(view2.BinlogScan(*view2.catalog().FindTable("", "plain"), {}).status().sql_state(),
            SqlState::kFeatureNotSupported);
}

TEST_F(ChangeFeedTest, BinlogScanMapsOldRecordsOntoTheCurrentColumns) {
  Create("t");
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(1, "a")).status());
  });
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->DropColumn({"", "t"}, "n", false).status());
    ASSERT_OK(t->AddColumn({"", "t"}, Col("extra", TypeId::kInt4), Value::Int4(7), false).status());
  });
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"),
                                Row{Value::Int8(2), Value::Text("b"), Value::Int4(8)})
                  .status());
  });
  ReadView view = db_->TakeReadView();
  std::vector<std::string> rows = ScanBinlog(view, *view.catalog().FindTable("", "t"), {});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].find(" 5 (1,a,7)"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find(" 5 (2,b,8)"), std::string::npos) << rows[1];
}

TEST_F(ChangeFeedTest, HeartbeatsAreVisibleOnlyWhenAskedFor) {
  Create("t", true, 2);
  Create("plain", false);
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(1, "a")).status());
  });
  const FeedBatch before = Read();
  ASSERT_OK(db_->WriteBinlogHeartbeats());
  const Lsn heartbeat_lsn = db_->last_committed_lsn();
  Txn([&](DatabaseTransaction* t) {
    ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "t"), R(2, "b")).status());
  });
  ReadView view = db_->TakeReadView();
  const TableDef& def = *view.catalog().FindTable("", "t");
  EXPECT_EQ(ScanBinlog(view, def, {}).size(), 2u);
  BinlogScanSpec with;
  with.include_heartbeats = true;
  const std::vector<std::string> rows = ScanBinlog(view, def, with);
  ASSERT_EQ(rows.size(), 4u);
  // One per shard, between the two commits, with no row.
  EXPECT_EQ(rows[1], std::to_string(heartbeat_lsn) + " 27 (null,null,null)");
  EXPECT_EQ(rows[2], std::to_string(heartbeat_lsn) + " 27 (null,null,null)");
  // Not part of the change feed.
  const FeedBatch after = Read(before.transactions.back().lsn);
  ASSERT_EQ(after.transactions.size(), 1u);
  EXPECT_GT(after.transactions[0].lsn, heartbeat_lsn);
}

TEST_F(ChangeFeedTest, RetentionRemovesExpiredRecordsAndReportsTheRemovedPosition) {
  Create("short", true, 2, "0");
  Create("long", true, 1, "86400");
  std::vector<Lsn> lsns;
  for (int i = 0; i < 3; ++i) {
    lsns.push_back(Txn([&](DatabaseTransaction* t) {
      ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "short"), R(i, "s")).status());
      ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "long"), R(i, "l")).status());
    }));
  }
  ASSERT_OK(db_->WriteBinlogHeartbeats());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_OK_AND_ASSIGN(Database::BinlogRetentionStats stats, db_->EnforceBinlogRetention());
  EXPECT_EQ(stats.records_removed, 3u + 2u);  // three rows, two heartbeats
  EXPECT_EQ(stats.removed_lsn, lsns[2]);
  EXPECT_EQ(db_->change_feed().removed_lsn(), lsns[2]);
  Result<FeedBatch> old = db_->change_feed().ReadFeed(lsns[0]);
  EXPECT_EQ(old.status().sql_state(), SqlState::kObjectNotInPrerequisiteState);
  EXPECT_NE(old.status().message().find("was removed"), std::string::npos);
  EXPECT_TRUE(Read(lsns[2]).transactions.empty());
  // The long-lived table keeps its records for SQL access.
  {
    ReadView view = db_->TakeReadView();
    EXPECT_EQ(ScanBinlog(view, *view.catalog().FindTable("", "long"), {}).size(), 3u);
    EXPECT_TRUE(ScanBinlog(view, *view.catalog().FindTable("", "short"), {}).empty());
  }
  // Survives a restart.
  Reopen();
  EXPECT_EQ(db_->change_feed().removed_lsn(), lsns[2]);
  EXPECT_FALSE(db_->change_feed().ReadFeed(lsns[1]).ok());
}

TEST_F(ChangeFeedTest, RetentionKeepsWhatASlotNeedsUntilTheSizeLimit) {
  Create("short", true, 1, "0");
  std::vector<Lsn> lsns;
  for (int i = 0; i < 4; ++i) {
    lsns.push_back(Txn([&](DatabaseTransaction* t) {
      ASSERT_OK(t->InsertIfAbsent(*t->catalog().FindTable("", "short"), R(i, "s")).status());
    }));
  }
  const Lsn confirmed = lsns[1];
  db_->change_feed().SetRetentionFloorProvider([&] { return std::optional<Lsn>(confirmed); });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_OK_AND_ASSIGN(Database::BinlogRetentionStats stats, db_->EnforceBinlogRetention());
  EXPECT_EQ(stats.records_removed, 2u);
  EXPECT_EQ(stats.removed_lsn, confirmed);
  EXPECT_FALSE(stats.floor_overridden);
  FeedBatch rest = Read(confirmed);
  ASSERT_EQ(rest.transactions.size(), 2u);
  EXPECT_EQ(rest.transactions[0].lsn, lsns[2]);

  // Over the size limit the slot's records go too, and the slot's next read
  // fails with 55000.
  Reopen(/*max_retained_bytes=*/1);
  db_->change_feed().SetRetentionFloorProvider([&] { return std::optional<Lsn>(confirmed); });
  ASSERT_OK_AND_ASSIGN(stats, db_->EnforceBinlogRetention());
  EXPECT_TRUE(stats.floor_overridden);
  EXPECT_EQ(stats.removed_lsn, lsns[3]);
  EXPECT_EQ(db_->change_feed().ReadFeed(confirmed).status().sql_state(),
            SqlState::kObjectNotInPrerequisiteState);
}

}  // namespace
}  // namespace strata::storage
