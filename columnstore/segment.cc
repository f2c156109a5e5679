#include "columnstore/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <utility>

#include "columnstore/bytes.h"
#include "columnstore/crc32c.h"
#include "common/crash_point.h"
#include "common/sql_state.h"

namespace strata::columnstore {

namespace {

using bytes::ByteReader;
using bytes::PutFixed32;
using bytes::PutFixed64;
using bytes::PutVarint;

constexpr std::string_view kMagic("STRSEG01", 8);
// 2: numeric(p <= 18, s) columns are stored as scaled ints (format 1 held
// them as PostgreSQL binary values); format 1 files without such columns
// read the same.
constexpr uint64_t kFormatVersion = 2;
constexpr size_t kTailSize = 4 + 4 + 8;

Status IoError(const std::string& what, const std::string& path) {
  return Status::IoError(what + " \"" + path + "\": " + std::strerror(errno));
}

Status BadFooter(const std::string& path, std::string_view what) {
  return Status::Corruption("column segment \"" + path + "\": " + std::string(what));
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status PreadAll(int fd, uint64_t offset, size_t size, std::string* out, const std::string& path) {
  out->resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out->data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read", path);
    }
    if (n == 0) return BadFooter(path, "truncated file");
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

void PutMinMax(const Value& v, const DataType& type, std::string* out) {
  switch (PhysicalTypeOf(type)) {
    case PhysicalType::kInt:
      PutFixed64(static_cast<uint64_t>(IntPayload(type, v)), out);
      break;
    case PhysicalType::kFloat:
      PutFixed64(std::bit_cast<uint64_t>(v.float_value()), out);
      break;
    default:
      PutVarint(v.string_value().size(), out);
      out->append(v.string_value());
      break;
  }
}

bool GetMinMax(ByteReader* in, const DataType& type, Value* v) {
  ColumnVector one(type);
  switch (one.physical) {
    case PhysicalType::kInt: {
      uint64_t x = 0;
      if (!in->Fixed64(&x)) return false;
      one.AppendInt(static_cast<int64_t>(x));
      break;
    }
    case PhysicalType::kFloat: {
      uint64_t x = 0;
      if (!in->Fixed64(&x)) return false;
      one.AppendFloat(std::bit_cast<double>(x));
      break;
    }
    case PhysicalType::kString: {
      uint64_t n = 0;
      std::string_view s;
      if (!in->Varint(&n) || !in->Bytes(n, &s)) return false;
      one.AppendString(s);
      break;
    }
    case PhysicalType::kEncoded:
      return false;
  }
  *v = one.GetValue(0);
  return true;
}

bool ValidType(uint8_t id, uint8_t element) {
  if (id == 0 || id > kMaxTypeId) return false;
  if (id == static_cast<uint8_t>(TypeId::kArray)) {
    return element != 0 && element < static_cast<uint8_t>(TypeId::kArray);
  }
  return element == 0;
}

}  // namespace

// ---------------------------------------------------------------- writer

SegmentWriter::SegmentWriter(std::vector<SegmentColumn> columns,
                             std::vector<uint32_t> sort_column_ids, SegmentWriteOptions options)
    : columns_(std::move(columns)),
      sort_column_ids_(std::move(sort_column_ids)),
      options_(options),
      blocks_(columns_.size()) {
  if (options_.block_rows == 0) options_.block_rows = 4096;
  for (const SegmentColumn& c : columns_) {
    pending_.emplace_back(c.type);
    pending_.back().Reserve(options_.block_rows);
  }
}

void SegmentWriter::AppendRow(std::span<const Value> values) {
  for (size_t i = 0; i < columns_.size(); ++i) pending_[i].AppendValue(values[i]);
  ++row_count_;
  if (pending_.empty() || pending_.front().size() >= options_.block_rows) FlushBlock();
}

void SegmentWriter::FlushBlock() {
  if (pending_.empty() || pending_.front().size() == 0) return;
  block_rows_.push_back(static_cast<uint32_t>(pending_.front().size()));
  for (size_t i = 0; i < columns_.size(); ++i) {
    std::optional<Encoding> force;
    if (columns_[i].dictionary) force = Encoding::kDictionary;
    EncodedBlock block =
        EncodeBlock(pending_[i], options_.compression, options_.zstd_level, force);
    blocks_[i].push_back(BlockMeta{kMagic.size() + data_.size(),
                                   static_cast<uint32_t>(block.bytes.size()), block.encoding,
                                   std::move(block.zone_map)});
    data_.append(block.bytes);
    pending_[i].Clear();
  }
}

Result<uint64_t> SegmentWriter::Finish(const std::string& path) {
  FlushBlock();
  std::string footer;
  PutVarint(kFormatVersion, &footer);
  PutVarint(row_count_, &footer);
  PutVarint(options_.block_rows, &footer);
  PutVarint(block_rows_.size(), &footer);
  for (const uint32_t n : block_rows_) PutVarint(n, &footer);
  PutVarint(columns_.size(), &footer);
  for (size_t i = 0; i < columns_.size(); ++i) {
    const SegmentColumn& c = columns_[i];
    PutVarint(c.column_id, &footer);
    footer.push_back(static_cast<char>(c.type.id));
    PutFixed32(static_cast<uint32_t>(c.type.typmod), &footer);
    footer.push_back(static_cast<char>(c.type.element));
    footer.push_back(static_cast<char>(c.primary_key ? 1 : 0));
    const PhysicalType physical = PhysicalTypeOf(c.type);
    for (const BlockMeta& b : blocks_[i]) {
      PutVarint(b.offset, &footer);
      PutVarint(b.size, &footer);
      footer.push_back(static_cast<char>(b.encoding));
      PutVarint(b.zone.null_count, &footer);
      const bool minmax = b.zone.min.has_value() && physical != PhysicalType::kEncoded;
      footer.push_back(static_cast<char>(minmax ? 1 : 0));
      if (minmax) {
        PutMinMax(*b.zone.min, c.type, &footer);
        PutMinMax(*b.zone.max, c.type, &footer);
      }
    }
  }
  PutVarint(sort_column_ids_.size(), &footer);
  for (const uint32_t id : sort_column_ids_) PutVarint(id, &footer);

  std::string tail;
  PutFixed32(static_cast<uint32_t>(footer.size()), &tail);
  PutFixed32(Crc32c(footer), &tail);
  tail.append(kMagic);

  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create", tmp);
  Status s = WriteAll(fd, kMagic, tmp);
  if (s.ok()) s = WriteAll(fd, data_, tmp);
  if (s.ok()) s = WriteAll(fd, footer, tmp);
  if (s.ok()) s = WriteAll(fd, tail, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = IoError("cannot fsync", tmp);
  if (s.ok()) CrashPoint("column_segment.tmp_written");  // a .tmp file left behind
  ::close(fd);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = IoError("cannot rename", tmp);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    const int rc = ::fsync(dir_fd);
    ::close(dir_fd);
    if (rc != 0) return IoError("cannot fsync directory", dir);
  }
  return kMagic.size() + data_.size() + footer.size() + tail.size();
}

// ---------------------------------------------------------------- reader

Segment::~Segment() {
  if (fd_ >= 0) ::close(fd_);
}

int Segment::FindColumn(uint32_t column_id) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].column_id == column_id) return static_cast<int>(i);
  }
  return -1;
}

Result<std::shared_ptr<const Segment>> Segment::Open(const std::string& path) {
  std::shared_ptr<Segment> seg(new Segment());
  seg->path_ = path;
  seg->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (seg->fd_ < 0) return IoError("cannot open", path);
  struct stat st {};
  if (::fstat(seg->fd_, &st) != 0) return IoError("cannot stat", path);
  seg->file_size_ = static_cast<uint64_t>(st.st_size);
  if (seg->file_size_ < kMagic.size() + kTailSize) return BadFooter(path, "file too short");
  std::string tail;
  STRATA_RETURN_IF_ERROR(PreadAll(seg->fd_, seg->file_size_ - kTailSize, kTailSize, &tail, path));
  if (std::string_view(tail).substr(8) != kMagic) return BadFooter(path, "bad magic");
  ByteReader tail_reader(std::string_view(tail).substr(0, 8));
  uint64_t sizes = 0;
  if (!tail_reader.Fixed64(&sizes)) return BadFooter(path, "bad tail");
  const uint32_t footer_size = static_cast<uint32_t>(sizes);
  const uint32_t footer_crc = static_cast<uint32_t>(sizes >> 32);
  if (footer_size > seg->file_size_ - kMagic.size() - kTailSize) {
    return BadFooter(path, "bad footer size");
  }
  const uint64_t footer_offset = seg->file_size_ - kTailSize - footer_size;
  std::string footer;
  STRATA_RETURN_IF_ERROR(PreadAll(seg->fd_, footer_offset, footer_size, &footer, path));
  if (Crc32c(footer) != footer_crc) return BadFooter(path, "footer checksum mismatch");

  ByteReader in(footer);
  uint64_t version = 0;
  uint64_t block_rows = 0;
  uint64_t block_count = 0;
  if (!in.Varint(&version) || version < 1 || version > kFormatVersion) {
    return BadFooter(path, "bad version");
  }
  if (!in.Varint(&seg->row_count_) || !in.Varint(&block_rows) || block_rows == 0 ||
      block_rows > (1u << 24) || !in.Varint(&block_count) || block_count > seg->row_count_) {
    return BadFooter(path, "bad header");
  }
  seg->block_rows_ = static_cast<uint32_t>(block_rows);
  uint64_t start = 0;
  for (uint64_t b = 0; b < block_count; ++b) {
    uint64_t n = 0;
    if (!in.Varint(&n) || n == 0 || n > block_rows) return BadFooter(path, "bad block size");
    seg->block_starts_.push_back(start);
    seg->block_sizes_.push_back(static_cast<uint32_t>(n));
    start += n;
  }
  if (start != seg->row_count_) return BadFooter(path, "block sizes do not add up");
  uint64_t column_count = 0;
  if (!in.Varint(&column_count) || column_count > 100000) return BadFooter(path, "bad columns");
  for (uint64_t c = 0; c < column_count; ++c) {
    SegmentColumnInfo info;
    uint64_t id = 0;
    uint8_t type_id = 0;
    uint8_t element = 0;
    uint8_t flags = 0;
    uint64_t typmod = 0;
    if (!in.Varint(&id) || id > std::numeric_limits<uint32_t>::max() || !in.Byte(&type_id)) {
      return BadFooter(path, "bad column");
    }
    uint64_t typmod_bytes = 0;
    std::string_view typmod_raw;
    if (!in.Bytes(4, &typmod_raw) || !in.Byte(&element) || !in.Byte(&flags) ||
        !ValidType(type_id, element)) {
      return BadFooter(path, "bad column type");
    }
    for (int i = 0; i < 4; ++i) {
      typmod_bytes |= static_cast<uint64_t>(static_cast<uint8_t>(typmod_raw[i])) << (8 * i);
    }
    typmod = typmod_bytes;
    info.column_id = static_cast<uint32_t>(id);
    info.type = DataType{static_cast<TypeId>(type_id), static_cast<int32_t>(static_cast<uint32_t>(typmod)),
                         static_cast<TypeId>(element)};
    info.primary_key = (flags & 1) != 0;
    if (version < 2 && IsScaledNumeric(info.type)) {
      return BadFooter(path, "format 1 numeric column; rewrite the table");
    }
    const PhysicalType physical = PhysicalTypeOf(info.type);
    for (uint64_t b = 0; b < block_count; ++b) {
      SegmentBlockInfo block;
      uint64_t offset = 0;
      uint64_t size = 0;
      uint8_t encoding = 0;
      uint64_t nulls = 0;
      uint8_t minmax = 0;
      if (!in.Varint(&offset) || !in.Varint(&size) || offset < kMagic.size() ||
          offset + size > footer_offset || !in.Byte(&encoding) ||
          encoding > static_cast<uint8_t>(Encoding::kDelta) || !in.Varint(&nulls) ||
          nulls > seg->block_sizes_[b] || !in.Byte(&minmax) || minmax > 1) {
        return BadFooter(path, "bad block entry");
      }
      block.offset = offset;
      block.size = static_cast<uint32_t>(size);
      block.encoding = static_cast<Encoding>(encoding);
      block.zone.row_count = seg->block_sizes_[b];
      block.zone.null_count = static_cast<uint32_t>(nulls);
      if (minmax == 1) {
        if (physical == PhysicalType::kEncoded) return BadFooter(path, "unexpected zone map");
        Value lo;
        Value hi;
        if (!GetMinMax(&in, info.type, &lo) || !GetMinMax(&in, info.type, &hi)) {
          return BadFooter(path, "bad zone map");
        }
        block.zone.min = std::move(lo);
        block.zone.max = std::move(hi);
      }
      info.blocks.push_back(std::move(block));
    }
    seg->columns_.push_back(std::move(info));
  }
  uint64_t sort_count = 0;
  if (!in.Varint(&sort_count) || sort_count > column_count) return BadFooter(path, "bad sort key");
  for (uint64_t i = 0; i < sort_count; ++i) {
    uint64_t id = 0;
    if (!in.Varint(&id)) return BadFooter(path, "bad sort key");
    seg->sort_column_ids_.push_back(static_cast<uint32_t>(id));
  }
  if (!in.empty()) return BadFooter(path, "trailing footer bytes");
  return std::shared_ptr<const Segment>(std::move(seg));
}

Result<ColumnVector> Segment::ReadBlock(size_t column, size_t block) const {
  const SegmentColumnInfo& c = columns_[column];
  const SegmentBlockInfo& b = c.blocks[block];
  std::string data;
  STRATA_RETURN_IF_ERROR(PreadAll(fd_, b.offset, b.size, &data, path_));
  Result<ColumnVector> v = DecodeBlock(data, c.type, block_sizes_[block]);
  if (!v.ok()) return v.status().Prepend("column segment \"" + path_ + "\"");
  return v;
}

// ---------------------------------------------------------------- scanner

void InitBatch(std::span<const ScanColumn> schema, std::span<const uint32_t> projection,
               ColumnBatch* batch) {
  batch->column_ids.assign(projection.begin(), projection.end());
  batch->columns.clear();
  for (const uint32_t id : projection) {
    DataType type = DataType::Of(TypeId::kBytea);
    for (const ScanColumn& c : schema) {
      if (c.column_id == id) type = c.type;
    }
    batch->columns.emplace_back(type);
  }
  batch->ordinals.clear();
  batch->row_count = 0;
}

SegmentScanner::SegmentScanner(std::shared_ptr<const Segment> segment, SegmentScanOptions options)
    : segment_(std::move(segment)), options_(std::move(options)) {}

Result<std::unique_ptr<SegmentScanner>> SegmentScanner::Create(
    std::shared_ptr<const Segment> segment, SegmentScanOptions options) {
  std::unique_ptr<SegmentScanner> s(new SegmentScanner(std::move(segment), std::move(options)));
  const Segment& seg = *s->segment_;
  auto schema_index = [&](uint32_t id) -> Result<size_t> {
    for (size_t i = 0; i < s->options_.schema.size(); ++i) {
      if (s->options_.schema[i].column_id == id) return i;
    }
    return Status(SqlState::kUndefinedColumn,
                  "column id " + std::to_string(id) + " is not in the scan schema");
  };
  for (const ScanColumn& c : s->options_.schema) {
    const int idx = seg.FindColumn(c.column_id);
    if (idx >= 0 && PhysicalTypeOf(seg.columns()[idx].type) != PhysicalTypeOf(c.type)) {
      return Status::Corruption("column segment stores column id " + std::to_string(c.column_id) +
                                " as " + seg.columns()[idx].type.ToString() + ", expected " +
                                c.type.ToString());
    }
    s->segment_index_.push_back(idx);
  }
  s->row_key_index_ = seg.FindColumn(kRowKeyColumnId);
  s->next_block_ = s->options_.block_offset % std::max<uint32_t>(1, s->options_.block_stride);
  for (const uint32_t id : s->options_.projection) {
    if (id == kRowKeyColumnId) {
      if (s->row_key_index_ < 0) return Status::Corruption("column segment has no row keys");
      s->projection_schema_.push_back(SIZE_MAX);
      continue;
    }
    STRATA_ASSIGN_OR_RETURN(size_t i, schema_index(id));
    s->projection_schema_.push_back(i);
  }
  for (const ColumnPredicate& p : s->options_.predicates) {
    STRATA_ASSIGN_OR_RETURN(size_t i, schema_index(p.column_id));
    STRATA_RETURN_IF_ERROR(ValidatePredicate(p, s->options_.schema[i].type));
    s->predicate_schema_.push_back(i);
    // A predicate on a column the segment lacks is decided once by the
    // column's missing value.
    if (s->segment_index_[i] < 0 && !MatchValue(p, s->options_.schema[i].missing_value)) {
      s->exhausted_ = true;
    }
  }
  return s;
}

Result<bool> SegmentScanner::Next(ColumnBatch* batch) {
  InitBatch(options_.schema, options_.projection, batch);
  const Segment& seg = *segment_;
  const uint32_t stride = std::max<uint32_t>(1, options_.block_stride);
  std::vector<uint8_t> proven(options_.predicates.size());
  while (!exhausted_ && next_block_ < seg.block_count()) {
    const size_t b = next_block_;
    next_block_ += stride;
    ++stats_.blocks_total;
    const uint64_t start = seg.block_start(b);
    const uint32_t n = seg.block_size(b);
    bool skip = false;
    for (size_t k = 0; k < options_.predicates.size() && !skip; ++k) {
      proven[k] = 0;
      const int idx = segment_index_[predicate_schema_[k]];
      if (idx < 0) continue;
      const ZoneMap& zone = seg.columns()[idx].blocks[b].zone;
      if (!ZoneMayMatch(options_.predicates[k], zone)) {
        skip = true;
      } else if (ZoneAllMatch(options_.predicates[k], zone)) {
        proven[k] = 1;
        ++stats_.predicates_proven;
      }
    }
    std::vector<uint32_t> selection;
    if (!skip) {
      selection.reserve(n);
      const DeleteVector* deleted = options_.deleted;
      if (deleted != nullptr && deleted->isEmpty()) deleted = nullptr;
      for (uint32_t i = 0; i < n; ++i) {
        if (deleted != nullptr && deleted->contains(static_cast<uint32_t>(start + i))) continue;
        selection.push_back(i);
      }
      skip = selection.empty();
    }
    if (skip) {
      ++stats_.blocks_skipped;
      continue;
    }
    // Decoded blocks of this block index, per schema entry.
    std::vector<std::optional<ColumnVector>> decoded(options_.schema.size());
    for (size_t k = 0; k < options_.predicates.size() && !selection.empty(); ++k) {
      const size_t si = predicate_schema_[k];
      const int idx = segment_index_[si];
      if (idx < 0 || proven[k] != 0) continue;  // decided in Create / by the zone map
      if (!decoded[si].has_value()) {
        STRATA_ASSIGN_OR_RETURN(ColumnVector v, seg.ReadBlock(static_cast<size_t>(idx), b));
        ++stats_.blocks_decoded;
        decoded[si] = std::move(v);
      }
      FilterColumn(options_.predicates[k], *decoded[si], &selection);
    }
    if (selection.empty()) continue;
    for (size_t out = 0; out < projection_schema_.size(); ++out) {
      const size_t si = projection_schema_[out];
      ColumnVector& dest = batch->columns[out];
      if (si == SIZE_MAX) {
        STRATA_ASSIGN_OR_RETURN(ColumnVector v,
                                seg.ReadBlock(static_cast<size_t>(row_key_index_), b));
        ++stats_.blocks_decoded;
        dest.AppendSelected(v, selection);
        continue;
      }
      const int idx = segment_index_[si];
      if (idx < 0) {
        dest.AppendRepeated(options_.schema[si].missing_value, selection.size());
        continue;
      }
      if (!decoded[si].has_value()) {
        STRATA_ASSIGN_OR_RETURN(ColumnVector v, seg.ReadBlock(static_cast<size_t>(idx), b));
        ++stats_.blocks_decoded;
        decoded[si] = std::move(v);
      }
      if (decoded[si]->type.id != dest.type.id) {
        // Same physical type, other TypeId (e.g. varchar stored, text now).
        for (const uint32_t i : selection) dest.AppendFrom(*decoded[si], i);
      } else if (decoded[si]->type != dest.type && IsScaledNumeric(dest.type)) {
        // Another numeric scale: rescale through the value.
        for (const uint32_t i : selection) dest.AppendValue(decoded[si]->GetValue(i));
      } else if (selection.size() == n && dest.size() == 0) {
        // Every row survives: hand the decoded block over (no copy). A
        // column projected twice decodes again.
        const DataType type = dest.type;
        dest = std::move(*decoded[si]);
        dest.type = type;
        decoded[si].reset();
      } else {
        dest.AppendSelected(*decoded[si], selection);
      }
    }
    if (options_.with_ordinals) {
      for (const uint32_t i : selection) batch->ordinals.push_back(static_cast<uint32_t>(start + i));
    }
    batch->row_count = selection.size();
    stats_.rows_produced += selection.size();
    return true;
  }
  exhausted_ = true;
  return false;
}

}  // namespace strata::columnstore
