// Turns schemas and record batches into IPC messages without copying bodies.
//
// An EncodedMessage keeps the body as a list of buffer references (array
// buffers, plus shared zero padding): the stream writer writes them out one by
// one, and the Flight layer hands them to gRPC as slices. Only what the format
// forces is materialized: rebased offsets of sliced arrays, bitmaps at odd bit
// offsets, and compressed buffers.
#pragma once

#include <map>
#include <vector>

#include "arrow/array.h"
#include "arrow/ipc/metadata.h"
#include "arrow/ipc/options.h"

namespace hangar::arrow::ipc {

struct EncodedMessage {
  BufferPtr metadata;           // the Message flatbuffer, unframed
  std::vector<BufferPtr> body;  // body pieces in order, padding included
  int64_t body_length = 0;      // sum of the pieces
};

class StreamEncoder {
 public:
  // `for_file`: dictionaries may grow by deltas but never be replaced, as the
  // file format requires.
  StreamEncoder(SchemaPtr schema, WriteOptions options, bool for_file = false);

  // Equal to the schema given (a copy only if it reused a dictionary-encoded
  // Field object, see WithDistinctDictionaryFields).
  const SchemaPtr& schema() const { return schema_; }
  // The Schema message (no body).
  Result<EncodedMessage> EncodeSchema() const;
  // The dictionary batches this batch needs (new, delta or replacement), then
  // the record batch itself, last. Columns are matched to the schema by
  // position and must have its types (metadata aside). Body pieces share the
  // batch's buffers (they hold references, not copies).
  Result<std::vector<EncodedMessage>> EncodeBatch(const RecordBatch& batch);
  // The schema as a flatbuffer table (the file footer embeds it).
  flatbuffers::Offset<fb::Schema> WriteSchema(flatbuffers::FlatBufferBuilder& fbb) const;

 private:
  Status CollectDictionaries(const FieldPtr& field, const ArrayPtr& array, std::map<int64_t, ArrayPtr>* out) const;
  Result<EncodedMessage> EncodeDictionary(int64_t id, const ArrayPtr& values, bool is_delta) const;

  SchemaPtr schema_;
  WriteOptions options_;
  bool for_file_;
  DictionaryFields dictionary_fields_;
  std::map<int64_t, ArrayPtr> sent_dictionaries_;
};

}  // namespace hangar::arrow::ipc
