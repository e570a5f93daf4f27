// A full disk under the data directory (a small tmpfs): a put that does not
// fit fails with RESOURCE_EXHAUSTED saying so, leaves nothing behind, and
// the table keeps what it had; once there is room again, puts work.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "arrow/builder.h"
#include "support/server_process.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;

arrow::RecordBatchPtr Noise(int64_t rows, uint64_t seed) {
  auto schema = arrow::schema({arrow::field("v", arrow::int64(), false)});
  std::mt19937_64 rng(seed);
  arrow::PrimitiveBuilder<int64_t> b(arrow::int64());
  for (int64_t i = 0; i < rows; ++i) b.Append(static_cast<int64_t>(rng()));  // incompressible
  return arrow::MakeRecordBatch(schema, rows, {b.Finish().value()});
}

Status PutNoise(flight::FlightClient& client, int batches, int64_t rows, uint64_t seed) {
  auto first = Noise(rows, seed);
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(flight::FlightDescriptor::Path({"noise"}), first->schema));
  for (int i = 0; i < batches; ++i) HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*Noise(rows, seed + i)));
  return writer->Close();
}

TEST(TablesDiskFull, APutThatDoesNotFitFailsCleanly) {
  const fs::path mount = fs::temp_directory_path() / ("hangar-full-" + std::to_string(getpid()));
  fs::create_directories(mount);
  if (::mount("tmpfs", mount.c_str(), "tmpfs", 0, "size=8m") != 0) {
    fs::remove(mount);
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): " << std::strerror(errno);
  }
  {
    testing::ServerProcess server((mount / "data").string());
    ASSERT_TRUE(server.started());
    auto client = server.Connect();
    ASSERT_TRUE(PutNoise(*client, 2, 50000, 1).ok());  // ~800 KB
    auto before = client->GetFlightInfo(flight::FlightDescriptor::Path({"noise"}));
    ASSERT_TRUE(before.ok());

    Status st = PutNoise(*client, 40, 50000, 100);  // ~16 MB: does not fit
    EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
    EXPECT_NE(st.message().find("no space left"), std::string::npos) << st.ToString();
    EXPECT_EQ(st.message().find(mount.string()), std::string::npos) << "no server paths in client errors";

    auto after = client->GetFlightInfo(flight::FlightDescriptor::Path({"noise"}));
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->total_records, before->total_records);
    EXPECT_TRUE(fs::is_empty(mount / "data" / "staging")) << "the failed put's files are gone";
    // Room again for a small put.
    EXPECT_TRUE(PutNoise(*client, 1, 50000, 7).ok());
    auto reader = client->DoGet(flight::Ticket{"noise"});
    ASSERT_TRUE(reader.ok());
    auto batches = (*reader)->ReadAll();
    ASSERT_TRUE(batches.ok()) << batches.status().ToString();
    int64_t rows = 0;
    for (const auto& b : *batches) rows += b->num_rows;
    EXPECT_EQ(rows, 150000);
  }
  ::umount(mount.c_str());
  fs::remove(mount);
}

}  // namespace
}  // namespace hangar
