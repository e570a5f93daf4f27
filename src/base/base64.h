// Base64 (RFC 4648): the standard alphabet with padding for Basic
// credentials and password hashes, the URL-safe one without padding for
// bearer tokens (they travel in headers and URLs).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace hangar {

std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);
// The standard alphabet with its padding optional: Basic credentials as
// clients send them (Go's Flight client, behind ADBC, leaves it out).
Result<std::string> Base64DecodeOptionalPadding(std::string_view text);
std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace hangar
