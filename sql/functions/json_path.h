#pragma once

// Internal to sql/functions: navigation in already-validated JSON text.

#include <optional>
#include <string>
#include <string_view>

namespace strata::sql::functions::internal {

// The raw text of the value of the last member named `key` of the
// top-level object in `json`; nullopt if `json` is not an object or has no
// such member. REQUIRES: `json` is valid JSON.
std::optional<std::string_view> JsonObjectField(std::string_view json, std::string_view key);
// The raw text of element `index` (negative counts from the end) of the
// top-level array; nullopt if not an array or out of range.
std::optional<std::string_view> JsonArrayElement(std::string_view json, int64_t index);
// ->> semantics for a raw JSON value: strings are unescaped, `null` gives
// nullopt, everything else is returned as is.
std::optional<std::string> JsonValueAsText(std::string_view value);
// "object", "array", "string", "number", "boolean" or "null".
std::string_view JsonTypeOf(std::string_view json);

}  // namespace strata::sql::functions::internal
