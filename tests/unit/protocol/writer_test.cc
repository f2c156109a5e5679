#include "protocol/writer.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::protocol {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

template <typename T>
std::string Encoded(const T& message) {
  std::string out;
  Encode(message, &out);
  return out;
}

// Byte sequences as PostgreSQL and libpq put them on the wire.
TEST(WriterTest, BackendMessagesMatchPostgresBytes) {
  EXPECT_EQ(Encoded(ReadyForQuery{TransactionStatus::kIdle}), "Z\0\0\0\x05I"s);
  EXPECT_EQ(Encoded(ReadyForQuery{TransactionStatus::kFailed}),
            "Z\0\0\0\x05"
            "E"s);
  EXPECT_EQ(Encoded(AuthenticationOk{}), "R\0\0\0\x08\0\0\0\0"s);
  EXPECT_EQ(Encoded(AuthenticationCleartextPassword{}), "R\0\0\0\x08\0\0\0\x03"s);
  EXPECT_EQ(Encoded(AuthenticationMD5Password{{'a', 'b', 'c', 'd'}}),
            "R\0\0\0\x0c\0\0\0\x05"
            "abcd"s);
  EXPECT_EQ(Encoded(AuthenticationSASL{{"SCRAM-SHA-256"}}),
            "R\0\0\0\x17\0\0\0\x0aSCRAM-SHA-256\0\0"s);
  EXPECT_EQ(Encoded(ParameterStatus{"client_encoding", "UTF8"}),
            "S\0\0\0\x19"
            "client_encoding\0UTF8\0"s);
  EXPECT_EQ(Encoded(BackendKeyData{0x1234, 0x7fffffff}),
            "K\0\0\0\x0c\0\0\x12\x34\x7f\xff\xff\xff"s);
  EXPECT_EQ(Encoded(CommandComplete{"SELECT 1"}), "C\0\0\0\x0dSELECT 1\0"s);
  EXPECT_EQ(Encoded(EmptyQueryResponse{}), "I\0\0\0\x04"s);
  EXPECT_EQ(Encoded(ParseComplete{}), "1\0\0\0\x04"s);
  EXPECT_EQ(Encoded(BindComplete{}), "2\0\0\0\x04"s);
  EXPECT_EQ(Encoded(CloseComplete{}), "3\0\0\0\x04"s);
  EXPECT_EQ(Encoded(NoData{}), "n\0\0\0\x04"s);
  EXPECT_EQ(Encoded(PortalSuspended{}), "s\0\0\0\x04"s);
  EXPECT_EQ(Encoded(DataRow{{"1"s, std::nullopt}}),
            "D\0\0\0\x0f\0\x02\0\0\0\x01"
            "1\xff\xff\xff\xff"s);
  EXPECT_EQ(Encoded(RowDescription{{{"n", 0, 0, 23, 4, -1, 0}}}),
            "T\0\0\0\x1a\0\x01n\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0"s);
  EXPECT_EQ(Encoded(ParameterDescription{{23, 25}}), "t\0\0\0\x0e\0\x02\0\0\0\x17\0\0\0\x19"s);
  EXPECT_EQ(Encoded(CopyOutResponse{0, {0, 0}}), "H\0\0\0\x0b\0\0\x02\0\0\0\0"s);
  EXPECT_EQ(Encoded(CopyBothResponse{0, {}}), "W\0\0\0\x07\0\0\0"s);
  EXPECT_EQ(Encoded(NegotiateProtocolVersion{0, {"_pq_.x"}}),
            "v\0\0\0\x13\0\0\0\0\0\0\0\x01_pq_.x\0"s);

  ErrorResponse error;
  error.fields.severity = "ERROR";
  error.fields.code = "42601";
  error.fields.message = "bad";
  EXPECT_EQ(Encoded(error), "E\0\0\0\x18SERROR\0C42601\0Mbad\0\0"s);
}

TEST(WriterTest, FrontendMessagesMatchLibpqBytes) {
  EXPECT_EQ(Encoded(SSLRequest{}), "\0\0\0\x08\x04\xd2\x16\x2f"s);
  EXPECT_EQ(Encoded(GSSENCRequest{}), "\0\0\0\x08\x04\xd2\x16\x30"s);
  EXPECT_EQ(Encoded(CancelRequest{7, 9}), "\0\0\0\x10\x04\xd2\x16\x2e\0\0\0\x07\0\0\0\x09"s);
  EXPECT_EQ(Encoded(StartupMessage{kProtocolVersion3, {{"user", "u"}}}),
            "\0\0\0\x10\0\x03\0\0user\0u\0\0"s);
  EXPECT_EQ(Encoded(Query{"SELECT 1"}), "Q\0\0\0\x0dSELECT 1\0"s);
  EXPECT_EQ(Encoded(Sync{}), "S\0\0\0\x04"s);
  EXPECT_EQ(Encoded(Flush{}), "H\0\0\0\x04"s);
  EXPECT_EQ(Encoded(Terminate{}), "X\0\0\0\x04"s);
  EXPECT_EQ(Encoded(Parse{"", "SELECT $1", {23}}), "P\0\0\0\x15\0SELECT $1\0\0\x01\0\0\0\x17"s);
  EXPECT_EQ(Encoded(Bind{"", "", {}, {"42"s}, {0}}),
            "B\0\0\0\x14\0\0\0\0\0\x01\0\0\0\x02"
            "42\0\x01\0\0"s);
  EXPECT_EQ(Encoded(Bind{"", "s1", {1}, {std::nullopt}, {}}),
            "B\0\0\0\x14\0s1\0\0\x01\0\x01\0\x01\xff\xff\xff\xff\0\0"s);
  EXPECT_EQ(Encoded(Describe{TargetKind::kPortal, ""}), "D\0\0\0\x06P\0"s);
  EXPECT_EQ(Encoded(Execute{"", 0}), "E\0\0\0\x09\0\0\0\0\0"s);
  EXPECT_EQ(Encoded(Close{TargetKind::kStatement, "s1"}), "C\0\0\0\x08Ss1\0"s);
  EXPECT_EQ(Encoded(CopyData{"a\tb\n"}), "d\0\0\0\x08\x61\tb\n"s);
  EXPECT_EQ(Encoded(CopyDone{}), "c\0\0\0\x04"s);
  EXPECT_EQ(Encoded(CopyFail{"x"}), "f\0\0\0\x06x\0"s);
  EXPECT_EQ(Encoded(PasswordMessage{"pw"}), "p\0\0\0\x07pw\0"s);
  EXPECT_EQ(Encoded(SASLInitialResponse{"SCRAM-SHA-256", "n,,"s}),
            "p\0\0\0\x19SCRAM-SHA-256\0\0\0\0\x03n,,"s);
  EXPECT_EQ(Encoded(SASLInitialResponse{"M", std::nullopt}), "p\0\0\0\x0aM\0\xff\xff\xff\xff"s);
  EXPECT_EQ(Encoded(SASLResponse{"c=biws"}),
            "p\0\0\0\x0a"
            "c=biws"s);
}

TEST(WriterTest, ReplicationMessagesAreCopyData) {
  EXPECT_EQ(Encoded(XLogData{0x100, 0x200, 3, "ab"}),
            "d\0\0\0\x1fw\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\0\x03"
            "ab"s);
  EXPECT_EQ(Encoded(PrimaryKeepalive{0x10, -1, true}),
            "d\0\0\0\x16k\0\0\0\0\0\0\0\x10\xff\xff\xff\xff\xff\xff\xff\xff\x01"s);
  EXPECT_EQ(Encoded(StandbyStatusUpdate{1, 2, 3, 4, false}),
            "d\0\0\0\x26r\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x03"
            "\0\0\0\0\0\0\0\x04\0"s);
  EXPECT_EQ(Encoded(HotStandbyFeedback{5, 6, 7, 8, 9}),
            "d\0\0\0\x1dh\0\0\0\0\0\0\0\x05\0\0\0\x06\0\0\0\x07\0\0\0\x08\0\0\0\x09"s);
}

TEST(WriterTest, EncodeAppendsAfterExistingBytes) {
  std::string out = "prefix";
  Encode(ParseComplete{}, &out);
  Encode(CommandComplete{"BEGIN"}, &out);
  EXPECT_EQ(out,
            "prefix1\0\0\0\x04"
            "C\0\0\0\x0a"
            "BEGIN\0"s);
}

TEST(WriterTest, VariantEncodeMatchesDirectEncode) {
  EXPECT_EQ(Encoded(BackendMessage{DataRow{{"x"s}}}), Encoded(DataRow{{"x"s}}));
  EXPECT_EQ(Encoded(FrontendMessage{Query{"q"}}), Encoded(Query{"q"}));
  EXPECT_EQ(Encoded(ReplicationMessage{PrimaryKeepalive{1, 2, false}}),
            Encoded(PrimaryKeepalive{1, 2, false}));
}

TEST(DataRowWriterTest, AllRowPathsProduceTheSameBytes) {
  const DataRow row{{"42"s, std::nullopt, ""s, "with\0nul"s}};
  const std::string expected = Encoded(row);

  const std::vector<std::optional<std::string_view>> views = {"42", std::nullopt, "",
                                                              "with\0nul"sv};
  std::string appended;
  AppendDataRow(views, &appended);
  EXPECT_EQ(appended, expected);

  std::string built;
  DataRowWriter writer(&built, 4);
  std::string* column = writer.BeginColumn();
  column->append("4");
  column->append("2");
  writer.EndColumn();
  writer.AddNull();
  writer.AddColumn("");
  writer.AddColumn("with\0nul"sv);
  writer.Finish();
  EXPECT_EQ(built, expected);
}

TEST(DataRowWriterTest, WritesRowsBackToBackInOneBuffer) {
  std::string out;
  for (int i = 0; i < 3; ++i) {
    DataRowWriter writer(&out, 1);
    AppendInt32(writer.BeginColumn(), i);
    writer.EndColumn();
    writer.Finish();
  }
  std::string expected;
  for (int i = 0; i < 3; ++i) {
    std::string value;
    AppendInt32(&value, i);
    Encode(DataRow{{value}}, &expected);
  }
  EXPECT_EQ(out, expected);
}

TEST(DataRowWriterTest, ZeroColumnRow) {
  std::string out;
  DataRowWriter writer(&out, 0);
  writer.Finish();
  EXPECT_EQ(out, "D\0\0\0\x06\0\0"s);
}

TEST(WriterTest, IntegersAreBigEndian) {
  std::string out;
  AppendInt8(&out, -1);
  AppendInt16(&out, 0x0102);
  AppendInt32(&out, -2);
  AppendInt64(&out, 0x0102030405060708);
  EXPECT_EQ(out, "\xff\x01\x02\xff\xff\xff\xfe\x01\x02\x03\x04\x05\x06\x07\x08"s);
}

}  // namespace
}  // namespace strata::protocol
