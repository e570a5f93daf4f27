"""Kafka topics read into Arrow record batches and pandas DataFrames in this process.

`Listener` keeps pykafarr's API: `poll(num_messages, max_time)` answers
`(message_type, DataFrame)`, every frame of one Avro writer schema (a poll
returns early when the next message has another), with the columns of the
value record and `_partition`, `_offset`, `_timestamp`, `_key`.
`poll_arrow` answers the same batch as an object that speaks the Arrow
PyCapsule interface, for pyarrow, polars, DuckDB or pandas to take without a
copy. The reading, decoding and building of the columns are Hangar's C++;
the GIL is released while a poll waits on the brokers, and Ctrl-C ends it.
"""

from hangar._native import HangarError, Listener as _NativeListener, PolledBatch

__all__ = ["Listener", "PolledBatch", "HangarError", "listener"]

_METADATA = ("_partition", "_offset", "_timestamp", "_key")


def _property_name(name):
    # librdkafka's properties have dots, which keyword arguments cannot:
    # security_protocol= stands for security.protocol.
    return name.replace("_", ".")


class Listener:
    """A Kafka listener: `Listener(brokers, topics, schema_registry=..., group_id=None, **librdkafka options)`.

    brokers: bootstrap servers, "host:port[,host:port]".
    topics: a topic name or a list of them.
    schema_registry: the Confluent REST registry's URL ("http://host:8081"), or its
        storage topic as "kafka:_schemas"; None reads values raw (a `_value` column).
    group_id: None (the default) assigns every partition without a consumer group,
        committing nothing, from `start`; a group id joins that consumer group,
        starts at its committed offsets, and commits what polls returned.
    start: without a group, where every partition starts: "earliest" (default),
        "latest", or an offset.
    start_timestamp, end_timestamp: without a group, read the messages with
        start_timestamp <= timestamp < end_timestamp (ms since the epoch).
    metadata: the metadata columns wanted (default all four).
    registry_user, registry_password: HTTP basic authentication of the registry.
    config: librdkafka properties by their own names ({"security.protocol": "SASL_SSL"}).
    **options: librdkafka properties with underscores for dots
        (security_protocol="SASL_SSL", sasl_mechanism="PLAIN", ssl_ca_location=...).
    """

    def __init__(self, brokers, topics, schema_registry=None, group_id=None, *, start="earliest",
                 start_timestamp=None, end_timestamp=None, metadata=_METADATA, registry_user="",
                 registry_password="", config=None, **options):
        if isinstance(topics, str):
            topics = [topics]
        properties = {str(k): str(v) for k, v in (config or {}).items()}
        properties.update({_property_name(k): str(v) for k, v in options.items()})
        if isinstance(start, bool) or not isinstance(start, (int, str)):
            raise TypeError(f"start must be 'earliest', 'latest' or an offset, not {start!r}")
        if isinstance(start, int):
            mode, offset = "offset", start
        else:
            mode, offset = start, 0
        self._native = _NativeListener(brokers, list(topics), schema_registry, group_id, mode, offset,
                                       start_timestamp, end_timestamp, list(metadata), properties,
                                       registry_user, registry_password)

    def poll_arrow(self, num_messages=100000, max_time=1000):
        """Up to `num_messages` messages of one writer schema, waiting at most `max_time` ms:
        a PolledBatch (Arrow PyCapsule interface; `message_type`, `num_rows`), or None if none came."""
        return self._native.poll(int(num_messages), int(max_time))

    def poll(self, num_messages=100000, max_time=1000):
        """pykafarr's poll: `(message_type, pandas.DataFrame)`; `(None, empty DataFrame)` if no message came.
        Needs pyarrow and pandas (pip install 'hangar[pandas]')."""
        import pandas as pd
        import pyarrow as pa

        batch = self.poll_arrow(num_messages, max_time)
        if batch is None:
            return None, pd.DataFrame()
        return batch.message_type or None, _to_pandas(pa.record_batch(batch))


def _to_pandas(batch):
    """The batch as a DataFrame; pyarrow has no pandas form for union columns (an Avro union other than
    ["null", T]), which become columns of their Python values."""
    import pandas as pd
    import pyarrow as pa

    # split_blocks: each column its own block, so numeric columns without nulls
    # stay views of the batch's buffers instead of being copied into one 2-D block.
    unions = [f.name for f in batch.schema if pa.types.is_union(f.type)]
    if not unions:
        return batch.to_pandas(split_blocks=True)
    frame = batch.drop_columns(unions).to_pandas(split_blocks=True)
    for name in unions:
        frame.insert(batch.schema.get_field_index(name), name,
                     pd.Series(batch.column(name).to_pylist(), index=frame.index, dtype=object))
    return frame


def listener(brokers, group_id, topics, registry_url, **options):
    """pykafarr's constructor, argument for argument: a Listener in consumer group `group_id`."""
    return Listener(brokers, topics, schema_registry=registry_url, group_id=group_id, **options)
