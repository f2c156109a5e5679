#include "storage/rocksdb_status.h"

#include <string>

#include <fmt/format.h>

namespace strata::storage {

Status FromRocksDbStatus(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::OK();
  std::string message = fmt::format("{}: {}", context, status.ToString());
  if (status.IsNoSpace()) return Status(SqlState::kDiskFull, std::move(message));
  if (status.IsMemoryLimit()) return Status(SqlState::kOutOfMemory, std::move(message));
  switch (status.code()) {
    case rocksdb::Status::kIOError:
      return Status::IoError(std::move(message));
    case rocksdb::Status::kCorruption:
      return Status::Corruption(std::move(message));
    case rocksdb::Status::kNotFound:
      return Status::NotFound(std::move(message));
    case rocksdb::Status::kInvalidArgument:
      return Status::InvalidArgument(std::move(message));
    case rocksdb::Status::kNotSupported:
      return Status::NotSupported(std::move(message));
    case rocksdb::Status::kShutdownInProgress:
      return Status(SqlState::kAdminShutdown, std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

}  // namespace strata::storage
