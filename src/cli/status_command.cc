// `hangar status`: a server's version, uptime, tables, topics, streams and
// headline metrics, from its ServerStatus action; `hangar cluster status`:
// the cluster's nodes, their load and partitions, from ClusterStatus.
#include <cstdio>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/client_connection.h"
#include "cli/commands.h"
#include "cli/progress.h"

namespace hangar::cli {

namespace {

std::string Duration(int64_t seconds) {
  char buf[64];
  if (seconds >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd %02lldh", static_cast<long long>(seconds / 86400),
                  static_cast<long long>(seconds % 86400 / 3600));
  } else if (seconds >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  }
  return buf;
}

long long Count(const nlohmann::json& j, const char* key) { return j.value(key, 0.0); }

// Runs a status action and returns its JSON object; with --json, prints the
// answer as it came instead and returns null. `*exit` is set when it fails.
std::optional<nlohmann::json> StatusAction(Session& s, const char* command, const std::string& action, int* exit) {
  *exit = 0;
  auto results = s.client->DoAction(flight::Action{action, ""});
  if (!results.ok()) {
    *exit = Fail(command, results.status());
  } else if (results->empty()) {
    *exit = Fail(command, Status::Internal("the server's " + action + " action answered nothing"));
  } else if (s.flags.Has("json")) {
    std::printf("%s\n", (*results)[0].body.c_str());
  } else {
    auto status = nlohmann::json::parse((*results)[0].body, nullptr, false);
    if (!status.is_discarded() && status.is_object()) return status;
    *exit = Fail(command, Status::Internal("the server's " + action + " answer is not JSON"));
  }
  return std::nullopt;
}

}  // namespace

int RunStatus(const Args& args) {
  int exit = 0;
  auto s = OpenSession("status", args, &exit);
  if (!s) return exit;
  auto answer = StatusAction(*s, "status", "ServerStatus", &exit);
  if (!answer) return exit;
  const nlohmann::json& status = *answer;
  const auto& m = status["metrics"];
  std::printf("hangar %s, up %s (since %s)\n", status.value("version", "?").c_str(),
              Duration(status.value("uptime_seconds", 0)).c_str(), status.value("started_at", "?").c_str());
  std::printf("streams open: %lld   calls: %lld (%lld failed)   refused by limits: %lld\n", Count(m, "active_streams"),
              Count(m, "calls"), Count(m, "errors"), Count(m, "refused"));
  std::printf("received: %lld rows, %s   sent: %lld rows, %s\n", Count(m, "rows_received"),
              FormatBytes(m.value("bytes_received", 0.0)).c_str(), Count(m, "rows_sent"),
              FormatBytes(m.value("bytes_sent", 0.0)).c_str());
  std::printf("memtables: %s   log syncs: %lld   Kafka decode errors: %lld   SQL engine resets: %lld\n",
              FormatBytes(m.value("memtable_bytes", 0.0)).c_str(), Count(m, "wal_syncs"),
              Count(m, "kafka_decode_errors"), Count(m, "engine_resets"));
  std::printf("\ntables (%zu):\n", status["tables"].size());
  for (const auto& t : status["tables"]) {
    std::printf("  %-32s %12lld rows %12s %6lld files\n", t.value("name", "").c_str(), Count(t, "rows"),
                FormatBytes(t.value("bytes", 0.0)).c_str(), Count(t, "files"));
    if (t.contains("read_only")) std::printf("    READ-ONLY: %s\n", t.value("read_only", "").c_str());
  }
  if (status.contains("quarantined_table_folders")) {
    std::printf("table folders moved aside at start (%zu):\n", status["quarantined_table_folders"].size());
    for (const auto& q : status["quarantined_table_folders"])
      std::printf("  %s: %s\n", q.value("folder", "").c_str(), q.value("reason", "").c_str());
  }
  std::printf("topics (%zu):\n", status["topics"].size());
  for (const auto& t : status["topics"])
    std::printf("  kafka.%-26s %12lld records %4lld partitions\n", t.value("name", "").c_str(), Count(t, "records"),
                Count(t, "partitions"));
  return 0;
}

int RunCluster(const Args& args) {
  int exit = 0;
  auto s = OpenSession("cluster", args, &exit);
  if (!s) return exit;
  if (s->flags.positional()[0] != "status")
    return Fail("cluster", Status::Invalid("unknown subcommand '" + s->flags.positional()[0] + "' (status)"));
  auto answer = StatusAction(*s, "cluster", "ClusterStatus", &exit);
  if (!answer) return exit;
  const nlohmann::json& status = *answer;
  std::printf("%zu nodes (asked: %s%s)\n", status["members"].size(), status.value("self", "?").c_str(),
              status.value("registered", false) ? "" : ", which is out of the cluster");
  for (const auto& m : status["members"]) {
    std::printf("  %-28s load %-4lld %zu partitions:", m.value("location", "?").c_str(), Count(m, "load"),
                m["partitions"].size());
    for (const auto& p : m["partitions"]) std::printf(" %s", p.get<std::string>().c_str());
    std::printf("\n");
    if (m.contains("tables")) {
      std::printf("  %-28s writes %zu tables:", "", m["tables"].size());
      for (const auto& t : m["tables"]) std::printf(" %s", t.get<std::string>().c_str());
      std::printf("\n");
    }
  }
  return 0;
}

}  // namespace hangar::cli
