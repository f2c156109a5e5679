#include "sql/planner/planner.h"

#include <gtest/gtest.h>

#include "sql/binder/binder.h"
#include "sql/parser/parser.h"
#include "tests/unit/sql/sql_test_util.h"

namespace strata::sql {
namespace {

// Binder and planner decisions, checked on the plans themselves.
class PlannerTest : public testing::SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    Exec("CREATE TABLE t (id int PRIMARY KEY, v int, s text)");
    Exec("CREATE TABLE c (a int, b text, x int, PRIMARY KEY (a, b))");
    Exec("CREATE TABLE w (id bigint PRIMARY KEY, a int, b int, c text)");
  }

  // The access node under projections/filters/limits.
  static const PlanNode* Leaf(const PlanNode* p) {
    while (!p->children.empty() && p->kind != PlanKind::kHashJoin && p->kind != PlanKind::kNestedLoopJoin) {
      p = p->children[0].get();
    }
    return p;
  }

  binder::BoundQuery BindSelect(const std::string& sql) {
    auto stmts = parser::Parse(sql);
    EXPECT_TRUE(stmts.ok()) << stmts.status().ToString();
    catalog_ = db_->catalog();
    binder::Binder binder(catalog_.get(), binder::BinderOptions{}, &params_);
    auto q = binder.BindQuery(static_cast<const ast::SelectStmt&>(*(*stmts)[0]));
    EXPECT_TRUE(q.ok()) << sql << ": " << q.status().ToString();
    return q.ok() ? std::move(q).value() : binder::BoundQuery{};
  }

  // The access node of `sql`'s plan; the plan stays alive with the fixture.
  const PlanNode* LeafOf(const std::string& sql) {
    kept_.push_back(BindSelect(sql));
    return Leaf(kept_.back().plan.get());
  }

  binder::BoundInsert BindInsert(const std::string& sql) {
    auto stmts = parser::Parse(sql);
    EXPECT_TRUE(stmts.ok()) << stmts.status().ToString();
    catalog_ = db_->catalog();
    binder::Binder binder(catalog_.get(), binder::BinderOptions{}, &params_);
    auto b = binder.BindInsert(static_cast<const ast::InsertStmt&>(*(*stmts)[0]));
    EXPECT_TRUE(b.ok()) << sql << ": " << b.status().ToString();
    return std::move(b).value();
  }

  storage::CatalogSnapshotPtr catalog_;
  std::vector<DataType> params_;
  std::vector<binder::BoundQuery> kept_;
};

TEST_F(PlannerTest, PrimaryKeyEqualityPlansAsGet) {
  auto q = BindSelect("SELECT v FROM t WHERE id = 7");
  const PlanNode* leaf = Leaf(q.plan.get());
  EXPECT_EQ(leaf->kind, PlanKind::kGet);
  ASSERT_EQ(leaf->keys.size(), 1u);
  ASSERT_EQ(leaf->keys[0].size(), 1u);
  EXPECT_EQ(leaf->keys[0][0]->value.int_value(), 7);
  // Reversed operands and a parameter also make a Get.
  EXPECT_EQ(LeafOf("SELECT v FROM t WHERE 7 = id AND v > 1")->kind, PlanKind::kGet);
  EXPECT_EQ(LeafOf("SELECT v FROM t WHERE id = $1")->kind, PlanKind::kGet);
  EXPECT_EQ(params_[0].id, TypeId::kInt4);
  // Composite keys need every key column.
  EXPECT_EQ(LeafOf("SELECT x FROM c WHERE a = 1 AND b = 'k'")->kind, PlanKind::kGet);
}

TEST_F(PlannerTest, InListPlansAsMultiGet) {
  auto q = BindSelect("SELECT v FROM t WHERE id IN (1, 2, 3)");
  const PlanNode* leaf = Leaf(q.plan.get());
  EXPECT_EQ(leaf->kind, PlanKind::kMultiGet);
  EXPECT_EQ(leaf->keys.size(), 3u);
  // IN on one key column times equality on the other: the key combinations.
  leaf = LeafOf("SELECT x FROM c WHERE a IN (1, 2) AND b IN ('p', 'q')");
  EXPECT_EQ(leaf->kind, PlanKind::kMultiGet);
  EXPECT_EQ(leaf->keys.size(), 4u);
}

TEST_F(PlannerTest, RangesAndPrefixesPlanAsRangeScan) {
  const PlanNode* leaf = LeafOf("SELECT v FROM t WHERE id > 10 AND id <= 20");
  EXPECT_EQ(leaf->kind, PlanKind::kRangeScan);
  EXPECT_EQ(leaf->lower.size(), 1u);
  EXPECT_FALSE(leaf->lower_inclusive);
  EXPECT_EQ(leaf->upper.size(), 1u);
  EXPECT_TRUE(leaf->upper_inclusive);
  leaf = LeafOf("SELECT x FROM c WHERE a = 3");
  EXPECT_EQ(leaf->kind, PlanKind::kRangeScan);
  EXPECT_EQ(leaf->lower.size(), 1u);
  EXPECT_EQ(leaf->upper.size(), 1u);
  leaf = LeafOf("SELECT x FROM c WHERE a = 3 AND b >= 'm'");
  EXPECT_EQ(leaf->kind, PlanKind::kRangeScan);
  EXPECT_EQ(leaf->lower.size(), 2u);
  EXPECT_EQ(leaf->upper.size(), 1u);
}

TEST_F(PlannerTest, NonKeyPredicatesScanWithPushedFilter) {
  const PlanNode* leaf = LeafOf("SELECT id FROM t WHERE v = 3");
  EXPECT_EQ(leaf->kind, PlanKind::kSeqScan);
  EXPECT_NE(leaf->filter, nullptr);
  // A key compared with a non-constant is not a lookup.
  EXPECT_EQ(LeafOf("SELECT id FROM t WHERE id = v")->kind, PlanKind::kSeqScan);
  // OR of key equalities is not (yet) a MultiGet.
  EXPECT_EQ(LeafOf("SELECT id FROM t WHERE id = 1 OR v = 2")->kind, PlanKind::kSeqScan);
  // Numeric comparison with an int key casts the column: no lookup.
  EXPECT_EQ(LeafOf("SELECT id FROM t WHERE id = 1.5")->kind, PlanKind::kSeqScan);
}

TEST_F(PlannerTest, JoinConditionsBecomeHashKeysAndFiltersArePushedDown) {
  auto q = BindSelect("SELECT t.v, w.a FROM t, w WHERE t.id = w.a AND w.id = 5 AND t.v > 0");
  const PlanNode* join = Leaf(q.plan.get());
  ASSERT_EQ(join->kind, PlanKind::kHashJoin);
  EXPECT_EQ(join->left_keys.size(), 1u);
  EXPECT_EQ(join->children[1]->kind, PlanKind::kGet);  // w.id = 5 pushed into w's access
  EXPECT_EQ(join->children[0]->kind, PlanKind::kSeqScan);
  EXPECT_NE(join->children[0]->filter, nullptr);
}

TEST_F(PlannerTest, PartialUpsertTouchesOnlyNamedColumns) {
  auto ins = BindInsert("INSERT INTO w (id, a) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a");
  EXPECT_EQ(ins.on_conflict, ast::OnConflictAction::kUpdate);
  EXPECT_TRUE(ins.excluded_only);
  EXPECT_EQ(ins.update_columns, std::vector<size_t>{1});
  auto rmw = BindInsert("INSERT INTO w (id, b) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET b = w.b + EXCLUDED.b");
  EXPECT_FALSE(rmw.excluded_only);
  EXPECT_EQ(rmw.update_columns, std::vector<size_t>{2});

  // End to end: columns the upsert does not name keep their values, even
  // when another writer set them.
  Exec("INSERT INTO w VALUES (1, 10, 20, 'keep')");
  Exec("INSERT INTO w (id, a) VALUES (1, 11) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a");
  Exec("INSERT INTO w (id, b) VALUES (1, 21) ON CONFLICT (id) DO UPDATE SET b = EXCLUDED.b");
  EXPECT_EQ(Query("SELECT a, b, c FROM w WHERE id = 1"), std::vector<std::string>{"11|21|keep"});
}

TEST_F(PlannerTest, UpdateAndDeleteUseKeyAccess) {
  auto stmts = parser::Parse("UPDATE t SET v = v + 1 WHERE id = 3");
  ASSERT_TRUE(stmts.ok());
  catalog_ = db_->catalog();
  binder::Binder binder(catalog_.get(), binder::BinderOptions{}, &params_);
  auto upd = binder.BindUpdate(static_cast<const ast::UpdateStmt&>(*(*stmts)[0]));
  ASSERT_TRUE(upd.ok()) << upd.status().ToString();
  EXPECT_EQ(upd->scan->kind, PlanKind::kGet);
  EXPECT_EQ(upd->columns, std::vector<size_t>{1});
  EXPECT_FALSE(upd->changes_primary_key);
  stmts = parser::Parse("DELETE FROM t WHERE id IN (1, 2)");
  ASSERT_TRUE(stmts.ok());
  auto del = binder.BindDelete(static_cast<const ast::DeleteStmt&>(*(*stmts)[0]));
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->scan->kind, PlanKind::kMultiGet);
}

}  // namespace
}  // namespace strata::sql
