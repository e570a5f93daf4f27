// Conformance against Apache Arrow's gold files: one test case per
// little-endian file pair under testdata/arrow-ipc (generated_X.json.gz with
// generated_X.stream and generated_X.arrow_file, written by Arrow C++ and Java
// from 0.14 to 21.0).
//
// Each case reads the JSON, the stream and the file, and checks schema
// (metadata included) and every value agree; then writes the data back out
// as stream and file, uncompressed and with LZ4 and ZSTD bodies, reads that
// back and checks again; and round-trips the data through integration JSON.
// Cases listed in gold_exceptions.h are skipped with their reason.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "arrow/compare.h"
#include "arrow/ipc/io.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/json/integration_json.h"
#include "gold_exceptions.h"

namespace hangar::arrow {
namespace {

namespace fs = std::filesystem;
using json::JsonFile;

struct GoldCase {
  std::string name;  // e.g. cpp_21_0_0__generated_union
  std::string json;
  std::string stream;
  std::string file;
};

// How gtest (and so the CTest listing) shows a case: its JSON file, not the
// struct's bytes.
void PrintTo(const GoldCase& c, std::ostream* os) { *os << c.json; }

std::string Identifier(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

std::vector<GoldCase> FindGoldCases() {
  std::vector<GoldCase> cases;
  const fs::path root = fs::path(HANGAR_TESTDATA_DIR) / "arrow-ipc";
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(root, ec)) {
    if (!dir.is_directory()) continue;
    const std::string version = dir.path().filename().string();
    if (version.find("bigendian") != std::string::npos) continue;  // Hangar is little-endian only
    for (const auto& entry : fs::directory_iterator(dir.path())) {
      const std::string file = entry.path().filename().string();
      const std::string suffix = ".json.gz";
      if (file.size() <= suffix.size() || file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      const std::string stem = file.substr(0, file.size() - suffix.size());
      GoldCase c;
      c.name = Identifier(version) + "__" + Identifier(stem);
      c.json = entry.path().string();
      c.stream = (dir.path() / (stem + ".stream")).string();
      c.file = (dir.path() / (stem + ".arrow_file")).string();
      if (fs::exists(c.stream) && fs::exists(c.file)) cases.push_back(std::move(c));
    }
  }
  std::sort(cases.begin(), cases.end(), [](const GoldCase& a, const GoldCase& b) { return a.name < b.name; });
  return cases;
}

const std::vector<GoldCase>& GoldCases() {
  static const std::vector<GoldCase> cases = FindGoldCases();
  return cases;
}

const gold::GoldException* ExceptionFor(const std::string& name) {
  for (const auto& e : gold::GoldExceptions()) {
    if (e.case_name == name) return &e;
  }
  return nullptr;
}

// "" when `actual` holds the same schema (metadata included) and values as
// `expected`, else the first difference.
std::string Difference(const JsonFile& expected, const JsonFile& actual) {
  if (actual.schema == nullptr) return "no schema";
  if (std::string d = expected.schema->Diff(*actual.schema); !d.empty()) return "schema: " + d;
  if (expected.batches.size() != actual.batches.size()) {
    return "expected " + std::to_string(expected.batches.size()) + " batches, got " +
           std::to_string(actual.batches.size());
  }
  for (size_t b = 0; b < expected.batches.size(); ++b) {
    if (std::string d = BatchDiff(*expected.batches[b], *actual.batches[b]); !d.empty()) {
      return "batch " + std::to_string(b) + ": " + d;
    }
  }
  return "";
}

Result<JsonFile> ReadIpcFile(const std::string& path) {
  HANGAR_ASSIGN_OR_RETURN(BufferPtr bytes, ipc::ReadWholeFile(path));
  HANGAR_ASSIGN_OR_RETURN(auto data, ipc::ReadAny(bytes));
  return JsonFile{data.schema, data.batches};
}

Result<JsonFile> ReadIpcBytes(std::string bytes) {
  HANGAR_ASSIGN_OR_RETURN(auto data, ipc::ReadAny(Buffer::FromString(std::move(bytes))));
  return JsonFile{data.schema, data.batches};
}

class GoldFilesTest : public ::testing::TestWithParam<GoldCase> {};

TEST_P(GoldFilesTest, Conforms) {
  const GoldCase& c = GetParam();
  if (const auto* e = ExceptionFor(c.name)) GTEST_SKIP() << "listed in gold_exceptions.h: " << e->reason;

  auto expected = json::ReadJsonFile(c.json);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();

  // Arrow's own stream and file.
  auto stream = ReadIpcFile(c.stream);
  ASSERT_TRUE(stream.ok()) << c.stream << ": " << stream.status().ToString();
  EXPECT_EQ(Difference(*expected, *stream), "") << "JSON vs " << c.stream;
  auto file = ReadIpcFile(c.file);
  ASSERT_TRUE(file.ok()) << c.file << ": " << file.status().ToString();
  EXPECT_EQ(Difference(*expected, *file), "") << "JSON vs " << c.file;

  // Written back by Hangar, in both formats, with each body compression.
  struct Codec {
    const char* name;
    ipc::Compression compression;
  };
  for (const Codec& codec : {Codec{"uncompressed", ipc::Compression::kNone}, Codec{"lz4", ipc::Compression::kLz4Frame},
                             Codec{"zstd", ipc::Compression::kZstd}}) {
    SCOPED_TRACE(codec.name);
    ipc::WriteOptions options;
    options.compression = codec.compression;
    auto written_stream = ipc::WriteStream(expected->schema, expected->batches, options);
    ASSERT_TRUE(written_stream.ok()) << written_stream.status().ToString();
    auto reread_stream = ReadIpcBytes(std::move(*written_stream));
    ASSERT_TRUE(reread_stream.ok()) << reread_stream.status().ToString();
    EXPECT_EQ(Difference(*expected, *reread_stream), "") << "JSON vs Hangar's stream";

    auto written_file = ipc::WriteFile(expected->schema, expected->batches, options);
    ASSERT_TRUE(written_file.ok()) << written_file.status().ToString();
    auto reread_file = ReadIpcBytes(std::move(*written_file));
    ASSERT_TRUE(reread_file.ok()) << reread_file.status().ToString();
    EXPECT_EQ(Difference(*expected, *reread_file), "") << "JSON vs Hangar's file";
  }

  // What was read from Arrow's stream, written again (arrays as the IPC
  // reader builds them, dictionaries included).
  auto rewritten = ipc::WriteFile(stream->schema, stream->batches, ipc::WriteOptions{});
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().ToString();
  auto reread = ReadIpcBytes(std::move(*rewritten));
  ASSERT_TRUE(reread.ok()) << reread.status().ToString();
  EXPECT_EQ(Difference(*expected, *reread), "") << "JSON vs Hangar's rewrite of Arrow's stream";

  // Integration JSON round trips: of the JSON data, and of the IPC data
  // (what `hangar-integration --mode arrow-to-json` produces).
  for (const JsonFile* source : {&*expected, &*stream}) {
    auto text = json::WriteJson(source->schema, source->batches);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    auto parsed = json::ParseJson(*text);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(Difference(*expected, *parsed), "") << (source == &*expected ? "JSON" : "stream") << " -> JSON -> arrays";
  }
}

INSTANTIATE_TEST_SUITE_P(Gold, GoldFilesTest, ::testing::ValuesIn(GoldCases()),
                         [](const ::testing::TestParamInfo<GoldCase>& info) { return info.param.name; });

TEST(GoldFilesInventoryTest, AllGoldFilesAreFoundAndExceptionsAreCurrent) {
  // 69 little-endian pairs in arrow-testing at the recorded commit.
  EXPECT_GE(GoldCases().size(), 69u) << "gold files missing under " HANGAR_TESTDATA_DIR "/arrow-ipc";
  for (const auto& e : gold::GoldExceptions()) {
    const bool exists =
        std::any_of(GoldCases().begin(), GoldCases().end(), [&](const GoldCase& c) { return c.name == e.case_name; });
    EXPECT_TRUE(exists) << "gold_exceptions.h names '" << e.case_name << "', which is not a gold case";
  }
}

}  // namespace
}  // namespace hangar::arrow
