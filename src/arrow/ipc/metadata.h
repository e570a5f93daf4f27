// Conversion between Hangar schemas and the IPC format's FlatBuffers metadata.
//
// Dictionary ids are a property of the IPC stream, not of the schema: a field
// of dictionary type gets its id from a DictionaryFields map keyed by the
// Field object itself, filled when a schema is read, or assigned in pre-order
// when one is written.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "arrow/ipc/format/File_generated.h"
#include "arrow/ipc/format/Message_generated.h"
#include "arrow/ipc/format/Schema_generated.h"
#include "arrow/type.h"

namespace hangar::arrow::ipc {

namespace fb = org::apache::arrow::flatbuf;

class DictionaryFields {
 public:
  // Registers `field` (of dictionary type) under `id`.
  void Add(const FieldPtr& field, int64_t id);
  // The id of a dictionary-encoded field of the schema, or an error.
  Result<int64_t> IdOf(const Field* field) const;
  // The dictionary field registered under `id` (its type is dictionary<...>).
  Result<FieldPtr> FieldOf(int64_t id) const;
  // Ids in an order where a dictionary whose values contain dictionary-encoded
  // fields comes after those inner dictionaries.
  const std::vector<int64_t>& emit_order() const { return emit_order_; }
  bool empty() const { return ids_.empty(); }

 private:
  friend DictionaryFields AssignDictionaryIds(const Schema& schema);
  std::unordered_map<const Field*, int64_t> ids_;
  std::map<int64_t, FieldPtr> fields_;
  std::vector<int64_t> emit_order_;
};

// Ids 0, 1, 2, ... in pre-order of the schema's fields (dictionary value types included).
DictionaryFields AssignDictionaryIds(const Schema& schema);

// Reads a Schema table; fills `dictionaries` with the encoded fields.
Result<SchemaPtr> SchemaFromFlatbuffer(const fb::Schema* schema, DictionaryFields* dictionaries, int max_depth);

flatbuffers::Offset<fb::Schema> SchemaToFlatbuffer(flatbuffers::FlatBufferBuilder& fbb, const Schema& schema,
                                                   const DictionaryFields& dictionaries);

// Verifies that `bytes` hold a valid Message flatbuffer and returns it.
Result<const fb::Message*> VerifyMessage(const uint8_t* data, int64_t size);

}  // namespace hangar::arrow::ipc
