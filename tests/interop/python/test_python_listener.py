"""hangar.kafka.Listener (the Python package) against a real Kafka broker and Schema Registry.

Messages are produced by confluent-kafka with the registry's AvroSerializer
(kafka_producers.py); what the listener answers is compared with what
confluent-kafka's Consumer reads from the broker and fastavro decodes with
the writer schema the registry gives — row by row, every Avro type of
Hangar's Avro → Arrow mapping, two schema versions interleaved.
"""

import collections
import datetime
import decimal
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import fastavro
import pandas as pd
import pyarrow as pa
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient

import hangar
import hangar.kafka
from hangar_paths import PY_PACKAGE_DIR
from kafka_producers import AvroProducer, consume_all, create_topic

# Every Avro type of Hangar's mapping (src/avro/arrow_types.h) that fastavro decodes
# too (fastavro has no `duration` logical type, so the comparison leaves it out).
EVERY_TYPE_V1 = {
    "type": "record", "name": "Everything", "namespace": "hangar.test",
    "fields": [
        {"name": "flag", "type": "boolean"},
        {"name": "i32", "type": "int"},
        {"name": "i64", "type": "long"},
        {"name": "f32", "type": "float"},
        {"name": "f64", "type": "double"},
        {"name": "raw", "type": "bytes"},
        {"name": "text", "type": "string"},
        {"name": "maybe", "type": ["null", "string"], "default": None},
        {"name": "maybe_last", "type": ["long", "null"]},
        {"name": "either", "type": ["int", "string", "double"]},
        {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
            {"name": "a", "type": "int"}, {"name": "b", "type": ["null", "bytes"], "default": None}]}},
        {"name": "colour", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "items", "type": {"type": "array", "items": "long"}},
        {"name": "attrs", "type": {"type": "map", "values": "string"}},
        {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 3}},
        {"name": "price_fixed", "type": {"type": "fixed", "name": "Dec", "size": 8, "logicalType": "decimal",
                                         "precision": 16, "scale": 2}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "t_ms", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "t_us", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "local_ms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "local_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
    ],
}
EVERY_TYPE_V2 = {**EVERY_TYPE_V1, "fields": EVERY_TYPE_V1["fields"] + [
    {"name": "added", "type": "string", "default": "none"}]}

UTC = datetime.timezone.utc


def every_type(i, v2=False):
    base = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC) + datetime.timedelta(seconds=i)
    r = {
        "flag": i % 2 == 0, "i32": -i * 1000, "i64": i * 10**12, "f32": i / 4.0, "f64": i / 3.0,
        "raw": bytes([i % 256, 0, 255]), "text": f"text-{i}-é", "maybe": None if i % 3 else f"m{i}",
        "maybe_last": None if i % 4 == 0 else i, "either": [i, f"s{i}", i + 0.5][i % 3],
        "inner": {"a": i, "b": None if i % 2 else b"\x00b"}, "colour": ["RED", "GREEN", "BLUE"][i % 3],
        "items": list(range(i % 4)), "attrs": {f"k{j}": f"v{j}" for j in range(i % 3)},
        "hash": (i % 256).to_bytes(1, "big") * 4, "price": decimal.Decimal(i * 1001) / 1000,
        "price_fixed": decimal.Decimal(-i * 7) / 100, "id": str(uuid.UUID(int=i * 7919)),
        "day": datetime.date(2026, 1, 1) + datetime.timedelta(days=i),
        "t_ms": datetime.time(1, 2, 3, (i % 1000) * 1000), "t_us": datetime.time(4, 5, 6, i % 1000000),
        "ts_ms": base, "ts_us": base + datetime.timedelta(microseconds=i),
        "local_ms": base.replace(tzinfo=None), "local_us": base.replace(tzinfo=None) + datetime.timedelta(microseconds=3),
    }
    if v2:
        r["added"] = f"v2-{i}"
    return r


def _normalize(value):
    """fastavro's and pyarrow's Python values of the same Avro datum, made comparable."""
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def fastavro_rows(env, topic):
    """Every message of partition 0 as confluent-kafka reads it, its value decoded by fastavro with the
    writer schema the registry has for the message's schema id."""
    registry = SchemaRegistryClient({"url": env.registry})
    parsed = {}
    rows = []
    for m in consume_all(env.bootstrap, topic, 0):
        value = m["value"]
        schema_id = int.from_bytes(value[1:5], "big")
        if schema_id not in parsed:
            parsed[schema_id] = fastavro.parse_schema(json.loads(registry.get_schema(schema_id).schema_str))
        record = fastavro.schemaless_reader(io.BytesIO(value[5:]), parsed[schema_id], None)
        rows.append((schema_id, m, record))
    return rows


@pytest.fixture(scope="module")
def env(kafka_broker, schema_registry):
    class Env:
        bootstrap = kafka_broker.bootstrap
        registry = schema_registry.url

        def producer(self, topic, schema):
            return AvroProducer(self.bootstrap, self.registry, topic, schema)

        def listener(self, topics, **kwargs):
            return hangar.kafka.Listener(self.bootstrap, topics, schema_registry=self.registry, **kwargs)
    return Env()


def _poll_all(listener, expected_rows, num_messages=100000, max_time=2000, arrow=False):
    """Polls until `expected_rows` rows came; the (message_type, frame or batch) of every poll that had rows."""
    out, seen = [], 0
    deadline = time.monotonic() + 60
    while seen < expected_rows and time.monotonic() < deadline:
        if arrow:
            batch = listener.poll_arrow(num_messages, max_time)
            if batch is not None:
                out.append((batch.message_type, batch))
                seen += batch.num_rows
        else:
            message_type, frame = listener.poll(num_messages, max_time)
            if len(frame):
                out.append((message_type, frame))
                seen += len(frame)
    assert seen == expected_rows, f"{seen} rows of {expected_rows} within 60 s"
    return out


def test_pykafarr_readme_example_runs_against_the_broker(env, tmp_path):
    prices = create_topic(env.bootstrap, "GBPUSD_PRICE_TOPIC")
    trades = create_topic(env.bootstrap, "GBPUSD_TRADE_TOPIC")
    price_schema = {"type": "record", "name": "Price", "namespace": "fx",
                    "fields": [{"name": "bid", "type": "double"}, {"name": "ask", "type": "double"}]}
    trade_schema = {"type": "record", "name": "Trade", "namespace": "fx",
                    "fields": [{"name": "qty", "type": "long"}, {"name": "side", "type": "string"}]}
    p = env.producer(prices, price_schema)
    for i in range(5):
        p.produce({"bid": 1.25 + i / 100, "ask": 1.26 + i / 100})
    p.flush()
    t = env.producer(trades, trade_schema)
    for i in range(4):
        t.produce({"qty": 100 * (i + 1), "side": "BUY" if i % 2 else "SELL"})
    t.flush()

    # pykafarr's README example; only the import differs (and the addresses are this test's).
    example = textwrap.dedent(f"""\
        import hangar.kafka as pykafarr

        p = pykafarr.listener('{env.bootstrap}',
                              'client_group_id',
                              ['{prices}', '{trades}'],
                              '{env.registry}/')

        while -2 < -1:
            message_type, frame = p.poll(num_messages = 1000, max_time = 30000)
            # 1. message_type: name of the [fully-qualified avro] message schema
            # 2. frame: pandas data frame, one row per mesage, columns as defined in the message Avro schema
            print(message_type)
            print(frame)
        """)
    script = tmp_path / "example.py"
    script.write_text(example)
    proc = subprocess.Popen([sys.executable, "-u", str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "PYTHONPATH": str(PY_PACKAGE_DIR)})
    lines = []
    try:
        deadline = time.monotonic() + 60
        # The two frames, each announced by its message type, then the rows of both printed.
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            text = "\n".join(lines)
            if "fx.Price" in text and text.count("BUY") == 2 and text.count("SELL") == 2 and "1.29" in text:
                break
    finally:
        proc.kill()
        proc.wait()
    text = "\n".join(lines)
    assert "fx.Price" in text and "fx.Trade" in text, text
    # The frames as pandas prints them: typed columns, the metadata columns, every row.
    assert "bid" in text and "ask" in text and "_offset" in text and "qty" in text and "side" in text, text
    assert "1.29" in text and text.count("BUY") == 2 and text.count("SELL") == 2, text


def test_frames_equal_what_confluent_kafka_and_fastavro_decode(env):
    topic = create_topic(env.bootstrap, "every-type")
    v1 = env.producer(topic, EVERY_TYPE_V1)
    v2 = env.producer(topic, EVERY_TYPE_V2)
    # Two schema versions interleaved in runs: 30 of v1, 20 of v2, 25 of v1, 1 of v2, 24 of v1.
    runs = [(v1, 30, False), (v2, 20, True), (v1, 25, False), (v2, 1, True), (v1, 24, False)]
    i = 0
    for producer, n, is_v2 in runs:
        for _ in range(n):
            producer.produce(every_type(i, is_v2), key=f"key{i}".encode(), timestamp=1767000000000 + i)
            i += 1
        producer.flush()
    expected = fastavro_rows(env, topic)
    assert len(expected) == 100

    listener = env.listener(topic)
    polls = _poll_all(listener, 100, arrow=True)
    # One frame per run: a poll returns early when the schema changes, and frames are homogeneous.
    assert [(b.message_type, b.num_rows) for _, b in polls] == [("hangar.test.Everything", n) for _, n, _ in runs]
    assert [b.schema_id for _, b in polls] == [expected[0][0], expected[30][0], expected[0][0], expected[30][0],
                                               expected[0][0]]
    rows = []
    for _, b in polls:
        rows += pa.record_batch(b).to_pylist()
    for got, (schema_id, message, record) in zip(rows, expected):
        value = {k: v for k, v in got.items() if not k.startswith("_")}
        value["attrs"] = dict(value["attrs"])  # pyarrow gives a map as (key, value) pairs
        assert _normalize(value) == _normalize(record), f"offset {message['offset']}"
        assert got["_offset"] == message["offset"] and got["_partition"] == 0
        assert got["_key"] == message["key"]
        assert got["_timestamp"] == datetime.datetime.fromtimestamp(message["timestamp"][1] / 1000, UTC)

    # The pandas frames of poll(): the same values, typed columns.
    listener = env.listener(topic)
    frames = _poll_all(listener, 100)
    assert [(t, len(f)) for t, f in frames] == [("hangar.test.Everything", n) for _, n, _ in runs]
    first = frames[0][1]
    assert str(first["i64"].dtype) == "int64" and str(first["f64"].dtype) == "float64"
    assert str(first["flag"].dtype) == "bool" and str(first["_offset"].dtype) == "int64"
    assert str(first["_timestamp"].dtype) == "datetime64[ms, UTC]"
    # A union other than ["null", T] has no pandas dtype: its column holds the Python values.
    assert list(first["either"][:3]) == [0, "s1", 2.5] and first["either"].dtype == object
    assert "added" not in first.columns and "added" in frames[1][1].columns
    assert list(frames[1][1]["added"]) == [f"v2-{i}" for i in range(30, 50)]
    assert list(pd.concat([f for _, f in frames])["_offset"]) == list(range(100))


def test_poll_returns_early_on_a_schema_change_and_keeps_the_message(env):
    topic = create_topic(env.bootstrap, "schema-change")
    a = env.producer(topic, {"type": "record", "name": "A", "fields": [{"name": "x", "type": "int"}]})
    b = env.producer(topic, {"type": "record", "name": "B", "fields": [{"name": "y", "type": "string"}]})
    for i in range(3):
        a.produce({"x": i})
    a.flush()
    for i in range(2):
        b.produce({"y": f"b{i}"})
    b.flush()
    listener = env.listener(topic)
    frames = _poll_all(listener, 5)
    assert [(t, list(f.columns)[:1], len(f)) for t, f in frames] == [("A", ["x"], 3), ("B", ["y"], 2)]
    assert list(frames[1][1]["_offset"]) == [3, 4]


def test_num_messages_bounds_a_frame(env):
    topic = create_topic(env.bootstrap, "bounded")
    p = env.producer(topic, {"type": "record", "name": "N", "fields": [{"name": "n", "type": "long"}]})
    for i in range(250):
        p.produce({"n": i})
    p.flush()
    frames = _poll_all(env.listener(topic), 250, num_messages=100)
    assert [len(f) for _, f in frames] == [100, 100, 50]
    assert list(pd.concat([f for _, f in frames])["n"]) == list(range(250))


def test_poll_arrow_goes_to_pyarrow_polars_duckdb_and_pandas_without_copies(env):
    import duckdb
    import polars as pl

    topic = create_topic(env.bootstrap, "capsule")
    p = env.producer(topic, {"type": "record", "name": "Row", "fields": [
        {"name": "id", "type": "long"}, {"name": "score", "type": "double"}, {"name": "name", "type": "string"}]})
    for i in range(1000):
        p.produce({"id": i, "score": i / 2, "name": f"n{i}"})
    p.flush()
    listener = env.listener(topic)
    [(_, batch)] = _poll_all(listener, 1000, arrow=True)
    ids = batch._buffer_address(0, 1)
    scores = batch._buffer_address(1, 1)
    names = batch._buffer_address(2, 2)

    # pyarrow: the array interface, and the stream interface.
    rb = pa.record_batch(batch)
    assert rb.column(0).buffers()[1].address == ids
    assert rb.column(1).buffers()[1].address == scores
    assert rb.column(2).buffers()[2].address == names
    table = pa.RecordBatchReader.from_stream(batch).read_all()
    assert table.column("id").chunk(0).buffers()[1].address == ids
    assert table.column("id").to_pylist() == list(range(1000))

    # polars reads the capsule itself.
    df = pl.DataFrame(batch)
    assert df["id"].to_list() == list(range(1000))
    # Its memory, exported back to pyarrow (no copy either way), is Hangar's.
    back = df.to_arrow()
    assert back.column("id").chunk(0).buffers()[1].address == ids
    assert back.column("score").chunk(0).buffers()[1].address == scores

    # DuckDB scans the object in place (its replacement scan takes __arrow_c_stream__).
    con = duckdb.connect()
    assert con.sql("SELECT sum(id), max(name), count(*) FROM batch").fetchall() == [(499500, "n999", 1000)]

    # pandas: a frame over the same memory (a numpy view of the Arrow buffer), as poll() makes it.
    frame = hangar.kafka._to_pandas(pa.record_batch(batch))
    assert frame["id"].to_numpy().__array_interface__["data"][0] == ids
    assert list(frame["name"][:2]) == ["n0", "n1"]

    # The batch's buffers outlive the listener: the capsules hold them.
    del listener
    assert rb.column(0).to_pylist()[-1] == 999


def test_group_membership_and_committed_offsets(env):
    topic = create_topic(env.bootstrap, "grouped", partitions=2)
    p = env.producer(topic, {"type": "record", "name": "G", "fields": [{"name": "n", "type": "long"}]})
    for i in range(40):
        p.produce({"n": i}, partition=i % 2)
    p.flush()
    group = f"hangar-test-{topic}"
    first = env.listener(topic, group_id=group)
    seen = []
    deadline = time.monotonic() + 60
    while len(seen) < 20 and time.monotonic() < deadline:
        _, frame = first.poll(20 - len(seen), 1000)
        seen += list(frame["n"]) if len(frame) else []
    assert len(seen) == 20
    del first  # leaves the group, committing what its polls returned
    second = env.listener(topic, group_id=group)
    rest = []
    while len(rest) < 20 and time.monotonic() < deadline:
        _, frame = second.poll(100, 1000)
        rest += list(frame["n"]) if len(frame) else []
    # Nothing twice, nothing lost: the second member starts at the committed offsets.
    assert sorted(seen + rest) == list(range(40))
    _, frame = second.poll(100, 500)
    assert len(frame) == 0


def test_a_rebalance_delivers_every_message_at_least_once(env):
    """Two listeners of one group: when the second joins, the group takes partitions away from the first,
    which may still return messages of them it had read (Kafka's at-least-once delivery, docs/python.md).
    Every message comes at least once, and the group's committed offsets never go backwards."""
    partitions, messages = 4, 400
    topic = create_topic(env.bootstrap, "rebalanced", partitions=partitions)
    p = env.producer(topic, {"type": "record", "name": "R", "fields": [{"name": "n", "type": "long"}]})
    for i in range(messages):
        p.produce({"n": i}, partition=i % partitions)
    p.flush()
    group = f"hangar-test-{topic}"
    watcher = Consumer({"bootstrap.servers": env.bootstrap, "group.id": group, "enable.auto.commit": False})
    committed = {}
    history = []

    def check_committed():
        for tp in watcher.committed([TopicPartition(topic, q) for q in range(partitions)], timeout=10):
            if tp.offset < 0:
                continue  # nothing committed yet
            assert tp.offset >= committed.get(tp.partition, 0), (tp.partition, tp.offset, history)
            committed[tp.partition] = tp.offset
            history.append((tp.partition, tp.offset))

    seen = collections.Counter()
    by_listener = collections.Counter()

    def poll(name, listener, num_messages, max_time):
        _, frame = listener.poll(num_messages, max_time)
        if len(frame):
            seen.update(int(n) for n in frame["n"])
            by_listener[name] += len(frame)

    # Commits every 100 ms instead of 5 s, so that the test sees many of them.
    first = env.listener(topic, group_id=group, auto_commit_interval_ms=100)
    deadline = time.monotonic() + 90
    while sum(seen.values()) < 40 and time.monotonic() < deadline:
        poll("first", first, 10, 1000)
        check_committed()
    assert sum(seen.values()) >= 40, "the first member read nothing within 90 s"
    # The second member joins: the group rebalances while the first holds every partition and
    # has messages read from them that no poll returned yet.
    second = env.listener(topic, group_id=group, auto_commit_interval_ms=100)
    while (len(seen) < messages or by_listener["second"] == 0) and time.monotonic() < deadline:
        poll("first", first, 5, 100)
        poll("second", second, 50, 100)
        check_committed()
    assert by_listener["second"] > 0, "the second member was given no partition within 90 s"
    assert set(seen) == set(range(messages)), f"missing: {sorted(set(range(messages)) - set(seen))[:20]}"
    del first, second  # both leave the group, committing what their polls returned
    check_committed()
    assert all(0 <= offset <= messages // partitions for offset in committed.values()), committed
    watcher.close()


def test_start_offsets_and_timestamp_ranges(env):
    topic = create_topic(env.bootstrap, "ranges")
    p = env.producer(topic, {"type": "record", "name": "R", "fields": [{"name": "n", "type": "long"}]})
    for i in range(50):
        p.produce({"n": i}, timestamp=1767000000000 + 1000 * i)
    p.flush()
    frames = _poll_all(env.listener(topic, start=20), 30)
    assert list(pd.concat([f for _, f in frames])["n"]) == list(range(20, 50))
    frames = _poll_all(env.listener(topic, start_timestamp=1767000000000 + 10000,
                                    end_timestamp=1767000000000 + 15000), 5)
    assert list(pd.concat([f for _, f in frames])["n"]) == [10, 11, 12, 13, 14]
    latest = env.listener(topic, start="latest")
    _, frame = latest.poll(100, 500)
    assert len(frame) == 0
    p.produce({"n": 50})
    p.flush()
    frames = _poll_all(latest, 1)
    assert list(frames[0][1]["n"]) == [50]


def test_the_schemas_topic_as_registry_and_raw_values(env, schemas_topic_registry):
    topic = create_topic(env.bootstrap, "via-topic")
    # Through the registry that writes `_schemas` (Apicurio keeps no such topic).
    p = AvroProducer(env.bootstrap, schemas_topic_registry.url, topic,
                     {"type": "record", "name": "T", "fields": [{"name": "n", "type": "long"}]})
    for i in range(10):
        p.produce({"n": i}, key=b"k")
    p.flush()
    listener = hangar.kafka.Listener(env.bootstrap, topic, schema_registry="kafka:_schemas")
    [(message_type, frame)] = _poll_all(listener, 10)
    assert message_type == "T" and list(frame["n"]) == list(range(10))

    raw = hangar.kafka.Listener(env.bootstrap, [topic], metadata=["_offset"])
    [(message_type, frame)] = _poll_all(raw, 10)
    assert message_type is None and list(frame.columns) == ["_value", "_offset"]
    assert frame["_value"][0] == p.value({"n": 0})


def test_errors_are_hangar_errors_with_hangar_messages(env):
    with pytest.raises(hangar.HangarError, match="no-such-topic"):
        env.listener("no-such-topic-at-all")
    with pytest.raises(hangar.HangarError, match="schema_registry 'ftp://x'"):
        hangar.kafka.Listener(env.bootstrap, "t", schema_registry="ftp://x")
    with pytest.raises(hangar.HangarError, match="Kafka property 'no.such.property'"):
        hangar.kafka.Listener(env.bootstrap, "t", no_such_property="1")
    with pytest.raises(hangar.HangarError, match="unknown metadata column '_nope'"):
        env.listener("t", metadata=["_nope"])

    topic = create_topic(env.bootstrap, "malformed")
    p = env.producer(topic, {"type": "record", "name": "M", "fields": [{"name": "n", "type": "long"}]})
    p.produce({"n": 1})
    p.produce(None, raw_value=b"not confluent framed")
    p.produce({"n": 3})
    p.flush()
    listener = env.listener(topic)
    with pytest.raises(hangar.HangarError, match=f"Kafka topic '{topic}' partition 0 offset 1: the value is not in "
                                                 "the Confluent wire format"):
        for _ in range(20):
            listener.poll(10, 1000)
    with pytest.raises(hangar.HangarError, match="must be positive"):
        listener.poll(0, 10)
    # The good messages around the bad one are not lost.
    frames = _poll_all(listener, 2)
    assert list(pd.concat([f for _, f in frames])["n"]) == [1, 3]


def test_the_gil_is_released_while_a_poll_waits(env):
    topic = create_topic(env.bootstrap, "quiet")
    listener = hangar.kafka.Listener(env.bootstrap, topic)
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    thread = threading.Thread(target=tick)
    ticks_before = len(ticks)
    thread.start()
    try:
        assert listener.poll_arrow(10, 1500) is None
    finally:
        stop.set()
        thread.join()
    assert len(ticks) > ticks_before + 1


def test_ctrl_c_interrupts_a_poll(env, tmp_path):
    topic = create_topic(env.bootstrap, "interrupted")
    script = tmp_path / "poll.py"
    script.write_text(textwrap.dedent(f"""\
        import hangar.kafka
        listener = hangar.kafka.Listener({env.bootstrap!r}, {topic!r})
        try:
            print("polling", flush=True)
            listener.poll(10, 600000)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(PY_PACKAGE_DIR)})
    try:
        assert proc.stdout.readline().strip() == "polling"
        time.sleep(0.5)  # into the poll's wait
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"the process did not end within 60 s of SIGINT; it printed {out!r}, stderr {err[-3000:]!r}")
    finally:
        proc.kill()
    assert out.strip() == "interrupted", err
    assert proc.returncode == 0, err
