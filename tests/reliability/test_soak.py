"""A 60 s soak of pipeline 1 (tests/reliability/soak.py): nothing lost, and the stack's memory grows
less than 10 % (without pipeline 3's stream job; by component in the output). What used to grow,
~3-4 KB per order, is gone (docs/RELIABILITY.md): moto's list of every model instance, two CloudWatch
data points per put call, and every Kinesis record in memory.
The 10-minute run at 1,000 orders/s is `python -m tests.bench.run soak` (not --quick)."""

from __future__ import annotations

import pytest

from tests.reliability.soak import run_soak

pytestmark = [pytest.mark.slow, pytest.mark.timeout(360)]

GROWTH_LIMIT = 0.10


def test_a_60_second_soak_keeps_memory_flat_and_loses_nothing(reliability_stack):
    result = run_soak(reliability_stack, rate=200.0, seconds=60.0, distinct=3000)
    print(result.render())
    assert result.sent == round(result.seconds * result.rate) and result.failed == 0  # every pass sent
    assert result.lost_nothing, result.mismatched
    assert len(result.samples) >= 10  # the memory was sampled through the run
    assert result.growth < GROWTH_LIMIT, result.render()
