"""Kinesis Data Streams as the source of a delivery stream (DeliveryStreamType KinesisStreamAsSource).

https://docs.aws.amazon.com/firehose/latest/dev/writing-with-kinesis-streams.html: Firehose reads
every shard of the source stream, starting where the stream was (LATEST) when the delivery stream
was created, and PutRecord/PutRecordBatch on the delivery stream are refused. Here that start is
"records that arrived at or after the delivery stream's creation time", which also covers records
put between CreateDeliveryStream and the first poll.

Reads moto's Kinesis backend in this process with the shared shard reader
(shared/kinesis_shards.py, the one the event source mappings use): a poll looks up only the records
after its checkpoint, across gaps. Shards added by resharding are read from their start.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from sandbox.localcloud.firehose.records import Record, epoch_millis, new_record_id
from sandbox.localcloud.shared.kinesis_shards import KinesisStream, SourceGone, StartingPosition


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class KinesisSource:
    """Per-shard checkpoints over one Kinesis stream, read from `start` on."""

    def __init__(self, stream_arn: str, start: datetime) -> None:
        self.stream_arn = stream_arn
        self.start = _aware(start)
        self.checkpoints: dict[str, int] = {}
        self._stream = KinesisStream(stream_arn)  # raises ValueError for anything but a stream ARN

    def poll(self, now: float, limit: int = 10_000) -> list[Record]:
        """Records added since the last poll (up to `limit`), in shard order; `now` is monotonic."""
        try:
            shards = self._stream.shards()
        except SourceGone:
            return []

        out: list[Record] = []
        for shard in shards:
            if len(out) >= limit:
                break
            after = self.checkpoints.get(shard.shard_id)
            if after is None:
                after = shard.position_before(StartingPosition.AT_TIMESTAMP, self.start.timestamp())
            shard_id = shard.shard_id
            read = shard.read(after, limit - len(out), lambda seq, item: (seq, _record(shard_id, item, now)))
            if read:
                after = read[-1][0]
                out.extend(record for _, record in read)
            self.checkpoints[shard_id] = after
        return out


def _record(shard_id: str, item: Any, now: float) -> Record:
    """A moto Kinesis record as Firehose buffers it, with its kinesisRecordMetadata."""
    arrival = _aware(item.created_at_datetime)
    metadata = {
        "shardId": shard_id,
        "partitionKey": item.partition_key,
        "approximateArrivalTimestamp": epoch_millis(arrival),
        "sequenceNumber": str(item.sequence_number),
        "subsequenceNumber": 0,
    }
    return Record(new_record_id(), base64.b64decode(item.data), arrival, metadata, accepted=now)
