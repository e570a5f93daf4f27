#include "flight/auth/credential_vault.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>

namespace hangar::flight::auth {

namespace {

std::string Digest(std::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace

PassedCredentials::~PassedCredentials() { OPENSSL_cleanse(password_.data(), password_.size()); }

CredentialVault::CredentialVault(size_t max_entries)
    : max_entries_(std::max<size_t>(max_entries, 1)),
      wiper_([this](std::stop_token stop) { WipeAsTokensExpire(std::move(stop)); }) {}

CredentialVault::~CredentialVault() {
  wiper_.request_stop();
  changed_.notify_all();
  wiper_.join();
  std::lock_guard lock(mu_);
  by_token_digest_.clear();
}

std::shared_ptr<const PassedCredentials> CredentialVault::Keep(std::string_view token, std::string user,
                                                               std::string password,
                                                               std::chrono::system_clock::time_point expires_at) {
  auto entry = std::make_shared<const PassedCredentials>(std::move(user), std::move(password), expires_at);
  {
    std::lock_guard lock(mu_);
    while (by_token_digest_.size() >= max_entries_) {
      auto first = std::min_element(by_token_digest_.begin(), by_token_digest_.end(), [](const auto& a, const auto& b) {
        return a.second->expires_at() < b.second->expires_at();
      });
      by_token_digest_.erase(first);
    }
    by_token_digest_[Digest(token)] = entry;
    ++additions_;
  }
  changed_.notify_all();
  return entry;
}

std::shared_ptr<const PassedCredentials> CredentialVault::Find(std::string_view token,
                                                               std::chrono::system_clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = by_token_digest_.find(Digest(token));
  if (it == by_token_digest_.end() || it->second->expires_at() <= now) return nullptr;
  return it->second;
}

size_t CredentialVault::size() const {
  std::lock_guard lock(mu_);
  return by_token_digest_.size();
}

void CredentialVault::DropExpired(std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mu_);
  std::erase_if(by_token_digest_, [now](const auto& entry) { return entry.second->expires_at() <= now; });
}

// Sleeps until the first entry expires (or one is added), then drops what expired.
void CredentialVault::WipeAsTokensExpire(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    auto next = std::chrono::system_clock::time_point::max();
    for (const auto& [digest, entry] : by_token_digest_) next = std::min(next, entry->expires_at());
    const uint64_t seen = additions_;
    auto added = [this, seen] { return additions_ != seen; };
    if (next == std::chrono::system_clock::time_point::max()) {
      changed_.wait(lock, stop, added);
    } else {
      // Wall-clock expiry: checked again at least every minute, so a clock
      // that jumps does not hold an expired password long.
      const auto until = std::min(next, std::chrono::system_clock::now() + std::chrono::minutes(1));
      changed_.wait_until(lock, stop, until, added);
    }
    const auto now = std::chrono::system_clock::now();
    std::erase_if(by_token_digest_, [now](const auto& entry) { return entry.second->expires_at() <= now; });
  }
}

}  // namespace hangar::flight::auth
