// The topic reader against librdkafka's mock cluster, for what only the
// mock can do: inject broker errors (every time, where a real broker shows
// them now and then), and drop a partition's oldest records (it keeps 5 MiB).
// Everything else runs on the real broker (topic_reader_broker_test.cc).
#include "topic_reader_fixture.h"

namespace hangar::kafka {
namespace {

using testing::Framed;
using testing::KafkaEnvironment;

class TopicReaderTest : public TopicReaderFixture {
 protected:
  testing::TopicEnvironment& Environment() override { return KafkaEnvironment::Get(); }
  KafkaEnvironment& mock() { return KafkaEnvironment::Get(); }
};

TEST_F(TopicReaderTest, BrokerErrorsAreRetriedWhenTransientAndReportedWhenNot) {
  const std::string topic = env_->NewTopic("faults", 1);
  const int32_t id = Register(topic, kPersonV1);
  for (int i = 0; i < 20; ++i) Produce(topic, 0, Framed(id, PersonV1("f", i)));
  Flush();
  // A leader moving twice: librdkafka retries, the read is whole.
  mock().dev().FailNextRequests(1,
                                {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE});
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
  mock().dev().FailNextRequests(1, std::vector<rd_kafka_resp_err_t>(3, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
  source = Open(topic, 0);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  Status status;
  ReadAll(**source, &status);
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << status.ToString();
  EXPECT_NE(status.message().find(topic), std::string::npos) << status.message();
  quiet();
  mock().dev().ClearFailures(1);

  // Records gone from under the reader (retention): an error, never a silent jump to the end.
  mock().dev().FailNextRequests(1, std::vector<rd_kafka_resp_err_t>(3, RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE));
  source = Open(topic, 0);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ReadAll(**source, &status);
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange) << status.ToString();
  quiet();
  mock().dev().ClearFailures(1);
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

TEST_F(TopicReaderTest, WatermarksWaitForAPartitionsLeader) {
  // What a real broker answers for a moment after CreateTopics (seen in
  // kafka_broker_tests), made to happen every time: the mock's injected errors.
  const std::string topic = env_->NewTopic("leaderless", 1);
  constexpr int16_t kListOffsets = 2;
  mock().dev().FailNextRequests(kListOffsets,
                                {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
                                 RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION});
  auto marks = env_->cluster()->Watermarks(topic, 0);
  mock().dev().ClearFailures(kListOffsets);
  ASSERT_TRUE(marks.ok()) << marks.status().ToString();
  EXPECT_EQ(marks->high, 0);
}

}  // namespace
}  // namespace hangar::kafka
