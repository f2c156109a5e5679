#include "binlog/record.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "common/numeric.h"
#include "common/sql_state.h"
#include "common/value.h"
#include "testing/status_matchers.h"

namespace strata::binlog {
namespace {

constexpr BinlogEventType kAllTypes[] = {BinlogEventType::kDelete, BinlogEventType::kUpdateBefore,
                                         BinlogEventType::kInsert, BinlogEventType::kUpdateAfter,
                                         BinlogEventType::kHeartbeat};

class RandomValues {
 public:
  explicit RandomValues(uint32_t seed) : rng_(seed) {}

  uint64_t U64() { return rng_(); }
  int64_t I64() {
    switch (U64() % 4) {
      case 0:
        return std::numeric_limits<int64_t>::min();
      case 1:
        return std::numeric_limits<int64_t>::max();
      case 2:
        return static_cast<int64_t>(U64() % 2000) - 1000;
      default:
        return static_cast<int64_t>(U64());
    }
  }
  std::string Bytes() {
    std::string s(U64() % 40, '\0');
    for (char& c : s) c = static_cast<char>(U64());
    return s;
  }

  Value Scalar(TypeId type) {
    switch (type) {
      case TypeId::kBool:
        return Value::Bool(U64() % 2 == 0);
      case TypeId::kInt2:
        return Value::Int2(static_cast<int16_t>(U64()));
      case TypeId::kInt4:
        return Value::Int4(static_cast<int32_t>(I64()));
      case TypeId::kInt8:
        return Value::Int8(I64());
      case TypeId::kFloat4: {
        const float special[] = {0.0f,
                                 -0.0f,
                                 std::numeric_limits<float>::infinity(),
                                 std::numeric_limits<float>::quiet_NaN(),
                                 1.5f,
                                 -3.25e10f};
        return Value::Float4(special[U64() % 6]);
      }
      case TypeId::kFloat8: {
        if (U64() % 2 == 0) return Value::Float8(std::numeric_limits<double>::quiet_NaN());
        return Value::Float8(static_cast<double>(I64()) / 7.0);
      }
      case TypeId::kNumeric: {
        const char* texts[] = {"0",     "1.50", "-12345678901234567890.000123",         "NaN",
                               "0.000", "-7",   "99999999999999999999999999999999999.9"};
        return Value::FromNumeric(*Numeric::Parse(texts[U64() % 7]));
      }
      case TypeId::kText:
      case TypeId::kVarchar:
      case TypeId::kBpchar:
      case TypeId::kBytea:
      case TypeId::kJson:
      case TypeId::kJsonb:
        return Value::String(type, Bytes());
      case TypeId::kDate:
        return Value::Date(static_cast<int32_t>(I64()));
      case TypeId::kTime:
        return Value::Time(static_cast<int64_t>(U64() % kMicrosPerDay));
      case TypeId::kTimestamp:
        return Value::Timestamp(I64());
      case TypeId::kTimestampTz:
        return Value::TimestampTz(I64());
      case TypeId::kInterval:
        return Value::FromInterval(
            Interval{static_cast<int32_t>(I64()), static_cast<int32_t>(I64()), I64()});
      case TypeId::kUuid: {
        Uuid u;
        for (uint8_t& b : u) b = static_cast<uint8_t>(U64());
        return Value::FromUuid(u);
      }
      case TypeId::kArray:
      case TypeId::kRecord:
      case TypeId::kInvalid:
        break;
    }
    return Value();
  }

  Value Any() {
    const uint64_t pick = U64() % (kMaxTypeId + 3);
    if (pick == 0) return Value();  // NULL of unknown type
    if (pick == kMaxTypeId + 1) return Value::Null(RandomScalarType());
    if (pick == kMaxTypeId + 2 || pick == static_cast<uint64_t>(TypeId::kArray)) {
      const TypeId element = RandomScalarType();
      std::vector<Value> elements;
      const uint64_t n = U64() % 5;
      for (uint64_t i = 0; i < n; ++i) {
        elements.push_back(U64() % 4 == 0 ? Value::Null(element) : Scalar(element));
      }
      return Value::Array(element, std::move(elements));
    }
    return Scalar(static_cast<TypeId>(pick));
  }

  TypeId RandomScalarType() { return static_cast<TypeId>(1 + U64() % (kMaxTypeId - 1)); }

  BinlogRecord Record(BinlogEventType type) {
    BinlogRecord r;
    r.lsn = U64();
    r.type = type;
    r.timestamp_us = I64();
    r.table_id = static_cast<uint32_t>(U64());
    r.shard = static_cast<uint16_t>(U64());
    r.seq_in_commit = static_cast<uint32_t>(U64());
    if (type != BinlogEventType::kHeartbeat) {
      const uint64_t n = U64() % 12;
      for (uint64_t i = 0; i < n; ++i) r.row.push_back(Any());
    }
    return r;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(BinlogRecordTest, EventTypeNumbersAreHologres) {
  EXPECT_EQ(static_cast<int>(BinlogEventType::kDelete), 2);
  EXPECT_EQ(static_cast<int>(BinlogEventType::kUpdateBefore), 3);
  EXPECT_EQ(static_cast<int>(BinlogEventType::kInsert), 5);
  EXPECT_EQ(static_cast<int>(BinlogEventType::kUpdateAfter), 7);
  EXPECT_EQ(static_cast<int>(BinlogEventType::kHeartbeat), 27);
  for (int i = 0; i < 256; ++i) {
    const bool valid = i == 2 || i == 3 || i == 5 || i == 7 || i == 27;
    EXPECT_EQ(IsValidBinlogEventType(static_cast<uint8_t>(i)), valid) << i;
  }
  EXPECT_EQ(BinlogEventTypeName(BinlogEventType::kUpdateAfter), "UPDATE_AFTER");
}

TEST(BinlogRecordTest, RandomRecordsOfEveryTypeRoundTrip) {
  RandomValues rnd(42);
  for (int i = 0; i < 2000; ++i) {
    const BinlogRecord record = rnd.Record(kAllTypes[i % 5]);
    const std::string key = EncodeBinlogKey(record);
    const std::string value = EncodeBinlogValue(record);
    ASSERT_OK_AND_ASSIGN(BinlogRecord decoded, DecodeBinlogRecord(key, value));
    ASSERT_EQ(decoded, record) << i;
    // Value equality is SQL-ish (1.5 == 1.50, NULL == NULL of any type), so
    // also check that nothing was lost: the re-encoding and the debug
    // strings are identical.
    EXPECT_EQ(EncodeBinlogValue(decoded), value);
    ASSERT_EQ(decoded.row.size(), record.row.size());
    for (size_t c = 0; c < record.row.size(); ++c) {
      EXPECT_EQ(decoded.row[c].type(), record.row[c].type());
      EXPECT_EQ(decoded.row[c].DebugString(), record.row[c].DebugString());
    }
  }
}

TEST(BinlogRecordTest, ValueLayoutIsCompactAndVersioned) {
  BinlogRecord r;
  r.type = BinlogEventType::kInsert;
  r.timestamp_us = 1;
  r.row = {Value::Int4(-1), Value::Null(TypeId::kText), Value(), Value::Text("ab")};
  const std::string v = EncodeBinlogValue(r);
  const std::string expected(
      "\x01\x05\x02\x04\x03\x01\x88\x00\x08\x02"
      "ab",
      12);
  EXPECT_EQ(v, expected);
}

TEST(BinlogRecordTest, NumericKeepsDisplayScale) {
  BinlogRecord r;
  r.row = {Value::FromNumeric(*Numeric::Parse("1.500")), Value::FromNumeric(Numeric::NaN())};
  ASSERT_OK_AND_ASSIGN(BinlogValue v, DecodeBinlogValue(EncodeBinlogValue(r)));
  EXPECT_EQ(v.row[0].numeric_value().ToString(), "1.500");
  EXPECT_TRUE(v.row[1].numeric_value().is_nan());
}

using KeyTuple = std::tuple<uint32_t, uint16_t, uint64_t, uint32_t>;

TEST(BinlogRecordTest, KeyOrderIsTableShardLsnSeqOrder) {
  std::mt19937_64 rng(7);
  // Small ranges make ties in the leading fields common, so every field's
  // tie-breaking is exercised; extremes check the sign/endianness handling.
  auto pick = [&](uint64_t max) -> uint64_t {
    switch (rng() % 3) {
      case 0:
        return rng() % 3;
      case 1:
        return max - rng() % 3;
      default:
        return rng() & max;
    }
  };
  std::vector<KeyTuple> tuples;
  for (int i = 0; i < 5000; ++i) {
    tuples.emplace_back(static_cast<uint32_t>(pick(UINT32_MAX)),
                        static_cast<uint16_t>(pick(UINT16_MAX)), pick(UINT64_MAX),
                        static_cast<uint32_t>(pick(UINT32_MAX)));
  }
  std::vector<std::pair<std::string, KeyTuple>> keyed;
  for (const KeyTuple& t : tuples) {
    keyed.emplace_back(
        EncodeBinlogKey(std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t)), t);
  }
  std::sort(tuples.begin(), tuples.end());
  std::sort(keyed.begin(), keyed.end());
  for (size_t i = 0; i < tuples.size(); ++i) {
    ASSERT_EQ(keyed[i].second, tuples[i]) << i;
    ASSERT_EQ(keyed[i].first.size(), kBinlogKeySize);
    ASSERT_OK_AND_ASSIGN(BinlogKey k, DecodeBinlogKey(keyed[i].first));
    EXPECT_EQ(KeyTuple(k.table_id, k.shard, k.lsn, k.seq_in_commit), tuples[i]);
    EXPECT_EQ(keyed[i].first.substr(0, kBinlogKeyPrefixSize), BinlogKeyPrefix(k.table_id, k.shard));
  }
}

TEST(BinlogRecordTest, KeyIsBigEndian) {
  EXPECT_EQ(
      EncodeBinlogKey(0x01020304, 0x0506, 0x0708090a0b0c0d0eULL, 0x0f101112),
      std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12", 18));
}

// The first key >= seek in sorted `keys`, as RocksDB's Seek() would find it.
const std::string* SeekIn(const std::vector<std::string>& keys, const std::string& seek) {
  auto it = std::lower_bound(keys.begin(), keys.end(), seek);
  return it == keys.end() ? nullptr : &*it;
}

TEST(BinlogRecordTest, SeekKeyAfterLsnFindsFirstRecordWithGreaterLsn) {
  const uint64_t lsns[] = {0, 1, 2, 5, 6, UINT64_MAX - 1, UINT64_MAX};
  const uint32_t seqs[] = {0, 1, UINT32_MAX};
  std::vector<std::string> keys;
  for (uint32_t table : {0u, 9u, UINT32_MAX}) {
    for (uint16_t shard : {uint16_t{0}, uint16_t{3}, uint16_t{UINT16_MAX}}) {
      for (uint64_t lsn : lsns) {
        for (uint32_t seq : seqs) keys.push_back(EncodeBinlogKey(table, shard, lsn, seq));
      }
    }
  }
  std::sort(keys.begin(), keys.end());
  for (uint32_t table : {0u, 9u, UINT32_MAX}) {
    for (uint16_t shard : {uint16_t{0}, uint16_t{3}, uint16_t{UINT16_MAX}}) {
      for (uint64_t x :
           {uint64_t{0}, uint64_t{1}, uint64_t{3}, uint64_t{6}, UINT64_MAX - 1, UINT64_MAX}) {
        // Expected: the smallest (lsn, seq) with lsn > x in this shard.
        const std::string* found = SeekIn(keys, BinlogSeekKeyAfterLsn(table, shard, x));
        const uint64_t* next =
            std::find_if(std::begin(lsns), std::end(lsns), [&](uint64_t l) { return l > x; });
        if (next == std::end(lsns)) {
          // Nothing in this shard: the seek lands in the next shard or nowhere.
          if (found != nullptr) {
            EXPECT_NE(found->substr(0, kBinlogKeyPrefixSize), BinlogKeyPrefix(table, shard));
          }
          continue;
        }
        ASSERT_NE(found, nullptr);
        EXPECT_EQ(*found, EncodeBinlogKey(table, shard, *next, 0))
            << table << " " << shard << " " << x;
        // At-LSN seek includes x itself when present.
        const std::string* at = SeekIn(keys, BinlogSeekKeyAtLsn(table, shard, x));
        ASSERT_NE(at, nullptr);
        ASSERT_OK_AND_ASSIGN(BinlogKey k, DecodeBinlogKey(*at));
        EXPECT_GE(k.lsn, x);
        EXPECT_EQ(k.seq_in_commit, 0u);
      }
    }
  }
  // The seek key is never a decodable record key.
  EXPECT_FALSE(DecodeBinlogKey(BinlogSeekKeyAfterLsn(1, 2, 3)).ok());
}

TEST(BinlogRecordTest, PrefixUpperBound) {
  ASSERT_TRUE(BinlogKeyPrefixUpperBound(5, 7).has_value());
  EXPECT_EQ(*BinlogKeyPrefixUpperBound(5, 7), BinlogKeyPrefix(5, 8));
  EXPECT_EQ(*BinlogKeyPrefixUpperBound(5, UINT16_MAX), BinlogKeyPrefix(6, 0));
  EXPECT_FALSE(BinlogKeyPrefixUpperBound(UINT32_MAX, UINT16_MAX).has_value());
  for (uint16_t shard : {uint16_t{0}, uint16_t{UINT16_MAX}}) {
    const std::string bound = *BinlogKeyPrefixUpperBound(5, shard);
    EXPECT_LT(EncodeBinlogKey(5, shard, UINT64_MAX, UINT32_MAX), bound);
    EXPECT_LT(BinlogSeekKeyAfterLsn(5, shard, UINT64_MAX), bound);
    EXPECT_GT(EncodeBinlogKey(5, shard, UINT64_MAX, UINT32_MAX), BinlogKeyPrefix(5, shard));
  }
}

TEST(BinlogRecordTest, BadKeysAreCorruption) {
  ASSERT_SQLSTATE(DecodeBinlogKey(""), SqlState::kDataCorrupted);
  ASSERT_SQLSTATE(DecodeBinlogKey(std::string(17, 'a')), SqlState::kDataCorrupted);
  ASSERT_SQLSTATE(DecodeBinlogKey(std::string(19, 'a')), SqlState::kDataCorrupted);
  ASSERT_SQLSTATE(DecodeBinlogRecord("short", EncodeBinlogValue(BinlogRecord{})),
                  SqlState::kDataCorrupted);
}

TEST(BinlogRecordTest, HandPickedGarbageIsCorruption) {
  const std::string cases[] = {
      std::string(""),
      std::string("\x02\x05\x00\x00", 4),                  // unknown version
      std::string("\x01\x04\x00\x00", 4),                  // unknown event type
      std::string("\x01\x05", 2),                          // no timestamp
      std::string("\x01\x05\x00", 3),                      // no column count
      std::string("\x01\x05\x00\x01", 4),                  // missing field
      std::string("\x01\x05\x00\x01\x15", 5),              // TypeId 21 does not exist
      std::string("\x01\x05\x00\x01\x95", 5),              // NULL of TypeId 21
      std::string("\x01\x05\x00\x01\x80", 5),              // NULL of kInvalid
      std::string("\x01\x05\x00\x01\x01\x02", 6),          // bool 2
      std::string("\x01\x05\x00\x01\x02\x80\x80\x04", 8),  // int2 out of range
      std::string("\x01\x05\x00\x00\x00", 5),              // trailing byte
      std::string("\x01\x05\x00\x01\x08\x05"
                  "ab",
                  8),  // text shorter than its length
      std::string("\x01\x05\x00\x01\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 15),
      std::string("\x01\x05\x00\xff\xff\xff\xff\x0f", 8),                       // huge column count
      std::string("\x01\x05\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 13),  // varint overflow
      std::string("\x01\x05\x00\x01\x14\x14\x00", 7),                           // array of arrays
      std::string("\x01\x05\x00\x01\x14\x03\x01\x02", 8),           // bad element marker
      std::string("\x01\x05\x00\x01\x07\x00\x00\x01\xa0", 9),       // numeric digit 10
      std::string("\x01\x05\x00\x01\x07\x00\x00\x01\x11", 9),       // numeric padding nibble
      std::string("\x01\x05\x00\x01\x07\x03", 6),                   // numeric flags 3
      std::string("\x01\x05\x00\x01\x07\x00\xff\xff\x01\x00", 10),  // numeric scale too big
  };
  for (const std::string& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c));
    ASSERT_SQLSTATE(DecodeBinlogValue(c), SqlState::kDataCorrupted);
  }
}

TEST(BinlogRecordTest, TruncatedAndMutatedValuesNeverCrash) {
  RandomValues rnd(3);
  std::mt19937_64 rng(5);
  int mutated_errors = 0;
  for (int i = 0; i < 500; ++i) {
    const std::string value = EncodeBinlogValue(rnd.Record(kAllTypes[i % 5]));
    // Every strict prefix is truncated, hence Corruption.
    for (size_t n = 0; n < value.size(); ++n) {
      ASSERT_SQLSTATE(DecodeBinlogValue(std::string_view(value).substr(0, n)),
                      SqlState::kDataCorrupted);
    }
    // Random byte flips either decode to something or fail cleanly.
    for (int m = 0; m < 20; ++m) {
      std::string bad = value;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
      Result<BinlogValue> r = DecodeBinlogValue(bad);
      if (!r.ok()) {
        EXPECT_EQ(r.status().sql_state().code(), SqlState::kDataCorrupted.code());
        ++mutated_errors;
      }
    }
  }
  EXPECT_GT(mutated_errors, 0);
  // Pure random bytes.
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (i % 2 == 0 && junk.size() >= 2) {
      junk[0] = 1;  // get past the version/type checks more often
      junk[1] = 5;
    }
    Result<BinlogValue> r = DecodeBinlogValue(junk);
    if (!r.ok()) {
      EXPECT_EQ(r.status().sql_state().code(), SqlState::kDataCorrupted.code());
    }
  }
}

}  // namespace
}  // namespace strata::binlog
