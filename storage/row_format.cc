#include "storage/row_format.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/macros.h"
#include "common/sql_state.h"
#include "common/value_text.h"
#include "rowstore/key_codec.h"

namespace strata::storage {

// ---- RowScanner ----

class RowScanner::Impl {
 public:
  Impl(std::vector<std::unique_ptr<Iterator>> iterators,
       std::vector<rowstore::ColumnSpec> projection, ScanSpec spec, const Transaction* txn)
      : iterators_(std::move(iterators)),
        projection_(std::move(projection)),
        spec_(std::move(spec)),
        txn_(txn),
        positions_(iterators_.size()) {}

  Result<bool> Next(RowBatch* batch) {
    batch->Clear();
    if (done_) return false;
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < iterators_.size(); ++i) {
        iterators_[i]->SeekToFirst();
        STRATA_RETURN_IF_ERROR(Admit(i));
      }
    } else if (txn_ != nullptr && txn_->write_count() != write_count_) {
      // The transaction wrote since the last batch, which invalidates the
      // iterators' positions: seek each live one back to where it stood.
      std::vector<size_t> live;
      live.swap(heap_);
      for (size_t i : live) {
        iterators_[i]->Seek(positions_[i]);
        STRATA_RETURN_IF_ERROR(Admit(i));
      }
    }
    const size_t limit = std::max<size_t>(1, spec_.batch_rows);
    while (!heap_.empty() && batch->rows.size() < limit) {
      std::pop_heap(heap_.begin(), heap_.end(), greater());
      const size_t i = heap_.back();
      heap_.pop_back();
      Iterator* it = iterators_[i].get();
      Result<std::vector<Value>> row = rowstore::DecodeRow(it->value(), projection_);
      if (!row.ok()) return Fail(row.status());
      batch->rows.push_back(std::move(row).value());
      if (spec_.with_locators) batch->locators.emplace_back(it->key());
      it->Next();
      STRATA_RETURN_IF_ERROR(Admit(i));
    }
    if (batch->rows.empty()) {
      done_ = true;
      return false;
    }
    if (txn_ != nullptr) {
      for (size_t i : heap_) positions_[i].assign(iterators_[i]->key());
      write_count_ = txn_->write_count();
    }
    return true;
  }

 private:
  // Shards are compared by the key after the shard prefix: the encoded
  // primary key (or row id), which is memcomparable.
  struct ShardGreater {
    const Impl* impl = nullptr;
    bool operator()(size_t a, size_t b) const { return impl->SuffixOf(a) > impl->SuffixOf(b); }
  };
  ShardGreater greater() const { return {this}; }
  std::string_view SuffixOf(size_t i) const {
    return iterators_[i]->key().substr(rowstore::kShardPrefixSize);
  }

  Status Admit(size_t i) {
    Iterator* it = iterators_[i].get();
    if (it->Valid()) {
      heap_.push_back(i);
      std::push_heap(heap_.begin(), heap_.end(), greater());
      return Status::OK();
    }
    Status s = it->status();
    if (!s.ok()) return Fail(std::move(s));
    return Status::OK();
  }

  Status Fail(Status s) {
    done_ = true;
    heap_.clear();
    return s;
  }

  std::vector<std::unique_ptr<Iterator>> iterators_;
  std::vector<rowstore::ColumnSpec> projection_;
  ScanSpec spec_;
  // Set when reading through a transaction: its write count when the last
  // batch ended, and each live iterator's key at that moment.
  const Transaction* txn_;
  uint64_t write_count_ = 0;
  std::vector<std::string> positions_;
  std::vector<size_t> heap_;
  bool started_ = false;
  bool done_ = false;
};

RowScanner::RowScanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RowScanner::~RowScanner() = default;
Result<bool> RowScanner::Next(RowBatch* batch) { return impl_->Next(batch); }

namespace row_format {

namespace {

std::string ValueText(const Value& v) {
  if (v.is_null()) return "null";
  Result<std::string> text = FormatText(v);
  return text.ok() ? *text : v.DebugString();
}

std::string ColumnName(const TableDef& table, size_t index) { return table.columns[index].name; }

}  // namespace

Result<Value> Coerce(const DataType& type, const Value& value) {
  if (value.is_null()) return Value::Null(type.id);
  if (value.type() == type.id) return value;
  if (value.kind() != KindOf(type.id)) {
    return Status(SqlState::kDatatypeMismatch, "value of type " + value.data_type().ToString() +
                                                   " does not match column type " +
                                                   type.ToString());
  }
  switch (value.kind()) {
    case ValueKind::kInt: {
      const int64_t v = value.int_value();
      const bool fits = type.id == TypeId::kInt8 ||
                        (type.id == TypeId::kInt4 && v >= INT32_MIN && v <= INT32_MAX) ||
                        (type.id == TypeId::kInt2 && v >= INT16_MIN && v <= INT16_MAX);
      if (!fits) {
        return Status(
            SqlState::kNumericValueOutOfRange,
            std::string(type.id == TypeId::kInt2 ? "smallint" : "integer") + " out of range");
      }
      return Value::Int(type.id, v);
    }
    case ValueKind::kFloat:
      if (type.id == TypeId::kFloat4) {
        const double d = value.float_value();
        if (std::isfinite(d) && std::fabs(d) > 3.4028234663852886e38) {
          return Status(SqlState::kNumericValueOutOfRange, "value out of range: overflow");
        }
        return Value::Float4(static_cast<float>(d));
      }
      return Value::Float8(value.float_value());
    case ValueKind::kString:
      return Value::String(type.id, std::string(value.string_value()));
    case ValueKind::kTimestamp:
      return type.id == TypeId::kTimestampTz ? Value::TimestampTz(value.timestamp_value())
                                             : Value::Timestamp(value.timestamp_value());
    case ValueKind::kArray:
      if (KindOf(value.array_element_type()) != KindOf(type.element)) {
        return Status(SqlState::kDatatypeMismatch,
                      "array element type does not match column type " + type.ToString());
      }
      return value;
    default:
      return value;
  }
}

std::vector<rowstore::ColumnSpec> ColumnSpecs(const TableDef& table) {
  std::vector<rowstore::ColumnSpec> specs;
  specs.reserve(table.columns.size());
  for (const ColumnDef& c : table.columns) specs.push_back({c.id, c.type, c.missing_value});
  return specs;
}

uint16_t ShardOf(const TableDef& table, std::span<const Value> distribution_values) {
  if (table.properties.shard_count <= 1) return 0;
  return static_cast<uint16_t>(HashValues(distribution_values) % table.properties.shard_count);
}

namespace {

Result<std::string> EncodeKeyFromValues(const TableDef& table, std::vector<Value> pk) {
  // The distribution key is a subset of the primary key (enforced by DDL).
  std::vector<Value> dist;
  dist.reserve(table.properties.distribution_key.size());
  for (uint32_t id : table.properties.distribution_key) {
    for (size_t k = 0; k < table.primary_key.size(); ++k) {
      if (table.primary_key[k] == id) dist.push_back(pk[k]);
    }
  }
  return rowstore::EncodeRowKey(table.relfilenode, ShardOf(table, dist), pk);
}

}  // namespace

Result<std::string> KeyFromPrimaryKey(const TableDef& table, std::span<const Value> primary_key) {
  if (!table.has_primary_key()) {
    return Status(SqlState::kFeatureNotSupported,
                  "table \"" + table.name + "\" has no primary key");
  }
  if (primary_key.size() != table.primary_key.size()) {
    return Status::InvalidArgument("table \"" + table.name + "\" has a primary key of " +
                                   std::to_string(table.primary_key.size()) + " column(s), got " +
                                   std::to_string(primary_key.size()) + " value(s)");
  }
  std::vector<Value> pk;
  pk.reserve(primary_key.size());
  for (size_t k = 0; k < primary_key.size(); ++k) {
    const ColumnDef* column = table.FindColumnById(table.primary_key[k]);
    STRATA_DCHECK(column != nullptr);
    if (primary_key[k].is_null()) {
      return Status(SqlState::kNotNullViolation,
                    "null value in primary key column \"" + column->name + "\"");
    }
    STRATA_ASSIGN_OR_RETURN(Value v, Coerce(column->type, primary_key[k]));
    pk.push_back(std::move(v));
  }
  return EncodeKeyFromValues(table, std::move(pk));
}

Result<std::string> KeyFromRow(const TableDef& table, std::span<const Value> row) {
  std::vector<Value> pk;
  pk.reserve(table.primary_key.size());
  for (size_t index : table.PrimaryKeyIndexes()) pk.push_back(row[index]);
  return EncodeKeyFromValues(table, std::move(pk));
}

Result<std::string> KeyFromRowId(const TableDef& table, std::span<const Value> row,
                                 uint64_t row_id) {
  uint16_t shard = 0;
  if (table.properties.shard_count > 1) {
    if (table.properties.distribution_key.empty()) {
      shard = static_cast<uint16_t>(row_id % table.properties.shard_count);
    } else {
      std::vector<Value> dist;
      for (size_t index : table.DistributionKeyIndexes()) dist.push_back(row[index]);
      shard = ShardOf(table, dist);
    }
  }
  const Value id[] = {Value::Int8(static_cast<int64_t>(row_id))};
  return rowstore::EncodeRowKey(table.relfilenode, shard, id);
}

Status CoerceRow(const TableDef& table, std::vector<Value>* row) {
  if (row->size() != table.columns.size()) {
    return Status::InvalidArgument("table \"" + table.name + "\" has " +
                                   std::to_string(table.columns.size()) + " column(s), row has " +
                                   std::to_string(row->size()));
  }
  for (size_t i = 0; i < row->size(); ++i) {
    Value& v = (*row)[i];
    if (v.is_null() || v.type() == table.columns[i].type.id) continue;
    Result<Value> coerced = Coerce(table.columns[i].type, v);
    if (!coerced.ok()) {
      return coerced.status().Prepend("column \"" + table.columns[i].name + "\"");
    }
    v = std::move(coerced).value();
  }
  return Status::OK();
}

Status CheckNotNull(const TableDef& table, std::string_view relation, std::span<const Value> row) {
  for (size_t i = 0; i < table.columns.size() && i < row.size(); ++i) {
    if (!table.columns[i].not_null || !row[i].is_null()) continue;
    std::string detail = "Failing row contains (";
    for (size_t k = 0; k < row.size(); ++k) {
      if (k > 0) detail += ", ";
      detail += ValueText(row[k]);
    }
    detail += ").";
    return Status(SqlState::kNotNullViolation, "null value in column \"" + ColumnName(table, i) +
                                                   "\" of relation \"" + std::string(relation) +
                                                   "\" violates not-null constraint")
        .WithDetail(std::move(detail));
  }
  return Status::OK();
}

Result<std::vector<Value>> DecodeFullRow(const TableDef& table, std::string_view bytes) {
  const std::vector<rowstore::ColumnSpec> specs = ColumnSpecs(table);
  return rowstore::DecodeRow(bytes, specs);
}

Status DuplicateKey(const TableDef& table, std::span<const Value> row) {
  std::string names;
  std::string values;
  for (size_t index : table.PrimaryKeyIndexes()) {
    if (!names.empty()) {
      names += ", ";
      values += ", ";
    }
    names += table.columns[index].name;
    values += ValueText(row[index]);
  }
  return Status(SqlState::kUniqueViolation,
                "duplicate key value violates unique constraint \"" + table.name + "_pkey\"")
      .WithDetail("Key (" + names + ")=(" + values + ") already exists.");
}

Status CheckLocator(const TableDef& table, std::string_view locator) {
  const std::string prefix = rowstore::TablePrefix(table.relfilenode);
  if (locator.size() <= rowstore::kShardPrefixSize || locator.substr(0, prefix.size()) != prefix) {
    return Status::InvalidArgument("row locator does not belong to table \"" + table.name + "\"");
  }
  return Status::OK();
}

Result<std::unique_ptr<RowScanner>> NewScanner(const TableDef& table, const ScanSpec& spec,
                                               const OpenIterator& open, const Transaction* txn) {
  std::vector<rowstore::ColumnSpec> projection;
  if (spec.projection.empty()) {
    projection = ColumnSpecs(table);
  } else {
    for (uint32_t id : spec.projection) {
      const ColumnDef* column = table.FindColumnById(id);
      if (column == nullptr) {
        return Status(SqlState::kUndefinedColumn, "column id " + std::to_string(id) +
                                                      " does not exist in relation \"" +
                                                      table.name + "\"");
      }
      projection.push_back({column->id, column->type, column->missing_value});
    }
  }
  // Encoded bound prefixes (without the shard prefix).
  auto encode_bound = [&table](const std::optional<KeyBound>& bound)
      -> Result<std::optional<std::pair<std::string, bool>>> {
    if (!bound.has_value() || bound->prefix.empty()) {
      return std::optional<std::pair<std::string, bool>>();
    }
    if (!table.has_primary_key()) {
      return Status(SqlState::kFeatureNotSupported,
                    "key bounds on table \"" + table.name + "\" without a primary key");
    }
    if (bound->prefix.size() > table.primary_key.size()) {
      return Status::InvalidArgument("scan bound has more values than the primary key of \"" +
                                     table.name + "\"");
    }
    std::string encoded;
    for (size_t k = 0; k < bound->prefix.size(); ++k) {
      const ColumnDef* column = table.FindColumnById(table.primary_key[k]);
      STRATA_ASSIGN_OR_RETURN(Value v, Coerce(column->type, bound->prefix[k]));
      STRATA_RETURN_IF_ERROR(rowstore::AppendKeyValue(v, &encoded));
    }
    return std::optional<std::pair<std::string, bool>>(std::make_pair(encoded, bound->inclusive));
  };
  STRATA_ASSIGN_OR_RETURN(auto lower, encode_bound(spec.lower));
  STRATA_ASSIGN_OR_RETURN(auto upper, encode_bound(spec.upper));

  std::vector<std::unique_ptr<Iterator>> iterators;
  for (uint32_t shard = 0; shard < table.properties.shard_count; ++shard) {
    const std::string prefix =
        rowstore::ShardPrefix(table.relfilenode, static_cast<uint16_t>(shard));
    ReadBounds bounds;
    if (!lower.has_value()) {
      bounds.lower = prefix;
    } else if (lower->second) {
      bounds.lower = prefix + lower->first;
    } else {
      bounds.lower = rowstore::PrefixUpperBound(prefix + lower->first);
    }
    if (!upper.has_value()) {
      bounds.upper = rowstore::PrefixUpperBound(prefix);
    } else if (upper->second) {
      bounds.upper = rowstore::PrefixUpperBound(prefix + upper->first);
    } else {
      bounds.upper = prefix + upper->first;
    }
    // Relfilenodes are far below 0xFFFFFFFF, so an upper bound always exists.
    STRATA_DCHECK(!bounds.upper.empty());
    if (bounds.lower >= bounds.upper) continue;  // empty range
    std::unique_ptr<Iterator> it = open(std::move(bounds));
    if (it == nullptr) {
      return Status(SqlState::kNoActiveSqlTransaction, "transaction has already finished");
    }
    iterators.push_back(std::move(it));
  }
  return std::make_unique<RowScanner>(
      std::make_unique<RowScanner::Impl>(std::move(iterators), std::move(projection), spec, txn));
}

}  // namespace row_format
}  // namespace strata::storage
