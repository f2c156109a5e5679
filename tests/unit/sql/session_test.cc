#include <gtest/gtest.h>

#include "tests/unit/sql/sql_test_util.h"

namespace strata::sql {
namespace {

using testing::RecordingSink;
using Rows = std::vector<std::string>;

class SessionTest : public testing::SqlFixture {};

TEST_F(SessionTest, CreateInsertSelectUpdateDelete) {
  EXPECT_EQ(Exec("CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, v numeric(10,2) DEFAULT 1.5)"),
            "CREATE TABLE");
  EXPECT_EQ(Exec("INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')"), "INSERT 0 3");
  EXPECT_EQ(Query("SELECT id, name, v FROM t ORDER BY id"), (Rows{"1|a|1.50", "2|b|1.50", "3|c|1.50"}));
  EXPECT_EQ(Query("SELECT name FROM t WHERE id = 2"), Rows{"b"});
  EXPECT_EQ(Query("SELECT count(*) FROM t WHERE name > 'a'"), Rows{"2"});
  EXPECT_EQ(Exec("UPDATE t SET v = v * 2 WHERE id >= 2"), "UPDATE 2");
  EXPECT_EQ(Query("SELECT id, v FROM t ORDER BY id"), (Rows{"1|1.50", "2|3.00", "3|3.00"}));
  EXPECT_EQ(Exec("DELETE FROM t WHERE id = 1"), "DELETE 1");
  EXPECT_EQ(Exec("DELETE FROM t WHERE id = 42"), "DELETE 0");
  EXPECT_EQ(Query("SELECT id FROM t ORDER BY id DESC"), (Rows{"3", "2"}));
}

TEST_F(SessionTest, ErrorsCarryPostgresStates) {
  Exec("CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL)");
  Exec("INSERT INTO t VALUES (1, 'a')");
  Status s = Error("SELECT * FROM missing");
  EXPECT_EQ(s.sql_state(), SqlState::kUndefinedTable);
  EXPECT_EQ(s.message(), "relation \"missing\" does not exist");
  EXPECT_EQ(s.position(), 15);
  s = Error("SELECT nope FROM t");
  EXPECT_EQ(s.sql_state(), SqlState::kUndefinedColumn);
  EXPECT_EQ(s.message(), "column \"nope\" does not exist");
  EXPECT_EQ(s.position(), 8);
  EXPECT_EQ(Error("INSERT INTO t VALUES (1, 'b')").sql_state(), SqlState::kUniqueViolation);
  EXPECT_EQ(Error("INSERT INTO t VALUES (2, NULL)").sql_state(), SqlState::kNotNullViolation);
  EXPECT_EQ(Error("SELECT 1/0").sql_state(), SqlState::kDivisionByZero);
  EXPECT_EQ(Error("SELECT 'abc'::int").sql_state(), SqlState::kInvalidTextRepresentation);
  EXPECT_EQ(Error("SELECT 2147483647::int + 1").sql_state(), SqlState::kNumericValueOutOfRange);
  EXPECT_EQ(Error("SELECT (SELECT id FROM t UNION ALL SELECT 2)").sql_state().code(), "21000");
  s = Error("SELECT name, count(*) FROM t");
  EXPECT_EQ(s.sql_state().code(), "42803");
  EXPECT_EQ(s.message(), "column \"t.name\" must appear in the GROUP BY clause or be used in an aggregate function");
  EXPECT_EQ(Error("SELEC 1").sql_state(), SqlState::kSyntaxError);
  // A failed statement leaves no trace.
  EXPECT_EQ(Query("SELECT count(*) FROM t"), Rows{"1"});
}

TEST_F(SessionTest, RowDescriptionWaitsForTheFirstRow) {
  Status s;
  RecordingSink failed = Run("SELECT 1/0", &s);
  EXPECT_EQ(s.sql_state(), SqlState::kDivisionByZero);
  EXPECT_TRUE(failed.columns.empty());
  RecordingSink empty = Run("SELECT 1 AS one WHERE false", &s);
  ASSERT_OK(s);
  ASSERT_EQ(empty.columns.size(), 1u);
  EXPECT_EQ(empty.columns[0].name, "one");
  EXPECT_EQ(empty.tags, std::vector<std::string>{"SELECT 0"});
}

TEST_F(SessionTest, UpsertUpdatesOnlyNamedColumns) {
  Exec("CREATE TABLE w (id bigint PRIMARY KEY, a int, b int, c text)");
  Exec("INSERT INTO w VALUES (1, 10, 20, 'x')");
  EXPECT_EQ(Exec("INSERT INTO w (id, a) VALUES (1, 11), (2, 12) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a"),
            "INSERT 0 2");
  EXPECT_EQ(Query("SELECT id, a, b, c FROM w ORDER BY id"), (Rows{"1|11|20|x", "2|12|NULL|NULL"}));
  EXPECT_EQ(Exec("INSERT INTO w (id, b) VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET b = w.b + EXCLUDED.b "
                 "WHERE w.a > 100"),
            "INSERT 0 0");
  EXPECT_EQ(Exec("INSERT INTO w (id, b) VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET b = w.b + EXCLUDED.b"),
            "INSERT 0 1");
  EXPECT_EQ(Query("SELECT a, b, c FROM w WHERE id = 1"), Rows{"11|25|x"});
  EXPECT_EQ(Exec("INSERT INTO w VALUES (1, 0, 0, 'y') ON CONFLICT DO NOTHING"), "INSERT 0 0");
  EXPECT_EQ(Query("INSERT INTO w (id, c) VALUES (3, 'z') RETURNING id, a, c"), Rows{"3|NULL|z"});
  EXPECT_EQ(Error("INSERT INTO w (id, a) VALUES (5, 1), (5, 2) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a")
                .sql_state()
                .code(),
            "21000");
}

TEST_F(SessionTest, TransactionBlocksAndFailedState) {
  Exec("CREATE TABLE t (id int PRIMARY KEY)");
  EXPECT_EQ(session_->txn_status(), TxnStatus::kIdle);
  EXPECT_EQ(Exec("BEGIN"), "BEGIN");
  EXPECT_EQ(session_->txn_status(), TxnStatus::kInBlock);
  Exec("INSERT INTO t VALUES (1)");
  EXPECT_EQ(Error("INSERT INTO t VALUES (1)").sql_state(), SqlState::kUniqueViolation);
  EXPECT_EQ(session_->txn_status(), TxnStatus::kFailed);
  EXPECT_EQ(Error("SELECT 1").sql_state(), SqlState::kInFailedSqlTransaction);
  EXPECT_EQ(Exec("COMMIT"), "ROLLBACK");
  EXPECT_EQ(session_->txn_status(), TxnStatus::kIdle);
  EXPECT_EQ(Query("SELECT count(*) FROM t"), Rows{"0"});

  Exec("BEGIN");
  Exec("INSERT INTO t VALUES (2)");
  auto other = NewSession();
  EXPECT_EQ(Query("SELECT count(*) FROM t", other.get()), Rows{"0"});
  EXPECT_EQ(Exec("COMMIT"), "COMMIT");
  EXPECT_EQ(Query("SELECT count(*) FROM t", other.get()), Rows{"1"});

  // An implicit multi-statement transaction rolls back entirely on error.
  EXPECT_EQ(Error("INSERT INTO t VALUES (3); INSERT INTO t VALUES (2)").sql_state(), SqlState::kUniqueViolation);
  EXPECT_EQ(Query("SELECT id FROM t"), Rows{"2"});
  EXPECT_EQ(Error("BEGIN; SAVEPOINT a").sql_state(), SqlState::kFeatureNotSupported);
  EXPECT_EQ(Exec("ROLLBACK"), "ROLLBACK");
}

TEST_F(SessionTest, SetShowReset) {
  RecordingSink sink;
  ASSERT_OK(session_->ExecuteSimple("SHOW TimeZone", &sink));
  EXPECT_EQ(sink.rows, Rows{"UTC"});
  ASSERT_EQ(sink.columns.size(), 1u);
  EXPECT_EQ(sink.columns[0].name, "TimeZone");
  EXPECT_EQ(sink.tags, std::vector<std::string>{"SHOW"});
  EXPECT_EQ(Exec("SET application_name = 'app1'"), "SET");
  EXPECT_EQ(Query("SHOW application_name"), Rows{"app1"});
  auto changed = session_->TakeChangedReportedParameters();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].first, "application_name");
  EXPECT_EQ(Exec("SET statement_timeout TO 5000"), "SET");
  EXPECT_EQ(Query("SHOW statement_timeout"), Rows{"5s"});
  EXPECT_EQ(Exec("RESET statement_timeout"), "RESET");
  EXPECT_EQ(Query("SHOW statement_timeout"), Rows{"0"});
  EXPECT_EQ(Error("SET no_such_thing = 1").sql_state(), SqlState::kUndefinedObject);
  EXPECT_EQ(Error("SHOW no_such_thing").sql_state(), SqlState::kUndefinedObject);
  // SET inside a rolled-back block is undone.
  Exec("BEGIN");
  Exec("SET extra_float_digits = 3");
  Exec("ROLLBACK");
  EXPECT_EQ(Query("SHOW extra_float_digits"), Rows{"1"});
}

TEST_F(SessionTest, QueriesJoinsAggregatesSetOps) {
  Exec("CREATE TABLE a (id int PRIMARY KEY, g text, x int)");
  Exec("CREATE TABLE b (id int PRIMARY KEY, a_id int, y int)");
  Exec("INSERT INTO a VALUES (1, 'p', 10), (2, 'p', 20), (3, 'q', NULL), (4, NULL, 5)");
  Exec("INSERT INTO b VALUES (10, 1, 100), (11, 1, 101), (12, 3, 300), (13, 9, 900)");
  EXPECT_EQ(Query("SELECT g, count(*), sum(x), avg(x) FROM a GROUP BY g ORDER BY g NULLS FIRST"),
            (Rows{"NULL|1|5|5.0000000000000000", "p|2|30|15.0000000000000000", "q|1|NULL|NULL"}));
  EXPECT_EQ(Query("SELECT a.id, b.y FROM a JOIN b ON a.id = b.a_id ORDER BY b.y"), (Rows{"1|100", "1|101", "3|300"}));
  EXPECT_EQ(Query("SELECT a.id, b.id FROM a LEFT JOIN b ON a.id = b.a_id WHERE b.id IS NULL ORDER BY 1"),
            (Rows{"2|NULL", "4|NULL"}));
  EXPECT_EQ(Query("SELECT a.id, b.id FROM a FULL JOIN b ON a.id = b.a_id WHERE a.id IS NULL OR b.id IS NULL "
                  "ORDER BY 1, 2"),
            (Rows{"2|NULL", "4|NULL", "NULL|13"}));
  EXPECT_EQ(Query("SELECT count(*) FROM a, b WHERE a.id = b.a_id AND b.y > 100"), Rows{"2"});
  EXPECT_EQ(Query("SELECT id FROM a WHERE id IN (SELECT a_id FROM b) ORDER BY id"), (Rows{"1", "3"}));
  EXPECT_EQ(Query("SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.a_id = a.id) ORDER BY id"),
            (Rows{"1", "3"}));
  EXPECT_EQ(Query("SELECT id, (SELECT max(y) FROM b WHERE b.a_id = a.id) FROM a ORDER BY id"),
            (Rows{"1|101", "2|NULL", "3|300", "4|NULL"}));
  EXPECT_EQ(Query("SELECT g FROM a UNION SELECT 'z' ORDER BY 1"), (Rows{"p", "q", "z", "NULL"}));
  EXPECT_EQ(Query("SELECT x FROM a INTERSECT SELECT 10"), Rows{"10"});
  EXPECT_EQ(Query("SELECT id FROM a EXCEPT ALL SELECT a_id FROM b ORDER BY 1"), (Rows{"2", "4"}));
  EXPECT_EQ(Query("WITH c AS (SELECT g, x FROM a WHERE x > 5) SELECT count(*) FROM c"), Rows{"2"});
  EXPECT_EQ(Query("SELECT DISTINCT g FROM a WHERE g IS NOT NULL ORDER BY g"), (Rows{"p", "q"}));
  EXPECT_EQ(Query("SELECT id FROM a ORDER BY id LIMIT 2 OFFSET 1"), (Rows{"2", "3"}));
  EXPECT_EQ(Query("SELECT * FROM (VALUES (1, 'x'), (2, 'y')) AS v(n, s) WHERE n > 1"), Rows{"2|y"});
  EXPECT_EQ(Query("SELECT g, count(*) FROM a GROUP BY g HAVING count(*) > 1"), Rows{"p|2"});
  EXPECT_EQ(Query("SELECT CASE WHEN x > 10 THEN 'big' ELSE 'small' END, coalesce(g, '-') FROM a WHERE id = 2"),
            Rows{"big|p"});
  EXPECT_EQ(Query("SELECT count(DISTINCT g), string_agg(g, ',' ORDER BY g) FROM a"), Rows{"2|p,p,q"});
}

TEST_F(SessionTest, ExtendedProtocolPrepareBindExecute) {
  Exec("CREATE TABLE kv (k int PRIMARY KEY, v text)");
  Exec("INSERT INTO kv VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  uint32_t no_types[] = {0};
  ASSERT_OK_AND_ASSIGN(PreparedInfo info, session_->Prepare("q", "SELECT v FROM kv WHERE k = $1", no_types));
  ASSERT_EQ(info.param_types.size(), 1u);
  EXPECT_EQ(info.param_types[0].id, TypeId::kInt4);
  ASSERT_EQ(info.columns.size(), 1u);
  EXPECT_EQ(info.columns[0].name, "v");
  EXPECT_EQ(info.pool, "serving");
  std::optional<std::string> params[] = {std::string("2")};
  ASSERT_OK(session_->Bind("", "q", {}, params, {}));
  RecordingSink sink;
  ASSERT_OK_AND_ASSIGN(bool suspended, session_->Execute("", 0, &sink));
  EXPECT_FALSE(suspended);
  EXPECT_EQ(sink.rows, Rows{"two"});
  EXPECT_EQ(sink.tags, std::vector<std::string>{"SELECT 1"});
  ASSERT_OK(session_->Sync());

  ASSERT_OK(session_->Prepare("all", "SELECT k FROM kv ORDER BY k", {}).status());
  ASSERT_OK(session_->Bind("p", "all", {}, {}, {}));
  RecordingSink s2;
  ASSERT_OK_AND_ASSIGN(suspended, session_->Execute("p", 2, &s2));
  EXPECT_TRUE(suspended);
  EXPECT_EQ(s2.rows, (Rows{"1", "2"}));
  ASSERT_OK_AND_ASSIGN(suspended, session_->Execute("p", 2, &s2));
  EXPECT_FALSE(suspended);
  EXPECT_EQ(s2.rows, (Rows{"1", "2", "3"}));
  EXPECT_EQ(s2.tags, std::vector<std::string>{"SELECT 3"});
  ASSERT_OK(session_->Sync());
  EXPECT_EQ(session_->Prepare("q", "SELECT 1", {}).status().sql_state().code(), "42P05");
  EXPECT_EQ(session_->Bind("", "nope", {}, {}, {}).sql_state().code(), "26000");
  EXPECT_EQ(session_->Bind("", "q", {}, {}, {}).sql_state(), SqlState::kProtocolViolation);
  std::optional<std::string> bad[] = {std::string("x")};
  EXPECT_EQ(session_->Bind("", "q", {}, bad, {}).sql_state(), SqlState::kInvalidTextRepresentation);
}

// Point reads through the serving fast path (rows straight from stored
// bytes) return exactly what the operator path returns.
TEST_F(SessionTest, StoredRowPointReadsMatchTheOperatorPath) {
  Exec("CREATE TABLE f (id bigint PRIMARY KEY, a int, b text, c double precision, d numeric(8,2), "
       "e boolean, g date, h bytea, j jsonb, k int[], dropped text)");
  Exec("INSERT INTO f VALUES (1, 10, 'one', 1.5, 2.25, true, '2024-01-02', '\\x00ff', '{\"x\": 1}', "
       "'{1,NULL,3}', 'gone'), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
       "(3, -7, '', -0.0, -1, false, 'infinity', '', '[]', '{}', 'x')");
  // Rows written before these columns existed have no fields for them.
  Exec("ALTER TABLE f DROP COLUMN dropped");
  Exec("ALTER TABLE f ADD COLUMN m int DEFAULT 42");
  Exec("ALTER TABLE f ADD COLUMN n text");
  Exec("INSERT INTO f (id, a, m, n) VALUES (4, 40, NULL, 'new')");

  auto run = [&](const std::string& sql, std::vector<std::optional<std::string>> params, bool stored) {
    (void)session_->ClosePortal("");
    (void)session_->CloseStatement("s");
    EXPECT_OK(session_->Prepare("s", sql, {}).status());
    EXPECT_OK(session_->Bind("", "s", {}, params, {}));
    RecordingSink sink;
    sink.accept_stored_rows = stored;
    EXPECT_OK(session_->Execute("", 0, &sink).status());
    EXPECT_OK(session_->Sync());
    EXPECT_EQ(sink.stored_rows > 0, stored && !sink.rows.empty()) << sql;
    sink.rows.push_back(sink.tags.empty() ? "" : sink.tags.back());
    return sink.rows;
  };
  auto check = [&](const std::string& sql, std::vector<std::optional<std::string>> params, const Rows& want) {
    EXPECT_EQ(run(sql, params, false), want) << sql;
    EXPECT_EQ(run(sql, params, true), want) << sql;
  };
  check("SELECT * FROM f WHERE id = $1", {"1"},
        {"1|10|one|1.5|2.25|t|2024-01-02|\\x00ff|{\"x\": 1}|{1,NULL,3}|42|NULL", "SELECT 1"});
  check("SELECT * FROM f WHERE id = $1", {"4"},
        {"4|40|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|new", "SELECT 1"});
  check("SELECT * FROM f WHERE id = $1", {"5"}, {"SELECT 0"});
  check("SELECT * FROM f WHERE id = $1", {std::nullopt}, {"SELECT 0"});
  // IN lists: the order of first appearance, duplicates once, absent keys
  // skipped; projections reorder and repeat columns.
  check("SELECT n, m, id, b, id FROM f WHERE id IN ($1, $2, $3, $4, $5)", {"3", "9", "1", "3", "2"},
        {"NULL|42|3||3", "NULL|42|1|one|1", "NULL|42|2|NULL|2", "SELECT 3"});
  check("SELECT c, e, g, h, j, k, d FROM f WHERE id IN (3, 2)", {},
        {"0|f|infinity|\\x|[]|{}|-1.00", "NULL|NULL|NULL|NULL|NULL|NULL|NULL", "SELECT 2"});

  // Inside a transaction block the block's own writes are visible.
  Exec("BEGIN");
  Exec("INSERT INTO f (id, b) VALUES (10, 'mine')");
  Exec("UPDATE f SET b = 'changed' WHERE id = 1");
  Exec("DELETE FROM f WHERE id = 2");
  check("SELECT id, b FROM f WHERE id IN ($1, $2, $3, $4)", {"10", "1", "2", "3"},
        {"10|mine", "1|changed", "3|", "SELECT 3"});
  check("SELECT b, m FROM f WHERE id = $1", {"10"}, {"mine|42", "SELECT 1"});
  Exec("ROLLBACK");
  check("SELECT id, b FROM f WHERE id IN ($1, $2, $3, $4)", {"10", "1", "2", "3"},
        {"1|one", "2|NULL", "3|", "SELECT 3"});
}

TEST_F(SessionTest, SqlPrepareExecute) {
  Exec("CREATE TABLE kv (k int PRIMARY KEY, v text)");
  EXPECT_EQ(Exec("PREPARE ins (int, text) AS INSERT INTO kv VALUES ($1, $2)"), "PREPARE");
  EXPECT_EQ(Exec("EXECUTE ins(1, 'a')"), "INSERT 0 1");
  EXPECT_EQ(Exec("EXECUTE ins(2, 'b')"), "INSERT 0 1");
  Exec("PREPARE sel AS SELECT v FROM kv WHERE k = $1");
  EXPECT_EQ(Query("EXECUTE sel(2)"), Rows{"b"});
  EXPECT_EQ(Exec("DEALLOCATE sel"), "DEALLOCATE");
  EXPECT_EQ(Error("EXECUTE sel(2)").sql_state().code(), "26000");
}

TEST_F(SessionTest, DdlBreadth) {
  Exec("CREATE SCHEMA s");
  EXPECT_EQ(Exec("CREATE TABLE s.t (id int PRIMARY KEY, a text) WITH (orientation = 'row', binlog.level = "
                 "'replica', shard_count = 2)"),
            "CREATE TABLE");
  Status st;
  RecordingSink sink = Run("CREATE TABLE IF NOT EXISTS s.t (id int PRIMARY KEY)", &st);
  ASSERT_OK(st);
  EXPECT_EQ(sink.notices, std::vector<std::string>{"NOTICE: relation \"t\" already exists, skipping"});
  Exec("INSERT INTO s.t VALUES (1, 'x')");
  EXPECT_EQ(Exec("ALTER TABLE s.t ADD COLUMN b int DEFAULT 7"), "ALTER TABLE");
  EXPECT_EQ(Query("SELECT id, a, b FROM s.t"), Rows{"1|x|7"});
  Exec("ALTER TABLE s.t RENAME COLUMN a TO a2");
  EXPECT_EQ(Query("SELECT a2 FROM s.t"), Rows{"x"});
  Exec("ALTER TABLE s.t DROP COLUMN b");
  Exec("ALTER TABLE s.t RENAME TO t2");
  EXPECT_EQ(Query("SELECT * FROM s.t2"), Rows{"1|x"});
  EXPECT_EQ(Exec("CALL set_table_property('s.t2', 'binlog.ttl', '3600')"), "CALL");
  EXPECT_EQ(Exec("TRUNCATE s.t2"), "TRUNCATE TABLE");
  EXPECT_EQ(Query("SELECT count(*) FROM s.t2"), Rows{"0"});
  sink = Run("DROP TABLE IF EXISTS nothere", &st);
  ASSERT_OK(st);
  EXPECT_EQ(sink.notices, std::vector<std::string>{"NOTICE: table \"nothere\" does not exist, skipping"});
  EXPECT_EQ(Exec("DROP TABLE s.t2"), "DROP TABLE");
  EXPECT_EQ(Exec("DROP SCHEMA s"), "DROP SCHEMA");
}

TEST_F(SessionTest, CopyInAndOut) {
  Exec("CREATE TABLE c (id int PRIMARY KEY, name text, note text)");
  RecordingSink sink;
  sink.copy_in = {"1\talpha\t\\N\n2\tbe", "ta\tx\\ty\n"};
  ASSERT_OK(session_->ExecuteSimple("COPY c FROM STDIN", &sink));
  EXPECT_EQ(sink.tags, std::vector<std::string>{"COPY 2"});
  RecordingSink csv;
  csv.copy_in = {"id,name\n3,\"ga,mma\"\n4,\n"};
  ASSERT_OK(session_->ExecuteSimple("COPY c (id, name) FROM STDIN WITH (FORMAT csv, HEADER true)", &csv));
  EXPECT_EQ(Query("SELECT id, name, note FROM c ORDER BY id"),
            (Rows{"1|alpha|NULL", "2|beta|x\ty", "3|ga,mma|NULL", "4|NULL|NULL"}));
  RecordingSink out;
  ASSERT_OK(session_->ExecuteSimple("COPY (SELECT id, name FROM c WHERE id <= 3 ORDER BY id) TO STDOUT WITH CSV", &out));
  EXPECT_EQ(out.copy_out, "1,alpha\n2,beta\n3,\"ga,mma\"\n");
  EXPECT_EQ(out.tags, std::vector<std::string>{"COPY 3"});
  RecordingSink text;
  ASSERT_OK(session_->ExecuteSimple("COPY c TO STDOUT", &text));
  EXPECT_EQ(text.copy_out, "1\talpha\t\\N\n2\tbeta\tx\\ty\n3\tga,mma\t\\N\n4\t\\N\t\\N\n");
}

TEST_F(SessionTest, ExplainShowsAccessPath) {
  Exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  EXPECT_EQ(Query("EXPLAIN SELECT v FROM t WHERE id = 1").back(),
            "  ->  Get on t [row replica, point lookup, serving fast path]");
  EXPECT_EQ(Query("EXPLAIN SELECT v FROM t WHERE id IN (1, 2)").back(),
            "  ->  MultiGet on t [row replica, 2 keys, serving fast path]");
  EXPECT_EQ(Query("EXPLAIN SELECT v FROM t WHERE id > 5").back(),
            "  ->  Range Scan on t [row replica, primary key prefix 1] (filtered)");
  EXPECT_EQ(Query("EXPLAIN SELECT v FROM t WHERE v = 5").back(),
            "  ->  Seq Scan on t [column replica, 1 columns, pushed: v = integer 5] (filtered)");
  Exec("SET strata.read_replica = 'row'");
  EXPECT_EQ(Query("EXPLAIN SELECT v FROM t WHERE v = 5").back(), "  ->  Seq Scan on t [row replica] (filtered)");
}

class SynchronousCommitTest : public testing::SqlFixture {
 protected:
  SynchronousCommitTest() { sync_commit_ = true; }  // the server default: sync
};

// synchronous_commit = off commits without a WAL sync; on (the server's
// storage.sync_commit default) syncs again.
TEST_F(SynchronousCommitTest, OffSkipsTheWalSyncButStillCommits) {
  ASSERT_EQ(Exec("CREATE TABLE sc (id int PRIMARY KEY)"), "CREATE TABLE");
  auto syncs = [&] { return db_->engine()->commit_stats().wal_syncs; };

  ASSERT_EQ(Exec("SET synchronous_commit = off"), "SET");
  const uint64_t before_off = syncs();
  ASSERT_EQ(Exec("INSERT INTO sc VALUES (1)"), "INSERT 0 1");
  ASSERT_EQ(Exec("BEGIN"), "BEGIN");
  ASSERT_EQ(Exec("INSERT INTO sc VALUES (2)"), "INSERT 0 1");
  ASSERT_EQ(Exec("COMMIT"), "COMMIT");
  EXPECT_EQ(syncs(), before_off);
  EXPECT_EQ(Query("SELECT count(*) FROM sc"), Rows{"2"});

  ASSERT_EQ(Exec("SET synchronous_commit = on"), "SET");
  const uint64_t before_on = syncs();
  ASSERT_EQ(Exec("INSERT INTO sc VALUES (3)"), "INSERT 0 1");
  EXPECT_EQ(syncs(), before_on + 1);
}

}  // namespace
}  // namespace strata::sql
