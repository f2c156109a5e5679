#pragma once

// Crash points: named steps inside multi-step durable operations (a column
// replica flush, compaction or garbage collection; a segment file write)
// where a test can make the process die exactly as SIGKILL would, to prove
// that recovery finds a consistent state after every intermediate step.
//
// Armed only through the environment, read once at the first call:
//   STRATA_CRASH_POINT=<name>[:<n>]   die the n-th time <name> is reached
//                                     (n defaults to 1).
// Unarmed, a crash point costs one load and a predictable branch, so the
// points stay in release builds and the tests exercise the real binary.
// Names are "<module>.<step>", e.g. "column_flush.segment_written";
// tests/integration/column_crash_points_test.py lists the points it covers.

#include <string_view>

namespace strata {

// Dies with SIGKILL (after one line on stderr naming the point) when `name`
// is the armed point and this is the armed occurrence; otherwise returns.
void CrashPoint(std::string_view name);

}  // namespace strata
