"""A node started on an empty data directory with the same --object-store.

The bucket is the source of truth (docs/object-storage.md, "The bucket is the
source of truth"): after the data directory is lost, `hangar serve` with the
same bucket serves every table again — ListFlights, DoGet with the exact
Arrow schema (field and schema metadata), Flight SQL, primary-key upserts,
partitions, rows streamed and acknowledged at object_storage — and takes
further writes into the same Iceberg tables.
"""

import shutil
import time

import adbc_driver_flightsql.dbapi as flight_sql
import pyarrow as pa
import pytest

import hangar_flight as hf


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    return tmp_path_factory.mktemp("bucket")


@pytest.fixture(scope="module")
def server(hangar_factory, bucket):
    return hangar_factory("restore", args=["--object-store", f"file://{bucket}"])


USERS = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string())])
NOTES = pa.schema([pa.field("id", pa.int64(), nullable=False),
                   pa.field("text", pa.string(), metadata={"comment": "free text"})],
                  metadata={"owner": "sales"})
EVENTS = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("what", pa.string())])


def read(server, name):
    back = hf.read(server.client(), [name])
    assert back.refusal is None, back.refusal
    return back.schema_result, pa.Table.from_batches(back.batches, schema=back.schema_result)


def wait_for_the_bucket(server):
    deadline = time.monotonic() + 60
    while hf.action_json(server.client(), "ServerStatus")[0]["metrics"]["iceberg_backlog"] != 0:
        assert time.monotonic() < deadline, "the mirror did not catch up within 60 s"
        time.sleep(0.1)


def sql_count(server, query):
    with flight_sql.connect(server.url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(query)
        return cur.fetchone()[0]


def test_an_empty_disk_with_the_same_bucket_serves_every_table(server):
    client = server.client()
    hf.create_table(client, "users", [("id", "int64", False), ("name", "utf8", True)], primary_key=["id"])
    for version in range(3):
        batch = pa.record_batch([list(range(version * 2, version * 2 + 4)),
                                 [f"v{version}-{i}" for i in range(version * 2, version * 2 + 4)]], schema=USERS)
        assert hf.put(client, ["users"], USERS, [batch]).refusal is None
    hf.create_table(client, "parts", [("id", "int64", False), ("what", "utf8", True)],
                    partition_spec={"fields": [{"source_name": "id", "transform": "truncate[10]"}]})
    assert hf.put(client, ["parts"], EVENTS,
                  [pa.record_batch([list(range(25)), [f"p{i}" for i in range(25)]], schema=EVENTS)]).refusal is None
    assert hf.put(client, ["notes"], NOTES,
                  [pa.record_batch([[1, 2], ["one", "two"]], schema=NOTES)]).refusal is None
    # Streamed rows, acknowledged once they are in the bucket.
    hf.create_table(client, "stream", [("id", "int64", False), ("what", "utf8", True)])
    batches = [pa.record_batch([list(range(b * 10, b * 10 + 10)), [f"s{b}"] * 10], schema=EVENTS) for b in range(5)]
    out = hf.exchange(client, ["stream"], EVENTS, batches, "object_storage")
    assert hf.ack_problems(out, len(batches), "object_storage") == []

    # The puts are not acknowledged at a level of the bucket: the node is
    # killed only once the mirror has caught up with them.
    wait_for_the_bucket(server)

    before = {name: read(server, name) for name in ("users", "parts", "notes", "stream")}
    assert sorted(before["users"][1].column("name").to_pylist()) == ["v0-0", "v0-1", "v1-2", "v1-3",
                                                                      "v2-4", "v2-5", "v2-6", "v2-7"]

    # The node dies with its disk; a new one starts with the same bucket.
    server.proc.kill()
    server.proc.wait()
    server.proc = None
    shutil.rmtree(server.data_dir)
    server.start()

    names = sorted(f.descriptor.path[0].decode() for f in server.client().list_flights())
    assert names == ["notes", "parts", "stream", "users"]
    for name, (schema, table) in before.items():
        got_schema, got = read(server, name)
        assert got_schema.equals(schema, check_metadata=True), f"{name}: {got_schema} vs {schema}"
        assert got.sort_by("id").equals(table.sort_by("id")), name
    assert sql_count(server, "SELECT count(*) FROM stream") == 50
    assert sql_count(server, "SELECT count(*) FROM users WHERE name LIKE 'v2-%'") == 4
    info = hf.action_json(server.client(), "DescribeTable", {"name": "users"})[0]
    assert info.get("primary_key") == ["id"], info

    # Writes go on: an upsert supersedes a restored row; the stream goes on.
    client = server.client()
    assert hf.put(client, ["users"], USERS, [pa.record_batch([[7], ["v3-7"]], schema=USERS)]).refusal is None
    names = read(server, "users")[1].column("name").to_pylist()
    assert "v3-7" in names and "v2-7" not in names and len(names) == 8
    out = hf.exchange(client, ["stream"], EVENTS, batches[:1], "iceberg_committed")
    assert hf.ack_problems(out, 1, "iceberg_committed") == []
    assert sql_count(server, "SELECT count(*) FROM stream") == 60
