#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/value.h"

namespace strata::storage {

// Types shared by the row-replica operations of DatabaseTransaction and
// ReadView (database.h).

// A full row: one Value per column of the table, in TableDef::columns order
// (attnum order). Each value is NULL or of its column's type (the SQL layer
// coerces before calling in; a value of another kind fails with 42804).
using Row = std::vector<Value>;

// Opaque address of one stored row (its key). Obtained from a scan with
// ScanSpec::with_locators; accepted by DeleteAt/UpdateColumnsAt. Needed for
// tables without a primary key, whose rows have no other address. Valid
// until the table is truncated or dropped.
using RowLocator = std::string;

// What a write did, for RETURNING and the binlog: the row before and after
// the write, each a full row in the table's column order.
//   insert:          before = nullopt, after = new row
//   update / upsert: before = old row (nullopt if there was none), after = new row
//   delete:          before = old row, after = nullopt
//   nothing changed (DO NOTHING hit, update/delete of a missing key):
//                    both nullopt
struct RowChange {
  std::optional<Row> before;
  std::optional<Row> after;

  bool changed() const { return before.has_value() || after.has_value(); }
};

// One new value for an existing row: column id -> value (NULL or of the
// column's type).
struct ColumnAssignment {
  uint32_t column_id = 0;
  Value value;
};

// One side of a scan range over the primary key: a prefix of the key's
// columns (in key order; values of the key columns' types; may be empty =
// unbounded). `inclusive` decides whether rows whose key starts with
// `prefix` are included.
//   lower {prefix (1), inclusive}  -> id >= 1      upper {(5), inclusive} -> id <= 5
//   lower {prefix (1), exclusive}  -> id > 1       upper {(5), exclusive} -> id < 5
// For composite keys (a, b): lower {(1), exclusive} -> a > 1;
// upper {(1, 7), inclusive} -> (a, b) <= (1, 7).
struct KeyBound {
  std::vector<Value> prefix;
  bool inclusive = true;
};

struct ScanSpec {
  // nullopt: unbounded. Ignored (REQUIRES nullopt) for tables without a
  // primary key.
  std::optional<KeyBound> lower;
  std::optional<KeyBound> upper;
  // Column ids to return, in this order; empty = all columns in table order.
  // An id not in the table fails with 42703.
  std::vector<uint32_t> projection;
  // Fill RowBatch::locators.
  bool with_locators = false;
  // Maximum rows per batch (>= 1).
  size_t batch_rows = 1024;
};

// A batch of scanned rows: rows[i] holds the projected values;
// locators[i] (only with ScanSpec::with_locators) addresses it.
struct RowBatch {
  std::vector<Row> rows;
  std::vector<RowLocator> locators;

  void Clear() {
    rows.clear();
    locators.clear();
  }
};

// Iterates a table's rows in primary-key order (for tables without a
// primary key: insertion order), merging all shards, at the read point of
// the DatabaseTransaction or ReadView that created it. Through a
// transaction, its own writes are visible, and the transaction may write
// between Next() calls (e.g. UPDATE/DELETE of the rows of the previous
// batch): the scan continues after the last row returned. Rows the
// transaction writes ahead of the scan position may then be returned too,
// so an UPDATE that moves rows forward in key order must collect its
// targets first (PostgreSQL's "Halloween problem").
//
// Not thread-safe. Must not outlive the DatabaseTransaction/ReadView that
// created it.
class RowScanner {
 public:
  class Impl;
  explicit RowScanner(std::unique_ptr<Impl> impl);
  ~RowScanner();
  RowScanner(const RowScanner&) = delete;
  RowScanner& operator=(const RowScanner&) = delete;

  // Clears *batch and fills it with up to ScanSpec::batch_rows rows.
  // Returns false (with an empty batch) when the scan is exhausted. Errors:
  // read errors (58030), corruption (XX001); the scanner is then finished.
  Result<bool> Next(RowBatch* batch);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::storage
