#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "columnstore/predicate.h"
#include "common/types.h"
#include "common/value.h"
#include "sql/ast.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/cast.h"
#include "sql/functions/registry.h"
#include "sql/system/system_relations.h"

namespace strata::sql {

// Bound expressions and physical plans: what the binder/planner produce and
// the executor runs. Immutable once built, so a prepared statement's plan is
// shared by all its executions (per-execution state lives in the executor's
// operators). Rows are vectors of Values; a column is addressed by its index
// in the input row of the node that evaluates the expression.

using Row = std::vector<Value>;

struct PlanNode;
struct BoundExpr;
using BoundExprPtr = std::unique_ptr<BoundExpr>;

enum class BoundExprKind {
  kConst,        // value (unknown_literal: an untyped string literal held as text)
  kColumn,       // index into the input row
  kOuterColumn,  // index into the row of the query `depth` levels out (correlation)
  kParam,        // index: 0-based parameter number
  kFunction,     // fn(children)
  kCast,         // cast(children[0])
  kAnd,          // children (n-ary), three-valued
  kOr,
  kNot,
  kIsNull,       // negated: IS NOT NULL
  kBoolTest,     // bool_test
  kDistinctFrom,  // fn is "="; negated: IS NOT DISTINCT FROM
  kCase,         // children: when1, then1, ..., [else]; has_else
  kCoalesce,
  kNullIf,       // fn is "="
  kGreatest,
  kLeast,
  kInList,       // children[0] IN children[1..]; fns[i] compares with children[i + 1]; negated
  kAnyArray,     // children[0] op ANY/ALL (children[1] array); fn; is_all
  kSubquery,     // subquery kind; subplan; for ANY/ALL children[0] is the left side, fn the operator
  kArray,        // ARRAY[children]
  kSubscript,    // children[0][children[1]]
  kFieldSelect,  // (children[0]).field: field number `index` (0-based) of a record
  kSqlValue,     // current_user etc. (session values), name holds which
};

enum class SubqueryKind { kExists, kScalar, kAny, kAll, kArray };

struct BoundExpr {
  BoundExprKind kind;
  DataType type;
  int location = 0;

  Value value;
  bool unknown_literal = false;
  int index = -1;
  int depth = 0;
  std::string name;

  functions::ResolvedFunction fn;
  std::vector<functions::ResolvedFunction> fns;
  functions::ResolvedCast cast;

  bool negated = false;
  bool is_all = false;
  bool has_else = false;
  ast::BoolTestKind bool_test = ast::BoolTestKind::kIsTrue;
  SubqueryKind subquery = SubqueryKind::kExists;
  std::shared_ptr<const PlanNode> subplan;
  // The subquery references columns of enclosing queries (re-run per row).
  bool correlated = false;

  std::vector<BoundExprPtr> children;

  BoundExpr(BoundExprKind k, DataType t) : kind(k), type(t) {}
};

enum class PlanKind {
  kResult,        // one row with no columns (SELECT without FROM)
  kValues,        // rows of expressions
  kSeqScan,       // full scan of a table (filter applied)
  kRangeScan,     // primary-key range scan (lower/upper), filter applied
  kGet,           // primary-key point lookup (keys[0]), filter applied
  kMultiGet,      // several point lookups (keys), filter applied
  kFilter,
  kProject,       // exprs
  kAggregate,     // group by exprs, then aggregates; output: groups..., aggs...
  kSort,          // sort_keys
  kLimit,         // limit / offset (either may be null)
  kDistinct,      // whole-row distinct; distinct_on > 0: first row per prefix of sort
  kHashJoin,      // left_keys = right_keys, filter as residual
  kNestedLoopJoin,  // filter as join condition (null: cross join)
  kSetOp,         // set_op over children[0], children[1]
  kFunctionScan,  // table_name: "" (generate_series(exprs...)), "unnest" or "_pg_expandarray"
                  // (exprs[0]; columns x, n)
  kSystemScan,    // all rows of system_relation (pg_catalog / information_schema)
  kWindow,        // input columns ++ one column per window call (windows)
  kProjectSet,    // input columns ++ one column per set-returning call (set_functions)
  kBinlogScan,    // a binlog table's records (hg_binlog_* columns); lower/upper: LSN bounds
};

enum class JoinType { kInner, kLeft, kRight, kFull };
enum class SetOpType { kUnion, kIntersect, kExcept };

struct SortKey {
  BoundExprPtr expr;
  bool descending = false;
  bool nulls_first = false;
};

struct AggregateCall {
  functions::ResolvedAggregate aggregate;
  std::vector<BoundExprPtr> args;  // converted to aggregate.arg_types
  bool distinct = false;
  BoundExprPtr filter;  // FILTER (WHERE ...)
  std::vector<SortKey> order;  // ORDER BY inside the call (string_agg, array_agg)
};

// A window function call: row_number(), rank() or dense_rank() OVER
// (PARTITION BY partition ORDER BY order), over the input row of kWindow.
struct WindowCall {
  std::string name;
  std::vector<BoundExprPtr> partition;
  std::vector<SortKey> order;
};

// A set-returning function call in a select list (kProjectSet), over the
// node's input row: generate_series(start, stop[, step]) on integers (args
// already coerced to the result type), unnest(array), or
// information_schema._pg_expandarray(array), which returns one record
// (x = element, n = 1-based position) per element.
struct SetFunctionCall {
  enum class Kind { kGenerateSeries, kUnnest, kExpandArray };
  Kind kind = Kind::kGenerateSeries;
  std::vector<BoundExprPtr> args;
  DataType type;  // the result type
};

struct PlanNode {
  PlanKind kind;
  std::vector<DataType> types;  // output column types
  std::vector<std::unique_ptr<PlanNode>> children;

  // Table access (kSeqScan, kRangeScan, kGet, kMultiGet).
  uint32_t table_id = 0;
  uint64_t schema_version = 0;
  std::string table_name;
  std::vector<std::vector<BoundExprPtr>> keys;  // kGet/kMultiGet; kValues rows
  std::vector<BoundExprPtr> lower;               // kRangeScan key prefix bounds
  std::vector<BoundExprPtr> upper;
  bool lower_inclusive = true;
  bool upper_inclusive = true;
  std::vector<DataType> key_types;  // the primary-key column types, in key order
  bool with_locators = false;       // scans for UPDATE/DELETE of tables without a PK

  // kBinlogScan: output = the table's columns, then hg_binlog_lsn,
  // hg_binlog_event_type, hg_binlog_timestamp_us (int8). `lower`/`upper`
  // hold at most one expression each: the LSN bounds pushed into the
  // storage seek (with lower_inclusive/upper_inclusive); the filter still
  // holds every conjunct. binlog_heartbeats: the query asks for event
  // type 27, so heartbeat records are read too.
  bool binlog_heartbeats = false;

  // kSeqScan only (planner::ChooseReplicas): read the table's column
  // replica (storage ColumnScan) instead of the row replica. Output rows
  // keep the full table width; only the columns at `column_positions`
  // (table positions, ascending) are read, the others are NULL (nothing
  // above the scan reads them). `column_predicates` (column ids) are pushed
  // into the scan; the full filter still applies on top. `pushed_text`
  // describes them for EXPLAIN.
  bool column_replica = false;
  std::vector<size_t> column_positions;
  std::vector<columnstore::ColumnPredicate> column_predicates;
  std::vector<std::string> pushed_text;

  // kSystemScan: the relation (owned by system::Relations(), immortal).
  const system::SystemRelation* system_relation = nullptr;
  // kAggregate directly over a column-replica kSeqScan whose filter is
  // fully pushed down (planner::ChooseReplicas): runs as the vectorized
  // aggregation next to the scan (sql/executor/vectorized.h).
  bool vectorized = false;

  BoundExprPtr filter;  // kFilter, scans, join residual
  std::vector<BoundExprPtr> exprs;  // kProject outputs; kAggregate groups; kFunctionScan args
  std::vector<AggregateCall> aggregates;
  std::vector<WindowCall> windows;  // kWindow
  // kProjectSet. As PostgreSQL 10+ (ProjectSet): per input row, the calls
  // advance in lockstep; the row repeats as long as the longest call
  // returns values, the exhausted ones give NULL; no row when all are empty.
  std::vector<SetFunctionCall> set_functions;
  std::vector<SortKey> sort_keys;
  BoundExprPtr limit;
  BoundExprPtr offset;
  size_t distinct_on = 0;

  JoinType join_type = JoinType::kInner;
  std::vector<BoundExprPtr> left_keys;
  std::vector<BoundExprPtr> right_keys;

  SetOpType set_op = SetOpType::kUnion;
  bool all = false;

  explicit PlanNode(PlanKind k) : kind(k) {}
};

using PlanPtr = std::unique_ptr<PlanNode>;

// EXPLAIN's text for a plan, one line per node with 2-space indentation per
// level, e.g. "Get on t (serving fast path; row replica)".
std::vector<std::string> ExplainPlan(const PlanNode& plan);

}  // namespace strata::sql
