// Built-in aggregates with PostgreSQL 15's result types (pg_aggregate).

#include "sql/functions/aggregate.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>

#include "common/datetime.h"
#include "sql/functions/builtins.h"

namespace strata::sql::functions::internal {
namespace {

using Args = std::span<const Value>;

template <typename Derived>
const Derived& Cast(const AggregateState& s) {
  return static_cast<const Derived&>(s);
}

Numeric NumericFromInt128(__int128 v) {
  const bool neg = v < 0;
  unsigned __int128 mag =
      neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  } while (mag > 0);
  return Numeric::FromParts(neg, digits, 0).value();
}

// count(*) and count(x).
class CountState final : public AggregateState {
 public:
  Status Update(Args, EvalContext&) override {
    ++count_;
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    count_ += Cast<CountState>(other).count_;
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    *out = Value::Int8(count_);
    return Status::OK();
  }
  size_t MemoryUsage() const override { return sizeof(*this); }

 private:
  int64_t count_ = 0;
};

// sum/avg over integers: exact 128-bit accumulation.
class IntSumState final : public AggregateState {
 public:
  IntSumState(TypeId result, bool avg) : result_(result), avg_(avg) {}
  Status Update(Args args, EvalContext&) override {
    sum_ += args[0].int_value();
    ++count_;
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<IntSumState>(other);
    sum_ += o.sum_;
    count_ += o.count_;
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    if (count_ == 0) {
      *out = Value::Null(result_);
      return Status::OK();
    }
    if (avg_) {
      STRATA_ASSIGN_OR_RETURN(Numeric q,
                              NumericFromInt128(sum_).Divide(Numeric::FromInt64(count_)));
      *out = Value::FromNumeric(std::move(q));
      return Status::OK();
    }
    if (result_ == TypeId::kInt8) return MakeInt(TypeId::kInt8, sum_, out);
    *out = Value::FromNumeric(NumericFromInt128(sum_));
    return Status::OK();
  }
  size_t MemoryUsage() const override { return sizeof(*this); }

 private:
  TypeId result_;
  bool avg_;
  __int128 sum_ = 0;
  int64_t count_ = 0;
};

class NumericSumState final : public AggregateState {
 public:
  explicit NumericSumState(bool avg) : avg_(avg) {}
  Status Update(Args args, EvalContext&) override {
    STRATA_ASSIGN_OR_RETURN(sum_, sum_.Add(args[0].numeric_value()));
    ++count_;
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<NumericSumState>(other);
    STRATA_ASSIGN_OR_RETURN(sum_, sum_.Add(o.sum_));
    count_ += o.count_;
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    if (count_ == 0) {
      *out = Value::Null(TypeId::kNumeric);
      return Status::OK();
    }
    if (!avg_) {
      *out = Value::FromNumeric(sum_);
      return Status::OK();
    }
    STRATA_ASSIGN_OR_RETURN(Numeric q, sum_.Divide(Numeric::FromInt64(count_)));
    *out = Value::FromNumeric(std::move(q));
    return Status::OK();
  }
  size_t MemoryUsage() const override { return sizeof(*this) + sum_.digits().capacity(); }

 private:
  bool avg_;
  Numeric sum_;
  int64_t count_ = 0;
};

class FloatSumState final : public AggregateState {
 public:
  FloatSumState(TypeId result, bool avg) : result_(result), avg_(avg) {}
  Status Update(Args args, EvalContext&) override {
    const double v = args[0].float_value();
    const bool inf = std::isinf(v) || std::isinf(sum_);
    if (avg_) {
      // avg(float) runs PostgreSQL's float8_accum, whose sum of squared
      // deviations can overflow even when the sum does not.
      ++count_;
      sum_ += v;
      if (count_ > 1) {
        const double n = static_cast<double>(count_);
        const double tmp = v * n - sum_;
        sxx_ += tmp * tmp / (n * (n - 1.0));
        if (std::isinf(sum_) || std::isinf(sxx_)) {
          if (!inf) return FloatOverflow();
          sxx_ = std::nan("");
        }
      } else if (std::isnan(v) || std::isinf(v)) {
        sxx_ = std::nan("");
      }
      return Status::OK();
    }
    if (result_ == TypeId::kFloat4) {
      sum_ = static_cast<double>(static_cast<float>(sum_) + static_cast<float>(v));
    } else {
      sum_ += v;
    }
    if (std::isinf(sum_) && !inf) return FloatOverflow();
    ++count_;
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<FloatSumState>(other);
    sum_ += o.sum_;
    count_ += o.count_;
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    if (count_ == 0) {
      *out = Value::Null(result_);
      return Status::OK();
    }
    if (avg_) {
      *out = Value::Float8(sum_ / static_cast<double>(count_));
    } else if (result_ == TypeId::kFloat4) {
      *out = Value::Float4(static_cast<float>(sum_));
    } else {
      *out = Value::Float8(sum_);
    }
    return Status::OK();
  }
  size_t MemoryUsage() const override { return sizeof(*this); }

 private:
  TypeId result_;
  bool avg_;
  double sum_ = 0;
  double sxx_ = 0;  // avg only: float8_accum's Sxx
  int64_t count_ = 0;
};

class IntervalSumState final : public AggregateState {
 public:
  explicit IntervalSumState(bool avg) : avg_(avg) {}
  Status Update(Args args, EvalContext&) override {
    STRATA_ASSIGN_OR_RETURN(sum_, IntervalAdd(sum_, args[0].interval_value()));
    ++count_;
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<IntervalSumState>(other);
    STRATA_ASSIGN_OR_RETURN(sum_, IntervalAdd(sum_, o.sum_));
    count_ += o.count_;
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    if (count_ == 0) {
      *out = Value::Null(TypeId::kInterval);
      return Status::OK();
    }
    if (!avg_) {
      *out = Value::FromInterval(sum_);
      return Status::OK();
    }
    STRATA_ASSIGN_OR_RETURN(Interval r, IntervalDivide(sum_, static_cast<double>(count_)));
    *out = Value::FromInterval(r);
    return Status::OK();
  }
  size_t MemoryUsage() const override { return sizeof(*this); }

 private:
  bool avg_;
  Interval sum_;
  int64_t count_ = 0;
};

class MinMaxState final : public AggregateState {
 public:
  MinMaxState(TypeId result, bool max) : result_(result), max_(max) {}
  Status Update(Args args, EvalContext&) override { return Offer(args[0]); }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<MinMaxState>(other);
    return o.best_.is_null() ? Status::OK() : Offer(o.best_);
  }
  Status Finalize(EvalContext&, Value* out) const override {
    *out = best_.is_null() ? Value::Null(result_) : best_;
    return Status::OK();
  }
  size_t MemoryUsage() const override {
    return sizeof(*this) + (best_.kind() == ValueKind::kString ? best_.string_value().size() : 0);
  }

 private:
  Status Offer(const Value& v) {
    if (best_.is_null()) {
      best_ = v;
      return Status::OK();
    }
    STRATA_ASSIGN_OR_RETURN(int c, CompareValues(v, best_));
    // Ties take the newer value, as PostgreSQL's *_larger/*_smaller.
    if (max_ ? c >= 0 : c <= 0) best_ = v;
    return Status::OK();
  }

  TypeId result_;
  bool max_;
  Value best_;
};

class BoolState final : public AggregateState {
 public:
  explicit BoolState(bool is_and) : is_and_(is_and) {}
  Status Update(Args args, EvalContext&) override {
    Fold(args[0].bool_value());
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<BoolState>(other);
    if (o.seen_) Fold(o.value_);
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    *out = seen_ ? Value::Bool(value_) : Value::Null(TypeId::kBool);
    return Status::OK();
  }
  size_t MemoryUsage() const override { return sizeof(*this); }

 private:
  void Fold(bool v) {
    value_ = !seen_ ? v : (is_and_ ? (value_ && v) : (value_ || v));
    seen_ = true;
  }
  bool is_and_;
  bool seen_ = false;
  bool value_ = false;
};

// string_agg: NULL values are skipped; a NULL delimiter counts as empty.
class StringAggState final : public AggregateState {
 public:
  explicit StringAggState(TypeId result) : result_(result) {}
  Status Update(Args args, EvalContext&) override {
    if (args[0].is_null()) return Status::OK();
    if (seen_ && !args[1].is_null()) text_.append(args[1].string_value());
    // The first delimiter is kept so that Merge can join partial states.
    if (!seen_) first_delimiter_ = args[1].is_null() ? "" : std::string(args[1].string_value());
    text_.append(args[0].string_value());
    seen_ = true;
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<StringAggState>(other);
    if (!o.seen_) return Status::OK();
    if (seen_) text_.append(o.first_delimiter_);
    if (!seen_) first_delimiter_ = o.first_delimiter_;
    text_.append(o.text_);
    seen_ = true;
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    *out = seen_ ? Value::String(result_, text_) : Value::Null(result_);
    return Status::OK();
  }
  size_t MemoryUsage() const override { return sizeof(*this) + text_.capacity(); }

 private:
  TypeId result_;
  bool seen_ = false;
  std::string text_;
  std::string first_delimiter_;
};

// array_agg keeps NULL inputs as NULL elements.
class ArrayAggState final : public AggregateState {
 public:
  explicit ArrayAggState(TypeId element) : element_(element) {}
  Status Update(Args args, EvalContext&) override {
    elements_.push_back(args[0].is_null() ? Value::Null(element_) : args[0]);
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<ArrayAggState>(other);
    elements_.insert(elements_.end(), o.elements_.begin(), o.elements_.end());
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    *out = elements_.empty() ? Value::Null(TypeId::kArray) : Value::Array(element_, elements_);
    return Status::OK();
  }
  size_t MemoryUsage() const override {
    return sizeof(*this) + elements_.capacity() * sizeof(Value);
  }

 private:
  TypeId element_;
  std::vector<Value> elements_;
};

// DISTINCT: remembers every argument tuple and forwards only new ones.
class DistinctState final : public AggregateState {
 public:
  explicit DistinctState(std::unique_ptr<AggregateState> inner) : inner_(std::move(inner)) {}
  Status Update(Args args, EvalContext& ctx) override {
    std::vector<Value> key(args.begin(), args.end());
    if (!seen_.insert(key).second) return Status::OK();
    bytes_ += 64 * key.size();
    return inner_->Update(args, ctx);
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<DistinctState>(other);
    // Aggregate updates never read the context; one per thread avoids
    // seeding a generator per merge.
    thread_local EvalContext ctx;
    for (const std::vector<Value>& key : o.seen_) {
      if (!seen_.insert(key).second) continue;
      bytes_ += 64 * key.size();
      STRATA_RETURN_IF_ERROR(inner_->Update(key, ctx));
    }
    return Status::OK();
  }
  Status Finalize(EvalContext& ctx, Value* out) const override {
    return inner_->Finalize(ctx, out);
  }
  size_t MemoryUsage() const override { return sizeof(*this) + bytes_ + inner_->MemoryUsage(); }

 private:
  struct KeyHash {
    size_t operator()(const std::vector<Value>& k) const { return HashValues(k); }
  };
  std::unique_ptr<AggregateState> inner_;
  std::unordered_set<std::vector<Value>, KeyHash> seen_;
  size_t bytes_ = 0;
};

enum class VarianceKind { kVarPop, kVarSamp, kStddevPop, kStddevSamp };

// Float variance with PostgreSQL's Youngs-Cramer accumulation
// (float8_accum / float8_combine / float8_var_*), bit-for-bit.
class FloatVarianceState final : public AggregateState {
 public:
  explicit FloatVarianceState(VarianceKind kind) : kind_(kind) {}
  Status Update(Args args, EvalContext&) override {
    const double x = args[0].float_value();
    const double old_n = n_;
    n_ += 1.0;
    sx_ += x;
    if (old_n > 0.0) {
      const double tmp = x * n_ - sx_;
      sxx_ += tmp * tmp / (n_ * old_n);
      if (std::isinf(sx_) || std::isinf(sxx_)) {
        if (!std::isinf(x)) return FloatOverflow();
        sxx_ = std::nan("");
      }
    } else if (std::isnan(x) || std::isinf(x)) {
      sxx_ = std::nan("");
    }
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<FloatVarianceState>(other);
    if (o.n_ == 0.0) return Status::OK();
    if (n_ == 0.0) {
      n_ = o.n_;
      sx_ = o.sx_;
      sxx_ = o.sxx_;
      return Status::OK();
    }
    const double n = n_ + o.n_;
    const double tmp = sx_ / n_ - o.sx_ / o.n_;
    sxx_ = sxx_ + o.sxx_ + n_ * o.n_ * tmp * tmp / n;
    sx_ += o.sx_;
    n_ = n;
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    const bool sample = kind_ == VarianceKind::kVarSamp || kind_ == VarianceKind::kStddevSamp;
    if (n_ == 0.0 || (sample && n_ <= 1.0)) {
      *out = Value::Null(TypeId::kFloat8);
      return Status::OK();
    }
    const double var = sxx_ / (sample ? n_ - 1.0 : n_);
    const bool stddev = kind_ == VarianceKind::kStddevPop || kind_ == VarianceKind::kStddevSamp;
    *out = Value::Float8(stddev ? std::sqrt(var) : var);
    return Status::OK();
  }
  size_t MemoryUsage() const override { return sizeof(*this); }

 private:
  VarianceKind kind_;
  double n_ = 0;
  double sx_ = 0;
  double sxx_ = 0;
};

// Exact variance over integers and numerics (numeric_stddev_internal):
// (N * sumX2 - sumX^2) / (N * (N - 1)) with select_div_scale, then sqrt at
// that scale.
class NumericVarianceState final : public AggregateState {
 public:
  explicit NumericVarianceState(VarianceKind kind) : kind_(kind) {}
  Status Update(Args args, EvalContext&) override {
    if (args[0].kind() == ValueKind::kInt && args[0].type() != TypeId::kInt8) {
      const __int128 x = args[0].int_value();
      small_sx_ += x;
      small_sxx_ += x * x;
    } else {
      const Numeric x = args[0].kind() == ValueKind::kInt ? Numeric::FromInt64(args[0].int_value())
                                                          : args[0].numeric_value();
      if (x.is_nan()) nan_ = true;
      if (!nan_) {
        STRATA_ASSIGN_OR_RETURN(sx_, sx_.Add(x));
        STRATA_ASSIGN_OR_RETURN(Numeric sq, x.Multiply(x));
        STRATA_ASSIGN_OR_RETURN(sxx_, sxx_.Add(sq));
      }
    }
    ++n_;
    return Status::OK();
  }
  Status Merge(const AggregateState& other) override {
    const auto& o = Cast<NumericVarianceState>(other);
    n_ += o.n_;
    small_sx_ += o.small_sx_;
    small_sxx_ += o.small_sxx_;
    nan_ |= o.nan_;
    STRATA_ASSIGN_OR_RETURN(sx_, sx_.Add(o.sx_));
    STRATA_ASSIGN_OR_RETURN(sxx_, sxx_.Add(o.sxx_));
    return Status::OK();
  }
  Status Finalize(EvalContext&, Value* out) const override {
    const bool sample = kind_ == VarianceKind::kVarSamp || kind_ == VarianceKind::kStddevSamp;
    if (n_ == 0 || (sample && n_ <= 1)) {
      *out = Value::Null(TypeId::kNumeric);
      return Status::OK();
    }
    if (nan_) {
      *out = Value::FromNumeric(Numeric::NaN());
      return Status::OK();
    }
    STRATA_ASSIGN_OR_RETURN(Numeric sx, sx_.Add(NumericFromInt128(small_sx_)));
    STRATA_ASSIGN_OR_RETURN(Numeric sxx, sxx_.Add(NumericFromInt128(small_sxx_)));
    const Numeric n = Numeric::FromInt64(n_);
    STRATA_ASSIGN_OR_RETURN(Numeric sx_sq, sx.Multiply(sx));
    STRATA_ASSIGN_OR_RETURN(Numeric n_sxx, n.Multiply(sxx));
    STRATA_ASSIGN_OR_RETURN(Numeric num, n_sxx.Subtract(sx_sq));
    if (num.is_zero() || num.is_negative()) {
      *out = Value::FromNumeric(Numeric::FromInt64(0));
      return Status::OK();
    }
    STRATA_ASSIGN_OR_RETURN(Numeric den, n.Multiply(sample ? Numeric::FromInt64(n_ - 1) : n));
    STRATA_ASSIGN_OR_RETURN(Numeric var, num.Divide(den));
    if (kind_ == VarianceKind::kStddevPop || kind_ == VarianceKind::kStddevSamp) {
      STRATA_ASSIGN_OR_RETURN(var, NumericSqrt(var, var.scale()));
    }
    *out = Value::FromNumeric(std::move(var));
    return Status::OK();
  }
  size_t MemoryUsage() const override {
    return sizeof(*this) + sx_.digits().size() + sxx_.digits().size();
  }

 private:
  VarianceKind kind_;
  int64_t n_ = 0;
  __int128 small_sx_ = 0;
  __int128 small_sxx_ = 0;
  Numeric sx_;
  Numeric sxx_;
  bool nan_ = false;
};

template <VarianceKind kKind>
std::unique_ptr<AggregateState> NewVariance(const ResolvedAggregate& agg) {
  if (IsFloatType(agg.arg_types[0].id)) return std::make_unique<FloatVarianceState>(kKind);
  return std::make_unique<NumericVarianceState>(kKind);
}

std::unique_ptr<AggregateState> NewCount(const ResolvedAggregate&) {
  return std::make_unique<CountState>();
}

template <bool kAvg>
std::unique_ptr<AggregateState> NewSum(const ResolvedAggregate& agg) {
  const TypeId in = agg.arg_types[0].id;
  const TypeId out = agg.return_type.id;
  if (IsIntegerType(in)) return std::make_unique<IntSumState>(out, kAvg);
  if (IsFloatType(in)) return std::make_unique<FloatSumState>(out, kAvg);
  if (in == TypeId::kInterval) return std::make_unique<IntervalSumState>(kAvg);
  return std::make_unique<NumericSumState>(kAvg);
}

template <bool kMax>
std::unique_ptr<AggregateState> NewMinMax(const ResolvedAggregate& agg) {
  return std::make_unique<MinMaxState>(agg.return_type.id, kMax);
}

template <bool kAnd>
std::unique_ptr<AggregateState> NewBool(const ResolvedAggregate&) {
  return std::make_unique<BoolState>(kAnd);
}

std::unique_ptr<AggregateState> NewStringAgg(const ResolvedAggregate& agg) {
  return std::make_unique<StringAggState>(agg.return_type.id);
}

std::unique_ptr<AggregateState> NewArrayAgg(const ResolvedAggregate& agg) {
  return std::make_unique<ArrayAggState>(agg.arg_types[0].id);
}

}  // namespace

void AddAggregates(std::vector<AggregateDef>* defs) {
  using T = TypeId;
  defs->push_back(AggregateDef{"count", {}, T::kInt8, ReturnRule::kFixed, false, NewCount});
  defs->push_back(AggregateDef{"count", {Any()}, T::kInt8, ReturnRule::kFixed, true, NewCount});
  const std::pair<T, T> sums[] = {{T::kInt2, T::kInt8},        {T::kInt4, T::kInt8},
                                  {T::kInt8, T::kNumeric},     {T::kFloat4, T::kFloat4},
                                  {T::kFloat8, T::kFloat8},    {T::kNumeric, T::kNumeric},
                                  {T::kInterval, T::kInterval}};
  for (const auto& [in, out] : sums) {
    defs->push_back(AggregateDef{"sum", {P(in)}, out, ReturnRule::kFixed, true, NewSum<false>});
  }
  const std::pair<T, T> avgs[] = {{T::kInt2, T::kNumeric},     {T::kInt4, T::kNumeric},
                                  {T::kInt8, T::kNumeric},     {T::kFloat4, T::kFloat8},
                                  {T::kFloat8, T::kFloat8},    {T::kNumeric, T::kNumeric},
                                  {T::kInterval, T::kInterval}};
  for (const auto& [in, out] : avgs) {
    defs->push_back(AggregateDef{"avg", {P(in)}, out, ReturnRule::kFixed, true, NewSum<true>});
  }
  for (T t : {T::kInt2, T::kInt4, T::kInt8, T::kFloat4, T::kFloat8, T::kNumeric, T::kText,
              T::kBpchar, T::kDate, T::kTime, T::kTimestamp, T::kTimestampTz, T::kInterval}) {
    defs->push_back(AggregateDef{"min", {P(t)}, t, ReturnRule::kFixed, true, NewMinMax<false>});
    defs->push_back(AggregateDef{"max", {P(t)}, t, ReturnRule::kFixed, true, NewMinMax<true>});
  }
  defs->push_back(
      AggregateDef{"min", {AnyArray()}, T::kArray, ReturnRule::kPolyArray, true, NewMinMax<false>});
  defs->push_back(
      AggregateDef{"max", {AnyArray()}, T::kArray, ReturnRule::kPolyArray, true, NewMinMax<true>});
  struct VarianceAgg {
    std::string_view name;
    std::unique_ptr<AggregateState> (*make)(const ResolvedAggregate&);
  };
  const VarianceAgg variances[] = {{"variance", NewVariance<VarianceKind::kVarSamp>},
                                   {"var_samp", NewVariance<VarianceKind::kVarSamp>},
                                   {"var_pop", NewVariance<VarianceKind::kVarPop>},
                                   {"stddev", NewVariance<VarianceKind::kStddevSamp>},
                                   {"stddev_samp", NewVariance<VarianceKind::kStddevSamp>},
                                   {"stddev_pop", NewVariance<VarianceKind::kStddevPop>}};
  for (const VarianceAgg& v : variances) {
    for (T t : {T::kInt2, T::kInt4, T::kInt8, T::kNumeric}) {
      defs->push_back(AggregateDef{v.name, {P(t)}, T::kNumeric, ReturnRule::kFixed, true, v.make});
    }
    for (T t : {T::kFloat4, T::kFloat8}) {
      defs->push_back(AggregateDef{v.name, {P(t)}, T::kFloat8, ReturnRule::kFixed, true, v.make});
    }
  }
  defs->push_back(
      AggregateDef{"bool_and", {P(T::kBool)}, T::kBool, ReturnRule::kFixed, true, NewBool<true>});
  defs->push_back(
      AggregateDef{"every", {P(T::kBool)}, T::kBool, ReturnRule::kFixed, true, NewBool<true>});
  defs->push_back(
      AggregateDef{"bool_or", {P(T::kBool)}, T::kBool, ReturnRule::kFixed, true, NewBool<false>});
  defs->push_back(AggregateDef{
      "string_agg", {P(T::kText), P(T::kText)}, T::kText, ReturnRule::kFixed, false, NewStringAgg});
  defs->push_back(AggregateDef{"string_agg",
                               {P(T::kBytea), P(T::kBytea)},
                               T::kBytea,
                               ReturnRule::kFixed,
                               false,
                               NewStringAgg});
  defs->push_back(AggregateDef{
      "array_agg", {AnyNonArray()}, T::kArray, ReturnRule::kPolyArray, false, NewArrayAgg});
}

}  // namespace strata::sql::functions::internal

namespace strata::sql::functions {

std::unique_ptr<AggregateState> ResolvedAggregate::NewState() const {
  std::unique_ptr<AggregateState> state = new_state(*this);
  if (!distinct) return state;
  return std::make_unique<internal::DistinctState>(std::move(state));
}

}  // namespace strata::sql::functions
