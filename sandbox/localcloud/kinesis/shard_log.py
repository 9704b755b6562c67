"""A Kinesis shard's records on disk: what a stream keeps for its retention no longer lives in memory.

moto keeps every record of a shard in an OrderedDict (sequence number -> Record), and Kinesis keeps
records for at least 24 hours, so a stack that takes 1,000 orders a second grew by ~1 KB a record,
~3.5 GB an hour (docs/RELIABILITY.md). ``ShardLog`` takes the OrderedDict's place in each shard
(``Shard.__init__`` is hooked in hooks.py) and answers the same mapping protocol moto and the
in-process readers (shared/kinesis_shards.py) use, by sequence number, in order:

- the newest ``tail_size`` to ``2 * tail_size`` records stay in memory as moto's Record objects (a
  poller reading at the head of the stream never touches the file);
- older ones are appended to an unnamed file in the stack's state directory (gone with the shard;
  records do not outlive the process, as with moto), ``tail_size`` at a time, as a block of
  spill.py's ``SpilledBlocks`` whose index holds each record's number (as an offset from the
  shard's first) and arrival time in microseconds. Memory keeps 40 bytes per block, so a look-up
  by number or by time is a binary search over the blocks, then one read of a block's index.

Records come in increasing sequence order (moto_answers.py numbers them under one lock); an
out-of-order insert is refused rather than reordered. A record read back from the file is a new
moto Record with the same fields (its arrival time included); it is not added to moto's instance
tracking (moto_tracking.py), since it is a view of the stored record.
"""

from __future__ import annotations

import bisect
import struct
import threading
from array import array
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

from sandbox.localcloud.spill import SpilledBlocks

EPOCH = datetime(1970, 1, 1)
_HEADER = struct.Struct("<HHIB")  # partition key bytes, explicit hash key bytes (0xFFFF: none), data bytes, data is str
NO_HASH_KEY = 0xFFFF
KEYS, MICROS = 0, 1  # the spilled blocks' columns: number - the shard's first, arrival time in microseconds


class ShardLog:
    """sequence number -> moto Record, in insertion (= sequence) order, the old ones on disk."""

    def __init__(self, directory: Path | None, make_record: Callable[[], Any], tail_size: int = 512) -> None:
        self._make_record = make_record  # an empty moto Record (its fields are set on read)
        self._tail_size = tail_size
        self._base: int | None = None  # the first sequence number
        # the records after the spilled ones, as moto made them, with their keys and arrival times
        self._tail: list[Any] = []
        self._tail_keys = array("q")
        self._tail_micros = array("q")
        self._spilled = SpilledBlocks(directory, "kinesis-shard-", columns=2)
        self._lock = threading.Lock()

    # -- writing -----------------------------------------------------------------------------------
    def __setitem__(self, number: int, record: Any) -> None:
        with self._lock:
            if self._base is None:
                self._base = number
            offset = number - self._base
            last = self._key_at(len(self) - 1) if len(self) else -1
            if offset <= last:
                raise ValueError(f"Kinesis record {number} inserted after {self._base + last}: "
                                 "a shard's records are kept in increasing sequence order")
            self._tail_keys.append(offset)
            self._tail_micros.append(_micros(record.created_at_datetime))
            self._tail.append(record)
            if len(self._tail) >= 2 * self._tail_size:
                count = len(self._tail) - self._tail_size
                self._spilled.append([_encode(r) for r in self._tail[:count]],
                                     (self._tail_keys[:count], self._tail_micros[:count]))
                del self._tail[:count], self._tail_keys[:count], self._tail_micros[:count]

    # -- reading (callers hold the lock) -----------------------------------------------------------
    def _tail_column(self, column: int) -> array:
        return self._tail_keys if column == KEYS else self._tail_micros

    def _column_at(self, i: int, column: int) -> int:
        spilled = len(self._spilled)
        if i >= spilled:
            return self._tail_column(column)[i - spilled]
        block = self._spilled.block_of(i)
        return self._spilled.index(block).columns[column][i - self._spilled.start(block)]

    def _key_at(self, i: int) -> int:
        return self._column_at(i, KEYS)

    def _first_above(self, value: int, column: int, find: Callable[..., int]) -> int:
        """The position of the first record whose `column` is above `value` (`find` = bisect_right),
        or at or above it (`find` = bisect_left): in the tail, or in the one block it can be in."""
        spilled = len(self._spilled)
        inside = find(self._tail_column(column), value)
        if not spilled or inside > 0:  # the tail's first record is below it, and so is every spilled one
            return spilled + inside
        block = find(self._spilled.firsts(column), value) - 1  # the last block that starts before it
        if block < 0:
            return 0
        return self._spilled.start(block) + find(self._spilled.index(block).columns[column], value)

    def _position(self, number: int) -> int:
        """The position of `number`, or -1."""
        if self._base is None:
            return -1
        offset = number - self._base
        i = self._first_above(offset, KEYS, bisect.bisect_right) - 1
        return i if i >= 0 and self._key_at(i) == offset else -1

    def _at(self, i: int) -> Any:
        spilled = len(self._spilled)
        if i >= spilled:
            return self._tail[i - spilled]
        blob, index, j = self._spilled.item(i)
        return self._decode(blob, self._base + index.columns[KEYS][j], index.columns[MICROS][j])  # type: ignore[operator]

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

    # -- the mapping protocol and the readers' look-ups ----------------------------------------------
    def get(self, number: int, default: Any = None) -> Any:
        with self._lock:
            i = self._position(number)
            return default if i < 0 else self._at(i)

    def __getitem__(self, number: int) -> Any:
        with self._lock:
            i = self._position(number)
            if i < 0:
                raise KeyError(number)
            return self._at(i)

    def __contains__(self, number: object) -> bool:
        with self._lock:
            return isinstance(number, int) and self._position(number) >= 0

    def __len__(self) -> int:
        return len(self._spilled) + len(self._tail)

    def __bool__(self) -> bool:
        return len(self) > 0

    def first_after(self, number: int) -> int:
        """The position of the first record numbered above `number` (len(self) if none)."""
        with self._lock:
            if self._base is None:
                return 0
            return self._first_above(number - self._base, KEYS, bisect.bisect_right)

    def first_at_or_after_time(self, seconds: float) -> int:
        """The position of the first record that arrived at or after `seconds` (epoch)."""
        with self._lock:
            return self._first_above(round(seconds * 1e6), MICROS, bisect.bisect_left)

    def arrival_at(self, i: int) -> float:
        """The arrival time (epoch seconds) of the record at position `i`."""
        with self._lock:
            return self._column_at(i, MICROS) / 1e6

    def number_at(self, i: int) -> int:
        with self._lock:
            return self._base + self._key_at(i)  # type: ignore[operator]

    def record_at(self, i: int) -> Any:
        with self._lock:
            return self._at(i)

    def __iter__(self) -> Iterator[int]:
        for i in range(len(self)):
            yield self.number_at(i)

    def __reversed__(self) -> Iterator[int]:
        for i in range(len(self) - 1, -1, -1):
            yield self.number_at(i)

    def keys(self) -> Iterator[int]:
        return iter(self)

    def values(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self.record_at(i)

    def items(self) -> Iterator[tuple[int, Any]]:
        for i in range(len(self)):
            yield self.number_at(i), self.record_at(i)

    def __repr__(self) -> str:
        return f"ShardLog({len(self)} records, {len(self._tail)} in memory, {self._spilled.blocks} blocks on disk)"


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
