#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata {

// The SQL types Strata stores. The numeric values are persisted (row replica
// type tags, catalog) and must never be renumbered; add new types at the end.
enum class TypeId : uint8_t {
  kInvalid = 0,
  kBool = 1,
  kInt2 = 2,
  kInt4 = 3,
  kInt8 = 4,
  kFloat4 = 5,
  kFloat8 = 6,
  kNumeric = 7,
  kText = 8,
  kVarchar = 9,
  kBpchar = 10,
  kBytea = 11,
  kDate = 12,
  kTime = 13,
  kTimestamp = 14,
  kTimestampTz = 15,
  kInterval = 16,
  kUuid = 17,
  kJson = 18,
  kJsonb = 19,
  // One-dimensional array; the element type is DataType::element.
  kArray = 20,
  // PostgreSQL's anonymous composite `record` (OID 2249): the value of a
  // ROW(...) constructor or of a function returning records. Transient: it
  // is never stored in a table, so it has no persisted tag (see kMaxTypeId).
  // DataType::typmod names the field layout (RecordFields), like
  // PostgreSQL's blessed record typmods; -1 means the layout is unknown.
  kRecord = 21,
};

// Highest TypeId that can be persisted (row replica tags, catalog, column
// segments, binlog); for range checks when decoding. kRecord is above it.
inline constexpr uint8_t kMaxTypeId = static_cast<uint8_t>(TypeId::kArray);

// PostgreSQL's VARHDRSZ, which its typmods for varchar/bpchar/numeric include.
inline constexpr int32_t kVarHdrSz = 4;

// A column or expression type: a TypeId plus PostgreSQL's type modifier,
// stored exactly as PostgreSQL's atttypmod (so it can go on the wire in
// RowDescription unchanged):
//   varchar(n), char(n):  n + 4
//   numeric(p, s):        ((p << 16) | (s & 0x7ff)) + 4
//   timestamp(p), time(p): p
//   -1 everywhere else ("no modifier").
// For arrays, `id` is kArray, `element` names the element type and `typmod`
// is the element's typmod (as in PostgreSQL). For non-arrays `element` is
// kInvalid.
struct DataType {
  TypeId id = TypeId::kInvalid;
  int32_t typmod = -1;
  TypeId element = TypeId::kInvalid;

  bool operator==(const DataType&) const = default;

  bool is_array() const { return id == TypeId::kArray; }
  // The element type of an array (with the array's typmod).
  // REQUIRES: is_array().
  DataType ElementType() const { return DataType{element, typmod, TypeId::kInvalid}; }

  // Constructors for the common cases. REQUIRES: valid modifiers (use
  // LookupType to validate user input).
  static DataType Of(TypeId id) { return DataType{id, -1, TypeId::kInvalid}; }
  static DataType Varchar(int32_t max_chars) {
    return DataType{TypeId::kVarchar, max_chars + kVarHdrSz, TypeId::kInvalid};
  }
  static DataType Bpchar(int32_t chars) {
    return DataType{TypeId::kBpchar, chars + kVarHdrSz, TypeId::kInvalid};
  }
  static DataType Numeric(int32_t precision, int32_t scale) {
    return DataType{TypeId::kNumeric, ((precision << 16) | (scale & 0x7ff)) + kVarHdrSz,
                    TypeId::kInvalid};
  }
  // REQUIRES: element is not kArray or kInvalid.
  static DataType Array(TypeId element, int32_t element_typmod = -1) {
    return DataType{TypeId::kArray, element_typmod, element};
  }

  // PostgreSQL's format_type() output: "integer", "character varying(10)",
  // "numeric(12,2)", "timestamp(3) with time zone", "text[]", "record", ...
  std::string ToString() const;
};

// One field of a record layout.
struct RecordField {
  std::string name;
  DataType type;

  bool operator==(const RecordField&) const = default;
};

// The record type with these fields (in order): DataType{kRecord, typmod}
// where typmod identifies the layout. Layouts are interned process-wide and
// never freed (as PostgreSQL's record type cache in a backend), so equal
// layouts get the same typmod and a typmod stays valid for the process's
// life; the number of distinct layouts is bounded by the queries' shapes.
// Thread-safe.
DataType RecordType(std::vector<RecordField> fields);

// The fields of a record type, or nullptr when its layout is unknown
// (typmod -1) or `type` is not a record. Thread-safe; the pointer stays
// valid forever.
const std::vector<RecordField>* RecordFields(const DataType& type);

// The typmod to report to clients (RowDescription, pg_attribute): records'
// layout ids are process-internal, PostgreSQL reports -1 for them too.
int32_t ClientTypmod(const DataType& type);

// Static facts about a scalar TypeId (not kArray / kInvalid).
struct TypeInfo {
  TypeId id;
  uint32_t oid;        // pg_type.oid
  uint32_t array_oid;  // pg_type.oid of the one-dimensional array type
  int16_t typlen;      // pg_type.typlen: byte width, or -1 for varlena
  std::string_view typname;  // pg_type.typname: "int4", "varchar", ...
  std::string_view sql_name;  // format_type() name without modifier
};

// Facts for a scalar type (kRecord included). REQUIRES: id is neither
// kInvalid nor kArray.
const TypeInfo& GetTypeInfo(TypeId id);

// PostgreSQL OID of the type (the array OID for arrays, e.g. 1007 for int4[]).
uint32_t TypeOid(const DataType& type);
// pg_type.typlen (-1 for varlena types and all arrays).
int16_t TypeLen(const DataType& type);
// pg_type.typname ("int4", "_int4", "timestamptz", ...).
std::string TypeInternalName(const DataType& type);

// The DataType for a PostgreSQL type OID (scalar or array OID), with the
// given typmod. NotFound (42704) for OIDs Strata does not support, including
// record (a client cannot send a value of an anonymous record type).
Result<DataType> DataTypeFromOid(uint32_t oid, int32_t typmod = -1);

// Resolves a type name as the SQL grammar produces it: `name` is the
// (lower-cased, schema-stripped or "pg_catalog."-qualified) base name, e.g.
// "int4", "integer", "character varying", "double precision", "timestamp with
// time zone", "decimal"; `modifiers` are the integers in parentheses
// (varchar(10) -> {10}, numeric(12,2) -> {12, 2}); `is_array` for `[]`.
// Errors: 42704 `type "x" does not exist`; 22023 for out-of-range modifiers;
// 42601 when the type takes no modifiers.
// Note: like PostgreSQL, "char"/"character" without a length means char(1),
// while "bpchar" without a length is unlimited.
Result<DataType> LookupType(std::string_view name, std::span<const int32_t> modifiers,
                            bool is_array);

// Parses a complete type name string, e.g. "varchar(20)", "numeric(10, 2)",
// "timestamp(3) without time zone", "int[]", "TEXT ARRAY". Case-insensitive,
// extra whitespace allowed. Errors as LookupType, plus 42601 for malformed
// modifier lists.
Result<DataType> ParseTypeName(std::string_view text);

// Modifier accessors; each returns -1 when the typmod carries no modifier.
// Max characters of varchar(n)/char(n).
int32_t CharLength(const DataType& type);
// Precision / scale of numeric(p, s).
int32_t NumericPrecision(const DataType& type);
int32_t NumericScale(const DataType& type);

// Type categories.
bool IsIntegerType(TypeId id);   // int2, int4, int8
bool IsFloatType(TypeId id);     // float4, float8
bool IsStringType(TypeId id);    // text, varchar, bpchar
bool IsTimestampType(TypeId id);  // timestamp, timestamptz

}  // namespace strata
