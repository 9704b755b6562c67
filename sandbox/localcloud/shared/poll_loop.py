"""The loop every poller thread runs: step until stopped, backing off on errors and empty polls.

As Lambda's pollers do (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html),
a poller that finds nothing waits a little longer each time (up to a cap), one that failed waits
longer still, and one that filled a batch goes again at once. The waits are ``sandbox.backoff``'s.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from typing import Callable

from sandbox.backoff import Backoff
from sandbox.localcloud.shared.kinesis_shards import SourceGone

IDLE_FIRST, IDLE_CAP = 0.005, 0.2  # empty polls: AWS polls each shard about once a second; we poll faster
ERROR_FIRST, ERROR_CAP = 0.1, 2.0  # the source could not be read


class Poll(StrEnum):
    """What one step did."""

    EMPTY = "empty"  # nothing to read: wait (longer each time)
    CAUGHT_UP = "caught up"  # delivered a partial batch: let the next one fill before polling again
    FULL = "full"  # delivered a full batch: poll again at once


def run(
    step: Callable[[], Poll],
    stop: threading.Event,
    *,
    on_error: Callable[[Exception], None],
    on_gone: Callable[[SourceGone], None],
    idle: Backoff | None = None,
    errors: Backoff | None = None,
) -> None:
    """Call `step` until `stop` is set or the source is gone (`on_gone`, then return)."""
    idle = idle or Backoff(IDLE_FIRST, IDLE_CAP)
    errors = errors or Backoff(ERROR_FIRST, ERROR_CAP)
    while not stop.is_set():
        try:
            done = step()
        except SourceGone as exc:
            on_gone(exc)
            return
        except Exception as exc:  # the source could not be read: say so, wait, try again
            on_error(exc)
            stop.wait(errors.next())
            continue
        errors.reset()
        if done is Poll.FULL:
            idle.reset()
        else:
            stop.wait(idle.next())
