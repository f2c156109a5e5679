#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace strata::binlog {

// A publication (CREATE PUBLICATION): which tables' changes pgoutput sends
// and which kinds of change. Stored as one record of the database's
// replication state (key PublicationKey(name), value EncodePublication()).
// A plain value type.
struct Publication {
  std::string name;
  bool all_tables = false;
  std::vector<uint32_t> table_ids;  // sorted, unique; empty with all_tables
  // WITH (publish = '...'): the published actions.
  bool publish_insert = true;
  bool publish_update = true;
  bool publish_delete = true;
  bool publish_truncate = true;

  bool Includes(uint32_t table_id) const;
  bool operator==(const Publication&) const = default;
};

inline constexpr std::string_view kPublicationKeyPrefix = "pub/";
std::string PublicationKey(std::string_view name);

// "v1 <all|tables> <flags iudt> <id,id,...>".
std::string EncodePublication(const Publication& publication);
// Corruption (XX001) for a malformed value.
Result<Publication> DecodePublication(std::string_view name, std::string_view value);

// Applies PostgreSQL's publication options (publish = 'insert, update,
// delete, truncate'; publish_via_partition_root accepted and ignored).
// Errors as PostgreSQL: 42601 `unrecognized value for publication option
// "publish": "x"` and `unrecognized publication parameter: "x"`.
Status ApplyPublicationOption(std::string_view name, std::string_view value,
                              Publication* publication);

}  // namespace strata::binlog
