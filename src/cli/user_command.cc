// `hangar user add|list|remove`: manages a users file (flight/auth/users_file.h).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/help.h"
#include "flight/auth/users_file.h"

namespace hangar::cli {

namespace auth = flight::auth;

namespace {

int Usage(const std::string& message) {
  if (!message.empty()) std::fprintf(stderr, "hangar user: %s\n", message.c_str());
  std::fputs(CommandUsage(*FindCommand("user")).c_str(), stderr);
  return 2;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "hangar user: %s\n", status.message().c_str());
  return 1;
}

}  // namespace

int RunUser(const Args& args) {
  if (args.empty()) return Usage("");
  const std::string action(args[0]);
  const CommandSpec& spec = *FindCommand("user");
  auto flags = Flags::Parse(Args(args.begin() + 1, args.end()), ValueFlagNames(spec), SwitchNames(spec));
  if (!flags.ok()) return Usage(flags.status().message());
  auto users_path = flags->Get("users");
  if (!users_path) return Usage("--users FILE is required");

  auth::UsersFile users;
  if (std::filesystem::exists(*users_path)) {
    auto loaded = auth::UsersFile::Load(*users_path);
    if (!loaded.ok()) return Fail(loaded.status());
    users = std::move(loaded).value();
  } else if (action != "add") {
    return Fail(Status::NotFound("no users file '" + *users_path + "'"));
  }

  if (action == "list") {
    for (const auto& user : users.users()) {
      std::printf("%s", user.name.c_str());
      for (const auto& p : user.permissions)
        std::printf(" %s:%s", std::string(auth::AccessName(p.access)).c_str(), p.pattern.c_str());
      std::printf("\n");
    }
    return 0;
  }
  auto name = flags->Get("name");
  if (!name) return Usage("--name NAME is required");
  if (action == "remove") {
    if (Status s = users.RemoveUser(*name); !s.ok()) return Fail(s);
    if (Status s = users.Save(*users_path); !s.ok()) return Fail(s);
    return 0;
  }
  if (action != "add") return Usage("unknown action '" + action + "'");

  std::string password;
  if (flags->Has("password-stdin")) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else if (auto env = flags->Get("password-env")) {
    const char* value = std::getenv(env->c_str());
    if (value == nullptr) return Fail(Status::Invalid("environment variable " + *env + " is not set"));
    password = value;
  } else {
    return Usage("give the password with --password-stdin or --password-env VAR (never on the command line)");
  }
  std::vector<auth::Permission> permissions;
  for (const auto& text : flags->GetAll("permission")) {
    auto permission = auth::ParsePermission(text);
    if (!permission.ok()) return Fail(permission.status());
    permissions.push_back(*permission);
  }
  if (permissions.empty()) permissions.push_back({auth::Access::kRead, "*"});
  if (Status s = users.AddUser(*name, password, std::move(permissions), flags->Has("replace")); !s.ok()) return Fail(s);
  if (Status s = users.Save(*users_path); !s.ok()) return Fail(s);
  std::fprintf(stderr, "hangar user: saved '%s' in %s\n", name->c_str(), users_path->c_str());
  return 0;
}

}  // namespace hangar::cli
