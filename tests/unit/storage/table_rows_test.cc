#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "common/sql_state.h"
#include "rowstore/key_codec.h"
#include "storage/database.h"
#include "tests/unit/storage/storage_test_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::storage {
namespace {

using test_util::Col;
using test_util::TestOptions;

std::vector<Value> Key(int64_t id) { return {Value::Int8(id)}; }

// Drains a scanner.
Result<std::vector<Row>> ScanAll(RowScanner* scanner, std::vector<RowLocator>* locators = nullptr) {
  std::vector<Row> rows;
  RowBatch batch;
  while (true) {
    STRATA_ASSIGN_OR_RETURN(bool more, scanner->Next(&batch));
    if (!more) break;
    for (Row& r : batch.rows) rows.push_back(std::move(r));
    if (locators != nullptr) {
      for (RowLocator& l : batch.locators) locators->push_back(std::move(l));
    }
  }
  return rows;
}

class TableRowsTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    db_.reset();
    auto db = Database::Open(dir_.str(), TestOptions());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  // Creates (id int8 PK, a int8, b int8, s text NOT NULL) with `shards`.
  const TableDef* CreateWide(const std::string& name, int shards) {
    CreateTableRequest req;
    req.name = {"", name};
    req.columns = {Col("id", TypeId::kInt8, true), Col("a", TypeId::kInt8), Col("b", TypeId::kInt8),
                   Col("s", TypeId::kText, false, true)};
    req.properties = {{"shard_count", std::to_string(shards)}};
    auto txn = db_->BeginTransaction();
    auto created = txn->CreateTable(req);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_TRUE(txn->Commit().ok());
    return Find(name);
  }
  // A table of the latest catalog; the snapshot is kept alive by the fixture
  // so the pointer stays valid for the test.
  const TableDef* Find(const std::string& name) {
    pinned_.push_back(db_->catalog());
    return pinned_.back()->FindTable("", name);
  }
  Status Run(const std::function<Status(DatabaseTransaction*)>& fn) {
    auto txn = db_->BeginTransaction();
    STRATA_RETURN_IF_ERROR(fn(txn.get()));
    return txn->Commit().status();
  }
  // Counts raw row-replica keys of a relfilenode (all shards).
  size_t RawKeyCount(uint32_t relfilenode) {
    Snapshot snap = db_->engine()->TakeSnapshot();
    const std::string prefix = rowstore::TablePrefix(relfilenode);
    auto it = db_->engine()->NewIterator(snap, ColumnFamily::kRows,
                                         ReadBounds{prefix, rowstore::PrefixUpperBound(prefix)});
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }

  testing::TempDir dir_;
  std::vector<CatalogSnapshotPtr> pinned_;
  std::unique_ptr<Database> db_;
};

TEST_F(TableRowsTest, ShardRoutingSpreadsRowsAndGetFindsThem) {
  const TableDef* t = CreateWide("t", 8);
  ASSERT_NE(t, nullptr);
  constexpr int kRows = 400;
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    for (int i = 0; i < kRows; ++i) {
      STRATA_RETURN_IF_ERROR(
          txn->InsertIfAbsent(*t, {Value::Int8(i), Value::Int8(i * 10), Value(), Value::Text("x")})
              .status());
    }
    return Status::OK();
  }));
  // Every row is in exactly one shard, the one its key hashes to.
  Snapshot snap = db_->engine()->TakeSnapshot();
  std::vector<int> per_shard(8, 0);
  for (uint16_t shard = 0; shard < 8; ++shard) {
    const std::string prefix = rowstore::ShardPrefix(t->relfilenode, shard);
    auto it = db_->engine()->NewIterator(snap, ColumnFamily::kRows,
                                         ReadBounds{prefix, rowstore::PrefixUpperBound(prefix)});
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const DataType types[] = {DataType::Of(TypeId::kInt8)};
      ASSERT_OK_AND_ASSIGN(rowstore::RowKey key, rowstore::DecodeRowKey(it->key(), types));
      EXPECT_EQ(key.shard_id, shard);
      EXPECT_EQ(HashValues(key.primary_key) % 8, shard);
      ++per_shard[shard];
    }
  }
  int total = 0;
  for (int n : per_shard) {
    EXPECT_GT(n, kRows / 8 / 3) << "shards should be roughly balanced";
    total += n;
  }
  EXPECT_EQ(total, kRows);
  ReadView view = db_->TakeReadView();
  for (int i = 0; i < kRows; ++i) {
    ASSERT_OK_AND_ASSIGN(auto row, view.Get(*t, Key(i)));
    ASSERT_TRUE(row.has_value()) << i;
    EXPECT_EQ((*row)[1], Value::Int8(i * 10));
  }
  // A full scan merges the shards back into key order.
  ASSERT_OK_AND_ASSIGN(auto scanner, view.Scan(*t, ScanSpec{}));
  ASSERT_OK_AND_ASSIGN(std::vector<Row> rows, ScanAll(scanner.get()));
  ASSERT_EQ(rows.size(), static_cast<size_t>(kRows));
  for (int i = 0; i < kRows; ++i) EXPECT_EQ(rows[i][0], Value::Int8(i));
}

TEST_F(TableRowsTest, InsertIfAbsentAndNotNull) {
  const TableDef* t = CreateWide("t", 2);
  auto txn = db_->BeginTransaction();
  ASSERT_OK_AND_ASSIGN(RowChange ins, txn->InsertIfAbsent(*t, {Value::Int8(1), Value::Int8(2),
                                                               Value(), Value::Text("x")}));
  EXPECT_FALSE(ins.before.has_value());
  ASSERT_TRUE(ins.after.has_value());
  Result<RowChange> dup =
      txn->InsertIfAbsent(*t, {Value::Int8(1), Value::Int8(3), Value(), Value::Text("y")});
  ASSERT_SQLSTATE(dup, SqlState::kUniqueViolation);
  EXPECT_EQ(dup.status().message(), "duplicate key value violates unique constraint \"t_pkey\"");
  EXPECT_EQ(dup.status().detail(), "Key (id)=(1) already exists.");
  ASSERT_OK_AND_ASSIGN(RowChange ignored, txn->InsertOrIgnore(*t, {Value::Int8(1), Value::Int8(3),
                                                                   Value(), Value::Text("y")}));
  EXPECT_FALSE(ignored.changed());
  Result<RowChange> null_s = txn->InsertIfAbsent(*t, {Value::Int8(5), Value(), Value(), Value()});
  ASSERT_SQLSTATE(null_s, SqlState::kNotNullViolation);
  EXPECT_EQ(null_s.status().message(),
            "null value in column \"s\" of relation \"t\" violates not-null constraint");
  EXPECT_EQ(null_s.status().detail(), "Failing row contains (5, null, null, null).");
  ASSERT_SQLSTATE(txn->InsertIfAbsent(*t, {Value(), Value(), Value(), Value::Text("x")}),
                  SqlState::kNotNullViolation);
  ASSERT_SQLSTATE(txn->UpdateColumns(*t, Key(1), std::vector<ColumnAssignment>{{4, Value()}}),
                  SqlState::kNotNullViolation);
  ASSERT_SQLSTATE(
      txn->InsertIfAbsent(*t, {Value::Int8(9), Value::Text("no"), Value(), Value::Text("x")}),
      SqlState::kDatatypeMismatch);
  ASSERT_SQLSTATE(txn->InsertIfAbsent(*t, {Value::Int8(9)}), SqlState::kInvalidParameterValue);
  // Narrower ints are widened to the column type, and key lookups with
  // another int width find the row.
  ASSERT_OK(txn->InsertIfAbsent(*t, {Value::Int4(7), Value::Int2(1), Value(), Value::Text("x")}));
  ASSERT_OK_AND_ASSIGN(auto row, txn->Get(*t, std::vector<Value>{Value::Int2(7)}));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ((*row)[1], Value::Int8(1));
  ASSERT_OK(txn->Commit());

  // Another transaction's uncommitted insert is not visible; the later
  // committer of the same key gets 40001.
  auto a = db_->BeginTransaction();
  auto b = db_->BeginTransaction();
  ASSERT_OK(a->InsertIfAbsent(*t, {Value::Int8(100), Value(), Value(), Value::Text("a")}));
  ASSERT_OK(b->InsertIfAbsent(*t, {Value::Int8(100), Value(), Value(), Value::Text("b")}));
  ASSERT_OK(a->Commit());
  ASSERT_SQLSTATE(b->Commit(), SqlState::kSerializationFailure);
}

TEST_F(TableRowsTest, PartialUpdatesTouchOnlyNamedColumns) {
  const TableDef* t = CreateWide("t", 1);
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    return txn
        ->InsertIfAbsent(*t, {Value::Int8(1), Value::Int8(10), Value::Int8(20), Value::Text("s")})
        .status();
  }));
  const uint32_t a_id = t->FindColumn("a")->id;
  const uint32_t b_id = t->FindColumn("b")->id;
  auto txn = db_->BeginTransaction();
  ASSERT_OK_AND_ASSIGN(
      RowChange ch,
      txn->UpdateColumns(*t, Key(1), std::vector<ColumnAssignment>{{a_id, Value::Int8(11)}}));
  ASSERT_TRUE(ch.before.has_value());
  ASSERT_TRUE(ch.after.has_value());
  EXPECT_EQ((*ch.before)[1], Value::Int8(10));
  EXPECT_EQ((*ch.after)[1], Value::Int8(11));
  EXPECT_EQ((*ch.after)[2], Value::Int8(20));
  EXPECT_EQ((*ch.after)[3], Value::Text("s"));
  // Partial upsert: existing key -> only b changes; new key -> full insert.
  const uint32_t only_b[] = {b_id};
  ASSERT_OK_AND_ASSIGN(
      RowChange up,
      txn->UpsertColumns(*t, {Value::Int8(1), Value::Int8(999), Value::Int8(21), Value::Text("zz")},
                         only_b));
  EXPECT_EQ(*up.after, (Row{Value::Int8(1), Value::Int8(11), Value::Int8(21), Value::Text("s")}));
  ASSERT_OK_AND_ASSIGN(
      RowChange ins,
      txn->UpsertColumns(*t, {Value::Int8(2), Value::Int8(5), Value::Int8(6), Value::Text("n")},
                         only_b));
  EXPECT_FALSE(ins.before.has_value());
  ASSERT_OK_AND_ASSIGN(auto row2, txn->Get(*t, Key(2)));
  EXPECT_EQ((*row2)[1], Value::Int8(5));
  // Missing key: nothing happens.
  ASSERT_OK_AND_ASSIGN(
      RowChange none,
      txn->UpdateColumns(*t, Key(42), std::vector<ColumnAssignment>{{a_id, Value::Int8(1)}}));
  EXPECT_FALSE(none.changed());
  ASSERT_SQLSTATE(
      txn->UpdateColumns(*t, Key(1),
                         std::vector<ColumnAssignment>{{t->primary_key[0], Value::Int8(5)}}),
      SqlState::kFeatureNotSupported);
  ASSERT_SQLSTATE(txn->UpdateColumns(*t, Key(1), std::vector<ColumnAssignment>{{77, Value()}}),
                  SqlState::kUndefinedColumn);
  // Full upsert returns the before image.
  ASSERT_OK_AND_ASSIGN(RowChange full,
                       txn->Upsert(*t, {Value::Int8(1), Value(), Value(), Value::Text("r")}));
  ASSERT_TRUE(full.before.has_value());
  EXPECT_EQ((*full.before)[2], Value::Int8(21));
  ASSERT_OK(txn->Commit());
  ReadView view = db_->TakeReadView();
  ASSERT_OK_AND_ASSIGN(auto row, view.Get(*t, Key(1)));
  EXPECT_EQ(*row, (Row{Value::Int8(1), Value::Null(TypeId::kInt8), Value::Null(TypeId::kInt8),
                       Value::Text("r")}));
}

TEST_F(TableRowsTest, DeleteAndUpdatePrimaryKey) {
  const TableDef* t = CreateWide("t", 4);
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    for (int i = 1; i <= 3; ++i) {
      STRATA_RETURN_IF_ERROR(
          txn->InsertIfAbsent(*t, {Value::Int8(i), Value::Int8(i), Value(), Value::Text("x")})
              .status());
    }
    return Status::OK();
  }));
  auto txn = db_->BeginTransaction();
  ASSERT_OK_AND_ASSIGN(RowChange del, txn->Delete(*t, Key(2)));
  ASSERT_TRUE(del.before.has_value());
  EXPECT_FALSE(del.after.has_value());
  EXPECT_EQ((*del.before)[1], Value::Int8(2));
  ASSERT_OK_AND_ASSIGN(RowChange again, txn->Delete(*t, Key(2)));
  EXPECT_FALSE(again.changed());
  ASSERT_SQLSTATE(
      txn->UpdatePrimaryKey(*t, Key(1), {Value::Int8(3), Value(), Value(), Value::Text("y")}),
      SqlState::kUniqueViolation);
  ASSERT_OK_AND_ASSIGN(RowChange moved, txn->UpdatePrimaryKey(*t, Key(1),
                                                              {Value::Int8(10), Value::Int8(1),
                                                               Value(), Value::Text("m")}));
  EXPECT_EQ((*moved.before)[0], Value::Int8(1));
  EXPECT_EQ((*moved.after)[0], Value::Int8(10));
  ASSERT_OK(txn->Commit());
  ReadView view = db_->TakeReadView();
  ASSERT_OK_AND_ASSIGN(auto scanner, view.Scan(*t, ScanSpec{}));
  ASSERT_OK_AND_ASSIGN(std::vector<Row> rows, ScanAll(scanner.get()));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], Value::Int8(3));
  EXPECT_EQ(rows[1][0], Value::Int8(10));
  std::vector<std::vector<Value>> keys = {Key(1), Key(3), Key(10)};
  ASSERT_OK_AND_ASSIGN(auto got, view.MultiGet(*t, keys));
  EXPECT_FALSE(got[0].has_value());
  EXPECT_TRUE(got[1].has_value());
  EXPECT_TRUE(got[2].has_value());
}

TEST_F(TableRowsTest, ScansWithBoundsOnCompositeKeys) {
  CreateTableRequest req;
  req.name = {"", "c"};
  req.columns = {Col("a", TypeId::kInt4), Col("b", TypeId::kText), Col("v", TypeId::kInt8)};
  req.primary_key = {"a", "b"};
  req.properties = {{"shard_count", "3"}, {"distribution_key", "a"}};
  ASSERT_OK(Run([&](DatabaseTransaction* txn) { return txn->CreateTable(req).status(); }));
  const TableDef* t = Find("c");
  const std::vector<std::string> bs = {"", "a", "ab", "b", "z"};
  auto txn = db_->BeginTransaction();
  // Insert in a scrambled order.
  for (int a : {3, -1, 0, 2, 1}) {
    for (size_t k = bs.size(); k-- > 0;) {
      ASSERT_OK(
          txn->InsertIfAbsent(*t, {Value::Int4(a), Value::Text(bs[k]), Value::Int8(a * 100)}));
    }
  }
  auto scan = [&](std::optional<KeyBound> lower, std::optional<KeyBound> upper) {
    ScanSpec spec;
    spec.lower = std::move(lower);
    spec.upper = std::move(upper);
    spec.projection = {t->columns[1].id, t->columns[0].id};  // (b, a)
    spec.batch_rows = 2;
    std::vector<std::pair<int64_t, std::string>> out;
    auto scanner = txn->Scan(*t, spec);
    EXPECT_TRUE(scanner.ok()) << scanner.status().ToString();
    if (!scanner.ok()) return out;
    auto rows = ScanAll(scanner->get());
    EXPECT_TRUE(rows.ok());
    for (const Row& r : *rows) {
      out.emplace_back(r[1].int_value(), std::string(r[0].string_value()));
    }
    return out;
  };
  // Everything, in (a, b) order.
  auto all = scan(std::nullopt, std::nullopt);
  ASSERT_EQ(all.size(), 25u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(all.front(), (std::pair<int64_t, std::string>(-1, "")));
  // a >= 1 AND a < 3
  auto r1 = scan(KeyBound{{Value::Int4(1)}, true}, KeyBound{{Value::Int4(3)}, false});
  ASSERT_EQ(r1.size(), 10u);
  EXPECT_EQ(r1.front().first, 1);
  EXPECT_EQ(r1.back(), (std::pair<int64_t, std::string>(2, "z")));
  // a > 0 AND a <= 1
  auto r2 = scan(KeyBound{{Value::Int4(0)}, false}, KeyBound{{Value::Int4(1)}, true});
  ASSERT_EQ(r2.size(), 5u);
  for (const auto& p : r2) EXPECT_EQ(p.first, 1);
  // (a, b) > (2, 'a') AND (a, b) <= (2, 'b')
  auto r3 = scan(KeyBound{{Value::Int4(2), Value::Text("a")}, false},
                 KeyBound{{Value::Int4(2), Value::Text("b")}, true});
  ASSERT_EQ(r3.size(), 2u);
  EXPECT_EQ(r3[0].second, "ab");
  EXPECT_EQ(r3[1].second, "b");
  // Empty range.
  EXPECT_TRUE(scan(KeyBound{{Value::Int4(2)}, false}, KeyBound{{Value::Int4(2)}, true}).empty());
  // Errors.
  ScanSpec bad;
  bad.projection = {99};
  ASSERT_SQLSTATE(txn->Scan(*t, bad), SqlState::kUndefinedColumn);
  ScanSpec too_long;
  too_long.lower = KeyBound{{Value::Int4(1), Value::Text("a"), Value::Int4(2)}, true};
  ASSERT_SQLSTATE(txn->Scan(*t, too_long), SqlState::kInvalidParameterValue);
}

TEST_F(TableRowsTest, ScanThenWriteBetweenBatches) {
  const TableDef* t = CreateWide("t", 2);
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    for (int i = 0; i < 50; ++i) {
      STRATA_RETURN_IF_ERROR(
          txn->InsertIfAbsent(*t, {Value::Int8(i), Value::Int8(0), Value(), Value::Text("x")})
              .status());
    }
    return Status::OK();
  }));
  auto txn = db_->BeginTransaction();
  ScanSpec spec;
  spec.batch_rows = 7;
  ASSERT_OK_AND_ASSIGN(auto scanner, txn->Scan(*t, spec));
  RowBatch batch;
  int seen = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool more, scanner->Next(&batch));
    if (!more) break;
    for (const Row& r : batch.rows) {
      ++seen;
      const int64_t id = r[0].int_value();
      if (id % 2 == 0) {
        ASSERT_OK(txn->Delete(*t, std::vector<Value>{r[0]}));
      } else {
        ASSERT_OK(txn->UpdateColumns(*t, std::vector<Value>{r[0]},
                                     std::vector<ColumnAssignment>{{2, Value::Int8(1)}}));
      }
    }
  }
  EXPECT_EQ(seen, 50);
  ASSERT_OK(txn->Commit());
  ReadView view = db_->TakeReadView();
  ASSERT_OK_AND_ASSIGN(auto s2, view.Scan(*t, ScanSpec{}));
  ASSERT_OK_AND_ASSIGN(std::vector<Row> rows, ScanAll(s2.get()));
  ASSERT_EQ(rows.size(), 25u);
  for (const Row& r : rows) EXPECT_EQ(r[1], Value::Int8(1));
}

TEST_F(TableRowsTest, AddColumnDefaultAndDropColumn) {
  const TableDef* t = CreateWide("t", 1);
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    return txn
        ->InsertIfAbsent(*t, {Value::Int8(1), Value::Int8(1), Value::Int8(2), Value::Text("x")})
        .status();
  }));
  NewColumn d = Col("d", TypeId::kInt4);
  d.default_sql = "42";
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    STRATA_RETURN_IF_ERROR(txn->AddColumn({"", "t"}, d, Value::Int4(42), false).status());
    // The same transaction reads the old row with the default.
    const TableDef* t2 = txn->catalog().FindTable("", "t");
    auto row = txn->Get(*t2, Key(1));
    STRATA_RETURN_IF_ERROR(row.status());
    EXPECT_EQ((**row)[4], Value::Int4(42));
    return txn->InsertIfAbsent(*t2, {Value::Int8(2), Value(), Value(), Value::Text("y"), Value()})
        .status();
  }));
  Reopen();
  const TableDef* t2 = Find("t");
  ReadView view = db_->TakeReadView();
  ASSERT_OK_AND_ASSIGN(auto old_row, view.Get(*t2, Key(1)));
  ASSERT_TRUE(old_row.has_value());
  EXPECT_EQ((*old_row)[4], Value::Int4(42));
  ASSERT_OK_AND_ASSIGN(auto new_row, view.Get(*t2, Key(2)));
  ASSERT_TRUE(new_row.has_value());
  EXPECT_TRUE((*new_row)[4].is_null());  // explicit NULL is not the default

  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    return txn->DropColumn({"", "t"}, "a", false).status();
  }));
  const TableDef* t3 = Find("t");
  ASSERT_EQ(t3->columns.size(), 4u);
  ReadView view2 = db_->TakeReadView();
  ASSERT_OK_AND_ASSIGN(auto dropped, view2.Get(*t3, Key(1)));
  EXPECT_EQ(*dropped, (Row{Value::Int8(1), Value::Int8(2), Value::Text("x"), Value::Int4(42)}));
  // Writing with the stale definition (a column fewer/more) fails cleanly.
  auto txn = db_->BeginTransaction();
  ASSERT_SQLSTATE(
      txn->InsertIfAbsent(*t2, {Value::Int8(3), Value(), Value(), Value::Text("y"), Value()}),
      SqlState::kInvalidParameterValue);
}

TEST_F(TableRowsTest, TruncateAndDropReclaimSpace) {
  const TableDef* t = CreateWide("t", 4);
  const uint32_t old_rel = t->relfilenode;
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    for (int i = 0; i < 100; ++i) {
      STRATA_RETURN_IF_ERROR(
          txn->InsertIfAbsent(*t, {Value::Int8(i), Value(), Value(), Value::Text("x")}).status());
    }
    return Status::OK();
  }));
  EXPECT_EQ(RawKeyCount(old_rel), 100u);
  {
    // Truncate, insert into the empty table, roll back: nothing changes.
    auto txn = db_->BeginTransaction();
    ASSERT_OK(txn->TruncateTable({"", "t"}));
    const TableDef* tt = txn->catalog().FindTable("", "t");
    ASSERT_OK_AND_ASSIGN(auto scanner, txn->Scan(*tt, ScanSpec{}));
    ASSERT_OK_AND_ASSIGN(auto rows, ScanAll(scanner.get()));
    EXPECT_TRUE(rows.empty());
    txn->Rollback();
  }
  EXPECT_EQ(RawKeyCount(old_rel), 100u);
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    STRATA_RETURN_IF_ERROR(txn->TruncateTable({"", "t"}));
    const TableDef* tt = txn->catalog().FindTable("", "t");
    return txn->InsertIfAbsent(*tt, {Value::Int8(5), Value(), Value(), Value::Text("after")})
        .status();
  }));
  EXPECT_EQ(RawKeyCount(old_rel), 0u);
  const TableDef* t2 = Find("t");
  EXPECT_NE(t2->relfilenode, old_rel);
  EXPECT_EQ(t2->id, t->id);
  {
    ReadView view = db_->TakeReadView();
    ASSERT_OK_AND_ASSIGN(auto scanner, view.Scan(*t2, ScanSpec{}));
    ASSERT_OK_AND_ASSIGN(auto rows, ScanAll(scanner.get()));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][3], Value::Text("after"));
  }

  const uint32_t rel2 = t2->relfilenode;
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    return txn->DropTable({"", "t"}, false).status();
  }));
  EXPECT_EQ(RawKeyCount(rel2), 0u);
  EXPECT_EQ(Find("t"), nullptr);
  // Re-create: a new, empty table.
  const TableDef* t3 = CreateWide("t", 2);
  ASSERT_NE(t3, nullptr);
  EXPECT_NE(t3->id, t->id);
  {
    ReadView view2 = db_->TakeReadView();
    ASSERT_OK_AND_ASSIGN(auto s3, view2.Scan(*t3, ScanSpec{}));
    ASSERT_OK_AND_ASSIGN(auto rows3, ScanAll(s3.get()));
    EXPECT_TRUE(rows3.empty());
  }
  Reopen();
  EXPECT_EQ(RawKeyCount(old_rel), 0u);
  EXPECT_EQ(RawKeyCount(rel2), 0u);
}

// TRUNCATE reclaims the old relfilenode with a range deletion, which the
// hot-row cache is not told of (storage/hot_row_cache.h): readers at later
// snapshots must still never see the old rows, cached as they are, while a
// reader at an older snapshot keeps seeing them (also once the tombstone is
// compacted into their file).
TEST_F(TableRowsTest, HotRowsNeverServeRowsOfAReclaimedTable) {
  const TableDef* t = CreateWide("t", 1);
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    for (int i = 0; i < 10; ++i) {
      STRATA_RETURN_IF_ERROR(
          txn->InsertIfAbsent(*t, {Value::Int8(i), Value(), Value(), Value::Text("old")}).status());
    }
    return Status::OK();
  }));
  std::vector<std::vector<Value>> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(Key(i));
  rocksdb::DB* rdb = db_->engine()->db();
  rocksdb::ColumnFamilyHandle* rows_cf = db_->engine()->handle(ColumnFamily::kRows);
  ASSERT_TRUE(rdb->Flush(rocksdb::FlushOptions(), rows_cf).ok());
  auto before = db_->BeginTransaction();
  for (int round = 0; round < 2; ++round) {  // fills the cache, then hits it
    ASSERT_OK_AND_ASSIGN(auto rows, before->MultiGet(*t, keys));
    for (const auto& row : rows) ASSERT_TRUE(row.has_value());
  }
  const uint64_t hits = db_->engine()->hot_rows()->stats().hits;
  EXPECT_GE(hits, 10u);
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    STRATA_RETURN_IF_ERROR(txn->TruncateTable({"", "t"}));
    const TableDef* tt = txn->catalog().FindTable("", "t");
    return txn->InsertIfAbsent(*tt, {Value::Int8(5), Value(), Value(), Value::Text("new")}).status();
  }));
  ASSERT_TRUE(rdb->Flush(rocksdb::FlushOptions(), rows_cf).ok());
  ASSERT_TRUE(rdb->CompactRange(rocksdb::CompactRangeOptions(), rows_cf, nullptr, nullptr).ok());

  const TableDef* now = Find("t");
  ASSERT_NE(now->relfilenode, t->relfilenode);
  auto after = db_->BeginTransaction();
  for (int round = 0; round < 2; ++round) {
    ASSERT_OK_AND_ASSIGN(auto old_rows, before->MultiGet(*t, keys));
    ASSERT_OK_AND_ASSIGN(auto new_rows, after->MultiGet(*now, keys));
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(old_rows[i].has_value()) << i;
      EXPECT_EQ((*old_rows[i])[3], Value::Text("old"));
      EXPECT_EQ(new_rows[i].has_value(), i == 5) << i;
      if (new_rows[i].has_value()) {
        EXPECT_EQ((*new_rows[i])[3], Value::Text("new"));
      }
    }
  }
  EXPECT_GT(db_->engine()->hot_rows()->stats().hits, hits);
  before.reset();
  EXPECT_EQ(RawKeyCount(t->relfilenode), 0u);
}

TEST_F(TableRowsTest, TableWithoutPrimaryKeyAppendsWithHiddenRowIds) {
  CreateTableRequest req;
  req.name = {"", "log"};
  req.columns = {Col("msg", TypeId::kText), Col("n", TypeId::kInt4)};
  req.properties = {{"shard_count", "3"}};
  ASSERT_OK(Run([&](DatabaseTransaction* txn) { return txn->CreateTable(req).status(); }));
  const TableDef* t = Find("log");
  EXPECT_EQ(t->properties.orientation, Orientation::kColumn);
  EXPECT_TRUE(t->properties.distribution_key.empty());
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    for (int i = 0; i < 10; ++i) {
      STRATA_RETURN_IF_ERROR(txn->InsertIfAbsent(*t, {Value::Text("m"), Value::Int4(i)}).status());
      // Duplicates are fine: no key.
      STRATA_RETURN_IF_ERROR(txn->InsertIfAbsent(*t, {Value::Text("m"), Value::Int4(i)}).status());
    }
    return Status::OK();
  }));
  Reopen();
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    return txn->InsertIfAbsent(*t, {Value::Text("last"), Value::Int4(99)}).status();
  }));
  t = Find("log");
  auto txn = db_->BeginTransaction();
  ScanSpec spec;
  spec.with_locators = true;
  std::vector<RowLocator> locators;
  ASSERT_OK_AND_ASSIGN(auto scanner, txn->Scan(*t, spec));
  ASSERT_OK_AND_ASSIGN(auto rows, ScanAll(scanner.get(), &locators));
  ASSERT_EQ(rows.size(), 21u);
  ASSERT_EQ(locators.size(), 21u);
  // Insertion order, also across a restart (row ids keep increasing).
  for (int i = 0; i < 20; ++i) EXPECT_EQ(rows[i][1], Value::Int4(i / 2));
  EXPECT_EQ(rows[20][0], Value::Text("last"));
  ASSERT_OK_AND_ASSIGN(RowChange del, txn->DeleteAt(*t, locators[0]));
  EXPECT_TRUE(del.before.has_value());
  ASSERT_OK_AND_ASSIGN(
      RowChange upd,
      txn->UpdateColumnsAt(*t, locators[1],
                           std::vector<ColumnAssignment>{{t->columns[0].id, Value::Text("u")}}));
  EXPECT_EQ((*upd.after)[0], Value::Text("u"));
  ASSERT_SQLSTATE(txn->Upsert(*t, {Value::Text("x"), Value::Int4(1)}),
                  SqlState::kFeatureNotSupported);
  ASSERT_SQLSTATE(txn->Get(*t, std::vector<Value>{Value::Int8(1)}), SqlState::kFeatureNotSupported);
  ASSERT_OK(txn->Commit());
  // A table without a PK cannot be a row table.
  CreateTableRequest row_no_pk = req;
  row_no_pk.name.name = "bad";
  row_no_pk.properties = {{"orientation", "row"}};
  ASSERT_SQLSTATE(Run([&](DatabaseTransaction* t2) { return t2->CreateTable(row_no_pk).status(); }),
                  SqlState::kInvalidTableDefinition);
}

// The concurrency test required by the issue: 8 threads run transactions
// of full upserts, partial increments of column a or column b, and deletes
// over a small set of overlapping keys, retrying on 40001. At the end:
// every committed increment is visible (a and b each equal the number of
// committed increments of that column since the row's last full write or
// delete), and commit LSNs are strictly increasing and gap-free.
TEST_F(TableRowsTest, ConcurrentPartialUpdatesNeverLoseColumns) {
  const TableDef* t = CreateWide("t", 4);
  constexpr int kKeys = 6;
  constexpr int kThreads = 8;
  constexpr int kTxnsPerThread = 150;
  const uint32_t a_id = t->FindColumn("a")->id;
  const uint32_t b_id = t->FindColumn("b")->id;
  ASSERT_OK(Run([&](DatabaseTransaction* txn) {
    for (int k = 0; k < kKeys; ++k) {
      STRATA_RETURN_IF_ERROR(txn->InsertIfAbsent(*t, {Value::Int8(k), Value::Int8(0),
                                                      Value::Int8(0), Value::Text("init")})
                                 .status());
    }
    return Status::OK();
  }));
  const Lsn start_lsn = db_->last_committed_lsn();

  // Committed operations in LSN order, to replay as the expected state.
  struct Op {
    int kind;  // 0 inc a, 1 inc b, 2 delete, 3 full upsert (a=b=0)
    int key;
  };
  std::mutex mu;
  std::vector<std::pair<Lsn, std::vector<Op>>> committed;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      std::mt19937 rng(1234 + th);
      // Threads 0-3 increment a, 4-7 increment b; every thread sometimes
      // deletes or rewrites a row.
      for (int i = 0; i < kTxnsPerThread; ++i) {
        std::vector<Op> ops;
        const int n = 1 + static_cast<int>(rng() % 2);
        for (int j = 0; j < n; ++j) {
          const int r = static_cast<int>(rng() % 20);
          const int kind = r == 0 ? 2 : (r == 1 ? 3 : (th < 4 ? 0 : 1));
          ops.push_back({kind, static_cast<int>(rng() % kKeys)});
        }
        while (true) {
          auto txn = db_->BeginTransaction();
          Status s;
          for (const Op& op : ops) {
            const std::vector<Value> key = Key(op.key);
            if (op.kind == 0 || op.kind == 1) {
              const uint32_t col = op.kind == 0 ? a_id : b_id;
              const size_t idx = op.kind == 0 ? 1 : 2;
              auto row = txn->Get(*t, key);
              if (!row.ok()) {
                s = row.status();
                break;
              }
              if (!row->has_value()) {
                // Deleted: recreate via partial upsert with the count 1.
                Row fresh = {Value::Int8(op.key), Value::Int8(0), Value::Int8(0),
                             Value::Text("re")};
                fresh[idx] = Value::Int8(1);
                const uint32_t ids[] = {col};
                s = txn->UpsertColumns(*t, fresh, ids).status();
              } else {
                const int64_t cur = (**row)[idx].is_null() ? 0 : (**row)[idx].int_value();
                s = txn->UpdateColumns(*t, key,
                                       std::vector<ColumnAssignment>{{col, Value::Int8(cur + 1)}})
                        .status();
              }
            } else if (op.kind == 2) {
              s = txn->Delete(*t, key).status();
            } else {
              s = txn->Upsert(*t, {Value::Int8(op.key), Value::Int8(0), Value::Int8(0),
                                   Value::Text("full")})
                      .status();
            }
            if (!s.ok()) break;
          }
          if (s.ok()) {
            Result<Lsn> lsn = txn->Commit();
            if (lsn.ok()) {
              std::lock_guard<std::mutex> lock(mu);
              committed.emplace_back(*lsn, ops);
              break;
            }
            s = lsn.status();
          }
          ASSERT_EQ(s.sql_state(), SqlState::kSerializationFailure) << s.ToString();
          conflicts.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();

  ASSERT_EQ(committed.size(), static_cast<size_t>(kThreads * kTxnsPerThread));
  // A transaction that wrote nothing (only deletes of absent keys) commits
  // without an LSN; it has no effects to replay.
  std::erase_if(committed, [](const auto& c) {
    if (c.first != kInvalidLsn) return false;
    for (const Op& op : c.second) EXPECT_EQ(op.kind, 2);
    return true;
  });
  std::sort(committed.begin(), committed.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  // LSNs strictly increasing and gap-free in commit order.
  for (size_t i = 0; i < committed.size(); ++i) {
    ASSERT_EQ(committed[i].first, start_lsn + 1 + i);
  }
  EXPECT_EQ(db_->last_committed_lsn(), committed.back().first);

  // Replay in LSN order.
  struct Expected {
    bool present = true;
    int64_t a = 0;
    int64_t b = 0;
  };
  std::vector<Expected> expected(kKeys);
  for (const auto& [lsn, ops] : committed) {
    for (const Op& op : ops) {
      Expected& e = expected[op.key];
      switch (op.kind) {
        case 0:
        case 1:
          if (!e.present) e = Expected{true, 0, 0};
          (op.kind == 0 ? e.a : e.b) += 1;
          break;
        case 2:
          e.present = false;
          break;
        default:
          e = Expected{true, 0, 0};
      }
    }
  }
  ReadView view = db_->TakeReadView();
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_OK_AND_ASSIGN(auto row, view.Get(*t, Key(k)));
    ASSERT_EQ(row.has_value(), expected[k].present) << "key " << k;
    if (!row.has_value()) continue;
    EXPECT_EQ((*row)[1], Value::Int8(expected[k].a)) << "key " << k;
    EXPECT_EQ((*row)[2], Value::Int8(expected[k].b)) << "key " << k;
  }
  // Contention on 6 keys from 8 threads must have produced conflicts.
  EXPECT_GT(conflicts.load(), 0);
}

// kill -9 in the middle of a stream of "CREATE TABLE + INSERT" transactions
// (synchronous commits): after recovery every table in the catalog is whole
// (its row is there, its name record matches) and nothing half-applied
// remains.
TEST(DatabaseCrashTest, CatalogConsistentAfterKill9) {
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
    for (int i = 0;; ++i) {
      auto txn = (*db)->BeginTransaction();
      CreateTableRequest req;
      req.name = {"", "t" + std::to_string(i)};
      req.columns = {Col("id", TypeId::kInt8, true), Col("v", TypeId::kText)};
      auto created = txn->CreateTable(req);
      if (!created.ok()) _exit(3);
      if (!txn->InsertIfAbsent(*created->table, {Value::Int8(i), Value::Text("v")}).ok()) _exit(4);
      if (i % 3 == 0 && i > 0) {
        if (!txn->DropTable({"", "t" + std::to_string(i - 1)}, false).ok()) _exit(5);
      }
      if (!txn->Commit().ok()) _exit(6);
      if (i == 5 && write(progress[1], "x", 1) != 1) _exit(7);
    }
  }
  close(progress[1]);
  // Kill only once the child is committing (a loaded machine may take a
  // while to get there), then a little later, mid-stream.
  char byte = 0;
  ASSERT_EQ(read(progress[0], &byte, 1), 1);
  close(progress[0]);
  usleep(100 * 1000);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);

  auto db = Database::Open(dir.str(), TestOptions());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  CatalogSnapshotPtr cat = (*db)->catalog();
  ASSERT_GT(cat->tables().size(), 0u);
  ReadView view = (*db)->TakeReadView();
  for (const TableDef* t : cat->tables()) {
    const int64_t i = std::stoll(t->name.substr(1));
    if (i % 3 == 2) {
      // Dropped by the next transaction unless that one never committed.
      EXPECT_EQ(cat->FindTable("", "t" + std::to_string(i + 1)), nullptr) << t->name;
    }
    ASSERT_OK_AND_ASSIGN(auto row, view.Get(*t, Key(i)));
    EXPECT_TRUE(row.has_value()) << t->name;
  }
  // Name records match the tables exactly.
  Snapshot snap = (*db)->engine()->TakeSnapshot();
  auto it = (*db)->engine()->NewIterator(snap, ColumnFamily::kCatalog, ReadBounds{"N", "O"});
  size_t names = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++names;
  EXPECT_EQ(names, cat->tables().size());
  it.reset();
  snap.Release();
  // New DDL works and gets a fresh OID.
  uint32_t max_id = 0;
  for (const TableDef* t : cat->tables()) max_id = std::max({max_id, t->id, t->relfilenode});
  auto txn = (*db)->BeginTransaction();
  CreateTableRequest req;
  req.name = {"", "after_crash"};
  req.columns = {Col("id", TypeId::kInt8, true)};
  ASSERT_OK_AND_ASSIGN(CreateTableResult created, txn->CreateTable(req));
  EXPECT_GT(created.table->id, max_id);
  ASSERT_OK(txn->Commit());
}

}  // namespace
}  // namespace strata::storage
