#include "storage/lsn.h"

#include <string>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata::storage {
namespace {

TEST(LsnTest, FormatsLikePostgres) {
  EXPECT_EQ(FormatLsn(kInvalidLsn), "0/0");
  EXPECT_EQ(FormatLsn(0x16B3748), "0/16B3748");
  EXPECT_EQ(FormatLsn(0x16B374D848ull), "16/B374D848");
  EXPECT_EQ(FormatLsn(~0ull), "FFFFFFFF/FFFFFFFF");
}

TEST(LsnTest, ParsesWhatItFormatsInEitherCase) {
  for (const Lsn lsn : {Lsn{0}, Lsn{1}, Lsn{0x16B3748}, Lsn{0x16B374D848ull}, ~Lsn{0}}) {
    ASSERT_OK_AND_ASSIGN(const Lsn parsed, ParseLsn(FormatLsn(lsn)));
    EXPECT_EQ(parsed, lsn);
  }
  ASSERT_OK_AND_ASSIGN(const Lsn lower, ParseLsn("16/b374d848"));
  EXPECT_EQ(lower, 0x16B374D848ull);
  ASSERT_OK_AND_ASSIGN(const Lsn padded, ParseLsn("00000000/0000000A"));
  EXPECT_EQ(padded, 10u);
}

TEST(LsnTest, RejectsMalformedInputWith22P02) {
  for (const char* bad : {"", "/", "0/", "/0", "0", "0//0", "G/0", "0/0 ", " 0/0", "-1/0",
                          "123456789/0", "0/123456789", "0x1/0"}) {
    SCOPED_TRACE(bad);
    ASSERT_SQLSTATE(ParseLsn(bad), SqlState::kInvalidTextRepresentation);
  }
}

TEST(LsnTest, BigEndianEncodingSortsNumerically) {
  std::string a;
  std::string b;
  AppendLsnBigEndian(&a, 0xFF);
  AppendLsnBigEndian(&b, 0x100);
  ASSERT_EQ(a.size(), kEncodedLsnSize);
  EXPECT_LT(a, b);
  ASSERT_OK_AND_ASSIGN(const Lsn decoded, DecodeLsnBigEndian(b));
  EXPECT_EQ(decoded, 0x100u);
  ASSERT_SQLSTATE(DecodeLsnBigEndian("short"), SqlState::kDataCorrupted);
}

}  // namespace
}  // namespace strata::storage
