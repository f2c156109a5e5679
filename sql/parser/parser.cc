#include "sql/parser/parser.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <cctype>
#include <cstring>
#include <string>
#include <utility>

#include "common/macros.h"

namespace strata::sql::parser {
namespace {

using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;

// Frees libpg_query's results on every path.
struct ProtobufParseGuard {
  PgQueryProtobufParseResult result;
  ~ProtobufParseGuard() { pg_query_free_protobuf_parse_result(result); }
};
struct UnpackedGuard {
  PgQuery__ParseResult* tree;
  ~UnpackedGuard() {
    if (tree != nullptr) pg_query__parse_result__free_unpacked(tree, nullptr);
  }
};

std::string Str(const char* s) { return s == nullptr ? std::string() : std::string(s); }

Status NotSupported(std::string what, int position) {
  return Status(SqlState::kFeatureNotSupported, std::move(what)).WithPosition(position);
}

// Converts one libpg_query parse tree into Strata's AST. `text` is the text
// the locations refer to; `byte_base`/`char_base` are added to them (for
// statements parsed out of a larger message).
class Transformer {
 public:
  Transformer(std::string_view full_text, int byte_base)
      : full_text_(full_text), byte_base_(byte_base) {}

  Result<ast::StatementPtr> Statement(const PgQuery__Node* node);
  Result<ExprPtr> Expression(const PgQuery__Node* node);

 private:
  int Loc(int32_t byte_location) const {
    if (byte_location < 0) return 0;
    return CharPosition(full_text_, byte_base_ + byte_location);
  }

  Result<std::unique_ptr<ast::SelectStmt>> Select(const PgQuery__SelectStmt* s);
  Result<ast::StatementPtr> Insert(const PgQuery__InsertStmt* s);
  Result<ast::StatementPtr> Update(const PgQuery__UpdateStmt* s);
  Result<ast::StatementPtr> Delete(const PgQuery__DeleteStmt* s);
  Result<ast::StatementPtr> CreateTable(const PgQuery__CreateStmt* s);
  Result<ast::StatementPtr> Drop(const PgQuery__DropStmt* s);
  Result<ast::StatementPtr> AlterTable(const PgQuery__AlterTableStmt* s);
  Result<ast::StatementPtr> Rename(const PgQuery__RenameStmt* s);
  Result<ast::StatementPtr> Transaction(const PgQuery__TransactionStmt* s);
  Result<ast::StatementPtr> VariableSet(const PgQuery__VariableSetStmt* s);
  Result<ast::StatementPtr> Copy(const PgQuery__CopyStmt* s);
  Result<ast::StatementPtr> Explain(const PgQuery__ExplainStmt* s);

  Result<std::optional<ast::WithClause>> With(const PgQuery__WithClause* w);
  Result<std::unique_ptr<ast::TableRef>> FromItem(const PgQuery__Node* node);
  Result<std::vector<ast::ResTarget>> Targets(size_t n, PgQuery__Node** items);
  Result<std::vector<ast::OrderItem>> Order(size_t n, PgQuery__Node** items);
  Result<std::vector<ExprPtr>> ExprList(size_t n, PgQuery__Node** items);
  Result<ast::TypeName> Type(const PgQuery__TypeName* t);
  Result<ast::ColumnDef> Column(const PgQuery__ColumnDef* c, std::vector<std::string>* pk,
                                int* pk_location);
  Result<std::vector<ast::DefElem>> DefElems(size_t n, PgQuery__Node** items);
  Result<std::vector<ast::SetClause>> SetClauses(size_t n, PgQuery__Node** items);
  ast::QualifiedName Relation(const PgQuery__RangeVar* rv) const;
  Result<std::vector<std::string>> StringList(size_t n, PgQuery__Node** items) const;

  Result<ExprPtr> AExpr(const PgQuery__AExpr* e);
  Result<ExprPtr> Const(const PgQuery__AConst* c);
  Result<ExprPtr> FuncCall(const PgQuery__FuncCall* f);
  Result<ExprPtr> SubLink(const PgQuery__SubLink* s);
  Result<ExprPtr> SubqueryOf(const PgQuery__Node* node, int location);

  std::string_view full_text_;
  int byte_base_;
};

Result<std::vector<std::string>> Transformer::StringList(size_t n, PgQuery__Node** items) const {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (items[i]->node_case != PG_QUERY__NODE__NODE_STRING) {
      return NotSupported("unsupported name list element", 0);
    }
    out.push_back(Str(items[i]->string->sval));
  }
  return out;
}

ast::QualifiedName Transformer::Relation(const PgQuery__RangeVar* rv) const {
  ast::QualifiedName name;
  name.schema = Str(rv->schemaname);
  name.name = Str(rv->relname);
  name.location = Loc(rv->location);
  return name;
}

Result<ast::TypeName> Transformer::Type(const PgQuery__TypeName* t) {
  ast::TypeName out;
  out.location = Loc(t->location);
  if (t->pct_type || t->setof) return NotSupported("%TYPE and SETOF are not supported", out.location);
  std::vector<std::string> names;
  for (size_t i = 0; i < t->n_names; ++i) {
    if (t->names[i]->node_case == PG_QUERY__NODE__NODE_STRING) {
      names.push_back(Str(t->names[i]->string->sval));
    }
  }
  if (names.empty()) return NotSupported("unsupported type name", out.location);
  out.name = names.back();
  if (names.size() > 1 && names[names.size() - 2] != "pg_catalog") {
    return Status(SqlState::kUndefinedObject,
                  "type \"" + names[names.size() - 2] + "." + names.back() + "\" does not exist")
        .WithPosition(out.location);
  }
  for (size_t i = 0; i < t->n_typmods; ++i) {
    const PgQuery__Node* m = t->typmods[i];
    if (m->node_case == PG_QUERY__NODE__NODE_A_CONST &&
        m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
      out.modifiers.push_back(m->a_const->ival->ival);
    } else if (out.name == "interval") {
      // INTERVAL field restrictions (YEAR TO MONTH ...) are accepted and
      // ignored: they only affect input rounding.
      continue;
    } else {
      return Status(SqlState::kSyntaxError, "type modifiers must be simple constants or identifiers")
          .WithPosition(out.location);
    }
  }
  if (out.name == "interval") out.modifiers.clear();
  out.is_array = t->n_array_bounds > 0;
  return out;
}

Result<std::vector<ExprPtr>> Transformer::ExprList(size_t n, PgQuery__Node** items) {
  std::vector<ExprPtr> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    STRATA_ASSIGN_OR_RETURN(ExprPtr e, Expression(items[i]));
    out.push_back(std::move(e));
  }
  return out;
}

Result<ExprPtr> Transformer::Const(const PgQuery__AConst* c) {
  auto e = std::make_unique<Expr>(ExprKind::kConst, Loc(c->location));
  if (c->isnull) {
    e->const_kind = ast::ConstKind::kNull;
    return e;
  }
  switch (c->val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL:
      e->const_kind = ast::ConstKind::kInteger;
      e->ival = c->ival->ival;
      break;
    case PG_QUERY__A__CONST__VAL_FVAL:
      e->const_kind = ast::ConstKind::kNumeric;
      e->str = Str(c->fval->fval);
      break;
    case PG_QUERY__A__CONST__VAL_BOOLVAL:
      e->const_kind = ast::ConstKind::kBool;
      e->ival = c->boolval->boolval ? 1 : 0;
      break;
    case PG_QUERY__A__CONST__VAL_SVAL:
      e->const_kind = ast::ConstKind::kString;
      e->str = Str(c->sval->sval);
      break;
    case PG_QUERY__A__CONST__VAL_BSVAL:
      e->const_kind = ast::ConstKind::kBitString;
      e->str = Str(c->bsval->bsval);
      break;
    default:
      e->const_kind = ast::ConstKind::kNull;
      break;
  }
  return e;
}

Result<ExprPtr> Transformer::SubqueryOf(const PgQuery__Node* node, int location) {
  if (node == nullptr || node->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
    return NotSupported("only SELECT subqueries are supported", location);
  }
  auto e = std::make_unique<Expr>(ExprKind::kSubLink, location);
  STRATA_ASSIGN_OR_RETURN(e->subquery, Select(node->select_stmt));
  return e;
}

Result<ExprPtr> Transformer::SubLink(const PgQuery__SubLink* s) {
  const int loc = Loc(s->location);
  STRATA_ASSIGN_OR_RETURN(ExprPtr e, SubqueryOf(s->subselect, loc));
  switch (s->sub_link_type) {
    case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
      e->sublink = ast::SubLinkKind::kExists;
      break;
    case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK:
      e->sublink = ast::SubLinkKind::kExpr;
      break;
    case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK:
      e->sublink = ast::SubLinkKind::kArray;
      break;
    case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK:
    case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK: {
      e->sublink = s->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK ? ast::SubLinkKind::kAny
                                                                            : ast::SubLinkKind::kAll;
      if (s->testexpr != nullptr && s->testexpr->node_case == PG_QUERY__NODE__NODE_ROW_EXPR) {
        return NotSupported("row-valued IN / ANY subqueries are not supported", loc);
      }
      STRATA_ASSIGN_OR_RETURN(ExprPtr left, Expression(s->testexpr));
      e->args.push_back(std::move(left));
      if (s->n_oper_name == 0) {
        e->names = {"="};  // x IN (subquery)
      } else {
        STRATA_ASSIGN_OR_RETURN(e->names, StringList(s->n_oper_name, s->oper_name));
      }
      break;
    }
    default:
      return NotSupported("unsupported kind of subquery", loc);
  }
  return e;
}

Result<ExprPtr> Transformer::FuncCall(const PgQuery__FuncCall* f) {
  const int loc = Loc(f->location);
  auto e = std::make_unique<Expr>(ExprKind::kFuncCall, loc);
  STRATA_ASSIGN_OR_RETURN(e->names, StringList(f->n_funcname, f->funcname));
  STRATA_ASSIGN_OR_RETURN(e->args, ExprList(f->n_args, f->args));
  e->agg_star = f->agg_star;
  e->agg_distinct = f->agg_distinct;
  if (f->agg_within_group) return NotSupported("WITHIN GROUP is not supported", loc);
  if (f->func_variadic) return NotSupported("VARIADIC is not supported", loc);
  STRATA_ASSIGN_OR_RETURN(e->agg_order, Order(f->n_agg_order, f->agg_order));
  if (f->agg_filter != nullptr) {
    STRATA_ASSIGN_OR_RETURN(e->agg_filter, Expression(f->agg_filter));
  }
  e->has_over = f->over != nullptr;
  if (f->over != nullptr) {
    const PgQuery__WindowDef* w = f->over;
    if ((w->name != nullptr && w->name[0] != '\0') || (w->refname != nullptr && w->refname[0] != '\0')) {
      return NotSupported("named windows are not supported", loc);
    }
    STRATA_ASSIGN_OR_RETURN(e->over_partition, ExprList(w->n_partition_clause, w->partition_clause));
    STRATA_ASSIGN_OR_RETURN(e->over_order, Order(w->n_order_clause, w->order_clause));
  }
  return e;
}

Result<ExprPtr> Transformer::AExpr(const PgQuery__AExpr* a) {
  const int loc = Loc(a->location);
  std::vector<std::string> name;
  STRATA_ASSIGN_OR_RETURN(name, StringList(a->n_name, a->name));
  auto binary = [&](ExprKind kind) -> Result<ExprPtr> {
    auto e = std::make_unique<Expr>(kind, loc);
    STRATA_ASSIGN_OR_RETURN(ExprPtr l, Expression(a->lexpr));
    STRATA_ASSIGN_OR_RETURN(ExprPtr r, Expression(a->rexpr));
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  };
  switch (a->kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP: {
      auto e = std::make_unique<Expr>(ExprKind::kOperator, loc);
      e->names = std::move(name);
      if (a->lexpr != nullptr) {
        STRATA_ASSIGN_OR_RETURN(ExprPtr l, Expression(a->lexpr));
        e->args.push_back(std::move(l));
      }
      STRATA_ASSIGN_OR_RETURN(ExprPtr r, Expression(a->rexpr));
      e->args.push_back(std::move(r));
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
      STRATA_ASSIGN_OR_RETURN(ExprPtr e, binary(ExprKind::kAnyAll));
      e->names = std::move(name);
      e->is_all = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL;
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT: {
      STRATA_ASSIGN_OR_RETURN(ExprPtr e, binary(ExprKind::kDistinctFrom));
      e->negated = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT;
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF:
      return binary(ExprKind::kNullIf);
    case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
      auto e = std::make_unique<Expr>(ExprKind::kIn, loc);
      e->negated = !name.empty() && name.back() == "<>";
      STRATA_ASSIGN_OR_RETURN(ExprPtr l, Expression(a->lexpr));
      e->args.push_back(std::move(l));
      if (a->rexpr == nullptr || a->rexpr->node_case != PG_QUERY__NODE__NODE_LIST) {
        return NotSupported("unsupported IN list", loc);
      }
      for (size_t i = 0; i < a->rexpr->list->n_items; ++i) {
        STRATA_ASSIGN_OR_RETURN(ExprPtr item, Expression(a->rexpr->list->items[i]));
        e->args.push_back(std::move(item));
      }
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR: {
      const bool similar = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR;
      auto e = std::make_unique<Expr>(similar ? ExprKind::kSimilar : ExprKind::kLike, loc);
      e->case_insensitive = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE;
      e->negated = !name.empty() && name.back().starts_with("!");
      STRATA_ASSIGN_OR_RETURN(ExprPtr l, Expression(a->lexpr));
      e->args.push_back(std::move(l));
      // `x LIKE p ESCAPE c` arrives as like_escape(p, c); SIMILAR TO as
      // similar_to_escape(p [, c]).
      const PgQuery__Node* r = a->rexpr;
      if (r != nullptr && r->node_case == PG_QUERY__NODE__NODE_FUNC_CALL && r->func_call->n_funcname > 0) {
        const PgQuery__Node* fname = r->func_call->funcname[r->func_call->n_funcname - 1];
        const std::string fn = fname->node_case == PG_QUERY__NODE__NODE_STRING ? Str(fname->string->sval) : "";
        if (fn == "like_escape" || fn == "similar_to_escape") {
          for (size_t i = 0; i < r->func_call->n_args; ++i) {
            STRATA_ASSIGN_OR_RETURN(ExprPtr arg, Expression(r->func_call->args[i]));
            e->args.push_back(std::move(arg));
          }
          return e;
        }
      }
      STRATA_ASSIGN_OR_RETURN(ExprPtr p, Expression(r));
      e->args.push_back(std::move(p));
      return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM: {
      auto e = std::make_unique<Expr>(ExprKind::kBetween, loc);
      e->negated = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN ||
                   a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
      e->symmetric = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM ||
                     a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
      STRATA_ASSIGN_OR_RETURN(ExprPtr l, Expression(a->lexpr));
      e->args.push_back(std::move(l));
      if (a->rexpr == nullptr || a->rexpr->node_case != PG_QUERY__NODE__NODE_LIST ||
          a->rexpr->list->n_items != 2) {
        return NotSupported("unsupported BETWEEN", loc);
      }
      for (size_t i = 0; i < 2; ++i) {
        STRATA_ASSIGN_OR_RETURN(ExprPtr b, Expression(a->rexpr->list->items[i]));
        e->args.push_back(std::move(b));
      }
      return e;
    }
    default:
      return NotSupported("unsupported expression", loc);
  }
}

Result<ExprPtr> Transformer::Expression(const PgQuery__Node* node) {
  if (node == nullptr) return NotSupported("missing expression", 0);
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST:
      return Const(node->a_const);
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
      const PgQuery__ColumnRef* c = node->column_ref;
      const int loc = Loc(c->location);
      std::vector<std::string> names;
      bool star = false;
      for (size_t i = 0; i < c->n_fields; ++i) {
        const PgQuery__Node* f = c->fields[i];
        if (f->node_case == PG_QUERY__NODE__NODE_STRING) {
          names.push_back(Str(f->string->sval));
        } else if (f->node_case == PG_QUERY__NODE__NODE_A_STAR && i + 1 == c->n_fields) {
          star = true;
        } else {
          return NotSupported("unsupported column reference", loc);
        }
      }
      auto e = std::make_unique<Expr>(star ? ExprKind::kStar : ExprKind::kColumnRef, loc);
      e->names = std::move(names);
      return e;
    }
    case PG_QUERY__NODE__NODE_PARAM_REF: {
      auto e = std::make_unique<Expr>(ExprKind::kParam, Loc(node->param_ref->location));
      e->param_number = node->param_ref->number;
      return e;
    }
    case PG_QUERY__NODE__NODE_A_EXPR:
      return AExpr(node->a_expr);
    case PG_QUERY__NODE__NODE_BOOL_EXPR: {
      const PgQuery__BoolExpr* b = node->bool_expr;
      ExprKind kind = ExprKind::kAnd;
      if (b->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR) kind = ExprKind::kOr;
      if (b->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR) kind = ExprKind::kNot;
      auto e = std::make_unique<Expr>(kind, Loc(b->location));
      STRATA_ASSIGN_OR_RETURN(e->args, ExprList(b->n_args, b->args));
      return e;
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL:
      return FuncCall(node->func_call);
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
      const PgQuery__TypeCast* t = node->type_cast;
      auto e = std::make_unique<Expr>(ExprKind::kCast, Loc(t->location));
      STRATA_ASSIGN_OR_RETURN(ExprPtr arg, Expression(t->arg));
      e->args.push_back(std::move(arg));
      STRATA_ASSIGN_OR_RETURN(e->type, Type(t->type_name));
      return e;
    }
    case PG_QUERY__NODE__NODE_NULL_TEST: {
      const PgQuery__NullTest* n = node->null_test;
      auto e = std::make_unique<Expr>(ExprKind::kIsNull, Loc(n->location));
      e->negated = n->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL;
      STRATA_ASSIGN_OR_RETURN(ExprPtr arg, Expression(n->arg));
      e->args.push_back(std::move(arg));
      return e;
    }
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
      const PgQuery__BooleanTest* b = node->boolean_test;
      auto e = std::make_unique<Expr>(ExprKind::kBoolTest, Loc(b->location));
      switch (b->booltesttype) {
        case PG_QUERY__BOOL_TEST_TYPE__IS_TRUE: e->bool_test = ast::BoolTestKind::kIsTrue; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE: e->bool_test = ast::BoolTestKind::kIsNotTrue; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_FALSE: e->bool_test = ast::BoolTestKind::kIsFalse; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE: e->bool_test = ast::BoolTestKind::kIsNotFalse; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN: e->bool_test = ast::BoolTestKind::kIsUnknown; break;
        default: e->bool_test = ast::BoolTestKind::kIsNotUnknown; break;
      }
      STRATA_ASSIGN_OR_RETURN(ExprPtr arg, Expression(b->arg));
      e->args.push_back(std::move(arg));
      return e;
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: {
      const PgQuery__CaseExpr* c = node->case_expr;
      auto e = std::make_unique<Expr>(ExprKind::kCase, Loc(c->location));
      if (c->arg != nullptr) {
        STRATA_ASSIGN_OR_RETURN(e->arg, Expression(c->arg));
      }
      for (size_t i = 0; i < c->n_args; ++i) {
        const PgQuery__Node* w = c->args[i];
        if (w->node_case != PG_QUERY__NODE__NODE_CASE_WHEN) return NotSupported("bad CASE", e->location);
        ast::WhenClause clause;
        STRATA_ASSIGN_OR_RETURN(clause.condition, Expression(w->case_when->expr));
        STRATA_ASSIGN_OR_RETURN(clause.result, Expression(w->case_when->result));
        e->when_clauses.push_back(std::move(clause));
      }
      if (c->defresult != nullptr) {
        STRATA_ASSIGN_OR_RETURN(e->default_result, Expression(c->defresult));
      }
      return e;
    }
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: {
      auto e = std::make_unique<Expr>(ExprKind::kCoalesce, Loc(node->coalesce_expr->location));
      STRATA_ASSIGN_OR_RETURN(e->args, ExprList(node->coalesce_expr->n_args, node->coalesce_expr->args));
      return e;
    }
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: {
      const PgQuery__MinMaxExpr* m = node->min_max_expr;
      auto e = std::make_unique<Expr>(
          m->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? ExprKind::kGreatest : ExprKind::kLeast,
          Loc(m->location));
      STRATA_ASSIGN_OR_RETURN(e->args, ExprList(m->n_args, m->args));
      return e;
    }
    case PG_QUERY__NODE__NODE_SUB_LINK:
      return SubLink(node->sub_link);
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: {
      auto e = std::make_unique<Expr>(ExprKind::kArray, Loc(node->a_array_expr->location));
      STRATA_ASSIGN_OR_RETURN(e->args,
                              ExprList(node->a_array_expr->n_elements, node->a_array_expr->elements));
      return e;
    }
    case PG_QUERY__NODE__NODE_ROW_EXPR: {
      auto e = std::make_unique<Expr>(ExprKind::kRow, Loc(node->row_expr->location));
      STRATA_ASSIGN_OR_RETURN(e->args, ExprList(node->row_expr->n_args, node->row_expr->args));
      return e;
    }
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: {
      const PgQuery__SQLValueFunction* f = node->sqlvalue_function;
      auto e = std::make_unique<Expr>(ExprKind::kSqlValue, Loc(f->location));
      e->ival = -1;
      switch (f->op) {
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE: e->sql_value = ast::SqlValueKind::kCurrentDate; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME_N: e->sql_value = ast::SqlValueKind::kCurrentTime; e->ival = f->typmod; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N: e->sql_value = ast::SqlValueKind::kCurrentTimestamp; e->ival = f->typmod; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME_N: e->sql_value = ast::SqlValueKind::kLocalTime; e->ival = f->typmod; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N: e->sql_value = ast::SqlValueKind::kLocalTimestamp; e->ival = f->typmod; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE: e->sql_value = ast::SqlValueKind::kCurrentRole; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER: e->sql_value = ast::SqlValueKind::kCurrentUser; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER: e->sql_value = ast::SqlValueKind::kUser; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER: e->sql_value = ast::SqlValueKind::kSessionUser; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG: e->sql_value = ast::SqlValueKind::kCurrentCatalog; break;
        default: e->sql_value = ast::SqlValueKind::kCurrentSchema; break;
      }
      return e;
    }
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
      // The indirection list applies left to right: `(x).f[1].g` selects f,
      // subscripts it, then selects g. Consecutive subscripts form one
      // kSubscript (several of them mean a multidimensional subscript).
      const PgQuery__AIndirection* ind = node->a_indirection;
      STRATA_ASSIGN_OR_RETURN(ExprPtr current, Expression(ind->arg));
      const int location = current->location;
      ExprPtr subscript;
      auto flush = [&] {
        if (subscript) current = std::move(subscript);
      };
      for (size_t i = 0; i < ind->n_indirection; ++i) {
        const PgQuery__Node* s = ind->indirection[i];
        if (s->node_case == PG_QUERY__NODE__NODE_STRING) {
          flush();
          auto f = std::make_unique<Expr>(ExprKind::kFieldSelect, location);
          f->str = s->string->sval;
          f->arg = std::move(current);
          current = std::move(f);
          continue;
        }
        if (s->node_case == PG_QUERY__NODE__NODE_A_STAR) {
          return NotSupported("row expansion (x).* is not supported", location);
        }
        if (s->node_case != PG_QUERY__NODE__NODE_A_INDICES || s->a_indices->is_slice ||
            s->a_indices->uidx == nullptr) {
          return NotSupported("only simple array subscripts are supported", location);
        }
        if (!subscript) {
          subscript = std::make_unique<Expr>(ExprKind::kSubscript, location);
          subscript->arg = std::move(current);
        }
        STRATA_ASSIGN_OR_RETURN(ExprPtr idx, Expression(s->a_indices->uidx));
        subscript->args.push_back(std::move(idx));
      }
      flush();
      return current;
    }
    case PG_QUERY__NODE__NODE_SET_TO_DEFAULT:
      return std::make_unique<Expr>(ExprKind::kDefault, Loc(node->set_to_default->location));
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
      // COLLATE: Strata compares strings bytewise (C collation) whatever
      // the collation name.
      return Expression(node->collate_clause->arg);
    default:
      return NotSupported("unsupported expression type", 0);
  }
}

Result<std::vector<ast::ResTarget>> Transformer::Targets(size_t n, PgQuery__Node** items) {
  std::vector<ast::ResTarget> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (items[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET) {
      return NotSupported("unsupported target", 0);
    }
    const PgQuery__ResTarget* r = items[i]->res_target;
    ast::ResTarget t;
    t.alias = Str(r->name);
    t.location = Loc(r->location);
    STRATA_ASSIGN_OR_RETURN(t.expr, Expression(r->val));
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<ast::OrderItem>> Transformer::Order(size_t n, PgQuery__Node** items) {
  std::vector<ast::OrderItem> out;
  for (size_t i = 0; i < n; ++i) {
    if (items[i]->node_case != PG_QUERY__NODE__NODE_SORT_BY) return NotSupported("bad ORDER BY", 0);
    const PgQuery__SortBy* s = items[i]->sort_by;
    ast::OrderItem o;
    o.location = Loc(s->location);
    if (s->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING) {
      return NotSupported("ORDER BY ... USING is not supported", o.location);
    }
    o.direction = s->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_ASC    ? ast::SortDirection::kAsc
                  : s->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC ? ast::SortDirection::kDesc
                                                                        : ast::SortDirection::kDefault;
    o.nulls = s->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST  ? ast::NullsOrder::kFirst
              : s->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST ? ast::NullsOrder::kLast
                                                                               : ast::NullsOrder::kDefault;
    STRATA_ASSIGN_OR_RETURN(o.expr, Expression(s->node));
    if (o.location == 0) o.location = o.expr->location;
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::optional<ast::WithClause>> Transformer::With(const PgQuery__WithClause* w) {
  if (w == nullptr) return std::optional<ast::WithClause>();
  ast::WithClause out;
  out.recursive = w->recursive;
  if (w->recursive) return NotSupported("WITH RECURSIVE is not supported", Loc(w->location));
  for (size_t i = 0; i < w->n_ctes; ++i) {
    const PgQuery__CommonTableExpr* c = w->ctes[i]->common_table_expr;
    ast::CommonTableExpr cte;
    cte.name = Str(c->ctename);
    cte.location = Loc(c->location);
    STRATA_ASSIGN_OR_RETURN(cte.column_names, StringList(c->n_aliascolnames, c->aliascolnames));
    if (c->ctequery == nullptr || c->ctequery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
      return NotSupported("data-modifying statements in WITH are not supported", cte.location);
    }
    STRATA_ASSIGN_OR_RETURN(auto q, Select(c->ctequery->select_stmt));
    cte.query = std::move(q);
    out.ctes.push_back(std::move(cte));
  }
  return std::optional<ast::WithClause>(std::move(out));
}

Result<std::unique_ptr<ast::TableRef>> Transformer::FromItem(const PgQuery__Node* node) {
  auto ref = std::make_unique<ast::TableRef>();
  auto alias_of = [&](const PgQuery__Alias* a) -> Result<std::optional<ast::Alias>> {
    if (a == nullptr) return std::optional<ast::Alias>();
    ast::Alias out;
    out.name = Str(a->aliasname);
    STRATA_ASSIGN_OR_RETURN(out.column_names, StringList(a->n_colnames, a->colnames));
    return std::optional<ast::Alias>(std::move(out));
  };
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_RANGE_VAR: {
      ref->kind = ast::TableRefKind::kTable;
      ref->table = Relation(node->range_var);
      ref->location = ref->table.location;
      if (!Str(node->range_var->catalogname).empty()) {
        return NotSupported("cross-database references are not implemented", ref->location);
      }
      STRATA_ASSIGN_OR_RETURN(ref->alias, alias_of(node->range_var->alias));
      return ref;
    }
    case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: {
      const PgQuery__RangeSubselect* s = node->range_subselect;
      ref->kind = ast::TableRefKind::kSubquery;
      ref->lateral = s->lateral;
      if (s->subquery == nullptr || s->subquery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        return NotSupported("unsupported subquery in FROM", 0);
      }
      STRATA_ASSIGN_OR_RETURN(ref->subquery, Select(s->subquery->select_stmt));
      ref->location = ref->subquery->location;
      STRATA_ASSIGN_OR_RETURN(ref->alias, alias_of(s->alias));
      return ref;
    }
    case PG_QUERY__NODE__NODE_RANGE_FUNCTION: {
      const PgQuery__RangeFunction* f = node->range_function;
      ref->kind = ast::TableRefKind::kFunction;
      if (f->is_rowsfrom || f->ordinality || f->n_functions != 1 || f->n_coldeflist > 0) {
        return NotSupported("unsupported function in FROM", 0);
      }
      const PgQuery__Node* item = f->functions[0];
      if (item->node_case != PG_QUERY__NODE__NODE_LIST || item->list->n_items < 1) {
        return NotSupported("unsupported function in FROM", 0);
      }
      STRATA_ASSIGN_OR_RETURN(ref->function, Expression(item->list->items[0]));
      ref->location = ref->function->location;
      ref->lateral = f->lateral;
      STRATA_ASSIGN_OR_RETURN(ref->alias, alias_of(f->alias));
      return ref;
    }
    case PG_QUERY__NODE__NODE_JOIN_EXPR: {
      const PgQuery__JoinExpr* j = node->join_expr;
      ref->kind = ast::TableRefKind::kJoin;
      switch (j->jointype) {
        case PG_QUERY__JOIN_TYPE__JOIN_LEFT: ref->join = ast::JoinKind::kLeft; break;
        case PG_QUERY__JOIN_TYPE__JOIN_RIGHT: ref->join = ast::JoinKind::kRight; break;
        case PG_QUERY__JOIN_TYPE__JOIN_FULL: ref->join = ast::JoinKind::kFull; break;
        default: ref->join = ast::JoinKind::kInner; break;
      }
      ref->natural = j->is_natural;
      STRATA_ASSIGN_OR_RETURN(ref->left, FromItem(j->larg));
      STRATA_ASSIGN_OR_RETURN(ref->right, FromItem(j->rarg));
      if (j->quals != nullptr) {
        STRATA_ASSIGN_OR_RETURN(ref->on, Expression(j->quals));
      } else if (j->n_using_clause == 0 && !j->is_natural && ref->join == ast::JoinKind::kInner) {
        ref->join = ast::JoinKind::kCross;
      }
      STRATA_ASSIGN_OR_RETURN(ref->using_columns, StringList(j->n_using_clause, j->using_clause));
      STRATA_ASSIGN_OR_RETURN(ref->alias, alias_of(j->alias));
      if (j->join_using_alias != nullptr) {
        return NotSupported("JOIN USING aliases are not supported", 0);
      }
      ref->location = ref->left->location;
      return ref;
    }
    default:
      return NotSupported("unsupported FROM item", 0);
  }
}

Result<std::unique_ptr<ast::SelectStmt>> Transformer::Select(const PgQuery__SelectStmt* s) {
  auto out = std::make_unique<ast::SelectStmt>();
  STRATA_ASSIGN_OR_RETURN(out->with, With(s->with_clause));
  if (s->into_clause != nullptr) return NotSupported("SELECT INTO is not supported", 0);
  if (s->n_window_clause > 0) return NotSupported("WINDOW clauses are not supported", 0);
  if (s->limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES) {
    return NotSupported("FETCH ... WITH TIES is not supported", 0);
  }
  out->for_update = s->n_locking_clause > 0;
  if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED) {
    out->op = s->op == PG_QUERY__SET_OPERATION__SETOP_UNION       ? ast::SetOpKind::kUnion
              : s->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? ast::SetOpKind::kIntersect
                                                                  : ast::SetOpKind::kExcept;
    out->all = s->all;
    STRATA_ASSIGN_OR_RETURN(out->left, Select(s->larg));
    STRATA_ASSIGN_OR_RETURN(out->right, Select(s->rarg));
    out->location = out->left->location;
  } else if (s->n_values_lists > 0) {
    for (size_t i = 0; i < s->n_values_lists; ++i) {
      const PgQuery__Node* row = s->values_lists[i];
      if (row->node_case != PG_QUERY__NODE__NODE_LIST) return NotSupported("bad VALUES", 0);
      STRATA_ASSIGN_OR_RETURN(auto exprs, ExprList(row->list->n_items, row->list->items));
      if (i == 0 && !exprs.empty()) out->location = exprs[0]->location;
      out->values.push_back(std::move(exprs));
    }
  } else {
    if (s->n_distinct_clause > 0) {
      out->distinct = true;
      // DISTINCT is a one-element list holding NULL; DISTINCT ON has exprs.
      if (!(s->n_distinct_clause == 1 && (s->distinct_clause[0] == nullptr ||
                                          s->distinct_clause[0]->node_case == PG_QUERY__NODE__NODE__NOT_SET))) {
        STRATA_ASSIGN_OR_RETURN(out->distinct_on, ExprList(s->n_distinct_clause, s->distinct_clause));
      }
    }
    STRATA_ASSIGN_OR_RETURN(out->targets, Targets(s->n_target_list, s->target_list));
    if (!out->targets.empty()) out->location = out->targets[0].location;
    for (size_t i = 0; i < s->n_from_clause; ++i) {
      STRATA_ASSIGN_OR_RETURN(auto item, FromItem(s->from_clause[i]));
      out->from.push_back(std::move(item));
    }
    if (s->where_clause != nullptr) {
      STRATA_ASSIGN_OR_RETURN(out->where, Expression(s->where_clause));
    }
    for (size_t i = 0; i < s->n_group_clause; ++i) {
      const PgQuery__Node* g = s->group_clause[i];
      if (g->node_case == PG_QUERY__NODE__NODE_GROUPING_SET) {
        return NotSupported("GROUPING SETS, ROLLUP and CUBE are not supported", 0);
      }
      STRATA_ASSIGN_OR_RETURN(ExprPtr e, Expression(g));
      out->group_by.push_back(std::move(e));
    }
    if (s->having_clause != nullptr) {
      STRATA_ASSIGN_OR_RETURN(out->having, Expression(s->having_clause));
    }
  }
  STRATA_ASSIGN_OR_RETURN(out->order_by, Order(s->n_sort_clause, s->sort_clause));
  if (s->limit_count != nullptr) {
    // LIMIT ALL is a NULL constant.
    const PgQuery__Node* l = s->limit_count;
    if (!(l->node_case == PG_QUERY__NODE__NODE_A_CONST && l->a_const->isnull)) {
      STRATA_ASSIGN_OR_RETURN(out->limit, Expression(l));
    }
  }
  if (s->limit_offset != nullptr) {
    STRATA_ASSIGN_OR_RETURN(out->offset, Expression(s->limit_offset));
  }
  return out;
}

Result<std::vector<ast::SetClause>> Transformer::SetClauses(size_t n, PgQuery__Node** items) {
  std::vector<ast::SetClause> out;
  for (size_t i = 0; i < n; ++i) {
    const PgQuery__ResTarget* r = items[i]->res_target;
    ast::SetClause c;
    c.column = Str(r->name);
    c.location = Loc(r->location);
    if (r->n_indirection > 0) {
      return NotSupported("assignment to a subfield or array element is not supported", c.location);
    }
    if (r->val != nullptr && r->val->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) {
      const PgQuery__MultiAssignRef* m = r->val->multi_assign_ref;
      if (m->source == nullptr || m->source->node_case != PG_QUERY__NODE__NODE_ROW_EXPR ||
          m->colno < 1 || static_cast<size_t>(m->colno) > m->source->row_expr->n_args) {
        return NotSupported("multiple-column UPDATE from a subquery is not supported", c.location);
      }
      if (static_cast<size_t>(m->ncolumns) != m->source->row_expr->n_args) {
        return Status(SqlState::kSyntaxError, "number of columns does not match number of values")
            .WithPosition(c.location);
      }
      STRATA_ASSIGN_OR_RETURN(c.value, Expression(m->source->row_expr->args[m->colno - 1]));
    } else {
      STRATA_ASSIGN_OR_RETURN(c.value, Expression(r->val));
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<ast::StatementPtr> Transformer::Insert(const PgQuery__InsertStmt* s) {
  auto out = std::make_unique<ast::InsertStmt>();
  STRATA_ASSIGN_OR_RETURN(out->with, With(s->with_clause));
  out->table = Relation(s->relation);
  if (s->relation->alias != nullptr) out->alias = Str(s->relation->alias->aliasname);
  for (size_t i = 0; i < s->n_cols; ++i) {
    const PgQuery__ResTarget* r = s->cols[i]->res_target;
    if (r->n_indirection > 0) {
      return NotSupported("assignment to a subfield or array element is not supported", Loc(r->location));
    }
    out->columns.push_back(Str(r->name));
    out->column_locations.push_back(Loc(r->location));
  }
  if (s->select_stmt != nullptr) {
    if (s->select_stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
      return NotSupported("unsupported INSERT source", 0);
    }
    STRATA_ASSIGN_OR_RETURN(out->source, Select(s->select_stmt->select_stmt));
  }
  if (s->on_conflict_clause != nullptr) {
    const PgQuery__OnConflictClause* c = s->on_conflict_clause;
    out->on_conflict.location = Loc(c->location);
    out->on_conflict.action = c->action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_UPDATE
                                  ? ast::OnConflictAction::kUpdate
                                  : ast::OnConflictAction::kNothing;
    if (c->infer != nullptr) {
      out->on_conflict.constraint_name = Str(c->infer->conname);
      if (c->infer->where_clause != nullptr) {
        return NotSupported("ON CONFLICT ... WHERE on the conflict target is not supported",
                            out->on_conflict.location);
      }
      for (size_t i = 0; i < c->infer->n_index_elems; ++i) {
        const PgQuery__IndexElem* ie = c->infer->index_elems[i]->index_elem;
        if (ie->expr != nullptr) {
          return NotSupported("expressions in ON CONFLICT targets are not supported",
                              out->on_conflict.location);
        }
        out->on_conflict.target_columns.push_back(Str(ie->name));
      }
    }
    STRATA_ASSIGN_OR_RETURN(out->on_conflict.set, SetClauses(c->n_target_list, c->target_list));
    if (c->where_clause != nullptr) {
      STRATA_ASSIGN_OR_RETURN(out->on_conflict.where, Expression(c->where_clause));
    }
  }
  STRATA_ASSIGN_OR_RETURN(out->returning, Targets(s->n_returning_list, s->returning_list));
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::Update(const PgQuery__UpdateStmt* s) {
  auto out = std::make_unique<ast::UpdateStmt>();
  STRATA_ASSIGN_OR_RETURN(out->with, With(s->with_clause));
  out->table = Relation(s->relation);
  if (s->relation->alias != nullptr) {
    out->alias = ast::Alias{Str(s->relation->alias->aliasname), {}};
  }
  STRATA_ASSIGN_OR_RETURN(out->set, SetClauses(s->n_target_list, s->target_list));
  for (size_t i = 0; i < s->n_from_clause; ++i) {
    STRATA_ASSIGN_OR_RETURN(auto item, FromItem(s->from_clause[i]));
    out->from.push_back(std::move(item));
  }
  if (s->where_clause != nullptr) {
    STRATA_ASSIGN_OR_RETURN(out->where, Expression(s->where_clause));
  }
  STRATA_ASSIGN_OR_RETURN(out->returning, Targets(s->n_returning_list, s->returning_list));
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::Delete(const PgQuery__DeleteStmt* s) {
  auto out = std::make_unique<ast::DeleteStmt>();
  STRATA_ASSIGN_OR_RETURN(out->with, With(s->with_clause));
  out->table = Relation(s->relation);
  if (s->relation->alias != nullptr) {
    out->alias = ast::Alias{Str(s->relation->alias->aliasname), {}};
  }
  for (size_t i = 0; i < s->n_using_clause; ++i) {
    STRATA_ASSIGN_OR_RETURN(auto item, FromItem(s->using_clause[i]));
    out->using_tables.push_back(std::move(item));
  }
  if (s->where_clause != nullptr) {
    STRATA_ASSIGN_OR_RETURN(out->where, Expression(s->where_clause));
  }
  STRATA_ASSIGN_OR_RETURN(out->returning, Targets(s->n_returning_list, s->returning_list));
  return ast::StatementPtr(std::move(out));
}

// The text form of a DefElem argument (identifiers, keywords, numbers and
// strings all become text).
Result<std::string> DefArgText(const PgQuery__Node* arg) {
  switch (arg->node_case) {
    case PG_QUERY__NODE__NODE_STRING:
      return Str(arg->string->sval);
    case PG_QUERY__NODE__NODE_INTEGER:
      return std::to_string(arg->integer->ival);
    case PG_QUERY__NODE__NODE_FLOAT:
      return Str(arg->float_->fval);
    case PG_QUERY__NODE__NODE_BOOLEAN:
      return std::string(arg->boolean->boolval ? "true" : "false");
    case PG_QUERY__NODE__NODE_A_STAR:
      return std::string("*");
    case PG_QUERY__NODE__NODE_A_CONST: {
      const PgQuery__AConst* c = arg->a_const;
      switch (c->val_case) {
        case PG_QUERY__A__CONST__VAL_IVAL: return std::to_string(c->ival->ival);
        case PG_QUERY__A__CONST__VAL_FVAL: return Str(c->fval->fval);
        case PG_QUERY__A__CONST__VAL_SVAL: return Str(c->sval->sval);
        case PG_QUERY__A__CONST__VAL_BOOLVAL: return std::string(c->boolval->boolval ? "true" : "false");
        default: return std::string();
      }
    }
    case PG_QUERY__NODE__NODE_TYPE_NAME: {
      const PgQuery__TypeName* t = arg->type_name;
      std::string out;
      for (size_t i = 0; i < t->n_names; ++i) {
        if (t->names[i]->node_case != PG_QUERY__NODE__NODE_STRING) continue;
        const std::string part = Str(t->names[i]->string->sval);
        if (part == "pg_catalog" && i + 1 < t->n_names) continue;
        if (!out.empty()) out += '.';
        out += part;
      }
      return out;
    }
    case PG_QUERY__NODE__NODE_LIST: {
      std::string out;
      for (size_t i = 0; i < arg->list->n_items; ++i) {
        STRATA_ASSIGN_OR_RETURN(std::string item, DefArgText(arg->list->items[i]));
        if (i > 0) out += ',';
        out += item;
      }
      return out;
    }
    default:
      return NotSupported("unsupported option value", 0);
  }
}

Result<std::vector<ast::DefElem>> Transformer::DefElems(size_t n, PgQuery__Node** items) {
  std::vector<ast::DefElem> out;
  for (size_t i = 0; i < n; ++i) {
    if (items[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) return NotSupported("bad option", 0);
    const PgQuery__DefElem* d = items[i]->def_elem;
    ast::DefElem e;
    e.location = Loc(d->location);
    const std::string ns = Str(d->defnamespace);
    e.name = ns.empty() ? Str(d->defname) : ns + "." + Str(d->defname);
    if (d->arg != nullptr) {
      STRATA_ASSIGN_OR_RETURN(e.value, DefArgText(d->arg));
      e.has_value = true;
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<ast::ColumnDef> Transformer::Column(const PgQuery__ColumnDef* c, std::vector<std::string>* pk,
                                           int* pk_location) {
  ast::ColumnDef out;
  out.name = Str(c->colname);
  out.location = Loc(c->location);
  STRATA_ASSIGN_OR_RETURN(out.type, Type(c->type_name));
  out.not_null = c->is_not_null;
  if (c->raw_default != nullptr) {
    STRATA_ASSIGN_OR_RETURN(out.default_value, Expression(c->raw_default));
  }
  for (size_t i = 0; i < c->n_constraints; ++i) {
    const PgQuery__Constraint* k = c->constraints[i]->constraint;
    const int loc = Loc(k->location);
    switch (k->contype) {
      case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
        out.not_null = true;
        break;
      case PG_QUERY__CONSTR_TYPE__CONSTR_NULL:
        out.explicit_null = true;
        break;
      case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT: {
        STRATA_ASSIGN_OR_RETURN(out.default_value, Expression(k->raw_expr));
        break;
      }
      case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
        if (!pk->empty()) {
          return Status(SqlState::kInvalidTableDefinition, "multiple primary keys for table are not allowed")
              .WithPosition(loc);
        }
        out.primary_key = true;
        pk->push_back(out.name);
        *pk_location = loc;
        break;
      case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRABLE:
      case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_NOT_DEFERRABLE:
      case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRED:
      case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_IMMEDIATE:
        break;
      case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
        return NotSupported("UNIQUE constraints are not supported", loc);
      case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
        return NotSupported("CHECK constraints are not supported", loc);
      case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
        return NotSupported("FOREIGN KEY constraints are not supported", loc);
      default:
        return NotSupported("unsupported column constraint", loc);
    }
  }
  if (out.not_null && out.explicit_null) {
    return Status(SqlState::kSyntaxError,
                  "conflicting NULL/NOT NULL declarations for column \"" + out.name + "\"")
        .WithPosition(out.location);
  }
  return out;
}

Result<ast::StatementPtr> Transformer::CreateTable(const PgQuery__CreateStmt* s) {
  auto out = std::make_unique<ast::CreateTableStmt>();
  out->table = Relation(s->relation);
  out->if_not_exists = s->if_not_exists;
  if (s->n_inh_relations > 0 || s->partspec != nullptr || s->partbound != nullptr || s->of_typename != nullptr) {
    return NotSupported("inheritance and partitioning are not supported", out->table.location);
  }
  if (s->relation->relpersistence != nullptr && std::strcmp(s->relation->relpersistence, "t") == 0) {
    return NotSupported("temporary tables are not supported", out->table.location);
  }
  for (size_t i = 0; i < s->n_table_elts; ++i) {
    const PgQuery__Node* elt = s->table_elts[i];
    if (elt->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
      STRATA_ASSIGN_OR_RETURN(ast::ColumnDef col,
                              Column(elt->column_def, &out->primary_key, &out->primary_key_location));
      out->columns.push_back(std::move(col));
    } else if (elt->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
      const PgQuery__Constraint* k = elt->constraint;
      const int loc = Loc(k->location);
      if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY) {
        return NotSupported("only PRIMARY KEY table constraints are supported", loc);
      }
      if (!out->primary_key.empty()) {
        return Status(SqlState::kInvalidTableDefinition,
                      "multiple primary keys for table \"" + out->table.name + "\" are not allowed")
            .WithPosition(loc);
      }
      STRATA_ASSIGN_OR_RETURN(out->primary_key, StringList(k->n_keys, k->keys));
      out->primary_key_location = loc;
    } else {
      return NotSupported("LIKE clauses are not supported", out->table.location);
    }
  }
  STRATA_ASSIGN_OR_RETURN(out->options, DefElems(s->n_options, s->options));
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::Drop(const PgQuery__DropStmt* s) {
  auto out = std::make_unique<ast::DropStmt>();
  out->if_exists = s->missing_ok;
  out->cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  switch (s->remove_type) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: out->object = ast::ObjectKind::kTable; break;
    case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: out->object = ast::ObjectKind::kSchema; break;
    case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: out->object = ast::ObjectKind::kView; break;
    case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: out->object = ast::ObjectKind::kIndex; break;
    default: out->object = ast::ObjectKind::kOther; break;
  }
  for (size_t i = 0; i < s->n_objects; ++i) {
    const PgQuery__Node* o = s->objects[i];
    ast::QualifiedName name;
    if (o->node_case == PG_QUERY__NODE__NODE_STRING) {
      name.name = Str(o->string->sval);
    } else if (o->node_case == PG_QUERY__NODE__NODE_LIST) {
      STRATA_ASSIGN_OR_RETURN(auto parts, StringList(o->list->n_items, o->list->items));
      if (parts.size() > 2) {
        return NotSupported("cross-database references are not implemented", 0);
      }
      name.name = parts.back();
      if (parts.size() == 2) name.schema = parts[0];
    } else {
      return NotSupported("unsupported DROP object", 0);
    }
    out->names.push_back(std::move(name));
  }
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::AlterTable(const PgQuery__AlterTableStmt* s) {
  auto out = std::make_unique<ast::AlterTableStmt>();
  out->table = Relation(s->relation);
  out->if_exists = s->missing_ok;
  if (s->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
    return NotSupported("only ALTER TABLE is supported", out->table.location);
  }
  for (size_t i = 0; i < s->n_cmds; ++i) {
    const PgQuery__AlterTableCmd* c = s->cmds[i]->alter_table_cmd;
    ast::AlterTableCmd cmd;
    cmd.name = Str(c->name);
    switch (c->subtype) {
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn: {
        cmd.action = ast::AlterTableAction::kAddColumn;
        cmd.if_not_exists = c->missing_ok;
        std::vector<std::string> pk;
        int pk_loc = 0;
        STRATA_ASSIGN_OR_RETURN(cmd.column, Column(c->def->column_def, &pk, &pk_loc));
        cmd.location = cmd.column.location;
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
        cmd.action = ast::AlterTableAction::kDropColumn;
        cmd.if_exists = c->missing_ok;
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_SetRelOptions:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_ResetRelOptions: {
        cmd.action = c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetRelOptions
                         ? ast::AlterTableAction::kSetOptions
                         : ast::AlterTableAction::kResetOptions;
        if (c->def == nullptr || c->def->node_case != PG_QUERY__NODE__NODE_LIST) {
          return NotSupported("bad ALTER TABLE SET", 0);
        }
        STRATA_ASSIGN_OR_RETURN(cmd.options, DefElems(c->def->list->n_items, c->def->list->items));
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_ReplicaIdentity: {
        // Kept as the table property replica_identity.
        const PgQuery__ReplicaIdentityStmt* r =
            c->def != nullptr ? c->def->replica_identity_stmt : nullptr;
        if (r == nullptr || r->identity_type == nullptr) {
          return NotSupported("bad REPLICA IDENTITY", out->table.location);
        }
        const char kind = r->identity_type[0];
        if (kind == 'i') {
          return NotSupported("REPLICA IDENTITY USING INDEX is not supported",
                              out->table.location);
        }
        cmd.action = ast::AlterTableAction::kSetOptions;
        ast::DefElem option;
        option.name = "replica_identity";
        option.value = kind == 'f' ? "full" : kind == 'n' ? "nothing" : "default";
        option.has_value = true;
        cmd.options.push_back(std::move(option));
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
        cmd.action = ast::AlterTableAction::kSetNotNull;
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
        cmd.action = ast::AlterTableAction::kDropNotNull;
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault:
        cmd.action = ast::AlterTableAction::kSetDefault;
        if (c->def != nullptr) {
          STRATA_ASSIGN_OR_RETURN(cmd.column.default_value, Expression(c->def));
        }
        break;
      default:
        return NotSupported("unsupported ALTER TABLE action", out->table.location);
    }
    out->cmds.push_back(std::move(cmd));
  }
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::Rename(const PgQuery__RenameStmt* s) {
  auto out = std::make_unique<ast::AlterTableStmt>();
  if (s->relation == nullptr) return NotSupported("unsupported RENAME", 0);
  out->table = Relation(s->relation);
  out->if_exists = s->missing_ok;
  ast::AlterTableCmd cmd;
  cmd.new_name = Str(s->newname);
  if (s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
    cmd.action = ast::AlterTableAction::kRenameTable;
  } else if (s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN &&
             s->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
    cmd.action = ast::AlterTableAction::kRenameColumn;
    cmd.name = Str(s->subname);
  } else {
    return NotSupported("unsupported RENAME", out->table.location);
  }
  out->cmds.push_back(std::move(cmd));
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::Transaction(const PgQuery__TransactionStmt* s) {
  auto out = std::make_unique<ast::TransactionStmt>();
  switch (s->kind) {
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START: out->action = ast::TransactionKind::kBegin; break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT: out->action = ast::TransactionKind::kCommit; break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK: out->action = ast::TransactionKind::kRollback; break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT: out->action = ast::TransactionKind::kSavepoint; break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE: out->action = ast::TransactionKind::kRelease; break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO: out->action = ast::TransactionKind::kRollbackTo; break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE: out->action = ast::TransactionKind::kPrepareTransaction; break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT_PREPARED: out->action = ast::TransactionKind::kCommitPrepared; break;
    default: out->action = ast::TransactionKind::kRollbackPrepared; break;
  }
  out->chain = s->chain;
  out->is_start = s->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START;
  STRATA_ASSIGN_OR_RETURN(out->options, DefElems(s->n_options, s->options));
  return ast::StatementPtr(std::move(out));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<ast::StatementPtr> Transformer::VariableSet(const PgQuery__VariableSetStmt* s) {
  auto out = std::make_unique<ast::SetStmt>();
  out->name = Lower(Str(s->name));
  out->is_local = s->is_local;
  switch (s->kind) {
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE: out->set_kind = ast::SetKind::kValue; break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT: out->set_kind = ast::SetKind::kDefault; break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_CURRENT: out->set_kind = ast::SetKind::kCurrent; break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI: out->set_kind = ast::SetKind::kMulti; break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET: out->set_kind = ast::SetKind::kReset; break;
    default: out->set_kind = ast::SetKind::kResetAll; break;
  }
  if (out->set_kind == ast::SetKind::kMulti && out->name != "transaction snapshot") {
    STRATA_ASSIGN_OR_RETURN(out->options, DefElems(s->n_args, s->args));
    return ast::StatementPtr(std::move(out));
  }
  for (size_t i = 0; i < s->n_args; ++i) {
    const PgQuery__Node* a = s->args[i];
    if (a->node_case == PG_QUERY__NODE__NODE_TYPE_CAST) {
      // SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE: keep the literal.
      const PgQuery__Node* inner = a->type_cast->arg;
      STRATA_ASSIGN_OR_RETURN(std::string text, DefArgText(inner));
      out->values.push_back(std::move(text));
      continue;
    }
    STRATA_ASSIGN_OR_RETURN(std::string text, DefArgText(a));
    out->values.push_back(std::move(text));
  }
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::Copy(const PgQuery__CopyStmt* s) {
  auto out = std::make_unique<ast::CopyStmt>();
  if (s->relation != nullptr) out->table = Relation(s->relation);
  if (s->query != nullptr) {
    STRATA_ASSIGN_OR_RETURN(out->query, Statement(s->query));
  }
  STRATA_ASSIGN_OR_RETURN(out->columns, StringList(s->n_attlist, s->attlist));
  out->is_from = s->is_from;
  out->is_program = s->is_program;
  out->filename = Str(s->filename);
  if (s->where_clause != nullptr) return NotSupported("COPY FROM ... WHERE is not supported", 0);
  STRATA_ASSIGN_OR_RETURN(out->options, DefElems(s->n_options, s->options));
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::Explain(const PgQuery__ExplainStmt* s) {
  auto out = std::make_unique<ast::ExplainStmt>();
  STRATA_ASSIGN_OR_RETURN(out->options, DefElems(s->n_options, s->options));
  STRATA_ASSIGN_OR_RETURN(out->query, Statement(s->query));
  return ast::StatementPtr(std::move(out));
}

Result<ast::StatementPtr> Transformer::Statement(const PgQuery__Node* node) {
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT: {
      STRATA_ASSIGN_OR_RETURN(auto s, Select(node->select_stmt));
      return ast::StatementPtr(std::move(s));
    }
    case PG_QUERY__NODE__NODE_INSERT_STMT:
      return Insert(node->insert_stmt);
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
      return Update(node->update_stmt);
    case PG_QUERY__NODE__NODE_DELETE_STMT:
      return Delete(node->delete_stmt);
    case PG_QUERY__NODE__NODE_CREATE_STMT:
      return CreateTable(node->create_stmt);
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT: {
      const PgQuery__CreateSchemaStmt* s = node->create_schema_stmt;
      if (s->n_schema_elts > 0) return NotSupported("CREATE SCHEMA with elements is not supported", 0);
      auto out = std::make_unique<ast::CreateSchemaStmt>();
      out->name = Str(s->schemaname);
      if (out->name.empty() && s->authrole != nullptr) out->name = Str(s->authrole->rolename);
      out->if_not_exists = s->if_not_exists;
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_DROP_STMT:
      if (node->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_PUBLICATION) {
        auto out = std::make_unique<ast::PublicationStmt>();
        out->action = ast::PublicationStmt::Action::kDrop;
        out->if_exists = node->drop_stmt->missing_ok;
        for (size_t i = 0; i < node->drop_stmt->n_objects; ++i) {
          const PgQuery__Node* o = node->drop_stmt->objects[i];
          if (o->node_case != PG_QUERY__NODE__NODE_STRING) {
            return NotSupported("unsupported DROP PUBLICATION object", 0);
          }
          out->names.push_back(Str(o->string->sval));
        }
        return ast::StatementPtr(std::move(out));
      }
      return Drop(node->drop_stmt);
    case PG_QUERY__NODE__NODE_CREATE_PUBLICATION_STMT:
    case PG_QUERY__NODE__NODE_ALTER_PUBLICATION_STMT: {
      const bool create = node->node_case == PG_QUERY__NODE__NODE_CREATE_PUBLICATION_STMT;
      auto out = std::make_unique<ast::PublicationStmt>();
      const char* name = create ? node->create_publication_stmt->pubname
                                : node->alter_publication_stmt->pubname;
      out->names.push_back(Str(name));
      const size_t n_objects = create ? node->create_publication_stmt->n_pubobjects
                                      : node->alter_publication_stmt->n_pubobjects;
      PgQuery__Node** objects = create ? node->create_publication_stmt->pubobjects
                                       : node->alter_publication_stmt->pubobjects;
      const size_t n_options = create ? node->create_publication_stmt->n_options
                                      : node->alter_publication_stmt->n_options;
      PgQuery__Node** options = create ? node->create_publication_stmt->options
                                       : node->alter_publication_stmt->options;
      out->all_tables = create ? node->create_publication_stmt->for_all_tables
                               : node->alter_publication_stmt->for_all_tables;
      if (create) {
        out->action = ast::PublicationStmt::Action::kCreate;
      } else if (n_objects == 0 && !out->all_tables) {
        out->action = ast::PublicationStmt::Action::kSetOptions;
      } else {
        switch (node->alter_publication_stmt->action) {
          case PG_QUERY__ALTER_PUBLICATION_ACTION__AP_AddObjects:
            out->action = ast::PublicationStmt::Action::kAddTables;
            break;
          case PG_QUERY__ALTER_PUBLICATION_ACTION__AP_DropObjects:
            out->action = ast::PublicationStmt::Action::kDropTables;
            break;
          default:
            out->action = ast::PublicationStmt::Action::kSetTables;
            break;
        }
      }
      for (size_t i = 0; i < n_objects; ++i) {
        const PgQuery__Node* o = objects[i];
        if (o->node_case != PG_QUERY__NODE__NODE_PUBLICATION_OBJ_SPEC) {
          return NotSupported("unsupported publication object", 0);
        }
        const PgQuery__PublicationObjSpec* spec = o->publication_obj_spec;
        if (spec->pubobjtype != PG_QUERY__PUBLICATION_OBJ_SPEC_TYPE__PUBLICATIONOBJ_TABLE &&
            spec->pubobjtype != PG_QUERY__PUBLICATION_OBJ_SPEC_TYPE__PUBLICATIONOBJ_CONTINUATION) {
          return NotSupported("publications of TABLES IN SCHEMA are not supported",
                              spec->location + 1);
        }
        if (spec->pubtable == nullptr || spec->pubtable->relation == nullptr) {
          return NotSupported("unsupported publication object", spec->location + 1);
        }
        if (spec->pubtable->where_clause != nullptr || spec->pubtable->n_columns > 0) {
          return NotSupported("publication row filters and column lists are not supported",
                              spec->location + 1);
        }
        out->tables.push_back(Relation(spec->pubtable->relation));
      }
      STRATA_ASSIGN_OR_RETURN(out->options, DefElems(n_options, options));
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT: {
      auto out = std::make_unique<ast::TruncateStmt>();
      for (size_t i = 0; i < node->truncate_stmt->n_relations; ++i) {
        out->tables.push_back(Relation(node->truncate_stmt->relations[i]->range_var));
      }
      out->restart_identity = node->truncate_stmt->restart_seqs;
      out->cascade = node->truncate_stmt->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_VACUUM_STMT: {
      auto out = std::make_unique<ast::VacuumStmt>();
      out->analyze_only = !node->vacuum_stmt->is_vacuumcmd;
      for (size_t i = 0; i < node->vacuum_stmt->n_rels; ++i) {
        const PgQuery__Node* rel = node->vacuum_stmt->rels[i];
        if (rel->node_case != PG_QUERY__NODE__NODE_VACUUM_RELATION ||
            rel->vacuum_relation->relation == nullptr) {
          return NotSupported("this form of VACUUM is not supported", 0);
        }
        out->tables.push_back(Relation(rel->vacuum_relation->relation));
      }
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
      return AlterTable(node->alter_table_stmt);
    case PG_QUERY__NODE__NODE_RENAME_STMT:
      return Rename(node->rename_stmt);
    case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
      return Transaction(node->transaction_stmt);
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
      return VariableSet(node->variable_set_stmt);
    case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT: {
      auto out = std::make_unique<ast::ShowStmt>();
      out->name = Lower(Str(node->variable_show_stmt->name));
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_PREPARE_STMT: {
      const PgQuery__PrepareStmt* s = node->prepare_stmt;
      auto out = std::make_unique<ast::PrepareStmt>();
      out->name = Str(s->name);
      for (size_t i = 0; i < s->n_argtypes; ++i) {
        STRATA_ASSIGN_OR_RETURN(ast::TypeName t, Type(s->argtypes[i]->type_name));
        out->param_types.push_back(std::move(t));
      }
      STRATA_ASSIGN_OR_RETURN(out->query, Statement(s->query));
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_EXECUTE_STMT: {
      auto out = std::make_unique<ast::ExecuteStmt>();
      out->name = Str(node->execute_stmt->name);
      STRATA_ASSIGN_OR_RETURN(out->params, ExprList(node->execute_stmt->n_params, node->execute_stmt->params));
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_DEALLOCATE_STMT: {
      auto out = std::make_unique<ast::DeallocateStmt>();
      out->name = Str(node->deallocate_stmt->name);
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT:
      return Explain(node->explain_stmt);
    case PG_QUERY__NODE__NODE_COPY_STMT:
      return Copy(node->copy_stmt);
    case PG_QUERY__NODE__NODE_CALL_STMT: {
      auto out = std::make_unique<ast::CallStmt>();
      STRATA_ASSIGN_OR_RETURN(out->call, FuncCall(node->call_stmt->funccall));
      return ast::StatementPtr(std::move(out));
    }
    case PG_QUERY__NODE__NODE_DISCARD_STMT: {
      auto out = std::make_unique<ast::DiscardStmt>();
      switch (node->discard_stmt->target) {
        case PG_QUERY__DISCARD_MODE__DISCARD_PLANS: out->target = "plans"; break;
        case PG_QUERY__DISCARD_MODE__DISCARD_SEQUENCES: out->target = "sequences"; break;
        case PG_QUERY__DISCARD_MODE__DISCARD_TEMP: out->target = "temp"; break;
        default: out->target = "all"; break;
      }
      return ast::StatementPtr(std::move(out));
    }
    default:
      return NotSupported("statement type is not supported", 0);
  }
}

// Parses `text` (a piece of `full_text` starting at `byte_base`) with
// libpg_query and appends its statements to *out.
Status ParseWithPgQuery(std::string_view full_text, int byte_base, std::string_view text,
                        std::vector<ast::StatementPtr>* out) {
  const std::string input(text);
  ProtobufParseGuard guard{pg_query_parse_protobuf(input.c_str())};
  if (guard.result.error != nullptr) {
    const PgQueryError* err = guard.result.error;
    Status status(SqlState::kSyntaxError, Str(err->message));
    if (err->cursorpos > 0) {
      const int base_chars = CharPosition(full_text, byte_base) - 1;
      return std::move(status).WithPosition(base_chars + err->cursorpos);
    }
    return status;
  }
  UnpackedGuard tree{pg_query__parse_result__unpack(
      nullptr, guard.result.parse_tree.len,
      reinterpret_cast<const uint8_t*>(guard.result.parse_tree.data))};
  if (tree.tree == nullptr) return Status::Internal("could not decode the parse tree");
  Transformer transformer(full_text, byte_base);
  for (size_t i = 0; i < tree.tree->n_stmts; ++i) {
    const PgQuery__RawStmt* raw = tree.tree->stmts[i];
    if (raw->stmt == nullptr) continue;
    STRATA_ASSIGN_OR_RETURN(ast::StatementPtr stmt, transformer.Statement(raw->stmt));
    size_t start = std::min(static_cast<size_t>(raw->stmt_location), text.size());
    size_t len = raw->stmt_len == 0 ? text.size() - start : static_cast<size_t>(raw->stmt_len);
    len = std::min(len, text.size() - start);
    while (len > 0 && std::isspace(static_cast<unsigned char>(text[start])) != 0) {
      ++start;
      --len;
    }
    stmt->text = std::string(text.substr(start, len));
    stmt->byte_offset = byte_base + static_cast<int>(start);
    out->push_back(std::move(stmt));
  }
  return Status::OK();
}

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// A tiny scanner for the hand-parsed CREATE STREAMING JOB prefix.
class PrefixScanner {
 public:
  explicit PrefixScanner(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) {
        ++pos_;
      } else if (text_.substr(pos_, 2) == "--") {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.substr(pos_, 2) == "/*") {
        const size_t end = text_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        break;
      }
    }
  }
  // Consumes `word` (case-insensitive, whole word).
  bool Keyword(std::string_view word) {
    SkipSpace();
    if (pos_ + word.size() > text_.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(text_[pos_ + i])) != word[i]) return false;
    }
    if (pos_ + word.size() < text_.size() && IsIdentChar(text_[pos_ + word.size()])) return false;
    pos_ += word.size();
    return true;
  }
  bool Punct(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // An identifier (folded to lower case unless quoted), possibly dotted.
  std::optional<std::string> Identifier() {
    SkipSpace();
    std::string out;
    while (true) {
      if (pos_ < text_.size() && text_[pos_] == '"') {
        ++pos_;
        while (pos_ < text_.size()) {
          if (text_[pos_] == '"') {
            if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
              out += '"';
              pos_ += 2;
              continue;
            }
            break;
          }
          out += text_[pos_++];
        }
        if (pos_ >= text_.size()) return std::nullopt;
        ++pos_;
      } else {
        const size_t start = pos_;
        while (pos_ < text_.size() && IsIdentChar(text_[pos_])) {
          out += static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_])));
          ++pos_;
        }
        if (pos_ == start) return std::nullopt;
      }
      if (pos_ < text_.size() && text_[pos_] == '.') {
        out += '.';
        ++pos_;
        continue;
      }
      return out;
    }
  }
  // A value: 'string', number, or identifier.
  std::optional<std::string> OptionValue() {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '\'') {
      std::string out;
      ++pos_;
      while (pos_ < text_.size()) {
        if (text_[pos_] == '\'') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '\'') {
            out += '\'';
            pos_ += 2;
            continue;
          }
          ++pos_;
          return out;
        }
        out += text_[pos_++];
      }
      return std::nullopt;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '.' || text_[pos_] == '-' ||
                                   text_[pos_] == '+')) {
      ++pos_;
    }
    if (pos_ == start) return Identifier();
    std::string out(text_.substr(start, pos_ - start));
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }
  size_t pos() const { return pos_; }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// True when the statement starts with CREATE STREAMING JOB.
bool IsStreamingJob(std::string_view stmt) {
  PrefixScanner s(stmt);
  return s.Keyword("create") && s.Keyword("streaming") && s.Keyword("job");
}

Status ParseStreamingJob(std::string_view full_text, int byte_base, std::string_view stmt_text,
                         std::vector<ast::StatementPtr>* out) {
  PrefixScanner s(stmt_text);
  auto error_here = [&](size_t pos) {
    // Report the next token as PostgreSQL does.
    size_t end = pos;
    while (end < stmt_text.size() && !std::isspace(static_cast<unsigned char>(stmt_text[end]))) ++end;
    const std::string token(stmt_text.substr(pos, end - pos));
    const int position = CharPosition(full_text, byte_base + static_cast<int>(pos));
    if (token.empty()) {
      return Status(SqlState::kSyntaxError, "syntax error at end of input").WithPosition(position);
    }
    return Status(SqlState::kSyntaxError, "syntax error at or near \"" + token + "\"")
        .WithPosition(position);
  };
  s.Keyword("create");
  s.Keyword("streaming");
  s.Keyword("job");
  auto job = std::make_unique<ast::CreateStreamingJobStmt>();
  job->location = CharPosition(full_text, byte_base);
  s.SkipSpace();
  if (s.Keyword("if")) {
    if (!s.Keyword("not") || !s.Keyword("exists")) {
      s.SkipSpace();
      return error_here(s.pos());
    }
    job->if_not_exists = true;
  }
  s.SkipSpace();
  const size_t name_pos = s.pos();
  auto name = s.Identifier();
  if (!name) return error_here(name_pos);
  job->name = *name;
  if (s.Keyword("with")) {
    if (!s.Punct('(')) {
      s.SkipSpace();
      return error_here(s.pos());
    }
    while (true) {
      s.SkipSpace();
      ast::DefElem opt;
      opt.location = CharPosition(full_text, byte_base + static_cast<int>(s.pos()));
      auto key = s.Identifier();
      if (!key) return error_here(s.pos());
      opt.name = *key;
      if (s.Punct('=')) {
        s.SkipSpace();
        const size_t vpos = s.pos();
        auto value = s.OptionValue();
        if (!value) return error_here(vpos);
        opt.value = *value;
        opt.has_value = true;
      }
      job->options.push_back(std::move(opt));
      if (s.Punct(',')) continue;
      if (s.Punct(')')) break;
      s.SkipSpace();
      return error_here(s.pos());
    }
  }
  if (!s.Keyword("as")) {
    s.SkipSpace();
    return error_here(s.pos());
  }
  s.SkipSpace();
  const size_t body_start = s.pos();
  std::vector<ast::StatementPtr> body;
  STRATA_RETURN_IF_ERROR(ParseWithPgQuery(full_text, byte_base + static_cast<int>(body_start),
                                          stmt_text.substr(body_start), &body));
  if (body.size() != 1 || body[0]->kind != ast::StmtKind::kInsert) {
    return Status(SqlState::kSyntaxError,
                  "the body of CREATE STREAMING JOB must be a single INSERT statement")
        .WithPosition(CharPosition(full_text, byte_base + static_cast<int>(body_start)));
  }
  job->body = std::move(body[0]);
  job->text = std::string(stmt_text);
  job->byte_offset = byte_base;
  out->push_back(std::move(job));
  return Status::OK();
}

bool ContainsStreamingKeyword(std::string_view text) {
  static constexpr std::string_view kWord = "streaming";
  if (text.size() < kWord.size()) return false;
  for (size_t i = 0; i + kWord.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < kWord.size() &&
           std::tolower(static_cast<unsigned char>(text[i + j])) == kWord[j]) {
      ++j;
    }
    if (j == kWord.size()) return true;
  }
  return false;
}

}  // namespace

int CharPosition(std::string_view text, int byte_offset) {
  if (byte_offset < 0) return 0;
  const size_t end = std::min(static_cast<size_t>(byte_offset), text.size());
  int chars = 0;
  for (size_t i = 0; i < end; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
  }
  return chars + 1;
}

Result<std::vector<ast::StatementPtr>> Parse(std::string_view text) {
  std::vector<ast::StatementPtr> out;
  if (!ContainsStreamingKeyword(text)) {
    STRATA_RETURN_IF_ERROR(ParseWithPgQuery(text, 0, text, &out));
    return out;
  }
  // The message may hold CREATE STREAMING JOB statements, which the PG
  // grammar rejects: split it with the scanner and parse piece by piece.
  const std::string input(text);
  PgQuerySplitResult split = pg_query_split_with_scanner(input.c_str());
  struct SplitGuard {
    PgQuerySplitResult* r;
    ~SplitGuard() { pg_query_free_split_result(*r); }
  } split_guard{&split};
  if (split.error != nullptr) {
    Status status(SqlState::kSyntaxError, Str(split.error->message));
    if (split.error->cursorpos > 0) return std::move(status).WithPosition(split.error->cursorpos);
    return status;
  }
  for (int i = 0; i < split.n_stmts; ++i) {
    const int start = split.stmts[i]->stmt_location;
    const int len = split.stmts[i]->stmt_len;
    const std::string_view piece = text.substr(static_cast<size_t>(start), static_cast<size_t>(len));
    if (IsStreamingJob(piece)) {
      STRATA_RETURN_IF_ERROR(ParseStreamingJob(text, start, piece, &out));
    } else {
      STRATA_RETURN_IF_ERROR(ParseWithPgQuery(text, start, piece, &out));
    }
  }
  return out;
}

}  // namespace strata::sql::parser
