#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace strata::server {

// What CREATE_REPLICATION_SLOT does with the slot's snapshot: the PG 10-14
// keywords EXPORT_SNAPSHOT / NOEXPORT_SNAPSHOT / USE_SNAPSHOT, or the PG 15
// option (SNAPSHOT 'export' | 'nothing' | 'use'). PostgreSQL's default is
// export.
enum class SnapshotAction { kExport, kNothing, kUse };

// One option of START_REPLICATION ... (name 'value', ...) or of the PG 15
// CREATE_REPLICATION_SLOT option list; value nullopt when omitted.
using ReplicationOption = std::pair<std::string, std::optional<std::string>>;

// A parsed command of PostgreSQL's replication grammar (repl_gram.y), as a
// walsender connection (startup parameter replication=database) accepts it.
// A plain value type.
struct ReplicationCommand {
  enum class Kind {
    kIdentifySystem,
    kCreateSlot,
    kDropSlot,
    kStartReplication,
    kTimelineHistory,
    kReadReplicationSlot,
    kBaseBackup,
  };
  Kind kind = Kind::kIdentifySystem;
  std::string slot;           // CREATE/DROP/START/READ_REPLICATION_SLOT
  bool temporary = false;     // CREATE ... TEMPORARY
  bool logical = false;       // CREATE/START ... LOGICAL (else PHYSICAL)
  std::string plugin;         // CREATE ... LOGICAL plugin
  SnapshotAction snapshot = SnapshotAction::kExport;
  bool two_phase = false;     // CREATE ... TWO_PHASE / (TWO_PHASE)
  bool reserve_wal = false;   // CREATE ... PHYSICAL RESERVE_WAL
  bool wait = false;          // DROP_REPLICATION_SLOT ... WAIT
  uint64_t start_lsn = 0;     // START_REPLICATION ... X/Y
  std::optional<uint32_t> timeline;  // START ... TIMELINE n, TIMELINE_HISTORY n
  std::vector<ReplicationOption> options;  // START ... LOGICAL X/Y (options)
};

// Parses `text` as a replication command. Returns nullopt when `text` does
// not start with one of the replication keywords (IDENTIFY_SYSTEM,
// CREATE_REPLICATION_SLOT, DROP_REPLICATION_SLOT, START_REPLICATION,
// TIMELINE_HISTORY, READ_REPLICATION_SLOT, BASE_BACKUP): the walsender then
// runs it as SQL, as PostgreSQL does. Keywords are case-insensitive;
// identifiers fold to lower case unless double-quoted. A trailing ';' is
// allowed. Errors: 42601 on anything else that starts with a replication
// keyword ("syntax error" with the offending token).
// Pure and thread-safe.
Result<std::optional<ReplicationCommand>> ParseReplicationCommand(std::string_view text);

}  // namespace strata::server
