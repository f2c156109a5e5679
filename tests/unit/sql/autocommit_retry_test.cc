// READ COMMITTED emulation: autocommit statements re-run after a commit
// conflict (40001); explicit blocks keep the conflict.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/sql/sql_test_util.h"

namespace strata::sql {
namespace {

using testing::RecordingSink;
using Rows = std::vector<std::string>;

class AutocommitRetryTest : public testing::SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    Exec("CREATE TABLE acct (id int PRIMARY KEY, balance bigint)");
    Exec("INSERT INTO acct SELECT g, 0 FROM generate_series(1, 5) g");
  }

  // Parse + Bind + Execute of `sql` on `session` (no Sync).
  std::string ExecuteExtended(SqlSession* session, const std::string& sql, RecordingSink* sink) {
    auto info = session->Prepare("", sql, {});
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    Status s = session->Bind("", "", {}, {}, {});
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto r = session->Execute("", 0, sink);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return sink->tags.empty() ? "" : sink->tags.back();
  }
};

TEST_F(AutocommitRetryTest, ConcurrentAutocommitUpdatesNeverFail) {
  constexpr int kThreads = 4;
  constexpr int kUpdates = 150;
  std::vector<std::unique_ptr<SqlSession>> sessions;
  for (int i = 0; i < kThreads; ++i) sessions.push_back(NewSession());
  std::atomic<int> failures{0};
  std::atomic<int> wrong_tags{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUpdates; ++i) {
        RecordingSink sink;
        const std::string id = std::to_string(1 + (i + t) % 2);
        Status s = sessions[t]->ExecuteSimple("UPDATE acct SET balance = balance + 1 WHERE id = " + id +
                                                  " RETURNING id",
                                              &sink);
        if (!s.ok()) ++failures;
        if (sink.tags != std::vector<std::string>{"UPDATE 1"} || sink.rows != Rows{id}) ++wrong_tags;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong_tags.load(), 0);
  EXPECT_EQ(Query("SELECT sum(balance) FROM acct"), Rows{std::to_string(kThreads * kUpdates)});
}

TEST_F(AutocommitRetryTest, ExplicitBlockKeepsTheConflict) {
  auto other = NewSession();
  Exec("BEGIN");
  Exec("UPDATE acct SET balance = balance + 1 WHERE id = 1");
  Exec("UPDATE acct SET balance = balance + 10 WHERE id = 1", other.get());
  EXPECT_EQ(Error("COMMIT").sql_state(), SqlState::kSerializationFailure);
  EXPECT_EQ(Query("SELECT balance FROM acct WHERE id = 1"), Rows{"10"});
}

TEST_F(AutocommitRetryTest, ExtendedProtocolStatementIsRerunAtSync) {
  auto other = NewSession();
  RecordingSink sink;
  EXPECT_EQ(ExecuteExtended(session_.get(), "UPDATE acct SET balance = balance + 1 WHERE id = 1 RETURNING id", &sink),
            "UPDATE 1");
  EXPECT_EQ(sink.rows, Rows{"1"});
  Exec("UPDATE acct SET balance = balance + 10 WHERE id = 1", other.get());
  Status s = session_->Sync();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT balance FROM acct WHERE id = 1"), Rows{"11"});
}

TEST_F(AutocommitRetryTest, ExtendedProtocolRerunWithOtherResultKeepsTheConflict) {
  auto other = NewSession();
  RecordingSink sink;
  EXPECT_EQ(ExecuteExtended(session_.get(), "UPDATE acct SET balance = balance + 1 WHERE balance = 0 AND id = 2",
                            &sink),
            "UPDATE 1");
  Exec("UPDATE acct SET balance = 5 WHERE id = 2", other.get());
  EXPECT_EQ(session_->Sync().sql_state(), SqlState::kSerializationFailure);
  EXPECT_EQ(Query("SELECT balance FROM acct WHERE id = 2"), Rows{"5"});
}

}  // namespace
}  // namespace strata::sql
