// libFuzzer target: arbitrary bytes through the Avro layer.
//
//   "Obj\x01..."  an object container file: header, schema, blocks, codecs;
//   0xFF + text   a schema: parsed, mapped to Arrow, compiled into a decoder;
//   n + bytes     records of built-in schema pair n (writer, reader): every
//                 Avro type and logical type, and an evolved pair that
//                 exercises resolution — decoded one after another; after a
//                 failure the batch is discarded and decoding goes on, as a
//                 topic read that skips bad messages does.
//
// Whatever decodes must validate fully and print. Anything but a clean
// Status is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "arrow/pretty_print.h"
#include "arrow/validate.h"
#include "avro/arrow_types.h"
#include "avro/decoder.h"
#include "avro/object_container.h"

namespace {

using namespace hangar;

void Check(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "invariant violated: %s: %s\n", what, s.ToString().c_str());
  std::abort();
}

void Exercise(const arrow::RecordBatch& batch) {
  for (const auto& c : batch.columns) Check(arrow::ValidateArray(*c, true), "decoded column validates");
  (void)arrow::PrettyPrint(batch);
}

constexpr const char* kEverything = R"({"type": "record", "name": "all", "fields": [
  {"name": "b", "type": "boolean"}, {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
  {"name": "f", "type": "float"}, {"name": "d", "type": "double"}, {"name": "s", "type": "string"},
  {"name": "y", "type": "bytes"}, {"name": "n", "type": ["null", "string"]},
  {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}},
  {"name": "x", "type": {"type": "fixed", "name": "X", "size": 3}},
  {"name": "a", "type": {"type": "array", "items": "long"}},
  {"name": "m", "type": {"type": "map", "values": ["null", "double"]}},
  {"name": "u", "type": ["int", "string", {"type": "record", "name": "R", "fields": [{"name": "q", "type": "int"}]}]},
  {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 3}},
  {"name": "fdec", "type": {"type": "fixed", "name": "FD", "size": 20, "logicalType": "decimal", "precision": 45, "scale": 2}},
  {"name": "date", "type": {"type": "int", "logicalType": "date"}},
  {"name": "tm", "type": {"type": "int", "logicalType": "time-millis"}},
  {"name": "tu", "type": {"type": "long", "logicalType": "time-micros"}},
  {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-micros"}},
  {"name": "lts", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
  {"name": "uuid", "type": {"type": "string", "logicalType": "uuid"}},
  {"name": "dur", "type": {"type": "fixed", "name": "D", "size": 12, "logicalType": "duration"}},
  {"name": "nested", "type": {"type": "array", "items": {"type": "map", "values": "E"}}}]})";

constexpr const char* kOld = R"({"type": "record", "name": "p", "fields": [
  {"name": "id", "type": "int"}, {"name": "name", "type": "string"}, {"name": "gone", "type": "double"},
  {"name": "kind", "type": {"type": "enum", "name": "K", "symbols": ["X", "Y", "Z"]}},
  {"name": "v", "type": ["null", "int", "string"]}]})";
constexpr const char* kNew = R"({"type": "record", "name": "p", "fields": [
  {"name": "id", "type": "double"}, {"name": "name", "type": "bytes"},
  {"name": "kind", "type": {"type": "enum", "name": "K", "symbols": ["X", "Y"], "default": "X"}},
  {"name": "v", "type": ["null", "long", "string"]},
  {"name": "added", "type": {"type": "array", "items": "int"}, "default": [1, 2]}]})";

struct Pair {
  std::shared_ptr<const avro::AvroSchema> writer, reader;
};

const std::vector<Pair>& Pairs() {
  static const std::vector<Pair> pairs = [] {
    auto parse = [](const char* json) {
      auto s = avro::AvroSchema::Parse(json);
      Check(s.status(), "built-in schema parses");
      return *s;
    };
    return std::vector<Pair>{{parse(kEverything), nullptr}, {parse(kOld), parse(kNew)}, {parse(kOld), nullptr}};
  }();
  return pairs;
}

void DecodeRecords(const Pair& pair, const uint8_t* data, size_t size) {
  auto decoder = avro::Decoder::Make(pair.writer, pair.reader);
  Check(decoder.status(), "built-in decoder compiles");
  const uint8_t* pos = data;
  const uint8_t* end = data + size;
  int records = 0, failures = 0;
  while (pos < end && records++ < 1000) {
    const uint8_t* before = pos;
    if (!(*decoder)->Append(&pos, end).ok()) {
      Check((*decoder)->Discard(), "discard after a bad record");
      if (++failures == 4) break;
      pos = before + 1;  // resynchronise one byte on
    }
  }
  auto batch = (*decoder)->Flush();
  Check(batch.status(), "flush after good records");
  Exercise(**batch);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.starts_with(std::string_view("Obj\x01", 4))) {
    auto file = avro::ReadContainerFile(bytes);
    if (file.ok())
      for (const auto& b : file->batches) Exercise(*b);
    return 0;
  }
  if (data[0] == 0xFF) {
    auto schema = avro::AvroSchema::Parse(bytes.substr(1));
    if (!schema.ok()) return 0;
    (void)(*schema)->CanonicalForm();
    if (!avro::ArrowSchemaOf(**schema).ok()) return 0;
    auto decoder = avro::Decoder::Make(*schema);
    if (!decoder.ok()) return 0;
    auto batch = (*decoder)->Flush();
    Check(batch.status(), "an empty batch of a valid schema");
    return 0;
  }
  const auto& pairs = Pairs();
  DecodeRecords(pairs[data[0] % pairs.size()], data + 1, size - 1);
  return 0;
}
