#include "flight/auth/users_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/json_text.h"

namespace hangar::flight::auth {

Status CheckUserName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                c == '@' || c == '-');
  if (ok) return Status::OK();
  return Status::Invalid("invalid user name '" + std::string(name.substr(0, 80)) +
                         "': 1-64 characters of letters, digits, '.', '_', '@' and '-'");
}

Result<UsersFile> UsersFile::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("cannot read the users file '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  auto bad = [&](const std::string& what) { return Status::Invalid("users file '" + path + "': " + what); };
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded()) return bad("not valid JSON");
  if (!json.is_object() || !json.contains("users") || !json["users"].is_array())
    return bad("expected an object with a \"users\" array");
  UsersFile file;
  for (size_t i = 0; i < json["users"].size(); ++i) {
    const auto& entry = json["users"][i];
    const std::string where = "user " + std::to_string(i);
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
      return bad(where + " has no \"name\"");
    User user;
    user.name = entry["name"].get<std::string>();
    if (Status s = CheckUserName(user.name); !s.ok()) return bad(s.message());
    if (file.Find(user.name) != nullptr) return bad("user '" + user.name + "' appears twice");
    if (!entry.contains("password_hash") || !entry["password_hash"].is_string())
      return bad("user '" + user.name + "' has no \"password_hash\"");
    user.password_hash = entry["password_hash"].get<std::string>();
    if (Status s = CheckPasswordHash(user.password_hash); !s.ok())
      return bad("user '" + user.name + "': " + s.message());
    if (entry.contains("permissions")) {
      if (!entry["permissions"].is_array()) return bad("user '" + user.name + "': \"permissions\" is not an array");
      for (const auto& p : entry["permissions"]) {
        if (!p.is_object() || !p.contains("access") || !p["access"].is_string() || !p.contains("pattern") ||
            !p["pattern"].is_string() || p["pattern"].get<std::string>().empty())
          return bad("user '" + user.name + "': a permission needs \"access\" and a non-empty \"pattern\"");
        auto access = ParseAccess(p["access"].get<std::string>());
        if (!access.ok()) return bad("user '" + user.name + "': " + access.status().message());
        user.permissions.push_back({*access, p["pattern"].get<std::string>()});
      }
    }
    file.users_.push_back(std::move(user));
  }
  return file;
}

Status UsersFile::Save(const std::string& path) const {
  nlohmann::json users = nlohmann::json::array();
  for (const auto& user : users_) {
    nlohmann::json permissions = nlohmann::json::array();
    for (const auto& p : user.permissions)
      permissions.push_back({{"access", std::string(AccessName(p.access))}, {"pattern", p.pattern}});
    users.push_back({{"name", user.name}, {"password_hash", user.password_hash}, {"permissions", permissions}});
  }
  const std::string text = JsonText(nlohmann::json{{"users", users}}, 2) + "\n";
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create '" + tmp + "'");
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError("cannot write the users file '" + path + "'");
  }
  // The rename is durable only once the folder is synced.
  std::string dir = std::filesystem::path(path).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::OK();
}

Status UsersFile::AddUser(const std::string& name, std::string_view password, std::vector<Permission> permissions,
                          bool replace, int iterations) {
  HANGAR_RETURN_NOT_OK(CheckUserName(name));
  if (password.empty()) return Status::Invalid("the password of user '" + name + "' is empty");
  for (const auto& p : permissions)
    if (p.pattern.empty()) return Status::Invalid("a permission pattern is empty");
  User user{name, HashPassword(password, iterations), std::move(permissions)};
  for (auto& existing : users_) {
    if (existing.name != name) continue;
    if (!replace) return Status::AlreadyExists("user '" + name + "' already exists");
    existing = std::move(user);
    return Status::OK();
  }
  users_.push_back(std::move(user));
  return Status::OK();
}

Status UsersFile::RemoveUser(std::string_view name) {
  for (auto it = users_.begin(); it != users_.end(); ++it) {
    if (it->name != name) continue;
    users_.erase(it);
    return Status::OK();
  }
  return Status::NotFound("no user '" + std::string(name) + "'");
}

const User* UsersFile::Find(std::string_view name) const {
  for (const auto& user : users_)
    if (user.name == name) return &user;
  return nullptr;
}

Result<const User*> UsersFile::Authenticate(std::string_view name, std::string_view password) const {
  const User* user = Find(name);
  // An unknown user costs a hash like a known one.
  static const std::string decoy = HashPassword("decoy");
  const bool ok = VerifyPassword(password, user ? std::string_view(user->password_hash) : std::string_view(decoy));
  if (user == nullptr || !ok) return Status::Unauthenticated("invalid user name or password");
  return user;
}

}  // namespace hangar::flight::auth
