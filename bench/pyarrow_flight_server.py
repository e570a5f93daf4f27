"""The pyarrow baseline of bench_flight: a pyarrow.flight server (Arrow C++'s
Flight, from PyPI) that serves the same calls as the benchmark's Hangar
server, so one client measures both.

  DoGet, ticket "<batch bytes>:<count>": `count` times one record batch of a
      single non-nullable int64 column "v" holding 0, 1, ... (batch bytes / 8
      rows), built once per size and sent as it is (a RecordBatchStream: the
      stream is written by Arrow C++, no Python per batch).
  DoPut: reads every batch (decoded into arrays) and drops it.

Listens on 127.0.0.1 on a free port, prints "port N" on stdout, and serves
until its standard input reaches end of file (the benchmark closes it, or
exits), then shuts down. Run by build/bin/bench_flight with the interpreter
of third_party/venv/.
"""
import os

# pyarrow may import numpy, whose OpenBLAS would otherwise start a thread per
# core that spins now and then: not part of the server, and on a small
# machine it takes CPU from it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import threading  # noqa: E402

import pyarrow as pa  # noqa: E402
import pyarrow.flight as flight

SCHEMA = pa.schema([pa.field("v", pa.int64(), nullable=False)])


class BenchServer(flight.FlightServerBase):
    def __init__(self):
        super().__init__("grpc://127.0.0.1:0")
        self._batches = {}
        self._lock = threading.Lock()

    def _batch(self, batch_bytes):
        with self._lock:
            batch = self._batches.get(batch_bytes)
            if batch is None:
                rows = batch_bytes // 8
                column = pa.array(range(rows), type=pa.int64())
                batch = pa.RecordBatch.from_arrays([column], schema=SCHEMA)
                self._batches[batch_bytes] = batch
            return batch

    def do_get(self, context, ticket):
        try:
            batch_bytes, count = (int(part) for part in ticket.ticket.decode().split(":"))
        except ValueError:
            raise flight.FlightServerError("bad ticket")
        batch = self._batch(batch_bytes)
        # The same batch `count` times: the table refers to its buffers, nothing is copied.
        return flight.RecordBatchStream(pa.Table.from_batches([batch] * count, schema=SCHEMA))

    def do_put(self, context, descriptor, reader, writer):
        while True:
            try:
                reader.read_chunk()
            except StopIteration:
                return


def main():
    server = BenchServer()
    print(f"port {server.port}", flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
