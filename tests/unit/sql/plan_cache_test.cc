// The simple-protocol plan cache: literal lifting (sql/plan_cache.h) and
// the serving fast path's semantics through SqlSession.
#include "sql/plan_cache.h"

#include <gtest/gtest.h>

#include "tests/unit/sql/sql_test_util.h"

namespace strata::sql {
namespace {

using Rows = std::vector<std::string>;

LiftedQuery MustLift(std::string_view text) {
  auto lifted = LiftLiterals(text);
  EXPECT_TRUE(lifted.has_value()) << text;
  return lifted.value_or(LiftedQuery{});
}

TEST(LiftLiteralsTest, StatementsDifferingOnlyInLiteralsShareAKey) {
  LiftedQuery a = MustLift("SELECT * FROM feat WHERE id = 5");
  LiftedQuery b = MustLift("SELECT * FROM feat WHERE id = 123456");
  EXPECT_EQ(a.normalized, "SELECT * FROM feat WHERE id = $1");
  EXPECT_EQ(a.key, b.key);
  ASSERT_EQ(b.literals.size(), 1u);
  EXPECT_EQ(b.literals[0].text, "123456");
  EXPECT_EQ(b.literals[0].kind, LiteralKind::kInt4);
}

TEST(LiftLiteralsTest, DifferentShapesDoNotShareAKey) {
  EXPECT_NE(MustLift("SELECT * FROM feat WHERE id = 5").key, MustLift("SELECT * FROM feat WHERE f1 = 5").key);
  EXPECT_NE(MustLift("SELECT id FROM feat WHERE id = 5").key, MustLift("SELECT * FROM feat WHERE id = 5").key);
  // The constant's type is part of the shape: int4, int8, numeric, string.
  LiftedQuery int4 = MustLift("SELECT * FROM t WHERE id = 2147483647");
  LiftedQuery int8 = MustLift("SELECT * FROM t WHERE id = 2147483648");
  LiftedQuery numeric = MustLift("SELECT * FROM t WHERE id = 99999999999999999999");
  LiftedQuery decimal = MustLift("SELECT * FROM t WHERE id = 1.5");
  LiftedQuery string = MustLift("SELECT * FROM t WHERE id = '7'");
  EXPECT_EQ(int4.literals[0].kind, LiteralKind::kInt4);
  EXPECT_EQ(int8.literals[0].kind, LiteralKind::kInt8);
  EXPECT_EQ(numeric.literals[0].kind, LiteralKind::kNumeric);
  EXPECT_EQ(decimal.literals[0].kind, LiteralKind::kNumeric);
  EXPECT_EQ(string.literals[0].kind, LiteralKind::kString);
  EXPECT_EQ(int4.normalized, int8.normalized);
  EXPECT_NE(int4.key, int8.key);
  EXPECT_NE(int8.key, numeric.key);
  EXPECT_NE(int4.key, string.key);
  EXPECT_EQ(MustLift("SELECT * FROM t WHERE id = 1e3").literals[0].kind, LiteralKind::kNumeric);
  EXPECT_EQ(MustLift("SELECT * FROM t WHERE id = .5").literals[0].text, ".5");
}

TEST(LiftLiteralsTest, InListsOfDifferentLengthsAreDifferentShapes) {
  LiftedQuery two = MustLift("SELECT * FROM t WHERE id IN (1, 2)");
  LiftedQuery two_more = MustLift("SELECT * FROM t WHERE id IN (30, 40)");
  LiftedQuery three = MustLift("SELECT * FROM t WHERE id IN (1, 2, 3)");
  EXPECT_EQ(two.normalized, "SELECT * FROM t WHERE id IN ($1, $2)");
  EXPECT_EQ(two.key, two_more.key);
  EXPECT_NE(two.key, three.key);
  EXPECT_EQ(three.literals.size(), 3u);
}

TEST(LiftLiteralsTest, QuotesNegativesAndCasts) {
  LiftedQuery quoted = MustLift("SELECT * FROM t WHERE name = 'it''s' AND k = ''");
  EXPECT_EQ(quoted.normalized, "SELECT * FROM t WHERE name = $1 AND k = $2");
  EXPECT_EQ(quoted.literals[0].text, "it's");
  EXPECT_EQ(quoted.literals[1].text, "");
  LiftedQuery negative = MustLift("SELECT * FROM t WHERE id = -5");
  EXPECT_EQ(negative.normalized, "SELECT * FROM t WHERE id = -$1");
  EXPECT_EQ(negative.literals[0].text, "5");
  LiftedQuery cast = MustLift("SELECT * FROM t WHERE id = '5'::bigint");
  EXPECT_EQ(cast.normalized, "SELECT * FROM t WHERE id = $1::bigint");
  // Quoted identifiers and comments are text, not constants.
  LiftedQuery ident = MustLift("SELECT \"a'b\" FROM t /* id = 1 */ WHERE id = 2 -- = 3\n");
  EXPECT_EQ(ident.normalized, "SELECT \"a'b\" FROM t /* id = 1 */ WHERE id = $1 -- = 3\n");
  EXPECT_EQ(ident.literals.size(), 1u);
}

TEST(LiftLiteralsTest, ConstantsAfterWordsStayInTheText) {
  // Typed literals, LIMIT counts and SELECT-list constants mean something
  // else (or nothing valid) as parameters.
  LiftedQuery typed = MustLift("SELECT * FROM t WHERE d = DATE '2020-01-01' LIMIT 5");
  EXPECT_EQ(typed.normalized, "SELECT * FROM t WHERE d = DATE '2020-01-01' LIMIT 5");
  EXPECT_TRUE(typed.literals.empty());
  EXPECT_EQ(MustLift("SELECT 1").normalized, "SELECT 1");
  EXPECT_NE(MustLift("SELECT 1").key, MustLift("SELECT 2").key);
}

TEST(LiftLiteralsTest, UncacheableTexts) {
  EXPECT_FALSE(LiftLiterals("SELECT * FROM t WHERE s = E'a\\n'").has_value());
  EXPECT_FALSE(LiftLiterals("SELECT * FROM t WHERE s = U&'a'").has_value());
  EXPECT_FALSE(LiftLiterals("SELECT * FROM t WHERE s = $$a$$").has_value());
  EXPECT_FALSE(LiftLiterals("SELECT * FROM t WHERE id = $1").has_value());
  EXPECT_FALSE(LiftLiterals("SELECT 1; SELECT 2").has_value());
  EXPECT_FALSE(LiftLiterals("SELECT * FROM t WHERE s = 'unterminated").has_value());
  EXPECT_TRUE(LiftLiterals("SELECT * FROM t WHERE id = 1;  ").has_value());
}

class FastPathTest : public testing::SqlFixture {
 protected:
  void SetUp() override {
    SqlFixture::SetUp();
    Exec("CREATE TABLE feat (id bigint PRIMARY KEY, f1 int, f4 text)");
    Exec("INSERT INTO feat VALUES (1, 10, 'one'), (2, NULL, NULL), (3, 30, 'it''s')");
    Exec("CREATE TABLE pair (a int, b text, v int, PRIMARY KEY (a, b))");
    Exec("INSERT INTO pair VALUES (1, 'x', 100), (1, 'y', 101)");
  }
};

TEST_F(FastPathTest, RepeatsRunFromTheCache) {
  EXPECT_FALSE(session_->IsCachedPointRead("SELECT f1, f4 FROM feat WHERE id = 1"));
  EXPECT_EQ(Query("SELECT f1, f4 FROM feat WHERE id = 1"), Rows{"10|one"});
  EXPECT_TRUE(session_->IsCachedPointRead("SELECT f1, f4 FROM feat WHERE id = 3"));
  EXPECT_EQ(Query("SELECT f1, f4 FROM feat WHERE id = 3"), Rows{"30|it's"});
  // NULL columns, a missing key, a NULL key.
  EXPECT_EQ(Query("SELECT f1, f4 FROM feat WHERE id = 2"), Rows{"NULL|NULL"});
  EXPECT_EQ(Query("SELECT f1, f4 FROM feat WHERE id = 99"), Rows{});
  EXPECT_EQ(Query("SELECT f1, f4 FROM feat WHERE id = NULL"), Rows{});
  // Not point reads: never cached.
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE f1 = 10"), Rows{"10"});
  EXPECT_FALSE(session_->IsCachedPointRead("SELECT f1 FROM feat WHERE f1 = 30"));
  EXPECT_EQ(Query("SELECT f1 + 1 FROM feat WHERE id = 1"), Rows{"11"});
  EXPECT_FALSE(session_->IsCachedPointRead("SELECT f1 + 1 FROM feat WHERE id = 3"));
}

TEST_F(FastPathTest, CompositeKeysAndInLists) {
  EXPECT_EQ(Query("SELECT v FROM pair WHERE a = 1 AND b = 'x'"), Rows{"100"});
  EXPECT_TRUE(session_->IsCachedPointRead("SELECT v FROM pair WHERE a = 1 AND b = 'y'"));
  EXPECT_EQ(Query("SELECT v FROM pair WHERE a = 1 AND b = 'y'"), Rows{"101"});
  EXPECT_EQ(Query("SELECT v FROM pair WHERE a = 2 AND b = 'y'"), Rows{});
  EXPECT_EQ(Query("SELECT id FROM feat WHERE id IN (1, 3, 99) ORDER BY id"), (Rows{"1", "3"}));
  // Duplicate keys give one row each.
  EXPECT_EQ(Query("SELECT id, f1 FROM feat WHERE id IN (3, 2, 3)").size(), 2u);
  EXPECT_EQ(Query("SELECT id FROM feat WHERE id IN (1, 2)").size(), 2u);
  EXPECT_TRUE(session_->IsCachedPointRead("SELECT id FROM feat WHERE id IN (5, 6)"));
  EXPECT_EQ(Query("SELECT id FROM feat WHERE id IN (5, 6)"), Rows{});
  EXPECT_EQ(Query("SELECT id FROM feat WHERE id IN (3, 99)"), Rows{"3"});
}

TEST_F(FastPathTest, ConstantsAreCoercedAsInPostgres) {
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = 1"), Rows{"10"});
  // A numeric constant compares as numeric: 1.5 matches no bigint key, 1.0 matches 1.
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = 1.5"), Rows{});
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = 1.0"), Rows{"10"});
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = 3.0"), Rows{"30"});
  // An untyped string takes the column's type.
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = '1'"), Rows{"10"});
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = '3'"), Rows{"30"});
  // int8 constants beyond the data.
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = 9223372036854775807"), Rows{});
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = -9223372036854775807"), Rows{});
}

TEST_F(FastPathTest, ErrorsMatchTheUncachedStatement) {
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = '1'"), Rows{"10"});
  ASSERT_TRUE(session_->IsCachedPointRead("SELECT f1 FROM feat WHERE id = 'abc'"));
  Status s = Error("SELECT f1 FROM feat WHERE id = 'abc'");
  EXPECT_EQ(s.sql_state(), SqlState::kInvalidTextRepresentation);
  EXPECT_EQ(s.message(), "invalid input syntax for type bigint: \"abc\"");
  EXPECT_EQ(s.position(), 32);
  EXPECT_EQ(Error("SELECT f1 FROM feat WHERE id = '99999999999999999999'").sql_state(),
            SqlState::kNumericValueOutOfRange);
  // The session is usable afterwards, and the entry still serves.
  EXPECT_EQ(Query("SELECT f1 FROM feat WHERE id = '3'"), Rows{"30"});
  // A dropped table: 42P01, like the uncached statement.
  Exec("DROP TABLE feat");
  EXPECT_EQ(Error("SELECT f1 FROM feat WHERE id = '3'").sql_state(), SqlState::kUndefinedTable);
}

TEST_F(FastPathTest, ReadsInsideATransactionSeeItsWritesAndSnapshot) {
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 1"), Rows{"one"});
  auto other = NewSession();
  Exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  EXPECT_FALSE(session_->IsCachedPointRead("SELECT f4 FROM feat WHERE id = 7"));
  Exec("INSERT INTO feat VALUES (7, 70, 'mine')");
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 7"), Rows{"mine"});
  // Another session's commit after our snapshot stays invisible.
  Exec("UPDATE feat SET f4 = 'theirs' WHERE id = 1", other.get());
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 1", other.get()), Rows{"theirs"});
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 1"), Rows{"one"});
  Exec("ROLLBACK");
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 7"), Rows{});
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 1"), Rows{"theirs"});
}

TEST_F(FastPathTest, SearchPathSelectsTheTable) {
  Exec("CREATE SCHEMA s2");
  Exec("CREATE TABLE s2.feat (id bigint PRIMARY KEY, f1 int, f4 text)");
  Exec("INSERT INTO s2.feat VALUES (1, -1, 'other schema')");
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 1"), Rows{"one"});
  Exec("SET search_path = s2, public");
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 1"), Rows{"other schema"});
  Exec("RESET search_path");
  EXPECT_EQ(Query("SELECT f4 FROM feat WHERE id = 1"), Rows{"one"});
}

TEST_F(FastPathTest, PreparedPointReadsAreMarked) {
  auto info = session_->Prepare("p", "SELECT f1 FROM feat WHERE id = $1", {});
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->point_read);
  info = session_->Prepare("q", "SELECT f1 FROM feat WHERE f1 = $1", {});
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->point_read);
  info = session_->Prepare("r", "SELECT f1 FROM feat WHERE id IN ($1, $2)", {});
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->point_read);
  info = session_->Prepare("w", "INSERT INTO feat VALUES ($1, 1, 'x')", {});
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->point_read);
}

TEST_F(FastPathTest, BoundedInsertsAreInlineWrites) {
  auto inline_write = [&](const std::string& name, const std::string& sql) {
    auto info = session_->Prepare(name, sql, {});
    EXPECT_TRUE(info.ok()) << sql << ": " << info.status().ToString();
    return info.ok() && info->inline_write;
  };
  EXPECT_TRUE(inline_write("a", "INSERT INTO feat VALUES ($1, 1, 'x')"));
  EXPECT_TRUE(inline_write("b", "INSERT INTO feat (id, f1) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET f1 = EXCLUDED.f1"));
  EXPECT_TRUE(inline_write("c", "INSERT INTO feat VALUES ($1, $2 * 2, 'row ' || $2::text), ($1 + 1, 0, 'y') "
                                "ON CONFLICT (id) DO UPDATE SET f4 = feat.f4 || EXCLUDED.f4 RETURNING id"));
  EXPECT_TRUE(inline_write("d", "INSERT INTO feat VALUES ($1, 1, 'x') ON CONFLICT DO NOTHING"));
  // Unbounded or possibly waiting: a query source, subqueries, volatile functions.
  EXPECT_FALSE(inline_write("e", "INSERT INTO feat SELECT id + 100, f1, f4 FROM feat"));
  EXPECT_FALSE(inline_write("f", "INSERT INTO feat VALUES ((SELECT max(id) + 1 FROM feat), 1, 'x')"));
  EXPECT_FALSE(inline_write("g", "INSERT INTO feat VALUES ($1, 1, clock_timestamp()::text)"));
  EXPECT_FALSE(inline_write("h", "INSERT INTO feat VALUES ($1, 1, 'x') ON CONFLICT (id) DO UPDATE SET f1 = "
                                 "(SELECT count(*) FROM feat)"));
  EXPECT_FALSE(inline_write("i", "INSERT INTO feat VALUES ($1, (random() * 10)::int, 'x')"));
  EXPECT_FALSE(inline_write("i2", "INSERT INTO feat VALUES ($1, txid_current()::int, 'x')"));
  // Not inserts, and the session's strata.pool override.
  EXPECT_FALSE(inline_write("j", "UPDATE feat SET f1 = 1 WHERE id = $1"));
  EXPECT_FALSE(inline_write("k", "SELECT f1 FROM feat WHERE id = $1"));
  Exec("SET strata.pool = 'olap'");
  EXPECT_FALSE(inline_write("l", "INSERT INTO feat VALUES ($1, 1, 'x')"));
}

TEST_F(FastPathTest, ReBindingAfterDdlReclassifiesAStatement) {
  auto info = session_->Prepare("w", "INSERT INTO feat (id, f1) VALUES ($1, 1)", {});
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->inline_write);
  EXPECT_FALSE(session_->TakeRoutesChanged());
  // The table again, with a volatile default that the INSERT now evaluates.
  Exec("DROP TABLE feat");
  Exec("CREATE TABLE feat (id bigint PRIMARY KEY, f1 int, f4 text DEFAULT random()::text)");
  std::vector<std::optional<std::string>> params = {std::string("42")};
  ASSERT_OK(session_->Bind("", "w", {}, params, {}));
  testing::RecordingSink sink;
  ASSERT_OK(session_->Execute("", 0, &sink).status());
  ASSERT_OK(session_->Sync());
  EXPECT_TRUE(session_->TakeRoutesChanged());
  EXPECT_FALSE(session_->TakeRoutesChanged());
  info = session_->DescribeStatement("w");
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->inline_write);
}

}  // namespace
}  // namespace strata::sql
