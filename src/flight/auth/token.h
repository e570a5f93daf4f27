// Bearer tokens: HMAC-SHA256 signed, expiring, verifiable by every node that
// holds the same secret (no session state to share across a cluster).
//   hgr1.<base64url(JSON {"u": user, "iat": s, "exp": s, "n": nonce})>.<base64url(HMAC)>
// The HMAC covers "hgr1." plus the payload text, so neither the version nor
// the claims can be altered.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hangar::flight::auth {

struct TokenClaims {
  std::string user;
  int64_t issued_at_s = 0;
  int64_t expires_at_s = 0;
};

class TokenSigner {
 public:
  explicit TokenSigner(std::string secret) : secret_(std::move(secret)) {}

  std::string Issue(std::string_view user, std::chrono::seconds ttl,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;
  // Unauthenticated with a message saying why: malformed, bad signature, expired.
  Result<TokenClaims> Verify(std::string_view token,
                             std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  // 32 random bytes, base64.
  static std::string GenerateSecret();
  // Reads the secret file, or creates it (mode 0600, atomically) if absent.
  static Result<std::string> LoadOrCreateSecret(const std::string& path);

 private:
  std::string Sign(std::string_view text) const;
  std::string secret_;
};

}  // namespace hangar::flight::auth
