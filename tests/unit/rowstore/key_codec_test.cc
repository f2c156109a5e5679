#include "rowstore/key_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "testing/status_matchers.h"
#include "tests/unit/rowstore/random_values.h"

namespace strata::rowstore {
namespace {

using strata::rowstore::testing::RandomValues;

constexpr TypeId kKeyTypes[] = {
    TypeId::kBool,  TypeId::kInt2,    TypeId::kInt4, TypeId::kInt8,      TypeId::kFloat4,
    TypeId::kFloat8, TypeId::kNumeric, TypeId::kText, TypeId::kVarchar,  TypeId::kBpchar,
    TypeId::kBytea, TypeId::kDate,    TypeId::kTime, TypeId::kTimestamp, TypeId::kTimestampTz,
    TypeId::kUuid,
};

int Sign(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

int MemCompare(const std::string& a, const std::string& b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return Sign(c);
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

int CompareRows(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    const int c = Value::Compare(a[i], b[i]);
    if (c != 0) return c;
  }
  return 0;
}

std::string Encode(const Value& v) {
  std::string out;
  Status s = AppendKeyValue(v, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

class KeyCodecTypeTest : public ::testing::TestWithParam<TypeId> {};

TEST_P(KeyCodecTypeTest, MemcmpOrderMatchesValueOrderAndRoundTrips) {
  const DataType type = DataType::Of(GetParam());
  RandomValues random(0x5eed0000 + static_cast<uint64_t>(GetParam()));
  std::vector<std::pair<Value, std::string>> items;
  for (int i = 0; i < 3000; ++i) {
    Value v = random.Of(type);
    std::string encoded = Encode(v);
    std::string_view in = encoded;
    ASSERT_OK_AND_ASSIGN(Value decoded, DecodeKeyValue(type, &in));
    ASSERT_TRUE(in.empty());
    ASSERT_EQ(decoded, v) << v.DebugString() << " decoded as " << decoded.DebugString();
    ASSERT_EQ(Encode(decoded), encoded) << v.DebugString();
    items.emplace_back(std::move(v), std::move(encoded));
  }
  // Sorting by value must sort the encodings, with ties exactly where the
  // encodings are equal.
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return Value::Compare(a.first, b.first) < 0; });
  for (size_t i = 1; i < items.size(); ++i) {
    const int value_order = Sign(Value::Compare(items[i - 1].first, items[i].first));
    ASSERT_EQ(MemCompare(items[i - 1].second, items[i].second), value_order)
        << items[i - 1].first.DebugString() << " vs " << items[i].first.DebugString();
  }
  // And random pairs agree too.
  for (int i = 0; i < 5000; ++i) {
    const auto& a = items[random.Uniform(items.size())];
    const auto& b = items[random.Uniform(items.size())];
    ASSERT_EQ(MemCompare(a.second, b.second), Sign(Value::Compare(a.first, b.first)))
        << a.first.DebugString() << " vs " << b.first.DebugString();
  }
}

TEST_P(KeyCodecTypeTest, TruncatedEncodingsAreCorruption) {
  const DataType type = DataType::Of(GetParam());
  RandomValues random(99 + static_cast<uint64_t>(GetParam()));
  const DataType types[] = {type};
  for (int i = 0; i < 300; ++i) {
    const std::string encoded = Encode(random.Of(type));
    for (size_t len = 0; len < encoded.size(); ++len) {
      ASSERT_SQLSTATE(DecodeKey(std::string_view(encoded).substr(0, len), types),
                      SqlState::kDataCorrupted);
    }
    ASSERT_SQLSTATE(DecodeKey(encoded + "x", types), SqlState::kDataCorrupted);
  }
}

TEST_P(KeyCodecTypeTest, GarbageNeverCrashes) {
  const DataType type = DataType::Of(GetParam());
  RandomValues random(7 + static_cast<uint64_t>(GetParam()));
  const DataType types[] = {type, type};
  for (int i = 0; i < 3000; ++i) {
    std::string garbage;
    const size_t len = random.Uniform(24);
    for (size_t j = 0; j < len; ++j) garbage.push_back(static_cast<char>(random.Next()));
    Result<std::vector<Value>> r = DecodeKey(garbage, types);
    if (!r.ok()) {
      ASSERT_EQ(r.status().sql_state().code(), SqlState::kDataCorrupted.code());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, KeyCodecTypeTest, ::testing::ValuesIn(kKeyTypes),
                         [](const ::testing::TestParamInfo<TypeId>& param_info) {
                           return TypeInternalName(DataType::Of(param_info.param));
                         });

TEST(KeyCodecTest, CompositeKeysOrderLexicographically) {
  RandomValues random(2024);
  for (int round = 0; round < 40; ++round) {
    std::vector<DataType> types;
    const size_t ncols = 1 + random.Uniform(4);
    for (size_t c = 0; c < ncols; ++c) {
      // Low-cardinality leading columns make later columns matter.
      types.push_back(DataType::Of(kKeyTypes[random.Uniform(std::size(kKeyTypes))]));
    }
    std::vector<std::pair<std::vector<Value>, std::string>> keys;
    for (int i = 0; i < 200; ++i) {
      std::vector<Value> key;
      for (const DataType& t : types) {
        key.push_back(random.OneIn(2) && t.id == TypeId::kInt4 ? Value::Int4(0) : random.Of(t));
      }
      ASSERT_OK_AND_ASSIGN(std::string encoded, EncodeKey(key));
      ASSERT_OK_AND_ASSIGN(std::vector<Value> decoded, DecodeKey(encoded, types));
      ASSERT_EQ(decoded, key);
      keys.emplace_back(std::move(key), std::move(encoded));
    }
    for (int i = 0; i < 2000; ++i) {
      const auto& a = keys[random.Uniform(keys.size())];
      const auto& b = keys[random.Uniform(keys.size())];
      ASSERT_EQ(MemCompare(a.second, b.second), Sign(CompareRows(a.first, b.first)));
    }
  }
}

TEST(KeyCodecTest, SpecificOrderings) {
  auto num = [](const char* s) { return Value::FromNumeric(*Numeric::Parse(s)); };
  const Value ordered[] = {num("-1000"), num("-99.5"), num("-1.23"), num("-1.2"), num("-0.001"),
                           num("0"),     num("0.001"), num("1.2"),   num("1.23"), num("99.5"),
                           num("1000"),  num("NaN")};
  for (size_t i = 1; i < std::size(ordered); ++i) {
    EXPECT_LT(MemCompare(Encode(ordered[i - 1]), Encode(ordered[i])), 0)
        << ordered[i - 1].DebugString() << " < " << ordered[i].DebugString();
  }
  EXPECT_EQ(Encode(num("1.50")), Encode(num("1.5")));
  EXPECT_EQ(Encode(Value::Bpchar("ab  ")), Encode(Value::Bpchar("ab")));
  EXPECT_LT(MemCompare(Encode(Value::Text("a")), Encode(Value::Text(std::string("a\0", 2)))), 0);
  EXPECT_LT(MemCompare(Encode(Value::Text("a")), Encode(Value::Text("ab"))), 0);
  EXPECT_EQ(Encode(Value::Int4(-1)), std::string("\x7f\xff\xff\xff", 4));
  EXPECT_EQ(Encode(Value::Text(std::string("a\0", 2))), std::string("a\0\xff\0\x01", 5));
  ASSERT_OK_AND_ASSIGN(std::vector<Value> d, DecodeKey(Encode(num("1.50")),
                                                       std::vector{DataType::Of(TypeId::kNumeric)}));
  EXPECT_EQ(d[0].numeric_value().ToString(), "1.5");
  ASSERT_OK_AND_ASSIGN(d, DecodeKey(Encode(num("1200")), std::vector{DataType::Of(TypeId::kNumeric)}));
  EXPECT_EQ(d[0].numeric_value().ToString(), "1200");
}

TEST(KeyCodecTest, RejectsNullAndUnsupportedTypes) {
  std::string out = "x";
  ASSERT_SQLSTATE(AppendKeyValue(Value::Null(TypeId::kInt4), &out), SqlState::kNotNullViolation);
  ASSERT_SQLSTATE(AppendKeyValue(Value::FromInterval({}), &out), SqlState::kFeatureNotSupported);
  ASSERT_SQLSTATE(AppendKeyValue(Value::String(TypeId::kJsonb, "{}"), &out),
                  SqlState::kFeatureNotSupported);
  EXPECT_EQ(out, "x");
  ASSERT_SQLSTATE(EncodeRowKey(1, 0, std::vector{Value::Int4(1), Value()}),
                  SqlState::kNotNullViolation);
  EXPECT_FALSE(IsKeyType(TypeId::kArray));
  EXPECT_TRUE(IsKeyType(TypeId::kUuid));
}

TEST(KeyCodecTest, RowKeysGroupByTableAndShard) {
  const std::vector<DataType> types = {DataType::Of(TypeId::kInt8), DataType::Of(TypeId::kText)};
  ASSERT_OK_AND_ASSIGN(std::string key,
                       EncodeRowKey(0x01020304, 0x0506, std::vector{Value::Int8(5), Value::Text("k")}));
  EXPECT_EQ(key.substr(0, kShardPrefixSize), std::string("\x01\x02\x03\x04\x05\x06", 6));
  EXPECT_EQ(key.substr(0, kTablePrefixSize), TablePrefix(0x01020304));
  EXPECT_TRUE(key.starts_with(ShardPrefix(0x01020304, 0x0506)));
  ASSERT_OK_AND_ASSIGN(RowKey decoded, DecodeRowKey(key, types));
  EXPECT_EQ(decoded.table_id, 0x01020304u);
  EXPECT_EQ(decoded.shard_id, 0x0506);
  EXPECT_EQ(decoded.primary_key, (std::vector{Value::Int8(5), Value::Text("k")}));
  ASSERT_SQLSTATE(DecodeRowKey("\x01\x02", types), SqlState::kDataCorrupted);

  // Every key of a shard sorts below the shard prefix's upper bound, and the
  // next shard's keys sort at or above it.
  RandomValues random(11);
  const std::string bound = PrefixUpperBound(ShardPrefix(7, 0xffff));
  EXPECT_EQ(bound, TablePrefix(8));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string k, EncodeRowKey(7, 0xffff, std::vector{random.Of(types[0]),
                                                                            random.Of(types[1])}));
    ASSERT_LT(MemCompare(k, bound), 0);
    ASSERT_OK_AND_ASSIGN(std::string next, EncodeRowKey(8, 0, std::vector{random.Of(types[0]),
                                                                          random.Of(types[1])}));
    ASSERT_GE(MemCompare(next, bound), 0);
  }
  EXPECT_EQ(PrefixUpperBound("a\xff\xff"), "b");
  EXPECT_EQ(PrefixUpperBound("\xff\xff"), "");
  EXPECT_EQ(PrefixUpperBound(""), "");
}

}  // namespace
}  // namespace strata::rowstore
