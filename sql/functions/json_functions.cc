// JSON constructors and inspection: to_json/to_jsonb, json(b)_build_object,
// json(b)_build_array, json(b)_typeof, json(b)_array_length (PostgreSQL
// 15's json.c / jsonb.c behaviour).

#include <cmath>
#include <string>

#include "common/datetime.h"
#include "common/value_text.h"
#include "sql/functions/builtins.h"
#include "sql/functions/json_path.h"

namespace strata::sql::functions::internal {
namespace {

using Args = std::span<const Value>;

// ISO 8601 forms PostgreSQL uses inside JSON ("2020-05-17T13:14:15+00:00").
// The offset always has minutes, in the session time zone.
std::string JsonTimestamp(int64_t ts, bool with_tz, const EvalContext& ctx) {
  if (!IsFiniteTimestamp(ts)) return ts > 0 ? "infinity" : "-infinity";
  int32_t offset = 0;
  if (with_tz) ts = TimestampTzToLocal(ts, ctx.zone(), &offset);
  std::string text = FormatText(Value::Timestamp(ts)).value();
  std::string bc;
  if (text.ends_with(" BC")) {
    bc = " BC";
    text.resize(text.size() - 3);
  }
  const size_t space = text.find(' ');
  if (space != std::string::npos) text[space] = 'T';
  if (with_tz) {
    text += FormatUtcOffset(offset);
    if (offset % 3600 == 0) text += ":00";
  }
  return text + bc;
}

Status AppendJson(const Value& v, const EvalContext& ctx, std::string* out) {
  if (v.is_null()) {
    *out += "null";
    return Status::OK();
  }
  switch (v.type()) {
    case TypeId::kBool:
      *out += v.bool_value() ? "true" : "false";
      return Status::OK();
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
      *out += std::to_string(v.int_value());
      return Status::OK();
    case TypeId::kFloat4:
    case TypeId::kFloat8:
    case TypeId::kNumeric: {
      STRATA_ASSIGN_OR_RETURN(std::string text, FormatText(v, ctx.format));
      const bool finite = v.kind() == ValueKind::kNumeric ? !v.numeric_value().is_nan()
                                                          : std::isfinite(v.float_value());
      if (finite) {
        *out += text;
      } else {
        AppendJsonString(text, out);
      }
      return Status::OK();
    }
    case TypeId::kJson:
    case TypeId::kJsonb:
      *out += v.string_value();
      return Status::OK();
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      AppendJsonString(JsonTimestamp(v.timestamp_value(), v.type() == TypeId::kTimestampTz, ctx), out);
      return Status::OK();
    case TypeId::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.array_elements()) {
        if (!first) *out += ",";
        first = false;
        STRATA_RETURN_IF_ERROR(AppendJson(e, ctx, out));
      }
      out->push_back(']');
      return Status::OK();
    }
    default: {
      STRATA_ASSIGN_OR_RETURN(std::string text, CastToText(v, ctx));
      AppendJsonString(text, out);
      return Status::OK();
    }
  }
}

template <bool kJsonb>
Status ToJson(Args args, EvalContext& ctx, Value* out) {
  std::string text;
  STRATA_RETURN_IF_ERROR(AppendJson(args[0], ctx, &text));
  if (kJsonb) {
    STRATA_ASSIGN_OR_RETURN(text, NormalizeJsonb(text));
  }
  *out = Value::String(kJsonb ? TypeId::kJsonb : TypeId::kJson, std::move(text));
  return Status::OK();
}

template <bool kJsonb>
Status BuildObject(Args args, EvalContext& ctx, Value* out) {
  if (args.size() % 2 != 0) {
    return Status(SqlState::kInvalidParameterValue,
                  "argument list must have even number of elements")
        .WithHint(std::string("The arguments of ") + (kJsonb ? "jsonb" : "json") +
                  "_build_object() must consist of alternating keys and values.");
  }
  std::string text = "{";
  for (size_t i = 0; i < args.size(); i += 2) {
    if (args[i].is_null()) {
      return Status(SqlState("22004"), "null value not allowed for object key");
    }
    if (i > 0) text += ", ";
    STRATA_ASSIGN_OR_RETURN(std::string key, CastToText(args[i], ctx));
    AppendJsonString(key, &text);
    text += " : ";
    STRATA_RETURN_IF_ERROR(AppendJson(args[i + 1], ctx, &text));
  }
  text += "}";
  if (kJsonb) {
    STRATA_ASSIGN_OR_RETURN(text, NormalizeJsonb(text));
  }
  *out = Value::String(kJsonb ? TypeId::kJsonb : TypeId::kJson, std::move(text));
  return Status::OK();
}

template <bool kJsonb>
Status BuildArray(Args args, EvalContext& ctx, Value* out) {
  std::string text = "[";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) text += ", ";
    STRATA_RETURN_IF_ERROR(AppendJson(args[i], ctx, &text));
  }
  text += "]";
  if (kJsonb) {
    STRATA_ASSIGN_OR_RETURN(text, NormalizeJsonb(text));
  }
  *out = Value::String(kJsonb ? TypeId::kJsonb : TypeId::kJson, std::move(text));
  return Status::OK();
}

Status TypeOf(Args args, EvalContext&, Value* out) {
  *out = Value::Text(std::string(JsonTypeOf(args[0].string_value())));
  return Status::OK();
}

Status ArrayLength(Args args, EvalContext&, Value* out) {
  const std::string_view json = args[0].string_value();
  const std::string_view kind = JsonTypeOf(json);
  if (kind != "array") {
    const bool jsonb = args[0].type() == TypeId::kJsonb;
    return Status(SqlState::kInvalidParameterValue,
                  jsonb ? (kind == "object" ? "cannot get array length of a non-array"
                                            : "cannot get array length of a scalar")
                        : (kind == "object" ? "cannot get array length of a non-array"
                                            : "cannot get array length of a scalar"));
  }
  int32_t n = 0;
  while (JsonArrayElement(json, n)) ++n;
  *out = Value::Int4(n);
  return Status::OK();
}

}  // namespace

void AddJsonFunctions(std::vector<FunctionDef>* defs) {
  using T = TypeId;
  defs->push_back(
      FunctionDef{"to_json", {AnyElement()}, T::kJson, ToJson<false>, true, Volatility::kStable});
  defs->push_back(
      FunctionDef{"to_jsonb", {AnyElement()}, T::kJsonb, ToJson<true>, true, Volatility::kStable});
  defs->push_back(FunctionDef{"json_build_object",
                              {Any()},
                              T::kJson,
                              BuildObject<false>,
                              false,
                              Volatility::kStable,
                              ReturnRule::kFixed,
                              true});
  defs->push_back(FunctionDef{
      "json_build_object", {}, T::kJson, BuildObject<false>, false, Volatility::kStable});
  defs->push_back(FunctionDef{"jsonb_build_object",
                              {Any()},
                              T::kJsonb,
                              BuildObject<true>,
                              false,
                              Volatility::kStable,
                              ReturnRule::kFixed,
                              true});
  defs->push_back(FunctionDef{
      "jsonb_build_object", {}, T::kJsonb, BuildObject<true>, false, Volatility::kStable});
  defs->push_back(FunctionDef{"json_build_array",
                              {Any()},
                              T::kJson,
                              BuildArray<false>,
                              false,
                              Volatility::kStable,
                              ReturnRule::kFixed,
                              true});
  defs->push_back(
      FunctionDef{"json_build_array", {}, T::kJson, BuildArray<false>, false, Volatility::kStable});
  defs->push_back(FunctionDef{"jsonb_build_array",
                              {Any()},
                              T::kJsonb,
                              BuildArray<true>,
                              false,
                              Volatility::kStable,
                              ReturnRule::kFixed,
                              true});
  defs->push_back(FunctionDef{
      "jsonb_build_array", {}, T::kJsonb, BuildArray<true>, false, Volatility::kStable});
  defs->push_back(FunctionDef{"json_typeof", {P(T::kJson)}, T::kText, TypeOf});
  defs->push_back(FunctionDef{"jsonb_typeof", {P(T::kJsonb)}, T::kText, TypeOf});
  defs->push_back(FunctionDef{"json_array_length", {P(T::kJson)}, T::kInt4, ArrayLength});
  defs->push_back(FunctionDef{"jsonb_array_length", {P(T::kJsonb)}, T::kInt4, ArrayLength});
}

}  // namespace strata::sql::functions::internal
