// The digests an S3 request carries: MD5 for ETags and Content-MD5 (the
// server checks the body against it and answers with it), SHA-256 for the
// signed payload hash (x-amz-content-sha256). OpenSSL computes both.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace hangar::objstore {

// An incremental digest: Update as bytes come, then Finish once.
class Digest {
 public:
  enum class Algorithm { kMd5, kSha256 };
  explicit Digest(Algorithm algorithm);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void Update(std::string_view bytes);
  // The raw digest (16 or 32 bytes).
  std::string Finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string Md5(std::string_view bytes);
std::string Sha256(std::string_view bytes);
std::string Hex(std::string_view bytes);  // lower case

}  // namespace hangar::objstore
