// UTF-8 validation: the byte-level rules, and string arrays of every layout.
#include <gtest/gtest.h>

#include "arrow/builder.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/utf8.h"

namespace hangar::arrow {
namespace {

TEST(Utf8, TheByteRules) {
  for (const char* ok : {"", "plain ascii, longer than eight bytes", "h\xc3\xa9llo", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                         "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf", "12345678\xc3\xa9"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
  for (const char* bad :
       {"\x80", "abc\xc3", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80" /* surrogate */,
        "\xf4\x90\x80\x80" /* above U+10FFFF */, "\xf5\x80\x80\x80", "\xff", "12345678\xe2\x82", "\xe2\x28\xa1"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

ArrayPtr Strings(const TypePtr& type, const std::vector<std::optional<std::string>>& values) {
  auto builder = MakeBuilder(type).value();
  for (const auto& v : values) {
    if (v)
      EXPECT_TRUE(AppendBytes(builder.get(), *v).ok());
    else
      builder->AppendNull();
  }
  return builder->Finish().value();
}

TEST(Utf8, EveryStringLayoutAndNesting) {
  for (const auto& type : {utf8(), large_utf8(), utf8_view()}) {
    SCOPED_TRACE(type->ToString());
    EXPECT_TRUE(ValidateUtf8(*Strings(type, {"a", "h\xc3\xa9", std::nullopt, ""})).ok());
    auto bad = ValidateUtf8(*Strings(type, {"a", "fine", "b\xc3", "c"}));
    EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(bad.message().find("row 2"), std::string::npos) << bad.ToString();
  }
  // Every value valid alone, or the values' bytes valid together: a character
  // split over two values is caught either way.
  EXPECT_FALSE(ValidateUtf8(*Strings(utf8(), {"x\xc3", "\xa9y"})).ok());
  // Binary is not text.
  EXPECT_TRUE(ValidateUtf8(*Strings(binary(), {"\xff\xfe"})).ok());
  // Inside a list.
  auto builder = MakeBuilder(arrow::list(utf8())).value();
  auto* list = static_cast<ListBuilder*>(builder.get());
  list->Append();
  ASSERT_TRUE(AppendBytes(list->value_builder(), "\xff").ok());
  EXPECT_FALSE(ValidateUtf8(*list->Finish().value()).ok());
}

TEST(Utf8, TheIpcReaderRefusesInvalidStrings) {
  auto schema = arrow::schema({field("s", utf8())});
  auto batch = MakeRecordBatch(schema, 2, {Strings(utf8(), {"ok", "not \xff ok"})});
  auto stream = ipc::WriteStream(schema, {batch}).value();
  auto read = ipc::ReadStream(Buffer::FromString(stream));
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find("UTF-8"), std::string::npos) << read.status().ToString();
  // A dictionary's values too.
  auto dict_type = dictionary(int8(), utf8());
  DictionaryBuilder dict(dict_type);
  ASSERT_TRUE(dict.Append("\xc3\x28").ok());
  auto dict_schema = arrow::schema({field("d", dict_type)});
  auto dict_stream = ipc::WriteStream(dict_schema, {MakeRecordBatch(dict_schema, 1, {dict.Finish().value()})}).value();
  EXPECT_EQ(ipc::ReadStream(Buffer::FromString(dict_stream)).status().code(), StatusCode::kInvalidArgument);
  // Turned off for trusted input.
  ipc::ReadOptions trusted;
  trusted.validate_utf8 = false;
  EXPECT_TRUE(ipc::ReadStream(Buffer::FromString(stream), trusted).ok());
}

}  // namespace
}  // namespace hangar::arrow
