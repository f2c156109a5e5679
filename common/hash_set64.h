#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata {

// A set of 64-bit hashes: open addressing with linear probing in one flat
// array, kept at most half full. About 16-32 bytes per element and one cache
// miss per probe, where std::unordered_set pays a node allocation per insert
// and a pointer chase per lookup. For large sets of already well-mixed
// hashes (a bulk load's key fingerprints); the low bits pick the slot, so
// values must be uniformly distributed.
//
// Not thread-safe.
class HashSet64 {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // Returns false if `hash` was already present.
  bool Insert(uint64_t hash) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    return InsertUnchecked(Stored(hash));
  }

  bool Contains(uint64_t hash) const {
    if (size_ == 0) return false;
    const uint64_t stored = Stored(hash);
    const size_t mask = slots_.size() - 1;
    for (size_t i = stored & mask;; i = (i + 1) & mask) {
      if (slots_[i] == stored) return true;
      if (slots_[i] == kEmpty) return false;
    }
  }

  void Clear() {
    std::vector<uint64_t>().swap(slots_);
    size_ = 0;
  }

 private:
  static constexpr uint64_t kEmpty = 0;
  // 0 marks an empty slot; the hash 0 is stored as 1 (sharing its slot
  // with 1 only costs a false positive per 2^64 hashes).
  static uint64_t Stored(uint64_t hash) { return hash == kEmpty ? 1 : hash; }

  bool InsertUnchecked(uint64_t stored) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = stored & mask;; i = (i + 1) & mask) {
      if (slots_[i] == stored) return false;
      if (slots_[i] == kEmpty) {
        slots_[i] = stored;
        ++size_;
        return true;
      }
    }
  }

  void Grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, kEmpty);
    size_ = 0;
    for (const uint64_t stored : old) {
      if (stored != kEmpty) InsertUnchecked(stored);
    }
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

}  // namespace strata
