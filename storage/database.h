#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "rowstore/row_codec.h"
#include "storage/binlog_scan.h"
#include "storage/catalog.h"
#include "storage/column_scan.h"
#include "storage/commit_pipeline.h"
#include "storage/engine.h"
#include "storage/lsn.h"
#include "storage/row_access.h"
#include "storage/snapshot.h"
#include "storage/storage_options.h"
#include "storage/transaction.h"

namespace strata::storage {

namespace binlog_store {
class ChangeBuffer;
}  // namespace binlog_store

class ChangeFeed;
class ColumnReplica;
class Database;
struct ColumnLocation;
struct ColumnReplicaStats;
struct ColumnReplicaTableInfo;

// ---- DDL requests ----

// One column of CREATE TABLE / ADD COLUMN.
struct NewColumn {
  std::string name;
  DataType type;
  bool not_null = false;
  // Column-level PRIMARY KEY. At most one column may carry it, and not
  // together with CreateTableRequest::primary_key (42P16).
  bool primary_key = false;
  // DEFAULT expression as SQL text; empty = none. Stored, never evaluated.
  std::string default_sql;
};

struct CreateTableRequest {
  TableName name;
  std::vector<NewColumn> columns;
  // Table-level PRIMARY KEY (a, b): column names in key order.
  std::vector<std::string> primary_key;
  // WITH (...) options, in order, as text; see ApplyTableProperty.
  std::vector<std::pair<std::string, std::string>> properties;
  bool if_not_exists = false;
};

struct CreateTableResult {
  // The new table, or the existing one when skipped. Valid for the
  // transaction's lifetime.
  const TableDef* table = nullptr;
  // IF NOT EXISTS hit an existing table: nothing was done; the SQL layer
  // sends NOTICE 42P07 `relation "t" already exists, skipping`.
  bool skipped = false;
};

enum class DropBehavior : uint8_t { kRestrict, kCascade };

// ---- ReadView ----

// A consistent read-only view: a storage snapshot plus the catalog as of
// that snapshot. Row reads (Get/MultiGet/Scan) behave as the same methods of
// DatabaseTransaction without own writes.
//
// Not thread-safe for concurrent use; const reads from several threads are
// fine. Must not outlive the Database.
class ReadView {
 public:
  ReadView(ReadView&&) noexcept = default;
  ReadView& operator=(ReadView&&) noexcept = default;
  ~ReadView();

  const CatalogSnapshot& catalog() const { return *catalog_; }
  const CatalogSnapshotPtr& catalog_ptr() const { return catalog_; }
  Lsn lsn() const { return snapshot_.lsn(); }
  const Snapshot& snapshot() const { return snapshot_; }

  Result<std::optional<Row>> Get(const TableDef& table, std::span<const Value> primary_key) const;
  Result<std::vector<std::optional<Row>>> MultiGet(
      const TableDef& table, std::span<const std::vector<Value>> primary_keys) const;
  Result<std::unique_ptr<RowScanner>> Scan(const TableDef& table, const ScanSpec& spec) const;
  // Scan of the column replica at this view's snapshot; see ColumnScanner.
  // Returns exactly the rows Scan returns, in unspecified order. Errors:
  // 0A000 when the table has no column replica (orientation row); 42703
  // bad projection or predicate column; 42804 predicate operand type.
  Result<std::unique_ptr<ColumnScanner>> ColumnScan(const TableDef& table,
                                                    const ColumnScanSpec& spec) const;
  // The table's binlog records at this view's snapshot; see BinlogScanner.
  // Errors: 0A000 when the table has no binlog (binlog_level none).
  Result<std::unique_ptr<BinlogScanner>> BinlogScan(const TableDef& table,
                                                    const BinlogScanSpec& spec) const;

 private:
  friend class Database;
  ReadView(Database* db, Snapshot snapshot, CatalogSnapshotPtr catalog);

  Database* db_;
  Snapshot snapshot_;
  CatalogSnapshotPtr catalog_;
};

// ---- DatabaseTransaction ----

// A snapshot-isolation (REPEATABLE READ) transaction over tables and the
// catalog: the unit in which the SQL layer runs every statement (an
// autocommit statement is a transaction of its own).
//
// Catalog: catalog() is the committed catalog as of the transaction's
// snapshot plus the DDL done in this transaction so far. On Commit the DDL
// becomes the shared catalog atomically with the data written; on Rollback
// (or destruction) nothing happened. `const TableDef*`/`const SchemaDef*`
// obtained from catalog() stay valid for the transaction's lifetime, but
// after this transaction's own DDL on a table its old TableDef is stale:
// re-fetch it. Row operations take `const TableDef&` and always use the
// transaction's current definition of that table id (42P01 if it was
// dropped here).
//
// Rows: operations address rows by primary-key values (the PK columns'
// Values in key order, each of the column's type). Reads see the snapshot
// plus this transaction's writes. Writes are buffered until Commit.
//
// Conflicts (all reported at Commit, as 40001 serialization_failure;
// nothing is written and the whole transaction must be retried):
//   - a row (primary key) written here was written by another transaction
//     that committed after this one's snapshot (first committer wins);
//     this includes two concurrent inserts of the same new key, and two
//     partial updates of different columns of the same row;
//   - a table written or read-for-DDL here was changed by DDL (ALTER, DROP,
//     TRUNCATE, properties) committed after this transaction's snapshot;
//   - DDL here conflicts with DDL committed concurrently on the same
//     catalog objects (the same table, the same schema, or the same name).
//   - DDL here that required the table to be empty (shard_count or
//     distribution_key change, ADD COLUMN NOT NULL without default) and
//     rows of that table were committed after this transaction's snapshot.
//
// Lifecycle: active until Commit or Rollback; afterwards every operation
// fails with 25P01. Any failed operation leaves the transaction usable and
// unchanged by that operation (statement-level atomicity for single calls;
// the SQL layer aborts the transaction on errors as PostgreSQL does).
//
// Not thread-safe: one session drives it. Must not outlive the Database.
class DatabaseTransaction {
 public:
  ~DatabaseTransaction();
  DatabaseTransaction(const DatabaseTransaction&) = delete;
  DatabaseTransaction& operator=(const DatabaseTransaction&) = delete;

  bool active() const { return txn_->active(); }
  // The LSN this transaction reads at.
  Lsn snapshot_lsn() const { return txn_->snapshot_lsn(); }
  // True once DDL was done here.
  bool has_ddl() const { return catalog_->has_pending_changes(); }
  // True once any row or catalog write was buffered.
  bool has_writes() const { return txn_->write_count() > 0 || !reclaim_.empty(); }

  // This transaction's id: a PostgreSQL-like 32-bit transaction id, assigned
  // on first call (Commit assigns one to every transaction that writes a
  // binlog table; the change feed reports it). Ids increase in assignment
  // order and are never handed out twice, also across restarts (blocks of
  // ids are persisted ahead of use, so a restart skips some). For
  // txid_current(). Errors: I/O persisting the next block (58030).
  Result<uint32_t> xid();
  // The id if one was assigned, else 0.
  uint32_t assigned_xid() const { return xid_; }

  // The catalog as this transaction sees it (committed snapshot + own DDL).
  const CatalogSnapshot& catalog() const { return *catalog_; }
  const CatalogSnapshotPtr& catalog_ptr() const { return catalog_; }

  // Commits data and DDL in one atomic write and returns its LSN
  // (kInvalidLsn for a transaction that wrote nothing). After success the
  // shared catalog (Database::catalog()) includes this DDL. Errors: 40001
  // on a conflict (see the class comment), otherwise as
  // CommitPipeline::Commit. On any outcome the transaction is finished.
  Result<Lsn> Commit(const CommitOptions& options = {});
  // Whether Commit() has anything to write (rows, reclaims or DDL); when
  // not, it completes at once without the commit pipeline.
  bool HasChanges() const;
  // Whether CommitAsync may be used: the transaction has changes, changed no
  // catalog object (DDL commits are serialized with catalog publication and
  // need a thread that may wait), and, if it writes binlog records, got its
  // xid without waiting (reserving a new block of xids is a synced commit;
  // then it commits synchronously). May reserve that xid.
  bool CanCommitAsync();
  // Commit() without waiting (CommitPipeline::CommitAsync): `done` gets
  // Commit()'s result on the pipeline's thread; keep it short. Until then
  // the transaction must not be used or destroyed. REQUIRES: CanCommitAsync().
  void CommitAsync(const CommitOptions& options, CommitCallback done);
  // Discards everything. No-op when already finished.
  void Rollback();

  // ---- DDL ----
  // All DDL writes catalog records into this transaction; see the class
  // comment for visibility and conflicts. A failed DDL call changes nothing.

  // Errors: 42P06 `schema "s" already exists` (unless if_not_exists: then
  // returns false = skipped, NOTICE 42P06 `schema "s" already exists,
  // skipping`); 42939 for names starting with "pg_"; returns true when
  // created.
  Result<bool> CreateSchema(std::string_view name, bool if_not_exists);
  // Drops the schema; with kCascade also its tables (each as DropTable).
  // Errors: 3F000 `schema "s" does not exist` (unless if_exists: returns
  // false, NOTICE `schema "s" does not exist, skipping`); 2BP01 `cannot drop
  // schema s because other objects depend on it` under kRestrict when it
  // has tables; 2BP01 `cannot drop schema pg_catalog because it is required
  // by the database system` for system schemas.
  Result<bool> DropSchema(std::string_view name, bool if_exists, DropBehavior behavior);

  // Creates a table. PK columns become NOT NULL. Defaults: orientation
  // row,column with a PK and column without; distribution_key = PK. A table
  // without a primary key cannot have a row orientation (42P16).
  // Errors: 3F000 unknown schema; 42501 system schema; 42P07 `relation "t"
  // already exists` (unless if_not_exists); 42701 `column "c" specified
  // more than once`; 42P16 `multiple primary keys for table "t" are not
  // allowed`; 42703 `column "c" named in key does not exist`; 0A000 for a
  // PK column whose type has no key encoding (interval, json, jsonb,
  // arrays); 22023 / 42703 from properties (ApplyTableProperty); 42P16 when
  // the distribution key is not a subset of the primary key.
  Result<CreateTableResult> CreateTable(const CreateTableRequest& request);

  // Drops the table and (at commit) reclaims its rows with DeleteRange.
  // Returns false when absent and if_exists (NOTICE `table "t" does not
  // exist, skipping`). Errors: 3F000, 42P01.
  Result<bool> DropTable(const TableName& name, bool if_exists);

  // ALTER TABLE t RENAME TO new_name (same schema). Errors: 3F000, 42P01,
  // 42P07 when new_name is taken.
  Status RenameTable(const TableName& name, std::string_view new_name);

  // ALTER TABLE t ADD COLUMN. `missing_value` is the value existing rows
  // read for it: NULL, or the (constant) DEFAULT the SQL layer evaluated,
  // already of column.type. Returns false when skipped by if_not_exists
  // (NOTICE 42701 `column "c" of relation "t" already exists, skipping`).
  // Errors: 42P01; 42701 `column "c" of relation "t" already exists`;
  // 0A000 for column.primary_key; 23502 `column "c" of relation "t"
  // contains null values` for NOT NULL with a NULL missing_value on a
  // non-empty table; 42804 when missing_value is not of column.type.
  Result<bool> AddColumn(const TableName& name, const NewColumn& column, const Value& missing_value,
                         bool if_not_exists);

  // ALTER TABLE t DROP COLUMN. Removes the column from clustering/bitmap/
  // dictionary/event-time properties. Returns false when skipped by
  // if_exists (NOTICE `column "c" of relation "t" does not exist, skipping`).
  // Errors: 42P01; 42703 `column "c" of relation "t" does not exist`;
  // 0A000 for a primary-key or distribution-key column.
  Result<bool> DropColumn(const TableName& name, std::string_view column, bool if_exists);

  // ALTER TABLE t RENAME COLUMN a TO b. Errors: 42P01; 42703 unknown
  // column; 42701 `column "b" of relation "t" already exists`.
  Status RenameColumn(const TableName& name, std::string_view column, std::string_view new_name);

  // ALTER TABLE t SET (k = v, ...) and CALL set_table_property('t', k, v):
  // applies the properties in order (see ApplyTableProperty) all-or-nothing.
  // Errors: 42P01; 22023 bad key/value; 42703 unknown column; 42P16
  // distribution key not a subset of the PK; 0A000 when changing
  // shard_count, distribution_key, clustering_key or event_time_column of
  // a non-empty table. An orientation change that adds the column replica
  // builds it from the row replica in this transaction (online; 40001 if
  // the table was written concurrently); one that removes it drops its
  // records.
  Status SetTableProperties(const TableName& name,
                            std::span<const std::pair<std::string, std::string>> properties);

  // Removes every row: the table gets a fresh relfilenode (so this
  // transaction sees it empty at once) and the old rows are reclaimed with
  // DeleteRange when the transaction commits. Errors: 3F000, 42P01.
  Status TruncateTable(const TableName& name);
  // TRUNCATE t1, t2, ... as one statement: as TruncateTable for each, and
  // the change feed reports one Truncate of the binlog tables among them
  // with these options (as PostgreSQL's logical decoding does).
  struct TruncateOptions {
    bool cascade = false;
    bool restart_identity = false;
  };
  Status TruncateTables(std::span<const TableName> names, const TruncateOptions& options);

  // ---- Row replica ----
  // `table` is resolved by id in catalog() (42P01 when dropped here);
  // rows/values must match its columns (22023 wrong width, 42804 wrong
  // kind). NOT NULL violations: 23502 `null value in column "c" of relation
  // "t" violates not-null constraint`, detail `Failing row contains (...)`.

  // INSERT of a new row. Errors: 23505 `duplicate key value violates
  // unique constraint "t_pkey"`, detail `Key (id)=(1) already exists.` when
  // the key exists in this transaction's view; 23502. Tables without a
  // primary key always insert (under a new hidden row id).
  Result<RowChange> InsertIfAbsent(const TableDef& table, Row row);

  // INSERT ... ON CONFLICT DO NOTHING: as InsertIfAbsent, but an existing
  // key leaves everything unchanged and returns an unchanged RowChange.
  Result<RowChange> InsertOrIgnore(const TableDef& table, Row row);

  // Bulk INSERT (COPY FROM): the same outcome as InsertIfAbsent on each of
  // `rows` in order, but validated as one batch: keys encoded once,
  // duplicates within the batch found by sorting, and one sorted MultiGet
  // for the keys already present. All-or-nothing: on an error nothing of
  // `rows` is written and `*failed_index` names the row whose error is
  // reported (the first one in input order that would have failed
  // row by row). Rows are coerced in place. Errors: as InsertIfAbsent.
  //
  // Rows inserted under a key that is absent from the snapshot (and not
  // written earlier here) have no committed column-replica version, so
  // they are not tracked per key for the commit stamp (no pk_index read
  // per row inside the serialized commit section).
  Status InsertRows(const TableDef& table, std::span<Row> rows, size_t* failed_index);

  // InsertRows in two steps, for a loader that encodes its next batch on
  // one thread while this transaction writes the previous one on another.
  // PrepareRows is the part that reads no transaction state -- coercion,
  // NOT NULL checks, encoding of keys and values, stopping at the first row
  // that fails -- and may run concurrently with any call on any
  // transaction. InsertPreparedRows is the rest, with InsertRows' outcome
  // and errors; `rows` prepared for another definition of the table than
  // the transaction's (DDL in between) are prepared again.
  struct PreparedRows {
    const TableDef* table = nullptr;  // the definition they were encoded for
    std::vector<Row> rows;            // coerced
    // Rows [0, valid) are encoded: values, and keys for a table with a
    // primary key. `failure` is row `valid`'s error when valid < size.
    size_t valid = 0;
    std::vector<std::string> values;
    std::vector<std::string> keys;
    Status failure;
  };
  static PreparedRows PrepareRows(const TableDef& table, std::vector<Row> rows);
  Status InsertPreparedRows(PreparedRows* prepared, size_t* failed_index);

  // Full-row upsert (replace): writes `row` whether or not its key exists.
  // before = the replaced row, if any. Errors: 23502; 0A000 for tables
  // without a primary key.
  Result<RowChange> Upsert(const TableDef& table, Row row);

  // INSERT ... ON CONFLICT (pk) DO UPDATE SET c = EXCLUDED.c for the
  // columns `update_column_ids`: if the key is absent, inserts `row` (a full
  // row: the SQL layer fills unnamed columns with their defaults); if it
  // exists, replaces only the named columns with their values from `row`
  // and keeps every other column (partial update, rowstore MergePartial).
  // Errors: 23502 (checked on the resulting row); 42703 unknown id; 0A000
  // for a primary-key column id or a table without a primary key.
  Result<RowChange> UpsertColumns(const TableDef& table, Row row,
                                  std::span<const uint32_t> update_column_ids);

  // UPDATE of named columns of the row with this key (also ON CONFLICT DO
  // UPDATE with computed values). No row: unchanged RowChange, nothing
  // written. Errors: 23502; 42703 unknown id; 22023 duplicate id; 0A000
  // when an assignment targets a primary-key column (use UpdatePrimaryKey).
  Result<RowChange> UpdateColumns(const TableDef& table, std::span<const Value> primary_key,
                                  std::span<const ColumnAssignment> assignments);

  // UPDATE that changes the primary key: deletes the row at `old_key` and
  // inserts `new_row` (a full row; its key may equal old_key). No row at
  // old_key: unchanged RowChange. Errors: 23505 when new_row's key exists
  // (and differs from old_key); 23502.
  Result<RowChange> UpdatePrimaryKey(const TableDef& table, std::span<const Value> old_key,
                                     Row new_row);

  // DELETE of the row with this key; before = the deleted row (unchanged
  // RowChange when absent).
  Result<RowChange> Delete(const TableDef& table, std::span<const Value> primary_key);

  // Locator forms (see RowLocator) for rows found by a scan, e.g. in tables
  // without a primary key. A locator of a row that is gone: unchanged
  // RowChange. UpdateColumnsAt rejects primary-key columns (0A000).
  Result<RowChange> DeleteAt(const TableDef& table, const RowLocator& locator);
  Result<RowChange> UpdateColumnsAt(const TableDef& table, const RowLocator& locator,
                                    std::span<const ColumnAssignment> assignments);

  // Point read: the row (all columns) or nullopt. Errors: 23502 for a NULL
  // key value; 22023 wrong key width; 0A000 for tables without a PK.
  Result<std::optional<Row>> Get(const TableDef& table, std::span<const Value> primary_key) const;
  // One result per key, in order (a batched Get, for IN (...) lists).
  Result<std::vector<std::optional<Row>>> MultiGet(
      const TableDef& table, std::span<const std::vector<Value>> primary_keys) const;
  // The layout for reading `columns` (indexes into the table's current
  // columns, any order, repeats allowed) out of the stored rows that
  // MultiGetStored hands out, with rowstore::FindFields. Errors: 22023 bad
  // index.
  Result<rowstore::FieldLayout> StoredRowLayout(const TableDef& table,
                                                std::span<const int> columns) const;
  // MultiGet without decoding rows: visit(i, bytes) for each key i that has
  // a row, in key order, with the row as stored (rowstore/row_codec.h
  // format; valid only during the call). Stops at visit's first error.
  Status MultiGetStored(const TableDef& table, std::span<const std::vector<Value>> primary_keys,
                        const std::function<Status(size_t, std::string_view)>& visit) const;
  // The same in two steps, so that work done between them overlaps the
  // read's first memory latencies: the row keys of `primary_keys` (errors
  // as MultiGetStored), whose cached rows start loading now; then the read
  // by those keys.
  Result<std::vector<std::string>> PrepareRowKeys(
      const TableDef& table, std::span<const std::vector<Value>> primary_keys) const;
  Status MultiGetStored(const TableDef& table, std::span<const std::string> row_keys,
                        const std::function<Status(size_t, std::string_view)>& visit) const;
  // Range scan; see ScanSpec and RowScanner. Errors: 42703 bad projection;
  // 22023 bound prefix longer than the key; 0A000 bounds on a table without
  // a primary key.
  Result<std::unique_ptr<RowScanner>> Scan(const TableDef& table, const ScanSpec& spec) const;
  // Scan of the column replica at this transaction's snapshot plus its own
  // writes; see ColumnScanner and ReadView::ColumnScan.
  Result<std::unique_ptr<ColumnScanner>> ColumnScan(const TableDef& table,
                                                    const ColumnScanSpec& spec) const;
  // The table's committed binlog records at this transaction's snapshot
  // (its own writes have no LSN yet and are not included); see
  // BinlogScanner. Errors: 42P01; 0A000 when the table has no binlog.
  Result<std::unique_ptr<BinlogScanner>> BinlogScan(const TableDef& table,
                                                    const BinlogScanSpec& spec) const;

  // The underlying storage transaction (for other storage-level writers
  // such as the binlog; not for the SQL layer).
  Transaction* storage_transaction() { return txn_.get(); }

 private:
  friend class Database;
  DatabaseTransaction(Database* db, std::unique_ptr<Transaction> txn, CatalogSnapshotPtr catalog);

  Result<const TableDef*> ResolveTable(const TableDef& table) const;
  Result<bool> TableIsEmpty(const TableDef& table);
  // Publishes `next` as this transaction's catalog view.
  void SetCatalog(CatalogSnapshotPtr next);
  Result<RowChange> InsertImpl(const TableDef& table, Row row, bool ignore_existing);
  Result<RowChange> UpdateAtKey(const TableDef& table, const std::string& key,
                                std::span<const ColumnAssignment> assignments);
  Result<RowChange> DeleteAtKey(const TableDef& table, const std::string& key);
  // Binlog part of a row write (no-op unless the table has binlog_level
  // replica): see binlog_store::ChangeBuffer::AddRowChange.
  void CaptureBinlog(const TableDef& table, std::string_view old_key, const Row* before,
                     std::string_view new_key, const Row* after);
  // Column replica part of a row write: the row at `key` becomes `row`
  // (row codec bytes; null = deleted). No-op for row-only tables.
  Status ColumnWrite(const TableDef& table, const std::string& key, const std::string* row);
  // Builds or drops the column replica for an orientation change.
  Status ChangeColumnReplica(const TableDef& before, const TableDef& after);

  // DDL helpers: write the records of `def` (replacing `old`, null for a
  // new table) or remove those of `old`, and update the private view.
  Status StoreTable(std::shared_ptr<const TableDef> def, const TableDef* old);
  Status RemoveTable(const TableDef& old);
  // REQUIRES: `table` is from catalog() and has no open column scan.
  Status TruncateOne(const TableDef& table);
  Status DropTableImpl(const TableDef& table);

  Database* const db_;
  std::unique_ptr<Transaction> txn_;
  // The committed catalog this transaction started from.
  CatalogSnapshotPtr base_catalog_;
  CatalogSnapshotPtr catalog_;
  // This transaction's DDL, replayed onto the then-current catalog at
  // commit: id -> new definition, null = dropped.
  std::map<uint32_t, std::shared_ptr<const TableDef>> table_changes_;
  std::map<uint32_t, std::shared_ptr<const SchemaDef>> schema_changes_;
  // Every catalog view handed out, so that definitions stay valid.
  std::vector<CatalogSnapshotPtr> old_catalogs_;
  // Table ids whose rows were written or whose emptiness DDL relied on.
  std::set<uint32_t> written_tables_;
  // Column scanners open per table id; writes to such a table fail (55006).
  mutable std::map<uint32_t, int> open_column_scanners_;
  Status CheckNoOpenColumnScan(const TableDef& table) const;
  std::set<uint32_t> emptiness_checked_tables_;
  // Table ids changed by DDL here.
  std::set<uint32_t> ddl_tables_;
  // relfilenodes whose rows are reclaimed (DeleteRange) at commit.
  std::vector<uint32_t> reclaim_;
  // Highest hidden row id allocated here (0: none).
  uint64_t max_row_id_ = 0;
  // Column replica: row key -> location of this transaction's version
  // (nullopt: deleted here). The committed versions are invalidated in the
  // commit stamp (ColumnReplica::ApplyTransaction).
  std::map<std::string, std::optional<ColumnLocation>> column_touched_;
  // The largest row key InsertRows has loaded in this transaction: no
  // larger key can be among its deferred (unindexed) rows.
  std::string max_loaded_row_key_;
  // Per relfilenode: whether the snapshot may hold rows of the table
  // (Transaction::SnapshotMayHaveKeyIn), asked by InsertRows once.
  std::unordered_map<uint32_t, bool> snapshot_may_have_rows_;
  // Delta rows per relfilenode written by InsertRows under keys that have
  // no committed version (not in column_touched_): counted for the flush
  // trigger at commit. Non-empty also means ColumnWrite must look for this
  // transaction's own version of an untracked key in its write buffer.
  std::map<uint32_t, int64_t> column_fresh_rows_;
  bool allocated_delta_seq_ = false;
  bool allocated_oid_ = false;
  uint32_t xid_ = 0;
  // Binlog changes of this transaction, in statement order (null until the
  // first one).
  std::unique_ptr<binlog_store::ChangeBuffer> binlog_changes_;
  // Definitions (and schema names) of tables dropped here, for the binlog
  // history record of the drop.
  std::map<uint32_t, std::pair<std::string, std::shared_ptr<const TableDef>>> dropped_tables_;
};

// ---- Database ----

// One database: the storage Engine plus its catalog. Open it once per
// data directory.
//
// Thread-safe: any number of threads may begin transactions and take read
// views concurrently. Every DatabaseTransaction, ReadView and RowScanner
// must be destroyed before the Database.
class Database {
 public:
  // Opens (creating if needed) the database in `dir`, loads the catalog and
  // creates schema "public" on first open. Errors: I/O (58030), corruption
  // of catalog records (XX001).
  static Result<std::unique_ptr<Database>> Open(const std::string& dir,
                                                const StorageOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A new transaction reading at a fresh snapshot, with the catalog of
  // exactly the commits in that snapshot.
  std::unique_ptr<DatabaseTransaction> BeginTransaction();
  // A new transaction reading at `view`'s snapshot with `view`'s catalog
  // (PostgreSQL's snapshot import): it sees exactly what `view` sees, plus
  // its own writes; a write to a key changed after the view fails its
  // commit with 40001 as usual. `view` may be released meanwhile.
  std::unique_ptr<DatabaseTransaction> BeginTransactionAt(const ReadView& view);
  // A read-only view at a fresh snapshot (cheaper than a transaction).
  ReadView TakeReadView();

  // ---- Exported snapshots (SET TRANSACTION SNAPSHOT) ----
  // A view registered under a unique name that other sessions can look up
  // while the returned handle lives; destroying the handle unregisters the
  // name (importers that already hold the view keep it). `owner` (e.g. a
  // process id) only makes the name readable, PostgreSQL style
  // ("00000003-0000001A-1"). Thread-safe.
  class SnapshotExport {
   public:
    ~SnapshotExport();
    SnapshotExport(const SnapshotExport&) = delete;
    SnapshotExport& operator=(const SnapshotExport&) = delete;
    const std::string& name() const { return name_; }
    const ReadView& view() const { return *view_; }

   private:
    friend class Database;
    SnapshotExport(Database* db, std::string name, std::shared_ptr<const ReadView> view)
        : db_(db), name_(std::move(name)), view_(std::move(view)) {}
    Database* const db_;
    const std::string name_;
    const std::shared_ptr<const ReadView> view_;
  };
  std::unique_ptr<SnapshotExport> ExportSnapshot(ReadView view, uint32_t owner);
  // The view exported under `name`, or nullptr when no live export has it.
  std::shared_ptr<const ReadView> FindExportedSnapshot(const std::string& name) const;
  // The latest committed catalog. Cheap (copies a shared_ptr).
  CatalogSnapshotPtr catalog() const;

  Engine* engine() const { return engine_.get(); }
  Lsn last_committed_lsn() const { return engine_->last_committed_lsn(); }
  // Blocks until every asynchronous commit (DatabaseTransaction::CommitAsync)
  // started so far has completed and run its callback.
  void WaitForAsyncCommits() { engine_->pipeline()->WaitForAsyncCommits(); }

  // The change feed of binlog-enabled tables (change_feed.h), for
  // replication. Valid while the Database lives.
  ChangeFeed& change_feed() const { return *change_feed_; }
  // See ChangeFeed::removed_lsn().
  Lsn binlog_removed_lsn() const { return binlog_removed_lsn_.load(); }

  // ---- Column replica maintenance ----
  // Normally run by the database's background thread
  // (StorageOptions::column_background); callable from any thread, e.g. by
  // the server's background pool. Each is serialized with the others and
  // safe against concurrent transactions: rows changed meanwhile are neither
  // lost nor resurrected.

  // Moves the table's delta (up to column_segment_max_rows rows) into a new
  // segment in one commit. No-op for unknown or row-only tables and an
  // empty delta. Errors: I/O writing the segment (58030); a commit error.
  // A table changed by DDL meanwhile is left for the next call (OK).
  Status FlushTable(uint32_t table_id);
  // FlushTable for every table with a column replica, until their deltas
  // are empty.
  Status FlushAll();
  // Merges the table's small segments and rewrites segments with many
  // deleted rows (StorageOptions::column_compact_*). No-op when nothing
  // qualifies.
  Status CompactTable(uint32_t table_id);
  // Flushes the table's whole delta (as of now) into segments, then
  // compacts; no-op for tables without a column replica (VACUUM).
  Status VacuumTable(uint32_t table_id);
  // Deletes segment files no snapshot can see any more, and drops the
  // segments of truncated/dropped tables.
  Status CollectColumnGarbage();
  ColumnReplicaStats column_stats() const;
  // `table`'s column replica as of a fresh snapshot; all zero for a table
  // without one.
  Result<ColumnReplicaTableInfo> ColumnReplicaInfo(const TableDef& table);
  // Approximate bytes the table's data occupies (row replica, primary-key
  // index and column deltas, memtables included), as RocksDB estimates
  // them for its key range; for pg_relation_size and friends. Thread-safe.
  uint64_t ApproximateTableBytes(const TableDef& table) const;

  // ---- Where maintenance runs ----
  // Runs `work` -- one round of column-replica flush / compaction / garbage
  // collection, or one binlog retention pass -- and returns when it is done.
  using MaintenanceExecutor = std::function<void(const std::function<void()>& work)>;
  // The database's background threads decide when maintenance is due; each
  // round then runs through `executor` (the server passes its `background`
  // pool: low priority, its own threads, DESIGN §6) instead of on the
  // thread itself. Null (the default) runs rounds on the background
  // threads. Waits for a round running through the previous executor, so
  // that once this returns the previous one is never called again.
  void SetMaintenanceExecutor(MaintenanceExecutor executor);
  // Runs `work` through the maintenance executor (inline without one).
  void RunMaintenance(const std::function<void()>& work);

  // ---- Binlog maintenance ----
  // Normally run by the database's background thread
  // (StorageOptions::binlog_background); callable from any thread.

  // Writes one heartbeat record (event type 27, no row) into every shard of
  // every binlog table, in one commit of its own (not in the change feed).
  // Its timestamp T is the commit's: every record of that shard with a
  // timestamp <= T has a lower LSN. No-op without binlog tables.
  Status WriteBinlogHeartbeats();
  // Removes binlog records older than their table's binlog_ttl (also of
  // dropped tables), keeping those with lsn > the RetentionFloorProvider's
  // floor unless the binlog exceeds StorageOptions::binlog_max_retained_bytes.
  // Raises ChangeFeed::removed_lsn() in the same commit.
  struct BinlogRetentionStats {
    uint64_t records_removed = 0;
    Lsn removed_lsn = kInvalidLsn;  // after this pass
    uint64_t binlog_bytes = 0;      // estimated size before the pass
    bool floor_overridden = false;  // the size limit released slot-held records
  };
  Result<BinlogRetentionStats> EnforceBinlogRetention();
  // Segment files on disk (for tests and monitoring).
  size_t column_segment_file_count() const;

 private:
  friend class ColumnReplica;
  friend class DatabaseTransaction;
  friend class ReadView;
  explicit Database(std::unique_ptr<Engine> engine);

  Status Load();
  uint32_t AllocateOid() { return next_oid_.fetch_add(1); }
  uint64_t AllocateRowIds(uint64_t count) { return next_row_id_.fetch_add(count); }
  Result<Lsn> CommitTransaction(DatabaseTransaction* txn, const CommitOptions& options);
  void CommitTransactionAsync(DatabaseTransaction* txn, const CommitOptions& options,
                              CommitCallback done);
  // The stamp of a DatabaseTransaction's commit: DDL/emptiness conflict
  // checks against the commits before it, then the records that carry its
  // LSN (binlog history and changes, relfilenode reclaims, id counters,
  // column-replica maintenance).
  Status StampCommit(const DatabaseTransaction& t, Lsn snapshot_lsn, const CommitStamp& user_stamp,
                     const std::vector<std::pair<uint32_t, std::string>>& history, bool feed,
                     Lsn lsn, rocksdb::WriteBatch* batch);
  Result<uint32_t> AllocateXid();
  // AllocateXid without waiting: nullopt when another thread holds the xid
  // lock or the next id needs a new block made durable first.
  std::optional<uint32_t> TryAllocateXid();
  // Commit time of the commit being stamped: the wall clock, but strictly
  // above every earlier commit's (so a heartbeat's timestamp bounds every
  // later record's). Only inside commit stamps (serialized by the pipeline).
  int64_t NextCommitTimestampUs();
  Status LoadBinlogState();
  void BinlogBackgroundLoop();
  void StopBinlogBackground();

  std::unique_ptr<Engine> engine_;
  // After engine_: destroyed (and stopped, in ~Database) first.
  std::unique_ptr<ColumnReplica> column_;

  // Serializes DDL commits against the start of transactions and read views:
  // held exclusively while a DDL transaction commits and publishes its
  // catalog, shared while a snapshot and its catalog are taken, so that
  // every snapshot is paired with exactly the catalog of its LSN.
  mutable std::shared_mutex ddl_mu_;
  mutable std::mutex catalog_mu_;
  CatalogSnapshotPtr catalog_;  // guarded by catalog_mu_

  // Commit-order bookkeeping, touched only inside commit stamps (which the
  // pipeline runs one at a time, in LSN order) and guarded by lsn_mu_.
  std::mutex lsn_mu_;
  std::map<uint32_t, Lsn> table_ddl_lsn_;    // table id -> LSN of its last DDL
  std::map<uint32_t, Lsn> table_write_lsn_;  // table id -> LSN of its last row write

  std::shared_mutex maintenance_executor_mu_;  // shared while a round runs through it
  MaintenanceExecutor maintenance_executor_;   // guarded by maintenance_executor_mu_

  std::unique_ptr<ChangeFeed> change_feed_;
  std::mutex binlog_bg_mu_;
  std::condition_variable binlog_bg_cv_;
  bool binlog_bg_stop_ = false;  // guarded by binlog_bg_mu_
  std::thread binlog_bg_thread_;
  std::mutex retention_mu_;  // one retention pass at a time
  std::atomic<Lsn> binlog_removed_lsn_{kInvalidLsn};
  std::atomic<int64_t> last_commit_ts_us_{0};
  std::mutex xid_mu_;
  uint32_t next_xid_ = 0;     // guarded by xid_mu_
  uint32_t xid_ceiling_ = 0;  // guarded by xid_mu_; persisted (binlog_store::kXidCeilingKey)

  std::atomic<uint32_t> next_oid_{kFirstUserOid};
  std::atomic<uint64_t> next_row_id_{1};

  mutable std::mutex exports_mu_;
  uint32_t next_export_ = 1;  // guarded by exports_mu_
  std::map<std::string, std::shared_ptr<const ReadView>> exports_;  // guarded by exports_mu_
};

}  // namespace strata::storage
