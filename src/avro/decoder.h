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

  // One decoder may read data of several writer schemas into the same rows
  // (a Kafka partition whose schema evolved): each writer gets a plan of its
  // own, resolved to the one reader schema, and a number to name it by. The
  // writer given to Make is number 0.
  Result<int> AddWriter(std::shared_ptr<const AvroSchema> writer);

  const arrow::SchemaPtr& schema() const { return schema_; }
  const std::shared_ptr<const AvroSchema>& reader_schema() const { return avro_; }

  // Decodes one record from [*pos, end), advancing *pos past it, and
  // appends it as a row. On an error (truncated or malformed data) the
  // rows decoded so far are kept but this one may be partly appended: use
  // the decoder no further than Flush() or Discard().
  Status Append(const uint8_t** pos, const uint8_t* end) { return Append(0, pos, end); }
  Status Append(int writer, const uint8_t** pos, const uint8_t* end);
  // One record that must fill `datum` exactly (a Kafka message's payload).
  Status AppendDatum(std::string_view datum) { return AppendDatum(0, datum); }
  Status AppendDatum(int writer, std::string_view datum);

  int64_t rows() const { return rows_; }
  // The rows so far as a batch (possibly empty); starts the next batch.
  Result<arrow::RecordBatchPtr> Flush();
  // Drops the rows since the last Flush (after an error, to decode them again
  // without the bad record).
  Status Discard();

  struct Step;

 private:
  Decoder() = default;
  Status Reset();  // fresh builders and steps

  std::vector<std::shared_ptr<const AvroSchema>> writers_;
  std::shared_ptr<const AvroSchema> avro_;  // the reader's schema
  arrow::SchemaPtr schema_;
  std::unique_ptr<arrow::ArrayBuilder> root_;  // a struct builder of the record
  std::vector<std::unique_ptr<Step>> plans_;   // one per writer, bound to root_'s builders
  int64_t rows_ = 0;
};

}  // namespace hangar::avro
