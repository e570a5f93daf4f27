"""The wheel `make wheel` made (dist/), installed into a fresh virtual environment.

The environment gets nothing but the wheel (`pip install --no-index
--no-deps`): the `hangar` console script and `python -m hangar` run the
server the wheel carries, which loads the DuckDB library the wheel carries
(not the build tree's), and the extension module imports without pyarrow.
`hangar serve --dev-kafka` started from the environment answers Flight.
"""

import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

import pyarrow.flight as fl
import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEEL_DIR = Path(os.environ.get("HANGAR_WHEEL_DIR") or ROOT / "dist")
sys.path.insert(0, str(ROOT / "tests" / "support"))
from kafka_broker import free_port  # noqa: E402


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    wheels = sorted(WHEEL_DIR.glob("hangar-*.whl"))
    assert len(wheels) == 1, f"expected one hangar wheel in {WHEEL_DIR} (make wheel), found {wheels}"
    assert wheels[0].name.endswith("-linux_x86_64.whl"), wheels[0].name
    home = tmp_path_factory.mktemp("fresh-venv") / "venv"
    venv.EnvBuilder(with_pip=True).create(home)
    done = subprocess.run([str(home / "bin" / "python"), "-m", "pip", "install", "--no-index", "--no-deps",
                           "--disable-pip-version-check", "-q", str(wheels[0])],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return home


def _run(home, *args, cwd=None):
    # Outside the repository, with nothing of the build tree on any path.
    env = {"PATH": f"{home / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, env=env, cwd=cwd or home,
                          stdin=subprocess.DEVNULL)


def test_console_script_and_module_run_the_server_executable(fresh_venv):
    by_script = _run(fresh_venv, str(fresh_venv / "bin" / "hangar"), "version")
    assert by_script.returncode == 0, by_script.stderr
    by_module = _run(fresh_venv, str(fresh_venv / "bin" / "python"), "-m", "hangar", "version")
    assert by_module.returncode == 0, by_module.stderr
    assert by_script.stdout == by_module.stdout and "0.1.0" in by_script.stdout


def test_the_executable_loads_the_wheels_duckdb(fresh_venv):
    exe = _run(fresh_venv, str(fresh_venv / "bin" / "python"), "-c",
               "import hangar._executable as e; print(e.path())").stdout.strip()
    assert exe.startswith(str(fresh_venv)), exe
    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True, timeout=60)
    [duckdb] = [line for line in ldd.stdout.splitlines() if "libduckdb" in line]
    assert str(fresh_venv) in duckdb and "not found" not in duckdb, duckdb


def test_the_extension_module_imports_without_pyarrow(fresh_venv):
    probe = _run(fresh_venv, str(fresh_venv / "bin" / "python"), "-c", """
import importlib.util, hangar, hangar.kafka
assert importlib.util.find_spec("pyarrow") is None
try:
    hangar.kafka.Listener("127.0.0.1:1", "t", schema_registry="ftp://x")
except hangar.HangarError as e:
    print(e)
""")
    assert probe.returncode == 0, probe.stderr
    assert "schema_registry 'ftp://x'" in probe.stdout


def test_hangar_serve_dev_kafka_runs_from_the_venv(fresh_venv, tmp_path):
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([str(fresh_venv / "bin" / "hangar"), "serve", "--dev-kafka", "--listen",
                             f"127.0.0.1:{port}", "--data-dir", str(tmp_path / "data"), "--metrics-listen", "off"],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=tmp_path,
                            env={"PATH": f"{fresh_venv / 'bin'}:/usr/bin:/bin"})
    try:
        client = fl.connect(f"grpc://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        paths = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                paths = [tuple(p.decode() for p in f.descriptor.path) for f in client.list_flights()]
                break
            except fl.FlightError:
                time.sleep(0.1)
        assert paths is not None, (tmp_path / "serve.log").read_text()
        assert ("kafka", "orders") in paths
        info = client.get_flight_info(fl.FlightDescriptor.for_path("kafka", "orders"))
        assert info.total_records == 10000
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
