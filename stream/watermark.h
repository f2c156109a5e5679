#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "common/result.h"
#include "stream/window.h"

namespace strata::stream {

// Event-time watermark of one source table as seen by one streaming job
// (DESIGN §5, "When"). The source declares `watermark_delay`; its binlog is
// read as several shards, each delivering rows (with an event time) and
// heartbeat records ("everything up to T has been delivered").
//
// Definitions:
// - A shard's progress is max(largest event time seen, largest heartbeat
//   time seen); a shard that has reported neither has no progress and holds
//   the watermark back. A heartbeat is how an idle shard lets the watermark
//   advance: a shard with no rows but a heartbeat at T counts as progress T.
// - Its candidate is progress - delay (saturating at kNoWatermark).
// - The watermark is the minimum candidate over all shards, but it never goes
//   backwards: it is the maximum such minimum ever observed.
// - A watermark W asserts that rows with event time < W are not expected any
//   more. A row is late when its event time < W. A window [start, end) is
//   complete, and its completeness trigger fires, once W >= end. Rows for a
//   window are dropped (and counted) once end + allowed_lateness <= W; until
//   then a late row still updates (re-fires) the window.
//
// Not thread-safe: owned by one operator task.
class WatermarkTracker {
 public:
  // The watermark before any shard has progress: nothing is late.
  static constexpr int64_t kNoWatermark = std::numeric_limits<int64_t>::min();

  // What Admit decided for one (row, window) pair.
  enum class Admission {
    kOnTime,   // the row's event time >= watermark
    kLate,     // behind the watermark but within allowed lateness: accept
    kDropped,  // the window is beyond allowed lateness: discard
  };

  // Counters since construction.
  struct Stats {
    uint64_t on_time = 0;
    uint64_t late_accepted = 0;
    uint64_t dropped = 0;
  };

  // `num_shards` >= 1, `delay_us` >= 0; otherwise 22023.
  static Result<WatermarkTracker> Create(int num_shards, int64_t delay_us);

  // Records a row with event time `ts_us` from `shard` (0 <= shard <
  // num_shards()) and returns the watermark after it.
  int64_t ObserveEvent(int shard, int64_t ts_us);
  // Records a heartbeat from `shard` saying everything up to `ts_us` has been
  // delivered, and returns the watermark after it.
  int64_t ObserveHeartbeat(int shard, int64_t ts_us);

  int64_t watermark() const { return watermark_; }
  int num_shards() const { return static_cast<int>(progress_.size()); }
  int64_t delay_us() const { return delay_us_; }

  // ts < watermark.
  bool IsLate(int64_t ts_us) const { return ts_us < watermark_; }
  // watermark >= window.end: the completeness trigger may fire.
  bool IsComplete(const Window& window) const { return watermark_ >= window.end_us; }
  // window.end + allowed_lateness <= watermark (no overflow; allowed_lateness
  // >= 0): rows for this window must be dropped.
  bool IsBeyondLateness(const Window& window, int64_t allowed_lateness_us) const;

  // Classifies a row with event time `ts_us` that falls in `window` and
  // counts it in stats(). A row assigned to several windows (HOP) is admitted
  // per window, so the counters count (row, window) pairs.
  Admission Admit(int64_t ts_us, const Window& window, int64_t allowed_lateness_us);

  const Stats& stats() const { return stats_; }

 private:
  WatermarkTracker(int num_shards, int64_t delay_us);
  int64_t Advance(int shard, int64_t ts_us);

  // Per shard: max(event time, heartbeat time) seen, or kNoWatermark.
  std::vector<int64_t> progress_;
  int64_t delay_us_;
  int64_t watermark_ = kNoWatermark;
  Stats stats_;
};

}  // namespace strata::stream
