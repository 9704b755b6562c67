"""CloudWatch Logs events kept on disk past the newest few of each stream, instead of in memory.

Every Lambda invocation writes its START, END and REPORT lines and the function's own output to
CloudWatch Logs (awslambda/logs.py), and a log group keeps them until a retention policy removes
them. moto keeps each as a ``LogEvent`` object in its stream's ``events`` list: ~470 bytes an event
with moto's tracking, so pipeline 1 at 1,000 orders a second grew the server by ~1 MiB a minute
(docs/BENCHMARKS.md, the soak).

Here ``LogStream.__init__`` is hooked to give each stream a ``LogEvents`` in place of the list: the
newest ``tail_size`` to ``2 * tail_size`` events stay in memory as moto's objects; older ones go, a
block at a time, to an unnamed file in ``<state dir>/logs/`` (spill.py), encoded as their
ingestion time, timestamp, event id and UTF-8 message. moto's readers iterate the events
(GetLogEvents, FilterLogEvents, DescribeLogStreams, live tail) and append to them (PutLogEvents):
``LogEvents`` answers iteration, ``len``, indexing and ``+=``. An event read back from the file is
a new ``LogEvent`` with the same fields, not added to moto's instance tracking (moto_tracking.py).
"""

from __future__ import annotations

import copy
import struct
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.spill import SpilledBlocks

STREAM_INIT = seam.target("moto.logs.models:LogStream", "__init__", "(self, log_group, name)")
TARGETS = (STREAM_INIT,)

_FIELDS = struct.Struct("<qqq")  # ingestion time, timestamp (ms since the epoch), event id; then the message


class LogEvents:
    """A log stream's events, in the order they were put, the older ones on disk."""

    def __init__(self, directory: Path | None, make_event: Callable[[], Any], tail_size: int = 128) -> None:
        self._directory = directory
        self._make_event = make_event  # an empty moto LogEvent (its fields are set on read)
        self._tail_size = tail_size
        self._tail: list[Any] = []
        self._spilled = SpilledBlocks(directory, "log-stream-")
        self._lock = threading.Lock()

    def __iadd__(self, events: Iterable[Any]) -> LogEvents:
        self.extend(events)
        return self

    def extend(self, events: Iterable[Any]) -> None:
        with self._lock:
            self._tail.extend(events)
            if len(self._tail) >= 2 * self._tail_size:
                count = len(self._tail) - self._tail_size
                self._spilled.append([_encode(event) for event in self._tail[:count]])
                del self._tail[:count]

    def append(self, event: Any) -> None:
        self.extend((event,))

    def __len__(self) -> int:
        return len(self._spilled) + len(self._tail)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Any]:
        with self._lock:  # a snapshot: blocks never change, and the tail is copied
            blocks, tail = self._spilled.blocks, list(self._tail)
        for block in range(blocks):
            with self._lock:
                blobs, _ = self._spilled.block_items(block)
            yield from (self._decode(blob) for blob in blobs)
        yield from tail

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return list(self)[i]
        with self._lock:
            size, spilled = len(self), len(self._spilled)
            j = i + size if i < 0 else i
            if not 0 <= j < size:
                raise IndexError("log event index out of range")
            if j >= spilled:
                return self._tail[j - spilled]
            blob, _, _ = self._spilled.item(j)
        return self._decode(blob)

    def _decode(self, blob: bytes) -> Any:
        event = self._make_event()
        event.ingestion_time, event.timestamp, event.event_id = _FIELDS.unpack_from(blob)
        event.message = blob[_FIELDS.size:].decode("utf-8", "surrogatepass")
        return event

    def __deepcopy__(self, memo: dict[int, Any]) -> LogEvents:
        """A copy with copies of the events (moto deep-copies a Lambda function, the logs backend it
        refers to included, to publish a version)."""
        copied = LogEvents(self._directory, self._make_event, self._tail_size)
        memo[id(self)] = copied
        copied.extend(copy.deepcopy(event, memo) for event in self)
        return copied

    def __repr__(self) -> str:
        return f"LogEvents({len(self)} events, {len(self._tail)} in memory)"


def _encode(event: Any) -> bytes:
    message = event.message.encode("utf-8", "surrogatepass")  # a JSON \ud800 escape round-trips
    return _FIELDS.pack(event.ingestion_time, event.timestamp, event.event_id) + message


def install(patches: seam.Patches, directory: Path | None) -> None:
    """`directory`: where streams keep their older events (None: the system's temporary directory)."""
    patches.replace(STREAM_INIT, lambda init: _events_on_disk(init, directory))


def _new_event() -> Any:
    return object.__new__(seam.LogEvent)  # a view of a stored event: not tracked (moto_tracking.py)


def _events_on_disk(init: Callable[..., None], directory: Path | None) -> Callable[..., None]:
    def stream_init(stream: Any, log_group: Any, name: str) -> None:
        init(stream, log_group, name)
        stream.events = LogEvents(directory, _new_event)

    return stream_init
