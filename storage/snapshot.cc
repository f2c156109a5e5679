#include "storage/snapshot.h"

#include <utility>

#include "storage/commit_pipeline.h"

namespace strata::storage {

Snapshot::Snapshot(Snapshot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      lsn_(std::exchange(other.lsn_, kInvalidLsn)),
      snapshot_(std::exchange(other.snapshot_, nullptr)) {}

Snapshot& Snapshot::operator=(Snapshot&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = std::exchange(other.owner_, nullptr);
    lsn_ = std::exchange(other.lsn_, kInvalidLsn);
    snapshot_ = std::exchange(other.snapshot_, nullptr);
  }
  return *this;
}

Snapshot Snapshot::Share() const { return owner_->ShareSnapshot(*this); }

void Snapshot::Release() {
  if (owner_ == nullptr) return;
  owner_->ReleaseSnapshot(lsn_, snapshot_);
  owner_ = nullptr;
  snapshot_ = nullptr;
  lsn_ = kInvalidLsn;
}

}  // namespace strata::storage
