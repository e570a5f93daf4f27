// Listeners (kafka/listener.h) against the mock cluster: per-schema batches
// with an early return on a schema change, the message bound, undecodable
// messages, raw values, interruption. The real-broker suite (consumer
// groups, every Avro type against fastavro) is
// tests/interop/python/test_python_listener.py.
#include "kafka/listener.h"

#include <gtest/gtest.h>

#include "topic_reader_fixture.h"

namespace hangar::kafka {
namespace {

using testing::KafkaEnvironment;

const char* kA = R"({"type": "record", "name": "A", "namespace": "t", "fields": [{"name": "x", "type": "long"}]})";
const char* kB = R"({"type": "record", "name": "B", "namespace": "t", "fields": [{"name": "y", "type": "string"}]})";

std::string LongDatum(int64_t v) {
  std::string d;
  PutLong(v, &d);
  return d;
}
std::string StringDatum(const std::string& s) {
  std::string d;
  PutString(s, &d);
  return d;
}

class ListenerTest : public TopicReaderFixture {
 protected:
  testing::TopicEnvironment& Environment() override { return KafkaEnvironment::Get(); }
  void Produce(const std::string& topic, const std::string& value) { TopicReaderFixture::Produce(topic, 0, value); }

  std::unique_ptr<Listener> Open(const std::string& topic, bool raw = false) {
    ListenerOptions options;
    options.topics = {topic};
    auto listener = Listener::Open(env_->options(), raw ? nullptr : registry_, options);
    EXPECT_TRUE(listener.ok()) << listener.status().ToString();
    return listener.ok() ? std::move(*listener) : nullptr;
  }

  // Polls until a batch comes (or 30 s pass).
  static PolledBatch PollSome(Listener& listener, int64_t max) {
    for (int i = 0; i < 30; ++i) {
      auto polled = listener.Poll(max, 1000);
      EXPECT_TRUE(polled.ok()) << polled.status().ToString();
      if (!polled.ok() || polled->batch != nullptr) return polled.ok() ? *polled : PolledBatch{};
    }
    ADD_FAILURE() << "no batch within 30 s";
    return {};
  }

  static std::vector<int64_t> Offsets(const PolledBatch& polled) {
    const auto& b = *polled.batch;
    const int column = b.schema->GetFieldIndex("_offset");
    const auto* values = b.column(column)->values<int64_t>();
    return {values, values + b.num_rows};
  }
};

TEST_F(ListenerTest, BatchesAreHomogeneousAndEndAtASchemaChange) {
  const std::string topic = env_->NewTopic("listen-mixed", 1);
  const int32_t a = Register(topic, kA);
  const int32_t b = Register(topic + "-other", kB);
  for (int i = 0; i < 3; ++i) Produce(topic, Framed(a, LongDatum(i)));
  for (int i = 0; i < 2; ++i) Produce(topic, Framed(b, StringDatum("b" + std::to_string(i))));
  Produce(topic, Framed(a, LongDatum(7)));
  Flush();

  auto listener = Open(topic);
  ASSERT_NE(listener, nullptr);
  PolledBatch first = PollSome(*listener, 100);
  ASSERT_NE(first.batch, nullptr);
  EXPECT_EQ(first.message_type, "t.A");
  EXPECT_EQ(first.schema_id, a);
  EXPECT_EQ(first.batch->schema->field(0)->name(), "x");
  EXPECT_EQ(Offsets(first), (std::vector<int64_t>{0, 1, 2}));
  PolledBatch second = PollSome(*listener, 100);
  ASSERT_NE(second.batch, nullptr);
  EXPECT_EQ(second.message_type, "t.B");
  EXPECT_EQ(Offsets(second), (std::vector<int64_t>{3, 4}));
  PolledBatch third = PollSome(*listener, 100);
  ASSERT_NE(third.batch, nullptr);
  EXPECT_EQ(third.message_type, "t.A");
  EXPECT_EQ(third.batch->column(0)->values<int64_t>()[0], 7);
  auto nothing = listener->Poll(100, 200);
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(nothing->batch, nullptr);
}

TEST_F(ListenerTest, TheMessageBoundSplitsBatches) {
  const std::string topic = env_->NewTopic("listen-bound", 1);
  const int32_t a = Register(topic, kA);
  for (int i = 0; i < 25; ++i) Produce(topic, Framed(a, LongDatum(i)));
  Flush();
  auto listener = Open(topic);
  ASSERT_NE(listener, nullptr);
  std::vector<int64_t> sizes;
  int64_t rows = 0;
  while (rows < 25) {
    PolledBatch polled = PollSome(*listener, 10);
    ASSERT_NE(polled.batch, nullptr);
    sizes.push_back(polled.batch->num_rows);
    rows += polled.batch->num_rows;
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{10, 10, 5}));
}

TEST_F(ListenerTest, AnUndecodableMessageIsAnErrorAndTheRestIsKept) {
  const std::string topic = env_->NewTopic("listen-bad", 1);
  const int32_t a = Register(topic, kA);
  Produce(topic, Framed(a, LongDatum(1)));
  Produce(topic, Framed(a, "\x81"));           // a varint cut after a continuation byte
  Produce(topic, Framed(9999, LongDatum(2)));  // an id the registry lacks
  Produce(topic, Framed(a, LongDatum(3)));
  Flush();
  auto listener = Open(topic);
  ASSERT_NE(listener, nullptr);
  std::vector<std::string> errors;
  std::vector<int64_t> values;
  for (int i = 0; i < 30 && values.size() < 2; ++i) {
    auto polled = listener->Poll(100, 1000);
    if (!polled.ok()) {
      EXPECT_EQ(polled.status().code(), StatusCode::kDataLoss);
      errors.push_back(polled.status().message());
      continue;
    }
    if (polled->batch == nullptr) continue;
    const auto* v = polled->batch->column(0)->values<int64_t>();
    values.insert(values.end(), v, v + polled->batch->num_rows);
  }
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("Kafka topic '" + topic + "' partition 0 offset 1: "), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("offset 2: schema id 9999"), std::string::npos) << errors[1];
  EXPECT_EQ(values, (std::vector<int64_t>{1, 3}));
}

TEST_F(ListenerTest, RawValuesWithoutARegistry) {
  const std::string topic = env_->NewTopic("listen-raw", 1);
  Produce(topic, "plain bytes");
  Flush();
  auto listener = Open(topic, /*raw=*/true);
  ASSERT_NE(listener, nullptr);
  PolledBatch polled = PollSome(*listener, 10);
  ASSERT_NE(polled.batch, nullptr);
  EXPECT_EQ(polled.message_type, "");
  EXPECT_FALSE(polled.schema_id.has_value());
  EXPECT_EQ(polled.batch->schema->field(0)->name(), "_value");
  EXPECT_EQ(polled.batch->column(0)->GetBinary(0), "plain bytes");
}

TEST_F(ListenerTest, AnInterruptedPollKeepsWhatItRead) {
  const std::string topic = env_->NewTopic("listen-interrupt", 1);
  const int32_t a = Register(topic, kA);
  for (int i = 0; i < 4; ++i) Produce(topic, Framed(a, LongDatum(i)));
  Flush();
  auto listener = Open(topic);
  ASSERT_NE(listener, nullptr);
  // Asks for more than there is, so the poll waits, and is interrupted at its first slice's end
  // (what it read by then, decoded or not, stays for the next poll).
  auto interrupted = listener->Poll(100, 60000, [] { return true; });
  ASSERT_EQ(interrupted.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(interrupted.status().message(), "the poll was interrupted");
  std::vector<int64_t> offsets;
  for (int i = 0; i < 30 && offsets.size() < 4; ++i) {
    auto polled = listener->Poll(100, 500);
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    if (polled->batch == nullptr) continue;
    for (int64_t o : Offsets(*polled)) offsets.push_back(o);
  }
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST_F(ListenerTest, BadArgumentsAreRefusedByName) {
  ListenerOptions options;
  EXPECT_EQ(Listener::Open(env_->options(), registry_, options).status().message(), "no topics to listen to");
  options.topics = {"listen-nowhere"};
  EXPECT_EQ(Listener::Open(env_->options(), registry_, options).status().code(), StatusCode::kNotFound);
  options.topics = {env_->NewTopic("listen-args", 1)};
  options.metadata = {"_nope"};
  EXPECT_NE(
      Listener::Open(env_->options(), registry_, options).status().message().find("unknown metadata column '_nope'"),
      std::string::npos);
  options.metadata = AllMetadataColumns();
  options.group_id = "g";
  options.start = ListenerOptions::Start::kLatest;
  EXPECT_EQ(Listener::Open(env_->options(), registry_, options).status().code(), StatusCode::kInvalidArgument);
  options.group_id.reset();
  auto listener = Listener::Open(env_->options(), registry_, options);
  ASSERT_TRUE(listener.ok()) << listener.status().ToString();
  EXPECT_NE((*listener)->Poll(0, 10).status().message().find("must be positive"), std::string::npos);
}

}  // namespace
}  // namespace hangar::kafka
