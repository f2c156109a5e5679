#include "columnstore/predicate.h"

#include <cstdint>
#include <functional>
#include <string>

#include "common/sql_state.h"

namespace strata::columnstore {

namespace {

bool IsComparison(CompareOp op) { return op != CompareOp::kIsNull && op != CompareOp::kIsNotNull; }

// c = Compare(row value, operand).
bool Accept(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kEq:
      return c == 0;
    case CompareOp::kNe:
      return c != 0;
    case CompareOp::kLt:
      return c < 0;
    case CompareOp::kLe:
      return c <= 0;
    case CompareOp::kGt:
      return c > 0;
    case CompareOp::kGe:
      return c >= 0;
    default:
      return false;
  }
}

template <typename Cmp>
void FilterTyped(const ColumnPredicate& p, const ColumnVector& column, Cmp cmp1, Cmp cmp2,
                 std::vector<uint32_t>* selection) {
  size_t out = 0;
  std::vector<uint32_t>& sel = *selection;
  for (const uint32_t i : sel) {
    bool keep = false;
    if (column.nulls[i] == 0) {
      if (p.op == CompareOp::kBetween) {
        keep = cmp1(i) >= 0 && cmp2(i) <= 0;
      } else {
        keep = Accept(p.op, cmp1(i));
      }
    }
    if (keep) sel[out++] = i;
  }
  sel.resize(out);
}

}  // namespace

Status ValidatePredicate(const ColumnPredicate& predicate, const DataType& type) {
  if (!IsComparison(predicate.op)) return Status::OK();
  const ValueKind kind = KindOf(type.id);
  for (const Value* v : {&predicate.operand, &predicate.operand2}) {
    if (v == &predicate.operand2 && predicate.op != CompareOp::kBetween) continue;
    if (!v->is_null() && v->kind() != kind) {
      return Status(SqlState::kDatatypeMismatch,
                    "operand " + v->DebugString() + " does not match column type " +
                        type.ToString());
    }
  }
  return Status::OK();
}

bool MatchValue(const ColumnPredicate& p, const Value& value) {
  if (p.op == CompareOp::kIsNull) return value.is_null();
  if (p.op == CompareOp::kIsNotNull) return !value.is_null();
  if (value.is_null() || p.operand.is_null()) return false;
  if (p.op == CompareOp::kBetween) {
    return !p.operand2.is_null() && Value::Compare(value, p.operand) >= 0 &&
           Value::Compare(value, p.operand2) <= 0;
  }
  return Accept(p.op, Value::Compare(value, p.operand));
}

bool ZoneMayMatch(const ColumnPredicate& p, const ZoneMap& zone) {
  const uint32_t non_null = zone.row_count - zone.null_count;
  if (p.op == CompareOp::kIsNull) return zone.null_count > 0;
  if (p.op == CompareOp::kIsNotNull) return non_null > 0;
  if (non_null == 0) return false;
  if (p.operand.is_null() || (p.op == CompareOp::kBetween && p.operand2.is_null())) return false;
  if (!zone.min.has_value() || !zone.max.has_value()) return true;
  const int lo = Value::Compare(*zone.min, p.operand);  // min vs operand
  const int hi = Value::Compare(*zone.max, p.operand);  // max vs operand
  switch (p.op) {
    case CompareOp::kEq:
      return lo <= 0 && hi >= 0;
    case CompareOp::kNe:
      return !(lo == 0 && hi == 0);
    case CompareOp::kLt:
      return lo < 0;
    case CompareOp::kLe:
      return lo <= 0;
    case CompareOp::kGt:
      return hi > 0;
    case CompareOp::kGe:
      return hi >= 0;
    case CompareOp::kBetween:
      return hi >= 0 && Value::Compare(*zone.min, p.operand2) <= 0;
    default:
      return true;
  }
}

namespace {

// Zone-map bounds that compare exactly as FilterColumn does (strings are
// left out: bpchar compares without trailing spaces there).
bool ExactBound(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kInt:
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kTimestamp:
      return true;
    case ValueKind::kNumeric:
      return !v.numeric_value().is_nan();
    default:
      return false;
  }
}

}  // namespace

bool ZoneAllMatch(const ColumnPredicate& p, const ZoneMap& zone) {
  if (zone.row_count == 0) return false;
  if (p.op == CompareOp::kIsNull) return zone.null_count == zone.row_count;
  if (p.op == CompareOp::kIsNotNull) return zone.null_count == 0;
  if (zone.null_count != 0 || !zone.min.has_value() || !zone.max.has_value()) return false;
  if (p.operand.is_null() || (p.op == CompareOp::kBetween && p.operand2.is_null())) return false;
  if (!ExactBound(*zone.min) || !ExactBound(*zone.max) || !ExactBound(p.operand)) return false;
  if (p.op == CompareOp::kBetween && !ExactBound(p.operand2)) return false;
  const int lo = Value::Compare(*zone.min, p.operand);  // min vs operand
  const int hi = Value::Compare(*zone.max, p.operand);  // max vs operand
  switch (p.op) {
    case CompareOp::kEq:
      return lo == 0 && hi == 0;
    case CompareOp::kNe:
      return lo > 0 || hi < 0;
    case CompareOp::kLt:
      return hi < 0;
    case CompareOp::kLe:
      return hi <= 0;
    case CompareOp::kGt:
      return lo > 0;
    case CompareOp::kGe:
      return lo >= 0;
    case CompareOp::kBetween:
      return lo >= 0 && Value::Compare(*zone.max, p.operand2) <= 0;
    default:
      return false;
  }
}

void FilterColumn(const ColumnPredicate& p, const ColumnVector& column,
                  std::vector<uint32_t>* selection) {
  std::vector<uint32_t>& sel = *selection;
  if (!IsComparison(p.op)) {
    const uint8_t want_null = p.op == CompareOp::kIsNull ? 1 : 0;
    size_t out = 0;
    for (const uint32_t i : sel) {
      if (column.nulls[i] == want_null) sel[out++] = i;
    }
    sel.resize(out);
    return;
  }
  if (p.operand.is_null() || (p.op == CompareOp::kBetween && p.operand2.is_null())) {
    sel.clear();
    return;
  }
  const Value& hi_operand = p.op == CompareOp::kBetween ? p.operand2 : p.operand;
  switch (column.physical) {
    case PhysicalType::kInt: {
      if (IsScaledNumeric(column.type)) {
        // An operand with more fraction digits than the column (or out of
        // its range) has no exact scaled form: compare as numerics.
        const int32_t scale = NumericTypeScale(column.type);
        if (!ScaleNumeric(p.operand.numeric_value(), scale, true).has_value() ||
            !ScaleNumeric(hi_operand.numeric_value(), scale, true).has_value()) {
          size_t out = 0;
          for (const uint32_t i : sel) {
            if (MatchValue(p, column.GetValue(i))) sel[out++] = i;
          }
          sel.resize(out);
          return;
        }
      }
      const int64_t a = IntPayload(column.type, p.operand);
      const int64_t b = IntPayload(column.type, hi_operand);
      // Every comparison is lo <= v <= hi over int64 (branch-free loop).
      int64_t lo = INT64_MIN;
      int64_t hi = INT64_MAX;
      bool negate = false;
      switch (p.op) {
        case CompareOp::kEq: lo = hi = a; break;
        case CompareOp::kNe: lo = hi = a; negate = true; break;
        case CompareOp::kLt:
          if (a == INT64_MIN) { sel.clear(); return; }
          hi = a - 1;
          break;
        case CompareOp::kLe: hi = a; break;
        case CompareOp::kGt:
          if (a == INT64_MAX) { sel.clear(); return; }
          lo = a + 1;
          break;
        case CompareOp::kGe: lo = a; break;
        case CompareOp::kBetween: lo = a; hi = b; break;
        default: break;
      }
      const int64_t* v = column.ints.data();
      const uint8_t* nl = column.nulls.data();
      uint32_t* s = sel.data();
      size_t out = 0;
      const size_t count = sel.size();
      for (size_t k = 0; k < count; ++k) {
        const uint32_t i = s[k];
        const bool in = (v[i] >= lo) & (v[i] <= hi);
        s[out] = i;
        out += static_cast<size_t>((in != negate) & (nl[i] == 0));
      }
      sel.resize(out);
      return;
    }
    case PhysicalType::kFloat: {
      const double a = p.operand.float_value();
      const double b = hi_operand.float_value();
      std::function<int(uint32_t)> cmp1 = [&](uint32_t i) { return CompareDoubles(column.floats[i], a); };
      std::function<int(uint32_t)> cmp2 = [&](uint32_t i) { return CompareDoubles(column.floats[i], b); };
      FilterTyped(p, column, cmp1, cmp2, selection);
      return;
    }
    case PhysicalType::kString: {
      const std::string_view a = p.operand.string_value();
      const std::string_view b = hi_operand.string_value();
      const TypeId t = column.type.id;
      std::function<int(uint32_t)> cmp1 = [&](uint32_t i) { return CompareStrings(t, column.strings[i], a); };
      std::function<int(uint32_t)> cmp2 = [&](uint32_t i) { return CompareStrings(t, column.strings[i], b); };
      FilterTyped(p, column, cmp1, cmp2, selection);
      return;
    }
    case PhysicalType::kEncoded: {
      size_t out = 0;
      for (const uint32_t i : sel) {
        if (MatchValue(p, column.values[i])) sel[out++] = i;
      }
      sel.resize(out);
      return;
    }
  }
}

}  // namespace strata::columnstore
