// bench_sql: the 22 TPC-H queries at scale factor 1 through Hangar's Flight
// SQL, against DuckDB run directly, in-process, on the same Parquet files.
//
// The data (tests/support/tpch/generate.sql) is generated in a DuckDB of the
// bench's own and put into a `hangar serve` through Flight; Hangar writes
// it as Parquet. The baseline is a second in-process DuckDB with the same
// views over the same Parquet files, its results exported to Arrow. Each
// query runs once to warm up, then best of 3 on each side. The target:
// Hangar <= 1.2x DuckDB direct plus moving the result at Flight speed, which
// is measured in the same run (a DoGet of the largest table).
//
//   bench_sql [--sf 0.1]
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "arrow/array.h"
#include "flight/client.h"
#include "sql/flight_sql_client.h"
#include "support/server_process.h"
#include "support/tpch/tpch.h"

namespace fs = std::filesystem;

namespace hangar::bench {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void Check(const Status& st, const char* what) {
  if (st.ok()) return;
  std::fprintf(stderr, "bench_sql: %s: %s\n", what, st.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Check(Result<T> r, const char* what) {
  Check(r.status(), what);
  return std::move(*r);
}

struct Run {
  double seconds = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
};

Run Direct(const std::shared_ptr<duckdb::Database>& db, const std::string& sql) {
  Run run;
  const auto start = std::chrono::steady_clock::now();
  auto source = Check(duckdb::StreamQuery(db, sql), "DuckDB direct");
  while (true) {
    auto batch = Check(source->Next(), "DuckDB direct");
    if (batch == nullptr) break;
    run.rows += batch->num_rows;
    run.bytes += arrow::TotalBufferSize(*batch);
  }
  run.seconds = Seconds(start);
  return run;
}

Run ThroughHangar(flight::FlightClient& client, const std::string& sql) {
  Run run;
  const auto start = std::chrono::steady_clock::now();
  Check(sql::RunClientQuery(
            client, sql, [](const arrow::SchemaPtr&) { return Status::OK(); },
            [&](const arrow::RecordBatch& batch) {
              run.rows += batch.num_rows;
              run.bytes += arrow::TotalBufferSize(batch);
              return Status::OK();
            }),
        "Flight SQL");
  run.seconds = Seconds(start);
  return run;
}

template <typename F>
Run Best(int times, F&& f) {
  f();  // warm-up
  Run best;
  for (int i = 0; i < times; ++i) {
    Run r = f();
    if (i == 0 || r.seconds < best.seconds) best = r;
  }
  return best;
}

}  // namespace
}  // namespace hangar::bench

int main(int argc, char** argv) {
  using namespace hangar;
  using namespace hangar::bench;
  double sf = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sf") == 0 && i + 1 < argc) sf = std::atof(argv[++i]);
  }
  const std::string bin_dir = fs::path(argv[0]).parent_path().string();
  const std::string tpch_dir = std::string(HANGAR_SOURCE_DIR) + "/tests/support/tpch";
  const fs::path dir = fs::temp_directory_path() / ("hangar-bench-sql-" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto queries = Check(tpch::Queries(tpch_dir), "queries");

  auto start = std::chrono::steady_clock::now();
  auto source_db = Check(duckdb::Database::Open(), "DuckDB");
  Check(tpch::Generate(source_db, tpch_dir, sf), "generate");
  std::printf("bench_sql: TPC-H-shaped data at scale factor %g generated in %.1f s\n", sf, Seconds(start));

  auto server = hangar::testing::StartServerOrExit(bin_dir, (dir / "data").string(), {}, "bench_sql");
  auto client =
      Check(flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", server->port())), "connect");
  start = std::chrono::steady_clock::now();
  for (const auto& table : tpch::TableNames()) {
    auto source = Check(duckdb::StreamQuery(source_db, "SELECT * FROM " + table), "read");
    auto writer = Check(client->DoPut(flight::FlightDescriptor::Path({table}), source->schema()), "DoPut");
    while (true) {
      auto batch = Check(source->Next(), "read");
      if (batch == nullptr) break;
      Check(writer->WriteRecordBatch(*batch), "DoPut");
    }
    Check(writer->Close(), "DoPut");
  }
  source_db.reset();
  std::printf("bench_sql: loaded through DoPut in %.1f s\n", Seconds(start));

  // The baseline: the same Parquet files, as views in an in-process DuckDB.
  auto direct_db = Check(duckdb::Database::Open(), "DuckDB");
  {
    auto conn = Check(duckdb::Connection::Open(direct_db), "DuckDB");
    // The setting Hangar's engine runs with (sql/relations.cc): footers of
    // files that never change are cached, so binding does not re-read them.
    Check(conn->Execute("SET GLOBAL parquet_metadata_cache = true"), "DuckDB settings");
    for (const auto& table : tpch::TableNames()) {
      std::string files;
      for (const auto& entry : fs::directory_iterator(dir / "data" / "tables")) {
        if (entry.path().filename().string().rfind("default." + table + "-", 0) != 0) continue;
        for (const auto& file : fs::directory_iterator(entry.path()))
          if (file.path().extension() == ".parquet")
            files += (files.empty() ? "" : ", ") + duckdb::QuoteLiteral(file.path().string());
      }
      Check(conn->Execute("CREATE VIEW " + table + " AS SELECT * FROM read_parquet([" + files + "])"), "views");
    }
  }

  // Flight speed in this run: one DoGet of the largest table.
  double flight_bytes_per_s = 0;
  {
    const auto t0 = std::chrono::steady_clock::now();
    auto info = Check(client->GetFlightInfo(flight::FlightDescriptor::Path({"lineitem"})), "GetFlightInfo");
    int64_t bytes = 0;
    for (const auto& endpoint : info.endpoints) {
      auto reader = Check(client->DoGet(endpoint.ticket), "DoGet");
      while (true) {
        auto chunk = Check(reader->Next(), "DoGet");
        if (chunk.end()) break;
        if (chunk.data) bytes += arrow::TotalBufferSize(*chunk.data);
      }
    }
    flight_bytes_per_s = static_cast<double>(bytes) / Seconds(t0);
    std::printf("bench_sql: Flight DoGet of lineitem: %.0f MB/s (the transfer allowance)\n\n",
                flight_bytes_per_s / 1e6);
  }

  {
    Run trivial_direct = Best(20, [&] { return Direct(direct_db, "SELECT 1"); });
    Run trivial = Best(20, [&] { return ThroughHangar(*client, "SELECT 1"); });
    std::printf("bench_sql: SELECT 1 takes %.2f ms direct, %.2f ms through Flight SQL (two round trips)\n\n",
                trivial_direct.seconds * 1e3, trivial.seconds * 1e3);
  }
  std::printf("  query   rows   DuckDB direct   Hangar Flight SQL   ratio   allowed   target\n");
  int met = 0;
  double sum_direct = 0, sum_hangar = 0;
  for (size_t q = 0; q < queries.size(); ++q) {
    Run direct = Best(3, [&] { return Direct(direct_db, queries[q]); });
    Run hangar = Best(3, [&] { return ThroughHangar(*client, queries[q]); });
    if (direct.rows != hangar.rows) {
      std::fprintf(stderr, "bench_sql: Q%zu: %lld rows through Hangar, %lld direct\n", q + 1,
                   static_cast<long long>(hangar.rows), static_cast<long long>(direct.rows));
      return 1;
    }
    const double allowed = 1.2 * direct.seconds + static_cast<double>(hangar.bytes) / flight_bytes_per_s;
    const bool ok = hangar.seconds <= allowed;
    met += ok;
    sum_direct += direct.seconds;
    sum_hangar += hangar.seconds;
    std::printf("  Q%-3zu %7lld   %10.1f ms   %14.1f ms   %5.2fx   %5.2fx   %s\n", q + 1,
                static_cast<long long>(direct.rows), direct.seconds * 1e3, hangar.seconds * 1e3,
                hangar.seconds / direct.seconds, allowed / direct.seconds, ok ? "met" : "MISSED");
  }
  std::printf("  all     %10.1f ms   %14.1f ms   %5.2fx   (%d of 22 within 1.2x + transfer)\n", sum_direct * 1e3,
              sum_hangar * 1e3, sum_hangar / sum_direct, met);
  server->Stop();
  fs::remove_all(dir);
  return 0;
}
