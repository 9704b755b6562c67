"""Fixtures of the event source mapping tests: AWS resources cleaned up after each test, a test-double invoker."""

from __future__ import annotations

import pytest

from tests.localcloud.esm_helpers import FakeLambda, Resources


@pytest.fixture
def fake(localcloud) -> FakeLambda:
    """Replaces the Lambda executor with a recording double (unit-level mapping tests only)."""
    double = FakeLambda()
    localcloud.runtime.set_invoker(double)
    return double


@pytest.fixture
def aws(localcloud):
    resources = Resources(localcloud.settings)
    yield resources
    resources.cleanup()
