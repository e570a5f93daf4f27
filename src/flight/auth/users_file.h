// The users file: who may log in, with which password (hashed) and which
// permissions. JSON, written atomically with mode 0600:
//   {"users": [{"name": "alice", "password_hash": "pbkdf2-sha256$...",
//               "permissions": [{"access": "read", "pattern": "default.*"}]}]}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flight/auth/password_hash.h"
#include "flight/auth/permissions.h"

namespace hangar::flight::auth {

struct User {
  std::string name;
  std::string password_hash;
  std::vector<Permission> permissions;
};

// 1-64 characters of [A-Za-z0-9._@-].
Status CheckUserName(std::string_view name);

class UsersFile {
 public:
  // Errors name the file and what is wrong in it.
  static Result<UsersFile> Load(const std::string& path);
  // Writes path.tmp, fsyncs it, renames it over `path` and fsyncs the folder.
  Status Save(const std::string& path) const;

  Status AddUser(const std::string& name, std::string_view password, std::vector<Permission> permissions,
                 bool replace = false, int iterations = kPbkdf2Iterations);
  Status RemoveUser(std::string_view name);
  const User* Find(std::string_view name) const;
  const std::vector<User>& users() const { return users_; }
  // The same answer for an unknown user and a wrong password, after the same
  // amount of hashing work, so that neither the message nor the time tells
  // which user names exist.
  Result<const User*> Authenticate(std::string_view name, std::string_view password) const;

 private:
  std::vector<User> users_;
};

}  // namespace hangar::flight::auth
