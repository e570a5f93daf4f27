// Signed HTTP requests to one bucket, tried again as the retry policy says.
//
// libcurl signs each request with AWS Signature Version 4
// (CURLOPT_AWS_SIGV4): the method, the path, the query, the headers it is
// given (x-amz-* and Content-Type among them) and the payload's SHA-256,
// which this client computes and sends as x-amz-content-sha256 (libcurl
// 7.88 signs it but does not add it). Paths and queries are built already
// in SigV4's canonical form (strictly percent-encoded, parameters sorted),
// so what libcurl signs is what the server recomputes.
//
// A request is tried again when it failed on the way (no connection, a
// reset, a stall) or the server answered that it could not serve it now
// (5xx, 429, SlowDown, RequestTimeout, BadDigest: a body damaged in
// transit). Every other answer, 2xx or not, is the caller's to read.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "objstore/curl_pool.h"
#include "objstore/s3_options.h"

namespace hangar::objstore {

struct S3Request {
  const char* method = "GET";  // GET, HEAD, PUT, POST or DELETE
  std::string key;             // the object key (prefix included); empty: the bucket
  // Query parameters, unencoded; sent sorted and encoded. An empty value is
  // sent as "name=" (SigV4's canonical form of a bare "?uploads").
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // PUT and POST; must outlive Send
  // The body's raw SHA-256 when the caller has it already; else computed.
  std::string body_sha256;
  // A 2xx answer's body goes into this file (truncated at each attempt)
  // instead of S3Response::body.
  int sink_fd = -1;
  // Compute the MD5 of a 2xx answer's body (S3Response::body_md5) when its
  // ETag is that of a single-part object.
  bool md5_of_body = false;
};

struct S3Response {
  long status = 0;
  std::string body;                            // error answers always land here
  std::map<std::string, std::string> headers;  // names in lower case
  uint64_t body_size = 0;
  std::string body_md5;  // raw, with md5_of_body; empty for a multipart object
  int attempts = 0;

  std::string Header(const std::string& lower_name) const;
};

class S3Client {
 public:
  // `options.endpoint` must be http:// or https:// HOST[:PORT], with nothing after.
  static Result<std::unique_ptr<S3Client>> Make(const S3Options& options, std::string bucket);

  // The answer of the last attempt, whatever its status; kUnavailable when
  // the bucket could not be reached within the retry policy (the message
  // says why, and how often it was tried).
  Result<S3Response> Send(const S3Request& request);

  const std::string& bucket() const { return bucket_; }
  const S3Options& options() const { return options_; }

 private:
  S3Client(S3Options options, std::string bucket, std::string base_url);
  // One attempt: CURLE_OK and the answer, or libcurl's failure (in `error`).
  CURLcode Perform(const S3Request& request, const std::string& url, S3Response* response, std::string* error);
  std::string Url(const S3Request& request) const;

  S3Options options_;
  std::string bucket_;
  std::string base_url_;  // scheme://host[:port] with the bucket in the host for virtual-host addressing
  std::string sigv4_;     // "aws:amz:REGION:s3"
  CurlPool pool_;
};

}  // namespace hangar::objstore
