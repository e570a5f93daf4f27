// Flight SQL's metadata commands as clients read them: GetSqlInfo answers
// every id of the specification with the union member Arrow's C++, Java and
// Go implementations send (the JDBC driver casts each value to the Java type
// it expects), its lists and conversions hold for DuckDB, and the result
// schemas are the implementations' (GetPrimaryKeys: key_sequence before
// key_name).
#include <gtest/gtest.h>

#include <map>

#include "arrow/array_access.h"
#include "sql/engine_fixture.h"
#include "sql/metadata_commands.h"
#include "sql/proto/FlightSql.pb.h"
#include "store/store_test_util.h"

namespace hangar::sql {
namespace {

namespace pb = ::arrow::flight::protocol::sql;
using arrow::field;

// Union members of GetSqlInfo's value, by type code.
enum Member : int { kString = 0, kBool = 1, kBigint = 2, kInt32 = 3, kStringList = 4, kIntListMap = 5 };

// What the Flight SQL JDBC driver (ArrowDatabaseMetadata) and ADBC read, by
// id: the member each expects.
const std::map<uint32_t, Member>& ExpectedMembers() {
  static const std::map<uint32_t, Member> members = [] {
    std::map<uint32_t, Member> m;
    for (uint32_t id : {0, 1, 2, 504, 513, 514, 529, 530, 531}) m[id] = kString;
    for (uint32_t id : {3,   4,   5,   9,   10,  11,  500, 501, 502, 506, 515, 516, 518, 519, 520, 521,
                        523, 524, 527, 532, 536, 537, 539, 556, 563, 565, 566, 572, 573, 574, 575, 576})
      m[id] = kBool;
    for (uint32_t id = 541; id <= 562; ++id)
      if (id != 556) m[id] = kBigint;  // 562, the default isolation, included; 556 is a bool
    for (uint32_t id :
         {8, 100, 101, 503, 505, 507, 522, 525, 526, 528, 533, 534, 535, 538, 540, 564, 567, 568, 569, 570, 571})
      m[id] = kInt32;
    for (uint32_t id = 508; id <= 512; ++id) m[id] = kStringList;
    m[517] = kIntListMap;
    return m;
  }();
  return members;
}

class MetadataCommandsTest : public testing::EngineFixture {
 protected:
  template <typename Command>
  arrow::RecordBatchPtr Run(const Command& command) {
    google::protobuf::Any any;
    any.PackFrom(command);
    auto schema = MetadataSchema(any);
    EXPECT_TRUE(schema.ok()) << schema.status().ToString();
    auto batch = RunMetadataCommand(*engine_, any);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch.ok()) return nullptr;
    EXPECT_TRUE((*batch)->schema->Equals(**schema)) << (*batch)->schema->ToString();
    return *batch;
  }

  // id -> (member, row) of a GetSqlInfo result.
  static std::map<uint32_t, std::pair<int, int64_t>> Slots(const arrow::RecordBatch& batch) {
    std::map<uint32_t, std::pair<int, int64_t>> slots;
    for (int64_t i = 0; i < batch.num_rows; ++i) {
      int child = -1;
      int64_t row = -1;
      arrow::UnionSlot(*batch.column(1), i, &child, &row);
      slots[static_cast<uint32_t>(arrow::LoadInteger(*batch.column(0), i))] = {child, row};
    }
    return slots;
  }

  // Runs `sql` in DuckDB: whether it binds and runs.
  Status Runs(const std::string& sql) {
    HANGAR_ASSIGN_OR_RETURN(auto source, duckdb::StreamQuery(db_, sql));
    return store::testing::ReadAll(source.get()).status();
  }
};

TEST_F(MetadataCommandsTest, SqlInfoSchemaIsTheImplementations) {
  auto value = arrow::dense_union(
      {field("string_value", arrow::utf8(), false), field("bool_value", arrow::boolean(), false),
       field("bigint_value", arrow::int64(), false), field("int32_bitmask", arrow::int32(), false),
       field("string_list", arrow::list(field("item", arrow::utf8())), false),
       field("int32_to_int32_list_map",
             arrow::map(field("entries",
                              arrow::struct_({field("key", arrow::int32(), false),
                                              field("value", arrow::list(field("item", arrow::int32())))}),
                              false)),
             false)});
  auto expected = arrow::schema({field("info_name", arrow::uint32(), false), field("value", value, false)});
  auto batch = Run(pb::CommandGetSqlInfo());
  ASSERT_NE(batch, nullptr);
  EXPECT_TRUE(batch->schema->Equals(*expected)) << batch->schema->ToString() << "\nexpected\n" << expected->ToString();
}

TEST_F(MetadataCommandsTest, SqlInfoAnswersEveryIdWithTheMemberDriversRead) {
  auto batch = Run(pb::CommandGetSqlInfo());
  ASSERT_NE(batch, nullptr);
  const auto slots = Slots(*batch);
  for (const auto& [id, member] : ExpectedMembers()) {
    auto it = slots.find(id);
    if (it == slots.end()) {
      ADD_FAILURE() << "SqlInfo " << id << " is not answered";
      continue;
    }
    EXPECT_EQ(it->second.first, member) << "SqlInfo " << id;
  }
  // Nothing else but what is listed (the Substrait versions are left out: no Substrait).
  EXPECT_EQ(slots.size(), ExpectedMembers().size());
  const auto& value = *batch->column(1);
  auto text = [&](uint32_t id) {
    return std::string(arrow::BinaryValue(*value.children[kString], slots.at(id).second));
  };
  auto bigint = [&](uint32_t id) { return value.children[kBigint]->values<int64_t>()[slots.at(id).second]; };
  auto int32 = [&](uint32_t id) { return value.children[kInt32]->values<int32_t>()[slots.at(id).second]; };
  EXPECT_EQ(text(0), "Hangar");
  EXPECT_EQ(text(504), "\"");
  EXPECT_EQ(bigint(559), 255);   // SQL_MAX_TABLE_NAME_LENGTH
  EXPECT_EQ(bigint(552), 255);   // SQL_DB_SCHEMA_NAME_LENGTH
  EXPECT_EQ(bigint(561), 0);     // SQL_MAX_USERNAME_LENGTH: none
  EXPECT_EQ(bigint(562), 0);     // SQL_DEFAULT_TRANSACTION_ISOLATION: SQL_TRANSACTION_NONE
  EXPECT_EQ(int32(567), 0b10);   // SQL_SUPPORTED_RESULT_SET_TYPES: forward only
  EXPECT_EQ(int32(8), 0);        // FLIGHT_SQL_SERVER_TRANSACTION: none
  EXPECT_EQ(int32(528), 0b110);  // SQL_OUTER_JOINS_SUPPORT_LEVEL: a bitmask, limited and full
}

TEST_F(MetadataCommandsTest, SqlInfoAnswersTheIdsAskedInTheirOrder) {
  pb::CommandGetSqlInfo command;
  for (uint32_t id : {563u, 0u, 6u, 99999u, 562u}) command.add_info(id);
  auto batch = Run(command);
  ASSERT_NE(batch, nullptr);
  ASSERT_EQ(batch->num_rows, 3);  // 6 (Substrait min version) and 99999 unknown: left out
  EXPECT_EQ(arrow::LoadInteger(*batch->column(0), 0), 563);
  EXPECT_EQ(arrow::LoadInteger(*batch->column(0), 1), 0);
  EXPECT_EQ(arrow::LoadInteger(*batch->column(0), 2), 562);
}

TEST_F(MetadataCommandsTest, SqlInfoFunctionListsNameDuckDbFunctions) {
  auto batch = Run(pb::CommandGetSqlInfo());
  ASSERT_NE(batch, nullptr);
  const auto slots = Slots(*batch);
  const auto& lists = *batch->column(1)->children[kStringList];
  for (uint32_t id : {509u, 510u, 511u, 512u}) {
    int64_t begin = 0, end = 0;
    arrow::ListRange(lists, slots.at(id).second, &begin, &end);
    EXPECT_GT(end, begin) << "SqlInfo " << id;
    for (int64_t j = begin; j < end; ++j) {
      const std::string name(arrow::BinaryValue(*lists.children[0], j));
      auto found =
          duckdb::StreamQuery(db_, "SELECT 1 FROM duckdb_functions() WHERE upper(function_name) = '" + name + "'");
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      auto rows = store::testing::ReadAll(found->get());
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      // Or a function that DuckDB's parser makes into an expression (COALESCE, IFNULL).
      const bool function = (*rows != nullptr && (*rows)->num_rows > 0) || Runs("SELECT " + name + "(1, 2)").ok();
      EXPECT_TRUE(function) << name << " (SqlInfo " << id << ") is not a DuckDB function";
    }
  }
}

// A DuckDB value of each SqlSupportsConvert code (DuckDB finds a cast it
// lacks only when it converts a value). Text converts by what it holds:
// its sample suits the type it goes to.
std::string Sample(int64_t code, int64_t to) {
  static const std::vector<std::string> samples = {"1::BIGINT",
                                                   "'\\x01'::BLOB",
                                                   "true",
                                                   "'x'",
                                                   "DATE '2024-01-01'",
                                                   "1.5::DECIMAL(10, 2)",
                                                   "1.5::DOUBLE",
                                                   "1::INTEGER",
                                                   "INTERVAL 1 DAY",
                                                   "INTERVAL 1 MONTH",
                                                   "'\\x01'::BLOB",
                                                   "'x'",
                                                   "1.5::DECIMAL(18, 3)",
                                                   "1.5::FLOAT",
                                                   "1::SMALLINT",
                                                   "TIME '01:02:03'",
                                                   "TIMESTAMP '2024-01-01 01:02:03'",
                                                   "1::TINYINT",
                                                   "'\\x01'::BLOB",
                                                   "'x'"};
  if (code == 3 || code == 11 || code == 19) {  // text
    return "CAST(" + samples.at(to) + " AS VARCHAR)";
  }
  return samples.at(code);
}

TEST_F(MetadataCommandsTest, SqlInfoConversionsAreCastsDuckDbRuns) {
  // A DuckDB type for each SqlSupportsConvert code.
  const std::vector<std::string> types = {"BIGINT",         "BLOB",      "BOOLEAN",        "VARCHAR",  "DATE",
                                          "DECIMAL(10, 2)", "DOUBLE",    "INTEGER",        "INTERVAL", "INTERVAL",
                                          "BLOB",           "VARCHAR",   "DECIMAL(18, 3)", "FLOAT",    "SMALLINT",
                                          "TIME",           "TIMESTAMP", "TINYINT",        "BLOB",     "VARCHAR"};
  auto batch = Run(pb::CommandGetSqlInfo());
  ASSERT_NE(batch, nullptr);
  const auto slots = Slots(*batch);
  const auto& map = *batch->column(1)->children[kIntListMap];
  int64_t begin = 0, end = 0;
  arrow::ListRange(map, slots.at(517).second, &begin, &end);
  const auto& entries = *map.children[0];
  ASSERT_EQ(end - begin, 20) << "every SqlSupportsConvert type converts to something";
  int pairs = 0;
  for (int64_t e = begin; e < end; ++e) {
    const auto from = arrow::LoadInteger(*entries.children[0], e);
    int64_t to_begin = 0, to_end = 0;
    arrow::ListRange(*entries.children[1], e, &to_begin, &to_end);
    for (int64_t t = to_begin; t < to_end; ++t) {
      const auto to = arrow::LoadInteger(*entries.children[1]->children[0], t);
      const std::string sql = "SELECT CAST(" + Sample(from, to) + " AS " + types.at(to) + ")";
      EXPECT_TRUE(Runs(sql).ok()) << sql << ": " << Runs(sql).ToString();
      ++pairs;
    }
  }
  EXPECT_GT(pairs, 200);
  // And a cast that is not listed indeed does not bind.
  EXPECT_FALSE(Runs("SELECT CAST(DATE '2024-01-01' AS INTEGER)").ok());
  EXPECT_FALSE(Runs("SELECT CAST(TIME '01:02:03' AS DATE)").ok());
}

TEST_F(MetadataCommandsTest, PrimaryKeysSendKeySequenceBeforeKeyName) {
  auto schema = arrow::schema(
      {field("region", arrow::utf8(), false), field("id", arrow::int32(), false), field("amount", arrow::float64())});
  ASSERT_TRUE(tables_->CreateTable({"sales", "orders"}, schema, {"region", "id"}).ok());
  pb::CommandGetPrimaryKeys command;
  command.set_db_schema("sales");
  command.set_table("orders");
  auto batch = Run(command);
  ASSERT_NE(batch, nullptr);
  auto expected = arrow::schema({field("catalog_name", arrow::utf8()), field("db_schema_name", arrow::utf8()),
                                 field("table_name", arrow::utf8(), false), field("column_name", arrow::utf8(), false),
                                 field("key_sequence", arrow::int32(), false), field("key_name", arrow::utf8())});
  EXPECT_TRUE(batch->schema->Equals(*expected)) << batch->schema->ToString();
  ASSERT_EQ(batch->num_rows, 2);
  EXPECT_EQ(arrow::BinaryValue(*batch->column(3), 0), "region");
  EXPECT_EQ(arrow::BinaryValue(*batch->column(3), 1), "id");
  EXPECT_EQ(arrow::LoadInteger(*batch->column(4), 0), 1);
  EXPECT_EQ(arrow::LoadInteger(*batch->column(4), 1), 2);
  EXPECT_FALSE(batch->column(5)->IsValid(0));
}

}  // namespace
}  // namespace hangar::sql
