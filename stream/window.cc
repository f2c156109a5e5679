#include "stream/window.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <string>

#include "common/macros.h"
#include "common/sql_state.h"

namespace strata::stream {
namespace {

using Int128 = __int128;

constexpr Int128 kMin = std::numeric_limits<int64_t>::min();
constexpr Int128 kMax = std::numeric_limits<int64_t>::max();

// a mod m in [0, m) for m > 0, whatever the sign of a.
Int128 FloorMod(Int128 a, Int128 m) {
  Int128 r = a % m;
  return r < 0 ? r + m : r;
}

bool FitsInt64(Int128 v) { return v >= kMin && v <= kMax; }

Status OverflowError(int64_t ts_us) {
  return {SqlState::kDatetimeFieldOverflow,
          "window bounds for event time " + std::to_string(ts_us) + " are out of range"};
}

}  // namespace

Status ValidateTumble(int64_t size_us) {
  if (size_us <= 0) {
    return Status::InvalidArgument("TUMBLE window size must be positive, got " +
                                   std::to_string(size_us));
  }
  return Status::OK();
}

Status ValidateHop(int64_t size_us, int64_t slide_us) {
  if (size_us <= 0) {
    return Status::InvalidArgument("HOP window size must be positive, got " +
                                   std::to_string(size_us));
  }
  if (slide_us <= 0) {
    return Status::InvalidArgument("HOP window slide must be positive, got " +
                                   std::to_string(slide_us));
  }
  // ceil(size / slide) without overflow: both are positive.
  const int64_t windows = size_us / slide_us + (size_us % slide_us != 0 ? 1 : 0);
  if (windows > kMaxHopWindowsPerEvent) {
    return Status::InvalidArgument("HOP window size " + std::to_string(size_us) + " over slide " +
                                   std::to_string(slide_us) + " gives " + std::to_string(windows) +
                                   " windows per row; at most " +
                                   std::to_string(kMaxHopWindowsPerEvent) + " are allowed");
  }
  return Status::OK();
}

Result<Window> TumbleWindow(int64_t ts_us, int64_t size_us, int64_t offset_us) {
  STRATA_RETURN_IF_ERROR(ValidateTumble(size_us));
  const Int128 start = Int128{ts_us} - FloorMod(Int128{ts_us} - offset_us, size_us);
  const Int128 end = start + size_us;
  if (!FitsInt64(start) || !FitsInt64(end)) return OverflowError(ts_us);
  return Window{static_cast<int64_t>(start), static_cast<int64_t>(end)};
}

Result<std::vector<Window>> HopWindows(int64_t ts_us, int64_t size_us, int64_t slide_us,
                                       int64_t offset_us) {
  STRATA_RETURN_IF_ERROR(ValidateHop(size_us, slide_us));
  // The latest window start <= ts; earlier starts step back by slide while
  // the window still reaches past ts (start + size > ts).
  const Int128 d = FloorMod(Int128{ts_us} - offset_us, slide_us);
  const Int128 last_start = Int128{ts_us} - d;
  std::vector<Window> windows;
  if (size_us <= d) return windows;  // ts lies in a gap between windows
  const Int128 count = (Int128{size_us} - d + slide_us - 1) / slide_us;
  const Int128 first_start = last_start - (count - 1) * slide_us;
  if (!FitsInt64(first_start) || !FitsInt64(last_start + size_us)) return OverflowError(ts_us);
  windows.reserve(static_cast<size_t>(count));
  for (Int128 start = first_start; start <= last_start; start += slide_us) {
    windows.push_back({static_cast<int64_t>(start), static_cast<int64_t>(start + size_us)});
  }
  return windows;
}

Result<SessionUpdate> SessionWindowMerger::AddEvent(uint64_t key, int64_t ts_us, int64_t gap_us) {
  if (gap_us <= 0) {
    return Status::InvalidArgument("SESSION gap must be positive, got " + std::to_string(gap_us));
  }
  const Int128 event_end = Int128{ts_us} + gap_us;
  if (!FitsInt64(event_end)) return OverflowError(ts_us);
  Window merged{ts_us, static_cast<int64_t>(event_end)};

  std::map<int64_t, int64_t>& sessions = sessions_[key];
  // Sessions are disjoint and sorted, so those touching [ts, ts + gap) are a
  // contiguous run ending just before the first start > ts + gap.
  auto last = sessions.upper_bound(merged.end_us);
  auto first = last;
  while (first != sessions.begin() && std::prev(first)->second >= ts_us) --first;

  SessionUpdate update;
  if (first != last && std::next(first) == last && first->first <= merged.start_us &&
      first->second >= merged.end_us) {
    update.window = {first->first, first->second};
    update.is_new_window = false;
    return update;
  }
  for (auto it = first; it != last; ++it) {
    update.retracted.push_back({it->first, it->second});
    merged.start_us = std::min(merged.start_us, it->first);
    merged.end_us = std::max(merged.end_us, it->second);
  }
  session_count_ -= update.retracted.size();
  sessions.erase(first, last);
  sessions.emplace(merged.start_us, merged.end_us);
  ++session_count_;
  update.window = merged;
  return update;
}

std::vector<std::pair<uint64_t, Window>> SessionWindowMerger::RemoveClosed(int64_t before_us) {
  std::vector<std::pair<uint64_t, Window>> removed;
  for (auto key_it = sessions_.begin(); key_it != sessions_.end();) {
    std::map<int64_t, int64_t>& sessions = key_it->second;
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (it->second <= before_us) {
        removed.push_back({key_it->first, Window{it->first, it->second}});
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
    key_it = sessions.empty() ? sessions_.erase(key_it) : std::next(key_it);
  }
  session_count_ -= removed.size();
  std::sort(removed.begin(), removed.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.start_us < b.second.start_us;
  });
  return removed;
}

std::vector<Window> SessionWindowMerger::Sessions(uint64_t key) const {
  std::vector<Window> out;
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return out;
  for (const auto& [start, end] : it->second) out.push_back({start, end});
  return out;
}

}  // namespace strata::stream
