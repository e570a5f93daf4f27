// Which queries are pure scans of one topic, and how a pure scan is
// rewritten to read one partition: DuckDB's parse decides, in both ways.
#include <gtest/gtest.h>

#include "duckdb/database.h"
#include "sql/partition_scan.h"

namespace hangar::sql {
namespace {

class PartitionScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = duckdb::Database::Open(duckdb::DatabaseOptions{}).value();
    connection_ = duckdb::Connection::Open(db_).value();
  }
  std::optional<std::string> Target(const std::string& sql) {
    auto target = PureTopicScan(*connection_, sql);
    EXPECT_TRUE(target.ok()) << target.status().ToString();
    if (!target.ok() || !*target) return std::nullopt;
    return (*target)->ToString();
  }

  std::shared_ptr<duckdb::Database> db_;
  std::unique_ptr<duckdb::Connection> connection_;
};

TEST_F(PartitionScanTest, ProjectionsAndFiltersOverOneTopicArePureScans) {
  EXPECT_EQ(Target("SELECT * FROM kafka.orders"), "kafka.orders");
  EXPECT_EQ(Target("SELECT order_id, amount * 2 AS x FROM kafka.orders o WHERE o.status = 'NEW' AND amount > 10"),
            "kafka.orders");
  EXPECT_EQ(Target("SELECT upper(customer), coalesce(note, '') FROM kafka.orders WHERE note IS NOT NULL"),
            "kafka.orders");
}

TEST_F(PartitionScanTest, EverythingThatCombinesRowsOrReadsMoreIsNot) {
  for (const char* sql : {
           "SELECT count(*) FROM kafka.orders",
           "SELECT customer, sum(amount) FROM kafka.orders GROUP BY customer",
           "SELECT * FROM kafka.orders ORDER BY amount",
           "SELECT * FROM kafka.orders LIMIT 10",
           "SELECT DISTINCT customer FROM kafka.orders",
           "SELECT order_id, row_number() OVER (ORDER BY amount) FROM kafka.orders",
           "SELECT * FROM kafka.orders WHERE amount > (SELECT avg(amount) FROM kafka.orders)",
           "SELECT * FROM kafka.orders a JOIN kafka.payments b ON a.order_id = b.order_id",
           "WITH o AS (SELECT * FROM kafka.orders) SELECT * FROM o",
           "SELECT * FROM \"default\".users",
           "SELECT * FROM users",
           "SELECT 1",
           "SELECT * FROM kafka.orders UNION ALL SELECT * FROM kafka.orders",
           "INSERT INTO t SELECT * FROM kafka.orders",
       })
    EXPECT_EQ(Target(sql), std::nullopt) << sql;
}

TEST_F(PartitionScanTest, OnlyAStarOfOneTableAndNothingMoreIsAWholeTableScan) {
  auto whole = [&](const std::string& sql) {
    auto parsed = ParseQuery(*connection_, sql);
    EXPECT_TRUE(parsed.ok()) << sql << ": " << parsed.status().ToString();
    return parsed.ok() && IsWholeTableScan(*parsed);
  };
  EXPECT_TRUE(whole("SELECT * FROM trips"));
  EXPECT_TRUE(whole("select * from \"default\".trips;"));
  EXPECT_TRUE(whole("SELECT * FROM sales.trips t"));
  for (const char* sql : {
           "SELECT id FROM trips",
           "SELECT *, 1 FROM trips",
           "SELECT * EXCLUDE (id) FROM trips",
           "SELECT * REPLACE (id + 1 AS id) FROM trips",
           "SELECT t.* FROM trips t",
           "SELECT COLUMNS('i.*') FROM trips",
           "SELECT * FROM trips WHERE true",
           "SELECT * FROM trips ORDER BY id",
           "SELECT * FROM trips LIMIT 10",
           "SELECT DISTINCT * FROM trips",
           "SELECT * FROM trips USING SAMPLE 10%",
           "SELECT * FROM trips t(a, b)",
           "SELECT * FROM trips a, trips b",
           "WITH x AS (SELECT 1) SELECT * FROM trips",
           "SELECT * FROM trips UNION ALL SELECT * FROM trips",
           "SELECT * FROM read_parquet('x.parquet')",
           "SELECT * FROM (SELECT * FROM trips)",
       })
    EXPECT_FALSE(whole(sql)) << sql;
}

TEST_F(PartitionScanTest, APartitionsQueryReadsTheScanFunctionUnderTheSameAlias) {
  auto text =
      PartitionScanSql(*connection_, "SELECT o.order_id FROM kafka.orders o WHERE o.quantity = 3", "my_scan", 7);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "SELECT o.order_id FROM my_scan('kafka.orders#7') AS o WHERE (o.quantity = 3)");
  auto bare = PartitionScanSql(*connection_, "SELECT orders.order_id FROM kafka.orders", "my_scan", 0);
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(*bare, "SELECT orders.order_id FROM my_scan('kafka.orders#0') AS orders");
}

}  // namespace
}  // namespace hangar::sql
