#include "sql/binder/binder.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "common/macros.h"
#include "sql/ast_util.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/cast.h"
#include "sql/functions/registry.h"
#include "sql/functions/type_resolution.h"
#include "sql/parser/parser.h"
#include "sql/planner/planner.h"
#include "sql/system/catalog_functions.h"
#include "sql/system/builtin_relations.h"
#include "sql/system/system_relations.h"
#include "storage/catalog.h"

namespace strata::sql::binder {
namespace {

using functions::ArgType;
using functions::CastContext;

const DataType kBool = DataType::Of(TypeId::kBool);
const DataType kText = DataType::Of(TypeId::kText);
const DataType kInt8 = DataType::Of(TypeId::kInt8);

Status Err(SqlState state, std::string message, int position) {
  return Status(state, std::move(message)).WithPosition(position);
}

BoundExprPtr MakeConst(Value v, DataType t, int location = 0) {
  auto e = std::make_unique<BoundExpr>(BoundExprKind::kConst, t);
  e->value = std::move(v);
  e->location = location;
  return e;
}

BoundExprPtr MakeUnknown(std::optional<std::string> text, int location) {
  auto e = std::make_unique<BoundExpr>(BoundExprKind::kConst, kText);
  e->unknown_literal = true;
  e->value = text ? Value::Text(std::move(*text)) : Value::Null(TypeId::kText);
  e->location = location;
  return e;
}

bool IsUnknown(const BoundExpr& e) {
  return (e.kind == BoundExprKind::kConst && e.unknown_literal) ||
         (e.kind == BoundExprKind::kParam && e.type.id == TypeId::kInvalid);
}

ArgType ArgTypeOf(const BoundExpr& e) { return IsUnknown(e) ? ArgType::Unknown() : ArgType::Of(e.type); }

bool SameType(const DataType& a, const DataType& b) {
  return a.id == b.id && a.element == b.element && (b.typmod == -1 || a.typmod == b.typmod);
}

bool HasSubquery(const BoundExpr& e) {
  if (e.kind == BoundExprKind::kSubquery) return true;
  for (const auto& c : e.children) {
    if (HasSubquery(*c)) return true;
  }
  return false;
}

// Column indexes (depth 0) read by `e`; *other is set when `e` reads
// something that is not a plain current-row column (subqueries).
void CollectColumns(const BoundExpr& e, std::set<int>* cols, bool* has_subquery) {
  if (e.kind == BoundExprKind::kColumn && e.depth == 0) cols->insert(e.index);
  if (e.kind == BoundExprKind::kSubquery) *has_subquery = true;
  for (const auto& c : e.children) CollectColumns(*c, cols, has_subquery);
}

// Adds `delta` to every current-row column index.
void ShiftColumns(BoundExpr* e, int delta) {
  if (e->kind == BoundExprKind::kColumn && e->depth == 0) e->index += delta;
  for (auto& c : e->children) ShiftColumns(c.get(), delta);
}

bool ExprEquals(const BoundExpr& a, const BoundExpr& b) {
  if (a.kind != b.kind || !(a.type == b.type) || a.index != b.index || a.depth != b.depth ||
      a.negated != b.negated || a.is_all != b.is_all || a.has_else != b.has_else ||
      a.children.size() != b.children.size()) {
    return false;
  }
  if (a.kind == BoundExprKind::kConst && !(a.value == b.value)) return false;
  if (a.kind == BoundExprKind::kFunction && a.fn.name != b.fn.name) return false;
  if (a.kind == BoundExprKind::kCast && !(a.cast.target == b.cast.target)) return false;
  if (a.kind == BoundExprKind::kSubquery && a.subplan != b.subplan) return false;
  if (a.kind == BoundExprKind::kBoolTest && a.bool_test != b.bool_test) return false;
  if (a.kind == BoundExprKind::kSqlValue && a.name != b.name) return false;
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!ExprEquals(*a.children[i], *b.children[i])) return false;
  }
  return true;
}

struct ScopeColumn {
  std::string table;  // range name; empty for merged USING columns
  std::string name;
  DataType type;
  int index = 0;
  uint32_t table_oid = 0;
  int16_t attnum = 0;
  bool hidden = false;  // not found by unqualified lookups (USING originals)
};

struct Scope {
  std::vector<ScopeColumn> columns;
  std::vector<std::string> tables;
  std::vector<int> star;  // indexes into `columns` for `*`
  const Scope* parent = nullptr;
  bool* correlated = nullptr;  // set when an inner query references this scope
};

// A FROM item being planned. Base tables keep `table` and get their plan
// once the WHERE conjuncts that apply to them are known.
struct FromItem {
  PlanPtr plan;
  const storage::TableDef* table = nullptr;
  // A binlog-enabled base table read as its binlog (the query names an
  // hg_binlog_* column): three more columns after the table's.
  bool binlog = false;
  std::string table_name;
  std::vector<BoundExprPtr> pushed;
  Scope scope;  // indexes relative to this item
  int width = 0;
};

// True when `e` (not looking into subqueries, which are their own query
// level) references a column named hg_binlog_*.
bool NamesBinlogColumn(const ast::Expr* e) {
  if (e == nullptr) return false;
  if (e->kind == ast::ExprKind::kColumnRef && !e->names.empty() &&
      planner::IsBinlogColumnName(e->names.back())) {
    return true;
  }
  for (const auto& a : e->args) {
    if (NamesBinlogColumn(a.get())) return true;
  }
  if (NamesBinlogColumn(e->arg.get()) || NamesBinlogColumn(e->agg_filter.get()) ||
      NamesBinlogColumn(e->default_result.get())) {
    return true;
  }
  for (const auto& o : e->agg_order) {
    if (NamesBinlogColumn(o.expr.get())) return true;
  }
  for (const auto& w : e->when_clauses) {
    if (NamesBinlogColumn(w.condition.get()) || NamesBinlogColumn(w.result.get())) return true;
  }
  return false;
}

// Hologres' rule: a SELECT that names any hg_binlog_* column reads the
// binlog of its binlog-enabled tables instead of their current rows.
bool NamesBinlogColumn(const ast::SelectStmt& s) {
  for (const auto& t : s.targets) {
    if (NamesBinlogColumn(t.expr.get())) return true;
  }
  for (const auto& e : s.distinct_on) {
    if (NamesBinlogColumn(e.get())) return true;
  }
  for (const auto& e : s.group_by) {
    if (NamesBinlogColumn(e.get())) return true;
  }
  for (const auto& o : s.order_by) {
    if (NamesBinlogColumn(o.expr.get())) return true;
  }
  return NamesBinlogColumn(s.where.get()) || NamesBinlogColumn(s.having.get());
}

struct CteFrame {
  const ast::WithClause* with = nullptr;
  size_t visible = 0;  // CTEs [0, visible) are visible
};

Result<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return Status::InvalidArgument("not an int");
  return v;
}

}  // namespace

class Binder::Impl {
 public:
  Impl(const storage::CatalogSnapshot* catalog, BinderOptions options, std::vector<DataType>* params)
      : catalog_(catalog), options_(std::move(options)), params_(params) {
    if (options_.eval == nullptr) options_.eval = &own_eval_;
  }

  // ---- tables ----

  Result<const storage::TableDef*> LookupTable(const ast::QualifiedName& name) const {
    if (!name.schema.empty()) {
      const storage::TableDef* t = catalog_->FindTable(name.schema, name.name);
      if (t == nullptr) {
        return Err(SqlState::kUndefinedTable,
                   "relation \"" + name.schema + "." + name.name + "\" does not exist", name.location);
      }
      return t;
    }
    for (const std::string& schema : options_.search_path) {
      const storage::TableDef* t = catalog_->FindTable(schema, name.name);
      if (t != nullptr) return t;
    }
    return Err(SqlState::kUndefinedTable, "relation \"" + name.name + "\" does not exist", name.location);
  }

  // ---- coercion ----

  Status ParamOutOfRange(int n, int location) {
    return Err(SqlState::kUndefinedParameter, "there is no parameter $" + std::to_string(n), location);
  }

  // Converts `e` to `target` (unknown literals and parameters take the type).
  // On failure returns the cast error unchanged (callers phrase their own).
  Result<BoundExprPtr> Coerce(BoundExprPtr e, const DataType& target, CastContext context) {
    if (e->kind == BoundExprKind::kConst && e->unknown_literal) {
      if (e->value.is_null()) return MakeConst(Value::Null(target.is_array() ? TypeId::kArray : target.id), target, e->location);
      auto v = functions::CoerceUnknownLiteral(e->value.string_value(), target, *options_.eval);
      if (!v.ok()) {
        Status s = v.status();
        if (s.position() == 0) s = std::move(s).WithPosition(e->location);
        return s;
      }
      return MakeConst(std::move(v).value(), target, e->location);
    }
    if (e->kind == BoundExprKind::kParam && e->type.id == TypeId::kInvalid) {
      (*params_)[static_cast<size_t>(e->index)] = target;
      e->type = target;
      return e;
    }
    if (SameType(e->type, target)) return e;
    STRATA_ASSIGN_OR_RETURN(functions::ResolvedCast cast,
                            functions::ResolveCast(ArgType::Of(e->type), target, context));
    if (cast.is_noop) {
      e->type = target;
      return e;
    }
    auto c = std::make_unique<BoundExpr>(BoundExprKind::kCast, target);
    c->location = e->location;
    c->cast = std::move(cast);
    c->children.push_back(std::move(e));
    return Fold(std::move(c));
  }

  // Coerces for an INSERT/UPDATE target column with PostgreSQL's message.
  Result<BoundExprPtr> CoerceAssign(BoundExprPtr e, const DataType& target, const std::string& column) {
    const int loc = e->location;
    const DataType from = e->type;
    auto r = Coerce(std::move(e), target, CastContext::kAssignment);
    if (!r.ok() && r.status().sql_state().code() == "42846") {
      return Err(SqlState::kDatatypeMismatch,
                 "column \"" + column + "\" is of type " + target.ToString() + " but expression is of type " +
                     from.ToString(),
                 loc)
          .WithHint("You will need to rewrite or cast the expression.");
    }
    return r;
  }

  Result<BoundExprPtr> CoerceBool(BoundExprPtr e, const std::string& construct) {
    if (IsUnknown(*e) || e->type.id == TypeId::kBool) return Coerce(std::move(e), kBool, CastContext::kImplicit);
    return Err(SqlState::kDatatypeMismatch,
               "argument of " + construct + " must be type boolean, not type " + e->type.ToString(), e->location);
  }

  // Unknown literals left in an output position become text.
  Result<BoundExprPtr> ResolveUnknown(BoundExprPtr e) {
    if (IsUnknown(*e)) return Coerce(std::move(e), kText, CastContext::kImplicit);
    return e;
  }

  // Evaluates immutable calls of constants at plan time (as PostgreSQL's
  // eval_const_expressions; errors surface now, like PostgreSQL's).
  Result<BoundExprPtr> Fold(BoundExprPtr e) {
    if (suppress_fold_) return e;
    if (e->kind != BoundExprKind::kFunction && e->kind != BoundExprKind::kCast) return e;
    if (e->kind == BoundExprKind::kFunction && e->fn.volatility != functions::Volatility::kImmutable) return e;
    for (const auto& c : e->children) {
      if (c->kind != BoundExprKind::kConst || c->unknown_literal) return e;
    }
    Value out;
    Status s;
    if (e->kind == BoundExprKind::kCast) {
      s = e->cast.Apply(e->children[0]->value, *options_.eval, &out);
    } else {
      std::vector<Value> args;
      for (const auto& c : e->children) args.push_back(c->value);
      s = e->fn.Invoke(args, *options_.eval, &out);
    }
    // An error is left for run time: PostgreSQL does not fold branches it
    // proves unreachable (CASE WHEN false, OR true), and evaluation order
    // at run time gives the same short-circuiting.
    if (!s.ok()) return e;
    return MakeConst(std::move(out), e->type, e->location);
  }

  Result<BoundExprPtr> CallFunction(const functions::ResolvedFunction& fn, std::vector<BoundExprPtr> args,
                                    int location) {
    for (size_t i = 0; i < args.size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(args[i], Coerce(std::move(args[i]), fn.arg_types[i], CastContext::kImplicit));
    }
    auto e = std::make_unique<BoundExpr>(BoundExprKind::kFunction, fn.return_type);
    e->location = location;
    e->fn = fn;
    e->children = std::move(args);
    return Fold(std::move(e));
  }

  Result<BoundExprPtr> Operator(const std::string& op, BoundExprPtr left, BoundExprPtr right, int location) {
    std::optional<ArgType> l;
    if (left) l = ArgTypeOf(*left);
    auto fn = functions::ResolveOperator(op, l, ArgTypeOf(*right));
    if (!fn.ok()) {
      Status s = fn.status();
      if (s.position() == 0) s = std::move(s).WithPosition(location);
      return s;
    }
    std::vector<BoundExprPtr> args;
    if (left) args.push_back(std::move(left));
    args.push_back(std::move(right));
    return CallFunction(*fn, std::move(args), location);
  }

  // ---- column references ----

  Result<BoundExprPtr> ResolveColumn(const ast::Expr& e, const Scope& scope) {
    const auto& names = e.names;
    std::string table;
    std::string column;
    if (names.size() == 1) {
      column = names[0];
    } else if (names.size() == 2) {
      table = names[0];
      column = names[1];
    } else if (names.size() == 3) {
      table = names[1];
      column = names[2];
    } else {
      return Err(SqlState::kSyntaxError, "improper qualified name (too many dotted names)", e.location);
    }
    int depth = 0;
    bool table_seen = false;
    for (const Scope* s = &scope; s != nullptr; s = s->parent, ++depth) {
      const ScopeColumn* found = nullptr;
      for (const ScopeColumn& c : s->columns) {
        if (table.empty()) {
          if (c.hidden || c.name != column) continue;
        } else {
          if (c.table != table) continue;
          table_seen = true;
          if (c.name != column) continue;
        }
        if (found != nullptr) {
          return Err(SqlState::kAmbiguousColumn, "column reference \"" + column + "\" is ambiguous", e.location);
        }
        found = &c;
      }
      if (!table.empty() && !table_seen) {
        table_seen = std::find(s->tables.begin(), s->tables.end(), table) != s->tables.end();
      }
      if (found != nullptr) {
        auto out = std::make_unique<BoundExpr>(depth == 0 ? BoundExprKind::kColumn : BoundExprKind::kOuterColumn,
                                               found->type);
        out->index = found->index;
        out->depth = depth;
        out->location = e.location;
        out->name = found->table.empty() ? found->name : found->table + "." + found->name;
        if (depth > 0) MarkCorrelated(scope, depth);
        return out;
      }
      if (table_seen) {
        Status missing = Err(SqlState::kUndefinedColumn, "column " + table + "." + column + " does not exist", e.location);
        if (std::string hint = ColumnHint(*s, table, column); !hint.empty()) return std::move(missing).WithHint(hint);
        return missing;
      }
    }
    if (!table.empty()) {
      return Err(SqlState::kUndefinedTable, "missing FROM-clause entry for table \"" + table + "\"", e.location);
    }
    Status missing = Err(SqlState::kUndefinedColumn, "column \"" + column + "\" does not exist", e.location);
    if (std::string hint = ColumnHint(scope, "", column); !hint.empty()) return std::move(missing).WithHint(hint);
    return missing;
  }

  // PostgreSQL's hint for a misspelled column (errorMissingColumn): the
  // closest column names by Levenshtein distance (at most 3 and at most half
  // the name's length), one or two of them from different tables.
  static std::string ColumnHint(const Scope& scope, const std::string& table, const std::string& column) {
    auto distance = [](const std::string& a, const std::string& b) {
      std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
      for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
      for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
          cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
      }
      return prev[b.size()];
    };
    size_t best = 4;
    std::vector<const ScopeColumn*> matches;
    for (const Scope* s = &scope; s != nullptr; s = s->parent) {
      for (const ScopeColumn& c : s->columns) {
        if (c.hidden || c.table.empty() || (!table.empty() && c.table != table)) continue;
        const size_t d = distance(c.name, column);
        if (d > column.size() / 2 || d > best) continue;
        if (d < best) {
          best = d;
          matches.clear();
        }
        matches.push_back(&c);
      }
    }
    if (matches.size() == 1) {
      return "Perhaps you meant to reference the column \"" + matches[0]->table + "." + matches[0]->name + "\".";
    }
    if (matches.size() == 2 && matches[0]->table != matches[1]->table) {
      return "Perhaps you meant to reference the column \"" + matches[0]->table + "." + matches[0]->name +
             "\" or the column \"" + matches[1]->table + "." + matches[1]->name + "\".";
    }
    return "";
  }

  void MarkCorrelated(const Scope& scope, int depth) {
    // Every query level between the reference and the referenced scope
    // depends on the outer row.
    const Scope* s = &scope;
    for (int d = 0; d < depth && s != nullptr; ++d, s = s->parent) {
      if (s->correlated != nullptr) *s->correlated = true;
    }
  }

  // ---- expressions ----

  Result<BoundExprPtr> Bind(const ast::Expr& e, const Scope& scope) {
    switch (e.kind) {
      case ast::ExprKind::kConst:
        return BindConst(e);
      case ast::ExprKind::kColumnRef:
        return ResolveColumn(e, scope);
      case ast::ExprKind::kStar:
        return Err(SqlState::kSyntaxError, "row expansion via \"*\" is not supported here", e.location);
      case ast::ExprKind::kParam: {
        if (e.param_number < 1 || e.param_number > 65535) return ParamOutOfRange(e.param_number, e.location);
        const size_t idx = static_cast<size_t>(e.param_number - 1);
        if (params_->size() <= idx) params_->resize(idx + 1, DataType::Of(TypeId::kInvalid));
        auto p = std::make_unique<BoundExpr>(BoundExprKind::kParam, (*params_)[idx]);
        p->index = static_cast<int>(idx);
        p->location = e.location;
        return p;
      }
      case ast::ExprKind::kOperator: {
        const std::string op = e.names.empty() ? "" : e.names.back();
        if (e.names.size() > 1 && e.names[0] != "pg_catalog") {
          return Err(SqlState::kUndefinedFunction, "operator does not exist: " + op, e.location);
        }
        BoundExprPtr left;
        if (e.args.size() == 2) {
          STRATA_ASSIGN_OR_RETURN(left, Bind(*e.args[0], scope));
        }
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr right, Bind(*e.args.back(), scope));
        return Operator(op, std::move(left), std::move(right), e.location);
      }
      case ast::ExprKind::kAnd:
      case ast::ExprKind::kOr:
      case ast::ExprKind::kNot: {
        const BoundExprKind kind = e.kind == ast::ExprKind::kAnd  ? BoundExprKind::kAnd
                                   : e.kind == ast::ExprKind::kOr ? BoundExprKind::kOr
                                                                  : BoundExprKind::kNot;
        const std::string name = e.kind == ast::ExprKind::kAnd ? "AND" : e.kind == ast::ExprKind::kOr ? "OR" : "NOT";
        auto out = std::make_unique<BoundExpr>(kind, kBool);
        out->location = e.location;
        for (const auto& a : e.args) {
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, Bind(*a, scope));
          STRATA_ASSIGN_OR_RETURN(c, CoerceBool(std::move(c), name));
          out->children.push_back(std::move(c));
        }
        return out;
      }
      case ast::ExprKind::kFuncCall:
        return BindFuncCall(e, scope);
      case ast::ExprKind::kCast:
        return BindCast(e, scope);
      case ast::ExprKind::kIsNull: {
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr arg, Bind(*e.args[0], scope));
        auto out = std::make_unique<BoundExpr>(BoundExprKind::kIsNull, kBool);
        out->negated = e.negated;
        out->location = e.location;
        out->children.push_back(std::move(arg));
        return out;
      }
      case ast::ExprKind::kBoolTest: {
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr arg, Bind(*e.args[0], scope));
        static const char* kNames[] = {"IS TRUE", "IS NOT TRUE", "IS FALSE", "IS NOT FALSE", "IS UNKNOWN",
                                       "IS NOT UNKNOWN"};
        STRATA_ASSIGN_OR_RETURN(arg, CoerceBool(std::move(arg), kNames[static_cast<int>(e.bool_test)]));
        auto out = std::make_unique<BoundExpr>(BoundExprKind::kBoolTest, kBool);
        out->bool_test = e.bool_test;
        out->location = e.location;
        out->children.push_back(std::move(arg));
        return out;
      }
      case ast::ExprKind::kDistinctFrom:
      case ast::ExprKind::kNullIf: {
        const bool saved_fold = suppress_fold_;
        suppress_fold_ = true;
        auto eq_r = BindComparison("=", *e.args[0], *e.args[1], scope, e.location);
        suppress_fold_ = saved_fold;
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr eq, std::move(eq_r));
        auto out = std::make_unique<BoundExpr>(
            e.kind == ast::ExprKind::kNullIf ? BoundExprKind::kNullIf : BoundExprKind::kDistinctFrom, kBool);
        if (eq->kind != BoundExprKind::kFunction) {
          return Err(SqlState::kFeatureNotSupported, "unsupported comparison", e.location);
        }
        out->fn = eq->fn;
        out->negated = e.negated;
        out->location = e.location;
        out->children = std::move(eq->children);
        if (e.kind == ast::ExprKind::kNullIf) out->type = out->children[0]->type;
        return out;
      }
      case ast::ExprKind::kIn:
        return BindIn(e, scope);
      case ast::ExprKind::kBetween: {
        auto range = [&](bool swap) -> Result<BoundExprPtr> {
          const ast::Expr& lo = swap ? *e.args[2] : *e.args[1];
          const ast::Expr& hi = swap ? *e.args[1] : *e.args[2];
          auto out = std::make_unique<BoundExpr>(e.negated ? BoundExprKind::kOr : BoundExprKind::kAnd, kBool);
          out->location = e.location;
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr a, BindComparison(e.negated ? "<" : ">=", *e.args[0], lo, scope, e.location));
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr b, BindComparison(e.negated ? ">" : "<=", *e.args[0], hi, scope, e.location));
          out->children.push_back(std::move(a));
          out->children.push_back(std::move(b));
          return out;
        };
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr first, range(false));
        if (!e.symmetric) return first;
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr second, range(true));
        auto out = std::make_unique<BoundExpr>(e.negated ? BoundExprKind::kAnd : BoundExprKind::kOr, kBool);
        out->children.push_back(std::move(first));
        out->children.push_back(std::move(second));
        return out;
      }
      case ast::ExprKind::kLike: {
        std::string op = e.case_insensitive ? "~~*" : "~~";
        if (e.negated) op = "!" + op;
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr left, Bind(*e.args[0], scope));
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr pattern, Bind(*e.args[1], scope));
        if (e.args.size() > 2) {
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr escape, Bind(*e.args[2], scope));
          std::vector<ArgType> types{ArgTypeOf(*pattern), ArgTypeOf(*escape)};
          STRATA_ASSIGN_OR_RETURN(auto fn, functions::ResolveFunction("like_escape", types));
          std::vector<BoundExprPtr> args;
          args.push_back(std::move(pattern));
          args.push_back(std::move(escape));
          STRATA_ASSIGN_OR_RETURN(pattern, CallFunction(fn, std::move(args), e.location));
        }
        return Operator(op, std::move(left), std::move(pattern), e.location);
      }
      case ast::ExprKind::kSimilar:
        return Err(SqlState::kFeatureNotSupported, "SIMILAR TO is not supported", e.location);
      case ast::ExprKind::kAnyAll:
        return BindAnyAll(e, scope);
      case ast::ExprKind::kCase:
        if (srf_sink_ != nullptr) {
          return WithoutSetFunctions("CASE", [&] { return BindCase(e, scope); });
        }
        return BindCase(e, scope);
      case ast::ExprKind::kCoalesce:
        if (srf_sink_ != nullptr) {
          return WithoutSetFunctions("COALESCE", [&] { return Bind(e, scope); });
        }
        [[fallthrough]];
      case ast::ExprKind::kGreatest:
      case ast::ExprKind::kLeast: {
        const char* name = e.kind == ast::ExprKind::kCoalesce   ? "COALESCE"
                           : e.kind == ast::ExprKind::kGreatest ? "GREATEST"
                                                                : "LEAST";
        std::vector<BoundExprPtr> args;
        for (const auto& a : e.args) {
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, Bind(*a, scope));
          args.push_back(std::move(c));
        }
        STRATA_ASSIGN_OR_RETURN(DataType type, CommonType(&args, name));
        auto out = std::make_unique<BoundExpr>(e.kind == ast::ExprKind::kCoalesce   ? BoundExprKind::kCoalesce
                                               : e.kind == ast::ExprKind::kGreatest ? BoundExprKind::kGreatest
                                                                                    : BoundExprKind::kLeast,
                                               type);
        out->location = e.location;
        out->children = std::move(args);
        return out;
      }
      case ast::ExprKind::kSubLink:
        return BindSubLink(e, scope);
      case ast::ExprKind::kArray: {
        if (e.args.empty()) {
          return Err(SqlState("42P18"), "cannot determine type of empty array", e.location)
              .WithHint("Explicitly cast to the desired type, for example ARRAY[]::integer[].");
        }
        std::vector<BoundExprPtr> args;
        for (const auto& a : e.args) {
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, Bind(*a, scope));
          args.push_back(std::move(c));
        }
        STRATA_ASSIGN_OR_RETURN(DataType type, CommonType(&args, "ARRAY"));
        if (type.is_array()) {
          return Err(SqlState::kFeatureNotSupported, "multidimensional arrays are not supported", e.location);
        }
        auto out = std::make_unique<BoundExpr>(BoundExprKind::kArray, DataType::Array(type.id, type.typmod));
        out->location = e.location;
        out->children = std::move(args);
        return out;
      }
      case ast::ExprKind::kRow:
        return Err(SqlState::kFeatureNotSupported, "row constructors are not supported", e.location);
      case ast::ExprKind::kSqlValue:
        return BindSqlValue(e);
      case ast::ExprKind::kSubscript: {
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr base, Bind(*e.arg, scope));
        if (e.args.size() != 1) {
          return Err(SqlState::kFeatureNotSupported, "multidimensional subscripts are not supported", e.location);
        }
        if (!base->type.is_array()) {
          return Err(SqlState::kDatatypeMismatch,
                     "cannot subscript type " + base->type.ToString() + " because it does not support subscripting",
                     e.location);
        }
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr idx, Bind(*e.args[0], scope));
        STRATA_ASSIGN_OR_RETURN(idx, Coerce(std::move(idx), DataType::Of(TypeId::kInt4), CastContext::kImplicit));
        auto out = std::make_unique<BoundExpr>(BoundExprKind::kSubscript, base->type.ElementType());
        out->location = e.location;
        out->children.push_back(std::move(base));
        out->children.push_back(std::move(idx));
        return out;
      }
      case ast::ExprKind::kFieldSelect:
        return BindFieldSelect(e, scope);
      case ast::ExprKind::kDefault:
        return Err(SqlState::kSyntaxError, "DEFAULT is not allowed in this context", e.location);
    }
    return Err(SqlState::kFeatureNotSupported, "unsupported expression", e.location);
  }

  // (arg).field on a record (a record-returning call, a subquery column of
  // record type): the field's number is fixed at bind time from the
  // record's layout, as PostgreSQL's FieldSelect.
  Result<BoundExprPtr> BindFieldSelect(const ast::Expr& e, const Scope& scope) {
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr base, Bind(*e.arg, scope));
    if (base->type.id != TypeId::kRecord) {
      const std::string type = IsUnknown(*base) ? std::string("unknown") : base->type.ToString();
      return Err(SqlState("42809"),
                 "column notation ." + e.str + " applied to type " + type + ", which is not a composite type",
                 e.location);
    }
    const std::vector<RecordField>* fields = RecordFields(base->type);
    for (size_t i = 0; fields != nullptr && i < fields->size(); ++i) {
      if ((*fields)[i].name != e.str) continue;
      auto out = std::make_unique<BoundExpr>(BoundExprKind::kFieldSelect, (*fields)[i].type);
      out->location = e.location;
      out->index = static_cast<int>(i);
      out->name = e.str;
      out->children.push_back(std::move(base));
      return out;
    }
    return Err(SqlState::kUndefinedColumn, "could not identify column \"" + e.str + "\" in record data type",
               e.location);
  }

  Result<BoundExprPtr> BindConst(const ast::Expr& e) {
    switch (e.const_kind) {
      case ast::ConstKind::kNull:
        return MakeUnknown(std::nullopt, e.location);
      case ast::ConstKind::kInteger:
        return MakeConst(Value::Int4(static_cast<int32_t>(e.ival)), DataType::Of(TypeId::kInt4), e.location);
      case ast::ConstKind::kNumeric: {
        auto i = ParseInt64(e.str);
        if (i.ok()) {
          // As PostgreSQL's make_const: an integer literal that only fits
          // int4 after negation (INT_MIN) is int4.
          if (*i >= INT32_MIN && *i <= INT32_MAX) {
            return MakeConst(Value::Int4(static_cast<int32_t>(*i)), DataType::Of(TypeId::kInt4), e.location);
          }
          return MakeConst(Value::Int8(*i), kInt8, e.location);
        }
        auto n = Numeric::Parse(e.str);
        if (!n.ok()) return std::move(n).TakeStatus().WithPosition(e.location);
        return MakeConst(Value::FromNumeric(std::move(n).value()), DataType::Of(TypeId::kNumeric), e.location);
      }
      case ast::ConstKind::kString:
        return MakeUnknown(e.str, e.location);
      case ast::ConstKind::kBool:
        return MakeConst(Value::Bool(e.ival != 0), kBool, e.location);
      case ast::ConstKind::kBitString:
        return Err(SqlState::kFeatureNotSupported, "bit strings are not supported", e.location);
    }
    return Err(SqlState::kFeatureNotSupported, "unsupported constant", e.location);
  }

  Result<DataType> LookupTypeName(const ast::TypeName& t) {
    auto r = LookupType(t.name, t.modifiers, t.is_array);
    if (!r.ok()) {
      Status s = r.status();
      if (s.position() == 0) s = std::move(s).WithPosition(t.location);
      return s;
    }
    return r;
  }

  // Casts to the catalog's OID types. Strata represents oid and the reg*
  // types as int8 (see sql/system/system_relations.h): 'name'::regclass
  // resolves the name now (42P01 when absent), an integer passes through.
  std::optional<Result<BoundExprPtr>> BindOidCast(const ast::Expr& e, const Scope& scope) {
    const std::string& t = e.type->name;
    if (e.type->is_array) {
      if (t != "oid" && t != "regclass" && t != "regtype" && t != "regproc" && t != "name") return std::nullopt;
      ast::Expr copy(ast::ExprKind::kCast, e.location);
      return Result<BoundExprPtr>(Err(SqlState::kFeatureNotSupported, "arrays of " + t + " are not supported", e.location));
    }
    const bool is_reg = t == "regclass" || t == "regtype" || t == "regproc" || t == "regprocedure" ||
                        t == "regnamespace" || t == "regrole";
    if (!is_reg && t != "oid" && t != "xid" && t != "cid" && t != "name") return std::nullopt;
    auto bound = Bind(*e.args[0], scope);
    if (!bound.ok()) return Result<BoundExprPtr>(bound.status());
    BoundExprPtr inner = std::move(bound).value();
    if (t == "name") return Coerce(std::move(inner), kText, CastContext::kExplicit);
    const bool textual = IsUnknown(*inner) || IsStringType(inner->type.id);
    if (is_reg && textual) {
      if (inner->kind != BoundExprKind::kConst) {
        if (t != "regclass" && t != "regtype") {
          return Result<BoundExprPtr>(
              Err(SqlState::kFeatureNotSupported, "casting a non-constant to " + t + " is not supported", e.location));
        }
        auto c = Coerce(std::move(inner), kText, CastContext::kExplicit);
        if (!c.ok()) return Result<BoundExprPtr>(c.status());
        auto out = std::make_unique<BoundExpr>(BoundExprKind::kSqlValue, DataType::Of(TypeId::kInt8));
        out->name = t == "regclass" ? "to_regclass" : "to_regtype";
        out->location = e.location;
        out->children.push_back(std::move(c).value());
        return Result<BoundExprPtr>(std::move(out));
      }
      if (inner->value.is_null()) return Result<BoundExprPtr>(MakeConst(Value::Null(TypeId::kInt8), DataType::Of(TypeId::kInt8), e.location));
      const std::string text(inner->value.string_value());
      Result<uint32_t> oid = Status::OK();
      if (t == "regclass") {
        oid = system::RegclassOid(text, *catalog_, options_.search_path);
      } else if (t == "regtype") {
        oid = system::RegtypeOid(text);
      } else if (t == "regproc" || t == "regprocedure") {
        oid = system::RegprocOid(text);
      } else if (t == "regnamespace") {
        oid = system::RegnamespaceOid(text, *catalog_);
      } else {
        oid = system::RoleOid(text);
      }
      if (!oid.ok()) return Result<BoundExprPtr>(Status(oid.status()).WithPosition(e.args[0]->location));
      return Result<BoundExprPtr>(MakeConst(Value::Int8(*oid), DataType::Of(TypeId::kInt8), e.location));
    }
    return Coerce(std::move(inner), DataType::Of(TypeId::kInt8), CastContext::kExplicit);
  }

  Result<BoundExprPtr> BindCast(const ast::Expr& e, const Scope& scope) {
    if (auto oid_cast = BindOidCast(e, scope)) return std::move(*oid_cast);
    STRATA_ASSIGN_OR_RETURN(DataType target, LookupTypeName(*e.type));
    const ast::Expr& arg = *e.args[0];
    if (arg.kind == ast::ExprKind::kArray && arg.args.empty() && target.is_array()) {
      return MakeConst(Value::Array(target.element, {}), target, arg.location);
    }
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr inner, Bind(arg, scope));
    const DataType from = inner->type;
    const bool unknown = IsUnknown(*inner);
    if (unknown && inner->kind == BoundExprKind::kConst && target.typmod != -1) {
      // 'abc'::varchar(2): read the literal as the base type, then apply
      // the explicit length coercion (which truncates instead of failing).
      DataType base = target;
      base.typmod = -1;
      STRATA_ASSIGN_OR_RETURN(inner, Coerce(std::move(inner), base, CastContext::kExplicit));
      STRATA_ASSIGN_OR_RETURN(auto cast, functions::ResolveCast(ArgType::Of(base), target, CastContext::kExplicit));
      auto c = std::make_unique<BoundExpr>(BoundExprKind::kCast, target);
      c->cast = std::move(cast);
      c->location = e.location;
      c->children.push_back(std::move(inner));
      return Fold(std::move(c));
    }
    auto r = Coerce(std::move(inner), target, CastContext::kExplicit);
    if (!r.ok() && r.status().position() == 0 && !unknown) {
      return Status(r.status().sql_state(), "cannot cast type " + from.ToString() + " to " + target.ToString())
          .WithPosition(e.location);
    }
    if (!r.ok()) return r;
    BoundExprPtr out = std::move(r).value();
    // An explicit cast to the same type with a typmod still applies it.
    if (out->kind != BoundExprKind::kCast && target.typmod != -1 && !(out->type == target)) {
      STRATA_ASSIGN_OR_RETURN(auto cast, functions::ResolveCast(ArgType::Of(out->type), target, CastContext::kExplicit));
      auto c = std::make_unique<BoundExpr>(BoundExprKind::kCast, target);
      c->cast = std::move(cast);
      c->location = e.location;
      c->children.push_back(std::move(out));
      return Fold(std::move(c));
    }
    return out;
  }

  Result<BoundExprPtr> BindComparison(const std::string& op, const ast::Expr& l, const ast::Expr& r,
                                      const Scope& scope, int location) {
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr left, Bind(l, scope));
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr right, Bind(r, scope));
    return Operator(op, std::move(left), std::move(right), location);
  }

  Result<DataType> CommonType(std::vector<BoundExprPtr>* args, const std::string& context) {
    std::vector<ArgType> types;
    for (const auto& a : *args) types.push_back(ArgTypeOf(*a));
    auto t = functions::SelectCommonType(types, context);
    if (!t.ok()) {
      Status s = t.status();
      if (s.position() == 0) {
        // Point at the first argument whose type does not match.
        for (const auto& a : *args) {
          if (!IsUnknown(*a)) {
            s = std::move(s).WithPosition(a->location);
          }
        }
      }
      return s;
    }
    for (auto& a : *args) {
      const int loc = a->location;
      auto c = Coerce(std::move(a), *t, CastContext::kImplicit);
      if (!c.ok()) {
        Status s = c.status();
        if (s.sql_state().code() == "42846") {
          return Err(SqlState::kDatatypeMismatch, context + " could not convert type to " + t->ToString(), loc);
        }
        return s;
      }
      a = std::move(c).value();
    }
    return *t;
  }

  Result<BoundExprPtr> BindIn(const ast::Expr& e, const Scope& scope) {
    std::vector<BoundExprPtr> all;
    for (const auto& a : e.args) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, Bind(*a, scope));
      all.push_back(std::move(c));
    }
    std::vector<ArgType> types;
    for (const auto& a : all) types.push_back(ArgTypeOf(*a));
    auto common = functions::SelectCommonType(types, "IN");
    if (common.ok()) {
      bool ok = true;
      std::vector<BoundExprPtr> coerced;
      for (auto& a : all) {
        auto c = Coerce(std::move(a), *common, CastContext::kImplicit);
        if (!c.ok()) {
          ok = false;
          break;
        }
        coerced.push_back(std::move(c).value());
      }
      if (ok) {
        std::vector<ArgType> eq_types{ArgType::Of(*common), ArgType::Of(*common)};
        STRATA_ASSIGN_OR_RETURN(auto fn, functions::ResolveOperator("=", eq_types[0], eq_types[1]));
        if (SameType(fn.arg_types[0], *common) && SameType(fn.arg_types[1], *common)) {
          auto out = std::make_unique<BoundExpr>(BoundExprKind::kInList, kBool);
          out->location = e.location;
          out->negated = e.negated;
          out->children = std::move(coerced);
          out->fns.assign(out->children.size() - 1, fn);
          return out;
        }
        // The '=' for the common type takes other argument types: coerce
        // per pair below.
        std::vector<BoundExprPtr> args;
        auto out = std::make_unique<BoundExpr>(BoundExprKind::kInList, kBool);
        out->location = e.location;
        out->negated = e.negated;
        for (size_t i = 0; i < coerced.size(); ++i) {
          STRATA_ASSIGN_OR_RETURN(coerced[i], Coerce(std::move(coerced[i]), fn.arg_types[i == 0 ? 0 : 1],
                                                     CastContext::kImplicit));
        }
        out->children = std::move(coerced);
        out->fns.assign(out->children.size() - 1, fn);
        return out;
      }
    }
    // No common type: an OR of individual comparisons, as PostgreSQL.
    auto disj = std::make_unique<BoundExpr>(BoundExprKind::kOr, kBool);
    disj->location = e.location;
    for (size_t i = 1; i < e.args.size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr eq, BindComparison("=", *e.args[0], *e.args[i], scope, e.location));
      disj->children.push_back(std::move(eq));
    }
    if (!e.negated) return disj;
    auto neg = std::make_unique<BoundExpr>(BoundExprKind::kNot, kBool);
    neg->children.push_back(std::move(disj));
    return neg;
  }

  Result<BoundExprPtr> BindAnyAll(const ast::Expr& e, const Scope& scope) {
    const std::string op = e.names.empty() ? "=" : e.names.back();
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr left, Bind(*e.args[0], scope));
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr right, Bind(*e.args[1], scope));
    if (IsUnknown(*right)) {
      const DataType elem = IsUnknown(*left) ? kText : left->type;
      STRATA_ASSIGN_OR_RETURN(right, Coerce(std::move(right), DataType::Array(elem.id, elem.typmod),
                                            CastContext::kImplicit));
    }
    if (!right->type.is_array()) {
      return Err(SqlState::kDatatypeMismatch, "op ANY/ALL (array) requires array on right side", e.location);
    }
    const DataType elem = right->type.ElementType();
    auto fn = functions::ResolveOperator(op, ArgTypeOf(*left), ArgType::Of(elem));
    if (!fn.ok()) return fn.status().position() == 0 ? fn.status().WithPosition(e.location) : fn.status();
    if (fn->return_type.id != TypeId::kBool) {
      return Err(SqlState::kDatatypeMismatch, "op ANY/ALL (array) requires operator to yield boolean", e.location);
    }
    STRATA_ASSIGN_OR_RETURN(left, Coerce(std::move(left), fn->arg_types[0], CastContext::kImplicit));
    if (!SameType(elem, fn->arg_types[1])) {
      const DataType want = DataType::Array(fn->arg_types[1].id, fn->arg_types[1].typmod);
      STRATA_ASSIGN_OR_RETURN(right, Coerce(std::move(right), want, CastContext::kImplicit));
    }
    auto out = std::make_unique<BoundExpr>(BoundExprKind::kAnyArray, kBool);
    out->location = e.location;
    out->fn = *fn;
    out->is_all = e.is_all;
    out->children.push_back(std::move(left));
    out->children.push_back(std::move(right));
    return out;
  }

  Result<BoundExprPtr> BindCase(const ast::Expr& e, const Scope& scope) {
    std::vector<BoundExprPtr> conds;
    std::vector<BoundExprPtr> results;
    for (const auto& w : e.when_clauses) {
      BoundExprPtr cond;
      if (e.arg) {
        STRATA_ASSIGN_OR_RETURN(cond, BindComparison("=", *e.arg, *w.condition, scope, w.condition->location));
      } else {
        STRATA_ASSIGN_OR_RETURN(cond, Bind(*w.condition, scope));
        STRATA_ASSIGN_OR_RETURN(cond, CoerceBool(std::move(cond), "CASE/WHEN"));
      }
      conds.push_back(std::move(cond));
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr r, Bind(*w.result, scope));
      results.push_back(std::move(r));
    }
    const bool has_else = e.default_result != nullptr;
    if (has_else) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr r, Bind(*e.default_result, scope));
      results.push_back(std::move(r));
    }
    STRATA_ASSIGN_OR_RETURN(DataType type, CommonType(&results, "CASE"));
    auto out = std::make_unique<BoundExpr>(BoundExprKind::kCase, type);
    out->location = e.location;
    out->has_else = has_else;
    for (size_t i = 0; i < conds.size(); ++i) {
      out->children.push_back(std::move(conds[i]));
      out->children.push_back(std::move(results[i]));
    }
    if (has_else) out->children.push_back(std::move(results.back()));
    return out;
  }

  Result<BoundExprPtr> BindSqlValue(const ast::Expr& e) {
    std::string fname;
    switch (e.sql_value) {
      case ast::SqlValueKind::kCurrentDate: fname = "current_date"; break;
      case ast::SqlValueKind::kCurrentTime: fname = "current_time"; break;
      case ast::SqlValueKind::kCurrentTimestamp: fname = "current_timestamp"; break;
      case ast::SqlValueKind::kLocalTime: fname = "localtime"; break;
      case ast::SqlValueKind::kLocalTimestamp: fname = "localtimestamp"; break;
      default: {
        auto out = std::make_unique<BoundExpr>(BoundExprKind::kSqlValue, kText);
        out->location = e.location;
        out->name = e.sql_value == ast::SqlValueKind::kCurrentCatalog  ? "current_catalog"
                    : e.sql_value == ast::SqlValueKind::kCurrentSchema ? "current_schema"
                                                                       : "current_user";
        return out;
      }
    }
    STRATA_ASSIGN_OR_RETURN(auto fn, functions::ResolveFunction(fname, {}));
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr call, CallFunction(fn, {}, e.location));
    if (e.ival >= 0) {
      DataType t = call->type;
      t.typmod = static_cast<int32_t>(e.ival);
      return Coerce(std::move(call), t, CastContext::kExplicit);
    }
    return call;
  }

  Result<BoundExprPtr> BindFuncCall(const ast::Expr& e, const Scope& scope) {
    if (IsExpandArray(e)) return BindSetFunctionCall(e, scope);
    if (e.names.size() > 2 || (e.names.size() == 2 && e.names[0] != "pg_catalog")) {
      std::string full;
      for (size_t i = 0; i < e.names.size(); ++i) full += (i ? "." : "") + e.names[i];
      return Err(SqlState("3F000"), "schema \"" + e.names[0] + "\" does not exist", e.location);
    }
    const std::string name = e.names.back();
    if (e.has_over) return BindWindow(e, name, scope);
    if (functions::IsAggregateName(name)) return BindAggregate(e, scope);
    if (e.agg_star || e.agg_distinct || !e.agg_order.empty() || e.agg_filter) {
      return Err(SqlState("42809"), name + " is not an aggregate function", e.location);
    }
    if (auto special = BindSpecialFunction(e, name, scope)) return std::move(*special);
    if (name == "generate_series" || name == "unnest") return BindSetFunctionCall(e, scope);
    std::vector<BoundExprPtr> args;
    std::vector<ArgType> types;
    for (const auto& a : e.args) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, Bind(*a, scope));
      types.push_back(ArgTypeOf(*c));
      args.push_back(std::move(c));
    }
    auto fn = functions::ResolveFunction(name, types);
    if (!fn.ok()) {
      Status s = fn.status();
      if (s.position() == 0) s = std::move(s).WithPosition(e.location);
      return s;
    }
    return CallFunction(*fn, std::move(args), e.location);
  }

  // Functions over server state, evaluated by the session
  // (SessionValues::call_server_function). Arguments are coerced to the
  // parameter types; results as noted (PostgreSQL's pg_lsn and record
  // results are text here, printed as PostgreSQL prints them).
  std::optional<Result<BoundExprPtr>> BindServerFunction(const ast::Expr& e, const std::string& name,
                                                         const Scope& scope) {
    const size_t n = e.args.size();
    const DataType bool_type = DataType::Of(TypeId::kBool);
    std::vector<DataType> params;
    DataType result = kText;
    if ((name == "pg_current_wal_lsn" || name == "pg_current_wal_insert_lsn" ||
         name == "pg_current_wal_flush_lsn") && n == 0) {
    } else if (name == "pg_is_in_recovery" && n == 0) {
      result = bool_type;
    } else if ((name == "txid_current" || name == "pg_current_xact_id") && n == 0) {
      result = DataType::Of(TypeId::kInt8);
    } else if (name == "pg_create_logical_replication_slot" && n >= 2 && n <= 4) {
      params = {kText, kText, bool_type, bool_type};
      params.resize(n);
    } else if (name == "pg_drop_replication_slot" && n == 1) {
      params = {kText};
    } else if (name == "pg_replication_slot_advance" && n == 2) {
      params = {kText, kText};
    } else {
      return std::nullopt;
    }
    auto out = std::make_unique<BoundExpr>(BoundExprKind::kSqlValue, result);
    out->name = name == "pg_current_xact_id" ? "txid_current" : name;
    out->location = e.location;
    for (size_t i = 0; i < n; ++i) {
      auto arg = Bind(*e.args[i], scope);
      if (!arg.ok()) return Result<BoundExprPtr>(arg.status());
      auto c = Coerce(std::move(arg).value(), params[i], CastContext::kImplicit);
      if (!c.ok()) return Result<BoundExprPtr>(c.status());
      out->children.push_back(std::move(c).value());
    }
    return Result<BoundExprPtr>(std::move(out));
  }

  // Functions that read the session or the binder's type knowledge.
  std::optional<Result<BoundExprPtr>> BindSpecialFunction(const ast::Expr& e, const std::string& name,
                                                          const Scope& scope) {
    const size_t n = e.args.size();
    if (name == "pg_typeof" && n == 1) {
      auto arg = Bind(*e.args[0], scope);
      if (!arg.ok()) return Result<BoundExprPtr>(arg.status());
      if ((*arg)->kind == BoundExprKind::kParam && IsUnknown(**arg)) {
        return Result<BoundExprPtr>(Err(SqlState("42P18"),
                                        "could not determine data type of parameter $" +
                                            std::to_string((*arg)->index + 1),
                                        (*arg)->location));
      }
      const std::string type = IsUnknown(**arg) ? "unknown" : (*arg)->type.ToString();
      return Result<BoundExprPtr>(MakeConst(Value::Text(type), kText, e.location));
    }
    if (const system::CatalogFunction* cf = system::FindCatalogFunction(name, n)) {
      auto out = std::make_unique<BoundExpr>(BoundExprKind::kSqlValue, cf->return_type);
      out->name = std::string(cf->name);
      out->location = e.location;
      for (size_t i = 0; i < n; ++i) {
        auto arg = Bind(*e.args[i], scope);
        if (!arg.ok()) return Result<BoundExprPtr>(arg.status());
        DataType want = kText;
        switch (cf->args[i]) {
          case system::ArgKind::kOid: want = DataType::Of(TypeId::kInt8); break;
          case system::ArgKind::kText: want = kText; break;
          case system::ArgKind::kInt4: want = DataType::Of(TypeId::kInt4); break;
          case system::ArgKind::kBool: want = kBool; break;
          case system::ArgKind::kAny: want = IsUnknown(**arg) ? kText : (*arg)->type; break;
        }
        auto c = Coerce(std::move(arg).value(), want, CastContext::kImplicit);
        if (!c.ok()) return Result<BoundExprPtr>(c.status());
        out->children.push_back(std::move(c).value());
      }
      return Result<BoundExprPtr>(std::move(out));
    }
    std::string which;
    if ((name == "current_schema" || name == "current_database" || name == "current_catalog" ||
         name == "current_user" || name == "session_user" || name == "version" || name == "pg_backend_pid") &&
        n == 0) {
      which = name == "current_database" ? "current_catalog" : name == "session_user" ? "current_user" : name;
    } else if (name == "current_setting" && (n == 1 || n == 2)) {
      which = name;
    } else if (name == "set_config" && n == 3) {
      which = name;
    } else if (auto server_function = BindServerFunction(e, name, scope)) {
      return server_function;
    } else {
      return std::nullopt;
    }
    auto out = std::make_unique<BoundExpr>(BoundExprKind::kSqlValue, which == "pg_backend_pid"
                                                                         ? DataType::Of(TypeId::kInt4)
                                                                         : kText);
    out->name = which;
    out->location = e.location;
    for (size_t i = 0; i < n; ++i) {
      auto arg = Bind(*e.args[i], scope);
      if (!arg.ok()) return Result<BoundExprPtr>(arg.status());
      const DataType want = (which == "set_config" && i == 2) || (which == "current_setting" && i == 1) ? kBool : kText;
      auto c = Coerce(std::move(arg).value(), want, CastContext::kImplicit);
      if (!c.ok()) return Result<BoundExprPtr>(c.status());
      out->children.push_back(std::move(c).value());
    }
    return Result<BoundExprPtr>(std::move(out));
  }

  // information_schema._pg_expandarray: the one information_schema function
  // clients call (pgjdbc's getPrimaryKeys). Only by its qualified name, as
  // information_schema is not on the search path.
  static bool IsExpandArray(const ast::Expr& f) {
    return f.kind == ast::ExprKind::kFuncCall && f.names.size() == 2 && f.names[0] == "information_schema" &&
           f.names[1] == "_pg_expandarray" && !f.has_over && !f.agg_star && !f.agg_distinct;
  }

  // The record type _pg_expandarray returns for an array of `element`:
  // (x element, n int4), its OUT parameters in PostgreSQL.
  static DataType ExpandArrayType(const DataType& element) {
    return RecordType({RecordField{"x", element}, RecordField{"n", DataType::Of(TypeId::kInt4)}});
  }

  // generate_series(start, stop[, step]) on integers, unnest(array) or
  // information_schema._pg_expandarray(array), for FROM (kFunctionScan) and
  // select lists (kProjectSet). Returns the call (arguments coerced to the
  // result type) and its result type (a record for _pg_expandarray).
  Result<std::pair<SetFunctionCall, DataType>> BindSetFunction(const ast::Expr& f, const Scope& scope) {
    SetFunctionCall call;
    const std::string& name = f.names.back();
    if (IsExpandArray(f)) {
      if (f.args.size() != 1) {
        return Err(SqlState::kUndefinedFunction,
                   "function information_schema._pg_expandarray with " + std::to_string(f.args.size()) +
                       " arguments does not exist",
                   f.location);
      }
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr arr, Bind(*f.args[0], scope));
      if (IsUnknown(*arr)) {
        // anyarray cannot be inferred from an untyped literal or NULL.
        return Err(SqlState::kDatatypeMismatch, "could not determine polymorphic type because input has type unknown",
                   f.location);
      }
      if (!arr->type.is_array()) {
        return Err(SqlState::kUndefinedFunction,
                   "function information_schema._pg_expandarray(" + arr->type.ToString() + ") does not exist",
                   f.location)
            .WithHint("No function matches the given name and argument types. You might need to add explicit type "
                      "casts.");
      }
      const DataType elem = arr->type.ElementType();
      call.kind = SetFunctionCall::Kind::kExpandArray;
      call.args.push_back(std::move(arr));
      return std::make_pair(std::move(call), ExpandArrayType(elem));
    }
    if (name == "unnest" && f.args.size() == 1) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr arr, Bind(*f.args[0], scope));
      if (IsUnknown(*arr) || !arr->type.is_array()) {
        return Err(SqlState::kUndefinedFunction,
                   "function unnest(" + (IsUnknown(*arr) ? std::string("unknown") : arr->type.ToString()) +
                       ") does not exist",
                   f.location);
      }
      const DataType elem = arr->type.ElementType();
      call.kind = SetFunctionCall::Kind::kUnnest;
      call.args.push_back(std::move(arr));
      return std::make_pair(std::move(call), elem);
    }
    if (name != "generate_series" || (f.args.size() != 2 && f.args.size() != 3)) {
      return Err(SqlState::kFeatureNotSupported,
                 "only generate_series(start, stop[, step]) and unnest(array) are supported as set-returning "
                 "functions",
                 f.location);
    }
    std::vector<BoundExprPtr> args;
    for (const auto& a : f.args) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, Bind(*a, scope));
      args.push_back(std::move(c));
    }
    DataType t = DataType::Of(TypeId::kInt4);
    for (const auto& a : args) {
      if (!IsUnknown(*a) && a->type.id == TypeId::kInt8) t = kInt8;
      if (!IsUnknown(*a) && !IsIntegerType(a->type.id)) {
        return Err(SqlState::kFeatureNotSupported, "generate_series is supported for integers only", f.location);
      }
    }
    call.kind = SetFunctionCall::Kind::kGenerateSeries;
    for (auto& a : args) {
      STRATA_ASSIGN_OR_RETURN(a, Coerce(std::move(a), t, CastContext::kImplicit));
      call.args.push_back(std::move(a));
    }
    return std::make_pair(std::move(call), t);
  }

  // Binds with set-returning calls rejected as being in `context`: as
  // PostgreSQL, which evaluates CASE and COALESCE lazily and so refuses
  // set-returning calls under them.
  template <typename F>
  Result<BoundExprPtr> WithoutSetFunctions(const char* context, F&& bind) {
    std::vector<SetFunctionCall>* const saved = srf_sink_;
    const std::string saved_context = srf_context_;
    srf_sink_ = nullptr;
    srf_context_ = context;
    Result<BoundExprPtr> r = bind();
    srf_sink_ = saved;
    srf_context_ = saved_context;
    return r;
  }

  // A set-returning call in a select list: collected into srf_sink_,
  // replaced by a marker (depth -3) that BindSelectBody turns into a column
  // of the kProjectSet node. PostgreSQL allows them nested; Strata does not.
  Result<BoundExprPtr> BindSetFunctionCall(const ast::Expr& e, const Scope& scope) {
    if (srf_sink_ == nullptr) {
      if (in_srf_args_) {
        return Err(SqlState::kFeatureNotSupported, "nested set-returning function calls are not supported",
                   e.location);
      }
      if (!srf_context_.empty()) {
        return Err(SqlState::kFeatureNotSupported, "set-returning functions are not allowed in " + srf_context_,
                   e.location)
            .WithHint("You might be able to move the set-returning function into a LATERAL FROM item.");
      }
      return Err(SqlState::kFeatureNotSupported,
                 "set-returning functions are not allowed in " +
                     (agg_context_.empty() ? std::string("this context") : agg_context_),
                 e.location);
    }
    if (in_aggregate_) {
      return Err(SqlState::kFeatureNotSupported, "aggregate function calls cannot contain set-returning function calls",
                 e.location);
    }
    std::vector<SetFunctionCall>* sink = srf_sink_;
    srf_sink_ = nullptr;
    in_srf_args_ = true;
    struct Restore {
      Impl* self;
      std::vector<SetFunctionCall>* sink;
      ~Restore() {
        self->srf_sink_ = sink;
        self->in_srf_args_ = false;
      }
    } restore{this, sink};
    STRATA_ASSIGN_OR_RETURN(auto bound, BindSetFunction(e, scope));
    auto marker = std::make_unique<BoundExpr>(BoundExprKind::kColumn, bound.second);
    marker->depth = -3;
    marker->index = static_cast<int>(sink->size());
    marker->location = e.location;
    marker->name = e.names.back();
    bound.first.type = bound.second;
    sink->push_back(std::move(bound.first));
    return marker;
  }

  // Turns the markers of one kind (depth -2: window calls, -3: set-returning
  // calls) into columns `base + i` of the kWindow / kProjectSet output.
  static void ResolveMarkers(BoundExpr* e, int marker_depth, int base) {
    if (e->kind == BoundExprKind::kColumn && e->depth == marker_depth) {
      e->depth = 0;
      e->index += base;
      return;
    }
    for (auto& c : e->children) ResolveMarkers(c.get(), marker_depth, base);
  }
  static void ResolveSetFunctionMarkers(BoundExpr* e, int base) { ResolveMarkers(e, -3, base); }
  static void ResolveWindowMarkers(BoundExpr* e, int base) { ResolveMarkers(e, -2, base); }

  // A window function call in a select list or ORDER BY: collected into
  // window_sink_, replaced by a marker (depth -2) that BindSelectBody turns
  // into a column of the kWindow node.
  Result<BoundExprPtr> BindWindow(const ast::Expr& e, const std::string& name, const Scope& scope) {
    if (window_sink_ == nullptr) {
      return Err(SqlState("42P20"), "window functions are not allowed in " +
                                        (agg_context_.empty() ? std::string("this context") : agg_context_),
                 e.location);
    }
    if ((name != "row_number" && name != "rank" && name != "dense_rank") || !e.args.empty() || e.agg_star ||
        e.agg_distinct || e.agg_filter) {
      return Err(SqlState::kFeatureNotSupported,
                 "window function " + name + " is not supported (only row_number(), rank() and dense_rank())",
                 e.location);
    }
    std::vector<WindowCall>* sink = window_sink_;
    std::vector<AggregateCall>* saved_aggs = agg_sink_;
    window_sink_ = nullptr;
    agg_sink_ = nullptr;
    struct Restore {
      Impl* self;
      std::vector<WindowCall>* windows;
      std::vector<AggregateCall>* aggs;
      ~Restore() {
        self->window_sink_ = windows;
        self->agg_sink_ = aggs;
      }
    } restore{this, sink, saved_aggs};
    WindowCall call;
    call.name = name;
    for (const auto& p : e.over_partition) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr b, Bind(*p, scope));
      STRATA_ASSIGN_OR_RETURN(b, ResolveUnknown(std::move(b)));
      call.partition.push_back(std::move(b));
    }
    for (const auto& o : e.over_order) {
      SortKey key;
      STRATA_ASSIGN_OR_RETURN(key.expr, Bind(*o.expr, scope));
      STRATA_ASSIGN_OR_RETURN(key.expr, ResolveUnknown(std::move(key.expr)));
      key.descending = o.direction == ast::SortDirection::kDesc;
      key.nulls_first = o.nulls == ast::NullsOrder::kDefault ? key.descending : o.nulls == ast::NullsOrder::kFirst;
      call.order.push_back(std::move(key));
    }
    auto marker = std::make_unique<BoundExpr>(BoundExprKind::kColumn, DataType::Of(TypeId::kInt8));
    marker->depth = -2;
    marker->index = static_cast<int>(sink->size());
    marker->location = e.location;
    sink->push_back(std::move(call));
    return marker;
  }

  Result<BoundExprPtr> BindAggregate(const ast::Expr& e, const Scope& scope) {
    const std::string name = e.names.back();
    if (agg_sink_ == nullptr) {
      if (in_aggregate_) {
        return Err(SqlState("42803"), "aggregate function calls cannot be nested", e.location);
      }
      return Err(SqlState("42803"), "aggregate functions are not allowed in " + agg_context_, e.location);
    }
    std::vector<AggregateCall>* sink = agg_sink_;
    agg_sink_ = nullptr;
    in_aggregate_ = true;
    struct Restore {
      Impl* self;
      std::vector<AggregateCall>* sink;
      ~Restore() {
        self->agg_sink_ = sink;
        self->in_aggregate_ = false;
      }
    } restore{this, sink};
    AggregateCall call;
    std::vector<ArgType> types;
    if (!e.agg_star) {
      for (const auto& a : e.args) {
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, Bind(*a, scope));
        types.push_back(ArgTypeOf(*c));
        call.args.push_back(std::move(c));
      }
    } else if (name != "count") {
      return Err(SqlState::kSyntaxError, name + "(*) must be used to call a parameterless aggregate function",
                 e.location);
    }
    auto agg = functions::ResolveAggregate(name, types, e.agg_distinct);
    if (!agg.ok()) {
      Status s = agg.status();
      if (s.position() == 0) s = std::move(s).WithPosition(e.location);
      return s;
    }
    for (size_t i = 0; i < call.args.size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(call.args[i], Coerce(std::move(call.args[i]), agg->arg_types[i], CastContext::kImplicit));
    }
    call.aggregate = std::move(agg).value();
    call.distinct = e.agg_distinct;
    if (e.agg_filter) {
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr f, Bind(*e.agg_filter, scope));
      STRATA_ASSIGN_OR_RETURN(call.filter, CoerceBool(std::move(f), "FILTER"));
    }
    for (const auto& o : e.agg_order) {
      SortKey key;
      STRATA_ASSIGN_OR_RETURN(key.expr, Bind(*o.expr, scope));
      STRATA_ASSIGN_OR_RETURN(key.expr, ResolveUnknown(std::move(key.expr)));
      key.descending = o.direction == ast::SortDirection::kDesc;
      key.nulls_first = o.nulls == ast::NullsOrder::kDefault ? key.descending : o.nulls == ast::NullsOrder::kFirst;
      call.order.push_back(std::move(key));
    }
    auto marker = std::make_unique<BoundExpr>(BoundExprKind::kColumn, call.aggregate.return_type);
    marker->depth = -1;  // an aggregate reference; see Regroup
    marker->index = static_cast<int>(sink->size());
    marker->location = e.location;
    sink->push_back(std::move(call));
    return marker;
  }

  Result<BoundExprPtr> BindSubLink(const ast::Expr& e, const Scope& scope) {
    bool correlated = false;
    // Inner aggregates belong to the subquery.
    auto saved_sink = agg_sink_;
    auto saved_context = agg_context_;
    bool saved_in_agg = in_aggregate_;
    agg_sink_ = nullptr;
    in_aggregate_ = false;
    struct Restore {
      Impl* self;
      std::vector<AggregateCall>* sink;
      std::string context;
      bool in_agg;
      ~Restore() {
        self->agg_sink_ = sink;
        self->agg_context_ = context;
        self->in_aggregate_ = in_agg;
      }
    } restore{this, saved_sink, saved_context, saved_in_agg};
    STRATA_ASSIGN_OR_RETURN(BoundQuery q, BindSelect(*e.subquery, &scope, &correlated));
    auto out = std::make_unique<BoundExpr>(BoundExprKind::kSubquery, kBool);
    out->location = e.location;
    out->correlated = correlated;
    switch (e.sublink) {
      case ast::SubLinkKind::kExists:
        out->subquery = SubqueryKind::kExists;
        break;
      case ast::SubLinkKind::kExpr:
      case ast::SubLinkKind::kArray:
        if (q.columns.size() != 1) {
          return Err(SqlState::kSyntaxError, "subquery must return only one column", e.location);
        }
        out->subquery = e.sublink == ast::SubLinkKind::kExpr ? SubqueryKind::kScalar : SubqueryKind::kArray;
        out->type = e.sublink == ast::SubLinkKind::kExpr
                        ? q.columns[0].type
                        : DataType::Array(q.columns[0].type.id, q.columns[0].type.typmod);
        break;
      case ast::SubLinkKind::kAny:
      case ast::SubLinkKind::kAll: {
        if (q.columns.size() != 1) {
          return Err(SqlState::kSyntaxError, "subquery has too many columns", e.location);
        }
        out->subquery = e.sublink == ast::SubLinkKind::kAny ? SubqueryKind::kAny : SubqueryKind::kAll;
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr left, Bind(*e.args[0], scope));
        const std::string op = e.names.empty() ? "=" : e.names.back();
        auto fn = functions::ResolveOperator(op, ArgTypeOf(*left), ArgType::Of(q.columns[0].type));
        if (!fn.ok()) return fn.status().position() == 0 ? fn.status().WithPosition(e.location) : fn.status();
        STRATA_ASSIGN_OR_RETURN(left, Coerce(std::move(left), fn->arg_types[0], CastContext::kImplicit));
        if (!SameType(q.columns[0].type, fn->arg_types[1])) {
          STRATA_ASSIGN_OR_RETURN(q.plan, CastPlanColumns(std::move(q.plan), {fn->arg_types[1]}));
        }
        out->fn = *fn;
        out->children.push_back(std::move(left));
        break;
      }
    }
    out->subplan = std::shared_ptr<const PlanNode>(std::move(q.plan));
    return out;
  }

  // Whether any expression in the plan references an outer row `depth` or
  // more levels out.
  static bool ReferencesBeyond(const PlanNode& plan, int depth) {
    auto expr_refs = [&](const BoundExpr* e, int d, auto&& self) -> bool {
      if (e == nullptr) return false;
      if (e->kind == BoundExprKind::kOuterColumn && e->depth >= d) return true;
      if (e->kind == BoundExprKind::kSubquery && e->subplan && ReferencesBeyond(*e->subplan, d + 1)) return true;
      for (const auto& c : e->children) {
        if (self(c.get(), d, self)) return true;
      }
      return false;
    };
    auto any = [&](const BoundExpr* e) { return expr_refs(e, depth, expr_refs); };
    if (any(plan.filter.get()) || any(plan.limit.get()) || any(plan.offset.get())) return true;
    for (const auto& e : plan.exprs) if (any(e.get())) return true;
    for (const auto& row : plan.keys) for (const auto& e : row) if (any(e.get())) return true;
    for (const auto& e : plan.lower) if (any(e.get())) return true;
    for (const auto& e : plan.upper) if (any(e.get())) return true;
    for (const auto& e : plan.left_keys) if (any(e.get())) return true;
    for (const auto& e : plan.right_keys) if (any(e.get())) return true;
    for (const auto& k : plan.sort_keys) if (any(k.expr.get())) return true;
    for (const auto& a : plan.aggregates) {
      for (const auto& e : a.args) if (any(e.get())) return true;
      if (any(a.filter.get())) return true;
    }
    for (const auto& c : plan.children) if (ReferencesBeyond(*c, depth)) return true;
    return false;
  }

  // Wraps `plan` in a projection casting its columns to `types`.
  // `unknown` marks columns that were untyped literals (read as text, so
  // they convert like literals: an explicit text-input cast).
  Result<PlanPtr> CastPlanColumns(PlanPtr plan, const std::vector<DataType>& types,
                                  const std::vector<bool>* unknown = nullptr) {
    auto proj = std::make_unique<PlanNode>(PlanKind::kProject);
    for (size_t i = 0; i < types.size(); ++i) {
      auto col = std::make_unique<BoundExpr>(BoundExprKind::kColumn, plan->types[i]);
      col->index = static_cast<int>(i);
      const bool lit = unknown != nullptr && i < unknown->size() && (*unknown)[i];
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr c,
                              Coerce(std::move(col), types[i], lit ? CastContext::kExplicit : CastContext::kImplicit));
      proj->types.push_back(types[i]);
      proj->exprs.push_back(std::move(c));
    }
    proj->children.push_back(std::move(plan));
    return proj;
  }

  // ---- FROM ----

  const ast::CommonTableExpr* FindCte(const std::string& name, CteFrame** frame, size_t* index) {
    for (auto it = cte_frames_.rbegin(); it != cte_frames_.rend(); ++it) {
      for (size_t i = 0; i < it->visible; ++i) {
        if (it->with->ctes[i].name == name) {
          *frame = &*it;
          *index = i;
          return &it->with->ctes[i];
        }
      }
    }
    return nullptr;
  }

  Status AddRangeName(std::set<std::string>* names, const std::string& name, int location) {
    if (!names->insert(name).second) {
      return Err(SqlState("42712"), "table name \"" + name + "\" specified more than once", location);
    }
    return Status::OK();
  }

  // Applies `alias (a, b, ...)` column renames to a scope.
  Status ApplyAlias(const std::optional<ast::Alias>& alias, const std::string& default_name, Scope* scope, int location) {
    const std::string range = alias ? alias->name : default_name;
    for (auto& c : scope->columns) c.table = range;
    scope->tables = {range};
    if (alias && !alias->column_names.empty()) {
      if (alias->column_names.size() > scope->columns.size()) {
        return Err(SqlState::kInvalidColumnReference,
                   "table \"" + range + "\" has " + std::to_string(scope->columns.size()) + " columns available but " +
                       std::to_string(alias->column_names.size()) + " columns specified",
                   location);
      }
      for (size_t i = 0; i < alias->column_names.size(); ++i) scope->columns[i].name = alias->column_names[i];
    }
    return Status::OK();
  }

  Result<FromItem> BindFromItem(const ast::TableRef& ref, const Scope* outer, std::set<std::string>* range_names) {
    FromItem item;
    switch (ref.kind) {
      case ast::TableRefKind::kTable: {
        if (ref.table.schema.empty()) {
          CteFrame* frame = nullptr;
          size_t index = 0;
          if (const ast::CommonTableExpr* cte = FindCte(ref.table.name, &frame, &index)) {
            const size_t saved = frame->visible;
            frame->visible = index;
            auto q = BindSelect(static_cast<const ast::SelectStmt&>(*cte->query), nullptr);
            frame->visible = saved;
            if (!q.ok()) return q.status();
            if (cte->column_names.size() > q->columns.size()) {
              return Err(SqlState::kInvalidColumnReference,
                         "WITH query \"" + cte->name + "\" has " + std::to_string(q->columns.size()) +
                             " columns available but " + std::to_string(cte->column_names.size()) +
                             " columns specified",
                         cte->location);
            }
            for (size_t i = 0; i < q->columns.size(); ++i) {
              ScopeColumn c;
              c.name = i < cte->column_names.size() ? cte->column_names[i] : q->columns[i].name;
              c.type = q->columns[i].type;
              c.index = static_cast<int>(i);
              item.scope.columns.push_back(std::move(c));
              item.scope.star.push_back(static_cast<int>(i));
            }
            item.width = static_cast<int>(q->columns.size());
            item.plan = std::move(q->plan);
            STRATA_RETURN_IF_ERROR(ApplyAlias(ref.alias, cte->name, &item.scope, ref.location));
            STRATA_RETURN_IF_ERROR(AddRangeName(range_names, item.scope.tables[0], ref.location));
            return item;
          }
        }
        if (const system::SystemRelation* rel =
                system::FindSystemRelation(ref.table.schema, ref.table.name, options_.search_path)) {
          auto plan = std::make_unique<PlanNode>(PlanKind::kSystemScan);
          plan->system_relation = rel;
          plan->table_name = rel->name;
          for (size_t i = 0; i < rel->columns.size(); ++i) {
            ScopeColumn c;
            c.name = rel->columns[i].name;
            c.type = rel->columns[i].type;
            c.index = static_cast<int>(i);
            c.table_oid = rel->oid;
            c.attnum = static_cast<int16_t>(i + 1);
            item.scope.columns.push_back(std::move(c));
            item.scope.star.push_back(static_cast<int>(i));
            plan->types.push_back(rel->columns[i].type);
          }
          item.width = static_cast<int>(rel->columns.size());
          item.plan = std::move(plan);
          STRATA_RETURN_IF_ERROR(ApplyAlias(ref.alias, ref.table.name, &item.scope, ref.location));
          STRATA_RETURN_IF_ERROR(AddRangeName(range_names, item.scope.tables[0], ref.location));
          return item;
        }
        STRATA_ASSIGN_OR_RETURN(const storage::TableDef* table, LookupTable(ref.table));
        item.table = table;
        item.table_name = ref.table.name;
        for (size_t i = 0; i < table->columns.size(); ++i) {
          ScopeColumn c;
          c.name = table->columns[i].name;
          c.type = table->columns[i].type;
          c.index = static_cast<int>(i);
          c.table_oid = table->id;
          c.attnum = static_cast<int16_t>(i + 1);
          item.scope.columns.push_back(std::move(c));
          item.scope.star.push_back(static_cast<int>(i));
        }
        item.width = static_cast<int>(table->columns.size());
        if (binlog_columns_ && table->properties.binlog_level == storage::BinlogLevel::kReplica) {
          // Not in `star`: SELECT hg_binlog_lsn, * lists the table's columns once.
          item.binlog = true;
          for (std::string_view name : planner::kBinlogColumnNames) {
            ScopeColumn c;
            c.name = std::string(name);
            c.type = kInt8;
            c.index = item.width++;
            item.scope.columns.push_back(std::move(c));
          }
        }
        STRATA_RETURN_IF_ERROR(ApplyAlias(ref.alias, ref.table.name, &item.scope, ref.location));
        STRATA_RETURN_IF_ERROR(AddRangeName(range_names, item.scope.tables[0], ref.location));
        return item;
      }
      case ast::TableRefKind::kSubquery: {
        if (ref.lateral) return Err(SqlState::kFeatureNotSupported, "LATERAL is not supported", ref.location);
        if (!ref.alias) {
          return Err(SqlState::kSyntaxError, "subquery in FROM must have an alias", ref.location)
              .WithHint("For example, FROM (SELECT ...) [AS] foo.");
        }
        STRATA_ASSIGN_OR_RETURN(BoundQuery q, BindSelect(*ref.subquery, nullptr));
        for (size_t i = 0; i < q.columns.size(); ++i) {
          ScopeColumn c;
          c.name = q.columns[i].name;
          c.type = q.columns[i].type;
          c.index = static_cast<int>(i);
          item.scope.columns.push_back(std::move(c));
          item.scope.star.push_back(static_cast<int>(i));
        }
        item.width = static_cast<int>(q.columns.size());
        item.plan = std::move(q.plan);
        STRATA_RETURN_IF_ERROR(ApplyAlias(ref.alias, "", &item.scope, ref.location));
        STRATA_RETURN_IF_ERROR(AddRangeName(range_names, item.scope.tables[0], ref.location));
        return item;
      }
      case ast::TableRefKind::kFunction: {
        const ast::Expr& f = *ref.function;
        // Arguments may reference enclosing queries (correlation).
        Scope args_scope;
        args_scope.parent = outer;
        args_scope.correlated = from_flag_;
        if (IsExpandArray(f)) {
          // A function returning records gives one column per field (x, n).
          STRATA_ASSIGN_OR_RETURN(auto bound, BindSetFunction(f, args_scope));
          const std::vector<RecordField>* fields = RecordFields(bound.second);
          auto plan = std::make_unique<PlanNode>(PlanKind::kFunctionScan);
          plan->table_name = "_pg_expandarray";
          plan->exprs = std::move(bound.first.args);
          for (size_t i = 0; i < fields->size(); ++i) {
            plan->types.push_back((*fields)[i].type);
            ScopeColumn c;
            c.name = (*fields)[i].name;
            c.type = (*fields)[i].type;
            c.index = static_cast<int>(i);
            item.scope.columns.push_back(std::move(c));
            item.scope.star.push_back(static_cast<int>(i));
          }
          item.width = static_cast<int>(fields->size());
          item.plan = std::move(plan);
          STRATA_RETURN_IF_ERROR(ApplyAlias(ref.alias, "_pg_expandarray", &item.scope, ref.location));
          STRATA_RETURN_IF_ERROR(AddRangeName(range_names, item.scope.tables[0], ref.location));
          return item;
        }
        if (f.kind != ast::ExprKind::kFuncCall || (f.names.size() == 2 && f.names[0] != "pg_catalog") ||
            f.names.size() > 2 || (f.names.back() != "unnest" && f.names.back() != "generate_series")) {
          return Err(SqlState::kFeatureNotSupported,
                     "only generate_series(start, stop[, step]), unnest(array) and "
                     "information_schema._pg_expandarray(array) are supported in FROM",
                     ref.location);
        }
        STRATA_ASSIGN_OR_RETURN(auto bound, BindSetFunction(f, args_scope));
        const std::string fname = f.names.back();
        auto plan = std::make_unique<PlanNode>(PlanKind::kFunctionScan);
        plan->table_name = fname == "unnest" ? "unnest" : "";
        plan->types.push_back(bound.second);
        plan->exprs = std::move(bound.first.args);
        ScopeColumn c;
        c.name = fname;
        c.type = bound.second;
        item.scope.columns.push_back(std::move(c));
        item.scope.star.push_back(0);
        item.width = 1;
        item.plan = std::move(plan);
        STRATA_RETURN_IF_ERROR(ApplyAlias(ref.alias, fname, &item.scope, ref.location));
        if (!ref.alias || ref.alias->column_names.empty()) {
          item.scope.columns[0].name = ref.alias ? ref.alias->name : fname;
        }
        STRATA_RETURN_IF_ERROR(AddRangeName(range_names, item.scope.tables[0], ref.location));
        return item;
      }
      case ast::TableRefKind::kJoin:
        return BindJoin(ref, outer, range_names);
    }
    return Err(SqlState::kFeatureNotSupported, "unsupported FROM item", ref.location);
  }

  // Finishes a FROM item's plan: base tables get their access path.
  PlanPtr Finalize(FromItem* item) {
    if (item->plan) {
      if (!item->pushed.empty()) {
        auto f = std::make_unique<PlanNode>(PlanKind::kFilter);
        f->types = item->plan->types;
        f->filter = planner::CombineConjuncts(std::move(item->pushed));
        f->children.push_back(std::move(item->plan));
        return f;
      }
      return std::move(item->plan);
    }
    if (item->binlog) {
      return planner::PlanBinlogScan(*item->table, item->table_name, std::move(item->pushed));
    }
    return planner::PlanTableAccess(*item->table, item->table_name, std::move(item->pushed));
  }

  // Combines two items into a join; `conjuncts` are conditions over the
  // combined row (left columns first).
  Result<FromItem> MakeJoin(FromItem left, FromItem right, JoinType type, std::vector<BoundExprPtr> conjuncts) {
    FromItem out;
    const int lw = left.width;
    auto plan = std::make_unique<PlanNode>(PlanKind::kNestedLoopJoin);
    plan->join_type = type;
    std::vector<BoundExprPtr> residual;
    for (auto& c : conjuncts) {
      if (c->kind == BoundExprKind::kFunction && c->fn.name == "=" && c->children.size() == 2 &&
          !HasSubquery(*c)) {
        std::set<int> a_cols, b_cols;
        bool sub = false;
        CollectColumns(*c->children[0], &a_cols, &sub);
        CollectColumns(*c->children[1], &b_cols, &sub);
        auto side = [&](const std::set<int>& cols) {
          if (cols.empty()) return 0;
          if (*cols.rbegin() < lw) return 1;
          if (*cols.begin() >= lw) return 2;
          return 3;
        };
        const int sa = side(a_cols);
        const int sb = side(b_cols);
        const DataType& ta = c->children[0]->type;
        const DataType& tb = c->children[1]->type;
        const bool hashable = !ta.is_array() && !tb.is_array() &&
                              (ta.id == tb.id || (IsIntegerType(ta.id) && IsIntegerType(tb.id)));
        if (hashable && ((sa == 1 && sb == 2) || (sa == 2 && sb == 1))) {
          BoundExprPtr l = std::move(c->children[sa == 1 ? 0 : 1]);
          BoundExprPtr r = std::move(c->children[sa == 1 ? 1 : 0]);
          ShiftColumns(r.get(), -lw);
          plan->left_keys.push_back(std::move(l));
          plan->right_keys.push_back(std::move(r));
          continue;
        }
      }
      residual.push_back(std::move(c));
    }
    if (!plan->left_keys.empty()) plan->kind = PlanKind::kHashJoin;
    if (type == JoinType::kFull && plan->left_keys.empty()) {
      return Status(SqlState::kFeatureNotSupported,
                    "FULL JOIN is only supported with merge-joinable or hash-joinable join conditions");
    }
    plan->filter = planner::CombineConjuncts(std::move(residual));
    PlanPtr lp = Finalize(&left);
    PlanPtr rp = Finalize(&right);
    plan->types = lp->types;
    plan->types.insert(plan->types.end(), rp->types.begin(), rp->types.end());
    plan->children.push_back(std::move(lp));
    plan->children.push_back(std::move(rp));
    out.plan = std::move(plan);
    out.scope = std::move(left.scope);
    for (ScopeColumn c : right.scope.columns) {
      c.index += lw;
      out.scope.columns.push_back(std::move(c));
    }
    std::vector<int> star = out.scope.star;
    for (int s : right.scope.star) star.push_back(s + static_cast<int>(out.scope.columns.size() - right.scope.columns.size()));
    out.scope.star = std::move(star);
    out.scope.tables.insert(out.scope.tables.end(), right.scope.tables.begin(), right.scope.tables.end());
    out.width = lw + right.width;
    return out;
  }

  Result<FromItem> BindJoin(const ast::TableRef& ref, const Scope* outer, std::set<std::string>* range_names) {
    if (ref.alias) return Err(SqlState::kFeatureNotSupported, "aliases on JOIN expressions are not supported", ref.location);
    STRATA_ASSIGN_OR_RETURN(FromItem left, BindFromItem(*ref.left, outer, range_names));
    STRATA_ASSIGN_OR_RETURN(FromItem right, BindFromItem(*ref.right, outer, range_names));
    const JoinType type = ref.join == ast::JoinKind::kLeft    ? JoinType::kLeft
                          : ref.join == ast::JoinKind::kRight ? JoinType::kRight
                          : ref.join == ast::JoinKind::kFull  ? JoinType::kFull
                                                              : JoinType::kInner;
    // Combined scope for the ON condition.
    Scope combined;
    combined.parent = outer;
    combined.columns = left.scope.columns;
    for (ScopeColumn c : right.scope.columns) {
      c.index += left.width;
      combined.columns.push_back(std::move(c));
    }
    combined.tables = left.scope.tables;
    combined.tables.insert(combined.tables.end(), right.scope.tables.begin(), right.scope.tables.end());
    std::vector<BoundExprPtr> conjuncts;
    std::vector<std::string> using_cols = ref.using_columns;
    if (ref.natural) {
      for (const auto& lc : left.scope.columns) {
        if (lc.hidden) continue;
        for (const auto& rc : right.scope.columns) {
          if (!rc.hidden && rc.name == lc.name &&
              std::find(using_cols.begin(), using_cols.end(), lc.name) == using_cols.end()) {
            using_cols.push_back(lc.name);
          }
        }
      }
    }
    std::vector<std::pair<int, int>> using_pairs;  // combined indexes
    for (const std::string& name : using_cols) {
      auto find = [&](const Scope& s, int offset, const char* side) -> Result<int> {
        int found = -1;
        for (const auto& c : s.columns) {
          if (c.hidden || c.name != name) continue;
          if (found >= 0) {
            return Err(SqlState::kAmbiguousColumn,
                       "common column name \"" + name + "\" appears more than once in " + side + " table", ref.location);
          }
          found = c.index + offset;
        }
        if (found < 0) {
          return Err(SqlState::kUndefinedColumn,
                     "column \"" + name + "\" specified in USING clause does not exist in " + side + " table",
                     ref.location);
        }
        return found;
      };
      STRATA_ASSIGN_OR_RETURN(int li, find(left.scope, 0, "left"));
      STRATA_ASSIGN_OR_RETURN(int ri, find(right.scope, left.width, "right"));
      using_pairs.emplace_back(li, ri);
      auto lref = std::make_unique<BoundExpr>(BoundExprKind::kColumn, combined.columns[static_cast<size_t>(li)].type);
      lref->index = li;
      DataType rtype;
      for (const auto& c : combined.columns) {
        if (c.index == ri) rtype = c.type;
      }
      auto rref = std::make_unique<BoundExpr>(BoundExprKind::kColumn, rtype);
      rref->index = ri;
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr eq, Operator("=", std::move(lref), std::move(rref), ref.location));
      conjuncts.push_back(std::move(eq));
    }
    if (ref.on) {
      const std::string saved = agg_context_;
      agg_context_ = "JOIN conditions";
      auto saved_sink = agg_sink_;
      agg_sink_ = nullptr;
      auto cond = Bind(*ref.on, combined);
      agg_sink_ = saved_sink;
      agg_context_ = saved;
      if (!cond.ok()) return cond.status();
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, CoerceBool(std::move(cond).value(), "JOIN/ON"));
      planner::SplitConjuncts(std::move(c), &conjuncts);
    }
    const int lw = left.width;
    const int rw = right.width;
    const size_t left_cols = left.scope.columns.size();
    STRATA_ASSIGN_OR_RETURN(FromItem out, MakeJoin(std::move(left), std::move(right), type, std::move(conjuncts)));
    if (using_pairs.empty()) return out;
    // USING: one merged column per name, listed first by `*`; the sides'
    // own columns stay reachable qualified.
    std::vector<int> star;
    std::set<int> used;
    std::vector<BoundExprPtr> merged_exprs;
    for (size_t k = 0; k < using_pairs.size(); ++k) {
      auto [li, ri] = using_pairs[k];
      used.insert(li);
      used.insert(ri);
      const ScopeColumn& lc = out.scope.columns[static_cast<size_t>(li)];
      size_t rpos = 0;
      for (size_t i = left_cols; i < out.scope.columns.size(); ++i) {
        if (out.scope.columns[i].index == ri) rpos = i;
      }
      const ScopeColumn& rc = out.scope.columns[rpos];
      ScopeColumn merged;
      merged.name = lc.name;
      if (type == JoinType::kFull || !SameType(lc.type, rc.type)) {
        // COALESCE(l, r) in the common type, computed by a projection.
        std::vector<BoundExprPtr> args;
        auto a = std::make_unique<BoundExpr>(BoundExprKind::kColumn, lc.type);
        a->index = li;
        auto b = std::make_unique<BoundExpr>(BoundExprKind::kColumn, rc.type);
        b->index = ri;
        args.push_back(std::move(a));
        args.push_back(std::move(b));
        STRATA_ASSIGN_OR_RETURN(DataType t, CommonType(&args, "JOIN/USING"));
        auto coalesce = std::make_unique<BoundExpr>(BoundExprKind::kCoalesce, t);
        coalesce->children = std::move(args);
        merged.type = t;
        merged.index = lw + rw + static_cast<int>(merged_exprs.size());
        merged_exprs.push_back(std::move(coalesce));
      } else {
        merged.type = lc.type;
        merged.index = type == JoinType::kRight ? ri : li;
        if (type != JoinType::kRight) {
          merged.table_oid = lc.table_oid;
          merged.attnum = lc.attnum;
        } else {
          merged.table_oid = rc.table_oid;
          merged.attnum = rc.attnum;
        }
      }
      out.scope.columns[static_cast<size_t>(li)].hidden = true;
      out.scope.columns[rpos].hidden = true;
      star.push_back(static_cast<int>(out.scope.columns.size()));
      out.scope.columns.push_back(std::move(merged));
    }
    for (int s : out.scope.star) {
      if (used.count(out.scope.columns[static_cast<size_t>(s)].index) == 0) star.push_back(s);
    }
    out.scope.star = std::move(star);
    if (!merged_exprs.empty()) {
      auto proj = std::make_unique<PlanNode>(PlanKind::kProject);
      PlanPtr child = Finalize(&out);
      for (int i = 0; i < lw + rw; ++i) {
        auto col = std::make_unique<BoundExpr>(BoundExprKind::kColumn, child->types[static_cast<size_t>(i)]);
        col->index = i;
        proj->types.push_back(col->type);
        proj->exprs.push_back(std::move(col));
      }
      for (auto& m : merged_exprs) {
        proj->types.push_back(m->type);
        proj->exprs.push_back(std::move(m));
      }
      proj->children.push_back(std::move(child));
      out.width = static_cast<int>(proj->types.size());
      out.plan = std::move(proj);
    }
    return out;
  }

  // Plans the FROM list with the WHERE conjuncts pushed as far down as
  // possible. Returns the combined item (plan finalized) and the conjuncts
  // that must be applied above it.
  Result<FromItem> BindFrom(const std::vector<std::unique_ptr<ast::TableRef>>& from, const Scope* outer,
                            bool* flag, const ast::Expr* where, std::vector<BoundExprPtr>* remaining,
                            bool* has_where) {
    std::set<std::string> range_names;
    std::vector<FromItem> items;
    bool* const saved_flag = from_flag_;
    from_flag_ = flag;
    for (const auto& ref : from) {
      auto item = BindFromItem(*ref, outer, &range_names);
      if (!item.ok()) {
        from_flag_ = saved_flag;
        return item.status();
      }
      items.push_back(std::move(item).value());
    }
    from_flag_ = saved_flag;
    // The full scope, for binding WHERE.
    Scope full;
    full.parent = outer;
    full.correlated = flag;
    std::vector<int> offsets;
    int offset = 0;
    for (const auto& item : items) {
      offsets.push_back(offset);
      const int col_base = static_cast<int>(full.columns.size());
      for (int st : item.scope.star) full.star.push_back(st + col_base);
      for (ScopeColumn c : item.scope.columns) {
        c.index += offset;
        full.columns.push_back(std::move(c));
      }
      full.tables.insert(full.tables.end(), item.scope.tables.begin(), item.scope.tables.end());
      offset += item.width;
    }
    std::vector<BoundExprPtr> conjuncts;
    *has_where = where != nullptr;
    if (where != nullptr) {
      const std::string saved = agg_context_;
      agg_context_ = "WHERE";
      auto saved_sink = agg_sink_;
      agg_sink_ = nullptr;
      auto cond = Bind(*where, full);
      agg_sink_ = saved_sink;
      agg_context_ = saved;
      if (!cond.ok()) return cond.status();
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, CoerceBool(std::move(cond).value(), "WHERE"));
      planner::SplitConjuncts(std::move(c), &conjuncts);
    }
    if (items.empty()) {
      FromItem result;
      result.plan = std::make_unique<PlanNode>(PlanKind::kResult);
      *remaining = std::move(conjuncts);
      return result;
    }
    if (items.size() == 1) {
      // One item: every conjunct (subqueries included) evaluates over its
      // own rows.
      items[0].pushed = std::move(conjuncts);
      items[0].plan = Finalize(&items[0]);
      items[0].scope.parent = outer;
      items[0].scope.correlated = flag;
      return std::move(items[0]);
    }
    // Several items: push single-item conjuncts into their item, use
    // two-sided ones as join conditions as the left-deep chain grows.
    std::vector<std::set<int>> cols(conjuncts.size());
    std::vector<bool> sub(conjuncts.size(), false);
    for (size_t i = 0; i < conjuncts.size(); ++i) {
      bool has_sub = false;
      CollectColumns(*conjuncts[i], &cols[i], &has_sub);
      sub[i] = has_sub;
    }
    auto item_of = [&](int col) {
      size_t k = 0;
      while (k + 1 < offsets.size() && offsets[k + 1] <= col) ++k;
      return k;
    };
    for (size_t i = 0; i < conjuncts.size(); ++i) {
      if (sub[i] || cols[i].empty()) continue;
      const size_t first = item_of(*cols[i].begin());
      const size_t last = item_of(*cols[i].rbegin());
      if (first != last) continue;
      ShiftColumns(conjuncts[i].get(), -offsets[first]);
      items[first].pushed.push_back(std::move(conjuncts[i]));
    }
    FromItem acc = std::move(items[0]);
    for (size_t k = 1; k < items.size(); ++k) {
      const int end = offsets[k] + items[k].width;
      std::vector<BoundExprPtr> join_conds;
      for (size_t i = 0; i < conjuncts.size(); ++i) {
        if (conjuncts[i] == nullptr || sub[i] || cols[i].empty()) continue;
        if (*cols[i].rbegin() < end && *cols[i].rbegin() >= offsets[k]) join_conds.push_back(std::move(conjuncts[i]));
      }
      STRATA_ASSIGN_OR_RETURN(acc, MakeJoin(std::move(acc), std::move(items[k]), JoinType::kInner, std::move(join_conds)));
    }
    acc.plan = Finalize(&acc);
    for (auto& c : conjuncts) {
      if (c != nullptr) remaining->push_back(std::move(c));
    }
    acc.scope = std::move(full);
    return acc;
  }

  // ---- SELECT ----

  struct Target {
    BoundExprPtr expr;
    std::string name;
    uint32_t table_oid = 0;
    int16_t attnum = 0;
  };

  // `flag` (may be null) is set when the query references `outer` (it is
  // then a correlated subquery).
  Result<BoundQuery> BindSelect(const ast::SelectStmt& s, const Scope* outer, bool* flag = nullptr) {
    size_t pushed_frames = 0;
    if (s.with) {
      cte_frames_.push_back(CteFrame{&*s.with, s.with->ctes.size()});
      pushed_frames = 1;
      // Duplicate names are an error.
      std::set<std::string> names;
      for (const auto& c : s.with->ctes) {
        if (!names.insert(c.name).second) {
          cte_frames_.pop_back();
          return Err(SqlState("42712"), "WITH query name \"" + c.name + "\" specified more than once", c.location);
        }
      }
    }
    auto r = BindSelectBody(s, outer, flag);
    if (pushed_frames) cte_frames_.pop_back();
    return r;
  }

  Result<BoundQuery> BindSelectBody(const ast::SelectStmt& s, const Scope* outer, bool* flag) {
    std::vector<WindowCall>* const saved_windows = window_sink_;
    window_sink_ = nullptr;
    std::vector<SetFunctionCall>* const saved_srfs = srf_sink_;
    const bool saved_in_srf_args = in_srf_args_;
    std::string saved_srf_context = std::move(srf_context_);
    srf_sink_ = nullptr;
    in_srf_args_ = false;
    srf_context_.clear();
    struct RestoreWindows {
      Impl* self;
      std::vector<WindowCall>* saved;
      std::vector<SetFunctionCall>* saved_srfs;
      bool saved_in_srf_args;
      std::string saved_srf_context;
      ~RestoreWindows() {
        self->window_sink_ = saved;
        self->srf_sink_ = saved_srfs;
        self->in_srf_args_ = saved_in_srf_args;
        self->srf_context_ = std::move(saved_srf_context);
      }
    } restore_windows{this, saved_windows, saved_srfs, saved_in_srf_args, std::move(saved_srf_context)};
    if (s.op != ast::SetOpKind::kNone) return BindSetOp(s, outer, flag);
    if (!s.values.empty()) return BindValues(s, outer, flag);

    std::vector<BoundExprPtr> remaining;
    bool has_where = false;
    const bool saved_binlog = binlog_columns_;
    binlog_columns_ = NamesBinlogColumn(s);
    Result<FromItem> bound_from = BindFrom(s.from, outer, flag, s.where.get(), &remaining, &has_where);
    binlog_columns_ = saved_binlog;
    STRATA_ASSIGN_OR_RETURN(FromItem from, std::move(bound_from));
    Scope& scope = from.scope;
    scope.parent = outer;
    scope.correlated = flag;
    PlanPtr plan = std::move(from.plan);
    if (!remaining.empty()) {
      auto f = std::make_unique<PlanNode>(PlanKind::kFilter);
      f->types = plan->types;
      f->filter = planner::CombineConjuncts(std::move(remaining));
      f->children.push_back(std::move(plan));
      plan = std::move(f);
    }

    // Select list (aggregates, window and set-returning calls are collected).
    std::vector<AggregateCall> aggs;
    std::vector<WindowCall> windows;
    std::vector<SetFunctionCall> srfs;
    agg_sink_ = &aggs;
    window_sink_ = &windows;
    srf_sink_ = &srfs;
    agg_context_ = "";
    std::vector<Target> targets;
    for (const auto& t : s.targets) {
      if (t.expr->kind == ast::ExprKind::kStar) {
        STRATA_RETURN_IF_ERROR(ExpandStar(*t.expr, scope, &targets));
        continue;
      }
      Target out;
      STRATA_ASSIGN_OR_RETURN(out.expr, Bind(*t.expr, scope));
      out.name = t.alias.empty() ? ast::FigureColname(*t.expr) : t.alias;
      if (out.expr->kind == BoundExprKind::kColumn && out.expr->depth == 0) {
        for (const auto& c : scope.columns) {
          if (c.index == out.expr->index && c.table_oid != 0) {
            out.table_oid = c.table_oid;
            out.attnum = c.attnum;
            break;
          }
        }
      }
      targets.push_back(std::move(out));
    }
    if (targets.empty() && s.targets.empty()) {
      // SELECT FROM t: zero columns.
    }

    // GROUP BY.
    std::vector<BoundExprPtr> groups;
    agg_sink_ = nullptr;
    window_sink_ = nullptr;
    srf_sink_ = nullptr;
    agg_context_ = "GROUP BY";
    for (const auto& g : s.group_by) {
      BoundExprPtr ge;
      if (g->kind == ast::ExprKind::kConst && g->const_kind == ast::ConstKind::kInteger) {
        const int64_t pos = g->ival;
        if (pos < 1 || pos > static_cast<int64_t>(s.targets.size())) {
          return Err(SqlState::kInvalidColumnReference,
                     "GROUP BY position " + std::to_string(pos) + " is not in select list", g->location);
        }
        const auto& t = s.targets[static_cast<size_t>(pos - 1)];
        if (t.expr->kind == ast::ExprKind::kStar) {
          return Err(SqlState::kFeatureNotSupported, "GROUP BY position of * is not supported", g->location);
        }
        std::vector<AggregateCall> dummy;
        STRATA_ASSIGN_OR_RETURN(ge, Bind(*t.expr, scope));
      } else {
        auto bound = Bind(*g, scope);
        if (!bound.ok() && g->kind == ast::ExprKind::kColumnRef && g->names.size() == 1 &&
            bound.status().sql_state() == SqlState::kUndefinedColumn) {
          // An output column name.
          bool found = false;
          for (const auto& t : s.targets) {
            if (t.alias == g->names[0]) {
              STRATA_ASSIGN_OR_RETURN(ge, Bind(*t.expr, scope));
              found = true;
              break;
            }
          }
          if (!found) return bound.status();
        } else {
          if (!bound.ok()) return bound.status();
          ge = std::move(bound).value();
        }
      }
      STRATA_ASSIGN_OR_RETURN(ge, ResolveUnknown(std::move(ge)));
      groups.push_back(std::move(ge));
    }

    // HAVING and ORDER BY (may add aggregates; ORDER BY window calls too).
    agg_sink_ = &aggs;
    BoundExprPtr having;
    if (s.having) {
      agg_context_ = "HAVING";
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr h, Bind(*s.having, scope));
      STRATA_ASSIGN_OR_RETURN(having, CoerceBool(std::move(h), "HAVING"));
    }
    window_sink_ = &windows;
    struct OrderSpec {
      int target = -1;  // index into targets, or -1: hidden expression
      BoundExprPtr expr;
      bool descending = false;
      bool nulls_first = false;
    };
    std::vector<OrderSpec> order;
    for (const auto& o : s.order_by) {
      OrderSpec spec;
      spec.descending = o.direction == ast::SortDirection::kDesc;
      spec.nulls_first = o.nulls == ast::NullsOrder::kDefault ? spec.descending : o.nulls == ast::NullsOrder::kFirst;
      STRATA_ASSIGN_OR_RETURN(spec.target, FindOrderTarget(*o.expr, s, targets));
      if (spec.target < 0) {
        STRATA_ASSIGN_OR_RETURN(spec.expr, Bind(*o.expr, scope));
        STRATA_ASSIGN_OR_RETURN(spec.expr, ResolveUnknown(std::move(spec.expr)));
        for (size_t i = 0; i < targets.size(); ++i) {
          if (ExprEquals(*targets[i].expr, *spec.expr)) {
            spec.target = static_cast<int>(i);
            spec.expr.reset();
            break;
          }
        }
        if (spec.target < 0 && s.distinct) {
          return Err(SqlState::kInvalidColumnReference,
                     "for SELECT DISTINCT, ORDER BY expressions must appear in select list", o.location);
        }
      }
      order.push_back(std::move(spec));
    }
    agg_sink_ = nullptr;
    window_sink_ = nullptr;

    std::vector<bool> unknown_columns;
    for (auto& t : targets) {
      unknown_columns.push_back(t.expr->kind == BoundExprKind::kConst && t.expr->unknown_literal);
      STRATA_ASSIGN_OR_RETURN(t.expr, ResolveUnknown(std::move(t.expr)));
    }

    // Aggregation: rewrite expressions over the aggregate's output.
    const bool aggregated = !aggs.empty() || !groups.empty() || having != nullptr;
    if (aggregated && !groups.empty()) {
      // Columns functionally dependent on a grouped primary key may be used
      // ungrouped (as PostgreSQL allows): they become extra group keys.
      std::set<int> dependent = DependentColumns(scope, groups);
      if (!dependent.empty()) {
        std::set<int> used;
        bool sub = false;
        for (const auto& t : targets) CollectColumns(*t.expr, &used, &sub);
        for (const auto& o : order) {
          if (o.expr) CollectColumns(*o.expr, &used, &sub);
        }
        if (having) CollectColumns(*having, &used, &sub);
        for (int col : used) {
          if (dependent.count(col) == 0) continue;
          bool grouped = false;
          for (const auto& g : groups) {
            grouped = grouped || (g->kind == BoundExprKind::kColumn && g->depth == 0 && g->index == col);
          }
          if (grouped) continue;
          for (const auto& c : scope.columns) {
            if (c.index == col) {
              auto ref = std::make_unique<BoundExpr>(BoundExprKind::kColumn, c.type);
              ref->index = col;
              ref->name = c.table + "." + c.name;
              groups.push_back(std::move(ref));
              break;
            }
          }
        }
      }
    }
    if (aggregated) {
      for (auto& t : targets) {
        STRATA_ASSIGN_OR_RETURN(t.expr, Regroup(std::move(t.expr), groups));
      }
      for (auto& o : order) {
        if (o.expr) {
          STRATA_ASSIGN_OR_RETURN(o.expr, Regroup(std::move(o.expr), groups));
        }
      }
      if (having) {
        STRATA_ASSIGN_OR_RETURN(having, Regroup(std::move(having), groups));
      }
      for (auto& f : srfs) {
        for (auto& a : f.args) {
          STRATA_ASSIGN_OR_RETURN(a, Regroup(std::move(a), groups));
        }
      }
      auto agg = std::make_unique<PlanNode>(PlanKind::kAggregate);
      for (const auto& g : groups) agg->types.push_back(g->type);
      for (const auto& a : aggs) agg->types.push_back(a.aggregate.return_type);
      agg->exprs = std::move(groups);
      agg->aggregates = std::move(aggs);
      agg->children.push_back(std::move(plan));
      plan = std::move(agg);
      if (having) {
        auto f = std::make_unique<PlanNode>(PlanKind::kFilter);
        f->types = plan->types;
        f->filter = std::move(having);
        f->children.push_back(std::move(plan));
        plan = std::move(f);
      }
    }

    if (!windows.empty()) {
      if (aggregated) {
        return Err(SqlState::kFeatureNotSupported, "window functions in a grouped query are not supported",
                   s.location);
      }
      const int base = static_cast<int>(plan->types.size());
      auto w = std::make_unique<PlanNode>(PlanKind::kWindow);
      w->types = plan->types;
      for (size_t i = 0; i < windows.size(); ++i) w->types.push_back(DataType::Of(TypeId::kInt8));
      w->windows = std::move(windows);
      w->children.push_back(std::move(plan));
      plan = std::move(w);
      for (auto& t : targets) ResolveWindowMarkers(t.expr.get(), base);
      for (auto& o : order) {
        if (o.expr) ResolveWindowMarkers(o.expr.get(), base);
      }
      for (auto& f : srfs) {
        for (auto& a : f.args) ResolveWindowMarkers(a.get(), base);
      }
    }

    // Set-returning calls of the select list, after grouping and windows
    // (as PostgreSQL's ProjectSet), before ORDER BY / DISTINCT / LIMIT.
    if (!srfs.empty()) {
      const int base = static_cast<int>(plan->types.size());
      auto ps = std::make_unique<PlanNode>(PlanKind::kProjectSet);
      ps->types = plan->types;
      for (const auto& f : srfs) ps->types.push_back(f.type);
      ps->set_functions = std::move(srfs);
      ps->children.push_back(std::move(plan));
      plan = std::move(ps);
      for (auto& t : targets) ResolveSetFunctionMarkers(t.expr.get(), base);
    }

    // Projection: targets, then hidden sort keys.
    auto proj = std::make_unique<PlanNode>(PlanKind::kProject);
    BoundQuery out;
    for (auto& t : targets) {
      proj->types.push_back(t.expr->type);
      out.columns.push_back(ResultColumn{t.name, t.expr->type, t.table_oid, t.attnum});
      proj->exprs.push_back(std::move(t.expr));
    }
    const size_t visible = proj->exprs.size();
    std::vector<SortKey> sort_keys;
    for (auto& o : order) {
      SortKey k;
      k.descending = o.descending;
      k.nulls_first = o.nulls_first;
      int col = o.target;
      if (col < 0) {
        col = static_cast<int>(proj->exprs.size());
        proj->types.push_back(o.expr->type);
        proj->exprs.push_back(std::move(o.expr));
      }
      k.expr = std::make_unique<BoundExpr>(BoundExprKind::kColumn, proj->types[static_cast<size_t>(col)]);
      k.expr->index = col;
      sort_keys.push_back(std::move(k));
    }
    proj->children.push_back(std::move(plan));
    plan = std::move(proj);

    if (s.distinct) {
      if (!s.distinct_on.empty()) {
        return Err(SqlState::kFeatureNotSupported, "SELECT DISTINCT ON is not supported", s.location);
      }
      auto d = std::make_unique<PlanNode>(PlanKind::kDistinct);
      d->types = plan->types;
      d->children.push_back(std::move(plan));
      plan = std::move(d);
    }
    STRATA_ASSIGN_OR_RETURN(plan, AddSortLimit(std::move(plan), std::move(sort_keys), s));
    if (plan->types.size() != visible) {
      auto drop = std::make_unique<PlanNode>(PlanKind::kProject);
      for (size_t i = 0; i < visible; ++i) {
        auto col = std::make_unique<BoundExpr>(BoundExprKind::kColumn, plan->types[i]);
        col->index = static_cast<int>(i);
        drop->types.push_back(plan->types[i]);
        drop->exprs.push_back(std::move(col));
      }
      drop->children.push_back(std::move(plan));
      plan = std::move(drop);
    }
    out.plan = std::move(plan);
    out.unknown_columns = std::move(unknown_columns);
    return out;
  }

  // Scope column indexes that are functionally dependent on the group keys:
  // all columns of a base table whose primary-key columns are all grouped.
  std::set<int> DependentColumns(const Scope& scope, const std::vector<BoundExprPtr>& groups) {
    std::set<int> grouped;
    for (const auto& g : groups) {
      if (g->kind == BoundExprKind::kColumn && g->depth == 0) grouped.insert(g->index);
    }
    std::set<int> out;
    std::set<std::pair<std::string, uint32_t>> ranges;
    for (const auto& c : scope.columns) {
      if (c.table_oid != 0 && !c.table.empty()) ranges.insert({c.table, c.table_oid});
    }
    for (const auto& [range, oid] : ranges) {
      const storage::TableDef* def = catalog_->FindTableById(oid);
      if (def == nullptr || !def->has_primary_key()) continue;
      bool all = true;
      for (size_t pk : def->PrimaryKeyIndexes()) {
        bool found = false;
        for (const auto& c : scope.columns) {
          if (c.table == range && c.table_oid == oid && c.attnum == static_cast<int16_t>(pk + 1) &&
              grouped.count(c.index) > 0) {
            found = true;
          }
        }
        all = all && found;
      }
      if (!all) continue;
      for (const auto& c : scope.columns) {
        if (c.table == range && c.table_oid == oid) out.insert(c.index);
      }
    }
    return out;
  }

  // ORDER BY item naming an output column (by name or position): its index.
  Result<int> FindOrderTarget(const ast::Expr& e, const ast::SelectStmt& s, const std::vector<Target>& targets) {
    if (e.kind == ast::ExprKind::kConst && e.const_kind == ast::ConstKind::kInteger) {
      if (e.ival < 1 || e.ival > static_cast<int64_t>(targets.size())) {
        return Err(SqlState::kInvalidColumnReference,
                   "ORDER BY position " + std::to_string(e.ival) + " is not in select list", e.location);
      }
      return static_cast<int>(e.ival - 1);
    }
    if (e.kind == ast::ExprKind::kColumnRef && e.names.size() == 1) {
      int found = -1;
      for (size_t i = 0; i < targets.size(); ++i) {
        if (targets[i].name == e.names[0]) {
          if (found >= 0 && !ExprEquals(*targets[static_cast<size_t>(found)].expr, *targets[i].expr)) {
            return Err(SqlState::kAmbiguousColumn, "ORDER BY \"" + e.names[0] + "\" is ambiguous", e.location);
          }
          if (found < 0) found = static_cast<int>(i);
        }
      }
      (void)s;
      return found;
    }
    return -1;
  }

  // True when `plan` already delivers rows ordered by `keys`: ORDER BY
  // hg_binlog_lsn (ascending) over a binlog scan, which reads in LSN order.
  // Lets LIMIT stop the scan early instead of sorting the whole binlog.
  static bool OrderedByBinlogLsn(const PlanNode& plan, const std::vector<SortKey>& keys) {
    if (keys.size() != 1 || keys[0].descending || plan.kind != PlanKind::kProject) return false;
    const BoundExpr& k = *keys[0].expr;
    if (k.kind != BoundExprKind::kColumn || k.index < 0 ||
        static_cast<size_t>(k.index) >= plan.exprs.size()) {
      return false;
    }
    const BoundExpr& e = *plan.exprs[static_cast<size_t>(k.index)];
    if (e.kind != BoundExprKind::kColumn || e.depth != 0) return false;
    const PlanNode* child = plan.children[0].get();
    while (child->kind == PlanKind::kFilter) child = child->children[0].get();
    return child->kind == PlanKind::kBinlogScan &&
           static_cast<size_t>(e.index) == child->types.size() - std::size(planner::kBinlogColumnNames);
  }

  Result<PlanPtr> AddSortLimit(PlanPtr plan, std::vector<SortKey> sort_keys, const ast::SelectStmt& s) {
    if (OrderedByBinlogLsn(*plan, sort_keys)) sort_keys.clear();
    if (!sort_keys.empty()) {
      auto sort = std::make_unique<PlanNode>(PlanKind::kSort);
      sort->types = plan->types;
      sort->sort_keys = std::move(sort_keys);
      sort->children.push_back(std::move(plan));
      plan = std::move(sort);
    }
    if (s.limit || s.offset) {
      auto limit = std::make_unique<PlanNode>(PlanKind::kLimit);
      limit->types = plan->types;
      const std::string saved = agg_context_;
      agg_context_ = "LIMIT";
      if (s.limit) {
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr l, Bind(*s.limit, Scope()));
        STRATA_ASSIGN_OR_RETURN(limit->limit, CoerceOrMismatch(std::move(l), kInt8, "LIMIT"));
      }
      if (s.offset) {
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr o, Bind(*s.offset, Scope()));
        STRATA_ASSIGN_OR_RETURN(limit->offset, CoerceOrMismatch(std::move(o), kInt8, "OFFSET"));
      }
      agg_context_ = saved;
      limit->children.push_back(std::move(plan));
      plan = std::move(limit);
    }
    return plan;
  }

  Result<BoundExprPtr> CoerceOrMismatch(BoundExprPtr e, const DataType& t, const std::string& construct) {
    const int loc = e->location;
    const DataType from = e->type;
    auto r = Coerce(std::move(e), t, CastContext::kImplicit);
    if (!r.ok() && r.status().sql_state().code() == "42846") {
      return Err(SqlState::kDatatypeMismatch,
                 "argument of " + construct + " must be type " + t.ToString() + ", not type " + from.ToString(), loc);
    }
    return r;
  }

  Status ExpandStar(const ast::Expr& e, const Scope& scope, std::vector<Target>* targets) {
    std::vector<int> cols;
    if (e.names.empty()) {
      if (scope.star.empty() && scope.columns.empty()) {
        return Err(SqlState::kSyntaxError, "SELECT * with no tables specified is not valid", e.location);
      }
      if (!scope.star.empty()) {
        cols = scope.star;
      } else {
        for (size_t i = 0; i < scope.columns.size(); ++i) {
          if (!scope.columns[i].hidden) cols.push_back(static_cast<int>(i));
        }
      }
    } else {
      const std::string& table = e.names.back();
      bool seen = std::find(scope.tables.begin(), scope.tables.end(), table) != scope.tables.end();
      for (size_t i = 0; i < scope.columns.size(); ++i) {
        if (scope.columns[i].table == table) cols.push_back(static_cast<int>(i));
      }
      if (!seen && cols.empty()) {
        return Err(SqlState::kUndefinedTable, "missing FROM-clause entry for table \"" + table + "\"", e.location);
      }
    }
    for (int i : cols) {
      const ScopeColumn& c = scope.columns[static_cast<size_t>(i)];
      Target t;
      t.expr = std::make_unique<BoundExpr>(BoundExprKind::kColumn, c.type);
      t.expr->index = c.index;
      t.expr->location = e.location;
      t.expr->name = c.table.empty() ? c.name : c.table + "." + c.name;
      t.name = c.name;
      t.table_oid = c.table_oid;
      t.attnum = c.attnum;
      targets->push_back(std::move(t));
    }
    return Status::OK();
  }

  // Rewrites an expression of an aggregated query over the aggregate
  // node's output (groups..., aggregates...).
  Result<BoundExprPtr> Regroup(BoundExprPtr e, const std::vector<BoundExprPtr>& groups) {
    if (e->kind == BoundExprKind::kColumn && e->depth == -1) {
      e->index += static_cast<int>(groups.size());
      e->depth = 0;
      return e;
    }
    for (size_t i = 0; i < groups.size(); ++i) {
      if (ExprEquals(*e, *groups[i])) {
        auto col = std::make_unique<BoundExpr>(BoundExprKind::kColumn, e->type);
        col->index = static_cast<int>(i);
        col->location = e->location;
        return col;
      }
    }
    if (e->kind == BoundExprKind::kColumn && e->depth == 0) {
      return Err(SqlState("42803"),
                 "column \"" + e->name + "\" must appear in the GROUP BY clause or be used in an aggregate function",
                 e->location);
    }
    if (e->kind == BoundExprKind::kSubquery && e->correlated && ReferencesBeyond(*e->subplan, 1)) {
      return Err(SqlState::kFeatureNotSupported,
                 "correlated subqueries in the select list of an aggregated query are not supported", e->location);
    }
    for (auto& c : e->children) {
      STRATA_ASSIGN_OR_RETURN(c, Regroup(std::move(c), groups));
    }
    return e;
  }

  Result<BoundQuery> BindValues(const ast::SelectStmt& s, const Scope* outer, bool* flag) {
    const size_t width = s.values[0].size();
    std::vector<std::vector<BoundExprPtr>> rows;
    Scope scope;
    scope.parent = outer;
    scope.correlated = flag;
    agg_context_ = "VALUES";
    agg_sink_ = nullptr;
    for (const auto& row : s.values) {
      if (row.size() != width) {
        return Err(SqlState::kSyntaxError, "VALUES lists must all be the same length",
                   row.empty() ? s.location : row[0]->location);
      }
      std::vector<BoundExprPtr> bound;
      for (const auto& v : row) {
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr b, Bind(*v, scope));
        bound.push_back(std::move(b));
      }
      rows.push_back(std::move(bound));
    }
    auto plan = std::make_unique<PlanNode>(PlanKind::kValues);
    BoundQuery out;
    for (size_t c = 0; c < width; ++c) {
      std::vector<BoundExprPtr> column;
      for (auto& r : rows) column.push_back(std::move(r[c]));
      STRATA_ASSIGN_OR_RETURN(DataType t, CommonType(&column, "VALUES"));
      for (size_t r = 0; r < rows.size(); ++r) rows[r][c] = std::move(column[r]);
      plan->types.push_back(t);
      out.columns.push_back(ResultColumn{"column" + std::to_string(c + 1), t, 0, 0});
    }
    plan->keys = std::move(rows);
    // ORDER BY / LIMIT over VALUES: by output name or position.
    std::vector<SortKey> keys;
    for (const auto& o : s.order_by) {
      STRATA_ASSIGN_OR_RETURN(int col, OutputColumn(*o.expr, out.columns));
      SortKey k;
      k.descending = o.direction == ast::SortDirection::kDesc;
      k.nulls_first = o.nulls == ast::NullsOrder::kDefault ? k.descending : o.nulls == ast::NullsOrder::kFirst;
      k.expr = std::make_unique<BoundExpr>(BoundExprKind::kColumn, plan->types[static_cast<size_t>(col)]);
      k.expr->index = col;
      keys.push_back(std::move(k));
    }
    STRATA_ASSIGN_OR_RETURN(out.plan, AddSortLimit(std::move(plan), std::move(keys), s));
    return out;
  }

  Result<int> OutputColumn(const ast::Expr& e, const std::vector<ResultColumn>& columns) {
    if (e.kind == ast::ExprKind::kConst && e.const_kind == ast::ConstKind::kInteger) {
      if (e.ival < 1 || e.ival > static_cast<int64_t>(columns.size())) {
        return Err(SqlState::kInvalidColumnReference,
                   "ORDER BY position " + std::to_string(e.ival) + " is not in select list", e.location);
      }
      return static_cast<int>(e.ival - 1);
    }
    if (e.kind == ast::ExprKind::kColumnRef && e.names.size() == 1) {
      for (size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == e.names[0]) return static_cast<int>(i);
      }
      return Err(SqlState::kUndefinedColumn, "column \"" + e.names[0] + "\" does not exist", e.location);
    }
    return Err(SqlState::kFeatureNotSupported,
               "invalid UNION/INTERSECT/EXCEPT ORDER BY clause", e.location)
        .WithDetail("Only result column names can be used, not expressions or functions.");
  }

  Result<BoundQuery> BindSetOp(const ast::SelectStmt& s, const Scope* outer, bool* flag) {
    const char* name = s.op == ast::SetOpKind::kUnion       ? "UNION"
                       : s.op == ast::SetOpKind::kIntersect ? "INTERSECT"
                                                            : "EXCEPT";
    STRATA_ASSIGN_OR_RETURN(BoundQuery left, BindSelect(*s.left, outer, flag));
    STRATA_ASSIGN_OR_RETURN(BoundQuery right, BindSelect(*s.right, outer, flag));
    if (left.columns.size() != right.columns.size()) {
      return Err(SqlState::kSyntaxError, std::string("each ") + name + " query must have the same number of columns",
                 s.right->location);
    }
    std::vector<DataType> types;
    auto unknown = [](const BoundQuery& q, size_t i) { return i < q.unknown_columns.size() && q.unknown_columns[i]; };
    for (size_t i = 0; i < left.columns.size(); ++i) {
      std::vector<ArgType> pair{unknown(left, i) ? ArgType::Unknown() : ArgType::Of(left.columns[i].type),
                                unknown(right, i) ? ArgType::Unknown() : ArgType::Of(right.columns[i].type)};
      auto t = functions::SelectCommonType(pair, name);
      if (!t.ok()) return t.status().position() == 0 ? t.status().WithPosition(s.right->location) : t.status();
      types.push_back(*t);
    }
    auto needs_cast = [&](const BoundQuery& q) {
      for (size_t i = 0; i < types.size(); ++i) {
        if (!(q.columns[i].type == types[i])) return true;
      }
      return false;
    };
    if (needs_cast(left)) {
      STRATA_ASSIGN_OR_RETURN(left.plan, CastPlanColumns(std::move(left.plan), types, &left.unknown_columns));
    }
    if (needs_cast(right)) {
      STRATA_ASSIGN_OR_RETURN(right.plan, CastPlanColumns(std::move(right.plan), types, &right.unknown_columns));
    }
    auto plan = std::make_unique<PlanNode>(PlanKind::kSetOp);
    plan->set_op = s.op == ast::SetOpKind::kUnion       ? SetOpType::kUnion
                   : s.op == ast::SetOpKind::kIntersect ? SetOpType::kIntersect
                                                        : SetOpType::kExcept;
    plan->all = s.all;
    plan->types = types;
    plan->children.push_back(std::move(left.plan));
    plan->children.push_back(std::move(right.plan));
    BoundQuery out;
    for (size_t i = 0; i < types.size(); ++i) out.columns.push_back(ResultColumn{left.columns[i].name, types[i], 0, 0});
    std::vector<SortKey> keys;
    for (const auto& o : s.order_by) {
      STRATA_ASSIGN_OR_RETURN(int col, OutputColumn(*o.expr, out.columns));
      SortKey k;
      k.descending = o.direction == ast::SortDirection::kDesc;
      k.nulls_first = o.nulls == ast::NullsOrder::kDefault ? k.descending : o.nulls == ast::NullsOrder::kFirst;
      k.expr = std::make_unique<BoundExpr>(BoundExprKind::kColumn, types[static_cast<size_t>(col)]);
      k.expr->index = col;
      keys.push_back(std::move(k));
    }
    STRATA_ASSIGN_OR_RETURN(out.plan, AddSortLimit(std::move(plan), std::move(keys), s));
    return out;
  }

  // ---- DML ----

  Result<TargetTable> ResolveTarget(const ast::QualifiedName& name, const storage::TableDef** def) {
    STRATA_ASSIGN_OR_RETURN(*def, LookupTable(name));
    TargetTable t;
    t.id = (*def)->id;
    t.schema_version = (*def)->schema_version;
    t.name = name.name;
    t.has_primary_key = (*def)->has_primary_key();
    return t;
  }

  Scope TableScope(const storage::TableDef& def, const std::string& range, int offset) {
    Scope scope;
    scope.tables.push_back(range);
    for (size_t i = 0; i < def.columns.size(); ++i) {
      ScopeColumn c;
      c.table = range;
      c.name = def.columns[i].name;
      c.type = def.columns[i].type;
      c.index = static_cast<int>(i) + offset;
      c.table_oid = def.id;
      c.attnum = static_cast<int16_t>(i + 1);
      scope.columns.push_back(std::move(c));
      scope.star.push_back(static_cast<int>(scope.columns.size() - 1));
    }
    return scope;
  }

  Status BindReturning(const std::vector<ast::ResTarget>& items, const Scope& scope,
                       std::vector<BoundExprPtr>* exprs, std::vector<ResultColumn>* columns) {
    agg_sink_ = nullptr;
    agg_context_ = "RETURNING";
    for (const auto& t : items) {
      std::vector<Target> targets;
      if (t.expr->kind == ast::ExprKind::kStar) {
        STRATA_RETURN_IF_ERROR(ExpandStar(*t.expr, scope, &targets));
      } else {
        Target out;
        STRATA_ASSIGN_OR_RETURN(out.expr, Bind(*t.expr, scope));
        out.name = t.alias.empty() ? ast::FigureColname(*t.expr) : t.alias;
        targets.push_back(std::move(out));
      }
      for (auto& target : targets) {
        STRATA_ASSIGN_OR_RETURN(target.expr, ResolveUnknown(std::move(target.expr)));
        columns->push_back(ResultColumn{target.name, target.expr->type, target.table_oid, target.attnum});
        exprs->push_back(std::move(target.expr));
      }
    }
    return Status::OK();
  }

  Result<size_t> ColumnPosition(const storage::TableDef& def, const std::string& table_name, const std::string& column,
                                int location) {
    for (size_t i = 0; i < def.columns.size(); ++i) {
      if (def.columns[i].name == column) return i;
    }
    return Err(SqlState::kUndefinedColumn,
               "column \"" + column + "\" of relation \"" + table_name + "\" does not exist", location);
  }

  Result<BoundInsert> BindInsert(const ast::InsertStmt& stmt) {
    if (stmt.with) cte_frames_.push_back(CteFrame{&*stmt.with, stmt.with->ctes.size()});
    auto r = BindInsertBody(stmt);
    if (stmt.with) cte_frames_.pop_back();
    return r;
  }

  Result<BoundInsert> BindInsertBody(const ast::InsertStmt& stmt) {
    BoundInsert out;
    const storage::TableDef* def = nullptr;
    STRATA_ASSIGN_OR_RETURN(out.table, ResolveTarget(stmt.table, &def));
    const size_t n = def->columns.size();
    if (stmt.columns.empty()) {
      for (size_t i = 0; i < n; ++i) out.target_columns.push_back(i);
    } else {
      std::set<size_t> seen;
      for (size_t i = 0; i < stmt.columns.size(); ++i) {
        STRATA_ASSIGN_OR_RETURN(size_t pos, ColumnPosition(*def, stmt.table.name, stmt.columns[i], stmt.column_locations[i]));
        if (!seen.insert(pos).second) {
          return Err(SqlState::kDuplicateColumn, "column \"" + stmt.columns[i] + "\" specified more than once",
                     stmt.column_locations[i]);
        }
        out.target_columns.push_back(pos);
      }
    }
    // Defaults for every column (used for omitted columns and DEFAULT).
    for (size_t i = 0; i < n; ++i) {
      BoundExprPtr d;
      if (!def->columns[i].default_sql.empty()) {
        STRATA_ASSIGN_OR_RETURN(d, BindColumnDefault(catalog_, options_, def->columns[i].default_sql,
                                                     def->columns[i].type, def->columns[i].name));
      }
      out.defaults.push_back(std::move(d));
    }
    const size_t width = out.target_columns.size();
    agg_sink_ = nullptr;
    agg_context_ = "VALUES";
    if (stmt.source == nullptr) {
      // DEFAULT VALUES.
      out.target_columns.clear();
      out.values.emplace_back();
    } else if (!stmt.source->values.empty() && stmt.source->op == ast::SetOpKind::kNone &&
               stmt.source->order_by.empty() && !stmt.source->limit && !stmt.source->offset && !stmt.source->with) {
      for (const auto& row : stmt.source->values) {
        if (row.size() > width) {
          return Err(SqlState::kSyntaxError, "INSERT has more expressions than target columns",
                     row[width]->location);
        }
        if (row.size() < width) {
          return Err(SqlState::kSyntaxError, "INSERT has more target columns than expressions",
                     stmt.column_locations.empty() ? (row.empty() ? 0 : row.back()->location)
                                                   : stmt.column_locations[row.size()]);
        }
        std::vector<BoundExprPtr> bound;
        for (size_t i = 0; i < row.size(); ++i) {
          if (row[i]->kind == ast::ExprKind::kDefault) {
            bound.push_back(nullptr);
            continue;
          }
          const auto& col = def->columns[out.target_columns[i]];
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr b, Bind(*row[i], Scope()));
          STRATA_ASSIGN_OR_RETURN(b, CoerceAssign(std::move(b), col.type, col.name));
          bound.push_back(std::move(b));
        }
        out.values.push_back(std::move(bound));
      }
    } else {
      STRATA_ASSIGN_OR_RETURN(BoundQuery q, BindSelect(*stmt.source, nullptr));
      if (q.columns.size() > width) {
        return Err(SqlState::kSyntaxError, "INSERT has more expressions than target columns", stmt.source->location);
      }
      if (q.columns.size() < width) {
        return Err(SqlState::kSyntaxError, "INSERT has more target columns than expressions",
                   stmt.column_locations.empty() ? stmt.source->location : stmt.column_locations[q.columns.size()]);
      }
      auto proj = std::make_unique<PlanNode>(PlanKind::kProject);
      for (size_t i = 0; i < width; ++i) {
        const auto& col = def->columns[out.target_columns[i]];
        auto ref = std::make_unique<BoundExpr>(BoundExprKind::kColumn, q.columns[i].type);
        ref->index = static_cast<int>(i);
        STRATA_ASSIGN_OR_RETURN(BoundExprPtr c, CoerceAssign(std::move(ref), col.type, col.name));
        proj->types.push_back(col.type);
        proj->exprs.push_back(std::move(c));
      }
      proj->children.push_back(std::move(q.plan));
      out.query = std::move(proj);
    }

    const std::string range = stmt.alias.empty() ? stmt.table.name : stmt.alias;
    out.on_conflict = stmt.on_conflict.action;
    if (stmt.on_conflict.action != ast::OnConflictAction::kNone) {
      const int loc = stmt.on_conflict.location;
      if (!def->has_primary_key()) {
        return Err(SqlState::kInvalidColumnReference,
                   "there is no unique or exclusion constraint matching the ON CONFLICT specification", loc);
      }
      if (!stmt.on_conflict.constraint_name.empty()) {
        if (stmt.on_conflict.constraint_name != def->name + "_pkey") {
          return Err(SqlState::kUndefinedObject,
                     "constraint \"" + stmt.on_conflict.constraint_name + "\" for table \"" + def->name +
                         "\" does not exist",
                     loc);
        }
      } else if (!stmt.on_conflict.target_columns.empty()) {
        std::set<size_t> target;
        for (const auto& c : stmt.on_conflict.target_columns) {
          STRATA_ASSIGN_OR_RETURN(size_t pos, ColumnPosition(*def, stmt.table.name, c, loc));
          target.insert(pos);
        }
        const auto pk = def->PrimaryKeyIndexes();
        if (target != std::set<size_t>(pk.begin(), pk.end())) {
          return Err(SqlState::kInvalidColumnReference,
                     "there is no unique or exclusion constraint matching the ON CONFLICT specification", loc);
        }
      } else if (stmt.on_conflict.action == ast::OnConflictAction::kUpdate) {
        return Err(SqlState::kSyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                   loc)
            .WithHint("For example, ON CONFLICT (column_name).");
      }
      if (stmt.on_conflict.action == ast::OnConflictAction::kUpdate) {
        Scope scope = TableScope(*def, range, 0);
        Scope excluded = TableScope(*def, "excluded", static_cast<int>(n));
        for (auto& c : excluded.columns) scope.columns.push_back(c);
        scope.tables.push_back("excluded");
        agg_context_ = "ON CONFLICT DO UPDATE";
        const auto pk = def->PrimaryKeyIndexes();
        bool excluded_only = stmt.on_conflict.where == nullptr;
        std::set<size_t> assigned;
        for (const auto& set : stmt.on_conflict.set) {
          STRATA_ASSIGN_OR_RETURN(size_t pos, ColumnPosition(*def, stmt.table.name, set.column, set.location));
          if (!assigned.insert(pos).second) {
            return Err(SqlState::kSyntaxError, "multiple assignments to same column \"" + set.column + "\"",
                       set.location);
          }
          if (std::find(pk.begin(), pk.end(), pos) != pk.end()) {
            return Err(SqlState::kFeatureNotSupported,
                       "ON CONFLICT DO UPDATE cannot change primary key column \"" + set.column + "\"", set.location);
          }
          BoundExprPtr v;
          if (set.value->kind == ast::ExprKind::kDefault) {
            if (out.defaults[pos]) {
              v = planner::CloneExpr(*out.defaults[pos]);
            } else {
              v = MakeConst(Value::Null(def->columns[pos].type.id), def->columns[pos].type);
            }
            excluded_only = false;
          } else {
            STRATA_ASSIGN_OR_RETURN(v, Bind(*set.value, scope));
            STRATA_ASSIGN_OR_RETURN(v, CoerceAssign(std::move(v), def->columns[pos].type, set.column));
            if (!(v->kind == BoundExprKind::kColumn && v->depth == 0 &&
                  v->index == static_cast<int>(n + pos))) {
              excluded_only = false;
            }
          }
          out.update_columns.push_back(pos);
          out.update_values.push_back(std::move(v));
        }
        if (stmt.on_conflict.where) {
          STRATA_ASSIGN_OR_RETURN(BoundExprPtr w, Bind(*stmt.on_conflict.where, scope));
          STRATA_ASSIGN_OR_RETURN(out.update_where, CoerceBool(std::move(w), "WHERE"));
        }
        out.excluded_only = excluded_only;
      }
    }
    Scope rscope = TableScope(*def, range, 0);
    STRATA_RETURN_IF_ERROR(BindReturning(stmt.returning, rscope, &out.returning, &out.returning_columns));
    return out;
  }

  Result<BoundUpdate> BindUpdate(const ast::UpdateStmt& stmt) {
    if (stmt.with) return Err(SqlState::kFeatureNotSupported, "WITH in UPDATE is not supported", 0);
    if (!stmt.from.empty()) {
      return Err(SqlState::kFeatureNotSupported, "UPDATE ... FROM is not supported", stmt.from[0]->location);
    }
    BoundUpdate out;
    const storage::TableDef* def = nullptr;
    STRATA_ASSIGN_OR_RETURN(out.table, ResolveTarget(stmt.table, &def));
    const std::string range = stmt.alias ? stmt.alias->name : stmt.table.name;
    Scope scope = TableScope(*def, range, 0);
    agg_sink_ = nullptr;
    agg_context_ = "UPDATE";
    const auto pk = def->PrimaryKeyIndexes();
    std::set<size_t> assigned;
    for (const auto& set : stmt.set) {
      STRATA_ASSIGN_OR_RETURN(size_t pos, ColumnPosition(*def, stmt.table.name, set.column, set.location));
      if (!assigned.insert(pos).second) {
        return Err(SqlState::kSyntaxError, "multiple assignments to same column \"" + set.column + "\"", set.location);
      }
      BoundExprPtr v;
      if (set.value->kind == ast::ExprKind::kDefault) {
        if (!def->columns[pos].default_sql.empty()) {
          STRATA_ASSIGN_OR_RETURN(v, BindColumnDefault(catalog_, options_, def->columns[pos].default_sql,
                                                       def->columns[pos].type, def->columns[pos].name));
        } else {
          v = MakeConst(Value::Null(def->columns[pos].type.id), def->columns[pos].type);
        }
      } else {
        STRATA_ASSIGN_OR_RETURN(v, Bind(*set.value, scope));
        STRATA_ASSIGN_OR_RETURN(v, CoerceAssign(std::move(v), def->columns[pos].type, set.column));
      }
      if (std::find(pk.begin(), pk.end(), pos) != pk.end()) out.changes_primary_key = true;
      out.columns.push_back(pos);
      out.values.push_back(std::move(v));
    }
    std::vector<BoundExprPtr> conjuncts;
    if (stmt.where) {
      agg_context_ = "WHERE";
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr w, Bind(*stmt.where, scope));
      STRATA_ASSIGN_OR_RETURN(w, CoerceBool(std::move(w), "WHERE"));
      planner::SplitConjuncts(std::move(w), &conjuncts);
    }
    out.scan = planner::PlanTableAccess(*def, stmt.table.name, std::move(conjuncts));
    out.scan->with_locators = !def->has_primary_key();
    STRATA_RETURN_IF_ERROR(BindReturning(stmt.returning, scope, &out.returning, &out.returning_columns));
    return out;
  }

  void ChooseReplicas(PlanNode* plan) {
    if (plan == nullptr) return;
    planner::ChooseReplicas(plan, *catalog_, planner::ParseReadReplica(options_.read_replica));
  }

  Result<BoundDelete> BindDelete(const ast::DeleteStmt& stmt) {
    if (stmt.with) return Err(SqlState::kFeatureNotSupported, "WITH in DELETE is not supported", 0);
    if (!stmt.using_tables.empty()) {
      return Err(SqlState::kFeatureNotSupported, "DELETE ... USING is not supported", stmt.using_tables[0]->location);
    }
    BoundDelete out;
    const storage::TableDef* def = nullptr;
    STRATA_ASSIGN_OR_RETURN(out.table, ResolveTarget(stmt.table, &def));
    const std::string range = stmt.alias ? stmt.alias->name : stmt.table.name;
    Scope scope = TableScope(*def, range, 0);
    agg_sink_ = nullptr;
    std::vector<BoundExprPtr> conjuncts;
    if (stmt.where) {
      agg_context_ = "WHERE";
      STRATA_ASSIGN_OR_RETURN(BoundExprPtr w, Bind(*stmt.where, scope));
      STRATA_ASSIGN_OR_RETURN(w, CoerceBool(std::move(w), "WHERE"));
      planner::SplitConjuncts(std::move(w), &conjuncts);
    }
    out.scan = planner::PlanTableAccess(*def, stmt.table.name, std::move(conjuncts));
    out.scan->with_locators = !def->has_primary_key();
    STRATA_RETURN_IF_ERROR(BindReturning(stmt.returning, scope, &out.returning, &out.returning_columns));
    return out;
  }

  Result<BoundExprPtr> BindConstantExpr(const ast::Expr& expr, const DataType& target) {
    agg_sink_ = nullptr;
    agg_context_ = "this context";
    STRATA_ASSIGN_OR_RETURN(BoundExprPtr e, Bind(expr, Scope()));
    if (target.id == TypeId::kInvalid) return ResolveUnknown(std::move(e));
    const int loc = e->location;
    const DataType from = e->type;
    auto r = Coerce(std::move(e), target, CastContext::kAssignment);
    if (!r.ok() && r.status().sql_state().code() == "42846") {
      return Err(SqlState::kDatatypeMismatch,
                 "parameter is of type " + from.ToString() + " but expression is of type " + target.ToString(), loc);
    }
    return r;
  }

  std::vector<DataType> FinishParams() {
    for (auto& t : *params_) {
      if (t.id == TypeId::kInvalid) t = kText;
    }
    return *params_;
  }

 private:
  // Where window function calls of the select list / ORDER BY being bound go.
  std::vector<WindowCall>* window_sink_ = nullptr;
  // Where set-returning calls of the select list being bound go.
  std::vector<SetFunctionCall>* srf_sink_ = nullptr;
  bool in_srf_args_ = false;
  // Set while binding under CASE / COALESCE in a select list (see
  // WithoutSetFunctions).
  std::string srf_context_;
  // The correlation flag of the query whose FROM list is being bound.
  bool* from_flag_ = nullptr;
  const storage::CatalogSnapshot* catalog_;
  BinderOptions options_;
  std::vector<DataType>* params_;
  functions::EvalContext own_eval_;
  std::vector<AggregateCall>* agg_sink_ = nullptr;
  std::string agg_context_ = "this context";
  bool in_aggregate_ = false;
  bool suppress_fold_ = false;
  // The SELECT whose FROM is being bound names an hg_binlog_* column.
  bool binlog_columns_ = false;
  std::vector<CteFrame> cte_frames_;
};

Binder::Binder(const storage::CatalogSnapshot* catalog, BinderOptions options, std::vector<DataType>* param_types)
    : impl_(std::make_unique<Impl>(catalog, std::move(options), param_types)) {}
Binder::~Binder() = default;

Result<BoundQuery> Binder::BindQuery(const ast::SelectStmt& stmt) {
  STRATA_ASSIGN_OR_RETURN(BoundQuery out, impl_->BindSelect(stmt, nullptr));
  impl_->ChooseReplicas(out.plan.get());
  return out;
}
Result<BoundInsert> Binder::BindInsert(const ast::InsertStmt& stmt) {
  STRATA_ASSIGN_OR_RETURN(BoundInsert out, impl_->BindInsert(stmt));
  // The source is collected completely before the first write, so no
  // column scanner of the target is open while it is written.
  impl_->ChooseReplicas(out.query.get());
  return out;
}
Result<BoundUpdate> Binder::BindUpdate(const ast::UpdateStmt& stmt) { return impl_->BindUpdate(stmt); }
Result<BoundDelete> Binder::BindDelete(const ast::DeleteStmt& stmt) { return impl_->BindDelete(stmt); }
Result<BoundExprPtr> Binder::BindConstantExpr(const ast::Expr& expr, const DataType& target) {
  return impl_->BindConstantExpr(expr, target);
}
Result<const storage::TableDef*> Binder::LookupTable(const ast::QualifiedName& name) const {
  return impl_->LookupTable(name);
}
std::vector<DataType> Binder::FinishParams() { return impl_->FinishParams(); }

Result<BoundExprPtr> BindColumnDefault(const storage::CatalogSnapshot* catalog, const BinderOptions& options,
                                       const std::string& default_sql, const DataType& column_type,
                                       const std::string& column_name) {
  if (default_sql.empty()) return BoundExprPtr();
  STRATA_ASSIGN_OR_RETURN(auto stmts, parser::Parse("SELECT " + default_sql));
  if (stmts.size() != 1 || stmts[0]->kind != ast::StmtKind::kSelect) {
    return Status::Corruption("bad DEFAULT expression for column \"" + column_name + "\"");
  }
  const auto& select = static_cast<const ast::SelectStmt&>(*stmts[0]);
  if (select.targets.size() != 1 || !select.from.empty()) {
    return Status::Corruption("bad DEFAULT expression for column \"" + column_name + "\"");
  }
  std::vector<DataType> no_params;
  Binder::Impl impl(catalog, options, &no_params);
  STRATA_ASSIGN_OR_RETURN(BoundExprPtr e, impl.Bind(*select.targets[0].expr, Scope()));
  return impl.CoerceAssign(std::move(e), column_type, column_name);
}

}  // namespace strata::sql::binder
