#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata {

// A time zone as PostgreSQL's TimeZone setting names one: an IANA zone read
// from a TZif file (versions 1-4; the 64-bit data block and the POSIX TZ
// footer for times after the last listed transition), a POSIX TZ string
// ("EST5EDT", "UTC+3", "+02:00": POSIX signs, positive is west of
// Greenwich), or a numeric hour offset in SQL sign convention ("5", "-3.5",
// east is positive, as `SET TIME ZONE 5`).
//
// Zones are immutable once loaded and cached for the life of the process, so
// the pointers Load() returns stay valid forever and may be shared across
// threads. Load() is thread-safe.
class TimeZone {
 public:
  // The zone a TimeZone setting value names. Zone names are case-insensitive
  // ("america/new_york" finds "America/New_York"). Errors: 22023 `invalid
  // value for parameter "TimeZone": "<name>"`.
  static Result<const TimeZone*> Load(std::string_view setting);
  // A zone name inside a value ('... America/New_York'::timestamptz, AT
  // TIME ZONE): as Load() but a number is a POSIX offset ('+05' is five
  // hours west), as PostgreSQL's pg_tzset. Errors: 22023 `time zone "<name>"
  // not recognized`.
  static Result<const TimeZone*> LoadName(std::string_view name);
  // The fixed offset (seconds east) of a zone abbreviation of PostgreSQL's
  // 'Default' set that names one ("EST" -5 h, "CEST" +2 h; any case).
  static std::optional<int32_t> AbbreviationOffset(std::string_view abbreviation);
  // UTC (never fails).
  static const TimeZone* Utc();
  // Directory searched for TZif files (default /usr/share/zoneinfo).
  static constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo";

  // The canonical name SHOW TimeZone prints: the file's spelling for IANA
  // zones ("America/New_York"), the POSIX string as given, or "<+05>-05"
  // for numeric offsets.
  const std::string& name() const { return name_; }

  // Local time rules in effect at one instant.
  struct Period {
    int32_t utc_offset = 0;  // seconds east of UTC
    bool is_dst = false;
    std::string_view abbreviation;  // "EDT", "+0530", valid as long as the zone
  };

  // The rules in effect at `unix_seconds` (seconds since 1970-01-01 UTC).
  Period At(int64_t unix_seconds) const;
  // The UTC offset (seconds east) that PostgreSQL's DetermineTimeZoneOffset
  // gives the local wall-clock time `local_seconds` (the local time counted
  // as if it were UTC seconds since 1970). A time skipped by a
  // spring-forward transition takes the offset from before the transition
  // (02:30 EST -> 03:30 EDT); a repeated one in a fall-back takes the offset
  // after it (01:30 -> 01:30 EST).
  int32_t OffsetForLocal(int64_t local_seconds) const;

  // Parses a POSIX TZ string. Exposed for tests. nullptr when malformed.
  static const TimeZone* ParsePosix(std::string_view spec, std::string name);

 private:
  struct Type {
    int32_t utc_offset;
    bool is_dst;
    std::string abbreviation;
  };
  // Rules for years past the last explicit transition (TZif footer or a
  // POSIX TZ string).
  struct PosixRule {
    Type std_type;
    Type dst_type;
    bool has_dst = false;
    // Transition dates: kind 'J' (Julian day 1..365, no Feb 29), 'D'
    // (zero-based day 0..365), 'M' (month, week 1..5, weekday 0..6).
    struct Date {
      char kind = 'M';
      int month = 0;
      int week = 0;
      int day = 0;
      int32_t time = 7200;  // seconds after local midnight
    };
    Date start;
    Date end;
  };

  TimeZone() = default;
  // Load() / LoadName(): the cached zone, or nullptr.
  static const TimeZone* Resolve(std::string_view name, bool numeric_hours);
  static const TimeZone* LoadFile(const std::string& path, std::string name);
  static bool ParsePosixRule(std::string_view spec, PosixRule* rule);
  // Appends transitions generated from `rule` for years [first_year,
  // last_year] that fall after the last existing transition.
  void ExtendWithRule(const PosixRule& rule, int64_t first_year, int64_t last_year);
  // Folds `t` into the span of explicit/generated transitions (the
  // Gregorian calendar repeats every 400 years). Returns the shift applied.
  int64_t Fold(int64_t* t) const;
  size_t TypeIndexAt(int64_t t) const;

  std::string name_;
  std::vector<Type> types_;
  std::vector<int64_t> transition_times_;
  std::vector<uint8_t> transition_types_;
  // Transitions beyond `cycle_end_` repeat those of [cycle_start_,
  // cycle_end_) shifted by multiples of 400 years. Both zero without rules.
  int64_t cycle_start_ = 0;
  int64_t cycle_end_ = 0;
};

}  // namespace strata
