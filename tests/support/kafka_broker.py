"""A real Apache Kafka broker for tests and benchmarks: one node in KRaft mode on loopback.

The broker is Apache Kafka 4 from Maven Central (scripts/setup.sh resolves
tests/support/kafka/pom.xml and writes the classpath to
third_party/kafka/classpath), run with the machine's Java 17. Each broker gets
a directory of its own: its properties, its storage (formatted once, when the
broker is first started) and its log, `broker.log`. Starting takes a few
seconds, so a test session shares one broker and each test uses topics of its
own.

Listeners, each on a free loopback port:
- `PLAINTEXT`: always; clients on it are the principal `User:ANONYMOUS`, a super
  user, so tests can set up topics and ACLs without credentials.
- `SASL_PLAINTEXT` (with `sasl=True`): mechanisms PLAIN and SCRAM-SHA-512 for
  the users in `users` (name -> password), and ACLs enforced by Kafka's
  StandardAuthorizer: a user may do only what an ACL allows.
- `SSL` (with `tls=(cert_pem, key_pem)`): TLS with a PEM certificate and key;
  with `tls_client_ca` (a PEM CA) clients must present a certificate it signed.

The broker can be killed (SIGKILL) or stopped and started again on the same
ports and storage: a broker restart as clients see it.

As a program, `python3 kafka_broker.py DIR [--sasl --user N=P ...] [--tls CERT
KEY] [--topic NAME:PARTITIONS ...] [--schema-registry] [--full-jit]` starts a
broker (and with `--schema-registry` the Confluent-API registry of
schema_registry.py on it; confluent_kafka must be importable for that and for
`--topic`), creates the topics, prints one JSON line once it is ready — `{"bootstrap": "127.0.0.1:P", "pid": N}` and, as asked,
`sasl_bootstrap`, `ssl_bootstrap`, `schema_registry` (its URL) — and stops it
when its standard input closes or on SIGTERM. Benchmarks and tests in other
languages run it (bench/topics_bench.cc, tests/support/kafka_broker.h); the
JVM's full compiler (`--full-jit`) is for benchmarks.

With `--detach` it leaves the broker running in the background (its own
session, output in DIR) and exits once the broker is ready, after writing the
ready line to DIR/ready.json; `kafka_broker.py DIR --stop` stops it. CTest
starts one broker so for a whole suite (tests/CMakeLists.txt, fixture
`kafka_broker`).
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLASSPATH_FILE = ROOT / "third_party" / "kafka" / "classpath"
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30


def free_port():
    return free_ports(1)[0]


def free_ports(count):
    """`count` distinct free loopback ports. The sockets stay bound until all
    are chosen: one at a time, the kernel may hand out the same number twice
    (seen: a broker given one port for two listeners)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _accepts(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def classpath():
    if not CLASSPATH_FILE.is_file():
        raise RuntimeError(f"{CLASSPATH_FILE.relative_to(ROOT)} is missing: run scripts/setup.sh (make setup)")
    return CLASSPATH_FILE.read_text().strip()


class KafkaBroker:
    """A single-node Kafka cluster (broker and controller in one process) in `workdir`."""

    def __init__(self, workdir, sasl=False, users=None, tls=None, heap="768m", extra_properties=None,
                 quick_jit=True, tls_client_ca=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.sasl = sasl
        self.users = dict(users or {})
        self.tls = tls
        self.tls_client_ca = tls_client_ca
        self.heap = heap
        self.extra_properties = dict(extra_properties or {})
        # Tests: the JVM's first compiler only, which starts the broker sooner on a busy
        # machine. Benchmarks pass False for the broker's full speed.
        self.quick_jit = quick_jit
        ports = free_ports(4)
        self.port, self.controller_port = ports[0], ports[1]
        self.sasl_port = ports[2] if sasl else None
        self.ssl_port = ports[3] if tls else None
        self.proc = None
        self._formatted = False
        self.log_path = self.workdir / "broker.log"

    @property
    def bootstrap(self):
        """The PLAINTEXT listener, host:port."""
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self):
        return f"127.0.0.1:{self.sasl_port}"

    @property
    def ssl_bootstrap(self):
        return f"127.0.0.1:{self.ssl_port}"

    def _properties(self):
        listeners = [f"PLAINTEXT://127.0.0.1:{self.port}"]
        protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"]
        if self.sasl:
            listeners.append(f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}")
            protocols.append("SASL_PLAINTEXT:SASL_PLAINTEXT")
        if self.tls:
            listeners.append(f"SSL://127.0.0.1:{self.ssl_port}")
            protocols.append("SSL:SSL")
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listeners": ",".join(listeners + [f"CONTROLLER://127.0.0.1:{self.controller_port}"]),
            "advertised.listeners": ",".join(listeners),
            "listener.security.protocol.map": ",".join(protocols),
            "log.dirs": str(self.workdir / "data"),
            # One node: every internal topic has one replica.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "num.partitions": "1",
            # The log cleaner looks for work every 200 ms (15 s by default), so a test
            # that forces compaction waits briefly; topic deletion is immediate.
            "log.cleaner.backoff.ms": "200",
            "file.delete.delay.ms": "1000",
            "log.segment.delete.delay.ms": "1000",
        }
        if self.sasl:
            plain_users = " ".join(f'user_{name}="{password}"' for name, password in self.users.items())
            props.update({
                "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config":
                    f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};",
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config":
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                # PLAINTEXT, controller and inter-broker traffic is ANONYMOUS: the tests' admin.
                "super.users": "User:ANONYMOUS",
                "allow.everyone.if.no.acl.found": "false",
            })
        if self.tls:
            cert, key = (Path(p) for p in self.tls)
            bundle = self.workdir / "broker-keystore.pem"
            bundle.write_text(Path(key).read_text() + Path(cert).read_text())
            props.update({
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": str(bundle),
            })
            if self.tls_client_ca:
                props.update({
                    "ssl.client.auth": "required",
                    "ssl.truststore.type": "PEM",
                    "ssl.truststore.location": str(Path(self.tls_client_ca).resolve()),
                })
        props.update(self.extra_properties)
        return props

    def _write_config(self):
        config = self.workdir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in self._properties().items()))
        log4j = self.workdir / "log4j2.properties"
        log4j.write_text(
            "rootLogger.level=INFO\nrootLogger.appenderRef.f.ref=F\n"
            "appender.f.type=File\nappender.f.name=F\n"
            f"appender.f.fileName={self.log_path}\nappender.f.append=true\n"
            "appender.f.layout.type=PatternLayout\nappender.f.layout.pattern=[%d] %p %m (%c)%n\n"
            "logger.cleaner.name=kafka.log.LogCleaner\nlogger.cleaner.level=INFO\n")
        return config, log4j

    def _java(self, main_class, *args, heap=None):
        config_log4j = self.workdir / "log4j2.properties"
        jit = ["-XX:TieredStopAtLevel=1"] if self.quick_jit else []
        return ["java", f"-Xmx{heap or self.heap}", "-Xss1m", "-XX:+UseParallelGC", *jit,
                f"-Dlog4j2.configurationFile={config_log4j}", "-cp", classpath(), main_class, *args]

    def _format(self, config):
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # "--cluster-id=ID": an id may start with '-', which as a separate word reads as an option.
        cmd = self._java("kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}", "--config", str(config),
                         heap="256m")
        if self.sasl:
            # SCRAM credentials live in the cluster's metadata: written at format time.
            for name, password in self.users.items():
                cmd += ["--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"formatting the Kafka storage failed: {done.stdout}{done.stderr}")
        self._formatted = True

    def start(self):
        """Starts the broker (formatting its storage the first time); returns once clients can use it."""
        assert self.proc is None, "already running"
        config, _ = self._write_config()
        if not self._formatted:
            self._format(config)
        started_marker = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.workdir / "broker.out", "ab") as out:
            self.proc = subprocess.Popen(self._java("kafka.Kafka", str(config)), stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=out, cwd=self.workdir)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code, self.proc = self.proc.returncode, None
                raise RuntimeError(f"the Kafka broker exited with status {code}; its log:\n{self.log_tail()}")
            if self._started_since(started_marker) and _accepts(self.port):
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the Kafka broker was not ready within {START_TIMEOUT_S} s; its log:\n{self.log_tail()}")

    def _started_since(self, offset):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return b"Kafka Server started" in f.read()
        except FileNotFoundError:
            return False

    def log_tail(self, chars=8000):
        text = ""
        for name in ("broker.out", "broker.log"):
            try:
                text += (self.workdir / name).read_text(errors="replace")[-chars:]
            except FileNotFoundError:
                pass
        return text

    def kill(self):
        """SIGKILL, as a crash: no clean shutdown, the storage as it was."""
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def stop(self):
        """A clean shutdown (SIGTERM); killed after STOP_TIMEOUT_S."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def create_topics(bootstrap, topics):
    """Creates each (name, partitions) with one replica; returns once all exist."""
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, 1) for name, partitions in topics])
    for future in futures.values():
        future.result(60)


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(description="Runs a single-node Kafka broker until stdin closes.")
    parser.add_argument("dir")
    parser.add_argument("--sasl", action="store_true")
    parser.add_argument("--user", action="append", default=[], help="NAME=PASSWORD (with --sasl)")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--schema-registry", action="store_true",
                        help="also serve a Confluent-API Schema Registry storing into the broker's _schemas")
    parser.add_argument("--full-jit", action="store_true", help="the JVM's full compiler (benchmarks)")
    parser.add_argument("--heap", default="768m")
    parser.add_argument("--topic", action="append", default=[], metavar="NAME:PARTITIONS",
                        help="a topic to create before the ready line")
    parser.add_argument("--detach", action="store_true",
                        help="run in the background; exit once ready (the ready line also in DIR/ready.json)")
    parser.add_argument("--stop", action="store_true", help="stop the broker that --detach left running in DIR")
    parser.add_argument("--until-signal", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stop:
        return stop_detached(Path(args.dir))
    if args.detach:
        return detach(Path(args.dir), [a for a in argv if a != "--detach"])
    users = dict(u.split("=", 1) for u in args.user)
    broker = KafkaBroker(args.dir, sasl=args.sasl, users=users, tls=args.tls, heap=args.heap,
                         quick_jit=not args.full_jit)
    registry = None

    def stop(*_):
        nonlocal registry
        if registry is not None:
            registry.stop()
            registry = None  # stopped once: a second shutdown() would wait forever
        broker.stop()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    broker.start()
    try:
        ready = {"bootstrap": broker.bootstrap, "pid": broker.proc.pid}
        if args.sasl:
            ready["sasl_bootstrap"] = broker.sasl_bootstrap
        if args.tls:
            ready["ssl_bootstrap"] = broker.ssl_bootstrap
        if args.topic:
            create_topics(broker.bootstrap, [(t.rsplit(":", 1)[0], int(t.rsplit(":", 1)[1])) for t in args.topic])
        if args.schema_registry:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from schema_registry import SchemaRegistryServer
            registry = SchemaRegistryServer(broker.bootstrap).start()
            ready["schema_registry"] = registry.url
        print(json.dumps(ready), flush=True)
        if args.until_signal:
            while True:
                signal.pause()
        sys.stdin.read()
    finally:
        stop()


def detach(directory, argv):
    """Starts this launcher in a session of its own, its output in `directory`; returns once it is ready.

    A broker left running in `directory` by an earlier run (one whose --stop never came) is stopped, and
    the directory emptied: every run gets a freshly formatted broker."""
    stop_detached(directory)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    ready_path, out_path = directory / "ready.json", directory / "launcher.out"
    ready_path.unlink(missing_ok=True)
    # Nothing inherited: a test runner waits for the pipes it gave until every holder is gone.
    with open(out_path, "wb") as out, open(directory / "launcher.log", "wb") as err:
        proc = subprocess.Popen([sys.executable, __file__, *argv, "--until-signal"], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True, close_fds=True)
    (directory / "launcher.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + START_TIMEOUT_S * 2
    while time.monotonic() < deadline:
        text = out_path.read_text()
        if text.endswith("\n"):
            ready_path.write_text(text)
            print(text, end="", flush=True)
            return 0
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    sys.exit(f"the Kafka broker did not get ready; see {directory / 'launcher.log'} and {directory / 'broker.log'}")


def stop_detached(directory):
    """Stops the launcher --detach left running in `directory` (it stops its broker cleanly)."""
    try:
        pid = int((directory / "launcher.pid").read_text())
    except (FileNotFoundError, ValueError):
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return 0
    deadline = time.monotonic() + STOP_TIMEOUT_S + 10
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)
    (directory / "launcher.pid").unlink(missing_ok=True)
    (directory / "ready.json").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
