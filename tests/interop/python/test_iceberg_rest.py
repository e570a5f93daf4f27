"""Hangar's Iceberg REST catalog, used by pyiceberg's own REST client.

A `hangar serve --object-store DIR --iceberg-rest-listen HOST:PORT --users
FILE` serves its tables through the Iceberg REST API (docs/tables.md, "The
Iceberg REST catalog"). pyiceberg logs in with the OAuth2 client-credentials
flow (a Hangar user and password), lists namespaces and tables, loads a
table and scans exactly the rows DoGet serves; a table pyiceberg creates
through the catalog is a Hangar table that Flight lists and DoPut fills;
Hangar's permissions decide who may read, create and drop; malformed
bodies, unknown tables and failed requirements get the REST status and an
ErrorModel naming what was wrong.
"""

import datetime
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pyarrow as pa
import pyarrow.flight as fl
import pytest
from pyiceberg.catalog import load_catalog
from pyiceberg.exceptions import ForbiddenError, NoSuchTableError
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import LongType, NestedField, StringType, TimestampType

import hangar_flight as hf
from conftest import USERS, free_port
from test_iceberg import assert_same_rows, do_get, iceberg_table


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    return tmp_path_factory.mktemp("rest-bucket")


@pytest.fixture(scope="module")
def server(hangar_factory, bucket, users_file):
    port = free_port()
    s = hangar_factory("rest", ["--object-store", str(bucket), "--iceberg-rest-listen", f"127.0.0.1:{port}",
                                "--users", str(users_file)], login=("admin", USERS["admin"][0]))
    s.rest_uri = f"http://127.0.0.1:{port}"
    return s


def catalog(server, user):
    return load_catalog("hangar", type="rest", uri=server.rest_uri, credential=f"{user}:{USERS[user][0]}",
                        **{"oauth2-server-uri": f"{server.rest_uri}/v1/oauth/tokens"})


def http(server, method, path, body=None, token=None):
    """(status, JSON body) of a raw request to the catalog."""
    data = body.encode() if isinstance(body, str) else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(server.rest_uri + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def admin_token(server):
    form = f"grant_type=client_credentials&client_id=admin&client_secret={USERS['admin'][0]}".encode()
    request = urllib.request.Request(server.rest_uri + "/v1/oauth/tokens", data=form, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=30) as r:
        answer = json.loads(r.read())
    assert answer["token_type"] == "bearer" and answer["expires_in"] > 0
    return answer["access_token"]


def test_pyiceberg_loads_a_table_through_the_catalog_and_scans_what_doget_serves(server, bucket):
    client = server.client()
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string())])
    batch = pa.record_batch([[1, 2, 3], ["a", None, "c"]], schema=schema)
    assert hf.put(client, ["trips"], schema, [batch], options=server.options()).refusal is None
    iceberg_table(bucket, "trips", until=lambda t: t.current_snapshot() is not None
                  and t.current_snapshot().summary["total-records"] == "3")
    cat = catalog(server, "reader")
    assert ("default",) in cat.list_namespaces()
    assert ("default", "trips") in cat.list_tables("default")
    table = cat.load_table("default.trips")
    assert table.metadata_location.endswith(".metadata.json")
    hangar_rows = pa.Table.from_batches(
        [c.data for c in client.do_get(fl.Ticket(b"trips"), options=server.options())])
    assert_same_rows(table.scan().to_arrow(), hangar_rows, sort_by="id")


def test_a_table_created_through_the_catalog_is_a_hangar_table(server):
    cat = catalog(server, "admin")
    schema = Schema(NestedField(1, "id", LongType(), required=True), NestedField(2, "at", TimestampType()),
                    NestedField(3, "what", StringType()))
    spec = PartitionSpec(PartitionField(source_id=2, field_id=1000, transform=DayTransform(), name="at_day"))
    table = cat.create_table("default.created", schema=schema, partition_spec=spec)
    assert [f.name for f in table.schema().fields] == ["id", "at", "what"]
    assert table.spec().fields[0].name == "at_day"
    client = server.client()
    assert "default.created" in hf.action_json(client, "ListTables", options=server.options())[0]
    arrow_schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("at", pa.timestamp("us")),
                              pa.field("what", pa.string())])
    batch = pa.record_batch([[1], [pa.scalar(0, pa.timestamp("us")).as_py()], ["x"]], schema=arrow_schema)
    assert hf.put(client, ["created"], arrow_schema, [batch], options=server.options()).refusal is None
    cat.drop_table("default.created")
    assert "default.created" not in hf.action_json(client, "ListTables", options=server.options())[0]
    with pytest.raises(NoSuchTableError):
        cat.load_table("default.created")


def test_permissions_are_hangars(server):
    cat = catalog(server, "reader")
    with pytest.raises(ForbiddenError):
        cat.create_table("default.not_mine", schema=Schema(NestedField(1, "id", LongType())))
    status, body = http(server, "GET", "/v1/namespaces/default/tables")
    assert status == 401 and body["error"]["type"] == "NotAuthorizedException"
    assert "Bearer" in body["error"]["message"]


def test_bad_requests_get_the_rest_status_and_say_what_was_wrong(server):
    token = admin_token(server)
    status, body = http(server, "GET", "/v1/namespaces/default/tables/nope", token=token)
    assert status == 404 and body["error"]["type"] == "NoSuchTableException" and "nope" in body["error"]["message"]
    status, body = http(server, "POST", "/v1/namespaces/default/tables", body="{not json", token=token)
    assert status == 400 and "name" in body["error"]["message"]
    status, body = http(server, "POST", "/v1/namespaces/default/tables/trips",
                        body={"requirements": [{"type": "assert-table-uuid", "uuid": "00000000-0000-4000-8000-000000000000"}],
                              "updates": []}, token=token)
    assert status == 409 and body["error"]["type"] == "CommitFailedException"
    assert "assert-table-uuid" in body["error"]["message"]
    status, body = http(server, "GET", "/v1/namespaces/bad%20name/tables", token=token)
    assert status == 400
    for answer in (body,):
        assert "/tmp" not in json.dumps(answer)


def test_an_append_through_the_catalog_lands_in_the_hangar_table(server, bucket):
    client = server.client()
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string())])
    assert hf.put(client, ["appended"], schema, [pa.record_batch([[1], ["a"]], schema=schema)],
                  options=server.options()).refusal is None
    iceberg_table(bucket, "appended", until=lambda t: t.current_snapshot() is not None
                  and t.current_snapshot().summary["total-records"] == "1")
    table = catalog(server, "writer").load_table("default.appended")
    table.append(pa.table({"id": [2, 3], "name": ["b", None]}, schema=schema))
    hangar_rows = pa.Table.from_batches(
        [c.data for c in client.do_get(fl.Ticket(b"appended"), options=server.options())])
    assert sorted(hangar_rows.column("id").to_pylist()) == [1, 2, 3]
    table.refresh()
    assert_same_rows(table.scan().to_arrow(), hangar_rows, sort_by="id")
    assert table.current_snapshot().summary["total-records"] == "3"
    # What the client wrote was taken in and removed: only Hangar's own files stay.
    files = [p.name for p in (bucket / "default").glob("appended-*/data/*")]
    assert files and all(re.fullmatch(r"\d{8}\.parquet", f) for f in files), files


def test_an_append_of_types_iceberg_widens_lands_in_the_tables_own_types(server, bucket):
    # Iceberg's int holds Hangar's int8 and uint16, its long a uint32, its
    # timestamptz a timestamp[us, UTC]: a client writes the wide types (and
    # DuckDB reads a zoned timestamp back in its own zone), and the rows
    # land in the table's types, values unchanged.
    client = server.client()
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("i8", pa.int8()),
                        pa.field("u16", pa.uint16()), pa.field("u32", pa.uint32()),
                        pa.field("at", pa.timestamp("us", tz="UTC"))])
    first = datetime.datetime(2024, 5, 6, 7, 8, 9, 10, tzinfo=datetime.timezone.utc)
    assert hf.put(client, ["widened"], schema, [pa.record_batch([[1], [-128], [65535], [4294967295], [first]],
                                                                schema=schema)],
                  options=server.options()).refusal is None
    iceberg_table(bucket, "widened", until=lambda t: t.current_snapshot() is not None)
    table = catalog(server, "writer").load_table("default.widened")
    wide = table.schema().as_arrow()
    assert [f.type for f in wide] == [pa.int64(), pa.int32(), pa.int32(), pa.int64(), pa.timestamp("us", tz="UTC")]
    later = datetime.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
    table.append(pa.table({"id": [2, 3], "i8": [127, None], "u16": [0, 7], "u32": [5, None], "at": [later, None]},
                          schema=wide))
    back = pa.Table.from_batches([c.data for c in client.do_get(fl.Ticket(b"widened"), options=server.options())])
    assert back.schema.equals(schema, check_metadata=False), back.schema
    assert back.sort_by("id").to_pylist() == [
        {"id": 1, "i8": -128, "u16": 65535, "u32": 4294967295, "at": first},
        {"id": 2, "i8": 127, "u16": 0, "u32": 5, "at": later},
        {"id": 3, "i8": None, "u16": 7, "u32": None, "at": None},
    ]
    # A value the table's type cannot hold fails the commit, and nothing of it lands.
    with pytest.raises(Exception) as failure:
        table.refresh().append(pa.table({"id": [4], "i8": [300], "u16": [1], "u32": [1], "at": [None]}, schema=wide))
    assert "i8" in str(failure.value) or "TINYINT" in str(failure.value) or "300" in str(failure.value), failure.value
    assert client.do_get(fl.Ticket(b"widened"), options=server.options()).read_all().num_rows == 3


def test_the_metrics_reports_of_icebergs_java_client_are_taken(server):
    client = server.client()
    schema = pa.schema([pa.field("id", pa.int64())])
    assert hf.put(client, ["reported"], schema, [pa.record_batch([[1]], schema=schema)],
                  options=server.options()).refusal is None
    report = {"report-type": "scan-report", "table-name": "hangar.default.reported", "snapshot-id": 1,
              "filter": True, "schema-id": 0, "projected-field-ids": [1], "projected-field-names": ["id"],
              "metrics": {}}
    status, body = http(server, "POST", "/v1/namespaces/default/tables/reported/metrics", report,
                        token=admin_token(server))
    assert (status, body) == (204, None)
    assert http(server, "POST", "/v1/namespaces/default/tables/reported/metrics", report)[0] == 401


def test_a_table_under_a_namespace_of_two_levels_is_not_found(server):
    # Spark's `default.t.files` is first asked for as table `files` in
    # namespace `default.t` (levels joined by 0x1F): 404 NoSuchTableException
    # is what makes Iceberg's Spark catalog load the metadata table instead.
    status, body = http(server, "GET", "/v1/namespaces/default%1Ft/tables/files", token=admin_token(server))
    assert status == 404 and body["error"]["type"] == "NoSuchTableException", body
    assert "default.t.files" in body["error"]["message"], body
    status, body = http(server, "GET", "/v1/namespaces/default%1Ft", token=admin_token(server))
    assert status == 404 and body["error"]["type"] == "NoSuchNamespaceException", body


def token_request(server, **form):
    """(status, JSON answer) of POST /v1/oauth/tokens with the form `form`."""
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(server.rest_uri + "/v1/oauth/tokens", data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_a_token_is_renewed_by_token_exchange_as_icebergs_java_client_does(server):
    exchange = "urn:ietf:params:oauth:grant-type:token-exchange"
    access = "urn:ietf:params:oauth:token-type:access_token"
    status, first = token_request(server, grant_type="client_credentials", client_id="reader",
                                  client_secret=USERS["reader"][0], scope="catalog")
    assert status == 200, first
    status, renewed = token_request(server, grant_type=exchange, subject_token=first["access_token"],
                                    subject_token_type=access, scope="catalog")
    assert status == 200 and renewed["token_type"] == "bearer" and renewed["expires_in"] > 0, renewed
    assert renewed["access_token"] != first["access_token"]
    # The fresh token is the same user's: reader may list, not create.
    assert http(server, "GET", "/v1/namespaces/default/tables", token=renewed["access_token"])[0] == 200
    body = {"name": "renewed", "schema": {"type": "struct", "fields": [{"id": 1, "name": "x", "type": "long"}]}}
    assert http(server, "POST", "/v1/namespaces/default/tables", body, token=renewed["access_token"])[0] == 403
    # A token this server did not sign, or none, renews nothing.
    for bad in ("hgr1.e30.AAAA", ""):
        status, answer = token_request(server, grant_type=exchange, subject_token=bad, subject_token_type=access)
        assert status == 400 and answer["error"] == "invalid_grant", answer
    status, answer = token_request(server, grant_type="password", username="reader", password=USERS["reader"][0])
    assert status == 400 and answer["error"] == "unsupported_grant_type", answer
