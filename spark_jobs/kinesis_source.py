"""Kinesis Data Streams for Spark, by name: ``spark.readStream.format("kinesis")``, ``spark.read``
and ``df.write.format("kinesis")``, written with pyspark's Python data source API
(https://spark.apache.org/docs/latest/api/python/tutorial/sql/python_data_source.html): no
connector jar can be downloaded here, and the boto3 calls reach localcloud, LocalStack and AWS alike.

Register once per session with ``register(spark)``. Options (names are case-insensitive):

| option | default | meaning |
|---|---|---|
| streamName | (required) | the Kinesis stream |
| region, endpointUrl | boto3's chain | where the stream is (endpointUrl for localcloud/LocalStack) |
| awsAccessKeyId, awsSecretAccessKey | boto3's chain | credentials |
| startingPosition | TRIM_HORIZON | TRIM_HORIZON, LATEST, or a timestamp (ISO 8601, epoch seconds) |
| getRecordsPerSecond | 3 | GetRecords calls per shard per second (AWS allows 5 per shard for all consumers together) |
| maxRecordsPerCall | 10000 | GetRecords Limit |
| shardListIntervalSeconds | 5 | how often ListShards looks for new and closed shards |

Rows: ``stream, shard_id, sequence_number, partition_key, arrival_time (ApproximateArrivalTimestamp),
data (binary)``. The streaming reader is a `SimpleDataSourceStreamReader`: the driver reads each
micro-batch (small, latency-bound streams such as the order rate), offsets are per-shard sequence
numbers (`kinesis_shards`), and a batch that was planned but not committed is re-read exactly by
`readBetweenOffsets` after a restart, so a restarted query misses nothing and reads nothing twice.
The batch reader reads each shard, in parallel tasks, from the starting position to its end now.

Writing: each row's ``data`` (string or binary) with ``partition_key`` (or ``explicitHashKey``
absent: a key derived from the data), PutRecords in batches of 500 with the rejected entries resent
(`generators.senders.KinesisSender`); at-least-once, like every Kinesis producer.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterator

from pyspark.sql.datasource import (
    DataSource,
    DataSourceReader,
    DataSourceStreamWriter,
    DataSourceWriter,
    InputPartition,
    SimpleDataSourceStreamReader,
    WriterCommitMessage,
)
from pyspark.sql.types import StructType

from spark_jobs import kinesis_shards as shards

SCHEMA = (
    "stream string, shard_id string, sequence_number string, partition_key string, "
    "arrival_time timestamp, data binary"
)
NAME = "kinesis"


def register(spark: Any) -> None:
    """Make ``format("kinesis")`` available in this session."""
    spark.dataSource.register(KinesisDataSource)


def _options(raw: Any) -> dict[str, str]:
    options = {str(k).lower(): str(v) for k, v in dict(raw).items()}
    if not options.get("streamname"):
        raise ValueError('the kinesis source needs option("streamName", ...)')
    return options


def _reader(options: dict[str, str]) -> shards.ShardReader:
    return shards.ShardReader(
        shards.make_client(options),
        options["streamname"],
        records_per_call=int(options.get("maxrecordspercall", 10000)),
        calls_per_second=float(options.get("getrecordspersecond", 3)),
        list_interval=float(options.get("shardlistintervalseconds", 5)),
    )


class KinesisDataSource(DataSource):
    @classmethod
    def name(cls) -> str:
        return NAME

    def schema(self) -> str:
        return SCHEMA

    def simpleStreamReader(self, schema: StructType) -> "KinesisStreamReader":
        return KinesisStreamReader(_options(self.options))

    def reader(self, schema: StructType) -> "KinesisBatchReader":
        return KinesisBatchReader(_options(self.options))

    def writer(self, schema: StructType, overwrite: bool) -> "KinesisWriter":
        return KinesisWriter(_options(self.options))

    def streamWriter(self, schema: StructType, overwrite: bool) -> "KinesisStreamWriter":
        return KinesisStreamWriter(_options(self.options))


class KinesisStreamReader(SimpleDataSourceStreamReader):
    """Micro-batches of what arrived since the last offsets, read in the driver."""

    def __init__(self, options: dict[str, str]) -> None:
        self.options = options
        self.position = shards.starting_position(options.get("startingposition"))
        self._shards: shards.ShardReader | None = None

    @property
    def shards(self) -> shards.ShardReader:
        if self._shards is None:  # made where it runs (the data source's Python worker), not pickled
            self._shards = _reader(self.options)
        return self._shards

    def initialOffset(self) -> dict:
        return self.shards.initial_offsets(self.position)

    def read(self, start: dict) -> tuple[Iterator[tuple], dict]:
        rows, end = self.shards.read_new(start)
        return iter(rows), end

    def readBetweenOffsets(self, start: dict, end: dict) -> Iterator[tuple]:
        return self.shards.read_range(start, end)

    def commit(self, end: dict) -> None:
        """Kinesis keeps no consumer state: the checkpoint holds the offsets."""


class ShardPartition(InputPartition):
    def __init__(self, shard_id: str, position: str) -> None:
        super().__init__((shard_id, position))
        self.shard_id, self.position = shard_id, position


class KinesisBatchReader(DataSourceReader):
    """Every shard from the starting position to its current end, one task per shard."""

    def __init__(self, options: dict[str, str]) -> None:
        self.options = options
        self.position = shards.starting_position(options.get("startingposition"))

    def partitions(self) -> list[ShardPartition]:
        listed = _reader(self.options).shards(refresh=True)
        return [ShardPartition(shard_id, self.position) for shard_id in sorted(listed)]

    def read(self, partition: ShardPartition) -> Iterator[tuple]:
        yield from _reader(self.options).read_to_end(partition.shard_id, partition.position)


def partition_key_for(data: bytes) -> str:
    """A stable key for a row without one: the same row always lands on the same shard."""
    return hashlib.md5(data).hexdigest()


def put_rows(options: dict[str, str], rows: Iterator[Any]) -> int:
    """PutRecords of rows with ``data`` and optional ``partition_key``; returns how many were sent."""
    from generators.senders import KinesisSender, KinesisSummary

    stream = options["streamname"]
    summary = KinesisSummary(stream=stream)
    sender = KinesisSender(shards.make_client(options), stream, summary)
    for row in rows:
        fields = row.asDict() if hasattr(row, "asDict") else dict(row)
        data = fields["data"]
        data = data.encode() if isinstance(data, str) else bytes(data)
        sender.add(data, fields.get("partition_key") or partition_key_for(data))
    sender.flush()
    if summary.failed:
        raise RuntimeError(f"{summary.failed} rows were rejected by Kinesis stream {stream} after every retry")
    return summary.sent


class KinesisWriter(DataSourceWriter):
    def __init__(self, options: dict[str, str]) -> None:
        self.options = options

    def write(self, iterator: Iterator[Any]) -> WriterCommitMessage:
        put_rows(self.options, iterator)
        return WriterCommitMessage()


class KinesisStreamWriter(DataSourceStreamWriter):
    def __init__(self, options: dict[str, str]) -> None:
        self.options = options

    def write(self, iterator: Iterator[Any]) -> WriterCommitMessage:
        put_rows(self.options, iterator)
        return WriterCommitMessage()

    def commit(self, messages: list[WriterCommitMessage | None], batchId: int) -> None:
        """Records are in the stream once PutRecords answered."""

    def abort(self, messages: list[WriterCommitMessage | None], batchId: int) -> None:
        """Kinesis cannot take records back: a retried batch sends them again (at-least-once)."""
