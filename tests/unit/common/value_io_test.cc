// Text and binary I/O of every type against PostgreSQL 15's own output:
// value_io_cases.inc holds, per input, PostgreSQL's text output, its binary
// send form and SQLSTATE (gen_value_io_expected.py).

#include <string>

#include <gtest/gtest.h>

#include "common/value_binary.h"
#include "common/value_text.h"
#include "testing/status_matchers.h"

namespace strata {
namespace {

struct IoCase {
  const char* type;
  const char* input;
  const char* output;
  const char* binary_hex;
  const char* sql_state;
};

const IoCase kIoCases[] = {
#include "value_io_cases.inc"
};

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(ValueIoTest, TextAndBinaryMatchPostgres) {
  int checked = 0;
  for (const IoCase& c : kIoCases) {
    SCOPED_TRACE(std::string(c.type) + " '" + c.input + "'");
    ASSERT_OK_AND_ASSIGN(DataType type, ParseTypeName(c.type));
    Result<Value> parsed = ParseText(type, c.input);
    ++checked;
    if (*c.sql_state != '\0') {
      if (parsed.ok()) {
        ADD_FAILURE() << "expected SQLSTATE " << c.sql_state;
      } else {
        EXPECT_EQ(parsed.status().sql_state().code(), c.sql_state) << parsed.status().ToString();
      }
      continue;
    }
    if (!parsed.ok()) {
      ADD_FAILURE() << parsed.status().ToString();
      continue;
    }
    ASSERT_OK_AND_ASSIGN(std::string text, FormatText(*parsed));
    EXPECT_EQ(text, c.output);
    // Binary: our send form equals PostgreSQL's, and receiving
    // PostgreSQL's bytes gives back the same value.
    EXPECT_EQ(Hex(EncodeBinary(*parsed)), c.binary_hex);
    Result<Value> received = DecodeBinary(type, Unhex(c.binary_hex));
    if (!received.ok()) {
      ADD_FAILURE() << received.status().ToString();
      continue;
    }
    ASSERT_OK_AND_ASSIGN(std::string received_text, FormatText(*received));
    EXPECT_EQ(received_text, c.output);
    // Text output reads back to the same value.
    ASSERT_OK_AND_ASSIGN(Value again, ParseText(type, text));
    EXPECT_EQ(Hex(EncodeBinary(again)), c.binary_hex);
  }
  EXPECT_GT(checked, 90);
}

TEST(ValueIoTest, SpecialDateInputsNeedTheCurrentTime) {
  ASSERT_SQLSTATE(ParseText(DataType::Of(TypeId::kDate), "today"), SqlState::kFeatureNotSupported);
  // 2020-05-17 13:14:15 UTC.
  const TextInputContext ctx{643'036'455'000'000};
  ASSERT_OK_AND_ASSIGN(Value today, ParseText(DataType::Of(TypeId::kDate), "today", &ctx));
  EXPECT_EQ(FormatText(today).value(), "2020-05-17");
  ASSERT_OK_AND_ASSIGN(Value tomorrow,
                       ParseText(DataType::Of(TypeId::kTimestamp), "tomorrow", &ctx));
  EXPECT_EQ(FormatText(tomorrow).value(), "2020-05-18 00:00:00");
  ASSERT_OK_AND_ASSIGN(Value now, ParseText(DataType::Of(TypeId::kTimestampTz), " NOW ", &ctx));
  EXPECT_EQ(FormatText(now).value(), "2020-05-17 13:14:15+00");
}

TEST(ValueBinaryTest, RejectsMalformedInput) {
  ASSERT_SQLSTATE(DecodeBinary(DataType::Of(TypeId::kInt4), std::string("\x00\x01", 2)),
                  SqlState::kInvalidBinaryRepresentation);
  ASSERT_SQLSTATE(DecodeBinary(DataType::Of(TypeId::kInt4), std::string(5, '\0')),
                  SqlState::kInvalidBinaryRepresentation);
  Result<Value> short_read = DecodeBinary(DataType::Of(TypeId::kInt8), std::string(3, '\0'));
  ASSERT_SQLSTATE(short_read, SqlState::kInvalidBinaryRepresentation);
  EXPECT_EQ(short_read.status().message(), "insufficient data left in message");
  // numeric with sign 0x1234.
  ASSERT_SQLSTATE(DecodeBinary(DataType::Of(TypeId::kNumeric), Unhex("0000000012340000")),
                  SqlState::kInvalidBinaryRepresentation);
  // numeric digit 10000.
  ASSERT_SQLSTATE(DecodeBinary(DataType::Of(TypeId::kNumeric), Unhex("00010000000000002710")),
                  SqlState::kInvalidBinaryRepresentation);
  ASSERT_SQLSTATE(DecodeBinary(DataType::Of(TypeId::kJsonb), Unhex("027b7d")),
                  SqlState::kInvalidBinaryRepresentation);
  // int4[] claiming int8 elements.
  ASSERT_SQLSTATE(DecodeBinary(DataType::Array(TypeId::kInt4), Unhex("000000010000000000000014")),
                  SqlState::kDatatypeMismatch);
  // int4[] with a truncated element.
  ASSERT_SQLSTATE(DecodeBinary(DataType::Array(TypeId::kInt4),
                               Unhex("00000001000000000000001700000001000000010000000400")),
                  SqlState::kInvalidBinaryRepresentation);
  ASSERT_SQLSTATE(DecodeBinary(DataType::Of(TypeId::kText), std::string("\xff", 1)),
                  SqlState::kCharacterNotInRepertoire);
  ASSERT_SQLSTATE(DecodeBinary(DataType::Varchar(2), "abc"), SqlState::kStringDataRightTruncation);
}

TEST(ValueBinaryTest, NumericDscaleTruncatesAndTypmodRounds) {
  // 1.2345 sent with dscale 2 reads as 1.23 (numeric_recv truncates).
  ASSERT_OK_AND_ASSIGN(
      Value v, DecodeBinary(DataType::Of(TypeId::kNumeric), Unhex("000200000000000200010929")));
  EXPECT_EQ(FormatText(v).value(), "1.23");
  ASSERT_OK_AND_ASSIGN(v, DecodeBinary(DataType::Numeric(5, 1), Unhex("000200000000000400010929")));
  EXPECT_EQ(FormatText(v).value(), "1.2");
}

}  // namespace
}  // namespace strata
