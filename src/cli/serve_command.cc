// `hangar serve`: the Flight server.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "base/log.h"
#include "cli/flags.h"
#include "cli/serve_settings.h"
#include "cluster/membership.h"
#include "cli/readiness.h"
#include "flight/auth/token.h"
#include "flight/server.h"
#include "kafka/dev_data.h"
#include "kafka/rest_schema_registry.h"
#include "kafka/schemas_topic_registry.h"
#include "metrics/http_endpoint.h"
#include "metrics/registry.h"
#include "server/hangar_service.h"
#include "sql/engine.h"
#include "store/compactor.h"
#include "store/directory_lock.h"
#include "store/store_metrics.h"
#include "store/table_store.h"

namespace hangar::cli {

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "hangar serve: %s\n", message.c_str());
  return 1;
}

// A setting that must be a whole number in [min, max] (absent: nullopt).
Result<std::optional<int64_t>> IntegerSetting(const Flags& flags, const std::string& name, int64_t min,
                                              int64_t max = INT64_MAX) {
  auto text = flags.Get(name);
  if (!text) return std::optional<int64_t>();
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno != 0 || n < min || n > max)
    return Status::Invalid("--" + name + " must be a whole number" +
                           (max == INT64_MAX ? " of at least " + std::to_string(min)
                                             : " from " + std::to_string(min) + " to " + std::to_string(max)) +
                           ", not '" + *text + "'");
  return std::optional<int64_t>(n);
}

// A setting in seconds (fractions allowed); absent or 0: nullopt when zero is allowed.
Result<std::optional<std::chrono::milliseconds>> SecondsSetting(const Flags& flags, const std::string& name,
                                                                bool zero_allowed) {
  auto text = flags.Get(name);
  if (!text) return std::optional<std::chrono::milliseconds>();
  char* end = nullptr;
  const double seconds = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || !(seconds >= 0) || seconds > 1e9 || (!zero_allowed && seconds == 0))
    return Status::Invalid("--" + name + " must be a " + (zero_allowed ? "" : "positive ") + "number of seconds, not '" +
                           *text + "'");
  if (seconds == 0) return std::optional<std::chrono::milliseconds>();
  return std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
}

// A password file's first line.
Result<std::string> ReadSecret(const std::string& path) {
  HANGAR_ASSIGN_OR_RETURN(auto text, ReadFlagFile(path));
  return text.substr(0, text.find('\n'));
}

// The topics side of the server: none without Kafka flags; with
// --dev-kafka, a fresh in-process cluster (kept alive in *dev) seeded with
// the demo topic.
Result<std::shared_ptr<server::TopicFlights>> ConnectKafka(const Flags& flags, std::unique_ptr<kafka::DevCluster>* dev) {
  kafka::KafkaOptions options;
  if (flags.Has("dev-kafka")) {
    if (flags.Get("kafka-brokers")) return Status::Invalid("--dev-kafka and --kafka-brokers exclude each other");
    HANGAR_ASSIGN_OR_RETURN(*dev, kafka::DevCluster::Start(1));
    options.brokers = (*dev)->bootstrap_servers();
  } else if (auto brokers = flags.Get("kafka-brokers")) {
    options.brokers = *brokers;
  } else {
    return std::shared_ptr<server::TopicFlights>();
  }
  options.security_protocol = flags.GetOr("kafka-security-protocol", "");
  options.sasl_mechanism = flags.GetOr("kafka-sasl-mechanism", "");
  options.sasl_username = flags.GetOr("kafka-sasl-username", "");
  if (auto file = flags.Get("kafka-sasl-password-file")) {
    HANGAR_ASSIGN_OR_RETURN(options.sasl_password, ReadSecret(*file));
  } else if (const char* env = std::getenv("HANGAR_KAFKA_SASL_PASSWORD")) {
    options.sasl_password = env;
  }
  options.ssl_ca_file = flags.GetOr("kafka-ssl-ca", "");
  options.ssl_cert_file = flags.GetOr("kafka-ssl-cert", "");
  options.ssl_key_file = flags.GetOr("kafka-ssl-key", "");
  for (const auto& property : flags.GetAll("kafka-property")) {
    const size_t eq = property.find('=');
    if (eq == std::string::npos || eq == 0) return Status::Invalid("--kafka-property wants KEY=VALUE, not '" + property + "'");
    options.properties[property.substr(0, eq)] = property.substr(eq + 1);
  }
  HANGAR_ASSIGN_OR_RETURN(auto cluster, kafka::KafkaCluster::Connect(options));
  std::shared_ptr<kafka::SchemaRegistry> registry;
  if (auto url = flags.Get("schema-registry")) {
    kafka::RestRegistryOptions rest;
    rest.url = *url;
    rest.username = flags.GetOr("schema-registry-user", "");
    if (auto file = flags.Get("schema-registry-password-file")) {
      HANGAR_ASSIGN_OR_RETURN(rest.password, ReadSecret(*file));
    }
    registry = std::make_shared<kafka::RestSchemaRegistry>(rest);
  } else {
    registry = std::make_shared<kafka::SchemasTopicRegistry>(cluster, *flags.Get("schemas-topic"));
  }
  if (*dev) {
    kafka::DemoTopic demo;
    HANGAR_RETURN_NOT_OK(kafka::SeedDemoTopic(**dev, *registry, options, demo).WithContext("seeding the demo topic"));
    log::Info("development Kafka cluster at " + options.brokers + " (in memory; topic '" + demo.topic + "': " +
              std::to_string(demo.partitions) + " partitions, " + std::to_string(demo.records) + " Avro records)");
  } else {
    log::Info("serving the topics of Kafka at " + options.brokers);
  }
  return std::make_shared<server::TopicFlights>(cluster, registry);
}

// The flags of the Flight layer: address, TLS, authentication, limits.
Result<flight::ServerOptions> FlightOptions(const Flags& flags, const std::string& data_dir) {
  flight::ServerOptions options;
  options.listen = *flags.Get("listen");
  options.insecure = flags.Has("insecure");
  HANGAR_ASSIGN_OR_RETURN(auto mib, IntegerSetting(flags, "max-message-mib", 1, 2047));
  options.max_message_size = static_cast<int>(*mib << 20);
  if (auto cert = flags.Get("tls-cert")) {
    auto key = flags.Get("tls-key");
    if (!key) return Status::Invalid("--tls-cert needs --tls-key");
    options.tls = flight::TlsOptions{*cert, *key, flags.GetOr("tls-client-ca", "")};
  } else if (flags.Get("tls-key") || flags.Get("tls-client-ca")) {
    return Status::Invalid("--tls-key and --tls-client-ca need --tls-cert");
  }
  if (auto users = flags.Get("users")) {
    const std::string secret_file = flags.GetOr("token-secret-file", data_dir + "/token-secret");
    flight::AuthOptions auth;
    HANGAR_ASSIGN_OR_RETURN(auth.token_secret, flight::auth::TokenSigner::LoadOrCreateSecret(secret_file));
    auth.users_file = *users;
    HANGAR_ASSIGN_OR_RETURN(auto ttl, IntegerSetting(flags, "token-ttl", 1));
    auth.token_ttl = std::chrono::seconds(*ttl);
    HANGAR_ASSIGN_OR_RETURN(auto user_failures, IntegerSetting(flags, "login-failures-per-user", 1));
    auth.login.failures_per_user = *user_failures;
    HANGAR_ASSIGN_OR_RETURN(auto peer_failures, IntegerSetting(flags, "login-failures-per-peer", 1));
    auth.login.failures_per_peer = *peer_failures;
    HANGAR_ASSIGN_OR_RETURN(auto window, SecondsSetting(flags, "login-failure-window", false));
    auth.login.window = *window;
    HANGAR_ASSIGN_OR_RETURN(auto checks, IntegerSetting(flags, "max-concurrent-logins", 1, 1024));
    if (checks) auth.login.concurrent_checks = static_cast<int>(*checks);
    options.auth = auth;
  }
  HANGAR_ASSIGN_OR_RETURN(auto streams, IntegerSetting(flags, "max-streams", 1));
  options.limits.max_streams = *streams;
  HANGAR_ASSIGN_OR_RETURN(auto per_user, IntegerSetting(flags, "max-streams-per-user", 1));
  options.limits.max_streams_per_user = *per_user;
  HANGAR_ASSIGN_OR_RETURN(auto per_peer, IntegerSetting(flags, "max-streams-per-peer", 1));
  options.limits.max_streams_per_peer = *per_peer;
  HANGAR_ASSIGN_OR_RETURN(options.limits.idle_stream_timeout, SecondsSetting(flags, "idle-stream-timeout", true));
  HANGAR_ASSIGN_OR_RETURN(auto connections, IntegerSetting(flags, "max-connections", 1));
  options.limits.max_connections = *connections;
  HANGAR_ASSIGN_OR_RETURN(auto connections_per_peer, IntegerSetting(flags, "max-connections-per-peer", 1));
  options.limits.max_connections_per_peer = *connections_per_peer;
  HANGAR_ASSIGN_OR_RETURN(auto handshake, SecondsSetting(flags, "handshake-timeout", false));
  options.limits.handshake_timeout = *handshake;
  HANGAR_ASSIGN_OR_RETURN(options.limits.connection_idle_timeout,
                          SecondsSetting(flags, "connection-idle-timeout", true));
  HANGAR_ASSIGN_OR_RETURN(auto call_mib, IntegerSetting(flags, "call-memory-mib", 1, int64_t{1} << 24));
  options.limits.call_memory_bytes = *call_mib << 20;
  HANGAR_ASSIGN_OR_RETURN(auto batch_rows, IntegerSetting(flags, "max-batch-rows", 1));
  options.limits.max_batch_rows = *batch_rows;
  HANGAR_ASSIGN_OR_RETURN(auto put_rows, IntegerSetting(flags, "max-put-rows", 1));
  options.limits.max_put_rows = *put_rows;
  HANGAR_ASSIGN_OR_RETURN(auto put_batches, IntegerSetting(flags, "max-put-batches", 1));
  options.limits.max_put_batches = *put_batches;
  HANGAR_ASSIGN_OR_RETURN(auto dictionary_mib, IntegerSetting(flags, "max-dictionary-mib", 1, int64_t{1} << 24));
  options.limits.max_dictionary_bytes = *dictionary_mib << 20;
  HANGAR_ASSIGN_OR_RETURN(auto request_kib, IntegerSetting(flags, "max-request-kib", 1, int64_t{1} << 30));
  options.limits.max_request_bytes = *request_kib << 10;
  HANGAR_ASSIGN_OR_RETURN(auto timeout, SecondsSetting(flags, "request-timeout", true));
  if (timeout) options.limits.request_timeout = *timeout;
  const std::string access = *flags.Get("access-log");
  if (access != "on" && access != "off") return Status::Invalid("--access-log is on or off, not '" + access + "'");
  options.access_log = access == "on";
  return options;
}

// The limits of Flight SQL: SQL text and prepared statements.
Result<sql::FlightSqlLimits> SqlLimits(const Flags& flags) {
  sql::FlightSqlLimits limits;
  HANGAR_ASSIGN_OR_RETURN(auto query_kib, IntegerSetting(flags, "max-query-kib", 1, int64_t{1} << 30));
  limits.max_query_bytes = *query_kib << 10;
  HANGAR_ASSIGN_OR_RETURN(auto prepared, IntegerSetting(flags, "max-prepared-statements", 1));
  limits.max_prepared = *prepared;
  HANGAR_ASSIGN_OR_RETURN(auto per_user, IntegerSetting(flags, "max-prepared-statements-per-user", 1));
  limits.max_prepared_per_user = *per_user;
  HANGAR_ASSIGN_OR_RETURN(auto memory_mib, IntegerSetting(flags, "prepared-memory-mib", 1, int64_t{1} << 24));
  limits.prepared_memory_bytes = *memory_mib << 20;
  return limits;
}

// Connections, tables, the log and DuckDB all take file descriptors, and the
// soft limit is often a small part of what the hard limit allows (1024 of
// 524288 on many systems): take all of it. The Flight listener then bounds
// connections below it (flight/listener.h).
void RaiseDescriptorLimit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur >= files.rlim_max) return;
  const rlim_t before = files.rlim_cur;
  files.rlim_cur = files.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &files) != 0) return;
  log::Debug("raised the file descriptor limit to the hard limit",
             {{"from", static_cast<int64_t>(before)}, {"to", static_cast<int64_t>(files.rlim_cur)}});
}

// Serves /metrics unless turned off. The default address may be taken (by
// another server on the machine): then the server runs without it, saying
// so; an address given explicitly must work.
Result<std::unique_ptr<metrics::HttpEndpoint>> StartMetrics(const ServeConfig& config) {
  const std::string listen = *config.flags.Get("metrics-listen");
  if (listen == "off") return std::unique_ptr<metrics::HttpEndpoint>();
  auto endpoint = metrics::HttpEndpoint::Start(listen, [] { return metrics::DefaultRegistry().Expose(); });
  if (endpoint.ok() || config.sources.at("metrics-listen") != SettingSource::kDefault) return endpoint;
  log::Warn("metrics are off: the default metrics address is not available (give --metrics-listen)",
            {{"address", listen}, {"error", endpoint.status().message()}});
  return std::unique_ptr<metrics::HttpEndpoint>();
}

// The cluster --cluster names, this node advertised at `location`.
Result<cluster::MembershipOptions> ClusterOptions(const Flags& flags, const std::string& location) {
  HANGAR_ASSIGN_OR_RETURN(auto options, cluster::ParseClusterUrl(*flags.Get("cluster")));
  options.location = location;
  if (options.location.find("://0.0.0.0:") != std::string::npos || options.location.find("://[::]:") != std::string::npos)
    return Status::Invalid("--cluster needs --advertise when listening on every interface (" + options.location + ")");
  HANGAR_ASSIGN_OR_RETURN(auto timeout, SecondsSetting(flags, "cluster-session-timeout", false));
  options.session_timeout = *timeout;
  return options;
}

// This node's location before it listens: --advertise, or the listen
// address if it names a port. (A node sharing tables needs it that early:
// its folder is named after it.)
Result<std::string> FixedLocation(const Flags& flags) {
  if (auto advertise = flags.Get("advertise")) return *advertise;
  const std::string listen = *flags.Get("listen");
  if (listen.ends_with(":0") || listen.find(':') == std::string::npos)
    return Status::Invalid("--shared-data-dir needs --advertise or a --listen address with a fixed port (the node's "
                           "folder is named after its location)");
  return std::string(flags.Get("tls-cert") ? "grpc+tls://" : "grpc://") + listen;
}

// How this node reaches the others when it forwards writes: TLS roots from
// --cluster-tls-ca, and its own certificate where the nodes ask for one.
Result<flight::ClientOptions> ForwardingOptions(const Flags& flags) {
  flight::ClientOptions options;
  if (auto roots = flags.Get("cluster-tls-ca")) {
    HANGAR_ASSIGN_OR_RETURN(options.tls_root_certs, store::ReadWholeFile(*roots));
  }
  if (flags.Get("tls-client-ca")) {
    HANGAR_ASSIGN_OR_RETURN(options.tls_cert_chain, store::ReadWholeFile(*flags.Get("tls-cert")));
    HANGAR_ASSIGN_OR_RETURN(options.tls_private_key, store::ReadWholeFile(*flags.Get("tls-key")));
  }
  return options;
}

// Tables shared over the cluster (--shared-data-dir): connects to ZooKeeper
// (joining only once the server listens) and holds this node's folder.
struct SharedTables {
  std::shared_ptr<cluster::Membership> membership;
  std::shared_ptr<server::FolderOwnership> folders;
  // What the membership reports as load, once the server runs.
  std::shared_ptr<std::atomic<const flight::FlightServer*>> server =
      std::make_shared<std::atomic<const flight::FlightServer*>>(nullptr);
};

Result<SharedTables> HoldSharedFolder(const Flags& flags, const std::string& shared_dir,
                                      const store::IngestOptions& recover) {
  SharedTables out;
  HANGAR_ASSIGN_OR_RETURN(auto location, FixedLocation(flags));
  HANGAR_ASSIGN_OR_RETURN(auto options, ClusterOptions(flags, location));
  options.join_at_start = false;
  options.load = [server = out.server] {
    const flight::FlightServer* running = server->load();
    return running ? running->active_streams() : 0;
  };
  HANGAR_ASSIGN_OR_RETURN(auto membership, cluster::Membership::Start(options));
  out.membership = std::move(membership);
  server::FolderOwnershipOptions folder_options;
  folder_options.shared_dir = std::filesystem::absolute(shared_dir);
  folder_options.session_timeout = options.session_timeout;
  folder_options.recover = recover;
  folder_options.on_lost = [](const std::string&) {
    // Its memory is stale and another node writes its tables now: start afresh.
    log::Error("exiting: restart the node to rejoin the cluster");
    std::_Exit(75);
  };
  HANGAR_ASSIGN_OR_RETURN(out.folders, server::FolderOwnership::Acquire(out.membership, folder_options,
                                                                        options.session_timeout * 4));
  return out;
}

// Copy-pasteable first steps, printed with --dev-kafka.
void PrintTryThis(const flight::FlightServer& server) {
  const std::string hangar = "hangar";
  const std::string at = server.location().uri;
  const std::string flag = server.port() == 8815 ? "" : " --server " + at;
  std::fprintf(stderr,
               "\nTry it, from another terminal (hangar is build/bin/hangar):\n"
               "  %s ls%s\n"
               "  %s get kafka.orders%s\n"
               "  %s sql%s \"SELECT status, count(*), sum(amount) FROM kafka.orders GROUP BY status\"\n"
               "  %s demo --data-dir /tmp && %s put /tmp/demo.arrow flights%s && %s get flights%s\n"
               "  %s status%s\n"
               "or with pyarrow:\n"
               "  python3 -c 'import pyarrow.flight as fl; c = fl.connect(\"%s\"); "
               "i = c.get_flight_info(fl.FlightDescriptor.for_path(\"kafka\", \"orders\")); "
               "print(c.do_get(i.endpoints[0].ticket).read_all())'\n\n",
               hangar.c_str(), flag.c_str(), hangar.c_str(), flag.c_str(), hangar.c_str(), flag.c_str(),
               hangar.c_str(), hangar.c_str(), flag.c_str(), hangar.c_str(), flag.c_str(), hangar.c_str(),
               flag.c_str(), at.c_str());
}

}  // namespace

int RunServe(const Args& args) {
  auto loaded = LoadServeConfig(args);
  if (!loaded.ok() || loaded->flags.Has("help") || !loaded->flags.positional().empty()) {
    if (!loaded.ok()) std::fprintf(stderr, "hangar serve: %s\n", loaded.status().message().c_str());
    const bool help = loaded.ok() && loaded->flags.Has("help");
    std::fputs(ServeUsage().c_str(), help ? stdout : stderr);
    return help ? 0 : 2;
  }
  const ServeConfig& config = *loaded;
  const Flags& flags = config.flags;
  if (flags.Has("print-config")) {
    std::fputs(PrintConfig(config).c_str(), stdout);
    return 0;
  }
  if (flags.Has("config-reference")) {
    std::fputs(ConfigReference().c_str(), stdout);
    return 0;
  }
  auto log_format = log::ParseFormat(*flags.Get("log-format"));
  if (!log_format.ok()) return Fail(log_format.status().message());
  auto log_level = log::ParseLevel(*flags.Get("log-level"));
  if (!log_level.ok()) return Fail(log_level.status().message());
  log::Configure(*log_format, *log_level);
  RaiseDescriptorLimit();

  const std::string data_dir = *flags.Get("data-dir");
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Fail("cannot create the data directory '" + data_dir + "': " + ec.message());
  auto data_dir_lock = store::DirectoryLock::Acquire(data_dir);
  if (!data_dir_lock.ok()) return Fail(data_dir_lock.status().message() + ": " + data_dir);
  auto options = FlightOptions(flags, data_dir);
  if (!options.ok()) return Fail(options.status().message());
  auto drain = SecondsSetting(flags, "shutdown-drain", true);
  if (!drain.ok()) return Fail(drain.status().message());

  std::unique_ptr<kafka::DevCluster> dev_kafka;
  auto topics = ConnectKafka(flags, &dev_kafka);
  if (!topics.ok()) return Fail(topics.status().message());

  // Signals are taken synchronously by sigwait below; block them before gRPC
  // starts its threads so that none of those threads receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  duckdb::DatabaseOptions engine_options;
  auto threads = IntegerSetting(flags, "duckdb-threads", 1, 1024);
  if (!threads.ok()) return Fail(threads.status().message());
  if (*threads) engine_options.threads = static_cast<int>(**threads);
  // DuckDB's own defaults (80% of RAM, spilling until 90% of the disk is
  // used) let one query take the machine: both are bounded by default.
  engine_options.memory_limit = *flags.Get("duckdb-memory-limit");
  engine_options.max_temp_size = *flags.Get("duckdb-max-temp-size");
  engine_options.temp_directory = (std::filesystem::path(data_dir) / "duckdb-tmp").string();
  // DuckDB reaches no file but the tables' (and its staging and spill
  // folders): not the write-ahead log, not a users file kept beside them,
  // whatever SQL it is given (sql/query_check.h is the first line).
  const std::string absolute_data = std::filesystem::absolute(data_dir).string();
  engine_options.allowed_directories = {absolute_data + "/tables/", absolute_data + "/staging/",
                                        absolute_data + "/duckdb-tmp/"};
  const std::optional<std::string> shared_dir = flags.Get("shared-data-dir");
  if (shared_dir && !flags.Get("cluster")) return Fail("--shared-data-dir needs --cluster");
  if (shared_dir) engine_options.allowed_directories.push_back(std::filesystem::absolute(*shared_dir).string() + "/");
  if (const char* delay = std::getenv("HANGAR_TEST_ENGINE_RESET_DELAY_MS"))  // tests of the reset path only
    engine_options.reset_delay = std::chrono::milliseconds(std::atoll(delay));
  auto engine = duckdb::Database::Open(engine_options);
  if (!engine.ok()) return Fail(engine.status().message());
  store::IngestOptions ingest_options;
  auto window = IntegerSetting(flags, "idempotency-window", 1);
  if (!window.ok()) return Fail(window.status().message());
  ingest_options.idempotency_window = std::chrono::seconds(**window);
  auto memtable_mib = IntegerSetting(flags, "max-memtable-mib", 1, int64_t{1} << 24);
  if (!memtable_mib.ok()) return Fail(memtable_mib.status().message());
  ingest_options.max_memtable_bytes = **memtable_mib << 20;
  store::StoreOptions store_options;
  // Absolute, as DuckDB compares paths with allowed_directories literally.
  store_options.data_dir = std::filesystem::absolute(data_dir);
  auto put_partitions = IntegerSetting(flags, "max-put-partitions", 1);
  if (!put_partitions.ok()) return Fail(put_partitions.status().message());
  store_options.max_put_partitions = **put_partitions;
  SharedTables shared;
  if (shared_dir) {
    auto held = HoldSharedFolder(flags, *shared_dir, ingest_options);
    if (!held.ok()) return Fail("cannot share the cluster's tables: " + held.status().message());
    shared = std::move(*held);
    store_options.data_dir = shared.folders->folder();
    store_options.peers_dir = store_options.data_dir.parent_path();
    store_options.fence = [folders = shared.folders] { return folders->Fence(); };
  }
  auto tables = store::TableStore::Open(store_options, *engine);
  if (!tables.ok()) return Fail("cannot open the tables in " + data_dir + ": " + tables.status().ToString());
  std::shared_ptr<store::TableStore> table_store(std::move(*tables));
  auto relations = sql::Relations::Open(*engine, table_store, *topics ? (*topics)->cluster() : nullptr,
                                        *topics ? (*topics)->registry() : nullptr);
  if (!relations.ok()) return Fail("cannot start the SQL engine: " + relations.status().ToString());
  sql::SqlOptions sql_options;
  auto query_timeout = SecondsSetting(flags, "query-timeout", false);
  if (!query_timeout.ok()) return Fail(query_timeout.status().message());
  if (*query_timeout) sql_options.query_timeout = **query_timeout;
  auto sql_limits = SqlLimits(flags);
  if (!sql_limits.ok()) return Fail(sql_limits.status().message());
  auto sql_service = std::make_shared<sql::FlightSqlService>(
      std::make_shared<sql::SqlEngine>(*engine, *relations, sql_options), *sql_limits);
  store::WalOpenReport wal_report;
  auto ingest = store::Ingest::Open(table_store, ingest_options, &wal_report);
  if (!ingest.ok()) return Fail("cannot open the write-ahead log in " + data_dir + ": " + ingest.status().ToString());
  if (wal_report.records > 0 || !wal_report.cut_reason.empty())
    log::Info("write-ahead log: " + std::to_string(wal_report.records) + " records replayed" +
              (wal_report.cut_reason.empty() ? "" : "; cut its end: " + wal_report.cut_reason));
  std::shared_ptr<store::Ingest> streaming(std::move(*ingest));
  metrics::DefaultRegistry().AddCollector([weak = std::weak_ptr<store::Ingest>(streaming)] {
    if (auto live = weak.lock()) store::StoreMetrics::Get().MemtableBytes(live->memtable_bytes());
  });
  // Small files (frequent flushes, small puts) are merged in the background,
  // when writers are not ahead of the flusher (compaction would slow them).
  store::Compactor compactor(table_store, std::chrono::seconds(5), [&streaming, &ingest_options] {
    return streaming->memtable_bytes() >= ingest_options.flush_bytes;
  });
  auto service = std::make_shared<server::HangarService>(table_store, *topics, sql_service, streaming);
  std::shared_ptr<server::ClusterPlacement> placement;
  if (flags.Get("cluster")) {
    placement = std::make_shared<server::ClusterPlacement>();
    service->SetCluster(placement);
  }
  if (shared.folders) {
    auto forwarding = ForwardingOptions(flags);
    if (!forwarding.ok()) return Fail("cannot read the cluster's TLS files: " + forwarding.status().message());
    service->SetTableOwners(shared.folders, server::TableForwarding(*forwarding));
  }
  auto metrics_endpoint = StartMetrics(config);
  if (!metrics_endpoint.ok()) return Fail(metrics_endpoint.status().message());
  auto server = flight::FlightServer::Start(*options, service);
  if (!server.ok()) return Fail(server.status().message());
  // Health: SERVING while the data directory takes writes and the SQL engine
  // is not being reset (grpc.health.v1 on the same port).
  ReadinessProbe readiness(server->get(), std::filesystem::absolute(data_dir), std::chrono::seconds(2));
  auto& engine_resets =
      metrics::DefaultRegistry().Counter("hangar_engine_resets_total", "SQL engine (DuckDB) instances replaced after an internal failure").WithLabels({});
  (*engine)->SetStateListener([&readiness, &engine_resets](bool serving) {
    if (serving) engine_resets.Add();
    readiness.SetEngineServing(serving);
  });
  if (std::getenv("HANGAR_TEST_ENGINE_FAULTS") != nullptr) {  // tests of the reset path only
    service->SetEngineFaultHook([engine = *engine]() -> Status {
      HANGAR_ASSIGN_OR_RETURN(auto connection, duckdb::Connection::Open(engine));
      return duckdb::InjectEngineFailure(*connection);
    });
  }
  std::shared_ptr<cluster::Membership> membership = shared.membership;
  if (membership) {
    shared.server->store(server->get());
    if (Status st = membership->Join(); !st.ok()) return Fail("cannot join the cluster: " + st.message());
    shared.folders->Start(table_store, streaming, *engine);
    placement->Attach(membership);
  } else if (placement) {
    auto options = ClusterOptions(flags, flags.GetOr("advertise", (*server)->location().uri));
    if (options.ok()) options->load = [&server = **server] { return server.active_streams(); };
    auto joined = options.ok() ? cluster::Membership::Start(*options) : Result<std::unique_ptr<cluster::Membership>>(options.status());
    if (!joined.ok()) return Fail("cannot join the cluster: " + joined.status().message());
    membership = std::move(*joined);
    placement->Attach(membership);
  }
  if (*metrics_endpoint) {
    const std::string listen = *flags.Get("metrics-listen");
    log::Info("serving metrics on http://" + listen.substr(0, listen.rfind(':') + 1) +
              std::to_string((*metrics_endpoint)->port()) + "/metrics");
  }
  log::Info("serving Flight on " + (*server)->location().uri + " (" +
            (options->auth ? "authentication on" : "no authentication") + (options->tls ? ", TLS" : "") + "), data in " +
            data_dir);
  if (dev_kafka) PrintTryThis(**server);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log::Info(std::string(strsignal(signal_number)) + " received, shutting down");
  // A second signal ends the process at once. Nothing acknowledged at `disk`
  // is lost (it is in the write-ahead log, replayed at the next start);
  // batches acknowledged only at `memory` are, as their level says.
  std::thread([signals] {
    int second = 0;
    sigwait(&signals, &second);
    log::Warn(std::string(strsignal(second)) + " received again: exiting now (the write-ahead log is replayed at the next start)");
    std::_Exit(1);
  }).detach();
  readiness.ShutDown();
  // Out of the cluster first: the other nodes take this node's partitions.
  // A node sharing tables keeps its session (and its folder's lock) until
  // its memtables are flushed: only then may another node adopt the folder.
  if (placement) placement->Attach(nullptr);
  if (shared.folders) membership->Leave();
  else membership.reset();
  if (*drain) std::this_thread::sleep_for(**drain);
  // Streaming writers first: each stream acknowledges what it took and
  // refuses the rest (UNAVAILABLE once its client half-closes); then the calls
  // get 5 s to finish. What was taken is flushed when `streaming` goes.
  streaming->StopWrites();
  (*server)->Shutdown(std::chrono::seconds(5));
  shared.server->store(nullptr);
  // Leaving scope closes the store, flushing the memtables while the
  // folder's lock is held; the lock goes with the store (its fence holds it).
  if (shared.folders) shared.folders->Stop();
  return 0;
}

}  // namespace hangar::cli
