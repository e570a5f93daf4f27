// The topic reader against a real Apache Kafka broker (one per suite, see
// broker_environment.h): schemas from the `_schemas` topic, evolution,
// offset and timestamp ranges, follow mode, bad messages, many partitions,
// and what only a real broker does: transaction markers and aborted records,
// and the broker's own append time.
#include <map>

#include "broker_environment.h"
#include "topic_reader_fixture.h"

namespace hangar::kafka {
namespace {

using testing::Framed;

class TopicReaderBrokerTest : public TopicReaderFixture {
 protected:
  testing::TopicEnvironment& Environment() override { return testing::BrokerEnvironment::Get(); }
};

TEST_F(TopicReaderBrokerTest, ReadsAPartitionWithMetadataColumns) {
  const std::string topic = env_->NewTopic("people", 3);
  const int32_t id = Register(topic, kPersonV2);
  for (int i = 0; i < 1000; ++i)
    Produce(topic, 1,
            Framed(id, PersonV2("p" + std::to_string(i), i, i % 3 ? std::optional<float>(i * 0.5f) : std::nullopt)),
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

TEST_F(TopicReaderBrokerTest, EvolvedSchemasResolveToOneReaderSchema) {
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

TEST_F(TopicReaderBrokerTest, OffsetRangesMaxRecordsAndMetadataChoice) {
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

TEST_F(TopicReaderBrokerTest, TimestampRanges) {
  const std::string topic = env_->NewTopic("times", 1);
  const int32_t id = Register(topic, kPersonV1);
  // A day ago: Kafka 4 refuses message times more than an hour ahead of its
  // clock (log.message.timestamp.after.max.ms), which the mock never did.
  const int64_t base = std::chrono::duration_cast<std::chrono::milliseconds>(
                           (std::chrono::system_clock::now() - std::chrono::hours(24)).time_since_epoch())
                           .count();
  for (int i = 0; i < 50; ++i) Produce(topic, 0, Framed(id, PersonV1("t", i)), "", base + i * 1000);
  Flush();
  TopicReadOptions options;
  options.start_timestamp = base + 10 * 1000;
  options.end_timestamp = base + 20 * 1000;
  auto source = Open(topic, 0, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto batches = ReadAll(**source);
  ASSERT_EQ(Rows(batches), 10);
  EXPECT_EQ(Value<int32_t>(*batches[0], "age", 0), 10);
  EXPECT_EQ(Value<int32_t>(*batches.back(), "age", batches.back()->num_rows - 1), 19);
}

TEST_F(TopicReaderBrokerTest, UndecodableMessagesFailNamingTheOffsetOrAreSkippedAndCounted) {
  const std::string topic = env_->NewTopic("broken", 1);
  const int32_t id = Register(topic, kPersonV2);
  Produce(topic, 0, Framed(id, PersonV2("good0", 0, 1.0f)));
  Produce(topic, 0, Framed(id, PersonV2("good1", 1, 1.0f)));
  std::string truncated = Framed(id, PersonV2("truncated", 2, 1.0f));
  truncated.resize(truncated.size() - 3);
  Produce(topic, 0, truncated);                       // offset 2
  Produce(topic, 0, Framed(4242, PersonV1("x", 1)));  // offset 3: unknown schema id
  Produce(topic, 0, "plain text, not Avro");          // offset 4: no wire format
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

TEST_F(TopicReaderBrokerTest, FollowModeTailsUntilCancelled) {
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

TEST_F(TopicReaderBrokerTest, EmptyRawAndMissing) {
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

TEST_F(TopicReaderBrokerTest, ManyPartitions) {
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

TEST_F(TopicReaderBrokerTest, ClusterListsAndDescribesTopics) {
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

TEST_F(TopicReaderBrokerTest, RegistryKeepsVersionsAndIdsAcrossInstances) {
  const std::string topic = env_->NewTopic("registry", 1);
  const int32_t v1 = Register(topic, kPersonV1);
  const int32_t v2 = Register(topic, kPersonV2);
  EXPECT_NE(v1, v2);
  EXPECT_EQ(Register(topic, kPersonV1), v1);  // already there: same id, no new version
  // A fresh registry reads the same from the topic.
  SchemasTopicRegistry fresh(env_->cluster(), env_->schemas_topic());
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

// A transactional producer (raw librdkafka): each Run is one transaction
// of raw values into partition 0, committed or aborted. The mock cluster
// writes no transaction markers, so only a real broker shows what a reader
// makes of them.
class TransactionalProducer {
 public:
  explicit TransactionalProducer(const KafkaOptions& options) {
    auto conf = MakeConf(options, {{"transactional.id", "hangar-test-" + std::to_string(::getpid())}});
    EXPECT_TRUE(conf.ok()) << conf.status().ToString();
    auto handle = NewClient(RD_KAFKA_PRODUCER, std::move(*conf));
    EXPECT_TRUE(handle.ok()) << handle.status().ToString();
    handle_ = std::move(*handle);
    Check(rd_kafka_init_transactions(handle_.get(), 60000));
  }
  void Run(const std::string& topic, const std::vector<std::string>& values, bool commit) {
    Check(rd_kafka_begin_transaction(handle_.get()));
    for (const auto& v : values) {
      const rd_kafka_resp_err_t err =
          rd_kafka_producev(handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                            RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    }
    // Written before the end: an abort purges what is still queued, and an
    // aborted transaction must leave records in the log for the test to mean anything.
    EXPECT_EQ(rd_kafka_flush(handle_.get(), 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
    Check(commit ? rd_kafka_commit_transaction(handle_.get(), 60000)
                 : rd_kafka_abort_transaction(handle_.get(), 60000));
  }

 private:
  static void Check(rd_kafka_error_t* error) {
    if (error == nullptr) return;
    ADD_FAILURE() << rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
  }
  KafkaHandle handle_;
};

TEST_F(TopicReaderBrokerTest, TransactionMarkersAndAbortedRecordsAreNeverRows) {
  const std::string topic = env_->NewTopic("transactions", 1);
  {
    TransactionalProducer producer(env_->options());
    producer.Run(topic, {"c0", "c1", "c2"}, true);  // offsets 0-2, marker 3
    producer.Run(topic, {"a0", "a1"}, false);       // offsets 4-5, abort marker 6
    producer.Run(topic, {"c3", "c4"}, true);        // offsets 7-8, marker 9
  }
  TopicReadOptions options;
  options.metadata = {"_offset"};
  auto committed = Open(topic, 0, options);
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  auto batches = ReadAll(**committed);
  std::vector<std::string> values;
  std::vector<int64_t> offsets;
  for (const auto& b : batches)
    for (int64_t r = 0; r < b->num_rows; ++r) {
      values.push_back(Str(*b, "_value", r));
      offsets.push_back(Value<int64_t>(*b, "_offset", r));
    }
  EXPECT_EQ(values, (std::vector<std::string>{"c0", "c1", "c2", "c3", "c4"}));
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 1, 2, 7, 8}));
  EXPECT_EQ((*committed)->stats().next_offset, 10) << "past the last marker";

  options.read_uncommitted = true;
  auto all = Open(topic, 0, options);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Rows(ReadAll(**all)), 7) << "aborted records too, never the markers";
}

TEST_F(TopicReaderBrokerTest, LogAppendTimeTopicsGiveTheBrokersTime) {
  auto& broker = testing::BrokerEnvironment::Get();
  const std::string topic = broker.NewTopic("append-time", 1, {{"message.timestamp.type", "LogAppendTime"}});
  const int64_t before =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  Produce(topic, 0, "v", "", 1000);  // the producer's time, which the broker replaces
  Flush();
  const int64_t after =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto source = Open(topic, 0);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto batches = ReadAll(**source);
  ASSERT_EQ(Rows(batches), 1);
  const int64_t stamp = Value<int64_t>(*batches[0], "_timestamp", 0);
  EXPECT_GE(stamp, before - 1000) << "the broker's clock, not the producer's 1000";
  EXPECT_LE(stamp, after + 1000);
}

TEST_F(TopicReaderBrokerTest, ACompactedTopicServesTheSurvivorsAcrossTheGaps) {
  auto& broker = testing::BrokerEnvironment::Get();
  // Segments roll every 100 ms (segment.bytes may not go under 1 MiB on
  // Kafka 4) and the cleaner takes any segment with a dirty key.
  const std::string topic = broker.NewTopic("compacted", 1,
                                            {{"cleanup.policy", "compact"},
                                             {"min.cleanable.dirty.ratio", "0.01"},
                                             {"segment.ms", "100"},
                                             {"min.compaction.lag.ms", "0"},
                                             {"max.compaction.lag.ms", "100"},
                                             {"delete.retention.ms", "100"}});
  // Each round rewrites key0..key4 and adds a key of its own: compaction
  // keeps the round keys and the latest key0..key4, so gaps open between.
  for (int round = 0; round < 20; ++round) {
    for (int k = 0; k < 5; ++k) Produce(topic, 0, "round" + std::to_string(round), "key" + std::to_string(k));
    Produce(topic, 0, "own", "round" + std::to_string(round));
    Flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  struct Row {
    int64_t offset;
    std::string key, value;
  };
  auto read = [&] {
    std::vector<Row> rows;
    TopicReadOptions options;
    options.metadata = {"_offset", "_key"};
    auto source = Open(topic, 0, options);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    if (!source.ok()) return rows;
    for (const auto& b : ReadAll(**source))
      for (int64_t r = 0; r < b->num_rows; ++r)
        rows.push_back({Value<int64_t>(*b, "_offset", r), Str(*b, "_key", r), Str(*b, "_value", r)});
    EXPECT_EQ((*source)->stats().records, static_cast<int64_t>(rows.size()));
    return rows;
  };
  auto has_gap = [](const std::vector<Row>& rows) {
    for (size_t i = 1; i < rows.size(); ++i)
      if (rows[i].offset - rows[i - 1].offset > 1) return true;
    return false;
  };
  std::vector<Row> rows = read();
  // The cleaner runs on the broker's schedule: wait for it, rolling the
  // active segment with a filler now and then (bounded, not timed).
  for (int attempt = 0; attempt < 180 && !has_gap(rows); ++attempt) {
    Produce(topic, 0, "filler", "filler");
    Flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    rows = read();
  }
  ASSERT_TRUE(has_gap(rows)) << "the broker did not compact " << topic;
  std::map<std::string, std::string> latest;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(rows[i - 1].offset, rows[i].offset);
    }
    latest[rows[i].key] = rows[i].value;
  }
  for (int round = 0; round < 20; ++round) EXPECT_EQ(latest["round" + std::to_string(round)], "own") << round;
  for (int k = 0; k < 5; ++k) EXPECT_EQ(latest["key" + std::to_string(k)], "round19") << k;
}

}  // namespace
}  // namespace hangar::kafka
