#include "sql/ast_util.h"

#include <cctype>

namespace strata::sql::ast {

namespace {

// PostgreSQL's FigureColnameInternal: 2 for a strong name (column,
// function, most constructs), 1 for a type name of a cast or "case", 0 for
// none.
int FigureColnameInternal(const Expr& e, std::string* name) {
  switch (e.kind) {
    case ExprKind::kColumnRef:
    case ExprKind::kFuncCall:
      if (e.names.empty()) return 0;
      *name = e.names.back();
      return 2;
    case ExprKind::kCast: {
      const int strength = FigureColnameInternal(*e.args[0], name);
      if (strength <= 1 && e.type) {
        *name = e.type->name;
        return 1;
      }
      return strength;
    }
    case ExprKind::kNullIf:
      *name = "nullif";
      return 2;
    case ExprKind::kCase: {
      const int strength = e.default_result ? FigureColnameInternal(*e.default_result, name) : 0;
      if (strength <= 1) {
        *name = "case";
        return 1;
      }
      return strength;
    }
    case ExprKind::kCoalesce:
      *name = "coalesce";
      return 2;
    case ExprKind::kGreatest:
      *name = "greatest";
      return 2;
    case ExprKind::kLeast:
      *name = "least";
      return 2;
    case ExprKind::kArray:
      *name = "array";
      return 2;
    case ExprKind::kRow:
      *name = "row";
      return 2;
    case ExprKind::kSubscript:
      return e.arg ? FigureColnameInternal(*e.arg, name) : 0;
    case ExprKind::kFieldSelect:
      *name = e.str;
      return 2;
    case ExprKind::kSubLink:
      switch (e.sublink) {
        case SubLinkKind::kExists:
          *name = "exists";
          return 2;
        case SubLinkKind::kArray:
          *name = "array";
          return 2;
        case SubLinkKind::kExpr: {
          const SelectStmt* s = e.subquery.get();
          while (s != nullptr && s->op != SetOpKind::kNone) s = s->left.get();
          if (s != nullptr && !s->targets.empty()) {
            if (!s->targets[0].alias.empty()) {
              *name = s->targets[0].alias;
              return 2;
            }
            return FigureColnameInternal(*s->targets[0].expr, name);
          }
          return 0;
        }
        default:
          return 0;
      }
    case ExprKind::kSqlValue:
      switch (e.sql_value) {
        case SqlValueKind::kCurrentDate: *name = "current_date"; break;
        case SqlValueKind::kCurrentTime: *name = "current_time"; break;
        case SqlValueKind::kCurrentTimestamp: *name = "current_timestamp"; break;
        case SqlValueKind::kLocalTime: *name = "localtime"; break;
        case SqlValueKind::kLocalTimestamp: *name = "localtimestamp"; break;
        case SqlValueKind::kCurrentRole: *name = "current_role"; break;
        case SqlValueKind::kCurrentUser: *name = "current_user"; break;
        case SqlValueKind::kUser: *name = "user"; break;
        case SqlValueKind::kSessionUser: *name = "session_user"; break;
        case SqlValueKind::kCurrentCatalog: *name = "current_catalog"; break;
        case SqlValueKind::kCurrentSchema: *name = "current_schema"; break;
      }
      return 2;
    default:
      return 0;
  }
}

}  // namespace

std::string FigureColname(const Expr& e) {
  std::string name;
  if (FigureColnameInternal(e, &name) > 0) return name;
  return "?column?";
}

std::string QuoteIdentifier(const std::string& name) {
  bool safe = !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) != 0 || name[0] == '_');
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) != 0 || std::isdigit(static_cast<unsigned char>(c)) != 0 ||
          c == '_')) {
      safe = false;
    }
  }
  if (safe) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

namespace {

std::string Names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += '.';
    out += QuoteIdentifier(names[i]);
  }
  return out;
}

std::string TypeSql(const TypeName& t) {
  std::string out = QuoteIdentifier(t.name);
  if (!t.modifiers.empty()) {
    out += '(';
    for (size_t i = 0; i < t.modifiers.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(t.modifiers[i]);
    }
    out += ')';
  }
  if (t.is_array) out += "[]";
  return out;
}

std::string List(const std::vector<ExprPtr>& args, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) out += ", ";
    out += ToSql(*args[i]);
  }
  return out;
}

}  // namespace

std::string ToSql(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kConst:
      switch (e.const_kind) {
        case ConstKind::kNull: return "NULL";
        case ConstKind::kInteger: return std::to_string(e.ival);
        case ConstKind::kNumeric: return e.str;
        case ConstKind::kString: return QuoteLiteral(e.str);
        case ConstKind::kBool: return e.ival != 0 ? "true" : "false";
        case ConstKind::kBitString: return e.str;
      }
      return "NULL";
    case ExprKind::kColumnRef:
      return Names(e.names);
    case ExprKind::kStar:
      return e.names.empty() ? "*" : Names(e.names) + ".*";
    case ExprKind::kParam:
      return "$" + std::to_string(e.param_number);
    case ExprKind::kOperator: {
      const std::string op = e.names.empty() ? "?" : e.names.back();
      if (e.args.size() == 1) return "(" + op + " " + ToSql(*e.args[0]) + ")";
      return "(" + ToSql(*e.args[0]) + " " + op + " " + ToSql(*e.args[1]) + ")";
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i > 0) out += e.kind == ExprKind::kAnd ? " AND " : " OR ";
        out += ToSql(*e.args[i]);
      }
      return out + ")";
    }
    case ExprKind::kNot:
      return "(NOT " + ToSql(*e.args[0]) + ")";
    case ExprKind::kFuncCall: {
      std::string out = Names(e.names) + "(";
      if (e.agg_star) {
        out += "*";
      } else {
        if (e.agg_distinct) out += "DISTINCT ";
        out += List(e.args);
      }
      return out + ")";
    }
    case ExprKind::kCast:
      return "(" + ToSql(*e.args[0]) + ")::" + TypeSql(*e.type);
    case ExprKind::kIsNull:
      return "(" + ToSql(*e.args[0]) + (e.negated ? " IS NOT NULL)" : " IS NULL)");
    case ExprKind::kBoolTest: {
      static const char* kTests[] = {" IS TRUE", " IS NOT TRUE", " IS FALSE", " IS NOT FALSE", " IS UNKNOWN",
                                     " IS NOT UNKNOWN"};
      return "(" + ToSql(*e.args[0]) + kTests[static_cast<int>(e.bool_test)] + ")";
    }
    case ExprKind::kDistinctFrom:
      return "(" + ToSql(*e.args[0]) + (e.negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ") +
             ToSql(*e.args[1]) + ")";
    case ExprKind::kNullIf:
      return "NULLIF(" + List(e.args) + ")";
    case ExprKind::kIn:
      return "(" + ToSql(*e.args[0]) + (e.negated ? " NOT IN (" : " IN (") + List(e.args, 1) + "))";
    case ExprKind::kBetween:
      return "(" + ToSql(*e.args[0]) + (e.negated ? " NOT BETWEEN " : " BETWEEN ") +
             (e.symmetric ? "SYMMETRIC " : "") + ToSql(*e.args[1]) + " AND " + ToSql(*e.args[2]) + ")";
    case ExprKind::kLike:
    case ExprKind::kSimilar: {
      std::string op = e.kind == ExprKind::kSimilar ? "SIMILAR TO" : (e.case_insensitive ? "ILIKE" : "LIKE");
      std::string out = "(" + ToSql(*e.args[0]) + (e.negated ? " NOT " : " ") + op + " " + ToSql(*e.args[1]);
      if (e.args.size() > 2) out += " ESCAPE " + ToSql(*e.args[2]);
      return out + ")";
    }
    case ExprKind::kAnyAll:
      return "(" + ToSql(*e.args[0]) + " " + (e.names.empty() ? "=" : e.names.back()) +
             (e.is_all ? " ALL (" : " ANY (") + ToSql(*e.args[1]) + "))";
    case ExprKind::kCase: {
      std::string out = "CASE";
      if (e.arg) out += " " + ToSql(*e.arg);
      for (const auto& w : e.when_clauses) out += " WHEN " + ToSql(*w.condition) + " THEN " + ToSql(*w.result);
      if (e.default_result) out += " ELSE " + ToSql(*e.default_result);
      return out + " END";
    }
    case ExprKind::kCoalesce:
      return "COALESCE(" + List(e.args) + ")";
    case ExprKind::kGreatest:
      return "GREATEST(" + List(e.args) + ")";
    case ExprKind::kLeast:
      return "LEAST(" + List(e.args) + ")";
    case ExprKind::kArray:
      return "ARRAY[" + List(e.args) + "]";
    case ExprKind::kRow:
      return "ROW(" + List(e.args) + ")";
    case ExprKind::kSqlValue: {
      std::string name = FigureColname(e);
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (e.ival >= 0 && (e.sql_value == SqlValueKind::kCurrentTime || e.sql_value == SqlValueKind::kCurrentTimestamp ||
                          e.sql_value == SqlValueKind::kLocalTime || e.sql_value == SqlValueKind::kLocalTimestamp)) {
        name += "(" + std::to_string(e.ival) + ")";
      }
      return name;
    }
    case ExprKind::kSubscript: {
      std::string out = "(" + ToSql(*e.arg) + ")";
      for (const auto& a : e.args) out += "[" + ToSql(*a) + "]";
      return out;
    }
    case ExprKind::kFieldSelect:
      return "(" + ToSql(*e.arg) + ")." + e.str;
    case ExprKind::kDefault:
      return "DEFAULT";
    case ExprKind::kSubLink:
      return "(subquery)";
  }
  return "NULL";
}

}  // namespace strata::sql::ast
