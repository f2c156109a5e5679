#include "storage/binlog_store.h"

#include <algorithm>
#include <utility>

#include <rocksdb/write_batch.h>

#include "binlog/record.h"
#include "common/coding.h"
#include "common/macros.h"
#include "storage/catalog_store.h"
#include "storage/rocksdb_status.h"

namespace strata::storage::binlog_store {

namespace {

constexpr uint8_t kCommitIndexVersion = 1;
constexpr uint8_t kHistoryVersion = 1;
constexpr uint8_t kTruncateCascade = 1;
constexpr uint8_t kTruncateRestartIdentity = 2;

void PutSigned(int64_t v, std::string* out) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

// Reads the formats below; every failure is Corruption.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  static Status Bad(std::string_view what) {
    return Status::Corruption("binlog " + std::string(what) + " record is malformed");
  }
  Result<uint64_t> Varint(std::string_view what) {
    uint64_t v = 0;
    if (!GetVarint(&in_, &v)) return Bad(what);
    return v;
  }
  Result<uint8_t> Byte(std::string_view what) {
    if (in_.empty()) return Bad(what);
    const uint8_t b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  Result<std::string_view> Bytes(size_t n, std::string_view what) {
    if (in_.size() < n) return Bad(what);
    std::string_view out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }
  std::string_view rest() const { return in_; }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

Result<uint32_t> U32(Reader* r, std::string_view what) {
  STRATA_ASSIGN_OR_RETURN(uint64_t v, r->Varint(what));
  if (v > UINT32_MAX) return Reader::Bad(what);
  return static_cast<uint32_t>(v);
}

}  // namespace

std::string EncodeCommitIndex(const CommitIndexEntry& e) {
  std::string out;
  out.push_back(static_cast<char>(kCommitIndexVersion));
  PutVarint(e.xid, &out);
  PutSigned(e.commit_time_us, &out);
  PutVarint(e.record_count, &out);
  PutVarint(e.row_bytes, &out);
  PutVarint(e.parts.size(), &out);
  for (const CommitPart& p : e.parts) {
    PutVarint(p.table_id, &out);
    PutVarint(p.shard, &out);
  }
  PutVarint(e.truncates.size(), &out);
  for (const CommitTruncate& t : e.truncates) {
    PutVarint(t.seq, &out);
    out.push_back(static_cast<char>((t.cascade ? kTruncateCascade : 0) |
                                    (t.restart_identity ? kTruncateRestartIdentity : 0)));
    PutVarint(t.table_ids.size(), &out);
    for (uint32_t id : t.table_ids) PutVarint(id, &out);
  }
  return out;
}

Result<CommitIndexEntry> DecodeCommitIndex(std::string_view bytes) {
  constexpr std::string_view kWhat = "commit index";
  Reader r(bytes);
  STRATA_ASSIGN_OR_RETURN(uint8_t version, r.Byte(kWhat));
  if (version != kCommitIndexVersion) return Reader::Bad(kWhat);
  CommitIndexEntry e;
  STRATA_ASSIGN_OR_RETURN(e.xid, U32(&r, kWhat));
  STRATA_ASSIGN_OR_RETURN(uint64_t ts, r.Varint(kWhat));
  e.commit_time_us = static_cast<int64_t>((ts >> 1) ^ (~(ts & 1) + 1));
  STRATA_ASSIGN_OR_RETURN(e.record_count, U32(&r, kWhat));
  STRATA_ASSIGN_OR_RETURN(e.row_bytes, r.Varint(kWhat));
  STRATA_ASSIGN_OR_RETURN(uint64_t parts, r.Varint(kWhat));
  if (parts > bytes.size()) return Reader::Bad(kWhat);
  for (uint64_t i = 0; i < parts; ++i) {
    CommitPart p;
    STRATA_ASSIGN_OR_RETURN(p.table_id, U32(&r, kWhat));
    STRATA_ASSIGN_OR_RETURN(uint32_t shard, U32(&r, kWhat));
    if (shard >= kHistoryShard) return Reader::Bad(kWhat);
    p.shard = static_cast<uint16_t>(shard);
    e.parts.push_back(p);
  }
  STRATA_ASSIGN_OR_RETURN(uint64_t truncates, r.Varint(kWhat));
  if (truncates > bytes.size()) return Reader::Bad(kWhat);
  for (uint64_t i = 0; i < truncates; ++i) {
    CommitTruncate t;
    STRATA_ASSIGN_OR_RETURN(t.seq, U32(&r, kWhat));
    STRATA_ASSIGN_OR_RETURN(uint8_t flags, r.Byte(kWhat));
    if ((flags & ~(kTruncateCascade | kTruncateRestartIdentity)) != 0) return Reader::Bad(kWhat);
    t.cascade = (flags & kTruncateCascade) != 0;
    t.restart_identity = (flags & kTruncateRestartIdentity) != 0;
    STRATA_ASSIGN_OR_RETURN(uint64_t n, r.Varint(kWhat));
    if (n > bytes.size()) return Reader::Bad(kWhat);
    for (uint64_t j = 0; j < n; ++j) {
      STRATA_ASSIGN_OR_RETURN(uint32_t id, U32(&r, kWhat));
      t.table_ids.push_back(id);
    }
    e.truncates.push_back(std::move(t));
  }
  if (!r.empty()) return Reader::Bad(kWhat);
  return e;
}

std::string EncodeTableHistory(std::string_view schema_name, const TableDef& def, bool dropped) {
  std::string out;
  out.push_back(static_cast<char>(kHistoryVersion));
  PutVarint(schema_name.size(), &out);
  out.append(schema_name);
  out.push_back(dropped ? 1 : 0);
  out += EncodeTable(def);
  return out;
}

Result<TableHistory> DecodeTableHistory(std::string_view bytes) {
  constexpr std::string_view kWhat = "table history";
  Reader r(bytes);
  STRATA_ASSIGN_OR_RETURN(uint8_t version, r.Byte(kWhat));
  if (version != kHistoryVersion) return Reader::Bad(kWhat);
  STRATA_ASSIGN_OR_RETURN(uint64_t name_size, r.Varint(kWhat));
  STRATA_ASSIGN_OR_RETURN(std::string_view name, r.Bytes(name_size, kWhat));
  STRATA_ASSIGN_OR_RETURN(uint8_t dropped, r.Byte(kWhat));
  if (dropped > 1) return Reader::Bad(kWhat);
  TableHistory out;
  out.schema_name = std::string(name);
  out.dropped = dropped == 1;
  STRATA_ASSIGN_OR_RETURN(out.def, DecodeTable(r.rest()));
  return out;
}

uint16_t ShardOfRowKey(std::string_view row_key) {
  if (row_key.size() < 6) return 0;
  return static_cast<uint16_t>((static_cast<uint8_t>(row_key[4]) << 8) |
                               static_cast<uint8_t>(row_key[5]));
}

void ChangeBuffer::AddRowChange(uint32_t table_id, std::string_view old_key, const Row* before,
                                std::string_view new_key, const Row* after) {
  Change c;
  c.table_id = table_id;
  if (before != nullptr) {
    c.old_shard = ShardOfRowKey(old_key);
    binlog::EncodeBinlogRowFields(*before, &c.old_fields);
  }
  if (after != nullptr) {
    c.new_shard = ShardOfRowKey(new_key);
    binlog::EncodeBinlogRowFields(*after, &c.new_fields);
  }
  if (before != nullptr && after != nullptr) {
    if (c.old_fields == c.new_fields) return;  // changes nothing a reader could see
    c.kind = Change::Kind::kUpdate;
  } else if (before != nullptr) {
    c.kind = Change::Kind::kDelete;
  } else if (after != nullptr) {
    c.kind = Change::Kind::kInsert;
  } else {
    return;
  }
  changes_.push_back(std::move(c));
}

void ChangeBuffer::AddTruncate(std::vector<uint32_t> table_ids, bool cascade,
                               bool restart_identity) {
  if (table_ids.empty()) return;
  Change c;
  c.kind = Change::Kind::kTruncate;
  c.truncated = std::move(table_ids);
  c.cascade = cascade;
  c.restart_identity = restart_identity;
  changes_.push_back(std::move(c));
}

Status ChangeBuffer::Write(uint32_t xid, Lsn lsn, int64_t commit_time_us,
                           rocksdb::ColumnFamilyHandle* binlog, rocksdb::WriteBatch* batch) const {
  CommitIndexEntry entry;
  entry.xid = xid;
  entry.commit_time_us = commit_time_us;
  uint32_t seq = 0;
  std::string value;
  auto put = [&](uint32_t table_id, uint16_t shard, binlog::BinlogEventType type,
                 const std::string& fields) -> Status {
    value.clear();
    binlog::AppendBinlogValueHeader(type, commit_time_us, &value);
    value += fields;
    const std::string key = binlog::EncodeBinlogKey(table_id, shard, lsn, seq++);
    entry.parts.push_back({table_id, shard});
    ++entry.record_count;
    entry.row_bytes += fields.size();
    return FromRocksDbStatus(batch->Put(binlog, key, value), "put binlog record");
  };
  for (const Change& c : changes_) {
    switch (c.kind) {
      case Change::Kind::kInsert:
        STRATA_RETURN_IF_ERROR(
            put(c.table_id, c.new_shard, binlog::BinlogEventType::kInsert, c.new_fields));
        break;
      case Change::Kind::kDelete:
        STRATA_RETURN_IF_ERROR(
            put(c.table_id, c.old_shard, binlog::BinlogEventType::kDelete, c.old_fields));
        break;
      case Change::Kind::kUpdate:
        STRATA_RETURN_IF_ERROR(
            put(c.table_id, c.old_shard, binlog::BinlogEventType::kUpdateBefore, c.old_fields));
        STRATA_RETURN_IF_ERROR(
            put(c.table_id, c.new_shard, binlog::BinlogEventType::kUpdateAfter, c.new_fields));
        break;
      case Change::Kind::kTruncate:
        entry.truncates.push_back({seq++, c.cascade, c.restart_identity, c.truncated});
        break;
    }
  }
  std::sort(entry.parts.begin(), entry.parts.end());
  entry.parts.erase(std::unique(entry.parts.begin(), entry.parts.end()), entry.parts.end());
  return FromRocksDbStatus(
      batch->Put(binlog, binlog::EncodeBinlogKey(kCommitIndexTableId, 0, lsn, 0),
                 EncodeCommitIndex(entry)),
      "put binlog commit index");
}

}  // namespace strata::storage::binlog_store
