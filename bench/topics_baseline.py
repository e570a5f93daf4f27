"""The Python baselines of bench_topics: how data engineers read an Avro topic
into a DataFrame today. Run with the project's virtual environment
(third_party/venv/bin/python: confluent-kafka, fastavro, pandas from PyPI).

- `--decoder fastavro`: confluent-kafka's Consumer, each Confluent-framed value
  decoded by fastavro's schemaless_reader with the writer schema fetched once
  from the registry, the records into a pandas DataFrame — what pykafarr's
  users and most hand-written consumers do;
- `--decoder registry`: confluent-kafka's DeserializingConsumer with the
  registry's AvroDeserializer (Confluent's documented way), into a DataFrame.

The consumer joins no group: its partitions are assigned from offset 0, as
Hangar reads. It is made and connected before the clock starts; the time
runs from assign() until the DataFrame holds every message. Prints one JSON
line: {"messages": n, "seconds": s, "id_sum": sum of the `id` column}.
"""
import argparse
import io
import json
import struct
import time

import fastavro
import pandas as pd
from confluent_kafka import Consumer, DeserializingConsumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--brokers", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--partitions", type=int, required=True)
    p.add_argument("--messages", type=int, required=True)
    p.add_argument("--decoder", choices=["fastavro", "registry"], required=True)
    a = p.parse_args()

    config = {"bootstrap.servers": a.brokers, "group.id": "bench-baseline", "enable.auto.commit": False,
              "auto.offset.reset": "earliest"}
    registry = SchemaRegistryClient({"url": a.registry})
    if a.decoder == "registry":
        consumer = DeserializingConsumer({**config, "value.deserializer": AvroDeserializer(registry)})
    else:
        consumer = Consumer(config)
    consumer.list_topics(a.topic, timeout=30)  # connected before the clock starts
    schemas = {}

    def decode(value):
        schema_id = struct.unpack(">I", value[1:5])[0]
        schema = schemas.get(schema_id)
        if schema is None:
            schema = schemas[schema_id] = fastavro.parse_schema(
                json.loads(registry.get_schema(schema_id).schema_str))
        return fastavro.schemaless_reader(io.BytesIO(value[5:]), schema)

    start = time.perf_counter()
    consumer.assign([TopicPartition(a.topic, p, 0) for p in range(a.partitions)])
    rows = []
    deadline = time.monotonic() + 600
    while len(rows) < a.messages and time.monotonic() < deadline:
        if a.decoder == "registry":
            m = consumer.poll(1.0)
            if m is None or m.error():
                continue
            record = m.value()
            record["_partition"] = m.partition()
            record["_offset"] = m.offset()
            rows.append(record)
        else:
            for m in consumer.consume(num_messages=10000, timeout=1.0):
                if m.error():
                    continue
                record = decode(m.value())
                record["_partition"] = m.partition()
                record["_offset"] = m.offset()
                rows.append(record)
    frame = pd.DataFrame(rows)
    seconds = time.perf_counter() - start
    consumer.close()
    print(json.dumps({"messages": len(frame), "seconds": seconds, "id_sum": int(frame["id"].sum())}))


if __name__ == "__main__":
    main()
