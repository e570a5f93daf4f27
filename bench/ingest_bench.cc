// Streaming ingest: N rows (default 20 million; int64, float64, utf8,
// timestamp and bool columns, batches of 10k to 100k rows) through DoExchange
// into `hangar serve` over loopback, with 1 and 4 concurrent streams into one
// table, at `memory`, `disk` and `committed`: rows/s and MB/s (Arrow buffer
// bytes), the time running until the last batch is acknowledged at the
// requested level.
// Then ack latency per level, one 1,000-row batch at a time (each sent when
// the previous one is acknowledged at `disk`), from the write call to the ack.
//
// The floor, measured in the same run on the same file system: the disk's
// own fdatasync after a 4 KiB append (p50/p99) and its sequential write
// speed with an fdatasync every 8 MiB (what a group commit does).
//
// The floor of an ack's round trip, in the same run: a plain gRPC
// bidirectional stream through the generated code (plain_server.h), a
// message the size of the 1,000-row batch in, a small answer back, one at a
// time.
//
// Targets: `disk` ingest >= 0.7x the sequential-with-fsync MB/s; `memory` ack
// p50 <= 1.5x the plain gRPC round trip's p50 and p99 <= 2x its p99; `disk`
// ack p99 <= 2x the raw fsync p99 + the plain round trip's p99.
//
// Last, the levels above `committed` (docs/durability.md): a stream of
// 10,000-row batches sent at a steady pace into a server with an object
// store, asking for `object_storage` and then for `iceberg_committed`; for
// each level reached, p50/p99 from the write call to its ack. Once with a
// local folder as the store and once with an S3 bucket (SeaweedFS, started
// here as the tests start it; skipped with a note when it is not built).
//
//   bench_ingest [--rows N] [--quick] [--levels-only] [--latency-only SAMPLES]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "arrow/builder.h"
#include "bench_util.h"
#include "flight/client.h"
#include "flight/malloc_tuning.h"
#include "plain_server.h"
#include "support/s3_server.h"
#include "support/server_process.h"

namespace hangar::bench {
namespace {

namespace fs = std::filesystem;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

arrow::SchemaPtr Schema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("amount", arrow::float64()),
                        arrow::field("customer", arrow::utf8()),
                        arrow::field("at", arrow::timestamp(arrow::TimeUnit::kMicro, "UTC"), false),
                        arrow::field("paid", arrow::boolean())});
}

arrow::RecordBatchPtr MakeBatch(int64_t first, int64_t n) {
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::PrimitiveBuilder<double> amounts(arrow::float64());
  arrow::BinaryBuilder customers(arrow::utf8());
  arrow::PrimitiveBuilder<int64_t> at(arrow::timestamp(arrow::TimeUnit::kMicro, "UTC"));
  arrow::BooleanBuilder paid;
  uint64_t h = 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(first);
  for (int64_t i = 0; i < n; ++i) {
    h ^= h << 13, h ^= h >> 7, h ^= h << 17;
    ids.Append(first + i);
    if (h % 16 == 0)
      amounts.AppendNull();
    else
      amounts.Append(static_cast<double>(h % 100000) / 100.0);
    customers.Append("customer-" + std::to_string(h % 50000));
    at.Append(1764460800000000 + (first + i) * 1000);
    if (h % 32 == 0)
      paid.AppendNull();
    else
      paid.Append(h % 3 != 0);
  }
  return arrow::MakeRecordBatch(Schema(), n,
                                {ids.Finish().value(), amounts.Finish().value(), customers.Finish().value(),
                                 at.Finish().value(), paid.Finish().value()});
}

// --- the floor ----------------------------------------------------------------

struct DiskFloor {
  double fsync_p50_us = 0, fsync_p99_us = 0;
  double sequential_mb_s = 0;
};

DiskFloor MeasureDisk(const fs::path& dir, int64_t sequential_bytes) {
  DiskFloor floor;
  const fs::path file = dir / "floor.bin";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) Check(Status::IOError("cannot create " + file.string()), "floor");
  const std::string small(4096, 'x');
  std::vector<double> latencies;
  for (int i = 0; i < 1000; ++i) {
    const auto start = Clock::now();
    if (::write(fd, small.data(), small.size()) != static_cast<ssize_t>(small.size()) || ::fdatasync(fd) != 0)
      Check(Status::IOError("write/fdatasync failed"), "floor");
    latencies.push_back(Seconds(start) * 1e6);
  }
  floor.fsync_p50_us = Percentile(latencies, 0.50);
  floor.fsync_p99_us = Percentile(latencies, 0.99);
  ::close(fd);
  fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const std::string chunk(8 << 20, 'y');
  const auto start = Clock::now();
  for (int64_t done = 0; done < sequential_bytes; done += static_cast<int64_t>(chunk.size()))
    if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size()) || ::fdatasync(fd) != 0)
      Check(Status::IOError("write/fdatasync failed"), "floor");
  floor.sequential_mb_s = static_cast<double>(sequential_bytes) / Seconds(start) / 1e6;
  ::close(fd);
  fs::remove(file);
  return floor;
}

void PrintDiskFloor(const DiskFloor& floor) {
  std::printf(
      "  floor: fdatasync after a 4 KiB append p50 %.0f us, p99 %.0f us; sequential write with an "
      "fdatasync every 8 MiB %.0f MB/s\n",
      floor.fsync_p50_us, floor.fsync_p99_us, floor.sequential_mb_s);
}

// --- Hangar ---------------------------------------------------------------------

std::unique_ptr<flight::FlightClient> Connect(int port) {
  auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", port));
  Check(client.status(), "connect");
  return std::move(*client);
}

void CreateTable(flight::FlightClient& client) {
  auto writer = client.DoPut(flight::FlightDescriptor::Path({"events"}), Schema());
  Check(writer.status(), "DoPut");
  Check((*writer)->Close(), "DoPut close");
}

std::string Request(const char* level) { return nlohmann::json{{"requested_durability", level}}.dump(); }

// One stream writing `rows` rows from `batches` (round robin) at `level`, until
// every batch is acknowledged at that level. Returns the errors seen.
int64_t Stream(flight::FlightClient& client, const std::vector<arrow::RecordBatchPtr>& batches, int64_t rows,
               const char* level, int64_t* bytes) {
  auto stream = client.DoExchange(flight::FlightDescriptor::Path({"events"}));
  Check(stream.status(), "DoExchange");
  Check((*stream)->Begin(Schema()), "DoExchange begin");
  Check((*stream)->WriteMetadata(arrow::Buffer::FromString(Request(level))), "WriteRequest");
  std::atomic<int64_t> errors = 0;
  std::thread reader([&] {
    while (true) {
      auto chunk = (*stream)->Next();
      Check(chunk.status(), "DoExchange read");
      if (chunk->end()) break;
      if (chunk->app_metadata && chunk->app_metadata->view().find("\"error\":null") == std::string_view::npos) ++errors;
    }
  });
  int64_t sent = 0;
  for (size_t i = 0; sent < rows; ++i) {
    const auto& batch = batches[i % batches.size()];
    Check((*stream)->WriteRecordBatch(*batch), "DoExchange write");
    sent += batch->num_rows;
    *bytes += arrow::TotalBufferSize(*batch);
  }
  Check((*stream)->DoneWriting(), "DoExchange done");
  reader.join();
  Check((*stream)->Close(), "DoExchange close");
  return errors;
}

struct Throughput {
  double seconds = 0;
  int64_t rows = 0, bytes = 0, errors = 0;
};

Throughput Ingest(int port, const std::vector<arrow::RecordBatchPtr>& batches, int64_t rows, int streams,
                  const char* level) {
  auto admin = Connect(port);
  CreateTable(*admin);
  std::vector<std::unique_ptr<flight::FlightClient>> clients;
  for (int s = 0; s < streams; ++s) clients.push_back(Connect(port));
  Throughput t;
  std::vector<int64_t> bytes(streams, 0), errors(streams, 0);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s)
    threads.emplace_back([&, s] { errors[s] = Stream(*clients[s], batches, rows / streams, level, &bytes[s]); });
  for (auto& th : threads) th.join();
  t.seconds = Seconds(start);
  for (int s = 0; s < streams; ++s) t.bytes += bytes[s], t.errors += errors[s];
  // What the table holds now, from the server.
  auto info = admin->GetFlightInfo(flight::FlightDescriptor::Path({"events"}));
  Check(info.status(), "GetFlightInfo");
  t.rows = info->total_records;
  return t;
}

struct Latency {
  std::vector<double> memory_us, disk_us;
  // The memory ack's two halves, split at its timestamp_us (the server's
  // clock is this machine's): the batch's way in and the ack's way back.
  std::vector<double> memory_in_us, memory_back_us;
};

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One batch at a time, each acknowledged at `disk` before the next goes.
Latency AckLatency(int port, int samples) {
  auto client = Connect(port);
  CreateTable(*client);
  auto batch = MakeBatch(0, 1000);
  auto stream = client->DoExchange(flight::FlightDescriptor::Path({"events"}));
  Check(stream.status(), "DoExchange");
  Check((*stream)->Begin(Schema()), "DoExchange begin");
  Check((*stream)->WriteMetadata(arrow::Buffer::FromString(Request("disk"))), "WriteRequest");
  Latency out;
  constexpr int kWarmUp = 20;  // as the plain round trips below have
  for (int i = 0; i < kWarmUp + samples; ++i) {
    const bool counted = i >= kWarmUp;
    const auto start = Clock::now();
    const int64_t start_wall = WallMicros();
    Check((*stream)->WriteRecordBatch(*batch), "DoExchange write");
    for (int level = 0; level < 2; ++level) {
      auto chunk = (*stream)->Next();
      Check(chunk.status(), "DoExchange read");
      if (chunk->end() || !chunk->app_metadata) Check(Status::IOError("the stream ended early"), "latency");
      const double us = Seconds(start) * 1e6;
      const bool memory = chunk->app_metadata->view().find("\"memory\"") != std::string_view::npos;
      if (!counted) continue;
      (memory ? out.memory_us : out.disk_us).push_back(us);
      if (memory) {
        const int64_t arrived = WallMicros();
        const auto ack = nlohmann::json::parse(chunk->app_metadata->view());
        const int64_t reached = ack["timestamp_us"].get<int64_t>();
        out.memory_in_us.push_back(static_cast<double>(reached - start_wall));
        out.memory_back_us.push_back(static_cast<double>(arrived - reached));
      }
    }
  }
  Check((*stream)->Close(), "DoExchange close");
  return out;
}

// Round trips of a plain gRPC stream: `bytes` in, a small answer back.
std::vector<double> PlainRoundTrips(int port, int64_t bytes, int samples) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto stub = PlainStream::NewStub(
      grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  auto stream = stub->Echo(&context);
  PlainChunk chunk;
  chunk.set_data(std::string(static_cast<size_t>(bytes), 'x'));
  PlainRequest answer;
  std::vector<double> out;
  constexpr int kWarmUp = 20;
  for (int i = 0; i < kWarmUp + samples; ++i) {
    const auto start = Clock::now();
    if (!stream->Write(chunk) || !stream->Read(&answer)) Check(Status::IOError("the plain stream ended"), "echo");
    if (i >= kWarmUp) out.push_back(Seconds(start) * 1e6);
  }
  stream->WritesDone();
  Check(stream->Finish().ok() ? Status::OK() : Status::IOError("the plain stream failed"), "echo");
  return out;
}

// Per durability level, microseconds from a batch's write call to its ack
// at that level.
struct LevelLatencies {
  std::map<std::string, std::vector<double>> us;
  int64_t errors = 0;
};

// `batches` batches of 10,000 rows, one every `interval`, asking for `level`;
// returns when the last batch is acknowledged at it.
LevelLatencies PacedStream(int port, const char* level, int batches, std::chrono::milliseconds interval) {
  auto client = Connect(port);
  CreateTable(*client);
  const auto batch = MakeBatch(0, 10'000);
  auto stream = client->DoExchange(flight::FlightDescriptor::Path({"events"}));
  Check(stream.status(), "DoExchange");
  Check((*stream)->Begin(Schema()), "DoExchange begin");
  Check((*stream)->WriteMetadata(arrow::Buffer::FromString(Request(level))), "WriteRequest");
  // Send times as nanoseconds of the steady clock: written before the batch
  // goes, read when its acks come back on the other thread.
  std::vector<std::atomic<int64_t>> sent(static_cast<size_t>(batches));
  LevelLatencies out;
  std::thread reader([&] {
    while (true) {
      auto chunk = (*stream)->Next();
      Check(chunk.status(), "DoExchange read");
      if (chunk->end()) break;
      if (!chunk->app_metadata) continue;
      const int64_t now = Clock::now().time_since_epoch().count();
      const auto ack = nlohmann::json::parse(chunk->app_metadata->view());
      if (!ack["error"].is_null()) {
        ++out.errors;
        continue;
      }
      const auto b = ack["batch"].get<size_t>();
      out.us[ack["durability_level"].get<std::string>()].push_back(static_cast<double>(now - sent[b]) / 1e3);
    }
  });
  const auto start = Clock::now();
  for (int i = 0; i < batches; ++i) {
    std::this_thread::sleep_until(start + i * interval);
    sent[static_cast<size_t>(i)] = Clock::now().time_since_epoch().count();
    Check((*stream)->WriteRecordBatch(*batch), "DoExchange write");
  }
  Check((*stream)->DoneWriting(), "DoExchange done");
  reader.join();
  Check((*stream)->Close(), "DoExchange close");
  return out;
}

// The levels above `committed` on a server started with `flags` (its object
// store) and `env`: one paced stream per requested level, each on a fresh server.
void ObjectStoreLevels(const std::string& bin_dir, const fs::path& dir, const char* store_name,
                       const std::vector<std::string>& flags, const std::map<std::string, std::string>& env,
                       int batches) {
  constexpr auto kInterval = std::chrono::milliseconds(20);
  for (const char* level : {"object_storage", "iceberg_committed"}) {
    const std::string data = (dir / (std::string("levels-") + store_name + "-" + level)).string();
    hangar::testing::ServerProcess server(data, env, flags, {}, bin_dir);
    if (!server.started()) {
      std::fprintf(stderr, "bench_ingest: the server did not start:\n%s\n", server.startup_log().c_str());
      std::exit(1);
    }
    const LevelLatencies acks = PacedStream(server.port(), level, batches, kInterval);
    server.Stop();
    fs::remove_all(data);
    if (acks.errors != 0) {
      std::fprintf(stderr, "bench_ingest: %lld error acks at %s\n", static_cast<long long>(acks.errors), level);
      std::exit(1);
    }
    std::printf("  %-6s asking %-17s", store_name, level);
    for (const char* reached : {"memory", "disk", "committed", "object_storage", "iceberg_committed"}) {
      auto it = acks.us.find(reached);
      if (it == acks.us.end()) continue;
      if (it->second.size() != static_cast<size_t>(batches)) {
        std::fprintf(stderr, "\nbench_ingest: %zu of %d batches acked at %s\n", it->second.size(), batches, reached);
        std::exit(1);
      }
      std::printf("  %s %.1f/%.1f ms", reached, Percentile(it->second, 0.5) / 1e3, Percentile(it->second, 0.99) / 1e3);
    }
    std::printf("\n");
  }
}

void AllObjectStoreLevels(const std::string& bin_dir, const fs::path& dir, bool quick) {
  const int batches = quick ? 50 : 250;
  std::printf(
      "  levels above committed: %d batches of 10,000 rows, one every 20 ms; p50/p99 per level reached, "
      "from the write call to the ack\n",
      batches);
  ObjectStoreLevels(bin_dir, dir, "folder", {"--object-store", "file://" + (dir / "bucket").string()}, {}, batches);
  auto s3 = hangar::testing::S3Server::Start(dir / "s3");
  if (!s3.ok()) {
    std::printf("  s3     not measured: %s\n", s3.status().ToString().c_str());
    return;
  }
  const auto options = (*s3)->options();
  ObjectStoreLevels(
      bin_dir, dir, "s3",
      {"--object-store", "s3://hangar/bench", "--s3-endpoint", options.endpoint, "--s3-region", options.region,
       "--s3-addressing", "path"},
      {{"AWS_ACCESS_KEY_ID", options.access_key_id}, {"AWS_SECRET_ACCESS_KEY", options.secret_access_key}}, batches);
}

// Ack latency per level, one 1,000-row batch at a time, against the floors
// (the disk's fsync, a plain gRPC round trip of the same bytes).
void ReportAckLatency(const std::string& bin_dir, const fs::path& dir, const DiskFloor& floor, ForkedServer& plain_server,
                      int samples) {
  const std::string data = (dir / "latency").string();
  auto server = hangar::testing::StartServerOrExit(bin_dir, data, {}, "bench_ingest");
  const Latency latency = AckLatency(server->port(), samples);
  server->Stop();
  const int64_t batch_bytes = hangar::arrow::TotalBufferSize(*MakeBatch(0, 1000));
  const std::vector<double> plain = PlainRoundTrips(plain_server.port(), batch_bytes, samples);
  plain_server.Stop();
  const double plain_p50 = Percentile(plain, 0.5);
  std::printf(
      "  floor: a plain gRPC round trip (generated code, %lld bytes in, a small answer back) p50 %.0f us, "
      "p99 %.0f us\n",
      static_cast<long long>(batch_bytes), plain_p50, Percentile(plain, 0.99));
  const double memory_p50 = Percentile(latency.memory_us, 0.5), memory_p99 = Percentile(latency.memory_us, 0.99);
  const double disk_p50 = Percentile(latency.disk_us, 0.5), disk_p99 = Percentile(latency.disk_us, 0.99);
  std::printf(
      "  ack latency, 1,000-row batches one at a time: memory p50 %.0f us, p99 %.0f us; "
      "disk p50 %.0f us, p99 %.0f us\n",
      memory_p50, memory_p99, disk_p50, disk_p99);
  std::printf(
      "  memory ack p50 split at the ack's timestamp: %.0f us from the write call to the batch taken, "
      "%.0f us for the ack's way back\n",
      Percentile(latency.memory_in_us, 0.5), Percentile(latency.memory_back_us, 0.5));
  const double plain_p99 = Percentile(plain, 0.99);
  const double disk_bound = 2 * floor.fsync_p99_us + plain_p99;
  std::printf(
      "  targets: memory ack p50 %.2fx the plain round "
      "trip's (<= 1.5), p99 %.2fx its p99 (<= 2); disk ack p99 %.0f us vs 2 x fsync p99 + plain p99 = %.0f us "
      "(%s)\n",
      memory_p50 / plain_p50, memory_p99 / plain_p99, disk_p99, disk_bound,
      disk_p99 <= disk_bound ? "met" : "missed");
}

}  // namespace
}  // namespace hangar::bench

int main(int argc, char** argv) {
  using namespace hangar::bench;
  const auto [rows, bin_dir, dir] = SetUpRowsBench(argc, argv, 20'000'000, 2'000'000, "hangar-bench-ingest");
  hangar::flight::TuneMallocForLargeMessages();  // as hangar's own main() does
  const bool quick = rows < 10'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--levels-only") == 0) {
      AllObjectStoreLevels(bin_dir, dir, quick);
      fs::remove_all(dir);
      return 0;
    }
  }
  ForkedServer plain_server([] { return StartPlainServer(64 << 20); });  // forks: before any gRPC thread
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--latency-only") == 0) {
      const DiskFloor floor = MeasureDisk(dir, int64_t{256} << 20);
      PrintDiskFloor(floor);  // the disk ack's target is read against it
      ReportAckLatency(bin_dir, dir, floor, plain_server, std::atoi(argv[i + 1]));
      fs::remove_all(dir);
      return 0;
    }
  }

  // Batches of 10k, 25k, 50k and 100k rows, sent round robin.
  std::vector<hangar::arrow::RecordBatchPtr> batches;
  int64_t first = 0, cycle_bytes = 0, cycle_rows = 0;
  for (int64_t n : {10'000, 25'000, 50'000, 100'000}) {
    batches.push_back(MakeBatch(first, n));
    first += n;
    cycle_rows += n;
    cycle_bytes += hangar::arrow::TotalBufferSize(*batches.back());
  }
  std::printf(
      "bench_ingest: %lld rows per run (int64, float64, utf8, timestamp, bool; %.1f bytes/row), "
      "batches of 10k-100k rows, data dir in %s\n",
      static_cast<long long>(rows), static_cast<double>(cycle_bytes) / static_cast<double>(cycle_rows), dir.c_str());

  const DiskFloor floor = MeasureDisk(dir, rows >= 10'000'000 ? (int64_t{1} << 30) : (int64_t{256} << 20));
  PrintDiskFloor(floor);

  double disk_mb_s_best = 0;
  int run = 0;
  for (const char* level : {"memory", "disk", "committed"}) {
    for (int streams : {1, 4}) {
      const std::string data = (dir / ("data" + std::to_string(run++))).string();
      auto server = hangar::testing::StartServerOrExit(bin_dir, data, {}, "bench_ingest");
      const Throughput t = Ingest(server->port(), batches, rows, streams, level);
      server->Stop();
      fs::remove_all(data);
      const double mb_s = static_cast<double>(t.bytes) / t.seconds / 1e6;
      std::printf("  %-9s %d stream%s %7.2f s %7.2f M rows/s %7.0f MB/s", level, streams, streams > 1 ? "s" : " ",
                  t.seconds, static_cast<double>(t.rows) / t.seconds / 1e6, mb_s);
      if (std::strcmp(level, "disk") == 0) {
        std::printf("   %.2fx the disk's sequential-with-fsync speed (target >= 0.7x)", mb_s / floor.sequential_mb_s);
        disk_mb_s_best = std::max(disk_mb_s_best, mb_s);
      } else if (std::strcmp(level, "committed") == 0) {
        std::printf("   (bound by the flush into Parquet)");
      }
      std::printf("\n");
      if (t.errors != 0 || t.rows < rows - 3) {
        std::fprintf(stderr, "bench_ingest: %lld error acks, %lld rows in the table, %lld sent\n",
                     static_cast<long long>(t.errors), static_cast<long long>(t.rows), static_cast<long long>(rows));
        return 1;
      }
    }
  }

  // The runs above leave hundreds of MB for the kernel to write back: the
  // latency run starts once they are on the disk, as the floor's did.
  std::printf("  target: disk ingest %.2fx sequential-with-fsync (>= 0.7)\n", disk_mb_s_best / floor.sequential_mb_s);
  ::sync();
  ReportAckLatency(bin_dir, dir, floor, plain_server, rows >= 10'000'000 ? 2000 : 500);
  AllObjectStoreLevels(bin_dir, dir, quick);
  fs::remove_all(dir);
  return 0;
}
