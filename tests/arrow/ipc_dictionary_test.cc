// Dictionary encoding over IPC: new, delta and replacement dictionaries in
// streams, the file format's rules, nested dictionaries, dictionary ids shared
// between fields, and the errors of a dictionary stream out of order.
#include <gtest/gtest.h>

#include "arrow/compare.h"
#include "arrow/ipc/decoder.h"
#include "arrow/ipc/encoder.h"
#include "arrow/ipc/message.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "ipc_random_arrays.h"
#include "test_util.h"

namespace hangar::arrow::ipc {
namespace {

using testing::Column;
using testing::Strings;

void ExpectSame(const std::vector<RecordBatchPtr>& expected, const ReadResult& actual, const std::string& what) {
  ASSERT_EQ(expected.size(), actual.batches.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(BatchDiff(*expected[i], *actual.batches[i]), "") << what << ", batch " << i;
}

RecordBatchPtr CityBatch(const SchemaPtr& sch, const std::vector<std::optional<std::string>>& dict,
                         const std::vector<int32_t>& indices) {
  auto column = MakeArray(sch->field(0)->type(), static_cast<int64_t>(indices.size()),
                          {nullptr, Column<int32_t>(int32(), indices)->buffers[1]}, {}, 0, 0, Strings(dict));
  return MakeRecordBatch(sch, static_cast<int64_t>(indices.size()), {column});
}

struct DictionaryMessage {
  int64_t id;
  bool is_delta;
};

// The dictionary batches of a stream, in order.
std::vector<DictionaryMessage> DictionaryMessages(const std::string& stream) {
  BufferInputStream in(Buffer::FromString(stream));
  std::vector<DictionaryMessage> out;
  for (;;) {
    auto m = ReadMessage(&in, ReadOptions{});
    if (!m.ok() || !m->has_value()) break;
    if ((*m)->type() != fb::MessageHeader::DictionaryBatch) continue;
    const auto* db = (*m)->header()->header_as_DictionaryBatch();
    out.push_back({db->id(), db->isDelta()});
  }
  return out;
}

const SchemaPtr& CitySchema() {
  static const SchemaPtr sch = schema({field("city", dictionary(int32(), utf8()))});
  return sch;
}

TEST(IpcDictionaries, GrowingDictionaryIsSentAsDeltaWhenAsked) {
  const auto& sch = CitySchema();
  auto b1 = CityBatch(sch, {"Oslo", "Lima"}, {0, 1, 1});
  auto b2 = CityBatch(sch, {"Oslo", "Lima", "Pune"}, {2, 0});
  WriteOptions deltas;
  deltas.emit_dictionary_deltas = true;
  auto stream = WriteStream(sch, {b1, b2}, deltas);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto dicts = DictionaryMessages(*stream);
  ASSERT_EQ(dicts.size(), 2u);
  EXPECT_FALSE(dicts[0].is_delta);
  EXPECT_TRUE(dicts[1].is_delta);
  auto back = ReadStream(Buffer::FromString(*stream));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame({b1, b2}, *back, "delta stream");
  EXPECT_EQ(back->batches[0]->column(0)->dictionary->length, 2);  // the first batch keeps its dictionary
  EXPECT_EQ(back->batches[1]->column(0)->dictionary->length, 3);

  // Without the option the grown dictionary replaces the old one.
  auto plain = WriteStream(sch, {b1, b2});
  ASSERT_TRUE(plain.ok());
  dicts = DictionaryMessages(*plain);
  ASSERT_EQ(dicts.size(), 2u);
  EXPECT_FALSE(dicts[1].is_delta);
  auto plain_back = ReadStream(Buffer::FromString(*plain));
  ASSERT_TRUE(plain_back.ok());
  ExpectSame({b1, b2}, *plain_back, "replacement stream");
}

TEST(IpcDictionaries, FilesExtendDictionariesWithDeltasAndRefuseReplacements) {
  const auto& sch = CitySchema();
  auto b1 = CityBatch(sch, {"Oslo", "Lima"}, {0, 1, 1});
  auto b2 = CityBatch(sch, {"Oslo", "Lima", "Pune"}, {2, 0});
  auto file = WriteFile(sch, {b1, b2});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto back = ReadFile(Buffer::FromString(*file));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame({b1, b2}, *back, "delta file");

  auto changed = CityBatch(sch, {"Kyiv"}, {0, 0});
  auto refused = WriteFile(sch, {b1, changed});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("cannot replace dictionary 0"), std::string::npos)
      << refused.status().message();
}

TEST(IpcDictionaries, UnchangedDictionaryIsSentOnce) {
  auto sch = schema({field("city", dictionary(int8(), utf8()))});
  auto dict = Strings({"a", "b"});
  auto make = [&](std::vector<int8_t> idx) {
    auto col = MakeArray(sch->field(0)->type(), static_cast<int64_t>(idx.size()),
                         {nullptr, Column<int8_t>(int8(), idx)->buffers[1]}, {}, 0, 0, dict);
    return MakeRecordBatch(sch, static_cast<int64_t>(idx.size()), {col});
  };
  // The same dictionary object, and an equal copy of it.
  auto equal_copy =
      MakeRecordBatch(sch, 1,
                      {MakeArray(sch->field(0)->type(), 1, {nullptr, Column<int8_t>(int8(), {1})->buffers[1]}, {}, 0, 0,
                                 Strings({"a", "b"}))});
  auto stream = WriteStream(sch, {make({0, 1}), make({1, 1}), equal_copy});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(DictionaryMessages(*stream).size(), 1u);
  auto back = ReadStream(Buffer::FromString(*stream));
  ASSERT_TRUE(back.ok());
  ExpectSame({make({0, 1}), make({1, 1}), equal_copy}, *back, "unchanged");
}

TEST(IpcDictionaries, ABatchThatFailsToEncodeSendsNoDictionary) {
  auto sch = schema({field("city", dictionary(int32(), utf8())), field("n", int64())});
  auto dict = Strings({"Oslo", "Lima"});
  auto indices = Column<int32_t>(int32(), {0, 1})->buffers[1];
  auto city = MakeArray(sch->field(0)->type(), 2, {nullptr, indices}, {}, 0, 0, dict);
  auto broken = MakeRecordBatch(sch, 2, {city, MakeArray(int64(), 2, {nullptr, Buffer::CopyOf("short")})});
  auto good = MakeRecordBatch(sch, 2, {city, Column<int64_t>(int64(), {7, 8})});
  StringOutputStream out;
  auto writer = StreamWriter::Open(&out, sch);
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE((*writer)->WriteBatch(*broken).ok());
  ASSERT_TRUE((*writer)->WriteBatch(*good).ok());  // must still send the dictionary
  ASSERT_TRUE((*writer)->Close().ok());
  auto back = ReadStream(out.Finish());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame({good}, *back, "after a failed batch");
}

TEST(IpcDictionaries, NestedDictionariesRoundTripInnerFirst) {
  // A dictionary whose values contain dictionary-encoded fields, and a
  // dictionary inside a list.
  auto inner = dictionary(int8(), utf8());
  auto outer = dictionary(int16(), struct_({field("name", inner), field("n", int32())}));
  auto sch = schema({field("outer", outer), field("tags", list(inner)),
                     field("deep", dictionary(int8(), list(field("item", dictionary(int32(), int64())))))});
  testing::RandomArrays random(11);
  std::vector<RecordBatchPtr> batches;
  for (int i = 0; i < 3; ++i) {
    std::vector<ArrayPtr> columns;
    for (const auto& f : sch->fields()) columns.push_back(random.Make(f->type(), 20));
    batches.push_back(MakeRecordBatch(sch, 20, columns));
  }
  auto stream = WriteStream(sch, batches);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto dicts = DictionaryMessages(*stream);
  ASSERT_GE(dicts.size(), 5u);
  // Ids in pre-order: outer 0, its inner 1, tags 2, deep 3, its inner 4; inner ones are sent first.
  EXPECT_EQ(dicts[0].id, 1);
  EXPECT_EQ(dicts[1].id, 0);
  auto back = ReadStream(Buffer::FromString(*stream));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(batches, *back, "nested stream");

  // A file cannot replace them: one batch only.
  auto file = WriteFile(sch, {batches[0]});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto fback = ReadFile(Buffer::FromString(*file));
  ASSERT_TRUE(fback.ok()) << fback.status().ToString();
  ExpectSame({batches[0]}, *fback, "nested file");
}

TEST(IpcDictionaries, AFieldObjectUsedTwiceGetsTwoDictionaries) {
  // The same Field object in two columns (directly, and through a shared
  // list type): each occurrence carries its own dictionary.
  auto f = field("d", dictionary(int8(), utf8()));
  auto tags = list(field("item", dictionary(int8(), utf8())));
  auto sch = schema({f, f, field("t1", tags), field("t2", tags)});
  testing::RandomArrays random(12);
  std::vector<ArrayPtr> columns;
  for (const auto& fld : sch->fields()) columns.push_back(random.Make(fld->type(), 30));
  auto batch = MakeRecordBatch(sch, 30, columns);
  auto stream = WriteStream(sch, {batch});
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_EQ(DictionaryMessages(*stream).size(), 4u);
  auto back = ReadStream(Buffer::FromString(*stream));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->schema->Equals(*sch));
  ExpectSame({batch}, *back, "reused field");
}

TEST(IpcDictionaries, GoldFileWithASharedDictionaryId) {
  for (const char* name : {"generated_shared_dict.stream", "generated_shared_dict.arrow_file"}) {
    auto bytes = ReadWholeFile(testing::TestDataDir() + "/arrow-ipc/4.0.0-shareddict/" + name);
    ASSERT_TRUE(bytes.ok());
    auto r = ReadAny(*bytes);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    ASSERT_EQ(r->batches.size(), 1u);
    const auto& batch = *r->batches[0];
    ASSERT_EQ(batch.num_columns(), 2);
    EXPECT_EQ(batch.column(0)->dictionary, batch.column(1)->dictionary) << name;
    // Written back, each column gets its own id and the data stays the same.
    auto stream = WriteStream(r->schema, r->batches);
    ASSERT_TRUE(stream.ok());
    auto again = ReadStream(Buffer::FromString(*stream));
    ASSERT_TRUE(again.ok());
    ExpectSame(r->batches, *again, name);
  }
}

// A Schema message whose fields are given as (name, value type, dictionary id).
BufferPtr SchemaWithDictionaryIds(const std::vector<std::tuple<std::string, fb::Type, int64_t>>& fields) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<fb::Field>> offsets;
  for (const auto& [name, type, id] : fields) {
    flatbuffers::Offset<void> type_table =
        type == fb::Type::Utf8 ? fb::CreateUtf8(fbb).Union() : fb::CreateInt(fbb, 32, true).Union();
    auto encoding = fb::CreateDictionaryEncoding(fbb, id, fb::CreateInt(fbb, 8, true));
    offsets.push_back(fb::CreateFieldDirect(fbb, name.c_str(), true, type, type_table, encoding));
  }
  auto s = fb::CreateSchema(fbb, fb::Endianness::Little, fbb.CreateVector(offsets));
  fbb.Finish(fb::CreateMessage(fbb, fb::MetadataVersion::V5, fb::MessageHeader::Schema, s.Union(), 0));
  return Buffer::CopyOf(std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()));
}

TEST(IpcDictionaries, SharedIdNeedsEqualValueTypes) {
  StreamDecoder ok;
  ASSERT_TRUE(ok.Consume(SchemaWithDictionaryIds({{"a", fb::Type::Utf8, 3}, {"b", fb::Type::Utf8, 3}}), nullptr).ok());
  StreamDecoder bad;
  auto r = bad.Consume(SchemaWithDictionaryIds({{"a", fb::Type::Utf8, 3}, {"b", fb::Type::Int, 3}}), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("fields 'a' and 'b' share dictionary id 3"), std::string::npos)
      << r.status().message();
}

BufferPtr Body(const EncodedMessage& m) {
  std::string s;
  for (const auto& p : m.body) s.append(p->view());
  return Buffer::FromString(std::move(s));
}

TEST(IpcDictionaries, DecoderRefusesDictionaryMessagesOutOfOrder) {
  const auto& sch = CitySchema();
  WriteOptions deltas;
  deltas.emit_dictionary_deltas = true;
  StreamEncoder encoder(sch, deltas);
  auto schema_message = encoder.EncodeSchema();
  auto first = encoder.EncodeBatch(*CityBatch(sch, {"a"}, {0}));
  auto second = encoder.EncodeBatch(*CityBatch(sch, {"a", "b"}, {1}));
  ASSERT_TRUE(schema_message.ok() && first.ok() && second.ok());
  ASSERT_EQ(first->size(), 2u);
  ASSERT_EQ(second->size(), 2u);

  auto fresh = [&] {
    auto d = std::make_unique<StreamDecoder>();
    EXPECT_TRUE(d->Consume(schema_message->metadata, nullptr).ok());
    return d;
  };
  // A record batch before its dictionary.
  auto r = fresh()->Consume((*first)[1].metadata, Body((*first)[1]));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dictionary id 0 before it was sent"), std::string::npos) << r.status().message();
  // A delta before any dictionary.
  r = fresh()->Consume((*second)[0].metadata, Body((*second)[0]));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("delta for id 0 before any dictionary"), std::string::npos);
  // Anything before the schema.
  StreamDecoder no_schema;
  r = no_schema.Consume((*first)[0].metadata, Body((*first)[0]));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("before its schema"), std::string::npos);
  // A second schema.
  auto d = fresh();
  r = d->Consume(schema_message->metadata, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("second schema"), std::string::npos);
  // In order, the delta applies.
  ASSERT_TRUE(d->Consume((*first)[0].metadata, Body((*first)[0])).ok());
  ASSERT_TRUE(d->Consume((*first)[1].metadata, Body((*first)[1])).ok());
  auto delta = d->Consume((*second)[0].metadata, Body((*second)[0]));
  ASSERT_TRUE(delta.ok());
  EXPECT_TRUE(delta->is_delta);
  auto batch = d->Consume((*second)[1].metadata, Body((*second)[1]));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->batch->column(0)->dictionary->length, 2);
}

TEST(IpcDictionaries, IndicesOutsideTheDictionaryAreRejected) {
  const auto& sch = CitySchema();
  auto bad = CityBatch(sch, {"Oslo", "Lima"}, {0, 2});  // 2 is out of range
  StreamEncoder encoder(sch, {});
  auto messages = encoder.EncodeBatch(*bad);  // the writer trusts its input
  ASSERT_TRUE(messages.ok());
  StreamDecoder decoder;
  ASSERT_TRUE(decoder.Consume(encoder.EncodeSchema()->metadata, nullptr).ok());
  ASSERT_TRUE(decoder.Consume((*messages)[0].metadata, Body((*messages)[0])).ok());
  auto r = decoder.Consume((*messages)[1].metadata, Body((*messages)[1]));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dictionary index 2 at position 1 is outside the dictionary of 2 values"),
            std::string::npos)
      << r.status().message();
}

// An IPC file assembled from encoder messages, bypassing FileWriter's checks.
std::string AssembleFile(const StreamEncoder& encoder, const std::vector<EncodedMessage>& dictionaries,
                         const std::vector<EncodedMessage>& batches) {
  StringOutputStream out;
  EXPECT_TRUE(out.Write("ARROW1\0\0", 8).ok());
  EXPECT_TRUE(WriteMessage(&out, *encoder.EncodeSchema()).ok());
  std::vector<fb::Block> dict_blocks, batch_blocks;
  for (const auto* group : {&dictionaries, &batches}) {
    for (const auto& m : *group) {
      const int64_t offset = out.position();
      auto framed = WriteMessage(&out, m);
      EXPECT_TRUE(framed.ok());
      (group == &dictionaries ? dict_blocks : batch_blocks).emplace_back(offset, *framed, m.body_length);
    }
  }
  EXPECT_TRUE(WriteEndOfStream(&out).ok());
  flatbuffers::FlatBufferBuilder fbb;
  auto s = encoder.WriteSchema(fbb);
  auto d = fbb.CreateVectorOfStructs(dict_blocks);
  auto b = fbb.CreateVectorOfStructs(batch_blocks);
  fbb.Finish(fb::CreateFooter(fbb, fb::MetadataVersion::V5, s, d, b));
  const int32_t size = static_cast<int32_t>(fbb.GetSize());
  EXPECT_TRUE(out.Write(fbb.GetBufferPointer(), size).ok());
  EXPECT_TRUE(out.Write(&size, 4).ok());
  EXPECT_TRUE(out.Write("ARROW1", 6).ok());
  return out.str();
}

TEST(IpcDictionaries, FileReaderRefusesAReplacedDictionary) {
  const auto& sch = CitySchema();
  StreamEncoder encoder(sch, {});  // stream mode: replaces
  auto first = encoder.EncodeBatch(*CityBatch(sch, {"a", "b"}, {0, 1}));
  auto second = encoder.EncodeBatch(*CityBatch(sch, {"c"}, {0}));
  ASSERT_TRUE(first.ok() && second.ok());
  auto good = AssembleFile(encoder, {(*first)[0]}, {(*first)[1]});
  auto r = ReadFile(Buffer::FromString(good));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto replaced = AssembleFile(encoder, {(*first)[0], (*second)[0]}, {(*first)[1], (*second)[1]});
  r = ReadFile(Buffer::FromString(replaced));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("replaces dictionary 0"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace hangar::arrow::ipc
