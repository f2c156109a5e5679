#pragma once

#include <cstdint>
#include <string_view>

namespace strata::columnstore {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI
// and RocksDB. Software, table-driven. Stateless; thread-safe.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace strata::columnstore
