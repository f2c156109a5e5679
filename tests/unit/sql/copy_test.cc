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

  // Runs `sql` with `data` split into chunks of `chunk` bytes.
  Status CopyIn(const std::string& sql, const std::string& data, size_t chunk) {
    RecordingSink sink;
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

}  // namespace
}  // namespace strata::sql
