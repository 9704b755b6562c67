"""What a stream poller hands the worker: ordered records with their position and arrival time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sandbox.localcloud.shared.kinesis_shards import SourceGone, StartingPosition

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit

__all__ = ["MAX_PAYLOAD_BYTES", "ShardReader", "SourceGone", "SourceRecord", "StreamSource"]


@dataclass(slots=True)
class SourceRecord:
    position: int  # ordering key inside the shard; what the checkpoint stores
    sequence_number: str  # as the event carries it (the ReportBatchItemFailures itemIdentifier)
    arrival: float  # epoch seconds
    size: int  # bytes counted against the payload limit
    event: dict[str, Any]  # the event's Records[] entry


class ShardReader(Protocol):
    """Reads one shard of a stream, in order, without side effects (the worker checkpoints)."""

    shard_id: str

    def start_after(self, position: StartingPosition, timestamp: float | None) -> int:
        """The position just before the first record to deliver."""
        ...

    def read(self, after: int, limit: int, identity_arn: str) -> list[SourceRecord]:
        """Up to `limit` records following `after`."""
        ...


class StreamSource(Protocol):
    """A Kinesis stream or DynamoDB stream: its shards and the batch-info key of failure records."""

    source_arn: str
    batch_info_key: str  # "KinesisBatchInfo" or "DDBStreamBatchInfo"

    def shards(self) -> list[ShardReader]:
        """The current shards (raises SourceGone when the source was deleted)."""
        ...
