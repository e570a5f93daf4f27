#include "flight/client.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/codegen/rpc_method.h>
#include <grpcpp/impl/codegen/sync_stream.h>

#include "base/base64.h"
#include "flight/mutex_tuning.h"
#include "flight/protocol.h"
#include "flight/status_mapping.h"

namespace hangar::flight {

namespace {

using grpc::internal::RpcMethod;

constexpr const char* kMethodNames[] = {
    "/arrow.flight.protocol.FlightService/Handshake",     "/arrow.flight.protocol.FlightService/ListFlights",
    "/arrow.flight.protocol.FlightService/GetFlightInfo", "/arrow.flight.protocol.FlightService/PollFlightInfo",
    "/arrow.flight.protocol.FlightService/GetSchema",     "/arrow.flight.protocol.FlightService/DoGet",
    "/arrow.flight.protocol.FlightService/DoPut",         "/arrow.flight.protocol.FlightService/DoExchange",
    "/arrow.flight.protocol.FlightService/DoAction",      "/arrow.flight.protocol.FlightService/ListActions",
};

Status Disconnected() { return Status::Unavailable("the server closed the stream"); }

// Reads FlightData from a client stream; at the end, the call's status
// decides between a clean end and an error.
template <typename Stream>
class ClientSource : public FlightDataSource {
 public:
  explicit ClientSource(Stream* stream) : stream_(stream) {}
  Result<bool> Read(FlightData* out) override {
    if (finished_) return false;
    if (stream_->Read(out)) return true;
    HANGAR_RETURN_NOT_OK(out->wire_status);
    finished_ = true;
    HANGAR_RETURN_NOT_OK(FromGrpcStatus(stream_->Finish()));
    return false;
  }
  bool finished() const { return finished_; }

 private:
  Stream* stream_;
  bool finished_ = false;
};

// Writes FlightData on a client stream. A failed write means the call is
// over: the server's status says why.
template <typename Stream>
class ClientSink : public FlightDataSink {
 public:
  ClientSink(Stream* stream, std::function<Status()> on_failure)
      : stream_(stream), on_failure_(std::move(on_failure)) {}
  Status Write(const FlightData& data) override {
    if (stream_->Write(data)) return Status::OK();
    return on_failure_();
  }

 private:
  Stream* stream_;
  std::function<Status()> on_failure_;
};

class DoGetReader : public RecordBatchReader {
 public:
  DoGetReader(std::unique_ptr<grpc::ClientContext> context, std::unique_ptr<grpc::ClientReader<FlightData>> stream,
              const arrow::ipc::ReadOptions& options)
      : context_(std::move(context)), stream_(std::move(stream)), source_(stream_.get()), reader_(&source_, options) {}
  ~DoGetReader() override {
    // Leaving a stream unread must not block: cancel what is still running.
    if (!source_.finished()) {
      context_->TryCancel();
      FlightData ignored;
      while (stream_->Read(&ignored)) {
      }
      (void)stream_->Finish();
    }
  }
  Result<arrow::SchemaPtr> GetSchema() override { return reader_.GetSchema(); }
  Result<FlightStreamChunk> Next() override { return reader_.Next(); }
  Result<std::vector<arrow::RecordBatchPtr>> ReadAll() override { return reader_.ReadAll(); }
  void Cancel() override { context_->TryCancel(); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<FlightData>> stream_;
  ClientSource<grpc::ClientReader<FlightData>> source_;
  FlightStreamReader reader_;
};

class DoPutWriter : public PutWriter {
 public:
  using Stream = grpc::ClientReaderWriter<FlightData, pb::PutResult>;
  DoPutWriter(std::unique_ptr<grpc::ClientContext> context, std::unique_ptr<Stream> stream,
              const arrow::ipc::WriteOptions& options)
      : context_(std::move(context)),
        stream_(std::move(stream)),
        sink_(stream_.get(), [this] { return FinishAfterFailure(); }),
        writer_(&sink_, options) {}
  ~DoPutWriter() override {
    if (!finished_) {
      context_->TryCancel();
      (void)Close();
    }
  }
  Status Begin(const FlightDescriptor& descriptor, const arrow::SchemaPtr& schema) {
    writer_.SetDescriptor(descriptor);
    return writer_.Begin(schema);
  }
  Status WriteRecordBatch(const arrow::RecordBatch& batch, arrow::BufferPtr app_metadata) override {
    return writer_.WriteRecordBatch(batch, std::move(app_metadata));
  }
  Status WriteMetadata(arrow::BufferPtr app_metadata) override {
    return writer_.WriteMetadata(std::move(app_metadata));
  }
  Status DoneWriting() override {
    if (!writes_done_) {
      writes_done_ = true;
      stream_->WritesDone();
    }
    return Status::OK();
  }
  Result<std::optional<std::string>> ReadResult() override {
    pb::PutResult result;
    if (!finished_ && stream_->Read(&result)) return std::optional<std::string>(result.app_metadata());
    return std::optional<std::string>();
  }
  Status Close() override {
    if (finished_) return final_;
    (void)DoneWriting();
    pb::PutResult ignored;
    while (stream_->Read(&ignored)) {
    }
    return FinishAfterFailure();
  }
  void Cancel() override { context_->TryCancel(); }

 private:
  Status FinishAfterFailure() {
    if (!finished_) {
      finished_ = true;
      final_ = FromGrpcStatus(stream_->Finish());
    }
    return final_.ok() && !writes_done_ ? Disconnected() : final_;
  }

  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<Stream> stream_;
  ClientSink<Stream> sink_;
  FlightStreamWriter writer_;
  bool writes_done_ = false;
  bool finished_ = false;
  Status final_;
};

class DoExchangeStream : public ExchangeStream {
 public:
  using Stream = grpc::ClientReaderWriter<FlightData, FlightData>;
  DoExchangeStream(std::unique_ptr<grpc::ClientContext> context, std::unique_ptr<Stream> stream,
                   const ClientOptions& options)
      : context_(std::move(context)),
        stream_(std::move(stream)),
        source_(stream_.get()),
        sink_(stream_.get(), [this] { return FailedWrite(); }),
        reader_(&source_, options.read_options),
        writer_(&sink_, options.write_options) {}
  ~DoExchangeStream() override {
    if (!source_.finished()) {
      context_->TryCancel();
      (void)Close();
    }
  }
  // The server learns the target from the first message: send it at once,
  // so that a client which only reads works too.
  Status Open(const FlightDescriptor& descriptor) {
    FlightData first;
    first.descriptor = descriptor;
    return sink_.Write(first);
  }
  Status Begin(const arrow::SchemaPtr& schema) override { return writer_.Begin(schema); }
  Status WriteRecordBatch(const arrow::RecordBatch& batch, arrow::BufferPtr app_metadata) override {
    return writer_.WriteRecordBatch(batch, std::move(app_metadata));
  }
  Status WriteMetadata(arrow::BufferPtr app_metadata) override {
    return writer_.WriteMetadata(std::move(app_metadata));
  }
  Status DoneWriting() override {
    if (!writes_done_) {
      writes_done_ = true;
      stream_->WritesDone();
    }
    return Status::OK();
  }
  Result<arrow::SchemaPtr> GetSchema() override { return reader_.GetSchema(); }
  Result<FlightStreamChunk> Next() override { return reader_.Next(); }
  Status Close() override {
    HANGAR_RETURN_NOT_OK(DoneWriting());
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto chunk, Next());
      if (chunk.end()) return Status::OK();
    }
  }
  void Cancel() override { context_->TryCancel(); }

 private:
  // A write fails once the call is over. The messages the server sent
  // before it ended (acks, results) and its status are the reader's: one
  // thread may write while another reads, so a failed write does not read.
  Status FailedWrite() {
    return Status::Unavailable("the server ended the call; read the stream (Next or Close) for its status");
  }

  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<Stream> stream_;
  ClientSource<Stream> source_;
  ClientSink<Stream> sink_;
  FlightStreamReader reader_;
  FlightStreamWriter writer_;
  bool writes_done_ = false;
};

}  // namespace

class FlightClient::Impl {
 public:
  Impl(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
      : channel(std::move(channel)), options(std::move(options)) {
    static constexpr RpcMethod::RpcType kTypes[] = {
        RpcMethod::BIDI_STREAMING,   RpcMethod::SERVER_STREAMING, RpcMethod::NORMAL_RPC,     RpcMethod::NORMAL_RPC,
        RpcMethod::NORMAL_RPC,       RpcMethod::SERVER_STREAMING, RpcMethod::BIDI_STREAMING, RpcMethod::BIDI_STREAMING,
        RpcMethod::SERVER_STREAMING, RpcMethod::SERVER_STREAMING,
    };
    for (size_t i = 0; i < std::size(kMethodNames); ++i)
      methods.emplace_back(kMethodNames[i], kTypes[i], this->channel);
  }
  const RpcMethod& method(FlightMethod m) const { return methods[static_cast<size_t>(m)]; }

  std::shared_ptr<grpc::Channel> channel;
  ClientOptions options;
  std::vector<RpcMethod> methods;
};

Result<std::unique_ptr<FlightClient>> FlightClient::Connect(const Location& location, ClientOptions options) {
  DisableMutexDeadlockDetection();  // before the channel takes its first lock
  HANGAR_ASSIGN_OR_RETURN(auto target, location.Parse());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_size);
  args.SetMaxSendMessageSize(options.max_message_size);
  if (options.own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (target.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_root_certs;
    ssl.pem_cert_chain = options.tls_cert_chain;
    ssl.pem_private_key = options.tls_private_key;
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_override_hostname.empty()) args.SetSslTargetNameOverride(options.tls_override_hostname);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  auto channel = grpc::CreateCustomChannel(target.address, credentials, args);
  return std::unique_ptr<FlightClient>(
      new FlightClient(std::make_unique<Impl>(std::move(channel), std::move(options))));
}

FlightClient::FlightClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FlightClient::~FlightClient() = default;

std::unique_ptr<grpc::ClientContext> FlightClient::MakeContext(const CallOptions& options) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (options.timeout.count() > 0) context->set_deadline(std::chrono::system_clock::now() + options.timeout);
  bool has_authorization = false;
  for (const auto& [key, value] : options.headers) {
    context->AddMetadata(key, value);
    has_authorization |= key == "authorization";
  }
  if (!has_authorization && !bearer_token_.empty()) context->AddMetadata("authorization", "Bearer " + bearer_token_);
  return context;
}

namespace {

// The bearer token the server sent back in a header, if any.
std::string BearerFrom(const grpc::ClientContext& context) {
  for (const auto* metadata : {&context.GetServerInitialMetadata(), &context.GetServerTrailingMetadata()}) {
    auto it = metadata->find("authorization");
    if (it == metadata->end()) continue;
    std::string_view value(it->second.data(), it->second.size());
    if (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ") return std::string(value.substr(7));
  }
  return "";
}

}  // namespace

Result<std::string> FlightClient::AuthenticateBasicToken(const std::string& user, const std::string& password,
                                                         const CallOptions& options) {
  CallOptions with_basic = options;
  with_basic.headers.emplace_back("authorization", "Basic " + Base64Encode(user + ":" + password));
  auto context = MakeContext(with_basic);
  std::unique_ptr<grpc::ClientReaderWriter<pb::HandshakeRequest, pb::HandshakeResponse>> stream(
      grpc::internal::ClientReaderWriterFactory<pb::HandshakeRequest, pb::HandshakeResponse>::Create(
          impl_->channel.get(), impl_->method(FlightMethod::kHandshake), context.get()));
  stream->WritesDone();
  pb::HandshakeResponse response;
  while (stream->Read(&response)) {
  }
  HANGAR_RETURN_NOT_OK(FromGrpcStatus(stream->Finish()));
  std::string token = BearerFrom(*context);
  if (token.empty()) return Status::Unauthenticated("the server answered the Handshake without a bearer token");
  bearer_token_ = token;
  return token;
}

Result<std::string> FlightClient::HandshakeBasicAuth(const std::string& user, const std::string& password,
                                                     const CallOptions& options) {
  auto context = MakeContext(options);
  std::unique_ptr<grpc::ClientReaderWriter<pb::HandshakeRequest, pb::HandshakeResponse>> stream(
      grpc::internal::ClientReaderWriterFactory<pb::HandshakeRequest, pb::HandshakeResponse>::Create(
          impl_->channel.get(), impl_->method(FlightMethod::kHandshake), context.get()));
  pb::BasicAuth basic;
  basic.set_username(user);
  basic.set_password(password);
  pb::HandshakeRequest request;
  request.set_payload(basic.SerializeAsString());
  stream->Write(request);
  stream->WritesDone();
  pb::HandshakeResponse response;
  std::string token;
  while (stream->Read(&response)) token = response.payload();
  HANGAR_RETURN_NOT_OK(FromGrpcStatus(stream->Finish()));
  if (token.empty()) token = BearerFrom(*context);
  if (token.empty()) return Status::Unauthenticated("the server answered the Handshake without a token");
  bearer_token_ = token;
  return token;
}

namespace {

template <typename Response, typename Convert>
auto ReadAllStreamed(grpc::ClientReader<Response>* reader, Convert&& convert)
    -> Result<std::vector<std::decay_t<decltype(*convert(std::declval<Response>()))>>> {
  std::vector<std::decay_t<decltype(*convert(std::declval<Response>()))>> out;
  Response response;
  Status first_error;
  while (reader->Read(&response)) {
    auto converted = convert(response);
    if (!converted.ok() && first_error.ok()) first_error = converted.status();
    if (converted.ok()) out.push_back(std::move(converted).value());
  }
  HANGAR_RETURN_NOT_OK(FromGrpcStatus(reader->Finish()));
  HANGAR_RETURN_NOT_OK(first_error);
  return out;
}

}  // namespace

Result<std::vector<FlightInfo>> FlightClient::ListFlights(const Criteria& criteria, const CallOptions& options) {
  auto context = MakeContext(options);
  pb::Criteria request;
  request.set_expression(criteria.expression);
  std::unique_ptr<grpc::ClientReader<pb::FlightInfo>> reader(
      grpc::internal::ClientReaderFactory<pb::FlightInfo>::Create(
          impl_->channel.get(), impl_->method(FlightMethod::kListFlights), context.get(), request));
  return ReadAllStreamed(reader.get(), [](const pb::FlightInfo& info) { return FromProto(info); });
}

template <typename Response>
Result<Response> FlightClient::DescriptorCall(FlightMethod method, const FlightDescriptor& descriptor,
                                              const CallOptions& options) {
  auto context = MakeContext(options);
  pb::FlightDescriptor request;
  ToProto(descriptor, &request);
  Response response;
  HANGAR_RETURN_NOT_OK(
      FromGrpcStatus(grpc::internal::BlockingUnaryCall<pb::FlightDescriptor, Response, grpc::protobuf::MessageLite,
                                                       grpc::protobuf::MessageLite>(
          impl_->channel.get(), impl_->method(method), context.get(), request, &response)));
  return response;
}

Result<FlightInfo> FlightClient::GetFlightInfo(const FlightDescriptor& descriptor, const CallOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto response,
                          DescriptorCall<pb::FlightInfo>(FlightMethod::kGetFlightInfo, descriptor, options));
  return FromProto(response);
}

Result<PollInfo> FlightClient::PollFlightInfo(const FlightDescriptor& descriptor, const CallOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto response,
                          DescriptorCall<pb::PollInfo>(FlightMethod::kPollFlightInfo, descriptor, options));
  return FromProto(response);
}

Result<arrow::SchemaPtr> FlightClient::GetSchema(const FlightDescriptor& descriptor, const CallOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto response,
                          DescriptorCall<pb::SchemaResult>(FlightMethod::kGetSchema, descriptor, options));
  return DeserializeSchema(response.schema());
}

Result<std::unique_ptr<RecordBatchReader>> FlightClient::DoGet(const Ticket& ticket, const CallOptions& options) {
  auto context = MakeContext(options);
  pb::Ticket request;
  ToProto(ticket, &request);
  std::unique_ptr<grpc::ClientReader<FlightData>> stream(grpc::internal::ClientReaderFactory<FlightData>::Create(
      impl_->channel.get(), impl_->method(FlightMethod::kDoGet), context.get(), request));
  return std::unique_ptr<RecordBatchReader>(
      new DoGetReader(std::move(context), std::move(stream), impl_->options.read_options));
}

Result<std::unique_ptr<PutWriter>> FlightClient::DoPut(const FlightDescriptor& descriptor,
                                                       const arrow::SchemaPtr& schema, const CallOptions& options) {
  auto context = MakeContext(options);
  auto* raw = grpc::internal::ClientReaderWriterFactory<FlightData, pb::PutResult>::Create(
      impl_->channel.get(), impl_->method(FlightMethod::kDoPut), context.get());
  auto writer = std::make_unique<DoPutWriter>(std::move(context), std::unique_ptr<DoPutWriter::Stream>(raw),
                                              impl_->options.write_options);
  HANGAR_RETURN_NOT_OK(writer->Begin(descriptor, schema));
  return std::unique_ptr<PutWriter>(std::move(writer));
}

Result<std::unique_ptr<ExchangeStream>> FlightClient::DoExchange(const FlightDescriptor& descriptor,
                                                                 const CallOptions& options) {
  auto context = MakeContext(options);
  auto* raw = grpc::internal::ClientReaderWriterFactory<FlightData, FlightData>::Create(
      impl_->channel.get(), impl_->method(FlightMethod::kDoExchange), context.get());
  auto stream = std::make_unique<DoExchangeStream>(std::move(context), std::unique_ptr<DoExchangeStream::Stream>(raw),
                                                   impl_->options);
  HANGAR_RETURN_NOT_OK(stream->Open(descriptor));
  return std::unique_ptr<ExchangeStream>(std::move(stream));
}

Result<std::vector<ActionResult>> FlightClient::DoAction(const Action& action, const CallOptions& options) {
  auto context = MakeContext(options);
  pb::Action request;
  request.set_type(action.type);
  request.set_body(action.body);
  std::unique_ptr<grpc::ClientReader<pb::Result>> reader(grpc::internal::ClientReaderFactory<pb::Result>::Create(
      impl_->channel.get(), impl_->method(FlightMethod::kDoAction), context.get(), request));
  return ReadAllStreamed(reader.get(),
                         [](const pb::Result& r) { return Result<ActionResult>(ActionResult{r.body()}); });
}

Result<std::vector<ActionType>> FlightClient::ListActions(const CallOptions& options) {
  auto context = MakeContext(options);
  std::unique_ptr<grpc::ClientReader<pb::ActionType>> reader(
      grpc::internal::ClientReaderFactory<pb::ActionType>::Create(
          impl_->channel.get(), impl_->method(FlightMethod::kListActions), context.get(), pb::Empty()));
  return ReadAllStreamed(reader.get(), [](const pb::ActionType& a) {
    return Result<ActionType>(ActionType{a.type(), a.description()});
  });
}

}  // namespace hangar::flight
