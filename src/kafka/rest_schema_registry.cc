#include "kafka/rest_schema_registry.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include "base/json_text.h"

namespace hangar::kafka {

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Result<nlohmann::json> ParseJson(const std::string& body, const std::string& what) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return Status::Internal("the schema registry answered " + what + " with something not JSON");
  return json;
}

}  // namespace

RestSchemaRegistry::RestSchemaRegistry(RestRegistryOptions options) : options_(std::move(options)) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
  curl_global_init(CURL_GLOBAL_DEFAULT);  // reference counted; safe to call again
}

Result<std::string> RestSchemaRegistry::Request(const std::string& path, const std::string* post_body) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("cannot start an HTTP request");
  const std::string url = options_.url + path;
  std::string body;
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Accept: application/vnd.schemaregistry.v1+json, application/json"));
  headers.reset(curl_slist_append(headers.release(), "Content-Type: application/vnd.schemaregistry.v1+json"));
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  if (!options_.username.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_PASSWORD, options_.password.c_str());
  }
  if (!options_.ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, options_.ca_file.c_str());
  if (post_body != nullptr) curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, post_body->c_str());
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK)
    return Status::Unavailable("schema registry at " + options_.url + " unreachable: " + curl_easy_strerror(rc));
  long code = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code == 200) return body;
  auto json = nlohmann::json::parse(body, nullptr, false);
  const std::string message = json.is_object() && json.contains("message") && json["message"].is_string()
                                  ? json["message"].get<std::string>()
                                  : body.substr(0, 200);
  const std::string what = "schema registry " + path + ": HTTP " + std::to_string(code) + ": " + message;
  if (code == 404) return Status::NotFound(what);
  if (code == 401) return Status::Unauthenticated(what);
  if (code == 403) return Status::PermissionDenied(what);
  if (code == 409 || code == 422) return Status::Invalid(what);
  return Status::Unavailable(what);
}

Result<std::shared_ptr<const avro::AvroSchema>> RestSchemaRegistry::SchemaById(int32_t id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  }
  auto body = Request("/schemas/ids/" + std::to_string(id), nullptr);
  if (!body.ok() && body.status().code() == StatusCode::kNotFound)
    return Status::NotFound("the schema registry has no schema with id " + std::to_string(id));
  HANGAR_RETURN_NOT_OK(body.status());
  HANGAR_ASSIGN_OR_RETURN(auto json, ParseJson(*body, "a schema"));
  if (!json.is_object() || !json.contains("schema") || !json["schema"].is_string())
    return Status::Internal("the schema registry's answer for id " + std::to_string(id) + " has no schema");
  if (json.value("schemaType", "AVRO") != "AVRO")
    return Status::Invalid("schema " + std::to_string(id) + " is not Avro");
  HANGAR_ASSIGN_OR_RETURN(auto schema, avro::AvroSchema::Parse(json["schema"].get<std::string>()));
  std::lock_guard lock(mu_);
  by_id_[id] = schema;
  return schema;
}

Result<std::vector<RegisteredSchema>> RestSchemaRegistry::Versions(const std::string& subject) {
  const std::string base = "/subjects/" + Escape(subject) + "/versions";
  auto list = Request(base, nullptr);
  if (!list.ok() && list.status().code() == StatusCode::kNotFound) return std::vector<RegisteredSchema>{};
  HANGAR_RETURN_NOT_OK(list.status());
  HANGAR_ASSIGN_OR_RETURN(auto versions, ParseJson(*list, "a version list"));
  if (!versions.is_array()) return Status::Internal("the schema registry's version list is not a list");
  std::vector<RegisteredSchema> out;
  for (const auto& v : versions) {
    if (!v.is_number_integer()) continue;
    HANGAR_ASSIGN_OR_RETURN(auto body, Request(base + "/" + std::to_string(v.get<int>()), nullptr));
    HANGAR_ASSIGN_OR_RETURN(auto json, ParseJson(body, "a version"));
    if (!json.is_object() || !json.contains("id") || !json.contains("schema") || !json["schema"].is_string()) continue;
    if (json.value("schemaType", "AVRO") != "AVRO") continue;
    RegisteredSchema r;
    r.id = json["id"].get<int32_t>();
    r.subject = subject;
    r.version = json.value("version", v.get<int>());
    r.json = json["schema"].get<std::string>();
    HANGAR_ASSIGN_OR_RETURN(r.schema, avro::AvroSchema::Parse(r.json));
    out.push_back(std::move(r));
  }
  return out;
}

Result<RegisteredSchema> RestSchemaRegistry::Register(const std::string& subject, const std::string& json) {
  HANGAR_RETURN_NOT_OK(avro::AvroSchema::Parse(json).status());
  const std::string body = JsonText(nlohmann::json{{"schema", json}});
  HANGAR_ASSIGN_OR_RETURN(auto answer, Request("/subjects/" + Escape(subject) + "/versions", &body));
  HANGAR_ASSIGN_OR_RETURN(auto parsed, ParseJson(answer, "a registration"));
  if (!parsed.is_object() || !parsed.contains("id") || !parsed["id"].is_number_integer())
    return Status::Internal("the schema registry's registration answer has no id");
  const int32_t id = parsed["id"];
  HANGAR_ASSIGN_OR_RETURN(auto versions, Versions(subject));
  for (auto& v : versions)
    if (v.id == id) return v;
  return Status::Internal("a schema registered under '" + subject + "' is not among its versions");
}

}  // namespace hangar::kafka
