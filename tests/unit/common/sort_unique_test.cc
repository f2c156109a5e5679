#include "common/sort_unique.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace strata {
namespace {

std::vector<uint64_t> Reference(std::vector<uint64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

TEST(SortUniqueTest, MatchesSortAndUniqueOnSmallAndRadixSizedInputs) {
  std::mt19937_64 rng(7);
  for (const size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{1} << 16, size_t{300000}}) {
    std::vector<uint64_t> v(n);
    for (uint64_t& x : v) x = rng();
    // Duplicates, and values that differ only in the top or bottom bits.
    for (size_t i = 0; i + 3 < n; i += 97) {
      v[i + 1] = v[i];
      v[i + 2] = v[i] ^ (uint64_t{1} << 63);
      v[i + 3] = v[i] ^ 1;
    }
    if (n > 10) v[5] = 0, v[6] = UINT64_MAX, v[7] = UINT64_MAX;
    std::vector<uint64_t> sorted = v;
    SortUnique(&sorted);
    EXPECT_EQ(sorted, Reference(v)) << n;
  }
}

}  // namespace
}  // namespace strata
