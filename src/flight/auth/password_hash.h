// Password hashes for the users file: PBKDF2-HMAC-SHA256 with a random salt,
// slow on purpose so that a stolen users file does not give passwords away.
// The encoding names its parameters, so the iteration count can grow later
// without invalidating existing entries:
//   pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace hangar::flight::auth {

inline constexpr int kPbkdf2Iterations = 210000;  // OWASP's figure for PBKDF2-HMAC-SHA256

std::string HashPassword(std::string_view password, int iterations = kPbkdf2Iterations);
// Constant-time comparison; a malformed encoding never verifies.
bool VerifyPassword(std::string_view password, std::string_view encoded);
// Checks that an encoding is well formed (used when a users file is loaded).
Status CheckPasswordHash(std::string_view encoded);

}  // namespace hangar::flight::auth
