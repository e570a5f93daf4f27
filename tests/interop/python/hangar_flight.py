"""Flight calls of the Python interop suite, made with pyarrow.flight.

Puts (DoPut), reads (GetFlightInfo + DoGet of every endpoint), streaming
writes (DoExchange with a WriteRequest and per-batch acks), and what a
refusal looks like to a client: the gRPC status code and the server's own
message, with the checks every such message must pass. Every refusal seen
is also recorded in REFUSALS, which test_error_messages.py audits last.
"""

import json
import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.flight as fl

from arrow_compare import schema_difference, values_difference

# gRPC status codes by number, as the debug context of pyarrow's errors gives them.
GRPC_CODES = {
    0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
    6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
    10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE",
    15: "DATA_LOSS", 16: "UNAUTHENTICATED",
}

# Arrow C++'s client words each gRPC code so ("gRPC returned invalid argument error, with message: ...").
_CODE_PHRASES = {
    "unknown": "UNKNOWN", "invalid argument": "INVALID_ARGUMENT", "deadline exceeded": "DEADLINE_EXCEEDED",
    "not found": "NOT_FOUND", "already exists": "ALREADY_EXISTS", "permission denied": "PERMISSION_DENIED",
    "resource exhausted": "RESOURCE_EXHAUSTED", "precondition failed": "FAILED_PRECONDITION",
    "aborted": "ABORTED", "out-of-range": "OUT_OF_RANGE", "unimplemented": "UNIMPLEMENTED",
    "internal": "INTERNAL", "unavailable": "UNAVAILABLE", "data loss": "DATA_LOSS",
    "unauthenticated": "UNAUTHENTICATED", "unauthorized": "PERMISSION_DENIED",
}

# What a message sent to a client must never hold: DuckDB's internal-error
# text and backtraces, and absolute paths of the server's machine.
_ABSOLUTE_PATH = re.compile(r"""(^|[\s'"(])/[A-Za-z0-9_.-]+/""")


def message_problems(message):
    """What is wrong with a message a client was given (an empty list when nothing is)."""
    problems = []
    for word in ("Stack Trace", "INTERNAL Error"):
        if word in message:
            problems.append(f"contains {word!r}")
    m = _ABSOLUTE_PATH.search(message)
    if m:
        problems.append(f"contains an absolute path ({message[m.start():m.start() + 60]!r})")
    return problems


@dataclass
class Refusal:
    """A call the server answered with a non-OK gRPC status, or a batch it acked with an error."""
    rpc: str
    code: str  # a gRPC code name; "ACK" for an error ack of DoExchange
    message: str  # the server's message alone, without what pyarrow's client adds around it
    test: str = ""

    def __str__(self):
        return f"{self.rpc} refused: {self.code}: {self.message}"


REFUSALS = []  # every Refusal seen in this run, for the audit
CURRENT_TEST = [""]  # the node id of the running test (set by conftest.py)


def record(refusal):
    refusal.test = CURRENT_TEST[0]
    REFUSALS.append(refusal)
    return refusal


def grpc_failure(exc):
    """(code name, server message) of a failed Flight call, or None when `exc` did not come from gRPC.

    pyarrow words a failure "Flight returned invalid argument error, with message: MSG.
    gRPC client debug context: INVALID_ARGUMENT:MSG. Client context: ..." (the debug
    context not always there): the server's message is MSG.
    """
    text = str(exc)
    code = None
    m = re.search(r"gRPC client debug context: ([A-Z_]+):", text)
    if m and m.group(1) in GRPC_CODES.values():
        code = m.group(1)
    m = re.search(r"grpc_status:(\d+)", text)
    if code is None and m:
        code = GRPC_CODES.get(int(m.group(1)), m.group(1))
    m = re.search(r"(?:gRPC|Flight) returned ([a-z -]+?) error, with message: ", text)
    if code is None and m:
        code = _CODE_PHRASES.get(m.group(1))
    if code is None and re.search(r"(?:gRPC|Flight) cancelled call", text):
        code = "CANCELLED"
    if code is None:
        return None
    message = text
    i = message.find("with message: ")
    if i >= 0:
        message = message[i + len("with message: "):]
    # pyarrow's client appends its own context after the server's message.
    for tail in (". gRPC client debug context:", ". Client context:"):
        i = message.find(tail)
        if i >= 0:
            message = message[:i]
    return code, message


FLIGHT_ERRORS = (fl.FlightError, pa.ArrowException, OSError)


def refusal_from(rpc, exc):
    """The Refusal for a Flight error (recorded), or re-raises `exc` when it is not a server's answer."""
    failure = grpc_failure(exc)
    if failure is None:
        raise exc
    return record(Refusal(rpc, failure[0], failure[1]))


def path_descriptor(path):
    return fl.FlightDescriptor.for_path(*path)


@dataclass
class PutOutcome:
    result: dict = None  # the PutResult's JSON when the put was taken
    refusal: Refusal = None


def put(client, path, schema, batches, options=None):
    """DoPut of `batches` (zero or more) to a path descriptor."""
    try:
        writer, metadata = client.do_put(path_descriptor(path), schema, options=options)
        try:
            for b in batches:
                writer.write_batch(b)
            writer.done_writing()
            answer = metadata.read()
        except FLIGHT_ERRORS as first:
            # A write fails once the server has ended the call: its status comes with close().
            try:
                writer.close()
            except FLIGHT_ERRORS as e:
                return PutOutcome(refusal=refusal_from("DoPut", e))
            return PutOutcome(refusal=refusal_from("DoPut", first))
        writer.close()
    except FLIGHT_ERRORS as e:
        return PutOutcome(refusal=refusal_from("DoPut", e))
    result = json.loads(answer.to_pybytes()) if answer is not None and answer.size > 0 else {}
    return PutOutcome(result=result)


@dataclass
class ReadBack:
    info_schema: pa.Schema = None  # GetFlightInfo's
    get_schemas: list = field(default_factory=list)  # each DoGet stream's
    schema_result: pa.Schema = None  # GetSchema's
    total_records: int = -1
    batches: list = field(default_factory=list)  # every endpoint's, in endpoint order
    refusal: Refusal = None

    @property
    def num_rows(self):
        return sum(b.num_rows for b in self.batches)


def read(client, path):
    """GetSchema, GetFlightInfo and DoGet of every endpoint's ticket."""
    out = ReadBack()
    rpc = "GetFlightInfo"
    try:
        info = client.get_flight_info(path_descriptor(path))
        out.info_schema = info.schema
        out.total_records = info.total_records
        rpc = "DoGet"
        for endpoint in info.endpoints:
            reader = client.do_get(endpoint.ticket)
            out.get_schemas.append(reader.schema)
            for chunk in reader:
                if chunk.data is not None:
                    out.batches.append(chunk.data)
        rpc = "GetSchema"
        out.schema_result = client.get_schema(path_descriptor(path)).schema
    except FLIGHT_ERRORS as e:
        out.refusal = refusal_from(rpc, e)
    return out


def readback_problems(read_back, schema, batches):
    """Every way in which a table read back differs from (schema, batches) that went in."""
    if read_back.refusal is not None:
        return [f"reading it back failed: {refusal_text(read_back.refusal)}"]
    problems = []
    schemas = [("GetFlightInfo's schema", read_back.info_schema), ("GetSchema's schema", read_back.schema_result)]
    schemas += [(f"DoGet's schema (endpoint {i})", s) for i, s in enumerate(read_back.get_schemas)]
    for what, got in schemas:
        diff = schema_difference(schema, got)
        if diff:
            problems.append(f"{what} is not the schema put:\n{diff}")
    rows = sum(b.num_rows for b in batches)
    if not read_back.get_schemas and rows > 0:
        problems.append(f"GetFlightInfo gave no endpoint for a table of {rows} rows")
    if read_back.total_records not in (-1, rows):
        problems.append(f"GetFlightInfo's total_records is {read_back.total_records}, {rows} rows were put")
    if not problems:
        diff = values_difference(schema, batches, read_back.batches)
        if diff:
            problems.append(f"values differ: {diff}")
    return problems


LEVELS = ("memory", "disk", "committed", "object_storage", "iceberg_committed")


@dataclass
class ExchangeOutcome:
    acks: list = field(default_factory=list)  # the ack JSON objects in arrival order
    refusal: Refusal = None  # the call's own failure
    error_acks: list = field(default_factory=list)  # Refusals for acks with an error

    def acked_batches(self, level):
        """Indexes of the batches acknowledged at `level` without error."""
        return sorted({a["batch"] for a in self.acks if a.get("error") is None and a.get("durability_level") == level})


def exchange(client, path, schema, batches, durability, options=None):
    """DoExchange: a WriteRequest with the first batch (alone when there is none), then the rest; all acks."""
    out = ExchangeOutcome()
    request = pa.py_buffer(json.dumps({"requested_durability": durability}).encode())
    try:
        writer, reader = client.do_exchange(path_descriptor(path), options=options)
        try:
            writer.begin(schema)
            if batches:
                writer.write_with_metadata(batches[0], request)
                for b in batches[1:]:
                    writer.write_batch(b)
            else:
                writer.write_metadata(request)
            writer.done_writing()
            for chunk in reader:
                if chunk.data is not None:
                    raise AssertionError(f"DoExchange answered with a record batch of {chunk.data.num_rows} rows")
                if chunk.app_metadata is not None:
                    out.acks.append(json.loads(chunk.app_metadata.to_pybytes()))
        finally:
            writer.close()
    except FLIGHT_ERRORS as e:
        out.refusal = refusal_from("DoExchange", e)
    for a in out.acks:
        if a.get("error") is not None:
            out.error_acks.append(record(Refusal("DoExchange ack", "ACK", str(a["error"]))))
    return out


def ack_problems(outcome, num_batches, durability):
    """How the acks break the protocol of docs/durability.md for `num_batches` batches at `durability`."""
    problems = []
    if outcome.refusal is not None:
        problems.append(str(outcome.refusal))
    for r in outcome.error_acks:
        problems.append(f"error ack: {r.message}")
    wanted = LEVELS[:LEVELS.index(durability) + 1]
    ok = [a for a in outcome.acks if a.get("error") is None]
    per_batch = {}
    for a in ok:
        per_batch.setdefault(a.get("batch"), []).append(a)
    if sorted(per_batch) != list(range(num_batches)):
        problems.append(f"acks for batches {sorted(per_batch)}, expected 0..{num_batches - 1}")
    lsn_of = {}
    for b, acks in sorted(per_batch.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        levels = [a.get("durability_level") for a in acks]
        if tuple(levels) != wanted:
            problems.append(f"batch {b}: acks at {levels}, expected {list(wanted)} (one per level, in order)")
        lsns = {a.get("lsn") for a in acks}
        if len(lsns) != 1 or not isinstance(next(iter(lsns)), int):
            problems.append(f"batch {b}: LSNs {sorted(map(str, lsns))}, expected one integer LSN")
        else:
            lsn_of[b] = next(iter(lsns))
    ordered = [lsn_of[b] for b in sorted(k for k in lsn_of if isinstance(k, int))]
    if any(x >= y for x, y in zip(ordered, ordered[1:])):
        problems.append(f"LSNs not strictly increasing with the batch index: {ordered}")
    for level in wanted:
        seq = [a.get("lsn") for a in ok if a.get("durability_level") == level]
        if any(not isinstance(x, int) or not isinstance(y, int) or x >= y for x, y in zip(seq, seq[1:])):
            problems.append(f"acks at '{level}' not in LSN order: {seq}")
    return problems


def refusal_text(refusal):
    """A refusal for an assertion message, with what is wrong with its message if anything."""
    problems = message_problems(refusal.message)
    return str(refusal) + (f"\n  and its message {'; '.join(problems)}" if problems else "")


def put_and_read_back(client, path, schema, batches, options=None):
    """DoPut as a new table, then every way of reading it back; returns the problems (none: stored exactly)."""
    outcome = put(client, path, schema, batches, options)
    if outcome.refusal is not None:
        return [f"the put was refused: {refusal_text(outcome.refusal)}"]
    rows = sum(b.num_rows for b in batches)
    problems = []
    if outcome.result.get("rows") != rows or outcome.result.get("created") is not True:
        problems.append(f"the PutResult says {outcome.result}, expected rows={rows} and created=true")
    return problems + readback_problems(read(client, path), schema, batches)


def stream_into_new_table(client, name, schema, batches, level, acked=None, options=None):
    """Creates the table, streams the batches at `level`, checks acks and contents; returns the problems."""
    path = ["default", name]
    created = put(client, path, schema, [], options)
    if created.refusal is not None:
        return [f"making the table with a DoPut of its schema was refused: {refusal_text(created.refusal)}"]
    outcome = exchange(client, path, schema, batches, level, options)
    if acked is not None and outcome.refusal is None:
        # What the server promised at the level asked for, whatever else went wrong.
        taken = outcome.acked_batches("memory")
        done = outcome.acked_batches(level)
        if taken == done:
            acked[name] = (schema, [batches[i] for i in done])
    problems = ack_problems(outcome, len(batches), level)
    if problems:
        return problems
    return readback_problems(read(client, path), schema, batches)


def refused(rpc, fn):
    """Runs `fn`; the Refusal (recorded) when the server refused it, else None (and the result is dropped)."""
    try:
        fn()
    except FLIGHT_ERRORS as e:
        return refusal_from(rpc, e)
    return None


def action_json(client, action_type, body=b"", options=None):
    """DoAction whose results are JSON: the list of decoded results ([] when the action answers nothing)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    results = client.do_action(fl.Action(action_type, body), options=options)
    return [json.loads(r.body.to_pybytes()) for r in results if r.body.size > 0]


def create_table(client, name, fields, options=None, **extra):
    """The CreateTable action: `fields` as [(name, type name, nullable)]."""
    schema_json = json.dumps({"fields": [{"name": n, "type": t, "nullable": nullable} for n, t, nullable in fields]})
    return action_json(client, "CreateTable", {"name": name, "schema_json": schema_json, **extra}, options)
