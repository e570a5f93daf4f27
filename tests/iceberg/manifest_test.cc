// Manifests and manifest lists: Avro container files whose schema carries
// Iceberg's field ids and whose header carries the metadata the format
// requires; the records read back with Hangar's own Avro reader. Also the
// single-value serialization and partition tuples they hold.
#include <gtest/gtest.h>

#include "arrow/pretty_print.h"
#include "avro/object_container.h"
#include "avro/varint.h"
#include "iceberg/manifest.h"

namespace hangar::iceberg {
namespace {

using nlohmann::json;
namespace a = hangar::arrow;

// The key-value metadata of a container file's header.
std::map<std::string, std::string> HeaderOf(const std::string& file) {
  std::map<std::string, std::string> out;
  const auto* pos = reinterpret_cast<const uint8_t*>(file.data()) + 4;
  const auto* end = reinterpret_cast<const uint8_t*>(file.data()) + file.size();
  auto read_bytes = [&] {
    int64_t n = 0;
    avro::ReadLong(&pos, end, &n);
    std::string s(reinterpret_cast<const char*>(pos), static_cast<size_t>(n));
    pos += n;
    return s;
  };
  for (;;) {
    int64_t count = 0;
    avro::ReadLong(&pos, end, &count);
    if (count == 0) break;
    for (int64_t i = 0; i < count; ++i) {
      std::string key = read_bytes();
      out[key] = read_bytes();
    }
  }
  return out;
}

a::FieldPtr F(std::string name, a::TypePtr type, bool nullable = true) {
  return std::make_shared<a::Field>(std::move(name), std::move(type), nullable);
}

TEST(IcebergValues, SingleValueSerializationFollowsTheSpecification) {
  EXPECT_EQ(SingleValue("int", Value::Number(1)), std::string("\x01\x00\x00\x00", 4));
  EXPECT_EQ(SingleValue("date", Value::Number(-1)), std::string("\xff\xff\xff\xff", 4));
  EXPECT_EQ(SingleValue("long", Value::Number(256)), std::string("\x00\x01\x00\x00\x00\x00\x00\x00", 8));
  EXPECT_EQ(SingleValue("timestamptz", Value::Number(1)), std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8));
  EXPECT_EQ(SingleValue("boolean", Value::Number(1)), std::string("\x01", 1));
  EXPECT_EQ(SingleValue("float", Value::Real(1.0)), std::string("\x00\x00\x80\x3f", 4));
  EXPECT_EQ(SingleValue("double", Value::Real(-2.0)), std::string("\x00\x00\x00\x00\x00\x00\x00\xc0", 8));
  EXPECT_EQ(SingleValue("string", Value::Bytes("héllo")), "héllo");
}

TEST(IcebergValues, PartitionPathsReadBackAsTheTransformsValues) {
  store::PartitionSpec spec;
  spec.fields = {
      {"at", 1000, "at_day", store::Transform::kDay, 0},        {"at", 1001, "at_hour", store::Transform::kHour, 0},
      {"at", 1002, "at_month", store::Transform::kMonth, 0},    {"at", 1003, "at_year", store::Transform::kYear, 0},
      {"id", 1004, "id_bucket", store::Transform::kBucket, 16}, {"name", 1005, "name", store::Transform::kIdentity, 0},
      {"ts", 1006, "ts", store::Transform::kIdentity, 0}};
  auto values = PartitionValues(
      "at_day=2024-01-15/at_hour=2024-01-15-10/at_month=2024-01/at_year=2024/id_bucket=3/"
      "name=a%2Fb/ts=1969-12-31T23%3A59%3A59.999999",
      spec, {"date", "int", "int", "int", "int", "string", "timestamp"});
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ((*values)[0], Value::Number(19737));
  EXPECT_EQ((*values)[1], Value::Number(19737 * 24 + 10));
  EXPECT_EQ((*values)[2], Value::Number(54 * 12));
  EXPECT_EQ((*values)[3], Value::Number(54));
  EXPECT_EQ((*values)[4], Value::Number(3));
  EXPECT_EQ((*values)[5], Value::Bytes("a/b"));
  EXPECT_EQ((*values)[6], Value::Number(-1));
  auto nulls = PartitionValues("at_day=__HIVE_DEFAULT_PARTITION__", {0, {spec.fields[0]}}, {"date"});
  ASSERT_TRUE(nulls.ok());
  EXPECT_TRUE((*nulls)[0].null);
  EXPECT_FALSE(PartitionValues("other=1", {0, {spec.fields[0]}}, {"date"}).ok());
}

TEST(IcebergManifest, AManifestCarriesFieldIdsMetadataAndItsEntries) {
  auto schema = SchemaFor(a::Schema({F("id", a::int64(), false), F("at", a::timestamp(a::TimeUnit::kMicro))}), 0);
  ASSERT_TRUE(schema.ok());
  store::PartitionSpec spec{0, {{"at", 1000, "at_day", store::Transform::kDay, 0}}};
  auto partition = PartitionTypeOf(spec, *schema);
  ASSERT_TRUE(partition.ok());
  EXPECT_EQ(partition->spec_fields,
            json::parse(R"([{"name": "at_day", "transform": "day", "source-id": 2, "field-id": 1000}])"));
  ManifestEntry added;
  added.status = EntryStatus::kAdded;
  added.snapshot_id = 42;
  added.file.path = "file:///t/data/at_day=2024-01-15/00000001.parquet";
  added.file.record_count = 3;
  added.file.file_size = 1234;
  added.file.partition = {Value::Number(19737)};
  added.file.stats = {{1, 3, 0, SingleValue("long", Value::Number(1)), SingleValue("long", Value::Number(3))}};
  ManifestEntry existing = added;
  existing.status = EntryStatus::kExisting;
  existing.sequence_number = 7;
  existing.file_sequence_number = 7;
  existing.file.partition = {Value{}};
  const std::string file = WriteManifest(*schema, *partition, FileContent::kData, {added, existing});

  const auto header = HeaderOf(file);
  EXPECT_EQ(header.at("format-version"), "2");
  EXPECT_EQ(header.at("content"), "data");
  EXPECT_EQ(header.at("partition-spec-id"), "0");
  EXPECT_EQ(header.at("schema-id"), "0");
  EXPECT_EQ(json::parse(header.at("schema")), SchemaJson(*schema));
  EXPECT_EQ(json::parse(header.at("partition-spec")), partition->spec_fields);
  const json avro_schema = json::parse(header.at("avro.schema"));
  EXPECT_EQ(avro_schema["name"], "manifest_entry");
  EXPECT_EQ(avro_schema["fields"][4]["field-id"], 2);
  EXPECT_EQ(avro_schema["fields"][4]["type"]["fields"][3]["type"]["fields"][0]["field-id"], 1000);

  auto read = avro::ReadContainerFile(file);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->batches.size(), 1u);
  const auto& batch = *read->batches[0];
  ASSERT_EQ(batch.num_rows, 2);
  const std::string text = arrow::PrettyPrint(batch);
  EXPECT_NE(text.find("file:///t/data/at_day=2024-01-15/00000001.parquet"), std::string::npos) << text;
  EXPECT_NE(text.find("1234"), std::string::npos) << text;
}

TEST(IcebergManifest, AManifestListSummarizesPartitions) {
  ManifestFileInfo m;
  m.path = "file:///t/metadata/m0.avro";
  m.length = 100;
  m.sequence_number = 2;
  m.min_sequence_number = 1;
  m.added_snapshot_id = 9;
  m.added_files = 1;
  m.added_rows = 3;
  m.partitions = {{true, SingleValue("date", Value::Number(1)), SingleValue("date", Value::Number(5))}};
  const std::string file = WriteManifestList(9, 8, 2, {m});
  const auto header = HeaderOf(file);
  EXPECT_EQ(header.at("snapshot-id"), "9");
  EXPECT_EQ(header.at("parent-snapshot-id"), "8");
  EXPECT_EQ(header.at("sequence-number"), "2");
  EXPECT_EQ(header.at("format-version"), "2");
  auto read = avro::ReadContainerFile(file);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->batches[0]->num_rows, 1);
  EXPECT_NE(arrow::PrettyPrint(*read->batches[0]).find("file:///t/metadata/m0.avro"), std::string::npos);
}

}  // namespace
}  // namespace hangar::iceberg
