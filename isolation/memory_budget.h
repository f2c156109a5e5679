#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace strata::isolation {

class MemoryBudget;

// Bytes charged to a MemoryBudget (and its ancestors) until destroyed or
// Release()d. Move-only.
class Reservation {
 public:
  Reservation() = default;
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation() { Release(); }

  uint64_t bytes() const { return bytes_; }
  // Returns the bytes to the budget now; idempotent.
  void Release();

 private:
  friend class MemoryBudget;
  Reservation(MemoryBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
  MemoryBudget* budget_ = nullptr;
  uint64_t bytes_ = 0;
};

// Caps the bytes one resource pool may hold. Budgets form a tree: a
// reservation on a child is charged to every ancestor too, and is refused if
// any of them would exceed its limit.
//
// Thread-safe. A budget must outlive every Reservation taken from it.
class MemoryBudget {
 public:
  // `parent` is borrowed; null only for the root. limit_bytes == 0: unlimited.
  MemoryBudget(std::string name, uint64_t limit_bytes, MemoryBudget* parent);
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Charges `bytes` here and on all ancestors; the Reservation returns them
  // when destroyed. On refusal returns kOutOfMemory (53200) naming the budget
  // that refused, and nothing stays charged.
  // REQUIRES: bytes > 0
  Result<Reservation> Reserve(uint64_t bytes);

  const std::string& name() const { return name_; }
  uint64_t limit_bytes() const { return limit_bytes_; }
  // Bytes charged here and below. Racy; for metrics only.
  uint64_t used_bytes() const { return used_.load(std::memory_order_relaxed); }

 private:
  friend class Reservation;
  // Charges this budget alone; false if it would exceed the limit.
  bool TryCharge(uint64_t bytes);
  void Uncharge(uint64_t bytes);

  const std::string name_;
  const uint64_t limit_bytes_;
  MemoryBudget* const parent_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace strata::isolation
