#!/usr/bin/python3
"""An Avro corpus written by an independent encoder (the Avro project's Python
library, Debian's python3-avro) for tests/kafka/avro_corpus_test.cc: records
of every Avro type and logical type under three versions of one schema, as
they would sit in one Kafka partition whose schema evolved.

Prints JSON lines: first {"schemas": [v1, v2, v3]} (schema texts), then one
{"version": n, "datum": hex, "expected": {...}} per record, where "expected"
is the record as the latest version reads it (Avro schema resolution), in
the JSON conventions of the test: bytes and fixed as lower-case hex,
decimals as text, dates as days, times and timestamps as integers in their
unit, durations as [months, days, nanoseconds]."""
import copy
import datetime
import decimal
import io
import json
import struct
import sys
import warnings

import avro.io
import avro.schema

warnings.simplefilter("ignore")  # python3-avro 1.11 knows no local-timestamp or duration; raw values are given

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)

BASE_FIELDS = [
    {"name": "flag", "type": "boolean"},
    {"name": "small", "type": "int"},
    {"name": "big", "type": "long"},
    {"name": "ratio", "type": "float"},
    {"name": "precise", "type": "double"},
    {"name": "blob", "type": "bytes"},
    {"name": "text", "type": "string"},
    {"name": "color", "type": {"type": "enum", "name": "color", "symbols": ["RED", "GREEN", "BLUE"]}},
    {"name": "tag", "type": {"type": "fixed", "name": "tag", "size": 4}},
    {"name": "numbers", "type": {"type": "array", "items": "long"}},
    {"name": "labels", "type": {"type": "map", "values": "string"}},
    {"name": "maybe", "type": ["null", "double"], "default": None},
    {"name": "choice", "type": ["int", "string", {"type": "record", "name": "point",
                                                   "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}]}]},
    {"name": "inner", "type": {"type": "record", "name": "inner", "fields": [
        {"name": "id", "type": "long"}, {"name": "note", "type": ["null", "string"], "default": None}]}},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
    {"name": "wide", "type": {"type": "fixed", "name": "wide", "size": 9, "logicalType": "decimal", "precision": 20, "scale": 4}},
    {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    {"name": "at_ms", "type": {"type": "int", "logicalType": "time-millis"}},
    {"name": "at_us", "type": {"type": "long", "logicalType": "time-micros"}},
    {"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    {"name": "local_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
    {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "span", "type": {"type": "fixed", "name": "span", "size": 12, "logicalType": "duration"}},
]


def schema_v1():
    fields = copy.deepcopy(BASE_FIELDS)
    fields.append({"name": "gone", "type": "string"})  # removed in v3
    return {"type": "record", "name": "corpus", "namespace": "test", "fields": fields}


def schema_v2():
    s = schema_v1()
    s["fields"].append({"name": "added", "type": "int", "default": 7})
    return s


def schema_v3():
    """The reader: promotions int->long, float->double, string->bytes; an
    enum symbol more; 'gone' removed; 'added' kept; 'extra' new with a default."""
    s = {"type": "record", "name": "corpus", "namespace": "test", "fields": copy.deepcopy(BASE_FIELDS)}
    by_name = {f["name"]: f for f in s["fields"]}
    by_name["small"]["type"] = "long"
    by_name["ratio"]["type"] = "double"
    by_name["text"]["type"] = "bytes"
    by_name["color"]["type"]["symbols"].append("BLACK")
    s["fields"].append({"name": "added", "type": "int", "default": 7})
    s["fields"].append({"name": "extra", "type": {"type": "array", "items": "string"}, "default": ["x", "y"]})
    return s


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def record(i):
    ts = EPOCH + datetime.timedelta(days=19000 + i, microseconds=123456 * i + 7)
    return {
        "flag": i % 2 == 0,
        "small": -2147483648 if i == 3 else i * 1000 - 5,
        "big": 9223372036854775807 if i == 2 else -i * 10 ** 12,
        "ratio": f32(i / 3.0),
        "precise": -i * 1.25e300 if i % 2 else i / 7.0,
        "blob": bytes(range(i % 5)),
        "text": "héllo ✓ " + str(i) if i % 3 else "",
        "color": ["RED", "GREEN", "BLUE"][i % 3],
        "tag": bytes([i, 255 - i, 0, 7]),
        "numbers": list(range(-i, i, 3)),
        "labels": {"k%d" % j: "v" * j for j in range(i % 4)},
        "maybe": None if i % 3 == 0 else i * 0.5,
        "choice": [i, "s%d" % i, {"x": i, "y": -i}][i % 3],
        "inner": {"id": i, "note": None if i % 2 else "note %d" % i},
        "amount": decimal.Decimal(i * 12345 - 50000).scaleb(-2),
        "wide": decimal.Decimal(-(10 ** 15) + i).scaleb(-4),
        "day": datetime.date(2024, 2, 29) + datetime.timedelta(days=i * 40 - 100),
        "at_ms": datetime.time(i % 24, 30, 15, 250000),
        "at_us": datetime.time(23, 59, 59, 999999 - i),
        "ts_ms": ts.replace(microsecond=(ts.microsecond // 1000) * 1000),
        "ts_us": ts,
        "local_us": 1700000000123456 + i,
        "uid": "00000000-0000-4000-8000-%012d" % i,
        "span": struct.pack("<III", i, 2 * i, 1000 * i + 1),
        "gone": "bye",
        "added": 100 + i,
    }


def micros(t):
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1000000 + t.microsecond


def expected(rec, version):
    """The record as v3 reads it, in the test's JSON conventions."""
    ts_ms = rec["ts_ms"] - EPOCH
    ts_us = rec["ts_us"] - EPOCH
    months, days, millis = struct.unpack("<III", rec["span"])
    choice = rec["choice"]
    return {
        "flag": rec["flag"],
        "small": rec["small"],
        "big": rec["big"],
        "ratio": rec["ratio"],
        "precise": rec["precise"],
        "blob": rec["blob"].hex(),
        "text": rec["text"].encode("utf-8").hex(),
        "color": rec["color"],
        "tag": rec["tag"].hex(),
        "numbers": rec["numbers"],
        "labels": rec["labels"],
        "maybe": rec["maybe"],
        "choice": choice,
        "inner": rec["inner"],
        "amount": "%.2f" % rec["amount"],
        "wide": "%.4f" % rec["wide"],
        "day": (rec["day"] - datetime.date(1970, 1, 1)).days,
        "at_ms": micros(rec["at_ms"]) // 1000,
        "at_us": micros(rec["at_us"]),
        "ts_ms": ts_ms.days * 86400000 + ts_ms.seconds * 1000 + ts_ms.microseconds // 1000,
        "ts_us": (ts_us.days * 86400 + ts_us.seconds) * 1000000 + ts_us.microseconds,
        "local_us": rec["local_us"],
        "uid": rec["uid"],
        "span": [months, days, millis * 1000000],
        "added": rec["added"] if version >= 2 else 7,
        "extra": ["x", "y"],
    }


def main():
    schemas = [schema_v1(), schema_v2(), schema_v3()]
    parsed = [avro.schema.parse(json.dumps(s)) for s in schemas]
    print(json.dumps({"schemas": [json.dumps(s) for s in schemas]}))
    i = 0
    for version, count in [(1, 4), (2, 4), (1, 2), (3, 3)]:
        for _ in range(count):
            rec = record(i)
            out = dict(rec)
            if version == 3:
                out["small"] = rec["small"]
                out["text"] = rec["text"].encode("utf-8")
                del out["gone"]
                out["extra"] = ["x", "y"]
            if version == 1:
                del out["added"]
            buf = io.BytesIO()
            avro.io.DatumWriter(parsed[version - 1]).write(out, avro.io.BinaryEncoder(buf))
            print(json.dumps({"version": version, "datum": buf.getvalue().hex(), "expected": expected(rec, version)}))
            i += 1


if __name__ == "__main__":
    sys.exit(main())
