// Integration JSON: value codecs, JSON -> arrays (checked buffer by buffer),
// arrays -> JSON (checked against the exact JSON expected), and the errors
// malformed files produce.

#include "arrow/json/integration_json.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "arrow/json/value_codec.h"

namespace hangar::arrow::json {
namespace {

using nlohmann::ordered_json;

// --- helpers -------------------------------------------------------------------

template <typename T>
T ValueAt(const Array& a, int64_t i, int buffer = 1) {
  T v;
  std::memcpy(&v, a.buffers[buffer]->data() + (a.offset + i) * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

std::string Bytes(const BufferPtr& b) { return b ? std::string(b->view()) : std::string("<null>"); }

// A file with one schema field and one batch holding `column`.
std::string OneColumn(const std::string& field, const std::string& column, int64_t count,
                      const std::string& dictionaries = "") {
  std::string out = R"({"schema": {"fields": [)" + field + R"(]}, "batches": [{"count": )" + std::to_string(count) +
                    R"(, "columns": [)" + column + "]}]";
  if (!dictionaries.empty()) out += R"(, "dictionaries": )" + dictionaries;
  return out + "}";
}

ArrayPtr ParseOne(const std::string& text) {
  auto file = ParseJson(text);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return nullptr;
  EXPECT_EQ(file->batches.size(), 1u);
  return file->batches.at(0)->column(0);
}

// Parses `text`, writes it back and expects the very same JSON tree: for
// input in the canonical form, JSON -> arrays -> JSON is the identity.
void ExpectRoundTrip(const std::string& text) {
  auto file = ParseJson(text);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto written = WriteJson(file->schema, file->batches);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(ordered_json::parse(*written), ordered_json::parse(text)) << "written: " << *written;
}

std::string ErrorOf(const std::string& text) {
  auto file = ParseJson(text);
  EXPECT_FALSE(file.ok()) << "expected an error for " << text;
  return file.ok() ? "" : file.status().message();
}

constexpr char kInt32Field[] =
    R"({"name": "f", "nullable": true, "type": {"name": "int", "bitWidth": 32, "isSigned": true}, "children": []})";

// --- codecs ----------------------------------------------------------------------

TEST(ValueCodecTest, HexRoundTripsAndRejectsJunk) {
  EXPECT_EQ(HexEncode(std::string_view("\x00\xAB\x7f", 3)), "00AB7F");
  uint8_t out[3];
  ASSERT_TRUE(HexDecode("00ab7F", out).ok());
  EXPECT_EQ(out[1], 0xAB);
  EXPECT_FALSE(HexDecode("0", out).ok());
  EXPECT_FALSE(HexDecode("0G", out).ok());
}

TEST(ValueCodecTest, DecimalStringsRoundTripAtEveryWidth) {
  for (int width : {4, 8, 16, 32}) {
    uint8_t bytes[32];
    for (const char* text : {"0", "1", "-1", "123456789", "-987654321"}) {
      ASSERT_TRUE(DecimalFromString(text, width, bytes).ok()) << text;
      EXPECT_EQ(DecimalToString(bytes, width), text) << "width " << width;
    }
  }
  uint8_t b[32];
  // Extremes of decimal128 and decimal256.
  const std::string max128 = "170141183460469231731687303715884105727";
  const std::string min128 = "-170141183460469231731687303715884105728";
  ASSERT_TRUE(DecimalFromString(max128, 16, b).ok());
  EXPECT_EQ(DecimalToString(b, 16), max128);
  ASSERT_TRUE(DecimalFromString(min128, 16, b).ok());
  EXPECT_EQ(b[15], 0x80);
  EXPECT_EQ(DecimalToString(b, 16), min128);
  EXPECT_FALSE(DecimalFromString("170141183460469231731687303715884105728", 16, b).ok());
  const std::string min256 = "-57896044618658097711785492504343953926634992332820282019728792003956564819968";
  ASSERT_TRUE(DecimalFromString(min256, 32, b).ok());
  EXPECT_EQ(DecimalToString(b, 32), min256);
  // -1 is all ones in two's complement.
  ASSERT_TRUE(DecimalFromString("-1", 16, b).ok());
  for (int i = 0; i < 16; ++i) EXPECT_EQ(b[i], 0xFF);
  // Digits spanning a 10^9 chunk boundary keep their inner zeros.
  ASSERT_TRUE(DecimalFromString("1000000000000000001", 16, b).ok());
  EXPECT_EQ(DecimalToString(b, 16), "1000000000000000001");
  EXPECT_FALSE(DecimalFromString("12a", 16, b).ok());
  EXPECT_FALSE(DecimalFromString("", 16, b).ok());
  EXPECT_FALSE(DecimalFromString("-", 16, b).ok());
  EXPECT_FALSE(DecimalFromString("2147483648", 4, b).ok());
  EXPECT_TRUE(DecimalFromString("-2147483648", 4, b).ok());
}

TEST(ValueCodecTest, HalfFloatConversions) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);                      // ties to even: overflows to infinity
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);         // smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -26)), 0x0000);         // below half of it: zero
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie rounds to even
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(std::nanf("")))));
  for (uint32_t h = 0; h < 0x7C00; ++h) {  // every finite positive half survives the trip
    ASSERT_EQ(FloatToHalf(HalfToFloat(static_cast<uint16_t>(h))), h);
  }
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);
}

TEST(ValueCodecTest, FloatsPrintShort) {
  EXPECT_EQ(ordered_json(FloatForPrinting(0.1f)).dump(), "0.1");
  EXPECT_EQ(ordered_json(FloatForPrinting(-522.037f)).dump(), "-522.037");
  EXPECT_EQ(static_cast<float>(FloatForPrinting(3.4028235e38f)), 3.4028235e38f);
}

TEST(ValueCodecTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain \xC2\xB5 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

// --- JSON -> arrays -----------------------------------------------------------------

TEST(IntegrationJsonReadTest, PrimitiveBuffersComeFromTheJson) {
  auto a = ParseOne(OneColumn(
      kInt32Field, R"({"name": "f", "count": 4, "VALIDITY": [1, 0, 1, 1], "DATA": [7, 99, -3, 2147483647]})", 4));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type->id(), TypeId::kInt32);
  EXPECT_EQ(a->length, 4);
  EXPECT_EQ(a->null_count(), 1);
  ASSERT_NE(a->buffers[0], nullptr);
  EXPECT_EQ(a->buffers[0]->data()[0], 0b1101);
  EXPECT_EQ(ValueAt<int32_t>(*a, 0), 7);
  EXPECT_EQ(ValueAt<int32_t>(*a, 1), 99);  // the value under the null is kept
  EXPECT_EQ(ValueAt<int32_t>(*a, 3), 2147483647);
}

TEST(IntegrationJsonReadTest, AllValidColumnHasNoBitmap) {
  auto a = ParseOne(OneColumn(kInt32Field, R"({"name": "f", "count": 2, "VALIDITY": [1, 1], "DATA": [1, 2]})", 2));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->buffers[0], nullptr);
  EXPECT_EQ(a->null_count(), 0);
}

TEST(IntegrationJsonReadTest, SixtyFourBitIntegersAreStrings) {
  const char* field =
      R"({"name": "f", "nullable": false, "type": {"name": "int", "bitWidth": 64, "isSigned": false}, "children": []})";
  auto a = ParseOne(
      OneColumn(field, R"({"name": "f", "count": 2, "VALIDITY": [1, 1], "DATA": ["18446744073709551615", "0"]})", 2));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(ValueAt<uint64_t>(*a, 0), std::numeric_limits<uint64_t>::max());
  const char* ts =
      R"({"name": "f", "nullable": true, "type": {"name": "timestamp", "unit": "NANOSECOND", "timezone": "UTC"}, "children": []})";
  auto t =
      ParseOne(OneColumn(ts, R"({"name": "f", "count": 1, "VALIDITY": [1], "DATA": ["-9223372036854775808"]})", 1));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type->ToString(), "timestamp[ns, tz=UTC]");
  EXPECT_EQ(ValueAt<int64_t>(*t, 0), std::numeric_limits<int64_t>::min());
}

TEST(IntegrationJsonReadTest, BinaryAndUtf8UseOffsetsAndData) {
  const char* field = R"({"name": "f", "nullable": true, "type": {"name": "binary"}, "children": []})";
  auto a = ParseOne(OneColumn(
      field,
      R"({"name": "f", "count": 3, "VALIDITY": [1, 0, 1], "OFFSET": [0, 2, 2, 5], "DATA": ["ABCD", "", "0102FF"]})",
      3));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(ValueAt<int32_t>(*a, 3), 5);
  EXPECT_EQ(Bytes(a->buffers[2]), std::string("\xAB\xCD\x01\x02\xFF", 5));
  EXPECT_EQ(a->GetBinary(2), std::string_view("\x01\x02\xFF", 3));

  const char* large = R"({"name": "f", "nullable": true, "type": {"name": "largeutf8"}, "children": []})";
  auto s = ParseOne(OneColumn(
      large,
      R"({"name": "f", "count": 2, "VALIDITY": [1, 1], "OFFSET": ["0", "2", "6"], "DATA": ["\u00b5", "a\u20ac"]})", 2));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->GetBinary(0), "\xC2\xB5");
  EXPECT_EQ(s->GetBinary(1), "a\xE2\x82\xAC");
}

TEST(IntegrationJsonReadTest, DecimalsIntervalsAndFixedSizeBinary) {
  const char* dec =
      R"({"name": "f", "nullable": true, "type": {"name": "decimal", "precision": 38, "scale": 2, "bitWidth": 256}, "children": []})";
  auto d = ParseOne(OneColumn(dec, R"({"name": "f", "count": 2, "VALIDITY": [1, 1], "DATA": ["-2", "12345"]})", 2));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->type->id(), TypeId::kDecimal256);
  EXPECT_EQ(DecimalToString(d->buffers[1]->data(), 32), "-2");
  EXPECT_EQ(DecimalToString(d->buffers[1]->data() + 32, 32), "12345");

  const char* mdn =
      R"({"name": "f", "nullable": true, "type": {"name": "interval", "unit": "MONTH_DAY_NANO"}, "children": []})";
  auto m = ParseOne(OneColumn(
      mdn,
      R"({"name": "f", "count": 2, "VALIDITY": [1, 0], "DATA": [{"months": -1, "days": 2, "nanoseconds": 8820212087008106548}, {}]})",
      2));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(ValueAt<int32_t>(*m, 0), -1);
  EXPECT_EQ(ValueAt<int32_t>(*m, 1), 2);
  EXPECT_EQ(ValueAt<int64_t>(*m, 1), 8820212087008106548);  // bytes 8..15 of row 0
  EXPECT_EQ(ValueAt<int64_t>(*m, 3), 0);                    // the {} null slot is zero

  const char* fsb =
      R"({"name": "f", "nullable": true, "type": {"name": "fixedsizebinary", "byteWidth": 2}, "children": []})";
  auto f = ParseOne(OneColumn(fsb, R"({"name": "f", "count": 2, "VALIDITY": [1, 1], "DATA": ["0A0B", "FFFF"]})", 2));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(Bytes(f->buffers[1]), "\x0A\x0B\xFF\xFF");
}

TEST(IntegrationJsonReadTest, NestedTypesBuildChildren) {
  const char* list = R"({"name": "l", "nullable": true, "type": {"name": "list"}, "children": [
      {"name": "item", "nullable": true, "type": {"name": "int", "bitWidth": 8, "isSigned": true}, "children": []}]})";
  auto l = ParseOne(OneColumn(list, R"({"name": "l", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 1, 3], "children": [
      {"name": "item", "count": 3, "VALIDITY": [1, 1, 0], "DATA": [5, 6, 0]}]})",
                              2));
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->children.size(), 1u);
  EXPECT_EQ(l->children[0]->length, 3);
  EXPECT_EQ(l->children[0]->null_count(), 1);
  EXPECT_EQ(ValueAt<int32_t>(*l, 2), 3);

  const char* sparse =
      R"({"name": "u", "nullable": true, "type": {"name": "union", "mode": "SPARSE", "typeIds": [5, 7]}, "children": [
      {"name": "a", "nullable": true, "type": {"name": "bool"}, "children": []},
      {"name": "b", "nullable": true, "type": {"name": "null"}, "children": []}]})";
  // A pre-1.0 VALIDITY member on a union is accepted and ignored.
  auto u = ParseOne(OneColumn(sparse, R"({"name": "u", "count": 2, "VALIDITY": [1, 0], "TYPE_ID": [7, 5], "children": [
      {"name": "a", "count": 2, "VALIDITY": [1, 1], "DATA": [true, false]}, {"name": "b", "count": 2}]})",
                              2));
  ASSERT_NE(u, nullptr);
  ASSERT_EQ(u->buffers.size(), 1u);
  EXPECT_EQ(Bytes(u->buffers[0]), "\x07\x05");
  EXPECT_EQ(u->children[1]->type->id(), TypeId::kNull);

  const char* ree = R"({"name": "r", "nullable": true, "type": {"name": "runendencoded"}, "children": [
      {"name": "run_ends", "nullable": false, "type": {"name": "int", "bitWidth": 16, "isSigned": true}, "children": []},
      {"name": "values", "nullable": true, "type": {"name": "utf8"}, "children": []}]})";
  auto r = ParseOne(OneColumn(ree, R"({"name": "r", "count": 5, "children": [
      {"name": "run_ends", "count": 2, "VALIDITY": [1, 1], "DATA": [3, 5]},
      {"name": "values", "count": 2, "VALIDITY": [1, 0], "OFFSET": [0, 1, 1], "DATA": ["x", ""]}]})",
                              5));
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->buffers.empty());
  EXPECT_EQ(r->children[0]->length, 2);
  EXPECT_EQ(r->type->child(0)->name(), "run_ends");
  EXPECT_FALSE(r->type->child(0)->nullable());
}

TEST(IntegrationJsonReadTest, ViewsInlineAndReferenced) {
  const char* field = R"({"name": "v", "nullable": true, "type": {"name": "utf8view"}, "children": []})";
  auto v = ParseOne(OneColumn(field, R"({"name": "v", "count": 3, "VALIDITY": [1, 0, 1], "VIEWS": [
      {"SIZE": 3, "INLINED": "abc"}, {"SIZE": 0, "INLINED": ""},
      {"SIZE": 14, "PREFIX_HEX": "6C6F6E67", "BUFFER_INDEX": 0, "OFFSET": 2}],
      "VARIADIC_DATA_BUFFERS": ["78786C6F6E672076616C756520686572"]})",
                              3));
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(v->buffers.size(), 3u);
  EXPECT_EQ(ValueAt<int32_t>(*v, 0), 3);
  EXPECT_EQ(std::memcmp(v->buffers[1]->data() + 4, "abc", 3), 0);
  const uint8_t* ref = v->buffers[1]->data() + 32;
  int32_t size, index, offset;
  std::memcpy(&size, ref, 4);
  std::memcpy(&index, ref + 8, 4);
  std::memcpy(&offset, ref + 12, 4);
  EXPECT_EQ(size, 14);
  EXPECT_EQ(std::memcmp(ref + 4, "long", 4), 0);
  EXPECT_EQ(index, 0);
  EXPECT_EQ(offset, 2);
  EXPECT_EQ(Bytes(v->buffers[2]), "xxlong value her");
}

TEST(IntegrationJsonReadTest, DictionariesAreSharedByIdAcrossFieldsAndBatches) {
  const char* text = R"({"schema": {"fields": [
      {"name": "a", "nullable": true, "type": {"name": "utf8"}, "children": [],
       "dictionary": {"id": 4, "indexType": {"name": "int", "bitWidth": 16, "isSigned": true}, "isOrdered": false}},
      {"name": "b", "nullable": true, "type": {"name": "utf8"}, "children": [],
       "dictionary": {"id": 4, "indexType": {"name": "int", "bitWidth": 8, "isSigned": false}, "isOrdered": true}}]},
    "batches": [
      {"count": 2, "columns": [{"name": "a", "count": 2, "VALIDITY": [1, 0], "DATA": [2, 0]},
                               {"name": "b", "count": 2, "VALIDITY": [1, 1], "DATA": [0, 1]}]},
      {"count": 1, "columns": [{"name": "a", "count": 1, "VALIDITY": [1], "DATA": [1]},
                               {"name": "b", "count": 1, "VALIDITY": [1], "DATA": [2]}]}],
    "dictionaries": [{"id": 4, "data": {"count": 3, "columns": [
      {"name": "DICT4", "count": 3, "VALIDITY": [1, 1, 1], "OFFSET": [0, 3, 6, 9], "DATA": ["foo", "bar", "baz"]}]}}]})";
  auto file = ParseJson(text);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const auto& a0 = *file->batches[0]->column(0);
  EXPECT_EQ(a0.type->ToString(), "dictionary<values=utf8, indices=int16>");
  EXPECT_EQ(file->batches[0]->column(1)->type->ToString(), "dictionary<values=utf8, indices=uint8, ordered>");
  ASSERT_NE(a0.dictionary, nullptr);
  EXPECT_EQ(a0.dictionary->GetBinary(2), "baz");
  EXPECT_EQ(ValueAt<int16_t>(a0, 0), 2);
  EXPECT_EQ(a0.dictionary, file->batches[0]->column(1)->dictionary);
  EXPECT_EQ(a0.dictionary, file->batches[1]->column(0)->dictionary);

  // Written back, both fields keep one shared id and one dictionary.
  auto written = WriteJson(file->schema, file->batches);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto j = ordered_json::parse(*written);
  EXPECT_EQ(j["schema"]["fields"][0]["dictionary"]["id"], j["schema"]["fields"][1]["dictionary"]["id"]);
  ASSERT_EQ(j["dictionaries"].size(), 1u);
  EXPECT_EQ(j["dictionaries"][0]["data"]["columns"][0]["DATA"], ordered_json::parse(R"(["foo", "bar", "baz"])"));
}

TEST(IntegrationJsonReadTest, NestedDictionaryInsideDictionaryValues) {
  const char* text = R"({"schema": {"fields": [
      {"name": "ld", "nullable": true, "type": {"name": "list"}, "children": [
         {"name": "s", "nullable": true, "type": {"name": "utf8"}, "children": [],
          "dictionary": {"id": 0, "indexType": {"name": "int", "bitWidth": 8, "isSigned": true}, "isOrdered": false}}],
       "dictionary": {"id": 1, "indexType": {"name": "int", "bitWidth": 8, "isSigned": true}, "isOrdered": false}}]},
    "batches": [{"count": 2, "columns": [{"name": "ld", "count": 2, "VALIDITY": [1, 1], "DATA": [1, 0]}]}],
    "dictionaries": [
      {"id": 0, "data": {"count": 2, "columns": [{"name": "DICT0", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 1, 2], "DATA": ["x", "y"]}]}},
      {"id": 1, "data": {"count": 2, "columns": [{"name": "DICT1", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 1, 3],
        "children": [{"name": "s", "count": 3, "VALIDITY": [1, 1, 1], "DATA": [1, 0, 1]}]}]}}]})";
  auto file = ParseJson(text);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const auto& col = *file->batches[0]->column(0);
  ASSERT_NE(col.dictionary, nullptr);
  const auto& outer = *col.dictionary;
  EXPECT_EQ(outer.type->id(), TypeId::kList);
  const auto& inner = *outer.children[0];
  EXPECT_EQ(inner.type->id(), TypeId::kDictionary);
  ASSERT_NE(inner.dictionary, nullptr);
  EXPECT_EQ(inner.dictionary->GetBinary(1), "y");
  ExpectRoundTrip(text);
}

// --- arrays -> JSON ------------------------------------------------------------------

TEST(IntegrationJsonWriteTest, CanonicalJsonRoundTripsExactly) {
  ExpectRoundTrip(R"({"schema": {"fields": [
      {"name": "i", "nullable": true, "type": {"name": "int", "bitWidth": 64, "isSigned": true}, "children": [],
       "metadata": [{"key": "k", "value": "v"}, {"key": "k", "value": "dup"}]},
      {"name": "f", "nullable": false, "type": {"name": "floatingpoint", "precision": "SINGLE"}, "children": []},
      {"name": "h", "nullable": true, "type": {"name": "floatingpoint", "precision": "HALF"}, "children": []},
      {"name": "s", "nullable": true, "type": {"name": "utf8"}, "children": []},
      {"name": "d", "nullable": true, "type": {"name": "decimal", "precision": 9, "scale": 3, "bitWidth": 32}, "children": []},
      {"name": "dt", "nullable": true, "type": {"name": "interval", "unit": "DAY_TIME"}, "children": []},
      {"name": "m", "nullable": true, "type": {"name": "map", "keysSorted": false}, "children": [
        {"name": "entries", "nullable": false, "type": {"name": "struct"}, "children": [
          {"name": "key", "nullable": false, "type": {"name": "utf8"}, "children": []},
          {"name": "value", "nullable": true, "type": {"name": "bool"}, "children": []}]}]},
      {"name": "du", "nullable": true, "type": {"name": "union", "mode": "DENSE", "typeIds": [10, 20]}, "children": [
        {"name": "x", "nullable": true, "type": {"name": "int", "bitWidth": 16, "isSigned": false}, "children": []},
        {"name": "y", "nullable": true, "type": {"name": "null"}, "children": []}]},
      {"name": "lv", "nullable": true, "type": {"name": "largelistview"}, "children": [
        {"name": "item", "nullable": true, "type": {"name": "date", "unit": "DAY"}, "children": []}]},
      {"name": "bv", "nullable": true, "type": {"name": "binaryview"}, "children": []},
      {"name": "fl", "nullable": true, "type": {"name": "fixedsizelist", "listSize": 2}, "children": [
        {"name": "item", "nullable": true, "type": {"name": "time", "unit": "NANOSECOND", "bitWidth": 64}, "children": []}]}],
      "metadata": [{"key": "schema", "value": "md"}]},
    "batches": [{"count": 2, "columns": [
      {"name": "i", "count": 2, "VALIDITY": [1, 0], "DATA": ["-9223372036854775808", "0"]},
      {"name": "f", "count": 2, "VALIDITY": [1, 1], "DATA": [-522.037, "NaN"]},
      {"name": "h", "count": 2, "VALIDITY": [1, 1], "DATA": [0.5, "-Infinity"]},
      {"name": "s", "count": 2, "VALIDITY": [1, 0], "OFFSET": [0, 3, 3], "DATA": ["a\u00b5", ""]},
      {"name": "d", "count": 2, "VALIDITY": [1, 1], "DATA": ["-999999999", "0"]},
      {"name": "dt", "count": 2, "VALIDITY": [1, 1], "DATA": [{"days": 1, "milliseconds": -2}, {"days": 0, "milliseconds": 0}]},
      {"name": "m", "count": 2, "VALIDITY": [1, 0], "OFFSET": [0, 2, 2], "children": [
        {"name": "entries", "count": 2, "VALIDITY": [1, 1], "children": [
          {"name": "key", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 1, 2], "DATA": ["a", "b"]},
          {"name": "value", "count": 2, "VALIDITY": [0, 1], "DATA": [false, true]}]}]},
      {"name": "du", "count": 2, "TYPE_ID": [20, 10], "OFFSET": [0, 0], "children": [
        {"name": "x", "count": 1, "VALIDITY": [1], "DATA": [65535]},
        {"name": "y", "count": 1}]},
      {"name": "lv", "count": 2, "VALIDITY": [1, 1], "OFFSET": ["1", "0"], "SIZE": ["2", "1"], "children": [
        {"name": "item", "count": 3, "VALIDITY": [1, 1, 1], "DATA": [-1, 0, 1]}]},
      {"name": "bv", "count": 2, "VALIDITY": [1, 1], "VIEWS": [
        {"SIZE": 1, "INLINED": "FF"}, {"SIZE": 13, "PREFIX_HEX": "00010203", "BUFFER_INDEX": 0, "OFFSET": 0}],
        "VARIADIC_DATA_BUFFERS": ["000102030405060708090A0B0C"]},
      {"name": "fl", "count": 2, "VALIDITY": [0, 1], "children": [
        {"name": "item", "count": 4, "VALIDITY": [1, 1, 1, 0], "DATA": ["1", "2", "3", "0"]}]}]}]})");
}

TEST(IntegrationJsonWriteTest, NoBatchesAndEmptyColumns) {
  ExpectRoundTrip(
      R"({"schema": {"fields": [{"name": "n", "nullable": true, "type": {"name": "null"}, "children": []}]}, "batches": []})");
  ExpectRoundTrip(R"({"schema": {"fields": [{"name": "s", "nullable": true, "type": {"name": "utf8"}, "children": []}]},
      "batches": [{"count": 0, "columns": [{"name": "s", "count": 0, "VALIDITY": [], "OFFSET": [0], "DATA": []}]}]})");
}

TEST(IntegrationJsonWriteTest, SlicedArraysWriteTheirLogicalRows) {
  // struct<a: int32> over 4 rows, sliced to rows 1..2: the child is not
  // re-sliced in memory, the writer must do it.
  auto file = ParseJson(OneColumn(
      R"({"name": "s", "nullable": true, "type": {"name": "struct"}, "children": [)" + std::string(kInt32Field) + "]}",
      R"({"name": "s", "count": 4, "VALIDITY": [1, 1, 0, 1], "children": [{"name": "f", "count": 4, "VALIDITY": [1, 1, 1, 1], "DATA": [10, 11, 12, 13]}]})",
      4));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto sliced = file->batches[0]->Slice(1, 2);
  auto written = WriteJson(file->schema, {sliced});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto col = ordered_json::parse(*written)["batches"][0]["columns"][0];
  EXPECT_EQ(col["count"], 2);
  EXPECT_EQ(col["VALIDITY"], ordered_json::parse("[1, 0]"));
  EXPECT_EQ(col["children"][0]["DATA"], ordered_json::parse("[11, 12]"));

  // Run-end encoded [x x x y y] sliced to rows 2..4: runs become [1, 3].
  auto ree = ParseJson(OneColumn(
      R"({"name": "r", "nullable": true, "type": {"name": "runendencoded"}, "children": [
        {"name": "run_ends", "nullable": false, "type": {"name": "int", "bitWidth": 32, "isSigned": true}, "children": []},
        {"name": "values", "nullable": true, "type": {"name": "utf8"}, "children": []}]})",
      R"({"name": "r", "count": 5, "children": [
        {"name": "run_ends", "count": 2, "VALIDITY": [1, 1], "DATA": [3, 5]},
        {"name": "values", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 1, 2], "DATA": ["x", "y"]}]})",
      5));
  ASSERT_TRUE(ree.ok()) << ree.status().ToString();
  auto rw = WriteJson(ree->schema, {ree->batches[0]->Slice(2, 3)});
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  auto rc = ordered_json::parse(*rw)["batches"][0]["columns"][0];
  EXPECT_EQ(rc["children"][0]["DATA"], ordered_json::parse("[1, 3]"));
  EXPECT_EQ(rc["children"][1]["DATA"], ordered_json::parse(R"(["x", "y"])"));
  auto rw2 = WriteJson(ree->schema, {ree->batches[0]->Slice(3, 2)});
  ASSERT_TRUE(rw2.ok());
  auto rc2 = ordered_json::parse(*rw2)["batches"][0]["columns"][0];
  EXPECT_EQ(rc2["children"][0]["DATA"], ordered_json::parse("[2]"));
  EXPECT_EQ(rc2["children"][1]["DATA"], ordered_json::parse(R"(["y"])"));
}

TEST(IntegrationJsonWriteTest, ReplacedDictionaryIsRejected) {
  auto values1 =
      MakeArray(utf8(), 1, {nullptr, Buffer::CopyOf(std::string("\0\0\0\0\1\0\0\0", 8)), Buffer::CopyOf("a")});
  auto values2 =
      MakeArray(utf8(), 1, {nullptr, Buffer::CopyOf(std::string("\0\0\0\0\1\0\0\0", 8)), Buffer::CopyOf("b")});
  auto type = dictionary(int8(), utf8());
  auto s = schema({field("d", type)});
  auto indices = Buffer::CopyOf(std::string("\0", 1));
  auto b1 = MakeRecordBatch(s, 1, {MakeArray(type, 1, {nullptr, indices}, {}, 0, 0, values1)});
  auto b2 = MakeRecordBatch(s, 1, {MakeArray(type, 1, {nullptr, indices}, {}, 0, 0, values2)});
  auto written = WriteJson(s, {b1, b2});
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("'d'"), std::string::npos) << written.status().message();
  // The same dictionary in both batches is fine.
  auto b3 = MakeRecordBatch(s, 1, {MakeArray(type, 1, {nullptr, indices}, {}, 0, 0, values1)});
  EXPECT_TRUE(WriteJson(s, {b1, b3}).ok());
}

TEST(IntegrationJsonWriteTest, InvalidUtf8IsAnErrorUnlessUnderANull) {
  auto offsets = Buffer::CopyOf(std::string("\0\0\0\0\1\0\0\0", 8));
  auto bad = MakeArray(utf8(), 1, {nullptr, offsets, Buffer::CopyOf("\xFF")});
  auto s = schema({field("u", utf8())});
  auto written = WriteJson(s, {MakeRecordBatch(s, 1, {bad})});
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("column 'u' row 0"), std::string::npos) << written.status().message();
  auto null_bits = Buffer::CopyOf(std::string("\0", 1));
  auto under_null = MakeArray(utf8(), 1, {null_bits, offsets, Buffer::CopyOf("\xFF")});
  auto ok = WriteJson(s, {MakeRecordBatch(s, 1, {under_null})});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_NE(ok->find(R"("DATA":["?"])"), std::string::npos) << *ok;
}

// --- malformed input ---------------------------------------------------------------

TEST(IntegrationJsonErrorTest, MessagesNameTheBatchColumnAndRow) {
  EXPECT_NE(ErrorOf("{\"schema\": ").find("does not parse"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"batches": []})").find("\"schema\""), std::string::npos);
  EXPECT_NE(ErrorOf(OneColumn(R"({"name": "f", "type": {"name": "wat"}})", "{}", 0)).find("unknown type name \"wat\""),
            std::string::npos);
  // count vs VALIDITY
  std::string e = ErrorOf(OneColumn(kInt32Field, R"({"name": "f", "count": 2, "VALIDITY": [1], "DATA": [1, 2]})", 2));
  EXPECT_NE(e.find("batch 0 column 'f'"), std::string::npos) << e;
  EXPECT_NE(e.find("VALIDITY"), std::string::npos) << e;
  // value out of range names the row
  e = ErrorOf(OneColumn(kInt32Field, R"({"name": "f", "count": 2, "VALIDITY": [1, 1], "DATA": [1, 4294967296]})", 2));
  EXPECT_NE(e.find("batch 0 column 'f': DATA[1]"), std::string::npos) << e;
  // column name mismatch
  e = ErrorOf(OneColumn(kInt32Field, R"({"name": "g", "count": 0, "VALIDITY": [], "DATA": []})", 0));
  EXPECT_NE(e.find("named \"g\""), std::string::npos) << e;
  // batch count mismatch
  e = ErrorOf(OneColumn(kInt32Field, R"({"name": "f", "count": 1, "VALIDITY": [1], "DATA": [1]})", 2));
  EXPECT_NE(e.find("batch count is 2"), std::string::npos) << e;
}

TEST(IntegrationJsonErrorTest, StructuralProblemsAreCaught) {
  const char* bin = R"({"name": "b", "nullable": true, "type": {"name": "binary"}, "children": []})";
  std::string e = ErrorOf(
      OneColumn(bin, R"({"name": "b", "count": 2, "VALIDITY": [1, 1], "OFFSET": [0, 2, 1], "DATA": ["AABB", ""]})", 2));
  EXPECT_NE(e.find("OFFSET[2]"), std::string::npos) << e;
  e = ErrorOf(OneColumn(bin, R"({"name": "b", "count": 1, "VALIDITY": [1], "OFFSET": [0, 2], "DATA": ["AA"]})", 1));
  EXPECT_NE(e.find("DATA[0]"), std::string::npos) << e;
  e = ErrorOf(OneColumn(bin, R"({"name": "b", "count": 1, "VALIDITY": [1], "OFFSET": [0, 1], "DATA": ["ZZ"]})", 1));
  EXPECT_NE(e.find("hex"), std::string::npos) << e;

  const char* list = R"({"name": "l", "nullable": true, "type": {"name": "list"}, "children": [)"
                     "\n"
                     R"({"name": "item", "nullable": true, "type": {"name": "bool"}, "children": []}]})";
  e = ErrorOf(OneColumn(list, R"({"name": "l", "count": 1, "VALIDITY": [1], "OFFSET": [0, 3], "children": [
      {"name": "item", "count": 2, "VALIDITY": [1, 1], "DATA": [true, true]}]})",
                        1));
  EXPECT_NE(e.find("beyond the length of child 'item'"), std::string::npos) << e;
  e = ErrorOf(OneColumn(list, R"({"name": "l", "count": 1, "VALIDITY": [1], "OFFSET": [0, 0]})", 1));
  EXPECT_NE(e.find("children"), std::string::npos) << e;

  const char* uni =
      R"({"name": "u", "nullable": true, "type": {"name": "union", "mode": "DENSE", "typeIds": [3]}, "children": [)"
      R"({"name": "x", "nullable": true, "type": {"name": "bool"}, "children": []}]})";
  e = ErrorOf(OneColumn(uni, R"({"name": "u", "count": 1, "TYPE_ID": [4], "OFFSET": [0], "children": [
      {"name": "x", "count": 1, "VALIDITY": [1], "DATA": [true]}]})",
                        1));
  EXPECT_NE(e.find("TYPE_ID[0]"), std::string::npos) << e;
  e = ErrorOf(OneColumn(uni, R"({"name": "u", "count": 1, "TYPE_ID": [3], "OFFSET": [1], "children": [
      {"name": "x", "count": 1, "VALIDITY": [1], "DATA": [true]}]})",
                        1));
  EXPECT_NE(e.find("OFFSET[0]"), std::string::npos) << e;

  const char* view = R"({"name": "v", "nullable": true, "type": {"name": "binaryview"}, "children": []})";
  e = ErrorOf(OneColumn(view, R"({"name": "v", "count": 1, "VALIDITY": [1], "VIEWS": [
      {"SIZE": 20, "PREFIX_HEX": "00000000", "BUFFER_INDEX": 0, "OFFSET": 0}], "VARIADIC_DATA_BUFFERS": ["0000"]})",
                        1));
  EXPECT_NE(e.find("VIEWS[0]"), std::string::npos) << e;
  e = ErrorOf(OneColumn(view, R"({"name": "v", "count": 1, "VALIDITY": [1], "VIEWS": [
      {"SIZE": 20, "PREFIX_HEX": "00000000", "BUFFER_INDEX": 1, "OFFSET": 0}], "VARIADIC_DATA_BUFFERS": []})",
                        1));
  EXPECT_NE(e.find("BUFFER_INDEX 1"), std::string::npos) << e;

  const char* ree = R"({"name": "r", "nullable": true, "type": {"name": "runendencoded"}, "children": [
      {"name": "run_ends", "nullable": false, "type": {"name": "int", "bitWidth": 32, "isSigned": true}, "children": []},
      {"name": "values", "nullable": true, "type": {"name": "bool"}, "children": []}]})";
  e = ErrorOf(OneColumn(ree, R"({"name": "r", "count": 4, "children": [
      {"name": "run_ends", "count": 2, "VALIDITY": [1, 1], "DATA": [2, 2]},
      {"name": "values", "count": 2, "VALIDITY": [1, 1], "DATA": [true, false]}]})",
                        4));
  EXPECT_NE(e.find("strictly increasing"), std::string::npos) << e;
  e = ErrorOf(OneColumn(ree, R"({"name": "r", "count": 4, "children": [
      {"name": "run_ends", "count": 1, "VALIDITY": [1], "DATA": [2]},
      {"name": "values", "count": 1, "VALIDITY": [1], "DATA": [true]}]})",
                        4));
  EXPECT_NE(e.find("cover 2 rows"), std::string::npos) << e;
}

TEST(IntegrationJsonErrorTest, DictionaryProblemsAreCaught) {
  const char* field = R"({"name": "d", "nullable": true, "type": {"name": "utf8"}, "children": [],
      "dictionary": {"id": 0, "indexType": {"name": "int", "bitWidth": 8, "isSigned": true}, "isOrdered": false}})";
  const char* dict =
      R"([{"id": 0, "data": {"count": 1, "columns": [{"name": "DICT0", "count": 1, "VALIDITY": [1], "OFFSET": [0, 1], "DATA": ["z"]}]}}])";
  std::string e = ErrorOf(OneColumn(field, R"({"name": "d", "count": 1, "VALIDITY": [1], "DATA": [0]})", 1));
  EXPECT_NE(e.find("not in \"dictionaries\""), std::string::npos) << e;
  e = ErrorOf(OneColumn(field, R"({"name": "d", "count": 2, "VALIDITY": [1, 1], "DATA": [0, 1]})", 2, dict));
  EXPECT_NE(e.find("batch 0 column 'd': DATA[1]"), std::string::npos) << e;
  // An index out of range under a null slot is irrelevant.
  EXPECT_TRUE(
      ParseJson(OneColumn(field, R"({"name": "d", "count": 2, "VALIDITY": [1, 0], "DATA": [0, 9]})", 2, dict)).ok());
  const char* float_index = R"({"name": "d", "nullable": true, "type": {"name": "utf8"}, "children": [],
      "dictionary": {"id": 0, "indexType": {"name": "floatingpoint", "precision": "DOUBLE"}}})";
  e = ErrorOf(OneColumn(float_index, "{}", 0));
  EXPECT_NE(e.find("indexType"), std::string::npos) << e;
}

TEST(IntegrationJsonErrorTest, DeepNestingIsRefused) {
  std::string field = kInt32Field;
  for (int i = 0; i < 100; ++i) {
    field = R"({"name": "l", "nullable": true, "type": {"name": "list"}, "children": [)" + field + "]}";
  }
  std::string e = ErrorOf(R"({"schema": {"fields": [)" + field + R"(]}, "batches": []})");
  EXPECT_NE(e.find("nested more than"), std::string::npos) << e;
}

// --- files -----------------------------------------------------------------------------

TEST(IntegrationJsonFileTest, ReadsPlainAndGzipFiles) {
  const std::string text = OneColumn(kInt32Field, R"({"name": "f", "count": 1, "VALIDITY": [1], "DATA": [42]})", 1);
  const auto dir = std::filesystem::temp_directory_path();
  const std::string plain = (dir / ("hangar_json_plain_" + std::to_string(::getpid()) + ".json")).string();
  const std::string gz = (dir / ("hangar_json_gz_" + std::to_string(::getpid()) + ".json.gz")).string();
  {
    std::ofstream(plain, std::ios::binary) << text;
    gzFile g = gzopen(gz.c_str(), "wb");
    ASSERT_NE(g, nullptr);
    gzwrite(g, text.data(), static_cast<unsigned>(text.size()));
    gzclose(g);
  }
  for (const auto& path : {plain, gz}) {
    auto file = ReadJsonFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(ValueAt<int32_t>(*file->batches[0]->column(0), 0), 42);
  }
  // A truncated gzip file is an error naming the file.
  std::ifstream in(gz, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(gz, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  auto broken = ReadJsonFile(gz);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find(gz), std::string::npos);
  EXPECT_FALSE(ReadJsonFile(plain + ".does-not-exist").ok());
  std::remove(plain.c_str());
  std::remove(gz.c_str());
}

TEST(IntegrationJsonFileTest, EveryGoldJsonParsesAndRoundTripsThroughJson) {
  // Cheap sweep over all gold JSON files: JSON -> arrays -> JSON -> arrays
  // gives identical JSON the second time (the full comparison against the
  // IPC files lives in gold_files_test.cc).
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(HANGAR_TESTDATA_DIR "/arrow-ipc")) {
    const std::string path = entry.path().string();
    if (path.size() < 8 || path.substr(path.size() - 8) != ".json.gz") continue;
    ++files;
    auto file = ReadJsonFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    auto once = WriteJson(file->schema, file->batches);
    ASSERT_TRUE(once.ok()) << path << ": " << once.status().ToString();
    auto again = ParseJson(*once);
    ASSERT_TRUE(again.ok()) << path << ": " << again.status().ToString();
    auto twice = WriteJson(again->schema, again->batches);
    ASSERT_TRUE(twice.ok()) << path << ": " << twice.status().ToString();
    EXPECT_EQ(*once, *twice) << path;
    EXPECT_EQ(file->schema->Diff(*again->schema), "") << path;
  }
  EXPECT_GT(files, 60);
}

}  // namespace
}  // namespace hangar::arrow::json

namespace hangar::arrow::json {
namespace {

// Mutates one random node of a JSON tree: the kinds of damage a hand-edited
// or truncated file has (wrong kind of value, huge or negative numbers,
// shortened arrays, missing members).
void Mutate(ordered_json& root, std::mt19937& rng) {
  // Collect every node by walking the tree.
  std::vector<ordered_json*> nodes;
  std::vector<ordered_json*> stack{&root};
  while (!stack.empty()) {
    ordered_json* n = stack.back();
    stack.pop_back();
    nodes.push_back(n);
    if (n->is_structured()) {
      for (auto& child : *n) stack.push_back(&child);
    }
  }
  ordered_json& target = *nodes[rng() % nodes.size()];
  switch (rng() % 9) {
    case 0: target = nullptr; break;
    case 1: target = -1; break;
    case 2: target = 2147483648LL; break;
    case 3: target = "7FFFFFFF"; break;
    case 4: target = ordered_json::array(); break;
    case 5:
      if (target.is_array() && !target.empty()) target.erase(target.size() - 1);
      break;
    case 6:
      if (target.is_object() && !target.empty()) target.erase(target.begin());
      break;
    case 7:
      if (target.is_number_integer()) target = target.get<int64_t>() + 1;
      break;
    case 8: target = ordered_json::object(); break;
  }
}

TEST(IntegrationJsonErrorTest, DamagedGoldFilesGiveErrorsNotCrashes) {
  std::mt19937 rng(20240611);
  int errors = 0;
  int accepted = 0;
  for (const char* name : {"generated_nested", "generated_union", "generated_binary_view", "generated_list_view",
                           "generated_run_end_encoded", "generated_nested_dictionary", "generated_interval_mdn",
                           "generated_decimal256", "generated_map_non_canonical"}) {
    auto file = ReadJsonFile(std::string(HANGAR_TESTDATA_DIR) + "/arrow-ipc/cpp-21.0.0/" + name + ".json.gz");
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    auto text = WriteJson(file->schema, file->batches);
    ASSERT_TRUE(text.ok());
    const ordered_json original = ordered_json::parse(*text);
    for (int round = 0; round < 80; ++round) {
      ordered_json damaged = original;
      for (int k = 0; k <= round % 3; ++k) Mutate(damaged, rng);
      auto parsed = ParseJson(damaged.dump());
      if (!parsed.ok()) {
        ++errors;
        EXPECT_FALSE(parsed.status().message().empty());
        continue;
      }
      ++accepted;
      // Whatever was accepted must be writable again.
      auto again = WriteJson(parsed->schema, parsed->batches);
      EXPECT_TRUE(again.ok()) << name << ": " << again.status().ToString();
    }
  }
  EXPECT_GT(errors, 50);
  EXPECT_GT(accepted, 10);
}

}  // namespace
}  // namespace hangar::arrow::json
