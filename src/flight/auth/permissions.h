// Who may do what: read, write or admin on name patterns.
//
// Resources are names as SQL spells them ("default.users", "kafka.orders") or
// "*" for what concerns the whole server (server-wide actions). A pattern is a
// glob where `*` matches any run of characters, dots included; so `default.*`
// covers every table of the namespace and `*` covers everything, including
// the server-wide resource "*", which no other pattern matches.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hangar::flight::auth {

// Each level implies the ones before it.
enum class Access { kRead = 0, kWrite = 1, kAdmin = 2 };

struct Permission {
  Access access = Access::kRead;
  std::string pattern;
  bool operator==(const Permission&) const = default;
};

Result<Access> ParseAccess(std::string_view text);
std::string_view AccessName(Access access);
// "read:default.*" -> {kRead, "default.*"}.
Result<Permission> ParsePermission(std::string_view text);

bool PatternMatches(std::string_view pattern, std::string_view resource);
bool Allows(const std::vector<Permission>& permissions, Access needed, std::string_view resource);

}  // namespace hangar::flight::auth
