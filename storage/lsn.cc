#include "storage/lsn.h"

#include <fmt/format.h>

namespace strata::storage {
namespace {

constexpr size_t kMaxLsnComponentDigits = 8;

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses 1-8 hex digits at the front of `text`; returns the number of digits
// consumed, 0 when there is no valid component.
size_t ParseComponent(std::string_view text, uint32_t* value) {
  uint32_t v = 0;
  size_t n = 0;
  while (n < text.size() && HexDigitValue(text[n]) >= 0) {
    if (n == kMaxLsnComponentDigits) return 0;
    v = (v << 4) | static_cast<uint32_t>(HexDigitValue(text[n]));
    ++n;
  }
  *value = v;
  return n;
}

}  // namespace

std::string FormatLsn(Lsn lsn) {
  return fmt::format("{:X}/{:X}", static_cast<uint32_t>(lsn >> 32), static_cast<uint32_t>(lsn));
}

Result<Lsn> ParseLsn(std::string_view text) {
  auto syntax_error = [&] {
    return Status(SqlState::kInvalidTextRepresentation,
                  fmt::format("invalid input syntax for type pg_lsn: \"{}\"", text));
  };
  uint32_t hi = 0;
  const size_t hi_len = ParseComponent(text, &hi);
  if (hi_len == 0 || hi_len >= text.size() || text[hi_len] != '/') return syntax_error();
  const std::string_view rest = text.substr(hi_len + 1);
  uint32_t lo = 0;
  const size_t lo_len = ParseComponent(rest, &lo);
  if (lo_len == 0 || lo_len != rest.size()) return syntax_error();
  return (static_cast<Lsn>(hi) << 32) | lo;
}

void AppendLsnBigEndian(std::string* dst, Lsn lsn) {
  char buf[kEncodedLsnSize];
  for (size_t i = 0; i < kEncodedLsnSize; ++i) {
    buf[i] = static_cast<char>(lsn >> (8 * (kEncodedLsnSize - 1 - i)));
  }
  dst->append(buf, kEncodedLsnSize);
}

Result<Lsn> DecodeLsnBigEndian(std::string_view bytes) {
  if (bytes.size() != kEncodedLsnSize) {
    return Status::Corruption(
        fmt::format("encoded LSN has {} bytes, expected {}", bytes.size(), kEncodedLsnSize));
  }
  Lsn lsn = 0;
  for (char c : bytes) lsn = (lsn << 8) | static_cast<uint8_t>(c);
  return lsn;
}

}  // namespace strata::storage
