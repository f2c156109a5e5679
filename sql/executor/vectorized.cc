#include "sql/executor/vectorized.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "columnstore/column_vector.h"
#include "common/numeric.h"
#include "common/sql_state.h"
#include "storage/column_scan.h"
#include "storage/database.h"

namespace strata::sql::executor {
namespace {

using I128 = __int128;
using columnstore::ColumnBatch;
using columnstore::ColumnVector;
using columnstore::PhysicalType;

// Bound on decimal digits of any intermediate (|x| < 10^kMaxDigits fits an
// int128 with room for the alignment multiplications).
constexpr int kMaxDigits = 36;

I128 Pow10(int n) {
  I128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

std::string I128Digits(I128 v) {
  unsigned __int128 m = v < 0 ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(v)
                              : static_cast<unsigned __int128>(v);
  std::string out;
  while (m != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<Numeric> NumericFromScaled(I128 v, int32_t scale) {
  return Numeric::FromParts(v < 0, I128Digits(v), scale);
}

int DigitsOf(uint64_t v) {
  int d = 1;
  while (v >= 10) {
    v /= 10;
    ++d;
  }
  return d;
}

bool IsIntLike(TypeId t) {
  switch (t) {
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return true;
    default:
      return false;
  }
}

// Columns a vectorized node reads directly (group keys, count(DISTINCT),
// min/max): int-like and scaled numerics as ints, strings as bytes.
bool DirectColumnType(const DataType& t) {
  if (t.is_array()) return false;
  if (IsIntLike(t.id) || columnstore::IsScaledNumeric(t)) return true;
  switch (t.id) {
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kBpchar:
      return true;
    default:
      return false;
  }
}

// ---- numeric expressions over a batch ----

struct NumExpr {
  enum class Kind { kColumn, kConst, kAdd, kSub, kMul, kNeg };
  Kind kind = Kind::kConst;
  int column = -1;  // batch column
  bool numeric_column = false;
  int32_t scale = 0;
  int digits = 0;
  I128 constant = 0;
  std::unique_ptr<NumExpr> a;
  std::unique_ptr<NumExpr> b;
};

// Where each table position is in the scan's batches (-1: not read).
struct ScanLayout {
  const PlanNode* scan = nullptr;
  std::vector<int> batch_column;  // by table position
};

ScanLayout LayoutOf(const PlanNode& scan) {
  ScanLayout l;
  l.scan = &scan;
  l.batch_column.assign(scan.types.size(), -1);
  for (size_t i = 0; i < scan.column_positions.size(); ++i) {
    if (scan.column_positions[i] < l.batch_column.size()) {
      l.batch_column[scan.column_positions[i]] = static_cast<int>(i);
    }
  }
  return l;
}

// The batch column a kColumn expression reads, or -1.
int ColumnRef(const BoundExpr& e, const ScanLayout& layout) {
  if (e.kind != BoundExprKind::kColumn || e.depth != 0 || e.index < 0 ||
      static_cast<size_t>(e.index) >= layout.batch_column.size()) {
    return -1;
  }
  return layout.batch_column[static_cast<size_t>(e.index)];
}

const DataType& ColumnType(const BoundExpr& e, const ScanLayout& layout) {
  return layout.scan->types[static_cast<size_t>(e.index)];
}

std::unique_ptr<NumExpr> CompileNum(const BoundExpr& e, const ScanLayout& layout) {
  auto out = std::make_unique<NumExpr>();
  switch (e.kind) {
    case BoundExprKind::kColumn: {
      const int col = ColumnRef(e, layout);
      if (col < 0) return nullptr;
      const DataType& t = ColumnType(e, layout);
      out->kind = NumExpr::Kind::kColumn;
      out->column = col;
      if (columnstore::IsScaledNumeric(t)) {
        out->numeric_column = true;
        out->scale = columnstore::NumericTypeScale(t);
        out->digits = (t.typmod - kVarHdrSz) >> 16;
      } else if (IsIntegerType(t.id)) {
        out->digits = t.id == TypeId::kInt8 ? 19 : (t.id == TypeId::kInt4 ? 10 : 5);
      } else {
        return nullptr;
      }
      return out;
    }
    case BoundExprKind::kConst: {
      if (e.value.is_null() || e.unknown_literal) return nullptr;
      out->kind = NumExpr::Kind::kConst;
      if (e.value.kind() == ValueKind::kInt) {
        const int64_t v = e.value.int_value();
        out->constant = v;
        out->digits = DigitsOf(v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
        return out;
      }
      if (e.value.kind() == ValueKind::kNumeric) {
        const Numeric& n = e.value.numeric_value();
        if (n.is_nan()) return nullptr;
        const std::optional<int64_t> scaled = columnstore::ScaleNumeric(n, n.scale(), true);
        if (!scaled.has_value()) return nullptr;
        out->constant = *scaled;
        out->scale = n.scale();
        out->digits = DigitsOf(*scaled < 0 ? 0 - static_cast<uint64_t>(*scaled)
                                           : static_cast<uint64_t>(*scaled));
        return out;
      }
      return nullptr;
    }
    case BoundExprKind::kCast: {
      if (e.children.size() != 1) return nullptr;
      const DataType& from = e.children[0]->type;
      const DataType& to = e.type;
      // Exact widenings only: integers to a wider integer or to numeric
      // without a typmod, numeric to numeric without a typmod.
      const bool ok = (to.id == TypeId::kNumeric && to.typmod < 0 &&
                       (IsIntegerType(from.id) || from.id == TypeId::kNumeric)) ||
                      (to.id == TypeId::kInt8 && IsIntegerType(from.id)) ||
                      (to.id == TypeId::kInt4 && (from.id == TypeId::kInt2 || from.id == TypeId::kInt4));
      if (!ok) return nullptr;
      return CompileNum(*e.children[0], layout);
    }
    case BoundExprKind::kFunction: {
      // Integer arithmetic overflows (22003) where int128 would not: only
      // numeric results, which are exact.
      if (e.type.id != TypeId::kNumeric) return nullptr;
      const std::string_view name = e.fn.name;
      if (e.children.size() == 1 && name == "-") {
        out->kind = NumExpr::Kind::kNeg;
        out->a = CompileNum(*e.children[0], layout);
        if (out->a == nullptr) return nullptr;
        out->scale = out->a->scale;
        out->digits = out->a->digits;
        return out;
      }
      if (e.children.size() != 2) return nullptr;
      if (name == "+") {
        out->kind = NumExpr::Kind::kAdd;
      } else if (name == "-") {
        out->kind = NumExpr::Kind::kSub;
      } else if (name == "*") {
        out->kind = NumExpr::Kind::kMul;
      } else {
        return nullptr;
      }
      out->a = CompileNum(*e.children[0], layout);
      out->b = CompileNum(*e.children[1], layout);
      if (out->a == nullptr || out->b == nullptr) return nullptr;
      const NumExpr& a = *out->a;
      const NumExpr& b = *out->b;
      if (out->kind == NumExpr::Kind::kMul) {
        out->scale = a.scale + b.scale;
        out->digits = a.digits + b.digits;
      } else {
        out->scale = std::max(a.scale, b.scale);
        out->digits = std::max(a.digits - a.scale, b.digits - b.scale) + out->scale + 1;
      }
      // The scale factors must fit (values are range-checked per batch:
      // EvalNode).
      if (out->scale > kMaxDigits) return nullptr;
      return out;
    }
    default:
      return nullptr;
  }
}

// The numeric expressions of all aggregates as one DAG: identical
// subexpressions (the same column, constant or operation) are one node and
// evaluated once per batch. Children precede their parents.
struct NumNode {
  NumExpr::Kind kind = NumExpr::Kind::kConst;
  int column = -1;
  bool numeric_column = false;
  int32_t scale = 0;
  I128 constant = 0;
  int a = -1;
  int b = -1;
};

std::string I128Text(I128 v) { return (v < 0 ? "-" : "") + I128Digits(v); }

// Adds `x` (and its children) to `nodes`; returns its index.
int Intern(const NumExpr& x, std::vector<NumNode>* nodes, std::unordered_map<std::string, int>* index) {
  NumNode node;
  node.kind = x.kind;
  node.column = x.column;
  node.numeric_column = x.numeric_column;
  node.scale = x.scale;
  node.constant = x.constant;
  if (x.a != nullptr) node.a = Intern(*x.a, nodes, index);
  if (x.b != nullptr) node.b = Intern(*x.b, nodes, index);
  const std::string sig = std::to_string(static_cast<int>(node.kind)) + "/" +
                          std::to_string(node.column) + "/" + std::to_string(node.scale) + "/" +
                          I128Text(node.constant) + "/" + std::to_string(node.a) + "/" +
                          std::to_string(node.b);
  auto [it, fresh] = index->try_emplace(sig, static_cast<int>(nodes->size()));
  if (fresh) nodes->push_back(node);
  return it->second;
}

using U128 = unsigned __int128;

U128 Magnitude(I128 v) { return v < 0 ? static_cast<U128>(0) - static_cast<U128>(v) : static_cast<U128>(v); }

// One node's values over the current batch. Narrow batches hold int64
// values (most of them: column values and the products and sums of a few
// of them fit); a batch is wide (int128) only when `bound` says an
// intermediate might not fit in 63 bits.
struct NodeValues {
  bool wide = false;
  const int64_t* v64 = nullptr;
  const I128* v128 = nullptr;
  const uint8_t* nulls = nullptr;
  bool any_null = false;
  U128 bound = 0;       // >= |value| of every row of the batch
  bool huge = false;    // bound itself overflowed: only checked arithmetic
  std::vector<int64_t> own64;
  std::vector<I128> own128;
  std::vector<uint8_t> own_nulls;
  std::vector<I128> widened;  // v64 as int128, when a wide parent needs it
};

struct NumBuffers {
  std::vector<NodeValues> nodes;
  std::vector<uint8_t> no_nulls;  // zeros, for nodes without NULLs
};

constexpr U128 kNarrowLimit = static_cast<U128>(1) << 62;
constexpr U128 kWideLimit = static_cast<U128>(1) << 125;

const I128* Wide(NodeValues* v, size_t n) {
  if (v->wide) return v->v128;
  v->widened.resize(n);
  for (size_t i = 0; i < n; ++i) v->widened[i] = v->v64[i];
  return v->widened.data();
}

// Evaluates node `idx` over the n rows of `batch` into bufs (its children
// are evaluated already): values scaled by 10^scale, and NULL flags. Sets
// *inexact when a numeric column holds NaN or an operation overflows 128
// bits (the values are then meaningless and the row executor takes over).
void EvalNode(const std::vector<NumNode>& nodes, size_t idx, const ColumnBatch& batch, size_t n,
              NumBuffers* bufs, bool* inexact) {
  const NumNode& x = nodes[idx];
  NodeValues& out = bufs->nodes[idx];
  if (bufs->no_nulls.size() < n) bufs->no_nulls.assign(n, 0);
  out.wide = false;
  out.huge = false;
  switch (x.kind) {
    case NumExpr::Kind::kColumn: {
      const ColumnVector& c = batch.columns[static_cast<size_t>(x.column)];
      const int64_t* v = c.ints.data();
      const uint8_t* nl = c.nulls.data();
      out.v64 = v;
      out.nulls = nl;
      uint8_t any_null = 0;
      uint64_t max_mag = 0;
      for (size_t i = 0; i < n; ++i) {
        any_null |= nl[i];
        const uint64_t m = v[i] < 0 ? 0 - static_cast<uint64_t>(v[i]) : static_cast<uint64_t>(v[i]);
        max_mag = m > max_mag ? m : max_mag;
      }
      out.any_null = any_null != 0;
      out.bound = max_mag;
      if (x.numeric_column && max_mag == static_cast<uint64_t>(columnstore::kScaledNumericNaN)) {
        bool nan = false;
        for (size_t i = 0; i < n; ++i) nan |= (v[i] == columnstore::kScaledNumericNaN) & (nl[i] == 0);
        if (nan) *inexact = true;
      }
      if (max_mag >= static_cast<uint64_t>(kNarrowLimit)) {
        // int64 extremes: keep to int128 from here on.
        out.own128.resize(n);
        for (size_t i = 0; i < n; ++i) out.own128[i] = v[i];
        out.v128 = out.own128.data();
        out.wide = true;
      }
      return;
    }
    case NumExpr::Kind::kConst:
      out.any_null = false;
      out.nulls = bufs->no_nulls.data();
      out.bound = Magnitude(x.constant);
      if (out.bound < kNarrowLimit) {
        if (out.own64.size() < n) out.own64.assign(n, static_cast<int64_t>(x.constant));
        out.v64 = out.own64.data();
      } else {
        if (out.own128.size() < n) out.own128.assign(n, x.constant);
        out.v128 = out.own128.data();
        out.wide = true;
      }
      return;
    case NumExpr::Kind::kNeg: {
      NodeValues& a = bufs->nodes[static_cast<size_t>(x.a)];
      out.nulls = a.nulls;
      out.any_null = a.any_null;
      out.bound = a.bound;
      out.huge = a.huge;
      if (!a.wide) {
        out.own64.resize(n);
        for (size_t i = 0; i < n; ++i) out.own64[i] = -a.v64[i];
        out.v64 = out.own64.data();
      } else {
        out.own128.resize(n);
        for (size_t i = 0; i < n; ++i) {
          if (__builtin_sub_overflow(static_cast<I128>(0), a.v128[i], &out.own128[i])) *inexact = true;
        }
        out.v128 = out.own128.data();
        out.wide = true;
      }
      return;
    }
    default:
      break;
  }
  NodeValues& a = bufs->nodes[static_cast<size_t>(x.a)];
  NodeValues& b = bufs->nodes[static_cast<size_t>(x.b)];
  const NumNode& na = nodes[static_cast<size_t>(x.a)];
  const NumNode& nb = nodes[static_cast<size_t>(x.b)];
  if (!a.any_null && !b.any_null) {
    out.any_null = false;
    out.nulls = bufs->no_nulls.data();
  } else {
    out.own_nulls.resize(n);
    for (size_t i = 0; i < n; ++i) out.own_nulls[i] = a.nulls[i] | b.nulls[i];
    out.nulls = out.own_nulls.data();
    out.any_null = true;
  }
  const bool mul = x.kind == NumExpr::Kind::kMul;
  const I128 fa = mul ? 1 : Pow10(x.scale - na.scale);
  const I128 fb = mul ? 1 : Pow10(x.scale - nb.scale);
  // A bound on |result| from the operands' bounds.
  U128 ta = 0;
  U128 tb = 0;
  out.huge = a.huge || b.huge;
  if (mul) {
    out.huge = out.huge || __builtin_mul_overflow(a.bound, b.bound, &out.bound);
  } else {
    out.huge = out.huge || __builtin_mul_overflow(a.bound, static_cast<U128>(fa), &ta) ||
               __builtin_mul_overflow(b.bound, static_cast<U128>(fb), &tb) ||
               __builtin_add_overflow(ta, tb, &out.bound);
  }
  if (!out.huge && !a.wide && !b.wide && out.bound < kNarrowLimit) {
    // Every operand, scaled operand and result fits in 62 bits.
    out.own64.resize(n);
    int64_t* o = out.own64.data();
    const int64_t* l = a.v64;
    const int64_t* r = b.v64;
    const int64_t ia = static_cast<int64_t>(fa);
    const int64_t ib = static_cast<int64_t>(fb);
    switch (x.kind) {
      case NumExpr::Kind::kMul:
        for (size_t i = 0; i < n; ++i) o[i] = l[i] * r[i];
        break;
      case NumExpr::Kind::kAdd:
        for (size_t i = 0; i < n; ++i) o[i] = l[i] * ia + r[i] * ib;
        break;
      default:
        for (size_t i = 0; i < n; ++i) o[i] = l[i] * ia - r[i] * ib;
        break;
    }
    out.v64 = o;
    return;
  }
  const I128* l = Wide(&a, n);
  const I128* r = Wide(&b, n);
  out.own128.resize(n);
  I128* o = out.own128.data();
  out.v128 = o;
  out.wide = true;
  if (!out.huge && out.bound < kWideLimit) {
    switch (x.kind) {
      case NumExpr::Kind::kMul:
        for (size_t i = 0; i < n; ++i) o[i] = l[i] * r[i];
        break;
      case NumExpr::Kind::kAdd:
        for (size_t i = 0; i < n; ++i) o[i] = l[i] * fa + r[i] * fb;
        break;
      default:
        for (size_t i = 0; i < n; ++i) o[i] = l[i] * fa - r[i] * fb;
        break;
    }
    return;
  }
  // The bounds allow an overflow: check every row, and recompute the bound.
  U128 bound = 0;
  for (size_t i = 0; i < n; ++i) {
    I128 left = l[i];
    I128 right = r[i];
    bool bad = __builtin_mul_overflow(left, fa, &left) || __builtin_mul_overflow(right, fb, &right);
    switch (x.kind) {
      case NumExpr::Kind::kMul:
        bad = bad || __builtin_mul_overflow(left, right, &o[i]);
        break;
      case NumExpr::Kind::kAdd:
        bad = bad || __builtin_add_overflow(left, right, &o[i]);
        break;
      default:
        bad = bad || __builtin_sub_overflow(left, right, &o[i]);
        break;
    }
    if (bad) {
      *inexact = true;
      o[i] = 0;
    }
    const U128 m = Magnitude(o[i]);
    bound = m > bound ? m : bound;
  }
  out.bound = bound;
  out.huge = false;
}

// ---- hash tables ----

uint64_t Mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return k;
}

// Open addressing, linear probing: uint64 -> uint32.
class FlatMap {
 public:
  // The value of `key`, inserting `fresh` when absent (*inserted then).
  uint32_t FindOrInsert(uint64_t key, uint32_t fresh, bool* inserted) {
    if (keys_.empty()) Resize(16);  // lazily: most maps of a many-group query stay small
    size_t i = Mix(key) & mask_;
    while (used_[i]) {
      if (keys_[i] == key) {
        *inserted = false;
        return vals_[i];
      }
      i = (i + 1) & mask_;
    }
    *inserted = true;
    used_[i] = 1;
    keys_[i] = key;
    vals_[i] = fresh;
    if (++size_ * 2 > keys_.size()) Resize(keys_.size() * 2);
    return fresh;
  }
  // Inserts; true when new.
  bool Insert(uint64_t key) {
    bool inserted = false;
    FindOrInsert(key, 0, &inserted);
    return inserted;
  }
  size_t size() const { return size_; }
  size_t capacity() const { return keys_.size(); }
  template <typename F>
  void ForEach(F f) const {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (used_[i]) f(keys_[i], vals_[i]);
    }
  }

 private:
  void Resize(size_t n) {
    std::vector<uint64_t> keys = std::move(keys_);
    std::vector<uint32_t> vals = std::move(vals_);
    std::vector<uint8_t> used = std::move(used_);
    keys_.assign(n, 0);
    vals_.assign(n, 0);
    used_.assign(n, 0);
    mask_ = n - 1;
    size_ = 0;
    for (size_t i = 0; i < used.size(); ++i) {
      if (!used[i]) continue;
      size_t j = Mix(keys[i]) & mask_;
      while (used_[j]) j = (j + 1) & mask_;
      used_[j] = 1;
      keys_[j] = keys[i];
      vals_[j] = vals[i];
      ++size_;
    }
  }

  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  std::vector<uint8_t> used_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

std::string_view KeyBytes(const ColumnVector& c, size_t i) {
  std::string_view s = c.strings[i];
  if (c.type.id == TypeId::kBpchar) {
    // bpchar equality ignores trailing spaces.
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  }
  return s;
}

// Short strings (< 8 bytes) packed into a uint64 with their length.
bool PackShort(std::string_view s, uint64_t* out) {
  if (s.size() >= 8) return false;
  uint64_t v = static_cast<uint64_t>(s.size()) << 56;
  for (size_t i = 0; i < s.size(); ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(s[i])) << (8 * i);
  *out = v;
  return true;
}

// Dense ids for the distinct values of one group-key column.
class KeyColumn {
 public:
  explicit KeyColumn(DataType type) : type_(type), physical_(columnstore::PhysicalTypeOf(type)) {}

  uint32_t Map(const ColumnVector& c, size_t i) {
    if (c.nulls[i] != 0) {
      if (null_id_ == UINT32_MAX) {
        null_id_ = static_cast<uint32_t>(values_.size());
        values_.push_back(Value::Null(type_.id));
      }
      return null_id_;
    }
    bool inserted = false;
    uint32_t id = 0;
    if (physical_ == PhysicalType::kInt) {
      const int64_t v = c.ints[i];
      if (v >= 0 && v < kDirect) return Direct(static_cast<size_t>(v), c, i);
      id = ints_.FindOrInsert(static_cast<uint64_t>(v), static_cast<uint32_t>(values_.size()),
                              &inserted);
    } else {
      const std::string_view s = KeyBytes(c, i);
      // Strings of at most one byte: a direct slot each (flags, codes).
      if (s.size() <= 1) {
        return Direct(static_cast<size_t>(kDirect + (s.empty() ? 0 : 1 + static_cast<uint8_t>(s[0]))),
                      c, i);
      }
      uint64_t packed = 0;
      if (PackShort(s, &packed)) {
        id = ints_.FindOrInsert(packed, static_cast<uint32_t>(values_.size()), &inserted);
      } else {
        auto [it, fresh] = strings_.try_emplace(std::string(s), static_cast<uint32_t>(values_.size()));
        inserted = fresh;
        id = it->second;
      }
    }
    if (inserted) values_.push_back(c.GetValue(i));
    return id;
  }
  // Map of rows 0..n-1 into ids[]: ints 0..1023 and one-byte strings
  // already seen cost one table load.
  void MapBatch(const ColumnVector& c, size_t n, uint32_t* ids) {
    if (direct_.empty()) direct_.assign(kDirect + 257, 0);
    const uint8_t* nulls = c.nulls.data();
    if (physical_ == PhysicalType::kInt) {
      const int64_t* v = c.ints.data();
      for (size_t i = 0; i < n; ++i) {
        if (nulls[i] == 0 && static_cast<uint64_t>(v[i]) < static_cast<uint64_t>(kDirect)) {
          const uint32_t d = direct_[static_cast<size_t>(v[i])];
          if (d != 0) {
            ids[i] = d - 1;
            continue;
          }
        }
        ids[i] = Map(c, i);
      }
      return;
    }
    if (physical_ == PhysicalType::kString) {
      // (bpchar ignores trailing spaces: a lone space is the empty string.)
      const std::string* v = c.strings.data();
      for (size_t i = 0; i < n; ++i) {
        if (nulls[i] == 0 && v[i].size() == 1 && v[i][0] != ' ') {
          const uint32_t d = direct_[kDirect + 1 + static_cast<uint8_t>(v[i][0])];
          if (d != 0) {
            ids[i] = d - 1;
            continue;
          }
        }
        ids[i] = Map(c, i);
      }
      return;
    }
    for (size_t i = 0; i < n; ++i) ids[i] = Map(c, i);
  }
  const Value& value(uint32_t id) const { return values_[id]; }

 private:
  static constexpr int64_t kDirect = 1024;  // ints 0..1023, then 257 one-byte string slots

  uint32_t Direct(size_t slot, const ColumnVector& c, size_t i) {
    if (direct_.empty()) direct_.assign(kDirect + 257, 0);
    uint32_t& d = direct_[slot];
    if (d == 0) {
      values_.push_back(c.GetValue(i));
      d = static_cast<uint32_t>(values_.size());
    }
    return d - 1;
  }

  std::vector<uint32_t> direct_;  // slot -> id + 1
  DataType type_;
  PhysicalType physical_;
  FlatMap ints_;
  std::unordered_map<std::string, uint32_t> strings_;
  std::vector<Value> values_;
  uint32_t null_id_ = UINT32_MAX;
};

// ---- aggregates ----

enum class AggKind { kCountStar, kCount, kCountDistinct, kSum, kAvg, kMin, kMax };

struct AggSpec {
  AggKind kind = AggKind::kCountStar;
  std::unique_ptr<NumExpr> expr;  // kSum, kAvg, and kCount of an expression
  int node = -1;                  // expr's node in Program::nodes
  int column = -1;                // kCount / kCountDistinct / kMin / kMax of a column
  DataType column_type;
  DataType result_type;
  bool int_result = false;  // sum(int2/int4) -> int8
  // kSum / kAvg / kCount of an expression: its sum slot (aggregates over
  // the same expression share one); kCount of a column: its count slot;
  // kMin / kMax / kCountDistinct: its index among a group's OtherAccs.
  int slot = -1;
};

// The distinct values of an int column within one group: a bitmap over
// 0..n while the set is dense enough for one (supplier, customer and
// other surrogate keys), a hash set for the rest.
class DistinctInts {
 public:
  // Adds v; returns the bytes of memory this took (for the budget).
  uint64_t Insert(int64_t v) {
    const uint64_t u = static_cast<uint64_t>(v);
    if (v >= 0 && u < bits_.size() * 64) {
      uint64_t& word = bits_[u >> 6];
      const uint64_t mask = uint64_t{1} << (u & 63);
      size_ += (word & mask) == 0;
      word |= mask;
      return 0;
    }
    if (v >= 0 && u < kMaxBits && (u >> 6) < 4 * (size_ + 1)) {
      // The bitmap up to v costs at most ~32 bytes per value held: grow it.
      const uint64_t before = bits_.size() * 8;
      Grow(std::max<size_t>(bits_.size() * 2, (u >> 6) + 1));
      return bits_.size() * 8 - before + Insert(v);
    }
    bool inserted = false;
    others_.FindOrInsert(u, 0, &inserted);
    size_ += inserted;
    return inserted ? 2 * (sizeof(uint64_t) + sizeof(uint32_t) + 1) : 0;
  }
  size_t size() const { return size_; }
  void MergeFrom(const DistinctInts& other) {
    if (other.bits_.size() > bits_.size()) Grow(other.bits_.size());
    for (size_t i = 0; i < other.bits_.size(); ++i) bits_[i] |= other.bits_[i];
    other.others_.ForEach([&](uint64_t k, uint32_t) { Insert(static_cast<int64_t>(k)); });
    Recount();
  }

 private:
  static constexpr uint64_t kMaxBits = uint64_t{1} << 26;  // an 8 MiB bitmap at most

  void Grow(size_t words) {
    bits_.resize(std::min<size_t>(words, kMaxBits / 64), 0);
    // Hashed values the bitmap now covers move into it (a value is never in both).
    FlatMap rest;
    const uint64_t limit = bits_.size() * 64;
    others_.ForEach([&](uint64_t k, uint32_t) {
      if (k < limit) {
        bits_[k >> 6] |= uint64_t{1} << (k & 63);
      } else {
        rest.Insert(k);
      }
    });
    others_ = std::move(rest);
  }
  void Recount() {
    size_ = others_.size();
    for (const uint64_t w : bits_) size_ += static_cast<size_t>(std::popcount(w));
  }

  std::vector<uint64_t> bits_;
  FlatMap others_;
  size_t size_ = 0;
};

// min / max / count(DISTINCT) of one group.
struct OtherAcc {
  int64_t count = 0;
  int64_t min = INT64_MAX;
  int64_t max = INT64_MIN;
  DistinctInts distinct_ints;
  std::unordered_set<std::string> distinct_strings;
};

// A sum: int128 while it fits, the overflowing part spilled into a numeric.
struct SumAcc {
  I128 sum = 0;
  std::optional<Numeric> spill;
};

// Moves the int128 part into the numeric part.
Status Spill(SumAcc* acc, int32_t scale) {
  if (acc->sum == 0) return Status::OK();
  STRATA_ASSIGN_OR_RETURN(Numeric part, NumericFromScaled(acc->sum, scale));
  Numeric base = acc->spill.has_value() ? *acc->spill : Numeric();
  STRATA_ASSIGN_OR_RETURN(base, base.Add(part));
  acc->spill = std::move(base);
  acc->sum = 0;
  return Status::OK();
}

// Adds `v` exactly (the int128 part spills into the numeric on overflow).
Status AddToSum(SumAcc* acc, I128 v, int32_t scale) {
  I128 r;
  if (!__builtin_add_overflow(acc->sum, v, &r)) {
    acc->sum = r;
    return Status::OK();
  }
  STRATA_RETURN_IF_ERROR(Spill(acc, scale));
  acc->sum = v;
  return Status::OK();
}

// Everything compiled from the plan; shared read-only by the workers.
struct Program {
  ScanLayout layout;
  std::vector<int> key_columns;  // batch columns
  std::vector<DataType> key_types;
  std::vector<AggSpec> aggs;
  std::vector<NumNode> nodes;
  std::vector<int> sum_nodes;         // sum slot -> node
  std::vector<int32_t> sum_scales;    // sum slot -> scale of its values
  std::vector<int> count_columns;     // count slot -> batch column
  size_t others = 0;                  // OtherAccs per group
};

bool CompileAggregate(const PlanNode& agg, Program* program) {
  if (agg.kind != PlanKind::kAggregate || agg.children.size() != 1) return false;
  const PlanNode& scan = *agg.children[0];
  if (scan.kind != PlanKind::kSeqScan || !scan.column_replica || scan.with_locators) return false;
  // The whole filter must be in the scan's pushed predicates.
  size_t conjuncts = 0;
  if (scan.filter != nullptr) {
    std::vector<const BoundExpr*> stack{scan.filter.get()};
    while (!stack.empty()) {
      const BoundExpr* e = stack.back();
      stack.pop_back();
      if (e->kind == BoundExprKind::kAnd) {
        for (const auto& c : e->children) stack.push_back(c.get());
      } else {
        ++conjuncts;
      }
    }
  }
  if (conjuncts != scan.column_predicates.size()) return false;
  program->layout = LayoutOf(scan);
  const ScanLayout& layout = program->layout;
  for (const auto& g : agg.exprs) {
    const int col = ColumnRef(*g, layout);
    if (col < 0 || !DirectColumnType(ColumnType(*g, layout))) return false;
    program->key_columns.push_back(col);
    program->key_types.push_back(ColumnType(*g, layout));
  }
  for (const AggregateCall& call : agg.aggregates) {
    if (call.filter != nullptr || !call.order.empty()) return false;
    AggSpec spec;
    spec.result_type = call.aggregate.return_type;
    const std::string_view name = call.aggregate.name;
    if (name == "count" && call.args.empty()) {
      if (call.distinct) return false;
      spec.kind = AggKind::kCountStar;
    } else if (call.args.size() != 1) {
      return false;
    } else if (name == "count") {
      const BoundExpr& arg = *call.args[0];
      const int col = ColumnRef(arg, layout);
      if (call.distinct) {
        if (col < 0 || !DirectColumnType(ColumnType(arg, layout))) return false;
        spec.kind = AggKind::kCountDistinct;
        spec.column = col;
        spec.column_type = ColumnType(arg, layout);
      } else if (col >= 0) {
        spec.kind = AggKind::kCount;
        spec.column = col;
      } else {
        spec.kind = AggKind::kCount;
        spec.expr = CompileNum(arg, layout);
        if (spec.expr == nullptr) return false;
      }
    } else if (call.distinct) {
      return false;
    } else if (name == "sum" || name == "avg") {
      const DataType& in = call.aggregate.arg_types.empty() ? call.args[0]->type
                                                            : call.aggregate.arg_types[0];
      if (!IsIntegerType(in.id) && in.id != TypeId::kNumeric) return false;
      spec.kind = name == "sum" ? AggKind::kSum : AggKind::kAvg;
      spec.int_result = spec.kind == AggKind::kSum && spec.result_type.id == TypeId::kInt8;
      if (spec.kind == AggKind::kSum && !spec.int_result && spec.result_type.id != TypeId::kNumeric) {
        return false;
      }
      if (spec.kind == AggKind::kAvg && spec.result_type.id != TypeId::kNumeric) return false;
      spec.expr = CompileNum(*call.args[0], layout);
      if (spec.expr == nullptr) return false;
    } else if (name == "min" || name == "max") {
      const BoundExpr& arg = *call.args[0];
      const int col = ColumnRef(arg, layout);
      if (col < 0) return false;
      const DataType& t = ColumnType(arg, layout);
      if (!IsIntLike(t.id) && !columnstore::IsScaledNumeric(t)) return false;
      if (spec.result_type.id != t.id) return false;
      spec.kind = name == "min" ? AggKind::kMin : AggKind::kMax;
      spec.column = col;
      spec.column_type = t;
    } else {
      return false;
    }
    program->aggs.push_back(std::move(spec));
  }
  std::unordered_map<std::string, int> index;
  for (AggSpec& spec : program->aggs) {
    if (spec.expr != nullptr) {
      spec.node = Intern(*spec.expr, &program->nodes, &index);
      const auto it = std::find(program->sum_nodes.begin(), program->sum_nodes.end(), spec.node);
      spec.slot = static_cast<int>(it - program->sum_nodes.begin());
      if (it == program->sum_nodes.end()) {
        program->sum_nodes.push_back(spec.node);
        program->sum_scales.push_back(spec.expr->scale);
      }
    } else if (spec.kind == AggKind::kCount) {
      const auto it = std::find(program->count_columns.begin(), program->count_columns.end(), spec.column);
      spec.slot = static_cast<int>(it - program->count_columns.begin());
      if (it == program->count_columns.end()) program->count_columns.push_back(spec.column);
    } else if (spec.kind != AggKind::kCountStar) {
      spec.slot = static_cast<int>(program->others++);
    }
  }
  return true;
}

// Adds value(r) to out[gid[r] * stride] for every row r < n. With few
// groups, four accumulators per group take turns, so that consecutive rows
// of one group do not each wait for the previous row's store to that group.
template <typename ValueOf>
void ScatterAdd(const uint32_t* gid, size_t n, size_t groups, ValueOf value, int64_t* out,
                size_t stride, std::vector<int64_t>* lanes) {
  if (groups > 1024) {
    for (size_t r = 0; r < n; ++r) out[gid[r] * stride] += value(r);
    return;
  }
  lanes->assign(4 * groups, 0);
  int64_t* l0 = lanes->data();
  int64_t* l1 = l0 + groups;
  int64_t* l2 = l1 + groups;
  int64_t* l3 = l2 + groups;
  size_t r = 0;
  for (; r + 4 <= n; r += 4) {
    l0[gid[r]] += value(r);
    l1[gid[r + 1]] += value(r + 1);
    l2[gid[r + 2]] += value(r + 2);
    l3[gid[r + 3]] += value(r + 3);
  }
  for (; r < n; ++r) l0[gid[r]] += value(r);
  for (size_t g = 0; g < groups; ++g) out[g * stride] += l0[g] + l1[g] + l2[g] + l3[g];
}

// One thread's share: its scanner, its groups and their accumulators,
// held group-major in flat arrays (sums[g * sum slots + s], ...).
struct Worker {
  std::unique_ptr<storage::ColumnScanner> scanner;
  std::vector<KeyColumn> keys;
  std::vector<uint32_t> pairs;                          // 2 keys < 256: id1 * 256 + id2 -> group + 1
  FlatMap composite;                                    // 2 keys: (id1 << 32 | id2) -> group
  std::unordered_map<std::string, uint32_t> wide;      // 3+ keys
  std::vector<uint32_t> by_id;                          // 1 key: id -> group + 1
  std::vector<std::vector<uint32_t>> group_key_ids;     // per group
  size_t groups = 0;
  std::vector<int64_t> rows;            // per group
  std::vector<SumAcc> sums;             // [group][sum slot]
  std::vector<int64_t> sum_nulls;       // [group][sum slot]: rows whose expression is NULL
  std::vector<U128> sum_growth;         // per sum slot: bound on |sum| growth since its last spill
  // int64 sums of narrow batches, added to `sums` before they could overflow.
  std::vector<int64_t> partial;         // [group][sum slot]
  std::vector<U128> partial_growth;     // per sum slot: bound on |partial| since its last flush
  std::vector<std::vector<uint32_t>> key_ids;  // per key column: the batch's ids
  std::vector<int64_t> lanes;           // ScatterAdd's scratch
  std::vector<int64_t> count_nulls;     // [group][count slot]
  std::vector<OtherAcc> others;         // [group][other]
  bool nan = false;
  Status status;
  // Groups, their keys and DISTINCT sets, charged to the pool's budget
  // (each worker its own tracker; the budget is shared and thread-safe).
  std::unique_ptr<MemoryTracker> memory;
  Status oom;
};

class VectorizedAggregateOp final : public Operator {
 public:
  VectorizedAggregateOp(const PlanNode& plan, ExecContext& ctx,
                        std::function<Result<std::unique_ptr<Operator>>()> row_fallback)
      : plan_(plan), ctx_(ctx), row_fallback_(std::move(row_fallback)) {}

  Status Open() {
    if (!CompileAggregate(plan_, &program_)) return Status::Internal("aggregate cannot run vectorized");
    const PlanNode& scan = *plan_.children[0];
    const storage::TableDef* def = ctx_.txn->catalog().FindTableById(scan.table_id);
    if (def == nullptr) {
      return Status(SqlState::kUndefinedTable, "relation \"" + scan.table_name + "\" does not exist");
    }
    if (def->schema_version != scan.schema_version) {
      return Status(SqlState::kFeatureNotSupported, "cached plan must not change result type");
    }
    storage::ColumnScanSpec spec;
    for (const size_t pos : scan.column_positions) {
      if (pos >= def->columns.size()) return Status::Internal("column scan position out of range");
      spec.projection.push_back(def->columns[pos].id);
    }
    spec.predicates = scan.column_predicates;
    const uint32_t threads = std::clamp<uint32_t>(std::thread::hardware_concurrency(), 1, 2);
    spec.partitions = threads;
    workers_.resize(threads);
    for (uint32_t p = 0; p < threads; ++p) {
      spec.partition = p;
      STRATA_ASSIGN_OR_RETURN(workers_[p].scanner, ctx_.txn->ColumnScan(*def, spec));
      for (const DataType& t : program_.key_types) workers_[p].keys.emplace_back(t);
      workers_[p].sum_growth.assign(program_.sum_nodes.size(), 0);
      workers_[p].partial_growth.assign(program_.sum_nodes.size(), 0);
      workers_[p].key_ids.resize(program_.key_columns.size());
      workers_[p].memory = std::make_unique<MemoryTracker>(ctx_.budget);
    }
    return Status::OK();
  }

  Result<bool> Next(std::vector<Row>* batch) override {
    batch->clear();
    if (fallback_ != nullptr) return fallback_->Next(batch);
    if (!done_) {
      done_ = true;
      STRATA_ASSIGN_OR_RETURN(bool exact, Run());
      if (!exact) {
        STRATA_ASSIGN_OR_RETURN(fallback_, row_fallback_());
        return fallback_->Next(batch);
      }
    }
    while (next_ < rows_.size() && batch->size() < kBatchRows) batch->push_back(std::move(rows_[next_++]));
    return !batch->empty();
  }

 private:
  // Runs the scan to the end; false when the row executor must take over.
  Result<bool> Run() {
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers_.size(); ++w) {
      threads.emplace_back([this, w] {
        workers_[w].status = RunWorker(&workers_[w]);
        if (!workers_[w].status.ok()) abort_.store(true);
      });
    }
    workers_[0].status = RunWorker(&workers_[0]);
    if (!workers_[0].status.ok()) abort_.store(true);
    for (std::thread& t : threads) t.join();
    bool nan = false;
    for (Worker& w : workers_) {
      w.scanner.reset();
      STRATA_RETURN_IF_ERROR(w.status);
      nan = nan || w.nan;
    }
    if (nan) return false;
    STRATA_RETURN_IF_ERROR(Merge());
    return true;
  }

  void AddGroup(Worker* w, const std::vector<uint32_t>& ids) {
    ++w->groups;
    w->rows.push_back(0);
    w->sums.resize(w->groups * program_.sum_nodes.size());
    w->partial.resize(w->groups * program_.sum_nodes.size(), 0);
    w->sum_nulls.resize(w->groups * program_.sum_nodes.size(), 0);
    w->count_nulls.resize(w->groups * program_.count_columns.size(), 0);
    w->others.resize(w->groups * program_.others);
    w->group_key_ids.push_back(ids);
    Row key;
    for (size_t k = 0; k < ids.size(); ++k) key.push_back(w->keys[k].value(ids[k]));
    Status s = w->memory->Grow(2 * RowBytes(key) + kHashEntryBytes + sizeof(int64_t) +
                               program_.sum_nodes.size() * (sizeof(SumAcc) + sizeof(int64_t)) +
                               program_.others * sizeof(OtherAcc));
    if (!s.ok() && w->oom.ok()) w->oom = std::move(s);
  }

  // Group ids of the batch's n rows into gid[].
  void GroupsOf(Worker* w, const ColumnBatch& batch, size_t n, uint32_t* gid) {
    const size_t nk = program_.key_columns.size();
    for (size_t k = 0; k < nk; ++k) {
      w->key_ids[k].resize(n);
      w->keys[k].MapBatch(batch.columns[static_cast<size_t>(program_.key_columns[k])], n,
                          w->key_ids[k].data());
    }
    std::vector<uint32_t> ids(nk);
    if (nk == 2) {
      const uint32_t* a = w->key_ids[0].data();
      const uint32_t* b = w->key_ids[1].data();
      for (size_t r = 0; r < n; ++r) {
        if (a[r] < 256 && b[r] < 256 && !w->pairs.empty()) {
          const uint32_t slot = w->pairs[a[r] * 256 + b[r]];
          if (slot != 0) {
            gid[r] = slot - 1;
            continue;
          }
        }
        ids[0] = a[r];
        ids[1] = b[r];
        gid[r] = GroupOf(w, ids);
      }
      return;
    }
    for (size_t r = 0; r < n; ++r) {
      for (size_t k = 0; k < nk; ++k) ids[k] = w->key_ids[k][r];
      gid[r] = GroupOf(w, ids);
    }
  }

  // The group of one row's key ids, created when new.
  uint32_t GroupOf(Worker* w, const std::vector<uint32_t>& key_ids) {
    const std::vector<uint32_t>* ids = &key_ids;
    const size_t nk = key_ids.size();
    const uint32_t fresh = static_cast<uint32_t>(w->groups);
    uint32_t group = 0;
    bool inserted = false;
    if (nk == 1) {
      const uint32_t id = (*ids)[0];
      if (id >= w->by_id.size()) w->by_id.resize(id + 1, 0);
      if (w->by_id[id] == 0) {
        w->by_id[id] = fresh + 1;
        inserted = true;
      }
      group = w->by_id[id] - 1;
    } else if (nk == 2 && (*ids)[0] < 256 && (*ids)[1] < 256) {
      if (w->pairs.empty()) w->pairs.assign(256 * 256, 0);
      uint32_t& slot = w->pairs[(*ids)[0] * 256 + (*ids)[1]];
      if (slot == 0) {
        slot = fresh + 1;
        inserted = true;
      }
      group = slot - 1;
    } else if (nk == 2) {
      const uint64_t key = (static_cast<uint64_t>((*ids)[0]) << 32) | (*ids)[1];
      group = w->composite.FindOrInsert(key, fresh, &inserted);
    } else {
      std::string bytes(reinterpret_cast<const char*>(ids->data()), nk * sizeof(uint32_t));
      auto [it, is_new] = w->wide.try_emplace(std::move(bytes), fresh);
      inserted = is_new;
      group = it->second;
    }
    if (inserted) AddGroup(w, *ids);
    return group;
  }

  // Moves every group's int128 sum of slot `s` into its numeric part.
  Status SpillSlot(Worker* w, size_t s) {
    const size_t ns = program_.sum_nodes.size();
    for (size_t g = 0; g < w->groups; ++g) {
      STRATA_RETURN_IF_ERROR(Spill(&w->sums[g * ns + s], program_.sum_scales[s]));
    }
    w->sum_growth[s] = 0;
    return Status::OK();
  }

  // Adds the int64 partial sums of slot `s` to the int128 sums.
  Status FlushPartial(Worker* w, size_t s) {
    if (w->partial_growth[s] == 0) return Status::OK();
    if (w->sum_growth[s] + w->partial_growth[s] >= kWideLimit) STRATA_RETURN_IF_ERROR(SpillSlot(w, s));
    w->sum_growth[s] += w->partial_growth[s];
    w->partial_growth[s] = 0;
    const size_t ns = program_.sum_nodes.size();
    for (size_t g = 0; g < w->groups; ++g) {
      w->sums[g * ns + s].sum += w->partial[g * ns + s];
      w->partial[g * ns + s] = 0;
    }
    return Status::OK();
  }

  // Adds the batch's values of sum slot `s` to the groups' sums.
  Status AccumulateSum(Worker* w, size_t s, const NodeValues& v, const uint32_t* gid, size_t n) {
    const size_t ns = program_.sum_nodes.size();
    SumAcc* sums = w->sums.data();
    if (v.any_null) {
      const uint8_t* row_nulls = v.nulls;
      ScatterAdd(gid, n, w->groups, [&](size_t r) { return static_cast<int64_t>(row_nulls[r]); },
                 w->sum_nulls.data() + s, ns, &w->lanes);
    }
    U128 growth = 0;
    const bool bounded = !v.huge && !__builtin_mul_overflow(v.bound, static_cast<U128>(n), &growth) &&
                         growth < kWideLimit;
    if (!bounded) {
      // Values near the int128 range: add with overflow checks, then spill.
      const I128* vals = v.wide ? v.v128 : nullptr;
      for (size_t r = 0; r < n; ++r) {
        if (v.nulls[r] != 0) continue;
        const I128 x = vals != nullptr ? vals[r] : static_cast<I128>(v.v64[r]);
        STRATA_RETURN_IF_ERROR(AddToSum(&sums[gid[r] * ns + s], x, program_.sum_scales[s]));
      }
      return SpillSlot(w, s);
    }
    const uint8_t* nulls = v.nulls;
    if (!v.wide && growth < kNarrowLimit) {
      // int64 adds into the partial sums (flushed before they could overflow).
      if (w->partial_growth[s] + growth >= kNarrowLimit) STRATA_RETURN_IF_ERROR(FlushPartial(w, s));
      w->partial_growth[s] += growth;
      int64_t* partial = w->partial.data();
      const int64_t* x = v.v64;
      if (program_.key_columns.empty()) {
        int64_t total = 0;
        if (v.any_null) {
          for (size_t r = 0; r < n; ++r) total += nulls[r] != 0 ? 0 : x[r];
        } else {
          for (size_t r = 0; r < n; ++r) total += x[r];
        }
        partial[s] += total;
      } else if (v.any_null) {
        ScatterAdd(gid, n, w->groups, [&](size_t r) { return nulls[r] != 0 ? 0 : x[r]; }, partial + s,
                   ns, &w->lanes);
      } else {
        ScatterAdd(gid, n, w->groups, [&](size_t r) { return x[r]; }, partial + s, ns, &w->lanes);
      }
      return Status::OK();
    }
    // Every |sum| stays below kWideLimit + growth < 2^127: no checks per row.
    if (w->sum_growth[s] + growth >= kWideLimit) STRATA_RETURN_IF_ERROR(SpillSlot(w, s));
    w->sum_growth[s] += growth;
    if (program_.key_columns.empty()) {
      I128 total = 0;
      if (!v.wide) {
        const int64_t* x = v.v64;
        for (size_t r = 0; r < n; ++r) total += nulls[r] != 0 ? 0 : x[r];
      } else {
        const I128* x = v.v128;
        for (size_t r = 0; r < n; ++r) total += nulls[r] != 0 ? 0 : x[r];
      }
      sums[s].sum += total;
      return Status::OK();
    }
    if (!v.wide) {
      const int64_t* x = v.v64;
      for (size_t r = 0; r < n; ++r) sums[gid[r] * ns + s].sum += nulls[r] != 0 ? 0 : x[r];
    } else {
      const I128* x = v.v128;
      for (size_t r = 0; r < n; ++r) sums[gid[r] * ns + s].sum += nulls[r] != 0 ? 0 : x[r];
    }
    return Status::OK();
  }

  Status AccumulateOther(Worker* w, const AggSpec& spec, const ColumnBatch& batch,
                         const uint32_t* gid, size_t n) {
    const size_t no = program_.others;
    OtherAcc* others = w->others.data() + spec.slot;
    const ColumnVector& c = batch.columns[static_cast<size_t>(spec.column)];
    if (spec.kind == AggKind::kCountDistinct) {
      uint64_t added = 0;
      if (c.physical == PhysicalType::kInt) {
        for (size_t r = 0; r < n; ++r) {
          if (c.nulls[r] == 0) added += others[gid[r] * no].distinct_ints.Insert(c.ints[r]);
        }
      } else {
        for (size_t r = 0; r < n; ++r) {
          if (c.nulls[r] != 0) continue;
          const std::string_view v = KeyBytes(c, r);
          if (others[gid[r] * no].distinct_strings.emplace(v).second) added += v.size() + kHashEntryBytes;
        }
      }
      return w->memory->Grow(added);
    }
    for (size_t r = 0; r < n; ++r) {
      if (c.nulls[r] != 0) continue;
      OtherAcc& acc = others[gid[r] * no];
      acc.min = std::min(acc.min, c.ints[r]);
      acc.max = std::max(acc.max, c.ints[r]);
      ++acc.count;
    }
    return Status::OK();
  }

  Status RunWorker(Worker* w) {
    ColumnBatch batch;
    std::vector<uint32_t> gid;
    NumBuffers bufs;
    bufs.nodes.resize(program_.nodes.size());
    if (program_.key_columns.empty()) AddGroup(w, {});
    const size_t nc = program_.count_columns.size();
    while (true) {
      STRATA_RETURN_IF_ERROR(ctx_.CheckInterrupts());
      if (abort_.load(std::memory_order_relaxed)) return Status::OK();  // the other worker failed
      STRATA_ASSIGN_OR_RETURN(bool more, w->scanner->Next(&batch));
      if (!more) break;
      const size_t n = batch.num_rows();
      gid.assign(n, 0);
      if (!program_.key_columns.empty()) {
        GroupsOf(w, batch, n, gid.data());
        STRATA_RETURN_IF_ERROR(w->oom);
        ScatterAdd(gid.data(), n, w->groups, [](size_t) { return int64_t{1}; }, w->rows.data(), 1,
                   &w->lanes);
      } else {
        w->rows[0] += static_cast<int64_t>(n);
      }
      for (size_t k = 0; k < program_.nodes.size(); ++k) {
        EvalNode(program_.nodes, k, batch, n, &bufs, &w->nan);
      }
      if (w->nan) return Status::OK();
      for (size_t s = 0; s < program_.sum_nodes.size(); ++s) {
        STRATA_RETURN_IF_ERROR(AccumulateSum(w, s, bufs.nodes[static_cast<size_t>(program_.sum_nodes[s])],
                                             gid.data(), n));
      }
      for (size_t k = 0; k < nc; ++k) {
        const ColumnVector& c = batch.columns[static_cast<size_t>(program_.count_columns[k])];
        ScatterAdd(gid.data(), n, w->groups, [&](size_t r) { return static_cast<int64_t>(c.nulls[r]); },
                   w->count_nulls.data() + k, nc, &w->lanes);
      }
      for (const AggSpec& spec : program_.aggs) {
        if (spec.kind == AggKind::kCountDistinct || spec.kind == AggKind::kMin ||
            spec.kind == AggKind::kMax) {
          STRATA_RETURN_IF_ERROR(AccumulateOther(w, spec, batch, gid.data(), n));
        }
      }
    }
    for (size_t s = 0; s < program_.sum_nodes.size(); ++s) STRATA_RETURN_IF_ERROR(FlushPartial(w, s));
    return Status::OK();
  }

  // One output group: the (worker, group) pairs that hold its key.
  struct Parts {
    Row key;
    std::vector<std::pair<const Worker*, size_t>> parts;
  };

  // Folds the workers' groups together (by key value) and finalizes.
  Status Merge() {
    std::vector<Parts> outs;
    std::unordered_map<std::string, size_t> index;
    for (const Worker& w : workers_) {
      for (size_t g = 0; g < w.groups; ++g) {
        Row key;
        std::string text;
        for (size_t k = 0; k < program_.key_columns.size(); ++k) {
          const Value& v = w.keys[k].value(w.group_key_ids[g][k]);
          text += v.is_null() ? std::string("\x01", 1) : "\x02" + v.DebugString();
          text.push_back('\0');
          key.push_back(v);
        }
        auto [it, fresh] = index.try_emplace(text, outs.size());
        if (fresh) outs.push_back({std::move(key), {}});
        outs[it->second].parts.emplace_back(&w, g);
      }
    }
    if (outs.empty() && program_.key_columns.empty()) {
      // No worker (cannot happen) -- keep the one-row contract anyway.
      return Status::Internal("vectorized aggregate lost its group");
    }
    for (Parts& o : outs) {
      Row row = std::move(o.key);
      for (const AggSpec& spec : program_.aggs) {
        Value v;
        STRATA_RETURN_IF_ERROR(Finalize(spec, o, &v));
        row.push_back(std::move(v));
      }
      rows_.push_back(std::move(row));
    }
    return Status::OK();
  }

  Status Finalize(const AggSpec& spec, const Parts& o, Value* out) {
    const size_t ns = program_.sum_nodes.size();
    const size_t nc = program_.count_columns.size();
    const size_t no = program_.others;
    int64_t rows = 0;
    for (const auto& [w, g] : o.parts) rows += w->rows[g];
    switch (spec.kind) {
      case AggKind::kCountStar:
        *out = Value::Int8(rows);
        return Status::OK();
      case AggKind::kCount: {
        int64_t nulls = 0;
        for (const auto& [w, g] : o.parts) {
          nulls += spec.expr != nullptr ? w->sum_nulls[g * ns + static_cast<size_t>(spec.slot)]
                                        : w->count_nulls[g * nc + static_cast<size_t>(spec.slot)];
        }
        *out = Value::Int8(rows - nulls);
        return Status::OK();
      }
      case AggKind::kCountDistinct: {
        const size_t k = static_cast<size_t>(spec.slot);
        if (o.parts.size() == 1) {
          const OtherAcc& p = o.parts[0].first->others[o.parts[0].second * no + k];
          *out = Value::Int8(static_cast<int64_t>(p.distinct_ints.size() + p.distinct_strings.size()));
          return Status::OK();
        }
        DistinctInts ints;
        std::unordered_set<std::string> strings;
        for (const auto& [w, g] : o.parts) {
          const OtherAcc& p = w->others[g * no + k];
          ints.MergeFrom(p.distinct_ints);
          strings.insert(p.distinct_strings.begin(), p.distinct_strings.end());
        }
        *out = Value::Int8(static_cast<int64_t>(ints.size() + strings.size()));
        return Status::OK();
      }
      case AggKind::kSum:
      case AggKind::kAvg: {
        const size_t s = static_cast<size_t>(spec.slot);
        int64_t count = rows;
        for (const auto& [w, g] : o.parts) count -= w->sum_nulls[g * ns + s];
        if (count == 0) {
          *out = Value::Null(spec.result_type.id);
          return Status::OK();
        }
        const int32_t scale = program_.sum_scales[s];
        SumAcc total;
        for (const auto& [w, g] : o.parts) {
          const SumAcc& p = w->sums[g * ns + s];
          STRATA_RETURN_IF_ERROR(AddToSum(&total, p.sum, scale));
          if (p.spill.has_value()) {
            Numeric base = total.spill.has_value() ? *total.spill : Numeric();
            STRATA_ASSIGN_OR_RETURN(base, base.Add(*p.spill));
            total.spill = std::move(base);
          }
        }
        if (spec.int_result) {
          if (total.spill.has_value() || total.sum > INT64_MAX || total.sum < INT64_MIN) {
            return Status(SqlState::kNumericValueOutOfRange, "bigint out of range");
          }
          *out = Value::Int8(static_cast<int64_t>(total.sum));
          return Status::OK();
        }
        STRATA_ASSIGN_OR_RETURN(Numeric sum, NumericFromScaled(total.sum, scale));
        if (total.spill.has_value()) {
          STRATA_ASSIGN_OR_RETURN(sum, sum.Add(*total.spill));
        }
        if (spec.kind == AggKind::kSum) {
          *out = Value::FromNumeric(std::move(sum));
          return Status::OK();
        }
        STRATA_ASSIGN_OR_RETURN(Numeric avg, sum.Divide(Numeric::FromInt64(count)));
        *out = Value::FromNumeric(std::move(avg));
        return Status::OK();
      }
      case AggKind::kMin:
      case AggKind::kMax: {
        const size_t k = static_cast<size_t>(spec.slot);
        int64_t count = 0;
        int64_t v = spec.kind == AggKind::kMin ? INT64_MAX : INT64_MIN;
        for (const auto& [w, g] : o.parts) {
          const OtherAcc& p = w->others[g * no + k];
          if (p.count == 0) continue;
          count += p.count;
          v = spec.kind == AggKind::kMin ? std::min(v, p.min) : std::max(v, p.max);
        }
        if (count == 0) {
          *out = Value::Null(spec.result_type.id);
          return Status::OK();
        }
        ColumnVector one(spec.column_type);
        one.AppendInt(v);
        *out = one.GetValue(0);
        return Status::OK();
      }
    }
    return Status::Internal("unknown vectorized aggregate");
  }

  const PlanNode& plan_;
  ExecContext& ctx_;
  std::function<Result<std::unique_ptr<Operator>>()> row_fallback_;
  Program program_;
  std::vector<Worker> workers_;
  std::atomic<bool> abort_{false};
  std::unique_ptr<Operator> fallback_;
  std::vector<Row> rows_;
  size_t next_ = 0;
  bool done_ = false;
};

}  // namespace

bool CanVectorizeAggregate(const PlanNode& aggregate) {
  Program program;
  return CompileAggregate(aggregate, &program);
}

Result<std::unique_ptr<Operator>> BuildVectorizedAggregate(
    const PlanNode& aggregate, ExecContext& ctx,
    std::function<Result<std::unique_ptr<Operator>>()> row_fallback) {
  auto op = std::make_unique<VectorizedAggregateOp>(aggregate, ctx, std::move(row_fallback));
  STRATA_RETURN_IF_ERROR(op->Open());
  return std::unique_ptr<Operator>(std::move(op));
}

}  // namespace strata::sql::executor
