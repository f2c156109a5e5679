#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strata::sql::ast {

// Strata's own syntax tree: what sql/parser produces from libpg_query's
// parse tree, and what the binder consumes. No libpg_query type appears
// here.
//
// Locations are 1-based character positions in the statement text as given
// to Parse() (what an ErrorResponse's position field carries); 0 means
// unknown. Identifiers are already case-folded (unquoted ones lower-cased)
// by the PostgreSQL grammar.

struct Expr;
struct SelectStmt;
using ExprPtr = std::unique_ptr<Expr>;

// A type as written: `numeric(12,2)`, `varchar(10)[]`, `double precision`.
// `name` is the last name component as the grammar produced it ("int4",
// "varchar", "timestamptz", "numeric", or a user-written "text"); a
// "pg_catalog." qualifier is dropped.
struct TypeName {
  std::string name;
  std::vector<int32_t> modifiers;
  bool is_array = false;
  int location = 0;
};

enum class ExprKind {
  kConst,        // const_kind / str / ival
  kColumnRef,    // names: [schema.][table.]column
  kStar,         // names: qualifier parts (empty for a bare *)
  kParam,        // param_number ($n)
  kOperator,     // names: operator (last part is the symbol); args: 1 (prefix) or 2
  kAnd,          // args (n-ary)
  kOr,           // args (n-ary)
  kNot,          // args[0]
  kFuncCall,     // names: function name parts; args; agg_* flags; agg_order; agg_filter
  kCast,         // args[0]; type
  kIsNull,       // args[0]; negated = IS NOT NULL
  kBoolTest,     // args[0]; bool_test
  kDistinctFrom,  // args[0], args[1]; negated = IS NOT DISTINCT FROM
  kNullIf,       // args[0], args[1]
  kIn,           // args[0] IN (args[1..]); negated = NOT IN
  kBetween,      // args[0] BETWEEN args[1] AND args[2]; negated; symmetric
  kLike,         // args[0] LIKE args[1]; negated; case_insensitive (ILIKE); escape in args[2]
  kSimilar,      // args[0] SIMILAR TO args[1]; negated
  kAnyAll,       // args[0] <op> ANY/ALL (args[1] array); names: operator; is_all
  kCase,         // arg: CASE operand (may be null); when_clauses; default_result
  kCoalesce,     // args
  kGreatest,     // args
  kLeast,        // args
  kSubLink,      // sublink; subquery; args[0] = left side for IN/ANY/ALL; names: operator
  kArray,        // args: ARRAY[...] elements
  kRow,          // args: ROW(...) / (a, b)
  kSqlValue,     // sql_value: CURRENT_DATE, CURRENT_TIMESTAMP, ...; ival = precision or -1
  kSubscript,    // arg: base; args: subscripts (1-based)
  kFieldSelect,  // (arg).str: a field of a composite value
  kDefault,      // DEFAULT in INSERT VALUES / UPDATE SET
};

enum class ConstKind {
  kNull,
  kInteger,  // ival (fits int32, as the grammar's Integer node)
  kNumeric,  // str: the literal's digits (a float or an integer too big for int32)
  kString,   // str: an 'untyped' string literal (type unknown until bound)
  kBool,     // ival: 0 / 1
  kBitString,  // str: "b0101" / "x1f" as the grammar gives it
};

enum class BoolTestKind { kIsTrue, kIsNotTrue, kIsFalse, kIsNotFalse, kIsUnknown, kIsNotUnknown };

enum class SubLinkKind {
  kExists,  // EXISTS (subquery)
  kAny,     // x = ANY (subquery) and x IN (subquery)
  kAll,     // x op ALL (subquery)
  kExpr,    // (subquery) as a scalar
  kArray,   // ARRAY(subquery)
};

enum class SqlValueKind {
  kCurrentDate,
  kCurrentTime,
  kCurrentTimestamp,
  kLocalTime,
  kLocalTimestamp,
  kCurrentRole,
  kCurrentUser,
  kUser,
  kSessionUser,
  kCurrentCatalog,
  kCurrentSchema,
};

struct WhenClause {
  ExprPtr condition;
  ExprPtr result;
};

enum class SortDirection { kDefault, kAsc, kDesc };
enum class NullsOrder { kDefault, kFirst, kLast };

struct OrderItem {
  ExprPtr expr;
  SortDirection direction = SortDirection::kDefault;
  NullsOrder nulls = NullsOrder::kDefault;
  int location = 0;
};

struct Expr {
  ExprKind kind;
  int location = 0;

  std::vector<std::string> names;
  std::vector<ExprPtr> args;
  ExprPtr arg;

  // kConst
  ConstKind const_kind = ConstKind::kNull;
  std::string str;
  int64_t ival = 0;

  // kParam
  int param_number = 0;

  // kCast
  std::optional<TypeName> type;

  // Flags whose meaning depends on kind (see ExprKind).
  bool negated = false;
  bool case_insensitive = false;  // ILIKE
  bool symmetric = false;         // BETWEEN SYMMETRIC
  bool is_all = false;            // ALL vs ANY
  BoolTestKind bool_test = BoolTestKind::kIsTrue;
  SqlValueKind sql_value = SqlValueKind::kCurrentDate;

  // kFuncCall
  bool agg_star = false;
  bool agg_distinct = false;
  std::vector<OrderItem> agg_order;
  ExprPtr agg_filter;
  bool has_over = false;  // window function call: fn(...) OVER (...)
  // The OVER clause (has_over): PARTITION BY and ORDER BY. Frames are not
  // kept (the supported window functions do not use them).
  std::vector<ExprPtr> over_partition;
  std::vector<OrderItem> over_order;

  // kCase
  std::vector<WhenClause> when_clauses;
  ExprPtr default_result;

  // kSubLink
  SubLinkKind sublink = SubLinkKind::kExists;
  std::unique_ptr<SelectStmt> subquery;

  explicit Expr(ExprKind k, int loc = 0) : kind(k), location(loc) {}
};

// ---- FROM clause ----

struct Alias {
  std::string name;
  std::vector<std::string> column_names;
};

enum class TableRefKind { kTable, kSubquery, kJoin, kFunction };
enum class JoinKind { kInner, kLeft, kRight, kFull, kCross };

struct QualifiedName {
  std::string schema;  // empty: search_path
  std::string name;
  int location = 0;
};

struct TableRef {
  TableRefKind kind = TableRefKind::kTable;
  std::optional<Alias> alias;
  // kTable
  QualifiedName table;
  // kSubquery
  std::unique_ptr<SelectStmt> subquery;
  bool lateral = false;
  // kFunction (set-returning function in FROM, e.g. generate_series)
  ExprPtr function;
  // kJoin
  JoinKind join = JoinKind::kInner;
  bool natural = false;
  std::unique_ptr<TableRef> left;
  std::unique_ptr<TableRef> right;
  ExprPtr on;
  std::vector<std::string> using_columns;
  int location = 0;
};

// ---- statements ----

enum class StmtKind {
  kSelect,
  kInsert,
  kUpdate,
  kDelete,
  kCreateTable,
  kCreateSchema,
  kDrop,
  kTruncate,
  kAlterTable,
  kTransaction,
  kSet,
  kShow,
  kPrepare,
  kExecute,
  kDeallocate,
  kExplain,
  kCopy,
  kCall,
  kCreateStreamingJob,
  kDiscard,
  kPublication,
  kVacuum,
};

struct Statement {
  explicit Statement(StmtKind k) : kind(k) {}
  virtual ~Statement() = default;
  StmtKind kind;
  // The statement's source text (without the trailing ';') and its byte
  // offset in the text given to Parse().
  std::string text;
  int byte_offset = 0;
};
using StatementPtr = std::unique_ptr<Statement>;

struct ResTarget {
  ExprPtr expr;
  std::string alias;  // AS name; empty when none
  int location = 0;
};

struct CommonTableExpr {
  std::string name;
  std::vector<std::string> column_names;
  std::unique_ptr<Statement> query;  // a SelectStmt (DML in WITH is not supported)
  int location = 0;
};

struct WithClause {
  bool recursive = false;
  std::vector<CommonTableExpr> ctes;
};

enum class SetOpKind { kNone, kUnion, kIntersect, kExcept };

// A SELECT, VALUES, or a set operation tree (op != kNone: left/right set,
// and only order_by / limit / offset / with apply to the whole).
struct SelectStmt : Statement {
  SelectStmt() : Statement(StmtKind::kSelect) {}
  std::optional<WithClause> with;
  // Plain SELECT
  bool distinct = false;
  std::vector<ExprPtr> distinct_on;  // DISTINCT ON (...): non-empty
  std::vector<ResTarget> targets;
  std::vector<std::unique_ptr<TableRef>> from;
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  ExprPtr having;
  // VALUES (...), (...)
  std::vector<std::vector<ExprPtr>> values;
  // Set operation
  SetOpKind op = SetOpKind::kNone;
  bool all = false;
  std::unique_ptr<SelectStmt> left;
  std::unique_ptr<SelectStmt> right;
  // Applies to the whole statement
  std::vector<OrderItem> order_by;
  ExprPtr limit;  // null: none (LIMIT ALL is null too)
  ExprPtr offset;
  bool for_update = false;  // FOR UPDATE / SHARE: accepted, no effect under SI
  int location = 0;
};

struct SetClause {
  std::string column;
  ExprPtr value;
  int location = 0;
};

enum class OnConflictAction { kNone, kNothing, kUpdate };

struct OnConflict {
  OnConflictAction action = OnConflictAction::kNone;
  std::vector<std::string> target_columns;  // (pk columns); empty: any
  std::string constraint_name;              // ON CONSTRAINT name
  std::vector<SetClause> set;
  ExprPtr where;
  int location = 0;
};

struct InsertStmt : Statement {
  InsertStmt() : Statement(StmtKind::kInsert) {}
  std::optional<WithClause> with;
  QualifiedName table;
  std::string alias;  // INSERT INTO t AS alias
  std::vector<std::string> columns;
  std::vector<int> column_locations;
  // The source: a SelectStmt (VALUES or query); null means DEFAULT VALUES.
  std::unique_ptr<SelectStmt> source;
  OnConflict on_conflict;
  std::vector<ResTarget> returning;
};

struct UpdateStmt : Statement {
  UpdateStmt() : Statement(StmtKind::kUpdate) {}
  std::optional<WithClause> with;
  QualifiedName table;
  std::optional<Alias> alias;
  std::vector<SetClause> set;
  std::vector<std::unique_ptr<TableRef>> from;
  ExprPtr where;
  std::vector<ResTarget> returning;
};

struct DeleteStmt : Statement {
  DeleteStmt() : Statement(StmtKind::kDelete) {}
  std::optional<WithClause> with;
  QualifiedName table;
  std::optional<Alias> alias;
  std::vector<std::unique_ptr<TableRef>> using_tables;
  ExprPtr where;
  std::vector<ResTarget> returning;
};

// `WITH (k = v, ...)` options, SET (k = v), COPY options, EXPLAIN options.
// The value is kept as text: identifiers, numbers and strings all become
// their text; `has_value` false for a bare option (`HEADER`).
struct DefElem {
  std::string name;  // with a namespace: "binlog.level"
  std::string value;
  bool has_value = false;
  int location = 0;
};

struct ColumnDef {
  std::string name;
  TypeName type;
  bool not_null = false;
  bool explicit_null = false;
  bool primary_key = false;
  ExprPtr default_value;
  int location = 0;
};

struct CreateTableStmt : Statement {
  CreateTableStmt() : Statement(StmtKind::kCreateTable) {}
  QualifiedName table;
  bool if_not_exists = false;
  std::vector<ColumnDef> columns;
  std::vector<std::string> primary_key;  // table-level or column-level
  int primary_key_location = 0;
  std::vector<DefElem> options;
};

struct CreateSchemaStmt : Statement {
  CreateSchemaStmt() : Statement(StmtKind::kCreateSchema) {}
  std::string name;
  bool if_not_exists = false;
};

enum class ObjectKind { kTable, kSchema, kView, kIndex, kOther };

struct DropStmt : Statement {
  DropStmt() : Statement(StmtKind::kDrop) {}
  ObjectKind object = ObjectKind::kTable;
  std::vector<QualifiedName> names;  // for schemas, `name` only
  bool if_exists = false;
  bool cascade = false;
};

// CREATE PUBLICATION / ALTER PUBLICATION / DROP PUBLICATION.
struct PublicationStmt : Statement {
  PublicationStmt() : Statement(StmtKind::kPublication) {}
  enum class Action { kCreate, kAddTables, kDropTables, kSetTables, kSetOptions, kDrop };
  Action action = Action::kCreate;
  std::vector<std::string> names;  // one, except DROP PUBLICATION a, b
  bool all_tables = false;         // FOR ALL TABLES
  std::vector<QualifiedName> tables;
  std::vector<DefElem> options;    // WITH (publish = '...')
  bool if_exists = false;          // DROP ... IF EXISTS
  int location = 0;
};

// VACUUM / ANALYZE [table, ...]: for column-replica tables, flushes the
// delta into segments and compacts (empty list: every table).
struct VacuumStmt : Statement {
  VacuumStmt() : Statement(StmtKind::kVacuum) {}
  bool analyze_only = false;
  std::vector<QualifiedName> tables;
};

struct TruncateStmt : Statement {
  TruncateStmt() : Statement(StmtKind::kTruncate) {}
  std::vector<QualifiedName> tables;
  bool restart_identity = false;  // RESTART IDENTITY
  bool cascade = false;           // CASCADE
};

enum class AlterTableAction {
  kAddColumn,     // column
  kDropColumn,    // name; if_exists
  kRenameColumn,  // name -> new_name
  kRenameTable,   // new_name
  kSetOptions,    // options
  kResetOptions,  // options (names only)
  kSetNotNull,    // name
  kDropNotNull,   // name
  kSetDefault,    // name; default in column.default_value (null = DROP DEFAULT)
};

struct AlterTableCmd {
  AlterTableAction action;
  ColumnDef column;
  std::string name;
  std::string new_name;
  bool if_exists = false;      // DROP COLUMN IF EXISTS
  bool if_not_exists = false;  // ADD COLUMN IF NOT EXISTS
  std::vector<DefElem> options;
  int location = 0;
};

struct AlterTableStmt : Statement {
  AlterTableStmt() : Statement(StmtKind::kAlterTable) {}
  QualifiedName table;
  bool if_exists = false;
  std::vector<AlterTableCmd> cmds;
};

enum class TransactionKind {
  kBegin,
  kCommit,
  kRollback,
  kSavepoint,
  kRelease,
  kRollbackTo,
  kPrepareTransaction,
  kCommitPrepared,
  kRollbackPrepared,
};

struct TransactionStmt : Statement {
  TransactionStmt() : Statement(StmtKind::kTransaction) {}
  TransactionKind action = TransactionKind::kBegin;
  // Spelled START TRANSACTION / END / ABORT (the command tags differ).
  bool is_start = false;
  // BEGIN options: "transaction_isolation" -> "repeatable read",
  // "transaction_read_only" -> "true", ...
  std::vector<DefElem> options;
  bool chain = false;
};

enum class SetKind {
  kValue,     // SET name = values / TO values
  kDefault,   // SET name TO DEFAULT
  kReset,     // RESET name
  kResetAll,  // RESET ALL
  kMulti,     // SET TRANSACTION ... / SET SESSION CHARACTERISTICS (options)
  kCurrent,   // SET name FROM CURRENT
};

struct SetStmt : Statement {
  SetStmt() : Statement(StmtKind::kSet) {}
  SetKind set_kind = SetKind::kValue;
  std::string name;  // lower-cased; "timezone" for SET TIME ZONE
  // The values as text (identifiers, strings and numbers); several for
  // `SET search_path = a, b`.
  std::vector<std::string> values;
  std::vector<DefElem> options;  // kMulti
  bool is_local = false;
};

struct ShowStmt : Statement {
  ShowStmt() : Statement(StmtKind::kShow) {}
  std::string name;  // lower-cased; "all"
};

struct PrepareStmt : Statement {
  PrepareStmt() : Statement(StmtKind::kPrepare) {}
  std::string name;
  std::vector<TypeName> param_types;
  StatementPtr query;
};

struct ExecuteStmt : Statement {
  ExecuteStmt() : Statement(StmtKind::kExecute) {}
  std::string name;
  std::vector<ExprPtr> params;
};

struct DeallocateStmt : Statement {
  DeallocateStmt() : Statement(StmtKind::kDeallocate) {}
  std::string name;  // empty: ALL
};

struct ExplainStmt : Statement {
  ExplainStmt() : Statement(StmtKind::kExplain) {}
  std::vector<DefElem> options;  // ANALYZE, VERBOSE, COSTS, FORMAT ...
  StatementPtr query;
};

struct CopyStmt : Statement {
  CopyStmt() : Statement(StmtKind::kCopy) {}
  QualifiedName table;  // empty name when `query` is set
  std::vector<std::string> columns;
  StatementPtr query;   // COPY (query) TO
  bool is_from = false;
  std::string filename;  // empty: STDIN / STDOUT
  bool is_program = false;
  std::vector<DefElem> options;
};

struct CallStmt : Statement {
  CallStmt() : Statement(StmtKind::kCall) {}
  ExprPtr call;  // a kFuncCall
};

// CREATE STREAMING JOB name [WITH (...)] AS <insert>: Strata's extension.
struct CreateStreamingJobStmt : Statement {
  CreateStreamingJobStmt() : Statement(StmtKind::kCreateStreamingJob) {}
  std::string name;
  bool if_not_exists = false;
  std::vector<DefElem> options;
  StatementPtr body;  // an InsertStmt
  int location = 0;
};

struct DiscardStmt : Statement {
  DiscardStmt() : Statement(StmtKind::kDiscard) {}
  std::string target;  // "all", "plans", "sequences", "temp"
};

}  // namespace strata::sql::ast
