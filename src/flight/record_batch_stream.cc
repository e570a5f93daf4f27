#include "flight/record_batch_stream.h"

#include "flight/rpc_metrics.h"

namespace hangar::flight {

FlightStreamReader::FlightStreamReader(FlightDataSource* source, arrow::ipc::ReadOptions options)
    : source_(source), decoder_(options) {}

Result<FlightStreamChunk> FlightStreamReader::ReadOne(bool* stream_ended) {
  *stream_ended = false;
  FlightData data;
  HANGAR_ASSIGN_OR_RETURN(bool got, source_->Read(&data));
  if (!got) {
    ended_ = true;
    *stream_ended = true;
    return FlightStreamChunk{};
  }
  if (!first_read_) {
    first_read_ = true;
    descriptor_ = std::move(data.descriptor);
  }
  FlightStreamChunk chunk;
  chunk.app_metadata = std::move(data.app_metadata);
  if (data.data_header != nullptr && data.data_header->size() > 0) {
    HANGAR_ASSIGN_OR_RETURN(auto message,
                            arrow::ipc::Message::Open(std::move(data.data_header), data.ContiguousBody()));
    auto decoded = decoder_.Consume(message);
    if (!decoded.ok()) {
      // The IPC reader's limits (rows per batch, dictionary growth).
      if (decoded.status().code() == StatusCode::kResourceExhausted)
        RpcMetrics::Get().Limited(decoded.status().message().find("dictionary") != std::string::npos
                                      ? "max_dictionary_bytes"
                                      : "max_batch_rows");
      return decoded.status();
    }
    if (decoded->kind == arrow::ipc::StreamDecoder::Kind::kRecordBatch) {
      chunk.data = std::move(decoded->batch);
      chunk.message = std::move(message);
    }
  }
  return chunk;
}

Result<std::optional<FlightDescriptor>> FlightStreamReader::Descriptor() {
  if (!first_read_ && !ended_) {
    bool ended = false;
    HANGAR_ASSIGN_OR_RETURN(auto chunk, ReadOne(&ended));
    if (!chunk.end()) pending_.push_back(std::move(chunk));
  }
  return descriptor_;
}

Result<arrow::SchemaPtr> FlightStreamReader::GetSchema() {
  while (!decoder_.has_schema()) {
    if (ended_) return Status::Invalid("the stream ended before its schema message");
    bool ended = false;
    HANGAR_ASSIGN_OR_RETURN(auto chunk, ReadOne(&ended));
    if (chunk.data != nullptr)
      return Status::Invalid("record batch before the schema message");  // decoder refuses first
    if (!chunk.end()) pending_.push_back(std::move(chunk));
  }
  return decoder_.schema();
}

Result<FlightStreamChunk> FlightStreamReader::Next() {
  HANGAR_ASSIGN_OR_RETURN(auto chunk, NextChunk());
  if (chunk.data) {
    rows_read_ += chunk.data->num_rows;
    ++batches_read_;
    if (rows_read_ > limits_.max_rows) {
      RpcMetrics::Get().Limited("max_put_rows");
      return Status::ResourceExhausted("the stream sent more than " + std::to_string(limits_.max_rows) +
                                       " rows, the server's limit per call (--max-put-rows); send less per call");
    }
    if (batches_read_ > limits_.max_batches) {
      RpcMetrics::Get().Limited("max_put_batches");
      return Status::ResourceExhausted("the stream sent more than " + std::to_string(limits_.max_batches) +
                                       " record batches, the server's limit per call (--max-put-batches); send "
                                       "fewer, larger batches");
    }
  }
  return chunk;
}

Result<FlightStreamChunk> FlightStreamReader::NextChunk() {
  if (!pending_.empty()) {
    FlightStreamChunk chunk = std::move(pending_.front());
    pending_.pop_front();
    return chunk;
  }
  while (!ended_) {
    bool ended = false;
    HANGAR_ASSIGN_OR_RETURN(auto chunk, ReadOne(&ended));
    if (!chunk.end() || ended) return chunk;
  }
  return FlightStreamChunk{};
}

Result<std::vector<arrow::RecordBatchPtr>> FlightStreamReader::ReadAll() {
  std::vector<arrow::RecordBatchPtr> batches;
  int64_t bytes = 0;
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto chunk, Next());
    if (chunk.end()) return batches;
    if (!chunk.data) continue;
    // Decoded size: many small batches cost more than their bytes.
    bytes += arrow::DecodedSize(*chunk.data);
    if (bytes > limits_.memory_budget) {
      RpcMetrics::Get().Limited("call_memory");
      return Status::ResourceExhausted("the call gathered more than its memory budget of " +
                                       std::to_string(limits_.memory_budget >> 20) +
                                       " MiB before committing (the server's --call-memory-mib); send less per call");
    }
    batches.push_back(std::move(chunk.data));
  }
}

FlightStreamWriter::FlightStreamWriter(FlightDataSink* sink, arrow::ipc::WriteOptions options)
    : sink_(sink), options_(options) {}

Status FlightStreamWriter::Send(FlightData data) {
  if (descriptor_) {
    data.descriptor = std::move(descriptor_);
    descriptor_.reset();
  }
  return sink_->Write(data);
}

Status FlightStreamWriter::Begin(const arrow::SchemaPtr& schema) {
  if (encoder_ != nullptr) return Status::FailedPrecondition("the stream's schema was already sent");
  encoder_ = std::make_unique<arrow::ipc::StreamEncoder>(schema, options_);
  HANGAR_ASSIGN_OR_RETURN(auto message, encoder_->EncodeSchema());
  FlightData data;
  data.data_header = std::move(message.metadata);
  return Send(std::move(data));
}

Status FlightStreamWriter::WriteRecordBatch(const arrow::RecordBatch& batch, arrow::BufferPtr app_metadata) {
  if (encoder_ == nullptr) return Status::FailedPrecondition("a record batch cannot be written before the schema");
  HANGAR_ASSIGN_OR_RETURN(auto messages, encoder_->EncodeBatch(batch));
  for (size_t i = 0; i < messages.size(); ++i) {
    FlightData data;
    data.data_header = std::move(messages[i].metadata);
    data.body = std::move(messages[i].body);
    if (i + 1 == messages.size()) data.app_metadata = std::move(app_metadata);
    HANGAR_RETURN_NOT_OK(Send(std::move(data)));
  }
  rows_written_ += batch.num_rows;
  return Status::OK();
}

Status FlightStreamWriter::WriteMetadata(arrow::BufferPtr app_metadata) {
  FlightData data;
  data.app_metadata = std::move(app_metadata);
  return Send(std::move(data));
}

}  // namespace hangar::flight
