"""The project's own resources: a second deploy on the running stack changes nothing."""

import pytest

from sandbox.deploy import deploy, inventory
from sandbox.deploy.resources import Outcome

pytestmark = [pytest.mark.slow, pytest.mark.stack]


def test_deploying_the_pipelines_again_creates_and_updates_nothing(stack):
    before = inventory(stack)
    report = deploy(stack)
    assert report.outcomes and all(outcome is Outcome.UNCHANGED for *_, outcome in report.outcomes), report.outcomes
    assert inventory(stack) == before
    assert "CadabraOrders" in before["stream"] and "WebLogs" in before["delivery-stream"]
