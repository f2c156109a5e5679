#include "sql/executor/executor.h"
#include "sql/executor/vectorized.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/macros.h"
#include "sql/functions/type_resolution.h"
#include "storage/column_scan.h"
#include "sql/system/catalog_functions.h"
#include "storage/database.h"

// STRATA_RETURN_IF_ERROR around a call whose lambda argument uses it too
// (distinct variable name, so no shadowing).
#define STRATA_RETURN_IF_DRAIN_ERROR(expr)          \
  do {                                              \
    ::strata::Status _strata_drain_status = (expr); \
    if (!_strata_drain_status.ok()) return _strata_drain_status; \
  } while (0)

namespace strata::sql::executor {
namespace {

// What system relations and catalog functions read. REQUIRES: ctx.txn.
system::SystemScanContext SystemContext(const ExecContext& ctx, bool with_settings) {
  system::SystemScanContext sc;
  sc.catalog = &ctx.txn->catalog();
  if (ctx.session != nullptr) {
    const SessionValues& sv = *ctx.session;
    sc.database = sv.storage_database;
    sc.server = sv.server;
    sc.user = sv.user;
    sc.database_name = sv.database;
    sc.process_id = sv.process_id;
    sc.application_name = sv.application_name;
    if (with_settings && sv.all_settings) sc.settings = sv.all_settings();
    sc.search_path = sv.search_path;
    sc.replication_slots = sv.replication_slots;
    sc.pools = sv.pools;
  }
  return sc;
}


Value NullOf(const DataType& type) { return Value::Null(type.is_array() ? TypeId::kArray : type.id); }

// Hash and equality of rows/keys with SQL "not distinct" semantics (NULL
// equals NULL), across the integer types and across the string types.
struct RowHash {
  size_t operator()(const Row& row) const {
    uint64_t h = 0x9E3779B97F4A7C15ULL;
    for (const Value& v : row) h = (h ^ v.Hash()) * 0x100000001B3ULL;
    return static_cast<size_t>(h);
  }
};
struct RowEq {
  bool operator()(const Row& a, const Row& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      const bool an = a[i].is_null();
      const bool bn = b[i].is_null();
      if (an || bn) {
        if (an != bn) return false;
        continue;
      }
      if (a[i].kind() != b[i].kind()) return false;
      if (Value::Compare(a[i], b[i]) != 0) return false;
    }
    return true;
  }
};

// Compares two values for sorting; NULLs are handled by the caller.
int CompareForSort(const Value& a, const Value& b) {
  if (a.kind() == b.kind()) return Value::Compare(a, b);
  auto r = functions::CompareValues(a, b);
  return r.ok() ? *r : 0;
}

Status MoreThanOneRow() {
  return Status(SqlState("21000"), "more than one row returned by a subquery used as an expression");
}

// Compares `left` with each candidate using `fn` with ANY/ALL semantics.
Status CompareAnyAll(const Value& left, const std::vector<Value>& candidates,
                     const functions::ResolvedFunction& fn, bool is_all, bool negated,
                     ExecContext& ctx, Value* out) {
  if (candidates.empty()) {
    *out = Value::Bool(is_all != negated);
    return Status::OK();
  }
  if (left.is_null()) {
    *out = Value::Null(TypeId::kBool);
    return Status::OK();
  }
  bool saw_null = false;
  Value args[2] = {left, Value()};
  Value result;
  for (const Value& c : candidates) {
    if (c.is_null()) {
      saw_null = true;
      continue;
    }
    args[1] = c;
    STRATA_RETURN_IF_ERROR(fn.Invoke(std::span<const Value>(args, 2), *ctx.eval, &result));
    if (result.is_null()) {
      saw_null = true;
      continue;
    }
    const bool b = result.bool_value();
    if (!is_all && b) {
      *out = Value::Bool(!negated);
      return Status::OK();
    }
    if (is_all && !b) {
      *out = Value::Bool(negated);
      return Status::OK();
    }
  }
  if (saw_null) {
    *out = Value::Null(TypeId::kBool);
  } else {
    *out = Value::Bool(is_all != negated);
  }
  return Status::OK();
}

Status EvalSubquery(const BoundExpr& e, const Row& row, ExecContext& ctx, Value* out) {
  // Uncorrelated scalar-ish results are computed once per execution.
  if (!e.correlated && (e.subquery == SubqueryKind::kScalar || e.subquery == SubqueryKind::kExists ||
                        e.subquery == SubqueryKind::kArray)) {
    auto it = ctx.subquery_cache.find(&e);
    if (it != ctx.subquery_cache.end()) {
      *out = it->second;
      return Status::OK();
    }
  }
  std::vector<Value> column;
  bool have_column = false;
  if (!e.correlated && (e.subquery == SubqueryKind::kAny || e.subquery == SubqueryKind::kAll)) {
    auto it = ctx.subquery_set_cache.find(&e);
    if (it != ctx.subquery_set_cache.end()) {
      column = it->second;
      have_column = true;
    }
  }
  Value result;
  if (!have_column) {
    ctx.outer_rows.push_back(&row);
    struct Pop {
      ExecContext& c;
      ~Pop() { c.outer_rows.pop_back(); }
    } pop{ctx};
    STRATA_ASSIGN_OR_RETURN(auto op, BuildOperator(*e.subplan, ctx));
    std::vector<Row> batch;
    switch (e.subquery) {
      case SubqueryKind::kExists: {
        bool found = false;
        while (true) {
          STRATA_ASSIGN_OR_RETURN(bool more, op->Next(&batch));
          if (!batch.empty()) {
            found = true;
            break;
          }
          if (!more) break;
        }
        result = Value::Bool(found);
        break;
      }
      case SubqueryKind::kScalar: {
        size_t count = 0;
        while (true) {
          STRATA_ASSIGN_OR_RETURN(bool more, op->Next(&batch));
          for (Row& r : batch) {
            if (++count > 1) return MoreThanOneRow();
            result = std::move(r[0]);
          }
          if (!more) break;
        }
        if (count == 0) result = NullOf(e.type);
        break;
      }
      case SubqueryKind::kArray:
      case SubqueryKind::kAny:
      case SubqueryKind::kAll: {
        while (true) {
          STRATA_ASSIGN_OR_RETURN(bool more, op->Next(&batch));
          for (Row& r : batch) {
            STRATA_RETURN_IF_ERROR(ctx.statement_memory.Grow(RowBytes(r)));
            column.push_back(std::move(r[0]));
          }
          if (!more) break;
        }
        if (e.subquery == SubqueryKind::kArray) {
          const DataType elem = e.type.ElementType();
          result = Value::Array(elem.id, std::move(column));
        }
        break;
      }
    }
    if (!e.correlated) {
      if (e.subquery == SubqueryKind::kAny || e.subquery == SubqueryKind::kAll) {
        ctx.subquery_set_cache[&e] = column;
      } else {
        ctx.subquery_cache[&e] = result;
      }
    }
  }
  if (e.subquery == SubqueryKind::kAny || e.subquery == SubqueryKind::kAll) {
    Value left;
    STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &left));
    return CompareAnyAll(left, column, e.fn, e.subquery == SubqueryKind::kAll, e.negated, ctx, out);
  }
  *out = std::move(result);
  return Status::OK();
}

}  // namespace

Status MemoryTracker::Grow(uint64_t bytes) {
  used_ += bytes;
  if (used_ <= reserved_ || budget_ == nullptr) return Status::OK();
  const uint64_t need = std::max(kChunkBytes, used_ - reserved_);
  auto r = budget_->Reserve(need);
  if (!r.ok()) {
    used_ -= bytes;
    return r.status();
  }
  reserved_ += need;
  reservations_.push_back(std::move(r).value());
  return Status::OK();
}

void MemoryTracker::Reset() {
  reservations_.clear();
  used_ = 0;
  reserved_ = 0;
}

uint64_t RowBytes(const Row& row) {
  uint64_t bytes = sizeof(Row) + row.capacity() * sizeof(Value);
  for (const Value& v : row) {
    if (v.is_null()) continue;
    if (v.kind() == ValueKind::kString) {
      bytes += v.string_value().size();
    } else if (v.kind() == ValueKind::kArray) {
      bytes += RowBytes(v.array_elements());
    } else if (v.kind() == ValueKind::kRecord) {
      bytes += RowBytes(v.record_fields());
    }
  }
  return bytes;
}

Status ExecContext::CheckInterrupts() const {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    return Status(SqlState::kQueryCanceled, "canceling statement due to user request");
  }
  if (deadline_micros != 0 && functions::SystemClockMicros() > deadline_micros) {
    return Status(SqlState::kQueryCanceled, "canceling statement due to statement timeout");
  }
  return Status::OK();
}

namespace {

// Evaluated by the session (SessionValues::call_server_function).
bool IsServerFunction(const std::string& name) {
  return name == "pg_current_wal_lsn" || name == "pg_current_wal_insert_lsn" ||
         name == "pg_current_wal_flush_lsn" || name == "pg_is_in_recovery" ||
         name == "txid_current" || name == "pg_create_logical_replication_slot" ||
         name == "pg_drop_replication_slot" || name == "pg_replication_slot_advance";
}

}  // namespace

Status Eval(const BoundExpr& e, const Row& row, ExecContext& ctx, Value* out) {
  switch (e.kind) {
    case BoundExprKind::kConst:
      *out = e.value;
      return Status::OK();
    case BoundExprKind::kColumn:
      *out = row[static_cast<size_t>(e.index)];
      return Status::OK();
    case BoundExprKind::kOuterColumn: {
      const size_t n = ctx.outer_rows.size();
      if (static_cast<size_t>(e.depth) > n) return Status::Internal("bad outer reference");
      *out = (*ctx.outer_rows[n - static_cast<size_t>(e.depth)])[static_cast<size_t>(e.index)];
      return Status::OK();
    }
    case BoundExprKind::kParam:
      if (static_cast<size_t>(e.index) >= ctx.params.size()) {
        return Status(SqlState::kUndefinedParameter,
                      "there is no parameter $" + std::to_string(e.index + 1))
            .WithPosition(e.location);
      }
      *out = ctx.params[static_cast<size_t>(e.index)];
      return Status::OK();
    case BoundExprKind::kFunction: {
      Value args[4];
      std::vector<Value> many;
      std::span<Value> argv;
      if (e.children.size() <= 4) {
        argv = std::span<Value>(args, e.children.size());
      } else {
        many.resize(e.children.size());
        argv = many;
      }
      for (size_t i = 0; i < e.children.size(); ++i) {
        STRATA_RETURN_IF_ERROR(Eval(*e.children[i], row, ctx, &argv[i]));
      }
      Status s = e.fn.Invoke(argv, *ctx.eval, out);
      if (!s.ok() && s.position() == 0 && e.location > 0) return std::move(s).WithPosition(0);
      return s;
    }
    case BoundExprKind::kCast: {
      Value in;
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &in));
      return e.cast.Apply(in, *ctx.eval, out);
    }
    case BoundExprKind::kAnd:
    case BoundExprKind::kOr: {
      const bool is_and = e.kind == BoundExprKind::kAnd;
      bool saw_null = false;
      Value v;
      for (const auto& c : e.children) {
        STRATA_RETURN_IF_ERROR(Eval(*c, row, ctx, &v));
        if (v.is_null()) {
          saw_null = true;
        } else if (v.bool_value() != is_and) {
          *out = Value::Bool(!is_and);
          return Status::OK();
        }
      }
      *out = saw_null ? Value::Null(TypeId::kBool) : Value::Bool(is_and);
      return Status::OK();
    }
    case BoundExprKind::kNot: {
      Value v;
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &v));
      *out = v.is_null() ? Value::Null(TypeId::kBool) : Value::Bool(!v.bool_value());
      return Status::OK();
    }
    case BoundExprKind::kIsNull: {
      Value v;
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &v));
      *out = Value::Bool(v.is_null() != e.negated);
      return Status::OK();
    }
    case BoundExprKind::kBoolTest: {
      Value v;
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &v));
      bool r = false;
      switch (e.bool_test) {
        case ast::BoolTestKind::kIsTrue: r = !v.is_null() && v.bool_value(); break;
        case ast::BoolTestKind::kIsNotTrue: r = v.is_null() || !v.bool_value(); break;
        case ast::BoolTestKind::kIsFalse: r = !v.is_null() && !v.bool_value(); break;
        case ast::BoolTestKind::kIsNotFalse: r = v.is_null() || v.bool_value(); break;
        case ast::BoolTestKind::kIsUnknown: r = v.is_null(); break;
        case ast::BoolTestKind::kIsNotUnknown: r = !v.is_null(); break;
      }
      *out = Value::Bool(r);
      return Status::OK();
    }
    case BoundExprKind::kDistinctFrom: {
      Value args[2];
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &args[0]));
      STRATA_RETURN_IF_ERROR(Eval(*e.children[1], row, ctx, &args[1]));
      bool distinct;
      if (args[0].is_null() || args[1].is_null()) {
        distinct = args[0].is_null() != args[1].is_null();
      } else {
        Value eq;
        STRATA_RETURN_IF_ERROR(e.fn.Invoke(std::span<const Value>(args, 2), *ctx.eval, &eq));
        distinct = !eq.bool_value();
      }
      *out = Value::Bool(distinct != e.negated);
      return Status::OK();
    }
    case BoundExprKind::kCase: {
      const size_t pairs = (e.children.size() - (e.has_else ? 1 : 0)) / 2;
      Value cond;
      for (size_t i = 0; i < pairs; ++i) {
        STRATA_RETURN_IF_ERROR(Eval(*e.children[2 * i], row, ctx, &cond));
        if (!cond.is_null() && cond.bool_value()) return Eval(*e.children[2 * i + 1], row, ctx, out);
      }
      if (e.has_else) return Eval(*e.children.back(), row, ctx, out);
      *out = NullOf(e.type);
      return Status::OK();
    }
    case BoundExprKind::kCoalesce: {
      for (const auto& c : e.children) {
        STRATA_RETURN_IF_ERROR(Eval(*c, row, ctx, out));
        if (!out->is_null()) return Status::OK();
      }
      *out = NullOf(e.type);
      return Status::OK();
    }
    case BoundExprKind::kNullIf: {
      Value args[2];
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &args[0]));
      STRATA_RETURN_IF_ERROR(Eval(*e.children[1], row, ctx, &args[1]));
      if (!args[0].is_null() && !args[1].is_null()) {
        Value eq;
        STRATA_RETURN_IF_ERROR(e.fn.Invoke(std::span<const Value>(args, 2), *ctx.eval, &eq));
        if (!eq.is_null() && eq.bool_value()) {
          *out = NullOf(e.type);
          return Status::OK();
        }
      }
      *out = std::move(args[0]);
      return Status::OK();
    }
    case BoundExprKind::kGreatest:
    case BoundExprKind::kLeast: {
      Value best;
      Value v;
      for (const auto& c : e.children) {
        STRATA_RETURN_IF_ERROR(Eval(*c, row, ctx, &v));
        if (v.is_null()) continue;
        if (best.is_null()) {
          best = std::move(v);
          continue;
        }
        STRATA_ASSIGN_OR_RETURN(int cmp, functions::CompareValues(v, best));
        if ((e.kind == BoundExprKind::kGreatest && cmp > 0) || (e.kind == BoundExprKind::kLeast && cmp < 0)) {
          best = std::move(v);
        }
      }
      *out = best.is_null() ? NullOf(e.type) : std::move(best);
      return Status::OK();
    }
    case BoundExprKind::kInList: {
      Value args[2];
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &args[0]));
      if (args[0].is_null()) {
        *out = Value::Null(TypeId::kBool);
        return Status::OK();
      }
      bool saw_null = false;
      Value eq;
      for (size_t i = 1; i < e.children.size(); ++i) {
        STRATA_RETURN_IF_ERROR(Eval(*e.children[i], row, ctx, &args[1]));
        if (args[1].is_null()) {
          saw_null = true;
          continue;
        }
        STRATA_RETURN_IF_ERROR(e.fns[i - 1].Invoke(std::span<const Value>(args, 2), *ctx.eval, &eq));
        if (eq.is_null()) {
          saw_null = true;
        } else if (eq.bool_value()) {
          *out = Value::Bool(!e.negated);
          return Status::OK();
        }
      }
      *out = saw_null ? Value::Null(TypeId::kBool) : Value::Bool(e.negated);
      return Status::OK();
    }
    case BoundExprKind::kAnyArray: {
      Value left;
      Value array;
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &left));
      STRATA_RETURN_IF_ERROR(Eval(*e.children[1], row, ctx, &array));
      if (array.is_null()) {
        *out = Value::Null(TypeId::kBool);
        return Status::OK();
      }
      return CompareAnyAll(left, array.array_elements(), e.fn, e.is_all, false, ctx, out);
    }
    case BoundExprKind::kSubquery:
      return EvalSubquery(e, row, ctx, out);
    case BoundExprKind::kArray: {
      std::vector<Value> elems(e.children.size());
      for (size_t i = 0; i < e.children.size(); ++i) {
        STRATA_RETURN_IF_ERROR(Eval(*e.children[i], row, ctx, &elems[i]));
      }
      *out = Value::Array(e.type.element, std::move(elems));
      return Status::OK();
    }
    case BoundExprKind::kSubscript: {
      Value array;
      Value idx;
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &array));
      STRATA_RETURN_IF_ERROR(Eval(*e.children[1], row, ctx, &idx));
      if (array.is_null() || idx.is_null()) {
        *out = NullOf(e.type);
        return Status::OK();
      }
      const int64_t i = idx.int_value();
      const auto& elems = array.array_elements();
      if (i < 1 || static_cast<size_t>(i) > elems.size()) {
        *out = NullOf(e.type);
      } else {
        *out = elems[static_cast<size_t>(i - 1)];
      }
      return Status::OK();
    }
    case BoundExprKind::kFieldSelect: {
      Value record;
      STRATA_RETURN_IF_ERROR(Eval(*e.children[0], row, ctx, &record));
      if (record.is_null()) {
        *out = NullOf(e.type);
      } else {
        *out = record.record_fields()[static_cast<size_t>(e.index)];
      }
      return Status::OK();
    }
    case BoundExprKind::kSqlValue: {
      const SessionValues* sv = ctx.session;
      if (const system::CatalogFunction* cf = system::FindCatalogFunction(e.name, e.children.size())) {
        std::vector<Value> args(e.children.size());
        for (size_t i = 0; i < e.children.size(); ++i) STRATA_RETURN_IF_ERROR(Eval(*e.children[i], row, ctx, &args[i]));
        if (ctx.txn == nullptr) return Status(SqlState::kInternalError, e.name + " called outside a transaction");
        system::SystemScanContext sc = SystemContext(ctx, /*with_settings=*/false);
        STRATA_ASSIGN_OR_RETURN(*out, system::EvalCatalogFunction(*cf, args, sc));
        return Status::OK();
      }
      if (e.name == "version") {
        *out = Value::Text("PostgreSQL 15.0 (Strata) on x86_64-pc-linux-gnu");
        return Status::OK();
      }
      if (sv == nullptr) {
        *out = Value::Null(e.type.id);
        return Status::OK();
      }
      if (IsServerFunction(e.name)) {
        std::vector<Value> args(e.children.size());
        for (size_t i = 0; i < e.children.size(); ++i) {
          STRATA_RETURN_IF_ERROR(Eval(*e.children[i], row, ctx, &args[i]));
        }
        if (!sv->call_server_function) return Status::NotSupported(e.name + " outside a session");
        STRATA_ASSIGN_OR_RETURN(*out, sv->call_server_function(e.name, args));
        return Status::OK();
      }
      if (e.name == "current_catalog") {
        *out = Value::Text(sv->database);
      } else if (e.name == "current_schema") {
        *out = Value::Text(sv->current_schema);
      } else if (e.name == "pg_backend_pid") {
        *out = Value::Int4(sv->process_id);
      } else if (e.name == "current_setting" || e.name == "set_config") {
        std::vector<Value> args(e.children.size());
        for (size_t i = 0; i < e.children.size(); ++i) STRATA_RETURN_IF_ERROR(Eval(*e.children[i], row, ctx, &args[i]));
        if (e.name == "current_setting") {
          if (args[0].is_null() || !sv->get_setting) {
            *out = Value::Null(TypeId::kText);
            return Status::OK();
          }
          const bool missing_ok = args.size() > 1 && !args[1].is_null() && args[1].bool_value();
          STRATA_ASSIGN_OR_RETURN(auto v, sv->get_setting(std::string(args[0].string_value()), missing_ok));
          *out = v ? Value::Text(std::move(*v)) : Value::Null(TypeId::kText);
        } else {
          if (args[0].is_null()) {
            return Status(SqlState("22004"), "SET requires parameter name");
          }
          if (!sv->set_setting) return Status::NotSupported("set_config outside a session");
          const std::string value = args[1].is_null() ? "" : std::string(args[1].string_value());
          const bool is_local = !args[2].is_null() && args[2].bool_value();
          STRATA_ASSIGN_OR_RETURN(std::string v, sv->set_setting(std::string(args[0].string_value()), value, is_local));
          *out = Value::Text(std::move(v));
        }
      } else {
        *out = Value::Text(sv->user);
      }
      return Status::OK();
    }
  }
  return Status::Internal("unknown expression kind");
}

Result<bool> EvalPredicate(const BoundExpr& expr, const Row& row, ExecContext& ctx) {
  Value v;
  STRATA_RETURN_IF_ERROR(Eval(expr, row, ctx, &v));
  return !v.is_null() && v.bool_value();
}

Result<bool> ConvertKeyValue(const Value& in, const DataType& column_type, ExecContext& ctx, Value* out) {
  if (in.is_null()) return false;
  if (in.type() == column_type.id) {
    *out = in;
    return true;
  }
  if (IsIntegerType(in.type()) && IsIntegerType(column_type.id)) {
    const int64_t v = in.int_value();
    const int64_t lo = column_type.id == TypeId::kInt2 ? INT16_MIN : column_type.id == TypeId::kInt4 ? INT32_MIN : INT64_MIN;
    const int64_t hi = column_type.id == TypeId::kInt2 ? INT16_MAX : column_type.id == TypeId::kInt4 ? INT32_MAX : INT64_MAX;
    if (v < lo || v > hi) return false;
    *out = Value::Int(column_type.id, v);
    return true;
  }
  if (IsStringType(in.type()) && IsStringType(column_type.id) && column_type.id != TypeId::kBpchar &&
      in.type() != TypeId::kBpchar) {
    *out = Value::String(column_type.id, std::string(in.string_value()));
    return true;
  }
  // Other combinations: convert through an assignment cast; a value that
  // does not survive the round trip exactly cannot match.
  auto cast = functions::ResolveCast(functions::ArgType::Of(in.data_type()), column_type,
                                     functions::CastContext::kAssignment);
  if (!cast.ok()) return false;
  Value converted;
  if (!cast->Apply(in, *ctx.eval, &converted).ok()) return false;
  auto cmp = functions::CompareValues(in, converted);
  if (!cmp.ok() || *cmp != 0) return false;
  *out = std::move(converted);
  return true;
}

namespace {

// ---- leaf operators ----

class ResultOp final : public Operator {
 public:
  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    if (done_) return false;
    done_ = true;
    batch->emplace_back();
    return true;
  }

 private:
  bool done_ = false;
};

class ValuesOp final : public Operator {
 public:
  ValuesOp(const PlanNode& plan, ExecContext& ctx) : plan_(plan), ctx_(ctx) {}
  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    const Row empty;
    while (next_ < plan_.keys.size() && batch->size() < kBatchRows) {
      const auto& exprs = plan_.keys[next_++];
      Row row(exprs.size());
      for (size_t i = 0; i < exprs.size(); ++i) {
        STRATA_RETURN_IF_ERROR(Eval(*exprs[i], empty, ctx_, &row[i]));
      }
      batch->push_back(std::move(row));
    }
    return !batch->empty();
  }

 private:
  const PlanNode& plan_;
  ExecContext& ctx_;
  size_t next_ = 0;
};

Result<const storage::TableDef*> ResolveTable(const PlanNode& plan, ExecContext& ctx) {
  const storage::TableDef* def = ctx.txn->catalog().FindTableById(plan.table_id);
  if (def == nullptr) {
    return Status(SqlState::kUndefinedTable, "relation \"" + plan.table_name + "\" does not exist");
  }
  if (def->schema_version != plan.schema_version) {
    // The plan was made for another definition of the table; the session
    // re-plans on this error.
    return Status(SqlState::kFeatureNotSupported, "cached plan must not change result type");
  }
  return def;
}

// Applies the scan's residual filter in place.
Status ApplyFilter(const BoundExpr* filter, std::vector<Row>* rows, ExecContext& ctx,
                   std::vector<storage::RowLocator>* locators = nullptr) {
  if (filter == nullptr) return Status::OK();
  size_t kept = 0;
  for (size_t i = 0; i < rows->size(); ++i) {
    STRATA_ASSIGN_OR_RETURN(bool keep, EvalPredicate(*filter, (*rows)[i], ctx));
    if (keep) {
      if (kept != i) {
        (*rows)[kept] = std::move((*rows)[i]);
        if (locators != nullptr) (*locators)[kept] = std::move((*locators)[i]);
      }
      ++kept;
    }
  }
  rows->resize(kept);
  if (locators != nullptr) locators->resize(kept);
  return Status::OK();
}

// Pulls batches from a row or binlog scanner until one keeps rows after the
// filter (a batch the filter empties is not a result, the scan goes on);
// false once the scanner is exhausted. Swaps the kept rows into `batch` and,
// when `locators` is given, their locators into it.
template <typename Scanner>
Result<bool> NextFilteredBatch(Scanner& scanner, const BoundExpr* filter, ExecContext& ctx,
                               storage::RowBatch* rows, bool* done, std::vector<Row>* batch,
                               std::vector<storage::RowLocator>* locators = nullptr) {
  batch->clear();
  while (!*done) {
    STRATA_RETURN_IF_ERROR(ctx.CheckInterrupts());
    STRATA_ASSIGN_OR_RETURN(bool more, scanner.Next(rows));
    if (!more) *done = true;
    STRATA_RETURN_IF_ERROR(
        ApplyFilter(filter, &rows->rows, ctx, locators != nullptr ? &rows->locators : nullptr));
    if (!rows->rows.empty()) {
      batch->swap(rows->rows);
      if (locators != nullptr) locators->swap(rows->locators);
      return true;
    }
  }
  return false;
}

class ScanOp final : public Operator {
 public:
  ScanOp(const PlanNode& plan, ExecContext& ctx) : plan_(plan), ctx_(ctx) {}

  Status Open() {
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, ResolveTable(plan_, ctx_));
    storage::ScanSpec spec;
    spec.batch_rows = kBatchRows;
    spec.with_locators = plan_.with_locators;
    const Row empty;
    if (plan_.kind == PlanKind::kRangeScan) {
      auto bound = [&](const std::vector<BoundExprPtr>& exprs, bool inclusive,
                       std::optional<storage::KeyBound>* out) -> Result<bool> {
        if (exprs.empty()) return true;
        storage::KeyBound b;
        b.inclusive = inclusive;
        for (size_t i = 0; i < exprs.size(); ++i) {
          Value v;
          STRATA_RETURN_IF_ERROR(Eval(*exprs[i], empty, ctx_, &v));
          if (v.is_null()) return false;  // comparison with NULL: no rows
          Value k;
          STRATA_ASSIGN_OR_RETURN(bool ok, ConvertKeyValue(v, plan_.key_types[i], ctx_, &k));
          if (!ok) {
            // Not representable in the key type: an equality prefix cannot
            // match; a range bound is dropped (the filter still applies).
            if (i + 1 < exprs.size()) return false;
            break;
          }
          b.prefix.push_back(std::move(k));
        }
        if (!b.prefix.empty()) *out = std::move(b);
        return true;
      };
      STRATA_ASSIGN_OR_RETURN(bool lower_ok, bound(plan_.lower, plan_.lower_inclusive, &spec.lower));
      STRATA_ASSIGN_OR_RETURN(bool upper_ok, bound(plan_.upper, plan_.upper_inclusive, &spec.upper));
      if (!lower_ok || !upper_ok) {
        done_ = true;
        return Status::OK();
      }
    }
    STRATA_ASSIGN_OR_RETURN(scanner_, ctx_.txn->Scan(*def, spec));
    return Status::OK();
  }

  Result<bool> Next(std::vector<Row>* batch) override {
    return NextFilteredBatch(*scanner_, plan_.filter.get(), ctx_, &rows_, &done_, batch,
                             plan_.with_locators ? &locators_ : nullptr);
  }

  // Locators of the rows of the last batch (with_locators only).
  const std::vector<storage::RowLocator>& locators() const { return locators_; }

 private:
  const PlanNode& plan_;
  ExecContext& ctx_;
  std::unique_ptr<storage::RowScanner> scanner_;
  storage::RowBatch rows_;
  std::vector<storage::RowLocator> locators_;
  bool done_ = false;
};

// A kBinlogScan: the table's binlog records as rows (table columns, then
// hg_binlog_lsn, hg_binlog_event_type, hg_binlog_timestamp_us) in LSN
// order, the LSN bounds pushed into the storage seek, the filter on top.
class BinlogScanOp final : public Operator {
 public:
  BinlogScanOp(const PlanNode& plan, ExecContext& ctx) : plan_(plan), ctx_(ctx) {}

  Status Open() {
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, ResolveTable(plan_, ctx_));
    storage::BinlogScanSpec spec;
    spec.batch_rows = kBatchRows;
    spec.include_heartbeats = plan_.binlog_heartbeats;
    const Row empty;
    // A bound that is not an integer (e.g. numeric) is not pushed down; the
    // filter still applies it. NULL matches nothing.
    auto eval = [&](const BoundExpr& e, std::optional<int64_t>* out) -> Result<bool> {
      Value v;
      STRATA_RETURN_IF_ERROR(Eval(e, empty, ctx_, &v));
      if (v.is_null()) return false;
      if (IsIntegerType(v.type())) *out = v.int_value();
      return true;
    };
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if (!plan_.lower.empty()) {
      std::optional<int64_t> x;
      STRATA_ASSIGN_OR_RETURN(bool ok, eval(*plan_.lower[0], &x));
      if (!ok || (x.has_value() && !plan_.lower_inclusive && *x == kMax)) {
        done_ = true;
        return Status::OK();
      }
      if (x.has_value()) {
        const int64_t min = plan_.lower_inclusive ? *x : *x + 1;
        spec.min_lsn = min < 0 ? 0 : static_cast<storage::Lsn>(min);
      }
    }
    if (!plan_.upper.empty()) {
      std::optional<int64_t> x;
      STRATA_ASSIGN_OR_RETURN(bool ok, eval(*plan_.upper[0], &x));
      if (x.has_value()) {
        const int64_t max = plan_.upper_inclusive ? *x : *x - 1;
        if (max < 0) ok = false;
        else spec.max_lsn = static_cast<storage::Lsn>(max);
      }
      if (!ok) {
        done_ = true;
        return Status::OK();
      }
    }
    STRATA_ASSIGN_OR_RETURN(scanner_, ctx_.txn->BinlogScan(*def, spec));
    return Status::OK();
  }

  Result<bool> Next(std::vector<Row>* batch) override {
    return NextFilteredBatch(*scanner_, plan_.filter.get(), ctx_, &rows_, &done_, batch);
  }

 private:
  const PlanNode& plan_;
  ExecContext& ctx_;
  std::unique_ptr<storage::BinlogScanner> scanner_;
  storage::RowBatch rows_;
  bool done_ = false;
};

// A kSeqScan of the column replica: rows of the table's full width with
// only plan.column_positions read (the rest NULL), pushed-down predicates
// applied in the scan and the whole filter on top.
class ColumnScanOp final : public Operator {
 public:
  ColumnScanOp(const PlanNode& plan, ExecContext& ctx) : plan_(plan), ctx_(ctx) {}

  Status Open() {
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, ResolveTable(plan_, ctx_));
    storage::ColumnScanSpec spec;
    spec.delta_batch_rows = kBatchRows;
    for (size_t pos : plan_.column_positions) {
      if (pos >= def->columns.size()) return Status::Internal("column scan position out of range");
      spec.projection.push_back(def->columns[pos].id);
    }
    spec.predicates = plan_.column_predicates;
    STRATA_ASSIGN_OR_RETURN(scanner_, ctx_.txn->ColumnScan(*def, spec));
    return Status::OK();
  }

  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    while (!done_) {
      STRATA_RETURN_IF_ERROR(ctx_.CheckInterrupts());
      STRATA_ASSIGN_OR_RETURN(bool more, scanner_->Next(&columns_));
      if (!more) {
        done_ = true;
        scanner_.reset();
        break;
      }
      const size_t n = columns_.num_rows();
      if (columns_.columns.size() != plan_.column_positions.size()) {
        return Status::Internal("column scan returned an unexpected projection");
      }
      batch->reserve(n);
      for (size_t r = 0; r < n; ++r) {
        Row row;
        row.reserve(plan_.types.size());
        for (const DataType& t : plan_.types) row.push_back(Value::Null(t.id));
        for (size_t c = 0; c < plan_.column_positions.size(); ++c) {
          row[plan_.column_positions[c]] = columns_.columns[c].GetValue(r);
        }
        batch->push_back(std::move(row));
      }
      STRATA_RETURN_IF_ERROR(ApplyFilter(plan_.filter.get(), batch, ctx_));
      if (!batch->empty()) return true;
    }
    return false;
  }

 private:
  const PlanNode& plan_;
  ExecContext& ctx_;
  std::unique_ptr<storage::ColumnScanner> scanner_;
  columnstore::ColumnBatch columns_;
  bool done_ = false;
};

// The distinct keys of a Get/MultiGet (in plan order, first occurrence
// kept), converted to the key columns' types; keys that cannot match (a
// NULL, a value out of the column type's range) are left out.
Result<std::vector<std::vector<Value>>> EvalPointKeys(const PlanNode& plan, ExecContext& ctx) {
  const Row empty;
  std::vector<std::vector<Value>> keys;
  keys.reserve(plan.keys.size());
  std::unordered_set<Row, RowHash, RowEq> seen;
  for (const auto& key_exprs : plan.keys) {
    std::vector<Value> key(key_exprs.size());
    bool ok = true;
    for (size_t i = 0; i < key_exprs.size() && ok; ++i) {
      Value v;
      STRATA_RETURN_IF_ERROR(Eval(*key_exprs[i], empty, ctx, &v));
      STRATA_ASSIGN_OR_RETURN(ok, ConvertKeyValue(v, plan.key_types[i], ctx, &key[i]));
    }
    // A single key (the point read) has nothing to be distinct from.
    if (ok && (plan.keys.size() == 1 || seen.insert(key).second)) keys.push_back(std::move(key));
  }
  return keys;
}

class GetOp final : public Operator {
 public:
  GetOp(const PlanNode& plan, ExecContext& ctx) : plan_(plan), ctx_(ctx) {}

  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    if (done_) return false;
    done_ = true;
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, ResolveTable(plan_, ctx_));
    STRATA_ASSIGN_OR_RETURN(std::vector<std::vector<Value>> keys, EvalPointKeys(plan_, ctx_));
    if (keys.empty()) return false;
    if (keys.size() == 1) {
      STRATA_ASSIGN_OR_RETURN(std::optional<storage::Row> row, ctx_.txn->Get(*def, keys[0]));
      if (row) batch->push_back(std::move(*row));
    } else {
      STRATA_ASSIGN_OR_RETURN(auto rows, ctx_.txn->MultiGet(*def, keys));
      for (auto& row : rows) {
        if (row) batch->push_back(std::move(*row));
      }
    }
    STRATA_RETURN_IF_ERROR(ApplyFilter(plan_.filter.get(), batch, ctx_));
    return !batch->empty();
  }

 private:
  const PlanNode& plan_;
  ExecContext& ctx_;
  bool done_ = false;
};

// All rows of a system relation, generated when first pulled.
class SystemScanOp final : public Operator {
 public:
  SystemScanOp(const PlanNode& plan, ExecContext& ctx) : plan_(plan), ctx_(ctx) {}
  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    if (!opened_) {
      opened_ = true;
      if (ctx_.txn == nullptr) {
        return Status(SqlState::kInternalError, "system relation scanned outside a transaction");
      }
      system::SystemScanContext sc = SystemContext(ctx_, /*with_settings=*/true);
      STRATA_ASSIGN_OR_RETURN(rows_, plan_.system_relation->generate(sc));
      STRATA_RETURN_IF_ERROR(memory_.Grow(rows_.size() * 256));
    }
    STRATA_RETURN_IF_ERROR(ctx_.CheckInterrupts());
    while (pos_ < rows_.size() && batch->size() < kBatchRows) batch->push_back(std::move(rows_[pos_++]));
    return !batch->empty();
  }

 private:
  const PlanNode& plan_;
  ExecContext& ctx_;
  MemoryTracker memory_{ctx_.budget};
  bool opened_ = false;
  std::vector<Row> rows_;
  size_t pos_ = 0;
};

// One result of information_schema._pg_expandarray: (x, n), n 1-based.
Value ExpandArrayRecord(const Value& element, size_t position) {
  return Value::Record({element, Value::Int4(static_cast<int32_t>(position))});
}

class FunctionScanOp final : public Operator {
 public:
  FunctionScanOp(const PlanNode& plan, ExecContext& ctx) : plan_(plan), ctx_(ctx) {}
  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    const bool expand = plan_.table_name == "_pg_expandarray";
    if (!opened_ && (plan_.table_name == "unnest" || expand)) {
      opened_ = true;
      Value arr;
      STRATA_RETURN_IF_ERROR(Eval(*plan_.exprs[0], Row(), ctx_, &arr));
      if (!arr.is_null()) elements_ = arr.array_elements();
    }
    if (plan_.table_name == "unnest") {
      while (pos_ < elements_.size() && batch->size() < kBatchRows) batch->push_back(Row{elements_[pos_++]});
      return !batch->empty();
    }
    if (expand) {
      while (pos_ < elements_.size() && batch->size() < kBatchRows) {
        ++pos_;
        batch->push_back(Row{elements_[pos_ - 1], Value::Int4(static_cast<int32_t>(pos_))});
      }
      return !batch->empty();
    }
    if (!opened_) {
      opened_ = true;
      const Row empty;
      Value args[3];
      for (size_t i = 0; i < plan_.exprs.size(); ++i) {
        STRATA_RETURN_IF_ERROR(Eval(*plan_.exprs[i], empty, ctx_, &args[i]));
        if (args[i].is_null()) {
          done_ = true;
          return false;
        }
      }
      next_ = args[0].int_value();
      stop_ = args[1].int_value();
      step_ = plan_.exprs.size() > 2 ? args[2].int_value() : 1;
      if (step_ == 0) {
        return Status(SqlState::kInvalidParameterValue, "step size cannot equal zero");
      }
    }
    STRATA_RETURN_IF_ERROR(ctx_.CheckInterrupts());
    const TypeId type = plan_.types[0].id;
    while (!done_ && batch->size() < kBatchRows) {
      if ((step_ > 0 && next_ > stop_) || (step_ < 0 && next_ < stop_)) {
        done_ = true;
        break;
      }
      batch->push_back(Row{Value::Int(type, next_)});
      if (__builtin_add_overflow(next_, step_, &next_)) done_ = true;
    }
    return !batch->empty();
  }

 private:
  const PlanNode& plan_;
  ExecContext& ctx_;
  bool opened_ = false;
  bool done_ = false;
  int64_t next_ = 0;
  int64_t stop_ = 0;
  int64_t step_ = 1;
  std::vector<Value> elements_;  // unnest
  size_t pos_ = 0;
};

// ---- row-at-a-time transforms ----

class FilterOp final : public Operator {
 public:
  FilterOp(const PlanNode& plan, std::unique_ptr<Operator> child, ExecContext& ctx)
      : plan_(plan), child_(std::move(child)), ctx_(ctx) {}
  Result<bool> Next(std::vector<Row>* batch) override {
    while (true) {
      STRATA_ASSIGN_OR_RETURN(bool more, child_->Next(batch));
      STRATA_RETURN_IF_ERROR(ApplyFilter(plan_.filter.get(), batch, ctx_));
      if (!batch->empty() || !more) return !batch->empty() || more;
    }
  }

 private:
  const PlanNode& plan_;
  std::unique_ptr<Operator> child_;
  ExecContext& ctx_;
};

class ProjectOp final : public Operator {
 public:
  ProjectOp(const PlanNode& plan, std::unique_ptr<Operator> child, ExecContext& ctx)
      : plan_(plan), child_(std::move(child)), ctx_(ctx) {}
  Result<bool> Next(std::vector<Row>* batch) override {
    STRATA_ASSIGN_OR_RETURN(bool more, child_->Next(&input_));
    batch->resize(input_.size());
    for (size_t r = 0; r < input_.size(); ++r) {
      Row& out = (*batch)[r];
      out.resize(plan_.exprs.size());
      for (size_t i = 0; i < plan_.exprs.size(); ++i) {
        STRATA_RETURN_IF_ERROR(Eval(*plan_.exprs[i], input_[r], ctx_, &out[i]));
      }
    }
    return more || !batch->empty();
  }

 private:
  const PlanNode& plan_;
  std::unique_ptr<Operator> child_;
  ExecContext& ctx_;
  std::vector<Row> input_;
};

// kProjectSet: each input row followed by one value per set-returning call,
// repeated while any call still returns values (PlanNode::set_functions).
class ProjectSetOp final : public Operator {
 public:
  ProjectSetOp(const PlanNode& plan, std::unique_ptr<Operator> child, ExecContext& ctx)
      : plan_(plan), child_(std::move(child)), ctx_(ctx), streams_(plan.set_functions.size()) {}

  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    while (batch->size() < kBatchRows) {
      if (!active_) {
        if (input_pos_ == input_.size()) {
          if (child_done_) break;
          STRATA_ASSIGN_OR_RETURN(bool more, child_->Next(&input_));
          child_done_ = !more;
          input_pos_ = 0;
          continue;
        }
        STRATA_RETURN_IF_ERROR(Start(input_[input_pos_]));
        active_ = true;
      }
      const Row& in = input_[input_pos_];
      Row out = in;
      out.resize(in.size() + streams_.size());
      bool any = false;
      for (size_t i = 0; i < streams_.size(); ++i) {
        any = streams_[i].Next(&out[in.size() + i]) || any;
      }
      if (!any) {
        active_ = false;
        ++input_pos_;
        continue;
      }
      batch->push_back(std::move(out));
    }
    STRATA_RETURN_IF_ERROR(ctx_.CheckInterrupts());
    return !batch->empty();
  }

 private:
  // One call's values for the current input row.
  struct Stream {
    SetFunctionCall::Kind kind = SetFunctionCall::Kind::kGenerateSeries;
    DataType type;
    bool done = true;
    std::vector<Value> elements;  // unnest
    size_t pos = 0;
    int64_t next = 0;  // generate_series
    int64_t stop = 0;
    int64_t step = 1;

    // The next value, or NULL (returning false) once exhausted.
    bool Next(Value* out) {
      if (!done && kind == SetFunctionCall::Kind::kUnnest) {
        if (pos < elements.size()) {
          *out = elements[pos++];
          return true;
        }
        done = true;
      }
      if (!done && kind == SetFunctionCall::Kind::kExpandArray) {
        if (pos < elements.size()) {
          ++pos;
          *out = ExpandArrayRecord(elements[pos - 1], pos);
          return true;
        }
        done = true;
      }
      if (!done && kind == SetFunctionCall::Kind::kGenerateSeries) {
        if ((step > 0 && next <= stop) || (step < 0 && next >= stop)) {
          *out = Value::Int(type.id, next);
          if (__builtin_add_overflow(next, step, &next)) done = true;
          return true;
        }
        done = true;
      }
      *out = Value::Null(type.id);
      return false;
    }
  };

  Status Start(const Row& row) {
    for (size_t i = 0; i < streams_.size(); ++i) {
      const SetFunctionCall& call = plan_.set_functions[i];
      Stream& s = streams_[i];
      s = Stream();
      s.kind = call.kind;
      s.type = plan_.types[row.size() + i];
      std::vector<Value> args(call.args.size());
      bool has_null = false;
      for (size_t a = 0; a < call.args.size(); ++a) {
        STRATA_RETURN_IF_ERROR(Eval(*call.args[a], row, ctx_, &args[a]));
        has_null = has_null || args[a].is_null();
      }
      if (has_null) continue;  // both functions are strict: no rows
      s.done = false;
      if (call.kind == SetFunctionCall::Kind::kUnnest || call.kind == SetFunctionCall::Kind::kExpandArray) {
        s.elements = args[0].array_elements();
        continue;
      }
      s.next = args[0].int_value();
      s.stop = args[1].int_value();
      s.step = args.size() > 2 ? args[2].int_value() : 1;
      if (s.step == 0) return Status(SqlState::kInvalidParameterValue, "step size cannot equal zero");
    }
    return Status::OK();
  }

  const PlanNode& plan_;
  std::unique_ptr<Operator> child_;
  ExecContext& ctx_;
  std::vector<Stream> streams_;
  std::vector<Row> input_;
  size_t input_pos_ = 0;
  bool child_done_ = false;
  bool active_ = false;
};

Result<int64_t> EvalCount(const BoundExpr* e, ExecContext& ctx, bool is_limit) {
  if (e == nullptr) return is_limit ? INT64_MAX : 0;
  Value v;
  STRATA_RETURN_IF_ERROR(Eval(*e, Row(), ctx, &v));
  if (v.is_null()) return is_limit ? INT64_MAX : 0;
  const int64_t n = v.int_value();
  if (n < 0) {
    return is_limit ? Status(SqlState("2201W"), "LIMIT must not be negative")
                    : Status(SqlState("2201X"), "OFFSET must not be negative");
  }
  return n;
}

class LimitOp final : public Operator {
 public:
  LimitOp(const PlanNode& plan, std::unique_ptr<Operator> child, ExecContext& ctx)
      : plan_(plan), child_(std::move(child)), ctx_(ctx) {}
  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    if (!opened_) {
      opened_ = true;
      STRATA_ASSIGN_OR_RETURN(remaining_, EvalCount(plan_.limit.get(), ctx_, true));
      STRATA_ASSIGN_OR_RETURN(skip_, EvalCount(plan_.offset.get(), ctx_, false));
    }
    while (remaining_ > 0) {
      STRATA_ASSIGN_OR_RETURN(bool more, child_->Next(&input_));
      for (Row& r : input_) {
        if (skip_ > 0) {
          --skip_;
          continue;
        }
        if (remaining_ == 0) break;
        batch->push_back(std::move(r));
        --remaining_;
      }
      if (!batch->empty()) return true;
      if (!more) break;
    }
    return false;
  }

 private:
  const PlanNode& plan_;
  std::unique_ptr<Operator> child_;
  ExecContext& ctx_;
  std::vector<Row> input_;
  bool opened_ = false;
  int64_t remaining_ = 0;
  int64_t skip_ = 0;
};

// Emits rows of `rows_` in batches.
class BufferedOp : public Operator {
 public:
  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    if (!materialized_) {
      materialized_ = true;
      STRATA_RETURN_IF_ERROR(Materialize());
    }
    while (next_ < rows_.size() && batch->size() < kBatchRows) batch->push_back(std::move(rows_[next_++]));
    return !batch->empty();
  }

 protected:
  virtual Status Materialize() = 0;
  std::vector<Row> rows_;

 private:
  bool materialized_ = false;
  size_t next_ = 0;
};

Status Drain(Operator* op, ExecContext& ctx, const std::function<Status(Row&&)>& fn) {
  std::vector<Row> batch;
  while (true) {
    STRATA_RETURN_IF_ERROR(ctx.CheckInterrupts());
    STRATA_ASSIGN_OR_RETURN(bool more, op->Next(&batch));
    for (Row& r : batch) STRATA_RETURN_IF_ERROR(fn(std::move(r)));
    if (!more) return Status::OK();
  }
}

class SortOp final : public BufferedOp {
 public:
  SortOp(const PlanNode& plan, std::unique_ptr<Operator> child, ExecContext& ctx)
      : plan_(plan), child_(std::move(child)), ctx_(ctx), memory_(ctx.budget) {}

 protected:
  Status Materialize() override {
    // Each entry: the row's sort keys followed by the row.
    std::vector<std::pair<Row, Row>> entries;
    STRATA_RETURN_IF_DRAIN_ERROR(Drain(child_.get(), ctx_, [&](Row&& r) -> Status {
      Row keys(plan_.sort_keys.size());
      for (size_t i = 0; i < plan_.sort_keys.size(); ++i) {
        STRATA_RETURN_IF_ERROR(Eval(*plan_.sort_keys[i].expr, r, ctx_, &keys[i]));
      }
      STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(keys) + RowBytes(r)));
      entries.emplace_back(std::move(keys), std::move(r));
      return Status::OK();
    }));
    std::stable_sort(entries.begin(), entries.end(), [&](const auto& a, const auto& b) {
      for (size_t i = 0; i < plan_.sort_keys.size(); ++i) {
        const SortKey& k = plan_.sort_keys[i];
        const Value& x = a.first[i];
        const Value& y = b.first[i];
        if (x.is_null() || y.is_null()) {
          if (x.is_null() && y.is_null()) continue;
          // NULL sorts as larger than everything unless nulls_first.
          const bool x_first = x.is_null() == k.nulls_first;
          return x_first;
        }
        int c = CompareForSort(x, y);
        if (c == 0) continue;
        if (k.descending) c = -c;
        return c < 0;
      }
      return false;
    });
    rows_.reserve(entries.size());
    for (auto& e : entries) rows_.push_back(std::move(e.second));
    return Status::OK();
  }

 private:
  const PlanNode& plan_;
  std::unique_ptr<Operator> child_;
  ExecContext& ctx_;
  MemoryTracker memory_;  // the sort buffer (then rows_)
};

// kWindow: every input row followed by one value per window call. Rows come
// out in the order of the last call's (partition, order) sort.
class WindowOp final : public BufferedOp {
 public:
  WindowOp(const PlanNode& plan, std::unique_ptr<Operator> child, ExecContext& ctx)
      : plan_(plan), child_(std::move(child)), ctx_(ctx), memory_(ctx.budget) {}

 protected:
  Status Materialize() override {
    std::vector<Row> rows;
    STRATA_RETURN_IF_DRAIN_ERROR(Drain(child_.get(), ctx_, [&](Row&& r) -> Status {
      STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(r) + 16 * plan_.windows.size()));
      rows.push_back(std::move(r));
      return Status::OK();
    }));
    // REQUIRES (binder): at least one window call.
    std::vector<size_t> order(rows.size());
    for (const WindowCall& w : plan_.windows) {
      // Keys: partition values, then order values.
      std::vector<Row> keys(rows.size());
      const size_t np = w.partition.size();
      for (size_t i = 0; i < rows.size(); ++i) {
        keys[i].resize(np + w.order.size());
        for (size_t k = 0; k < np; ++k) STRATA_RETURN_IF_ERROR(Eval(*w.partition[k], rows[i], ctx_, &keys[i][k]));
        for (size_t k = 0; k < w.order.size(); ++k) {
          STRATA_RETURN_IF_ERROR(Eval(*w.order[k].expr, rows[i], ctx_, &keys[i][np + k]));
        }
      }
      auto cmp = [&](const Value& x, const Value& y, bool desc, bool nulls_first) {
        if (x.is_null() || y.is_null()) {
          if (x.is_null() && y.is_null()) return 0;
          return (x.is_null() == nulls_first) ? -1 : 1;
        }
        const int c = CompareForSort(x, y);
        return desc ? -c : c;
      };
      auto compare_range = [&](size_t a, size_t b, size_t from, size_t to) {
        for (size_t k = from; k < to; ++k) {
          const bool desc = k >= np && w.order[k - np].descending;
          const bool nf = k >= np && w.order[k - np].nulls_first;
          const int c = cmp(keys[a][k], keys[b][k], desc, nf);
          if (c != 0) return c;
        }
        return 0;
      };
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return compare_range(a, b, 0, keys[a].size()) < 0; });
      int64_t row_number = 0;
      int64_t rank = 0;
      int64_t dense_rank = 0;
      for (size_t i = 0; i < order.size(); ++i) {
        const size_t cur = order[i];
        const bool new_partition = i == 0 || compare_range(order[i - 1], cur, 0, np) != 0;
        const bool new_peer = new_partition || compare_range(order[i - 1], cur, np, keys[cur].size()) != 0;
        if (new_partition) {
          row_number = 0;
          rank = 0;
          dense_rank = 0;
        }
        ++row_number;
        if (new_peer) {
          rank = row_number;
          ++dense_rank;
        }
        const int64_t v = w.name == "row_number" ? row_number : w.name == "rank" ? rank : dense_rank;
        rows[cur].push_back(Value::Int8(v));
      }
    }
    rows_.reserve(rows.size());
    for (size_t i : order) rows_.push_back(std::move(rows[i]));
    return Status::OK();
  }

 private:
  const PlanNode& plan_;
  std::unique_ptr<Operator> child_;
  ExecContext& ctx_;
  MemoryTracker memory_;
};

class DistinctOp final : public Operator {
 public:
  DistinctOp(const PlanNode& plan, std::unique_ptr<Operator> child, ExecContext& ctx)
      : plan_(plan), child_(std::move(child)), memory_(ctx.budget) {}
  Result<bool> Next(std::vector<Row>* batch) override {
    while (true) {
      STRATA_ASSIGN_OR_RETURN(bool more, child_->Next(&input_));
      batch->clear();
      for (Row& r : input_) {
        if (plan_.distinct_on > 0) {
          Row key(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(plan_.distinct_on));
          if (have_last_ && RowEq()(key, last_key_)) continue;
          last_key_ = std::move(key);
          have_last_ = true;
          batch->push_back(std::move(r));
        } else if (seen_.insert(r).second) {
          STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(r) + kHashEntryBytes));
          batch->push_back(std::move(r));
        }
      }
      if (!batch->empty() || !more) return !batch->empty();
    }
  }

 private:
  const PlanNode& plan_;
  std::unique_ptr<Operator> child_;
  std::vector<Row> input_;
  std::unordered_set<Row, RowHash, RowEq> seen_;
  Row last_key_;
  bool have_last_ = false;
  MemoryTracker memory_;
};

// ---- aggregation ----

class AggregateOp final : public BufferedOp {
 public:
  AggregateOp(const PlanNode& plan, std::unique_ptr<Operator> child, ExecContext& ctx)
      : plan_(plan), child_(std::move(child)), ctx_(ctx), memory_(ctx.budget) {}

 protected:
  struct AggSlot {
    std::unique_ptr<functions::AggregateState> state;
    std::unordered_set<Row, RowHash, RowEq> seen;  // DISTINCT
    std::vector<std::pair<Row, Row>> buffered;     // ORDER BY inside the call: (order keys, args)
  };
  struct Group {
    std::vector<AggSlot> slots;
  };

  Group NewGroup() {
    Group g;
    g.slots.resize(plan_.aggregates.size());
    for (size_t i = 0; i < plan_.aggregates.size(); ++i) g.slots[i].state = plan_.aggregates[i].aggregate.NewState();
    return g;
  }

  Status Accumulate(Group& g, const Row& row) {
    Row args;
    for (size_t i = 0; i < plan_.aggregates.size(); ++i) {
      const AggregateCall& call = plan_.aggregates[i];
      AggSlot& slot = g.slots[i];
      if (call.filter != nullptr) {
        STRATA_ASSIGN_OR_RETURN(bool pass, EvalPredicate(*call.filter, row, ctx_));
        if (!pass) continue;
      }
      args.resize(call.args.size());
      bool has_null = false;
      for (size_t a = 0; a < call.args.size(); ++a) {
        STRATA_RETURN_IF_ERROR(Eval(*call.args[a], row, ctx_, &args[a]));
        has_null = has_null || args[a].is_null();
      }
      if (has_null && call.aggregate.strict) continue;
      if (call.distinct) {
        if (!slot.seen.insert(args).second) continue;
        STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(args) + kHashEntryBytes));
      }
      if (!call.order.empty()) {
        Row keys(call.order.size());
        for (size_t k = 0; k < call.order.size(); ++k) {
          STRATA_RETURN_IF_ERROR(Eval(*call.order[k].expr, row, ctx_, &keys[k]));
        }
        STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(keys) + RowBytes(args)));
        slot.buffered.emplace_back(std::move(keys), args);
        continue;
      }
      STRATA_RETURN_IF_ERROR(slot.state->Update(args, *ctx_.eval));
    }
    return Status::OK();
  }

  Status Finish(Group& g, Row* out) {
    for (size_t i = 0; i < plan_.aggregates.size(); ++i) {
      const AggregateCall& call = plan_.aggregates[i];
      AggSlot& slot = g.slots[i];
      if (!call.order.empty()) {
        std::stable_sort(slot.buffered.begin(), slot.buffered.end(), [&](const auto& a, const auto& b) {
          for (size_t k = 0; k < call.order.size(); ++k) {
            const Value& x = a.first[k];
            const Value& y = b.first[k];
            if (x.is_null() || y.is_null()) {
              if (x.is_null() && y.is_null()) continue;
              return x.is_null() == call.order[k].nulls_first;
            }
            int c = CompareForSort(x, y);
            if (c == 0) continue;
            if (call.order[k].descending) c = -c;
            return c < 0;
          }
          return false;
        });
        for (auto& [keys, args] : slot.buffered) STRATA_RETURN_IF_ERROR(slot.state->Update(args, *ctx_.eval));
        slot.buffered.clear();
      }
      Value v;
      STRATA_RETURN_IF_ERROR(slot.state->Finalize(*ctx_.eval, &v));
      out->push_back(std::move(v));
    }
    return Status::OK();
  }

  Status Materialize() override {
    const size_t n_groups = plan_.exprs.size();
    if (n_groups == 0) {
      Group g = NewGroup();
      STRATA_RETURN_IF_DRAIN_ERROR(Drain(child_.get(), ctx_, [&](Row&& r) { return Accumulate(g, r); }));
      Row out;
      STRATA_RETURN_IF_ERROR(Finish(g, &out));
      rows_.push_back(std::move(out));
      return Status::OK();
    }
    std::unordered_map<Row, size_t, RowHash, RowEq> index;
    std::vector<std::pair<Row, Group>> groups;
    STRATA_RETURN_IF_DRAIN_ERROR(Drain(child_.get(), ctx_, [&](Row&& r) -> Status {
      Row key(n_groups);
      for (size_t i = 0; i < n_groups; ++i) STRATA_RETURN_IF_ERROR(Eval(*plan_.exprs[i], r, ctx_, &key[i]));
      auto it = index.find(key);
      if (it == index.end()) {
        // The key twice (index and group), the entry, the aggregate states.
        STRATA_RETURN_IF_ERROR(memory_.Grow(2 * RowBytes(key) + kHashEntryBytes +
                                            plan_.aggregates.size() * kAggregateStateBytes));
        it = index.emplace(key, groups.size()).first;
        groups.emplace_back(std::move(key), NewGroup());
      }
      return Accumulate(groups[it->second].second, r);
    }));
    rows_.reserve(groups.size());
    for (auto& [key, group] : groups) {
      Row out = std::move(key);
      STRATA_RETURN_IF_ERROR(Finish(group, &out));
      rows_.push_back(std::move(out));
    }
    return Status::OK();
  }

 private:
  // Approximate bytes of one group's state for one aggregate.
  static constexpr uint64_t kAggregateStateBytes = 96;

  const PlanNode& plan_;
  std::unique_ptr<Operator> child_;
  ExecContext& ctx_;
  MemoryTracker memory_;
};

// ---- joins ----

Row Concat(const Row& left, const Row& right) {
  Row out;
  out.reserve(left.size() + right.size());
  out.insert(out.end(), left.begin(), left.end());
  out.insert(out.end(), right.begin(), right.end());
  return out;
}

Row NullRow(const std::vector<DataType>& types, size_t from, size_t count) {
  Row out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(NullOf(types[from + i]));
  return out;
}

class JoinOp final : public Operator {
 public:
  JoinOp(const PlanNode& plan, std::unique_ptr<Operator> left, std::unique_ptr<Operator> right,
         ExecContext& ctx)
      : plan_(plan), left_(std::move(left)), right_(std::move(right)), ctx_(ctx), memory_(ctx.budget) {
    left_width_ = plan.children[0]->types.size();
    right_width_ = plan.children[1]->types.size();
  }

  // Streams: each call emits at most about kBatchRows rows, resuming inside
  // the current left row's matches, so the output is never materialized.
  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    if (!built_) {
      built_ = true;
      STRATA_RETURN_IF_ERROR(Build());
    }
    size_t steps = 0;
    while (batch->size() < kBatchRows) {
      if (!in_row_) {
        if (left_pos_ >= input_.size()) {
          if (left_done_) break;
          STRATA_RETURN_IF_ERROR(ctx_.CheckInterrupts());
          STRATA_ASSIGN_OR_RETURN(bool more, left_->Next(&input_));
          left_pos_ = 0;
          if (!more) left_done_ = true;
          continue;
        }
        STRATA_RETURN_IF_ERROR(StartRow(input_[left_pos_]));
      }
      const Row& l = input_[left_pos_];
      while (candidate_pos_ < candidate_count_ && batch->size() < kBatchRows) {
        if ((++steps & (kInterruptCheckSteps - 1)) == 0) STRATA_RETURN_IF_ERROR(ctx_.CheckInterrupts());
        const size_t i = candidates_ != nullptr ? (*candidates_)[candidate_pos_] : candidate_pos_;
        ++candidate_pos_;
        STRATA_RETURN_IF_ERROR(Emit(l, i, &row_matched_, batch));
      }
      if (candidate_pos_ < candidate_count_) break;  // batch full; resume this row
      if (!row_matched_ && (plan_.join_type == JoinType::kLeft || plan_.join_type == JoinType::kFull)) {
        batch->push_back(Concat(l, NullRow(plan_.types, left_width_, right_width_)));
      }
      in_row_ = false;
      ++left_pos_;
    }
    const bool probing_done = left_done_ && !in_row_ && left_pos_ >= input_.size();
    // Unmatched build rows for RIGHT / FULL joins.
    if (probing_done && (plan_.join_type == JoinType::kRight || plan_.join_type == JoinType::kFull)) {
      const Row nulls = NullRow(plan_.types, 0, left_width_);
      while (unmatched_next_ < build_.size() && batch->size() < kBatchRows) {
        const size_t i = unmatched_next_++;
        if (!matched_[i]) batch->push_back(Concat(nulls, build_[i]));
      }
    }
    return !batch->empty();
  }

 private:
  // Inner iterations between interrupt checks (a power of two).
  static constexpr size_t kInterruptCheckSteps = 4096;

  Status Build() {
    const bool hashed = plan_.kind == PlanKind::kHashJoin;
    Row key;
    STRATA_RETURN_IF_DRAIN_ERROR(Drain(right_.get(), ctx_, [&](Row&& r) -> Status {
      if (hashed) {
        key.resize(plan_.right_keys.size());
        bool has_null = false;
        for (size_t i = 0; i < plan_.right_keys.size(); ++i) {
          STRATA_RETURN_IF_ERROR(Eval(*plan_.right_keys[i], r, ctx_, &key[i]));
          has_null = has_null || key[i].is_null();
        }
        if (!has_null) {
          STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(key) + kHashEntryBytes));
          table_[key].push_back(build_.size());
        }
      }
      STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(r)));
      build_.push_back(std::move(r));
      return Status::OK();
    }));
    matched_.assign(build_.size(), false);
    return Status::OK();
  }

  // Selects the build rows to try against left row `l`: its hash bucket, or
  // every build row for a nested loop.
  Status StartRow(const Row& l) {
    in_row_ = true;
    row_matched_ = false;
    candidate_pos_ = 0;
    candidates_ = nullptr;
    candidate_count_ = 0;
    if (plan_.kind != PlanKind::kHashJoin) {
      candidate_count_ = build_.size();
      return Status::OK();
    }
    key_.resize(plan_.left_keys.size());
    for (size_t i = 0; i < plan_.left_keys.size(); ++i) {
      STRATA_RETURN_IF_ERROR(Eval(*plan_.left_keys[i], l, ctx_, &key_[i]));
      if (key_[i].is_null()) return Status::OK();
    }
    auto it = table_.find(key_);
    if (it != table_.end()) {
      candidates_ = &it->second;
      candidate_count_ = it->second.size();
    }
    return Status::OK();
  }

  Status Emit(const Row& l, size_t i, bool* matched, std::vector<Row>* batch) {
    Row combined = Concat(l, build_[i]);
    if (plan_.filter != nullptr) {
      STRATA_ASSIGN_OR_RETURN(bool pass, EvalPredicate(*plan_.filter, combined, ctx_));
      if (!pass) return Status::OK();
    }
    *matched = true;
    matched_[i] = true;
    batch->push_back(std::move(combined));
    return Status::OK();
  }

  const PlanNode& plan_;
  std::unique_ptr<Operator> left_;
  std::unique_ptr<Operator> right_;
  ExecContext& ctx_;
  size_t left_width_ = 0;
  size_t right_width_ = 0;
  bool built_ = false;
  bool left_done_ = false;
  std::vector<Row> build_;
  std::vector<bool> matched_;
  std::unordered_map<Row, std::vector<size_t>, RowHash, RowEq> table_;
  std::vector<Row> input_;
  size_t left_pos_ = 0;  // next (or current, while in_row_) row of input_
  bool in_row_ = false;
  bool row_matched_ = false;
  const std::vector<size_t>* candidates_ = nullptr;  // null: 0..candidate_count_
  size_t candidate_count_ = 0;
  size_t candidate_pos_ = 0;
  Row key_;
  size_t unmatched_next_ = 0;
  MemoryTracker memory_;  // the build side
};

// ---- set operations ----

class SetOpOp final : public BufferedOp {
 public:
  SetOpOp(const PlanNode& plan, std::unique_ptr<Operator> left, std::unique_ptr<Operator> right,
          ExecContext& ctx)
      : plan_(plan), left_(std::move(left)), right_(std::move(right)), ctx_(ctx), memory_(ctx.budget) {}

 protected:
  Status Materialize() override {
    if (plan_.set_op == SetOpType::kUnion) {
      std::unordered_set<Row, RowHash, RowEq> seen;
      auto add = [&](Row&& r) -> Status {
        if (!plan_.all) {
          if (!seen.insert(r).second) return Status::OK();
          STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(r) + kHashEntryBytes));
        }
        STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(r)));
        rows_.push_back(std::move(r));
        return Status::OK();
      };
      STRATA_RETURN_IF_DRAIN_ERROR(Drain(left_.get(), ctx_, add));
      return Drain(right_.get(), ctx_, add);
    }
    // INTERSECT / EXCEPT: count the right side, then stream the left.
    std::unordered_map<Row, int64_t, RowHash, RowEq> counts;
    STRATA_RETURN_IF_DRAIN_ERROR(Drain(right_.get(), ctx_, [&](Row&& r) -> Status {
      auto [it, inserted] = counts.try_emplace(std::move(r), 0);
      if (inserted) STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(it->first) + kHashEntryBytes));
      ++it->second;
      return Status::OK();
    }));
    std::unordered_set<Row, RowHash, RowEq> emitted;
    const bool intersect = plan_.set_op == SetOpType::kIntersect;
    return Drain(left_.get(), ctx_, [&](Row&& r) -> Status {
      STRATA_RETURN_IF_ERROR(memory_.Grow(RowBytes(r)));
      auto it = counts.find(r);
      const bool in_right = it != counts.end() && it->second > 0;
      if (plan_.all) {
        if (intersect) {
          if (in_right) {
            --it->second;
            rows_.push_back(std::move(r));
          }
        } else if (in_right) {
          --it->second;
        } else {
          rows_.push_back(std::move(r));
        }
        return Status::OK();
      }
      if (intersect != in_right) return Status::OK();
      if (emitted.insert(r).second) rows_.push_back(std::move(r));
      return Status::OK();
    });
  }

 private:
  const PlanNode& plan_;
  std::unique_ptr<Operator> left_;
  std::unique_ptr<Operator> right_;
  ExecContext& ctx_;
  MemoryTracker memory_;
};

}  // namespace

Result<std::unique_ptr<Operator>> BuildOperator(const PlanNode& plan, ExecContext& ctx) {
  auto child = [&](size_t i) { return BuildOperator(*plan.children[i], ctx); };
  switch (plan.kind) {
    case PlanKind::kResult:
      return std::unique_ptr<Operator>(std::make_unique<ResultOp>());
    case PlanKind::kValues:
      return std::unique_ptr<Operator>(std::make_unique<ValuesOp>(plan, ctx));
    case PlanKind::kSeqScan:
    case PlanKind::kRangeScan: {
      if (plan.column_replica) {
        auto op = std::make_unique<ColumnScanOp>(plan, ctx);
        STRATA_RETURN_IF_ERROR(op->Open());
        return std::unique_ptr<Operator>(std::move(op));
      }
      auto op = std::make_unique<ScanOp>(plan, ctx);
      STRATA_RETURN_IF_ERROR(op->Open());
      return std::unique_ptr<Operator>(std::move(op));
    }
    case PlanKind::kBinlogScan: {
      auto op = std::make_unique<BinlogScanOp>(plan, ctx);
      STRATA_RETURN_IF_ERROR(op->Open());
      return std::unique_ptr<Operator>(std::move(op));
    }
    case PlanKind::kGet:
    case PlanKind::kMultiGet:
      return std::unique_ptr<Operator>(std::make_unique<GetOp>(plan, ctx));
    case PlanKind::kFunctionScan:
      return std::unique_ptr<Operator>(std::make_unique<FunctionScanOp>(plan, ctx));
    case PlanKind::kSystemScan:
      return std::unique_ptr<Operator>(std::make_unique<SystemScanOp>(plan, ctx));
    case PlanKind::kProjectSet: {
      STRATA_ASSIGN_OR_RETURN(auto c, child(0));
      return std::unique_ptr<Operator>(std::make_unique<ProjectSetOp>(plan, std::move(c), ctx));
    }
    case PlanKind::kWindow: {
      STRATA_ASSIGN_OR_RETURN(auto c, child(0));
      return std::unique_ptr<Operator>(std::make_unique<WindowOp>(plan, std::move(c), ctx));
    }
    case PlanKind::kFilter: {
      STRATA_ASSIGN_OR_RETURN(auto c, child(0));
      return std::unique_ptr<Operator>(std::make_unique<FilterOp>(plan, std::move(c), ctx));
    }
    case PlanKind::kProject: {
      STRATA_ASSIGN_OR_RETURN(auto c, child(0));
      return std::unique_ptr<Operator>(std::make_unique<ProjectOp>(plan, std::move(c), ctx));
    }
    case PlanKind::kAggregate: {
      if (plan.vectorized) {
        return BuildVectorizedAggregate(plan, ctx, [&plan, &ctx]() -> Result<std::unique_ptr<Operator>> {
          STRATA_ASSIGN_OR_RETURN(auto c, BuildOperator(*plan.children[0], ctx));
          return std::unique_ptr<Operator>(std::make_unique<AggregateOp>(plan, std::move(c), ctx));
        });
      }
      STRATA_ASSIGN_OR_RETURN(auto c, child(0));
      return std::unique_ptr<Operator>(std::make_unique<AggregateOp>(plan, std::move(c), ctx));
    }
    case PlanKind::kSort: {
      STRATA_ASSIGN_OR_RETURN(auto c, child(0));
      return std::unique_ptr<Operator>(std::make_unique<SortOp>(plan, std::move(c), ctx));
    }
    case PlanKind::kLimit: {
      STRATA_ASSIGN_OR_RETURN(auto c, child(0));
      return std::unique_ptr<Operator>(std::make_unique<LimitOp>(plan, std::move(c), ctx));
    }
    case PlanKind::kDistinct: {
      STRATA_ASSIGN_OR_RETURN(auto c, child(0));
      return std::unique_ptr<Operator>(std::make_unique<DistinctOp>(plan, std::move(c), ctx));
    }
    case PlanKind::kHashJoin:
    case PlanKind::kNestedLoopJoin: {
      STRATA_ASSIGN_OR_RETURN(auto l, child(0));
      STRATA_ASSIGN_OR_RETURN(auto r, child(1));
      return std::unique_ptr<Operator>(std::make_unique<JoinOp>(plan, std::move(l), std::move(r), ctx));
    }
    case PlanKind::kSetOp: {
      STRATA_ASSIGN_OR_RETURN(auto l, child(0));
      STRATA_ASSIGN_OR_RETURN(auto r, child(1));
      return std::unique_ptr<Operator>(std::make_unique<SetOpOp>(plan, std::move(l), std::move(r), ctx));
    }
  }
  return Status::Internal("unknown plan node");
}

bool IsStoredRowPlan(const PlanNode& plan) {
  const PlanNode* p = &plan;
  if (p->kind == PlanKind::kProject) {
    if (p->children.size() != 1) return false;
    for (const auto& e : p->exprs) {
      if (e->kind != BoundExprKind::kColumn) return false;
    }
    p = p->children[0].get();
  }
  return (p->kind == PlanKind::kGet || p->kind == PlanKind::kMultiGet) && p->filter == nullptr &&
         !p->column_replica;
}

Result<int64_t> RunStoredRowPlan(const PlanNode& plan, ExecContext& ctx,
                                 const std::function<Status(const StoredRow& row)>& emit) {
  STRATA_DCHECK(IsStoredRowPlan(plan));
  const PlanNode& get = plan.kind == PlanKind::kProject ? *plan.children[0] : plan;
  STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, ResolveTable(get, ctx));
  STRATA_ASSIGN_OR_RETURN(std::vector<std::vector<Value>> primary_keys, EvalPointKeys(get, ctx));
  int64_t count = 0;
  if (primary_keys.empty()) return count;
  // The rows' first cache misses start here and overlap the layout's work.
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> keys, ctx.txn->PrepareRowKeys(*def, primary_keys));
  // A Get's rows are the table's columns in order; a Project picks some.
  std::vector<int> columns;
  if (&get == &plan) {
    columns.resize(def->columns.size());
    for (size_t i = 0; i < columns.size(); ++i) columns[i] = static_cast<int>(i);
  } else {
    for (const auto& e : plan.exprs) columns.push_back(e->index);
  }
  STRATA_ASSIGN_OR_RETURN(rowstore::FieldLayout layout, ctx.txn->StoredRowLayout(*def, columns));
  STRATA_RETURN_IF_ERROR(ctx.CheckInterrupts());
  std::vector<rowstore::StoredField> fields(layout.size());
  auto visit = [&](size_t, std::string_view bytes) -> Status {
    STRATA_RETURN_IF_ERROR(rowstore::FindFields(bytes, layout, fields));
    ++count;
    return emit(StoredRow(bytes, layout, fields));
  };
  STRATA_RETURN_IF_ERROR(ctx.txn->MultiGetStored(*def, keys, visit));
  return count;
}

Result<std::vector<Row>> CollectRows(const PlanNode& plan, ExecContext& ctx) {
  STRATA_ASSIGN_OR_RETURN(auto op, BuildOperator(plan, ctx));
  std::vector<Row> out;
  STRATA_RETURN_IF_DRAIN_ERROR(Drain(op.get(), ctx, [&](Row&& r) -> Status {
    STRATA_RETURN_IF_ERROR(ctx.statement_memory.Grow(RowBytes(r)));
    out.push_back(std::move(r));
    return Status::OK();
  }));
  return out;
}

Result<std::vector<std::pair<Row, std::string>>> CollectRowsWithLocators(const PlanNode& plan,
                                                                         ExecContext& ctx) {
  if (plan.kind != PlanKind::kSeqScan && plan.kind != PlanKind::kRangeScan) {
    return Status::Internal("locators need a scan");
  }
  ScanOp op(plan, ctx);
  STRATA_RETURN_IF_ERROR(op.Open());
  std::vector<std::pair<Row, std::string>> out;
  std::vector<Row> batch;
  while (true) {
    STRATA_ASSIGN_OR_RETURN(bool more, op.Next(&batch));
    for (size_t i = 0; i < batch.size(); ++i) {
      STRATA_RETURN_IF_ERROR(ctx.statement_memory.Grow(RowBytes(batch[i]) + op.locators()[i].size()));
      out.emplace_back(std::move(batch[i]), op.locators()[i]);
    }
    if (!more) break;
  }
  return out;
}

}  // namespace strata::sql::executor
