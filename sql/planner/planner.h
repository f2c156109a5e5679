#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sql/plan.h"

namespace strata::storage {
class CatalogSnapshot;
struct TableDef;
}  // namespace strata::storage

namespace strata::sql::planner {

// Chooses how to read `table` given the conjuncts of the predicate over its
// rows (row = the table's columns in order; outer references and parameters
// count as constants):
//   - equality on every primary-key column           -> kGet
//   - the same with IN lists on some key columns     -> kMultiGet (the key
//     combinations, at most kMaxMultiGetKeys)
//   - equality on a key prefix and/or a range on the next key column
//                                                     -> kRangeScan
//   - anything else                                   -> kSeqScan
// Every conjunct stays in the node's filter, so the choice never changes
// the result, only how many rows are read.
PlanPtr PlanTableAccess(const storage::TableDef& table, const std::string& name,
                        std::vector<BoundExprPtr> conjuncts);

inline constexpr size_t kMaxMultiGetKeys = 4096;

// Hologres-style binlog access: a SELECT naming any of these columns reads a
// binlog-enabled table's binlog instead of its rows. They follow the
// table's own columns, in this order, all int8, and `*` does not expand to
// them.
inline constexpr std::string_view kBinlogColumnNames[] = {
    "hg_binlog_lsn", "hg_binlog_event_type", "hg_binlog_timestamp_us"};
// True for the names above.
bool IsBinlogColumnName(std::string_view name);

// A kBinlogScan of `table` (which has binlog_level replica) given the
// conjuncts over its binlog rows (table columns + the three above): range
// and equality predicates `hg_binlog_lsn <op> constant-or-parameter` become
// the LSN bounds of the storage seek; a conjunct that admits event type 27
// (`hg_binlog_event_type = 27`, `IN (..., 27, ...)`, `>= 27`, ...) turns on
// heartbeat records. Every conjunct stays in the filter.
PlanPtr PlanBinlogScan(const storage::TableDef& table, const std::string& name,
                       std::vector<BoundExprPtr> conjuncts);

// `SET strata.read_replica`.
enum class ReadReplica { kAuto, kRow, kColumn };
// "auto" / "row" / "column" (anything else: kAuto).
ReadReplica ParseReadReplica(const std::string& setting);

// Chooses the replica each table scan of `plan` (and of its subquery plans)
// reads:
//   - kAuto: a kSeqScan (not with_locators) of a table with a column
//     replica reads the column replica; point lookups and primary-key
//     range scans stay on the row replica.
//   - kColumn: as kAuto, and primary-key range scans of such tables become
//     column-replica scans too (the filter holds every conjunct). A table
//     without a column replica (orientation 'row') falls back to the row
//     replica -- no error -- and EXPLAIN shows [row replica].
//   - kRow: every scan reads the row replica.
// Column-replica scans read only the columns the plan above them uses and
// get the simple `column op constant` / IS [NOT] NULL conjuncts of their
// filter whose constant has exactly the column's type pushed down.
void ChooseReplicas(PlanNode* plan, const storage::CatalogSnapshot& catalog, ReadReplica mode);

// Splits a boolean expression into its top-level AND conjuncts.
void SplitConjuncts(BoundExprPtr expr, std::vector<BoundExprPtr>* out);
// AND of the conjuncts (null for none).
BoundExprPtr CombineConjuncts(std::vector<BoundExprPtr> conjuncts);

// A deep copy (subplans are shared).
BoundExprPtr CloneExpr(const BoundExpr& expr);

// True when the expression reads no column of the current row and calls
// nothing volatile (constants, parameters, outer references, casts and
// immutable/stable functions of those).
bool IsRowIndependent(const BoundExpr& expr);

}  // namespace strata::sql::planner
