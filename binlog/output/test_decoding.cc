// test_decoding, as contrib/test_decoding/test_decoding.c of PostgreSQL 15
// prints changes: one message per BEGIN, change and COMMIT.

#include <string>

#include "binlog/output/plugin.h"
#include "binlog/output/plugin_internal.h"
#include "common/status.h"
#include "common/value_text.h"

namespace strata::binlog::internal {

namespace {

// Unix epoch -> PostgreSQL epoch (2000-01-01), in microseconds.
constexpr int64_t kPostgresEpochOffsetUs = 946684800LL * 1000000LL;

// format_type_be(): the type's SQL name without modifiers.
std::string TypeName(const DataType& type) {
  if (type.is_array()) return std::string(GetTypeInfo(type.element).sql_name) + "[]";
  return std::string(GetTypeInfo(type.id).sql_name);
}

// test_decoding's print_literal: numbers bare, booleans as true/false,
// everything else quoted with '' doubled (no backslash escaping).
Status AppendLiteral(const Value& value, const DataType& type, std::string* out) {
  STRATA_ASSIGN_OR_RETURN(std::string text, FormatText(value));
  switch (type.id) {
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kFloat4:
    case TypeId::kFloat8:
    case TypeId::kNumeric:
      *out += text;
      return Status::OK();
    case TypeId::kBool:
      *out += text == "t" ? "true" : "false";
      return Status::OK();
    default:
      break;
  }
  *out += '\'';
  for (char c : text) {
    if (c == '\'') *out += '\'';
    *out += c;
  }
  *out += '\'';
  return Status::OK();
}

// tuple_to_stringinfo: " name[type]:value" per column. An old tuple
// (`old`) leaves out NULL columns, as PostgreSQL's skip_nulls does, and with
// `key_only` the columns outside the key (which PostgreSQL logs as NULL).
Status AppendTuple(const Relation& relation, const std::vector<Value>& row, bool key_only,
                   std::string* out, bool old = false) {
  if (row.size() != relation.columns.size()) {
    return Status::Internal("row width does not match relation \"" + relation.name + "\"");
  }
  for (size_t i = 0; i < row.size(); ++i) {
    const RelationColumn& column = relation.columns[i];
    if ((key_only && !column.key) || (old && row[i].is_null())) continue;
    *out += ' ';
    *out += QuoteIdentifier(column.name);
    *out += '[';
    *out += TypeName(column.type);
    *out += "]:";
    if (row[i].is_null()) {
      *out += "null";
    } else {
      STRATA_RETURN_IF_ERROR(AppendLiteral(row[i], column.type, out));
    }
  }
  return Status::OK();
}

bool HasKey(const Relation& relation) {
  for (const auto& column : relation.columns) {
    if (column.key) return true;
  }
  return false;
}

bool KeyChanged(const Relation& relation, const std::vector<Value>& old_row,
                const std::vector<Value>& new_row) {
  for (size_t i = 0; i < relation.columns.size() && i < old_row.size() && i < new_row.size();
       ++i) {
    if (relation.columns[i].key && !(old_row[i] == new_row[i])) return true;
  }
  return false;
}

std::string QualifiedName(const Relation& relation) {
  return QuoteIdentifier(relation.schema) + "." + QuoteIdentifier(relation.name);
}

class TestDecoding final : public OutputPlugin {
 public:
  TestDecoding(bool include_xids, bool include_timestamp, bool skip_empty_xacts)
      : include_xids_(include_xids),
        include_timestamp_(include_timestamp),
        skip_empty_xacts_(skip_empty_xacts) {}

  Status Encode(const DecodedTransaction& txn, std::vector<PluginMessage>* out) override {
    if (txn.changes.empty() && skip_empty_xacts_) return Status::OK();
    std::string begin = "BEGIN";
    if (include_xids_) begin += " " + std::to_string(txn.xid);
    out->push_back(PluginMessage{txn.begin_lsn, std::move(begin)});
    for (const DecodedChange& change : txn.changes) {
      std::string data;
      STRATA_RETURN_IF_ERROR(AppendChange(change, &data));
      out->push_back(PluginMessage{txn.begin_lsn, std::move(data)});
    }
    std::string commit = "COMMIT";
    if (include_xids_) commit += " " + std::to_string(txn.xid);
    if (include_timestamp_) {
      STRATA_ASSIGN_OR_RETURN(
          std::string at,
          FormatText(Value::TimestampTz(txn.commit_time_us - kPostgresEpochOffsetUs)));
      commit += " (at " + at + ")";
    }
    out->push_back(PluginMessage{txn.commit_lsn, std::move(commit)});
    return Status::OK();
  }

 private:
  static Status AppendChange(const DecodedChange& change, std::string* data) {
    if (change.kind == DecodedChange::Kind::kTruncate) {
      *data += "table ";
      for (size_t i = 0; i < change.truncated.size(); ++i) {
        if (i > 0) *data += ", ";
        *data += QualifiedName(*change.truncated[i]);
      }
      *data += ": TRUNCATE:";
      if (change.truncate_restart_identity) *data += " restart_seqs";
      if (change.truncate_cascade) *data += " cascade";
      if (!change.truncate_restart_identity && !change.truncate_cascade) *data += " (no-flags)";
      return Status::OK();
    }
    const Relation& relation = *change.relation;
    *data += "table " + QualifiedName(relation) + ":";
    switch (change.kind) {
      case DecodedChange::Kind::kInsert:
        *data += " INSERT:";
        return AppendTuple(relation, change.new_row, false, data);
      case DecodedChange::Kind::kUpdate: {
        *data += " UPDATE:";
        // The old tuple is logged for FULL, and for DEFAULT only when the
        // key changed (then only the key columns).
        const bool full = relation.identity == ReplicaIdentity::kFull;
        const bool old_key = relation.identity == ReplicaIdentity::kDefault && HasKey(relation) &&
                             KeyChanged(relation, change.old_row, change.new_row);
        if (full || old_key) {
          *data += " old-key:";
          STRATA_RETURN_IF_ERROR(AppendTuple(relation, change.old_row, !full, data, true));
          *data += " new-tuple:";
        }
        return AppendTuple(relation, change.new_row, false, data);
      }
      case DecodedChange::Kind::kDelete:
        *data += " DELETE:";
        if (relation.identity == ReplicaIdentity::kFull) {
          return AppendTuple(relation, change.old_row, false, data, true);
        }
        if (relation.identity == ReplicaIdentity::kDefault && HasKey(relation)) {
          return AppendTuple(relation, change.old_row, true, data, true);
        }
        *data += " (no-tuple-data)";
        return Status::OK();
      case DecodedChange::Kind::kTruncate:
        break;
    }
    return Status::OK();
  }

  const bool include_xids_;
  const bool include_timestamp_;
  const bool skip_empty_xacts_;
};

}  // namespace

Result<std::unique_ptr<OutputPlugin>> CreateTestDecoding(std::span<const PluginOption> options) {
  bool include_xids = true;
  bool include_timestamp = false;
  bool skip_empty_xacts = false;
  for (const PluginOption& option : options) {
    const std::string& name = option.first;
    if (name == "include-xids") {
      STRATA_ASSIGN_OR_RETURN(include_xids, ParseBoolOption(option));
    } else if (name == "include-timestamp") {
      STRATA_ASSIGN_OR_RETURN(include_timestamp, ParseBoolOption(option));
    } else if (name == "skip-empty-xacts") {
      STRATA_ASSIGN_OR_RETURN(skip_empty_xacts, ParseBoolOption(option));
    } else if (name == "force-binary" || name == "include-rewrites" || name == "only-local" ||
               name == "stream-changes" || name == "two-phase-commit") {
      // Accepted as PostgreSQL does. Strata has no binary output mode, no
      // table rewrites, no origins, never streams in-progress transactions
      // and has no prepared transactions, so none of them changes the output.
      STRATA_ASSIGN_OR_RETURN(bool on, ParseBoolOption(option));
      if (name == "force-binary" && on) {
        return Status(SqlState::kFeatureNotSupported,
                      "test_decoding option \"force-binary\" is not supported");
      }
    } else {
      return Status(SqlState::kInvalidParameterValue,
                    "option \"" + name + "\" = \"" + option.second.value_or("(null)") +
                        "\" is unknown");
    }
  }
  return std::unique_ptr<OutputPlugin>(
      std::make_unique<TestDecoding>(include_xids, include_timestamp, skip_empty_xacts));
}

}  // namespace strata::binlog::internal
