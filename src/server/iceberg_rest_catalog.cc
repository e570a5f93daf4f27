#include "server/iceberg_rest_catalog.h"

#include <httplib.h>

#include <thread>

#include "base/log.h"
#include "flight/auth/token.h"
#include "flight/auth/users_file.h"
#include "iceberg/snapshot_reader.h"
#include "iceberg/table_metadata.h"
#include "store/names.h"
#include "store/storage_types.h"

namespace hangar::server {

namespace fs = std::filesystem;
namespace {

using Json = nlohmann::json;
namespace fa = flight::auth;

// The OpenAPI's ErrorModel, with the exception type Iceberg clients map to.
void SendError(httplib::Response& res, int code, const std::string& type, const std::string& message) {
  res.status = code;
  res.set_content(Json{{"error", {{"message", message}, {"type", type}, {"code", code}}}}.dump(), "application/json");
}

void SendStatus(httplib::Response& res, const Status& st) {
  switch (st.code()) {
    case StatusCode::kNotFound: return SendError(res, 404, "NoSuchTableException", st.message());
    case StatusCode::kAlreadyExists: return SendError(res, 409, "AlreadyExistsException", st.message());
    case StatusCode::kInvalidArgument: return SendError(res, 400, "BadRequestException", st.message());
    case StatusCode::kUnauthenticated: return SendError(res, 401, "NotAuthorizedException", st.message());
    case StatusCode::kPermissionDenied: return SendError(res, 403, "ForbiddenException", st.message());
    case StatusCode::kFailedPrecondition: return SendError(res, 409, "CommitFailedException", st.message());
    case StatusCode::kUnimplemented: return SendError(res, 406, "UnsupportedOperationException", st.message());
    case StatusCode::kUnavailable: return SendError(res, 503, "ServiceUnavailableException", st.message());
    default: return SendError(res, 500, "InternalServerError", "the catalog failed: " + st.message());
  }
}

void SendJson(httplib::Response& res, const Json& body, int code = 200) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

// The Iceberg FileIO settings that reach the bucket: Iceberg's S3FileIO
// names (Spark, Trino, Flink), which pyiceberg shares but for the
// addressing switch (`s3.force-virtual-addressing`, the inverse of
// `s3.path-style-access`) and the region (`s3.region`; Java's is
// `client.region`). The credentials only when `credentials`: the server's
// own, for callers allowed to read the table.
Json StorageSettings(const objstore::S3Options& s3, bool credentials) {
  Json out = Json::object();
  if (!s3.endpoint.empty()) out["s3.endpoint"] = s3.endpoint;
  out["s3.region"] = s3.region;
  out["client.region"] = s3.region;
  const bool path_style = s3.addressing == objstore::S3Addressing::kPath ||
                          (s3.addressing == objstore::S3Addressing::kAuto && !s3.endpoint.empty());
  out["s3.path-style-access"] = path_style ? "true" : "false";
  out["s3.force-virtual-addressing"] = path_style ? "false" : "true";
  if (credentials && !s3.access_key_id.empty()) {
    out["s3.access-key-id"] = s3.access_key_id;
    out["s3.secret-access-key"] = s3.secret_access_key;
    if (!s3.session_token.empty()) out["s3.session-token"] = s3.session_token;
  }
  return out;
}

// The Arrow type of an Iceberg type, for a table created through the
// catalog (the reverse of iceberg/schema.h where it is one to one).
Result<arrow::TypePtr> ArrowTypeOf(const Json& type, const std::string& column) {
  if (type.is_string()) {
    const std::string t = type.get<std::string>();
    if (t == "boolean") return arrow::boolean();
    if (t == "int") return arrow::int32();
    if (t == "long") return arrow::int64();
    if (t == "float") return arrow::float32();
    if (t == "double") return arrow::float64();
    if (t == "date") return arrow::date32();
    if (t == "time") return arrow::time64(arrow::TimeUnit::kMicro);
    if (t == "timestamp") return arrow::timestamp(arrow::TimeUnit::kMicro);
    if (t == "timestamptz") return arrow::timestamp(arrow::TimeUnit::kMicro, "UTC");
    if (t == "string") return arrow::utf8();
    if (t == "binary") return arrow::binary();
    int p = 0, s = 0;
    if (std::sscanf(t.c_str(), "decimal(%d, %d)", &p, &s) == 2 ||
        std::sscanf(t.c_str(), "decimal(%d,%d)", &p, &s) == 2) {
      if (p < 1 || p > 38 || s < 0 || s > p)
        return Status::Invalid("column '" + column + "': " + t + " is not a valid decimal");
      return arrow::decimal128(p, s);
    }
    return Status::Invalid("column '" + column + "' has Iceberg type " + t +
                           ", which Hangar tables do not take through the catalog (uuid and fixed among them)");
  }
  if (!type.is_object() || !type.contains("type") || !type["type"].is_string())
    return Status::Invalid("column '" + column + "': a type is a string or an object with a 'type'");
  const std::string kind = type["type"].get<std::string>();
  auto child = [&](const char* key, const char* name, bool nullable) -> Result<arrow::FieldPtr> {
    if (!type.contains(key)) return Status::Invalid("column '" + column + "': the " + kind + " has no '" + key + "'");
    HANGAR_ASSIGN_OR_RETURN(auto t, ArrowTypeOf(type[key], column));
    return std::make_shared<arrow::Field>(name, t, nullable);
  };
  if (kind == "list") {
    HANGAR_ASSIGN_OR_RETURN(auto element, child("element", "element", !type.value("element-required", false)));
    return arrow::list(element);
  }
  if (kind == "map") {
    HANGAR_ASSIGN_OR_RETURN(auto key, child("key", "key", false));
    HANGAR_ASSIGN_OR_RETURN(auto value, child("value", "value", !type.value("value-required", false)));
    return arrow::map(key->type(), value->type());
  }
  if (kind == "struct") {
    std::vector<arrow::FieldPtr> fields;
    if (!type.contains("fields") || !type["fields"].is_array())
      return Status::Invalid("column '" + column + "': a struct needs 'fields'");
    for (const auto& f : type["fields"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type"))
        return Status::Invalid("column '" + column + "': a struct field needs a name and a type");
      HANGAR_ASSIGN_OR_RETURN(auto t, ArrowTypeOf(f["type"], column));
      fields.push_back(std::make_shared<arrow::Field>(f["name"].get<std::string>(), t, !f.value("required", false)));
    }
    return arrow::struct_(std::move(fields));
  }
  return Status::Invalid("column '" + column + "' has an unknown Iceberg type '" + kind + "'");
}

// The DuckDB type a column of a client's data file is cast to where the
// column's Iceberg type is wider than its Hangar type (Iceberg's int holds
// int8, int16, uint8 and uint16; long holds uint32), so that DuckDB hands
// over the table's storage form; a value out of range fails the cast, and
// the commit. Null where the client's type is the table's.
const char* NarrowingCast(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::TypeId::kInt8: return "TINYINT";
    case arrow::TypeId::kInt16: return "SMALLINT";
    case arrow::TypeId::kUInt8: return "UTINYINT";
    case arrow::TypeId::kUInt16: return "USMALLINT";
    case arrow::TypeId::kUInt32: return "UINTEGER";
    default: return nullptr;
  }
}

}  // namespace

class IcebergRestCatalog::Impl {
 public:
  IcebergRestOptions options;
  std::shared_ptr<store::TableStore> tables;
  std::shared_ptr<iceberg::Mirror> mirror;
  std::shared_ptr<duckdb::Database> db;
  std::optional<fa::UsersFile> users;
  std::optional<fa::TokenSigner> signer;
  httplib::Server http;
  std::thread thread;
  int port = 0;

  // The caller's permissions, or the reason it has none; nullopt: auth is off.
  Result<std::optional<std::vector<fa::Permission>>> Caller(const httplib::Request& req) const {
    if (!users) return std::optional<std::vector<fa::Permission>>();
    const std::string header = req.get_header_value("Authorization");
    if (header.rfind("Bearer ", 0) != 0)
      return Status::Unauthenticated(
          "this catalog needs 'Authorization: Bearer <token>' (POST /v1/oauth/tokens gives one)");
    HANGAR_ASSIGN_OR_RETURN(auto claims, signer->Verify(std::string_view(header).substr(7)));
    const fa::User* user = users->Find(claims.user);
    if (user == nullptr) return Status::Unauthenticated("the token's user is no longer known");
    return std::optional<std::vector<fa::Permission>>(user->permissions);
  }

  Status Check(const httplib::Request& req, fa::Access access, const store::QualifiedName& name) const {
    HANGAR_ASSIGN_OR_RETURN(auto permissions, Caller(req));
    if (permissions && !fa::Allows(*permissions, access, name.ToString()))
      return Status::PermissionDenied("user may not " +
                                      std::string(access == fa::Access::kRead    ? "read"
                                                  : access == fa::Access::kWrite ? "write"
                                                                                 : "administer") +
                                      " table '" + name.ToString() + "'");
    return Status::OK();
  }

  static Result<std::string> Namespace(const std::string& text) {
    if (text.find('\x1f') != std::string::npos)
      return Status::Invalid("namespace '" + text + "' has several levels; Hangar's namespaces have one");
    HANGAR_RETURN_NOT_OK(store::CheckNamespace(text));
    return text;
  }

  // A table's name from its route. A namespace of several levels holds no
  // table here: 404, as for an unknown table, which is what tells Spark
  // that `ns.table.files` names a metadata table of `ns.table`.
  static Result<store::QualifiedName> TableName(const httplib::Request& req) {
    const std::string text = req.matches[1];
    if (text.find('\x1f') != std::string::npos) {
      std::string dotted = text;
      for (char& c : dotted) c = c == '\x1f' ? '.' : c;
      return Status::NotFound("no table '" + dotted + "." + std::string(req.matches[2]) +
                              "': Hangar's namespaces have one level");
    }
    HANGAR_ASSIGN_OR_RETURN(auto ns, Namespace(text));
    const std::string name = req.matches[2];
    HANGAR_RETURN_NOT_OK(store::CheckName(name, "table name"));
    return store::QualifiedName{ns, name};
  }

  // The table's newest Iceberg metadata, waiting up to `wait` for one that
  // holds Hangar version `version` or a later one. `config` carries the
  // storage settings, with the credentials when `credentials` (the caller
  // may read the table).
  Result<Json> LoadResult(const store::QualifiedName& name, bool credentials,
                          std::chrono::milliseconds wait = std::chrono::milliseconds(0), int64_t version = 0) {
    HANGAR_RETURN_NOT_OK(tables->Snapshot(name).status());
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      for (const auto& t : mirror->Tables()) {
        if (t.name != name.ToString()) continue;
        if (t.metadata_version == 0 || t.hangar_version < version) break;
        HANGAR_ASSIGN_OR_RETURN(std::string text, mirror->store().Get(t.metadata_key));
        Json metadata = Json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (metadata.is_discarded()) return Status::Internal("the table's Iceberg metadata is not JSON");
        return Json{{"metadata-location", mirror->store().UriOf(t.metadata_key)},
                    {"metadata", metadata},
                    {"config", options.s3 ? StorageSettings(*options.s3, credentials) : Json::object()}};
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::Unavailable("table '" + name.ToString() + "' is not in the object store yet" +
                               (mirror->Tables().empty() ? "" : " (or its type has no Iceberg form)"));
  }

  std::set<std::string> Namespaces() const {
    std::set<std::string> out;
    for (const auto& s : tables->List()) out.insert(s->name.ns);
    return out;
  }

  // The rows of the data files a client's appended snapshot added, put
  // into the Hangar table; returns the table's version after the put.
  Result<int64_t> ImportAppend(const store::QualifiedName& name, const Json& snapshot);

  void Routes();
};

Result<int64_t> IcebergRestCatalog::Impl::ImportAppend(const store::QualifiedName& name, const Json& snapshot) {
  if (!snapshot.is_object() || !snapshot.contains("snapshot-id") || !snapshot["snapshot-id"].is_number_integer() ||
      !snapshot.contains("manifest-list") || !snapshot["manifest-list"].is_string())
    return Status::Invalid("add-snapshot needs a snapshot with a snapshot-id and a manifest-list");
  const std::string operation =
      snapshot.contains("summary") && snapshot["summary"].is_object() ? snapshot["summary"].value("operation", "") : "";
  if (operation != "append")
    return Status::Unimplemented("this catalog takes appended snapshots only, not '" + operation + "' ones");
  objstore::ObjectStore& store = mirror->store();
  HANGAR_ASSIGN_OR_RETURN(auto added, iceberg::ReadAddedFiles(store, snapshot["manifest-list"].get<std::string>(),
                                                              snapshot["snapshot-id"].get<int64_t>()));
  // Fetched into staging (where DuckDB may read), put, then removed: the
  // rows live on as the Hangar table's, the client's files are not kept.
  const fs::path staging = tables->options().data_dir / "staging";
  std::vector<fs::path> local;
  struct Cleanup {
    std::vector<fs::path>* files;
    ~Cleanup() {
      std::error_code ec;
      for (const auto& f : *files) fs::remove(f, ec);
    }
  } cleanup{&local};
  std::string list;
  for (const auto& key : added.data_files) {
    local.push_back(staging / (iceberg::RandomUuid() + "-import.parquet"));
    HANGAR_RETURN_NOT_OK(store.GetFile(key, local.back()));
    list += (list.empty() ? "'" : ", '") + local.back().string() + "'";
  }
  HANGAR_ASSIGN_OR_RETURN(auto current, tables->Snapshot(name));
  int64_t version = current->version;
  if (!local.empty()) {
    std::string columns;
    for (const auto& f : current->schema->fields()) {
      std::string quoted = "\"";
      for (char c : f->name()) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted += "\"";
      const char* cast = NarrowingCast(*f->type());
      columns += (columns.empty() ? "" : ", ") +
                 (cast == nullptr ? quoted : "CAST(" + quoted + " AS " + cast + ") AS " + quoted);
    }
    HANGAR_ASSIGN_OR_RETURN(auto read,
                            duckdb::StreamQuery(db, "SELECT " + columns + " FROM read_parquet([" + list + "])"));
    // What DuckDB reads is given the table's types, as a table's own files
    // are: a zoned timestamp comes back in DuckDB's zone (Etc/UTC), not the
    // table's (UTC), though the instants are the same.
    auto source = store::ConformSource(std::move(read), current->schema);
    HANGAR_ASSIGN_OR_RETURN(auto put, tables->Put(name, store::PutMode::kAppend, source.get()));
    version = put.snapshot->version;
  }
  for (const auto& key : added.data_files) (void)store.Delete(key);
  for (const auto& key : added.metadata) (void)store.Delete(key);
  return version;
}

void IcebergRestCatalog::Impl::Routes() {
  // Open to anyone (clients ask before they log in): where the bucket is,
  // no credential. Defaults, so that a client may still point elsewhere.
  http.Get("/v1/config", [this](const httplib::Request&, httplib::Response& res) {
    SendJson(res, Json{{"defaults", options.s3 ? StorageSettings(*options.s3, false) : Json::object()},
                       {"overrides", Json::object()}});
  });

  http.Post("/v1/oauth/tokens", [this](const httplib::Request& req, httplib::Response& res) {
    if (!users)
      return SendError(res, 400, "BadRequestException", "authentication is off on this server: no token is needed");
    const std::string grant = req.get_param_value("grant_type");
    std::string name;
    if (grant == "client_credentials") {
      auto user = users->Authenticate(req.get_param_value("client_id"), req.get_param_value("client_secret"));
      if (!user.ok())
        return SendJson(res, Json{{"error", "invalid_client"}, {"error_description", "unknown user or wrong password"}},
                        401);
      name = (*user)->name;
    } else if (grant == "urn:ietf:params:oauth:grant-type:token-exchange") {
      // How Iceberg's Java client (Spark's) renews its token before it
      // expires: a token of this server, still valid, for a fresh one of
      // the same user, who must still be known.
      auto claims = signer->Verify(req.get_param_value("subject_token"));
      if (!claims.ok())
        return SendJson(res, Json{{"error", "invalid_grant"}, {"error_description", claims.status().message()}}, 400);
      if (users->Find(claims->user) == nullptr)
        return SendJson(
            res, Json{{"error", "invalid_grant"}, {"error_description", "the token's user is no longer known"}}, 400);
      name = claims->user;
    } else {
      return SendJson(
          res,
          Json{{"error", "unsupported_grant_type"},
               {"error_description", "grant_type is client_credentials, or token-exchange of this server's token"}},
          400);
    }
    const auto ttl = options.auth->token_ttl;
    SendJson(res, Json{{"access_token", signer->Issue(name, ttl)},
                       {"token_type", "bearer"},
                       {"expires_in", ttl.count()},
                       {"issued_token_type", "urn:ietf:params:oauth:token-type:access_token"}});
  });

  http.Get("/v1/namespaces", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto caller = Caller(req); !caller.ok()) return SendStatus(res, caller.status());
    Json list = Json::array();
    for (const auto& ns : Namespaces()) list.push_back(Json::array({ns}));
    SendJson(res, Json{{"namespaces", list}});
  });

  http.Post("/v1/namespaces", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto caller = Caller(req); !caller.ok()) return SendStatus(res, caller.status());
    const Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("namespace") || !body["namespace"].is_array() ||
        body["namespace"].size() != 1 || !body["namespace"][0].is_string())
      return SendError(res, 400, "BadRequestException", "the body needs \"namespace\": [\"<one name>\"]");
    auto ns = Namespace(body["namespace"][0].get<std::string>());
    if (!ns.ok()) return SendStatus(res, ns.status());
    // Hangar's namespaces exist through their tables: nothing to store.
    SendJson(res, Json{{"namespace", Json::array({*ns})}, {"properties", Json::object()}});
  });

  http.Get(R"(/v1/namespaces/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (auto caller = Caller(req); !caller.ok()) return SendStatus(res, caller.status());
    const std::string text = req.matches[1];
    if (text.find('\x1f') != std::string::npos)
      return SendError(res, 404, "NoSuchNamespaceException", "Hangar's namespaces have one level");
    auto ns = Namespace(text);
    if (!ns.ok()) return SendStatus(res, ns.status());
    if (!Namespaces().count(*ns))
      return SendError(res, 404, "NoSuchNamespaceException", "no table is in namespace '" + *ns + "'");
    SendJson(res, Json{{"namespace", Json::array({*ns})}, {"properties", Json::object()}});
  });

  http.Get(R"(/v1/namespaces/([^/]+)/tables)", [this](const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(req);
    if (!caller.ok()) return SendStatus(res, caller.status());
    auto ns = Namespace(req.matches[1]);
    if (!ns.ok()) return SendStatus(res, ns.status());
    Json ids = Json::array();
    for (const auto& s : tables->List()) {
      if (s->name.ns != *ns) continue;
      if (*caller && !fa::Allows(**caller, fa::Access::kRead, s->name.ToString())) continue;
      ids.push_back(Json{{"namespace", Json::array({*ns})}, {"name", s->name.name}});
    }
    SendJson(res, Json{{"identifiers", ids}});
  });

  http.Post(R"(/v1/namespaces/([^/]+)/tables)", [this](const httplib::Request& req, httplib::Response& res) {
    auto ns = Namespace(req.matches[1]);
    if (!ns.ok()) return SendStatus(res, ns.status());
    const Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string() || !body.contains("schema") ||
        !body["schema"].is_object() || !body["schema"].contains("fields") || !body["schema"]["fields"].is_array())
      return SendError(res, 400, "BadRequestException", "the body needs a \"name\" and a \"schema\" with \"fields\"");
    const store::QualifiedName name{*ns, body["name"].get<std::string>()};
    if (Status st = store::CheckName(name.name, "table name"); !st.ok()) return SendStatus(res, st);
    if (Status st = Check(req, fa::Access::kWrite, name); !st.ok()) return SendStatus(res, st);
    std::vector<arrow::FieldPtr> fields;
    std::map<int, std::string> by_id;
    for (const auto& f : body["schema"]["fields"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type"))
        return SendError(res, 400, "BadRequestException", "every schema field needs a name and a type");
      const std::string column = f["name"].get<std::string>();
      auto type = ArrowTypeOf(f["type"], column);
      if (!type.ok()) return SendStatus(res, type.status());
      fields.push_back(std::make_shared<arrow::Field>(column, *type, !f.value("required", false)));
      if (f.contains("id") && f["id"].is_number_integer()) by_id[f["id"].get<int>()] = column;
    }
    auto schema = std::make_shared<arrow::Schema>(std::move(fields));
    store::PartitionSpec spec;
    if (body.contains("partition-spec") && body["partition-spec"].is_object() &&
        body["partition-spec"].contains("fields") && body["partition-spec"]["fields"].is_array() &&
        !body["partition-spec"]["fields"].empty()) {
      // The client's source ids are its schema's field ids: named here by column.
      Json hangar_spec{{"spec_id", 0}, {"fields", Json::array()}};
      for (const auto& f : body["partition-spec"]["fields"]) {
        const int source = f.value("source-id", -1);
        if (!by_id.count(source))
          return SendError(res, 400, "BadRequestException",
                           "a partition field's source-id names no column of the schema");
        Json field{{"source_name", by_id[source]}, {"transform", f.value("transform", std::string("identity"))}};
        if (f.contains("name") && f["name"].is_string()) field["name"] = f["name"];
        if (f.contains("field-id") && f["field-id"].is_number_integer()) field["field_id"] = f["field-id"];
        hangar_spec["fields"].push_back(field);
      }
      auto parsed = store::ParsePartitionSpec(hangar_spec.dump(), *schema);
      if (!parsed.ok()) return SendStatus(res, parsed.status());
      spec = std::move(*parsed);
    }
    auto created = tables->CreateTable(name, schema, {}, spec);
    if (!created.ok()) return SendStatus(res, created.status());
    // Write access includes read: the creator gets the credentials.
    auto result = LoadResult(name, true, std::chrono::seconds(30));
    if (!result.ok()) return SendStatus(res, result.status());
    SendJson(res, *result);
  });

  http.Get(R"(/v1/namespaces/([^/]+)/tables/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto name = TableName(req);
    if (!name.ok()) return SendStatus(res, name.status());
    if (Status st = Check(req, fa::Access::kRead, *name); !st.ok()) return SendStatus(res, st);
    auto result = LoadResult(*name, true, std::chrono::seconds(10));
    if (!result.ok()) return SendStatus(res, result.status());
    if (req.method == "HEAD") {
      res.status = 204;
      return;
    }
    SendJson(res, *result);
  });

  http.Delete(R"(/v1/namespaces/([^/]+)/tables/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto name = TableName(req);
    if (!name.ok()) return SendStatus(res, name.status());
    if (Status st = Check(req, fa::Access::kAdmin, *name); !st.ok()) return SendStatus(res, st);
    if (Status st = tables->DropTable(*name); !st.ok()) return SendStatus(res, st);
    res.status = 204;
  });

  http.Post(R"(/v1/namespaces/([^/]+)/tables/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto name = TableName(req);
    if (!name.ok()) return SendStatus(res, name.status());
    if (Status st = Check(req, fa::Access::kWrite, *name); !st.ok()) return SendStatus(res, st);
    const Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("requirements") || !body["requirements"].is_array() ||
        !body.contains("updates") || !body["updates"].is_array())
      return SendError(res, 400, "BadRequestException", "a commit's body needs \"requirements\" and \"updates\" lists");
    auto loaded = LoadResult(*name, false);
    if (!loaded.ok()) return SendStatus(res, loaded.status());
    const Json& m = (*loaded)["metadata"];
    for (const auto& r : body["requirements"]) {
      const std::string type = r.is_object() ? r.value("type", std::string()) : std::string();
      auto failed = [&](const std::string& why) {
        SendError(res, 409, "CommitFailedException", "requirement " + type + " failed: " + why);
      };
      if (type == "assert-create") return failed("table '" + name->ToString() + "' exists");
      if (type == "assert-table-uuid") {
        if (r.value("uuid", std::string()) != m.value("table-uuid", std::string()))
          return failed("the table's uuid is another");
      } else if (type == "assert-current-schema-id") {
        if (r.value("current-schema-id", -1) != m.value("current-schema-id", -2))
          return failed("the current schema is another");
      } else if (type == "assert-default-spec-id") {
        if (r.value("default-spec-id", -1) != m.value("default-spec-id", -2))
          return failed("the default spec is another");
      } else if (type == "assert-last-assigned-field-id") {
        if (r.value("last-assigned-field-id", -1) != m.value("last-column-id", -2))
          return failed("fields were added since");
      } else if (type == "assert-ref-snapshot-id") {
        const Json want = r.contains("snapshot-id") ? r["snapshot-id"] : Json();
        const std::string ref = r.value("ref", std::string("main"));
        const Json have = m.contains("refs") && m["refs"].contains(ref) ? m["refs"][ref]["snapshot-id"] : Json();
        if (want != have) return failed("ref '" + ref + "' points at another snapshot");
      } else if (type != "assert-default-sort-order-id" && type != "assert-last-assigned-partition-id") {
        return SendError(res, 400, "BadRequestException", "unknown requirement type '" + type + "'");
      }
    }
    // An append (pyiceberg's and Spark's INSERT): add-snapshot, and the
    // branch main set to it. Anything else is not taken.
    const Json* appended = nullptr;
    for (const auto& u : body["updates"]) {
      const std::string action = u.is_object() ? u.value("action", std::string("?")) : "?";
      if (action == "add-snapshot" && appended == nullptr && u.contains("snapshot")) {
        appended = &u["snapshot"];
      } else if (action == "set-snapshot-ref" && u.value("ref-name", std::string()) == "main") {
        continue;
      } else {
        return SendError(res, 406, "UnsupportedOperationException",
                         "this catalog does not take the update '" + action +
                             "'; it takes appended snapshots, and Hangar takes other writes through Flight");
      }
    }
    int64_t version = 0;
    if (appended != nullptr) {
      auto imported = ImportAppend(*name, *appended);
      if (!imported.ok()) return SendStatus(res, imported.status());
      version = *imported;
    }
    auto committed = LoadResult(*name, false, std::chrono::seconds(60), version);
    if (!committed.ok()) return SendStatus(res, committed.status());
    SendJson(res,
             Json{{"metadata-location", (*committed)["metadata-location"]}, {"metadata", (*committed)["metadata"]}});
  });

  // A scan's or a commit's metrics report (Iceberg's Java client sends one
  // after each): taken and dropped, 204 as the API says, once the caller
  // may read the table.
  http.Post(R"(/v1/namespaces/([^/]+)/tables/([^/]+)/metrics)",
            [this](const httplib::Request& req, httplib::Response& res) {
              auto name = TableName(req);
              if (!name.ok()) return SendStatus(res, name.status());
              if (Status st = Check(req, fa::Access::kRead, *name); !st.ok()) return SendStatus(res, st);
              res.status = 204;
            });

  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty())
      SendError(res, 404, "NotFoundException", "no such route: " + req.method + " " + req.path);
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    SendError(res, 500, "InternalServerError", "the catalog failed on this request");
  });
}

IcebergRestCatalog::IcebergRestCatalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IcebergRestCatalog::~IcebergRestCatalog() { Stop(); }

int IcebergRestCatalog::port() const { return impl_->port; }

void IcebergRestCatalog::Stop() {
  if (impl_->thread.joinable()) {
    impl_->http.stop();
    impl_->thread.join();
  }
}

Result<std::unique_ptr<IcebergRestCatalog>> IcebergRestCatalog::Start(IcebergRestOptions options,
                                                                      std::shared_ptr<store::TableStore> tables,
                                                                      std::shared_ptr<iceberg::Mirror> mirror,
                                                                      std::shared_ptr<duckdb::Database> db) {
  if (!mirror) return Status::Invalid("--iceberg-rest-listen needs --object-store: the catalog serves its tables");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->tables = std::move(tables);
  impl->mirror = std::move(mirror);
  impl->db = std::move(db);
  if (impl->options.auth) {
    HANGAR_ASSIGN_OR_RETURN(auto users, fa::UsersFile::Load(impl->options.auth->users_file));
    impl->users = std::move(users);
    impl->signer.emplace(impl->options.auth->token_secret);
  }
  const std::string& listen = impl->options.listen;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::Invalid("--iceberg-rest-listen is HOST:PORT, not '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Status::Invalid("--iceberg-rest-listen is HOST:PORT, not '" + listen + "'");
  }
  impl->Routes();
  if (port == 0) {
    impl->port = impl->http.bind_to_any_port(host);
    if (impl->port <= 0) return Status::IOError("the Iceberg REST catalog cannot listen on " + listen);
  } else {
    if (!impl->http.bind_to_port(host, port))
      return Status::IOError("the Iceberg REST catalog cannot listen on " + listen);
    impl->port = port;
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->http.listen_after_bind(); });
  log::Info("Iceberg REST catalog on http://" + host + ":" + std::to_string(impl->port) + "/v1");
  return std::unique_ptr<IcebergRestCatalog>(new IcebergRestCatalog(std::move(impl)));
}

}  // namespace hangar::server
