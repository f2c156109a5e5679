#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/value.h"
#include "common/value_text.h"
#include "sql/engine.h"

namespace strata::server {

// DataRow messages for result rows, in the formats a portal's Bind asked
// for: `formats` holds its result-column format codes (none: all text; one:
// that format for every column; otherwise one per column, columns past the
// end in text). Stateless; thread-safe.

// Appends one DataRow for `values`. On error nothing is appended.
Status AppendDataRow(std::span<const Value> values, std::span<const int16_t> formats,
                     const TextFormatOptions& options, std::string* out);

// Appends one DataRow for a row as stored, without building Values: byte
// for byte what AppendDataRow gives for row.Decode(). On error (Corruption)
// nothing is appended.
Status AppendStoredDataRow(const sql::StoredRow& row, std::span<const int16_t> formats,
                           const TextFormatOptions& options, std::string* out);

}  // namespace strata::server
