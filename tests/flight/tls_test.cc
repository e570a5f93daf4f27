// TLS and mutual TLS on a real server, with certificates made by the openssl
// command line for this test run: a CA, a server certificate for localhost
// and 127.0.0.1, a client certificate from the same CA, and one from a CA
// the server does not trust.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "flight/client.h"
#include "test_service.h"

namespace hangar::flight {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(
        (std::filesystem::temp_directory_path() / ("hangar-tls-" + std::to_string(::getpid()))).string());
    std::filesystem::create_directories(*dir_);
    const std::string script = "set -e; cd '" + *dir_ + "'\n" + R"(
      ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key -out $1.crt -days 2 -subj "/CN=$1" 2>/dev/null; }
      leaf() { # name ca san
        openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj "/CN=$1" 2>/dev/null
        printf "subjectAltName=%s\n" "$3" > $1.ext
        openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -out $1.crt -days 2 -extfile $1.ext 2>/dev/null
      }
      ca ca; ca rogue-ca
      leaf server ca "DNS:localhost,IP:127.0.0.1"
      leaf client ca "DNS:client"
      leaf rogue rogue-ca "DNS:rogue"
    )";
    std::ofstream(*dir_ + "/make.sh") << script;
    // Checked in SetUp: an assertion here would skip every test, and CTest
    // would count skipped tests as passing.
    certificates_made_ = std::system(("sh '" + *dir_ + "/make.sh'").c_str()) == 0;
  }
  void SetUp() override { ASSERT_TRUE(certificates_made_) << "openssl could not make the test certificates"; }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string File(const std::string& name) { return *dir_ + "/" + name; }

  std::unique_ptr<FlightServer> Start(bool mutual) {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls = TlsOptions{File("server.crt"), File("server.key"), mutual ? File("ca.crt") : ""};
    auto server = FlightServer::Start(options, std::make_shared<testing::TestFlightService>());
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return std::move(server).value();
  }

  static Status Call(const Location& location, ClientOptions options) {
    auto client = FlightClient::Connect(location, options);
    if (!client.ok()) return client.status();
    CallOptions call;
    call.timeout = std::chrono::seconds(10);
    return (*client)->ListActions(call).status();
  }

  static ClientOptions Trusting(const std::string& client_cert = "") {
    ClientOptions options;
    options.tls_root_certs = Slurp(File("ca.crt"));
    if (!client_cert.empty()) {
      options.tls_cert_chain = Slurp(File(client_cert + ".crt"));
      options.tls_private_key = Slurp(File(client_cert + ".key"));
    }
    return options;
  }

  static std::string* dir_;
  static bool certificates_made_;
};

std::string* TlsTest::dir_ = nullptr;
bool TlsTest::certificates_made_ = false;

TEST_F(TlsTest, ServesClientsThatTrustItsCertificate) {
  auto server = Start(false);
  EXPECT_EQ(server->location().uri.substr(0, 11), "grpc+tls://");
  Status status = Call(server->location(), Trusting());
  EXPECT_TRUE(status.ok()) << status.ToString();
  // "localhost" matches the certificate too.
  Status by_name = Call(Location::ForGrpcTls("localhost", server->port()), Trusting());
  EXPECT_TRUE(by_name.ok()) << by_name.ToString();
}

TEST_F(TlsTest, RefusesPlaintextAndUntrustingClients) {
  auto server = Start(false);
  Status plain = Call(Location::ForGrpcTcp("127.0.0.1", server->port()), {});
  EXPECT_EQ(plain.code(), StatusCode::kUnavailable) << plain.ToString();
  ClientOptions other_roots;
  other_roots.tls_root_certs = Slurp(File("rogue-ca.crt"));
  Status untrusted = Call(server->location(), other_roots);
  EXPECT_EQ(untrusted.code(), StatusCode::kUnavailable) << untrusted.ToString();
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificateFromTheTrustedCa) {
  auto server = Start(true);
  Status with_cert = Call(server->location(), Trusting("client"));
  EXPECT_TRUE(with_cert.ok()) << with_cert.ToString();
  Status without = Call(server->location(), Trusting());
  EXPECT_EQ(without.code(), StatusCode::kUnavailable) << without.ToString();
  Status rogue = Call(server->location(), Trusting("rogue"));
  EXPECT_EQ(rogue.code(), StatusCode::kUnavailable) << rogue.ToString();
}

TEST_F(TlsTest, MissingCertificateFilesAreClearErrors) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls = TlsOptions{File("nope.crt"), File("server.key"), ""};
  auto server = FlightServer::Start(options, std::make_shared<FlightService>());
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("nope.crt"), std::string::npos) << server.status().ToString();
}

}  // namespace
}  // namespace hangar::flight
