// READ COMMITTED emulation: autocommit statements re-run after a commit
// conflict (40001); explicit blocks keep the conflict.

#include <atomic>
#include <future>
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

// BeginAsyncSync + FinishSync (the server's inline write path): the commit
// completes on the pipeline's thread; a conflict is re-run by FinishSync as
// Sync() would.
Status AsyncSync(SqlSession* session, bool* started) {
  std::promise<Status> committed;
  *started = session->BeginAsyncSync([&](Status s) { committed.set_value(std::move(s)); });
  if (!*started) return session->Sync();
  Status commit = committed.get_future().get();
  return session->FinishSync(std::move(commit));
}

TEST_F(AutocommitRetryTest, AsyncSyncCommitsTheImplicitTransaction) {
  RecordingSink sink;
  EXPECT_EQ(ExecuteExtended(session_.get(), "INSERT INTO acct VALUES (9, 90) ON CONFLICT (id) DO UPDATE SET balance = 90",
                            &sink),
            "INSERT 0 1");
  bool started = false;
  EXPECT_OK(AsyncSync(session_.get(), &started));
  EXPECT_TRUE(started);
  EXPECT_EQ(session_->txn_status(), TxnStatus::kIdle);
  EXPECT_TRUE(session_->IdleWithoutTransaction());
  auto other = NewSession();
  EXPECT_EQ(Query("SELECT balance FROM acct WHERE id = 9", other.get()), Rows{"90"});
}

TEST_F(AutocommitRetryTest, AsyncSyncRerunsAConflictingUpsert) {
  auto other = NewSession();
  RecordingSink sink;
  EXPECT_EQ(ExecuteExtended(session_.get(),
                            "INSERT INTO acct VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET balance = acct.balance + 1",
                            &sink),
            "INSERT 0 1");
  Exec("UPDATE acct SET balance = balance + 10 WHERE id = 1", other.get());
  std::promise<Status> committed;
  ASSERT_TRUE(session_->BeginAsyncSync([&](Status s) { committed.set_value(std::move(s)); }));
  Status commit = committed.get_future().get();
  EXPECT_EQ(commit.sql_state(), SqlState::kSerializationFailure);
  EXPECT_TRUE(session_->FinishSyncMayBlock(commit));
  EXPECT_OK(session_->FinishSync(std::move(commit)));
  // Re-run on a fresh snapshot: neither increment is lost.
  EXPECT_EQ(Query("SELECT balance FROM acct WHERE id = 1"), Rows{"11"});
}

TEST_F(AutocommitRetryTest, AsyncSyncWithoutRerunReturnsTheConflict) {
  auto other = NewSession();
  RecordingSink sink;
  ExecuteExtended(session_.get(), "INSERT INTO acct VALUES (2, 1) ON CONFLICT (id) DO UPDATE SET balance = 7", &sink);
  Exec("UPDATE acct SET balance = 5 WHERE id = 2", other.get());
  std::promise<Status> committed;
  ASSERT_TRUE(session_->BeginAsyncSync([&](Status s) { committed.set_value(std::move(s)); }));
  Status commit = committed.get_future().get();
  EXPECT_EQ(session_->FinishSync(commit, /*rerun_on_conflict=*/false).sql_state(),
            SqlState::kSerializationFailure);
  EXPECT_TRUE(session_->IdleWithoutTransaction());
  EXPECT_EQ(Query("SELECT balance FROM acct WHERE id = 2"), Rows{"5"});
}

TEST_F(AutocommitRetryTest, AsyncSyncIsRefusedWithoutAnAsyncCommit) {
  bool started = true;
  // Nothing open.
  EXPECT_OK(AsyncSync(session_.get(), &started));
  EXPECT_FALSE(started);
  // A read: nothing to commit, Sync stays synchronous (and cheap).
  RecordingSink read;
  ExecuteExtended(session_.get(), "SELECT balance FROM acct WHERE id = 1", &read);
  EXPECT_FALSE(session_->SyncCommitsChanges());
  EXPECT_OK(AsyncSync(session_.get(), &started));
  EXPECT_FALSE(started);
  // DDL commits synchronously.
  RecordingSink ddl;
  ExecuteExtended(session_.get(), "CREATE TABLE made_in_extended (id int PRIMARY KEY)", &ddl);
  EXPECT_TRUE(session_->SyncCommitsChanges());
  EXPECT_OK(AsyncSync(session_.get(), &started));
  EXPECT_FALSE(started);
  EXPECT_EQ(Query("SELECT count(*) FROM made_in_extended"), Rows{"0"});
  // An error since the last Sync rolls back.
  RecordingSink failing;
  auto info = session_->Prepare("", "INSERT INTO acct VALUES (1, 1)", {});
  ASSERT_TRUE(info.ok());
  ASSERT_OK(session_->Bind("", "", {}, {}, {}));
  EXPECT_EQ(session_->Execute("", 0, &failing).status().sql_state(), SqlState::kUniqueViolation);
  EXPECT_OK(AsyncSync(session_.get(), &started));
  EXPECT_FALSE(started);
  // Inside a block Sync commits nothing.
  Exec("BEGIN");
  RecordingSink in_block;
  ExecuteExtended(session_.get(), "INSERT INTO acct VALUES (20, 1)", &in_block);
  EXPECT_OK(AsyncSync(session_.get(), &started));
  EXPECT_FALSE(started);
  EXPECT_EQ(session_->txn_status(), TxnStatus::kInBlock);
  Exec("ROLLBACK");
  EXPECT_EQ(Query("SELECT count(*) FROM acct WHERE id = 20"), Rows{"0"});
}

}  // namespace
}  // namespace strata::sql
