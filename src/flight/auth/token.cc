#include "flight/auth/token.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "base/base64.h"
#include "base/json_text.h"

namespace hangar::flight::auth {

namespace {

constexpr std::string_view kPrefix = "hgr1.";

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed: no entropy");
  return out;
}

std::string IsoTime(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

Status Malformed() { return Status::Unauthenticated("malformed bearer token"); }

}  // namespace

std::string TokenSigner::Sign(std::string_view text) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::string TokenSigner::Issue(std::string_view user, std::chrono::seconds ttl,
                               std::chrono::system_clock::time_point now) const {
  const int64_t issued = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  nlohmann::json claims = {
      {"u", std::string(user)}, {"iat", issued}, {"exp", issued + ttl.count()}, {"n", Base64UrlEncode(RandomBytes(9))}};
  const std::string signed_text = std::string(kPrefix) + Base64UrlEncode(JsonText(claims));
  return signed_text + "." + Base64UrlEncode(Sign(signed_text));
}

Result<TokenClaims> TokenSigner::Verify(std::string_view token, std::chrono::system_clock::time_point now) const {
  if (token.substr(0, kPrefix.size()) != kPrefix) return Malformed();
  const size_t dot = token.rfind('.');
  if (dot < kPrefix.size()) return Malformed();
  const std::string_view signed_text = token.substr(0, dot);
  auto signature = Base64UrlDecode(token.substr(dot + 1));
  if (!signature.ok()) return Malformed();
  const std::string expected = Sign(signed_text);
  if (signature->size() != expected.size() || CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    return Status::Unauthenticated("bearer token signature is invalid");
  auto payload = Base64UrlDecode(signed_text.substr(kPrefix.size()));
  if (!payload.ok()) return Malformed();
  auto json = nlohmann::json::parse(*payload, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("u") || !json["u"].is_string() ||
      !json.contains("iat") || !json["iat"].is_number_integer() || !json.contains("exp") ||
      !json["exp"].is_number_integer())
    return Malformed();
  TokenClaims claims{json["u"].get<std::string>(), json["iat"].get<int64_t>(), json["exp"].get<int64_t>()};
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (now_s >= claims.expires_at_s)
    return Status::Unauthenticated("bearer token expired at " + IsoTime(claims.expires_at_s));
  return claims;
}

std::string TokenSigner::GenerateSecret() { return Base64Encode(RandomBytes(32)); }

Result<std::string> TokenSigner::LoadOrCreateSecret(const std::string& path) {
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.size() < 16) return Status::Invalid("the token secret in '" + path + "' is shorter than 16 bytes");
    return secret;
  }
  const std::string secret = GenerateSecret();
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create the token secret file '" + path + "'");
  const std::string line = secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  // link() fails if another process created the file meanwhile: then its secret wins.
  if (!written) return Status::IOError("cannot write the token secret file '" + path + "'");
  const bool linked = ::link(tmp.c_str(), path.c_str()) == 0;
  const int link_error = errno;
  ::unlink(tmp.c_str());
  if (linked) return secret;
  if (link_error == EEXIST) return LoadOrCreateSecret(path);
  return Status::IOError("cannot create the token secret file '" + path + "'");
}

}  // namespace hangar::flight::auth
