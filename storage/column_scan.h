#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "columnstore/column_vector.h"
#include "columnstore/predicate.h"
#include "common/result.h"

namespace strata::storage {

// What a column-replica scan reads (ReadView::ColumnScan,
// DatabaseTransaction::ColumnScan).
struct ColumnScanSpec {
  // Column ids to return, in this order; empty = all columns in table
  // order. An id not in the table fails with 42703.
  std::vector<uint32_t> projection;
  // ANDed filters, evaluated in the scan (zone maps skip whole blocks of
  // segments). Columns need not be projected. Operands must be of the
  // column's value kind (42804 otherwise) -- the planner coerces.
  std::vector<columnstore::ColumnPredicate> predicates;
  // Maximum rows per batch produced from the delta (segment batches hold
  // one block's surviving rows, at most the segment block size).
  size_t delta_batch_rows = 2048;
  // Parallel scans: this scanner reads only every `partitions`-th block of
  // the snapshot's segments (counting blocks across segments in manifest
  // order, starting at `partition`), and the delta only when partition == 0. The scanners of partitions 0..n-1 at
  // one read point together read exactly the rows of one unpartitioned
  // scan. Each may run on its own thread.
  uint32_t partitions = 1;
  uint32_t partition = 0;
};

struct ColumnScanStats {
  uint64_t segments = 0;        // segments visible at the snapshot
  uint64_t segments_pruned = 0; // skipped whole by zone maps (event-time pruning)
  uint64_t blocks_total = 0;    // segment blocks considered
  uint64_t blocks_skipped = 0;  // skipped by zone maps / delete vectors
  uint64_t blocks_decoded = 0;  // column blocks decompressed
  uint64_t predicates_proven = 0;  // (block, predicate) pairs the zone map decided for every row
  uint64_t delta_rows = 0;      // delta rows read (before predicates)
  uint64_t rows_produced = 0;
};

// Iterates the rows of a table's column replica at the read point of the
// ReadView or DatabaseTransaction that created it, in column batches: the
// segments of the manifest as of that snapshot minus their delete vectors
// as of that snapshot, then the delta as of that snapshot (through a
// transaction: plus its own writes, minus the rows it replaced). The row
// set equals what Scan over the row replica returns at the same point;
// the order is unspecified (not primary-key order).
//
// Not thread-safe. Must not outlive its ReadView/DatabaseTransaction. While
// a transaction has a ColumnScanner of a table open, its writes to that
// table (row operations, TRUNCATE, DROP) fail with 55006 object_in_use: the
// scanner reads the transaction's own writes through an iterator that a
// write would invalidate. Take the rows to change first (or finish a
// suspended portal).
class ColumnScanner {
 public:
  class Impl;
  explicit ColumnScanner(std::unique_ptr<Impl> impl);
  ~ColumnScanner();
  ColumnScanner(const ColumnScanner&) = delete;
  ColumnScanner& operator=(const ColumnScanner&) = delete;

  // Resets *batch to the projection (column_ids and empty typed vectors)
  // and fills it with the next non-empty group of rows. Returns false when
  // the scan is exhausted. Errors: read errors (58030), corruption (XX001);
  // the scanner is then finished.
  Result<bool> Next(columnstore::ColumnBatch* batch);
  ColumnScanStats stats() const;

  // Called once when the scanner is destroyed (the transaction uses it to
  // count the scanners open on each table).
  void SetOnClose(std::function<void()> on_close) { on_close_ = std::move(on_close); }

 private:
  std::unique_ptr<Impl> impl_;
  std::function<void()> on_close_;
};

}  // namespace strata::storage
