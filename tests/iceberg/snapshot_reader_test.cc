// Locations of a client's snapshot in Hangar's object store, as other
// writers spell them: Spark's Hadoop paths name a local file `file:/path`,
// Hadoop's S3 connectors `s3a://`, and each must find the same key.
#include <gtest/gtest.h>

#include "../store/store_test_util.h"
#include "iceberg/snapshot_reader.h"

namespace hangar::iceberg {
namespace {

using store::testing::TempDir;

TEST(CanonicalUriTest, HadoopAndS3ConnectorSpellingsBecomeTheStoresOwn) {
  EXPECT_EQ(CanonicalUri("file:/tmp/b/x.avro"), "file:///tmp/b/x.avro");
  EXPECT_EQ(CanonicalUri("file:///tmp/b/x.avro"), "file:///tmp/b/x.avro");
  EXPECT_EQ(CanonicalUri("file://localhost/tmp/b/x.avro"), "file:///tmp/b/x.avro");
  EXPECT_EQ(CanonicalUri("s3a://bucket/p/x.avro"), "s3://bucket/p/x.avro");
  EXPECT_EQ(CanonicalUri("s3n://bucket/p/x.avro"), "s3://bucket/p/x.avro");
  EXPECT_EQ(CanonicalUri("s3://bucket/p/x.avro"), "s3://bucket/p/x.avro");
  // Another host, or no path: left as it is (and so never in the store).
  EXPECT_EQ(CanonicalUri("file://otherhost/tmp/x"), "file://otherhost/tmp/x");
  EXPECT_EQ(CanonicalUri("file:relative"), "file:relative");
}

TEST(KeyOfUriTest, EverySpellingOfALocationInTheStoreFindsItsKey) {
  TempDir dir;
  auto bucket = objstore::OpenLocalObjectStore(dir.path() / "bucket");
  ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
  const std::string uri = (*bucket)->UriOf("default/t-1/metadata/snap-1.avro");
  ASSERT_EQ(uri.rfind("file:///", 0), 0u) << uri;
  const std::string path = uri.substr(7);  // "/.../bucket/default/..."
  for (const std::string& spelling : {uri, "file:" + path, "file://localhost" + path}) {
    auto key = KeyOfUri(**bucket, spelling);
    ASSERT_TRUE(key.ok()) << spelling << ": " << key.status().ToString();
    EXPECT_EQ(*key, "default/t-1/metadata/snap-1.avro") << spelling;
  }
  // Outside the store: refused with the location named.
  auto outside = KeyOfUri(**bucket, "file:/elsewhere/snap-1.avro");
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outside.status().message().find("file:/elsewhere/snap-1.avro"), std::string::npos);
  EXPECT_FALSE(KeyOfUri(**bucket, "file://otherhost" + path).ok());
  EXPECT_FALSE(KeyOfUri(**bucket, (*bucket)->UriOf("")).ok());  // the root itself is no object
}

}  // namespace
}  // namespace hangar::iceberg
