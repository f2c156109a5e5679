// Publications: Strata has none yet, so these catalogs are empty; psql's
// \d asks them for every table. The logical-replication work (binlog,
// issue 7) replaces these generators with the real publications.

#include "sql/system/builtin_relations.h"

namespace strata::sql::system {

namespace {

SystemRelation Empty(std::string name, uint32_t oid, std::vector<SystemColumn> columns) {
  SystemRelation r;
  r.schema = "pg_catalog";
  r.name = std::move(name);
  r.oid = oid;
  r.columns = std::move(columns);
  r.generate = [](const SystemScanContext&) -> Result<std::vector<Row>> { return std::vector<Row>{}; };
  return r;
}

}  // namespace

void RegisterPublications(Registry* registry) {
  registry->Add(Empty("pg_publication", 6104,
                      {{"oid", kOidType}, {"pubname", kNameType}, {"pubowner", kOidType},
                       {"puballtables", kBoolType}, {"pubinsert", kBoolType}, {"pubupdate", kBoolType},
                       {"pubdelete", kBoolType}, {"pubtruncate", kBoolType}, {"pubviaroot", kBoolType}}));
  registry->Add(Empty("pg_publication_rel", 6106,
                      {{"oid", kOidType}, {"prpubid", kOidType}, {"prrelid", kOidType}, {"prqual", kTextType},
                       {"prattrs", kInt2ArrayType}}));
  registry->Add(Empty("pg_publication_namespace", 6237,
                      {{"oid", kOidType}, {"pnpubid", kOidType}, {"pnnspid", kOidType}}));
}

}  // namespace strata::sql::system
