// Readers of the IPC stream and file formats.
//
// Both decode lazily, one batch at a time, and from memory without copying:
// the arrays of a batch point into the input buffer and keep it alive.
#pragma once

#include <memory>
#include <vector>

#include "arrow/array.h"
#include "arrow/ipc/decoder.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/options.h"

namespace hangar::arrow::ipc {

class StreamReader {
 public:
  // Reads messages up to and including the schema.
  static Result<std::unique_ptr<StreamReader>> Open(std::shared_ptr<InputStream> input, ReadOptions options = {});

  const SchemaPtr& schema() const { return decoder_.schema(); }
  // The next record batch, or nullptr at the end of the stream.
  Result<RecordBatchPtr> Next();

 private:
  StreamReader(std::shared_ptr<InputStream> input, ReadOptions options)
      : input_(std::move(input)), options_(options), decoder_(options) {}

  std::shared_ptr<InputStream> input_;
  ReadOptions options_;
  StreamDecoder decoder_;
  bool finished_ = false;
};

class FileReader {
 public:
  // Checks the magic numbers and reads the footer and the dictionaries.
  static Result<std::unique_ptr<FileReader>> Open(BufferPtr file, ReadOptions options = {});

  const SchemaPtr& schema() const { return decoder_.schema(); }
  int num_record_batches() const { return static_cast<int>(batches_.size()); }
  Result<RecordBatchPtr> ReadRecordBatch(int i);

 private:
  struct Block {
    int64_t offset;
    int32_t metadata_length;
    int64_t body_length;
  };
  FileReader(BufferPtr file, ReadOptions options) : file_(std::move(file)), options_(options), decoder_(options) {}
  Result<Message> ReadBlock(const Block& block);

  BufferPtr file_;
  ReadOptions options_;
  StreamDecoder decoder_;
  std::vector<Block> dictionaries_;
  std::vector<Block> batches_;
};

struct ReadResult {
  SchemaPtr schema;
  std::vector<RecordBatchPtr> batches;
};

Result<ReadResult> ReadStream(BufferPtr stream, const ReadOptions& options = {});
Result<ReadResult> ReadFile(BufferPtr file, const ReadOptions& options = {});
// A file if the bytes start with the file magic, else a stream.
Result<ReadResult> ReadAny(BufferPtr bytes, const ReadOptions& options = {});

inline constexpr char kFileMagic[] = "ARROW1";  // 6 bytes, padded to 8 at the start of a file

}  // namespace hangar::arrow::ipc
