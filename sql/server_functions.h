#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/result.h"
#include "common/value.h"

namespace strata::binlog {
class SlotManager;
}  // namespace strata::binlog

namespace strata::storage {
class Database;
class DatabaseTransaction;
}  // namespace strata::storage

namespace strata::sql {

// What the functions over server state need; borrowed for one call.
struct ServerFunctionContext {
  storage::Database* database = nullptr;
  binlog::SlotManager* slots = nullptr;  // null: replication is not set up
  storage::DatabaseTransaction* txn = nullptr;
  int32_t process_id = 0;
};

// pg_current_wal_lsn() (and _insert/_flush): the last committed LSN as text
// "X/Y"; pg_is_in_recovery(): false; txid_current(): the transaction's id
// (assigned on first call); pg_create_logical_replication_slot(name,
// plugin[, temporary[, two_phase]]) -> "(name,X/Y)"; pg_drop_replication_slot
// (name) -> NULL; pg_replication_slot_advance(name, 'X/Y') -> "(name,X/Y)"
// (never backwards, at most the last committed LSN). Errors as PostgreSQL:
// 22004 for NULL arguments, 22P02 bad LSN, the slot manager's errors
// (42704, 42710, 55006, 53400, 58P01), 0A000 two-phase, 55000 when the
// server has no replication.
Result<Value> CallServerFunction(const std::string& name, std::span<const Value> args,
                                 const ServerFunctionContext& ctx);

}  // namespace strata::sql
