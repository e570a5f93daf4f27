// Streaming ingest through DoExchange against `hangar serve` as a process:
// acknowledgements per batch and level, rows visible to DoGet and SQL from
// the memory ack on, refused batches that do not stop the stream, and
// SIGKILL in the middle of writing: every batch acknowledged at `disk` is
// there after the restart, exactly once, and nothing else is.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "server_process.h"
#include "sql/flight_sql_client.h"
#include "store/store_test_util.h"

namespace hangar {
namespace {

using store::testing::EventSchema;
using store::testing::Events;
using testing::ServerProcess;
using testing::TempDataDir;

// An empty table `events`.
void CreateEvents(flight::FlightClient& client) {
  auto writer = client.DoPut(flight::FlightDescriptor::Path({"events"}), EventSchema()).value();
  ASSERT_TRUE(writer->Close().ok());
}

// The acks until the end; `ended` gets the error the stream ended with, if any.
std::vector<nlohmann::json> ReadAcks(flight::ExchangeStream& stream, Status* ended = nullptr) {
  std::vector<nlohmann::json> acks;
  while (true) {
    auto chunk = stream.Next();
    if (!chunk.ok() && ended) *ended = chunk.status();
    if (!chunk.ok() || chunk->end()) break;
    if (chunk->app_metadata) acks.push_back(nlohmann::json::parse(chunk->app_metadata->view()));
  }
  return acks;
}

// One DoExchange into `events`: the batches (the WriteRequest with the
// first), then every ack; `ended` gets how the call ended.
std::vector<nlohmann::json> Exchange(flight::FlightClient& client, const arrow::SchemaPtr& schema,
                                     const std::vector<arrow::RecordBatchPtr>& batches, const std::string& request,
                                     Status* ended = nullptr) {
  auto stream = client.DoExchange(flight::FlightDescriptor::Path({"events"})).value();
  EXPECT_TRUE(stream->Begin(schema).ok());
  for (size_t b = 0; b < batches.size(); ++b)
    (void)stream->WriteRecordBatch(*batches[b], b == 0 ? arrow::Buffer::FromString(request) : nullptr);
  (void)stream->DoneWriting();
  Status status;
  auto acks = ReadAcks(*stream, &status);
  if (status.ok()) status = stream->Close();
  if (ended) *ended = status;
  else EXPECT_TRUE(status.ok()) << status.ToString();
  return acks;
}

// Every id in the table, through DoGet.
std::vector<int64_t> Ids(flight::FlightClient& client) {
  std::vector<int64_t> ids;
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({"events"})).value();
  for (const auto& endpoint : info.endpoints) {
    auto reader = client.DoGet(endpoint.ticket).value();
    while (true) {
      auto chunk = reader->Next().value();
      if (chunk.end()) break;
      if (!chunk.data) continue;
      for (int64_t r = 0; r < chunk.data->num_rows; ++r)
        ids.push_back(arrow::LoadInteger(*chunk.data->column(0), chunk.data->column(0)->offset + r));
    }
  }
  return ids;
}

TEST(IngestRpc, EachBatchIsAcknowledgedAtEachLevelInLsnOrder) {
  TempDataDir dir;
  ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  CreateEvents(*client);
  constexpr int kBatches = 10;
  std::vector<arrow::RecordBatchPtr> batches;
  for (int b = 0; b < kBatches; ++b) batches.push_back(Events(b * 100, 100));
  auto acks = Exchange(*client, EventSchema(), batches, R"({"requested_durability": "committed"})");
  ASSERT_EQ(acks.size(), 3u * kBatches);
  std::map<int64_t, std::vector<std::string>> levels;
  std::map<std::string, int64_t> last_lsn;
  std::set<int64_t> lsns;
  for (const auto& ack : acks) {
    EXPECT_TRUE(ack["error"].is_null()) << ack.dump();
    const auto level = ack["durability_level"].get<std::string>();
    const auto lsn = ack["lsn"].get<int64_t>();
    levels[ack["batch"].get<int64_t>()].push_back(level);
    EXPECT_GT(lsn, last_lsn[level]) << ack.dump();
    last_lsn[level] = lsn;
    lsns.insert(lsn);
    EXPECT_GT(ack["timestamp_us"].get<int64_t>(), 0);
  }
  EXPECT_EQ(lsns.size(), static_cast<size_t>(kBatches));
  for (const auto& [batch, seen] : levels) EXPECT_EQ(seen, (std::vector<std::string>{"memory", "disk", "committed"}));
  EXPECT_EQ(Ids(*client).size(), 1000u);
}

TEST(IngestRpc, RowsAckedAtMemoryAreVisibleToSqlAndRefusedBatchesDoNotStopTheStream) {
  TempDataDir dir;
  ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  CreateEvents(*client);
  auto first = Exchange(*client, EventSchema(), {Events(0, 5)}, R"({"requested_durability": "memory"})");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["durability_level"], "memory");
  // Visible at once (the flush has not happened: the memtable is read).
  int64_t count = -1;
  ASSERT_TRUE(sql::RunClientQuery(
                  *client, "SELECT count(*) AS n FROM events WHERE what LIKE 'event %'",
                  [](const arrow::SchemaPtr&) { return Status::OK(); },
                  [&](const arrow::RecordBatch& b) {
                    count = arrow::LoadInteger(*b.column(0), b.column(0)->offset);
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(count, 5);
  // A stream whose batches do not fit the table: each is acked with an error; the call ends well.
  auto other = arrow::schema({arrow::field("id", arrow::utf8())});
  arrow::BinaryBuilder ids(arrow::utf8());
  ids.Append("x");
  auto wrong = arrow::MakeRecordBatch(other, 1, {ids.Finish().value()});
  auto acks = Exchange(*client, other, {wrong, wrong}, "{}");
  ASSERT_EQ(acks.size(), 2u);
  for (const auto& ack : acks) {
    EXPECT_TRUE(ack["lsn"].is_null());
    EXPECT_NE(ack["error"].get<std::string>().find("does not match table"), std::string::npos) << ack.dump();
  }
  // A bad WriteRequest ends the call with INVALID_ARGUMENT.
  Status ended;
  Exchange(*client, EventSchema(), {Events(0, 1)}, R"({"requested_durability": "eventually"})", &ended);
  EXPECT_EQ(ended.code(), StatusCode::kInvalidArgument) << ended.ToString();
  EXPECT_NE(ended.message().find("eventually"), std::string::npos) << ended.ToString();
  EXPECT_EQ(Ids(*client).size(), 5u);
}

TEST(IngestRpc, EveryBatchAckedAtDiskSurvivesSigkillExactlyOnce) {
  TempDataDir dir;
  constexpr int64_t kRows = 50;
  std::set<int64_t> acked;  // first ids of batches acked at disk
  int64_t next = 0;
  for (int round = 0; round < 3; ++round) {
    ServerProcess server(dir.str());
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    if (round == 0) CreateEvents(*client);
    // Everything acknowledged before is there, once.
    auto ids = Ids(*client);
    std::multiset<int64_t> seen(ids.begin(), ids.end());
    for (int64_t first : acked)
      for (int64_t id = first; id < first + kRows; ++id) ASSERT_EQ(seen.count(id), 1u) << "id " << id << " round " << round;
    EXPECT_EQ(ids.size() % kRows, 0u) << "a batch came back in part";
    // Write, reading acks as they come, and kill the server mid-stream.
    auto stream = client->DoExchange(flight::FlightDescriptor::Path({"events"})).value();
    ASSERT_TRUE(stream->Begin(EventSchema()).ok());
    std::map<int64_t, int64_t> first_of_batch;
    for (int b = 0; b < 40; ++b) {
      first_of_batch[b] = next;
      auto metadata = b == 0 ? arrow::Buffer::FromString(R"({"requested_durability": "disk"})") : nullptr;
      if (!stream->WriteRecordBatch(*Events(next, kRows), metadata).ok()) break;
      next += kRows;
    }
    int disk_acks = 0;
    while (disk_acks < 20) {
      auto chunk = stream->Next();
      if (!chunk.ok() || chunk->end()) break;
      auto ack = nlohmann::json::parse(chunk->app_metadata->view());
      if (ack["durability_level"] == "disk" && ack["error"].is_null()) {
        acked.insert(first_of_batch[ack["batch"].get<int64_t>()]);
        ++disk_acks;
      }
    }
    server.Kill(SIGKILL);
    stream->Cancel();
    EXPECT_GE(disk_acks, 20);
  }
  ServerProcess server(dir.str());
  auto ids = Ids(*server.Connect());
  std::set<int64_t> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size()) << "a row came back twice";
  for (int64_t first : acked) EXPECT_TRUE(unique.count(first)) << first;
}

TEST(IngestRpc, AStreamSentAgainWithItsKeyAfterACrashWritesEveryBatchExactlyOnce) {
  TempDataDir dir;
  constexpr int kBatches = 40, kRows = 50;
  const std::string request = R"({"requested_durability": "disk", "idempotency_key": "load-7"})";
  // Sends the whole load under the stream's key; stops reading after
  // `stop_after` disk acks (0: reads them all). Returns the acks read.
  auto send = [&](flight::FlightClient& client, int stop_after) {
    auto stream = client.DoExchange(flight::FlightDescriptor::Path({"events"})).value();
    EXPECT_TRUE(stream->Begin(EventSchema()).ok());
    EXPECT_TRUE(stream->WriteMetadata(arrow::Buffer::FromString(request)).ok());
    for (int b = 0; b < kBatches; ++b)
      if (!stream->WriteRecordBatch(*Events(b * kRows, kRows)).ok()) break;
    std::vector<nlohmann::json> acks;
    int disk = 0;
    if (stop_after == 0) (void)stream->DoneWriting();
    while (stop_after == 0 || disk < stop_after) {
      auto chunk = stream->Next();
      if (!chunk.ok() || chunk->end()) break;
      acks.push_back(nlohmann::json::parse(chunk->app_metadata->view()));
      disk += acks.back()["durability_level"] == "disk";
    }
    return std::make_pair(std::move(stream), acks);
  };
  std::map<int64_t, int64_t> lsn_of_batch;  // as first acknowledged at disk
  {
    ServerProcess server(dir.str());
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    CreateEvents(*client);
    auto [stream, acks] = send(*client, 10);
    for (const auto& ack : acks)
      if (ack["durability_level"] == "disk") lsn_of_batch[ack["batch"].get<int64_t>()] = ack["lsn"].get<int64_t>();
    server.Kill(SIGKILL);  // the client never hears how far the rest got
    stream->Cancel();
  }
  ASSERT_GE(lsn_of_batch.size(), 10u);
  ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  // The retry: batches the first attempt wrote are acknowledged with their
  // original LSNs and written again nowhere; the others are written now.
  auto [stream, acks] = send(*client, 0);
  ASSERT_TRUE(stream->Close().ok());
  ASSERT_EQ(acks.size(), 2u * kBatches);
  int duplicates = 0;
  for (const auto& ack : acks) {
    EXPECT_TRUE(ack["error"].is_null()) << ack.dump();
    const int64_t batch = ack["batch"].get<int64_t>();
    if (lsn_of_batch.count(batch)) {
      EXPECT_EQ(ack["lsn"].get<int64_t>(), lsn_of_batch[batch]) << ack.dump();
      EXPECT_EQ(ack.value("duplicate", false), true) << ack.dump();
    }
    duplicates += ack.value("duplicate", false);
  }
  EXPECT_GE(duplicates, 20);  // at least the 10 acknowledged batches, at both levels
  auto ids = Ids(*client);
  std::sort(ids.begin(), ids.end());
  ASSERT_EQ(ids.size(), static_cast<size_t>(kBatches * kRows)) << "a batch is missing or came back twice";
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], static_cast<int64_t>(i));

  // Keys of single batches: a malformed one is that batch's error, and the
  // stream goes on; a key seen before writes nothing.
  auto solo = client->DoExchange(flight::FlightDescriptor::Path({"events"})).value();
  ASSERT_TRUE(solo->Begin(EventSchema()).ok());
  ASSERT_TRUE(solo->WriteRecordBatch(*Events(5000, 10), arrow::Buffer::FromString(R"({"idempotency_key": "solo"})")).ok());
  ASSERT_TRUE(solo->WriteRecordBatch(*Events(6000, 10), arrow::Buffer::FromString(R"({"idempotency_key": 5})")).ok());
  ASSERT_TRUE(solo->WriteRecordBatch(*Events(7000, 10), arrow::Buffer::FromString(R"({"idempotency_key": "solo"})")).ok());
  ASSERT_TRUE(solo->DoneWriting().ok());
  auto solo_acks = ReadAcks(*solo);
  ASSERT_TRUE(solo->Close().ok());
  ASSERT_EQ(solo_acks.size(), 5u) << nlohmann::json(solo_acks).dump();
  std::map<int64_t, std::vector<nlohmann::json>> by_batch;
  for (const auto& ack : solo_acks) by_batch[ack["batch"].get<int64_t>()].push_back(ack);
  ASSERT_EQ(by_batch[1].size(), 1u);
  EXPECT_NE(by_batch[1][0]["error"].get<std::string>().find("idempotency_key"), std::string::npos);
  ASSERT_EQ(by_batch[2].size(), 2u);
  EXPECT_EQ(by_batch[2][1]["lsn"], by_batch[0][1]["lsn"]);
  EXPECT_EQ(by_batch[2][1].value("duplicate", false), true);
  EXPECT_EQ(Ids(*client).size(), static_cast<size_t>(kBatches * kRows + 10));
}

}  // namespace
}  // namespace hangar
