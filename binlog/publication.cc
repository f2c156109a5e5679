#include "binlog/publication.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace strata::binlog {

namespace {

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

bool Publication::Includes(uint32_t table_id) const {
  return all_tables || std::binary_search(table_ids.begin(), table_ids.end(), table_id);
}

std::string PublicationKey(std::string_view name) {
  return std::string(kPublicationKeyPrefix) + std::string(name);
}

std::string EncodePublication(const Publication& p) {
  std::string out = "v1 ";
  out += p.all_tables ? "all " : "tables ";
  out += p.publish_insert ? 'i' : '-';
  out += p.publish_update ? 'u' : '-';
  out += p.publish_delete ? 'd' : '-';
  out += p.publish_truncate ? 't' : '-';
  out += ' ';
  for (size_t i = 0; i < p.table_ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(p.table_ids[i]);
  }
  return out;
}

Result<Publication> DecodePublication(std::string_view name, std::string_view value) {
  const Status corrupt =
      Status::Corruption("malformed publication record for \"" + std::string(name) + "\"");
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() < 3) {
    const size_t space = value.find(' ', start);
    if (space == std::string_view::npos) return corrupt;
    parts.emplace_back(value.substr(start, space - start));
    start = space + 1;
  }
  const std::string ids(value.substr(start));
  if (parts[0] != "v1" || (parts[1] != "all" && parts[1] != "tables") || parts[2].size() != 4) {
    return corrupt;
  }
  Publication p;
  p.name = std::string(name);
  p.all_tables = parts[1] == "all";
  p.publish_insert = parts[2][0] == 'i';
  p.publish_update = parts[2][1] == 'u';
  p.publish_delete = parts[2][2] == 'd';
  p.publish_truncate = parts[2][3] == 't';
  size_t pos = 0;
  while (pos < ids.size()) {
    size_t comma = ids.find(',', pos);
    if (comma == std::string::npos) comma = ids.size();
    const std::string id = ids.substr(pos, comma - pos);
    char* end = nullptr;
    const unsigned long long v = std::strtoull(id.c_str(), &end, 10);
    if (id.empty() || *end != '\0' || v > UINT32_MAX) return corrupt;
    p.table_ids.push_back(static_cast<uint32_t>(v));
    pos = comma + 1;
  }
  if (!std::is_sorted(p.table_ids.begin(), p.table_ids.end())) return corrupt;
  return p;
}

Status ApplyPublicationOption(std::string_view name, std::string_view value,
                              Publication* publication) {
  std::string key = Trim(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (key == "publish_via_partition_root") return Status::OK();  // no partitions in Strata
  if (key != "publish") {
    return Status(SqlState::kSyntaxError, "unrecognized publication parameter: \"" + key + "\"");
  }
  publication->publish_insert = false;
  publication->publish_update = false;
  publication->publish_delete = false;
  publication->publish_truncate = false;
  size_t pos = 0;
  const std::string text(value);
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string action = Trim(text.substr(pos, comma - pos));
    for (char& c : action) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (action == "insert") {
      publication->publish_insert = true;
    } else if (action == "update") {
      publication->publish_update = true;
    } else if (action == "delete") {
      publication->publish_delete = true;
    } else if (action == "truncate") {
      publication->publish_truncate = true;
    } else if (!(action.empty() && text.find_first_not_of(" \t") == std::string::npos)) {
      return Status(SqlState::kSyntaxError,
                    "unrecognized value for publication option \"publish\": \"" + action + "\"");
    }
    pos = comma + 1;
  }
  return Status::OK();
}

}  // namespace strata::binlog
