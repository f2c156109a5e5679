#include "storage/database.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "common/macros.h"
#include "common/sql_state.h"
#include "binlog/record.h"
#include "rowstore/key_codec.h"
#include "storage/binlog_store.h"
#include "storage/catalog_store.h"
#include "storage/change_feed.h"
#include "storage/column_replica.h"
#include "storage/rocksdb_status.h"
#include "storage/row_format.h"

namespace strata::storage {

namespace {

constexpr std::string_view kCatalogInitializedKey = "catalog_initialized";

Status SerializationFailure(std::string message) {
  return Status(SqlState::kSerializationFailure, std::move(message));
}

void PutU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

Result<uint64_t> ReadBigEndian(std::string_view bytes, size_t width) {
  if (bytes.size() != width) return Status::Corruption("malformed counter record");
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// Checks that every column id `props` names exists and the distribution key
// fits the primary key.
Status ValidateProperties(const TableDef& table, std::string_view relation) {
  const TableProperties& p = table.properties;
  if (table.has_primary_key()) {
    for (uint32_t id : p.distribution_key) {
      if (std::find(table.primary_key.begin(), table.primary_key.end(), id) ==
          table.primary_key.end()) {
        return Status(SqlState::kInvalidTableDefinition,
                      "distribution key of table \"" + std::string(relation) +
                          "\" must be a subset of its primary key");
      }
    }
    if (p.distribution_key.empty()) {
      return Status(SqlState::kInvalidTableDefinition,
                    "distribution key of table \"" + std::string(relation) +
                        "\" cannot be empty when it has a primary key");
    }
  } else if (p.orientation != Orientation::kColumn) {
    return Status(SqlState::kInvalidTableDefinition,
                  "table \"" + std::string(relation) + "\" needs a primary key for orientation \"" +
                      std::string(OrientationName(p.orientation)) + "\"");
  }
  return Status::OK();
}

void EraseId(std::vector<uint32_t>* ids, uint32_t id) {
  ids->erase(std::remove(ids->begin(), ids->end(), id), ids->end());
}

}  // namespace

// ---------------------------------------------------------------- Database

Database::Database(std::unique_ptr<Engine> engine)
    : engine_(std::move(engine)),
      column_(std::make_unique<ColumnReplica>(this, engine_.get())),
      change_feed_(std::make_unique<ChangeFeed>(this)) {}

Database::~Database() {
  // Asynchronous commits still in flight stamp with column_ and lsn_mu_ and
  // notify change_feed_: they finish before any of it goes.
  engine_->pipeline()->WaitForAsyncCommits();
  StopBinlogBackground();
  column_->Stop();
}

Status Database::FlushTable(uint32_t table_id) { return column_->FlushTable(table_id); }
Status Database::FlushAll() { return column_->FlushAll(); }
Status Database::CompactTable(uint32_t table_id) { return column_->CompactTable(table_id); }
Status Database::VacuumTable(uint32_t table_id) { return column_->VacuumTable(table_id); }
Status Database::CollectColumnGarbage() { return column_->CollectGarbage(); }
ColumnReplicaStats Database::column_stats() const { return column_->stats(); }
size_t Database::column_segment_file_count() const { return column_->SegmentFileCount(); }
Result<ColumnReplicaTableInfo> Database::ColumnReplicaInfo(const TableDef& table) {
  if (!HasColumnReplica(table)) return ColumnReplicaTableInfo{};
  const ReadView view = TakeReadView();
  return column_->TableInfo(view.snapshot(), table.relfilenode);
}

void Database::SetMaintenanceExecutor(MaintenanceExecutor executor) {
  std::unique_lock<std::shared_mutex> lock(maintenance_executor_mu_);
  maintenance_executor_ = std::move(executor);
}

void Database::RunMaintenance(const std::function<void()>& work) {
  std::shared_lock<std::shared_mutex> lock(maintenance_executor_mu_);
  if (maintenance_executor_) {
    maintenance_executor_(work);
  } else {
    work();
  }
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& dir,
                                                 const StorageOptions& options) {
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Open(dir, options));
  std::unique_ptr<Database> db(new Database(std::move(engine)));
  STRATA_RETURN_IF_ERROR(db->Load());
  STRATA_RETURN_IF_ERROR(db->LoadBinlogState());
  STRATA_RETURN_IF_ERROR(db->column_->Open());
  if (options.column_background) db->column_->StartBackground();
  if (options.binlog_background) {
    db->binlog_bg_thread_ = std::thread([raw = db.get()] { raw->BinlogBackgroundLoop(); });
  }
  return db;
}

Status Database::Load() {
  Snapshot snapshot = engine_->TakeSnapshot();
  CatalogBuilder builder;
  uint32_t max_id = kFirstUserOid - 1;
  std::vector<std::shared_ptr<const TableDef>> tables;
  {
    std::unique_ptr<Iterator> it = engine_->NewIterator(snapshot, ColumnFamily::kCatalog);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key();
      if (key.empty()) continue;
      if (key[0] == catalog_keys::kSchemaTag) {
        STRATA_ASSIGN_OR_RETURN(SchemaDef schema, DecodeSchema(it->value()));
        max_id = std::max(max_id, schema.id);
        builder.PutSchema(std::make_shared<const SchemaDef>(std::move(schema)));
      } else if (key[0] == catalog_keys::kTableTag) {
        STRATA_ASSIGN_OR_RETURN(TableDef table, DecodeTable(it->value()));
        max_id = std::max({max_id, table.id, table.relfilenode});
        tables.push_back(std::make_shared<const TableDef>(std::move(table)));
      }
    }
    STRATA_RETURN_IF_ERROR(it->status());
  }
  for (auto& table : tables) builder.PutTable(std::move(table));
  CatalogSnapshotPtr catalog = builder.Build(0, false);
  for (const TableDef* table : catalog->tables()) {
    if (catalog->FindSchemaById(table->schema_id) == nullptr) {
      return Status::Corruption("table \"" + table->name + "\" belongs to a missing schema");
    }
  }

  uint64_t next_oid = static_cast<uint64_t>(max_id) + 1;
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> oid_record,
                          engine_->Get(snapshot, ColumnFamily::kMeta, catalog_keys::kNextOidKey));
  if (oid_record.has_value()) {
    STRATA_ASSIGN_OR_RETURN(uint64_t persisted, ReadBigEndian(*oid_record, 4));
    next_oid = std::max(next_oid, persisted);
  }
  next_oid_.store(static_cast<uint32_t>(next_oid));
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> row_id_record,
                          engine_->Get(snapshot, ColumnFamily::kMeta, catalog_keys::kNextRowIdKey));
  if (row_id_record.has_value()) {
    STRATA_ASSIGN_OR_RETURN(uint64_t persisted, ReadBigEndian(*row_id_record, 8));
    next_row_id_.store(std::max<uint64_t>(1, persisted));
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> initialized,
                          engine_->Get(snapshot, ColumnFamily::kMeta, kCatalogInitializedKey));
  snapshot.Release();
  {
    std::lock_guard<std::mutex> lock(catalog_mu_);
    catalog_ = catalog;
  }
  if (initialized.has_value()) return Status::OK();

  // First open: create schema "public" and mark the catalog initialized in
  // one commit (so dropping "public" later sticks across restarts).
  const SchemaDef public_schema{kPublicSchemaId, std::string(kDefaultSchemaName), false};
  rocksdb::WriteBatch batch;
  auto put = [&](ColumnFamily cf, std::string_view k, std::string_view v) {
    return FromRocksDbStatus(batch.Put(engine_->handle(cf), rocksdb::Slice(k), rocksdb::Slice(v)),
                             "put");
  };
  STRATA_RETURN_IF_ERROR(put(ColumnFamily::kCatalog, catalog_keys::Schema(kPublicSchemaId),
                             EncodeSchema(public_schema)));
  STRATA_RETURN_IF_ERROR(put(ColumnFamily::kCatalog, catalog_keys::SchemaName(public_schema.name),
                             catalog_keys::EncodeId(kPublicSchemaId)));
  STRATA_RETURN_IF_ERROR(put(ColumnFamily::kMeta, kCatalogInitializedKey, "1"));
  STRATA_ASSIGN_OR_RETURN(Lsn lsn, engine_->Commit(&batch));
  (void)lsn;
  CatalogBuilder with_public(*catalog);
  with_public.PutSchema(std::make_shared<const SchemaDef>(public_schema));
  std::lock_guard<std::mutex> lock(catalog_mu_);
  catalog_ = with_public.Build(0, false);
  return Status::OK();
}

Status Database::LoadBinlogState() {
  Snapshot snapshot = engine_->TakeSnapshot();
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> removed,
                          engine_->Get(snapshot, ColumnFamily::kMeta, binlog_store::kRemovedLsnKey));
  if (removed.has_value()) {
    STRATA_ASSIGN_OR_RETURN(Lsn lsn, DecodeLsnBigEndian(*removed));
    binlog_removed_lsn_.store(lsn);
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> ceiling,
                          engine_->Get(snapshot, ColumnFamily::kMeta, binlog_store::kXidCeilingKey));
  {
    std::lock_guard<std::mutex> lock(xid_mu_);
    if (ceiling.has_value()) {
      STRATA_ASSIGN_OR_RETURN(uint64_t v, ReadBigEndian(*ceiling, 4));
      next_xid_ = static_cast<uint32_t>(v);
    } else {
      next_xid_ = binlog_store::kFirstXid;
    }
    xid_ceiling_ = next_xid_;
  }
  // The newest commit index entry: where the feed stands, and the commit
  // time later commits must exceed.
  ReadBounds bounds;
  bounds.lower = binlog::BinlogKeyPrefix(binlog_store::kCommitIndexTableId, 0);
  bounds.upper = binlog::BinlogKeyPrefix(binlog_store::kCommitIndexTableId, 1);
  std::unique_ptr<Iterator> it = engine_->NewIterator(snapshot, ColumnFamily::kBinlog, bounds);
  it->SeekToLast();
  if (it->Valid()) {
    STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey key, binlog::DecodeBinlogKey(it->key()));
    STRATA_ASSIGN_OR_RETURN(binlog_store::CommitIndexEntry entry,
                            binlog_store::DecodeCommitIndex(it->value()));
    change_feed_->SetLastFeedLsn(key.lsn);
    last_commit_ts_us_.store(entry.commit_time_us);
  }
  return it->status();
}

Result<uint32_t> Database::AllocateXid() {
  // Blocks of ids are made durable before any id of them is handed out, so
  // a restart (which continues at the persisted ceiling) never repeats one.
  constexpr uint32_t kXidBlock = 4096;
  std::lock_guard<std::mutex> lock(xid_mu_);
  if (next_xid_ >= xid_ceiling_) {
    const uint32_t ceiling = next_xid_ + kXidBlock;
    rocksdb::WriteBatch batch;
    STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
        batch.Put(engine_->handle(ColumnFamily::kMeta),
                  rocksdb::Slice(binlog_store::kXidCeilingKey.data(),
                                 binlog_store::kXidCeilingKey.size()),
                  rocksdb::Slice(catalog_keys::EncodeId(ceiling))),
        "put"));
    CommitOptions options;
    options.sync = true;
    STRATA_RETURN_IF_ERROR(engine_->Commit(&batch, options).status());
    xid_ceiling_ = ceiling;
  }
  return next_xid_++;
}

std::optional<uint32_t> Database::TryAllocateXid() {
  std::unique_lock<std::mutex> lock(xid_mu_, std::try_to_lock);
  if (!lock.owns_lock() || next_xid_ >= xid_ceiling_) return std::nullopt;
  return next_xid_++;
}

int64_t Database::NextCommitTimestampUs() {
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t ts = std::max(now, last_commit_ts_us_.load(std::memory_order_relaxed) + 1);
  last_commit_ts_us_.store(ts, std::memory_order_relaxed);
  return ts;
}

CatalogSnapshotPtr Database::catalog() const {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  return catalog_;
}

std::unique_ptr<DatabaseTransaction> Database::BeginTransaction() {
  std::shared_lock<std::shared_mutex> lock(ddl_mu_);
  std::unique_ptr<Transaction> txn = engine_->BeginTransaction();
  return std::unique_ptr<DatabaseTransaction>(
      new DatabaseTransaction(this, std::move(txn), catalog()));
}

std::unique_ptr<DatabaseTransaction> Database::BeginTransactionAt(const ReadView& view) {
  std::unique_ptr<Transaction> txn = std::make_unique<Transaction>(
      engine_.get(), TransactionOptions(), view.snapshot().Share());
  return std::unique_ptr<DatabaseTransaction>(
      new DatabaseTransaction(this, std::move(txn), view.catalog_ptr()));
}

std::unique_ptr<Database::SnapshotExport> Database::ExportSnapshot(ReadView view, uint32_t owner) {
  auto shared = std::make_shared<const ReadView>(std::move(view));
  std::lock_guard<std::mutex> lock(exports_mu_);
  char name[40];
  std::snprintf(name, sizeof(name), "%08X-%08X-1", owner, next_export_++);
  exports_[name] = shared;
  return std::unique_ptr<SnapshotExport>(new SnapshotExport(this, name, std::move(shared)));
}

std::shared_ptr<const ReadView> Database::FindExportedSnapshot(const std::string& name) const {
  std::lock_guard<std::mutex> lock(exports_mu_);
  auto it = exports_.find(name);
  return it == exports_.end() ? nullptr : it->second;
}

Database::SnapshotExport::~SnapshotExport() {
  std::lock_guard<std::mutex> lock(db_->exports_mu_);
  db_->exports_.erase(name_);
}

ReadView Database::TakeReadView() {
  std::shared_lock<std::shared_mutex> lock(ddl_mu_);
  Snapshot snapshot = engine_->TakeSnapshot();
  return ReadView(this, std::move(snapshot), catalog());
}

Status Database::StampCommit(const DatabaseTransaction& t, Lsn snapshot_lsn,
                             const CommitStamp& user_stamp,
                             const std::vector<std::pair<uint32_t, std::string>>& history,
                             bool feed, Lsn lsn, rocksdb::WriteBatch* batch) {
  {
    // Runs in commit order (the pipeline serializes stamps), so the maps
    // reflect exactly the commits before this one. If a later group write
    // fails, entries recorded here are too new, which can only cause
    // extra 40001s, never a missed conflict.
    std::lock_guard<std::mutex> lock(lsn_mu_);
    auto ddl_after = [&](uint32_t id) {
      const auto it = table_ddl_lsn_.find(id);
      return it != table_ddl_lsn_.end() && it->second > snapshot_lsn;
    };
    for (const std::set<uint32_t>* ids :
         {&t.written_tables_, &t.emptiness_checked_tables_, &t.ddl_tables_}) {
      for (uint32_t id : *ids) {
        if (ddl_after(id)) {
          return SerializationFailure(
              "could not serialize access due to concurrent DDL on relation with OID " +
              std::to_string(id));
        }
      }
    }
    for (uint32_t id : t.emptiness_checked_tables_) {
      const auto it = table_write_lsn_.find(id);
      if (it != table_write_lsn_.end() && it->second > snapshot_lsn) {
        return SerializationFailure(
            "could not serialize access due to concurrent writes to relation with OID " +
            std::to_string(id));
      }
    }
  }
  if (user_stamp) STRATA_RETURN_IF_ERROR(user_stamp(lsn, batch));
  rocksdb::ColumnFamilyHandle* binlog_cf = engine_->handle(ColumnFamily::kBinlog);
  for (const auto& [id, value] : history) {
    STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
        batch->Put(binlog_cf,
                   rocksdb::Slice(binlog::EncodeBinlogKey(id, binlog_store::kHistoryShard, lsn, 0)),
                   rocksdb::Slice(value)),
        "put binlog history"));
  }
  if (feed) {
    STRATA_RETURN_IF_ERROR(
        t.binlog_changes_->Write(t.xid_, lsn, NextCommitTimestampUs(), binlog_cf, batch));
  }
  for (uint32_t relfilenode : t.reclaim_) {
    const std::string begin = rowstore::TablePrefix(relfilenode);
    const std::string end = rowstore::PrefixUpperBound(begin);
    for (ColumnFamily cf : {ColumnFamily::kRows, ColumnFamily::kPkIndex, ColumnFamily::kColDelta,
                            ColumnFamily::kDelvec}) {
      STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
          batch->DeleteRange(engine_->handle(cf), rocksdb::Slice(begin), rocksdb::Slice(end)),
          "delete range"));
    }
  }
  if (t.allocated_oid_) {
    STRATA_RETURN_IF_ERROR(
        FromRocksDbStatus(batch->Put(engine_->handle(ColumnFamily::kMeta),
                                     rocksdb::Slice(catalog_keys::kNextOidKey),
                                     rocksdb::Slice(catalog_keys::EncodeId(next_oid_.load()))),
                          "put"));
  }
  if (t.max_row_id_ != 0) {
    std::string value;
    PutU64(next_row_id_.load(), &value);
    STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
        batch->Put(engine_->handle(ColumnFamily::kMeta),
                   rocksdb::Slice(catalog_keys::kNextRowIdKey), rocksdb::Slice(value)),
        "put"));
  }
  if (t.allocated_delta_seq_) {
    std::string value;
    PutU64(column_->next_delta_seq(), &value);
    STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
        batch->Put(engine_->handle(ColumnFamily::kMeta),
                   rocksdb::Slice(column_keys::kNextDeltaSeqKey), rocksdb::Slice(value)),
        "put"));
  }
  if (!t.column_touched_.empty() || !t.column_fresh_rows_.empty()) {
    // Last: it records locations for later stamps of this group, so
    // nothing after it may fail.
    const std::set<uint32_t> reclaimed(t.reclaim_.begin(), t.reclaim_.end());
    STRATA_RETURN_IF_ERROR(column_->ApplyTransaction(t.column_touched_, t.column_fresh_rows_,
                                                     reclaimed, lsn, batch));
  }
  std::lock_guard<std::mutex> lock(lsn_mu_);
  for (uint32_t id : t.written_tables_) table_write_lsn_[id] = lsn;
  for (uint32_t id : t.ddl_tables_) table_ddl_lsn_[id] = lsn;
  return Status::OK();
}

void Database::CommitTransactionAsync(DatabaseTransaction* t, const CommitOptions& options,
                                      CommitCallback done) {
  STRATA_DCHECK(t->CanCommitAsync());
  Transaction* txn = t->txn_.get();
  if (!txn->active() || (txn->write_count() == 0 && t->reclaim_.empty())) {
    done(txn->Commit(options));
    return;
  }
  const bool feed = t->binlog_changes_ != nullptr && !t->binlog_changes_->empty();
  if (feed) {
    Result<uint32_t> xid = t->xid();
    if (!xid.ok()) {
      txn->Rollback();
      done(xid.status());
      return;
    }
  }
  CommitOptions stamped = options;
  stamped.stamp = [this, t, snapshot_lsn = txn->snapshot_lsn(), user_stamp = options.stamp, feed](
                      Lsn lsn, rocksdb::WriteBatch* batch) {
    return StampCommit(*t, snapshot_lsn, user_stamp, {}, feed, lsn, batch);
  };
  txn->CommitAsync(std::move(stamped), [this, feed, done = std::move(done)](Result<Lsn> result) {
    if (result.ok() && feed) change_feed_->NotifyCommitted(*result);
    done(std::move(result));
  });
}

Result<Lsn> Database::CommitTransaction(DatabaseTransaction* t, const CommitOptions& options) {
  Transaction* txn = t->txn_.get();
  if (!txn->active()) return txn->Commit(options);  // reports 25P01
  if (txn->write_count() == 0 && t->reclaim_.empty()) return txn->Commit(options);

  const bool ddl = !t->table_changes_.empty() || !t->schema_changes_.empty();
  // DDL commits are serialized against each other and against the pairing of
  // new snapshots with catalogs (see ddl_mu_).
  std::unique_lock<std::shared_mutex> ddl_lock(ddl_mu_, std::defer_lock);
  if (ddl) {
    ddl_lock.lock();
    // A schema this transaction put tables into was dropped concurrently
    // (the table records themselves do not conflict with the schema's).
    const CatalogSnapshotPtr committed = catalog();
    for (const auto& [id, def] : t->table_changes_) {
      if (def == nullptr) continue;
      if (committed->FindSchemaById(def->schema_id) == nullptr &&
          t->base_catalog_->FindSchemaById(def->schema_id) != nullptr &&
          t->schema_changes_.count(def->schema_id) == 0) {
        txn->Rollback();
        return SerializationFailure("could not serialize access due to concurrent DROP SCHEMA");
      }
    }
    // A schema dropped here got a table from a concurrent CREATE TABLE.
    for (const auto& [id, schema] : t->schema_changes_) {
      if (schema != nullptr) continue;
      for (const TableDef* table : committed->TablesInSchema(id)) {
        const auto change = t->table_changes_.find(table->id);
        if (change == t->table_changes_.end() || change->second != nullptr) {
          txn->Rollback();
          return SerializationFailure(
              "could not serialize access due to concurrent CREATE TABLE in a dropped schema");
        }
      }
    }
  }

  const bool feed = t->binlog_changes_ != nullptr && !t->binlog_changes_->empty();
  if (feed) {
    Result<uint32_t> xid = t->xid();
    if (!xid.ok()) {
      txn->Rollback();
      return xid.status();
    }
  }
  // Definition history of binlog tables changed by DDL here (see
  // binlog_store.h), so the feed decodes each change with its columns.
  std::vector<std::pair<uint32_t, std::string>> history;
  for (const auto& [id, def] : t->table_changes_) {
    const TableDef* old = t->base_catalog_->FindTableById(id);
    const bool old_binlog =
        old != nullptr && old->properties.binlog_level == BinlogLevel::kReplica;
    if (def != nullptr) {
      if (def->properties.binlog_level != BinlogLevel::kReplica && !old_binlog) continue;
      const SchemaDef* schema = t->catalog_->FindSchemaById(def->schema_id);
      history.emplace_back(id, binlog_store::EncodeTableHistory(
                                   schema == nullptr ? "" : schema->name, *def, false));
    } else {
      const auto dropped = t->dropped_tables_.find(id);
      if (dropped == t->dropped_tables_.end()) continue;
      const TableDef& last = *dropped->second.second;
      if (last.properties.binlog_level != BinlogLevel::kReplica && !old_binlog) continue;
      history.emplace_back(id,
                           binlog_store::EncodeTableHistory(dropped->second.first, last, true));
    }
  }

  const Lsn snapshot_lsn = txn->snapshot_lsn();
  CommitOptions stamped = options;
  const CommitStamp user_stamp = options.stamp;
  stamped.stamp = [this, t, snapshot_lsn, &user_stamp, &history, feed](Lsn lsn,
                                                                       rocksdb::WriteBatch* batch) {
    return StampCommit(*t, snapshot_lsn, user_stamp, history, feed, lsn, batch);
  };
  Result<Lsn> result = txn->Commit(stamped);
  if (result.ok() && feed) change_feed_->NotifyCommitted(*result);
  if (!result.ok() || !ddl) return result;

  // Publish: replay this transaction's changes onto the current catalog
  // (other DDL may have committed since this transaction began; it touched
  // other objects, or the commit would have conflicted).
  const CatalogSnapshotPtr current = catalog();
  CatalogBuilder builder(*current);
  for (const auto& [id, schema] : t->schema_changes_) {
    if (schema == nullptr) {
      builder.RemoveSchema(id);
    } else {
      builder.PutSchema(schema);
    }
  }
  for (const auto& [id, table] : t->table_changes_) {
    if (table == nullptr) {
      builder.RemoveTable(id);
    } else {
      builder.PutTable(table);
    }
  }
  CatalogSnapshotPtr next = builder.Build(current->version() + 1, false);
  std::lock_guard<std::mutex> lock(catalog_mu_);
  catalog_ = std::move(next);
  return result;
}

// ---------------------------------------------------------------- ReadView

ReadView::ReadView(Database* db, Snapshot snapshot, CatalogSnapshotPtr catalog)
    : db_(db), snapshot_(std::move(snapshot)), catalog_(std::move(catalog)) {}

ReadView::~ReadView() = default;

Result<std::optional<Row>> ReadView::Get(const TableDef& table,
                                         std::span<const Value> primary_key) const {
  STRATA_ASSIGN_OR_RETURN(std::string key, row_format::KeyFromPrimaryKey(table, primary_key));
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                          db_->engine()->Get(snapshot_, ColumnFamily::kRows, key));
  if (!bytes.has_value()) return std::optional<Row>();
  STRATA_ASSIGN_OR_RETURN(Row row, row_format::DecodeFullRow(table, *bytes));
  return std::optional<Row>(std::move(row));
}

Result<std::vector<std::optional<Row>>> ReadView::MultiGet(
    const TableDef& table, std::span<const std::vector<Value>> primary_keys) const {
  std::vector<std::string> keys;
  keys.reserve(primary_keys.size());
  for (const std::vector<Value>& pk : primary_keys) {
    STRATA_ASSIGN_OR_RETURN(std::string key, row_format::KeyFromPrimaryKey(table, pk));
    keys.push_back(std::move(key));
  }
  std::vector<std::string_view> views(keys.begin(), keys.end());
  STRATA_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                          db_->engine()->MultiGet(snapshot_, ColumnFamily::kRows, views));
  std::vector<std::optional<Row>> rows(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].has_value()) continue;
    STRATA_ASSIGN_OR_RETURN(Row row, row_format::DecodeFullRow(table, *values[i]));
    rows[i] = std::move(row);
  }
  return rows;
}

Result<std::unique_ptr<RowScanner>> ReadView::Scan(const TableDef& table,
                                                   const ScanSpec& spec) const {
  const Engine* engine = db_->engine();
  const Snapshot* snapshot = &snapshot_;
  return row_format::NewScanner(
      table, spec,
      [engine, snapshot](ReadBounds bounds) {
        return engine->NewIterator(*snapshot, ColumnFamily::kRows, std::move(bounds));
      },
      nullptr);
}

Result<std::unique_ptr<ColumnScanner>> ReadView::ColumnScan(const TableDef& table,
                                                           const ColumnScanSpec& spec) const {
  return db_->column_->NewScanner(table, spec, snapshot_, nullptr, nullptr);
}

Result<std::unique_ptr<BinlogScanner>> ReadView::BinlogScan(const TableDef& table,
                                                           const BinlogScanSpec& spec) const {
  return NewBinlogScanner(db_, snapshot_, table, spec);
}

// ---------------------------------------------------------------- DatabaseTransaction

Result<std::unique_ptr<BinlogScanner>> DatabaseTransaction::BinlogScan(
    const TableDef& table_in, const BinlogScanSpec& spec) const {
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, ResolveTable(table_in));
  return NewBinlogScanner(db_, txn_->snapshot(), *table, spec);
}

DatabaseTransaction::DatabaseTransaction(Database* db, std::unique_ptr<Transaction> txn,
                                         CatalogSnapshotPtr catalog)
    : db_(db), txn_(std::move(txn)), base_catalog_(catalog), catalog_(std::move(catalog)) {}

DatabaseTransaction::~DatabaseTransaction() = default;

Result<Lsn> DatabaseTransaction::Commit(const CommitOptions& options) {
  return db_->CommitTransaction(this, options);
}

bool DatabaseTransaction::HasChanges() const {
  return txn_->write_count() > 0 || !reclaim_.empty() || !table_changes_.empty() ||
         !schema_changes_.empty();
}

bool DatabaseTransaction::CanCommitAsync() {
  if (!txn_->active() || !HasChanges() || !table_changes_.empty() || !schema_changes_.empty()) {
    return false;
  }
  if (xid_ == 0 && binlog_changes_ != nullptr && !binlog_changes_->empty()) {
    const std::optional<uint32_t> xid = db_->TryAllocateXid();
    if (!xid.has_value()) return false;
    xid_ = *xid;
  }
  return true;
}

void DatabaseTransaction::CommitAsync(const CommitOptions& options, CommitCallback done) {
  db_->CommitTransactionAsync(this, options, std::move(done));
}

void DatabaseTransaction::Rollback() { txn_->Rollback(); }

Result<uint32_t> DatabaseTransaction::xid() {
  if (xid_ == 0) {
    STRATA_ASSIGN_OR_RETURN(xid_, db_->AllocateXid());
  }
  return xid_;
}

void DatabaseTransaction::CaptureBinlog(const TableDef& table, std::string_view old_key,
                                        const Row* before, std::string_view new_key,
                                        const Row* after) {
  if (table.properties.binlog_level != BinlogLevel::kReplica) return;
  if (binlog_changes_ == nullptr) binlog_changes_ = std::make_unique<binlog_store::ChangeBuffer>();
  binlog_changes_->AddRowChange(table.id, old_key, before, new_key, after);
}

void DatabaseTransaction::SetCatalog(CatalogSnapshotPtr next) {
  old_catalogs_.push_back(std::move(catalog_));
  catalog_ = std::move(next);
}

Result<const TableDef*> DatabaseTransaction::ResolveTable(const TableDef& table) const {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  const TableDef* current = catalog_->FindTableById(table.id);
  if (current == nullptr) {
    return Status(SqlState::kUndefinedTable, "relation \"" + table.name + "\" does not exist");
  }
  return current;
}

Result<bool> DatabaseTransaction::TableIsEmpty(const TableDef& table) {
  emptiness_checked_tables_.insert(table.id);
  const std::string prefix = rowstore::TablePrefix(table.relfilenode);
  std::unique_ptr<Iterator> it = txn_->NewIterator(
      ColumnFamily::kRows, ReadBounds{prefix, rowstore::PrefixUpperBound(prefix)});
  if (it == nullptr) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  it->SeekToFirst();
  if (it->Valid()) return false;
  STRATA_RETURN_IF_ERROR(it->status());
  return true;
}

Status DatabaseTransaction::StoreTable(std::shared_ptr<const TableDef> def, const TableDef* old) {
  if (old != nullptr && (old->name != def->name || old->schema_id != def->schema_id)) {
    STRATA_RETURN_IF_ERROR(
        txn_->Delete(ColumnFamily::kCatalog, catalog_keys::TableName(old->schema_id, old->name)));
  }
  // The name record is rewritten every time so that concurrent DDL claiming
  // or changing this name conflicts.
  STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kCatalog,
                                   catalog_keys::TableName(def->schema_id, def->name),
                                   catalog_keys::EncodeId(def->id)));
  STRATA_RETURN_IF_ERROR(
      txn_->Put(ColumnFamily::kCatalog, catalog_keys::Table(def->id), EncodeTable(*def)));
  CatalogBuilder builder(*catalog_);
  builder.PutTable(def);
  ddl_tables_.insert(def->id);
  table_changes_[def->id] = def;
  SetCatalog(builder.Build(base_catalog_->version(), true));
  return Status::OK();
}

Status DatabaseTransaction::RemoveTable(const TableDef& old) {
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(old));
  STRATA_RETURN_IF_ERROR(
      txn_->Delete(ColumnFamily::kCatalog, catalog_keys::TableName(old.schema_id, old.name)));
  STRATA_RETURN_IF_ERROR(txn_->Delete(ColumnFamily::kCatalog, catalog_keys::Table(old.id)));
  const uint32_t id = old.id;
  const SchemaDef* schema = catalog_->FindSchemaById(old.schema_id);
  dropped_tables_[id] = {schema == nullptr ? std::string() : schema->name,
                         std::make_shared<const TableDef>(old)};
  reclaim_.push_back(old.relfilenode);
  CatalogBuilder builder(*catalog_);
  builder.RemoveTable(id);
  ddl_tables_.insert(id);
  table_changes_[id] = nullptr;
  SetCatalog(builder.Build(base_catalog_->version(), true));
  return Status::OK();
}

Status DatabaseTransaction::DropTableImpl(const TableDef& table) { return RemoveTable(table); }

Result<bool> DatabaseTransaction::CreateSchema(std::string_view name, bool if_not_exists) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  if (catalog_->FindSchema(name) != nullptr) {
    if (if_not_exists) return false;
    return Status(SqlState::kDuplicateSchema,
                  "schema \"" + std::string(name) + "\" already exists");
  }
  if (name.substr(0, 3) == "pg_") {
    return Status(SqlState::kReservedName, "unacceptable schema name \"" + std::string(name) + "\"")
        .WithDetail("The prefix \"pg_\" is reserved for system schemas.");
  }
  if (name.empty()) {
    return Status(SqlState::kInvalidSchemaName, "zero-length schema name");
  }
  auto schema =
      std::make_shared<const SchemaDef>(SchemaDef{db_->AllocateOid(), std::string(name), false});
  allocated_oid_ = true;
  STRATA_RETURN_IF_ERROR(
      txn_->Put(ColumnFamily::kCatalog, catalog_keys::Schema(schema->id), EncodeSchema(*schema)));
  STRATA_RETURN_IF_ERROR(txn_->Put(ColumnFamily::kCatalog, catalog_keys::SchemaName(schema->name),
                                   catalog_keys::EncodeId(schema->id)));
  CatalogBuilder builder(*catalog_);
  builder.PutSchema(schema);
  schema_changes_[schema->id] = schema;
  SetCatalog(builder.Build(base_catalog_->version(), true));
  return true;
}

Result<bool> DatabaseTransaction::DropSchema(std::string_view name, bool if_exists,
                                             DropBehavior behavior) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  const SchemaDef* schema = catalog_->FindSchema(name);
  if (schema == nullptr) {
    if (if_exists) return false;
    return Status(SqlState::kInvalidSchemaName,
                  "schema \"" + std::string(name) + "\" does not exist");
  }
  if (schema->is_system) {
    return Status(
        SqlState::kDependentObjectsStillExist,
        "cannot drop schema " + schema->name + " because it is required by the database system");
  }
  const std::vector<const TableDef*> tables = catalog_->TablesInSchema(schema->id);
  if (!tables.empty() && behavior == DropBehavior::kRestrict) {
    std::string detail;
    for (const TableDef* t : tables) {
      if (!detail.empty()) detail += "\n";
      detail += "table " + schema->name + "." + t->name + " depends on schema " + schema->name;
    }
    return Status(SqlState::kDependentObjectsStillExist,
                  "cannot drop schema " + schema->name + " because other objects depend on it")
        .WithDetail(std::move(detail))
        .WithHint("Use DROP ... CASCADE to drop the dependent objects too.");
  }
  const uint32_t schema_id = schema->id;
  const std::string schema_name = schema->name;
  // Copies: each RemoveTable replaces the view the pointers came from (the
  // old views stay alive in old_catalogs_, so this is only for clarity).
  for (const TableDef* t : tables) STRATA_RETURN_IF_ERROR(RemoveTable(*t));
  STRATA_RETURN_IF_ERROR(txn_->Delete(ColumnFamily::kCatalog, catalog_keys::Schema(schema_id)));
  STRATA_RETURN_IF_ERROR(
      txn_->Delete(ColumnFamily::kCatalog, catalog_keys::SchemaName(schema_name)));
  CatalogBuilder builder(*catalog_);
  builder.RemoveSchema(schema_id);
  schema_changes_[schema_id] = nullptr;
  SetCatalog(builder.Build(base_catalog_->version(), true));
  return true;
}

Result<CreateTableResult> DatabaseTransaction::CreateTable(const CreateTableRequest& request) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  STRATA_ASSIGN_OR_RETURN(const SchemaDef* schema, catalog_->GetSchema(request.name.schema));
  const std::string& name = request.name.name;
  if (schema->is_system) {
    return Status(SqlState::kInsufficientPrivilege,
                  "permission denied to create \"" + schema->name + "." + name + "\"")
        .WithDetail("System catalog modifications are currently disallowed.");
  }
  if (const TableDef* existing = catalog_->FindTable(schema->name, name); existing != nullptr) {
    if (request.if_not_exists) return CreateTableResult{existing, true};
    return Status(SqlState::kDuplicateTable, "relation \"" + name + "\" already exists");
  }
  if (name.empty()) {
    return Status(SqlState::kInvalidTableDefinition, "zero-length table name");
  }

  TableDef def;
  def.schema_id = schema->id;
  def.name = name;
  std::vector<std::string> pk_names;
  size_t pk_constraints = request.primary_key.empty() ? 0 : 1;
  for (const NewColumn& c : request.columns) {
    if (def.FindColumn(c.name) != nullptr) {
      return Status(SqlState::kDuplicateColumn,
                    "column \"" + c.name + "\" specified more than once");
    }
    if (c.type.id == TypeId::kInvalid) {
      return Status(SqlState::kDatatypeMismatch, "column \"" + c.name + "\" has no type");
    }
    ColumnDef column;
    column.id = def.next_column_id++;
    column.name = c.name;
    column.type = c.type;
    column.not_null = c.not_null;
    column.default_sql = c.default_sql;
    column.missing_value = Value();
    def.columns.push_back(std::move(column));
    if (c.primary_key) {
      ++pk_constraints;
      pk_names = {c.name};
    }
  }
  if (pk_constraints > 1) {
    return Status(SqlState::kInvalidTableDefinition,
                  "multiple primary keys for table \"" + name + "\" are not allowed");
  }
  if (!request.primary_key.empty()) pk_names = request.primary_key;
  for (const std::string& pk_name : pk_names) {
    const ColumnDef* column = def.FindColumn(pk_name);
    if (column == nullptr) {
      return Status(SqlState::kUndefinedColumn,
                    "column \"" + pk_name + "\" named in key does not exist");
    }
    if (std::find(def.primary_key.begin(), def.primary_key.end(), column->id) !=
        def.primary_key.end()) {
      return Status(SqlState::kDuplicateColumn,
                    "column \"" + pk_name + "\" appears twice in primary key constraint");
    }
    if (!rowstore::IsKeyType(column->type.id)) {
      return Status(SqlState::kFeatureNotSupported, "column \"" + pk_name + "\" of type " +
                                                        column->type.ToString() +
                                                        " cannot be part of a primary key");
    }
    def.primary_key.push_back(column->id);
  }
  for (ColumnDef& column : def.columns) {
    if (std::find(def.primary_key.begin(), def.primary_key.end(), column.id) !=
        def.primary_key.end()) {
      column.not_null = true;
    }
  }
  def.properties.orientation =
      def.has_primary_key() ? Orientation::kRowColumn : Orientation::kColumn;
  def.properties.distribution_key = def.primary_key;
  for (const auto& [key, value] : request.properties) {
    STRATA_RETURN_IF_ERROR(ApplyTableProperty(def, key, value, &def.properties));
  }
  STRATA_RETURN_IF_ERROR(ValidateProperties(def, name));

  def.id = db_->AllocateOid();
  def.relfilenode = def.id;
  allocated_oid_ = true;
  auto shared = std::make_shared<const TableDef>(std::move(def));
  // A concurrent DROP SCHEMA is caught at commit (Database::CommitTransaction).
  STRATA_RETURN_IF_ERROR(StoreTable(shared, nullptr));
  return CreateTableResult{catalog_->FindTableById(shared->id), false};
}

Result<bool> DatabaseTransaction::DropTable(const TableName& name, bool if_exists) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  Result<const TableDef*> table = catalog_->GetTable(name);
  if (!table.ok()) {
    if (if_exists && (table.status().sql_state() == SqlState::kUndefinedTable ||
                      table.status().sql_state() == SqlState::kInvalidSchemaName)) {
      return false;
    }
    return table.status();
  }
  STRATA_RETURN_IF_ERROR(DropTableImpl(**table));
  return true;
}

Status DatabaseTransaction::RenameTable(const TableName& name, std::string_view new_name) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, catalog_->GetTable(name));
  if (table->name == new_name) return Status::OK();
  const SchemaDef* schema = catalog_->FindSchemaById(table->schema_id);
  if (catalog_->FindTable(schema->name, new_name) != nullptr) {
    return Status(SqlState::kDuplicateTable,
                  "relation \"" + std::string(new_name) + "\" already exists");
  }
  TableDef def = *table;
  def.name = std::string(new_name);
  ++def.schema_version;
  return StoreTable(std::make_shared<const TableDef>(std::move(def)), table);
}

Result<bool> DatabaseTransaction::AddColumn(const TableName& name, const NewColumn& column,
                                            const Value& missing_value, bool if_not_exists) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, catalog_->GetTable(name));
  if (table->FindColumn(column.name) != nullptr) {
    if (if_not_exists) return false;
    return Status(SqlState::kDuplicateColumn, "column \"" + column.name + "\" of relation \"" +
                                                  table->name + "\" already exists");
  }
  if (column.primary_key) {
    return Status(SqlState::kFeatureNotSupported,
                  "cannot add a primary key column to an existing table");
  }
  if (column.type.id == TypeId::kInvalid) {
    return Status(SqlState::kDatatypeMismatch, "column \"" + column.name + "\" has no type");
  }
  Value missing;
  if (!missing_value.is_null()) {
    STRATA_ASSIGN_OR_RETURN(missing, row_format::Coerce(column.type, missing_value));
  }
  if (column.not_null && missing.is_null()) {
    STRATA_ASSIGN_OR_RETURN(bool empty, TableIsEmpty(*table));
    if (!empty) {
      return Status(SqlState::kNotNullViolation, "column \"" + column.name + "\" of relation \"" +
                                                     table->name + "\" contains null values");
    }
  }
  TableDef def = *table;
  ColumnDef c;
  c.id = def.next_column_id++;
  c.name = column.name;
  c.type = column.type;
  c.not_null = column.not_null;
  c.default_sql = column.default_sql;
  c.missing_value = std::move(missing);
  def.columns.push_back(std::move(c));
  ++def.schema_version;
  STRATA_RETURN_IF_ERROR(StoreTable(std::make_shared<const TableDef>(std::move(def)), table));
  return true;
}

Result<bool> DatabaseTransaction::DropColumn(const TableName& name, std::string_view column_name,
                                             bool if_exists) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, catalog_->GetTable(name));
  const ColumnDef* column = table->FindColumn(column_name);
  if (column == nullptr) {
    if (if_exists) return false;
    return Status(SqlState::kUndefinedColumn, "column \"" + std::string(column_name) +
                                                  "\" of relation \"" + table->name +
                                                  "\" does not exist");
  }
  const uint32_t id = column->id;
  auto contains = [id](const std::vector<uint32_t>& ids) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  if (contains(table->primary_key)) {
    return Status(SqlState::kFeatureNotSupported, "cannot drop column \"" + column->name +
                                                      "\" of table \"" + table->name +
                                                      "\" because it is part of the primary key");
  }
  if (contains(table->properties.distribution_key)) {
    return Status(SqlState::kFeatureNotSupported,
                  "cannot drop column \"" + column->name + "\" of table \"" + table->name +
                      "\" because it is part of the distribution key");
  }
  TableDef def = *table;
  def.columns.erase(def.columns.begin() + static_cast<std::ptrdiff_t>(*def.ColumnIndex(id)));
  EraseId(&def.properties.clustering_key, id);
  EraseId(&def.properties.dictionary_encoding_columns, id);
  EraseId(&def.properties.bitmap_columns, id);
  if (def.properties.event_time_column == id) def.properties.event_time_column.reset();
  ++def.schema_version;
  STRATA_RETURN_IF_ERROR(StoreTable(std::make_shared<const TableDef>(std::move(def)), table));
  return true;
}

Status DatabaseTransaction::RenameColumn(const TableName& name, std::string_view column_name,
                                         std::string_view new_name) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, catalog_->GetTable(name));
  const ColumnDef* column = table->FindColumn(column_name);
  if (column == nullptr) {
    return Status(SqlState::kUndefinedColumn,
                  "column \"" + std::string(column_name) + "\" does not exist");
  }
  if (column_name == new_name) return Status::OK();
  if (table->FindColumn(new_name) != nullptr) {
    return Status(SqlState::kDuplicateColumn, "column \"" + std::string(new_name) +
                                                  "\" of relation \"" + table->name +
                                                  "\" already exists");
  }
  TableDef def = *table;
  def.columns[*def.ColumnIndex(column->id)].name = std::string(new_name);
  ++def.schema_version;
  return StoreTable(std::make_shared<const TableDef>(std::move(def)), table);
}

Status DatabaseTransaction::SetTableProperties(
    const TableName& name, std::span<const std::pair<std::string, std::string>> properties) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  STRATA_ASSIGN_OR_RETURN(const TableDef* table, catalog_->GetTable(name));
  TableDef def = *table;
  for (const auto& [key, value] : properties) {
    STRATA_RETURN_IF_ERROR(ApplyTableProperty(def, key, value, &def.properties));
  }
  STRATA_RETURN_IF_ERROR(ValidateProperties(def, def.name));
  const TableProperties& before = table->properties;
  const TableProperties& after = def.properties;
  const char* layout_change = nullptr;
  if (before.shard_count != after.shard_count) {
    layout_change = "shard_count";
  } else if (before.distribution_key != after.distribution_key) {
    layout_change = "distribution_key";
  } else if (before.clustering_key != after.clustering_key) {
    layout_change = "clustering_key";
  } else if (before.event_time_column != after.event_time_column) {
    layout_change = "event_time_column";
  }
  if (layout_change != nullptr) {
    STRATA_ASSIGN_OR_RETURN(bool empty, TableIsEmpty(*table));
    if (!empty) {
      return Status(SqlState::kFeatureNotSupported, std::string("cannot change ") + layout_change +
                                                        " of non-empty table \"" + table->name +
                                                        "\"");
    }
  }
  if (def.properties == table->properties) return Status::OK();
  if (HasColumnReplica(*table) != HasColumnReplica(def)) {
    STRATA_RETURN_IF_ERROR(ChangeColumnReplica(*table, def));
  }
  ++def.schema_version;
  return StoreTable(std::make_shared<const TableDef>(std::move(def)), table);
}

// The row replica (kRows) holds every table's rows whatever its
// orientation (it also enforces primary keys), so adding the column replica
// builds it from there inside this transaction, at its snapshot: every row
// becomes a delta row exactly as an insert would write it, and commits with
// the catalog change. Dropping it deletes its records in the same
// transaction (segment files no manifest names are removed by garbage
// collection). Online: readers and writers go on; a write to the table
// committed after this transaction's snapshot fails it with 40001 (the
// emptiness check's rule), and writers that started before the change fail
// at commit because of the DDL.
Status DatabaseTransaction::ChangeColumnReplica(const TableDef& before, const TableDef& after) {
  STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(before));
  // Reads (and deletes) this transaction's column records through its index.
  if (txn_->has_deferred_writes()) STRATA_RETURN_IF_ERROR(txn_->IndexDeferredWrites());
  emptiness_checked_tables_.insert(before.id);
  const std::string prefix = rowstore::TablePrefix(before.relfilenode);
  const ReadBounds bounds{prefix, rowstore::PrefixUpperBound(prefix)};
  auto each = [&](ColumnFamily cf, ReadBounds b,
                  const std::function<Status(std::string_view, std::string_view)>& fn) -> Status {
    std::vector<std::pair<std::string, std::string>> entries;
    {
      std::unique_ptr<Iterator> it = txn_->NewIterator(cf, std::move(b));
      if (it == nullptr) {
        return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
      }
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        entries.emplace_back(std::string(it->key()), std::string(it->value()));
      }
      STRATA_RETURN_IF_ERROR(it->status());
    }
    for (const auto& [k, v] : entries) STRATA_RETURN_IF_ERROR(fn(k, v));
    return Status::OK();
  };
  if (HasColumnReplica(after)) {
    return each(ColumnFamily::kRows, bounds, [&](std::string_view key, std::string_view row) {
      const std::string value(row);
      return ColumnWrite(after, std::string(key), &value);
    });
  }
  for (const ColumnFamily cf : {ColumnFamily::kColDelta, ColumnFamily::kPkIndex, ColumnFamily::kDelvec}) {
    STRATA_RETURN_IF_ERROR(each(cf, bounds, [&](std::string_view key, std::string_view) {
      return txn_->Delete(cf, std::string(key));
    }));
  }
  const std::string manifest = column_keys::ManifestPrefix(before.relfilenode);
  STRATA_RETURN_IF_ERROR(each(ColumnFamily::kMeta,
                              ReadBounds{manifest, rowstore::PrefixUpperBound(manifest)},
                              [&](std::string_view key, std::string_view) {
                                return txn_->Delete(ColumnFamily::kMeta, std::string(key));
                              }));
  for (auto it = column_touched_.begin(); it != column_touched_.end();) {
    it = std::string_view(it->first).starts_with(prefix) ? column_touched_.erase(it) : std::next(it);
  }
  column_fresh_rows_.erase(before.relfilenode);
  return Status::OK();
}

Status DatabaseTransaction::TruncateTable(const TableName& name) {
  return TruncateTables(std::span<const TableName>(&name, 1), TruncateOptions{});
}

Status DatabaseTransaction::TruncateTables(std::span<const TableName> names,
                                           const TruncateOptions& options) {
  // Resolve all first: the statement truncates all of them or none.
  std::vector<const TableDef*> tables;
  for (const TableName& name : names) {
    if (!txn_->active()) {
      return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
    }
    STRATA_ASSIGN_OR_RETURN(const TableDef* table, catalog_->GetTable(name));
    STRATA_RETURN_IF_ERROR(CheckNoOpenColumnScan(*table));
    if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(table);
  }
  std::vector<uint32_t> binlog_tables;
  for (const TableDef* table : tables) {
    if (table->properties.binlog_level == BinlogLevel::kReplica) binlog_tables.push_back(table->id);
    STRATA_RETURN_IF_ERROR(TruncateOne(*table));
  }
  if (!binlog_tables.empty()) {
    if (binlog_changes_ == nullptr) {
      binlog_changes_ = std::make_unique<binlog_store::ChangeBuffer>();
    }
    binlog_changes_->AddTruncate(std::move(binlog_tables), options.cascade,
                                 options.restart_identity);
  }
  return Status::OK();
}

Status DatabaseTransaction::TruncateOne(const TableDef& table_ref) {
  if (!txn_->active()) {
    return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
  }
  const TableDef* table = &table_ref;
  TableDef def = *table;
  def.relfilenode = db_->AllocateOid();
  allocated_oid_ = true;
  ++def.schema_version;
  const uint32_t old_relfilenode = table->relfilenode;
  STRATA_RETURN_IF_ERROR(StoreTable(std::make_shared<const TableDef>(std::move(def)), table));
  reclaim_.push_back(old_relfilenode);
  return Status::OK();
}

uint64_t Database::ApproximateTableBytes(const TableDef& table) const {
  const std::string begin = rowstore::TablePrefix(table.relfilenode);
  const std::string end = rowstore::PrefixUpperBound(begin);
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  options.include_files = true;
  const rocksdb::Range range(begin, end);
  uint64_t total = 0;
  for (ColumnFamily cf : {ColumnFamily::kRows, ColumnFamily::kPkIndex, ColumnFamily::kColDelta}) {
    uint64_t size = 0;
    if (engine_->db()->GetApproximateSizes(options, engine_->handle(cf), &range, 1, &size).ok()) total += size;
  }
  return total;
}

}  // namespace strata::storage
