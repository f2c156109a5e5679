#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "common/sql_state.h"
#include "stream/window.h"
#include "testing/status_matchers.h"

namespace strata::stream {
namespace {

Window W(int64_t start, int64_t end) { return Window{start, end}; }

TEST(SessionWindowMergerTest, FirstEventCreatesSession) {
  SessionWindowMerger m;
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(1, 100, 10));
  EXPECT_EQ(u.window, W(100, 110));
  EXPECT_TRUE(u.retracted.empty());
  EXPECT_TRUE(u.is_new_window);
  EXPECT_EQ(m.session_count(), 1u);
}

TEST(SessionWindowMergerTest, EventInsideSessionChangesNothing) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(1, 100, 10));
  ASSERT_OK(m.AddEvent(1, 105, 10));  // [100, 115)
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(1, 102, 10));
  EXPECT_EQ(u.window, W(100, 115));
  EXPECT_TRUE(u.retracted.empty());
  EXPECT_FALSE(u.is_new_window);
  EXPECT_EQ(m.Sessions(1), std::vector<Window>{W(100, 115)});
}

TEST(SessionWindowMergerTest, ExtendForwardRetractsOldWindow) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(1, 100, 10));
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(1, 108, 10));
  EXPECT_EQ(u.window, W(100, 118));
  EXPECT_EQ(u.retracted, std::vector<Window>{W(100, 110)});
  EXPECT_TRUE(u.is_new_window);
  EXPECT_EQ(m.session_count(), 1u);
}

TEST(SessionWindowMergerTest, EventExactlyGapAfterLastExtends) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(1, 100, 10));
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(1, 110, 10));  // touches [100, 110)
  EXPECT_EQ(u.window, W(100, 120));
  EXPECT_EQ(u.retracted, std::vector<Window>{W(100, 110)});
  // One past the gap starts a new session.
  ASSERT_OK_AND_ASSIGN(u, m.AddEvent(1, 131, 10));
  EXPECT_EQ(u.window, W(131, 141));
  EXPECT_TRUE(u.retracted.empty());
  EXPECT_EQ(m.Sessions(1), (std::vector<Window>{W(100, 120), W(131, 141)}));
}

TEST(SessionWindowMergerTest, OutOfOrderEventExtendsBackward) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(1, 100, 10));
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(1, 90, 10));  // [90, 100) touches
  EXPECT_EQ(u.window, W(90, 110));
  EXPECT_EQ(u.retracted, std::vector<Window>{W(100, 110)});
  ASSERT_OK_AND_ASSIGN(u, m.AddEvent(1, 85, 10));
  EXPECT_EQ(u.window, W(85, 110));
  ASSERT_OK_AND_ASSIGN(u, m.AddEvent(1, 74, 10));  // [74, 84) misses 85
  EXPECT_EQ(u.window, W(74, 84));
  EXPECT_TRUE(u.retracted.empty());
  EXPECT_EQ(m.Sessions(1), (std::vector<Window>{W(74, 84), W(85, 110)}));
}

TEST(SessionWindowMergerTest, BridgingEventMergesTwoSessions) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(1, 100, 10));  // [100, 110)
  ASSERT_OK(m.AddEvent(1, 118, 10));  // [118, 128)
  // [110, 120) is within the gap of 100 and of 118.
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(1, 110, 10));
  EXPECT_EQ(u.window, W(100, 128));
  EXPECT_EQ(u.retracted, (std::vector<Window>{W(100, 110), W(118, 128)}));
  EXPECT_TRUE(u.is_new_window);
  EXPECT_EQ(m.session_count(), 1u);
}

TEST(SessionWindowMergerTest, LongEventMergesThreeSessions) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(1, 0, 2));
  ASSERT_OK(m.AddEvent(1, 5, 2));
  ASSERT_OK(m.AddEvent(1, 10, 2));
  ASSERT_OK(m.AddEvent(1, 20, 2));
  // A larger gap on one event (allowed; the engine uses a constant one).
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(1, 1, 9));  // [1, 10)
  EXPECT_EQ(u.window, W(0, 12));
  EXPECT_EQ(u.retracted, (std::vector<Window>{W(0, 2), W(5, 7), W(10, 12)}));
  EXPECT_EQ(m.Sessions(1), (std::vector<Window>{W(0, 12), W(20, 22)}));
}

TEST(SessionWindowMergerTest, KeysAreIndependent) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(1, 100, 10));
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(2, 105, 10));
  EXPECT_EQ(u.window, W(105, 115));
  EXPECT_TRUE(u.retracted.empty());
  EXPECT_EQ(m.Sessions(1), std::vector<Window>{W(100, 110)});
  EXPECT_EQ(m.Sessions(2), std::vector<Window>{W(105, 115)});
  EXPECT_TRUE(m.Sessions(3).empty());
  EXPECT_EQ(m.session_count(), 2u);
}

TEST(SessionWindowMergerTest, NegativeTimestamps) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(1, -20, 10));
  ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(1, -10, 10));
  EXPECT_EQ(u.window, W(-20, 0));
}

TEST(SessionWindowMergerTest, Validation) {
  SessionWindowMerger m;
  ASSERT_SQLSTATE(m.AddEvent(1, 0, 0), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(m.AddEvent(1, 0, -5), SqlState::kInvalidParameterValue);
  ASSERT_SQLSTATE(m.AddEvent(1, std::numeric_limits<int64_t>::max(), 1),
                  SqlState::kDatetimeFieldOverflow);
  EXPECT_EQ(m.session_count(), 0u);
}

TEST(SessionWindowMergerTest, RemoveClosed) {
  SessionWindowMerger m;
  ASSERT_OK(m.AddEvent(2, 0, 10));   // [0, 10)
  ASSERT_OK(m.AddEvent(1, 5, 10));   // [5, 15)
  ASSERT_OK(m.AddEvent(1, 30, 10));  // [30, 40)
  ASSERT_OK(m.AddEvent(3, 50, 10));  // [50, 60)
  auto removed = m.RemoveClosed(15);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].first, 1u);
  EXPECT_EQ(removed[0].second, W(5, 15));
  EXPECT_EQ(removed[1].first, 2u);
  EXPECT_EQ(removed[1].second, W(0, 10));
  EXPECT_EQ(m.session_count(), 2u);
  EXPECT_TRUE(m.Sessions(2).empty());
  EXPECT_EQ(m.Sessions(1), std::vector<Window>{W(30, 40)});
  EXPECT_TRUE(m.RemoveClosed(39).empty());
  EXPECT_EQ(m.RemoveClosed(100).size(), 2u);
  EXPECT_EQ(m.session_count(), 0u);
}

// Builds sessions from events sorted by time, the textbook way.
std::vector<Window> SortedReplay(std::vector<int64_t> ts, int64_t gap) {
  std::sort(ts.begin(), ts.end());
  std::vector<Window> out;
  for (int64_t t : ts) {
    if (!out.empty() && t <= out.back().end_us) {
      out.back().end_us = std::max(out.back().end_us, t + gap);
    } else {
      out.push_back({t, t + gap});
    }
  }
  return out;
}

// Any arrival order yields the sessions of a sorted replay, and the live
// windows reconstructed from the updates (add window, remove retracted) are
// always exactly the merger's sessions.
TEST(SessionWindowMergerTest, PropertyArrivalOrderDoesNotMatter) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 500; ++round) {
    const int64_t gap = std::uniform_int_distribution<int64_t>(1, 20)(rng);
    const int n = std::uniform_int_distribution<int>(1, 60)(rng);
    std::vector<int64_t> ts(static_cast<size_t>(n));
    for (int64_t& t : ts) t = std::uniform_int_distribution<int64_t>(-300, 300)(rng);
    SessionWindowMerger m;
    std::vector<Window> live;
    for (int64_t t : ts) {
      ASSERT_OK_AND_ASSIGN(SessionUpdate u, m.AddEvent(9, t, gap));
      ASSERT_TRUE(u.window.Contains(t));
      for (const Window& r : u.retracted) {
        auto it = std::find(live.begin(), live.end(), r);
        ASSERT_NE(it, live.end());
        live.erase(it);
      }
      if (u.is_new_window) {
        live.push_back(u.window);
      } else {
        ASSERT_TRUE(u.retracted.empty());
        ASSERT_NE(std::find(live.begin(), live.end(), u.window), live.end());
      }
      std::sort(live.begin(), live.end(),
                [](const Window& a, const Window& b) { return a.start_us < b.start_us; });
      ASSERT_EQ(live, m.Sessions(9));
    }
    ASSERT_EQ(m.Sessions(9), SortedReplay(ts, gap));
    ASSERT_EQ(m.session_count(), m.Sessions(9).size());
  }
}

}  // namespace
}  // namespace strata::stream
