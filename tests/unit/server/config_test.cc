#include "server/config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::server {
namespace {

const isolation::PoolOptions* FindPool(const ServerConfig& config, const std::string& name) {
  for (const auto& pool : config.pools) {
    if (pool.name == name) return &pool;
  }
  return nullptr;
}

TEST(ConfigTest, DefaultsMatchTheDocumentedInterface) {
  ServerConfig config;
  EXPECT_EQ(config.data_dir, "./strata-data");
  EXPECT_EQ(config.listen, "127.0.0.1");
  EXPECT_EQ(config.port, 5433);
  for (const char* name : {"serving", "write", "olap", "stream", "background"}) {
    EXPECT_NE(FindPool(config, name), nullptr) << name;
  }
  EXPECT_OK(ValidateConfig(config));
}

TEST(ConfigTest, ParsesEveryValueKindAndSection) {
  ASSERT_OK_AND_ASSIGN(ServerConfig config, ParseConfig(R"(
# a comment
port = 6000            # trailing comment
listen = "0.0.0.0"
data_dir = "/var/lib/strata \"x\""
log_level = "debug"
max_connections = 1_000
memory_limit = "2GiB"

[storage]
sync_commit = false
block_cache = "256MB"
row_cache = "1GB"
write_buffer = 1048576

[pool.olap]
threads = 3
queue_size = 17
nice = 7
memory_limit = "1GB"

[pool.reports]
threads = 1
)",
                                                        ServerConfig{}));
  EXPECT_EQ(config.port, 6000);
  EXPECT_EQ(config.listen, "0.0.0.0");
  EXPECT_EQ(config.data_dir, "/var/lib/strata \"x\"");
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.max_connections, 1000);
  EXPECT_EQ(config.memory_limit_bytes, 2ull << 30);
  EXPECT_FALSE(config.storage.sync_commit);
  EXPECT_EQ(config.storage.block_cache_bytes, 256ull << 20);
  EXPECT_EQ(config.storage.row_cache_bytes, 1ull << 30);
  EXPECT_EQ(config.storage.write_buffer_bytes, 1048576u);
  const auto* olap = FindPool(config, "olap");
  ASSERT_NE(olap, nullptr);
  EXPECT_EQ(olap->threads, 3);
  EXPECT_EQ(olap->queue_capacity, 17);
  EXPECT_EQ(olap->nice, 7);
  EXPECT_EQ(olap->memory_limit_bytes, 1ull << 30);
  ASSERT_NE(FindPool(config, "reports"), nullptr);  // a config-defined pool
}

TEST(ConfigTest, ValuesNotInTheFileKeepTheBase) {
  ServerConfig base;
  base.port = 7777;
  ASSERT_OK_AND_ASSIGN(ServerConfig config, ParseConfig("listen = \"::1\"\n", base));
  EXPECT_EQ(config.port, 7777);
  EXPECT_EQ(config.listen, "::1");
}

// The error must name the key, so a user can find the line to fix.
void ExpectRejected(const std::string& text, const std::string& must_mention) {
  auto result = ParseConfig(text, ServerConfig{});
  ASSERT_SQLSTATE(result, SqlState::kConfigFileError);
  EXPECT_NE(result.status().message().find(must_mention), std::string_view::npos)
      << "message \"" << result.status().message() << "\" lacks \"" << must_mention << "\"";
}

TEST(ConfigTest, RejectsUnknownKeysNamingThem) {
  ExpectRejected("prot = 5433\n", "prot");
  ExpectRejected("[storage]\nblock_cash = 1\n", "storage.block_cash");
  ExpectRejected("[pool.olap]\nthreadz = 2\n", "pool.olap.threadz");
  ExpectRejected("\n\nbogus = 1\n", "line 3");
}

TEST(ConfigTest, RejectsBadValuesNamingTheKey) {
  ExpectRejected("port = \"5433\"\n", "port");  // wrong type
  ExpectRejected("port = 70000\n", "port");     // out of range
  ExpectRejected("port = -1\n", "port");
  ExpectRejected("log_level = \"loud\"\n", "log_level");
  ExpectRejected("[storage]\nsync_commit = 1\n", "storage.sync_commit");
  ExpectRejected("[storage]\nblock_cache = \"12XB\"\n", "storage.block_cache");
  ExpectRejected("[pool.serving]\nthreads = 0\n", "pool.serving.threads");
  ExpectRejected("io_threads = 99999999999999999999\n", "io_threads");
}

TEST(ConfigTest, RejectsSyntaxErrors) {
  ExpectRejected("port 5433\n", "line 1");
  ExpectRejected("listen = \"unterminated\n", "listen");
  ExpectRejected("[storage\n", "section");
  ExpectRejected("port = 5433 5434\n", "port");
}

TEST(ConfigTest, ParsesByteSizes) {
  ASSERT_OK_AND_ASSIGN(uint64_t kb, ParseByteSize("4KB"));
  EXPECT_EQ(kb, 4096u);
  ASSERT_OK_AND_ASSIGN(uint64_t plain, ParseByteSize("123"));
  EXPECT_EQ(plain, 123u);
  ASSERT_OK_AND_ASSIGN(uint64_t gib, ParseByteSize("1 GiB"));
  EXPECT_EQ(gib, 1ull << 30);
  ASSERT_SQLSTATE(ParseByteSize("MB"), SqlState::kConfigFileError);
  ASSERT_SQLSTATE(ParseByteSize("99999999999999999TB"), SqlState::kConfigFileError);
}

TEST(ConfigTest, LoadConfigFileNamesTheFileOnError) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/strata.toml";
  std::ofstream(path) << "port = 1234\nunknown_thing = true\n";
  auto result = LoadConfigFile(path, ServerConfig{});
  ASSERT_SQLSTATE(result, SqlState::kConfigFileError);
  EXPECT_NE(result.status().message().find(path), std::string_view::npos);
  EXPECT_NE(result.status().message().find("unknown_thing"), std::string_view::npos);
  ASSERT_SQLSTATE(LoadConfigFile(dir.str() + "/missing.toml", ServerConfig{}),
                  SqlState::kConfigFileError);
}

}  // namespace
}  // namespace strata::server
