#pragma once

#include <string>

#include "sql/ast.h"

namespace strata::sql::ast {

// PostgreSQL's FigureColname: the result column name of a select-list
// expression without an alias ("a" for t.a, "count" for count(*), "int4"
// for '1'::int, "case", "coalesce", "?column?" ...).
std::string FigureColname(const Expr& expr);

// SQL text for an expression that parses back to an equivalent tree (used
// to store DEFAULT expressions in the catalog and in EXPLAIN output).
std::string ToSql(const Expr& expr);

// Quotes an identifier when PostgreSQL would (not all lower case letters,
// digits and underscores, or starting with a digit).
std::string QuoteIdentifier(const std::string& name);

// A SQL string literal: 'it''s'.
std::string QuoteLiteral(const std::string& text);

}  // namespace strata::sql::ast
