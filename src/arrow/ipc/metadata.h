// Conversion between Hangar schemas and the IPC format's FlatBuffers metadata.
//
// Dictionary ids are a property of the IPC stream, not of the schema: a field
// of dictionary type gets its id from a DictionaryFields map keyed by the
// Field object itself, filled when a schema is read, or assigned in pre-order
// when one is written.
#pragma once

#include <cstdint>
#include <cstring>
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
  // Registers `field` (of dictionary type) under `id`. Several fields may
  // share one id (and so one dictionary) if their value types are equal.
  Status Add(const FieldPtr& field, int64_t id);
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

// Ids 0, 1, 2, ... in pre-order of the schema's fields (dictionary value types
// included). Ids are keyed by Field object, so every dictionary-encoded field
// must be a distinct object: see WithDistinctDictionaryFields.
DictionaryFields AssignDictionaryIds(const Schema& schema);

// The schema itself if no Field object of dictionary type occurs twice in it
// (a FieldPtr reused in two columns, or a type reused in two places), else an
// equal schema in which each occurrence is its own object, so each gets its
// own dictionary id.
SchemaPtr WithDistinctDictionaryFields(const SchemaPtr& schema);

// Reads a Schema table; fills `dictionaries` with the encoded fields.
Result<SchemaPtr> SchemaFromFlatbuffer(const fb::Schema* schema, DictionaryFields* dictionaries, int max_depth);

flatbuffers::Offset<fb::Schema> SchemaToFlatbuffer(flatbuffers::FlatBufferBuilder& fbb, const Schema& schema,
                                                   const DictionaryFields& dictionaries);

// Element i of a flatbuffer vector of structs, copied out. The verifier only
// checks 4-byte alignment of a vector, so 8-byte structs (FieldNode, Buffer,
// Block) in hostile input may be misaligned: never dereference them in place.
template <typename S>
S LoadStruct(const flatbuffers::Vector<const S*>* v, size_t i) {
  S s;
  std::memcpy(static_cast<void*>(&s), v->Data() + i * sizeof(S), sizeof(S));
  return s;
}
// Element i of a flatbuffer vector of int64, copied out for the same reason.
inline int64_t LoadInt64(const flatbuffers::Vector<int64_t>* v, size_t i) {
  int64_t x;
  std::memcpy(&x, v->Data() + i * sizeof(int64_t), sizeof(int64_t));
  return flatbuffers::EndianScalar(x);
}

// Verifies that `bytes` hold a valid Message flatbuffer and returns it.
Result<const fb::Message*> VerifyMessage(const uint8_t* data, int64_t size);

}  // namespace hangar::arrow::ipc
