// IPC reader and writer: round trips of Arrow's gold files through Hangar's
// writer (plain, sliced, aligned to 64, compressed), dictionaries and deltas,
// zero-copy reading, and malformed input of every kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "arrow/compare.h"
#include "arrow/ipc/message.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "test_util.h"

namespace hangar::arrow::ipc {
namespace {

using testing::Column;
using testing::GoldIpcFiles;
using testing::Strings;

ReadResult ReadGold(const std::string& path) {
  auto bytes = ReadWholeFile(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto r = ReadAny(*bytes);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? std::move(r).value() : ReadResult{};
}

void ExpectSameBatches(const std::vector<RecordBatchPtr>& expected, const ReadResult& actual, const std::string& what) {
  ASSERT_EQ(expected.size(), actual.batches.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(BatchDiff(*expected[i], *actual.batches[i]), "") << what << ", batch " << i;
}

TEST(IpcGoldRoundTrip, EveryGoldFileSurvivesHangarsWriterInEveryMode) {
  std::vector<std::pair<std::string, WriteOptions>> modes;
  modes.push_back({"default", {}});
  WriteOptions aligned;
  aligned.alignment = 64;
  modes.push_back({"align64", aligned});
  WriteOptions lz4;
  lz4.compression = Compression::kLz4Frame;
  modes.push_back({"lz4", lz4});
  WriteOptions zstd;
  zstd.compression = Compression::kZstd;
  modes.push_back({"zstd", zstd});
  int files = 0;
  for (const auto& path : GoldIpcFiles()) {
    ReadResult gold = ReadGold(path);
    if (!gold.schema) continue;
    ++files;
    for (const auto& [name, options] : modes) {
      auto stream = WriteStream(gold.schema, gold.batches, options);
      ASSERT_TRUE(stream.ok()) << path << " " << name << ": " << stream.status().ToString();
      auto back = ReadStream(Buffer::FromString(*stream));
      ASSERT_TRUE(back.ok()) << path << " " << name << ": " << back.status().ToString();
      EXPECT_TRUE(back->schema->Equals(*gold.schema)) << path << " " << name;
      ExpectSameBatches(gold.batches, *back, path + " stream " + name);

      auto file = WriteFile(gold.schema, gold.batches, options);
      ASSERT_TRUE(file.ok()) << path << " " << name << ": " << file.status().ToString();
      auto fback = ReadFile(Buffer::FromString(*file));
      ASSERT_TRUE(fback.ok()) << path << " " << name << ": " << fback.status().ToString();
      ExpectSameBatches(gold.batches, *fback, path + " file " + name);
    }
  }
  EXPECT_GT(files, 130);
}

TEST(IpcGoldRoundTrip, SlicedBatchesAreWrittenAsTheirSlice) {
  // Odd offsets force bitmap shifting, offset rebasing and run-end re-encoding.
  for (const auto& path : GoldIpcFiles()) {
    if (!path.ends_with(".stream")) continue;
    ReadResult gold = ReadGold(path);
    for (const auto& batch : gold.batches) {
      for (int64_t offset : {int64_t{1}, int64_t{3}, int64_t{7}}) {
        if (batch->num_rows <= offset + 1) continue;
        auto slice = batch->Slice(offset, batch->num_rows - offset - 1);
        auto stream = WriteStream(gold.schema, {slice});
        ASSERT_TRUE(stream.ok()) << path << ": " << stream.status().ToString();
        auto back = ReadStream(Buffer::FromString(*stream));
        ASSERT_TRUE(back.ok()) << path << " offset " << offset << ": " << back.status().ToString();
        ASSERT_EQ(back->batches.size(), 1u);
        EXPECT_EQ(BatchDiff(*slice, *back->batches[0]), "") << path << " offset " << offset;
      }
    }
  }
}

TEST(IpcReader, ReadsFromMemoryWithoutCopyingBodies) {
  auto batch = MakeRecordBatch(schema({field("x", int64()), field("s", utf8())}), 3,
                               {Column<int64_t>(int64(), {1, 2, 3}), Strings({"a", std::nullopt, "ccc"})});
  auto bytes = WriteStream(batch->schema, {batch});
  ASSERT_TRUE(bytes.ok());
  auto input = Buffer::CopyOf(*bytes);
  auto r = ReadStream(input);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const uint8_t* begin = input->data();
  const uint8_t* end = begin + input->size();
  for (const auto& column : r->batches[0]->columns) {
    for (const auto& buf : column->buffers) {
      if (!buf) continue;
      EXPECT_GE(buf->data(), begin);
      EXPECT_LE(buf->data() + buf->size(), end);
    }
  }
  EXPECT_EQ(BatchDiff(*batch, *r->batches[0]), "");
}

RecordBatchPtr DictionaryBatch(const SchemaPtr& sch, const std::vector<std::optional<std::string>>& dict,
                               const std::vector<int32_t>& indices) {
  auto dictionary = Strings(dict);
  auto column = MakeArray(sch->field(0)->type(), static_cast<int64_t>(indices.size()),
                          {nullptr, Column<int32_t>(int32(), indices)->buffers[1]}, {}, 0, 0, dictionary);
  return MakeRecordBatch(sch, static_cast<int64_t>(indices.size()), {column});
}

int CountMessages(const std::string& stream, fb::MessageHeader type, bool* saw_delta) {
  BufferInputStream in(Buffer::FromString(stream));
  int n = 0;
  for (;;) {
    auto m = ReadMessage(&in, ReadOptions{});
    if (!m.ok() || !m->has_value()) break;
    if ((*m)->type() == type) {
      ++n;
      if (type == fb::MessageHeader::DictionaryBatch && (*m)->header()->header_as_DictionaryBatch()->isDelta())
        *saw_delta = true;
    }
  }
  return n;
}

TEST(IpcDictionaries, GrowingDictionaryIsSentAsDeltaAndReadBack) {
  auto sch = schema({field("city", dictionary(int32(), utf8()))});
  auto b1 = DictionaryBatch(sch, {"Oslo", "Lima"}, {0, 1, 1});
  auto b2 = DictionaryBatch(sch, {"Oslo", "Lima", "Pune"}, {2, 0});
  WriteOptions options;
  options.emit_dictionary_deltas = true;
  auto stream = WriteStream(sch, {b1, b2}, options);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  bool delta = false;
  EXPECT_EQ(CountMessages(*stream, fb::MessageHeader::DictionaryBatch, &delta), 2);
  EXPECT_TRUE(delta);
  auto back = ReadStream(Buffer::FromString(*stream));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameBatches({b1, b2}, *back, "delta stream");
  EXPECT_EQ(back->batches[1]->column(0)->dictionary->length, 3);

  // The same data in a file: deltas are allowed there too.
  auto file = WriteFile(sch, {b1, b2});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto fback = ReadFile(Buffer::FromString(*file));
  ASSERT_TRUE(fback.ok()) << fback.status().ToString();
  ExpectSameBatches({b1, b2}, *fback, "delta file");
}

TEST(IpcDictionaries, ChangedDictionaryIsReplacedInStreamsAndRefusedInFiles) {
  auto sch = schema({field("city", dictionary(int32(), utf8()))});
  auto b1 = DictionaryBatch(sch, {"Oslo", "Lima"}, {0, 1});
  auto b2 = DictionaryBatch(sch, {"Kyiv"}, {0, 0});
  auto stream = WriteStream(sch, {b1, b2});
  ASSERT_TRUE(stream.ok());
  bool delta = false;
  EXPECT_EQ(CountMessages(*stream, fb::MessageHeader::DictionaryBatch, &delta), 2);
  EXPECT_FALSE(delta);
  auto back = ReadStream(Buffer::FromString(*stream));
  ASSERT_TRUE(back.ok());
  ExpectSameBatches({b1, b2}, *back, "replacement stream");

  auto file = WriteFile(sch, {b1, b2});
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("cannot replace dictionary"), std::string::npos) << file.status().message();
}

TEST(IpcDictionaries, UnchangedDictionaryIsSentOnce) {
  auto sch = schema({field("city", dictionary(int8(), utf8()))});
  auto dict = Strings({"a", "b"});
  auto make = [&](std::vector<int8_t> idx) {
    auto col = MakeArray(sch->field(0)->type(), static_cast<int64_t>(idx.size()),
                         {nullptr, Column<int8_t>(int8(), idx)->buffers[1]}, {}, 0, 0, dict);
    return MakeRecordBatch(sch, static_cast<int64_t>(idx.size()), {col});
  };
  auto stream = WriteStream(sch, {make({0, 1}), make({1, 1}), make({0})});
  ASSERT_TRUE(stream.ok());
  bool delta = false;
  EXPECT_EQ(CountMessages(*stream, fb::MessageHeader::DictionaryBatch, &delta), 1);
  EXPECT_EQ(CountMessages(*stream, fb::MessageHeader::RecordBatch, &delta), 3);
}

// --- malformed input ----------------------------------------------------------

std::string ValidStream() {
  auto batch = MakeRecordBatch(
      schema({field("x", int64()), field("s", utf8()), field("d", dictionary(int32(), utf8()))}), 4,
      {Column<int64_t>(int64(), {1, 2, 3, 4}, {true, false, true, true}), Strings({"a", "bb", std::nullopt, "dddd"}),
       MakeArray(dictionary(int32(), utf8()), 4, {nullptr, Column<int32_t>(int32(), {0, 1, 0, 1})->buffers[1]}, {}, 0,
                 0, Strings({"p", "q"}))});
  auto s = WriteStream(batch->schema, {batch, batch});
  return s.ok() ? *s : std::string();
}

TEST(IpcMalformed, EveryTruncationIsAnErrorOrAValidPrefix) {
  for (const std::string& full : {ValidStream()}) {
    ASSERT_FALSE(full.empty());
    for (size_t n = 0; n < full.size(); ++n) {
      auto r = ReadStream(Buffer::CopyOf(std::string_view(full).substr(0, n)));
      if (!r.ok()) {
        EXPECT_FALSE(r.status().message().empty());
      }
    }
    auto file = WriteFile(ReadStream(Buffer::CopyOf(full))->schema, ReadStream(Buffer::CopyOf(full))->batches);
    ASSERT_TRUE(file.ok());
    for (size_t n = 0; n < file->size(); ++n) {
      auto r = ReadFile(Buffer::CopyOf(std::string_view(*file).substr(0, n)));
      EXPECT_FALSE(r.ok()) << "truncated file of " << n << " bytes was accepted";
    }
  }
}

TEST(IpcMalformed, ByteFlipsNeverCrash) {
  const std::string full = ValidStream();
  std::string copy = full;
  int errors = 0;
  for (size_t i = 0; i < copy.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      copy[i] = static_cast<char>(full[i] ^ mask);
      auto r = ReadStream(Buffer::CopyOf(copy));
      if (!r.ok()) ++errors;
      copy[i] = full[i];
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(IpcMalformed, ClearErrors) {
  auto empty = ReadStream(Buffer::CopyOf(""));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "IPC stream is empty: it has no schema message");

  auto garbage = ReadStream(Buffer::CopyOf(std::string("\xff\xff\xff\xff\x10\x00\x00\x00garbagegarbage!!", 24)));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().message(), "IPC message metadata is not a valid flatbuffer");

  auto not_file = ReadFile(Buffer::CopyOf(ValidStream()));
  ASSERT_FALSE(not_file.ok());
  EXPECT_NE(not_file.status().message().find("ARROW1 magic"), std::string::npos);
}

TEST(IpcMalformed, OutOfRangeOffsetsAreRejected) {
  // A valid utf8 stream whose last offset is then patched to point past the data.
  auto sch = schema({field("s", utf8())});
  MutableBuffer good_offsets;
  for (int32_t v : {0, 1, 2}) good_offsets.AppendValue(v);
  auto stream = WriteStream(sch, {MakeRecordBatch(sch, 2, {MakeArray(utf8(), 2, {nullptr, good_offsets.Finish(),
                                                                                Buffer::CopyOf("ab")}, {}, 0)})});
  ASSERT_TRUE(stream.ok());
  // Patch the last offset (value 2) in the body to 500.
  std::string bytes = *stream;
  const int32_t two = 2, big = 500;
  size_t pos = std::string::npos;
  for (size_t i = 0; i + 12 <= bytes.size(); ++i) {
    int32_t a, b, c;
    std::memcpy(&a, &bytes[i], 4);
    std::memcpy(&b, &bytes[i + 4], 4);
    std::memcpy(&c, &bytes[i + 8], 4);
    if (a == 0 && b == 1 && c == two) pos = i + 8;
  }
  ASSERT_NE(pos, std::string::npos);
  std::memcpy(&bytes[pos], &big, 4);
  auto r = ReadStream(Buffer::CopyOf(bytes));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column 's'"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("outside"), std::string::npos) << r.status().message();
}

TEST(IpcMalformed, BigEndianDataIsRejected) {
  flatbuffers::FlatBufferBuilder fbb;
  auto fields = fbb.CreateVector(std::vector<flatbuffers::Offset<fb::Field>>{});
  auto sch = fb::CreateSchema(fbb, fb::Endianness::Big, fields);
  fbb.Finish(fb::CreateMessage(fbb, fb::MetadataVersion::V5, fb::MessageHeader::Schema, sch.Union(), 0));
  EncodedMessage m;
  m.metadata = Buffer::CopyOf(std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()));
  StringOutputStream out;
  ASSERT_TRUE(WriteMessage(&out, m, 8).ok());
  auto r = ReadStream(out.Finish());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "big-endian IPC data is not supported (Hangar reads little-endian Arrow only)");
}

}  // namespace
}  // namespace hangar::arrow::ipc
