// How a store reaches its bucket: the endpoint, the credentials, the
// addressing style, TLS, and the sizes and bounds of requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "objstore/retry_policy.h"

namespace hangar::objstore {

enum class S3Addressing {
  kAuto,         // virtual-host on AWS (no endpoint given), path-style elsewhere
  kPath,         // http://host:port/bucket/key: S3-compatible servers, one name for every bucket
  kVirtualHost,  // https://bucket.host/key: AWS's preferred form; the bucket must resolve in DNS
};

struct S3Options {
  // scheme://host[:port]; empty: AWS, https://s3.<region>.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (x-amz-security-token); empty: none
  S3Addressing addressing = S3Addressing::kAuto;
  // PEM roots to verify an https endpoint with; empty: the system's. The
  // server's certificate and name are always verified.
  std::string ca_file;
  // PutFile sends a file larger than this as a multipart upload of parts of
  // this size (S3 wants at least 5 MiB but for the last part).
  uint64_t part_size = uint64_t{8} << 20;
  RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{3000};
  // A transfer moving less than 1 KiB/s for this long is cut (and tried
  // again): a total timeout would also cut a large upload that is moving.
  std::chrono::seconds stall_timeout{30};
  // Keys asked for per ListObjectsV2 page (S3 answers at most 1000).
  int list_page_size = 1000;
};

}  // namespace hangar::objstore
