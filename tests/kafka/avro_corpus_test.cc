// Avro written by an independent encoder — the Avro project's Python
// library (tests/kafka/avro_corpus.py) — under three versions of a schema
// with every Avro type and logical type, produced into one partition and
// read through Hangar as one Arrow schema (the latest version), values
// compared record by record.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "arrow/array_access.h"
#include "arrow/pretty_print.h"
#include "kafka/topic_reader.h"
#include "kafka_test_util.h"

namespace hangar::kafka {
namespace {

using arrow::Array;
using arrow::TypeId;
using nlohmann::json;

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// One value in the corpus' JSON conventions (see avro_corpus.py).
json ToJson(const Array& a, int64_t i) {
  if (!arrow::IsLogicallyValid(a, i)) return nullptr;
  const auto& t = *a.type;
  switch (t.id()) {
    case TypeId::kBool: return arrow::bit::Get(a.buffers[1]->data(), a.offset + i);
    case TypeId::kInt32:
    case TypeId::kDate32:
    case TypeId::kTime32: return a.values<int32_t>()[i];
    case TypeId::kInt64:
    case TypeId::kTime64:
    case TypeId::kTimestamp: return a.values<int64_t>()[i];
    case TypeId::kFloat32: return static_cast<double>(a.values<float>()[i]);
    case TypeId::kFloat64: return a.values<double>()[i];
    case TypeId::kUtf8: return std::string(arrow::BinaryValue(a, i));
    case TypeId::kBinary:
    case TypeId::kFixedSizeBinary: return Hex(arrow::BinaryValue(a, i));
    case TypeId::kDictionary: return ToJson(*a.dictionary, arrow::DictionaryIndex(a, i));
    case TypeId::kDecimal128:
    case TypeId::kDecimal256: {
      const int width = t.bit_width() / 8;
      return arrow::FormatDecimal(a.buffers[1]->data() + (a.offset + i) * width, width, t.scale());
    }
    case TypeId::kIntervalMonthDayNano: {
      const uint8_t* p = a.buffers[1]->data() + (a.offset + i) * 16;
      int32_t months, days;
      int64_t nanos;
      std::memcpy(&months, p, 4);
      std::memcpy(&days, p + 4, 4);
      std::memcpy(&nanos, p + 8, 8);
      return json::array({months, days, nanos});
    }
    case TypeId::kList: {
      int64_t begin, end;
      arrow::ListRange(a, i, &begin, &end);
      json out = json::array();
      for (int64_t j = begin; j < end; ++j) out.push_back(ToJson(*a.children[0], j));
      return out;
    }
    case TypeId::kMap: {
      int64_t begin, end;
      arrow::ListRange(a, i, &begin, &end);
      const Array& entries = *a.children[0];
      json out = json::object();
      for (int64_t j = begin; j < end; ++j)
        out[std::string(arrow::BinaryValue(*entries.children[0], entries.offset + j))] =
            ToJson(*entries.children[1], entries.offset + j);
      return out;
    }
    case TypeId::kStruct: {
      json out = json::object();
      for (int c = 0; c < t.num_children(); ++c) out[t.child(c)->name()] = ToJson(*a.children[c], a.offset + i);
      return out;
    }
    case TypeId::kDenseUnion:
    case TypeId::kSparseUnion: {
      int child;
      int64_t row;
      arrow::UnionSlot(a, i, &child, &row);
      return ToJson(*a.children[static_cast<size_t>(child)], row);
    }
    default: return "unexpected type " + t.ToString();
  }
}

TEST(AvroCorpus, AnIndependentEncodersRecordsReadBackUnderTheLatestSchema) {
  FILE* pipe = popen("/usr/bin/python3 " HANGAR_SOURCE_DIR "/tests/kafka/avro_corpus.py", "r");
  ASSERT_NE(pipe, nullptr);
  std::vector<json> lines;
  char buffer[1 << 16];
  std::string line;
  while (std::fgets(buffer, sizeof buffer, pipe)) {
    line += buffer;
    if (!line.empty() && line.back() == '\n') {
      lines.push_back(json::parse(line));
      line.clear();
    }
  }
  ASSERT_EQ(pclose(pipe), 0) << "avro_corpus.py failed (python3-avro installed?)";
  ASSERT_GT(lines.size(), 10u);

  auto& env = testing::KafkaEnvironment::Get();
  auto registry = std::make_shared<SchemasTopicRegistry>(env.cluster());
  const std::string topic = env.NewTopic("corpus", 1);
  std::vector<int32_t> ids;
  for (const auto& schema : lines[0]["schemas"]) {
    auto r = registry->Register(ValueSubject(topic), schema.get<std::string>());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ids.push_back(r->id);
  }
  auto producer = Producer::Open(env.options());
  ASSERT_TRUE(producer.ok());
  std::vector<json> expected;
  for (size_t k = 1; k < lines.size(); ++k) {
    const std::string hex = lines[k]["datum"];
    std::string datum;
    for (size_t j = 0; j + 1 < hex.size(); j += 2)
      datum.push_back(static_cast<char>(std::stoi(hex.substr(j, 2), nullptr, 16)));
    const int version = lines[k]["version"];
    ASSERT_TRUE((*producer)
                    ->Produce(topic, 0, {}, testing::Framed(ids[static_cast<size_t>(version - 1)], datum), 0, true)
                    .ok());
    expected.push_back(lines[k]["expected"]);
  }
  ASSERT_TRUE((*producer)->Flush().ok());

  TopicReadOptions options;
  options.metadata = {};
  auto source = PartitionSource::Open(env.cluster(), registry, topic, 0, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<json> rows;
  while (true) {
    auto batch = (*source)->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (*batch == nullptr) break;
    for (int64_t r = 0; r < (*batch)->num_rows; ++r) {
      json row = json::object();
      for (int c = 0; c < (*batch)->num_columns(); ++c)
        row[(*batch)->schema->field(c)->name()] = ToJson(*(*batch)->column(c), r);
      rows.push_back(std::move(row));
    }
  }
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (const auto& [field, value] : expected[r].items()) {
      ASSERT_TRUE(rows[r].contains(field)) << field;
      if (value.is_number_float() || rows[r][field].is_number_float())
        EXPECT_DOUBLE_EQ(rows[r][field].get<double>(), value.get<double>()) << "record " << r << " field " << field;
      else
        EXPECT_EQ(rows[r][field], value) << "record " << r << " field " << field;
    }
    EXPECT_EQ(rows[r].size(), expected[r].size()) << rows[r].dump();
  }
  // The schema the stream declares is the latest version's.
  const auto& schema = *(*source)->schema();
  EXPECT_EQ(schema.field(1)->ToString(), "small: int64 not null");
  EXPECT_EQ(schema.field(6)->ToString(), "text: binary not null");
}

}  // namespace
}  // namespace hangar::kafka
