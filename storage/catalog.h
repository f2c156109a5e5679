#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "storage/lsn.h"

namespace strata::storage {

// The catalog: schemas and tables of one database (DESIGN.md section 3).
//
// Definitions are plain immutable data, published as a CatalogSnapshot. The
// committed catalog lives in the `catalog` column family and is loaded by
// Database::Open; DDL is done inside a DatabaseTransaction (database.h),
// which sees its own changes and publishes them atomically on commit.
//
// Identifiers (schema, table and column names) are stored exactly as given:
// the SQL layer folds unquoted identifiers to lower case before calling in.
// Lookups are case-sensitive, as PostgreSQL's are after folding.

// Fixed OIDs, as in PostgreSQL.
inline constexpr uint32_t kPgCatalogSchemaId = 11;
inline constexpr uint32_t kPublicSchemaId = 2200;
inline constexpr uint32_t kInformationSchemaId = 13000;
// First OID handed to user objects (PostgreSQL's FirstNormalObjectId).
inline constexpr uint32_t kFirstUserOid = 16384;
inline constexpr std::string_view kDefaultSchemaName = "public";
// Upper bound of TableProperties::shard_count.
inline constexpr uint32_t kMaxShardCount = 1024;

struct SchemaDef {
  // pg_namespace.oid: 11 pg_catalog, 2200 public, 13000 information_schema,
  // user schemas from kFirstUserOid up (shared counter with tables).
  uint32_t id = 0;
  std::string name;
  // pg_catalog and information_schema: always present, never persisted,
  // cannot be created, dropped or hold user tables (42501).
  bool is_system = false;
};

struct ColumnDef {
  // Stable identity of the column inside its table: assigned from
  // TableDef::next_column_id at CREATE/ADD COLUMN, never reused (also not
  // after DROP COLUMN). Row values are tagged with it. Not the attnum: the
  // attnum is the 1-based position in TableDef::columns.
  uint32_t id = 0;
  std::string name;
  DataType type;
  // Primary-key columns are always not_null.
  bool not_null = false;
  // The DEFAULT expression as SQL text, for the SQL layer to parse and
  // evaluate on INSERT; empty = no default (NULL).
  std::string default_sql;
  // Value of this column in rows written before it was added (PostgreSQL's
  // attmissingval): NULL, or the constant default given to ADD COLUMN.
  Value missing_value;

  bool operator==(const ColumnDef&) const = default;
};

enum class Orientation : uint8_t {
  kRow = 1,
  kColumn = 2,
  kRowColumn = 3,
};

enum class BinlogLevel : uint8_t {
  kNone = 0,
  kReplica = 1,
};

// ALTER TABLE ... REPLICA IDENTITY (property replica_identity): how much of
// the old row logical replication shows for updates and deletes. Persisted.
enum class ReplicaIdentity : uint8_t {
  kDefault = 0,  // the primary key
  kFull = 1,     // the whole row
  kNothing = 2,  // nothing
};

// WITH (...) / set_table_property properties. Column lists hold column ids.
// Currently every table keeps its rows in the `rows` column family whatever
// its orientation; the column replica will honour `orientation` once it
// exists.
enum class ColumnCompression : uint8_t { kDefault = 0, kLz4 = 1, kZstd = 2 };

struct TableProperties {
  // Default: kRowColumn with a primary key, kColumn without.
  Orientation orientation = Orientation::kRowColumn;
  BinlogLevel binlog_level = BinlogLevel::kNone;
  int64_t binlog_ttl_seconds = 86400;
  ReplicaIdentity replica_identity = ReplicaIdentity::kDefault;
  // 1..kMaxShardCount.
  uint32_t shard_count = 1;
  // Default: the primary key. Must be a subset of the primary key when the
  // table has one; may be empty only for a table without a primary key
  // (rows are then spread by their hidden row id).
  std::vector<uint32_t> distribution_key;
  std::vector<uint32_t> clustering_key;
  std::optional<uint32_t> event_time_column;
  std::vector<uint32_t> dictionary_encoding_columns;
  std::vector<uint32_t> bitmap_columns;
  // Block compression of the column replica's segments ('compression' =
  // 'lz4' | 'zstd'); kDefault follows StorageOptions::column_use_zstd.
  ColumnCompression compression = ColumnCompression::kDefault;

  bool operator==(const TableProperties&) const = default;
};

// The most columns a primary key may have: PostgreSQL's INDEX_MAX_KEYS,
// which clients read as the max_index_keys setting (pgjdbc's
// getImportedKeys expands key arrays up to it).
inline constexpr size_t kMaxPrimaryKeyColumns = 32;

struct TableDef {
  // pg_class.oid; unique, never reused, allocated from kFirstUserOid up.
  uint32_t id = 0;
  uint32_t schema_id = 0;
  std::string name;
  // In attnum order (columns[i] has attnum i + 1).
  std::vector<ColumnDef> columns;
  // Column ids in key order; empty = no primary key: an append-only table
  // whose rows are keyed by a hidden, monotonically increasing row id.
  std::vector<uint32_t> primary_key;
  TableProperties properties;
  // Next ColumnDef::id to hand out.
  uint32_t next_column_id = 1;
  // PostgreSQL's relfilenode: the id under which the table's rows are
  // stored (row keys start with it). Equals `id` at CREATE TABLE; TRUNCATE
  // assigns a fresh one, so a transaction that truncated sees an empty
  // table, and the old data is reclaimed (DeleteRange) when it commits.
  uint32_t relfilenode = 0;
  // Incremented by every committed or pending DDL change of this table;
  // plan caches may key on (id, schema_version).
  uint64_t schema_version = 1;

  bool has_primary_key() const { return !primary_key.empty(); }
  // The column named `name`, or null.
  const ColumnDef* FindColumn(std::string_view name) const;
  // The column with id `column_id`, or null.
  const ColumnDef* FindColumnById(uint32_t column_id) const;
  // Position of the column in `columns`, or nullopt.
  std::optional<size_t> ColumnIndex(uint32_t column_id) const;
  // Positions (in `columns`) of the primary-key columns, in key order.
  std::vector<size_t> PrimaryKeyIndexes() const;
  // Positions of the distribution-key columns, in key order.
  std::vector<size_t> DistributionKeyIndexes() const;

  bool operator==(const TableDef&) const = default;
};

// A table name as written in SQL; an empty schema means "public" (the SQL
// layer resolves search_path before calling in).
struct TableName {
  std::string schema;
  std::string name;
};

// An immutable view of the whole catalog. Cheap to hold (shared_ptr);
// definitions it hands out stay valid as long as the snapshot is held.
//
// Thread-safe (immutable).
class CatalogSnapshot {
 public:
  CatalogSnapshot() = default;

  // Number of committed DDL transactions reflected; increases by one with
  // every publication (0 for the state built at open). A transaction's
  // private view (with pending DDL) keeps its base's version but reports
  // has_pending_changes().
  uint64_t version() const { return version_; }
  bool has_pending_changes() const { return pending_; }

  // Lookups: null when absent.
  const SchemaDef* FindSchema(std::string_view name) const;
  const SchemaDef* FindSchemaById(uint32_t id) const;
  const TableDef* FindTableById(uint32_t id) const;
  // `schema` empty = "public".
  const TableDef* FindTable(std::string_view schema, std::string_view name) const;

  // As FindTable with PostgreSQL's errors: 3F000 `schema "s" does not
  // exist`, 42P01 `relation "t" does not exist` (the name as written).
  Result<const TableDef*> GetTable(const TableName& name) const;
  // 3F000 when absent.
  Result<const SchemaDef*> GetSchema(std::string_view name) const;

  // All schemas (system ones included), by id.
  std::vector<const SchemaDef*> schemas() const;
  // All tables, by id.
  std::vector<const TableDef*> tables() const;
  // Tables of one schema, by id.
  std::vector<const TableDef*> TablesInSchema(uint32_t schema_id) const;

  // The schema and table name as "schema.table" for messages; just "table"
  // for the public schema.
  std::string QualifiedName(const TableDef& table) const;

 private:
  friend class CatalogBuilder;

  uint64_t version_ = 0;
  bool pending_ = false;
  std::map<uint32_t, std::shared_ptr<const SchemaDef>> schemas_by_id_;
  std::map<std::string, uint32_t, std::less<>> schema_ids_by_name_;
  std::map<uint32_t, std::shared_ptr<const TableDef>> tables_by_id_;
  // (schema id, table name) -> table id.
  std::map<std::pair<uint32_t, std::string>, uint32_t, std::less<>> table_ids_by_name_;
};

using CatalogSnapshotPtr = std::shared_ptr<const CatalogSnapshot>;

// ---- Table properties as text (WITH (...), set_table_property) ----

// Applies one property given as text to *props of `table` (whose columns
// and primary key are used to resolve column names). Accepted keys
// (case-insensitive), with Hologres spellings:
//   orientation                  'row' | 'column' | 'row,column' (any order)
//   binlog_level, binlog.level   'none' | 'replica'
//   binlog_ttl, binlog.ttl       seconds, integer >= 0
//   shard_count                  integer 1..kMaxShardCount
//   distribution_key             comma-separated column names; subset of the PK
//   clustering_key               columns, each optionally suffixed ':asc'/':desc'
//   event_time_column, segment_key   one column name
//   dictionary_encoding_columns, bitmap_columns
//                                columns, each optionally suffixed ':on'/':off'/
//                                ':auto' (':off' removes the column)
// Column names may be double-quoted. Errors: 22023 for an unknown key or a
// bad value; 42703 for an unknown column.
Status ApplyTableProperty(const TableDef& table, std::string_view key, std::string_view value,
                          TableProperties* props);

// The properties of `table` as (key, text value) pairs in a fixed order,
// using the canonical (underscore) key names, e.g. ("orientation",
// "row,column"), ("distribution_key", "id"). For display
// (hologres.hg_table_properties and the like).
std::vector<std::pair<std::string, std::string>> TablePropertiesAsText(const TableDef& table);

std::string_view OrientationName(Orientation orientation);
std::string_view BinlogLevelName(BinlogLevel level);

}  // namespace strata::storage
