// Crash safety of tables with the real server: the process dies (SIGKILL, or
// an equally abrupt exit at each crash point of the write path) during a put,
// and after a restart every table holds exactly the puts that were
// acknowledged before, plus possibly the one in flight, complete or absent —
// never partial, never corrupt.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "arrow/builder.h"
#include "support/server_process.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using testing::ServerProcess;
using testing::TempDataDir;

constexpr int64_t kRowsPerBatch = 5000;
constexpr int kBatchesPerPut = 4;
constexpr int64_t kRowsPerPut = kRowsPerBatch * kBatchesPerPut;

arrow::SchemaPtr Schema() {
  return arrow::schema({arrow::field("put", arrow::int64(), false), arrow::field("row", arrow::int64(), false),
                        arrow::field("note", arrow::utf8())});
}

arrow::RecordBatchPtr Batch(int64_t put, int64_t first) {
  arrow::PrimitiveBuilder<int64_t> puts(arrow::int64()), rows(arrow::int64());
  arrow::BinaryBuilder notes(arrow::utf8());
  for (int64_t i = first; i < first + kRowsPerBatch; ++i) {
    puts.Append(put);
    rows.Append(i);
    notes.Append("put " + std::to_string(put) + " row " + std::to_string(i));
  }
  return arrow::MakeRecordBatch(Schema(), kRowsPerBatch,
                                {puts.Finish().value(), rows.Finish().value(), notes.Finish().value()});
}

// Puts number `put` (kRowsPerPut rows tagged with it); OK once acknowledged.
Status Put(flight::FlightClient& client, int64_t put) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(flight::FlightDescriptor::Path({"events"}), Schema()));
  for (int b = 0; b < kBatchesPerPut; ++b)
    HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*Batch(put, b * kRowsPerBatch)));
  return writer->Close();
}

// The puts the table holds, checking that each is complete and intact.
std::set<int64_t> PutsIn(flight::FlightClient& client) {
  std::set<int64_t> puts;
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({"events"}));
  if (!info.ok()) {
    EXPECT_EQ(info.status().code(), StatusCode::kNotFound) << info.status().ToString();
    return puts;
  }
  std::map<int64_t, int64_t> rows_per_put;
  int64_t total = 0;
  for (const auto& endpoint : info->endpoints) {
    auto reader = client.DoGet(endpoint.ticket);
    EXPECT_TRUE(reader.ok());
    if (!reader.ok()) return puts;
    auto batches = (*reader)->ReadAll();
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    if (!batches.ok()) return puts;
    for (const auto& b : *batches) {
      for (int64_t i = 0; i < b->num_rows; ++i) ++rows_per_put[b->column(0)->values<int64_t>()[i]];
      total += b->num_rows;
    }
  }
  EXPECT_EQ(total, info->total_records);
  for (const auto& [put, rows] : rows_per_put) {
    EXPECT_EQ(rows, kRowsPerPut) << "put " << put << " is partial";
    puts.insert(put);
  }
  return puts;
}

TEST(TablesCrash, SigkillDuringPutsLosesNoAcknowledgedPutAndLeavesNoPartialOne) {
  TempDataDir dir;
  std::mt19937 rng(20261129);
  std::set<int64_t> acknowledged;
  int64_t next_put = 0;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ServerProcess server(dir.str());
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    ASSERT_NE(client, nullptr);
    // What the last round's crash left must be whole.
    std::set<int64_t> found = PutsIn(*client);
    for (int64_t p : acknowledged) EXPECT_TRUE(found.count(p)) << "acknowledged put " << p << " was lost";
    EXPECT_LE(found.size(), acknowledged.size() + 1) << "more than the one put in flight appeared";
    acknowledged = found;  // the in-flight one may have committed
    // Puts in a thread; the server is killed at a random moment.
    std::atomic<bool> stop = false;
    std::mutex mu;
    std::thread writer([&] {
      while (!stop) {
        const int64_t put = next_put++;
        if (!Put(*client, put).ok()) break;
        std::lock_guard lock(mu);
        acknowledged.insert(put);
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    server.Kill(SIGKILL);
    stop = true;
    writer.join();
  }
  ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  std::set<int64_t> found = PutsIn(*client);
  for (int64_t p : acknowledged) EXPECT_TRUE(found.count(p)) << "acknowledged put " << p << " was lost";
  EXPECT_GT(found.size(), 0u);
}

struct CrashCase {
  const char* point;
  bool committed;  // whether the put in flight is in the table after the restart
};

class TablesCrashPoint : public ::testing::TestWithParam<CrashCase> {};

TEST_P(TablesCrashPoint, TheTableIsEitherBeforeOrAfterThePut) {
  TempDataDir dir;
  {
    ServerProcess server(dir.str());
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    ASSERT_TRUE(Put(*client, 1).ok());
    ASSERT_TRUE(Put(*client, 2).ok());
  }
  {
    ServerProcess server(dir.str(), {{"HANGAR_CRASH_POINT", GetParam().point}});
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    EXPECT_FALSE(Put(*client, 3).ok()) << "the server died before answering";
    const int status = server.Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 137) << "the server died at the crash point";
  }
  ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  std::set<int64_t> expected = {1, 2};
  if (GetParam().committed) expected.insert(3);
  EXPECT_EQ(PutsIn(*client), expected);
  // Nothing of the crash is left on disk: only the files the manifest names.
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "tables")) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory()) continue;
    // Read copies too, of the files the manifest names (never a temporary of one).
    const bool read_copy = name.ends_with(".arrow") && fs::exists(fs::path(entry.path()).replace_extension(".parquet"));
    EXPECT_TRUE(name == "manifest.json" || name.ends_with(".parquet") || read_copy) << name;
  }
  EXPECT_TRUE(fs::is_empty(dir.path() / "staging"));
  // And the table takes writes again.
  ASSERT_TRUE(Put(*client, 4).ok());
  expected.insert(4);
  EXPECT_EQ(PutsIn(*client), expected);
}

TEST(TablesCrash, ACompactionCutOffLeavesTheFilesItWasRewriting) {
  TempDataDir dir;
  const flight::Action compact{"CompactTable", R"({"name": "events"})"};
  {
    ServerProcess server(dir.str(), {{"HANGAR_CRASH_POINT", "compact-staged"}});
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    for (int64_t p = 1; p <= 3; ++p) ASSERT_TRUE(Put(*client, p).ok());
    EXPECT_FALSE(client->DoAction(compact).ok()) << "the server died before answering";
    const int status = server.Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 137) << "the server died at the crash point";
  }
  ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  EXPECT_EQ(PutsIn(*client), (std::set<int64_t>{1, 2, 3}));
  EXPECT_TRUE(fs::is_empty(dir.path() / "staging"));
  // The compaction runs to the end now, and changes no row.
  auto compacted = client->DoAction(compact);
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  EXPECT_NE(compacted->at(0).body.find("\"files_after\":1"), std::string::npos) << compacted->at(0).body;
  EXPECT_EQ(PutsIn(*client), (std::set<int64_t>{1, 2, 3}));
}

TEST(TablesCrash, ACrashWritingAReadCopyLeavesTheTableWholeAndTheCopyMadeAgain) {
  TempDataDir dir;
  {
    ServerProcess server(dir.str(), {{"HANGAR_CRASH_POINT", "read-copy-written"}});
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    (void)Put(*client, 1);  // the server dies once the put is committed, acknowledged or not
    const int status = server.Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 137) << "the server died at the crash point";
  }
  int temporaries = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "tables"))
    if (entry.path().string().ends_with(".arrow.tmp")) ++temporaries;
  EXPECT_EQ(temporaries, 1) << "the read copy was written under its temporary name";
  ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  EXPECT_EQ(PutsIn(*client), (std::set<int64_t>{1}));
  // The temporary is gone; the read copy is made again, and reads the same.
  for (int i = 0; i < 200; ++i) {
    int copies = 0, leftovers = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "tables")) {
      copies += entry.path().extension() == ".arrow";
      leftovers += entry.path().string().ends_with(".tmp");
    }
    EXPECT_EQ(leftovers, 0);
    if (copies == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(PutsIn(*client), (std::set<int64_t>{1}));
}

INSTANTIATE_TEST_SUITE_P(EveryPoint, TablesCrashPoint,
                         ::testing::Values(CrashCase{"put-staged", false}, CrashCase{"commit-files-moved", false},
                                           CrashCase{"manifest-written", false}, CrashCase{"commit-done", true}),
                         [](const auto& info) {
                           std::string name = info.param.point;
                           for (auto& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace hangar
