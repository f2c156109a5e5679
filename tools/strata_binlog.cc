// strata-binlog: tails a table's binlog as JSON lines (DESIGN §8).
//
//   --table t   polls SQL binlog access (SELECT hg_binlog_lsn, ... FROM t
//               WHERE hg_binlog_lsn > $1), one JSON line per record;
//   --slot s    streams a logical replication slot (test_decoding) over the
//               replication protocol, one JSON line per change of each
//               committed transaction, and confirms what it printed.
// Both follow new changes until SIGINT/SIGTERM, then exit 0 after flushing
// stdout (and, for a slot, confirming the last printed commit).

#include <poll.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <libpq-fe.h>

#include "common/value_text.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

constexpr int64_t kUnixToPgEpochUs = 946684800LL * 1000000LL;

struct Options {
  std::string table;
  std::string slot;
  std::string from_lsn = "0/0";
  std::string host = "127.0.0.1";
  int port = 5433;
  std::string user = "strata";
  std::string dbname = "strata";
  int poll_ms = 200;
  bool create_slot = false;
};

std::string FormatLsn(uint64_t lsn) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xFFFFFFFFu));
  return buf;
}

std::optional<uint64_t> ParseLsn(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return {};
  auto hex = [](std::string_view digits) -> std::optional<uint64_t> {
    if (digits.size() > 8) return {};
    uint64_t v = 0;
    for (char c : digits) {
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return {};
      }
      v = v * 16 + static_cast<uint64_t>(d);
    }
    return v;
  };
  auto hi = hex(text.substr(0, slash));
  auto lo = hex(text.substr(slash + 1));
  if (!hi || !lo) return {};
  return (*hi << 32) | *lo;
}

std::string ConnInfo(const Options& o, bool replication) {
  auto quote = [](const std::string& v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  };
  std::string info = "host=" + quote(o.host) + " port=" + std::to_string(o.port) +
                     " user=" + quote(o.user) + " dbname=" + quote(o.dbname) +
                     " application_name=strata-binlog";
  if (replication) info += " replication=database";
  return info;
}

// A JSON value for a column's text: numbers and booleans bare, NULL as null,
// everything else a string.
void AppendJsonValue(std::optional<std::string_view> text, bool numeric, bool boolean,
                     std::string* out) {
  if (!text) {
    *out += "null";
    return;
  }
  if (numeric) {
    bool plain = !text->empty();
    for (char c : *text) {
      if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == 'e' ||
            c == 'E' || c == '+')) {
        plain = false;
      }
    }
    if (plain) {
      *out += *text;
      return;
    }
  }
  if (boolean && (*text == "t" || *text == "true" || *text == "f" || *text == "false")) {
    *out += (*text == "t" || *text == "true") ? "true" : "false";
    return;
  }
  strata::AppendJsonString(*text, out);
}

void PrintLine(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

// ---- --table: SQL binlog access ----

const char* EventName(long type) {
  switch (type) {
    case 2:
      return "DELETE";
    case 3:
      return "UPDATE_BEFORE";
    case 5:
      return "INSERT";
    case 7:
      return "UPDATE_AFTER";
    case 27:
      return "HEARTBEAT";
  }
  return "UNKNOWN";
}

bool IsNumericOid(Oid oid) {
  return oid == 20 || oid == 21 || oid == 23 || oid == 700 || oid == 701 || oid == 1700;
}

int RunTable(const Options& o, uint64_t from) {
  PGconn* conn = PQconnectdb(ConnInfo(o, false).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::fprintf(stderr, "strata-binlog: %s", PQerrorMessage(conn));
    PQfinish(conn);
    return 1;
  }
  char* quoted = PQescapeIdentifier(conn, o.table.c_str(), o.table.size());
  const std::string sql =
      "SELECT hg_binlog_lsn, hg_binlog_event_type, hg_binlog_timestamp_us, * FROM " +
      std::string(quoted) + " WHERE hg_binlog_lsn > $1 ORDER BY hg_binlog_lsn LIMIT 1000";
  PQfreemem(quoted);
  uint64_t last = from;
  while (!g_stop) {
    const std::string param = std::to_string(last);
    const char* values[1] = {param.c_str()};
    PGresult* res = PQexecParams(conn, sql.c_str(), 1, nullptr, values, nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      std::fprintf(stderr, "strata-binlog: %s", PQerrorMessage(conn));
      PQclear(res);
      PQfinish(conn);
      return 1;
    }
    const int rows = PQntuples(res);
    const int cols = PQnfields(res);
    for (int r = 0; r < rows; ++r) {
      const uint64_t lsn = std::strtoull(PQgetvalue(res, r, 0), nullptr, 10);
      std::string line = "{\"lsn\":\"" + FormatLsn(lsn) + "\",\"event_type\":\"" +
                         EventName(std::strtol(PQgetvalue(res, r, 1), nullptr, 10)) +
                         "\",\"timestamp_us\":" + PQgetvalue(res, r, 2) + ",\"row\":{";
      bool first = true;
      for (int c = 3; c < cols; ++c) {
        const std::string_view name = PQfname(res, c);
        if (name.rfind("hg_binlog_", 0) == 0) continue;
        if (!first) line += ',';
        first = false;
        strata::AppendJsonString(name, &line);
        line += ':';
        std::optional<std::string_view> text;
        if (!PQgetisnull(res, r, c)) text = PQgetvalue(res, r, c);
        AppendJsonValue(text, IsNumericOid(PQftype(res, c)), PQftype(res, c) == 16, &line);
      }
      line += "}}";
      PrintLine(line);
      last = lsn;
    }
    PQclear(res);
    std::fflush(stdout);
    if (rows == 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
  std::fflush(stdout);
  std::fprintf(stderr, "strata-binlog: stopped after LSN %s\n", FormatLsn(last).c_str());
  PQfinish(conn);
  return 0;
}

// ---- --slot: logical replication with test_decoding ----

// One change line of test_decoding: "table s.t: INSERT: a[integer]:1 ...".
struct ParsedChange {
  std::string table;
  std::string event;
  std::string old_json;  // "" when none
  std::string row_json;
};

// Reads the tuple part after "INSERT:" etc. into JSON objects; columns after
// "old-key:" go to `old`, those after "new-tuple:" (or without a marker) to
// `row`.
void ParseTuple(std::string_view s, std::string* old, std::string* row) {
  std::string* target = row;
  bool first_old = true;
  bool first_row = true;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    if (s.substr(i, 8) == "old-key:") {
      target = old;
      i += 8;
      continue;
    }
    if (s.substr(i, 10) == "new-tuple:") {
      target = row;
      i += 10;
      continue;
    }
    if (s.substr(i, 15) == "(no-tuple-data)") {
      i += 15;
      continue;
    }
    std::string name;
    if (s[i] == '"') {
      ++i;
      while (i < s.size()) {
        if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') {
          name += '"';
          i += 2;
        } else if (s[i] == '"') {
          ++i;
          break;
        } else {
          name += s[i++];
        }
      }
    } else {
      while (i < s.size() && s[i] != '[') name += s[i++];
    }
    const size_t type_end = s.find("]:", i);
    if (type_end == std::string_view::npos) break;
    const std::string_view type = s.substr(i + 1, type_end - i - 1);
    i = type_end + 2;
    std::optional<std::string> value;
    bool quoted = false;
    if (i < s.size() && s[i] == '\'') {
      quoted = true;
      std::string v;
      ++i;
      while (i < s.size()) {
        if (s[i] == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
          v += '\'';
          i += 2;
        } else if (s[i] == '\'') {
          ++i;
          break;
        } else {
          v += s[i++];
        }
      }
      value = v;
    } else {
      std::string v;
      while (i < s.size() && s[i] != ' ') v += s[i++];
      if (v != "null") value = v;
    }
    bool& first = target == old ? first_old : first_row;
    if (!first) *target += ',';
    first = false;
    strata::AppendJsonString(name, target);
    *target += ':';
    const bool numeric = !quoted && type != "boolean";
    AppendJsonValue(value ? std::optional<std::string_view>(*value) : std::nullopt, numeric,
                    type == "boolean", target);
  }
}

std::optional<ParsedChange> ParseChange(std::string_view line) {
  if (line.rfind("table ", 0) != 0) return {};
  const size_t colon = line.find(": ", 6);
  if (colon == std::string_view::npos) return {};
  ParsedChange change;
  change.table = std::string(line.substr(6, colon - 6));
  std::string_view rest = line.substr(colon + 2);
  const size_t event_end = rest.find(':');
  if (event_end == std::string_view::npos) return {};
  change.event = std::string(rest.substr(0, event_end));
  ParseTuple(rest.substr(event_end + 1), &change.old_json, &change.row_json);
  return change;
}

void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

int64_t PgNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() -
         kUnixToPgEpochUs;
}

bool SendStatus(PGconn* conn, uint64_t flushed) {
  std::string msg = "r";
  PutU64(&msg, flushed);
  PutU64(&msg, flushed);
  PutU64(&msg, flushed);
  PutU64(&msg, static_cast<uint64_t>(PgNowUs()));
  msg.push_back(0);
  return PQputCopyData(conn, msg.data(), static_cast<int>(msg.size())) == 1 && PQflush(conn) == 0;
}

uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(p[k]);
  return v;
}

int RunSlot(const Options& o, uint64_t from) {
  PGconn* conn = PQconnectdb(ConnInfo(o, true).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::fprintf(stderr, "strata-binlog: %s", PQerrorMessage(conn));
    PQfinish(conn);
    return 1;
  }
  char* slot = PQescapeIdentifier(conn, o.slot.c_str(), o.slot.size());
  const std::string slot_name(slot);
  PQfreemem(slot);
  if (o.create_slot) {
    PGresult* res = PQexec(conn, ("CREATE_REPLICATION_SLOT " + slot_name +
                                  " LOGICAL test_decoding NOEXPORT_SNAPSHOT")
                                     .c_str());
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (PQresultStatus(res) != PGRES_TUPLES_OK && !(state && std::strcmp(state, "42710") == 0)) {
      std::fprintf(stderr, "strata-binlog: %s", PQerrorMessage(conn));
      PQclear(res);
      PQfinish(conn);
      return 1;
    }
    PQclear(res);
  }
  const std::string start = "START_REPLICATION SLOT " + slot_name + " LOGICAL " +
                            FormatLsn(from) + " (\"include-timestamp\" 'on')";
  PGresult* res = PQexec(conn, start.c_str());
  if (PQresultStatus(res) != PGRES_COPY_BOTH) {
    std::fprintf(stderr, "strata-binlog: %s", PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
    return 1;
  }
  PQclear(res);
  PQsetnonblocking(conn, 1);

  uint64_t printed_lsn = from;  // commit LSN of the last transaction printed
  std::vector<ParsedChange> pending;
  std::string xid;
  auto last_status = std::chrono::steady_clock::now();
  int rc = 0;
  while (!g_stop) {
    char* buf = nullptr;
    const int len = PQgetCopyData(conn, &buf, 1);
    if (len == 0) {
      pollfd pfd{PQsocket(conn), POLLIN, 0};
      poll(&pfd, 1, 100);
      if (PQconsumeInput(conn) == 0) {
        std::fprintf(stderr, "strata-binlog: %s", PQerrorMessage(conn));
        rc = 1;
        break;
      }
    } else if (len < 0) {
      if (len == -2) {
        std::fprintf(stderr, "strata-binlog: %s", PQerrorMessage(conn));
        rc = 1;
      }
      break;
    } else if (buf[0] == 'k' && len >= 18) {
      if (buf[17] != 0) SendStatus(conn, printed_lsn);
    } else if (buf[0] == 'w' && len >= 25) {
      const uint64_t start_lsn = GetU64(buf + 1);
      const std::string_view data(buf + 25, static_cast<size_t>(len - 25));
      if (data.rfind("BEGIN", 0) == 0) {
        pending.clear();
        xid = data.size() > 6 ? std::string(data.substr(6)) : "";
      } else if (data.rfind("COMMIT", 0) == 0) {
        std::string at;
        const size_t open = data.find("(at ");
        if (open != std::string_view::npos) at = std::string(data.substr(open + 4, data.size() - open - 5));
        for (const ParsedChange& change : pending) {
          std::string line = "{\"lsn\":\"" + FormatLsn(start_lsn) + "\",\"xid\":" +
                             (xid.empty() ? "null" : xid) + ",\"event_type\":\"" + change.event +
                             "\",\"timestamp\":";
          strata::AppendJsonString(at, &line);
          line += ",\"table\":";
          strata::AppendJsonString(change.table, &line);
          if (!change.old_json.empty()) line += ",\"old\":{" + change.old_json + "}";
          line += ",\"row\":{" + change.row_json + "}}";
          PrintLine(line);
        }
        pending.clear();
        std::fflush(stdout);
        printed_lsn = start_lsn;
      } else if (auto change = ParseChange(data)) {
        pending.push_back(std::move(*change));
      }
    }
    if (buf != nullptr) PQfreemem(buf);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_status >= std::chrono::seconds(1)) {
      SendStatus(conn, printed_lsn);
      last_status = now;
    }
  }
  // Confirm what was printed, then end the stream as pg_recvlogical does.
  std::fflush(stdout);
  PQsetnonblocking(conn, 0);
  if (PQstatus(conn) == CONNECTION_OK) {
    SendStatus(conn, printed_lsn);
    PQputCopyEnd(conn, nullptr);
    PQflush(conn);
    // Drain until the server ends the COPY and the command.
    for (int i = 0; i < 1000; ++i) {
      char* rest = nullptr;
      const int n = PQgetCopyData(conn, &rest, 0);
      if (rest != nullptr) PQfreemem(rest);
      if (n < 0) break;
    }
    while (PGresult* r = PQgetResult(conn)) PQclear(r);
  }
  std::fprintf(stderr, "strata-binlog: confirmed up to %s\n", FormatLsn(printed_lsn).c_str());
  PQfinish(conn);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"strata-binlog: print a Strata table's binlog as JSON lines and follow it"};
  Options o;
  auto* table = app.add_option("--table", o.table, "Table to tail through SQL binlog access");
  auto* slot = app.add_option("--slot", o.slot,
                              "Logical replication slot (test_decoding) to stream");
  table->excludes(slot);
  app.add_option("--from-lsn", o.from_lsn, "Start after this LSN (X/Y; default 0/0: the slot's "
                                           "confirmed position, or the table's first record)");
  app.add_option("--host", o.host, "Server host (default 127.0.0.1)");
  app.add_option("--port", o.port, "Server port (default 5433)");
  app.add_option("--user", o.user, "User (default strata)");
  app.add_option("--dbname", o.dbname, "Database (default strata)");
  app.add_option("--poll-ms", o.poll_ms, "--table: polling interval when idle (default 200)");
  app.add_flag("--create-slot", o.create_slot, "--slot: create the slot if it does not exist");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (o.table.empty() == o.slot.empty()) {
    std::fprintf(stderr, "strata-binlog: give exactly one of --table or --slot\n");
    return 2;
  }
  const auto from = ParseLsn(o.from_lsn);
  if (!from) {
    std::fprintf(stderr, "strata-binlog: invalid --from-lsn \"%s\" (expected X/Y)\n",
                 o.from_lsn.c_str());
    return 2;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  return o.table.empty() ? RunSlot(o, *from) : RunTable(o, *from);
}
