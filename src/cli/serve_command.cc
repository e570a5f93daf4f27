// `hangar serve`: the Flight server.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/readiness.h"
#include "flight/auth/token.h"
#include "flight/server.h"
#include "kafka/dev_data.h"
#include "kafka/rest_schema_registry.h"
#include "kafka/schemas_topic_registry.h"
#include "server/hangar_service.h"
#include "sql/engine.h"
#include "store/compactor.h"
#include "store/table_store.h"

namespace hangar::cli {

namespace {

constexpr const char* kUsage =
    "usage: hangar serve [options]\n"
    "  --config FILE             settings as `name = value` lines (flag names without\n"
    "                            dashes); flags on the command line win\n"
    "  --listen HOST:PORT        address to serve on (default 127.0.0.1:8815)\n"
    "  --data-dir DIR            data directory (default: data)\n"
    "  --duckdb-threads N        threads of the DuckDB engine behind tables (default: one per core)\n"
    "  --duckdb-memory-limit M   DuckDB's memory limit, e.g. 2GB (default: 25% of RAM)\n"
    "  --query-timeout SECONDS   interrupt SQL queries running longer (default: no limit)\n"
    "  --shutdown-drain SECONDS  on SIGTERM, answer health checks NOT_SERVING this long before\n"
    "                            refusing calls, so load balancers move away first (default 0)\n"
    "  --idempotency-window SECONDS  how long a streamed batch's idempotency key is\n"
    "                            remembered (default 3600)\n"
    "  --max-memtable-mib N      memory for streamed rows not yet in Parquet, all tables\n"
    "                            together; writers wait above it (default 512)\n"
    "  --users FILE              users file: turns on Basic->Bearer authentication\n"
    "                            (create it with `hangar user add`)\n"
    "  --token-secret-file FILE  HMAC key for bearer tokens, shared by a cluster's nodes\n"
    "                            (default: DIR/token-secret, created if missing)\n"
    "  --token-ttl SECONDS       lifetime of issued tokens (default 43200)\n"
    "  --tls-cert FILE --tls-key FILE   serve TLS (grpc+tls://)\n"
    "  --tls-client-ca FILE      require client certificates signed by this CA (mTLS)\n"
    "  --insecure                allow a non-loopback address without auth and TLS\n"
    "  --max-message-mib N       largest gRPC message accepted or sent (default 1024)\n"
    "  --dev-kafka               start the development Kafka cluster in-process (librdkafka's\n"
    "                            mock cluster: in memory, keeps the last 5 MiB per partition)\n"
    "                            with a demo topic 'orders'\n"
    "  --kafka-brokers LIST      serve the topics of this Kafka cluster (host:port,...)\n"
    "  --kafka-security-protocol P   plaintext, ssl, sasl_plaintext or sasl_ssl\n"
    "  --kafka-sasl-mechanism M  PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512\n"
    "  --kafka-sasl-username U   --kafka-sasl-password-file FILE (or $HANGAR_KAFKA_SASL_PASSWORD)\n"
    "  --kafka-ssl-ca FILE       --kafka-ssl-cert FILE --kafka-ssl-key FILE\n"
    "  --kafka-property K=V      any librdkafka property (repeatable)\n"
    "  --schema-registry URL     a Confluent-compatible Schema Registry (default: read the\n"
    "                            _schemas topic of the cluster itself)\n"
    "  --schema-registry-user U  --schema-registry-password-file FILE\n"
    "  --schemas-topic NAME      the registry's topic when there is no URL (default _schemas)\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "hangar serve: %s\n", message.c_str());
  return 1;
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
    registry = std::make_shared<kafka::SchemasTopicRegistry>(cluster, flags.GetOr("schemas-topic", "_schemas"));
  }
  if (*dev) {
    kafka::DemoTopic demo;
    HANGAR_RETURN_NOT_OK(kafka::SeedDemoTopic(**dev, *registry, options, demo).WithContext("seeding the demo topic"));
    std::fprintf(stderr,
                 "hangar: development Kafka cluster at %s (in memory; topic '%s': %d partitions, %lld Avro records)\n",
                 options.brokers.c_str(), demo.topic.c_str(), demo.partitions, static_cast<long long>(demo.records));
  } else {
    std::fprintf(stderr, "hangar: serving the topics of Kafka at %s\n", options.brokers.c_str());
  }
  return std::make_shared<server::TopicFlights>(cluster, registry);
}

}  // namespace

int RunServe(const Args& args) {
  const std::set<std::string> value_flags = {"listen",   "data-dir", "users",         "token-secret-file",
                                             "token-ttl", "tls-cert", "tls-key",       "tls-client-ca",
                                             "max-message-mib", "kafka-brokers", "config",
                                             "duckdb-threads", "duckdb-memory-limit", "query-timeout", "shutdown-drain", "idempotency-window", "max-memtable-mib",
                                             "kafka-security-protocol", "kafka-sasl-mechanism", "kafka-sasl-username",
                                             "kafka-sasl-password-file", "kafka-ssl-ca", "kafka-ssl-cert", "kafka-ssl-key",
                                             "kafka-property", "schema-registry", "schema-registry-user",
                                             "schema-registry-password-file", "schemas-topic"};
  const std::set<std::string> switches = {"insecure", "dev-kafka", "help"};
  auto parsed = Flags::Parse(args, value_flags, switches);
  if (parsed.ok() && parsed->Get("config")) {
    Status merged = parsed->MergeConfigFile(*parsed->Get("config"), value_flags, switches);
    if (!merged.ok()) return Fail(merged.message());
  }
  if (!parsed.ok() || parsed->Has("help") || !parsed->positional().empty()) {
    if (!parsed.ok()) std::fprintf(stderr, "hangar serve: %s\n", parsed.status().message().c_str());
    std::fputs(kUsage, parsed.ok() && parsed->Has("help") ? stdout : stderr);
    return parsed.ok() && parsed->Has("help") ? 0 : 2;
  }
  const Flags& flags = *parsed;


  flight::ServerOptions options;
  options.listen = flags.GetOr("listen", "127.0.0.1:8815");
  options.insecure = flags.Has("insecure");
  const std::string data_dir = flags.GetOr("data-dir", "data");
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Fail("cannot create the data directory '" + data_dir + "': " + ec.message());

  if (auto mib = flags.Get("max-message-mib")) {
    const long n = std::strtol(mib->c_str(), nullptr, 10);
    if (n <= 0 || n > 2047) return Fail("--max-message-mib must be between 1 and 2047");
    options.max_message_size = static_cast<int>(n << 20);
  }
  if (auto cert = flags.Get("tls-cert")) {
    auto key = flags.Get("tls-key");
    if (!key) return Fail("--tls-cert needs --tls-key");
    options.tls = flight::TlsOptions{*cert, *key, flags.GetOr("tls-client-ca", "")};
  } else if (flags.Get("tls-key") || flags.Get("tls-client-ca")) {
    return Fail("--tls-key and --tls-client-ca need --tls-cert");
  }
  if (auto users = flags.Get("users")) {
    const std::string secret_file = flags.GetOr("token-secret-file", data_dir + "/token-secret");
    auto secret = flight::auth::TokenSigner::LoadOrCreateSecret(secret_file);
    if (!secret.ok()) return Fail(secret.status().message());
    flight::AuthOptions auth;
    auth.users_file = *users;
    auth.token_secret = *secret;
    if (auto ttl = flags.Get("token-ttl")) {
      const long seconds = std::strtol(ttl->c_str(), nullptr, 10);
      if (seconds <= 0) return Fail("--token-ttl must be a positive number of seconds");
      auth.token_ttl = std::chrono::seconds(seconds);
    }
    options.auth = auth;
  }
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
  if (auto threads = flags.Get("duckdb-threads")) {
    engine_options.threads = std::atoi(threads->c_str());
    if (engine_options.threads <= 0) return Fail("--duckdb-threads must be a positive number");
  }
  // DuckDB's own default (80% of RAM) leaves too little to the rest of a server.
  const long long ram_mib = static_cast<long long>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE) >> 20;
  engine_options.memory_limit = flags.GetOr("duckdb-memory-limit", std::to_string(ram_mib / 4) + "MB");
  engine_options.temp_directory = (std::filesystem::path(data_dir) / "duckdb-tmp").string();
  // SQL reaches no file outside the data directory (and no table but through its view).
  engine_options.allowed_directories = {std::filesystem::absolute(data_dir).string() + "/"};
  auto engine = duckdb::Database::Open(engine_options);
  if (!engine.ok()) return Fail(engine.status().message());
  store::StoreOptions store_options;
  // Absolute, as DuckDB compares paths with allowed_directories literally.
  store_options.data_dir = std::filesystem::absolute(data_dir);
  auto tables = store::TableStore::Open(store_options, *engine);
  if (!tables.ok()) return Fail("cannot open the tables in " + data_dir + ": " + tables.status().ToString());
  std::shared_ptr<store::TableStore> table_store(std::move(*tables));
  auto relations = sql::Relations::Open(*engine, table_store, *topics ? (*topics)->cluster() : nullptr,
                                        *topics ? (*topics)->registry() : nullptr);
  if (!relations.ok()) return Fail("cannot start the SQL engine: " + relations.status().ToString());
  std::chrono::milliseconds drain{0};
  if (auto seconds = flags.Get("shutdown-drain")) {
    drain = std::chrono::milliseconds(static_cast<int64_t>(std::atof(seconds->c_str()) * 1000));
    if (drain.count() < 0 || !std::isdigit(static_cast<unsigned char>(seconds->front())))
      return Fail("--shutdown-drain must be a number of seconds");
  }
  sql::SqlOptions sql_options;
  if (auto timeout = flags.Get("query-timeout")) {
    sql_options.query_timeout = std::chrono::milliseconds(static_cast<int64_t>(std::atof(timeout->c_str()) * 1000));
    if (sql_options.query_timeout.count() <= 0) return Fail("--query-timeout must be a positive number of seconds");
  }
  auto sql_service = std::make_shared<sql::FlightSqlService>(std::make_shared<sql::SqlEngine>(*engine, *relations, sql_options));
  store::IngestOptions ingest_options;
  if (auto window = flags.Get("idempotency-window")) {
    const long long seconds = std::atoll(window->c_str());
    if (seconds <= 0) return Fail("--idempotency-window must be a positive number of seconds");
    ingest_options.idempotency_window = std::chrono::seconds(seconds);
  }
  if (auto mib = flags.Get("max-memtable-mib")) {
    const long long n = std::atoll(mib->c_str());
    if (n <= 0) return Fail("--max-memtable-mib must be a positive number");
    ingest_options.max_memtable_bytes = static_cast<int64_t>(n) << 20;
  }
  store::WalOpenReport wal_report;
  auto ingest = store::Ingest::Open(table_store, ingest_options, &wal_report);
  if (!ingest.ok()) return Fail("cannot open the write-ahead log in " + data_dir + ": " + ingest.status().ToString());
  if (wal_report.records > 0 || !wal_report.cut_reason.empty())
    std::fprintf(stderr, "hangar: write-ahead log: %lld records replayed%s%s\n",
                 static_cast<long long>(wal_report.records), wal_report.cut_reason.empty() ? "" : "; cut its end: ",
                 wal_report.cut_reason.c_str());
  std::shared_ptr<store::Ingest> streaming(std::move(*ingest));
  // Small files (frequent flushes, small puts) are merged in the background,
  // when writers are not ahead of the flusher (compaction would slow them).
  store::Compactor compactor(table_store, std::chrono::seconds(5), [&streaming, &ingest_options] {
    return streaming->memtable_bytes() >= ingest_options.flush_bytes;
  });
  auto service = std::make_shared<server::HangarService>(table_store, *topics, sql_service, streaming);
  auto server = flight::FlightServer::Start(options, service);
  if (!server.ok()) return Fail(server.status().message());
  // Health: SERVING while the data directory takes writes (grpc.health.v1 on the same port).
  ReadinessProbe readiness(server->get(), std::filesystem::absolute(data_dir), std::chrono::seconds(2));
  std::fprintf(stderr, "hangar: serving Flight on %s (%s%s), data in %s\n", (*server)->location().uri.c_str(),
               options.auth ? "authentication on" : "no authentication", options.tls ? ", TLS" : "",
               data_dir.c_str());
  std::fflush(stderr);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "hangar: %s received, shutting down\n", strsignal(signal_number));
  readiness.ShutDown();
  if (drain.count() > 0) std::this_thread::sleep_for(drain);
  // Streaming writers first: each stream acknowledges what it took and
  // refuses the rest (UNAVAILABLE once its client half-closes); then the calls
  // get 5 s to finish. What was taken is flushed when `streaming` goes.
  streaming->StopWrites();
  (*server)->Shutdown(std::chrono::seconds(5));
  return 0;
}

}  // namespace hangar::cli
