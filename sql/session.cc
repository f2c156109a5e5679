// SqlSession and Engine: statement dispatch, transactions, GUCs, prepared
// statements and portals.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "binlog/replication_slot.h"
#include "common/macros.h"
#include "common/value_binary.h"
#include "common/value_text.h"
#include "sql/ast_util.h"
#include "sql/binder/binder.h"
#include "sql/copy.h"
#include "sql/engine.h"
#include "sql/executor/executor.h"
#include "sql/functions/cast.h"
#include "sql/guc.h"
#include "sql/parser/parser.h"
#include "sql/plan_cache.h"
#include "isolation/resource_pool.h"
#include "sql/planner/planner.h"
#include "sql/publication.h"
#include "sql/server_functions.h"
#include "storage/database.h"

namespace strata::sql {

bool StoredRow::is_null(size_t i) const {
  switch (fields_[i].state) {
    case rowstore::StoredField::State::kPresent:
      return false;
    case rowstore::StoredField::State::kNull:
      return true;
    case rowstore::StoredField::State::kMissing:
      return layout_.columns()[i].missing_value.is_null();
  }
  return true;
}

Status StoredRow::AppendColumn(size_t i, bool binary, const TextFormatOptions& options,
                               std::string* out) const {
  const rowstore::ColumnSpec& column = layout_.columns()[i];
  if (fields_[i].state == rowstore::StoredField::State::kPresent) {
    return rowstore::AppendField(fields_[i], column, binary, options, out);
  }
  STRATA_DCHECK(!is_null(i));
  if (binary) {
    EncodeBinary(column.missing_value, out);
    return Status::OK();
  }
  STRATA_ASSIGN_OR_RETURN(std::string text, FormatText(column.missing_value, options));
  out->append(text);
  return Status::OK();
}

Result<std::vector<Value>> StoredRow::Decode() const { return rowstore::DecodeRow(bytes_, layout_.columns()); }

Status ResultSink::StoredRow(const class StoredRow& row) {
  STRATA_ASSIGN_OR_RETURN(std::vector<Value> values, row.Decode());
  return Row(values);
}

namespace {

using executor::ExecContext;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status Notice(std::string message, SqlState state = SqlState::kSuccessfulCompletion) {
  return Status(state, std::move(message));
}

// A statement bound and planned against one catalog version.
struct BoundStatement {
  ast::StmtKind kind = ast::StmtKind::kSelect;
  binder::BoundQuery query;
  std::optional<binder::BoundInsert> insert;
  std::optional<binder::BoundUpdate> update;
  std::optional<binder::BoundDelete> del;
  std::vector<DataType> param_types;
  uint64_t catalog_version = 0;
};

// A parsed statement (PREPARE or the extended protocol's Parse).
struct PreparedStatement {
  // Unique within the session, never reused (PortalDescription).
  uint64_t id = 0;
  std::string name;
  std::string text;
  std::shared_ptr<ast::Statement> stmt;  // null for an empty query
  std::vector<DataType> param_types;
  std::vector<ResultColumn> columns;
  std::string pool;
  // A bounded primary-key read (see PreparedInfo::point_read).
  bool point_read = false;
  // See PreparedInfo::inline_write.
  bool inline_write = false;
  std::shared_ptr<BoundStatement> bound;
};

struct Portal {
  std::shared_ptr<PreparedStatement> prepared;
  std::shared_ptr<BoundStatement> bound;
  std::vector<Value> params;
  std::vector<int16_t> result_formats;
  // Execution state (a suspended portal keeps it between Executes).
  bool started = false;
  bool done = false;
  std::unique_ptr<ExecContext> ctx;
  std::unique_ptr<executor::Operator> op;
  std::vector<Row> pending;
  size_t pending_pos = 0;
  bool source_done = false;
  int64_t rows = 0;
  std::string tag;  // for non-SELECT statements: the final tag
};

// What an extended-protocol DML statement told the client, for re-running
// it after a commit conflict at Sync.
struct SyncRetry {
  std::shared_ptr<PreparedStatement> prepared;
  std::vector<Value> params;
  std::string tag;
  std::vector<Row> rows;
};

// Statements allowed in a failed transaction block.
bool EndsTransaction(const ast::Statement& s) {
  if (s.kind != ast::StmtKind::kTransaction) return false;
  const auto& t = static_cast<const ast::TransactionStmt&>(s);
  return t.action == ast::TransactionKind::kCommit || t.action == ast::TransactionKind::kRollback ||
         t.action == ast::TransactionKind::kRollbackTo;
}

bool NeedsTransaction(ast::StmtKind kind) {
  switch (kind) {
    case ast::StmtKind::kTransaction:
    case ast::StmtKind::kSet:
    case ast::StmtKind::kShow:
    case ast::StmtKind::kPrepare:
    case ast::StmtKind::kDeallocate:
    case ast::StmtKind::kDiscard:
    case ast::StmtKind::kVacuum:
      return false;
    default:
      return true;
  }
}

const char* WriteCommandName(ast::StmtKind kind) {
  switch (kind) {
    case ast::StmtKind::kInsert: return "INSERT";
    case ast::StmtKind::kUpdate: return "UPDATE";
    case ast::StmtKind::kDelete: return "DELETE";
    case ast::StmtKind::kCreateTable: return "CREATE TABLE";
    case ast::StmtKind::kCreateSchema: return "CREATE SCHEMA";
    case ast::StmtKind::kDrop: return "DROP";
    case ast::StmtKind::kTruncate: return "TRUNCATE TABLE";
    case ast::StmtKind::kAlterTable: return "ALTER TABLE";
    case ast::StmtKind::kCopy: return "COPY";
    case ast::StmtKind::kCall: return "CALL";
    default: return nullptr;
  }
}

// READ COMMITTED emulation: an autocommit statement whose commit fails with
// 40001 is re-run on a fresh snapshot this many times in all.
constexpr int kMaxAutocommitAttempts = 20;

// Statements an autocommit retry may re-run (they read and write only
// through their own transaction).
bool RetryableKind(ast::StmtKind kind) {
  return kind == ast::StmtKind::kSelect || kind == ast::StmtKind::kInsert || kind == ast::StmtKind::kUpdate ||
         kind == ast::StmtKind::kDelete || kind == ast::StmtKind::kExecute;
}

bool IsDml(ast::StmtKind kind) {
  return kind == ast::StmtKind::kInsert || kind == ast::StmtKind::kUpdate || kind == ast::StmtKind::kDelete;
}

// Same values, NULL equal to NULL: what a client would have seen.
bool SameRows(const std::vector<Row>& a, const std::vector<Row>& b) {
  if (a.size() != b.size()) return false;
  for (size_t r = 0; r < a.size(); ++r) {
    if (a[r].size() != b[r].size()) return false;
    for (size_t i = 0; i < a[r].size(); ++i) {
      const Value& x = a[r][i];
      const Value& y = b[r][i];
      if (x.is_null() || y.is_null()) {
        if (x.is_null() != y.is_null()) return false;
        continue;
      }
      if (x.kind() != y.kind() || Value::Compare(x, y) != 0) return false;
    }
  }
  return true;
}

// Holds back what an autocommit statement sends until its transaction has
// committed, so that a statement re-run after a commit conflict is seen by
// the client once. Rows of a query (stream_rows) go out as produced (with
// the row description before the first one); once one has, the statement
// can no longer be re-run (delivered()). Copy traffic also passes through
// and counts as delivered.
class DeferringSink final : public ResultSink {
 public:
  DeferringSink(ResultSink* inner, bool stream_rows) : inner_(inner), stream_rows_(stream_rows) {}

  Status BeginRows(const std::vector<ResultColumn>& columns) override {
    columns_ = columns;
    have_columns_ = true;
    return Status::OK();
  }
  Status Row(std::span<const Value> values) override {
    if (!stream_rows_) {
      rows_.emplace_back(values.begin(), values.end());
      return Status::OK();
    }
    STRATA_RETURN_IF_ERROR(SendColumns());
    delivered_ = true;
    return inner_->Row(values);
  }
  bool AcceptsStoredRows() const override { return stream_rows_ && inner_->AcceptsStoredRows(); }
  Status StoredRow(const class StoredRow& row) override {
    STRATA_RETURN_IF_ERROR(SendColumns());
    delivered_ = true;
    return inner_->StoredRow(row);
  }
  Status Complete(std::string_view tag) override {
    tag_ = std::string(tag);
    have_tag_ = true;
    return Status::OK();
  }
  void Notice(std::string_view severity, const Status& notice) override {
    notices_.emplace_back(std::string(severity), notice);
  }
  Status BeginCopyIn(int column_count, bool binary) override {
    delivered_ = true;
    return inner_->BeginCopyIn(column_count, binary);
  }
  Result<std::optional<std::string>> ReadCopyData() override { return inner_->ReadCopyData(); }
  Status BeginCopyOut(int column_count, bool binary) override {
    delivered_ = true;
    return inner_->BeginCopyOut(column_count, binary);
  }
  Status CopyOutData(std::string_view data) override { return inner_->CopyOutData(data); }
  Status EndCopyOut() override { return inner_->EndCopyOut(); }

  // True once something that cannot be taken back reached the client.
  bool delivered() const { return delivered_; }

  // Sends the notices held back (also before a final error).
  void FlushNotices() {
    for (const auto& [severity, notice] : notices_) inner_->Notice(severity, notice);
    notices_.clear();
  }
  // Sends everything held back, after a successful commit.
  Status Flush() {
    FlushNotices();
    STRATA_RETURN_IF_ERROR(SendColumns());
    for (const sql::Row& row : rows_) STRATA_RETURN_IF_ERROR(inner_->Row(row));
    rows_.clear();
    if (have_tag_) return inner_->Complete(tag_);
    return Status::OK();
  }

 private:
  Status SendColumns() {
    if (!have_columns_ || columns_sent_) return Status::OK();
    columns_sent_ = true;
    delivered_ = true;
    return inner_->BeginRows(columns_);
  }

  ResultSink* const inner_;
  const bool stream_rows_;
  std::vector<ResultColumn> columns_;
  bool have_columns_ = false;
  bool columns_sent_ = false;
  std::vector<sql::Row> rows_;
  std::string tag_;
  bool have_tag_ = false;
  std::vector<std::pair<std::string, Status>> notices_;
  bool delivered_ = false;
};

// Discards everything (the re-run of an extended-protocol statement at
// Sync, whose results the client has already received).
class DiscardSink final : public ResultSink {
 public:
  Status BeginRows(const std::vector<ResultColumn>&) override { return Status::OK(); }
  Status Row(std::span<const Value>) override { return Status::OK(); }
  Status Complete(std::string_view) override { return Status::OK(); }
  void Notice(std::string_view, const Status&) override {}
  Status BeginCopyIn(int, bool) override { return Status::NotSupported("COPY in a statement re-run"); }
  Result<std::optional<std::string>> ReadCopyData() override { return std::optional<std::string>(); }
  Status BeginCopyOut(int, bool) override { return Status::NotSupported("COPY in a statement re-run"); }
  Status CopyOutData(std::string_view) override { return Status::OK(); }
  Status EndCopyOut() override { return Status::OK(); }
};

}  // namespace

class SqlSession::Impl {
 public:
  Impl(Engine* engine, const SessionInfo& info) : engine_(engine), db_(engine->database()), info_(info) {
    (void)gucs_.Set("application_name", {info.application_name});
    (void)gucs_.Set("session_authorization", {info.user});
    gucs_.TakeChanged();
    session_values_.user = info.user;
    session_values_.database = info.database;
    session_values_.process_id = info.process_id;
    session_values_.application_name = info.application_name;
    session_values_.storage_database = engine->database();
    session_values_.replication_slots = engine->replication_slots();
    session_values_.pools = engine->pools();
    session_values_.server = engine->server_info();
    session_values_.all_settings = [this] { return gucs_.All(); };
    session_values_.get_setting = [this](const std::string& name, bool missing_ok)
        -> Result<std::optional<std::string>> {
      auto v = gucs_.Get(name);
      if (!v.ok()) {
        if (missing_ok) return std::optional<std::string>();
        return v.status();
      }
      return std::optional<std::string>(std::move(v).value());
    };
    session_values_.call_server_function = [this](const std::string& name,
                                                  std::span<const Value> args) {
      return CallServerFunction(
          name, args,
          ServerFunctionContext{db_, engine_->replication_slots(), txn_.get(), info_.process_id});
    };
    session_values_.set_setting = [this](const std::string& name, const std::string& value,
                                         bool is_local) -> Result<std::string> {
      if (is_local) {
        if (!in_block_) return gucs_.Get(name);  // no effect outside a block
        STRATA_ASSIGN_OR_RETURN(std::string canonical, gucs_.CanonicalName(name));
        local_gucs_.insert(canonical);
      }
      SnapshotTxnGucs();
      STRATA_RETURN_IF_ERROR(gucs_.Set(name, {value}));
      return gucs_.Get(name);
    };
  }

  ~Impl() {
    if (txn_) {
      txn_->Rollback();
      ReleaseTxn();
    }
    // Temporary slots created through SQL end with the session.
    if (binlog::SlotManager* slots = engine_->replication_slots()) {
      slots->ReleaseSession(info_.process_id);
    }
  }

  // ---- simple protocol ----

  Status ExecuteSimple(std::string_view text, ResultSink* sink) {
    if (TryCachedPointRead(text, sink)) return cached_status_;
    // The server runs the message in the pool this names.
    statement_pool_ = PoolForSimpleQuery(text);
    auto parsed = parser::Parse(text);
    if (!parsed.ok()) {
      FailTransaction();
      FinishStatementCycle();
      return parsed.status();
    }
    if (parsed->size() == 1 && !in_block_ && !failed_ && !txn_ && RetryableKind((*parsed)[0]->kind)) {
      const bool select = (*parsed)[0]->kind == ast::StmtKind::kSelect;
      current_stmt_ = std::shared_ptr<ast::Statement>(std::move((*parsed)[0]));
      Status s = RunAutocommit(*current_stmt_, sink);
      current_stmt_.reset();
      FinishStatementCycle();
      if (s.ok() && select) RememberPlan(text);
      return s;
    }
    Status result;
    for (auto& parsed_stmt : *parsed) {
      current_stmt_ = std::shared_ptr<ast::Statement>(std::move(parsed_stmt));
      Status s = RunOne(*current_stmt_, {}, sink, /*describe_rows=*/true, nullptr);
      current_stmt_.reset();
      if (!s.ok()) {
        FailTransaction();
        result = std::move(s);
        break;
      }
    }
    if (result.ok() && txn_ && !in_block_) result = CommitImplicit();
    FinishStatementCycle();
    return result;
  }

  // ---- simple-protocol plan cache (sql/plan_cache.h) ----

  // True when `text` is a point read whose plan is cached, outside any
  // transaction: ExecuteSimple will run it without parsing.
  bool IsCachedPointRead(std::string_view text) {
    return IdleWithoutTransaction() && CachedPointRead(text) != nullptr;
  }

  // The cached point-read plan for `text`, or null.
  PreparedStatement* CachedPointRead(std::string_view text) {
    auto forced = gucs_.values().find("strata.pool");
    if (forced != gucs_.values().end() && !forced->second.empty()) return nullptr;
    const LiftedQuery* lifted = Lift(text);
    if (lifted == nullptr) return nullptr;
    auto it = plan_cache_.find(lifted->key);
    if (it == plan_cache_.end() || it->second.prepared == nullptr) return nullptr;
    if (it->second.search_path != SearchPath()) return nullptr;
    return it->second.prepared.get();
  }

  const LiftedQuery* Lift(std::string_view text) {
    if (!lifted_valid_ || lifted_text_ != text) {
      lifted_text_.assign(text);
      lifted_ = LiftLiterals(text);
      lifted_valid_ = true;
    }
    return lifted_ ? &*lifted_ : nullptr;
  }

  std::string_view SearchPath() const {
    auto it = gucs_.values().find("search_path");
    return it == gucs_.values().end() ? std::string_view() : std::string_view(it->second);
  }

  // Runs `text` from its cached plan when there is one and nothing about the
  // session stands in the way; the result is in cached_status_. Returns
  // false when the caller must take the normal path, which also happens
  // after any error here (nothing was sent; the normal path then reports
  // the error exactly as an uncached statement would, positions included).
  bool TryCachedPointRead(std::string_view text, ResultSink* sink) {
    if (in_block_ || failed_ || txn_) return false;
    PreparedStatement* prepared = CachedPointRead(text);
    if (prepared == nullptr) return false;
    std::vector<Value> params;
    params.reserve(lifted_->literals.size());
    eval_.transaction_start_micros = TxnStartMicros();
    SyncEvalSettings();
    for (size_t i = 0; i < lifted_->literals.size(); ++i) {
      auto v = functions::CoerceUnknownLiteral(lifted_->literals[i].text, prepared->param_types[i], eval_);
      if (!v.ok()) return false;
      params.push_back(std::move(v).value());
    }
    statement_pool_ = prepared->pool;
    DeferringSink deferred(sink, /*stream_rows=*/false);
    Status s;
    auto bound = CurrentBinding(prepared);
    s = bound.ok() ? RunOne(*prepared->stmt, params, &deferred, /*describe_rows=*/true, bound->get())
                   : bound.status();
    if (s.ok() && txn_ && !in_block_) s = CommitImplicit();
    if (!s.ok()) {
      FailTransaction();
      FinishStatementCycle();
      return false;
    }
    FinishStatementCycle();
    cached_status_ = deferred.Flush();
    return true;
  }

  // After `text` ran as a single SELECT: caches its literal-lifted form if
  // that plans as a point read (and remembers a miss otherwise, so the
  // shape is not prepared again).
  void RememberPlan(std::string_view text) {
    const LiftedQuery* lifted = Lift(text);
    if (lifted == nullptr || plan_cache_.count(lifted->key) > 0) return;
    if (plan_cache_.size() >= kPlanCacheEntries) plan_cache_.clear();
    CachedPlan entry;
    entry.search_path = std::string(SearchPath());
    auto stmts = parser::Parse(lifted->normalized);
    if (stmts.ok() && stmts->size() == 1 && (*stmts)[0]->kind == ast::StmtKind::kSelect) {
      auto prepared = NewPreparedStatement();
      prepared->text = lifted->normalized;
      for (const Literal& literal : lifted->literals) {
        const uint32_t oid = LiteralTypeOid(literal.kind);
        prepared->param_types.push_back(oid == 0 ? DataType::Of(TypeId::kInvalid) : *DataTypeFromOid(oid));
      }
      prepared->stmt = std::shared_ptr<ast::Statement>(std::move((*stmts)[0]));
      // Planning must not start a transaction the session would then hold.
      const bool had_txn = txn_ != nullptr;
      Status described = Describe(prepared.get());
      if (!had_txn && txn_) RollbackTxn();
      if (described.ok() && prepared->point_read) entry.prepared = std::move(prepared);
    }
    plan_cache_.emplace(lifted->key, std::move(entry));
  }

  // ---- extended protocol ----

  Result<PreparedInfo> Prepare(const std::string& name, std::string_view text,
                               std::span<const uint32_t> param_type_oids) {
    if (!name.empty() && prepared_.count(name) > 0) {
      return Status(SqlState("42P05"), "prepared statement \"" + name + "\" already exists");
    }
    STRATA_ASSIGN_OR_RETURN(auto stmts, parser::Parse(text));
    if (stmts.size() > 1) {
      return Status(SqlState::kSyntaxError, "cannot insert multiple commands into a prepared statement");
    }
    auto prepared = NewPreparedStatement();
    prepared->name = name;
    prepared->text = std::string(text);
    for (uint32_t oid : param_type_oids) {
      if (oid == 0) {
        prepared->param_types.push_back(DataType::Of(TypeId::kInvalid));
      } else {
        auto t = DataTypeFromOid(oid);
        if (!t.ok()) return Status(SqlState::kUndefinedObject, "type with OID " + std::to_string(oid) + " does not exist");
        prepared->param_types.push_back(*t);
      }
    }
    if (!stmts.empty()) prepared->stmt = std::shared_ptr<ast::Statement>(std::move(stmts[0]));
    STRATA_RETURN_IF_ERROR(Describe(prepared.get()));
    if (in_failed_block() && prepared->stmt != nullptr) {
      // PostgreSQL allows Parse in a failed block; execution is refused.
    }
    prepared_[name] = prepared;
    PreparedInfo info;
    info.param_types = prepared->param_types;
    info.columns = prepared->columns;
    info.pool = prepared->pool;
    info.point_read = prepared->point_read;
    info.inline_write = prepared->inline_write;
    return info;
  }

  Status Bind(const std::string& portal_name, const std::string& statement,
              std::span<const int16_t> param_formats, std::span<const std::optional<std::string>> params,
              std::span<const int16_t> result_formats) {
    auto it = prepared_.find(statement);
    if (it == prepared_.end()) {
      return Status(SqlState("26000"), "prepared statement \"" + statement + "\" does not exist");
    }
    if (in_failed_block()) return FailedBlockError();
    const auto& prepared = it->second;
    if (params.size() != prepared->param_types.size()) {
      return Status(SqlState::kProtocolViolation,
                    "bind message supplies " + std::to_string(params.size()) + " parameters, but prepared statement \"" +
                        statement + "\" requires " + std::to_string(prepared->param_types.size()));
    }
    if (param_formats.size() > 1 && param_formats.size() != params.size()) {
      return Status(SqlState::kProtocolViolation,
                    "bind message has " + std::to_string(param_formats.size()) + " parameter formats but " +
                        std::to_string(params.size()) + " parameters");
    }
    if (!portal_name.empty() && portals_.count(portal_name) > 0) {
      return Status(SqlState("42P03"), "cursor \"" + portal_name + "\" already exists");
    }
    auto portal = std::make_unique<Portal>();
    portal->prepared = prepared;
    for (size_t i = 0; i < params.size(); ++i) {
      const int16_t format = param_formats.empty() ? 0 : param_formats.size() == 1 ? param_formats[0] : param_formats[i];
      const DataType& type = prepared->param_types[i];
      if (!params[i]) {
        portal->params.push_back(Value::Null(type.is_array() ? TypeId::kArray : type.id));
        continue;
      }
      if (format == 1) {
        auto v = DecodeBinary(type, *params[i]);
        if (!v.ok()) {
          Status s = v.status();
          if (s.sql_state() == SqlState::kInvalidBinaryRepresentation) {
            return Status(s.sql_state(), "incorrect binary data format in bind parameter " + std::to_string(i + 1));
          }
          return s;
        }
        portal->params.push_back(std::move(v).value());
      } else {
        eval_.transaction_start_micros = TxnStartMicros();
        SyncEvalSettings();
        auto v = functions::CoerceUnknownLiteral(*params[i], type, eval_);
        if (!v.ok()) return v.status();
        portal->params.push_back(std::move(v).value());
      }
    }
    const size_t ncols = prepared->columns.size();
    if (result_formats.size() > 1 && result_formats.size() != ncols) {
      return Status(SqlState::kProtocolViolation,
                    "bind message has " + std::to_string(result_formats.size()) + " result formats but query has " +
                        std::to_string(ncols) + " columns");
    }
    for (size_t i = 0; i < ncols; ++i) {
      portal->result_formats.push_back(result_formats.empty() ? 0 : result_formats.size() == 1 ? result_formats[0] : result_formats[i]);
    }
    portals_[portal_name] = std::move(portal);
    return Status::OK();
  }

  Result<PreparedInfo> DescribeStatement(const std::string& name) {
    auto it = prepared_.find(name);
    if (it == prepared_.end()) {
      return Status(SqlState("26000"), "prepared statement \"" + name + "\" does not exist");
    }
    PreparedInfo info;
    info.param_types = it->second->param_types;
    info.columns = it->second->columns;
    info.pool = it->second->pool;
    info.point_read = it->second->point_read;
    info.inline_write = it->second->inline_write;
    return info;
  }

  Result<PortalDescription> DescribePortal(const std::string& name) {
    auto it = portals_.find(name);
    if (it == portals_.end()) return Status(SqlState("34000"), "portal \"" + name + "\" does not exist");
    const Portal& portal = *it->second;
    return PortalDescription{&portal.prepared->columns, portal.result_formats, portal.prepared->id};
  }

  std::shared_ptr<PreparedStatement> NewPreparedStatement() {
    auto prepared = std::make_shared<PreparedStatement>();
    prepared->id = ++last_prepared_id_;
    return prepared;
  }

  std::span<const int16_t> PortalResultFormats(const std::string& name) {
    auto it = portals_.find(name);
    if (it == portals_.end()) return {};
    return it->second->result_formats;
  }

  Result<bool> Execute(const std::string& name, int64_t max_rows, ResultSink* sink) {
    auto it = portals_.find(name);
    if (it == portals_.end()) return Status(SqlState("34000"), "portal \"" + name + "\" does not exist");
    Portal* portal = it->second.get();
    statement_pool_ = portal->prepared->pool;
    // A DML statement that opens the implicit transaction may be re-run at
    // Sync if the commit conflicts (see RerunAtSync).
    const bool opens_implicit_txn = !in_block_ && !txn_ && !failed_ && !portal->started && !portal->done &&
                                    portal->prepared->stmt != nullptr && IsDml(portal->prepared->stmt->kind);
    if (!in_block_) ++implicit_executes_;
    auto r = ExecutePortal(portal, max_rows, sink);
    if (r.ok() && opens_implicit_txn && portal->done) {
      sync_retry_ = SyncRetry{portal->prepared, portal->params, portal->tag, portal->pending};
    }
    if (!r.ok()) {
      error_since_sync_ = true;
      FailTransaction();
      portal->done = true;
      portal->op.reset();
      portal->ctx.reset();
    }
    cancel_.store(false);
    return r;
  }

  Status CloseStatement(const std::string& name) {
    prepared_.erase(name);
    return Status::OK();
  }
  Status ClosePortal(const std::string& name) {
    portals_.erase(name);
    return Status::OK();
  }

  Status Sync() {
    portals_.erase("");
    Status result;
    if (txn_ && !in_block_) {
      if (error_since_sync_) {
        RollbackTxn();
      } else {
        result = CommitImplicit();
        if (ReRunsAtSync(result)) result = RerunAtSync(*sync_retry_, std::move(result));
      }
    }
    EndSync();
    return result;
  }

  bool BeginAsyncSync(std::function<void(Status)> committed) {
    if (!txn_ || in_block_ || error_since_sync_ || !txn_->CanCommitAsync()) return false;
    portals_.erase("");
    txn_->CommitAsync(CommitOptionsFromGucs(),
                      [committed = std::move(committed)](Result<storage::Lsn> result) {
                        committed(result.ok() ? Status::OK() : result.status());
                      });
    return true;
  }

  Status FinishSync(Status commit, bool rerun_on_conflict) {
    EndImplicitCommit(commit);
    if (rerun_on_conflict && ReRunsAtSync(commit)) commit = RerunAtSync(*sync_retry_, std::move(commit));
    EndSync();
    return commit;
  }

  bool FinishSyncMayBlock(const Status& commit) const { return ReRunsAtSync(commit); }

  bool SyncCommitsChanges() const { return txn_ && !in_block_ && !error_since_sync_ && txn_->HasChanges(); }

  bool TakeRoutesChanged() { return std::exchange(routes_changed_, false); }

  // A conflict at Sync re-runs the implicit transaction's only statement.
  bool ReRunsAtSync(const Status& commit) const {
    return commit.sql_state() == SqlState::kSerializationFailure && sync_retry_ && implicit_executes_ == 1;
  }

  void EndSync() {
    sync_retry_.reset();
    implicit_executes_ = 0;
    error_since_sync_ = false;
    cancel_.store(false);
  }

  bool IdleWithoutTransaction() const { return !txn_ && !in_block_ && !failed_; }

  TxnStatus txn_status() const {
    if (failed_) return TxnStatus::kFailed;
    if (in_block_) return TxnStatus::kInBlock;
    return TxnStatus::kIdle;
  }

  std::string PoolForSimpleQuery(std::string_view text) const {
    auto forced = gucs_.values().find("strata.pool");
    if (forced != gucs_.values().end() && !forced->second.empty()) return forced->second;
    // First keyword, skipping whitespace, comments and parentheses.
    size_t i = 0;
    while (i < text.size()) {
      if (std::isspace(static_cast<unsigned char>(text[i])) != 0 || text[i] == '(') {
        ++i;
      } else if (text.substr(i, 2) == "--") {
        while (i < text.size() && text[i] != '\n') ++i;
      } else if (text.substr(i, 2) == "/*") {
        size_t end = text.find("*/", i + 2);
        i = end == std::string_view::npos ? text.size() : end + 2;
      } else {
        break;
      }
    }
    size_t j = i;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j])) != 0) ++j;
    const std::string word = Lower(text.substr(i, j - i));
    static const std::set<std::string> kWrite = {"insert", "update", "delete", "copy", "create", "drop", "alter",
                                                 "truncate", "call", "upsert", "merge"};
    static const std::set<std::string> kOlap = {"select", "with", "values", "table"};
    if (kWrite.count(word) > 0) return "write";
    if (word == "execute") {
      size_t k = j;
      while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k])) != 0) ++k;
      size_t e = k;
      while (e < text.size() && (std::isalnum(static_cast<unsigned char>(text[e])) != 0 || text[e] == '_')) ++e;
      auto p = prepared_.find(Lower(text.substr(k, e - k)));
      if (p != prepared_.end() && !p->second->pool.empty()) return p->second->pool;
      return "serving";
    }
    if (kOlap.count(word) > 0) {
      // A short statement with a WHERE and no joins or grouping is likely a
      // point lookup: route it to serving.
      const std::string lower = Lower(text);
      if (lower.size() < 256 && lower.find(" where ") != std::string::npos &&
          lower.find(" join ") == std::string::npos && lower.find("group by") == std::string::npos &&
          lower.find(" union ") == std::string::npos && lower.find(',', lower.find(" from ")) == std::string::npos) {
        return "serving";
      }
      return "olap";
    }
    return "serving";
  }

  void Cancel() { cancel_.store(true); }

  std::vector<std::pair<std::string, std::string>> TakeChangedReportedParameters() { return gucs_.TakeChanged(); }
  std::vector<std::pair<std::string, std::string>> ReportedParameters() const { return gucs_.Reported(); }
  const TextFormatOptions& text_format_options() const { return gucs_.text_format_options(); }
  int64_t idle_in_transaction_timeout_ms() const { return gucs_.IdleInTransactionTimeoutMs(); }

  Status SetStartupParameter(std::string_view name, std::string_view value) {
    STRATA_RETURN_IF_ERROR(gucs_.Set(name, {std::string(value)}));
    gucs_.TakeChanged();
    return Status::OK();
  }

 private:
  // ---- transactions ----

  bool in_failed_block() const { return failed_; }

  Status FailedBlockError() const {
    return Status(SqlState::kInFailedSqlTransaction,
                  "current transaction is aborted, commands ignored until end of transaction block");
  }

  int64_t TxnStartMicros() const {
    return txn_start_micros_ != 0 ? txn_start_micros_ : functions::SystemClockMicros();
  }

  // PostgreSQL's ImportSnapshot preconditions: the transaction has not read
  // anything yet (its snapshot would already be taken) and reads at one
  // snapshot throughout.
  Status CheckSnapshotImport(const std::string& what) const {
    if (txn_) {
      return Status(SqlState::kActiveSqlTransaction, what + " must be called before any query");
    }
    const std::string& isolation = gucs_.values().at("transaction_isolation");
    if (isolation != "repeatable read" && isolation != "serializable") {
      return Status(SqlState::kFeatureNotSupported,
                    "a snapshot-importing transaction must have isolation level SERIALIZABLE or REPEATABLE READ");
    }
    return Status::OK();
  }

  // The transaction reads at `view` instead of a snapshot of its own.
  // REQUIRES: CheckSnapshotImport passed.
  void AdoptSnapshot(const storage::ReadView& view) {
    txn_ = db_->BeginTransactionAt(view);
    txn_start_micros_ = functions::SystemClockMicros();
  }

 public:
  Status UseSnapshot(const storage::ReadView& view) {
    const std::string what = "CREATE_REPLICATION_SLOT ... (SNAPSHOT 'use')";
    if (!in_block_) return Status(SqlState::kInternalError, what + " must be called inside a transaction");
    if (gucs_.values().at("transaction_isolation") != "repeatable read") {
      return Status(SqlState::kInternalError,
                    what + " must be called in REPEATABLE READ isolation mode transaction");
    }
    if (txn_) return Status(SqlState::kInternalError, what + " must be called before any query");
    AdoptSnapshot(view);
    return Status::OK();
  }

 private:
  Status EnsureTxn() {
    if (txn_) return Status::OK();
    txn_ = db_->BeginTransaction();
    txn_start_micros_ = functions::SystemClockMicros();
    return Status::OK();
  }

  // An implicit transaction's settings are restored if it fails (a block's
  // are saved at BEGIN). The copy is taken lazily, before the first change
  // of a setting while the transaction is open: most transactions change
  // none, and copying every setting per statement is a serving-path cost.
  void SnapshotTxnGucs() {
    if (txn_ && !in_block_ && !txn_gucs_) txn_gucs_ = gucs_.values();
  }

  void RollbackTxn() {
    if (txn_) {
      txn_->Rollback();
      ReleaseTxn();
    }
    txn_start_micros_ = 0;
  }

  // Destroys the finished transaction. A portal suspended inside it still
  // holds operators that read through it (and whose scans report back to
  // it when closed), so their execution state goes first; such a portal
  // then has nothing more to return.
  void ReleaseTxn() {
    for (auto& [name, portal] : portals_) {
      if (portal->op == nullptr && portal->ctx == nullptr) continue;
      portal->op.reset();
      portal->ctx.reset();
      portal->done = true;
    }
    txn_.reset();
  }

  // After an error: a block becomes failed; an implicit transaction ends.
  void FailTransaction() {
    if (in_block_) {
      failed_ = true;
      RollbackTxn();
      return;
    }
    RollbackTxn();
    if (txn_gucs_) {
      gucs_.Restore(*txn_gucs_);
      txn_gucs_.reset();
    }
    local_gucs_.clear();
  }

  // synchronous_commit = off: the commit is ordered and visible but not
  // synced (it may be lost in a crash, with every later one). Any other
  // value (PostgreSQL's local/remote_* mean "on" on one node) leaves it to
  // the server's storage.sync_commit, which is the GUC's default.
  storage::CommitOptions CommitOptionsFromGucs() const {
    storage::CommitOptions options;
    // values() holds canonical names; GucSet::Get would canonicalize the
    // name first, a per-commit cost on the serving path.
    auto level = gucs_.values().find("synchronous_commit");
    if (level != gucs_.values().end() && level->second == "off") options.sync = false;
    return options;
  }

  Status CommitImplicit() {
    Status s;
    if (txn_) {
      auto r = txn_->Commit(CommitOptionsFromGucs());
      if (!r.ok()) s = r.status();
    }
    EndImplicitCommit(s);
    return s;
  }

  // What follows an implicit transaction's commit, whatever its outcome.
  void EndImplicitCommit(const Status& commit) {
    ReleaseTxn();
    txn_start_micros_ = 0;
    EndTransactionGucs(commit.ok());
  }

  // Runs one statement in its own implicit transaction (simple protocol).
  // Its output is held back until the commit, and a commit conflict (40001)
  // re-runs it on a fresh snapshot as long as nothing has reached the
  // client: what PostgreSQL's READ COMMITTED does when it re-checks a row
  // after waiting for another writer's lock.
  Status RunAutocommit(const ast::Statement& stmt, ResultSink* sink) {
    bool dml = IsDml(stmt.kind);
    if (stmt.kind == ast::StmtKind::kExecute) {
      auto it = prepared_.find(static_cast<const ast::ExecuteStmt&>(stmt).name);
      dml = it != prepared_.end() && it->second->stmt != nullptr && IsDml(it->second->stmt->kind);
    }
    for (int attempt = 1;; ++attempt) {
      // DML rows (RETURNING) are held until the commit; query rows stream.
      DeferringSink deferred(sink, /*stream_rows=*/!dml);
      Status s = RunOne(stmt, {}, &deferred, /*describe_rows=*/true, nullptr);
      if (s.ok() && txn_ && !in_block_) s = CommitImplicit();
      if (s.ok()) return deferred.Flush();
      FailTransaction();
      if (s.sql_state() != SqlState::kSerializationFailure || deferred.delivered() || in_block_ ||
          attempt >= kMaxAutocommitAttempts) {
        deferred.FlushNotices();
        return s;
      }
      STRATA_RETURN_IF_ERROR(BackoffBeforeRetry(attempt));
    }
  }

  // The extended protocol's version of RunAutocommit: the only statement of
  // the implicit transaction has already sent its tag (and RETURNING rows),
  // so the re-run must produce exactly the same; otherwise the conflict
  // stands.
  Status RerunAtSync(const SyncRetry& retry, Status conflict) {
    for (int attempt = 2; attempt <= kMaxAutocommitAttempts; ++attempt) {
      STRATA_RETURN_IF_ERROR(BackoffBeforeRetry(attempt - 1));
      DiscardSink discard;
      BufferSink buffer(&discard);
      Status s = EnsureTxn();
      if (s.ok()) {
        auto bound = CurrentBinding(retry.prepared.get());
        s = bound.ok() ? RunOne(*retry.prepared->stmt, retry.params, &buffer, false, bound->get()) : bound.status();
      }
      if (s.ok() && (buffer.tag != retry.tag || !SameRows(buffer.rows, retry.rows))) {
        FailTransaction();
        return conflict;
      }
      if (s.ok()) s = CommitImplicit();
      if (s.ok()) return s;
      FailTransaction();
      if (s.sql_state() != SqlState::kSerializationFailure) return s;
      conflict = std::move(s);
    }
    return conflict;
  }

  // A short randomized pause before re-running after a conflict, so that
  // the writers that collided do not collide again in lockstep.
  Status BackoffBeforeRetry(int attempt) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    const int max_micros = std::min(250 * attempt, 5000);
    std::uniform_int_distribution<int> pause(max_micros / 4, max_micros);
    std::this_thread::sleep_for(std::chrono::microseconds(pause(rng)));
    if (cancel_.load()) return Status(SqlState::kQueryCanceled, "canceling statement due to user request");
    return Status::OK();
  }

  void EndTransactionGucs(bool committed) {
    if (txn_gucs_) {
      if (!committed) {
        gucs_.Restore(*txn_gucs_);
      } else {
        if (!local_gucs_.empty()) {
          std::map<std::string, std::string> values = gucs_.values();
          for (const std::string& name : local_gucs_) {
            auto it = txn_gucs_->find(name);
            if (it != txn_gucs_->end()) values[name] = it->second;
          }
          gucs_.Restore(values);
        }
      }
    }
    txn_gucs_.reset();
    local_gucs_.clear();
    // The transaction characteristics fall back to the session defaults.
    // (Runs after every statement of a serving workload: no allocations.)
    static const std::string kNames[] = {"transaction_isolation", "default_transaction_isolation",
                                         "transaction_read_only", "default_transaction_read_only"};
    static const std::string kEmpty;
    const auto& current = gucs_.values();
    auto value_of = [&](const std::string& name) -> const std::string& {
      auto it = current.find(name);
      return it == current.end() ? kEmpty : it->second;
    };
    if (value_of(kNames[0]) != value_of(kNames[1]) || value_of(kNames[2]) != value_of(kNames[3])) {
      std::map<std::string, std::string> values = gucs_.values();
      values["transaction_isolation"] = values["default_transaction_isolation"];
      values["transaction_read_only"] = values["default_transaction_read_only"];
      gucs_.Restore(values);
    }
  }

  void FinishStatementCycle() { cancel_.store(false); }

  // ---- statement dispatch ----

  // Copies the settings that evaluation reads (TimeZone, extra_float_digits,
  // DateStyle) into eval_.
  void SyncEvalSettings() {
    eval_.format = gucs_.text_format_options();
    eval_.date_order = gucs_.date_order();
  }

  ExecContext MakeContext(std::span<const Value> params) {
    ExecContext ctx;
    ctx.txn = txn_.get();
    ctx.eval = &eval_;
    ctx.params = params;
    ctx.session = &session_values_;
    ctx.cancel = &cancel_;
    ctx.budget = StatementBudget();
    ctx.statement_memory = executor::MemoryTracker(ctx.budget);
    const int64_t timeout = gucs_.StatementTimeoutMs();
    eval_.statement_start_micros = functions::SystemClockMicros();
    eval_.transaction_start_micros = TxnStartMicros();
    SyncEvalSettings();
    ctx.deadline_micros = timeout > 0 ? eval_.statement_start_micros + timeout * 1000 : 0;
    return ctx;
  }

  // The memory budget of the pool running the current statement (null
  // without pools, e.g. in tests, or for an unknown pool name).
  isolation::MemoryBudget* StatementBudget() const {
    isolation::PoolSet* pools = engine_->pools();
    if (pools == nullptr) return nullptr;
    isolation::ResourcePool* pool = pools->Find(statement_pool_);
    return pool != nullptr ? pool->memory_budget() : nullptr;
  }

  binder::BinderOptions BinderOpts() {
    binder::BinderOptions o;
    o.search_path = gucs_.SearchPath(info_.user);
    if (auto replica = gucs_.Get("strata.read_replica"); replica.ok()) o.read_replica = *replica;
    if (o.search_path.empty()) o.search_path = {"public"};
    o.eval = &eval_;
    SyncEvalSettings();
    session_values_.current_schema = "public";
    if (!txn_ && !catalog_hold_) catalog_hold_ = db_->catalog();
    // Never refreshes the held snapshot: callers may hold references into it.
    const storage::CatalogSnapshot& catalog = txn_ ? txn_->catalog() : *catalog_hold_;
    bool found_current = false;
    session_values_.search_path.clear();
    for (const std::string& schema : o.search_path) {
      if (catalog.FindSchema(schema) != nullptr) {
        if (!found_current) session_values_.current_schema = schema;
        found_current = true;
        session_values_.search_path.push_back(schema);
      }
    }
    return o;
  }

  const storage::CatalogSnapshot& Catalog() {
    if (txn_) return txn_->catalog();
    catalog_hold_ = db_->catalog();
    return *catalog_hold_;
  }

  // Binds a DML/query statement.
  Result<std::shared_ptr<BoundStatement>> BindStatement(const ast::Statement& stmt,
                                                        std::vector<DataType> param_types) {
    auto bound = std::make_shared<BoundStatement>();
    bound->kind = stmt.kind;
    const storage::CatalogSnapshot& catalog = Catalog();
    bound->catalog_version = catalog.has_pending_changes() ? UINT64_MAX : catalog.version();
    binder::Binder binder(&catalog, BinderOpts(), &param_types);
    switch (stmt.kind) {
      case ast::StmtKind::kSelect: {
        STRATA_ASSIGN_OR_RETURN(bound->query, binder.BindQuery(static_cast<const ast::SelectStmt&>(stmt)));
        break;
      }
      case ast::StmtKind::kInsert: {
        STRATA_ASSIGN_OR_RETURN(auto b, binder.BindInsert(static_cast<const ast::InsertStmt&>(stmt)));
        bound->query.columns = b.returning_columns;
        bound->insert = std::move(b);
        break;
      }
      case ast::StmtKind::kUpdate: {
        STRATA_ASSIGN_OR_RETURN(auto b, binder.BindUpdate(static_cast<const ast::UpdateStmt&>(stmt)));
        bound->query.columns = b.returning_columns;
        bound->update = std::move(b);
        break;
      }
      case ast::StmtKind::kDelete: {
        STRATA_ASSIGN_OR_RETURN(auto b, binder.BindDelete(static_cast<const ast::DeleteStmt&>(stmt)));
        bound->query.columns = b.returning_columns;
        bound->del = std::move(b);
        break;
      }
      default:
        return Status::Internal("not a plannable statement");
    }
    bound->param_types = binder.FinishParams();
    return bound;
  }

  static bool Plannable(ast::StmtKind kind) {
    return kind == ast::StmtKind::kSelect || kind == ast::StmtKind::kInsert || kind == ast::StmtKind::kUpdate ||
           kind == ast::StmtKind::kDelete;
  }

  std::string PoolOf(const ast::Statement& stmt, const BoundStatement* bound) const {
    auto forced = gucs_.values().find("strata.pool");
    if (forced != gucs_.values().end() && !forced->second.empty()) return forced->second;
    if (WriteCommandName(stmt.kind) != nullptr) return "write";
    if (stmt.kind == ast::StmtKind::kSelect) {
      if (bound != nullptr) {
        const PlanNode* p = bound->query.plan.get();
        while (p != nullptr && (p->kind == PlanKind::kProject || p->kind == PlanKind::kFilter ||
                                p->kind == PlanKind::kLimit) && !p->children.empty()) {
          p = p->children[0].get();
        }
        if (p != nullptr && (p->kind == PlanKind::kGet || p->kind == PlanKind::kMultiGet || p->kind == PlanKind::kResult)) {
          return "serving";
        }
      }
      return "olap";
    }
    return "serving";
  }

  // Fills the statement's parameter types, result columns and pool.
  Status Describe(PreparedStatement* prepared) {
    if (prepared->stmt == nullptr) return Status::OK();
    const ast::Statement& stmt = *prepared->stmt;
    if (Plannable(stmt.kind)) {
      STRATA_ASSIGN_OR_RETURN(prepared->bound, BindStatement(stmt, prepared->param_types));
      prepared->param_types = prepared->bound->param_types;
      prepared->columns = prepared->bound->query.columns;
    } else if (stmt.kind == ast::StmtKind::kShow) {
      const auto& show = static_cast<const ast::ShowStmt&>(stmt);
      if (show.name == "all") {
        prepared->columns = {ResultColumn{"name", DataType::Of(TypeId::kText)},
                             ResultColumn{"setting", DataType::Of(TypeId::kText)},
                             ResultColumn{"description", DataType::Of(TypeId::kText)}};
      } else {
        auto name = gucs_.CanonicalName(show.name);
        prepared->columns = {ResultColumn{name.ok() ? *name : show.name, DataType::Of(TypeId::kText)}};
      }
    } else if (stmt.kind == ast::StmtKind::kExplain) {
      prepared->columns = {ResultColumn{"QUERY PLAN", DataType::Of(TypeId::kText)}};
    }
    for (auto& t : prepared->param_types) {
      if (t.id == TypeId::kInvalid) t = DataType::Of(TypeId::kText);
    }
    Classify(prepared);
    return Status::OK();
  }

  // The statement's pool and whether the server may run it inline, from its
  // current binding.
  void Classify(PreparedStatement* prepared) const {
    const ast::Statement& stmt = *prepared->stmt;
    prepared->pool = PoolOf(stmt, prepared->bound.get());
    prepared->point_read = stmt.kind == ast::StmtKind::kSelect && prepared->bound != nullptr &&
                           IsPointRead(*prepared->bound->query.plan);
    prepared->inline_write = prepared->pool == "write" && prepared->bound != nullptr &&
                             prepared->bound->insert.has_value() &&
                             IsInlineWrite(*prepared->bound->insert);
  }

  // At most this many VALUES rows for PreparedInfo::inline_write.
  static constexpr size_t kMaxInlineWriteRows = 16;

  // An expression whose evaluation is bounded and cannot wait: no subquery,
  // no volatile function (random(), clock_timestamp(), ...): such a write
  // stays in the write pool, where a future volatile function that waits
  // would wait.
  static bool IsBoundedExpr(const BoundExpr* e) {
    if (e == nullptr) return true;
    switch (e->kind) {
      case BoundExprKind::kSubquery:
      case BoundExprKind::kOuterColumn:
      // Session values and server functions (txid_current, slot functions)
      // may take locks or commit.
      case BoundExprKind::kSqlValue:
        return false;
      case BoundExprKind::kFunction:
        if (e->fn.volatility == functions::Volatility::kVolatile) return false;
        break;
      default:
        break;
    }
    for (const functions::ResolvedFunction& fn : e->fns) {
      if (fn.volatility == functions::Volatility::kVolatile) return false;
    }
    return std::ranges::all_of(e->children, [](const BoundExprPtr& c) { return IsBoundedExpr(c.get()); });
  }

  // See PreparedInfo::inline_write.
  static bool IsInlineWrite(const binder::BoundInsert& insert) {
    if (insert.query != nullptr || insert.values.empty() || insert.values.size() > kMaxInlineWriteRows) {
      return false;
    }
    auto bounded = [](const std::vector<BoundExprPtr>& exprs) {
      return std::ranges::all_of(exprs, [](const BoundExprPtr& e) { return IsBoundedExpr(e.get()); });
    };
    return std::ranges::all_of(insert.values, bounded) && bounded(insert.defaults) &&
           bounded(insert.update_values) && IsBoundedExpr(insert.update_where.get()) &&
           bounded(insert.returning);
  }

  // Cheap, bounded expressions: constants, parameters and casts of them.
  static bool IsCheapKey(const BoundExpr& e) {
    if (e.kind == BoundExprKind::kConst || e.kind == BoundExprKind::kParam) return true;
    return e.kind == BoundExprKind::kCast && e.children.size() == 1 && IsCheapKey(*e.children[0]);
  }

  // A filter of the key comparisons the planner keeps on a Get: ANDs of
  // comparisons and IN lists between columns, constants and parameters.
  static bool IsCheapFilter(const BoundExpr& e) {
    switch (e.kind) {
      case BoundExprKind::kColumn:
        return true;
      case BoundExprKind::kAnd:
      case BoundExprKind::kInList:
        break;
      case BoundExprKind::kFunction: {
        const std::string_view op = e.fn.name;
        if (op != "=" && op != "<" && op != ">" && op != "<=" && op != ">=" && op != "<>") return false;
        break;
      }
      default:
        return IsCheapKey(e);
    }
    for (const auto& c : e.children) {
      if (!IsCheapFilter(*c)) return false;
    }
    return true;
  }

  // A Get/MultiGet of constant or parameter keys filtered only by key
  // comparisons, under at most a projection of plain columns: its work is
  // one RocksDB (Multi)Get and its output at most one row per key, so the
  // server may run it inline on the session's I/O thread.
  static bool IsPointRead(const PlanNode& plan) {
    const PlanNode* p = &plan;
    if (p->kind == PlanKind::kProject) {
      for (const auto& e : p->exprs) {
        if (e->kind != BoundExprKind::kColumn) return false;
      }
      if (p->children.size() != 1) return false;
      p = p->children[0].get();
    }
    if (p->kind != PlanKind::kGet && p->kind != PlanKind::kMultiGet) return false;
    if ((p->filter != nullptr && !IsCheapFilter(*p->filter)) || p->column_replica) return false;
    for (const auto& key : p->keys) {
      for (const auto& e : key) {
        if (!IsCheapKey(*e)) return false;
      }
    }
    return true;
  }

  // A bound statement for executing `prepared` now (re-bound when the
  // catalog changed since it was planned).
  Result<std::shared_ptr<BoundStatement>> CurrentBinding(PreparedStatement* prepared) {
    const storage::CatalogSnapshot& catalog = Catalog();
    const uint64_t version = catalog.has_pending_changes() ? UINT64_MAX : catalog.version();
    if (prepared->bound && prepared->bound->catalog_version == version && version != UINT64_MAX) {
      return prepared->bound;
    }
    STRATA_ASSIGN_OR_RETURN(auto bound, BindStatement(*prepared->stmt, prepared->param_types));
    if (bound->param_types.size() != prepared->param_types.size() ||
        bound->query.columns.size() != prepared->columns.size()) {
      return Status(SqlState::kFeatureNotSupported, "cached plan must not change result type");
    }
    for (size_t i = 0; i < bound->query.columns.size(); ++i) {
      if (!(bound->query.columns[i].type == prepared->columns[i].type)) {
        return Status(SqlState::kFeatureNotSupported, "cached plan must not change result type");
      }
    }
    if (version != UINT64_MAX) {
      // DDL may have changed what the statement does (a column default, a
      // table's binlog): the server's cached routing must follow.
      const bool point_read = prepared->point_read;
      const bool inline_write = prepared->inline_write;
      prepared->bound = bound;
      Classify(prepared);
      if (prepared->point_read != point_read || prepared->inline_write != inline_write) {
        routes_changed_ = true;
      }
    }
    return bound;
  }

  // Runs one statement of a simple-query message (or EXECUTE).
  Status RunOne(const ast::Statement& stmt, std::span<const Value> params, ResultSink* sink, bool describe_rows,
                const BoundStatement* prebound) {
    if (failed_ && !EndsTransaction(stmt)) return FailedBlockError();
    if (cancel_.load()) return Status(SqlState::kQueryCanceled, "canceling statement due to user request");
    if (NeedsTransaction(stmt.kind)) STRATA_RETURN_IF_ERROR(EnsureTxn());
    if (const char* cmd = WriteCommandName(stmt.kind)) {
      if (gucs_.values().at("transaction_read_only") == "on" &&
          !(stmt.kind == ast::StmtKind::kCopy && !static_cast<const ast::CopyStmt&>(stmt).is_from)) {
        return Status(SqlState::kReadOnlySqlTransaction,
                      std::string("cannot execute ") + cmd + " in a read-only transaction");
      }
    }
    switch (stmt.kind) {
      case ast::StmtKind::kSelect:
      case ast::StmtKind::kInsert:
      case ast::StmtKind::kUpdate:
      case ast::StmtKind::kDelete: {
        std::shared_ptr<BoundStatement> bound;
        if (prebound == nullptr) {
          STRATA_ASSIGN_OR_RETURN(bound, BindStatement(stmt, {}));
          if (!bound->param_types.empty()) {
            return Status(SqlState::kUndefinedParameter, "there is no parameter $1");
          }
          prebound = bound.get();
        }
        return RunBound(*prebound, params, sink, describe_rows);
      }
      case ast::StmtKind::kTransaction:
        return RunTransaction(static_cast<const ast::TransactionStmt&>(stmt), sink);
      case ast::StmtKind::kSet:
        return RunSet(static_cast<const ast::SetStmt&>(stmt), sink);
      case ast::StmtKind::kShow:
        return RunShow(static_cast<const ast::ShowStmt&>(stmt), sink, describe_rows);
      case ast::StmtKind::kCreateTable:
        return RunCreateTable(static_cast<const ast::CreateTableStmt&>(stmt), sink);
      case ast::StmtKind::kCreateSchema: {
        const auto& s = static_cast<const ast::CreateSchemaStmt&>(stmt);
        STRATA_ASSIGN_OR_RETURN(bool created, txn_->CreateSchema(s.name, s.if_not_exists));
        if (!created) sink->Notice("NOTICE", Notice("schema \"" + s.name + "\" already exists, skipping", SqlState::kDuplicateSchema));
        return sink->Complete("CREATE SCHEMA");
      }
      case ast::StmtKind::kDrop:
        return RunDrop(static_cast<const ast::DropStmt&>(stmt), sink);
      case ast::StmtKind::kTruncate: {
        const auto& s = static_cast<const ast::TruncateStmt&>(stmt);
        binder::Binder binder(&txn_->catalog(), BinderOpts(), &scratch_params_);
        std::vector<storage::TableName> names;
        for (const auto& t : s.tables) {
          STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, binder.LookupTable(t));
          names.push_back(TableNameOf(*def));
        }
        STRATA_RETURN_IF_ERROR(txn_->TruncateTables(
            names, {.cascade = s.cascade, .restart_identity = s.restart_identity}));
        return sink->Complete("TRUNCATE TABLE");
      }
      case ast::StmtKind::kAlterTable:
        return RunAlterTable(static_cast<const ast::AlterTableStmt&>(stmt), sink);
      case ast::StmtKind::kPrepare:
        return RunPrepare(static_cast<const ast::PrepareStmt&>(stmt), sink);
      case ast::StmtKind::kExecute:
        return RunExecute(static_cast<const ast::ExecuteStmt&>(stmt), sink, describe_rows);
      case ast::StmtKind::kDeallocate: {
        const auto& s = static_cast<const ast::DeallocateStmt&>(stmt);
        if (s.name.empty()) {
          prepared_.clear();
          return sink->Complete("DEALLOCATE ALL");
        }
        if (prepared_.erase(s.name) == 0) {
          return Status(SqlState("26000"), "prepared statement \"" + s.name + "\" does not exist");
        }
        return sink->Complete("DEALLOCATE");
      }
      case ast::StmtKind::kExplain:
        return RunExplain(static_cast<const ast::ExplainStmt&>(stmt), sink, describe_rows);
      case ast::StmtKind::kCopy:
        return RunCopy(static_cast<const ast::CopyStmt&>(stmt), sink);
      case ast::StmtKind::kCall:
        return RunCall(static_cast<const ast::CallStmt&>(stmt), sink);
      case ast::StmtKind::kDiscard: {
        const auto& s = static_cast<const ast::DiscardStmt&>(stmt);
        if (in_block_) {
          return Status(SqlState::kActiveSqlTransaction, "DISCARD ALL cannot run inside a transaction block");
        }
        if (s.target == "all") {
          SnapshotTxnGucs();
          prepared_.clear();
          portals_.clear();
          gucs_.ResetAll();
        }
        std::string tag = "DISCARD " + s.target;
        for (char& c : tag) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return sink->Complete(tag);
      }
      case ast::StmtKind::kPublication: {
        binder::Binder binder(&txn_->catalog(), BinderOpts(), &scratch_params_);
        return ExecutePublication(
            static_cast<const ast::PublicationStmt&>(stmt), db_,
            [&binder](const ast::QualifiedName& name) { return binder.LookupTable(name); }, sink);
      }
      case ast::StmtKind::kVacuum:
        return RunVacuum(static_cast<const ast::VacuumStmt&>(stmt), sink);
      case ast::StmtKind::kCreateStreamingJob:
        return Status(SqlState::kFeatureNotSupported, "CREATE STREAMING JOB is not supported yet")
            .WithPosition(static_cast<const ast::CreateStreamingJobStmt&>(stmt).location);
    }
    return Status::NotSupported("statement not supported");
  }

  storage::TableName TableNameOf(const storage::TableDef& def) {
    const storage::SchemaDef* schema = txn_->catalog().FindSchemaById(def.schema_id);
    return storage::TableName{schema != nullptr ? schema->name : "public", def.name};
  }

  // ---- queries and DML ----

  Status RunBound(const BoundStatement& bound, std::span<const Value> params, ResultSink* sink, bool describe_rows) {
    ExecContext ctx = MakeContext(params);
    const bool returns_rows = bound.kind == ast::StmtKind::kSelect || !bound.query.columns.empty();
    // The row description goes out with the first row (or the tag), so an
    // error found before any row (SELECT 1/0) comes alone, as in PostgreSQL
    // where such errors arise while planning.
    bool described = !(returns_rows && describe_rows);
    auto describe = [&]() -> Status {
      if (described) return Status::OK();
      described = true;
      return sink->BeginRows(bound.query.columns);
    };
    int64_t count = 0;
    auto emit = [&](const Row& row) -> Status {
      STRATA_RETURN_IF_ERROR(describe());
      ++count;
      return sink->Row(row);
    };
    switch (bound.kind) {
      case ast::StmtKind::kSelect: {
        STRATA_ASSIGN_OR_RETURN(auto op, executor::BuildOperator(*bound.query.plan, ctx));
        std::vector<Row> batch;
        while (true) {
          STRATA_RETURN_IF_ERROR(ctx.CheckInterrupts());
          STRATA_ASSIGN_OR_RETURN(bool more, op->Next(&batch));
          for (const Row& r : batch) STRATA_RETURN_IF_ERROR(emit(r));
          if (!more) break;
        }
        STRATA_RETURN_IF_ERROR(describe());
        return sink->Complete("SELECT " + std::to_string(count));
      }
      case ast::StmtKind::kInsert: {
        int64_t n = 0;
        STRATA_RETURN_IF_ERROR(RunInsert(*bound.insert, ctx, &n, emit));
        STRATA_RETURN_IF_ERROR(describe());
        return sink->Complete("INSERT 0 " + std::to_string(n));
      }
      case ast::StmtKind::kUpdate: {
        int64_t n = 0;
        STRATA_RETURN_IF_ERROR(RunUpdate(*bound.update, ctx, &n, emit));
        STRATA_RETURN_IF_ERROR(describe());
        return sink->Complete("UPDATE " + std::to_string(n));
      }
      case ast::StmtKind::kDelete: {
        int64_t n = 0;
        STRATA_RETURN_IF_ERROR(RunDelete(*bound.del, ctx, &n, emit));
        STRATA_RETURN_IF_ERROR(describe());
        return sink->Complete("DELETE " + std::to_string(n));
      }
      default:
        return Status::Internal("bad bound statement");
    }
  }

  Result<const storage::TableDef*> WriteTarget(const binder::TargetTable& t) {
    const storage::TableDef* def = txn_->catalog().FindTableById(t.id);
    if (def == nullptr) return Status(SqlState::kUndefinedTable, "relation \"" + t.name + "\" does not exist");
    if (def->schema_version != t.schema_version) {
      return Status(SqlState::kFeatureNotSupported, "cached plan must not change result type");
    }
    return def;
  }

  static std::vector<Value> KeyOf(const storage::TableDef& def, const Row& row) {
    std::vector<Value> key;
    for (size_t i : def.PrimaryKeyIndexes()) key.push_back(row[i]);
    return key;
  }

  using Emit = std::function<Status(const Row&)>;

  Status EmitReturning(const std::vector<BoundExprPtr>& returning, const Row& row, ExecContext& ctx,
                       const Emit& emit) {
    if (returning.empty()) return Status::OK();
    Row out(returning.size());
    for (size_t i = 0; i < returning.size(); ++i) STRATA_RETURN_IF_ERROR(executor::Eval(*returning[i], row, ctx, &out[i]));
    return emit(out);
  }

  Status RunInsert(const binder::BoundInsert& ins, ExecContext& ctx, int64_t* count, const Emit& emit) {
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, WriteTarget(ins.table));
    const size_t n = def->columns.size();
    std::vector<Row> source;
    if (ins.query) {
      STRATA_ASSIGN_OR_RETURN(source, executor::CollectRows(*ins.query, ctx));
    }
    std::vector<uint32_t> update_ids;
    for (size_t pos : ins.update_columns) update_ids.push_back(def->columns[pos].id);
    std::unordered_set<std::string> touched;  // keys updated by DO UPDATE
    const Row empty;
    const size_t rows = ins.query ? source.size() : ins.values.size();
    for (size_t r = 0; r < rows; ++r) {
      if ((r & 255) == 0) STRATA_RETURN_IF_ERROR(ctx.CheckInterrupts());
      Row row(n);
      std::vector<bool> provided(n, false);
      for (size_t i = 0; i < ins.target_columns.size(); ++i) {
        const size_t pos = ins.target_columns[i];
        provided[pos] = true;
        if (ins.query) {
          row[pos] = std::move(source[r][i]);
        } else if (ins.values[r][i] != nullptr) {
          STRATA_RETURN_IF_ERROR(executor::Eval(*ins.values[r][i], empty, ctx, &row[pos]));
        } else {
          provided[pos] = false;
        }
      }
      for (size_t pos = 0; pos < n; ++pos) {
        if (provided[pos]) continue;
        if (ins.defaults[pos]) {
          STRATA_RETURN_IF_ERROR(executor::Eval(*ins.defaults[pos], empty, ctx, &row[pos]));
        } else {
          row[pos] = Value::Null(def->columns[pos].type.is_array() ? TypeId::kArray : def->columns[pos].type.id);
        }
      }
      storage::RowChange change;
      switch (ins.on_conflict) {
        case ast::OnConflictAction::kNone: {
          STRATA_ASSIGN_OR_RETURN(change, txn_->InsertIfAbsent(*def, std::move(row)));
          break;
        }
        case ast::OnConflictAction::kNothing: {
          STRATA_ASSIGN_OR_RETURN(change, txn_->InsertOrIgnore(*def, std::move(row)));
          break;
        }
        case ast::OnConflictAction::kUpdate: {
          std::vector<Value> key = KeyOf(*def, row);
          std::string key_text;
          for (const Value& v : key) key_text += v.DebugString() + "\x1f";
          if (!touched.insert(key_text).second) {
            return Status(SqlState("21000"), "ON CONFLICT DO UPDATE command cannot affect row a second time")
                .WithHint("Ensure that no rows proposed for insertion within the same command have duplicate "
                          "constrained values.");
          }
          if (ins.excluded_only) {
            STRATA_ASSIGN_OR_RETURN(change, txn_->UpsertColumns(*def, std::move(row), update_ids));
            break;
          }
          STRATA_ASSIGN_OR_RETURN(std::optional<storage::Row> existing, txn_->Get(*def, key));
          if (!existing) {
            STRATA_ASSIGN_OR_RETURN(change, txn_->InsertIfAbsent(*def, std::move(row)));
            break;
          }
          Row combined = std::move(*existing);
          combined.insert(combined.end(), row.begin(), row.end());
          if (ins.update_where) {
            STRATA_ASSIGN_OR_RETURN(bool pass, executor::EvalPredicate(*ins.update_where, combined, ctx));
            if (!pass) continue;
          }
          std::vector<storage::ColumnAssignment> assignments;
          for (size_t i = 0; i < ins.update_columns.size(); ++i) {
            storage::ColumnAssignment a;
            a.column_id = update_ids[i];
            STRATA_RETURN_IF_ERROR(executor::Eval(*ins.update_values[i], combined, ctx, &a.value));
            assignments.push_back(std::move(a));
          }
          STRATA_ASSIGN_OR_RETURN(change, txn_->UpdateColumns(*def, key, assignments));
          break;
        }
      }
      if (!change.changed()) continue;
      ++*count;
      if (change.after) STRATA_RETURN_IF_ERROR(EmitReturning(ins.returning, *change.after, ctx, emit));
    }
    return Status::OK();
  }

  Status RunUpdate(const binder::BoundUpdate& upd, ExecContext& ctx, int64_t* count, const Emit& emit) {
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, WriteTarget(upd.table));
    // Read every target row first: the scan must not see this statement's
    // own writes.
    std::vector<std::pair<Row, std::string>> rows;
    if (def->has_primary_key()) {
      STRATA_ASSIGN_OR_RETURN(auto plain, executor::CollectRows(*upd.scan, ctx));
      for (auto& r : plain) rows.emplace_back(std::move(r), std::string());
    } else {
      STRATA_ASSIGN_OR_RETURN(rows, executor::CollectRowsWithLocators(*upd.scan, ctx));
    }
    for (auto& [old_row, locator] : rows) {
      STRATA_RETURN_IF_ERROR(ctx.CheckInterrupts());
      std::vector<storage::ColumnAssignment> assignments;
      Row new_row = old_row;
      for (size_t i = 0; i < upd.columns.size(); ++i) {
        storage::ColumnAssignment a;
        a.column_id = def->columns[upd.columns[i]].id;
        STRATA_RETURN_IF_ERROR(executor::Eval(*upd.values[i], old_row, ctx, &a.value));
        new_row[upd.columns[i]] = a.value;
        assignments.push_back(std::move(a));
      }
      storage::RowChange change;
      if (!def->has_primary_key()) {
        STRATA_ASSIGN_OR_RETURN(change, txn_->UpdateColumnsAt(*def, locator, assignments));
      } else if (upd.changes_primary_key) {
        STRATA_ASSIGN_OR_RETURN(change, txn_->UpdatePrimaryKey(*def, KeyOf(*def, old_row), std::move(new_row)));
      } else {
        STRATA_ASSIGN_OR_RETURN(change, txn_->UpdateColumns(*def, KeyOf(*def, old_row), assignments));
      }
      if (!change.changed()) continue;
      ++*count;
      if (change.after) STRATA_RETURN_IF_ERROR(EmitReturning(upd.returning, *change.after, ctx, emit));
    }
    return Status::OK();
  }

  Status RunDelete(const binder::BoundDelete& del, ExecContext& ctx, int64_t* count, const Emit& emit) {
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, WriteTarget(del.table));
    std::vector<std::pair<Row, std::string>> rows;
    if (def->has_primary_key()) {
      STRATA_ASSIGN_OR_RETURN(auto plain, executor::CollectRows(*del.scan, ctx));
      for (auto& r : plain) rows.emplace_back(std::move(r), std::string());
    } else {
      STRATA_ASSIGN_OR_RETURN(rows, executor::CollectRowsWithLocators(*del.scan, ctx));
    }
    for (auto& [old_row, locator] : rows) {
      STRATA_RETURN_IF_ERROR(ctx.CheckInterrupts());
      storage::RowChange change;
      if (def->has_primary_key()) {
        STRATA_ASSIGN_OR_RETURN(change, txn_->Delete(*def, KeyOf(*def, old_row)));
      } else {
        STRATA_ASSIGN_OR_RETURN(change, txn_->DeleteAt(*def, locator));
      }
      if (!change.changed()) continue;
      ++*count;
      if (change.before) STRATA_RETURN_IF_ERROR(EmitReturning(del.returning, *change.before, ctx, emit));
    }
    return Status::OK();
  }

  // ---- utility statements ----

  Status RunTransaction(const ast::TransactionStmt& s, ResultSink* sink) {
    switch (s.action) {
      case ast::TransactionKind::kBegin: {
        if (in_block_) {
          sink->Notice("WARNING", Notice("there is already a transaction in progress", SqlState::kActiveSqlTransaction));
          return sink->Complete(s.is_start ? "START TRANSACTION" : "BEGIN");
        }
        in_block_ = true;
        if (!txn_gucs_) txn_gucs_ = gucs_.values();
        STRATA_RETURN_IF_ERROR(ApplyTransactionOptions(s.options));
        return sink->Complete(s.is_start ? "START TRANSACTION" : "BEGIN");
      }
      case ast::TransactionKind::kCommit: {
        if (!in_block_) {
          sink->Notice("WARNING", Notice("there is no transaction in progress", SqlState::kNoActiveSqlTransaction));
          STRATA_RETURN_IF_ERROR(CommitImplicit());
          return sink->Complete("COMMIT");
        }
        const bool was_failed = failed_;
        in_block_ = false;
        failed_ = false;
        if (was_failed) {
          RollbackTxn();
          EndTransactionGucs(false);
          return sink->Complete("ROLLBACK");
        }
        Status st = CommitImplicit();
        if (!st.ok()) return st;
        return sink->Complete("COMMIT");
      }
      case ast::TransactionKind::kRollback: {
        if (!in_block_) {
          sink->Notice("WARNING", Notice("there is no transaction in progress", SqlState::kNoActiveSqlTransaction));
        }
        in_block_ = false;
        failed_ = false;
        RollbackTxn();
        EndTransactionGucs(false);
        return sink->Complete("ROLLBACK");
      }
      case ast::TransactionKind::kSavepoint:
      case ast::TransactionKind::kRelease:
      case ast::TransactionKind::kRollbackTo:
        if (!in_block_) {
          return Status(SqlState::kNoActiveSqlTransaction,
                        std::string(s.action == ast::TransactionKind::kSavepoint ? "SAVEPOINT" :
                                    s.action == ast::TransactionKind::kRelease ? "RELEASE SAVEPOINT" :
                                    "ROLLBACK TO SAVEPOINT") + " can only be used in transaction blocks");
        }
        return Status(SqlState::kFeatureNotSupported, "savepoints are not supported");
      default:
        return Status(SqlState::kFeatureNotSupported, "two-phase commit is not supported");
    }
  }

  Status ApplyTransactionOptions(const std::vector<ast::DefElem>& options) {
    for (const auto& o : options) {
      if (o.name == "transaction_isolation") {
        STRATA_RETURN_IF_ERROR(gucs_.Set("transaction_isolation", {o.value}));
      } else if (o.name == "transaction_read_only") {
        STRATA_RETURN_IF_ERROR(gucs_.Set("transaction_read_only", {o.value == "1" || o.value == "true" ? "on" : "off"}));
      } else if (o.name == "transaction_deferrable") {
        continue;
      }
    }
    return Status::OK();
  }

  Status RunSet(const ast::SetStmt& s, ResultSink* sink) {
    SnapshotTxnGucs();
    switch (s.set_kind) {
      case ast::SetKind::kMulti: {
        if (s.name == "transaction snapshot") {
          if (s.is_local) {
            return Status(SqlState::kSyntaxError, "SET LOCAL TRANSACTION SNAPSHOT is not implemented");
          }
          if (!in_block_) {
            sink->Notice("WARNING", Notice("SET TRANSACTION can only be used in transaction blocks",
                                           SqlState::kNoActiveSqlTransaction));
          }
          const std::string name = s.values.empty() ? std::string() : s.values[0];
          STRATA_RETURN_IF_ERROR(CheckSnapshotImport("SET TRANSACTION SNAPSHOT"));
          std::shared_ptr<const storage::ReadView> view = db_->FindExportedSnapshot(name);
          if (view == nullptr) {
            return Status(SqlState::kInvalidParameterValue, "invalid snapshot identifier: \"" + name + "\"");
          }
          AdoptSnapshot(*view);
          return sink->Complete("SET");
        }
        if (s.name == "transaction" || s.name == "session characteristics") {
          for (const auto& o : s.options) {
            std::string name = o.name;
            if (s.name == "session characteristics") name = "default_" + name;
            if (o.name == "transaction_deferrable") continue;
            std::string value = o.value;
            if (o.name == "transaction_read_only") value = (o.value == "1" || o.value == "true") ? "on" : "off";
            STRATA_RETURN_IF_ERROR(gucs_.Set(name, {value}));
          }
          return sink->Complete("SET");
        }
        return Status(SqlState::kFeatureNotSupported, "SET " + s.name + " is not supported");
      }
      case ast::SetKind::kResetAll:
        gucs_.ResetAll();
        return sink->Complete("RESET");
      case ast::SetKind::kReset:
      case ast::SetKind::kDefault:
        STRATA_RETURN_IF_ERROR(gucs_.Reset(s.name));
        return sink->Complete(s.set_kind == ast::SetKind::kReset ? "RESET" : "SET");
      case ast::SetKind::kCurrent:
        return Status(SqlState::kFeatureNotSupported, "SET FROM CURRENT is not supported");
      case ast::SetKind::kValue:
        break;
    }
    if (s.name == "transaction_isolation" || s.name == "transaction_read_only") {
      if (txn_ && txn_->has_writes()) {
        return Status(SqlState::kActiveSqlTransaction,
                      "SET TRANSACTION ISOLATION LEVEL must be called before any query");
      }
    }
    if (s.is_local) {
      if (!in_block_) {
        sink->Notice("WARNING", Notice("SET LOCAL can only be used in transaction blocks", SqlState::kNoActiveSqlTransaction));
        return sink->Complete("SET");
      }
      STRATA_ASSIGN_OR_RETURN(std::string canonical, gucs_.CanonicalName(s.name));
      local_gucs_.insert(canonical);
    }
    STRATA_RETURN_IF_ERROR(gucs_.Set(s.name, s.values));
    if (Lower(s.name) == "search_path") BinderOpts();
    return sink->Complete("SET");
  }

  Status RunShow(const ast::ShowStmt& s, ResultSink* sink, bool describe_rows) {
    if (s.name == "all") {
      if (describe_rows) {
        STRATA_RETURN_IF_ERROR(sink->BeginRows({ResultColumn{"name", DataType::Of(TypeId::kText)},
                                                ResultColumn{"setting", DataType::Of(TypeId::kText)},
                                                ResultColumn{"description", DataType::Of(TypeId::kText)}}));
      }
      for (const auto& [k, v] : gucs_.All()) {
        Row row{Value::Text(k), Value::Text(v), Value::Text("")};
        STRATA_RETURN_IF_ERROR(sink->Row(row));
      }
      return sink->Complete("SHOW");
    }
    STRATA_ASSIGN_OR_RETURN(std::string value, gucs_.Get(s.name));
    STRATA_ASSIGN_OR_RETURN(std::string canonical, gucs_.CanonicalName(s.name));
    if (describe_rows) STRATA_RETURN_IF_ERROR(sink->BeginRows({ResultColumn{canonical, DataType::Of(TypeId::kText)}}));
    Row row{Value::Text(value)};
    STRATA_RETURN_IF_ERROR(sink->Row(row));
    return sink->Complete("SHOW");
  }

  Result<DataType> ColumnType(const ast::TypeName& t) {
    auto r = LookupType(t.name, t.modifiers, t.is_array);
    if (!r.ok()) return r.status().position() == 0 ? r.status().WithPosition(t.location) : r.status();
    return r;
  }

  // Validates a DEFAULT expression and returns its catalog text.
  Result<std::string> DefaultText(const ast::ColumnDef& c, const DataType& type) {
    if (!c.default_value) return std::string();
    std::string text = ast::ToSql(*c.default_value);
    auto bound = binder::BindColumnDefault(&txn_->catalog(), BinderOpts(), text, type, c.name);
    if (!bound.ok()) {
      Status s = bound.status();
      if (s.sql_state() == SqlState::kUndefinedColumn) {
        return Status(SqlState::kFeatureNotSupported, "cannot use column reference in DEFAULT expression")
            .WithPosition(c.default_value->location);
      }
      return std::move(s).WithPosition(0).WithPosition(c.default_value->location);
    }
    return text;
  }

  Status RunCreateTable(const ast::CreateTableStmt& s, ResultSink* sink) {
    storage::CreateTableRequest req;
    req.name = storage::TableName{s.table.schema.empty() ? CreationSchema() : s.table.schema, s.table.name};
    req.if_not_exists = s.if_not_exists;
    req.primary_key = s.primary_key;
    if (req.primary_key.size() > storage::kMaxPrimaryKeyColumns) {
      return Status(SqlState("54011"), "cannot use more than " + std::to_string(storage::kMaxPrimaryKeyColumns) +
                                           " columns in an index")
          .WithPosition(s.primary_key_location);
    }
    bool column_pk = false;
    for (const auto& c : s.columns) column_pk = column_pk || c.primary_key;
    if (column_pk) req.primary_key.clear();
    for (const auto& c : s.columns) {
      storage::NewColumn col;
      col.name = c.name;
      STRATA_ASSIGN_OR_RETURN(col.type, ColumnType(c.type));
      col.not_null = c.not_null;
      col.primary_key = c.primary_key;
      STRATA_ASSIGN_OR_RETURN(col.default_sql, DefaultText(c, col.type));
      req.columns.push_back(std::move(col));
    }
    for (const auto& o : s.options) req.properties.emplace_back(o.name, o.value);
    auto r = txn_->CreateTable(req);
    if (!r.ok()) {
      Status st = r.status();
      if (st.position() == 0 && st.sql_state() == SqlState::kDuplicateTable) st = std::move(st).WithPosition(0);
      return st;
    }
    if (r->skipped) {
      sink->Notice("NOTICE", Notice("relation \"" + s.table.name + "\" already exists, skipping", SqlState::kDuplicateTable));
    }
    return sink->Complete("CREATE TABLE");
  }

  std::string CreationSchema() {
    for (const std::string& schema : gucs_.SearchPath(info_.user)) {
      const storage::SchemaDef* def = txn_->catalog().FindSchema(schema);
      if (def != nullptr && !def->is_system) return schema;
    }
    return "public";
  }

  Status RunDrop(const ast::DropStmt& s, ResultSink* sink) {
    switch (s.object) {
      case ast::ObjectKind::kTable: {
        for (const auto& n : s.names) {
          if (!n.schema.empty() && txn_->catalog().FindSchema(n.schema) == nullptr) {
            if (s.if_exists) {
              sink->Notice("NOTICE", Notice("schema \"" + n.schema + "\" does not exist, skipping"));
              continue;
            }
            return Status(SqlState("3F000"), "schema \"" + n.schema + "\" does not exist");
          }
          storage::TableName name{n.schema, n.name};
          if (n.schema.empty()) {
            name.schema = "public";
            for (const std::string& schema : gucs_.SearchPath(info_.user)) {
              if (txn_->catalog().FindTable(schema, n.name) != nullptr) {
                name.schema = schema;
                break;
              }
            }
          }
          if (txn_->catalog().FindTable(name.schema, name.name) == nullptr) {
            if (s.if_exists) {
              sink->Notice("NOTICE", Notice("table \"" + n.name + "\" does not exist, skipping"));
              continue;
            }
            return Status(SqlState::kUndefinedTable, "table \"" + n.name + "\" does not exist");
          }
          STRATA_ASSIGN_OR_RETURN(bool dropped, txn_->DropTable(name, s.if_exists));
          (void)dropped;
        }
        return sink->Complete("DROP TABLE");
      }
      case ast::ObjectKind::kSchema: {
        for (const auto& n : s.names) {
          STRATA_ASSIGN_OR_RETURN(bool dropped, txn_->DropSchema(n.name, s.if_exists,
                                                                 s.cascade ? storage::DropBehavior::kCascade
                                                                           : storage::DropBehavior::kRestrict));
          if (!dropped) sink->Notice("NOTICE", Notice("schema \"" + n.name + "\" does not exist, skipping"));
        }
        return sink->Complete("DROP SCHEMA");
      }
      default:
        return Status(SqlState::kFeatureNotSupported, "only DROP TABLE and DROP SCHEMA are supported");
    }
  }

  Status RunAlterTable(const ast::AlterTableStmt& s, ResultSink* sink) {
    binder::Binder binder(&txn_->catalog(), BinderOpts(), &scratch_params_);
    auto table = binder.LookupTable(s.table);
    if (!table.ok()) {
      if (s.if_exists && table.status().sql_state() == SqlState::kUndefinedTable) {
        sink->Notice("NOTICE", Notice("relation \"" + s.table.name + "\" does not exist, skipping"));
        return sink->Complete("ALTER TABLE");
      }
      return table.status();
    }
    const storage::TableName name = TableNameOf(**table);
    for (const auto& cmd : s.cmds) {
      switch (cmd.action) {
        case ast::AlterTableAction::kAddColumn: {
          storage::NewColumn col;
          col.name = cmd.column.name;
          STRATA_ASSIGN_OR_RETURN(col.type, ColumnType(cmd.column.type));
          col.not_null = cmd.column.not_null;
          col.primary_key = cmd.column.primary_key;
          STRATA_ASSIGN_OR_RETURN(col.default_sql, DefaultText(cmd.column, col.type));
          Value missing = Value::Null(col.type.is_array() ? TypeId::kArray : col.type.id);
          if (!col.default_sql.empty()) {
            STRATA_ASSIGN_OR_RETURN(BoundExprPtr d, binder::BindColumnDefault(&txn_->catalog(), BinderOpts(),
                                                                              col.default_sql, col.type, col.name));
            if (!planner::IsRowIndependent(*d) || d->kind == BoundExprKind::kFunction) {
              // Volatile or stable defaults would need a table rewrite.
              if (d->kind != BoundExprKind::kConst) {
                return Status(SqlState::kFeatureNotSupported,
                              "ADD COLUMN with a non-constant DEFAULT is not supported");
              }
            }
            ExecContext ctx = MakeContext({});
            STRATA_RETURN_IF_ERROR(executor::Eval(*d, Row(), ctx, &missing));
          }
          STRATA_ASSIGN_OR_RETURN(bool added, txn_->AddColumn(name, col, missing, cmd.if_not_exists));
          if (!added) {
            sink->Notice("NOTICE", Notice("column \"" + col.name + "\" of relation \"" + s.table.name +
                                              "\" already exists, skipping",
                                          SqlState::kDuplicateColumn));
          }
          break;
        }
        case ast::AlterTableAction::kDropColumn: {
          STRATA_ASSIGN_OR_RETURN(bool dropped, txn_->DropColumn(name, cmd.name, cmd.if_exists));
          if (!dropped) {
            sink->Notice("NOTICE", Notice("column \"" + cmd.name + "\" of relation \"" + s.table.name +
                                              "\" does not exist, skipping"));
          }
          break;
        }
        case ast::AlterTableAction::kRenameColumn:
          STRATA_RETURN_IF_ERROR(txn_->RenameColumn(name, cmd.name, cmd.new_name));
          break;
        case ast::AlterTableAction::kRenameTable:
          STRATA_RETURN_IF_ERROR(txn_->RenameTable(name, cmd.new_name));
          break;
        case ast::AlterTableAction::kSetOptions: {
          std::vector<std::pair<std::string, std::string>> props;
          for (const auto& o : cmd.options) props.emplace_back(o.name, o.value);
          STRATA_RETURN_IF_ERROR(txn_->SetTableProperties(name, props));
          break;
        }
        default:
          return Status(SqlState::kFeatureNotSupported, "this ALTER TABLE action is not supported");
      }
    }
    return sink->Complete("ALTER TABLE");
  }

  // VACUUM brings a column replica to its compact form: the delta flushed
  // into segments, small segments merged and segments with many deleted
  // rows rewritten (the background does the same, lazily). ANALYZE has no
  // statistics to gather. Like PostgreSQL, not inside a transaction block.
  Status RunVacuum(const ast::VacuumStmt& s, ResultSink* sink) {
    const char* tag = s.analyze_only ? "ANALYZE" : "VACUUM";
    if (in_block_) {
      return Status(SqlState::kActiveSqlTransaction,
                    std::string(tag) + " cannot run inside a transaction block");
    }
    std::vector<uint32_t> ids;
    {
      const storage::CatalogSnapshot& catalog = Catalog();
      binder::Binder binder(&catalog, BinderOpts(), &scratch_params_);
      if (s.tables.empty()) {
        for (const storage::TableDef* t : catalog.tables()) ids.push_back(t->id);
      }
      for (const auto& t : s.tables) {
        STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, binder.LookupTable(t));
        ids.push_back(def->id);
      }
    }
    if (!s.analyze_only) {
      for (const uint32_t id : ids) STRATA_RETURN_IF_ERROR(db_->VacuumTable(id));
    }
    return sink->Complete(tag);
  }

  Status RunCall(const ast::CallStmt& s, ResultSink* sink) {
    const ast::Expr& call = *s.call;
    const std::string fname = call.names.empty() ? "" : call.names.back();
    if (fname != "set_table_property") {
      return Status(SqlState::kUndefinedFunction, "procedure " + fname + " does not exist").WithPosition(call.location);
    }
    if (call.args.size() != 3) {
      return Status(SqlState::kUndefinedFunction, "procedure set_table_property with " +
                                                      std::to_string(call.args.size()) + " arguments does not exist")
          .WithPosition(call.location);
    }
    std::vector<std::string> args;
    binder::Binder binder(&txn_->catalog(), BinderOpts(), &scratch_params_);
    ExecContext ctx = MakeContext({});
    for (const auto& a : call.args) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr e, binder.BindConstantExpr(*a, DataType::Of(TypeId::kText)));
      Value v;
      STRATA_RETURN_IF_ERROR(executor::Eval(*e, Row(), ctx, &v));
      if (v.is_null()) return Status(SqlState::kInvalidParameterValue, "set_table_property arguments must not be NULL");
      args.emplace_back(v.string_value());
    }
    // 't' or 'schema.t' (identifiers may be double-quoted).
    ast::QualifiedName qn;
    std::string table = args[0];
    auto unquote = [](std::string part) {
      if (part.size() >= 2 && part.front() == '"' && part.back() == '"') return part.substr(1, part.size() - 2);
      return Lower(part);
    };
    const size_t dot = table.find('.');
    if (dot != std::string::npos && table.front() != '"') {
      qn.schema = unquote(table.substr(0, dot));
      qn.name = unquote(table.substr(dot + 1));
    } else {
      qn.name = unquote(table);
    }
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, binder.LookupTable(qn));
    std::vector<std::pair<std::string, std::string>> props{{args[1], args[2]}};
    STRATA_RETURN_IF_ERROR(txn_->SetTableProperties(TableNameOf(*def), props));
    return sink->Complete("CALL");
  }

  Status RunPrepare(const ast::PrepareStmt& s, ResultSink* sink) {
    if (prepared_.count(s.name) > 0) {
      return Status(SqlState("42P05"), "prepared statement \"" + s.name + "\" already exists");
    }
    auto prepared = NewPreparedStatement();
    prepared->name = s.name;
    prepared->text = s.text;
    for (const auto& t : s.param_types) {
      STRATA_ASSIGN_OR_RETURN(DataType type, ColumnType(t));
      prepared->param_types.push_back(type);
    }
    // The inner statement lives inside the PREPARE's tree, which the
    // aliasing pointer keeps alive.
    if (current_stmt_ == nullptr || current_stmt_.get() != &s) {
      return Status(SqlState::kFeatureNotSupported, "PREPARE is not supported here");
    }
    prepared->stmt = std::shared_ptr<ast::Statement>(current_stmt_, s.query.get());
    STRATA_RETURN_IF_ERROR(Describe(prepared.get()));
    prepared_[s.name] = prepared;
    return sink->Complete("PREPARE");
  }

  Status RunExecute(const ast::ExecuteStmt& s, ResultSink* sink, bool describe_rows) {
    auto it = prepared_.find(s.name);
    if (it == prepared_.end()) {
      return Status(SqlState("26000"), "prepared statement \"" + s.name + "\" does not exist");
    }
    auto prepared = it->second;
    if (s.params.size() != prepared->param_types.size()) {
      return Status(SqlState::kSyntaxError, "wrong number of parameters for prepared statement \"" + s.name + "\"")
          .WithDetail("Expected " + std::to_string(prepared->param_types.size()) + " parameters but got " +
                      std::to_string(s.params.size()) + ".");
    }
    std::vector<Value> params;
    {
      binder::Binder binder(&Catalog(), BinderOpts(), &scratch_params_);
      ExecContext ctx = MakeContext({});
      for (size_t i = 0; i < s.params.size(); ++i) {
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr e, binder.BindConstantExpr(*s.params[i], prepared->param_types[i]));
        Value v;
        STRATA_RETURN_IF_ERROR(executor::Eval(*e, Row(), ctx, &v));
        params.push_back(std::move(v));
      }
    }
    if (prepared->stmt == nullptr) return sink->Complete("");
    if (Plannable(prepared->stmt->kind)) {
      STRATA_ASSIGN_OR_RETURN(auto bound, CurrentBinding(prepared.get()));
      return RunOne(*prepared->stmt, params, sink, describe_rows, bound.get());
    }
    return RunOne(*prepared->stmt, params, sink, describe_rows, nullptr);
  }

  Status RunExplain(const ast::ExplainStmt& s, ResultSink* sink, bool describe_rows) {
    for (const auto& o : s.options) {
      if (o.name == "analyze" && (!o.has_value || o.value == "true" || o.value == "on" || o.value == "1")) {
        return Status(SqlState::kFeatureNotSupported, "EXPLAIN ANALYZE is not supported");
      }
    }
    const ast::Statement* target = s.query.get();
    std::shared_ptr<BoundStatement> bound;
    if (target->kind == ast::StmtKind::kExecute) {
      auto it = prepared_.find(static_cast<const ast::ExecuteStmt&>(*target).name);
      if (it == prepared_.end()) return Status(SqlState("26000"), "prepared statement does not exist");
      STRATA_ASSIGN_OR_RETURN(bound, CurrentBinding(it->second.get()));
    } else if (Plannable(target->kind)) {
      std::vector<DataType> params;
      STRATA_ASSIGN_OR_RETURN(bound, BindStatement(*target, params));
    } else {
      return Status(SqlState::kFeatureNotSupported, "EXPLAIN of this statement is not supported");
    }
    std::vector<std::string> lines;
    switch (bound->kind) {
      case ast::StmtKind::kSelect:
        lines = ExplainPlan(*bound->query.plan);
        break;
      case ast::StmtKind::kInsert: {
        const auto& ins = *bound->insert;
        std::string l = "Insert on " + ins.table.name;
        if (ins.on_conflict == ast::OnConflictAction::kNothing) l += " (ON CONFLICT DO NOTHING)";
        if (ins.on_conflict == ast::OnConflictAction::kUpdate) {
          l += ins.excluded_only ? " (ON CONFLICT DO UPDATE: partial upsert of " + std::to_string(ins.update_columns.size()) + " columns)"
                                 : " (ON CONFLICT DO UPDATE: read-modify-write of " + std::to_string(ins.update_columns.size()) + " columns)";
        }
        lines.push_back(l);
        if (ins.query) {
          for (auto& x : ExplainPlan(*ins.query)) lines.push_back("  " + x);
        } else {
          lines.push_back("  ->  Values (" + std::to_string(ins.values.size()) + " rows)");
        }
        break;
      }
      case ast::StmtKind::kUpdate:
        lines.push_back("Update on " + bound->update->table.name + " (" + std::to_string(bound->update->columns.size()) + " columns)");
        for (auto& x : ExplainPlan(*bound->update->scan)) lines.push_back("  ->  " + x);
        break;
      case ast::StmtKind::kDelete:
        lines.push_back("Delete on " + bound->del->table.name);
        for (auto& x : ExplainPlan(*bound->del->scan)) lines.push_back("  ->  " + x);
        break;
      default:
        break;
    }
    if (describe_rows) STRATA_RETURN_IF_ERROR(sink->BeginRows({ResultColumn{"QUERY PLAN", DataType::Of(TypeId::kText)}}));
    for (auto& l : lines) {
      Row row{Value::Text(l)};
      STRATA_RETURN_IF_ERROR(sink->Row(row));
    }
    return sink->Complete("EXPLAIN");
  }

  Status RunCopy(const ast::CopyStmt& s, ResultSink* sink) {
    CopyContext c;
    c.txn = txn_.get();
    c.catalog = &txn_->catalog();
    c.binder_options = BinderOpts();
    c.exec = MakeContext({});
    c.sink = sink;
    return ExecuteCopy(s, c);
  }

  // ---- portals ----

  Result<bool> ExecutePortal(Portal* portal, int64_t max_rows, ResultSink* sink) {
    if (in_failed_block()) return FailedBlockError();
    if (cancel_.load()) return Status(SqlState::kQueryCanceled, "canceling statement due to user request");
    PreparedStatement* prepared = portal->prepared.get();
    if (prepared->stmt == nullptr) {
      STRATA_RETURN_IF_ERROR(sink->Complete(""));
      return false;
    }
    const ast::Statement& stmt = *prepared->stmt;
    if (portal->done) {
      // Re-executing a completed portal returns nothing more.
      STRATA_RETURN_IF_ERROR(sink->Complete(portal->tag.empty() ? "SELECT 0" : portal->tag));
      return false;
    }
    if (!Plannable(stmt.kind) && stmt.kind != ast::StmtKind::kShow && stmt.kind != ast::StmtKind::kExplain) {
      // Utility statements run at once.
      STRATA_RETURN_IF_ERROR(RunOne(stmt, portal->params, sink, false, nullptr));
      portal->done = true;
      return false;
    }
    if (!portal->started) {
      portal->started = true;
      if (NeedsTransaction(stmt.kind)) STRATA_RETURN_IF_ERROR(EnsureTxn());
      if (stmt.kind == ast::StmtKind::kSelect) {
        STRATA_ASSIGN_OR_RETURN(portal->bound, CurrentBinding(prepared));
        portal->ctx = std::make_unique<ExecContext>(MakeContext(portal->params));
        const PlanNode& plan = *portal->bound->query.plan;
        if (max_rows <= 0 && sink->AcceptsStoredRows() && executor::IsStoredRowPlan(plan)) {
          // The serving fast path: rows go from the row replica's bytes
          // straight to the sink.
          STRATA_ASSIGN_OR_RETURN(
              portal->rows,
              executor::RunStoredRowPlan(plan, *portal->ctx, [sink](const StoredRow& row) { return sink->StoredRow(row); }));
          portal->source_done = true;
          portal->done = true;
          portal->tag = "SELECT " + std::to_string(portal->rows);
          portal->ctx.reset();
          STRATA_RETURN_IF_ERROR(sink->Complete(portal->tag));
          return false;
        }
        STRATA_ASSIGN_OR_RETURN(portal->op, executor::BuildOperator(plan, *portal->ctx));
      } else {
        // DML / SHOW / EXPLAIN: run to completion, buffering rows.
        BufferSink buffer(sink);
        if (Plannable(stmt.kind)) {
          STRATA_ASSIGN_OR_RETURN(portal->bound, CurrentBinding(prepared));
          STRATA_RETURN_IF_ERROR(RunOne(stmt, portal->params, &buffer, false, portal->bound.get()));
        } else {
          STRATA_RETURN_IF_ERROR(RunOne(stmt, portal->params, &buffer, false, nullptr));
        }
        portal->pending = std::move(buffer.rows);
        portal->tag = buffer.tag;
        portal->source_done = true;
      }
    }
    int64_t sent = 0;
    while (max_rows <= 0 || sent < max_rows) {
      if (portal->pending_pos >= portal->pending.size()) {
        if (portal->source_done) break;
        STRATA_RETURN_IF_ERROR(portal->ctx->CheckInterrupts());
        portal->pending.clear();
        portal->pending_pos = 0;
        STRATA_ASSIGN_OR_RETURN(bool more, portal->op->Next(&portal->pending));
        if (!more) portal->source_done = true;
        continue;
      }
      STRATA_RETURN_IF_ERROR(sink->Row(portal->pending[portal->pending_pos++]));
      ++sent;
      ++portal->rows;
    }
    const bool exhausted = portal->pending_pos >= portal->pending.size() && portal->source_done;
    if (!exhausted) {
      // Check whether more rows exist before reporting suspension.
      return true;
    }
    portal->done = true;
    if (portal->tag.empty()) portal->tag = "SELECT " + std::to_string(portal->rows);
    portal->op.reset();
    portal->ctx.reset();
    STRATA_RETURN_IF_ERROR(sink->Complete(portal->tag));
    return false;
  }

  // Captures rows and the tag of a statement run inside a portal.
  class BufferSink final : public ResultSink {
   public:
    explicit BufferSink(ResultSink* inner) : inner_(inner) {}
    Status BeginRows(const std::vector<ResultColumn>&) override { return Status::OK(); }
    Status Row(std::span<const Value> values) override {
      rows.emplace_back(values.begin(), values.end());
      return Status::OK();
    }
    Status Complete(std::string_view t) override {
      tag = std::string(t);
      return Status::OK();
    }
    void Notice(std::string_view severity, const Status& notice) override { inner_->Notice(severity, notice); }
    Status BeginCopyIn(int column_count, bool binary) override { return inner_->BeginCopyIn(column_count, binary); }
    Result<std::optional<std::string>> ReadCopyData() override { return inner_->ReadCopyData(); }
    Status BeginCopyOut(int column_count, bool binary) override { return inner_->BeginCopyOut(column_count, binary); }
    Status CopyOutData(std::string_view data) override { return inner_->CopyOutData(data); }
    Status EndCopyOut() override { return inner_->EndCopyOut(); }

    std::vector<sql::Row> rows;
    std::string tag;

   private:
    ResultSink* inner_;
  };

  Engine* engine_;
  storage::Database* db_;
  SessionInfo info_;
  GucSet gucs_;
  std::optional<std::map<std::string, std::string>> txn_gucs_;
  std::set<std::string> local_gucs_;
  std::unique_ptr<storage::DatabaseTransaction> txn_;
  int64_t txn_start_micros_ = 0;
  bool in_block_ = false;
  bool failed_ = false;
  bool error_since_sync_ = false;
  // Execute calls outside a block since the last Sync, and the DML
  // statement that opened the implicit transaction, for RerunAtSync.
  int implicit_executes_ = 0;
  std::optional<SyncRetry> sync_retry_;
  // A prepared statement's routing flags changed on a re-bind (see
  // SqlSession::TakeRoutesChanged).
  bool routes_changed_ = false;
  // The pool the server runs the current statement in (whose memory
  // budget the statement's operators charge).
  std::string statement_pool_;
  std::atomic<bool> cancel_{false};
  functions::EvalContext eval_;
  executor::SessionValues session_values_;
  storage::CatalogSnapshotPtr catalog_hold_;
  std::vector<DataType> scratch_params_;
  std::map<std::string, std::shared_ptr<PreparedStatement>> prepared_;
  uint64_t last_prepared_id_ = 0;
  std::map<std::string, std::unique_ptr<Portal>> portals_;
  // The simple-query statement being run (PREPARE keeps parts of it).
  std::shared_ptr<ast::Statement> current_stmt_;
  // Simple-protocol plan cache: lifted key → prepared point read (null: the
  // shape is not a point read). Cleared when it reaches kPlanCacheEntries.
  struct CachedPlan {
    std::shared_ptr<PreparedStatement> prepared;
    std::string search_path;  // table names resolved under this path
  };
  static constexpr size_t kPlanCacheEntries = 512;
  std::unordered_map<std::string, CachedPlan> plan_cache_;
  // The last text lifted (the server asks IsCachedPointRead, then runs it).
  std::string lifted_text_;
  std::optional<LiftedQuery> lifted_;
  bool lifted_valid_ = false;
  Status cached_status_;
};

// ---- SqlSession ----

SqlSession::SqlSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqlSession::~SqlSession() = default;

Status SqlSession::ExecuteSimple(std::string_view text, ResultSink* sink) { return impl_->ExecuteSimple(text, sink); }
Result<PreparedInfo> SqlSession::Prepare(const std::string& name, std::string_view text,
                                         std::span<const uint32_t> param_type_oids) {
  return impl_->Prepare(name, text, param_type_oids);
}
Status SqlSession::Bind(const std::string& portal, const std::string& statement,
                        std::span<const int16_t> param_formats, std::span<const std::optional<std::string>> params,
                        std::span<const int16_t> result_formats) {
  return impl_->Bind(portal, statement, param_formats, params, result_formats);
}
Result<PreparedInfo> SqlSession::DescribeStatement(const std::string& name) { return impl_->DescribeStatement(name); }
Result<PortalDescription> SqlSession::DescribePortal(const std::string& name) {
  return impl_->DescribePortal(name);
}
std::span<const int16_t> SqlSession::PortalResultFormats(const std::string& portal) {
  return impl_->PortalResultFormats(portal);
}
Result<bool> SqlSession::Execute(const std::string& portal, int64_t max_rows, ResultSink* sink) {
  return impl_->Execute(portal, max_rows, sink);
}
Status SqlSession::CloseStatement(const std::string& name) { return impl_->CloseStatement(name); }
Status SqlSession::ClosePortal(const std::string& name) { return impl_->ClosePortal(name); }
Status SqlSession::Sync() { return impl_->Sync(); }
bool SqlSession::BeginAsyncSync(std::function<void(Status)> committed) {
  return impl_->BeginAsyncSync(std::move(committed));
}
Status SqlSession::FinishSync(Status commit, bool rerun_on_conflict) {
  return impl_->FinishSync(std::move(commit), rerun_on_conflict);
}
bool SqlSession::TakeRoutesChanged() { return impl_->TakeRoutesChanged(); }
bool SqlSession::SyncCommitsChanges() const { return impl_->SyncCommitsChanges(); }
bool SqlSession::FinishSyncMayBlock(const Status& commit) const {
  return impl_->FinishSyncMayBlock(commit);
}
TxnStatus SqlSession::txn_status() const { return impl_->txn_status(); }
Status SqlSession::UseSnapshot(const storage::ReadView& view) { return impl_->UseSnapshot(view); }
bool SqlSession::IdleWithoutTransaction() const { return impl_->IdleWithoutTransaction(); }
bool SqlSession::IsCachedPointRead(std::string_view text) { return impl_->IsCachedPointRead(text); }
int64_t SqlSession::IdleInTransactionTimeoutMs() const {
  return impl_->idle_in_transaction_timeout_ms();
}
std::string SqlSession::PoolForSimpleQuery(std::string_view text) const { return impl_->PoolForSimpleQuery(text); }
void SqlSession::Cancel() { impl_->Cancel(); }
std::vector<std::pair<std::string, std::string>> SqlSession::TakeChangedReportedParameters() {
  return impl_->TakeChangedReportedParameters();
}
std::vector<std::pair<std::string, std::string>> SqlSession::ReportedParameters() const {
  return impl_->ReportedParameters();
}
Status SqlSession::SetStartupParameter(std::string_view name, std::string_view value) {
  return impl_->SetStartupParameter(name, value);
}
const TextFormatOptions& SqlSession::text_format_options() const { return impl_->text_format_options(); }

// ---- Engine ----

Engine::Engine(storage::Database* database, isolation::PoolSet* pools) : database_(database), pools_(pools) {}
Engine::~Engine() = default;

std::unique_ptr<SqlSession> Engine::NewSession(const SessionInfo& info) {
  return std::make_unique<SqlSession>(std::make_unique<SqlSession::Impl>(this, info));
}

}  // namespace strata::sql
