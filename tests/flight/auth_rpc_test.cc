// Basic -> Bearer authentication and per-user permissions on a real server:
// every way to log in, every way to fail, tokens shared across nodes, and the
// permission check that guards every RPC.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/base64.h"
#include "flight/auth/token.h"
#include "flight/auth/users_file.h"
#include "flight/client.h"
#include "flight/protocol.h"
#include "test_service.h"

namespace hangar::flight {
namespace {

using auth::Access;
using testing::IntsBatch;
using testing::IntsSchema;

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("hangar-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

class AuthTest : public ::testing::Test {
 protected:
  // A failure here is recorded and fails every test of the suite in SetUp:
  // an assertion in SetUpTestSuite would skip them all, and CTest would
  // count skipped tests as passing.
  static void SetUpTestSuite() {
    dir_ = new std::string(TempDir("auth"));
    setup_ = new Status(WriteUsers());
  }
  static Status WriteUsers() {
    auth::UsersFile users;
    HANGAR_RETURN_NOT_OK(users.AddUser("alice", "alice-pw", {{Access::kRead, "default.*"}}, false, 1000));
    HANGAR_RETURN_NOT_OK(users.AddUser("bob", "bob-pw", {{Access::kWrite, "default.*"}}, false, 1000));
    HANGAR_RETURN_NOT_OK(users.AddUser("carol", "carol-pw", {{Access::kRead, "default.alpha"}}, false, 1000));
    HANGAR_RETURN_NOT_OK(users.AddUser("root", "root-pw", {{Access::kAdmin, "*"}}, false, 1000));
    return users.Save(UsersPath());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete setup_;
  }
  static std::string UsersPath() { return *dir_ + "/users.json"; }

  void SetUp() override {
    ASSERT_TRUE(setup_->ok()) << "the users file could not be written: " << setup_->ToString();
    server_ = StartServer(kSecret);
  }

  std::unique_ptr<FlightServer> StartServer(const std::string& secret, bool pass_credentials = false) {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.auth = AuthOptions{UsersPath(), secret, std::chrono::seconds(3600), {}, pass_credentials};
    auto server = FlightServer::Start(options, service_);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }

  std::unique_ptr<FlightClient> Client(const FlightServer& server) {
    auto client = FlightClient::Connect(server.location());
    EXPECT_TRUE(client.ok());
    return std::move(client).value();
  }

  std::unique_ptr<FlightClient> LoggedIn(const std::string& user, const std::string& password) {
    auto client = Client(*server_);
    auto token = client->AuthenticateBasicToken(user, password);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return client;
  }

  static std::string* dir_;
  static Status* setup_;
  std::shared_ptr<testing::TestFlightService> service_ = std::make_shared<testing::TestFlightService>();
  std::unique_ptr<FlightServer> server_;
};

std::string* AuthTest::dir_ = nullptr;
Status* AuthTest::setup_ = nullptr;

void ExpectCode(const Status& status, StatusCode code, std::string_view fragment) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_NE(status.message().find(fragment), std::string::npos) << status.ToString();
}

TEST_F(AuthTest, EveryRpcWithoutCredentialsIsUnauthenticated) {
  auto client = Client(*server_);
  ExpectCode(client->ListFlights().status(), StatusCode::kUnauthenticated, "authorization");
  ExpectCode(client->GetFlightInfo(FlightDescriptor::Path({"default", "alpha"})).status(), StatusCode::kUnauthenticated,
             "authorization");
  ExpectCode(client->ListActions().status(), StatusCode::kUnauthenticated, "authorization");
  auto reader = client->DoGet(Ticket{"ints:1:1"});
  ASSERT_TRUE(reader.ok());
  ExpectCode((*reader)->ReadAll().status(), StatusCode::kUnauthenticated, "authorization");
  // The refusal may come as the stream opens or when it closes.
  auto put = client->DoPut(FlightDescriptor::Path({"default", "x"}), IntsSchema());
  ExpectCode(put.ok() ? (*put)->Close() : put.status(), StatusCode::kUnauthenticated, "authorization");
  std::lock_guard lock(service_->mu);
  EXPECT_TRUE(service_->stored.empty());
}

TEST_F(AuthTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  auto client = Client(*server_);
  auto wrong = client->AuthenticateBasicToken("alice", "not-her-password");
  auto unknown = client->AuthenticateBasicToken("mallory", "whatever");
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().ToString(), unknown.status().ToString());
  auto handshake = client->HandshakeBasicAuth("alice", "nope");
  EXPECT_EQ(handshake.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthTest, BasicHeaderHandshakeYieldsABearerTokenForLaterCalls) {
  auto client = Client(*server_);
  auto token = client->AuthenticateBasicToken("alice", "alice-pw");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_FALSE(token->empty());
  EXPECT_TRUE(client->GetFlightInfo(FlightDescriptor::Path({"default", "alpha"})).ok());
  auto reader = client->DoGet(Ticket{"ints:1:5"});
  ASSERT_TRUE(reader.ok());
  auto batches = (*reader)->ReadAll();
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  EXPECT_EQ(batches->size(), 1u);
}

TEST_F(AuthTest, HandshakeWithABasicAuthPayloadYieldsAToken) {
  auto client = Client(*server_);
  auto token = client->HandshakeBasicAuth("bob", "bob-pw");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  auto put = client->DoPut(FlightDescriptor::Path({"default", "by-bob"}), IntsSchema());
  ASSERT_TRUE(put.ok());
  ASSERT_TRUE((*put)->WriteRecordBatch(*IntsBatch(0, 3)).ok());
  EXPECT_TRUE((*put)->Close().ok());
}

TEST_F(AuthTest, HandshakeWithoutAnyCredentialsIsUnauthenticated) {
  auto client = Client(*server_);
  auto token = client->HandshakeBasicAuth("", "");
  EXPECT_EQ(token.status().code(), StatusCode::kUnauthenticated);
}

// A unary GetFlightInfo through gRPC directly, to see response headers.
grpc::Status RawGetFlightInfo(const FlightServer& server, const std::string& authorization,
                              std::string* bearer_answer) {
  auto channel = grpc::CreateChannel(server.location().Parse()->address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", authorization);
  pb::FlightDescriptor request;
  ToProto(FlightDescriptor::Path({"default", "alpha"}), &request);
  std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer in(&slice, 1), out;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/arrow.flight.protocol.FlightService/GetFlightInfo", grpc::StubOptions(), &in, &out,
                 [&](grpc::Status s) {
                   std::lock_guard lock(mu);
                   status = s;
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  auto it = context.GetServerInitialMetadata().find("authorization");
  if (it != context.GetServerInitialMetadata().end())
    *bearer_answer = std::string(it->second.data(), it->second.size());
  return status;
}

TEST_F(AuthTest, BasicHeaderOnAnyCallIsAnsweredWithABearerHeader) {
  std::string answer;
  grpc::Status status = RawGetFlightInfo(*server_, "Basic " + Base64Encode("carol:carol-pw"), &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(answer.substr(0, 7), "Bearer ");
  // The token works on its own.
  std::string again;
  EXPECT_TRUE(RawGetFlightInfo(*server_, answer, &again).ok());
  EXPECT_EQ(again, "") << "a bearer call is not answered with a new token";
  // Malformed Basic credentials are refused clearly.
  grpc::Status malformed = RawGetFlightInfo(*server_, "Basic !!!not-base64", &again);
  EXPECT_EQ(malformed.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status scheme = RawGetFlightInfo(*server_, "Digest abc", &again);
  EXPECT_EQ(scheme.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(scheme.error_message().find("Basic"), std::string::npos);
}

TEST_F(AuthTest, TokensFromAnotherNodeWithTheSameSecretAreAccepted) {
  auto token = Client(*server_)->AuthenticateBasicToken("alice", "alice-pw");
  ASSERT_TRUE(token.ok());
  auto other = StartServer(kSecret);
  auto client = Client(*other);
  client->SetBearerToken(*token);
  EXPECT_TRUE(client->GetFlightInfo(FlightDescriptor::Path({"default", "alpha"})).ok());
  // A node with another secret does not accept it.
  auto stranger = StartServer("a-completely-different-secret-value");
  auto refused = Client(*stranger);
  refused->SetBearerToken(*token);
  ExpectCode(refused->GetFlightInfo(FlightDescriptor::Path({"default", "alpha"})).status(),
             StatusCode::kUnauthenticated, "signature");
}

TEST_F(AuthTest, PassedCredentialsReachHandlersThroughTheTokenTheyEarned) {
  const auto alpha = FlightDescriptor::Path({"default", "alpha"});
  auto seen = [&] {
    std::lock_guard lock(service_->mu);
    return service_->credentials_seen;
  };
  auto passing = StartServer(kSecret, /*pass_credentials=*/true);
  auto client = Client(*passing);
  auto token = client->AuthenticateBasicToken("alice", "alice-pw");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  ASSERT_TRUE(client->GetFlightInfo(alpha).ok());
  EXPECT_EQ(seen(), "alice:alice-pw") << "a call with the bearer token finds the password it was earned with";

  // A token this server did not issue (another node's) carries no password.
  auto elsewhere = Client(*server_)->AuthenticateBasicToken("alice", "alice-pw");
  ASSERT_TRUE(elsewhere.ok());
  auto other = Client(*passing);
  other->SetBearerToken(*elsewhere);
  ASSERT_TRUE(other->GetFlightInfo(alpha).ok());
  EXPECT_EQ(seen(), "none");
  // Nor does any call on a server that does not pass credentials on.
  ASSERT_TRUE(LoggedIn("alice", "alice-pw")->GetFlightInfo(alpha).ok());
  EXPECT_EQ(seen(), "none");
}

TEST_F(AuthTest, TamperedAndExpiredTokensAreRejected) {
  auto client = Client(*server_);
  auto token = client->AuthenticateBasicToken("alice", "alice-pw");
  ASSERT_TRUE(token.ok());
  std::string tampered = *token;
  tampered[tampered.size() / 3] = tampered[tampered.size() / 3] == 'A' ? 'B' : 'A';
  client->SetBearerToken(tampered);
  EXPECT_EQ(client->ListFlights().status().code(), StatusCode::kUnauthenticated);
  auth::TokenSigner signer(kSecret);
  client->SetBearerToken(
      signer.Issue("alice", std::chrono::seconds(60), std::chrono::system_clock::now() - std::chrono::hours(2)));
  ExpectCode(client->ListFlights().status(), StatusCode::kUnauthenticated, "expired");
  // A valid signature for a user who is not in the users file.
  client->SetBearerToken(signer.Issue("ghost", std::chrono::seconds(60)));
  EXPECT_EQ(client->ListFlights().status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthTest, ReadersMayReadButNotWrite) {
  auto alice = LoggedIn("alice", "alice-pw");
  EXPECT_TRUE(alice->GetSchema(FlightDescriptor::Path({"default", "alpha"})).ok());
  auto put = alice->DoPut(FlightDescriptor::Path({"default", "nope"}), IntsSchema());
  Status closed = put.status();
  if (put.ok()) {
    (void)(*put)->WriteRecordBatch(*IntsBatch(0, 3));
    closed = (*put)->Close();
  }
  ExpectCode(closed, StatusCode::kPermissionDenied, "alice");
  EXPECT_NE(closed.message().find("write"), std::string::npos) << closed.message();
  EXPECT_NE(closed.message().find("default.nope"), std::string::npos) << closed.message();
  ExpectCode(alice->DoAction(Action{"echo", "x"}).status(), StatusCode::kPermissionDenied, "admin");
  std::lock_guard lock(service_->mu);
  EXPECT_EQ(service_->stored.count("default.nope"), 0u);
}

TEST_F(AuthTest, WritersMayWriteAndWriteImpliesRead) {
  auto bob = LoggedIn("bob", "bob-pw");
  auto put = bob->DoPut(FlightDescriptor::Path({"default", "bobs"}), IntsSchema());
  ASSERT_TRUE(put.ok());
  ASSERT_TRUE((*put)->WriteRecordBatch(*IntsBatch(0, 3)).ok());
  EXPECT_TRUE((*put)->Close().ok());
  EXPECT_TRUE(bob->GetFlightInfo(FlightDescriptor::Path({"default", "alpha"})).ok());
  ExpectCode(bob->GetFlightInfo(FlightDescriptor::Path({"other", "alpha"})).status(), StatusCode::kPermissionDenied,
             "other.alpha");
}

TEST_F(AuthTest, ListFlightsShowsOnlyWhatTheUserMayRead) {
  auto carol = LoggedIn("carol", "carol-pw");
  auto infos = carol->ListFlights();
  ASSERT_TRUE(infos.ok()) << infos.status().ToString();
  ASSERT_EQ(infos->size(), 1u);
  EXPECT_EQ((*infos)[0].descriptor, FlightDescriptor::Path({"default", "alpha"}));
  ExpectCode(carol->GetFlightInfo(FlightDescriptor::Path({"default", "beta"})).status(), StatusCode::kPermissionDenied,
             "default.beta");
}

TEST_F(AuthTest, AdminsMayRunActions) {
  auto root = LoggedIn("root", "root-pw");
  auto results = root->DoAction(Action{"echo", "hi"});
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ(results->size(), 2u);
}

TEST_F(AuthTest, UsersAddedWhileRunningCanLogIn) {
  auto users = auth::UsersFile::Load(UsersPath());
  ASSERT_TRUE(users.ok());
  ASSERT_TRUE(users->AddUser("dave", "dave-pw", {{Access::kRead, "*"}}).ok());
  ASSERT_TRUE(users->Save(UsersPath()).ok());
  auto client = Client(*server_);
  auto token = client->AuthenticateBasicToken("dave", "dave-pw");
  EXPECT_TRUE(token.ok()) << token.status().ToString();
}

TEST(AuthOptionsTest, ABrokenUsersFileStopsTheServerFromStarting) {
  const std::string dir = TempDir("auth-broken");
  std::ofstream(dir + "/users.json") << "{ not json";
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.auth = AuthOptions{dir + "/users.json", kSecret, std::chrono::seconds(60), {}};
  auto server = FlightServer::Start(options, std::make_shared<FlightService>());
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("users.json"), std::string::npos) << server.status().ToString();
  options.auth->token_secret = "short";
  options.auth->users_file = dir + "/missing.json";
  EXPECT_FALSE(FlightServer::Start(options, std::make_shared<FlightService>()).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hangar::flight
