"""A thin convenience over pyarrow.flight for a Hangar server (needs pyarrow: pip install 'hangar[flight]').

    import hangar.flight
    client = hangar.flight.connect("grpc://127.0.0.1:8815", user="admin", password="...")
    client.write_table("trips", table)            # DoPut; the server's answer as a dict
    client.read_table("trips")                    # a pyarrow.Table
    client.topics(); client.read_topic("orders")  # Kafka topics the server reads
    for ack in client.ingest("events", batches, durability="disk"):
        print(ack)                                # one per batch and level: memory, then disk
    client.sql("SELECT count(*) FROM trips")      # Flight SQL through ADBC (adbc-driver-flightsql)

Everything here is plain Flight: pyarrow.flight.FlightClient (`client.flight`)
and ADBC speak to the same server directly; docs/python.md shows both.
"""

import json
import threading

import pyarrow as pa
import pyarrow.flight as fl

__all__ = ["Client", "connect"]


def _descriptor(name):
    # "ns.name" and "name" as Hangar's path descriptors (namespace default).
    return fl.FlightDescriptor.for_path(*name.split(".", 1))


def _json(buffer):
    return json.loads(buffer.to_pybytes()) if buffer is not None and buffer.size else None


class Client:
    """A Flight connection to a Hangar server, logged in when given a user."""

    def __init__(self, uri, user=None, password=None, **connect_kwargs):
        self.uri = uri
        self.flight = fl.connect(uri, **connect_kwargs)
        self._headers = []
        self._login = (user, password) if user is not None else None
        if user is not None:
            self._headers = [self.flight.authenticate_basic_token(user, password or "")]

    def options(self, timeout=None):
        """FlightCallOptions carrying the login's Bearer token."""
        return fl.FlightCallOptions(timeout=timeout, headers=list(self._headers))

    def close(self):
        self.flight.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _paths(self):
        return [tuple(p.decode() if isinstance(p, bytes) else p for p in info.descriptor.path)
                for info in self.flight.list_flights(options=self.options())]

    def tables(self):
        """The tables the caller may read, sorted: "name" in namespace default, "ns.name" in others."""
        return sorted(".".join(p) for p in self._paths() if p and p[0] != "kafka")

    def topics(self):
        """The Kafka topics the server reads, sorted."""
        return sorted(p[1] for p in self._paths() if len(p) == 2 and p[0] == "kafka")

    def _read(self, descriptor):
        info = self.flight.get_flight_info(descriptor, self.options())
        tables = [self.flight.do_get(e.ticket, self.options()).read_all() for e in info.endpoints]
        return pa.concat_tables(tables) if tables else info.schema.empty_table()

    def read_table(self, name):
        """Every row of table `name` ("ns.name" or "name")."""
        return self._read(_descriptor(name))

    def read_topic(self, topic):
        """Every partition of Kafka topic `topic`, up to the end seen when the read starts."""
        return self._read(fl.FlightDescriptor.for_path("kafka", topic))

    def _put(self, descriptor, data):
        data = pa.table(data) if not isinstance(data, (pa.Table, pa.RecordBatch)) else data
        writer, reader = self.flight.do_put(descriptor, data.schema, self.options())
        answers = []
        with writer:
            batches = data.to_batches() if isinstance(data, pa.Table) else [data]
            for batch in batches:
                writer.write_batch(batch)
            writer.done_writing()
            while True:
                buf = reader.read()
                if buf is None:
                    break
                answers.append(_json(buf))
        return answers

    def write_table(self, name, data, mode="append"):
        """DoPut of `data` (a pyarrow Table or RecordBatch, or anything pyarrow.table takes) into table
        `name`; mode "append", "create" or "overwrite". The server's answer (rows, version, ...) as a dict."""
        command = fl.FlightDescriptor.for_command(json.dumps({"table": name if "." in name else f"default.{name}",
                                                              "mode": mode}))
        answers = self._put(command, data)
        return answers[-1] if answers else None

    def write_topic(self, topic, data):
        """DoPut of `data` into Kafka topic `topic`: one answer per batch once Kafka acknowledged it
        (schema id, partitions and offsets)."""
        return self._put(fl.FlightDescriptor.for_path("kafka", topic), data)

    def ingest(self, table, batches, durability="disk"):
        """Streams record batches into `table` (which must exist) with DoExchange, yielding the acks as
        they come: one dict per batch and level reached ("memory", then "disk", then "committed"), up to
        `durability`. The batches are sent from another thread, so acks arrive while writing goes on."""
        writer, reader = self.flight.do_exchange(_descriptor(table), self.options())
        failure = []

        def send():
            try:
                request = pa.py_buffer(json.dumps({"requested_durability": durability}).encode())
                first = True
                for batch in batches:
                    if first:
                        writer.begin(batch.schema)
                        writer.write_with_metadata(batch, request)
                        first = False
                    else:
                        writer.write_batch(batch)
                writer.done_writing()
            except Exception as e:  # handed to the reading side, which raises it
                failure.append(e)
                writer.done_writing()

        sender = threading.Thread(target=send, name="hangar-ingest", daemon=True)
        sender.start()
        try:
            for chunk in reader:
                ack = _json(chunk.app_metadata)
                if ack is not None:
                    yield ack
        finally:
            sender.join()
            writer.close()
        if failure:
            raise failure[0]

    def sql(self, query):
        """The result of a SQL query as a pyarrow.Table, over Flight SQL with ADBC's driver
        (pip install adbc-driver-flightsql)."""
        from adbc_driver_flightsql import dbapi

        db_kwargs = {}
        if self._login is not None:
            db_kwargs = {"username": self._login[0], "password": self._login[1] or ""}
        with dbapi.connect(self.uri, db_kwargs=db_kwargs, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(query)
            return cur.fetch_arrow_table()


def connect(uri, user=None, password=None, **connect_kwargs):
    """A Client of the Hangar server at `uri` ("grpc://host:8815", "grpc+tls://..."); `connect_kwargs`
    go to pyarrow.flight.connect (tls_root_certs, cert_chain, private_key, ...)."""
    return Client(uri, user, password, **connect_kwargs)
