#pragma once

#include <functional>
#include <memory>

#include "common/result.h"
#include "sql/executor/executor.h"
#include "sql/plan.h"

namespace strata::sql::executor {

// Vectorized aggregation over the column replica: a kAggregate whose child
// is a column-replica kSeqScan runs next to the scan, on column batches
// (one segment block, up to a few thousand values, at a time) instead of
// rows of Values. Filters run inside the scan (zone maps skip blocks, and
// spare the evaluation of predicates they prove for a whole block; the
// predicate columns are decoded and filtered first, the other columns only
// for surviving rows); group keys map to dense group ids and the
// aggregates fold typed vectors: integers and numeric(p <= 18, s) as
// scaled integers -- int64 arithmetic where the batch's value bounds
// prove it cannot overflow, int128 otherwise -- and dates as ints. The
// blocks are split between up to two threads (each with its own scanner at
// the same read point), so the result is that of the row executor at the
// same snapshot.
//
// Supported shape (CanVectorizeAggregate): the scan's filter is entirely
// pushed down (node.column_predicates cover every conjunct); group keys
// are plain columns of int-like, date/time, scaled-numeric or string
// types; aggregates without FILTER / ORDER BY are count(*), count(x),
// count(DISTINCT col) (int-like, date, scaled numeric, string columns;
// dense non-negative ints in bitmaps), sum/avg of integers and of numeric
// expressions built from such columns, numeric/integer constants, casts to
// numeric and + - * (exact: sums beyond int128 continue in numeric), and
// min/max of int-like, date and scaled-numeric columns. Anything else uses
// the row executor.
bool CanVectorizeAggregate(const PlanNode& aggregate);

// Builds the operator for a kAggregate that CanVectorizeAggregate accepted.
// `row_fallback` builds the ordinary operator tree for the same node; the
// vectorized operator switches to it (before producing any row) when the
// data needs what it does not do exactly (a numeric NaN, or an
// intermediate value beyond 128 bits).
Result<std::unique_ptr<Operator>> BuildVectorizedAggregate(
    const PlanNode& aggregate, ExecContext& ctx,
    std::function<Result<std::unique_ptr<Operator>>()> row_fallback);

}  // namespace strata::sql::executor
