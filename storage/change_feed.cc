#include "storage/change_feed.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

#include <rocksdb/write_batch.h>

#include "binlog/record.h"
#include "common/macros.h"
#include "common/sql_state.h"
#include "storage/binlog_scan.h"
#include "storage/binlog_store.h"
#include "storage/database.h"
#include "storage/engine.h"
#include "storage/rocksdb_status.h"

namespace strata::storage {

namespace {

constexpr size_t kMaxCachedTables = 4096;

std::string ReplicationStateKey(std::string_view key) {
  std::string out(binlog_store::kReplicationStatePrefix);
  out.append(key);
  return out;
}

Status RemovedError(Lsn requested, Lsn removed) {
  return Status(SqlState::kObjectNotInPrerequisiteState,
                "requested binlog position " + FormatLsn(requested) + " was removed")
      .WithDetail("Binlog records up to " + FormatLsn(removed) +
                  " were removed by retention (binlog_ttl / binlog_max_retained_bytes).");
}

}  // namespace

// Finds the definition a table had at a given LSN (binlog_store.h's
// history records), with a cache of the last answer per table.
class DefinitionResolver {
 public:
  DefinitionResolver(const ChangeFeed* feed, Database* db, Engine* engine, const Snapshot& snapshot)
      : feed_(feed), db_(db), history_(engine->NewIterator(snapshot, ColumnFamily::kBinlog)) {}

  // The definition of `table_id` that applies to changes committed at
  // `lsn`: the newest history record at or below it (a drop record at the
  // same LSN carries the definition the dropping transaction wrote with).
  Result<std::shared_ptr<const FeedTable>> Resolve(uint32_t table_id, Lsn lsn) {
    auto cached = resolved_.find(table_id);
    if (cached != resolved_.end() && cached->second.from <= lsn && lsn < cached->second.until) {
      return cached->second.table;
    }
    Resolved r;
    r.until = std::numeric_limits<Lsn>::max();
    history_->SeekForPrev(binlog::EncodeBinlogKey(table_id, binlog_store::kHistoryShard, lsn,
                                                  std::numeric_limits<uint32_t>::max()));
    bool found = false;
    if (history_->Valid()) {
      STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey key, binlog::DecodeBinlogKey(history_->key()));
      if (key.table_id == table_id && key.shard == binlog_store::kHistoryShard) {
        found = true;
        r.from = key.lsn;
        r.table = feed_->CachedTable({table_id, key.lsn});
        if (r.table == nullptr) {
          STRATA_ASSIGN_OR_RETURN(binlog_store::TableHistory h,
                                  binlog_store::DecodeTableHistory(history_->value()));
          auto t = std::make_shared<FeedTable>();
          t->id = table_id;
          t->schema_name = std::move(h.schema_name);
          t->def = std::move(h.def);
          t->defined_at = key.lsn;
          r.table = t;
          feed_->CacheTable({table_id, key.lsn}, r.table);
        }
        history_->Next();
        if (history_->Valid()) {
          STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey next, binlog::DecodeBinlogKey(history_->key()));
          if (next.table_id == table_id && next.shard == binlog_store::kHistoryShard) {
            r.until = next.lsn;
          }
        }
      }
    }
    STRATA_RETURN_IF_ERROR(history_->status());
    if (!found) {
      // No history (e.g. removed by retention together with the table's
      // older records): the current definition is the best there is.
      const CatalogSnapshotPtr catalog = db_->catalog();
      const TableDef* def = catalog->FindTableById(table_id);
      if (def == nullptr) {
        return Status::Corruption("binlog records of unknown table " + std::to_string(table_id));
      }
      auto t = std::make_shared<FeedTable>();
      t->id = table_id;
      const SchemaDef* schema = catalog->FindSchemaById(def->schema_id);
      t->schema_name = schema == nullptr ? std::string(kDefaultSchemaName) : schema->name;
      t->def = *def;
      r.table = t;
      r.from = 0;
    }
    resolved_[table_id] = r;
    return r.table;
  }

 private:
  struct Resolved {
    std::shared_ptr<const FeedTable> table;
    Lsn from = 0;
    Lsn until = 0;  // exclusive
  };

  const ChangeFeed* feed_;
  Database* db_;
  std::unique_ptr<Iterator> history_;
  std::map<uint32_t, Resolved> resolved_;
};

// One ReadFeed call: iterators at one snapshot plus per-call caches.
class ChangeFeedReader {
 public:
  ChangeFeedReader(const ChangeFeed* feed, Database* db, Engine* engine, const Snapshot& snapshot)
      : data_(engine->NewIterator(snapshot, ColumnFamily::kBinlog)),
        resolver_(feed, db, engine, snapshot) {}

  Result<FeedTransaction> ReadTransaction(Lsn lsn, const binlog_store::CommitIndexEntry& entry,
                                          const FeedReadOptions& options) {
    FeedTransaction txn;
    txn.lsn = lsn;
    txn.commit_time_us = entry.commit_time_us;
    txn.xid = entry.xid;
    std::vector<binlog::BinlogRecord> records;
    for (const binlog_store::CommitPart& part : entry.parts) {
      if (options.table_filter && !options.table_filter(part.table_id)) continue;
      data_->Seek(binlog::BinlogSeekKeyAtLsn(part.table_id, part.shard, lsn));
      for (; data_->Valid(); data_->Next()) {
        STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey key, binlog::DecodeBinlogKey(data_->key()));
        if (key.table_id != part.table_id || key.shard != part.shard || key.lsn != lsn) break;
        STRATA_ASSIGN_OR_RETURN(binlog::BinlogRecord record,
                                binlog::DecodeBinlogRecord(data_->key(), data_->value()));
        records.push_back(std::move(record));
      }
      STRATA_RETURN_IF_ERROR(data_->status());
    }
    std::sort(records.begin(), records.end(),
              [](const binlog::BinlogRecord& a, const binlog::BinlogRecord& b) {
                return a.seq_in_commit < b.seq_in_commit;
              });
    size_t next_truncate = 0;
    auto emit_truncates_before = [&](uint32_t seq) -> Status {
      while (next_truncate < entry.truncates.size() &&
             entry.truncates[next_truncate].seq < seq) {
        const binlog_store::CommitTruncate& t = entry.truncates[next_truncate++];
        FeedChange change;
        change.kind = FeedChange::Kind::kTruncate;
        change.truncate_cascade = t.cascade;
        change.truncate_restart_identity = t.restart_identity;
        for (uint32_t id : t.table_ids) {
          if (options.table_filter && !options.table_filter(id)) continue;
          STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const FeedTable> table, Resolve(id, lsn));
          change.truncated.push_back(std::move(table));
        }
        if (!change.truncated.empty()) txn.changes.push_back(std::move(change));
      }
      return Status::OK();
    };
    for (size_t i = 0; i < records.size(); ++i) {
      binlog::BinlogRecord& r = records[i];
      STRATA_RETURN_IF_ERROR(emit_truncates_before(r.seq_in_commit));
      FeedChange change;
      STRATA_ASSIGN_OR_RETURN(change.table, Resolve(r.table_id, lsn));
      change.shard = r.shard;
      switch (r.type) {
        case binlog::BinlogEventType::kInsert:
          change.kind = FeedChange::Kind::kInsert;
          change.new_row = std::move(r.row);
          break;
        case binlog::BinlogEventType::kDelete:
          change.kind = FeedChange::Kind::kDelete;
          change.old_row = std::move(r.row);
          break;
        case binlog::BinlogEventType::kUpdateBefore: {
          // Its UPDATE_AFTER has the next sequence number (possibly in
          // another shard when the update moved the row).
          if (i + 1 >= records.size() ||
              records[i + 1].type != binlog::BinlogEventType::kUpdateAfter ||
              records[i + 1].seq_in_commit != r.seq_in_commit + 1) {
            return Status::Corruption("binlog commit " + FormatLsn(lsn) +
                                      " has an UPDATE_BEFORE without its UPDATE_AFTER");
          }
          change.kind = FeedChange::Kind::kUpdate;
          change.old_row = std::move(r.row);
          change.new_row = std::move(records[i + 1].row);
          change.shard = records[i + 1].shard;
          ++i;
          break;
        }
        default:
          return Status::Corruption("binlog commit " + FormatLsn(lsn) +
                                    " has an unexpected record of type " +
                                    std::string(binlog::BinlogEventTypeName(r.type)));
      }
      txn.changes.push_back(std::move(change));
    }
    STRATA_RETURN_IF_ERROR(emit_truncates_before(std::numeric_limits<uint32_t>::max()));
    return txn;
  }

 private:
  Result<std::shared_ptr<const FeedTable>> Resolve(uint32_t table_id, Lsn lsn) {
    return resolver_.Resolve(table_id, lsn);
  }

  std::unique_ptr<Iterator> data_;
  DefinitionResolver resolver_;
};

// A table's binlog records in (lsn, seq) order: one iterator per shard that
// has records in range, merged by a min-heap on (lsn, seq, shard).
class TableBinlogScanner : public BinlogScanner {
 public:
  TableBinlogScanner(const ChangeFeed* feed, Database* db, const Snapshot& snapshot,
                     const TableDef& table, const BinlogScanSpec& spec)
      : engine_(db->engine()),
        snapshot_(snapshot),
        table_(table),
        spec_(spec),
        resolver_(feed, db, db->engine(), snapshot) {}

  Status Open() {
    if (spec_.min_lsn > spec_.max_lsn) return Status::OK();
    // Discover the shards with records in range (shard_count may have
    // changed while the table was empty; old records keep their shards).
    std::unique_ptr<Iterator> probe = engine_->NewIterator(snapshot_, ColumnFamily::kBinlog);
    uint32_t shard = 0;
    while (shard < binlog_store::kHistoryShard) {
      probe->Seek(binlog::BinlogSeekKeyAtLsn(table_.id, static_cast<uint16_t>(shard),
                                             spec_.min_lsn));
      if (!probe->Valid()) break;
      STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey key, binlog::DecodeBinlogKey(probe->key()));
      if (key.table_id != table_.id || key.shard == binlog_store::kHistoryShard) break;
      if (key.lsn <= spec_.max_lsn) {
        ReadBounds bounds;
        bounds.lower = binlog::BinlogSeekKeyAtLsn(table_.id, key.shard, spec_.min_lsn);
        bounds.upper = binlog::BinlogSeekKeyAfterLsn(table_.id, key.shard, spec_.max_lsn);
        auto it = engine_->NewIterator(snapshot_, ColumnFamily::kBinlog, std::move(bounds));
        it->SeekToFirst();
        STRATA_RETURN_IF_ERROR(Push(std::move(it)));
      }
      shard = static_cast<uint32_t>(key.shard) + 1;
    }
    return probe->status();
  }

  Result<bool> Next(RowBatch* batch) override {
    batch->Clear();
    while (!heap_.empty() && batch->rows.size() < std::max<size_t>(1, spec_.batch_rows)) {
      std::pop_heap(heap_.begin(), heap_.end(), Later);
      Entry top = std::move(heap_.back());
      heap_.pop_back();
      STRATA_ASSIGN_OR_RETURN(binlog::BinlogRecord record,
                              binlog::DecodeBinlogRecord(top.it->key(), top.it->value()));
      top.it->Next();
      STRATA_RETURN_IF_ERROR(Push(std::move(top.it)));
      if (record.type == binlog::BinlogEventType::kHeartbeat && !spec_.include_heartbeats) continue;
      STRATA_ASSIGN_OR_RETURN(Row row, ToRow(std::move(record)));
      batch->rows.push_back(std::move(row));
    }
    return !batch->rows.empty();
  }

 private:
  struct Entry {
    binlog::BinlogKey key;
    std::unique_ptr<Iterator> it;
  };
  static bool Later(const Entry& a, const Entry& b) {
    return std::tie(a.key.lsn, a.key.seq_in_commit, a.key.shard) >
           std::tie(b.key.lsn, b.key.seq_in_commit, b.key.shard);
  }

  Status Push(std::unique_ptr<Iterator> it) {
    if (!it->Valid()) return it->status();
    STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey key, binlog::DecodeBinlogKey(it->key()));
    heap_.push_back({key, std::move(it)});
    std::push_heap(heap_.begin(), heap_.end(), Later);
    return Status::OK();
  }

  Result<Row> ToRow(binlog::BinlogRecord record) {
    const size_t width = table_.columns.size();
    Row row;
    row.reserve(width + kBinlogScanExtraColumns);
    if (record.type == binlog::BinlogEventType::kHeartbeat) {
      for (const ColumnDef& c : table_.columns) row.push_back(Value::Null(c.type.id));
    } else {
      STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const FeedTable> written,
                              resolver_.Resolve(table_.id, record.lsn));
      const TableDef& old = written->def;
      bool same = old.columns.size() == width && record.row.size() == width;
      for (size_t i = 0; same && i < width; ++i) same = old.columns[i].id == table_.columns[i].id;
      if (same) {
        row = std::move(record.row);
      } else {
        for (const ColumnDef& c : table_.columns) {
          const std::optional<size_t> at = old.ColumnIndex(c.id);
          if (at.has_value() && *at < record.row.size()) {
            row.push_back(std::move(record.row[*at]));
          } else {
            row.push_back(c.missing_value.is_null() ? Value::Null(c.type.id) : c.missing_value);
          }
        }
      }
    }
    row.push_back(Value::Int8(static_cast<int64_t>(record.lsn)));
    row.push_back(Value::Int8(static_cast<int64_t>(record.type)));
    row.push_back(Value::Int8(record.timestamp_us));
    return row;
  }

  Engine* engine_;
  const Snapshot& snapshot_;
  const TableDef table_;
  const BinlogScanSpec spec_;
  DefinitionResolver resolver_;
  std::vector<Entry> heap_;
};

Result<std::unique_ptr<BinlogScanner>> NewBinlogScanner(Database* db, const Snapshot& snapshot,
                                                        const TableDef& table,
                                                        const BinlogScanSpec& spec) {
  if (table.properties.binlog_level != BinlogLevel::kReplica) {
    return Status(SqlState::kFeatureNotSupported,
                  "table \"" + table.name + "\" has no binlog")
        .WithHint("Enable it with ALTER TABLE " + table.name +
                  " SET (binlog_level = 'replica').");
  }
  auto scanner = std::make_unique<TableBinlogScanner>(&db->change_feed(), db, snapshot, table, spec);
  STRATA_RETURN_IF_ERROR(scanner->Open());
  return std::unique_ptr<BinlogScanner>(std::move(scanner));
}

ChangeFeed::ChangeFeed(Database* db) : db_(db) {}

std::shared_ptr<const FeedTable> ChangeFeed::CachedTable(const TableCacheKey& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = tables_.find(key);
  return it == tables_.end() ? nullptr : it->second;
}

void ChangeFeed::CacheTable(const TableCacheKey& key, std::shared_ptr<const FeedTable> table) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (tables_.size() >= kMaxCachedTables) tables_.clear();
  tables_[key] = std::move(table);
}

Result<FeedBatch> ChangeFeed::ReadFeed(Lsn after_lsn, const FeedReadOptions& options) const {
  Engine* engine = db_->engine();
  Snapshot snapshot = engine->TakeSnapshot();
  STRATA_ASSIGN_OR_RETURN(std::optional<std::string> removed_bytes,
                          engine->Get(snapshot, ColumnFamily::kMeta, binlog_store::kRemovedLsnKey));
  if (removed_bytes.has_value()) {
    STRATA_ASSIGN_OR_RETURN(Lsn removed, DecodeLsnBigEndian(*removed_bytes));
    if (after_lsn < removed) return RemovedError(after_lsn, removed);
  }
  FeedBatch out;
  out.snapshot_lsn = snapshot.lsn();
  out.scanned_to_lsn = std::max(after_lsn, snapshot.lsn());
  ReadBounds bounds;
  bounds.lower = binlog::BinlogSeekKeyAfterLsn(binlog_store::kCommitIndexTableId, 0, after_lsn);
  bounds.upper = binlog::BinlogKeyPrefix(binlog_store::kCommitIndexTableId, 1);
  std::unique_ptr<Iterator> index = engine->NewIterator(snapshot, ColumnFamily::kBinlog, bounds);
  ChangeFeedReader reader(this, db_, engine, snapshot);
  const size_t max_transactions = std::max<size_t>(1, options.max_transactions);
  uint64_t bytes = 0;
  for (index->SeekToFirst(); index->Valid(); index->Next()) {
    STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey key, binlog::DecodeBinlogKey(index->key()));
    STRATA_ASSIGN_OR_RETURN(binlog_store::CommitIndexEntry entry,
                            binlog_store::DecodeCommitIndex(index->value()));
    if (out.transactions.size() >= max_transactions ||
        (!out.transactions.empty() && bytes + entry.row_bytes > options.max_bytes)) {
      out.scanned_to_lsn = out.transactions.back().lsn;
      return out;
    }
    STRATA_ASSIGN_OR_RETURN(FeedTransaction txn, reader.ReadTransaction(key.lsn, entry, options));
    bytes += entry.row_bytes;
    out.transactions.push_back(std::move(txn));
  }
  STRATA_RETURN_IF_ERROR(index->status());
  return out;
}

Lsn ChangeFeed::WaitForFeed(Lsn after_lsn, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t interrupts = interrupts_;
  cv_.wait_for(lock, timeout,
               [&] { return last_feed_lsn_ > after_lsn || interrupts_ != interrupts; });
  return last_feed_lsn_;
}

void ChangeFeed::Interrupt() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++interrupts_;
  }
  cv_.notify_all();
}

Lsn ChangeFeed::last_feed_lsn() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_feed_lsn_;
}

void ChangeFeed::NotifyCommitted(Lsn lsn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lsn <= last_feed_lsn_) return;
    last_feed_lsn_ = lsn;
  }
  cv_.notify_all();
}

void ChangeFeed::SetLastFeedLsn(Lsn lsn) {
  std::lock_guard<std::mutex> lock(mu_);
  last_feed_lsn_ = std::max(last_feed_lsn_, lsn);
}

Lsn ChangeFeed::removed_lsn() const { return db_->binlog_removed_lsn(); }

void ChangeFeed::SetRetentionFloorProvider(RetentionFloorProvider provider) {
  std::lock_guard<std::mutex> lock(mu_);
  floor_ = std::move(provider);
}

std::optional<Lsn> ChangeFeed::RetentionFloor() const {
  RetentionFloorProvider provider;
  {
    std::lock_guard<std::mutex> lock(mu_);
    provider = floor_;
  }
  if (!provider) return std::nullopt;
  return provider();
}

Status ChangeFeed::PutReplicationState(std::string_view key, std::string_view value) {
  Engine* engine = db_->engine();
  rocksdb::WriteBatch batch;
  STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
      batch.Put(engine->handle(ColumnFamily::kMeta), ReplicationStateKey(key), value), "put"));
  CommitOptions options;
  options.sync = true;
  return engine->Commit(&batch, options).status();
}

Status ChangeFeed::DeleteReplicationState(std::string_view key) {
  Engine* engine = db_->engine();
  rocksdb::WriteBatch batch;
  STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
      batch.Delete(engine->handle(ColumnFamily::kMeta), ReplicationStateKey(key)), "delete"));
  CommitOptions options;
  options.sync = true;
  return engine->Commit(&batch, options).status();
}

Result<std::vector<std::pair<std::string, std::string>>> ChangeFeed::ListReplicationState() const {
  Engine* engine = db_->engine();
  Snapshot snapshot = engine->TakeSnapshot();
  ReadBounds bounds;
  bounds.lower = std::string(binlog_store::kReplicationStatePrefix);
  bounds.upper = bounds.lower;
  bounds.upper.back() = static_cast<char>(bounds.upper.back() + 1);
  std::unique_ptr<Iterator> it = engine->NewIterator(snapshot, ColumnFamily::kMeta, bounds);
  std::vector<std::pair<std::string, std::string>> out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(std::string(it->key().substr(binlog_store::kReplicationStatePrefix.size())),
                     std::string(it->value()));
  }
  STRATA_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace strata::storage
