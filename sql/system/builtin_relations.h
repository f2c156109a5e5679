#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/types.h"
#include "common/value.h"
#include "sql/system/system_relations.h"

namespace strata::storage {
struct TableDef;
}  // namespace strata::storage

namespace strata::sql::system {

// One registration function per source file (see the contract in
// system_relations.h); RegisterBuiltinRelations calls them in order.
void RegisterPgCatalog(Registry* registry);
void RegisterInformationSchema(Registry* registry);
void RegisterReplication(Registry* registry);
void RegisterStrataTables(Registry* registry);
void RegisterStrataPools(Registry* registry);

// ---- helpers shared by the relation files ----

// Column types (see the type conventions in system_relations.h).
inline const DataType kOidType = DataType::Of(TypeId::kInt8);
inline const DataType kNameType = DataType::Of(TypeId::kText);
inline const DataType kTextType = DataType::Of(TypeId::kText);
inline const DataType kBoolType = DataType::Of(TypeId::kBool);
inline const DataType kInt2Type = DataType::Of(TypeId::kInt2);
inline const DataType kInt4Type = DataType::Of(TypeId::kInt4);
inline const DataType kInt8Type = DataType::Of(TypeId::kInt8);
inline const DataType kFloat4Type = DataType::Of(TypeId::kFloat4);
inline const DataType kTimestampTzType = DataType::Of(TypeId::kTimestampTz);
inline const DataType kInt2ArrayType = DataType::Array(TypeId::kInt2);
inline const DataType kOidArrayType = DataType::Array(TypeId::kInt8);
inline const DataType kTextArrayType = DataType::Array(TypeId::kText);

inline Value OidValue(uint32_t oid) { return Value::Int8(oid); }
inline Value TextValue(std::string s) { return Value::Text(std::move(s)); }
inline Value NullOf(const DataType& t) { return Value::Null(t.id); }

// The OID pg_authid shows for a role: 10 for "strata" (the bootstrap
// superuser), a stable value derived from the name for the others.
uint32_t RoleOid(std::string_view name);
// The role owning every object (pg_class.relowner, ...): "strata".
inline constexpr std::string_view kOwnerRole = "strata";
// PostgreSQL's predefined role owning schema public (OID 6171).
inline constexpr std::string_view kDatabaseOwnerRole = "pg_database_owner";
inline constexpr uint32_t kPublicNamespaceOid = 2200;

// Facts about one pg_type row.
struct TypeRow {
  uint32_t oid = 0;
  std::string name;
  int16_t len = -1;
  char category = 'U';
  bool preferred = false;
  uint32_t elem = 0;       // for array types
  uint32_t array = 0;      // the array type of this one (0: none)
  char typtype = 'b';      // b base, p pseudo
  uint32_t input_proc = 0;  // typinput (pg_proc oid)
  uint32_t collation = 0;
};
// Every type pg_type lists: Strata's scalar types, their arrays, and the
// catalog types (oid, name, regclass, ...) whose values appear as int8/text.
const std::vector<TypeRow>& AllTypes();
const TypeRow* FindTypeByOid(uint32_t oid);
const TypeRow* FindTypeByName(std::string_view name);

// pg_proc: Strata's built-in functions and aggregates (sql/functions), in
// ListFunctions() order; proc i has OID kFirstProcOid + i (stable for a
// given build, not across versions that add functions).
inline constexpr uint32_t kFirstProcOid = 0x60000000u;

}  // namespace strata::sql::system
