"""A corpus made with pyarrow (corpus.py), each case a table through DoPut, a subset also through DoExchange.

Every type and shape the gold files leave out (see corpus.py). Each case is
put as a table of its own and read back; the schema must be the one put,
metadata included, and the values equal (dictionaries compared by their
values). The cases marked `exchange` are also streamed at `committed` into a
table made by a DoPut of their schema, and must be acknowledged batch by
batch and read back the same.
"""

import pyarrow.flight as fl
import pytest

import corpus
import hangar_flight as hf

CASES = corpus.build_corpus()
EXCHANGED = [c for c in CASES if c.exchange]


def _options(case):
    return fl.FlightCallOptions(write_options=case.write_options) if case.write_options else None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_put_and_read_back(hangar, case):
    if case.put_refusal:
        outcome = hf.put(hangar.client(), ["default", f"gen_{case.name}"], case.schema, case.batches, _options(case))
        assert outcome.refusal is not None and outcome.refusal.code == "INVALID_ARGUMENT", outcome.refusal
        assert case.put_refusal in outcome.refusal.message, outcome.refusal
        return
    problems = hf.put_and_read_back(hangar.client(), ["default", f"gen_{case.name}"], case.schema, case.batches,
                                    _options(case))
    assert not problems, f"{case.name} ({', '.join(str(t) for t in case.schema.types)}):\n" + "\n".join(problems)


@pytest.mark.parametrize("case", EXCHANGED, ids=[c.name for c in EXCHANGED])
def test_stream_at_committed(hangar, case):
    problems = hf.stream_into_new_table(hangar.client(), f"gen_ingest_{case.name}", case.schema, case.batches,
                                     "committed", options=_options(case))
    assert not problems, f"{case.name} streamed at 'committed':\n" + "\n".join(map(str, problems))
