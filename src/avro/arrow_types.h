// The Arrow form of Avro data (see the design brief, "Avro -> Arrow"):
//
//   boolean bool · int int32 · long int64 · float float32 · double float64
//   bytes binary · string utf8 · record struct · enum dictionary<int32, utf8>
//   array list · map map<utf8, V> · fixed fixed_size_binary
//   ["null", T] (either order) nullable T · other unions dense_union
//   decimal decimal128 (decimal256 above 38 digits) · uuid utf8 · date date32
//   time-millis time32[ms] · time-micros time64[us]
//   timestamp-millis/micros/nanos timestamp[ms|us|ns, UTC]
//   local-timestamp-* timestamp without zone · duration interval[month_day_nano]
//
// A recursive schema has no Arrow form: it is refused, naming the type.
#pragma once

#include "arrow/type.h"
#include "avro/schema.h"

namespace hangar::avro {

// The Arrow type of values of `node`, and whether they may be null.
struct ArrowForm {
  arrow::TypePtr type;
  bool nullable = false;
};
Result<ArrowForm> ArrowFormOf(const AvroNode& node);

// The Arrow schema of a record schema: one column per field.
Result<arrow::SchemaPtr> ArrowSchemaOf(const AvroSchema& schema);

}  // namespace hangar::avro
