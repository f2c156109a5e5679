#include <map>

#include "sql/system/builtin_relations.h"

namespace strata::sql::system {

namespace {

// typinput procedures (pg_proc OIDs of PostgreSQL 15) of the built-in types.
constexpr uint32_t kArrayInProc = 750;

std::vector<TypeRow> BuildTypes() {
  std::vector<TypeRow> out;
  struct Extra {
    uint32_t oid;
    const char* name;
    int16_t len;
    char category;
    bool preferred;
    uint32_t array;
    char typtype;
    uint32_t input;
  };
  // Scalar Strata types: category, preferred, typinput.
  struct ScalarFacts {
    char category;
    bool preferred;
    uint32_t input;
  };
  const std::map<TypeId, ScalarFacts> facts = {
      {TypeId::kBool, {'B', true, 1242}},       {TypeId::kInt2, {'N', false, 38}},
      {TypeId::kInt4, {'N', false, 42}},        {TypeId::kInt8, {'N', false, 460}},
      {TypeId::kFloat4, {'N', false, 200}},     {TypeId::kFloat8, {'N', true, 214}},
      {TypeId::kNumeric, {'N', false, 1701}},   {TypeId::kText, {'S', true, 46}},
      {TypeId::kVarchar, {'S', false, 1046}},   {TypeId::kBpchar, {'S', false, 1044}},
      {TypeId::kBytea, {'U', false, 1244}},     {TypeId::kDate, {'D', false, 1084}},
      {TypeId::kTime, {'D', false, 1143}},      {TypeId::kTimestamp, {'D', false, 1312}},
      {TypeId::kTimestampTz, {'D', true, 1150}}, {TypeId::kInterval, {'T', true, 1160}},
      {TypeId::kUuid, {'U', false, 2952}},      {TypeId::kJson, {'U', false, 321}},
      {TypeId::kJsonb, {'U', false, 3806}},
  };
  for (const auto& [id, f] : facts) {
    const TypeInfo& info = GetTypeInfo(id);
    TypeRow t;
    t.oid = info.oid;
    t.name = std::string(info.typname);
    t.len = info.typlen;
    t.category = f.category;
    t.preferred = f.preferred;
    t.array = info.array_oid;
    t.input_proc = f.input;
    t.collation = IsStringType(id) ? 100 : 0;
    out.push_back(t);
  }
  // Types of catalog columns and pseudo-types clients look up.
  const Extra extras[] = {
      {18, "char", 1, 'Z', false, 1002, 'b', 1245},
      {19, "name", 64, 'S', false, 1003, 'b', 34},
      {22, "int2vector", -1, 'A', false, 1006, 'b', 40},
      {24, "regproc", 4, 'N', false, 1008, 'b', 44},
      {26, "oid", 4, 'N', true, 1028, 'b', 1798},
      {27, "tid", 6, 'U', false, 1010, 'b', 48},
      {28, "xid", 4, 'U', false, 1011, 'b', 50},
      {29, "cid", 4, 'U', false, 1012, 'b', 52},
      {30, "oidvector", -1, 'A', false, 1013, 'b', 54},
      {194, "pg_node_tree", -1, 'Z', false, 0, 'b', 195},
      {705, "unknown", -2, 'X', false, 0, 'p', 109},
      {1033, "aclitem", 12, 'U', false, 1034, 'b', 1031},
      {1560, "bit", -1, 'V', false, 1561, 'b', 1564},
      {1562, "varbit", -1, 'V', true, 1563, 'b', 1579},
      {2205, "regclass", 4, 'N', false, 2210, 'b', 2218},
      {2206, "regtype", 4, 'N', false, 2211, 'b', 2220},
      {2249, "record", -1, 'P', false, 2287, 'p', 2290},
      {2275, "cstring", -2, 'P', false, 1263, 'p', 2292},
      {2276, "any", 4, 'P', false, 0, 'p', 2294},
      {2277, "anyarray", -1, 'P', false, 0, 'p', 2296},
      {2278, "void", 4, 'P', false, 0, 'p', 2298},
      {2283, "anyelement", 4, 'P', false, 0, 'p', 2312},
      {2776, "anynonarray", 4, 'P', false, 0, 'p', 2777},
      {5077, "anycompatible", 4, 'P', false, 0, 'p', 5086},
      {5078, "anycompatiblearray", -1, 'P', false, 0, 'p', 5088},
      {4089, "regnamespace", 4, 'N', false, 4090, 'b', 4084},
      {4096, "regrole", 4, 'N', false, 4097, 'b', 4098},
  };
  for (const Extra& e : extras) {
    TypeRow t;
    t.oid = e.oid;
    t.name = e.name;
    t.len = e.len;
    t.category = e.category;
    t.preferred = e.preferred;
    t.array = e.array;
    t.typtype = e.typtype;
    t.input_proc = e.input;
    t.collation = e.oid == 19 ? 950 : 0;
    out.push_back(t);
  }
  const size_t base_count = out.size();
  for (size_t i = 0; i < base_count; ++i) {
    const TypeRow& base = out[i];
    if (base.array == 0) continue;
    TypeRow a;
    a.oid = base.array;
    a.name = "_" + base.name;
    a.len = -1;
    a.category = 'A';
    a.elem = base.oid;
    a.input_proc = kArrayInProc;
    a.collation = base.collation;
    out.push_back(a);
  }
  return out;
}

}  // namespace

const std::vector<TypeRow>& AllTypes() {
  static const std::vector<TypeRow> types = BuildTypes();
  return types;
}

const TypeRow* FindTypeByOid(uint32_t oid) {
  for (const TypeRow& t : AllTypes()) {
    if (t.oid == oid) return &t;
  }
  return nullptr;
}

const TypeRow* FindTypeByName(std::string_view name) {
  for (const TypeRow& t : AllTypes()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace strata::sql::system
