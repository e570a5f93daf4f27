// The demo data `hangar serve --dev-kafka` starts with, so that a fresh
// machine has a topic to read at once: topic `orders`, its Avro value schema
// registered as subject `orders-value`, and records spread over its
// partitions by key.
#pragma once

#include <string>

#include "kafka/dev_cluster.h"
#include "kafka/options.h"
#include "kafka/schema_registry.h"

namespace hangar::kafka {

struct DemoTopic {
  std::string topic = "orders";
  int partitions = 4;
  int64_t records = 10000;
};

// The demo's value schema: order_id long, customer string, amount double,
// quantity int, status enum, created_at timestamp-millis, note ["null", string].
const char* DemoSchemaJson();

Status SeedDemoTopic(DevCluster& dev, SchemaRegistry& registry, const KafkaOptions& options, const DemoTopic& demo);

}  // namespace hangar::kafka
