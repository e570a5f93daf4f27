#include "flight/server_auth.h"

#include <sys/stat.h>

#include <cctype>
#include <cstdio>

#include "base/base64.h"
#include "base/log.h"
#include "flight/proto/Flight.pb.h"
#include "flight/rpc_metrics.h"
#include "flight/server.h"

namespace hangar::flight {

namespace {

int64_t ModificationTimeNs(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

}  // namespace

Result<std::unique_ptr<ServerAuthenticator>> ServerAuthenticator::Make(const AuthOptions& options) {
  if (options.token_secret.size() < 16) return Status::Invalid("the token secret must be at least 16 bytes long");
  const int64_t mtime = ModificationTimeNs(options.users_file);
  HANGAR_ASSIGN_OR_RETURN(auto users, auth::UsersFile::Load(options.users_file));
  std::unique_ptr<ServerAuthenticator> out(new ServerAuthenticator(
      options.users_file, std::move(users), auth::TokenSigner(options.token_secret), options.token_ttl, options.login));
  out->users_mtime_ns_ = mtime;
  if (options.pass_credentials) out->vault_ = std::make_unique<auth::CredentialVault>();
  return out;
}

ServerAuthenticator::ServerAuthenticator(std::string users_path, auth::UsersFile users, auth::TokenSigner signer,
                                         std::chrono::seconds ttl, const LoginLimits& login)
    : users_path_(std::move(users_path)),
      signer_(std::move(signer)),
      ttl_(ttl),
      throttle_(login),
      users_(std::make_shared<const auth::UsersFile>(std::move(users))) {}

void ServerAuthenticator::Refresh() {
  const int64_t mtime = ModificationTimeNs(users_path_);
  std::lock_guard lock(mu_);
  if (mtime == users_mtime_ns_) return;
  users_mtime_ns_ = mtime;
  auto loaded = auth::UsersFile::Load(users_path_);
  if (!loaded.ok()) {
    log::Warn("the users file did not load; keeping the previous users", {{"error", loaded.status().ToString()}});
    return;
  }
  users_ = std::make_shared<const auth::UsersFile>(std::move(loaded).value());
}

Result<ServerAuthenticator::Identity> ServerAuthenticator::Login(const std::string& user, const std::string& password,
                                                                 const std::string& address) {
  // Throttled before the (slow) check, so refusing a guesser costs nothing.
  HANGAR_ASSIGN_OR_RETURN(auto attempt, throttle_.Begin(user, address));
  Refresh();
  std::shared_ptr<const auth::UsersFile> users;
  {
    std::lock_guard lock(mu_);
    users = users_;
  }
  if (Status st = users->Authenticate(user, password).status(); !st.ok()) {
    RpcMetrics::Get().TokenRefused("password");
    return st;
  }
  attempt.Succeeded();
  RpcMetrics::Get().TokenIssued();
  Identity identity{user, signer_.Issue(user, ttl_), nullptr};
  if (vault_) {
    HANGAR_ASSIGN_OR_RETURN(auto claims, signer_.Verify(identity.issued_token));
    identity.credentials =
        vault_->Keep(identity.issued_token, user, password,
                     std::chrono::system_clock::time_point(std::chrono::seconds(claims.expires_at_s)));
  }
  return identity;
}

Result<ServerAuthenticator::Identity> ServerAuthenticator::Authenticate(std::string_view authorization,
                                                                        const std::string& address) {
  if (StartsWithIgnoreCase(authorization, "Bearer ")) {
    auto claims = signer_.Verify(authorization.substr(7));
    if (!claims.ok()) {
      RpcMetrics::Get().TokenRefused("token");
      return claims.status();
    }
    Refresh();
    std::lock_guard lock(mu_);
    if (users_->Find(claims->user) == nullptr) {
      RpcMetrics::Get().TokenRefused("token");
      return Status::Unauthenticated("the bearer token's user no longer exists");
    }
    return Identity{claims->user, "", vault_ ? vault_->Find(authorization.substr(7)) : nullptr};
  }
  if (StartsWithIgnoreCase(authorization, "Basic ")) {
    auto decoded = Base64DecodeOptionalPadding(authorization.substr(6));
    if (!decoded.ok()) return Status::Unauthenticated("malformed Basic credentials: not base64");
    const std::string& pair = *decoded;
    const size_t colon = pair.find(':');
    if (colon == std::string::npos)
      return Status::Unauthenticated("malformed Basic credentials: expected base64(user:password)");
    return Login(pair.substr(0, colon), pair.substr(colon + 1), address);
  }
  RpcMetrics::Get().TokenRefused("malformed");
  return Status::Unauthenticated("unsupported authorization scheme: use 'Basic' or 'Bearer'");
}

Result<ServerAuthenticator::Identity> ServerAuthenticator::AuthenticateHandshake(std::string_view payload,
                                                                                 const std::string& address) {
  ::arrow::flight::protocol::BasicAuth basic;
  if (!basic.ParseFromArray(payload.data(), static_cast<int>(payload.size())) || basic.username().empty())
    return Status::Unauthenticated("the Handshake payload is not a BasicAuth message with a user name");
  return Login(basic.username(), basic.password(), address);
}

std::vector<auth::Permission> ServerAuthenticator::PermissionsOf(const std::string& user) {
  std::lock_guard lock(mu_);
  const auth::User* found = users_->Find(user);
  return found ? found->permissions : std::vector<auth::Permission>{};
}

}  // namespace hangar::flight
