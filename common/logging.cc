#include "common/logging.h"

#include <memory>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace strata {

bool IsValidLogLevel(const std::string& level) {
  // spdlog maps unknown names to "off"; reject them instead of going silent.
  return level == "off" || spdlog::level::from_str(level) != spdlog::level::off;
}

Status InitLogging(const std::string& level, const std::string& file_path) {
  if (!IsValidLogLevel(level)) {
    return Status(SqlState::kConfigFileError, "invalid log level \"" + level +
                                                  "\" (trace, debug, info, warn, error, "
                                                  "critical, off)");
  }
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (!file_path.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file_path));
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IoError("cannot open log file " + file_path + ": " + e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>("strata", sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] [%t] %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return Status::OK();
}

}  // namespace strata
