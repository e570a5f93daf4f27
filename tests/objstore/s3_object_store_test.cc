// The S3 store against a real S3-compatible server (SeaweedFS, started per
// test by tests/support/s3_server.h): every operation, multipart uploads,
// racing conditional writes, listings of many pages, keys that need
// encoding, and what the store says when the credentials, the bucket or
// the server are wrong or gone.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "objstore/open_object_store.h"
#include "objstore/s3_object_store.h"
#include "support/s3_server.h"

namespace hangar::objstore {
namespace {

namespace fs = std::filesystem;

std::string TestName() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

std::string RandomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hangar_s3_" + std::to_string(::getpid()) + "_" + TestName());
    auto server = testing::S3Server::Start(dir_ / "server");
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    store_ = Open("s3://hangar/store");
  }
  void TearDown() override {
    store_.reset();
    server_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  std::unique_ptr<ObjectStore> Open(const std::string& uri, S3Options options) {
    auto store = OpenObjectStore(uri, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<ObjectStore> Open(const std::string& uri) { return Open(uri, server_->options()); }

  fs::path dir_;
  std::unique_ptr<testing::S3Server> server_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(S3ObjectStoreTest, EveryOperationKeepsTheStoreContract) {
  ASSERT_NE(store_, nullptr);
  const std::string binary("a\0b\xff\n", 5);
  ASSERT_TRUE(store_->Put("tables/t/data/1.parquet", binary).ok());
  EXPECT_EQ(*store_->Get("tables/t/data/1.parquet"), binary);
  ASSERT_TRUE(store_->Put("tables/t/data/1.parquet", "new").ok());  // replaces
  EXPECT_EQ(*store_->Get("tables/t/data/1.parquet"), "new");
  ASSERT_TRUE(store_->Put("empty", "").ok());
  EXPECT_EQ(*store_->Get("empty"), "");

  const auto missing = store_->Get("tables/t/none");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("store/tables/t/none"), std::string::npos) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("'hangar'"), std::string::npos) << missing.status().ToString();

  // Files both ways.
  const fs::path source = dir_ / "source.bin";
  std::ofstream(source, std::ios::binary) << RandomBytes(100000, 1);
  ASSERT_TRUE(store_->PutFile("tables/t/data/2.parquet", source).ok());
  const fs::path copy = dir_ / "copy.bin";
  ASSERT_TRUE(store_->GetFile("tables/t/data/2.parquet", copy).ok());
  EXPECT_EQ(ReadFile(copy), ReadFile(source));
  // A missing object leaves no file behind.
  EXPECT_EQ(store_->GetFile("tables/t/none", dir_ / "none.bin").code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir_ / "none.bin"));

  // Listing: key order, the prefix filters, sizes, the store's prefix taken off.
  for (const char* key : {"tables/u/b", "tables/u/a", "tables/v/c"}) ASSERT_TRUE(store_->Put(key, key).ok());
  auto listed = store_->List("tables/u/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "tables/u/a");
  EXPECT_EQ((*listed)[1].key, "tables/u/b");
  EXPECT_EQ((*listed)[1].size, 10u);
  auto all = store_->List("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 6u);
  EXPECT_EQ((*all)[0].key, "empty");
  EXPECT_EQ((*all)[2].size, 100000u);

  // Deletes forgive a missing key.
  EXPECT_TRUE(store_->Delete("tables/u/a").ok());
  EXPECT_TRUE(store_->Delete("tables/u/a").ok());
  EXPECT_EQ(store_->Get("tables/u/a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->List("tables/u/")->size(), 1u);

  EXPECT_EQ(store_->UriOf("tables/t/data/1.parquet"), "s3://hangar/store/tables/t/data/1.parquet");
  // Keys a URL or a file-backed server would not keep apart are refused.
  for (const char* bad : {"", "/abs", "a//b", "a/./b", "../up", "dir/"})
    EXPECT_EQ(store_->Put(bad, "x").code(), StatusCode::kInvalidArgument) << bad;
}

TEST_F(S3ObjectStoreTest, StoresWithDifferentPrefixesDoNotSeeEachOther) {
  auto other = Open("s3://hangar/other/");
  ASSERT_NE(store_, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(store_->Put("k", "mine").ok());
  ASSERT_TRUE(other->Put("k", "theirs").ok());
  EXPECT_EQ(*store_->Get("k"), "mine");
  EXPECT_EQ(*other->Get("k"), "theirs");
  ASSERT_EQ(store_->List("")->size(), 1u);
  // "store" is a prefix of "store2/..." as text, not as a folder.
  auto neighbour = Open("s3://hangar/store2");
  ASSERT_TRUE(neighbour->Put("k", "x").ok());
  EXPECT_EQ(store_->List("")->size(), 1u);
}

TEST_F(S3ObjectStoreTest, VirtualHostAddressingReachesTheSameObjects) {
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(store_->Put("k", "by path").ok());
  S3Options options = server_->options();
  options.endpoint = server_->localhost_endpoint();  // requests go to hangar.localhost
  options.addressing = S3Addressing::kVirtualHost;
  auto virtual_host = Open("s3://hangar/store", options);
  ASSERT_NE(virtual_host, nullptr);
  EXPECT_EQ(*virtual_host->Get("k"), "by path");
  ASSERT_TRUE(virtual_host->Put("v", "by host").ok());
  EXPECT_EQ(*store_->Get("v"), "by host");
  EXPECT_EQ(virtual_host->List("")->size(), 2u);
}

TEST_F(S3ObjectStoreTest, LargeFilesGoUpInPartsAndComeBackWhole) {
  S3Options options = server_->options();
  options.part_size = 5 << 20;
  auto store = Open("s3://hangar/big", options);
  ASSERT_NE(store, nullptr);
  const fs::path source = dir_ / "large.bin";
  const std::string bytes = RandomBytes((12 << 20) + 3, 7);  // three parts, the last 2 MiB + 3 bytes
  std::ofstream(source, std::ios::binary) << bytes;
  ASSERT_TRUE(store->PutFile("data/large.parquet", source).ok());
  auto listed = store->List("data/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].size, bytes.size());
  auto got = store->Get("data/large.parquet");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == bytes);
  const fs::path copy = dir_ / "large.copy";
  ASSERT_TRUE(store->GetFile("data/large.parquet", copy).ok());
  EXPECT_TRUE(ReadFile(copy) == bytes);
  // A file of exactly one part goes in one PUT.
  std::ofstream(dir_ / "one.bin", std::ios::binary) << bytes.substr(0, 5 << 20);
  ASSERT_TRUE(store->PutFile("data/one", dir_ / "one.bin").ok());
  EXPECT_EQ(store->Get("data/one")->size(), size_t{5} << 20);
}

TEST_F(S3ObjectStoreTest, PutIfAbsentLetsExactlyOneRacingWriterWin) {
  ASSERT_NE(store_, nullptr);
  for (int round = 0; round < 5; ++round) {
    const std::string key = "t/metadata/v" + std::to_string(round) + ".metadata.json";
    constexpr int kWriters = 8;
    std::atomic<int> won{0}, lost{0}, failed{0};
    std::atomic<int> winner{-1};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        Status st = store_->PutIfAbsent(key, "writer " + std::to_string(w));
        if (st.ok()) {
          ++won;
          winner = w;
        } else if (st.code() == StatusCode::kAlreadyExists) {
          ++lost;
        } else {
          ++failed;
          ADD_FAILURE() << st.ToString();
        }
      });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(lost.load(), kWriters - 1) << "round " << round;
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(*store_->Get(key), "writer " + std::to_string(winner.load()));
  }
  // After the race: a late writer loses, and the object is unchanged.
  const Status late = store_->PutIfAbsent("t/metadata/v0.metadata.json", "late");
  EXPECT_EQ(late.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(late.message().find("t/metadata/v0.metadata.json"), std::string::npos);
  EXPECT_NE(*store_->Get("t/metadata/v0.metadata.json"), "late");
}

TEST_F(S3ObjectStoreTest, ListingFollowsContinuationTokensPastOnePage) {
  S3Options options = server_->options();
  options.list_page_size = 7;
  auto store = Open("s3://hangar/paged", options);
  ASSERT_NE(store, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < 25; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "data/%03d.parquet", i);
    keys.push_back(key);
    ASSERT_TRUE(store->Put(key, std::string(static_cast<size_t>(i), 'x')).ok());
  }
  ASSERT_TRUE(store->Put("metadata/v1.json", "{}").ok());
  auto listed = store->List("data/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ((*listed)[i].key, keys[i]);
    EXPECT_EQ((*listed)[i].size, i);
  }
  EXPECT_EQ(store->List("")->size(), 26u);
}

TEST_F(S3ObjectStoreTest, KeysWithSpacesAndUtf8RoundTrip) {
  ASSERT_NE(store_, nullptr);
  const std::vector<std::string> keys = {
      "a b/c d.txt",
      "\xC3\xBCn\xC3\xAF"
      "c\xC3\xB8"
      "d\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xE2\x9C\x93.json",
      "plus+sign=equals&amp",
      "percent%20not-a-space",
      "quotes'\"<angle>",
      "tilde~star*(paren)",
  };
  for (const auto& key : keys) ASSERT_TRUE(store_->Put(key, "value of " + key).ok()) << key;
  for (const auto& key : keys) {
    auto got = store_->Get(key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    EXPECT_EQ(*got, "value of " + key);
  }
  auto listed = store_->List("");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> names;
  for (const auto& o : *listed) names.push_back(o.key);
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(names, sorted);
  for (const auto& key : keys) ASSERT_TRUE(store_->Delete(key).ok()) << key;
  EXPECT_TRUE(store_->List("")->empty());
}

TEST_F(S3ObjectStoreTest, AWrongSecretIsPermissionDeniedAndNeverShown) {
  S3Options options = server_->options();
  options.secret_access_key = "not-the-secret-XYZZY";
  auto store = OpenObjectStore("s3://hangar/store", options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kPermissionDenied) << store.status().ToString();
  EXPECT_NE(store.status().message().find("hangar"), std::string::npos);
  EXPECT_EQ(store.status().message().find("XYZZY"), std::string::npos) << store.status().ToString();
  EXPECT_EQ(store.status().message().find(server_->secret_key()), std::string::npos);

  options = server_->options();
  options.access_key_id = "NOSUCHKEY";
  EXPECT_EQ(OpenObjectStore("s3://hangar/store", options).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(S3ObjectStoreTest, AMissingBucketIsNotFound) {
  auto store = OpenObjectStore("s3://no-such-bucket/x", server_->options());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound) << store.status().ToString();
  EXPECT_NE(store.status().message().find("no-such-bucket"), std::string::npos);
}

TEST_F(S3ObjectStoreTest, AStoppedServerIsUnavailableWithinTheRetryBound) {
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(store_->Put("k", "v").ok());
  server_->Kill();
  // The test server's options: 4 attempts within 5 s.
  for (Status st : {store_->Put("k", "w"), store_->Get("k").status(), store_->List("").status(), store_->Delete("k")}) {
    EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
    EXPECT_NE(st.message().find("hangar"), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find("attempts"), std::string::npos) << st.ToString();
  }
  EXPECT_EQ(OpenObjectStore("s3://hangar/store", server_->options()).status().code(), StatusCode::kUnavailable);
  // The same store works again once the server is back.
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(*store_->Get("k"), "v");
}

}  // namespace
}  // namespace hangar::objstore
