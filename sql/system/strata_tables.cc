// strata_tables: one row per user table with its Strata properties
// (orientation, shards, binlog, keys, compression) and the state of its
// column replica (segments named by the manifest, their rows, deleted rows,
// rows still in the delta) — DESIGN §8's system view, for users and tests.
// strata_pools: one row per resource pool with its settings and counters.

#include "isolation/memory_budget.h"
#include "isolation/resource_pool.h"
#include "sql/system/builtin_relations.h"
#include "storage/catalog.h"
#include "storage/column_replica.h"
#include "storage/database.h"

namespace strata::sql::system {

namespace {

// The property columns, in TablePropertiesAsText's order and spelling.
const std::vector<std::string>& PropertyColumns() {
  static const std::vector<std::string> names = {
      "orientation",     "binlog_level",      "binlog_ttl",
      "shard_count",     "distribution_key",  "clustering_key",
      "event_time_column", "dictionary_encoding_columns", "bitmap_columns",
      "compression"};
  return names;
}

DataType PropertyType(const std::string& name) {
  if (name == "binlog_ttl") return kInt8Type;
  if (name == "shard_count") return kInt4Type;
  return kTextType;
}

Result<std::vector<Row>> StrataTableRows(const SystemScanContext& ctx) {
  std::vector<Row> rows;
  for (const storage::TableDef* table : ctx.catalog->tables()) {
    const storage::SchemaDef* schema = ctx.catalog->FindSchemaById(table->schema_id);
    Row row{Value::Text(schema != nullptr ? schema->name : "public"), Value::Text(table->name),
            OidValue(table->id)};
    // "" means unset: shown as NULL, as Hologres' property views do.
    for (const auto& [key, text] : storage::TablePropertiesAsText(*table)) {
      const DataType type = PropertyType(key);
      if (text.empty()) {
        row.push_back(Value::Null(type.id));
      } else if (type.id == TypeId::kInt8) {
        row.push_back(Value::Int8(std::stoll(text)));
      } else if (type.id == TypeId::kInt4) {
        row.push_back(Value::Int4(static_cast<int32_t>(std::stol(text))));
      } else {
        row.push_back(Value::Text(text));
      }
    }
    storage::ColumnReplicaTableInfo info;
    if (ctx.database != nullptr) {
      STRATA_ASSIGN_OR_RETURN(info, ctx.database->ColumnReplicaInfo(*table));
    }
    for (uint64_t n : {info.segments, info.segment_rows, info.deleted_rows, info.delta_rows}) {
      row.push_back(Value::Int8(static_cast<int64_t>(n)));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<Row>> StrataPoolRows(const SystemScanContext& ctx) {
  std::vector<Row> rows;
  if (ctx.pools == nullptr) return rows;
  for (const auto& pool : ctx.pools->pools()) {
    const isolation::PoolOptions& o = pool->options();
    isolation::MemoryBudget* budget = pool->memory_budget();
    rows.push_back({Value::Text(pool->name()), Value::Int4(o.threads), Value::Int4(o.queue_capacity),
                    Value::Int4(o.nice),
                    o.memory_limit_bytes == 0 ? Value::Null(TypeId::kInt8)
                                              : Value::Int8(static_cast<int64_t>(o.memory_limit_bytes)),
                    Value::Int8(static_cast<int64_t>(budget->used_bytes())),
                    Value::Int4(pool->queued()), Value::Int4(pool->running()),
                    Value::Int8(static_cast<int64_t>(pool->completed())),
                    Value::Int8(static_cast<int64_t>(pool->rejected()))});
  }
  return rows;
}

}  // namespace

void RegisterStrataPools(Registry* registry) {
  SystemRelation r;
  r.schema = "pg_catalog";
  r.name = "strata_pools";
  r.oid = kFreeSystemOid + 703;
  r.is_view = true;
  r.columns = {{"name", kTextType},          {"threads", kInt4Type},       {"queue_capacity", kInt4Type},
               {"nice", kInt4Type},          {"memory_limit", kInt8Type},  {"memory_used", kInt8Type},
               {"queued", kInt4Type},        {"running", kInt4Type},       {"completed", kInt8Type},
               {"rejected", kInt8Type}};
  r.generate = StrataPoolRows;
  registry->Add(std::move(r));
}

void RegisterStrataTables(Registry* registry) {
  SystemRelation r;
  r.schema = "pg_catalog";
  r.name = "strata_tables";
  r.oid = kFreeSystemOid + 702;
  r.is_view = true;
  r.columns = {{"table_schema", kNameType}, {"table_name", kNameType}, {"table_oid", kOidType}};
  for (const std::string& name : PropertyColumns()) r.columns.push_back({name, PropertyType(name)});
  for (const char* name : {"column_segments", "column_segment_rows", "column_deleted_rows",
                           "column_delta_rows"}) {
    r.columns.push_back({name, kInt8Type});
  }
  r.generate = StrataTableRows;
  registry->Add(std::move(r));
}

}  // namespace strata::sql::system
