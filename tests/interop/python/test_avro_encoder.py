"""Hangar's Avro encoder judged by fastavro, an independent Avro implementation.

The encoder writes Arrow rows into Kafka topics; until now only Hangar's own
decoder read what it wrote back, so a mistake made the same way on both sides
(a wrong logical type, a misordered union, a byte order) would pass. Here:

- every column of Arrow's gold files (cpp-21.0.0) and of the generated corpus
  (corpus.py: dictionaries, unions, views, run-end encoding, decimals) is
  written by `hangar-avro-encode` as an Avro object container file, one column
  per file;
- fastavro reads the file with the schema Hangar wrote into it, and every value
  is compared with the value pyarrow reads from the original IPC data, by the
  Arrow type's meaning (a timestamp's instant, a decimal's value, a map's
  entries), not by how either library prints it;
- the columns the encoder refuses are exactly the types Avro cannot hold
  losslessly, named in REFUSED below: any other refusal, or any of these
  accepted, fails.
"""

import datetime
import decimal
import math
import re
import struct
import subprocess

import fastavro
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

import corpus
from gold_files import GOLD_DIR
from hangar_paths import BIN_DIR

ENCODE = BIN_DIR / "hangar-avro-encode"
GOLD_VERSION = "cpp-21.0.0"
EPOCH = datetime.datetime(1970, 1, 1)
AVRO_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
EPOCH_UTC = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


LONG_MAX = 2**63 - 1
# Avro's unnamed types: a union may hold each at most once.
AVRO_KIND = [(pa.types.is_null, "null"), (pa.types.is_boolean, "boolean"),
             (lambda t: t in (pa.int8(), pa.int16(), pa.int32(), pa.uint8(), pa.uint16()), "int"),
             (lambda t: t in (pa.int64(), pa.uint32(), pa.uint64()), "long"),
             (lambda t: t in (pa.float16(), pa.float32()), "float"), (pa.types.is_float64, "double"),
             (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t), "string"),
             (lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t), "bytes"),
             (lambda t: pa.types.is_date(t) or pa.types.is_time32(t), "int"),
             (lambda t: pa.types.is_time64(t) or pa.types.is_timestamp(t) or pa.types.is_duration(t), "long"),
             (pa.types.is_map, "map"),
             (lambda t: pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
              or pa.types.is_list_view(t) or pa.types.is_large_list_view(t), "array")]


def _storage(t):
    while True:
        if isinstance(t, pa.BaseExtensionType):
            t = t.storage_type
        elif pa.types.is_dictionary(t) or pa.types.is_run_end_encoded(t):
            t = t.value_type
        else:
            return t


def _avro_kind(t):
    t = _storage(t)
    return next((kind for test, kind in AVRO_KIND if test(t)), None)  # None: a named type


def _refused_type(arrow_type):
    """Why Avro has no lossless form of `arrow_type` whatever its values (None if it has one)."""
    t = _storage(arrow_type)
    if str(t) in ("month_interval", "day_time_interval"):
        return "year-month and day-time intervals: no Avro form"
    if pa.types.is_time64(t) and t.unit == "ns":
        return "time64[ns]: Avro's times stop at microseconds"
    if pa.types.is_decimal(t) and t.scale < 0:
        return "a negative decimal scale: Avro's scale is 0 or more"
    if pa.types.is_map(t) and not pa.types.is_string(_storage(t.key_type)):
        return "maps with non-string keys: Avro map keys are strings"
    if pa.types.is_struct(t):
        bad = [f.name for f in t if not AVRO_NAME.fullmatch(f.name)]
        if bad:
            return f"struct field names {bad}: not valid Avro names"
        return next((r for f in t for r in [_refused_type(f.type)] if r), None)
    if pa.types.is_union(t):
        kinds = [k for k in (_avro_kind(f.type) for f in t) if k]
        if len(kinds) != len(set(kinds)):
            return f"a union of {kinds}: Avro unions hold each unnamed type once"
        return next((r for f in t for r in [_refused_type(f.type)] if r), None)
    if hasattr(t, "value_type"):
        return _refused_type(t.value_type)
    return None


def _refused_value(value, t):
    """Why one value of type `t` has no Avro form (None if it has one)."""
    if value is None:
        return None
    t = _storage(t)
    if t == pa.uint64() and value > LONG_MAX:
        return f"{value} is beyond Avro's long"
    if t == pa.month_day_nano_interval():
        months, days, nanos = value
        if min(months, days, nanos) < 0 or nanos % 10**6:
            return "an Avro duration holds non-negative months, days and whole milliseconds"
    return None


def _refusal(field, column):
    """Why the encoder must refuse `column` (None if it must write it)."""
    why = _refused_type(field.type)
    if why:
        return why
    if _storage(field.type) in (pa.uint64(), pa.month_day_nano_interval()):
        for value in column.to_pylist():
            why = _refused_value(value, field.type)
            if why:
                return why
    return None


def _encode(path, column, out):
    return subprocess.run([str(ENCODE), str(path), "--column", str(column), "-o", str(out)],
                          capture_output=True, text=True, timeout=60)


# ---------------------------------------------------------------------------
# Values, compared by meaning.


def _instant_ns(scalar):
    unit = scalar.type.unit
    return scalar.value * {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[unit]


def _datetime_ns(value):
    if isinstance(value, int):  # timestamp-nanos: fastavro leaves the long as it is
        return value
    delta = value - (EPOCH_UTC if value.tzinfo else EPOCH)
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 10**3


def _time_us(scalar):
    return scalar.value * {"s": 10**6, "ms": 10**3, "us": 1}[scalar.type.unit]


def _float_equal(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def difference(scalar, avro, where):
    """None if fastavro's `avro` means what pyarrow's `scalar` holds, else a description."""
    t = scalar.type
    if isinstance(t, pa.BaseExtensionType):  # written as its storage type
        return difference(scalar.value, avro, where) if scalar.is_valid else (
            None if avro is None else f"{where}: null became {avro!r}")
    if pa.types.is_dictionary(t) or pa.types.is_run_end_encoded(t):
        return difference(scalar.value, avro, where) if scalar.is_valid else (
            None if avro is None else f"{where}: null became {avro!r}")
    if pa.types.is_union(t):
        inner = scalar.value
        if inner is None or not inner.is_valid:
            return None if avro is None else f"{where}: null union value became {avro!r}"
        return difference(inner, avro, f"{where}<{inner.type}>")
    if not scalar.is_valid:
        return None if avro is None else f"{where}: null became {avro!r}"
    if avro is None:
        return f"{where}: {scalar} became null"

    if pa.types.is_timestamp(t):
        ok = _instant_ns(scalar) == _datetime_ns(avro) or (
            t.unit == "s" and _instant_ns(scalar) == _datetime_ns(avro))
    elif pa.types.is_date(t):
        expected = scalar.as_py()
        ok = avro == expected
    elif pa.types.is_time(t):
        if isinstance(avro, datetime.time):
            got = ((avro.hour * 60 + avro.minute) * 60 + avro.second) * 10**6 + avro.microsecond
        else:
            got = avro
        ok = _time_us(scalar) == got
    elif pa.types.is_duration(t):
        ok = scalar.value == avro
    elif t == pa.month_day_nano_interval():
        months, days, nanos = scalar.value
        got = struct.unpack("<III", avro)
        ok = got == (months, days, nanos // 10**6) and nanos % 10**6 == 0
    elif pa.types.is_decimal(t):
        ok = decimal.Decimal(avro) == scalar.as_py()
    elif pa.types.is_floating(t):
        ok = _float_equal(float(scalar.as_py()), float(avro))
    elif pa.types.is_map(t):
        entries = scalar.values
        if entries is None:
            return None if avro == {} else f"{where}: empty map became {avro!r}"
        keys = entries.field(0).to_pylist()
        if sorted(keys) != sorted(avro.keys()):
            return f"{where}: map keys {keys} became {list(avro.keys())}"
        for i, key in enumerate(keys):
            problem = difference(entries.field(1)[i], avro[key], f"{where}[{key!r}]")
            if problem:
                return problem
        return None
    elif pa.types.is_struct(t):
        for i, field in enumerate(t):
            if field.name not in avro:
                return f"{where}: field {field.name} missing from {avro!r}"
            problem = difference(scalar[i], avro[field.name], f"{where}.{field.name}")
            if problem:
                return problem
        return None
    elif hasattr(scalar, "values") and not pa.types.is_binary(t):  # every list form
        values = scalar.values
        items = [] if values is None else [values[i] for i in range(len(values))]
        if len(items) != len(avro):
            return f"{where}: {len(items)} items became {len(avro)}"
        for i, item in enumerate(items):
            problem = difference(item, avro[i], f"{where}[{i}]")
            if problem:
                return problem
        return None
    elif pa.types.is_fixed_size_binary(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t) \
            or pa.types.is_binary_view(t):
        ok = bytes(scalar.as_py()) == bytes(avro)
    else:
        ok = scalar.as_py() == avro
    return None if ok else f"{where}: {scalar.as_py()!r} ({t}) became {avro!r}"


# ---------------------------------------------------------------------------
# The cases: gold files read in place, corpus cases written by pyarrow.


def _gold_files():
    return sorted((GOLD_DIR / GOLD_VERSION).glob("*.arrow_file"))


def _corpus_cases():
    return corpus.build_corpus()


def _columns_of(path):
    with pa.memory_map(str(path)) as source:
        return ipc.open_file(source).read_all()


def _judge(path, table, tmp_path, label):
    """(refusals, mismatches) of every column of the IPC file `path` holding `table`."""
    refusals, mismatches = {}, []
    for index, field in enumerate(table.schema):
        out = tmp_path / f"{index}.avro"
        done = _encode(path, index, out)
        name = f"{label} {field.name}: {field.type}"
        if done.returncode != 0:
            assert done.returncode == 1, f"{name}: exit status {done.returncode}\n{done.stderr}"
            refusals[name] = done.stderr.strip()
            continue
        with open(out, "rb") as f:
            reader = fastavro.reader(f)
            records = list(reader)
        if len(records) != table.num_rows:
            mismatches.append(f"{name}: {table.num_rows} rows became {len(records)}")
            continue
        column = table.column(index)
        avro_name = reader.writer_schema["fields"][0]["name"]
        for row in range(table.num_rows):
            problem = difference(column[row], records[row][avro_name], f"{name} row {row}")
            if problem:
                mismatches.append(problem)
                break
    return refusals, mismatches


def _expected_refusals(table, label):
    return {f"{label} {f.name}: {f.type}" for i, f in enumerate(table.schema) if _refusal(f, table.column(i))}


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_gold_columns_read_by_fastavro_as_pyarrow_reads_them(path, tmp_path):
    table = _columns_of(path)
    refusals, mismatches = _judge(path, table, tmp_path, path.stem)
    assert not mismatches, "\n".join(mismatches)
    assert set(refusals) == _expected_refusals(table, path.stem), refusals


@pytest.mark.parametrize("case", _corpus_cases(), ids=lambda c: c.name)
def test_corpus_columns_read_by_fastavro_as_pyarrow_reads_them(case, tmp_path):
    path = tmp_path / "case.arrows"
    with ipc.new_stream(str(path), case.schema, options=case.write_options) as writer:
        for batch in case.batches:
            writer.write_batch(batch)
    table = pa.Table.from_batches(case.batches, schema=case.schema)
    refusals, mismatches = _judge(path, table, tmp_path, case.name)
    assert not mismatches, "\n".join(mismatches)
    assert set(refusals) == _expected_refusals(table, case.name), refusals


def test_the_encoder_tool_refuses_bad_usage_clearly(tmp_path):
    done = subprocess.run([str(ENCODE), str(tmp_path / "missing.arrow"), "-o", str(tmp_path / "x.avro")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "missing.arrow" in done.stderr
    done = subprocess.run([str(ENCODE), "--column", "x"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "column number" in done.stderr
