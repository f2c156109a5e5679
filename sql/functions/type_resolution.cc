#include "sql/functions/type_resolution.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sql/functions/builtins.h"

namespace strata::sql::functions {

std::string ArgType::ToString() const { return unknown_literal ? "unknown" : type.ToString(); }

char TypeCategory(TypeId id) {
  switch (id) {
    case TypeId::kBool:
      return 'B';
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kFloat4:
    case TypeId::kFloat8:
    case TypeId::kNumeric:
      return 'N';
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
      return 'S';
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return 'D';
    case TypeId::kInterval:
      return 'T';
    case TypeId::kBytea:
    case TypeId::kUuid:
    case TypeId::kJson:
    case TypeId::kJsonb:
      return 'U';
    case TypeId::kArray:
      return 'A';
    case TypeId::kRecord:
      return 'P';
    case TypeId::kInvalid:
      break;
  }
  return 'X';
}

bool IsPreferredType(TypeId id) {
  return id == TypeId::kFloat8 || id == TypeId::kText || id == TypeId::kTimestampTz ||
         id == TypeId::kInterval;
}

Result<DataType> SelectCommonType(std::span<const ArgType> types, std::string_view context) {
  STRATA_DCHECK(!types.empty());
  const ArgType* ptype = nullptr;
  bool all_same = !types[0].unknown_literal;
  for (const ArgType& t : types) {
    if (t.unknown_literal || t.type.id != types[0].type.id ||
        t.type.element != types[0].type.element) {
      all_same = false;
    }
  }
  if (all_same) {
    DataType result = types[0].type;
    for (const ArgType& t : types) {
      if (t.type.typmod != result.typmod) result.typmod = -1;
    }
    return result;
  }
  for (const ArgType& t : types) {
    if (t.unknown_literal) continue;
    if (ptype == nullptr) {
      ptype = &t;
      continue;
    }
    if (t.type.id == ptype->type.id && t.type.element == ptype->type.element) continue;
    const char pcategory = TypeCategory(ptype->type.id);
    if (TypeCategory(t.type.id) != pcategory) {
      return Status(SqlState::kDatatypeMismatch, std::string(context) + " types " +
                                                     ptype->type.ToString() + " and " +
                                                     t.type.ToString() + " cannot be matched");
    }
    if (!IsPreferredType(ptype->type.id) && CanCoerce(*ptype, t.type, CastContext::kImplicit) &&
        !CanCoerce(t, ptype->type, CastContext::kImplicit)) {
      ptype = &t;
    }
  }
  if (ptype == nullptr) return DataType::Of(TypeId::kText);
  // Keep the typmod only if every input has this type and typmod.
  DataType result = ptype->type;
  for (const ArgType& t : types) {
    if (t.unknown_literal || t.type != ptype->type) {
      result.typmod = -1;
      break;
    }
  }
  return result;
}

namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

int CompareDoubles(double a, double b) {
  if (std::isnan(a)) return std::isnan(b) ? 0 : 1;
  if (std::isnan(b)) return -1;
  return a < b ? -1 : (a > b ? 1 : 0);
}

Status NotComparable(const Value& a, const Value& b) {
  return Status(SqlState::kUndefinedFunction,
                "operator does not exist: " + a.data_type().ToString() + " = " +
                    b.data_type().ToString())
      .WithHint(
          "No operator matches the given name and argument types. You might need to add "
          "explicit type casts.");
}

}  // namespace

Result<int> CompareValues(const Value& a, const Value& b) {
  const TypeId ta = a.type();
  const TypeId tb = b.type();
  const char ca = TypeCategory(ta);
  const char cb = TypeCategory(tb);
  if (ca != cb) return NotComparable(a, b);
  switch (ca) {
    case 'N': {
      if (a.kind() == b.kind()) return Sign(Value::Compare(a, b));
      if (a.kind() == ValueKind::kFloat || b.kind() == ValueKind::kFloat) {
        auto as_double = [](const Value& v) {
          switch (v.kind()) {
            case ValueKind::kInt:
              return static_cast<double>(v.int_value());
            case ValueKind::kNumeric:
              return v.numeric_value().ToDouble();
            default:
              return v.float_value();
          }
        };
        return CompareDoubles(as_double(a), as_double(b));
      }
      // int vs numeric: exact.
      const Numeric na =
          a.kind() == ValueKind::kInt ? Numeric::FromInt64(a.int_value()) : a.numeric_value();
      const Numeric nb =
          b.kind() == ValueKind::kInt ? Numeric::FromInt64(b.int_value()) : b.numeric_value();
      return Sign(na.Compare(nb));
    }
    case 'S':
      if (ta == TypeId::kBpchar || tb == TypeId::kBpchar) {
        auto strip = [](std::string_view s) {
          while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
          return s;
        };
        return Sign(strip(a.string_value()).compare(strip(b.string_value())));
      }
      return Sign(a.string_value().compare(b.string_value()));
    case 'D': {
      if (ta == TypeId::kTime || tb == TypeId::kTime) {
        if (ta != tb) return NotComparable(a, b);
        return Sign(Value::Compare(a, b));
      }
      auto micros = [](const Value& v) {
        return v.type() == TypeId::kDate ? internal::DateToTimestamp(v.date_value())
                                         : v.timestamp_value();
      };
      const int64_t ma = micros(a);
      const int64_t mb = micros(b);
      return ma < mb ? -1 : (ma > mb ? 1 : 0);
    }
    case 'U':
      if (ta != tb || ta == TypeId::kJson) return NotComparable(a, b);
      return Sign(Value::Compare(a, b));
    case 'A': {
      if (a.array_element_type() != b.array_element_type()) return NotComparable(a, b);
      const auto& ea = a.array_elements();
      const auto& eb = b.array_elements();
      for (size_t i = 0; i < ea.size() && i < eb.size(); ++i) {
        if (ea[i].is_null() || eb[i].is_null()) {
          if (ea[i].is_null() && eb[i].is_null()) continue;
          return ea[i].is_null() ? 1 : -1;  // NULL elements sort last
        }
        STRATA_ASSIGN_OR_RETURN(int c, CompareValues(ea[i], eb[i]));
        if (c != 0) return c;
      }
      return ea.size() < eb.size() ? -1 : (ea.size() > eb.size() ? 1 : 0);
    }
    default:
      if (ta != tb) return NotComparable(a, b);
      return Sign(Value::Compare(a, b));
  }
}

}  // namespace strata::sql::functions
