#include "server/replication_command.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata::server {
namespace {

ReplicationCommand Parse(std::string_view text) {
  auto parsed = ParseReplicationCommand(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  if (!parsed.ok() || !parsed->has_value()) {
    ADD_FAILURE() << "not a replication command: " << text;
    return {};
  }
  return **parsed;
}

std::string ErrorCode(std::string_view text) {
  auto parsed = ParseReplicationCommand(text);
  return parsed.ok() ? "ok" : std::string(parsed.status().sql_state().code());
}

TEST(ReplicationCommandTest, SqlIsNotARecognizedCommand) {
  for (const char* sql : {"SELECT 1", "SHOW wal_level", "  select pg_catalog.set_config('a','b',false)",
                          "identify_systemx", "BEGIN"}) {
    auto parsed = ParseReplicationCommand(sql);
    ASSERT_OK(parsed.status());
    EXPECT_FALSE(parsed->has_value()) << sql;
  }
}

TEST(ReplicationCommandTest, IdentifySystemAndTimeline) {
  EXPECT_EQ(Parse("IDENTIFY_SYSTEM").kind, ReplicationCommand::Kind::kIdentifySystem);
  EXPECT_EQ(Parse(" identify_system ;").kind, ReplicationCommand::Kind::kIdentifySystem);
  auto history = Parse("TIMELINE_HISTORY 1");
  EXPECT_EQ(history.kind, ReplicationCommand::Kind::kTimelineHistory);
  EXPECT_EQ(history.timeline, 1u);
  auto read = Parse("READ_REPLICATION_SLOT \"My Slot\"");
  EXPECT_EQ(read.kind, ReplicationCommand::Kind::kReadReplicationSlot);
  EXPECT_EQ(read.slot, "My Slot");
  EXPECT_EQ(ErrorCode("IDENTIFY_SYSTEM now"), "42601");
}

TEST(ReplicationCommandTest, CreateSlotPg15Syntax) {
  // As pg_recvlogical 15 sends it.
  auto cmd = Parse("CREATE_REPLICATION_SLOT \"s1\" LOGICAL \"test_decoding\" ( SNAPSHOT 'nothing')");
  EXPECT_EQ(cmd.kind, ReplicationCommand::Kind::kCreateSlot);
  EXPECT_EQ(cmd.slot, "s1");
  EXPECT_TRUE(cmd.logical);
  EXPECT_FALSE(cmd.temporary);
  EXPECT_EQ(cmd.plugin, "test_decoding");
  EXPECT_EQ(cmd.snapshot, SnapshotAction::kNothing);
  EXPECT_EQ(Parse("CREATE_REPLICATION_SLOT s TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export', "
                  "TWO_PHASE false)")
                .snapshot,
            SnapshotAction::kExport);
  EXPECT_EQ(Parse("CREATE_REPLICATION_SLOT s LOGICAL pgoutput (SNAPSHOT 'use')").snapshot,
            SnapshotAction::kUse);
  EXPECT_EQ(ErrorCode("CREATE_REPLICATION_SLOT s LOGICAL pgoutput (SNAPSHOT 'later')"), "42601");
  EXPECT_EQ(ErrorCode("CREATE_REPLICATION_SLOT s LOGICAL pgoutput (COLOR 'red')"), "42601");
}

TEST(ReplicationCommandTest, CreateSlotLegacySyntax) {
  auto cmd = Parse("create_replication_slot Abc TEMPORARY LOGICAL test_decoding EXPORT_SNAPSHOT");
  EXPECT_EQ(cmd.slot, "abc");  // unquoted identifiers fold
  EXPECT_TRUE(cmd.temporary);
  EXPECT_EQ(cmd.snapshot, SnapshotAction::kExport);
  EXPECT_EQ(Parse("CREATE_REPLICATION_SLOT s LOGICAL pgoutput NOEXPORT_SNAPSHOT").snapshot,
            SnapshotAction::kNothing);
  EXPECT_EQ(Parse("CREATE_REPLICATION_SLOT s LOGICAL pgoutput USE_SNAPSHOT").snapshot,
            SnapshotAction::kUse);
  // The default is to export, as in PostgreSQL.
  EXPECT_EQ(Parse("CREATE_REPLICATION_SLOT s LOGICAL pgoutput").snapshot, SnapshotAction::kExport);
  auto physical = Parse("CREATE_REPLICATION_SLOT p PHYSICAL RESERVE_WAL");
  EXPECT_FALSE(physical.logical);
  EXPECT_TRUE(physical.reserve_wal);
  EXPECT_EQ(ErrorCode("CREATE_REPLICATION_SLOT s"), "42601");
  EXPECT_EQ(ErrorCode("CREATE_REPLICATION_SLOT s LOGICAL"), "42601");
  EXPECT_EQ(ErrorCode("CREATE_REPLICATION_SLOT s LOGICAL p BOGUS"), "42601");
}

TEST(ReplicationCommandTest, DropSlot) {
  auto cmd = Parse("DROP_REPLICATION_SLOT \"s1\" WAIT");
  EXPECT_EQ(cmd.kind, ReplicationCommand::Kind::kDropSlot);
  EXPECT_EQ(cmd.slot, "s1");
  EXPECT_TRUE(cmd.wait);
  EXPECT_FALSE(Parse("DROP_REPLICATION_SLOT s1").wait);
  EXPECT_EQ(ErrorCode("DROP_REPLICATION_SLOT"), "42601");
}

TEST(ReplicationCommandTest, StartReplicationLogical) {
  // pg_recvlogical quotes names; psycopg2 does not.
  auto cmd = Parse(
      "START_REPLICATION SLOT \"s1\" LOGICAL 0/0 (\"skip-empty-xacts\" '1', \"include-timestamp\" "
      "'1')");
  EXPECT_EQ(cmd.kind, ReplicationCommand::Kind::kStartReplication);
  EXPECT_TRUE(cmd.logical);
  EXPECT_EQ(cmd.slot, "s1");
  EXPECT_EQ(cmd.start_lsn, 0u);
  ASSERT_EQ(cmd.options.size(), 2u);
  EXPECT_EQ(cmd.options[0].first, "skip-empty-xacts");
  EXPECT_EQ(cmd.options[0].second, "1");
  auto ps = Parse("START_REPLICATION SLOT sp LOGICAL 1/16B3748 (proto_version '1', "
                  "publication_names 'p,q', binary)");
  EXPECT_EQ(ps.start_lsn, (uint64_t{1} << 32) | 0x16B3748);
  ASSERT_EQ(ps.options.size(), 3u);
  EXPECT_EQ(ps.options[1].second, "p,q");
  EXPECT_FALSE(ps.options[2].second.has_value());
  auto physical = Parse("START_REPLICATION 0/3000000 TIMELINE 1");
  EXPECT_FALSE(physical.logical);
  EXPECT_EQ(physical.timeline, 1u);
  EXPECT_EQ(ErrorCode("START_REPLICATION SLOT s LOGICAL"), "42601");
  EXPECT_EQ(ErrorCode("START_REPLICATION SLOT s LOGICAL 0/0 (a 'b'"), "42601");
  EXPECT_EQ(ErrorCode("START_REPLICATION SLOT s LOGICAL 123456789/0"), "42601");
  EXPECT_EQ(ErrorCode("START_REPLICATION SLOT s LOGICAL 0/0 ('x')"), "42601");
  EXPECT_EQ(ErrorCode("START_REPLICATION SLOT 's"), "42601");
}

}  // namespace
}  // namespace strata::server
