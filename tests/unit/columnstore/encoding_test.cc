#include "columnstore/encoding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "columnstore/column_vector.h"
#include "testing/status_matchers.h"

namespace strata::columnstore {
namespace {

Value RandomValue(const DataType& type, std::mt19937_64& rng, int distinct) {
  const int64_t r = static_cast<int64_t>(rng() % static_cast<uint64_t>(distinct));
  switch (type.id) {
    case TypeId::kBool:
      return Value::Bool((r & 1) != 0);
    case TypeId::kInt2:
      return Value::Int2(static_cast<int16_t>(r - distinct / 2));
    case TypeId::kInt4:
      return Value::Int4(static_cast<int32_t>(r * 7919 - 1000));
    case TypeId::kInt8:
      return Value::Int8(distinct > 1000 ? static_cast<int64_t>(rng()) : r);
    case TypeId::kFloat4:
      return Value::Float4(static_cast<float>(r) / 4);
    case TypeId::kFloat8:
      return Value::Float8(r == 3 ? -0.0 : static_cast<double>(r) * 1.5);
    case TypeId::kNumeric:
      return Value::FromNumeric(*Numeric::Parse(std::to_string(r) + ".25"));
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBytea:
      return Value::String(type.id, std::string(static_cast<size_t>(r % 13), 'a' + r % 26) +
                                        std::to_string(r));
    case TypeId::kBpchar:
      return Value::Bpchar("x" + std::to_string(r) + "  ");
    case TypeId::kDate:
      return Value::Date(static_cast<int32_t>(r));
    case TypeId::kTime:
      return Value::Time(r * 1000);
    case TypeId::kTimestamp:
      return Value::Timestamp(r * 1000000);
    case TypeId::kTimestampTz:
      return Value::TimestampTz(r * 1000000 + 1);
    case TypeId::kInterval:
      return Value::FromInterval(Interval{static_cast<int32_t>(r), 2, r * 10});
    case TypeId::kUuid: {
      Uuid u{};
      u[0] = static_cast<uint8_t>(r);
      u[15] = static_cast<uint8_t>(r >> 8);
      return Value::FromUuid(u);
    }
    case TypeId::kJson:
    case TypeId::kJsonb:
      return Value::String(type.id, "{\"a\":" + std::to_string(r) + "}");
    case TypeId::kArray:
      return Value::Array(TypeId::kInt4, {Value::Int4(static_cast<int32_t>(r)), Value::Null(TypeId::kInt4)});
    default:
      return Value();
  }
}

std::vector<DataType> AllTypes() {
  std::vector<DataType> types;
  for (uint8_t id = 1; id < static_cast<uint8_t>(TypeId::kArray); ++id) {
    types.push_back(DataType::Of(static_cast<TypeId>(id)));
  }
  types.push_back(DataType::Array(TypeId::kInt4));
  return types;
}

TEST(EncodingTest, EveryTypeRoundTripsWithEveryEncodingAndCompression) {
  std::mt19937_64 rng(42);
  for (const DataType& type : AllTypes()) {
    for (const int distinct : {1, 5, 100000}) {
      for (const int null_pct : {0, 30, 100}) {
        ColumnVector column(type);
        const int rows = 1 + static_cast<int>(rng() % 3000);
        for (int i = 0; i < rows; ++i) {
          if (static_cast<int>(rng() % 100) < null_pct) {
            column.AppendNull();
          } else {
            column.AppendValue(RandomValue(type, rng, distinct));
          }
        }
        for (Compression c : {Compression::kNone, Compression::kLz4, Compression::kZstd}) {
          for (std::optional<Encoding> force :
               {std::optional<Encoding>(), std::optional<Encoding>(Encoding::kPlain),
                std::optional<Encoding>(Encoding::kDictionary),
                std::optional<Encoding>(Encoding::kRunLength),
                std::optional<Encoding>(Encoding::kFrameOfReference),
                std::optional<Encoding>(Encoding::kDelta)}) {
            const EncodedBlock block = EncodeBlock(column, c, 3, force);
            ASSERT_OK_AND_ASSIGN(ColumnVector back,
                                 DecodeBlock(block.bytes, type, static_cast<uint32_t>(rows)));
            ASSERT_EQ(back.size(), column.size());
            for (size_t i = 0; i < column.size(); ++i) {
              ASSERT_EQ(back.GetValue(i), column.GetValue(i))
                  << type.ToString() << " row " << i << " encoding "
                  << EncodingName(block.encoding);
            }
          }
        }
      }
    }
  }
}

TEST(EncodingTest, PicksTheSmallestEncoding) {
  ColumnVector sorted(DataType::Of(TypeId::kInt8));
  for (int64_t i = 0; i < 4096; ++i) sorted.AppendInt(1'000'000'000'000 + i * 3);
  EXPECT_EQ(EncodeBlock(sorted, Compression::kNone, 3).encoding, Encoding::kDelta);

  ColumnVector narrow(DataType::Of(TypeId::kInt8));
  std::mt19937_64 rng(1);
  for (int i = 0; i < 4096; ++i) narrow.AppendInt(5'000'000 + static_cast<int64_t>(rng() % 1000));
  EXPECT_EQ(EncodeBlock(narrow, Compression::kNone, 3).encoding, Encoding::kFrameOfReference);

  ColumnVector runs(DataType::Of(TypeId::kText));
  for (int i = 0; i < 4096; ++i) runs.AppendString(i < 2000 ? "alpha-long-string" : "beta");
  EXPECT_EQ(EncodeBlock(runs, Compression::kNone, 3).encoding, Encoding::kRunLength);

  ColumnVector few(DataType::Of(TypeId::kText));
  const char* words[] = {"north-region", "south-region", "east-region", "west-region"};
  for (int i = 0; i < 4096; ++i) few.AppendString(words[rng() % 4]);
  EXPECT_EQ(EncodeBlock(few, Compression::kNone, 3).encoding, Encoding::kDictionary);

  ColumnVector random(DataType::Of(TypeId::kFloat8));
  for (int i = 0; i < 4096; ++i) random.AppendFloat(static_cast<double>(rng()) / 3.0);
  EXPECT_EQ(EncodeBlock(random, Compression::kNone, 3).encoding, Encoding::kPlain);
}

TEST(EncodingTest, ZoneMapFollowsValueOrder) {
  ColumnVector f(DataType::Of(TypeId::kFloat8));
  f.AppendFloat(1.0);
  f.AppendNull();
  f.AppendFloat(std::nan(""));
  f.AppendFloat(-2.0);
  const ZoneMap z = ComputeZoneMap(f);
  EXPECT_EQ(z.null_count, 1u);
  EXPECT_EQ(z.min->float_value(), -2.0);
  EXPECT_TRUE(std::isnan(z.max->float_value()));

  ColumnVector nulls(DataType::Of(TypeId::kInt4));
  nulls.AppendNull();
  EXPECT_FALSE(ComputeZoneMap(nulls).min.has_value());
}

TEST(EncodingTest, CorruptBlocksAreStatusesNotCrashes) {
  ColumnVector column(DataType::Of(TypeId::kText));
  for (int i = 0; i < 500; ++i) column.AppendString("value" + std::to_string(i % 17));
  const std::string good = EncodeBlock(column, Compression::kLz4, 3).bytes;
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = good;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    EXPECT_FALSE(DecodeBlock(bad, column.type, 500).ok());
  }
  EXPECT_FALSE(DecodeBlock(good.substr(0, good.size() / 2), column.type, 500).ok());
  EXPECT_FALSE(DecodeBlock(good, column.type, 499).ok());
  EXPECT_FALSE(DecodeBlock("", column.type, 0).ok());
}

}  // namespace
}  // namespace strata::columnstore
