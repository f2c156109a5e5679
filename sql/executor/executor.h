#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/value.h"
#include "isolation/memory_budget.h"
#include "sql/functions/eval_context.h"
#include "sql/engine.h"
#include "sql/plan.h"

namespace strata::isolation {
class PoolSet;
}  // namespace strata::isolation

namespace strata::binlog {
class SlotManager;
}  // namespace strata::binlog

namespace strata::storage {
class Database;
class DatabaseTransaction;
}  // namespace strata::storage

namespace strata::sql {
class ServerInfo;
}  // namespace strata::sql

namespace strata::sql::executor {

// How many rows operators move at a time.
inline constexpr size_t kBatchRows = 1024;

// Session values that SQL-value functions read (current_user, ...).
struct SessionValues {
  std::string user;
  std::string database;
  std::string current_schema = "public";
  int32_t process_id = 0;
  // current_setting(name, missing_ok) and set_config(name, value,
  // is_local); null outside a session.
  std::function<Result<std::optional<std::string>>(const std::string&, bool)> get_setting;
  std::function<Result<std::string>(const std::string&, const std::string&, bool)> set_setting;
  // For system relations (see sql/system/system_relations.h); may be null
  // outside a server.
  std::string application_name;
  storage::Database* storage_database = nullptr;
  const ServerInfo* server = nullptr;
  // All settings as (canonical name, value), sorted; null outside a session.
  std::function<std::vector<std::pair<std::string, std::string>>()> all_settings;
  // The effective search path: existing schemas, in order (pg_catalog not
  // included unless the user named it).
  std::vector<std::string> search_path = {"public"};
  // Functions over server state (replication slots, WAL position, xids):
  // pg_current_wal_lsn, pg_is_in_recovery, txid_current,
  // pg_create_logical_replication_slot, pg_drop_replication_slot,
  // pg_replication_slot_advance. Null outside a session.
  std::function<Result<Value>(const std::string&, std::span<const Value>)> call_server_function;
  // For pg_replication_slots; null when the server has no replication.
  const binlog::SlotManager* replication_slots = nullptr;
  // For strata_pools; null without pools (tests).
  const isolation::PoolSet* pools = nullptr;
};

// Bytes held by one operator (or a statement's buffers), charged to the
// running pool's MemoryBudget in chunks of at least kChunkBytes as they
// grow and returned when the tracker is destroyed or Reset(). Without a
// budget it only counts. Not thread-safe; movable.
class MemoryTracker {
 public:
  static constexpr uint64_t kChunkBytes = uint64_t{1} << 20;

  explicit MemoryTracker(isolation::MemoryBudget* budget = nullptr) : budget_(budget) {}

  // Accounts for `bytes` more. When the budget refuses: 53200 (SQLSTATE
  // out_of_memory) and nothing more is charged.
  Status Grow(uint64_t bytes);
  // Returns everything to the budget.
  void Reset();

  uint64_t used_bytes() const { return used_; }

 private:
  isolation::MemoryBudget* budget_;
  uint64_t used_ = 0;
  uint64_t reserved_ = 0;
  std::vector<isolation::Reservation> reservations_;
};

// Approximate heap bytes of a row held in an operator's buffer.
uint64_t RowBytes(const Row& row);
// Approximate overhead of one hash-table entry.
inline constexpr uint64_t kHashEntryBytes = 64;

// Everything a running statement needs. One per statement execution; not
// thread-safe. Borrowed pointers must outlive the execution.
struct ExecContext {
  storage::DatabaseTransaction* txn = nullptr;
  functions::EvalContext* eval = nullptr;
  std::span<const Value> params;
  const SessionValues* session = nullptr;
  // Cancel request (set by another thread) and statement deadline
  // (microseconds since the PostgreSQL epoch by the system clock; 0 = none).
  const std::atomic<bool>* cancel = nullptr;
  int64_t deadline_micros = 0;
  // The memory budget of the pool running the statement (null: none).
  // Operators charge their buffers to it; statement_memory holds what
  // lives as long as the statement (DML source rows, subquery results).
  isolation::MemoryBudget* budget = nullptr;
  MemoryTracker statement_memory;
  // Rows of the enclosing queries, innermost last (for correlated
  // subqueries).
  std::vector<const Row*> outer_rows;
  // Results of uncorrelated subqueries, computed once per execution.
  std::map<const BoundExpr*, Value> subquery_cache;
  std::map<const BoundExpr*, std::vector<Value>> subquery_set_cache;

  // 57014 when cancelled or past the deadline.
  Status CheckInterrupts() const;
};

// Evaluates `expr` over `row`.
Status Eval(const BoundExpr& expr, const Row& row, ExecContext& ctx, Value* out);
// Evaluates a boolean condition: true only for a non-null true.
Result<bool> EvalPredicate(const BoundExpr& expr, const Row& row, ExecContext& ctx);

// A running plan node: pulls batches of rows. Not thread-safe.
class Operator {
 public:
  virtual ~Operator() = default;
  // Replaces *batch with the next rows; false (and an empty batch) when
  // exhausted.
  virtual Result<bool> Next(std::vector<Row>* batch) = 0;
};

// Instantiates the operator tree for `plan` (which must outlive it).
Result<std::unique_ptr<Operator>> BuildOperator(const PlanNode& plan, ExecContext& ctx);

// Runs `plan` to completion, collecting all rows.
Result<std::vector<Row>> CollectRows(const PlanNode& plan, ExecContext& ctx);

// Runs a scan plan (kSeqScan/kRangeScan with with_locators) collecting each
// row with its storage locator.
Result<std::vector<std::pair<Row, std::string>>> CollectRowsWithLocators(const PlanNode& plan,
                                                                         ExecContext& ctx);

// The serving fast path's plans: a Get/MultiGet without a filter (and not
// of the column replica), under at most a Project of plain columns.
bool IsStoredRowPlan(const PlanNode& plan);

// Runs a plan for which IsStoredRowPlan holds, handing each result row to
// `emit` as stored (see StoredRow) instead of building Values: the same
// rows, in the same order, as BuildOperator's operator would produce.
// Returns the row count.
Result<int64_t> RunStoredRowPlan(const PlanNode& plan, ExecContext& ctx,
                                 const std::function<Status(const StoredRow& row)>& emit);

// Converts a key value to the key column's type for a point lookup: NULL,
// or a value that cannot be represented in the column type (e.g. 2^40 for
// an int4 key), cannot match any row: returns false then.
Result<bool> ConvertKeyValue(const Value& in, const DataType& column_type, ExecContext& ctx,
                             Value* out);

}  // namespace strata::sql::executor
