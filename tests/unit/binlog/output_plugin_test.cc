// Expected bytes and text were captured from PostgreSQL 15 (wal_level =
// logical) running the same statements, through pg_recvlogical
// (test_decoding) and psycopg2's LogicalReplicationConnection (pgoutput).

#include "binlog/output/plugin.h"

#include <gtest/gtest.h>

#include "common/numeric.h"
#include "common/value_text.h"
#include "testing/status_matchers.h"

namespace strata::binlog {
namespace {

constexpr int64_t kUnixToPgUs = 946684800LL * 1000000LL;

std::shared_ptr<const Relation> TableT() {
  auto r = std::make_shared<Relation>();
  r->oid = 0x4002;
  r->schema = "public";
  r->name = "t";
  r->identity = ReplicaIdentity::kDefault;
  r->columns = {{"id", DataType::Of(TypeId::kInt4), true},
                {"name", DataType::Of(TypeId::kText), false},
                {"v", DataType::Of(TypeId::kFloat8), false},
                {"b", DataType::Of(TypeId::kBool), false},
                {"n", DataType::Of(TypeId::kNumeric), false},
                {"ts", DataType::Of(TypeId::kTimestampTz), false}};
  return r;
}

std::shared_ptr<const Relation> TableF() {
  auto r = std::make_shared<Relation>();
  r->oid = 0x4009;
  r->schema = "public";
  r->name = "f";
  r->identity = ReplicaIdentity::kFull;
  r->columns = {{"id", DataType::Of(TypeId::kInt4), true},
                {"name", DataType::Of(TypeId::kText), false}};
  return r;
}

Value Parse(const DataType& type, std::string_view text) {
  auto v = ParseText(type, text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : Value();
}

std::vector<Value> RowT(int id, std::optional<std::string> name) {
  return {Value::Int4(id),
          name ? Value::Text(*name) : Value::Null(TypeId::kText),
          Value::Float8(1.5),
          Value::Bool(true),
          Parse(DataType::Of(TypeId::kNumeric), "12.30"),
          Parse(DataType::Of(TypeId::kTimestampTz), "2024-01-02 03:04:05.123456+00")};
}

DecodedChange Insert(std::shared_ptr<const Relation> r, std::vector<Value> row) {
  DecodedChange c;
  c.kind = DecodedChange::Kind::kInsert;
  c.relation = std::move(r);
  c.new_row = std::move(row);
  return c;
}
DecodedChange Update(std::shared_ptr<const Relation> r, std::vector<Value> old_row,
                     std::vector<Value> new_row) {
  DecodedChange c;
  c.kind = DecodedChange::Kind::kUpdate;
  c.relation = std::move(r);
  c.old_row = std::move(old_row);
  c.new_row = std::move(new_row);
  return c;
}
DecodedChange Delete(std::shared_ptr<const Relation> r, std::vector<Value> old_row) {
  DecodedChange c;
  c.kind = DecodedChange::Kind::kDelete;
  c.relation = std::move(r);
  c.old_row = std::move(old_row);
  return c;
}

DecodedTransaction Txn(uint64_t lsn, uint32_t xid, int64_t pg_time, std::vector<DecodedChange> c) {
  DecodedTransaction txn;
  txn.commit_lsn = lsn;
  txn.begin_lsn = lsn - 1;
  txn.xid = xid;
  txn.commit_time_us = pg_time + kUnixToPgUs;
  txn.changes = std::move(c);
  return txn;
}

std::vector<std::string> Encoded(OutputPlugin* plugin, const DecodedTransaction& txn) {
  std::vector<PluginMessage> out;
  EXPECT_OK(plugin->Encode(txn, &out));
  std::vector<std::string> data;
  for (auto& m : out) data.push_back(m.data);
  return data;
}

std::unique_ptr<OutputPlugin> Make(std::string_view name, std::vector<PluginOption> options) {
  auto plugin = CreateOutputPlugin(name, options);
  EXPECT_TRUE(plugin.ok()) << plugin.status().ToString();
  return plugin.ok() ? std::move(plugin).value() : nullptr;
}

TEST(TestDecodingTest, MatchesPostgresText) {
  auto plugin = Make("test_decoding", {{"skip-empty-xacts", "1"}, {"include-timestamp", "1"}});
  auto t = TableT();
  auto f = TableF();
  std::vector<Value> second = {Value::Int4(2), Value::Null(TypeId::kText),
                               Value::Float8(std::numeric_limits<double>::quiet_NaN()),
                               Value::Bool(false), Parse(DataType::Of(TypeId::kNumeric), "-1"),
                               Value::Null(TypeId::kTimestampTz)};
  // 2026-11-22 03:04:31.33949+00
  const int64_t at = Parse(DataType::Of(TypeId::kTimestampTz), "2026-11-22 03:04:31.33949+00")
                         .timestamp_value();
  EXPECT_EQ(Encoded(plugin.get(), Txn(10, 730, at, {Insert(t, RowT(1, "x'y")), Insert(t, second)})),
            (std::vector<std::string>{
                "BEGIN 730",
                "table public.t: INSERT: id[integer]:1 name[text]:'x''y' v[double precision]:1.5 "
                "b[boolean]:true n[numeric]:12.30 ts[timestamp with time zone]:'2024-01-02 "
                "03:04:05.123456+00'",
                "table public.t: INSERT: id[integer]:2 name[text]:null v[double precision]:NaN "
                "b[boolean]:false n[numeric]:-1 ts[timestamp with time zone]:null",
                "COMMIT 730 (at 2026-11-22 03:04:31.33949+00)"}));

  auto moved = second;
  moved[0] = Value::Int4(3);
  auto no_ts = Make("test_decoding", {});
  EXPECT_EQ(Encoded(no_ts.get(), Txn(11, 732, at, {Update(t, second, moved)}))[1],
            "table public.t: UPDATE: old-key: id[integer]:2 new-tuple: id[integer]:3 "
            "name[text]:null v[double precision]:NaN b[boolean]:false n[numeric]:-1 ts[timestamp "
            "with time zone]:null");
  EXPECT_EQ(Encoded(no_ts.get(), Txn(12, 731, at, {Update(t, RowT(1, "x'y"), RowT(1, "z"))}))[1],
            "table public.t: UPDATE: id[integer]:1 name[text]:'z' v[double precision]:1.5 "
            "b[boolean]:true n[numeric]:12.30 ts[timestamp with time zone]:'2024-01-02 "
            "03:04:05.123456+00'");
  EXPECT_EQ(Encoded(no_ts.get(), Txn(13, 733, at, {Delete(t, RowT(1, "z"))}))[1],
            "table public.t: DELETE: id[integer]:1");
  std::vector<Value> fa = {Value::Int4(1), Value::Text("a")};
  std::vector<Value> fb = {Value::Int4(1), Value::Text("b")};
  EXPECT_EQ(Encoded(no_ts.get(), Txn(14, 735, at, {Update(f, fa, fb)}))[1],
            "table public.f: UPDATE: old-key: id[integer]:1 name[text]:'a' new-tuple: "
            "id[integer]:1 name[text]:'b'");
  EXPECT_EQ(Encoded(no_ts.get(), Txn(15, 736, at, {Delete(f, fb)}))[1],
            "table public.f: DELETE: id[integer]:1 name[text]:'b'");
  // Old tuples leave NULL columns out (PostgreSQL's skip_nulls).
  std::vector<Value> fnull = {Value::Int4(2), Value::Null(TypeId::kText)};
  std::vector<Value> fmoved = {Value::Int4(3), Value::Null(TypeId::kText)};
  EXPECT_EQ(Encoded(no_ts.get(), Txn(16, 737, at, {Update(f, fnull, fmoved)}))[1],
            "table public.f: UPDATE: old-key: id[integer]:2 new-tuple: id[integer]:3 "
            "name[text]:null");
  DecodedChange truncate;
  truncate.kind = DecodedChange::Kind::kTruncate;
  truncate.truncated = {t, f};
  EXPECT_EQ(Encoded(no_ts.get(), Txn(16, 740, at, {truncate})),
            (std::vector<std::string>{"BEGIN 740", "table public.t, public.f: TRUNCATE: (no-flags)",
                                      "COMMIT 740"}));
}

TEST(TestDecodingTest, TypeNamesQuotingAndOptions) {
  auto r = std::make_shared<Relation>();
  r->oid = 1;
  r->schema = "public";
  r->name = "W";
  r->columns = {{"c", DataType::Bpchar(3), true},
                {"ta", DataType::Array(TypeId::kText), false},
                {"select", DataType::Varchar(10), false}};
  auto plugin = Make("test_decoding", {{"include-xids", "0"}});
  EXPECT_EQ(Encoded(plugin.get(),
                Txn(5, 1, 0,
                    {Insert(r, {Value::Bpchar("a  "),
                                Parse(DataType::Array(TypeId::kText), "{\"a b\",c}"),
                                Value::Varchar("a'b\\c")})})),
            (std::vector<std::string>{
                "BEGIN",
                "table public.\"W\": INSERT: c[character]:'a  ' ta[text[]]:'{\"a b\",c}' "
                "\"select\"[character varying]:'a''b\\c'",
                "COMMIT"}));
  // Without skip-empty-xacts an empty transaction still shows.
  EXPECT_EQ(Encoded(plugin.get(), Txn(6, 2, 0, {})), (std::vector<std::string>{"BEGIN", "COMMIT"}));

  auto bad = CreateOutputPlugin("test_decoding", std::vector<PluginOption>{{"nope", "1"}});
  EXPECT_EQ(bad.status().sql_state().code(), "22023");
  EXPECT_EQ(bad.status().message(), "option \"nope\" = \"1\" is unknown");
  auto bad_bool =
      CreateOutputPlugin("test_decoding", std::vector<PluginOption>{{"include-xids", "maybe"}});
  EXPECT_EQ(bad_bool.status().sql_state().code(), "22023");
  EXPECT_EQ(CreateOutputPlugin("wal2json", {}).status().sql_state().code(), "58P01");
}

TEST(TestDecodingTest, MessagePositions) {
  auto plugin = Make("test_decoding", {});
  std::vector<PluginMessage> out;
  ASSERT_OK(plugin->Encode(Txn(100, 7, 0, {Insert(TableF(), {Value::Int4(1), Value::Text("a")})}),
                           &out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].lsn, 99u);
  EXPECT_EQ(out[1].lsn, 99u);
  EXPECT_EQ(out[2].lsn, 100u);
}

// A string literal with embedded NULs, without its terminating one.
template <size_t N>
std::string Lit(const char (&s)[N]) {
  return std::string(s, N - 1);
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(PgOutputTest, MatchesPostgresBytes) {
  auto plugin = Make("pgoutput", {{"proto_version", "1"}, {"publication_names", "p"}});
  auto t = TableT();
  const int64_t time1 = 0x000303d3821d0056LL;
  DecodedTransaction txn = Txn(0x1959a90, 0x2e7, time1, {Insert(t, RowT(1, "x'y"))});
  std::vector<PluginMessage> out;
  ASSERT_OK(plugin->Encode(txn, &out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].data,
            Bytes({'B', 0, 0, 0, 0, 1, 0x95, 0x9a, 0x90, 0, 3, 3, 0xd3, 0x82, 0x1d, 0, 'V', 0, 0,
                   2, 0xe7}));
  EXPECT_EQ(out[1].lsn, 0u);
  EXPECT_EQ(out[1].data,
            Lit("R\x00\x00@\x02public\x00t\x00" "d\x00\x06\x01id\x00\x00\x00\x00\x17\xff"
                        "\xff\xff\xff\x00name\x00\x00\x00\x00\x19\xff\xff\xff\xff\x00v\x00\x00\x00"
                        "\x02\xbd\xff\xff\xff\xff\x00" "b\x00\x00\x00\x00\x10\xff\xff\xff\xff\x00n"
                        "\x00\x00\x00\x06\xa4\xff\xff\xff\xff\x00ts\x00\x00\x00\x04\xa0\xff\xff"
                        "\xff\xff"));
  EXPECT_EQ(out[2].data,
            Lit("I\x00\x00@\x02N\x00\x06t\x00\x00\x00\x01" "1t\x00\x00\x00\x03x'yt\x00\x00"
                        "\x00\x03" "1.5t\x00\x00\x00\x01tt\x00\x00\x00\x05" "12.30t\x00\x00\x00"
                        "\x1d" "2024-01-02 03:04:05.123456+00"));
  EXPECT_EQ(out[3].data,
            Bytes({'C', 0, 0, 0, 0, 0, 1, 0x95, 0x9a, 0x90, 0, 0, 0, 0, 1, 0x95, 0x9a, 0x90, 0, 3,
                   3, 0xd3, 0x82, 0x1d, 0, 'V'}));
  EXPECT_EQ(out[3].lsn, 0x1959a90u);

  // Update that keeps the key: new tuple only, relation not described again.
  auto next = Encoded(plugin.get(), Txn(0x1959b28, 0x2e8, time1, {Update(t, RowT(1, "x'y"), RowT(1, "q"))}));
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[1],
            Lit("U\x00\x00@\x02N\x00\x06t\x00\x00\x00\x01" "1t\x00\x00\x00\x01qt\x00\x00"
                        "\x00\x03" "1.5t\x00\x00\x00\x01tt\x00\x00\x00\x05" "12.30t\x00\x00\x00"
                        "\x1d" "2024-01-02 03:04:05.123456+00"));
  // Key change: old key with the other columns as 'n'.
  auto moved = RowT(2, "q");
  next = Encoded(plugin.get(), Txn(0x1959c08, 0x2e9, time1, {Update(t, RowT(1, "q"), moved)}));
  const std::string old_key = Lit("U\x00\x00@\x02K\x00\x06t\x00\x00\x00\x01" "1nnnnnN");
  EXPECT_EQ(next[1].substr(0, old_key.size()), old_key);
  next = Encoded(plugin.get(), Txn(0x1959c78, 0x2ea, time1, {Delete(t, moved)}));
  EXPECT_EQ(next[1], Lit("D\x00\x00@\x02K\x00\x06t\x00\x00\x00\x01" "2nnnnn"));

  // REPLICA IDENTITY FULL: every column flagged as key, old image 'O'.
  auto f = TableF();
  std::vector<Value> fa = {Value::Int4(1), Value::Text("a")};
  std::vector<Value> fb = {Value::Int4(1), Value::Text("b")};
  next = Encoded(plugin.get(), Txn(0x1959e28, 0x2eb, time1,
                               {Insert(f, fa), Update(f, fa, fb), Delete(f, fb)}));
  ASSERT_EQ(next.size(), 6u);
  EXPECT_EQ(next[1], Lit("R\x00\x00@\tpublic\x00" "f\x00" "f\x00\x02\x01id\x00\x00\x00\x00"
                                 "\x17\xff\xff\xff\xff\x01name\x00\x00\x00\x00\x19\xff\xff\xff\xff"));
  EXPECT_EQ(next[3], Lit("U\x00\x00@\tO\x00\x02t\x00\x00\x00\x01" "1t\x00\x00\x00\x01"
                                 "aN\x00\x02t\x00\x00\x00\x01" "1t\x00\x00\x00\x01" "b"));
  EXPECT_EQ(next[4], Lit("D\x00\x00@\tO\x00\x02t\x00\x00\x00\x01" "1t\x00\x00\x00\x01" "b"));

  // TRUNCATE describes its relations again, then lists their oids.
  DecodedChange truncate;
  truncate.kind = DecodedChange::Kind::kTruncate;
  truncate.truncated = {t, f};
  next = Encoded(plugin.get(), Txn(0x195b8f8, 0x2ed, time1, {truncate}));
  ASSERT_EQ(next.size(), 5u);
  EXPECT_EQ(next[1][0], 'R');
  EXPECT_EQ(next[2][0], 'R');
  EXPECT_EQ(next[3], Lit("T\x00\x00\x00\x02\x00\x00\x00@\x02\x00\x00@\t"));
}

TEST(PgOutputTest, TypmodsAndEmptyTransactions) {
  auto plugin = Make("pgoutput", {{"proto_version", "2"}, {"publication_names", "p, \"Q\""}});
  EXPECT_EQ(plugin->publication_names(), (std::vector<std::string>{"p", "Q"}));
  auto v = std::make_shared<Relation>();
  v->oid = 0x4021;
  v->schema = "public";
  v->name = "v";
  v->columns = {{"id", DataType::Of(TypeId::kInt4), true},
                {"s", DataType::Varchar(10), false},
                {"n", DataType::Numeric(10, 2), false},
                {"a", DataType::Array(TypeId::kInt4), false}};
  auto out = Encoded(plugin.get(), Txn(9, 1, 0,
                                   {Insert(v, {Value::Int4(1), Value::Varchar("abc"),
                                               Parse(DataType::Numeric(10, 2), "3.5"),
                                               Parse(DataType::Array(TypeId::kInt4), "{1,2}")})}));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1], Lit("R\x00\x00@!public\x00v\x00" "d\x00\x04\x01id\x00\x00\x00\x00\x17"
                                "\xff\xff\xff\xff\x00s\x00\x00\x00\x04\x13\x00\x00\x00\x0e\x00n\x00"
                                "\x00\x00\x06\xa4\x00\n\x00\x06\x00" "a\x00\x00\x00\x03\xef\xff\xff"
                                "\xff\xff"));
  EXPECT_EQ(out[2], Lit("I\x00\x00@!N\x00\x04t\x00\x00\x00\x01" "1t\x00\x00\x00\x03"
                                "abct\x00\x00\x00\x04" "3.50t\x00\x00\x00\x05{1,2}"));
  // PostgreSQL 15 skips transactions without published changes.
  EXPECT_TRUE(Encoded(plugin.get(), Txn(10, 2, 0, {})).empty());
}

TEST(PgOutputTest, OptionErrors) {
  auto status = [](std::vector<PluginOption> options) {
    return CreateOutputPlugin("pgoutput", options).status();
  };
  EXPECT_EQ(status({{"publication_names", "p"}}).message(), "proto_version option missing");
  EXPECT_EQ(status({{"proto_version", "1"}}).message(), "publication_names parameter missing");
  EXPECT_EQ(status({{"proto_version", "9"}, {"publication_names", "p"}}).sql_state().code(),
            "0A000");
  EXPECT_EQ(status({{"proto_version", "x"}, {"publication_names", "p"}}).sql_state().code(),
            "22023");
  EXPECT_EQ(status({{"proto_version", "1"}, {"publication_names", "p"}, {"zzz", "1"}}).message(),
            "unrecognized pgoutput option: zzz");
}

TEST(QuoteIdentifierTest, AsPostgres) {
  EXPECT_EQ(QuoteIdentifier("abc_1"), "abc_1");
  EXPECT_EQ(QuoteIdentifier("Abc"), "\"Abc\"");
  EXPECT_EQ(QuoteIdentifier("1a"), "\"1a\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdentifier("table"), "\"table\"");
  EXPECT_EQ(QuoteIdentifier("name"), "name");
}

}  // namespace
}  // namespace strata::binlog
