#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <roaring/roaring.hh>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "columnstore/column_vector.h"
#include "columnstore/encoding.h"
#include "columnstore/predicate.h"

namespace strata::columnstore {

// Immutable column segment files (format: docs/formats/column_segment.md).

// A delete vector: the ordinals of a segment's deleted rows.
using DeleteVector = Roaring;  // CRoaring 0.2 declares it globally

// Column id reserved for the hidden per-row key column that storage keeps
// in every segment (the row's primary-key location key, bytea). Table
// column ids start at 1.
inline constexpr uint32_t kRowKeyColumnId = 0;

struct SegmentColumn {
  uint32_t column_id = 0;
  DataType type;
  bool primary_key = false;
  // Force dictionary encoding for this column's blocks (the table's
  // dictionary_encoding_columns); otherwise the smallest encoding wins.
  bool dictionary = false;
};

struct SegmentWriteOptions {
  Compression compression = Compression::kLz4;
  int zstd_level = 3;
  // Rows per block, shared by all columns (block i of every column covers
  // the same rows).
  uint32_t block_rows = 4096;
};

// Builds one segment. Rows are appended in their final order; Finish writes
// the file durably. Not thread-safe.
class SegmentWriter {
 public:
  // `sort_column_ids`: the columns the rows are sorted by (recorded only).
  SegmentWriter(std::vector<SegmentColumn> columns, std::vector<uint32_t> sort_column_ids,
                SegmentWriteOptions options);

  // values[i] belongs to columns[i]; NULL or of the column's value kind.
  // REQUIRES: values.size() == columns.size().
  void AppendRow(std::span<const Value> values);
  uint64_t row_count() const { return row_count_; }

  // Writes `path` durably: to `path`.tmp, fsync, rename, fsync of the
  // directory, so a crash leaves either no file, a stray .tmp, or the whole
  // file. Returns the file size. Errors: I/O (58030).
  Result<uint64_t> Finish(const std::string& path);

 private:
  void FlushBlock();

  std::vector<SegmentColumn> columns_;
  std::vector<uint32_t> sort_column_ids_;
  SegmentWriteOptions options_;
  std::vector<ColumnVector> pending_;
  std::string data_;  // encoded blocks, after the header
  struct BlockMeta {
    uint64_t offset;
    uint32_t size;
    Encoding encoding;
    ZoneMap zone;
  };
  std::vector<std::vector<BlockMeta>> blocks_;  // per column
  std::vector<uint32_t> block_rows_;
  uint64_t row_count_ = 0;
};

struct SegmentBlockInfo {
  uint64_t offset = 0;
  uint32_t size = 0;
  Encoding encoding = Encoding::kPlain;
  ZoneMap zone;
};

struct SegmentColumnInfo {
  uint32_t column_id = 0;
  DataType type;
  bool primary_key = false;
  std::vector<SegmentBlockInfo> blocks;
};

// An open segment file: its footer in memory, blocks read on demand with
// pread. Immutable and thread-safe; shared (shared_ptr) by every scan that
// reads it and by storage's segment cache, because the file may be
// unlinked while scans still read it.
class Segment {
 public:
  // Opens and validates the footer. Errors: I/O (58030); Corruption
  // (XX001) for a bad magic, checksum or footer.
  static Result<std::shared_ptr<const Segment>> Open(const std::string& path);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  uint64_t row_count() const { return row_count_; }
  uint32_t block_rows() const { return block_rows_; }
  size_t block_count() const { return block_starts_.size(); }
  // First row ordinal and row count of block b.
  uint64_t block_start(size_t b) const { return block_starts_[b]; }
  uint32_t block_size(size_t b) const { return block_sizes_[b]; }
  uint64_t file_size() const { return file_size_; }
  const std::vector<SegmentColumnInfo>& columns() const { return columns_; }
  const std::vector<uint32_t>& sort_column_ids() const { return sort_column_ids_; }
  // Index into columns() of `column_id`, or -1.
  int FindColumn(uint32_t column_id) const;

  // Reads and decodes block `block` of column index `column`. Corruption on
  // checksum or format errors.
  Result<ColumnVector> ReadBlock(size_t column, size_t block) const;

 private:
  Segment() = default;

  int fd_ = -1;
  std::string path_;
  uint64_t file_size_ = 0;
  uint64_t row_count_ = 0;
  uint32_t block_rows_ = 0;
  std::vector<SegmentColumnInfo> columns_;
  std::vector<uint32_t> sort_column_ids_;
  std::vector<uint64_t> block_starts_;
  std::vector<uint32_t> block_sizes_;
};

// A column of the table as the scan should produce it: the current type and
// the value of rows written before the column existed (segments written
// before ADD COLUMN lack it).
struct ScanColumn {
  uint32_t column_id = 0;
  DataType type;
  Value missing_value;
};

struct SegmentScanOptions {
  // Every column the scan reads (projection and predicate columns).
  std::vector<ScanColumn> schema;
  // Output columns, in order: ids from `schema`, or kRowKeyColumnId.
  std::vector<uint32_t> projection;
  // ANDed; each on a column of `schema`. Checked with ValidatePredicate.
  std::vector<ColumnPredicate> predicates;
  // Rows to skip; borrowed, must outlive the scanner; may be null.
  const DeleteVector* deleted = nullptr;
  // Fill ColumnBatch::ordinals.
  bool with_ordinals = false;
  // Read only the blocks b with b % block_stride == block_offset, so that
  // block_stride scanners with offsets 0..block_stride-1 split a segment
  // between threads block by block.
  uint32_t block_stride = 1;
  uint32_t block_offset = 0;
};

struct ScanStats {
  uint64_t blocks_total = 0;    // blocks considered
  uint64_t blocks_skipped = 0;  // skipped by zone maps or delete vectors
  uint64_t blocks_decoded = 0;  // column blocks decoded
  uint64_t predicates_proven = 0;  // (block, predicate) pairs decided by the zone map alone
  uint64_t rows_produced = 0;
};

// Scans one segment block by block: per block, the zone maps of predicate
// columns decide whether to skip it, and which predicates hold for every
// row (those are not evaluated, and their columns not decoded unless
// projected); the other predicate columns are decoded and filtered, deleted rows dropped, and only then the remaining
// projected columns decoded and copied for the surviving rows (late
// materialization). Yields one batch per block with at least one row.
// Not thread-safe; the Segment and `options.deleted` must outlive it.
class SegmentScanner {
 public:
  // Errors: 42703 for a projected/predicate column id not in the schema;
  // 42804 from ValidatePredicate; XX001 when the segment stores a column
  // with another physical type than the schema's.
  static Result<std::unique_ptr<SegmentScanner>> Create(std::shared_ptr<const Segment> segment,
                                                        SegmentScanOptions options);

  // Clears *batch (column_ids/columns set to the projection) and fills it
  // with the surviving rows of the next non-empty block. Returns false at
  // the end. Errors: Corruption from block reads.
  Result<bool> Next(ColumnBatch* batch);
  const ScanStats& stats() const { return stats_; }

 private:
  SegmentScanner(std::shared_ptr<const Segment> segment, SegmentScanOptions options);

  std::shared_ptr<const Segment> segment_;
  SegmentScanOptions options_;
  // Per schema entry: index into segment columns, or -1 (missing column).
  std::vector<int> segment_index_;
  std::vector<size_t> projection_schema_;  // schema index per output column (SIZE_MAX: row key)
  std::vector<size_t> predicate_schema_;
  int row_key_index_ = -1;
  bool exhausted_ = false;
  size_t next_block_ = 0;
  ScanStats stats_;
};

// Builds the batch layout for `projection` over `schema` (column ids and
// empty vectors of the right types; kRowKeyColumnId is bytea).
void InitBatch(std::span<const ScanColumn> schema, std::span<const uint32_t> projection,
               ColumnBatch* batch);

}  // namespace strata::columnstore
