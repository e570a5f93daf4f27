// The passwords that bearer tokens were earned with, kept only while a server
// passes its clients' credentials on to a backend (Kafka's SASL login, see
// docs/security.md#credential-pass-through).
//
// A bearer token proves who its holder is but carries no password, and a
// backend that authenticates users itself wants one. So when a login
// succeeds, the vault keeps the password under the token it earned, and a
// later call made with that token finds it again. An entry lives exactly as
// long as its token: a thread wipes it (the password's bytes overwritten)
// when the token expires, so a password is never kept past the moment it
// could be used. Tokens are not kept: entries are found by the tokens'
// SHA-256 digests. The number of entries is bounded; over the bound, the
// entry that would expire first goes (its client must log in again).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace hangar::flight::auth {

// A user name and the password it logged in with. The password's bytes are
// overwritten when the last holder lets go.
class PassedCredentials {
 public:
  PassedCredentials(std::string user, std::string password, std::chrono::system_clock::time_point expires_at)
      : user_(std::move(user)), password_(std::move(password)), expires_at_(expires_at) {}
  ~PassedCredentials();
  PassedCredentials(const PassedCredentials&) = delete;
  PassedCredentials& operator=(const PassedCredentials&) = delete;

  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  // When the token these came with expires; nothing may use them after.
  std::chrono::system_clock::time_point expires_at() const { return expires_at_; }

 private:
  std::string user_;
  std::string password_;
  std::chrono::system_clock::time_point expires_at_;
};

class CredentialVault {
 public:
  explicit CredentialVault(size_t max_entries = 65536);
  ~CredentialVault();
  CredentialVault(const CredentialVault&) = delete;
  CredentialVault& operator=(const CredentialVault&) = delete;

  // Keeps `user`'s password under `token` until `expires_at`.
  std::shared_ptr<const PassedCredentials> Keep(std::string_view token, std::string user, std::string password,
                                                std::chrono::system_clock::time_point expires_at);
  // What `token` was earned with; null if it was not earned here (another
  // node of a cluster, a server since restarted), was pushed out, or expired.
  std::shared_ptr<const PassedCredentials> Find(
      std::string_view token, std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;
  size_t size() const;
  // Drops the entries expired at `now` (the vault's thread calls it as tokens expire).
  void DropExpired(std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

 private:
  void WipeAsTokensExpire(std::stop_token stop);

  const size_t max_entries_;
  mutable std::mutex mu_;
  std::condition_variable_any changed_;
  std::map<std::string, std::shared_ptr<const PassedCredentials>> by_token_digest_;  // guarded by mu_
  uint64_t additions_ = 0;                                                           // guarded by mu_
  std::jthread wiper_;
};

}  // namespace hangar::flight::auth
