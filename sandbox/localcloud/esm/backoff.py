"""Waits of the worker loops: short when busy, growing while a source is idle or failing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Backoff:
    """Doubles from `first` to `cap` on each `next()`; `reset()` after progress."""

    first: float
    cap: float
    _current: float = 0.0

    def next(self) -> float:
        self._current = self.first if self._current == 0.0 else min(self.cap, self._current * 2)
        return self._current

    def reset(self) -> None:
        self._current = 0.0


IDLE_FIRST, IDLE_CAP = 0.005, 0.2  # empty polls: AWS polls each shard about once a second; we poll faster
ERROR_FIRST, ERROR_CAP = 0.1, 2.0  # the source could not be read
RETRY_FIRST, RETRY_CAP = 0.05, 1.0  # the function failed: retry the batch (AWS backs off exponentially too)
