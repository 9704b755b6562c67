"""Health of each component, the same checks for every stack (used by status, up and the console)."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from sandbox.settings import Settings, Stack


def _http_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        body = resp.read()
    return json.loads(body) if body else {}


def check_aws(settings: Settings) -> dict[str, Any]:
    """A cheap AWS API call the stack must answer (STS GetCallerIdentity)."""
    from sandbox.aws import client

    started = time.perf_counter()
    identity = client("sts", settings).get_caller_identity()
    return {"healthy": True, "url": settings.aws_endpoint, "account": identity["Account"], "ms": _ms(started)}


def check_opensearch(settings: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    info = _http_json(settings.opensearch_url + "/")
    version = (info.get("version") or {}).get("number")
    return {"healthy": True, "url": settings.opensearch_url, "version": version, "ms": _ms(started)}


def check_postgres(settings: Settings) -> dict[str, Any]:
    import psycopg2

    started = time.perf_counter()
    conn = psycopg2.connect(settings.postgres_dsn, connect_timeout=2)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting('server_version')")
            version = cur.fetchone()[0]
    finally:
        conn.close()
    return {"healthy": True, "dsn": settings.postgres_dsn, "version": version, "ms": _ms(started)}


def check_console(settings: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    _http_json(settings.console_url + "/api/health")
    return {"healthy": True, "url": settings.console_url, "ms": _ms(started)}


CHECKS: dict[str, Callable[[Settings], dict[str, Any]]] = {
    "localcloud": check_aws,
    "opensearch": check_opensearch,
    "postgres": check_postgres,
    "console": check_console,
}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _safe(name: str, check: Callable[[Settings], dict[str, Any]], settings: Settings) -> dict[str, Any]:
    try:
        return check(settings)
    except Exception as exc:  # a failing check is a result, not a crash
        return {"healthy": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def components(settings: Settings, only: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """name → {"healthy": bool, ...} for every component of the stack, checked in parallel."""
    if settings.stack is Stack.AWS:
        return {"aws": _safe("aws", check_aws, settings)}
    names = [n for n in CHECKS if only is None or n in only]
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        results = pool.map(lambda n: _safe(n, CHECKS[n], settings), names)
        return dict(zip(names, results))


def port_busy(host: str, port: int) -> bool:
    """True when something accepts connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def supervisor(settings: Settings) -> dict[str, Any]:
    """Whether the embedded stack's supervisor (the owner of every component) is alive."""
    from sandbox.stack.embedded import supervisor_pid

    pid = supervisor_pid(settings)
    if pid is not None:
        return {"healthy": True, "pid": pid}
    if settings.pid_file.exists():
        error = f"not running (stale PID file {settings.pid_file}): `make up` cleans up and restarts the stack"
    else:
        error = "not running: start the stack with `make up`"
    return {"healthy": False, "error": error}


def jobs(settings: Settings) -> dict[str, dict[str, Any]]:
    """The stream jobs' states (starting, running with last batch and lag, failed with the reason).

    Not part of `components`: `cadabra up` waits for the components only, never for Spark.
    """
    from sandbox.stack.stream_job import job_status

    if settings.stack is Stack.AWS or not settings.stream_jobs:
        return {}
    found = job_status(settings, settings.names.alarms_job)
    return {} if found["state"] == "absent" else {settings.names.alarms_job: found}


def describe(settings: Settings, checked: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The `cadabra status --json` document."""
    checked = components(settings) if checked is None else checked
    if settings.stack is Stack.EMBEDDED:
        checked = {"supervisor": supervisor(settings), **checked}
    stream_jobs = jobs(settings)
    return {
        "stack": settings.stack.value,
        "aws": settings.aws_endpoint or "https://aws.amazon.com (real AWS)",
        "region": settings.region,
        "opensearch": settings.opensearch_url,
        "postgres": settings.postgres_dsn,
        "console": settings.console_url,
        "components": checked,
        "jobs": stream_jobs,
        "healthy": all(c.get("healthy") for c in [*checked.values(), *stream_jobs.values()]),
    }
