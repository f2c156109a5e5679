#include "columnstore/segment.h"
#include "columnstore/predicate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace strata::columnstore {
namespace {

// id int8 (sorted), grp int4 (0..9), name text (nullable), price float8.
std::vector<SegmentColumn> Columns() {
  return {{1, DataType::Of(TypeId::kInt8), true, false},
          {2, DataType::Of(TypeId::kInt4), false, false},
          {3, DataType::Of(TypeId::kText), false, false},
          {4, DataType::Of(TypeId::kFloat8), false, false}};
}

std::vector<ScanColumn> Schema() {
  return {{1, DataType::Of(TypeId::kInt8), Value()},
          {2, DataType::Of(TypeId::kInt4), Value()},
          {3, DataType::Of(TypeId::kText), Value()},
          {4, DataType::Of(TypeId::kFloat8), Value()},
          // Added after the segment was written.
          {5, DataType::Of(TypeId::kInt4), Value::Int4(77)}};
}

std::vector<Value> RowOf(int64_t i) {
  return {Value::Int8(i), Value::Int4(static_cast<int32_t>(i % 10)),
          i % 5 == 0 ? Value::Null(TypeId::kText) : Value::Text("n" + std::to_string(i)),
          Value::Float8(static_cast<double>(i) / 2)};
}

constexpr int64_t kRows = 20000;

std::string WriteSegment(const testing::TempDir& dir, Compression c = Compression::kLz4) {
  SegmentWriter writer(Columns(), {1}, SegmentWriteOptions{c, 3, 1024});
  for (int64_t i = 0; i < kRows; ++i) writer.AppendRow(RowOf(i));
  const std::string path = dir.str() + "/1.seg";
  EXPECT_TRUE(writer.Finish(path).ok());
  return path;
}

std::vector<std::vector<Value>> ScanAll(SegmentScanner* scanner) {
  std::vector<std::vector<Value>> rows;
  ColumnBatch batch;
  while (true) {
    Result<bool> more = scanner->Next(&batch);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      std::vector<Value> row;
      for (const ColumnVector& c : batch.columns) row.push_back(c.GetValue(r));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

TEST(SegmentTest, WritesAndReadsAllRowsWithProjection) {
  testing::TempDir dir;
  for (Compression c : {Compression::kNone, Compression::kLz4, Compression::kZstd}) {
    const std::string path = WriteSegment(dir, c);
    ASSERT_OK_AND_ASSIGN(auto segment, Segment::Open(path));
    EXPECT_EQ(segment->row_count(), static_cast<uint64_t>(kRows));
    EXPECT_EQ(segment->block_count(), static_cast<size_t>((kRows + 1023) / 1024));
    EXPECT_TRUE(segment->columns()[0].primary_key);
    SegmentScanOptions options;
    options.schema = Schema();
    options.projection = {4, 1, 5, 3};
    ASSERT_OK_AND_ASSIGN(auto scanner, SegmentScanner::Create(segment, options));
    const auto rows = ScanAll(scanner.get());
    ASSERT_EQ(rows.size(), static_cast<size_t>(kRows));
    for (int64_t i = 0; i < kRows; ++i) {
      const std::vector<Value> expect = RowOf(i);
      ASSERT_EQ(rows[i][0], expect[3]);
      ASSERT_EQ(rows[i][1], expect[0]);
      ASSERT_EQ(rows[i][2], Value::Int4(77));
      ASSERT_EQ(rows[i][3], expect[2]);
    }
  }
}

TEST(SegmentTest, PredicatesFilterAndZoneMapsSkipBlocks) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto segment, Segment::Open(WriteSegment(dir)));
  struct Case {
    std::vector<ColumnPredicate> predicates;
    std::function<bool(int64_t)> expect;
  };
  const std::vector<Case> cases = {
      {{{1, CompareOp::kBetween, Value::Int8(5000), Value::Int8(6000)}},
       [](int64_t i) { return i >= 5000 && i <= 6000; }},
      {{{1, CompareOp::kLt, Value::Int8(100), Value()}}, [](int64_t i) { return i < 100; }},
      {{{1, CompareOp::kGe, Value::Int8(19990), Value()}}, [](int64_t i) { return i >= 19990; }},
      {{{1, CompareOp::kEq, Value::Int8(1234), Value()}}, [](int64_t i) { return i == 1234; }},
      {{{2, CompareOp::kNe, Value::Int4(3), Value()}, {3, CompareOp::kIsNull, Value(), Value()}},
       [](int64_t i) { return i % 10 != 3 && i % 5 == 0; }},
      {{{3, CompareOp::kIsNotNull, Value(), Value()}, {4, CompareOp::kLe, Value::Float8(10), Value()}},
       [](int64_t i) { return i % 5 != 0 && i <= 20; }},
      {{{3, CompareOp::kGt, Value::Text("n9998"), Value()}},
       [](int64_t i) { return i % 5 != 0 && ("n" + std::to_string(i)) > "n9998"; }},
      {{{5, CompareOp::kEq, Value::Int4(77), Value()}, {1, CompareOp::kLt, Value::Int8(3), Value()}},
       [](int64_t i) { return i < 3; }},
      {{{5, CompareOp::kEq, Value::Int4(1), Value()}}, [](int64_t) { return false; }},
      {{{1, CompareOp::kEq, Value::Null(TypeId::kInt8), Value()}}, [](int64_t) { return false; }},
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    SegmentScanOptions options;
    options.schema = Schema();
    options.projection = {1};
    options.predicates = cases[c].predicates;
    ASSERT_OK_AND_ASSIGN(auto scanner, SegmentScanner::Create(segment, options));
    const auto rows = ScanAll(scanner.get());
    std::vector<int64_t> expect;
    for (int64_t i = 0; i < kRows; ++i) {
      if (cases[c].expect(i)) expect.push_back(i);
    }
    ASSERT_EQ(rows.size(), expect.size()) << "case " << c;
    for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i][0].int_value(), expect[i]);
    if (c == 0) {
      // Rows 5000..6000 live in 2 of the 20 blocks.
      EXPECT_EQ(scanner->stats().blocks_skipped, 18u);
      EXPECT_EQ(scanner->stats().blocks_total, 20u);
    }
  }
}

TEST(SegmentTest, ZoneMapsProvePredicatesWithoutDecoding) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto segment, Segment::Open(WriteSegment(dir)));
  // id < 5500 holds for every row of blocks 0..4 (ids 0..5119), for some of
  // block 5 and none after: 5 blocks need no filtering, 14 are skipped.
  SegmentScanOptions options;
  options.schema = Schema();
  options.projection = {2};  // the predicate column is not projected
  options.predicates = {{1, CompareOp::kLt, Value::Int8(5500), Value()}};
  ASSERT_OK_AND_ASSIGN(auto scanner, SegmentScanner::Create(segment, options));
  const auto rows = ScanAll(scanner.get());
  ASSERT_EQ(rows.size(), 5500u);
  for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i][0].int_value(), static_cast<int64_t>(i % 10));
  EXPECT_EQ(scanner->stats().predicates_proven, 5u);
  EXPECT_EQ(scanner->stats().blocks_skipped, 14u);
  // Decoded: grp for the 6 blocks read, id only for the partly matching one.
  EXPECT_EQ(scanner->stats().blocks_decoded, 7u);

  // Bounds of every operator, and NULLs: a column with NULLs in a block is
  // never proven (name IS NOT NULL fails for every fifth row).
  struct Case {
    ColumnPredicate predicate;
    uint64_t proven;  // blocks of 1024 ids proven
  };
  const std::vector<Case> cases = {
      {{1, CompareOp::kGe, Value::Int8(1024), Value()}, 19},
      {{1, CompareOp::kGt, Value::Int8(1023), Value()}, 19},
      {{1, CompareOp::kLe, Value::Int8(2047), Value()}, 2},
      {{1, CompareOp::kBetween, Value::Int8(1024), Value::Int8(4095)}, 3},
      {{1, CompareOp::kNe, Value::Int8(3000), Value()}, 19},
      {{2, CompareOp::kBetween, Value::Int4(0), Value::Int4(9)}, 20},
      {{2, CompareOp::kEq, Value::Int4(4), Value()}, 0},
      {{1, CompareOp::kIsNotNull, Value(), Value()}, 20},
      {{3, CompareOp::kIsNotNull, Value(), Value()}, 0},
      {{4, CompareOp::kGe, Value::Float8(0), Value()}, 0},  // floats: never proven
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    options.projection = {1};
    options.predicates = {cases[c].predicate};
    ASSERT_OK_AND_ASSIGN(auto s, SegmentScanner::Create(segment, options));
    const auto got = ScanAll(s.get());
    size_t expect = 0;
    for (int64_t i = 0; i < kRows; ++i) {
      expect += MatchValue(cases[c].predicate, RowOf(i)[cases[c].predicate.column_id - 1]) ? 1 : 0;
    }
    EXPECT_EQ(got.size(), expect) << "case " << c;
    EXPECT_EQ(s->stats().predicates_proven, cases[c].proven) << "case " << c;
  }
}

TEST(SegmentTest, BlockStrideSplitsTheBlocks) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto segment, Segment::Open(WriteSegment(dir)));
  DeleteVector deleted;
  for (uint32_t i = 0; i < kRows; i += 7) deleted.add(i);
  for (const uint32_t stride : {1u, 2u, 3u, 25u}) {
    std::vector<int64_t> ids;
    uint64_t blocks = 0;
    for (uint32_t offset = 0; offset < stride; ++offset) {
      SegmentScanOptions options;
      options.schema = Schema();
      options.projection = {1};
      options.predicates = {{2, CompareOp::kNe, Value::Int4(3), Value()}};
      options.deleted = &deleted;
      options.block_stride = stride;
      options.block_offset = offset;
      ASSERT_OK_AND_ASSIGN(auto scanner, SegmentScanner::Create(segment, options));
      for (const auto& row : ScanAll(scanner.get())) ids.push_back(row[0].int_value());
      blocks += scanner->stats().blocks_total;
    }
    EXPECT_EQ(blocks, 20u) << stride;
    std::sort(ids.begin(), ids.end());
    std::vector<int64_t> expect;
    for (int64_t i = 0; i < kRows; ++i) {
      if (i % 7 != 0 && i % 10 != 3) expect.push_back(i);
    }
    EXPECT_EQ(ids, expect) << stride;
  }
}

TEST(SegmentTest, DeleteVectorAndOrdinals) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto segment, Segment::Open(WriteSegment(dir)));
  DeleteVector deleted;
  for (uint32_t i = 0; i < kRows; i += 3) deleted.add(i);
  deleted.addRange(2048, 3072);  // all of block 2
  SegmentScanOptions options;
  options.schema = Schema();
  options.projection = {1};
  options.deleted = &deleted;
  options.with_ordinals = true;
  ASSERT_OK_AND_ASSIGN(auto scanner, SegmentScanner::Create(segment, options));
  ColumnBatch batch;
  size_t rows = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool more, scanner->Next(&batch));
    if (!more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      const uint32_t ord = batch.ordinals[r];
      EXPECT_FALSE(deleted.contains(ord));
      EXPECT_EQ(batch.columns[0].ints[r], static_cast<int64_t>(ord));
      ++rows;
    }
  }
  size_t expect = 0;
  for (uint32_t i = 0; i < kRows; ++i) expect += deleted.contains(i) ? 0 : 1;
  EXPECT_EQ(rows, expect);
  EXPECT_EQ(scanner->stats().blocks_skipped, 1u);
}

TEST(SegmentTest, CorruptFilesAreStatuses) {
  testing::TempDir dir;
  const std::string path = WriteSegment(dir);
  std::string good;
  {
    std::ifstream in(path, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::mt19937_64 rng(3);
  int open_failures = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    if (trial % 3 == 0) {
      bad.resize(rng() % bad.size());
    } else {
      for (int k = 0; k < 4; ++k) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    const std::string bad_path = dir.str() + "/bad.seg";
    {
      std::ofstream out(bad_path, std::ios::binary | std::ios::trunc);
      out.write(bad.data(), static_cast<std::streamsize>(bad.size()));
    }
    Result<std::shared_ptr<const Segment>> segment = Segment::Open(bad_path);
    if (!segment.ok()) {
      ++open_failures;
      continue;
    }
    SegmentScanOptions options;
    options.schema = Schema();
    options.projection = {1, 2, 3, 4};
    ASSERT_OK_AND_ASSIGN(auto scanner, SegmentScanner::Create(*segment, options));
    ColumnBatch batch;
    Status status;
    size_t rows = 0;
    while (true) {
      Result<bool> more = scanner->Next(&batch);
      if (!more.ok()) {
        status = more.status();
        break;
      }
      if (!*more) break;
      rows += batch.num_rows();
    }
    // A flip inside the data is caught by the block checksum.
    EXPECT_TRUE(!status.ok() || (rows == static_cast<size_t>(kRows) && bad == good));
  }
  EXPECT_GT(open_failures, 50);
  EXPECT_FALSE(Segment::Open(dir.str() + "/missing.seg").ok());
}

}  // namespace
}  // namespace strata::columnstore
