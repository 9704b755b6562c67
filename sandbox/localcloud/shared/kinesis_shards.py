"""Read a Kinesis stream's shards straight from moto's in-process store (no GetRecords round trip).

Used by event source mappings (esm/kinesis_poller.py) and Firehose's Kinesis source
(firehose/sources.py). moto numbers a shard's records 1, 2, 3... and keeps them by that number (in a
ShardLog, kinesis/shard_log.py), so a read is `limit` dictionary look-ups after a position: no scan, no copy.
That keeps the pollers within the throughput goal on two cores (GetRecords through HTTP would cost
more than moto's own PutRecords).

Gaps: moto copies a parent shard's records into its children on SplitShard/MergeShards, keeping
their numbers, so a child's numbering may start past 1 or skip; a read after a position that is
missing continues with the next record that exists.
https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Callable, TypeVar

from sandbox.arn import parse_as
from sandbox.localcloud import moto_seam as seam

T = TypeVar("T")


class SourceGone(Exception):
    """The stream (or table) being read no longer exists."""


class StartingPosition(StrEnum):
    TRIM_HORIZON = "TRIM_HORIZON"
    LATEST = "LATEST"
    AT_TIMESTAMP = "AT_TIMESTAMP"


class KinesisShard:
    """One shard of a moto stream, read by position (moto's sequence number)."""

    def __init__(self, shard: Any) -> None:
        self.shard = shard
        self.shard_id: str = shard.shard_id

    def position_before(self, position: StartingPosition, timestamp: float | None = None) -> int:
        """The position just before the first record to read from `position`."""
        records = self.shard.records
        if not records:
            return 0
        first, last = next(iter(records)), next(reversed(records))
        if position is StartingPosition.LATEST:
            return last
        if position is StartingPosition.AT_TIMESTAMP and timestamp is not None:
            # the last record that arrived before `timestamp` (0: none did), found by moto's shard
            # (a binary search: kinesis/hooks.py)
            return self.shard.get_sequence_number_at(timestamp) or first - 1
        return first - 1

    def read(self, after: int, limit: int, convert: Callable[[int, Any], T]) -> list[T]:
        """Up to `limit` records following position `after`, each as `convert(position, moto record)`."""
        records = self.shard.records
        get = records.get
        seq = after + 1
        record = get(seq)
        if record is None:
            if not records or next(reversed(records)) <= after:
                return []
            seq = next(k for k in records if k > after)  # a gap (records moved away): find the next one
            record = get(seq)
        out: list[T] = []
        while record is not None and len(out) < limit:
            out.append(convert(seq, record))
            seq += 1
            record = get(seq)
        return out


class KinesisStream:
    """A stream in moto's Kinesis backend of the ARN's account and region, and its shards."""

    def __init__(self, stream_arn: str) -> None:
        arn = parse_as(stream_arn, "kinesis", "stream")
        if arn is None:
            raise ValueError(f"{stream_arn!r} is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)")
        self.arn = stream_arn
        self.region, self.account_id = arn.region, arn.account
        self.name = arn.resource_id.split("/", 1)[0]  # a consumer ARN (stream/NAME/consumer/C:...) reads its stream
        self._shards: dict[str, KinesisShard] = {}

    def shards(self) -> list[KinesisShard]:
        """The stream's current shards (raises SourceGone when the stream was deleted)."""
        stream = seam.backend("kinesis", self.account_id, self.region).streams.get(self.name)
        if stream is None:
            raise SourceGone(f"Kinesis stream {self.arn} does not exist")
        found = []
        for shard in list(stream.shards.values()):
            cached = self._shards.get(shard.shard_id)
            if cached is None or cached.shard is not shard:
                cached = self._shards[shard.shard_id] = KinesisShard(shard)
            found.append(cached)
        return found
