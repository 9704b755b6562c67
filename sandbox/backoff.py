"""Exponential back-off: the one schedule every retry and idle wait in the project uses.

``delay(attempt)`` is ``first * 2**(attempt - 1)`` capped at ``cap`` (attempt 1 waits ``first``),
as AWS recommends for retries (https://docs.aws.amazon.com/general/latest/gr/api-retries.html);
``jitter`` spreads concurrent clients' retries ("equal jitter": half fixed, half random).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Waits that double from `first` to `cap`: `next()` after a failure or an empty poll, `reset()` after progress."""

    first: float
    cap: float
    jitter: bool = False
    seed: int | None = None
    attempt: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based), without changing the state."""
        base = min(self.cap, self.first * 2 ** max(0, attempt - 1))
        return base * (0.5 + self._rng.random() / 2) if self.jitter else base

    def next(self) -> float:
        self.attempt += 1
        return self.delay(self.attempt)

    def reset(self) -> None:
        self.attempt = 0
