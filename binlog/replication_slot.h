#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace strata::binlog {

// Where slots persist: a small key/value store (storage's replication state
// in the meta column family, or a map in tests). Implementations must be
// thread-safe; Put/Delete must be durable when they return.
class SlotPersistence {
 public:
  virtual ~SlotPersistence() = default;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Every record, in key order.
  virtual Result<std::vector<std::pair<std::string, std::string>>> List() = 0;
};

// One logical replication slot, as pg_replication_slots shows it.
struct SlotInfo {
  std::string name;
  std::string plugin;
  bool temporary = false;
  // Everything at or below this LSN was consumed (confirmed_flush_lsn);
  // streaming resumes after it.
  uint64_t confirmed_lsn = 0;
  // The confirmed LSN as last persisted: the oldest position a restart could
  // resume from, hence what retention must keep (restart_lsn).
  uint64_t restart_lsn = 0;
  // Backend pid streaming from the slot; 0 when inactive.
  int32_t active_pid = 0;
  // Temporary slots: the session that owns it (dropped when it ends).
  int32_t owner_pid = 0;
};

// The server's replication slots: creation, exclusive use by one
// walsender, confirmed-position tracking and persistence.
//
// Persistence policy (as PostgreSQL, which keeps slots outside the WAL and
// saves them at checkpoints): a confirmed position is written through when
// it covers a transaction actually delivered on the slot, or when the last
// write is older than kPersistInterval; otherwise it is kept in memory and
// written at release. A crash therefore rewinds a slot at most to its last
// persisted position, from which the consumer receives changes again and
// de-duplicates by LSN. Temporary slots are never persisted.
//
// Thread-safe. The persistence object is borrowed and must outlive this.
class SlotManager {
 public:
  static constexpr int64_t kPersistIntervalUs = 10'000'000;

  // Loads the persisted slots. `max_slots` bounds how many may exist
  // (max_replication_slots). Errors: the store's, 58030/XX001.
  static Result<std::unique_ptr<SlotManager>> Open(SlotPersistence* persistence, int max_slots);

  // Creates a slot that starts after `consistent_lsn`. Errors: 42602/42622
  // invalid name (as PostgreSQL's ReplicationSlotValidateName), 42710
  // `replication slot "s" already exists`, 53400 `all replication slots are
  // in use` when max_slots exist, 58P01 unknown plugin (checked by the
  // caller), store errors.
  Result<SlotInfo> Create(const std::string& name, const std::string& plugin, bool temporary,
                          int32_t owner_pid, uint64_t consistent_lsn);

  // Drops a slot. Errors: 42704 `replication slot "s" does not exist`;
  // 55006 `replication slot "s" is active for PID n` when another backend
  // streams from it.
  Status Drop(const std::string& name, int32_t requester_pid);

  // Marks the slot active for `pid` and returns it. Errors: 42704; 55006
  // when active for another pid.
  Result<SlotInfo> Acquire(const std::string& name, int32_t pid);
  // Ends `pid`'s use of the slot and persists its position.
  void Release(const std::string& name, int32_t pid);

  // Advances the confirmed position (never backwards). `covers_delivery`
  // says the position includes a transaction delivered on the slot since
  // the last persisted position (then it is persisted now). Unknown slot:
  // 42704. Store errors are returned (the in-memory position stays
  // advanced).
  Status Confirm(const std::string& name, uint64_t lsn, bool covers_delivery);

  // Drops every temporary slot of `owner_pid` and releases any slot it has
  // active (a session ended).
  void ReleaseSession(int32_t owner_pid);

  Result<SlotInfo> Get(const std::string& name) const;
  std::vector<SlotInfo> List() const;
  // The lowest restart_lsn over all slots (what retention must keep:
  // records with lsn > it), or nullopt without slots.
  std::optional<uint64_t> RetentionFloor() const;

  int max_slots() const { return max_slots_; }

  // Slot records: key "slot/<name>", value "v1 <plugin> <restart_lsn>".
  static std::string KeyFor(std::string_view name);
  static std::string EncodeValue(const SlotInfo& slot);
  static Result<SlotInfo> DecodeValue(std::string_view name, std::string_view value);

  // ReplicationSlotValidateName's errors.
  static Status ValidateName(std::string_view name);

 private:
  SlotManager(SlotPersistence* persistence, int max_slots)
      : persistence_(persistence), max_slots_(max_slots) {}
  // REQUIRES: mu_ held.
  Status PersistLocked(SlotInfo* slot);

  SlotPersistence* const persistence_;
  const int max_slots_;
  mutable std::mutex mu_;
  std::map<std::string, SlotInfo> slots_;         // guarded by mu_
  std::map<std::string, int64_t> persisted_at_;   // guarded by mu_; steady-clock us
};

}  // namespace strata::binlog
