#include "common/timezone.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/datetime.h"
#include "common/value_text.h"

namespace strata {
namespace {

const DataType kTsTz = DataType::Of(TypeId::kTimestampTz);
const DataType kDate = DataType::Of(TypeId::kDate);

// Parses `text` as timestamptz and prints it, both in zone `zone_name`
// (expected values come from PostgreSQL 15).
std::string InZone(const char* zone_name, const char* text) {
  Result<const TimeZone*> zone = TimeZone::Load(zone_name);
  if (!zone.ok()) return zone.status().ToString();
  TextInputContext input;
  input.zone = *zone;
  Result<Value> v = ParseText(kTsTz, text, &input);
  if (!v.ok()) return std::string(v.status().sql_state().code());
  TextFormatOptions options;
  options.zone = *zone;
  return *FormatText(*v, options);
}

TEST(TimeZoneTest, SettingNames) {
  EXPECT_EQ((*TimeZone::Load("america/new_york"))->name(), "America/New_York");
  EXPECT_EQ((*TimeZone::Load("utc"))->name(), "UTC");
  EXPECT_EQ((*TimeZone::Load("5"))->name(), "<+05>-05");
  EXPECT_EQ((*TimeZone::Load("-3.5"))->name(), "<-03:30>+03:30");
  EXPECT_EQ((*TimeZone::Load("+02:00"))->name(), "+02:00");
  for (const char* bad : {"Nowhere/Bogus", "", " UTC", "Z", "America/New_York ", "../etc/passwd",
                          "/usr/share/zoneinfo/UTC", "America"}) {
    Result<const TimeZone*> zone = TimeZone::Load(bad);
    ASSERT_FALSE(zone.ok()) << bad;
    EXPECT_EQ(zone.status().sql_state(), SqlState::kInvalidParameterValue) << bad;
  }
  EXPECT_EQ(TimeZone::Load("America/New_York").value(), TimeZone::Load("America/New_York").value());
}

TEST(TimeZoneTest, OutputOffsets) {
  EXPECT_EQ(InZone("America/New_York", "2024-06-01 12:00:00+00"), "2024-06-01 08:00:00-04");
  EXPECT_EQ(InZone("America/New_York", "2024-01-01 00:00:00+00"), "2023-12-31 19:00:00-05");
  EXPECT_EQ(InZone("America/New_York", "1800-01-01"), "1800-01-01 00:00:00-04:56:02");
  EXPECT_EQ(InZone("Asia/Kathmandu", "2024-01-01"), "2024-01-01 00:00:00+05:45");
  EXPECT_EQ(InZone("Asia/Kolkata", "2024-01-01 00:00:00+00"), "2024-01-01 05:30:00+05:30");
  EXPECT_EQ(InZone("+02:00", "2024-06-01 00:00:00+00"), "2024-05-31 22:00:00-02");
  EXPECT_EQ(InZone("Etc/GMT+3", "2024-01-01"), "2024-01-01 00:00:00-03");
  EXPECT_EQ(InZone("UTC+3", "2024-01-01"), "2024-01-01 00:00:00-03");
  EXPECT_EQ(InZone("5", "2024-01-01"), "2024-01-01 00:00:00+05");
  EXPECT_EQ(InZone("EST5EDT", "2024-07-01 00:00+00"), "2024-06-30 20:00:00-04");
  EXPECT_EQ(InZone("UTC", "2024-01-01 00:00:00+05:30"), "2023-12-31 18:30:00+00");
}

TEST(TimeZoneTest, DstGapsAndOverlaps) {
  // Skipped local times take the offset before the transition; repeated
  // ones the offset after it.
  EXPECT_EQ(InZone("America/New_York", "2018-03-11 02:30"), "2018-03-11 03:30:00-04");
  EXPECT_EQ(InZone("America/New_York", "2018-11-04 01:30"), "2018-11-04 01:30:00-05");
  EXPECT_EQ(InZone("America/New_York", "2037-11-01 01:30"), "2037-11-01 01:30:00-05");
}

TEST(TimeZoneTest, RulesBeyondTheLastTransition) {
  EXPECT_EQ(InZone("America/New_York", "2100-07-01 12:00"), "2100-07-01 12:00:00-04");
  EXPECT_EQ(InZone("America/New_York", "3000-01-01 12:00"), "3000-01-01 12:00:00-05");
  EXPECT_EQ(InZone("America/New_York", "2200-03-14 02:30"), "2200-03-14 02:30:00-04");
  EXPECT_EQ(InZone("Australia/Sydney", "2024-01-01 00:00+00"), "2024-01-01 11:00:00+11");
  EXPECT_EQ(InZone("Australia/Sydney", "2150-07-01 00:00+00"), "2150-07-01 10:00:00+10");
  // Negative DST (winter is the "daylight" period in the TZ string).
  EXPECT_EQ(InZone("Europe/Dublin", "2024-07-01 00:00+00"), "2024-07-01 01:00:00+01");
  EXPECT_EQ(InZone("Europe/Dublin", "2024-01-01 00:00+00"), "2024-01-01 00:00:00+00");
  EXPECT_EQ(InZone("Europe/Dublin", "2124-07-01 00:00+00"), "2124-07-01 01:00:00+01");
}

TEST(TimeZoneTest, ZonesInsideLiterals) {
  EXPECT_EQ(InZone("UTC", "2024-06-01 12:00:00 America/New_York"), "2024-06-01 16:00:00+00");
  EXPECT_EQ(InZone("UTC", "2024-06-01 12:00:00 america/new_york"), "2024-06-01 16:00:00+00");
  EXPECT_EQ(InZone("UTC", "2024-06-01 12:00:00 utc+3"), "2024-06-01 15:00:00+00");
  EXPECT_EQ(InZone("Europe/Berlin", "2024-06-01 12:00 EST"), "2024-06-01 19:00:00+02");
  EXPECT_EQ(InZone("Europe/Berlin", "2024-06-01 12:00 CEST"), "2024-06-01 12:00:00+02");
  EXPECT_EQ(InZone("UTC", "2024-06-01 12:00:00 Nowhere/Bogus"), "22023");
  EXPECT_EQ(InZone("UTC", "2024-06-01 12:00:00 Bogus"), "22007");
}

// Sessions that start together (clients reconnecting after a restart) load
// the same zones at the same moment; every caller must get the one cached
// zone, and the losers of the race must not free it twice.
TEST(TimeZoneTest, ConcurrentLoadsOfANewZoneShareOneZone) {
  constexpr int kThreads = 8;
  constexpr int kSettings = 3000;
  std::vector<std::vector<const TimeZone*>> loaded(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) {
      }
      char setting[32];
      for (int i = 0; i < kSettings; ++i) {
        // Numbers no other test uses, so every one is new to the cache.
        std::snprintf(setting, sizeof(setting), "-7.%05d", i);
        Result<const TimeZone*> zone = TimeZone::Load(setting);
        loaded[t].push_back(zone.ok() ? *zone : nullptr);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kSettings; ++i) {
    ASSERT_NE(loaded[0][i], nullptr);
    for (int t = 1; t < kThreads; ++t) ASSERT_EQ(loaded[t][i], loaded[0][i]) << i;
  }
  EXPECT_EQ(InZone("-7.00000", "2024-06-01 12:00:00+00"), "2024-06-01 05:00:00-07");
}

TEST(TimeZoneTest, UtcOffsetText) {
  EXPECT_EQ(FormatUtcOffset(0), "+00");
  EXPECT_EQ(FormatUtcOffset(-4 * 3600), "-04");
  EXPECT_EQ(FormatUtcOffset(5 * 3600 + 30 * 60), "+05:30");
  EXPECT_EQ(FormatUtcOffset(-(4 * 3600 + 56 * 60 + 2)), "-04:56:02");
}

TEST(TextFormatOptionsTest, ExtraFloatDigits) {
  TextFormatOptions options;
  auto fmt = [&](const Value& v, int digits) {
    options.extra_float_digits = digits;
    return *FormatText(v, options);
  };
  const Value sum = Value::Float8(0.1 + 0.2);
  EXPECT_EQ(fmt(sum, 1), "0.30000000000000004");
  EXPECT_EQ(fmt(sum, 3), "0.30000000000000004");
  EXPECT_EQ(fmt(sum, 0), "0.3");
  EXPECT_EQ(fmt(Value::Float8(1.0 / 3), -15), "0.3");
  EXPECT_EQ(fmt(Value::Float8(2.5), -15), "2");
  EXPECT_EQ(fmt(Value::Float8(123456789.123456789), 0), "123456789.123457");
  EXPECT_EQ(fmt(Value::Float8(1e15), 0), "1e+15");
  EXPECT_EQ(fmt(Value::Float8(-0.0), 0), "-0");
  EXPECT_EQ(fmt(Value::Float4(1.1f * 3), 0), "3.3");
  EXPECT_EQ(fmt(Value::Float4(1.1f * 3), 1), "3.3000002");
  EXPECT_EQ(fmt(Value::Float8(HUGE_VAL), -15), "Infinity");
}

TEST(TextInputContextTest, DateOrder) {
  auto date = [](const char* text, DateOrder order) {
    TextInputContext input;
    input.date_order = order;
    Result<Value> v = ParseText(kDate, text, &input);
    return v.ok() ? *FormatText(*v) : std::string(v.status().sql_state().code());
  };
  EXPECT_EQ(date("01/02/2024", DateOrder::kMdy), "2024-01-02");
  EXPECT_EQ(date("01/02/2024", DateOrder::kDmy), "2024-02-01");
  EXPECT_EQ(date("01/02/2024", DateOrder::kYmd), "22008");
  EXPECT_EQ(date("24/01/02", DateOrder::kYmd), "2024-01-02");
  EXPECT_EQ(date("1/2/5", DateOrder::kMdy), "2005-01-02");
  EXPECT_EQ(date("01.02.2024", DateOrder::kMdy), "2024-01-02");
  EXPECT_EQ(date("13/01/2024", DateOrder::kMdy), "22008");
  EXPECT_EQ(date("2024/01/02", DateOrder::kDmy), "2024-01-02");
  EXPECT_EQ(date("2024-01-02", DateOrder::kDmy), "2024-01-02");
  EXPECT_EQ(date("99-01-01", DateOrder::kMdy), "22008");
}

}  // namespace
}  // namespace strata
