// `hangar serve`: flags into the options of a server::Node (server/node.h),
// which makes and runs everything; here, only what belongs to the process:
// the log's format, the file descriptor limit, signals and the exit code.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <thread>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/serve_settings.h"
#include "server/node.h"
#include "store/file_util.h"

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
    return Status::Invalid("--" + name + " must be a " + (zero_allowed ? "" : "positive ") +
                           "number of seconds, not '" + *text + "'");
  if (seconds == 0) return std::optional<std::chrono::milliseconds>();
  return std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
}

// A password file's first line.
Result<std::string> ReadSecret(const std::string& path) {
  HANGAR_ASSIGN_OR_RETURN(auto text, ReadFlagFile(path));
  return text.substr(0, text.find('\n'));
}

// Where topics come from: none without Kafka flags; with --dev-kafka, a
// fresh in-process cluster seeded with the demo topic.
Result<std::optional<server::KafkaSettings>> KafkaFromFlags(const Flags& flags) {
  server::KafkaSettings settings;
  kafka::KafkaOptions& options = settings.client;
  if (flags.Has("dev-kafka")) {
    if (flags.Get("kafka-brokers")) return Status::Invalid("--dev-kafka and --kafka-brokers exclude each other");
    settings.dev = true;
  } else if (auto brokers = flags.Get("kafka-brokers")) {
    options.brokers = *brokers;
  } else {
    return std::optional<server::KafkaSettings>();
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
    if (eq == std::string::npos || eq == 0)
      return Status::Invalid("--kafka-property wants KEY=VALUE, not '" + property + "'");
    options.properties[property.substr(0, eq)] = property.substr(eq + 1);
  }
  if (flags.Has("kafka-pass-credentials")) {
    kafka::UserClusterLimits limits;
    HANGAR_ASSIGN_OR_RETURN(auto users, IntegerSetting(flags, "kafka-user-connections", 1, 100000));
    limits.max_users = static_cast<size_t>(*users);
    HANGAR_ASSIGN_OR_RETURN(auto idle, IntegerSetting(flags, "kafka-user-idle-timeout", 1));
    limits.idle = std::chrono::seconds(*idle);
    settings.pass_credentials = limits;
  }
  if (auto url = flags.Get("schema-registry")) {
    kafka::RestRegistryOptions rest;
    rest.url = *url;
    rest.username = flags.GetOr("schema-registry-user", "");
    if (auto file = flags.Get("schema-registry-password-file")) {
      HANGAR_ASSIGN_OR_RETURN(rest.password, ReadSecret(*file));
    }
    settings.rest_registry = rest;
  } else {
    settings.schemas_topic = *flags.Get("schemas-topic");
  }
  return std::optional<server::KafkaSettings>(std::move(settings));
}

// The flags of the Flight layer: address, TLS, authentication, limits. (The
// node reads the token secret once it holds the data directory.)
Result<flight::ServerOptions> FlightOptions(const Flags& flags) {
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
    flight::AuthOptions auth;
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

// The cluster --cluster names, this node advertised at `location` (empty:
// the listener's, once the node listens).
Result<cluster::MembershipOptions> ClusterOptions(const Flags& flags, const std::string& location) {
  HANGAR_ASSIGN_OR_RETURN(auto options, cluster::ParseClusterUrl(*flags.Get("cluster")));
  options.location = location;
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
    return Status::Invalid(
        "a cluster sharing its tables (--shared-data-dir, or --object-store) needs --advertise or a --listen "
        "address with a fixed port (the node's folder is named after its location)");
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

// Copy-pasteable first steps, printed with --dev-kafka.
void PrintTryThis(const server::Node& node) {
  const std::string hangar = "hangar";
  const std::string at = node.location().uri;
  const std::string flag = node.port() == 8815 ? "" : " --server " + at;
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
               hangar.c_str(), flag.c_str(), hangar.c_str(), flag.c_str(), hangar.c_str(), flag.c_str(), hangar.c_str(),
               hangar.c_str(), flag.c_str(), hangar.c_str(), flag.c_str(), hangar.c_str(), flag.c_str(), at.c_str());
}

// The first of the environment variables that is set and not empty.
std::optional<std::string> FirstEnvironment(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return std::string(value);
  }
  return std::nullopt;
}

// A secret: the first line of --NAME-file, else the first of `variables`.
Result<std::string> SecretSetting(const Flags& flags, const std::string& file_flag,
                                  std::initializer_list<const char*> variables) {
  if (auto file = flags.Get(file_flag)) return ReadSecret(*file);
  return FirstEnvironment(variables).value_or("");
}

// The bucket (or folder) and how to reach it. AWS's own variables fill in
// what the flags, HANGAR_* and the config file leave unset, as every AWS
// tool does.
Status ObjectStoreFromFlags(const Flags& flags, server::NodeOptions* options) {
  auto uri = flags.Get("object-store");
  if (!uri) {
    for (const auto& s : ServeSettings())
      if (s.name.starts_with("s3-") && s.name != "s3-part-size-mib" && flags.Get(std::string(s.name)))
        return Status::Invalid("--" + std::string(s.name) + " needs --object-store s3://BUCKET/PREFIX");
    return Status::OK();
  }
  options->object_store = *uri;
  objstore::S3Options& s3 = options->s3;
  s3.endpoint = flags.GetOr("s3-endpoint", "");
  s3.region =
      flags.Get("s3-region").value_or(FirstEnvironment({"AWS_REGION", "AWS_DEFAULT_REGION"}).value_or("us-east-1"));
  const std::string addressing = flags.GetOr("s3-addressing", "");
  if (addressing == "path") {
    s3.addressing = objstore::S3Addressing::kPath;
  } else if (addressing == "virtual") {
    s3.addressing = objstore::S3Addressing::kVirtualHost;
  } else if (!addressing.empty()) {
    return Status::Invalid("--s3-addressing is path or virtual, not '" + addressing + "'");
  }
  s3.access_key_id = flags.Get("s3-access-key-id").value_or(FirstEnvironment({"AWS_ACCESS_KEY_ID"}).value_or(""));
  HANGAR_ASSIGN_OR_RETURN(
      s3.secret_access_key,
      SecretSetting(flags, "s3-secret-access-key-file", {"HANGAR_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"}));
  HANGAR_ASSIGN_OR_RETURN(s3.session_token, SecretSetting(flags, "s3-session-token-file",
                                                          {"HANGAR_S3_SESSION_TOKEN", "AWS_SESSION_TOKEN"}));
  s3.ca_file = flags.GetOr("s3-ca", "");
  HANGAR_ASSIGN_OR_RETURN(auto part_mib, IntegerSetting(flags, "s3-part-size-mib", 5, 5120));
  s3.part_size = static_cast<uint64_t>(*part_mib) << 20;
  return Status::OK();
}

// Every flag of `hangar serve` that shapes the node, as its options.
Result<server::NodeOptions> NodeOptionsFrom(const ServeConfig& config) {
  const Flags& flags = config.flags;
  server::NodeOptions options;
  options.data_dir = *flags.Get("data-dir");
  HANGAR_ASSIGN_OR_RETURN(options.flight, FlightOptions(flags));
  options.token_secret_file = flags.GetOr("token-secret-file", "");
  HANGAR_ASSIGN_OR_RETURN(auto drain, SecondsSetting(flags, "shutdown-drain", true));
  if (drain) options.shutdown_drain = *drain;
  HANGAR_ASSIGN_OR_RETURN(options.kafka, KafkaFromFlags(flags));
  HANGAR_RETURN_NOT_OK(ObjectStoreFromFlags(flags, &options));
  options.iceberg_rest_listen = flags.GetOr("iceberg-rest-listen", "");
  if (!options.iceberg_rest_listen.empty() && options.object_store.empty())
    return Status::Invalid("--iceberg-rest-listen needs --object-store: the catalog serves the tables kept there");

  HANGAR_ASSIGN_OR_RETURN(auto threads, IntegerSetting(flags, "duckdb-threads", 1, 1024));
  if (threads) options.engine.threads = static_cast<int>(*threads);
  // DuckDB's own defaults (80% of RAM, spilling until 90% of the disk is
  // used) let one query take the machine: both are bounded by default.
  options.engine.memory_limit = *flags.Get("duckdb-memory-limit");
  options.engine.max_temp_size = *flags.Get("duckdb-max-temp-size");
  if (const char* delay = std::getenv("HANGAR_TEST_ENGINE_RESET_DELAY_MS"))  // tests of the reset path only
    options.engine.reset_delay = std::chrono::milliseconds(std::atoll(delay));
  options.engine_fault_hook = std::getenv("HANGAR_TEST_ENGINE_FAULTS") != nullptr;  // tests of the reset path only

  HANGAR_ASSIGN_OR_RETURN(auto window, IntegerSetting(flags, "idempotency-window", 1));
  options.ingest.idempotency_window = std::chrono::seconds(*window);
  HANGAR_ASSIGN_OR_RETURN(auto memtable_mib, IntegerSetting(flags, "max-memtable-mib", 1, int64_t{1} << 24));
  options.ingest.max_memtable_bytes = *memtable_mib << 20;
  HANGAR_ASSIGN_OR_RETURN(auto log_mib, IntegerSetting(flags, "max-log-mib", 1, int64_t{1} << 30));
  options.ingest.max_log_bytes = *log_mib << 20;
  HANGAR_ASSIGN_OR_RETURN(auto put_partitions, IntegerSetting(flags, "max-put-partitions", 1));
  options.max_put_partitions = *put_partitions;
  options.table_read_copies = !flags.Has("no-table-read-copies");
  HANGAR_ASSIGN_OR_RETURN(auto query_timeout, SecondsSetting(flags, "query-timeout", false));
  if (query_timeout) options.sql.query_timeout = *query_timeout;
  HANGAR_ASSIGN_OR_RETURN(options.sql_limits, SqlLimits(flags));

  // /metrics unless turned off. The default address may be taken (by
  // another server on the machine): then the node runs without it, saying
  // so; an address given explicitly must work.
  const std::string metrics_listen = *flags.Get("metrics-listen");
  if (metrics_listen != "off") options.metrics_listen = metrics_listen;
  options.metrics_optional = config.sources.at("metrics-listen") == SettingSource::kDefault;

  const std::optional<std::string> shared_dir = flags.Get("shared-data-dir");
  if (shared_dir && !flags.Get("cluster")) return Status::Invalid("--shared-data-dir needs --cluster");
  const bool through_bucket = flags.Get("cluster") && flags.Get("object-store");
  if (shared_dir && through_bucket)
    return Status::Invalid(
        "--shared-data-dir and --object-store do not go together: with --object-store the nodes of a cluster share "
        "their tables through the bucket (docs/cluster.md)");
  if (shared_dir || through_bucket) {
    auto location = FixedLocation(flags);
    auto cluster =
        location.ok() ? ClusterOptions(flags, *location) : Result<cluster::MembershipOptions>(location.status());
    if (!cluster.ok()) return cluster.status().WithContext("cannot share the cluster's tables");
    options.cluster = *cluster;
    server::SharedTablesSettings shared;
    if (shared_dir) shared.dir = *shared_dir;
    shared.through_bucket = through_bucket;
    auto forwarding = ForwardingOptions(flags);
    if (!forwarding.ok()) return forwarding.status().WithContext("cannot read the cluster's TLS files");
    shared.forwarding = std::move(*forwarding);
    shared.on_lost = [](const std::string&) {
      // Its memory is stale and another node writes its tables now: start afresh.
      log::Error("exiting: restart the node to rejoin the cluster");
      std::_Exit(75);
    };
    options.shared_tables = std::move(shared);
  } else if (flags.Get("cluster")) {
    auto cluster = ClusterOptions(flags, flags.GetOr("advertise", ""));
    if (!cluster.ok()) return cluster.status().WithContext("cannot join the cluster");
    options.cluster = *cluster;
  }
  return options;
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
  auto options = NodeOptionsFrom(config);
  if (!options.ok()) return Fail(options.status().message());

  // Signals are taken synchronously by sigwait below; block them before gRPC
  // (or DuckDB, or librdkafka) starts its threads so that none of those
  // threads receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto node = server::Node::Open(std::move(*options));
  if (!node.ok()) return Fail(node.status().message());
  if (Status st = (*node)->Serve(); !st.ok()) return Fail(st.message());
  if ((*node)->options().kafka && (*node)->options().kafka->dev) PrintTryThis(**node);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log::Info(std::string(strsignal(signal_number)) + " received, shutting down");
  // A second signal ends the process at once. Nothing acknowledged at `disk`
  // is lost (it is in the write-ahead log, replayed at the next start);
  // batches acknowledged only at `memory` are, as their level says.
  std::thread([signals] {
    int second = 0;
    sigwait(&signals, &second);
    log::Warn(std::string(strsignal(second)) +
              " received again: exiting now (the write-ahead log is replayed at the next start)");
    std::_Exit(1);
  }).detach();
  (*node)->Shutdown();
  return 0;
}

}  // namespace hangar::cli
