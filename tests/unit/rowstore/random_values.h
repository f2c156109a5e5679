#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "common/numeric.h"
#include "common/types.h"
#include "common/value.h"

namespace strata {
// Lets gtest print Values in assertion failures.
inline void PrintTo(const Value& v, std::ostream* os) { *os << v.DebugString(); }
}  // namespace strata

namespace strata::rowstore::testing {

// Seeded generators of adversarial values: small alphabets and extreme
// values so that ties, prefixes, escapes and sign boundaries show up often.
class RandomValues {
 public:
  explicit RandomValues(uint64_t seed) : rng_(seed) {}

  uint64_t Next() { return rng_(); }
  size_t Uniform(size_t n) { return static_cast<size_t>(rng_() % n); }
  bool OneIn(size_t n) { return Uniform(n) == 0; }

  int64_t Int(int bits) {
    static const int64_t kEdges[] = {0, 1, -1, 2, -2, 127, -128, 255, 256};
    const int64_t min = bits == 64 ? INT64_MIN : -(int64_t{1} << (bits - 1));
    const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
    switch (Uniform(4)) {
      case 0:
        return kEdges[Uniform(std::size(kEdges))];
      case 1:
        return OneIn(2) ? min : max;
      case 2:
        return static_cast<int64_t>(Uniform(2001)) - 1000;
      default: {
        const uint64_t raw = rng_();
        if (bits == 64) return static_cast<int64_t>(raw);
        return static_cast<int64_t>(raw % static_cast<uint64_t>(max - min + 1)) + min;
      }
    }
  }

  double Float8() {
    static const double kEdges[] = {0.0, -0.0, 1.0, -1.0, 1.5, -1e300, 1e300, 5e-324, -5e-324,
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::numeric_limits<double>::quiet_NaN(),
                                    -std::numeric_limits<double>::quiet_NaN()};
    if (OneIn(3)) return kEdges[Uniform(std::size(kEdges))];
    if (OneIn(2)) return static_cast<double>(Int(32)) / 8.0;
    return std::bit_cast<double>(rng_());
  }

  float Float4() {
    if (OneIn(3)) return static_cast<float>(Float8());
    return std::bit_cast<float>(static_cast<uint32_t>(rng_()));
  }

  Numeric RandomNumeric() {
    if (OneIn(25)) return Numeric::NaN();
    std::string digits;
    const size_t len = Uniform(24);
    for (size_t i = 0; i < len; ++i) digits.push_back(static_cast<char>('0' + (OneIn(3) ? 0 : Uniform(10))));
    const int32_t scale = static_cast<int32_t>(Uniform(12));
    return *Numeric::FromParts(OneIn(2), digits, scale);
  }

  std::string Bytes(size_t max_len) {
    static const char kAlphabet[] = {'\0', '\x01', '\xff', 'a', 'b', ' '};
    std::string s;
    const size_t len = Uniform(max_len + 1);
    for (size_t i = 0; i < len; ++i) s.push_back(kAlphabet[Uniform(sizeof(kAlphabet))]);
    return s;
  }

  Value Of(const DataType& type) {
    switch (type.id) {
      case TypeId::kBool:
        return Value::Bool(OneIn(2));
      case TypeId::kInt2:
        return Value::Int2(static_cast<int16_t>(Int(16)));
      case TypeId::kInt4:
        return Value::Int4(static_cast<int32_t>(Int(32)));
      case TypeId::kInt8:
        return Value::Int8(Int(64));
      case TypeId::kFloat4:
        return Value::Float4(Float4());
      case TypeId::kFloat8:
        return Value::Float8(Float8());
      case TypeId::kNumeric:
        return Value::FromNumeric(RandomNumeric());
      case TypeId::kText:
      case TypeId::kVarchar:
      case TypeId::kBpchar:
      case TypeId::kBytea:
      case TypeId::kJson:
      case TypeId::kJsonb:
        return Value::String(type.id, Bytes(6));
      case TypeId::kDate:
        return Value::Date(static_cast<int32_t>(Int(32)));
      case TypeId::kTime:
        return Value::Time(static_cast<int64_t>(Uniform(static_cast<size_t>(kMicrosPerDay + 1))));
      case TypeId::kTimestamp:
        return Value::Timestamp(Int(64));
      case TypeId::kTimestampTz:
        return Value::TimestampTz(Int(64));
      case TypeId::kInterval:
        return Value::FromInterval(Interval{static_cast<int32_t>(Int(32)),
                                            static_cast<int32_t>(Int(32)), Int(64)});
      case TypeId::kUuid: {
        Uuid u;
        for (uint8_t& b : u) b = static_cast<uint8_t>(OneIn(2) ? Uniform(3) : rng_());
        return Value::FromUuid(u);
      }
      case TypeId::kArray: {
        std::vector<Value> elements;
        const size_t n = Uniform(4);
        for (size_t i = 0; i < n; ++i) {
          elements.push_back(OneIn(4) ? Value::Null(type.element) : Of(type.ElementType()));
        }
        return Value::Array(type.element, std::move(elements));
      }
      case TypeId::kRecord:  // not a column type
      case TypeId::kInvalid:
        break;
    }
    return Value();
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace strata::rowstore::testing
