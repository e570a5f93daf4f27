#!/usr/bin/python3
"""The baseline data engineers have today, for bench_topics: confluent_kafka
consumes a topic, the Avro project's Python library decodes each Confluent-
framed value, and the records become a pandas DataFrame. Prints one JSON line:
{"messages": n, "seconds": s}."""
import argparse
import io
import json
import time

import avro.io
import avro.schema
import pandas as pd
from confluent_kafka import Consumer, TopicPartition


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--partitions", type=int, required=True)
    p.add_argument("--messages", type=int, required=True)
    p.add_argument("--schema-file", required=True)
    a = p.parse_args()
    with open(a.schema_file) as f:
        schema = avro.schema.parse(f.read())
    reader = avro.io.DatumReader(schema)
    consumer = Consumer({"bootstrap.servers": a.brokers, "group.id": "bench-baseline",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    start = time.perf_counter()
    consumer.assign([TopicPartition(a.topic, p, 0) for p in range(a.partitions)])
    rows = []
    while len(rows) < a.messages:
        for m in consumer.consume(num_messages=10000, timeout=1.0):
            if m.error():
                continue
            record = reader.read(avro.io.BinaryDecoder(io.BytesIO(m.value()[5:])))
            record["_partition"] = m.partition()
            record["_offset"] = m.offset()
            rows.append(record)
    frame = pd.DataFrame(rows[:a.messages])
    seconds = time.perf_counter() - start
    consumer.close()
    print(json.dumps({"messages": len(frame), "seconds": seconds}))


if __name__ == "__main__":
    main()
