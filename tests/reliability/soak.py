"""A bounded soak of pipeline 1 with the stack's memory sampled (the test runs 60 s, `make bench` 10 min).

The producer replays the same `distinct` order lines pass after pass at a steady rate, each pass
stamping its number into the lines' Description, so the table's size stays constant and memory that
grows is memory the stack keeps, not data it stores; at the end the table must equal the last pass's
lines exactly (per-shard order means an earlier record skipped would have failed the batch or
reached the on-failure DLQ, which must stay empty). Memory is what the stack's processes hold, the
PSS of their anonymous and shared memory (procs.HELD), without pipeline 3's stream job (see
`_sample`), sampled every `sample_every` seconds; growth compares the end to the first samples taken
once the first pass is in the table (workers spawned, caches warm).

Memory the stack keeps per order was ~3-4 KB until what localcloud kept in memory was found
(docs/BENCHMARKS.md, "What grew"): moto's list of every model instance ever made
(moto_tracking.py), two CloudWatch data points per PutRecords call (one statistic set per minute
now), and every Kinesis record, S3 body and CloudWatch Logs event (the older ones on disk now:
spill.py). The report breaks the growth down by process (the supervisor, which runs localcloud,
each Lambda function's workers, the stream job's driver and JVM, PostgreSQL, osmem-server): the
stream job's JVM and Python workers come and go, so the sum moves both ways. Beside the growth from
start to end it gives the trend over the last third of the run, which one-time steps (PostgreSQL's
first timed checkpoint) do not reach.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from generators import orders as gen
from sandbox.aws import client
from sandbox.settings import Settings
from sandbox.stack.stream_job import job_status
from sandbox.waiting import wait_until
from tests.reliability import orders, procs


@dataclass
class SoakResult:
    rate: float
    seconds: float
    sent: int
    failed: int
    distinct: int
    baseline_bytes: int = 0
    final_bytes: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, bytes held by the measured components)
    all_pages: list[int] = field(default_factory=list)  # the same components' PSS with the files they map, at each sample
    components: list[dict[str, int]] = field(default_factory=list)  # every component, at each sample
    mismatched: dict[str, Any] = field(default_factory=dict)
    dead_letters: int = 0
    stream_job: dict[str, Any] = field(default_factory=dict)  # pipeline 3's job at the end (restarts, last exit)
    elapsed: float = 0.0  # the producer's wall time

    @property
    def growth(self) -> float:
        return self.final_bytes / self.baseline_bytes - 1 if self.baseline_bytes else float("nan")

    @property
    def bytes_per_record(self) -> float:
        """Growth per record sent: Kinesis keeps each one for its retention (see Known gap)."""
        return (self.final_bytes - self.baseline_bytes) / self.sent if self.sent else float("nan")

    @property
    def late_trend_per_record(self) -> float:
        """Growth per record sent over the last third of the samples (least squares): what the stack
        keeps per order once start-up steps are behind it (the first timed checkpoint of PostgreSQL,
        for one, maps ~14 MiB of its shared memory five minutes after it starts)."""
        late = self.samples[len(self.samples) * 2 // 3:]
        if len(late) < 3 or not self.elapsed or late[0][0] == late[-1][0]:
            return float("nan")
        slope = statistics.linear_regression([t for t, _ in late], [size for _, size in late]).slope  # bytes/s
        return slope / (self.sent / self.elapsed)

    @property
    def all_pages_span(self) -> tuple[int, int]:
        """The measured components' PSS with the files they map: the median of the first three samples, the last."""
        return (int(statistics.median(self.all_pages[:3])), self.all_pages[-1]) if self.all_pages else (0, 0)

    @property
    def lost_nothing(self) -> bool:
        return self.failed == 0 and not any(self.mismatched.values()) and self.dead_letters == 0

    def started_late(self) -> set[str]:
        """Components absent from the first sample (see `_judged`)."""
        return set().union(*self.components) - set(self.components[0]) if self.components else set()

    def growth_by_component(self) -> list[tuple[str, int, int]]:
        """(component, bytes at the start, bytes at the end), the largest growth first."""
        if len(self.components) < 2:
            return []
        first, last = self.components[0], self.components[-1]
        rows = [(name, first.get(name, 0), last.get(name, 0)) for name in set(first) | set(last)]
        return sorted(rows, key=lambda r: r[1] - r[2])

    def render(self) -> str:
        achieved = self.sent / self.elapsed if self.elapsed else 0.0
        return (f"soak {self.seconds:.0f} s at {self.rate:.0f} orders/s ({achieved:.0f}/s achieved): sent {self.sent} "
                f"({self.distinct} distinct "
                f"lines a pass), memory held {self.baseline_bytes / 2**20:.0f} → {self.final_bytes / 2**20:.0f} MiB "
                f"({self.growth:+.1%}, {self.bytes_per_record:.0f} B per record sent; over the last third "
                f"{self.late_trend_per_record:.0f} B per record; with the files they map, PSS "
                f"{self.all_pages_span[0] / 2**20:.0f} → {self.all_pages_span[1] / 2**20:.0f} MiB), lost nothing: {self.lost_nothing}"
                + "".join(f"\n  {name}: {start / 2**20:.0f} -> {end / 2**20:.0f} MiB"
                          + (" (started during the run)" if name in self.started_late() else "")
                          for name, start, end in self.growth_by_component())
                + (f"\n  the stream job restarted {self.stream_job['restarts']} times during the run, last exit: "
                   f"{self.stream_job.get('last_exit')}" if self.stream_job.get("restarts") else ""))


def _sample(result: SoakResult, settings: Settings, at: float) -> None:
    """Memory by component: what each holds (procs.HELD: anonymous and shared memory, not the files
    it maps, whose PSS moves when other processes map the same libraries: the stream job's Python
    workers coming and going moved the supervisor's by 20 MiB). The growth is judged on every
    component but pipeline 3's stream job, whose JVM heap and Python workers grow to their
    configured bounds and shrink again as Spark runs and collects (it is not part of pipeline 1;
    its share is still reported)."""
    held, with_files = procs.memory_by_component(procs.stack_tree(settings), procs.HELD, procs.PSS)
    result.components.append(held)
    result.samples.append((at, _measured(held)))
    result.all_pages.append(_measured(with_files))


def _measured(parts: dict[str, int]) -> int:
    return sum(size for name, size in parts.items() if not name.startswith(procs.STREAM_JOB))


def _stamped(lines: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    return [{**line, "Description": f"{line['Description']} #pass{number}"} for line in lines]


def run_soak(settings: Settings, *, rate: float, seconds: float, distinct: int, sample_every: float = 2.0,
             progress: bool = False) -> SoakResult:
    orders.reset(settings)
    base = orders.customer_lines(distinct, seed=41)
    passes = max(2, round(seconds * rate / distinct))
    records = [line for number in range(passes) for line in _stamped(base, number)]
    result = SoakResult(rate=rate, seconds=len(records) / rate, sent=0, failed=0, distinct=distinct)
    done = threading.Event()

    def produce() -> None:
        summary = gen.replay_records(client("kinesis", settings), settings.names.orders_stream, iter(records),
                                     rate=rate, source="soak")
        result.sent, result.failed, result.elapsed = summary.sent, summary.failed, summary.elapsed
        done.set()

    producer = threading.Thread(target=produce, name="soak-producer")
    producer.start()
    try:
        orders.wait_for_items(settings, distinct, timeout=120)  # the first pass is in: warm
        started = time.monotonic()
        while not done.wait(sample_every):
            _sample(result, settings, time.monotonic() - started)
            if progress:
                print(f"  {result.samples[-1][0]:5.0f} s  {result.samples[-1][1] / 2**20:7.1f} MiB", flush=True)
    finally:
        producer.join()
    want = orders.expected_items(_stamped(base, passes - 1))
    # the last 50 lines of the last pass span every shard (keys hash at random): once they all carry
    # the last stamp, every shard's iterator is past the end; then the whole table is compared once
    tail = dict(list(want.items())[-50:])
    wait_until(lambda: not any(orders.table_matches(settings, tail)[k] for k in ("missing", "different")),
               timeout=300, interval=1.0, message="the end of the last pass in the table")
    _sample(result, settings, time.monotonic() - started)
    result.mismatched = {k: v for k, v in orders.table_matches(settings, want).items() if v}
    result.dead_letters = len(orders.drain_dlq(settings))
    result.stream_job = job_status(settings, settings.names.alarms_job)
    result.baseline_bytes, result.final_bytes = _judged(result.components)
    return result


def _judged(components: list[dict[str, int]]) -> tuple[int, int]:
    """(baseline, final) bytes of the measured components: each from the median of its first three
    samples to its last (0 if it ended). A process that starts during the run (a Lambda worker that
    the rate alarm's first invocation spawns, one more worker under load) counts from its first
    sample: starting it is a one-time cost, and `render` lists it as started during the run."""
    measured = [{name: size for name, size in parts.items() if not name.startswith(procs.STREAM_JOB)}
                for parts in components]
    baseline = final = 0
    for name in set().union(*measured) if measured else ():
        seen = [parts[name] for parts in measured if name in parts]
        baseline += int(statistics.median(seen[:3]))
        final += measured[-1].get(name, 0)
    return baseline, final
