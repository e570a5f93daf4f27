#include "arrow/ipc/writer.h"

#include <cstring>

#include "arrow/ipc/message.h"
#include "arrow/ipc/reader.h"

namespace hangar::arrow::ipc {

namespace {

const uint8_t kZeros[64] = {};

}  // namespace

Status WriteEndOfStream(OutputStream* out, const WriteOptions& options) {
  const uint32_t eos[2] = {kContinuation, 0};
  return options.write_legacy_format ? out->Write(&eos[1], 4) : out->Write(eos, 8);
}

Result<int32_t> WriteMessage(OutputStream* out, const EncodedMessage& message, const WriteOptions& options,
                             int64_t stream_start) {
  const int32_t alignment = options.alignment == 64 ? 64 : 8;
  const bool legacy = options.write_legacy_format;
  const int64_t size = message.metadata->size();
  if (size <= 0 || size > int64_t{1} << 30) return Status::Invalid("IPC message metadata of invalid size");
  const int32_t padded = PaddedMetadataLength(size, alignment, out->position() - stream_start, legacy);
  const uint32_t prefix[2] = {kContinuation, static_cast<uint32_t>(padded)};
  if (legacy) {
    HANGAR_RETURN_NOT_OK(out->Write(&prefix[1], 4));
  } else {
    HANGAR_RETURN_NOT_OK(out->Write(prefix, 8));
  }
  HANGAR_RETURN_NOT_OK(out->Write(message.metadata->data(), size));
  if (padded > size) HANGAR_RETURN_NOT_OK(out->Write(kZeros, padded - size));
  for (const auto& piece : message.body) HANGAR_RETURN_NOT_OK(out->Write(piece));
  return static_cast<int32_t>(FramePrefixSize(legacy) + padded);
}

Result<std::string> StreamHeadFor(const SchemaPtr& schema, const Message& message, const WriteOptions& options) {
  StringOutputStream out;
  HANGAR_ASSIGN_OR_RETURN(auto writer, StreamWriter::Open(&out, schema, options));
  HANGAR_RETURN_NOT_OK(WriteMessage(&out, EncodedMessage{message.metadata(), {}, 0}, options).status());
  return std::move(out.str());
}

Result<std::unique_ptr<StreamWriter>> StreamWriter::Open(OutputStream* out, SchemaPtr schema, WriteOptions options) {
  std::unique_ptr<StreamWriter> w(new StreamWriter(out, std::move(schema), options));
  HANGAR_ASSIGN_OR_RETURN(auto m, w->encoder_.EncodeSchema());
  HANGAR_RETURN_NOT_OK(WriteMessage(out, m, options, w->start_));
  return w;
}

Status StreamWriter::WriteBatch(const RecordBatch& batch) {
  if (closed_) return Status::FailedPrecondition("IPC stream writer is closed");
  HANGAR_ASSIGN_OR_RETURN(auto messages, encoder_.EncodeBatch(batch));
  for (const auto& m : messages) HANGAR_RETURN_NOT_OK(WriteMessage(out_, m, options_, start_));
  return Status::OK();
}

Status StreamWriter::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  HANGAR_RETURN_NOT_OK(WriteEndOfStream(out_, options_));
  return out_->Flush();
}

Result<std::unique_ptr<FileWriter>> FileWriter::Open(OutputStream* out, SchemaPtr schema, WriteOptions options) {
  std::unique_ptr<FileWriter> w(new FileWriter(out, std::move(schema), options));
  HANGAR_RETURN_NOT_OK(out->Write(kFileMagic, 6));
  HANGAR_RETURN_NOT_OK(out->Write(kZeros, 2));
  HANGAR_ASSIGN_OR_RETURN(auto m, w->encoder_.EncodeSchema());
  HANGAR_RETURN_NOT_OK(WriteMessage(out, m, options, w->start_));
  return w;
}

Status FileWriter::WriteBatch(const RecordBatch& batch) {
  if (closed_) return Status::FailedPrecondition("IPC file writer is closed");
  HANGAR_ASSIGN_OR_RETURN(auto messages, encoder_.EncodeBatch(batch));
  for (size_t i = 0; i < messages.size(); ++i) {
    const int64_t offset = out_->position() - start_;
    HANGAR_ASSIGN_OR_RETURN(int32_t metadata_length, WriteMessage(out_, messages[i], options_, start_));
    Block block{offset, metadata_length, messages[i].body_length};
    // The last message is the record batch; any before it are dictionaries.
    (i + 1 == messages.size() ? batches_ : dictionaries_).push_back(block);
  }
  return Status::OK();
}

Status FileWriter::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  HANGAR_RETURN_NOT_OK(WriteEndOfStream(out_, options_));
  flatbuffers::FlatBufferBuilder fbb;
  auto blocks = [&](const std::vector<Block>& v) {
    std::vector<fb::Block> out;
    for (const auto& b : v) out.emplace_back(b.offset, b.metadata_length, b.body_length);
    return fbb.CreateVectorOfStructs(out);
  };
  auto schema = encoder_.WriteSchema(fbb);
  auto dicts = blocks(dictionaries_);
  auto batches = blocks(batches_);
  fbb.Finish(fb::CreateFooter(fbb, fb::MetadataVersion::V5, schema, dicts, batches));
  const int32_t footer_size = static_cast<int32_t>(fbb.GetSize());
  HANGAR_RETURN_NOT_OK(out_->Write(fbb.GetBufferPointer(), footer_size));
  HANGAR_RETURN_NOT_OK(out_->Write(&footer_size, 4));
  HANGAR_RETURN_NOT_OK(out_->Write(kFileMagic, 6));
  return out_->Flush();
}

Result<std::string> WriteStream(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                                const WriteOptions& options) {
  StringOutputStream out;
  HANGAR_ASSIGN_OR_RETURN(auto writer, StreamWriter::Open(&out, schema, options));
  for (const auto& b : batches) HANGAR_RETURN_NOT_OK(writer->WriteBatch(*b));
  HANGAR_RETURN_NOT_OK(writer->Close());
  return std::move(out.str());
}

Result<std::string> WriteFile(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                              const WriteOptions& options) {
  StringOutputStream out;
  HANGAR_ASSIGN_OR_RETURN(auto writer, FileWriter::Open(&out, schema, options));
  for (const auto& b : batches) HANGAR_RETURN_NOT_OK(writer->WriteBatch(*b));
  HANGAR_RETURN_NOT_OK(writer->Close());
  return std::move(out.str());
}

}  // namespace hangar::arrow::ipc
