// Tables: put then get N rows (default 10 million; int64, float64 and utf8
// columns) through `hangar serve` over loopback Flight, and, in the same run,
// DuckDB's own time to write the same Arrow data as zstd Parquet and to read
// it back as Arrow in-process — the floor a Parquet-backed server stands on.
// Target: Hangar's put and get within 1.5x of that floor.
//
//   bench_tables [--rows N] [--quick]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.h"
#include "duckdb/database.h"
#include "flight/client.h"
#include "store/table_store.h"
#include "support/server_process.h"
#include "table_rows.h"

namespace hangar::bench {
namespace {

namespace fs = std::filesystem;

arrow::SchemaPtr Schema() { return TableRowsSchema(); }

std::vector<arrow::RecordBatchPtr> MakeData(int64_t rows, int64_t batch_rows) {
  std::vector<arrow::RecordBatchPtr> out;
  for (int64_t first = 0; first < rows; first += batch_rows)
    out.push_back(TableRows(first, std::min(batch_rows, rows - first)));
  return out;
}

struct Timing {
  double put = 0;
  double get = 0;
  int64_t rows_back = 0;
};

Timing DuckDbFloor(const std::vector<arrow::RecordBatchPtr>& batches, const fs::path& dir) {
  Timing t;
  auto db = duckdb::Database::Open().value();
  auto conn = duckdb::Connection::Open(db).value();
  const fs::path file = dir / "floor.parquet";
  auto start = Clock::now();
  auto view = conn->RegisterView("floor_input", std::make_unique<arrow::VectorSource>(Schema(), batches));
  Check(view.status(), "register");
  // Exactly the Parquet settings Hangar's tables write with (zstd level 1).
  Check(conn->Execute("COPY (SELECT * FROM floor_input) TO " + duckdb::QuoteLiteral(file.string()) + " (" +
                      store::ParquetWriteOptions(store::StoreOptions().row_group_rows) + ")"),
        "DuckDB COPY");
  t.put = Seconds(start);
  start = Clock::now();
  // DuckDB's own pace: each 2048-row chunk as it comes, converted to Arrow, not gathered.
  duckdb::QueryOptions chunk_by_chunk;
  chunk_by_chunk.batch_rows = 1;
  auto stream = duckdb::StreamQuery(db, "SELECT * FROM read_parquet(" + duckdb::QuoteLiteral(file.string()) + ")",
                                    chunk_by_chunk);
  Check(stream.status(), "DuckDB read");
  while (true) {
    auto batch = (*stream)->Next();
    Check(batch.status(), "DuckDB read");
    if (*batch == nullptr) break;
    t.rows_back += (*batch)->num_rows;
  }
  t.get = Seconds(start);
  return t;
}

Timing HangarPutGet(const std::vector<arrow::RecordBatchPtr>& batches, int port) {
  Timing t;
  auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", port));
  Check(client.status(), "connect");
  auto start = Clock::now();
  auto writer = (*client)->DoPut(flight::FlightDescriptor::Path({"bench"}), Schema());
  Check(writer.status(), "DoPut");
  for (const auto& b : batches) Check((*writer)->WriteRecordBatch(*b), "DoPut write");
  Check((*writer)->Close(), "DoPut close");
  t.put = Seconds(start);
  start = Clock::now();
  auto info = (*client)->GetFlightInfo(flight::FlightDescriptor::Path({"bench"}));
  Check(info.status(), "GetFlightInfo");
  for (const auto& endpoint : info->endpoints) {
    auto reader = (*client)->DoGet(endpoint.ticket);
    Check(reader.status(), "DoGet");
    while (true) {
      auto chunk = (*reader)->Next();
      Check(chunk.status(), "DoGet read");
      if (chunk->end()) break;
      if (chunk->data) t.rows_back += chunk->data->num_rows;
    }
  }
  t.get = Seconds(start);
  return t;
}

}  // namespace
}  // namespace hangar::bench

int main(int argc, char** argv) {
  using namespace hangar::bench;
  const auto [rows, bin_dir, dir] = SetUpRowsBench(argc, argv, 10'000'000, 1'000'000, "hangar-bench-tables");
  auto batches = MakeData(rows, 64 * 1024);
  int64_t bytes = 0;
  for (const auto& b : batches) bytes += hangar::arrow::TotalBufferSize(*b);
  std::printf("bench_tables: %lld rows (int64, float64, utf8), %.0f MB of Arrow data, batches of 65536 rows\n",
              static_cast<long long>(rows), static_cast<double>(bytes) / 1e6);

  Timing duck = DuckDbFloor(batches, dir);
  auto server = hangar::testing::StartServerOrExit(bin_dir, (dir / "data").string(), {}, "bench_tables");
  Timing hangar = HangarPutGet(batches, server->port());
  server->Stop();
  fs::remove_all(dir);
  if (duck.rows_back != rows || hangar.rows_back != rows) {
    std::fprintf(stderr, "bench_tables: rows read back: DuckDB %lld, Hangar %lld, expected %lld\n",
                 static_cast<long long>(duck.rows_back), static_cast<long long>(hangar.rows_back),
                 static_cast<long long>(rows));
    return 1;
  }
  auto line = [&](const char* what, double seconds, double floor_seconds) {
    std::printf("  %-34s %7.3f s %8.2f M rows/s %8.1f MB/s", what, seconds, static_cast<double>(rows) / seconds / 1e6,
                static_cast<double>(bytes) / seconds / 1e6);
    if (floor_seconds > 0) std::printf("   %.2fx the floor (target <= 1.5x)", seconds / floor_seconds);
    std::printf("\n");
  };
  line("DuckDB in-process: write Parquet", duck.put, 0);
  line("DuckDB in-process: read as Arrow", duck.get, 0);
  line("Hangar DoPut (Flight, loopback)", hangar.put, duck.put);
  line("Hangar DoGet (Flight, loopback)", hangar.get, duck.get);
  return 0;
}
