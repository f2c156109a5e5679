#include "storage/write_conflict_index.h"

#include <algorithm>
#include <functional>

#include "common/macros.h"

namespace strata::storage {
namespace {

// splitmix64's finalizer: spreads the column family into every bit so that
// equal keys in different column families hash apart.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t WriteConflictIndex::HashKey(ColumnFamily cf, std::string_view key) {
  const uint64_t key_hash = std::hash<std::string_view>{}(key);
  return Mix(key_hash + (static_cast<uint64_t>(ColumnFamilyIndex(cf)) + 1) * 0x9e3779b97f4a7c15ull);
}

bool WriteConflictIndex::WrittenAfter(uint64_t key_hash, Lsn snapshot_lsn) const {
  const auto it = last_write_.find(key_hash);
  if (it != last_write_.end() && it->second > snapshot_lsn) return true;
  for (auto block = blocks_.rbegin(); block != blocks_.rend() && block->lsn > snapshot_lsn; ++block) {
    if (std::binary_search(block->sorted_hashes.begin(), block->sorted_hashes.end(), key_hash)) {
      return true;
    }
  }
  return false;
}

void WriteConflictIndex::RecordAll(std::span<const uint64_t> key_hashes, Lsn lsn) {
  if (key_hashes.size() < kMinBlockKeys) {
    for (const uint64_t key_hash : key_hashes) Record(key_hash, lsn);
    return;
  }
  STRATA_DCHECK(blocks_.empty() || blocks_.back().lsn <= lsn);
  Block& block = blocks_.emplace_back(Block{lsn, {key_hashes.begin(), key_hashes.end()}});
  if (!std::is_sorted(block.sorted_hashes.begin(), block.sorted_hashes.end())) {
    std::sort(block.sorted_hashes.begin(), block.sorted_hashes.end());
  }
  block_keys_ += block.sorted_hashes.size();
}

void WriteConflictIndex::Record(uint64_t key_hash, Lsn lsn) {
  STRATA_DCHECK(log_.empty() || log_.back().first <= lsn);
  last_write_[key_hash] = lsn;
  log_.emplace_back(lsn, key_hash);
}

void WriteConflictIndex::TrimUpTo(Lsn lsn) {
  while (!log_.empty() && log_.front().first <= lsn) {
    const auto [entry_lsn, key_hash] = log_.front();
    log_.pop_front();
    // A later write of the same key owns the entry now; leave it.
    const auto it = last_write_.find(key_hash);
    if (it != last_write_.end() && it->second == entry_lsn) last_write_.erase(it);
  }
  while (!blocks_.empty() && blocks_.front().lsn <= lsn) {
    block_keys_ -= blocks_.front().sorted_hashes.size();
    blocks_.pop_front();
  }
}

}  // namespace strata::storage
