#include "storage/hot_row_cache.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/slice.h>

namespace strata::storage {
namespace {

std::string LookupValue(HotRowCache& cache, std::string_view key, Lsn snapshot) {
  rocksdb::PinnableSlice value;
  if (!cache.Lookup(HotRowCache::HashRowKey(key), key, snapshot, &value)) return "<miss>";
  return value.ToString();
}

void Insert(HotRowCache& cache, std::string_view key, Lsn snapshot, std::string_view value) {
  cache.Insert(HotRowCache::HashRowKey(key), key, snapshot, value);
}

TEST(HotRowCacheTest, ServesARowUntilACommitWritesIt) {
  HotRowCache cache(1 << 20);
  EXPECT_EQ(LookupValue(cache, "k", 5), "<miss>");
  Insert(cache, "k", 5, "v1");
  EXPECT_EQ(LookupValue(cache, "k", 5), "v1");
  EXPECT_EQ(LookupValue(cache, "k", 9), "v1");  // no commit wrote it since
  EXPECT_EQ(LookupValue(cache, "other", 9), "<miss>");

  cache.NoteWrite(HotRowCache::HashRowKey("k"), 10);
  EXPECT_EQ(LookupValue(cache, "k", 10), "<miss>");  // the commit at 10 changed it
  // A reader whose snapshot predates the commit cannot refill the cache
  // with its (older) version.
  Insert(cache, "k", 9, "v1");
  EXPECT_EQ(LookupValue(cache, "k", 12), "<miss>");
  Insert(cache, "k", 12, "v2");
  EXPECT_EQ(LookupValue(cache, "k", 12), "v2");
  EXPECT_EQ(LookupValue(cache, "k", 10), "v2");  // valid since the write at 10
  EXPECT_EQ(LookupValue(cache, "k", 9), "<miss>");  // older snapshots see v1
  const HotRowCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 4u);
  EXPECT_EQ(stats.entries, 1u);
}

TEST(HotRowCacheTest, AWriteEverywhereStopsServingEveryRow) {
  HotRowCache cache(1 << 20);
  Insert(cache, "a", 4, "va");
  Insert(cache, "b", 4, "vb");
  cache.NoteWriteEverywhere(6);
  EXPECT_EQ(LookupValue(cache, "a", 6), "<miss>");
  EXPECT_EQ(LookupValue(cache, "b", 7), "<miss>");
  Insert(cache, "a", 5, "va");  // read before the write: not kept
  EXPECT_EQ(LookupValue(cache, "a", 7), "<miss>");
  Insert(cache, "a", 7, "va2");
  EXPECT_EQ(LookupValue(cache, "a", 7), "va2");
  EXPECT_EQ(LookupValue(cache, "a", 5), "<miss>");
}

TEST(HotRowCacheTest, WritesToOtherKeysKeepARowServed) {
  // A bulk load into another table writes a million keys: they share
  // stripes with nearly every cached row, which must stay served all the
  // same (only the written keys' entries go).
  HotRowCache cache(64 << 20);
  for (int i = 0; i < 1000; ++i) Insert(cache, "feat" + std::to_string(i), 1, "v" + std::to_string(i));
  for (int i = 0; i < 1000000; ++i) {
    cache.NoteWrite(HotRowCache::HashRowKey("copy" + std::to_string(i)), 2 + i / 4096);
  }
  cache.NoteWrite(HotRowCache::HashRowKey("feat7"), 500);
  int served = 0;
  for (int i = 0; i < 1000; ++i) {
    served += LookupValue(cache, "feat" + std::to_string(i), 600) == "v" + std::to_string(i);
  }
  EXPECT_EQ(served, 999);
  EXPECT_EQ(LookupValue(cache, "feat7", 600), "<miss>");
  EXPECT_EQ(LookupValue(cache, "feat8", 1), "v8");
}

TEST(HotRowCacheTest, NoteWritesIsNoteWriteOfEach) {
  HotRowCache cache(64 << 20);
  std::vector<uint64_t> written;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "k" + std::to_string(i);
    Insert(cache, key, 1, "v");
    if (i % 3 == 0) written.push_back(HotRowCache::HashRowKey(key));
  }
  cache.NoteWrites(written, 5);
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "k" + std::to_string(i);
    EXPECT_EQ(LookupValue(cache, key, 5), i % 3 == 0 ? "<miss>" : "v") << key;
    // The stripes moved too: an offer read before the write is refused.
    if (i % 3 == 0) Insert(cache, key, 4, "old");
    EXPECT_EQ(LookupValue(cache, key, 6), i % 3 == 0 ? "<miss>" : "v") << key;
  }
}

TEST(HotRowCacheTest, AWriteThroughOlderThanTheKeysLastWriteIsRefused) {
  // A group commit: a later member (12) wrote the key after the member whose
  // row is written through (11), or a range deletion (12) came after it.
  HotRowCache cache(1 << 20);
  const uint64_t k = HotRowCache::HashRowKey("k");
  cache.NoteWrite(k, 11);
  cache.NoteWrite(k, 12);
  cache.InsertCommitted(k, "k", 11, "row of 11");
  EXPECT_EQ(LookupValue(cache, "k", 12), "<miss>");
  cache.InsertCommitted(k, "k", 12, "row of 12");
  EXPECT_EQ(LookupValue(cache, "k", 12), "row of 12");
  EXPECT_EQ(LookupValue(cache, "k", 11), "<miss>");

  const uint64_t a = HotRowCache::HashRowKey("a");
  cache.NoteWrite(a, 13);
  cache.NoteWriteEverywhere(14);
  cache.InsertCommitted(a, "a", 13, "row of 13");
  EXPECT_EQ(LookupValue(cache, "a", 14), "<miss>");
  EXPECT_EQ(LookupValue(cache, "k", 14), "<miss>");  // older than the range deletion
}

TEST(HotRowCacheTest, AnEntryFromBeforeAnyWriteServesEverySnapshot) {
  HotRowCache cache(1 << 20);
  // Nothing wrote "k" since the cache started: the value read at 7 is the
  // latest version, also for a snapshot at 3 (commits then never wrote it).
  Insert(cache, "k", 7, "v");
  EXPECT_EQ(LookupValue(cache, "k", 3), "v");
}

TEST(HotRowCacheTest, KeysSharingAHashAreNotConfused) {
  HotRowCache cache(1 << 20);
  cache.Insert(42, "a", 1, "row a");
  rocksdb::PinnableSlice value;
  EXPECT_FALSE(cache.Lookup(42, "b", 1, &value));
  cache.Insert(42, "b", 1, "row b");  // replaces "a"
  ASSERT_TRUE(cache.Lookup(42, "b", 1, &value));
  EXPECT_EQ(value.ToString(), "row b");
  value.Reset();
  EXPECT_FALSE(cache.Lookup(42, "a", 1, &value));
}

TEST(HotRowCacheTest, EvictsRowsBeyondItsCapacity) {
  HotRowCache cache(64 * 1024);  // 1 KiB per shard
  const std::string value(200, 'x');
  for (int i = 0; i < 5000; ++i) Insert(cache, "key" + std::to_string(i), 1, value);
  const HotRowCache::Stats stats = cache.stats();
  EXPECT_LE(stats.bytes, 64u * 1024);
  EXPECT_GT(stats.entries, 0u);
  EXPECT_LT(stats.entries, 5000u);
  EXPECT_EQ(LookupValue(cache, "key4999", 1), value);  // the newest stays
  // Every entry still held is found (eviction's deletions keep each probe
  // run intact).
  size_t found = 0;
  for (int i = 0; i < 5000; ++i) found += LookupValue(cache, "key" + std::to_string(i), 1) == value;
  EXPECT_EQ(found, cache.stats().entries);
}

TEST(HotRowCacheTest, ReadRowsOutliveUnreadOnes) {
  HotRowCache cache(256 * 1024);  // 4 KiB per shard
  const std::string value(100, 'x');
  for (int i = 0; i < 200; ++i) Insert(cache, "hot" + std::to_string(i), 1, value);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 200; ++i) LookupValue(cache, "hot" + std::to_string(i), 1);
    for (int i = 0; i < 200; ++i) Insert(cache, "cold" + std::to_string(round * 200 + i), 1, value);
  }
  size_t hot = 0;
  for (int i = 0; i < 200; ++i) hot += LookupValue(cache, "hot" + std::to_string(i), 1) == value;
  EXPECT_GT(hot, 150u);  // CLOCK keeps most of what is read between evictions
}

TEST(HotRowCacheTest, LookupManyMatchesLookup) {
  HotRowCache cache(1 << 20);
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i) keys.push_back("k" + std::to_string(i));
  for (int i = 0; i < 50; i += 2) Insert(cache, keys[i], 3, "v" + std::to_string(i));
  std::vector<uint64_t> hashes;
  std::vector<std::string_view> views;
  for (const auto& k : keys) {
    hashes.push_back(HotRowCache::HashRowKey(k));
    views.push_back(k);
  }
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::unique_ptr<bool[]> hits(new bool[keys.size()]);
  cache.LookupMany(keys.size(), hashes.data(), views.data(), 3, values.data(), hits.get());
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(hits[i], i % 2 == 0) << i;
    if (hits[i]) {
      EXPECT_EQ(values[i].ToString(), "v" + std::to_string(i));
    }
  }
}

// Commits, readers that miss and refill, and write-through race on a few
// keys; every row served must be the version the reader's snapshot holds
// (a model of the row replica's versions stands in for RocksDB).
TEST(HotRowCacheTest, ConcurrentReadersNeverSeeAStaleVersion) {
  constexpr int kKeys = 16;
  constexpr Lsn kCommits = 40000;
  HotRowCache cache(1 << 20);
  std::mutex versions_mu;
  std::map<std::pair<int, Lsn>, std::string> versions;  // (key, commit LSN) -> row
  for (int k = 0; k < kKeys; ++k) versions[{k, 0}] = "k" + std::to_string(k) + "@0";
  std::atomic<Lsn> visible{0};
  auto key_of = [](int k) { return "key" + std::to_string(k); };
  auto version_at = [&](int k, Lsn snapshot) {
    std::lock_guard lock(versions_mu);
    return std::prev(versions.upper_bound({k, snapshot}))->second;
  };

  std::atomic<bool> done{false};
  std::atomic<uint64_t> stale{0}, hits{0};
  auto reader = [&](unsigned seed) {
    std::mt19937 rng(seed);
    while (!done.load()) {
      const int k = static_cast<int>(rng() % kKeys);
      const Lsn snapshot = visible.load();
      const std::string key = key_of(k);
      const uint64_t hash = HotRowCache::HashRowKey(key);
      rocksdb::PinnableSlice value;
      if (cache.Lookup(hash, key, snapshot, &value)) {
        hits.fetch_add(1);
        if (value.ToString() != version_at(k, snapshot)) stale.fetch_add(1);
      } else {
        const std::string row = version_at(k, snapshot);
        std::this_thread::yield();  // widen the window for a commit in between
        cache.Insert(hash, key, snapshot, row);
      }
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  std::mt19937 rng(3);
  for (Lsn lsn = 1; lsn <= kCommits; ++lsn) {
    const int k = static_cast<int>(rng() % kKeys);
    const std::string key = key_of(k);
    const std::string row = "k" + std::to_string(k) + "@" + std::to_string(lsn);
    const uint64_t hash = HotRowCache::HashRowKey(key);
    cache.NoteWrite(hash, lsn);
    {
      std::lock_guard lock(versions_mu);
      versions[{k, lsn}] = row;
    }
    if (lsn % 2 == 0) cache.InsertCommitted(hash, key, lsn, row);
    visible.store(lsn);
  }
  done.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(stale.load(), 0u);
  EXPECT_GT(hits.load(), 0u);
}

}  // namespace
}  // namespace strata::storage
