#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "storage/catalog.h"

// Internal to storage/: the persisted form of the catalog and the builder
// that produces CatalogSnapshots.
//
// Records in the `catalog` column family (integers big-endian):
//   's' | schema id u32            -> EncodeSchema(def)
//   'S' | schema name              -> schema id u32    (name uniqueness / conflicts)
//   't' | table id u32             -> EncodeTable(def)
//   'N' | schema id u32 | name     -> table id u32     (name uniqueness / conflicts)
// Records in the `meta` column family:
//   "next_oid"    u32  (at least every OID handed out + 1)
//   "next_row_id" u64  (at least every hidden row id handed out + 1)
// The name records exist so that concurrent DDL claiming the same name
// writes the same key and conflicts (40001); the loader cross-checks them.

namespace strata::storage {

namespace catalog_keys {
std::string Schema(uint32_t id);
std::string SchemaName(std::string_view name);
std::string Table(uint32_t id);
std::string TableName(uint32_t schema_id, std::string_view name);
std::string EncodeId(uint32_t id);
inline constexpr char kSchemaTag = 's';
inline constexpr char kTableTag = 't';
inline constexpr std::string_view kNextOidKey = "next_oid";
inline constexpr std::string_view kNextRowIdKey = "next_row_id";
}  // namespace catalog_keys

std::string EncodeSchema(const SchemaDef& schema);
Result<SchemaDef> DecodeSchema(std::string_view bytes);
std::string EncodeTable(const TableDef& table);
Result<TableDef> DecodeTable(std::string_view bytes);

// Builds a CatalogSnapshot from a base by copy-on-write (definitions are
// shared between snapshots, never mutated). Not thread-safe.
class CatalogBuilder {
 public:
  // Starts from the built-in schemas (pg_catalog, information_schema).
  CatalogBuilder();
  explicit CatalogBuilder(const CatalogSnapshot& base);

  void PutSchema(std::shared_ptr<const SchemaDef> schema);
  void RemoveSchema(uint32_t id);
  void PutTable(std::shared_ptr<const TableDef> table);
  void RemoveTable(uint32_t id);

  CatalogSnapshotPtr Build(uint64_t version, bool pending);

 private:
  std::shared_ptr<CatalogSnapshot> snapshot_;
};

}  // namespace strata::storage
