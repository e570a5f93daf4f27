#include "server/node.h"

#include <atomic>
#include <map>
#include <thread>

#include "base/log.h"
#include "flight/auth/token.h"
#include "iceberg/restore.h"
#include "kafka/cluster.h"
#include "kafka/dev_cluster.h"
#include "kafka/dev_data.h"
#include "kafka/schemas_topic_registry.h"
#include "metrics/http_endpoint.h"
#include "metrics/registry.h"
#include "objstore/open_object_store.h"
#include "server/bucket_peers.h"
#include "server/cluster_placement.h"
#include "server/folder_ownership.h"
#include "server/hangar_service.h"
#include "server/iceberg_rest_catalog.h"
#include "server/readiness.h"
#include "server/table_forwarding.h"
#include "server/topic_flights.h"
#include "sql/relations.h"
#include "store/compactor.h"
#include "store/directory_lock.h"
#include "store/store_metrics.h"
#include "store/table_folder.h"
#include "store/table_store.h"

namespace hangar::server {

namespace fs = std::filesystem;

// What a node is made of, in the order it is made. Shutdown takes it apart
// in the reverse order, member by member, rather than leaving that to the
// order of declaration: the order is the point.
class Node::Parts {
 public:
  NodeOptions options;
  std::unique_ptr<store::DirectoryLock> data_dir_lock;
  std::shared_ptr<objstore::ObjectStore> object_store;
  std::unique_ptr<kafka::DevCluster> dev_kafka;
  std::string kafka_brokers;
  std::shared_ptr<TopicFlights> topics;
  std::shared_ptr<duckdb::Database> engine;
  std::shared_ptr<iceberg::Mirror> mirror;  // the tables kept in object_store
  // Shared tables: the membership is connected before the store opens (the
  // folder's lock is a ZooKeeper lock) and joins only once the node listens.
  std::shared_ptr<cluster::Membership> membership;
  std::shared_ptr<FolderOwnership> folders;
  // The listener, for the load the membership reports; null until it runs.
  std::shared_ptr<std::atomic<const flight::FlightServer*>> listening =
      std::make_shared<std::atomic<const flight::FlightServer*>>(nullptr);
  std::shared_ptr<store::TableStore> tables;
  std::shared_ptr<sql::FlightSqlService> sql;
  std::shared_ptr<store::Ingest> ingest;
  std::unique_ptr<store::Compactor> compactor;
  std::shared_ptr<HangarService> service;
  std::shared_ptr<ClusterPlacement> placement;
  std::unique_ptr<metrics::HttpEndpoint> metrics_endpoint;
  std::unique_ptr<IcebergRestCatalog> rest_catalog;
  std::unique_ptr<flight::FlightServer> server;
  std::shared_ptr<ReadinessProbe> readiness;
  bool serving = false;
  bool shut_down = false;

  Status OpenObjectStore();
  Status OpenKafka();
  Status HoldSharedFolder();
  Status RestoreFromBucket(const fs::path& data_dir);
  Status StartMetrics();
  Status JoinCluster();
};

namespace {

// `what` failed with `st`: the code kept, the message with the code's name.
Status Failed(const std::string& what, const Status& st) { return Status(st.code(), what + ": " + st.ToString()); }

Status CheckAdvertised(const std::string& location) {
  if (location.find("://0.0.0.0:") != std::string::npos || location.find("://[::]:") != std::string::npos)
    return Status::Invalid("--cluster needs --advertise when listening on every interface (" + location + ")");
  return Status::OK();
}

}  // namespace

// The bucket (or folder), checked now: a node that cannot reach it, or
// whose credentials it refuses, does not start.
Status Node::Parts::OpenObjectStore() {
  if (options.object_store.empty()) return Status::OK();
  auto store = objstore::OpenObjectStore(options.object_store, options.s3);
  if (!store.ok()) return Failed("cannot open the object store " + options.object_store, store.status());
  object_store = std::move(*store);
  log::Info(
      "objects in " + options.object_store +
      (options.s3.endpoint.empty() || !options.object_store.starts_with("s3://") ? "" : " at " + options.s3.endpoint));
  return Status::OK();
}

// The topics side: none without Kafka settings; with `dev`, a fresh
// in-process cluster seeded with the demo topic.
Status Node::Parts::OpenKafka() {
  if (!options.kafka) return Status::OK();
  KafkaSettings& settings = *options.kafka;
  kafka::KafkaOptions client = settings.client;
  if (settings.dev) {
    HANGAR_ASSIGN_OR_RETURN(dev_kafka, kafka::DevCluster::Start(1));
    client.brokers = dev_kafka->bootstrap_servers();
  }
  kafka_brokers = client.brokers;
  std::shared_ptr<kafka::UserClusters> users;
  if (settings.pass_credentials) {
    // Checked before connecting: a misconfigured server fails at once.
    if (settings.dev || !options.flight.auth)
      return Status::Invalid(settings.dev ? "credential pass-through needs a Kafka cluster with SASL, not --dev-kafka"
                                          : "credential pass-through needs authentication (--users): the Flight "
                                            "user's name and password are what it passes to Kafka");
    if (client.sasl_mechanism.empty() || client.security_protocol.rfind("sasl_", 0) != 0)
      return Status::Invalid(
          "credential pass-through needs a SASL login to Kafka: --kafka-security-protocol sasl_plaintext or sasl_ssl "
          "and --kafka-sasl-mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
    options.flight.auth->pass_credentials = true;
    users = std::make_shared<kafka::UserClusters>(client, *settings.pass_credentials);
  }
  HANGAR_ASSIGN_OR_RETURN(auto cluster, kafka::KafkaCluster::Connect(client));
  std::shared_ptr<kafka::SchemaRegistry> registry;
  if (settings.rest_registry)
    registry = std::make_shared<kafka::RestSchemaRegistry>(*settings.rest_registry);
  else
    registry = std::make_shared<kafka::SchemasTopicRegistry>(cluster, settings.schemas_topic);
  if (dev_kafka) {
    kafka::DemoTopic demo;
    HANGAR_RETURN_NOT_OK(
        kafka::SeedDemoTopic(*dev_kafka, *registry, client, demo).WithContext("seeding the demo topic"));
    log::Info("development Kafka cluster at " + client.brokers + " (in memory; topic '" + demo.topic + "': " +
              std::to_string(demo.partitions) + " partitions, " + std::to_string(demo.records) + " Avro records)");
  } else {
    log::Info("serving the topics of Kafka at " + client.brokers);
  }
  topics = std::make_shared<TopicFlights>(cluster, registry, std::move(users));
  return Status::OK();
}

// Connects to ZooKeeper (joining only once the node listens) and takes this
// node's folder under the shared directory.
Status Node::Parts::HoldSharedFolder() {
  cluster::MembershipOptions cluster_options = *options.cluster;
  // The folder is named after the node's location: it is fixed before the node listens.
  if (cluster_options.location.empty() || cluster_options.location.ends_with(":0"))
    return Status::Invalid("a node sharing tables needs a fixed location, not '" + cluster_options.location + "'");
  HANGAR_RETURN_NOT_OK(CheckAdvertised(cluster_options.location));
  cluster_options.join_at_start = false;
  cluster_options.load = [listening = listening] {
    const flight::FlightServer* running = listening->load();
    return running ? running->active_streams() : 0;
  };
  HANGAR_ASSIGN_OR_RETURN(auto joined, cluster::Membership::Start(cluster_options));
  membership = std::move(joined);
  FolderOwnershipOptions folder_options;
  folder_options.shared_dir = fs::absolute(options.shared_tables->dir);
  folder_options.session_timeout = cluster_options.session_timeout;
  folder_options.recover = options.ingest;
  folder_options.on_lost = options.shared_tables->on_lost;
  if (options.shared_tables->through_bucket) {
    // The others' tables come from the bucket, where a gone node's log
    // never was: its tables are adopted as the bucket has them.
    folder_options.replay_logs = false;
    // Once a second: a round lists the bucket.
    folder_options.refresh_peers = [store = object_store, nodes = folder_options.shared_dir / "nodes",
                                    self = membership->self_id(),
                                    last = std::chrono::steady_clock::time_point()](bool force) mutable {
      const auto now = std::chrono::steady_clock::now();
      if (!force && now - last < std::chrono::seconds(1)) return;
      last = now;
      if (Status st = SyncBucketPeers(*store, nodes, self); !st.ok())
        log::Warn("cannot bring the other nodes' tables from the object store (will retry)",
                  {{"error", st.ToString()}});
    };
    folder_options.still_writes = [store = object_store,
                                   tables = folder_options.shared_dir / "nodes" / membership->self_id() / "tables",
                                   self = membership->self_id()] { return BucketNamesWriter(*store, tables, self); };
    // The adopted tables reach the bucket under this node's name before
    // the gone node's lock goes: from then on every node sees who writes them.
    folder_options.after_adopt = [this, timeout = cluster_options.session_timeout * 10]() -> Status {
      if (mirror && !mirror->Drain(timeout))
        return Status::Unavailable("the adopted tables did not reach the object store in time");
      return Status::OK();
    };
  }
  HANGAR_ASSIGN_OR_RETURN(folders,
                          FolderOwnership::Acquire(membership, folder_options, cluster_options.session_timeout * 4));
  return Status::OK();
}

// The bucket is the source of truth: what it holds and this disk lacks (an
// empty or lost data directory) is brought here before the tables open. In
// a cluster sharing its tables through the bucket, only the tables the
// bucket says this node writes; a local table the bucket gives to another
// node was adopted while this node was gone, and its local copy goes (with
// it, what this node's log holds of it: batches acknowledged only at
// `memory` or `disk` on a node that was gone).
Status Node::Parts::RestoreFromBucket(const fs::path& data_dir) {
  iceberg::RestoreOptions restore;
  restore.store = object_store.get();
  restore.tables_dir = data_dir / "tables";
  std::error_code ec;
  restore.log_is_new = fs::is_empty(data_dir / "wal", ec) || ec;
  HANGAR_ASSIGN_OR_RETURN(auto scan, iceberg::ScanBucket(*object_store));
  if (folders) {
    const std::string self = membership->self_id();
    std::map<uint64_t, std::string> writer_of;
    for (const auto& [name, table] : scan.tables) writer_of[table.id] = table.definition.writer.node;
    for (const auto& entry : fs::directory_iterator(restore.tables_dir, ec)) {
      auto writer = writer_of.find(store::TableIdOfFolder(entry.path()));
      if (writer == writer_of.end() || writer->second.empty() || writer->second == self) continue;
      log::Warn("a table of this node was adopted by another node while this node was gone: its local copy goes",
                {{"table", entry.path().filename().string()}, {"writer", writer->second}});
      HANGAR_RETURN_NOT_OK(store::RemoveAll(entry.path()));
    }
    restore.want = [self](const iceberg::BucketTable& table) { return table.definition.writer.node == self; };
  }
  HANGAR_ASSIGN_OR_RETURN(auto restored, iceberg::RestoreScanned(restore, scan));
  for (const auto& skipped : restored.skipped)
    log::Warn("a table in the object store cannot be restored", {{"table", skipped}});
  if (!restored.restored.empty())
    log::Info(std::to_string(restored.restored.size()) + " tables restored from the object store");
  return Status::OK();
}

Status Node::Parts::StartMetrics() {
  if (options.metrics_listen.empty()) return Status::OK();
  auto endpoint =
      metrics::HttpEndpoint::Start(options.metrics_listen, [] { return metrics::DefaultRegistry().Expose(); });
  if (!endpoint.ok() && options.metrics_optional) {
    log::Warn("metrics are off: the default metrics address is not available (give --metrics-listen)",
              {{"address", options.metrics_listen}, {"error", endpoint.status().message()}});
    return Status::OK();
  }
  HANGAR_ASSIGN_OR_RETURN(metrics_endpoint, std::move(endpoint));
  return Status::OK();
}

Status Node::Parts::JoinCluster() {
  if (!placement) return Status::OK();
  if (folders) {
    listening->store(server.get());
    HANGAR_RETURN_NOT_OK(membership->Join().WithContext("cannot join the cluster"));
    folders->Start(tables, ingest, engine);
  } else {
    cluster::MembershipOptions cluster_options = *options.cluster;
    if (cluster_options.location.empty()) cluster_options.location = server->location().uri;
    HANGAR_RETURN_NOT_OK(CheckAdvertised(cluster_options.location).WithContext("cannot join the cluster"));
    cluster_options.load = [running = server.get()] { return running->active_streams(); };
    auto joined = cluster::Membership::Start(cluster_options);
    if (!joined.ok()) return joined.status().WithContext("cannot join the cluster");
    membership = std::move(*joined);
  }
  placement->Attach(membership);
  return Status::OK();
}

Result<std::unique_ptr<Node>> Node::Open(NodeOptions options) {
  auto parts = std::make_unique<Parts>();
  parts->options = std::move(options);
  NodeOptions& o = parts->options;
  if (o.shared_tables && !o.cluster) return Status::Invalid("--shared-data-dir needs --cluster");
  if (o.shared_tables && o.shared_tables->through_bucket) {
    if (o.object_store.empty())
      return Status::Invalid("a cluster sharing its tables through the bucket needs --object-store");
    o.shared_tables->dir = fs::absolute(o.data_dir) / "cluster";
  } else if (o.shared_tables && !o.object_store.empty()) {
    return Status::Invalid(
        "--shared-data-dir and --object-store do not go together: with --object-store the nodes of a cluster "
        "share their tables through the bucket");
  }

  std::error_code ec;
  fs::create_directories(o.data_dir, ec);
  if (ec) return Status::IOError("cannot create the data directory '" + o.data_dir.string() + "': " + ec.message());
  auto lock = store::DirectoryLock::Acquire(o.data_dir);
  if (!lock.ok()) return Status(lock.status().code(), lock.status().message() + ": " + o.data_dir.string());
  parts->data_dir_lock = std::move(*lock);
  if (o.flight.auth && o.flight.auth->token_secret.empty()) {
    const fs::path file = o.token_secret_file.empty() ? o.data_dir / "token-secret" : o.token_secret_file;
    HANGAR_ASSIGN_OR_RETURN(o.flight.auth->token_secret, flight::auth::TokenSigner::LoadOrCreateSecret(file.string()));
  }
  HANGAR_RETURN_NOT_OK(parts->OpenObjectStore());
  HANGAR_RETURN_NOT_OK(parts->OpenKafka());

  // Absolute, as DuckDB compares paths with allowed_directories literally.
  const fs::path data_dir = fs::absolute(o.data_dir);
  o.engine.temp_directory = (data_dir / "duckdb-tmp").string();
  // DuckDB reaches no file but the tables' (and its staging and spill
  // folders): not the write-ahead log, not a users file kept beside them,
  // whatever SQL it is given (sql/query_check.h is the first line).
  o.engine.allowed_directories = {data_dir.string() + "/tables/", data_dir.string() + "/staging/",
                                  data_dir.string() + "/duckdb-tmp/"};
  if (o.shared_tables) o.engine.allowed_directories.push_back(fs::absolute(o.shared_tables->dir).string() + "/");
  HANGAR_ASSIGN_OR_RETURN(parts->engine, duckdb::Database::Open(o.engine));

  store::StoreOptions store_options;
  store_options.data_dir = data_dir;
  store_options.max_put_partitions = o.max_put_partitions;
  store_options.read_copies = o.table_read_copies;
  if (o.shared_tables) {
    HANGAR_RETURN_NOT_OK(parts->HoldSharedFolder().WithContext("cannot share the cluster's tables"));
    store_options.data_dir = parts->folders->folder();
    store_options.peers_dir = store_options.data_dir.parent_path();
    store_options.fence = [folders = parts->folders] { return folders->Fence(); };
  }
  if (parts->object_store) {
    iceberg::MirrorOptions mirror;
    mirror.store = parts->object_store;
    mirror.db = parts->engine;
    mirror.scratch = store_options.data_dir / "staging";
    mirror.expiry = o.iceberg_expiry;
    if (parts->folders) {
      // What this node saves in the bucket names it, stamped with its
      // epoch, and only while it may write its tables.
      mirror.writer = [folders = parts->folders, self = parts->membership->self_id()] {
        return iceberg::DefinitionWriter{self, folders->writer_epoch()};
      };
      mirror.fence = [folders = parts->folders] { return folders->Fence(); };
    }
    parts->mirror = iceberg::Mirror::Start(std::move(mirror));
    store_options.mirror = parts->mirror;
    // Not in a cluster that keeps its tables elsewhere (no shared tables:
    // each node's own; a shared directory is checked out above).
    if (!o.cluster || parts->folders) {
      if (Status st = parts->RestoreFromBucket(store_options.data_dir); !st.ok())
        return Failed("cannot bring the tables of the object store " + o.object_store + " into the data directory", st);
    }
  }
  auto tables = store::TableStore::Open(store_options, parts->engine);
  if (!tables.ok()) return Failed("cannot open the tables in " + o.data_dir.string(), tables.status());
  parts->tables = std::move(*tables);

  const auto& topics = parts->topics;
  auto relations = sql::Relations::Open(parts->engine, parts->tables, topics ? topics->cluster() : nullptr,
                                        topics ? topics->registry() : nullptr);
  if (!relations.ok()) return Failed("cannot start the SQL engine", relations.status());
  parts->sql = std::make_shared<sql::FlightSqlService>(
      std::make_shared<sql::SqlEngine>(parts->engine, *relations, o.sql), o.sql_limits);

  store::WalOpenReport wal_report;
  auto ingest = store::Ingest::Open(parts->tables, o.ingest, &wal_report);
  if (!ingest.ok()) return Failed("cannot open the write-ahead log in " + o.data_dir.string(), ingest.status());
  if (wal_report.records > 0 || !wal_report.cut_reason.empty())
    log::Info("write-ahead log: " + std::to_string(wal_report.records) + " records replayed" +
              (wal_report.cut_reason.empty() ? "" : "; cut its end: " + wal_report.cut_reason));
  parts->ingest = std::move(*ingest);
  metrics::DefaultRegistry().AddCollector([weak = std::weak_ptr<store::Ingest>(parts->ingest)] {
    if (auto live = weak.lock()) store::StoreMetrics::Get().MemtableBytes(live->memtable_bytes(), live->logged_bytes());
  });
  // Small files (frequent flushes, small puts) are merged in the background,
  // when writers are not ahead of the flusher (compaction would slow them).
  parts->compactor = std::make_unique<store::Compactor>(
      parts->tables, std::chrono::seconds(5),
      [ingest = std::weak_ptr<store::Ingest>(parts->ingest), flush_bytes = o.ingest.flush_bytes] {
        auto live = ingest.lock();
        return live && (live->memtable_bytes() >= flush_bytes || live->logged_bytes() > 0);
      });

  parts->service = std::make_shared<HangarService>(parts->tables, parts->topics, parts->sql, parts->ingest);
  if (o.cluster) {
    parts->placement = std::make_shared<ClusterPlacement>();
    parts->service->SetCluster(parts->placement);
  }
  if (parts->folders) parts->service->SetTableOwners(parts->folders, TableForwarding(o.shared_tables->forwarding));
  if (o.engine_fault_hook) {
    parts->service->SetEngineFaultHook([engine = parts->engine]() -> Status {
      HANGAR_ASSIGN_OR_RETURN(auto connection, duckdb::Connection::Open(engine));
      return duckdb::InjectEngineFailure(*connection);
    });
  }
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

Status Node::Serve() {
  Parts& p = *parts_;
  if (p.serving || p.shut_down) return Status::FailedPrecondition("the node serves once");
  p.serving = true;
  HANGAR_RETURN_NOT_OK(p.StartMetrics());
  if (!p.options.iceberg_rest_listen.empty()) {
    IcebergRestOptions rest{p.options.iceberg_rest_listen, p.options.flight.auth, std::nullopt};
    if (p.options.object_store.starts_with("s3://")) rest.s3 = p.options.s3;
    auto catalog = IcebergRestCatalog::Start(std::move(rest), p.tables, p.mirror, p.engine);
    if (!catalog.ok()) return Failed("cannot start the Iceberg REST catalog", catalog.status());
    p.rest_catalog = std::move(*catalog);
  }
  HANGAR_ASSIGN_OR_RETURN(p.server, flight::FlightServer::Start(p.options.flight, p.service));
  // Health: SERVING while the data directory takes writes and the SQL engine
  // is not being reset (grpc.health.v1 on the same port).
  p.readiness =
      std::make_shared<ReadinessProbe>(p.server.get(), fs::absolute(p.options.data_dir), std::chrono::seconds(2));
  auto& engine_resets =
      metrics::DefaultRegistry()
          .Counter("hangar_engine_resets_total", "SQL engine (DuckDB) instances replaced after an internal failure")
          .WithLabels({});
  p.engine->SetStateListener([readiness = std::weak_ptr<ReadinessProbe>(p.readiness), &engine_resets](bool serving) {
    if (serving) engine_resets.Add();
    if (auto live = readiness.lock()) live->SetEngineServing(serving);
  });
  HANGAR_RETURN_NOT_OK(p.JoinCluster());
  if (p.metrics_endpoint) {
    const std::string& listen = p.options.metrics_listen;
    log::Info("serving metrics on http://" + listen.substr(0, listen.rfind(':') + 1) +
              std::to_string(p.metrics_endpoint->port()) + "/metrics");
  }
  const auto& flight = p.options.flight;
  log::Info("serving Flight on " + p.server->location().uri + " (" +
            (flight.auth ? "authentication on" : "no authentication") + (flight.tls ? ", TLS" : "") + "), data in " +
            p.options.data_dir.string());
  return Status::OK();
}

void Node::Shutdown() {
  Parts& p = *parts_;
  if (p.shut_down) return;
  p.shut_down = true;
  if (p.readiness) p.readiness->ShutDown();
  // Out of the cluster first: the other nodes take this node's partitions.
  // A node sharing tables keeps its session (and its folder's lock) until
  // its memtables are flushed: only then may another node adopt the folder.
  if (p.placement) p.placement->Attach(nullptr);
  if (p.folders) {
    if (p.membership) p.membership->Leave();
  } else {
    p.membership.reset();
  }
  if (p.server && p.options.shutdown_drain.count() > 0) std::this_thread::sleep_for(p.options.shutdown_drain);
  // Streaming writers first: each stream acknowledges what it took and
  // refuses the rest (UNAVAILABLE once its client half-closes); then the calls
  // get 5 s to finish.
  if (p.ingest) p.ingest->StopWrites();
  if (p.server) p.server->Shutdown(std::chrono::seconds(5));
  p.listening->store(nullptr);
  // No more adoptions; the folder's lock stays until the store closes.
  if (p.folders) p.folders->Stop();
  if (p.engine) p.engine->SetStateListener(nullptr);
  p.readiness.reset();
  p.server.reset();
  p.rest_catalog.reset();
  p.metrics_endpoint.reset();
  p.service.reset();
  p.placement.reset();
  p.compactor.reset();
  // Closing the log flushes the memtables (while a shared folder's lock is
  // held: the store's fence holds the folder), then the store closes.
  p.ingest.reset();
  // What the flush committed reaches the bucket before the node stops (the
  // log holds nothing the bucket lacks, so a slow bucket only delays this).
  if (p.mirror) {
    if (!p.mirror->Drain(std::chrono::seconds(30)))
      log::Warn("the object store is behind at shutdown; the next start catches up");
    p.mirror->Stop();
  }
  p.sql.reset();
  p.tables.reset();
  p.mirror.reset();
  p.folders.reset();
  p.membership.reset();
  p.engine.reset();
  p.topics.reset();
  p.dev_kafka.reset();
  p.object_store.reset();
  p.data_dir_lock.reset();
}

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() { Shutdown(); }

const flight::FlightServer& Node::flight_server() const { return *parts_->server; }
flight::Location Node::location() const { return parts_->server->location(); }
int Node::port() const { return parts_->server ? parts_->server->port() : 0; }
int Node::metrics_port() const { return parts_->metrics_endpoint ? parts_->metrics_endpoint->port() : 0; }
const std::string& Node::kafka_brokers() const { return parts_->kafka_brokers; }
const NodeOptions& Node::options() const { return parts_->options; }
const std::shared_ptr<objstore::ObjectStore>& Node::object_store() const { return parts_->object_store; }
const std::shared_ptr<iceberg::Mirror>& Node::mirror() const { return parts_->mirror; }
int Node::iceberg_rest_port() const { return parts_->rest_catalog ? parts_->rest_catalog->port() : 0; }

}  // namespace hangar::server
