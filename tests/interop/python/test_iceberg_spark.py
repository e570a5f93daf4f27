"""Apache Spark reads and writes Hangar's tables through its Iceberg REST catalog.

Spark (pyspark, local mode) with Iceberg's Spark runtime and AWS bundle
(the jars tests/support/spark/pom.xml pins, resolved by scripts/setup.sh
into third_party/spark/classpath and handed over as spark.jars) is the
client nobody here wrote. Its catalog is Hangar's `--iceberg-rest-listen`,
logged in with the OAuth2 client-credentials flow as a Hangar user, over a
table store mirrored to a local folder and to an S3 bucket (SeaweedFS,
tests/support/s3_server.py), where Spark's S3FileIO takes the endpoint,
addressing and credentials from the catalog alone. On each: counts and
sums, every row and type as DoGet serves it, a filter on the partition
column that reads only its partition's files (Iceberg's scan metrics), a
metadata table, and a Spark INSERT that DoGet and a Flight SQL query then
see, after which Hangar's own further puts reach Spark once it refreshes;
Spark's DELETE and ALTER TABLE are refused, naming why; a table Spark
creates is a Hangar table that its INSERT fills.
One Spark session serves the module; Spark's catalog `hangar` is the
folder's server, `hangar_s3` the bucket's.
"""

import datetime
import decimal
import sys
from dataclasses import dataclass
from pathlib import Path

import adbc_driver_flightsql.dbapi as flight_sql
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as fl
import pytest

import hangar_flight as hf
from conftest import USERS, free_port

REPO = Path(__file__).resolve().parents[3]
SPARK_CLASSPATH = REPO / "third_party" / "spark" / "classpath"

# The tables of the module: every column type Spark's and Hangar's Iceberg
# types share one to one, partitioned by `day` (identity).
SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("n", pa.int32()),
    pa.field("price", pa.decimal128(10, 2)),
    pa.field("score", pa.float64()),
    pa.field("name", pa.string()),
    pa.field("ok", pa.bool_()),
    pa.field("day", pa.date32()),
    pa.field("at", pa.timestamp("us")),
    pa.field("at_utc", pa.timestamp("us", tz="UTC")),
])
FIELDS = [("id", "int64", False), ("n", "int32", True), ("price", "decimal128(10, 2)", True),
          ("score", "float64", True), ("name", "utf8", True), ("ok", "bool", True), ("day", "date32", True),
          ("at", "timestamp[us]", True), ("at_utc", "timestamp[us, tz=UTC]", True)]
DAYS = [datetime.date(2024, 1, d) for d in (1, 2, 3)]


def rows(ids):
    """A batch of SCHEMA: row i on day DAYS[i % 3], with a null in each nullable column now and then."""
    ids = list(ids)
    return pa.record_batch([
        ids,
        [None if i % 7 == 3 else i * 3 - 50 for i in ids],
        [None if i % 5 == 4 else decimal.Decimal(i * 125 - 1000).scaleb(-2) for i in ids],
        [i / 8 - 2.5 for i in ids],
        [None if i % 6 == 5 else f"name-{i}-é" for i in ids],
        [None if i % 4 == 3 else i % 2 == 0 for i in ids],
        [DAYS[i % 3] for i in ids],
        [datetime.datetime(2024, 1, 1, 8) + datetime.timedelta(minutes=37 * i, microseconds=i) for i in ids],
        [datetime.datetime(2024, 2, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=i) for i in ids],
    ], schema=SCHEMA)


@dataclass
class Store:
    """A Hangar server with an object store and its catalog, and Spark's name for that catalog."""
    kind: str
    server: object
    catalog: str

    def table(self, name):
        return f"{self.catalog}.default.{name}"


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    assert SPARK_CLASSPATH.is_file(), f"{SPARK_CLASSPATH} is missing: scripts/setup.sh resolves it"
    jars = SPARK_CLASSPATH.read_text().strip().split(":")
    assert len(jars) >= 2 and all(Path(j).is_file() for j in jars), jars
    from pyspark import SparkContext
    from pyspark.sql import SparkSession
    work = tmp_path_factory.mktemp("spark")
    with pytest.MonkeyPatch.context() as env:
        # The driver runs this interpreter's Python for its workers; everything on loopback.
        env.setenv("PYSPARK_PYTHON", sys.executable)
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        session = start_spark(SparkSession, jars, work)
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        gateway = SparkContext._gateway
        session.stop()
        # The driver's JVM ends when its standard input closes: the modules after this one get the memory back.
        if gateway is not None and getattr(gateway, "proc", None) is not None:
            gateway.shutdown()
            gateway.proc.stdin.close()
            gateway.proc.wait(timeout=60)
            SparkContext._gateway = SparkContext._jvm = None


def start_spark(SparkSession, jars, work):
    """Spark in local mode on two threads, with the Iceberg jars and its scratch space under `work`."""
    builder = SparkSession.builder.master("local[2]").appName("hangar-iceberg-spark")
    settings = {
        "spark.jars": ",".join(jars),
        "spark.driver.memory": "768m",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.session.timeZone": "UTC",
        # The executed plan is the final one, whose scan carries Iceberg's metrics.
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.warehouse.dir": str(work / "warehouse"),
        "spark.local.dir": str(work / "local"),
        # A short run on a busy machine: the quick JIT tier only, one GC thread,
        # and queries interpreted rather than compiled to Java first.
        "spark.driver.extraJavaOptions": f"-Djava.io.tmpdir={work} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        "spark.sql.codegen.wholeStage": "false",
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def add_catalog(spark, name, server, user="writer"):
    """Spark's catalog `name`: Hangar's REST catalog, logged in as `user` (OAuth2 client credentials)."""
    prefix = f"spark.sql.catalog.{name}"
    spark.conf.set(prefix, "org.apache.iceberg.spark.SparkCatalog")
    spark.conf.set(f"{prefix}.type", "rest")
    spark.conf.set(f"{prefix}.uri", server.rest_uri)
    spark.conf.set(f"{prefix}.credential", f"{user}:{USERS[user][0]}")
    spark.conf.set(f"{prefix}.scope", "catalog")


def start_hangar(hangar_factory, users_file, name, store_args):
    port = free_port()
    s = hangar_factory(name, [*store_args, "--iceberg-rest-listen", f"127.0.0.1:{port}", "--users", str(users_file)],
                       login=("admin", USERS["admin"][0]))
    s.rest_uri = f"http://127.0.0.1:{port}"
    return s


@pytest.fixture(scope="module")
def folder_store(spark, hangar_factory, users_file, tmp_path_factory):
    bucket = tmp_path_factory.mktemp("spark-folder-bucket")
    server = start_hangar(hangar_factory, users_file, "spark-folder", ["--object-store", str(bucket)])
    add_catalog(spark, "hangar", server)
    return Store("folder", server, "hangar")


@pytest.fixture(scope="module")
def s3_store(spark, s3, hangar_factory, users_file, tmp_path_factory):
    secret = tmp_path_factory.mktemp("spark-s3-secret") / "s3-secret"
    secret.write_text(s3.secret_key + "\n")
    server = start_hangar(hangar_factory, users_file, "spark-s3", [
        "--object-store", f"s3://{s3.bucket}/warehouse", "--s3-endpoint", s3.endpoint,
        "--s3-access-key-id", s3.access_key, "--s3-secret-access-key-file", str(secret)])
    # Nothing about the bucket is told to Spark: the catalog hands it over.
    add_catalog(spark, "hangar_s3", server)
    return Store("s3", server, "hangar_s3")


@pytest.fixture(scope="module", params=["folder", "s3"])
def store(request):
    return request.getfixturevalue(f"{request.param}_store")


def make_table(store, name, batches):
    """Table `name` of SCHEMA partitioned by day, filled with `batches` (one put each), in Iceberg once acked."""
    client, options = store.server.client(), store.server.options()
    hf.create_table(client, name, FIELDS, options=options,
                    partition_spec={"fields": [{"source_name": "day", "transform": "identity"}]})
    for batch in batches:
        out = hf.exchange(client, [name], SCHEMA, [batch], "iceberg_committed", options=options)
        assert hf.ack_problems(out, 1, "iceberg_committed") == []


def do_get(store, name):
    """DoGet of table `name`, as admin."""
    server = store.server
    reader = server.client().do_get(fl.Ticket(name.encode()), options=server.options())
    return reader.read_all()


def flight_sql_query(store, sql):
    """The rows of `sql` through ADBC's Flight SQL driver, logged in as writer."""
    with flight_sql.connect(store.server.url, db_kwargs={"username": "writer", "password": USERS["writer"][0]},
                            autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def assert_spark_rows_equal(got, expected):
    """Spark's rows (as Arrow) and DoGet's, sorted by id, column by column with Spark's types."""
    assert got.num_rows == expected.num_rows, f"Spark read {got.num_rows} rows, DoGet gave {expected.num_rows}"
    got, expected = got.sort_by("id"), expected.sort_by("id")
    assert got.column_names == expected.column_names
    for name in expected.column_names:
        want = expected.column(name)
        if not want.type.equals(got.column(name).type):
            want = want.cast(got.column(name).type)
        assert got.column(name).to_pylist() == want.to_pylist(), f"column '{name}' differs"


def scan_metrics(df):
    """(rows, metrics of the query's Iceberg scan): the scan's own counts of the data files it read and skipped."""
    result = df.collect()
    plan = df._jdf.queryExecution().executedPlan()
    leaves = plan.collectLeaves()
    for i in range(leaves.size()):
        leaf = leaves.apply(i)
        if "BatchScan" in leaf.nodeName():
            metrics = leaf.metrics()
            return result, {k: metrics.apply(k).value() for k in ("resultDataFiles", "skippedDataFiles")
                            if metrics.contains(k)}
    raise AssertionError(f"no Iceberg scan in the plan:\n{plan.toString()}")


@pytest.fixture(scope="module")
def rides(store):
    """Table `rides` of `store`: three puts of 12 rows, 3 days each, so 9 data files."""
    make_table(store, "rides", [rows(range(12 * k, 12 * k + 12)) for k in range(3)])
    return "rides"


def test_spark_counts_sums_and_reads_every_row_and_type_as_doget_serves(spark, store, rides):
    served = do_get(store, rides)
    counted = spark.sql(f"SELECT count(*) AS c, sum(id) AS s, sum(n) AS sn, sum(price) AS sp, count(name) AS cn "
                        f"FROM {store.table(rides)}").collect()[0]
    assert counted.c == served.num_rows == 36
    assert counted.s == pc.sum(served.column("id")).as_py()
    assert counted.sn == pc.sum(served.column("n")).as_py()
    assert counted.sp == pc.sum(served.column("price")).as_py()
    assert counted.cn == served.num_rows - served.column("name").null_count
    assert_spark_rows_equal(spark.table(store.table(rides)).toArrow(), served)
    # Spark sees Iceberg types that map back to the put's.
    types = {f.name: f.dataType.simpleString() for f in spark.table(store.table(rides)).schema.fields}
    assert types == {"id": "bigint", "n": "int", "price": "decimal(10,2)", "score": "double", "name": "string",
                     "ok": "boolean", "day": "date", "at": "timestamp_ntz", "at_utc": "timestamp"}


def test_a_filter_on_the_partition_column_reads_only_that_partitions_files(spark, store, rides):
    served = do_get(store, rides)
    on_day = pc.equal(served.column("day"), pa.scalar(DAYS[1], pa.date32()))
    want = sorted(served.filter(on_day).column("id").to_pylist())
    df = spark.sql(f"SELECT id FROM {store.table(rides)} WHERE day = DATE'2024-01-02'")
    got, metrics = scan_metrics(df)
    assert sorted(r.id for r in got) == want and len(want) == 12
    # Three puts each wrote one file per day: the day's three are read, the other six pruned.
    assert metrics == {"resultDataFiles": 3, "skippedDataFiles": 6}, metrics
    everything, metrics = scan_metrics(spark.sql(f"SELECT id FROM {store.table(rides)}"))
    assert len(everything) == 36 and metrics["resultDataFiles"] == 9, metrics
    # The metadata table `files` of the same table (a name Hangar's catalog answers 404 for).
    files = spark.sql(f"SELECT file_path, record_count, partition.day AS day FROM {store.table(rides)}.files").collect()
    assert len(files) == 9 and sum(f.record_count for f in files) == 36
    assert sorted({f.day for f in files}) == DAYS


def test_a_spark_insert_reaches_doget_and_flight_sql_and_later_puts_reach_spark(spark, store):
    make_table(store, "trips", [rows(range(0, 6))])
    table = store.table("trips")
    spark.sql(f"""INSERT INTO {table} VALUES
        (100, 7, 12.50, 0.25, 'spark', true, DATE'2024-01-02', TIMESTAMP_NTZ'2024-01-02 10:00:00.000001',
         TIMESTAMP'2024-02-03 04:05:06.000007'),
        (101, NULL, NULL, -1.5, NULL, NULL, DATE'2024-01-05', NULL, NULL),
        (102, -3, -0.01, 1e300, 'ünï', false, DATE'2024-01-05', TIMESTAMP_NTZ'1999-12-31 23:59:59',
         TIMESTAMP'2024-02-01 00:00:00')""")
    served = do_get(store, "trips")
    assert sorted(served.column("id").to_pylist()) == [0, 1, 2, 3, 4, 5, 100, 101, 102]
    # The inserted rows, as DoGet serves them, with the values Spark wrote.
    inserted = served.filter(pc.greater_equal(served.column("id"), 100)).sort_by("id").to_pylist()
    assert inserted == [
        {"id": 100, "n": 7, "price": decimal.Decimal("12.50"), "score": 0.25, "name": "spark", "ok": True,
         "day": DAYS[1], "at": datetime.datetime(2024, 1, 2, 10, 0, 0, 1),
         "at_utc": datetime.datetime(2024, 2, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)},
        {"id": 101, "n": None, "price": None, "score": -1.5, "name": None, "ok": None,
         "day": datetime.date(2024, 1, 5), "at": None, "at_utc": None},
        {"id": 102, "n": -3, "price": decimal.Decimal("-0.01"), "score": 1e300, "name": "ünï", "ok": False,
         "day": datetime.date(2024, 1, 5), "at": datetime.datetime(1999, 12, 31, 23, 59, 59),
         "at_utc": datetime.datetime(2024, 2, 1, tzinfo=datetime.timezone.utc)},
    ]
    # Flight SQL sees them too.
    assert flight_sql_query(store, "SELECT count(*), sum(id), count(name) FROM trips") == [
        (9, sum(range(6)) + 303, served.num_rows - served.column("name").null_count)]
    assert flight_sql_query(store, "SELECT id FROM trips WHERE day = DATE '2024-01-05' ORDER BY id") == [(101,), (102,)]
    # Spark reads back what Hangar now serves: its rows, and Hangar's own files only.
    spark.catalog.refreshTable(table)
    assert_spark_rows_equal(spark.table(table).toArrow(), served)
    paths = [r.file_path for r in spark.sql(f"SELECT file_path FROM {table}.files").collect()]
    assert paths and all(Path(p).stem.isdigit() for p in paths), paths
    # Hangar's own puts after Spark's insert: Spark sees them once it refreshes the table.
    out = hf.exchange(store.server.client(), ["trips"], SCHEMA, [rows(range(200, 204))], "iceberg_committed",
                      options=store.server.options())
    assert hf.ack_problems(out, 1, "iceberg_committed") == []
    spark.catalog.refreshTable(table)
    counted = spark.sql(f"SELECT count(*) AS c, sum(id) AS s FROM {table}").collect()[0]
    assert (counted.c, counted.s) == (13, sum(range(6)) + 303 + sum(range(200, 204)))
    assert_spark_rows_equal(spark.table(table).toArrow(), do_get(store, "trips"))
    # Commits other than appends are Flight's: refused with Hangar's reason, nothing changed.
    for sql, reason in [(f"DELETE FROM {table} WHERE day = DATE'2024-01-05'", "appended snapshots only"),
                        (f"ALTER TABLE {table} ADD COLUMN extra string", "does not take the update")]:
        with pytest.raises(Exception) as refused:
            spark.sql(sql).collect()
        assert "UnsupportedOperationException" in str(refused.value) and reason in str(refused.value), sql
    assert do_get(store, "trips").num_rows == 13
    assert [f.name for f in do_get(store, "trips").schema] == SCHEMA.names


def test_a_table_spark_creates_is_a_hangar_table(spark, store):
    table = store.table("made_by_spark")
    spark.sql(f"CREATE TABLE {table} (id bigint NOT NULL, label string, day date) USING iceberg PARTITIONED BY (day)")
    assert "made_by_spark" in [r.tableName for r in spark.sql(f"SHOW TABLES IN {store.catalog}.default").collect()]
    spark.sql(f"INSERT INTO {table} VALUES (1, 'one', DATE'2024-03-01'), (2, NULL, DATE'2024-03-02')")
    served = do_get(store, "made_by_spark")
    assert served.schema.names == ["id", "label", "day"]
    assert [f.type for f in served.schema] == [pa.int64(), pa.string(), pa.date32()]
    assert served.sort_by("id").to_pylist() == [
        {"id": 1, "label": "one", "day": datetime.date(2024, 3, 1)},
        {"id": 2, "label": None, "day": datetime.date(2024, 3, 2)}]
    spark.catalog.refreshTable(table)
    got, metrics = scan_metrics(spark.sql(f"SELECT id FROM {table} WHERE day = DATE'2024-03-02'"))
    assert [r.id for r in got] == [2] and metrics == {"resultDataFiles": 1, "skippedDataFiles": 1}, metrics
