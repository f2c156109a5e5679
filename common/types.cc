#include "common/types.h"

#include <array>
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>
#include <string>
#include <vector>

#include "common/macros.h"

namespace strata {
namespace {

// Indexed by TypeId; entries 0 (kInvalid) and kArray are placeholders.
constexpr std::array<TypeInfo, kMaxTypeId + 1> kTypeInfos = {{
    {TypeId::kInvalid, 0, 0, 0, "invalid", "invalid"},
    {TypeId::kBool, 16, 1000, 1, "bool", "boolean"},
    {TypeId::kInt2, 21, 1005, 2, "int2", "smallint"},
    {TypeId::kInt4, 23, 1007, 4, "int4", "integer"},
    {TypeId::kInt8, 20, 1016, 8, "int8", "bigint"},
    {TypeId::kFloat4, 700, 1021, 4, "float4", "real"},
    {TypeId::kFloat8, 701, 1022, 8, "float8", "double precision"},
    {TypeId::kNumeric, 1700, 1231, -1, "numeric", "numeric"},
    {TypeId::kText, 25, 1009, -1, "text", "text"},
    {TypeId::kVarchar, 1043, 1015, -1, "varchar", "character varying"},
    {TypeId::kBpchar, 1042, 1014, -1, "bpchar", "character"},
    {TypeId::kBytea, 17, 1001, -1, "bytea", "bytea"},
    {TypeId::kDate, 1082, 1182, 4, "date", "date"},
    {TypeId::kTime, 1083, 1183, 8, "time", "time without time zone"},
    {TypeId::kTimestamp, 1114, 1115, 8, "timestamp", "timestamp without time zone"},
    {TypeId::kTimestampTz, 1184, 1185, 8, "timestamptz", "timestamp with time zone"},
    {TypeId::kInterval, 1186, 1187, 16, "interval", "interval"},
    {TypeId::kUuid, 2950, 2951, 16, "uuid", "uuid"},
    {TypeId::kJson, 114, 199, -1, "json", "json"},
    {TypeId::kJsonb, 3802, 3807, -1, "jsonb", "jsonb"},
    {TypeId::kArray, 0, 0, -1, "array", "array"},
}};

constexpr TypeInfo kRecordInfo = {TypeId::kRecord, 2249, 2287, -1, "record", "record"};

bool IsScalar(TypeId id) { return id != TypeId::kInvalid && id != TypeId::kArray; }

// Interned record layouts; the index is the typmod. A deque keeps each
// layout's address stable as more are added.
struct RecordRegistry {
  std::mutex mu;
  std::deque<std::vector<RecordField>> layouts;
  std::map<std::vector<std::pair<std::string, std::tuple<TypeId, int32_t, TypeId>>>, int32_t> index;
};

RecordRegistry& Records() {
  static RecordRegistry* registry = new RecordRegistry();
  return *registry;
}

// Base name without modifiers, as format_type prints it. bpchar without a
// length prints as "bpchar", with one as "character(n)".
std::string ScalarToString(TypeId id, int32_t typmod) {
  const TypeInfo& info = GetTypeInfo(id);
  switch (id) {
    case TypeId::kVarchar:
      if (typmod >= kVarHdrSz) return "character varying(" + std::to_string(typmod - kVarHdrSz) + ")";
      return "character varying";
    case TypeId::kBpchar:
      if (typmod >= kVarHdrSz) return "character(" + std::to_string(typmod - kVarHdrSz) + ")";
      return "bpchar";
    case TypeId::kNumeric: {
      DataType t{id, typmod, TypeId::kInvalid};
      if (typmod >= kVarHdrSz) {
        return "numeric(" + std::to_string(NumericPrecision(t)) + "," +
               std::to_string(NumericScale(t)) + ")";
      }
      return "numeric";
    }
    case TypeId::kTime:
      if (typmod >= 0) return "time(" + std::to_string(typmod) + ") without time zone";
      break;
    case TypeId::kTimestamp:
      if (typmod >= 0) return "timestamp(" + std::to_string(typmod) + ") without time zone";
      break;
    case TypeId::kTimestampTz:
      if (typmod >= 0) return "timestamp(" + std::to_string(typmod) + ") with time zone";
      break;
    default:
      break;
  }
  return std::string(info.sql_name);
}

struct Alias {
  std::string_view name;
  TypeId id;
};

constexpr Alias kAliases[] = {
    {"bool", TypeId::kBool},
    {"boolean", TypeId::kBool},
    {"int2", TypeId::kInt2},
    {"smallint", TypeId::kInt2},
    {"int4", TypeId::kInt4},
    {"int", TypeId::kInt4},
    {"integer", TypeId::kInt4},
    {"int8", TypeId::kInt8},
    {"bigint", TypeId::kInt8},
    {"float4", TypeId::kFloat4},
    {"real", TypeId::kFloat4},
    {"float8", TypeId::kFloat8},
    {"double precision", TypeId::kFloat8},
    {"float", TypeId::kFloat8},  // float(p) may become float4, see LookupType
    {"numeric", TypeId::kNumeric},
    {"decimal", TypeId::kNumeric},
    {"dec", TypeId::kNumeric},
    {"text", TypeId::kText},
    {"varchar", TypeId::kVarchar},
    {"character varying", TypeId::kVarchar},
    {"char varying", TypeId::kVarchar},
    {"bpchar", TypeId::kBpchar},
    {"char", TypeId::kBpchar},
    {"character", TypeId::kBpchar},
    {"bytea", TypeId::kBytea},
    {"date", TypeId::kDate},
    {"time", TypeId::kTime},
    {"time without time zone", TypeId::kTime},
    {"timestamp", TypeId::kTimestamp},
    {"timestamp without time zone", TypeId::kTimestamp},
    {"timestamptz", TypeId::kTimestampTz},
    {"timestamp with time zone", TypeId::kTimestampTz},
    {"interval", TypeId::kInterval},
    {"uuid", TypeId::kUuid},
    {"json", TypeId::kJson},
    {"jsonb", TypeId::kJsonb},
};

Status TypeNotFound(std::string_view name) {
  return Status(SqlState::kUndefinedObject, "type \"" + std::string(name) + "\" does not exist");
}

Status BadModifier(std::string message) {
  return Status(SqlState::kInvalidParameterValue, std::move(message));
}

Result<int32_t> CharTypmod(std::string_view type_name, std::span<const int32_t> mods,
                           int32_t default_length) {
  if (mods.empty()) return default_length < 0 ? -1 : default_length + kVarHdrSz;
  if (mods.size() != 1) return BadModifier("invalid type modifier");
  if (mods[0] < 1) {
    return BadModifier("length for type " + std::string(type_name) + " must be at least 1");
  }
  constexpr int32_t kMaxLength = 10 * 1024 * 1024;
  if (mods[0] > kMaxLength) {
    return BadModifier("length for type " + std::string(type_name) + " cannot exceed " +
                       std::to_string(kMaxLength));
  }
  return mods[0] + kVarHdrSz;
}

Result<int32_t> NumericTypmod(std::span<const int32_t> mods) {
  if (mods.empty()) return -1;
  if (mods.size() > 2) return BadModifier("invalid NUMERIC type modifier");
  const int32_t precision = mods[0];
  const int32_t scale = mods.size() == 2 ? mods[1] : 0;
  if (precision < 1 || precision > 1000) {
    return BadModifier("NUMERIC precision " + std::to_string(precision) +
                       " must be between 1 and 1000");
  }
  if (scale < -1000 || scale > 1000) {
    return BadModifier("NUMERIC scale " + std::to_string(scale) +
                       " must be between -1000 and 1000");
  }
  return DataType::Numeric(precision, scale).typmod;
}

Result<int32_t> TimeTypmod(std::span<const int32_t> mods) {
  if (mods.empty()) return -1;
  if (mods.size() != 1) return BadModifier("invalid type modifier");
  if (mods[0] < 0) return BadModifier("TIMESTAMP(" + std::to_string(mods[0]) +
                                      ") precision must not be negative");
  // PostgreSQL reduces larger precisions to the maximum with a warning.
  return mods[0] > 6 ? 6 : mods[0];
}

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

const TypeInfo& GetTypeInfo(TypeId id) {
  STRATA_DCHECK(IsScalar(id));
  if (id == TypeId::kRecord) return kRecordInfo;
  return kTypeInfos[static_cast<size_t>(id)];
}

DataType RecordType(std::vector<RecordField> fields) {
  std::vector<std::pair<std::string, std::tuple<TypeId, int32_t, TypeId>>> key;
  key.reserve(fields.size());
  for (const RecordField& f : fields) {
    key.emplace_back(f.name, std::make_tuple(f.type.id, f.type.typmod, f.type.element));
  }
  RecordRegistry& r = Records();
  std::lock_guard<std::mutex> lock(r.mu);
  auto [it, inserted] = r.index.emplace(std::move(key), static_cast<int32_t>(r.layouts.size()));
  if (inserted) r.layouts.push_back(std::move(fields));
  return DataType{TypeId::kRecord, it->second, TypeId::kInvalid};
}

const std::vector<RecordField>* RecordFields(const DataType& type) {
  if (type.id != TypeId::kRecord || type.typmod < 0) return nullptr;
  RecordRegistry& r = Records();
  std::lock_guard<std::mutex> lock(r.mu);
  if (static_cast<size_t>(type.typmod) >= r.layouts.size()) return nullptr;
  return &r.layouts[static_cast<size_t>(type.typmod)];
}

int32_t ClientTypmod(const DataType& type) { return type.id == TypeId::kRecord ? -1 : type.typmod; }

std::string DataType::ToString() const {
  if (id == TypeId::kInvalid) return "invalid";
  if (is_array()) return ScalarToString(element, typmod) + "[]";
  return ScalarToString(id, typmod);
}

uint32_t TypeOid(const DataType& type) {
  if (type.is_array()) return GetTypeInfo(type.element).array_oid;
  return GetTypeInfo(type.id).oid;
}

int16_t TypeLen(const DataType& type) {
  if (type.is_array()) return -1;
  return GetTypeInfo(type.id).typlen;
}

std::string TypeInternalName(const DataType& type) {
  if (type.is_array()) return "_" + std::string(GetTypeInfo(type.element).typname);
  return std::string(GetTypeInfo(type.id).typname);
}

Result<DataType> DataTypeFromOid(uint32_t oid, int32_t typmod) {
  for (const TypeInfo& info : kTypeInfos) {
    if (!IsScalar(info.id)) continue;  // kRecord is not in the table: see the header
    if (info.oid == oid) return DataType{info.id, typmod, TypeId::kInvalid};
    if (info.array_oid == oid) return DataType{TypeId::kArray, typmod, info.id};
  }
  return Status::NotFound("type with OID " + std::to_string(oid) + " does not exist");
}

Result<DataType> LookupType(std::string_view name, std::span<const int32_t> modifiers,
                            bool is_array) {
  std::string_view base = name;
  constexpr std::string_view kCatalog = "pg_catalog.";
  if (base.substr(0, kCatalog.size()) == kCatalog) base.remove_prefix(kCatalog.size());

  TypeId id = TypeId::kInvalid;
  for (const Alias& alias : kAliases) {
    if (alias.name == base) {
      id = alias.id;
      break;
    }
  }
  if (id == TypeId::kInvalid) return TypeNotFound(name);

  int32_t typmod = -1;
  switch (id) {
    case TypeId::kVarchar: {
      STRATA_ASSIGN_OR_RETURN(typmod, CharTypmod("varchar", modifiers, -1));
      break;
    }
    case TypeId::kBpchar: {
      const int32_t default_length = base == "bpchar" ? -1 : 1;
      STRATA_ASSIGN_OR_RETURN(typmod, CharTypmod("char", modifiers, default_length));
      break;
    }
    case TypeId::kNumeric: {
      STRATA_ASSIGN_OR_RETURN(typmod, NumericTypmod(modifiers));
      break;
    }
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      STRATA_ASSIGN_OR_RETURN(typmod, TimeTypmod(modifiers));
      break;
    }
    case TypeId::kFloat8:
      if (base == "float" && !modifiers.empty()) {
        // float(p): p in 1..24 is real, 25..53 double precision.
        if (modifiers.size() != 1) return BadModifier("invalid type modifier");
        const int32_t p = modifiers[0];
        if (p < 1) return BadModifier("precision for type float must be at least 1 bit");
        if (p > 53) return BadModifier("precision for type float must be less than 54 bits");
        if (p <= 24) id = TypeId::kFloat4;
        break;
      }
      [[fallthrough]];
    default:
      if (!modifiers.empty()) {
        return Status(SqlState::kSyntaxError,
                      "type modifier is not allowed for type \"" + std::string(base) + "\"");
      }
      break;
  }
  if (is_array) return DataType{TypeId::kArray, typmod, id};
  return DataType{id, typmod, TypeId::kInvalid};
}

Result<DataType> ParseTypeName(std::string_view text) {
  std::string lowered;
  lowered.reserve(text.size());
  for (char c : text) lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string rest = Trim(lowered);

  bool is_array = false;
  if (rest.size() >= 2 && rest.substr(rest.size() - 2) == "[]") {
    is_array = true;
    rest = Trim(rest.substr(0, rest.size() - 2));
  } else if (rest.size() > 6 && rest.substr(rest.size() - 6) == " array") {
    is_array = true;
    rest = Trim(rest.substr(0, rest.size() - 6));
  }

  // Cut out "(a, b)", which may sit mid-name: "timestamp(3) with time zone".
  std::vector<int32_t> modifiers;
  const size_t open = rest.find('(');
  if (open != std::string::npos) {
    const size_t close = rest.find(')', open);
    if (close == std::string::npos) {
      return Status(SqlState::kSyntaxError, "syntax error in type name \"" + std::string(text) + "\"");
    }
    std::string args = rest.substr(open + 1, close - open - 1);
    size_t pos = 0;
    while (true) {
      const size_t comma = args.find(',', pos);
      std::string arg = Trim(args.substr(pos, comma == std::string::npos ? std::string::npos
                                                                          : comma - pos));
      if (arg.empty() || arg.size() > 9) {
        return Status(SqlState::kSyntaxError,
                      "syntax error in type name \"" + std::string(text) + "\"");
      }
      size_t i = 0;
      const bool negative = arg[0] == '-';
      if (negative || arg[0] == '+') i = 1;
      if (i == arg.size()) {
        return Status(SqlState::kSyntaxError,
                      "syntax error in type name \"" + std::string(text) + "\"");
      }
      int32_t v = 0;
      for (; i < arg.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(arg[i]))) {
          return Status(SqlState::kSyntaxError,
                        "syntax error in type name \"" + std::string(text) + "\"");
        }
        v = v * 10 + (arg[i] - '0');
      }
      modifiers.push_back(negative ? -v : v);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    rest = rest.substr(0, open) + " " + rest.substr(close + 1);
  }

  // Collapse runs of whitespace so "double   precision" matches.
  std::string name;
  bool space = false;
  for (char c : rest) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !name.empty();
      continue;
    }
    if (space) name.push_back(' ');
    space = false;
    name.push_back(c);
  }
  return LookupType(name, modifiers, is_array);
}

int32_t CharLength(const DataType& type) {
  return type.typmod >= kVarHdrSz ? type.typmod - kVarHdrSz : -1;
}

int32_t NumericPrecision(const DataType& type) {
  if (type.typmod < kVarHdrSz) return -1;
  return ((type.typmod - kVarHdrSz) >> 16) & 0xffff;
}

int32_t NumericScale(const DataType& type) {
  if (type.typmod < kVarHdrSz) return -1;
  // The scale is an 11-bit two's complement field (negative scales: PG 15+).
  return (((type.typmod - kVarHdrSz) & 0x7ff) ^ 1024) - 1024;
}

bool IsIntegerType(TypeId id) {
  return id == TypeId::kInt2 || id == TypeId::kInt4 || id == TypeId::kInt8;
}
bool IsFloatType(TypeId id) { return id == TypeId::kFloat4 || id == TypeId::kFloat8; }
bool IsStringType(TypeId id) {
  return id == TypeId::kText || id == TypeId::kVarchar || id == TypeId::kBpchar;
}
bool IsTimestampType(TypeId id) {
  return id == TypeId::kTimestamp || id == TypeId::kTimestampTz;
}

}  // namespace strata
