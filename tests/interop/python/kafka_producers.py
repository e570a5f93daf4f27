"""Producing into and reading from a real Kafka broker with confluent-kafka, independently of Hangar.

Values are Avro in the Confluent wire format, written by confluent-kafka's
AvroSerializer with schemas registered through its SchemaRegistryClient;
reads back use its AvroDeserializer. Each helper takes the broker's
bootstrap servers and the registry's URL, so every test names its own topic.
"""

import itertools
import json
import time

import pyarrow as pa
import pyarrow.flight as fl
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

_TOPIC_NUMBERS = itertools.count(1)


def create_topic(bootstrap, stem, partitions=1, config=None):
    """A new topic named `<stem>-<n>`, with `partitions` partitions and topic `config`; its name."""
    name = f"{stem}-{next(_TOPIC_NUMBERS)}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1, config=dict(config or {}))])[name].result(30)
    # Metadata reaches every client a moment after creation: wait until a client sees it.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        md = admin.list_topics(name, timeout=10)
        t = md.topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            return name
        time.sleep(0.05)
    raise AssertionError(f"topic {name} was created but never appeared in metadata")


class AvroProducer:
    """confluent-kafka's Producer with the registry's AvroSerializer for the values of one topic."""

    def __init__(self, bootstrap, registry_url, topic, schema, config=None):
        self.topic = topic
        self.registry = SchemaRegistryClient({"url": registry_url})
        self.serializer = AvroSerializer(self.registry, json.dumps(schema))
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, **(config or {})})
        self._errors = []

    def value(self, record):
        return self.serializer(record, SerializationContext(self.topic, MessageField.VALUE))

    def produce(self, record, key=None, partition=None, timestamp=None, raw_value=None):
        kwargs = {}
        if partition is not None:
            kwargs["partition"] = partition
        if timestamp is not None:
            kwargs["timestamp"] = timestamp
        value = raw_value if raw_value is not None else self.value(record)
        self.producer.produce(self.topic, value=value, key=key,
                              on_delivery=lambda err, _m: err and self._errors.append(err), **kwargs)
        self.producer.poll(0)

    def flush(self):
        assert self.producer.flush(60) == 0, "messages still unsent after 60 s"
        assert not self._errors, f"delivery failed: {self._errors}"

    def produce_all(self, records, partition=None):
        """Produces each record (into `partition`, or as the producer spreads them) and waits for every ack."""
        for record in records:
            self.produce(record, partition=partition)
        self.flush()


def consume_all(bootstrap, topic, partition, registry_url=None, isolation="read_committed"):
    """Every message of one partition, from the first offset to the end, as dicts with offset, key, timestamp
    and value (decoded with the registry's AvroDeserializer when `registry_url` is given)."""
    deserialize = AvroDeserializer(SchemaRegistryClient({"url": registry_url})) if registry_url else None
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "hangar-test-reader",
                         "enable.auto.commit": False, "enable.partition.eof": True,
                         "isolation.level": isolation, "auto.offset.reset": "earliest"})
    try:
        consumer.assign([TopicPartition(topic, partition, -2)])  # OFFSET_BEGINNING
        out = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            m = consumer.poll(1.0)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    return out
                raise KafkaException(m.error())
            value = m.value()
            if deserialize is not None and value is not None:
                value = deserialize(value, SerializationContext(topic, MessageField.VALUE))
            out.append({"offset": m.offset(), "key": m.key(), "timestamp": m.timestamp(), "value": value})
        raise AssertionError(f"{topic}/{partition}: no end of partition within 60 s")
    finally:
        consumer.close()


def read_ticket(client, ticket, options=None):
    """(table, trailer JSON or None) of one DoGet; `ticket` a dict (sent as JSON) or a Ticket."""
    if isinstance(ticket, dict):
        ticket = fl.Ticket(json.dumps(ticket).encode())
    reader = client.do_get(ticket, options) if options is not None else client.do_get(ticket)
    batches, trailer = [], None
    while True:
        try:
            chunk = reader.read_chunk()
        except StopIteration:
            break
        if chunk.data is not None and chunk.data.num_rows:
            batches.append(chunk.data)
        if chunk.app_metadata is not None:
            trailer = json.loads(chunk.app_metadata.to_pybytes())
    return pa.Table.from_batches(batches, schema=reader.schema), trailer


def read_topic(client, descriptor, options=None):
    """(FlightInfo, the table of every endpoint concatenated in order) of a topic."""
    info = client.get_flight_info(descriptor, options) if options is not None else client.get_flight_info(descriptor)
    tables = [read_ticket(client, e.ticket, options)[0] for e in info.endpoints]
    return info, pa.concat_tables(tables) if tables else None
