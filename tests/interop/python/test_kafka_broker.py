"""Topics on a real Apache Kafka broker, produced by confluent-kafka, read and written through Hangar.

The broker is Apache Kafka 4 in KRaft mode (tests/support/kafka_broker.py),
the registry (Apicurio Registry, tests/support/schema_registry.py) speaks Confluent's REST API,
and every message is produced by confluent-kafka's Producer with the
registry's AvroSerializer. Hangar (`hangar serve --kafka-brokers HOST:PORT
--schema-registry URL`) is read with pyarrow.flight, and what it serves is
compared with what confluent-kafka's own Consumer and AvroDeserializer read
from the broker. The broker shows what librdkafka's mock cluster cannot:
compaction (offset gaps), transaction markers and aborted transactions,
LogAppendTime timestamps.
"""

import json
import threading
import time

import pyarrow as pa
import pyarrow.flight as fl
import pytest
from confluent_kafka import Producer

import hangar_flight
from kafka_producers import AvroProducer, consume_all, create_topic, read_ticket, read_topic

ORDER_SCHEMA = {
    "type": "record", "name": "Order", "namespace": "shop",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "customer", "type": "string"},
        {"name": "amount", "type": "double"},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
}
ORDER_SCHEMA_V2 = {**ORDER_SCHEMA, "fields": ORDER_SCHEMA["fields"] + [
    {"name": "priority", "type": "int", "default": 3}]}


def order(i):
    return {"id": i, "customer": f"c{i % 7}", "amount": i * 1.25, "note": None if i % 3 else f"n{i}"}


@pytest.fixture(scope="module")
def hangar_kafka_real(hangar_factory, kafka_broker, schema_registry):
    """`hangar serve` on the real broker, its schemas from the REST registry."""
    return hangar_factory("real-kafka", args=["--kafka-brokers", kafka_broker.bootstrap,
                                              "--schema-registry", schema_registry.url])


@pytest.fixture(scope="module")
def env(kafka_broker, schema_registry, schemas_topic_registry, hangar_kafka_real):
    # schemas_topic_registry before hangar_kafka_real: set up before the module's
    # servers, it stops after them (their end-of-module check asks it).
    class Env:
        bootstrap = kafka_broker.bootstrap
        registry = schema_registry.url
        server = hangar_kafka_real
        client = hangar_kafka_real.client()

        def producer(self, topic, schema=ORDER_SCHEMA, **config):
            return AvroProducer(self.bootstrap, self.registry, topic, schema, config)
    return Env()


def _orders_topic(env, partitions, per_partition):
    topic = create_topic(env.bootstrap, "orders", partitions)
    p = env.producer(topic)
    for i in range(partitions * per_partition):
        p.produce(order(i), key=f"k{i}".encode(), partition=i % partitions)
    p.flush()
    return topic


def test_every_partition_matches_what_confluent_kafka_reads(env):
    topic = _orders_topic(env, 3, 400)
    info, table = read_topic(env.client, fl.FlightDescriptor.for_path("kafka", topic))
    assert len(info.endpoints) == 3
    assert info.total_records == 1200
    assert [f.name for f in info.schema] == ["id", "customer", "amount", "note", "_partition", "_offset",
                                             "_timestamp", "_key"]
    assert info.schema.field("id").type == pa.int64() and info.schema.field("note").nullable
    for partition in range(3):
        expected = consume_all(env.bootstrap, topic, partition, env.registry)
        rows = table.filter(pa.compute.equal(table.column("_partition"), partition)).to_pylist()
        assert len(rows) == len(expected) == 400
        for row, msg in zip(rows, expected):
            assert {k: row[k] for k in ("id", "customer", "amount", "note")} == msg["value"]
            assert row["_offset"] == msg["offset"]
            assert row["_key"] == msg["key"]
            assert int(row["_timestamp"].timestamp() * 1000) == msg["timestamp"][1]


def test_both_registry_paths_read_the_same_rows(env, hangar_factory, kafka_broker, schemas_topic_registry):
    """A registry writing `_schemas` as Confluent's does: Hangar reading that topic sees the same schemas.

    Apicurio Registry keeps no `_schemas` topic: this test produces through the
    project's own registry (tests/support/schema_registry.py), which does.
    """
    registry = schemas_topic_registry
    topic = create_topic(env.bootstrap, "orders-schemas-topic", 2)
    p = AvroProducer(env.bootstrap, registry.url, topic, ORDER_SCHEMA)
    for i in range(100):
        p.produce(order(i), key=f"k{i}".encode(), partition=i % 2)
    p.flush()
    via_rest = hangar_factory("real-kafka-own-registry", args=["--kafka-brokers", kafka_broker.bootstrap,
                                                               "--schema-registry", registry.url])
    _, rest_table = read_topic(via_rest.client(), fl.FlightDescriptor.for_path("kafka", topic))
    via_topic = hangar_factory("real-kafka-schemas-topic", args=["--kafka-brokers", kafka_broker.bootstrap])
    _, topic_table = read_topic(via_topic.client(), fl.FlightDescriptor.for_path("kafka", topic))
    assert rest_table.num_rows == 100
    assert topic_table.equals(rest_table)


def test_offset_and_timestamp_ranges(env):
    topic = create_topic(env.bootstrap, "ranges", 1)
    p = env.producer(topic)
    base = 1_700_000_000_000
    for i in range(100):
        p.produce(order(i), partition=0, timestamp=base + i * 1000)
    p.flush()
    by_offset, trailer = read_ticket(env.client, {"topic": topic, "partition": 0, "start_offset": 10,
                                                  "end_offset": 25})
    assert by_offset.column("id").to_pylist() == list(range(10, 25))
    assert trailer["next_offset"] == 25 and trailer["records"] == 15
    by_time, _ = read_ticket(env.client, {"topic": topic, "partition": 0, "start_timestamp": base + 40_000,
                                          "end_timestamp": "2023-11-14T22:14:10Z"})
    # 2023-11-14T22:14:10Z is base + 50 s: offsets 40..49 (the broker's time index narrows the start).
    assert by_time.column("id").to_pylist() == list(range(40, 50))
    limited, _ = read_ticket(env.client, {"topic": topic, "partition": 0, "start_offset": 90, "max_records": 4})
    assert limited.column("_offset").to_pylist() == [90, 91, 92, 93]


def test_metadata_columns_chosen_by_the_ticket(env):
    topic = _orders_topic(env, 1, 5)
    table, _ = read_ticket(env.client, {"topic": topic, "partition": 0, "metadata": ["_offset", "_key"]})
    assert table.column_names == ["id", "customer", "amount", "note", "_offset", "_key"]
    assert table.column("_key").to_pylist() == [f"k{i}".encode() for i in range(5)]
    bare, _ = read_ticket(env.client, {"topic": topic, "partition": 0, "metadata": False})
    assert bare.column_names == ["id", "customer", "amount", "note"]


def test_schema_evolution_across_writer_versions(env):
    topic = create_topic(env.bootstrap, "evolving", 1)
    v1 = env.producer(topic)
    for i in range(3):
        v1.produce(order(i), partition=0)
    v1.flush()
    v2 = env.producer(topic, ORDER_SCHEMA_V2)
    for i in range(3, 6):
        v2.produce({**order(i), "priority": i}, partition=0)
    v2.flush()
    latest, _ = read_ticket(env.client, {"topic": topic, "partition": 0})
    assert latest.column("priority").to_pylist() == [3, 3, 3, 3, 4, 5]  # v1 rows get the default
    assert latest.column("id").to_pylist() == list(range(6))
    assert latest.schema.metadata[b"kafka.schema.version"] == b"2"
    first, _ = read_ticket(env.client, {"topic": topic, "partition": 0, "schema_version": 1})
    assert "priority" not in first.column_names and first.column("id").to_pylist() == list(range(6))


def test_undecodable_records_fail_by_default_and_are_counted_when_skipped(env):
    topic = create_topic(env.bootstrap, "broken", 1)
    p = env.producer(topic)
    p.produce(order(0), partition=0)
    p.produce(None, partition=0, raw_value=b"plain text, no Confluent framing")
    p.produce(order(2), partition=0)
    p.flush()
    with pytest.raises(fl.FlightError) as failure:
        read_ticket(env.client, {"topic": topic, "partition": 0})
    code, message = hangar_flight.grpc_failure(failure.value)
    assert code == "DATA_LOSS", message
    assert topic in message and "partition 0" in message and "offset 1" in message, message
    table, trailer = read_ticket(env.client, {"topic": topic, "partition": 0, "skip_errors": True})
    assert table.column("id").to_pylist() == [0, 2]
    assert trailer["skipped"] == 1 and trailer["records"] == 2


def test_doput_offsets_are_the_brokers(env):
    topic = create_topic(env.bootstrap, "written", 2)
    # Hangar registers the schema it derives; confluent-kafka then reads the rows back.
    rows = pa.table({"id": pa.array(range(20), pa.int64()), "customer": [f"w{i}" for i in range(20)],
                     "_key": [f"key{i % 4}".encode() for i in range(20)]})
    writer, reader = env.client.do_put(fl.FlightDescriptor.for_path("kafka", topic), rows.schema)
    writer.write_table(rows)
    writer.done_writing()
    acks = []
    while True:
        buf = reader.read()
        if buf is None:
            break
        acks.append(json.loads(buf.to_pybytes()))
    writer.close()
    assert sum(a["rows"] for a in acks) == 20
    placed = {}
    for ack in acks:
        for part in ack["partitions"]:
            placed.setdefault(part["partition"], []).append(part)
    total = 0
    for partition, parts in placed.items():
        messages = consume_all(env.bootstrap, topic, partition, env.registry)
        offsets = [m["offset"] for m in messages]
        for part in parts:
            span = list(range(part["first_offset"], part["last_offset"] + 1))
            assert set(span) <= set(offsets), (part, offsets)
            total += part["messages"]
        for m in messages:
            assert m["value"]["customer"] == f"w{m['value']['id']}"
            assert m["key"] == f"key{m['value']['id'] % 4}".encode()
    assert total == 20


def test_live_tail_streams_messages_produced_after_it_started(env):
    topic = create_topic(env.bootstrap, "tail", 1)
    p = env.producer(topic)
    p.produce(order(0), partition=0)
    p.flush()
    seen, done = [], threading.Event()
    reader = env.client.do_get(fl.Ticket(json.dumps({"topic": topic, "partition": 0, "follow": True}).encode()))

    def drain():
        try:
            while len(seen) < 6:
                chunk = reader.read_chunk()
                if chunk.data is not None:
                    seen.extend(chunk.data.column("id").to_pylist())
        except Exception:  # noqa: BLE001 - cancelled below
            pass
        done.set()

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    for i in range(1, 6):
        p.produce(order(i), partition=0)
        p.flush()
    assert done.wait(60), f"the live tail saw only {seen}"
    reader.cancel()
    t.join(10)
    assert seen == list(range(6))


def test_compacted_topic_serves_the_surviving_offsets(env):
    """Compaction leaves gaps in the offsets: Hangar serves exactly the records the broker kept."""
    topic = create_topic(env.bootstrap, "compacted", 1, {
        # Segments roll every 100 ms (segment.bytes may not go under 1 MiB on Kafka 4), and
        # the cleaner takes any segment with a dirty key.
        "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01",
        "segment.ms": "100", "min.compaction.lag.ms": "0", "max.compaction.lag.ms": "100",
        "delete.retention.ms": "100"})
    p = env.producer(topic)
    # Each round rewrites keys key0..key4 and adds a key of its own: compaction keeps the
    # round keys and the latest key0..key4, so gaps open between the survivors.
    for round_ in range(20):
        for k in range(5):
            p.produce({**order(round_ * 6 + k), "customer": f"round{round_}"}, key=f"key{k}".encode(), partition=0)
        p.produce(order(round_ * 6 + 5), key=f"round{round_}".encode(), partition=0)
        p.flush()
        time.sleep(0.02)

    def inner_gaps(offsets):
        return [(a, b) for a, b in zip(offsets, offsets[1:]) if b - a > 1]

    deadline = time.monotonic() + 90
    while True:
        kept = consume_all(env.bootstrap, topic, 0, env.registry)
        if inner_gaps([m["offset"] for m in kept]):
            break
        assert time.monotonic() < deadline, f"the broker did not compact {topic} within 90 s ({len(kept)} kept)"
        p.produce(order(1000), key=b"filler", partition=0)  # rolls the active segment
        p.flush()
        time.sleep(0.5)
    # The broker may compact more between two reads, never less: what Hangar serves lies
    # between what confluent-kafka read before and after it.
    table, trailer = read_ticket(env.client, {"topic": topic, "partition": 0})
    again = consume_all(env.bootstrap, topic, 0, env.registry)
    served = table.column("_offset").to_pylist()
    assert served == sorted(served) and len(set(served)) == len(served)
    assert set(m["offset"] for m in again) <= set(served) <= set(m["offset"] for m in kept), (served, kept)
    assert inner_gaps(served), f"no offset gap in {served}"
    by_offset = {m["offset"]: m for m in kept}
    for row in table.to_pylist():
        assert row["id"] == by_offset[row["_offset"]]["value"]["id"]
        assert row["_key"] == by_offset[row["_offset"]]["key"]
    assert trailer["records"] == len(served)
    # Every round key survives: compaction removed only superseded records.
    assert {f"round{r}".encode() for r in range(20)} <= set(table.column("_key").to_pylist())


def _transactional_topic(env):
    """A topic with 10 committed, 5 aborted, 10 committed messages (ids 0-9, 100-104, 10-19)."""
    topic = create_topic(env.bootstrap, "transactions", 1)
    p = env.producer(topic, **{"transactional.id": f"hangar-test-{topic}", "enable.idempotence": True})
    p.producer.init_transactions(30)
    for ids, commit in ((range(10), True), (range(100, 105), False), (range(10, 20), True)):
        p.producer.begin_transaction()
        for i in ids:
            p.produce(order(i), partition=0)
        p.producer.flush(30)
        (p.producer.commit_transaction if commit else p.producer.abort_transaction)(30)
    return topic


def test_transactions_read_committed_by_default(env):
    topic = _transactional_topic(env)
    table, trailer = read_ticket(env.client, {"topic": topic, "partition": 0})
    assert table.column("id").to_pylist() == list(range(20))
    offsets = table.column("_offset").to_pylist()
    # Offsets 10 (first marker) .. 15 (aborted records, their abort marker) are never rows.
    assert offsets == list(range(0, 10)) + list(range(17, 27)), offsets
    # 3 control records + 5 aborted records are in the log but are not rows.
    assert trailer["records"] == 20 and trailer["next_offset"] == 28
    info = env.client.get_flight_info(fl.FlightDescriptor.for_path("kafka", topic))
    assert info.total_records == 28  # the watermarks' count includes what read_committed leaves out


def test_transactions_read_uncommitted_on_request(env):
    topic = _transactional_topic(env)
    table, trailer = read_ticket(env.client, {"topic": topic, "partition": 0, "isolation_level": "read_uncommitted"})
    assert table.column("id").to_pylist() == list(range(10)) + list(range(100, 105)) + list(range(10, 20))
    assert trailer["records"] == 25


def test_timestamp_of_both_timestamp_types(env):
    create_time = create_topic(env.bootstrap, "create-time", 1)
    append_time = create_topic(env.bootstrap, "append-time", 1, {"message.timestamp.type": "LogAppendTime"})
    given = 1_600_000_000_123
    for topic in (create_time, append_time):
        p = env.producer(topic)
        p.produce(order(1), partition=0, timestamp=given)
        p.flush()
    before_ms = int(time.time() * 1000) - 60_000
    created, _ = read_ticket(env.client, {"topic": create_time, "partition": 0})
    appended, _ = read_ticket(env.client, {"topic": append_time, "partition": 0})
    assert created.column("_timestamp").cast(pa.int64()).to_pylist() == [given]
    broker_time = appended.column("_timestamp").cast(pa.int64()).to_pylist()[0]
    assert broker_time != given and broker_time >= before_ms
    assert broker_time == consume_all(env.bootstrap, append_time, 0)[0]["timestamp"][1]
