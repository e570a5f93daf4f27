// Topics through a server (a node in the test's process) over Flight, on a
// real Apache Kafka broker (tests/kafka/broker_environment.h: one for the
// suite): DoPut into a topic with the broker's acknowledgements and back,
// schema evolution, refusals that write nothing, and follow mode.
#include <gtest/gtest.h>

#include <thread>

#include "kafka/broker_environment.h"
#include "support/node_server.h"
#include "support/temp_data_dir.h"
#include "topic_rows.h"

namespace hangar {
namespace {

using testing::People;
using testing::Put;
using testing::ReadEndpoints;
using testing::ReadTopic;

kafka::testing::BrokerEnvironment& Broker() { return kafka::testing::BrokerEnvironment::Get(); }

// A node serving the suite's broker, its schemas in this process's schemas topic.
class TopicsBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::NodeServer>(dir_.str(), [](server::NodeOptions& options) {
      options.kafka = server::KafkaSettings();
      options.kafka->client = Broker().options();
      options.kafka->schemas_topic = Broker().schemas_topic();
    });
    ASSERT_TRUE(server_->started());
  }

  testing::TempDataDir dir_;
  std::unique_ptr<testing::NodeServer> server_;
};

TEST_F(TopicsBroker, PutIntoATopicReadsBackAndEvolvesItsSchema) {
  const std::string people = Broker().NewTopic("people", 3);
  auto client = server_->Connect();
  const auto d = flight::FlightDescriptor::Path({"kafka", people});

  auto results = Put(*client, d, {People(0, 100), People(100, 50)});
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 2u);
  int64_t acknowledged = 0;
  for (const auto& p : (*results)[1]["partitions"]) acknowledged += p["messages"].get<int64_t>();
  EXPECT_EQ(acknowledged, 50);
  const int first_schema = (*results)[0]["schema_id"];

  arrow::SchemaPtr schema;
  auto rows = ReadTopic(*client, people, &schema);
  ASSERT_EQ(rows.size(), 150u);
  EXPECT_EQ(schema->field(4)->ToString(), "tags: list<item: int32 not null>");
  EXPECT_EQ(rows[5]["name"], "\"person5\"");
  EXPECT_EQ(rows[8]["name"], "null");
  EXPECT_EQ(rows[9]["score"], "1.125");
  EXPECT_EQ(rows[9]["at"], "2023-11-14 22:13:20.009009Z");
  EXPECT_EQ(rows[5]["tags"], "[0, 1]");
  EXPECT_EQ(rows[5]["_key"], "6B35");  // "k5", as binary

  // A new nullable-with-default column is a compatible version: registered, written.
  auto evolved = Put(*client, d, {People(1000, 10, /*with_city=*/true)});
  ASSERT_FALSE(evolved.ok()) << "city is not nullable, so old records cannot get a default";
  EXPECT_EQ(evolved.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(evolved.status().message().find("city"), std::string::npos) << evolved.status().message();
  EXPECT_EQ(ReadTopic(*client, people).size(), 150u) << "a refused put writes nothing";

  // The same columns, city nullable: fits as a new version.
  auto with_city = People(2000, 10, true);
  auto fields = with_city->schema->fields();
  fields[5] = arrow::field("city", arrow::utf8(), true);
  auto nullable_city = arrow::MakeRecordBatch(arrow::schema(fields), with_city->num_rows, with_city->columns);
  auto second = Put(*client, d, {nullable_city});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE((*second)[0]["schema_id"].get<int>(), first_schema);
  rows = ReadTopic(*client, people, &schema);
  ASSERT_EQ(rows.size(), 160u);
  EXPECT_EQ(rows[5]["city"], "null");
  EXPECT_EQ(rows[2001]["city"], "\"city1\"");

  // Columns that neither fit nor evolve: refused, nothing written.
  auto bad = arrow::MakeRecordBatch(arrow::schema({arrow::field("id", arrow::utf8(), false)}), 1, {[] {
                                      arrow::BinaryBuilder b(arrow::utf8());
                                      b.Append("x");
                                      return b.Finish().value();
                                    }()});
  auto refused = Put(*client, d, {bad});
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("'id'"), std::string::npos) << refused.status().message();
  EXPECT_EQ(ReadTopic(*client, people).size(), 160u);

  // Writing to a topic that does not exist is NOT_FOUND.
  auto missing = Put(*client, flight::FlightDescriptor::Path({"kafka", "nowhere"}), {People(0, 1)});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(TopicsBroker, FollowModeStreamsNewMessagesUntilTheClientCancels) {
  const std::string live = Broker().NewTopic("live", 3);
  auto client = server_->Connect();
  const auto d = flight::FlightDescriptor::Path({"kafka", live});
  ASSERT_TRUE(Put(*client, d, {People(0, 3)}).ok());
  auto info = client->GetFlightInfo(d);
  ASSERT_TRUE(info.ok());
  // Follow every partition's ticket from one reader per partition: read what is there, then what comes.
  std::vector<std::unique_ptr<flight::RecordBatchReader>> readers;
  for (const auto& e : info->endpoints) {
    auto ticket = nlohmann::json::parse(e.ticket.ticket);
    ticket["follow"] = true;
    auto reader = client->DoGet(flight::Ticket{ticket.dump()});
    ASSERT_TRUE(reader.ok());
    readers.push_back(std::move(*reader));
  }
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto other = server_->Connect();
    EXPECT_TRUE(Put(*other, d, {People(100, 5)}).ok());
  });
  // Each partition's stream stays open; together they deliver all 8 rows.
  int64_t rows = 0;
  std::vector<std::thread> pumps;
  std::atomic<int64_t> seen{0};
  for (auto& r : readers) {
    pumps.emplace_back([&seen, reader = r.get()] {
      while (true) {
        auto chunk = reader->Next();
        if (!chunk.ok() || chunk->end()) return;
        if (chunk->data) seen += chunk->data->num_rows;
      }
    });
  }
  for (int i = 0; i < 100 && seen < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  later.join();
  rows = seen;
  EXPECT_EQ(rows, 8);
  for (auto& r : readers) r->Cancel();
  for (auto& p : pumps) p.join();
}

TEST_F(TopicsBroker, AMessageTimeTheBrokerRefusesIsInvalidArgument) {
  // Kafka 4 refuses message times more than an hour ahead of its clock
  // (log.message.timestamp.after.max.ms); the mock took any time.
  const std::string topic = Broker().NewTopic("future", 1);
  auto client = server_->Connect();
  const int64_t in_two_days = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  (std::chrono::system_clock::now() + std::chrono::hours(48)).time_since_epoch())
                                  .count();
  arrow::PrimitiveBuilder<int64_t> id(arrow::int64());
  arrow::PrimitiveBuilder<int64_t> at(arrow::timestamp(arrow::TimeUnit::kMilli, "UTC"));
  id.Append(1);
  at.Append(in_two_days);
  auto batch = arrow::MakeRecordBatch(
      arrow::schema({arrow::field("id", arrow::int64(), false),
                     arrow::field("_timestamp", arrow::timestamp(arrow::TimeUnit::kMilli, "UTC"), false)}),
      1, {id.Finish().value(), at.Finish().value()});
  auto put = Put(*client, flight::FlightDescriptor::Path({"kafka", topic}), {batch});
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument) << put.status().ToString();
  EXPECT_NE(put.status().message().find("log.message.timestamp.after.max.ms"), std::string::npos)
      << put.status().ToString();
}

}  // namespace
}  // namespace hangar
