// Topics through a server (a node in the test's process) over Flight, with
// its development Kafka cluster: the demo topic, DoPut into a topic and back
// with schema evolution, refusals that write nothing, follow mode, and a
// server without Kafka.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/pretty_print.h"
#include "support/node_server.h"

namespace hangar {
namespace {

// Asks the development cluster about `topic`, which makes it create the
// topic (with its default partition count), as a Kafka admin would.
void CreateTopic(const std::string& brokers, const std::string& topic) {
  char error[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), error, sizeof error), RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  ASSERT_NE(rk, nullptr) << error;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  EXPECT_EQ(rd_kafka_metadata(rk, 0, rkt, &md, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  if (md) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
}

// Rows of people: id int64, name utf8 (every 4th null), score float64,
// at timestamp[us, UTC], tags list<int32>, and _key utf8.
arrow::RecordBatchPtr People(int64_t first, int64_t n, bool with_city = false) {
  std::vector<arrow::FieldPtr> fields = {
      arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8()),
      arrow::field("score", arrow::float64(), false),
      arrow::field("at", arrow::timestamp(arrow::TimeUnit::kMicro, "UTC"), false),
      arrow::field("tags", arrow::list(arrow::field("item", arrow::int32(), false)))};
  arrow::PrimitiveBuilder<int64_t> id(arrow::int64()), at(fields[3]->type());
  arrow::BinaryBuilder name(arrow::utf8()), key(arrow::utf8()), city(arrow::utf8());
  arrow::PrimitiveBuilder<double> score(arrow::float64());
  auto tags = arrow::MakeBuilder(fields[4]->type()).value();
  auto* list = static_cast<arrow::ListBuilder*>(tags.get());
  for (int64_t i = first; i < first + n; ++i) {
    id.Append(i);
    if (i % 4 == 0) name.AppendNull();
    else name.Append("person" + std::to_string(i));
    score.Append(static_cast<double>(i) / 8);
    at.Append(1700000000000000 + i * 1001);
    list->Append();
    for (int t = 0; t < i % 3; ++t) static_cast<arrow::PrimitiveBuilder<int32_t>*>(list->value_builder())->Append(t);
    key.Append("k" + std::to_string(i % 7));
    city.Append("city" + std::to_string(i % 2));
  }
  std::vector<arrow::ArrayPtr> columns = {id.Finish().value(), name.Finish().value(), score.Finish().value(),
                                          at.Finish().value(), tags->Finish().value()};
  if (with_city) {
    fields.push_back(arrow::field("city", arrow::utf8(), false));
    columns.push_back(city.Finish().value());
  }
  fields.push_back(arrow::field("_key", arrow::utf8(), false));
  columns.push_back(key.Finish().value());
  return arrow::MakeRecordBatch(arrow::schema(fields), n, std::move(columns));
}

Result<std::vector<nlohmann::json>> Put(flight::FlightClient& client, const flight::FlightDescriptor& d,
                                        const std::vector<arrow::RecordBatchPtr>& batches) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(d, batches.at(0)->schema));
  std::vector<nlohmann::json> results;
  for (const auto& b : batches) {
    HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*b));
    HANGAR_ASSIGN_OR_RETURN(auto result, writer->ReadResult());
    if (result) results.push_back(nlohmann::json::parse(*result));
  }
  HANGAR_RETURN_NOT_OK(writer->Close());
  return results;
}

using Rows = std::map<int64_t, std::map<std::string, std::string>>;

// Every row the endpoints hold, by the int64 first column, values printed.
Rows ReadEndpoints(flight::FlightClient& client, const std::vector<flight::FlightEndpoint>& endpoints) {
  Rows rows;
  for (const auto& e : endpoints) {
    auto reader = client.DoGet(e.ticket);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) continue;
    auto batches = (*reader)->ReadAll();
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    if (!batches.ok()) continue;
    for (const auto& b : *batches) {
      for (int64_t r = 0; r < b->num_rows; ++r) {
        std::map<std::string, std::string> row;
        for (int c = 0; c < b->num_columns(); ++c) row[b->schema->field(c)->name()] = arrow::FormatValue(*b->column(c), r);
        rows[b->column(0)->values<int64_t>()[r]] = row;
      }
    }
  }
  return rows;
}

// Every row of a topic (all partitions), by id.
Rows ReadTopic(flight::FlightClient& client, const std::string& topic, arrow::SchemaPtr* schema = nullptr) {
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({"kafka", topic}));
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (!info.ok()) return {};
  if (schema) *schema = info->schema;
  return ReadEndpoints(client, info->endpoints);
}

TEST(TopicsRpc, TheDemoTopicIsListedAndReadsWhole) {
  testing::TempDataDir dir;
  testing::NodeServer server(dir.str(), testing::NodeServer::DevKafka);
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  auto flights = client->ListFlights();
  ASSERT_TRUE(flights.ok()) << flights.status().ToString();
  const flight::FlightInfo* orders = nullptr;
  for (const auto& f : *flights)
    if (f.descriptor.path == std::vector<std::string>{"kafka", "orders"}) orders = &f;
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->total_records, 10000);
  EXPECT_EQ(orders->endpoints.size(), 4u);
  // The listed endpoints' tickets are redeemable as they are.
  const Rows ids = ReadEndpoints(*client, orders->endpoints);
  EXPECT_EQ(ids.size(), 10000u);
  EXPECT_EQ(ids.begin()->first, 1);
  EXPECT_EQ(ids.rbegin()->first, 10000);
}

TEST(TopicsRpc, PutIntoATopicReadsBackAndEvolvesItsSchema) {
  testing::TempDataDir dir;
  testing::NodeServer server(dir.str(), testing::NodeServer::DevKafka);
  ASSERT_TRUE(server.started());
  CreateTopic(server.kafka(), "people");
  auto client = server.Connect();
  const auto d = flight::FlightDescriptor::Path({"kafka", "people"});

  auto results = Put(*client, d, {People(0, 100), People(100, 50)});
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 2u);
  int64_t acknowledged = 0;
  for (const auto& p : (*results)[1]["partitions"]) acknowledged += p["messages"].get<int64_t>();
  EXPECT_EQ(acknowledged, 50);
  const int first_schema = (*results)[0]["schema_id"];

  arrow::SchemaPtr schema;
  auto rows = ReadTopic(*client, "people", &schema);
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
  EXPECT_EQ(ReadTopic(*client, "people").size(), 150u) << "a refused put writes nothing";

  // The same columns, city nullable: fits as a new version.
  auto with_city = People(2000, 10, true);
  auto fields = with_city->schema->fields();
  fields[5] = arrow::field("city", arrow::utf8(), true);
  auto nullable_city = arrow::MakeRecordBatch(arrow::schema(fields), with_city->num_rows, with_city->columns);
  auto second = Put(*client, d, {nullable_city});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE((*second)[0]["schema_id"].get<int>(), first_schema);
  rows = ReadTopic(*client, "people", &schema);
  ASSERT_EQ(rows.size(), 160u);
  EXPECT_EQ(rows[5]["city"], "null");
  EXPECT_EQ(rows[2001]["city"], "\"city1\"");

  // Columns that neither fit nor evolve: refused, nothing written.
  auto bad = arrow::MakeRecordBatch(
      arrow::schema({arrow::field("id", arrow::utf8(), false)}), 1,
      {[] { arrow::BinaryBuilder b(arrow::utf8()); b.Append("x"); return b.Finish().value(); }()});
  auto refused = Put(*client, d, {bad});
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("'id'"), std::string::npos) << refused.status().message();
  EXPECT_EQ(ReadTopic(*client, "people").size(), 160u);

  // Writing to a topic that does not exist is NOT_FOUND.
  auto missing = Put(*client, flight::FlightDescriptor::Path({"kafka", "nowhere"}), {People(0, 1)});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(TopicsRpc, FollowModeStreamsNewMessagesUntilTheClientCancels) {
  testing::TempDataDir dir;
  testing::NodeServer server(dir.str(), testing::NodeServer::DevKafka);
  ASSERT_TRUE(server.started());
  CreateTopic(server.kafka(), "live");
  auto client = server.Connect();
  const auto d = flight::FlightDescriptor::Path({"kafka", "live"});
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
    auto other = server.Connect();
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

TEST(TopicsRpc, AServerWithoutKafkaSaysSo) {
  testing::TempDataDir dir;
  testing::NodeServer server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  auto info = client->GetFlightInfo(flight::FlightDescriptor::Path({"kafka", "orders"}));
  EXPECT_EQ(info.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(info.status().message().find("--dev-kafka"), std::string::npos);
  auto reader = client->DoGet(flight::Ticket{"orders/0"});
  Status status = reader.ok() ? (*reader)->ReadAll().status() : reader.status();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
}

TEST(TopicsRpc, BatchesLargerThanTheServerMayGatherAreRefused) {
  // A batch is gathered in the server's memory before it is sent: asking
  // for a whole partition at once is refused from the ticket, before Kafka
  // is even asked (this server has none).
  testing::TempDataDir dir;
  testing::NodeServer server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  for (const std::string option : {R"("batch_rows": 1000000000000)", R"("batch_bytes": 1000000000000)"}) {
    auto reader = client->DoGet(flight::Ticket{R"({"topic": "orders", "partition": 0, )" + option + "}"});
    Status status = reader.ok() ? (*reader)->ReadAll().status() : reader.status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_NE(status.message().find("must be at most"), std::string::npos) << status.ToString();
  }
  auto reader = client->DoGet(flight::Ticket{R"({"topic": "orders", "partition": 0, "batch_rows": 1048576})"});
  Status status = reader.ok() ? (*reader)->ReadAll().status() : reader.status();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << "within the limits, the ticket is taken: " << status.ToString();
}

}  // namespace
}  // namespace hangar
