#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace strata::stream {

// Event-time window assignment for TUMBLE, HOP and SESSION (DESIGN §5,
// "Where"). All times are int64 microseconds of event time and may be
// negative (before 1970): window starts are computed with floor division, so
// TUMBLE(-1, 10) is [-10, 0), not [0, 10).
//
// Errors: a non-positive size, slide or gap is SQLSTATE 22023; a window whose
// bounds do not fit in int64 is 22008 (datetime field overflow).
//
// Pure functions are thread-safe; SessionWindowMerger is not (one per
// operator task).

// A half-open window [start_us, end_us).
struct Window {
  int64_t start_us = 0;
  int64_t end_us = 0;

  bool Contains(int64_t ts_us) const { return start_us <= ts_us && ts_us < end_us; }
  friend bool operator==(const Window&, const Window&) = default;
};

// The most windows one event may fall into under HOP; HOP(size, slide) with
// ceil(size / slide) above this is rejected, since every input row would
// fan out into that many output rows.
inline constexpr int64_t kMaxHopWindowsPerEvent = 4096;

// Validates TUMBLE parameters: size > 0.
Status ValidateTumble(int64_t size_us);
// Validates HOP parameters: size > 0, slide > 0, ceil(size / slide) <=
// kMaxHopWindowsPerEvent. size need not be a multiple of slide.
Status ValidateHop(int64_t size_us, int64_t slide_us);

// The one tumbling window containing `ts_us`. Windows are
// [k * size + offset, (k + 1) * size + offset) for every integer k; `offset`
// may be any value (only offset mod size matters).
Result<Window> TumbleWindow(int64_t ts_us, int64_t size_us, int64_t offset_us = 0);

// Every hopping window containing `ts_us`, in ascending start order. Windows
// are [k * slide + offset, k * slide + offset + size) for every integer k.
// When size is a multiple of slide the result always has size / slide
// windows; otherwise it has floor(size / slide) or ceil(size / slide) of them,
// and when size < slide an event in the gap between windows gets none.
Result<std::vector<Window>> HopWindows(int64_t ts_us, int64_t size_us, int64_t slide_us,
                                       int64_t offset_us = 0);

// The effect of one event on a key's sessions.
struct SessionUpdate {
  // The session now containing the event.
  Window window;
  // Sessions that no longer exist because `window` replaced them (extended or
  // merged), in ascending start order. The engine retracts the aggregate rows
  // it emitted for these and emits a row for `window`.
  std::vector<Window> retracted;
  // False when the event fell inside an existing session without changing its
  // bounds (`retracted` is then empty and the engine updates `window`'s row in
  // place); true otherwise.
  bool is_new_window = true;
};

// Session windows per key. An event at ts with gap g on its own is the session
// [ts, ts + g); a session is therefore [first_ts, last_ts + g) over its events
// (with a constant gap per key, which the engine guarantees; with varying gaps
// a session ends at the max of ts_i + g_i). An event joins every existing
// session it overlaps or touches: session [s, e) absorbs an event at ts when
// s <= ts + g and ts <= e, i.e. when the event is within g of the session's
// first or last event. Touching counts: an event exactly g after the last one
// extends the session. An event that touches two sessions bridges them into
// one. Events may arrive in any order; the sessions of a key are always
// pairwise disjoint and non-touching, and equal those a sorted replay would
// build.
//
// Lateness is not decided here: the engine drops rows beyond allowed lateness
// (WatermarkTracker) before calling AddEvent, and calls RemoveClosed to free
// the state of sessions the watermark has closed.
//
// Not thread-safe.
class SessionWindowMerger {
 public:
  // Adds an event at `ts_us` for `key` with inactivity gap `gap_us` (> 0).
  Result<SessionUpdate> AddEvent(uint64_t key, int64_t ts_us, int64_t gap_us);

  // Removes and returns every session (over all keys) with end <= `before_us`,
  // ordered by key then start. O(number of sessions).
  std::vector<std::pair<uint64_t, Window>> RemoveClosed(int64_t before_us);

  // The sessions of `key` in ascending start order (empty if none).
  std::vector<Window> Sessions(uint64_t key) const;
  // Number of sessions over all keys.
  size_t session_count() const { return session_count_; }

 private:
  // Per key: start -> end of disjoint, non-touching sessions.
  std::unordered_map<uint64_t, std::map<int64_t, int64_t>> sessions_;
  size_t session_count_ = 0;
};

}  // namespace strata::stream
