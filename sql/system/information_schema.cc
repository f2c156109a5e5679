// information_schema views over Strata's catalog. PostgreSQL's domains
// (sql_identifier, character_data, yes_or_no, cardinal_number) appear as
// their base types text and int4. Every relation is readable by every role
// (Strata has no privileges), so nothing is filtered by privilege.

#include <string>
#include <tuple>
#include <vector>

#include "sql/system/builtin_relations.h"
#include "storage/catalog.h"

namespace strata::sql::system {

namespace {

using Columns = std::vector<SystemColumn>;

const DataType kId = kTextType;        // sql_identifier
const DataType kChars = kTextType;     // character_data / yes_or_no
const DataType kCardinal = kInt4Type;  // cardinal_number

void Add(Registry* registry, std::string name, Columns columns,
         std::function<Result<std::vector<Row>>(const SystemScanContext&)> generate, uint32_t oid) {
  SystemRelation r;
  r.schema = "information_schema";
  r.name = std::move(name);
  r.oid = oid;
  r.is_view = true;
  r.columns = std::move(columns);
  r.generate = std::move(generate);
  registry->Add(std::move(r));
}

Value Id(std::string s) { return Value::Text(std::move(s)); }
Value NullId() { return Value::Null(TypeId::kText); }
Value NullCard() { return Value::Null(TypeId::kInt4); }
Value Card(int32_t v) { return Value::Int4(v); }

// A table-like relation as the views list it.
struct Relation {
  std::string schema;
  std::string name;
  bool is_view = false;
  const storage::TableDef* table = nullptr;
  const SystemRelation* system = nullptr;
};

std::vector<Relation> AllRelations(const SystemScanContext& ctx) {
  std::vector<Relation> out;
  for (const SystemRelation& rel : Relations().relations()) out.push_back({rel.schema, rel.name, rel.is_view, nullptr, &rel});
  for (const storage::TableDef* t : ctx.catalog->tables()) {
    const storage::SchemaDef* s = ctx.catalog->FindSchemaById(t->schema_id);
    out.push_back({s != nullptr ? s->name : "", t->name, false, t, nullptr});
  }
  return out;
}

// information_schema.columns' type facts of one column.
struct TypeFacts {
  Value data_type, char_max, char_octet, num_precision, num_radix, num_scale, datetime_precision;
};

TypeFacts FactsOf(const DataType& t) {
  TypeFacts f{Id(""), NullCard(), NullCard(), NullCard(), NullCard(), NullCard(), NullCard()};
  if (t.is_array()) {
    f.data_type = Id("ARRAY");
    return f;
  }
  f.data_type = Id(std::string(GetTypeInfo(t.id).sql_name));
  switch (t.id) {
    case TypeId::kInt2: f.num_precision = Card(16); break;
    case TypeId::kInt4: f.num_precision = Card(32); break;
    case TypeId::kInt8: f.num_precision = Card(64); break;
    case TypeId::kFloat4: f.num_precision = Card(24); break;
    case TypeId::kFloat8: f.num_precision = Card(53); break;
    default: break;
  }
  if (IsIntegerType(t.id)) {
    f.num_radix = Card(2);
    f.num_scale = Card(0);
  } else if (IsFloatType(t.id)) {
    f.num_radix = Card(2);
  } else if (t.id == TypeId::kNumeric) {
    f.num_radix = Card(10);
    if (t.typmod >= 0) {
      f.num_precision = Card(NumericPrecision(t));
      f.num_scale = Card(NumericScale(t));
    }
  } else if (IsStringType(t.id)) {
    const int32_t n = CharLength(t);
    if (n >= 0) {
      f.char_max = Card(n);
      f.char_octet = Card(n * 4);
    } else {
      f.char_octet = Card(1073741824);
    }
  } else if (t.id == TypeId::kDate) {
    f.datetime_precision = Card(0);
  } else if (t.id == TypeId::kTime || IsTimestampType(t.id) || t.id == TypeId::kInterval) {
    f.datetime_precision = Card(t.typmod >= 0 ? t.typmod : 6);
  }
  return f;
}

}  // namespace

void RegisterInformationSchema(Registry* registry) {
  Add(registry, "schemata",
      {{"catalog_name", kId}, {"schema_name", kId}, {"schema_owner", kId}, {"default_character_set_catalog", kId},
       {"default_character_set_schema", kId}, {"default_character_set_name", kId}, {"sql_path", kChars}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const storage::SchemaDef* s : ctx.catalog->schemas()) {
          rows.push_back({Id(ctx.database_name), Id(s->name), Id(std::string(kOwnerRole)), NullId(), NullId(),
                          NullId(), NullId()});
        }
        return rows;
      },
      13001);

  Add(registry, "tables",
      {{"table_catalog", kId}, {"table_schema", kId}, {"table_name", kId}, {"table_type", kChars},
       {"self_referencing_column_name", kId}, {"reference_generation", kChars},
       {"user_defined_type_catalog", kId}, {"user_defined_type_schema", kId}, {"user_defined_type_name", kId},
       {"is_insertable_into", kChars}, {"is_typed", kChars}, {"commit_action", kChars}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const Relation& r : AllRelations(ctx)) {
          rows.push_back({Id(ctx.database_name), Id(r.schema), Id(r.name), Id(r.is_view ? "VIEW" : "BASE TABLE"),
                          NullId(), NullId(), NullId(), NullId(), NullId(),
                          Id(r.table != nullptr ? "YES" : "NO"), Id("NO"), NullId()});
        }
        return rows;
      },
      13002);

  Add(registry, "columns",
      {{"table_catalog", kId},          {"table_schema", kId},           {"table_name", kId},
       {"column_name", kId},            {"ordinal_position", kCardinal}, {"column_default", kChars},
       {"is_nullable", kChars},         {"data_type", kChars},           {"character_maximum_length", kCardinal},
       {"character_octet_length", kCardinal}, {"numeric_precision", kCardinal},
       {"numeric_precision_radix", kCardinal}, {"numeric_scale", kCardinal},
       {"datetime_precision", kCardinal}, {"interval_type", kChars},    {"interval_precision", kCardinal},
       {"character_set_catalog", kId},  {"character_set_schema", kId},   {"character_set_name", kId},
       {"collation_catalog", kId},      {"collation_schema", kId},       {"collation_name", kId},
       {"domain_catalog", kId},         {"domain_schema", kId},          {"domain_name", kId},
       {"udt_catalog", kId},            {"udt_schema", kId},             {"udt_name", kId},
       {"scope_catalog", kId},          {"scope_schema", kId},           {"scope_name", kId},
       {"maximum_cardinality", kCardinal}, {"dtd_identifier", kId},      {"is_self_referencing", kChars},
       {"is_identity", kChars},         {"identity_generation", kChars}, {"identity_start", kChars},
       {"identity_increment", kChars},  {"identity_maximum", kChars},    {"identity_minimum", kChars},
       {"identity_cycle", kChars},      {"is_generated", kChars},        {"generation_expression", kChars},
       {"is_updatable", kChars}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const Relation& r : AllRelations(ctx)) {
          std::vector<std::tuple<std::string, DataType, bool, std::string>> cols;
          if (r.table != nullptr) {
            for (const storage::ColumnDef& c : r.table->columns) cols.emplace_back(c.name, c.type, c.not_null, c.default_sql);
          } else {
            for (const SystemColumn& c : r.system->columns) cols.emplace_back(c.name, c.type, false, "");
          }
          int pos = 0;
          for (const auto& [name, type, not_null, def] : cols) {
            ++pos;
            TypeFacts f = FactsOf(type);
            rows.push_back({Id(ctx.database_name),
                            Id(r.schema),
                            Id(r.name),
                            Id(name),
                            Card(pos),
                            def.empty() ? NullId() : Id(def),
                            Id(not_null ? "NO" : "YES"),
                            f.data_type,
                            f.char_max,
                            f.char_octet,
                            f.num_precision,
                            f.num_radix,
                            f.num_scale,
                            f.datetime_precision,
                            NullId(),
                            NullCard(),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullId(),
                            Id(ctx.database_name),
                            Id("pg_catalog"),
                            Id(TypeInternalName(type)),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullCard(),
                            Id(std::to_string(pos)),
                            Id("NO"),
                            Id("NO"),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullId(),
                            NullId(),
                            Id("NO"),
                            Id("NEVER"),
                            NullId(),
                            Id(r.table != nullptr ? "YES" : "NO")});
          }
        }
        return rows;
      },
      13003);

  Add(registry, "table_constraints",
      {{"constraint_catalog", kId}, {"constraint_schema", kId}, {"constraint_name", kId}, {"table_catalog", kId},
       {"table_schema", kId}, {"table_name", kId}, {"constraint_type", kChars}, {"is_deferrable", kChars},
       {"initially_deferred", kChars}, {"enforced", kChars}, {"nulls_distinct", kChars}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const Relation& r : AllRelations(ctx)) {
          if (r.table == nullptr || !r.table->has_primary_key()) continue;
          rows.push_back({Id(ctx.database_name), Id(r.schema), Id(r.name + "_pkey"), Id(ctx.database_name),
                          Id(r.schema), Id(r.name), Id("PRIMARY KEY"), Id("NO"), Id("NO"), Id("YES"), NullId()});
        }
        return rows;
      },
      13004);

  Add(registry, "key_column_usage",
      {{"constraint_catalog", kId}, {"constraint_schema", kId}, {"constraint_name", kId}, {"table_catalog", kId},
       {"table_schema", kId}, {"table_name", kId}, {"column_name", kId}, {"ordinal_position", kCardinal},
       {"position_in_unique_constraint", kCardinal}},
      [](const SystemScanContext& ctx) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        for (const Relation& r : AllRelations(ctx)) {
          if (r.table == nullptr) continue;
          int pos = 0;
          for (size_t i : r.table->PrimaryKeyIndexes()) {
            rows.push_back({Id(ctx.database_name), Id(r.schema), Id(r.name + "_pkey"), Id(ctx.database_name),
                            Id(r.schema), Id(r.name), Id(r.table->columns[i].name), Card(++pos), NullCard()});
          }
        }
        return rows;
      },
      13005);

  // Strata has no user views; the system views are not listed here (as
  // PostgreSQL, which shows only views whose definition the user may see,
  // lists its system views with their definitions, but Strata's have none).
  Add(registry, "views",
      {{"table_catalog", kId}, {"table_schema", kId}, {"table_name", kId}, {"view_definition", kChars},
       {"check_option", kChars}, {"is_updatable", kChars}, {"is_insertable_into", kChars},
       {"is_trigger_updatable", kChars}, {"is_trigger_deletable", kChars}, {"is_trigger_insertable_into", kChars}},
      [](const SystemScanContext&) -> Result<std::vector<Row>> { return std::vector<Row>{}; }, 13006);
}

}  // namespace strata::sql::system
