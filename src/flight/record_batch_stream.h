// Record batches over a stream of FlightData, in either direction.
//
// DoGet, DoPut and DoExchange all move an IPC stream cut into FlightData
// messages, on the server and on the client side. FlightStreamReader and
// FlightStreamWriter do that once, over any FlightDataSource/Sink; the gRPC
// glue supplies sources and sinks for its stream objects.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "arrow/array.h"
#include "arrow/ipc/decoder.h"
#include "arrow/ipc/encoder.h"
#include "flight/flight_data.h"

namespace hangar::flight {

class FlightDataSource {
 public:
  virtual ~FlightDataSource() = default;
  // The next message; false when the peer has finished sending.
  virtual Result<bool> Read(FlightData* out) = 0;
};

class FlightDataSink {
 public:
  virtual ~FlightDataSink() = default;
  virtual Status Write(const FlightData& data) = 0;
};

// What one read yields: a record batch, app_metadata, or both. Both null:
// the stream has ended.
struct FlightStreamChunk {
  arrow::RecordBatchPtr data;
  arrow::BufferPtr app_metadata;
  // With `data`: its IPC message as it arrived (metadata and body), for who
  // keeps the bytes as they are (the write-ahead log does).
  std::optional<arrow::ipc::Message> message;
  bool end() const { return data == nullptr && app_metadata == nullptr; }
};

// What a reader takes from the other side before it refuses the stream
// with RESOURCE_EXHAUSTED naming the server's flag (a server sets its limits
// here; a client reads unbounded). Rows per batch are the IPC reader's
// (arrow::ipc::ReadOptions::max_batch_rows): they are refused before the
// batch is decoded.
struct StreamLimits {
  // What ReadAll may gather, in decoded bytes (arrow::DecodedSize).
  int64_t memory_budget = INT64_MAX;
  // Rows and record batches the whole stream may carry (a DoPut's).
  int64_t max_rows = INT64_MAX;
  int64_t max_batches = INT64_MAX;
};

class FlightStreamReader {
 public:
  // `source` must outlive the reader.
  FlightStreamReader(FlightDataSource* source, arrow::ipc::ReadOptions options);

  // The descriptor of the first message (DoPut and DoExchange carry one).
  // Reads the first message if none was read yet.
  Result<std::optional<FlightDescriptor>> Descriptor();
  // Reads until the schema message has arrived. Metadata-only messages read
  // meanwhile are kept for Next(). An error if the stream ends first.
  Result<arrow::SchemaPtr> GetSchema();
  // True once a schema arrived (without reading further).
  bool has_schema() const { return decoder_.has_schema(); }
  Result<FlightStreamChunk> Next();
  // Every remaining batch (app_metadata is dropped); RESOURCE_EXHAUSTED when
  // they hold more than the memory budget.
  Result<std::vector<arrow::RecordBatchPtr>> ReadAll();
  void set_limits(const StreamLimits& limits) { limits_ = limits; }
  const StreamLimits& limits() const { return limits_; }
  // Rows handed out by Next so far.
  int64_t rows_read() const { return rows_read_; }

 private:
  Result<FlightStreamChunk> NextChunk();
  // Reads one message; chunk end() if it produced nothing to hand out.
  Result<FlightStreamChunk> ReadOne(bool* stream_ended);

  FlightDataSource* source_;
  arrow::ipc::StreamDecoder decoder_;
  bool first_read_ = false;
  bool ended_ = false;
  std::optional<FlightDescriptor> descriptor_;
  std::deque<FlightStreamChunk> pending_;
  StreamLimits limits_;
  int64_t rows_read_ = 0;
  int64_t batches_read_ = 0;
};

class FlightStreamWriter {
 public:
  // `sink` must outlive the writer.
  FlightStreamWriter(FlightDataSink* sink, arrow::ipc::WriteOptions options);

  // Sent with the first message (DoPut and DoExchange name their target so).
  void SetDescriptor(FlightDescriptor descriptor) { descriptor_ = std::move(descriptor); }
  // Sends the schema message; must come before any batch.
  Status Begin(const arrow::SchemaPtr& schema);
  bool started() const { return encoder_ != nullptr; }
  // Sends the dictionaries the batch needs, then the batch with `app_metadata`.
  Status WriteRecordBatch(const arrow::RecordBatch& batch, arrow::BufferPtr app_metadata = nullptr);
  // A message that carries only app_metadata.
  Status WriteMetadata(arrow::BufferPtr app_metadata);
  // Rows of the batches written so far.
  int64_t rows_written() const { return rows_written_; }

 private:
  Status Send(FlightData data);

  FlightDataSink* sink_;
  arrow::ipc::WriteOptions options_;
  std::optional<FlightDescriptor> descriptor_;
  std::unique_ptr<arrow::ipc::StreamEncoder> encoder_;
  int64_t rows_written_ = 0;
};

}  // namespace hangar::flight
