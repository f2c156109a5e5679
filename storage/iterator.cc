#include "storage/iterator.h"

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>

#include "storage/rocksdb_status.h"

namespace strata::storage {

Iterator::Iterator(ReadBounds bounds, const rocksdb::Snapshot* snapshot)
    : bounds_(std::move(bounds)), read_options_(std::make_unique<rocksdb::ReadOptions>()) {
  read_options_->snapshot = snapshot;
  if (!bounds_.lower.empty()) {
    lower_ = std::make_unique<rocksdb::Slice>(bounds_.lower);
    read_options_->iterate_lower_bound = lower_.get();
  }
  if (!bounds_.upper.empty()) {
    upper_ = std::make_unique<rocksdb::Slice>(bounds_.upper);
    read_options_->iterate_upper_bound = upper_.get();
  }
}

Iterator::~Iterator() = default;

void Iterator::Attach(rocksdb::Iterator* it) { it_.reset(it); }

// RocksDB applies iterate bounds to the database side only; a transaction's
// iterator (WriteBatchWithIndex over the database) would also return the
// transaction's own writes outside them. So the bounds are enforced here for
// every iterator: Valid() is false outside [lower, upper), and the Seek*
// calls clamp their targets into the range.
bool Iterator::Valid() const {
  if (!it_->Valid()) return false;
  const std::string_view k = it_->key().ToStringView();
  if (!bounds_.lower.empty() && k < bounds_.lower) return false;
  if (!bounds_.upper.empty() && k >= bounds_.upper) return false;
  return true;
}

void Iterator::SeekToFirst() {
  if (bounds_.lower.empty()) {
    it_->SeekToFirst();
  } else {
    it_->Seek(rocksdb::Slice(bounds_.lower));
  }
}

void Iterator::SeekToLast() {
  if (bounds_.upper.empty()) {
    it_->SeekToLast();
  } else {
    SeekBefore(bounds_.upper);
  }
}

void Iterator::Seek(std::string_view target) {
  if (!bounds_.lower.empty() && target < bounds_.lower) target = bounds_.lower;
  it_->Seek(rocksdb::Slice(target));
}

void Iterator::SeekForPrev(std::string_view target) {
  if (!bounds_.upper.empty() && target >= bounds_.upper) {
    SeekBefore(bounds_.upper);
  } else {
    it_->SeekForPrev(rocksdb::Slice(target));
  }
}

void Iterator::SeekBefore(std::string_view key) {
  it_->SeekForPrev(rocksdb::Slice(key));
  if (it_->Valid() && it_->key().ToStringView() == key) it_->Prev();
}

void Iterator::Next() { it_->Next(); }
void Iterator::Prev() { it_->Prev(); }
std::string_view Iterator::key() const { return it_->key().ToStringView(); }
std::string_view Iterator::value() const { return it_->value().ToStringView(); }
Status Iterator::status() const { return FromRocksDbStatus(it_->status(), "iterator"); }

}  // namespace strata::storage
