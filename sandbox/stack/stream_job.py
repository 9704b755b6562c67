"""Stream jobs as supervised child processes: started in the background, restarted when they die,
stopped by PID; their state (starting / running / failed) for `cadabra status` and the console.

The supervisor of the embedded stack runs pipeline 3's Spark job (`spark_jobs/order_rate_alarm.py`)
through `StreamJob`: `start()` returns at once, so `cadabra up` is not delayed by Spark's start. A
job that exits is started again after a back-off (1 s doubling to 30 s, reset after a minute of
running); it resumes from its checkpoint. On the Docker stack the `sandbox` container runs the same
job against the compose file's Spark master (`CADABRA_SPARK_MASTER`).

State comes from two files under ``STATE_DIR/jobs/<name>/``: ``status.json``, written by the job
(state, last micro-batch, lag, last alarm), and ``supervisor.json``, written here (PID, restarts,
last exit and its reason). `job_status()` combines them; a dead PID means failed whatever the job last
wrote.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sandbox.backoff import Backoff
from sandbox.settings import Settings, subprocess_env
from sandbox.stack import processes

log = logging.getLogger("cadabra.stream_job")

BACKOFF_START, BACKOFF_MAX, HEALTHY_AFTER = 1.0, 30.0, 60.0
STOP_TIMEOUT = 20.0


def job_dir(settings: Settings, name: str) -> Path:
    return settings.jobs_dir / name


def order_rate_alarm_argv(settings: Settings) -> list[str]:
    """The command line of pipeline 3's job for this stack (the same on the embedded and Docker stacks)."""
    names, alarm = settings.names, settings.alarm
    argv = [
        sys.executable, "-m", "spark_jobs.order_rate_alarm",
        "--orders-stream", names.orders_stream,
        "--alarms-stream", names.alarms_stream,
        "--region", settings.region,
        "--checkpoint", str(settings.checkpoint_dir / names.alarms_job),
        "--status-file", str(job_dir(settings, names.alarms_job) / "status.json"),
        "--window-seconds", str(alarm.window_seconds),
        "--slide-seconds", str(alarm.slide_seconds),
        "--threshold", str(alarm.threshold),
        "--suppress-seconds", str(alarm.suppress_seconds),
        "--master", settings.spark_master,
        "--exit-with-parent",
    ]
    if settings.aws_endpoint:
        argv += ["--endpoint-url", settings.aws_endpoint]
    return argv


class StreamJob:
    """One job process, kept running by a monitor thread until `stop()`."""

    def __init__(self, settings: Settings, name: str, argv: list[str]) -> None:
        self.settings, self.name, self.argv = settings, name, argv
        self.folder = job_dir(settings, name)
        self._stop = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process and self._process.poll() is None else None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name=f"job-{self.name}", daemon=True)
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = subprocess_env(self.settings)
        env.setdefault("AWS_ACCESS_KEY_ID", self.settings.access_key_id)
        env.setdefault("AWS_SECRET_ACCESS_KEY", self.settings.secret_access_key)
        with open(self.settings.log_dir / f"{self.name}.log", "ab") as out:
            process = subprocess.Popen(
                self.argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the JVM is stopped with it
            )
        log.info("%s started (PID %s)", self.name, process.pid)
        return process

    def _run(self) -> None:
        backoff = Backoff(BACKOFF_START, BACKOFF_MAX)
        while not self._stop.is_set():
            started = time.monotonic()
            (self.folder / "status.json").unlink(missing_ok=True)  # the last run's state is not this one's
            self._process = self._spawn()
            self._record(state="running", pid=self._process.pid, restarting_in=None)
            while self._process.poll() is None and not self._stop.wait(0.5):
                pass
            if self._stop.is_set():
                break
            code = self._process.returncode
            if time.monotonic() - started > HEALTHY_AFTER:
                backoff.reset()
            delay = backoff.next()
            reason = _exit_reason(code, self.folder / "status.json")
            log.warning("%s exited (%s); restarting in %.0fs", self.name, reason, delay)
            self.restarts += 1
            self._record(state="failed", pid=None, last_exit=reason, last_exit_at=time.time(), restarting_in=delay)
            if self._stop.wait(delay):
                break

    def _record(self, **values: Any) -> None:
        path = self.folder / "supervisor.json"
        current = _read_json(path) or {}
        current.update(values, restarts=self.restarts, argv=self.argv)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(current, default=str))
        os.replace(tmp, path)

    def stop(self) -> None:
        self._stop.set()
        process = self._process
        if process is not None and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        if process is not None:
            _signal_group(process.pid, signal.SIGKILL)  # whatever the job left in its group (the JVM)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._record(state="stopped", pid=None, restarting_in=None)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _exit_reason(code: int | None, status_file: Path) -> str:
    status = _read_json(status_file) or {}
    if status.get("error"):
        return str(status["error"])
    if code is not None and code < 0:
        return f"killed by signal {-code}"
    return f"exit code {code}; see the job's log"


def job_status(settings: Settings, name: str) -> dict[str, Any]:
    """{"state": starting|running|failed|stopped|absent, "healthy", "detail", ...} for status and the console."""
    folder = job_dir(settings, name)
    supervision = _read_json(folder / "supervisor.json")
    status = _read_json(folder / "status.json") or {}
    if supervision is None:
        return {"state": "absent", "healthy": True, "detail": "not started by this stack"}
    result: dict[str, Any] = {
        "restarts": supervision.get("restarts", 0), "last_exit": supervision.get("last_exit"), "pid": supervision.get("pid"),
        **{k: status.get(k) for k in ("job_id", "last_batch_at", "last_arrival_at", "lag_seconds", "batches", "alarms_raised",
                                      "last_alarm", "config")},
    }
    if supervision.get("state") == "stopped":
        return {**result, "state": "stopped", "healthy": True, "detail": "stopped"}
    if supervision.get("state") == "failed" or not (supervision.get("pid") and processes.alive(supervision["pid"])):
        reason = supervision.get("last_exit") or status.get("error") or "the process is gone"
        again = supervision.get("restarting_in")
        detail = f"failed: {reason}" + (f" (restarting in {again:.0f}s)" if again else "")
        return {**result, "state": "failed", "healthy": False, "detail": detail, "error": reason}
    if status.get("state") == "failed":
        return {**result, "state": "failed", "healthy": False, "detail": f"failed: {status.get('error')}",
                "error": status.get("error")}
    if status.get("state") == "running" and status.get("last_batch_at"):
        lag = status.get("lag_seconds")
        detail = f"running; last batch {status['last_batch_at']}" + (f", lag {lag:.1f}s" if lag is not None else "")
        return {**result, "state": "running", "healthy": True, "detail": detail}
    if status.get("state") == "running":
        return {**result, "state": "running", "healthy": True, "detail": "running; no micro-batch yet (no orders)"}
    return {**result, "state": "starting", "healthy": True, "detail": f"starting: {status.get('detail') or 'launching'}"}
