// The fixture of the topic reader's tests: a registry on the `_schemas`
// topic, a producer, and reading helpers, on a TopicEnvironment (the real
// broker, or the mock cluster where a test says why).
#pragma once

#include <thread>

#include "arrow/array_access.h"
#include "arrow/builder_binary.h"
#include "kafka/topic_reader.h"
#include "kafka_test_util.h"

namespace hangar::kafka {

using testing::Framed;
using testing::PutFloat;
using testing::PutLong;
using testing::PutString;

inline const char* kPersonV1 =
    R"({"type": "record", "name": "person", "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}]})";
inline const char* kPersonV2 =
    R"({"type": "record", "name": "person", "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"},
        {"name": "score", "type": ["null", "float"], "default": null}]})";

inline std::string PersonV1(const std::string& name, int age) {
  std::string d;
  PutString(name, &d);
  PutLong(age, &d);
  return d;
}
inline std::string PersonV2(const std::string& name, int age, std::optional<float> score) {
  std::string d = PersonV1(name, age);
  PutLong(score ? 1 : 0, &d);
  if (score) PutFloat(*score, &d);
  return d;
}

class TopicReaderFixture : public ::testing::Test {
 protected:
  virtual testing::TopicEnvironment& Environment() = 0;

  void SetUp() override {
    env_ = &Environment();
    registry_ = std::make_shared<SchemasTopicRegistry>(env_->cluster(), env_->schemas_topic());
    auto producer = Producer::Open(env_->options());
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    producer_ = std::move(*producer);
  }

  int32_t Register(const std::string& topic, const char* schema) {
    auto r = registry_->Register(ValueSubject(topic), schema);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : -1;
  }
  void Produce(const std::string& topic, int32_t partition, const std::string& value, const std::string& key = "",
               int64_t timestamp = 0) {
    ASSERT_TRUE(producer_->Produce(topic, partition, key, value, timestamp, key.empty()).ok());
  }
  void Flush() { ASSERT_TRUE(producer_->Flush().ok()); }

  Result<std::unique_ptr<PartitionSource>> Open(const std::string& topic, int32_t partition,
                                                TopicReadOptions options = {}) {
    return PartitionSource::Open(env_->cluster(), registry_, topic, partition, std::move(options));
  }
  // Every batch of a read, and the total rows.
  static std::vector<arrow::RecordBatchPtr> ReadAll(PartitionSource& source, Status* status = nullptr) {
    std::vector<arrow::RecordBatchPtr> out;
    while (true) {
      auto batch = source.Next();
      if (!batch.ok()) {
        if (status)
          *status = batch.status();
        else
          ADD_FAILURE() << batch.status().ToString();
        return out;
      }
      if (*batch == nullptr) return out;
      out.push_back(*batch);
    }
  }
  static int64_t Rows(const std::vector<arrow::RecordBatchPtr>& batches) {
    int64_t n = 0;
    for (const auto& b : batches) n += b->num_rows;
    return n;
  }
  // "name: type, ..." without the schema's metadata.
  static std::string Columns(const arrow::Schema& schema) {
    std::string out;
    for (const auto& f : schema.fields()) out += (out.empty() ? "" : ", ") + f->ToString();
    return out;
  }
  static int ColumnIndex(const arrow::Schema& schema, const std::string& name) {
    for (size_t i = 0; i < schema.fields().size(); ++i)
      if (schema.field(i)->name() == name) return static_cast<int>(i);
    return -1;
  }
  template <typename T>
  static T Value(const arrow::RecordBatch& b, const std::string& column, int64_t row) {
    const auto& a = *b.column(ColumnIndex(*b.schema, column));
    return a.values<T>()[row];
  }
  static std::string Str(const arrow::RecordBatch& b, const std::string& column, int64_t row) {
    return std::string(arrow::BinaryValue(*b.column(ColumnIndex(*b.schema, column)), row));
  }

  testing::TopicEnvironment* env_ = nullptr;
  std::shared_ptr<SchemasTopicRegistry> registry_;
  std::unique_ptr<Producer> producer_;
};

}  // namespace hangar::kafka
