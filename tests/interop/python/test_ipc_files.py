"""The corpus of corpus.py through Arrow IPC files and streams between pyarrow and `hangar-integration`.

For every case:
- pyarrow writes an IPC file; Hangar reads it into integration JSON
  (`arrow-to-json`) and validates the file against that JSON (`validate`);
- Hangar writes an IPC file from that JSON (`json-to-arrow`) and pyarrow reads
  it: the schema and values must be the ones pyarrow first wrote;
- Hangar turns its file into a stream (`file-to-stream`), plain and with
  LZ4_FRAME and ZSTD bodies, and pyarrow reads each;
- pyarrow writes a stream (plain, LZ4_FRAME, ZSTD), Hangar turns it into a
  file (`stream-to-file`, with the other codec) and pyarrow reads that.
The tables side (DoPut, DoGet) of the same corpus is test_generated_types.py.
"""

import subprocess

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

import corpus
from arrow_compare import schema_difference, values_difference
from hangar_paths import BIN_DIR

INTEGRATION = BIN_DIR / "hangar-integration"
CASES = corpus.build_corpus()
CODECS = [None, "lz4", "zstd"]
PYARROW_CODEC = {None: None, "lz4": "lz4", "zstd": "zstd"}
OTHER_CODEC = {None: "zstd", "lz4": "zstd", "zstd": "lz4"}


def _integration(*args, stdin=None):
    done = subprocess.run([str(INTEGRATION), *args], input=stdin, capture_output=True, timeout=120)
    assert done.returncode == 0, (f"hangar-integration {' '.join(args)} failed with status {done.returncode}:\n"
                                  f"{done.stderr.decode(errors='replace')}")
    return done.stdout


def _write(case, sink, stream, codec=None):
    options = ipc.IpcWriteOptions(compression=PYARROW_CODEC[codec],
                                  emit_dictionary_deltas=bool(case.write_options and
                                                              case.write_options.emit_dictionary_deltas))
    make = ipc.new_stream if stream else ipc.new_file
    with make(sink, case.schema, options=options) as writer:
        for b in case.batches:
            writer.write_batch(b)


def _problems(case, what, schema, batches):
    diff = schema_difference(case.schema, schema)
    if diff:
        return [f"{what}: schema differs:\n{diff}"]
    diff = values_difference(case.schema, case.batches, batches)
    return [f"{what}: values differ: {diff}"] if diff else []


def _replacing(case):
    # The IPC file format cannot replace a dictionary (deltas only): such a stream has no file form.
    return case.name == "dict_replaced_between_batches"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_ipc_round_trips(case, tmp_path):
    problems = []
    if not _replacing(case):
        source = tmp_path / "pyarrow.arrow"
        _write(case, str(source), stream=False)
        json_file = tmp_path / "hangar.json"
        _integration("--mode", "arrow-to-json", "--arrow", str(source), "--json", str(json_file))
        _integration("--mode", "validate", "--arrow", str(source), "--json", str(json_file))

        made = tmp_path / "hangar.arrow"
        _integration("--mode", "json-to-arrow", "--json", str(json_file), "--arrow", str(made))
        with ipc.open_file(str(made)) as reader:
            problems += _problems(case, "Hangar's IPC file (json-to-arrow)", reader.schema,
                                  [reader.get_batch(i) for i in range(reader.num_record_batches)])
        for codec in CODECS:
            args = ["--mode", "file-to-stream", "--arrow", str(made)] + (["--compression", codec] if codec else [])
            reader = ipc.open_stream(pa.py_buffer(_integration(*args)))
            problems += _problems(case, f"Hangar's IPC stream ({codec or 'uncompressed'})", reader.schema,
                                  list(reader))

    for codec in CODECS:
        sink = pa.BufferOutputStream()
        _write(case, sink, stream=True, codec=codec)
        target = tmp_path / f"from-stream-{codec}.arrow"
        args = ["--mode", "stream-to-file", "--arrow", str(target), "--compression", OTHER_CODEC[codec]]
        if _replacing(case):
            done = subprocess.run([str(INTEGRATION), *args], input=sink.getvalue().to_pybytes(), capture_output=True,
                                  timeout=120)
            assert done.returncode != 0 and b"cannot replace dictionary" in done.stderr, done
            continue
        _integration(*args, stdin=sink.getvalue().to_pybytes())
        with ipc.open_file(str(target)) as reader:
            problems += _problems(case, f"pyarrow's {codec or 'uncompressed'} stream as Hangar's "
                                        f"{OTHER_CODEC[codec]} file", reader.schema,
                                  [reader.get_batch(i) for i in range(reader.num_record_batches)])
    assert not problems, f"{case.name}:\n" + "\n".join(problems)
