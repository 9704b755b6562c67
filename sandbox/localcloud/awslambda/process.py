"""One Lambda execution environment: a worker process running lambda_worker.py, and the pipes to it.

- Python runtime, context, errors: https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html
  (see lambda_worker.py). Timeouts answer ``Sandbox.Timedout``; a worker that exits answers
  ``Runtime.ExitError``; the caller (pool.py) then replaces the worker.
- Environment variables: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
  (the function's own, then the reserved ``AWS_LAMBDA_*``, ``_HANDLER``, ``LAMBDA_TASK_ROOT``...).

Requests and answers use the framed pipe protocol of lambda_worker.py; the handler's output arrives
on a separate log pipe, cut per invocation at ``END_MARKER + request id``.

Known gaps: no memory limit; the handler runs on this venv's Python whatever python3.x the function
declares.
"""

from __future__ import annotations

import json
import logging
import math
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sandbox.localcloud.awslambda.config import FunctionConfig, Outcome, error_payload
from sandbox.localcloud.awslambda.lambda_worker import END_MARKER, HEAD, INIT_TOKEN, encode_frame
from sandbox.settings import Settings

log = logging.getLogger(__name__)

INIT_TIMEOUT_SECONDS = 10.0
WORKER_SCRIPT = Path(__file__).with_name("lambda_worker.py")


class Worker:
    """One worker process (an execution environment) and the pipes to it."""

    def __init__(self, config: FunctionConfig, task_root: Path, settings: Settings, log_stream: str,
                 credentials: dict[str, str] | None = None) -> None:
        """`credentials`: the environment's AWS_ACCESS_KEY_ID, ... (credentials.py); the settings' without."""
        self.config = config
        self.log_stream = log_stream
        self.invocations = 0
        self.init_duration_ms: float | None = None  # spawn + handler import, reported once as Init Duration
        self.init_log = ""
        self.init_error: bytes | None = None
        self._leftover = bytearray()
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        started = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, str(WORKER_SCRIPT), str(req_r), str(resp_w)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=_worker_env(config, task_root, settings, log_stream, credentials),
                cwd=str(task_root),
                pass_fds=(req_r, resp_w),
                start_new_session=True,  # its own process group: a timeout kills what the handler started
            )
        finally:
            os.close(req_r)
            os.close(resp_w)
        self._log_r = self.proc.stdout.fileno()  # type: ignore[union-attr]
        self._poll = select.poll()
        self._poll.register(self._resp_r, select.POLLIN)
        self._poll.register(self._log_r, select.POLLIN)
        self._log_open = True
        meta, body, logs, failure = self._exchange(INIT_TOKEN, time.monotonic() + INIT_TIMEOUT_SECONDS)
        self.init_duration_ms = (time.perf_counter() - started) * 1000
        self.init_log = logs
        if failure == "timeout":
            message = f"the init phase (importing {config.handler}) took longer than {INIT_TIMEOUT_SECONDS:.0f} s"
            self.init_error = error_payload("Runtime.InitTimeout", message)
        elif failure is not None:
            self.init_error = error_payload("Runtime.ExitError", f"Runtime exited during init: {failure}")
        elif meta is not None and meta["status"] != "ok":
            self.init_error = body

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def invoke(self, request_id: str, invoked_arn: str, payload: bytes) -> Outcome:
        timeout = self.config.timeout
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        meta = {"id": request_id, "arn": invoked_arn, "deadline_ms": int((time.time() + timeout) * 1000)}
        try:
            _write_all(self._req_w, encode_frame(meta, payload))
        except OSError:
            pass  # the worker is gone; _exchange reports how it exited
        answer, body, logs, failure = self._exchange(request_id, deadline)
        duration = (time.perf_counter() - started) * 1000
        self.invocations += 1
        if failure == "timeout":
            message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
            return Outcome(error_payload("Sandbox.Timedout", message), True, logs, duration, timed_out=True)
        if failure is not None:
            message = f"RequestId: {request_id} Error: Runtime exited with error: {failure}"
            return Outcome(error_payload("Runtime.ExitError", message), True, logs, duration, exit_error=failure)
        assert answer is not None
        return Outcome(body, answer["status"] != "ok", logs, duration, int(answer.get("max_memory_mb", 0)))

    def _exchange(self, token: str, deadline: float) -> tuple[dict[str, Any] | None, bytes, str, str | None]:
        """Wait for the answer frame and the log bytes before its marker (or a timeout or an exit)."""
        frame = bytearray()
        need: int | None = None
        meta: dict[str, Any] | None = None
        body = b""
        logs = self._leftover
        self._leftover = bytearray()
        marker = END_MARKER + token.encode() + b"\n"
        marker_wanted = True
        while True:
            if meta is not None:
                end = logs.find(marker) if marker_wanted else -1
                if end >= 0 or not marker_wanted or not self._log_open:
                    if end >= 0:
                        self._leftover = logs[end + len(marker) :]
                        del logs[end:]
                    return meta, body, logs.decode("utf-8", "replace"), None
                wait = 2000  # the marker is already in the pipe; this only bounds a misbehaving handler
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill()
                    self._drain_logs(logs)
                    return None, b"", logs.decode("utf-8", "replace"), "timeout"
                wait = max(1, math.ceil(remaining * 1000))
            events = self._poll.poll(wait)
            if not events and meta is not None:
                marker_wanted = False
                continue
            for fd, _ in events:
                if fd == self._log_r:
                    chunk = os.read(fd, 65536)
                    if chunk:
                        logs += chunk
                    else:
                        self._poll.unregister(fd)
                        self._log_open = False
                elif fd == self._resp_r and meta is None:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        return None, b"", self._after_exit(logs), self._exit_reason()
                    frame += chunk
                    if need is None and len(frame) >= HEAD.size:
                        meta_len, body_len = HEAD.unpack_from(frame)
                        need = HEAD.size + meta_len + body_len
                    if need is not None and len(frame) >= need:
                        meta_len, _ = HEAD.unpack_from(frame)
                        meta = json.loads(bytes(frame[HEAD.size : HEAD.size + meta_len]))
                        body = bytes(frame[HEAD.size + meta_len : need])
                        marker_wanted = bool(meta.get("marker", True))

    def _after_exit(self, logs: bytearray) -> str:
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        self._drain_logs(logs)
        return logs.decode("utf-8", "replace")

    def _exit_reason(self) -> str:
        code = self.proc.returncode
        if code is None:
            return "exit status unknown"
        if code < 0:
            return f"signal: {signal.strsignal(-code) or -code}".lower()
        return f"exit status {code}"

    def _drain_logs(self, logs: bytearray) -> None:
        """Read what the dead worker left in its log pipe (bounded: a grandchild may hold it open)."""
        deadline = time.monotonic() + 0.5
        while self._log_open and time.monotonic() < deadline:
            if not self._poll.poll(50):
                continue
            try:
                chunk = os.read(self._log_r, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                self._poll.unregister(self._log_r)
                self._log_open = False
            else:
                logs += chunk

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.error("Lambda worker %s did not exit after SIGKILL", self.proc.pid)

    def close(self) -> None:
        """Retire this environment: close its pipes (it exits on EOF), kill it if it lingers."""
        for fd in (self._req_w, self._resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _worker_env(config: FunctionConfig, task_root: Path, settings: Settings, log_stream: str,
                credentials: dict[str, str] | None = None) -> dict[str, str]:
    """The environment AWS gives a Python function: its variables, then the reserved ones."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin:/opt/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",  # output written before a crash or a timeout still reaches the log
        "AWS_DEFAULT_REGION": config.region,
    }
    if settings.aws_endpoint:
        env["AWS_ENDPOINT_URL"] = settings.aws_endpoint
    env.update(dict(config.environment))
    env.update(
        {
            "_HANDLER": config.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "AWS_REGION": config.region,
            **(credentials or {"AWS_ACCESS_KEY_ID": settings.access_key_id, "AWS_SECRET_ACCESS_KEY": settings.secret_access_key}),
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_VERSION": config.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": config.initialization_type,
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": str(WORKER_SCRIPT.parent),
        }
    )
    return env
