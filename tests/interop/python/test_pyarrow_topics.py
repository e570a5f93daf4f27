"""Kafka topics read with pyarrow.flight, from a server with the development cluster (`--dev-kafka`).

A client reads a topic as docs/topics.md says: GetFlightInfo of
`["kafka", topic]`, then every endpoint, through every location it names
(the same server when it names none), and nothing else. The demo topic
`orders` has 4 partitions and 10,000 rows.
"""

import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as fl
import pytest

from kafka_producers import read_ticket

ORDERS_ROWS = 10000
ORDERS_PARTITIONS = 4


def _read_endpoint(client, endpoint):
    """(table, trailing app_metadata JSON or None) of one endpoint's DoGet."""
    return read_ticket(client, endpoint.ticket)


def test_topic_through_every_endpoint_and_location(hangar_kafka):
    client = hangar_kafka.client()
    info = client.get_flight_info(fl.FlightDescriptor.for_path("kafka", "orders"))
    assert info.descriptor == fl.FlightDescriptor.for_path("kafka", "orders")
    assert len(info.endpoints) == ORDERS_PARTITIONS
    assert info.total_records == ORDERS_ROWS
    for name, t in [("_partition", pa.int32()), ("_offset", pa.int64()), ("_timestamp", pa.timestamp("ms", "UTC")),
                    ("_key", pa.binary())]:
        assert info.schema.field(name).type == t, info.schema

    tables = []
    for partition, endpoint in enumerate(info.endpoints):
        copies = []
        sources = [loc.uri.decode() for loc in endpoint.locations] or [hangar_kafka.url]
        for uri in sources:
            other = client if uri == hangar_kafka.url else fl.connect(uri)
            copies.append(_read_endpoint(other, endpoint))
        for table, trailer in copies:
            assert table.equals(copies[0][0]), f"partition {partition}: locations disagree"
            assert table.schema == info.schema
            assert set(table.column("_partition").to_pylist()) <= {partition}
            offsets = table.column("_offset").to_pylist()
            assert offsets == list(range(offsets[0], offsets[0] + len(offsets))) if offsets else True
            assert trailer is not None, "no trailing app_metadata after the last batch"
            assert trailer["topic"] == "orders" and trailer["partition"] == partition, trailer
            assert trailer["records"] == table.num_rows and trailer["skipped"] == 0, trailer
            if offsets:
                assert trailer["next_offset"] == offsets[-1] + 1, trailer
        tables.append(copies[0][0])
    whole = pa.concat_tables(tables)
    assert whole.num_rows == ORDERS_ROWS
    listed = {tuple(p.decode() for p in f.descriptor.path) for f in client.list_flights()}
    assert ("kafka", "orders") in listed
    statuses = pc.value_counts(whole.column("status")).to_pylist()
    assert {s["values"]: s["counts"] for s in statuses}.get("SHIPPED") == 2500, statuses


def test_hand_written_and_json_tickets(hangar_kafka):
    client = hangar_kafka.client()
    by_hand = client.do_get(fl.Ticket(b"orders/1")).read_all()
    assert by_hand.num_rows > 0 and set(by_hand.column("_partition").to_pylist()) == {1}
    ticket = json.dumps({"topic": "orders", "partition": 2, "start_offset": 100, "max_records": 5,
                         "metadata": ["_offset"]}).encode()
    some = client.do_get(fl.Ticket(ticket)).read_all()
    assert some.column("_offset").to_pylist() == [100, 101, 102, 103, 104]
    assert "_partition" not in some.schema.names and "_key" not in some.schema.names


def test_follow_mode_ends_by_the_clients_deadline(hangar_kafka):
    client = hangar_kafka.client()
    ticket = json.dumps({"topic": "orders", "partition": 0, "follow": True}).encode()
    reader = client.do_get(fl.Ticket(ticket), options=fl.FlightCallOptions(timeout=2))
    rows = 0
    with pytest.raises(fl.FlightTimedOutError):
        while True:
            chunk = reader.read_chunk()
            if chunk.data is not None:
                rows += chunk.data.num_rows
    assert rows > 0
    # The server goes on serving.
    assert client.get_flight_info(fl.FlightDescriptor.for_path("kafka", "orders")).total_records == ORDERS_ROWS


def test_follow_mode_cancelled_by_the_client(hangar_kafka):
    client = hangar_kafka.connect()
    ticket = json.dumps({"topic": "orders", "partition": 3, "follow": True}).encode()
    reader = client.do_get(fl.Ticket(ticket))
    assert reader.read_chunk().data.num_rows > 0
    reader.cancel()
    client.close()
    assert hangar_kafka.client().do_get(fl.Ticket(b"orders/3")).read_all().num_rows > 0
