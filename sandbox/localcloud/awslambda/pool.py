"""Per-function pools of warm Lambda workers: cold starts, reuse, replacement and counters.

Execution environments: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
One cold start per function version and configuration (code SHA-256 + handler, runtime, memory,
timeout, environment); warm workers are reused; up to ``MAX_WORKERS_PER_FUNCTION`` concurrent
invocations per version (each worker runs one invocation at a time, further callers wait). A
worker that timed out or exited is closed and the next invocation starts a new one. A worker idle
for longer than ``settings.lambda_idle_seconds`` is stopped (AWS reclaims idle environments too),
so memory stays bounded however many functions have run; the next invocation is a cold start.

Known gaps: no reserved-concurrency throttling, no SnapStart, no layers.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sandbox.localcloud.awslambda import credentials
from sandbox.localcloud.awslambda.config import FunctionConfig, Outcome
from sandbox.localcloud.awslambda.logs import log_stream_name
from sandbox.localcloud.awslambda.process import Worker
from sandbox.settings import Settings

MAX_WORKERS_PER_FUNCTION = 4
REAP_EVERY_MAX_SECONDS = 30.0


class BadCode(Exception):
    """The function's code cannot be unpacked (not a zip archive)."""


class Pool:
    """The warm workers of one function version with one configuration."""

    def __init__(self, config: FunctionConfig, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.size = size
        self.clock = clock
        self.idle: list[Worker] = []
        self.idle_since: dict[int, float] = {}  # id(worker) -> when it was released
        self.busy = 0  # workers in use or being started
        self.retired = False
        self.cond = threading.Condition()

    def acquire(self) -> Worker | None:
        """An idle worker, or None when the caller should start one (its slot is reserved)."""
        with self.cond:
            while True:
                if self.idle:
                    self.busy += 1
                    worker = self.idle.pop()
                    self.idle_since.pop(id(worker), None)
                    return worker
                if self.busy < self.size:
                    self.busy += 1
                    return None
                self.cond.wait()

    def release(self, worker: Worker | None, reusable: bool) -> None:
        with self.cond:
            self.busy -= 1
            keep = worker is not None and reusable and not self.retired
            if keep:
                self.idle.append(worker)  # type: ignore[arg-type]
                self.idle_since[id(worker)] = self.clock()
            self.cond.notify()
        if worker is not None and not keep:
            worker.close()

    def retire(self) -> list[Worker]:
        """Stop reusing this pool (a new configuration or shutdown); returns the idle workers."""
        with self.cond:
            self.retired = True
            idle, self.idle = self.idle, []
            self.idle_since.clear()
            self.cond.notify_all()
        return idle

    def reap(self, idle_seconds: float) -> list[Worker]:
        """Take out the workers idle for `idle_seconds` or longer (the caller closes them)."""
        cutoff = self.clock() - idle_seconds
        with self.cond:
            stale = [w for w in self.idle if self.idle_since.get(id(w), cutoff) <= cutoff]
            if stale:
                self.idle = [w for w in self.idle if w not in stale]
                for worker in stale:
                    self.idle_since.pop(id(worker), None)
        return stale

    @property
    def warm(self) -> int:
        return len(self.idle) + self.busy


@dataclass
class Stats:
    function: str
    version: str
    invocations: int = 0
    errors: int = 0
    cold_starts: int = 0
    last_duration_ms: float | None = None
    last_error: str | None = None


class WorkerPools:
    """Every function version's pool, the unzipped code they run, and their counters for describe()."""

    def __init__(
        self, settings: Settings, code_root: Path, *, clock: Callable[[], float] = time.monotonic, reaper: bool = True
    ) -> None:
        self.settings = settings
        self.code_root = code_root
        self.clock = clock
        self.idle_seconds = settings.lambda_idle_seconds
        self._pools: dict[tuple[str, str, str, str], Pool] = {}
        self._pools_lock = threading.Lock()
        self._stats: dict[tuple[str, str, str, str], Stats] = {}
        self._stats_lock = threading.Lock()
        self._code_lock = threading.Lock()
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None
        if reaper:
            self._reaper = threading.Thread(target=self._reap_loop, name="lambda-reaper", daemon=True)
            self._reaper.start()

    def pool(self, config: FunctionConfig) -> Pool:
        """The pool for this version; a changed configuration retires the old one (a new cold start)."""
        stale: list[Worker] = []
        with self._pools_lock:
            pool = self._pools.get(config.pool_key)
            if pool is None or pool.config != config:
                if pool is not None:
                    stale = pool.retire()
                pool = self._pools[config.pool_key] = Pool(config, MAX_WORKERS_PER_FUNCTION, self.clock)
        for worker in stale:
            worker.close()
        return pool

    def start_worker(self, fn: Any, config: FunctionConfig) -> Worker:
        """A cold start: unzip the code once, spawn a worker and import the handler."""
        task_root = self._task_root(fn, config)
        fallback = credentials.Credentials(self.settings.access_key_id, self.settings.secret_access_key)
        keys = credentials.for_role(config.role, config.name, config.region, fallback)
        return Worker(config, task_root, self.settings, log_stream_name(config), keys.environment())

    def _task_root(self, fn: Any, config: FunctionConfig) -> Path:
        """The unzipped code of this function version: extracted once per code SHA-256."""
        digest = config.code_digest or config.code_sha256.replace("/", "_").replace("+", "-")
        target = self.code_root / f"{safe_file_name(config.name)}-{safe_file_name(digest[:20])}"
        with self._code_lock:
            if target.is_dir():
                return target
            staging = target.with_name(target.name + f".tmp{os.getpid()}")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            code = getattr(fn, "code_bytes", b"") or b""
            try:
                with zipfile.ZipFile(io.BytesIO(code)) as archive:
                    archive.extractall(staging)
            except zipfile.BadZipFile:
                shutil.rmtree(staging, ignore_errors=True)
                raise BadCode(f"the code of {config.name} is not a zip archive: deploy a .zip with the handler at its root")
            staging.rename(target)
            return target

    def record(self, config: FunctionConfig, outcome: Outcome, cold: bool) -> None:
        """Count one finished invocation of ``config`` (cold start, error type, duration)."""
        with self._stats_lock:
            stats = self._stats.get(config.pool_key)
            if stats is None:
                stats = self._stats[config.pool_key] = Stats(config.name, config.version)
            stats.invocations += 1
            stats.last_duration_ms = outcome.duration_ms
            if cold:
                stats.cold_starts += 1
            if outcome.error:
                stats.errors += 1
                stats.last_error = _error_type(outcome.payload)

    def reap(self) -> int:
        """Stop every worker idle for longer than the idle time; how many were stopped."""
        with self._pools_lock:
            pools = list(self._pools.values())
        stale = [worker for pool in pools for worker in pool.reap(self.idle_seconds)]
        for worker in stale:
            worker.close()
        return len(stale)

    def _reap_loop(self) -> None:
        every = min(REAP_EVERY_MAX_SECONDS, self.idle_seconds / 4)
        while not self._stop.wait(every):
            self.reap()

    def retire_all(self) -> None:
        """Close every idle worker and forget the pools; busy workers close on release."""
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            for worker in pool.retire():
                worker.close()

    def reset(self) -> None:
        """Retire every worker and forget the counters (moto's reset)."""
        self.retire_all()
        with self._stats_lock:
            self._stats.clear()

    def stop(self) -> None:
        """Stop the reaper and every idle worker (shutdown)."""
        self._stop.set()
        if self._reaper is not None:
            self._reaper.join(timeout=5)
        self.retire_all()

    def describe(self) -> list[dict[str, Any]]:
        """One row per function version: warm workers, invocations, errors, last duration."""
        with self._pools_lock:
            warm = {key: pool.warm for key, pool in self._pools.items()}
        with self._stats_lock:
            stats = list(self._stats.items())
        return [
            {
                "function": s.function,
                "version": s.version,
                "warm_workers": warm.get(key, 0),
                "invocations": s.invocations,
                "errors": s.errors,
                "cold_starts": s.cold_starts,
                "last_duration_ms": None if s.last_duration_ms is None else round(s.last_duration_ms, 2),
                "last_error": s.last_error,
            }
            for key, s in sorted(stats, key=lambda item: item[0])
        ]


def _error_type(payload: bytes) -> str | None:
    try:
        return json.loads(payload).get("errorType")
    except (ValueError, AttributeError):
        return None


def safe_file_name(name: str) -> str:
    """`name` as one path component: AWS's name characters kept, anything else (/, .., NUL) replaced.

    moto accepts function names AWS rejects (`../../x`); the code directory must stay under the
    state dir whatever the name.
    """
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64]
    return cleaned or "_"
