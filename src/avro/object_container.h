// Avro object container files (specification, "Object Container Files"): a
// header with the writer's schema and codec, then blocks of records, each
// followed by the file's sync marker. Codecs: null, deflate, zstandard.
// Kafka carries single records instead (the Confluent wire format); container
// files are how Avro data sits in files, and how Avro's own test data comes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "arrow/array.h"
#include "avro/schema.h"

namespace hangar::avro {

struct ContainerFile {
  std::string schema_json;
  std::string codec;  // "null" when absent
  std::shared_ptr<const AvroSchema> schema;
  std::vector<arrow::RecordBatchPtr> batches;  // one per block
};

// Reads and decodes a whole container file.
Result<ContainerFile> ReadContainerFile(std::string_view bytes);

// A container file (codec null) of `datums`, each one record already encoded
// with `schema_json`, in blocks of up to `block_records` records. The sync
// marker is derived from the schema, so the same input gives the same bytes.
std::string WriteContainerFile(std::string_view schema_json, const std::vector<std::string>& datums,
                               size_t block_records = 4096);
// The same with key-value pairs of the writer's own in the file's metadata
// (Iceberg's manifests carry their table schema and partition spec there).
// Keys starting with "avro." are the format's and are not allowed here.
std::string WriteContainerFile(std::string_view schema_json, const std::vector<std::string>& datums,
                               const std::vector<std::pair<std::string, std::string>>& metadata,
                               size_t block_records = 4096);

}  // namespace hangar::avro
