// Long-running and large statements: streaming joins, cancel and
// statement_timeout inside operator loops.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/unit/sql/sql_test_util.h"

namespace strata::sql {
namespace {

using Rows = std::vector<std::string>;

class ExecutorLimitsTest : public testing::SqlFixture {
 protected:
  void MakeTable(int rows) {
    Exec("CREATE TABLE b (id int PRIMARY KEY)");
    Exec("INSERT INTO b SELECT g FROM generate_series(1, " + std::to_string(rows) + ") g");
  }
};

TEST_F(ExecutorLimitsTest, JoinsStreamAcrossBatchBoundaries) {
  MakeTable(1500);
  EXPECT_EQ(Query("SELECT count(*), sum(x.id) FROM b x, b y"), Rows{"2250000|1688625000"});
  EXPECT_EQ(Query("SELECT count(*) FROM b x JOIN b y ON x.id % 3 = y.id % 3"), Rows{"750000"});
  EXPECT_EQ(Query("SELECT count(*), count(y.id) FROM b x LEFT JOIN b y ON x.id = y.id + 1490"),
            Rows{"1500|10"});
  EXPECT_EQ(Query("SELECT count(*), count(x.id) FROM b x RIGHT JOIN b y ON x.id < y.id AND x.id < 2"),
            Rows{"1500|1499"});
}

TEST_F(ExecutorLimitsTest, StatementTimeoutStopsCrossJoin) {
  MakeTable(4000);
  Exec("SET statement_timeout = 200");
  const auto start = std::chrono::steady_clock::now();
  Status s = Error("SELECT count(*) FROM b x, b y, b z");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(s.sql_state(), SqlState::kQueryCanceled);
  EXPECT_EQ(s.message(), "canceling statement due to statement timeout");
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  Exec("SET statement_timeout = 0");
  EXPECT_EQ(Query("SELECT count(*) FROM b"), Rows{"4000"});
}

TEST_F(ExecutorLimitsTest, CancelStopsCrossJoin) {
  MakeTable(4000);
  std::thread canceller([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    session_->Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  Status s = Error("SELECT count(*) FROM b x, b y, b z WHERE x.id + y.id = z.id");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_EQ(s.sql_state(), SqlState::kQueryCanceled);
  EXPECT_EQ(s.message(), "canceling statement due to user request");
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  EXPECT_EQ(Query("SELECT count(*) FROM b"), Rows{"4000"});
}

}  // namespace
}  // namespace strata::sql
