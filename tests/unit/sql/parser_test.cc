#include "sql/parser/parser.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace strata::sql::parser {
namespace {

TEST(ParserTest, ParsesSelectWithWhereAndOrder) {
  ASSERT_OK_AND_ASSIGN(auto stmts, Parse("SELECT a, b + 1 AS c FROM t WHERE a = 1 ORDER BY b DESC LIMIT 3"));
  ASSERT_EQ(stmts.size(), 1u);
  ASSERT_EQ(stmts[0]->kind, ast::StmtKind::kSelect);
  const auto& s = static_cast<const ast::SelectStmt&>(*stmts[0]);
  ASSERT_EQ(s.targets.size(), 2u);
  EXPECT_EQ(s.targets[0].expr->kind, ast::ExprKind::kColumnRef);
  EXPECT_EQ(s.targets[0].expr->names, std::vector<std::string>{"a"});
  EXPECT_EQ(s.targets[1].alias, "c");
  EXPECT_EQ(s.targets[1].expr->kind, ast::ExprKind::kOperator);
  EXPECT_EQ(s.targets[1].expr->names.back(), "+");
  ASSERT_EQ(s.from.size(), 1u);
  EXPECT_EQ(s.from[0]->table.name, "t");
  EXPECT_EQ(s.from[0]->table.location, 27);
  ASSERT_NE(s.where, nullptr);
  ASSERT_EQ(s.order_by.size(), 1u);
  EXPECT_EQ(s.order_by[0].direction, ast::SortDirection::kDesc);
  ASSERT_NE(s.limit, nullptr);
  EXPECT_EQ(s.limit->ival, 3);
}

TEST(ParserTest, SyntaxErrorCarriesPostgresMessageAndPosition) {
  auto r = Parse("SELECT * FRM t");
  ASSERT_SQLSTATE(r, SqlState::kSyntaxError);
  EXPECT_EQ(r.status().message(), "syntax error at or near \"FRM\"");
  EXPECT_EQ(r.status().position(), 10);
}

TEST(ParserTest, PositionsCountCharactersNotBytes) {
  auto r = Parse("SELECT 'é' FRM t");
  ASSERT_SQLSTATE(r, SqlState::kSyntaxError);
  EXPECT_EQ(r.status().position(), 16);
  ASSERT_OK_AND_ASSIGN(auto stmts, Parse("SELECT 'ü', x FROM t"));
  const auto& s = static_cast<const ast::SelectStmt&>(*stmts[0]);
  EXPECT_EQ(s.targets[1].expr->location, 13);
}

TEST(ParserTest, SplitsMultipleStatementsWithText) {
  ASSERT_OK_AND_ASSIGN(auto stmts, Parse("BEGIN; INSERT INTO t VALUES (1), (2);; COMMIT"));
  ASSERT_EQ(stmts.size(), 3u);
  EXPECT_EQ(stmts[0]->kind, ast::StmtKind::kTransaction);
  EXPECT_EQ(stmts[1]->kind, ast::StmtKind::kInsert);
  EXPECT_EQ(stmts[1]->text, "INSERT INTO t VALUES (1), (2)");
  const auto& ins = static_cast<const ast::InsertStmt&>(*stmts[1]);
  ASSERT_NE(ins.source, nullptr);
  EXPECT_EQ(ins.source->values.size(), 2u);
  EXPECT_EQ(stmts[2]->kind, ast::StmtKind::kTransaction);
}

TEST(ParserTest, OnConflictDoUpdate) {
  ASSERT_OK_AND_ASSIGN(auto stmts,
                       Parse("INSERT INTO t (id, v) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = "
                             "EXCLUDED.v, w = t.w + 1 WHERE t.v < 10 RETURNING *"));
  const auto& ins = static_cast<const ast::InsertStmt&>(*stmts[0]);
  EXPECT_EQ(ins.columns, (std::vector<std::string>{"id", "v"}));
  EXPECT_EQ(ins.on_conflict.action, ast::OnConflictAction::kUpdate);
  EXPECT_EQ(ins.on_conflict.target_columns, std::vector<std::string>{"id"});
  ASSERT_EQ(ins.on_conflict.set.size(), 2u);
  EXPECT_EQ(ins.on_conflict.set[0].value->names, (std::vector<std::string>{"excluded", "v"}));
  EXPECT_NE(ins.on_conflict.where, nullptr);
  ASSERT_EQ(ins.returning.size(), 1u);
  EXPECT_EQ(ins.returning[0].expr->kind, ast::ExprKind::kStar);
  EXPECT_EQ(ins.source->values[0][0]->kind, ast::ExprKind::kParam);
  EXPECT_EQ(ins.source->values[0][1]->param_number, 2);
}

TEST(ParserTest, CreateTableWithPropertiesAndHologresDottedKeys) {
  ASSERT_OK_AND_ASSIGN(auto stmts,
                       Parse("CREATE TABLE IF NOT EXISTS s.t (id bigint NOT NULL, name varchar(10) DEFAULT "
                             "'x', PRIMARY KEY (id)) WITH (orientation = 'row', binlog.level = replica, "
                             "shard_count = 4)"));
  const auto& c = static_cast<const ast::CreateTableStmt&>(*stmts[0]);
  EXPECT_TRUE(c.if_not_exists);
  EXPECT_EQ(c.table.schema, "s");
  ASSERT_EQ(c.columns.size(), 2u);
  EXPECT_EQ(c.columns[0].type.name, "int8");
  EXPECT_TRUE(c.columns[0].not_null);
  EXPECT_EQ(c.columns[1].type.name, "varchar");
  EXPECT_EQ(c.columns[1].type.modifiers, std::vector<int32_t>{10});
  ASSERT_NE(c.columns[1].default_value, nullptr);
  EXPECT_EQ(c.primary_key, std::vector<std::string>{"id"});
  ASSERT_EQ(c.options.size(), 3u);
  EXPECT_EQ(c.options[0].name, "orientation");
  EXPECT_EQ(c.options[0].value, "row");
  EXPECT_EQ(c.options[1].name, "binlog.level");
  EXPECT_EQ(c.options[1].value, "replica");
  EXPECT_EQ(c.options[2].value, "4");
}

TEST(ParserTest, StreamingJobPrefixIsRecognizedByHand) {
  ASSERT_OK_AND_ASSIGN(auto stmts,
                       Parse("SELECT 1; CREATE STREAMING JOB dwd WITH (pool = 'stream') AS INSERT INTO d "
                             "(a) SELECT a FROM o WHERE a > 0"));
  ASSERT_EQ(stmts.size(), 2u);
  ASSERT_EQ(stmts[1]->kind, ast::StmtKind::kCreateStreamingJob);
  const auto& job = static_cast<const ast::CreateStreamingJobStmt&>(*stmts[1]);
  EXPECT_EQ(job.name, "dwd");
  ASSERT_EQ(job.options.size(), 1u);
  EXPECT_EQ(job.options[0].name, "pool");
  EXPECT_EQ(job.options[0].value, "stream");
  ASSERT_NE(job.body, nullptr);
  EXPECT_EQ(job.body->kind, ast::StmtKind::kInsert);
}

TEST(ParserTest, StreamingJobBodyErrorsPointIntoTheBody) {
  auto r = Parse("CREATE STREAMING JOB j AS INSERT INTO d SELEC 1");
  ASSERT_SQLSTATE(r, SqlState::kSyntaxError);
  EXPECT_EQ(r.status().position(), 41);
}

TEST(ParserTest, TransactionAndSessionStatements) {
  ASSERT_OK_AND_ASSIGN(auto stmts, Parse("START TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET "
                                         "search_path TO a, public; SHOW TimeZone; SET TIME ZONE 'UTC'"));
  ASSERT_EQ(stmts.size(), 4u);
  const auto& begin = static_cast<const ast::TransactionStmt&>(*stmts[0]);
  EXPECT_EQ(begin.action, ast::TransactionKind::kBegin);
  ASSERT_EQ(begin.options.size(), 1u);
  EXPECT_EQ(begin.options[0].name, "transaction_isolation");
  EXPECT_EQ(begin.options[0].value, "repeatable read");
  const auto& set = static_cast<const ast::SetStmt&>(*stmts[1]);
  EXPECT_EQ(set.name, "search_path");
  EXPECT_EQ(set.values, (std::vector<std::string>{"a", "public"}));
  EXPECT_EQ(static_cast<const ast::ShowStmt&>(*stmts[2]).name, "timezone");
  EXPECT_EQ(static_cast<const ast::SetStmt&>(*stmts[3]).name, "timezone");
}

TEST(ParserTest, InListBetweenLikeAndSubqueries) {
  ASSERT_OK_AND_ASSIGN(auto stmts,
                       Parse("SELECT * FROM t WHERE a IN (1, 2) AND b NOT BETWEEN 1 AND 2 AND c ILIKE 'x%' "
                             "AND EXISTS (SELECT 1) AND d NOT IN (SELECT x FROM u)"));
  const auto& s = static_cast<const ast::SelectStmt&>(*stmts[0]);
  ASSERT_EQ(s.where->kind, ast::ExprKind::kAnd);
  ASSERT_EQ(s.where->args.size(), 5u);
  EXPECT_EQ(s.where->args[0]->kind, ast::ExprKind::kIn);
  EXPECT_EQ(s.where->args[0]->args.size(), 3u);
  EXPECT_EQ(s.where->args[1]->kind, ast::ExprKind::kBetween);
  EXPECT_TRUE(s.where->args[1]->negated);
  EXPECT_EQ(s.where->args[2]->kind, ast::ExprKind::kLike);
  EXPECT_TRUE(s.where->args[2]->case_insensitive);
  EXPECT_EQ(s.where->args[3]->kind, ast::ExprKind::kSubLink);
  EXPECT_EQ(s.where->args[3]->sublink, ast::SubLinkKind::kExists);
  EXPECT_EQ(s.where->args[4]->kind, ast::ExprKind::kNot);
  EXPECT_EQ(s.where->args[4]->args[0]->sublink, ast::SubLinkKind::kAny);
}

TEST(ParserTest, IndirectionAppliesLeftToRight) {
  // (f(x)).a[1][2].b: select a, subscript it, select b.
  ASSERT_OK_AND_ASSIGN(auto stmts, Parse("SELECT (f(x)).a[1][2].b, (r.k).x FROM t"));
  const auto& s = static_cast<const ast::SelectStmt&>(*stmts[0]);
  const ast::Expr& e = *s.targets[0].expr;
  ASSERT_EQ(e.kind, ast::ExprKind::kFieldSelect);
  EXPECT_EQ(e.str, "b");
  ASSERT_EQ(e.arg->kind, ast::ExprKind::kSubscript);
  EXPECT_EQ(e.arg->args.size(), 2u);
  ASSERT_EQ(e.arg->arg->kind, ast::ExprKind::kFieldSelect);
  EXPECT_EQ(e.arg->arg->str, "a");
  EXPECT_EQ(e.arg->arg->arg->kind, ast::ExprKind::kFuncCall);
  const ast::Expr& k = *s.targets[1].expr;
  ASSERT_EQ(k.kind, ast::ExprKind::kFieldSelect);
  EXPECT_EQ(k.str, "x");
  ASSERT_EQ(k.arg->kind, ast::ExprKind::kColumnRef);
  EXPECT_EQ(k.arg->names, (std::vector<std::string>{"r", "k"}));
  ASSERT_SQLSTATE(Parse("SELECT (r).* FROM t"), SqlState::kFeatureNotSupported);
}

TEST(ParserTest, UnsupportedStatementIsFeatureNotSupported) {
  ASSERT_SQLSTATE(Parse("CREATE INDEX i ON t (a)"), SqlState::kFeatureNotSupported);
}

}  // namespace
}  // namespace strata::sql::parser
