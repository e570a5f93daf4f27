// Arrow rows into Avro binary: the reverse of the decoder, used to write
// Arrow data into Kafka topics. The Avro schema is derived from the Arrow
// schema by the reverse of the mapping in arrow_types.h:
//
//   bool boolean · int8/16/32, uint8/16 int · int64, uint32, uint64 long
//   float16/32 float · float64 double · utf8 (all forms) string
//   binary (all forms) bytes · fixed_size_binary fixed · decimals bytes+decimal
//   date32/64 int+date · time32 int+time-millis · time64[us] long+time-micros
//   timestamp[s|ms|us|ns] long+timestamp-millis|micros|nanos (local-* without zone)
//   duration long · interval[month_day_nano] fixed(12)+duration
//   lists (all forms) array · struct record · map<utf8, V> map
//   unions union (null first when a child is nullable: a union's nulls are
//   its children's) · dictionary and run-end encoded: their value type
//   a nullable field ["null", T] with default null
//
// Types with no lossless Avro form (time64[ns], other intervals, maps with
// non-string keys, negative decimal scales) are refused, naming the column.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "arrow/array.h"
#include "avro/schema.h"

namespace hangar::avro {

// The Avro schema (JSON text) of rows of `schema`: a record named
// `record_name` (made a valid Avro name) in namespace "hangar".
Result<std::string> AvroSchemaJsonOf(const arrow::Schema& schema, std::string_view record_name);

class Encoder {
 public:
  // An encoder of batches of `schema` as records of `avro`, a record schema:
  // columns match fields by name, and each column's type must be one the
  // field's Avro type can hold without loss (an int8 column for an Avro
  // long, a timestamp[s] column for a timestamp-millis, a utf8 column for an
  // enum, ...). A field with no column is an error, unless its type is a
  // union with null first and its default is null; so is a column with no
  // field. The errors name the column.
  static Result<std::unique_ptr<Encoder>> Make(arrow::SchemaPtr schema, std::shared_ptr<const AvroSchema> avro);
  // An encoder with the schema derived from `schema` (AvroSchemaJsonOf).
  static Result<std::unique_ptr<Encoder>> Make(arrow::SchemaPtr schema, std::string_view record_name);
  ~Encoder();

  const std::shared_ptr<const AvroSchema>& schema() const { return avro_; }

  // Appends row `row` of `batch` (whose schema must be the encoder's) to
  // `out` as one Avro datum. A value the Avro type cannot hold (a null where
  // the type has none, a uint64 beyond the long range, an unknown enum
  // symbol, precision a timestamp unit would drop) is an error naming the
  // column; `out` may then hold part of the datum.
  Status EncodeRow(const arrow::RecordBatch& batch, int64_t row, std::string* out) const;

  struct Step;

 private:
  Encoder() = default;
  arrow::SchemaPtr arrow_;
  std::shared_ptr<const AvroSchema> avro_;
  std::unique_ptr<Step> root_;
};

}  // namespace hangar::avro
