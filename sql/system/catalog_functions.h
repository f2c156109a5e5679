#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"
#include "sql/system/system_relations.h"

namespace strata::sql::system {

// Functions over the catalog and the session that psql and drivers call
// (format_type, pg_get_indexdef, pg_table_is_visible, pg_get_userbyid,
// has_table_privilege, pg_relation_size, current_schemas, ...). The binder
// binds a call of one of them as a kSqlValue expression named after the
// function, converting each argument to its ArgKind; the executor evaluates
// it with EvalCatalogFunction at run time (never folded: results depend on
// the catalog and session).

enum class ArgKind : char {
  kOid = 'o',   // int8 (integer types, unknown literals, reg* casts)
  kText = 't',
  kInt4 = 'i',
  kBool = 'b',
  kAny = 'a',   // text or an integer: kept as bound (unknown literal -> text)
};

struct CatalogFunction {
  std::string_view name;
  std::vector<ArgKind> args;
  DataType return_type;
  // NULL in any argument -> NULL without evaluating.
  bool strict = true;
};

// The function called `name` with `arg_count` arguments, or null.
const CatalogFunction* FindCatalogFunction(std::string_view name, size_t arg_count);

// Evaluates `fn` (arguments already converted; see ArgKind). `ctx.settings`
// may be empty.
Result<Value> EvalCatalogFunction(const CatalogFunction& fn, std::span<const Value> args,
                                  const SystemScanContext& ctx);

// Resolves `text` as regclass input does: "name" or "schema.name" (quoted
// parts allowed), through pg_catalog then `search_path`. 42P01 when absent.
Result<uint32_t> RegclassOid(std::string_view text, const storage::CatalogSnapshot& catalog,
                             const std::vector<std::string>& search_path);
// regtype input: a type name as SQL writes it ("integer", "int4",
// "character varying", "pg_catalog.text", "int[]"). 42704 when unknown.
Result<uint32_t> RegtypeOid(std::string_view text);
// regproc input: the OID of a function Strata lists in pg_proc. 42883 when
// unknown.
Result<uint32_t> RegprocOid(std::string_view text);
// regnamespace / regrole input.
Result<uint32_t> RegnamespaceOid(std::string_view text, const storage::CatalogSnapshot& catalog);

// The name PostgreSQL's format_type gives a type OID with a typmod (-1: none).
std::string FormatTypeOid(uint32_t oid, int32_t typmod);

// quote_ident: the identifier, double-quoted when it is not a plain
// lower-case identifier.
std::string QuoteIdent(std::string_view ident);

}  // namespace strata::sql::system
