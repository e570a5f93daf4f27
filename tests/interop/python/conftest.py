"""Fixtures of the Python interop suite: a real `hangar serve` per test module.

The server is started from $HANGAR_BIN_DIR (default: build/bin of this
repository) on a free loopback port with a data directory of its own, and is
ready once it answers ListFlights. Its stdout and stderr go to a log file in
the module's temporary directory; when a test fails, what the server logged
while that test ran is attached to the report. At the end of the module the
server must still be running and answer ListFlights, and it must exit with
status 0 on SIGTERM.

Besides the plain server (`hangar`), a module may ask for one with
authentication (`hangar_auth`: a users file made with `hangar user add`,
users in `USERS`), TLS (`hangar_tls`), mutual TLS (`hangar_mtls`), the
development Kafka cluster (`hangar_kafka`), or any other flags
(`hangar_factory`). TLS certificates are made for the run by the openssl
command line (`tls_files`).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dataclasses import dataclass

import pyarrow.flight as fl
import pytest

import hangar_flight
from hangar_paths import HANGAR, PY_PACKAGE_DIR

# `import hangar` finds the package of this build (tests of the package itself).
if str(PY_PACKAGE_DIR) not in sys.path:
    sys.path.insert(0, str(PY_PACKAGE_DIR))

# tests/support: the launchers of the Kafka broker, the Schema Registry and the S3 server.
_SUPPORT = Path(__file__).resolve().parents[2] / "support"
if str(_SUPPORT) not in sys.path:
    sys.path.insert(0, str(_SUPPORT))
from kafka_broker import free_port  # noqa: E402  (one loopback port finder for every launcher)


START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30
LOG_SECTION_CHARS = 20000



@dataclass(frozen=True)
class TlsFiles:
    """PEM files made by openssl: a CA, the server's certificate (127.0.0.1 and localhost) and a client's.

    `other_*` are a second CA and a client certificate it signed, which the server does not trust.
    """
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    other_client_cert: Path
    other_client_key: Path

    @staticmethod
    def read(path):
        return Path(path).read_bytes()


_MAKE_CERTS = """set -e
ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key -out $1.crt -days 2 -subj "/CN=$1" 2>/dev/null; }
leaf() {
  openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj "/CN=$1" 2>/dev/null
  printf 'subjectAltName=%s\\n' "$3" > $1.ext
  openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -out $1.crt -days 2 -extfile $1.ext 2>/dev/null
}
ca hangar-test-ca
ca other-ca
leaf server hangar-test-ca "IP:127.0.0.1,DNS:localhost"
leaf client hangar-test-ca "DNS:client"
leaf stranger other-ca "DNS:stranger"
"""


def make_tls_files(directory):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "make.sh").write_text(_MAKE_CERTS)
    subprocess.run(["sh", "make.sh"], cwd=directory, check=True, timeout=120)
    d = directory
    return TlsFiles(d / "hangar-test-ca.crt", d / "server.crt", d / "server.key", d / "client.crt", d / "client.key",
                    d / "other-ca.crt", d / "stranger.crt", d / "stranger.key")


# Users of the servers made with authentication: name -> (password, permissions).
USERS = {
    "admin": ("admin-pass-1", ["admin:*"]),
    "writer": ("writer-pass-2", ["write:default.*", "read:kafka.*"]),
    "reader": ("reader-pass-3", ["read:default.*"]),
    # "analyst:analyst-pw-01" is 21 bytes: base64 without padding, as Arrow Go's client sends it.
    "analyst": ("analyst-pw-01", ["read:default.*"]),
}


def make_users_file(path):
    for name, (password, permissions) in USERS.items():
        args = ["user", "add", "--users", str(path), "--name", name, "--password-env", "HANGAR_TEST_PASSWORD"]
        for p in permissions:
            args += ["--permission", p]
        done = subprocess.run([str(HANGAR), *args], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, env={**os.environ, "HANGAR_TEST_PASSWORD": password})
        assert done.returncode == 0, f"hangar user add failed: {done.stderr}"
    return path


class HangarServer:
    """`hangar serve --listen 127.0.0.1:PORT --data-dir DIR [ARGS]`, startable again on the same data directory.

    With `tls` the server serves TLS (mutual TLS when `mutual`); with `login`
    ((user, password)) it has authentication on and the fixture's own client
    logs in with it.
    """

    def __init__(self, workdir, args=(), tls=None, mutual=False, login=None):
        self.workdir = Path(workdir)
        self.data_dir = self.workdir / "data"
        self.log_path = self.workdir / "hangar-serve.log"
        self.args = list(args)
        self.tls = tls
        self.mutual = mutual
        self.login = login
        self.proc = None
        self.port = None
        self._client = None
        self._headers = []
        self.deaths = []  # (test node id, exit status) of each time the server died under a test

    @property
    def url(self):
        return f"grpc{'+tls' if self.tls else ''}://127.0.0.1:{self.port}"

    def tls_kwargs(self, client_cert=True):
        """fl.connect's TLS arguments for this server: its CA, and the client certificate under mutual TLS."""
        if not self.tls:
            return {}
        kwargs = {"tls_root_certs": self.tls.read(self.tls.ca)}
        if self.mutual and client_cert:
            kwargs.update(cert_chain=self.tls.read(self.tls.client_cert),
                          private_key=self.tls.read(self.tls.client_key))
        return kwargs

    def connect(self, **kwargs):
        """A new pyarrow FlightClient for this server (TLS arguments added)."""
        return fl.connect(self.url, **{**self.tls_kwargs(), **kwargs})

    def options(self, timeout=None, **kwargs):
        """FlightCallOptions for the fixture's client: its Bearer token when authentication is on."""
        self.client()
        return fl.FlightCallOptions(timeout=timeout, headers=list(self._headers), **kwargs)

    def _server_args(self):
        args = list(self.args)
        if self.tls:
            args += ["--tls-cert", str(self.tls.server_cert), "--tls-key", str(self.tls.server_key)]
            if self.mutual:
                args += ["--tls-client-ca", str(self.tls.ca)]
        return args

    def _open_client(self):
        client = self.connect()
        headers = []
        if self.login:
            headers = [client.authenticate_basic_token(*self.login, options=fl.FlightCallOptions(timeout=5))]
        list(client.list_flights(options=fl.FlightCallOptions(timeout=5, headers=headers)))
        self._client, self._headers = client, headers
        return client

    def log_text(self, start=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(start)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_size(self):
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _log_line(self, text):
        with open(self.log_path, "ab") as f:
            f.write(f"==== {time.strftime('%H:%M:%S')} {text}\n".encode())

    def start(self):
        """Starts the server (on its previous port when it had one) and waits until it answers ListFlights."""
        assert self.proc is None, "already running"
        if not os.access(HANGAR, os.X_OK):
            raise RuntimeError(f"{HANGAR} is missing: build it first (make build), or set HANGAR_BIN_DIR")
        failures = []
        for attempt in range(3):
            # A port found free may be taken before the server binds it; then another one.
            self.port = self.port if (self.port and attempt == 0) else free_port()
            # No metrics listener: its default port may be another server's.
            cmd = [str(HANGAR), "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", str(self.data_dir),
                   "--metrics-listen", "off", *self._server_args()]
            self._log_line(" ".join(cmd))
            offset = self.log_size()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                             cwd=self.workdir)
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    self._open_client()
                    return
                except hangar_flight.FLIGHT_ERRORS:
                    time.sleep(0.05)
            code = self.proc.poll()
            if code is None:
                self.proc.kill()
                self.proc.wait()
                self.proc = None
                raise RuntimeError(f"hangar serve did not answer ListFlights within {START_TIMEOUT_S} s; "
                                   f"its log:\n{self.log_text(offset)}")
            failures.append(f"exit status {code} on port {self.port}:\n{self.log_text(offset)}")
            self.proc = None
        raise RuntimeError("hangar serve did not start:\n" + "\n".join(failures))

    def client(self):
        if self._client is None:
            self._open_client()
        return self._client

    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def stop(self):
        """SIGTERM; returns the exit status (the process is killed after STOP_TIMEOUT_S, and that raises)."""
        if self.proc is None:
            return None
        if self._client is not None:
            self._client.close()
            self._client = None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"hangar serve did not exit within {STOP_TIMEOUT_S} s of SIGTERM (killed); "
                               f"its log:\n{self.log_text()[-LOG_SECTION_CHARS:]}")
        self._log_line(f"exited with status {code}")
        return code

    def restart(self):
        """Stops the server with SIGTERM and starts it again on the same data directory; returns the exit status."""
        code = self.stop()
        self.start()
        return code

    def health_problem(self):
        """None while the process runs and answers ListFlights, else what is wrong."""
        if self.proc is None:
            return "hangar serve is not running"
        if self.proc.poll() is not None:
            return f"hangar serve has exited with status {self.proc.returncode}"
        try:
            list(self.client().list_flights(options=self.options(timeout=10)))
        except hangar_flight.FLIGHT_ERRORS as e:
            return f"ListFlights failed: {e}"
        return None


ACTIVE_SERVERS = []


def _finish(server):
    """Stops a fixture's server; fails when it died under a test, stopped answering or exited non-zero."""
    ACTIVE_SERVERS.remove(server)
    try:
        problem = server.health_problem()
    finally:
        code = server.stop()
    tail = server.log_text()[-LOG_SECTION_CHARS:]
    assert not server.deaths, "hangar serve died under " + ", ".join(
        f"{test} (exit status {code})" for test, code in server.deaths) + f"; its log:\n{tail}"
    assert problem is None, f"after the module's tests: {problem}; the server's log:\n{tail}"
    assert code == 0, f"hangar serve exited with status {code} on SIGTERM; its log:\n{tail}"


@pytest.fixture(scope="module")
def hangar_factory(tmp_path_factory, request):
    """make(name, args=(), tls=None, mutual=False, login=None) -> a started HangarServer of the module.

    Each is checked alive at the module's end, then stopped with SIGTERM. A
    server that dies under a test is started again on its data directory for
    the tests after it, and the module's end reports every such death.
    """
    servers = []
    module = request.module.__name__.rsplit(".", 1)[-1]

    def make(name, args=(), tls=None, mutual=False, login=None):
        server = HangarServer(tmp_path_factory.mktemp(f"{module}-{name}"), args, tls, mutual, login)
        server.start()
        ACTIVE_SERVERS.append(server)
        servers.append(server)
        return server

    try:
        yield make
    finally:
        failures = []
        for server in servers:
            try:
                _finish(server)
            except AssertionError as e:
                failures.append(str(e))
        assert not failures, "\n\n".join(failures)


@pytest.fixture(scope="module")
def hangar(hangar_factory):
    """A plain `hangar serve` (no authentication, no TLS) for the test module."""
    return hangar_factory("plain")


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def users_file(tmp_path_factory):
    return make_users_file(tmp_path_factory.mktemp("users") / "users.json")


@pytest.fixture(scope="module")
def hangar_auth(hangar_factory, users_file):
    """A server with authentication on (`--users`, the users of USERS); its own client is `admin`."""
    return hangar_factory("auth", ["--users", str(users_file)], login=("admin", USERS["admin"][0]))


@pytest.fixture(scope="module")
def hangar_tls(hangar_factory, tls_files):
    """A server serving TLS with the certificate of `tls_files`."""
    return hangar_factory("tls", tls=tls_files)


@pytest.fixture(scope="module")
def hangar_mtls(hangar_factory, tls_files):
    """A server requiring client certificates signed by the CA of `tls_files` (mutual TLS)."""
    return hangar_factory("mtls", tls=tls_files, mutual=True)


@pytest.fixture(scope="module")
def hangar_kafka(hangar_factory):
    """A server with the development Kafka cluster (`--dev-kafka`: topic `orders`, 4 partitions, 10,000 rows)."""
    return hangar_factory("kafka", ["--dev-kafka"])


_LOG_OFFSETS = pytest.StashKey()


@pytest.fixture(autouse=True)
def _note_test(request):
    hangar_flight.CURRENT_TEST[0] = request.node.nodeid
    request.node.stash[_LOG_OFFSETS] = {id(s): s.log_size() for s in ACTIVE_SERVERS}
    yield
    hangar_flight.CURRENT_TEST[0] = ""
    for server in ACTIVE_SERVERS:
        if server.proc is not None and server.proc.poll() is not None:
            # Died under this test (whose report shows the log): noted, and started again
            # so that the remaining cases still say something.
            server.deaths.append((request.node.nodeid, server.proc.returncode))
            server.stop()
            server.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    offsets = item.stash.get(_LOG_OFFSETS, {})
    for server in ACTIVE_SERVERS:
        text = server.log_text(offsets.get(id(server), 0))
        if len(text) > LOG_SECTION_CHARS:
            text = "...\n" + text[-LOG_SECTION_CHARS:]
        report.sections.append((f"hangar serve log ({server.log_path}) during this test", text or "(nothing)"))


def pytest_configure(config):
    config.addinivalue_line("markers", "run_last: runs after every other test of the run")


def pytest_collection_modifyitems(items):
    # The refusal audit looks at every refusal the run saw: it runs last.
    items.sort(key=lambda item: item.get_closest_marker("run_last") is not None)


# ---------------------------------------------------------------------------------------
# A real Apache Kafka broker and a Confluent-API Schema Registry (tests/support), shared
# by every module of the session that asks: starting a broker takes seconds.
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory):
    """A single-node Kafka 4 broker (KRaft) on loopback; tests create topics of their own."""
    from kafka_broker import KafkaBroker
    with KafkaBroker(tmp_path_factory.mktemp("kafka-broker")) as broker:
        yield broker


@pytest.fixture(scope="session")
def schema_registry(tmp_path_factory):
    """Apicurio Registry (tests/support/schema_registry.py), its Confluent-compatible API at `.url`."""
    from schema_registry import ApicurioRegistry
    with ApicurioRegistry(tmp_path_factory.mktemp("schema-registry")) as registry:
        yield registry


@pytest.fixture(scope="module")
def schemas_topic_registry(kafka_broker):
    """The project's own registry (tests/support/schema_registry.py), writing each registration
    to the broker's `_schemas` as Confluent's does: Apicurio Registry keeps no such topic."""
    from schema_registry import SchemaRegistryServer
    with SchemaRegistryServer(kafka_broker.bootstrap) as server:
        yield server


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A SeaweedFS S3 gateway on loopback (tests/support/s3_server.py) for the module, its bucket made."""
    from s3_server import S3Server
    server = S3Server(tmp_path_factory.mktemp("s3-server"))
    server.start()
    yield server
    server.kill()
