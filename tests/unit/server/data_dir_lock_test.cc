#include "server/data_dir_lock.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::server {
namespace {

TEST(DataDirLockTest, CreatesTheDirectoryAndRecordsThePid) {
  testing::TempDir dir;
  const std::string data = dir.str() + "/a/b";
  ASSERT_OK_AND_ASSIGN(DataDirLock lock, DataDirLock::Acquire(data));
  EXPECT_TRUE(std::filesystem::is_directory(data));
  std::ifstream pid_file(data + "/strata.pid");
  int pid = 0;
  pid_file >> pid;
  EXPECT_EQ(pid, getpid());
}

TEST(DataDirLockTest, SecondHolderIsRefusedNamingTheOwner) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(DataDirLock first, DataDirLock::Acquire(dir.str()));
  auto second = DataDirLock::Acquire(dir.str());
  ASSERT_SQLSTATE(second, SqlState::kObjectNotInPrerequisiteState);
  EXPECT_NE(second.status().message().find("in use"), std::string_view::npos);
  EXPECT_NE(second.status().message().find(std::to_string(getpid())), std::string_view::npos);
}

TEST(DataDirLockTest, ReleasedOnDestruction) {
  testing::TempDir dir;
  { ASSERT_OK_AND_ASSIGN(DataDirLock first, DataDirLock::Acquire(dir.str())); }
  ASSERT_OK(DataDirLock::Acquire(dir.str()));
}

TEST(DataDirLockTest, UnusableDirectoryIsAnIoError) {
  testing::TempDir dir;
  const std::string file = dir.str() + "/plain-file";
  std::ofstream(file) << "x";
  ASSERT_SQLSTATE(DataDirLock::Acquire(file + "/data"), SqlState::kIoError);
}

}  // namespace
}  // namespace strata::server
