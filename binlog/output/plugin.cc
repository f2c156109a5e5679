#include "binlog/output/plugin.h"

#include <algorithm>
#include <array>

#include "binlog/output/plugin_internal.h"
#include "common/status.h"

namespace strata::binlog {

namespace {

// PostgreSQL's reserved keywords (and the type/function-name ones that
// quote_identifier also quotes): everything in kwlist.h not marked
// UNRESERVED_KEYWORD. Sorted for binary search.
constexpr std::array<std::string_view, 118> kQuotedKeywords = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
    "authorization", "between", "bigint", "binary", "bit", "boolean", "both", "case", "cast",
    "char", "character", "check", "coalesce", "collate", "collation", "column", "concurrently",
    "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user", "dec", "decimal",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists",
    "extract", "false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant",
    "greatest", "group", "grouping", "having", "ilike", "in", "initially", "inner", "inout",
    "int", "integer", "intersect", "interval", "into", "is", "isnull", "join", "lateral",
    "leading", "least", "left", "like", "limit", "localtime", "localtimestamp", "national",
    "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric",
    "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing",
    "position", "precision", "primary", "real", "references", "returning", "right", "row",
    "select", "session_user", "setof", "similar", "smallint", "some", "substring",
    "symmetric"};
constexpr std::array<std::string_view, 24> kQuotedKeywords2 = {
    "table", "tablesample", "then", "time", "timestamp", "to", "trailing",
    "treat", "trim", "true", "union", "unique", "user", "using", "values", "varchar",
    "variadic", "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat"};

bool IsQuotedKeyword(std::string_view word) {
  if (std::binary_search(kQuotedKeywords.begin(), kQuotedKeywords.end(), word)) return true;
  if (std::binary_search(kQuotedKeywords2.begin(), kQuotedKeywords2.end(), word)) return true;
  // The remaining xml* column-name keywords.
  static constexpr std::array<std::string_view, 8> kXml = {
      "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi",
      "xmlroot", "xmlserialize"};
  return std::find(kXml.begin(), kXml.end(), word) != kXml.end() || word == "xmltable" ||
         word == "nchar" || word == "inout";
}

}  // namespace

const std::vector<std::string>& OutputPlugin::publication_names() const {
  static const std::vector<std::string> kNone;
  return kNone;
}

bool IsKnownOutputPlugin(std::string_view name) {
  return name == "test_decoding" || name == "pgoutput";
}

Result<std::unique_ptr<OutputPlugin>> CreateOutputPlugin(std::string_view name,
                                                         std::span<const PluginOption> options) {
  if (name == "test_decoding") return internal::CreateTestDecoding(options);
  if (name == "pgoutput") return internal::CreatePgOutput(options);
  return Status(SqlState("58P01"), "could not access file \"" + std::string(name) +
                                       "\": No such file or directory");
}

std::string QuoteIdentifier(std::string_view name) {
  bool safe = !name.empty() && ((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) safe = false;
  }
  if (safe && IsQuotedKeyword(name)) safe = false;
  if (safe) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace internal {

Result<bool> ParseBoolOption(const PluginOption& option) {
  if (!option.second) return true;
  std::string v = *option.second;
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // PostgreSQL's parse_bool: unique prefixes of true/false/yes/no, on/off, 1/0.
  auto prefix_of = [&](std::string_view word, size_t min) {
    return v.size() >= min && v.size() <= word.size() && word.substr(0, v.size()) == v;
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || v == "on" || v == "1") return true;
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || v == "0") {
    return false;
  }
  return Status(SqlState::kInvalidParameterValue,
                "could not parse value \"" + *option.second + "\" for parameter \"" +
                    option.first + "\"");
}

}  // namespace internal

}  // namespace strata::binlog
