#include <gtest/gtest.h>

#include "avro/arrow_types.h"

namespace hangar::avro {
namespace {

std::string ArrowText(const char* avro) {
  auto schema = AvroSchema::Parse(avro);
  if (!schema.ok()) return schema.status().ToString();
  auto arrow = ArrowSchemaOf(**schema);
  if (!arrow.ok()) return arrow.status().ToString();
  std::string out;
  for (const auto& f : (*arrow)->fields()) out += (out.empty() ? "" : "; ") + f->ToString();
  return out;
}

TEST(AvroArrowTypes, TheMappingOfTheDesignBrief) {
  EXPECT_EQ(
      ArrowText(R"({"type": "record", "name": "R", "fields": [
      {"name": "b", "type": "boolean"}, {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
      {"name": "f", "type": "float"}, {"name": "d", "type": "double"}, {"name": "by", "type": "bytes"},
      {"name": "s", "type": "string"}, {"name": "n", "type": ["null", "string"]}, {"name": "n2", "type": ["long", "null"]},
      {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}},
      {"name": "a", "type": {"type": "array", "items": "int"}},
      {"name": "m", "type": {"type": "map", "values": ["null", "double"]}},
      {"name": "fx", "type": {"type": "fixed", "name": "F", "size": 4}},
      {"name": "u", "type": ["int", "string", "null"]},
      {"name": "r", "type": {"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "int"}]}}]})"),
      "b: bool not null; i: int32 not null; l: int64 not null; f: float32 not null; d: float64 not null; "
      "by: binary not null; s: utf8 not null; n: utf8; n2: int64; "
      "e: dictionary<values=utf8, indices=int32> not null; a: list<item: int32 not null> not null; "
      "m: map<utf8, float64> not null; fx: fixed_size_binary[4] not null; "
      "u: dense_union<int: int32=0, string: utf8=1, null: null=2> not null; r: struct<x: int32 not null> not null");
}

TEST(AvroArrowTypes, LogicalTypes) {
  EXPECT_EQ(ArrowText(R"({"type": "record", "name": "R", "fields": [
      {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
      {"name": "wide", "type": {"type": "bytes", "logicalType": "decimal", "precision": 50, "scale": 5}},
      {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
      {"name": "day", "type": {"type": "int", "logicalType": "date"}},
      {"name": "tm", "type": {"type": "int", "logicalType": "time-millis"}},
      {"name": "tu", "type": {"type": "long", "logicalType": "time-micros"}},
      {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
      {"name": "tsu", "type": {"type": "long", "logicalType": "timestamp-micros"}},
      {"name": "lts", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
      {"name": "dur", "type": {"type": "fixed", "name": "D", "size": 12, "logicalType": "duration"}},
      {"name": "bogus", "type": {"type": "string", "logicalType": "date"}}]})"),
            "dec: decimal128(10, 2) not null; wide: decimal256(50, 5) not null; id: utf8 not null; "
            "day: date32 not null; tm: time32[ms] not null; tu: time64[us] not null; "
            "ts: timestamp[ms, tz=UTC] not null; tsu: timestamp[us, tz=UTC] not null; lts: timestamp[us] not null; "
            "dur: interval[month_day_nano] not null; bogus: utf8 not null");
}

TEST(AvroArrowTypes, RecursionAndNonRecordsAreRefused) {
  EXPECT_EQ(ArrowText(R"({"type": "record", "name": "Node", "fields": [
      {"name": "children", "type": {"type": "array", "items": "Node"}}]})"),
            "InvalidArgument: Avro type 'Node' is recursive; Arrow has no recursive types");
  EXPECT_NE(ArrowText(R"("string")").find("must be a record"), std::string::npos);
  // A named type used twice (not recursive) is fine.
  EXPECT_EQ(ArrowText(R"({"type": "record", "name": "R", "fields": [
      {"name": "a", "type": {"type": "fixed", "name": "F", "size": 2}}, {"name": "b", "type": "F"}]})"),
            "a: fixed_size_binary[2] not null; b: fixed_size_binary[2] not null");
}

}  // namespace
}  // namespace hangar::avro
