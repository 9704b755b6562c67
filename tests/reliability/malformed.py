"""1 % malformed order lines in a replay (pipeline 1): the check shared by the test and the bench.

The test replays 20,000 lines; `make bench` (bench_malformed) the issue's 100,000. Checking that no
valid line is lost or doubled fetches every expected item by key (BatchGetItem) and compares the live
item count: on the 2-core sandbox moto serves ~400-1,000 keys/s while other sessions load it, so the
check of 100,000 lines alone takes minutes (measured in docs/BENCHMARKS.md, "Reliability").
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from generators import orders as gen
from pipelines.order_history import handler
from sandbox.aws import client
from sandbox.settings import Settings
from sandbox.waiting import wait_until
from tests.reliability import orders

BAD_EVERY = 100  # 1 %


def _set(record: dict[str, Any], **changes: Any) -> bytes:
    return gen.encode({**record, **changes})


# Ways a producer breaks a line; each must end in the DLQ under the kind the handler names.
CORRUPTIONS: list[Callable[[dict[str, Any]], bytes]] = [
    lambda r: gen.encode(r)[:-7],                                   # truncated JSON
    lambda r: b"\xff\xfe" + gen.encode(r),                           # not UTF-8
    lambda r: json.dumps([r]).encode(),                              # an array, not an object
    lambda r: _set(r, CustomerID="12a45"),                            # not a customer id
    lambda r: _set(r, CustomerID=-5),                                 # not positive
    lambda r: _set(r, Quantity="a dozen"),                            # not a number
    lambda r: _set(r, UnitPrice="NaN"),                               # not finite
    lambda r: _set(r, InvoiceDate="yesterday"),                       # not a date
    lambda r: _set(r, StockCode=""),                                  # a blank required field
    lambda r: _set(r, LineNo=0),                                      # not a line position
]


def kind_of(data: bytes) -> str | None:
    """The dead-letter kind the handler gives `data`, None for a valid line."""
    try:
        handler.parse_order(handler.decode_data(orders.b64(data)))
    except handler.InvalidRecord as exc:
        return exc.kind
    return None


@dataclass
class MalformedRun:
    lines: int
    bad: dict[bytes, str]  # data → the kind the handler must name
    want: dict[orders.Key, dict[str, Any]]
    processed_s: float = 0.0  # first put → every valid item in the table
    checked_s: float = 0.0  # the comparison with a clean run
    table: dict[str, Any] = field(default_factory=dict)  # differences from a clean run
    letters: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    mapping_states: list[str] = field(default_factory=list)

    @property
    def table_exact(self) -> bool:
        return self.table == {"missing": [], "different": [], "extra": 0}

    @property
    def letters_exact(self) -> bool:
        return ({data: body["kind"] for data, body in self.letters.items()} == self.bad
                and all(b["reason"] and b["sequenceNumber"] and b["partitionKey"] for b in self.letters.values()))


def build(lines: int, seed: int = 13) -> tuple[list[dict[str, Any]], dict[bytes, str], dict]:
    """The PutRecords entries (every BAD_EVERY-th line corrupted), the bad data and the clean run's table."""
    records = orders.customer_lines(lines, seed=seed)
    entries, bad = [], {}
    for n, record in enumerate(records):
        if n % BAD_EVERY == BAD_EVERY - 1:
            data = CORRUPTIONS[(n // BAD_EVERY) % len(CORRUPTIONS)](record)
            kind = kind_of(data)
            if kind is None:
                raise AssertionError(f"corruption {(n // BAD_EVERY) % len(CORRUPTIONS)} left a valid line")
            bad[data] = kind
        else:
            data = gen.encode(record)
        entries.append({"Data": data, "PartitionKey": gen.partition_key(record)})
    want = orders.expected_items(r for n, r in enumerate(records) if n % BAD_EVERY != BAD_EVERY - 1)
    return entries, bad, want


def run(settings: Settings, lines: int, *, timeout: float = 600.0) -> MalformedRun:
    """Replay `lines` lines with 1 % corrupted on an emptied pipeline 1 and collect what happened."""
    orders.reset(settings)
    entries, bad, want = build(lines)
    result = MalformedRun(lines, bad, want)
    summary = gen.ReplaySummary(stream=settings.names.orders_stream)
    sender = gen.KinesisSender(client("kinesis", settings), settings.names.orders_stream, summary)
    started = time.monotonic()
    for start in range(0, len(entries), 500):
        sender.send(entries[start : start + 500])
    if summary.sent != lines or summary.failed:
        raise AssertionError(f"the producer sent {summary.sent} of {lines} lines ({summary.failed} failed)")
    # the last line is valid and follows the last bad one: once it is in, the flow went past them all
    orders.wait_for_items(settings, len(want), timeout=timeout)
    result.processed_s = time.monotonic() - started

    def all_dead_lettered() -> bool:
        for body in orders.drain_dlq(settings):
            result.letters[base64.b64decode(body["data"])] = body
        return len(result.letters) >= len(bad)

    wait_until(all_dead_lettered, timeout=120, interval=0.5, message=f"{len(bad)} dead letters")
    started = time.monotonic()
    result.table = orders.table_matches(settings, want)
    result.checked_s = time.monotonic() - started
    mappings = client("lambda", settings).list_event_source_mappings(FunctionName=settings.names.orders_function)
    result.mapping_states = [m["State"] for m in mappings["EventSourceMappings"]]
    return result
