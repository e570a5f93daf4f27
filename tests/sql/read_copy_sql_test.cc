// SQL over read copies (hangar_read_copies, store/memtable_scan.h): a view of
// an append-only table whose columns DuckDB reads alike from Arrow and from
// Parquet reads its files' read copies, and answers every query as it does
// from Parquet: filters, projections, aggregates, joins, older snapshots,
// partitioned tables. Tables of other types, and tables with a read copy
// missing or torn, read Parquet; a gone snapshot is refused.
#include <gtest/gtest.h>

#include <fstream>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "sql/engine_fixture.h"
#include "store/partition_spec.h"
#include "store/store_test_util.h"

namespace hangar::sql {
namespace {

namespace fs = std::filesystem;
using store::testing::ReadAll;

const store::QualifiedName kReadings{"default", "readings"};
const store::QualifiedName kSensors{"default", "sensors"};
const store::QualifiedName kZoned{"default", "zoned"};

arrow::SchemaPtr ReadingSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("value", arrow::float64()),
                        arrow::field("sensor", arrow::utf8()), arrow::field("ok", arrow::boolean()),
                        arrow::field("day", arrow::date32()), arrow::field("code", arrow::uint16())});
}

// Readings first .. first + n - 1; every seventh has no value.
arrow::RecordBatchPtr Readings(int64_t first, int64_t n) {
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::PrimitiveBuilder<double> values(arrow::float64());
  arrow::BinaryBuilder sensors(arrow::utf8());
  arrow::BooleanBuilder oks;
  arrow::PrimitiveBuilder<int32_t> days(arrow::date32());
  arrow::PrimitiveBuilder<uint16_t> codes(arrow::uint16());
  for (int64_t i = first; i < first + n; ++i) {
    ids.Append(i);
    if (i % 7 == 0)
      values.AppendNull();
    else
      values.Append(static_cast<double>(i) / 4);
    sensors.Append("s" + std::to_string(i % 13));
    oks.Append(i % 3 != 0);
    days.Append(static_cast<int32_t>(19000 + i % 40));
    codes.Append(static_cast<uint16_t>(i % 60000));
  }
  return arrow::MakeRecordBatch(ReadingSchema(), n,
                                {ids.Finish().value(), values.Finish().value(), sensors.Finish().value(),
                                 oks.Finish().value(), days.Finish().value(), codes.Finish().value()});
}

arrow::SchemaPtr SensorSchema() {
  return arrow::schema({arrow::field("sensor", arrow::utf8()), arrow::field("floor", arrow::int32())});
}

arrow::RecordBatchPtr Sensors() {
  arrow::BinaryBuilder names(arrow::utf8());
  arrow::PrimitiveBuilder<int32_t> floors(arrow::int32());
  for (int i = 0; i < 13; i += 2) {
    names.Append("s" + std::to_string(i));
    floors.Append(i / 3);
  }
  return arrow::MakeRecordBatch(SensorSchema(), 7, {names.Finish().value(), floors.Finish().value()});
}

const std::vector<std::string> kQueries = {
    "SELECT id, value FROM readings WHERE id % 10 = 0 ORDER BY id",
    "SELECT sensor, count(*), sum(value), min(day), max(code), count(value) FROM readings GROUP BY sensor "
    "ORDER BY sensor",
    "SELECT * FROM readings WHERE ok AND value > 100 ORDER BY id",
    "SELECT day, avg(value) FROM readings WHERE sensor IN ('s1', 's2') GROUP BY day ORDER BY day",
    "SELECT r.id, s.floor FROM readings r JOIN sensors s USING (sensor) WHERE r.id < 500 ORDER BY r.id",
    "SELECT count(*), count(DISTINCT sensor), sum(code) FROM readings",
    "SELECT code, id FROM readings ORDER BY value DESC NULLS FIRST, id LIMIT 20",
};

class SqlReadCopiesTest : public testing::EngineFixture {
 protected:
  void Put(const store::QualifiedName& name, const arrow::SchemaPtr& schema, std::vector<arrow::RecordBatchPtr> rows,
           store::PutMode mode = store::PutMode::kAppend) {
    arrow::VectorSource source(schema, std::move(rows));
    auto put = tables_->Put(name, mode, &source);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
  }

  // Three files of readings (and one of sensors), with their read copies.
  void PutTables() {
    for (int p = 0; p < 3; ++p)
      Put(kReadings, ReadingSchema(), {Readings(p * 3000, 1000), Readings(p * 3000 + 1000, 2000)});
    Put(kSensors, SensorSchema(), {Sensors()});
    tables_->WaitForReadCopies();
  }

  arrow::RecordBatchPtr Query(const std::string& sql) {
    auto source = engine_->Run("test", sql, nullptr);
    EXPECT_TRUE(source.ok()) << sql << ": " << source.status().ToString();
    if (!source.ok()) return nullptr;
    auto all = ReadAll(source->get());
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? *all : nullptr;
  }

  std::vector<arrow::RecordBatchPtr> Answers() {
    std::vector<arrow::RecordBatchPtr> out;
    for (const auto& q : kQueries) out.push_back(Query(q));
    return out;
  }

  bool ViewReadsCopies(const store::QualifiedName& name) {
    return tables_->SelectAll(tables_->Snapshot(name).value()).find("hangar_read_copies") != std::string::npos;
  }

  void ExpectSameAnswers(const std::vector<arrow::RecordBatchPtr>& expected) {
    auto answers = Answers();
    ASSERT_EQ(answers.size(), expected.size());
    for (size_t i = 0; i < answers.size(); ++i) {
      SCOPED_TRACE(kQueries[i]);
      ASSERT_TRUE(answers[i] && expected[i]);
      EXPECT_TRUE(answers[i]->schema->Equals(*expected[i]->schema)) << answers[i]->schema->ToString();
      EXPECT_EQ(arrow::BatchDiff(*expected[i], *answers[i]), "");
    }
  }
};

TEST_F(SqlReadCopiesTest, QueriesAnswerTheSameFromReadCopiesAsFromParquet) {
  PutTables();
  ASSERT_TRUE(ViewReadsCopies(kReadings));
  auto from_copies = Answers();
  ASSERT_EQ(from_copies[5]->num_rows, 1);
  // The same store without read copies: its views read Parquet.
  Open({}, false);
  ASSERT_FALSE(ViewReadsCopies(kReadings));
  ExpectSameAnswers(from_copies);
}

TEST_F(SqlReadCopiesTest, AMissingOrTornReadCopyOrAnotherTypeFallsBackToParquet) {
  PutTables();
  const auto expected = Answers();
  const auto snapshot = tables_->Snapshot(kReadings).value();
  // Torn: the table is read from Parquet (every file), with the same answers.
  const fs::path torn = store::ReadCopyPath(snapshot->files[1].path());
  fs::resize_file(torn, fs::file_size(torn) / 2);
  Open();
  tables_->WaitForReadCopies();  // a torn file is left as it is
  EXPECT_FALSE(ViewReadsCopies(kReadings));
  ExpectSameAnswers(expected);
  // Missing (and not made again before the view is).
  fs::remove(torn);
  Open();
  tables_->WaitForReadCopies();
  EXPECT_TRUE(ViewReadsCopies(kReadings));  // made again on start
  fs::remove(store::ReadCopyPath(snapshot->files[2].path()));
  EXPECT_FALSE(ViewReadsCopies(kReadings));
  ExpectSameAnswers(expected);

  // A timestamp is not among the types DuckDB is known to read alike from
  // Arrow and Parquet: its table reads Parquet.
  auto zoned = arrow::schema({arrow::field("at", arrow::timestamp(arrow::TimeUnit::kMicro, "UTC"))});
  arrow::PrimitiveBuilder<int64_t> at(zoned->field(0)->type());
  at.Append(1700000000000000);
  Put(kZoned, zoned, {arrow::MakeRecordBatch(zoned, 1, {at.Finish().value()})});
  tables_->WaitForReadCopies();
  EXPECT_FALSE(ViewReadsCopies(kZoned));
}

TEST_F(SqlReadCopiesTest, OlderSnapshotsAndPartitionedTablesReadTheirCopies) {
  PutTables();
  const auto old = tables_->Snapshot(kReadings).value();
  const std::string old_rows = tables_->SelectAll(old);
  ASSERT_NE(old_rows.find("hangar_read_copies"), std::string::npos);
  auto count = [&](const std::string& relation) {
    auto rows = duckdb::StreamQuery(db_, "SELECT count(*), sum(id), sum(value) FROM (" + relation + ")");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? ReadAll(rows->get()).value() : nullptr;
  };
  const auto before = count(old_rows);
  // An overwrite: the old snapshot, still held, reads its own files' copies.
  Put(kReadings, ReadingSchema(), {Readings(0, 10)}, store::PutMode::kOverwrite);
  tables_->WaitForReadCopies();
  EXPECT_TRUE(ViewReadsCopies(kReadings));
  EXPECT_EQ(arrow::LoadInteger(*Query("SELECT count(*) FROM readings")->column(0), 0), 10);
  const auto after = count(old_rows);
  ASSERT_TRUE(before && after);
  EXPECT_EQ(arrow::BatchDiff(*before, *after), "");

  // A partitioned table: a file per partition, every one with its copy.
  const store::QualifiedName parts{"default", "parts"};
  auto spec = store::ParsePartitionSpec(R"({"fields": [{"source_name": "id", "transform": "truncate[1000]"}]})",
                                        *ReadingSchema());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_TRUE(tables_->CreateTable(parts, ReadingSchema(), {}, *spec).ok());
  Put(parts, ReadingSchema(), {Readings(0, 3500)});
  tables_->WaitForReadCopies();
  ASSERT_GE(tables_->Snapshot(parts).value()->files.size(), 4u);
  EXPECT_TRUE(ViewReadsCopies(parts));
  const std::string q = "SELECT id / 1000 AS p, count(*), sum(value), max(sensor) FROM parts GROUP BY p ORDER BY p";
  const auto from_copies = Query(q);
  Open({}, false);
  const auto from_parquet = Query(q);
  ASSERT_TRUE(from_copies && from_parquet);
  EXPECT_EQ(arrow::BatchDiff(*from_parquet, *from_copies), "");
}

TEST_F(SqlReadCopiesTest, AGoneSnapshotIsRefused) {
  PutTables();
  std::string relation;
  {
    auto snapshot = tables_->Snapshot(kReadings).value();
    relation = tables_->SelectAll(snapshot);
    ASSERT_NE(relation.find("hangar_read_copies"), std::string::npos);
  }
  Put(kReadings, ReadingSchema(), {Readings(0, 10)}, store::PutMode::kOverwrite);  // the last holder lets go
  tables_->WaitForReadCopies();
  auto rows = duckdb::StreamQuery(db_, "SELECT count(*) FROM (" + relation + ")");
  Status st = rows.ok() ? ReadAll(rows->get()).status() : rows.status();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("run it again"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace hangar::sql
