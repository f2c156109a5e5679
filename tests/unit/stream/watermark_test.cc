#include "stream/watermark.h"

#include <cstdint>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "common/sql_state.h"
#include "testing/status_matchers.h"

namespace strata::stream {
namespace {

constexpr int64_t kNone = WatermarkTracker::kNoWatermark;

TEST(WatermarkTrackerTest, Validation) {
  ASSERT_SQLSTATE(WatermarkTracker::Create(0, 5), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(WatermarkTracker::Create(1, -1), SqlState::kInvalidParameterValue);
  ASSERT_OK_AND_ASSIGN(WatermarkTracker t, WatermarkTracker::Create(3, 0));
  EXPECT_EQ(t.num_shards(), 3);
  EXPECT_EQ(t.delay_us(), 0);
}

TEST(WatermarkTrackerTest, SingleShardIsMaxEventMinusDelay) {
  ASSERT_OK_AND_ASSIGN(WatermarkTracker t, WatermarkTracker::Create(1, 5));
  EXPECT_EQ(t.watermark(), kNone);
  EXPECT_FALSE(t.IsLate(std::numeric_limits<int64_t>::min() + 1));
  EXPECT_EQ(t.ObserveEvent(0, 100), 95);
  EXPECT_EQ(t.ObserveEvent(0, 120), 115);
  EXPECT_EQ(t.ObserveEvent(0, 110), 115);  // out of order: no regression
  EXPECT_EQ(t.watermark(), 115);
  EXPECT_TRUE(t.IsLate(114));
  EXPECT_FALSE(t.IsLate(115));
}

TEST(WatermarkTrackerTest, NegativeEventTimesAndSaturation) {
  ASSERT_OK_AND_ASSIGN(WatermarkTracker t, WatermarkTracker::Create(1, 10));
  EXPECT_EQ(t.ObserveEvent(0, -100), -110);
  ASSERT_OK_AND_ASSIGN(WatermarkTracker s, WatermarkTracker::Create(1, 10));
  EXPECT_EQ(s.ObserveEvent(0, std::numeric_limits<int64_t>::min() + 3), kNone);
}

TEST(WatermarkTrackerTest, MinimumOverShards) {
  ASSERT_OK_AND_ASSIGN(WatermarkTracker t, WatermarkTracker::Create(3, 2));
  EXPECT_EQ(t.ObserveEvent(0, 100), kNone);  // shards 1 and 2 have no progress
  EXPECT_EQ(t.ObserveEvent(1, 50), kNone);
  EXPECT_EQ(t.ObserveEvent(2, 80), 48);   // min(100, 50, 80) - 2
  EXPECT_EQ(t.ObserveEvent(1, 90), 78);   // min is now shard 2
  EXPECT_EQ(t.ObserveEvent(2, 200), 88);  // shard 1 at 90
  EXPECT_EQ(t.ObserveEvent(1, 300), 98);  // shard 0 at 100
}

TEST(WatermarkTrackerTest, IdleShardAdvancesThroughHeartbeats) {
  ASSERT_OK_AND_ASSIGN(WatermarkTracker t, WatermarkTracker::Create(2, 5));
  EXPECT_EQ(t.ObserveEvent(0, 1000), kNone);  // shard 1 is idle: held back
  EXPECT_EQ(t.ObserveHeartbeat(1, 400), 395);
  EXPECT_EQ(t.ObserveHeartbeat(1, 900), 895);
  EXPECT_EQ(t.ObserveHeartbeat(1, 2000), 995);  // now shard 0's data is the minimum
  EXPECT_EQ(t.ObserveHeartbeat(1, 1500), 995);  // an older heartbeat changes nothing
  // Shard 1's progress is max(event, heartbeat): a row older than its
  // heartbeat does not pull it back.
  EXPECT_EQ(t.ObserveEvent(1, 1200), 995);
  EXPECT_EQ(t.ObserveHeartbeat(0, 1800), 1795);
  // A heartbeat on a shard that also has data counts the same way.
  EXPECT_EQ(t.ObserveEvent(0, 2500), 1995);
}

TEST(WatermarkTrackerTest, PropertyMonotonicAndEqualToSlowestShardMinusDelay) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 50; ++round) {
    const int shards = std::uniform_int_distribution<int>(1, 6)(rng);
    const int64_t delay = std::uniform_int_distribution<int64_t>(0, 50)(rng);
    ASSERT_OK_AND_ASSIGN(WatermarkTracker t, WatermarkTracker::Create(shards, delay));
    std::vector<int64_t> progress(static_cast<size_t>(shards), kNone);
    int64_t previous = t.watermark();
    for (int i = 0; i < 500; ++i) {
      const int shard = std::uniform_int_distribution<int>(0, shards - 1)(rng);
      const int64_t ts = std::uniform_int_distribution<int64_t>(-1000, 1000)(rng) + i * 3;
      const bool heartbeat = i % 7 == 0;
      const int64_t w = heartbeat ? t.ObserveHeartbeat(shard, ts) : t.ObserveEvent(shard, ts);
      progress[static_cast<size_t>(shard)] = std::max(progress[static_cast<size_t>(shard)], ts);
      ASSERT_EQ(w, t.watermark());
      ASSERT_GE(w, previous);
      const int64_t slowest = *std::min_element(progress.begin(), progress.end());
      if (slowest == kNone) {
        ASSERT_EQ(w, kNone);
      } else {
        // Per-shard progress never decreases, so neither does the minimum:
        // the watermark is exactly the slowest shard's progress minus delay.
        ASSERT_EQ(w, slowest - delay);
      }
      previous = w;
    }
  }
}

TEST(WatermarkTrackerTest, CompletenessAndLateness) {
  ASSERT_OK_AND_ASSIGN(WatermarkTracker t, WatermarkTracker::Create(1, 0));
  const Window w{100, 200};
  t.ObserveEvent(0, 199);
  EXPECT_FALSE(t.IsComplete(w));
  EXPECT_FALSE(t.IsBeyondLateness(w, 0));
  t.ObserveEvent(0, 200);
  EXPECT_TRUE(t.IsComplete(w));
  EXPECT_TRUE(t.IsBeyondLateness(w, 0));
  EXPECT_FALSE(t.IsBeyondLateness(w, 1));
  t.ObserveEvent(0, 250);
  EXPECT_FALSE(t.IsBeyondLateness(w, 51));
  EXPECT_TRUE(t.IsBeyondLateness(w, 50));
  // No overflow for a huge allowed lateness.
  EXPECT_FALSE(t.IsBeyondLateness(w, std::numeric_limits<int64_t>::max()));
}

TEST(WatermarkTrackerTest, AdmitCountsOnTimeLateAndDropped) {
  ASSERT_OK_AND_ASSIGN(WatermarkTracker t, WatermarkTracker::Create(1, 10));
  const int64_t lateness = 30;
  t.ObserveEvent(0, 210);  // watermark 200
  ASSERT_EQ(t.watermark(), 200);
  // Window [200, 300): on time and not complete.
  EXPECT_EQ(t.Admit(205, Window{200, 300}, lateness), WatermarkTracker::Admission::kOnTime);
  // Window [150, 200): complete, within lateness (200 + 30 > 200): late but kept.
  EXPECT_EQ(t.Admit(170, Window{150, 200}, lateness), WatermarkTracker::Admission::kLate);
  // Window [100, 170): 170 + 30 <= 200: dropped.
  EXPECT_EQ(t.Admit(120, Window{100, 170}, lateness), WatermarkTracker::Admission::kDropped);
  EXPECT_EQ(t.Admit(169, Window{100, 170}, lateness), WatermarkTracker::Admission::kDropped);
  // Exactly at the boundary: window end 171 + 30 > 200: still late-accepted.
  EXPECT_EQ(t.Admit(100, Window{71, 171}, lateness), WatermarkTracker::Admission::kLate);
  EXPECT_EQ(t.stats().on_time, 1u);
  EXPECT_EQ(t.stats().late_accepted, 2u);
  EXPECT_EQ(t.stats().dropped, 2u);
  // The watermark advances; the [150, 200) window is now past lateness too.
  t.ObserveEvent(0, 240);
  EXPECT_EQ(t.Admit(199, Window{150, 200}, lateness), WatermarkTracker::Admission::kDropped);
  EXPECT_EQ(t.stats().dropped, 3u);
}

}  // namespace
}  // namespace strata::stream
