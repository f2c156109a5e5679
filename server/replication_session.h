#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "binlog/output/plugin.h"
#include "binlog/replication_slot.h"
#include "common/status.h"
#include "protocol/messages.h"
#include "server/replication_command.h"
#include "sql/engine.h"
#include "storage/database.h"

namespace strata::storage {
class Database;
struct FeedTable;
struct FeedTransaction;
}  // namespace strata::storage

namespace strata::server {

// PostgreSQL's max_replication_slots and max_wal_senders (defaults of both
// are 10; SHOW reports the same numbers).
inline constexpr int kMaxReplicationSlots = 10;
inline constexpr int kMaxWalSenders = 10;

// What every walsender of a server shares. Thread-safe; owned by main and
// outlives every session.
class ReplicationService {
 public:
  // `database` is borrowed. Opens the slots persisted in the database's
  // replication state and installs their retention floor on the change
  // feed. Errors: storage errors reading the slots.
  static Result<std::unique_ptr<ReplicationService>> Open(storage::Database* database,
                                                          int max_replication_slots,
                                                          int max_wal_senders);
  ~ReplicationService();

  storage::Database* database() const { return database_; }
  binlog::SlotManager* slots() const { return slots_.get(); }
  const std::string& system_identifier() const { return system_identifier_; }

  // Counts streaming walsenders against max_wal_senders: 53300 `number of
  // requested standby connections exceeds max_wal_senders (currently n)`.
  Status AddSender();
  void RemoveSender();

 private:
  class Persistence;
  ReplicationService() = default;

  storage::Database* database_ = nullptr;
  std::unique_ptr<Persistence> persistence_;
  std::unique_ptr<binlog::SlotManager> slots_;
  std::string system_identifier_;
  int max_wal_senders_ = 10;
  std::atomic<int> senders_{0};
};

// Receives what a START_REPLICATION stream writes: wire bytes (CopyData
// messages, CopyBothResponse, CopyDone). Blocks while the client is far
// behind (the session's output backpressure); fails once the client is gone.
using StreamWriter = std::function<Status(std::string bytes)>;

// The replication side of one connection opened with replication=database:
// runs replication commands and the logical streaming of START_REPLICATION.
//
// Threading: Execute and Stream run on the thread executing the session's
// current statement (one at a time). OnClientMessage and Stop may be called
// from the session's I/O strand at any time; they only queue and wake.
class ReplicationSession {
 public:
  // `service` is borrowed and must outlive this.
  ReplicationSession(ReplicationService* service, int32_t process_id);
  // Releases the slots this session used and drops its temporary slots.
  ~ReplicationSession();
  ReplicationSession(const ReplicationSession&) = delete;
  ReplicationSession& operator=(const ReplicationSession&) = delete;

  // Every command except START_REPLICATION: results as rows and a
  // CommandComplete through `sink`. Errors with PostgreSQL's SQLSTATEs.
  //
  // CREATE_REPLICATION_SLOT's consistent point is exactly the LSN of a
  // snapshot: it sees every commit at or below the point, and the slot
  // streams every commit above it. With EXPORT_SNAPSHOT (the default) that
  // snapshot is exported under the returned snapshot_name, which other
  // sessions adopt with SET TRANSACTION SNAPSHOT until this connection runs
  // its next command (see EndExport) or closes. With USE_SNAPSHOT it is
  // handed to `use_snapshot` (the connection's SQL session); without one
  // that option fails with 0A000.
  using UseSnapshot = std::function<Status(const storage::ReadView& view)>;
  Status Execute(const ReplicationCommand& command, sql::ResultSink* sink,
                 const UseSnapshot& use_snapshot = nullptr);

  // The connection moves on to another command (replication or SQL): the
  // snapshot exported by the last CREATE_REPLICATION_SLOT can no longer be
  // imported. Called between commands, never concurrently with Execute.
  void EndExport() { export_.reset(); }

  // START_REPLICATION SLOT s LOGICAL X/Y (options): validates, takes the
  // slot, then writes CopyBothResponse and streams until the client sends
  // CopyDone (answered with CopyDone), the connection fails or Stop() is
  // called. `on_copy_both` runs right after CopyBothResponse was written
  // (the session starts routing CopyData here). Returns an error before
  // CopyBothResponse for bad requests (42704, 55006, 22023, 53300...), or the
  // error that ended the stream; OK after a client CopyDone, when the
  // caller completes the command.
  Status Stream(const ReplicationCommand& command, const StreamWriter& write,
                const std::function<void()>& on_copy_both);

  // From the I/O strand while streaming: CopyData, CopyDone, CopyFail.
  void OnClientMessage(protocol::FrontendMessage message);
  // Ends a running stream soon (connection closed, server shutdown).
  void Stop();

 private:
  struct StreamState;
  Status CreateSlot(const ReplicationCommand& command, sql::ResultSink* sink,
                    const UseSnapshot& use_snapshot);
  Status DropSlot(const ReplicationCommand& command);
  // Handles queued client messages; sets *done on CopyDone.
  Status DrainClientMessages(StreamState* state, const StreamWriter& write, bool* done);
  Status Confirm(StreamState* state, uint64_t flushed_lsn);
  std::shared_ptr<const binlog::Relation> RelationFor(
      const std::shared_ptr<const storage::FeedTable>& table);
  binlog::DecodedTransaction Decode(const storage::FeedTransaction& txn);

  ReplicationService* const service_;
  const int32_t process_id_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<protocol::FrontendMessage> incoming_;  // guarded by mu_
  bool stop_ = false;                               // guarded by mu_

  // FeedTable -> plugin relation, kept for one stream.
  std::map<const storage::FeedTable*, std::shared_ptr<const binlog::Relation>> relations_;
  std::vector<std::shared_ptr<const storage::FeedTable>> relation_owners_;
  uint64_t next_relation_version_ = 1;

  // The snapshot exported by the last CREATE_REPLICATION_SLOT, if any.
  std::unique_ptr<storage::Database::SnapshotExport> export_;
};

}  // namespace strata::server
