"""Kinesis records as a mapping's poller hands them to the worker: the Lambda event's record shape.

Lambda polls each shard and invokes the function with the records in order:
https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
The shards are read by the shared reader (shared/kinesis_shards.py), straight from moto's store.

Resharding: the reconciler starts a poller for every shard that appears, from its first record.
Known gaps: moto routes PutRecord to the first shard whose hash range matches, closed parents
included, so after SplitShard/UpdateShardCount new records keep landing in the parent (still
polled, so nothing is lost); and moto copies a parent shard's records into its children on
SplitShard/MergeShards, so after resharding records already delivered from a parent are delivered
again from the child (at-least-once, which AWS also allows; AWS would not repeat them).
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud.esm.records import SourceRecord
from sandbox.localcloud.shared.kinesis_shards import KinesisShard, KinesisStream, StartingPosition


def _stream_arn(source_arn: str) -> str:
    """A consumer ARN (stream/NAME/consumer/C:...) polls the same shards as its stream."""
    head, sep, _ = source_arn.partition("/consumer/")
    return head if sep else source_arn


class KinesisShardReader:
    """One shard's records as event records (`eventID`, `kinesis{...}`, `invokeIdentityArn`...)."""

    def __init__(self, shard: KinesisShard, stream_arn: str, region: str) -> None:
        self.shard = shard
        self.shard_id = shard.shard_id
        self._stream_arn = stream_arn
        self._region = region
        self._event_id_prefix = f"{self.shard_id}:"

    def start_after(self, position: StartingPosition, timestamp: float | None) -> int:
        return self.shard.position_before(position, timestamp)

    def read(self, after: int, limit: int, identity_arn: str) -> list[SourceRecord]:
        stream_arn, region, prefix = self._stream_arn, self._region, self._event_id_prefix

        def event(seq: int, record: Any) -> SourceRecord:
            number = str(seq)
            return SourceRecord(
                seq,
                number,
                record.created_at,
                len(record.data) + len(record.partition_key),
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": record.partition_key,
                        "sequenceNumber": number,
                        "data": record.data,  # moto stores the base64 text as received
                        "approximateArrivalTimestamp": round(record.created_at, 3),
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": prefix + number,
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": identity_arn,
                    "awsRegion": region,
                    "eventSourceARN": stream_arn,
                },
            )

        return self.shard.read(after, limit, event)


class KinesisSource:
    """The mapping's Kinesis stream (or consumer's stream) and a reader per shard."""

    batch_info_key = "KinesisBatchInfo"

    def __init__(self, source_arn: str) -> None:
        self.source_arn = _stream_arn(source_arn)
        self._stream = KinesisStream(self.source_arn)
        self._readers: dict[str, KinesisShardReader] = {}

    def shards(self) -> list[KinesisShardReader]:
        readers = []
        for shard in self._stream.shards():
            reader = self._readers.get(shard.shard_id)
            if reader is None or reader.shard is not shard:
                reader = self._readers[shard.shard_id] = KinesisShardReader(shard, self.source_arn, self._stream.region)
            readers.append(reader)
        return readers
