// DoPut into a Kafka topic: every row becomes one message, its value Avro in
// the Confluent wire format.
//
// The value record is the stream's columns, except the metadata columns a
// topic read yields: `_key` (binary or utf8) becomes the message key and
// `_timestamp` (a timestamp) its time; `_partition` and `_offset` are
// Kafka's to assign and are dropped — so what was read from one topic can be
// written into another. A command descriptor {"topic": t, "key": "col"}
// takes the keys from column `col` instead (it stays in the value too), and
// {"partition": n} sends every message to partition n; otherwise keys are
// hashed to partitions with murmur2 (as Java producers do) and keyless
// messages spread at random.
//
// The value schema: the latest version of subject `<t>-value` if the columns
// fit it (matched by name); otherwise one made from the columns
// (avro/encoder.h), registered as the subject's next version — only if it
// can read what the latest version wrote (the registry's BACKWARD rule);
// else INVALID_ARGUMENT, naming the field, and nothing is written.
//
// Messages go out with idempotence and acks=all. After each batch's
// messages are all acknowledged, a PutResult says where they went, JSON
// {"batch": n, "rows": r, "schema_id": id, "partitions": [{"partition",
// "first_offset", "last_offset", "messages"}]}. Kafka has no rollback: if a
// stream fails midway, the batches already answered stay written and the
// rest are not.
#pragma once

#include "flight/server.h"
#include "kafka/cluster.h"
#include "kafka/schema_registry.h"
#include "server/topic_ticket.h"

namespace hangar::server {

Status WriteTopic(kafka::KafkaCluster& cluster, kafka::SchemaRegistry& registry, const TopicRequest& request,
                  flight::FlightStreamReader* in, flight::PutResultWriter* out);

}  // namespace hangar::server
