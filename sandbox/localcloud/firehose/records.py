"""Firehose records, the buffer that holds them, and the error-record documents AWS writes to S3.

Buffering: https://docs.aws.amazon.com/firehose/latest/dev/create-configure-backup.html (BufferingHints:
SizeInMBs 1-128, IntervalInSeconds 0-900; whichever is reached first triggers delivery).
Error records: https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
and https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html (OpenSearch failures).
"""

from __future__ import annotations

import base64
import json
import os
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MIB = 1024 * 1024

# Record ids only need to be unique, not secret: a generator seeded from the OS is ~10x faster than
# reading os.urandom for each of the thousands of records a PutRecordBatch call can bring.
_ids = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))


def new_record_id() -> str:
    """An opaque record id shaped like Firehose's (a long decimal string)."""
    return str(_ids.getrandbits(186)).zfill(56)


def epoch_millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


@dataclass(slots=True)
class Record:
    """One accepted record: its id, payload and approximate arrival time (aware UTC)."""

    record_id: str
    data: bytes
    arrival: datetime
    kinesis: dict[str, Any] | None = None  # kinesisRecordMetadata when read from a Kinesis stream
    raw: bytes | None = None  # the data before the transform, for error records
    accepted: float = 0.0  # monotonic time it entered the stream: buffer intervals count from here

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def original(self) -> bytes:
        return self.raw if self.raw is not None else self.data


@dataclass(frozen=True)
class BufferingHints:
    size_bytes: int
    interval_seconds: float

    @classmethod
    def from_config(cls, hints: dict[str, Any] | None, *, size_mb: float = 5, interval: float = 300) -> "BufferingHints":
        """Read SizeInMBs / IntervalInSeconds (AWS defaults 5 MiB / 300 s unless given)."""
        hints = hints or {}
        size = float(hints.get("SizeInMBs", size_mb))
        seconds = float(hints.get("IntervalInSeconds", interval))
        return cls(size_bytes=max(1, int(size * MIB)), interval_seconds=max(0.0, seconds))


@dataclass
class Buffer:
    """Records waiting for delivery, oldest first (thread-safe: the API adds, the flusher takes)."""

    _items: list[Record] = field(default_factory=list)
    _bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, records: list[Record]) -> int:
        """Append records; return the buffered size in bytes afterwards."""
        with self._lock:
            self._items.extend(records)
            self._bytes += sum(len(record.data) for record in records)
            return self._bytes

    def due(self, hints: BufferingHints, now: float) -> bool:
        """True when the size, or the age of the oldest record, reached its hint."""
        with self._lock:
            if not self._items:
                return False
            return self._bytes >= hints.size_bytes or now - self._items[0].accepted >= hints.interval_seconds

    def take(self, max_bytes: int | None = None) -> list[Record]:
        """Remove and return the oldest records up to `max_bytes` (at least one), or all."""
        with self._lock:
            count, total = 0, 0
            for record in self._items:
                size = len(record.data)
                if max_bytes is not None and count and total + size > max_bytes:
                    break
                count += 1
                total += size
            taken = self._items[:count]
            del self._items[:count]
            self._bytes -= total
            return taken

    @property
    def count(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        return self._bytes


def error_document(
    record: Record,
    *,
    error_code: str,
    error_message: str,
    attempts: int,
    ended: datetime,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON object AWS writes for a record it could not process or deliver."""
    document: dict[str, Any] = {
        "attemptsMade": attempts,
        "arrivalTimestamp": epoch_millis(record.arrival),
        "errorCode": error_code,
        "errorMessage": error_message,
        "attemptEndingTimestamp": epoch_millis(ended),
        "rawData": base64.b64encode(record.original).decode("ascii"),
    }
    document.update(extra or {})
    return document


def ndjson(documents: list[dict[str, Any]]) -> bytes:
    """Error documents one per line, as in the processing-failed objects."""
    return b"".join(json.dumps(doc, separators=(",", ":")).encode() + b"\n" for doc in documents)
