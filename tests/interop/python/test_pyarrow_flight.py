"""pyarrow.flight as its users write it, against a plain server (no authentication, no TLS).

The Arrow cookbook's Parquet storage client (do_put of a Parquet file's
table, list_flights, get_flight_info, do_get of the endpoint's ticket and of
the bare name, do_action("drop_dataset")), every RPC pyarrow offers (and
Hangar's actions), streaming ingest exactly as docs/durability.md's Python
example does it, and calls that are cancelled or run out of time, after
which the server still serves everyone else.
"""

import json
import threading
import time

import pyarrow as pa
import pyarrow.flight as fl
import pyarrow.parquet as pq
import pytest

import hangar_flight as hf


def _sample_table(n=1000):
    return pa.table({
        "id": pa.array(range(n), pa.int64()),
        "city": pa.array([["Oslo", "Lima", "Pune", None][i % 4] for i in range(n)]),
        "fare": pa.array([i * 0.25 for i in range(n)], pa.float64()),
        "at": pa.array([1_700_000_000_000_000 + i for i in range(n)], pa.timestamp("us", "UTC")),
    })


def _listed_paths(client, options=None):
    return {tuple(p.decode() for p in f.descriptor.path) for f in client.list_flights(options=options)}


# ----------------------------------------------------------------------------------------------
# The Arrow cookbook's Parquet storage flows
# ----------------------------------------------------------------------------------------------

def test_cookbook_parquet_storage_flow(hangar, tmp_path):
    client = fl.connect(hangar.url)
    source = _sample_table(5000)
    pq.write_table(source, tmp_path / "uploaded.parquet")
    table = pq.read_table(tmp_path / "uploaded.parquet")

    upload_descriptor = fl.FlightDescriptor.for_path("uploaded.parquet")
    writer, _ = client.do_put(upload_descriptor, table.schema)
    writer.write_table(table)
    writer.close()

    flight = client.get_flight_info(upload_descriptor)
    assert flight.descriptor == upload_descriptor, "GetFlightInfo must echo the descriptor it was asked for"
    assert flight.descriptor.path[0].decode("utf-8") == "uploaded.parquet"
    assert flight.total_records == table.num_rows
    assert flight.total_bytes > 0
    assert flight.schema == table.schema

    reader = client.do_get(flight.endpoints[0].ticket)
    read_table = reader.read_all()
    assert read_table.equals(table)

    # The cookbook's clients also hand-write the ticket: the dataset's name.
    assert client.do_get(fl.Ticket(b"uploaded.parquet")).read_all().equals(table)

    names = [f.descriptor.path[0].decode("utf-8") for f in client.list_flights()]
    assert "uploaded.parquet" in names, names
    listed = next(f for f in client.list_flights() if f.descriptor.path[-1] == b"uploaded.parquet")
    assert listed.total_records == table.num_rows

    assert "drop_dataset" in {a.type for a in client.list_actions()}
    list(client.do_action(fl.Action("drop_dataset", "uploaded.parquet".encode("utf-8"))))
    names = [f.descriptor.path[0].decode("utf-8") for f in client.list_flights()]
    assert "uploaded.parquet" not in names
    refusal = hf.refused("GetFlightInfo", lambda: client.get_flight_info(upload_descriptor))
    assert refusal is not None and refusal.code == "NOT_FOUND", refusal
    client.close()


def test_cookbook_many_batches_up_and_back(hangar):
    """The cookbook streams record batches one by one, both ways; 1024 of them, in order."""
    client = hangar.client()
    schema = pa.schema([("batch", pa.int32()), ("row", pa.int32()), ("text", pa.utf8())])
    batches = [pa.record_batch([pa.array([b] * 8, pa.int32()), pa.array(range(8), pa.int32()),
                                pa.array([f"{b}-{r}" for r in range(8)])], schema=schema) for b in range(1024)]
    writer, metadata = client.do_put(fl.FlightDescriptor.for_path("cookbook_batches"), schema)
    for b in batches:
        writer.write_batch(b)
    writer.done_writing()
    put_result = json.loads(metadata.read().to_pybytes())
    writer.close()
    assert put_result["rows"] == 8 * 1024 and put_result["table"] == "default.cookbook_batches", put_result

    info = client.get_flight_info(fl.FlightDescriptor.for_path("cookbook_batches"))
    got = pa.concat_tables(client.do_get(e.ticket).read_all() for e in info.endpoints)
    assert got.equals(pa.Table.from_batches(batches)), "rows came back other than they were put"


# ----------------------------------------------------------------------------------------------
# Every RPC
# ----------------------------------------------------------------------------------------------

def test_list_actions_describes_hangar_actions(hangar):
    actions = {a.type: a.description for a in hangar.client().list_actions()}
    for name in ("CreateTable", "DescribeTable", "DropTable", "ListTables", "CompactTable", "drop_dataset"):
        assert name in actions, f"ListActions lacks {name}: {sorted(actions)}"
        assert actions[name], f"{name} has no description"


def test_create_describe_list_drop_actions(hangar):
    client = hangar.client()
    created = hf.create_table(client, "actions_t", [("id", "int64", False), ("name", "utf8", True)])
    assert created and created[0]["name"] in ("default.actions_t", "actions_t"), created
    described = hf.action_json(client, "DescribeTable", {"name": "actions_t"})[0]
    assert described["rows"] == 0
    assert [f["name"] for f in described["fields"]] == ["id", "name"], described
    listed = hf.action_json(client, "ListTables")
    assert "default.actions_t" in (listed[0] if listed and isinstance(listed[0], list) else listed), listed

    schema = client.get_schema(fl.FlightDescriptor.for_path("actions_t")).schema
    assert schema == pa.schema([pa.field("id", pa.int64(), False), pa.field("name", pa.utf8())])
    assert ("actions_t",) in _listed_paths(client) or ("default", "actions_t") in _listed_paths(client)

    dropped = hf.action_json(client, "DropTable", {"name": "actions_t"})
    assert dropped == [{"dropped": "default.actions_t"}], dropped
    assert not ({("actions_t",), ("default", "actions_t")} & _listed_paths(client))


def test_put_answers_put_result_and_get_schema_info_do_get_agree(hangar):
    client = hangar.client()
    table = _sample_table(300)
    descriptor = fl.FlightDescriptor.for_path("sales", "rpc_orders")
    writer, metadata = client.do_put(descriptor, table.schema)
    writer.write_table(table, max_chunksize=100)
    writer.done_writing()
    result = json.loads(metadata.read().to_pybytes())
    writer.close()
    assert result["table"] == "sales.rpc_orders" and result["rows"] == 300 and result["created"] is True, result

    assert client.get_schema(descriptor).schema == table.schema
    info = client.get_flight_info(descriptor)
    assert info.descriptor == descriptor and info.total_records == 300
    got = pa.concat_tables(client.do_get(e.ticket).read_all() for e in info.endpoints)
    assert got.equals(table)
    # Appending with the same schema, then a put of another schema, refused naming the field.
    writer, metadata = client.do_put(descriptor, table.schema)
    writer.write_table(table.slice(0, 10))
    writer.close()
    assert client.get_flight_info(descriptor).total_records == 310
    other = pa.table({"id": pa.array([1], pa.int32())})
    refusal = hf.put(client, ["sales", "rpc_orders"], other.schema, other.to_batches()).refusal
    assert refusal is not None and refusal.code == "INVALID_ARGUMENT" and "id" in refusal.message, refusal
    assert ("sales", "rpc_orders") in _listed_paths(client)


def test_do_exchange_with_command_descriptor(hangar):
    """DoExchange on the command descriptor {"table": ...} streams into the table like its path does."""
    client = hangar.client()
    hf.create_table(client, "exchange_cmd", [("n", "int64", True)])
    batch = pa.record_batch([pa.array([1, 2, 3], pa.int64())], names=["n"])
    writer, reader = client.do_exchange(fl.FlightDescriptor.for_command(json.dumps({"table": "default.exchange_cmd"})))
    writer.begin(batch.schema)
    writer.write_with_metadata(batch, pa.py_buffer(json.dumps({"requested_durability": "memory"}).encode()))
    writer.done_writing()
    acks = [json.loads(c.app_metadata.to_pybytes()) for c in reader]
    writer.close()
    assert [(a["batch"], a["durability_level"], a["error"]) for a in acks] == [(0, "memory", None)], acks
    assert client.do_get(fl.Ticket(b"exchange_cmd")).read_all().column("n").to_pylist() == [1, 2, 3]


def test_unknown_action_and_rpc_errors(hangar):
    client = hangar.client()
    refusal = hf.refused("DoAction", lambda: list(client.do_action(fl.Action("NoSuchAction", b""))))
    assert refusal is not None and refusal.code == "UNIMPLEMENTED" and "NoSuchAction" in refusal.message, refusal
    refusal = hf.refused("DoGet", lambda: client.do_get(fl.Ticket(b"no_such_table")).read_all())
    assert refusal is not None and refusal.code == "NOT_FOUND", refusal
    refusal = hf.refused("GetFlightInfo", lambda: client.get_flight_info(fl.FlightDescriptor.for_path("bad/name")))
    assert refusal is not None and refusal.code == "INVALID_ARGUMENT", refusal


# ----------------------------------------------------------------------------------------------
# Streaming ingest as docs/durability.md shows it
# ----------------------------------------------------------------------------------------------

def test_durability_doc_example(hangar):
    client = fl.connect(hangar.url)
    hf.create_table(client, "events", [("id", "int64", False), ("kind", "utf8", True)])
    batch = pa.record_batch([pa.array([1, 2, 3], pa.int64()), pa.array(["a", "b", None])], names=["id", "kind"])

    writer, reader = client.do_exchange(fl.FlightDescriptor.for_path("events"))
    writer.begin(batch.schema)
    writer.write_with_metadata(batch, pa.py_buffer(json.dumps({"requested_durability": "disk"}).encode()))
    writer.done_writing()
    acks = []
    for chunk in reader:
        acks.append(json.loads(chunk.app_metadata.to_pybytes()))
    writer.close()

    assert [a["durability_level"] for a in acks] == ["memory", "disk"], acks
    assert all(a["batch"] == 0 and a["error"] is None and isinstance(a["timestamp_us"], int) for a in acks), acks
    assert acks[0]["lsn"] == acks[1]["lsn"]
    got = client.do_get(fl.Ticket(b"events")).read_all()
    assert got.column("id").to_pylist() == [1, 2, 3]
    client.close()


def test_streaming_acks_read_with_read_chunk(hangar):
    client = hangar.client()
    hf.create_table(client, "events_chunks", [("id", "int64", False)])
    schema = pa.schema([("id", pa.int64())])  # nullable, as most clients declare: values are checked
    batches = [pa.record_batch([pa.array(range(i * 10, i * 10 + 10), pa.int64())], schema=schema) for i in range(5)]
    writer, reader = client.do_exchange(fl.FlightDescriptor.for_path("events_chunks"))
    writer.begin(schema)
    writer.write_with_metadata(batches[0], pa.py_buffer(json.dumps(
        {"table_name": "default.events_chunks", "requested_durability": "committed",
         "idempotency_key": "py-load-1"}).encode()))
    for b in batches[1:]:
        writer.write_batch(b)
    # A batch with a null in the not-null column: an error ack for that batch, and the stream goes on.
    writer.write_batch(pa.record_batch([pa.array([None], pa.int64())], schema=schema))
    writer.write_batch(batches[0])
    writer.done_writing()
    acks = []
    while True:
        try:
            chunk = reader.read_chunk()
        except StopIteration:
            break
        assert chunk.data is None, "acks carry no data"
        acks.append(json.loads(chunk.app_metadata.to_pybytes()))
    writer.close()

    errors = [a for a in acks if a["error"] is not None]
    assert [a["batch"] for a in errors] == [5] and errors[0]["lsn"] is None, acks
    ok = [a for a in acks if a["error"] is None]
    for level in ("memory", "disk", "committed"):
        at_level = [a for a in ok if a["durability_level"] == level]
        assert [a["batch"] for a in at_level] == [0, 1, 2, 3, 4, 6], (level, acks)
        lsns = [a["lsn"] for a in at_level]
        assert lsns == sorted(set(lsns)), f"'{level}' acks not in LSN order: {lsns}"
    got = client.do_get(fl.Ticket(b"events_chunks")).read_all()
    assert sorted(got.column("id").to_pylist()) == sorted(list(range(50)) + list(range(10)))


# ----------------------------------------------------------------------------------------------
# Cancels and deadlines
# ----------------------------------------------------------------------------------------------

BIG_ROWS = 1 << 20  # per batch: 8 MiB of int64 and 8 MiB of float64


@pytest.fixture(scope="module")
def big_table(hangar):
    """A table of 8 batches of 1 Mi rows (about 128 MiB)."""
    client = hangar.client()
    schema = pa.schema([("i", pa.int64()), ("x", pa.float64())])
    writer, _ = client.do_put(fl.FlightDescriptor.for_path("big_for_cancel"), schema)
    for k in range(8):
        writer.write_batch(pa.record_batch([pa.array(range(k * BIG_ROWS, (k + 1) * BIG_ROWS), pa.int64()),
                                            pa.array([0.5] * BIG_ROWS, pa.float64())], schema=schema))
    writer.close()
    return "big_for_cancel"


def test_do_get_cancelled_mid_stream_then_others_are_served(hangar, big_table):
    client = fl.connect(hangar.url)
    reader = client.do_get(fl.Ticket(big_table.encode()))
    first = reader.read_chunk()
    assert first.data.num_rows > 0
    reader.cancel()
    with pytest.raises(hf.FLIGHT_ERRORS):
        while True:
            reader.read_chunk()  # ends with CANCELLED, or StopIteration should nothing be left (not expected)
    client.close()

    # Many cancelled readers, then a whole read and other calls on a fresh client.
    for _ in range(5):
        c = fl.connect(hangar.url)
        r = c.do_get(fl.Ticket(big_table.encode()))
        r.read_chunk()
        r.cancel()
        c.close()
    other = fl.connect(hangar.url)
    info = other.get_flight_info(fl.FlightDescriptor.for_path(big_table))
    assert info.total_records == 8 * BIG_ROWS
    rows = sum(other.do_get(e.ticket).read_all().num_rows for e in info.endpoints)
    assert rows == 8 * BIG_ROWS
    other.close()


def test_client_going_away_mid_stream_is_logged_cancelled(hangar, big_table):
    before = hangar.log_size()
    client = fl.connect(hangar.url)
    reader = client.do_get(fl.Ticket(big_table.encode()))
    reader.read_chunk()
    reader.cancel()
    client.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "status=CANCELLED" not in hangar.log_text(before):
        time.sleep(0.1)
    lines = [l for l in hangar.log_text(before).splitlines() if "rpc=DoGet" in l]
    assert any("status=CANCELLED" in l for l in lines), lines
    assert "error:" not in hangar.log_text(before).replace('error="', ""), hangar.log_text(before)


def test_deadlines(hangar, big_table):
    client = fl.connect(hangar.url)
    with pytest.raises(fl.FlightTimedOutError):
        client.do_get(fl.Ticket(big_table.encode()), options=fl.FlightCallOptions(timeout=0.001)).read_all()
    with pytest.raises(fl.FlightTimedOutError):
        # A stream the client reads slowly: the deadline ends it mid-way.
        reader = client.do_get(fl.Ticket(big_table.encode()), options=fl.FlightCallOptions(timeout=1.0))
        while True:
            reader.read_chunk()
            time.sleep(0.3)
    # Generous deadlines do not get in the way.
    options = fl.FlightCallOptions(timeout=60)
    assert client.get_flight_info(fl.FlightDescriptor.for_path(big_table), options=options).total_records > 0
    assert list(client.list_flights(options=options))
    client.close()


def test_concurrent_readers_while_one_is_cancelled(hangar, big_table):
    results, errors = [], []

    def whole_read():
        try:
            c = fl.connect(hangar.url)
            results.append(c.do_get(fl.Ticket(big_table.encode())).read_all().num_rows)
            c.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=whole_read) for _ in range(3)]
    for t in threads:
        t.start()
    c = fl.connect(hangar.url)
    r = c.do_get(fl.Ticket(big_table.encode()))
    r.read_chunk()
    r.cancel()
    c.close()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert results == [8 * BIG_ROWS] * 3
