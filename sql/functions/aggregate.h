#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "sql/functions/eval_context.h"
#include "sql/functions/type_resolution.h"

namespace strata::sql::functions {

// The running state of one aggregate for one group. Created by
// ResolvedAggregate::NewState; not thread-safe (one group is updated by one
// thread at a time).
//
// Call order: any number of Update and Merge calls, then Finalize (which
// does not consume the state; it may be called again and Update may
// continue afterwards, e.g. for running windows).
class AggregateState {
 public:
  virtual ~AggregateState() = default;

  // Folds one input row in. `args` are converted to
  // ResolvedAggregate::arg_types. For strict aggregates the caller skips
  // rows in which any argument is NULL (count(x), sum, ...); count(*)
  // takes zero arguments. For DISTINCT aggregates (ResolvedAggregate::
  // distinct) the state dedups argument tuples itself (by Value::Hash and
  // ==, i.e. SQL equality: 1.0 and 1.00 are one value), so the caller may
  // pass duplicates; deduping beforehand is harmless.
  // Errors: 22003 on overflow (e.g. sum(int8) never overflows: numeric).
  virtual Status Update(std::span<const Value> args, EvalContext& ctx) = 0;
  // Folds in a partial state of the same ResolvedAggregate (for parallel
  // or two-phase aggregation). REQUIRES: other came from the same
  // ResolvedAggregate's NewState.
  virtual Status Merge(const AggregateState& other) = 0;
  // The aggregate's result for the rows folded so far: NULL for no rows
  // except count (0). Of ResolvedAggregate::return_type.id.
  virtual Status Finalize(EvalContext& ctx, Value* out) const = 0;
  // Approximate heap bytes held (for memory budgets).
  virtual size_t MemoryUsage() const = 0;
};

// A resolved aggregate call. Points into the static registry; copyable;
// valid for the life of the process.
struct ResolvedAggregate {
  std::string_view name;
  DataType return_type;
  // The types the caller converts each argument to (kImplicit casts).
  // Empty for count(*).
  std::vector<DataType> arg_types;
  // Rows with any NULL argument are skipped by the caller.
  bool strict = true;
  // Set by ResolveAggregate from its argument: NewState() then returns a
  // state that ignores repeated argument tuples (also across Merge).
  bool distinct = false;
  std::unique_ptr<AggregateState> (*new_state)(const ResolvedAggregate&) = nullptr;

  std::unique_ptr<AggregateState> NewState() const;
};

// Resolves an aggregate by name and argument types (same rules and errors
// as ResolveFunction, "function sum(text) does not exist"). count(*) is
// name "count" with an empty `args`. Supported: count, sum (int2/int4 ->
// int8, int8/numeric -> numeric, float4 -> float4, float8 -> float8,
// interval), avg (ints/numeric -> numeric, floats -> float8, interval),
// min/max (numbers, strings, date/time types, interval, arrays — not bool,
// uuid, bytea or json, as in PostgreSQL), bool_and, bool_or, every,
// string_agg (text, text) and (bytea, bytea), array_agg (any non-array),
// variance/var_samp/var_pop/stddev/stddev_samp/stddev_pop (ints/numeric ->
// exact numeric, floats -> float8 bit-for-bit as PostgreSQL).
// `distinct` marks DISTINCT (see AggregateState::Update); 42883 for
// count(DISTINCT *) style misuse is the parser's job.
Result<ResolvedAggregate> ResolveAggregate(std::string_view name, std::span<const ArgType> args,
                                           bool distinct);

// True if `name` is an aggregate (for the binder to route a FuncCall).
bool IsAggregateName(std::string_view name);

}  // namespace strata::sql::functions
