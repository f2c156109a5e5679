#include "binlog/replication_slot.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata::binlog {
namespace {

class MapPersistence : public SlotPersistence {
 public:
  Status Put(std::string_view key, std::string_view value) override {
    ++writes;
    map[std::string(key)] = std::string(value);
    return Status::OK();
  }
  Status Delete(std::string_view key) override {
    map.erase(std::string(key));
    return Status::OK();
  }
  Result<std::vector<std::pair<std::string, std::string>>> List() override {
    return std::vector<std::pair<std::string, std::string>>(map.begin(), map.end());
  }
  std::map<std::string, std::string> map;
  int writes = 0;
};

TEST(SlotManagerTest, PersistsAndReloads) {
  MapPersistence store;
  ASSERT_OK_AND_ASSIGN(auto slots, SlotManager::Open(&store, 4));
  ASSERT_OK_AND_ASSIGN(SlotInfo s, slots->Create("s1", "test_decoding", false, 7, 10));
  EXPECT_EQ(s.confirmed_lsn, 10u);
  ASSERT_OK(slots->Create("tmp", "pgoutput", true, 7, 10).status());
  EXPECT_EQ(store.map.size(), 1u);  // temporary slots are not persisted

  ASSERT_OK_AND_ASSIGN(s, slots->Acquire("s1", 42));
  EXPECT_EQ(s.active_pid, 42);
  EXPECT_EQ(slots->Acquire("s1", 43).status().sql_state().code(), "55006");
  EXPECT_EQ(slots->Drop("s1", 43).sql_state().code(), "55006");
  ASSERT_OK(slots->Confirm("s1", 20, /*covers_delivery=*/true));
  ASSERT_OK(slots->Confirm("s1", 15, true));  // never backwards
  EXPECT_EQ(slots->Get("s1")->confirmed_lsn, 20u);
  EXPECT_EQ(slots->Get("s1")->restart_lsn, 20u);
  // An idle advance stays in memory until release (or the interval).
  ASSERT_OK(slots->Confirm("s1", 25, false));
  EXPECT_EQ(slots->Get("s1")->restart_lsn, 20u);
  EXPECT_EQ(slots->RetentionFloor(), 10u);  // the temporary slot still needs 10
  slots->ReleaseSession(7);                 // drops "tmp"
  EXPECT_EQ(slots->Get("tmp").status().sql_state().code(), "42704");
  slots->Release("s1", 42);
  EXPECT_EQ(slots->Get("s1")->restart_lsn, 25u);
  EXPECT_EQ(slots->RetentionFloor(), 25u);

  ASSERT_OK_AND_ASSIGN(auto reopened, SlotManager::Open(&store, 4));
  ASSERT_OK_AND_ASSIGN(SlotInfo again, reopened->Get("s1"));
  EXPECT_EQ(again.plugin, "test_decoding");
  EXPECT_EQ(again.confirmed_lsn, 25u);
  EXPECT_EQ(again.active_pid, 0);
  ASSERT_OK(reopened->Drop("s1", 1));
  EXPECT_TRUE(store.map.empty());
}

TEST(SlotManagerTest, Errors) {
  MapPersistence store;
  ASSERT_OK_AND_ASSIGN(auto slots, SlotManager::Open(&store, 1));
  EXPECT_EQ(slots->Create("Bad", "pgoutput", false, 1, 0).status().sql_state().code(), "42602");
  EXPECT_EQ(slots->Create("", "pgoutput", false, 1, 0).status().sql_state().code(), "42602");
  EXPECT_EQ(slots->Create(std::string(64, 'a'), "pgoutput", false, 1, 0).status().sql_state().code(),
            "42622");
  EXPECT_EQ(slots->Create("a", "wal2json", false, 1, 0).status().sql_state().code(), "58P01");
  ASSERT_OK(slots->Create("a", "pgoutput", false, 1, 0).status());
  EXPECT_EQ(slots->Create("a", "pgoutput", false, 1, 0).status().sql_state().code(), "42710");
  EXPECT_EQ(slots->Create("b", "pgoutput", false, 1, 0).status().sql_state().code(), "53400");
  EXPECT_EQ(slots->Drop("zz", 1).sql_state().code(), "42704");
  store.map["slot/x"] = "garbage";
  EXPECT_FALSE(SlotManager::Open(&store, 4).ok());
}

}  // namespace
}  // namespace strata::binlog
