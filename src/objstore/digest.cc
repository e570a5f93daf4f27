#include "objstore/digest.h"

#include <openssl/evp.h>

namespace hangar::objstore {

struct Digest::Context {
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx{EVP_MD_CTX_new()};
};

Digest::Digest(Algorithm algorithm) : context_(std::make_unique<Context>()) {
  EVP_DigestInit_ex(context_->ctx.get(), algorithm == Algorithm::kMd5 ? EVP_md5() : EVP_sha256(), nullptr);
}

Digest::~Digest() = default;

void Digest::Update(std::string_view bytes) { EVP_DigestUpdate(context_->ctx.get(), bytes.data(), bytes.size()); }

std::string Digest::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_->ctx.get(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string Md5(std::string_view bytes) {
  Digest digest(Digest::Algorithm::kMd5);
  digest.Update(bytes);
  return digest.Finish();
}

std::string Sha256(std::string_view bytes) {
  Digest digest(Digest::Algorithm::kSha256);
  digest.Update(bytes);
  return digest.Finish();
}

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

}  // namespace hangar::objstore
