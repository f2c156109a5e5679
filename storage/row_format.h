#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/value.h"
#include "rowstore/row_codec.h"
#include "storage/catalog.h"
#include "storage/iterator.h"
#include "storage/row_access.h"
#include "storage/transaction.h"

// Internal to storage/: how a table's rows map onto the row replica's keys
// and values, shared by DatabaseTransaction and ReadView.

namespace strata::storage::row_format {

// Converts `value` to the exact TypeId of `type` when it is of the same
// value kind (int widths with a range check, float4/float8, the string
// types, timestamp/timestamptz), so that keys encode and rows store the
// column's type. NULL stays NULL. Errors: 42804 kind mismatch, 22003 int out
// of range.
Result<Value> Coerce(const DataType& type, const Value& value);

// The row codec's view of the table's current columns.
std::vector<rowstore::ColumnSpec> ColumnSpecs(const TableDef& table);

// Shard of a row from its distribution-key values (Value::Hash based).
uint16_t ShardOf(const TableDef& table, std::span<const Value> distribution_values);

// Row key from primary-key values (coerced). Errors: 22023 wrong count,
// 23502 NULL, 42804/22003 from Coerce, 0A000 table without a primary key.
Result<std::string> KeyFromPrimaryKey(const TableDef& table, std::span<const Value> primary_key);
// Row key of a full (coerced) row of a table with a primary key.
Result<std::string> KeyFromRow(const TableDef& table, std::span<const Value> row);
// Row key of a table without a primary key: hidden row id.
Result<std::string> KeyFromRowId(const TableDef& table, std::span<const Value> row,
                                 uint64_t row_id);

// Coerces a full row in place. Errors: 22023 wrong width, 42804, 22003.
Status CoerceRow(const TableDef& table, std::vector<Value>* row);
// 23502 for a NULL in a NOT NULL column.
Status CheckNotNull(const TableDef& table, std::string_view relation, std::span<const Value> row);

Result<std::vector<Value>> DecodeFullRow(const TableDef& table, std::string_view bytes);

// 23505 with PostgreSQL's message and detail for the key of `row`.
Status DuplicateKey(const TableDef& table, std::span<const Value> row);

// REQUIRES: locator is a key of this table (checked: 22023 otherwise).
Status CheckLocator(const TableDef& table, std::string_view locator);

// Builds a scanner over all shards; `open` opens an iterator for one
// shard's key range. `txn` (may be null): the transaction the iterators read
// through, whose writes between batches make the scanner re-seek.
using OpenIterator = std::function<std::unique_ptr<Iterator>(ReadBounds bounds)>;
Result<std::unique_ptr<RowScanner>> NewScanner(const TableDef& table, const ScanSpec& spec,
                                               const OpenIterator& open, const Transaction* txn);

}  // namespace strata::storage::row_format
