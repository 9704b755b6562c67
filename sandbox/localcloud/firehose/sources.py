"""Kinesis Data Streams as the source of a delivery stream (DeliveryStreamType KinesisStreamAsSource).

https://docs.aws.amazon.com/firehose/latest/dev/writing-with-kinesis-streams.html: Firehose reads
every shard of the source stream, starting where the stream was (LATEST) when the delivery stream
was created, and PutRecord/PutRecordBatch on the delivery stream are refused. Here that start is
"records that arrived at or after the delivery stream's creation time", which also covers records
put between CreateDeliveryStream and the first poll.

Reads moto's Kinesis backend in this process (the engine already runs beside moto): moto numbers
each shard's records 1, 2, 3..., so a poll looks up only the records after its checkpoint. Shards
added by resharding are read from their start.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from sandbox.localcloud.firehose.records import Record, epoch_millis, new_record_id


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class KinesisSource:
    """Per-shard checkpoints over one Kinesis stream, read from `start` on."""

    def __init__(self, stream_arn: str, start: datetime) -> None:
        self.stream_arn = stream_arn
        self.start = _aware(start)
        self.checkpoints: dict[str, int] = {}
        parts = stream_arn.split(":")
        if len(parts) < 6 or not parts[5].startswith("stream/"):
            raise ValueError(f"KinesisStreamARN {stream_arn!r} is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)")
        self.region, self.account_id, self.stream_name = parts[3], parts[4], parts[5].split("/", 1)[1]

    def _stream(self) -> Any:
        from moto.kinesis.models import kinesis_backends

        return kinesis_backends[self.account_id][self.region].streams.get(self.stream_name)

    def poll(self, now: float, limit: int = 10_000) -> list[Record]:
        """Records added since the last poll (up to `limit`), in shard order; `now` is monotonic."""
        stream = self._stream()
        if stream is None:
            return []
        out: list[Record] = []
        for shard_id, shard in list(stream.shards.items()):
            if shard_id not in self.checkpoints:
                self.checkpoints[shard_id] = shard.get_sequence_number_at(self.start.timestamp())
            sequence = self.checkpoints[shard_id] + 1
            while len(out) < limit:
                item = shard.records.get(sequence)
                if item is None:
                    break
                arrival = _aware(item.created_at_datetime)
                metadata = {
                    "shardId": shard_id,
                    "partitionKey": item.partition_key,
                    "approximateArrivalTimestamp": epoch_millis(arrival),
                    "sequenceNumber": str(item.sequence_number),
                    "subsequenceNumber": 0,
                }
                out.append(Record(new_record_id(), base64.b64decode(item.data), arrival, metadata, accepted=now))
                sequence += 1
            self.checkpoints[shard_id] = sequence - 1
        return out
