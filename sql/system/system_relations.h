#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"

namespace strata::storage {
class CatalogSnapshot;
class Database;
}  // namespace strata::storage

namespace strata::binlog {
class SlotManager;
}  // namespace strata::binlog

namespace strata::isolation {
class PoolSet;
}  // namespace strata::isolation

namespace strata::sql {
class ServerInfo;
// As in plan.h: one row of values.
using Row = std::vector<Value>;
}  // namespace strata::sql

namespace strata::sql::system {

// System relations: the tables and views of `pg_catalog` and
// `information_schema` (and any other read-only relation computed from
// Strata's state), generated row by row from Strata's catalog when a
// statement scans them.
//
// A system relation is a named virtual table with fixed columns. The binder
// resolves it like a table (see FindSystemRelation for the name rules), and
// the executor scans it like one: its `generate` function is called once per
// scan and returns every row, computed from the statement's snapshot
// (`SystemScanContext::catalog`), so a query sees the catalog its
// transaction sees (own uncommitted DDL included). Filters, joins, ORDER BY
// and subqueries over it are ordinary plan nodes above that scan.
//
// ## Adding a relation (the contract)
//
// 1. Write a function `void RegisterXxx(Registry* registry)` in a .cc file
//    under sql/system/ (add it to sql/CMakeLists.txt), declared in
//    sql/system/builtin_relations.h, and call it from
//    RegisterBuiltinRelations() in sql/system/registry.cc.
// 2. In it, call registry->Add(SystemRelation{...}) per relation:
//    - `schema`: "pg_catalog" or "information_schema" (any schema name works;
//      only these two are searched implicitly, see FindSystemRelation);
//    - `name`, `oid`: the PostgreSQL 15 OID of the catalog/view when it has
//      one (pg_class 1259, ...), else a free one from kFreeSystemOid up;
//    - `columns` in PostgreSQL's order, with the closest Strata type (see
//      the type conventions below);
//    - `generate(ctx)`: returns the rows, each exactly `columns.size()`
//      Values of the declared TypeIds (or NULL). It runs on the session's
//      thread during the statement, must not block for long and must not
//      call back into the SQL session. Errors fail the statement.
// 3. Nothing else: pg_class, pg_attribute, pg_type's row types and
//    information_schema.tables/columns list every registered relation
//    automatically.
//
// Type conventions (Strata has no oid/name/"char"/regclass types):
//   oid, regclass, regtype, regproc, xid  -> int8 (the OID value; 0 = none)
//   name, "char", text, pg_node_tree      -> text
//   int2vector                            -> int2[]
//   oidvector, oid[]                      -> int8[]
//   aclitem[], text[]                     -> text[]
//
// OIDs of Strata objects (stable across restarts):
//   schemas: SchemaDef::id (11 pg_catalog, 2200 public, 13000
//   information_schema, user schemas >= 16384); tables: TableDef::id;
//   a table's primary-key index: IndexOid(table id), its constraint:
//   ConstraintOid(table id), a column default: AttrDefOid(table id, attnum).

// Base of the OIDs handed to system relations that have no PostgreSQL OID.
inline constexpr uint32_t kFreeSystemOid = 9000;
// The OID of the one database, "strata", in pg_database.
inline constexpr uint32_t kDatabaseOid = 5;
// pg_catalog's namespace OID (storage::kPgCatalogSchemaId).
inline constexpr uint32_t kPgCatalogNamespaceOid = 11;
// OID of the bootstrap superuser (PostgreSQL's BOOTSTRAP_SUPERUSERID).
inline constexpr uint32_t kBootstrapRoleOid = 10;
// Derived OIDs (see above); the bases keep them apart from the table/schema
// counter, which starts at 16384.
inline constexpr uint32_t IndexOid(uint32_t table_id) { return 0x20000000u + table_id; }
inline constexpr uint32_t ConstraintOid(uint32_t table_id) { return 0x30000000u + table_id; }
inline constexpr uint32_t AttrDefOid(uint32_t table_id, int attnum) {
  return 0x40000000u + ((table_id - 16384u) & 0xfffffu) * 1600u + static_cast<uint32_t>(attnum);
}

struct SystemColumn {
  std::string name;
  DataType type;
};

// What a generator may read. Pointers are valid during the call.
struct SystemScanContext {
  // The catalog as the scanning statement's transaction sees it.
  const storage::CatalogSnapshot* catalog = nullptr;
  // The database (for state outside the catalog: binlog slots, sizes).
  storage::Database* database = nullptr;
  // Roles and sessions of the server; null when not run by a server
  // (unit tests): relations then show only the current user / session.
  const ServerInfo* server = nullptr;
  // The session scanning.
  std::string user;
  std::string database_name;
  int32_t process_id = 0;
  std::string application_name;
  // The session's settings: (canonical name, value), sorted by name.
  std::vector<std::pair<std::string, std::string>> settings;
  // The session's effective search path (existing schemas only, in order).
  std::vector<std::string> search_path;
  // The server's replication slots; null when the server has none.
  const binlog::SlotManager* replication_slots = nullptr;
  // The server's resource pools (strata_pools); null without a server.
  const isolation::PoolSet* pools = nullptr;
};

struct SystemRelation {
  std::string schema;
  std::string name;
  uint32_t oid = 0;
  // A view in PostgreSQL (pg_class.relkind 'v', information_schema table_type
  // 'VIEW'), else a catalog table ('r').
  bool is_view = false;
  std::vector<SystemColumn> columns;
  std::function<Result<std::vector<Row>>(const SystemScanContext&)> generate;
};

// The set of system relations. Built once (RegisterBuiltinRelations) and
// immutable afterwards; thread-safe for reads.
class Registry {
 public:
  // REQUIRES: no relation with the same schema and name was added.
  void Add(SystemRelation relation);
  const SystemRelation* Find(std::string_view schema, std::string_view name) const;
  // In registration order.
  const std::vector<SystemRelation>& relations() const { return relations_; }

 private:
  std::vector<SystemRelation> relations_;
};

// The registry with every built-in relation (built on first use).
const Registry& Relations();

// Resolves a relation name as PostgreSQL does for system catalogs:
// `schema` given: that schema only. Unqualified: pg_catalog is searched
// first (it is implicitly at the front of every search path), then the
// schemas of `search_path` that name information_schema. Null when no
// system relation matches (the caller then looks for a user table).
const SystemRelation* FindSystemRelation(std::string_view schema, std::string_view name,
                                         const std::vector<std::string>& search_path);

// The OID of the system relation or 0; for pg_class.relname lookups of
// 'name'::regclass.
const SystemRelation* FindSystemRelationByOid(uint32_t oid);

}  // namespace strata::sql::system
