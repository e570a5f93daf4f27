// Avro binary data into Arrow builders, through a decoder compiled once per
// schema: the schema is walked once into a tree of steps bound to the column
// builders, and decoding a record is a walk of that tree — no per-value
// lookups, no intermediate objects. Data written with one schema is read as
// another by Avro's schema resolution (fields added with defaults, fields
// removed, promotions int -> long -> float -> double, string <-> bytes, enum
// symbols, union branches), compiled into the same tree.
#pragma once

#include <memory>
#include <string_view>

#include "arrow/array.h"
#include "arrow/builder_base.h"
#include "avro/schema.h"

namespace hangar::avro {

class Decoder {
 public:
  // Data written with `writer`, read as `reader` (the writer's own schema if
  // none); the reader's schema must be a record and gives the columns (see
  // ArrowSchemaOf). Incompatible schemas are an error here, naming the field.
  static Result<std::unique_ptr<Decoder>> Make(std::shared_ptr<const AvroSchema> writer,
                                               std::shared_ptr<const AvroSchema> reader = nullptr);
  ~Decoder();

  const arrow::SchemaPtr& schema() const { return schema_; }

  // Decodes one record from [*pos, end), advancing *pos past it, and
  // appends it as a row. On an error (truncated or malformed data) the
  // rows decoded so far are kept but this one may be partly appended: use
  // the decoder no further than Flush().
  Status Append(const uint8_t** pos, const uint8_t* end);
  // One record that must fill `datum` exactly (a Kafka message's payload).
  Status AppendDatum(std::string_view datum);

  int64_t rows() const { return rows_; }
  // The rows so far as a batch (possibly empty); starts the next batch.
  Result<arrow::RecordBatchPtr> Flush();

  struct Step;

 private:
  Decoder() = default;
  Status Reset();  // fresh builders and steps

  std::shared_ptr<const AvroSchema> writer_;
  std::shared_ptr<const AvroSchema> avro_;  // the reader's schema
  arrow::SchemaPtr schema_;
  std::unique_ptr<arrow::ArrayBuilder> root_;  // a struct builder of the record
  std::unique_ptr<Step> plan_;
  int64_t rows_ = 0;
};

}  // namespace hangar::avro
