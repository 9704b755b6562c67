"""S3 object bodies kept on disk, in one file per stack, instead of in the server's memory.

moto keeps each object's body in a ``SpooledTemporaryFile`` of up to ~5 MiB in memory (past that,
one open temporary file per object). Firehose writes every order line and web log into S3, so a
stack that takes 1,000 orders a second grew by the lake's size, ~230 bytes an order, and a lake of
tens of thousands of objects would need as many open files once they rolled over.

Here the ``FakeKey.value`` setter (moto's getter, ETag and dispose read through the same buffer
protocol) gives each key a ``StoredBody``: a body of up to ``IN_MEMORY_BYTES`` stays in memory, a
larger one is appended to the stack's ``BodyStore``, an unnamed file in ``<state dir>/s3/`` read back
with ``pread``; the key keeps its offset and length. The file only grows: a replaced or deleted
object's bytes stay in it until the stack stops (disk, not memory; the file is gone with the
process, as moto's objects are).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.spill import AppendOnlyFile

VALUE = seam.target("moto.s3.models:FakeKey", "value", "(self)")
TARGETS = (VALUE,)

IN_MEMORY_BYTES = 16 * 1024


class BodyStore(AppendOnlyFile):
    """One append-only file of object bodies."""

    def __init__(self, directory: Path | None) -> None:
        super().__init__(directory, prefix="s3-bodies-")


class StoredBody:
    """The file-like buffer moto's FakeKey reads and writes (seek, read, write, truncate, close): a
    body written whole after ``truncate`` goes to the store past ``IN_MEMORY_BYTES``; any other write
    works on an in-memory copy."""

    def __init__(self, store: BodyStore) -> None:
        self._store = store
        self._memory: io.BytesIO | None = io.BytesIO()
        self._stored: tuple[int, int] | None = None  # (offset, size) in the store
        self._position = 0
        self._empty = True  # nothing written since it was made or truncated to 0
        self.closed = False

    def _check(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")  # what moto expects of a disposed key

    def seek(self, position: int, whence: int = 0) -> int:
        self._check()
        if self._memory is not None:
            self._position = self._memory.seek(position, whence)
        else:
            size = self._stored[1]  # type: ignore[index]
            self._position = {0: position, 1: self._position + position, 2: size + position}[whence]
        return self._position

    def tell(self) -> int:
        return self._position

    def read(self, size: int = -1) -> bytes:
        self._check()
        if self._memory is not None:
            data = self._memory.read(size)
            self._position = self._memory.tell()
            return data
        offset, total = self._stored  # type: ignore[misc]
        count = max(0, total - self._position) if size is None or size < 0 else max(0, min(size, total - self._position))
        data = self._store.read(offset + self._position, count)
        self._position += len(data)
        return data

    def truncate(self, size: int | None = None) -> int:
        self._check()
        size = self._position if size is None else size
        if size == 0:
            self._memory, self._stored, self._empty = io.BytesIO(), None, True
            return 0
        self._into_memory().truncate(size)
        return size

    def write(self, data: bytes) -> int:
        self._check()
        if self._empty and len(data) > IN_MEMORY_BYTES:  # a whole body: to the store
            self._stored, self._memory = (self._store.append(bytes(data)), len(data)), None
            self._position, self._empty = len(data), False
            return len(data)
        self._empty = self._empty and not data
        memory = self._into_memory()
        written = memory.write(data)
        self._position = memory.tell()
        return written

    def _into_memory(self) -> io.BytesIO:
        if self._memory is None:
            offset, size = self._stored  # type: ignore[misc]
            self._memory = io.BytesIO(self._store.read(offset, size))
            self._memory.seek(self._position)
            self._stored = None
        return self._memory

    def close(self) -> None:
        self.closed = True
        self._memory = None  # the stored bytes stay in the store's file (see the module's docstring)

    @property
    def in_memory(self) -> bool:
        return self._memory is not None


def install(patches: seam.Patches, store: BodyStore) -> None:
    """Keep every S3 object body written from now on in `store` (undone with `patches`)."""
    patches.replace(VALUE, lambda value: property(value.fget, _stored_setter(value.fset, store)))


def _stored_setter(set_value: Callable[[Any, bytes], None], store: BodyStore) -> Callable[[Any, bytes], None]:
    def value(key: Any, new_value: bytes) -> None:
        buffer = key.__dict__.get("_value_buffer")
        if not isinstance(buffer, StoredBody):
            if buffer is not None:
                buffer.close()  # moto's SpooledTemporaryFile, still empty
            key._value_buffer = StoredBody(store)
        set_value(key, new_value)

    return value
