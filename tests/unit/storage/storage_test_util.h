#pragma once

#include <string>
#include <utility>

#include "common/types.h"
#include "storage/database.h"

namespace strata::storage::test_util {

// Small caches and no WAL sync: unit tests check behaviour, not durability
// of the test process.
inline StorageOptions TestOptions() {
  StorageOptions options;
  options.sync_commit = false;
  options.block_cache_bytes = 8 << 20;
  options.write_buffer_bytes = 4 << 20;
  return options;
}

// A column for CreateTableRequest / AddColumn.
inline NewColumn Col(std::string name, TypeId type, bool pk = false, bool not_null = false) {
  NewColumn c;
  c.name = std::move(name);
  c.type = DataType::Of(type);
  c.primary_key = pk;
  c.not_null = not_null;
  return c;
}

}  // namespace strata::storage::test_util
