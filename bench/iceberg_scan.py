"""bench iceberg scan: one table read whole by pyiceberg through Hangar's
Iceberg REST catalog and by Flight DoGet from the same server, same run.

A `hangar serve --object-store file://DIR --iceberg-rest-listen ...` (a local
folder as the object store: what is measured is the readers, not a network)
takes N rows (default 10 million: int64, float64, utf8, timestamp[us, UTC],
bool) by DoPut; once the Iceberg snapshot holding them is committed,
each reader drains the table into one pyarrow Table:

- DoGet: pyarrow.flight, GetFlightInfo then every endpoint's ticket in turn
  (one stream at a time, as a plain client reads it);
- pyiceberg: load_table through the REST catalog, scan().to_arrow() (its own
  Parquet reads of the data files in the object store).

Both results are checked (row count, sum of the int64 column) before a time
counts. Prints best-of-`--reps` seconds and rows/s for each and the ratio
DoGet / pyiceberg. Needs `make build` and scripts/setup.sh (third_party/venv
with pyarrow and pyiceberg).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.flight as fl  # noqa: E402
from kafka_broker import free_ports  # noqa: E402
from pyiceberg.catalog import load_catalog  # noqa: E402

HANGAR = Path(os.environ.get("HANGAR_BIN_DIR") or ROOT / "build" / "bin") / "hangar"
BATCH_ROWS = 1_000_000


def batch(first, n):
    ids = pa.array(range(first, first + n), pa.int64())
    amounts = pc.divide(pc.cast(pc.bit_wise_and(ids, 0xFFFFF), pa.float64()), 100.0)
    customers = pc.binary_join_element_wise("customer-", pc.cast(pc.bit_wise_and(ids, 0xFFFF), pa.utf8()), "")
    at = pc.cast(pc.add(pc.multiply(ids, 1000), 1764460800000000), pa.timestamp("us", tz="UTC"))
    paid = pc.equal(pc.bit_wise_and(ids, 3), 0)
    return pa.record_batch([ids, amounts, customers, at, paid], names=["id", "amount", "customer", "at", "paid"])


def start_server(workdir):
    flight_port, rest_port = free_ports(2)
    log = open(workdir / "hangar.log", "wb")
    proc = subprocess.Popen([str(HANGAR), "serve", "--listen", f"127.0.0.1:{flight_port}",
                             "--data-dir", str(workdir / "data"), "--object-store", f"file://{workdir / 'bucket'}",
                             "--iceberg-rest-listen", f"127.0.0.1:{rest_port}", "--metrics-listen", "off",
                             "--access-log", "off"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    client = fl.connect(f"grpc://127.0.0.1:{flight_port}")
    deadline = time.time() + 60
    while True:
        try:
            list(client.list_flights(options=fl.FlightCallOptions(timeout=2)))
            break
        except fl.FlightError:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"bench iceberg scan: the server did not start (see {workdir / 'hangar.log'})")
            time.sleep(0.2)
    return proc, client, f"http://127.0.0.1:{rest_port}"


def iceberg_rows(rest_uri):
    """total-records of the table's current Iceberg snapshot, 0 before the first."""
    try:
        with urllib.request.urlopen(f"{rest_uri}/v1/namespaces/default/tables/scan", timeout=5) as answer:
            metadata = json.load(answer)["metadata"]
    except OSError:
        return 0
    current = metadata.get("current-snapshot-id")
    for snapshot in metadata.get("snapshots", []):
        if snapshot["snapshot-id"] == current:
            return int(snapshot["summary"].get("total-records", 0))
    return 0


def read_doget(client):
    info = client.get_flight_info(fl.FlightDescriptor.for_path("scan"))
    return pa.concat_tables([client.do_get(endpoint.ticket).read_all() for endpoint in info.endpoints])


def read_pyiceberg(rest_uri):
    catalog = load_catalog("hangar", type="rest", uri=rest_uri)
    return catalog.load_table("default.scan").scan().to_arrow()


def check(table, rows, expected_sum, who):
    if table.num_rows != rows or pc.sum(table.column("id")).as_py() != expected_sum:
        raise SystemExit(f"bench iceberg scan: {who} read {table.num_rows} rows, expected {rows}")


def best_of(reps, read, rows, expected_sum, who):
    best = None
    for _ in range(reps):
        start = time.perf_counter()
        table = read()
        seconds = time.perf_counter() - start
        check(table, rows, expected_sum, who)
        del table
        best = seconds if best is None else min(best, seconds)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 million rows")
    args = parser.parse_args()
    rows = 1_000_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory(prefix="hangar-bench-iceberg-") as tmp:
        workdir = Path(tmp)
        proc, client, rest_uri = start_server(workdir)
        try:
            first = batch(0, min(BATCH_ROWS, rows))
            writer, _ = client.do_put(fl.FlightDescriptor.for_path("scan"), first.schema)
            for start in range(0, rows, BATCH_ROWS):
                writer.write_batch(batch(start, min(BATCH_ROWS, rows - start)))
            writer.close()
            deadline = time.time() + 300
            while iceberg_rows(rest_uri) < rows:
                if time.time() > deadline:
                    raise SystemExit("bench iceberg scan: the Iceberg snapshot never reached every row")
                time.sleep(0.5)
            expected_sum = rows * (rows - 1) // 2
            endpoints = len(client.get_flight_info(fl.FlightDescriptor.for_path("scan")).endpoints)
            doget = best_of(args.reps, lambda: read_doget(client), rows, expected_sum, "DoGet")
            iceberg = best_of(args.reps, lambda: read_pyiceberg(rest_uri), rows, expected_sum, "pyiceberg")
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    print(f"bench iceberg scan: {rows:,} rows (int64, float64, utf8, timestamp, bool), best of {args.reps}")
    print(f"  Hangar DoGet ({endpoints} endpoint{'s' if endpoints != 1 else ''}, one at a time)"
          f"  {doget:6.2f} s  {rows / doget / 1e6:6.2f} M rows/s")
    print(f"  pyiceberg scan through the REST catalog   {iceberg:6.2f} s  {rows / iceberg / 1e6:6.2f} M rows/s")
    print(f"  DoGet / pyiceberg: {iceberg / doget:.2f}x")
    print(json.dumps({"rows": rows, "doget_s": round(doget, 3), "pyiceberg_s": round(iceberg, 3),
                      "ratio": round(iceberg / doget, 3)}))


if __name__ == "__main__":
    main()
