// The Arrow C Data Interface and C Stream Interface: the ABI through which
// Hangar hands Arrow data to DuckDB (and any other Arrow library) and takes
// it back, without copying.
//
// Export: the C structs point at Hangar's buffers; their private data holds
// shared references that keep the buffers alive until the consumer calls
// release. Import: the producer's struct is moved into a shared holder that
// calls its release exactly once, when the last Hangar buffer referring to it
// goes away.
#pragma once

#include <cstdint>
#include <memory>

#include "arrow/array.h"
#include "arrow/record_batch_source.h"

extern "C" {

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

#endif  // ARROW_C_DATA_INTERFACE

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};

#endif  // ARROW_C_STREAM_INTERFACE
}

namespace hangar::arrow {

// The format string of a (non-dictionary) type, e.g. "i", "tsu:UTC", "+l".
Result<std::string> FormatString(const DataType& type);

Status ExportField(const Field& field, ArrowSchema* out);
Status ExportType(const DataType& type, ArrowSchema* out);  // unnamed, nullable
// A schema is exported as a struct ("+s") whose children are the fields.
Status ExportSchema(const Schema& schema, ArrowSchema* out);
Status ExportArray(const ArrayPtr& array, ArrowArray* out, ArrowSchema* out_schema = nullptr);
// A record batch is exported as a struct array of its columns.
Status ExportRecordBatch(const RecordBatchPtr& batch, ArrowArray* out, ArrowSchema* out_schema = nullptr);
Status ExportRecordBatchStream(std::unique_ptr<RecordBatchSource> source, ArrowArrayStream* out);

// Imports take ownership: on return (success or not) the struct is released
// or moved from (its release member is null).
Result<FieldPtr> ImportField(ArrowSchema* schema);
Result<SchemaPtr> ImportSchema(ArrowSchema* schema);
Result<ArrayPtr> ImportArray(ArrowArray* array, const TypePtr& type);
Result<ArrayPtr> ImportArray(ArrowArray* array, ArrowSchema* schema);
Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema);

// A RecordBatchSource over an imported ArrowArrayStream (which it owns).
class ImportedStream : public RecordBatchSource {
 public:
  static Result<std::unique_ptr<ImportedStream>> Open(ArrowArrayStream* stream);
  ~ImportedStream() override;
  const SchemaPtr& schema() const override { return schema_; }
  Result<RecordBatchPtr> Next() override;

 private:
  ImportedStream() = default;
  ArrowArrayStream stream_{};
  SchemaPtr schema_;
};

}  // namespace hangar::arrow
