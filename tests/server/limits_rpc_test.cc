// Small inputs that must not cost `hangar serve` much: each is sent by the
// C++ Flight client to the server as a process, and each must fail with the
// status and the flag that bounds it, leave the server's resident memory
// within a bound, and leave other clients served.
//
//   - a batch whose header claims billions of rows that no buffer backs
//     (the null type; a fixed-size list of nulls whose child claims them);
//   - a hundred thousand one-row batches, through DoExchange and DoPut;
//   - a query text of hundreds of megabytes;
//   - prepared statements held open without end, and parameter rows that
//     cost far more bound than their Arrow bytes;
//   - a query needing more memory and spill space than DuckDB may have;
//   - a dictionary grown by deltas without end;
//   - JSON nested a hundred thousand levels deep (which crashed the server
//     where it copied such a value).
#include <google/protobuf/any.pb.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

#include "arrow/builder.h"
#include "flight/auth/users_file.h"
#include "sql/flight_sql_client.h"
#include "sql/proto/FlightSql.pb.h"
#include "store/store_test_util.h"
#include "support/server_checks.h"
#include "support/server_process.h"

namespace hangar {
namespace {

namespace pb = ::arrow::flight::protocol::sql;
using store::testing::Events;
using store::testing::EventSchema;
using testing::ResidentMiB;
using testing::ServerProcess;
using testing::TempDataDir;

// Runs `work` while sampling the server's resident memory; returns how far
// the peak rose above where it stood before.
int64_t GrowthMiB(const ServerProcess& server, const std::function<void()>& work) {
  const int64_t before = ResidentMiB(server.pid());
  std::atomic<bool> done = false;
  std::atomic<int64_t> peak = before;
  std::thread sampler([&] {
    while (!done) {
      peak = std::max<int64_t>(peak, ResidentMiB(server.pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  work();
  done = true;
  sampler.join();
  peak = std::max<int64_t>(peak, ResidentMiB(server.pid()));
  std::printf("server memory: %lld MiB before, peak %lld MiB\n", static_cast<long long>(before),
              static_cast<long long>(peak.load()));
  return peak - before;
}

// A client of its own puts a small table, reads it back and runs SQL on it:
// the server still serves others.
void AnotherClientIsServed(const ServerProcess& server, const std::string& table) {
  auto client = server.Connect();
  ASSERT_NE(client, nullptr);
  auto writer = client->DoPut(flight::FlightDescriptor::Path({table}), EventSchema());
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->WriteRecordBatch(*Events(0, 100)).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto info = client->GetFlightInfo(flight::FlightDescriptor::Path({table}));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->total_records, 100);
  int64_t rows = 0;
  Status st = sql::RunClientQuery(
      *client, "SELECT id FROM " + table + " WHERE id < 10", [](const arrow::SchemaPtr&) { return Status::OK(); },
      [&](const arrow::RecordBatch& batch) {
        rows += batch.num_rows;
        return Status::OK();
      });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(rows, 10);
}

void ExpectRefused(const Status& st, StatusCode code, const std::string& flag) {
  EXPECT_EQ(st.code(), code) << st.ToString();
  EXPECT_NE(st.message().find(flag), std::string::npos) << st.message();
}

// A DoPut of `batch` into `table`: the call's final status.
Status PutOne(flight::FlightClient& client, const std::string& table, const arrow::RecordBatch& batch) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(flight::FlightDescriptor::Path({table}), batch.schema));
  Status wrote = writer->WriteRecordBatch(batch);
  Status closed = writer->Close();
  return closed.ok() ? wrote : closed;
}

TEST(TinyInputs, ABatchClaimingBillionsOfRowsIsRefusedFromItsHeader) {
  TempDataDir dir;
  ServerProcess server(dir.str(), testing::MemoryMeasuredEnv());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  const int64_t growth = GrowthMiB(server, [&] {
    // A null column of 2^31 - 1 rows: a message of a few hundred bytes.
    const int64_t rows = INT32_MAX;
    auto nulls = arrow::schema({arrow::field("n", arrow::null())});
    auto batch = arrow::MakeRecordBatch(nulls, rows, {arrow::MakeArray(arrow::null(), rows, {})});
    ExpectRefused(PutOne(*client, "nulls", *batch), StatusCode::kResourceExhausted, "--max-batch-rows");
    // Four rows, each a fixed-size list of 2^30 nulls: the child claims 2^32.
    auto fixed = arrow::fixed_size_list(arrow::field("item", arrow::null()), 1 << 30);
    auto lists = arrow::schema({arrow::field("l", fixed)});
    auto list = arrow::MakeArray(fixed, 4, {nullptr}, {arrow::MakeArray(arrow::null(), int64_t{4} << 30, {})});
    ExpectRefused(PutOne(*client, "lists", *arrow::MakeRecordBatch(lists, 4, {list})), StatusCode::kResourceExhausted,
                  "--max-batch-rows");
    // A struct of a null field through DoExchange: refused as it is read,
    // before the table (of other columns) is even asked.
    ASSERT_TRUE(PutOne(*client, "events", *Events(0, 1)).ok());
    auto structs = arrow::schema({arrow::field("s", arrow::struct_({arrow::field("n", arrow::null())}))});
    auto stream = client->DoExchange(flight::FlightDescriptor::Path({"events"})).value();
    ASSERT_TRUE(stream->Begin(structs).ok());
    (void)stream->WriteRecordBatch(*arrow::MakeRecordBatch(
        structs, rows,
        {arrow::MakeArray(structs->field(0)->type(), rows, {nullptr}, {arrow::MakeArray(arrow::null(), rows, {})})}));
    (void)stream->DoneWriting();
    ExpectRefused(stream->Close(), StatusCode::kResourceExhausted, "--max-batch-rows");
  });
  // Nothing of the claimed rows was ever made.
  EXPECT_LT(growth, 100) << "MiB above the server's memory before";
  AnotherClientIsServed(server, "others");
  EXPECT_FALSE(server.Connect()->GetFlightInfo(flight::FlightDescriptor::Path({"nulls"})).ok());
}

// Every ack of a DoExchange until its end; `ended` gets how it ended.
int64_t CountGoodAcks(flight::ExchangeStream& stream, Status* ended) {
  int64_t good = 0;
  while (true) {
    auto chunk = stream.Next();
    if (!chunk.ok()) {
      *ended = chunk.status();
      return good;
    }
    if (chunk->end()) return good;
    if (!chunk->app_metadata) continue;
    auto ack = nlohmann::json::parse(chunk->app_metadata->view(), nullptr, false);
    if (ack.is_object() && ack["error"].is_null()) ++good;
  }
}

TEST(TinyInputs, ManyOneRowBatchesAreHeldToTheMemoryBound) {
  TempDataDir dir;
  // The memtables may hold 32 MiB: that is what the batches' objects must
  // count against, not the few bytes of their values.
  ServerProcess server(dir.str(), testing::MemoryMeasuredEnv(), {"--max-memtable-mib", "32"});
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  ASSERT_TRUE(PutOne(*client, "events", *Events(0, 1)).ok());
  constexpr int64_t kBatches = 50'000;  // each way; a few MB on the wire
  std::vector<arrow::RecordBatchPtr> batches;
  for (int64_t i = 0; i < kBatches; ++i) batches.push_back(Events(i + 1, 1));
  const int64_t growth = GrowthMiB(server, [&] {
    // Streaming ingest at `memory`: an ack per batch.
    auto stream = client->DoExchange(flight::FlightDescriptor::Path({"events"})).value();
    ASSERT_TRUE(stream->Begin(EventSchema()).ok());
    ASSERT_TRUE(stream->WriteMetadata(arrow::Buffer::FromString(R"({"requested_durability": "memory"})")).ok());
    std::thread writer([&] {
      for (const auto& batch : batches) ASSERT_TRUE(stream->WriteRecordBatch(*batch).ok());
      ASSERT_TRUE(stream->DoneWriting().ok());
    });
    Status ended;
    EXPECT_EQ(CountGoodAcks(*stream, &ended), kBatches);
    writer.join();
    EXPECT_TRUE(ended.ok()) << ended.ToString();
    EXPECT_TRUE(stream->Close().ok());
    // A put of as many, into DuckDB's Parquet writer.
    auto put = client->DoPut(flight::FlightDescriptor::Path({"puts"}), EventSchema()).value();
    for (const auto& batch : batches) ASSERT_TRUE(put->WriteRecordBatch(*batch).ok());
    Status closed = put->Close();
    EXPECT_TRUE(closed.ok()) << closed.ToString();
  });
  EXPECT_EQ(client->GetFlightInfo(flight::FlightDescriptor::Path({"events"})).value().total_records, kBatches + 1);
  EXPECT_EQ(client->GetFlightInfo(flight::FlightDescriptor::Path({"puts"})).value().total_records, kBatches);
  // Counted by their bytes alone, the memtables would have held all of them
  // (about 45 KB each in the server: 2 GB), and DuckDB as much again for
  // the put. Counted with their objects, the memtables flush every few
  // thousand, and the put's batches reach DuckDB a few thousand rows at once.
#if defined(HANGAR_TEST_ASAN)
  constexpr int64_t kMaxGrowthMiB = 500;
#else
  constexpr int64_t kMaxGrowthMiB = 300;
#endif
  EXPECT_LT(growth, kMaxGrowthMiB) << "MiB above the server's memory before";
  AnotherClientIsServed(server, "others");
}

TEST(TinyInputs, AHugeQueryTextIsRefusedBeforeItIsParsed) {
  TempDataDir dir;
  ServerProcess server(dir.str(), testing::MemoryMeasuredEnv());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  auto run = [&](const std::string& sql) {
    return sql::RunClientQuery(
        *client, sql, [](const arrow::SchemaPtr&) { return Status::OK(); },
        [](const arrow::RecordBatch&) { return Status::OK(); });
  };
  const int64_t growth = GrowthMiB(server, [&] {
    // 200 MiB: under the largest message, over the largest request.
    ExpectRefused(run("SELECT 1 AS one -- " + std::string(200 << 20, 'x')), StatusCode::kResourceExhausted,
                  "--max-request-kib");
  });
  // What gRPC received, and the request it became, for a moment; no parse
  // of it (which took the server to 4 GB).
#if defined(HANGAR_TEST_ASAN)
  constexpr int64_t kMaxGrowthMiB = 1000;
#else
  constexpr int64_t kMaxGrowthMiB = 700;
#endif
  EXPECT_LT(growth, kMaxGrowthMiB) << "MiB above the server's memory before";
  // 2 MiB: a request the server takes, a query text it does not.
  ExpectRefused(run("SELECT 1 AS one -- " + std::string(2 << 20, 'x')), StatusCode::kResourceExhausted,
                "--max-query-kib");
  // Prepared, the same.
  pb::ActionCreatePreparedStatementRequest request;
  request.set_query("SELECT 1 AS one -- " + std::string(2 << 20, 'x'));
  google::protobuf::Any any;
  any.PackFrom(request);
  ExpectRefused(client->DoAction(flight::Action{"CreatePreparedStatement", any.SerializeAsString()}).status(),
                StatusCode::kResourceExhausted, "--max-query-kib");
  EXPECT_TRUE(run("SELECT 1 AS one -- a comment").ok());
  AnotherClientIsServed(server, "others");
}

// A prepared statement of `sql` by `client`: its handle.
Result<std::string> Prepare(flight::FlightClient& client, const std::string& sql) {
  pb::ActionCreatePreparedStatementRequest request;
  request.set_query(sql);
  google::protobuf::Any any;
  any.PackFrom(request);
  HANGAR_ASSIGN_OR_RETURN(auto results,
                          client.DoAction(flight::Action{"CreatePreparedStatement", any.SerializeAsString()}));
  google::protobuf::Any answer;
  pb::ActionCreatePreparedStatementResult result;
  if (results.size() != 1 || !answer.ParseFromString(results[0].body) || !answer.UnpackTo(&result))
    return Status::Internal("no ActionCreatePreparedStatementResult");
  return result.prepared_statement_handle();
}

Status ClosePrepared(flight::FlightClient& client, const std::string& handle) {
  pb::ActionClosePreparedStatementRequest request;
  request.set_prepared_statement_handle(handle);
  google::protobuf::Any any;
  any.PackFrom(request);
  return client.DoAction(flight::Action{"ClosePreparedStatement", any.SerializeAsString()}).status();
}

TEST(TinyInputs, PreparedStatementsAreBoundedPerUserInAllAndInMemory) {
  TempDataDir dir;
  std::filesystem::create_directories(dir.path());
  const std::string users_path = (dir.path() / "users.json").string();
  flight::auth::UsersFile users;
  for (const char* name : {"alice", "bob", "carol"})
    ASSERT_TRUE(
        users.AddUser(name, std::string(name) + "-pw", {{flight::auth::Access::kWrite, "*"}}, false, 1000).ok());
  ASSERT_TRUE(users.Save(users_path).ok());
  ServerProcess server((dir.path() / "data").string(), testing::MemoryMeasuredEnv(),
                       {"--users", users_path, "--max-prepared-statements-per-user", "4", "--max-prepared-statements",
                        "6", "--prepared-memory-mib", "2"});
  ASSERT_TRUE(server.started()) << server.startup_log();
  auto login = [&](const std::string& name) {
    auto client = server.Connect();
    EXPECT_TRUE(client->AuthenticateBasicToken(name, name + "-pw").ok());
    return client;
  };
  auto alice = login("alice");
  auto bob = login("bob");
  auto carol = login("carol");
  const int64_t growth = GrowthMiB(server, [&] {
    std::vector<std::string> alices;
    for (int i = 0; i < 4; ++i) alices.push_back(Prepare(*alice, "SELECT " + std::to_string(i) + " AS n").value());
    ExpectRefused(Prepare(*alice, "SELECT 5 AS n").status(), StatusCode::kResourceExhausted,
                  "--max-prepared-statements-per-user");
    EXPECT_NE(Prepare(*alice, "SELECT 5 AS n").status().message().find("user 'alice'"), std::string::npos);
    // Bob has room of his own, until the server's is used up.
    std::vector<std::string> bobs;
    for (int i = 0; i < 2; ++i) bobs.push_back(Prepare(*bob, "SELECT " + std::to_string(i) + " AS n").value());
    ExpectRefused(Prepare(*bob, "SELECT 2 AS n").status(), StatusCode::kResourceExhausted, "--max-prepared-statements");
    // Closed statements give their room back; their text counts against the memory limit.
    for (const auto& handle : alices) ASSERT_TRUE(ClosePrepared(*alice, handle).ok());
    const std::string padding(1'000'000, ' ');
    ASSERT_TRUE(Prepare(*carol, "SELECT 1 AS n" + padding).ok());
    ASSERT_TRUE(Prepare(*carol, "SELECT 2 AS n" + padding).ok());
    ExpectRefused(Prepare(*carol, "SELECT 3 AS n" + padding).status(), StatusCode::kResourceExhausted,
                  "--prepared-memory-mib");
    // Small ones still fit.
    EXPECT_TRUE(Prepare(*alice, "SELECT 4 AS n").ok());
  });
  EXPECT_LT(growth, 150) << "MiB above the server's memory before";
  // Queries that prepare nothing go on for everyone.
  int64_t rows = 0;
  EXPECT_TRUE(sql::RunClientQuery(
                  *bob, "SELECT 42 AS n", [](const arrow::SchemaPtr&) { return Status::OK(); },
                  [&](const arrow::RecordBatch& batch) {
                    rows += batch.num_rows;
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(rows, 1);
}

// What a command prints on stdout.
std::string Output(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    pclose(pipe);
  }
  return out;
}

// Binds `rows` parameter rows (one int64 column) to a prepared query.
Status Bind(flight::FlightClient& client, const std::string& handle, int64_t rows) {
  pb::CommandPreparedStatementQuery command;
  command.set_prepared_statement_handle(handle);
  google::protobuf::Any any;
  any.PackFrom(command);
  auto sch = arrow::schema({arrow::field("p", arrow::int64())});
  arrow::PrimitiveBuilder<int64_t> values(arrow::int64());
  for (int64_t i = 0; i < rows; ++i) values.Append(i);
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(flight::FlightDescriptor::Command(any.SerializeAsString()), sch));
  Status wrote = writer->WriteRecordBatch(*arrow::MakeRecordBatch(sch, rows, {values.Finish().value()}));
  Status closed = writer->Close();
  return closed.ok() ? wrote : closed;
}

TEST(TinyInputs, ParameterRowsCountAsTheValuesTheyBecome) {
  TempDataDir dir;
  ServerProcess server(dir.str(), testing::MemoryMeasuredEnv(),
                       {"--call-memory-mib", "8", "--prepared-memory-mib", "4"});
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  const std::string handle = Prepare(*client, "SELECT $1::BIGINT AS n").value();
  const int64_t growth = GrowthMiB(server, [&] {
    // 200,000 rows: 1.6 MB of Arrow, each row a DuckDB value and its row once bound.
    ExpectRefused(Bind(*client, handle, 200'000), StatusCode::kResourceExhausted, "--call-memory-mib");
    // Within the call's budget, but more than the prepared statements may keep.
    ExpectRefused(Bind(*client, handle, 15'000), StatusCode::kResourceExhausted, "--prepared-memory-mib");
    EXPECT_TRUE(Bind(*client, handle, 1'000).ok());
  });
  EXPECT_LT(growth, 100) << "MiB above the server's memory before";
  AnotherClientIsServed(server, "others");
}

// Bytes of the files under `dir` (0 if there is none).
int64_t FolderBytes(const std::filesystem::path& dir) {
  int64_t bytes = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) bytes += static_cast<int64_t>(it->file_size(size_ec));
  }
  return bytes;
}

TEST(TinyInputs, AQueryBeyondDuckDbsMemoryAndSpillLimitsFailsWithinThem) {
  // By default both are bounded.
  const std::string config = Output(std::string(HANGAR_BIN_DIR) + "/hangar serve --print-config");
  EXPECT_NE(config.find("duckdb-memory-limit = \"1GB\"  # default"), std::string::npos) << config;
  EXPECT_NE(config.find("duckdb-max-temp-size = \"4GB\"  # default"), std::string::npos) << config;
  TempDataDir dir;
  ServerProcess server(dir.str(), testing::MemoryMeasuredEnv(),
                       {"--duckdb-memory-limit", "200MB", "--duckdb-max-temp-size", "300MB"});
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  std::atomic<int64_t> spill_peak = 0;
  Status st;
  const int64_t growth = GrowthMiB(server, [&] {
    std::atomic<bool> done = false;
    std::thread watcher([&] {
      while (!done) {
        spill_peak = std::max<int64_t>(spill_peak, FolderBytes(dir.path() / "duckdb-tmp"));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    // Sorting 1.1 GB of rows needs them all at once: in memory or spilled.
    st = sql::RunClientQuery(
        *client, "SELECT range AS a, repeat('x', 200) || range::VARCHAR AS b FROM range(5000000) ORDER BY hash(range)",
        [](const arrow::SchemaPtr&) { return Status::OK(); }, [](const arrow::RecordBatch&) { return Status::OK(); });
    done = true;
    watcher.join();
  });
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_TRUE(st.message().find("--duckdb-max-temp-size") != std::string::npos ||
              st.message().find("--duckdb-memory-limit") != std::string::npos)
      << st.message();
  std::printf("spilled at most %lld MiB\n", static_cast<long long>(spill_peak.load() >> 20));
  EXPECT_LE(spill_peak.load(), int64_t{330} << 20) << "bytes spilled into the data directory";
  // DuckDB's 200 MB, what it allocates outside its pool, and the rest of the server.
#if defined(HANGAR_TEST_ASAN)
  constexpr int64_t kMaxGrowthMiB = 800;
#else
  constexpr int64_t kMaxGrowthMiB = 500;
#endif
  EXPECT_LT(growth, kMaxGrowthMiB) << "MiB above the server's memory before";
  AnotherClientIsServed(server, "others");
}

TEST(TinyInputs, ADictionaryGrownByDeltasBeyondItsLimitIsRefused) {
  TempDataDir dir;
  ServerProcess server(dir.str(), testing::MemoryMeasuredEnv(), {"--max-dictionary-mib", "1"});
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  // Each batch adds a 64 KiB word to the dictionary, sent as a delta: the
  // server's copy of it grows with every batch, and every batch keeps its own.
  auto type = arrow::dictionary(arrow::int32(), arrow::utf8());
  auto sch = arrow::schema({arrow::field("word", type)});
  flight::ClientOptions options;
  options.write_options.emit_dictionary_deltas = true;
  auto delta_client =
      flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", server.port()), options).value();
  auto writer = delta_client->DoPut(flight::FlightDescriptor::Path({"words"}), sch).value();
  arrow::BinaryBuilder words(arrow::utf8());
  Status wrote;
  for (int i = 0; i < 40 && wrote.ok(); ++i) {
    words.Append(std::string(64 << 10, static_cast<char>('a' + i % 26)) + std::to_string(i));
    auto dictionary = words.Finish().value();
    for (int64_t w = 0; w <= i; ++w) words.Append(dictionary->GetBinary(w));  // the next one grows it
    arrow::PrimitiveBuilder<int32_t> index(arrow::int32());
    index.Append(i);
    auto indices = index.Finish().value();
    auto column = arrow::MakeArray(type, 1, {nullptr, indices->buffers[1]}, {}, 0, 0, dictionary);
    wrote = writer->WriteRecordBatch(*arrow::MakeRecordBatch(sch, 1, {column}));
  }
  ExpectRefused(writer->Close(), StatusCode::kResourceExhausted, "--max-dictionary-mib");
  AnotherClientIsServed(server, "others");
}

TEST(TinyInputs, JsonNestedFarTooDeepIsRefusedAndTheServerStays) {
  TempDataDir dir;
  ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  // A topic option (copied into the ticket the server hands out), a table's schema.
  auto get = client->DoGet(flight::Ticket{R"({"topic": "orders", "partition": 0, "max_records": )" + deep + "}"});
  Status st = get.ok() ? (*get)->ReadAll().status() : get.status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  auto created = client->DoAction(flight::Action{"CreateTable", R"({"name": "t", "schema_json": )" + deep + "}"});
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument) << created.status().ToString();
  auto ingest = client->DoAction(flight::Action{"DescribeTable", R"({"name": )" + deep + "}"});
  EXPECT_EQ(ingest.status().code(), StatusCode::kInvalidArgument) << ingest.status().ToString();
  AnotherClientIsServed(server, "others");
  EXPECT_EQ(server.WaitFor(std::chrono::milliseconds(0)), -1) << "the server is gone";
}

}  // namespace
}  // namespace hangar
