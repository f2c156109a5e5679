#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::storage {

// The column families of a database's RocksDB instance (DESIGN.md section 3).
// Every commit is one WriteBatch that may touch any of them.
enum class ColumnFamily : uint8_t {
  kCatalog,      // table and schema definitions
  kRows,         // row replica: primary key -> row
  kPkIndex,      // column replica: primary key -> current (segment, row)
  kColDelta,     // column replica: rows not yet flushed into segments
  kDelvec,       // column replica: per-segment delete vectors
  kBinlog,       // change records, keyed by table/shard/LSN
  kStreamState,  // streaming job operator state and source offsets
  kMeta,         // engine bookkeeping (e.g. the last committed LSN)
};

inline constexpr size_t kColumnFamilyCount = 8;

inline constexpr std::array<ColumnFamily, kColumnFamilyCount> kAllColumnFamilies = {
    ColumnFamily::kCatalog,     ColumnFamily::kRows,   ColumnFamily::kPkIndex,
    ColumnFamily::kColDelta,    ColumnFamily::kDelvec, ColumnFamily::kBinlog,
    ColumnFamily::kStreamState, ColumnFamily::kMeta,
};

// The RocksDB column family name: "catalog", "rows", "pk_index", ...
constexpr std::string_view ColumnFamilyName(ColumnFamily cf) {
  switch (cf) {
    case ColumnFamily::kCatalog:
      return "catalog";
    case ColumnFamily::kRows:
      return "rows";
    case ColumnFamily::kPkIndex:
      return "pk_index";
    case ColumnFamily::kColDelta:
      return "col_delta";
    case ColumnFamily::kDelvec:
      return "delvec";
    case ColumnFamily::kBinlog:
      return "binlog";
    case ColumnFamily::kStreamState:
      return "stream_state";
    case ColumnFamily::kMeta:
      return "meta";
  }
  return "";
}

constexpr size_t ColumnFamilyIndex(ColumnFamily cf) { return static_cast<size_t>(cf); }

}  // namespace strata::storage
