#include "storage/catalog_store.h"

#include <utility>
#include <vector>

#include "common/macros.h"
#include "common/sql_state.h"
#include "rowstore/row_codec.h"

namespace strata::storage {

namespace {

constexpr uint8_t kSchemaFormat = 1;
constexpr uint8_t kTableFormat = 1;

void PutU32(uint32_t v, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutSigned(int64_t v, std::string* out) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

void PutIds(const std::vector<uint32_t>& ids, std::string* out) {
  PutVarint(ids.size(), out);
  for (uint32_t id : ids) PutVarint(id, out);
}

// Reads the encodings above; every read fails with Corruption past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : in_(bytes) {}

  Result<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Bad();
      const uint8_t b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Bad();
  }
  Result<uint32_t> U32Varint() {
    STRATA_ASSIGN_OR_RETURN(uint64_t v, Varint());
    if (v > UINT32_MAX) return Bad();
    return static_cast<uint32_t>(v);
  }
  Result<int64_t> Signed() {
    STRATA_ASSIGN_OR_RETURN(uint64_t v, Varint());
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  Result<uint8_t> Byte() {
    if (in_.empty()) return Bad();
    const uint8_t b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  Result<std::string> String() {
    STRATA_ASSIGN_OR_RETURN(uint64_t n, Varint());
    if (n > in_.size()) return Bad();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  Result<std::vector<uint32_t>> Ids() {
    STRATA_ASSIGN_OR_RETURN(uint64_t n, Varint());
    if (n > in_.size()) return Bad();
    std::vector<uint32_t> ids;
    ids.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      STRATA_ASSIGN_OR_RETURN(uint32_t id, U32Varint());
      ids.push_back(id);
    }
    return ids;
  }
  bool done() const { return in_.empty(); }
  static Status Bad() { return Status::Corruption("malformed catalog record"); }

 private:
  std::string_view in_;
};

void PutType(const DataType& type, std::string* out) {
  out->push_back(static_cast<char>(type.id));
  PutSigned(type.typmod, out);
  out->push_back(static_cast<char>(type.element));
}

Result<DataType> ReadType(Reader* r) {
  DataType type;
  STRATA_ASSIGN_OR_RETURN(uint8_t id, r->Byte());
  STRATA_ASSIGN_OR_RETURN(int64_t typmod, r->Signed());
  STRATA_ASSIGN_OR_RETURN(uint8_t element, r->Byte());
  if (id == 0 || id > kMaxTypeId || element > kMaxTypeId || typmod < INT32_MIN ||
      typmod > INT32_MAX) {
    return Reader::Bad();
  }
  type.id = static_cast<TypeId>(id);
  type.typmod = static_cast<int32_t>(typmod);
  type.element = static_cast<TypeId>(element);
  return type;
}

// A constant value is stored as a one-field row of the row codec.
Result<std::string> EncodeConstant(const DataType& type, const Value& value) {
  const rowstore::ColumnSpec spec{0, type, Value()};
  const Value values[] = {value};
  return rowstore::EncodeRow(std::span<const rowstore::ColumnSpec>(&spec, 1), values);
}

Result<Value> DecodeConstant(const DataType& type, std::string_view bytes) {
  const rowstore::ColumnSpec spec{0, type, Value()};
  STRATA_ASSIGN_OR_RETURN(
      std::vector<Value> values,
      rowstore::DecodeRow(bytes, std::span<const rowstore::ColumnSpec>(&spec, 1)));
  if (values.size() != 1) return Reader::Bad();
  if (values[0].is_null()) return Value();
  return std::move(values[0]);
}

}  // namespace

namespace catalog_keys {

std::string EncodeId(uint32_t id) {
  std::string out;
  PutU32(id, &out);
  return out;
}

std::string Schema(uint32_t id) {
  std::string out(1, kSchemaTag);
  PutU32(id, &out);
  return out;
}

std::string SchemaName(std::string_view name) {
  std::string out(1, 'S');
  out.append(name);
  return out;
}

std::string Table(uint32_t id) {
  std::string out(1, kTableTag);
  PutU32(id, &out);
  return out;
}

std::string TableName(uint32_t schema_id, std::string_view name) {
  std::string out(1, 'N');
  PutU32(schema_id, &out);
  out.append(name);
  return out;
}

}  // namespace catalog_keys

std::string EncodeSchema(const SchemaDef& schema) {
  std::string out(1, static_cast<char>(kSchemaFormat));
  PutVarint(schema.id, &out);
  PutString(schema.name, &out);
  return out;
}

Result<SchemaDef> DecodeSchema(std::string_view bytes) {
  Reader r(bytes);
  STRATA_ASSIGN_OR_RETURN(uint8_t format, r.Byte());
  if (format != kSchemaFormat) return Reader::Bad();
  SchemaDef schema;
  STRATA_ASSIGN_OR_RETURN(schema.id, r.U32Varint());
  STRATA_ASSIGN_OR_RETURN(schema.name, r.String());
  if (!r.done()) return Reader::Bad();
  return schema;
}

std::string EncodeTable(const TableDef& table) {
  std::string out(1, static_cast<char>(kTableFormat));
  PutVarint(table.id, &out);
  PutVarint(table.schema_id, &out);
  PutString(table.name, &out);
  PutVarint(table.columns.size(), &out);
  for (const ColumnDef& c : table.columns) {
    PutVarint(c.id, &out);
    PutString(c.name, &out);
    PutType(c.type, &out);
    out.push_back(c.not_null ? 1 : 0);
    PutString(c.default_sql, &out);
    // Validated when the column was defined (AddColumn), so this cannot
    // fail; an empty string stands for NULL.
    Result<std::string> missing = c.missing_value.is_null()
                                      ? Result<std::string>(std::string())
                                      : EncodeConstant(c.type, c.missing_value);
    STRATA_DCHECK(missing.ok());
    PutString(missing.ok() ? *missing : std::string(), &out);
  }
  PutIds(table.primary_key, &out);
  const TableProperties& p = table.properties;
  out.push_back(static_cast<char>(p.orientation));
  out.push_back(static_cast<char>(p.binlog_level));
  PutSigned(p.binlog_ttl_seconds, &out);
  PutVarint(p.shard_count, &out);
  PutIds(p.distribution_key, &out);
  PutIds(p.clustering_key, &out);
  out.push_back(p.event_time_column.has_value() ? 1 : 0);
  if (p.event_time_column.has_value()) PutVarint(*p.event_time_column, &out);
  PutIds(p.dictionary_encoding_columns, &out);
  PutIds(p.bitmap_columns, &out);
  PutVarint(table.next_column_id, &out);
  PutVarint(table.relfilenode, &out);
  PutVarint(table.schema_version, &out);
  // Added after the first format, in this order; absent means the
  // defaults (kDefault replica identity, kDefault compression).
  if (p.replica_identity != ReplicaIdentity::kDefault ||
      p.compression != ColumnCompression::kDefault) {
    out.push_back(static_cast<char>(p.replica_identity));
  }
  if (p.compression != ColumnCompression::kDefault) {
    out.push_back(static_cast<char>(p.compression));
  }
  return out;
}

Result<TableDef> DecodeTable(std::string_view bytes) {
  Reader r(bytes);
  STRATA_ASSIGN_OR_RETURN(uint8_t format, r.Byte());
  if (format != kTableFormat) return Reader::Bad();
  TableDef t;
  STRATA_ASSIGN_OR_RETURN(t.id, r.U32Varint());
  STRATA_ASSIGN_OR_RETURN(t.schema_id, r.U32Varint());
  STRATA_ASSIGN_OR_RETURN(t.name, r.String());
  STRATA_ASSIGN_OR_RETURN(uint64_t column_count, r.Varint());
  if (column_count > bytes.size()) return Reader::Bad();
  for (uint64_t i = 0; i < column_count; ++i) {
    ColumnDef c;
    STRATA_ASSIGN_OR_RETURN(c.id, r.U32Varint());
    STRATA_ASSIGN_OR_RETURN(c.name, r.String());
    STRATA_ASSIGN_OR_RETURN(c.type, ReadType(&r));
    STRATA_ASSIGN_OR_RETURN(uint8_t not_null, r.Byte());
    c.not_null = not_null != 0;
    STRATA_ASSIGN_OR_RETURN(c.default_sql, r.String());
    STRATA_ASSIGN_OR_RETURN(std::string missing, r.String());
    if (!missing.empty()) {
      STRATA_ASSIGN_OR_RETURN(c.missing_value, DecodeConstant(c.type, missing));
    }
    t.columns.push_back(std::move(c));
  }
  STRATA_ASSIGN_OR_RETURN(t.primary_key, r.Ids());
  TableProperties& p = t.properties;
  STRATA_ASSIGN_OR_RETURN(uint8_t orientation, r.Byte());
  if (orientation < 1 || orientation > 3) return Reader::Bad();
  p.orientation = static_cast<Orientation>(orientation);
  STRATA_ASSIGN_OR_RETURN(uint8_t binlog, r.Byte());
  if (binlog > 1) return Reader::Bad();
  p.binlog_level = static_cast<BinlogLevel>(binlog);
  STRATA_ASSIGN_OR_RETURN(p.binlog_ttl_seconds, r.Signed());
  STRATA_ASSIGN_OR_RETURN(p.shard_count, r.U32Varint());
  if (p.shard_count < 1 || p.shard_count > kMaxShardCount) return Reader::Bad();
  STRATA_ASSIGN_OR_RETURN(p.distribution_key, r.Ids());
  STRATA_ASSIGN_OR_RETURN(p.clustering_key, r.Ids());
  STRATA_ASSIGN_OR_RETURN(uint8_t has_event_time, r.Byte());
  if (has_event_time != 0) {
    STRATA_ASSIGN_OR_RETURN(uint32_t event_time, r.U32Varint());
    p.event_time_column = event_time;
  }
  STRATA_ASSIGN_OR_RETURN(p.dictionary_encoding_columns, r.Ids());
  STRATA_ASSIGN_OR_RETURN(p.bitmap_columns, r.Ids());
  STRATA_ASSIGN_OR_RETURN(t.next_column_id, r.U32Varint());
  STRATA_ASSIGN_OR_RETURN(t.relfilenode, r.U32Varint());
  STRATA_ASSIGN_OR_RETURN(t.schema_version, r.Varint());
  if (!r.done()) {
    STRATA_ASSIGN_OR_RETURN(uint8_t identity, r.Byte());
    if (identity > 2) return Reader::Bad();
    p.replica_identity = static_cast<ReplicaIdentity>(identity);
  }
  if (!r.done()) {
    STRATA_ASSIGN_OR_RETURN(uint8_t compression, r.Byte());
    if (compression > 2) return Reader::Bad();
    p.compression = static_cast<ColumnCompression>(compression);
  }
  if (!r.done()) return Reader::Bad();
  // Every referenced column id must exist.
  auto known = [&t](uint32_t id) { return t.FindColumnById(id) != nullptr; };
  for (const auto* ids : {&t.primary_key, &p.distribution_key, &p.clustering_key,
                          &p.dictionary_encoding_columns, &p.bitmap_columns}) {
    for (uint32_t id : *ids) {
      if (!known(id)) return Reader::Bad();
    }
  }
  if (p.event_time_column.has_value() && !known(*p.event_time_column)) return Reader::Bad();
  return t;
}

// ---- CatalogBuilder ----

CatalogBuilder::CatalogBuilder() : snapshot_(std::make_shared<CatalogSnapshot>()) {
  PutSchema(std::make_shared<const SchemaDef>(SchemaDef{kPgCatalogSchemaId, "pg_catalog", true}));
  PutSchema(std::make_shared<const SchemaDef>(
      SchemaDef{kInformationSchemaId, "information_schema", true}));
}

CatalogBuilder::CatalogBuilder(const CatalogSnapshot& base)
    : snapshot_(std::make_shared<CatalogSnapshot>(base)) {}

void CatalogBuilder::PutSchema(std::shared_ptr<const SchemaDef> schema) {
  RemoveSchema(schema->id);
  snapshot_->schema_ids_by_name_[schema->name] = schema->id;
  snapshot_->schemas_by_id_[schema->id] = std::move(schema);
}

void CatalogBuilder::RemoveSchema(uint32_t id) {
  const auto it = snapshot_->schemas_by_id_.find(id);
  if (it == snapshot_->schemas_by_id_.end()) return;
  snapshot_->schema_ids_by_name_.erase(it->second->name);
  snapshot_->schemas_by_id_.erase(it);
}

void CatalogBuilder::PutTable(std::shared_ptr<const TableDef> table) {
  RemoveTable(table->id);
  snapshot_->table_ids_by_name_[std::make_pair(table->schema_id, table->name)] = table->id;
  snapshot_->tables_by_id_[table->id] = std::move(table);
}

void CatalogBuilder::RemoveTable(uint32_t id) {
  const auto it = snapshot_->tables_by_id_.find(id);
  if (it == snapshot_->tables_by_id_.end()) return;
  snapshot_->table_ids_by_name_.erase(std::make_pair(it->second->schema_id, it->second->name));
  snapshot_->tables_by_id_.erase(it);
}

CatalogSnapshotPtr CatalogBuilder::Build(uint64_t version, bool pending) {
  snapshot_->version_ = version;
  snapshot_->pending_ = pending;
  CatalogSnapshotPtr out = std::move(snapshot_);
  snapshot_ = std::make_shared<CatalogSnapshot>(*out);
  return out;
}

}  // namespace strata::storage
