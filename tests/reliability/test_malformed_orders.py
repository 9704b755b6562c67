"""1 % malformed order lines in a 100,000-line replay: no valid line lost or doubled, every bad one in
the DLQ with its reason, and the flow never stops (the lines after every bad one arrive).

Sized from a measurement on the 2-core sandbox (docs/BENCHMARKS.md, "Reliability"): 100,000 lines
run end to end in about a minute, so the issue's full size is used.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any, Callable

import pytest

from generators import orders as gen
from pipelines.order_history import handler
from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.reliability import orders

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

LINES = 100_000
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


def _kind(data: bytes) -> str | None:
    try:
        handler.parse_order(handler.decode_data(orders.b64(data)))
    except handler.InvalidRecord as exc:
        return exc.kind
    return None


def test_one_percent_malformed_lines_are_dead_lettered_and_every_valid_line_lands_once(reliability_stack):
    settings = reliability_stack
    orders.reset(settings)
    records = orders.customer_lines(LINES, seed=13)
    entries: list[dict[str, Any]] = []
    bad: dict[bytes, str] = {}  # data → the kind the handler must name
    for n, record in enumerate(records):
        if n % BAD_EVERY == BAD_EVERY - 1:
            data = CORRUPTIONS[(n // BAD_EVERY) % len(CORRUPTIONS)](record)
            kind = _kind(data)
            assert kind is not None, f"corruption {n // BAD_EVERY % len(CORRUPTIONS)} left a valid line"
            bad[data] = kind
        else:
            data = gen.encode(record)
        entries.append({"Data": data, "PartitionKey": gen.partition_key(record)})
    want = orders.expected_items(r for n, r in enumerate(records) if n % BAD_EVERY != BAD_EVERY - 1)
    assert len(bad) == LINES // BAD_EVERY and len(want) > 0.95 * (LINES - len(bad))

    summary = gen.ReplaySummary(stream=settings.names.orders_stream)
    sender = gen.KinesisSender(client("kinesis", settings), settings.names.orders_stream, summary)
    for start in range(0, len(entries), 500):
        sender.send(entries[start : start + 500])
    assert summary.sent == LINES and summary.failed == 0

    # the last line is valid and comes after the last bad one: when it is in, the flow went past them all
    orders.wait_for_items(settings, len(want), timeout=300)
    assert orders.table_matches(settings, want) == {"missing": [], "different": [], "extra": 0}  # none lost or doubled

    letters: dict[bytes, dict[str, Any]] = {}

    def all_dead_lettered() -> bool:
        for body in orders.drain_dlq(settings):
            letters[base64.b64decode(body["data"])] = body
        return len(letters) >= len(bad)

    wait_until(all_dead_lettered, timeout=60, interval=0.5, message=f"{len(bad)} dead letters")
    assert set(letters) == set(bad)  # each bad line once, nothing else
    assert {data: body["kind"] for data, body in letters.items()} == bad
    assert all(body["reason"] and body["sequenceNumber"] and body["partitionKey"] for body in letters.values())
    assert len(Counter(bad.values())) >= 8  # the corruptions exercise many of the handler's reasons

    mapping = client("lambda", settings).list_event_source_mappings(FunctionName=settings.names.orders_function)
    assert all(m["State"] == "Enabled" for m in mapping["EventSourceMappings"])
