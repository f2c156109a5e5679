#pragma once

#include <string_view>

#include <rocksdb/status.h>

#include "common/status.h"

namespace strata::storage {

// Maps a RocksDB status onto a Strata Status with a SQLSTATE (disk full ->
// 53100, corruption -> XX001, I/O errors -> 58030, ...), with `context: `
// in front of RocksDB's message. OK maps to OK.
Status FromRocksDbStatus(const rocksdb::Status& status, std::string_view context);

}  // namespace strata::storage
