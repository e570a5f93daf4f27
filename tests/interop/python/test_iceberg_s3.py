"""Hangar's Iceberg tables in an S3 bucket, read through its REST catalog.

A real S3-compatible server (SeaweedFS, tests/support/s3_server.py) holds
the bucket of a `hangar serve --object-store s3://BUCKET/PREFIX
--iceberg-rest-listen HOST:PORT --users FILE`. A table put by DoPut and
streamed at `iceberg_committed` lands in the bucket as data files and
Iceberg metadata (listed by boto3, an S3 client nobody here wrote);
pyiceberg loads it through the catalog, reads its s3:// files with the
storage settings the catalog hands a reader, and scans exactly the rows
DoGet serves. The catalog's open /v1/config carries no secret, and neither
does the server's log (docs/tables.md, "The Iceberg REST catalog").
"""

from pathlib import Path

import pyarrow as pa
import pyarrow.flight as fl
import pytest

import hangar_flight as hf
from conftest import USERS, free_port
from test_iceberg import assert_same_rows
from test_iceberg_rest import admin_token, catalog, http

PREFIX = "warehouse/node-a"
SCHEMA = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string())])


@pytest.fixture(scope="module")
def server(s3, hangar_factory, users_file, tmp_path_factory):
    secret = tmp_path_factory.mktemp("iceberg-s3-secret") / "s3-secret"
    secret.write_text(s3.secret_key + "\n")
    port = free_port()
    s = hangar_factory("s3-rest", [
        "--object-store", f"s3://{s3.bucket}/{PREFIX}", "--s3-endpoint", s3.endpoint,
        "--s3-access-key-id", s3.access_key, "--s3-secret-access-key-file", str(secret),
        "--iceberg-rest-listen", f"127.0.0.1:{port}", "--users", str(users_file)],
        login=("admin", USERS["admin"][0]))
    s.rest_uri = f"http://127.0.0.1:{port}"
    return s


def keys(s3, prefix):
    """Every object key under `prefix` in the test bucket, by boto3."""
    out = []
    for page in s3.client().get_paginator("list_objects_v2").paginate(Bucket=s3.bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out


def test_a_streamed_table_lands_in_the_bucket_and_pyiceberg_scans_what_doget_serves(server, s3):
    client = server.client()
    first = pa.record_batch([[1, 2, 3], ["a", None, "c"]], schema=SCHEMA)
    assert hf.put(client, ["rides"], SCHEMA, [first], options=server.options()).refusal is None
    batches = [pa.record_batch([[10 * i + j for j in range(4)], [f"s{i}"] * 4], schema=SCHEMA) for i in range(1, 4)]
    out = hf.exchange(client, ["rides"], SCHEMA, batches, "iceberg_committed", options=server.options())
    assert hf.ack_problems(out, len(batches), "iceberg_committed") == []

    # boto3 finds the table's data files and its Iceberg metadata under the prefix.
    objects = keys(s3, f"{PREFIX}/default/rides-")
    assert any("/data/" in k and k.endswith(".parquet") for k in objects), objects
    assert any(k.endswith(".metadata.json") and "/metadata/" in k for k in objects), objects
    assert any(k.endswith(".avro") for k in objects), objects

    # Once acked at iceberg_committed, a reader of the catalog sees every batch.
    table = catalog(server, "reader").load_table("default.rides")
    assert table.metadata_location.startswith(f"s3://{s3.bucket}/{PREFIX}/default/rides-")
    assert table.location().startswith(f"s3://{s3.bucket}/{PREFIX}/")
    scanned = table.scan().to_arrow()
    assert sorted(scanned.column("id").to_pylist()) == [1, 2, 3] + [10 * i + j for i in range(1, 4) for j in range(4)]
    assert_same_rows(scanned, do_get_as(server, "rides"), sort_by="id")
    # Every file the scan read is an object boto3 lists.
    for task in table.scan().plan_files():
        path = task.file.file_path
        assert path.startswith(f"s3://{s3.bucket}/"), path
        assert path.removeprefix(f"s3://{s3.bucket}/") in objects, path


def do_get_as(server, table):
    """DoGet of `table` with the fixture's login (authentication is on)."""
    return pa.Table.from_batches(
        [c.data for c in server.client().do_get(fl.Ticket(table.encode()), options=server.options())])


def test_the_storage_settings_go_to_readers_of_the_table_only(server, s3):
    client = server.client()
    assert hf.put(client, ["settings"], SCHEMA, [pa.record_batch([[1], ["x"]], schema=SCHEMA)],
                  options=server.options()).refusal is None
    # /v1/config answers anyone: where the bucket is, never a credential.
    status, config = http(server, "GET", "/v1/config")
    assert status == 200
    merged = {**config["defaults"], **config["overrides"]}
    assert merged.get("s3.endpoint") == s3.endpoint and merged.get("s3.region") == "us-east-1"
    assert s3.secret_key not in str(config) and s3.access_key not in str(config)
    # A table's load result gives its reader the settings to read s3:// files.
    status, loaded = http(server, "GET", "/v1/namespaces/default/tables/settings", token=admin_token(server))
    assert status == 200, loaded
    settings = loaded["config"]
    assert settings["s3.endpoint"] == s3.endpoint
    assert settings["s3.access-key-id"] == s3.access_key and settings["s3.secret-access-key"] == s3.secret_key
    assert settings["s3.path-style-access"] == "true" and settings["s3.force-virtual-addressing"] == "false"
    # Without a token there is no table and no credential.
    status, body = http(server, "GET", "/v1/namespaces/default/tables/settings")
    assert status == 401 and s3.secret_key not in str(body)
    assert s3.secret_key not in server.log_text()


def test_an_append_by_pyiceberg_into_the_bucket_lands_in_the_hangar_table(server, s3):
    client = server.client()
    assert hf.put(client, ["appended"], SCHEMA, [pa.record_batch([[1], ["a"]], schema=SCHEMA)],
                  options=server.options()).refusal is None
    table = catalog(server, "writer").load_table("default.appended")
    table.append(pa.table({"id": [2, 3], "name": ["b", None]}, schema=SCHEMA))
    hangar_rows = do_get_as(server, "appended")
    assert sorted(hangar_rows.column("id").to_pylist()) == [1, 2, 3]
    table.refresh()
    assert_same_rows(table.scan().to_arrow(), hangar_rows, sort_by="id")
    # The client's own files were taken in and removed: only Hangar's data files stay.
    data = [k for k in keys(s3, f"{PREFIX}/default/appended-") if "/data/" in k]
    assert data and all(Path(k).name.endswith(".parquet") and Path(k).stem.isdigit() for k in data), data
