"""Hangar while the Kafka broker under it dies and comes back (a broker of this module's own).

A live tail (DoGet with `follow`) survives a broker killed with SIGKILL and
started again on the same storage: librdkafka reconnects and the stream goes
on from where it was, nothing lost and nothing twice. A DoPut while the
broker is down fails with UNAVAILABLE, and nothing it sent is acknowledged.
A partition added while a tail runs: the tail goes on and the next FlightInfo
has the new partition. A topic deleted under a tail ends it with NOT_FOUND
naming the topic.
"""

import json
import threading
import time

import pyarrow as pa
import pyarrow.flight as fl
import pytest

import hangar_flight
from kafka_producers import AvroProducer, create_topic, read_ticket

SCHEMA = {"type": "record", "name": "Tick", "fields": [{"name": "n", "type": "long"}]}


@pytest.fixture(scope="module")
def fault_broker(tmp_path_factory):
    """This module's own broker: its tests kill and restart it."""
    from kafka_broker import KafkaBroker
    with KafkaBroker(tmp_path_factory.mktemp("kafka-faults")) as broker:
        yield broker


@pytest.fixture(scope="module")
def fault_registry(schema_registry):
    """The session's Apicurio Registry: it keeps its schemas in memory, apart from the broker under fault."""
    return schema_registry


@pytest.fixture(scope="module")
def server(fault_broker, fault_registry, hangar_factory):
    return hangar_factory("faults", args=["--kafka-brokers", fault_broker.bootstrap,
                                          "--schema-registry", fault_registry.url])


def _tail(client, topic, partition, seen):
    """Drains a follow-mode DoGet of one partition in a thread, its `n` values into `seen`;
    (reader, thread, progress), where progress["end"] becomes how the stream ended (the error)."""
    progress = {"end": None}
    reader = client.do_get(fl.Ticket(json.dumps({"topic": topic, "partition": partition, "follow": True}).encode()))

    def drain():
        try:
            while True:
                chunk = reader.read_chunk()
                if chunk.data is not None and chunk.data.num_rows:
                    seen.extend(chunk.data.column("n").to_pylist())
        except StopIteration:
            progress["end"] = "end of stream"
        except Exception as e:  # noqa: BLE001 - the test judges it
            progress["end"] = e

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return reader, thread, progress


def _wait_for(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def test_live_tail_resumes_after_a_broker_restart(fault_broker, fault_registry, server):
    topic = create_topic(fault_broker.bootstrap, "restart", 1)
    producer = AvroProducer(fault_broker.bootstrap, fault_registry.url, topic, SCHEMA)
    producer.produce_all(({"n": n} for n in range(3)), partition=0)
    seen = []
    reader, thread, progress = _tail(server.client(), topic, 0, seen)
    _wait_for(lambda: len(seen) >= 3, "the tail reading the first messages")
    fault_broker.kill()
    fault_broker.start()
    producer = AvroProducer(fault_broker.bootstrap, fault_registry.url, topic, SCHEMA)
    producer.produce_all(({"n": n} for n in range(3, 6)), partition=0)
    _wait_for(lambda: len(seen) >= 6 or progress["end"] is not None, "the tail reading past the restart", 120)
    reader.cancel()
    thread.join(30)
    assert seen == list(range(6)), (seen, progress["end"])


def test_doput_while_the_broker_is_down_fails_without_acks(fault_broker, server):
    topic = create_topic(fault_broker.bootstrap, "down", 1)
    fault_broker.kill()
    try:
        rows = pa.table({"n": pa.array(range(5), pa.int64())})
        acks = []
        with pytest.raises(fl.FlightError) as failure:
            writer, reader = server.client().do_put(fl.FlightDescriptor.for_path("kafka", topic), rows.schema,
                                                    options=fl.FlightCallOptions(timeout=120))
            writer.write_table(rows)
            writer.done_writing()
            while (buf := reader.read()) is not None:
                acks.append(buf.to_pybytes())
            writer.close()
        code, message = hangar_flight.grpc_failure(failure.value)
        assert code == "UNAVAILABLE", (code, message)
        assert acks == []
    finally:
        fault_broker.start()


def test_partition_added_while_reading(fault_broker, fault_registry, server):
    from confluent_kafka.admin import AdminClient, NewPartitions
    topic = create_topic(fault_broker.bootstrap, "grows", 2)
    producer = AvroProducer(fault_broker.bootstrap, fault_registry.url, topic, SCHEMA)
    producer.produce({"n": 0}, partition=0)
    producer.produce({"n": 1}, partition=1)
    producer.flush()
    client = server.client()
    descriptor = fl.FlightDescriptor.for_path("kafka", topic)
    assert len(client.get_flight_info(descriptor).endpoints) == 2
    seen = []
    reader, thread, progress = _tail(client, topic, 0, seen)
    _wait_for(lambda: seen == [0], "the tail reading the first message")

    admin = AdminClient({"bootstrap.servers": fault_broker.bootstrap})
    admin.create_partitions([NewPartitions(topic, 3)])[topic].result(30)
    producer = AvroProducer(fault_broker.bootstrap, fault_registry.url, topic, SCHEMA)
    producer.produce({"n": 2}, partition=2)
    producer.produce({"n": 3}, partition=0)
    producer.flush()

    # The tail of partition 0 goes on; the next FlightInfo has the new partition's endpoint, and it reads.
    _wait_for(lambda: seen == [0, 3], "the tail reading past the partition change")
    _wait_for(lambda: len(client.get_flight_info(descriptor).endpoints) == 3, "a FlightInfo with 3 endpoints")
    info = client.get_flight_info(descriptor)
    assert [json.loads(e.ticket.ticket)["partition"] for e in info.endpoints] == [0, 1, 2]
    table, trailer = read_ticket(client, info.endpoints[2].ticket)
    assert table.column("n").to_pylist() == [2]
    assert trailer["partition"] == 2
    reader.cancel()
    thread.join(30)
    assert progress["end"] is not None and seen == [0, 3]


def test_topic_deleted_while_reading_fails_naming_it(fault_broker, fault_registry, server):
    from confluent_kafka.admin import AdminClient
    topic = create_topic(fault_broker.bootstrap, "doomed", 1)
    producer = AvroProducer(fault_broker.bootstrap, fault_registry.url, topic, SCHEMA)
    producer.produce_all(({"n": n} for n in range(3)), partition=0)
    client = server.client()
    seen = []
    _, thread, progress = _tail(client, topic, 0, seen)
    _wait_for(lambda: seen == [0, 1, 2], "the tail reading the first messages")

    admin = AdminClient({"bootstrap.servers": fault_broker.bootstrap})
    admin.delete_topics([topic])[topic].result(30)

    # The live tail ends with an error naming the topic instead of waiting forever.
    thread.join(120)
    assert not thread.is_alive(), "the tail of a deleted topic is still waiting"
    # (pyarrow raises NOT_FOUND as KeyError, not as a FlightError.)
    code, message = hangar_flight.grpc_failure(progress["end"]) or (None, repr(progress["end"]))
    assert code == "NOT_FOUND", (code, message)
    assert f"'{topic}'" in message and "deleted" in message, message
    # And a read that starts afterwards is refused the same way.
    with pytest.raises((fl.FlightError, KeyError)) as failure:
        read_ticket(client, {"topic": topic, "partition": 0})
    code, message = hangar_flight.grpc_failure(failure.value)
    assert code == "NOT_FOUND" and f"'{topic}'" in message, (code, message)
