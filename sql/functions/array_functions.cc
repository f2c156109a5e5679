// One-dimensional array functions and operators (PostgreSQL 15's
// arrayfuncs.c / array_userfuncs.c). Arrays are 1-based.

#include <string>

#include "sql/functions/builtins.h"

namespace strata::sql::functions::internal {
namespace {

using Args = std::span<const Value>;

const std::vector<Value>& Elements(const Value& v) { return v.array_elements(); }

Status ArrayLength(Args args, EvalContext&, Value* out) {
  const int64_t dim = args[1].int_value();
  const size_t n = Elements(args[0]).size();
  *out = (dim == 1 && n > 0) ? Value::Int4(static_cast<int32_t>(n)) : Value::Null(TypeId::kInt4);
  return Status::OK();
}

template <bool kUpper>
Status ArrayBound(Args args, EvalContext&, Value* out) {
  const int64_t dim = args[1].int_value();
  const size_t n = Elements(args[0]).size();
  if (dim != 1 || n == 0) {
    *out = Value::Null(TypeId::kInt4);
  } else {
    *out = Value::Int4(kUpper ? static_cast<int32_t>(n) : 1);
  }
  return Status::OK();
}

Status Cardinality(Args args, EvalContext&, Value* out) {
  *out = Value::Int4(static_cast<int32_t>(Elements(args[0]).size()));
  return Status::OK();
}

Status ArrayNdims(Args args, EvalContext&, Value* out) {
  *out = Elements(args[0]).empty() ? Value::Null(TypeId::kInt4) : Value::Int4(1);
  return Status::OK();
}

// array_to_string(array, delimiter [, null_string]); non-strict in the
// third argument.
Status ArrayToString(Args args, EvalContext& ctx, Value* out) {
  if (args[0].is_null() || args[1].is_null()) {
    *out = Value::Null(TypeId::kText);
    return Status::OK();
  }
  const bool has_null_text = args.size() > 2 && !args[2].is_null();
  std::string r;
  bool first = true;
  for (const Value& e : Elements(args[0])) {
    if (e.is_null() && !has_null_text) continue;
    if (!first) r.append(args[1].string_value());
    first = false;
    if (e.is_null()) {
      r.append(args[2].string_value());
    } else {
      STRATA_ASSIGN_OR_RETURN(std::string s, OutputText(e, ctx));
      r += s;
    }
  }
  *out = Value::Text(std::move(r));
  return Status::OK();
}

// string_to_array(text, delimiter [, null_string]): a NULL delimiter splits
// into characters, an empty one yields the whole string.
Status StringToArray(Args args, EvalContext&, Value* out) {
  if (args[0].is_null()) {
    *out = Value::Null(TypeId::kArray);
    return Status::OK();
  }
  const std::string_view s = args[0].string_value();
  std::vector<Value> items;
  auto add = [&](std::string_view piece) {
    if (args.size() > 2 && !args[2].is_null() && piece == args[2].string_value()) {
      items.push_back(Value::Null(TypeId::kText));
    } else {
      items.push_back(Value::Text(std::string(piece)));
    }
  };
  if (!s.empty()) {
    if (args[1].is_null()) {
      size_t i = 0;
      while (i < s.size()) {
        const size_t n = std::max<size_t>(Utf8Offset(s.substr(i), 1), 1);
        add(s.substr(i, std::min(n, s.size() - i)));
        i += n;
      }
    } else if (args[1].string_value().empty()) {
      add(s);
    } else {
      const std::string_view delim = args[1].string_value();
      size_t pos = 0;
      while (true) {
        const size_t at = s.find(delim, pos);
        if (at == std::string_view::npos) break;
        add(s.substr(pos, at - pos));
        pos = at + delim.size();
      }
      add(s.substr(pos));
    }
  }
  *out = Value::Array(TypeId::kText, std::move(items));
  return Status::OK();
}

// array_append / array_prepend / array_cat / ||: NULL arrays act as empty.
Status ArrayAppend(Args args, EvalContext&, Value* out) {
  const Value& arr = args[0];
  const TypeId element = arr.is_null() ? args[1].type() : arr.array_element_type();
  std::vector<Value> items = arr.is_null() ? std::vector<Value>{} : Elements(arr);
  items.push_back(args[1].is_null() ? Value::Null(element) : args[1]);
  *out = Value::Array(element, std::move(items));
  return Status::OK();
}

Status ArrayPrepend(Args args, EvalContext&, Value* out) {
  const Value& arr = args[1];
  const TypeId element = arr.is_null() ? args[0].type() : arr.array_element_type();
  std::vector<Value> items;
  items.push_back(args[0].is_null() ? Value::Null(element) : args[0]);
  if (!arr.is_null()) items.insert(items.end(), Elements(arr).begin(), Elements(arr).end());
  *out = Value::Array(element, std::move(items));
  return Status::OK();
}

Status ArrayCat(Args args, EvalContext&, Value* out) {
  if (args[0].is_null() || args[1].is_null()) {
    *out = args[0].is_null() ? args[1] : args[0];
    return Status::OK();
  }
  std::vector<Value> items = Elements(args[0]);
  items.insert(items.end(), Elements(args[1]).begin(), Elements(args[1]).end());
  *out = Value::Array(args[0].array_element_type(), std::move(items));
  return Status::OK();
}

// Element equality for containment/search; NULLs never match.
Result<bool> ElementEquals(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return false;
  STRATA_ASSIGN_OR_RETURN(int c, CompareValues(a, b));
  return c == 0;
}

Result<bool> ContainsAll(const Value& big, const Value& small) {
  for (const Value& e : Elements(small)) {
    bool found = false;
    for (const Value& x : Elements(big)) {
      STRATA_ASSIGN_OR_RETURN(found, ElementEquals(e, x));
      if (found) break;
    }
    if (!found) return false;
  }
  return true;
}

Status ArrayContains(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(bool r, ContainsAll(args[0], args[1]));
  *out = Value::Bool(r);
  return Status::OK();
}

Status ArrayContained(Args args, EvalContext&, Value* out) {
  STRATA_ASSIGN_OR_RETURN(bool r, ContainsAll(args[1], args[0]));
  *out = Value::Bool(r);
  return Status::OK();
}

Status ArrayOverlap(Args args, EvalContext&, Value* out) {
  for (const Value& a : Elements(args[0])) {
    for (const Value& b : Elements(args[1])) {
      STRATA_ASSIGN_OR_RETURN(bool eq, ElementEquals(a, b));
      if (eq) {
        *out = Value::Bool(true);
        return Status::OK();
      }
    }
  }
  *out = Value::Bool(false);
  return Status::OK();
}

// array_position(array, element [, start]): IS NOT DISTINCT FROM search.
Status ArrayPosition(Args args, EvalContext&, Value* out) {
  if (args[0].is_null() || (args.size() > 2 && args[2].is_null())) {
    *out = Value::Null(TypeId::kInt4);
    return Status::OK();
  }
  const std::vector<Value>& items = Elements(args[0]);
  const int64_t start = args.size() > 2 ? std::max<int64_t>(args[2].int_value(), 1) : 1;
  for (size_t i = static_cast<size_t>(start - 1); i < items.size(); ++i) {
    bool match;
    if (items[i].is_null() || args[1].is_null()) {
      match = items[i].is_null() && args[1].is_null();
    } else {
      STRATA_ASSIGN_OR_RETURN(match, ElementEquals(items[i], args[1]));
    }
    if (match) {
      *out = Value::Int4(static_cast<int32_t>(i + 1));
      return Status::OK();
    }
  }
  *out = Value::Null(TypeId::kInt4);
  return Status::OK();
}

Status ArrayRemove(Args args, EvalContext&, Value* out) {
  if (args[0].is_null()) {
    *out = args[0];
    return Status::OK();
  }
  std::vector<Value> items;
  for (const Value& e : Elements(args[0])) {
    bool match;
    if (e.is_null() || args[1].is_null()) {
      match = e.is_null() && args[1].is_null();
    } else {
      STRATA_ASSIGN_OR_RETURN(match, ElementEquals(e, args[1]));
    }
    if (!match) items.push_back(e);
  }
  *out = Value::Array(args[0].array_element_type(), std::move(items));
  return Status::OK();
}

FunctionDef Def(std::string_view name, std::vector<ParamType> params, TypeId ret, ScalarFn fn,
                bool strict = true, ReturnRule rule = ReturnRule::kFixed) {
  return FunctionDef{name, std::move(params), ret, fn, strict, Volatility::kImmutable, rule};
}

}  // namespace

void AddArrayFunctions(std::vector<FunctionDef>* defs) {
  using T = TypeId;
  const ParamType int4 = P(T::kInt4);
  const ParamType text = P(T::kText);
  defs->push_back(Def("array_length", {AnyArray(), int4}, T::kInt4, ArrayLength));
  defs->push_back(Def("array_lower", {AnyArray(), int4}, T::kInt4, ArrayBound<false>));
  defs->push_back(Def("array_upper", {AnyArray(), int4}, T::kInt4, ArrayBound<true>));
  defs->push_back(Def("array_ndims", {AnyArray()}, T::kInt4, ArrayNdims));
  defs->push_back(Def("cardinality", {AnyArray()}, T::kInt4, Cardinality));
  defs->push_back(Def("array_to_string", {AnyArray(), text}, T::kText, ArrayToString));
  defs->push_back(Def("array_to_string", {AnyArray(), text, text}, T::kText, ArrayToString, false));
  defs->push_back(Def("string_to_array", {text, text}, T::kArray, StringToArray, false,
                      ReturnRule::kTextArray));
  defs->push_back(Def("string_to_array", {text, text, text}, T::kArray, StringToArray, false,
                      ReturnRule::kTextArray));
  const ReturnRule arr = ReturnRule::kCompatibleArray;
  defs->push_back(Def("array_append", {AnyCompatibleArray(), AnyCompatible()}, T::kArray,
                      ArrayAppend, false, arr));
  defs->push_back(Def("array_prepend", {AnyCompatible(), AnyCompatibleArray()}, T::kArray,
                      ArrayPrepend, false, arr));
  defs->push_back(Def("array_cat", {AnyCompatibleArray(), AnyCompatibleArray()}, T::kArray,
                      ArrayCat, false, arr));
  defs->push_back(Def("array_position", {AnyCompatibleArray(), AnyCompatible()}, T::kInt4,
                      ArrayPosition, false));
  defs->push_back(Def("array_position", {AnyCompatibleArray(), AnyCompatible(), int4}, T::kInt4,
                      ArrayPosition, false));
  defs->push_back(Def("array_remove", {AnyCompatibleArray(), AnyCompatible()}, T::kArray,
                      ArrayRemove, false, arr));
}

void AddArrayOperators(std::vector<FunctionDef>* defs) {
  using T = TypeId;
  const ReturnRule arr = ReturnRule::kCompatibleArray;
  defs->push_back(
      Def("||", {AnyCompatibleArray(), AnyCompatible()}, T::kArray, ArrayAppend, false, arr));
  defs->push_back(
      Def("||", {AnyCompatible(), AnyCompatibleArray()}, T::kArray, ArrayPrepend, false, arr));
  defs->push_back(
      Def("||", {AnyCompatibleArray(), AnyCompatibleArray()}, T::kArray, ArrayCat, false, arr));
  defs->push_back(Def("@>", {AnyArray(), AnyArray()}, T::kBool, ArrayContains));
  defs->push_back(Def("<@", {AnyArray(), AnyArray()}, T::kBool, ArrayContained));
  defs->push_back(Def("&&", {AnyArray(), AnyArray()}, T::kBool, ArrayOverlap));
}

}  // namespace strata::sql::functions::internal
