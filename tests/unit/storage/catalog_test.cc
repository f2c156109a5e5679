#include "storage/catalog.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/sql_state.h"
#include "storage/database.h"
#include "tests/unit/storage/storage_test_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::storage {
namespace {

using test_util::Col;
using test_util::TestOptions;

CreateTableRequest SimpleTable(std::string name) {
  CreateTableRequest req;
  req.name = {"", std::move(name)};
  req.columns = {Col("id", TypeId::kInt8, /*pk=*/true), Col("v", TypeId::kText)};
  return req;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    db_.reset();
    auto db = Database::Open(dir_.str(), TestOptions());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  Status RunDdl(const std::function<Status(DatabaseTransaction*)>& fn) {
    auto txn = db_->BeginTransaction();
    Status s = fn(txn.get());
    if (!s.ok()) return s;
    return txn->Commit().status();
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(CatalogTest, FreshDatabaseHasPublicAndSystemSchemas) {
  CatalogSnapshotPtr cat = db_->catalog();
  ASSERT_NE(cat->FindSchema("public"), nullptr);
  EXPECT_EQ(cat->FindSchema("public")->id, kPublicSchemaId);
  ASSERT_NE(cat->FindSchema("pg_catalog"), nullptr);
  EXPECT_TRUE(cat->FindSchema("pg_catalog")->is_system);
  ASSERT_NE(cat->FindSchema("information_schema"), nullptr);
  EXPECT_TRUE(cat->tables().empty());
}

TEST_F(CatalogTest, CreateTablePersistsAcrossReopen) {
  CreateTableRequest req;
  req.name = {"", "orders"};
  req.columns = {Col("a", TypeId::kInt4), Col("b", TypeId::kText), Col("c", TypeId::kFloat8)};
  req.columns[1].default_sql = "'x'";
  req.primary_key = {"a", "b"};
  req.properties = {{"shard_count", "4"},
                    {"binlog.level", "replica"},
                    {"binlog.ttl", "3600"},
                    {"clustering_key", "c:asc"},
                    {"bitmap_columns", "b"}};
  ASSERT_OK(RunDdl([&](DatabaseTransaction* t) { return t->CreateTable(req).status(); }));
  const TableDef* before = db_->catalog()->FindTable("public", "orders");
  ASSERT_NE(before, nullptr);
  EXPECT_GE(before->id, kFirstUserOid);
  const TableDef saved = *before;
  const uint64_t version = db_->catalog()->version();
  EXPECT_GE(version, 1u);

  Reopen();
  const TableDef* after = db_->catalog()->FindTable("", "orders");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(*after, saved);
  EXPECT_EQ(after->columns.size(), 3u);
  EXPECT_TRUE(after->columns[0].not_null);  // PK columns are NOT NULL
  EXPECT_TRUE(after->columns[1].not_null);
  EXPECT_FALSE(after->columns[2].not_null);
  EXPECT_EQ(after->columns[1].default_sql, "'x'");
  EXPECT_EQ(after->properties.shard_count, 4u);
  EXPECT_EQ(after->properties.binlog_level, BinlogLevel::kReplica);
  EXPECT_EQ(after->properties.binlog_ttl_seconds, 3600);
  EXPECT_EQ(after->properties.orientation, Orientation::kRowColumn);
  EXPECT_EQ(after->properties.distribution_key, after->primary_key);
  EXPECT_EQ(after->properties.clustering_key, std::vector<uint32_t>{after->columns[2].id});

  // OIDs are never reused after a restart.
  ASSERT_OK(
      RunDdl([&](DatabaseTransaction* t) { return t->CreateTable(SimpleTable("t2")).status(); }));
  EXPECT_GT(db_->catalog()->FindTable("", "t2")->id, saved.id);
}

TEST_F(CatalogTest, RollbackLeavesNothing) {
  {
    auto txn = db_->BeginTransaction();
    ASSERT_OK(txn->CreateSchema("s1", false));
    CreateTableRequest req = SimpleTable("t");
    req.name.schema = "s1";
    ASSERT_OK(txn->CreateTable(req));
    // The transaction sees its own DDL.
    EXPECT_NE(txn->catalog().FindTable("s1", "t"), nullptr);
    EXPECT_TRUE(txn->has_ddl());
    // Nobody else does.
    EXPECT_EQ(db_->catalog()->FindSchema("s1"), nullptr);
    txn->Rollback();
  }
  EXPECT_EQ(db_->catalog()->FindSchema("s1"), nullptr);
  Reopen();
  EXPECT_EQ(db_->catalog()->FindSchema("s1"), nullptr);
  EXPECT_TRUE(db_->catalog()->tables().empty());
}

TEST_F(CatalogTest, FailedDdlChangesNothing) {
  ASSERT_OK(
      RunDdl([&](DatabaseTransaction* t) { return t->CreateTable(SimpleTable("t")).status(); }));
  auto txn = db_->BeginTransaction();
  const CatalogSnapshotPtr before = txn->catalog_ptr();
  CreateTableRequest bad = SimpleTable("u");
  bad.properties = {{"shard_count", "0"}};
  ASSERT_SQLSTATE(txn->CreateTable(bad), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(txn->AddColumn({"", "t"}, Col("v", TypeId::kInt4), Value(), false),
                  SqlState::kDuplicateColumn);
  EXPECT_EQ(txn->catalog_ptr(), before);
  EXPECT_FALSE(txn->has_writes());
  EXPECT_EQ(txn->catalog().FindTable("", "u"), nullptr);
}

TEST_F(CatalogTest, TransactionSeesOwnDdlAndDataCommitsAtomically) {
  auto txn = db_->BeginTransaction();
  ASSERT_OK_AND_ASSIGN(CreateTableResult created, txn->CreateTable(SimpleTable("t")));
  ASSERT_OK(txn->SetTableProperties(
      {"", "t"}, std::vector<std::pair<std::string, std::string>>{{"orientation", "column"}}));
  const TableDef* t = txn->catalog().FindTable("", "t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->properties.orientation, Orientation::kColumn);
  EXPECT_EQ(t->id, created.table->id);
  ASSERT_OK(txn->InsertIfAbsent(*t, {Value::Int8(1), Value::Text("a")}));
  ASSERT_OK_AND_ASSIGN(auto row, txn->Get(*t, std::vector<Value>{Value::Int8(1)}));
  ASSERT_TRUE(row.has_value());
  ASSERT_OK(txn->Commit());

  const TableDef* committed = db_->catalog()->FindTable("", "t");
  ASSERT_NE(committed, nullptr);
  EXPECT_EQ(committed->properties.orientation, Orientation::kColumn);
  ReadView view = db_->TakeReadView();
  ASSERT_OK_AND_ASSIGN(auto got, view.Get(*committed, std::vector<Value>{Value::Int8(1)}));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ((*got)[1], Value::Text("a"));
}

TEST_F(CatalogTest, ErrorSqlStates) {
  ASSERT_OK(
      RunDdl([&](DatabaseTransaction* t) { return t->CreateTable(SimpleTable("t")).status(); }));
  auto txn = db_->BeginTransaction();
  ASSERT_SQLSTATE(txn->CreateTable(SimpleTable("t")), SqlState::kDuplicateTable);
  ASSERT_OK_AND_ASSIGN(CreateTableResult skipped, [&] {
    CreateTableRequest req = SimpleTable("t");
    req.if_not_exists = true;
    return txn->CreateTable(req);
  }());
  EXPECT_TRUE(skipped.skipped);

  CreateTableRequest no_schema = SimpleTable("x");
  no_schema.name.schema = "nope";
  ASSERT_SQLSTATE(txn->CreateTable(no_schema), SqlState::kInvalidSchemaName);
  CreateTableRequest sys = SimpleTable("x");
  sys.name.schema = "pg_catalog";
  ASSERT_SQLSTATE(txn->CreateTable(sys), SqlState::kInsufficientPrivilege);

  CreateTableRequest dup_col = SimpleTable("x");
  dup_col.columns.push_back(Col("v", TypeId::kInt4));
  ASSERT_SQLSTATE(txn->CreateTable(dup_col), SqlState::kDuplicateColumn);
  CreateTableRequest two_pks = SimpleTable("x");
  two_pks.primary_key = {"v"};
  ASSERT_SQLSTATE(txn->CreateTable(two_pks), SqlState::kInvalidTableDefinition);
  CreateTableRequest bad_pk;
  bad_pk.name = {"", "x"};
  bad_pk.columns = {Col("a", TypeId::kInt4)};
  bad_pk.primary_key = {"zz"};
  ASSERT_SQLSTATE(txn->CreateTable(bad_pk), SqlState::kUndefinedColumn);
  CreateTableRequest json_pk;
  json_pk.name = {"", "x"};
  json_pk.columns = {Col("a", TypeId::kJsonb, true)};
  ASSERT_SQLSTATE(txn->CreateTable(json_pk), SqlState::kFeatureNotSupported);
  CreateTableRequest bad_prop = SimpleTable("x");
  bad_prop.properties = {{"no_such_thing", "1"}};
  ASSERT_SQLSTATE(txn->CreateTable(bad_prop), SqlState::kInvalidParameterValue);
  bad_prop.properties = {{"orientation", "diagonal"}};
  ASSERT_SQLSTATE(txn->CreateTable(bad_prop), SqlState::kInvalidParameterValue);
  bad_prop.properties = {{"distribution_key", "v"}};  // not a subset of the PK
  ASSERT_SQLSTATE(txn->CreateTable(bad_prop), SqlState::kInvalidTableDefinition);
  bad_prop.properties = {{"distribution_key", "nope"}};
  ASSERT_SQLSTATE(txn->CreateTable(bad_prop), SqlState::kUndefinedColumn);

  ASSERT_SQLSTATE(txn->DropTable({"", "nope"}, false), SqlState::kUndefinedTable);
  ASSERT_OK_AND_ASSIGN(bool dropped, txn->DropTable({"", "nope"}, true));
  EXPECT_FALSE(dropped);
  ASSERT_SQLSTATE(txn->CreateSchema("public", false), SqlState::kDuplicateSchema);
  ASSERT_SQLSTATE(txn->CreateSchema("pg_mine", false), SqlState::kReservedName);
  ASSERT_SQLSTATE(txn->DropSchema("nope", false, DropBehavior::kRestrict),
                  SqlState::kInvalidSchemaName);
  ASSERT_SQLSTATE(txn->DropSchema("public", false, DropBehavior::kRestrict),
                  SqlState::kDependentObjectsStillExist);
  ASSERT_SQLSTATE(txn->DropSchema("pg_catalog", false, DropBehavior::kCascade),
                  SqlState::kDependentObjectsStillExist);
  ASSERT_SQLSTATE(txn->AddColumn({"", "nope"}, Col("z", TypeId::kInt4), Value(), false),
                  SqlState::kUndefinedTable);
  ASSERT_SQLSTATE(txn->DropColumn({"", "t"}, "zz", false), SqlState::kUndefinedColumn);
  ASSERT_SQLSTATE(txn->DropColumn({"", "t"}, "id", false), SqlState::kFeatureNotSupported);
  ASSERT_SQLSTATE(txn->RenameColumn({"", "t"}, "v", "id"), SqlState::kDuplicateColumn);
  ASSERT_OK(txn->CreateTable(SimpleTable("t3")));
  ASSERT_SQLSTATE(txn->RenameTable({"", "t"}, "t3"), SqlState::kDuplicateTable);
  ASSERT_SQLSTATE(txn->AddColumn({"", "t"}, Col("n", TypeId::kInt4), Value::Text("x"), false),
                  SqlState::kDatatypeMismatch);
}

TEST_F(CatalogTest, SchemasCascadeAndRestrict) {
  ASSERT_OK(RunDdl([&](DatabaseTransaction* t) {
    STRATA_RETURN_IF_ERROR(t->CreateSchema("s", false).status());
    CreateTableRequest req = SimpleTable("t");
    req.name.schema = "s";
    return t->CreateTable(req).status();
  }));
  ASSERT_NE(db_->catalog()->FindTable("s", "t"), nullptr);
  EXPECT_EQ(db_->catalog()->FindTable("", "t"), nullptr);
  EXPECT_EQ(db_->catalog()->QualifiedName(*db_->catalog()->FindTable("s", "t")), "s.t");
  ASSERT_SQLSTATE(RunDdl([&](DatabaseTransaction* t) {
                    return t->DropSchema("s", false, DropBehavior::kRestrict).status();
                  }),
                  SqlState::kDependentObjectsStillExist);
  ASSERT_OK(RunDdl([&](DatabaseTransaction* t) {
    return t->DropSchema("s", false, DropBehavior::kCascade).status();
  }));
  EXPECT_EQ(db_->catalog()->FindSchema("s"), nullptr);
  EXPECT_TRUE(db_->catalog()->tables().empty());
  Reopen();
  EXPECT_EQ(db_->catalog()->FindSchema("s"), nullptr);
  EXPECT_TRUE(db_->catalog()->tables().empty());
  // Dropping "public" sticks across a restart.
  ASSERT_OK(RunDdl([&](DatabaseTransaction* t) {
    return t->DropSchema("public", false, DropBehavior::kRestrict).status();
  }));
  Reopen();
  EXPECT_EQ(db_->catalog()->FindSchema("public"), nullptr);
}

TEST_F(CatalogTest, AlterTableOperations) {
  ASSERT_OK(
      RunDdl([&](DatabaseTransaction* t) { return t->CreateTable(SimpleTable("t")).status(); }));
  ASSERT_OK(RunDdl([&](DatabaseTransaction* t) {
    STRATA_RETURN_IF_ERROR(t->RenameTable({"", "t"}, "t2"));
    STRATA_RETURN_IF_ERROR(t->RenameColumn({"", "t2"}, "v", "w"));
    NewColumn n = Col("n", TypeId::kInt4);
    n.default_sql = "7";
    STRATA_RETURN_IF_ERROR(t->AddColumn({"", "t2"}, n, Value::Int4(7), false).status());
    return t->SetTableProperties({"", "t2"}, std::vector<std::pair<std::string, std::string>>{
                                                 {"bitmap_columns", "w:on,n:on"},
                                                 {"dictionary_encoding_columns", "w:auto"}});
  }));
  Reopen();
  CatalogSnapshotPtr cat = db_->catalog();
  EXPECT_EQ(cat->FindTable("", "t"), nullptr);
  const TableDef* t = cat->FindTable("", "t2");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->columns.size(), 3u);
  EXPECT_EQ(t->columns[1].name, "w");
  EXPECT_EQ(t->columns[2].name, "n");
  EXPECT_EQ(t->columns[2].id, 3u);
  EXPECT_EQ(t->columns[2].missing_value, Value::Int4(7));
  EXPECT_EQ(t->properties.bitmap_columns.size(), 2u);
  const uint32_t n_id = t->columns[2].id;
  ASSERT_OK(RunDdl([&](DatabaseTransaction* txn) {
    return txn->DropColumn({"", "t2"}, "n", false).status();
  }));
  t = db_->catalog()->FindTable("", "t2");
  EXPECT_EQ(t->FindColumnById(n_id), nullptr);
  EXPECT_EQ(t->properties.bitmap_columns.size(), 1u);
  // Column ids are never reused.
  ASSERT_OK(RunDdl([&](DatabaseTransaction* txn) {
    return txn->AddColumn({"", "t2"}, Col("n", TypeId::kInt4), Value(), false).status();
  }));
  EXPECT_EQ(db_->catalog()->FindTable("", "t2")->FindColumn("n")->id, 4u);
  auto props = TablePropertiesAsText(*db_->catalog()->FindTable("", "t2"));
  EXPECT_EQ(props[0], (std::pair<std::string, std::string>("orientation", "row,column")));
  EXPECT_EQ(props[4], (std::pair<std::string, std::string>("distribution_key", "id")));
}

TEST_F(CatalogTest, ConcurrentConflictingDdlFails) {
  ASSERT_OK(
      RunDdl([&](DatabaseTransaction* t) { return t->CreateTable(SimpleTable("t")).status(); }));
  auto a = db_->BeginTransaction();
  auto b = db_->BeginTransaction();
  ASSERT_OK(a->AddColumn({"", "t"}, Col("x", TypeId::kInt4), Value(), false));
  ASSERT_OK(b->AddColumn({"", "t"}, Col("y", TypeId::kInt4), Value(), false));
  ASSERT_OK(a->Commit());
  ASSERT_SQLSTATE(b->Commit(), SqlState::kSerializationFailure);
  const TableDef* t = db_->catalog()->FindTable("", "t");
  EXPECT_NE(t->FindColumn("x"), nullptr);
  EXPECT_EQ(t->FindColumn("y"), nullptr);

  // Same new name from two transactions.
  auto c = db_->BeginTransaction();
  auto d = db_->BeginTransaction();
  ASSERT_OK(c->CreateTable(SimpleTable("same")));
  ASSERT_OK(d->CreateTable(SimpleTable("same")));
  ASSERT_OK(c->Commit());
  ASSERT_SQLSTATE(d->Commit(), SqlState::kSerializationFailure);

  // Unrelated DDL commits concurrently, and both survive in the catalog.
  auto e = db_->BeginTransaction();
  auto f = db_->BeginTransaction();
  ASSERT_OK(e->CreateTable(SimpleTable("e")));
  ASSERT_OK(f->CreateTable(SimpleTable("f")));
  ASSERT_OK(e->Commit());
  ASSERT_OK(f->Commit());
  EXPECT_NE(db_->catalog()->FindTable("", "e"), nullptr);
  EXPECT_NE(db_->catalog()->FindTable("", "f"), nullptr);

  // CREATE TABLE into a schema dropped concurrently.
  ASSERT_OK(
      RunDdl([&](DatabaseTransaction* txn) { return txn->CreateSchema("s", false).status(); }));
  auto g = db_->BeginTransaction();
  auto h = db_->BeginTransaction();
  CreateTableRequest in_s = SimpleTable("t");
  in_s.name.schema = "s";
  ASSERT_OK(g->CreateTable(in_s));
  ASSERT_OK(h->DropSchema("s", false, DropBehavior::kRestrict));
  ASSERT_OK(h->Commit());
  ASSERT_SQLSTATE(g->Commit(), SqlState::kSerializationFailure);
  EXPECT_EQ(db_->catalog()->FindSchema("s"), nullptr);
}

TEST_F(CatalogTest, DmlConflictsWithConcurrentDdlOnSameTable) {
  ASSERT_OK(
      RunDdl([&](DatabaseTransaction* t) { return t->CreateTable(SimpleTable("t")).status(); }));
  auto dml = db_->BeginTransaction();
  const TableDef* t = dml->catalog().FindTable("", "t");
  ASSERT_OK(dml->InsertIfAbsent(*t, {Value::Int8(1), Value::Text("a")}));
  ASSERT_OK(RunDdl([&](DatabaseTransaction* txn) { return txn->TruncateTable({"", "t"}); }));
  ASSERT_SQLSTATE(dml->Commit(), SqlState::kSerializationFailure);
}

TEST_F(CatalogTest, PropertyChangesNeedEmptyTable) {
  ASSERT_OK(
      RunDdl([&](DatabaseTransaction* t) { return t->CreateTable(SimpleTable("t")).status(); }));
  ASSERT_OK(RunDdl([&](DatabaseTransaction* txn) {
    return txn->SetTableProperties(
        {"", "t"}, std::vector<std::pair<std::string, std::string>>{{"shard_count", "3"}});
  }));
  ASSERT_OK(RunDdl([&](DatabaseTransaction* txn) {
    const TableDef* t = txn->catalog().FindTable("", "t");
    return txn->InsertIfAbsent(*t, {Value::Int8(1), Value::Text("a")}).status();
  }));
  auto txn = db_->BeginTransaction();
  ASSERT_SQLSTATE(
      txn->SetTableProperties(
          {"", "t"}, std::vector<std::pair<std::string, std::string>>{{"shard_count", "2"}}),
      SqlState::kFeatureNotSupported);
  // binlog settings may change at any time.
  ASSERT_OK(txn->SetTableProperties(
      {"", "t"}, std::vector<std::pair<std::string, std::string>>{{"binlog.level", "replica"}}));
  ASSERT_SQLSTATE(txn->AddColumn({"", "t"}, Col("nn", TypeId::kInt4, false, true), Value(), false),
                  SqlState::kNotNullViolation);
  ASSERT_OK(
      txn->AddColumn({"", "t"}, Col("nn", TypeId::kInt4, false, true), Value::Int4(0), false));
  ASSERT_OK(txn->Commit());
}

}  // namespace
}  // namespace strata::storage
