#pragma once

#include <string>
#include <vector>

#include "sql/plan.h"

namespace strata::storage {
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
