"""Hangar on a Kafka broker with SASL (PLAIN, SCRAM-SHA-512), ACLs and TLS.

The broker (tests/support/kafka_broker.py) has users alice and bob; ACLs let
alice (and the client certificate CN=client, on the mutual-TLS listener) read
and describe the topics named `secure-*`, alice writes them, and bob nothing. Hangar
connects with the credentials of its flags (`--kafka-sasl-*`), or over TLS
with the test CA (`--kafka-ssl-ca`), or — with `--kafka-pass-credentials` —
as each Flight user, with the password that user logged in to Hangar with.
The broker decides: a user without ACLs is refused, and that refusal reaches
the Flight client as PERMISSION_DENIED naming the topic. Passwords never
appear in Hangar's log.
"""

import os
import subprocess
import time

import pyarrow as pa
import pyarrow.flight as fl
import pytest
from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, AdminClient, ResourcePatternType,
                                   ResourceType)

import hangar_flight
from hangar_paths import HANGAR
from kafka_producers import consume_all, create_topic, read_topic

USERS = {"alice": "alice-Secret-71", "bob": "bob-Secret-42"}


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory, tls_files):
    from kafka_broker import KafkaBroker
    with KafkaBroker(tmp_path_factory.mktemp("kafka-secure"), sasl=True, users=USERS,
                     tls=(tls_files.server_cert, tls_files.server_key), tls_client_ca=tls_files.ca) as broker:
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        # alice over SASL, and over mutual TLS the client certificate's subject (CN=client).
        acls = [AclBinding(ResourceType.TOPIC, "secure-", ResourcePatternType.PREFIXED, principal, "*", op,
                           AclPermissionType.ALLOW)
                for principal in ("User:alice", "User:CN=client") for op in (AclOperation.READ, AclOperation.DESCRIBE)]
        acls.append(AclBinding(ResourceType.TOPIC, "secure-", ResourcePatternType.PREFIXED, "User:alice", "*",
                               AclOperation.WRITE, AclPermissionType.ALLOW))
        for f in admin.create_acls(acls).values():
            f.result(30)
        yield broker


@pytest.fixture(scope="module")
def secure_registry(secure_broker, schema_registry):
    """The session's Apicurio Registry, over REST: Hangar's schemas do not come from a topic here."""
    return schema_registry


@pytest.fixture(scope="module")
def servers(secure_broker, secure_registry, hangar_factory):
    """hangar_factory, set up after the broker and registry so that its servers stop before they do."""
    return hangar_factory


@pytest.fixture(scope="module")
def secure_topic(secure_broker):
    """`secure-N` with 2 partitions of raw (schemaless) messages, 5 in each."""
    from confluent_kafka import Producer
    topic = create_topic(secure_broker.bootstrap, "secure", 2)
    p = Producer({"bootstrap.servers": secure_broker.bootstrap})
    for i in range(10):
        p.produce(topic, f"value {i}".encode(), partition=i % 2)
    assert p.flush(30) == 0
    return topic


def _sasl_server(servers, broker, tmp_path, name, mechanism, user):
    password_file = tmp_path / f"{name}.password"
    password_file.write_text(USERS[user] + "\n")
    return servers(name, args=["--kafka-brokers", broker.sasl_bootstrap,
                                      "--kafka-security-protocol", "sasl_plaintext",
                                      "--kafka-sasl-mechanism", mechanism, "--kafka-sasl-username", user,
                                      "--kafka-sasl-password-file", str(password_file)])


# Debian's librdkafka 2.0.2, which Hangar links, fails every SCRAM login to Kafka 4.x: its
# client-final-message repeats the client nonce (r=<client nonce><server nonce>, where the server
# nonce already begins with the client's), and Kafka 4 compares the nonce strictly, as RFC 5802
# asks, so the broker answers "invalid credentials" (seen on the wire and in the broker's log).
# Fixed in librdkafka 2.6.1; confluent-kafka's bundled newer librdkafka logs in with the same user.
# No setting of Hangar's can change the message librdkafka builds: kept visible here.
SCRAM_GAP = pytest.mark.xfail(strict=True, reason="librdkafka 2.0.2 repeats the SCRAM client nonce, "
                                                  "which Kafka 4 refuses (fixed in librdkafka 2.6.1)")


@pytest.mark.parametrize("mechanism", ["PLAIN", pytest.param("SCRAM-SHA-512", marks=SCRAM_GAP)])
def test_user_with_acls_reads_the_topic(servers, secure_broker, secure_topic, tmp_path, mechanism):
    server = _sasl_server(servers, secure_broker, tmp_path, f"alice-{mechanism.lower()}", mechanism, "alice")
    info, table = read_topic(server.client(), fl.FlightDescriptor.for_path("kafka", secure_topic))
    assert len(info.endpoints) == 2 and info.total_records == 10
    assert sorted(table.column("_value").to_pylist()) == sorted(f"value {i}".encode() for i in range(10))
    assert USERS["alice"] not in server.log_text()


def test_user_without_acls_is_refused_naming_the_topic(servers, secure_broker, secure_topic, tmp_path):
    server = _sasl_server(servers, secure_broker, tmp_path, "bob", "PLAIN", "bob")
    client = server.client()
    ticket = fl.Ticket(f'{{"topic": "{secure_topic}", "partition": 0}}'.encode())
    for call in (lambda: client.get_flight_info(fl.FlightDescriptor.for_path("kafka", secure_topic)),
                 lambda: client.do_get(ticket).read_all()):
        with pytest.raises(fl.FlightError) as failure:
            call()
        code, message = hangar_flight.grpc_failure(failure.value)
        assert code == "PERMISSION_DENIED", (code, message)
        assert secure_topic in message, message
    assert USERS["bob"] not in server.log_text()


def test_mutual_tls_to_the_broker(servers, secure_broker, secure_topic, tls_files):
    """The broker's SSL listener verifies Hangar's client certificate (signed by the test CA)."""
    server = servers("tls", args=["--kafka-brokers", secure_broker.ssl_bootstrap, "--kafka-security-protocol", "ssl",
                                  "--kafka-ssl-ca", str(tls_files.ca), "--kafka-ssl-cert", str(tls_files.client_cert),
                                  "--kafka-ssl-key", str(tls_files.client_key)])
    info, table = read_topic(server.client(), fl.FlightDescriptor.for_path("kafka", secure_topic))
    assert info.total_records == 10 and table.num_rows == 10


@pytest.mark.parametrize("client_cert", ["none", "stranger"])
def test_tls_to_the_broker_without_an_accepted_client_certificate_fails_to_start(secure_broker, tls_files, tmp_path,
                                                                                client_cert):
    args = ["--kafka-brokers", secure_broker.ssl_bootstrap, "--kafka-security-protocol", "ssl",
            "--kafka-ssl-ca", str(tls_files.ca), "--kafka-property", "socket.timeout.ms=5000"]
    if client_cert == "stranger":  # signed by a CA the broker does not trust
        args += ["--kafka-ssl-cert", str(tls_files.other_client_cert), "--kafka-ssl-key", str(tls_files.other_client_key)]
    done = subprocess.run([str(HANGAR), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
                           "--metrics-listen", "off", *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode != 0
    assert f"cannot reach Kafka at {secure_broker.ssl_bootstrap}" in done.stderr, done.stderr


# ---------------------------------------------------------------------------------------
# Credential pass-through: Hangar's users log in to Kafka as themselves.
# ---------------------------------------------------------------------------------------
# Hangar's users: alice and bob with their Kafka passwords; carol exists in Hangar only.
PASS_THROUGH_USERS = {**USERS, "carol": "carol-Secret-13"}


@pytest.fixture(scope="module")
def pass_through_users(tmp_path_factory):
    path = tmp_path_factory.mktemp("pass-through-users") / "users.json"
    for name, password in PASS_THROUGH_USERS.items():
        done = subprocess.run([str(HANGAR), "user", "add", "--users", str(path), "--name", name, "--password-env",
                               "HANGAR_TEST_PASSWORD", "--permission", "write:kafka.*"],
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                              env={**os.environ, "HANGAR_TEST_PASSWORD": password})
        assert done.returncode == 0, done.stderr
    return path


def _pass_through_args(broker, users, tmp_path):
    own = tmp_path / "hangar-kafka.password"
    own.write_text(USERS["alice"] + "\n")
    return ["--users", str(users), "--kafka-pass-credentials", "--kafka-brokers", broker.sasl_bootstrap,
            "--kafka-security-protocol", "sasl_plaintext", "--kafka-sasl-mechanism", "PLAIN",
            "--kafka-sasl-username", "alice", "--kafka-sasl-password-file", str(own)]


@pytest.fixture(scope="module")
def pass_through(servers, secure_broker, secure_registry, pass_through_users, tmp_path_factory):
    args = _pass_through_args(secure_broker, pass_through_users, tmp_path_factory.mktemp("pass-through"))
    return servers("pass-through", args=args + ["--schema-registry", secure_registry.url],
                   login=("alice", USERS["alice"]))


def _login(server, user):
    client = server.connect()
    header = client.authenticate_basic_token(user, PASS_THROUGH_USERS[user])
    return client, fl.FlightCallOptions(headers=[header], timeout=60)


def test_pass_through_user_with_acls_reads_with_a_bearer_token(pass_through, secure_topic):
    client, options = _login(pass_through, "alice")
    info = client.get_flight_info(fl.FlightDescriptor.for_path("kafka", secure_topic), options)
    values = [v for e in info.endpoints for v in client.do_get(e.ticket, options).read_all().column("_value").to_pylist()]
    assert sorted(values) == sorted(f"value {i}".encode() for i in range(10))
    assert secure_topic in [f.descriptor.path[1].decode() for f in client.list_flights(options=options)]


def test_pass_through_user_without_acls_is_refused_naming_the_topic(pass_through, secure_topic):
    client, options = _login(pass_through, "bob")
    ticket = fl.Ticket(f'{{"topic": "{secure_topic}", "partition": 0}}'.encode())
    for call in (lambda: client.get_flight_info(fl.FlightDescriptor.for_path("kafka", secure_topic), options),
                 lambda: client.get_schema(fl.FlightDescriptor.for_path("kafka", secure_topic), options),
                 lambda: client.do_get(ticket, options).read_all()):
        with pytest.raises(hangar_flight.FLIGHT_ERRORS) as failure:  # GetSchema's is an OSError
            call()
        code, message = hangar_flight.grpc_failure(failure.value)
        assert code == "PERMISSION_DENIED", (code, message)
        assert secure_topic in message and "Kafka user 'bob'" in message, message
    # The broker lists bob no topic: neither does Hangar.
    assert not [f for f in client.list_flights(options=options) if f.descriptor.path[0] == b"kafka"]


def test_pass_through_writes_as_the_user(pass_through, secure_broker):
    topic = create_topic(secure_broker.bootstrap, "secure-put", 1)
    rows = pa.record_batch({"n": pa.array([1, 2, 3], pa.int64())})
    client, options = _login(pass_through, "alice")
    done = hangar_flight.put(client, ("kafka", topic), rows.schema, [rows], options)
    assert done.refusal is None, str(done.refusal)
    assert done.result["partitions"] == [{"partition": 0, "first_offset": 0, "last_offset": 2, "messages": 3}]
    client, options = _login(pass_through, "bob")
    done = hangar_flight.put(client, ("kafka", topic), rows.schema, [rows], options)
    assert done.refusal is not None and done.refusal.code == "PERMISSION_DENIED", str(done.refusal)
    assert f"'{topic}'" in done.refusal.message and "'bob'" in done.refusal.message, str(done.refusal)
    assert [m["offset"] for m in consume_all(secure_broker.bootstrap, topic, 0)] == [0, 1, 2]


def test_pass_through_user_unknown_to_kafka_is_unauthenticated(pass_through, secure_topic):
    client, options = _login(pass_through, "carol")
    with pytest.raises(fl.FlightError) as failure:
        client.get_flight_info(fl.FlightDescriptor.for_path("kafka", secure_topic), options)
    code, message = hangar_flight.grpc_failure(failure.value)
    assert code == "UNAUTHENTICATED", (code, message)
    assert "'carol'" in message and PASS_THROUGH_USERS["carol"] not in message, message


def test_pass_through_never_logs_a_password(pass_through, secure_topic):
    for user in PASS_THROUGH_USERS:
        client, options = _login(pass_through, user)
        try:
            client.get_flight_info(fl.FlightDescriptor.for_path("kafka", secure_topic), options)
        except fl.FlightError:
            pass
    log = pass_through.log_text()
    for password in PASS_THROUGH_USERS.values():
        assert password not in log


def test_pass_through_needs_authentication(secure_broker, pass_through_users, tmp_path):
    args = _pass_through_args(secure_broker, pass_through_users, tmp_path)
    args = args[2:]  # without --users
    done = subprocess.run([str(HANGAR), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
                           "--metrics-listen", "off", *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode != 0
    assert "credential pass-through needs authentication (--users)" in done.stderr, done.stderr


def _listener_values(listener, n):
    """The raw values of the first `n` messages a hangar.kafka.Listener polls (within 60 s)."""
    values = []
    deadline = time.monotonic() + 60
    while len(values) < n and time.monotonic() < deadline:
        batch = listener.poll_arrow(100, 1000)
        if batch is not None:
            values += pa.record_batch(batch).column("_value").to_pylist()
    return values


def test_python_listener_passes_sasl_and_tls_options_through(secure_broker, secure_topic, tls_files):
    import hangar.kafka
    expected = sorted(f"value {i}".encode() for i in range(10))
    alice = hangar.kafka.Listener(secure_broker.sasl_bootstrap, secure_topic, security_protocol="sasl_plaintext",
                                  sasl_mechanism="PLAIN", sasl_username="alice", sasl_password=USERS["alice"])
    assert sorted(_listener_values(alice, 10)) == expected
    over_tls = hangar.kafka.Listener(secure_broker.ssl_bootstrap, secure_topic,
                                     config={"security.protocol": "ssl", "ssl.ca.location": str(tls_files.ca),
                                             "ssl.certificate.location": str(tls_files.client_cert),
                                             "ssl.key.location": str(tls_files.client_key)})
    assert sorted(_listener_values(over_tls, 10)) == expected


def test_python_listener_of_a_user_without_acls_is_refused_naming_the_topic(secure_broker, secure_topic):
    import hangar
    import hangar.kafka
    with pytest.raises(hangar.HangarError, match=secure_topic) as refused:
        hangar.kafka.Listener(secure_broker.sasl_bootstrap, secure_topic, security_protocol="sasl_plaintext",
                              sasl_mechanism="PLAIN", sasl_username="bob", sasl_password=USERS["bob"])
    assert USERS["bob"] not in str(refused.value)
