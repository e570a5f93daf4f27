// Malformed IPC input: every truncation and many byte flips of valid streams
// and files must give an error or a valid result, never a crash or an
// over-read (run this under ASan); and each kind of damage a reader must
// catch gives a clear error naming it.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>

#include "arrow/compare.h"
#include "arrow/ipc/compression.h"
#include "arrow/ipc/encoder.h"
#include "arrow/ipc/message.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/pretty_print.h"
#include "ipc_random_arrays.h"
#include "test_util.h"

namespace hangar::arrow::ipc {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using testing::Column;
using testing::Strings;

// --- valid inputs to damage -----------------------------------------------------

RecordBatchPtr MixedBatch() {
  return MakeRecordBatch(
      schema({field("x", int64()), field("s", utf8()), field("d", dictionary(int32(), utf8()))}), 4,
      {Column<int64_t>(int64(), {1, 2, 3, 4}, {true, false, true, true}), Strings({"a", "bb", std::nullopt, "dddd"}),
       MakeArray(dictionary(int32(), utf8()), 4, {nullptr, Column<int32_t>(int32(), {0, 1, 0, 1})->buffers[1]}, {}, 0,
                 0, Strings({"p", "q"}))});
}

RecordBatchPtr NestedBatch() {
  std::vector<TypePtr> types = {
      list(struct_({field("a", int16()), field("b", utf8_view())})),
      dense_union({field("i", int32()), field("l", large_list(field("item", int8())))}),
      sparse_union({field("f", float32()), field("b", boolean())}),
      run_end_encoded(int32(), utf8()),
      map(utf8(), list_view(field("item", int64()))),
      fixed_size_list(field("item", decimal128(10, 2)), 2),
      dictionary(int8(), struct_({field("k", dictionary(int16(), binary()))})),
  };
  testing::RandomArrays random(99);
  std::vector<FieldPtr> fields;
  std::vector<ArrayPtr> columns;
  for (size_t i = 0; i < types.size(); ++i) {
    fields.push_back(field("c" + std::to_string(i), types[i]));
    columns.push_back(random.Make(types[i], 6));
  }
  return MakeRecordBatch(schema(fields), 6, columns);
}

struct Sample {
  std::string name;
  std::string bytes;
  bool is_file;
};

std::vector<Sample> Samples() {
  std::vector<Sample> out;
  auto add = [&](const std::string& name, const RecordBatchPtr& batch, WriteOptions options) {
    auto s = WriteStream(batch->schema, {batch, batch}, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    out.push_back({name + " stream", *s, false});
    auto f = WriteFile(batch->schema, {batch}, options);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    out.push_back({name + " file", *f, true});
  };
  add("mixed", MixedBatch(), {});
  add("nested", NestedBatch(), {});
  WriteOptions lz4;
  lz4.compression = Compression::kLz4Frame;
  add("mixed lz4", MixedBatch(), lz4);
  WriteOptions zstd;
  zstd.compression = Compression::kZstd;
  add("nested zstd", NestedBatch(), zstd);
  WriteOptions legacy;
  legacy.write_legacy_format = true;
  add("mixed legacy", MixedBatch(), legacy);
  return out;
}

// Reads `bytes` every way a server might; whatever it accepts must then be
// safe to traverse (printing and writing touch every value).
void ReadEveryWay(const std::string& bytes, size_t* accepted = nullptr) {
  auto input = Buffer::CopyOf(bytes);
  for (bool validate : {true, false}) {
    ReadOptions options;
    options.validate = validate;
    options.max_message_size = 1 << 20;
    for (auto r : {ReadStream(input, options), ReadFile(input, options)}) {
      if (!r.ok()) {
        EXPECT_FALSE(r.status().message().empty());
        continue;
      }
      if (accepted) ++*accepted;
      if (!validate) continue;  // trusted input is not traversed
      for (const auto& batch : r->batches) {
        (void)PrettyPrint(*batch);
        EXPECT_TRUE(WriteStream(r->schema, {batch}).ok());
      }
    }
  }
}

TEST(IpcMalformed, EveryTruncationIsAnErrorOrAValidPrefix) {
  for (const auto& sample : Samples()) {
    SCOPED_TRACE(sample.name);
    for (size_t n = 0; n < sample.bytes.size(); ++n) {
      const std::string prefix = sample.bytes.substr(0, n);
      ReadEveryWay(prefix);
      if (sample.is_file) {
        auto r = ReadFile(Buffer::CopyOf(prefix));
        EXPECT_FALSE(r.ok()) << "a file truncated to " << n << " bytes was accepted";
      } else {
        auto r = ReadStream(Buffer::CopyOf(prefix));
        if (r.ok()) {
          EXPECT_LE(r->batches.size(), 2u);
        }
      }
    }
  }
}

TEST(IpcMalformed, SingleByteFlipsNeverCrash) {
  for (const auto& sample : Samples()) {
    SCOPED_TRACE(sample.name + " (" + std::to_string(sample.bytes.size()) + " bytes)");
    // Every byte of the small samples; a spread of about 1200 of the larger ones.
    const size_t stride = sample.bytes.size() / 1200 + 1;
    std::string copy = sample.bytes;
    size_t accepted = 0, tried = 0;
    for (size_t i = 0; i < copy.size(); i += stride) {
      for (uint8_t mask : {0x01, 0xFF}) {
        copy[i] = static_cast<char>(sample.bytes[i] ^ mask);
        ReadEveryWay(copy, &accepted);
        copy[i] = sample.bytes[i];
        tried += 4;
      }
    }
    // Flips in values are legitimately accepted; flips in metadata mostly not.
    EXPECT_LT(accepted, tried);
  }
}

TEST(IpcMalformed, RandomDamageNeverCrashes) {
  std::mt19937_64 rng(20240601);
  const auto samples = Samples();
  for (int iteration = 0; iteration < 3000; ++iteration) {
    const Sample& sample = samples[rng() % samples.size()];
    std::string copy = sample.bytes;
    const int changes = 1 + static_cast<int>(rng() % 4);
    for (int c = 0; c < changes; ++c) {
      const size_t pos = rng() % copy.size();
      switch (rng() % 3) {
        case 0: copy[pos] = static_cast<char>(rng()); break;
        case 1: {  // an interesting 32-bit value over a length or offset
          const int32_t values[] = {0, -1, 1, 7, 0x7FFFFFFF, INT32_MIN, 0x10000};
          const int32_t v = values[rng() % 7];
          if (pos + 4 <= copy.size()) std::memcpy(&copy[pos], &v, 4);
          break;
        }
        default: copy.erase(pos, 1 + rng() % 16); break;
      }
      if (copy.empty()) break;
    }
    ReadEveryWay(copy);
  }
}

// --- crafted messages -----------------------------------------------------------

std::string Frame(const FlatBufferBuilder& fbb, const std::string& body = "") {
  EncodedMessage m;
  m.metadata = Buffer::CopyOf(std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()));
  if (!body.empty()) m.body.push_back(Buffer::CopyOf(body));
  m.body_length = static_cast<int64_t>(body.size());
  StringOutputStream out;
  EXPECT_TRUE(WriteMessage(&out, m).ok());
  return out.str();
}

std::string SchemaMessage(const SchemaPtr& sch) {
  StreamEncoder encoder(sch, {});
  auto m = encoder.EncodeSchema();
  StringOutputStream out;
  EXPECT_TRUE(WriteMessage(&out, *m).ok());
  return out.str();
}

// A body assembled buffer by buffer, each 8-byte aligned.
struct Body {
  std::string bytes;
  std::vector<fb::Buffer> buffers;
  Body& Add(const std::string& b) {
    buffers.emplace_back(static_cast<int64_t>(bytes.size()), static_cast<int64_t>(b.size()));
    bytes += b;
    bytes.resize(RoundUp(static_cast<int64_t>(bytes.size()), 8), '\0');
    return *this;
  }
  Body& Empty() { return Add(""); }
  template <typename T>
  Body& Values(std::vector<T> v) {
    return Add(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
  }
};

struct RawBatch {
  int64_t length = 0;
  std::vector<fb::FieldNode> nodes;
  Body body;
  std::optional<fb::CompressionType> codec;
  std::optional<std::vector<int64_t>> variadic;
  fb::MetadataVersion version = fb::MetadataVersion::V5;
  std::optional<int64_t> declared_body_length;
};

std::string BatchMessage(const RawBatch& raw) {
  FlatBufferBuilder fbb;
  auto nodes = fbb.CreateVectorOfStructs(raw.nodes);
  auto buffers = fbb.CreateVectorOfStructs(raw.body.buffers);
  Offset<fb::BodyCompression> compression = 0;
  if (raw.codec) compression = fb::CreateBodyCompression(fbb, *raw.codec);
  Offset<flatbuffers::Vector<int64_t>> variadic = 0;
  if (raw.variadic) variadic = fbb.CreateVector(*raw.variadic);
  auto rb = fb::CreateRecordBatch(fbb, raw.length, nodes, buffers, compression, variadic);
  const int64_t body_length = raw.declared_body_length.value_or(static_cast<int64_t>(raw.body.bytes.size()));
  fbb.Finish(fb::CreateMessage(fbb, raw.version, fb::MessageHeader::RecordBatch, rb.Union(), body_length));
  return Frame(fbb, raw.body.bytes);
}

// The error reading a stream of `sch` followed by one crafted batch.
std::string ErrorOf(const SchemaPtr& sch, const RawBatch& raw) {
  auto r = ReadStream(Buffer::CopyOf(SchemaMessage(sch) + BatchMessage(raw)));
  if (r.ok()) return "(accepted)";
  return r.status().message();
}

#define EXPECT_ERROR_HAS(text, fragment) \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos) << "error: " << (text)

TEST(IpcMalformed, BufferAndNodeDamage) {
  auto sch = schema({field("x", int64())});
  RawBatch good;
  good.length = 2;
  good.nodes = {{2, 0}};
  good.body.Empty().Values<int64_t>({5, 6});
  EXPECT_EQ(ErrorOf(sch, good), "(accepted)");

  RawBatch outside = good;
  outside.body.buffers[1] = fb::Buffer(8, 1000);
  EXPECT_ERROR_HAS(ErrorOf(sch, outside), "lies outside the message body of 16 bytes");
  outside.body.buffers[1] = fb::Buffer(-8, 16);
  EXPECT_ERROR_HAS(ErrorOf(sch, outside), "lies outside the message body");
  outside.body.buffers[1] = fb::Buffer(INT64_MAX, INT64_MAX);
  EXPECT_ERROR_HAS(ErrorOf(sch, outside), "lies outside the message body");

  RawBatch negative = good;
  negative.nodes = {{-2, 0}};
  EXPECT_ERROR_HAS(ErrorOf(sch, negative), "field node has invalid length -2");
  negative.nodes = {{2, 3}};
  EXPECT_ERROR_HAS(ErrorOf(sch, negative), "null count 3");

  RawBatch short_values = good;
  short_values.length = 3;
  short_values.nodes = {{3, 0}};
  EXPECT_ERROR_HAS(ErrorOf(sch, short_values), "value buffer has 16 bytes, needs 24");

  RawBatch mismatch = good;
  mismatch.length = 5;
  EXPECT_ERROR_HAS(ErrorOf(sch, mismatch), "column 'x' has 2 rows, batch has 5");

  RawBatch few_nodes = good;
  few_nodes.nodes.clear();
  EXPECT_ERROR_HAS(ErrorOf(sch, few_nodes), "fewer field nodes than the schema has fields");
  RawBatch few_buffers = good;
  few_buffers.body.buffers.pop_back();
  EXPECT_ERROR_HAS(ErrorOf(sch, few_buffers), "fewer buffers than its schema needs");

  RawBatch negative_length = good;
  negative_length.length = -1;
  EXPECT_ERROR_HAS(ErrorOf(sch, negative_length), "record batch has negative length");

  RawBatch short_body = good;
  short_body.declared_body_length = 1 << 30;
  EXPECT_ERROR_HAS(ErrorOf(sch, short_body), "message body has 16 of 1073741824 bytes");
  short_body.declared_body_length = int64_t{1} << 40;
  EXPECT_ERROR_HAS(ErrorOf(sch, short_body), "body length 1099511627776 is invalid");
  short_body.declared_body_length = -5;
  EXPECT_ERROR_HAS(ErrorOf(sch, short_body), "body length -5 is invalid");

  RawBatch bitmap = good;
  bitmap.nodes = {{2, 1}};
  bitmap.body.buffers[0] = fb::Buffer(0, 0);  // nulls claimed, no bitmap
  EXPECT_ERROR_HAS(ErrorOf(sch, bitmap), "validity bitmap has 0 bytes, needs 1");
  RawBatch wrong_count;
  wrong_count.length = 2;
  wrong_count.nodes = {{2, 1}};
  wrong_count.body.Add(std::string(1, '\x03')).Values<int64_t>({5, 6});  // both valid
  EXPECT_ERROR_HAS(ErrorOf(sch, wrong_count), "null count does not match the validity bitmap");
}

TEST(IpcMalformed, OffsetsAndNestedDamage) {
  auto strings = schema({field("s", utf8())});
  RawBatch decreasing;
  decreasing.length = 3;
  decreasing.nodes = {{3, 0}};
  decreasing.body.Empty().Values<int32_t>({0, 2, 1, 3}).Add("abc");
  EXPECT_ERROR_HAS(ErrorOf(strings, decreasing), "offsets decrease at position 2");
  RawBatch beyond = decreasing;
  beyond.body = Body();
  beyond.body.Empty().Values<int32_t>({0, 1, 2, 500}).Add("abc");
  EXPECT_ERROR_HAS(ErrorOf(strings, beyond), "offsets [0, 500] are outside 0..3");
  RawBatch negative_first = decreasing;
  negative_first.body = Body();
  negative_first.body.Empty().Values<int32_t>({-4, 1, 2, 3}).Add("abc");
  EXPECT_ERROR_HAS(ErrorOf(strings, negative_first), "are outside");

  auto lists = schema({field("l", list(int8()))});
  RawBatch list_beyond;
  list_beyond.length = 1;
  list_beyond.nodes = {{1, 0}, {2, 0}};
  list_beyond.body.Empty().Values<int32_t>({0, 3}).Empty().Values<int8_t>({1, 2});
  EXPECT_ERROR_HAS(ErrorOf(lists, list_beyond), "list offsets [0, 3] are outside 0..2");

  auto structs = schema({field("st", struct_({field("a", int32())}))});
  RawBatch short_child;
  short_child.length = 3;
  short_child.nodes = {{3, 0}, {2, 0}};
  short_child.body.Empty().Empty().Values<int32_t>({1, 2});
  EXPECT_ERROR_HAS(ErrorOf(structs, short_child), "struct child 'a' has 2 values, needs 3");

  auto sparse = schema({field("u", sparse_union({field("a", int8()), field("b", int8())}, {3, 7}))});
  RawBatch bad_code;
  bad_code.length = 2;
  bad_code.nodes = {{2, 0}, {2, 0}, {2, 0}};
  bad_code.body.Values<int8_t>({3, 4}).Empty().Values<int8_t>({1, 2}).Empty().Values<int8_t>({1, 2});
  EXPECT_ERROR_HAS(ErrorOf(sparse, bad_code), "union slot 1 has invalid type id 4");

  auto dense = schema({field("u", dense_union({field("a", int8())}))});
  RawBatch bad_offset;
  bad_offset.length = 2;
  bad_offset.nodes = {{2, 0}, {1, 0}};
  bad_offset.body.Values<int8_t>({0, 0}).Values<int32_t>({0, 1}).Empty().Values<int8_t>({9});
  EXPECT_ERROR_HAS(ErrorOf(dense, bad_offset), "dense union slot 1 has offset 1 outside its child");

  auto ree = schema({field("r", run_end_encoded(int32(), int8()))});
  RawBatch not_increasing;
  not_increasing.length = 4;
  not_increasing.nodes = {{4, 0}, {3, 0}, {3, 0}};
  not_increasing.body.Empty().Values<int32_t>({3, 2, 4}).Empty().Values<int8_t>({1, 2, 3});
  EXPECT_ERROR_HAS(ErrorOf(ree, not_increasing), "run ends are not strictly increasing at run 1");
  RawBatch too_short = not_increasing;
  too_short.body = Body();
  too_short.nodes = {{4, 0}, {2, 0}, {2, 0}};
  too_short.body.Empty().Values<int32_t>({1, 3}).Empty().Values<int8_t>({1, 2});
  EXPECT_ERROR_HAS(ErrorOf(ree, too_short), "run ends stop at 3, before the array's end 4");

  auto views = schema({field("v", utf8_view())});
  std::string view(16, '\0');
  const int32_t len = 20, index = 1, off = 0;
  std::memcpy(&view[0], &len, 4);
  std::memcpy(&view[8], &index, 4);
  std::memcpy(&view[12], &off, 4);
  RawBatch bad_view;
  bad_view.length = 1;
  bad_view.nodes = {{1, 0}};
  bad_view.body.Empty().Add(view).Add(std::string(32, 'x'));
  bad_view.variadic = std::vector<int64_t>{1};
  EXPECT_ERROR_HAS(ErrorOf(views, bad_view), "view 0 refers to data buffer 1 of 1");
  RawBatch no_counts = bad_view;
  no_counts.variadic.reset();
  EXPECT_ERROR_HAS(ErrorOf(views, no_counts), "view array without a variadic buffer count");
  RawBatch huge_count = bad_view;
  huge_count.variadic = std::vector<int64_t>{INT64_MAX};
  EXPECT_ERROR_HAS(ErrorOf(views, huge_count), "invalid variadic buffer count");
  RawBatch outside_data = bad_view;
  outside_data.variadic = std::vector<int64_t>{2};
  outside_data.body.Add(std::string(8, 'y'));  // data buffer 1 has 8 bytes, the view wants 20
  EXPECT_ERROR_HAS(ErrorOf(views, outside_data), "view 0 lies outside its data buffer");
}

TEST(IpcMalformed, CompressionDamage) {
  auto sch = schema({field("x", int64())});
  const std::string values(80, '\x07');
  auto compressed = CompressBuffer(Compression::kLz4Frame, *Buffer::CopyOf(values), 1);
  ASSERT_TRUE(compressed.ok());
  const std::string lz4((*compressed)->view());

  RawBatch good;
  good.length = 10;
  good.nodes = {{10, 0}};
  good.codec = fb::CompressionType::LZ4_FRAME;
  good.body.Empty().Add(lz4);
  EXPECT_EQ(ErrorOf(sch, good), "(accepted)");

  auto with_prefix = [&](int64_t claimed) {
    std::string b = lz4;
    std::memcpy(&b[0], &claimed, 8);
    RawBatch raw = good;
    raw.body = Body();
    raw.body.Empty().Add(b);
    return raw;
  };
  EXPECT_ERROR_HAS(ErrorOf(sch, with_prefix(96)), "LZ4 body buffer decompressed to 80 bytes, expected 96");
  EXPECT_ERROR_HAS(ErrorOf(sch, with_prefix(40)), "LZ4 body buffer holds more than the 40 bytes claimed");
  EXPECT_ERROR_HAS(ErrorOf(sch, with_prefix(int64_t{1} << 40)), "claims an uncompressed size of 1099511627776");
  EXPECT_ERROR_HAS(ErrorOf(sch, with_prefix(-7)), "claims an uncompressed size of -7");

  RawBatch zstd_labelled = good;
  zstd_labelled.codec = fb::CompressionType::ZSTD;
  EXPECT_ERROR_HAS(ErrorOf(sch, zstd_labelled), "ZSTD");

  RawBatch unknown = good;
  unknown.codec = static_cast<fb::CompressionType>(9);
  EXPECT_ERROR_HAS(ErrorOf(sch, unknown), "unknown IPC body compression codec");

  RawBatch tiny = good;
  tiny.body = Body();
  tiny.body.Empty().Add("abc");
  EXPECT_ERROR_HAS(ErrorOf(sch, tiny), "too short for its length prefix");

  // -1: stored uncompressed after the prefix.
  std::string stored(8, '\xff');
  stored += values;
  RawBatch raw_stored = good;
  raw_stored.body = Body();
  raw_stored.body.Empty().Add(stored);
  EXPECT_EQ(ErrorOf(sch, raw_stored), "(accepted)");
}

// --- crafted schemas ------------------------------------------------------------

// The error reading a stream whose schema has one field made by `make`.
std::string SchemaError(const std::function<Offset<fb::Field>(FlatBufferBuilder&)>& make,
                        fb::Endianness endianness = fb::Endianness::Little,
                        fb::MetadataVersion version = fb::MetadataVersion::V5) {
  FlatBufferBuilder fbb;
  auto f = make(fbb);
  auto s = fb::CreateSchema(fbb, endianness, fbb.CreateVector(std::vector<Offset<fb::Field>>{f}));
  fbb.Finish(fb::CreateMessage(fbb, version, fb::MessageHeader::Schema, s.Union(), 0));
  auto r = ReadStream(Buffer::CopyOf(Frame(fbb)));
  return r.ok() ? "(accepted)" : r.status().message();
}

Offset<fb::Field> Leaf(FlatBufferBuilder& fbb, fb::Type type, Offset<void> table,
                       std::vector<Offset<fb::Field>> children = {}) {
  return fb::CreateFieldDirect(fbb, "f", true, type, table, 0, &children);
}

TEST(IpcMalformed, SchemaDamage) {
  auto int32_leaf = [](FlatBufferBuilder& fbb) {
    return Leaf(fbb, fb::Type::Int, fb::CreateInt(fbb, 32, true).Union());
  };
  EXPECT_EQ(SchemaError(int32_leaf), "(accepted)");
  EXPECT_EQ(SchemaError(int32_leaf, fb::Endianness::Big),
            "big-endian IPC data is not supported (Hangar reads little-endian Arrow only)");
  EXPECT_ERROR_HAS(SchemaError(int32_leaf, fb::Endianness::Little, fb::MetadataVersion::V3),
                   "IPC metadata version V3 (Arrow before 0.8) is not supported");
  EXPECT_ERROR_HAS(SchemaError(int32_leaf, fb::Endianness::Little, static_cast<fb::MetadataVersion>(9)),
                   "newer than this reader");

  EXPECT_ERROR_HAS(
      SchemaError([](FlatBufferBuilder& fbb) { return Leaf(fbb, fb::Type::Int, fb::CreateInt(fbb, 7, true).Union()); }),
      "unsupported integer bit width 7");
  EXPECT_ERROR_HAS(SchemaError([](FlatBufferBuilder& fbb) {
                     return Leaf(fbb, fb::Type::Decimal, fb::CreateDecimal(fbb, 10, 2, 100).Union());
                   }),
                   "unsupported decimal bit width 100");
  EXPECT_ERROR_HAS(SchemaError([](FlatBufferBuilder& fbb) {
                     return Leaf(fbb, fb::Type::Decimal, fb::CreateDecimal(fbb, 40, 2, 128).Union());
                   }),
                   "precision 40 out of range");
  EXPECT_ERROR_HAS(SchemaError([](FlatBufferBuilder& fbb) {
                     return Leaf(fbb, fb::Type::Time, fb::CreateTime(fbb, fb::TimeUnit::SECOND, 64).Union());
                   }),
                   "invalid Time type");
  EXPECT_ERROR_HAS(SchemaError([](FlatBufferBuilder& fbb) {
                     return Leaf(fbb, fb::Type::FixedSizeBinary, fb::CreateFixedSizeBinary(fbb, -3).Union());
                   }),
                   "invalid byte width");
  EXPECT_ERROR_HAS(SchemaError([](FlatBufferBuilder& fbb) {
                     return Leaf(fbb, fb::Type::FixedSizeBinary, fb::CreateFixedSizeBinary(fbb, 822083704).Union());
                   }),
                   "invalid byte width 822083704");
  EXPECT_ERROR_HAS(
      SchemaError([](FlatBufferBuilder& fbb) { return Leaf(fbb, fb::Type::List, fb::CreateList(fbb).Union()); }),
      "List type needs 1 child field(s), has 0");
  EXPECT_ERROR_HAS(SchemaError([&](FlatBufferBuilder& fbb) {
                     auto child = int32_leaf(fbb);
                     return Leaf(fbb, fb::Type::Map, fb::CreateMap(fbb).Union(), {child});
                   }),
                   "map entries must be a struct");
  EXPECT_ERROR_HAS(SchemaError([&](FlatBufferBuilder& fbb) {
                     auto child = int32_leaf(fbb);
                     auto ids = fbb.CreateVector(std::vector<int32_t>{1, 2});
                     return Leaf(fbb, fb::Type::Union, fb::CreateUnion(fbb, fb::UnionMode::Sparse, ids).Union(),
                                 {child});
                   }),
                   "union has 1 children but 2 type codes");
  EXPECT_ERROR_HAS(SchemaError([&](FlatBufferBuilder& fbb) {
                     auto child = int32_leaf(fbb);
                     auto ids = fbb.CreateVector(std::vector<int32_t>{300});
                     return Leaf(fbb, fb::Type::Union, fb::CreateUnion(fbb, fb::UnionMode::Dense, ids).Union(),
                                 {child});
                   }),
                   "union type id 300 out of range");
  EXPECT_ERROR_HAS(SchemaError([&](FlatBufferBuilder& fbb) {
                     auto a = int32_leaf(fbb);
                     auto b = Leaf(fbb, fb::Type::Utf8, fb::CreateUtf8(fbb).Union());
                     return Leaf(fbb, fb::Type::RunEndEncoded, fb::CreateRunEndEncoded(fbb).Union(), {b, a});
                   }),
                   "run ends must be int16, int32 or int64");
  EXPECT_ERROR_HAS(SchemaError([](FlatBufferBuilder& fbb) {
                     return Leaf(fbb, static_cast<fb::Type>(77), fb::CreateNull(fbb).Union());
                   }),
                   "unknown IPC type tag 77");
}

TEST(IpcMalformed, NestingDeeperThanTheLimitIsRefused) {
  TypePtr deep = int32();
  for (int i = 0; i < 70; ++i) deep = list(deep);
  auto sch = schema({field("deep", deep)});
  auto r = ReadStream(Buffer::CopyOf(SchemaMessage(sch)));
  ASSERT_FALSE(r.ok());
  EXPECT_ERROR_HAS(r.status().message(), "type nesting deeper than 64 levels");
  ReadOptions generous;
  generous.max_recursion_depth = 100;
  EXPECT_TRUE(ReadStream(Buffer::CopyOf(SchemaMessage(sch)), generous).ok());

  // Far deeper than any limit: the flatbuffer verifier's depth bound stops it.
  TypePtr abyss = int32();
  for (int i = 0; i < 400; ++i) abyss = struct_({field("s", abyss)});
  auto r2 = ReadStream(Buffer::CopyOf(SchemaMessage(schema({field("abyss", abyss)}))), generous);
  ASSERT_FALSE(r2.ok());
  EXPECT_ERROR_HAS(r2.status().message(), "not a valid flatbuffer");
}

TEST(IpcMalformed, FramingDamage) {
  auto error = [](const std::string& bytes) {
    auto r = ReadStream(Buffer::CopyOf(bytes));
    return r.ok() ? std::string("(accepted)") : r.status().message();
  };
  EXPECT_EQ(error(""), "IPC stream is empty: it has no schema message");
  EXPECT_EQ(error(std::string("\xff\xff\xff\xff\x10\x00\x00\x00garbagegarbage!!", 24)),
            "IPC message metadata is not a valid flatbuffer");
  EXPECT_ERROR_HAS(error(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8)), "metadata has 0 of 2147483647 bytes");
  ReadOptions small;
  small.max_message_size = 1 << 20;
  auto limited = ReadStream(Buffer::CopyOf(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8)), small);
  ASSERT_FALSE(limited.ok());
  EXPECT_ERROR_HAS(limited.status().message(), "metadata length 2147483647 is invalid");
  EXPECT_ERROR_HAS(error(std::string("\xff\xff\xff\xff\x00\x00\x00\x80", 8)), "metadata length -2147483648 is invalid");
  EXPECT_ERROR_HAS(error(std::string("\xff\xff\xff\xff\x40\x00\x00\x00", 8)), "message metadata has 0 of 64 bytes");
  EXPECT_ERROR_HAS(error(std::string("\xff\xff\xff\xff\x40", 5)), "ends inside a message length prefix");

  // A stream must start with its schema; tensors are not Arrow data Hangar reads.
  FlatBufferBuilder fbb;
  fbb.Finish(
      fb::CreateMessage(fbb, fb::MetadataVersion::V5, fb::MessageHeader::Tensor, fb::CreateTensor(fbb).Union(), 0));
  EXPECT_EQ(error(Frame(fbb)), "IPC stream does not start with a schema message");
  auto sch = schema({field("x", int8())});
  EXPECT_EQ(error(SchemaMessage(sch) + Frame(fbb)), "IPC tensor messages are not supported");
  EXPECT_EQ(error(SchemaMessage(sch) + SchemaMessage(sch)), "IPC stream has a second schema message");
  // A stream that just stops after its schema, without end-of-stream marker, is complete.
  EXPECT_EQ(error(SchemaMessage(sch)), "(accepted)");
}

TEST(IpcMalformed, FileDamage) {
  auto batch = MixedBatch();
  auto file = WriteFile(batch->schema, {batch});
  ASSERT_TRUE(file.ok());
  auto error = [](const std::string& bytes) {
    auto r = ReadFile(Buffer::CopyOf(bytes));
    return r.ok() ? std::string("(accepted)") : r.status().message();
  };
  EXPECT_EQ(error(*file), "(accepted)");
  auto stream = WriteStream(batch->schema, {batch});
  EXPECT_ERROR_HAS(error(*stream), "missing ARROW1 magic");
  std::string bad_footer_length = *file;
  const int32_t huge = 1 << 30;
  std::memcpy(&bad_footer_length[bad_footer_length.size() - 10], &huge, 4);
  EXPECT_ERROR_HAS(error(bad_footer_length), "footer length 1073741824 is invalid");
  std::string garbage_footer = *file;
  int32_t footer_length;
  std::memcpy(&footer_length, &garbage_footer[garbage_footer.size() - 10], 4);
  std::memset(&garbage_footer[garbage_footer.size() - 10 - footer_length], 0x5a, footer_length);
  EXPECT_EQ(error(garbage_footer), "Arrow IPC file footer is not a valid flatbuffer");

  // Blocks that point outside the file or at the wrong message.
  auto with_blocks = [&](std::vector<fb::Block> dictionaries, std::vector<fb::Block> batches) {
    StreamEncoder encoder(batch->schema, {});
    FlatBufferBuilder fbb;
    auto s = encoder.WriteSchema(fbb);
    auto d = fbb.CreateVectorOfStructs(dictionaries);
    auto b = fbb.CreateVectorOfStructs(batches);
    fbb.Finish(fb::CreateFooter(fbb, fb::MetadataVersion::V5, s, d, b));
    std::string out = file->substr(0, file->size() - 10 - footer_length);
    const int32_t size = static_cast<int32_t>(fbb.GetSize());
    out.append(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
    out.append(reinterpret_cast<const char*>(&size), 4);
    out += "ARROW1";
    return out;
  };
  // Opening reads no record batch; reading the one that is not there fails.
  auto opened = FileReader::Open(Buffer::CopyOf(with_blocks({}, {fb::Block(1 << 20, 100, 0)})));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto rb = (*opened)->ReadRecordBatch(0);
  ASSERT_FALSE(rb.ok());
  EXPECT_ERROR_HAS(rb.status().message(), "lies outside the file");
  EXPECT_ERROR_HAS(error(with_blocks({fb::Block(8, -4, 0)}, {})), "lies outside the file");
  EXPECT_ERROR_HAS(error(with_blocks({fb::Block(8, 200, INT64_MAX)}, {})), "lies outside the file");
  // The schema message where a dictionary should be.
  int32_t schema_length;
  std::memcpy(&schema_length, &(*file)[12], 4);
  EXPECT_ERROR_HAS(error(with_blocks({fb::Block(8, 8 + schema_length, 0)}, {})), "does not hold a dictionary batch");
}

}  // namespace
}  // namespace hangar::arrow::ipc
