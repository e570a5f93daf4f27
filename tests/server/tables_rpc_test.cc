// Tables through a server (a node in the test's process) over Flight: a client that goes away in the
// middle of a put leaves nothing; command descriptors choose the put mode;
// a ticket whose files an overwrite removed is FAILED_PRECONDITION; a
// restart finds everything as it was; DoGet serves read copies, and the
// same rows from Parquet without them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "arrow/builder.h"
#include "support/node_server.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;

arrow::RecordBatchPtr Numbers(int64_t first, int64_t n) {
  auto schema = arrow::schema({arrow::field("n", arrow::int64(), false)});
  arrow::PrimitiveBuilder<int64_t> b(arrow::int64());
  for (int64_t i = first; i < first + n; ++i) b.Append(i);
  return arrow::MakeRecordBatch(schema, n, {b.Finish().value()});
}

Status PutNumbers(flight::FlightClient& client, const flight::FlightDescriptor& d, int batches) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(d, Numbers(0, 1)->schema));
  for (int i = 0; i < batches; ++i) HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*Numbers(i * 1000, 1000)));
  return writer->Close();
}

int64_t Rows(flight::FlightClient& client, const std::string& name) {
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({name}));
  return info.ok() ? info->total_records : -1;
}

TEST(TablesRpc, AClientThatGoesAwayMidPutLeavesNoTrace) {
  testing::TempDataDir dir;
  testing::NodeServer server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  ASSERT_TRUE(PutNumbers(*client, flight::FlightDescriptor::Path({"n"}), 2).ok());
  {
    auto writer = client->DoPut(flight::FlightDescriptor::Path({"n"}), Numbers(0, 1)->schema);
    ASSERT_TRUE(writer.ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*writer)->WriteRecordBatch(*Numbers(0, 1000)).ok());
    (*writer)->Cancel();
  }
  // The server notices, drops the staged files and commits nothing.
  bool staging_empty = false;
  for (int i = 0; i < 100 && !staging_empty; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    staging_empty = fs::is_empty(dir.path() / "staging");
  }
  EXPECT_TRUE(staging_empty);
  EXPECT_EQ(Rows(*client, "n"), 2000);
  ASSERT_TRUE(PutNumbers(*client, flight::FlightDescriptor::Path({"n"}), 1).ok());
  EXPECT_EQ(Rows(*client, "n"), 3000);
}

TEST(TablesRpc, ModesStaleTicketsAndRestart) {
  testing::TempDataDir dir;
  std::string old_ticket;
  {
    testing::NodeServer server(dir.str());
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    auto cmd = [](const char* mode) {
      return flight::FlightDescriptor::Command(nlohmann::json{{"table", "sales.n"}, {"mode", mode}}.dump());
    };
    ASSERT_TRUE(PutNumbers(*client, cmd("create"), 3).ok());
    Status again = PutNumbers(*client, cmd("create"), 1);
    EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();
    Status bad = PutNumbers(*client, cmd("upsert"), 1);
    EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(bad.message().find("upsert"), std::string::npos) << bad.ToString();
    auto info = client->GetFlightInfo(flight::FlightDescriptor::Path({"sales", "n"}));
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->total_records, 3000);
    old_ticket = info->endpoints.at(0).ticket.ticket;
    ASSERT_TRUE(PutNumbers(*client, cmd("overwrite"), 1).ok());
    auto stale = client->DoGet(flight::Ticket{old_ticket});
    Status st = stale.ok() ? (*stale)->ReadAll().status() : stale.status();
    EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
    ASSERT_TRUE(PutNumbers(*client, flight::FlightDescriptor::Path({"sales", "n"}), 2).ok());
  }
  testing::NodeServer server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  auto info = client->GetFlightInfo(flight::FlightDescriptor::Path({"sales", "n"}));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->total_records, 3000);
  auto reader = client->DoGet(flight::Ticket{"sales.n"});
  ASSERT_TRUE(reader.ok());
  auto batches = (*reader)->ReadAll();
  ASSERT_TRUE(batches.ok());
  std::vector<int64_t> values;
  for (const auto& b : *batches)
    for (int64_t i = 0; i < b->num_rows; ++i) values.push_back(b->column(0)->values<int64_t>()[i]);
  ASSERT_EQ(values.size(), 3000u);
  EXPECT_EQ(values[0], 0);        // the overwrite's 1000 rows,
  EXPECT_EQ(values[1000], 0);     // then the append's 2000,
  EXPECT_EQ(values[2999], 1999);  // in put order
}

// Every value of column 0 of the table `name`, endpoint by endpoint.
std::vector<int64_t> Values(flight::FlightClient& client, const std::string& name) {
  std::vector<int64_t> values;
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({name}));
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  if (!info.ok()) return values;
  for (const auto& endpoint : info->endpoints) {
    auto reader = client.DoGet(endpoint.ticket);
    EXPECT_TRUE(reader.ok());
    if (!reader.ok()) return values;
    auto batches = (*reader)->ReadAll();
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    if (!batches.ok()) return values;
    for (const auto& b : *batches)
      for (int64_t i = 0; i < b->num_rows; ++i) values.push_back(b->column(0)->values<int64_t>()[i]);
  }
  return values;
}

// The files under `dir` ending in `ending`.
std::vector<fs::path> FilesEnding(const fs::path& dir, const std::string& ending) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.path().string().ends_with(ending)) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(TablesRpc, DoGetServesTheReadCopiesAndTheSameRowsWithoutThem) {
  testing::TempDataDir dir;
  testing::NodeServer server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  ASSERT_TRUE(PutNumbers(*client, flight::FlightDescriptor::Path({"n"}), 5).ok());
  ASSERT_TRUE(PutNumbers(*client, flight::FlightDescriptor::Path({"n"}), 3).ok());
  {
    auto writer = client->DoPut(flight::FlightDescriptor::Path({"other"}), Numbers(0, 1)->schema);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->WriteRecordBatch(*Numbers(100000, 5000)).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  const fs::path tables = dir.path() / "tables";
  for (int i = 0; i < 400 && FilesEnding(tables, ".arrow").size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(FilesEnding(tables, ".arrow").size(), 3u) << "a read copy of each file";
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 5000; ++i) expected.push_back(i);
  for (int64_t i = 0; i < 3000; ++i) expected.push_back(i);
  EXPECT_EQ(Values(*client, "n"), expected);
  // Served from them: the first file's read copy swapped for one of other
  // rows (the other table's, of as many rows) shows through.
  std::vector<fs::path> n_copies, other_copies;
  for (const auto& p : FilesEnding(tables, ".arrow"))
    (p.parent_path().filename().string().starts_with("default.n-") ? n_copies : other_copies).push_back(p);
  ASSERT_EQ(n_copies.size(), 2u);
  ASSERT_EQ(other_copies.size(), 1u);
  const fs::path kept = n_copies[0].string() + ".kept";
  fs::rename(n_copies[0], kept);
  EXPECT_EQ(Values(*client, "n"), expected) << "without it, from the Parquet file";
  fs::copy_file(other_copies[0], n_copies[0]);
  auto swapped = Values(*client, "n");
  ASSERT_EQ(swapped.size(), expected.size());
  EXPECT_EQ(swapped[0], 100000);
  EXPECT_EQ(swapped[5000], 0);
  fs::resize_file(n_copies[0], fs::file_size(n_copies[0]) - 16);
  EXPECT_EQ(Values(*client, "n"), expected) << "a torn read copy is passed over";
  fs::remove(n_copies[0]);
  fs::rename(kept, n_copies[0]);
  EXPECT_EQ(Values(*client, "n"), expected);
}

}  // namespace
}  // namespace hangar
