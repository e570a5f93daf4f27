// hangar-avro-encode: an Arrow IPC file (or stream) written as an Avro object
// container file by Hangar's Avro encoder, the one that writes Arrow rows
// into Kafka topics. It exists so that other Avro implementations (fastavro
// in the Python interop suite) can judge what the encoder writes.
//
//   hangar-avro-encode IN.arrow -o OUT.avro [--column N] [--name RECORD]
//
// With --column only column N (from 0) is written: one column per file lets
// a test tell a refused type from the rest. Exit status 0 when written, 1 when the
// data has no Avro form or cannot be read (the reason on standard error), 2
// for a usage error.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "arrow/ipc/io.h"
#include "arrow/ipc/reader.h"
#include "avro/encoder.h"
#include "avro/object_container.h"

namespace {

using namespace hangar;

constexpr char kUsage[] = "usage: hangar-avro-encode IN.arrow -o OUT.avro [--column N] [--name RECORD]\n";

struct Options {
  std::string in, out, record = "row";
  int column = -1;  // all
};

Result<std::string> Encode(const Options& options) {
  HANGAR_ASSIGN_OR_RETURN(auto bytes, arrow::ipc::ReadWholeFile(options.in));
  HANGAR_ASSIGN_OR_RETURN(auto file, arrow::ipc::ReadAny(bytes));
  arrow::SchemaPtr schema = file.schema;
  const int column = options.column;
  if (column >= schema->num_fields())
    return Status::Invalid("no column " + std::to_string(column) + " in " + schema->ToString());
  if (column >= 0) schema = arrow::schema({schema->field(column)});
  HANGAR_ASSIGN_OR_RETURN(auto json, avro::AvroSchemaJsonOf(*schema, options.record));
  HANGAR_ASSIGN_OR_RETURN(auto avro_schema, avro::AvroSchema::Parse(json));
  HANGAR_ASSIGN_OR_RETURN(auto encoder, avro::Encoder::Make(schema, avro_schema));
  std::vector<std::string> datums;
  for (const auto& full : file.batches) {
    auto batch = column < 0 ? full : arrow::MakeRecordBatch(schema, full->num_rows, {full->column(column)});
    for (int64_t row = 0; row < batch->num_rows; ++row) {
      datums.emplace_back();
      HANGAR_RETURN_NOT_OK(encoder->EncodeRow(*batch, row, &datums.back()));
    }
  }
  return avro::WriteContainerFile(json, datums);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if ((arg == "-o" || arg == "--out") && has_value) {
      options.out = argv[++i];
    } else if (arg == "--column" && has_value) {
      const std::string value = argv[++i];
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 6) {
        std::fprintf(stderr, "hangar-avro-encode: --column takes a column number, not '%s'\n", value.c_str());
        return 2;
      }
      options.column = std::stoi(value);
    } else if (arg == "--name" && has_value) {
      options.record = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!arg.starts_with("-") && options.in.empty()) {
      options.in = arg;
    } else {
      std::fprintf(stderr, "hangar-avro-encode: unexpected argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (options.in.empty() || options.out.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto avro = Encode(options);
  if (!avro.ok()) {
    std::fprintf(stderr, "hangar-avro-encode: %s\n", avro.status().ToString().c_str());
    return 1;
  }
  std::ofstream out(options.out, std::ios::binary | std::ios::trunc);
  out.write(avro->data(), static_cast<std::streamsize>(avro->size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "hangar-avro-encode: cannot write %s\n", options.out.c_str());
    return 1;
  }
  return 0;
}
