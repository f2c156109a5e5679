#pragma once

#include <cstdint>

namespace strata::storage {

// Tuning for one database's RocksDB instance. Plain data; copy freely.
struct StorageOptions {
  // One LRU block cache shared by all column families (data, index and filter
  // blocks are all charged to it; pinned index and filter blocks may hold it
  // above this).
  uint64_t block_cache_bytes = 256ull << 20;
  // Hot-row cache (HotRowCache): rows found by primary-key reads, kept by
  // row key in front of RocksDB, so a hot row is one hash probe instead of a
  // memtable, filter, index and data-block search; flushes and compactions
  // leave it warm. 0 turns it off.
  uint64_t row_cache_bytes = 512ull << 20;
  // Bloom filter bits per key on `rows` and `pk_index`, which serve point
  // lookups by full key (primary-key reads, MultiGet for IN lists). 0 turns
  // the filters off. 10 bits give about a 1% false-positive rate.
  int bloom_bits_per_key = 10;
  // Memtable size of each column family.
  uint64_t write_buffer_bytes = 64ull << 20;
  // Default for CommitOptions::sync: fsync the WAL before a commit returns
  // (PostgreSQL's synchronous_commit = on).
  bool sync_commit = true;
  // A commit of at least this many bytes (a bulk load) is written as SST
  // files ingested into RocksDB instead of through the WAL and memtables
  // (CommitIngestion). 0: never.
  uint64_t ingest_commit_bytes = 32ull << 20;
  // RocksDB flush and compaction threads.
  int max_background_jobs = 2;

  // ---- Column replica (storage/README.md "Column replica") ----
  // Run flush, compaction and garbage collection on a database-owned
  // background thread.
  bool column_background = true;
  // Background check period.
  int column_background_interval_ms = 200;
  // A table's delta is flushed once it holds this many rows.
  uint64_t column_flush_rows = 65536;
  // Upper bound of rows per segment (flush and compaction output).
  uint64_t column_segment_max_rows = 1u << 20;
  // Rows per block in segments.
  uint32_t column_block_rows = 4096;
  // Block compression: false = LZ4, true = zstd at column_zstd_level.
  bool column_use_zstd = false;
  int column_zstd_level = 3;
  // Compaction: segments with fewer rows are "small" and merged once there
  // are at least two; a segment with at least this fraction of rows deleted
  // is rewritten.
  uint64_t column_compact_small_rows = 16384;
  double column_compact_deleted_ratio = 0.3;

  // ---- Binlog (storage/README.md "Binlog") ----
  // Write heartbeats and enforce retention on a database-owned background
  // thread.
  bool binlog_background = true;
  // Every this often, one heartbeat record per shard of every binlog table
  // (0: none).
  int binlog_heartbeat_interval_ms = 1000;
  // How often retention runs.
  int binlog_retention_interval_ms = 10000;
  // Retention keeps records a replication slot still needs (the
  // RetentionFloorProvider) even past their binlog_ttl, but only while the
  // binlog column family is at most this large; beyond it expired records
  // are removed anyway and the slots that needed them become invalid.
  uint64_t binlog_max_retained_bytes = 8ull << 30;
};

}  // namespace strata::storage
