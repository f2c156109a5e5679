#include "common/status.h"

#include <gtest/gtest.h>

#include "common/result.h"
#include "testing/status_matchers.h"

namespace strata {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return Status(SqlState::kNumericValueOutOfRange, "not positive");
  return v;
}

Result<int> Doubled(int v) {
  STRATA_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

TEST(StatusTest, OkCarriesSuccessfulCompletion) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.sql_state().code(), "00000");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesSqlStateMessageAndContext) {
  Status s = Status(SqlState::kSyntaxError, "syntax error at or near \"x\"")
                 .WithPosition(8)
                 .WithHint("check the spelling");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.sql_state().code(), "42601");
  EXPECT_EQ(s.sql_state().class_code(), "42");
  EXPECT_EQ(s.position(), 8);
  EXPECT_EQ(s.hint(), "check the spelling");
  EXPECT_EQ(s.Prepend("parse").message(), "parse: syntax error at or near \"x\"");
  Status copy = s;
  EXPECT_EQ(copy.ToString(), s.ToString());
}

TEST(ResultTest, PropagatesErrorsAndValues) {
  ASSERT_OK_AND_ASSIGN(int v, Doubled(21));
  EXPECT_EQ(v, 42);
  ASSERT_SQLSTATE(Doubled(-1), SqlState::kNumericValueOutOfRange);
}

}  // namespace
}  // namespace strata
