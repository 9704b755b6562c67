"""`cadabra up` / `cadabra down` for the embedded stack: preflight, spawn, wait for health, stop by PID."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from sandbox.settings import Settings, subprocess_env
from sandbox.stack import health, processes
from sandbox.stack.errors import StackError

Progress = Callable[[str], None]

PORT_SETTINGS = {"aws": "CADABRA_AWS_PORT", "opensearch": "CADABRA_OPENSEARCH_PORT",
                 "postgres": "CADABRA_POSTGRES_PORT", "console": "CADABRA_CONSOLE_PORT"}


def supervisor_pid(settings: Settings) -> int | None:
    """PID of a live supervisor of this state dir, else None (a stale PID file is ignored)."""
    try:
        pid = int(settings.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if processes.alive(pid) else None


def _who_listens(port: int) -> str:
    ss = shutil.which("ss")
    if not ss:
        return ""
    out = subprocess.run([ss, "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout.strip()
    return f" ({out.split('users:')[-1].strip()})" if "users:" in out else ""


def preflight(settings: Settings) -> None:
    """Everything that would make the start fail half-way, checked before anything starts."""
    problems: list[str] = []
    for name, port in settings.ports.as_dict().items():
        if health.port_busy("127.0.0.1", port):
            problems.append(
                f"port {port} ({name}) is already in use{_who_listens(port)}: stop that process, "
                f"or pick another port with {PORT_SETTINGS[name]}=<port>"
            )
    try:
        from sandbox.stack.postgres import Postgres

        Postgres(settings).check_reachable()
    except StackError as exc:
        problems.append(str(exc))
    if not _java_available():
        problems.append(
            "Java not found (Spark needs a JRE 17+): install one (Debian/Ubuntu: "
            "`apt-get install openjdk-17-jre-headless`) or use `STACK=docker make up`"
        )
    if problems:
        raise StackError("cannot start the embedded stack:\n  - " + "\n  - ".join(problems))


def _java_available() -> bool:
    java = shutil.which("java")
    if java is None:
        return False
    try:
        return subprocess.run([java, "-version"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def up(settings: Settings, progress: Progress = lambda _m: None, timeout: float = 60.0) -> bool:
    """Start the stack in the background and wait until every component is healthy.

    Returns False when it was already up (nothing started), True when it started it.
    """
    if supervisor_pid(settings) is not None:
        checked = health.components(settings)
        if all(c["healthy"] for c in checked.values()):
            progress("the embedded stack is already up")
            return False
        raise StackError(
            "an embedded stack is running but unhealthy: "
            + ", ".join(n for n, c in checked.items() if not c["healthy"])
            + f"; see {settings.log_dir} or run `make down` then `make up`"
        )
    recover(settings, progress)
    preflight(settings)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    settings.stack_file.write_text(settings.stack.value)
    progress("starting localcloud, opensearch, postgres, console")
    with open(settings.log_dir / "supervisor.out", "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.stack.supervisor"],
            env=subprocess_env(settings),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the shell that ran `make up`
        )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise StackError(
                f"the embedded stack failed to start (exit {process.returncode}):\n"
                + _tail(settings.log_dir / "supervisor.out") + _tail(settings.log_dir / "supervisor.log")
            )
        checked = health.components(settings)
        if all(c["healthy"] for c in checked.values()):
            return True
        if time.monotonic() > deadline:
            processes.terminate(process.pid)
            bad = {n: c.get("error") for n, c in checked.items() if not c["healthy"]}
            raise StackError(f"the embedded stack was not healthy after {timeout:.0f}s: {bad}; logs in {settings.log_dir}")
        time.sleep(0.1)


def recover(settings: Settings, progress: Progress = lambda _m: None, grace: float = 5.0) -> None:
    """Clear what a supervisor that died without stopping (kill -9, OOM) left behind, so `up` needs no
    manual clean-up: its stale PID file, the PostgreSQL that pg_ctl detached from it, and children
    still holding its ports or state (osmem-server and the stream job exit by themselves when their
    parent goes; one that does not within `grace` seconds is stopped by PID). Nothing to do when no PID
    file is left."""
    if not settings.pid_file.exists():
        return
    progress(f"removing the stale PID file {settings.pid_file} (its supervisor is gone)")
    settings.pid_file.unlink(missing_ok=True)
    if _stop_leftover_postgres(settings):
        progress("stopped the PostgreSQL a dead supervisor left running")
    deadline = time.monotonic() + grace
    while processes.of_state_dir(settings.state_dir, LEFTOVERS) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in processes.of_state_dir(settings.state_dir, LEFTOVERS):
        progress(f"stopping PID {pid} ({' '.join(processes.cmdline(pid)[:3])}), left running by the dead supervisor")
        processes.terminate(pid, timeout=5.0, group=processes.leads_group(pid))


# What a supervisor runs that holds ports or state: osmem-server, a supervisor, the stream jobs (which
# stop by themselves when re-parented; one still running after the grace time is stopped with its JVM).
LEFTOVERS = ("osmem-server", "sandbox.stack.supervisor", "spark_jobs.")


def _tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""


def down(settings: Settings, progress: Progress = lambda _m: None, timeout: float = 40.0) -> bool:
    """Stop the supervisor (which stops its components). Returns False when nothing was running."""
    pid = supervisor_pid(settings)
    stopped = False
    if pid is not None:
        progress(f"stopping the embedded stack (supervisor PID {pid})")
        processes.terminate(pid, timeout)
        stopped = True
    stopped |= _stop_leftover_postgres(settings)
    settings.pid_file.unlink(missing_ok=True)
    settings.stack_file.unlink(missing_ok=True)
    return stopped


def _stop_leftover_postgres(settings: Settings) -> bool:
    """A PostgreSQL left by a killed supervisor is stopped too (by its postmaster PID)."""
    from sandbox.stack.postgres import Postgres

    if not (settings.postgres_data_dir / "postmaster.pid").exists():
        return False
    try:
        pg = Postgres(settings)
    except StackError:
        return False
    if pg.pid() is None or not processes.alive(pg.pid()):
        return False
    pg.stop()
    return True
