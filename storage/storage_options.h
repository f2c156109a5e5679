#pragma once

#include <cstdint>

namespace strata::storage {

// Tuning for one database's RocksDB instance. Plain data; copy freely.
struct StorageOptions {
  // One LRU block cache shared by all column families (data, index and filter
  // blocks are all charged to it, so this bounds read-side memory).
  uint64_t block_cache_bytes = 256ull << 20;
  // Bloom filter bits per key on `rows` and `pk_index`, which serve point
  // lookups by full key (primary-key reads, MultiGet for IN lists). 0 turns
  // the filters off. 10 bits give about a 1% false-positive rate.
  int bloom_bits_per_key = 10;
  // Memtable size of each column family.
  uint64_t write_buffer_bytes = 64ull << 20;
  // Default for CommitOptions::sync: fsync the WAL before a commit returns
  // (PostgreSQL's synchronous_commit = on).
  bool sync_commit = true;
  // RocksDB flush and compaction threads.
  int max_background_jobs = 2;
};

}  // namespace strata::storage
