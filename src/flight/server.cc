#include "flight/server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/codegen/method_handler.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/codegen/rpc_service_method.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <fstream>
#include <limits>
#include <sstream>

#include "base/log.h"
#include "flight/call_watchdog.h"
#include "flight/client_address.h"
#include "flight/listener.h"
#include "flight/mutex_tuning.h"
#include "flight/protocol.h"
#include "flight/rpc_metrics.h"
#include "flight/server_auth.h"
#include "flight/status_mapping.h"
#include "flight/stream_slots.h"

namespace hangar::flight {

// --- FlightService defaults -------------------------------------------------

namespace {
Status NotImplemented(std::string_view method) {
  return Status::Unimplemented(std::string(method) + " is not implemented by this server");
}
}  // namespace

Status CheckAllowed(const ServerCallContext& context, auth::Access access, std::string_view resource) {
  if (context.Allows(access, resource)) return Status::OK();
  return Status::PermissionDenied("user '" + context.user() + "' has no " + std::string(auth::AccessName(access)) +
                                  " permission on '" + std::string(resource) + "'");
}

Result<AccessRequest> FlightService::AccessFor(const ServerCallContext&, const CallRequest& request) {
  switch (request.method) {
    case FlightMethod::kDoPut:
    case FlightMethod::kDoExchange: return AccessRequest{auth::Access::kWrite, "*"};
    case FlightMethod::kDoAction: return AccessRequest{auth::Access::kAdmin, "*"};
    default: return AccessRequest{auth::Access::kRead, "*"};
  }
}

Result<FlightInfo> Call::GetFlightInfo(const ServerCallContext&) { return NotImplemented("GetFlightInfo"); }
Result<PollInfo> Call::PollFlightInfo(const ServerCallContext&) { return NotImplemented("PollFlightInfo"); }
Result<arrow::SchemaPtr> Call::GetSchema(const ServerCallContext&) { return NotImplemented("GetSchema"); }
Status Call::DoGet(const ServerCallContext&, FlightStreamWriter*) { return NotImplemented("DoGet"); }
Status Call::DoPut(const ServerCallContext&, FlightStreamReader*, PutResultWriter*) { return NotImplemented("DoPut"); }
Status Call::DoExchange(const ServerCallContext&, FlightStreamReader*, FlightStreamWriter*) {
  return NotImplemented("DoExchange");
}
Result<std::vector<ActionResult>> Call::DoAction(const ServerCallContext&) { return NotImplemented("DoAction"); }

namespace {

// The default Resolve's call: the service's per-method handlers, on the
// request as it came (it outlives the call).
class MethodCall : public Call {
 public:
  MethodCall(AccessRequest access, FlightService* service, const CallRequest& request)
      : Call(std::move(access)), service_(service), request_(request) {}
  Result<FlightInfo> GetFlightInfo(const ServerCallContext& context) override {
    return service_->GetFlightInfo(context, *request_.descriptor);
  }
  Result<PollInfo> PollFlightInfo(const ServerCallContext& context) override {
    return service_->PollFlightInfo(context, *request_.descriptor);
  }
  Result<arrow::SchemaPtr> GetSchema(const ServerCallContext& context) override {
    return service_->GetSchema(context, *request_.descriptor);
  }
  Status DoGet(const ServerCallContext& context, FlightStreamWriter* out) override {
    return service_->DoGet(context, *request_.ticket, out);
  }
  Status DoPut(const ServerCallContext& context, FlightStreamReader* in, PutResultWriter* out) override {
    return service_->DoPut(context, *request_.descriptor, in, out);
  }
  Status DoExchange(const ServerCallContext& context, FlightStreamReader* in, FlightStreamWriter* out) override {
    return service_->DoExchange(context, *request_.descriptor, in, out);
  }
  Result<std::vector<ActionResult>> DoAction(const ServerCallContext& context) override {
    return service_->DoAction(context, *request_.action);
  }

 private:
  FlightService* service_;
  CallRequest request_;
};

}  // namespace

Result<std::unique_ptr<Call>> FlightService::Resolve(const ServerCallContext& context, const CallRequest& request) {
  HANGAR_ASSIGN_OR_RETURN(auto access, AccessFor(context, request));
  return std::unique_ptr<Call>(std::make_unique<MethodCall>(std::move(access), this, request));
}
Result<std::vector<FlightInfo>> FlightService::ListFlights(const ServerCallContext&, const Criteria&) {
  return NotImplemented("ListFlights");
}
Result<FlightInfo> FlightService::GetFlightInfo(const ServerCallContext&, const FlightDescriptor&) {
  return NotImplemented("GetFlightInfo");
}
Result<PollInfo> FlightService::PollFlightInfo(const ServerCallContext&, const FlightDescriptor&) {
  return NotImplemented("PollFlightInfo");
}
Result<arrow::SchemaPtr> FlightService::GetSchema(const ServerCallContext&, const FlightDescriptor&) {
  return NotImplemented("GetSchema");
}
Status FlightService::DoGet(const ServerCallContext&, const Ticket&, FlightStreamWriter*) {
  return NotImplemented("DoGet");
}
Status FlightService::DoPut(const ServerCallContext&, const FlightDescriptor&, FlightStreamReader*, PutResultWriter*) {
  return NotImplemented("DoPut");
}
Status FlightService::DoExchange(const ServerCallContext&, const FlightDescriptor&, FlightStreamReader*,
                                 FlightStreamWriter*) {
  return NotImplemented("DoExchange");
}
Result<std::vector<ActionResult>> FlightService::DoAction(const ServerCallContext&, const Action& action) {
  return Status::Unimplemented("this server has no action '" + action.type + "'");
}
Result<std::vector<ActionType>> FlightService::ListActions(const ServerCallContext&) {
  return std::vector<ActionType>{};
}

// --- the gRPC glue ----------------------------------------------------------

namespace {

using grpc::ServerContext;

std::string SecondsText(std::chrono::milliseconds duration) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(duration.count()) / 1000);
  return seconds;
}

class GrpcCallContext : public ServerCallContext {
 public:
  GrpcCallContext(ServerContext* context, std::optional<std::chrono::milliseconds> timeout)
      : context_(context),
        peer_(context->peer()),
        address_(ClientAddress(peer_)),
        deadline_(timeout ? std::chrono::steady_clock::now() + *timeout : std::chrono::steady_clock::time_point::max()),
        timeout_(timeout) {}
  const std::string& user() const override { return user_; }
  std::string peer() const override { return peer_; }
  // The client's address, as the per-client limits count it.
  const std::string& address() const { return address_; }
  bool is_cancelled() const override { return context_->IsCancelled() || std::chrono::steady_clock::now() > deadline_; }
  std::optional<std::string> header(std::string_view key) const override {
    const auto& metadata = context_->client_metadata();
    auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
    if (it == metadata.end()) return std::nullopt;
    return std::string(it->second.data(), it->second.size());
  }
  void set_user(std::string user) { user_ = std::move(user); }
  std::shared_ptr<const auth::PassedCredentials> credentials() const override { return credentials_; }
  void set_identity(ServerAuthenticator::Identity identity) {
    user_ = std::move(identity.user);
    credentials_ = std::move(identity.credentials);
  }
  bool Allows(auth::Access access, std::string_view resource) const override {
    return !permissions_ || auth::Allows(*permissions_, access, resource);
  }
  void set_permissions(std::vector<auth::Permission> permissions) { permissions_ = std::move(permissions); }
  void AddResponseHeader(const std::string& key, const std::string& value) const override {
    context_->AddInitialMetadata(key, value);
  }
  // Brackets a read or write that waits on the client, for the idle limits.
  void set_watch(const CallWatchdog::Watch* watch) { watch_ = watch; }
  CallWatchdog::Watch::Waiting WaitOnClient() const {
    return watch_ != nullptr ? watch_->WaitOnClient() : CallWatchdog::Watch::Waiting(nullptr);
  }
  // The request timeout, checked whenever the call's stream moves a message.
  Status CheckDeadline() const {
    if (std::chrono::steady_clock::now() <= deadline_) return Status::OK();
    return Status::ResourceExhausted("the call ran longer than the server's request timeout of " +
                                     SecondsText(*timeout_) + " s (--request-timeout)");
  }
  CallStats stats;

 private:
  ServerContext* context_;
  const std::string peer_;
  const std::string address_;
  std::string user_;
  std::shared_ptr<const auth::PassedCredentials> credentials_;
  std::optional<std::vector<auth::Permission>> permissions_;  // with authentication on
  const CallWatchdog::Watch* watch_ = nullptr;
  const std::chrono::steady_clock::time_point deadline_;
  const std::optional<std::chrono::milliseconds> timeout_;
};

// A command for the log. Commands wrapped in google.protobuf.Any (Flight
// SQL's) show their message type's name, then the readable rest.
std::string CommandText(const std::string& cmd) {
  // Any: field 1 (type_url) first, a string shorter than 128 bytes here.
  constexpr std::string_view kTypePrefix = "type.googleapis.com/";
  if (cmd.size() > 2 && cmd[0] == 0x0a && static_cast<unsigned char>(cmd[1]) < 0x80 &&
      cmd.compare(2, kTypePrefix.size(), kTypePrefix) == 0 && 2u + static_cast<unsigned char>(cmd[1]) <= cmd.size()) {
    const std::string type = cmd.substr(2, static_cast<unsigned char>(cmd[1]));
    // Only as much as the log shows: a command may be megabytes.
    std::string rest;
    for (char c : std::string_view(cmd).substr(2 + type.size(), 256))
      if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) rest.push_back(c);
    return type.substr(type.rfind('.') + 1) + " " + rest;
  }
  return cmd.substr(0, 256);
}

// The call's target for the access log: printable, at most 100 bytes.
std::string TargetOf(const CallRequest& request) {
  std::string text;
  if (request.descriptor != nullptr) {
    if (request.descriptor->type == FlightDescriptor::Type::kPath) {
      for (const auto& segment : request.descriptor->path) {
        if (text.size() > 100) break;
        text += (text.empty() ? "" : "/") + segment.substr(0, 101);
      }
    } else {
      text = "cmd:" + CommandText(request.descriptor->cmd);
    }
  } else if (request.ticket != nullptr) {
    text = "ticket:" + request.ticket->ticket.substr(0, 101);
  } else if (request.action != nullptr) {
    text = "action:" + request.action->type.substr(0, 101);
  }
  if (text.size() > 100) text = text.substr(0, 97) + "...";
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '.';  // binary commands
  return text;
}

std::string_view GrpcCodeName(grpc::StatusCode code) {
  static constexpr std::string_view kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

int64_t WireSize(const FlightData& data) {
  return data.body_size() + (data.data_header ? data.data_header->size() : 0) +
         (data.app_metadata ? data.app_metadata->size() : 0);
}

// Reads FlightData from a gRPC server stream, telling a clean end of stream
// from a cancelled call and from bytes that were not FlightData.
template <typename Stream>
class ServerSource : public FlightDataSource {
 public:
  ServerSource(ServerContext* context, GrpcCallContext* call, Stream* stream)
      : context_(context), call_(call), stream_(stream) {}
  Result<bool> Read(FlightData* out) override {
    HANGAR_RETURN_NOT_OK(call_->CheckDeadline());
    bool read;
    {
      auto waiting = call_->WaitOnClient();
      read = stream_->Read(out);
    }
    if (read) {
      call_->stats.bytes_in += WireSize(*out);
      return true;
    }
    HANGAR_RETURN_NOT_OK(out->wire_status);
    if (context_->IsCancelled()) return Status::Cancelled("the client cancelled the call or disconnected");
    return false;
  }

 private:
  ServerContext* context_;
  GrpcCallContext* call_;
  Stream* stream_;
};

template <typename Stream>
class ServerSink : public FlightDataSink {
 public:
  ServerSink(GrpcCallContext* call, Stream* stream) : call_(call), stream_(stream) {}
  Status Write(const FlightData& data) override {
    HANGAR_RETURN_NOT_OK(call_->CheckDeadline());
    bool written;
    {
      auto waiting = call_->WaitOnClient();
      written = stream_->Write(data);
    }
    if (!written) return Status::Cancelled("the client cancelled the call or disconnected");
    call_->stats.bytes_out += WireSize(data);
    return Status::OK();
  }

 private:
  GrpcCallContext* call_;
  Stream* stream_;
};

// Writes one message of a server stream, as a wait on the client.
template <typename Stream, typename Message>
Status WriteToClient(const GrpcCallContext& call, Stream* stream, const Message& message) {
  bool written;
  {
    auto waiting = call.WaitOnClient();
    written = stream->Write(message);
  }
  if (!written) return Status::Cancelled("the client cancelled the call or disconnected");
  return Status::OK();
}

class GrpcPutResultWriter : public PutResultWriter {
 public:
  GrpcPutResultWriter(const GrpcCallContext* call, grpc::ServerReaderWriter<pb::PutResult, FlightData>* stream)
      : call_(call), stream_(stream) {}
  Status Write(std::string_view app_metadata) override {
    pb::PutResult result;
    result.set_app_metadata(std::string(app_metadata));
    return WriteToClient(*call_, stream_, result);
  }

 private:
  const GrpcCallContext* call_;
  grpc::ServerReaderWriter<pb::PutResult, FlightData>* stream_;
};

// How often the watchdog looks at the calls: a quarter of the shortest
// limit, within [10 ms, 1 s].
std::chrono::milliseconds WatchdogTick(const ServerLimits& limits) {
  auto shortest = limits.handshake_timeout;
  if (limits.idle_stream_timeout) shortest = std::min(shortest, *limits.idle_stream_timeout);
  return std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
}

}  // namespace

class FlightGrpcService : public grpc::Service {
 public:
  FlightGrpcService(std::shared_ptr<FlightService> service, std::unique_ptr<ServerAuthenticator> auth,
                    const ServerOptions& options)
      : service_(std::move(service)), auth_(std::move(auth)), options_(options) {
    using grpc::internal::RpcMethod;
    using grpc::internal::RpcServiceMethod;
    using Self = FlightGrpcService;
    // gRPC's own registration classes, as generated code uses them; the
    // request/response types decide the serializer, which is how FlightData
    // gets Hangar's zero-copy one. AddMethod takes ownership.
    AddMethod(new RpcServiceMethod(
        "/arrow.flight.protocol.FlightService/Handshake", RpcMethod::BIDI_STREAMING,
        new grpc::internal::BidiStreamingHandler<Self, pb::HandshakeRequest, pb::HandshakeResponse>(
            [](Self* s, ServerContext* c, grpc::ServerReaderWriter<pb::HandshakeResponse, pb::HandshakeRequest>* st) {
              return s->Handshake(c, st);
            },
            this)));
    AddMethod(new RpcServiceMethod("/arrow.flight.protocol.FlightService/ListFlights", RpcMethod::SERVER_STREAMING,
                                   new grpc::internal::ServerStreamingHandler<Self, pb::Criteria, pb::FlightInfo>(
                                       [](Self* s, ServerContext* c, const pb::Criteria* r,
                                          grpc::ServerWriter<pb::FlightInfo>* w) { return s->ListFlights(c, r, w); },
                                       this)));
    AddMethod(new RpcServiceMethod(
        "/arrow.flight.protocol.FlightService/GetFlightInfo", RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<Self, pb::FlightDescriptor, pb::FlightInfo, grpc::protobuf::MessageLite,
                                             grpc::protobuf::MessageLite>(
            [](Self* s, ServerContext* c, const pb::FlightDescriptor* r, pb::FlightInfo* out) {
              return s->GetFlightInfo(c, r, out);
            },
            this)));
    AddMethod(new RpcServiceMethod(
        "/arrow.flight.protocol.FlightService/PollFlightInfo", RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<Self, pb::FlightDescriptor, pb::PollInfo, grpc::protobuf::MessageLite,
                                             grpc::protobuf::MessageLite>(
            [](Self* s, ServerContext* c, const pb::FlightDescriptor* r, pb::PollInfo* out) {
              return s->PollFlightInfo(c, r, out);
            },
            this)));
    AddMethod(new RpcServiceMethod(
        "/arrow.flight.protocol.FlightService/GetSchema", RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<Self, pb::FlightDescriptor, pb::SchemaResult, grpc::protobuf::MessageLite,
                                             grpc::protobuf::MessageLite>(
            [](Self* s, ServerContext* c, const pb::FlightDescriptor* r, pb::SchemaResult* out) {
              return s->GetSchema(c, r, out);
            },
            this)));
    AddMethod(new RpcServiceMethod("/arrow.flight.protocol.FlightService/DoGet", RpcMethod::SERVER_STREAMING,
                                   new grpc::internal::ServerStreamingHandler<Self, pb::Ticket, FlightData>(
                                       [](Self* s, ServerContext* c, const pb::Ticket* r,
                                          grpc::ServerWriter<FlightData>* w) { return s->DoGet(c, r, w); },
                                       this)));
    AddMethod(new RpcServiceMethod(
        "/arrow.flight.protocol.FlightService/DoPut", RpcMethod::BIDI_STREAMING,
        new grpc::internal::BidiStreamingHandler<Self, FlightData, pb::PutResult>(
            [](Self* s, ServerContext* c, grpc::ServerReaderWriter<pb::PutResult, FlightData>* st) {
              return s->DoPut(c, st);
            },
            this)));
    AddMethod(
        new RpcServiceMethod("/arrow.flight.protocol.FlightService/DoExchange", RpcMethod::BIDI_STREAMING,
                             new grpc::internal::BidiStreamingHandler<Self, FlightData, FlightData>(
                                 [](Self* s, ServerContext* c, grpc::ServerReaderWriter<FlightData, FlightData>* st) {
                                   return s->DoExchange(c, st);
                                 },
                                 this)));
    AddMethod(new RpcServiceMethod("/arrow.flight.protocol.FlightService/DoAction", RpcMethod::SERVER_STREAMING,
                                   new grpc::internal::ServerStreamingHandler<Self, pb::Action, pb::Result>(
                                       [](Self* s, ServerContext* c, const pb::Action* r,
                                          grpc::ServerWriter<pb::Result>* w) { return s->DoAction(c, r, w); },
                                       this)));
    AddMethod(new RpcServiceMethod("/arrow.flight.protocol.FlightService/ListActions", RpcMethod::SERVER_STREAMING,
                                   new grpc::internal::ServerStreamingHandler<Self, pb::Empty, pb::ActionType>(
                                       [](Self* s, ServerContext* c, const pb::Empty* r,
                                          grpc::ServerWriter<pb::ActionType>* w) { return s->ListActions(c, r, w); },
                                       this)));
  }

 private:
  // Runs `body` for an authenticated caller and maps its Status to gRPC's.
  // Exceptions never cross this line: one escaping a handler is a bug, logged
  // here and reported as INTERNAL without its text. Every call is counted
  // and, with the access log on, logged here.
  template <typename Body>
  grpc::Status Serve(ServerContext* context, FlightMethod method, Body&& body) {
    const auto start = std::chrono::steady_clock::now();
    GrpcCallContext call(context, options_.limits.request_timeout);
    // Calls that stream to or from the client are cut when they wait on it
    // too long; unary calls never wait on it (gRPC has their request).
    CallWatchdog::Watch watch;
    const bool unary = method == FlightMethod::kGetFlightInfo || method == FlightMethod::kPollFlightInfo ||
                       method == FlightMethod::kGetSchema;
    if (!unary && options_.limits.idle_stream_timeout) {
      const auto limit = *options_.limits.idle_stream_timeout;
      watch = watchdog_.Add(context, limit,
                            "no message moved for " + SecondsText(limit) +
                                " s while the call waited on its client, the server's idle-stream timeout "
                                "(--idle-stream-timeout)");
      call.set_watch(&watch);
    }
    grpc::Status result;
    try {
      result = ToGrpcStatus([&]() -> Status {
        if (auth_ != nullptr) {
          HANGAR_ASSIGN_OR_RETURN(auto identity, AuthenticateHeader(context, call.address()));
          call.set_identity(std::move(identity));
        }
        HANGAR_ASSIGN_OR_RETURN(auto slot, streams_.Acquire(method, call.user(), call.address()));
        return body(call);
      }());
    } catch (const std::exception& e) {
      log::Error("a handler threw", {{"rpc", FlightMethodName(method)}, {"error", e.what()}});
      result = grpc::Status(grpc::StatusCode::INTERNAL, "internal error in " + std::string(FlightMethodName(method)));
    }
    // The client got the watchdog's status, whatever the handler made of the cancellation.
    if (auto cut = watch.cut()) {
      RpcMetrics::Get().Limited("idle_stream_timeout");
      result = ToGrpcStatus(*cut);
    }
    Record(method, call, result, start);
    return result;
  }

  void Record(FlightMethod method, const GrpcCallContext& call, const grpc::Status& result,
              std::chrono::steady_clock::time_point start) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string_view code = GrpcCodeName(result.error_code());
    RpcMetrics::Get().Record(FlightMethodName(method), code, call.stats, seconds);
    if (!options_.access_log) return;
    const CallStats& stats = call.stats;
    std::vector<log::Field> fields = {{"rpc", FlightMethodName(method)}};
    if (!call.user().empty()) fields.emplace_back("user", call.user());
    if (!stats.target.empty()) fields.emplace_back("target", stats.target);
    fields.emplace_back("status", code);
    fields.emplace_back("rows_in", stats.rows_in);
    fields.emplace_back("rows_out", stats.rows_out);
    fields.emplace_back("bytes_in", stats.bytes_in);
    fields.emplace_back("bytes_out", stats.bytes_out);
    fields.emplace_back("duration_ms", seconds * 1000);
    fields.emplace_back("peer", call.peer());
    if (!result.ok()) fields.emplace_back("error", result.error_message());
    log::Info("call", fields);
  }

  Result<ServerAuthenticator::Identity> AuthenticateHeader(ServerContext* context, const std::string& address) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("authorization");
    if (it == metadata.end())
      return Status::Unauthenticated(
          "this server requires authentication: send 'authorization: Basic base64(user:password)' or a bearer token");
    HANGAR_ASSIGN_OR_RETURN(auto identity,
                            auth_->Authenticate(std::string_view(it->second.data(), it->second.size()), address));
    if (!identity.issued_token.empty()) context->AddInitialMetadata("authorization", "Bearer " + identity.issued_token);
    return identity;
  }

  // Every call's request is resolved and its permission checked here, in
  // one place. It also names the call's target and resource for the
  // access log and the metrics.
  Result<std::unique_ptr<Call>> Authorize(GrpcCallContext& call, CallRequest request) {
    call.stats.target = TargetOf(request);
    HANGAR_RETURN_NOT_OK(CheckRequestSize(request));
    request.authorizing = auth_ != nullptr;
    HANGAR_ASSIGN_OR_RETURN(auto resolved, service_->Resolve(call, request));
    call.stats.resource = resolved->resource();
    if (auth_ == nullptr) return resolved;
    const AccessRequest& needed = resolved->access();
    call.set_permissions(auth_->PermissionsOf(call.user()));
    if (!needed.any_user) HANGAR_RETURN_NOT_OK(CheckAllowed(call, needed.access, needed.resource));
    for (const auto& resource : needed.reads) HANGAR_RETURN_NOT_OK(CheckAllowed(call, auth::Access::kRead, resource));
    return resolved;
  }

  // Before anything parses a request (JSON, protobuf, SQL: each holds many
  // times the bytes it parsed), its size is checked against the limit.
  // Unary calls check their protobuf request before converting it (a copy),
  // streams their first message's descriptor here.
  Status CheckRequestSize(const CallRequest& request) const {
    int64_t bytes = 0;
    if (request.descriptor != nullptr) {
      bytes = static_cast<int64_t>(request.descriptor->cmd.size());
      for (const auto& segment : request.descriptor->path) bytes += static_cast<int64_t>(segment.size());
    } else if (request.ticket != nullptr) {
      bytes = static_cast<int64_t>(request.ticket->ticket.size());
    } else if (request.action != nullptr) {
      bytes = static_cast<int64_t>(request.action->type.size() + request.action->body.size());
    }
    return CheckRequestSize(bytes, request.descriptor ? "descriptor" : request.ticket ? "ticket" : "action");
  }
  Status CheckRequestSize(int64_t bytes, std::string_view what) const {
    if (bytes <= options_.limits.max_request_bytes) return Status::OK();
    RpcMetrics::Get().Limited("max_request");
    return Status::ResourceExhausted("the request's " + std::string(what) + " holds " + std::to_string(bytes) +
                                     " bytes, more than the server's limit of " +
                                     std::to_string(options_.limits.max_request_bytes) + " (--max-request-kib)");
  }

  // Handshake authenticates by header (Basic or Bearer) or by BasicAuth
  // payloads; each request is answered with the token issued so far. With
  // authentication on, a Handshake that ends without credentials fails.
  // It runs before any credentials, so it takes a stream slot (bounded in
  // all and per client address) and may wait on its client no longer than
  // the handshake timeout.
  grpc::Status Handshake(ServerContext* context,
                         grpc::ServerReaderWriter<pb::HandshakeResponse, pb::HandshakeRequest>* stream) {
    const auto start = std::chrono::steady_clock::now();
    GrpcCallContext call(context, std::nullopt);
    grpc::Status result;
    if (auto slot = streams_.Acquire(FlightMethod::kHandshake, "", call.address()); !slot.ok()) {
      result = ToGrpcStatus(slot.status());
    } else {
      const auto limit = options_.limits.handshake_timeout;
      CallWatchdog::Watch watch =
          watchdog_.Add(context, limit,
                        "the Handshake waited " + SecondsText(limit) +
                            " s for its client, the server's handshake timeout (--handshake-timeout)");
      call.set_watch(&watch);
      result = HandshakeBody(context, call, stream);
      if (auto cut = watch.cut()) {
        RpcMetrics::Get().Limited("handshake_timeout");
        result = ToGrpcStatus(*cut);
      }
    }
    Record(FlightMethod::kHandshake, call, result, start);
    return result;
  }

  grpc::Status HandshakeBody(ServerContext* context, GrpcCallContext& call,
                             grpc::ServerReaderWriter<pb::HandshakeResponse, pb::HandshakeRequest>* stream) {
    try {
      const Status no_credentials = Status::Unauthenticated(
          "Handshake needs credentials: a BasicAuth payload or an 'authorization: Basic' header");
      bool authenticated = auth_ == nullptr;
      std::string token;
      if (!authenticated && context->client_metadata().count("authorization") > 0) {
        auto identity = AuthenticateHeader(context, call.address());
        if (!identity.ok()) return ToGrpcStatus(identity.status());
        authenticated = true;
        token = identity->issued_token;
        call.set_user(identity->user);
      }
      bool wrote = false;
      pb::HandshakeRequest request;
      while (true) {
        bool read;
        {
          auto waiting = call.WaitOnClient();
          read = stream->Read(&request);
        }
        if (!read) break;
        if (auth_ != nullptr && !request.payload().empty()) {
          auto identity = auth_->AuthenticateHandshake(request.payload(), call.address());
          if (!identity.ok()) return ToGrpcStatus(identity.status());
          authenticated = true;
          token = identity->issued_token;
          call.set_user(identity->user);
          // Headers go out with the first response; later tokens travel in payloads only.
          if (!wrote) context->AddInitialMetadata("authorization", "Bearer " + token);
        }
        if (!authenticated) return ToGrpcStatus(no_credentials);
        pb::HandshakeResponse response;
        response.set_protocol_version(request.protocol_version());
        response.set_payload(token);
        if (!WriteToClient(call, stream, response).ok())
          return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
        wrote = true;
      }
      if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
      return authenticated ? grpc::Status::OK : ToGrpcStatus(no_credentials);
    } catch (const std::exception& e) {
      log::Error("a handler threw", {{"rpc", "Handshake"}, {"error", e.what()}});
      return grpc::Status(grpc::StatusCode::INTERNAL, "internal error in Handshake");
    }
  }

  grpc::Status ListFlights(ServerContext* context, const pb::Criteria* request,
                           grpc::ServerWriter<pb::FlightInfo>* writer) {
    return Serve(context, FlightMethod::kListFlights, [&](GrpcCallContext& call) -> Status {
      HANGAR_ASSIGN_OR_RETURN(auto infos, service_->ListFlights(call, Criteria{request->expression()}));
      for (const auto& info : infos) {
        // Callers see only the flights they may read.
        if (!MayList(call, info.descriptor)) continue;
        pb::FlightInfo out;
        HANGAR_RETURN_NOT_OK(ToProto(info, &out));
        HANGAR_RETURN_NOT_OK(WriteToClient(call, writer, out));
      }
      return Status::OK();
    });
  }

  bool MayList(const GrpcCallContext& call, const FlightDescriptor& descriptor) {
    if (auth_ == nullptr) return true;
    GrpcCallContext scratch = call;  // Authorize notes the target; the call's own stays
    return Authorize(scratch, {FlightMethod::kListFlights, &descriptor}).ok();
  }

  // GetFlightInfo, PollFlightInfo and GetSchema share their shape.
  template <typename Call>
  grpc::Status ServeDescriptorCall(ServerContext* context, FlightMethod method, const pb::FlightDescriptor* request,
                                   Call&& call_service) {
    return Serve(context, method, [&](GrpcCallContext& call) -> Status {
      HANGAR_RETURN_NOT_OK(CheckRequestSize(static_cast<int64_t>(request->ByteSizeLong()), "descriptor"));
      HANGAR_ASSIGN_OR_RETURN(auto descriptor, FromProto(*request));
      HANGAR_ASSIGN_OR_RETURN(auto resolved, Authorize(call, {method, &descriptor}));
      return call_service(call, *resolved);
    });
  }

  grpc::Status GetFlightInfo(ServerContext* context, const pb::FlightDescriptor* request, pb::FlightInfo* out) {
    return ServeDescriptorCall(context, FlightMethod::kGetFlightInfo, request,
                               [&](GrpcCallContext& call, Call& resolved) -> Status {
                                 HANGAR_ASSIGN_OR_RETURN(auto info, resolved.GetFlightInfo(call));
                                 return ToProto(info, out);
                               });
  }

  grpc::Status PollFlightInfo(ServerContext* context, const pb::FlightDescriptor* request, pb::PollInfo* out) {
    return ServeDescriptorCall(context, FlightMethod::kPollFlightInfo, request,
                               [&](GrpcCallContext& call, Call& resolved) -> Status {
                                 HANGAR_ASSIGN_OR_RETURN(auto info, resolved.PollFlightInfo(call));
                                 return ToProto(info, out);
                               });
  }

  grpc::Status GetSchema(ServerContext* context, const pb::FlightDescriptor* request, pb::SchemaResult* out) {
    return ServeDescriptorCall(context, FlightMethod::kGetSchema, request,
                               [&](GrpcCallContext& call, Call& resolved) -> Status {
                                 HANGAR_ASSIGN_OR_RETURN(auto schema, resolved.GetSchema(call));
                                 if (schema == nullptr) return Status::Internal("GetSchema handler returned no schema");
                                 HANGAR_ASSIGN_OR_RETURN(*out->mutable_schema(), SerializeSchema(*schema));
                                 return Status::OK();
                               });
  }

  grpc::Status DoGet(ServerContext* context, const pb::Ticket* request, grpc::ServerWriter<FlightData>* writer) {
    return Serve(context, FlightMethod::kDoGet, [&](GrpcCallContext& call) -> Status {
      HANGAR_RETURN_NOT_OK(CheckRequestSize(static_cast<int64_t>(request->ticket().size()), "ticket"));
      Ticket ticket = FromProto(*request);
      HANGAR_ASSIGN_OR_RETURN(auto resolved, Authorize(call, {FlightMethod::kDoGet, nullptr, &ticket}));
      ServerSink sink(&call, writer);
      FlightStreamWriter out(&sink, options_.write_options);
      Status st = resolved->DoGet(call, &out);
      call.stats.rows_out = out.rows_written();
      return st;
    });
  }

  // How streams from clients are decoded: the options given, bounded by the limits.
  arrow::ipc::ReadOptions ClientReadOptions() const {
    arrow::ipc::ReadOptions read = options_.read_options;
    read.max_message_size = std::min<int64_t>(read.max_message_size, options_.max_message_size);
    read.max_batch_rows = std::min(read.max_batch_rows, options_.limits.max_batch_rows);
    read.max_dictionary_bytes = std::min(read.max_dictionary_bytes, options_.limits.max_dictionary_bytes);
    read.max_batch_rows_origin = " (the server's --max-batch-rows)";
    read.max_dictionary_bytes_origin = " (the server's --max-dictionary-mib)";
    return read;
  }

  // DoPut and DoExchange name their target in the first message.
  Result<FlightDescriptor> FirstDescriptor(FlightStreamReader* in, FlightMethod method) {
    HANGAR_ASSIGN_OR_RETURN(auto descriptor, in->Descriptor());
    if (!descriptor)
      return Status::Invalid(std::string(FlightMethodName(method)) +
                             ": the first FlightData message must carry a FlightDescriptor");
    return std::move(*descriptor);
  }

  grpc::Status DoPut(ServerContext* context, grpc::ServerReaderWriter<pb::PutResult, FlightData>* stream) {
    return Serve(context, FlightMethod::kDoPut, [&](GrpcCallContext& call) -> Status {
      ServerSource source(context, &call, stream);
      FlightStreamReader in(&source, ClientReadOptions());
      in.set_limits({options_.limits.call_memory_bytes, options_.limits.max_put_rows, options_.limits.max_put_batches});
      HANGAR_ASSIGN_OR_RETURN(auto descriptor, FirstDescriptor(&in, FlightMethod::kDoPut));
      HANGAR_ASSIGN_OR_RETURN(auto resolved, Authorize(call, {FlightMethod::kDoPut, &descriptor}));
      GrpcPutResultWriter results(&call, stream);
      Status st = resolved->DoPut(call, &in, &results);
      call.stats.rows_in = in.rows_read();
      return st;
    });
  }

  grpc::Status DoExchange(ServerContext* context, grpc::ServerReaderWriter<FlightData, FlightData>* stream) {
    return Serve(context, FlightMethod::kDoExchange, [&](GrpcCallContext& call) -> Status {
      ServerSource source(context, &call, stream);
      FlightStreamReader in(&source, ClientReadOptions());
      in.set_limits({options_.limits.call_memory_bytes, INT64_MAX, INT64_MAX});
      HANGAR_ASSIGN_OR_RETURN(auto descriptor, FirstDescriptor(&in, FlightMethod::kDoExchange));
      HANGAR_ASSIGN_OR_RETURN(auto resolved, Authorize(call, {FlightMethod::kDoExchange, &descriptor}));
      ServerSink sink(&call, stream);
      FlightStreamWriter out(&sink, options_.write_options);
      Status st = resolved->DoExchange(call, &in, &out);
      call.stats.rows_in = in.rows_read();
      call.stats.rows_out = out.rows_written();
      return st;
    });
  }

  grpc::Status DoAction(ServerContext* context, const pb::Action* request, grpc::ServerWriter<pb::Result>* writer) {
    return Serve(context, FlightMethod::kDoAction, [&](GrpcCallContext& call) -> Status {
      HANGAR_RETURN_NOT_OK(
          CheckRequestSize(static_cast<int64_t>(request->type().size() + request->body().size()), "action"));
      Action action{request->type(), request->body()};
      HANGAR_ASSIGN_OR_RETURN(auto resolved, Authorize(call, {FlightMethod::kDoAction, nullptr, nullptr, &action}));
      HANGAR_ASSIGN_OR_RETURN(auto results, resolved->DoAction(call));
      for (const auto& result : results) {
        pb::Result out;
        out.set_body(result.body);
        HANGAR_RETURN_NOT_OK(WriteToClient(call, writer, out));
      }
      return Status::OK();
    });
  }

  grpc::Status ListActions(ServerContext* context, const pb::Empty*, grpc::ServerWriter<pb::ActionType>* writer) {
    return Serve(context, FlightMethod::kListActions, [&](GrpcCallContext& call) -> Status {
      HANGAR_ASSIGN_OR_RETURN(auto actions, service_->ListActions(call));
      for (const auto& action : actions) {
        pb::ActionType out;
        out.set_type(action.type);
        out.set_description(action.description);
        HANGAR_RETURN_NOT_OK(WriteToClient(call, writer, out));
      }
      return Status::OK();
    });
  }

  std::shared_ptr<FlightService> service_;
  std::unique_ptr<ServerAuthenticator> auth_;
  const ServerOptions& options_;
  StreamSlots streams_{options_.limits};
  CallWatchdog watchdog_{WatchdogTick(options_.limits)};

 public:
  const StreamSlots& streams() const { return streams_; }
};

// --- FlightServer -----------------------------------------------------------

class FlightServer::Impl {
 public:
  ServerOptions options;
  std::unique_ptr<FlightGrpcService> service;
  std::unique_ptr<ConnectionListener> listener;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor;
  std::unique_ptr<grpc::Server> server;
  std::string host;
  int port = 0;
};

namespace {

Result<std::string> ReadTextFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid("cannot read the " + std::string(what) + " file '" + path + "'");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A duration as gRPC's int channel arguments take it.
int ClampToInt(std::chrono::milliseconds duration) {
  return static_cast<int>(std::clamp<int64_t>(duration.count(), 1, std::numeric_limits<int>::max()));
}

// The largest request metadata (headers) accepted: gRPC 1.51's default, 8 KiB,
// said once here so that it is a decision and not an accident.
constexpr int kMaxMetadataBytes = 8 * 1024;

// "host:port" or "[v6]:port" into host and port.
Result<std::pair<std::string, int>> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status::Invalid("listen address '" + address + "' is not HOST:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return Status::Invalid("listen address '" + address + "' has no valid port");
  return std::make_pair(host, port);
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

Result<std::unique_ptr<FlightServer>> FlightServer::Start(ServerOptions options,
                                                          std::shared_ptr<FlightService> service) {
  DisableMutexDeadlockDetection();  // before the server takes its first lock
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const ServerOptions& opts = impl->options;
  HANGAR_ASSIGN_OR_RETURN(auto host_port, SplitHostPort(opts.listen));
  impl->host = host_port.first;
  if (!IsLoopbackHost(impl->host) && !(opts.auth && opts.tls) && !opts.insecure)
    return Status::FailedPrecondition("refusing to listen on " + opts.listen +
                                      " without authentication and TLS: give --users and --tls-cert/--tls-key, "
                                      "listen on 127.0.0.1, or pass --insecure to accept the risk");

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (opts.tls) {
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    HANGAR_ASSIGN_OR_RETURN(auto cert, ReadTextFile(opts.tls->cert_file, "TLS certificate"));
    HANGAR_ASSIGN_OR_RETURN(auto key, ReadTextFile(opts.tls->key_file, "TLS key"));
    ssl.pem_key_cert_pairs.push_back({key, cert});
    if (!opts.tls->client_ca_file.empty()) {
      HANGAR_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadTextFile(opts.tls->client_ca_file, "TLS client CA"));
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(ssl);
  }

  std::unique_ptr<ServerAuthenticator> auth;
  if (opts.auth) {
    HANGAR_ASSIGN_OR_RETURN(auth, ServerAuthenticator::Make(*opts.auth));
  }
  impl->service = std::make_unique<FlightGrpcService>(std::move(service), std::move(auth), opts);

  // The server accepts connections itself (listener.h) and hands them to gRPC.
  const ServerLimits& limits = opts.limits;
  HANGAR_ASSIGN_OR_RETURN(impl->listener,
                          ConnectionListener::Listen(impl->host, host_port.second,
                                                     {limits.max_connections, limits.max_connections_per_peer}));
  impl->port = impl->listener->port();
  grpc::EnableDefaultHealthCheckService(true);  // a process-wide switch, read by BuildAndStart
  grpc::ServerBuilder builder;
  impl->acceptor = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD, credentials);
  builder.RegisterService(impl->service.get());
  builder.SetMaxReceiveMessageSize(opts.max_message_size);
  builder.SetMaxSendMessageSize(opts.max_message_size);
  // A connection that never completes TLS or never sends HTTP/2's settings
  // (a bare socket) is closed after this; gRPC's default is 120 s.
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, ClampToInt(limits.handshake_timeout));
  if (limits.connection_idle_timeout)
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, ClampToInt(*limits.connection_idle_timeout));
  // Request headers (metadata) beyond this are refused with RESOURCE_EXHAUSTED
  // before any handler runs; credentials need a few hundred bytes.
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr) return Status::Unavailable("could not start the gRPC server on " + opts.listen);
  impl->listener->Start([acceptor = impl->acceptor.get()](int listen_fd, int fd) {
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters connection;
    connection.listener_fd = listen_fd;
    connection.fd = fd;
    acceptor->HandleNewConnection(&connection);  // gRPC owns the socket now (and closes it if it stopped)
  });
  std::unique_ptr<FlightServer> server(new FlightServer(std::move(impl)));
  server->SetServing(true);
  return server;
}

FlightServer::FlightServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FlightServer::~FlightServer() { Shutdown(std::chrono::milliseconds(0)); }

int FlightServer::port() const { return impl_->port; }

Location FlightServer::location() const {
  std::string host = impl_->host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return impl_->options.tls ? Location::ForGrpcTls(host, impl_->port) : Location::ForGrpcTcp(host, impl_->port);
}

void FlightServer::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->listener != nullptr) impl_->listener->Stop();  // no new connections
  if (impl_->server == nullptr) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + grace);
}

void FlightServer::SetServing(bool serving) {
  if (impl_->server == nullptr) return;
  if (auto* health = impl_->server->GetHealthCheckService()) {
    health->SetServingStatus(serving);  // every service, and the server's ""
    health->SetServingStatus("arrow.flight.protocol.FlightService", serving);
  }
}

int64_t FlightServer::active_streams() const { return impl_->service->streams().active(); }

void FlightServer::Wait() {
  if (impl_->server) impl_->server->Wait();
}

}  // namespace hangar::flight
