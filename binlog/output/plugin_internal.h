#pragma once

#include <memory>
#include <span>

#include "binlog/output/plugin.h"
#include "common/result.h"

// Private to binlog/output/: the plugin constructors behind
// CreateOutputPlugin and shared option parsing.
namespace strata::binlog::internal {

Result<std::unique_ptr<OutputPlugin>> CreateTestDecoding(std::span<const PluginOption> options);
Result<std::unique_ptr<OutputPlugin>> CreatePgOutput(std::span<const PluginOption> options);

// PostgreSQL's parse_bool for a plugin option; a missing value means true.
// 22023 otherwise.
Result<bool> ParseBoolOption(const PluginOption& option);

}  // namespace strata::binlog::internal
