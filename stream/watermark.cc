#include "stream/watermark.h"

#include <algorithm>
#include <limits>
#include <string>

#include "common/macros.h"
#include "common/status.h"

namespace strata::stream {
namespace {

// a - b for b >= 0, saturating at the int64 minimum.
int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t out;
  return __builtin_sub_overflow(a, b, &out) ? std::numeric_limits<int64_t>::min() : out;
}

// a + b for b >= 0, saturating at the int64 maximum.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  return __builtin_add_overflow(a, b, &out) ? std::numeric_limits<int64_t>::max() : out;
}

}  // namespace

Result<WatermarkTracker> WatermarkTracker::Create(int num_shards, int64_t delay_us) {
  if (num_shards < 1) {
    return Status::InvalidArgument("a watermark needs at least one source shard, got " +
                                   std::to_string(num_shards));
  }
  if (delay_us < 0) {
    return Status::InvalidArgument("watermark_delay must not be negative, got " +
                                   std::to_string(delay_us));
  }
  return WatermarkTracker(num_shards, delay_us);
}

WatermarkTracker::WatermarkTracker(int num_shards, int64_t delay_us)
    : progress_(static_cast<size_t>(num_shards), kNoWatermark), delay_us_(delay_us) {}

int64_t WatermarkTracker::ObserveEvent(int shard, int64_t ts_us) { return Advance(shard, ts_us); }

int64_t WatermarkTracker::ObserveHeartbeat(int shard, int64_t ts_us) {
  return Advance(shard, ts_us);
}

int64_t WatermarkTracker::Advance(int shard, int64_t ts_us) {
  STRATA_DCHECK(shard >= 0 && shard < num_shards());
  int64_t& progress = progress_[static_cast<size_t>(shard)];
  if (ts_us <= progress) return watermark_;
  progress = ts_us;
  // A shard without progress keeps the minimum at kNoWatermark.
  const int64_t slowest = *std::min_element(progress_.begin(), progress_.end());
  if (slowest == kNoWatermark) return watermark_;
  watermark_ = std::max(watermark_, SaturatingSub(slowest, delay_us_));
  return watermark_;
}

bool WatermarkTracker::IsBeyondLateness(const Window& window, int64_t allowed_lateness_us) const {
  STRATA_DCHECK(allowed_lateness_us >= 0);
  return SaturatingAdd(window.end_us, allowed_lateness_us) <= watermark_;
}

WatermarkTracker::Admission WatermarkTracker::Admit(int64_t ts_us, const Window& window,
                                                    int64_t allowed_lateness_us) {
  if (IsBeyondLateness(window, allowed_lateness_us)) {
    ++stats_.dropped;
    return Admission::kDropped;
  }
  if (IsLate(ts_us)) {
    ++stats_.late_accepted;
    return Admission::kLate;
  }
  ++stats_.on_time;
  return Admission::kOnTime;
}

}  // namespace strata::stream
