#include "server/replication_session.h"

#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "binlog/publication.h"
#include "protocol/reader.h"
#include "protocol/writer.h"
#include "storage/change_feed.h"
#include "storage/database.h"
#include "storage/lsn.h"

namespace strata::server {

namespace {

constexpr std::string_view kSystemIdentifierKey = "system_identifier";
constexpr int64_t kUnixToPgEpochUs = 946684800LL * 1000000LL;
// A walsender reads the feed in batches of at most this many transactions
// and bytes, and hands its output to the session in chunks of about
// kChunkBytes, so a stalled subscriber holds at most a few chunks in
// server memory (plus the session's bounded unwritten output).
constexpr size_t kBatchTransactions = 256;
constexpr size_t kBatchBytes = 1 << 20;
constexpr size_t kChunkBytes = 64 * 1024;
// How long an idle walsender sleeps between checks of client messages.
constexpr std::chrono::milliseconds kIdleSlice{100};
// An idle stream sends a keepalive this often (carrying the position up to
// which everything was sent, so a caught-up client can confirm it), and
// asks for a reply when the client has been silent for kReplyAfter
// (wal_sender_timeout / 2 in PostgreSQL).
constexpr std::chrono::milliseconds kKeepaliveInterval{10'000};
constexpr std::chrono::milliseconds kReplyAfter{30'000};
// A caught-up stream whose client confirmed everything sent moves the slot
// past later commits that were not for it (and says so in a keepalive) at
// most this often.
constexpr std::chrono::milliseconds kIdleAdvanceInterval{1'000};

int64_t PgNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() -
         kUnixToPgEpochUs;
}

sql::ResultColumn TextColumn(std::string name) {
  return sql::ResultColumn{std::move(name), DataType::Of(TypeId::kText)};
}

Value TextOrNull(const std::optional<std::string>& v) {
  return v ? Value::Text(*v) : Value::Null(TypeId::kText);
}

}  // namespace

// Slot records in the database's replication state (meta column family).
class ReplicationService::Persistence : public binlog::SlotPersistence {
 public:
  explicit Persistence(storage::Database* db) : db_(db) {}
  Status Put(std::string_view key, std::string_view value) override {
    return db_->change_feed().PutReplicationState(key, value);
  }
  Status Delete(std::string_view key) override {
    return db_->change_feed().DeleteReplicationState(key);
  }
  Result<std::vector<std::pair<std::string, std::string>>> List() override {
    return db_->change_feed().ListReplicationState();
  }

 private:
  storage::Database* const db_;
};

Result<std::unique_ptr<ReplicationService>> ReplicationService::Open(storage::Database* database,
                                                                     int max_replication_slots,
                                                                     int max_wal_senders) {
  std::unique_ptr<ReplicationService> service(new ReplicationService());
  service->database_ = database;
  service->max_wal_senders_ = max_wal_senders;
  service->persistence_ = std::make_unique<Persistence>(database);
  STRATA_ASSIGN_OR_RETURN(service->slots_,
                          binlog::SlotManager::Open(service->persistence_.get(),
                                                    max_replication_slots));
  STRATA_ASSIGN_OR_RETURN(auto records, service->persistence_->List());
  for (const auto& [key, value] : records) {
    if (key == kSystemIdentifierKey) service->system_identifier_ = value;
  }
  if (service->system_identifier_.empty()) {
    // As initdb does: creation time in the high bits, some randomness low.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const uint64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    std::random_device random;
    const uint64_t id = (seconds << 32) | (static_cast<uint64_t>(random()) & 0xFFFFFFFFu);
    service->system_identifier_ = std::to_string(id);
    STRATA_RETURN_IF_ERROR(
        service->persistence_->Put(kSystemIdentifierKey, service->system_identifier_));
  }
  binlog::SlotManager* slots = service->slots_.get();
  database->change_feed().SetRetentionFloorProvider(
      [slots]() -> std::optional<storage::Lsn> { return slots->RetentionFloor(); });
  return service;
}

ReplicationService::~ReplicationService() {
  if (database_ != nullptr) database_->change_feed().SetRetentionFloorProvider(nullptr);
}

Status ReplicationService::AddSender() {
  if (senders_.fetch_add(1) >= max_wal_senders_) {
    senders_.fetch_sub(1);
    return Status(SqlState::kTooManyConnections,
                  "number of requested standby connections exceeds max_wal_senders (currently " +
                      std::to_string(max_wal_senders_) + ")");
  }
  return Status::OK();
}

void ReplicationService::RemoveSender() { senders_.fetch_sub(1); }

namespace {

// The publications a pgoutput stream follows, as last loaded.
struct PublicationFilter {
  std::vector<binlog::Publication> publications;

  bool Includes(uint32_t table_id) const {
    for (const auto& p : publications) {
      if (p.Includes(table_id)) return true;
    }
    return false;
  }
  bool Publishes(uint32_t table_id, binlog::DecodedChange::Kind kind) const {
    for (const auto& p : publications) {
      if (!p.Includes(table_id)) continue;
      switch (kind) {
        case binlog::DecodedChange::Kind::kInsert:
          if (p.publish_insert) return true;
          break;
        case binlog::DecodedChange::Kind::kUpdate:
          if (p.publish_update) return true;
          break;
        case binlog::DecodedChange::Kind::kDelete:
          if (p.publish_delete) return true;
          break;
        case binlog::DecodedChange::Kind::kTruncate:
          if (p.publish_truncate) return true;
          break;
      }
    }
    return false;
  }
  // Keeps only what the publications publish.
  void Apply(binlog::DecodedTransaction* txn) const {
    std::vector<binlog::DecodedChange> kept;
    for (auto& change : txn->changes) {
      if (change.kind == binlog::DecodedChange::Kind::kTruncate) {
        std::vector<std::shared_ptr<const binlog::Relation>> tables;
        for (auto& relation : change.truncated) {
          if (Publishes(relation->oid, change.kind)) tables.push_back(relation);
        }
        if (tables.empty()) continue;
        change.truncated = std::move(tables);
      } else if (!Publishes(change.relation->oid, change.kind)) {
        continue;
      }
      kept.push_back(std::move(change));
    }
    txn->changes = std::move(kept);
  }
};

Result<std::shared_ptr<const PublicationFilter>> LoadPublications(
    storage::Database* db, const std::vector<std::string>& names) {
  STRATA_ASSIGN_OR_RETURN(auto records, db->change_feed().ListReplicationState());
  auto filter = std::make_shared<PublicationFilter>();
  for (const std::string& name : names) {
    const std::string key = binlog::PublicationKey(name);
    bool found = false;
    for (const auto& [k, value] : records) {
      if (k != key) continue;
      STRATA_ASSIGN_OR_RETURN(binlog::Publication p, binlog::DecodePublication(name, value));
      filter->publications.push_back(std::move(p));
      found = true;
    }
    if (!found) {
      return Status(SqlState::kUndefinedObject, "publication \"" + name + "\" does not exist");
    }
  }
  return std::shared_ptr<const PublicationFilter>(std::move(filter));
}

// ALTER PUBLICATION takes effect on running streams within this time.
constexpr std::chrono::milliseconds kPublicationReload{1000};

}  // namespace

// One START_REPLICATION stream's state; lives on the streaming thread.
struct ReplicationSession::StreamState {
  std::string slot;
  std::unique_ptr<binlog::OutputPlugin> plugin;
  // Everything with lsn <= sent_lsn was sent or is not for this slot.
  uint64_t sent_lsn = 0;
  // Commit LSNs of transactions sent but not yet confirmed, oldest first.
  std::deque<uint64_t> unconfirmed;
  uint64_t confirmed_lsn = 0;
  std::chrono::steady_clock::time_point last_send;
  std::chrono::steady_clock::time_point last_client_message;
  bool reply_requested_pending = false;
};

ReplicationSession::ReplicationSession(ReplicationService* service, int32_t process_id)
    : service_(service), process_id_(process_id) {}

ReplicationSession::~ReplicationSession() { service_->slots()->ReleaseSession(process_id_); }

Status ReplicationSession::Execute(const ReplicationCommand& command, sql::ResultSink* sink,
                                   const UseSnapshot& use_snapshot) {
  using Kind = ReplicationCommand::Kind;
  EndExport();
  storage::Database* db = service_->database();
  switch (command.kind) {
    case Kind::kIdentifySystem: {
      STRATA_RETURN_IF_ERROR(sink->BeginRows({TextColumn("systemid"),
                                              {"timeline", DataType::Of(TypeId::kInt4)},
                                              TextColumn("xlogpos"), TextColumn("dbname")}));
      const std::vector<Value> row = {Value::Text(service_->system_identifier()), Value::Int4(1),
                                      Value::Text(storage::FormatLsn(db->last_committed_lsn())),
                                      Value::Text("strata")};
      STRATA_RETURN_IF_ERROR(sink->Row(row));
      return sink->Complete("IDENTIFY_SYSTEM");
    }
    case Kind::kCreateSlot:
      return CreateSlot(command, sink, use_snapshot);
    case Kind::kDropSlot:
      STRATA_RETURN_IF_ERROR(DropSlot(command));
      return sink->Complete("DROP_REPLICATION_SLOT");
    case Kind::kReadReplicationSlot: {
      auto slot = service_->slots()->Get(command.slot);
      if (slot.ok()) {
        return Status(SqlState::kFeatureNotSupported,
                      "cannot use READ_REPLICATION_SLOT with a logical replication slot");
      }
      STRATA_RETURN_IF_ERROR(sink->BeginRows({TextColumn("slot_type"), TextColumn("restart_lsn"),
                                              {"restart_tli", DataType::Of(TypeId::kInt8)}}));
      const std::vector<Value> row = {Value::Null(TypeId::kText), Value::Null(TypeId::kText),
                                      Value::Null(TypeId::kInt8)};
      STRATA_RETURN_IF_ERROR(sink->Row(row));
      return sink->Complete("READ_REPLICATION_SLOT");
    }
    case Kind::kTimelineHistory:
      return Status(SqlState("58P01"), "could not open file \"pg_wal/" +
                                           std::string(8 - std::min<size_t>(8, std::to_string(command.timeline.value_or(1)).size()), '0') +
                                           std::to_string(command.timeline.value_or(1)) +
                                           ".history\": No such file or directory");
    case Kind::kBaseBackup:
      return Status(SqlState::kFeatureNotSupported, "BASE_BACKUP is not supported by Strata");
    case Kind::kStartReplication:
      return Status::Internal("START_REPLICATION must go through Stream()");
  }
  return Status::Internal("unknown replication command");
}

Status ReplicationSession::CreateSlot(const ReplicationCommand& command, sql::ResultSink* sink,
                                      const UseSnapshot& use_snapshot) {
  if (!command.logical) {
    return Status(SqlState::kFeatureNotSupported,
                  "physical replication slots are not supported by Strata");
  }
  if (command.two_phase) {
    return Status(SqlState::kFeatureNotSupported,
                  "two-phase decoding is not supported: Strata has no prepared transactions");
  }
  // The consistent point: every commit at or below it is in the state a
  // snapshot at it reads, every later one will be streamed. Taking the
  // snapshot first and starting the slot at exactly its LSN makes the two
  // meet without a gap or an overlap, however many commits run meanwhile.
  storage::ReadView view = service_->database()->TakeReadView();
  const storage::Lsn consistent = view.lsn();
  if (command.snapshot == SnapshotAction::kUse) {
    if (!use_snapshot) {
      return Status(SqlState::kFeatureNotSupported,
                    "USE_SNAPSHOT needs a SQL session on this connection");
    }
    STRATA_RETURN_IF_ERROR(use_snapshot(view));
  }
  STRATA_ASSIGN_OR_RETURN(
      binlog::SlotInfo slot,
      service_->slots()->Create(command.slot, command.plugin, command.temporary, process_id_,
                                consistent));
  std::optional<std::string> snapshot_name;
  if (command.snapshot == SnapshotAction::kExport) {
    export_ = service_->database()->ExportSnapshot(std::move(view),
                                                   static_cast<uint32_t>(process_id_));
    snapshot_name = export_->name();
  }
  STRATA_RETURN_IF_ERROR(sink->BeginRows({TextColumn("slot_name"), TextColumn("consistent_point"),
                                          TextColumn("snapshot_name"),
                                          TextColumn("output_plugin")}));
  const std::vector<Value> row = {Value::Text(slot.name),
                                  Value::Text(storage::FormatLsn(slot.confirmed_lsn)),
                                  TextOrNull(snapshot_name), Value::Text(slot.plugin)};
  STRATA_RETURN_IF_ERROR(sink->Row(row));
  return sink->Complete("CREATE_REPLICATION_SLOT");
}

Status ReplicationSession::DropSlot(const ReplicationCommand& command) {
  while (true) {
    Status status = service_->slots()->Drop(command.slot, process_id_);
    if (!command.wait || status.sql_state() != SqlState::kObjectInUse) return status;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, kIdleSlice, [this] { return stop_; });
      if (stop_) return status;
    }
  }
}

void ReplicationSession::OnClientMessage(protocol::FrontendMessage message) {
  std::lock_guard<std::mutex> lock(mu_);
  incoming_.push_back(std::move(message));
  wake_.notify_all();
}

void ReplicationSession::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  wake_.notify_all();
  service_->database()->change_feed().Interrupt();
}

std::shared_ptr<const binlog::Relation> ReplicationSession::RelationFor(
    const std::shared_ptr<const storage::FeedTable>& table) {
  auto it = relations_.find(table.get());
  if (it != relations_.end()) return it->second;
  auto relation = std::make_shared<binlog::Relation>();
  const storage::TableDef& def = table->def;
  relation->oid = def.id;
  relation->schema = table->schema_name;
  relation->name = def.name;
  switch (def.properties.replica_identity) {
    case storage::ReplicaIdentity::kDefault:
      relation->identity = binlog::ReplicaIdentity::kDefault;
      break;
    case storage::ReplicaIdentity::kFull:
      relation->identity = binlog::ReplicaIdentity::kFull;
      break;
    case storage::ReplicaIdentity::kNothing:
      relation->identity = binlog::ReplicaIdentity::kNothing;
      break;
  }
  for (const storage::ColumnDef& column : def.columns) {
    bool key = false;
    for (uint32_t id : def.primary_key) key = key || id == column.id;
    relation->columns.push_back(binlog::RelationColumn{column.name, column.type, key});
  }
  relation->version = next_relation_version_++;
  relations_[table.get()] = relation;
  relation_owners_.push_back(table);  // keeps the map's key alive
  return relation;
}

binlog::DecodedTransaction ReplicationSession::Decode(const storage::FeedTransaction& txn) {
  binlog::DecodedTransaction out;
  out.commit_lsn = txn.lsn;
  out.begin_lsn = txn.lsn - 1;
  out.commit_time_us = txn.commit_time_us;
  out.xid = txn.xid;
  out.changes.reserve(txn.changes.size());
  for (const storage::FeedChange& change : txn.changes) {
    binlog::DecodedChange decoded;
    switch (change.kind) {
      case storage::FeedChange::Kind::kInsert:
        decoded.kind = binlog::DecodedChange::Kind::kInsert;
        break;
      case storage::FeedChange::Kind::kUpdate:
        decoded.kind = binlog::DecodedChange::Kind::kUpdate;
        break;
      case storage::FeedChange::Kind::kDelete:
        decoded.kind = binlog::DecodedChange::Kind::kDelete;
        break;
      case storage::FeedChange::Kind::kTruncate:
        decoded.kind = binlog::DecodedChange::Kind::kTruncate;
        break;
    }
    if (change.table) decoded.relation = RelationFor(change.table);
    for (const auto& table : change.truncated) decoded.truncated.push_back(RelationFor(table));
    decoded.old_row = change.old_row;
    decoded.new_row = change.new_row;
    decoded.truncate_cascade = change.truncate_cascade;
    decoded.truncate_restart_identity = change.truncate_restart_identity;
    out.changes.push_back(std::move(decoded));
  }
  return out;
}

Status ReplicationSession::Confirm(StreamState* state, uint64_t flushed_lsn) {
  bool covers_delivery = false;
  while (!state->unconfirmed.empty() && state->unconfirmed.front() <= flushed_lsn) {
    state->unconfirmed.pop_front();
    covers_delivery = true;
  }
  uint64_t confirmed = flushed_lsn;
  // Everything sent on this stream is confirmed, and everything at or below
  // sent_lsn was either sent or not for this slot: the slot needs nothing up
  // to sent_lsn any more, so an idle slot's position follows the server's
  // instead of pinning old records (whatever position the client reports).
  if (state->unconfirmed.empty() && state->sent_lsn > confirmed) confirmed = state->sent_lsn;
  if (confirmed <= state->confirmed_lsn) return Status::OK();
  state->confirmed_lsn = confirmed;
  return service_->slots()->Confirm(state->slot, confirmed, covers_delivery);
}

Status ReplicationSession::DrainClientMessages(StreamState* state, const StreamWriter& write,
                                               bool* done) {
  std::deque<protocol::FrontendMessage> messages;
  {
    std::lock_guard<std::mutex> lock(mu_);
    messages.swap(incoming_);
  }
  for (auto& message : messages) {
    if (auto* data = std::get_if<protocol::CopyData>(&message)) {
      state->last_client_message = std::chrono::steady_clock::now();
      STRATA_ASSIGN_OR_RETURN(protocol::ReplicationMessage reply,
                              protocol::DecodeReplicationMessage(data->data));
      if (auto* status = std::get_if<protocol::StandbyStatusUpdate>(&reply)) {
        STRATA_RETURN_IF_ERROR(Confirm(state, status->flushed_lsn));
        if (status->reply_requested) state->reply_requested_pending = true;
      } else if (!std::holds_alternative<protocol::HotStandbyFeedback>(reply)) {
        return Status::ProtocolViolation("unexpected message type in CopyData");
      }
    } else if (std::holds_alternative<protocol::CopyDone>(message)) {
      *done = true;
    } else if (auto* fail = std::get_if<protocol::CopyFail>(&message)) {
      return Status(SqlState::kQueryCanceled, "COPY from stdin failed: " + fail->message);
    } else {
      return Status::ProtocolViolation("unexpected message type during replication");
    }
  }
  if (state->reply_requested_pending) {
    state->reply_requested_pending = false;
    std::string bytes;
    protocol::Encode(protocol::PrimaryKeepalive{state->sent_lsn, PgNowUs(), false}, &bytes);
    state->last_send = std::chrono::steady_clock::now();
    STRATA_RETURN_IF_ERROR(write(std::move(bytes)));
  }
  (void)write;
  return Status::OK();
}

Status ReplicationSession::Stream(const ReplicationCommand& command, const StreamWriter& write,
                                  const std::function<void()>& on_copy_both) {
  if (!command.logical) {
    return Status(SqlState::kFeatureNotSupported, "physical replication is not supported by Strata");
  }
  EndExport();
  STRATA_ASSIGN_OR_RETURN(binlog::SlotInfo slot,
                          service_->slots()->Acquire(command.slot, process_id_));
  struct Releaser {
    ReplicationSession* self;
    std::string name;
    ~Releaser() { self->service_->slots()->Release(name, self->process_id_); }
  } releaser{this, slot.name};
  std::vector<binlog::PluginOption> options(command.options.begin(), command.options.end());
  StreamState state;
  state.slot = slot.name;
  STRATA_ASSIGN_OR_RETURN(state.plugin, binlog::CreateOutputPlugin(slot.plugin, options));
  STRATA_RETURN_IF_ERROR(service_->AddSender());
  struct SenderCount {
    ReplicationService* service;
    ~SenderCount() { service->RemoveSender(); }
  } sender_count{service_};
  // As PostgreSQL: a start position behind the slot's confirmed one starts
  // at the confirmed one.
  state.sent_lsn = std::max<uint64_t>(command.start_lsn, slot.confirmed_lsn);
  state.confirmed_lsn = slot.confirmed_lsn;
  relations_.clear();
  relation_owners_.clear();

  storage::ChangeFeed& feed = service_->database()->change_feed();
  // Fail before CopyBoth when the slot's position is gone.
  if (state.sent_lsn < feed.removed_lsn()) {
    return Status(SqlState("55000"), "requested binlog position " +
                                         storage::FormatLsn(state.sent_lsn) +
                                         " was removed")
        .WithHint("The replication slot \"" + slot.name +
                  "\" fell behind the binlog retention limit; drop and recreate it.");
  }
  std::string out;
  protocol::Encode(protocol::CopyBothResponse{}, &out);
  STRATA_RETURN_IF_ERROR(write(std::move(out)));
  out.clear();
  on_copy_both();
  spdlog::debug("walsender {}: streaming slot {} from {}", process_id_, slot.name,
                storage::FormatLsn(state.sent_lsn));

  state.last_send = std::chrono::steady_clock::now();
  state.last_client_message = state.last_send;
  std::vector<binlog::PluginMessage> messages;
  storage::FeedReadOptions read_options;
  read_options.max_transactions = kBatchTransactions;
  read_options.max_bytes = kBatchBytes;
  // pgoutput sends only what its publications publish.
  const bool filtered = slot.plugin == "pgoutput";
  auto publications = std::make_shared<std::shared_ptr<const PublicationFilter>>();
  auto publications_loaded = std::chrono::steady_clock::now();
  if (filtered) {
    STRATA_ASSIGN_OR_RETURN(*publications,
                            LoadPublications(service_->database(),
                                             state.plugin->publication_names()));
    read_options.table_filter = [publications](uint32_t table_id) {
      return (*publications)->Includes(table_id);
    };
  }
  bool done = false;
  bool read_due = true;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return Status(SqlState::kAdminShutdown, "terminating walsender process");
    }
    STRATA_RETURN_IF_ERROR(DrainClientMessages(&state, write, &done));
    if (done) break;
    const auto now = std::chrono::steady_clock::now();
    const bool keepalive_due = now - state.last_send >= kKeepaliveInterval;
    // Reading is cheap but not free: an idle stream reads only when the
    // feed moved, or to learn how far it may advance for a keepalive.
    const bool advance_due = state.unconfirmed.empty() &&
                             now - state.last_send >= kIdleAdvanceInterval &&
                             service_->database()->last_committed_lsn() > state.sent_lsn;
    if (!read_due && !keepalive_due && !advance_due && feed.last_feed_lsn() <= state.sent_lsn) {
      feed.WaitForFeed(state.sent_lsn, kIdleSlice);
      continue;
    }
    read_due = false;
    if (filtered && now - publications_loaded >= kPublicationReload) {
      STRATA_ASSIGN_OR_RETURN(*publications,
                              LoadPublications(service_->database(),
                                               state.plugin->publication_names()));
      publications_loaded = now;
    }
    STRATA_ASSIGN_OR_RETURN(storage::FeedBatch batch, feed.ReadFeed(state.sent_lsn, read_options));
    for (const storage::FeedTransaction& txn : batch.transactions) {
      messages.clear();
      binlog::DecodedTransaction decoded = Decode(txn);
      if (filtered) (*publications)->Apply(&decoded);
      STRATA_RETURN_IF_ERROR(state.plugin->Encode(decoded, &messages));
      for (const binlog::PluginMessage& message : messages) {
        protocol::AppendXLogData(message.lsn, message.lsn, PgNowUs(), message.data, &out);
        if (out.size() >= kChunkBytes) {
          STRATA_RETURN_IF_ERROR(write(std::move(out)));
          out.clear();
        }
      }
      if (!messages.empty()) state.unconfirmed.push_back(txn.lsn);
    }
    if (!out.empty()) {
      STRATA_RETURN_IF_ERROR(write(std::move(out)));
      out.clear();
      state.last_send = std::chrono::steady_clock::now();
    }
    if (batch.scanned_to_lsn > state.sent_lsn) state.sent_lsn = batch.scanned_to_lsn;
    if (batch.scanned_to_lsn < batch.snapshot_lsn) {
      read_due = true;  // cut off by a limit: more is waiting
      continue;
    }
    const bool idle_advance = batch.transactions.empty() && state.unconfirmed.empty() &&
                              state.sent_lsn > state.confirmed_lsn &&
                              now - state.last_send >= kIdleAdvanceInterval;
    if (idle_advance) STRATA_RETURN_IF_ERROR(Confirm(&state, 0));
    if ((keepalive_due || idle_advance) && batch.transactions.empty()) {
      // Caught up and quiet: tell the client how far it is, so it can
      // confirm past commits that were not for this slot.
      const bool ask = now - state.last_client_message >= kReplyAfter;
      protocol::Encode(protocol::PrimaryKeepalive{state.sent_lsn, PgNowUs(), ask}, &out);
      STRATA_RETURN_IF_ERROR(write(std::move(out)));
      out.clear();
      state.last_send = now;
    }
  }
  // The client ended the stream: confirm, then leave COPY mode.
  protocol::Encode(protocol::CopyDone{}, &out);
  return write(std::move(out));
}

}  // namespace strata::server
