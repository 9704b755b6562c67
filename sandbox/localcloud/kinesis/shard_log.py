"""A Kinesis shard's records on disk: what a stream keeps for its retention no longer lives in memory.

moto keeps every record of a shard in an OrderedDict (sequence number -> Record), and Kinesis keeps
records for at least 24 hours, so a stack that takes 1,000 orders a second grew by ~1 KB a record,
~3.5 GB an hour (docs/RELIABILITY.md). ``ShardLog`` takes the OrderedDict's place in each shard
(``Shard.__init__`` is hooked in hooks.py) and answers the same mapping protocol moto and the
in-process readers (shared/kinesis_shards.py) use, by sequence number, in order:

- the newest ``tail_size`` records stay in memory as moto's Record objects (a poller reading at the
  head of the stream never touches the file);
- older ones are appended, a batch at a time, to an unnamed temporary file in the stack's state
  directory (gone when the shard is; records do not outlive the process, as with moto);
- per record, memory keeps 24 bytes: its number (as an offset from the shard's first), its arrival
  time in microseconds, and where it starts in the file.

Records come in increasing sequence order (moto_answers.py numbers them under one lock); an
out-of-order insert is refused rather than reordered. A record read back from the file is a new
moto Record with the same fields (its arrival time included); it is not added to moto's instance
tracking (moto_tracking.py), since it is a view of the stored record.
"""

from __future__ import annotations

import bisect
import os
import struct
import tempfile
import threading
from array import array
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

EPOCH = datetime(1970, 1, 1)
_HEADER = struct.Struct("<HHIB")  # partition key bytes, explicit hash key bytes (0xFFFF: none), data bytes, data is str
NO_HASH_KEY = 0xFFFF


class ShardLog:
    """sequence number -> moto Record, in insertion (= sequence) order, the old ones on disk."""

    def __init__(self, directory: Path | None, make_record: Callable[[], Any], tail_size: int = 512) -> None:
        self._directory = directory
        self._make_record = make_record  # an empty moto Record (its fields are set on read)
        self._tail_size = tail_size
        self._base: int | None = None  # the first sequence number
        self._keys = array("q")  # sequence number - base, increasing
        self._micros = array("q")  # arrival time, microseconds since the epoch
        self._offsets = array("q", [0])  # where each spilled record starts in the file; the last entry: its end
        self._tail: list[Any] = []  # the records after the spilled ones, as moto made them
        self._file: Any = None
        self._lock = threading.Lock()

    # -- writing -----------------------------------------------------------------------------------
    def __setitem__(self, number: int, record: Any) -> None:
        with self._lock:
            if self._base is None:
                self._base = number
            offset = number - self._base
            if self._keys and offset <= self._keys[-1]:
                raise ValueError(f"Kinesis record {number} inserted after {self._base + self._keys[-1]}: "
                                 "a shard's records are kept in increasing sequence order")
            self._keys.append(offset)
            self._micros.append(_micros(record.created_at_datetime))
            self._tail.append(record)
            if len(self._tail) >= 2 * self._tail_size:
                self._spill(len(self._tail) - self._tail_size)

    def _spill(self, count: int) -> None:
        """Move the oldest `count` tail records to the file (under the lock)."""
        if self._file is None:
            if self._directory is not None:
                self._directory.mkdir(parents=True, exist_ok=True)
            self._file = tempfile.TemporaryFile(dir=self._directory, prefix="kinesis-shard-")
        chunks, end = [], self._offsets[-1]
        for record in self._tail[:count]:
            blob = _encode(record)
            chunks.append(blob)
            end += len(blob)
            self._offsets.append(end)
        os.pwrite(self._file.fileno(), b"".join(chunks), self._offsets[-1 - count])
        del self._tail[:count]

    # -- reading -----------------------------------------------------------------------------------
    def _index(self, number: int) -> int:
        """The position of `number`, or -1."""
        if self._base is None:
            return -1
        offset = number - self._base
        keys = self._keys
        if 0 <= offset < len(keys) and keys[offset] == offset:  # numbered without gaps: no search
            return offset
        i = bisect.bisect_left(keys, offset)
        return i if i < len(keys) and keys[i] == offset else -1

    def _at(self, i: int) -> Any:
        spilled = len(self._offsets) - 1
        if i >= spilled:
            return self._tail[i - spilled]
        start, end = self._offsets[i], self._offsets[i + 1]
        blob = os.pread(self._file.fileno(), end - start, start)
        return self._decode(blob, self._base + self._keys[i], self._micros[i])

    def _decode(self, blob: bytes, number: int, micros: int) -> Any:
        key_size, hash_size, data_size, text = _HEADER.unpack_from(blob)
        at = _HEADER.size
        record = self._make_record()
        record.partition_key = blob[at:at + key_size].decode()
        at += key_size
        if hash_size == NO_HASH_KEY:
            record.explicit_hash_key = None
        else:
            record.explicit_hash_key = blob[at:at + hash_size].decode()
            at += hash_size
        data = blob[at:at + data_size]
        record.data = data.decode() if text else data
        record.sequence_number = number
        record.created_at_datetime = EPOCH + timedelta(microseconds=micros)
        record.created_at = micros / 1e6
        return record

    def get(self, number: int, default: Any = None) -> Any:
        with self._lock:
            i = self._index(number)
            return default if i < 0 else self._at(i)

    def __getitem__(self, number: int) -> Any:
        with self._lock:
            i = self._index(number)
            if i < 0:
                raise KeyError(number)
            return self._at(i)

    def __contains__(self, number: object) -> bool:
        with self._lock:
            return isinstance(number, int) and self._index(number) >= 0

    def __len__(self) -> int:
        return len(self._keys)

    def __bool__(self) -> bool:
        return len(self._keys) > 0

    def first_after(self, number: int) -> int:
        """The position of the first record numbered above `number` (len(self) if none)."""
        with self._lock:
            if self._base is None:
                return 0
            return bisect.bisect_right(self._keys, number - self._base)

    def first_at_or_after_time(self, seconds: float) -> int:
        """The position of the first record that arrived at or after `seconds` (epoch)."""
        return bisect.bisect_left(self._micros, round(seconds * 1e6))

    def arrival_at(self, i: int) -> float:
        """The arrival time (epoch seconds) of the record at position `i`."""
        return self._micros[i] / 1e6

    def number_at(self, i: int) -> int:
        return self._base + self._keys[i]  # type: ignore[operator]

    def record_at(self, i: int) -> Any:
        with self._lock:
            return self._at(i)

    def __iter__(self) -> Iterator[int]:
        keys = self._keys
        for i in range(len(keys)):
            yield self._base + keys[i]  # type: ignore[operator]

    def __reversed__(self) -> Iterator[int]:
        keys = self._keys
        for i in range(len(keys) - 1, -1, -1):
            yield self._base + keys[i]  # type: ignore[operator]

    def keys(self) -> Iterator[int]:
        return iter(self)

    def values(self) -> Iterator[Any]:
        for i in range(len(self._keys)):
            yield self.record_at(i)

    def items(self) -> Iterator[tuple[int, Any]]:
        for i in range(len(self._keys)):
            yield self.number_at(i), self.record_at(i)

    def __repr__(self) -> str:
        return f"ShardLog({len(self)} records, {len(self._tail)} in memory)"


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _encode(record: Any) -> bytes:
    key = record.partition_key.encode()
    hash_key = record.explicit_hash_key
    hashed = b"" if hash_key is None else str(hash_key).encode()
    text = isinstance(record.data, str)  # moto keeps the request's base64 text; other writers may keep bytes
    data = record.data.encode() if text else bytes(record.data)
    header = _HEADER.pack(len(key), NO_HASH_KEY if hash_key is None else len(hashed), len(data), text)
    return b"".join((header, key, hashed, data))
