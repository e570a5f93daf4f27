// The REST Schema Registry client against a small HTTP server that speaks
// the Confluent registry's API (Confluent's own registry is a JVM service not
// packaged for Debian): registration, versions, ids, errors, basic auth; and
// a topic read whose schemas come from it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "arrow/array_access.h"
#include "base/base64.h"
#include "kafka/rest_schema_registry.h"
#include "kafka/topic_reader.h"
#include "kafka_test_util.h"

namespace hangar::kafka {
namespace {

using nlohmann::json;

class RegistryServer {
 public:
  explicit RegistryServer(std::string password = "") : password_(std::move(password)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RegistryServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (true) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string request;
      char buf[4096];
      size_t header_end = std::string::npos;
      size_t body_length = 0;
      while (true) {
        const ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
        if (header_end == std::string::npos && (header_end = request.find("\r\n\r\n")) != std::string::npos) {
          std::smatch m;
          if (std::regex_search(request, m, std::regex("Content-Length: (\\d+)", std::regex::icase)))
            body_length = std::stoul(m[1]);
        }
        if (header_end != std::string::npos && request.size() >= header_end + 4 + body_length) break;
      }
      ++requests_;
      auto [code, body] = Answer(request, header_end == std::string::npos ? "" : request.substr(header_end + 4));
      const std::string response = "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: application/json\r\n" +
                                   "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                   body;
      (void)!write(c, response.data(), response.size());
      close(c);
    }
  }

  std::pair<int, std::string> Answer(const std::string& request, const std::string& body) {
    std::lock_guard lock(mu_);
    if (!password_.empty() &&
        request.find("Authorization: Basic " + Base64Encode("hangar:" + password_)) == std::string::npos)
      return {401, R"({"error_code": 401, "message": "Unauthorized"})"};
    std::smatch m;
    const std::string line = request.substr(0, request.find("\r\n"));
    auto not_found = [](const char* what) {
      return std::make_pair(404, json{{"error_code", 40401}, {"message", what}}.dump());
    };
    if (std::regex_match(line, m, std::regex("POST /subjects/([^/]+)/versions HTTP/1.1"))) {
      const std::string schema = json::parse(body)["schema"];
      auto& versions = subjects_[m[1]];
      for (int id : versions)
        if (schemas_[id] == schema) return {200, json{{"id", id}}.dump()};
      int id = 0;
      for (const auto& [existing, text] : schemas_)
        if (text == schema) id = existing;
      if (id == 0) id = static_cast<int>(schemas_.size()) + 1;
      schemas_[id] = schema;
      versions.push_back(id);
      return {200, json{{"id", id}}.dump()};
    }
    if (std::regex_match(line, m, std::regex("GET /subjects/([^/]+)/versions HTTP/1.1"))) {
      if (!subjects_.count(m[1])) return not_found("Subject not found.");
      json versions = json::array();
      for (size_t v = 1; v <= subjects_[m[1]].size(); ++v) versions.push_back(v);
      return {200, versions.dump()};
    }
    if (std::regex_match(line, m, std::regex("GET /subjects/([^/]+)/versions/(\\d+) HTTP/1.1"))) {
      const auto& versions = subjects_[m[1]];
      const size_t v = std::stoul(m[2]);
      if (v == 0 || v > versions.size()) return not_found("Version not found.");
      const int id = versions[v - 1];
      return {200, json{{"subject", m[1]}, {"version", v}, {"id", id}, {"schema", schemas_[id]}}.dump()};
    }
    if (std::regex_match(line, m, std::regex("GET /schemas/ids/(\\d+) HTTP/1.1"))) {
      const int id = std::stoi(m[1]);
      if (!schemas_.count(id)) return not_found("Schema not found");
      return {200, json{{"schema", schemas_[id]}}.dump()};
    }
    return not_found("HTTP 404 Not Found");
  }

  std::string password_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::atomic<int> requests_{0};
  std::map<std::string, std::vector<int>> subjects_;
  std::map<int, std::string> schemas_;
};

RestRegistryOptions At(const std::string& url, const std::string& user = "", const std::string& password = "") {
  RestRegistryOptions o;
  o.url = url;
  o.username = user;
  o.password = password;
  return o;
}

const char* kV1 = R"({"type": "record", "name": "r", "fields": [{"name": "a", "type": "long"}]})";
const char* kV2 =
    R"({"type": "record", "name": "r", "fields": [{"name": "a", "type": "long"}, {"name": "b", "type": "string", "default": "-"}]})";

TEST(RestSchemaRegistry, RegistersListsAndFindsSchemas) {
  RegistryServer server;
  RestSchemaRegistry registry(At(server.url()));
  auto v1 = registry.Register("t-value", kV1);
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, 1);
  auto v2 = registry.Register("t-value", kV2);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->version, 2);
  EXPECT_NE(v1->id, v2->id);
  EXPECT_EQ(registry.Register("t-value", kV1)->id, v1->id);
  auto versions = registry.Versions("t-value");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[1].schema->root().fields.size(), 2u);
  EXPECT_TRUE(registry.Versions("unknown-value")->empty());
  auto schema = registry.SchemaById(v2->id);
  ASSERT_TRUE(schema.ok());
  const int before = server.requests();
  ASSERT_TRUE(registry.SchemaById(v2->id).ok());
  EXPECT_EQ(server.requests(), before) << "schemas by id are cached";
  EXPECT_EQ(registry.SchemaById(99).status().code(), StatusCode::kNotFound);
}

TEST(RestSchemaRegistry, AuthenticationAndUnreachableRegistriesAreClearErrors) {
  RegistryServer server("secret");
  RestSchemaRegistry wrong(At(server.url(), "hangar", "nope"));
  auto refused = wrong.Versions("t-value");
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("HTTP 401"), std::string::npos) << refused.status().message();
  RestSchemaRegistry right(At(server.url(), "hangar", "secret"));
  EXPECT_TRUE(right.Register("t-value", kV1).ok());
  RestSchemaRegistry nowhere(At("http://127.0.0.1:1"));
  EXPECT_EQ(nowhere.Versions("t-value").status().code(), StatusCode::kUnavailable);
}

TEST(RestSchemaRegistry, TopicsReadWithItsSchemas) {
  RegistryServer server;
  auto registry = std::make_shared<RestSchemaRegistry>(At(server.url()));
  auto& env = testing::KafkaEnvironment::Get();
  const std::string topic = env.NewTopic("rest", 1);
  auto v1 = registry->Register(ValueSubject(topic), kV1);
  ASSERT_TRUE(v1.ok());
  auto producer = Producer::Open(env.options());
  ASSERT_TRUE(producer.ok());
  std::string datum;
  testing::PutLong(42, &datum);
  ASSERT_TRUE((*producer)->Produce(topic, 0, {}, testing::Framed(v1->id, datum), 0, true).ok());
  ASSERT_TRUE((*producer)->Flush().ok());
  ASSERT_TRUE(registry->Register(ValueSubject(topic), kV2).ok());
  TopicReadOptions options;
  options.metadata = {};
  auto source = PartitionSource::Open(env.cluster(), registry, topic, 0, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto batch = (*source)->Next();
  ASSERT_TRUE(batch.ok() && *batch);
  EXPECT_EQ((*batch)->column(0)->values<int64_t>()[0], 42);
  EXPECT_EQ(arrow::BinaryValue(*(*batch)->column(1), 0), "-");  // v2's default for a v1 record
}

}  // namespace
}  // namespace hangar::kafka
