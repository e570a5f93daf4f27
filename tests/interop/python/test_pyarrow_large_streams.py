"""Hundreds of MiB through DoPut and DoGet with pyarrow.flight, the server's memory bounded meanwhile.

A server of its own (so that its peak resident memory, VmHWM in
/proc/PID/status, is about these streams alone) takes a DoPut of
LARGE_MIB MiB and serves it back with DoGet; the client never holds the
whole stream either. The server streams: its peak must stay well below the
size of the stream (it measured about 560 MiB for 960 MiB, and grows by
about 60 MiB when the stream doubles: DuckDB's working memory for the
Parquet writes and gRPC's buffers). The bound is generous, for a loaded
2-core machine.
"""

import numpy as np
import pyarrow as pa
import pyarrow.flight as fl
import pytest

BATCH_ROWS = 1 << 20  # two columns of 8 bytes: 16 MiB a batch
BATCHES = 60  # 960 MiB
LARGE_MIB = BATCHES * 16
PEAK_BOUND_MIB = 800


def _vm_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {key} in /proc/{pid}/status")


@pytest.fixture(scope="module")
def server(hangar_factory):
    return hangar_factory("large")


def _batch(k, schema):
    start = k * BATCH_ROWS
    ids = np.arange(start, start + BATCH_ROWS, dtype=np.int64)
    values = (ids * 2654435761 % 1000003).astype(np.float64)
    return pa.record_batch([pa.array(ids), pa.array(values)], schema=schema)


def test_large_put_and_get_keep_the_server_memory_bounded(server):
    pid = server.pid()
    baseline = _vm_kib(pid, "VmRSS") // 1024
    schema = pa.schema([("id", pa.int64()), ("v", pa.float64())])
    client = server.connect()
    writer, metadata = client.do_put(fl.FlightDescriptor.for_path("large_stream"), schema)
    for k in range(BATCHES):
        writer.write_batch(_batch(k, schema))
    writer.done_writing()
    result = metadata.read()
    writer.close()
    assert result is not None
    after_put = _vm_kib(pid, "VmHWM") // 1024

    info = client.get_flight_info(fl.FlightDescriptor.for_path("large_stream"))
    assert info.total_records == BATCHES * BATCH_ROWS
    rows, checksum = 0, 0
    for endpoint in info.endpoints:
        reader = client.do_get(endpoint.ticket)
        for chunk in reader:
            ids = chunk.data.column(0).to_numpy()
            rows += len(ids)
            checksum += int(ids.sum())
    n = BATCHES * BATCH_ROWS
    assert rows == n and checksum == n * (n - 1) // 2
    peak = _vm_kib(pid, "VmHWM") // 1024
    client.close()
    assert peak < PEAK_BOUND_MIB, (
        f"hangar serve peaked at {peak} MiB resident (from {baseline} MiB at the start, {after_put} MiB after the "
        f"put) for a {LARGE_MIB} MiB stream; the bound is {PEAK_BOUND_MIB} MiB")
