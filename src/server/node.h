// A Hangar node: the composition root of the server.
//
// Everything `hangar serve` runs is made, started and stopped here, in one
// order: the data directory's lock, the object store, the SQL engine
// (DuckDB), the table store, Kafka, the SQL relations and the Flight SQL
// service, the write-ahead log, the compactor, the Flight service, the
// metrics endpoint, the Flight listener, the readiness probe and the
// cluster. The CLI turns
// flags into NodeOptions and handles the process (signals, the log's
// format, exit codes); tests open a Node in their own process.
//
//   auto node = Node::Open(options);   // holds the data directory, opens the tables and the log
//   (*node)->Serve();                   // listens, serves /metrics, joins the cluster
//   (*node)->Shutdown();                // out of the cluster, writers stopped, calls drained, closed
//
// Open does nothing a client can see: a node that fails to open leaves no
// listener behind. Shutdown (also run by the destructor) undoes Serve and
// Open in the reverse order; the order and why are written out in node.cc.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cluster/membership.h"
#include "duckdb/database.h"
#include "flight/client.h"
#include "flight/server.h"
#include "iceberg/mirror.h"
#include "kafka/options.h"
#include "kafka/rest_schema_registry.h"
#include "kafka/user_clusters.h"
#include "objstore/object_store.h"
#include "objstore/s3_options.h"
#include "sql/engine.h"
#include "sql/flight_sql.h"
#include "store/ingest.h"

namespace hangar::server {

// Where topics come from.
struct KafkaSettings {
  // An in-process development cluster (kafka/dev_cluster.h), seeded with
  // the demo topic; `client.brokers` is then ignored.
  bool dev = false;
  kafka::KafkaOptions client;
  // A Confluent-style schema registry over REST; none: the schemas topic.
  std::optional<kafka::RestRegistryOptions> rest_registry;
  std::string schemas_topic = "_schemas";
  // Credential pass-through: each Flight user reads and writes topics as the
  // Kafka user of the same name, with the password they logged in with
  // (kafka/user_clusters.h). Needs flight.auth and a SASL mechanism.
  std::optional<kafka::UserClusterLimits> pass_credentials;
};

// Tables shared over the cluster (docs/cluster.md): the node's folder is
// <dir>/nodes/<its id>; it writes there, reads the others', and forwards
// writes to a table another node owns.
struct SharedTablesSettings {
  // The shared directory; empty with `through_bucket`: the nodes share the
  // tables of the object store instead, each with a folder of its own
  // under <data dir>/cluster (docs/cluster.md#tables-in-the-bucket).
  std::filesystem::path dir;
  bool through_bucket = false;
  flight::ClientOptions forwarding;  // how writes go on to the other nodes
  // The node lost its folder to another (its session expired while it was
  // frozen): its memory is stale. `hangar serve` exits (status 75).
  std::function<void(const std::string& why)> on_lost;
};

struct NodeOptions {
  std::filesystem::path data_dir = "data";
  flight::ServerOptions flight;
  // With flight.auth: the file the token secret is read from (made when
  // missing) once the data directory is held; empty: <data dir>/token-secret.
  // An auth.token_secret already set is kept.
  std::filesystem::path token_secret_file;
  // The node sets temp_directory and allowed_directories (the data
  // directory's folders, and the shared folder): SQL reaches no other file.
  duckdb::DatabaseOptions engine;
  store::IngestOptions ingest;
  int64_t max_put_partitions = 10000;
  // An Arrow IPC read copy beside each Parquet file (store/read_copy.h).
  bool table_read_copies = true;
  sql::SqlOptions sql;
  sql::FlightSqlLimits sql_limits;
  std::optional<KafkaSettings> kafka;  // none: a node without topics
  // The bucket (s3://BUCKET/PREFIX) or folder the node keeps objects in,
  // opened and checked at start (objstore/open_object_store.h); empty: none.
  // `s3` says how to reach a bucket.
  std::string object_store;
  objstore::S3Options s3;
  // How long the Iceberg tables keep old snapshots (time travel).
  iceberg::ExpiryPolicy iceberg_expiry;
  // The Iceberg REST catalog's HOST:PORT (server/iceberg_rest_catalog.h;
  // needs object_store); empty: none.
  std::string iceberg_rest_listen;
  // A cluster in ZooKeeper: topic partitions placed over its members. An
  // empty location is the listener's, known once the node listens.
  std::optional<cluster::MembershipOptions> cluster;
  // Needs `cluster` with a location of its own (the folder is named after it).
  std::optional<SharedTablesSettings> shared_tables;
  // The Prometheus endpoint's HOST:PORT; empty: none. When
  // `metrics_optional`, an address already taken leaves the node without
  // metrics (with a warning) instead of failing it.
  std::string metrics_listen;
  bool metrics_optional = false;
  // Between leaving the cluster and stopping the listener at shutdown: time
  // for clients to learn where partitions went.
  std::chrono::milliseconds shutdown_drain{0};
  // Tests of the SQL engine's reset only (the InjectEngineFailure action).
  bool engine_fault_hook = false;
};

class Node {
 public:
  // Holds the data directory (store/directory_lock.h) and opens the engine,
  // the tables (replaying the write-ahead log) and Kafka. A shared folder is
  // taken here too: the store opens inside it.
  static Result<std::unique_ptr<Node>> Open(NodeOptions options);
  // Starts the metrics endpoint and the Flight listener, then joins the
  // cluster. Once.
  Status Serve();
  // Stops in order; the node can then be destroyed (the destructor calls
  // it). Idempotent.
  void Shutdown();
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // While serving: where the Flight listener is.
  const flight::FlightServer& flight_server() const;
  flight::Location location() const;
  int port() const;
  // The metrics endpoint's port; 0: none.
  int metrics_port() const;
  // Kafka's bootstrap servers (the development cluster's with `dev`); empty: no Kafka.
  const std::string& kafka_brokers() const;
  const NodeOptions& options() const;
  // The store of options.object_store, open from Open on; null without one.
  const std::shared_ptr<objstore::ObjectStore>& object_store() const;
  // The Iceberg mirror of the tables; null without an object store.
  const std::shared_ptr<iceberg::Mirror>& mirror() const;
  // The Iceberg REST catalog's port; 0: none.
  int iceberg_rest_port() const;

  class Parts;  // node.cc

 private:
  explicit Node(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace hangar::server
