// `hangar status`: a server's version, uptime, tables, topics, streams and
// headline metrics, from its ServerStatus action; `hangar cluster status`:
// the cluster's nodes, their load and partitions, from ClusterStatus.
#include <cstdio>

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

}  // namespace

int RunStatus(const Args& args) {
  int exit = 0;
  auto s = OpenSession("status", "usage: hangar status [--json] [options]   the server's state and headline metrics",
                       args, {}, {"json"}, 0, 0, &exit);
  if (!s) return exit;
  auto results = s->client->DoAction(flight::Action{"ServerStatus", ""});
  if (!results.ok()) return Fail("status", results.status());
  if (results->empty()) return Fail("status", Status::Internal("the server's ServerStatus action answered nothing"));
  if (s->flags.Has("json")) {
    std::printf("%s\n", (*results)[0].body.c_str());
    return 0;
  }
  const auto status = nlohmann::json::parse((*results)[0].body, nullptr, false);
  if (status.is_discarded() || !status.is_object())
    return Fail("status", Status::Internal("the server's ServerStatus answer is not JSON"));
  const auto& m = status["metrics"];
  std::printf("hangar %s, up %s (since %s)\n", status.value("version", "?").c_str(),
              Duration(status.value("uptime_seconds", 0)).c_str(), status.value("started_at", "?").c_str());
  std::printf("streams open: %lld   calls: %lld (%lld failed)   refused by limits: %lld\n", Count(m, "active_streams"),
              Count(m, "calls"), Count(m, "errors"), Count(m, "refused"));
  std::printf("received: %lld rows, %s   sent: %lld rows, %s\n", Count(m, "rows_received"),
              FormatBytes(m.value("bytes_received", 0.0)).c_str(), Count(m, "rows_sent"),
              FormatBytes(m.value("bytes_sent", 0.0)).c_str());
  std::printf("memtables: %s   log syncs: %lld   Kafka decode errors: %lld\n",
              FormatBytes(m.value("memtable_bytes", 0.0)).c_str(), Count(m, "wal_syncs"), Count(m, "kafka_decode_errors"));
  std::printf("\ntables (%zu):\n", status["tables"].size());
  for (const auto& t : status["tables"])
    std::printf("  %-32s %12lld rows %12s %6lld files\n", t.value("name", "").c_str(), Count(t, "rows"),
                FormatBytes(t.value("bytes", 0.0)).c_str(), Count(t, "files"));
  std::printf("topics (%zu):\n", status["topics"].size());
  for (const auto& t : status["topics"])
    std::printf("  kafka.%-26s %12lld records %4lld partitions\n", t.value("name", "").c_str(), Count(t, "records"),
                Count(t, "partitions"));
  return 0;
}

int RunCluster(const Args& args) {
  int exit = 0;
  auto s = OpenSession("cluster", "usage: hangar cluster status [--json] [options]   the cluster's nodes and partitions",
                       args, {}, {"json"}, 1, 1, &exit);
  if (!s) return exit;
  if (s->flags.positional()[0] != "status") return Fail("cluster", Status::Invalid("unknown subcommand '" + s->flags.positional()[0] + "' (status)"));
  auto results = s->client->DoAction(flight::Action{"ClusterStatus", ""});
  if (!results.ok()) return Fail("cluster", results.status());
  if (results->empty()) return Fail("cluster", Status::Internal("the server's ClusterStatus action answered nothing"));
  if (s->flags.Has("json")) {
    std::printf("%s\n", (*results)[0].body.c_str());
    return 0;
  }
  const auto status = nlohmann::json::parse((*results)[0].body, nullptr, false);
  if (status.is_discarded() || !status.is_object())
    return Fail("cluster", Status::Internal("the server's ClusterStatus answer is not JSON"));
  std::printf("%zu nodes (asked: %s%s)\n", status["members"].size(), status.value("self", "?").c_str(),
              status.value("registered", false) ? "" : ", which is out of the cluster");
  for (const auto& m : status["members"]) {
    std::printf("  %-28s load %-4lld %zu partitions:", m.value("location", "?").c_str(), Count(m, "load"),
                m["partitions"].size());
    for (const auto& p : m["partitions"]) std::printf(" %s", p.get<std::string>().c_str());
    std::printf("\n");
  }
  return 0;
}

}  // namespace hangar::cli
