// The limits that protect a server from its clients, on a real server on
// loopback: streams at once (in all, per user and per client address), the
// memory one call may gather (counted decoded), rows and batches per put, the
// size of a request, the request timeout, calls left waiting by their client,
// oversized headers. Each refusal is RESOURCE_EXHAUSTED naming the limit, and
// is counted in hangar_rpc_limited_total.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "flight/auth/users_file.h"
#include "flight/client.h"
#include "metrics/registry.h"
#include "peer_relay.h"
#include "test_service.h"

namespace hangar::flight {
namespace {

using testing::IntsBatch;
using testing::IntsSchema;

double Limited(const std::string& limit) {
  return metrics::DefaultRegistry()
      .Counter("hangar_rpc_limited_total", "Calls refused with RESOURCE_EXHAUSTED, by the limit they hit", {"limit"})
      .WithLabels({limit})
      .value();
}

class LimitsTest : public ::testing::Test {
 protected:
  void Start(ServerLimits limits, std::optional<AuthOptions> auth = std::nullopt) {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.limits = limits;
    options.auth = std::move(auth);
    service_ = std::make_shared<testing::TestFlightService>();
    auto server = FlightServer::Start(options, service_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  std::unique_ptr<FlightClient> Connect() { return FlightClient::Connect(server_->location()).value(); }

  // A DoGet that stays open (the "endless" ticket) once its first batch arrived.
  std::unique_ptr<RecordBatchReader> OpenStream(FlightClient& client) {
    auto reader = client.DoGet(Ticket{"endless"});
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return nullptr;
    auto first = (*reader)->Next();
    EXPECT_TRUE(first.ok()) << first.status().ToString();
    return std::move(reader).value();
  }

  // The status a one-batch DoGet ends with.
  Status ShortGet(FlightClient& client) {
    auto reader = client.DoGet(Ticket{"ints:1:1"});
    if (!reader.ok()) return reader.status();
    return (*reader)->ReadAll().status();
  }

  std::shared_ptr<testing::TestFlightService> service_;
  std::unique_ptr<FlightServer> server_;
};

// A streaming call opened with raw gRPC that sends nothing at all (not even
// the end of its stream) until it ends: a client that went quiet.
class SilentCall {
 public:
  SilentCall(const Location& location, const std::string& method)
      : channel_(grpc::CreateChannel(location.Parse()->address, grpc::InsecureChannelCredentials())), stub_(channel_) {
    // A bound for the test, never reached when the server does its job.
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(25));
    call_ = stub_.PrepareCall(&context_, "/arrow.flight.protocol.FlightService/" + method, &cq_);
    call_->StartCall(Tag(1));
    Next(1);
  }
  ~SilentCall() {
    if (!finished_) {
      context_.TryCancel();
      (void)Finish();
    }
    cq_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
    }
  }
  // Waits for the call's status.
  grpc::Status Finish() {
    finished_ = true;
    call_->Finish(&status_, Tag(2));
    Next(2);
    return status_;
  }

 private:
  static void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }
  void Next(intptr_t want) {
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok) && tag != Tag(want)) {
    }
  }
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  grpc::Status status_;
  bool finished_ = false;
};

TEST_F(LimitsTest, OneStreamTooManyIsRefusedNamingTheLimitAndTheSlotComesBack) {
  ServerLimits limits;
  limits.max_streams = 1;
  Start(limits);
  auto client = Connect();
  const double before = Limited("max_streams");
  auto open = OpenStream(*client);
  ASSERT_NE(open, nullptr);
  Status refused = ShortGet(*client);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
  EXPECT_NE(refused.message().find("--max-streams"), std::string::npos) << refused.message();
  EXPECT_EQ(Limited("max_streams"), before + 1);
  // Unary calls are not streams: they go on.
  EXPECT_TRUE(client->DoAction(Action{"echo", "x"}).ok());
  // Once the open stream ends, its slot is free again.
  open->Cancel();
  open.reset();
  Status again;
  for (int i = 0; i < 200; ++i) {
    again = ShortGet(*client);
    if (again.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(again.ok()) << again.ToString();
}

TEST_F(LimitsTest, StreamsPerUserAreCountedPerUser) {
  const auto dir = std::filesystem::temp_directory_path() / ("hangar-limits-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string users_path = (dir / "users.json").string();
  auth::UsersFile users;
  ASSERT_TRUE(users.AddUser("alice", "alice-pw", {{auth::Access::kRead, "*"}}, false, 1000).ok());
  ASSERT_TRUE(users.AddUser("bob", "bob-pw", {{auth::Access::kRead, "*"}}, false, 1000).ok());
  ASSERT_TRUE(users.Save(users_path).ok());
  ServerLimits limits;
  limits.max_streams_per_user = 1;
  Start(limits, AuthOptions{users_path, "0123456789abcdef0123456789abcdef", std::chrono::seconds(3600), {}});
  auto alice = Connect();
  ASSERT_TRUE(alice->AuthenticateBasicToken("alice", "alice-pw").ok());
  auto bob = Connect();
  ASSERT_TRUE(bob->AuthenticateBasicToken("bob", "bob-pw").ok());
  auto open = OpenStream(*alice);
  ASSERT_NE(open, nullptr);
  Status refused = ShortGet(*alice);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
  EXPECT_NE(refused.message().find("user 'alice'"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("--max-streams-per-user"), std::string::npos) << refused.message();
  EXPECT_TRUE(ShortGet(*bob).ok());  // another user's streams are their own
  open->Cancel();
  std::filesystem::remove_all(dir);
}

TEST_F(LimitsTest, ACallGatheringMoreThanItsBudgetIsRefusedAndStoresNothing) {
  ServerLimits limits;
  limits.call_memory_bytes = 1 << 20;
  Start(limits);
  auto client = Connect();
  // 3 batches of 64k rows, each about 1.2 MiB of ids and names: over 1 MiB.
  auto writer = client->DoPut(FlightDescriptor::Path({"gather", "big"}), IntsSchema()).value();
  for (int b = 0; b < 3; ++b) (void)writer->WriteRecordBatch(*IntsBatch(b * 65536, 65536));
  Status st = writer->Close();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_NE(st.message().find("--call-memory-mib"), std::string::npos) << st.message();
  {
    std::lock_guard lock(service_->mu);
    EXPECT_EQ(service_->stored.count("gather.big"), 0u);
  }
  // Under the budget the same call works.
  auto small = client->DoPut(FlightDescriptor::Path({"gather", "small"}), IntsSchema()).value();
  ASSERT_TRUE(small->WriteRecordBatch(*IntsBatch(0, 100)).ok());
  EXPECT_TRUE(small->Close().ok());
  std::lock_guard lock(service_->mu);
  EXPECT_EQ(service_->stored["gather.small"].size(), 1u);
}

TEST_F(LimitsTest, SmallBatchesCountAgainstTheBudgetAtWhatTheyCostDecoded) {
  ServerLimits limits;
  limits.call_memory_bytes = 1 << 20;
  Start(limits);
  auto client = Connect();
  // 2,000 one-row batches: about 40 KB of values, over a megabyte of the
  // objects holding them, which is what the server holds.
  auto writer = client->DoPut(FlightDescriptor::Path({"gather", "small"}), IntsSchema()).value();
  for (int b = 0; b < 2000; ++b) (void)writer->WriteRecordBatch(*IntsBatch(b, 1));
  Status st = writer->Close();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_NE(st.message().find("--call-memory-mib"), std::string::npos) << st.message();
}

TEST_F(LimitsTest, APutBeyondItsRowsOrBatchesIsRefusedAndStoresNothing) {
  ServerLimits limits;
  limits.max_put_rows = 1000;
  limits.max_put_batches = 10;
  Start(limits);
  auto client = Connect();
  auto rows = client->DoPut(FlightDescriptor::Path({"many", "rows"}), IntsSchema()).value();
  for (int b = 0; b < 3; ++b) (void)rows->WriteRecordBatch(*IntsBatch(b * 400, 400));
  Status st = rows->Close();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_NE(st.message().find("--max-put-rows"), std::string::npos) << st.message();
  auto batches = client->DoPut(FlightDescriptor::Path({"many", "batches"}), IntsSchema()).value();
  for (int b = 0; b < 11; ++b) (void)batches->WriteRecordBatch(*IntsBatch(b, 1));
  st = batches->Close();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_NE(st.message().find("--max-put-batches"), std::string::npos) << st.message();
  {
    std::lock_guard lock(service_->mu);
    EXPECT_EQ(service_->stored.count("many.rows"), 0u);
    EXPECT_EQ(service_->stored.count("many.batches"), 0u);
  }
  // At the limits, a put is a put.
  auto fits = client->DoPut(FlightDescriptor::Path({"many", "fits"}), IntsSchema()).value();
  for (int b = 0; b < 10; ++b) ASSERT_TRUE(fits->WriteRecordBatch(*IntsBatch(b * 100, 100)).ok());
  EXPECT_TRUE(fits->Close().ok());
}

TEST_F(LimitsTest, ARequestLargerThanTheLimitIsRefusedBeforeItIsParsed) {
  ServerLimits limits;
  limits.max_request_bytes = 1 << 10;
  Start(limits);
  auto client = Connect();
  Status st = client->DoAction(Action{"echo", std::string(2000, 'x')}).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_NE(st.message().find("--max-request-kib"), std::string::npos) << st.message();
  st = client->GetFlightInfo(FlightDescriptor::Command(std::string(2000, 'x'))).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  auto reader = client->DoGet(Ticket{std::string(2000, 'x')});
  st = reader.ok() ? (*reader)->ReadAll().status() : reader.status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  auto put = client->DoPut(FlightDescriptor::Path({std::string(2000, 'x')}), IntsSchema()).value();
  st = put->Close();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_TRUE(client->DoAction(Action{"echo", "x"}).ok());
}

TEST_F(LimitsTest, AStreamStillMovingDataAfterTheRequestTimeoutEnds) {
  ServerLimits limits;
  limits.request_timeout = std::chrono::milliseconds(300);
  Start(limits);
  auto client = Connect();
  auto stream = client->DoExchange(FlightDescriptor::Path({"echo"})).value();
  ASSERT_TRUE(stream->Begin(IntsSchema()).ok());
  ASSERT_TRUE(stream->WriteRecordBatch(*IntsBatch(0, 10)).ok());
  auto echoed = stream->Next();
  ASSERT_TRUE(echoed.ok() && echoed->data) << echoed.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  (void)stream->WriteRecordBatch(*IntsBatch(10, 10));
  (void)stream->DoneWriting();
  Status ended;
  while (true) {
    auto chunk = stream->Next();
    if (!chunk.ok()) {
      ended = chunk.status();
      break;
    }
    if (chunk->end()) {
      ended = stream->Close();
      break;
    }
  }
  EXPECT_EQ(ended.code(), StatusCode::kResourceExhausted) << ended.ToString();
  EXPECT_NE(ended.message().find("--request-timeout"), std::string::npos) << ended.message();
}

TEST_F(LimitsTest, OneClientAddressCannotTakeEveryStreamSlot) {
  ServerLimits limits;
  limits.max_streams = 10;
  limits.max_streams_per_peer = 2;
  Start(limits);
  hangar::testing::PeerRelay relay(server_->port());  // another client, from 127.0.0.2
  auto greedy = Connect();
  auto other = FlightClient::Connect(relay.location()).value();
  const double before = Limited("max_streams_per_peer");
  auto first = OpenStream(*greedy);
  auto second = OpenStream(*greedy);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  Status refused = ShortGet(*greedy);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
  EXPECT_NE(refused.message().find("client address 127.0.0.1 has 2 streams open"), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("--max-streams-per-peer"), std::string::npos) << refused.message();
  EXPECT_EQ(Limited("max_streams_per_peer"), before + 1);
  // A new connection does not buy the same address more.
  EXPECT_EQ(ShortGet(*Connect()).code(), StatusCode::kResourceExhausted);
  // The other client gets its own share, and the greedy one's unary calls go on.
  EXPECT_TRUE(ShortGet(*other).ok());
  auto others = OpenStream(*other);
  ASSERT_NE(others, nullptr);
  EXPECT_TRUE(ShortGet(*other).ok());
  EXPECT_TRUE(greedy->DoAction(Action{"echo", "x"}).ok());
  // A slot given back is the greedy client's again.
  first->Cancel();
  first.reset();
  Status again;
  for (int i = 0; i < 200; ++i) {
    again = ShortGet(*greedy);
    if (again.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(again.ok()) << again.ToString();
  second->Cancel();
  others->Cancel();
}

TEST_F(LimitsTest, AStreamWhoseClientGoesQuietIsCutAndItsSlotComesBack) {
  ServerLimits limits;
  limits.idle_stream_timeout = std::chrono::milliseconds(500);
  limits.max_streams = 2;
  Start(limits);
  auto client = Connect();
  const double before = Limited("idle_stream_timeout");
  // DoExchange: the descriptor arrives, then nothing; DoPut: not even that.
  auto exchange = client->DoExchange(FlightDescriptor::Path({"echo"})).value();
  SilentCall put(server_->location(), "DoPut");
  auto ended = exchange->Next();
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.status().code(), StatusCode::kResourceExhausted) << ended.status().ToString();
  EXPECT_NE(ended.status().message().find("no message moved for 0.5 s while the call waited on its client"),
            std::string::npos)
      << ended.status().message();
  EXPECT_NE(ended.status().message().find("--idle-stream-timeout"), std::string::npos) << ended.status().message();
  grpc::Status put_status = put.Finish();
  EXPECT_EQ(put_status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << put_status.error_message();
  EXPECT_NE(put_status.error_message().find("--idle-stream-timeout"), std::string::npos) << put_status.error_message();
  // Both slots are free again (the handlers ended), and the cuts were counted.
  Status fresh;
  for (int i = 0; i < 200; ++i) {
    fresh = ShortGet(*client);
    if (fresh.ok() && server_->active_streams() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(fresh.ok()) << fresh.ToString();
  EXPECT_EQ(server_->active_streams(), 0);
  EXPECT_EQ(Limited("idle_stream_timeout"), before + 2);
}

TEST_F(LimitsTest, AStreamThatKeepsMovingOrWaitsOnTheServerIsNotIdle) {
  ServerLimits limits;
  limits.idle_stream_timeout = std::chrono::milliseconds(1000);
  Start(limits);
  auto client = Connect();
  // An "endless" DoGet read steadily for three times the limit.
  auto reader = OpenStream(*client);
  ASSERT_NE(reader, nullptr);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until) {
    auto chunk = reader->Next();
    ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
  }
  reader->Cancel();
  // A call whose handler works (here: waits for cancellation) waits on
  // nobody but itself: the "slow" action outlives the limit.
  CallOptions bounded;
  bounded.timeout = std::chrono::milliseconds(2500);
  auto slow = client->DoAction(Action{"slow", ""}, bounded);
  EXPECT_EQ(slow.status().code(), StatusCode::kDeadlineExceeded) << slow.status().ToString();
}

TEST_F(LimitsTest, AHandshakeThatNeverSendsIsCutAndTakesASlotMeanwhile) {
  ServerLimits limits;
  limits.handshake_timeout = std::chrono::milliseconds(400);
  limits.max_streams_per_peer = 2;
  Start(limits);
  auto client = Connect();
  SilentCall first(server_->location(), "Handshake");
  SilentCall second(server_->location(), "Handshake");
  // The two silent Handshakes hold this address's slots while they last...
  Status refused;
  for (int i = 0; i < 200; ++i) {
    refused = ShortGet(*client);
    if (!refused.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
  // ...which is not for long.
  for (SilentCall* call : {&first, &second}) {
    grpc::Status cut = call->Finish();
    EXPECT_EQ(cut.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << cut.error_message();
    EXPECT_NE(cut.error_message().find("the Handshake waited 0.4 s for its client"), std::string::npos)
        << cut.error_message();
    EXPECT_NE(cut.error_message().find("--handshake-timeout"), std::string::npos) << cut.error_message();
  }
  Status served;
  for (int i = 0; i < 200; ++i) {
    served = ShortGet(*client);
    if (served.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(served.ok()) << served.ToString();
}

TEST_F(LimitsTest, OversizedHeadersAreRefusedAndTheServerGoesOn) {
  Start(ServerLimits{});
  hangar::testing::PeerRelay relay(server_->port());  // another client, on a connection of its own
  auto other = FlightClient::Connect(relay.location()).value();
  auto client = Connect();
  CallOptions huge;
  huge.headers.emplace_back("x-padding", std::string(64 * 1024, 'a'));
  // gRPC refuses the call (RESOURCE_EXHAUSTED), or drops the connection
  // that sent it (UNAVAILABLE), depending on where its parser stops.
  auto refused = client->DoAction(Action{"echo", "x"}, huge);
  EXPECT_TRUE(refused.status().code() == StatusCode::kResourceExhausted ||
              refused.status().code() == StatusCode::kUnavailable)
      << refused.status().ToString();
  auto stream = client->DoGet(Ticket{"ints:1:1"}, huge);
  Status streamed = stream.ok() ? (*stream)->ReadAll().status() : stream.status();
  EXPECT_FALSE(streamed.ok());
  // Other clients are served, and this one again once it reconnects.
  EXPECT_TRUE(ShortGet(*other).ok());
  Status again;
  for (int i = 0; i < 200; ++i) {
    again = client->DoAction(Action{"echo", "x"}).status();
    if (again.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(again.ok()) << again.ToString();
}

}  // namespace
}  // namespace hangar::flight
