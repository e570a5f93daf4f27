"""Every Arrow gold file, stream and file form, stored as a table through DoPut and read back.

pyarrow reads each file, puts its batches as a table of their own and reads
the table back with GetFlightInfo and DoGet of every endpoint (and GetSchema):
the schema must be the one put, metadata included, and the values equal
(dictionaries compared by their values). The last test, on the same server,
reads every table again, puts one more and counts rows through `hangar sql`.
"""

import pyarrow as pa
import pytest

import gold_files
import hangar_flight as hf
from hangar_paths import run_hangar

GOLD = gold_files.gold_files()
STORED = {}  # table name -> (schema, batches) of every case stored exactly


def test_the_gold_corpus_is_there():
    # 69 cases in 6 folders of Arrow's gold files, each as a stream and as a file.
    assert len(GOLD) >= 138, f"found {len(GOLD)} gold files under {gold_files.GOLD_DIR}"
    assert {g.form for g in GOLD} == {"stream", "file"}


@pytest.mark.parametrize("gold", GOLD, ids=[g.id for g in GOLD])
def test_put_and_read_back(hangar, gold):
    schema, batches = gold.read()
    path = ["default", gold.table_name()]
    problems = hf.put_and_read_back(hangar.client(), path, schema, batches)
    assert not problems, f"{gold.id} as table {path[1]}:\n" + "\n".join(problems)
    STORED[path[1]] = (schema, batches)


def test_after_the_loop_tables_read_back_puts_and_sql_work(hangar):
    client = hangar.client()
    problems = []
    for name, (schema, batches) in STORED.items():
        for p in hf.readback_problems(hf.read(client, ["default", name]), schema, batches):
            problems.append(f"{name}: {p}")
    assert not problems, "tables stored by the loop no longer read back:\n" + "\n".join(problems)

    schema = pa.schema([("id", pa.int64()), ("name", pa.utf8())])
    simple = pa.record_batch([pa.array(range(1000)), pa.array([f"n{i}" for i in range(1000)])], schema=schema)
    problems = hf.put_and_read_back(client, ["default", "simple_after_gold"], schema, [simple])
    assert not problems, "a simple put after the loop:\n" + "\n".join(problems)

    counted = {"simple_after_gold": 1000}
    primitive = gold_files.sanitize("cpp-21.0.0_generated_primitive_stream")
    if primitive in STORED:
        counted[primitive] = sum(b.num_rows for b in STORED[primitive][1])
    for name, rows in counted.items():
        query = f'SELECT count(*) AS n FROM "default"."{name}"'
        r = run_hangar("sql", "--server", hangar.url, "--format", "csv", query)
        assert r.returncode == 0, f"hangar sql {query!r} exited with {r.returncode}: {r.stderr}"
        lines = [line.strip() for line in r.stdout.splitlines() if line.strip()]
        assert lines == ["n", str(rows)], f"hangar sql {query!r} printed {r.stdout!r}, expected n / {rows}"
