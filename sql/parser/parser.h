#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/ast.h"

namespace strata::sql::parser {

// Parses every statement in `text` with the PostgreSQL 15 grammar
// (libpg_query), plus Strata's `CREATE STREAMING JOB name [WITH (...)] AS
// <INSERT>`, into Strata's AST. Empty statements (";;") produce nothing.
//
// Errors: 42601 "syntax error at or near \"x\"" (PostgreSQL's message) with
// the 1-based character position; 0A000 for grammar PostgreSQL accepts but
// Strata does not support (the message names the construct), also with a
// position where one is known.
//
// Thread-safe (libpg_query keeps its memory context per thread). Costs
// roughly 20 us per statement: never call it on a prepared statement's hot
// path.
Result<std::vector<ast::StatementPtr>> Parse(std::string_view text);

// Converts a byte offset in `text` to PostgreSQL's 1-based character
// position (UTF-8). Returns 0 for a negative offset.
int CharPosition(std::string_view text, int byte_offset);

}  // namespace strata::sql::parser
