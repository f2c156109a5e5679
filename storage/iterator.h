#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rocksdb {
class Iterator;
class Slice;
class Snapshot;
struct ReadOptions;
}  // namespace rocksdb

namespace strata::storage {

// Key range of an iterator: lower inclusive, upper exclusive, byte-wise.
// An empty string leaves that side unbounded.
struct ReadBounds {
  std::string lower;
  std::string upper;
};

// Iterates one column family at a snapshot (optionally merged with a
// transaction's own uncommitted writes), restricted to a ReadBounds range:
// keys outside it are never returned, and Seek targets are clamped into it.
// The same contract as rocksdb::Iterator: position with a Seek*, then
// Next/Prev while Valid(); when Valid() turns false, check status().
//
// Not thread-safe. Must not outlive the Snapshot or Transaction it reads.
class Iterator {
 public:
  ~Iterator();
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;

  bool Valid() const;
  void SeekToFirst();
  void SeekToLast();
  // First key >= target.
  void Seek(std::string_view target);
  // Last key <= target.
  void SeekForPrev(std::string_view target);
  // REQUIRES: Valid().
  void Next();
  void Prev();

  // REQUIRES: Valid(). Views stay valid until the iterator moves or dies.
  std::string_view key() const;
  std::string_view value() const;

  // OK unless the iteration hit an error (I/O, corruption).
  Status status() const;

 private:
  friend class Engine;
  friend class Transaction;

  // Engine and Transaction build an Iterator in two steps: construct (which
  // fixes the bounds' addresses), then attach a rocksdb iterator created with
  // read_options().
  Iterator(ReadBounds bounds, const rocksdb::Snapshot* snapshot);
  const rocksdb::ReadOptions& read_options() const { return *read_options_; }
  void Attach(rocksdb::Iterator* it);
  // Positions at the last key < key.
  void SeekBefore(std::string_view key);

  // RocksDB keeps pointers to the bound slices for the iterator's lifetime,
  // so they live here, at a stable heap address.
  ReadBounds bounds_;
  std::unique_ptr<rocksdb::Slice> lower_;
  std::unique_ptr<rocksdb::Slice> upper_;
  std::unique_ptr<rocksdb::ReadOptions> read_options_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace strata::storage
