#include "common/crash_point.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace strata {
namespace {

struct ArmedPoint {
  std::string name;  // empty: unarmed
  long occurrence = 1;
  std::atomic<long> reached{0};
};

ArmedPoint& Armed() {
  static ArmedPoint* armed = [] {
    auto* point = new ArmedPoint();  // never freed: may be hit during exit
    const char* spec = std::getenv("STRATA_CRASH_POINT");
    if (spec != nullptr && *spec != '\0') {
      std::string text(spec);
      const size_t colon = text.rfind(':');
      if (colon != std::string::npos) {
        point->occurrence = std::max(1L, std::strtol(text.c_str() + colon + 1, nullptr, 10));
        text.resize(colon);
      }
      point->name = std::move(text);
    }
    return point;
  }();
  return *armed;
}

}  // namespace

void CrashPoint(std::string_view name) {
  ArmedPoint& armed = Armed();
  if (armed.name.empty() || armed.name != name) return;
  if (armed.reached.fetch_add(1) + 1 != armed.occurrence) return;
  std::fprintf(stderr, "crash point %s reached: killing the process\n", armed.name.c_str());
  std::fflush(stderr);
  std::raise(SIGKILL);
  _exit(137);  // not reached
}

}  // namespace strata
