// The encoder: Arrow's own gold data (every type the integration files
// hold) written as Avro and read back by the decoder, values compared; and
// writing into schemas that others registered.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "arrow/compare.h"
#include "arrow/json/integration_json.h"
#include "arrow/pretty_print.h"
#include "avro/decoder.h"
#include "avro/encoder.h"

namespace hangar::avro {
namespace {

using arrow::TypeId;

// Decodes `datums` written with `schema` into one batch.
arrow::RecordBatchPtr DecodeAll(const std::shared_ptr<const AvroSchema>& schema,
                                const std::vector<std::string>& datums) {
  auto decoder = Decoder::Make(schema);
  EXPECT_TRUE(decoder.ok()) << decoder.status().ToString();
  for (const auto& d : datums) {
    Status s = (*decoder)->AppendDatum(d);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  auto batch = (*decoder)->Flush();
  EXPECT_TRUE(batch.ok());
  return *batch;
}

// One column of a gold file, written as Avro and read back.
struct ColumnResult {
  bool refused = false;
  std::string why;
};

ColumnResult RoundTrip(const arrow::FieldPtr& field, const std::vector<arrow::RecordBatchPtr>& batches, int c,
                       int* compared) {
  auto schema = arrow::schema({field});
  auto encoder = Encoder::Make(schema, "gold");
  if (!encoder.ok()) return {true, encoder.status().message()};
  for (const auto& full : batches) {
    auto batch = arrow::MakeRecordBatch(schema, full->num_rows, {full->column(c)});
    std::vector<std::string> datums(static_cast<size_t>(batch->num_rows));
    for (int64_t row = 0; row < batch->num_rows; ++row) {
      Status s = (*encoder)->EncodeRow(*batch, row, &datums[static_cast<size_t>(row)]);
      if (!s.ok()) return {true, s.message()};
    }
    auto decoded = DecodeAll((*encoder)->schema(), datums);
    EXPECT_EQ(decoded->num_rows, batch->num_rows);
    const auto& original = *batch->column(0);
    const auto& back = *decoded->column(0);
    ++*compared;
    if (original.type->Equals(*back.type)) {
      EXPECT_TRUE(arrow::ArrayEquals(original, back)) << field->ToString() << "\n"
                                                      << arrow::PrettyPrint(original) << "\n"
                                                      << arrow::PrettyPrint(back);
      continue;
    }
    // A wider or re-encoded type (int8 -> int32, dictionary -> its values,
    // decimal256 -> decimal128): the values print alike, except where the
    // unit itself shows (timestamp[s] -> [ms], date64 -> date32, duration -> int64).
    const TypeId id = original.type->id();
    if (id == TypeId::kDate64 || id == TypeId::kTime32 || id == TypeId::kTimestamp || id == TypeId::kDuration) continue;
    for (int64_t r = 0; r < batch->num_rows; ++r)
      EXPECT_EQ(arrow::FormatValue(original, r), arrow::FormatValue(back, r))
          << field->ToString() << " row " << r << " as " << back.type->ToString();
  }
  return {};
}

TEST(AvroEncoder, ArrowGoldDataRoundTripsThroughAvro) {
  const std::string dir = std::string(HANGAR_TESTDATA_DIR) + "/arrow-ipc/cpp-21.0.0";
  int columns = 0, compared = 0;
  std::map<std::string, std::string> refused;  // "file column" -> why
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    if (!path.ends_with(".json.gz")) continue;
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    auto file = arrow::json::ReadJsonFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    for (size_t c = 0; c < file->schema->fields().size(); ++c) {
      const auto& field = file->schema->field(c);
      ++columns;
      auto result = RoundTrip(field, file->batches, static_cast<int>(c), &compared);
      if (result.refused) refused[name + " " + field->ToString()] = result.why;
    }
  }
  for (const auto& [column, why] : refused) std::printf("  refused %s: %s\n", column.c_str(), why.c_str());
  std::printf("  %d of %d gold columns round-tripped (%d column batches compared)\n",
              columns - static_cast<int>(refused.size()), columns, compared);
  // Refused exactly what Avro cannot hold, by name: time64[ns], year-month
  // and day-time intervals, month-day-nano values of sub-millisecond or
  // negative parts, a union with two branches of one Avro type, field names
  // Avro does not allow. (tests/interop/python/test_avro_encoder.py has
  // fastavro read what was not refused, and derives the same list.)
  std::set<std::string> names;
  for (const auto& [column, why] : refused) names.insert(column.substr(0, column.find(':')));
  const std::set<std::string> expected = {
      "generated_datetime.json.gz f5",     "generated_duplicate_fieldnames.json.gz struct",
      "generated_interval.json.gz f5",     "generated_interval.json.gz f6",
      "generated_interval_mdn.json.gz f1", "generated_union.json.gz dense_2"};
  EXPECT_EQ(names, expected);
  EXPECT_GE(compared, 200);
}

std::shared_ptr<const AvroSchema> Parse(const char* json) {
  auto schema = AvroSchema::Parse(json);
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  return *schema;
}

// An integration-JSON file of one batch.
std::string OneBatch(const std::string& fields, const std::string& columns, int count) {
  return R"({"schema": {"fields": [)" + fields + R"(]}, "batches": [{"count": )" + std::to_string(count) +
         R"(, "columns": [)" + columns + "]}]}";
}

TEST(AvroEncoder, WritesIntoARegisteredSchemaByFieldName) {
  // Field order differs, the union puts null second, the enum comes from utf8.
  auto avro = Parse(R"({"type": "record", "name": "r", "fields": [
      {"name": "kind", "type": {"type": "enum", "name": "k", "symbols": ["A", "B"]}},
      {"name": "n", "type": ["long", "null"]},
      {"name": "extra", "type": ["null", "string"], "default": null}]})");
  auto file = arrow::json::ParseJson(OneBatch(
      R"({"name": "n", "type": {"name": "int", "isSigned": true, "bitWidth": 32}, "nullable": true, "children": []},
         {"name": "kind", "type": {"name": "utf8"}, "nullable": false, "children": []})",
      R"({"name": "n", "count": 2, "VALIDITY": [1, 0], "DATA": [7, 0]},
         {"name": "kind", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 1, 2], "DATA": ["B", "A"]})",
      2));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto encoder = Encoder::Make(file->schema, avro);
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  std::string d0, d1;
  ASSERT_TRUE((*encoder)->EncodeRow(*file->batches[0], 0, &d0).ok());
  ASSERT_TRUE((*encoder)->EncodeRow(*file->batches[0], 1, &d1).ok());
  // kind B = 1 -> 0x02; n branch 0 (long) 7 -> 0x00 0x0e; extra null branch 0 -> 0x00
  EXPECT_EQ(d0, std::string("\x02\x00\x0e\x00", 4));
  // kind A = 0; n null is branch 1 -> 0x02; extra null
  EXPECT_EQ(d1, std::string("\x00\x02\x00", 3));
}

TEST(AvroEncoder, RefusesWhatTheSchemaCannotHoldNamingTheColumn) {
  auto avro = Parse(R"({"type": "record", "name": "r", "fields": [
      {"name": "kind", "type": {"type": "enum", "name": "k", "symbols": ["A"]}},
      {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
      {"name": "n", "type": "int"}]})");
  auto file = arrow::json::ParseJson(OneBatch(
      R"({"name": "kind", "type": {"name": "utf8"}, "nullable": true, "children": []},
         {"name": "at", "type": {"name": "timestamp", "unit": "MICROSECOND", "timezone": "UTC"}, "nullable": false, "children": []},
         {"name": "n", "type": {"name": "int", "isSigned": true, "bitWidth": 64}, "nullable": false, "children": []})",
      R"({"name": "kind", "count": 4, "VALIDITY": [1, 1, 0, 1], "OFFSET": [0, 1, 2, 2, 3], "DATA": ["A", "Z", "", "A"]},
         {"name": "at", "count": 4, "VALIDITY": [1, 1, 1, 1], "DATA": ["5000", "5000", "5000", "5001"]},
         {"name": "n", "count": 4, "VALIDITY": [1, 1, 1, 1], "DATA": ["1", "1", "1", "9999999999"]})",
      4));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto encoder = Encoder::Make(file->schema, avro);
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  const auto& batch = *file->batches[0];
  std::string out;
  EXPECT_TRUE((*encoder)->EncodeRow(batch, 0, &out).ok());
  auto bad_symbol = (*encoder)->EncodeRow(batch, 1, &out);
  EXPECT_NE(bad_symbol.message().find("'Z' is not a symbol of enum 'k'"), std::string::npos) << bad_symbol.message();
  auto null = (*encoder)->EncodeRow(batch, 2, &out);
  EXPECT_NE(null.message().find("column 'kind' holds a null"), std::string::npos) << null.message();
  auto precision = (*encoder)->EncodeRow(batch, 3, &out);
  EXPECT_NE(precision.message().find("column 'at'"), std::string::npos) << precision.message();

  // Columns and fields that do not pair up.
  auto fewer = Parse(R"({"type": "record", "name": "r", "fields": [{"name": "kind", "type": "string"}]})");
  auto extra = Encoder::Make(file->schema, fewer);
  EXPECT_NE(extra.status().message().find("column 'at' is not a field"), std::string::npos) << extra.status().message();
  auto more = Parse(R"({"type": "record", "name": "r", "fields": [{"name": "kind", "type": "string"},
      {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}}, {"name": "n", "type": "long"},
      {"name": "missing", "type": "long"}]})");
  auto missing = Encoder::Make(file->schema, more);
  EXPECT_NE(missing.status().message().find("'missing' has no column"), std::string::npos)
      << missing.status().message();
  auto narrow = Parse(R"({"type": "record", "name": "r", "fields": [{"name": "kind", "type": "string"},
      {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}}, {"name": "n", "type": "float"}]})");
  auto type = Encoder::Make(file->schema, narrow);
  EXPECT_NE(type.status().message().find("column 'n' of type int64 cannot be written as Avro float"), std::string::npos)
      << type.status().message();
}

TEST(AvroEncoder, DerivedSchemasReadBackAsTheSameColumns) {
  auto file = arrow::json::ParseJson(OneBatch(
      R"({"name": "id", "type": {"name": "int", "isSigned": true, "bitWidth": 64}, "nullable": false, "children": []},
         {"name": "tags", "type": {"name": "list"}, "nullable": true, "children": [
            {"name": "item", "type": {"name": "utf8"}, "nullable": true, "children": []}]})",
      R"({"name": "id", "count": 2, "VALIDITY": [1, 1], "DATA": ["1", "2"]},
         {"name": "tags", "count": 2, "VALIDITY": [1, 0], "OFFSET": [0, 2, 2], "children": [
            {"name": "item", "count": 2, "VALIDITY": [1, 0], "OFFSET": [0, 1, 1], "DATA": ["x", ""]}]})",
      2));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto json = AvroSchemaJsonOf(*file->schema, "my-topic");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json,
            R"({"fields":[{"name":"id","type":"long"},{"default":null,"name":"tags","type":["null",)"
            R"({"items":["null","string"],"type":"array"}]}],"name":"my_topic","namespace":"hangar","type":"record"})");
  auto encoder = Encoder::Make(file->schema, "my-topic");
  ASSERT_TRUE(encoder.ok());
  std::vector<std::string> datums(2);
  for (int r = 0; r < 2; ++r) ASSERT_TRUE((*encoder)->EncodeRow(*file->batches[0], r, &datums[r]).ok());
  auto back = DecodeAll((*encoder)->schema(), datums);
  for (int c = 0; c < 2; ++c) EXPECT_TRUE(arrow::ArrayEquals(*file->batches[0]->column(c), *back->column(c)));
  EXPECT_EQ(AvroSchemaJsonOf(*arrow::schema({arrow::field("bad name", arrow::int32())}), "t").status().message(),
            "column 'bad name': 'bad name' is not a valid Avro field name ([A-Za-z_][A-Za-z0-9_]*)");
}

}  // namespace
}  // namespace hangar::avro
