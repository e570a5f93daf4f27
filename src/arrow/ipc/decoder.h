// Turns IPC messages into schemas and record batches.
//
// The decoder is the state machine of an IPC stream: the schema first, then
// dictionary batches (new, replacement or delta) and record batches in any
// legal order. Readers of streams and files, and the Flight layer (whose
// FlightData carries a message's metadata and body separately), all feed it.
// Arrays point into the message bodies: nothing is copied unless a buffer is
// compressed or misaligned.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "arrow/array.h"
#include "arrow/ipc/message.h"
#include "arrow/ipc/metadata.h"
#include "arrow/ipc/options.h"

namespace hangar::arrow::ipc {

class StreamDecoder {
 public:
  explicit StreamDecoder(ReadOptions options = {}) : options_(options) {}

  // What one message produced.
  enum class Kind { kSchema, kDictionary, kRecordBatch };
  struct Decoded {
    Kind kind;
    RecordBatchPtr batch;        // kRecordBatch: the batch
    int64_t dictionary_id = -1;  // kDictionary: which dictionary was set...
    bool is_delta = false;       // ...and whether values were appended to it
  };

  // Consumes one message. The first must be a schema; then dictionary
  // batches (new, replacement or delta) and record batches in any order in
  // which each record batch comes after the dictionaries it uses.
  Result<Decoded> Consume(const Message& message);
  // The same from a message's parts, as FlightData carries them.
  Result<Decoded> Consume(BufferPtr metadata, BufferPtr body);

  // Sets the schema directly (the file format keeps it in the footer).
  Status SetSchema(const fb::Schema* schema);

  bool has_schema() const { return schema_ != nullptr; }
  const SchemaPtr& schema() const { return schema_; }

 private:
  Result<Decoded> ConsumeDictionary(const Message& message);
  Result<RecordBatchPtr> ConsumeRecordBatch(const Message& message);

  ReadOptions options_;
  SchemaPtr schema_;
  DictionaryFields dictionary_fields_;
  std::map<int64_t, ArrayPtr> dictionaries_;
};

}  // namespace hangar::arrow::ipc
