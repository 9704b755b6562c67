"""kill -9 of a ProcessOrders worker process 10 times during a replay: nothing lost, re-deliveries
idempotent (the table equals the one a clean run gives, item by item).

The workers are found through the OS (descendants of the stack's supervisor whose environment holds
the reserved AWS_LAMBDA_FUNCTION_NAME), as an operator would find them with `ps`.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from generators import orders as gen
from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.reliability import orders, procs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

KILLS = 10
LINES = 10_000
RATE = 400.0  # lines/s: the replay lasts ~25 s, long enough for ten kills while batches are in flight


def test_killing_lambda_workers_loses_nothing_and_doubles_nothing(reliability_stack):
    settings = reliability_stack
    orders.reset(settings)
    records = orders.customer_lines(LINES, seed=29)
    want = orders.expected_items(records)
    function = settings.names.orders_function
    result: dict[str, gen.ReplaySummary] = {}
    producer = threading.Thread(target=lambda: result.update(summary=gen.replay_records(
        client("kinesis", settings), settings.names.orders_stream, iter(records), rate=RATE, source="kill test")))
    producer.start()
    killed: list[int] = []
    seen = {"items": orders.item_count(settings)}

    def progressed() -> bool:
        """The table grew since the last kill (or is complete): the pipeline recovered."""
        count = orders.item_count(settings)
        grew, seen["items"] = count > seen["items"] or count >= len(want), max(count, seen["items"])
        return grew

    try:
        while len(killed) < KILLS:
            # a worker that is not one already killed (a killed one may linger a moment as a zombie)
            victims = wait_until(lambda: [p for p in procs.lambda_workers(settings, function) if p not in killed],
                                 timeout=60, interval=0.05, message=f"a live {function} worker to kill")
            os.kill(victims[0], signal.SIGKILL)
            killed.append(victims[0])
            wait_until(progressed, timeout=60, interval=0.1, message="the pipeline to make progress after a kill")
    finally:
        producer.join()
    assert result["summary"].sent == LINES and result["summary"].failed == 0
    assert len(killed) == KILLS

    orders.wait_for_items(settings, len(want), timeout=180)
    assert orders.table_matches(settings, want) == {"missing": [], "different": [], "extra": 0}
    assert orders.drain_dlq(settings) == []  # a crash is retried, never dead-lettered as a bad record

