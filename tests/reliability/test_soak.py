"""A 60 s soak of pipeline 1 (tests/reliability/soak.py): nothing lost; memory growth under 10 % is the
goal, and a known failure today: localcloud keeps ~3-4 KB per order sent, of which Kinesis retention
explains ~0.8 KB (docs/RELIABILITY.md). The test reports it as an expected failure with the growth
by component, so it neither passes silently nor blocks the rest of the suite.
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
    if result.growth >= GROWTH_LIMIT:  # known failure (docs/RELIABILITY.md): reported as such, never as a pass
        pytest.xfail(f"memory growth {result.growth:.1%} >= {GROWTH_LIMIT:.0%} (issue 13, open): {result.render()}")
