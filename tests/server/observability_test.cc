// Operations against `hangar serve` as a process: metrics scraped over HTTP
// after known traffic carry exact values, the access log has one JSON line
// per call and never a password or token, `hangar status` reports the
// server's state, and the configuration's precedence and reference hold.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "flight/auth/users_file.h"
#include "store/store_test_util.h"
#include "support/load_mix.h"
#include "support/server_process.h"

namespace hangar {
namespace {

using store::testing::Events;
using store::testing::EventSchema;
using testing::HttpGet;
using testing::ServerProcess;
using testing::TempDataDir;

// The port in the "serving metrics on http://127.0.0.1:PORT/metrics" line.
int MetricsPort(const ServerProcess& server) { return testing::MetricsPortInLog(server.startup_log()); }

// The value of one series (`name{labels}` exactly as exposed), -1 if absent.
double Sample(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

// The access log's lines (JSON, msg "call"), once `count` of them are there.
std::vector<nlohmann::json> CallLines(const ServerProcess& server, size_t count) {
  std::vector<nlohmann::json> calls;
  for (int attempt = 0; attempt < 200; ++attempt) {
    calls.clear();
    std::istringstream lines(server.log());
    for (std::string line; std::getline(lines, line);) {
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (!json.is_discarded() && json.value("msg", "") == "call") calls.push_back(json);
    }
    if (calls.size() >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return calls;
}

// Runs a shell command; its standard output, and its exit code in *code.
std::string Shell(const std::string& command, int* code = nullptr) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = ::pclose(pipe);
  if (code) *code = WEXITSTATUS(status);
  return out;
}

const std::string kHangar = std::string(HANGAR_BIN_DIR) + "/hangar";

TEST(Observability, AScrapeAfterKnownTrafficHasExactValuesAndTheAccessLogALinePerCall) {
  TempDataDir dir;
  ServerProcess server(dir.str(), {}, {"--metrics-listen", "127.0.0.1:0", "--log-format", "json"});
  ASSERT_TRUE(server.started()) << server.startup_log();
  const int metrics_port = MetricsPort(server);
  ASSERT_GT(metrics_port, 0) << server.startup_log();
  auto client = server.Connect();

  // A put of 3 batches of 100 rows; each endpoint read twice; an unknown table.
  auto writer = client->DoPut(flight::FlightDescriptor::Path({"m"}), EventSchema()).value();
  for (int b = 0; b < 3; ++b) ASSERT_TRUE(writer->WriteRecordBatch(*Events(b * 100, 100)).ok());
  ASSERT_TRUE(writer->Close().ok());
  auto info = client->GetFlightInfo(flight::FlightDescriptor::Path({"m"})).value();
  for (int round = 0; round < 2; ++round)
    for (const auto& endpoint : info.endpoints) ASSERT_TRUE(client->DoGet(endpoint.ticket).value()->ReadAll().ok());
  EXPECT_EQ(client->GetFlightInfo(flight::FlightDescriptor::Path({"nope"})).status().code(), StatusCode::kNotFound);
  // Two batches streamed at `disk`.
  auto stream = client->DoExchange(flight::FlightDescriptor::Path({"m"})).value();
  ASSERT_TRUE(stream->Begin(EventSchema()).ok());
  ASSERT_TRUE(
      stream->WriteRecordBatch(*Events(300, 50), arrow::Buffer::FromString(R"({"requested_durability": "disk"})"))
          .ok());
  ASSERT_TRUE(stream->WriteRecordBatch(*Events(350, 50)).ok());
  ASSERT_TRUE(stream->DoneWriting().ok());
  while (true) {
    auto chunk = stream->Next();
    ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (chunk->end()) break;
  }
  ASSERT_TRUE(stream->Close().ok());

  const std::string scrape = HttpGet(metrics_port, "/metrics");
  const double endpoints = static_cast<double>(info.endpoints.size());
  EXPECT_EQ(Sample(scrape, R"(hangar_rpc_received_rows_total{rpc="DoPut",resource="default.m"})"), 300) << scrape;
  EXPECT_EQ(Sample(scrape, R"(hangar_rpc_handled_total{rpc="DoPut",code="OK"})"), 1);
  EXPECT_EQ(Sample(scrape, R"(hangar_rpc_sent_rows_total{rpc="DoGet",resource="default.m"})"), 600);
  EXPECT_EQ(Sample(scrape, R"(hangar_rpc_handled_total{rpc="DoGet",code="OK"})"), 2 * endpoints);
  EXPECT_EQ(Sample(scrape, R"(hangar_rpc_handled_total{rpc="GetFlightInfo",code="OK"})"), 1);
  EXPECT_EQ(Sample(scrape, R"(hangar_rpc_handled_total{rpc="GetFlightInfo",code="NOT_FOUND"})"), 1);
  EXPECT_EQ(Sample(scrape, R"(hangar_rpc_received_rows_total{rpc="DoExchange",resource="default.m"})"), 100);
  EXPECT_EQ(Sample(scrape, R"(hangar_ingest_ack_seconds_count{level="memory"})"), 2);
  EXPECT_EQ(Sample(scrape, R"(hangar_ingest_ack_seconds_count{level="disk"})"), 2);
  EXPECT_EQ(Sample(scrape, "hangar_wal_group_records_sum"), 2);
  EXPECT_EQ(Sample(scrape, "hangar_rpc_active_streams"), 0);
  EXPECT_GT(Sample(scrape, "hangar_memtable_bytes"), 0);
  EXPECT_GE(Sample(scrape, "hangar_wal_fsync_seconds_count"), 1);

  // One access-log line per call, each naming what it did.
  const size_t calls = 1 + 1 + 2 * info.endpoints.size() + 1 + 1;
  auto lines = CallLines(server, calls);
  ASSERT_EQ(lines.size(), calls) << server.log();
  EXPECT_EQ(lines[0]["rpc"], "DoPut");
  EXPECT_EQ(lines[0]["target"], "m");
  EXPECT_EQ(lines[0]["status"], "OK");
  EXPECT_EQ(lines[0]["rows_in"], 300);
  EXPECT_GT(lines[0]["bytes_in"].get<int64_t>(), 0);
  EXPECT_TRUE(lines[0]["duration_ms"].is_number());
  const auto& missing = lines[calls - 2];
  EXPECT_EQ(missing["rpc"], "GetFlightInfo");
  EXPECT_EQ(missing["status"], "NOT_FOUND");
  EXPECT_NE(missing["error"].get<std::string>().find("nope"), std::string::npos) << missing.dump();
  EXPECT_EQ(lines[calls - 1]["rpc"], "DoExchange");
  EXPECT_EQ(lines[calls - 1]["rows_in"], 100);

  // `hangar status` reports the same state.
  int code = 0;
  const std::string status =
      Shell(kHangar + " status --server grpc://127.0.0.1:" + std::to_string(server.port()), &code);
  EXPECT_EQ(code, 0) << status;
  EXPECT_NE(status.find("tables (1):"), std::string::npos) << status;
  EXPECT_NE(status.find("default.m"), std::string::npos) << status;
  EXPECT_NE(status.find("400 rows"), std::string::npos) << status;
  const std::string json = Shell(kHangar + " status --json --server grpc://127.0.0.1:" + std::to_string(server.port()));
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json;
  EXPECT_EQ(parsed["metrics"]["rows_received"], 400);
  EXPECT_EQ(parsed["metrics"]["errors"], 1);
}

TEST(Observability, TheAccessLogNamesUsersButNeverPasswordsOrTokens) {
  TempDataDir dir;
  std::filesystem::create_directories(dir.path());
  const std::string users_path = (dir.path() / "users.json").string();
  flight::auth::UsersFile users;
  ASSERT_TRUE(users.AddUser("alice", "s3cret-pw", {{flight::auth::Access::kAdmin, "*"}}, false, 1000).ok());
  ASSERT_TRUE(users.Save(users_path).ok());
  ServerProcess server((dir.path() / "data").string(), {},
                       {"--users", users_path, "--metrics-listen", "127.0.0.1:0", "--log-format", "logfmt"});
  ASSERT_TRUE(server.started()) << server.startup_log();
  auto client = server.Connect();
  auto token = client->AuthenticateBasicToken("alice", "s3cret-pw");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  ASSERT_TRUE(client->ListFlights().ok());
  auto intruder = server.Connect();
  EXPECT_EQ(intruder->AuthenticateBasicToken("alice", "wrong-pw-123").status().code(), StatusCode::kUnauthenticated);

  const std::string scrape = HttpGet(MetricsPort(server), "/metrics");
  EXPECT_EQ(Sample(scrape, "hangar_auth_tokens_issued_total"), 1) << scrape;
  EXPECT_EQ(Sample(scrape, R"(hangar_auth_refused_total{reason="password"})"), 1) << scrape;
  std::string log;
  for (int attempt = 0; attempt < 200 && log.find("UNAUTHENTICATED") == std::string::npos; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    log = server.log();
  }
  EXPECT_NE(log.find("rpc=ListFlights user=alice"), std::string::npos) << log;
  EXPECT_NE(log.find("status=UNAUTHENTICATED"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret-pw"), std::string::npos) << log;
  EXPECT_EQ(log.find("wrong-pw-123"), std::string::npos) << log;
  EXPECT_EQ(log.find(*token), std::string::npos) << log;
}

TEST(Configuration, CommandLineBeatsEnvironmentBeatsFileBeatsDefault) {
  TempDataDir dir;
  std::filesystem::create_directories(dir.path());
  const std::string file = (dir.path() / "hangar.toml").string();
  std::ofstream(file) << "# a config file\nmax-streams = 9\nlog-level = \"debug\"\nlog-format = logfmt\n"
                         "kafka-property = a=1\nkafka-property = b=2\ninsecure = true\n";
  int code = 0;
  const std::string out = Shell("HANGAR_MAX_STREAMS=7 HANGAR_LOG_FORMAT=json " + kHangar +
                                    " serve --print-config --config " + file + " --max-streams 5",
                                &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("max-streams = \"5\"  # command line"), std::string::npos) << out;
  EXPECT_NE(out.find("log-format = \"json\"  # environment"), std::string::npos) << out;
  EXPECT_NE(out.find("log-level = \"debug\"  # config file"), std::string::npos) << out;
  EXPECT_NE(out.find("kafka-property = \"a=1\"  # config file\nkafka-property = \"b=2\"  # config file"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("insecure = true  # config file"), std::string::npos) << out;
  EXPECT_NE(out.find("listen = \"127.0.0.1:8815\"  # default"), std::string::npos) << out;
  EXPECT_NE(out.find("# users ="), std::string::npos) << out;
}

TEST(Configuration, BadValuesAreRefusedByName) {
  int code = 0;
  std::string out = Shell(kHangar + " serve --max-streams none", &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("--max-streams must be a whole number of at least 1, not 'none'"), std::string::npos) << out;
  out = Shell("HANGAR_DEV_KAFKA=maybe " + kHangar + " serve", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("HANGAR_DEV_KAFKA is true or false, not 'maybe'"), std::string::npos) << out;
  out = Shell(kHangar + " serve --log-format xml --print-config", &code);
  EXPECT_EQ(code, 0) << out;  // printing does not judge values...
  out = Shell(kHangar + " serve --log-format xml --data-dir /nonexistent/x", &code);
  EXPECT_EQ(code, 1);  // ...serving does
  EXPECT_NE(out.find("unknown log format 'xml'"), std::string::npos) << out;
}

TEST(Configuration, TheReferenceInTheDocsIsTheOneTheCodePrints) {
  std::ifstream in(std::string(HANGAR_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream docs;
  docs << in.rdbuf();
  int code = 0;
  const std::string printed = Shell(kHangar + " serve --config-reference", &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(docs.str(), printed) << "docs/configuration.md is out of date: regenerate it with "
                                    "`build/bin/hangar serve --config-reference > docs/configuration.md`";
}

}  // namespace
}  // namespace hangar
