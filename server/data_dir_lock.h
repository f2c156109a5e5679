#pragma once

#include <string>

#include "common/result.h"

namespace strata::server {

// Exclusive ownership of a data directory for the life of this object, so
// two servers never open the same storage. The lock is an flock(2) on
// DIR/strata.pid, which also records the owner's pid; the kernel drops it
// when the process dies, so a kill -9 leaves nothing stale to clean up.
//
// Not thread-safe; hold one per process.
class DataDirLock {
 public:
  // Creates `dir` (and parents) if missing and locks it. Fails with
  // kObjectNotInPrerequisiteState (55000) naming the directory and the
  // other server's pid when it is already locked, kIoError otherwise.
  static Result<DataDirLock> Acquire(const std::string& dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace strata::server
