"""Fixtures of the Python interop suite: a real `hangar serve` per test module.

The server is started from $HANGAR_BIN_DIR (default: build/bin of this
repository) on a free loopback port with a data directory of its own, and is
ready once it answers ListFlights. Its stdout and stderr go to a log file in
the module's temporary directory; when a test fails, what the server logged
while that test ran is attached to the report. At the end of the module the
server must still be running and answer ListFlights, and it must exit with
status 0 on SIGTERM.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pyarrow.flight as fl
import pytest

import hangar_flight
from hangar_paths import HANGAR


START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30
LOG_SECTION_CHARS = 20000


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HangarServer:
    """`hangar serve --listen 127.0.0.1:PORT --data-dir DIR`, startable again on the same data directory."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.data_dir = self.workdir / "data"
        self.log_path = self.workdir / "hangar-serve.log"
        self.proc = None
        self.port = None
        self._client = None
        self.deaths = []  # (test node id, exit status) of each time the server died under a test

    @property
    def url(self):
        return f"grpc://127.0.0.1:{self.port}"

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
                   "--metrics-listen", "off"]
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
                    client = fl.connect(self.url)
                    list(client.list_flights(options=fl.FlightCallOptions(timeout=5)))
                    self._client = client
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
            self._client = fl.connect(self.url)
        return self._client

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
            list(self.client().list_flights(options=fl.FlightCallOptions(timeout=10)))
        except hangar_flight.FLIGHT_ERRORS as e:
            return f"ListFlights failed: {e}"
        return None


ACTIVE_SERVERS = []


@pytest.fixture(scope="module")
def hangar(tmp_path_factory, request):
    """A `hangar serve` for the test module; checked alive at its end, then stopped with SIGTERM.

    A server that dies under a test is started again on its data directory
    for the tests after it, and the module's end reports every such death.
    """
    server = HangarServer(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]))
    server.start()
    ACTIVE_SERVERS.append(server)
    try:
        yield server
    finally:
        ACTIVE_SERVERS.remove(server)
        problem = server.health_problem()
        code = server.stop()
    tail = server.log_text()[-LOG_SECTION_CHARS:]
    assert not server.deaths, "hangar serve died under " + ", ".join(
        f"{test} (exit status {code})" for test, code in server.deaths) + f"; its log:\n{tail}"
    assert problem is None, f"after the module's tests: {problem}; the server's log:\n{tail}"
    assert code == 0, f"hangar serve exited with status {code} on SIGTERM; its log:\n{tail}"


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
