"""Shared fixtures: the free-port in-process localcloud for fast module tests."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Iterator

import pytest

from sandbox.settings import Ports, Settings, load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def isolated_settings(tmp_path) -> Settings:
    """Settings on free ports with a private state dir: never touches a developer's stack."""
    base = load({"CADABRA_STATE_DIR": str(tmp_path / "state")})
    ports = Ports(aws=free_port(), opensearch=free_port(), postgres=free_port(), console=free_port())
    return replace(base, ports=ports)


@pytest.fixture
def localcloud(isolated_settings) -> Iterator["object"]:
    """moto + all localcloud extensions in this process, on a free port (fast; no other servers)."""
    from moto.moto_api._internal.models import moto_api_backend

    from sandbox.localcloud.server import LocalCloud

    moto_api_backend.reset()  # moto keeps state per process, across server instances
    cloud = LocalCloud(isolated_settings).start()
    try:
        yield cloud
    finally:
        cloud.stop()
        moto_api_backend.reset()


@pytest.fixture(scope="session")
def stack() -> Iterator[Settings]:
    """The embedded stack on the configured ports, deployed; started once per session if not already up.

    A stack the developer already runs is reused and left running; one this fixture started is stopped.
    """
    from sandbox.deploy import deploy
    from sandbox.settings import get_settings
    from sandbox.stack import embedded, health

    import shutil
    import tempfile
    from pathlib import Path

    settings = get_settings()
    if settings.stack.value != "embedded":
        pytest.skip(f"the end-to-end tests run on the embedded stack, not {settings.stack.value}")
    started = False
    state_root: Path | None = None
    if not all(c["healthy"] for c in health.components(settings).values()):
        # a private, world-traversable state dir: the `postgres` user must reach it when tests run as root
        state_root = Path(tempfile.mkdtemp(prefix="cadabra-tests-"))
        state_root.chmod(0o755)
        settings = replace(settings, state_dir=state_root / "state")
        started = embedded.up(settings)
    try:
        deploy(settings)
        yield settings
    finally:
        if started:
            embedded.down(settings)
        if state_root is not None:
            shutil.rmtree(state_root, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--docs-screenshot", action="store_true",
                     help="tests/browser: write docs/console.png from the web logs page")
