#include <cassert>
#include <mutex>

#include "sql/system/builtin_relations.h"
#include "sql/system/system_relations.h"

namespace strata::sql::system {

void Registry::Add(SystemRelation relation) {
  assert(Find(relation.schema, relation.name) == nullptr);
  relations_.push_back(std::move(relation));
}

const SystemRelation* Registry::Find(std::string_view schema, std::string_view name) const {
  for (const SystemRelation& r : relations_) {
    if (r.schema == schema && r.name == name) return &r;
  }
  return nullptr;
}

namespace {

Registry BuildRegistry() {
  Registry r;
  RegisterPgCatalog(&r);
  RegisterInformationSchema(&r);
  RegisterReplication(&r);
  RegisterStrataTables(&r);
  RegisterStrataPools(&r);
  return r;
}

}  // namespace

const Registry& Relations() {
  static const Registry registry = BuildRegistry();
  return registry;
}

const SystemRelation* FindSystemRelation(std::string_view schema, std::string_view name,
                                         const std::vector<std::string>& search_path) {
  const Registry& r = Relations();
  if (!schema.empty()) return r.Find(schema, name);
  if (const SystemRelation* rel = r.Find("pg_catalog", name)) return rel;
  for (const std::string& s : search_path) {
    if (s == "pg_catalog") continue;
    if (const SystemRelation* rel = r.Find(s, name)) return rel;
  }
  return nullptr;
}

const SystemRelation* FindSystemRelationByOid(uint32_t oid) {
  for (const SystemRelation& rel : Relations().relations()) {
    if (rel.oid == oid) return &rel;
  }
  return nullptr;
}

uint32_t RoleOid(std::string_view name) {
  if (name == kOwnerRole) return kBootstrapRoleOid;
  if (name == kDatabaseOwnerRole) return 6171;
  // FNV-1a, folded into [0x50000000, 0x5fffffff]: stable across restarts
  // and apart from every other OID range Strata uses.
  uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return 0x50000000u + (h & 0x0fffffffu);
}

}  // namespace strata::sql::system
