#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::storage {

// A log sequence number: the position of a commit in a database's single
// commit order. Every successful commit gets the next LSN (1, 2, 3, ...), so
// LSNs are strictly increasing and gap-free per database; 0 means "no LSN".
// Shown PostgreSQL-style (pg_lsn) as "X/Y": the upper and lower 32 bits in
// uppercase hex, e.g. "0/16B3748".
using Lsn = uint64_t;

inline constexpr Lsn kInvalidLsn = 0;

// "X/Y" as PostgreSQL prints a pg_lsn.
std::string FormatLsn(Lsn lsn);

// Parses PostgreSQL's pg_lsn input syntax: 1-8 hex digits, '/', 1-8 hex
// digits, in either case. Returns kInvalidTextRepresentation (22P02) on
// anything else. "0/0" parses to kInvalidLsn.
Result<Lsn> ParseLsn(std::string_view text);

// Fixed 8-byte big-endian encoding: byte-wise order equals numeric order, so
// an LSN can be embedded in RocksDB keys (binlog keys, the persisted last
// LSN).
inline constexpr size_t kEncodedLsnSize = 8;
void AppendLsnBigEndian(std::string* dst, Lsn lsn);
// Returns kDataCorrupted unless `bytes` is exactly kEncodedLsnSize long.
Result<Lsn> DecodeLsnBigEndian(std::string_view bytes);

}  // namespace strata::storage
