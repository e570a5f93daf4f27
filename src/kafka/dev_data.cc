#include "kafka/dev_data.h"

#include <chrono>

#include "avro/varint.h"
#include "kafka/producer.h"
#include "kafka/wire_format.h"

namespace hangar::kafka {

const char* DemoSchemaJson() {
  return R"({"type": "record", "name": "order", "namespace": "hangar.demo", "fields": [
    {"name": "order_id", "type": "long"},
    {"name": "customer", "type": "string"},
    {"name": "amount", "type": "double"},
    {"name": "quantity", "type": "int"},
    {"name": "status", "type": {"type": "enum", "name": "status", "symbols": ["NEW", "PAID", "SHIPPED", "RETURNED"]}},
    {"name": "created_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "note", "type": ["null", "string"], "default": null}]})";
}

Status SeedDemoTopic(DevCluster& dev, SchemaRegistry& registry, const KafkaOptions& options, const DemoTopic& demo) {
  // The registry's topic has one partition, as Confluent's registry makes it.
  HANGAR_RETURN_NOT_OK(dev.CreateTopic("_schemas", 1));
  HANGAR_RETURN_NOT_OK(dev.CreateTopic(demo.topic, demo.partitions));
  HANGAR_ASSIGN_OR_RETURN(auto schema, registry.Register(ValueSubject(demo.topic), DemoSchemaJson()));
  HANGAR_ASSIGN_OR_RETURN(auto producer, Producer::Open(options));
  static const char* const kCustomers[] = {"ada", "grace", "linus", "margaret", "ken", "barbara", "dennis", "frances"};
  const int64_t start =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() -
      demo.records * 1000;
  std::string value;
  for (int64_t i = 0; i < demo.records; ++i) {
    const std::string customer = kCustomers[i % 8];
    value.clear();
    AppendWireHeader(schema.id, &value);
    avro::WriteLong(i + 1, &value);
    avro::WriteLong(static_cast<int64_t>(customer.size()), &value);
    value += customer;
    const double amount = static_cast<double>((i * 7919) % 100000) / 100.0;
    value.append(reinterpret_cast<const char*>(&amount), 8);
    avro::WriteLong(1 + i % 5, &value);
    avro::WriteLong(i % 4, &value);
    const int64_t created = start + i * 1000;
    avro::WriteLong(created, &value);
    if (i % 10 == 0) {
      avro::WriteLong(1, &value);
      const std::string note = "gift wrap";
      avro::WriteLong(static_cast<int64_t>(note.size()), &value);
      value += note;
    } else {
      avro::WriteLong(0, &value);
    }
    HANGAR_RETURN_NOT_OK(producer->Produce(demo.topic, -1, customer, value, created));
  }
  return producer->Flush().status();
}

}  // namespace hangar::kafka
