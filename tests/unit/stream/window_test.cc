#include "stream/window.h"

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "common/sql_state.h"
#include "testing/status_matchers.h"

namespace strata::stream {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

Window W(int64_t start, int64_t end) { return Window{start, end}; }

TEST(TumbleWindowTest, PositiveAndBoundaryTimestamps) {
  ASSERT_OK_AND_ASSIGN(Window w, TumbleWindow(0, 10));
  EXPECT_EQ(w, W(0, 10));
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(9, 10));
  EXPECT_EQ(w, W(0, 10));
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(10, 10));  // end is exclusive
  EXPECT_EQ(w, W(10, 20));
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(25, 10));
  EXPECT_EQ(w, W(20, 30));
}

TEST(TumbleWindowTest, NegativeTimestampsUseFloorDivision) {
  ASSERT_OK_AND_ASSIGN(Window w, TumbleWindow(-1, 10));
  EXPECT_EQ(w, W(-10, 0));
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(-10, 10));
  EXPECT_EQ(w, W(-10, 0));
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(-11, 10));
  EXPECT_EQ(w, W(-20, -10));
}

TEST(TumbleWindowTest, Offset) {
  ASSERT_OK_AND_ASSIGN(Window w, TumbleWindow(2, 10, 3));
  EXPECT_EQ(w, W(-7, 3));
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(3, 10, 3));
  EXPECT_EQ(w, W(3, 13));
  // Only offset mod size matters, negative offsets included.
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(3, 10, -7));
  EXPECT_EQ(w, W(3, 13));
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(3, 10, 23));
  EXPECT_EQ(w, W(3, 13));
}

TEST(TumbleWindowTest, RejectsNonPositiveSize) {
  ASSERT_SQLSTATE(TumbleWindow(5, 0), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(TumbleWindow(5, -10), SqlState::kInvalidParameterValue);
}

TEST(TumbleWindowTest, OverflowAtInt64Extremes) {
  ASSERT_SQLSTATE(TumbleWindow(kInt64Max, 10), SqlState::kDatetimeFieldOverflow);
  ASSERT_SQLSTATE(TumbleWindow(kInt64Min, 10), SqlState::kDatetimeFieldOverflow);
  // A window that fits exactly at the top is fine: floor(max / 1) * 1 = max, end overflows.
  ASSERT_SQLSTATE(TumbleWindow(kInt64Max, 1), SqlState::kDatetimeFieldOverflow);
  ASSERT_OK_AND_ASSIGN(Window w, TumbleWindow(kInt64Max - 1, 1));
  EXPECT_EQ(w, W(kInt64Max - 1, kInt64Max));
  ASSERT_OK_AND_ASSIGN(w, TumbleWindow(kInt64Min, 1));
  EXPECT_EQ(w, W(kInt64Min, kInt64Min + 1));
}

TEST(HopWindowsTest, AlignedSizeAndSlide) {
  ASSERT_OK_AND_ASSIGN(std::vector<Window> ws, HopWindows(12, 10, 5));
  EXPECT_EQ(ws, (std::vector<Window>{W(5, 15), W(10, 20)}));
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(10, 10, 5));
  EXPECT_EQ(ws, (std::vector<Window>{W(5, 15), W(10, 20)}));
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(9, 10, 5));
  EXPECT_EQ(ws, (std::vector<Window>{W(0, 10), W(5, 15)}));
}

TEST(HopWindowsTest, NegativeTimestamps) {
  ASSERT_OK_AND_ASSIGN(std::vector<Window> ws, HopWindows(-1, 10, 5));
  EXPECT_EQ(ws, (std::vector<Window>{W(-10, 0), W(-5, 5)}));
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(-5, 10, 5));
  EXPECT_EQ(ws, (std::vector<Window>{W(-10, 0), W(-5, 5)}));
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(-6, 10, 5));
  EXPECT_EQ(ws, (std::vector<Window>{W(-15, -5), W(-10, 0)}));
}

TEST(HopWindowsTest, SizeNotAMultipleOfSlide) {
  // Windows [3k, 3k + 7): ts 7 is in [3, 10) and [6, 13) only ([0, 7) has ended).
  ASSERT_OK_AND_ASSIGN(std::vector<Window> ws, HopWindows(7, 7, 3));
  EXPECT_EQ(ws, (std::vector<Window>{W(3, 10), W(6, 13)}));
  // ts 6 is in [0, 7), [3, 10), [6, 13).
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(6, 7, 3));
  EXPECT_EQ(ws, (std::vector<Window>{W(0, 7), W(3, 10), W(6, 13)}));
}

TEST(HopWindowsTest, SizeSmallerThanSlideLeavesGaps) {
  // Windows [10k, 10k + 4).
  ASSERT_OK_AND_ASSIGN(std::vector<Window> ws, HopWindows(13, 4, 10));
  EXPECT_EQ(ws, (std::vector<Window>{W(10, 14)}));
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(14, 4, 10));
  EXPECT_TRUE(ws.empty());
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(-6, 4, 10));
  EXPECT_TRUE(ws.empty());
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(-1, 4, 10));
  EXPECT_TRUE(ws.empty());
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(-7, 4, 10));
  EXPECT_EQ(ws, (std::vector<Window>{W(-10, -6)}));
  ASSERT_OK_AND_ASSIGN(ws, HopWindows(-10, 4, 10));
  EXPECT_EQ(ws, (std::vector<Window>{W(-10, -6)}));
}

TEST(HopWindowsTest, Offset) {
  ASSERT_OK_AND_ASSIGN(std::vector<Window> ws, HopWindows(0, 10, 5, 2));
  EXPECT_EQ(ws, (std::vector<Window>{W(-8, 2), W(-3, 7)}));
}

TEST(HopWindowsTest, EqualSizeAndSlideIsTumble) {
  for (int64_t ts = -25; ts <= 25; ++ts) {
    ASSERT_OK_AND_ASSIGN(std::vector<Window> ws, HopWindows(ts, 10, 10, 3));
    ASSERT_OK_AND_ASSIGN(Window w, TumbleWindow(ts, 10, 3));
    ASSERT_EQ(ws, std::vector<Window>{w}) << ts;
  }
}

TEST(HopWindowsTest, Validation) {
  ASSERT_SQLSTATE(HopWindows(0, 0, 5), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(HopWindows(0, -1, 5), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(HopWindows(0, 10, 0), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(HopWindows(0, 10, -5), SqlState::kInvalidParameterValue);
  EXPECT_OK(ValidateHop(kMaxHopWindowsPerEvent, 1));
  ASSERT_SQLSTATE(ValidateHop(kMaxHopWindowsPerEvent + 1, 1), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(ValidateHop(kInt64Max, 1), SqlState::kInvalidParameterValue);
  EXPECT_OK(ValidateHop(kInt64Max, kInt64Max / 2));
  EXPECT_OK(ValidateTumble(1));
  ASSERT_SQLSTATE(ValidateTumble(0), SqlState::kInvalidParameterValue);
}

TEST(HopWindowsTest, OverflowAtInt64Extremes) {
  ASSERT_SQLSTATE(HopWindows(kInt64Max, 10, 5), SqlState::kDatetimeFieldOverflow);
  ASSERT_SQLSTATE(HopWindows(kInt64Min, 10, 5), SqlState::kDatetimeFieldOverflow);
}

// Random ts, size, slide, offset: every returned window contains ts, starts
// are aligned and ascend by exactly slide, no other window contains ts, and
// the count is size / slide when aligned and floor or ceil of it otherwise.
TEST(HopWindowsTest, PropertyRandom) {
  std::mt19937_64 rng(20261122);
  std::uniform_int_distribution<int64_t> ts_dist(-(int64_t{1} << 50), int64_t{1} << 50);
  std::uniform_int_distribution<int64_t> slide_dist(1, 1000);
  std::uniform_int_distribution<int64_t> mult_dist(1, 20);
  std::uniform_int_distribution<int64_t> extra_dist(-999, 999);
  std::uniform_int_distribution<int64_t> offset_dist(-5000, 5000);
  for (int i = 0; i < 20000; ++i) {
    const int64_t ts = i % 5 == 0 ? extra_dist(rng) : ts_dist(rng);  // many near 0
    const int64_t slide = slide_dist(rng);
    const bool aligned = i % 2 == 0;
    int64_t size = slide * mult_dist(rng);
    if (!aligned) size = std::max<int64_t>(1, size + extra_dist(rng) % slide);
    const int64_t offset = offset_dist(rng);
    SCOPED_TRACE(::testing::Message()
                 << "ts=" << ts << " size=" << size << " slide=" << slide << " offset=" << offset);
    ASSERT_OK_AND_ASSIGN(std::vector<Window> ws, HopWindows(ts, size, slide, offset));
    for (size_t j = 0; j < ws.size(); ++j) {
      ASSERT_TRUE(ws[j].Contains(ts));
      ASSERT_EQ(ws[j].end_us - ws[j].start_us, size);
      ASSERT_EQ(((ws[j].start_us - offset) % slide + slide) % slide, 0);
      if (j > 0) {
        ASSERT_EQ(ws[j].start_us - ws[j - 1].start_us, slide);
      }
    }
    const auto count = static_cast<int64_t>(ws.size());
    if (aligned || size % slide == 0) {
      ASSERT_EQ(count, size / slide);
    } else {
      ASSERT_TRUE(count == size / slide || count == size / slide + 1) << count;
    }
    if (!ws.empty()) {
      // The neighbours just outside the run do not contain ts.
      ASSERT_FALSE(Window(W(ws.front().start_us - slide, ws.front().end_us - slide)).Contains(ts));
      ASSERT_FALSE(Window(W(ws.back().start_us + slide, ws.back().end_us + slide)).Contains(ts));
    }
    // Tumble agrees with HOP(size, size).
    ASSERT_OK_AND_ASSIGN(Window t, TumbleWindow(ts, size, offset));
    ASSERT_OK_AND_ASSIGN(std::vector<Window> hs, HopWindows(ts, size, size, offset));
    ASSERT_EQ(hs, std::vector<Window>{t});
  }
}

}  // namespace
}  // namespace strata::stream
