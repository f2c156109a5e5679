#include "binlog/change_builder.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/numeric.h"
#include "common/sql_state.h"
#include "common/value.h"
#include "testing/status_matchers.h"

namespace strata::binlog {
namespace {

std::vector<Value> Row(int32_t id, std::string name) {
  return {Value::Int4(id), Value::Text(std::move(name)), Value::Null(TypeId::kInt8)};
}

void ExpectHeader(const BinlogRecord& r, uint32_t seq) {
  EXPECT_EQ(r.table_id, 12u);
  EXPECT_EQ(r.shard, 3);
  EXPECT_EQ(r.lsn, 1000u);
  EXPECT_EQ(r.timestamp_us, 1'700'000'000'000'000);
  EXPECT_EQ(r.seq_in_commit, seq);
}

TEST(ChangeBuilderTest, InsertEmitsInsert) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  const std::vector<Value> after = Row(1, "a");
  ASSERT_OK(b.AddChange(nullptr, &after));
  ASSERT_EQ(b.records().size(), 1u);
  EXPECT_EQ(b.records()[0].type, BinlogEventType::kInsert);
  EXPECT_EQ(b.records()[0].row, after);
  ExpectHeader(b.records()[0], 0);
}

TEST(ChangeBuilderTest, DeleteEmitsDeleteWithBeforeImage) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  const std::vector<Value> before = Row(1, "a");
  ASSERT_OK(b.AddChange(&before, nullptr));
  ASSERT_EQ(b.records().size(), 1u);
  EXPECT_EQ(b.records()[0].type, BinlogEventType::kDelete);
  EXPECT_EQ(b.records()[0].row, before);
  ExpectHeader(b.records()[0], 0);
}

TEST(ChangeBuilderTest, UpdateEmitsBeforeThenAfterWithFullImages) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  const std::vector<Value> before = Row(1, "a");
  const std::vector<Value> after = Row(1, "b");
  ASSERT_OK(b.AddChange(&before, &after));
  ASSERT_EQ(b.records().size(), 2u);
  EXPECT_EQ(b.records()[0].type, BinlogEventType::kUpdateBefore);
  EXPECT_EQ(b.records()[0].row, before);
  ExpectHeader(b.records()[0], 0);
  EXPECT_EQ(b.records()[1].type, BinlogEventType::kUpdateAfter);
  EXPECT_EQ(b.records()[1].row, after);
  ExpectHeader(b.records()[1], 1);
  // UPDATE_BEFORE sorts directly ahead of its UPDATE_AFTER.
  EXPECT_LT(EncodeBinlogKey(b.records()[0]), EncodeBinlogKey(b.records()[1]));
}

TEST(ChangeBuilderTest, NoOpUpdateEmitsNothing) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  const std::vector<Value> before = Row(1, "a");
  const std::vector<Value> same = Row(1, "a");
  ASSERT_OK(b.AddChange(&before, &same));
  EXPECT_TRUE(b.records().empty());
  // NULL -> NULL counts as unchanged.
  const std::vector<Value> n1 = {Value::Null(TypeId::kText),
                                 Value::FromNumeric(*Numeric::Parse("1.5"))};
  const std::vector<Value> n1_again = n1;
  ASSERT_OK(b.AddChange(&n1, &n1_again));
  EXPECT_TRUE(b.records().empty());
  // Sequence numbers are not consumed by no-op updates.
  const std::vector<Value> after = Row(2, "x");
  ASSERT_OK(b.AddChange(nullptr, &after));
  ASSERT_EQ(b.records().size(), 1u);
  EXPECT_EQ(b.records()[0].seq_in_commit, 0u);
}

// PostgreSQL decodes 1.5 -> 1.50 as an update (the stored text differs), so
// the binlog does too, although the two Values compare equal.
TEST(ChangeBuilderTest, NumericScaleChangeIsAChange) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  const std::vector<Value> n1 = {Value::Int4(1), Value::FromNumeric(*Numeric::Parse("1.5"))};
  const std::vector<Value> n2 = {Value::Int4(1), Value::FromNumeric(*Numeric::Parse("1.50"))};
  ASSERT_TRUE(n1[1] == n2[1]);
  ASSERT_OK(b.AddChange(&n1, &n2));
  ASSERT_EQ(b.records().size(), 2u);
  EXPECT_EQ(b.records()[1].row[1].numeric_value().ToString(), "1.50");
  EXPECT_FALSE(RowImagesEqual(n1, n2));
}

TEST(ChangeBuilderTest, NullToValueIsAChange) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  const std::vector<Value> before = {Value::Int4(1), Value::Null(TypeId::kInt4)};
  const std::vector<Value> after = {Value::Int4(1), Value::Int4(0)};
  ASSERT_OK(b.AddChange(&before, &after));
  ASSERT_EQ(b.records().size(), 2u);
  ASSERT_OK(b.AddChange(&after, &before));
  ASSERT_EQ(b.records().size(), 4u);
  // A different type holding the same number is a change too.
  const std::vector<Value> as_int8 = {Value::Int4(1), Value::Int8(0)};
  ASSERT_OK(b.AddChange(&after, &as_int8));
  EXPECT_EQ(b.records().size(), 6u);
}

TEST(ChangeBuilderTest, SequenceNumbersRunAcrossChangesAndTakeRecords) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  const std::vector<Value> r1 = Row(1, "a");
  const std::vector<Value> r2 = Row(1, "b");
  ASSERT_OK(b.AddChange(nullptr, &r1));  // seq 0
  ASSERT_OK(b.AddChange(&r1, &r2));      // seq 1, 2
  std::vector<BinlogRecord> first = b.TakeRecords();
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(b.records().empty());
  ASSERT_OK(b.AddChange(&r2, nullptr));  // seq 3
  std::vector<BinlogRecord> second = b.TakeRecords();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].type, BinlogEventType::kInsert);
  EXPECT_EQ(first[1].type, BinlogEventType::kUpdateBefore);
  EXPECT_EQ(first[2].type, BinlogEventType::kUpdateAfter);
  EXPECT_EQ(second[0].type, BinlogEventType::kDelete);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(first[i].seq_in_commit, i);
  EXPECT_EQ(second[0].seq_in_commit, 3u);
}

TEST(ChangeBuilderTest, BadChangesAreRejected) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  ASSERT_SQLSTATE(b.AddChange(nullptr, nullptr), SqlState::kInvalidParameterValue);
  const std::vector<Value> two = {Value::Int4(1), Value::Int4(2)};
  const std::vector<Value> three = {Value::Int4(1), Value::Int4(2), Value::Int4(3)};
  ASSERT_SQLSTATE(b.AddChange(&two, &three), SqlState::kInvalidParameterValue);
  EXPECT_TRUE(b.records().empty());
}

TEST(ChangeBuilderTest, RecordsRoundTripThroughTheFormat) {
  ChangeBuilder b(12, 3, 1000, 1'700'000'000'000'000);
  const std::vector<Value> r1 = Row(1, "a");
  const std::vector<Value> r2 = Row(1, "b");
  ASSERT_OK(b.AddChange(&r1, &r2));
  for (const BinlogRecord& r : b.records()) {
    ASSERT_OK_AND_ASSIGN(BinlogRecord d,
                         DecodeBinlogRecord(EncodeBinlogKey(r), EncodeBinlogValue(r)));
    EXPECT_EQ(d, r);
  }
}

}  // namespace
}  // namespace strata::binlog
