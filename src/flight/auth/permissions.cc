#include "flight/auth/permissions.h"

namespace hangar::flight::auth {

Result<Access> ParseAccess(std::string_view text) {
  if (text == "read") return Access::kRead;
  if (text == "write") return Access::kWrite;
  if (text == "admin") return Access::kAdmin;
  return Status::Invalid("unknown access level '" + std::string(text) + "' (read, write or admin)");
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kRead: return "read";
    case Access::kWrite: return "write";
    case Access::kAdmin: return "admin";
  }
  return "?";
}

Result<Permission> ParsePermission(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 == text.size())
    return Status::Invalid("permission '" + std::string(text) + "' is not ACCESS:PATTERN (e.g. read:default.*)");
  HANGAR_ASSIGN_OR_RETURN(auto access, ParseAccess(text.substr(0, colon)));
  return Permission{access, std::string(text.substr(colon + 1))};
}

bool PatternMatches(std::string_view pattern, std::string_view resource) {
  if (resource == "*") return pattern == "*";
  // Iterative glob with backtracking to the last star: linear in practice.
  size_t p = 0, r = 0, star = std::string_view::npos, mark = 0;
  while (r < resource.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = r;
    } else if (p < pattern.size() && pattern[p] == resource[r]) {
      ++p;
      ++r;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      r = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool Allows(const std::vector<Permission>& permissions, Access needed, std::string_view resource) {
  for (const auto& permission : permissions)
    if (permission.access >= needed && PatternMatches(permission.pattern, resource)) return true;
  return false;
}

}  // namespace hangar::flight::auth
