// Topics through a server (a node in the test's process) over Flight, on
// its development Kafka cluster where what is tested is that cluster (the
// demo topic of --dev-kafka), and without Kafka. Writes and live tails run
// on the real broker (topics_broker_test.cc).
#include <gtest/gtest.h>

#include "support/node_server.h"
#include "support/temp_data_dir.h"
#include "topic_rows.h"

namespace hangar {
namespace {

using testing::ReadEndpoints;
using testing::Rows;

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
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition)
      << "within the limits, the ticket is taken: " << status.ToString();
}

}  // namespace
}  // namespace hangar
