#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/types.h"
#include "common/value.h"

namespace strata::binlog {

// Logical decoding output plugins, byte-compatible with PostgreSQL 15's
// test_decoding and pgoutput. They turn decoded transactions (whole, in
// commit order) into the bytes of the XLogData messages a walsender sends.
// Pure: no I/O, no catalog access; everything they print comes in through
// the types below.

// pg_class.relreplident: what an UPDATE/DELETE carries of the old row.
enum class ReplicaIdentity : char {
  kDefault = 'd',  // the primary key (UPDATE: only when the key changed)
  kFull = 'f',     // the whole old row
  kNothing = 'n',  // nothing
};

struct RelationColumn {
  std::string name;
  DataType type;
  bool key = false;  // part of the replica identity key
};

// A table as the plugins describe it. For a table without a primary key,
// kDefault behaves as kNothing (no column is `key`), as in PostgreSQL.
struct Relation {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  ReplicaIdentity identity = ReplicaIdentity::kDefault;
  std::vector<RelationColumn> columns;
  // Bumped whenever the description above changes (pgoutput re-sends its
  // Relation message for a new version).
  uint64_t version = 0;
};

struct DecodedChange {
  enum class Kind { kInsert, kUpdate, kDelete, kTruncate };
  Kind kind = Kind::kInsert;
  // Insert/Update/Delete: the table. Truncate: null (see `truncated`).
  std::shared_ptr<const Relation> relation;
  // Update/Delete: the full row before the change (plugins reduce it to what
  // the replica identity shows). Insert/Update: the full row after it.
  // Rows have one Value per relation column, in column order.
  std::vector<Value> old_row;
  std::vector<Value> new_row;
  // Truncate: every table truncated by one statement, in statement order.
  std::vector<std::shared_ptr<const Relation>> truncated;
  bool truncate_cascade = false;
  bool truncate_restart_identity = false;
};

// One committed transaction.
struct DecodedTransaction {
  // The commit's LSN: the position of its COMMIT message; a consumer that
  // confirms it has everything up to and including this transaction.
  uint64_t commit_lsn = 0;
  // The position of its BEGIN and change messages: before the commit, at or
  // after every earlier transaction's commit, so that confirming it never
  // skips the rest of a transaction that was cut off mid-stream.
  uint64_t begin_lsn = 0;
  int64_t commit_time_us = 0;  // microseconds since the Unix epoch
  uint32_t xid = 0;
  std::vector<DecodedChange> changes;
};

// One XLogData payload and its WAL start position.
struct PluginMessage {
  uint64_t lsn = 0;
  std::string data;
};

using PluginOption = std::pair<std::string, std::optional<std::string>>;

// One decoding session's plugin instance (a START_REPLICATION stream). It
// may keep state between transactions (pgoutput remembers which Relation
// messages it has sent). Not thread-safe.
class OutputPlugin {
 public:
  virtual ~OutputPlugin() = default;

  // Appends the messages of `txn` to *out, in order; none when the plugin
  // skips the transaction (empty, with skip-empty-xacts or pgoutput).
  virtual Status Encode(const DecodedTransaction& txn, std::vector<PluginMessage>* out) = 0;

  // pgoutput: the publications named by publication_names; empty for other
  // plugins. The caller keeps to these (changes of unpublished tables must
  // not be passed to Encode).
  virtual const std::vector<std::string>& publication_names() const;
};

// True for "test_decoding" and "pgoutput".
bool IsKnownOutputPlugin(std::string_view name);

// A plugin instance for START_REPLICATION's option list. Errors as
// PostgreSQL: 58P01-like 42704 `could not access file "x": No such file or
// directory` for an unknown plugin; 22023 for unknown or malformed options
// (test_decoding: `option "x" = "y" is unknown`); pgoutput: 22023
// `proto_version option missing`, `publication_names parameter missing`,
// 0A000 for protocol versions above 3, two-phase or streaming requests.
Result<std::unique_ptr<OutputPlugin>> CreateOutputPlugin(std::string_view name,
                                                         std::span<const PluginOption> options);

// PostgreSQL's quote_identifier: the name as is when it is a lower-case
// identifier that is not a reserved keyword, else double-quoted with '"'
// doubled.
std::string QuoteIdentifier(std::string_view name);

}  // namespace strata::binlog
