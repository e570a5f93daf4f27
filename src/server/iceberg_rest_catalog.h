// The Iceberg REST catalog (Iceberg's REST OpenAPI, /v1): Hangar's tables,
// as the object store keeps them (iceberg/mirror.h), for Spark, Trino,
// pyiceberg and DuckDB to find and load, on --iceberg-rest-listen.
//
//   GET    /v1/config                                  defaults: where the bucket is (endpoint, region,
//                                                      addressing), never a credential
//   POST   /v1/oauth/tokens                            OAuth2 client credentials: a Hangar user and password
//                                                      for a Bearer token (the Flight server's kind); token
//                                                      exchange: a valid token for a fresh one (renewal)
//   GET    /v1/namespaces                              Hangar's namespaces that hold tables
//   POST   /v1/namespaces                              a namespace (it exists once a table is in it)
//   GET    /v1/namespaces/{ns}                         one, 404 if no table is in it
//   GET    /v1/namespaces/{ns}/tables                  the tables the caller may read
//   POST   /v1/namespaces/{ns}/tables                  create: the Iceberg schema and partition spec
//                                                      become a Hangar table (CreateTable)
//   GET    /v1/namespaces/{ns}/tables/{t}              load: the metadata location, the metadata and, in
//                                                      `config`, the FileIO settings that read the table's
//                                                      s3:// files, the server's credentials among them
//   HEAD   /v1/namespaces/{ns}/tables/{t}              exists: 204 or 404
//   DELETE /v1/namespaces/{ns}/tables/{t}              drop (DropTable)
//   POST   /v1/namespaces/{ns}/tables/{t}              commit: requirements checked (409 naming the one
//                                                      that failed); an appended snapshot's data files
//                                                      are put into the Hangar table (its rows then
//                                                      reach the bucket as Hangar's own snapshot);
//                                                      other updates are refused with 406
//   POST   /v1/namespaces/{ns}/tables/{t}/metrics      a client's scan or commit report: 204, dropped
//
// With authentication on (--users), every call but config and the token
// endpoint needs `Authorization: Bearer <token>` (a token from either the
// token endpoint or the Flight Handshake), and the user's permissions are
// Flight's: read to list and load a table, write to create one, admin to
// drop one. The server's S3 credentials go only into a table's load (and
// create) result, so only to a caller allowed to read that table (anyone,
// with authentication off); they are never logged. Errors are the
// OpenAPI's ErrorModel, {"error": {"message", "type", "code"}}, with
// messages naming what was wrong and no server path.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "flight/server.h"
#include "iceberg/mirror.h"
#include "objstore/s3_options.h"
#include "store/table_store.h"

namespace hangar::server {

struct IcebergRestOptions {
  std::string listen;                       // HOST:PORT (port 0: any free one)
  std::optional<flight::AuthOptions> auth;  // none: every caller may do everything
  // How the bucket is reached, handed to clients as Iceberg FileIO settings;
  // none: the store is a local folder, read as file:// paths.
  std::optional<objstore::S3Options> s3;
};

class IcebergRestCatalog {
 public:
  static Result<std::unique_ptr<IcebergRestCatalog>> Start(IcebergRestOptions options,
                                                           std::shared_ptr<store::TableStore> tables,
                                                           std::shared_ptr<iceberg::Mirror> mirror,
                                                           std::shared_ptr<duckdb::Database> db);
  ~IcebergRestCatalog();
  IcebergRestCatalog(const IcebergRestCatalog&) = delete;
  IcebergRestCatalog& operator=(const IcebergRestCatalog&) = delete;

  int port() const;
  void Stop();

  class Impl;

 private:
  explicit IcebergRestCatalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::server
