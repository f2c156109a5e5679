// COPY FROM in CSV and text formats, fed in CopyData chunks that split
// records anywhere.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/sql/sql_test_util.h"

namespace strata::sql {
namespace {

using testing::RecordingSink;
using Rows = std::vector<std::string>;

class CopyTest : public testing::SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    Exec("CREATE TABLE c (id int PRIMARY KEY, name text, score float8)");
  }

  // Runs `sql` with `data` split into chunks of `chunk` bytes, then the
  // end of data or, when set, `client_error` (as for a CopyFail).
  Status CopyIn(const std::string& sql, const std::string& data, size_t chunk,
                Status client_error = Status::OK()) {
    RecordingSink sink;
    sink.copy_in_error = std::move(client_error);
    for (size_t i = 0; i < data.size(); i += chunk) sink.copy_in.push_back(data.substr(i, chunk));
    Status s;
    s = session_->ExecuteSimple(sql, &sink);
    return s;
  }
};

TEST_F(CopyTest, CsvQuotesSurviveEveryChunkBoundary) {
  const std::string data =
      "id,name,score\n"
      "1,\"name, 1\",1.5\n"
      "2,\"say \"\"hi\"\"\",\n"
      "3,\"two\nlines\",3\n"
      "4,\"\",4\n"
      "5,,5\n";
  for (size_t chunk = 1; chunk <= data.size(); ++chunk) {
    Exec("TRUNCATE c");
    ASSERT_OK(CopyIn("COPY c FROM STDIN WITH (FORMAT csv, HEADER)", data, chunk));
    ASSERT_EQ(Query("SELECT id, name, score FROM c ORDER BY id"),
              (Rows{"1|name, 1|1.5", "2|say \"hi\"|NULL", "3|two\nlines|3", "4||4", "5|NULL|5"}))
        << "chunk size " << chunk;
  }
  EXPECT_EQ(Query("SELECT count(*) FROM c WHERE name = ''"), Rows{"1"});
}

TEST_F(CopyTest, CsvOptions) {
  ASSERT_OK(CopyIn("COPY c FROM STDIN WITH (FORMAT csv, DELIMITER ';', NULL 'NA', QUOTE '''', ESCAPE '\\')",
                   "1;'a;b';NA\n2;'it\\'s';2.5\n3;NA;'7'\n", 5));
  EXPECT_EQ(Query("SELECT id, name, score FROM c ORDER BY id"), (Rows{"1|a;b|NULL", "2|it's|2.5", "3|NULL|7"}));
}

TEST_F(CopyTest, TextEscapesAcrossChunks) {
  ASSERT_OK(CopyIn("COPY c FROM STDIN", "1\ttab\\there\t\\N\n2\tback\\\\slash\t1.25\n", 1));
  EXPECT_EQ(Query("SELECT id, name, score FROM c ORDER BY id"), (Rows{"1|tab\there|NULL", "2|back\\slash|1.25"}));
}

TEST_F(CopyTest, FailureHalfWayCommitsNothing) {
  Status s = CopyIn("COPY c FROM STDIN", "3001\ta\t1\n3002\tb\tnot-a-number\n", 7);
  EXPECT_EQ(s.sql_state(), SqlState::kInvalidTextRepresentation);
  EXPECT_NE(s.detail().find("line 2"), std::string::npos) << s.ToString();
  s = CopyIn("COPY c FROM STDIN WITH (FORMAT csv)", "1,\"unterminated\n", 4);
  EXPECT_EQ(s.sql_state().code(), "22P04");
  EXPECT_EQ(Query("SELECT count(*) FROM c"), Rows{"0"});
}

// COPY hands rows to storage in batches of 4096 (DatabaseTransaction::
// InsertRows); these cross batch boundaries.
std::string Lines(int from, int to) {
  std::string data;
  for (int i = from; i <= to; ++i) {
    data += std::to_string(i) + "\tname " + std::to_string(i) + "\t" + std::to_string(i) + ".5\n";
  }
  return data;
}

TEST_F(CopyTest, ManyBatchesMatchOnBothReplicas) {
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 10000), 997));
  const Rows expected{"10000|50005000|50010000"};
  EXPECT_EQ(Query("SELECT count(*), sum(id), sum(score)::bigint FROM c"), expected);
  Exec("SET strata.read_replica = 'column'");
  EXPECT_EQ(Query("SELECT count(*), sum(id), sum(score)::bigint FROM c"), expected);
  EXPECT_EQ(Query("SELECT id, name FROM c WHERE id IN (1, 4096, 4097, 8193, 10000) ORDER BY id"),
            (Rows{"1|name 1", "4096|name 4096", "4097|name 4097", "8193|name 8193", "10000|name 10000"}));
}

TEST_F(CopyTest, DuplicateKeyAcrossBatchesAppliesNothing) {
  // Line 6000 repeats line 2's key: a later batch finds it among this
  // COPY's own rows.
  std::string data = Lines(1, 5999) + "2\tagain\t0\n" + Lines(6001, 7000);
  Status s = CopyIn("COPY c FROM STDIN", data, 4096);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("Key (id)=(2) already exists."), std::string::npos) << s.ToString();
  EXPECT_NE(s.detail().find("line 6000"), std::string::npos) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM c"), Rows{"0"});

  // Within one batch: the later of the two lines is reported.
  s = CopyIn("COPY c FROM STDIN", "1\ta\t1\n2\tb\t2\n1\tc\t3\n", 3);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 3"), std::string::npos) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM c"), Rows{"0"});

  // Against a committed row.
  Exec("INSERT INTO c VALUES (7, 'committed', 7)");
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 6), 64));
  s = CopyIn("COPY c FROM STDIN", Lines(100, 110) + "7\tdup\t0\n", 64);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 12"), std::string::npos) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*), max(id) FROM c"), (Rows{"7|7"}));
}

// From its second batch on, a COPY writes each batch on a helper thread
// while it reads and encodes the next one: an error in the batch being
// written still comes before a later line's.
TEST_F(CopyTest, ABatchBeingWrittenReportsItsErrorBeforeALaterLinesError) {
  // Line 5000 (second batch, written while the third is read) repeats line
  // 3's key; line 9001 (third batch) is malformed.
  std::string data = Lines(1, 4999) + "3\tdup\t0\n" + Lines(5001, 9000) + "9001\tx\tnot-a-number\n";
  Status s = CopyIn("COPY c FROM STDIN", data, 4096);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 5000"), std::string::npos) << s.ToString();
  // The batches before it wrote without error: the malformed line is reported.
  s = CopyIn("COPY c FROM STDIN", Lines(1, 9000) + "9001\tx\tnot-a-number\n" + Lines(9002, 9100),
             4096);
  EXPECT_EQ(s.sql_state(), SqlState::kInvalidTextRepresentation) << s.ToString();
  EXPECT_NE(s.detail().find("line 9001"), std::string::npos) << s.ToString();
  // A NOT NULL violation found while encoding, after an error-free batch.
  Exec("CREATE TABLE n (id int PRIMARY KEY, v int NOT NULL)");
  std::string rows;
  for (int i = 1; i <= 9000; ++i) rows += std::to_string(i) + (i == 8500 ? "\t\\N\n" : "\t1\n");
  s = CopyIn("COPY n FROM STDIN", rows, 4096);
  EXPECT_EQ(s.sql_state(), SqlState::kNotNullViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 8500"), std::string::npos) << s.ToString();
  EXPECT_EQ(Query("SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM n)"), Rows{"0"});
  // After the failures the same data loads whole.
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 9100), 4096));
  EXPECT_EQ(Query("SELECT count(*), sum(id) FROM c"), Rows{"9100|41409550"});
}

TEST_F(CopyTest, AClientAbortAfterABatchWithAnErrorReportsThatError) {
  // Lines 4097..8192 are the second batch, still being written when the
  // client's CopyFail arrives; its duplicate on line 5000 came first.
  const Status copy_fail(SqlState::kQueryCanceled, "COPY from stdin failed: aborted by the client");
  Status s = CopyIn("COPY c FROM STDIN", Lines(1, 4999) + "3\tdup\t0\n" + Lines(5001, 8192), 4096,
                    copy_fail);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 5000"), std::string::npos) << s.ToString();
  // Without an earlier error the abort is what is reported.
  s = CopyIn("COPY c FROM STDIN", Lines(1, 8192), 4096, copy_fail);
  EXPECT_EQ(s.sql_state(), SqlState::kQueryCanceled) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM c"), Rows{"0"});
}

// Rows deleted but not yet compacted away are more than the emptiness seek
// steps over: the load still looks its keys up and finds the one left.
TEST_F(CopyTest, DuplicateOfTheOneRowLeftAfterADeleteIsFound) {
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 9000), 4096));
  Exec("DELETE FROM c WHERE id <> 8000");
  Status s = CopyIn("COPY c FROM STDIN", Lines(1, 9000), 4096);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 8000"), std::string::npos) << s.ToString();
  Exec("DELETE FROM c");
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 9000), 4096));
  EXPECT_EQ(Query("SELECT count(*), sum(id) FROM c"), Rows{"9000|40504500"});
}

// Omitted columns whose defaults are evaluated (a server function that
// reads the transaction) are not written on a helper thread; every row
// still gets its value.
TEST_F(CopyTest, DefaultsOfOmittedColumnsAcrossBatches) {
  Exec(
      "CREATE TABLE s (id int PRIMARY KEY, x bigint DEFAULT txid_current(), r float8 DEFAULT "
      "random())");
  std::string ids;
  for (int i = 1; i <= 9000; ++i) ids += std::to_string(i) + "\n";
  ASSERT_OK(CopyIn("COPY s (id) FROM STDIN", ids, 4096));
  EXPECT_EQ(Query("SELECT count(*), count(DISTINCT x), count(r), min(r) >= 0 AND max(r) < 1, "
                  "count(DISTINCT r) > 8000 FROM s"),
            Rows{"9000|1|9000|t|t"});
}

// A load into a table that is empty at the snapshot skips the lookup of
// committed keys, and an ordered load skips the check against its own
// earlier rows; the duplicates they would have found are still found
// through this transaction's other writes.
TEST_F(CopyTest, DuplicatesAgainstThisTransactionsWritesAreFoundInAnEmptyTable) {
  // An INSERT earlier in the transaction (an indexed write).
  Exec("BEGIN");
  Exec("INSERT INTO c VALUES (5000, 'inserted', 0)");
  Status s = CopyIn("COPY c FROM STDIN", Lines(1, 6000), 4096);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 5000"), std::string::npos) << s.ToString();
  Exec("ROLLBACK");
  // Rows loaded by an earlier COPY of the transaction, in order and not.
  Exec("BEGIN");
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(5001, 9000), 4096));
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 5000), 4096));  // below every loaded key
  s = CopyIn("COPY c FROM STDIN", Lines(9001, 9100) + Lines(7000, 7000), 4096);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("Key (id)=(7000) already exists."), std::string::npos) << s.ToString();
  Exec("ROLLBACK");
  // A loaded row deleted in the transaction may be loaded again.
  Exec("BEGIN");
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 6000), 4096));
  Exec("DELETE FROM c WHERE id = 3000");
  ASSERT_OK(CopyIn("COPY c FROM STDIN", "3000\tagain\t1\n", 4096));
  s = CopyIn("COPY c FROM STDIN", Lines(2999, 2999), 4096);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  Exec("ROLLBACK");
  EXPECT_EQ(Query("SELECT count(*) FROM c"), Rows{"0"});
  // Committed rows: the table is no longer empty at the snapshot.
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 5000), 4096));
  s = CopyIn("COPY c FROM STDIN", Lines(6000, 9000) + Lines(10, 10), 4096);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 3002"), std::string::npos) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*), max(id) FROM c"), Rows{"5000|5000"});
}

TEST_F(CopyTest, FirstFailingLineWinsWithinABatch) {
  // A duplicate on line 3 comes before the NOT NULL violation on line 4
  // and the malformed line 5, as row-by-row processing would find it.
  Exec("CREATE TABLE n (id int PRIMARY KEY, v int NOT NULL)");
  Status s = CopyIn("COPY n FROM STDIN", "1\t1\n2\t2\n1\t3\n4\t\\N\n5\tx\n", 100);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 3"), std::string::npos) << s.ToString();
  s = CopyIn("COPY n FROM STDIN", "1\t1\n4\t\\N\n1\t3\n", 100);
  EXPECT_EQ(s.sql_state(), SqlState::kNotNullViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 2"), std::string::npos) << s.ToString();
  s = CopyIn("COPY n FROM STDIN", "1\t1\n1\t2\n5\tx\n", 100);
  EXPECT_EQ(s.sql_state(), SqlState::kUniqueViolation) << s.ToString();
  EXPECT_NE(s.detail().find("line 2"), std::string::npos) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM n"), Rows{"0"});
}

TEST_F(CopyTest, RowsCopiedInATransactionCanBeChangedThereAndReplicasAgree) {
  Exec("BEGIN");
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(1, 5000), 1000));
  // Column scans, updates and deletes of rows this COPY wrote, in the same
  // transaction; then more COPY batches after them.
  Exec("SET strata.read_replica = 'column'");
  EXPECT_EQ(Query("SELECT count(*) FROM c"), Rows{"5000"});
  Exec("SET strata.read_replica = 'auto'");
  Exec("UPDATE c SET name = 'updated' WHERE id IN (10, 4500)");
  Exec("DELETE FROM c WHERE id = 11");
  ASSERT_OK(CopyIn("COPY c FROM STDIN", Lines(5001, 6000) + "11\tback\t0\n", 1000));
  Exec("INSERT INTO c VALUES (6001, 'insert', 1) ON CONFLICT (id) DO UPDATE SET name = 'x'");
  Exec("INSERT INTO c VALUES (5999, 'insert', 1) ON CONFLICT (id) DO UPDATE SET name = 'upserted'");
  const std::string q =
      "SELECT count(*), sum(id), count(*) FILTER (WHERE name = 'updated'), "
      "count(*) FILTER (WHERE name = 'upserted'), count(*) FILTER (WHERE name = 'back') FROM c";
  const Rows expected{"6001|18009001|2|1|1"};
  EXPECT_EQ(Query(q), expected);
  Exec("SET strata.read_replica = 'column'");
  EXPECT_EQ(Query(q), expected);
  Exec("COMMIT");
  EXPECT_EQ(Query(q), expected);
  Exec("SET strata.read_replica = 'row'");
  EXPECT_EQ(Query(q), expected);
  Exec("VACUUM c");
  Exec("SET strata.read_replica = 'column'");
  EXPECT_EQ(Query(q), expected);
}

TEST_F(CopyTest, CopyIntoBinlogTableRecordsEveryRow) {
  Exec("CREATE TABLE b (id int PRIMARY KEY, v text) WITH (binlog_level = 'replica')");
  ASSERT_OK(CopyIn("COPY b FROM STDIN", "1\tone\n2\ttwo\n3\tthree\n", 5));
  EXPECT_EQ(Query("SELECT hg_binlog_event_type, id, v FROM b ORDER BY id"),
            (Rows{"5|1|one", "5|2|two", "5|3|three"}));
}

TEST_F(CopyTest, CopyIntoTableWithoutPrimaryKey) {
  Exec("CREATE TABLE a (x int, y text)");
  std::string data;
  for (int i = 0; i < 5000; ++i) data += std::to_string(i % 7) + "\tsame\n";
  ASSERT_OK(CopyIn("COPY a FROM STDIN", data, 4000));
  EXPECT_EQ(Query("SELECT count(*), sum(x) FROM a"), (Rows{"5000|14995"}));
}

}  // namespace
}  // namespace strata::sql
