#include "sql/system/catalog_functions.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>

#include "common/sql_state.h"
#include "sql/engine.h"
#include "sql/functions/registry.h"
#include "sql/system/builtin_relations.h"
#include "storage/catalog.h"
#include "storage/database.h"

namespace strata::sql::system {

namespace {

const DataType kText = DataType::Of(TypeId::kText);
const DataType kBool = DataType::Of(TypeId::kBool);
const DataType kInt8 = DataType::Of(TypeId::kInt8);

using A = ArgKind;

const std::vector<CatalogFunction>& Functions() {
  static const std::vector<CatalogFunction> fns = {
      {"pg_table_is_visible", {A::kOid}, kBool},
      {"pg_type_is_visible", {A::kOid}, kBool},
      {"pg_function_is_visible", {A::kOid}, kBool},
      {"pg_get_userbyid", {A::kOid}, kText},
      {"format_type", {A::kOid, A::kInt4}, kText, false},
      {"pg_get_expr", {A::kText, A::kOid}, kText},
      {"pg_get_expr", {A::kText, A::kOid, A::kBool}, kText},
      {"pg_get_indexdef", {A::kOid}, kText},
      {"pg_get_indexdef", {A::kOid, A::kInt4, A::kBool}, kText},
      {"pg_get_constraintdef", {A::kOid}, kText},
      {"pg_get_constraintdef", {A::kOid, A::kBool}, kText},
      {"obj_description", {A::kOid}, kText},
      {"obj_description", {A::kOid, A::kText}, kText},
      {"col_description", {A::kOid, A::kInt4}, kText},
      {"shobj_description", {A::kOid, A::kText}, kText},
      {"pg_get_viewdef", {A::kOid}, kText},
      {"pg_get_viewdef", {A::kOid, A::kBool}, kText},
      {"pg_get_triggerdef", {A::kOid}, kText},
      {"pg_get_triggerdef", {A::kOid, A::kBool}, kText},
      {"pg_get_ruledef", {A::kOid}, kText},
      {"pg_get_ruledef", {A::kOid, A::kBool}, kText},
      {"pg_get_partkeydef", {A::kOid}, kText},
      {"pg_get_partition_constraintdef", {A::kOid}, kText},
      {"pg_get_statisticsobjdef_columns", {A::kOid}, kText},
      {"pg_get_serial_sequence", {A::kText, A::kText}, kText},
      {"pg_relation_is_publishable", {A::kOid}, kBool},
      {"pg_is_other_temp_schema", {A::kOid}, kBool},
      {"has_table_privilege", {A::kAny, A::kText}, kBool},
      {"has_table_privilege", {A::kAny, A::kAny, A::kText}, kBool},
      {"has_schema_privilege", {A::kAny, A::kText}, kBool},
      {"has_schema_privilege", {A::kAny, A::kAny, A::kText}, kBool},
      {"has_database_privilege", {A::kAny, A::kText}, kBool},
      {"has_database_privilege", {A::kAny, A::kAny, A::kText}, kBool},
      {"has_column_privilege", {A::kAny, A::kAny, A::kText}, kBool},
      {"has_any_column_privilege", {A::kAny, A::kText}, kBool},
      {"pg_has_role", {A::kAny, A::kText}, kBool},
      {"pg_has_role", {A::kAny, A::kAny, A::kText}, kBool},
      {"pg_encoding_to_char", {A::kInt4}, kText},
      {"pg_char_to_encoding", {A::kText}, DataType::Of(TypeId::kInt4)},
      {"pg_relation_size", {A::kOid}, kInt8},
      {"pg_relation_size", {A::kOid, A::kText}, kInt8},
      {"pg_table_size", {A::kOid}, kInt8},
      {"pg_indexes_size", {A::kOid}, kInt8},
      {"pg_total_relation_size", {A::kOid}, kInt8},
      {"pg_database_size", {A::kAny}, kInt8},
      {"pg_size_pretty", {A::kOid}, kText},
      {"current_schemas", {A::kBool}, DataType::Array(TypeId::kText)},
      {"quote_ident", {A::kText}, kText},
      {"to_regclass", {A::kText}, kInt8},
      {"to_regtype", {A::kText}, kInt8},
      {"pg_my_temp_schema", {}, kInt8},
      {"pg_get_function_result", {A::kOid}, kText},
      {"pg_get_function_arguments", {A::kOid}, kText},
      {"pg_get_function_identity_arguments", {A::kOid}, kText},
  };
  return fns;
}

bool IsPrivilegeFunction(std::string_view name) {
  return name.rfind("has_", 0) == 0 || name == "pg_has_role";
}

// A user table of the catalog by OID (tables and their primary-key indexes).
const storage::TableDef* TableOrIndexOwner(const storage::CatalogSnapshot& catalog, uint32_t oid, bool* is_index) {
  *is_index = false;
  if (const storage::TableDef* t = catalog.FindTableById(oid)) return t;
  if (oid > IndexOid(0) && oid < ConstraintOid(0)) {
    const storage::TableDef* t = catalog.FindTableById(oid - IndexOid(0));
    if (t != nullptr && t->has_primary_key()) {
      *is_index = true;
      return t;
    }
  }
  return nullptr;
}

std::string SchemaName(const storage::CatalogSnapshot& catalog, uint32_t schema_id) {
  const storage::SchemaDef* s = catalog.FindSchemaById(schema_id);
  return s != nullptr ? s->name : "";
}

std::string PkColumns(const storage::TableDef& t) {
  std::string out;
  for (size_t i : t.PrimaryKeyIndexes()) {
    if (!out.empty()) out += ", ";
    out += QuoteIdent(t.columns[i].name);
  }
  return out;
}

// Is `name` in `schema` the first match for an unqualified `name`?
bool FirstInPath(const storage::CatalogSnapshot& catalog, const std::vector<std::string>& path,
                 const std::string& schema, const std::string& name, bool is_index) {
  if (Relations().Find("pg_catalog", name) != nullptr) return schema == "pg_catalog";
  for (const std::string& s : path) {
    if (s == schema) return true;
    if (catalog.FindTable(s, name) != nullptr) return false;
    if (!is_index && Relations().Find(s, name) != nullptr) return false;
  }
  return false;
}

Result<Value> TableVisible(uint32_t oid, const SystemScanContext& ctx) {
  bool is_index = false;
  if (const storage::TableDef* t = TableOrIndexOwner(*ctx.catalog, oid, &is_index)) {
    const std::string schema = SchemaName(*ctx.catalog, t->schema_id);
    const std::string name = is_index ? t->name + "_pkey" : t->name;
    return Value::Bool(FirstInPath(*ctx.catalog, ctx.search_path, schema, name, is_index));
  }
  if (const SystemRelation* rel = FindSystemRelationByOid(oid)) {
    return Value::Bool(FirstInPath(*ctx.catalog, ctx.search_path, rel->schema, rel->name, false));
  }
  return Value::Null(TypeId::kBool);
}

std::string RoleName(uint32_t oid, const SystemScanContext& ctx) {
  if (ctx.server != nullptr) {
    for (const RoleDescription& r : ctx.server->Roles()) {
      if (RoleOid(r.name) == oid) return r.name;
    }
  } else if (RoleOid(ctx.user) == oid) {
    return ctx.user;
  }
  if (oid == kBootstrapRoleOid) return std::string(kOwnerRole);
  if (oid == RoleOid(kDatabaseOwnerRole)) return std::string(kDatabaseOwnerRole);
  return "unknown (OID=" + std::to_string(oid) + ")";
}

std::string SizePretty(int64_t size) {
  // PostgreSQL's pg_size_pretty(bigint): bytes below 10 kB, then each unit
  // while below 20 kB-equivalents, halves rounded away from zero.
  auto half_rounded = [](int64_t x) { return (x + (x < 0 ? -1 : 1)) / 2; };
  const int64_t limit = 10 * 1024;
  const int64_t limit2 = limit * 2 - 1;
  if (std::llabs(size) < limit) return std::to_string(size) + " bytes";
  size >>= 9;  // keep one extra bit for rounding
  const char* units[] = {"kB", "MB", "GB", "TB", "PB"};
  for (int i = 0; i < 5; ++i) {
    if (std::llabs(size) < limit2 || i == 4) return std::to_string(half_rounded(size)) + " " + units[i];
    size >>= 10;
  }
  return "";
}

uint64_t RelationBytes(uint32_t oid, const SystemScanContext& ctx, bool table, bool indexes) {
  if (ctx.database == nullptr) return 0;
  bool is_index = false;
  const storage::TableDef* t = TableOrIndexOwner(*ctx.catalog, oid, &is_index);
  if (t == nullptr) return 0;
  // The row replica is the primary-key index (an index-organized table),
  // so the whole table's bytes count as table data, none as index data.
  if (is_index) return 0;
  return table ? ctx.database->ApproximateTableBytes(*t) : (indexes ? 0 : 0);
}

// Splits "a.b" / "\"A\".b" into identifier parts (unquoted parts folded to
// lower case).
Result<std::vector<std::string>> SplitQualified(std::string_view text) {
  std::vector<std::string> parts;
  std::string cur;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      ++i;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            cur += '"';
            i += 2;
            continue;
          }
          break;
        }
        cur += text[i++];
      }
      ++i;
      any = true;
    } else if (c == '.') {
      parts.push_back(std::move(cur));
      cur.clear();
      ++i;
      any = false;
    } else if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++i;
    } else {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      ++i;
      any = true;
    }
  }
  if (!any && cur.empty()) return Status(SqlState("42602"), "invalid name syntax");
  parts.push_back(std::move(cur));
  return parts;
}

const std::vector<std::pair<std::string_view, uint32_t>>& ProcNames() {
  static const std::vector<std::pair<std::string_view, uint32_t>> procs = {
      {"array_in", 750},      {"boolin", 1242},       {"int2in", 38},         {"int4in", 42},
      {"int8in", 460},        {"float4in", 200},      {"float8in", 214},      {"numeric_in", 1701},
      {"textin", 46},         {"varcharin", 1046},    {"bpcharin", 1044},     {"byteain", 1244},
      {"date_in", 1084},      {"time_in", 1143},      {"timestamp_in", 1312}, {"timestamptz_in", 1150},
      {"interval_in", 1160},  {"uuid_in", 2952},      {"json_in", 321},       {"jsonb_in", 3806},
      {"charin", 1245},       {"namein", 34},         {"int2vectorin", 40},   {"regprocin", 44},
      {"oidin", 1798},        {"tidin", 48},          {"xidin", 50},          {"cidin", 52},
      {"oidvectorin", 54},    {"pg_node_tree_in", 195}, {"unknownin", 109},   {"aclitemin", 1031},
      {"bit_in", 1564},       {"varbit_in", 1579},    {"regclassin", 2218},   {"regtypein", 2220},
      {"record_in", 2290},    {"cstring_in", 2292},   {"any_in", 2294},       {"anyarray_in", 2296},
      {"void_in", 2298},      {"anyelement_in", 2312}, {"regnamespacein", 4084}, {"regrolein", 4098},
  };
  return procs;
}

}  // namespace

const CatalogFunction* FindCatalogFunction(std::string_view name, size_t arg_count) {
  for (const CatalogFunction& f : Functions()) {
    if (f.name == name && f.args.size() == arg_count) return &f;
  }
  return nullptr;
}

std::string QuoteIdent(std::string_view ident) {
  bool plain = !ident.empty() && (std::islower(static_cast<unsigned char>(ident[0])) != 0 || ident[0] == '_');
  for (char c : ident) {
    if (!(std::islower(static_cast<unsigned char>(c)) != 0 || std::isdigit(static_cast<unsigned char>(c)) != 0 ||
          c == '_')) {
      plain = false;
    }
  }
  // Reserved words that appear as column names in practice.
  static const char* kReserved[] = {"all", "and", "any", "array", "as", "asc", "case", "check", "column",
                                    "constraint", "create", "default", "desc", "distinct", "do", "else", "end",
                                    "false", "for", "foreign", "from", "grant", "group", "having", "in", "into",
                                    "is", "join", "key", "limit", "not", "null", "offset", "on", "only", "or",
                                    "order", "primary", "references", "select", "table", "then", "to", "true",
                                    "union", "unique", "user", "using", "when", "where", "with"};
  for (const char* r : kReserved) {
    if (ident == r && std::string_view(r) != "key") plain = false;
  }
  if (plain) return std::string(ident);
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string FormatTypeOid(uint32_t oid, int32_t typmod) {
  auto t = DataTypeFromOid(oid, typmod);
  if (t.ok()) return t->ToString();
  const TypeRow* row = FindTypeByOid(oid);
  if (row == nullptr) return "???";
  if (row->elem != 0) return FormatTypeOid(row->elem, typmod) + "[]";
  if (row->name == "char") return "\"char\"";
  return row->name;
}

Result<uint32_t> RegclassOid(std::string_view text, const storage::CatalogSnapshot& catalog,
                             const std::vector<std::string>& search_path) {
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitQualified(text));
  if (parts.size() > 2) return Status(SqlState("42602"), "improper relation name (too many dotted names): " + std::string(text));
  const std::string schema = parts.size() == 2 ? parts[0] : "";
  const std::string& name = parts.back();
  if (const SystemRelation* rel = FindSystemRelation(schema, name, search_path)) return rel->oid;
  auto find = [&](const std::string& s) -> uint32_t {
    if (const storage::TableDef* t = catalog.FindTable(s, name)) return t->id;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, "_pkey") == 0) {
      const storage::TableDef* t = catalog.FindTable(s, name.substr(0, name.size() - 5));
      if (t != nullptr && t->has_primary_key()) return IndexOid(t->id);
    }
    return 0;
  };
  if (!schema.empty()) {
    if (uint32_t oid = find(schema)) return oid;
  } else {
    for (const std::string& s : search_path) {
      if (uint32_t oid = find(s)) return oid;
    }
  }
  return Status(SqlState::kUndefinedTable, "relation \"" + std::string(text) + "\" does not exist");
}

Result<uint32_t> RegtypeOid(std::string_view text) {
  std::string name(text);
  if (name.rfind("pg_catalog.", 0) == 0) name = name.substr(11);
  if (const TypeRow* row = FindTypeByName(name)) return row->oid;
  auto t = ParseTypeName(name);
  if (t.ok()) return TypeOid(*t);
  return Status(SqlState::kUndefinedObject, "type \"" + std::string(text) + "\" does not exist");
}

Result<uint32_t> RegprocOid(std::string_view text) {
  std::string name(text);
  if (name.rfind("pg_catalog.", 0) == 0) name = name.substr(11);
  for (const auto& [proc, oid] : ProcNames()) {
    if (proc == name) return oid;
  }
  return Status(SqlState::kUndefinedFunction, "function \"" + std::string(text) + "\" does not exist");
}

Result<uint32_t> RegnamespaceOid(std::string_view text, const storage::CatalogSnapshot& catalog) {
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitQualified(text));
  if (parts.size() == 1) {
    if (const storage::SchemaDef* s = catalog.FindSchema(parts[0])) return s->id;
  }
  return Status(SqlState("3F000"), "schema \"" + std::string(text) + "\" does not exist");
}

Result<Value> EvalCatalogFunction(const CatalogFunction& fn, std::span<const Value> args,
                                  const SystemScanContext& ctx) {
  const std::string_view name = fn.name;
  auto oid_arg = [&](size_t i) { return static_cast<uint32_t>(args[i].int_value()); };
  if (fn.strict) {
    for (const Value& a : args) {
      if (a.is_null()) return Value::Null(fn.return_type.id == TypeId::kArray ? TypeId::kArray : fn.return_type.id);
    }
  }
  const Value null_text = Value::Null(TypeId::kText);
  if (name == "pg_table_is_visible") return TableVisible(oid_arg(0), ctx);
  if (name == "pg_type_is_visible") return Value::Bool(FindTypeByOid(oid_arg(0)) != nullptr);
  if (name == "pg_function_is_visible") return Value::Bool(true);
  if (name == "pg_get_function_result" || name == "pg_get_function_arguments" ||
      name == "pg_get_function_identity_arguments") {
    const uint32_t oid = oid_arg(0);
    if (oid < kFirstProcOid) return null_text;
    const auto procs = functions::ListFunctions();
    const size_t i = oid - kFirstProcOid;
    if (i >= procs.size()) return null_text;
    const functions::FunctionListing& f = procs[i];
    if (name == "pg_get_function_result") return Value::Text(FormatTypeOid(f.return_type_oid, -1));
    std::string out;
    for (size_t k = 0; k < f.arg_type_oids.size(); ++k) {
      if (k > 0) out += ", ";
      if (f.variadic && k + 1 == f.arg_type_oids.size()) out += "VARIADIC ";
      out += FormatTypeOid(f.arg_type_oids[k], -1);
    }
    if (f.is_aggregate && f.arg_type_oids.empty()) out = "*";
    return Value::Text(out);
  }
  if (name == "pg_get_userbyid") return Value::Text(RoleName(oid_arg(0), ctx));
  if (name == "format_type") {
    if (args[0].is_null()) return null_text;
    const int32_t typmod = args[1].is_null() ? -1 : static_cast<int32_t>(args[1].int_value());
    return Value::Text(FormatTypeOid(oid_arg(0), typmod));
  }
  if (name == "pg_get_expr") return Value::Text(std::string(args[0].string_value()));
  if (name == "pg_get_indexdef" || name == "pg_get_constraintdef") {
    bool is_index = false;
    uint32_t oid = oid_arg(0);
    if (name == "pg_get_constraintdef" && oid > ConstraintOid(0) && oid < AttrDefOid(16384, 0)) {
      oid = IndexOid(oid - ConstraintOid(0));
    }
    const storage::TableDef* t = TableOrIndexOwner(*ctx.catalog, oid, &is_index);
    if (t == nullptr || !is_index) return null_text;
    if (name == "pg_get_constraintdef") return Value::Text("PRIMARY KEY (" + PkColumns(*t) + ")");
    if (args.size() > 1 && args[1].int_value() > 0) {
      const auto pk = t->PrimaryKeyIndexes();
      const auto col = static_cast<size_t>(args[1].int_value());
      if (col > pk.size()) return null_text;
      return Value::Text(QuoteIdent(t->columns[pk[col - 1]].name));
    }
    return Value::Text("CREATE UNIQUE INDEX " + QuoteIdent(t->name + "_pkey") + " ON " +
                       QuoteIdent(SchemaName(*ctx.catalog, t->schema_id)) + "." + QuoteIdent(t->name) +
                       " USING btree (" + PkColumns(*t) + ")");
  }
  if (name == "obj_description" && args.size() == 2) {
    const uint32_t oid = oid_arg(0);
    if (args[1].string_value() == "pg_namespace") {
      if (oid == kPublicNamespaceOid) return Value::Text("standard public schema");
      if (oid == kPgCatalogNamespaceOid) return Value::Text("system catalog schema");
    }
    return null_text;
  }
  if (name == "pg_relation_is_publishable") {
    return Value::Bool(ctx.catalog->FindTableById(oid_arg(0)) != nullptr);
  }
  if (name == "pg_is_other_temp_schema") return Value::Bool(false);
  if (name == "pg_my_temp_schema") return Value::Int8(0);
  if (IsPrivilegeFunction(name)) {
    // Strata has no privileges: every role may do everything on every
    // existing object.
    return Value::Bool(true);
  }
  if (name == "pg_encoding_to_char") {
    const int64_t enc = args[0].int_value();
    return Value::Text(enc == 6 ? "UTF8" : enc == 0 ? "SQL_ASCII" : "");
  }
  if (name == "pg_char_to_encoding") {
    const std::string_view enc = args[0].string_value();
    return Value::Int4(enc == "UTF8" || enc == "utf8" ? 6 : enc == "SQL_ASCII" ? 0 : -1);
  }
  if (name == "pg_relation_size" || name == "pg_table_size" || name == "pg_total_relation_size") {
    return Value::Int8(static_cast<int64_t>(RelationBytes(oid_arg(0), ctx, true, false)));
  }
  if (name == "pg_indexes_size") return Value::Int8(0);
  if (name == "pg_database_size") {
    int64_t total = 0;
    if (ctx.database != nullptr) {
      for (const storage::TableDef* t : ctx.catalog->tables()) total += static_cast<int64_t>(ctx.database->ApproximateTableBytes(*t));
    }
    return Value::Int8(total);
  }
  if (name == "pg_size_pretty") return Value::Text(SizePretty(args[0].int_value()));
  if (name == "current_schemas") {
    std::vector<Value> items;
    const bool implicit = args[0].bool_value();
    if (implicit && std::find(ctx.search_path.begin(), ctx.search_path.end(), "pg_catalog") == ctx.search_path.end()) {
      items.push_back(Value::Text("pg_catalog"));
    }
    for (const std::string& s : ctx.search_path) items.push_back(Value::Text(s));
    return Value::Array(TypeId::kText, std::move(items));
  }
  if (name == "quote_ident") return Value::Text(QuoteIdent(args[0].string_value()));
  if (name == "to_regclass") {
    auto oid = RegclassOid(args[0].string_value(), *ctx.catalog, ctx.search_path);
    return oid.ok() ? Value::Int8(*oid) : Value::Null(TypeId::kInt8);
  }
  if (name == "to_regtype") {
    auto oid = RegtypeOid(args[0].string_value());
    return oid.ok() ? Value::Int8(*oid) : Value::Null(TypeId::kInt8);
  }
  // Descriptions (Strata keeps no comments) and definitions of objects
  // Strata does not have (views, triggers, rules, partitions, statistics,
  // sequences): NULL, as PostgreSQL returns for an OID without one.
  return Value::Null(fn.return_type.id);
}

}  // namespace strata::sql::system
