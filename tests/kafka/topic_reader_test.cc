// Topics read as Arrow through a real librdkafka client against the mock
// cluster: schemas from the `_schemas` topic, evolution, ranges, follow
// mode, bad messages.
#include <thread>

#include "arrow/array_access.h"
#include "arrow/builder_binary.h"
#include "kafka/topic_reader.h"
#include "kafka_test_util.h"

namespace hangar::kafka {
namespace {

using testing::Framed;
using testing::KafkaEnvironment;
using testing::PutFloat;
using testing::PutLong;
using testing::PutString;

const char* kPersonV1 =
    R"({"type": "record", "name": "person", "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}]})";
const char* kPersonV2 =
    R"({"type": "record", "name": "person", "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"},
        {"name": "score", "type": ["null", "float"], "default": null}]})";

std::string PersonV1(const std::string& name, int age) {
  std::string d;
  PutString(name, &d);
  PutLong(age, &d);
  return d;
}
std::string PersonV2(const std::string& name, int age, std::optional<float> score) {
  std::string d = PersonV1(name, age);
  PutLong(score ? 1 : 0, &d);
  if (score) PutFloat(*score, &d);
  return d;
}

class TopicReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = &KafkaEnvironment::Get();
    registry_ = std::make_shared<SchemasTopicRegistry>(env_->cluster());
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
        if (status) *status = batch.status();
        else ADD_FAILURE() << batch.status().ToString();
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

  KafkaEnvironment* env_ = nullptr;
  std::shared_ptr<SchemasTopicRegistry> registry_;
  std::unique_ptr<Producer> producer_;
};

TEST_F(TopicReaderTest, RegistryKeepsVersionsAndIdsAcrossInstances) {
  const std::string topic = env_->NewTopic("registry", 1);
  const int32_t v1 = Register(topic, kPersonV1);
  const int32_t v2 = Register(topic, kPersonV2);
  EXPECT_NE(v1, v2);
  EXPECT_EQ(Register(topic, kPersonV1), v1);  // already there: same id, no new version
  // A fresh registry reads the same from the topic.
  SchemasTopicRegistry fresh(env_->cluster());
  auto versions = fresh.Versions(ValueSubject(topic));
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[0].id, v1);
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_EQ((*versions)[1].id, v2);
  auto byid = fresh.SchemaById(v2);
  ASSERT_TRUE(byid.ok());
  EXPECT_EQ((*byid)->root().fields.size(), 3u);
  EXPECT_EQ(fresh.SchemaById(987654).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(fresh.Versions("no-such-subject")->empty());
  EXPECT_EQ(registry_->Register(ValueSubject(topic), "{\"type\": \"nope\"}").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(TopicReaderTest, ReadsAPartitionWithMetadataColumns) {
  const std::string topic = env_->NewTopic("people", 3);
  const int32_t id = Register(topic, kPersonV2);
  for (int i = 0; i < 1000; ++i)
    Produce(topic, 1, Framed(id, PersonV2("p" + std::to_string(i), i, i % 3 ? std::optional<float>(i * 0.5f) : std::nullopt)),
            "k" + std::to_string(i), 1700000000000 + i);
  Produce(topic, 2, Framed(id, PersonV2("other", 1, 1.0f)));
  Flush();

  TopicReadOptions options;
  options.batch_rows = 300;
  auto source = Open(topic, 1, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(Columns(*(*source)->schema()),
            "name: utf8 not null, age: int32 not null, score: float32, _partition: int32 not null, "
            "_offset: int64 not null, _timestamp: timestamp[ms, tz=UTC], _key: binary");
  auto batches = ReadAll(**source);
  ASSERT_EQ(Rows(batches), 1000);
  EXPECT_EQ(batches.size(), 4u);  // 300 + 300 + 300 + 100
  int64_t i = 0;
  for (const auto& b : batches) {
    for (int64_t r = 0; r < b->num_rows; ++r, ++i) {
      ASSERT_EQ(Str(*b, "name", r), "p" + std::to_string(i));
      ASSERT_EQ(Value<int32_t>(*b, "age", r), i);
      const auto& score = *b->column(2);
      ASSERT_EQ(score.IsValid(r), i % 3 != 0);
      if (i % 3) {
        ASSERT_EQ(score.values<float>()[r], i * 0.5f);
      }
      ASSERT_EQ(Value<int32_t>(*b, "_partition", r), 1);
      ASSERT_EQ(Value<int64_t>(*b, "_offset", r), i);
      ASSERT_EQ(Value<int64_t>(*b, "_timestamp", r), 1700000000000 + i);
      ASSERT_EQ(Str(*b, "_key", r), "k" + std::to_string(i));
    }
  }
  EXPECT_EQ((*source)->stats().records, 1000);
  EXPECT_EQ((*source)->stats().next_offset, 1000);
}

TEST_F(TopicReaderTest, EvolvedSchemasResolveToOneReaderSchema) {
  const std::string topic = env_->NewTopic("evolving", 1);
  const int32_t v1 = Register(topic, kPersonV1);
  for (int i = 0; i < 5; ++i) Produce(topic, 0, Framed(v1, PersonV1("old" + std::to_string(i), i)));
  const int32_t v2 = Register(topic, kPersonV2);
  for (int i = 0; i < 5; ++i) Produce(topic, 0, Framed(v2, PersonV2("new" + std::to_string(i), 10 + i, 2.5f)));
  Produce(topic, 0, Framed(v1, PersonV1("old-again", 99)));
  Flush();

  // The latest version reads everything: old records get score's default.
  auto latest = Open(topic, 0);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  auto batches = ReadAll(**latest);
  ASSERT_EQ(batches.size(), 1u);
  const auto& b = *batches[0];
  ASSERT_EQ(b.num_rows, 11);
  EXPECT_EQ(ColumnIndex(*b.schema, "score"), 2);
  for (int64_t r = 0; r < 11; ++r) EXPECT_EQ(b.column(2)->IsValid(r), r >= 5 && r < 10) << r;
  EXPECT_EQ(Str(b, "name", 10), "old-again");
  EXPECT_EQ(Value<int32_t>(b, "age", 7), 12);

  // Version 1 as reader: the new field is dropped.
  TopicReadOptions options;
  options.schema_version = 1;
  auto old = Open(topic, 0, options);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  auto old_batches = ReadAll(**old);
  ASSERT_EQ(Rows(old_batches), 11);
  EXPECT_EQ(ColumnIndex(*old_batches[0]->schema, "score"), -1);
  EXPECT_EQ(Str(*old_batches[0], "name", 6), "new1");

  options.schema_version = 7;
  auto missing = Open(topic, 0, options);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("has no schema version 7 (it has 1, 2)"), std::string::npos)
      << missing.status().message();
}

TEST_F(TopicReaderTest, OffsetRangesMaxRecordsAndMetadataChoice) {
  const std::string topic = env_->NewTopic("ranges", 1);
  const int32_t id = Register(topic, kPersonV1);
  for (int i = 0; i < 100; ++i) Produce(topic, 0, Framed(id, PersonV1("r", i)));
  Flush();
  TopicReadOptions options;
  options.start_offset = 10;
  options.end_offset = 20;
  options.metadata = {"_offset"};
  auto source = Open(topic, 0, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(Columns(*(*source)->schema()), "name: utf8 not null, age: int32 not null, _offset: int64 not null");
  auto batches = ReadAll(**source);
  ASSERT_EQ(Rows(batches), 10);
  EXPECT_EQ(Value<int64_t>(*batches[0], "_offset", 0), 10);
  EXPECT_EQ(Value<int32_t>(*batches[0], "age", 9), 19);

  options = {};
  options.start_offset = 95;
  options.max_records = 3;
  options.metadata = {};
  source = Open(topic, 0, options);
  ASSERT_TRUE(source.ok());
  batches = ReadAll(**source);
  ASSERT_EQ(Rows(batches), 3);
  EXPECT_EQ(Value<int32_t>(*batches[0], "age", 0), 95);
  EXPECT_EQ((*source)->stats().next_offset, 98);

  options = {};
  options.start_offset = 500;  // past the end: nothing, not an error
  source = Open(topic, 0, options);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(Rows(ReadAll(**source)), 0);

  options = {};
  options.metadata = {"_offset", "_nope"};
  EXPECT_EQ(Open(topic, 0, options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TopicReaderTest, TimestampRanges) {
  const std::string topic = env_->NewTopic("times", 1);
  const int32_t id = Register(topic, kPersonV1);
  for (int i = 0; i < 50; ++i) Produce(topic, 0, Framed(id, PersonV1("t", i)), "", 1800000000000 + i * 1000);
  Flush();
  TopicReadOptions options;
  options.start_timestamp = 1800000000000 + 10 * 1000;
  options.end_timestamp = 1800000000000 + 20 * 1000;
  auto source = Open(topic, 0, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto batches = ReadAll(**source);
  ASSERT_EQ(Rows(batches), 10);
  EXPECT_EQ(Value<int32_t>(*batches[0], "age", 0), 10);
  EXPECT_EQ(Value<int32_t>(*batches.back(), "age", batches.back()->num_rows - 1), 19);
}

TEST_F(TopicReaderTest, UndecodableMessagesFailNamingTheOffsetOrAreSkippedAndCounted) {
  const std::string topic = env_->NewTopic("broken", 1);
  const int32_t id = Register(topic, kPersonV2);
  Produce(topic, 0, Framed(id, PersonV2("good0", 0, 1.0f)));
  Produce(topic, 0, Framed(id, PersonV2("good1", 1, 1.0f)));
  std::string truncated = Framed(id, PersonV2("truncated", 2, 1.0f));
  truncated.resize(truncated.size() - 3);
  Produce(topic, 0, truncated);                          // offset 2
  Produce(topic, 0, Framed(4242, PersonV1("x", 1)));    // offset 3: unknown schema id
  Produce(topic, 0, "plain text, not Avro");            // offset 4: no wire format
  Produce(topic, 0, Framed(id, PersonV2("good5", 5, std::nullopt)));
  Flush();

  auto strict = Open(topic, 0);
  ASSERT_TRUE(strict.ok());
  Status status;
  ReadAll(**strict, &status);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("partition 0 offset 2"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("truncated"), std::string::npos) << status.message();

  TopicReadOptions options;
  options.skip_errors = true;
  auto lenient = Open(topic, 0, options);
  ASSERT_TRUE(lenient.ok());
  auto batches = ReadAll(**lenient);
  ASSERT_EQ(batches.size(), 1u);
  const auto& b = *batches[0];
  ASSERT_EQ(b.num_rows, 3);
  EXPECT_EQ(Str(b, "name", 0), "good0");
  EXPECT_EQ(Str(b, "name", 1), "good1");
  EXPECT_EQ(Str(b, "name", 2), "good5");
  EXPECT_FALSE(b.column(2)->IsValid(2));
  EXPECT_EQ(Value<int64_t>(b, "_offset", 2), 5);
  EXPECT_EQ((*lenient)->stats().skipped, 3);
}

TEST_F(TopicReaderTest, FollowModeTailsUntilCancelled) {
  const std::string topic = env_->NewTopic("tail", 1);
  const int32_t id = Register(topic, kPersonV1);
  Produce(topic, 0, Framed(id, PersonV1("before", 0)));
  Flush();
  std::atomic<bool> cancel{false};
  TopicReadOptions options;
  options.follow = true;
  options.linger_ms = 50;
  auto source = PartitionSource::Open(env_->cluster(), registry_, topic, 0, options, [&] { return cancel.load(); });
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto first = (*source)->Next();
  ASSERT_TRUE(first.ok() && *first != nullptr);
  EXPECT_EQ(Str(**first, "name", 0), "before");
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Produce(topic, 0, Framed(id, PersonV1("after", 1)));
    Flush();
  });
  auto second = (*source)->Next();  // waits for the message produced later
  later.join();
  ASSERT_TRUE(second.ok() && *second != nullptr) << second.status().ToString();
  EXPECT_EQ(Str(**second, "name", 0), "after");
  cancel = true;
  EXPECT_EQ((*source)->Next().status().code(), StatusCode::kCancelled);
}

TEST_F(TopicReaderTest, EmptyRawAndMissing) {
  const std::string empty = env_->NewTopic("empty", 2);
  Register(empty, kPersonV1);
  auto source = Open(empty, 1);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(Rows(ReadAll(**source)), 0);
  EXPECT_EQ((*source)->schema()->field(0)->name(), "name");

  const std::string raw = env_->NewTopic("raw", 1);
  Produce(raw, 0, "{\"json\": 1}", "key");
  Produce(raw, 0, "");
  Flush();
  auto raw_source = Open(raw, 0);
  ASSERT_TRUE(raw_source.ok()) << raw_source.status().ToString();
  auto batches = ReadAll(**raw_source);
  ASSERT_EQ(Rows(batches), 2);
  EXPECT_EQ(Str(*batches[0], "_value", 0), "{\"json\": 1}");
  EXPECT_EQ(Str(*batches[0], "_key", 0), "key");

  EXPECT_EQ(Open(empty, 2).status().code(), StatusCode::kNotFound);
  auto missing = Open("no-such-topic-anywhere", 0);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

TEST_F(TopicReaderTest, BrokerErrorsAreRetriedWhenTransientAndReportedWhenNot) {
  const std::string topic = env_->NewTopic("faults", 1);
  const int32_t id = Register(topic, kPersonV1);
  for (int i = 0; i < 20; ++i) Produce(topic, 0, Framed(id, PersonV1("f", i)));
  Flush();
  // A leader moving twice: librdkafka retries, the read is whole.
  env_->dev().FailNextRequests(1, {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE});
  auto source = Open(topic, 0);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(Rows(ReadAll(**source)), 20);
  // The faults below are armed only once no reader is fetching: a fetch
  // still in flight from a stopped reader would take them. Several are armed
  // (any fetch of the new reader meets one) and the rest cleared after.
  auto quiet = [&] {
    source->reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  };
  quiet();

  // Not allowed to read: the stream fails, saying so.
  env_->dev().FailNextRequests(1, std::vector<rd_kafka_resp_err_t>(3, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
  source = Open(topic, 0);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  Status status;
  ReadAll(**source, &status);
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << status.ToString();
  EXPECT_NE(status.message().find(topic), std::string::npos) << status.message();
  quiet();
  env_->dev().ClearFailures(1);

  // Records gone from under the reader (retention): an error, never a silent jump to the end.
  env_->dev().FailNextRequests(1, std::vector<rd_kafka_resp_err_t>(3, RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE));
  source = Open(topic, 0);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ReadAll(**source, &status);
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange) << status.ToString();
  quiet();
  env_->dev().ClearFailures(1);
}

TEST_F(TopicReaderTest, ALogWhoseStartMovedReadsFromItsFirstRecord) {
  const std::string topic = env_->NewTopic("retention", 1);
  const int32_t id = Register(topic, kPersonV1);
  const std::string padding(2000, 'p');
  for (int i = 0; i < 4000; ++i) Produce(topic, 0, Framed(id, PersonV1(padding, i)));
  Flush();
  auto marks = env_->cluster()->Watermarks(topic, 0);
  ASSERT_TRUE(marks.ok());
  ASSERT_GT(marks->low, 0) << "8 MB produced, the mock keeps 5 MiB";
  TopicReadOptions options;
  options.start_offset = 0;
  options.metadata = {"_offset"};
  auto source = Open(topic, 0, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto batches = ReadAll(**source);
  ASSERT_EQ(Rows(batches), marks->high - marks->low);
  EXPECT_EQ(Value<int64_t>(*batches[0], "_offset", 0), marks->low);
  EXPECT_EQ(Value<int32_t>(*batches[0], "age", 0), marks->low);
}

TEST_F(TopicReaderTest, ManyPartitions) {
  const int partitions = 24;
  const std::string topic = env_->NewTopic("many", partitions);
  const int32_t id = Register(topic, kPersonV1);
  for (int i = 0; i < 2400; ++i) Produce(topic, i % partitions, Framed(id, PersonV1("m", i)));
  Flush();
  int64_t total = 0, sum = 0;
  for (int p = 0; p < partitions; ++p) {
    auto source = Open(topic, p);
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    for (const auto& b : ReadAll(**source)) {
      total += b->num_rows;
      for (int64_t r = 0; r < b->num_rows; ++r) {
        EXPECT_EQ(Value<int32_t>(*b, "age", r) % partitions, p);
        sum += Value<int32_t>(*b, "age", r);
      }
    }
  }
  EXPECT_EQ(total, 2400);
  EXPECT_EQ(sum, 2399 * 2400 / 2);
}

TEST_F(TopicReaderTest, ClusterListsAndDescribesTopics) {
  const std::string topic = env_->NewTopic("listed", 4);
  const int32_t id = Register(topic, kPersonV1);
  for (int p = 0; p < 4; ++p)
    for (int i = 0; i <= p; ++i) Produce(topic, p, Framed(id, PersonV1("x", i)));
  Flush();
  auto topics = env_->cluster()->DescribeTopics();
  ASSERT_TRUE(topics.ok());
  auto named = [&](const std::string& name) {
    return std::find_if(topics->begin(), topics->end(), [&](const TopicInfo& t) { return t.name == name; });
  };
  ASSERT_NE(named(topic), topics->end());
  EXPECT_EQ(named(topic)->records(), 10);
  EXPECT_EQ(named("_schemas"), topics->end());
  auto info = env_->cluster()->DescribeTopic(topic);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->partitions.size(), 4u);
  EXPECT_EQ(info->partitions[3].high, 4);
  EXPECT_EQ(info->records(), 10);
}

}  // namespace
}  // namespace hangar::kafka
