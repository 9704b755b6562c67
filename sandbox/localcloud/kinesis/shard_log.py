"""A Kinesis shard's records on disk: what a stream keeps for its retention no longer lives in memory.

moto keeps every record of a shard in an OrderedDict (sequence number -> Record), and Kinesis keeps
records for at least 24 hours, so a stack that takes 1,000 orders a second grew by ~1 KB a record,
~3.5 GB an hour (docs/RELIABILITY.md). ``ShardLog`` takes the OrderedDict's place in each shard
(``Shard.__init__`` is hooked in hooks.py) and answers the same mapping protocol moto and the
in-process readers (shared/kinesis_shards.py) use, by sequence number, in order:

- the newest ``tail_size`` to ``2 * tail_size`` records stay in memory as moto's Record objects (a
  poller reading at the head of the stream never touches the file);
- older ones are appended to an unnamed temporary file in the stack's state directory (gone when the
  shard is; records do not outlive the process, as with moto), ``tail_size`` at a time: one block of
  the records' bytes followed by the block's index (each record's number, as an offset from the
  shard's first, its arrival time in microseconds and where it ends in the block);
- memory keeps 40 bytes per block (its first position, number and arrival time, where it and its
  index start in the file) and the index of the last two blocks read, so a look-up by number or by
  time is a binary search over the blocks, then one read of a block's index.

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
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

EPOCH = datetime(1970, 1, 1)
_HEADER = struct.Struct("<HHIB")  # partition key bytes, explicit hash key bytes (0xFFFF: none), data bytes, data is str
NO_HASH_KEY = 0xFFFF
CACHED_BLOCKS = 2


@dataclass(frozen=True)
class _BlockIndex:
    """One spilled block's index, as read back from the file."""
    keys: array  # sequence number - the shard's first, increasing
    micros: array  # arrival time, microseconds since the epoch
    ends: array  # where each record's bytes end, from the block's start


class ShardLog:
    """sequence number -> moto Record, in insertion (= sequence) order, the old ones on disk."""

    def __init__(self, directory: Path | None, make_record: Callable[[], Any], tail_size: int = 512) -> None:
        self._directory = directory
        self._make_record = make_record  # an empty moto Record (its fields are set on read)
        self._tail_size = tail_size
        self._base: int | None = None  # the first sequence number
        # the records after the spilled ones, as moto made them, with their keys and arrival times
        self._tail: list[Any] = []
        self._tail_keys = array("q")
        self._tail_micros = array("q")
        # one entry per spilled block: its first position, key and arrival time; where its records
        # and its index start in the file
        self._block_start = array("q")
        self._block_key = array("q")
        self._block_micros = array("q")
        self._block_at = array("q")
        self._index_at = array("q")
        self._spilled = 0
        self._cache: OrderedDict[int, _BlockIndex] = OrderedDict()
        self._file: Any = None
        self._end = 0  # the file's size
        self._lock = threading.Lock()

    # -- writing -----------------------------------------------------------------------------------
    def __setitem__(self, number: int, record: Any) -> None:
        with self._lock:
            if self._base is None:
                self._base = number
            offset = number - self._base
            last = self._tail_keys[-1] if self._tail_keys else (self._last_spilled_key() if self._spilled else -1)
            if offset <= last:
                raise ValueError(f"Kinesis record {number} inserted after {self._base + last}: "
                                 "a shard's records are kept in increasing sequence order")
            self._tail_keys.append(offset)
            self._tail_micros.append(_micros(record.created_at_datetime))
            self._tail.append(record)
            if len(self._tail) >= 2 * self._tail_size:
                self._spill(len(self._tail) - self._tail_size)

    def _spill(self, count: int) -> None:
        """Move the oldest `count` tail records to the file as one block (under the lock)."""
        if self._file is None:
            if self._directory is not None:
                self._directory.mkdir(parents=True, exist_ok=True)
            self._file = tempfile.TemporaryFile(dir=self._directory, prefix="kinesis-shard-")
        blobs = [_encode(record) for record in self._tail[:count]]
        ends, end = array("q"), 0
        for blob in blobs:
            end += len(blob)
            ends.append(end)
        index = _BlockIndex(self._tail_keys[:count], self._tail_micros[:count], ends)
        at = self._end
        os.pwrite(self._file.fileno(), b"".join([*blobs, index.keys.tobytes(), index.micros.tobytes(), ends.tobytes()]), at)
        self._end = at + end + 24 * count
        self._block_start.append(self._spilled)
        self._block_key.append(index.keys[0])
        self._block_micros.append(index.micros[0])
        self._block_at.append(at)
        self._index_at.append(at + end)
        self._remember(len(self._block_at) - 1, index)
        self._spilled += count
        del self._tail[:count], self._tail_keys[:count], self._tail_micros[:count]

    # -- the blocks' indexes -----------------------------------------------------------------------
    def _remember(self, block: int, index: _BlockIndex) -> None:
        self._cache[block] = index
        self._cache.move_to_end(block)
        while len(self._cache) > CACHED_BLOCKS:
            self._cache.popitem(last=False)

    def _index_of(self, block: int) -> _BlockIndex:
        found = self._cache.get(block)
        if found is None:
            count = self._count_in(block)
            raw = os.pread(self._file.fileno(), 24 * count, self._index_at[block])
            parts = [array("q", raw[i * 8 * count:(i + 1) * 8 * count]) for i in range(3)]
            found = _BlockIndex(*parts)
        self._remember(block, found)
        return found

    def _count_in(self, block: int) -> int:
        following = self._block_start[block + 1] if block + 1 < len(self._block_start) else self._spilled
        return following - self._block_start[block]

    def _last_spilled_key(self) -> int:
        return self._index_of(len(self._block_at) - 1).keys[-1]

    def _block_of(self, i: int) -> int:
        return bisect.bisect_right(self._block_start, i) - 1

    # -- reading (callers hold the lock) -----------------------------------------------------------
    def _key_at(self, i: int) -> int:
        if i >= self._spilled:
            return self._tail_keys[i - self._spilled]
        block = self._block_of(i)
        return self._index_of(block).keys[i - self._block_start[block]]

    def _micros_at(self, i: int) -> int:
        if i >= self._spilled:
            return self._tail_micros[i - self._spilled]
        block = self._block_of(i)
        return self._index_of(block).micros[i - self._block_start[block]]

    def _first_key_above(self, offset: int) -> int:
        """The position of the first record whose key is above `offset`."""
        if not self._spilled or (self._tail_keys and offset >= self._tail_keys[0]):
            return self._spilled + bisect.bisect_right(self._tail_keys, offset)
        block = bisect.bisect_right(self._block_key, offset) - 1
        if block < 0:
            return 0
        return self._block_start[block] + bisect.bisect_right(self._index_of(block).keys, offset)

    def _first_arrived_from(self, micros: int) -> int:
        """The position of the first record that arrived at or after `micros`."""
        if not self._spilled or (self._tail_micros and self._tail_micros[0] < micros):
            return self._spilled + bisect.bisect_left(self._tail_micros, micros)
        block = bisect.bisect_left(self._block_micros, micros)  # the first block that starts at or after it
        if block > 0:
            index = self._index_of(block - 1)
            inside = bisect.bisect_left(index.micros, micros)
            if inside < len(index.micros):
                return self._block_start[block - 1] + inside
        return self._block_start[block] if block < len(self._block_start) else self._spilled

    def _position(self, number: int) -> int:
        """The position of `number`, or -1."""
        if self._base is None:
            return -1
        offset = number - self._base
        i = self._first_key_above(offset) - 1
        return i if i >= 0 and self._key_at(i) == offset else -1

    def _at(self, i: int) -> Any:
        if i >= self._spilled:
            return self._tail[i - self._spilled]
        block = self._block_of(i)
        index, j = self._index_of(block), i - self._block_start[block]
        start = index.ends[j - 1] if j else 0
        blob = os.pread(self._file.fileno(), index.ends[j] - start, self._block_at[block] + start)
        return self._decode(blob, self._base + index.keys[j], index.micros[j])  # type: ignore[operator]

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
        return self._spilled + len(self._tail)

    def __bool__(self) -> bool:
        return len(self) > 0

    def first_after(self, number: int) -> int:
        """The position of the first record numbered above `number` (len(self) if none)."""
        with self._lock:
            return 0 if self._base is None else self._first_key_above(number - self._base)

    def first_at_or_after_time(self, seconds: float) -> int:
        """The position of the first record that arrived at or after `seconds` (epoch)."""
        with self._lock:
            return self._first_arrived_from(round(seconds * 1e6))

    def arrival_at(self, i: int) -> float:
        """The arrival time (epoch seconds) of the record at position `i`."""
        with self._lock:
            return self._micros_at(i) / 1e6

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
        return f"ShardLog({len(self)} records, {len(self._tail)} in memory, {len(self._block_at)} blocks on disk)"


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
