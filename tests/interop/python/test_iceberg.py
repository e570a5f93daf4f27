"""Hangar's tables as Iceberg tables, judged by pyiceberg and fastavro.

A `hangar serve --object-store DIR` keeps every table also as an Iceberg
format-v2 table in DIR (docs/tables.md, "Tables as Iceberg tables").
pyiceberg opens each table from its newest metadata file (StaticTable) and
must scan exactly the rows Hangar serves by DoGet: every type an Iceberg
table can hold, partition pruning in the scan plan, snapshots and time
travel, schema evolution, primary-key upserts. fastavro, an Avro reader
nobody here wrote, reads the manifests and manifest lists and checks what
the Iceberg specification requires of them. Streaming ingest's
object_storage and iceberg_committed acks come in order, and after the
iceberg_committed ack pyiceberg sees the batch.
"""

import datetime
import decimal
import glob
import json
import os
import re
import time
from pathlib import Path

import fastavro
import pyarrow as pa
import pyarrow.flight as fl
import pytest
from pyiceberg.expressions import GreaterThanOrEqual
from pyiceberg.table import StaticTable

import hangar_flight as hf


WAIT_S = 60


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    return tmp_path_factory.mktemp("bucket")


@pytest.fixture(scope="module")
def server(hangar_factory, bucket):
    return hangar_factory("iceberg", args=["--object-store", f"file://{bucket}"])


def metadata_files(bucket, table, ns="default"):
    """The table's metadata files, newest last."""
    files = glob.glob(str(bucket / ns / f"{table}-*" / "metadata" / "v*.metadata.json"))
    return sorted(files, key=lambda f: int(re.search(r"/v(\d+)\.metadata\.json$", f).group(1)))


def iceberg_table(bucket, table, until=None):
    """The table as pyiceberg reads it from its newest metadata, once `until(table)` holds (if given)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        files = metadata_files(bucket, table)
        if files:
            t = StaticTable.from_metadata(files[-1])
            if until is None or until(t):
                return t
        assert time.monotonic() < deadline, f"no Iceberg metadata of '{table}' satisfied the condition in {WAIT_S} s"
        time.sleep(0.1)


def hangar_version(t):
    s = t.current_snapshot()
    return int(s.summary["hangar.version"]) if s is not None else 0


def total_records(t):
    s = t.current_snapshot()
    return int(s.summary["total-records"]) if s is not None else -1


def do_get(server, table):
    back = hf.read(server.client(), [table])
    assert back.refusal is None, back.refusal
    return pa.Table.from_batches(back.batches, schema=back.get_schemas[0] if back.get_schemas else None)


def describe(server, table):
    return hf.action_json(server.client(), "DescribeTable", {"name": table})[0]


def assert_same_rows(iceberg, hangar, sort_by=None):
    """pyiceberg's scan and DoGet hold the same rows, column by column (values compared as pyiceberg types them)."""
    assert iceberg.num_rows == hangar.num_rows, f"pyiceberg scanned {iceberg.num_rows} rows, DoGet gave {hangar.num_rows}"
    if sort_by:
        iceberg = iceberg.sort_by(sort_by)
        hangar = hangar.sort_by(sort_by)
    assert iceberg.column_names == hangar.column_names
    for name in hangar.column_names:
        got = iceberg.column(name)
        expected = hangar.column(name)
        if not expected.type.equals(got.type):
            expected = expected.cast(got.type)
        assert got.to_pylist() == expected.to_pylist(), f"column '{name}' differs"


# Every type an Iceberg table can hold, as Arrow types Hangar stores.
EVERY_TYPE = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("b", pa.bool_()),
    pa.field("i8", pa.int8()),
    pa.field("i16", pa.int16()),
    pa.field("i32", pa.int32()),
    pa.field("u8", pa.uint8()),
    pa.field("u16", pa.uint16()),
    pa.field("u32", pa.uint32()),
    pa.field("f32", pa.float32()),
    pa.field("f64", pa.float64()),
    pa.field("s", pa.string()),
    pa.field("ls", pa.large_string()),
    pa.field("bin", pa.binary()),
    pa.field("d", pa.date32()),
    pa.field("t", pa.time64("us")),
    pa.field("ts", pa.timestamp("us")),
    pa.field("ts_ms", pa.timestamp("ms")),
    pa.field("tstz", pa.timestamp("us", tz="UTC")),
    pa.field("dec", pa.decimal128(10, 2)),
    pa.field("dec38", pa.decimal128(38, 6)),
    pa.field("l", pa.list_(pa.int32())),
    pa.field("st", pa.struct([pa.field("x", pa.int32()), pa.field("y", pa.string())])),
    pa.field("m", pa.map_(pa.string(), pa.int64())),
])


def every_type_batch(first, n):
    rows = []
    for k in range(first, first + n):
        null = k % 7 == 3
        rows.append({
            "id": k,
            "b": None if null else k % 2 == 0,
            "i8": None if null else (k % 200) - 100,
            "i16": None if null else k * 3 - 1000,
            "i32": None if null else k * 100_003 - 2**30,
            "u8": None if null else k % 250,
            "u16": None if null else k * 7 % 65000,
            "u32": None if null else 4_000_000_000 - k,
            "f32": None if null else k / 4,
            "f64": None if null else k * 1.5 - 0.25,
            "s": None if null else f"text-{k}-é",
            "ls": None if null else "long " * (k % 5),
            "bin": None if null else bytes([k % 256, 0, 255]),
            "d": None if null else datetime.date(1960, 1, 1) + datetime.timedelta(days=k * 97),
            "t": None if null else datetime.time(k % 24, k % 60, k % 60, k * 13 % 1_000_000),
            "ts": None if null else datetime.datetime(2024, 1, 1) + datetime.timedelta(hours=k * 5, microseconds=k),
            "ts_ms": None if null else datetime.datetime(1999, 12, 31) + datetime.timedelta(milliseconds=k * 1234567),
            "tstz": None if null else datetime.datetime(2024, 6, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(minutes=k),
            "dec": None if null else decimal.Decimal(k * 101) / 100 - decimal.Decimal("50.5"),
            "dec38": None if null else decimal.Decimal(10**20 + k) / 10**6,
            "l": None if null else [k, None, -k] if k % 2 else [],
            "st": None if null else {"x": k, "y": None if k % 3 else f"y{k}"},
            "m": None if null else [(f"k{k}", k), ("z", None)],
        })
    return pa.RecordBatch.from_pylist(rows, schema=EVERY_TYPE)


def test_every_iceberg_type_scans_as_doget_serves_it(server, bucket):
    batches = [every_type_batch(0, 40), every_type_batch(40, 25)]
    outcome = hf.put(server.client(), ["every_type"], EVERY_TYPE, batches)
    assert outcome.refusal is None, outcome.refusal
    t = iceberg_table(bucket, "every_type", until=lambda t: total_records(t) == 65)
    assert t.format_version == 2
    field_ids = {f.name: f.field_id for f in t.schema().fields}
    assert field_ids["id"] == 1 and field_ids["m"] == len(EVERY_TYPE)
    assert_same_rows(t.scan().to_arrow(), do_get(server, "every_type"), sort_by="id")


def test_a_type_iceberg_cannot_hold_keeps_the_table_out_of_the_bucket_and_says_why(server, bucket):
    schema = pa.schema([pa.field("id", pa.int64()), pa.field("big", pa.uint64())])
    outcome = hf.put(server.client(), ["unsigned64"], schema, [pa.record_batch([[1], [2**63]], schema=schema)])
    assert outcome.refusal is None, outcome.refusal  # the table itself is Hangar's as always
    out = hf.exchange(server.client(), ["unsigned64"], schema, [pa.record_batch([[2], [3]], schema=schema)],
                      "object_storage")
    errors = [a["error"] for a in out.acks if a.get("error")]
    assert errors and "'big'" in errors[0] and "uint64" in errors[0], out.acks
    assert metadata_files(bucket, "unsigned64") == []


def test_partition_pruning_is_seen_in_the_scan_plan(server, bucket):
    client = server.client()
    hf.create_table(client, "events", [("id", "int64", False), ("at", "timestamp[us]", True)],
                    partition_spec={"fields": [{"source_name": "at", "transform": "day"}]})
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("at", pa.timestamp("us"))])
    days = [datetime.datetime(2024, 1, d, 12) for d in (1, 2, 3, 4)]
    batch = pa.record_batch([list(range(8)), [days[i % 4] for i in range(8)]], schema=schema)
    assert hf.put(client, ["events"], schema, [batch]).refusal is None
    t = iceberg_table(bucket, "events", until=lambda t: total_records(t) == 8)
    assert [f.transform.__class__.__name__ for f in t.spec().fields] == ["DayTransform"]
    all_files = list(t.scan().plan_files())
    assert len(all_files) == 4
    pruned = list(t.scan(row_filter=GreaterThanOrEqual("at", "2024-01-03T00:00:00")).plan_files())
    assert len(pruned) == 2, [f.file.file_path for f in pruned]
    rows = t.scan(row_filter=GreaterThanOrEqual("at", "2024-01-03T00:00:00")).to_arrow()
    assert sorted(rows.column("id").to_pylist()) == [2, 3, 6, 7]
    assert_same_rows(t.scan().to_arrow(), do_get(server, "events"), sort_by="id")


def test_each_commit_is_a_snapshot_and_old_ones_read_back(server, bucket):
    client = server.client()
    schema = pa.schema([pa.field("id", pa.int64())])
    for first in (0, 10, 20):
        assert hf.put(client, ["history"], schema, [pa.record_batch([list(range(first, first + 10))], schema=schema)]).refusal is None
    t = iceberg_table(bucket, "history", until=lambda t: total_records(t) == 30)
    snapshots = [s for s in t.snapshots() if int(s.summary["total-records"]) > 0]
    assert [int(s.summary["total-records"]) for s in snapshots] == [10, 20, 30]
    assert [s.summary.operation.value for s in snapshots] == ["append"] * 3
    assert sorted(t.scan(snapshot_id=snapshots[0].snapshot_id).to_arrow().column("id").to_pylist()) == list(range(10))
    assert t.scan(snapshot_id=snapshots[1].snapshot_id).to_arrow().num_rows == 20
    assert [e.snapshot_id for e in t.metadata.snapshot_log][-3:] == [s.snapshot_id for s in snapshots]
    assert len(t.metadata.metadata_log) >= 2


def test_an_added_column_is_a_new_schema_and_old_snapshots_keep_theirs(server, bucket):
    client = server.client()
    v1 = pa.schema([pa.field("id", pa.int64()), pa.field("name", pa.string())])
    assert hf.put(client, ["evolving"], v1, [pa.record_batch([[1, 2], ["a", "b"]], schema=v1)]).refusal is None
    first = iceberg_table(bucket, "evolving", until=lambda t: total_records(t) == 2)
    v2 = pa.schema([pa.field("id", pa.int64()), pa.field("name", pa.string()), pa.field("note", pa.string())])
    writer, reader = client.do_put(fl.FlightDescriptor.for_command(json.dumps({"table": "evolving", "mode": "overwrite"})), v2)
    writer.write_batch(pa.record_batch([[1, 2, 3], ["a", "b", "c"], [None, "x", None]], schema=v2))
    writer.close()
    t = iceberg_table(bucket, "evolving", until=lambda t: total_records(t) == 3)
    assert [f.field_id for f in t.schema().fields] == [1, 2, 3]
    assert len(t.schemas()) == 2
    assert t.current_snapshot().summary.operation.value == "overwrite"
    assert_same_rows(t.scan().to_arrow(), do_get(server, "evolving"), sort_by="id")
    old = t.scan(snapshot_id=first.current_snapshot().snapshot_id).to_arrow()
    assert sorted(old.column("id").to_pylist()) == [1, 2]


def test_a_primary_key_table_reads_one_row_per_key(server, bucket):
    client = server.client()
    hf.create_table(client, "users", [("id", "int64", False), ("name", "utf8", True)], primary_key=["id"])
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string())])
    assert hf.put(client, ["users"], schema, [pa.record_batch([[1, 2, 3], ["a", "b", "c"]], schema=schema)]).refusal is None
    assert hf.put(client, ["users"], schema, [pa.record_batch([[2, 4], ["B", "d"]], schema=schema)]).refusal is None
    version = describe(server, "users")["version"]
    t = iceberg_table(bucket, "users", until=lambda t: hangar_version(t) >= version)
    assert t.sort_order().fields[0].source_id == 1
    assert t.schema().identifier_field_ids == [1]
    got = t.scan().to_arrow()
    assert sorted(zip(got.column("id").to_pylist(), got.column("name").to_pylist())) == [(1, "a"), (2, "B"), (3, "c"), (4, "d")]
    assert_same_rows(got, do_get(server, "users"), sort_by="id")


def test_streaming_ingest_acks_object_storage_then_iceberg_committed(server, bucket):
    client = server.client()
    schema = pa.schema([pa.field("id", pa.int64())])
    hf.create_table(client, "stream", [("id", "int64", True)])
    batches = [pa.record_batch([[i * 10 + j for j in range(10)]], schema=schema) for i in range(5)]
    out = hf.exchange(client, ["stream"], schema, batches, "iceberg_committed")
    assert hf.ack_problems(out, len(batches), "iceberg_committed") == []
    # Once acknowledged, the batches are in the table's current Iceberg snapshot.
    t = iceberg_table(bucket, "stream")
    assert sorted(t.scan().to_arrow().column("id").to_pylist()) == list(range(50))
    out = hf.exchange(client, ["stream"], schema, batches[:2], "object_storage")
    assert hf.ack_problems(out, 2, "object_storage") == []


def test_manifests_are_avro_that_fastavro_reads_with_the_required_metadata(server, bucket):
    client = server.client()
    hf.create_table(client, "avro_check", [("id", "int64", False), ("at", "date32", True)],
                    partition_spec={"fields": [{"source_name": "at", "transform": "month"}]})
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("at", pa.date32())])
    batch = pa.record_batch([[1, 2, 3], [datetime.date(2024, 1, 5), datetime.date(2024, 2, 5), None]], schema=schema)
    assert hf.put(client, ["avro_check"], schema, [batch]).refusal is None
    t = iceberg_table(bucket, "avro_check", until=lambda t: total_records(t) == 3)
    list_path = t.current_snapshot().manifest_list.removeprefix("file://")
    with open(list_path, "rb") as f:
        reader = fastavro.reader(f)
        meta = reader.metadata
        assert meta["format-version"] == "2"
        assert meta["snapshot-id"] == str(t.current_snapshot().snapshot_id)
        assert json.loads(meta["avro.schema"])["fields"][0]["field-id"] == 500
        manifests = list(reader)
    assert len(manifests) == 1
    m = manifests[0]
    assert m["added_files_count"] == 3 and m["added_rows_count"] == 3 and m["content"] == 0
    summary = m["partitions"][0]
    assert summary["contains_null"] is True
    assert summary["lower_bound"] == (54 * 12).to_bytes(4, "little")
    assert summary["upper_bound"] == (54 * 12 + 1).to_bytes(4, "little")
    with open(m["manifest_path"].removeprefix("file://"), "rb") as f:
        reader = fastavro.reader(f)
        meta = reader.metadata
        assert meta["content"] == "data" and meta["format-version"] == "2"
        assert json.loads(meta["schema"])["fields"][0] == {"id": 1, "name": "id", "required": True, "type": "long"}
        assert json.loads(meta["partition-spec"]) == [{"name": "at_month", "transform": "month", "source-id": 2, "field-id": 1000}]
        entries = list(reader)
    assert sorted(e["data_file"]["record_count"] for e in entries) == [1, 1, 1]
    assert {e["status"] for e in entries} == {1}
    months = sorted((e["data_file"]["partition"]["at_month"] for e in entries), key=lambda v: (v is None, v))
    assert months == [54 * 12, 54 * 12 + 1, None]
    for e in entries:
        bounds = {kv["key"]: kv["value"] for kv in e["data_file"]["lower_bounds"]}
        counts = {kv["key"]: kv["value"] for kv in e["data_file"]["value_counts"]}
        assert counts[1] == 1 and 1 in bounds


def test_a_server_without_object_store_refuses_the_levels_clearly(hangar):
    schema = pa.schema([pa.field("id", pa.int64())])
    client = hangar.client()
    hf.create_table(client, "plain", [("id", "int64", True)])
    out = hf.exchange(client, ["plain"], schema, [pa.record_batch([[1]], schema=schema)], "iceberg_committed")
    assert out.refusal is not None and out.refusal.code == "INVALID_ARGUMENT"
    assert "--object-store" in out.refusal.message and "iceberg_committed" in out.refusal.message


def test_a_restart_continues_the_iceberg_table_and_a_drop_empties_its_folder(server, bucket):
    client = server.client()
    schema = pa.schema([pa.field("id", pa.int64())])
    assert hf.put(client, ["survivor"], schema, [pa.record_batch([[1, 2]], schema=schema)]).refusal is None
    before = iceberg_table(bucket, "survivor", until=lambda t: total_records(t) == 2)
    versions = len(metadata_files(bucket, "survivor"))
    server.stop()
    server.start()
    client = server.client()
    assert hf.put(client, ["survivor"], schema, [pa.record_batch([[3]], schema=schema)]).refusal is None
    after = iceberg_table(bucket, "survivor", until=lambda t: total_records(t) == 3)
    assert after.metadata.table_uuid == before.metadata.table_uuid
    assert len(metadata_files(bucket, "survivor")) > versions
    assert before.current_snapshot().snapshot_id in [s.snapshot_id for s in after.snapshots()]
    folder = Path(metadata_files(bucket, "survivor")[0]).parents[1]
    hf.action_json(client, "DropTable", {"name": "survivor"})
    deadline = time.monotonic() + WAIT_S
    while folder.exists() and any(p.is_file() for p in folder.rglob("*")):
        assert time.monotonic() < deadline, f"the dropped table's objects are still in {folder}"
        time.sleep(0.1)
