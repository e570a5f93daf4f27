// Where a result's columns come from, as DuckDB's parse says: a table's
// column, a parameter, or nothing (computed, or not plain enough to say).
#include <gtest/gtest.h>

#include "sql/column_sources.h"

namespace hangar::sql {
namespace {

class ColumnSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = duckdb::Database::Open().value();
    connection_ = duckdb::Connection::Open(db_).value();
  }
  // The sources of `sql`'s `columns` result columns, as "ns.table" / "$N" / "-".
  std::vector<std::string> Sources(const std::string& sql, size_t columns) {
    auto parsed = ParseQuery(*connection_, QuoteDefaultNamespace(sql));
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    RelationResolver resolve = [](const store::QualifiedName& name) -> Result<std::optional<store::QualifiedName>> {
      if (name.name == "users" || name.name == "orders") return std::optional<store::QualifiedName>(name);
      return std::optional<store::QualifiedName>();
    };
    std::vector<std::string> out;
    for (const auto& s : ColumnSources(*parsed, resolve, "default", columns))
      out.push_back(s.table ? s.table->ToString() : s.parameter ? "$" + std::to_string(*s.parameter) : "-");
    return out;
  }
  std::shared_ptr<duckdb::Database> db_;
  std::unique_ptr<duckdb::Connection> connection_;
};

using V = std::vector<std::string>;

TEST_F(ColumnSourcesTest, ColumnsOfOneTable) {
  EXPECT_EQ(Sources("SELECT id, name AS n, id + 1 FROM users", 3), (V{"default.users", "default.users", "-"}));
  EXPECT_EQ(Sources("SELECT * FROM sales.orders o WHERE o.id > 3 ORDER BY 1 LIMIT 5", 4),
            (V{"sales.orders", "sales.orders", "sales.orders", "sales.orders"}));
  EXPECT_EQ(Sources("SELECT count(*), *, 42 FROM users", 4), (V{"-", "default.users", "default.users", "-"}));
}

TEST_F(ColumnSourcesTest, Parameters) {
  EXPECT_EQ(Sources("VALUES (?, ?)", 2), (V{"$1", "$2"}));
  EXPECT_EQ(Sources("SELECT ?, ?", 2), (V{"$1", "$2"}));
  EXPECT_EQ(Sources("SELECT $2, $1 + 1", 2), (V{"$2", "-"}));
}

TEST_F(ColumnSourcesTest, NothingWhereThePlainAnswerIsNotKnown) {
  EXPECT_EQ(Sources("SELECT u.id FROM users u JOIN orders o ON u.id = o.id", 1), (V{"-"}));
  EXPECT_EQ(Sources("WITH users AS (SELECT 1 AS id) SELECT id FROM users", 1), (V{"-"}));
  EXPECT_EQ(Sources("SELECT id FROM (SELECT id FROM users)", 1), (V{"-"}));
  EXPECT_EQ(Sources("SELECT * EXCLUDE (id) FROM users", 1), (V{"-"}));
  EXPECT_EQ(Sources("SELECT id FROM users UNION ALL SELECT id FROM orders", 1), (V{"-"}));
  EXPECT_EQ(Sources("SELECT id FROM nowhere", 1), (V{"-"}));
  EXPECT_EQ(Sources("VALUES (1, ?), (2, ?)", 2), (V{"-", "-"}));
}

}  // namespace
}  // namespace hangar::sql
