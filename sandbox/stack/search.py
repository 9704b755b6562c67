"""osmem-server: the OpenSearch-API server of the embedded stack (in memory, starts in milliseconds)."""

from __future__ import annotations

import os
import subprocess

from sandbox.settings import Settings
from sandbox.stack.errors import StackError


def binary() -> str:
    try:
        from osmem_server import resolve_binary
    except ImportError:  # pragma: no cover - a dependency of the project
        raise StackError("osmem-server is not installed: run `make setup`") from None
    return resolve_binary()


class SearchServer:
    """One osmem-server child process bound to loopback; it exits when its parent disappears."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.settings.log_dir / "opensearch.log", "ab")
        address = f"{self.settings.hosts.opensearch}:{self.settings.ports.opensearch}"
        self.process = subprocess.Popen(
            [binary(), "-addr", address, "-parent-pid", str(os.getpid()), "-no-stdin-watch"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None
