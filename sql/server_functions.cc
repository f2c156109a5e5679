#include "sql/server_functions.h"

#include "binlog/replication_slot.h"
#include "storage/database.h"
#include "storage/lsn.h"

namespace strata::sql {

namespace {

Result<binlog::SlotManager*> Slots(const ServerFunctionContext& ctx) {
  if (ctx.slots == nullptr) {
    return Status(SqlState("55000"), "replication slots are not available on this server");
  }
  return ctx.slots;
}

Status NotNull(std::span<const Value> args, const std::string& name) {
  for (const Value& v : args) {
    if (v.is_null()) {
      return Status(SqlState("22004"), "null value not allowed in " + name + " arguments");
    }
  }
  return Status::OK();
}

// PostgreSQL's record output for (slot_name, lsn): neither field needs quotes
// (slot names are [a-z0-9_], LSNs hex and '/').
Value SlotRecord(const std::string& name, uint64_t lsn) {
  return Value::Text("(" + name + "," + storage::FormatLsn(lsn) + ")");
}

}  // namespace

Result<Value> CallServerFunction(const std::string& name, std::span<const Value> args,
                                 const ServerFunctionContext& ctx) {
  if (name == "pg_current_wal_lsn" || name == "pg_current_wal_insert_lsn" ||
      name == "pg_current_wal_flush_lsn") {
    return Value::Text(storage::FormatLsn(ctx.database->last_committed_lsn()));
  }
  if (name == "pg_is_in_recovery") return Value::Bool(false);
  if (name == "txid_current") {
    if (ctx.txn == nullptr) return Status::Internal("txid_current() outside a transaction");
    STRATA_ASSIGN_OR_RETURN(uint32_t xid, ctx.txn->xid());
    return Value::Int8(xid);
  }
  STRATA_ASSIGN_OR_RETURN(binlog::SlotManager * slots, Slots(ctx));
  if (name == "pg_create_logical_replication_slot") {
    STRATA_RETURN_IF_ERROR(NotNull(args, name));
    const bool temporary = args.size() > 2 && args[2].bool_value();
    if (args.size() > 3 && args[3].bool_value()) {
      return Status(SqlState::kFeatureNotSupported,
                    "two-phase decoding is not supported: Strata has no prepared transactions");
    }
    STRATA_ASSIGN_OR_RETURN(
        binlog::SlotInfo slot,
        slots->Create(std::string(args[0].string_value()), std::string(args[1].string_value()),
                      temporary, ctx.process_id, ctx.database->last_committed_lsn()));
    return SlotRecord(slot.name, slot.confirmed_lsn);
  }
  if (name == "pg_drop_replication_slot") {
    STRATA_RETURN_IF_ERROR(NotNull(args, name));
    STRATA_RETURN_IF_ERROR(slots->Drop(std::string(args[0].string_value()), ctx.process_id));
    return Value::Null(TypeId::kText);
  }
  if (name == "pg_replication_slot_advance") {
    STRATA_RETURN_IF_ERROR(NotNull(args, name));
    const std::string slot_name(args[0].string_value());
    STRATA_ASSIGN_OR_RETURN(uint64_t target, storage::ParseLsn(args[1].string_value()));
    STRATA_ASSIGN_OR_RETURN(binlog::SlotInfo slot, slots->Get(slot_name));
    if (slot.active_pid != 0 && slot.active_pid != ctx.process_id) {
      return Status(SqlState::kObjectInUse, "replication slot \"" + slot_name +
                                                "\" is active for PID " +
                                                std::to_string(slot.active_pid));
    }
    target = std::min<uint64_t>(target, ctx.database->last_committed_lsn());
    if (target > slot.confirmed_lsn) {
      STRATA_RETURN_IF_ERROR(slots->Confirm(slot_name, target, /*covers_delivery=*/true));
    }
    STRATA_ASSIGN_OR_RETURN(slot, slots->Get(slot_name));
    return SlotRecord(slot.name, slot.confirmed_lsn);
  }
  return Status::Internal("unknown server function " + name);
}

}  // namespace strata::sql
