// File helpers (store/file_util.h) on real files: a file synced in paced
// steps keeps every byte, whatever the step and the file's size; a bad
// descriptor or a missing file is an IOError naming the file.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "store/file_util.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using namespace testing;

// `size` bytes that no step-sized slice repeats, so a page written back out
// of place or twice would show.
std::string RandomBytes(size_t size) {
  std::mt19937_64 rng(42);
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

// Writes `bytes` to a new file at `path` and leaves it open (and dirty).
int WriteNew(const fs::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  EXPECT_GE(fd, 0);
  EXPECT_TRUE(WriteAll(fd, bytes, "cannot write", path).ok());
  return fd;
}

TEST(FileUtil, APacedSyncKeepsEveryByteOfAFileOfSeveralMiB) {
  TempDir dir;
  // Not a multiple of any step: the last step is a short one.
  const std::string bytes = RandomBytes((size_t{5} << 20) + 12345);
  for (const int64_t step : {int64_t{4096}, int64_t{64} << 10, kPacedSyncStep, int64_t{8} << 20}) {
    const fs::path path = dir.path() / ("data-" + std::to_string(step));
    const int fd = WriteNew(path, bytes);
    const Status st = SyncFilePaced(fd, path, step);
    EXPECT_TRUE(st.ok()) << "step " << step << ": " << st.ToString();
    EXPECT_EQ(::close(fd), 0);
    auto read = ReadWholeFile(path);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(read->size(), bytes.size()) << "step " << step;
    EXPECT_TRUE(*read == bytes) << "step " << step << ": the contents differ";
  }
}

TEST(FileUtil, APacedSyncByPathOpensTheFileReadOnlyAndKeepsItsBytes) {
  TempDir dir;
  const fs::path path = dir.path() / "data.parquet";
  const std::string bytes = RandomBytes(size_t{3} << 20);
  EXPECT_EQ(::close(WriteNew(path, bytes)), 0);
  const Status st = SyncFilePaced(path);
  EXPECT_TRUE(st.ok()) << st.ToString();
  auto read = ReadWholeFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(*read == bytes);

  // An empty file has no step to write back, only the fsync.
  const fs::path empty = dir.path() / "empty";
  EXPECT_EQ(::close(WriteNew(empty, "")), 0);
  EXPECT_TRUE(SyncFilePaced(empty).ok());
}

TEST(FileUtil, APacedSyncOfABadDescriptorOrAMissingFileIsAnIoErrorNamingIt) {
  TempDir dir;
  const fs::path path = dir.path() / "data.arrow.tmp";
  EXPECT_EQ(::close(WriteNew(path, RandomBytes(1 << 20))), 0);
  const Status bad = SyncFilePaced(-1, path);
  EXPECT_EQ(bad.code(), StatusCode::kIOError) << bad.ToString();
  EXPECT_NE(bad.message().find(path.string()), std::string::npos) << bad.message();

  const fs::path missing = dir.path() / "missing.parquet";
  const Status absent = SyncFilePaced(missing);
  EXPECT_EQ(absent.code(), StatusCode::kIOError) << absent.ToString();
  EXPECT_NE(absent.message().find(missing.string()), std::string::npos) << absent.message();
}

}  // namespace
}  // namespace hangar::store
