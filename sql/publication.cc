#include "sql/publication.h"

#include <algorithm>
#include <map>
#include <optional>

#include "binlog/publication.h"
#include "storage/change_feed.h"
#include "storage/database.h"

namespace strata::sql {

namespace {

using Action = ast::PublicationStmt::Action;

Status NoSuchPublication(const std::string& name) {
  return Status(SqlState::kUndefinedObject, "publication \"" + name + "\" does not exist");
}

Status WarnIfNoBinlog(const storage::TableDef& table, ResultSink* sink) {
  if (table.properties.binlog_level == storage::BinlogLevel::kReplica) return Status::OK();
  sink->Notice("WARNING",
               Status(SqlState("01000"),
                      "table \"" + table.name + "\" has no binlog: its changes are not published")
                   .WithHint("ALTER TABLE " + table.name + " SET (binlog_level = 'replica')"));
  return Status::OK();
}

}  // namespace

Status ExecutePublication(
    const ast::PublicationStmt& stmt, storage::Database* db,
    const std::function<Result<const storage::TableDef*>(const ast::QualifiedName&)>& lookup,
    ResultSink* sink) {
  storage::ChangeFeed& feed = db->change_feed();
  STRATA_ASSIGN_OR_RETURN(auto records, feed.ListReplicationState());
  std::map<std::string, binlog::Publication> existing;
  for (const auto& [key, value] : records) {
    if (key.rfind(binlog::kPublicationKeyPrefix, 0) != 0) continue;
    const std::string name = key.substr(binlog::kPublicationKeyPrefix.size());
    STRATA_ASSIGN_OR_RETURN(existing[name], binlog::DecodePublication(name, value));
  }

  if (stmt.action == Action::kDrop) {
    for (const std::string& name : stmt.names) {
      if (existing.count(name) == 0) {
        if (!stmt.if_exists) return NoSuchPublication(name);
        sink->Notice("NOTICE", Status(SqlState::kSuccessfulCompletion,
                                      "publication \"" + name + "\" does not exist, skipping"));
        continue;
      }
      STRATA_RETURN_IF_ERROR(feed.DeleteReplicationState(binlog::PublicationKey(name)));
    }
    return sink->Complete("DROP PUBLICATION");
  }

  const std::string& name = stmt.names.front();
  binlog::Publication publication;
  if (stmt.action == Action::kCreate) {
    if (existing.count(name) != 0) {
      return Status(SqlState::kDuplicateObject, "publication \"" + name + "\" already exists");
    }
    publication.name = name;
    publication.all_tables = stmt.all_tables;
  } else {
    auto it = existing.find(name);
    if (it == existing.end()) return NoSuchPublication(name);
    publication = it->second;
    if (stmt.action != Action::kSetOptions && publication.all_tables) {
      return Status(SqlState("55000"),
                    "publication \"" + name + "\" is defined as FOR ALL TABLES")
          .WithDetail("Tables cannot be added to or dropped from FOR ALL TABLES publications.");
    }
  }
  for (const ast::DefElem& option : stmt.options) {
    STRATA_RETURN_IF_ERROR(binlog::ApplyPublicationOption(option.name, option.value, &publication)
                               .WithPosition(option.location + 1));
  }
  std::vector<uint32_t> ids;
  for (const ast::QualifiedName& table : stmt.tables) {
    STRATA_ASSIGN_OR_RETURN(const storage::TableDef* def, lookup(table));
    if (stmt.action == Action::kAddTables && publication.Includes(def->id)) {
      return Status(SqlState::kDuplicateObject, "relation \"" + def->name +
                                                    "\" is already member of publication \"" +
                                                    name + "\"");
    }
    if (stmt.action == Action::kDropTables && !publication.Includes(def->id)) {
      return Status(SqlState::kUndefinedObject,
                    "relation \"" + def->name + "\" is not part of the publication");
    }
    if (stmt.action != Action::kDropTables) STRATA_RETURN_IF_ERROR(WarnIfNoBinlog(*def, sink));
    ids.push_back(def->id);
  }
  switch (stmt.action) {
    case Action::kCreate:
    case Action::kSetTables:
      publication.table_ids = ids;
      break;
    case Action::kAddTables:
      publication.table_ids.insert(publication.table_ids.end(), ids.begin(), ids.end());
      break;
    case Action::kDropTables:
      for (uint32_t id : ids) {
        publication.table_ids.erase(
            std::remove(publication.table_ids.begin(), publication.table_ids.end(), id),
            publication.table_ids.end());
      }
      break;
    case Action::kSetOptions:
    case Action::kDrop:
      break;
  }
  std::sort(publication.table_ids.begin(), publication.table_ids.end());
  publication.table_ids.erase(
      std::unique(publication.table_ids.begin(), publication.table_ids.end()),
      publication.table_ids.end());
  STRATA_RETURN_IF_ERROR(feed.PutReplicationState(binlog::PublicationKey(name),
                                                  binlog::EncodePublication(publication)));
  return sink->Complete(stmt.action == Action::kCreate ? "CREATE PUBLICATION"
                                                       : "ALTER PUBLICATION");
}

}  // namespace strata::sql
