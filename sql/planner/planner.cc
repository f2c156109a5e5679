#include "sql/planner/planner.h"

#include <optional>
#include <set>
#include <utility>

#include "storage/catalog.h"
#include "sql/executor/vectorized.h"
#include "storage/column_replica.h"

namespace strata::sql::planner {
namespace {

bool KeyCompatible(const DataType& column, const DataType& other) {
  if (column.is_array() || other.is_array()) return false;
  if (column.id == other.id) return true;
  if (IsIntegerType(column.id) && IsIntegerType(other.id)) return true;
  return IsStringType(column.id) && IsStringType(other.id) && column.id != TypeId::kBpchar &&
         other.id != TypeId::kBpchar;
}

// A key value of type `other` converts to the key column's type without
// changing which rows compare equal to it: integers (a value out of the
// column's range finds no row, as the comparison would), and strings of
// the column's own unconstrained type.
bool LosslessKey(const DataType& column, const DataType& other) {
  if (column.is_array() || other.is_array()) return false;
  if (IsIntegerType(column.id) && IsIntegerType(other.id)) return true;
  return column.id == other.id && column.typmod < 0 && other.typmod < 0 &&
         (column.id == TypeId::kText || column.id == TypeId::kVarchar);
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
        // The filter re-checks what the lookup already guarantees when every
        // conjunct is the chosen equality (or IN list) of a key column with
        // lossless key values: then it is dropped (for a 100-key IN list it
        // would cost 100 comparisons per row).
        bool redundant = conjuncts.size() == pk.size();
        for (size_t i = 0; i < conjuncts.size() && redundant; ++i) {
          auto p = Classify(*conjuncts[i], table);
          bool chosen = false;
          for (size_t k = 0; p && k < pk.size(); ++k) {
            chosen = chosen || (pk[k] == p->column && eq[k] && eq[k]->values == p->values);
          }
          redundant = chosen;
          for (size_t v = 0; redundant && v < p->values.size(); ++v) {
            redundant = LosslessKey(table.columns[p->column].type, p->values[v]->type);
          }
        }
        if (!redundant) plan->filter = CombineConjuncts(std::move(conjuncts));
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

bool IsBinlogColumnName(std::string_view name) {
  for (std::string_view n : kBinlogColumnNames) {
    if (n == name) return true;
  }
  return false;
}

PlanPtr PlanBinlogScan(const storage::TableDef& table, const std::string& name,
                       std::vector<BoundExprPtr> conjuncts) {
  auto plan = std::make_unique<PlanNode>(PlanKind::kBinlogScan);
  plan->table_id = table.id;
  plan->schema_version = table.schema_version;
  plan->table_name = name;
  // The binlog row as a table, so Classify sees the extra columns.
  storage::TableDef wide = table;
  for (std::string_view n : kBinlogColumnNames) {
    storage::ColumnDef c;
    c.name = std::string(n);
    c.type = DataType::Of(TypeId::kInt8);
    wide.columns.push_back(std::move(c));
  }
  for (const auto& c : wide.columns) plan->types.push_back(c.type);
  const size_t lsn_column = table.columns.size();
  const size_t type_column = lsn_column + 1;
  for (const auto& c : conjuncts) {
    auto p = Classify(*c, wide);
    if (!p) continue;
    if (p->column == lsn_column) {
      if (p->op == "=" ) {
        if (plan->lower.empty()) {
          plan->lower.push_back(CloneExpr(*p->values[0]));
          plan->lower_inclusive = true;
        }
        if (plan->upper.empty()) {
          plan->upper.push_back(CloneExpr(*p->values[0]));
          plan->upper_inclusive = true;
        }
      } else if ((p->op == ">" || p->op == ">=") && plan->lower.empty()) {
        plan->lower.push_back(CloneExpr(*p->values[0]));
        plan->lower_inclusive = p->op == ">=";
      } else if ((p->op == "<" || p->op == "<=") && plan->upper.empty()) {
        plan->upper.push_back(CloneExpr(*p->values[0]));
        plan->upper_inclusive = p->op == "<=";
      }
    } else if (p->column == type_column) {
      // Heartbeats are read when some value this conjunct compares with is
      // a constant that admits 27, or is not a constant at all (a
      // parameter: decided per execution by the filter on top).
      constexpr int64_t kHeartbeat = 27;
      for (const BoundExpr* v : p->values) {
        if (v->kind != BoundExprKind::kConst || v->value.is_null() || !IsIntegerType(v->value.type())) {
          plan->binlog_heartbeats = true;
          continue;
        }
        const int64_t x = v->value.int_value();
        const std::string& op = p->op;
        if ((op == "=" || op == "in") ? x == kHeartbeat
            : op == ">"               ? kHeartbeat > x
            : op == ">="              ? kHeartbeat >= x
            : op == "<"               ? kHeartbeat < x
                                      : kHeartbeat <= x) {
          plan->binlog_heartbeats = true;
        }
      }
    }
  }
  plan->filter = CombineConjuncts(std::move(conjuncts));
  return plan;
}

ReadReplica ParseReadReplica(const std::string& setting) {
  if (setting == "row") return ReadReplica::kRow;
  if (setting == "column") return ReadReplica::kColumn;
  return ReadReplica::kAuto;
}

namespace {

// Marks in *need the input columns `e` reads; *all when it may read any
// (a correlated subquery sees the whole row, an index out of range).
void CollectRefs(const BoundExpr& e, std::vector<bool>* need, bool* all) {
  if (e.kind == BoundExprKind::kColumn) {
    if (e.index >= 0 && static_cast<size_t>(e.index) < need->size()) {
      (*need)[static_cast<size_t>(e.index)] = true;
    } else {
      *all = true;
    }
  }
  if (e.kind == BoundExprKind::kSubquery && e.correlated) *all = true;
  for (const auto& c : e.children) CollectRefs(*c, need, all);
}

void CollectRefs(const BoundExprPtr& e, std::vector<bool>* need, bool* all) {
  if (e != nullptr) CollectRefs(*e, need, all);
}

// Subquery plans of `e`.
void CollectSubplans(const BoundExpr& e, std::set<const PlanNode*>* out) {
  if (e.subplan != nullptr) out->insert(e.subplan.get());
  for (const auto& c : e.children) CollectSubplans(*c, out);
}

void CollectNodeSubplans(const PlanNode& n, std::set<const PlanNode*>* out) {
  auto add = [&](const BoundExprPtr& e) {
    if (e != nullptr) CollectSubplans(*e, out);
  };
  for (const auto& row : n.keys) {
    for (const auto& e : row) add(e);
  }
  for (const auto& e : n.lower) add(e);
  for (const auto& e : n.upper) add(e);
  add(n.filter);
  for (const auto& e : n.exprs) add(e);
  for (const auto& a : n.aggregates) {
    for (const auto& e : a.args) add(e);
    add(a.filter);
    for (const auto& k : a.order) add(k.expr);
  }
  for (const auto& k : n.sort_keys) add(k.expr);
  for (const auto& f : n.set_functions) {
    for (const auto& e : f.args) add(e);
  }
  add(n.limit);
  add(n.offset);
  for (const auto& e : n.left_keys) add(e);
  for (const auto& e : n.right_keys) add(e);
}

bool PushableType(const DataType& t) {
  if (t.is_array()) return false;
  // Scaled numerics compare as ints in the scan; a numeric constant is
  // converted exactly there (or compared as a numeric when it cannot be).
  if (t.id == TypeId::kNumeric) return t.typmod < 0 || columnstore::IsScaledNumeric(t);
  if (IsIntegerType(t.id)) return true;
  switch (t.id) {
    case TypeId::kBool:
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return true;
    default:
      return false;
  }
}

// `e` as a predicate the column scan can evaluate exactly, if it is one.
std::optional<std::pair<columnstore::ColumnPredicate, std::string>> PushablePredicate(
    const BoundExpr& e, const storage::TableDef& table) {
  using columnstore::CompareOp;
  auto column_of = [&](const BoundExpr& x) -> const storage::ColumnDef* {
    if (x.kind != BoundExprKind::kColumn || x.index < 0 ||
        static_cast<size_t>(x.index) >= table.columns.size()) {
      return nullptr;
    }
    return &table.columns[static_cast<size_t>(x.index)];
  };
  if (e.kind == BoundExprKind::kIsNull && e.children.size() == 1) {
    const storage::ColumnDef* col = column_of(*e.children[0]);
    if (col == nullptr || col->type.is_array()) return std::nullopt;
    columnstore::ColumnPredicate p;
    p.column_id = col->id;
    p.op = e.negated ? CompareOp::kIsNotNull : CompareOp::kIsNull;
    return std::make_pair(p, col->name + (e.negated ? " IS NOT NULL" : " IS NULL"));
  }
  if (e.kind != BoundExprKind::kFunction || e.children.size() != 2) return std::nullopt;
  const std::string op(e.fn.name);
  static const std::pair<const char*, CompareOp> kOps[] = {
      {"=", CompareOp::kEq},  {"<>", CompareOp::kNe}, {"<", CompareOp::kLt},
      {"<=", CompareOp::kLe}, {">", CompareOp::kGt},  {">=", CompareOp::kGe}};
  for (int side = 0; side < 2; ++side) {
    const storage::ColumnDef* col = column_of(*e.children[static_cast<size_t>(side)]);
    const BoundExpr& v = *e.children[static_cast<size_t>(1 - side)];
    if (col == nullptr || v.kind != BoundExprKind::kConst || v.unknown_literal) continue;
    if (!PushableType(col->type) || !PushableType(v.type)) continue;
    if (col->type.id == TypeId::kNumeric && !columnstore::IsScaledNumeric(col->type)) continue;
    const bool same =
        col->type.id == v.type.id || (IsIntegerType(col->type.id) && IsIntegerType(v.type.id));
    if (!same) continue;
    const std::string effective = side == 0 ? op : Mirror(op);
    for (const auto& [name, cmp] : kOps) {
      if (effective != name) continue;
      columnstore::ColumnPredicate p;
      p.column_id = col->id;
      p.op = cmp;
      p.operand = v.value;
      if (!columnstore::ValidatePredicate(p, col->type).ok()) return std::nullopt;
      return std::make_pair(p, col->name + " " + effective + " " + v.value.DebugString());
    }
    return std::nullopt;
  }
  return std::nullopt;
}

void ChooseScan(PlanNode* node, std::vector<bool> need, bool all,
                const storage::CatalogSnapshot& catalog, ReadReplica mode) {
  node->column_replica = false;
  node->column_positions.clear();
  node->column_predicates.clear();
  node->pushed_text.clear();
  if (mode == ReadReplica::kRow || node->with_locators) return;
  if (node->kind == PlanKind::kRangeScan && mode != ReadReplica::kColumn) return;
  const storage::TableDef* def = catalog.FindTableById(node->table_id);
  if (def == nullptr || def->schema_version != node->schema_version ||
      !storage::HasColumnReplica(*def) || def->columns.size() != node->types.size()) {
    return;
  }
  if (node->kind == PlanKind::kRangeScan) {
    // Every conjunct is in the filter: the bounds only narrowed the read.
    node->kind = PlanKind::kSeqScan;
    node->lower.clear();
    node->upper.clear();
    node->lower_inclusive = true;
    node->upper_inclusive = true;
  }
  node->column_replica = true;
  CollectRefs(node->filter, &need, &all);
  for (size_t i = 0; i < need.size(); ++i) {
    if (all || need[i]) node->column_positions.push_back(i);
  }
  if (node->column_positions.empty() && !need.empty()) {
    // Only the row count matters (count(*)); read one column, the first
    // key column when there is one.
    const std::vector<size_t> pk = def->PrimaryKeyIndexes();
    node->column_positions.push_back(pk.empty() ? 0 : pk[0]);
  }
  std::vector<const BoundExpr*> conjuncts;
  if (node->filter != nullptr) {
    // Nested ANDs (BETWEEN binds to one) flatten to their conjuncts.
    std::vector<const BoundExpr*> stack{node->filter.get()};
    while (!stack.empty()) {
      const BoundExpr* e = stack.back();
      stack.pop_back();
      if (e->kind == BoundExprKind::kAnd) {
        for (auto it = e->children.rbegin(); it != e->children.rend(); ++it) stack.push_back(it->get());
      } else {
        conjuncts.push_back(e);
      }
    }
  }
  for (const BoundExpr* c : conjuncts) {
    auto p = PushablePredicate(*c, *def);
    if (!p) continue;
    node->column_predicates.push_back(std::move(p->first));
    node->pushed_text.push_back(std::move(p->second));
  }
}

// Propagates which output columns of `node` are used (need; all: every
// one) down to its scans.
void Choose(PlanNode* node, std::vector<bool> need, bool all,
            const storage::CatalogSnapshot& catalog, ReadReplica mode,
            std::set<const PlanNode*>* subplans) {
  need.resize(node->types.size(), false);
  CollectNodeSubplans(*node, subplans);
  auto input_need = [&](size_t child) {
    return std::vector<bool>(node->children[child]->types.size(), false);
  };
  switch (node->kind) {
    case PlanKind::kSeqScan:
    case PlanKind::kRangeScan:
      ChooseScan(node, std::move(need), all, catalog, mode);
      return;
    case PlanKind::kFilter:
    case PlanKind::kSort:
    case PlanKind::kLimit: {
      if (node->children.size() != 1) break;
      std::vector<bool> in = need;
      in.resize(node->children[0]->types.size(), true);
      bool in_all = all || node->children[0]->types.size() != node->types.size();
      CollectRefs(node->filter, &in, &in_all);
      for (const auto& k : node->sort_keys) CollectRefs(k.expr, &in, &in_all);
      CollectRefs(node->limit, &in, &in_all);
      CollectRefs(node->offset, &in, &in_all);
      Choose(node->children[0].get(), std::move(in), in_all, catalog, mode, subplans);
      return;
    }
    case PlanKind::kProject:
    case PlanKind::kAggregate: {
      if (node->children.size() != 1) break;
      std::vector<bool> in = input_need(0);
      bool in_all = false;
      for (const auto& e : node->exprs) CollectRefs(e, &in, &in_all);
      for (const auto& a : node->aggregates) {
        for (const auto& e : a.args) CollectRefs(e, &in, &in_all);
        CollectRefs(a.filter, &in, &in_all);
        for (const auto& k : a.order) CollectRefs(k.expr, &in, &in_all);
      }
      CollectRefs(node->filter, &in, &in_all);
      for (const auto& k : node->sort_keys) CollectRefs(k.expr, &in, &in_all);
      Choose(node->children[0].get(), std::move(in), in_all, catalog, mode, subplans);
      return;
    }
    case PlanKind::kHashJoin:
    case PlanKind::kNestedLoopJoin: {
      if (node->children.size() != 2) break;
      std::vector<bool> left = input_need(0);
      std::vector<bool> right = input_need(1);
      const size_t lw = left.size();
      bool any_all = all || lw + right.size() != node->types.size();
      std::vector<bool> combined = need;
      combined.resize(lw + right.size(), false);
      CollectRefs(node->filter, &combined, &any_all);
      bool left_all = any_all;
      bool right_all = any_all;
      for (size_t i = 0; i < combined.size(); ++i) {
        if (!combined[i]) continue;
        if (i < lw) {
          left[i] = true;
        } else {
          right[i - lw] = true;
        }
      }
      for (const auto& e : node->left_keys) CollectRefs(e, &left, &left_all);
      for (const auto& e : node->right_keys) CollectRefs(e, &right, &right_all);
      Choose(node->children[0].get(), std::move(left), left_all, catalog, mode, subplans);
      Choose(node->children[1].get(), std::move(right), right_all, catalog, mode, subplans);
      return;
    }
    default:
      break;
  }
  // Anything else (DISTINCT, set operations, ...): every input column.
  for (auto& c : node->children) Choose(c.get(), {}, true, catalog, mode, subplans);
}

}  // namespace

// Marks the aggregates that run vectorized over their column scan.
void ChooseVectorized(PlanNode* node) {
  node->vectorized = node->kind == PlanKind::kAggregate && executor::CanVectorizeAggregate(*node);
  for (auto& c : node->children) ChooseVectorized(c.get());
}

void ChooseReplicas(PlanNode* plan, const storage::CatalogSnapshot& catalog, ReadReplica mode) {
  std::set<const PlanNode*> subplans;
  std::set<const PlanNode*> done;
  Choose(plan, {}, true, catalog, mode, &subplans);
  ChooseVectorized(plan);
  while (true) {
    const PlanNode* next = nullptr;
    for (const PlanNode* p : subplans) {
      if (!done.contains(p)) {
        next = p;
        break;
      }
    }
    if (next == nullptr) break;
    done.insert(next);
    // Subquery plans are built by the same binder and not yet shared
    // outside this statement's plan.
    Choose(const_cast<PlanNode*>(next), {}, true, catalog, mode, &subplans);
    ChooseVectorized(const_cast<PlanNode*>(next));
  }
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
    case PlanKind::kSeqScan:
      line += "Seq Scan on " + plan.table_name;
      if (plan.column_replica) {
        line += " [column replica, " + std::to_string(plan.column_positions.size()) + " columns";
        for (size_t i = 0; i < plan.pushed_text.size(); ++i) {
          line += (i == 0 ? ", pushed: " : ", ") + plan.pushed_text[i];
        }
        line += "]";
      } else {
        line += " [row replica]";
      }
      line += filter;
      break;
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
      if (plan.vectorized) line += "Vectorized ";
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
    case PlanKind::kFunctionScan:
      line += "Function Scan on " + (plan.table_name.empty() ? std::string("generate_series") : plan.table_name);
      break;
    case PlanKind::kWindow: {
      line += "WindowAgg";
      for (const auto& w : plan.windows) line += " " + w.name + "()";
      break;
    }
    case PlanKind::kProjectSet:
      line += "ProjectSet";
      break;
    case PlanKind::kSystemScan:
      line += "System Scan on " + plan.system_relation->schema + "." + plan.system_relation->name;
      break;
    case PlanKind::kBinlogScan: {
      auto bound_text = [](const BoundExpr& e) -> std::string {
        if (e.kind == BoundExprKind::kParam) return "$" + std::to_string(e.index + 1);
        if (e.kind == BoundExprKind::kConst && !e.value.is_null() && IsIntegerType(e.value.type())) {
          return std::to_string(e.value.int_value());
        }
        return "(expression)";
      };
      std::string seek;
      if (!plan.lower.empty()) {
        seek += std::string("hg_binlog_lsn ") + (plan.lower_inclusive ? ">= " : "> ") + bound_text(*plan.lower[0]);
      }
      if (!plan.upper.empty()) {
        if (!seek.empty()) seek += " and ";
        seek += std::string("hg_binlog_lsn ") + (plan.upper_inclusive ? "<= " : "< ") + bound_text(*plan.upper[0]);
      }
      line += "Binlog Scan on " + plan.table_name + " [binlog" +
              (seek.empty() ? std::string(", all records") : ", seek: " + seek) +
              (plan.binlog_heartbeats ? ", with heartbeats" : "") + "]" + filter;
      break;
    }
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
