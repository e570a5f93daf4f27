// The C Data Interface and C Stream Interface: format strings, export →
// import round trips of every type (whole, sliced, every gold-file batch),
// zero copy both ways, release semantics (exactly once, moved structs and
// moved children), arrays written by an independent hand-made C producer
// (offsets, absent buffers, view buffers, misalignment, malformed input),
// and streams including producer errors.
#include "arrow/c_data.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/reader.h"
#include "arrow/validate.h"
#include "c_data_samples.h"
#include "test_util.h"

namespace hangar::arrow {
namespace {

using testing::Column;
using testing::EveryTypeBatch;
using testing::SampleArray;
using testing::Strings;

// --- Helpers ----------------------------------------------------------------------

RecordBatchPtr RoundTrip(const RecordBatch& batch) {
  ArrowArray c_array{};
  ArrowSchema c_schema{};
  Status st = ExportRecordBatch(batch, &c_array, &c_schema);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (!st.ok()) return nullptr;
  auto sch = ImportSchema(&c_schema);
  EXPECT_EQ(c_schema.release, nullptr);
  EXPECT_TRUE(sch.ok()) << sch.status().ToString();
  if (!sch.ok()) {
    c_array.release(&c_array);
    return nullptr;
  }
  auto back = ImportRecordBatch(&c_array, *sch);
  EXPECT_EQ(c_array.release, nullptr);
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  return back.ok() ? *back : nullptr;
}

ArrayPtr RoundTripArray(const ArrayPtr& array) {
  ArrowArray c_array{};
  ArrowSchema c_schema{};
  Status st = ExportArray(array, &c_array, &c_schema);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (!st.ok()) return nullptr;
  auto back = ImportArray(&c_array, &c_schema);
  EXPECT_EQ(c_array.release, nullptr);
  EXPECT_EQ(c_schema.release, nullptr);
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  return back.ok() ? *back : nullptr;
}

// --- Format strings -----------------------------------------------------------------

TEST(CDataFormatTest, EveryTypeHasItsSpecifiedFormat) {
  const std::vector<std::pair<TypePtr, std::string>> cases = {
      {null(), "n"},
      {boolean(), "b"},
      {int8(), "c"},
      {uint8(), "C"},
      {int16(), "s"},
      {uint16(), "S"},
      {int32(), "i"},
      {uint32(), "I"},
      {int64(), "l"},
      {uint64(), "L"},
      {float16(), "e"},
      {float32(), "f"},
      {float64(), "g"},
      {binary(), "z"},
      {large_binary(), "Z"},
      {binary_view(), "vz"},
      {utf8(), "u"},
      {large_utf8(), "U"},
      {utf8_view(), "vu"},
      {fixed_size_binary(42), "w:42"},
      {decimal128(19, 10), "d:19,10"},
      {decimal(9, 2, 32), "d:9,2,32"},
      {decimal(18, -3, 64), "d:18,-3,64"},
      {decimal256(40, 2), "d:40,2,256"},
      {date32(), "tdD"},
      {date64(), "tdm"},
      {time32(TimeUnit::kSecond), "tts"},
      {time32(TimeUnit::kMilli), "ttm"},
      {time64(TimeUnit::kMicro), "ttu"},
      {time64(TimeUnit::kNano), "ttn"},
      {timestamp(TimeUnit::kSecond), "tss:"},
      {timestamp(TimeUnit::kMilli, "Europe/Paris"), "tsm:Europe/Paris"},
      {timestamp(TimeUnit::kMicro, "UTC"), "tsu:UTC"},
      {timestamp(TimeUnit::kNano, "+07:00"), "tsn:+07:00"},
      {duration(TimeUnit::kSecond), "tDs"},
      {duration(TimeUnit::kMilli), "tDm"},
      {duration(TimeUnit::kMicro), "tDu"},
      {duration(TimeUnit::kNano), "tDn"},
      {interval_year_month(), "tiM"},
      {interval_day_time(), "tiD"},
      {interval_month_day_nano(), "tin"},
      {list(uint64()), "+l"},
      {large_list(field("x", int8())), "+L"},
      {list_view(field("x", int8())), "+vl"},
      {large_list_view(field("x", uint64())), "+vL"},
      {fixed_size_list(field("x", int8()), 123), "+w:123"},
      {struct_({field("ints", int32()), field("floats", float32())}), "+s"},
      {map(utf8(), float64()), "+m"},
      {dense_union({field("a", int32()), field("b", utf8())}, {3, 7}), "+ud:3,7"},
      {sparse_union({field("ints", int32()), field("floats", float32())}, {4, 5}), "+us:4,5"},
      {sparse_union({}, {}), "+us:"},
      {run_end_encoded(int32(), float32()), "+r"},
      {dictionary(int16(), decimal128(12, 5)), "s"},  // the index type's format
  };
  for (const auto& [type, format] : cases) {
    auto f = FormatString(*type);
    ASSERT_TRUE(f.ok()) << type->ToString();
    EXPECT_EQ(*f, format) << type->ToString();
    if (type->id() == TypeId::kDictionary) continue;
    // And back, with the type's own children.
    auto back = TypeFromFormat(*f, type->children(), type->keys_sorted() ? ARROW_FLAG_MAP_KEYS_SORTED : 0);
    ASSERT_TRUE(back.ok()) << format << ": " << back.status().ToString();
    EXPECT_TRUE((*back)->Equals(*type)) << format << ": " << (*back)->ToString() << " vs " << type->ToString();
  }
  // The explicit 128-bit decimal form is read too.
  EXPECT_TRUE((*TypeFromFormat("d:19,10,128"))->Equals(*decimal128(19, 10)));
}

TEST(CDataFormatTest, MalformedAndUnsupportedFormatsAreClearErrors) {
  const auto one = std::vector<FieldPtr>{field("x", int32())};
  const auto two = std::vector<FieldPtr>{field("a", int32()), field("b", int32())};
  const std::vector<std::tuple<std::string, std::vector<FieldPtr>, std::string>> cases = {
      {"", {}, "empty C data format string"},
      {"Q", {}, "unsupported C data format string 'Q'"},
      {"ii", {}, "unsupported C data format string 'ii'"},
      {"w:", {}, "malformed C data format string 'w:': expected w:<byte width>"},
      {"w:-1", {}, "malformed C data format string 'w:-1': expected w:<byte width>"},
      {"w:4x", {}, "malformed C data format string 'w:4x': expected w:<byte width>"},
      {"d:10", {}, "malformed C data format string 'd:10': expected d:<precision>,<scale>[,<bit width>]"},
      {"d:x,2", {}, "malformed C data format string 'd:x,2': expected d:<precision>,<scale>[,<bit width>]"},
      {"d:10,2,", {}, "malformed C data format string 'd:10,2,': expected d:<precision>,<scale>[,<bit width>]"},
      {"d:10,2,99", {}, "malformed C data format string 'd:10,2,99': decimal bit width must be 32, 64, 128 or 256"},
      {"d:50,2", {}, "decimal128 precision 50 out of range 1..38"},
      {"d:0,0,32", {}, "decimal32 precision 0 out of range 1..9"},
      {"ttx", {}, "malformed C data format string 'ttx': time unit must be s, m, u or n"},
      {"tDx", {}, "malformed C data format string 'tDx': duration unit must be s, m, u or n"},
      {"tsu", {}, "malformed C data format string 'tsu': expected ts<unit>:<timezone>"},
      {"tsx:UTC", {}, "malformed C data format string 'tsx:UTC': timestamp unit must be s, m, u or n"},
      {"tdx", {}, "unsupported C data format string 'tdx'"},
      {"+w:", one, "malformed C data format string '+w:': expected +w:<list size>"},
      {"+ud:1,", one, "malformed C data format string '+ud:1,': trailing comma"},
      {"+ud:200", one, "malformed C data format string '+ud:200': union type ids must be integers in 0..127"},
      {"+us:1,1", two, "union type codes are not unique"},
      {"+ud:1,2", one, "C data format '+ud:1,2' lists 2 type ids for 1 children"},
      {"+l", {}, "C data format '+l' needs 1 child(ren), got 0"},
      {"+r", one, "C data format '+r' needs 2 child(ren), got 1"},
      {"+r",
       {field("run_ends", utf8()), field("values", int32())},
       "run_end_encoded run ends must be int16, int32 or int64"},
      {"+m", one, "map entries must be a struct with two fields (key, value)"},
      {"i", one, "C data format 'i' takes no children, got 1"},
      {"+x", {}, "unsupported C data format string '+x'"},
  };
  for (const auto& [format, children, message] : cases) {
    auto t = TypeFromFormat(format, children);
    ASSERT_FALSE(t.ok()) << "'" << format << "' gave " << (*t)->ToString();
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << format;
    EXPECT_EQ(t.status().message(), message) << format;
  }
}

// --- Round trips --------------------------------------------------------------------

TEST(CDataRoundTripTest, EveryTypeWithSchemaAndFieldMetadata) {
  auto batch = EveryTypeBatch(23);
  for (const auto& c : batch->columns) ASSERT_NE(c, nullptr);
  ASSERT_TRUE(ValidateBatch(*batch).ok()) << ValidateBatch(*batch).ToString();
  auto back = RoundTrip(*batch);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(batch->schema->Diff(*back->schema), "");
  EXPECT_TRUE(MetadataEquals(back->schema->metadata(), batch->schema->metadata()));
  EXPECT_EQ(BatchDiff(*batch, *back), "");
  // Nullability, metadata (extension types) and map/dictionary flags survive.
  const Schema& s = *back->schema;
  EXPECT_FALSE(s.field(s.GetFieldIndex("int8"))->nullable());
  EXPECT_EQ(s.field(s.GetFieldIndex("uuid"))->extension_name(), "arrow.uuid");
  EXPECT_TRUE(s.field(s.GetFieldIndex("map"))->type()->keys_sorted());
  EXPECT_TRUE(s.field(s.GetFieldIndex("dictionary"))->type()->ordered());
  EXPECT_FALSE(s.field(s.GetFieldIndex("dictionary_u32_int"))->type()->ordered());
}

TEST(CDataRoundTripTest, EverySlicedColumnKeepsItsOffsetAndValues) {
  auto batch = EveryTypeBatch(37);
  for (int c = 0; c < batch->num_columns(); ++c) {
    const auto& name = batch->schema->field(c)->name();
    for (auto [offset, length] : {std::pair<int64_t, int64_t>{5, 21}, {0, 1}, {36, 1}, {9, 0}, {37, 0}}) {
      auto slice = batch->column(c)->Slice(offset, length);
      ArrowArray c_array{};
      ASSERT_TRUE(ExportArray(slice, &c_array).ok()) << name;
      EXPECT_EQ(c_array.length, length);
      // The slice is exported in place (a zero-length one at offset 0).
      EXPECT_EQ(c_array.offset, length == 0 ? 0 : offset) << name;
      auto back = ImportArray(&c_array, slice->type);
      ASSERT_TRUE(back.ok()) << name << " " << offset << "+" << length << ": " << back.status().ToString();
      EXPECT_EQ(ArrayDiff(*slice, **back), "") << name << " " << offset << "+" << length;
    }
  }
  // A whole sliced batch (a struct array whose children carry the offsets).
  auto slice = batch->Slice(3, 30);
  auto back = RoundTrip(*slice);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(BatchDiff(*slice, *back), "");
}

TEST(CDataRoundTripTest, EveryGoldBatchRoundTrips) {
  int batches = 0;
  for (const auto& path : testing::GoldIpcFiles()) {
    if (!path.ends_with(".stream")) continue;
    auto bytes = ipc::ReadWholeFile(path);
    ASSERT_TRUE(bytes.ok()) << path;
    auto data = ipc::ReadStream(*bytes);
    ASSERT_TRUE(data.ok()) << path << ": " << data.status().ToString();
    for (const auto& batch : data->batches) {
      auto back = RoundTrip(*batch);
      ASSERT_NE(back, nullptr) << path;
      EXPECT_EQ(BatchDiff(*batch, *back), "") << path;
      if (batch->num_rows > 3) {
        auto slice = batch->Slice(1, batch->num_rows - 2);
        auto sliced_back = RoundTrip(*slice);
        ASSERT_NE(sliced_back, nullptr) << path;
        EXPECT_EQ(BatchDiff(*slice, *sliced_back), "") << path << " (sliced)";
      }
      ++batches;
    }
  }
  EXPECT_GT(batches, 100);
}

TEST(CDataRoundTripTest, ExportedStructsFollowTheLayoutTheSpecificationDescribes) {
  // Views: [validity, views, data..., int64 sizes of the data buffers].
  BinaryViewBuilder views(utf8_view());
  views.Append("short");
  views.Append("a string longer than twelve bytes");
  views.AppendNull();
  auto view_array = *views.Finish();
  ArrowArray c{};
  ASSERT_TRUE(ExportArray(view_array, &c).ok());
  ASSERT_EQ(c.n_buffers, 4);
  EXPECT_EQ(c.null_count, 1);
  EXPECT_EQ(c.buffers[1], view_array->buffers[1]->data());
  EXPECT_EQ(c.buffers[2], view_array->buffers[2]->data());
  int64_t size;
  std::memcpy(&size, c.buffers[3], 8);
  EXPECT_EQ(size, view_array->buffers[2]->size());
  c.release(&c);
  EXPECT_EQ(c.release, nullptr);

  // Null type: no buffers, every slot null. Unions: no validity buffer.
  ASSERT_TRUE(ExportArray(MakeNullArray(null(), 4), &c).ok());
  EXPECT_EQ(c.n_buffers, 0);
  EXPECT_EQ(c.null_count, 4);
  c.release(&c);
  auto u = SampleArray(dense_union({field("a", int32())}, {2}), 4);
  ASSERT_TRUE(ExportArray(u, &c).ok());
  EXPECT_EQ(c.n_buffers, 2);
  EXPECT_EQ(c.null_count, 0);
  EXPECT_EQ(c.n_children, 1);
  c.release(&c);

  // A dictionary: indices in the base struct, values in `dictionary`.
  auto d = SampleArray(dictionary(int8(), utf8(), true), 5);
  ArrowSchema s{};
  ASSERT_TRUE(ExportArray(d, &c, &s).ok());
  EXPECT_STREQ(s.format, "c");
  ASSERT_NE(s.dictionary, nullptr);
  EXPECT_STREQ(s.dictionary->format, "u");
  EXPECT_EQ(s.flags, ARROW_FLAG_NULLABLE | ARROW_FLAG_DICTIONARY_ORDERED);
  ASSERT_NE(c.dictionary, nullptr);
  EXPECT_EQ(c.dictionary->length, 3);
  EXPECT_EQ(c.n_buffers, 2);
  c.release(&c);
  s.release(&s);

  // An empty array whose Array has no buffers still hands out readable
  // offsets (some consumers read the first one), and no validity bitmap.
  auto empty = MakeArray(utf8(), 0, {nullptr, nullptr, nullptr}, {}, 0, /*offset=*/7);
  ASSERT_TRUE(ExportArray(empty, &c).ok());
  EXPECT_EQ(c.offset, 0);
  EXPECT_EQ(c.buffers[0], nullptr);
  ASSERT_NE(c.buffers[1], nullptr);
  int32_t first;
  std::memcpy(&first, c.buffers[1], 4);
  EXPECT_EQ(first, 0);
  c.release(&c);
}

TEST(CDataRoundTripTest, SchemaFlagsNamesAndMetadataBytes) {
  auto f = field("m", map(utf8(), int32(), /*keys_sorted=*/true), false, {{"key1", "value1"}});
  ArrowSchema s{};
  ASSERT_TRUE(ExportField(*f, &s).ok());
  EXPECT_STREQ(s.format, "+m");
  EXPECT_STREQ(s.name, "m");
  EXPECT_EQ(s.flags, ARROW_FLAG_MAP_KEYS_SORTED);  // not nullable
  // The specification's own example of the metadata encoding (little-endian).
  const char expected[] = "\x01\x00\x00\x00\x04\x00\x00\x00key1\x06\x00\x00\x00value1";
  ASSERT_NE(s.metadata, nullptr);
  EXPECT_EQ(std::memcmp(s.metadata, expected, sizeof expected - 1), 0);
  ASSERT_EQ(s.n_children, 1);
  EXPECT_STREQ(s.children[0]->name, "entries");
  EXPECT_STREQ(s.children[0]->format, "+s");
  EXPECT_EQ(s.children[0]->metadata, nullptr);  // absent metadata is NULL, not ""
  EXPECT_STREQ(s.children[0]->children[0]->name, "key");
  EXPECT_EQ(s.children[0]->children[0]->flags, 0);
  auto back = ImportField(&s);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->Equals(*f)) << (*back)->ToString();

  // A schema is a non-nullable, unnamed struct carrying the schema metadata.
  auto sch = schema({field("a", int8())}, {{"x", "y"}});
  ASSERT_TRUE(ExportSchema(*sch, &s).ok());
  EXPECT_STREQ(s.format, "+s");
  EXPECT_STREQ(s.name, "");
  EXPECT_EQ(s.flags, 0);
  auto sch_back = ImportSchema(&s);
  ASSERT_TRUE(sch_back.ok());
  EXPECT_TRUE((*sch_back)->Equals(*sch));
}

// --- Zero copy and release semantics -------------------------------------------------

TEST(CDataReleaseTest, ExportKeepsBuffersAliveUntilReleaseAndImportIsZeroCopy) {
  auto column = Strings({"alpha", std::nullopt, "gamma"});
  const uint8_t* data = column->buffers[2]->data();
  std::weak_ptr<const Buffer> weak = column->buffers[2];
  std::weak_ptr<const Array> weak_array = column;
  ArrowArray c{};
  ASSERT_TRUE(ExportArray(column, &c).ok());
  column.reset();
  EXPECT_FALSE(weak.expired());  // the export holds it
  EXPECT_EQ(c.null_count, 1);
  EXPECT_EQ(c.n_buffers, 3);
  EXPECT_EQ(c.buffers[2], data);
  auto imported = ImportArray(&c, utf8());
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(c.release, nullptr);                     // moved into the import
  EXPECT_EQ((*imported)->buffers[2]->data(), data);  // no copy
  EXPECT_EQ((*imported)->GetBinary(2), "gamma");
  auto slice = (*imported)->Slice(2, 1);
  imported = Status::Cancelled("drop");
  EXPECT_FALSE(weak.expired());  // the slice still refers to the export
  slice.reset();
  EXPECT_TRUE(weak.expired());  // released exactly when the last user let go
  EXPECT_TRUE(weak_array.expired());
}

TEST(CDataReleaseTest, MovedStructIsReleasedThroughItsNewAddress) {
  auto column = Column<int64_t>(int64(), {1, 2, 3});
  std::weak_ptr<const Buffer> weak = column->buffers[1];
  auto original = std::make_unique<ArrowArray>();
  ASSERT_TRUE(ExportArray(column, original.get()).ok());
  column.reset();
  ArrowArray moved;
  std::memcpy(&moved, original.get(), sizeof moved);  // a bitwise move, as the spec allows
  original->release = nullptr;
  original.reset();  // the old location is gone
  EXPECT_FALSE(weak.expired());
  moved.release(&moved);
  EXPECT_EQ(moved.release, nullptr);
  EXPECT_TRUE(weak.expired());
}

TEST(CDataReleaseTest, ChildMovedOutOutlivesItsParent) {
  auto sch = schema({field("x", int32()), field("s", utf8())});
  auto batch = MakeRecordBatch(sch, 2, {Column<int32_t>(int32(), {7, 8}), Strings({"kept", "alive"})});
  std::weak_ptr<const Buffer> weak_x = batch->column(0)->buffers[1];
  std::weak_ptr<const Buffer> weak_s = batch->column(1)->buffers[2];
  ArrowArray c{};
  ArrowSchema cs{};
  ASSERT_TRUE(ExportRecordBatch(*batch, &c, &cs).ok());
  batch.reset();
  // Keep only column "s": move it out, then release the parent at once.
  ArrowArray s_column = *c.children[1];
  c.children[1]->release = nullptr;
  ArrowSchema s_field = *cs.children[1];
  cs.children[1]->release = nullptr;
  c.release(&c);
  cs.release(&cs);
  EXPECT_TRUE(weak_x.expired());  // the other column went with the parent
  EXPECT_FALSE(weak_s.expired());
  auto f = ImportField(&s_field);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->name(), "s");
  auto s = ImportArray(&s_column, (*f)->type());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->GetBinary(1), "alive");
  s = Status::Cancelled("drop");
  EXPECT_TRUE(weak_s.expired());
}

TEST(CDataReleaseTest, FailedExportLeavesTheOutputUntouched) {
  // A malformed Array (int32 with one buffer) and a batch whose column is short.
  auto bad = MakeArray(int32(), 3, {nullptr});
  ArrowArray c{};
  ArrowSchema s{};
  auto st = ExportArray(bad, &c, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "cannot export int32 array: int32 array has 1 buffers, expected 2");
  EXPECT_EQ(c.release, nullptr);
  EXPECT_EQ(s.release, nullptr);
  auto sch = schema({field("x", int32())});
  auto short_batch = MakeRecordBatch(sch, 5, {Column<int32_t>(int32(), {1, 2})});
  st = ExportRecordBatch(*short_batch, &c, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "column 'x' has 2 rows, batch has 5");
  EXPECT_EQ(c.release, nullptr);
  EXPECT_EQ(s.release, nullptr);
  // A missing values buffer where values are needed.
  st = ExportArray(MakeArray(int64(), 2, {nullptr, nullptr}), &c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "cannot export int64 array: int64 value buffer has 0 bytes, needs 16");
}

// --- An independent C producer -------------------------------------------------------

// Arrays written the way a C library would: malloc'ed buffers copied from
// byte strings, children and dictionary as separately allocated structs, a
// release callback that frees everything. Counters prove release runs once
// per base struct and that everything is freed (ASan checks the frees).
struct CSpec {
  int64_t length = 0;
  int64_t null_count = 0;
  int64_t offset = 0;
  std::vector<std::optional<std::string>> buffers = {};  // nullopt: a NULL pointer
  std::vector<CSpec> children = {};
  std::vector<CSpec> dictionary = {};  // zero or one
  size_t misalign = 0;                 // shifts every buffer's address by this many bytes
};

int g_base_releases = 0;
int g_live_nodes = 0;

struct CNode {
  std::vector<void*> allocations;
  std::vector<const void*> buffers;
  std::vector<ArrowArray*> children;
  ArrowArray* dictionary = nullptr;
  bool base = false;
};

void ReleaseCNode(ArrowArray* a) {
  auto* node = static_cast<CNode*>(a->private_data);
  for (ArrowArray* child : node->children) {
    if (child->release) child->release(child);
    delete child;
  }
  if (node->dictionary) {
    if (node->dictionary->release) node->dictionary->release(node->dictionary);
    delete node->dictionary;
  }
  for (void* p : node->allocations) std::free(p);
  if (node->base) ++g_base_releases;
  delete node;
  --g_live_nodes;
  a->release = nullptr;
}

ArrowArray MakeC(const CSpec& spec, bool base = true) {
  auto* node = new CNode;
  ++g_live_nodes;
  node->base = base;
  for (const auto& b : spec.buffers) {
    if (!b) {
      node->buffers.push_back(nullptr);
      continue;
    }
    auto* p = static_cast<uint8_t*>(std::malloc(b->size() + spec.misalign + 1));
    node->allocations.push_back(p);
    std::memcpy(p + spec.misalign, b->data(), b->size());
    node->buffers.push_back(p + spec.misalign);
  }
  for (const auto& c : spec.children) node->children.push_back(new ArrowArray(MakeC(c, false)));
  if (!spec.dictionary.empty()) node->dictionary = new ArrowArray(MakeC(spec.dictionary[0], false));
  ArrowArray a{};
  a.length = spec.length;
  a.null_count = spec.null_count;
  a.offset = spec.offset;
  a.n_buffers = static_cast<int64_t>(node->buffers.size());
  a.n_children = static_cast<int64_t>(node->children.size());
  a.buffers = node->buffers.empty() ? nullptr : node->buffers.data();
  a.children = node->children.empty() ? nullptr : node->children.data();
  a.dictionary = node->dictionary;
  a.release = ReleaseCNode;
  a.private_data = node;
  return a;
}

template <typename T>
std::string Bytes(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

std::string Bits(std::initializer_list<int> bits) {
  std::string out((bits.size() + 7) / 8, '\0');
  size_t i = 0;
  for (int b : bits) {
    if (b) out[i / 8] = static_cast<char>(out[i / 8] | (1 << (i % 8)));
    ++i;
  }
  return out;
}

std::string View(const std::string& value, int32_t buffer = 0, int32_t offset = 0) {
  char v[16] = {};
  const int32_t len = static_cast<int32_t>(value.size());
  std::memcpy(v, &len, 4);
  if (len <= 12) {
    std::memcpy(v + 4, value.data(), value.size());
  } else {
    std::memcpy(v + 4, value.data(), 4);
    std::memcpy(v + 8, &buffer, 4);
    std::memcpy(v + 12, &offset, 4);
  }
  return std::string(v, 16);
}

class CProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_base_releases = 0;
    g_live_nodes = 0;
  }
  void TearDown() override { EXPECT_EQ(g_live_nodes, 0) << "a producer node was never released"; }

  ArrayPtr Import(const CSpec& spec, const TypePtr& type, const ImportOptions& options = {}) {
    ArrowArray c = MakeC(spec);
    auto a = ImportArray(&c, type, options);
    EXPECT_EQ(c.release, nullptr);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : nullptr;
  }

  // Imports a malformed array: the error, with the producer released once.
  std::string ImportError(const CSpec& spec, const TypePtr& type) {
    ArrowArray c = MakeC(spec);
    const int before = g_base_releases;
    auto a = ImportArray(&c, type);
    EXPECT_EQ(c.release, nullptr);
    EXPECT_EQ(g_base_releases, before + 1);
    EXPECT_FALSE(a.ok());
    return a.ok() ? "(imported)" : a.status().message();
  }
};

TEST_F(CProducerTest, ReleaseRunsOnceWhenTheLastImportedBufferGoes) {
  CSpec spec{.length = 3, .null_count = 0, .buffers = {std::nullopt, Bytes<int64_t>({10, 20, 30})}};
  {
    auto a = Import(spec, int64());
    ASSERT_NE(a, nullptr);
    auto slice = a->Slice(1, 2);
    a.reset();
    EXPECT_EQ(g_base_releases, 0);  // the slice still refers to it
    EXPECT_EQ(slice->values<int64_t>()[0], 20);
    EXPECT_EQ(slice->values<int64_t>()[1], 30);
  }
  EXPECT_EQ(g_base_releases, 1);
}

TEST_F(CProducerTest, OffsetAppliesToTheArrayItself) {
  // int32 values 0..5 with slot 3 null, seen from offset 2: [2, null, 4].
  CSpec spec{.length = 3,
             .null_count = 1,
             .offset = 2,
             .buffers = {Bits({1, 1, 1, 0, 1, 1}), Bytes<int32_t>({0, 1, 2, 3, 4, 5})}};
  auto a = Import(spec, int32());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(ArrayDiff(*Column<int32_t>(int32(), {2, 0, 4}, {true, false, true}), *a), "");
  // Strings at an offset: the data buffer is as long as the last offset says.
  CSpec strings{.length = 2,
                .null_count = 0,
                .offset = 1,
                .buffers = {std::nullopt, Bytes<int32_t>({0, 3, 5, 9}), std::string("abcdefghi")}};
  auto s = Import(strings, utf8());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(ArrayDiff(*Strings({"de", "fghi"}), *s), "");
  EXPECT_EQ(s->buffers[2]->size(), 9);
}

TEST_F(CProducerTest, ParentOffsetAppliesToStructChildrenOnTopOfTheirOwn) {
  // Child values 10..15 at child offset 1; struct offset 2, length 2: rows
  // read child positions 1 + 2 + i, i.e. 13 and 14.
  CSpec child{.length = 5, .offset = 1, .buffers = {std::nullopt, Bytes<int32_t>({10, 11, 12, 13, 14, 15})}};
  CSpec st{.length = 2, .offset = 2, .buffers = {std::nullopt}, .children = {child}};
  auto type = struct_({field("a", int32())});
  auto a = Import(st, type);
  ASSERT_NE(a, nullptr);
  auto expected = MakeArray(type, 2, {nullptr}, {Column<int32_t>(int32(), {13, 14})}, 0);
  EXPECT_EQ(ArrayDiff(*expected, *a), "");
  // As a record batch, the columns come out sliced to the batch's rows.
  ArrowArray c = MakeC(st);
  auto batch = ImportRecordBatch(&c, schema({field("a", int32())}));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ((*batch)->num_rows, 2);
  EXPECT_EQ(ArrayDiff(*Column<int32_t>(int32(), {13, 14}), *(*batch)->column(0)), "");
}

TEST_F(CProducerTest, AbsentBuffersWhereTheSpecificationAllowsThem) {
  // No validity bitmap with null_count 0 or -1 (unknown).
  for (int64_t null_count : {0, -1}) {
    auto a =
        Import({.length = 2, .null_count = null_count, .buffers = {std::nullopt, Bytes<int16_t>({5, 6})}}, int16());
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->null_count(), 0);
  }
  // Zero-length arrays with every buffer absent, at any offset.
  for (int64_t offset : {0, 4}) {
    for (const auto& type : {utf8(), large_binary(), int64(), boolean(), list(int8()), utf8_view()}) {
      CSpec spec{.length = 0, .offset = offset, .buffers = {std::nullopt, std::nullopt}};
      if (type->is_binary_like()) spec.buffers.push_back(std::nullopt);
      if (type->is_view()) spec.buffers.push_back(std::nullopt);  // the sizes buffer
      if (type->id() == TypeId::kList) spec.children.push_back({.length = 0, .buffers = {std::nullopt, std::nullopt}});
      auto a = Import(spec, type);
      ASSERT_NE(a, nullptr) << type->ToString();
      EXPECT_EQ(a->length, 0);
      EXPECT_EQ(ArrayDiff(*MakeNullArray(type, 0), *a), "") << type->ToString();
    }
  }
  // All strings empty: the data buffer may be absent.
  auto empty_strings =
      Import({.length = 2, .buffers = {std::nullopt, Bytes<int32_t>({0, 0, 0}), std::nullopt}}, binary());
  ASSERT_NE(empty_strings, nullptr);
  EXPECT_EQ(empty_strings->GetBinary(1), "");
}

TEST_F(CProducerTest, ViewsCarryTheSizesOfTheirDataBuffersInAnExtraBuffer) {
  const std::string long1 = "a string longer than twelve";
  const std::string long2 = "another long one in buffer one";
  CSpec spec{
      .length = 4,
      .null_count = 1,
      .buffers = {Bits({1, 1, 0, 1}), View("short") + View(long1, 0, 3) + View("") + View(long2, 1, 0), "xyz" + long1,
                  long2, Bytes<int64_t>({static_cast<int64_t>(3 + long1.size()), static_cast<int64_t>(long2.size())})}};
  auto a = Import(spec, utf8_view());
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->buffers.size(), 4u);  // validity, views, two data buffers: the sizes are not kept
  EXPECT_EQ(a->buffers[2]->size(), static_cast<int64_t>(3 + long1.size()));
  BinaryViewBuilder b(utf8_view());
  b.Append("short");
  b.Append(long1);
  b.AppendNull();
  b.Append(long2);
  EXPECT_EQ(ArrayDiff(**b.Finish(), *a), "");
  // Without data buffers the sizes buffer may be absent.
  auto inline_only = Import({.length = 1, .buffers = {std::nullopt, View("tiny"), std::nullopt}}, binary_view());
  ASSERT_NE(inline_only, nullptr);
  EXPECT_EQ(ArrayDiff(*inline_only, *RoundTripArray(inline_only)), "");
}

TEST_F(CProducerTest, MisalignedBuffersAreCopiedAndReadCorrectly) {
  CSpec spec{
      .length = 3, .null_count = 0, .buffers = {std::nullopt, Bytes<int64_t>({-1, 1LL << 40, 3})}, .misalign = 1};
  ArrowArray c = MakeC(spec);
  const void* producer_pointer = c.buffers[1];
  auto a = ImportArray(&c, int64());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_NE(static_cast<const void*>((*a)->buffers[1]->data()), producer_pointer);
  EXPECT_EQ((*a)->values<int64_t>()[1], 1LL << 40);
  EXPECT_EQ(g_base_releases, 1);  // nothing refers to the producer's memory any more
  // Byte-granular buffers (strings) are never copied.
  CSpec strings{.length = 1, .buffers = {std::nullopt, Bytes<int32_t>({0, 2}), std::string("hi")}, .misalign = 1};
  ArrowArray cs = MakeC(strings);
  const void* data_pointer = cs.buffers[2];
  auto s = ImportArray(&cs, utf8());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(static_cast<const void*>((*s)->buffers[2]->data()), data_pointer);
  EXPECT_EQ((*s)->GetBinary(0), "hi");
}

TEST_F(CProducerTest, UnionsDictionariesAndRunEndsFromAProducer) {
  // Sparse union<i: int32, s: utf8> with type ids 5 and 9, at offset 1.
  CSpec ints{.length = 4, .buffers = {std::nullopt, Bytes<int32_t>({1, 2, 3, 4})}};
  CSpec strs{.length = 4, .buffers = {std::nullopt, Bytes<int32_t>({0, 1, 2, 3, 4}), std::string("abcd")}};
  auto utype = sparse_union({field("i", int32()), field("s", utf8())}, {5, 9});
  auto u =
      Import({.length = 3, .offset = 1, .buffers = {Bytes<int8_t>({5, 9, 5, 9})}, .children = {ints, strs}}, utype);
  ASSERT_NE(u, nullptr);
  ASSERT_TRUE(ValidateArray(*u).ok());
  // Dictionary<int8, utf8> with a null.
  CSpec dict{.length = 2, .buffers = {std::nullopt, Bytes<int32_t>({0, 3, 6}), std::string("redblu")}};
  auto dtype = dictionary(int8(), utf8());
  auto d = Import(
      {.length = 3, .null_count = 1, .buffers = {Bits({1, 0, 1}), Bytes<int8_t>({1, 0, 0})}, .dictionary = {dict}},
      dtype);
  ASSERT_NE(d, nullptr);
  DictionaryBuilder db(dtype);
  ASSERT_TRUE(db.Append("blu").ok());
  db.AppendNull();
  ASSERT_TRUE(db.Append("red").ok());
  EXPECT_EQ(ArrayDiff(**db.Finish(), *d), "");
  // Run-end encoded<int32, int64>: runs end at 2 and 5; offset 1, length 3.
  CSpec run_ends{.length = 2, .buffers = {std::nullopt, Bytes<int32_t>({2, 5})}};
  CSpec values{.length = 2, .buffers = {std::nullopt, Bytes<int64_t>({100, 200})}};
  auto rtype = run_end_encoded(int32(), int64());
  auto r = Import({.length = 3, .offset = 1, .buffers = {}, .children = {run_ends, values}}, rtype);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(ArrayDiff(*r, *RoundTripArray(r)), "");
}

TEST_F(CProducerTest, MalformedArraysAreClearErrorsAndStillReleased) {
  const auto i64 = Bytes<int64_t>({1, 2});
  EXPECT_EQ(ImportError({.length = 2, .buffers = {std::nullopt}}, int64()), "int64 array has 1 buffers, expected 2");
  EXPECT_EQ(ImportError({.length = -1, .buffers = {std::nullopt, i64}}, int64()),
            "int64 array has negative length (-1) or offset (0)");
  EXPECT_EQ(ImportError({.length = 2, .null_count = 3, .buffers = {std::nullopt, i64}}, int64()),
            "int64 array has null_count 3 for length 2");
  EXPECT_EQ(ImportError({.length = 2, .null_count = 1, .buffers = {std::nullopt, i64}}, int64()),
            "int64 array has null_count 1 but no validity bitmap");
  EXPECT_EQ(ImportError({.length = 2, .buffers = {std::nullopt, std::nullopt}}, int64()),
            "int64 array buffer 1 is null but must hold 16 bytes");
  EXPECT_EQ(ImportError({.length = 1, .buffers = {std::nullopt, i64}, .children = {{.length = 1}}}, int64()),
            "int64 array has 1 children, expected 0");
  EXPECT_EQ(ImportError({.length = 1, .buffers = {std::nullopt, i64}, .dictionary = {{.length = 0}}}, int64()),
            "int64 array has a dictionary but is not one");
  EXPECT_EQ(ImportError({.length = 1, .buffers = {std::nullopt, Bytes<int8_t>({0})}}, dictionary(int8(), utf8())),
            "dictionary<values=utf8, indices=int8> array has no dictionary");
  // Offsets that decrease, point outside the data, or past the child.
  EXPECT_EQ(
      ImportError({.length = 2, .buffers = {std::nullopt, Bytes<int32_t>({0, 5, 3}), std::string("abc")}}, utf8()),
      "invalid C data array: string/binary offsets decrease at position 2");
  EXPECT_EQ(ImportError({.length = 1, .buffers = {std::nullopt, Bytes<int32_t>({-2, 1}), std::string("a")}}, utf8()),
            "invalid C data array: string/binary offsets [-2, 1] are outside 0..1");
  EXPECT_EQ(ImportError({.length = 1, .buffers = {std::nullopt, Bytes<int32_t>({0, -4}), std::nullopt}}, binary()),
            "binary array has a negative last offset -4");
  EXPECT_EQ(ImportError({.length = 1,
                         .buffers = {std::nullopt, Bytes<int32_t>({0, 3})},
                         .children = {{.length = 2, .buffers = {std::nullopt, Bytes<int8_t>({1, 2})}}}},
                        list(int8())),
            "invalid C data array: list offsets [0, 3] are outside 0..2");
  // Bounds that protect memory are checked even for a trusted producer.
  {
    ArrowArray c = MakeC({.length = 1,
                          .buffers = {std::nullopt, Bytes<int32_t>({0, 3})},
                          .children = {{.length = 2, .buffers = {std::nullopt, Bytes<int8_t>({1, 2})}}}});
    auto a = ImportArray(&c, list(int8()), ImportOptions{.full_validation = false});
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().message(), "invalid C data array: list offsets [0, 3] are outside 0..2");
  }
  // A view into a data buffer that does not exist, or past its end.
  EXPECT_EQ(ImportError({.length = 1,
                         .buffers = {std::nullopt, View("long enough to be out of line", 1, 0), std::string(40, 'x'),
                                     Bytes<int64_t>({40})}},
                        utf8_view()),
            "invalid C data array: view 0 refers to data buffer 1 of 1");
  EXPECT_EQ(ImportError({.length = 1,
                         .buffers = {std::nullopt, View("long enough to be out of line", 0, 20), std::string(40, 'x'),
                                     Bytes<int64_t>({40})}},
                        utf8_view()),
            "invalid C data array: view 0 lies outside its data buffer");
  EXPECT_EQ(
      ImportError({.length = 1, .buffers = {std::nullopt, View("tiny"), std::string("x"), std::nullopt}}, utf8_view()),
      "utf8_view array has 1 data buffers but no buffer of their sizes");
  EXPECT_EQ(ImportError({.length = 1, .buffers = {std::nullopt}}, utf8_view()),
            "utf8_view array has 1 buffers, expected at least 3");
  // Indices, type ids and run ends are checked.
  EXPECT_EQ(ImportError({.length = 1,
                         .buffers = {std::nullopt, Bytes<int8_t>({2})},
                         .dictionary = {{.length = 1, .buffers = {std::nullopt, Bytes<int32_t>({7})}}}},
                        dictionary(int8(), int32())),
            "invalid C data array: dictionary index 2 at position 0 is outside the dictionary of 1 values");
  EXPECT_EQ(ImportError({.length = 1,
                         .buffers = {Bytes<int8_t>({4})},
                         .children = {{.length = 1, .buffers = {std::nullopt, Bytes<int32_t>({1})}}}},
                        sparse_union({field("a", int32())}, {3})),
            "invalid C data array: union slot 0 has invalid type id 4");
  EXPECT_EQ(ImportError({.length = 3,
                         .children = {{.length = 2, .buffers = {std::nullopt, Bytes<int32_t>({2, 2})}},
                                      {.length = 2, .buffers = {std::nullopt, Bytes<int32_t>({1, 2})}}}},
                        run_end_encoded(int32(), int32())),
            "invalid C data array: run ends stop at 2, before the array's end 3");
  // Errors inside children name the path.
  EXPECT_EQ(
      ImportError({.length = 1, .buffers = {std::nullopt}, .children = {{.length = 1, .buffers = {std::nullopt}}}},
                  struct_({field("inner", int32())})),
      "child 'inner': int32 array has 1 buffers, expected 2");
  // A released struct is refused without calling anything.
  ArrowArray released{};
  auto r = ImportArray(&released, int32());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "ImportArray: the ArrowArray was already released");
}

TEST_F(CProducerTest, RecordBatchWithNullRowsIsRefused) {
  CSpec child{.length = 2, .buffers = {std::nullopt, Bytes<int32_t>({1, 2})}};
  ArrowArray c = MakeC({.length = 2, .null_count = 1, .buffers = {Bits({1, 0})}, .children = {child}});
  auto batch = ImportRecordBatch(&c, schema({field("a", int32())}));
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().message(), "a C data record batch must be a struct array without nulls, this one has 1");
  EXPECT_EQ(g_base_releases, 1);
}

// --- Schemas from a producer ------------------------------------------------------------

struct CSchemaNode {
  std::string format, name, metadata;
  std::vector<ArrowSchema*> children;
  ArrowSchema* dictionary = nullptr;
};

void ReleaseCSchema(ArrowSchema* s) {
  auto* node = static_cast<CSchemaNode*>(s->private_data);
  for (ArrowSchema* c : node->children) {
    if (c->release) c->release(c);
    delete c;
  }
  if (node->dictionary) {
    if (node->dictionary->release) node->dictionary->release(node->dictionary);
    delete node->dictionary;
  }
  delete node;
  s->release = nullptr;
}

ArrowSchema MakeCSchema(const std::string& format, const std::string& name, int64_t flags,
                        std::vector<ArrowSchema> children = {}, std::optional<ArrowSchema> dictionary = {},
                        std::optional<std::string> metadata = {}) {
  auto* node = new CSchemaNode{format, name, metadata.value_or(""), {}, nullptr};
  for (auto& c : children) node->children.push_back(new ArrowSchema(c));
  if (dictionary) node->dictionary = new ArrowSchema(*dictionary);
  ArrowSchema s{};
  s.format = node->format.c_str();
  s.name = node->name.c_str();
  s.metadata = metadata ? node->metadata.data() : nullptr;
  s.flags = flags;
  s.n_children = static_cast<int64_t>(node->children.size());
  s.children = node->children.empty() ? nullptr : node->children.data();
  s.dictionary = node->dictionary;
  s.release = ReleaseCSchema;
  s.private_data = node;
  return s;
}

TEST(CDataSchemaImportTest, ProducerSchemasWithFlagsMetadataAndDictionaries) {
  std::string md = Bytes<int32_t>({2}) + Bytes<int32_t>({4}) + "key1" + Bytes<int32_t>({6}) + "value1" +
                   Bytes<int32_t>({0}) + Bytes<int32_t>({0});
  auto s = MakeCSchema(
      "+s", "", 0,
      {MakeCSchema("s", "colour", ARROW_FLAG_NULLABLE | ARROW_FLAG_DICTIONARY_ORDERED, {},
                   MakeCSchema("u", "", ARROW_FLAG_NULLABLE)),
       MakeCSchema("+m", "tags", ARROW_FLAG_MAP_KEYS_SORTED,
                   {MakeCSchema("+s", "entries", 0,
                                {MakeCSchema("u", "key", 0), MakeCSchema("tDm", "value", ARROW_FLAG_NULLABLE)})}),
       MakeCSchema("w:16", "id", 0, {}, {}, md)});
  auto sch = ImportSchema(&s);
  ASSERT_TRUE(sch.ok()) << sch.status().ToString();
  EXPECT_EQ(s.release, nullptr);
  ASSERT_EQ((*sch)->num_fields(), 3);
  auto colour = (*sch)->field(0);
  EXPECT_TRUE(colour->type()->Equals(*dictionary(int16(), utf8(), true)));
  EXPECT_TRUE(colour->nullable());
  auto tags = (*sch)->field(1);
  EXPECT_TRUE(tags->type()->Equals(*map(utf8(), duration(TimeUnit::kMilli), true)));
  EXPECT_FALSE(tags->nullable());
  auto id = (*sch)->field(2);
  EXPECT_TRUE(MetadataEquals(id->metadata(), {{"key1", "value1"}, {"", ""}}));
}

TEST(CDataSchemaImportTest, MalformedSchemasAreClearErrorsAndStillReleased) {
  auto expect_error = [](ArrowSchema s, const std::string& message) {
    auto f = ImportField(&s);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.status().message(), message);
    EXPECT_EQ(s.release, nullptr);  // released even on failure
  };
  expect_error(MakeCSchema("Q", "x", 0), "field 'x': unsupported C data format string 'Q'");
  expect_error(MakeCSchema("+s", "outer", 0, {MakeCSchema("+l", "inner", 0)}),
               "field 'outer': child 0: field 'inner': C data format '+l' needs 1 child(ren), got 0");
  expect_error(MakeCSchema("f", "d", 0, {}, MakeCSchema("u", "", 0)),
               "field 'd': C data dictionary with non-integer index format 'f'");
  expect_error(MakeCSchema("i", "m", 0, {}, {}, Bytes<int32_t>({-1})),
               "field 'm': C data metadata has a negative entry count");
  // A released child, and a null child pointer.
  auto with_released_child = MakeCSchema("+s", "", 0, {MakeCSchema("i", "a", 0)});
  with_released_child.children[0]->release(with_released_child.children[0]);
  expect_error(with_released_child, "child 0: released ArrowSchema");
  // Absurd nesting is refused before the stack suffers.
  ArrowSchema deep = MakeCSchema("i", "leaf", 0);
  for (int i = 0; i < 70; ++i) deep = MakeCSchema("+l", "", 0, {deep});
  auto f = ImportField(&deep);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("nested deeper than 64"), std::string::npos) << f.status().message();
  EXPECT_EQ(deep.release, nullptr);
  // A schema must be a struct.
  auto not_struct = MakeCSchema("i", "", 0);
  auto sch = ImportSchema(&not_struct);
  ASSERT_FALSE(sch.ok());
  EXPECT_EQ(sch.status().message(), "a C data schema must be a struct (\"+s\"), got int32");
  ArrowSchema released{};
  EXPECT_EQ(ImportField(&released).status().message(), "ImportField: the ArrowSchema was already released");
}

// --- Streams ------------------------------------------------------------------------

class FailingSource : public RecordBatchSource {
 public:
  FailingSource(RecordBatchPtr first, bool* destroyed) : first_(std::move(first)), destroyed_(destroyed) {}
  ~FailingSource() override { *destroyed_ = true; }
  const SchemaPtr& schema() const override { return first_->schema; }
  Result<RecordBatchPtr> Next() override {
    ++calls_;
    if (calls_ == 1) return first_;
    return Status::IOError("disk went away");
  }
  int calls() const { return calls_; }

 private:
  RecordBatchPtr first_;
  bool* destroyed_;
  int calls_ = 0;
};

RecordBatchPtr SmallBatch(int32_t base) {
  auto sch = schema({field("x", int32(), false), field("s", utf8())});
  return MakeRecordBatch(sch, 2, {Column<int32_t>(int32(), {base, base + 1}), Strings({"a", std::nullopt})});
}

TEST(CDataStreamTest, RoundTripAndBatchesOutliveTheStream) {
  auto b1 = SmallBatch(1), b2 = SmallBatch(3);
  auto every = EveryTypeBatch(9);
  ArrowArrayStream stream{};
  ASSERT_TRUE(
      ExportRecordBatchStream(std::make_unique<VectorSource>(b1->schema, std::vector<RecordBatchPtr>{b1, b2}), &stream)
          .ok());
  std::vector<RecordBatchPtr> got;
  {
    auto imported = ImportedStream::Open(&stream);
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    EXPECT_EQ(stream.release, nullptr);  // moved into the importer
    EXPECT_TRUE((*imported)->schema()->Equals(*b1->schema));
    for (;;) {
      auto next = (*imported)->Next();
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      if (!*next) break;
      got.push_back(*next);
    }
    auto again = (*imported)->Next();  // still the end
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, nullptr);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(BatchDiff(*b1, *got[0]), "");
  EXPECT_EQ(BatchDiff(*b2, *got[1]), "");

  // Every type through a stream.
  ASSERT_TRUE(ExportRecordBatchStream(
                  std::make_unique<VectorSource>(every->schema, std::vector<RecordBatchPtr>{every, every->Slice(2, 5)}),
                  &stream)
                  .ok());
  auto imported = ImportedStream::Open(&stream);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ((*imported)->schema()->Diff(*every->schema), "");
  auto first = (*imported)->Next();
  auto second = (*imported)->Next();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(BatchDiff(*every, **first), "");
  EXPECT_EQ(BatchDiff(*every->Slice(2, 5), **second), "");
}

TEST(CDataStreamTest, ConsumedWithTheRawCallbacksLikeAnyCConsumer) {
  bool destroyed = false;
  ArrowArrayStream stream{};
  ASSERT_TRUE(ExportRecordBatchStream(std::make_unique<FailingSource>(SmallBatch(1), &destroyed), &stream).ok());
  ArrowSchema schema{};
  ASSERT_EQ(stream.get_schema(&stream, &schema), 0);
  EXPECT_STREQ(schema.format, "+s");
  EXPECT_EQ(schema.n_children, 2);
  schema.release(&schema);
  ArrowArray chunk{};
  ASSERT_EQ(stream.get_next(&stream, &chunk), 0);
  ASSERT_NE(chunk.release, nullptr);
  EXPECT_EQ(chunk.length, 2);
  EXPECT_EQ(chunk.n_children, 2);
  EXPECT_EQ(chunk.children[1]->null_count, 1);
  chunk.release(&chunk);
  // The producer's error: EIO, its text, and it stays.
  EXPECT_EQ(stream.get_next(&stream, &chunk), EIO);
  EXPECT_EQ(chunk.release, nullptr);
  EXPECT_STREQ(stream.get_last_error(&stream), "IOError: disk went away");
  EXPECT_EQ(stream.get_next(&stream, &chunk), EIO);
  EXPECT_STREQ(stream.get_last_error(&stream), "IOError: disk went away");
  EXPECT_FALSE(destroyed);
  stream.release(&stream);
  EXPECT_EQ(stream.release, nullptr);
  EXPECT_TRUE(destroyed);  // releasing the stream destroys its source
}

TEST(CDataStreamTest, ProducerErrorReachesTheImporterAndSticks) {
  bool destroyed = false;
  ArrowArrayStream stream{};
  ASSERT_TRUE(ExportRecordBatchStream(std::make_unique<FailingSource>(SmallBatch(1), &destroyed), &stream).ok());
  auto imported = ImportedStream::Open(&stream);
  ASSERT_TRUE(imported.ok());
  ASSERT_TRUE((*imported)->Next().ok());
  auto err = (*imported)->Next();
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.status().code(), StatusCode::kIOError);
  EXPECT_EQ(err.status().message(), "C stream producer failed in get_next (" + std::system_category().message(EIO) +
                                        ", code " + std::to_string(EIO) + "): IOError: disk went away");
  auto again = (*imported)->Next();
  EXPECT_EQ(again.status(), err.status());
  imported = Status::Cancelled("drop");
  EXPECT_TRUE(destroyed);
}

class WrongSchemaSource : public RecordBatchSource {
 public:
  const SchemaPtr& schema() const override { return schema_; }
  Result<RecordBatchPtr> Next() override { return SmallBatch(1); }  // x is int32, not int64

 private:
  SchemaPtr schema_ = arrow::schema({field("x", int64(), false), field("s", utf8())});
};

TEST(CDataStreamTest, BatchesThatDoNotMatchTheStreamSchemaAreAnError) {
  ArrowArrayStream stream{};
  ASSERT_TRUE(ExportRecordBatchStream(std::make_unique<WrongSchemaSource>(), &stream).ok());
  ArrowArray chunk{};
  EXPECT_EQ(stream.get_next(&stream, &chunk), EINVAL);
  EXPECT_EQ(chunk.release, nullptr);
  EXPECT_STREQ(stream.get_last_error(&stream),
               "InvalidArgument: batch 0 column 0 'x' has type int32, the stream's schema says int64");
  stream.release(&stream);
}

// A hand-written C producer whose callbacks fail on request.
struct CStreamState {
  int schema_rc = 0;
  int next_rc = 0;
  const char* message = nullptr;
  int releases = 0;
  bool bad_array = false;
};

int CStreamGetSchema(ArrowArrayStream* s, ArrowSchema* out) {
  auto* st = static_cast<CStreamState*>(s->private_data);
  if (st->schema_rc) return st->schema_rc;
  *out = MakeCSchema("+s", "", 0, {MakeCSchema("l", "v", 0)});
  return 0;
}

int CStreamGetNext(ArrowArrayStream* s, ArrowArray* out) {
  auto* st = static_cast<CStreamState*>(s->private_data);
  if (st->next_rc) return st->next_rc;
  CSpec child{.length = 1, .buffers = {std::nullopt, Bytes<int64_t>({42})}};
  if (st->bad_array) child.buffers.pop_back();
  *out = MakeC({.length = 1, .buffers = {std::nullopt}, .children = {child}});
  return 0;
}

const char* CStreamLastError(ArrowArrayStream* s) { return static_cast<CStreamState*>(s->private_data)->message; }

void CStreamRelease(ArrowArrayStream* s) {
  ++static_cast<CStreamState*>(s->private_data)->releases;
  s->release = nullptr;
}

ArrowArrayStream MakeCStream(CStreamState* state) {
  return ArrowArrayStream{CStreamGetSchema, CStreamGetNext, CStreamLastError, CStreamRelease, state};
}

TEST(CDataStreamTest, ImporterReportsProducerFailuresClearly) {
  {
    CStreamState state{.schema_rc = EINVAL, .message = "no schema today"};
    ArrowArrayStream s = MakeCStream(&state);
    auto imported = ImportedStream::Open(&s);
    ASSERT_FALSE(imported.ok());
    EXPECT_EQ(imported.status().message(), "C stream producer failed in get_schema (" +
                                               std::system_category().message(EINVAL) + ", code " +
                                               std::to_string(EINVAL) + "): no schema today");
    EXPECT_EQ(state.releases, 1);
  }
  {
    CStreamState state{.next_rc = ENOMEM};  // and no message
    ArrowArrayStream s = MakeCStream(&state);
    auto imported = ImportedStream::Open(&s);
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    auto next = (*imported)->Next();
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.status().message(), "C stream producer failed in get_next (" +
                                           std::system_category().message(ENOMEM) + ", code " + std::to_string(ENOMEM) +
                                           ")");
    imported = Status::Cancelled("drop");
    EXPECT_EQ(state.releases, 1);
  }
  {
    g_live_nodes = 0;
    CStreamState state{.bad_array = true};
    ArrowArrayStream s = MakeCStream(&state);
    auto imported = ImportedStream::Open(&s);
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    auto next = (*imported)->Next();
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.status().message(), "C stream batch: child 'v': int64 array has 1 buffers, expected 2");
    EXPECT_EQ(g_live_nodes, 0);  // the bad batch was released
    state.bad_array = false;
    EXPECT_FALSE((*imported)->Next().ok());  // the failure sticks
  }
  {
    CStreamState state;
    ArrowArrayStream s = MakeCStream(&state);
    auto imported = ImportedStream::Open(&s);
    ASSERT_TRUE(imported.ok());
    auto next = (*imported)->Next();
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(ArrayDiff(*Column<int64_t>(int64(), {42}), *(*next)->column(0)), "");
  }
}

}  // namespace
}  // namespace hangar::arrow
