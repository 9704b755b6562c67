"""The stack's supervisor killed with SIGKILL: `cadabra status` says what is down, and `cadabra up`
(what `make up` runs) brings the stack back with no manual clean-up of PID files or ports.

A supervisor that dies without its SIGTERM handler leaves a stale PID file and a PostgreSQL that
pg_ctl detached from it (still holding its port); osmem-server exits when its parent goes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from sandbox.settings import Settings, load
from sandbox.waiting import wait_until
from tests.bench._stack import stack_env
from tests.reliability import procs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def _cadabra(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sandbox.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def own_stack() -> Iterator[tuple[dict[str, str], Settings]]:
    root = Path(tempfile.mkdtemp(prefix="cadabra-reliability-"))
    root.chmod(0o755)  # PostgreSQL runs as `postgres` when the tests run as root
    env = stack_env(root)
    try:
        up = _cadabra(env, "up", "--no-deploy")
        assert up.returncode == 0, up.stdout + up.stderr
        yield env, load(env)
    finally:
        _cadabra(env, "down")
        shutil.rmtree(root, ignore_errors=True)


def test_after_the_supervisor_is_killed_status_names_what_is_down_and_up_recovers(own_stack):
    env, settings = own_stack
    supervisor = procs.supervisor(settings)
    assert supervisor is not None
    job = wait_until(lambda: _job_pid(settings), timeout=30, message="the stream job to start")
    os.kill(supervisor, signal.SIGKILL)
    wait_until(lambda: not procs.alive(supervisor), timeout=10, message="the supervisor to die")

    status = _cadabra(env, "status", "--json")
    assert status.returncode == 1  # unhealthy
    components = json.loads(status.stdout)["components"]
    assert not components["supervisor"]["healthy"]
    assert "stale PID file" in components["supervisor"]["error"] and "make up" in components["supervisor"]["error"]
    assert not components["localcloud"]["healthy"] and not components["console"]["healthy"]
    table = _cadabra(env, "status")
    assert "supervisor" in table.stdout and "down" in table.stdout

    again = _cadabra(env, "up", "--no-deploy")
    assert again.returncode == 0, again.stdout + again.stderr
    document = json.loads(_cadabra(env, "status", "--json").stdout)
    assert document["healthy"], document
    assert procs.supervisor(settings) not in (None, supervisor)
    assert settings.pid_file.read_text().strip() == str(procs.supervisor(settings))
    # the dead supervisor's stream job (its own process group, the JVM too) is gone: only the new one runs
    wait_until(lambda: not procs.alive(job), timeout=30, message="the orphaned stream job to stop")
    with pytest.raises(ProcessLookupError):
        os.killpg(job, 0)
    assert procs.of_state_dir(settings.state_dir, ["spark_jobs."]) in ([], [_job_pid(settings)])


def _job_pid(settings: Settings) -> int | None:
    pids = procs.of_state_dir(settings.state_dir, ["spark_jobs.order_rate_alarm"])
    return pids[0] if len(pids) == 1 else None
