// Table reads at wire speed: a table of int64, float64 (10% nulls) and utf8
// columns, put through DoPut, read back in full over loopback, in one run
// beside its baselines:
//
//   raw TCP          the same byte count over one loopback connection (raw_tcp.h)
//   DoGet, 1 stream  one endpoint of the table's FlightInfo after another, on one stream at a time
//   DoGet, parallel  every endpoint of the FlightInfo at once, each on a connection of its own
//   DoGet, Parquet   one stream again, from a server started with --no-table-read-copies
//   pyarrow          the Arrow cookbook's Parquet storage service (bench/pyarrow_parquet_server.py,
//                    third_party/venv/): the same rows put to it, then one DoGet drained by the same client
//   Flight SQL       SELECT * of the table, and a filtered projection (rows of the table per second)
//
// Every read is checked (rows, and the sum of the id column) before its time
// counts. The server's memory is sampled while it serves the reads
// (/proc/PID/status: anonymous memory, and the file pages it maps).
//
// Each read is timed as the best of --runs (default 2) runs.
//
//   bench_table_reads [--gib N | --rows N] [--quick] [--runs N] [--python PATH]
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "flight/client.h"
#include "python_server.h"
#include "raw_tcp.h"
#include "sql/flight_sql_client.h"
#include "support/server_process.h"
#include "table_rows.h"

namespace hangar::bench {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kBatchRows = 64 * 1024;
// What one row of Schema() takes in Arrow buffers, about (the utf8 values
// average 10 bytes): for --gib.
constexpr double kRowBytes = 8 + 8 + 0.125 + 4 + 10.2;

arrow::SchemaPtr Schema() { return TableRowsSchema(); }

arrow::RecordBatchPtr MakeBatch(int64_t first, int64_t n) { return TableRows(first, n); }

// What a drain saw: rows and the sum of column 0 ("id").
struct Drained {
  int64_t rows = 0;
  int64_t id_sum = 0;
  int64_t bytes = 0;  // Arrow buffer bytes received
  void Add(const Drained& other) {
    rows += other.rows;
    id_sum += other.id_sum;
    bytes += other.bytes;
  }
};

void Count(const arrow::RecordBatch& batch, Drained* out) {
  out->rows += batch.num_rows;
  out->bytes += arrow::TotalBufferSize(batch);
  const auto& ids = *batch.column(0);
  const auto* values = reinterpret_cast<const int64_t*>(ids.buffers[1]->data()) + ids.offset;
  for (int64_t i = 0; i < batch.num_rows; ++i) out->id_sum += values[i];
}

std::unique_ptr<flight::FlightClient> Connect(int port) {
  flight::ClientOptions options;
  options.own_connection = true;
  auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", port), options);
  Check(client.status(), "connect");
  return std::move(*client);
}

void Put(int port, const std::string& name, int64_t rows) {
  auto client = Connect(port);
  auto writer = client->DoPut(flight::FlightDescriptor::Path({name}), Schema());
  Check(writer.status(), "DoPut");
  for (int64_t first = 0; first < rows; first += kBatchRows)
    Check((*writer)->WriteRecordBatch(*MakeBatch(first, std::min(kBatchRows, rows - first))), "DoPut write");
  Check((*writer)->Close(), "DoPut close");
}

Drained DrainEndpoint(int port, const flight::FlightEndpoint& endpoint) {
  auto client = Connect(port);
  auto reader = client->DoGet(endpoint.ticket);
  Check(reader.status(), "DoGet");
  Drained out;
  while (true) {
    auto chunk = (*reader)->Next();
    Check(chunk.status(), "DoGet read");
    if (chunk->end()) return out;
    if (chunk->data) Count(*chunk->data, &out);
  }
}

// A FlightInfo read in full, its endpoints one after another or all at once.
Drained DrainTable(int port, const std::string& name, bool parallel, size_t* endpoints) {
  auto client = Connect(port);
  auto info = client->GetFlightInfo(flight::FlightDescriptor::Path({name}));
  Check(info.status(), "GetFlightInfo");
  *endpoints = info->endpoints.size();
  Drained total;
  if (!parallel) {
    for (const auto& endpoint : info->endpoints) total.Add(DrainEndpoint(port, endpoint));
    return total;
  }
  std::vector<Drained> parts(info->endpoints.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < info->endpoints.size(); ++i)
    threads.emplace_back([&, i] { parts[i] = DrainEndpoint(port, info->endpoints[i]); });
  for (auto& t : threads) t.join();
  for (const auto& p : parts) total.Add(p);
  return total;
}

Drained Query(int port, const std::string& sql) {
  auto client = Connect(port);
  Drained out;
  Check(sql::RunClientQuery(
            *client, sql, [](const arrow::SchemaPtr&) { return Status::OK(); },
            [&](const arrow::RecordBatch& batch) {
              Count(batch, &out);
              return Status::OK();
            }),
        sql.c_str());
  return out;
}

// The shortest of `runs` runs of `read` (each checked by `read` itself).
double Best(int runs, const std::function<void()>& read) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    read();
    best = std::min(best, Seconds(start));
  }
  return best;
}

// A value of /proc/PID/status in kB ("RssAnon:", "RssFile:"); 0 if absent.
int64_t StatusKb(pid_t pid, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key)) return std::atoll(line.c_str() + std::strlen(key));
  return 0;
}

// The peaks of a process's anonymous and mapped-file memory while it lives.
class MemorySampler {
 public:
  explicit MemorySampler(pid_t pid)
      : thread_([this, pid] {
          while (!stop_) {
            anon_ = std::max<int64_t>(anon_, StatusKb(pid, "RssAnon:"));
            file_ = std::max<int64_t>(file_, StatusKb(pid, "RssFile:"));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
        }) {}
  ~MemorySampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double anon_mib() const { return static_cast<double>(anon_) / 1024; }
  double file_mib() const { return static_cast<double>(file_) / 1024; }

 private:
  std::atomic<bool> stop_ = false;
  std::atomic<int64_t> anon_ = 0, file_ = 0;
  std::thread thread_;
};

// Files under `dir` ending in `ext`.
int CountFiles(const fs::path& dir, const std::string& ext) {
  int n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().extension() == ext) ++n;
  return n;
}

int64_t BytesOf(const fs::path& dir, const std::string& ext) {
  int64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().extension() == ext) n += static_cast<int64_t>(it->file_size(ec));
  return n;
}

}  // namespace
}  // namespace hangar::bench

int main(int argc, char** argv) {
  using namespace hangar::bench;
  namespace fs = std::filesystem;
  int64_t rows = static_cast<int64_t>(2.0 * (1 << 30) / kRowBytes);
  std::string python = std::string(HANGAR_SOURCE_DIR) + "/third_party/venv/bin/python";
  int runs = 2;  // each read measured as the best of `runs`
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      rows = 2'000'000;
    else if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
      rows = std::atoll(argv[++i]);
    else if (std::strcmp(argv[i], "--gib") == 0 && i + 1 < argc)
      rows = static_cast<int64_t>(std::atof(argv[++i]) * (1 << 30) / kRowBytes);
    else if (std::strcmp(argv[i], "--python") == 0 && i + 1 < argc)
      python = argv[++i];
    else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: bench_table_reads [--gib N | --rows N] [--quick] [--runs N] [--python PATH]\n");
      return 2;
    }
  }
  const std::string bin_dir = fs::path(argv[0]).parent_path().string();
  const fs::path dir = fs::temp_directory_path() / ("hangar-bench-table-reads-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const int64_t expected_sum = rows * (rows - 1) / 2;

  // Forks first, before any gRPC thread: the raw TCP floor and the pyarrow server.
  int64_t arrow_bytes = 0;
  for (int64_t first = 0; first < rows; first += kBatchRows)
    arrow_bytes += hangar::arrow::TotalBufferSize(*MakeBatch(first, std::min(kBatchRows, rows - first)));
  std::printf("bench_table_reads: %lld rows (int64, float64 with nulls, utf8), %.2f GiB of Arrow data\n\n",
              static_cast<long long>(rows), static_cast<double>(arrow_bytes) / (1 << 30));
  double tcp = 1e9;
  for (int run = 0; run < 3; ++run) {
    auto start = Clock::now();
    RawTcp(arrow_bytes);
    tcp = std::min(tcp, Seconds(start));
  }
  PythonServer pyarrow_server(python, std::string(HANGAR_SOURCE_DIR) + "/bench/pyarrow_parquet_server.py",
                              {(dir / "pyarrow").string()});

  std::vector<std::string> lines;
  auto line = [&](const char* what, double seconds, const char* target) {
    char text[256];
    std::snprintf(text, sizeof text, "  %-40s %7.3f s %8.1f MB/s %6.2fx TCP %9.2f M rows/s  %s", what, seconds,
                  static_cast<double>(arrow_bytes) / seconds / 1e6, tcp / seconds,
                  static_cast<double>(rows) / seconds / 1e6, target);
    std::printf("%s\n", text);
    std::fflush(stdout);
  };
  auto check = [&](const Drained& d, const char* what, bool sums = true) {
    if (d.rows != rows || (sums && d.id_sum != expected_sum)) {
      std::fprintf(stderr, "bench_table_reads: %s: %lld rows, id sum %lld; expected %lld and %lld\n", what,
                   static_cast<long long>(d.rows), static_cast<long long>(d.id_sum), static_cast<long long>(rows),
                   static_cast<long long>(expected_sum));
      std::exit(1);
    }
  };
  line("raw TCP, 1 MiB writes (best of 3)", tcp, "");

  const fs::path data = dir / "data";
  double parallel = 0, one = 0, select_all = 0, filter = 0;
  {
    auto server = hangar::testing::StartServerOrExit(bin_dir, data.string(), {}, "bench_table_reads");
    auto start = Clock::now();
    Put(server->port(), "bench", rows);
    const double put = Seconds(start);
    start = Clock::now();
    // The read copies are written after the commit, in the background.
    while (CountFiles(data / "tables", ".arrow") < CountFiles(data / "tables", ".parquet"))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double copies = Seconds(start);
    std::printf(
        "  DoPut %.3f s (%.1f MB/s); read copies written %.3f s later; on disk: Parquet %.0f MB, "
        "read copies %.0f MB\n",
        put, static_cast<double>(arrow_bytes) / put / 1e6, copies,
        static_cast<double>(BytesOf(data / "tables", ".parquet")) / 1e6,
        static_cast<double>(BytesOf(data / "tables", ".arrow")) / 1e6);
    MemorySampler memory(server->pid());
    size_t endpoints = 0;
    one = Best(runs, [&] { check(DrainTable(server->port(), "bench", false, &endpoints), "DoGet"); });
    char what[64];
    std::snprintf(what, sizeof what, "DoGet, %zu endpoint(s), 1 stream", endpoints);
    line(what, one, "(target >= 0.30x TCP)");
    parallel = Best(runs, [&] { check(DrainTable(server->port(), "bench", true, &endpoints), "DoGet parallel"); });
    std::snprintf(what, sizeof what, "DoGet, %zu endpoint(s) in parallel", endpoints);
    line(what, parallel, "(target >= 0.50x TCP)");
    select_all = Best(runs, [&] { check(Query(server->port(), "SELECT * FROM bench"), "SELECT *"); });
    line("Flight SQL SELECT *", select_all, "(target >= 0.30x TCP)");
    filter = Best(runs, [&] {
      Drained filtered = Query(server->port(), "SELECT id, value FROM bench WHERE id % 10 = 0");
      if (filtered.rows != (rows + 9) / 10) {
        std::fprintf(stderr, "bench_table_reads: the filtered projection returned %lld rows\n",
                     static_cast<long long>(filtered.rows));
        std::exit(1);
      }
    });
    char text[160];
    std::snprintf(text, sizeof text, "(table rows/s; target: more than SELECT *'s %.2f M)",
                  static_cast<double>(rows) / select_all / 1e6);
    line("Flight SQL, 1 row in 10, 2 columns", filter, text);
    memory.Stop();
    std::printf("  server memory while reading: peak anonymous %.0f MiB, peak mapped file pages %.0f MiB\n",
                memory.anon_mib(), memory.file_mib());
    server->Stop();
  }
  {
    // The same files, read through DuckDB's Parquet decoder as before read copies.
    auto server =
        hangar::testing::StartServerOrExit(bin_dir, data.string(), {"--no-table-read-copies"}, "bench_table_reads");
    size_t endpoints = 0;
    line("DoGet from Parquet (no read copies)",
         Best(runs, [&] { check(DrainTable(server->port(), "bench", false, &endpoints), "DoGet from Parquet"); }), "");
    server->Stop();
  }
  double pyarrow = 0;
  if (pyarrow_server.port() > 0) {
    Put(pyarrow_server.port(), "bench", rows);
    size_t endpoints = 0;
    pyarrow =
        Best(runs, [&] { check(DrainTable(pyarrow_server.port(), "bench", false, &endpoints), "pyarrow DoGet"); });
    line("pyarrow cookbook Parquet service, DoGet", pyarrow, "");
    pyarrow_server.Stop();
  } else {
    std::printf("  pyarrow: %s\n", pyarrow_server.why().c_str());
  }
  fs::remove_all(dir);

  std::printf("\ntargets (this run):\n");
  auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
  std::printf("  DoGet, all endpoints    %.2fx raw TCP  (>= 0.50x)  %s\n", tcp / parallel,
              verdict(tcp / parallel >= 0.5));
  std::printf("  DoGet, one stream       %.2fx raw TCP  (>= 0.30x)  %s\n", tcp / one, verdict(tcp / one >= 0.3));
  if (pyarrow > 0)
    std::printf("  DoGet vs pyarrow        %.2fx faster    (>= 1.5x)  %s\n", pyarrow / std::min(one, parallel),
                verdict(pyarrow / std::min(one, parallel) >= 1.5));
  std::printf("  SELECT *                %.2fx raw TCP  (>= 0.30x)  %s\n", tcp / select_all,
              verdict(tcp / select_all >= 0.3));
  std::printf("  filtered projection     %.2fx SELECT *'s rows/s (> 1x)  %s\n", select_all / filter,
              verdict(filter < select_all));
  return 0;
}
