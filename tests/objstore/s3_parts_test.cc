// The pieces of the S3 store that need no server: the XML reader, the
// retry policy's bounds, ETag checks, s3:// URIs and key encoding, the
// mapping of error answers to Status codes, and OpenObjectStore's choice of
// store by URI.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "objstore/digest.h"
#include "objstore/open_object_store.h"
#include "objstore/retry_policy.h"
#include "objstore/s3_error.h"
#include "objstore/s3_etag.h"
#include "objstore/s3_location.h"
#include "objstore/xml_reader.h"

namespace hangar::objstore {
namespace {

TEST(XmlReaderTest, ReadsAListingPage) {
  const std::string page =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
      "<!-- a comment with <tags> -->"
      "<Contents><Key>a&amp;b &lt;c&gt; &#233;&#x4E2D;</Key><Size>12</Size><Owner><ID>x</ID></Owner></Contents>"
      "<Contents><Key>second</Key><Size>0</Size><Empty/></Contents>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>tok/+=</NextContinuationToken>"
      "</ListBucketResult>";
  auto root = XmlChild(page, "ListBucketResult");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  ASSERT_TRUE(root->has_value());
  auto contents = XmlChildren(**root, "Contents");
  ASSERT_TRUE(contents.ok());
  ASSERT_EQ(contents->size(), 2u);
  auto key = XmlChild((*contents)[0], "Key");
  ASSERT_TRUE(key.ok() && key->has_value());
  EXPECT_EQ(*XmlText(**key), "a&b <c> \xC3\xA9\xE4\xB8\xAD");
  // <ID> is Owner's child, not Contents': only direct children are found.
  EXPECT_FALSE(XmlChild((*contents)[0], "ID")->has_value());
  auto empty = XmlChild((*contents)[1], "Empty");
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_TRUE((*empty)->empty());
  EXPECT_EQ(*XmlText(**XmlChild(**root, "NextContinuationToken")), "tok/+=");
}

TEST(XmlReaderTest, RefusesMalformedText) {
  EXPECT_FALSE(XmlChildren("<a><b>text</a>", "a").ok());
  EXPECT_FALSE(XmlChildren("<a>never closed", "a").ok());
  EXPECT_FALSE(XmlChildren("</a>", "a").ok());
  EXPECT_FALSE(XmlText("&unknown;").ok());
  EXPECT_FALSE(XmlText("&#xD800;").ok());
  EXPECT_FALSE(XmlText("a<b").ok());
}

TEST(RetryPolicyTest, BoundsAttemptsAndTime) {
  RetryPolicy policy;
  policy.max_attempts = 4;
  policy.initial_backoff = std::chrono::milliseconds(10);
  policy.max_backoff = std::chrono::milliseconds(15);
  policy.max_elapsed = std::chrono::seconds(60);
  Backoff backoff(policy);
  for (int i = 0; i < 3; ++i) {
    const auto wait = backoff.Next();
    EXPECT_GE(wait.count(), 0);
    EXPECT_LE(wait.count(), 15);  // capped
  }
  EXPECT_EQ(backoff.attempts(), 4);
  EXPECT_LT(backoff.Next().count(), 0);  // four attempts used

  policy.max_attempts = 100;
  policy.initial_backoff = std::chrono::milliseconds(1000);
  policy.max_backoff = std::chrono::milliseconds(1000);
  policy.max_elapsed = std::chrono::milliseconds(0);
  Backoff no_time(policy);
  EXPECT_LT(no_time.Next().count(), 0);  // no time left for any wait
}

TEST(EtagTest, ChecksWhatHasAKnownShape) {
  const std::string md5 = Md5("hello");
  EXPECT_EQ(Hex(md5), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_TRUE(CheckSinglePartEtag("\"5d41402abc4b2a76b9719d911017c592\"", md5, "x").ok());
  EXPECT_TRUE(CheckSinglePartEtag("\"5D41402ABC4B2A76B9719D911017C592\"", md5, "x").ok());
  EXPECT_EQ(CheckSinglePartEtag("\"00000000000000000000000000000000\"", md5, "x").code(), StatusCode::kDataLoss);
  EXPECT_TRUE(CheckSinglePartEtag("\"not-an-md5\"", md5, "x").ok());  // another shape: not checked
  EXPECT_FALSE(IsSinglePartEtag("\"" + Hex(Md5("a")) + "-2\""));      // a multipart object's
  EXPECT_TRUE(IsSinglePartEtag("\"" + Hex(Md5("a")) + "\""));
  EXPECT_TRUE(CheckEchoedSha256("", "abc=", "x").ok());  // none answered
  EXPECT_TRUE(CheckEchoedSha256("abc=", "abc=", "x").ok());
  EXPECT_EQ(CheckEchoedSha256("abd=", "abc=", "x").code(), StatusCode::kDataLoss);
  EXPECT_EQ(Unquoted("W/\"abc\""), "abc");
  EXPECT_EQ(Unquoted("&quot;abc&quot;"), "abc");
}

TEST(S3LocationTest, ParsesUrisAndEncodesKeys) {
  auto location = ParseS3Uri("s3://my-bucket.data/tables/prod/");
  ASSERT_TRUE(location.ok());
  EXPECT_EQ(location->bucket, "my-bucket.data");
  EXPECT_EQ(location->prefix, "tables/prod");
  EXPECT_EQ(location->ObjectKey("t/1.parquet"), "tables/prod/t/1.parquet");
  EXPECT_EQ(location->Uri("t/1.parquet"), "s3://my-bucket.data/tables/prod/t/1.parquet");
  auto bare = ParseS3Uri("s3://bucket");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->ObjectKey("k"), "k");
  EXPECT_FALSE(ParseS3Uri("s3://Upper/x").ok());
  EXPECT_FALSE(ParseS3Uri("s3://ab").ok());
  EXPECT_FALSE(ParseS3Uri("gs://bucket").ok());

  EXPECT_EQ(UriEncode("a b/ü+~%", true), "a%20b/%C3%BC%2B~%25");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(*UriDecode("a%20b+c%2F%C3%BC"), "a b c/\xC3\xBC");
  EXPECT_FALSE(UriDecode("bad%2").ok());
  EXPECT_FALSE(UriDecode("bad%zz").ok());
}

TEST(S3ErrorTest, MapsCodesToStatuses) {
  auto status_of = [](long http, const std::string& code) {
    S3Response response;
    response.status = http;
    if (!code.empty())
      response.body = "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>why</Message></Error>";
    return S3ErrorStatus(response, "bucket", "some/key");
  };
  EXPECT_EQ(status_of(404, "NoSuchKey").code(), StatusCode::kNotFound);
  EXPECT_EQ(status_of(404, "NoSuchBucket").code(), StatusCode::kNotFound);
  EXPECT_EQ(status_of(403, "AccessDenied").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(status_of(403, "SignatureDoesNotMatch").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(status_of(403, "InvalidAccessKeyId").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(status_of(403, "").code(), StatusCode::kPermissionDenied);  // a HEAD answer
  EXPECT_EQ(status_of(412, "PreconditionFailed").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status_of(503, "SlowDown").code(), StatusCode::kUnavailable);
  EXPECT_EQ(status_of(500, "InternalError").code(), StatusCode::kUnavailable);
  EXPECT_EQ(status_of(400, "BadDigest").code(), StatusCode::kDataLoss);
  EXPECT_EQ(status_of(400, "InvalidArgument").code(), StatusCode::kIOError);
  const Status st = status_of(404, "NoSuchKey");
  EXPECT_NE(st.message().find("some/key"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("bucket"), std::string::npos) << st.message();
}

TEST(OpenObjectStoreTest, ChoosesTheStoreByUri) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("hangar_open_store_" + std::to_string(::getpid()));
  fs::remove_all(root);
  S3Options unused;
  auto by_path = OpenObjectStore(root.string(), unused);
  ASSERT_TRUE(by_path.ok()) << by_path.status().ToString();
  ASSERT_TRUE((*by_path)->Put("k", "v").ok());
  auto by_uri = OpenObjectStore("file://" + root.string(), unused);
  ASSERT_TRUE(by_uri.ok());
  EXPECT_EQ(*(*by_uri)->Get("k"), "v");
  EXPECT_EQ((*by_uri)->UriOf("k"), "file://" + (root / "k").string());
  EXPECT_EQ(OpenObjectStore("file://relative/dir", unused).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("gs://bucket/x", unused).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("s3://Bad_Bucket/x", unused).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenObjectStore("", unused).status().code(), StatusCode::kInvalidArgument);
  S3Options bad_endpoint;
  bad_endpoint.endpoint = "ftp://host";
  EXPECT_EQ(OpenObjectStore("s3://bucket/x", bad_endpoint).status().code(), StatusCode::kInvalidArgument);
  bad_endpoint.endpoint = "http://host:1/path";
  EXPECT_EQ(OpenObjectStore("s3://bucket/x", bad_endpoint).status().code(), StatusCode::kInvalidArgument);
  fs::remove_all(root);
}

}  // namespace
}  // namespace hangar::objstore
