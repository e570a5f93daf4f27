#include "server/server_status.h"

#include <chrono>
#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "metrics/registry.h"
#include "server/topic_flights.h"

namespace hangar::server {

namespace {

// Set while the process starts (static initialization), read by the action.
const auto kStarted = std::chrono::system_clock::now();

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  const time_t seconds = std::chrono::system_clock::to_time_t(t);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace

std::map<std::string, double> SumSamples(const std::string& exposition) {
  std::map<std::string, double> sums;
  size_t at = 0;
  while (at < exposition.size()) {
    size_t end = exposition.find('\n', at);
    if (end == std::string::npos) end = exposition.size();
    const std::string line = exposition.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    const size_t value_at = line.rfind(' ');
    if (name_end == std::string::npos || value_at == std::string::npos) continue;
    const std::string name = line.substr(0, name_end);
    const double value = std::strtod(line.c_str() + value_at + 1, nullptr);
    sums[name] += value;
    if (name == "hangar_rpc_handled_total" && line.find("code=\"OK\"") == std::string::npos)
      sums["hangar_rpc_errors"] += value;
  }
  return sums;
}

Result<std::string> ServerStatusJson(const store::TableStore& tables, TopicFlights* topics) {
  const auto now = std::chrono::system_clock::now();
  nlohmann::json out;
  out["version"] = HANGAR_SERVER_VERSION;
  out["started_at"] = Rfc3339(kStarted);
  out["uptime_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(now - kStarted).count();
  nlohmann::json table_list = nlohmann::json::array();
  for (const auto& snapshot : tables.List()) {
    // The rows readers see (in a primary-key table, the latest per key).
    HANGAR_ASSIGN_OR_RETURN(const int64_t rows, tables.CountRows(snapshot, {}));
    table_list.push_back({{"name", snapshot->name.ToString()},
                          {"rows", rows},
                          {"bytes", snapshot->bytes},
                          {"files", snapshot->files.size()}});
    if (auto table = tables.FindTable(snapshot->name); table.ok()) {
      if (auto reason = (*table)->read_only()) table_list.back()["read_only"] = *reason;
    }
  }
  out["tables"] = std::move(table_list);
  nlohmann::json quarantined = nlohmann::json::array();
  for (const auto& q : tables.QuarantinedFolders()) quarantined.push_back({{"folder", q.folder}, {"reason", q.reason}});
  if (!quarantined.empty()) out["quarantined_table_folders"] = std::move(quarantined);
  nlohmann::json topic_list = nlohmann::json::array();
  if (topics != nullptr) {
    HANGAR_ASSIGN_OR_RETURN(auto described, topics->cluster()->DescribeTopics());
    for (const auto& topic : described)
      topic_list.push_back(
          {{"name", topic.name}, {"partitions", topic.partitions.size()}, {"records", topic.records()}});
  }
  out["topics"] = std::move(topic_list);
  const auto sums = SumSamples(metrics::DefaultRegistry().Expose());
  auto sum = [&](const char* name) {
    auto it = sums.find(name);
    return it == sums.end() ? 0.0 : it->second;
  };
  out["metrics"] = {
      {"calls", sum("hangar_rpc_handled_total")},
      {"errors", sum("hangar_rpc_errors")},
      {"active_streams", sum("hangar_rpc_active_streams")},
      {"rows_received", sum("hangar_rpc_received_rows_total")},
      {"rows_sent", sum("hangar_rpc_sent_rows_total")},
      {"bytes_received", sum("hangar_rpc_received_bytes_total")},
      {"bytes_sent", sum("hangar_rpc_sent_bytes_total")},
      {"memtable_bytes", sum("hangar_memtable_bytes")},
      {"wal_syncs", sum("hangar_wal_fsync_seconds_count")},
      {"kafka_decode_errors", sum("hangar_kafka_decode_errors_total")},
      {"refused", sum("hangar_rpc_limited_total")},
      {"engine_resets", sum("hangar_engine_resets_total")},
      {"iceberg_backlog", sum("hangar_iceberg_backlog")},
  };
  return JsonText(out);
}

}  // namespace hangar::server
