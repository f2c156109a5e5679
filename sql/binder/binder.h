#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/types.h"
#include "sql/ast.h"
#include "sql/engine.h"
#include "sql/functions/eval_context.h"
#include "sql/plan.h"

namespace strata::storage {
class CatalogSnapshot;
struct TableDef;
}  // namespace strata::storage

namespace strata::sql::binder {

// A planned query: the plan and its visible output columns (the plan may
// carry no hidden columns: its output is exactly `columns`).
struct BoundQuery {
  PlanPtr plan;
  std::vector<ResultColumn> columns;
  // Per column: an untyped literal ('x', NULL) read as text; set operations
  // resolve these like PostgreSQL's unknown type.
  std::vector<bool> unknown_columns;
};

// The table a DML statement writes.
struct TargetTable {
  uint32_t id = 0;
  uint64_t schema_version = 0;
  std::string name;  // as written, for messages
  bool has_primary_key = false;
};

struct BoundInsert {
  TargetTable table;
  // Positions (in the table's columns) that the source provides, in order.
  std::vector<size_t> target_columns;
  // Either VALUES rows (a null entry is DEFAULT) or a query.
  std::vector<std::vector<BoundExprPtr>> values;
  PlanPtr query;
  // Per table column: the DEFAULT expression, or null for NULL.
  std::vector<BoundExprPtr> defaults;
  ast::OnConflictAction on_conflict = ast::OnConflictAction::kNone;
  // DO UPDATE: columns (positions) and values, evaluated over
  // existing row ++ excluded row; optional WHERE over the same.
  std::vector<size_t> update_columns;
  std::vector<BoundExprPtr> update_values;
  BoundExprPtr update_where;
  // Every SET item is `c = EXCLUDED.c` and there is no WHERE: one
  // UpsertColumns call per row (the partial-upsert fast path).
  bool excluded_only = false;
  std::vector<BoundExprPtr> returning;  // over the table row
  std::vector<ResultColumn> returning_columns;
};

struct BoundUpdate {
  TargetTable table;
  // Produces the full table rows to update (locators for tables without a
  // primary key).
  PlanPtr scan;
  std::vector<size_t> columns;          // positions being assigned
  std::vector<BoundExprPtr> values;     // over the old table row
  bool changes_primary_key = false;
  std::vector<BoundExprPtr> returning;  // over the new table row
  std::vector<ResultColumn> returning_columns;
};

struct BoundDelete {
  TargetTable table;
  PlanPtr scan;
  std::vector<BoundExprPtr> returning;  // over the deleted row
  std::vector<ResultColumn> returning_columns;
};

// Settings the binder reads.
struct BinderOptions {
  // Schemas searched for unqualified table names, in order ("public").
  std::vector<std::string> search_path = {"public"};
  // For unknown-literal coercion at bind time ('now', 'today').
  functions::EvalContext* eval = nullptr;
  // `strata.read_replica`: which replica scans of SELECT (and of INSERT
  // ... SELECT sources) read; see planner::ChooseReplicas. UPDATE and
  // DELETE always scan the row replica.
  std::string read_replica = "auto";
};

// Binds and plans statements against one catalog snapshot. `param_types`
// holds the known parameter types (TypeId::kInvalid = to be inferred) and
// receives the inferred ones; unresolved parameters become text.
//
// Not thread-safe; one binder per statement. The catalog and param_types
// must outlive the binder.
class Binder {
 public:
  Binder(const storage::CatalogSnapshot* catalog, BinderOptions options,
         std::vector<DataType>* param_types);
  ~Binder();

  Result<BoundQuery> BindQuery(const ast::SelectStmt& stmt);
  Result<BoundInsert> BindInsert(const ast::InsertStmt& stmt);
  Result<BoundUpdate> BindUpdate(const ast::UpdateStmt& stmt);
  Result<BoundDelete> BindDelete(const ast::DeleteStmt& stmt);
  // A standalone expression without column references (EXECUTE
  // parameters, CALL arguments, DEFAULT values), coerced to `target` with
  // assignment rules when target.id != kInvalid.
  Result<BoundExprPtr> BindConstantExpr(const ast::Expr& expr, const DataType& target);

  // Resolves a table name through the search path: 42P01 / 3F000.
  Result<const storage::TableDef*> LookupTable(const ast::QualifiedName& name) const;

  // Replaces parameters left unresolved by text and returns the final types.
  std::vector<DataType> FinishParams();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The DEFAULT expression of `column` (SQL text from the catalog), bound and
// coerced to the column type; null when the column has no default.
Result<BoundExprPtr> BindColumnDefault(const storage::CatalogSnapshot* catalog,
                                       const BinderOptions& options, const std::string& default_sql,
                                       const DataType& column_type, const std::string& column_name);

}  // namespace strata::sql::binder
