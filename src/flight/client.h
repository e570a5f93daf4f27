// The Flight client: every RPC, record batch streams both ways, Basic ->
// Bearer authentication, call options and TLS.
//
// Used by the `hangar` CLI, the tests and the benchmark. Streams read and
// write through the same zero-copy FlightData path as the server.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flight/record_batch_stream.h"
#include "flight/types.h"

namespace grpc {
class ClientContext;
}

namespace hangar::flight {

struct CallOptions {
  std::chrono::milliseconds timeout{0};  // 0: none
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ClientOptions {
  // grpc+tls: PEM roots to verify the server with (empty: the system's).
  std::string tls_root_certs;
  // Mutual TLS: the client's PEM certificate chain and key.
  std::string tls_cert_chain;
  std::string tls_private_key;
  // Verify the server certificate against this name instead of the host.
  std::string tls_override_hostname;
  int max_message_size = 1 << 30;
  // A TCP connection of this client's own: gRPC otherwise shares one among
  // every client of the process with the same target and options, and
  // streams read in parallel (the endpoints of a FlightInfo) then share it.
  bool own_connection = false;
  arrow::ipc::ReadOptions read_options;
  arrow::ipc::WriteOptions write_options;
};

// A DoGet in progress.
class RecordBatchReader {
 public:
  virtual ~RecordBatchReader() = default;
  virtual Result<arrow::SchemaPtr> GetSchema() = 0;
  // A batch and/or app_metadata; end() when the stream is complete (then
  // the call's final status has been checked).
  virtual Result<FlightStreamChunk> Next() = 0;
  virtual Result<std::vector<arrow::RecordBatchPtr>> ReadAll() = 0;
  // Asks the server to stop; the next read fails with CANCELLED.
  virtual void Cancel() = 0;
};

// DoPut: batches out, PutResult metadata in.
class PutWriter {
 public:
  virtual ~PutWriter() = default;
  virtual Status WriteRecordBatch(const arrow::RecordBatch& batch, arrow::BufferPtr app_metadata = nullptr) = 0;
  virtual Status WriteMetadata(arrow::BufferPtr app_metadata) = 0;
  // Half-closes the stream: the server has every batch. Results it sends
  // only then (a table's put) come from ReadResult after this.
  virtual Status DoneWriting() = 0;
  // The next PutResult's app_metadata; std::nullopt when the server sends no more.
  virtual Result<std::optional<std::string>> ReadResult() = 0;
  // Half-closes the stream, drains remaining PutResults and returns the
  // call's final status.
  virtual Status Close() = 0;
  virtual void Cancel() = 0;
};

// DoExchange: batches both ways. One thread may write while another reads.
// A write fails (UNAVAILABLE) once the server has ended the call; what it sent
// before, and its final status, come from the reading half.
class ExchangeStream {
 public:
  virtual ~ExchangeStream() = default;
  // The writing half (descriptor sent with the first message).
  virtual Status Begin(const arrow::SchemaPtr& schema) = 0;
  virtual Status WriteRecordBatch(const arrow::RecordBatch& batch, arrow::BufferPtr app_metadata = nullptr) = 0;
  virtual Status WriteMetadata(arrow::BufferPtr app_metadata) = 0;
  virtual Status DoneWriting() = 0;
  // The reading half.
  virtual Result<arrow::SchemaPtr> GetSchema() = 0;
  virtual Result<FlightStreamChunk> Next() = 0;
  // Half-closes if needed, reads to the end and returns the final status.
  virtual Status Close() = 0;
  virtual void Cancel() = 0;
};

class FlightClient {
 public:
  static Result<std::unique_ptr<FlightClient>> Connect(const Location& location, ClientOptions options = {});
  ~FlightClient();

  // Basic -> Bearer through a header: sends `authorization: Basic ...` on a
  // Handshake and keeps the bearer token the server answers with; later
  // calls carry it. Returns the token.
  Result<std::string> AuthenticateBasicToken(const std::string& user, const std::string& password,
                                             const CallOptions& options = {});
  // The same through the Handshake payload (a BasicAuth message).
  Result<std::string> HandshakeBasicAuth(const std::string& user, const std::string& password,
                                         const CallOptions& options = {});
  // Use this bearer token for later calls (e.g. one issued by another node).
  void SetBearerToken(std::string token) { bearer_token_ = std::move(token); }
  const std::string& bearer_token() const { return bearer_token_; }

  Result<std::vector<FlightInfo>> ListFlights(const Criteria& criteria = {}, const CallOptions& options = {});
  Result<FlightInfo> GetFlightInfo(const FlightDescriptor& descriptor, const CallOptions& options = {});
  Result<PollInfo> PollFlightInfo(const FlightDescriptor& descriptor, const CallOptions& options = {});
  Result<arrow::SchemaPtr> GetSchema(const FlightDescriptor& descriptor, const CallOptions& options = {});
  Result<std::unique_ptr<RecordBatchReader>> DoGet(const Ticket& ticket, const CallOptions& options = {});
  // Opens the stream and sends the descriptor with the schema.
  Result<std::unique_ptr<PutWriter>> DoPut(const FlightDescriptor& descriptor, const arrow::SchemaPtr& schema,
                                           const CallOptions& options = {});
  Result<std::unique_ptr<ExchangeStream>> DoExchange(const FlightDescriptor& descriptor,
                                                     const CallOptions& options = {});
  Result<std::vector<ActionResult>> DoAction(const Action& action, const CallOptions& options = {});
  Result<std::vector<ActionType>> ListActions(const CallOptions& options = {});

  class Impl;

 private:
  explicit FlightClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<grpc::ClientContext> MakeContext(const CallOptions& options) const;
  // GetFlightInfo, PollFlightInfo and GetSchema: a descriptor in, one message out.
  template <typename Response>
  Result<Response> DescriptorCall(FlightMethod method, const FlightDescriptor& descriptor, const CallOptions& options);

  std::unique_ptr<Impl> impl_;
  std::string bearer_token_;
};

}  // namespace hangar::flight
