// Row-replica operations of DatabaseTransaction (declared in database.h).

#include <algorithm>
#include <utility>

#include "common/macros.h"
#include "common/sql_state.h"
#include "rowstore/key_codec.h"
#include "rowstore/row_codec.h"
#include "storage/column_replica.h"
#include "storage/database.h"
#include "storage/iterator.h"
#include "storage/row_format.h"

namespace strata::storage {

namespace {

Status NoPrimaryKey(const TableDef& table) {
  return Status(SqlState::kFeatureNotSupported, "table \"" + table.name + "\" has no primary key");
}

// Validates and coerces assignments against `table`; returns them as row
// codec updates. `forbid_distribution` additionally rejects distribution-key
// columns (rows without a primary key are placed by them).
Result<std::vector<rowstore::ColumnUpdate>> PrepareAssignments(
    const TableDef& table, std::span<const ColumnAssignment> assignments,
    bool forbid_distribution) {
  std::vector<rowstore::ColumnUpdate> updates;
  updates.reserve(assignments.size());
  for (const ColumnAssignment& a : assignments) {
    const ColumnDef* column = table.FindColumnById(a.column_id);
    if (column == nullptr) {
      return Status(SqlState::kUndefinedColumn, "column id " + std::to_string(a.column_id) +
                                                    " of relation \"" + table.name +
                                                    "\" does not exist");
    }
    const auto& pk = table.primary_key;
    if (std::find(pk.begin(), pk.end(), a.column_id) != pk.end()) {
      return Status(SqlState::kFeatureNotSupported, "cannot update primary key column \"" +
                                                        column->name +
                                                        "\" in place; use UpdatePrimaryKey");
    }
    const auto& dist = table.properties.distribution_key;
    if (forbid_distribution && std::find(dist.begin(), dist.end(), a.column_id) != dist.end()) {
      return Status(SqlState::kFeatureNotSupported,
                    "cannot update distribution key column \"" + column->name + "\"");
    }
    for (const rowstore::ColumnUpdate& u : updates) {
      if (u.id == a.column_id) {
        return Status(SqlState::kInvalidParameterValue,
                      "multiple assignments to same column \"" + column->name + "\"");
      }
    }
    Result<Value> v = row_format::Coerce(column->type, a.value);
    if (!v.ok()) return v.status().Prepend("column \"" + column->name + "\"");
    updates.push_back({a.column_id, std::move(v).value()});
  }
  return updates;
}

}  // namespace

Result<RowChange> DatabaseTransaction::InsertImpl(const TableDef& table_in, Row row,
                                                  bool ignore_existing) {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  STRATA_RETURN_IF_ERROR(row_format::CoerceRow(*table, &row));
  STRATA_RETURN_IF_ERROR(row_format::CheckNotNull(*table, table->name, row));
  const std::vector<rowstore::ColumnSpec> specs = row_format::ColumnSpecs(*table);
  STRATA_ASSIGN_OR_RETURN(std::string value, rowstore::EncodeRow(specs, row));
  std::string key;
  if (table->has_primary_key()) {
    STRATA_ASSIGN_OR_RETURN(key, row_format::KeyFromRow(*table, row));
    STRATA_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                            txn_->Get(ColumnFamily::kRows, key));
    if (existing.has_value()) {
      if (ignore_existing) return RowChange{};
      return row_format::DuplicateKey(*table, row);
    }
  } else {
    const uint64_t row_id = db_->AllocateRowIds(1);
    max_row_id_ = std::max(max_row_id_, row_id);
    STRATA_ASSIGN_OR_RETURN(key, row_format::KeyFromRowId(*table, row, row_id));
  }
  STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kRows, key, value));
  STRATA_RETURN_IF_ERROR(ColumnWrite(*table, key, &value));
  written_tables_.insert(table->id);
  CaptureBinlog(*table, {}, nullptr, key, &row);
  return RowChange{std::nullopt, std::move(row)};
}

Status DatabaseTransaction::InsertRows(const TableDef& table_in, std::span<Row> rows,
                                       size_t* failed_index) {
  *failed_index = 0;
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  PreparedRows prepared = PrepareRows(
      *table,
      std::vector<Row>(std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end())));
  Status s = InsertPreparedRows(&prepared, failed_index);
  // The caller sees its rows coerced, as before the move.
  std::move(prepared.rows.begin(), prepared.rows.end(), rows.begin());
  return s;
}

DatabaseTransaction::PreparedRows DatabaseTransaction::PrepareRows(const TableDef& table,
                                                                   std::vector<Row> rows) {
  PreparedRows out;
  out.table = &table;
  out.rows = std::move(rows);
  const size_t n = out.rows.size();
  const std::vector<rowstore::ColumnSpec> specs = row_format::ColumnSpecs(table);
  out.values.resize(n);
  if (table.has_primary_key()) out.keys.resize(n);
  // Row by row; the first failure stops the batch (InsertPreparedRows
  // reports it unless a duplicate comes earlier).
  for (; out.valid < n; ++out.valid) {
    Row& row = out.rows[out.valid];
    Status s = row_format::CoerceRow(table, &row);
    if (s.ok()) s = row_format::CheckNotNull(table, table.name, row);
    if (s.ok()) {
      Result<std::string> value = rowstore::EncodeRow(specs, row);
      if (!value.ok()) {
        s = value.status();
      } else {
        out.values[out.valid] = std::move(value).value();
      }
    }
    if (s.ok() && table.has_primary_key()) {
      Result<std::string> key = row_format::KeyFromRow(table, row);
      if (!key.ok()) {
        s = key.status();
      } else {
        out.keys[out.valid] = std::move(key).value();
      }
    }
    if (!s.ok()) {
      out.failure = std::move(s);
      break;
    }
  }
  return out;
}

Status DatabaseTransaction::InsertPreparedRows(PreparedRows* prepared, size_t* failed_index) {
  *failed_index = 0;
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(*prepared->table));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  if (table != prepared->table) *prepared = PrepareRows(*table, std::move(prepared->rows));
  std::span<Row> rows = prepared->rows;
  if (rows.empty()) return Status::OK();
  std::vector<std::string>& values = prepared->values;
  std::vector<std::string>& keys = prepared->keys;
  keys.resize(rows.size());
  size_t limit = prepared->valid;
  Status failure = prepared->failure;

  if (table->has_primary_key()) {
    // Sorted by (key, input position): of equal keys all but the first
    // would fail, and RocksDB's MultiGet takes sorted keys cheapest.
    std::vector<uint32_t> order(limit);
    for (size_t i = 0; i < limit; ++i) order[i] = static_cast<uint32_t>(i);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      const int c = keys[a].compare(keys[b]);
      return c != 0 ? c < 0 : a < b;
    });
    size_t first_duplicate = limit;
    std::vector<std::string_view> unique_keys;
    std::vector<uint32_t> unique_rows;
    unique_keys.reserve(limit);
    unique_rows.reserve(limit);
    for (size_t j = 0; j < order.size(); ++j) {
      if (j > 0 && keys[order[j]] == keys[order[j - 1]]) {
        first_duplicate = std::min<size_t>(first_duplicate, order[j]);
        continue;
      }
      unique_keys.push_back(keys[order[j]]);
      unique_rows.push_back(order[j]);
    }
    // A key may exist in the snapshot or among this transaction's indexed
    // writes -- one MultiGet, skipped when a seek finds the table empty at
    // the snapshot and nothing is indexed (a load into a new or empty
    // table) -- or among the rows it loaded earlier, which are still
    // unindexed (see below) and checked by key; only keys up to the largest
    // loaded so far can be (an ordered load never checks).
    bool may_exist = txn_->HasIndexedWrites(ColumnFamily::kRows);
    if (!may_exist) {
      // The snapshot does not change: asked once per table.
      const auto cached = snapshot_may_have_rows_.find(table->relfilenode);
      if (cached != snapshot_may_have_rows_.end()) {
        may_exist = cached->second;
      } else {
        const std::string prefix = rowstore::TablePrefix(table->relfilenode);
        STRATA_ASSIGN_OR_RETURN(
            may_exist,
            txn_->SnapshotMayHaveKeyIn(ColumnFamily::kRows,
                                       ReadBounds{prefix, rowstore::PrefixUpperBound(prefix)}));
        snapshot_may_have_rows_.emplace(table->relfilenode, may_exist);
      }
    }
    std::vector<std::optional<std::string>> existing(unique_keys.size());
    if (may_exist) {
      STRATA_ASSIGN_OR_RETURN(existing,
                              txn_->MultiGetWithoutDeferred(ColumnFamily::kRows, unique_keys,
                                                            /*sorted=*/true));
    }
    const bool may_be_loaded = !unique_keys.empty() && !max_loaded_row_key_.empty() &&
                               unique_keys.front() <= std::string_view(max_loaded_row_key_);
    for (size_t j = 0; j < existing.size(); ++j) {
      if (existing[j].has_value() ||
          (may_be_loaded && txn_->HasDeferredPut(ColumnFamily::kRows, unique_keys[j]))) {
        first_duplicate = std::min<size_t>(first_duplicate, unique_rows[j]);
      }
    }
    if (first_duplicate < limit) {
      limit = first_duplicate;
      failure = row_format::DuplicateKey(*table, rows[first_duplicate]);
    }
  }
  if (!failure.ok()) {
    *failed_index = limit;
    return failure;
  }

  if (!table->has_primary_key()) {
    const uint64_t first_id = db_->AllocateRowIds(rows.size());
    max_row_id_ = std::max<uint64_t>(max_row_id_, first_id + rows.size() - 1);
    for (size_t i = 0; i < rows.size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(keys[i], row_format::KeyFromRowId(*table, rows[i], first_id + i));
    }
  }
  // From here on only buffer appends, which do not fail short of running
  // out of memory.
  const bool column = HasColumnReplica(*table);
  int64_t fresh = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    // Deferred: a bulk load's rows skip the transaction's read index until
    // something reads or updates rows (Transaction::PutDeferred).
    STRATA_RETURN_IF_ERROR(
        txn_->PutDeferred(ColumnFamily::kRows, keys[i], values[i], /*tracked=*/true));
    if (column) {
      if (column_touched_.count(keys[i]) != 0) {
        // Deleted earlier in this transaction: its committed version is
        // invalidated at commit like any touched row's.
        STRATA_RETURN_IF_ERROR(ColumnWrite(*table, keys[i], &values[i]));
      } else {
        // Deferred (unindexed): only column scans, ColumnWrite and
        // column-replica DDL read these back, and they index them first.
        const uint64_t seq = db_->column_->AllocateDeltaSeq();
        STRATA_RETURN_IF_ERROR(txn_->PutDeferred(ColumnFamily::kColDelta,
                                                 column_keys::Delta(table->relfilenode, seq),
                                                 column_keys::EncodeDeltaValue(keys[i], values[i])));
        STRATA_RETURN_IF_ERROR(txn_->PutDeferred(ColumnFamily::kPkIndex, keys[i],
                                                 column_keys::EncodeLocation({false, seq, 0})));
        ++fresh;
      }
    }
    CaptureBinlog(*table, {}, nullptr, keys[i], &rows[i]);
  }
  if (table->has_primary_key()) {
    const std::string& largest = *std::max_element(keys.begin(), keys.end());
    if (largest > max_loaded_row_key_) max_loaded_row_key_ = largest;
  }
  if (fresh > 0) {
    allocated_delta_seq_ = true;
    column_fresh_rows_[table->relfilenode] += fresh;
  }
  written_tables_.insert(table->id);
  return Status::OK();
}

Result<RowChange> DatabaseTransaction::InsertIfAbsent(const TableDef& table, Row row) {
  return InsertImpl(table, std::move(row), /*ignore_existing=*/false);
}

Result<RowChange> DatabaseTransaction::InsertOrIgnore(const TableDef& table, Row row) {
  return InsertImpl(table, std::move(row), /*ignore_existing=*/true);
}

Result<RowChange> DatabaseTransaction::Upsert(const TableDef& table_in, Row row) {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  if (!table->has_primary_key()) return NoPrimaryKey(*table);
  STRATA_RETURN_IF_ERROR(row_format::CoerceRow(*table, &row));
  STRATA_RETURN_IF_ERROR(row_format::CheckNotNull(*table, table->name, row));
  const std::vector<rowstore::ColumnSpec> specs = row_format::ColumnSpecs(*table);
  STRATA_ASSIGN_OR_RETURN(std::string value, rowstore::EncodeRow(specs, row));
  STRATA_ASSIGN_OR_RETURN(std::string key, row_format::KeyFromRow(*table, row));
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> existing, txn_->Get(ColumnFamily::kRows, key));
  RowChange change;
  if (existing.has_value()) {
    STRATA_ASSIGN_OR_RETURN(Row before, rowstore::DecodeRow(*existing, specs));
    change.before = std::move(before);
  }
  STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kRows, key, value));
  STRATA_RETURN_IF_ERROR(ColumnWrite(*table, key, &value));
  written_tables_.insert(table->id);
  CaptureBinlog(*table, key, change.before.has_value() ? &*change.before : nullptr, key, &row);
  change.after = std::move(row);
  return change;
}

Result<RowChange> DatabaseTransaction::UpsertColumns(const TableDef& table_in, Row row,
                                                     std::span<const uint32_t> update_column_ids) {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  if (!table->has_primary_key()) return NoPrimaryKey(*table);
  STRATA_RETURN_IF_ERROR(row_format::CoerceRow(*table, &row));
  // As in PostgreSQL, the proposed row must satisfy NOT NULL whether or not
  // it ends up inserted.
  STRATA_RETURN_IF_ERROR(row_format::CheckNotNull(*table, table->name, row));
  std::vector<ColumnAssignment> assignments;
  assignments.reserve(update_column_ids.size());
  for (uint32_t id : update_column_ids) {
    const std::optional<size_t> index = table->ColumnIndex(id);
    if (!index.has_value()) {
      return Status(SqlState::kUndefinedColumn, "column id " + std::to_string(id) +
                                                    " of relation \"" + table->name +
                                                    "\" does not exist");
    }
    assignments.push_back({id, row[*index]});
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<rowstore::ColumnUpdate> updates,
                          PrepareAssignments(*table, assignments, false));
  STRATA_ASSIGN_OR_RETURN(std::string key, row_format::KeyFromRow(*table, row));
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> existing, txn_->Get(ColumnFamily::kRows, key));
  const std::vector<rowstore::ColumnSpec> specs = row_format::ColumnSpecs(*table);
  if (!existing.has_value()) {
    STRATA_ASSIGN_OR_RETURN(std::string value, rowstore::EncodeRow(specs, row));
    STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kRows, key, value));
    STRATA_RETURN_IF_ERROR(ColumnWrite(*table, key, &value));
    written_tables_.insert(table->id);
    CaptureBinlog(*table, {}, nullptr, key, &row);
    return RowChange{std::nullopt, std::move(row)};
  }
  STRATA_ASSIGN_OR_RETURN(Row before, rowstore::DecodeRow(*existing, specs));
  Row after = before;
  for (const rowstore::ColumnUpdate& u : updates) after[*table->ColumnIndex(u.id)] = u.value;
  STRATA_ASSIGN_OR_RETURN(std::string merged, rowstore::MergePartial(*existing, updates));
  STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kRows, key, merged));
  STRATA_RETURN_IF_ERROR(ColumnWrite(*table, key, &merged));
  written_tables_.insert(table->id);
  CaptureBinlog(*table, key, &before, key, &after);
  return RowChange{std::move(before), std::move(after)};
}

Result<RowChange> DatabaseTransaction::UpdateAtKey(const TableDef& table, const std::string& key,
                                                   std::span<const ColumnAssignment> assignments) {
  STRATA_ASSIGN_OR_RETURN(
      std::vector<rowstore::ColumnUpdate> updates,
      PrepareAssignments(table, assignments, /*forbid_distribution=*/!table.has_primary_key()));
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> existing, txn_->Get(ColumnFamily::kRows, key));
  if (!existing.has_value()) return RowChange{};
  const std::vector<rowstore::ColumnSpec> specs = row_format::ColumnSpecs(table);
  STRATA_ASSIGN_OR_RETURN(Row before, rowstore::DecodeRow(*existing, specs));
  Row after = before;
  for (const rowstore::ColumnUpdate& u : updates) after[*table.ColumnIndex(u.id)] = u.value;
  STRATA_RETURN_IF_ERROR(row_format::CheckNotNull(table, table.name, after));
  STRATA_ASSIGN_OR_RETURN(std::string merged, rowstore::MergePartial(*existing, updates));
  STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kRows, key, merged));
  STRATA_RETURN_IF_ERROR(ColumnWrite(table, key, &merged));
  written_tables_.insert(table.id);
  CaptureBinlog(table, key, &before, key, &after);
  return RowChange{std::move(before), std::move(after)};
}

Result<RowChange> DatabaseTransaction::UpdateColumns(
    const TableDef& table_in, std::span<const Value> primary_key,
    std::span<const ColumnAssignment> assignments) {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  STRATA_ASSIGN_OR_RETURN(std::string key, row_format::KeyFromPrimaryKey(*table, primary_key));
  return UpdateAtKey(*table, key, assignments);
}

Result<RowChange> DatabaseTransaction::UpdateColumnsAt(
    const TableDef& table_in, const RowLocator& locator,
    std::span<const ColumnAssignment> assignments) {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  STRATA_RETURN_IF_ERROR(row_format::CheckLocator(*table, locator));
  return UpdateAtKey(*table, locator, assignments);
}

Result<RowChange> DatabaseTransaction::UpdatePrimaryKey(const TableDef& table_in,
                                                        std::span<const Value> old_key,
                                                        Row new_row) {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  if (!table->has_primary_key()) return NoPrimaryKey(*table);
  STRATA_ASSIGN_OR_RETURN(std::string old_key_bytes,
                          row_format::KeyFromPrimaryKey(*table, old_key));
  STRATA_RETURN_IF_ERROR(row_format::CoerceRow(*table, &new_row));
  STRATA_RETURN_IF_ERROR(row_format::CheckNotNull(*table, table->name, new_row));
  const std::vector<rowstore::ColumnSpec> specs = row_format::ColumnSpecs(*table);
  STRATA_ASSIGN_OR_RETURN(std::string value, rowstore::EncodeRow(specs, new_row));
  STRATA_ASSIGN_OR_RETURN(std::string new_key, row_format::KeyFromRow(*table, new_row));
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                          txn_->Get(ColumnFamily::kRows, old_key_bytes));
  if (!existing.has_value()) return RowChange{};
  STRATA_ASSIGN_OR_RETURN(Row before, rowstore::DecodeRow(*existing, specs));
  if (new_key != old_key_bytes) {
    STRATA_ASSIGN_OR_RETURN(std::optional<std::string> clash,
                            txn_->Get(ColumnFamily::kRows, new_key));
    if (clash.has_value()) return row_format::DuplicateKey(*table, new_row);
    STRATA_RETURN_IF_ERROR(txn_->Delete(ColumnFamily::kRows, old_key_bytes));
    STRATA_RETURN_IF_ERROR(ColumnWrite(*table, old_key_bytes, nullptr));
  }
  STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kRows, new_key, value));
  STRATA_RETURN_IF_ERROR(ColumnWrite(*table, new_key, &value));
  written_tables_.insert(table->id);
  CaptureBinlog(*table, old_key_bytes, &before, new_key, &new_row);
  return RowChange{std::move(before), std::move(new_row)};
}

Result<RowChange> DatabaseTransaction::DeleteAtKey(const TableDef& table, const std::string& key) {
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> existing, txn_->Get(ColumnFamily::kRows, key));
  if (!existing.has_value()) return RowChange{};
  STRATA_ASSIGN_OR_RETURN(Row before, row_format::DecodeFullRow(table, *existing));
  STRATA_RETURN_IF_ERROR(txn_->Delete(ColumnFamily::kRows, key));
  STRATA_RETURN_IF_ERROR(ColumnWrite(table, key, nullptr));
  written_tables_.insert(table.id);
  CaptureBinlog(table, key, &before, {}, nullptr);
  return RowChange{std::move(before), std::nullopt};
}

Result<RowChange> DatabaseTransaction::Delete(const TableDef& table_in,
                                              std::span<const Value> primary_key) {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  STRATA_ASSIGN_OR_RETURN(std::string key, row_format::KeyFromPrimaryKey(*table, primary_key));
  return DeleteAtKey(*table, key);
}

Result<RowChange> DatabaseTransaction::DeleteAt(const TableDef& table_in,
                                                const RowLocator& locator) {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
  STRATA_RETURN_IF_ERROR(row_format::CheckLocator(*table, locator));
  return DeleteAtKey(*table, locator);
}

Result<std::optional<Row>> DatabaseTransaction::Get(const TableDef& table_in,
                                                    std::span<const Value> primary_key) const {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  STRATA_ASSIGN_OR_RETURN(std::string key, row_format::KeyFromPrimaryKey(*table, primary_key));
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> bytes, txn_->Get(ColumnFamily::kRows, key));
  if (!bytes.has_value()) return std::optional<Row>();
  STRATA_ASSIGN_OR_RETURN(Row row, row_format::DecodeFullRow(*table, *bytes));
  return std::optional<Row>(std::move(row));
}

Result<std::vector<std::optional<Row>>> DatabaseTransaction::MultiGet(
    const TableDef& table_in, std::span<const std::vector<Value>> primary_keys) const {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  const std::vector<rowstore::ColumnSpec> specs = row_format::ColumnSpecs(*table);
  std::vector<std::optional<Row>> rows(primary_keys.size());
  auto decode = [&](size_t i, std::string_view bytes) -> Status {
    STRATA_ASSIGN_OR_RETURN(Row row, rowstore::DecodeRow(bytes, specs));
    rows[i] = std::move(row);
    return Status::OK();
  };
  STRATA_RETURN_IF_ERROR(MultiGetStored(*table, primary_keys, decode));
  return rows;
}

Result<rowstore::FieldLayout> DatabaseTransaction::StoredRowLayout(
    const TableDef& table_in, std::span<const int> columns) const {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  std::vector<rowstore::ColumnSpec> specs;
  specs.reserve(columns.size());
  for (const int i : columns) {
    if (i < 0 || static_cast<size_t>(i) >= table->columns.size()) {
      return Status(SqlState::kInvalidParameterValue,
                    "column " + std::to_string(i) + " is not a column of " + table->name);
    }
    const ColumnDef& c = table->columns[static_cast<size_t>(i)];
    specs.push_back({c.id, c.type, c.missing_value});
  }
  return rowstore::FieldLayout(std::move(specs));
}

Status DatabaseTransaction::MultiGetStored(
    const TableDef& table, std::span<const std::vector<Value>> primary_keys,
    const std::function<Status(size_t, std::string_view)>& visit) const {
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> keys, PrepareRowKeys(table, primary_keys));
  return MultiGetStored(table, keys, visit);
}

Result<std::vector<std::string>> DatabaseTransaction::PrepareRowKeys(
    const TableDef& table_in, std::span<const std::vector<Value>> primary_keys) const {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  std::vector<std::string> keys;
  keys.reserve(primary_keys.size());
  for (const std::vector<Value>& pk : primary_keys) {
    STRATA_ASSIGN_OR_RETURN(std::string key, row_format::KeyFromPrimaryKey(*table, pk));
    keys.push_back(std::move(key));
  }
  txn_->PrefetchRows(keys);
  return keys;
}

Status DatabaseTransaction::MultiGetStored(
    const TableDef& table_in, std::span<const std::string> keys,
    const std::function<Status(size_t, std::string_view)>& visit) const {
  STRATA_RETURN_IF_ERROR(ResolveTable(table_in).status());
  if (keys.size() == 1) {
    // A point read: nothing to sort or de-duplicate.
    const std::string_view key(keys[0]);
    PinnedValues value;
    STRATA_RETURN_IF_ERROR(txn_->MultiGetPinned(ColumnFamily::kRows,
                                                std::span<const std::string_view>(&key, 1),
                                                /*sorted=*/true, &value));
    const std::optional<std::string_view> bytes = value.at(0);
    return bytes.has_value() ? visit(0, *bytes) : Status::OK();
  }
  // RocksDB reads sorted, distinct keys cheapest; slot[i] is key i's
  // position among them.
  std::vector<uint32_t> order(keys.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return keys[a] < keys[b]; });
  std::vector<std::string_view> sorted;
  sorted.reserve(keys.size());
  std::vector<uint32_t> slot(keys.size());
  for (const uint32_t i : order) {
    if (sorted.empty() || sorted.back() != keys[i]) sorted.push_back(keys[i]);
    slot[i] = static_cast<uint32_t>(sorted.size() - 1);
  }
  PinnedValues values;
  STRATA_RETURN_IF_ERROR(txn_->MultiGetPinned(ColumnFamily::kRows, sorted, /*sorted=*/true, &values));
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::optional<std::string_view> bytes = values.at(slot[i]);
    if (bytes.has_value()) STRATA_RETURN_IF_ERROR(visit(i, *bytes));
  }
  return Status::OK();
}

Result<std::unique_ptr<RowScanner>> DatabaseTransaction::Scan(const TableDef& table_in,
                                                              const ScanSpec& spec) const {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  const Transaction* txn = txn_.get();
  return row_format::NewScanner(
      *table, spec,
      [txn](ReadBounds bounds) { return txn->NewIterator(ColumnFamily::kRows, std::move(bounds)); },
      txn);
}

Status DatabaseTransaction::ColumnWrite(const TableDef& table, const std::string& key,
                                        const std::string* row) {
  if (!HasColumnReplica(table)) return Status::OK();
  if (txn_->has_deferred_writes()) STRATA_RETURN_IF_ERROR(txn_->IndexDeferredWrites());
  // Only this transaction's own earlier version is removed here; the
  // committed version is invalidated at commit, against the location it has
  // then (a flush or compaction may move it meanwhile).
  const auto it = column_touched_.find(key);
  if (it != column_touched_.end() && it->second.has_value() && !it->second->in_segment) {
    STRATA_RETURN_IF_ERROR(txn_->Delete(ColumnFamily::kColDelta,
                                        column_keys::Delta(table.relfilenode, it->second->id)));
  } else if (it == column_touched_.end() && column_fresh_rows_.count(table.relfilenode) != 0) {
    // InsertRows may have written this key without tracking it; its own
    // pk_index entry says where that version is.
    STRATA_ASSIGN_OR_RETURN(std::optional<std::string> own,
                            txn_->GetOwnWrite(ColumnFamily::kPkIndex, key));
    if (own.has_value()) {
      STRATA_ASSIGN_OR_RETURN(ColumnLocation location, column_keys::DecodeLocation(*own));
      if (!location.in_segment) {
        STRATA_RETURN_IF_ERROR(txn_->Delete(ColumnFamily::kColDelta,
                                            column_keys::Delta(table.relfilenode, location.id)));
        // Now tracked; it still has no committed version, and the stamp
        // finds none for it.
        --column_fresh_rows_[table.relfilenode];
      }
    }
  }
  if (row == nullptr) {
    STRATA_RETURN_IF_ERROR(txn_->Delete(ColumnFamily::kPkIndex, key));
    column_touched_[key] = std::nullopt;
    return Status::OK();
  }
  const ColumnLocation location{false, db_->column_->AllocateDeltaSeq(), 0};
  allocated_delta_seq_ = true;
  STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kColDelta,
                                   column_keys::Delta(table.relfilenode, location.id),
                                   column_keys::EncodeDeltaValue(key, *row)));
  STRATA_RETURN_IF_ERROR(
      txn_->Put(ColumnFamily::kPkIndex, key, column_keys::EncodeLocation(location)));
  column_touched_[key] = location;
  return Status::OK();
}

Result<std::unique_ptr<ColumnScanner>> DatabaseTransaction::ColumnScan(
    const TableDef& table_in, const ColumnScanSpec& spec) const {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  // The scan reads this transaction's delta rows through its index.
  if (txn_->has_deferred_writes()) STRATA_RETURN_IF_ERROR(txn_->IndexDeferredWrites());
  STRATA_ASSIGN_OR_RETURN(
      std::unique_ptr<ColumnScanner> scanner,
      db_->column_->NewScanner(*table, spec, txn_->snapshot(), txn_.get(), &column_touched_));
  const uint32_t id = table->id;
  ++open_column_scanners_[id];
  // The scanner must not outlive this transaction (column_scan.h), so the
  // callback's `this` stays valid.
  scanner->SetOnClose([this, id] {
    if (--open_column_scanners_[id] == 0) open_column_scanners_.erase(id);
  });
  return scanner;
}

Status DatabaseTransaction::CheckNoOpenColumnScan(const TableDef& table) const {
  if (open_column_scanners_.count(table.id) == 0) return Status::OK();
  return Status(SqlState::kObjectInUse,
                "cannot modify table \"" + table.name +
                    "\" because it is being read by an open portal or cursor in this transaction")
      .WithHint("Fetch the remaining rows or close the portal first.");
}

}  // namespace strata::storage
