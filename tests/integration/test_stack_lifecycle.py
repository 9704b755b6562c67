"""`cadabra up` / `status` / `down` of the embedded stack as a user runs them (subprocesses, own ports)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.stack import processes
from sandbox.stack.health import port_busy
from tests.conftest import free_port

pytestmark = pytest.mark.slow


def _env(state_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADABRA_")}
    env.update(
        CADABRA_STATE_DIR=str(state_dir),
        CADABRA_STACK="embedded",
        CADABRA_AWS_PORT=str(ports["aws"]),
        CADABRA_OPENSEARCH_PORT=str(ports["opensearch"]),
        CADABRA_POSTGRES_PORT=str(ports["postgres"]),
        CADABRA_CONSOLE_PORT=str(ports["console"]),
    )
    return env


def cadabra(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", *args], env=env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def stack_env():
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="cadabra-test-"))
    root.chmod(0o755)  # as root, PostgreSQL runs as the `postgres` user, who must reach the state dir
    ports = {name: free_port() for name in ("aws", "opensearch", "postgres", "console")}
    env = _env(root / "state", ports)
    yield env, ports
    cadabra(env, "down")  # whatever a failing test left behind
    shutil.rmtree(root, ignore_errors=True)


def _pids(state_dir: Path) -> list[int]:
    pids = [int((state_dir / "supervisor.pid").read_text())]
    pids.append(int((state_dir / "postgres" / "postmaster.pid").read_text().splitlines()[0]))
    return pids


def test_up_status_up_again_down(stack_env):
    env, ports = stack_env
    state_dir = Path(env["CADABRA_STATE_DIR"])

    started = cadabra(env, "up", "--no-deploy")
    assert started.returncode == 0, started.stdout + started.stderr
    assert "stack healthy" in started.stdout

    status = cadabra(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    document = json.loads(status.stdout)
    assert document["aws"] == f"http://127.0.0.1:{ports['aws']}"
    assert document["opensearch"] == f"http://127.0.0.1:{ports['opensearch']}"
    assert document["postgres"] == f"postgresql://cadabra:cadabra@127.0.0.1:{ports['postgres']}/dev"
    assert document["console"] == f"http://127.0.0.1:{ports['console']}"
    assert set(document["components"]) == {"supervisor", "localcloud", "opensearch", "postgres", "console"}
    assert all(c["healthy"] for c in document["components"].values()), document
    assert document["components"]["localcloud"]["account"] == "000000000000"
    job = document["jobs"]["order_rate_alarm"]  # started in the background: `up` did not wait for Spark
    assert job["state"] in {"starting", "running"} and job["healthy"], job
    pids = _pids(state_dir)

    again = cadabra(env, "up", "--no-deploy")
    assert again.returncode == 0, again.stderr
    assert "already up" in again.stdout
    assert _pids(state_dir) == pids  # nothing restarted
    assert json.loads(cadabra(env, "status", "--json").stdout)["jobs"]["order_rate_alarm"]["pid"] == job["pid"]
    pids.append(job["pid"])  # `down` stops the stream job too

    stopped = cadabra(env, "down")
    assert stopped.returncode == 0, stopped.stderr
    for name, port in ports.items():
        assert not port_busy("127.0.0.1", port), f"{name} still listening on {port}"
    assert not any(processes.alive(pid) for pid in pids)
    with pytest.raises(ProcessLookupError):  # nor anything of the job's process group (its JVM)
        os.killpg(job["pid"], 0)
    assert not (state_dir / "supervisor.pid").exists()
    assert cadabra(env, "status", "--json").returncode == 1  # down is reported as unhealthy


def test_a_busy_port_gives_one_clear_message_and_starts_nothing(stack_env):
    env, ports = stack_env
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["opensearch"]))
        squatter.listen()
        result = cadabra(env, "up")
    assert result.returncode != 0
    assert f"port {ports['opensearch']} (opensearch) is already in use" in result.stderr
    assert "CADABRA_OPENSEARCH_PORT" in result.stderr
    for name in ("aws", "postgres", "console"):
        assert not port_busy("127.0.0.1", ports[name])
    assert not (Path(env["CADABRA_STATE_DIR"]) / "supervisor.pid").exists()
