// The planner's choice between the row and the column replica
// (strata.read_replica), projection and predicate pushdown as EXPLAIN shows
// them, and identical results from both replicas.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/catalog.h"
#include "storage/database.h"
#include "tests/unit/sql/sql_test_util.h"

namespace strata::sql {
namespace {

class ColumnReplicaTest : public testing::SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    Exec("CREATE TABLE rc (id int PRIMARY KEY, a int, b text, c bigint)");
    Exec("CREATE TABLE ro (id int PRIMARY KEY, a int, b text) WITH (orientation = 'row')");
    Exec("CREATE TABLE co (id int PRIMARY KEY, a int, b text) WITH (orientation = 'column')");
  }

  // The last line of EXPLAIN (the access node for single-table queries).
  std::string Access(const std::string& sql) { return Query("EXPLAIN " + sql).back(); }

  void Flush(const std::string& table) {
    auto catalog = db_->catalog();
    const storage::TableDef* def = catalog->FindTable("", table);
    ASSERT_NE(def, nullptr);
    ASSERT_TRUE(db_->FlushTable(def->id).ok());
  }
};

TEST_F(ColumnReplicaTest, AutoReadsTheColumnReplicaForScansOnly) {
  EXPECT_EQ(Access("SELECT a FROM rc"), "  ->  Seq Scan on rc [column replica, 1 columns]");
  EXPECT_EQ(Access("SELECT a FROM co"), "  ->  Seq Scan on co [column replica, 1 columns]");
  EXPECT_EQ(Access("SELECT a FROM ro"), "  ->  Seq Scan on ro [row replica]");
  // Primary-key access stays on the row replica.
  EXPECT_EQ(Access("SELECT a FROM rc WHERE id = 1"),
            "  ->  Get on rc [row replica, point lookup, serving fast path]");
  EXPECT_EQ(Access("SELECT a FROM rc WHERE id IN (1, 2)"),
            "  ->  MultiGet on rc [row replica, 2 keys, serving fast path]");
  EXPECT_EQ(Access("SELECT a FROM rc WHERE id > 5"),
            "  ->  Range Scan on rc [row replica, primary key prefix 1] (filtered)");
  // UPDATE and DELETE scan the row replica.
  for (const auto& line : Query("EXPLAIN UPDATE rc SET a = 1 WHERE b = 'x'")) {
    EXPECT_EQ(line.find("column replica"), std::string::npos) << line;
  }
}

TEST_F(ColumnReplicaTest, SettingForcesTheReplica) {
  EXPECT_EQ(Query("SHOW strata.read_replica"), std::vector<std::string>{"auto"});
  Exec("SET strata.read_replica = 'row'");
  EXPECT_EQ(Access("SELECT a FROM rc"), "  ->  Seq Scan on rc [row replica]");
  EXPECT_EQ(Access("SELECT a FROM co"), "  ->  Seq Scan on co [row replica]");
  Exec("SET strata.read_replica = 'column'");
  EXPECT_EQ(Access("SELECT a FROM rc"), "  ->  Seq Scan on rc [column replica, 1 columns]");
  // A primary-key range becomes a column scan; point lookups stay.
  EXPECT_EQ(Access("SELECT a FROM rc WHERE id > 5"),
            "  ->  Seq Scan on rc [column replica, 2 columns, pushed: id > integer 5] (filtered)");
  EXPECT_EQ(Access("SELECT a FROM rc WHERE id = 1"),
            "  ->  Get on rc [row replica, point lookup, serving fast path]");
  // A row-only table falls back to the row replica.
  EXPECT_EQ(Access("SELECT a FROM ro"), "  ->  Seq Scan on ro [row replica]");
  Exec("SET strata.read_replica = 'auto'");
  EXPECT_EQ(Access("SELECT a FROM rc WHERE id > 5"),
            "  ->  Range Scan on rc [row replica, primary key prefix 1] (filtered)");
}

TEST_F(ColumnReplicaTest, ExplainShowsProjectionAndPushedPredicates) {
  EXPECT_EQ(Access("SELECT * FROM rc"), "  ->  Seq Scan on rc [column replica, 4 columns]");
  EXPECT_EQ(Access("SELECT count(*) FROM rc"),
            "    ->  Seq Scan on rc [column replica, 1 columns]");
  EXPECT_EQ(Access("SELECT b FROM rc WHERE a >= 3 AND c IS NOT NULL AND b <> 'x'"),
            "  ->  Seq Scan on rc [column replica, 3 columns, pushed: a >= integer 3, c IS NOT "
            "NULL, b <> text "
            "'x'] (filtered)");
  // Reversed operands are mirrored; a constant of another type (numeric)
  // or an expression over the column is not pushed, only filtered.
  EXPECT_EQ(Access("SELECT id FROM rc WHERE 3 < a"),
            "  ->  Seq Scan on rc [column replica, 2 columns, pushed: a > integer 3] (filtered)");
  EXPECT_EQ(Access("SELECT id FROM rc WHERE a = 1.5 AND a + 1 = 2"),
            "  ->  Seq Scan on rc [column replica, 2 columns] (filtered)");
  // Joins and aggregates read only what they use.
  const auto plan =
      Query("EXPLAIN SELECT x.b, sum(y.c) FROM rc x JOIN rc y ON x.a = y.id GROUP BY x.b");
  int column_scans = 0;
  for (const auto& line : plan) {
    if (line.find("Seq Scan on rc [column replica, 2 columns]") != std::string::npos)
      ++column_scans;
  }
  EXPECT_EQ(column_scans, 2) << ::testing::PrintToString(plan);
}

TEST_F(ColumnReplicaTest, BothReplicasGiveTheSameResults) {
  const std::vector<std::string> queries = {
      "SELECT * FROM rc ORDER BY id",
      "SELECT id, b FROM rc WHERE a > 10 AND a <= 150 ORDER BY id",
      "SELECT count(*), sum(a), min(b), max(c) FROM rc",
      "SELECT a % 7, count(*), sum(c) FROM rc GROUP BY 1 ORDER BY 1",
      "SELECT id FROM rc WHERE b IS NULL ORDER BY id",
      "SELECT id FROM rc WHERE c IS NOT NULL AND b <> 'v5' ORDER BY id",
      "SELECT x.id, y.b FROM rc x JOIN rc y ON x.a = y.id WHERE x.id < 100 ORDER BY 1, 2",
      "SELECT id FROM rc WHERE id > 50 AND id < 80 ORDER BY id",
      "SELECT id FROM rc x WHERE a > (SELECT avg(a) FROM rc) ORDER BY id",
      "SELECT id FROM rc x WHERE x.id < 300 AND EXISTS (SELECT 1 FROM rc y WHERE y.a = x.id + 1) "
      "ORDER BY id",
  };
  auto compare = [&](const std::string& when) {
    for (const auto& q : queries) {
      Exec("SET strata.read_replica = 'row'");
      const auto row = Query(q);
      Exec("SET strata.read_replica = 'column'");
      const auto column = Query(q);
      EXPECT_EQ(row, column) << when << ": " << q;
    }
    Exec("SET strata.read_replica = 'auto'");
  };
  Exec("INSERT INTO rc SELECT g, g % 200, 'v' || (g % 13), g * 3 FROM generate_series(1, 3000) g");
  Exec("INSERT INTO rc (id, a) VALUES (5000, 1), (5001, NULL)");
  compare("after inserts");
  Flush("rc");
  compare("after a flush");
  // Partial upserts, updates and deletes over flushed rows.
  Exec(
      "INSERT INTO rc (id, b) SELECT g, 'u' FROM generate_series(1, 3000, 7) g ON CONFLICT (id) DO "
      "UPDATE "
      "SET b = EXCLUDED.b");
  Exec("UPDATE rc SET c = NULL WHERE a = 3");
  Exec("DELETE FROM rc WHERE id % 11 = 0");
  Exec("INSERT INTO rc SELECT g, g % 5, NULL, g FROM generate_series(6000, 6100) g");
  compare("after changes");
  Flush("rc");
  compare("after a second flush");
  // Inside a transaction that wrote to the table: its own writes show.
  Exec("BEGIN");
  Exec("DELETE FROM rc WHERE id < 500");
  Exec(
      "INSERT INTO rc (id, a, b) VALUES (7000, 42, 'own') ON CONFLICT (id) DO UPDATE SET a = "
      "EXCLUDED.a");
  Exec("UPDATE rc SET a = a + 1 WHERE b = 'u'");
  // Reads and writes the same table in one statement.
  Exec("INSERT INTO rc SELECT id + 100000, a, b, c FROM rc WHERE a = 43");
  compare("inside a transaction");
  Exec("COMMIT");
  compare("after commit");
  EXPECT_EQ(Query("SELECT count(*) FROM rc WHERE id = 7000"), std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace strata::sql

namespace strata::sql {
namespace {

using testing::RecordingSink;
using Rows = std::vector<std::string>;

// A suspended portal keeps its column scan open; a write to that table in
// the same transaction must fail cleanly (55006, as PostgreSQL reports a
// table in use by an active query) instead of invalidating the scan.
TEST_F(ColumnReplicaTest, WriteWhileASuspendedPortalScansTheTableIsRefused) {
  Exec("CREATE TABLE big (k int PRIMARY KEY, v int)");
  Exec("INSERT INTO big SELECT g, g FROM generate_series(1, 5000) g");
  ASSERT_EQ(Exec("BEGIN"), "BEGIN");
  ASSERT_OK(session_->Prepare("all", "SELECT k FROM big", {}).status());
  ASSERT_OK(session_->Bind("p", "all", {}, {}, {}));
  RecordingSink first;
  ASSERT_OK_AND_ASSIGN(bool suspended, session_->Execute("p", 10, &first));
  ASSERT_TRUE(suspended);
  EXPECT_EQ(first.rows.size(), 10u);

  RecordingSink write;
  ASSERT_SQLSTATE(session_->ExecuteSimple("INSERT INTO big VALUES (100000, 0)", &write),
                  SqlState::kObjectInUse);
  ASSERT_SQLSTATE(session_->ExecuteSimple("TRUNCATE big", &write),
                  SqlState::kInFailedSqlTransaction);
  ASSERT_EQ(Exec("ROLLBACK"), "ROLLBACK");
  EXPECT_EQ(Query("SELECT count(*) FROM big"), Rows{"5000"});

  // Once the portal has run to completion its scan is closed and writes work.
  ASSERT_EQ(Exec("BEGIN"), "BEGIN");
  ASSERT_OK(session_->Bind("p2", "all", {}, {}, {}));
  RecordingSink all;
  ASSERT_OK_AND_ASSIGN(suspended, session_->Execute("p2", 0, &all));
  ASSERT_FALSE(suspended);
  EXPECT_EQ(all.rows.size(), 5000u);
  EXPECT_EQ(Exec("INSERT INTO big VALUES (100000, 0)"), "INSERT 0 1");
  ASSERT_EQ(Exec("COMMIT"), "COMMIT");
  EXPECT_EQ(Query("SELECT count(*) FROM big"), Rows{"5001"});
}

}  // namespace
}  // namespace strata::sql
