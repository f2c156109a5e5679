#pragma once

#include "common/status.h"
#include "sql/ast.h"
#include "sql/binder/binder.h"
#include "sql/engine.h"
#include "sql/executor/executor.h"

namespace strata::storage {
class CatalogSnapshot;
class DatabaseTransaction;
}  // namespace strata::storage

namespace strata::sql {

// What COPY needs from the session. Borrowed; valid during ExecuteCopy.
struct CopyContext {
  storage::DatabaseTransaction* txn = nullptr;
  const storage::CatalogSnapshot* catalog = nullptr;
  binder::BinderOptions binder_options;
  executor::ExecContext exec;
  ResultSink* sink = nullptr;
};

// Runs COPY t [(cols)] FROM STDIN and COPY t | (query) TO STDOUT in
// PostgreSQL's text and CSV formats (options FORMAT, HEADER, DELIMITER,
// NULL, QUOTE, ESCAPE, FORCE_QUOTE *), and completes with "COPY n".
// Rows get INSERT's semantics (defaults for omitted columns, 23505 on
// duplicate keys, 23502 on NULL in NOT NULL columns) but reach storage in
// batches of 4096 (DatabaseTransaction::InsertRows: one sorted uniqueness
// MultiGet per batch, column-replica records kept out of the transaction's
// read index); an error names the line of the first failing row in input
// order, as row-by-row processing would. In a load of more than one batch,
// each batch but the last is written by a helper thread while the next is
// read and encoded (DatabaseTransaction::PrepareRows / InsertPreparedRows),
// unless omitted columns evaluate defaults. The COPY is atomic: its rows
// commit with the statement's transaction, or not at all.
// Errors: 22P04 for malformed input (missing / extra columns, unterminated
// quotes) with the line number in the detail; 0A000 for files, programs
// and the binary format. After an error in COPY FROM the remaining client
// data is drained, as PostgreSQL does.
Status ExecuteCopy(const ast::CopyStmt& stmt, CopyContext& ctx);

}  // namespace strata::sql
