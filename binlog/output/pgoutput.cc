// pgoutput, the logical replication protocol of PostgreSQL 15
// (src/backend/replication/pgoutput, logicalproto): Begin, Relation,
// Insert, Update, Delete, Truncate, Commit, for protocol versions 1-3
// without streaming or two-phase. PostgreSQL 15 skips empty transactions.

#include <map>
#include <string>

#include "binlog/output/plugin.h"
#include "binlog/output/plugin_internal.h"
#include "common/status.h"
#include "common/value_binary.h"
#include "common/value_text.h"

namespace strata::binlog::internal {

namespace {

constexpr int64_t kPostgresEpochOffsetUs = 946684800LL * 1000000LL;
constexpr int kMaxProtoVersion = 3;

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
void PutU16(std::string* out, uint16_t v) {
  PutU8(out, static_cast<uint8_t>(v >> 8));
  PutU8(out, static_cast<uint8_t>(v));
}
void PutU32(std::string* out, uint32_t v) {
  PutU16(out, static_cast<uint16_t>(v >> 16));
  PutU16(out, static_cast<uint16_t>(v));
}
void PutU64(std::string* out, uint64_t v) {
  PutU32(out, static_cast<uint32_t>(v >> 32));
  PutU32(out, static_cast<uint32_t>(v));
}
void PutString(std::string* out, std::string_view s) {
  out->append(s);
  out->push_back('\0');
}

// SplitIdentifierString(..., ','): unquoted names fold to lower case.
Result<std::vector<std::string>> SplitIdentifiers(std::string_view text) {
  std::vector<std::string> names;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  const Status invalid(SqlState::kInvalidParameterValue,
                       "invalid publication_names syntax");
  skip_space();
  if (i == text.size()) return names;
  while (true) {
    skip_space();
    std::string name;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            name += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        name += text[i++];
      }
      if (!closed || name.empty()) return invalid;
    } else {
      while (i < text.size() && text[i] != ',' && !std::isspace(static_cast<unsigned char>(text[i]))) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
        ++i;
      }
      if (name.empty()) return invalid;
    }
    names.push_back(std::move(name));
    skip_space();
    if (i == text.size()) break;
    if (text[i] != ',') return invalid;
    ++i;
  }
  return names;
}

class PgOutput final : public OutputPlugin {
 public:
  PgOutput(std::vector<std::string> publications, bool binary)
      : publications_(std::move(publications)), binary_(binary) {}

  const std::vector<std::string>& publication_names() const override { return publications_; }

  Status Encode(const DecodedTransaction& txn, std::vector<PluginMessage>* out) override {
    const size_t first = out->size();
    bool begun = false;
    auto begin = [&] {
      if (begun) return;
      begun = true;
      std::string data;
      PutU8(&data, 'B');
      PutU64(&data, txn.commit_lsn);
      PutU64(&data, static_cast<uint64_t>(txn.commit_time_us - kPostgresEpochOffsetUs));
      PutU32(&data, txn.xid);
      out->push_back(PluginMessage{txn.begin_lsn, std::move(data)});
    };
    std::vector<const Relation*> truncated;
    for (const DecodedChange& change : txn.changes) {
      if (change.kind == DecodedChange::Kind::kTruncate) {
        // A TRUNCATE invalidates its relations' cache entries before it is
        // decoded, so PostgreSQL describes them again.
        std::string data;
        PutU8(&data, 'T');
        PutU32(&data, static_cast<uint32_t>(change.truncated.size()));
        uint8_t flags = 0;
        if (change.truncate_cascade) flags |= 1;
        if (change.truncate_restart_identity) flags |= 2;
        PutU8(&data, flags);
        begin();
        for (const auto& relation : change.truncated) {
          sent_.erase(relation->oid);
          SendRelation(*relation, out);
          truncated.push_back(relation.get());
          PutU32(&data, relation->oid);
        }
        out->push_back(PluginMessage{txn.begin_lsn, std::move(data)});
        continue;
      }
      const Relation& relation = *change.relation;
      const bool has_key = HasKey(relation);
      std::string data;
      switch (change.kind) {
        case DecodedChange::Kind::kInsert:
          PutU8(&data, 'I');
          PutU32(&data, relation.oid);
          PutU8(&data, 'N');
          STRATA_RETURN_IF_ERROR(AppendTuple(relation, change.new_row, false, &data));
          break;
        case DecodedChange::Kind::kUpdate:
          // PostgreSQL refuses UPDATE on a published table without a replica
          // identity; Strata lets it happen and does not publish it.
          if (relation.identity == ReplicaIdentity::kNothing ||
              (relation.identity == ReplicaIdentity::kDefault && !has_key)) {
            continue;
          }
          PutU8(&data, 'U');
          PutU32(&data, relation.oid);
          if (relation.identity == ReplicaIdentity::kFull) {
            PutU8(&data, 'O');
            STRATA_RETURN_IF_ERROR(AppendTuple(relation, change.old_row, false, &data));
          } else if (KeyChanged(relation, change.old_row, change.new_row)) {
            PutU8(&data, 'K');
            STRATA_RETURN_IF_ERROR(AppendTuple(relation, change.old_row, true, &data));
          }
          PutU8(&data, 'N');
          STRATA_RETURN_IF_ERROR(AppendTuple(relation, change.new_row, false, &data));
          break;
        case DecodedChange::Kind::kDelete:
          if (relation.identity == ReplicaIdentity::kNothing ||
              (relation.identity == ReplicaIdentity::kDefault && !has_key)) {
            continue;
          }
          PutU8(&data, 'D');
          PutU32(&data, relation.oid);
          if (relation.identity == ReplicaIdentity::kFull) {
            PutU8(&data, 'O');
            STRATA_RETURN_IF_ERROR(AppendTuple(relation, change.old_row, false, &data));
          } else {
            PutU8(&data, 'K');
            STRATA_RETURN_IF_ERROR(AppendTuple(relation, change.old_row, true, &data));
          }
          break;
        case DecodedChange::Kind::kTruncate:
          break;
      }
      begin();
      SendRelation(relation, out);
      out->push_back(PluginMessage{txn.begin_lsn, std::move(data)});
    }
    // The invalidations of a transaction that truncated run again at its
    // commit: the next change of those tables describes them once more.
    for (const Relation* relation : truncated) sent_.erase(relation->oid);
    if (!begun) {
      out->resize(first);
      return Status::OK();
    }
    std::string data;
    PutU8(&data, 'C');
    PutU8(&data, 0);
    PutU64(&data, txn.commit_lsn);
    PutU64(&data, txn.commit_lsn);
    PutU64(&data, static_cast<uint64_t>(txn.commit_time_us - kPostgresEpochOffsetUs));
    out->push_back(PluginMessage{txn.commit_lsn, std::move(data)});
    return Status::OK();
  }

 private:
  static bool HasKey(const Relation& relation) {
    for (const auto& column : relation.columns) {
      if (column.key) return true;
    }
    return false;
  }

  static bool KeyChanged(const Relation& relation, const std::vector<Value>& old_row,
                         const std::vector<Value>& new_row) {
    for (size_t i = 0; i < relation.columns.size() && i < old_row.size() && i < new_row.size();
         ++i) {
      if (relation.columns[i].key && !(old_row[i] == new_row[i])) return true;
    }
    return false;
  }

  // Relation ('R') once per relation version and stream, before its first
  // change. PostgreSQL writes it at WAL position 0.
  void SendRelation(const Relation& relation, std::vector<PluginMessage>* out) {
    auto it = sent_.find(relation.oid);
    if (it != sent_.end() && it->second == relation.version) return;
    sent_[relation.oid] = relation.version;
    std::string data;
    PutU8(&data, 'R');
    PutU32(&data, relation.oid);
    PutString(&data, relation.schema == "pg_catalog" ? "" : relation.schema);
    PutString(&data, relation.name);
    PutU8(&data, static_cast<uint8_t>(relation.identity));
    PutU16(&data, static_cast<uint16_t>(relation.columns.size()));
    for (const RelationColumn& column : relation.columns) {
      const bool key = relation.identity == ReplicaIdentity::kFull ||
                       (relation.identity == ReplicaIdentity::kDefault && column.key);
      PutU8(&data, key ? 1 : 0);
      PutString(&data, column.name);
      PutU32(&data, TypeOid(column.type));
      PutU32(&data, static_cast<uint32_t>(column.type.typmod));
    }
    out->push_back(PluginMessage{0, std::move(data)});
  }

  // TupleData; an old key (key_only) sends the other columns as NULL.
  Status AppendTuple(const Relation& relation, const std::vector<Value>& row, bool key_only,
                     std::string* out) const {
    if (row.size() != relation.columns.size()) {
      return Status::Internal("row width does not match relation \"" + relation.name + "\"");
    }
    PutU16(out, static_cast<uint16_t>(row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i].is_null() || (key_only && !relation.columns[i].key)) {
        PutU8(out, 'n');
        continue;
      }
      if (binary_) {
        std::string bytes;
        EncodeBinary(row[i], &bytes);
        PutU8(out, 'b');
        PutU32(out, static_cast<uint32_t>(bytes.size()));
        out->append(bytes);
      } else {
        STRATA_ASSIGN_OR_RETURN(std::string text, FormatText(row[i]));
        PutU8(out, 't');
        PutU32(out, static_cast<uint32_t>(text.size()));
        out->append(text);
      }
    }
    return Status::OK();
  }

  const std::vector<std::string> publications_;
  const bool binary_;
  std::map<uint32_t, uint64_t> sent_;  // relation oid -> version described
};

}  // namespace

Result<std::unique_ptr<OutputPlugin>> CreatePgOutput(std::span<const PluginOption> options) {
  std::optional<int64_t> proto_version;
  std::optional<std::vector<std::string>> publications;
  bool binary = false;
  for (const PluginOption& option : options) {
    const std::string& name = option.first;
    if (name == "proto_version") {
      if (proto_version) {
        return Status(SqlState::kSyntaxError, "conflicting or redundant options");
      }
      const std::string v = option.second.value_or("");
      char* end = nullptr;
      errno = 0;
      const long long parsed = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || errno != 0 || parsed > INT32_MAX || parsed < INT32_MIN) {
        return Status(SqlState::kInvalidParameterValue,
                      "proto_version \"" + v + "\" out of range");
      }
      proto_version = parsed;
    } else if (name == "publication_names") {
      if (publications) return Status(SqlState::kSyntaxError, "conflicting or redundant options");
      STRATA_ASSIGN_OR_RETURN(publications, SplitIdentifiers(option.second.value_or("")));
    } else if (name == "binary") {
      STRATA_ASSIGN_OR_RETURN(binary, ParseBoolOption(option));
    } else if (name == "messages") {
      // Logical messages (pg_logical_emit_message) do not exist in Strata.
      STRATA_ASSIGN_OR_RETURN(bool ignored, ParseBoolOption(option));
      (void)ignored;
    } else if (name == "streaming") {
      // Streaming only lets the server send large in-progress transactions
      // early; Strata always sends whole committed transactions.
      STRATA_ASSIGN_OR_RETURN(bool ignored, ParseBoolOption(option));
      (void)ignored;
    } else if (name == "two_phase") {
      STRATA_ASSIGN_OR_RETURN(bool on, ParseBoolOption(option));
      if (on) {
        return Status(SqlState::kFeatureNotSupported,
                      "two-phase decoding is not supported: Strata has no prepared transactions");
      }
    } else {
      return Status(SqlState::kInvalidParameterValue, "unrecognized pgoutput option: " + name);
    }
  }
  if (!proto_version) {
    return Status(SqlState::kInvalidParameterValue, "proto_version option missing");
  }
  if (*proto_version > kMaxProtoVersion) {
    return Status(SqlState::kFeatureNotSupported,
                  "client sent proto_version=" + std::to_string(*proto_version) +
                      " but server only supports protocol " + std::to_string(kMaxProtoVersion) +
                      " or lower");
  }
  if (*proto_version < 1) {
    return Status(SqlState::kFeatureNotSupported,
                  "client sent proto_version=" + std::to_string(*proto_version) +
                      " but server only supports protocol 1 or higher");
  }
  if (!publications) {
    return Status(SqlState::kInvalidParameterValue, "publication_names parameter missing");
  }
  return std::unique_ptr<OutputPlugin>(std::make_unique<PgOutput>(std::move(*publications), binary));
}

}  // namespace strata::binlog::internal
