"""bench listener: hangar.kafka.Listener (the Python package) against the ways
Python reads an Avro topic today, on a real Kafka broker (tests/support/kafka_broker.py)
with the Confluent-API registry, every baseline measured in the same run.

1. pykafarr's headline shape: 100,000 small Avro messages (one partition) read,
   decoded and packaged into a pandas DataFrame. Hangar: Listener(...) made and
   poll() until the frame holds all of them; the clock runs from before the
   listener is made (connecting and fetching are in). Baseline: confluent-kafka's
   Consumer + fastavro + pandas (bench/topics_baseline.py --decoder fastavro:
   its clock runs from assign()). Targets: Hangar <= 25 ms, >= 20x the baseline.
2. 1,000,000 messages into Arrow: Listener.poll_arrow until every row is in
   a batch, against a raw librdkafka consumer that decodes nothing: kcat (C,
   librdkafka) reading the partition to its end, printing offsets to
   /dev/null. Target: Hangar's rate >= 0.8x kcat's.

Medians of --reps runs; prints a table and one JSON line. Needs `make build`
(build/python) and scripts/setup.sh (third_party/venv, kcat, Kafka).
"""

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(Path(os.environ.get("HANGAR_BIN_DIR") or ROOT / "build" / "bin").parent / "python"))

import hangar.kafka  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient  # noqa: E402
from kafka_broker import KafkaBroker  # noqa: E402
from schema_registry import SchemaRegistryServer  # noqa: E402

# A small message: five fields, about 30 bytes of Avro.
TICK = {"type": "record", "name": "Tick", "namespace": "bench", "fields": [
    {"name": "id", "type": "long"}, {"name": "bid", "type": "double"}, {"name": "ask", "type": "double"},
    {"name": "qty", "type": "int"}, {"name": "sym", "type": "string"}]}
SYMBOLS = [s.encode() for s in ("GBPUSD", "EURUSD", "USDJPY", "AUDUSD")]


def _long(n):
    # Avro's zig-zag varint, written here so that producing a million values is quick.
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def tick(schema_id, i):
    sym = SYMBOLS[i % len(SYMBOLS)]
    return (b"\x00" + struct.pack(">I", schema_id) + _long(i) + struct.pack("<dd", 1.25 + i * 1e-6, 1.26 + i * 1e-6)
            + _long(i % 1000) + _long(len(sym)) + sym)


def make_topic(bootstrap, registry_url, name, messages):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    schema_id = SchemaRegistryClient({"url": registry_url}).register_schema(
        f"{name}-value", Schema(json.dumps(TICK), "AVRO"))
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "batch.size": 1 << 20,
                         "compression.type": "none", "queue.buffering.max.messages": 2000000})
    for i in range(messages):
        while True:
            try:
                producer.produce(name, tick(schema_id, i))
                break
            except BufferError:
                producer.poll(0.05)
        if i % 100000 == 0:
            producer.poll(0)
    assert producer.flush(120) == 0
    return name


def hangar_pandas(bootstrap, registry, topic, messages):
    start = time.perf_counter()
    listener = hangar.kafka.Listener(bootstrap, topic, schema_registry=registry)
    _, frame = listener.poll(messages, 30000)
    seconds = time.perf_counter() - start
    assert len(frame) == messages and int(frame["id"].sum()) == messages * (messages - 1) // 2, len(frame)
    return seconds


def hangar_arrow(bootstrap, registry, topic, messages):
    start = time.perf_counter()
    listener = hangar.kafka.Listener(bootstrap, topic, schema_registry=registry)
    rows = 0
    batches = []
    while rows < messages:
        batch = listener.poll_arrow(messages - rows, 30000)
        assert batch is not None, f"{rows} of {messages} rows within 30 s"
        rows += batch.num_rows
        batches.append(batch)
    return time.perf_counter() - start


def baseline_fastavro(bootstrap, registry, topic, messages):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "topics_baseline.py"), "--brokers", bootstrap,
                           "--registry", registry, "--topic", topic, "--partitions", "1", "--messages",
                           str(messages), "--decoder", "fastavro"], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["messages"] == messages and result["id_sum"] == messages * (messages - 1) // 2, result
    return result["seconds"]


def raw_kcat(bootstrap, topic, messages):
    start = time.perf_counter()
    done = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q",
                           "-X", "queued.min.messages=1000000", "-f", "%o\n"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    seconds = time.perf_counter() - start
    last = done.stdout.rsplit(b"\n", 2)[-2]
    assert int(last) == messages - 1, last
    return seconds


def median_of(reps, fn, *args):
    return statistics.median(fn(*args) for _ in range(reps))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--small", type=int, default=100000)
    p.add_argument("--large", type=int, default=1000000)
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-listener-") as work:
        broker = KafkaBroker(Path(work) / "broker", heap="1g", quick_jit=False)
        broker.start()
        registry = SchemaRegistryServer(broker.bootstrap).start()
        try:
            bs, url = broker.bootstrap, registry.url
            small = make_topic(bs, url, "ticks-small", a.small)
            large = make_topic(bs, url, "ticks-large", a.large)
            # One untimed read of each warms the broker's page cache and JIT alike for every reader.
            hangar_arrow(bs, url, large, a.large)
            hangar_pandas(bs, url, small, a.small)  # also imports pandas and pyarrow, untimed
            baseline_fastavro(bs, url, small, a.small)
            results = {
                "hangar_pandas_s": median_of(a.reps, hangar_pandas, bs, url, small, a.small),
                "fastavro_pandas_s": median_of(max(1, a.reps // 2), baseline_fastavro, bs, url, small, a.small),
                "hangar_arrow_s": median_of(a.reps, hangar_arrow, bs, url, large, a.large),
                "kcat_raw_s": median_of(a.reps, raw_kcat, bs, large, a.large),
            }
        finally:
            registry.stop()
            broker.stop()
    r = results
    speedup = r["fastavro_pandas_s"] / r["hangar_pandas_s"]
    rate_ratio = r["kcat_raw_s"] / r["hangar_arrow_s"]
    print(f"{a.small:,} small Avro messages into pandas (median of {a.reps}):")
    print(f"  hangar.kafka.Listener.poll            {r['hangar_pandas_s'] * 1000:9.1f} ms   (target <= 25 ms)")
    print(f"  confluent-kafka + fastavro + pandas   {r['fastavro_pandas_s'] * 1000:9.1f} ms")
    print(f"  speed-up                              {speedup:9.1f}x   (target >= 20x)")
    print(f"{a.large:,} messages into Arrow:")
    print(f"  hangar.kafka.Listener.poll_arrow      {a.large / r['hangar_arrow_s'] / 1e6:9.2f} M msg/s")
    print(f"  kcat (raw librdkafka, no decoding)    {a.large / r['kcat_raw_s'] / 1e6:9.2f} M msg/s")
    print(f"  ratio                                 {rate_ratio:9.2f}x   (target >= 0.8x)")
    print(json.dumps({**r, "speedup_vs_fastavro": speedup, "arrow_vs_raw": rate_ratio}))


if __name__ == "__main__":
    main()
