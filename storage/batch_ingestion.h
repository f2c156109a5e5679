#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace strata::storage {

// Writes a large WriteBatch (or several, as one) the way a bulk loader would: each column
// family's records sorted into one SST file, the files ingested into RocksDB
// in one atomic step (IngestExternalFiles), instead of a WAL record plus
// memtable inserts. For a bulk load that is most of the commit's work: the
// WAL write of every byte, a skiplist insert per record, and the memtable
// flush that later writes the same records to an SST file anyway.
//
// Outcome, if `*ingested` is set: exactly what db->Write of the batch would leave
// -- the last record for a key wins, a delete removes the key -- atomically
// (all files or none; a crash at any point leaves the database as before or
// after the whole batch) and durably (the files and the MANIFEST are synced).
// Visible to later snapshots only: the ingestion takes a sequence number
// above every existing one, so RocksDB's latest sequence number advances as
// for a write (CommitPipeline's snapshot pairing relies on it).
//
// The WAL is synced first, so writes made earlier without sync cannot be
// lost in a crash that keeps this batch (the database stays a prefix of its
// commits).
//
// Only Put, Delete, SingleDelete and DeleteRange records can be ingested (a
// SingleDelete becomes a Delete, which has the same outcome), and range
// deletions only when no Put or Delete of the batch falls inside one (all
// records of an ingestion share one sequence number, so their order would
// be lost; TRUNCATE and DROP delete ranges no one writes to again). Any
// other batch (a merge, a put inside its own range deletion, ...) is left
// unwritten with `*ingested` false and OK: write it with db->Write instead.
//
// `families`: the column families ingestion may write (a batch naming any
// other is also left to db->Write); `dir` is a directory for the files while they are written (created if
// missing; RocksDB moves them into the database, and they are removed on
// failure). `file_tag` makes file names unique among concurrent callers.
// Errors: RocksDB's (I/O 58030, disk full 53100); nothing was ingested then.
//
// `batches`: the records, in order, of one atomic write (their
// concatenation).
Status IngestBatches(rocksdb::DB* db, std::span<rocksdb::ColumnFamilyHandle* const> families,
                     const std::string& dir, uint64_t file_tag,
                     std::span<const rocksdb::WriteBatch* const> batches, bool* ingested);

// Removes what an IngestBatches interrupted by a crash left in `dir`.
Status RemoveIngestionLeftovers(const std::string& dir);

}  // namespace strata::storage
