#include "storage/catalog.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "common/macros.h"
#include "common/sql_state.h"

namespace strata::storage {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status BadValue(std::string_view key, std::string_view value) {
  return Status(SqlState::kInvalidParameterValue, "invalid value for table property \"" +
                                                      std::string(key) + "\": \"" +
                                                      std::string(value) + "\"");
}

// Splits a comma-separated list, honouring double quotes ("a,b" is one
// item; "" inside quotes is a quote). Each item is trimmed.
Result<std::vector<std::string>> SplitList(std::string_view key, std::string_view text) {
  std::vector<std::string> items;
  std::string current;
  bool quoted = false;
  bool any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          current.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        current.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      items.emplace_back(current);
      current.clear();
    } else {
      current.push_back(c);
      if (!std::isspace(static_cast<unsigned char>(c))) any = true;
    }
  }
  if (quoted) return BadValue(key, text);
  if (any || !items.empty()) items.emplace_back(current);
  for (std::string& item : items) {
    std::string_view t = Trim(item);
    item = std::string(t);
  }
  return items;
}

// A list item "name[:suffix]"; `name` may have been quoted (SplitList
// already removed quotes, so a colon inside a quoted name is ambiguous; we
// split at the last colon only when the suffix is a known word).
struct ColumnItem {
  std::string name;
  std::string suffix;  // lower-cased, may be empty
};

ColumnItem SplitSuffix(const std::string& item, std::initializer_list<std::string_view> suffixes) {
  const size_t colon = item.rfind(':');
  if (colon != std::string::npos) {
    const std::string suffix = Lower(Trim(std::string_view(item).substr(colon + 1)));
    for (std::string_view s : suffixes) {
      if (suffix == s) {
        return ColumnItem{std::string(Trim(std::string_view(item).substr(0, colon))), suffix};
      }
    }
  }
  return ColumnItem{item, ""};
}

Result<uint32_t> ResolveColumn(const TableDef& table, std::string_view key, std::string_view name) {
  if (name.empty()) return BadValue(key, name);
  const ColumnDef* column = table.FindColumn(name);
  if (column == nullptr) {
    return Status(SqlState::kUndefinedColumn,
                  "column \"" + std::string(name) + "\" does not exist");
  }
  return column->id;
}

Result<std::vector<uint32_t>> ResolveColumnList(const TableDef& table, std::string_view key,
                                                std::string_view value,
                                                std::initializer_list<std::string_view> suffixes,
                                                bool allow_off) {
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> items, SplitList(key, value));
  std::vector<uint32_t> ids;
  for (const std::string& raw : items) {
    const ColumnItem item = SplitSuffix(raw, suffixes);
    STRATA_ASSIGN_OR_RETURN(uint32_t id, ResolveColumn(table, key, item.name));
    if (allow_off && item.suffix == "off") continue;
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      return Status(SqlState::kInvalidParameterValue, "column \"" + item.name +
                                                          "\" appears twice in table property \"" +
                                                          std::string(key) + "\"");
    }
    ids.push_back(id);
  }
  return ids;
}

Result<int64_t> ParseInt(std::string_view key, std::string_view value) {
  const std::string_view t = Trim(value);
  int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) return BadValue(key, value);
  return out;
}

std::string QuoteIfNeeded(const std::string& name) {
  bool plain =
      !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      plain = false;
    }
  }
  if (plain) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ColumnListText(const TableDef& table, const std::vector<uint32_t>& ids) {
  std::string out;
  for (uint32_t id : ids) {
    const ColumnDef* column = table.FindColumnById(id);
    if (column == nullptr) continue;
    if (!out.empty()) out.push_back(',');
    out += QuoteIfNeeded(column->name);
  }
  return out;
}

}  // namespace

// ---- TableDef ----

const ColumnDef* TableDef::FindColumn(std::string_view column_name) const {
  for (const ColumnDef& c : columns) {
    if (c.name == column_name) return &c;
  }
  return nullptr;
}

const ColumnDef* TableDef::FindColumnById(uint32_t column_id) const {
  for (const ColumnDef& c : columns) {
    if (c.id == column_id) return &c;
  }
  return nullptr;
}

std::optional<size_t> TableDef::ColumnIndex(uint32_t column_id) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].id == column_id) return i;
  }
  return std::nullopt;
}

std::vector<size_t> TableDef::PrimaryKeyIndexes() const {
  std::vector<size_t> out;
  out.reserve(primary_key.size());
  for (uint32_t column_id : primary_key) {
    const std::optional<size_t> index = ColumnIndex(column_id);
    STRATA_DCHECK(index.has_value());
    out.push_back(index.value_or(0));
  }
  return out;
}

std::vector<size_t> TableDef::DistributionKeyIndexes() const {
  std::vector<size_t> out;
  out.reserve(properties.distribution_key.size());
  for (uint32_t column_id : properties.distribution_key) {
    const std::optional<size_t> index = ColumnIndex(column_id);
    STRATA_DCHECK(index.has_value());
    out.push_back(index.value_or(0));
  }
  return out;
}

// ---- CatalogSnapshot ----

const SchemaDef* CatalogSnapshot::FindSchema(std::string_view name) const {
  const auto it = schema_ids_by_name_.find(name);
  if (it == schema_ids_by_name_.end()) return nullptr;
  return FindSchemaById(it->second);
}

const SchemaDef* CatalogSnapshot::FindSchemaById(uint32_t id) const {
  const auto it = schemas_by_id_.find(id);
  return it == schemas_by_id_.end() ? nullptr : it->second.get();
}

const TableDef* CatalogSnapshot::FindTableById(uint32_t id) const {
  const auto it = tables_by_id_.find(id);
  return it == tables_by_id_.end() ? nullptr : it->second.get();
}

const TableDef* CatalogSnapshot::FindTable(std::string_view schema, std::string_view name) const {
  const SchemaDef* s = FindSchema(schema.empty() ? kDefaultSchemaName : schema);
  if (s == nullptr) return nullptr;
  const auto it = table_ids_by_name_.find(std::make_pair(s->id, std::string(name)));
  if (it == table_ids_by_name_.end()) return nullptr;
  return FindTableById(it->second);
}

Result<const SchemaDef*> CatalogSnapshot::GetSchema(std::string_view name) const {
  const SchemaDef* s = FindSchema(name.empty() ? kDefaultSchemaName : name);
  if (s == nullptr) {
    return Status(
        SqlState::kInvalidSchemaName,
        "schema \"" + std::string(name.empty() ? kDefaultSchemaName : name) + "\" does not exist");
  }
  return s;
}

Result<const TableDef*> CatalogSnapshot::GetTable(const TableName& name) const {
  STRATA_ASSIGN_OR_RETURN(const SchemaDef* schema, GetSchema(name.schema));
  const auto it = table_ids_by_name_.find(std::make_pair(schema->id, name.name));
  if (it == table_ids_by_name_.end()) {
    const std::string written = name.schema.empty() ? name.name : name.schema + "." + name.name;
    return Status(SqlState::kUndefinedTable, "relation \"" + written + "\" does not exist");
  }
  return FindTableById(it->second);
}

std::vector<const SchemaDef*> CatalogSnapshot::schemas() const {
  std::vector<const SchemaDef*> out;
  out.reserve(schemas_by_id_.size());
  for (const auto& [id, s] : schemas_by_id_) out.push_back(s.get());
  return out;
}

std::vector<const TableDef*> CatalogSnapshot::tables() const {
  std::vector<const TableDef*> out;
  out.reserve(tables_by_id_.size());
  for (const auto& [id, t] : tables_by_id_) out.push_back(t.get());
  return out;
}

std::vector<const TableDef*> CatalogSnapshot::TablesInSchema(uint32_t schema_id) const {
  std::vector<const TableDef*> out;
  for (const auto& [id, t] : tables_by_id_) {
    if (t->schema_id == schema_id) out.push_back(t.get());
  }
  return out;
}

std::string CatalogSnapshot::QualifiedName(const TableDef& table) const {
  if (table.schema_id == kPublicSchemaId) return table.name;
  const SchemaDef* s = FindSchemaById(table.schema_id);
  if (s == nullptr) return table.name;
  return s->name + "." + table.name;
}

// ---- properties ----

std::string_view OrientationName(Orientation orientation) {
  switch (orientation) {
    case Orientation::kRow:
      return "row";
    case Orientation::kColumn:
      return "column";
    case Orientation::kRowColumn:
      return "row,column";
  }
  return "";
}

std::string_view BinlogLevelName(BinlogLevel level) {
  switch (level) {
    case BinlogLevel::kNone:
      return "none";
    case BinlogLevel::kReplica:
      return "replica";
  }
  return "";
}

Status ApplyTableProperty(const TableDef& table, std::string_view raw_key, std::string_view value,
                          TableProperties* props) {
  const std::string key = Lower(Trim(raw_key));
  if (key == "orientation") {
    STRATA_ASSIGN_OR_RETURN(std::vector<std::string> items, SplitList(key, value));
    bool row = false;
    bool column = false;
    for (const std::string& item : items) {
      const std::string word = Lower(item);
      if (word == "row") {
        row = true;
      } else if (word == "column") {
        column = true;
      } else {
        return BadValue(key, value);
      }
    }
    if (!row && !column) return BadValue(key, value);
    props->orientation =
        row && column ? Orientation::kRowColumn : (row ? Orientation::kRow : Orientation::kColumn);
    return Status::OK();
  }
  if (key == "binlog_level" || key == "binlog.level") {
    const std::string word = Lower(Trim(value));
    if (word == "none") {
      props->binlog_level = BinlogLevel::kNone;
    } else if (word == "replica") {
      props->binlog_level = BinlogLevel::kReplica;
    } else {
      return BadValue(key, value);
    }
    return Status::OK();
  }
  if (key == "replica_identity") {
    const std::string v = Lower(Trim(value));
    if (v == "default") {
      props->replica_identity = ReplicaIdentity::kDefault;
    } else if (v == "full") {
      props->replica_identity = ReplicaIdentity::kFull;
    } else if (v == "nothing") {
      props->replica_identity = ReplicaIdentity::kNothing;
    } else {
      return Status(SqlState::kInvalidParameterValue,
                    "invalid value for replica_identity: \"" + std::string(value) +
                        "\" (expected default, full or nothing)");
    }
    return Status::OK();
  }
  if (key == "binlog_ttl" || key == "binlog.ttl") {
    STRATA_ASSIGN_OR_RETURN(int64_t ttl, ParseInt(key, value));
    if (ttl < 0) return BadValue(key, value);
    props->binlog_ttl_seconds = ttl;
    return Status::OK();
  }
  if (key == "shard_count") {
    STRATA_ASSIGN_OR_RETURN(int64_t n, ParseInt(key, value));
    if (n < 1 || n > static_cast<int64_t>(kMaxShardCount)) {
      return Status(SqlState::kInvalidParameterValue,
                    "shard_count must be between 1 and " + std::to_string(kMaxShardCount));
    }
    props->shard_count = static_cast<uint32_t>(n);
    return Status::OK();
  }
  if (key == "distribution_key") {
    STRATA_ASSIGN_OR_RETURN(props->distribution_key,
                            ResolveColumnList(table, key, value, {}, /*allow_off=*/false));
    return Status::OK();
  }
  if (key == "clustering_key") {
    STRATA_ASSIGN_OR_RETURN(props->clustering_key,
                            ResolveColumnList(table, key, value, {"asc", "desc"}, false));
    return Status::OK();
  }
  if (key == "event_time_column" || key == "segment_key") {
    STRATA_ASSIGN_OR_RETURN(std::vector<uint32_t> ids,
                            ResolveColumnList(table, key, value, {}, false));
    if (ids.size() > 1) return BadValue(key, value);
    props->event_time_column = ids.empty() ? std::nullopt : std::optional<uint32_t>(ids.front());
    return Status::OK();
  }
  if (key == "dictionary_encoding_columns") {
    STRATA_ASSIGN_OR_RETURN(props->dictionary_encoding_columns,
                            ResolveColumnList(table, key, value, {"on", "off", "auto"}, true));
    return Status::OK();
  }
  if (key == "compression") {
    const std::string word = Lower(Trim(value));
    if (word == "lz4") {
      props->compression = ColumnCompression::kLz4;
    } else if (word == "zstd") {
      props->compression = ColumnCompression::kZstd;
    } else if (word == "default") {
      props->compression = ColumnCompression::kDefault;
    } else {
      return BadValue(key, value);
    }
    return Status::OK();
  }
  if (key == "bitmap_columns") {
    STRATA_ASSIGN_OR_RETURN(props->bitmap_columns,
                            ResolveColumnList(table, key, value, {"on", "off", "auto"}, true));
    return Status::OK();
  }
  return Status(SqlState::kInvalidParameterValue,
                "unrecognized parameter \"" + std::string(Trim(raw_key)) + "\"");
}

std::vector<std::pair<std::string, std::string>> TablePropertiesAsText(const TableDef& table) {
  const TableProperties& p = table.properties;
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("orientation", std::string(OrientationName(p.orientation)));
  out.emplace_back("binlog_level", std::string(BinlogLevelName(p.binlog_level)));
  out.emplace_back("binlog_ttl", std::to_string(p.binlog_ttl_seconds));
  out.emplace_back("shard_count", std::to_string(p.shard_count));
  out.emplace_back("distribution_key", ColumnListText(table, p.distribution_key));
  out.emplace_back("clustering_key", ColumnListText(table, p.clustering_key));
  out.emplace_back("event_time_column", p.event_time_column.has_value()
                                            ? ColumnListText(table, {*p.event_time_column})
                                            : std::string());
  out.emplace_back("dictionary_encoding_columns",
                   ColumnListText(table, p.dictionary_encoding_columns));
  out.emplace_back("bitmap_columns", ColumnListText(table, p.bitmap_columns));
  out.emplace_back("compression", p.compression == ColumnCompression::kLz4    ? "lz4"
                                  : p.compression == ColumnCompression::kZstd ? "zstd"
                                                                              : "");
  return out;
}

}  // namespace strata::storage
