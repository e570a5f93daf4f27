#include "arrow/ipc/reader.h"

#include <cstring>
#include <set>
#include <string>

namespace hangar::arrow::ipc {

Result<std::unique_ptr<StreamReader>> StreamReader::Open(std::shared_ptr<InputStream> input, ReadOptions options) {
  std::unique_ptr<StreamReader> reader(new StreamReader(std::move(input), options));
  HANGAR_ASSIGN_OR_RETURN(auto message, ReadMessage(reader->input_.get(), options));
  if (!message) return Status::Invalid("IPC stream is empty: it has no schema message");
  if (message->type() != fb::MessageHeader::Schema)
    return Status::Invalid("IPC stream does not start with a schema message");
  HANGAR_RETURN_NOT_OK(reader->decoder_.Consume(*message));
  return reader;
}

Result<RecordBatchPtr> StreamReader::Next() {
  while (!finished_) {
    HANGAR_ASSIGN_OR_RETURN(auto message, ReadMessage(input_.get(), options_));
    if (!message) {
      finished_ = true;
      break;
    }
    HANGAR_ASSIGN_OR_RETURN(auto decoded, decoder_.Consume(*message));
    if (decoded.kind == StreamDecoder::Kind::kRecordBatch) return decoded.batch;
    if (decoded.kind == StreamDecoder::Kind::kSchema) return Status::Invalid("IPC stream has a second schema message");
  }
  return RecordBatchPtr();
}

Result<std::unique_ptr<FileReader>> FileReader::Open(BufferPtr file, ReadOptions options) {
  const int64_t size = file->size();
  const uint8_t* data = file->data();
  // magic (6) + padding (2) + footer length (4) + magic (6) at least
  if (size < 18 || std::memcmp(data, kFileMagic, 6) != 0 || std::memcmp(data + size - 6, kFileMagic, 6) != 0)
    return Status::Invalid("not an Arrow IPC file: missing ARROW1 magic at start or end");
  int32_t footer_length;
  std::memcpy(&footer_length, data + size - 10, 4);
  if (footer_length <= 0 || footer_length > size - 18)
    return Status::Invalid("Arrow IPC file footer length " + std::to_string(footer_length) + " is invalid");
  BufferPtr footer_buf = file->Slice(size - 10 - footer_length, footer_length);
  if (reinterpret_cast<uintptr_t>(footer_buf->data()) % 8 != 0) footer_buf = Buffer::CopyOf(footer_buf->view());
  flatbuffers::Verifier verifier(footer_buf->data(), static_cast<size_t>(footer_length), 128, 1000000);
  if (!fb::VerifyFooterBuffer(verifier)) return Status::Invalid("Arrow IPC file footer is not a valid flatbuffer");
  const fb::Footer* footer = fb::GetFooter(footer_buf->data());

  std::unique_ptr<FileReader> reader(new FileReader(std::move(file), options));
  HANGAR_RETURN_NOT_OK(reader->decoder_.SetSchema(footer->schema()));
  auto blocks = [&](const flatbuffers::Vector<const fb::Block*>* v, std::vector<Block>* out) {
    if (v == nullptr) return;
    for (size_t i = 0; i < v->size(); ++i) {
      const fb::Block b = LoadStruct(v, i);
      out->push_back(Block{b.offset(), b.metaDataLength(), b.bodyLength()});
    }
  };
  blocks(footer->dictionaries(), &reader->dictionaries_);
  blocks(footer->recordBatches(), &reader->batches_);
  // Dictionaries (and their deltas) apply to every batch of a file, so one
  // may not be replaced: earlier batches would silently change meaning.
  std::set<int64_t> seen;
  for (const Block& block : reader->dictionaries_) {
    HANGAR_ASSIGN_OR_RETURN(auto message, reader->ReadBlock(block));
    if (message.type() != fb::MessageHeader::DictionaryBatch)
      return Status::Invalid("Arrow IPC file dictionary block does not hold a dictionary batch");
    HANGAR_ASSIGN_OR_RETURN(auto decoded, reader->decoder_.Consume(message));
    if (!seen.insert(decoded.dictionary_id).second && !decoded.is_delta)
      return Status::Invalid("Arrow IPC file replaces dictionary " + std::to_string(decoded.dictionary_id) +
                             "; a file may only extend a dictionary with deltas");
  }
  return reader;
}

Result<Message> FileReader::ReadBlock(const Block& block) {
  const int64_t size = file_->size();
  if (block.offset < 8 || block.metadata_length <= 0 || block.body_length < 0 || block.offset > size ||
      block.metadata_length > size - block.offset || block.body_length > size - block.offset - block.metadata_length)
    return Status::Invalid("Arrow IPC file block (offset " + std::to_string(block.offset) + ") lies outside the file");
  BufferInputStream in(file_->Slice(block.offset, block.metadata_length + block.body_length));
  HANGAR_ASSIGN_OR_RETURN(auto message, ReadMessage(&in, options_));
  if (!message) return Status::Invalid("Arrow IPC file block holds an end-of-stream marker");
  return std::move(*message);
}

Result<RecordBatchPtr> FileReader::ReadRecordBatch(int i) {
  if (i < 0 || i >= num_record_batches())
    return Status::OutOfRange("record batch " + std::to_string(i) + " of " + std::to_string(num_record_batches()));
  HANGAR_ASSIGN_OR_RETURN(auto message, ReadBlock(batches_[i]));
  if (message.type() != fb::MessageHeader::RecordBatch)
    return Status::Invalid("Arrow IPC file record batch block does not hold a record batch");
  HANGAR_ASSIGN_OR_RETURN(auto decoded, decoder_.Consume(message));
  return decoded.batch;
}

Result<ReadResult> ReadStream(BufferPtr stream, const ReadOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto reader,
                          StreamReader::Open(std::make_shared<BufferInputStream>(std::move(stream)), options));
  ReadResult out;
  out.schema = reader->schema();
  for (;;) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, reader->Next());
    if (!batch) break;
    out.batches.push_back(std::move(batch));
  }
  return out;
}

Result<ReadResult> ReadFile(BufferPtr file, const ReadOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto reader, FileReader::Open(std::move(file), options));
  ReadResult out;
  out.schema = reader->schema();
  for (int i = 0; i < reader->num_record_batches(); ++i) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, reader->ReadRecordBatch(i));
    out.batches.push_back(std::move(batch));
  }
  return out;
}

Result<ReadResult> ReadAny(BufferPtr bytes, const ReadOptions& options) {
  if (bytes->size() >= 6 && std::memcmp(bytes->data(), kFileMagic, 6) == 0) return ReadFile(std::move(bytes), options);
  return ReadStream(std::move(bytes), options);
}

}  // namespace hangar::arrow::ipc
