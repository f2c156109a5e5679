// Table-driven tests of casts, operators, functions and aggregates. The
// expected type, output text and SQLSTATE of every case in
// functions_cases.txt come from a real PostgreSQL 15 (gen_pg_expected.py).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/value_text.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/cast.h"
#include "sql/functions/registry.h"
#include "testing/status_matchers.h"

namespace strata::sql::functions {
namespace {

struct Case {
  const char* line;
  const char* type;
  const char* value;
  const char* sql_state;
};

const Case kCases[] = {
#include "functions_cases.inc"
};

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.emplace_back(
        s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

// A literal argument: its static type and its value (text for unknowns).
struct Arg {
  ArgType type;
  Value value;
  bool unknown_null = false;
};

Result<Arg> ParseArg(std::string_view token) {
  if (token == "\\N") token = "unknown:\\N";
  const size_t colon = token.find(':');
  const std::string_view type_name = token.substr(0, colon);
  const std::string_view text = token.substr(colon + 1);
  Arg arg;
  if (type_name == "unknown") {
    arg.type = ArgType::Unknown();
    if (text == "\\N") {
      arg.unknown_null = true;
    } else {
      arg.value = Value::Text(std::string(text));
    }
    return arg;
  }
  STRATA_ASSIGN_OR_RETURN(DataType type, ParseTypeName(type_name));
  arg.type = ArgType::Of(type);
  if (text == "\\N") {
    arg.value = Value::Null(type.id);
  } else {
    STRATA_ASSIGN_OR_RETURN(arg.value, ParseText(type, text));
  }
  return arg;
}

EvalContext MakeContext() {
  EvalContext ctx;
  ctx.transaction_start_micros = 643'000'000'000'000;
  ctx.statement_start_micros = ctx.transaction_start_micros;
  return ctx;
}

// Converts an argument to the type resolution chose for it.
Result<Value> Coerce(const Arg& arg, const DataType& target, EvalContext& ctx) {
  if (arg.type.unknown_literal) {
    if (arg.unknown_null) return Value::Null(target.id);
    return CoerceUnknownLiteral(arg.value.string_value(), target, ctx);
  }
  STRATA_ASSIGN_OR_RETURN(ResolvedCast cast, ResolveCast(arg.type, target, CastContext::kImplicit));
  Value out;
  STRATA_RETURN_IF_ERROR(cast.Apply(arg.value, ctx, &out));
  return out;
}

struct Outcome {
  DataType type;
  Value value;
};

Result<Outcome> CallFunction(const ResolvedFunction& fn, const std::vector<Arg>& args,
                             EvalContext& ctx) {
  std::vector<Value> values;
  for (size_t i = 0; i < args.size(); ++i) {
    STRATA_ASSIGN_OR_RETURN(Value v, Coerce(args[i], fn.arg_types[i], ctx));
    values.push_back(std::move(v));
  }
  Value out;
  STRATA_RETURN_IF_ERROR(fn.Invoke(values, ctx, &out));
  return Outcome{fn.return_type, std::move(out)};
}

Result<Outcome> Evaluate(const std::vector<std::string>& f, EvalContext& ctx) {
  const std::string& kind = f[0];
  if (kind == "op") {
    const std::string op = f[1] == "CAT" ? "||" : f[1];
    std::vector<Arg> args;
    std::optional<ArgType> left;
    if (f[2] != "\\") {
      STRATA_ASSIGN_OR_RETURN(Arg a, ParseArg(f[2]));
      left = a.type;
      args.push_back(std::move(a));
    }
    STRATA_ASSIGN_OR_RETURN(Arg b, ParseArg(f[3]));
    STRATA_ASSIGN_OR_RETURN(ResolvedFunction fn, ResolveOperator(op, left, b.type));
    args.push_back(std::move(b));
    return CallFunction(fn, args, ctx);
  }
  if (kind == "fn") {
    std::vector<Arg> args;
    std::vector<ArgType> types;
    for (size_t i = 2; i < f.size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(Arg a, ParseArg(f[i]));
      types.push_back(a.type);
      args.push_back(std::move(a));
    }
    STRATA_ASSIGN_OR_RETURN(ResolvedFunction fn, ResolveFunction(f[1], types));
    return CallFunction(fn, args, ctx);
  }
  if (kind == "cast") {
    STRATA_ASSIGN_OR_RETURN(Arg a, ParseArg(f[1]));
    STRATA_ASSIGN_OR_RETURN(DataType target, ParseTypeName(f[2]));
    const CastContext context =
        f[3] == "explicit" ? CastContext::kExplicit : CastContext::kAssignment;
    Result<ResolvedCast> resolved = ResolveCast(a.type, target, context);
    if (!resolved.ok() && context == CastContext::kAssignment) {
      // PostgreSQL's INSERT reports a missing assignment cast as 42804
      // ("column is of type X but expression is of type Y"): the binder's
      // message, not the cast library's.
      return Status(SqlState::kDatatypeMismatch, std::string(resolved.status().message()));
    }
    STRATA_ASSIGN_OR_RETURN(ResolvedCast cast, std::move(resolved));
    Value out;
    Value in = a.value;
    if (a.unknown_null) in = Value::Null();
    STRATA_RETURN_IF_ERROR(cast.Apply(in, ctx, &out));
    return Outcome{target, std::move(out)};
  }
  // agg|name|types|rows...
  const bool star = f[1] == "count*";
  std::vector<DataType> types;
  for (const std::string& t : Split(f[2], ',')) {
    STRATA_ASSIGN_OR_RETURN(DataType dt, ParseTypeName(t));
    types.push_back(dt);
  }
  std::vector<ArgType> arg_types;
  if (!star) {
    for (const DataType& t : types) arg_types.push_back(ArgType::Of(t));
  }
  STRATA_ASSIGN_OR_RETURN(ResolvedAggregate agg,
                          ResolveAggregate(star ? "count" : f[1], arg_types, false));
  std::unique_ptr<AggregateState> state = agg.NewState();
  for (size_t r = 3; r < f.size(); ++r) {
    const std::vector<std::string> cells = Split(f[r], ';');
    std::vector<Value> values;
    bool any_null = false;
    for (size_t i = 0; i < arg_types.size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(Arg a, ParseArg(Split(f[2], ',')[i] + ":" + cells[i]));
      STRATA_ASSIGN_OR_RETURN(Value v, Coerce(a, agg.arg_types[i], ctx));
      any_null |= v.is_null();
      values.push_back(std::move(v));
    }
    if (agg.strict && any_null) continue;
    STRATA_RETURN_IF_ERROR(state->Update(values, ctx));
  }
  Value out;
  STRATA_RETURN_IF_ERROR(state->Finalize(ctx, &out));
  return Outcome{agg.return_type, std::move(out)};
}

TEST(FunctionsTest, MatchesPostgres) {
  int checked = 0;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.line);
    EvalContext ctx = MakeContext();
    Result<Outcome> r = Evaluate(Split(c.line, '|'), ctx);
    ++checked;
    if (*c.sql_state != '\0') {
      if (r.ok()) {
        ADD_FAILURE() << "expected SQLSTATE " << c.sql_state << ", got a value";
      } else {
        EXPECT_EQ(r.status().sql_state().code(), c.sql_state) << r.status().ToString();
      }
      continue;
    }
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      continue;
    }
    DataType type = r->type;
    type.typmod = -1;
    // pg_typeof() names bpchar "character" (format_type without a typmod).
    EXPECT_EQ(type.id == TypeId::kBpchar ? "character" : type.ToString(), c.type);
    std::string text = "<NULL>";
    if (!r->value.is_null()) {
      Result<std::string> formatted = FormatText(r->value);
      text = formatted.ok() ? *formatted : formatted.status().ToString();
    }
    EXPECT_EQ(text, c.value);
  }
  EXPECT_GT(checked, 400);
}

TEST(FunctionsTest, ErrorMessagesFollowPostgres) {
  const ArgType int4 = ArgType::Of(TypeId::kInt4);
  Result<ResolvedFunction> f = ResolveFunction("foo", std::vector<ArgType>{int4});
  ASSERT_SQLSTATE(f, SqlState::kUndefinedFunction);
  EXPECT_EQ(f.status().message(), "function foo(integer) does not exist");
  EXPECT_EQ(f.status().hint(),
            "No function matches the given name and argument types. You might need to add "
            "explicit type casts.");
  Result<ResolvedFunction> op = ResolveOperator("+", int4, ArgType::Of(TypeId::kText));
  ASSERT_SQLSTATE(op, SqlState::kUndefinedFunction);
  EXPECT_EQ(op.status().message(), "operator does not exist: integer + text");
  Result<ResolvedFunction> ambiguous = ResolveOperator("+", ArgType::Unknown(), ArgType::Unknown());
  ASSERT_SQLSTATE(ambiguous, SqlState("42725"));
  EXPECT_EQ(ambiguous.status().message(), "operator is not unique: unknown + unknown");
  Result<ResolvedCast> cast =
      ResolveCast(ArgType::Of(TypeId::kInt4), DataType::Of(TypeId::kDate), CastContext::kExplicit);
  ASSERT_SQLSTATE(cast, SqlState("42846"));
  EXPECT_EQ(cast.status().message(), "cannot cast type integer to date");
}

TEST(FunctionsTest, ImplicitCastsFollowPgCast) {
  EXPECT_TRUE(
      CanCoerce(ArgType::Of(TypeId::kInt4), DataType::Of(TypeId::kInt8), CastContext::kImplicit));
  EXPECT_FALSE(
      CanCoerce(ArgType::Of(TypeId::kInt8), DataType::Of(TypeId::kInt4), CastContext::kImplicit));
  EXPECT_TRUE(
      CanCoerce(ArgType::Of(TypeId::kInt8), DataType::Of(TypeId::kInt4), CastContext::kAssignment));
  EXPECT_FALSE(
      CanCoerce(ArgType::Of(TypeId::kText), DataType::Of(TypeId::kInt4), CastContext::kAssignment));
  EXPECT_TRUE(
      CanCoerce(ArgType::Of(TypeId::kInt4), DataType::Of(TypeId::kText), CastContext::kAssignment));
  EXPECT_FALSE(
      CanCoerce(ArgType::Of(TypeId::kInt4), DataType::Of(TypeId::kText), CastContext::kImplicit));
  EXPECT_TRUE(CanCoerce(ArgType::Unknown(), DataType::Of(TypeId::kUuid), CastContext::kImplicit));
}

TEST(FunctionsTest, SelectCommonTypeFollowsPostgres) {
  std::vector<ArgType> ints = {ArgType::Of(TypeId::kInt4), ArgType::Of(TypeId::kNumeric),
                               ArgType::Unknown()};
  ASSERT_OK_AND_ASSIGN(DataType t, SelectCommonType(ints, "CASE"));
  EXPECT_EQ(t.id, TypeId::kNumeric);
  std::vector<ArgType> unknowns = {ArgType::Unknown(), ArgType::Unknown()};
  ASSERT_OK_AND_ASSIGN(t, SelectCommonType(unknowns, "COALESCE"));
  EXPECT_EQ(t.id, TypeId::kText);
  std::vector<ArgType> floats = {ArgType::Of(TypeId::kFloat8), ArgType::Of(TypeId::kNumeric)};
  ASSERT_OK_AND_ASSIGN(t, SelectCommonType(floats, "UNION"));
  EXPECT_EQ(t.id, TypeId::kFloat8);
  std::vector<ArgType> varchars = {ArgType::Of(DataType::Varchar(3)),
                                   ArgType::Of(DataType::Varchar(3))};
  ASSERT_OK_AND_ASSIGN(t, SelectCommonType(varchars, "UNION"));
  EXPECT_EQ(t, DataType::Varchar(3));
  std::vector<ArgType> bad = {ArgType::Of(TypeId::kInt4), ArgType::Of(TypeId::kText)};
  Result<DataType> r = SelectCommonType(bad, "COALESCE");
  ASSERT_SQLSTATE(r, SqlState::kDatatypeMismatch);
  EXPECT_EQ(r.status().message(), "COALESCE types integer and text cannot be matched");
}

TEST(FunctionsTest, AggregateStatesMerge) {
  EvalContext ctx = MakeContext();
  ASSERT_OK_AND_ASSIGN(
      ResolvedAggregate avg,
      ResolveAggregate("avg", std::vector<ArgType>{ArgType::Of(TypeId::kInt4)}, false));
  auto a = avg.NewState();
  auto b = avg.NewState();
  for (int v : {1, 2}) ASSERT_OK(a->Update(std::vector<Value>{Value::Int4(v)}, ctx));
  ASSERT_OK(b->Update(std::vector<Value>{Value::Int4(4)}, ctx));
  ASSERT_OK(a->Merge(*b));
  Value out;
  ASSERT_OK(a->Finalize(ctx, &out));
  EXPECT_EQ(FormatText(out).value(), "2.3333333333333333");
  ASSERT_OK_AND_ASSIGN(
      ResolvedAggregate agg,
      ResolveAggregate("string_agg",
                       std::vector<ArgType>{ArgType::Of(TypeId::kText), ArgType::Unknown()},
                       false));
  auto s1 = agg.NewState();
  auto s2 = agg.NewState();
  ASSERT_OK(s1->Update(std::vector<Value>{Value::Text("a"), Value::Text(",")}, ctx));
  ASSERT_OK(s2->Update(std::vector<Value>{Value::Text("b"), Value::Text(",")}, ctx));
  ASSERT_OK(s1->Merge(*s2));
  ASSERT_OK(s1->Finalize(ctx, &out));
  EXPECT_EQ(out.string_value(), "a,b");
}

TEST(FunctionsTest, TimeFunctionsUseTheContext) {
  EvalContext ctx = MakeContext();
  ASSERT_OK_AND_ASSIGN(ResolvedFunction now, ResolveFunction("now", {}));
  Value out;
  ASSERT_OK(now.Invoke({}, ctx, &out));
  EXPECT_EQ(out.timestamp_value(), ctx.transaction_start_micros);
  EXPECT_EQ(now.volatility, Volatility::kStable);
  ASSERT_OK_AND_ASSIGN(ResolvedFunction today, ResolveFunction("current_date", {}));
  ASSERT_OK(today.Invoke({}, ctx, &out));
  EXPECT_EQ(FormatText(out).value(), "2020-05-17");
  ASSERT_OK_AND_ASSIGN(Value literal,
                       CoerceUnknownLiteral("today", DataType::Of(TypeId::kTimestamp), ctx));
  EXPECT_EQ(FormatText(literal).value(), "2020-05-17 00:00:00");
  ASSERT_OK_AND_ASSIGN(ResolvedFunction random, ResolveFunction("random", {}));
  EXPECT_EQ(random.volatility, Volatility::kVolatile);
  ASSERT_OK(random.Invoke({}, ctx, &out));
  EXPECT_GE(out.float_value(), 0.0);
  EXPECT_LT(out.float_value(), 1.0);
  ASSERT_OK_AND_ASSIGN(ResolvedFunction uuid, ResolveFunction("gen_random_uuid", {}));
  ASSERT_OK(uuid.Invoke({}, ctx, &out));
  EXPECT_EQ(FormatText(out).value()[14], '4');
}

}  // namespace
}  // namespace strata::sql::functions

namespace strata::sql::functions {
namespace {

TEST(FunctionsTest, DistinctAggregatesDedupAcrossMerge) {
  EvalContext ctx;
  ASSERT_OK_AND_ASSIGN(
      ResolvedAggregate count,
      ResolveAggregate("count", std::vector<ArgType>{ArgType::Of(TypeId::kNumeric)},
                       /*distinct=*/true));
  auto a = count.NewState();
  auto b = count.NewState();
  for (const char* v : {"1.0", "1.00", "2"}) {
    ASSERT_OK(a->Update(std::vector<Value>{Value::FromNumeric(*Numeric::Parse(v))}, ctx));
  }
  for (const char* v : {"2", "3"}) {
    ASSERT_OK(b->Update(std::vector<Value>{Value::FromNumeric(*Numeric::Parse(v))}, ctx));
  }
  ASSERT_OK(a->Merge(*b));
  Value out;
  ASSERT_OK(a->Finalize(ctx, &out));
  EXPECT_EQ(out.int_value(), 3);
}

}  // namespace
}  // namespace strata::sql::functions
