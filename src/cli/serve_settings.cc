#include "cli/serve_settings.h"

#include <cstdlib>

namespace hangar::cli {

const std::vector<Setting>& ServeSettings() {
  static const std::vector<Setting> settings = {
      // --- server
      {"config", "FILE", "", "Settings as `name = value` lines (TOML's key/value subset; flag names without dashes).",
       "Server"},
      {"listen", "HOST:PORT", "127.0.0.1:8815", "The Flight address (port 0 picks a free port).", "Server"},
      {"data-dir", "DIR", "data", "Where tables, the write-ahead log and the token secret live.", "Server"},
      {"max-message-mib", "N", "1024", "Largest gRPC message accepted or sent, in MiB (1 to 2047).", "Server"},
      {"shutdown-drain", "SECONDS", "0",
       "On SIGTERM, answer health checks NOT_SERVING this long before refusing calls, so load balancers move away "
       "first.",
       "Server"},
      {"dev-kafka", "", "",
       "Start the development Kafka cluster in-process (librdkafka's mock cluster: in memory, the last 5 MiB per "
       "partition) with a demo topic `orders`, and print commands to try.",
       "Server"},
      // --- storage
      {"max-memtable-mib", "N", "512",
       "Memory for streamed rows not yet in Parquet, all tables together; above it rows are kept in the "
       "write-ahead log only until their flush.",
       "Storage"},
      {"max-log-mib", "N", "8192",
       "Disk for the write-ahead log, which keeps streamed rows past --max-memtable-mib until their flush into "
       "Parquet; above it writers wait for the flush.",
       "Storage"},
      {"idempotency-window", "SECONDS", "3600", "How long a streamed batch's idempotency key is remembered.",
       "Storage"},
      {"no-table-read-copies", "", "",
       "Keep no Arrow IPC read copy beside the Parquet files of tables (they make whole-table reads several times "
       "faster for about as much more disk as the tables' Arrow size; docs/tables.md).",
       "Storage"},
      // --- object storage
      {"object-store", "URI", "",
       "Where the node keeps its tables also as Iceberg tables: a bucket, s3://BUCKET/PREFIX, or a folder, file:///DIR "
       "or a path. Streaming ingest then offers object_storage and iceberg_committed. The node checks at start that "
       "it answers and refuses to start otherwise (docs/object-storage.md, docs/tables.md). With --cluster, the nodes "
       "share their tables through it (no --shared-data-dir; docs/cluster.md).",
       "Object storage"},
      {"s3-endpoint", "URL", "",
       "The S3-compatible service, http://HOST:PORT or https://HOST:PORT (default: AWS, "
       "https://s3.REGION.amazonaws.com).",
       "Object storage"},
      {"s3-region", "REGION", "",
       "The bucket's region, which requests are signed for (default: $AWS_REGION, else $AWS_DEFAULT_REGION, else "
       "us-east-1).",
       "Object storage"},
      {"s3-addressing", "path|virtual", "",
       "path: HOST/BUCKET/KEY; virtual: BUCKET.HOST/KEY, the bucket's own host name (default: virtual on AWS, path "
       "with --s3-endpoint).",
       "Object storage"},
      {"s3-access-key-id", "ID", "", "The access key id (default: $AWS_ACCESS_KEY_ID).", "Object storage"},
      {"s3-secret-access-key-file", "FILE", "",
       "File whose first line is the secret access key (or set HANGAR_S3_SECRET_ACCESS_KEY; default: "
       "$AWS_SECRET_ACCESS_KEY).",
       "Object storage"},
      {"s3-session-token-file", "FILE", "",
       "File whose first line is the session token of temporary credentials (or set HANGAR_S3_SESSION_TOKEN; "
       "default: $AWS_SESSION_TOKEN).",
       "Object storage"},
      {"s3-ca", "FILE", "", "PEM roots to verify an https endpoint with (default: the system's).", "Object storage"},
      {"s3-part-size-mib", "N", "8", "Files larger than this are uploaded in parts of this size, in MiB (5 to 5120).",
       "Object storage"},
      {"iceberg-rest-listen", "HOST:PORT", "",
       "Serve the Iceberg REST catalog of the tables in --object-store here (http://HOST:PORT/v1), with the "
       "server's users and permissions.",
       "Object storage"},
      // --- SQL
      {"duckdb-threads", "N", "", "Threads of the DuckDB engine (default: one per core).", "SQL"},
      {"duckdb-memory-limit", "SIZE", "1GB",
       "DuckDB's memory limit (e.g. 4GB): what queries, Parquet writes and reads may hold; beyond it DuckDB spills "
       "to <data-dir>/duckdb-tmp, and a statement that cannot is RESOURCE_EXHAUSTED.",
       "SQL"},
      {"duckdb-max-temp-size", "SIZE", "4GB",
       "The most DuckDB may spill into <data-dir>/duckdb-tmp; a statement needing more is RESOURCE_EXHAUSTED.", "SQL"},
      {"query-timeout", "SECONDS", "", "Interrupt SQL statements running longer (default: no limit).", "SQL"},
      // --- limits
      {"max-streams", "N", "1024",
       "Streams (DoGet, DoPut, DoExchange, and a Flight Handshake while it lasts) served at once; one more is "
       "refused with RESOURCE_EXHAUSTED.",
       "Limits"},
      {"max-streams-per-user", "N", "256", "Streams one user may hold open at once (with authentication on).",
       "Limits"},
      {"max-streams-per-peer", "N", "256",
       "Streams one client address may hold open at once, with or without authentication, so that one client "
       "cannot take every slot; a Flight Handshake counts while it lasts.",
       "Limits"},
      {"idle-stream-timeout", "SECONDS", "300",
       "A streaming call that waits this long on its client (for a message, or for it to take one) with nothing "
       "moving is cut with RESOURCE_EXHAUSTED; time the server spends on its own work does not count. 0 turns it "
       "off.",
       "Limits"},
      {"max-connections", "N", "4096",
       "TCP connections open at once; more are reset on arrival. Lowered at start to leave a quarter of the file "
       "descriptors (whose limit the server raises to the hard limit) to files.",
       "Limits"},
      {"max-connections-per-peer", "N", "256",
       "TCP connections one client address may have open at once; more are reset on arrival.", "Limits"},
      {"handshake-timeout", "SECONDS", "10",
       "A new connection must finish TLS and start HTTP/2 within this, and a Flight Handshake may wait this long "
       "for its client.",
       "Limits"},
      {"connection-idle-timeout", "SECONDS", "600",
       "A connection without a call for this long is closed (clients reconnect when they next call); 0: never.",
       "Limits"},
      {"call-memory-mib", "N", "512",
       "Memory one call may gather before it commits (a SQL bulk insert's parameter rows), in MiB of decoded "
       "batches; more is RESOURCE_EXHAUSTED.",
       "Limits"},
      {"max-batch-rows", "N", "16777216",
       "Rows one record batch a client sends may have (refused from its header, before it is decoded).", "Limits"},
      {"max-put-rows", "N", "1000000000", "Rows one DoPut may send.", "Limits"},
      {"max-put-batches", "N", "1000000", "Record batches one DoPut may send.", "Limits"},
      {"max-put-partitions", "N", "10000",
       "Partitions of a partitioned table one DoPut may write into (each is a folder and a file).", "Limits"},
      {"max-dictionary-mib", "N", "64",
       "The largest a dictionary of a client's stream may be, in MiB (deltas included).", "Limits"},
      {"max-request-kib", "N", "4096",
       "The largest descriptor, ticket or action body a call may carry, in KiB (checked before it is parsed).",
       "Limits"},
      {"max-query-kib", "N", "1024", "The longest SQL text (query, update, prepared statement), in KiB.", "Limits"},
      {"max-prepared-statements", "N", "1024", "Flight SQL prepared statements open at once, all users together.",
       "Limits"},
      {"max-prepared-statements-per-user", "N", "64",
       "Prepared statements one user may hold open (all clients are one user without authentication).", "Limits"},
      {"prepared-memory-mib", "N", "256",
       "Memory the open prepared statements may hold together (their text and bound parameter rows), in MiB.",
       "Limits"},
      {"request-timeout", "SECONDS", "",
       "The longest a call may run; a stream still moving data after it ends with RESOURCE_EXHAUSTED (default: no "
       "limit).",
       "Limits"},
      // --- observability
      {"metrics-listen", "HOST:PORT", "127.0.0.1:9464",
       "Prometheus metrics over HTTP at /metrics; `off` turns it off. When the default port is taken the server "
       "warns and runs without it; an address given explicitly must be free.",
       "Observability"},
      {"log-format", "FORMAT", "text", "text, json (JSON lines) or logfmt.", "Observability"},
      {"log-level", "LEVEL", "info", "debug, info, warn or error.", "Observability"},
      {"access-log", "on|off", "on", "One log line per call: user, RPC, target, status, rows, bytes, duration.",
       "Observability"},
      // --- cluster
      {"cluster", "zk://HOST:PORT/PATH", "",
       "Join the cluster coordinated by this ZooKeeper (several host:port separated by commas; the path is the "
       "cluster's znode, default /hangar).",
       "Cluster"},
      {"advertise", "grpc://HOST:PORT", "",
       "The location other nodes and clients reach this node at (default: the listen address, which must then not "
       "be 0.0.0.0).",
       "Cluster"},
      {"cluster-session-timeout", "SECONDS", "6",
       "ZooKeeper session timeout: how long after a crash the node's partitions move to the others.", "Cluster"},
      {"shared-data-dir", "DIR", "",
       "Tables shared by the cluster's nodes: each keeps its tables and log in DIR/nodes/<node id> and reads the "
       "others' there; writes go to a table's node, and a gone node's tables move to a live one (docs/cluster.md). "
       "Needs --cluster and a fixed port or --advertise; not with --object-store, through which the nodes share "
       "their tables instead.",
       "Cluster"},
      {"cluster-tls-ca", "FILE", "",
       "PEM roots a node verifies the other nodes' TLS certificates with when it forwards writes to them (default: "
       "the system's). With --tls-client-ca the node presents its own --tls-cert to them.",
       "Cluster"},
      // --- security
      {"users", "FILE", "", "Users file: turns on Basic->Bearer authentication (create it with `hangar user add`).",
       "Security"},
      {"token-secret-file", "FILE", "",
       "HMAC key for bearer tokens, shared by a cluster's nodes (default: DIR/token-secret, created if missing).",
       "Security"},
      {"token-ttl", "SECONDS", "43200", "Lifetime of issued bearer tokens.", "Security"},
      {"login-failures-per-user", "N", "5",
       "Failed logins a user name may have before its logins are refused with RESOURCE_EXHAUSTED, until "
       "--login-failure-window gives them back.",
       "Security"},
      {"login-failures-per-peer", "N", "50",
       "Failed logins a client address may have before its logins are refused likewise.", "Security"},
      {"login-failure-window", "SECONDS", "60",
       "How long a throttled user name or client address takes to get its whole allowance of failed logins back "
       "(it comes back bit by bit).",
       "Security"},
      {"max-concurrent-logins", "N", "",
       "Passwords checked at once (default: half the cores, at least 1); a login that waits 2 s for its turn is "
       "refused with RESOURCE_EXHAUSTED.",
       "Security"},
      {"tls-cert", "FILE", "", "PEM certificate chain: serve TLS (grpc+tls://); needs --tls-key.", "Security"},
      {"tls-key", "FILE", "", "PEM private key of --tls-cert.", "Security"},
      {"tls-client-ca", "FILE", "", "Require client certificates signed by this CA (mutual TLS).", "Security"},
      {"insecure", "", "", "Allow a non-loopback listen address without authentication and TLS.", "Security"},
      // --- kafka
      {"kafka-brokers", "LIST", "", "Serve the topics of this Kafka cluster (host:port,...).", "Kafka"},
      {"kafka-security-protocol", "P", "", "plaintext, ssl, sasl_plaintext or sasl_ssl.", "Kafka"},
      {"kafka-sasl-mechanism", "M", "", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.", "Kafka"},
      {"kafka-sasl-username", "U", "", "SASL user name.", "Kafka"},
      {"kafka-sasl-password-file", "FILE", "",
       "File whose first line is the SASL password (or set HANGAR_KAFKA_SASL_PASSWORD).", "Kafka"},
      {"kafka-ssl-ca", "FILE", "", "CA certificate for the brokers' TLS.", "Kafka"},
      {"kafka-ssl-cert", "FILE", "", "Client certificate for the brokers' TLS.", "Kafka"},
      {"kafka-ssl-key", "FILE", "", "Client key for the brokers' TLS.", "Kafka"},
      {"kafka-property", "K=V", "", "Any librdkafka property.", "Kafka", true},
      {"kafka-pass-credentials", "", "",
       "Read and write topics as each Flight user: the user name and password a client logs in with become the SASL "
       "login of a Kafka connection of its own, so the brokers' ACLs decide per user. Needs --users and a SASL "
       "--kafka-security-protocol; the password is kept in memory until the token it earned expires "
       "(--token-ttl).",
       "Kafka"},
      {"kafka-user-connections", "N", "64",
       "With --kafka-pass-credentials: the users whose Kafka connections are kept open at once (the one idle longest "
       "is closed first).",
       "Kafka"},
      {"kafka-user-idle-timeout", "SECONDS", "300",
       "With --kafka-pass-credentials: a user's Kafka connection unused this long is closed.", "Kafka"},
      {"schema-registry", "URL", "",
       "A Confluent-compatible Schema Registry (default: read the `_schemas` topic of the cluster itself).", "Kafka"},
      {"schema-registry-user", "U", "", "Schema Registry user name.", "Kafka"},
      {"schema-registry-password-file", "FILE", "", "File whose first line is the Schema Registry password.", "Kafka"},
      {"schemas-topic", "NAME", "_schemas", "The registry's topic when there is no URL.", "Kafka"},
  };
  return settings;
}

std::string EnvironmentName(std::string_view name) {
  std::string env = "HANGAR_";
  for (char c : name) env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return env;
}

namespace {

void SplitSettings(std::set<std::string>* values, std::set<std::string>* switches) {
  for (const auto& s : ServeSettings()) (s.value.empty() ? switches : values)->insert(std::string(s.name));
  switches->insert("help");
  switches->insert("print-config");
  switches->insert("config-reference");
}

bool Present(const Flags& flags, const Setting& s) {
  return s.value.empty() ? flags.Has(std::string(s.name)) : flags.Get(std::string(s.name)).has_value();
}

// Records the source of every setting that became present since the last call.
void NoteSources(const Flags& flags, SettingSource source, std::map<std::string, SettingSource>* sources) {
  for (const auto& s : ServeSettings())
    if (Present(flags, s)) sources->emplace(std::string(s.name), source);  // emplace keeps an earlier source
}

}  // namespace

Result<ServeConfig> LoadServeConfig(const Args& args) {
  std::set<std::string> values, switches;
  SplitSettings(&values, &switches);
  ServeConfig config;
  HANGAR_ASSIGN_OR_RETURN(config.flags, Flags::Parse(args, values, switches));
  NoteSources(config.flags, SettingSource::kCommandLine, &config.sources);
  for (const auto& s : ServeSettings()) {
    const char* env = std::getenv(EnvironmentName(s.name).c_str());
    if (env == nullptr || Present(config.flags, s)) continue;
    const std::string name(s.name);
    if (s.value.empty()) {
      const std::string v = env;
      if (v == "1" || v == "true") {
        config.flags.SetSwitch(name);
      } else if (v != "0" && v != "false" && !v.empty()) {
        return Status::Invalid(EnvironmentName(s.name) + " is true or false, not '" + v + "'");
      }
    } else {
      config.flags.SetIfAbsent(name, env);
    }
  }
  NoteSources(config.flags, SettingSource::kEnvironment, &config.sources);
  if (auto file = config.flags.Get("config")) {
    HANGAR_RETURN_NOT_OK(config.flags.MergeConfigFile(*file, values, switches));
    NoteSources(config.flags, SettingSource::kConfigFile, &config.sources);
  }
  for (const auto& s : ServeSettings())
    if (!s.value.empty() && !s.fallback.empty()) config.flags.SetIfAbsent(std::string(s.name), std::string(s.fallback));
  NoteSources(config.flags, SettingSource::kDefault, &config.sources);
  return config;
}

namespace {

std::vector<std::string_view> Sections() {
  std::vector<std::string_view> out;
  for (const auto& s : ServeSettings())
    if (out.empty() || out.back() != s.section) out.push_back(s.section);
  return out;
}

// Wraps `text` at 80 columns; the text starts at `column`, continuation lines at `indent`.
std::string Wrap(std::string_view text, size_t column, size_t indent) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(at, end - at);
    if (!out.empty()) {
      if (column + 1 + word.size() > 80) {
        out += "\n" + std::string(indent, ' ');
        column = indent;
      } else {
        out += ' ';
        ++column;
      }
    }
    out += word;
    column += word.size();
    at = end + 1;
  }
  return out;
}

// A markdown table cell: `|` would end it.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out.push_back(c);
  }
  return out;
}

std::string Quoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

std::string ServeUsage() {
  std::string out =
      "usage: hangar serve [options]\n"
      "\n"
      "Every option can also come from the environment (HANGAR_<NAME>, e.g. HANGAR_MAX_STREAMS) or a config\n"
      "file (--config); the command line wins over the environment, the environment over the file.\n"
      "  --print-config            print the effective configuration (as a config file) and exit\n"
      "  --config-reference        print the configuration reference (markdown) and exit\n";
  for (const auto section : Sections()) {
    out += "\n" + std::string(section) + ":\n";
    for (const auto& s : ServeSettings()) {
      if (s.section != section) continue;
      std::string head = "  --" + std::string(s.name) + (s.value.empty() ? "" : " " + std::string(s.value));
      std::string help(s.help);
      if (!s.fallback.empty()) help += " Default: " + std::string(s.fallback) + ".";
      if (s.repeatable) help += " Repeatable.";
      if (head.size() < 28) {
        head.resize(28, ' ');
      } else {
        head += "\n" + std::string(28, ' ');
      }
      out += head + Wrap(help, 28, 28) + "\n";
    }
  }
  return out;
}

std::string PrintConfig(const ServeConfig& config) {
  static const char* kSourceNames[] = {"command line", "environment", "config file", "default"};
  std::string out = "# hangar serve: the effective configuration (usable as a --config file)\n";
  for (const auto section : Sections()) {
    out += "\n# " + std::string(section) + "\n";
    for (const auto& s : ServeSettings()) {
      if (s.section != section || s.name == "config") continue;
      const std::string name(s.name);
      auto source = config.sources.find(name);
      if (source == config.sources.end()) {
        out += "# " + name + " =" + (s.value.empty() ? " false" : "") + "\n";
        continue;
      }
      const std::string from = std::string("  # ") + kSourceNames[static_cast<int>(source->second)];
      if (s.value.empty()) {
        out += name + " = true" + from + "\n";
        continue;
      }
      for (const auto& value : config.flags.GetAll(name)) {
        // Secrets are files; their contents never appear here.
        out += name + " = " + Quoted(value) + from + "\n";
      }
    }
  }
  return out;
}

std::string ConfigReference() {
  std::string out =
      "# Configuration reference\n"
      "\n"
      "<!-- Generated by `hangar serve --config-reference`; a test fails when this file and the code differ. -->\n"
      "\n"
      "Every setting of `hangar serve` can be given three ways. Highest precedence first:\n"
      "\n"
      "1. the command line: `--max-streams 64` or `--max-streams=64`;\n"
      "2. the environment: `HANGAR_MAX_STREAMS=64` (the name upper-cased, dashes as underscores; switches take\n"
      "   `true`/`1` or `false`/`0`);\n"
      "3. a config file named by `--config FILE` (or `HANGAR_CONFIG`): `name = value` lines, TOML's key/value\n"
      "   subset (`max-streams = 64`, `listen = \"0.0.0.0:8815\"`, `insecure = true`, `#` comments; a repeatable\n"
      "   setting may appear on several lines).\n"
      "\n"
      "`hangar serve --print-config` prints the effective configuration as a config file, each value with where\n"
      "it came from, and exits.\n";
  for (const auto section : Sections()) {
    out += "\n## " + std::string(section) +
           "\n\n| setting | environment | value | default | meaning |\n|---|---|---|---|---|\n";
    for (const auto& s : ServeSettings()) {
      if (s.section != section) continue;
      std::string help(s.help);
      if (s.repeatable) help += " Repeatable.";
      out += "| `--" + std::string(s.name) + "` | `" + EnvironmentName(s.name) + "` | " +
             (s.value.empty() ? "switch" : Cell(s.value)) + " | " +
             (s.fallback.empty() ? "" : "`" + std::string(s.fallback) + "`") + " | " + Cell(help) + " |\n";
    }
  }
  return out;
}

}  // namespace hangar::cli
