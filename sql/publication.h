#pragma once

#include <cstdint>
#include <functional>

#include "common/result.h"
#include "common/status.h"
#include "sql/ast.h"
#include "sql/engine.h"

namespace strata::storage {
class Database;
struct TableDef;
}  // namespace strata::storage

namespace strata::sql {

// CREATE / ALTER / DROP PUBLICATION (PostgreSQL 15 syntax for tables and
// FOR ALL TABLES; no schemas, row filters or column lists: 0A000).
// Publications live in the database's replication state (see
// binlog/publication.h) and take effect at once, outside the surrounding
// transaction. `lookup` resolves a table name as the binder does (42P01).
// Errors as PostgreSQL: 42710 `publication "p" already exists`, 42704
// `publication "p" does not exist`, 55000 for table changes of a FOR ALL
// TABLES publication, 42710 `relation "t" is already member of publication
// "p"`, 42704 `relation "t" is not part of the publication`. A table without
// a binlog gets a WARNING: its changes reach subscribers only once
// binlog_level = 'replica'.
Status ExecutePublication(
    const ast::PublicationStmt& stmt, storage::Database* db,
    const std::function<Result<const storage::TableDef*>(const ast::QualifiedName&)>& lookup,
    ResultSink* sink);

}  // namespace strata::sql
