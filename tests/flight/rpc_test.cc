// Every Flight RPC between Hangar's client and server over loopback gRPC:
// results, streams in both directions, dictionaries, app_metadata, error
// mapping, cancellation, deadlines, disconnects and message limits.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "arrow/compare.h"
#include "flight/client.h"
#include "flight/flight_data.h"
#include "test_service.h"

namespace hangar::flight {
namespace {

using testing::IntsBatch;
using testing::IntsSchema;
using testing::TestFlightService;

arrow::BufferPtr Meta(std::string_view s) { return arrow::Buffer::CopyOf(s); }

ServerOptions Listen(std::string address) {
  ServerOptions options;
  options.listen = std::move(address);
  return options;
}

class RpcTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(ServerOptions{}); }

  void StartServer(ServerOptions options) {
    options.listen = "127.0.0.1:0";
    service_ = std::make_shared<TestFlightService>();
    auto server = FlightServer::Start(options, service_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    client_ = Connect();
  }

  std::unique_ptr<FlightClient> Connect(ClientOptions options = {}) {
    auto client = FlightClient::Connect(server_->location(), options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  std::shared_ptr<TestFlightService> service_;
  std::unique_ptr<FlightServer> server_;
  std::unique_ptr<FlightClient> client_;
};

void ExpectBatchesEqual(const std::vector<arrow::RecordBatchPtr>& expected,
                        const std::vector<arrow::RecordBatchPtr>& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(arrow::BatchDiff(*expected[i], *actual[i]), "") << "batch " << i;
  }
}

TEST_F(RpcTest, LocationNamesTheChosenPort) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->location().uri, "grpc://127.0.0.1:" + std::to_string(server_->port()));
}

TEST_F(RpcTest, ListFlightsStreamsEveryInfo) {
  auto infos = client_->ListFlights();
  ASSERT_TRUE(infos.ok()) << infos.status().ToString();
  ASSERT_EQ(infos->size(), 2u);
  EXPECT_EQ((*infos)[0].descriptor, FlightDescriptor::Path({"default", "alpha"}));
  EXPECT_EQ((*infos)[1].descriptor, FlightDescriptor::Path({"default", "beta"}));
}

TEST_F(RpcTest, GetFlightInfoCarriesEveryField) {
  auto info = client_->GetFlightInfo(FlightDescriptor::Path({"default", "alpha"}));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->schema->Equals(*IntsSchema()));
  EXPECT_EQ(info->descriptor, FlightDescriptor::Path({"default", "alpha"}));
  ASSERT_EQ(info->endpoints.size(), 1u);
  EXPECT_EQ(info->endpoints[0].ticket.ticket, "ints:2:5");
  EXPECT_EQ(info->endpoints[0].locations, std::vector<Location>{Location{"grpc://127.0.0.1:1"}});
  EXPECT_EQ(info->endpoints[0].app_metadata, "ep-meta");
  EXPECT_EQ(info->total_records, 10);
  EXPECT_EQ(info->total_bytes, 1234);
  EXPECT_TRUE(info->ordered);
  EXPECT_EQ(info->app_metadata, "info-meta");
}

TEST_F(RpcTest, UnknownFlightIsNotFoundWithItsName) {
  auto info = client_->GetFlightInfo(FlightDescriptor::Path({"nowhere"}));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
  EXPECT_NE(info.status().message().find("path [nowhere]"), std::string::npos) << info.status().message();
}

TEST_F(RpcTest, PollFlightInfoAndGetSchema) {
  auto poll = client_->PollFlightInfo(FlightDescriptor::Path({"default", "beta"}));
  ASSERT_TRUE(poll.ok()) << poll.status().ToString();
  ASSERT_TRUE(poll->info.has_value());
  EXPECT_EQ(poll->progress, 1.0);
  EXPECT_FALSE(poll->descriptor.has_value());
  auto schema = client_->GetSchema(FlightDescriptor::Path({"default", "beta"}));
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_TRUE((*schema)->Equals(*IntsSchema()));
}

TEST_F(RpcTest, DoGetStreamsBatches) {
  auto reader = client_->DoGet(Ticket{"ints:3:1000"});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto schema = (*reader)->GetSchema();
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_TRUE((*schema)->Equals(*IntsSchema()));
  auto batches = (*reader)->ReadAll();
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  ExpectBatchesEqual({IntsBatch(0, 1000), IntsBatch(1000, 1000), IntsBatch(2000, 1000)}, *batches);
}

// The handler builds each batch, writes it and drops it at once; its bodies
// go out as slices of the batch's buffers, which gRPC may still hold, queued
// for the socket, while the client is slow to read. Every byte must arrive
// intact (and under ASan no slice may point at freed memory).
TEST_F(RpcTest, DoGetBodiesOutliveTheBatchesTheHandlerDropped) {
  constexpr int kBatches = 6, kRows = 150000;  // about 2.4 MB per batch
  auto reader = client_->DoGet(Ticket{"ints:" + std::to_string(kBatches) + ":" + std::to_string(kRows)});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<arrow::RecordBatchPtr> batches, expected;
  while (true) {
    // A slow reader: the server's writes complete before the bytes leave.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto chunk = (*reader)->Next();
    ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (chunk->end()) break;
    batches.push_back(chunk->data);
  }
  for (int i = 0; i < kBatches; ++i) expected.push_back(IntsBatch(int64_t{i} * kRows, kRows));
  ExpectBatchesEqual(expected, batches);
}

TEST_F(RpcTest, DoGetCarriesDictionaryDeltas) {
  auto reader = client_->DoGet(Ticket{"dict:4"});
  ASSERT_TRUE(reader.ok());
  auto batches = (*reader)->ReadAll();
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  ExpectBatchesEqual({testing::DictBatch(0), testing::DictBatch(1), testing::DictBatch(2), testing::DictBatch(3)},
                     *batches);
}

// Reads to the end; returns the final status and counts the batches read.
Status Drain(RecordBatchReader* reader, int* batches) {
  *batches = 0;
  while (true) {
    auto chunk = reader->Next();
    if (!chunk.ok()) return chunk.status();
    if (chunk->end()) return Status::OK();
    ++*batches;
  }
}

TEST_F(RpcTest, DoGetErrorMidStreamReachesTheClientAfterTheBatches) {
  auto reader = client_->DoGet(Ticket{"fail-after:2"});
  ASSERT_TRUE(reader.ok());
  int batches = 0;
  Status final = Drain(reader->get(), &batches);
  EXPECT_EQ(batches, 2);
  EXPECT_EQ(final.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(final.message().find("fails after 2 batches"), std::string::npos) << final.message();
}

TEST_F(RpcTest, DoGetOfUnknownTicketIsNotFound) {
  auto reader = client_->DoGet(Ticket{"no-such-ticket"});
  ASSERT_TRUE(reader.ok());
  auto schema = (*reader)->GetSchema();
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), StatusCode::kNotFound);
  EXPECT_NE(schema.status().message().find("no-such-ticket"), std::string::npos);
}

TEST_F(RpcTest, DoPutStoresBatchesAndAnswersWithPutResults) {
  auto writer = client_->DoPut(FlightDescriptor::Path({"default", "put"}), IntsSchema());
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::vector<arrow::RecordBatchPtr> sent = {IntsBatch(0, 10), IntsBatch(10, 20), IntsBatch(30, 5)};
  for (const auto& b : sent) ASSERT_TRUE((*writer)->WriteRecordBatch(*b, Meta("m")).ok());
  std::vector<std::string> results;
  for (int i = 0; i < 3; ++i) {
    auto r = (*writer)->ReadResult();
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->has_value());
    results.push_back(**r);
  }
  EXPECT_EQ(results, (std::vector<std::string>{"10", "30", "35"}));
  ASSERT_TRUE((*writer)->Close().ok());
  std::lock_guard lock(service_->mu);
  ExpectBatchesEqual(sent, service_->stored["default.put"]);
}

TEST_F(RpcTest, DoPutOfSlicedBatchesSendsOnlyTheSlice) {
  auto big = IntsBatch(0, 100);
  auto writer = client_->DoPut(FlightDescriptor::Path({"sliced"}), IntsSchema());
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->WriteRecordBatch(*big->Slice(13, 40)).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  std::lock_guard lock(service_->mu);
  ExpectBatchesEqual({IntsBatch(13, 40)}, service_->stored["sliced"]);
}

TEST_F(RpcTest, DoExchangeEchoesBatchesAndMetadataOnlyMessages) {
  auto stream = client_->DoExchange(FlightDescriptor::Command("echo"));
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  ASSERT_TRUE((*stream)->WriteMetadata(Meta("hello")).ok());
  ASSERT_TRUE((*stream)->Begin(IntsSchema()).ok());
  ASSERT_TRUE((*stream)->WriteRecordBatch(*IntsBatch(0, 7), Meta("first")).ok());
  ASSERT_TRUE((*stream)->WriteRecordBatch(*IntsBatch(7, 3)).ok());
  ASSERT_TRUE((*stream)->DoneWriting().ok());
  auto c1 = (*stream)->Next();
  ASSERT_TRUE(c1.ok()) << c1.status().ToString();
  EXPECT_EQ(c1->data, nullptr);
  ASSERT_NE(c1->app_metadata, nullptr);
  EXPECT_EQ(c1->app_metadata->view(), "hello");
  auto c2 = (*stream)->Next();
  ASSERT_TRUE(c2.ok());
  ASSERT_NE(c2->data, nullptr);
  EXPECT_EQ(arrow::BatchDiff(*IntsBatch(0, 7), *c2->data), "");
  EXPECT_EQ(c2->app_metadata->view(), "first");
  auto c3 = (*stream)->Next();
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(arrow::BatchDiff(*IntsBatch(7, 3), *c3->data), "");
  EXPECT_EQ(c3->app_metadata, nullptr);
  auto end = (*stream)->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->end());
  EXPECT_TRUE((*stream)->Close().ok());
}

TEST_F(RpcTest, DoActionAndListActions) {
  auto results = client_->DoAction(Action{"echo", "payload"});
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[1].body, "payload");
  auto unknown = client_->DoAction(Action{"no-such-action", ""});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(unknown.status().message().find("no-such-action"), std::string::npos);
  auto actions = client_->ListActions();
  ASSERT_TRUE(actions.ok());
  EXPECT_EQ(*actions, (std::vector<ActionType>{{"echo", "returns the body twice"}, {"io-error", "fails"}}));
}

TEST_F(RpcTest, InternalErrorsDoNotLeakPathsOrExceptionText) {
  auto io = client_->DoAction(Action{"io-error", ""});
  ASSERT_FALSE(io.ok());
  EXPECT_EQ(io.status().code(), StatusCode::kInternal);
  EXPECT_EQ(io.status().message().find("/var/lib"), std::string::npos) << io.status().message();
  EXPECT_NE(io.status().message().find("reference #"), std::string::npos) << io.status().message();
  auto thrown = client_->DoAction(Action{"throw", ""});
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.status().code(), StatusCode::kInternal);
  EXPECT_EQ(thrown.status().message().find("secret"), std::string::npos) << thrown.status().message();
  // The server survives both.
  EXPECT_TRUE(client_->ListActions().ok());
}

TEST(RpcUnimplementedTest, ABareServiceAnswersUnimplementedNamingTheCall) {
  auto server = FlightServer::Start(Listen("127.0.0.1:0"), std::make_shared<FlightService>());
  ASSERT_TRUE(server.ok());
  auto client = FlightClient::Connect((*server)->location());
  ASSERT_TRUE(client.ok());
  auto info = (*client)->GetFlightInfo(FlightDescriptor::Path({"x"}));
  EXPECT_EQ(info.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(info.status().message().find("GetFlightInfo"), std::string::npos);
  auto reader = (*client)->DoGet(Ticket{"x"});
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->ReadAll().status().code(), StatusCode::kUnimplemented);
  auto put = (*client)->DoPut(FlightDescriptor::Path({"x"}), IntsSchema());
  ASSERT_TRUE(put.ok());
  Status closed = (*put)->Close();
  EXPECT_EQ(closed.code(), StatusCode::kUnimplemented);
  EXPECT_NE(closed.message().find("DoPut"), std::string::npos);
  auto listed = (*client)->ListFlights();
  EXPECT_EQ(listed.status().code(), StatusCode::kUnimplemented);
  auto actions = (*client)->ListActions();
  ASSERT_TRUE(actions.ok());
  EXPECT_TRUE(actions->empty());
}

TEST_F(RpcTest, ClientCancellationStopsTheServerStream) {
  auto reader = client_->DoGet(Ticket{"endless"});
  ASSERT_TRUE(reader.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*reader)->Next().ok());
  (*reader)->Cancel();
  int batches = 0;
  EXPECT_EQ(Drain(reader->get(), &batches).code(), StatusCode::kCancelled)
      << "a cancelled endless stream cannot end cleanly";
  for (int i = 0; i < 500 && !service_->saw_cancellation; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(service_->saw_cancellation);
}

TEST_F(RpcTest, DeadlineEndsASlowCallWithDeadlineExceeded) {
  CallOptions options;
  options.timeout = std::chrono::milliseconds(200);
  auto results = client_->DoAction(Action{"slow", ""}, options);
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), StatusCode::kDeadlineExceeded);
  for (int i = 0; i < 500 && !service_->saw_cancellation; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(service_->saw_cancellation) << "the handler must see the expired deadline";
}

TEST_F(RpcTest, ClientThatDisconnectsMidPutLeavesNothingStored) {
  {
    auto writer = client_->DoPut(FlightDescriptor::Path({"torn"}), IntsSchema());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->WriteRecordBatch(*IntsBatch(0, 10)).ok());
    ASSERT_TRUE((*writer)->ReadResult().ok());  // the server has the first batch
    (*writer)->Cancel();
  }
  for (int i = 0; i < 500 && service_->puts_failed == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(service_->puts_failed, 1);
  std::lock_guard lock(service_->mu);
  EXPECT_EQ(service_->stored.count("torn"), 0u);
}

TEST_F(RpcTest, OversizeMessagesAreResourceExhausted) {
  ServerOptions options;
  options.max_message_size = 1 << 20;
  StartServer(options);
  // A server reply larger than the client accepts.
  ClientOptions small;
  small.max_message_size = 1 << 20;
  auto client = Connect(small);
  auto reader = client->DoGet(Ticket{"bytes:2000000"});
  ASSERT_TRUE(reader.ok());
  auto read = (*reader)->ReadAll();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kResourceExhausted) << read.status().ToString();
  // A client upload larger than the server accepts.
  auto writer = client_->DoPut(FlightDescriptor::Path({"big"}), IntsSchema());
  ASSERT_TRUE(writer.ok());
  (void)(*writer)->WriteRecordBatch(*IntsBatch(0, 200000));
  Status closed = (*writer)->Close();
  EXPECT_EQ(closed.code(), StatusCode::kResourceExhausted) << closed.ToString();
  // Under the limit, both work.
  auto fine = client->DoGet(Ticket{"bytes:500000"});
  ASSERT_TRUE(fine.ok());
  EXPECT_TRUE((*fine)->ReadAll().ok());
}

// Raw bytes on the DoPut method, bypassing Hangar's client.
grpc::Status RawDoPut(const Location& location, const std::string& bytes) {
  auto channel = grpc::CreateChannel(location.Parse()->address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&context, "/arrow.flight.protocol.FlightService/DoPut", &cq);
  void* tag = nullptr;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer message(&slice, 1);
  call->Write(message, reinterpret_cast<void*>(2));
  cq.Next(&tag, &ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  cq.Next(&tag, &ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(4));
  while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(4)) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

TEST_F(RpcTest, MalformedFlightDataIsInvalidArgumentAndNotAnEndOfStream) {
  // Field 2 (data_header) claims 100 bytes but 3 follow.
  grpc::Status cut = RawDoPut(server_->location(), std::string("\x12\x64"
                                                               "abc",
                                                               5));
  EXPECT_EQ(cut.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << cut.error_message();
  EXPECT_NE(cut.error_message().find("malformed FlightData"), std::string::npos) << cut.error_message();
  // A well-formed FlightData whose data_header is not an IPC message.
  std::string bogus_ipc;
  bogus_ipc += '\x0a';                                     // descriptor
  std::string desc = std::string("\x08\x01\x1a\x01x", 5);  // PATH ["x"]
  bogus_ipc += static_cast<char>(desc.size());
  bogus_ipc += desc;
  bogus_ipc +=
      "\x12\x08"
      "garbage!";
  grpc::Status bad_ipc = RawDoPut(server_->location(), bogus_ipc);
  EXPECT_EQ(bad_ipc.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad_ipc.error_message();
  std::lock_guard lock(service_->mu);
  EXPECT_TRUE(service_->stored.empty());
}

TEST_F(RpcTest, DoPutWithoutDescriptorIsRefused) {
  grpc::Status status = RawDoPut(server_->location(), std::string("\x1a\x02hi", 4));  // app_metadata only
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("FlightDescriptor"), std::string::npos) << status.error_message();
}

TEST(ServerOptionsTest, NonLoopbackListenNeedsAuthAndTlsOrInsecure) {
  ServerOptions options;
  options.listen = "0.0.0.0:0";
  auto refused = FlightServer::Start(options, std::make_shared<FlightService>());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("--insecure"), std::string::npos);
  options.insecure = true;
  auto allowed = FlightServer::Start(options, std::make_shared<FlightService>());
  EXPECT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.1.2.3"));
}

TEST(ServerOptionsTest, BadListenAddressesAreClearErrors) {
  for (const char* bad : {"nocolon", "127.0.0.1:99999", "127.0.0.1:x"}) {
    auto server = FlightServer::Start(Listen(bad), std::make_shared<FlightService>());
    ASSERT_FALSE(server.ok()) << bad;
    EXPECT_NE(server.status().message().find(bad), std::string::npos) << server.status().message();
  }
}

}  // namespace
}  // namespace hangar::flight
