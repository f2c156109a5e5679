#include "common/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/value_binary.h"
#include "testing/status_matchers.h"

namespace strata {
namespace {

Value Num(std::string_view s) { return Value::FromNumeric(*Numeric::Parse(s)); }

TEST(ValueTest, HoldsTypedPayloads) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value::Null(TypeId::kInt4).type(), TypeId::kInt4);
  EXPECT_EQ(Value::Int4(7).int_value(), 7);
  EXPECT_EQ(Value::Int2(-3).type(), TypeId::kInt2);
  EXPECT_EQ(Value::Float4(1.5f).float_value(), 1.5);
  EXPECT_EQ(Value::Text("abc").string_value(), "abc");
  EXPECT_EQ(Value::Date(-1).date_value(), -1);
  EXPECT_EQ(Value::TimestampTz(5).timestamp_value(), 5);
  EXPECT_EQ(Value::FromInterval({1, 2, 3}).interval_value(), (Interval{1, 2, 3}));
  Value arr = Value::Array(TypeId::kInt4, {Value::Int4(1), Value::Null(TypeId::kInt4)});
  EXPECT_EQ(arr.data_type(), DataType::Array(TypeId::kInt4));
  EXPECT_EQ(arr.array_elements().size(), 2u);
  EXPECT_EQ(arr.DebugString(), "integer[] {integer 1,NULL}");
  EXPECT_EQ(Num("1.50").DebugString(), "numeric 1.50");
  EXPECT_EQ(Value::Bytea(std::string("a\0'", 3)).DebugString(), "bytea 'a\\x00\\x27'");
}

TEST(ValueTest, ComparesWithSqlSemantics) {
  EXPECT_LT(Value::Compare(Value::Int4(1), Value::Int8(2)), 0);
  EXPECT_GT(Value::Compare(Value::Null(), Value::Int4(2)), 0);
  EXPECT_EQ(Value::Compare(Value::Null(), Value::Null(TypeId::kInt4)), 0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_GT(Value::Compare(Value::Float8(nan), Value::Float8(INFINITY)), 0);
  EXPECT_EQ(Value::Compare(Value::Float8(nan), Value::Float8(-nan)), 0);
  EXPECT_EQ(Value::Float8(-0.0), Value::Float8(0.0));
  EXPECT_EQ(Num("1.5"), Num("1.50"));
  EXPECT_EQ(Value::Bpchar("ab  "), Value::Bpchar("ab"));
  EXPECT_NE(Value::Text("ab "), Value::Text("ab"));
  EXPECT_LT(Value::Compare(Value::Text("ab"), Value::Text("b")), 0);
  EXPECT_LT(Value::Compare(Value::Bytea("a"), Value::Bytea(std::string("a\0", 2))), 0);
  EXPECT_EQ(Value::Compare(Value::FromInterval({1, 0, 0}), Value::FromInterval({0, 30, 0})), 0);
  EXPECT_LT(Value::Compare(Value::FromInterval({0, 1, 0}),
                           Value::FromInterval({0, 0, kMicrosPerDay + 1})),
            0);
  EXPECT_NE(Value::Int4(1), Value::Int8(1));  // different types
  Value a1 = Value::Array(TypeId::kInt4, {Value::Int4(1)});
  Value a2 = Value::Array(TypeId::kInt4, {Value::Int4(1), Value::Int4(0)});
  EXPECT_LT(Value::Compare(a1, a2), 0);
}

TEST(ValueTest, HashIsConsistentWithEquality) {
  EXPECT_EQ(Value::Int2(42).Hash(), Value::Int8(42).Hash());
  EXPECT_EQ(Num("1.5").Hash(), Num("1.500").Hash());
  EXPECT_EQ(Num("0").Hash(), Num("-0.00").Hash());
  EXPECT_EQ(Value::Float8(-0.0).Hash(), Value::Float8(0.0).Hash());
  EXPECT_EQ(Value::Bpchar("x  ").Hash(), Value::Bpchar("x").Hash());
  EXPECT_EQ(Value::FromInterval({1, 0, 0}).Hash(), Value::FromInterval({0, 30, 0}).Hash());
  EXPECT_EQ(Value::Text("abc").Hash(), Value::Varchar("abc").Hash());
  EXPECT_NE(Value::Int8(1).Hash(), Value::Int8(2).Hash());
  EXPECT_NE(Value::Int8(0).Hash(), Value::Null().Hash());
}

// These constants pin the shard-routing hash. If this test fails, the hash
// changed and every existing table would route rows to the wrong shards:
// fix the code, never the constants.
TEST(ValueTest, HashIsStableAcrossReleases) {
  EXPECT_EQ(StableHash64(""), 0xefd01f60ba992926ULL);
  EXPECT_EQ(Value::Int8(42).Hash(), 0x516babd4525e6505ULL);
  EXPECT_EQ(Value::Text("abc").Hash(), 0xcd32fa9937d750afULL);
  EXPECT_EQ(Num("1.50").Hash(), 0x43026666bbf901e1ULL);
  EXPECT_EQ(Value::Null().Hash(), 0xb9034ad37056f5fbULL);
  const Value key[] = {Value::Int4(7), Value::Text("x")};
  EXPECT_EQ(HashValues(key), 0x1ad000598313ce9bULL);
}

TEST(ValueTest, RecordsCompareFieldByField) {
  const Value a = Value::Record({Value::Int2(1), Value::Int4(2)});
  const Value b = Value::Record({Value::Int2(1), Value::Int4(3)});
  const Value a_null = Value::Record({Value::Int2(1), Value::Null(TypeId::kInt4)});
  EXPECT_EQ(a.type(), TypeId::kRecord);
  EXPECT_EQ(a.kind(), ValueKind::kRecord);
  EXPECT_LT(Value::Compare(a, b), 0);
  EXPECT_GT(Value::Compare(b, a), 0);
  EXPECT_EQ(a, Value::Record({Value::Int8(1), Value::Int4(2)}));
  // As record_cmp: a NULL field sorts after values and equals another NULL.
  EXPECT_GT(Value::Compare(a_null, b), 0);
  EXPECT_EQ(a_null, Value::Record({Value::Int2(1), Value::Null(TypeId::kInt4)}));
  // A shorter record with an equal prefix sorts first.
  EXPECT_LT(Value::Compare(Value::Record({Value::Int2(1)}), a), 0);
  EXPECT_EQ(a.Hash(), Value::Record({Value::Int8(1), Value::Int4(2)}).Hash());
  EXPECT_NE(a.Hash(), b.Hash());
  // Not the hash of the array with the same elements: the kind byte differs.
  EXPECT_NE(a.Hash(), Value::Array(TypeId::kInt4, {Value::Int4(1), Value::Int4(2)}).Hash());
  EXPECT_EQ(a.DebugString(), "record (smallint 1,integer 2)");
}

TEST(ValueTest, RecordBinaryFormIsRecordSend) {
  const Value r = Value::Record({Value::Int4(7), Value::Null(TypeId::kText)});
  const std::string bytes = EncodeBinary(r);
  const std::string expected("\0\0\0\2"          // two fields
                             "\0\0\0\x17"        // int4
                             "\0\0\0\4\0\0\0\7"  // length 4, 7
                             "\0\0\0\x19"        // text
                             "\xff\xff\xff\xff",  // NULL
                             24);
  EXPECT_EQ(bytes, expected);
  ASSERT_SQLSTATE(DecodeBinary(DataType::Of(TypeId::kRecord), bytes), SqlState::kFeatureNotSupported);
}

}  // namespace
}  // namespace strata
