"""ADBC's Flight SQL driver (adbc-driver-flightsql, DBAPI), with pandas and polars, against Hangar.

What users of ADBC run: `adbc_driver_flightsql.dbapi.connect(uri, db_kwargs=...)`
with a user and password or over TLS, queries with and without parameters,
executemany, the fetch methods, the metadata calls (get_info, get_objects at
every depth with filters, get_table_schema, get_table_types), DML, bulk
ingest in each mode, DataFrames written and read back, cancellation from
another thread, statement timeouts, the current schema, and the server's log
after a clean connect/close cycle. Tables are made with DoPut (pyarrow) or
the CreateTable action.

Tests that fail only because of a known server defect are marked
`xfail(strict=True, reason="pending: ...")`: fixed, they pass, and the mark
must go.
"""

import json
import threading
import time

import adbc_driver_flightsql.dbapi as flight_sql
import adbc_driver_manager
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.flight as fl
import pytest

import hangar_flight as hf
from conftest import USERS

TIMEOUT_QUERY = "adbc.flight.sql.rpc.timeout_seconds.query"
TIMEOUT_FETCH = "adbc.flight.sql.rpc.timeout_seconds.fetch"
TLS_ROOT_CERTS = "adbc.flight.sql.client_option.tls_root_certs"
MTLS_CERT_CHAIN = "adbc.flight.sql.client_option.mtls_cert_chain"
MTLS_PRIVATE_KEY = "adbc.flight.sql.client_option.mtls_private_key"
INCREMENTAL = "adbc.statement.exec.incremental"
DB_SCHEMA = "adbc.connection.db_schema"

# A query that runs for minutes unless interrupted: 10^10 rows joined.
LONG_QUERY = "SELECT sum(a.range * b.range) AS s FROM range(100000) a, range(100000) b"

PEOPLE = pa.table({
    "id": pa.array([1, 2, 3, 4], pa.int64()),
    "name": pa.array(["ada", "grace", "edsger", None]),
    "score": pa.array([9.5, 8.25, None, 7.0], pa.float64()),
})


@pytest.fixture(scope="module")
def server(hangar_factory):
    """A plain server logging JSON lines, so that the log's levels and statuses can be read."""
    server = hangar_factory("adbc", ["--log-format", "json"])
    client = server.client()
    for path, table in [(["people"], PEOPLE), (["sales", "orders"], pa.table({
            "order_id": pa.array([10, 11, 12], pa.int64()), "amount": pa.array([5.5, 7.25, 1.0])}))]:
        writer, _ = client.do_put(fl.FlightDescriptor.for_path(*path), table.schema)
        writer.write_table(table)
        writer.close()
    return server


def _connect(server, **db_kwargs):
    return flight_sql.connect(server.url, db_kwargs=db_kwargs or None, autocommit=True)


def _log_entries(server, start=0):
    """The JSON lines the server logged since byte `start` (other lines skipped)."""
    entries = []
    for line in server.log_text(start).splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass
    return entries


def _error_text(exc):
    return f"{type(exc).__name__}: {exc}"


# ----------------------------------------------------------------------------------------------
# Connecting
# ----------------------------------------------------------------------------------------------

def test_connect_and_query(server):
    with _connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT id, name FROM people ORDER BY id")
        assert cur.fetchone() == (1, "ada")
        assert cur.fetchall() == [(2, "grace"), (3, "edsger"), (4, None)]
        assert [d[0] for d in cur.description] == ["id", "name"]


def _connect_as(server, user, password=None):
    password = USERS[user][0] if password is None else password
    return flight_sql.connect(server.url, db_kwargs={"username": user, "password": password}, autocommit=True)


def test_connect_with_user_and_password(hangar_auth):
    # "analyst:analyst-pw-01" needs no base64 padding (see the next test).
    with _connect_as(hangar_auth, "analyst") as conn, conn.cursor() as cur:
        cur.execute("SELECT 40 + 2 AS answer")
        assert cur.fetchall() == [(42,)]
    with pytest.raises(adbc_driver_manager.Error) as failure:
        with _connect_as(hangar_auth, "analyst", "wrong-pass-12") as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchall()
    assert "UNAUTHENTICATED" in str(failure.value), _error_text(failure.value)
    assert "base64" not in str(failure.value), _error_text(failure.value)


@pytest.mark.parametrize("user", ["writer", "reader"])
def test_connect_with_credentials_needing_base64_padding(hangar_auth, user):
    with _connect_as(hangar_auth, user) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 AS one")
        assert cur.fetchall() == [(1,)]


def test_permissions_through_sql(hangar_auth):
    admin = hangar_auth.client()
    writer, _ = admin.do_put(fl.FlightDescriptor.for_path("adbc_perm"), PEOPLE.schema, options=hangar_auth.options())
    writer.write_table(PEOPLE)
    writer.close()
    with _connect_as(hangar_auth, "analyst") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM adbc_perm")
        assert cur.fetchall() == [(4,)]
        with pytest.raises(adbc_driver_manager.Error) as failure:
            cur.executemany("INSERT INTO adbc_perm (id) VALUES (?)", [(9,)])
        assert "PermissionDenied" in str(failure.value) and "analyst" in str(failure.value), _error_text(
            failure.value)


def test_connect_over_tls(hangar_tls, tls_files):
    kwargs = {TLS_ROOT_CERTS: tls_files.read(tls_files.ca).decode()}
    with flight_sql.connect(hangar_tls.url, db_kwargs=kwargs, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SELECT 'tls' AS over")
        assert cur.fetch_arrow_table().to_pylist() == [{"over": "tls"}]


def test_connect_over_mutual_tls(hangar_mtls, tls_files):
    kwargs = {TLS_ROOT_CERTS: tls_files.read(tls_files.ca).decode(),
              MTLS_CERT_CHAIN: tls_files.read(tls_files.client_cert).decode(),
              MTLS_PRIVATE_KEY: tls_files.read(tls_files.client_key).decode()}
    with flight_sql.connect(hangar_mtls.url, db_kwargs=kwargs, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SELECT 'mtls' AS over")
        assert cur.fetchall() == [("mtls",)]


def test_clean_connect_close_cycle_logs_no_error(server):
    start = server.log_size()
    for _ in range(3):
        with _connect(server) as conn, conn.cursor() as cur:
            cur.execute("SELECT * FROM people")
            cur.fetch_arrow_table()
    bad = [e for e in _log_entries(server, start) if e.get("level") in ("error", "warn")]
    assert not bad, f"a clean connect/query/close cycle logged: {bad}"


def test_clean_connect_close_cycle_every_call_ok(server):
    start = server.log_size()
    with _connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM people")
        cur.fetch_arrow_table()
    time.sleep(0.2)
    calls = [e for e in _log_entries(server, start) if e.get("msg") == "call"]
    assert calls, "no access-log line"
    failed = [e for e in calls if e.get("status") != "OK"]
    assert not failed, f"calls of a clean cycle answered with errors: {failed}"


# ----------------------------------------------------------------------------------------------
# Queries
# ----------------------------------------------------------------------------------------------

def test_fetch_methods_and_types(server):
    with _connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM people ORDER BY id")
        table = cur.fetch_arrow_table()
        assert table.select(["id", "name", "score"]).equals(PEOPLE.select(["id", "name", "score"]))
        cur.execute("SELECT * FROM sales.orders ORDER BY order_id")
        assert cur.fetchmany(2) == [(10, 5.5), (11, 7.25)]
        assert cur.fetchall() == [(12, 1.0)]
        cur.execute("SELECT DATE '2024-01-15' AS d, 1.5::DECIMAL(10, 2) AS m, [1, 2] AS l, {'a': 1} AS s")
        got = cur.fetch_arrow_table()
        assert got.schema.field("d").type == pa.date32()
        assert got.schema.field("m").type == pa.decimal128(10, 2)
        assert got.to_pylist()[0]["l"] == [1, 2] and got.to_pylist()[0]["s"] == {"a": 1}


def test_parameters(server):
    with _connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT name FROM people WHERE id = ?", parameters=(2,))
        assert cur.fetchall() == [("grace",)]
        # The same statement again with other values (the prepared statement is reused).
        cur.execute("SELECT name FROM people WHERE id = ?", parameters=(3,))
        assert cur.fetchall() == [("edsger",)]
        cur.execute("SELECT name FROM people WHERE id > ? ORDER BY id", parameters=(10,))
        assert cur.fetchall() == []


def test_parameters_of_types_known_only_when_bound(server):
    with _connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT ? + 1 AS x, ? AS s", parameters=(41, "text"))
        assert cur.fetchall() == [(42, "text")]


def test_executemany_inserts(server):
    hf.create_table(server.client(), "adbc_many", [("id", "int64", False), ("name", "utf8", True)])
    with _connect(server) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO adbc_many VALUES (?, ?)", [(1, "a"), (2, "b"), (3, None)])
        assert cur.rowcount == 3
        cur.execute("SELECT * FROM adbc_many ORDER BY id")
        assert cur.fetchall() == [(1, "a"), (2, "b"), (3, None)]
        with pytest.raises(adbc_driver_manager.Error) as failure:
            cur.executemany("INSERT INTO adbc_many VALUES (?, ?)", [(4, "d"), (None, "null key")])
        assert "null" in str(failure.value).lower(), _error_text(failure.value)
        cur.execute("SELECT count(*) FROM adbc_many")
        assert cur.fetchall() == [(3,)], "a refused INSERT left rows behind"


def test_execute_insert(server):
    hf.create_table(server.client(), "adbc_insert", [("id", "int64", False), ("name", "utf8", True)])
    with _connect(server) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO adbc_insert VALUES (1, 'one'), (2, 'two')")
        assert cur.rowcount in (2, -1)
        cur.execute("SELECT * FROM adbc_insert ORDER BY id")
        assert cur.fetchall() == [(1, "one"), (2, "two")]


def test_sql_errors_are_invalid_argument(server):
    with _connect(server) as conn, conn.cursor() as cur:
        for query, word in [("SELEC 1", "syntax"), ("SELECT nope FROM people", "nope"),
                            ("SELECT * FROM no_such_table", "no_such_table")]:
            with pytest.raises(adbc_driver_manager.Error) as failure:
                cur.execute(query)
                cur.fetchall()
            text = str(failure.value)
            assert "INVALID_ARGUMENT" in text and word in text, _error_text(failure.value)
            assert not hf.message_problems(text), _error_text(failure.value)


def test_result_schema_has_flight_sql_column_metadata(server):
    with _connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT id, name FROM people")
        schema = cur.fetch_arrow_table().schema
    metadata = schema.field("id").metadata or {}
    assert metadata.get(b"ARROW:FLIGHT:SQL:TYPE_NAME") == b"BIGINT", metadata
    assert metadata.get(b"ARROW:FLIGHT:SQL:PRECISION") == b"19", metadata
    assert metadata.get(b"ARROW:FLIGHT:SQL:SCALE") == b"0", metadata
    assert metadata.get(b"ARROW:FLIGHT:SQL:IS_AUTO_INCREMENT") == b"0", metadata
    name = schema.field("name").metadata or {}
    assert name.get(b"ARROW:FLIGHT:SQL:TYPE_NAME") == b"VARCHAR", name
    assert name.get(b"ARROW:FLIGHT:SQL:IS_CASE_SENSITIVE") == b"1", name
    # A plain SELECT of a table's columns names the table; a computed column names none.
    assert metadata.get(b"ARROW:FLIGHT:SQL:TABLE_NAME") == b"people", metadata
    assert metadata.get(b"ARROW:FLIGHT:SQL:SCHEMA_NAME") == b"default", metadata
    with _connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT id + 1 AS next, p.name FROM people p JOIN people q USING (id)")
        joined = cur.fetch_arrow_table().schema
    for f in joined:
        assert b"ARROW:FLIGHT:SQL:TABLE_NAME" not in (f.metadata or {}), f
        assert b"ARROW:FLIGHT:SQL:TYPE_NAME" in (f.metadata or {}), f


# ----------------------------------------------------------------------------------------------
# Metadata
# ----------------------------------------------------------------------------------------------

def test_get_info(server):
    with _connect(server) as conn:
        info = conn.adbc_get_info()
    assert info["vendor_name"] == "Hangar", info
    assert info["vendor_version"], info
    assert info["vendor_arrow_version"] == "1.5.0", info
    assert info["driver_name"].startswith("ADBC Flight SQL Driver"), info


def test_get_table_types(server):
    with _connect(server) as conn:
        assert sorted(conn.adbc_get_table_types()) == ["TABLE", "TOPIC"]


def test_get_table_schema(server):
    with _connect(server) as conn:
        assert conn.adbc_get_table_schema("people") == PEOPLE.schema
        assert conn.adbc_get_table_schema("people", db_schema_filter="default") == PEOPLE.schema
        assert conn.adbc_get_table_schema("orders", db_schema_filter="sales").names == ["order_id", "amount"]
        with pytest.raises(adbc_driver_manager.Error):
            conn.adbc_get_table_schema("no_such_table")


def _schemas(objects):
    return {s["db_schema_name"]: s for c in objects for s in (c["catalog_db_schemas"] or [])}


def _tables(objects):
    return {(s["db_schema_name"], t["table_name"]): t for c in objects for s in (c["catalog_db_schemas"] or [])
            for t in (s["db_schema_tables"] or [])}


def test_get_objects_at_every_depth(server):
    with _connect(server) as conn:
        catalogs = conn.adbc_get_objects(depth="catalogs").read_all().to_pylist()
        assert all(not c["catalog_db_schemas"] for c in catalogs), catalogs  # no catalogs: names are ns.table

        schemas = conn.adbc_get_objects(depth="db_schemas").read_all().to_pylist()
        assert {"default", "sales"} <= set(_schemas(schemas)), schemas
        assert all(s["db_schema_tables"] is None for s in _schemas(schemas).values())

        tables = _tables(conn.adbc_get_objects(depth="tables").read_all().to_pylist())
        assert {("default", "people"), ("sales", "orders")} <= set(tables), sorted(tables)
        assert tables[("default", "people")]["table_type"] == "TABLE"
        assert tables[("default", "people")]["table_columns"] is None

        for depth in ("columns", "all"):
            tables = _tables(conn.adbc_get_objects(depth=depth).read_all().to_pylist())
            columns = tables[("default", "people")]["table_columns"]
            assert [(c["column_name"], c["ordinal_position"]) for c in columns] == [
                ("id", 1), ("name", 2), ("score", 3)], (depth, columns)
            assert columns[0]["xdbc_data_type"] == -5  # BIGINT


def test_get_objects_filters(server):
    with _connect(server) as conn:
        def tables(**filters):
            return set(_tables(conn.adbc_get_objects(depth="tables", **filters).read_all().to_pylist()))

        assert tables(db_schema_filter="sales") == {("sales", "orders")}
        assert ("default", "people") in tables(table_name_filter="peo%")
        assert not any(t == "orders" for _, t in tables(table_name_filter="peo%"))
        assert ("default", "people") in tables(table_types_filter=["TABLE"])
        assert not tables(table_types_filter=["TOPIC"])
        assert not tables(catalog_filter="some_catalog")
        objects = conn.adbc_get_objects(depth="columns", db_schema_filter="default", table_name_filter="people",
                                        column_name_filter="sc%").read_all().to_pylist()
        columns = _tables(objects)[("default", "people")]["table_columns"]
        assert [c["column_name"] for c in columns] == ["score"], columns


# ----------------------------------------------------------------------------------------------
# DataFrames
# ----------------------------------------------------------------------------------------------

def test_pandas_and_polars_read(server):
    with _connect(server) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM people ORDER BY id")
            df = cur.fetch_df()
        assert list(df["id"]) == [1, 2, 3, 4] and df["name"].iloc[1] == "grace"
        df = pd.read_sql("SELECT id, score FROM people ORDER BY id", conn)
        assert list(df["id"]) == [1, 2, 3, 4] and pd.isna(df["score"].iloc[2])
        frame = pl.read_database("SELECT id, name FROM people ORDER BY id", connection=conn)
        assert frame["name"].to_list() == ["ada", "grace", "edsger", None]
        assert frame.schema["id"] == pl.Int64


@pytest.mark.parametrize("mode", ["create", "append", "replace", "create_append"])
def test_adbc_ingest_modes(server, mode):
    name = f"ingest_{mode}"
    first = pa.table({"id": pa.array([1, 2], pa.int64()), "v": pa.array(["a", "b"])})
    second = pa.table({"id": pa.array([3], pa.int64()), "v": pa.array(["c"])})
    with _connect(server) as conn, conn.cursor() as cur:
        if mode in ("append", "replace"):
            assert cur.adbc_ingest(name, first, mode="create") == 2
        assert cur.adbc_ingest(name, second if mode in ("append", "replace") else first, mode=mode) in (-1, 1, 2)
        if mode == "create_append":
            cur.adbc_ingest(name, second, mode="create_append")
        if mode == "create":
            with pytest.raises(adbc_driver_manager.Error):
                cur.adbc_ingest(name, first, mode="create")  # exists already
        cur.execute(f"SELECT id FROM {name} ORDER BY id")
        got = [r[0] for r in cur.fetchall()]
    assert got == {"create": [1, 2], "append": [1, 2, 3], "replace": [3], "create_append": [1, 2, 3]}[mode], got


def test_adbc_ingest_temporary_is_refused_clearly(server):
    with _connect(server) as conn, conn.cursor() as cur:
        with pytest.raises(adbc_driver_manager.Error) as failure:
            cur.adbc_ingest("ingest_temp", pa.table({"x": [1]}), mode="create", temporary=True)
    assert "temporary" in str(failure.value).lower(), _error_text(failure.value)


def test_pandas_and_polars_write_and_read_back(server):
    df = pd.DataFrame({"id": [1, 2, 3], "city": ["Oslo", "Lima", None], "fare": [1.5, 2.25, 3.0]})
    frame = pl.DataFrame({"id": [10, 11], "city": ["Pune", "Kyiv"], "fare": [4.0, 5.5]})
    with _connect(server) as conn:
        with conn.cursor() as cur:
            cur.adbc_ingest("frames_pandas", pa.Table.from_pandas(df, preserve_index=False), mode="create")
        frame.write_database("frames_polars", connection=conn, engine="adbc", if_table_exists="fail")
        frame.write_database("frames_polars", connection=conn, engine="adbc", if_table_exists="append")
        back = pl.read_database("SELECT * FROM frames_polars ORDER BY id", connection=conn)
        assert back["id"].to_list() == [10, 10, 11, 11]
        assert back["city"].to_list() == ["Pune", "Pune", "Kyiv", "Kyiv"]
        # pandas writes strings as large_utf8, polars as utf8_view: the table
        # keeps its own layout and takes the other's values.
        frame.write_database("frames_pandas", connection=conn, engine="adbc", if_table_exists="append")
        read = pd.read_sql("SELECT * FROM frames_pandas ORDER BY id", conn)
        assert read["id"].tolist() == [1, 2, 3, 10, 11]
        assert read["fare"].tolist() == [1.5, 2.25, 3.0, 4.0, 5.5]
        cities = read["city"].tolist()
        assert cities[:2] == ["Oslo", "Lima"] and pd.isna(cities[2]) and cities[3:] == ["Pune", "Kyiv"]
        assert conn.adbc_get_table_schema("frames_pandas").field("city").type == pa.large_string()


# ----------------------------------------------------------------------------------------------
# Cancellation and timeouts
# ----------------------------------------------------------------------------------------------

def test_cancel_from_another_thread(server):
    start = server.log_size()
    outcome = {}
    with _connect(server) as conn:
        cur = conn.cursor()

        def run():
            began = time.monotonic()
            try:
                cur.execute(LONG_QUERY)
                outcome["rows"] = cur.fetchall()
            except adbc_driver_manager.Error as e:
                outcome["error"] = e
            outcome["seconds"] = time.monotonic() - began

        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(1.5)
        cur.adbc_cancel()
        thread.join(60)
        assert not thread.is_alive(), "the cancelled query did not end within 60 s"
        assert "error" in outcome, f"the query was not cancelled: {outcome}"
        assert "cancel" in str(outcome["error"]).lower(), _error_text(outcome["error"])
        cur.close()
        with conn.cursor() as again:
            again.execute("SELECT count(*) FROM people")
            assert again.fetchall() == [(4,)]
    # The server stopped the query: its DoGet ended CANCELLED.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ends = [e for e in _log_entries(server, start) if e.get("rpc") == "DoGet" and e.get("status") == "CANCELLED"]
        if ends:
            break
        time.sleep(0.2)
    assert ends, "the server did not stop the cancelled query"


def test_statement_timeout(server):
    with _connect(server, **{TIMEOUT_QUERY: "1", TIMEOUT_FETCH: "1"}) as conn, conn.cursor() as cur:
        began = time.monotonic()
        with pytest.raises(adbc_driver_manager.Error) as failure:
            cur.execute(LONG_QUERY)
            cur.fetchall()
        assert time.monotonic() - began < 30
        text = str(failure.value).lower()
        assert "deadline" in text or "timeout" in text or "timed out" in text, _error_text(failure.value)
    with _connect(server, **{TIMEOUT_QUERY: "30"}) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM people")
        assert cur.fetchall() == [(4,)]


def test_statement_timeout_set_on_the_connection(server):
    start = server.log_size()
    with _connect(server) as conn:
        conn.adbc_connection.set_options(**{TIMEOUT_QUERY: 1.0, TIMEOUT_FETCH: 1.0})
        with conn.cursor() as cur:  # statements made from now on have the timeouts
            with pytest.raises(adbc_driver_manager.Error) as failure:
                cur.execute(LONG_QUERY)
                cur.fetchall()
    assert "DEADLINE" in str(failure.value).upper() or "TIMEOUT" in str(failure.value).upper(), _error_text(
        failure.value)
    # The server stops the query when the client's deadline passes.
    deadline = time.monotonic() + 20
    ends = []
    while time.monotonic() < deadline and not ends:
        ends = [e for e in _log_entries(server, start) if e.get("rpc") == "DoGet" and e.get("status") != "OK"]
        time.sleep(0.2)
    assert ends, "the server did not stop the query whose deadline passed"


# ----------------------------------------------------------------------------------------------
# Incremental execution (PollFlightInfo) and the current schema (session options)
# ----------------------------------------------------------------------------------------------

def test_incremental_execution_polls(server):
    with _connect(server) as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{INCREMENTAL: "true"})
        rows = []
        for _ in range(100):
            partitions, schema = cur.adbc_execute_partitions("SELECT id FROM people ORDER BY id")
            for p in partitions:
                cur.adbc_read_partition(p)
                rows += [r[0] for r in cur.fetchall()]
            if not partitions and rows:
                break
        assert sorted(rows) == [1, 2, 3, 4]


def test_execute_partitions(server):
    with _connect(server) as conn, conn.cursor() as cur:
        partitions, schema = cur.adbc_execute_partitions("SELECT id FROM people ORDER BY id")
        assert schema.names == ["id"] and partitions
        rows = []
        for p in partitions:
            cur.adbc_read_partition(p)
            rows += [r[0] for r in cur.fetchall()]
        assert rows == [1, 2, 3, 4]


def test_current_db_schema_is_default(server):
    with _connect(server) as conn:
        assert conn.adbc_current_db_schema == "default"


def test_set_current_db_schema(server):
    with _connect(server) as conn:
        conn.adbc_connection.set_options(**{DB_SCHEMA: "sales"})
        assert conn.adbc_current_db_schema == "sales"
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM orders")  # a bare name in the current schema
            assert cur.fetchall() == [(3,)]
