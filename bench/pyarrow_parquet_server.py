"""The baseline of bench_table_reads: a Parquet storage service on
pyarrow.flight, as the Arrow cookbook's example of one behaves (Arrow C++
from PyPI does the work; Python only routes the calls).

  DoPut, descriptor path [name]: reads the whole stream, writes it with
      pyarrow.parquet.write_table to <root>/<name>.parquet.
  GetFlightInfo, path [name]: the file's schema and row count, and one
      endpoint whose ticket is the name.
  DoGet, ticket name: pyarrow.parquet.read_table of the file (Arrow C++'s
      Parquet reader, on its thread pool), sent as a RecordBatchStream.

Usage: python pyarrow_parquet_server.py ROOT. Listens on 127.0.0.1 on a free
port, prints "port N", serves until its standard input reaches end of file.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pathlib  # noqa: E402
import sys  # noqa: E402

import pyarrow.flight as flight  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402


class ParquetStorage(flight.FlightServerBase):
    def __init__(self, root):
        super().__init__("grpc://127.0.0.1:0")
        self._root = pathlib.Path(root)
        self._root.mkdir(parents=True, exist_ok=True)

    def _file(self, name):
        if not name or "/" in name or name.startswith("."):
            raise flight.FlightServerError("bad name")
        return self._root / (name + ".parquet")

    def get_flight_info(self, context, descriptor):
        name = descriptor.path[0].decode()
        metadata = pq.read_metadata(self._file(name))
        endpoint = flight.FlightEndpoint(name.encode(), [])
        return flight.FlightInfo(metadata.schema.to_arrow_schema(), descriptor, [endpoint], metadata.num_rows, -1)

    def do_put(self, context, descriptor, reader, writer):
        pq.write_table(reader.read_all(), self._file(descriptor.path[0].decode()))

    def do_get(self, context, ticket):
        return flight.RecordBatchStream(pq.read_table(self._file(ticket.ticket.decode())))


def main():
    server = ParquetStorage(sys.argv[1])
    print(f"port {server.port}", flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
