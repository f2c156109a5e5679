// Binlog heartbeats, retention and their background thread (declared in
// database.h).

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "binlog/record.h"
#include "common/macros.h"
#include "storage/binlog_store.h"
#include "storage/change_feed.h"
#include "storage/database.h"
#include "storage/rocksdb_status.h"

namespace strata::storage {

namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The key right after `key` (DeleteRange's end is exclusive).
std::string Successor(std::string key) {
  key.push_back('\0');
  return key;
}

}  // namespace

Status Database::WriteBinlogHeartbeats() {
  std::vector<std::pair<uint32_t, uint32_t>> shards;  // table id, shard count
  {
    const CatalogSnapshotPtr current = catalog();
    for (const TableDef* t : current->tables()) {
      if (t->properties.binlog_level == BinlogLevel::kReplica) {
        shards.emplace_back(t->id, t->properties.shard_count);
      }
    }
  }
  if (shards.empty()) return Status::OK();
  rocksdb::ColumnFamilyHandle* cf = engine_->handle(ColumnFamily::kBinlog);
  rocksdb::WriteBatch batch;
  CommitOptions options;
  // A heartbeat lost in a crash is harmless: a later one replaces it.
  options.sync = false;
  options.stamp = [&](Lsn lsn, rocksdb::WriteBatch* b) -> Status {
    std::string value;
    binlog::AppendBinlogValueHeader(binlog::BinlogEventType::kHeartbeat, NextCommitTimestampUs(),
                                    &value);
    binlog::EncodeBinlogRowFields({}, &value);
    for (const auto& [table_id, count] : shards) {
      for (uint32_t s = 0; s < count; ++s) {
        STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
            b->Put(cf, binlog::EncodeBinlogKey(table_id, static_cast<uint16_t>(s), lsn, 0), value),
            "put binlog heartbeat"));
      }
    }
    return Status::OK();
  };
  return engine_->Commit(&batch, options).status();
}

Result<Database::BinlogRetentionStats> Database::EnforceBinlogRetention() {
  std::lock_guard<std::mutex> lock(retention_mu_);
  BinlogRetentionStats stats;
  const StorageOptions& options = engine_->options();
  rocksdb::ColumnFamilyHandle* cf = engine_->handle(ColumnFamily::kBinlog);
  uint64_t live = 0;
  uint64_t memtables = 0;
  engine_->db()->GetIntProperty(cf, "rocksdb.estimate-live-data-size", &live);
  engine_->db()->GetIntProperty(cf, "rocksdb.cur-size-all-mem-tables", &memtables);
  stats.binlog_bytes = live + memtables;
  const std::optional<Lsn> floor = change_feed_->RetentionFloor();
  const bool over_limit = stats.binlog_bytes > options.binlog_max_retained_bytes;
  // Records above this LSN are kept for the slots (none once over the size limit).
  const Lsn keep_after =
      (over_limit || !floor.has_value()) ? std::numeric_limits<Lsn>::max() : *floor;
  const int64_t now = NowUs();

  Snapshot snapshot = engine_->TakeSnapshot();
  const CatalogSnapshotPtr current = catalog();
  std::unique_ptr<Iterator> it = engine_->NewIterator(snapshot, ColumnFamily::kBinlog);
  std::unique_ptr<Iterator> history = engine_->NewIterator(snapshot, ColumnFamily::kBinlog);
  rocksdb::WriteBatch batch;
  Lsn max_removed = kInvalidLsn;

  // Every table with records, including dropped ones (their TTL comes from
  // the last definition history record).
  uint64_t table = binlog_store::kCommitIndexTableId + 1;
  while (table <= std::numeric_limits<uint32_t>::max()) {
    it->Seek(binlog::BinlogKeyPrefix(static_cast<uint32_t>(table), 0));
    if (!it->Valid()) break;
    STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey first, binlog::DecodeBinlogKey(it->key()));
    const uint32_t table_id = first.table_id;
    int64_t ttl_s = TableProperties{}.binlog_ttl_seconds;
    if (const TableDef* def = current->FindTableById(table_id); def != nullptr) {
      ttl_s = def->properties.binlog_ttl_seconds;
    } else {
      history->SeekForPrev(binlog::EncodeBinlogKey(table_id, binlog_store::kHistoryShard,
                                                   std::numeric_limits<Lsn>::max(),
                                                   std::numeric_limits<uint32_t>::max()));
      if (history->Valid()) {
        STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey hk, binlog::DecodeBinlogKey(history->key()));
        if (hk.table_id == table_id && hk.shard == binlog_store::kHistoryShard) {
          STRATA_ASSIGN_OR_RETURN(binlog_store::TableHistory h,
                                  binlog_store::DecodeTableHistory(history->value()));
          ttl_s = h.def.properties.binlog_ttl_seconds;
        }
      }
      STRATA_RETURN_IF_ERROR(history->status());
    }
    const int64_t threshold = now - ttl_s * 1'000'000;
    uint32_t shard = first.shard;
    while (shard < binlog_store::kHistoryShard) {
      it->Seek(binlog::BinlogKeyPrefix(table_id, static_cast<uint16_t>(shard)));
      if (!it->Valid()) break;
      STRATA_ASSIGN_OR_RETURN(binlog::BinlogKey key, binlog::DecodeBinlogKey(it->key()));
      if (key.table_id != table_id || key.shard == binlog_store::kHistoryShard) break;
      shard = key.shard;
      std::string last;
      for (; it->Valid(); it->Next()) {
        STRATA_ASSIGN_OR_RETURN(key, binlog::DecodeBinlogKey(it->key()));
        if (key.table_id != table_id || key.shard != shard) break;
        STRATA_ASSIGN_OR_RETURN(auto header, binlog::DecodeBinlogValueHeader(it->value()));
        // Timestamps increase with the LSN: the first young record ends it.
        if (header.second >= threshold) break;
        if (key.lsn > keep_after) break;
        last = std::string(it->key());
        ++stats.records_removed;
        if (header.first != binlog::BinlogEventType::kHeartbeat) {
          max_removed = std::max(max_removed, key.lsn);
        }
      }
      STRATA_RETURN_IF_ERROR(it->status());
      if (!last.empty()) {
        STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
            batch.DeleteRange(cf, binlog::BinlogKeyPrefix(table_id, static_cast<uint16_t>(shard)),
                              Successor(std::move(last))),
            "delete range"));
      }
      ++shard;
    }
    STRATA_RETURN_IF_ERROR(it->status());
    table = static_cast<uint64_t>(table_id) + 1;
  }
  STRATA_RETURN_IF_ERROR(it->status());

  const Lsn old_removed = binlog_removed_lsn_.load();
  const Lsn removed = std::max(old_removed, max_removed);
  stats.removed_lsn = removed;
  stats.floor_overridden = over_limit && floor.has_value() && removed > *floor;
  if (batch.Count() == 0) return stats;
  if (removed > old_removed) {
    // The commit index of removed commits goes too: the feed cannot serve
    // them whole any more. removed_lsn is raised in the same batch, so a
    // reader's snapshot sees both or neither.
    STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
        batch.DeleteRange(
            cf, binlog::BinlogKeyPrefix(binlog_store::kCommitIndexTableId, 0),
            binlog::BinlogSeekKeyAfterLsn(binlog_store::kCommitIndexTableId, 0, removed)),
        "delete range"));
    std::string value;
    AppendLsnBigEndian(&value, removed);
    STRATA_RETURN_IF_ERROR(FromRocksDbStatus(
        batch.Put(engine_->handle(ColumnFamily::kMeta),
                  rocksdb::Slice(binlog_store::kRemovedLsnKey.data(),
                                 binlog_store::kRemovedLsnKey.size()),
                  value),
        "put"));
  }
  snapshot.Release();
  STRATA_RETURN_IF_ERROR(engine_->Commit(&batch).status());
  binlog_removed_lsn_.store(removed);
  return stats;
}

void Database::BinlogBackgroundLoop() {
  using Clock = std::chrono::steady_clock;
  const StorageOptions& options = engine_->options();
  const auto heartbeat_every = std::chrono::milliseconds(options.binlog_heartbeat_interval_ms);
  const auto retention_every =
      std::chrono::milliseconds(std::max(1, options.binlog_retention_interval_ms));
  Clock::time_point next_heartbeat = Clock::now() + heartbeat_every;
  Clock::time_point next_retention = Clock::now() + retention_every;
  while (true) {
    Clock::time_point wake = next_retention;
    if (heartbeat_every.count() > 0) wake = std::min(wake, next_heartbeat);
    {
      std::unique_lock<std::mutex> lock(binlog_bg_mu_);
      binlog_bg_cv_.wait_until(lock, wake, [this] { return binlog_bg_stop_; });
      if (binlog_bg_stop_) return;
    }
    const Clock::time_point now = Clock::now();
    // Errors (e.g. a full disk) are retried on the next round; commits that
    // need the space report them to their clients.
    if (heartbeat_every.count() > 0 && now >= next_heartbeat) {
      WriteBinlogHeartbeats().Ignore();
      next_heartbeat = now + heartbeat_every;
    }
    if (now >= next_retention) {
      RunMaintenance([this] { EnforceBinlogRetention().Ignore(); });
      next_retention = Clock::now() + retention_every;
    }
  }
}

void Database::StopBinlogBackground() {
  {
    std::lock_guard<std::mutex> lock(binlog_bg_mu_);
    binlog_bg_stop_ = true;
  }
  binlog_bg_cv_.notify_all();
  if (binlog_bg_thread_.joinable()) binlog_bg_thread_.join();
}

}  // namespace strata::storage
