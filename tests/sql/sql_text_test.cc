// SQL text that Hangar reads itself: `default.` quoting, INSERT statements,
// Flight SQL's LIKE patterns, and what a query reads as DuckDB parses it.
#include <gtest/gtest.h>

#include "sql/insert_statement.h"
#include "sql/metadata_commands.h"
#include "sql/query_check.h"

namespace hangar::sql {
namespace {

TEST(QuoteDefaultNamespace, QuotesTheWordOnlyBeforeADot) {
  EXPECT_EQ(QuoteDefaultNamespace("SELECT * FROM default.users"), "SELECT * FROM \"default\".users");
  EXPECT_EQ(QuoteDefaultNamespace("select * from DEFAULT . users"), "select * from \"default\" . users");
  // Strings, quoted names, comments and other uses of the word stay as they are.
  EXPECT_EQ(QuoteDefaultNamespace("SELECT 'default.x', \"default\".t -- default.y\n"),
            "SELECT 'default.x', \"default\".t -- default.y\n");
  EXPECT_EQ(QuoteDefaultNamespace("SELECT 1 /* default.z */ , a DEFAULT 3, defaults.x, my_default.t"),
            "SELECT 1 /* default.z */ , a DEFAULT 3, defaults.x, my_default.t");
  EXPECT_EQ(QuoteDefaultNamespace("SELECT 'it''s default.' || default.t.c"), "SELECT 'it''s default.' || \"default\".t.c");
}

TEST(ParseInsert, TakesTheTableTheColumnsAndTheQuery) {
  auto plain = ParseInsert("INSERT INTO users VALUES (1, 'a');").value();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->table, "users");
  EXPECT_TRUE(plain->columns.empty());
  EXPECT_EQ(plain->query, "VALUES (1, 'a')");

  auto qualified = ParseInsert("  insert /* c */ into \"default\".\"Odd \"\"name\"\"\" (id, \"Name\") SELECT 1, 2").value();
  ASSERT_TRUE(qualified);
  EXPECT_EQ(qualified->table, "default.Odd \"name\"");
  EXPECT_EQ(qualified->columns, (std::vector<std::string>{"id", "Name"}));
  EXPECT_EQ(qualified->query, "SELECT 1, 2");

  auto parenthesized = ParseInsert("INSERT INTO sales.t (SELECT * FROM x)").value();
  ASSERT_TRUE(parenthesized);
  EXPECT_EQ(parenthesized->table, "sales.t");
  EXPECT_TRUE(parenthesized->columns.empty());
  EXPECT_EQ(parenthesized->query, "(SELECT * FROM x)");

  EXPECT_FALSE(ParseInsert("SELECT 1").value());
  EXPECT_FALSE(ParseInsert("INSERTS INTO t VALUES (1)").value());
  for (const char* bad : {"INSERT OR REPLACE INTO t VALUES (1)", "INSERT INTO t DEFAULT VALUES", "INSERT t VALUES (1)",
                          "INSERT INTO t", "INSERT INTO t (a, b VALUES (1)", "INSERT INTO \"t VALUES (1)"}) {
    auto r = ParseInsert(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(LikeMatches, PercentUnderscoreAndEscapes) {
  EXPECT_TRUE(LikeMatches("%", ""));
  EXPECT_TRUE(LikeMatches("de%", "default"));
  EXPECT_TRUE(LikeMatches("%ul%", "default"));
  EXPECT_TRUE(LikeMatches("d_fault", "default"));
  EXPECT_FALSE(LikeMatches("d_fault", "dfault"));
  EXPECT_FALSE(LikeMatches("def", "default"));
  EXPECT_TRUE(LikeMatches("a\\_b", "a_b"));
  EXPECT_FALSE(LikeMatches("a\\_b", "axb"));
  EXPECT_TRUE(LikeMatches("100\\%", "100%"));
  EXPECT_FALSE(LikeMatches("100\\%", "1000"));
}

class RelationsReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = duckdb::Database::Open().value();
    connection_ = duckdb::Connection::Open(db_).value();
  }
  Result<std::vector<std::string>> Reads(const std::string& sql) {
    auto exists = [](const store::QualifiedName& n) {
      return n == store::QualifiedName{"default", "users"} || n == store::QualifiedName{"default", "orders"};
    };
    HANGAR_ASSIGN_OR_RETURN(auto names, RelationsRead(*connection_, QuoteDefaultNamespace(sql), exists));
    std::vector<std::string> out;
    for (const auto& n : names) out.push_back(n.ToString());
    return out;
  }
  std::shared_ptr<duckdb::Database> db_;
  std::unique_ptr<duckdb::Connection> connection_;
};

using Names = std::vector<std::string>;

TEST_F(RelationsReadTest, EveryTableReferenceIsFound) {
  EXPECT_EQ(Reads("SELECT * FROM users").value(), Names{"default.users"});
  EXPECT_EQ(Reads("SELECT * FROM default.users u JOIN kafka.clicks c ON u.id = c.id").value(),
            (Names{"default.users", "kafka.clicks"}));
  EXPECT_EQ(Reads("SELECT (SELECT max(x) FROM sales.q) FROM users WHERE id IN (SELECT id FROM orders) "
                  "UNION ALL SELECT 1 FROM users").value(),
            (Names{"default.users", "sales.q", "default.orders"}));
  EXPECT_EQ(Reads("WITH t AS (SELECT * FROM users) SELECT * FROM t, t AS t2").value(), Names{"default.users"});
  // A CTE named like a table does not hide the table where its scope ends.
  EXPECT_EQ(Reads("SELECT * FROM (WITH users AS (SELECT 1) SELECT * FROM users), users").value(), Names{"default.users"});
  EXPECT_EQ(Reads("SELECT 42").value(), Names{});
  EXPECT_EQ(Reads("SELECT * FROM range(3), information_schema.tables").value(), Names{});
}

TEST_F(RelationsReadTest, WhatWouldReadAroundTheViewsIsRefused) {
  for (const char* sql : {"SELECT * FROM read_parquet('/data/tables/x.parquet')", "SELECT * FROM read_csv('/etc/passwd')",
                          "SELECT * FROM query_table('users')", "SELECT * FROM '/etc/passwd'", "SELECT * FROM nowhere",
                          "SELECT * FROM other_db.main.t", "SELECT * FROM users; SELECT 1", "DROP TABLE users",
                          "INSERT INTO users VALUES (1)", "SELECT * FROM (SELECT * FROM glob('*'))",
                          // Hangar's own table functions read around permissions: views only.
                          "SELECT * FROM hangar_memtable('1')", "SELECT * FROM hangar_scan('kafka.orders')"}) {
    auto r = Reads(sql);
    EXPECT_FALSE(r.ok()) << sql;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << sql;
  }
  EXPECT_NE(Reads("SELECT * FROM read_text('x')").status().message().find("read_text is not available"),
            std::string::npos);
}

}  // namespace
}  // namespace hangar::sql
