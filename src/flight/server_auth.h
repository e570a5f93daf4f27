// Basic -> Bearer authentication on the server side.
//
// A client proves who it is once, with a user name and password (an
// `authorization: Basic ...` header on any call, or a BasicAuth payload in
// Handshake), and receives `authorization: Bearer <token>`. The token is
// HMAC-signed with the cluster secret and expires, so every node holding the
// secret accepts it without shared session state. Users and their
// permissions come from the users file, re-read when it changes on disk so
// that `hangar user add` takes effect without a restart. Failed logins are
// throttled per user name and per client address (login_throttle.h).
// A server that passes its clients' credentials on to a backend keeps each
// password until the token it earned expires (auth/credential_vault.h).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "flight/auth/credential_vault.h"
#include "flight/auth/permissions.h"
#include "flight/auth/token.h"
#include "flight/auth/users_file.h"
#include "flight/login_throttle.h"

namespace hangar::flight {

struct AuthOptions;

class ServerAuthenticator {
 public:
  static Result<std::unique_ptr<ServerAuthenticator>> Make(const AuthOptions& options);

  struct Identity {
    std::string user;
    std::string issued_token;  // non-empty when Basic credentials were exchanged for a token
    // With AuthOptions::pass_credentials: the user name and password the
    // caller logged in with (null for a token this server did not issue).
    std::shared_ptr<const auth::PassedCredentials> credentials;
  };
  // Checks an `authorization` header value: "Basic base64(user:pass)" or
  // "Bearer <token>". `address` is the client's (client_address.h): logins
  // are throttled by it.
  Result<Identity> Authenticate(std::string_view authorization, const std::string& address);
  // Checks a Handshake payload holding a BasicAuth message.
  Result<Identity> AuthenticateHandshake(std::string_view payload, const std::string& address);
  // The permissions of a user (none if the user no longer exists).
  std::vector<auth::Permission> PermissionsOf(const std::string& user);

 private:
  ServerAuthenticator(std::string users_path, auth::UsersFile users, auth::TokenSigner signer, std::chrono::seconds ttl,
                      const LoginLimits& login);
  Result<Identity> Login(const std::string& user, const std::string& password, const std::string& address);
  // Re-reads the users file if it changed on disk (keeps the old one if the
  // new one does not load, and says so on stderr).
  void Refresh();

  const std::string users_path_;
  const auth::TokenSigner signer_;
  const std::chrono::seconds ttl_;
  LoginThrottle throttle_;
  // Passwords by the tokens they earned, with AuthOptions::pass_credentials.
  std::unique_ptr<auth::CredentialVault> vault_;
  std::mutex mu_;
  std::shared_ptr<const auth::UsersFile> users_;  // guarded by mu_
  int64_t users_mtime_ns_ = 0;                    // guarded by mu_
};

}  // namespace hangar::flight
