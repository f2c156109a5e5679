#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// LEB128 varints shared by every on-disk format (rows, column segments,
// binlog records). Formats are persisted: never change the encoding.
namespace strata {

// Appends `v` in 1 to 10 bytes, 7 bits per byte, low bits first.
inline void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint from the front of *in and advances past it. Returns false,
// leaving *in unspecified, when the input ends inside the varint, runs past
// 10 bytes, or does not fit in 64 bits (data-dependent: callers turn it into
// a Corruption status).
inline bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (in->empty()) return false;
    const uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace strata
