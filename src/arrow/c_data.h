// The Arrow C Data Interface and C Stream Interface: the ABI through which
// Hangar hands Arrow data to DuckDB (and any other Arrow library in the same
// process) and takes it back, without copying.
//
// Export: the C structs point straight at Hangar's buffers; each exported
// struct's private_data holds shared references that keep those buffers
// alive until the consumer calls release. Structs may be moved (bitwise
// copied) by the consumer, and children may be moved out before the parent
// is released, as the specification allows.
//
// Import: the producer's base struct is moved into a shared holder; every
// imported Buffer shares ownership of that holder, which calls the
// producer's release exactly once, when the last Buffer goes away. The C
// interface carries no buffer sizes, so the importer derives them from the
// type, length, offset and (for variable-size layouts) the offsets the
// producer wrote, then validates the result like data from the wire: a
// malformed producer gets a clear error, never an over-read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arrow/array.h"
#include "arrow/record_batch_source.h"

// The ABI structs, exactly as the specification defines them. The guards are
// the canonical ones so that another copy (e.g. DuckDB's or nanoarrow's) in
// the same translation unit is not a redefinition.
extern "C" {

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  // Array type description
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;

  // Release callback
  void (*release)(struct ArrowSchema*);
  // Opaque producer-specific data
  void* private_data;
};

struct ArrowArray {
  // Array data description
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;

  // Release callback
  void (*release)(struct ArrowArray*);
  // Opaque producer-specific data
  void* private_data;
};

#endif  // ARROW_C_DATA_INTERFACE

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
  // Callbacks providing stream functionality
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);

  // Release callback
  void (*release)(struct ArrowArrayStream*);
  // Opaque producer-specific data
  void* private_data;
};

#endif  // ARROW_C_STREAM_INTERFACE

}  // extern "C"

namespace hangar::arrow {

// --- Format strings ------------------------------------------------------------

// The format string of `type` ("i", "tsu:UTC", "+w:4", "d:10,2", ...). For a
// dictionary type this is its index type's format, as the interface wants.
Result<std::string> FormatString(const DataType& type);

// The type a format string names. `children` are the already imported child
// fields (the interface carries them separately); `flags` supplies the map's
// keys-sorted bit. Dictionary encoding is not expressed by a format string.
Result<TypePtr> TypeFromFormat(std::string_view format, std::vector<FieldPtr> children = {}, int64_t flags = 0);

// --- Export ----------------------------------------------------------------------
// On success `out` is a live struct the consumer must release; on failure
// `out` is left untouched (nothing to release).

// A field: its name, type, nullability and metadata (extension types travel
// as their storage type plus the ARROW:extension:* metadata keys).
Status ExportField(const Field& field, ArrowSchema* out);
// A bare type: unnamed, nullable, no metadata.
Status ExportType(const DataType& type, ArrowSchema* out);
// A schema: a non-nullable struct ("+s") whose children are the fields and
// whose metadata is the schema's metadata.
Status ExportSchema(const Schema& schema, ArrowSchema* out);

// An array, zero-copy; `out_schema`, if given, receives its type. The array's
// shape and buffer sizes (not its values) are checked first. An empty array
// goes out at offset 0, and a buffer the Array lacks (other than a validity
// bitmap) as a pointer to zeros, for consumers that read it regardless.
Status ExportArray(const ArrayPtr& array, ArrowArray* out, ArrowSchema* out_schema = nullptr);
// A record batch as a struct array of its columns (and optionally its
// schema, as ExportSchema exports it).
Status ExportRecordBatch(const RecordBatch& batch, ArrowArray* out, ArrowSchema* out_schema = nullptr);

// A stream over `source`. get_schema exports source->schema(); get_next
// exports the next batch, or a released array at the end. An error from the
// source is returned as EIO with the Status text available from
// get_last_error; after an error the stream keeps reporting it.
Status ExportRecordBatchStream(std::unique_ptr<RecordBatchSource> source, ArrowArrayStream* out);

// --- Import ----------------------------------------------------------------------
// Every import takes ownership of the struct it is given: on return, success
// or not, that struct is released or moved from (its release member is null).
// Buffers are used in place, except one misaligned for its element type,
// which is copied (Hangar reads typed values in place).

struct ImportOptions {
  // Validate offsets, indices, type ids, run ends, views and null counts in
  // O(n) after import (ValidateArray with full = true). Sizes, shapes and the
  // offsets that bound buffer sizes are checked either way. Turn this off
  // only for a producer that is known to produce valid data.
  bool full_validation = true;
};

Result<FieldPtr> ImportField(ArrowSchema* schema);
Result<TypePtr> ImportType(ArrowSchema* schema);
// The schema must be a struct; its metadata becomes the schema metadata.
Result<SchemaPtr> ImportSchema(ArrowSchema* schema);

Result<ArrayPtr> ImportArray(ArrowArray* array, const TypePtr& type, const ImportOptions& options = {});
// Consumes both structs.
Result<ArrayPtr> ImportArray(ArrowArray* array, ArrowSchema* schema, const ImportOptions& options = {});
// A struct array as a record batch of `schema` (the struct must have no nulls).
Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema, const ImportOptions& options = {});
// Consumes both structs.
Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, ArrowSchema* schema, const ImportOptions& options = {});

// A RecordBatchSource over an imported ArrowArrayStream, which it owns and
// releases when destroyed. Errors of the producer become IOError Statuses
// carrying its get_last_error text; after an error, Next keeps returning it
// without calling the producer again.
class ImportedStream : public RecordBatchSource {
 public:
  static Result<std::unique_ptr<ImportedStream>> Open(ArrowArrayStream* stream, const ImportOptions& options = {});
  ~ImportedStream() override;
  ImportedStream(const ImportedStream&) = delete;
  ImportedStream& operator=(const ImportedStream&) = delete;

  const SchemaPtr& schema() const override { return schema_; }
  Result<RecordBatchPtr> Next() override;

 private:
  explicit ImportedStream(const ImportOptions& options) : options_(options) {}
  // The producer's error for return code `rc` of `what`.
  Status ProducerError(const char* what, int rc);

  ArrowArrayStream stream_{};
  SchemaPtr schema_;
  ImportOptions options_;
  Status failed_;  // sticky: the first error
  bool done_ = false;
};

}  // namespace hangar::arrow
