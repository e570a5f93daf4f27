"""hangar.flight (the Python package's Flight convenience) against a real `hangar serve`:
tables, topics, streaming ingest with acks level by level, SQL, authentication."""

import pyarrow as pa
import pyarrow.flight as fl
import pytest

from hangar import flight as hflight
from conftest import USERS


def _trips(n, start=0):
    return pa.table({"id": pa.array(range(start, start + n), pa.int64()),
                     "city": pa.array([f"c{i % 5}" for i in range(start, start + n)])})


def test_tables_written_read_listed_and_queried(hangar):
    with hflight.connect(hangar.url) as client:
        answer = client.write_table("pytrips", _trips(100), mode="create")
        assert answer["rows"] == 100 and answer["table"] == "default.pytrips"
        client.write_table("pytrips", _trips(50, 100))
        assert "pytrips" in client.tables()
        table = client.read_table("pytrips")
        assert sorted(table.column("id").to_pylist()) == list(range(150))
        result = client.sql("SELECT count(*) AS n, max(id) AS top FROM pytrips")
        assert result.to_pylist() == [{"n": 150, "top": 149}]


def test_ingest_yields_acks_level_by_level(hangar):
    with hflight.connect(hangar.url) as client:
        client.write_table("pyevents", _trips(1), mode="create")
        batches = [_trips(10, 1 + 10 * i).to_batches()[0] for i in range(3)]
        acks = list(client.ingest("pyevents", iter(batches), durability="disk"))
        levels = [(a["batch"], a["durability_level"]) for a in acks]
        # Every batch reaches memory, then disk; each level is acknowledged in batch order.
        assert sorted(levels) == [(b, level) for b in range(3) for level in ("disk", "memory")]
        for level in ("memory", "disk"):
            assert [b for b, lv in levels if lv == level] == [0, 1, 2]
        assert all(levels.index((b, "memory")) < levels.index((b, "disk")) for b in range(3))
        assert all(a["error"] is None for a in acks)
        assert client.read_table("pyevents").num_rows == 31


def test_topics_listed_and_read(hangar_kafka):
    with hflight.connect(hangar_kafka.url) as client:
        assert "orders" in client.topics()
        table = client.read_topic("orders")
        assert table.num_rows == 10000
        assert "_offset" in table.column_names


def test_login_and_refusals(hangar_auth):
    with hflight.connect(hangar_auth.url, user="admin", password=USERS["admin"][0]) as client:
        client.write_table("pyauth", _trips(3), mode="create")
        assert client.read_table("pyauth").num_rows == 3
        assert client.sql("SELECT count(*) AS n FROM pyauth").to_pylist() == [{"n": 3}]
    with pytest.raises(fl.FlightUnauthenticatedError):
        hflight.connect(hangar_auth.url, user="admin", password="wrong")
    with hflight.connect(hangar_auth.url, user="reader", password=USERS["reader"][0]) as reader:
        with pytest.raises(fl.FlightUnauthorizedError):
            reader.write_table("pyauth", _trips(1))
