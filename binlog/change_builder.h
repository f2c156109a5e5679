#pragma once

#include <cstdint>
#include <vector>

#include "binlog/record.h"
#include "common/status.h"
#include "common/value.h"

namespace strata::binlog {

// Turns the row changes of one commit in one table shard into binlog records
// (DESIGN §4):
//   insert (after only)            -> INSERT(5)
//   delete (before only)           -> DELETE(2)
//   update (before and after)      -> UPDATE_BEFORE(3), UPDATE_AFTER(7)
//   update whose images are equal  -> nothing
// Images are full rows (the caller merges a partial update first). Two images
// are equal when their stored representations are (EncodeBinlogRowFields):
// NULL equals NULL, but numeric 1.5 differs from 1.50 and -0.0 from 0.0,
// because readers see them differently (PostgreSQL decodes such an update).
//
// Every record gets the builder's table, shard, LSN and timestamp, and
// seq_in_commit numbers the records 0, 1, 2, ... in the order they are built,
// which keeps UPDATE_BEFORE directly ahead of its UPDATE_AFTER in key order.
//
// Usage: one builder per (commit, table, shard); AddChange() per changed
// row; TakeRecords() once. Not thread-safe.
class ChangeBuilder {
 public:
  ChangeBuilder(uint32_t table_id, uint16_t shard, uint64_t lsn, int64_t timestamp_us);

  ChangeBuilder(const ChangeBuilder&) = delete;
  ChangeBuilder& operator=(const ChangeBuilder&) = delete;

  // Adds the records for one row change. `before` / `after` are the row
  // images before and after the change, nullptr when absent (insert /
  // delete); they are copied. InvalidArgument (nothing added) when both are
  // nullptr, or when both are given with different column counts.
  Status AddChange(const std::vector<Value>* before, const std::vector<Value>* after);

  // The records built so far, in seq_in_commit order.
  const std::vector<BinlogRecord>& records() const { return records_; }

  // Moves the records out; the builder continues numbering where it was.
  std::vector<BinlogRecord> TakeRecords();

 private:
  void Append(BinlogEventType type, const std::vector<Value>& row);

  const uint32_t table_id_;
  const uint16_t shard_;
  const uint64_t lsn_;
  const int64_t timestamp_us_;
  uint32_t next_seq_ = 0;
  std::vector<BinlogRecord> records_;
};

// True when both images have the same stored representation (see above).
bool RowImagesEqual(const std::vector<Value>& a, const std::vector<Value>& b);

}  // namespace strata::binlog
