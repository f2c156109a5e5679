// pg_catalog relations over Strata's catalog. Column lists follow
// PostgreSQL 15's catalogs (same names, same order); see the type
// conventions in system_relations.h.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sql/engine.h"
#include "sql/functions/registry.h"
#include "sql/system/builtin_relations.h"
#include "storage/catalog.h"

namespace strata::sql::system {

namespace {

using Columns = std::vector<SystemColumn>;

void Add(Registry* registry, std::string name, uint32_t oid, bool is_view, Columns columns,
         std::function<Result<std::vector<Row>>(const SystemScanContext&)> generate) {
  SystemRelation r;
  r.schema = "pg_catalog";
  r.name = std::move(name);
  r.oid = oid;
  r.is_view = is_view;
  r.columns = std::move(columns);
  r.generate = std::move(generate);
  registry->Add(std::move(r));
}

std::vector<Row> NoRows(const SystemScanContext&) { return {}; }

uint32_t SchemaOidOf(const storage::CatalogSnapshot& catalog, const std::string& schema) {
  const storage::SchemaDef* s = catalog.FindSchema(schema);
  return s != nullptr ? s->id : 0;
}

// pg_type facts of a column type.
int16_t AttLen(const DataType& t) { return TypeLen(t); }
bool ByVal(int16_t len) { return len == 1 || len == 2 || len == 4 || len == 8; }
std::string Align(const DataType& t) {
  const TypeId id = t.is_array() ? t.element : t.id;
  switch (id) {
    case TypeId::kBool: return "c";
    case TypeId::kInt2: return "s";
    case TypeId::kInt8:
    case TypeId::kFloat8:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
    case TypeId::kInterval: return "d";
    case TypeId::kUuid: return "c";
    default: return "i";
  }
}
std::string Storage(const DataType& t) {
  if (t.is_array()) return "x";
  if (t.id == TypeId::kNumeric) return "m";
  return TypeLen(t) == -1 ? "x" : "p";
}
uint32_t Collation(const DataType& t) {
  const TypeId id = t.is_array() ? t.element : t.id;
  return IsStringType(id) ? 100 : 0;
}

// Every relation pg_class lists, flattened: user tables, their primary-key
// indexes, and the system relations.
struct ClassRow {
  uint32_t oid;
  std::string name;
  uint32_t namespace_oid;
  std::string kind;  // r, i, v
  const storage::TableDef* table = nullptr;  // user tables and their indexes
  const SystemRelation* system = nullptr;
};

std::vector<ClassRow> AllClasses(const SystemScanContext& ctx) {
  std::vector<ClassRow> out;
  for (const SystemRelation& rel : Relations().relations()) {
    out.push_back({rel.oid, rel.name, SchemaOidOf(*ctx.catalog, rel.schema), rel.is_view ? "v" : "r", nullptr,
                   &rel});
  }
  for (const storage::TableDef* t : ctx.catalog->tables()) {
    out.push_back({t->id, t->name, t->schema_id, "r", t, nullptr});
    if (t->has_primary_key()) out.push_back({IndexOid(t->id), t->name + "_pkey", t->schema_id, "i", t, nullptr});
  }
  return out;
}

std::vector<Value> PkKey(const storage::TableDef& t) {
  std::vector<Value> key;
  for (size_t i : t.PrimaryKeyIndexes()) key.push_back(Value::Int2(static_cast<int16_t>(i + 1)));
  return key;
}

Row AttributeRow(uint32_t relid, const std::string& name, const DataType& type, int attnum, bool not_null,
                 bool has_default) {
  const int16_t len = AttLen(type);
  return Row{OidValue(relid),
             TextValue(name),
             OidValue(TypeOid(type)),
             Value::Int4(-1),
             Value::Int2(len),
             Value::Int2(static_cast<int16_t>(attnum)),
             Value::Int4(type.is_array() ? 1 : 0),
             Value::Int4(-1),
             Value::Int4(type.typmod),
             Value::Bool(ByVal(len)),
             TextValue(Align(type)),
             TextValue(Storage(type)),
             TextValue(""),
             Value::Bool(not_null),
             Value::Bool(has_default),
             Value::Bool(false),
             TextValue(""),
             TextValue(""),
             Value::Bool(false),
             Value::Bool(true),
             Value::Int4(0),
             OidValue(Collation(type)),
             NullOf(kTextArrayType),
             NullOf(kTextArrayType),
             NullOf(kTextArrayType),
             NullOf(kTextType)};
}

// The login roles plus PostgreSQL's predefined pg_database_owner, which
// owns schema public (as in PostgreSQL 15). It cannot log in.
struct RoleRow {
  std::string name;
  bool superuser = false;
  bool can_login = true;
};

std::vector<RoleRow> RolesOf(const SystemScanContext& ctx) {
  std::vector<RoleRow> out;
  if (ctx.server != nullptr) {
    for (const RoleDescription& r : ctx.server->Roles()) out.push_back({r.name, r.superuser, true});
  } else {
    out.push_back({ctx.user, ctx.user == kOwnerRole, true});
  }
  out.push_back({std::string(kDatabaseOwnerRole), false, false});
  return out;
}

}  // namespace

void RegisterPgCatalog(Registry* registry) {
  Add(registry, "pg_namespace", 2615, false,
      {{"oid", kOidType}, {"nspname", kNameType}, {"nspowner", kOidType}, {"nspacl", kTextArrayType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const storage::SchemaDef* s : ctx.catalog->schemas()) {
          const uint32_t owner = s->id == kPublicNamespaceOid ? RoleOid(kDatabaseOwnerRole) : kBootstrapRoleOid;
          rows.push_back({OidValue(s->id), TextValue(s->name), OidValue(owner), NullOf(kTextArrayType)});
        }
        return rows;
      });

  Add(registry, "pg_class", 1259, false,
      {{"oid", kOidType},           {"relname", kNameType},         {"relnamespace", kOidType},
       {"reltype", kOidType},       {"reloftype", kOidType},        {"relowner", kOidType},
       {"relam", kOidType},         {"relfilenode", kOidType},      {"reltablespace", kOidType},
       {"relpages", kInt4Type},     {"reltuples", kFloat4Type},     {"relallvisible", kInt4Type},
       {"reltoastrelid", kOidType}, {"relhasindex", kBoolType},     {"relisshared", kBoolType},
       {"relpersistence", kTextType}, {"relkind", kTextType},       {"relnatts", kInt2Type},
       {"relchecks", kInt2Type},    {"relhasrules", kBoolType},     {"relhastriggers", kBoolType},
       {"relhassubclass", kBoolType}, {"relrowsecurity", kBoolType}, {"relforcerowsecurity", kBoolType},
       {"relispopulated", kBoolType}, {"relreplident", kTextType},  {"relispartition", kBoolType},
       {"relrewrite", kOidType},    {"relfrozenxid", kOidType},     {"relminmxid", kOidType},
       {"relacl", kTextArrayType},  {"reloptions", kTextArrayType}, {"relpartbound", kTextType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const ClassRow& c : AllClasses(ctx)) {
          const bool is_index = c.kind == "i";
          int natts = 0;
          if (c.system != nullptr) natts = static_cast<int>(c.system->columns.size());
          if (c.table != nullptr) {
            natts = is_index ? static_cast<int>(c.table->primary_key.size())
                             : static_cast<int>(c.table->columns.size());
          }
          Value options = NullOf(kTextArrayType);
          if (c.table != nullptr && !is_index) {
            // Strata's table properties, where PostgreSQL keeps storage
            // parameters (psql \d+ shows them as "Options:").
            std::vector<Value> items;
            for (const auto& [k, v] : storage::TablePropertiesAsText(*c.table)) {
              if (!v.empty()) items.push_back(Value::Text(k + "=" + v));
            }
            options = Value::Array(TypeId::kText, std::move(items));
          }
          rows.push_back({OidValue(c.oid),
                          TextValue(c.name),
                          OidValue(c.namespace_oid),
                          OidValue(0),
                          OidValue(0),
                          OidValue(kBootstrapRoleOid),
                          OidValue(c.kind == "r" ? 2 : is_index ? 403 : 0),
                          OidValue(c.table != nullptr && !is_index ? c.table->relfilenode : c.oid),
                          OidValue(0),
                          Value::Int4(0),
                          Value::Float4(-1),
                          Value::Int4(0),
                          OidValue(0),
                          Value::Bool(c.table != nullptr && !is_index && c.table->has_primary_key()),
                          Value::Bool(false),
                          TextValue("p"),
                          TextValue(c.kind),
                          Value::Int2(static_cast<int16_t>(natts)),
                          Value::Int2(0),
                          Value::Bool(c.kind == "v"),
                          Value::Bool(false),
                          Value::Bool(false),
                          Value::Bool(false),
                          Value::Bool(false),
                          Value::Bool(true),
                          TextValue(c.kind == "r" ? "d" : "n"),
                          Value::Bool(false),
                          OidValue(0),
                          OidValue(0),
                          OidValue(0),
                          NullOf(kTextArrayType),
                          std::move(options),
                          NullOf(kTextType)});
        }
        return rows;
      });

  Add(registry, "pg_attribute", 1249, false,
      {{"attrelid", kOidType},      {"attname", kNameType},        {"atttypid", kOidType},
       {"attstattarget", kInt4Type}, {"attlen", kInt2Type},        {"attnum", kInt2Type},
       {"attndims", kInt4Type},     {"attcacheoff", kInt4Type},    {"atttypmod", kInt4Type},
       {"attbyval", kBoolType},     {"attalign", kTextType},       {"attstorage", kTextType},
       {"attcompression", kTextType}, {"attnotnull", kBoolType},   {"atthasdef", kBoolType},
       {"atthasmissing", kBoolType}, {"attidentity", kTextType},   {"attgenerated", kTextType},
       {"attisdropped", kBoolType}, {"attislocal", kBoolType},     {"attinhcount", kInt4Type},
       {"attcollation", kOidType},  {"attacl", kTextArrayType},    {"attoptions", kTextArrayType},
       {"attfdwoptions", kTextArrayType}, {"attmissingval", kTextType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const SystemRelation& rel : Relations().relations()) {
          for (size_t i = 0; i < rel.columns.size(); ++i) {
            rows.push_back(AttributeRow(rel.oid, rel.columns[i].name, rel.columns[i].type, static_cast<int>(i + 1),
                                        false, false));
          }
        }
        for (const storage::TableDef* t : ctx.catalog->tables()) {
          for (size_t i = 0; i < t->columns.size(); ++i) {
            const storage::ColumnDef& c = t->columns[i];
            rows.push_back(AttributeRow(t->id, c.name, c.type, static_cast<int>(i + 1), c.not_null,
                                        !c.default_sql.empty()));
          }
          // The primary-key index's attributes are its key columns.
          int n = 0;
          for (size_t i : t->PrimaryKeyIndexes()) {
            const storage::ColumnDef& c = t->columns[i];
            rows.push_back(AttributeRow(IndexOid(t->id), c.name, c.type, ++n, false, false));
          }
        }
        return rows;
      });

  Add(registry, "pg_type", 1247, false,
      {{"oid", kOidType},          {"typname", kNameType},       {"typnamespace", kOidType},
       {"typowner", kOidType},     {"typlen", kInt2Type},        {"typbyval", kBoolType},
       {"typtype", kTextType},     {"typcategory", kTextType},   {"typispreferred", kBoolType},
       {"typisdefined", kBoolType}, {"typdelim", kTextType},     {"typrelid", kOidType},
       {"typsubscript", kOidType}, {"typelem", kOidType},        {"typarray", kOidType},
       {"typinput", kOidType},     {"typoutput", kOidType},      {"typreceive", kOidType},
       {"typsend", kOidType},      {"typmodin", kOidType},       {"typmodout", kOidType},
       {"typanalyze", kOidType},   {"typalign", kTextType},      {"typstorage", kTextType},
       {"typnotnull", kBoolType},  {"typbasetype", kOidType},    {"typtypmod", kInt4Type},
       {"typndims", kInt4Type},    {"typcollation", kOidType},   {"typdefaultbin", kTextType},
       {"typdefault", kTextType},  {"typacl", kTextArrayType}},
      [](const SystemScanContext&) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const TypeRow& t : AllTypes()) {
          const bool byval = ByVal(t.len) && t.typtype == 'b';
          const std::string align = t.len == 8 ? "d" : t.len == 2 ? "s" : t.len == 1 ? "c" : "i";
          rows.push_back({OidValue(t.oid),
                          TextValue(t.name),
                          OidValue(kPgCatalogNamespaceOid),
                          OidValue(kBootstrapRoleOid),
                          Value::Int2(t.len),
                          Value::Bool(byval),
                          TextValue(std::string(1, t.typtype)),
                          TextValue(std::string(1, t.category)),
                          Value::Bool(t.preferred),
                          Value::Bool(true),
                          TextValue(","),
                          OidValue(0),
                          OidValue(t.elem != 0 ? 6179 : 0),
                          OidValue(t.elem),
                          OidValue(t.array),
                          OidValue(t.input_proc),
                          OidValue(0),
                          OidValue(0),
                          OidValue(0),
                          OidValue(0),
                          OidValue(0),
                          OidValue(0),
                          TextValue(align),
                          TextValue(t.len == -1 ? "x" : "p"),
                          Value::Bool(false),
                          OidValue(0),
                          Value::Int4(-1),
                          Value::Int4(0),
                          OidValue(t.collation),
                          NullOf(kTextType),
                          NullOf(kTextType),
                          NullOf(kTextArrayType)});
        }
        return rows;
      });

  Add(registry, "pg_index", 2610, false,
      {{"indexrelid", kOidType},     {"indrelid", kOidType},        {"indnatts", kInt2Type},
       {"indnkeyatts", kInt2Type},   {"indisunique", kBoolType},    {"indnullsnotdistinct", kBoolType},
       {"indisprimary", kBoolType},  {"indisexclusion", kBoolType}, {"indimmediate", kBoolType},
       {"indisclustered", kBoolType}, {"indisvalid", kBoolType},    {"indcheckxmin", kBoolType},
       {"indisready", kBoolType},    {"indislive", kBoolType},      {"indisreplident", kBoolType},
       {"indkey", kInt2ArrayType},   {"indcollation", kOidArrayType}, {"indclass", kOidArrayType},
       {"indoption", kInt2ArrayType}, {"indexprs", kTextType},      {"indpred", kTextType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const storage::TableDef* t : ctx.catalog->tables()) {
          if (!t->has_primary_key()) continue;
          const auto n = static_cast<int16_t>(t->primary_key.size());
          std::vector<Value> coll;
          std::vector<Value> cls;
          std::vector<Value> opt;
          for (size_t i : t->PrimaryKeyIndexes()) {
            coll.push_back(Value::Int8(Collation(t->columns[i].type)));
            cls.push_back(Value::Int8(0));
            opt.push_back(Value::Int2(0));
          }
          rows.push_back({OidValue(IndexOid(t->id)), OidValue(t->id), Value::Int2(n), Value::Int2(n),
                          Value::Bool(true), Value::Bool(false), Value::Bool(true), Value::Bool(false),
                          Value::Bool(true), Value::Bool(false), Value::Bool(true), Value::Bool(false),
                          Value::Bool(true), Value::Bool(true), Value::Bool(false),
                          Value::Array(TypeId::kInt2, PkKey(*t)), Value::Array(TypeId::kInt8, std::move(coll)),
                          Value::Array(TypeId::kInt8, std::move(cls)), Value::Array(TypeId::kInt2, std::move(opt)),
                          NullOf(kTextType), NullOf(kTextType)});
        }
        return rows;
      });

  Add(registry, "pg_constraint", 2606, false,
      {{"oid", kOidType},            {"conname", kNameType},          {"connamespace", kOidType},
       {"contype", kTextType},       {"condeferrable", kBoolType},    {"condeferred", kBoolType},
       {"convalidated", kBoolType},  {"conrelid", kOidType},          {"contypid", kOidType},
       {"conindid", kOidType},       {"conparentid", kOidType},       {"confrelid", kOidType},
       {"confupdtype", kTextType},   {"confdeltype", kTextType},      {"confmatchtype", kTextType},
       {"conislocal", kBoolType},    {"coninhcount", kInt4Type},      {"connoinherit", kBoolType},
       {"conkey", kInt2ArrayType},   {"confkey", kInt2ArrayType},     {"conpfeqop", kOidArrayType},
       {"conppeqop", kOidArrayType}, {"conffeqop", kOidArrayType},    {"confdelsetcols", kInt2ArrayType},
       {"conexclop", kOidArrayType}, {"conbin", kTextType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const storage::TableDef* t : ctx.catalog->tables()) {
          if (!t->has_primary_key()) continue;
          rows.push_back({OidValue(ConstraintOid(t->id)), TextValue(t->name + "_pkey"), OidValue(t->schema_id),
                          TextValue("p"), Value::Bool(false), Value::Bool(false), Value::Bool(true),
                          OidValue(t->id), OidValue(0), OidValue(IndexOid(t->id)), OidValue(0), OidValue(0),
                          TextValue(" "), TextValue(" "), TextValue(" "), Value::Bool(true), Value::Int4(0),
                          Value::Bool(true), Value::Array(TypeId::kInt2, PkKey(*t)), NullOf(kInt2ArrayType),
                          NullOf(kOidArrayType), NullOf(kOidArrayType), NullOf(kOidArrayType),
                          NullOf(kInt2ArrayType), NullOf(kOidArrayType), NullOf(kTextType)});
        }
        return rows;
      });

  Add(registry, "pg_attrdef", 2604, false,
      {{"oid", kOidType}, {"adrelid", kOidType}, {"adnum", kInt2Type}, {"adbin", kTextType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        // adbin holds the default's SQL text (PostgreSQL: a node tree);
        // pg_get_expr returns it as written.
        std::vector<Row> rows;
        for (const storage::TableDef* t : ctx.catalog->tables()) {
          for (size_t i = 0; i < t->columns.size(); ++i) {
            const storage::ColumnDef& c = t->columns[i];
            if (c.default_sql.empty()) continue;
            const int attnum = static_cast<int>(i + 1);
            rows.push_back({OidValue(AttrDefOid(t->id, attnum)), OidValue(t->id),
                            Value::Int2(static_cast<int16_t>(attnum)), TextValue(c.default_sql)});
          }
        }
        return rows;
      });

  Add(registry, "pg_database", 1262, false,
      {{"oid", kOidType},           {"datname", kNameType},       {"datdba", kOidType},
       {"encoding", kInt4Type},     {"datlocprovider", kTextType}, {"datistemplate", kBoolType},
       {"datallowconn", kBoolType}, {"datconnlimit", kInt4Type},  {"datfrozenxid", kOidType},
       {"datminmxid", kOidType},    {"dattablespace", kOidType},  {"datcollate", kTextType},
       {"datctype", kTextType},     {"daticulocale", kTextType},  {"datcollversion", kTextType},
       {"datacl", kTextArrayType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        // One database; Strata compares text bytewise (collation "C").
        return std::vector<Row>{{OidValue(kDatabaseOid), TextValue(ctx.database_name), OidValue(kBootstrapRoleOid),
                                 Value::Int4(6), TextValue("c"), Value::Bool(false), Value::Bool(true),
                                 Value::Int4(-1), OidValue(0), OidValue(1), OidValue(1663), TextValue("C"),
                                 TextValue("C"), NullOf(kTextType), NullOf(kTextType), NullOf(kTextArrayType)}};
      });

  Columns role_columns = {{"rolname", kNameType},      {"rolsuper", kBoolType},       {"rolinherit", kBoolType},
                          {"rolcreaterole", kBoolType}, {"rolcreatedb", kBoolType},   {"rolcanlogin", kBoolType},
                          {"rolreplication", kBoolType}, {"rolconnlimit", kInt4Type}, {"rolpassword", kTextType},
                          {"rolvaliduntil", kTimestampTzType}, {"rolbypassrls", kBoolType},
                          {"rolconfig", kTextArrayType}, {"oid", kOidType}};
  Add(registry, "pg_roles", 12001, true, role_columns, [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
    std::vector<Row> rows;
    for (const RoleRow& r : RolesOf(ctx)) {
      rows.push_back({TextValue(r.name), Value::Bool(r.superuser), Value::Bool(true), Value::Bool(r.superuser),
                      Value::Bool(r.superuser), Value::Bool(r.can_login), Value::Bool(r.superuser), Value::Int4(-1),
                      TextValue("********"), NullOf(kTimestampTzType), Value::Bool(r.superuser),
                      NullOf(kTextArrayType), OidValue(RoleOid(r.name))});
    }
    return rows;
  });
  Add(registry, "pg_authid", 1260, false,
      {{"oid", kOidType},            {"rolname", kNameType},       {"rolsuper", kBoolType},
       {"rolinherit", kBoolType},    {"rolcreaterole", kBoolType}, {"rolcreatedb", kBoolType},
       {"rolcanlogin", kBoolType},   {"rolreplication", kBoolType}, {"rolbypassrls", kBoolType},
       {"rolconnlimit", kInt4Type},  {"rolpassword", kTextType},   {"rolvaliduntil", kTimestampTzType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        // Password verifiers are not exposed (PostgreSQL shows them to
        // superusers only).
        std::vector<Row> rows;
        for (const RoleRow& r : RolesOf(ctx)) {
          rows.push_back({OidValue(RoleOid(r.name)), TextValue(r.name), Value::Bool(r.superuser), Value::Bool(true),
                          Value::Bool(r.superuser), Value::Bool(r.superuser), Value::Bool(r.can_login),
                          Value::Bool(r.superuser), Value::Bool(r.superuser), Value::Int4(-1), NullOf(kTextType),
                          NullOf(kTimestampTzType)});
        }
        return rows;
      });
  Add(registry, "pg_user", 12004, true,
      {{"usename", kNameType},   {"usesysid", kOidType},      {"usecreatedb", kBoolType},
       {"usesuper", kBoolType},  {"userepl", kBoolType},      {"usebypassrls", kBoolType},
       {"passwd", kTextType},    {"valuntil", kTimestampTzType}, {"useconfig", kTextArrayType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const RoleRow& r : RolesOf(ctx)) {
          if (!r.can_login) continue;
          rows.push_back({TextValue(r.name), OidValue(RoleOid(r.name)), Value::Bool(r.superuser),
                          Value::Bool(r.superuser), Value::Bool(r.superuser), Value::Bool(r.superuser),
                          TextValue("********"), NullOf(kTimestampTzType), NullOf(kTextArrayType)});
        }
        return rows;
      });
  // Strata has no role membership.
  Add(registry, "pg_auth_members", 1261, false,
      {{"roleid", kOidType}, {"member", kOidType}, {"grantor", kOidType}, {"admin_option", kBoolType}}, NoRows);

  Add(registry, "pg_settings", 12008, true,
      {{"name", kTextType},       {"setting", kTextType},   {"unit", kTextType},      {"category", kTextType},
       {"short_desc", kTextType}, {"extra_desc", kTextType}, {"context", kTextType},  {"vartype", kTextType},
       {"source", kTextType},     {"min_val", kTextType},   {"max_val", kTextType},   {"enumvals", kTextArrayType},
       {"boot_val", kTextType},   {"reset_val", kTextType}, {"sourcefile", kTextType}, {"sourceline", kInt4Type},
       {"pending_restart", kBoolType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const auto& [name, value] : ctx.settings) {
          rows.push_back({TextValue(name), TextValue(value), NullOf(kTextType), NullOf(kTextType), NullOf(kTextType),
                          NullOf(kTextType), TextValue("user"), TextValue("string"), TextValue("session"),
                          NullOf(kTextType), NullOf(kTextType), NullOf(kTextArrayType), NullOf(kTextType),
                          NullOf(kTextType), NullOf(kTextType), NullOf(kInt4Type), Value::Bool(false)});
        }
        return rows;
      });

  Add(registry, "pg_stat_activity", 12010, true,
      {{"datid", kOidType},           {"datname", kNameType},         {"pid", kInt4Type},
       {"leader_pid", kInt4Type},     {"usesysid", kOidType},         {"usename", kNameType},
       {"application_name", kTextType}, {"client_addr", kTextType},   {"client_hostname", kTextType},
       {"client_port", kInt4Type},    {"backend_start", kTimestampTzType}, {"xact_start", kTimestampTzType},
       {"query_start", kTimestampTzType}, {"state_change", kTimestampTzType}, {"wait_event_type", kTextType},
       {"wait_event", kTextType},     {"state", kTextType},           {"backend_xid", kOidType},
       {"backend_xmin", kOidType},    {"query_id", kInt8Type},        {"query", kTextType},
       {"backend_type", kTextType}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<SessionActivity> sessions;
        if (ctx.server != nullptr) {
          sessions = ctx.server->Sessions();
        } else {
          SessionActivity self;
          self.process_id = ctx.process_id;
          self.user = ctx.user;
          self.database = ctx.database_name;
          self.application_name = ctx.application_name;
          self.state = "active";
          sessions.push_back(self);
        }
        auto ts = [](int64_t micros) {
          return micros == 0 ? Value::Null(TypeId::kTimestampTz) : Value::TimestampTz(micros);
        };
        std::vector<Row> rows;
        for (const SessionActivity& a : sessions) {
          // The scanning session is running this very statement.
          const bool self = a.process_id == ctx.process_id;
          rows.push_back({OidValue(kDatabaseOid), TextValue(a.database), Value::Int4(a.process_id),
                          NullOf(kInt4Type), OidValue(RoleOid(a.user)), TextValue(a.user),
                          TextValue(a.application_name),
                          a.client_addr.empty() ? NullOf(kTextType) : TextValue(a.client_addr), NullOf(kTextType),
                          Value::Int4(a.client_port), ts(a.backend_start_micros), NullOf(kTimestampTzType),
                          ts(a.query_start_micros), ts(a.query_start_micros), NullOf(kTextType),
                          NullOf(kTextType), TextValue(self ? "active" : a.state), NullOf(kOidType),
                          NullOf(kOidType), NullOf(kInt8Type), TextValue(a.query), TextValue("client backend")});
        }
        return rows;
      });

  Add(registry, "pg_proc", 1255, false,
      {{"oid", kOidType},            {"proname", kNameType},        {"pronamespace", kOidType},
       {"proowner", kOidType},       {"prolang", kOidType},         {"procost", kFloat4Type},
       {"prorows", kFloat4Type},     {"provariadic", kOidType},     {"prosupport", kOidType},
       {"prokind", kTextType},       {"prosecdef", kBoolType},      {"proleakproof", kBoolType},
       {"proisstrict", kBoolType},   {"proretset", kBoolType},      {"provolatile", kTextType},
       {"proparallel", kTextType},   {"pronargs", kInt2Type},       {"pronargdefaults", kInt2Type},
       {"prorettype", kOidType},     {"proargtypes", kOidArrayType}, {"proallargtypes", kOidArrayType},
       {"proargmodes", kTextArrayType}, {"proargnames", kTextArrayType}, {"proargdefaults", kTextType},
       {"protrftypes", kOidArrayType}, {"prosrc", kTextType},       {"probin", kTextType},
       {"prosqlbody", kTextType},    {"proconfig", kTextArrayType}, {"proacl", kTextArrayType}},
      [](const SystemScanContext&) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        uint32_t oid = kFirstProcOid;
        for (const functions::FunctionListing& f : functions::ListFunctions()) {
          std::vector<Value> args;
          for (uint32_t a : f.arg_type_oids) args.push_back(Value::Int8(a));
          const char* volatility = f.volatility == functions::Volatility::kImmutable ? "i"
                                   : f.volatility == functions::Volatility::kStable  ? "s"
                                                                                       : "v";
          // Built-ins are C functions (prolang 12 = internal).
          rows.push_back({OidValue(oid++), TextValue(f.name), OidValue(kPgCatalogNamespaceOid),
                          OidValue(kBootstrapRoleOid), OidValue(12), Value::Float4(1), Value::Float4(0),
                          OidValue(f.variadic ? 2276 : 0), OidValue(0), TextValue(f.is_aggregate ? "a" : "f"),
                          Value::Bool(false), Value::Bool(false), Value::Bool(f.strict), Value::Bool(false),
                          TextValue(volatility), TextValue("s"),
                          Value::Int2(static_cast<int16_t>(args.size())), Value::Int2(0),
                          OidValue(f.return_type_oid), Value::Array(TypeId::kInt8, std::move(args)),
                          NullOf(kOidArrayType), NullOf(kTextArrayType), NullOf(kTextArrayType), NullOf(kTextType),
                          NullOf(kOidArrayType), TextValue(f.name), NullOf(kTextType), NullOf(kTextType),
                          NullOf(kTextArrayType), NullOf(kTextArrayType)});
        }
        return rows;
      });

  // Strata keeps no comments (COMMENT ON is not supported); only the
  // built-in objects carry PostgreSQL's own descriptions.
  Add(registry, "pg_description", 2609, false,
      {{"objoid", kOidType}, {"classoid", kOidType}, {"objsubid", kInt4Type}, {"description", kTextType}},
      [](const SystemScanContext&) -> Result<std::vector<Row>> {
        return std::vector<Row>{
            {OidValue(kPublicNamespaceOid), OidValue(2615), Value::Int4(0), TextValue("standard public schema")},
            {OidValue(kPgCatalogNamespaceOid), OidValue(2615), Value::Int4(0), TextValue("system catalog schema")}};
      });
  Add(registry, "pg_shdescription", 2396, false,
      {{"objoid", kOidType}, {"classoid", kOidType}, {"description", kTextType}}, NoRows);

  Add(registry, "pg_am", 2601, false,
      {{"oid", kOidType}, {"amname", kNameType}, {"amhandler", kOidType}, {"amtype", kTextType}},
      [](const SystemScanContext&) -> Result<std::vector<Row>> {
        return std::vector<Row>{{OidValue(2), TextValue("heap"), OidValue(3), TextValue("t")},
                                {OidValue(403), TextValue("btree"), OidValue(330), TextValue("i")}};
      });
  // No table inheritance, partitioning, policies, triggers, rules,
  // extended statistics or extensions in Strata.
  Add(registry, "pg_inherits", 2611, false,
      {{"inhrelid", kOidType}, {"inhparent", kOidType}, {"inhseqno", kInt4Type}, {"inhdetachpending", kBoolType}},
      NoRows);
  Add(registry, "pg_partitioned_table", 3350, false,
      {{"partrelid", kOidType}, {"partstrat", kTextType}, {"partnatts", kInt2Type}, {"partdefid", kOidType},
       {"partattrs", kInt2ArrayType}, {"partclass", kOidArrayType}, {"partcollation", kOidArrayType},
       {"partexprs", kTextType}},
      NoRows);
  Add(registry, "pg_policy", 3256, false,
      {{"oid", kOidType}, {"polname", kNameType}, {"polrelid", kOidType}, {"polcmd", kTextType},
       {"polpermissive", kBoolType}, {"polroles", kOidArrayType}, {"polqual", kTextType},
       {"polwithcheck", kTextType}},
      NoRows);
  Add(registry, "pg_trigger", 2620, false,
      {{"oid", kOidType},          {"tgrelid", kOidType},        {"tgparentid", kOidType},
       {"tgname", kNameType},      {"tgfoid", kOidType},         {"tgtype", kInt2Type},
       {"tgenabled", kTextType},   {"tgisinternal", kBoolType},  {"tgconstrrelid", kOidType},
       {"tgconstrindid", kOidType}, {"tgconstraint", kOidType},  {"tgdeferrable", kBoolType},
       {"tginitdeferred", kBoolType}, {"tgnargs", kInt2Type},    {"tgattr", kInt2ArrayType},
       {"tgargs", kTextType},      {"tgqual", kTextType},        {"tgoldtable", kNameType},
       {"tgnewtable", kNameType}},
      NoRows);
  Add(registry, "pg_rewrite", 2618, false,
      {{"oid", kOidType}, {"rulename", kNameType}, {"ev_class", kOidType}, {"ev_type", kTextType},
       {"ev_enabled", kTextType}, {"is_instead", kBoolType}, {"ev_qual", kTextType}, {"ev_action", kTextType}},
      NoRows);
  Add(registry, "pg_statistic_ext", 3381, false,
      {{"oid", kOidType}, {"stxrelid", kOidType}, {"stxname", kNameType}, {"stxnamespace", kOidType},
       {"stxowner", kOidType}, {"stxstattarget", kInt4Type}, {"stxkeys", kInt2ArrayType},
       {"stxkind", kTextArrayType}, {"stxexprs", kTextType}},
      NoRows);
  Add(registry, "pg_extension", 3079, false,
      {{"oid", kOidType}, {"extname", kNameType}, {"extowner", kOidType}, {"extnamespace", kOidType},
       {"extrelocatable", kBoolType}, {"extversion", kTextType}, {"extconfig", kOidArrayType},
       {"extcondition", kTextArrayType}},
      NoRows);
  Add(registry, "pg_foreign_table", 3118, false,
      {{"ftrelid", kOidType}, {"ftserver", kOidType}, {"ftoptions", kTextArrayType}}, NoRows);

  Add(registry, "pg_tablespace", 1213, false,
      {{"oid", kOidType}, {"spcname", kNameType}, {"spcowner", kOidType}, {"spcacl", kTextArrayType},
       {"spcoptions", kTextArrayType}},
      [](const SystemScanContext&) -> Result<std::vector<Row>> {
        return std::vector<Row>{
            {OidValue(1663), TextValue("pg_default"), OidValue(kBootstrapRoleOid), NullOf(kTextArrayType),
             NullOf(kTextArrayType)},
            {OidValue(1664), TextValue("pg_global"), OidValue(kBootstrapRoleOid), NullOf(kTextArrayType),
             NullOf(kTextArrayType)}};
      });
  Add(registry, "pg_collation", 3456, false,
      {{"oid", kOidType}, {"collname", kNameType}, {"collnamespace", kOidType}, {"collowner", kOidType},
       {"collprovider", kTextType}, {"collisdeterministic", kBoolType}, {"collencoding", kInt4Type},
       {"collcollate", kTextType}, {"collctype", kTextType}, {"colliculocale", kTextType},
       {"collversion", kTextType}},
      [](const SystemScanContext&) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        const std::pair<uint32_t, const char*> colls[] = {{100, "default"}, {950, "C"}, {951, "POSIX"}};
        for (const auto& [oid, name] : colls) {
          const bool is_default = oid == 100;
          rows.push_back({OidValue(oid), TextValue(name), OidValue(kPgCatalogNamespaceOid),
                          OidValue(kBootstrapRoleOid), TextValue(is_default ? "d" : "c"), Value::Bool(true),
                          Value::Int4(-1), is_default ? NullOf(kTextType) : TextValue(name),
                          is_default ? NullOf(kTextType) : TextValue(name), NullOf(kTextType), NullOf(kTextType)});
        }
        return rows;
      });
}

}  // namespace strata::sql::system
