#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata {

// Sorts `values` ascending and removes duplicates (std::sort + std::unique).
// A large input -- a bulk load's write set, a million 64-bit key hashes
// sorted inside its commit -- takes an LSD radix sort instead: six linear
// passes over 11-bit digits, several times faster than std::sort there.
inline void SortUnique(std::vector<uint64_t>* values) {
  std::vector<uint64_t>& v = *values;
  constexpr size_t kRadixMinSize = size_t{1} << 16;
  if (v.size() < kRadixMinSize) {
    std::sort(v.begin(), v.end());
  } else {
    constexpr int kDigitBits = 11;
    constexpr size_t kBuckets = size_t{1} << kDigitBits;
    std::vector<uint64_t> buffer(v.size());
    uint64_t* from = v.data();
    uint64_t* to = buffer.data();
    for (int shift = 0; shift < 64; shift += kDigitBits) {
      std::array<size_t, kBuckets> starts{};
      for (size_t i = 0; i < v.size(); ++i) ++starts[(from[i] >> shift) & (kBuckets - 1)];
      size_t sum = 0;
      for (size_t& start : starts) {
        const size_t count = start;
        start = sum;
        sum += count;
      }
      for (size_t i = 0; i < v.size(); ++i)
        to[starts[(from[i] >> shift) & (kBuckets - 1)]++] = from[i];
      std::swap(from, to);
    }
    // Six passes: the sorted values are back in `v`.
    static_assert((64 + kDigitBits - 1) / kDigitBits % 2 == 0);
  }
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace strata
