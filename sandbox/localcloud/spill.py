"""What localcloud keeps for as long as AWS would, on disk instead of in the server's memory.

Kinesis keeps a stream's records for its retention (24 hours and up), CloudWatch Logs keeps log
events until a retention policy removes them, S3 keeps objects: at 1,000 orders a second, moto's
in-memory copies grew the server by gigabytes an hour (docs/RELIABILITY.md). Two pieces serve the
stores that moved to disk (s3_storage.py, kinesis/shard_log.py, log_events.py):

- ``AppendOnlyFile``: an unnamed temporary file in a directory of the stack's state dir (created
  on the first write, gone with the process, as moto's data is), written at its end and read back
  with ``pread``;
- ``SpilledBlocks``: items (each encoded as bytes by its owner) appended a block at a time. A block
  on disk is its items' bytes, one after another, then its index: one int64 column per field its
  owner looks items up by (a Kinesis record's number and arrival time, say) and where each item
  ends. Memory keeps 8 bytes per block for its first position, for where it and its index start,
  and for the first value of each column (so a look-up is a binary search over the blocks, then
  one read of an index), plus the indexes of the last ``CACHED_BLOCKS`` blocks read.

Neither is thread-safe beyond a single append: the owners lock around their own state.
"""

from __future__ import annotations

import bisect
import os
import tempfile
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

CACHED_BLOCKS = 2


class AppendOnlyFile:
    """One unnamed file, written at its end: `append` returns where the bytes went."""

    def __init__(self, directory: Path | None, prefix: str) -> None:
        self._directory = directory
        self._prefix = prefix
        self._file: Any = None
        self._end = 0
        self._lock = threading.Lock()

    def append(self, data: bytes) -> int:
        with self._lock:
            if self._file is None:
                if self._directory is not None:
                    self._directory.mkdir(parents=True, exist_ok=True)
                self._file = tempfile.TemporaryFile(dir=self._directory, prefix=self._prefix)
            offset, self._end = self._end, self._end + len(data)
        os.pwrite(self._file.fileno(), data, offset)  # the range is this writer's alone
        return offset

    def read(self, offset: int, size: int) -> bytes:
        return os.pread(self._file.fileno(), size, offset) if size else b""


@dataclass(frozen=True)
class BlockIndex:
    """One block's index, as read back from the file."""
    columns: tuple[array, ...]  # the owner's int64 fields, one value per item
    ends: array  # where each item's bytes end, from the block's start

    def span(self, j: int) -> tuple[int, int]:
        """(start, end) of item `j`'s bytes within the block."""
        return (self.ends[j - 1] if j else 0), self.ends[j]


class SpilledBlocks:
    """Items appended a block at a time to an `AppendOnlyFile`, found by position or by column."""

    def __init__(self, directory: Path | None, prefix: str, columns: int = 0) -> None:
        self._file = AppendOnlyFile(directory, prefix)
        self._columns = columns
        self._start = array("q")  # each block's first position
        self._at = array("q")  # where each block's items start in the file
        self._index_at = array("q")  # where each block's index starts
        self._firsts = tuple(array("q") for _ in range(columns))  # each block's first value of each column
        self._count = 0
        self._cache: OrderedDict[int, BlockIndex] = OrderedDict()

    def __len__(self) -> int:
        """The number of items spilled."""
        return self._count

    @property
    def blocks(self) -> int:
        return len(self._start)

    def append(self, blobs: Sequence[bytes], columns: Sequence[array] = ()) -> None:
        """Write `blobs` as one block, with `columns` (one int64 array per column, a value per blob)."""
        if not blobs:
            return
        if len(columns) != self._columns or any(len(c) != len(blobs) for c in columns):
            raise ValueError(f"a block needs {self._columns} columns of {len(blobs)} values each")
        ends, end = array("q"), 0
        for blob in blobs:
            end += len(blob)
            ends.append(end)
        index = BlockIndex(tuple(array("q", c) for c in columns), ends)
        at = self._file.append(b"".join([*blobs, *(c.tobytes() for c in index.columns), ends.tobytes()]))
        self._start.append(self._count)
        self._at.append(at)
        self._index_at.append(at + end)
        for firsts, column in zip(self._firsts, index.columns):
            firsts.append(column[0])
        self._count += len(blobs)
        self._remember(self.blocks - 1, index)

    def firsts(self, column: int) -> array:
        """Each block's first value of `column` (increasing when the column is: bisect it)."""
        return self._firsts[column]

    def start(self, block: int) -> int:
        return self._start[block]

    def size(self, block: int) -> int:
        following = self._start[block + 1] if block + 1 < self.blocks else self._count
        return following - self._start[block]

    def block_of(self, i: int) -> int:
        return bisect.bisect_right(self._start, i) - 1

    def index(self, block: int) -> BlockIndex:
        found = self._cache.get(block)
        if found is None:
            width = 8 * self.size(block)  # bytes of one column
            raw = self._file.read(self._index_at[block], width * (self._columns + 1))
            parts = [array("q", raw[k * width:(k + 1) * width]) for k in range(self._columns + 1)]
            found = BlockIndex(tuple(parts[:-1]), parts[-1])
        self._remember(block, found)
        return found

    def item(self, i: int) -> tuple[bytes, BlockIndex, int]:
        """Item `i`'s bytes, its block's index and its place in that block."""
        block = self.block_of(i)
        index, j = self.index(block), i - self._start[block]
        start, end = index.span(j)
        return self._file.read(self._at[block] + start, end - start), index, j

    def block_items(self, block: int) -> tuple[list[bytes], BlockIndex]:
        """Every item of `block` (one read), and its index."""
        index = self.index(block)
        raw = self._file.read(self._at[block], index.ends[-1])
        return [raw[slice(*index.span(j))] for j in range(len(index.ends))], index

    def _remember(self, block: int, index: BlockIndex) -> None:
        self._cache[block] = index
        self._cache.move_to_end(block)
        while len(self._cache) > CACHED_BLOCKS:
            self._cache.popitem(last=False)
