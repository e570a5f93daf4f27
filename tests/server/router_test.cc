// The router: each kind of request resolves, once, to its route with the
// access it needs (HangarService::ResolveRoute); malformed requests give the
// errors they always gave. And with authentication on, a Flight SQL
// statement is parsed by DuckDB once per call: the parse that finds what it
// reads is the one it is planned with.
#include <gtest/gtest.h>

#include <google/protobuf/any.pb.h>

#include "flight/auth/users_file.h"
#include "metrics/registry.h"
#include "server/hangar_service.h"
#include "sql/flight_sql_client.h"
#include "sql/proto/FlightSql.pb.h"
#include "support/node_server.h"

namespace hangar {
namespace {

using flight::CallRequest;
using flight::FlightDescriptor;
using flight::FlightMethod;
using flight::auth::Access;
using server::ResolvedRoute;
namespace pbsql = ::arrow::flight::protocol::sql;

// A caller with every permission; the router does not check them.
class TestContext : public flight::ServerCallContext {
 public:
  const std::string& user() const override { return user_; }
  std::string peer() const override { return "ipv4:127.0.0.1:1"; }
  bool is_cancelled() const override { return false; }
  std::optional<std::string> header(std::string_view) const override { return std::nullopt; }
  bool Allows(Access, std::string_view) const override { return true; }
  void AddResponseHeader(const std::string&, const std::string&) const override {}

 private:
  std::string user_ = "alice";
};

std::string Pack(const google::protobuf::Message& message) {
  google::protobuf::Any any;
  any.PackFrom(message);
  return any.SerializeAsString();
}

class Router : public ::testing::Test {
 protected:
  void SetUp() override {
    duckdb::DatabaseOptions db_options;
    db_options.threads = 1;
    db_options.allowed_directories = {dir_.path().string() + "/"};
    auto db = duckdb::Database::Open(db_options).value();
    store::StoreOptions store_options;
    store_options.data_dir = dir_.path();
    tables_ = std::shared_ptr<store::TableStore>(store::TableStore::Open(store_options, db).value());
    auto schema = arrow::schema({arrow::field("id", arrow::int64(), false)});
    ASSERT_TRUE(tables_->CreateTable({"default", "t"}, schema).ok());
    ASSERT_TRUE(tables_->CreateTable({"sales", "orders"}, schema).ok());
    auto relations = sql::Relations::Open(db, tables_, nullptr, nullptr).value();
    auto engine = std::make_shared<sql::SqlEngine>(db, relations);
    service_ = std::make_unique<server::HangarService>(tables_, nullptr,
                                                       std::make_shared<sql::FlightSqlService>(engine), nullptr);
  }

  Result<ResolvedRoute> Resolve(CallRequest request, bool authorizing = true) {
    request.authorizing = authorizing;
    return service_->ResolveRoute(context_, request);
  }
  Result<ResolvedRoute> Get(const std::string& ticket) {
    flight::Ticket t{ticket};
    return Resolve({FlightMethod::kDoGet, nullptr, &t});
  }
  Result<ResolvedRoute> Describe(FlightMethod method, const FlightDescriptor& descriptor, bool authorizing = true) {
    return Resolve({method, &descriptor}, authorizing);
  }
  Result<ResolvedRoute> Act(const std::string& type, const std::string& body) {
    flight::Action action{type, body};
    return Resolve({FlightMethod::kDoAction, nullptr, nullptr, &action});
  }

  testing::TempDataDir dir_;
  std::shared_ptr<store::TableStore> tables_;
  std::unique_ptr<server::HangarService> service_;
  TestContext context_;
};

void ExpectAccess(const ResolvedRoute& resolved, Access access, const std::string& resource) {
  EXPECT_FALSE(resolved.access.any_user);
  EXPECT_EQ(resolved.access.access, access);
  EXPECT_EQ(resolved.access.resource, resource);
}

TEST_F(Router, TableTicketsResolveToTheTableTheyName) {
  auto json = Get(R"({"table": "sales.orders", "files": ["a.parquet"], "partitions": ["p=1"]})");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  const auto& get = std::get<server::TableGet>(json->route);
  EXPECT_EQ(get.ticket.name.ToString(), "sales.orders");
  EXPECT_EQ(get.ticket.files, std::vector<std::string>{"a.parquet"});
  EXPECT_EQ(get.ticket.partitions, std::vector<std::string>{"p=1"});
  ExpectAccess(*json, Access::kRead, "sales.orders");

  // A bare name (the Arrow cookbook's tickets) resolves in `default`.
  auto bare = Get("t");
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(std::get<server::TableGet>(bare->route).ticket.files.has_value());
  ExpectAccess(*bare, Access::kRead, "default.t");
}

TEST_F(Router, DescriptorsResolveByMethod) {
  auto path = FlightDescriptor::Path({"sales", "orders"});
  auto read = Describe(FlightMethod::kGetFlightInfo, path);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(std::holds_alternative<server::TableRead>(read->route));
  ExpectAccess(*read, Access::kRead, "sales.orders");
  auto schema = Describe(FlightMethod::kGetSchema, FlightDescriptor::Path({"t"}));
  ASSERT_TRUE(schema.ok());
  ExpectAccess(*schema, Access::kRead, "default.t");

  auto put = Describe(FlightMethod::kDoPut, FlightDescriptor::Command(R"({"table": "new.x", "mode": "overwrite"})"));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(std::get<server::TablePut>(put->route).target.mode, store::PutMode::kOverwrite);
  ExpectAccess(*put, Access::kWrite, "new.x");

  auto ingest = Describe(FlightMethod::kDoExchange, path);
  ASSERT_TRUE(ingest.ok());
  EXPECT_TRUE(std::holds_alternative<server::TableIngest>(ingest->route));
  ExpectAccess(*ingest, Access::kWrite, "sales.orders");
}

TEST_F(Router, TopicsAreTheNamespaceKafka) {
  auto info = Describe(FlightMethod::kGetFlightInfo, FlightDescriptor::Path({"kafka", "orders"}));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(std::get<server::TopicRead>(info->route).request.topic, "orders");
  ExpectAccess(*info, Access::kRead, "kafka.orders");

  auto ticket = Get(R"({"topic": "orders", "partition": 2, "max_records": 5})");
  ASSERT_TRUE(ticket.ok()) << ticket.status().ToString();
  const auto& request = std::get<server::TopicRead>(ticket->route).request;
  EXPECT_EQ(request.partition, 2);
  ExpectAccess(*ticket, Access::kRead, "kafka.orders");
  auto handwritten = Get("orders/1");
  ASSERT_TRUE(handwritten.ok());
  EXPECT_EQ(std::get<server::TopicRead>(handwritten->route).request.partition, 1);

  auto put = Describe(FlightMethod::kDoPut, FlightDescriptor::Command(R"({"topic": "orders", "key": "id"})"));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(std::get<server::TopicPut>(put->route).request.key_column, "id");
  ExpectAccess(*put, Access::kWrite, "kafka.orders");
}

TEST_F(Router, ActionsCarryTheAccessOfWhatTheyActOn) {
  auto drop = Act("DropTable", R"({"name": "t"})");
  ASSERT_TRUE(drop.ok());
  const auto& action = std::get<server::ActionRoute>(drop->route);
  EXPECT_EQ(action.spec->name, "DropTable");
  EXPECT_EQ(action.name.ToString(), "default.t");
  ExpectAccess(*drop, Access::kAdmin, "default.t");

  auto list = Act("ListTables", "");
  ASSERT_TRUE(list.ok());
  ExpectAccess(*list, Access::kRead, "*");
  auto cookbook = Act("drop_dataset", "sales.orders");
  ASSERT_TRUE(cookbook.ok());
  ExpectAccess(*cookbook, Access::kAdmin, "sales.orders");

  auto create = Act("CreateTable",
                    R"({"name": "new.x", "schema_json": "{\"fields\": [{\"name\": \"a\", \"type\": \"int64\"}]}"})");
  ASSERT_TRUE(create.ok());
  ASSERT_TRUE(std::get<server::ActionRoute>(create->route).create.has_value());
  ExpectAccess(*create, Access::kWrite, "new.x");
  // A body wrong beyond its name still needs the named table's permission.
  auto broken = Act("CreateTable", R"({"name": "new.x", "schema_json": 7})");
  ASSERT_TRUE(broken.ok());
  EXPECT_FALSE(std::get<server::ActionRoute>(broken->route).invalid.ok());
  ExpectAccess(*broken, Access::kWrite, "new.x");

  // Anyone may renew an endpoint, or hear that an action does not exist.
  auto renew = Act("RenewFlightEndpoint", "");
  ASSERT_TRUE(renew.ok());
  EXPECT_TRUE(renew->access.any_user);
  auto unknown = Act("NoSuchAction", "");
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(std::holds_alternative<server::UnknownAction>(unknown->route));
  EXPECT_TRUE(unknown->access.any_user);
  auto session = Act("CloseSession", "");
  ASSERT_TRUE(session.ok());
  EXPECT_TRUE(std::holds_alternative<server::SqlRoute>(session->route));
  EXPECT_TRUE(session->access.any_user);
}

TEST_F(Router, FlightSqlCommandsCarryWhatTheyRead) {
  pbsql::CommandStatementQuery query;
  query.set_query("SELECT o.id FROM sales.orders o JOIN t ON o.id = t.id");
  auto descriptor = FlightDescriptor::Command(Pack(query));
  auto checked = Describe(FlightMethod::kGetFlightInfo, descriptor);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_TRUE(std::holds_alternative<server::SqlRoute>(checked->route));
  EXPECT_TRUE(checked->access.any_user);
  EXPECT_EQ(checked->access.reads, (std::vector<std::string>{"sales.orders", "default.t"}));
  // Without authentication nothing needs to know what it reads.
  auto unchecked = Describe(FlightMethod::kGetFlightInfo, descriptor, false);
  ASSERT_TRUE(unchecked.ok());
  EXPECT_TRUE(unchecked->access.reads.empty());

  pbsql::CommandStatementIngest ingest;
  ingest.set_table("fresh");
  ingest.mutable_table_definition_options()->set_if_not_exist(
      pbsql::CommandStatementIngest::TableDefinitionOptions::TABLE_NOT_EXIST_OPTION_CREATE);
  auto put = Describe(FlightMethod::kDoPut, FlightDescriptor::Command(Pack(ingest)), false);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(std::get<server::BulkIngest>(put->route).target.name.ToString(), "default.fresh");
  ExpectAccess(*put, Access::kWrite, "default.fresh");
}

TEST_F(Router, MalformedRequestsSayWhatIsWrong) {
  auto ticket = Get(R"({"table": 5})");
  EXPECT_EQ(ticket.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ticket.status().message(),
            R"(a JSON ticket ({"table": "ns.name"}) needs a JSON object with a "table" string)");
  auto command = Describe(FlightMethod::kDoPut, FlightDescriptor::Command("not json"));
  EXPECT_EQ(command.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(command.status().message().find("a command descriptor"), std::string::npos) << command.status().message();
  auto mode = Describe(FlightMethod::kDoPut, FlightDescriptor::Command(R"({"table": "a.b", "mode": 1})"));
  EXPECT_EQ(mode.status().message(), "descriptor: \"mode\" must be a string");
  auto topic = Get(R"({"topic": "orders", "partition": "zero"})");
  EXPECT_EQ(topic.status().code(), StatusCode::kInvalidArgument);

  // A Flight SQL message whose inner bytes are not the message it says.
  google::protobuf::Any any;
  any.set_type_url("type.googleapis.com/arrow.flight.protocol.sql.CommandStatementQuery");
  any.set_value("\xff\xff\xff");
  auto sql = Describe(FlightMethod::kGetFlightInfo, FlightDescriptor::Command(any.SerializeAsString()));
  EXPECT_EQ(sql.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sql.status().message(), "malformed Flight SQL message CommandStatementQuery");
  // A statement that reads what it may not is refused when checked.
  pbsql::CommandStatementQuery query;
  query.set_query("SELECT * FROM read_parquet('x.parquet')");
  auto refused = Describe(FlightMethod::kGetFlightInfo, FlightDescriptor::Command(Pack(query)));
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);

  // An action body naming no table is the action's answer, to admins only.
  auto describe = Act("DescribeTable", "{");
  ASSERT_TRUE(describe.ok());
  EXPECT_EQ(std::get<server::ActionRoute>(describe->route).invalid.message(),
            R"(DescribeTable (body {"name": "users"}) needs a JSON object with a "name" string)");
  ExpectAccess(*describe, Access::kAdmin, "*");
}

double Parses() {
  return metrics::DefaultRegistry()
      .Counter("hangar_sql_parses_total",
               "SQL statements DuckDB parsed to find what they read (once per statement call)")
      .WithLabels({})
      .value();
}

TEST(SqlParse, AStatementIsParsedOncePerCallWithAuthenticationOn) {
  testing::TempDataDir dir;
  std::filesystem::create_directories(dir.path());
  const std::string users_path = (dir.path() / "users.json").string();
  flight::auth::UsersFile users;
  ASSERT_TRUE(users.AddUser("alice", "alice-pw", {{Access::kAdmin, "*"}}, false, 1000).ok());
  ASSERT_TRUE(users.Save(users_path).ok());
  testing::NodeServer server((dir.path() / "data").string(), [&](server::NodeOptions& options) {
    options.flight.auth = flight::AuthOptions{};
    options.flight.auth->users_file = users_path;
  });
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  ASSERT_TRUE(client->AuthenticateBasicToken("alice", "alice-pw").ok());
  ASSERT_TRUE(client
                  ->DoAction({"CreateTable", R"({"name": "t", "schema_json": "{\"fields\": [{\"name\": \"id\", )"
                                             R"(\"type\": \"int64\"}]}"})"})
                  .ok());

  const double before = Parses();
  auto info = client->GetFlightInfo(sql::StatementQueryDescriptor("SELECT count(*) AS n FROM t"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  // Checked for permissions and planned from one parse.
  EXPECT_EQ(Parses() - before, 1);
  ASSERT_EQ(info->endpoints.size(), 1u);
  auto stream = client->DoGet(info->endpoints[0].ticket);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto batches = (*stream)->ReadAll();
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  // The ticket's query is checked again (from one parse) and runs the plan made at GetFlightInfo.
  EXPECT_EQ(Parses() - before, 2);
}

}  // namespace
}  // namespace hangar
