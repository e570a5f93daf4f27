// Writers of the IPC stream and file formats.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "arrow/array.h"
#include "arrow/ipc/encoder.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/options.h"

namespace hangar::arrow::ipc {

// Frames one message onto `out`: continuation marker (unless legacy), padded
// metadata length, metadata, padding, body. The padding makes the body start
// at a multiple of options.alignment counted from `stream_start`, the
// position in `out` where the stream or file began. Returns the framed
// metadata size, prefix included (a file Block's metaDataLength).
Result<int32_t> WriteMessage(OutputStream* out, const EncodedMessage& message, const WriteOptions& options = {},
                             int64_t stream_start = 0);

// The end-of-stream marker: 0xFFFFFFFF 0x00000000 (legacy: 0x00000000).
Status WriteEndOfStream(OutputStream* out, const WriteOptions& options = {});

class Message;

// The start of a stream holding `schema` and then `message`, a record batch
// message that arrived from elsewhere and is kept as it came: the schema
// message, then the framing and metadata of `message`, up to its body. With
// message.body() appended it is a stream ReadStream reads (the end-of-stream
// marker is optional), and the data was never encoded again.
Result<std::string> StreamHeadFor(const SchemaPtr& schema, const Message& message, const WriteOptions& options = {});

class StreamWriter {
 public:
  // Writes the schema message. `out` must outlive the writer.
  static Result<std::unique_ptr<StreamWriter>> Open(OutputStream* out, SchemaPtr schema, WriteOptions options = {});
  Status WriteBatch(const RecordBatch& batch);
  // Writes the end-of-stream marker.
  Status Close();

 private:
  StreamWriter(OutputStream* out, SchemaPtr schema, WriteOptions options)
      : out_(out), start_(out->position()), options_(options), encoder_(std::move(schema), options) {}
  OutputStream* out_;
  int64_t start_;  // where the stream begins in out_
  WriteOptions options_;
  StreamEncoder encoder_;
  bool closed_ = false;
};

class FileWriter {
 public:
  static Result<std::unique_ptr<FileWriter>> Open(OutputStream* out, SchemaPtr schema, WriteOptions options = {});
  Status WriteBatch(const RecordBatch& batch);
  // Writes the end-of-stream marker, the footer and the trailing magic.
  Status Close();

 private:
  struct Block {
    int64_t offset;
    int32_t metadata_length;
    int64_t body_length;
  };
  FileWriter(OutputStream* out, SchemaPtr schema, WriteOptions options)
      : out_(out),
        start_(out->position()),
        options_(options),
        encoder_(std::move(schema), options, /*for_file=*/true) {}
  OutputStream* out_;
  int64_t start_;  // where the file begins in out_: Block offsets count from here
  WriteOptions options_;
  StreamEncoder encoder_;
  std::vector<Block> dictionaries_;
  std::vector<Block> batches_;
  bool closed_ = false;
};

Result<std::string> WriteStream(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                                const WriteOptions& options = {});
Result<std::string> WriteFile(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches,
                              const WriteOptions& options = {});

}  // namespace hangar::arrow::ipc
