// A mixed load against a running `hangar serve`: N clients, each looping over
// DoGet of a table, DoPut of a small dataset, a DoExchange stream acked at
// `disk`, and a SQL aggregate, checking every answer. It records each
// operation's latency and every unexpected error, and samples the server's
// resident memory. bench/load_bench.cc runs it for a minute with 32 clients;
// tests/server/load_test.cc runs it briefly and asserts no errors and bounded
// memory.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "flight/client.h"
#include "sql/flight_sql_client.h"

namespace hangar::testing {

inline arrow::SchemaPtr LoadSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("what", arrow::utf8())});
}

inline arrow::RecordBatchPtr LoadRows(int64_t first, int64_t n) {
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::BinaryBuilder what(arrow::utf8());
  for (int64_t i = first; i < first + n; ++i) {
    ids.Append(i);
    what.Append("row " + std::to_string(i));
  }
  return arrow::MakeRecordBatch(LoadSchema(), n, {ids.Finish().value(), what.Finish().value()});
}

// GET http://127.0.0.1:port/path: the body ("" on failure). Enough HTTP for
// a metrics scrape.
inline std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return "";
  }
  std::string response;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The port in a server log's "serving metrics on http://127.0.0.1:PORT/metrics"
// line; -1 if there is none.
inline int MetricsPortInLog(const std::string& log) {
  const std::string marker = "serving metrics on http://127.0.0.1:";
  const size_t at = log.find(marker);
  return at == std::string::npos ? -1 : std::atoi(log.c_str() + at + marker.size());
}

// A process's peak resident memory so far (VmHWM) in MiB; -1 if unreadable.
inline int64_t PeakResidentMiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  return -1;
}

struct OpStats {
  std::vector<double> latencies_ms;
  int64_t errors = 0;
  std::string first_error;

  double Percentile(double p) const {
    if (latencies_ms.empty()) return 0;
    std::vector<double> sorted = latencies_ms;
    std::sort(sorted.begin(), sorted.end());
    return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())))];
  }
};

struct LoadResult {
  std::map<std::string, OpStats> ops;  // get, put, exchange, sql
  double seconds = 0;
  int64_t peak_rss_mib = -1;
  int64_t errors() const {
    int64_t n = 0;
    for (const auto& [name, op] : ops) n += op.errors;
    return n;
  }
};

constexpr int64_t kLoadBaseRows = 20000;

// The tables the load reads and writes: load_base (kLoadBaseRows rows),
// load_put and load_stream (empty).
inline Status PrepareLoad(flight::FlightClient& client) {
  for (const char* name : {"load_base", "load_put", "load_stream"}) {
    HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(flight::FlightDescriptor::Path({name}), LoadSchema()));
    if (std::string(name) == "load_base")
      for (int64_t b = 0; b < kLoadBaseRows / 5000; ++b)
        HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*LoadRows(b * 5000, 5000)));
    HANGAR_RETURN_NOT_OK(writer->Close());
  }
  return Status::OK();
}

namespace internal {

inline Status LoadGet(flight::FlightClient& client) {
  HANGAR_ASSIGN_OR_RETURN(auto info, client.GetFlightInfo(flight::FlightDescriptor::Path({"load_base"})));
  int64_t rows = 0;
  for (const auto& endpoint : info.endpoints) {
    HANGAR_ASSIGN_OR_RETURN(auto reader, client.DoGet(endpoint.ticket));
    HANGAR_ASSIGN_OR_RETURN(auto batches, reader->ReadAll());
    for (const auto& b : batches) rows += b->num_rows;
  }
  if (rows != kLoadBaseRows)
    return Status::Internal("DoGet of load_base gave " + std::to_string(rows) + " rows, not " +
                            std::to_string(kLoadBaseRows));
  return Status::OK();
}

inline Status LoadPut(flight::FlightClient& client, int64_t first) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(flight::FlightDescriptor::Path({"load_put"}), LoadSchema()));
  HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*LoadRows(first, 1000)));
  return writer->Close();
}

inline Status LoadExchange(flight::FlightClient& client, int64_t first) {
  constexpr int kBatches = 4;
  HANGAR_ASSIGN_OR_RETURN(auto stream, client.DoExchange(flight::FlightDescriptor::Path({"load_stream"})));
  HANGAR_RETURN_NOT_OK(stream->Begin(LoadSchema()));
  for (int b = 0; b < kBatches; ++b)
    HANGAR_RETURN_NOT_OK(
        stream->WriteRecordBatch(*LoadRows(first + b * 500, 500),
                                 b == 0 ? arrow::Buffer::FromString(R"({"requested_durability": "disk"})") : nullptr));
  HANGAR_RETURN_NOT_OK(stream->DoneWriting());
  int disk_acks = 0;
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto chunk, stream->Next());
    if (chunk.end()) break;
    if (!chunk.app_metadata) continue;
    const std::string ack(chunk.app_metadata->view());
    if (ack.find("\"error\":null") == std::string::npos && ack.find("\"error\"") != std::string::npos)
      return Status::Internal("a batch was refused: " + ack);
    if (ack.find("\"durability_level\":\"disk\"") != std::string::npos) ++disk_acks;
  }
  HANGAR_RETURN_NOT_OK(stream->Close());
  if (disk_acks != kBatches) return Status::Internal(std::to_string(disk_acks) + " disk acks for 4 batches");
  return Status::OK();
}

inline Status LoadSql(flight::FlightClient& client) {
  int64_t count = -1;
  HANGAR_RETURN_NOT_OK(sql::RunClientQuery(
      client, "SELECT count(*) FROM load_base WHERE what LIKE 'row %'",
      [](const arrow::SchemaPtr&) { return Status::OK(); },
      [&](const arrow::RecordBatch& batch) {
        if (batch.num_rows > 0) count = arrow::LoadInteger(*batch.column(0), batch.column(0)->offset);
        return Status::OK();
      }));
  if (count != kLoadBaseRows) return Status::Internal("SQL counted " + std::to_string(count) + " rows");
  return Status::OK();
}

}  // namespace internal

// `clients` clients for `seconds` against 127.0.0.1:port (PrepareLoad done);
// `server` is sampled for memory.
inline LoadResult RunLoad(int port, pid_t server, int clients, double seconds) {
  static const char* kOps[] = {"get", "put", "exchange", "sql"};
  LoadResult result;
  std::mutex mu;
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::map<std::string, OpStats> mine;
      auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", port));
      if (!client.ok()) {
        std::lock_guard lock(mu);
        result.ops["connect"].errors++;
        result.ops["connect"].first_error = client.status().ToString();
        return;
      }
      int64_t next_id = static_cast<int64_t>(c) << 40;
      for (int64_t i = c; std::chrono::steady_clock::now() < until; ++i) {
        const std::string op = kOps[i % 4];
        const auto t0 = std::chrono::steady_clock::now();
        Status st = op == "get"        ? internal::LoadGet(**client)
                    : op == "put"      ? internal::LoadPut(**client, next_id)
                    : op == "exchange" ? internal::LoadExchange(**client, next_id)
                                       : internal::LoadSql(**client);
        next_id += 2000;
        OpStats& stats = mine[op];
        stats.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        if (!st.ok()) {
          if (stats.errors++ == 0) stats.first_error = st.ToString();
        }
      }
      std::lock_guard lock(mu);
      for (auto& [name, stats] : mine) {
        OpStats& all = result.ops[name];
        all.latencies_ms.insert(all.latencies_ms.end(), stats.latencies_ms.begin(), stats.latencies_ms.end());
        if (all.errors == 0 && stats.errors > 0) all.first_error = stats.first_error;
        all.errors += stats.errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.peak_rss_mib = PeakResidentMiB(server);
  return result;
}

}  // namespace hangar::testing
