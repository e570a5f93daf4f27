"""Schema Registries speaking the Confluent REST API for the real-broker tests.

`ApicurioRegistry` runs a real one: Apicurio Registry 2.1.3.Final with its
in-memory storage and Confluent-compatible API (`/apis/ccompat/v6`), built by
scripts/setup.sh from tests/support/schema-registry/pom.xml into
third_party/apicurio-registry/. Neither Confluent's registry (not on Maven
Central), Karapace (not on PyPI) nor Apicurio Registry 2.1.5 and later,
3.x included (their `apicurio-registry-schema-util-provider` module is not
on Maven Central), installs from the package registries this project uses.
The Kafka suites produce and read through it.

`SchemaRegistryServer` is this project's own registry, for what Apicurio
does not do: keep the schemas in Confluent's `_schemas` topic, which Hangar
can read instead of asking over REST. It is written to the REST API that
Confluent documents and that the
producers under test (confluent-kafka's SchemaRegistryClient, AvroSerializer
and AvroDeserializer) call, and it keeps its state the way Confluent's
registry does: every registration is a record of the `_schemas` topic (key
`{"keytype": "SCHEMA", "subject", "version", "magic": 1}`, value `{"subject",
"version", "id", "schema", "deleted": false}`), written with acks=all before
the answer. A Hangar server can so be pointed at the registry over REST
(`--schema-registry URL`) or at the same schemas through the topic.

Served:
- `POST /subjects/{s}/versions`: registers (or finds) a schema; `{"id": N}`.
- `POST /subjects/{s}`: looks a schema up; its subject, version, id and schema.
- `GET /subjects`, `GET /subjects/{s}/versions`, `GET /subjects/{s}/versions/{v|latest}`.
- `GET /schemas/ids/{id}` (and `/schemas/ids/{id}/subjects`, `/versions`).
- `GET /config`, `GET /config/{s}`: compatibility NONE (Hangar checks BACKWARD itself).
- `DELETE /subjects/{s}` (soft delete, as Confluent's).
Errors as Confluent's: `{"error_code": 40401, "message": ...}` with 404, 422, 500.

Schemas are compared by their parsed JSON, so whitespace does not make a new
version. Only Avro is stored; other schema types are refused (422).
"""

import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

SCHEMAS_TOPIC = "_schemas"


class _NotFound(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class _Unprocessable(Exception):
    pass


class Registry:
    """Subjects, versions and ids; each new version also written to the `_schemas` topic."""

    def __init__(self, bootstrap=None, topic=SCHEMAS_TOPIC):
        self._lock = threading.Lock()
        self._by_id = {}  # id -> canonical schema text
        self._subjects = {}  # subject -> list of (version, id, deleted)
        self._next_id = 1
        self._topic = topic
        self._producer = None
        if bootstrap:
            from confluent_kafka import Producer
            from confluent_kafka.admin import AdminClient, NewTopic
            admin = AdminClient({"bootstrap.servers": bootstrap})
            # One partition, compacted: as Confluent's registry creates it.
            futures = admin.create_topics([NewTopic(topic, 1, 1, config={"cleanup.policy": "compact"})])
            try:
                futures[topic].result(30)
            except Exception as e:  # an existing topic is fine
                if "already exists" not in str(e).lower() and "TOPIC_ALREADY_EXISTS" not in str(e):
                    raise
            self._producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})

    @staticmethod
    def _canonical(text):
        try:
            return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
        except ValueError as e:
            raise _Unprocessable(f"Invalid schema: {e}") from e

    def _write(self, subject, version, schema_id, text, deleted=False):
        if self._producer is None:
            return
        key = json.dumps({"keytype": "SCHEMA", "subject": subject, "version": version, "magic": 1})
        value = json.dumps({"subject": subject, "version": version, "id": schema_id, "schema": text,
                            "deleted": deleted})
        errors = []
        self._producer.produce(self._topic, value.encode(), key.encode(),
                               on_delivery=lambda err, _msg: err and errors.append(err))
        if self._producer.flush(30) != 0 or errors:
            raise RuntimeError(f"writing to {self._topic} failed: {errors or 'timed out'}")

    def register(self, subject, text):
        canonical = self._canonical(text)
        with self._lock:
            versions = self._subjects.setdefault(subject, [])
            for version, schema_id, deleted in versions:
                if not deleted and self._by_id[schema_id] == canonical:
                    return schema_id
            schema_id = next((i for i, t in self._by_id.items() if t == canonical), None)
            if schema_id is None:
                schema_id, self._next_id = self._next_id, self._next_id + 1
                self._by_id[schema_id] = canonical
            version = (versions[-1][0] + 1) if versions else 1
            self._write(subject, version, schema_id, text)
            versions.append((version, schema_id, False))
            return schema_id

    def _live(self, subject):
        versions = [v for v in self._subjects.get(subject, []) if not v[2]]
        if not versions:
            raise _NotFound(40401, f"Subject '{subject}' not found.")
        return versions

    def version(self, subject, which):
        with self._lock:
            versions = self._live(subject)
            if which in ("latest", "-1"):
                version, schema_id, _ = versions[-1]
            else:
                found = [v for v in versions if str(v[0]) == which]
                if not found:
                    raise _NotFound(40402, f"Version {which} not found.")
                version, schema_id, _ = found[0]
            return {"subject": subject, "version": version, "id": schema_id, "schema": self._by_id[schema_id]}

    def lookup(self, subject, text):
        canonical = self._canonical(text)
        with self._lock:
            for version, schema_id, _ in self._live(subject):
                if self._by_id[schema_id] == canonical:
                    return {"subject": subject, "version": version, "id": schema_id, "schema": canonical}
        raise _NotFound(40403, "Schema not found")

    def versions(self, subject):
        with self._lock:
            return [v[0] for v in self._live(subject)]

    def subjects(self):
        with self._lock:
            return sorted(s for s, vs in self._subjects.items() if any(not v[2] for v in vs))

    def schema(self, schema_id):
        with self._lock:
            if schema_id not in self._by_id:
                raise _NotFound(40403, f"Schema {schema_id} not found")
            return self._by_id[schema_id]

    def uses(self, schema_id):
        with self._lock:
            return [{"subject": s, "version": v} for s, vs in self._subjects.items() for v, i, d in vs
                    if i == schema_id and not d]

    def delete(self, subject):
        with self._lock:
            versions = self._live(subject)
            for version, schema_id, _ in versions:
                self._write(subject, version, schema_id, self._by_id[schema_id], deleted=True)
            self._subjects[subject] = [(v, i, True) for v, i, _ in self._subjects[subject]]
            return [v[0] for v in versions]


class _Handler(BaseHTTPRequestHandler):
    registry = None  # set on the subclass made by SchemaRegistryServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: tests read the answers, not a log
        pass

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError as e:
            raise _Unprocessable(f"Unrecognized request body: {e}") from e

    def _route(self, method):
        path = [unquote(p) for p in urlparse(self.path).path.strip("/").split("/")]
        r = self.registry
        if method == "GET" and path[:1] == ["config"]:
            return {"compatibilityLevel": "NONE"}
        if path == ["subjects"] and method == "GET":
            return r.subjects()
        if len(path) >= 2 and path[0] == "subjects":
            subject = path[1]
            if len(path) == 2 and method == "POST":
                schema = self._schema_of(self._body())
                return r.lookup(subject, schema)
            if len(path) == 2 and method == "DELETE":
                return r.delete(subject)
            if len(path) == 3 and path[2] == "versions":
                if method == "POST":
                    return {"id": r.register(subject, self._schema_of(self._body()))}
                return r.versions(subject)
            if len(path) == 4 and path[2] == "versions" and method == "GET":
                return r.version(subject, path[3])
            if len(path) == 5 and path[2] == "versions" and path[4] == "schema" and method == "GET":
                return json.loads(r.version(subject, path[3])["schema"])
        if len(path) >= 3 and path[:2] == ["schemas", "ids"] and re.fullmatch(r"\d+", path[2]) and method == "GET":
            schema_id = int(path[2])
            if len(path) == 3:
                return {"schema": r.schema(schema_id)}
            if path[3:] == ["subjects"]:
                r.schema(schema_id)
                return sorted({u["subject"] for u in r.uses(schema_id)})
            if path[3:] == ["versions"]:
                r.schema(schema_id)
                return r.uses(schema_id)
        raise _NotFound(404, f"{method} {self.path} is not served")

    @staticmethod
    def _schema_of(body):
        if body.get("schemaType", "AVRO") != "AVRO":
            raise _Unprocessable(f"only Avro schemas are stored, not {body.get('schemaType')}")
        schema = body.get("schema")
        if not isinstance(schema, str):
            raise _Unprocessable("the request has no schema")
        return schema

    def _handle(self, method):
        try:
            self._answer(200, self._route(method))
        except _NotFound as e:
            self._answer(404, {"error_code": e.code, "message": str(e)})
        except _Unprocessable as e:
            self._answer(422, {"error_code": 42201, "message": str(e)})
        except Exception as e:  # noqa: BLE001 - the client gets a 500 with the reason
            self._answer(500, {"error_code": 50001, "message": str(e)})

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")


class _Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: a sixth client connecting at once has its
    # SYN dropped and retries a second later. Hangar asks the registry once per
    # stream, and a client opening one stream per partition opens many at once.
    request_queue_size = 128


class SchemaRegistryServer:
    """The registry over HTTP on a free loopback port, in a thread of this process."""

    def __init__(self, bootstrap=None, topic=SCHEMAS_TOPIC):
        self.registry = Registry(bootstrap, topic)
        handler = type("Handler", (_Handler,), {"registry": self.registry})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APICURIO_JAR = os.path.join(ROOT, "third_party", "apicurio-registry", "build", "apicurio-registry-runner.jar")
APICURIO_START_TIMEOUT_S = 180  # it answers within 8 s on a quiet 2-core machine, 25 s on a busy one


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApicurioRegistry:
    """Apicurio Registry (in-memory storage) as a child `java` process on a free loopback port.

    `url` is its Confluent-compatible API, the base URL that confluent-kafka's
    SchemaRegistryClient and `hangar serve --schema-registry` take.
    """

    def __init__(self, workdir, heap="384m"):
        self.workdir = str(workdir)
        self.heap = heap
        self.port = None
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/apis/ccompat/v6"

    def log_tail(self, chars=8000):
        try:
            with open(os.path.join(self.workdir, "registry.out"), "rb") as f:
                return f.read().decode(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def _ready(self):
        try:
            with urllib.request.urlopen(self.url + "/subjects", timeout=5) as answer:
                return answer.status == 200
        except OSError:
            return False

    def start(self):
        """Starts the registry; returns once its Confluent-compatible API answers."""
        assert self.proc is None, "already running"
        if not os.path.isfile(APICURIO_JAR):
            raise RuntimeError(f"{APICURIO_JAR} is missing: run scripts/setup.sh (make setup)")
        os.makedirs(self.workdir, exist_ok=True)
        self.port = _free_port()
        cmd = ["java", f"-Xmx{self.heap}", "-XX:+UseParallelGC", "-XX:TieredStopAtLevel=1",
               f"-Dquarkus.http.port={self.port}", "-Dquarkus.http.host=127.0.0.1",
               "-Dregistry.enable.sentry=false", "-jar", APICURIO_JAR]
        with open(os.path.join(self.workdir, "registry.out"), "ab") as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=self.workdir)
        started = time.monotonic()
        while time.monotonic() - started < APICURIO_START_TIMEOUT_S:
            if self.proc.poll() is not None:
                code, self.proc = self.proc.returncode, None
                raise RuntimeError(f"Apicurio Registry exited with status {code}; its log:\n{self.log_tail()}")
            if self._ready():
                self.start_seconds = time.monotonic() - started
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Apicurio Registry did not answer within {APICURIO_START_TIMEOUT_S} s; "
                           f"its log:\n{self.log_tail()}")

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
