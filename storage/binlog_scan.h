#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "common/result.h"
#include "storage/lsn.h"
#include "storage/row_access.h"

namespace strata::storage {

// Reading one table's binlog records (SQL access, DESIGN §4): what
// ReadView::BinlogScan and DatabaseTransaction::BinlogScan take and return.

struct BinlogScanSpec {
  // Records with min_lsn <= lsn <= max_lsn (pushed into the RocksDB seek and
  // the iterators' upper bounds).
  Lsn min_lsn = 0;
  Lsn max_lsn = std::numeric_limits<Lsn>::max();
  // Also return heartbeat records (hg_binlog_event_type 27): per shard,
  // "every record of this shard with a timestamp up to this one has been
  // written at a lower LSN". Off by default, as in Hologres.
  bool include_heartbeats = false;
  size_t batch_rows = 1024;
};

// Output row of a binlog scan: the table's current columns, then
// hg_binlog_lsn, hg_binlog_event_type, hg_binlog_timestamp_us (all int8):
inline constexpr size_t kBinlogScanExtraColumns = 3;
// Records written under an older definition are mapped by column id:
// columns added since read the column's missing value (as old rows do),
// dropped columns are left out. Heartbeats have NULL table columns.
//
// Rows come in (lsn, seq) order across all shards, i.e. commit order and,
// within a commit, statement order (UPDATE_BEFORE directly ahead of its
// UPDATE_AFTER). Not thread-safe; must not outlive the view or transaction
// it came from.
class BinlogScanner {
 public:
  virtual ~BinlogScanner() = default;
  // Replaces batch->rows with the next rows (at most batch_rows); false
  // once exhausted. Errors: I/O (58030), corrupt records (XX001).
  virtual Result<bool> Next(RowBatch* batch) = 0;
};

}  // namespace strata::storage
