// The Flight server: gRPC transport, authentication, permissions and TLS
// around a FlightService that the application implements.
//
// The application (Hangar's service, or a test's) overrides the FlightService
// methods it supports; the rest answer UNIMPLEMENTED. Handlers return Status
// values; the server maps them to gRPC statuses once, at the edge
// (status_mapping.h). Before a handler runs, the server has authenticated the
// caller, resolved the request into a Call (FlightService::Resolve) and
// checked the permission that Call needs, so handlers never check
// permissions themselves.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flight/auth/credential_vault.h"
#include "flight/auth/permissions.h"
#include "flight/record_batch_stream.h"
#include "flight/types.h"

namespace hangar::flight {

// What a handler knows about its call.
class ServerCallContext {
 public:
  virtual ~ServerCallContext() = default;
  // The authenticated user; empty when authentication is off.
  virtual const std::string& user() const = 0;
  // "ipv4:127.0.0.1:53412" and the like.
  virtual std::string peer() const = 0;
  // True once the client cancelled, hung up or passed its deadline.
  virtual bool is_cancelled() const = 0;
  // A request header (lower-case key), if the client sent it.
  virtual std::optional<std::string> header(std::string_view key) const = 0;
  // Whether the caller may `access` `resource` (always, without
  // authentication). The server checks what a Call names before it runs;
  // ListFlights filters its answer with it.
  virtual bool Allows(auth::Access access, std::string_view resource) const = 0;
  // Adds a response header (lower-case key), sent with the call's initial
  // metadata: only before the handler writes its first message (for unary
  // calls and DoAction, anywhere in the handler).
  virtual void AddResponseHeader(const std::string& key, const std::string& value) const = 0;
  // The user name and password the caller logged in with, when the server
  // passes them on (AuthOptions::pass_credentials) and has them: null for a
  // token issued by another node or before a restart.
  virtual std::shared_ptr<const auth::PassedCredentials> credentials() const { return nullptr; }
};

// OK if the caller may `access` `resource`, else PERMISSION_DENIED naming the
// user, the permission and the resource.
Status CheckAllowed(const ServerCallContext& context, auth::Access access, std::string_view resource);

// What a call touches: the server checks the caller's permissions against it.
struct AccessRequest {
  auth::Access access = auth::Access::kRead;
  std::string resource;  // e.g. "default.users", "kafka.orders", "*" (server-wide)
  // Resources the call reads besides (read permission suffices): the
  // tables and topics a SQL statement reads.
  std::vector<std::string> reads = {};
  // `resource` is not checked: any authenticated user may make the call
  // (it touches only what `reads` names, if anything).
  bool any_user = false;
};

// The request of a call, as far as resolving it needs. Exactly the pointer
// matching the method is set (none for ListActions).
struct CallRequest {
  FlightMethod method;
  const FlightDescriptor* descriptor =
      nullptr;  // GetFlightInfo, PollFlightInfo, GetSchema, DoPut, DoExchange, ListFlights (each listed flight)
  const Ticket* ticket = nullptr;  // DoGet
  const Action* action = nullptr;  // DoAction
  // Authentication is on: the server checks the access the call names.
  // Work done only to name it (what a SQL statement reads) may be skipped
  // when this is false.
  bool authorizing = false;
};

class PutResultWriter;

// A call decoded once (FlightService::Resolve): the access it needs and the
// handler of its method, which holds the decoded request. The server checks
// `access` against the caller's permissions, then runs the method of the
// call's RPC on this object; nothing decodes the request again. Methods a
// call does not serve answer UNIMPLEMENTED.
class Call {
 public:
  explicit Call(AccessRequest access) : access_(std::move(access)) {}
  virtual ~Call() = default;

  const AccessRequest& access() const { return access_; }
  // The table or topic the call touches, for metrics and the access log
  // ("" if none): by default the access's resource, unless any user may
  // make the call.
  virtual std::string resource() const { return access_.any_user ? "" : access_.resource; }

  virtual Result<FlightInfo> GetFlightInfo(const ServerCallContext& context);
  virtual Result<PollInfo> PollFlightInfo(const ServerCallContext& context);
  virtual Result<arrow::SchemaPtr> GetSchema(const ServerCallContext& context);
  // Writes the stream (Begin, then batches) into `out`; returning ends it.
  virtual Status DoGet(const ServerCallContext& context, FlightStreamWriter* out);
  // `in` yields the client's batches (its descriptor was the request).
  virtual Status DoPut(const ServerCallContext& context, FlightStreamReader* in, PutResultWriter* out);
  virtual Status DoExchange(const ServerCallContext& context, FlightStreamReader* in, FlightStreamWriter* out);
  virtual Result<std::vector<ActionResult>> DoAction(const ServerCallContext& context);

 private:
  AccessRequest access_;
};

// The writer of DoPut's PutResult messages.
class PutResultWriter {
 public:
  virtual ~PutResultWriter() = default;
  virtual Status Write(std::string_view app_metadata) = 0;
};

class FlightService {
 public:
  virtual ~FlightService() = default;

  // Decodes a call's request once into the Call that serves it. The
  // default serves it with the per-method handlers below, needing what
  // AccessFor names: enough for a service with little to decode (a
  // test's); a service with many kinds of request resolves them itself.
  virtual Result<std::unique_ptr<Call>> Resolve(const ServerCallContext& context, const CallRequest& request);
  // The permission a call needs (for the default Resolve). The default:
  // reads need read on "*", DoPut and DoExchange need write on "*",
  // DoAction needs admin on "*".
  virtual Result<AccessRequest> AccessFor(const ServerCallContext& context, const CallRequest& request);

  virtual Result<std::vector<FlightInfo>> ListFlights(const ServerCallContext& context, const Criteria& criteria);
  virtual Result<FlightInfo> GetFlightInfo(const ServerCallContext& context, const FlightDescriptor& descriptor);
  virtual Result<PollInfo> PollFlightInfo(const ServerCallContext& context, const FlightDescriptor& descriptor);
  virtual Result<arrow::SchemaPtr> GetSchema(const ServerCallContext& context, const FlightDescriptor& descriptor);
  // Writes the stream (Begin, then batches) into `out`; returning ends it.
  virtual Status DoGet(const ServerCallContext& context, const Ticket& ticket, FlightStreamWriter* out);
  // `in` yields the client's batches (its descriptor via in->Descriptor()).
  virtual Status DoPut(const ServerCallContext& context, const FlightDescriptor& descriptor, FlightStreamReader* in,
                       PutResultWriter* out);
  virtual Status DoExchange(const ServerCallContext& context, const FlightDescriptor& descriptor,
                            FlightStreamReader* in, FlightStreamWriter* out);
  virtual Result<std::vector<ActionResult>> DoAction(const ServerCallContext& context, const Action& action);
  virtual Result<std::vector<ActionType>> ListActions(const ServerCallContext& context);
};

struct TlsOptions {
  std::string cert_file;       // PEM certificate chain
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // non-empty: mutual TLS, clients must present a certificate it signed
};

// How failed logins are throttled (see login_throttle.h).
struct LoginLimits {
  // Failed logins a user name, and a client address, may have in a row; the
  // allowance comes back at `failures` per `window`. Over it, logins are
  // refused with RESOURCE_EXHAUSTED before any password is checked.
  int64_t failures_per_user = 5;
  int64_t failures_per_peer = 50;
  std::chrono::milliseconds window{60000};
  // Passwords checked at once (0: half the cores, at least one): each check
  // is deliberately slow (PBKDF2), so a flood must not take every core.
  int concurrent_checks = 0;
};

struct AuthOptions {
  std::string users_file;                     // JSON users file (see auth/users_file.h)
  std::string token_secret;                   // HMAC key shared by every node of a cluster
  std::chrono::seconds token_ttl{12 * 3600};  // lifetime of issued bearer tokens
  LoginLimits login;
  // Keep each password until the token it earned expires, so that handlers
  // can log in to a backend as the caller (ServerCallContext::credentials).
  bool pass_credentials = false;
};

// Limits that protect the server from its clients; exceeding one is
// RESOURCE_EXHAUSTED (or, for a connection, a reset and a log line) with a
// message naming the limit.
struct ServerLimits {
  int64_t max_streams = 1024;          // DoGet, DoPut, DoExchange and Handshake calls served at once
  int64_t max_streams_per_user = 256;  // ... by one authenticated user
  int64_t max_streams_per_peer = 256;  // ... from one client address
  // What one call may gather in memory before it commits (a handler reading
  // a whole stream with FlightStreamReader::ReadAll), in decoded bytes.
  int64_t call_memory_bytes = int64_t{512} << 20;
  // Rows one record batch may have (refused before it is decoded; see
  // arrow::ipc::ReadOptions::max_batch_rows), and the largest a dictionary
  // may grow through deltas.
  int64_t max_batch_rows = int64_t{1} << 24;
  int64_t max_dictionary_bytes = int64_t{64} << 20;
  // Rows and record batches one DoPut may send. (A DoExchange is a
  // long-lived ingest stream: the memtable bound holds it back instead.)
  int64_t max_put_rows = 1'000'000'000;
  int64_t max_put_batches = 1'000'000;
  // The largest request the server parses: a descriptor's command and path,
  // a ticket, an action's body. Checked before anything looks inside.
  int64_t max_request_bytes = int64_t{4} << 20;
  // The longest a call may run; checked as its stream moves data.
  std::optional<std::chrono::milliseconds> request_timeout;
  // A call waiting on its client (for a message, or for it to take one)
  // this long with nothing moving is cut (call_watchdog.h); none: never.
  std::optional<std::chrono::milliseconds> idle_stream_timeout = std::chrono::milliseconds(300000);
  // TCP connections open at once, in all and from one client address
  // (listener.h; the total is lowered to fit the file descriptors).
  int64_t max_connections = 4096;
  int64_t max_connections_per_peer = 256;
  // A new connection must finish TLS and send HTTP/2's settings within
  // this, and a Handshake call may wait this long for its client.
  std::chrono::milliseconds handshake_timeout{10000};
  // A connection with no call for this long is closed (gRPC's GOAWAY:
  // clients reconnect when they next call); none: never.
  std::optional<std::chrono::milliseconds> connection_idle_timeout = std::chrono::milliseconds(600000);
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8815";  // port 0: pick a free one
  std::optional<TlsOptions> tls;
  std::optional<AuthOptions> auth;
  // Listening beyond loopback without both auth and TLS is refused unless set.
  bool insecure = false;
  // Largest message accepted or sent (gRPC's limit; default 1 GiB).
  int max_message_size = 1 << 30;
  arrow::ipc::ReadOptions read_options;
  arrow::ipc::WriteOptions write_options;
  ServerLimits limits;
  // One log line per call (user, RPC, target, status, rows, bytes, duration).
  bool access_log = false;
};

class FlightServer {
 public:
  // Validates the options, binds and starts serving on gRPC's threads.
  static Result<std::unique_ptr<FlightServer>> Start(ServerOptions options, std::shared_ptr<FlightService> service);
  ~FlightServer();

  int port() const;
  // grpc://host:port or grpc+tls://host:port for the listen address.
  Location location() const;
  // Stops accepting calls; calls still running after `grace` are cancelled.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // What the standard gRPC health service (grpc.health.v1.Health, on the
  // same port, without authentication) answers for the server ("") and for
  // arrow.flight.protocol.FlightService: SERVING (from Start on) or
  // NOT_SERVING. Load balancers and orchestrators read it as readiness.
  void SetServing(bool serving);
  // DoGet, DoPut and DoExchange calls running now.
  int64_t active_streams() const;
  // Blocks until Shutdown.
  void Wait();

  class Impl;

 private:
  explicit FlightServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(std::string_view host);

}  // namespace hangar::flight
