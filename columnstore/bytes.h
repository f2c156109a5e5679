#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/coding.h"

// Internal to columnstore/: little-endian and varint helpers for the segment
// format.
namespace strata::columnstore::bytes {

using ::strata::PutVarint;

inline void PutFixed64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

inline void PutFixed32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Bounds-checked reader over a byte string; every getter returns false
// instead of reading past the end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}

  bool Varint(uint64_t* v) { return GetVarint(&data_, v); }
  bool Fixed64(uint64_t* v) {
    if (data_.size() < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i)
      *v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[i])) << (8 * i);
    data_.remove_prefix(8);
    return true;
  }
  bool Byte(uint8_t* v) {
    if (data_.empty()) return false;
    *v = static_cast<uint8_t>(data_.front());
    data_.remove_prefix(1);
    return true;
  }
  bool Bytes(size_t n, std::string_view* v) {
    if (data_.size() < n) return false;
    *v = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool empty() const { return data_.empty(); }
  size_t remaining() const { return data_.size(); }

 private:
  std::string_view data_;
};

}  // namespace strata::columnstore::bytes
