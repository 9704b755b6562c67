"""Lambda invocation logs in CloudWatch Logs: INIT_START/START/END/REPORT lines around the handler's output.

Logs: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
group ``/aws/lambda/NAME``, one stream per worker, START/END/REPORT lines, written in-process to
moto's logs backend by a background thread (off the invocation's hot path, in order).
"""

from __future__ import annotations

import logging
import math
import queue
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.awslambda.config import FunctionConfig, Outcome

log = logging.getLogger(__name__)

RUNTIME_VERSION = f"python:{sys.version_info.major}.{sys.version_info.minor}.localcloud"


@dataclass
class LogBatch:
    """The lines of one invocation, for one stream (created first when ``new_stream``)."""

    config: FunctionConfig
    stream: str
    new_stream: bool
    lines: list[tuple[int, str]]


class LogSink:
    """Writes invocation logs to moto's CloudWatch Logs backend off the hot path, in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[LogBatch | threading.Event | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="lambda-logs", daemon=True)
        self._thread.start()

    def put(self, batch: LogBatch) -> None:
        self._queue.put(batch)

    def flush(self, timeout: float = 5.0) -> None:
        """Block until every batch put before this call is written (or ``timeout`` passes)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            group = item.config.log_group
            try:
                backend = seam.backend("logs", item.config.account_id, item.config.region)
                backend.ensure_log_group(group)
                if item.new_stream and item.stream not in backend.groups[group].streams:
                    backend.create_log_stream(group, item.stream)
                events = [{"timestamp": ts, "message": message} for ts, message in item.lines]
                backend.put_log_events(group, item.stream, events)
            except Exception:  # a log write must never fail an invocation
                log.exception("writing Lambda logs to %s/%s failed", group, item.stream)


def report_line(
    config: FunctionConfig, outcome: Outcome, request_id: str, init_duration_ms: float | None, init_failed: bool
) -> str:
    """The REPORT line: duration, billed duration, memory, Init Duration on a cold start, status."""
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(outcome.duration_ms))} ms\t"
        f"Memory Size: {config.memory_size} MB\tMax Memory Used: {outcome.max_memory_mb} MB"
    )
    if init_duration_ms is not None:
        report += f"\tInit Duration: {init_duration_ms:.2f} ms"
    if outcome.timed_out:
        report += "\tStatus: timeout"
    elif outcome.exit_error is not None or init_failed:
        report += "\tStatus: error"
    return report


def log_stream_name(config: FunctionConfig) -> str:
    """A new stream name as Lambda makes them: ``YYYY/MM/DD/[VERSION]`` and a random id."""
    today = datetime.now(timezone.utc)
    return f"{today:%Y/%m/%d}/[{config.version}]{uuid.uuid4().hex}"


def split_lines(text: str) -> list[str]:
    """The non-empty lines of a log text."""
    return [line for line in text.splitlines() if line]
