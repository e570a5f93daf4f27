// The security suite: each test replays an attack a hostile probe found to
// work, through the real server and a real client with narrow permissions,
// and checks that it fails with the right status while other clients go on
// (docs/security.md). One test per finding; the flight layer's and the
// resource limits' findings have suites of their own.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "arrow/builder.h"
#include "arrow/pretty_print.h"
#include "flight/auth/users_file.h"
#include "sql/flight_sql_client.h"
#include "support/server_process.h"

namespace hangar {
namespace {

using flight::auth::Access;
using testing::ServerProcess;
using testing::TempDataDir;

arrow::RecordBatchPtr Rows(int64_t first, int64_t n, const std::string& word = "w") {
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("word", arrow::utf8())});
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::BinaryBuilder words(arrow::utf8());
  for (int64_t i = first; i < first + n; ++i) {
    ids.Append(i);
    words.Append(word + std::to_string(i));
  }
  return arrow::MakeRecordBatch(schema, n, {ids.Finish().value(), words.Finish().value()});
}

Status Put(flight::FlightClient& client, const std::vector<std::string>& path, const arrow::RecordBatchPtr& batch) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(flight::FlightDescriptor::Path(path), batch->schema));
  HANGAR_RETURN_NOT_OK(writer->WriteRecordBatch(*batch));
  return writer->Close();
}

Result<int64_t> ReadRows(flight::FlightClient& client, const std::vector<std::string>& path) {
  HANGAR_ASSIGN_OR_RETURN(auto info, client.GetFlightInfo(flight::FlightDescriptor::Path(path)));
  int64_t rows = 0;
  for (const auto& endpoint : info.endpoints) {
    HANGAR_ASSIGN_OR_RETURN(auto reader, client.DoGet(endpoint.ticket));
    HANGAR_ASSIGN_OR_RETURN(auto all, reader->ReadAll());
    for (const auto& b : all) rows += b->num_rows;
  }
  return rows;
}

// The rows of a statement query's first column, as text; or its error.
Result<std::vector<std::string>> Query(flight::FlightClient& client, const std::string& sql) {
  std::vector<std::string> out;
  Status st = sql::RunClientQuery(
      client, sql, [](const arrow::SchemaPtr&) { return Status::OK(); },
      [&](const arrow::RecordBatch& batch) {
        for (int64_t i = 0; i < batch.num_rows; ++i) out.push_back(arrow::FormatValue(*batch.column(0), i));
        return Status::OK();
      });
  HANGAR_RETURN_NOT_OK(st);
  return out;
}

// A server with users of narrow permissions; `admin` may do anything.
class Security : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& extra_flags = {}) {
    std::filesystem::create_directories(dir_.path());
    users_path_ = (dir_.path() / "users.json").string();
    flight::auth::UsersFile users;
    auto add = [&](const std::string& name, std::vector<flight::auth::Permission> permissions) {
      ASSERT_TRUE(users.AddUser(name, name + "-password", std::move(permissions), false, 1000).ok());
    };
    add("admin", {{Access::kAdmin, "*"}});
    add("reader", {{Access::kRead, "default.public"}});
    add("tables", {{Access::kAdmin, "default.*"}});
    ASSERT_TRUE(users.Save(users_path_).ok());
    std::vector<std::string> flags = {"--users", users_path_, "--metrics-listen", "off"};
    flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
    server_ = std::make_unique<ServerProcess>(data_dir(), std::map<std::string, std::string>{}, flags);
    ASSERT_TRUE(server_->started()) << server_->startup_log();
  }
  std::unique_ptr<flight::FlightClient> As(const std::string& user) {
    auto client = server_->Connect();
    EXPECT_TRUE(client->AuthenticateBasicToken(user, user + "-password").ok());
    return client;
  }
  void Restart() {
    server_->Kill(SIGTERM);
    std::vector<std::string> flags = {"--users", users_path_, "--metrics-listen", "off"};
    server_ = std::make_unique<ServerProcess>(data_dir(), std::map<std::string, std::string>{}, flags);
    ASSERT_TRUE(server_->started()) << server_->startup_log();
  }
  std::string data_dir() const { return (dir_.path() / "data").string(); }

  TempDataDir dir_;
  std::string users_path_;
  std::unique_ptr<ServerProcess> server_;
};

// 1. SQL read any file of the data directory: a CTE's name used outside its
// scope is a file name to DuckDB; view definitions, settings and errors
// showed the data directory's path.
TEST_F(Security, SqlOpensNoFileByNameAndShowsNoPath) {
  Start();
  auto admin = As("admin");
  ASSERT_TRUE(Put(*admin, {"public"}, Rows(0, 3)).ok());
  ASSERT_TRUE(Put(*admin, {"secret"}, Rows(0, 5, "secret-")).ok());
  auto reader = As("reader");
  const std::string glob = "\"" + data_dir() + "/tables/default.secret-*/*.parquet\"";
  for (const std::string& sql : std::vector<std::string>{
           "SELECT (WITH " + glob + " AS (SELECT 1) SELECT 1) z, * FROM " + glob,
           "SELECT * FROM " + glob,
           "SELECT * FROM \"default\".\"secret-x/../../users.json\"",
           "SELECT current_setting('allowed_directories')",
           "SELECT sql FROM information_schema.views",
           "SELECT * FROM pg_catalog.pg_settings",
       }) {
    auto rows = Query(*reader, sql);
    ASSERT_FALSE(rows.ok()) << sql;
    EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument) << sql << ": " << rows.status().ToString();
    EXPECT_EQ(rows.status().message().find(data_dir()), std::string::npos) << rows.status().ToString();
  }
  // What the reader may read, it reads; the metadata without paths too.
  auto rows = Query(*reader, "SELECT word FROM public ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<std::string>{"\"w0\"", "\"w1\"", "\"w2\""}));
  auto tables = Query(*reader, "SELECT table_name FROM information_schema.tables ORDER BY 1");
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  // No error message names the data directory: a missing column, a bad cast.
  for (const std::string sql : {"SELECT nope FROM public", "SELECT CAST(word AS INTEGER) FROM public"}) {
    auto failed = Query(*reader, sql);
    ASSERT_FALSE(failed.ok()) << sql;
    EXPECT_EQ(failed.status().message().find(data_dir()), std::string::npos) << failed.status().ToString();
  }
}

// 2. Names that differ only by case: permissions are checked under the name
// SQL actually reads, and a second table whose name differs only by case
// cannot be made.
TEST_F(Security, NamesThatDifferOnlyByCaseAreOneName) {
  Start();
  auto admin = As("admin");
  ASSERT_TRUE(Put(*admin, {"public"}, Rows(0, 3)).ok());
  ASSERT_TRUE(Put(*admin, {"secret"}, Rows(0, 5)).ok());
  EXPECT_EQ(Put(*admin, {"Secret"}, Rows(0, 1)).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Put(*admin, {"DEFAULT", "public"}, Rows(0, 1)).code(), StatusCode::kAlreadyExists);
  auto reader = As("reader");
  auto mine = Query(*reader, "SELECT count(*) FROM DEFAULT.PUBLIC");
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(*mine, std::vector<std::string>{"3"});
  for (const std::string sql : {"SELECT * FROM SECRET", "SELECT * FROM \"default\".\"Secret\""}) {
    auto theirs = Query(*reader, sql);
    EXPECT_EQ(theirs.status().code(), StatusCode::kPermissionDenied) << sql << ": " << theirs.status().ToString();
  }
}

// 3. A name whose meaning changed between the permission check and the
// action: "sales.orders" is table "sales.orders" of namespace default while
// that exists, else table "orders" of namespace sales. A user with admin on
// default.* made and dropped default."sales.orders" in a loop while dropping
// and reading "sales.orders" — and got sales.orders itself.
TEST_F(Security, ANameThatChangesMeaningIsCheckedAgainWhereItIsUsed) {
  Start();
  auto admin = As("admin");
  ASSERT_TRUE(Put(*admin, {"sales", "orders"}, Rows(0, 7)).ok());
  auto attacker = As("tables");
  auto helper = As("tables");
  std::atomic<bool> stop = false;
  std::thread flip([&] {
    for (int i = 0; i < 150 && !stop; ++i) {
      (void)Put(*helper, {"default", "sales.orders"}, Rows(0, 1));
      (void)helper->DoAction({"DropTable", R"({"name": "default.sales.orders"})"});
    }
  });
  int denied = 0;
  for (int i = 0; i < 300; ++i) {
    auto dropped = attacker->DoAction({"DropTable", R"({"name": "sales.orders"})"});
    if (dropped.status().code() == StatusCode::kPermissionDenied) ++denied;
    auto reader = attacker->DoGet(flight::Ticket{"sales.orders"});
    if (reader.ok()) {
      auto all = (*reader)->ReadAll();
      if (all.ok()) {
        for (const auto& b : *all) EXPECT_LT(b->num_rows, 7) << "read sales.orders' rows";
      }
    }
  }
  stop = true;
  flip.join();
  EXPECT_GT(denied, 0);
  // sales.orders is untouched.
  EXPECT_EQ(ReadRows(*admin, {"sales", "orders"}).ValueOr(-1), 7);
}

// 5 and 11. Names a server could not start with, or that broke SQL for
// everyone: refused at the edge; and one bad folder no longer keeps the
// server from starting.
TEST_F(Security, BadNamesAreRefusedAtTheEdgeAndABadFolderIsMovedAside) {
  Start();
  auto admin = As("admin");
  for (const std::vector<std::string>& path : std::vector<std::vector<std::string>>{
           {"default.", "t"}, {"a.b", "t"}, {"information_schema", "t"}, {"pg_catalog", "t"}, {"Main", "t"}}) {
    EXPECT_EQ(Put(*admin, path, Rows(0, 1)).code(), StatusCode::kInvalidArgument) << path[0];
  }
  // The longest name there is works, and so do the metadata commands.
  const std::string longest(255, 'n');
  ASSERT_TRUE(Put(*admin, {"default", longest}, Rows(0, 2)).ok());
  EXPECT_EQ(ReadRows(*admin, {"default", longest}).ValueOr(-1), 2);
  ASSERT_TRUE(Query(*admin, "SELECT count(*) FROM information_schema.tables").ok());
  // A folder a server cannot serve (here: a manifest that is not JSON).
  const auto tables = std::filesystem::path(data_dir()) / "tables";
  std::filesystem::create_directories(tables / "default.broken-00000000000000ab");
  std::ofstream(tables / "default.broken-00000000000000ab" / "manifest.json") << "{not json";
  Restart();
  admin = As("admin");
  EXPECT_EQ(ReadRows(*admin, {"default", longest}).ValueOr(-1), 2);
  auto status = admin->DoAction({"ServerStatus", ""});
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  auto json = nlohmann::json::parse((*status)[0].body);
  ASSERT_EQ(json["quarantined_table_folders"].size(), 1u) << json.dump();
  EXPECT_EQ(json["quarantined_table_folders"][0]["folder"], "quarantine/tables/default.broken-00000000000000ab");
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(data_dir()) / "quarantine" / "tables" /
                                      "default.broken-00000000000000ab" / "manifest.json"));
}

// 6. One row of invalid UTF-8 made a table unreadable for everyone.
TEST_F(Security, InvalidUtf8IsRefusedOnTheWayIn) {
  Start();
  auto admin = As("admin");
  ASSERT_TRUE(Put(*admin, {"texts"}, Rows(0, 3)).ok());
  auto schema = Rows(0, 1)->schema;
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::BinaryBuilder words(arrow::utf8());
  ids.Append(9);
  words.Append("broken \xff\xfe text");
  auto bad = arrow::MakeRecordBatch(schema, 1, {ids.Finish().value(), words.Finish().value()});
  Status put = Put(*admin, {"texts"}, bad);
  EXPECT_EQ(put.code(), StatusCode::kInvalidArgument) << put.ToString();
  EXPECT_NE(put.message().find("UTF-8"), std::string::npos) << put.ToString();
  // Streamed: refused too.
  auto exchange = admin->DoExchange(flight::FlightDescriptor::Path({"texts"}));
  ASSERT_TRUE(exchange.ok());
  ASSERT_TRUE((*exchange)->Begin(schema).ok());
  (void)(*exchange)->WriteRecordBatch(*bad, arrow::Buffer::FromString(R"({"requested_durability": "disk"})"));
  (void)(*exchange)->DoneWriting();
  Status streamed = (*exchange)->Close();
  EXPECT_EQ(streamed.code(), StatusCode::kInvalidArgument) << streamed.ToString();
  // The table reads, in SQL and through compaction, as before.
  EXPECT_EQ(ReadRows(*admin, {"texts"}).ValueOr(-1), 3);
  ASSERT_TRUE(Query(*admin, "SELECT * FROM texts").ok());
  ASSERT_TRUE(admin->DoAction({"CompactTable", R"({"name": "texts"})"}).ok());
}

// 8. A statement too long to plan in reasonable time froze every other
// statement behind a lock; now it is refused before planning, and others run.
TEST_F(Security, AStatementTooLargeToPlanIsRefusedAndOthersRun) {
  Start();
  auto admin = As("admin");
  ASSERT_TRUE(Put(*admin, {"public"}, Rows(0, 3)).ok());
  std::string sql = "SELECT * FROM public WHERE id = 0";
  for (int i = 1; i < 30000; ++i) sql += " OR id = " + std::to_string(i);
  std::optional<Status> big;
  std::thread planner([&] { big = Query(*admin, sql).status(); });
  auto other = As("reader");
  auto one = Query(*other, "SELECT count(*) FROM public");
  planner.join();
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, std::vector<std::string>{"3"});
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->code(), StatusCode::kInvalidArgument) << big->ToString();
  EXPECT_NE(big->message().find("too large to plan"), std::string::npos) << big->ToString();
}

}  // namespace
}  // namespace hangar
