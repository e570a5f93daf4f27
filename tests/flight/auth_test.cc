// The authentication building blocks on their own: base64, password hashes,
// the users file, permission patterns and bearer tokens.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/base64.h"
#include "flight/auth/password_hash.h"
#include "flight/auth/permissions.h"
#include "flight/auth/token.h"
#include "flight/auth/users_file.h"

namespace hangar::flight::auth {
namespace {

constexpr int kFast = 1000;  // iterations: tests need hashes, not slowness

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("hangar-authunit-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(*Base64Decode(encoded), plain);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), "\xfb\xff");
}

// Go's Flight client (ADBC's Flight SQL driver) sends Basic credentials
// without padding; both spellings decode, the bad ones still do not.
TEST(Base64Test, PaddingOptionalForBasicCredentials) {
  EXPECT_EQ(*Base64DecodeOptionalPadding("Ym9iOnB3MQ=="), "bob:pw1");
  EXPECT_EQ(*Base64DecodeOptionalPadding("Ym9iOnB3MQ"), "bob:pw1");
  EXPECT_EQ(*Base64DecodeOptionalPadding("Zm8"), "fo");
  for (const char* bad : {"Zg=", "Z", "Zh", "Zm9v!"}) EXPECT_FALSE(Base64DecodeOptionalPadding(bad).ok()) << bad;
}

TEST(Base64Test, RefusesInvalidText) {
  for (const char* bad : {"Zg=", "Z===", "Zm9v!", "Zh==", "Zm 9v"}) EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  EXPECT_FALSE(Base64UrlDecode("a").ok());
  EXPECT_FALSE(Base64UrlDecode("ab+c").ok());
}

TEST(PasswordHashTest, VerifiesOnlyTheRightPassword) {
  const std::string hash = HashPassword("correct horse", kFast);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$1000$", 0), 0u) << hash;
  EXPECT_TRUE(VerifyPassword("correct horse", hash));
  EXPECT_FALSE(VerifyPassword("correct horsf", hash));
  EXPECT_FALSE(VerifyPassword("", hash));
  EXPECT_NE(HashPassword("correct horse", kFast), hash) << "salts must differ";
  EXPECT_TRUE(CheckPasswordHash(hash).ok());
}

TEST(PasswordHashTest, MalformedOrTamperedHashesNeverVerify) {
  std::string hash = HashPassword("pw", kFast);
  std::string tampered = hash;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyPassword("pw", tampered));
  for (const char* bad : {"", "pw", "md5$1$abc$def", "pbkdf2-sha256$x$AAAA$AAAA", "pbkdf2-sha256$0$AAAA$AAAA",
                          "pbkdf2-sha256$10$AAAA$AAAA", "pbkdf2-sha256$10$AAAA"}) {
    EXPECT_FALSE(VerifyPassword("pw", bad)) << bad;
    EXPECT_FALSE(CheckPasswordHash(bad).ok()) << bad;
  }
}

TEST(PermissionsTest, PatternsAndTheAccessHierarchy) {
  EXPECT_TRUE(PatternMatches("default.*", "default.users"));
  EXPECT_TRUE(PatternMatches("default.*", "default.a.b"));
  EXPECT_FALSE(PatternMatches("default.*", "defaultx.users"));
  EXPECT_FALSE(PatternMatches("default.*", "kafka.orders"));
  EXPECT_TRUE(PatternMatches("kafka.orders", "kafka.orders"));
  EXPECT_FALSE(PatternMatches("kafka.orders", "kafka.orders2"));
  EXPECT_TRUE(PatternMatches("*", "anything.at.all"));
  EXPECT_TRUE(PatternMatches("*.orders", "kafka.orders"));
  EXPECT_TRUE(PatternMatches("k*a.*s", "kafka.orders"));
  EXPECT_FALSE(PatternMatches("k*a.*x", "kafka.orders"));
  // The server-wide resource is granted by "*" alone.
  EXPECT_TRUE(PatternMatches("*", "*"));
  EXPECT_FALSE(PatternMatches("default.*", "*"));
  const std::vector<Permission> writer = {{Access::kWrite, "default.*"}};
  EXPECT_TRUE(Allows(writer, Access::kRead, "default.t"));
  EXPECT_TRUE(Allows(writer, Access::kWrite, "default.t"));
  EXPECT_FALSE(Allows(writer, Access::kAdmin, "default.t"));
  EXPECT_FALSE(Allows(writer, Access::kRead, "kafka.t"));
  EXPECT_FALSE(Allows({}, Access::kRead, "default.t"));
  EXPECT_EQ(*ParsePermission("admin:*"), (Permission{Access::kAdmin, "*"}));
  EXPECT_FALSE(ParsePermission("owner:*").ok());
  EXPECT_FALSE(ParsePermission("read:").ok());
  EXPECT_FALSE(ParsePermission("read").ok());
}

TEST(UsersFileTest, SavesAndLoadsWithPrivateMode) {
  const std::string dir = TempDir("roundtrip");
  UsersFile users;
  ASSERT_TRUE(users.AddUser("alice", "a-pw", {{Access::kRead, "default.*"}}, false, kFast).ok());
  ASSERT_TRUE(users.AddUser("bob@corp", "b-pw", {{Access::kAdmin, "*"}, {Access::kWrite, "x.y"}}, false, kFast).ok());
  EXPECT_EQ(users.AddUser("alice", "other", {}, false, kFast).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(users.Save(dir + "/users.json").ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/users.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = UsersFile::Load(dir + "/users.json");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->users().size(), 2u);
  EXPECT_EQ(loaded->Find("bob@corp")->permissions,
            (std::vector<Permission>{{Access::kAdmin, "*"}, {Access::kWrite, "x.y"}}));
  EXPECT_TRUE(loaded->Authenticate("alice", "a-pw").ok());
  // Replacing and removing.
  ASSERT_TRUE(loaded->AddUser("alice", "new-pw", {}, true, kFast).ok());
  EXPECT_FALSE(loaded->Authenticate("alice", "a-pw").ok());
  EXPECT_TRUE(loaded->Authenticate("alice", "new-pw").ok());
  EXPECT_TRUE(loaded->RemoveUser("alice").ok());
  EXPECT_EQ(loaded->RemoveUser("alice").code(), StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST(UsersFileTest, AuthenticationFailuresLookTheSame) {
  UsersFile users;
  ASSERT_TRUE(users.AddUser("alice", "a-pw", {}, false, kFast).ok());
  auto wrong = users.Authenticate("alice", "nope");
  auto unknown = users.Authenticate("zed", "a-pw");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().ToString(), unknown.status().ToString());
}

TEST(UsersFileTest, BadInputIsAClearError) {
  UsersFile users;
  EXPECT_FALSE(users.AddUser("", "pw", {}, false, kFast).ok());
  EXPECT_FALSE(users.AddUser("a b", "pw", {}, false, kFast).ok());
  EXPECT_FALSE(users.AddUser(std::string(65, 'a'), "pw", {}, false, kFast).ok());
  EXPECT_FALSE(users.AddUser("ok", "", {}, false, kFast).ok());
  const std::string dir = TempDir("bad");
  const std::string good = HashPassword("pw", kFast);
  const std::pair<std::string, std::string> cases[] = {
      {"{", "not valid JSON"},
      {"[]", "\"users\" array"},
      {R"({"users": [{"password_hash": "x"}]})", "no \"name\""},
      {R"({"users": [{"name": "a"}]})", "no \"password_hash\""},
      {R"({"users": [{"name": "a", "password_hash": "plain"}]})", "user 'a'"},
      {R"({"users": [{"name": "a b", "password_hash": ")" + good + R"("}]})", "invalid user name"},
      {R"({"users": [{"name": "a", "password_hash": ")" + good +
           R"(", "permissions": [{"access": "root", "pattern": "*"}]}]})",
       "unknown access level"},
      {R"({"users": [{"name": "a", "password_hash": ")" + good + R"("}, {"name": "a", "password_hash": ")" + good +
           R"("}]})",
       "appears twice"},
  };
  for (const auto& [text, fragment] : cases) {
    std::ofstream(dir + "/u.json") << text;
    auto loaded = UsersFile::Load(dir + "/u.json");
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_NE(loaded.status().message().find(fragment), std::string::npos) << loaded.status().message();
    EXPECT_NE(loaded.status().message().find("u.json"), std::string::npos) << loaded.status().message();
  }
  EXPECT_FALSE(UsersFile::Load(dir + "/missing.json").ok());
  std::filesystem::remove_all(dir);
}

TEST(TokenTest, IssuedTokensVerifyUntilTheyExpire) {
  TokenSigner signer("a-secret-of-enough-length");
  const auto now = std::chrono::system_clock::now();
  const std::string token = signer.Issue("alice", std::chrono::seconds(60), now);
  EXPECT_EQ(token.rfind("hgr1.", 0), 0u);
  auto claims = signer.Verify(token, now + std::chrono::seconds(59));
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user, "alice");
  EXPECT_EQ(claims->expires_at_s - claims->issued_at_s, 60);
  auto expired = signer.Verify(token, now + std::chrono::seconds(61));
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.status().message().find("expired at"), std::string::npos);
  EXPECT_NE(signer.Issue("alice", std::chrono::seconds(60), now), token) << "tokens carry a nonce";
}

TEST(TokenTest, TamperingAndForeignSecretsAreDetected) {
  TokenSigner signer("a-secret-of-enough-length");
  const std::string token = signer.Issue("alice", std::chrono::seconds(60));
  // Another user's claims under alice's signature.
  const std::string bob = signer.Issue("bob", std::chrono::seconds(60));
  const std::string spliced = bob.substr(0, bob.rfind('.')) + token.substr(token.rfind('.'));
  EXPECT_NE(signer.Verify(spliced).status().message().find("signature"), std::string::npos);
  for (size_t i = 5; i < token.size(); i += 7) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    if (t[i - 1] == '.' || t[i] == '.') continue;
    EXPECT_EQ(signer.Verify(t).status().code(), StatusCode::kUnauthenticated) << "flipped " << i;
  }
  EXPECT_NE(TokenSigner("another-secret-entirely").Verify(token).status().message().find("signature"),
            std::string::npos);
  for (const char* bad : {"", "hgr1.", "hgr1..", "hgr2.abc.def", "Bearer x", "hgr1.abc.!!!"})
    EXPECT_EQ(signer.Verify(bad).status().code(), StatusCode::kUnauthenticated) << bad;
}

TEST(TokenTest, SecretFileIsCreatedOnceAndReadAfterwards) {
  const std::string dir = TempDir("secret");
  auto first = TokenSigner::LoadOrCreateSecret(dir + "/secret");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GE(first->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*TokenSigner::LoadOrCreateSecret(dir + "/secret"), *first);
  std::ofstream(dir + "/short") << "tiny\n";
  EXPECT_FALSE(TokenSigner::LoadOrCreateSecret(dir + "/short").ok());
  EXPECT_FALSE(TokenSigner::LoadOrCreateSecret(dir + "/no/such/dir/secret").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hangar::flight::auth
