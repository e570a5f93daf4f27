#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that read structured input.

Run from the repository root (`python3 fuzz/make_seeds.py`); it rewrites
fuzz/corpus/{flightdata,flightsql,requests,avro}/ from the cases below. Each
seed is a small, valid (or deliberately almost valid) input that reaches deep
into its parser, so that libFuzzer's mutations start past the first checks.
Protobuf is encoded by hand: the wire format is four lines.
"""

import json
import struct
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, value) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value


def message(*fields) -> bytes:
    return b"".join(field(n, v) for n, v in fields)


def first_ipc_message(path: Path) -> bytes:
    """The metadata flatbuffer of the first message of an IPC stream."""
    data = path.read_bytes()
    offset = 4 if data[:4] == b"\xff\xff\xff\xff" else 0
    (length,) = struct.unpack_from("<i", data, offset)
    return data[offset + 4: offset + 4 + length]


def write(corpus: str, seeds: dict[str, bytes]) -> None:
    folder = CORPUS / corpus
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, data in seeds.items():
        (folder / name).write_bytes(data)


def flight_data_seeds() -> dict[str, bytes]:
    schema_header = first_ipc_message(CORPUS / "ipc" / "flat.stream")
    cmd = message((1, 2), (2, b'{"table": "default.events"}'))
    path = message((1, 1), (3, "default"), (3, "events"))
    body = bytes(range(256)) * 4
    return {
        "descriptor_and_schema": b"\x00" + message((1, cmd), (2, schema_header)),
        "path_descriptor": b"\x05" + message((1, path), (2, schema_header)),
        "header_and_body": b"\xa5" + message((2, schema_header), (1000, body)),
        "metadata_only": b"\x00" + message((3, b'{"ack": 7}')),
        "unknown_fields": b"\xff" + message((7, 42), (2, schema_header), (9, b"x"), (3, b"m")),
        "repeated_fields": b"\x11" + message((2, b"a"), (2, schema_header), (1, cmd), (1, path)),
    }


def flight_sql_seeds() -> dict[str, bytes]:
    kinds = {"sql_info": 0, "xdbc": 1, "catalogs": 2, "schemas": 3, "tables": 4, "table_types": 5,
             "primary_keys": 6, "exported": 7, "imported": 8, "cross_reference": 9,
             "statement": 10, "update": 11}
    seeds = {
        "sql_info_all": bytes([kinds["sql_info"]]),
        "sql_info_some": bytes([kinds["sql_info"]]) + field(1, b"".join(varint(i) for i in (0, 1, 500, 504, 528, 559, 563))),
        "xdbc_int": bytes([kinds["xdbc"]]) + message((1, 4)),
        "catalogs": bytes([kinds["catalogs"]]),
        "schemas_like": bytes([kinds["schemas"]]) + message((2, "de%")),
        "tables_everything": bytes([kinds["tables"]]) + message(
            (2, "%"), (3, "ev\\_%"), (4, "TABLE"), (4, "TOPIC"), (5, 1)),
        "tables_catalog": bytes([kinds["tables"]]) + message((1, ""), (3, "o_d%s")),
        "table_types": bytes([kinds["table_types"]]),
        "primary_keys": bytes([kinds["primary_keys"]]) + message((2, "default"), (3, "events")),
        "exported": bytes([kinds["exported"]]) + message((3, "orders")),
        "imported": bytes([kinds["imported"]]) + message((2, "sales"), (3, "orders")),
        "cross_reference": bytes([kinds["cross_reference"]]) + message(
            (2, "default"), (3, "events"), (5, "sales"), (6, "orders")),
        "statement": bytes([kinds["statement"]]) + message((1, "SELECT id, what FROM events WHERE id > 3")),
        "update": bytes([kinds["update"]]) + message((1, "INSERT INTO sales.orders VALUES (1, 'a')")),
    }
    statements = [
        "SELECT * FROM events",
        "SELECT e.id, count(*) FROM default.events e JOIN sales.orders o USING (id) GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
        "WITH t AS (SELECT id FROM sales.orders) SELECT sum(id) OVER (ORDER BY id) FROM t",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM kafka.\"flight_test\" WHERE _offset BETWEEN 1 AND 9",
        "INSERT INTO events (id, what) SELECT id + 100, what FROM sales.orders",
        "INSERT OR REPLACE INTO events VALUES (1, 'x')",
        "COPY events TO '/tmp/x.parquet'",
        "ATTACH 'x.db' AS x",
        "SELECT $1::INTEGER + ?, 'it''s' FROM \"sales\".\"orders\"",
        "SELECT 1; SELECT 2",
    ]
    for i, sql in enumerate(statements):
        seeds[f"sql_{i:02}"] = b"\xf0" + sql.encode()
    return seeds


def request_seeds() -> dict[str, bytes]:
    # A manifest as Hangar wrote it for a primary-key table partitioned by month.
    spec = {"spec_id": 0, "fields": [{"source_name": "day", "transform": "month"},
                                     {"source_id": 1, "transform": "bucket[8]", "name": "id_b"}]}
    manifest = {
        "format": 1, "name": "sales.parted", "namespace": "sales", "table": "parted", "version": 2,
        "next_file": 2, "dropped": False, "flushed_lsn": 0, "primary_key": ["id"], "partition_spec": spec,
        "schema": "//////AAAAAQAAAAAAAKAAwABgAFAAgACgAAAAABBAAMAAAACAAIAAAABAAIAAAABAAAAAMAAACIAAAARAAAAAQAAACU////"
                  "AAABBRQAAAAMAAAAGAAAAAQABAAEAAAABAAAAG5hbWUAAAAAAAAAABAAFgAIAAYABwAMAAAAEAAQAAAAAAABCBwAAAAQAAAA"
                  "HAAAAAAABgAIAAYABgAAAAAAAAADAAAAZGF5AAAAAAAQABQACAAGAAcADAAAABAAEAAAAAAAAQIgAAAAEAAAACAAAAAIAAwA"
                  "CAAHAAgAAAAAAAABQAAAAAIAAABpZAAAAAAAAAAAAAA=",
        "schema_text": "id: int64\nday: date32\nname: utf8\n",
        "files": [{"name": "00000001.parquet", "rows": 2, "bytes": 435, "partition": "day_month=2026-01"}],
    }
    texts = [
        (0, "orders/3"),
        (0, json.dumps({"topic": "orders", "partition": 1, "start_offset": 5, "end_offset": 90,
                        "batch_rows": 1000, "follow": True})),
        (0, json.dumps({"topic": "orders", "partition": 0, "start_timestamp": "2026-01-01T00:00:00Z"})),
        (1, json.dumps({"name": "sales.orders", "primary_key": ["id"], "partition_spec": spec,
                        "schema_json": {"fields": [{"name": "id", "type": "int64", "nullable": False},
                                                   {"name": "day", "type": "date32"},
                                                   {"name": "price", "type": {"name": "decimal", "precision": 9,
                                                                              "scale": 2, "bitWidth": 128}}]}})),
        (2, json.dumps({"spec_id": 0, "fields": [
            {"source_name": "day", "transform": "day"}, {"source_name": "id", "transform": "bucket[16]"},
            {"source_name": "name", "transform": "truncate[4]"}, {"source_name": "at", "transform": "hour"},
            {"source_id": 6, "transform": "identity"}, {"source_name": "price", "transform": "truncate[100]"}]})),
        (3, json.dumps(manifest)),
        (4, "sales.orders"),
        (4, "orders"),
        (5, "read:default.*"),
        (5, "grpc+tls://[::1]:8815"),
        (6, "zk://127.0.0.1:2181,127.0.0.2:2182/hangar/prod"),
    ]
    return {f"seed_{i:02}": bytes([kind]) + text.encode() for i, (kind, text) in enumerate(texts)}


def avro_seeds() -> dict[str, bytes]:
    """Schemas (0xFF + JSON) for the decoder target; records come from Avro's data files."""
    schemas = [
        {"type": "record", "name": "r", "fields": [
            {"name": "a", "type": ["null", "long"], "default": None},
            {"name": "b", "type": {"type": "map", "values": {"type": "array", "items": "string"}}},
            {"name": "c", "type": {"type": "fixed", "name": "f", "size": 16, "logicalType": "uuid"}}]},
        {"type": "record", "name": "list", "fields": [
            {"name": "value", "type": "int"}, {"name": "next", "type": ["null", "list"]}]},
        {"type": "enum", "name": "e", "symbols": ["A", "B"], "default": "A"},
        {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 10},
        {"type": "long", "logicalType": "timestamp-nanos"},
    ]
    seeds = {f"schema_{i:02}": b"\xff" + json.dumps(s).encode() for i, s in enumerate(schemas)}
    # Records of the built-in pairs: an int, a string, a double, an enum index, a union branch.
    seeds["pair1_record"] = b"\x01" + varint(4) + varint(3) + b"abc" + struct.pack("<d", 2.5) + varint(2) + varint(2) + varint(2) + b"hi"
    return seeds


if __name__ == "__main__":
    write("flightdata", flight_data_seeds())
    write("flightsql", flight_sql_seeds())
    write("requests", request_seeds())
    write("avro", avro_seeds())
