// The ServerStatus action: what `hangar status` prints. Version, uptime,
// tables and topics with their sizes, and the headline figures of the
// metrics (calls, errors, rows and bytes moved, open streams, memtable
// bytes), read from metrics::DefaultRegistry() so that the action and a
// Prometheus scrape never disagree.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "store/table_store.h"

namespace hangar::server {

class TopicFlights;

// JSON: {"version", "started_at", "uptime_seconds", "tables": [{"name",
// "rows", "bytes", "files"}], "topics": [{"name", "partitions", "records"}],
// "metrics": {...}}.
Result<std::string> ServerStatusJson(const store::TableStore& tables, TopicFlights* topics);

// Sums every sample of each metric in a text exposition, by metric name
// (labels dropped); "hangar_rpc_errors" sums hangar_rpc_handled_total
// samples whose code is not OK.
std::map<std::string, double> SumSamples(const std::string& exposition);

}  // namespace hangar::server
