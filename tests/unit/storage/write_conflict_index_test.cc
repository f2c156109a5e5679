#include "storage/write_conflict_index.h"

#include <gtest/gtest.h>

namespace strata::storage {
namespace {

TEST(WriteConflictIndexTest, ReportsWritesAfterTheSnapshotOnly) {
  WriteConflictIndex index;
  const uint64_t k = WriteConflictIndex::HashKey(ColumnFamily::kRows, "k");
  EXPECT_FALSE(index.WrittenAfter(k, 0));
  index.Record(k, 5);
  EXPECT_TRUE(index.WrittenAfter(k, 4));
  EXPECT_FALSE(index.WrittenAfter(k, 5));
  EXPECT_FALSE(index.WrittenAfter(WriteConflictIndex::HashKey(ColumnFamily::kRows, "other"), 0));
}

TEST(WriteConflictIndexTest, SameKeyInDifferentFamiliesHashesApart) {
  EXPECT_NE(WriteConflictIndex::HashKey(ColumnFamily::kRows, "k"),
            WriteConflictIndex::HashKey(ColumnFamily::kPkIndex, "k"));
}

TEST(WriteConflictIndexTest, TrimKeepsLaterWritesOfTheSameKey) {
  WriteConflictIndex index;
  const uint64_t a = WriteConflictIndex::HashKey(ColumnFamily::kRows, "a");
  const uint64_t b = WriteConflictIndex::HashKey(ColumnFamily::kRows, "b");
  index.Record(a, 1);
  index.Record(b, 2);
  index.Record(a, 3);
  index.TrimUpTo(2);
  EXPECT_EQ(index.size(), 1u);
  EXPECT_TRUE(index.WrittenAfter(a, 2));
  EXPECT_FALSE(index.WrittenAfter(b, 0));
  index.TrimUpTo(3);
  EXPECT_EQ(index.size(), 0u);
}

}  // namespace
}  // namespace strata::storage
