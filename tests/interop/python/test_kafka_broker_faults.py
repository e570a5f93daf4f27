"""Hangar while the Kafka broker under it dies and comes back (a broker of this module's own).

A live tail (DoGet with `follow`) survives a broker killed with SIGKILL and
started again on the same storage: librdkafka reconnects and the stream goes
on from where it was, nothing lost and nothing twice. A DoPut while the
broker is down fails with UNAVAILABLE, and nothing it sent is acknowledged.
"""

import json
import threading

import pyarrow as pa
import pyarrow.flight as fl
import pytest

import hangar_flight
from kafka_producers import AvroProducer, create_topic

SCHEMA = {"type": "record", "name": "Tick", "fields": [{"name": "n", "type": "long"}]}


@pytest.fixture(scope="module")
def fault_broker(tmp_path_factory):
    from kafka_broker import KafkaBroker
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka-faults"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def fault_registry(fault_broker):
    from schema_registry import SchemaRegistryServer
    server = SchemaRegistryServer(fault_broker.bootstrap).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(fault_broker, fault_registry, hangar_factory):
    return hangar_factory("faults", args=["--kafka-brokers", fault_broker.bootstrap,
                                          "--schema-registry", fault_registry.url])


def test_live_tail_resumes_after_a_broker_restart(fault_broker, fault_registry, server):
    topic = create_topic(fault_broker.bootstrap, "restart", 1)
    producer = AvroProducer(fault_broker.bootstrap, fault_registry.url, topic, SCHEMA)
    for n in range(3):
        producer.produce({"n": n}, partition=0)
    producer.flush()
    seen, first_three, done = [], threading.Event(), threading.Event()
    reader = server.client().do_get(fl.Ticket(json.dumps({"topic": topic, "partition": 0, "follow": True}).encode()))

    def drain():
        try:
            while len(seen) < 6:
                chunk = reader.read_chunk()
                if chunk.data is not None:
                    seen.extend(chunk.data.column("n").to_pylist())
                    if len(seen) >= 3:
                        first_three.set()
        except Exception as e:  # noqa: BLE001 - reported through `seen`
            seen.append(repr(e))
        done.set()

    threading.Thread(target=drain, daemon=True).start()
    assert first_three.wait(60), f"the tail saw {seen} before the restart"
    fault_broker.kill()
    fault_broker.start()
    producer = AvroProducer(fault_broker.bootstrap, fault_registry.url, topic, SCHEMA)
    for n in range(3, 6):
        producer.produce({"n": n}, partition=0)
    producer.flush()
    assert done.wait(120), f"after the restart the tail saw only {seen}"
    reader.cancel()
    assert seen == list(range(6))


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
