#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/types.h"
#include "common/value.h"
#include "common/value_text.h"
#include "rowstore/row_codec.h"

namespace strata::storage {
class Database;
class ReadView;
}  // namespace strata::storage

namespace strata::isolation {
class PoolSet;
}  // namespace strata::isolation

namespace strata::binlog {
class SlotManager;
}  // namespace strata::binlog

namespace strata::sql {

// One column of a result set, as RowDescription describes it. `table_oid`
// and `column_attr` are nonzero only for plain column references of a table.
struct ResultColumn {
  std::string name;
  DataType type;
  uint32_t table_oid = 0;
  int16_t column_attr = 0;
};

// One result row as the row replica stores it, handed to sinks that encode
// rows without building Values (ResultSink::StoredRow). Views the stored
// bytes; valid only during the call that hands it out. Not thread-safe.
class StoredRow {
 public:
  // REQUIRES: `fields` is what rowstore::FindFields gave for `bytes` and
  // `layout`.
  StoredRow(std::string_view bytes, const rowstore::FieldLayout& layout,
            std::span<const rowstore::StoredField> fields)
      : bytes_(bytes), layout_(layout), fields_(fields) {}

  // The number of result columns.
  size_t size() const { return fields_.size(); }
  bool is_null(size_t i) const;
  // Appends result column i (not NULL) in PostgreSQL's text output form
  // (with `options`) or binary send form: byte for byte what FormatText /
  // EncodeBinary give for the decoded value. Corruption on malformed bytes.
  Status AppendColumn(size_t i, bool binary, const TextFormatOptions& options, std::string* out) const;
  // The row as Values (what Row() would receive).
  Result<std::vector<Value>> Decode() const;

 private:
  std::string_view bytes_;
  const rowstore::FieldLayout& layout_;
  std::span<const rowstore::StoredField> fields_;
};

// Receives the results of statements as they are produced. Implemented by
// the server session (and by tests). Called only from the thread running the
// SqlSession call that was given the sink; the sink must outlive that call.
class ResultSink {
 public:
  virtual ~ResultSink() = default;

  // Simple protocol only: called before the rows of each row-returning
  // statement (-> RowDescription). Never called by SqlSession::Execute.
  virtual Status BeginRows(const std::vector<ResultColumn>& columns) = 0;
  // One row; `values` is valid only during the call. An error (client gone,
  // output too large) aborts the statement with that error.
  virtual Status Row(std::span<const Value> values) = 0;
  // The serving fast path: a sink that can encode a row straight from the
  // row replica's bytes returns true, and then point reads (primary-key
  // Get/MultiGet statements) may deliver rows through StoredRow instead of
  // Row. StoredRow(row) must send exactly what Row(row.Decode()) would (the
  // default does that). `row` is valid only during the call.
  virtual bool AcceptsStoredRows() const { return false; }
  virtual Status StoredRow(const class StoredRow& row);
  // CommandComplete tag exactly as PostgreSQL: "SELECT 3", "INSERT 0 1",
  // "UPDATE 2", "DELETE 0", "CREATE TABLE", "BEGIN", "COMMIT", "ROLLBACK",
  // "SET", "SHOW", "TRUNCATE TABLE", "DROP TABLE", "COPY 5", ...
  virtual Status Complete(std::string_view tag) = 0;
  // NOTICE / WARNING messages; `severity` is "NOTICE" or "WARNING".
  virtual void Notice(std::string_view severity, const Status& notice) = 0;

  // COPY FROM STDIN: the engine announces the copy (-> CopyInResponse with
  // `column_count` columns, all text or all binary) and then pulls the data:
  // each call returns the next CopyData payload, nullopt at CopyDone, or an
  // error (CopyFail from the client: 57014 with the client's message).
  virtual Status BeginCopyIn(int column_count, bool binary) = 0;
  virtual Result<std::optional<std::string>> ReadCopyData() = 0;
  // COPY TO STDOUT: -> CopyOutResponse, one CopyData per call, CopyDone.
  // Complete("COPY n") follows EndCopyOut.
  virtual Status BeginCopyOut(int column_count, bool binary) = 0;
  virtual Status CopyOutData(std::string_view data) = 0;
  virtual Status EndCopyOut() = 0;
};

// Who is connected; fixed for the session's life.
struct SessionInfo {
  std::string user;
  std::string database;
  std::string application_name;
  int32_t process_id = 0;
};

// What Parse/Describe(statement) report.
struct PreparedInfo {
  // One per $n, after inference (ParameterDescription).
  std::vector<DataType> param_types;
  // Empty: the statement returns no rows (NoData).
  std::vector<ResultColumn> columns;
  // The resource pool that should execute this statement: "serving",
  // "write" or "olap" (or the session's strata.pool override).
  std::string pool;
  // A SELECT planned as a primary-key Get/MultiGet of constant or parameter
  // keys with no filter and only plain columns in its output: one bounded
  // storage read, at most one row per key. The server may run it without a
  // pool hand-off (see server/README.md, "Serving fast path").
  bool point_read = false;
  // An INSERT of a few VALUES rows (with or without ON CONFLICT) whose every
  // expression is cheap and bounded: no subquery, no volatile function
  // (column defaults included). Decided at Prepare. Its execution is a few bounded
  // storage reads and buffered writes, and its commit can complete
  // asynchronously (BeginAsyncSync). The server may run it without a pool
  // hand-off (see server/README.md, "Write fast path").
  bool inline_write = false;
};

// What Describe(portal) reports. Views into the portal: valid until it is
// closed or replaced.
struct PortalDescription {
  // Empty: the portal returns no rows (NoData).
  const std::vector<ResultColumn>* columns = nullptr;
  // Per column: 0 text, 1 binary (empty: all text).
  std::span<const int16_t> formats;
  // The prepared statement the portal was bound from: unique within the
  // session and never reused, so equal ids mean equal columns (a caller may
  // cache what it derives from them).
  uint64_t statement_id = 0;
};

// Transaction state for ReadyForQuery: I (idle), T (in a block), E (failed
// block).
enum class TxnStatus { kIdle, kInBlock, kFailed };

// One connection's SQL state: transaction, GUCs, prepared statements and
// portals.
//
// NOT thread-safe, except Cancel(): the server calls it from one pool thread
// at a time. Must not outlive the Engine that created it.
class SqlSession {
 public:
  class Impl;
  explicit SqlSession(std::unique_ptr<Impl> impl);
  ~SqlSession();
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  // Simple query protocol: runs every statement of `text` in order with
  // PostgreSQL's implicit-transaction rules (a multi-statement message
  // without BEGIN is one implicit transaction; an error aborts the rest of
  // the message and rolls that transaction back). Each row-returning
  // statement gets BeginRows, Row..., Complete; others just Complete.
  // Returns the first error (results already delivered stay delivered).
  // Empty statements are skipped; the server handles a fully blank query
  // (EmptyQueryResponse).
  Status ExecuteSimple(std::string_view text, ResultSink* sink);

  // Extended protocol: Parse. `param_type_oids` may be shorter than the
  // number of parameters and may contain 0 (infer from context). A named
  // statement that exists already: 42P05; the unnamed one ("") is replaced.
  // The statement is parsed, bound and planned once here.
  Result<PreparedInfo> Prepare(const std::string& name, std::string_view text,
                               std::span<const uint32_t> param_type_oids);
  // Bind: creates `portal` (replacing the unnamed one; 42P03 for an existing
  // named one) from `statement` with the given parameter values (nullopt =
  // NULL) in text (0) or binary (1) format; `param_formats` follows the
  // protocol (empty = all text, one = applies to all). `result_formats` idem
  // per result column. Errors: 26000 unknown statement, 08P01 wrong
  // parameter count, 22P02 / 22P03 bad parameter values.
  Status Bind(const std::string& portal, const std::string& statement,
              std::span<const int16_t> param_formats,
              std::span<const std::optional<std::string>> params,
              std::span<const int16_t> result_formats);
  // 26000 when the statement does not exist.
  Result<PreparedInfo> DescribeStatement(const std::string& name);
  // 34000 when the portal does not exist; no columns means NoData.
  Result<PortalDescription> DescribePortal(const std::string& name);
  // Per result column: 0 text, 1 binary. Empty for an unknown portal; valid
  // until the portal is closed or replaced.
  std::span<const int16_t> PortalResultFormats(const std::string& portal);
  // Runs (or resumes) `portal`; max_rows <= 0 means all. Returns true when
  // suspended after max_rows (PortalSuspended; Complete() not called), false
  // when complete (Complete() was called on the sink). Never calls
  // BeginRows. Errors: 34000 unknown portal, and any statement error (which
  // fails the transaction until Sync).
  Result<bool> Execute(const std::string& portal, int64_t max_rows, ResultSink* sink);
  // Closing something that does not exist is not an error (as PostgreSQL).
  Status CloseStatement(const std::string& name);
  Status ClosePortal(const std::string& name);
  // Sync: ends an implicit extended-protocol transaction (commits unless an
  // error happened since the last Sync, else rolls back); destroys the
  // unnamed portal. In an explicit block it only clears the unnamed portal.
  // A commit failure at Sync is returned (the server sends ErrorResponse
  // before ReadyForQuery).
  Status Sync();
  // Sync() in two halves, for a caller that must not wait for the commit
  // (the server's I/O thread). Returns false, having done nothing, unless
  // this Sync commits an implicit transaction whose commit can complete
  // asynchronously (storage::DatabaseTransaction::CanCommitAsync: it has
  // changes, no DDL, and needs no wait for an xid); then the commit is on
  // its way and `committed` is called with
  // its status on the storage's commit thread (keep it short: hand the
  // status back to the session's thread). The caller must then call
  // FinishSync(status) -- and nothing else on this session before it.
  bool BeginAsyncSync(std::function<void(Status)> committed);
  // True once (then false until it happens again) when a prepared
  // statement's PreparedInfo::point_read or inline_write changed because it
  // was re-bound after DDL: a caller that cached them asks DescribeStatement
  // again.
  bool TakeRoutesChanged();
  // Whether Sync() would commit changes (and so may wait for the commit).
  bool SyncCommitsChanges() const;
  // Completes the Sync begun by BeginAsyncSync; returns what Sync() would
  // have. May block (a commit conflict re-runs the statement after a short
  // pause) exactly when FinishSyncMayBlock(commit) is true, unless
  // `rerun_on_conflict` is false (then the conflict is returned as is).
  Status FinishSync(Status commit, bool rerun_on_conflict = true);
  bool FinishSyncMayBlock(const Status& commit) const;

  TxnStatus txn_status() const;
  // CREATE_REPLICATION_SLOT ... (SNAPSHOT 'use') on this connection: the
  // open transaction block (REPEATABLE READ, nothing read yet) reads at
  // `view` from now on. Errors as PostgreSQL's (XX000) when not inside such
  // a block.
  Status UseSnapshot(const storage::ReadView& view);
  // True when no transaction is open (neither a block nor an implicit
  // transaction awaiting Sync): a read-only statement run now commits
  // without writing anything.
  bool IdleWithoutTransaction() const;
  // Simple protocol: true when `text` is a point read (PreparedInfo::
  // point_read) found in the session's plan cache and no transaction is
  // open, so ExecuteSimple will run it from the cached plan without
  // parsing. The cache is keyed by the text with its constants lifted out
  // (sql/plan_cache.h); a statement enters it after its first successful
  // run.
  bool IsCachedPointRead(std::string_view text);

  // Which resource pool should run this simple-query text: "write" for
  // INSERT/UPDATE/DELETE/COPY/DDL, "olap" for queries, "serving" for point
  // lookups and session statements (SET/SHOW/BEGIN/COMMIT...), or the
  // session's `strata.pool` setting when set. Cheap: a keyword scan, no
  // parse.
  std::string PoolForSimpleQuery(std::string_view text) const;

  // Thread-safe: asks the running statement (or the next one, if none is
  // running) to stop with 57014 "canceling statement due to user request".
  void Cancel();

  // GUCs reported via ParameterStatus (application_name, client_encoding,
  // DateStyle, TimeZone, IntervalStyle, integer_datetimes,
  // standard_conforming_strings, server_version, server_encoding,
  // is_superuser, session_authorization) whose value changed since the last
  // call: returns and clears the changed set.
  std::vector<std::pair<std::string, std::string>> TakeChangedReportedParameters();
  // All reported GUCs with their current values, for the startup
  // ParameterStatus burst.
  std::vector<std::pair<std::string, std::string>> ReportedParameters() const;

  // Sets a GUC from the startup packet (options like "DateStyle",
  // "application_name", "search_path", "-c x=y" parsed by the server).
  // Unknown names: 42704.
  Status SetStartupParameter(std::string_view name, std::string_view value);

  // The settings text output of result values must follow (TimeZone,
  // extra_float_digits): pass them to FormatText for each row. The
  // reference stays valid for the session's life; its contents change when
  // a statement changes the settings.
  const TextFormatOptions& text_format_options() const;

  // idle_in_transaction_session_timeout in milliseconds (0 = none): how long
  // the server lets the session sit in an open or failed transaction block
  // between statements before terminating it with FATAL 25P03.
  int64_t IdleInTransactionTimeoutMs() const;

  Impl* impl() { return impl_.get(); }

 private:
  std::unique_ptr<Impl> impl_;
};

// A role that may log in, as pg_roles shows it.
struct RoleDescription {
  std::string name;
  bool superuser = false;
  bool has_password = false;
};

// A live connection, as pg_stat_activity shows it.
struct SessionActivity {
  int32_t process_id = 0;
  std::string user;
  std::string database;
  std::string application_name;
  std::string client_addr;  // empty: unknown / Unix socket
  int32_t client_port = -1;
  // Microseconds since the PostgreSQL epoch (2000-01-01 UTC); 0 = unknown.
  int64_t backend_start_micros = 0;
  int64_t query_start_micros = 0;
  std::string state;  // "active", "idle", "idle in transaction", ...
  std::string query;  // the current or last statement's text
};

// What the server knows beyond the database: its roles and connections.
// Implemented by the server; read by system relations (pg_roles,
// pg_stat_activity, ...). Thread-safe: called from any session's thread.
class ServerInfo {
 public:
  virtual ~ServerInfo() = default;
  virtual std::vector<RoleDescription> Roles() const = 0;
  virtual std::vector<SessionActivity> Sessions() const = 0;
};

// The SQL engine of one server: hands out sessions over one database.
//
// Thread-safe.
class Engine {
 public:
  // `database` and `pools` are borrowed and must outlive the Engine and every
  // session. `pools` may be null (tests); then no memory budgets apply.
  Engine(storage::Database* database, isolation::PoolSet* pools);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  std::unique_ptr<SqlSession> NewSession(const SessionInfo& info);

  storage::Database* database() const { return database_; }
  isolation::PoolSet* pools() const { return pools_; }

  // The server's roles and sessions for the system relations; borrowed,
  // must outlive the Engine. Set before the first session is created;
  // null (the default) shows only the connected user and session.
  void set_server_info(const ServerInfo* info) { server_info_ = info; }
  const ServerInfo* server_info() const { return server_info_; }
  // The server's replication slots, for the slot functions
  // (pg_create_logical_replication_slot, ...). Borrowed; must outlive the
  // Engine's sessions. Call before sessions exist; null: none.
  void set_replication_slots(binlog::SlotManager* slots) { slots_ = slots; }
  binlog::SlotManager* replication_slots() const { return slots_; }

 private:
  binlog::SlotManager* slots_ = nullptr;
  storage::Database* const database_;
  isolation::PoolSet* const pools_;
  const ServerInfo* server_info_ = nullptr;
};

}  // namespace strata::sql
