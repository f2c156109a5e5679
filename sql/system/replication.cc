// Logical replication catalogs: publications (pg_publication,
// pg_publication_rel, pg_publication_namespace, pg_publication_tables) from
// the database's replication state, and replication slots
// (pg_replication_slots, strata_replication_slots) from the server's slot
// manager.

#include <map>

#include "binlog/publication.h"
#include "binlog/replication_slot.h"
#include "sql/system/builtin_relations.h"
#include "storage/catalog.h"
#include "storage/change_feed.h"
#include "storage/database.h"
#include "storage/lsn.h"

namespace strata::sql::system {

namespace {

// Publications have no OID of their own in Strata; this one is stable for a
// name (FNV-1a), in a range apart from tables and derived OIDs.
uint32_t PublicationOid(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return 0x50000000u + (h & 0x0FFFFFFFu);
}

Result<std::vector<binlog::Publication>> LoadPublications(const SystemScanContext& ctx) {
  std::vector<binlog::Publication> out;
  if (ctx.database == nullptr) return out;
  STRATA_ASSIGN_OR_RETURN(auto records, ctx.database->change_feed().ListReplicationState());
  for (const auto& [key, value] : records) {
    if (key.rfind(binlog::kPublicationKeyPrefix, 0) != 0) continue;
    STRATA_ASSIGN_OR_RETURN(
        binlog::Publication p,
        binlog::DecodePublication(key.substr(binlog::kPublicationKeyPrefix.size()), value));
    out.push_back(std::move(p));
  }
  return out;
}

// The tables a publication covers, as the scanning transaction sees them.
std::vector<const storage::TableDef*> PublishedTables(const binlog::Publication& p,
                                                      const storage::CatalogSnapshot& catalog) {
  std::vector<const storage::TableDef*> out;
  for (const storage::TableDef* table : catalog.tables()) {
    if (p.Includes(table->id)) out.push_back(table);
  }
  return out;
}

std::string SchemaName(const storage::CatalogSnapshot& catalog, const storage::TableDef& t) {
  const storage::SchemaDef* schema = catalog.FindSchemaById(t.schema_id);
  return schema != nullptr ? schema->name : "public";
}

SystemRelation Relation(std::string name, uint32_t oid, bool is_view,
                        std::vector<SystemColumn> columns,
                        std::function<Result<std::vector<Row>>(const SystemScanContext&)> generate) {
  SystemRelation r;
  r.schema = "pg_catalog";
  r.name = std::move(name);
  r.oid = oid;
  r.is_view = is_view;
  r.columns = std::move(columns);
  r.generate = std::move(generate);
  return r;
}

Result<std::vector<Row>> SlotRows(const SystemScanContext& ctx) {
  std::vector<Row> rows;
  if (ctx.replication_slots == nullptr) return rows;
  for (const binlog::SlotInfo& slot : ctx.replication_slots->List()) {
    rows.push_back(Row{
        Value::Text(slot.name), Value::Text(slot.plugin), Value::Text("logical"),
        Value::Int8(kDatabaseOid), Value::Text(ctx.database_name.empty() ? "strata"
                                                                         : ctx.database_name),
        Value::Bool(slot.temporary), Value::Bool(slot.active_pid != 0),
        slot.active_pid != 0 ? Value::Int4(slot.active_pid) : Value::Null(TypeId::kInt4),
        Value::Null(TypeId::kInt8), Value::Null(TypeId::kInt8),
        Value::Text(storage::FormatLsn(slot.restart_lsn)),
        Value::Text(storage::FormatLsn(slot.confirmed_lsn)), Value::Text("reserved"),
        Value::Null(TypeId::kInt8), Value::Bool(false)});
  }
  return rows;
}

}  // namespace

void RegisterReplication(Registry* registry) {
  registry->Add(Relation(
      "pg_publication", 6104, false,
      {{"oid", kOidType}, {"pubname", kNameType}, {"pubowner", kOidType},
       {"puballtables", kBoolType}, {"pubinsert", kBoolType}, {"pubupdate", kBoolType},
       {"pubdelete", kBoolType}, {"pubtruncate", kBoolType}, {"pubviaroot", kBoolType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        STRATA_ASSIGN_OR_RETURN(auto publications, LoadPublications(ctx));
        std::vector<Row> rows;
        for (const auto& p : publications) {
          rows.push_back(Row{Value::Int8(PublicationOid(p.name)), Value::Text(p.name),
                             Value::Int8(kBootstrapRoleOid), Value::Bool(p.all_tables),
                             Value::Bool(p.publish_insert), Value::Bool(p.publish_update),
                             Value::Bool(p.publish_delete), Value::Bool(p.publish_truncate),
                             Value::Bool(false)});
        }
        return rows;
      }));
  registry->Add(Relation(
      "pg_publication_rel", 6106, false,
      {{"oid", kOidType}, {"prpubid", kOidType}, {"prrelid", kOidType}, {"prqual", kTextType},
       {"prattrs", kInt2ArrayType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        STRATA_ASSIGN_OR_RETURN(auto publications, LoadPublications(ctx));
        std::vector<Row> rows;
        for (const auto& p : publications) {
          if (p.all_tables) continue;
          for (const storage::TableDef* t : PublishedTables(p, *ctx.catalog)) {
            rows.push_back(Row{Value::Int8(PublicationOid(p.name) ^ t->id),
                               Value::Int8(PublicationOid(p.name)), Value::Int8(t->id),
                               Value::Null(TypeId::kText), Value::Null(TypeId::kArray)});
          }
        }
        return rows;
      }));
  registry->Add(Relation("pg_publication_namespace", 6237, false,
                         {{"oid", kOidType}, {"pnpubid", kOidType}, {"pnnspid", kOidType}},
                         [](const SystemScanContext&) -> Result<std::vector<Row>> {
                           return std::vector<Row>{};  // no TABLES IN SCHEMA in Strata
                         }));
  registry->Add(Relation(
      "pg_publication_tables", kFreeSystemOid + 700, true,
      {{"pubname", kNameType}, {"schemaname", kNameType}, {"tablename", kNameType},
       {"attnames", kTextArrayType}, {"rowfilter", kTextType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        STRATA_ASSIGN_OR_RETURN(auto publications, LoadPublications(ctx));
        std::vector<Row> rows;
        for (const auto& p : publications) {
          for (const storage::TableDef* t : PublishedTables(p, *ctx.catalog)) {
            std::vector<Value> names;
            for (const auto& c : t->columns) names.push_back(Value::Text(c.name));
            rows.push_back(Row{Value::Text(p.name), Value::Text(SchemaName(*ctx.catalog, *t)),
                               Value::Text(t->name), Value::Array(TypeId::kText, names),
                               Value::Null(TypeId::kText)});
          }
        }
        return rows;
      }));
  // pg_lsn columns are text ("X/Y"), xid columns int8 (see the type
  // conventions in system_relations.h).
  const std::vector<SystemColumn> slot_columns = {
      {"slot_name", kNameType},       {"plugin", kNameType},        {"slot_type", kTextType},
      {"datoid", kOidType},           {"database", kNameType},      {"temporary", kBoolType},
      {"active", kBoolType},          {"active_pid", kInt4Type},    {"xmin", kOidType},
      {"catalog_xmin", kOidType},     {"restart_lsn", kTextType},   {"confirmed_flush_lsn", kTextType},
      {"wal_status", kTextType},      {"safe_wal_size", kInt8Type}, {"two_phase", kBoolType}};
  registry->Add(Relation("pg_replication_slots", 3254, true, slot_columns, SlotRows));
  registry->Add(
      Relation("strata_replication_slots", kFreeSystemOid + 701, true, slot_columns, SlotRows));
}

}  // namespace strata::sql::system
