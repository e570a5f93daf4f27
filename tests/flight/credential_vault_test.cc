// The credential vault on its own: a password is found by the token it
// earned, never after that token expires, and the vault stays bounded.
#include <gtest/gtest.h>

#include "flight/auth/credential_vault.h"

namespace hangar::flight::auth {
namespace {

using Clock = std::chrono::system_clock;

TEST(CredentialVault, FindsThePasswordByItsTokenUntilTheTokenExpires) {
  CredentialVault vault;
  const auto now = Clock::now();
  vault.Keep("token-a", "alice", "alice-pw", now + std::chrono::hours(1));
  vault.Keep("token-b", "bob", "bob-pw", now + std::chrono::hours(2));

  auto alice = vault.Find("token-a", now);
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->user(), "alice");
  EXPECT_EQ(alice->password(), "alice-pw");
  EXPECT_EQ(vault.Find("token-b", now)->password(), "bob-pw");
  EXPECT_EQ(vault.Find("token-c", now), nullptr) << "a token not earned here has no password";
  EXPECT_EQ(vault.Find("token-a", now + std::chrono::hours(1)), nullptr) << "found at its token's expiry";

  vault.DropExpired(now + std::chrono::minutes(90));
  EXPECT_EQ(vault.size(), 1u);
  EXPECT_EQ(vault.Find("token-a", now), nullptr) << "dropped once expired";
  EXPECT_NE(vault.Find("token-b", now), nullptr);
}

TEST(CredentialVault, ItsThreadDropsAPasswordOnceItsTokenExpires) {
  CredentialVault vault;
  // Already expired when kept: the thread, woken by the addition, drops it.
  vault.Keep("old", "alice", "pw", Clock::now() - std::chrono::seconds(1));
  vault.Keep("new", "bob", "pw", Clock::now() + std::chrono::hours(1));
  for (int i = 0; i < 500 && vault.size() != 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(vault.size(), 1u);
  EXPECT_NE(vault.Find("new"), nullptr);
}

TEST(CredentialVault, OverItsBoundTheEntryExpiringFirstGoes) {
  CredentialVault vault(2);
  const auto now = Clock::now();
  vault.Keep("t1", "u1", "p1", now + std::chrono::hours(3));
  vault.Keep("t2", "u2", "p2", now + std::chrono::hours(1));
  vault.Keep("t3", "u3", "p3", now + std::chrono::hours(2));
  EXPECT_EQ(vault.size(), 2u);
  EXPECT_EQ(vault.Find("t2", now), nullptr);
  EXPECT_NE(vault.Find("t1", now), nullptr);
  EXPECT_NE(vault.Find("t3", now), nullptr);
}

TEST(CredentialVault, ACallHoldingCredentialsKeepsThemAfterTheVaultDropsThem) {
  CredentialVault vault;
  const auto now = Clock::now();
  auto held = vault.Keep("t", "alice", "pw", now + std::chrono::seconds(30));
  vault.DropExpired(now + std::chrono::minutes(1));
  EXPECT_EQ(vault.size(), 0u);
  EXPECT_EQ(held->password(), "pw");
}

}  // namespace
}  // namespace hangar::flight::auth
