// Operators charge their buffers to the memory budget of the pool running
// the statement: over the limit the statement fails with 53200 and every
// byte is returned afterwards.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "isolation/resource_pool.h"
#include "tests/unit/sql/sql_test_util.h"

namespace strata::sql {
namespace {

using Rows = std::vector<std::string>;

constexpr uint64_t kLimit = 4 << 20;

class MemoryBudgetTest : public testing::SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    std::vector<isolation::PoolOptions> pools;
    for (const char* name : {"serving", "write", "olap"}) {
      isolation::PoolOptions o;
      o.name = name;
      o.memory_limit_bytes = kLimit;
      pools.push_back(o);
    }
    pools_ = std::make_unique<isolation::PoolSet>(pools, &root_);
    budgeted_engine_ = std::make_unique<Engine>(db_.get(), pools_.get());
    SessionInfo info;
    info.user = "strata";
    info.database = "strata";
    budgeted_ = budgeted_engine_->NewSession(info);
    // 30000 rows of ~200 bytes: more than a pool may buffer at once, loaded
    // in slices that fit.
    Exec("CREATE TABLE big (id int PRIMARY KEY, pad text)", budgeted_.get());
    for (int from = 1; from <= 30000; from += 10000) {
      Exec("INSERT INTO big SELECT g, g::text || repeat('x', 100) FROM generate_series(" + std::to_string(from) +
               ", " + std::to_string(from + 9999) + ") g",
           budgeted_.get());
    }
    ExpectNothingCharged();
  }
  void TearDown() override {
    budgeted_.reset();
    budgeted_engine_.reset();
    pools_->ShutdownAll(std::chrono::seconds(5));
    pools_.reset();
    SqlFixture::TearDown();
  }

  void ExpectOutOfMemory(const std::string& sql) {
    Status s = Error(sql, budgeted_.get());
    EXPECT_EQ(s.sql_state(), SqlState::kOutOfMemory) << sql << ": " << s.ToString();
    ExpectNothingCharged();
  }
  void ExpectNothingCharged() {
    EXPECT_EQ(root_.used_bytes(), 0u);
    for (const auto& pool : pools_->pools()) EXPECT_EQ(pool->memory_budget()->used_bytes(), 0u) << pool->name();
  }

  isolation::MemoryBudget root_{"server", 0, nullptr};
  std::unique_ptr<isolation::PoolSet> pools_;
  std::unique_ptr<Engine> budgeted_engine_;
  std::unique_ptr<SqlSession> budgeted_;
};

TEST_F(MemoryBudgetTest, OperatorsOverThePoolLimitFailWith53200) {
  ExpectOutOfMemory("SELECT id, pad FROM big ORDER BY pad");
  ExpectOutOfMemory("SELECT pad, count(*) FROM big GROUP BY pad");
  ExpectOutOfMemory("SELECT count(DISTINCT pad) FROM big");
  ExpectOutOfMemory("SELECT DISTINCT pad FROM big");
  ExpectOutOfMemory("SELECT count(*) FROM big x JOIN big y ON x.pad = y.pad");
  // The buffered side must read pad: column-replica scans read only the
  // columns the query uses.
  ExpectOutOfMemory("SELECT count(y.pad) FROM big x, big y WHERE x.id < 0");
  ExpectOutOfMemory("SELECT pad FROM big UNION SELECT pad FROM big");
  ExpectOutOfMemory("SELECT pad FROM big EXCEPT SELECT pad FROM big WHERE id < 10");
  // DML buffers its source rows (write pool).
  Exec("CREATE TABLE copy_of_big (id int PRIMARY KEY, pad text)", budgeted_.get());
  ExpectOutOfMemory("INSERT INTO copy_of_big SELECT id, pad FROM big");
  ExpectOutOfMemory("UPDATE big SET pad = pad || 'y'");
  ExpectOutOfMemory("DELETE FROM big WHERE pad <> ''");
  // Streaming statements and statements within the limit still run.
  EXPECT_EQ(Query("SELECT count(*), sum(length(pad)) FROM big", budgeted_.get()), Rows{"30000|3138894"});
  EXPECT_EQ(Query("SELECT pad FROM big WHERE id <= 2 ORDER BY pad DESC", budgeted_.get()),
            (Rows{"2" + std::string(100, 'x'), "1" + std::string(100, 'x')}));
  EXPECT_EQ(Exec("UPDATE big SET pad = 'short' WHERE id <= 5000", budgeted_.get()), "UPDATE 5000");
  ExpectNothingCharged();
  // The session is usable and nothing of the failed statements remains.
  EXPECT_EQ(Query("SELECT count(*) FROM copy_of_big", budgeted_.get()), Rows{"0"});
}

TEST_F(MemoryBudgetTest, UnlimitedPoolsStillRunLargeStatements) {
  // The same statements without pools (no budgets) succeed.
  EXPECT_EQ(Query("SELECT count(*) FROM (SELECT DISTINCT pad FROM big) d"), Rows{"30000"});
  EXPECT_EQ(Query("SELECT count(*) FROM big x JOIN big y ON x.pad = y.pad"), Rows{"30000"});
}

}  // namespace
}  // namespace strata::sql
