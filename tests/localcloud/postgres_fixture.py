"""A PostgreSQL server for one test module (the Redshift stand-in), on a free port."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

from sandbox.settings import Ports, Settings, load
from tests.conftest import free_port

if TYPE_CHECKING:
    from sandbox.stack.postgres import Postgres


@pytest.fixture(scope="module")
def postgres_server() -> Iterator["Postgres"]:
    """A started PostgreSQL (sandbox.stack.postgres.Postgres) in a private state dir; its port is
    `server.settings.ports.postgres`. Skips the module when the server binaries are missing."""
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
        yield server
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)  # the cluster's data: nothing of a test run stays in /tmp


@pytest.fixture(scope="module")
def postgres_port(postgres_server) -> int:
    return postgres_server.settings.ports.postgres


def with_postgres(settings: Settings, port: int) -> Settings:
    return replace(settings, ports=replace(settings.ports, postgres=port))


@pytest.fixture
def isolated_settings(isolated_settings, postgres_port):  # noqa: F811 - conftest's, with this module's PostgreSQL
    """Import it beside `postgres_port` in a module whose `localcloud` fixture needs the Redshift stand-in."""
    return with_postgres(isolated_settings, postgres_port)
