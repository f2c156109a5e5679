#include "common/numeric.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "testing/status_matchers.h"

namespace strata {
namespace {

Numeric N(std::string_view text) {
  Result<Numeric> r = Numeric::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : Numeric();
}

std::string Fmt(const Result<Numeric>& r) { return r.ok() ? r->ToString() : r.status().ToString(); }

TEST(NumericTest, ParsesAndFormatsLikePostgres) {
  EXPECT_EQ(N("1.50").ToString(), "1.50");
  EXPECT_EQ(N("  1.50  ").ToString(), "1.50");
  EXPECT_EQ(N("0001.10").ToString(), "1.10");
  EXPECT_EQ(N("1e3").ToString(), "1000");
  EXPECT_EQ(N("1.5E+1").ToString(), "15");
  EXPECT_EQ(N("150e-2").ToString(), "1.50");
  EXPECT_EQ(N("1.5e-3").ToString(), "0.0015");
  EXPECT_EQ(N("-0").ToString(), "0");
  EXPECT_EQ(N("-0.00").ToString(), "0.00");
  EXPECT_EQ(N(".5").ToString(), "0.5");
  EXPECT_EQ(N("+.1").ToString(), "0.1");
  EXPECT_EQ(N("5.").ToString(), "5");
  EXPECT_EQ(N("-12.340").ToString(), "-12.340");
  EXPECT_EQ(N("0.000").ToString(), "0.000");
  EXPECT_EQ(N("NaN").ToString(), "NaN");
  EXPECT_EQ(N(" nan ").ToString(), "NaN");
  EXPECT_EQ(N("123456789012345678901234567890.123456789").ToString(),
            "123456789012345678901234567890.123456789");
}

TEST(NumericTest, RejectsBadInputWith22P02) {
  for (const char* bad : {"", " ", "abc", "1e", "1e+", "1.2.3", "--1", "1 2", ".", "-", "1x",
                          "e5", "1e1001"}) {
    ASSERT_SQLSTATE(Numeric::Parse(bad), SqlState::kInvalidTextRepresentation);
  }
  EXPECT_OK(Numeric::Parse("1e-1000"));
  EXPECT_OK(Numeric::Parse("1e1000"));
}

TEST(NumericTest, ComparesIgnoringScaleWithNaNLast) {
  EXPECT_EQ(N("1.5"), N("1.50"));
  EXPECT_EQ(N("0"), N("-0.000"));
  EXPECT_LT(N("-2"), N("-1.99"));
  EXPECT_LT(N("-1"), N("0"));
  EXPECT_LT(N("0.001"), N("0.01"));
  EXPECT_LT(N("99.99"), N("100"));
  EXPECT_LT(N("1.2"), N("1.23"));
  EXPECT_GT(N("-1.2"), N("-1.23"));
  EXPECT_LT(N("1e100"), Numeric::NaN());
  EXPECT_EQ(Numeric::NaN(), N("nan"));
}

TEST(NumericTest, AddSubtractMultiplyKeepPostgresScales) {
  EXPECT_EQ(Fmt(N("1.50").Add(N("2.250"))), "3.750");
  EXPECT_EQ(Fmt(N("1.5").Subtract(N("1.5"))), "0.0");
  EXPECT_EQ(Fmt(N("1").Subtract(N("1.001"))), "-0.001");
  EXPECT_EQ(Fmt(N("-5").Add(N("3.25"))), "-1.75");
  EXPECT_EQ(Fmt(N("999.99").Add(N("0.01"))), "1000.00");
  EXPECT_EQ(Fmt(N("1.5").Multiply(N("2.25"))), "3.375");
  EXPECT_EQ(Fmt(N("-1.5").Multiply(N("0"))), "0.0");
  EXPECT_EQ(Fmt(N("0.1").Multiply(N("0.1"))), "0.01");
  EXPECT_EQ(Fmt(N("-12345678901234567890").Multiply(N("98765432109876543210"))),
            "-1219326311370217952237463801111263526900");
  EXPECT_EQ(Fmt(N("NaN").Add(N("1"))), "NaN");
}

TEST(NumericTest, DivisionUsesSelectDivScale) {
  EXPECT_EQ(Fmt(N("1").Divide(N("3"))), "0.33333333333333333333");
  EXPECT_EQ(Fmt(N("2").Divide(N("3"))), "0.66666666666666666667");
  EXPECT_EQ(Fmt(N("10").Divide(N("3"))), "3.3333333333333333");
  EXPECT_EQ(Fmt(N("5").Divide(N("2"))), "2.5000000000000000");
  EXPECT_EQ(Fmt(N("100000").Divide(N("3"))), "33333.333333333333");
  EXPECT_EQ(Fmt(N("1").Divide(N("7.000000000000000000000"))), "0.142857142857142857143");
  EXPECT_EQ(Fmt(N("-7").Divide(N("2"))), "-3.5000000000000000");
  EXPECT_EQ(Fmt(N("0").Divide(N("5"))), "0.00000000000000000000");
  EXPECT_EQ(Fmt(N("1").Divide(N("0.0001"))), "10000.0000000000000000");
  EXPECT_EQ(Fmt(N("NaN").Divide(N("0"))), "NaN");
  ASSERT_SQLSTATE(N("1").Divide(N("0.00")), SqlState::kDivisionByZero);
  EXPECT_EQ(Fmt(N("10").DivideWithScale(N("4"), 0)), "3");
  EXPECT_EQ(Fmt(N("-10").DivideWithScale(N("4"), 0)), "-3");
}

TEST(NumericTest, ModuloTakesSignOfDividend) {
  EXPECT_EQ(Fmt(N("10").Modulo(N("3"))), "1");
  EXPECT_EQ(Fmt(N("-10").Modulo(N("3"))), "-1");
  EXPECT_EQ(Fmt(N("10.5").Modulo(N("3"))), "1.5");
  EXPECT_EQ(Fmt(N("9").Modulo(N("3.00"))), "0.00");
  ASSERT_SQLSTATE(N("1").Modulo(N("0")), SqlState::kDivisionByZero);
}

TEST(NumericTest, RoundsHalfAwayFromZero) {
  EXPECT_EQ(N("2.5").Round(0).ToString(), "3");
  EXPECT_EQ(N("-2.5").Round(0).ToString(), "-3");
  EXPECT_EQ(N("0.5").Round(0).ToString(), "1");
  EXPECT_EQ(N("0.4999").Round(0).ToString(), "0");
  EXPECT_EQ(N("-0.4").Round(0).ToString(), "0");
  EXPECT_EQ(N("1.45").Round(1).ToString(), "1.5");
  EXPECT_EQ(N("9.995").Round(2).ToString(), "10.00");
  EXPECT_EQ(N("1.5").Round(3).ToString(), "1.500");
  EXPECT_EQ(N("1234.5678").Round(-2).ToString(), "1200");
  EXPECT_EQ(N("1250").Round(-2).ToString(), "1300");
  EXPECT_EQ(N("49").Round(-2).ToString(), "0");
  EXPECT_EQ(N("0.0005").Round(3).ToString(), "0.001");
  EXPECT_EQ(N("-1.999").Truncate(2).ToString(), "-1.99");
  EXPECT_EQ(N("1.500").Normalized().ToString(), "1.5");
  EXPECT_EQ(N("100").Normalized().ToString(), "100");
}

TEST(NumericTest, TypmodRoundsAndRejectsOverflowWith22003) {
  const int32_t typmod = ((5 << 16) | 2) + 4;  // numeric(5,2)
  EXPECT_EQ(Fmt(N("123.456").ApplyTypmod(typmod)), "123.46");
  EXPECT_EQ(Fmt(N("1").ApplyTypmod(typmod)), "1.00");
  EXPECT_EQ(Fmt(N("-999.994").ApplyTypmod(typmod)), "-999.99");
  EXPECT_EQ(Fmt(N("0.001").ApplyTypmod(typmod)), "0.00");
  ASSERT_SQLSTATE(N("999.995").ApplyTypmod(typmod), SqlState::kNumericValueOutOfRange);
  ASSERT_SQLSTATE(N("1000").ApplyTypmod(typmod), SqlState::kNumericValueOutOfRange);
  Status s = N("1000").ApplyTypmod(typmod).status();
  EXPECT_EQ(s.message(), "numeric field overflow");
  EXPECT_EQ(s.detail(),
            "A field with precision 5, scale 2 must round to an absolute value less than 10^3.");
  EXPECT_EQ(N("0.5").ApplyPrecisionScale(2, 2).status().detail(), "");
  ASSERT_SQLSTATE(N("0.996").ApplyPrecisionScale(2, 2), SqlState::kNumericValueOutOfRange);
  EXPECT_EQ(Fmt(N("NaN").ApplyTypmod(typmod)), "NaN");
  EXPECT_EQ(Fmt(N("1.23456").ApplyTypmod(-1)), "1.23456");
  EXPECT_EQ(Fmt(N("12345").ApplyPrecisionScale(5, -2)), "12300");
}

TEST(NumericTest, ConvertsToAndFromIntegersAndDoubles) {
  EXPECT_EQ(Numeric::FromInt64(INT64_MIN).ToString(), "-9223372036854775808");
  EXPECT_EQ(Numeric::FromInt64(0).ToString(), "0");
  EXPECT_EQ(*N("2.5").ToInt64(), 3);
  EXPECT_EQ(*N("-2.5").ToInt64(), -3);
  EXPECT_EQ(*N("9223372036854775807").ToInt64(), INT64_MAX);
  EXPECT_EQ(*N("-9223372036854775808").ToInt64(), INT64_MIN);
  ASSERT_SQLSTATE(N("9223372036854775808").ToInt64(), SqlState::kNumericValueOutOfRange);
  ASSERT_SQLSTATE(N("9223372036854775807.5").ToInt64(), SqlState::kNumericValueOutOfRange);
  ASSERT_SQLSTATE(Numeric::NaN().ToInt64(), SqlState::kFeatureNotSupported);
  EXPECT_EQ(Fmt(Numeric::FromDouble(0.1)), "0.1");
  EXPECT_EQ(Fmt(Numeric::FromDouble(1.0 / 3)), "0.333333333333333");
  EXPECT_EQ(Fmt(Numeric::FromDouble(1e20)), "100000000000000000000");
  EXPECT_EQ(Fmt(Numeric::FromDouble(-1.5e-7)), "-0.00000015");
  EXPECT_EQ(Fmt(Numeric::FromFloat(0.1f)), "0.1");
  ASSERT_SQLSTATE(Numeric::FromDouble(INFINITY), SqlState::kFeatureNotSupported);
  EXPECT_EQ(N("0.1").ToDouble(), 0.1);
  EXPECT_TRUE(std::isnan(Numeric::NaN().ToDouble()));
}

TEST(NumericTest, EnforcesFormatLimits) {
  ASSERT_SQLSTATE(Numeric::FromParts(false, std::string(131073, '1'), 0),
                  SqlState::kNumericValueOutOfRange);
  EXPECT_OK(Numeric::FromParts(false, std::string(131072, '1'), 0));
  ASSERT_SQLSTATE(Numeric::FromParts(false, "12a", 0), SqlState::kDataCorrupted);
}

TEST(NumericTest, ArithmeticAgreesWithInt64OnRandomInputs) {
  uint64_t state = 12345;
  auto next = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>(state >> 34) - (int64_t{1} << 29);
  };
  for (int i = 0; i < 2000; ++i) {
    const int64_t a = next();
    const int64_t b = next();
    const Numeric na = Numeric::FromInt64(a);
    const Numeric nb = Numeric::FromInt64(b);
    ASSERT_EQ(na.Add(nb)->ToString(), std::to_string(a + b));
    ASSERT_EQ(na.Subtract(nb)->ToString(), std::to_string(a - b));
    ASSERT_EQ(na.Multiply(nb)->ToString(), std::to_string(a * b));
    ASSERT_EQ(na.Compare(nb), a < b ? -1 : (a > b ? 1 : 0));
    if (b != 0) {
      ASSERT_EQ(na.Modulo(nb)->ToString(), std::to_string(a % b));
      ASSERT_EQ(na.Divide(nb)->Truncate(0).ToString(), std::to_string(a / b)) << a << "/" << b;
    }
  }
}

}  // namespace
}  // namespace strata
