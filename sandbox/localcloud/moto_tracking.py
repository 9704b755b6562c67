"""moto's record of every model object it ever made, kept weakly so a long-running stack stays flat.

moto's ``BaseModel.__new__`` appends every instance of every model class (a DynamoDB item, a Kinesis
record, an S3 key, an SQS message...) to ``cls.instances_tracked`` and never removes it; only
``/moto-api/reset`` empties the lists. moto reads them in two places: ``/moto-api/data.json`` lists
them, and S3's reset disposes the keys' buffers. In a server that runs for hours the lists hold
every object after it was replaced or deleted: a soak of pipeline 1 (the same 3,000 order lines
written pass after pass) kept two DynamoDB items per order sent, ~2.5 KB, in the supervisor
(docs/RELIABILITY.md). Here ``BaseModel.__new__`` files each instance in a ``LiveInstances``
instead, which refers to it weakly: iterating it yields the instances still alive, so moto's two
readers see what exists and what no longer exists is freed. A class whose instances cannot be
referred to weakly (``__slots__`` without ``__weakref__``) keeps them as moto did.

moto's reset puts plain lists back; the next instance of each class turns its list into a
``LiveInstances`` again. ``undo`` restores moto's ``__new__``; lists already replaced stay live
views, which moto's code reads the same way.
"""

from __future__ import annotations

import collections
import threading
import weakref
from typing import Any, Callable, Iterable, Iterator

from sandbox.localcloud import moto_seam as seam

NEW = seam.target("moto.core.common_models:BaseModel", "__new__", "(cls, *args, **kwargs)")
TARGETS = (NEW,)


class _Ref(weakref.ref):
    __slots__ = ("key",)


class LiveInstances:
    """The instances of one model class that are still alive, in the order they were made; the list
    methods moto uses on ``instances_tracked`` (append, iteration, len) work on it."""

    def __init__(self, instances: Iterable[Any] = ()) -> None:
        self._refs: dict[int, _Ref] = {}  # id of the instance -> a weak reference to it
        self._freed: collections.deque[_Ref] = collections.deque()  # filled by the collector, emptied by append
        self._on_freed = self._freed.append  # one callback shared by every reference
        self._pinned: list[Any] = []  # instances that cannot be referred to weakly
        self._lock = threading.Lock()
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        try:
            ref = _Ref(instance, self._on_freed)
        except TypeError:
            self._pinned.append(instance)
            return
        ref.key = id(instance)
        with self._lock:
            while self._freed:
                gone = self._freed.popleft()
                if self._refs.get(gone.key) is gone:  # not an instance made since at the same address
                    del self._refs[gone.key]
            self._refs[ref.key] = ref

    def __iter__(self) -> Iterator[Any]:
        with self._lock:
            refs = list(self._refs.values())
        for ref in refs:
            instance = ref()
            if instance is not None:
                yield instance
        yield from list(self._pinned)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"LiveInstances({len(self)} alive)"


def install(patches: seam.Patches) -> None:
    """Track moto's model instances weakly from now on (undone with `patches`)."""
    base = NEW.owner_object()
    patches.replace(NEW, lambda original: staticmethod(_tracked_weakly(base)))


def _tracked_weakly(base: type) -> Callable[..., Any]:
    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        instance = super(base, cls).__new__(cls)  # what moto's __new__ makes, without its list
        tracked = cls.__dict__.get("instances_tracked")
        if not isinstance(tracked, LiveInstances):  # first use, or a reset put a plain list back
            tracked = LiveInstances(tracked or ())
            cls.instances_tracked = tracked  # type: ignore[attr-defined]
        tracked.append(instance)
        return instance

    return __new__
