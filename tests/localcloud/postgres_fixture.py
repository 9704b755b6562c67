"""A PostgreSQL server for one test module (the Redshift stand-in), on a free port."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest

from sandbox.settings import Ports, Settings, load
from tests.conftest import free_port


@pytest.fixture(scope="module")
def postgres_port() -> Iterator[int]:
    from sandbox.stack.errors import StackError
    from sandbox.stack.postgres import Postgres

    state = Path(tempfile.mkdtemp(prefix="cadabra-pg-"))
    os.chmod(state, 0o755)
    settings = replace(load({"CADABRA_STATE_DIR": str(state)}), ports=Ports(postgres=free_port()))
    try:
        server = Postgres(settings)
    except StackError as exc:
        shutil.rmtree(state, ignore_errors=True)
        pytest.skip(str(exc))
    server.start()
    try:
        yield settings.ports.postgres
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)  # the cluster's data: nothing of a test run stays in /tmp


def with_postgres(settings: Settings, port: int) -> Settings:
    return replace(settings, ports=replace(settings.ports, postgres=port))


@pytest.fixture
def isolated_settings(isolated_settings, postgres_port):  # noqa: F811 - conftest's, with this module's PostgreSQL
    """Import it beside `postgres_port` in a module whose `localcloud` fixture needs the Redshift stand-in."""
    return with_postgres(isolated_settings, postgres_port)
