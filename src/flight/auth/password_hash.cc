#include "flight/auth/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

#include "base/base64.h"

namespace hangar::flight::auth {

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;

struct Parsed {
  int iterations = 0;
  std::string salt;
  std::string hash;
};

Result<Parsed> Parse(std::string_view encoded) {
  std::string_view parts[4];
  for (int i = 0; i < 4; ++i) {
    const size_t dollar = encoded.find('$');
    if ((dollar == std::string_view::npos) != (i == 3))
      return Status::Invalid("password hash is not scheme$n$salt$hash");
    parts[i] = encoded.substr(0, dollar);
    encoded = dollar == std::string_view::npos ? std::string_view() : encoded.substr(dollar + 1);
  }
  if (parts[0] != kScheme) return Status::Invalid("unknown password hash scheme '" + std::string(parts[0]) + "'");
  Parsed out;
  auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), out.iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || out.iterations < 1 || out.iterations > 100000000)
    return Status::Invalid("password hash has an invalid iteration count");
  HANGAR_ASSIGN_OR_RETURN(out.salt, Base64Decode(parts[2]));
  HANGAR_ASSIGN_OR_RETURN(out.hash, Base64Decode(parts[3]));
  if (out.salt.empty() || out.hash.size() != kKeyBytes)
    return Status::Invalid("password hash has a bad salt or key size");
  return out;
}

std::string Derive(std::string_view password, std::string_view salt, int iterations) {
  std::string key(kKeyBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), static_cast<int>(key.size()), reinterpret_cast<unsigned char*>(key.data())) != 1)
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");  // only on allocation failure inside OpenSSL
  return key;
}

}  // namespace

std::string HashPassword(std::string_view password, int iterations) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no entropy");
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + Base64Encode(salt) + "$" +
         Base64Encode(Derive(password, salt, iterations));
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  auto parsed = Parse(encoded);
  if (!parsed.ok()) return false;
  const std::string key = Derive(password, parsed->salt, parsed->iterations);
  return CRYPTO_memcmp(key.data(), parsed->hash.data(), kKeyBytes) == 0;
}

Status CheckPasswordHash(std::string_view encoded) { return Parse(encoded).status(); }

}  // namespace hangar::flight::auth
