#include "binlog/change_builder.h"

#include <string>
#include <utility>

namespace strata::binlog {

ChangeBuilder::ChangeBuilder(uint32_t table_id, uint16_t shard, uint64_t lsn, int64_t timestamp_us)
    : table_id_(table_id), shard_(shard), lsn_(lsn), timestamp_us_(timestamp_us) {}

Status ChangeBuilder::AddChange(const std::vector<Value>* before, const std::vector<Value>* after) {
  if (before == nullptr && after == nullptr) {
    return Status::InvalidArgument("binlog change has neither a before nor an after image");
  }
  if (before == nullptr) {
    Append(BinlogEventType::kInsert, *after);
    return Status::OK();
  }
  if (after == nullptr) {
    Append(BinlogEventType::kDelete, *before);
    return Status::OK();
  }
  if (before->size() != after->size()) {
    return Status::InvalidArgument(
        "binlog update images differ in column count: " + std::to_string(before->size()) +
        " before, " + std::to_string(after->size()) + " after");
  }
  if (RowImagesEqual(*before, *after)) return Status::OK();
  Append(BinlogEventType::kUpdateBefore, *before);
  Append(BinlogEventType::kUpdateAfter, *after);
  return Status::OK();
}

std::vector<BinlogRecord> ChangeBuilder::TakeRecords() { return std::exchange(records_, {}); }

void ChangeBuilder::Append(BinlogEventType type, const std::vector<Value>& row) {
  BinlogRecord record;
  record.lsn = lsn_;
  record.type = type;
  record.timestamp_us = timestamp_us_;
  record.table_id = table_id_;
  record.shard = shard_;
  record.seq_in_commit = next_seq_++;
  record.row = row;
  records_.push_back(std::move(record));
}

bool RowImagesEqual(const std::vector<Value>& a, const std::vector<Value>& b) {
  if (a.size() != b.size()) return false;
  // By stored representation, not Value::operator==: numeric 1.5 -> 1.50
  // changes what readers see (PostgreSQL decodes it as an update), while
  // Value equality calls them equal.
  std::string a_bytes;
  std::string b_bytes;
  EncodeBinlogRowFields(a, &a_bytes);
  EncodeBinlogRowFields(b, &b_bytes);
  return a_bytes == b_bytes;
}

}  // namespace strata::binlog
