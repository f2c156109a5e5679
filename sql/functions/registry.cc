#include "sql/functions/registry.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "common/value_text.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/builtins.h"
#include "sql/functions/cast.h"

namespace strata::sql::functions {
namespace internal {

Status OutOfRange(TypeId int_type) {
  const char* name = int_type == TypeId::kInt2   ? "smallint"
                     : int_type == TypeId::kInt4 ? "integer"
                                                 : "bigint";
  return Status(SqlState::kNumericValueOutOfRange, std::string(name) + " out of range");
}

Status DivisionByZero() { return Status(SqlState::kDivisionByZero, "division by zero"); }
Status FloatOverflow() {
  return Status(SqlState::kNumericValueOutOfRange, "value out of range: overflow");
}
Status FloatUnderflow() {
  return Status(SqlState::kNumericValueOutOfRange, "value out of range: underflow");
}

Status MakeInt(TypeId type, __int128 v, Value* out) {
  const __int128 hi = type == TypeId::kInt2   ? INT16_MAX
                      : type == TypeId::kInt4 ? INT32_MAX
                                              : INT64_MAX;
  if (v > hi || v < -hi - 1) return OutOfRange(type);
  *out = Value::Int(type, static_cast<int64_t>(v));
  return Status::OK();
}

Status MakeFloat(TypeId type, double v, bool inputs_inf, bool zero_ok, Value* out) {
  if (type == TypeId::kFloat4) {
    const float f = static_cast<float>(v);
    if (std::isinf(f) && !inputs_inf) return FloatOverflow();
    if (f == 0.0f && !zero_ok) return FloatUnderflow();
    *out = Value::Float4(f);
    return Status::OK();
  }
  if (std::isinf(v) && !inputs_inf) return FloatOverflow();
  if (v == 0.0 && !zero_ok) return FloatUnderflow();
  *out = Value::Float8(v);
  return Status::OK();
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

size_t Utf8Offset(std::string_view s, int64_t chars) {
  if (chars <= 0) return 0;
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == chars) return i;
      ++n;
    }
  }
  return s.size();
}

Result<std::string> OutputText(const Value& v, const EvalContext& ctx) {
  return FormatText(v, ctx.format);
}

Result<std::string> CastToText(const Value& v, const EvalContext& ctx) {
  switch (v.type()) {
    case TypeId::kBool:
      return std::string(v.bool_value() ? "true" : "false");
    case TypeId::kBpchar: {
      std::string_view s = v.string_value();
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      return std::string(s);
    }
    default:
      return FormatText(v, ctx.format);
  }
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int64_t DateToTimestamp(int32_t days) {
  if (days == kDatePositiveInfinity) return kTimestampPositiveInfinity;
  if (days == kDateNegativeInfinity) return kTimestampNegativeInfinity;
  return static_cast<int64_t>(days) * kMicrosPerDay;
}

}  // namespace internal

namespace {

using internal::AggregateDef;
using internal::FunctionDef;
using internal::ParamType;
using internal::Poly;
using internal::ReturnRule;

struct Catalog {
  std::unordered_map<std::string, std::vector<FunctionDef>> functions;
  std::unordered_map<std::string, std::vector<FunctionDef>> binary_operators;
  std::unordered_map<std::string, std::vector<FunctionDef>> prefix_operators;
  std::unordered_map<std::string, std::vector<AggregateDef>> aggregates;
};

const Catalog& GetCatalog() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog();
    std::vector<FunctionDef> defs;
    internal::AddStringFunctions(&defs);
    internal::AddMathFunctions(&defs);
    internal::AddDateTimeFunctions(&defs);
    internal::AddJsonFunctions(&defs);
    internal::AddArrayFunctions(&defs);
    for (FunctionDef& d : defs) c->functions[std::string(d.name)].push_back(std::move(d));
    std::vector<FunctionDef> ops;
    internal::AddOperators(&ops);
    internal::AddArrayOperators(&ops);
    for (FunctionDef& d : ops) {
      if (d.name.size() > 1 && d.name.back() == 'u' && d.params.size() == 1) {
        c->prefix_operators[std::string(d.name.substr(0, d.name.size() - 1))].push_back(
            std::move(d));
      } else {
        c->binary_operators[std::string(d.name)].push_back(std::move(d));
      }
    }
    std::vector<AggregateDef> aggs;
    internal::AddAggregates(&aggs);
    for (AggregateDef& d : aggs) c->aggregates[std::string(d.name)].push_back(std::move(d));
    return c;
  }();
  return *catalog;
}

std::string NormalizeName(std::string_view name) {
  std::string n = internal::AsciiLower(name);
  constexpr std::string_view kPrefix = "pg_catalog.";
  if (n.starts_with(kPrefix)) n.erase(0, kPrefix.size());
  return n;
}

bool IsPolymorphic(const ParamType& p) {
  return p.poly == Poly::kAnyElement || p.poly == Poly::kAnyNonArray || p.poly == Poly::kAnyArray;
}
bool IsCompatible(const ParamType& p) {
  return p.poly == Poly::kAnyCompatible || p.poly == Poly::kAnyCompatibleArray;
}

// A candidate with its parameter list expanded to the call's arity.
template <typename Def>
struct Candidate {
  const Def* def;
  std::vector<ParamType> params;
};

template <typename Def>
std::vector<ParamType> ExpandParams(const Def& def, size_t nargs, bool* ok) {
  *ok = false;
  std::vector<ParamType> params = def.params;
  bool variadic = false;
  if constexpr (std::is_same_v<Def, FunctionDef>) variadic = def.variadic_any;
  if (variadic) {
    if (nargs < params.size()) return {};
    while (params.size() < nargs) params.push_back(params.back());
  } else if (params.size() != nargs) {
    return {};
  }
  *ok = true;
  return params;
}

bool SameType(const DataType& a, const DataType& b) {
  return a.id == b.id && (!a.is_array() || a.element == b.element);
}

// The type a polymorphic candidate binds its element to; kInvalid if no
// known argument fixes it. Returns false on inconsistency.
bool BindPolymorphic(const std::vector<ParamType>& params, std::span<const ArgType> args,
                     DataType* element) {
  *element = DataType::Of(TypeId::kInvalid);
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].unknown_literal || !IsPolymorphic(params[i])) continue;

    DataType e = args[i].type;
    if (params[i].poly == Poly::kAnyArray) {
      if (!e.is_array()) return false;
      e = e.ElementType();
    } else if (params[i].poly == Poly::kAnyNonArray && e.is_array()) {
      return false;
    }
    e.typmod = -1;
    if (element->id == TypeId::kInvalid) {
      *element = e;
    } else if (!SameType(*element, e)) {
      return false;
    }
  }
  return true;
}

// The common type of the anycompatible-family arguments; kInvalid if all
// are unknown. Returns false if they have none.
bool BindCompatible(const std::vector<ParamType>& params, std::span<const ArgType> args,
                    DataType* common) {
  *common = DataType::Of(TypeId::kInvalid);
  std::vector<ArgType> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].unknown_literal || !IsCompatible(params[i])) continue;
    ArgType a = args[i];
    if (params[i].poly == Poly::kAnyCompatibleArray) {
      if (!a.type.is_array()) return false;
      a.type = a.type.ElementType();
    }
    a.type.typmod = -1;
    inputs.push_back(a);
  }
  if (inputs.empty()) return true;
  Result<DataType> t = SelectCommonType(inputs, "anycompatible");
  if (!t.ok()) return false;
  for (const ArgType& a : inputs) {
    if (!CanCoerce(a, *t, CastContext::kImplicit)) return false;
  }
  *common = *t;
  common->typmod = -1;
  return true;
}

bool Coercible(const ArgType& arg, const ParamType& p) {
  if (p.poly == Poly::kAny) return true;
  if (arg.unknown_literal) return true;
  switch (p.poly) {
    case Poly::kAnyElement:
      return true;
    case Poly::kAnyNonArray:
      return !arg.type.is_array();
    case Poly::kAnyArray:
    case Poly::kAnyCompatibleArray:
      return arg.type.is_array();
    case Poly::kAnyCompatible:
      return true;
    default:
      return CanCoerce(arg, DataType::Of(p.id), CastContext::kImplicit);
  }
}

bool ExactMatch(const ArgType& arg, const ParamType& p) {
  return !arg.unknown_literal && p.poly == Poly::kNone && !arg.type.is_array() &&
         arg.type.id == p.id;
}

char ParamCategory(const ParamType& p) { return p.poly == Poly::kNone ? TypeCategory(p.id) : 'P'; }
bool ParamPreferred(const ParamType& p) { return p.poly == Poly::kNone && IsPreferredType(p.id); }

// PostgreSQL's func_select_candidate (parse_func.c).
template <typename Def>
std::vector<Candidate<Def>> SelectCandidate(std::vector<Candidate<Def>> cands,
                                            std::span<const ArgType> args) {
  const size_t nargs = args.size();
  auto keep_max = [&cands](auto score) {
    int best = -1;
    std::vector<Candidate<Def>> kept;
    for (auto& c : cands) {
      const int s = score(c);
      if (s > best) {
        best = s;
        kept.clear();
      }
      if (s == best) kept.push_back(c);
    }
    cands = std::move(kept);
  };
  // Most exact matches on known inputs.
  keep_max([&](const Candidate<Def>& c) {
    int n = 0;
    for (size_t i = 0; i < nargs; ++i) n += ExactMatch(args[i], c.params[i]);
    return n;
  });
  if (cands.size() == 1) return cands;
  // Exact or preferred types where coercion is needed.
  keep_max([&](const Candidate<Def>& c) {
    int n = 0;
    for (size_t i = 0; i < nargs; ++i) {
      if (args[i].unknown_literal) continue;
      if (ExactMatch(args[i], c.params[i]) ||
          (ParamPreferred(c.params[i]) &&
           ParamCategory(c.params[i]) == TypeCategory(args[i].type.id))) {
        ++n;
      }
    }
    return n;
  });
  if (cands.size() == 1) return cands;
  size_t nunknowns = 0;
  for (const ArgType& a : args) nunknowns += a.unknown_literal;
  if (nunknowns == 0) return cands;
  // Unknown inputs: pick a category per position (string wins).
  std::vector<char> slot_category(nargs, 0);
  std::vector<bool> slot_preferred(nargs, false);
  bool resolved = true;
  for (size_t i = 0; i < nargs && resolved; ++i) {
    if (!args[i].unknown_literal) continue;
    bool conflict = false;
    for (const auto& c : cands) {
      const char cat = ParamCategory(c.params[i]);
      const bool pref = ParamPreferred(c.params[i]);
      if (slot_category[i] == 0) {
        slot_category[i] = cat;
        slot_preferred[i] = pref;
      } else if (cat == slot_category[i]) {
        slot_preferred[i] = slot_preferred[i] || pref;
      } else if (cat == 'S') {
        slot_category[i] = 'S';
        slot_preferred[i] = pref;
      } else if (slot_category[i] != 'S') {
        conflict = true;
      }
    }
    if (conflict && slot_category[i] != 'S') resolved = false;
  }
  if (resolved) {
    std::vector<Candidate<Def>> kept;
    for (auto& c : cands) {
      bool ok = true;
      for (size_t i = 0; i < nargs && ok; ++i) {
        if (!args[i].unknown_literal) continue;
        if (ParamCategory(c.params[i]) != slot_category[i]) ok = false;
        if (slot_preferred[i] && !ParamPreferred(c.params[i])) ok = false;
      }
      if (ok) kept.push_back(c);
    }
    if (!kept.empty()) cands = std::move(kept);
    if (cands.size() == 1) return cands;
  }
  // Last gasp: unknowns take the (single) known type.
  if (nunknowns < nargs) {
    const ArgType* known = nullptr;
    bool same = true;
    for (const ArgType& a : args) {
      if (a.unknown_literal) continue;
      if (known == nullptr) {
        known = &a;
      } else if (!SameType(known->type, a.type)) {
        same = false;
      }
    }
    if (same && known != nullptr) {
      const std::vector<ArgType> assumed(nargs, *known);
      std::vector<Candidate<Def>> kept;
      for (auto& c : cands) {
        bool ok = true;
        for (size_t i = 0; i < nargs && ok; ++i) ok = Coercible(assumed[i], c.params[i]);
        DataType bound;
        if (ok) ok = BindPolymorphic(c.params, assumed, &bound);
        if (ok) ok = BindCompatible(c.params, assumed, &bound);
        if (ok) kept.push_back(c);
      }
      if (kept.size() == 1) return kept;
    }
  }
  return cands;
}

enum class Outcome { kFound, kNotFound, kAmbiguous };

template <typename Def>
Outcome Resolve(const std::vector<Def>* defs, std::span<const ArgType> args, bool is_binary_op,
                Candidate<Def>* chosen) {
  if (defs == nullptr) return Outcome::kNotFound;
  std::vector<Candidate<Def>> all;
  for (const Def& d : *defs) {
    bool ok;
    std::vector<ParamType> params = ExpandParams(d, args.size(), &ok);
    if (ok) all.push_back(Candidate<Def>{&d, std::move(params)});
  }
  // Exact match (for binary operators, an unknown side first assumes the
  // other side's type).
  std::vector<ArgType> probe(args.begin(), args.end());
  if (is_binary_op && probe.size() == 2 && probe[0].unknown_literal != probe[1].unknown_literal) {
    const ArgType known = probe[0].unknown_literal ? probe[1] : probe[0];
    probe[0] = probe[1] = known;
  }
  for (const auto& c : all) {
    bool exact = true;
    for (size_t i = 0; i < probe.size() && exact; ++i) exact = ExactMatch(probe[i], c.params[i]);
    if (exact) {
      *chosen = c;
      return Outcome::kFound;
    }
  }
  std::vector<Candidate<Def>> viable;
  for (const auto& c : all) {
    bool ok = true;
    for (size_t i = 0; i < args.size() && ok; ++i) ok = Coercible(args[i], c.params[i]);
    DataType element;
    if (ok) ok = BindPolymorphic(c.params, args, &element);
    if (ok) ok = BindCompatible(c.params, args, &element);
    if (ok) viable.push_back(c);
  }
  if (viable.empty()) return Outcome::kNotFound;
  if (viable.size() > 1) viable = SelectCandidate(std::move(viable), args);
  if (viable.size() != 1) return Outcome::kAmbiguous;
  *chosen = viable[0];
  return Outcome::kFound;
}

// Fills argument and return types of a chosen candidate.
template <typename Def>
void BindTypes(const Candidate<Def>& c, std::span<const ArgType> args, TypeId fixed_ret,
               ReturnRule rule, std::vector<DataType>* arg_types, DataType* ret) {
  DataType element;
  BindPolymorphic(c.params, args, &element);
  if (element.id == TypeId::kInvalid) element = DataType::Of(TypeId::kText);
  DataType common;
  BindCompatible(c.params, args, &common);
  if (common.id == TypeId::kInvalid) common = DataType::Of(TypeId::kText);
  arg_types->clear();
  for (size_t i = 0; i < args.size(); ++i) {
    const ParamType& p = c.params[i];
    switch (p.poly) {
      case Poly::kNone:
        arg_types->push_back(DataType::Of(p.id));
        break;
      case Poly::kAny:
        arg_types->push_back(args[i].unknown_literal ? DataType::Of(TypeId::kText) : args[i].type);
        break;
      case Poly::kAnyArray:
        arg_types->push_back(DataType::Array(element.id, element.typmod));
        break;
      case Poly::kAnyElement:
      case Poly::kAnyNonArray:
        arg_types->push_back(element);
        break;
      case Poly::kAnyCompatible:
        arg_types->push_back(common);
        break;
      case Poly::kAnyCompatibleArray:
        arg_types->push_back(DataType::Array(common.id));
        break;
    }
  }
  switch (rule) {
    case ReturnRule::kFixed:
      *ret = DataType::Of(fixed_ret);
      break;
    case ReturnRule::kPolyElement:
      *ret = element;
      break;
    case ReturnRule::kPolyArray:
      *ret = element.is_array() ? element : DataType::Array(element.id, element.typmod);
      break;
    case ReturnRule::kCompatibleArray:
      *ret = DataType::Array(common.id);
      break;
    case ReturnRule::kTextArray:
      *ret = DataType::Array(TypeId::kText);
      break;
  }
}

std::string ArgList(std::span<const ArgType> args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    if (args[i].unknown_literal) {
      out += "unknown";
    } else {
      DataType t = args[i].type;
      t.typmod = -1;
      out += t.ToString();
    }
  }
  return out;
}

Status FunctionError(Outcome outcome, std::string_view name, std::span<const ArgType> args) {
  const std::string sig = std::string(name) + "(" + ArgList(args) + ")";
  if (outcome == Outcome::kAmbiguous) {
    return Status(SqlState("42725"), "function " + sig + " is not unique")
        .WithHint(
            "Could not choose a best candidate function. You might need to add explicit type "
            "casts.");
  }
  return Status(SqlState::kUndefinedFunction, "function " + sig + " does not exist")
      .WithHint(
          "No function matches the given name and argument types. You might need to add "
          "explicit type casts.");
}

// PostgreSQL cannot infer a polymorphic type from unknown literals alone.
template <typename Def>
Status CheckPolymorphicResolved(const Candidate<Def>& c, std::span<const ArgType> args) {
  bool polymorphic = false;
  for (const ParamType& p : c.params) polymorphic |= IsPolymorphic(p);
  if (!polymorphic) return Status::OK();
  DataType element;
  BindPolymorphic(c.params, args, &element);
  if (element.id != TypeId::kInvalid) return Status::OK();
  return Status(SqlState::kDatatypeMismatch,
                "could not determine polymorphic type because input has type unknown");
}

ResolvedFunction MakeResolved(const Candidate<FunctionDef>& c, std::span<const ArgType> args) {
  ResolvedFunction r;
  r.name = c.def->name;
  r.fn = c.def->fn;
  r.strict = c.def->strict;
  r.volatility = c.def->volatility;
  BindTypes(c, args, c.def->ret, c.def->return_rule, &r.arg_types, &r.return_type);
  return r;
}

}  // namespace

Status ResolvedFunction::Invoke(std::span<const Value> args, EvalContext& ctx, Value* out) const {
  if (strict) {
    for (const Value& a : args) {
      if (a.is_null()) {
        *out = Value::Null(return_type.id);
        return Status::OK();
      }
    }
  }
  return fn(args, ctx, out);
}

Result<ResolvedFunction> ResolveFunction(std::string_view name, std::span<const ArgType> args) {
  const std::string key = NormalizeName(name);
  const Catalog& catalog = GetCatalog();
  auto it = catalog.functions.find(key);
  Candidate<FunctionDef> chosen;
  const Outcome outcome =
      Resolve(it == catalog.functions.end() ? nullptr : &it->second, args, false, &chosen);
  if (outcome != Outcome::kFound) return FunctionError(outcome, key, args);
  STRATA_RETURN_IF_ERROR(CheckPolymorphicResolved(chosen, args));
  return MakeResolved(chosen, args);
}

Result<ResolvedFunction> ResolveOperator(std::string_view op, std::optional<ArgType> left,
                                         ArgType right) {
  std::string key(op);
  if (key == "!=") key = "<>";
  const Catalog& catalog = GetCatalog();
  const auto& table = left ? catalog.binary_operators : catalog.prefix_operators;
  auto it = table.find(key);
  std::vector<ArgType> args;
  if (left) args.push_back(*left);
  args.push_back(right);
  Candidate<FunctionDef> chosen;
  const Outcome outcome =
      Resolve(it == table.end() ? nullptr : &it->second, args, left.has_value(), &chosen);
  if (outcome != Outcome::kFound) {
    auto name_of = [](const ArgType& a) {
      if (a.unknown_literal) return std::string("unknown");
      DataType t = a.type;
      t.typmod = -1;
      return t.ToString();
    };
    const std::string sig =
        left ? name_of(*left) + " " + key + " " + name_of(right) : key + " " + name_of(right);
    if (outcome == Outcome::kAmbiguous) {
      return Status(SqlState("42725"), "operator is not unique: " + sig)
          .WithHint(
              "Could not choose a best candidate operator. You might need to add explicit type "
              "casts.");
    }
    return Status(SqlState::kUndefinedFunction, "operator does not exist: " + sig)
        .WithHint(
            "No operator matches the given name and argument types. You might need to add "
            "explicit type casts.");
  }
  ResolvedFunction r = MakeResolved(chosen, args);
  return r;
}

bool FunctionNameExists(std::string_view name) {
  const std::string key = NormalizeName(name);
  const Catalog& catalog = GetCatalog();
  return catalog.functions.contains(key) || catalog.aggregates.contains(key);
}

namespace {

uint32_t ParamOid(const internal::ParamType& p) {
  switch (p.poly) {
    case internal::Poly::kNone: return p.id == TypeId::kInvalid ? 0 : GetTypeInfo(p.id).oid;
    case internal::Poly::kAnyElement: return 2283;
    case internal::Poly::kAnyNonArray: return 2776;
    case internal::Poly::kAnyArray: return 2277;
    case internal::Poly::kAny: return 2276;
    case internal::Poly::kAnyCompatible: return 5077;
    case internal::Poly::kAnyCompatibleArray: return 5078;
  }
  return 0;
}

uint32_t ReturnOid(TypeId ret, internal::ReturnRule rule) {
  switch (rule) {
    case internal::ReturnRule::kFixed:
      return ret == TypeId::kInvalid || ret == TypeId::kArray ? 0 : GetTypeInfo(ret).oid;
    case internal::ReturnRule::kPolyElement: return 2283;
    case internal::ReturnRule::kPolyArray: return 2277;
    case internal::ReturnRule::kCompatibleArray: return 5078;
    case internal::ReturnRule::kTextArray: return 1009;
  }
  return 0;
}

}  // namespace

std::vector<FunctionListing> ListFunctions() {
  std::vector<FunctionListing> out;
  const Catalog& catalog = GetCatalog();
  for (const auto& [name, defs] : catalog.functions) {
    for (const auto& d : defs) {
      FunctionListing f;
      f.name = name;
      for (const auto& p : d.params) f.arg_type_oids.push_back(ParamOid(p));
      f.return_type_oid = ReturnOid(d.ret, d.return_rule);
      f.strict = d.strict;
      f.variadic = d.variadic_any;
      f.volatility = d.volatility;
      out.push_back(std::move(f));
    }
  }
  for (const auto& [name, defs] : catalog.aggregates) {
    for (const auto& d : defs) {
      FunctionListing f;
      f.name = name;
      for (const auto& p : d.params) f.arg_type_oids.push_back(ParamOid(p));
      f.return_type_oid = ReturnOid(d.ret, d.return_rule);
      f.is_aggregate = true;
      f.strict = d.strict;
      out.push_back(std::move(f));
    }
  }
  std::sort(out.begin(), out.end(), [](const FunctionListing& a, const FunctionListing& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.is_aggregate != b.is_aggregate) return b.is_aggregate;
    return a.arg_type_oids < b.arg_type_oids;
  });
  return out;
}

bool IsAggregateName(std::string_view name) {
  return GetCatalog().aggregates.contains(NormalizeName(name));
}

Result<ResolvedAggregate> ResolveAggregate(std::string_view name, std::span<const ArgType> args,
                                           bool distinct) {
  const std::string key = NormalizeName(name);
  const Catalog& catalog = GetCatalog();
  auto it = catalog.aggregates.find(key);
  Candidate<AggregateDef> chosen;
  const Outcome outcome =
      Resolve(it == catalog.aggregates.end() ? nullptr : &it->second, args, false, &chosen);
  if (outcome != Outcome::kFound) return FunctionError(outcome, key, args);
  STRATA_RETURN_IF_ERROR(CheckPolymorphicResolved(chosen, args));
  ResolvedAggregate r;
  r.name = chosen.def->name;
  r.strict = chosen.def->strict;
  r.distinct = distinct;
  r.new_state = chosen.def->new_state;
  BindTypes(chosen, args, chosen.def->ret, chosen.def->return_rule, &r.arg_types, &r.return_type);
  return r;
}

}  // namespace strata::sql::functions
