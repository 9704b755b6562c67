"""Fixtures of the fault, load and security tests: one private, deployed embedded stack for the session.

The tests kill its Lambda workers, freeze its search server and flood it, so it is never the
developer's stack nor the e2e tests' shared one: `cadabra up` on free ports with its own state dir,
started on first use and stopped (`cadabra down`) at the end of the session.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from sandbox.settings import Settings
from tests.bench._stack import private_stack


@pytest.fixture(scope="session")
def reliability_stack() -> Iterator[Settings]:
    with private_stack(deploy=True) as settings:
        yield settings
