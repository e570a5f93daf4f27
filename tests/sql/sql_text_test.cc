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
  EXPECT_EQ(QuoteDefaultNamespace("SELECT 'it''s default.' || default.t.c"),
            "SELECT 'it''s default.' || \"default\".t.c");
}

TEST(ParseInsert, TakesTheTableTheColumnsAndTheQuery) {
  auto plain = ParseInsert("INSERT INTO users VALUES (1, 'a');").value();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->table, "users");
  EXPECT_TRUE(plain->columns.empty());
  EXPECT_EQ(plain->query, "VALUES (1, 'a')");

  auto qualified =
      ParseInsert("  insert /* c */ into \"default\".\"Odd \"\"name\"\"\" (id, \"Name\") SELECT 1, 2").value();
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
    // Matched as DuckDB matches names, whatever the case; "Twin" and "twin" are ambiguous.
    auto resolve = [](const store::QualifiedName& n) -> Result<std::optional<store::QualifiedName>> {
      const std::vector<store::QualifiedName> known = {{"default", "users"}, {"default", "orders"},
                                                       {"sales", "q"},       {"kafka", "clicks"},
                                                       {"default", "Twin"},  {"default", "twin"}};
      std::vector<store::QualifiedName> found;
      for (const auto& k : known)
        if (store::FoldCase(k.ns) == store::FoldCase(n.ns) && store::FoldCase(k.name) == store::FoldCase(n.name))
          found.push_back(k);
      if (found.size() > 1) return Status::Invalid("'" + n.ToString() + "' is ambiguous");
      if (found.empty()) return std::optional<store::QualifiedName>();
      return std::optional<store::QualifiedName>(found[0]);
    };
    HANGAR_ASSIGN_OR_RETURN(auto names, RelationsRead(*connection_, QuoteDefaultNamespace(sql), resolve));
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
                  "UNION ALL SELECT 1 FROM users")
                .value(),
            (Names{"default.users", "sales.q", "default.orders"}));
  EXPECT_EQ(Reads("WITH t AS (SELECT * FROM users) SELECT * FROM t, t AS t2").value(), Names{"default.users"});
  // A CTE named like a table does not hide the table where its scope ends.
  EXPECT_EQ(Reads("SELECT * FROM (WITH users AS (SELECT 1) SELECT * FROM users), users").value(),
            Names{"default.users"});
  EXPECT_EQ(Reads("SELECT 42").value(), Names{});
  EXPECT_EQ(Reads("SELECT * FROM range(3), information_schema.tables").value(), Names{});
  // Names as DuckDB binds them, whatever the case, checked under Hangar's spelling.
  EXPECT_EQ(Reads("SELECT * FROM USERS JOIN Sales.Q ON true").value(), (Names{"default.users", "sales.q"}));
  EXPECT_EQ(Reads("SELECT * FROM twin").status().code(), StatusCode::kInvalidArgument);
  // A CTE is in scope in its WITH's query and in the CTEs after it (and in itself).
  EXPECT_EQ(Reads("WITH a AS (SELECT 1 AS x), b AS (SELECT * FROM a) SELECT * FROM b").value(), Names{});
  EXPECT_EQ(
      Reads("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r").value(),
      Names{});
}

// Each of these made DuckDB read a file by name, or show the server's paths.
TEST_F(RelationsReadTest, NoNameReachesAFile) {
  for (const char* sql : {
           // A CTE's name outside its scope is a file name to DuckDB.
           "SELECT (WITH \"/data/tables/default.secret-1/*.parquet\" AS (SELECT 1) SELECT 1) z, * "
           "FROM \"/data/tables/default.secret-1/*.parquet\"",
           // A CTE used before it is defined.
           "WITH a AS (SELECT * FROM \"x.parquet\"), \"x.parquet\" AS (SELECT 1) SELECT * FROM a",
           // A qualified name that is no relation is a file name too ("s.x.parquet").
           "SELECT * FROM sales.\"x.parquet\"",
           "SELECT * FROM memory.main.\"secret.csv\"",
           "SELECT * FROM information_schema.\"x.parquet\"",
           // View definitions name the tables' files; settings name the data directory.
           "SELECT sql FROM information_schema.views",
           "SELECT * FROM pg_catalog.pg_views",
           "SELECT * FROM pg_catalog.pg_settings",
           "SELECT current_setting('allowed_directories')",
           "SELECT * FROM duckdb_settings()",
           "SELECT * FROM duckdb_views()",
       }) {
    auto r = Reads(sql);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << sql;
  }
}

TEST_F(RelationsReadTest, AStatementTooLargeToPlanIsRefusedBeforePlanning) {
  std::string sql = "SELECT * FROM users WHERE id = 0";
  for (int i = 1; i < 20000; ++i) sql += " OR id = " + std::to_string(i);
  auto r = Reads(sql);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("too large to plan"), std::string::npos) << r.status().ToString();
  std::string fine = "SELECT * FROM users WHERE id = 0";
  for (int i = 1; i < 1000; ++i) fine += " OR id = " + std::to_string(i);
  EXPECT_TRUE(Reads(fine).ok());
}

TEST_F(RelationsReadTest, WhatWouldReadAroundTheViewsIsRefused) {
  for (const char* sql :
       {"SELECT * FROM read_parquet('/data/tables/x.parquet')", "SELECT * FROM read_csv('/etc/passwd')",
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
