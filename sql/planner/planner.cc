#include "sql/planner/planner.h"

#include <optional>
#include <utility>

#include "storage/catalog.h"

namespace strata::sql::planner {
namespace {

bool KeyCompatible(const DataType& column, const DataType& other) {
  if (column.is_array() || other.is_array()) return false;
  if (column.id == other.id) return true;
  if (IsIntegerType(column.id) && IsIntegerType(other.id)) return true;
  return IsStringType(column.id) && IsStringType(other.id) && column.id != TypeId::kBpchar &&
         other.id != TypeId::kBpchar;
}

// The comparison shape `col <op> expr` of a conjunct.
struct KeyPredicate {
  size_t column = 0;  // position in the table
  std::string op;     // "=", "<", "<=", ">", ">=", "in"
  std::vector<const BoundExpr*> values;
};

std::string Mirror(const std::string& op) {
  if (op == "<") return ">";
  if (op == "<=") return ">=";
  if (op == ">") return "<";
  if (op == ">=") return "<=";
  return op;
}

std::optional<KeyPredicate> Classify(const BoundExpr& e, const storage::TableDef& table) {
  auto column_of = [&](const BoundExpr& x) -> std::optional<size_t> {
    if (x.kind == BoundExprKind::kColumn && x.index >= 0 && static_cast<size_t>(x.index) < table.columns.size()) {
      return static_cast<size_t>(x.index);
    }
    return std::nullopt;
  };
  if (e.kind == BoundExprKind::kFunction && e.children.size() == 2) {
    const std::string op(e.fn.name);
    if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") return std::nullopt;
    for (int side = 0; side < 2; ++side) {
      const BoundExpr& c = *e.children[static_cast<size_t>(side)];
      const BoundExpr& v = *e.children[static_cast<size_t>(1 - side)];
      auto col = column_of(c);
      if (!col || !IsRowIndependent(v)) continue;
      if (!KeyCompatible(table.columns[*col].type, v.type)) continue;
      KeyPredicate p;
      p.column = *col;
      p.op = side == 0 ? op : Mirror(op);
      p.values.push_back(&v);
      return p;
    }
    return std::nullopt;
  }
  if (e.kind == BoundExprKind::kInList && !e.negated) {
    auto col = column_of(*e.children[0]);
    if (!col) return std::nullopt;
    KeyPredicate p;
    p.column = *col;
    p.op = "in";
    for (size_t i = 1; i < e.children.size(); ++i) {
      const BoundExpr& v = *e.children[i];
      if (!IsRowIndependent(v) || !KeyCompatible(table.columns[*col].type, v.type)) return std::nullopt;
      if (e.fns[i - 1].name != "=") return std::nullopt;
      p.values.push_back(&v);
    }
    return p;
  }
  return std::nullopt;
}

}  // namespace

BoundExprPtr CloneExpr(const BoundExpr& e) {
  auto out = std::make_unique<BoundExpr>(e.kind, e.type);
  out->location = e.location;
  out->value = e.value;
  out->unknown_literal = e.unknown_literal;
  out->index = e.index;
  out->depth = e.depth;
  out->name = e.name;
  out->fn = e.fn;
  out->fns = e.fns;
  out->cast = e.cast;
  out->negated = e.negated;
  out->is_all = e.is_all;
  out->has_else = e.has_else;
  out->bool_test = e.bool_test;
  out->subquery = e.subquery;
  out->subplan = e.subplan;
  out->correlated = e.correlated;
  for (const auto& c : e.children) out->children.push_back(CloneExpr(*c));
  return out;
}

bool IsRowIndependent(const BoundExpr& e) {
  switch (e.kind) {
    case BoundExprKind::kColumn:
      return false;
    case BoundExprKind::kSubquery:
      return false;
    case BoundExprKind::kFunction:
      if (e.fn.volatility == functions::Volatility::kVolatile) return false;
      break;
    default:
      break;
  }
  for (const auto& c : e.children) {
    if (!IsRowIndependent(*c)) return false;
  }
  return true;
}

void SplitConjuncts(BoundExprPtr expr, std::vector<BoundExprPtr>* out) {
  if (expr == nullptr) return;
  if (expr->kind == BoundExprKind::kAnd) {
    for (auto& c : expr->children) SplitConjuncts(std::move(c), out);
    return;
  }
  out->push_back(std::move(expr));
}

BoundExprPtr CombineConjuncts(std::vector<BoundExprPtr> conjuncts) {
  if (conjuncts.empty()) return nullptr;
  if (conjuncts.size() == 1) return std::move(conjuncts[0]);
  auto out = std::make_unique<BoundExpr>(BoundExprKind::kAnd, DataType::Of(TypeId::kBool));
  out->children = std::move(conjuncts);
  return out;
}

PlanPtr PlanTableAccess(const storage::TableDef& table, const std::string& name,
                        std::vector<BoundExprPtr> conjuncts) {
  auto plan = std::make_unique<PlanNode>(PlanKind::kSeqScan);
  plan->table_id = table.id;
  plan->schema_version = table.schema_version;
  plan->table_name = name;
  for (const auto& c : table.columns) plan->types.push_back(c.type);

  const std::vector<size_t> pk = table.PrimaryKeyIndexes();
  for (size_t i : pk) plan->key_types.push_back(table.columns[i].type);

  if (!pk.empty()) {
    // Per key column: its equality (or IN list) and range predicates.
    std::vector<std::optional<KeyPredicate>> eq(pk.size());
    std::vector<std::optional<KeyPredicate>> lower(pk.size());
    std::vector<std::optional<KeyPredicate>> upper(pk.size());
    for (const auto& c : conjuncts) {
      auto p = Classify(*c, table);
      if (!p) continue;
      for (size_t k = 0; k < pk.size(); ++k) {
        if (pk[k] != p->column) continue;
        if (p->op == "=" || p->op == "in") {
          // Prefer a single equality over an IN list.
          if (!eq[k] || (eq[k]->op == "in" && p->op == "=")) eq[k] = *p;
        } else if (p->op == ">" || p->op == ">=") {
          if (!lower[k]) lower[k] = *p;
        } else if (!upper[k]) {
          upper[k] = *p;
        }
      }
    }
    size_t prefix = 0;
    while (prefix < pk.size() && eq[prefix]) ++prefix;
    if (prefix == pk.size()) {
      // Every key column is pinned: point lookups.
      std::vector<std::vector<const BoundExpr*>> keys{{}};
      for (size_t k = 0; k < pk.size(); ++k) {
        std::vector<std::vector<const BoundExpr*>> next;
        for (const auto& partial : keys) {
          for (const BoundExpr* v : eq[k]->values) {
            auto key = partial;
            key.push_back(v);
            next.push_back(std::move(key));
          }
        }
        keys = std::move(next);
        if (keys.size() > kMaxMultiGetKeys) break;
      }
      if (keys.size() <= kMaxMultiGetKeys) {
        bool any_in = false;
        for (const auto& e : eq) any_in = any_in || e->op == "in";
        plan->kind = any_in ? PlanKind::kMultiGet : PlanKind::kGet;
        for (const auto& key : keys) {
          std::vector<BoundExprPtr> exprs;
          for (const BoundExpr* v : key) exprs.push_back(CloneExpr(*v));
          plan->keys.push_back(std::move(exprs));
        }
        plan->filter = CombineConjuncts(std::move(conjuncts));
        return plan;
      }
    }
    // A prefix of single equalities, then an optional range.
    size_t eq_prefix = 0;
    while (eq_prefix < pk.size() && eq[eq_prefix] && eq[eq_prefix]->op == "=") ++eq_prefix;
    const bool has_range = eq_prefix < pk.size() && (lower[eq_prefix] || upper[eq_prefix]);
    if (eq_prefix > 0 || has_range) {
      plan->kind = PlanKind::kRangeScan;
      for (size_t k = 0; k < eq_prefix; ++k) {
        plan->lower.push_back(CloneExpr(*eq[k]->values[0]));
        plan->upper.push_back(CloneExpr(*eq[k]->values[0]));
      }
      if (has_range && lower[eq_prefix]) {
        plan->lower.push_back(CloneExpr(*lower[eq_prefix]->values[0]));
        plan->lower_inclusive = lower[eq_prefix]->op == ">=";
      }
      if (has_range && upper[eq_prefix]) {
        plan->upper.push_back(CloneExpr(*upper[eq_prefix]->values[0]));
        plan->upper_inclusive = upper[eq_prefix]->op == "<=";
      }
    }
  }
  plan->filter = CombineConjuncts(std::move(conjuncts));
  return plan;
}

}  // namespace strata::sql::planner

namespace strata::sql {
namespace {

void ExplainNode(const PlanNode& plan, int depth, std::vector<std::string>* out) {
  std::string line(static_cast<size_t>(depth) * 2, ' ');
  if (depth > 0) line += "->  ";
  const std::string filter = plan.filter ? " (filtered)" : "";
  switch (plan.kind) {
    case PlanKind::kResult: line += "Result"; break;
    case PlanKind::kValues: line += "Values Scan (" + std::to_string(plan.keys.size()) + " rows)"; break;
    case PlanKind::kSeqScan: line += "Seq Scan on " + plan.table_name + " [row replica]" + filter; break;
    case PlanKind::kRangeScan:
      line += "Range Scan on " + plan.table_name + " [row replica, primary key prefix " +
              std::to_string(std::max(plan.lower.size(), plan.upper.size())) + "]" + filter;
      break;
    case PlanKind::kGet: line += "Get on " + plan.table_name + " [row replica, point lookup, serving fast path]"; break;
    case PlanKind::kMultiGet:
      line += "MultiGet on " + plan.table_name + " [row replica, " + std::to_string(plan.keys.size()) +
              " keys, serving fast path]";
      break;
    case PlanKind::kFilter: line += "Filter"; break;
    case PlanKind::kProject: line += "Project"; break;
    case PlanKind::kAggregate:
      line += plan.exprs.empty() ? "Aggregate" : "HashAggregate (" + std::to_string(plan.exprs.size()) + " keys)";
      break;
    case PlanKind::kSort: line += "Sort"; break;
    case PlanKind::kLimit: line += "Limit"; break;
    case PlanKind::kDistinct: line += "HashDistinct"; break;
    case PlanKind::kHashJoin:
    case PlanKind::kNestedLoopJoin: {
      static const char* kTypes[] = {"Inner", "Left", "Right", "Full"};
      line += std::string(plan.kind == PlanKind::kHashJoin ? "Hash " : "Nested Loop ") +
              kTypes[static_cast<int>(plan.join_type)] + " Join" + filter;
      break;
    }
    case PlanKind::kSetOp: {
      static const char* kOps[] = {"Union", "Intersect", "Except"};
      line += std::string(kOps[static_cast<int>(plan.set_op)]) + (plan.all ? " All" : "");
      break;
    }
    case PlanKind::kFunctionScan: line += "Function Scan on generate_series"; break;
  }
  out->push_back(std::move(line));
  for (const auto& c : plan.children) ExplainNode(*c, depth + 1, out);
}

}  // namespace

std::vector<std::string> ExplainPlan(const PlanNode& plan) {
  std::vector<std::string> out;
  ExplainNode(plan, 0, &out);
  return out;
}

}  // namespace strata::sql
