#include "isolation/resource_pool.h"

#include <atomic>
#include <future>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata::isolation {
namespace {

using std::chrono::milliseconds;

TEST(ResourcePoolTest, RunsSubmittedTasks) {
  ResourcePool pool({"t", 2, 100, 0, 0}, nullptr);
  std::atomic<int> sum{0};
  for (int i = 1; i <= 50; ++i) {
    ASSERT_OK(pool.Submit([&sum, i] { sum += i; }));
  }
  ASSERT_TRUE(pool.Shutdown(milliseconds(5000)));
  EXPECT_EQ(sum.load(), 50 * 51 / 2);
  EXPECT_EQ(pool.completed(), 50u);
}

TEST(ResourcePoolTest, FullQueueRejectsInsteadOfGrowing) {
  ResourcePool pool({"small", 1, 3, 0, 0}, nullptr);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  // Occupy the only worker, then fill the queue to its capacity.
  ASSERT_OK(pool.Submit([&] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();
  for (int i = 0; i < 3; ++i) ASSERT_OK(pool.Submit([gate] { gate.wait(); }));
  EXPECT_EQ(pool.queued(), 3);

  ASSERT_SQLSTATE(pool.Submit([] {}), SqlState::kInsufficientResources);
  ASSERT_SQLSTATE(pool.Submit([] {}), SqlState::kInsufficientResources);
  EXPECT_EQ(pool.queued(), 3);
  EXPECT_EQ(pool.rejected(), 2u);

  release.set_value();
  ASSERT_TRUE(pool.Shutdown(milliseconds(5000)));
  EXPECT_EQ(pool.completed(), 4u);
}

TEST(ResourcePoolTest, ShutdownRejectsNewWorkAndBoundsTheWait) {
  ResourcePool pool({"slow", 1, 10, 0, 0}, nullptr);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  ASSERT_OK(pool.Submit([gate] { gate.wait(); }));
  EXPECT_FALSE(pool.Shutdown(milliseconds(50)));  // the task is still running
  ASSERT_SQLSTATE(pool.Submit([] {}), SqlState::kAdminShutdown);
  release.set_value();
  EXPECT_TRUE(pool.Shutdown(milliseconds(5000)));
}

TEST(ResourcePoolTest, WorkerSurvivesThrowingTask) {
  ResourcePool pool({"t", 1, 10, 0, 0}, nullptr);
  std::atomic<bool> ran{false};
  ASSERT_OK(pool.Submit([] { throw std::runtime_error("boom"); }));
  ASSERT_OK(pool.Submit([&ran] { ran = true; }));
  ASSERT_TRUE(pool.Shutdown(milliseconds(5000)));
  EXPECT_TRUE(ran.load());
}

TEST(PoolSetTest, DefaultPoolsExistByName) {
  PoolSet pools(DefaultPools(), nullptr);
  for (const char* name : {"serving", "write", "olap", "stream", "background"}) {
    EXPECT_NE(pools.Find(name), nullptr) << name;
  }
  EXPECT_EQ(pools.Find("nope"), nullptr);
  EXPECT_TRUE(pools.ShutdownAll(milliseconds(5000)));
}

TEST(MemoryBudgetTest, ChildReservationsChargeAncestorsAndRefuseOverLimit) {
  MemoryBudget root("root", 1000, nullptr);
  MemoryBudget olap("olap", 600, &root);
  MemoryBudget serving("serving", 0, &root);

  ASSERT_OK_AND_ASSIGN(Reservation a, olap.Reserve(500));
  EXPECT_EQ(root.used_bytes(), 500u);
  ASSERT_SQLSTATE(olap.Reserve(200), SqlState::kOutOfMemory);  // olap's own limit
  EXPECT_EQ(root.used_bytes(), 500u);                          // nothing left charged

  ASSERT_OK_AND_ASSIGN(Reservation b, serving.Reserve(400));
  auto refused = serving.Reserve(200);  // the root's limit
  ASSERT_SQLSTATE(refused, SqlState::kOutOfMemory);
  EXPECT_NE(refused.status().message().find("\"root\""), std::string_view::npos);
  EXPECT_EQ(serving.used_bytes(), 400u);

  a.Release();
  EXPECT_EQ(olap.used_bytes(), 0u);
  EXPECT_EQ(root.used_bytes(), 400u);
  ASSERT_OK(serving.Reserve(200));  // a temporary: released at once
  EXPECT_EQ(root.used_bytes(), 400u);
}

}  // namespace
}  // namespace strata::isolation
