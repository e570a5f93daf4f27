// The local-folder object store: the contract every ObjectStore keeps
// (whole-object writes, conditional create, listing in key order, deletes
// that forgive a missing key, keys confined to the root).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "objstore/object_store.h"

namespace hangar::objstore {
namespace {

namespace fs = std::filesystem;

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("hangar_objstore_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    auto store = OpenLocalObjectStore(root_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(LocalObjectStoreTest, PutThenGetReturnsTheBytes) {
  std::string bytes("a\0b", 3);
  ASSERT_TRUE(store_->Put("tables/t/data/1.parquet", bytes).ok());
  auto got = store_->Get("tables/t/data/1.parquet");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, bytes);
  ASSERT_TRUE(store_->Put("tables/t/data/1.parquet", "new").ok());
  EXPECT_EQ(*store_->Get("tables/t/data/1.parquet"), "new");
}

TEST_F(LocalObjectStoreTest, GetOfAMissingKeyIsNotFound) {
  auto got = store_->Get("nothing/here");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("nothing/here"), std::string::npos);
}

TEST_F(LocalObjectStoreTest, PutIfAbsentLetsOnlyTheFirstWriterWin) {
  ASSERT_TRUE(store_->PutIfAbsent("t/metadata/v1.metadata.json", "first").ok());
  Status second = store_->PutIfAbsent("t/metadata/v1.metadata.json", "second");
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*store_->Get("t/metadata/v1.metadata.json"), "first");
  // No temporary file is left behind by the losing writer.
  auto listed = store_->List("t/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
}

TEST_F(LocalObjectStoreTest, ListIsInKeyOrderAndFiltersByPrefix) {
  for (const char* key : {"b/2", "a/1", "b/1", "c"}) ASSERT_TRUE(store_->Put(key, key).ok());
  auto listed = store_->List("b/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "b/1");
  EXPECT_EQ((*listed)[1].key, "b/2");
  EXPECT_EQ((*listed)[1].size, 3u);
  EXPECT_EQ(store_->List("")->size(), 4u);
}

TEST_F(LocalObjectStoreTest, DeleteForgivesAMissingKey) {
  ASSERT_TRUE(store_->Put("x", "1").ok());
  EXPECT_TRUE(store_->Delete("x").ok());
  EXPECT_TRUE(store_->Delete("x").ok());
  EXPECT_EQ(store_->Get("x").status().code(), StatusCode::kNotFound);
}

TEST_F(LocalObjectStoreTest, FilesGoBothWays) {
  // Larger than the megabyte PutFile copies at a time, and not a multiple of it.
  std::string contents(3 * (1 << 20) + 12345, '\0');
  for (size_t i = 0; i < contents.size(); ++i) contents[i] = static_cast<char>(i * 131 % 251);
  fs::path source = root_.parent_path() / (root_.filename().string() + ".src");
  std::ofstream(source, std::ios::binary) << contents;
  ASSERT_TRUE(store_->PutFile("data/big", source).ok());
  EXPECT_EQ(*store_->Get("data/big"), contents);
  fs::path copy = source;
  copy += ".copy";
  ASSERT_TRUE(store_->GetFile("data/big", copy).ok());
  EXPECT_EQ(fs::file_size(copy), contents.size());
  fs::remove(source);
  fs::remove(copy);
}

TEST_F(LocalObjectStoreTest, AFailedPutFileLeavesNothing) {
  Status st = store_->PutFile("data/missing", root_.parent_path() / "no-such-file");
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("'data/missing'"), std::string::npos) << st.ToString();
  EXPECT_EQ(store_->Get("data/missing").status().code(), StatusCode::kNotFound);
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root_)) files += entry.is_regular_file();
  EXPECT_EQ(files, 0u);  // no temporary left behind
}

TEST_F(LocalObjectStoreTest, KeysCannotLeaveTheRoot) {
  for (const char* key : {"", "/etc/passwd", "../outside", "a/../../outside"}) {
    EXPECT_EQ(store_->Put(key, "x").code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_FALSE(fs::exists(root_.parent_path() / "outside"));
}

TEST_F(LocalObjectStoreTest, UriNamesTheFile) {
  EXPECT_EQ(store_->UriOf("t/data/1.parquet"), "file://" + (root_ / "t/data/1.parquet").string());
}

}  // namespace
}  // namespace hangar::objstore
