"""Every Arrow gold file streamed into a table through DoExchange, at `disk` and at `committed`.

The table is made first by a DoPut of the schema alone (DoExchange needs an
existing table, docs/durability.md), then the file's batches are streamed
with a WriteRequest on the first message. Each batch must get one ack per
level up to the requested one, in LSN order, without error; then the table
must read back as what was streamed. Half of the cases run before a restart
of the server (SIGTERM, started again on the same data directory) and half
after it; after the restart every batch acknowledged before it must read
back exactly. Last, each case's table is made by CreateTable from the
fields of the case's integration JSON (type objects, dictionaries, children,
metadata) and must get the file's schema; the stream is then written into
it at `disk`.
"""

import json

import pyarrow as pa
import pyarrow.flight as fl
import pytest

import gold_files
import hangar_flight as hf
from arrow_compare import schema_difference

LEVELS = ("disk", "committed")
GOLD = gold_files.gold_files()
# Alternate pairs of files so that streams and files, and every folder, fall on both sides.
BEFORE = [(g, level) for i, g in enumerate(GOLD) if i % 4 in (0, 3) for level in LEVELS]
AFTER = [(g, level) for i, g in enumerate(GOLD) if i % 4 in (1, 2) for level in LEVELS]
ACKED = {}  # table name -> (schema, batches acknowledged at the level asked for), before the restart


def _ids(cases):
    return [f"{g.id}@{level}" for g, level in cases]


def _run(hangar, gold, level, acked):
    schema, batches = gold.read()
    name = gold.table_name(prefix=f"ingest_{level}_")
    problems = hf.stream_into_new_table(hangar.client(), name, schema, batches, level, acked)
    assert not problems, f"{gold.id} streamed at '{level}' into {name}:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("gold,level", BEFORE, ids=_ids(BEFORE))
def test_stream_before_restart(hangar, gold, level):
    _run(hangar, gold, level, ACKED)


def test_restart_keeps_every_acked_batch(hangar):
    # A table of this test's own, so that there is always something to check.
    schema = pa.schema([("k", pa.int64()), ("v", pa.utf8())])
    batches = [pa.record_batch([pa.array([i, i + 1]), pa.array([f"a{i}", None])], schema=schema) for i in range(3)]
    problems = hf.stream_into_new_table(hangar.client(), "ingest_restart_reference", schema, batches, "disk", ACKED)
    assert not problems, "\n".join(map(str, problems))

    code = hangar.restart()
    assert code == 0, f"hangar serve exited with status {code} on SIGTERM"
    client = hangar.client()
    problems = []
    for name, (schema, acked) in ACKED.items():
        for p in hf.readback_problems(hf.read(client, ["default", name]), schema, acked):
            problems.append(f"{name}: {p}")
    assert not problems, (f"after the restart, of {len(ACKED)} tables streamed before it:\n" + "\n".join(problems))


@pytest.mark.parametrize("gold,level", AFTER, ids=_ids(AFTER))
def test_stream_after_restart(hangar, gold, level):
    _run(hangar, gold, level, None)


STREAMS = [g for g in GOLD if g.form == "stream"]


@pytest.mark.parametrize("gold", STREAMS, ids=[g.id for g in STREAMS])
def test_create_table_from_the_integration_json_then_stream(hangar, gold):
    schema, batches = gold.read()
    # CreateTable takes fields only: the schema's own metadata has no place in it.
    expected = schema.remove_metadata()
    name = gold.table_name(prefix="ingest_ct_")
    client = hangar.client()
    body = json.dumps({"name": name, "schema_json": {"fields": gold.json_schema()["fields"]}}).encode()
    try:
        list(client.do_action(fl.Action("CreateTable", body)))
    except hf.FLIGHT_ERRORS as e:
        pytest.fail(f"CreateTable of {gold.id}'s integration-JSON fields was refused: "
                    f"{hf.refusal_text(hf.refusal_from('DoAction CreateTable', e))}")
    try:
        made = client.get_schema(hf.path_descriptor(["default", name])).schema
    except hf.FLIGHT_ERRORS as e:
        pytest.fail(f"GetSchema: {hf.refusal_text(hf.refusal_from('GetSchema', e))}")
    diff = schema_difference(expected, made)
    assert diff is None, f"CreateTable from {gold.id}'s integration JSON made another schema:\n{diff}"

    outcome = hf.exchange(client, ["default", name], schema, batches, "disk")
    problems = hf.ack_problems(outcome, len(batches), "disk")
    if not problems:
        problems = hf.readback_problems(hf.read(client, ["default", name]), expected, batches)
    assert not problems, f"{gold.id} streamed at 'disk' into {name}:\n" + "\n".join(map(str, problems))
