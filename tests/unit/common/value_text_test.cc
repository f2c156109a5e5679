#include "common/value_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata {
namespace {

std::string RoundTrip(const DataType& type, std::string_view text) {
  Result<Value> v = ParseText(type, text);
  if (!v.ok()) return v.status().ToString();
  Result<std::string> s = FormatText(*v);
  return s.ok() ? *s : s.status().ToString();
}

std::string Fmt(const Value& v) { return *FormatText(v); }

const DataType kBool = DataType::Of(TypeId::kBool);
const DataType kInt2 = DataType::Of(TypeId::kInt2);
const DataType kInt4 = DataType::Of(TypeId::kInt4);
const DataType kInt8 = DataType::Of(TypeId::kInt8);
const DataType kDate = DataType::Of(TypeId::kDate);
const DataType kTs = DataType::Of(TypeId::kTimestamp);
const DataType kTsTz = DataType::Of(TypeId::kTimestampTz);

TEST(ValueTextTest, BoolsAndIntegers) {
  for (const char* t : {"t", "TRUE", " yes ", "on", "1", "tr", "y"}) EXPECT_EQ(RoundTrip(kBool, t), "t") << t;
  for (const char* f : {"f", "False", "no", "off", "0", "of"}) EXPECT_EQ(RoundTrip(kBool, f), "f") << f;
  ASSERT_SQLSTATE(ParseText(kBool, "o"), SqlState::kInvalidTextRepresentation);
  ASSERT_SQLSTATE(ParseText(kBool, "maybe"), SqlState::kInvalidTextRepresentation);
  EXPECT_EQ(RoundTrip(kInt4, " -42 "), "-42");
  EXPECT_EQ(RoundTrip(kInt4, "+7"), "7");
  EXPECT_EQ(RoundTrip(kInt2, "-32768"), "-32768");
  EXPECT_EQ(RoundTrip(kInt8, "-9223372036854775808"), "-9223372036854775808");
  ASSERT_SQLSTATE(ParseText(kInt2, "32768"), SqlState::kNumericValueOutOfRange);
  EXPECT_EQ(ParseText(kInt4, "2147483648").status().message(),
            "value \"2147483648\" is out of range for type integer");
  ASSERT_SQLSTATE(ParseText(kInt8, "99999999999999999999999"), SqlState::kNumericValueOutOfRange);
  ASSERT_SQLSTATE(ParseText(kInt4, "1.5"), SqlState::kInvalidTextRepresentation);
  EXPECT_EQ(ParseText(kInt4, "abc").status().message(),
            "invalid input syntax for type integer: \"abc\"");
  ASSERT_SQLSTATE(ParseText(kInt4, ""), SqlState::kInvalidTextRepresentation);
}

TEST(ValueTextTest, FloatsPrintShortestRoundTripLikePostgres) {
  EXPECT_EQ(Fmt(Value::Float8(0.1)), "0.1");
  EXPECT_EQ(Fmt(Value::Float8(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(Fmt(Value::Float8(1.0 / 3)), "0.3333333333333333");
  EXPECT_EQ(Fmt(Value::Float8(100)), "100");
  EXPECT_EQ(Fmt(Value::Float8(123456789012345.0)), "123456789012345");
  EXPECT_EQ(Fmt(Value::Float8(1e15)), "1e+15");
  EXPECT_EQ(Fmt(Value::Float8(1.5e300)), "1.5e+300");
  EXPECT_EQ(Fmt(Value::Float8(0.0001)), "0.0001");
  EXPECT_EQ(Fmt(Value::Float8(0.00001)), "1e-05");
  EXPECT_EQ(Fmt(Value::Float8(-2.5e-10)), "-2.5e-10");
  EXPECT_EQ(Fmt(Value::Float8(-0.0)), "-0");
  EXPECT_EQ(Fmt(Value::Float8(NAN)), "NaN");
  EXPECT_EQ(Fmt(Value::Float8(-INFINITY)), "-Infinity");
  EXPECT_EQ(Fmt(Value::Float4(0.1f)), "0.1");
  EXPECT_EQ(Fmt(Value::Float4(100000.0f)), "100000");
  EXPECT_EQ(Fmt(Value::Float4(1e6f)), "1e+06");
  EXPECT_EQ(Fmt(Value::Float4(1.0f / 3)), "0.33333334");
  const DataType f8 = DataType::Of(TypeId::kFloat8);
  EXPECT_EQ(RoundTrip(f8, " 1.5e3 "), "1500");
  EXPECT_EQ(RoundTrip(f8, "infinity"), "Infinity");
  EXPECT_EQ(RoundTrip(f8, "-Infinity"), "-Infinity");
  EXPECT_EQ(RoundTrip(f8, "nan"), "NaN");
  ASSERT_SQLSTATE(ParseText(f8, "1e400"), SqlState::kNumericValueOutOfRange);
  ASSERT_SQLSTATE(ParseText(f8, "1e-400"), SqlState::kNumericValueOutOfRange);
  ASSERT_SQLSTATE(ParseText(f8, "1x"), SqlState::kInvalidTextRepresentation);
  ASSERT_SQLSTATE(ParseText(DataType::Of(TypeId::kFloat4), "1e39"), SqlState::kNumericValueOutOfRange);
}

TEST(ValueTextTest, FloatsParseToStrtodsValue) {
  // Plain decimal text takes a faster path than strtod; both must give the
  // same, correctly rounded value, and the cases it leaves to strtod keep
  // their meaning.
  const DataType f8 = DataType::Of(TypeId::kFloat8);
  const DataType f4 = DataType::Of(TypeId::kFloat4);
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "+1.5",
                                    "1.5",
                                    " 2.25 ",
                                    "1e308",
                                    "4.9e-324",
                                    "2.2250738585072014e-308",
                                    "1e-310",
                                    ".5",
                                    "5.",
                                    "0.1",
                                    "123456789012345678901234567890",
                                    "3.4028235e38",
                                    "1.17549435e-38"};
  uint64_t state = 42;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    const double d =
        std::ldexp(static_cast<double>(state >> 11), static_cast<int>(state % 200) - 150);
    char buf[64];
    std::snprintf(buf, sizeof(buf), i % 2 ? "%.17g" : "%.6f", i % 3 ? d : -d);
    texts.emplace_back(buf);
  }
  for (const std::string& text : texts) {
    Result<Value> v8 = ParseText(f8, text);
    SCOPED_TRACE(text);
    ASSERT_OK(v8.status());
    const double expected = std::strtod(text.c_str(), nullptr);
    EXPECT_EQ(std::signbit(v8->float_value()), std::signbit(expected)) << text;
    EXPECT_EQ(v8->float_value(), expected) << text;
    Result<Value> v4 = ParseText(f4, text);
    const float expected4 = std::strtof(text.c_str(), nullptr);
    if (std::isinf(expected4) || (expected4 == 0 && expected != 0)) {
      ASSERT_SQLSTATE(v4, SqlState::kNumericValueOutOfRange);
    } else {
      ASSERT_OK(v4.status());
      EXPECT_EQ(v4->float_value(), static_cast<double>(expected4)) << text;
    }
  }
}

TEST(ValueTextTest, NumericAndStringsApplyTypmods) {
  EXPECT_EQ(RoundTrip(DataType::Numeric(5, 2), "1.5"), "1.50");
  ASSERT_SQLSTATE(ParseText(DataType::Numeric(5, 2), "1000"), SqlState::kNumericValueOutOfRange);
  EXPECT_EQ(RoundTrip(DataType::Of(TypeId::kNumeric), "1.50"), "1.50");
  EXPECT_EQ(RoundTrip(DataType::Varchar(3), "abc  "), "abc");
  ASSERT_SQLSTATE(ParseText(DataType::Varchar(3), "abcd"), SqlState::kStringDataRightTruncation);
  EXPECT_EQ(ParseText(DataType::Varchar(3), "abcd").status().message(),
            "value too long for type character varying(3)");
  EXPECT_EQ(RoundTrip(DataType::Varchar(3), "äöü"), "äöü");  // characters, not bytes
  EXPECT_EQ(RoundTrip(DataType::Bpchar(4), "ab"), "ab  ");
  EXPECT_EQ(RoundTrip(DataType::Of(TypeId::kText), " x "), " x ");
  const DataType bytea = DataType::Of(TypeId::kBytea);
  EXPECT_EQ(RoundTrip(bytea, "\\x0aFF"), "\\x0aff");
  EXPECT_EQ(RoundTrip(bytea, "ab\\\\\\001"), "\\x61625c01");
  ASSERT_SQLSTATE(ParseText(bytea, "\\x0"), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(ParseText(bytea, "a\\9"), SqlState::kInvalidTextRepresentation);
}

TEST(ValueTextTest, DatesAndTimestamps) {
  EXPECT_EQ(ParseText(kDate, "2000-01-01")->date_value(), 0);
  EXPECT_EQ(ParseText(kDate, "1970-01-01")->date_value(), -10957);
  EXPECT_EQ(RoundTrip(kDate, "2024-02-29"), "2024-02-29");
  EXPECT_EQ(RoundTrip(kDate, " 0099-12-31 "), "0099-12-31");
  EXPECT_EQ(RoundTrip(kDate, "0001-01-01 BC"), "0001-01-01 BC");
  EXPECT_EQ(RoundTrip(kDate, "infinity"), "infinity");
  ASSERT_SQLSTATE(ParseText(kDate, "2023-02-29"), SqlState::kDatetimeFieldOverflow);
  ASSERT_SQLSTATE(ParseText(kDate, "2023-13-01"), SqlState::kDatetimeFieldOverflow);
  ASSERT_SQLSTATE(ParseText(kDate, "yesterday-ish"), SqlState::kInvalidDatetimeFormat);
  for (int32_t d = -800000; d < 800000; d += 997) {
    int64_t y;
    int m;
    int day;
    CivilFromDays(d, &y, &m, &day);
    ASSERT_EQ(DaysFromCivil(y, m, day), d);
  }

  EXPECT_EQ(ParseText(kTs, "2000-01-01 00:00:01")->timestamp_value(), 1'000'000);
  EXPECT_EQ(RoundTrip(kTs, "2024-03-05 07:08:09"), "2024-03-05 07:08:09");
  EXPECT_EQ(RoundTrip(kTs, "2024-03-05T07:08:09.120"), "2024-03-05 07:08:09.12");
  EXPECT_EQ(RoundTrip(kTs, "2024-03-05 07:08:09.1234565"), "2024-03-05 07:08:09.123457");
  EXPECT_EQ(RoundTrip(kTs, "2024-03-05"), "2024-03-05 00:00:00");
  EXPECT_EQ(RoundTrip(kTs, "1969-12-31 23:59:59.5"), "1969-12-31 23:59:59.5");
  EXPECT_EQ(RoundTrip(kTs, "2024-03-05 07:08:09+02"), "2024-03-05 07:08:09");  // zone ignored
  EXPECT_EQ(RoundTrip(kTsTz, "2024-03-05 07:08:09+02"), "2024-03-05 05:08:09+00");
  EXPECT_EQ(RoundTrip(kTsTz, "2024-03-05 07:08:09.5-05:30"), "2024-03-05 12:38:09.5+00");
  EXPECT_EQ(RoundTrip(kTsTz, "2024-03-05 07:08:09Z"), "2024-03-05 07:08:09+00");
  EXPECT_EQ(RoundTrip(kTsTz, "2024-03-05 07:08:09 UTC"), "2024-03-05 07:08:09+00");
  EXPECT_EQ(RoundTrip(kTsTz, "-infinity"), "-infinity");
  EXPECT_EQ(RoundTrip(DataType{TypeId::kTimestamp, 2}, "2024-03-05 07:08:09.125"),
            "2024-03-05 07:08:09.13");
  ASSERT_SQLSTATE(ParseText(kTs, "2024-03-05 25:00:00"), SqlState::kDatetimeFieldOverflow);
  ASSERT_SQLSTATE(ParseText(kTs, "2024-03-05 07:08:09 nowhere"), SqlState::kInvalidDatetimeFormat);
  const DataType time = DataType::Of(TypeId::kTime);
  EXPECT_EQ(RoundTrip(time, "07:08"), "07:08:00");
  EXPECT_EQ(RoundTrip(time, "23:59:59.999999"), "23:59:59.999999");
  EXPECT_EQ(RoundTrip(time, "24:00:00"), "24:00:00");
}

TEST(ValueTextTest, Uuids) {
  const DataType uuid = DataType::Of(TypeId::kUuid);
  EXPECT_EQ(RoundTrip(uuid, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(RoundTrip(uuid, "{a0eebc999c0b4ef8bb6d6bb9bd380a11}"),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(RoundTrip(uuid, "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11"),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  ASSERT_SQLSTATE(ParseText(uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"),
                  SqlState::kInvalidTextRepresentation);
  ASSERT_SQLSTATE(ParseText(uuid, "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11"),
                  SqlState::kInvalidTextRepresentation);
  // Intervals, arrays and json are covered against PostgreSQL in value_io_test.cc.
  EXPECT_EQ(RoundTrip(DataType::Of(TypeId::kInterval), "1 day"), "1 day");
}

TEST(ValueTextTest, RecordsPrintLikeRecordOut) {
  EXPECT_EQ(Fmt(Value::Record({Value::Int4(5), Value::Int4(1)})), "(5,1)");
  // NULL fields are empty; empty strings, quotes, backslashes, parentheses,
  // commas and white space force quotes, with '"' and '\\' doubled.
  EXPECT_EQ(Fmt(Value::Record({Value::Int4(1), Value::Text("a b"), Value::Null(TypeId::kText), Value::Text(""),
                               Value::Text("x\"y"), Value::Text("p,q"), Value::Text("b\\s"), Value::Text("(z)")})),
            "(1,\"a b\",,\"\",\"x\"\"y\",\"p,q\",\"b\\\\s\",\"(z)\")");
  // A field's own text form comes first: an array prints with its braces
  // and is quoted for its comma.
  EXPECT_EQ(Fmt(Value::Record({Value::Array(TypeId::kInt4, {Value::Int4(1), Value::Int4(2)}), Value::Bool(true)})),
            "(\"{1,2}\",t)");
  EXPECT_EQ(Fmt(Value::Record({})), "()");
  EXPECT_EQ(Fmt(Value::Record({Value::Null(TypeId::kInt4)})), "()");
  ASSERT_SQLSTATE(ParseText(DataType::Of(TypeId::kRecord), "(1,2)"), SqlState::kFeatureNotSupported);
}

}  // namespace
}  // namespace strata
