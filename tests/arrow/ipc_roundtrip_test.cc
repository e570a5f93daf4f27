// IPC round trips of every type through Hangar's writer and reader: stream
// and file, every write mode (alignment 8 and 64, LZ4 and ZSTD bodies, the
// legacy framing), sliced arrays, empty batches, zero-copy reading, the
// message-level encoder/decoder the Flight layer uses, and metadata.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstring>
#include <functional>

#include "arrow/compare.h"
#include "arrow/ipc/decoder.h"
#include "arrow/ipc/encoder.h"
#include "arrow/ipc/message.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/validate.h"
#include "ipc_random_arrays.h"
#include "test_util.h"

namespace hangar::arrow::ipc {
namespace {

using testing::EveryType;
using testing::RandomArrays;

struct Mode {
  std::string name;
  WriteOptions options;
};

std::vector<Mode> AllModes() {
  std::vector<Mode> modes(5);
  modes[0].name = "default";
  modes[1].name = "align64";
  modes[1].options.alignment = 64;
  modes[2].name = "lz4";
  modes[2].options.compression = Compression::kLz4Frame;
  modes[3].name = "zstd";
  modes[3].options.compression = Compression::kZstd;
  modes[3].options.zstd_level = 3;
  modes[4].name = "legacy";
  modes[4].options.write_legacy_format = true;
  return modes;
}

void ExpectSame(const std::vector<RecordBatchPtr>& expected, const ReadResult& actual, const std::string& what) {
  ASSERT_EQ(expected.size(), actual.batches.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(BatchDiff(*expected[i], *actual.batches[i]), "") << what << ", batch " << i;
}

// Writes the batches as a stream and as a file with `options`, reads both
// back (fully validated) and compares.
void RoundTrip(const SchemaPtr& sch, const std::vector<RecordBatchPtr>& batches, const WriteOptions& options,
               const std::string& what) {
  auto stream = WriteStream(sch, batches, options);
  ASSERT_TRUE(stream.ok()) << what << ": " << stream.status().ToString();
  auto back = ReadStream(Buffer::FromString(*stream));
  ASSERT_TRUE(back.ok()) << what << " stream: " << back.status().ToString();
  EXPECT_EQ(back->schema->Diff(*sch), "") << what;
  ExpectSame(batches, *back, what + " stream");

  auto file = WriteFile(sch, batches, options);
  ASSERT_TRUE(file.ok()) << what << ": " << file.status().ToString();
  auto fback = ReadFile(Buffer::FromString(*file));
  ASSERT_TRUE(fback.ok()) << what << " file: " << fback.status().ToString();
  EXPECT_EQ(fback->schema->Diff(*sch), "") << what;
  ExpectSame(batches, *fback, what + " file");
}

TEST(IpcRoundTrip, EveryTypeInEveryMode) {
  RandomArrays random(1);
  for (const auto& type : EveryType()) {
    for (int64_t length : {0, 1, 9, 100}) {
      auto column = random.Make(type, length);
      ASSERT_TRUE(ValidateArray(*column).ok()) << type->ToString() << ": " << ValidateArray(*column).ToString();
      auto sch = schema({field("c", type), field("n", int32(), false)});
      auto batch = MakeRecordBatch(sch, length, {column, random.Make(int32(), length, 0)});
      for (const auto& mode : AllModes())
        RoundTrip(sch, {batch, batch}, mode.options,
                  type->ToString() + " x" + std::to_string(length) + " " + mode.name);
    }
  }
}

TEST(IpcRoundTrip, SlicedArraysAreWrittenAsTheirSlice) {
  // Odd offsets force bitmap shifting, offset rebasing and run-end re-encoding;
  // children that are longer than their parent must not leak into the output.
  RandomArrays random(2);
  for (const auto& type : EveryType()) {
    auto column = random.Make(type, 50);
    auto sch = schema({field("c", type)});
    auto batch = MakeRecordBatch(sch, 50, {column});
    for (auto [offset, length] : {std::pair<int64_t, int64_t>{1, 48}, {3, 7}, {8, 16}, {13, 0}, {49, 1}, {0, 20}}) {
      auto slice = batch->Slice(offset, length);
      for (const auto& mode : AllModes())
        RoundTrip(
            sch, {slice}, mode.options,
            type->ToString() + " slice " + std::to_string(offset) + "+" + std::to_string(length) + " " + mode.name);
    }
  }
}

TEST(IpcRoundTrip, SlicedStringsGetOffsetsStartingAtZeroAndOnlyTheirBytes) {
  auto strings = testing::Strings({"aaaa", "bb", "c", std::nullopt, "dddddddd"});
  auto sch = schema({field("s", utf8())});
  auto batch = MakeRecordBatch(sch, 5, {strings})->Slice(1, 3);  // "bb", "c", null
  auto stream = WriteStream(sch, {batch});
  ASSERT_TRUE(stream.ok());
  auto back = ReadStream(Buffer::FromString(*stream));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const Array& s = *back->batches[0]->column(0);
  EXPECT_EQ(s.offset, 0);
  EXPECT_EQ(LoadValue<int32_t>(s.buffers[1]->data(), 0), 0);
  EXPECT_EQ(LoadValue<int32_t>(s.buffers[1]->data(), 3), 3);
  EXPECT_EQ(s.buffers[2]->size(), 3);  // "bbc", not the whole data buffer
  EXPECT_EQ(s.null_count(), 1);
}

// Every buffer of `a` (recursively) lies inside [begin, end).
void ExpectInside(const Array& a, const uint8_t* begin, const uint8_t* end, const std::string& what) {
  for (const auto& buf : a.buffers) {
    if (!buf || buf->size() == 0) continue;
    EXPECT_GE(buf->data(), begin) << what;
    EXPECT_LE(buf->data() + buf->size(), end) << what;
  }
  for (const auto& c : a.children) ExpectInside(*c, begin, end, what + " child");
  if (a.dictionary) ExpectInside(*a.dictionary, begin, end, what + " dictionary");
}

TEST(IpcRoundTrip, ReadingFromMemoryIsZeroCopy) {
  RandomArrays random(3);
  std::vector<FieldPtr> fields;
  std::vector<ArrayPtr> columns;
  int i = 0;
  for (const auto& type : EveryType()) {
    fields.push_back(field("c" + std::to_string(i++), type));
    columns.push_back(random.Make(type, 64));
  }
  auto sch = schema(fields);
  auto batch = MakeRecordBatch(sch, 64, columns);
  for (bool file : {false, true}) {
    auto bytes = file ? WriteFile(sch, {batch}) : WriteStream(sch, {batch});
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    auto input = Buffer::CopyOf(*bytes);
    auto back = ReadAny(input);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSame({batch}, *back, file ? "file" : "stream");
    for (const auto& column : back->batches[0]->columns)
      ExpectInside(*column, input->data(), input->data() + input->size(), column->type->ToString());
  }
}

TEST(IpcRoundTrip, BodiesAreAlignedAsAsked) {
  RandomArrays random(4);
  auto sch = schema({field("a", int8()), field("b", utf8()), field("c", boolean())});
  auto batch = MakeRecordBatch(sch, 13, {random.Make(int8(), 13), random.Make(utf8(), 13), random.Make(boolean(), 13)});
  for (int32_t alignment : {8, 64}) {
    WriteOptions options;
    options.alignment = alignment;
    for (bool file : {false, true}) {
      auto bytes = file ? WriteFile(sch, {batch, batch}, options) : WriteStream(sch, {batch, batch}, options);
      ASSERT_TRUE(bytes.ok());
      auto input = Buffer::CopyOf(*bytes);  // 64-byte aligned in memory
      auto back = ReadAny(input);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      for (const auto& b : back->batches) {
        for (const auto& column : b->columns) {
          for (const auto& buf : column->buffers) {
            if (!buf || buf->size() == 0) continue;
            EXPECT_EQ((buf->data() - input->data()) % alignment, 0) << "alignment " << alignment << " file " << file;
          }
        }
      }
    }
  }
}

TEST(IpcRoundTrip, AFileWrittenAfterOtherBytesIsSelfContained) {
  // Block offsets and alignment count from where the file begins, not from
  // the start of the output stream.
  auto sch = schema({field("s", utf8())});
  auto batch = MakeRecordBatch(sch, 2, {testing::Strings({"p", "qq"})});
  StringOutputStream out;
  ASSERT_TRUE(out.Write("preamble", 5).ok());
  WriteOptions options;
  options.alignment = 64;
  auto writer = FileWriter::Open(&out, sch, options);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->WriteBatch(*batch).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto file = Buffer::CopyOf(std::string_view(out.str()).substr(5));
  auto back = ReadFile(file);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame({batch}, *back, "file after preamble");
  for (const auto& buf : back->batches[0]->column(0)->buffers) {
    if (buf && buf->size() > 0) {
      EXPECT_EQ((buf->data() - file->data()) % 64, 0);
    }
  }
}

TEST(IpcRoundTrip, LegacyFramingHasNoContinuationMarker) {
  auto sch = schema({field("x", int64())});
  auto batch = MakeRecordBatch(sch, 3, {testing::Column<int64_t>(int64(), {1, 2, 3})});
  WriteOptions legacy;
  legacy.write_legacy_format = true;
  auto bytes = WriteStream(sch, {batch}, legacy);
  ASSERT_TRUE(bytes.ok());
  uint32_t first;
  std::memcpy(&first, bytes->data(), 4);
  EXPECT_NE(first, kContinuation);
  EXPECT_EQ((first + 4) % 8, 0u);                                     // metadata padded so that the body is aligned
  EXPECT_EQ(bytes->substr(bytes->size() - 4), std::string(4, '\0'));  // legacy end-of-stream
  auto back = ReadStream(Buffer::FromString(*bytes));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame({batch}, *back, "legacy");
}

TEST(IpcRoundTrip, StreamWithoutBatchesAndWithEmptyBatches) {
  auto sch = schema({field("s", utf8()), field("l", list(int32()))});
  RoundTrip(sch, {}, {}, "no batches");
  auto empty = MakeRecordBatch(sch, 0, {testing::Strings({}), MakeNullArray(list(int32()), 0)});
  RoundTrip(sch, {empty, empty}, {}, "empty batches");
  auto no_columns = schema({});
  RoundTrip(no_columns, {MakeRecordBatch(no_columns, 5, {})}, {}, "no columns");
}

TEST(IpcRoundTrip, SchemaAndFieldMetadataSurvive) {
  KeyValueMetadata field_md = {{"ARROW:extension:name", "hangar.uuid"}, {"ARROW:extension:metadata", ""}, {"k", "v"}};
  auto inner = field("inner", int32(), false, {{"deep", "yes"}});
  auto sch = schema({field("u", fixed_size_binary(16), true, field_md), field("s", struct_({inner}))},
                    {{"origin", "test"},
                     {"dup", "1"},
                     {"dup", "2"},
                     {"", ""},
                     {std::string("nul\0key", 7), std::string("va\0lue", 6)}});
  RandomArrays random(5);
  auto batch = MakeRecordBatch(sch, 4, {random.Make(sch->field(0)->type(), 4), random.Make(sch->field(1)->type(), 4)});
  auto bytes = WriteStream(sch, {batch});
  ASSERT_TRUE(bytes.ok());
  auto back = ReadStream(Buffer::FromString(*bytes));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->schema->Equals(*sch, /*check_metadata=*/true)) << back->schema->ToString();
  ASSERT_EQ(back->schema->metadata().size(), 5u);
  EXPECT_EQ(back->schema->metadata()[4].first.size(), 7u);  // NUL bytes kept
  EXPECT_EQ(back->schema->metadata()[4].second, std::string("va\0lue", 6));
  EXPECT_EQ(back->schema->field(0)->extension_name(), "hangar.uuid");
  EXPECT_FALSE(back->schema->field(1)->type()->child(0)->nullable());
}

TEST(IpcRoundTrip, WriterRejectsBatchesThatDoNotMatchTheSchema) {
  auto sch = schema({field("x", int64())});
  StringOutputStream out;
  auto writer = StreamWriter::Open(&out, sch);
  ASSERT_TRUE(writer.ok());
  auto wrong_type = MakeRecordBatch(sch, 2, {testing::Column<int32_t>(int32(), {1, 2})});
  Status st = (*writer)->WriteBatch(*wrong_type);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("column 'x' has type int32"), std::string::npos) << st.message();
  auto wrong_length = MakeRecordBatch(sch, 5, {testing::Column<int64_t>(int64(), {1, 2})});
  st = (*writer)->WriteBatch(*wrong_length);
  EXPECT_NE(st.message().find("has 2 rows, the batch 5"), std::string::npos) << st.message();
  // Buffers too small for the array's length: an error, not an over-read.
  auto short_buffer = MakeRecordBatch(sch, 4, {MakeArray(int64(), 4, {nullptr, Buffer::CopyOf("12345678")})});
  st = (*writer)->WriteBatch(*short_buffer);
  EXPECT_NE(st.message().find("values buffer has 8 bytes, the array needs 32"), std::string::npos) << st.message();
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_FALSE((*writer)->WriteBatch(*wrong_type).ok());
}

// --- message level: what the Flight layer uses --------------------------------

BufferPtr Concat(const std::vector<BufferPtr>& pieces) {
  std::string s;
  for (const auto& p : pieces) s.append(p->view());
  return Buffer::FromString(std::move(s));
}

TEST(IpcMessages, EncoderBodiesReferenceTheArrayBuffers) {
  auto values = testing::Column<int64_t>(int64(), {1, 2, 3, 4, 5});
  auto sch = schema({field("x", int64())});
  StreamEncoder encoder(sch, {});
  auto messages = encoder.EncodeBatch(*MakeRecordBatch(sch, 5, {values}));
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 1u);
  const EncodedMessage& m = (*messages)[0];
  bool shared = false;
  int64_t total = 0;
  for (const auto& piece : m.body) {
    shared = shared || piece->data() == values->buffers[1]->data();
    total += piece->size();
  }
  EXPECT_TRUE(shared) << "the values buffer was copied";
  EXPECT_EQ(total, m.body_length);
  EXPECT_EQ(m.body_length % 8, 0);
}

TEST(IpcMessages, DecoderConsumesMetadataAndBodySeparately) {
  auto sch = schema({field("city", dictionary(int8(), utf8())), field("n", int32())});
  RandomArrays random(6);
  auto b1 = MakeRecordBatch(sch, 10, {random.Make(sch->field(0)->type(), 10), random.Make(int32(), 10)});
  auto b2 = MakeRecordBatch(sch, 10, {random.Make(sch->field(0)->type(), 10), random.Make(int32(), 10)});
  StreamEncoder encoder(sch, {});
  StreamDecoder decoder;
  EXPECT_FALSE(decoder.has_schema());
  auto schema_message = encoder.EncodeSchema();
  ASSERT_TRUE(schema_message.ok());
  auto d = decoder.Consume(schema_message->metadata, nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->kind, StreamDecoder::Kind::kSchema);
  ASSERT_TRUE(decoder.has_schema());
  EXPECT_TRUE(decoder.schema()->Equals(*sch));

  for (const auto& batch : {b1, b2}) {
    auto messages = encoder.EncodeBatch(*batch);
    ASSERT_TRUE(messages.ok());
    ASSERT_EQ(messages->size(), 2u);  // a new (replacement) dictionary, then the batch
    auto dict = decoder.Consume((*messages)[0].metadata, Concat((*messages)[0].body));
    ASSERT_TRUE(dict.ok()) << dict.status().ToString();
    EXPECT_EQ(dict->kind, StreamDecoder::Kind::kDictionary);
    EXPECT_EQ(dict->dictionary_id, 0);
    EXPECT_FALSE(dict->is_delta);
    auto rb = decoder.Consume((*messages)[1].metadata, Concat((*messages)[1].body));
    ASSERT_TRUE(rb.ok()) << rb.status().ToString();
    ASSERT_EQ(rb->kind, StreamDecoder::Kind::kRecordBatch);
    EXPECT_EQ(BatchDiff(*batch, *rb->batch), "");
  }
}

TEST(IpcMessages, MisalignedMetadataIsCopiedAndALongerBodyIsCut) {
  auto sch = schema({field("x", int16())});
  auto batch = MakeRecordBatch(sch, 3, {testing::Column<int16_t>(int16(), {7, 8, 9})});
  StreamEncoder encoder(sch, {});
  auto s = encoder.EncodeSchema();
  auto messages = encoder.EncodeBatch(*batch);
  ASSERT_TRUE(s.ok() && messages.ok());
  StreamDecoder decoder;
  // Metadata at an odd address, as a protobuf field may leave it.
  std::string odd = "x" + std::string(s->metadata->view());
  auto odd_buf = Buffer::FromString(odd);
  ASSERT_TRUE(decoder.Consume(odd_buf->Slice(1, odd_buf->size() - 1), nullptr).ok());
  std::string body(Concat((*messages)[0].body)->view());
  body += "trailing bytes";
  auto rb = decoder.Consume((*messages)[0].metadata, Buffer::FromString(body));
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(BatchDiff(*batch, *rb->batch), "");
  auto truncated = decoder.Consume((*messages)[0].metadata, Buffer::CopyOf(body.substr(0, 3)));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("body is truncated"), std::string::npos);
}

// What the write-ahead log does with a batch a client sent: its message kept
// as it came, behind a schema message of the table's own (same layout,
// another field's nullability), in every framing and compression.
TEST(IpcMessages, AReceivedMessageBehindStreamHeadForReadsAsAStream) {
  auto sent_schema = schema({field("id", int64()), field("name", utf8())});
  auto table_schema = schema({field("id", int64(), false), field("name", utf8())});
  RandomArrays random(7);
  auto ids = random.Make(int64(), 50, /*null_probability=*/0);
  auto batch = MakeRecordBatch(sent_schema, 50, {ids, random.Make(utf8(), 50)});
  for (const auto& mode : AllModes()) {
    StreamEncoder encoder(sent_schema, mode.options);
    auto messages = encoder.EncodeBatch(*batch);
    ASSERT_TRUE(messages.ok()) << mode.name;
    ASSERT_EQ(messages->size(), 1u);
    auto received = Message::Open((*messages)[0].metadata, Concat((*messages)[0].body));
    ASSERT_TRUE(received.ok()) << mode.name << ": " << received.status().ToString();
    auto head = StreamHeadFor(table_schema, *received);
    ASSERT_TRUE(head.ok()) << mode.name;
    auto back = ReadStream(Buffer::FromString(*head + std::string(received->body()->view())));
    ASSERT_TRUE(back.ok()) << mode.name << ": " << back.status().ToString();
    EXPECT_TRUE(back->schema->Equals(*table_schema)) << mode.name;
    ASSERT_EQ(back->batches.size(), 1u) << mode.name;
    EXPECT_EQ(BatchDiff(*MakeRecordBatch(table_schema, 50, batch->columns), *back->batches[0]), "") << mode.name;
  }
}

TEST(IpcMessages, FdStreamsReadWhatFdStreamsWrite) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto sch = schema({field("s", utf8())});
  auto batch = MakeRecordBatch(sch, 3, {testing::Strings({"x", std::nullopt, "zz"})});
  {
    FdOutputStream out(fds[1]);
    auto writer = StreamWriter::Open(&out, sch);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->WriteBatch(*batch).ok());
    ASSERT_TRUE((*writer)->Close().ok());
    ::close(fds[1]);
  }
  auto reader = StreamReader::Open(std::make_shared<FdInputStream>(fds[0]));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto b = (*reader)->Next();
  ASSERT_TRUE(b.ok() && *b);
  EXPECT_EQ(BatchDiff(*batch, **b), "");
  auto end = (*reader)->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, nullptr);
  ::close(fds[0]);
}

TEST(IpcMessages, WholeFileHelpers) {
  auto sch = schema({field("x", int32())});
  auto bytes = WriteFile(sch, {MakeRecordBatch(sch, 2, {testing::Column<int32_t>(int32(), {4, 5})})});
  ASSERT_TRUE(bytes.ok());
  const std::string path = ::testing::TempDir() + "/hangar_ipc_roundtrip.arrow";
  ASSERT_TRUE(WriteWholeFile(path, *bytes).ok());
  auto mapped = ReadWholeFile(path);
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  EXPECT_EQ(mapped.value()->view(), *bytes);
  auto reader = FileReader::Open(*mapped);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->num_record_batches(), 1);
  EXPECT_FALSE((*reader)->ReadRecordBatch(1).ok());
  EXPECT_FALSE(ReadWholeFile(path + ".missing").ok());
}

}  // namespace
}  // namespace hangar::arrow::ipc
