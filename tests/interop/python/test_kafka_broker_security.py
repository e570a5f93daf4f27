"""Hangar on a Kafka broker with SASL (PLAIN, SCRAM-SHA-512), ACLs and TLS.

The broker (tests/support/kafka_broker.py) has users alice and bob; ACLs let
alice read and describe the topics named `secure-*`, and bob nothing. Hangar
connects with the credentials of its flags (`--kafka-sasl-*`), or over TLS
with the test CA (`--kafka-ssl-ca`). The broker decides: a user without ACLs
is refused, and that refusal reaches the Flight client as PERMISSION_DENIED
naming the topic. Passwords never appear in Hangar's log.
"""

import pyarrow.flight as fl
import pytest
from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, AdminClient, ResourcePatternType,
                                   ResourceType)

import hangar_flight
from kafka_producers import create_topic, read_topic

USERS = {"alice": "alice-Secret-71", "bob": "bob-Secret-42"}


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory, tls_files):
    from kafka_broker import KafkaBroker
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka-secure"), sasl=True, users=USERS,
                         tls=(tls_files.server_cert, tls_files.server_key))
    broker.start()
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    acls = [AclBinding(ResourceType.TOPIC, "secure-", ResourcePatternType.PREFIXED, "User:alice", "*", op,
                       AclPermissionType.ALLOW) for op in (AclOperation.READ, AclOperation.DESCRIBE)]
    for f in admin.create_acls(acls).values():
        f.result(30)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def servers(secure_broker, hangar_factory):
    """hangar_factory, set up after the broker so that its servers stop before the broker does."""
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


# Debian's librdkafka 2.0.2, which Hangar links, fails SCRAM-SHA-512 against Kafka 4.4 ("invalid
# credentials"; kcat, on the same library, too), while confluent-kafka's newer librdkafka logs in
# with the same user and password: a gap of the library Hangar is built on, kept visible here.
SCRAM_GAP = pytest.mark.xfail(strict=True, reason="librdkafka 2.0.2 fails SCRAM-SHA-512 against Kafka 4.4")


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


def test_tls_to_the_broker(servers, secure_broker, secure_topic, tls_files):
    server = servers("tls", args=["--kafka-brokers", secure_broker.ssl_bootstrap,
                                         "--kafka-security-protocol", "ssl", "--kafka-ssl-ca", str(tls_files.ca)])
    info, table = read_topic(server.client(), fl.FlightDescriptor.for_path("kafka", secure_topic))
    assert info.total_records == 10 and table.num_rows == 10
