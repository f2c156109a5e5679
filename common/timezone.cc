#include "common/timezone.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>

#include "common/sql_state.h"
#include "common/status.h"

namespace strata {
namespace {

constexpr int64_t kSecondsPerDay = 86'400;
// The Gregorian calendar repeats every 400 years (146097 days, a whole
// number of weeks).
constexpr int64_t kCycleSeconds = 146'097 * kSecondsPerDay;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int MonthDays(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
int64_t UnixDays(int64_t year, int month, int day) {
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t mp = (month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t YearOf(int64_t unix_seconds) {
  const int64_t z = FloorDiv(unix_seconds, kSecondsPerDay) + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (month <= 2 ? 1 : 0);
}

Status InvalidZone(std::string_view setting) {
  return Status(SqlState::kInvalidParameterValue,
                "invalid value for parameter \"TimeZone\": \"" + std::string(setting) + "\"");
}

// ---- POSIX TZ strings ------------------------------------------------------

class PosixReader {
 public:
  explicit PosixReader(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // A zone abbreviation: "<...>" or letters (PostgreSQL allows it empty).
  bool Name(std::string* out) {
    if (Consume('<')) {
      const size_t close = s_.find('>', pos_);
      if (close == std::string_view::npos) return false;
      *out = std::string(s_.substr(pos_, close - pos_));
      pos_ = close + 1;
      return true;
    }
    const size_t begin = pos_;
    while (!AtEnd() && std::isalpha(static_cast<unsigned char>(Peek())) != 0) ++pos_;
    *out = std::string(s_.substr(begin, pos_ - begin));
    return true;
  }
  bool Number(int max_digits, int64_t* out) {
    int n = 0;
    int64_t v = 0;
    while (n < max_digits && std::isdigit(static_cast<unsigned char>(Peek())) != 0) {
      v = v * 10 + (s_[pos_++] - '0');
      ++n;
    }
    *out = v;
    return n > 0;
  }
  // [+-]hh[:mm[:ss]] -> signed seconds.
  bool Offset(int max_hours, int64_t* out) {
    int64_t sign = 1;
    if (Consume('-')) {
      sign = -1;
    } else {
      Consume('+');
    }
    int64_t h = 0;
    int64_t m = 0;
    int64_t sec = 0;
    if (!Number(3, &h) || h > max_hours) return false;
    if (Consume(':')) {
      if (!Number(2, &m) || m > 59) return false;
      if (Consume(':') && (!Number(2, &sec) || sec > 59)) return false;
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// ---- TZif files ------------------------------------------------------------

int64_t ReadBigEndian(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// The path of zone `name` under the zoneinfo directory, matching each
// component case-insensitively; empty when there is none.
std::string FindZoneFile(std::string_view name, std::string* canonical) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return "";
  namespace fs = std::filesystem;
  fs::path dir(TimeZone::kZoneInfoDir);
  std::string canon;
  size_t begin = 0;
  while (begin <= name.size()) {
    size_t end = name.find('/', begin);
    if (end == std::string_view::npos) end = name.size();
    const std::string part(name.substr(begin, end - begin));
    if (part.empty() || part == "." || part == "..") return "";
    std::error_code ec;
    std::string found;
    if (fs::exists(dir / part, ec)) {
      found = part;
    } else {
      for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        if (strcasecmp(file.c_str(), part.c_str()) == 0) {
          found = file;
          break;
        }
      }
      if (found.empty()) return "";
    }
    dir /= found;
    if (!canon.empty()) canon += '/';
    canon += found;
    begin = end + 1;
  }
  std::error_code ec;
  if (!fs::is_regular_file(dir, ec)) return "";
  *canonical = canon;
  return dir.string();
}

struct Cache {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<const TimeZone>, std::less<>> zones;
};

Cache& ZoneCache() {
  static Cache* cache = new Cache();  // never destroyed: zones outlive every user
  return *cache;
}

}  // namespace

const TimeZone* TimeZone::Utc() {
  static const TimeZone* utc = [] {
    auto* zone = new TimeZone();
    zone->name_ = "UTC";
    zone->types_.push_back(Type{0, false, "UTC"});
    return zone;
  }();
  return utc;
}

Result<const TimeZone*> TimeZone::Load(std::string_view setting) {
  const TimeZone* zone = Resolve(setting, /*numeric_hours=*/true);
  if (zone == nullptr) return InvalidZone(setting);
  return zone;
}

Result<const TimeZone*> TimeZone::LoadName(std::string_view name) {
  const TimeZone* zone = Resolve(name, /*numeric_hours=*/false);
  if (zone == nullptr) {
    return Status(SqlState::kInvalidParameterValue,
                  "time zone \"" + std::string(name) + "\" not recognized");
  }
  return zone;
}

std::optional<int32_t> TimeZone::AbbreviationOffset(std::string_view s) {
  static constexpr std::pair<std::string_view, int32_t> kAbbreviations[] = {
      {"ut", 0},       {"utc", 0},       {"gmt", 0},       {"z", 0},         {"zulu", 0},
      {"wet", 0},      {"west", 3600},   {"bst", 3600},    {"cet", 3600},    {"cest", 7200},
      {"met", 3600},   {"mest", 7200},   {"eet", 7200},    {"eest", 10800},  {"msk", 10800},
      {"ist", 7200},   {"jst", 32400},   {"kst", 32400},   {"hkt", 28800},   {"awst", 28800},
      {"acst", 34200}, {"acdt", 37800},  {"aest", 36000},  {"aedt", 39600},  {"nzst", 43200},
      {"nzdt", 46800}, {"est", -18000},  {"edt", -14400},  {"cst", -21600},  {"cdt", -18000},
      {"mst", -25200}, {"mdt", -21600},  {"pst", -28800},  {"pdt", -25200},  {"akst", -32400},
      {"akdt", -28800}, {"hst", -36000}, {"ast", -14400},  {"adt", -10800},  {"nst", -12600},
      {"ndt", -9000},
  };
  for (const auto& [abbreviation, offset] : kAbbreviations) {
    if (s.size() == abbreviation.size() &&
        strncasecmp(s.data(), abbreviation.data(), s.size()) == 0) {
      return offset;
    }
  }
  return std::nullopt;
}

const TimeZone* TimeZone::Resolve(std::string_view setting, bool numeric_hours) {
  // Cache keys: the name, prefixed with its interpretation.
  const std::string key = (numeric_hours ? "S:" : "N:") + std::string(setting);
  Cache& cache = ZoneCache();
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    auto it = cache.zones.find(key);
    if (it != cache.zones.end()) return it->second.get();
  }
  if (setting.empty()) return nullptr;
  const TimeZone* zone = nullptr;
  // A plain number: hours east of UTC (SQL sign convention).
  const std::string text(setting);
  char* end = nullptr;
  const double hours = std::strtod(text.c_str(), &end);
  if (numeric_hours && end != text.c_str() && *end == '\0') {
    if (!std::isfinite(hours)) return nullptr;
    const int64_t east = std::llround(hours * 3600);
    if (east < -15 * 3600 || east > 15 * 3600) return nullptr;
    int64_t abs = east < 0 ? -east : east;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%02lld", static_cast<long long>(abs / 3600));
    std::string hms = buf;
    abs %= 3600;
    if (abs != 0) {
      std::snprintf(buf, sizeof(buf), ":%02lld", static_cast<long long>(abs / 60));
      hms += buf;
      if (abs % 60 != 0) {
        std::snprintf(buf, sizeof(buf), ":%02lld", static_cast<long long>(abs % 60));
        hms += buf;
      }
    }
    const std::string posix =
        east >= 0 ? "<+" + hms + ">-" + hms : "<-" + hms + ">+" + hms;
    zone = ParsePosix(posix, posix);
  } else {
    std::string canonical;
    const std::string path = FindZoneFile(setting, &canonical);
    if (!path.empty()) zone = LoadFile(path, canonical);
    if (zone == nullptr && setting.front() != ':') zone = ParsePosix(setting, text);
  }
  if (zone == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(cache.mu);
  // A racing Load() of the same name may have won: then the cached zone is
  // returned, and `zone` is freed with the map node that did not go in.
  return cache.zones.emplace(key, std::unique_ptr<const TimeZone>(zone)).first->second.get();
}

const TimeZone* TimeZone::LoadFile(const std::string& path, std::string name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  constexpr size_t kHeader = 44;
  auto header_ok = [&](size_t at) {
    return data.size() >= at + kHeader && data.compare(at, 4, "TZif") == 0;
  };
  if (!header_ok(0)) return nullptr;
  struct Counts {
    int64_t isut, isstd, leap, time, type, chars;
  };
  auto counts_at = [&](size_t at) {
    const unsigned char* p = bytes + at + 20;
    return Counts{ReadBigEndian(p, 4),      ReadBigEndian(p + 4, 4),  ReadBigEndian(p + 8, 4),
                  ReadBigEndian(p + 12, 4), ReadBigEndian(p + 16, 4), ReadBigEndian(p + 20, 4)};
  };
  auto block_size = [](const Counts& c, int time_bytes) {
    return static_cast<size_t>(c.time * time_bytes + c.time + c.type * 6 + c.chars +
                               c.leap * (time_bytes + 4) + c.isstd + c.isut);
  };
  Counts c = counts_at(0);
  size_t at = kHeader;
  int time_bytes = 4;
  if (bytes[4] >= '2') {
    const size_t second = kHeader + block_size(c, 4);
    if (!header_ok(second)) return nullptr;
    c = counts_at(second);
    at = second + kHeader;
    time_bytes = 8;
  }
  if (c.time < 0 || c.type <= 0 || c.type > 256 || c.chars < 0 || c.leap != 0 ||
      data.size() < at + block_size(c, time_bytes)) {
    return nullptr;  // leap-second zones are rejected, as PostgreSQL does
  }
  auto zone = std::unique_ptr<TimeZone>(new TimeZone());
  zone->name_ = std::move(name);
  const unsigned char* p = bytes + at;
  for (int64_t i = 0; i < c.time; ++i) {
    zone->transition_times_.push_back(ReadBigEndian(p, time_bytes));
    p += time_bytes;
  }
  for (int64_t i = 0; i < c.time; ++i) {
    if (*p >= c.type) return nullptr;
    zone->transition_types_.push_back(*p++);
  }
  const unsigned char* types = p;
  const char* chars = reinterpret_cast<const char*>(p + c.type * 6);
  for (int64_t i = 0; i < c.type; ++i) {
    const unsigned char* t = types + i * 6;
    const size_t abbr = t[5];
    if (abbr >= static_cast<size_t>(c.chars)) return nullptr;
    const std::string_view all(chars, static_cast<size_t>(c.chars));
    const size_t nul = all.find('\0', abbr);
    zone->types_.push_back(Type{static_cast<int32_t>(ReadBigEndian(t, 4)), t[4] != 0,
                                std::string(all.substr(abbr, nul - abbr))});
  }
  if (!std::is_sorted(zone->transition_times_.begin(), zone->transition_times_.end())) {
    return nullptr;
  }
  if (time_bytes == 8) {
    const size_t footer = at + block_size(c, time_bytes);
    if (footer < data.size() && data[footer] == '\n') {
      const size_t close = data.find('\n', footer + 1);
      const std::string_view spec(data.data() + footer + 1,
                                  (close == std::string::npos ? data.size() : close) - footer - 1);
      PosixRule rule;
      if (!spec.empty() && ParsePosixRule(spec, &rule) && rule.has_dst) {
        const int64_t last_year =
            zone->transition_times_.empty() ? 1970 : YearOf(zone->transition_times_.back());
        zone->ExtendWithRule(rule, last_year, last_year + 401);
        zone->cycle_start_ = UnixDays(last_year + 1, 1, 1) * kSecondsPerDay;
        zone->cycle_end_ = zone->cycle_start_ + kCycleSeconds;
      }
    }
  }
  return zone.release();
}

bool TimeZone::ParsePosixRule(std::string_view spec, PosixRule* rule) {
  PosixReader r(spec);
  int64_t offset = 0;
  if (!r.Name(&rule->std_type.abbreviation) || r.AtEnd() || !r.Offset(24, &offset)) return false;
  rule->std_type.utc_offset = static_cast<int32_t>(-offset);
  rule->std_type.is_dst = false;
  if (r.AtEnd()) return true;
  if (!r.Name(&rule->dst_type.abbreviation) || rule->dst_type.abbreviation.empty()) return false;
  rule->has_dst = true;
  rule->dst_type.is_dst = true;
  rule->dst_type.utc_offset = rule->std_type.utc_offset + 3600;
  if (!r.AtEnd() && r.Peek() != ',') {
    if (!r.Offset(24, &offset)) return false;
    rule->dst_type.utc_offset = static_cast<int32_t>(-offset);
  }
  if (r.AtEnd()) {
    // No rule given: the US rules, PostgreSQL's TZDEFRULESTRING.
    rule->start = PosixRule::Date{'M', 3, 2, 0, 7200};
    rule->end = PosixRule::Date{'M', 11, 1, 0, 7200};
    return true;
  }
  auto date = [&](PosixRule::Date* d) {
    if (!r.Consume(',')) return false;
    int64_t a = 0;
    if (r.Consume('M')) {
      int64_t w = 0;
      int64_t wd = 0;
      if (!r.Number(2, &a) || !r.Consume('.') || !r.Number(1, &w) || !r.Consume('.') ||
          !r.Number(1, &wd) || a < 1 || a > 12 || w < 1 || w > 5 || wd > 6) {
        return false;
      }
      *d = PosixRule::Date{'M', static_cast<int>(a), static_cast<int>(w), static_cast<int>(wd), 7200};
    } else if (r.Consume('J')) {
      if (!r.Number(3, &a) || a < 1 || a > 365) return false;
      *d = PosixRule::Date{'J', 0, 0, static_cast<int>(a), 7200};
    } else {
      if (!r.Number(3, &a) || a > 365) return false;
      *d = PosixRule::Date{'D', 0, 0, static_cast<int>(a), 7200};
    }
    if (r.Consume('/')) {
      int64_t t = 0;
      if (!r.Offset(167, &t)) return false;
      d->time = static_cast<int32_t>(t);
    }
    return true;
  };
  return date(&rule->start) && date(&rule->end) && r.AtEnd();
}

const TimeZone* TimeZone::ParsePosix(std::string_view spec, std::string name) {
  PosixRule rule;
  if (!ParsePosixRule(spec, &rule)) return nullptr;
  auto zone = std::unique_ptr<TimeZone>(new TimeZone());
  zone->name_ = std::move(name);
  zone->types_.push_back(rule.std_type);
  if (rule.has_dst) {
    zone->ExtendWithRule(rule, 1970, 1970 + 401);
    zone->cycle_start_ = UnixDays(1970, 1, 1) * kSecondsPerDay;
    zone->cycle_end_ = zone->cycle_start_ + kCycleSeconds;
  }
  return zone.release();
}

void TimeZone::ExtendWithRule(const PosixRule& rule, int64_t first_year, int64_t last_year) {
  auto type_index = [&](const Type& t) {
    for (size_t i = 0; i < types_.size(); ++i) {
      if (types_[i].utc_offset == t.utc_offset && types_[i].is_dst == t.is_dst &&
          types_[i].abbreviation == t.abbreviation) {
        return static_cast<uint8_t>(i);
      }
    }
    types_.push_back(t);
    return static_cast<uint8_t>(types_.size() - 1);
  };
  const uint8_t std_index = type_index(rule.std_type);
  const uint8_t dst_index = type_index(rule.dst_type);
  auto day_of = [](const PosixRule::Date& d, int64_t year) -> int64_t {
    const int64_t jan1 = UnixDays(year, 1, 1);
    if (d.kind == 'J') return jan1 + d.day - 1 + (IsLeap(year) && d.day >= 60 ? 1 : 0);
    if (d.kind == 'D') return jan1 + d.day;
    const int64_t first = UnixDays(year, d.month, 1);
    const int64_t weekday = ((first + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
    int64_t day = 1 + (d.day - weekday + 7) % 7 + (d.week - 1) * 7;
    while (day > MonthDays(year, d.month)) day -= 7;
    return first + day - 1;
  };
  const int64_t last = transition_times_.empty() ? INT64_MIN : transition_times_.back();
  for (int64_t year = first_year; year <= last_year; ++year) {
    const int64_t start =
        day_of(rule.start, year) * kSecondsPerDay + rule.start.time - rule.std_type.utc_offset;
    const int64_t end =
        day_of(rule.end, year) * kSecondsPerDay + rule.end.time - rule.dst_type.utc_offset;
    std::pair<int64_t, uint8_t> pair[2] = {{start, dst_index}, {end, std_index}};
    if (end < start) std::swap(pair[0], pair[1]);
    for (const auto& [time, type] : pair) {
      if (time > last) {
        transition_times_.push_back(time);
        transition_types_.push_back(type);
      }
    }
  }
}

int64_t TimeZone::Fold(int64_t* t) const {
  if (cycle_end_ == cycle_start_) return 0;
  const bool pure_rule = transition_times_.empty() || transition_times_.front() >= cycle_start_;
  if (*t < cycle_end_ && (*t >= cycle_start_ || !pure_rule)) return 0;
  const int64_t cycles = FloorDiv(*t - cycle_start_, kCycleSeconds);
  const int64_t shift = cycles * kCycleSeconds;
  *t -= shift;
  return shift;
}

size_t TimeZone::TypeIndexAt(int64_t t) const {
  Fold(&t);
  auto it = std::upper_bound(transition_times_.begin(), transition_times_.end(), t);
  if (it == transition_times_.begin()) return 0;
  return transition_types_[static_cast<size_t>(it - transition_times_.begin()) - 1];
}

TimeZone::Period TimeZone::At(int64_t unix_seconds) const {
  const Type& t = types_[TypeIndexAt(unix_seconds)];
  return Period{t.utc_offset, t.is_dst, t.abbreviation};
}

int32_t TimeZone::OffsetForLocal(int64_t local_seconds) const {
  // PostgreSQL's DetermineTimeZoneOffsetInternal: find the first transition
  // after (local time - 1 day) and see on which side both candidate UTC
  // times fall.
  int64_t prev = local_seconds - kSecondsPerDay;
  const int64_t shift = Fold(&prev);
  auto it = std::upper_bound(transition_times_.begin(), transition_times_.end(), prev);
  const int32_t before = types_[TypeIndexAt(prev)].utc_offset;
  if (it == transition_times_.end()) return before;
  const int64_t boundary = *it + shift;
  const int32_t after =
      types_[transition_types_[static_cast<size_t>(it - transition_times_.begin())]].utc_offset;
  const int64_t before_time = local_seconds - before;
  const int64_t after_time = local_seconds - after;
  if (before_time < boundary && after_time < boundary) return before;
  if (before_time >= boundary && after_time >= boundary) return after;
  // Skipped (spring forward): before; repeated (fall back): after.
  return before_time > after_time ? before : after;
}

}  // namespace strata
