#include "isolation/memory_budget.h"

#include "common/macros.h"

namespace strata::isolation {

Reservation::Reservation(Reservation&& other) noexcept
    : budget_(other.budget_), bytes_(other.bytes_) {
  other.budget_ = nullptr;
  other.bytes_ = 0;
}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = other.budget_;
    bytes_ = other.bytes_;
    other.budget_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

void Reservation::Release() {
  if (budget_ == nullptr) return;
  for (MemoryBudget* b = budget_; b != nullptr; b = b->parent_) b->Uncharge(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

MemoryBudget::MemoryBudget(std::string name, uint64_t limit_bytes, MemoryBudget* parent)
    : name_(std::move(name)), limit_bytes_(limit_bytes), parent_(parent) {}

bool MemoryBudget::TryCharge(uint64_t bytes) {
  uint64_t used = used_.load(std::memory_order_relaxed);
  do {
    if (limit_bytes_ != 0 && used + bytes > limit_bytes_) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

void MemoryBudget::Uncharge(uint64_t bytes) {
  const uint64_t before = used_.fetch_sub(bytes, std::memory_order_relaxed);
  STRATA_DCHECK(before >= bytes);
  (void)before;
}

Result<Reservation> MemoryBudget::Reserve(uint64_t bytes) {
  STRATA_DCHECK(bytes > 0);
  for (MemoryBudget* b = this; b != nullptr; b = b->parent_) {
    if (!b->TryCharge(bytes)) {
      // Undo the charges already made below `b`.
      for (MemoryBudget* u = this; u != b; u = u->parent_) u->Uncharge(bytes);
      return Status(SqlState::kOutOfMemory,
                    "out of memory: memory budget \"" + b->name_ + "\" (limit " +
                        std::to_string(b->limit_bytes_) + " bytes, in use " +
                        std::to_string(b->used_bytes()) + ") cannot grant " +
                        std::to_string(bytes) + " more bytes");
    }
  }
  return Reservation(this, bytes);
}

}  // namespace strata::isolation
