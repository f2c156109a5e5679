#pragma once

#include <string>

#include <spdlog/spdlog.h>

#include "common/status.h"

namespace strata {

// Routes spdlog's default logger to stderr and, when `file_path` is not
// empty, also to that file; one line per event with time, level and thread.
// `level` is one of trace, debug, info, warn, error, critical, off.
// Call once at process start, before other threads log.
Status InitLogging(const std::string& level, const std::string& file_path);

// True when `level` names a spdlog level.
bool IsValidLogLevel(const std::string& level);

}  // namespace strata
