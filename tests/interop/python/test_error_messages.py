"""What a client is told when the server refuses something.

Deliberate mistakes get the status code the docs promise (never INTERNAL)
and a message without internals: no "Stack Trace", no "INTERNAL Error"
(DuckDB's wording for its own failures), no absolute path. The last test of
the run applies the same message checks to every refusal any test of the
run met, the refused puts and error acks of the type tests included.
"""

import json

import pyarrow as pa
import pyarrow.flight as fl
import pytest

import hangar_flight as hf


def _expect(refusal, code, *words):
    assert refusal is not None, f"expected {code}, the call succeeded"
    problems = hf.message_problems(refusal.message)
    assert refusal.code != "INTERNAL", f"a client's mistake answered INTERNAL: {refusal}"
    assert refusal.code == code, f"expected {code}: {refusal}"
    assert not problems, f"{refusal}: the message {'; '.join(problems)}"
    for w in words:
        assert w in refusal.message, f"expected the message to name {w!r}: {refusal}"


def _call(rpc, fn):
    try:
        fn()
    except hf.FLIGHT_ERRORS as e:
        return hf.refusal_from(rpc, e)
    return None


SCHEMA = pa.schema([("a", pa.int32()), ("b", pa.utf8())])
BATCH = pa.record_batch([pa.array([1, 2, None], pa.int32()), pa.array(["x", None, "z"])], schema=SCHEMA)


def test_append_with_another_schema_is_refused_and_writes_nothing(hangar):
    client = hangar.client()
    assert hf.put(client, ["default", "err_wrong_schema"], SCHEMA, [BATCH]).refusal is None
    other = pa.schema([("a", pa.int64()), ("b", pa.utf8())])
    batch = pa.record_batch([pa.array([7], pa.int64()), pa.array(["w"])], schema=other)
    refused = hf.put(client, ["default", "err_wrong_schema"], other, [batch]).refusal
    _expect(refused, "INVALID_ARGUMENT", "'a'")
    renamed = pa.schema([("a", pa.int32()), ("c", pa.utf8())])
    batch = pa.record_batch([pa.array([7], pa.int32()), pa.array(["w"])], schema=renamed)
    _expect(hf.put(client, ["default", "err_wrong_schema"], renamed, [batch]).refusal, "INVALID_ARGUMENT")
    assert hf.readback_problems(hf.read(client, ["default", "err_wrong_schema"]), SCHEMA, [BATCH]) == []


def test_a_timestamp_parquet_cannot_hold_fails_the_put_and_stores_nothing(hangar):
    # Parquet keeps timestamps in micro- or nanoseconds: seconds beyond the
    # year 294247 do not fit, and the put is refused as docs/tables.md says.
    client = hangar.client()
    schema = pa.schema([("at", pa.timestamp("s"))])
    fits = pa.record_batch([pa.array([0, 10**12], pa.timestamp("s"))], schema=schema)
    assert hf.put(client, ["default", "err_far_future"], schema, [fits]).refusal is None
    beyond = pa.record_batch([pa.array([1, 10**13], pa.timestamp("s"))], schema=schema)
    _expect(hf.put(client, ["default", "err_far_future"], schema, [beyond]).refusal, "INVALID_ARGUMENT")
    assert hf.readback_problems(hf.read(client, ["default", "err_far_future"]), schema, [fits]) == []


@pytest.mark.parametrize("name", ["a/b", "../escape", ".hidden", "sp ace", "x" * 256])
def test_bad_table_names_are_invalid_argument(hangar, name):
    client = hangar.client()
    _expect(hf.put(client, ["default", name], SCHEMA, [BATCH]).refusal, "INVALID_ARGUMENT")
    _expect(_call("GetFlightInfo", lambda: client.get_flight_info(hf.path_descriptor(["default", name]))),
            "INVALID_ARGUMENT")


def test_streaming_a_batch_of_another_schema_gets_error_acks(hangar):
    client = hangar.client()
    assert hf.put(client, ["default", "err_stream_schema"], SCHEMA, []).refusal is None
    other = pa.schema([("a", pa.float64())])
    batch = pa.record_batch([pa.array([1.5])], schema=other)
    outcome = hf.exchange(client, ["default", "err_stream_schema"], other, [batch, batch], "disk")
    assert outcome.refusal is None, str(outcome.refusal)
    assert [a["batch"] for a in outcome.acks] == [0, 1] and all(a["lsn"] is None for a in outcome.acks), outcome.acks
    for r in outcome.error_acks:
        assert not hf.message_problems(r.message), f"{r}: {hf.message_problems(r.message)}"
    assert hf.read(client, ["default", "err_stream_schema"]).num_rows == 0


def test_a_malformed_write_request_is_invalid_argument(hangar):
    client = hangar.client()
    assert hf.put(client, ["default", "err_write_request"], SCHEMA, []).refusal is None

    def send(metadata):
        writer, reader = client.do_exchange(hf.path_descriptor(["default", "err_write_request"]))
        try:
            writer.begin(SCHEMA)
            writer.write_with_metadata(BATCH, pa.py_buffer(metadata))
            writer.done_writing()
            list(reader)
        finally:
            writer.close()

    _expect(_call("DoExchange", lambda: send(b"{not json")), "INVALID_ARGUMENT")
    _expect(_call("DoExchange", lambda: send(json.dumps({"requested_durability": "forever"}).encode())),
            "INVALID_ARGUMENT")
    assert hf.read(client, ["default", "err_write_request"]).num_rows == 0


def test_missing_tables_are_not_found(hangar):
    client = hangar.client()
    _expect(_call("GetFlightInfo", lambda: client.get_flight_info(hf.path_descriptor(["default", "err_missing"]))),
            "NOT_FOUND", "err_missing")
    _expect(_call("DoGet", lambda: client.do_get(fl.Ticket(b"err_missing")).read_all()), "NOT_FOUND")
    outcome = hf.exchange(client, ["default", "err_missing"], SCHEMA, [BATCH], "disk")
    _expect(outcome.refusal, "NOT_FOUND")


def test_bad_create_table_bodies_are_invalid_argument(hangar):
    client = hangar.client()

    def create(body):
        return _call("DoAction CreateTable", lambda: list(client.do_action(fl.Action("CreateTable", body))))

    _expect(create(b"{nope"), "INVALID_ARGUMENT")
    _expect(create(json.dumps({"name": "err_ct", "schema_json": {"fields": [{"name": "a", "type": "int99"}]}})
                   .encode()), "INVALID_ARGUMENT")
    _expect(create(json.dumps({"name": "err/ct", "schema_json": {"fields": [{"name": "a", "type": "int32"}]}})
                   .encode()), "INVALID_ARGUMENT")


@pytest.mark.run_last
def test_every_refusal_of_the_run_has_a_clean_message():
    bad = []
    for r in hf.REFUSALS:
        problems = hf.message_problems(r.message)
        if problems:
            bad.append(f"{r.test}: {r}\n    -> {'; '.join(problems)}")
    assert not bad, f"{len(bad)} of {len(hf.REFUSALS)} refusals told the client too much:\n" + "\n".join(bad)
