#include "binlog/replication_slot.h"

#include <chrono>
#include <cstdlib>

#include "binlog/output/plugin.h"

namespace strata::binlog {

namespace {

constexpr std::string_view kKeyPrefix = "slot/";
constexpr size_t kMaxNameLength = 63;  // NAMEDATALEN - 1

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status NoSuchSlot(const std::string& name) {
  return Status(SqlState::kUndefinedObject, "replication slot \"" + name + "\" does not exist");
}

}  // namespace

std::string SlotManager::KeyFor(std::string_view name) {
  return std::string(kKeyPrefix) + std::string(name);
}

std::string SlotManager::EncodeValue(const SlotInfo& slot) {
  return "v1 " + slot.plugin + " " + std::to_string(slot.restart_lsn);
}

Result<SlotInfo> SlotManager::DecodeValue(std::string_view name, std::string_view value) {
  const Status corrupt = Status::Corruption("malformed replication slot record for \"" +
                                            std::string(name) + "\"");
  if (value.substr(0, 3) != "v1 ") return corrupt;
  value.remove_prefix(3);
  const size_t space = value.find(' ');
  if (space == std::string_view::npos || space == 0) return corrupt;
  SlotInfo slot;
  slot.name = std::string(name);
  slot.plugin = std::string(value.substr(0, space));
  const std::string lsn(value.substr(space + 1));
  char* end = nullptr;
  slot.restart_lsn = std::strtoull(lsn.c_str(), &end, 10);
  if (lsn.empty() || *end != '\0') return corrupt;
  slot.confirmed_lsn = slot.restart_lsn;
  return slot;
}

Status SlotManager::ValidateName(std::string_view name) {
  if (name.empty()) {
    return Status(SqlState("42602"), "replication slot name \"\" is too short");
  }
  if (name.size() > kMaxNameLength) {
    return Status(SqlState("42622"),
                  "replication slot name \"" + std::string(name) + "\" is too long");
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return Status(SqlState("42602"), "replication slot name \"" + std::string(name) +
                                           "\" contains invalid character")
          .WithHint(
              "Replication slot names may only contain lower case letters, numbers, and the "
              "underscore character.");
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<SlotManager>> SlotManager::Open(SlotPersistence* persistence,
                                                       int max_slots) {
  std::unique_ptr<SlotManager> manager(new SlotManager(persistence, max_slots));
  STRATA_ASSIGN_OR_RETURN(auto records, persistence->List());
  for (const auto& [key, value] : records) {
    if (key.rfind(kKeyPrefix, 0) != 0) continue;
    const std::string name = key.substr(kKeyPrefix.size());
    STRATA_ASSIGN_OR_RETURN(SlotInfo slot, DecodeValue(name, value));
    manager->slots_[name] = std::move(slot);
  }
  return manager;
}

Status SlotManager::PersistLocked(SlotInfo* slot) {
  persisted_at_[slot->name] = NowUs();
  if (slot->temporary) {
    slot->restart_lsn = slot->confirmed_lsn;
    return Status::OK();
  }
  SlotInfo copy = *slot;
  copy.restart_lsn = slot->confirmed_lsn;
  STRATA_RETURN_IF_ERROR(persistence_->Put(KeyFor(slot->name), EncodeValue(copy)));
  slot->restart_lsn = copy.restart_lsn;
  return Status::OK();
}

Result<SlotInfo> SlotManager::Create(const std::string& name, const std::string& plugin,
                                     bool temporary, int32_t owner_pid, uint64_t consistent_lsn) {
  STRATA_RETURN_IF_ERROR(ValidateName(name));
  if (!IsKnownOutputPlugin(plugin)) {
    return Status(SqlState("58P01"),
                  "could not access file \"" + plugin + "\": No such file or directory");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (slots_.count(name) != 0) {
    return Status(SqlState::kDuplicateObject, "replication slot \"" + name + "\" already exists");
  }
  if (static_cast<int>(slots_.size()) >= max_slots_) {
    return Status(SqlState("53400"), "all replication slots are in use")
        .WithHint("Free one or increase max_replication_slots.");
  }
  SlotInfo slot;
  slot.name = name;
  slot.plugin = plugin;
  slot.temporary = temporary;
  slot.confirmed_lsn = consistent_lsn;
  slot.restart_lsn = consistent_lsn;
  slot.owner_pid = temporary ? owner_pid : 0;
  STRATA_RETURN_IF_ERROR(PersistLocked(&slot));
  slots_[name] = slot;
  return slot;
}

Status SlotManager::Drop(const std::string& name, int32_t requester_pid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(name);
  if (it == slots_.end()) return NoSuchSlot(name);
  if (it->second.active_pid != 0 && it->second.active_pid != requester_pid) {
    return Status(SqlState::kObjectInUse, "replication slot \"" + name + "\" is active for PID " +
                                              std::to_string(it->second.active_pid));
  }
  if (!it->second.temporary) STRATA_RETURN_IF_ERROR(persistence_->Delete(KeyFor(name)));
  slots_.erase(it);
  persisted_at_.erase(name);
  return Status::OK();
}

Result<SlotInfo> SlotManager::Acquire(const std::string& name, int32_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(name);
  if (it == slots_.end()) return NoSuchSlot(name);
  if (it->second.active_pid != 0 && it->second.active_pid != pid) {
    return Status(SqlState::kObjectInUse, "replication slot \"" + name + "\" is active for PID " +
                                              std::to_string(it->second.active_pid));
  }
  it->second.active_pid = pid;
  return it->second;
}

void SlotManager::Release(const std::string& name, int32_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(name);
  if (it == slots_.end() || it->second.active_pid != pid) return;
  it->second.active_pid = 0;
  if (it->second.restart_lsn != it->second.confirmed_lsn) {
    // Best effort: a failure leaves the older position, which only means
    // re-delivery after a restart.
    PersistLocked(&it->second).Ignore();
  }
}

Status SlotManager::Confirm(const std::string& name, uint64_t lsn, bool covers_delivery) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(name);
  if (it == slots_.end()) return NoSuchSlot(name);
  SlotInfo& slot = it->second;
  if (lsn <= slot.confirmed_lsn) return Status::OK();
  slot.confirmed_lsn = lsn;
  const int64_t last = persisted_at_.count(name) ? persisted_at_[name] : 0;
  if (covers_delivery || NowUs() - last >= kPersistIntervalUs) return PersistLocked(&slot);
  return Status::OK();
}

void SlotManager::ReleaseSession(int32_t owner_pid) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = slots_.begin(); it != slots_.end();) {
    SlotInfo& slot = it->second;
    if (slot.temporary && slot.owner_pid == owner_pid) {
      persisted_at_.erase(slot.name);
      it = slots_.erase(it);
      continue;
    }
    if (slot.active_pid == owner_pid) {
      slot.active_pid = 0;
      if (slot.restart_lsn != slot.confirmed_lsn) PersistLocked(&slot).Ignore();
    }
    ++it;
  }
}

Result<SlotInfo> SlotManager::Get(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slots_.find(name);
  if (it == slots_.end()) return NoSuchSlot(name);
  return it->second;
}

std::vector<SlotInfo> SlotManager::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SlotInfo> out;
  for (const auto& [name, slot] : slots_) out.push_back(slot);
  return out;
}

std::optional<uint64_t> SlotManager::RetentionFloor() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<uint64_t> floor;
  for (const auto& [name, slot] : slots_) {
    if (!floor || slot.restart_lsn < *floor) floor = slot.restart_lsn;
  }
  return floor;
}

}  // namespace strata::binlog
