#include "storage/hot_row_cache.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "storage/column_family.h"
#include "storage/write_conflict_index.h"

namespace strata::storage {
namespace {

// Bytes charged per entry beyond its key and value: the entry header and
// its share of the slot table (kept at most half full).
constexpr size_t kSlotBytes = 16;
constexpr size_t kMinSlots = 256;

}  // namespace

struct HotRowCache::Entry {
  uint64_t hash;
  Lsn valid_since;
  uint32_t key_size;
  uint32_t value_size;
  bool referenced;  // CLOCK: read since the hand last passed
  char data[];      // key, then the row's stored bytes

  static Entry* New(uint64_t hash, Lsn valid_since, std::string_view key, std::string_view value) {
    void* memory = std::malloc(sizeof(Entry) + key.size() + value.size());
    if (memory == nullptr) throw std::bad_alloc();
    Entry* e = static_cast<Entry*>(memory);
    e->hash = hash;
    e->valid_since = valid_since;
    e->key_size = static_cast<uint32_t>(key.size());
    e->value_size = static_cast<uint32_t>(value.size());
    e->referenced = false;
    std::memcpy(e->data, key.data(), key.size());
    std::memcpy(e->data + key.size(), value.data(), value.size());
    return e;
  }
  static void Free(Entry* e) { std::free(e); }

  std::string_view key() const { return std::string_view(data, key_size); }
  std::string_view value() const { return std::string_view(data + key_size, value_size); }
  size_t charge() const { return sizeof(Entry) + key_size + value_size + 2 * kSlotBytes; }
};

// Linear probing over a power-of-two table; a slot is empty when its entry
// is null. Deletion shifts the following run back (no tombstones).
struct HotRowCache::Shard {
  struct Slot {
    uint64_t hash = 0;
    Entry* entry = nullptr;
  };

  std::mutex mu;
  std::vector<Slot> slots = std::vector<Slot>(kMinSlots);
  size_t mask = kMinSlots - 1;
  size_t count = 0;
  size_t usage = 0;
  size_t hand = 0;  // CLOCK hand, a slot index
  uint64_t hits = 0;
  uint64_t misses = 0;
  // The table's address for prefetching without the lock (a stale one only
  // wastes the prefetch).
  std::atomic<const Slot*> prefetch_slots{slots.data()};
  std::atomic<size_t> prefetch_mask{mask};

  ~Shard() {
    for (Slot& slot : slots) {
      if (slot.entry != nullptr) Entry::Free(slot.entry);
    }
  }

  // The slot holding `hash`, or the empty slot where it would go.
  size_t Find(uint64_t hash) const {
    size_t i = hash & mask;
    while (slots[i].entry != nullptr && slots[i].hash != hash) i = (i + 1) & mask;
    return i;
  }

  void Prefetch(uint64_t hash) const {
    const Slot* table = prefetch_slots.load(std::memory_order_relaxed);
    __builtin_prefetch(table + (hash & prefetch_mask.load(std::memory_order_relaxed)));
  }

  void Grow() {
    std::vector<Slot> old(slots.size() * 2);
    old.swap(slots);
    mask = slots.size() - 1;
    for (const Slot& slot : old) {
      if (slot.entry != nullptr) slots[Find(slot.hash)] = slot;
    }
    hand = 0;
    prefetch_slots.store(slots.data(), std::memory_order_relaxed);
    prefetch_mask.store(mask, std::memory_order_relaxed);
  }

  void EraseAt(size_t i) {
    usage -= slots[i].entry->charge();
    Entry::Free(slots[i].entry);
    slots[i] = Slot();
    --count;
    // Move back every entry of the run after i that may live at i.
    for (size_t j = (i + 1) & mask; slots[j].entry != nullptr; j = (j + 1) & mask) {
      const size_t home = slots[j].hash & mask;
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        slots[i] = slots[j];
        slots[j] = Slot();
        i = j;
      }
    }
  }

  // Evicts unreferenced entries (CLOCK) until usage fits, never `keep`.
  void EvictFor(size_t capacity, const Entry* keep) {
    while (usage > capacity && count > 1) {
      const size_t i = hand;
      hand = (hand + 1) & mask;
      Entry* e = slots[i].entry;
      if (e == nullptr || e == keep) continue;
      if (e->referenced) {
        e->referenced = false;
        continue;
      }
      EraseAt(i);
      // EraseAt may have moved an entry into slot i: look at it again.
      hand = i;
    }
  }
};

HotRowCache::HotRowCache(size_t capacity_bytes)
    : shard_capacity_(std::max<size_t>(capacity_bytes >> kShardBits, 1)),
      shards_(new std::unique_ptr<Shard>[size_t{1} << kShardBits]),
      stripes_(new std::atomic<Lsn>[size_t{1} << kStripeBits]) {
  for (size_t i = 0; i < (size_t{1} << kShardBits); ++i) shards_[i] = std::make_unique<Shard>();
  for (size_t i = 0; i < (size_t{1} << kStripeBits); ++i) {
    stripes_[i].store(kInvalidLsn, std::memory_order_relaxed);
  }
}

HotRowCache::~HotRowCache() = default;

uint64_t HotRowCache::HashRowKey(std::string_view key) {
  return WriteConflictIndex::HashKey(ColumnFamily::kRows, key);
}

bool HotRowCache::Lookup(uint64_t hash, std::string_view key, Lsn snapshot_lsn,
                         rocksdb::PinnableSlice* value) {
  // Every commit this snapshot contains has removed the entries of the keys
  // it wrote (and raised the floor for a range deletion) before it became
  // visible, so an entry found valid at the snapshot is its version.
  Shard& shard = ShardOf(hash);
  const Lsn floor = floor_.load(std::memory_order_acquire);
  std::lock_guard<std::mutex> lock(shard.mu);
  Entry* e = shard.slots[shard.Find(hash)].entry;
  if (e == nullptr || e->valid_since > snapshot_lsn || e->valid_since < floor || e->key() != key) {
    ++shard.misses;
    return false;
  }
  value->PinSelf(rocksdb::Slice(e->value().data(), e->value().size()));
  e->referenced = true;
  ++shard.hits;
  return true;
}

void HotRowCache::Prefetch(uint64_t hash) { ShardOf(hash).Prefetch(hash); }

void HotRowCache::LookupMany(size_t n, const uint64_t* hashes, const std::string_view* keys,
                             Lsn snapshot_lsn, rocksdb::PinnableSlice* values, bool* hits) {
  if (n > 1) {
    for (size_t i = 0; i < n; ++i) Prefetch(hashes[i]);
    for (size_t i = 0; i < n; ++i) {
      Shard& shard = ShardOf(hashes[i]);
      std::lock_guard<std::mutex> lock(shard.mu);
      const Entry* e = shard.slots[shard.Find(hashes[i])].entry;
      if (e != nullptr) __builtin_prefetch(e);
    }
  }
  for (size_t i = 0; i < n; ++i) hits[i] = Lookup(hashes[i], keys[i], snapshot_lsn, &values[i]);
}

void HotRowCache::NoteWrite(uint64_t hash, Lsn lsn) {
  // The stripe first: a reader's offer that takes the shard lock after this
  // removal sees the new stripe and is refused (Store).
  stripes_[hash & kStripeMask].store(lsn, std::memory_order_release);
  Shard& shard = ShardOf(hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  const size_t i = shard.Find(hash);
  if (shard.slots[i].entry != nullptr) shard.EraseAt(i);
}

void HotRowCache::NoteWrites(std::span<const uint64_t> hashes, Lsn lsn) {
  for (const uint64_t hash : hashes) {
    __builtin_prefetch(&stripes_[hash & kStripeMask], /*rw=*/1);
    ShardOf(hash).Prefetch(hash);
  }
  for (const uint64_t hash : hashes) NoteWrite(hash, lsn);
}

void HotRowCache::Store(uint64_t hash, std::string_view key, Lsn read_lsn,
                        std::string_view value) {
  if (sizeof(Entry) + key.size() + value.size() + 2 * kSlotBytes > shard_capacity_) return;
  Shard& shard = ShardOf(hash);
  // Allocated and filled before the lock; valid_since is set under it.
  Entry* e = Entry::New(hash, kInvalidLsn, key, value);
  std::lock_guard<std::mutex> lock(shard.mu);
  // Under the lock: a NoteWrite that raised the stripe after the read either
  // is seen here, or removes this entry after the lock is released.
  const Lsn stripe = StripeLsn(hash);
  if (stripe > read_lsn) {
    Entry::Free(e);
    return;
  }
  e->valid_since = stripe;
  size_t i = shard.Find(hash);
  if (shard.slots[i].entry != nullptr) {
    shard.usage -= shard.slots[i].entry->charge();
    Entry::Free(shard.slots[i].entry);
    --shard.count;
  } else if (2 * (shard.count + 1) > shard.slots.size()) {
    shard.Grow();
    i = shard.Find(hash);
  }
  shard.slots[i] = Shard::Slot{hash, e};
  ++shard.count;
  shard.usage += e->charge();
  shard.EvictFor(shard_capacity_, e);
}

HotRowCache::Stats HotRowCache::stats() const {
  Stats out;
  for (size_t i = 0; i < (size_t{1} << kShardBits); ++i) {
    Shard& shard = *shards_[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    out.hits += shard.hits;
    out.misses += shard.misses;
    out.entries += shard.count;
    out.bytes += shard.usage;
  }
  return out;
}

}  // namespace strata::storage
