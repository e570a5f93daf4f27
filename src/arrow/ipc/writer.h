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

// Frames one message onto `out`: continuation marker, padded metadata length,
// metadata, padding, body. Returns the framed metadata size (prefix included).
Result<int32_t> WriteMessage(OutputStream* out, const EncodedMessage& message, int32_t alignment);

class StreamWriter {
 public:
  // Writes the schema message. `out` must outlive the writer.
  static Result<std::unique_ptr<StreamWriter>> Open(OutputStream* out, SchemaPtr schema, WriteOptions options = {});
  Status WriteBatch(const RecordBatch& batch);
  // Writes the end-of-stream marker.
  Status Close();

 private:
  StreamWriter(OutputStream* out, SchemaPtr schema, WriteOptions options)
      : out_(out), options_(options), encoder_(std::move(schema), options) {}
  OutputStream* out_;
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
      : out_(out), options_(options), encoder_(std::move(schema), options, /*for_file=*/true) {}
  OutputStream* out_;
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
