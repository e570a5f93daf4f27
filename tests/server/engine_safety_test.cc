// The engine cannot be broken from outside, and one data directory has one
// server: a DuckDB failure (injected through the test hook, a real internal
// error of DuckDB's) fails that call with a short INTERNAL message, the
// engine is replaced while health says NOT_SERVING, and every table keeps
// serving, SQL included; a second server on the same data directory or port
// refuses to start.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "arrow/builder.h"
#include "sql/flight_sql_client.h"
#include "support/server_checks.h"
#include "support/server_process.h"

namespace hangar {
namespace {

arrow::RecordBatchPtr Words(int64_t n) {
  auto schema = arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("word", arrow::utf8())});
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::BinaryBuilder words(arrow::utf8());
  for (int64_t i = 0; i < n; ++i) {
    ids.Append(i);
    words.Append("w" + std::to_string(i));
  }
  return arrow::MakeRecordBatch(schema, n, {ids.Finish().value(), words.Finish().value()});
}

Status Put(flight::FlightClient& client, const std::string& name, int64_t n) {
  auto batch = Words(n);
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(flight::FlightDescriptor::Path({name}), batch->schema));
  HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*batch));
  return writer->Close();
}

// Rows of table `name` read through GetFlightInfo and DoGet (-1 on an error).
int64_t ReadRows(flight::FlightClient& client, const std::string& name) {
  auto info = client.GetFlightInfo(flight::FlightDescriptor::Path({name}));
  if (!info.ok()) return -1;
  int64_t rows = 0;
  for (const auto& endpoint : info->endpoints) {
    auto reader = client.DoGet(endpoint.ticket);
    if (!reader.ok()) return -1;
    auto all = (*reader)->ReadAll();
    if (!all.ok()) return -1;
    for (const auto& b : *all) rows += b->num_rows;
  }
  return rows;
}

TEST(EngineSafety, AnEngineFailureFailsOneCallAndTheEngineComesBack) {
  testing::TempDataDir dir;
  testing::ServerProcess server(dir.str(),
                                {{"HANGAR_TEST_ENGINE_FAULTS", "1"}, {"HANGAR_TEST_ENGINE_RESET_DELAY_MS", "3000"}});
  ASSERT_TRUE(server.started()) << server.startup_log();
  auto client = server.Connect();
  ASSERT_TRUE(Put(*client, "before", 1000).ok());
  ASSERT_EQ(ReadRows(*client, "before"), 1000);
  EXPECT_EQ(testing::HealthOf(server.port()), "SERVING");

  // The failure, on its own thread: the reset holds it for the delay.
  std::optional<Status> failed;
  std::thread fault([&] { failed = client->DoAction({"InjectEngineFailure", ""}).status(); });
  bool seen_not_serving = false;
  for (int i = 0; i < 100 && !seen_not_serving; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    seen_not_serving = testing::HealthOf(server.port()) == "NOT_SERVING";
  }
  fault.join();
  EXPECT_TRUE(seen_not_serving) << "health never said NOT_SERVING during the reset";
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->code(), StatusCode::kInternal);
  // Short and without DuckDB's internals.
  EXPECT_EQ(failed->message().find("Stack Trace"), std::string::npos) << failed->message();
  EXPECT_EQ(failed->message().find("INTERNAL Error"), std::string::npos) << failed->message();
  EXPECT_NE(failed->message().find("reference"), std::string::npos) << failed->message();
  EXPECT_EQ(testing::HealthOf(server.port()), "SERVING");

  // Everything serves as before: old tables, new puts, SQL over both.
  EXPECT_EQ(ReadRows(*client, "before"), 1000);
  ASSERT_TRUE(Put(*client, "after", 10).ok());
  EXPECT_EQ(ReadRows(*client, "after"), 10);
  int64_t total = -1;
  Status counted = sql::RunClientQuery(
      *client, "SELECT (SELECT count(*) FROM before) + (SELECT count(*) FROM after) AS n",
      [](const arrow::SchemaPtr&) { return Status::OK(); },
      [&](const arrow::RecordBatch& batch) {
        total = batch.column(0)->values<int64_t>()[0];
        return Status::OK();
      });
  ASSERT_TRUE(counted.ok()) << counted.ToString();
  EXPECT_EQ(total, 1010);

  // The status action counts the reset, and so does the log.
  auto status = client->DoAction({"ServerStatus", ""});
  ASSERT_TRUE(status.ok());
  auto json = nlohmann::json::parse((*status)[0].body);
  EXPECT_EQ(json["metrics"]["engine_resets"], 1);
  EXPECT_NE(server.log().find("the SQL engine is back"), std::string::npos);
}

// Arrow's names are UTF-8 strings, but a client's IPC bytes may hold
// anything; custom metadata may hold any bytes (Arrow C++ writes what it is
// given). A table's manifest (JSON) once threw on either and failed the put
// with INTERNAL (found by fuzz_requests): now a name that is not text is
// refused, and metadata is kept byte for byte.
TEST(EngineSafety, NamesThatAreNotUtf8AreRefusedAndMetadataBytesAreKept) {
  testing::TempDataDir dir;
  testing::ServerProcess server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  ids.Append(1);
  auto column = ids.Finish().value();
  auto put = [&](const std::string& table, const arrow::SchemaPtr& schema) -> Status {
    HANGAR_ASSIGN_OR_RETURN(auto writer, client->DoPut(flight::FlightDescriptor::Path({table}), schema));
    HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*arrow::MakeRecordBatch(schema, 1, {column})));
    return writer->Close();
  };

  Status st = put("odd", arrow::schema({arrow::field("bad\xff\xfe", arrow::int64())}));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("a field name is not valid UTF-8 (bytes 62 61 64 ff fe)"), std::string::npos)
      << st.message();

  const arrow::KeyValueMetadata metadata = {{"k", "v\xc3"}, {"\xff", "\x00\x01"}};
  auto schema = arrow::schema({arrow::field("id", arrow::int64(), true, metadata)}, metadata);
  ASSERT_TRUE(put("kept", schema).ok());
  auto stored = client->GetSchema(flight::FlightDescriptor::Path({"kept"}));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(arrow::MetadataEquals((*stored)->metadata(), metadata));
  EXPECT_TRUE(arrow::MetadataEquals((*stored)->field(0)->metadata(), metadata));
  EXPECT_EQ(ReadRows(*client, "kept"), 1);
  // DescribeTable's JSON shows what is not text as U+FFFD.
  auto described = client->DoAction(flight::Action{"DescribeTable", R"({"name": "kept"})"});
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  ASSERT_EQ(described->size(), 1u);
  EXPECT_TRUE(nlohmann::json::accept((*described)[0].body)) << (*described)[0].body;

  ASSERT_EQ(kill(server.pid(), 0), 0) << "the server died";
  ASSERT_TRUE(Put(*client, "fine", 10).ok());
  EXPECT_EQ(ReadRows(*client, "fine"), 10);
}

TEST(EngineSafety, OneServerPerDataDirectory) {
  testing::TempDataDir dir;
  testing::ServerProcess first(dir.str());
  ASSERT_TRUE(first.started());
  testing::ServerProcess second(dir.str());
  EXPECT_FALSE(second.started());
  const int status = second.WaitFor(std::chrono::seconds(30));
  ASSERT_NE(status, -1) << "the second server still runs";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  EXPECT_NE(second.startup_log().find("in use by another hangar serve (PID " + std::to_string(first.pid()) + ")"),
            std::string::npos)
      << second.startup_log();
  // The first one is untouched; once it is gone, the directory is free again.
  auto client = first.Connect();
  ASSERT_TRUE(Put(*client, "t", 5).ok());
  first.Kill(SIGKILL);
  testing::ServerProcess third(dir.str());
  ASSERT_TRUE(third.started()) << third.startup_log();
  EXPECT_EQ(ReadRows(*third.Connect(), "t"), 5);
}

TEST(EngineSafety, OneServerPerPort) {
  testing::TempDataDir one, two;
  testing::ServerProcess first(one.str());
  ASSERT_TRUE(first.started());
  testing::ServerProcess second(two.str(), {}, {"--listen", "127.0.0.1:" + std::to_string(first.port())});
  EXPECT_FALSE(second.started());
  const int status = second.WaitFor(std::chrono::seconds(30));
  ASSERT_NE(status, -1) << "the second server still runs";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  EXPECT_NE(second.startup_log().find("could not listen"), std::string::npos) << second.startup_log();
  // Every connection still reaches the first server.
  for (int i = 0; i < 5; ++i) {
    auto client = first.Connect();
    ASSERT_TRUE(Put(*client, "t" + std::to_string(i), 1).ok());
  }
}

}  // namespace
}  // namespace hangar
