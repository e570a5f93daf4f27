// Arrow's gold files (written by Arrow C++ and Java from 0.14 to 21.0) through
// the IPC reader: every stream and file reads, a stream and its file agree,
// the pre-1.0 framing and metadata are recognized, and everything survives
// Hangar's writer in every mode and at odd slice offsets. (Value checks
// against the JSON files are gold_files_test.cc's.)
#include <gtest/gtest.h>

#include <cstring>

#include "arrow/compare.h"
#include "arrow/ipc/message.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "test_util.h"

namespace hangar::arrow::ipc {
namespace {

using testing::GoldIpcFiles;

Result<ReadResult> ReadGold(const std::string& path) {
  HANGAR_ASSIGN_OR_RETURN(auto bytes, ReadWholeFile(path));
  return ReadAny(bytes);
}

void ExpectSame(const std::vector<RecordBatchPtr>& expected, const ReadResult& actual, const std::string& what) {
  ASSERT_EQ(expected.size(), actual.batches.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(BatchDiff(*expected[i], *actual.batches[i]), "") << what << ", batch " << i;
}

TEST(IpcGold, EveryStreamAndFileReadsAndTheyAgree) {
  int pairs = 0;
  for (const auto& path : GoldIpcFiles()) {
    if (!path.ends_with(".stream")) continue;
    auto stream = ReadGold(path);
    ASSERT_TRUE(stream.ok()) << path << ": " << stream.status().ToString();
    const std::string file_path = path.substr(0, path.size() - 7) + ".arrow_file";
    auto file = ReadGold(file_path);
    ASSERT_TRUE(file.ok()) << file_path << ": " << file.status().ToString();
    EXPECT_EQ(stream->schema->Diff(*file->schema), "") << path;
    ExpectSame(stream->batches, *file, path);
    ++pairs;
  }
  EXPECT_EQ(pairs, 69);
}

TEST(IpcGold, OldFilesUseTheLegacyFramingAndV4) {
  const std::string path = testing::TestDataDir() + "/arrow-ipc/0.14.1/generated_primitive.stream";
  auto bytes = ReadWholeFile(path);
  ASSERT_TRUE(bytes.ok());
  uint32_t first;
  std::memcpy(&first, (*bytes)->data(), 4);
  EXPECT_NE(first, kContinuation);  // no continuation marker before 0.15
  BufferInputStream in(*bytes);
  auto m = ReadMessage(&in, {});
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->version(), fb::MetadataVersion::V4);
  auto r = ReadAny(*bytes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->batches.size(), 0u);
}

TEST(IpcGold, PreV5UnionsCarryAValidityBufferThatIsSkipped) {
  for (const char* name : {"generated_union.stream", "generated_union.arrow_file"}) {
    auto r = ReadGold(testing::TestDataDir() + "/arrow-ipc/0.17.1/" + name);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    int unions = 0;
    for (const auto& batch : r->batches) {
      for (const auto& column : batch->columns) {
        if (!column->type->is_union()) continue;
        ++unions;
        EXPECT_EQ(column->buffers.size(), column->type->id() == TypeId::kDenseUnion ? 2u : 1u);
      }
    }
    EXPECT_GT(unions, 0) << name;
  }
}

TEST(IpcGold, CompressedBodiesRead) {
  for (const char* name : {"generated_lz4.stream", "generated_zstd.arrow_file", "generated_uncompressible_lz4.stream",
                           "generated_uncompressible_zstd.arrow_file"}) {
    auto r = ReadGold(testing::TestDataDir() + "/arrow-ipc/2.0.0-compression/" + name);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    EXPECT_GT(r->batches.size(), 0u) << name;
  }
}

TEST(IpcGold, EveryGoldFileSurvivesHangarsWriterInEveryMode) {
  std::vector<std::pair<std::string, WriteOptions>> modes(5);
  modes[0].first = "default";
  modes[1].first = "align64";
  modes[1].second.alignment = 64;
  modes[2].first = "lz4";
  modes[2].second.compression = Compression::kLz4Frame;
  modes[3].first = "zstd";
  modes[3].second.compression = Compression::kZstd;
  modes[4].first = "legacy deltas";
  modes[4].second.write_legacy_format = true;
  modes[4].second.emit_dictionary_deltas = true;
  int files = 0;
  for (const auto& path : GoldIpcFiles()) {
    auto gold = ReadGold(path);
    ASSERT_TRUE(gold.ok()) << path << ": " << gold.status().ToString();
    ++files;
    for (const auto& [name, options] : modes) {
      auto stream = WriteStream(gold->schema, gold->batches, options);
      ASSERT_TRUE(stream.ok()) << path << " " << name << ": " << stream.status().ToString();
      auto back = ReadStream(Buffer::FromString(*stream));
      ASSERT_TRUE(back.ok()) << path << " " << name << ": " << back.status().ToString();
      EXPECT_TRUE(back->schema->Equals(*gold->schema)) << path << " " << name;
      ExpectSame(gold->batches, *back, path + " stream " + name);

      // Files cannot replace dictionaries: gold streams that do are written
      // one batch per file.
      auto file = WriteFile(gold->schema, gold->batches, options);
      if (!file.ok() && file.status().message().find("cannot replace dictionary") != std::string::npos) continue;
      ASSERT_TRUE(file.ok()) << path << " " << name << ": " << file.status().ToString();
      auto fback = ReadFile(Buffer::FromString(*file));
      ASSERT_TRUE(fback.ok()) << path << " " << name << ": " << fback.status().ToString();
      ExpectSame(gold->batches, *fback, path + " file " + name);
    }
  }
  EXPECT_EQ(files, 138);
}

TEST(IpcGold, SlicedGoldBatchesAreWrittenAsTheirSlice) {
  for (const auto& path : GoldIpcFiles()) {
    if (!path.ends_with(".stream")) continue;
    auto gold = ReadGold(path);
    ASSERT_TRUE(gold.ok());
    for (const auto& batch : gold->batches) {
      for (int64_t offset : {int64_t{1}, int64_t{3}, int64_t{7}}) {
        if (batch->num_rows <= offset + 1) continue;
        auto slice = batch->Slice(offset, batch->num_rows - offset - 1);
        auto stream = WriteStream(gold->schema, {slice});
        ASSERT_TRUE(stream.ok()) << path << ": " << stream.status().ToString();
        auto back = ReadStream(Buffer::FromString(*stream));
        ASSERT_TRUE(back.ok()) << path << " offset " << offset << ": " << back.status().ToString();
        ASSERT_EQ(back->batches.size(), 1u);
        EXPECT_EQ(BatchDiff(*slice, *back->batches[0]), "") << path << " offset " << offset;
      }
    }
  }
}

}  // namespace
}  // namespace hangar::arrow::ipc
