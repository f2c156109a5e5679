#include "columnstore/encoding.h"

#include <lz4.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "columnstore/bytes.h"
#include "columnstore/crc32c.h"
#include "common/value_binary.h"

namespace strata::columnstore {

namespace {

using bytes::ByteReader;
using bytes::PutFixed32;
using bytes::PutFixed64;
using bytes::PutVarint;

Status Malformed(std::string_view what) {
  return Status::Corruption("malformed column segment block: " + std::string(what));
}

// ---- bit packing (LSB first) ----

int BitWidth(uint64_t max) { return max == 0 ? 0 : static_cast<int>(std::bit_width(max)); }

void PackBits(const std::vector<uint64_t>& values, int width, std::string* out) {
  out->push_back(static_cast<char>(width));
  if (width == 0) return;
  unsigned __int128 acc = 0;
  int bits = 0;
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  for (const uint64_t v : values) {
    acc |= static_cast<unsigned __int128>(v & mask) << bits;
    bits += width;
    while (bits >= 8) {
      out->push_back(static_cast<char>(static_cast<uint8_t>(acc)));
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out->push_back(static_cast<char>(static_cast<uint8_t>(acc)));
}

bool UnpackBits(ByteReader* in, size_t count, std::vector<uint64_t>* values) {
  uint8_t width = 0;
  if (!in->Byte(&width) || width > 64) return false;
  values->assign(count, 0);
  if (width == 0) return true;
  const size_t bytes = (count * width + 7) / 8;
  std::string_view data;
  if (!in->Bytes(bytes, &data)) return false;
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  size_t first_slow = 0;
  if (width <= 56) {
    // Fast path: one unaligned 8-byte little-endian load per value while
    // 8 bytes remain readable (a value spans at most 8 bytes at width <= 56).
    uint64_t* out = values->data();
    const char* base = data.data();
    size_t i = 0;
    for (; i < count; ++i) {
      const size_t bit = i * width;
      const size_t byte = bit >> 3;
      if (byte + 8 > bytes) break;
      uint64_t word;
      std::memcpy(&word, base + byte, 8);
      out[i] = (word >> (bit & 7)) & mask;
    }
    first_slow = i;
  }
  unsigned __int128 acc = 0;
  int bits = 0;
  size_t pos = (first_slow * width) >> 3;
  if (((first_slow * width) & 7) != 0) {
    acc = static_cast<uint8_t>(data[pos++]) >> ((first_slow * width) & 7);
    bits = 8 - static_cast<int>((first_slow * width) & 7);
  }
  for (size_t i = first_slow; i < count; ++i) {
    while (bits < width) {
      acc |= static_cast<unsigned __int128>(static_cast<uint8_t>(data[pos++])) << bits;
      bits += 8;
    }
    (*values)[i] = static_cast<uint64_t>(acc) & mask;
    acc >>= width;
    bits -= width;
  }
  return true;
}

// ---- typed value lists (the non-null values of a block) ----

// The non-null values of a block in the form blocks store them: int64,
// double bits, or bytes (strings, and binary-encoded kEncoded values).
struct Values {
  PhysicalType physical;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> bytes;

  size_t size() const {
    return physical == PhysicalType::kInt     ? ints.size()
           : physical == PhysicalType::kFloat ? floats.size()
                                              : bytes.size();
  }
};

Values NonNull(const ColumnVector& column) {
  Values v{column.physical, {}, {}, {}};
  for (size_t i = 0; i < column.size(); ++i) {
    if (column.IsNull(i)) continue;
    switch (column.physical) {
      case PhysicalType::kInt:
        v.ints.push_back(column.ints[i]);
        break;
      case PhysicalType::kFloat:
        v.floats.push_back(column.floats[i]);
        break;
      case PhysicalType::kString:
        v.bytes.push_back(column.strings[i]);
        break;
      case PhysicalType::kEncoded:
        v.bytes.push_back(EncodeBinary(column.values[i]));
        break;
    }
  }
  return v;
}

void PutPlainOne(const Values& v, size_t i, std::string* out) {
  switch (v.physical) {
    case PhysicalType::kInt:
      PutFixed64(static_cast<uint64_t>(v.ints[i]), out);
      break;
    case PhysicalType::kFloat:
      PutFixed64(std::bit_cast<uint64_t>(v.floats[i]), out);
      break;
    default:
      PutVarint(v.bytes[i].size(), out);
      out->append(v.bytes[i]);
      break;
  }
}

bool GetPlainOne(ByteReader* in, Values* v) {
  switch (v->physical) {
    case PhysicalType::kInt: {
      uint64_t x = 0;
      if (!in->Fixed64(&x)) return false;
      v->ints.push_back(static_cast<int64_t>(x));
      return true;
    }
    case PhysicalType::kFloat: {
      uint64_t x = 0;
      if (!in->Fixed64(&x)) return false;
      v->floats.push_back(std::bit_cast<double>(x));
      return true;
    }
    default: {
      uint64_t n = 0;
      std::string_view s;
      if (!in->Varint(&n) || !in->Bytes(n, &s)) return false;
      v->bytes.emplace_back(s);
      return true;
    }
  }
}

// Identity of value i for dictionaries and runs: bitwise for doubles (so
// -0.0 and 0.0, or NaN payloads, survive the round trip exactly).
bool SameValue(const Values& v, size_t a, size_t b) {
  switch (v.physical) {
    case PhysicalType::kInt:
      return v.ints[a] == v.ints[b];
    case PhysicalType::kFloat:
      return std::bit_cast<uint64_t>(v.floats[a]) == std::bit_cast<uint64_t>(v.floats[b]);
    default:
      return v.bytes[a] == v.bytes[b];
  }
}

void EncodePlain(const Values& v, std::string* out) {
  for (size_t i = 0; i < v.size(); ++i) PutPlainOne(v, i, out);
}

// Dictionary: the distinct values (in first-seen order), then bit-packed
// codes. Gives up (returns false) beyond 64K distinct values.
bool EncodeDictionary(const Values& v, std::string* out) {
  // Codes keyed by the value itself (ints and doubles by their bits, as
  // SameValue compares them; strings by a view into `v`): no copies.
  std::unordered_map<uint64_t, uint32_t> number_codes;
  std::unordered_map<std::string_view, uint32_t> string_codes;
  std::vector<size_t> firsts;
  std::vector<uint64_t> ids;
  ids.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const uint32_t fresh = static_cast<uint32_t>(firsts.size());
    std::pair<uint32_t, bool> code;
    switch (v.physical) {
      case PhysicalType::kInt: {
        auto [it, inserted] = number_codes.emplace(static_cast<uint64_t>(v.ints[i]), fresh);
        code = {it->second, inserted};
        break;
      }
      case PhysicalType::kFloat: {
        auto [it, inserted] = number_codes.emplace(std::bit_cast<uint64_t>(v.floats[i]), fresh);
        code = {it->second, inserted};
        break;
      }
      default: {
        auto [it, inserted] = string_codes.emplace(std::string_view(v.bytes[i]), fresh);
        code = {it->second, inserted};
        break;
      }
    }
    if (code.second) {
      firsts.push_back(i);
      if (firsts.size() > 65536) return false;
    }
    ids.push_back(code.first);
  }
  PutVarint(firsts.size(), out);
  for (const size_t i : firsts) PutPlainOne(v, i, out);
  PackBits(ids, BitWidth(firsts.empty() ? 0 : firsts.size() - 1), out);
  return true;
}

void EncodeRunLength(const Values& v, std::string* out) {
  std::string runs;
  uint64_t count = 0;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i + 1;
    while (j < v.size() && SameValue(v, i, j)) ++j;
    PutPlainOne(v, i, &runs);
    PutVarint(j - i, &runs);
    ++count;
    i = j;
  }
  PutVarint(count, out);
  out->append(runs);
}

void EncodeFor(const std::vector<int64_t>& ints, std::string* out) {
  const int64_t min = ints.empty() ? 0 : *std::min_element(ints.begin(), ints.end());
  std::vector<uint64_t> offsets(ints.size());
  uint64_t max = 0;
  for (size_t i = 0; i < ints.size(); ++i) {
    offsets[i] = static_cast<uint64_t>(ints[i]) - static_cast<uint64_t>(min);
    max = std::max(max, offsets[i]);
  }
  PutFixed64(static_cast<uint64_t>(min), out);
  PackBits(offsets, BitWidth(max), out);
}

bool DecodeFor(ByteReader* in, size_t count, std::vector<int64_t>* ints) {
  uint64_t min = 0;
  if (!in->Fixed64(&min)) return false;
  std::vector<uint64_t> offsets;
  if (!UnpackBits(in, count, &offsets)) return false;
  ints->resize(count);
  int64_t* out = ints->data();
  const uint64_t* off = offsets.data();
  for (size_t i = 0; i < count; ++i) out[i] = static_cast<int64_t>(min + off[i]);
  return true;
}

void EncodeDelta(const std::vector<int64_t>& ints, std::string* out) {
  if (ints.empty()) return;
  PutFixed64(static_cast<uint64_t>(ints[0]), out);
  std::vector<int64_t> deltas(ints.size() - 1);
  for (size_t i = 1; i < ints.size(); ++i) {
    deltas[i - 1] = static_cast<int64_t>(static_cast<uint64_t>(ints[i]) -
                                         static_cast<uint64_t>(ints[i - 1]));
  }
  EncodeFor(deltas, out);
}

bool DecodeDelta(ByteReader* in, size_t count, std::vector<int64_t>* ints) {
  if (count == 0) return true;
  uint64_t first = 0;
  std::vector<int64_t> deltas;
  if (!in->Fixed64(&first) || !DecodeFor(in, count - 1, &deltas)) return false;
  ints->resize(count);
  (*ints)[0] = static_cast<int64_t>(first);
  for (size_t i = 1; i < count; ++i) {
    (*ints)[i] = static_cast<int64_t>(static_cast<uint64_t>((*ints)[i - 1]) +
                                      static_cast<uint64_t>(deltas[i - 1]));
  }
  return true;
}

void Reserve(size_t count, Values* v) {
  switch (v->physical) {
    case PhysicalType::kInt:
      v->ints.reserve(count);
      break;
    case PhysicalType::kFloat:
      v->floats.reserve(count);
      break;
    default:
      v->bytes.reserve(count);
      break;
  }
}

bool DecodeBody(Encoding encoding, ByteReader* in, size_t count, Values* v) {
  switch (encoding) {
    case Encoding::kPlain:
      if (count > in->remaining()) return false;  // every value takes a byte at least
      Reserve(count, v);
      for (size_t i = 0; i < count; ++i) {
        if (!GetPlainOne(in, v)) return false;
      }
      return true;
    case Encoding::kDictionary: {
      uint64_t n = 0;
      if (!in->Varint(&n) || n > 65536 || (n == 0 && count > 0)) return false;
      Values dict{v->physical, {}, {}, {}};
      for (uint64_t i = 0; i < n; ++i) {
        if (!GetPlainOne(in, &dict)) return false;
      }
      std::vector<uint64_t> ids;
      if (!UnpackBits(in, count, &ids)) return false;
      uint64_t max_id = 0;
      for (const uint64_t id : ids) max_id = std::max(max_id, id);
      if (!ids.empty() && max_id >= n) return false;
      switch (v->physical) {
        case PhysicalType::kInt:
          v->ints.resize(count);
          for (size_t i = 0; i < count; ++i) v->ints[i] = dict.ints[ids[i]];
          break;
        case PhysicalType::kFloat:
          v->floats.resize(count);
          for (size_t i = 0; i < count; ++i) v->floats[i] = dict.floats[ids[i]];
          break;
        default:
          v->bytes.reserve(count);
          for (size_t i = 0; i < count; ++i) v->bytes.push_back(dict.bytes[ids[i]]);
          break;
      }
      return true;
    }
    case Encoding::kRunLength: {
      uint64_t runs = 0;
      if (!in->Varint(&runs)) return false;
      Reserve(count, v);
      size_t total = 0;
      for (uint64_t r = 0; r < runs; ++r) {
        Values one{v->physical, {}, {}, {}};
        uint64_t length = 0;
        if (!GetPlainOne(in, &one) || !in->Varint(&length) || length == 0 ||
            length > count - total) {
          return false;
        }
        total += length;
        for (uint64_t k = 0; k < length; ++k) {
          switch (v->physical) {
            case PhysicalType::kInt:
              v->ints.push_back(one.ints[0]);
              break;
            case PhysicalType::kFloat:
              v->floats.push_back(one.floats[0]);
              break;
            default:
              v->bytes.push_back(one.bytes[0]);
              break;
          }
        }
      }
      return total == count;
    }
    case Encoding::kFrameOfReference:
      return v->physical == PhysicalType::kInt && DecodeFor(in, count, &v->ints);
    case Encoding::kDelta:
      return v->physical == PhysicalType::kInt && DecodeDelta(in, count, &v->ints);
  }
  return false;
}

bool Applicable(Encoding e, PhysicalType physical) {
  if (e == Encoding::kFrameOfReference || e == Encoding::kDelta) {
    return physical == PhysicalType::kInt;
  }
  return true;
}

std::string EncodeWith(Encoding e, const Values& v, bool* ok) {
  std::string body;
  *ok = true;
  switch (e) {
    case Encoding::kPlain:
      EncodePlain(v, &body);
      break;
    case Encoding::kDictionary:
      *ok = EncodeDictionary(v, &body);
      break;
    case Encoding::kRunLength:
      EncodeRunLength(v, &body);
      break;
    case Encoding::kFrameOfReference:
      EncodeFor(v.ints, &body);
      break;
    case Encoding::kDelta:
      EncodeDelta(v.ints, &body);
      break;
  }
  return body;
}

}  // namespace

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlain:
      return "plain";
    case Encoding::kDictionary:
      return "dictionary";
    case Encoding::kRunLength:
      return "rle";
    case Encoding::kFrameOfReference:
      return "for";
    case Encoding::kDelta:
      return "delta";
  }
  return "?";
}

ZoneMap ComputeZoneMap(const ColumnVector& column) {
  ZoneMap z;
  z.row_count = static_cast<uint32_t>(column.size());
  std::optional<size_t> min_i;
  std::optional<size_t> max_i;
  for (size_t i = 0; i < column.size(); ++i) {
    if (column.IsNull(i)) {
      ++z.null_count;
      continue;
    }
    if (!min_i.has_value()) {
      min_i = max_i = i;
      continue;
    }
    int lo = 0;
    int hi = 0;
    switch (column.physical) {
      case PhysicalType::kInt:
        lo = column.ints[i] < column.ints[*min_i] ? -1 : 0;
        hi = column.ints[i] > column.ints[*max_i] ? 1 : 0;
        break;
      case PhysicalType::kFloat:
        lo = CompareDoubles(column.floats[i], column.floats[*min_i]);
        hi = CompareDoubles(column.floats[i], column.floats[*max_i]);
        break;
      case PhysicalType::kString:
        lo = CompareStrings(column.type.id, column.strings[i], column.strings[*min_i]);
        hi = CompareStrings(column.type.id, column.strings[i], column.strings[*max_i]);
        break;
      case PhysicalType::kEncoded:
        break;
    }
    if (lo < 0) min_i = i;
    if (hi > 0) max_i = i;
  }
  if (min_i.has_value() && column.physical != PhysicalType::kEncoded) {
    z.min = column.GetValue(*min_i);
    z.max = column.GetValue(*max_i);
  }
  return z;
}

// Block layout (see docs/formats/column_segment.md):
//   compression u8 | raw_size varint | payload | crc32c u32 (over all before)
// raw := encoding u8 | rows varint | null_count varint | [null bitmap] | body
EncodedBlock EncodeBlock(const ColumnVector& column, Compression compression, int zstd_level,
                         std::optional<Encoding> force) {
  EncodedBlock result;
  result.zone_map = ComputeZoneMap(column);
  const Values values = NonNull(column);

  Encoding best = Encoding::kPlain;
  bool ok = true;
  std::string best_body = EncodeWith(Encoding::kPlain, values, &ok);
  if (force.has_value() && Applicable(*force, column.physical)) {
    std::string body = EncodeWith(*force, values, &ok);
    if (ok) {
      best = *force;
      best_body = std::move(body);
    }
  } else {
    for (Encoding e : {Encoding::kDictionary, Encoding::kRunLength, Encoding::kFrameOfReference,
                       Encoding::kDelta}) {
      if (!Applicable(e, column.physical)) continue;
      std::string body = EncodeWith(e, values, &ok);
      if (ok && body.size() < best_body.size()) {
        best = e;
        best_body = std::move(body);
      }
    }
  }
  result.encoding = best;

  std::string raw;
  raw.push_back(static_cast<char>(best));
  PutVarint(column.size(), &raw);
  PutVarint(result.zone_map.null_count, &raw);
  if (result.zone_map.null_count > 0) {
    std::string bitmap((column.size() + 7) / 8, '\0');
    for (size_t i = 0; i < column.size(); ++i) {
      if (column.IsNull(i)) bitmap[i / 8] = static_cast<char>(bitmap[i / 8] | (1 << (i % 8)));
    }
    raw.append(bitmap);
  }
  raw.append(best_body);

  std::string compressed;
  Compression used = Compression::kNone;
  if (compression == Compression::kLz4 && !raw.empty()) {
    compressed.resize(static_cast<size_t>(LZ4_compressBound(static_cast<int>(raw.size()))));
    const int n = LZ4_compress_default(raw.data(), compressed.data(), static_cast<int>(raw.size()),
                                       static_cast<int>(compressed.size()));
    if (n > 0) {
      compressed.resize(static_cast<size_t>(n));
      used = Compression::kLz4;
    }
  } else if (compression == Compression::kZstd && !raw.empty()) {
    compressed.resize(ZSTD_compressBound(raw.size()));
    const size_t n =
        ZSTD_compress(compressed.data(), compressed.size(), raw.data(), raw.size(), zstd_level);
    if (ZSTD_isError(n) == 0) {
      compressed.resize(n);
      used = Compression::kZstd;
    }
  }
  // Decompression costs scan time on every read: keep it only when it
  // saves at least 1/8 of the block (bit-packed ints rarely shrink more).
  if (used != Compression::kNone && compressed.size() > raw.size() - raw.size() / 8) {
    used = Compression::kNone;
  }

  std::string& out = result.bytes;
  out.push_back(static_cast<char>(used));
  PutVarint(raw.size(), &out);
  out.append(used == Compression::kNone ? raw : compressed);
  PutFixed32(Crc32c(out), &out);
  return result;
}

Result<ColumnVector> DecodeBlock(std::string_view bytes, const DataType& type,
                                 uint32_t expected_rows) {
  if (bytes.size() < 5) return Malformed("too short");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  uint32_t stored_crc = 0;
  for (int i = 0; i < 4; ++i) {
    stored_crc |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[body.size() + i])) << (8 * i);
  }
  if (Crc32c(body) != stored_crc) return Malformed("checksum mismatch");
  ByteReader in(body);
  uint8_t compression = 0;
  uint64_t raw_size = 0;
  if (!in.Byte(&compression) || !in.Varint(&raw_size) || raw_size > (uint64_t{1} << 32)) {
    return Malformed("header");
  }
  std::string_view payload;
  if (!in.Bytes(in.remaining(), &payload)) return Malformed("payload");
  std::string raw;
  switch (static_cast<Compression>(compression)) {
    case Compression::kNone:
      if (payload.size() != raw_size) return Malformed("size");
      raw.assign(payload);
      break;
    case Compression::kLz4: {
      raw.resize(raw_size);
      const int n = LZ4_decompress_safe(payload.data(), raw.data(), static_cast<int>(payload.size()),
                                        static_cast<int>(raw_size));
      if (n < 0 || static_cast<uint64_t>(n) != raw_size) return Malformed("lz4");
      break;
    }
    case Compression::kZstd: {
      raw.resize(raw_size);
      const size_t n = ZSTD_decompress(raw.data(), raw.size(), payload.data(), payload.size());
      if (ZSTD_isError(n) != 0 || n != raw_size) return Malformed("zstd");
      break;
    }
    default:
      return Malformed("unknown compression");
  }

  ByteReader r(raw);
  uint8_t encoding = 0;
  uint64_t rows = 0;
  uint64_t null_count = 0;
  if (!r.Byte(&encoding) || encoding > static_cast<uint8_t>(Encoding::kDelta) || !r.Varint(&rows) ||
      rows != expected_rows || !r.Varint(&null_count) || null_count > rows) {
    return Malformed("raw header");
  }
  ColumnVector column(type);
  std::string_view bitmap;
  if (null_count > 0 && !r.Bytes((rows + 7) / 8, &bitmap)) return Malformed("null bitmap");
  Values values{column.physical, {}, {}, {}};
  if (!DecodeBody(static_cast<Encoding>(encoding), &r, rows - null_count, &values) || !r.empty() ||
      values.size() != rows - null_count) {
    return Malformed("body");
  }
  if (null_count == 0 && column.physical != PhysicalType::kEncoded) {
    // No NULLs: the decoded values are the column (moved, not copied).
    column.nulls.assign(rows, 0);
    switch (column.physical) {
      case PhysicalType::kInt:
        column.ints = std::move(values.ints);
        break;
      case PhysicalType::kFloat:
        column.floats = std::move(values.floats);
        break;
      default:
        column.strings = std::move(values.bytes);
        break;
    }
    return column;
  }
  column.Reserve(rows);
  size_t next = 0;
  uint64_t nulls_seen = 0;
  for (size_t i = 0; i < rows; ++i) {
    const bool is_null =
        null_count > 0 && (static_cast<uint8_t>(bitmap[i / 8]) & (1u << (i % 8))) != 0;
    if (is_null) {
      ++nulls_seen;
      column.AppendNull();
      continue;
    }
    if (next >= values.size()) return Malformed("null count");
    switch (column.physical) {
      case PhysicalType::kInt:
        column.AppendInt(values.ints[next]);
        break;
      case PhysicalType::kFloat:
        column.AppendFloat(values.floats[next]);
        break;
      case PhysicalType::kString:
        column.AppendString(values.bytes[next]);
        break;
      case PhysicalType::kEncoded: {
        Result<Value> v = DecodeBinary(type, values.bytes[next]);
        if (!v.ok()) return Malformed("value: " + std::string(v.status().message()));
        column.nulls.push_back(0);
        column.values.push_back(std::move(v).value());
        break;
      }
    }
    ++next;
  }
  if (nulls_seen != null_count) return Malformed("null count");
  return column;
}

}  // namespace strata::columnstore
