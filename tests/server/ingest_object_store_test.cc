// Streaming ingest at the object store's levels against `hangar serve
// --object-store` as a process: acknowledgements in order per level, and
// the crash loop — the server killed while it uploads and commits (SIGKILL
// at random moments, and at each of the crash points on the way into the
// bucket), restarted on its disk or on an empty one with the same bucket —
// after which every batch acknowledged at `object_storage` or
// `iceberg_committed` is there exactly once and no batch is there in part.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "arrow/array_access.h"
#include "store/store_test_util.h"
#include "support/server_process.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using store::testing::Events;
using store::testing::EventSchema;
using testing::ServerProcess;
using testing::TempDataDir;

// The server on `data` mirroring into the folder `bucket`.
std::unique_ptr<ServerProcess> Start(const fs::path& data, const fs::path& bucket,
                                     const std::map<std::string, std::string>& env = {}) {
  return std::make_unique<ServerProcess>(data.string(), env,
                                         std::vector<std::string>{"--object-store", "file://" + bucket.string()});
}

// Every id in `events`, through DoGet; an error if the server cannot say.
Result<std::vector<int64_t>> Ids(flight::FlightClient& client) {
  std::vector<int64_t> ids;
  HANGAR_ASSIGN_OR_RETURN(auto info, client.GetFlightInfo(flight::FlightDescriptor::Path({"events"})));
  for (const auto& endpoint : info.endpoints) {
    HANGAR_ASSIGN_OR_RETURN(auto reader, client.DoGet(endpoint.ticket));
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto chunk, reader->Next());
      if (chunk.end()) break;
      if (!chunk.data) continue;
      for (int64_t r = 0; r < chunk.data->num_rows; ++r)
        ids.push_back(arrow::LoadInteger(*chunk.data->column(0), chunk.data->column(0)->offset + r));
    }
  }
  return ids;
}

// Sends batches first, first + 1, ... (kRows ids each) at `level` until the
// stream breaks or `limit` batches are sent; the batches acknowledged at
// `level`, in the order their acks came.
constexpr int64_t kRows = 20;
struct Sent {
  std::vector<int64_t> acked;
  std::vector<std::string> levels_out_of_order;
  int64_t sent = 0;
};
Sent Stream(flight::FlightClient& client, int64_t first, int64_t limit, const std::string& level, ServerProcess* kill,
            std::chrono::milliseconds kill_after) {
  Sent out;
  auto opened = client.DoExchange(flight::FlightDescriptor::Path({"events"}));
  if (!opened.ok()) return out;
  auto& stream = *opened;
  if (!stream->Begin(EventSchema()).ok()) return out;
  std::mutex mu;
  std::thread writer([&] {
    for (int64_t i = 0; i < limit; ++i) {
      nlohmann::json metadata;
      if (i == 0) metadata["requested_durability"] = level;
      {
        std::lock_guard lock(mu);
        ++out.sent;
      }
      if (!stream
               ->WriteRecordBatch(*Events((first + i) * kRows, kRows),
                                  i == 0 ? arrow::Buffer::FromString(metadata.dump()) : nullptr)
               .ok())
        break;
    }
    if (kill == nullptr) (void)stream->DoneWriting();
  });
  std::thread reader([&] {
    std::map<std::string, int64_t> last;
    while (true) {
      auto chunk = stream->Next();
      if (!chunk.ok() || chunk->end()) break;
      if (!chunk->app_metadata) continue;
      auto ack = nlohmann::json::parse(chunk->app_metadata->view(), nullptr, false);
      if (ack.is_discarded() || !ack["error"].is_null()) continue;
      const std::string at = ack["durability_level"].get<std::string>();
      const int64_t batch = ack["batch"].get<int64_t>();
      std::lock_guard lock(mu);
      if (batch <= last.emplace(at, -1).first->second) out.levels_out_of_order.push_back(at);
      last[at] = batch;
      if (at == level) out.acked.push_back(first + batch);
    }
  });
  if (kill != nullptr) {
    std::this_thread::sleep_for(kill_after);
    kill->Kill(SIGKILL);
    stream->Cancel();
  }
  writer.join();
  reader.join();
  return out;
}

TEST(IngestObjectStore, EachBatchIsAcknowledgedAtEveryLevelInOrder) {
  TempDataDir dir;
  const fs::path bucket = fs::path(dir.str()) / "bucket";
  auto server = Start(fs::path(dir.str()) / "data", bucket);
  ASSERT_TRUE(server->started());
  auto client = server->Connect();
  auto created = client->DoPut(flight::FlightDescriptor::Path({"events"}), EventSchema()).value();
  ASSERT_TRUE(created->Close().ok());
  for (const std::string level : {"object_storage", "iceberg_committed"}) {
    SCOPED_TRACE(level);
    const int64_t first = level == "object_storage" ? 0 : 100;
    Sent sent = Stream(*client, first, 12, level, nullptr, {});
    EXPECT_TRUE(sent.levels_out_of_order.empty()) << sent.levels_out_of_order.front();
    ASSERT_EQ(sent.acked.size(), 12u);
    for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(sent.acked[static_cast<size_t>(i)], first + i);
  }
  auto ids = Ids(*client);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(ids->size(), static_cast<size_t>(24 * kRows));
}

// The crash loop. Each round streams new batches at one of the two levels
// (in turn) and ends with the server's death: SIGKILL at a random moment, or
// the process dying by itself at one of the crash points on the way into the
// bucket (iceberg-files-uploaded, iceberg-definition-saved,
// iceberg-metadata-committed), after passing it a random few times. Some restarts are on an empty data directory
// with the same bucket. After each restart every acknowledged batch is there
// exactly once, every other whole or not at all. HANGAR_CRASH_ROUNDS sets
// the rounds (default 8), HANGAR_CRASH_SEED repeats a run.
TEST(IngestObjectStore, KilledDuringUploadsAndCommitsLosesNothingAckedThere) {
  const char* rounds_env = std::getenv("HANGAR_CRASH_ROUNDS");
  const int rounds = rounds_env ? std::atoi(rounds_env) : 8;
  const char* seed_env = std::getenv("HANGAR_CRASH_SEED");
  const unsigned seed = seed_env ? static_cast<unsigned>(std::atoll(seed_env)) : std::random_device{}();
  std::printf("object store crash loop: %d rounds, HANGAR_CRASH_SEED=%u\n", rounds, seed);
  std::mt19937 random(seed);
  TempDataDir dir;
  const fs::path data = fs::path(dir.str()) / "data";
  const fs::path bucket = fs::path(dir.str()) / "bucket";
  const std::vector<std::string> points = {"", "iceberg-files-uploaded", "iceberg-definition-saved",
                                           "iceberg-metadata-committed"};
  std::set<int64_t> acked;  // batch numbers; batch b holds ids [b * kRows, (b + 1) * kRows)
  int64_t next_batch = 0;
  int empty_starts = 0;

  auto check = [&](flight::FlightClient& client, const std::string& when) {
    auto ids = Ids(client);
    ASSERT_TRUE(ids.ok()) << when << ": " << ids.status().ToString();
    std::map<int64_t, int64_t> rows_of_batch;
    std::set<int64_t> seen;
    for (int64_t id : *ids) {
      ASSERT_TRUE(seen.insert(id).second) << when << ": id " << id << " came back twice";
      ++rows_of_batch[id / kRows];
    }
    for (int64_t b : acked) ASSERT_EQ(rows_of_batch[b], kRows) << when << ": acknowledged batch " << b;
    for (const auto& [b, rows] : rows_of_batch) ASSERT_EQ(rows, kRows) << when << ": batch " << b << " in part";
  };

  {
    auto server = Start(data, bucket);
    ASSERT_TRUE(server->started());
    auto client = server->Connect();
    auto writer = client->DoPut(flight::FlightDescriptor::Path({"events"}), EventSchema()).value();
    ASSERT_TRUE(writer->Close().ok());
    ASSERT_EQ(server->Stop(), 0);
  }
  for (int round = 0; round < rounds; ++round) {
    // Every third restart is on an empty disk: what the bucket holds is all there is.
    const bool empty_disk = round % 3 == 2;
    if (empty_disk) {
      fs::remove_all(data);
      ++empty_starts;
    }
    const std::string when = "round " + std::to_string(round) + (empty_disk ? " (empty disk)" : "");
    // Each way of dying at each level: SIGKILL, then the crash points. The
    // server passes a crash point at least three times before it dies there, so
    // that it lives through its start (which brings the bucket up to date
    // with a commit) and the check.
    const std::string level = round % 2 == 0 ? "object_storage" : "iceberg_committed";
    const std::string point = points[static_cast<size_t>(round / 2) % points.size()];
    std::map<std::string, std::string> env;
    if (!point.empty()) {
      env["HANGAR_CRASH_POINT"] = point;
      env["HANGAR_CRASH_POINT_SKIP"] = std::to_string(std::uniform_int_distribution<int>(3, 10)(random));
    }
    auto server = Start(data, bucket, env);
    ASSERT_TRUE(server->started()) << when;
    auto client = server->Connect();
    check(*client, "after the restart of " + when);
    if (HasFatalFailure()) return;
    const auto kill_after = std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(random));
    // At a crash point the server dies by itself after a few commits; the
    // kill after a while ends the round if it has not.
    Sent sent = Stream(*client, next_batch, 100000, level, server.get(), kill_after);
    next_batch += sent.sent;
    EXPECT_TRUE(sent.levels_out_of_order.empty()) << when << ": " << sent.levels_out_of_order.front();
    acked.insert(sent.acked.begin(), sent.acked.end());
    std::printf("%s: %s, %s, %zu batches acknowledged\n", when.c_str(), level.c_str(),
                point.empty() ? "SIGKILL" : (point + " after " + env["HANGAR_CRASH_POINT_SKIP"] + " passes").c_str(),
                sent.acked.size());
  }
  // Last, on an empty disk: everything acknowledged comes from the bucket.
  fs::remove_all(data);
  auto server = Start(data, bucket);
  ASSERT_TRUE(server->started());
  auto client = server->Connect();
  check(*client, "at the end, on an empty disk");
  EXPECT_GT(acked.size(), 0u);
  EXPECT_GT(empty_starts, 0);
  std::printf("object store crash loop: %zu batches acknowledged over %d rounds\n", acked.size(), rounds);
}

}  // namespace
}  // namespace hangar
