"""bench listener: hangar.kafka.Listener (the Python package) against the ways
Python reads an Avro topic today and against a consumer that only consumes,
on a real Kafka broker (tests/support/kafka_broker.py) with the Confluent-API
registry, every figure measured in the same run, the readers taking turns
within each repetition.

1. pykafarr's headline shape: 100,000 small Avro messages (one partition) read
   from the broker, decoded and packaged into a pandas DataFrame. The broker
   already holds the messages (produced before any clock starts).
   - poll: the listener is made outside the clock (connection, metadata,
     registry client); the clock runs from the call to poll() until the
     DataFrame is in hand. The partition starts fetching when the listener is
     made, just before the clock starts, so the fetch from the broker is inside.
     Target: <= 25 ms, and >= 20x the fastavro baseline.
   - open + poll: the same with Listener(...) inside the clock.
   - prefetched poll: the listener made, then 1 s for librdkafka to fetch every
     message into its queue, then the clock: decoding, Arrow and pandas only.
   - raw consumer (bench/listener_raw_consumer.cc, C++): the listener's own
     librdkafka settings and steps, counting messages and bytes, no decoding.
     Its read time (from the partitions' start to the last message) is the
     broker-and-librdkafka floor under `poll`.
   - confluent-kafka + fastavro + pandas (bench/topics_baseline.py --decoder
     fastavro): made and connected outside the clock, which runs from assign()
     until the DataFrame holds every message.
2. 1,000,000 messages into Arrow: Listener(...) made and poll_arrow() until
   every row is in a batch, against the raw consumer reading them (its open
   and read both inside, as the listener's are). Target: >= 0.8x its rate.
   kcat (C, librdkafka; process start included, offsets printed to /dev/null)
   is a second reference.

Prints min and median of --reps runs, each figure against its target, and
one JSON line. Needs `make build` (build/python), the target
listener_raw_consumer (bench/listener.sh builds it) and scripts/setup.sh
(third_party/venv, kcat, Kafka).
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
# HANGAR_PYTHON_DIR: another build's package (an earlier commit's, to compare).
sys.path.insert(0, os.environ.get("HANGAR_PYTHON_DIR")
                or str(Path(os.environ.get("HANGAR_BIN_DIR") or ROOT / "build" / "bin").parent / "python"))

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


BIN_DIR = Path(os.environ.get("HANGAR_BIN_DIR") or ROOT / "build" / "bin")


def check_frame(frame, messages):
    assert len(frame) == messages and int(frame["id"].sum()) == messages * (messages - 1) // 2, len(frame)


def open_listener(bootstrap, registry, topic):
    return hangar.kafka.Listener(bootstrap, topic, schema_registry=registry)


def hangar_poll(bootstrap, registry, topic, messages):
    """From the call to poll() to the DataFrame; the listener made just before, outside the clock."""
    listener = open_listener(bootstrap, registry, topic)
    start = time.perf_counter()
    _, frame = listener.poll(messages, 30000)
    seconds = time.perf_counter() - start
    check_frame(frame, messages)
    return seconds


def hangar_open_poll(bootstrap, registry, topic, messages):
    """From before Listener(...) to the DataFrame."""
    start = time.perf_counter()
    listener = open_listener(bootstrap, registry, topic)
    _, frame = listener.poll(messages, 30000)
    seconds = time.perf_counter() - start
    check_frame(frame, messages)
    return seconds


def hangar_prefetched(bootstrap, registry, topic, messages):
    """poll() of messages librdkafka already fetched: decoding, Arrow and pandas, no broker."""
    listener = open_listener(bootstrap, registry, topic)
    time.sleep(1.0)
    start = time.perf_counter()
    _, frame = listener.poll(messages, 30000)
    seconds = time.perf_counter() - start
    check_frame(frame, messages)
    return seconds


def hangar_arrow(bootstrap, registry, topic, messages):
    start = time.perf_counter()
    listener = open_listener(bootstrap, registry, topic)
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


def raw_consumer(bootstrap, topic, messages):
    """The listener's consumption alone: {"open_s", "read_s", "bytes"} (process start excluded)."""
    done = subprocess.run([str(BIN_DIR / "listener_raw_consumer"), bootstrap, topic, str(messages)],
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["messages"] == messages, result
    return result


def raw_kcat(bootstrap, topic, messages):
    start = time.perf_counter()
    done = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q",
                           "-X", "queued.min.messages=1000000", "-f", "%o\n"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    seconds = time.perf_counter() - start
    last = done.stdout.rsplit(b"\n", 2)[-2]
    assert int(last) == messages - 1, last
    return seconds


def measure(reps, small, large, bs, url):
    """Every reader once per repetition, in turn, so that the machine's load falls on all alike."""
    runs = {k: [] for k in ("poll", "open_poll", "prefetched", "raw_small_read", "raw_small_open", "fastavro",
                            "arrow", "raw_large", "kcat")}
    for _ in range(reps):
        runs["poll"].append(hangar_poll(bs, url, small[0], small[1]))
        runs["open_poll"].append(hangar_open_poll(bs, url, small[0], small[1]))
        runs["prefetched"].append(hangar_prefetched(bs, url, small[0], small[1]))
        raw = raw_consumer(bs, small[0], small[1])
        runs["raw_small_read"].append(raw["read_s"])
        runs["raw_small_open"].append(raw["open_s"])
        runs["fastavro"].append(baseline_fastavro(bs, url, small[0], small[1]))
        runs["arrow"].append(hangar_arrow(bs, url, large[0], large[1]))
        raw = raw_consumer(bs, large[0], large[1])
        runs["raw_large"].append(raw["open_s"] + raw["read_s"])
        runs["kcat"].append(raw_kcat(bs, large[0], large[1]))
    return runs


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
            hangar_open_poll(bs, url, small, a.small)  # also imports pandas and pyarrow, untimed
            baseline_fastavro(bs, url, small, a.small)
            raw_consumer(bs, large, a.large)
            runs = measure(a.reps, (small, a.small), (large, a.large), bs, url)
        finally:
            registry.stop()
            broker.stop()
    lo = {k: min(v) for k, v in runs.items()}
    med = {k: statistics.median(v) for k, v in runs.items()}

    def ms(k):
        return f"{lo[k] * 1000:9.1f} {med[k] * 1000:9.1f} ms"

    def rate(k):
        return f"{a.large / lo[k] / 1e6:9.2f} {a.large / med[k] / 1e6:9.2f} M msg/s"

    speedup = (lo["fastavro"] / lo["poll"], med["fastavro"] / med["poll"])
    rate_ratio = (lo["raw_large"] / lo["arrow"], med["raw_large"] / med["arrow"])
    kcat_ratio = med["kcat"] / med["arrow"]
    load = os.getloadavg()
    print(f"{a.small:,} small Avro messages into pandas, the broker holding them ({a.reps} reps; load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}):")
    print(f"{'':44s}{'best':>9s} {'median':>9s}")
    print(f"  Listener.poll (listener made before)      {ms('poll')}   target <= 25 ms: "
          f"{'met' if med['poll'] <= 0.025 else 'not met'}")
    print(f"  Listener(...) + poll                      {ms('open_poll')}")
    print(f"  Listener.poll, messages prefetched        {ms('prefetched')}   (no broker in the clock)")
    print(f"  raw consumer, 100k read (the floor)       {ms('raw_small_read')}   (its open: "
          f"{med['raw_small_open'] * 1000:.1f} ms)")
    print(f"  confluent-kafka + fastavro + pandas       {ms('fastavro')}")
    print(f"  speed-up over fastavro                    {speedup[0]:9.1f} {speedup[1]:9.1f} x    target >= 20x: "
          f"{'met' if speedup[1] >= 20 else 'not met'}")
    print(f"{a.large:,} messages into Arrow (open included):")
    print(f"  Listener(...) + poll_arrow                {rate('arrow')}")
    print(f"  raw consumer (same settings, no decoding) {rate('raw_large')}")
    print(f"  ratio                                     {rate_ratio[0]:9.2f} {rate_ratio[1]:9.2f} x    "
          f"target >= 0.8x: {'met' if rate_ratio[1] >= 0.8 else 'not met'}")
    print(f"  kcat (process start included)             {rate('kcat')}   (ratio {kcat_ratio:.2f}x)")
    print(json.dumps({"median": med, "min": lo, "speedup_vs_fastavro": speedup[1], "arrow_vs_raw": rate_ratio[1],
                      "arrow_vs_kcat": kcat_ratio, "load": load, "runs": runs}))


if __name__ == "__main__":
    main()
