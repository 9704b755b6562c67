"""Lambda executor: run deployed Python handlers in warm worker processes, as AWS Lambda does.

Hook into moto: ``moto.awslambda.models.LambdaFunction.invoke`` (replaced in ``install()``, restored
in ``shutdown()``). Every path that runs a function in moto ends there: the Invoke API
(``LambdaBackend.invoke``), SQS/DynamoDB/Kinesis/CloudWatch Logs triggers, S3 notifications; and
the extensions reach the same code through ``runtime.invoke`` without HTTP.

AWS behaviour emulated:
- Invoke API, status codes and headers: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
  (RequestResponse 200, Event 202, DryRun 204; ``X-Amz-Function-Error: Unhandled``;
  ``X-Amz-Log-Result`` = base64 of the last 4 KB of the log when ``LogType=Tail``).
- Python runtime, context, errors: https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html
  (see lambda_worker.py). Timeouts answer ``Sandbox.Timedout``; a worker that exits answers
  ``Runtime.ExitError``; both replace the worker.
- Execution environments: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
  One cold start per function version and configuration (code SHA-256 + handler, runtime, memory,
  timeout, environment); warm workers are reused; up to ``MAX_WORKERS_PER_FUNCTION`` concurrent
  invocations per version (each worker runs one invocation at a time, further callers wait).
- Logs: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
  group ``/aws/lambda/NAME``, one stream per worker, START/END/REPORT lines, written in-process
  to moto's logs backend by a background thread.
- Asynchronous invocation: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
  queued, retried ``MaximumRetryAttempts`` times (EventInvokeConfig, default 2), events older than
  ``MaximumEventAgeInSeconds`` dropped, OnSuccess/OnFailure destinations (SQS, SNS, Lambda).

Known gaps: Python runtimes only (the handler runs on this venv's Python 3.11 whatever python3.x
the function declares); no layers, no container images, no memory limit, no reserved-concurrency
throttling, no SnapStart, no response streaming; async retry delays are ``ASYNC_RETRY_DELAYS``
seconds instead of AWS's one and two minutes, so demos finish; the deprecated InvokeAsync API runs
synchronously.
"""

from __future__ import annotations

import base64
import heapq
import io
import itertools
import json
import logging
import math
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any

from sandbox.localcloud.lambda_worker import END_MARKER, HEAD, INIT_TOKEN, encode_frame
from sandbox.localcloud.runtime import InvocationResult, Runtime
from sandbox.settings import Settings

log = logging.getLogger(__name__)

HOOK = "moto.awslambda.models.LambdaFunction.invoke"

MAX_WORKERS_PER_FUNCTION = 4
LOG_TAIL_BYTES = 4096
INIT_TIMEOUT_SECONDS = 10.0
DEFAULT_ASYNC_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_SECONDS = 21600
ASYNC_RETRY_DELAYS = (1.0, 2.0)  # AWS waits 1 and 2 minutes; shortened so local runs finish
ASYNC_CONCURRENCY = 4
WORKER_SCRIPT = Path(__file__).with_name("lambda_worker.py")
RUNTIME_VERSION = f"python:{sys.version_info.major}.{sys.version_info.minor}.localcloud"


class InvocationType(StrEnum):
    REQUEST_RESPONSE = "RequestResponse"
    EVENT = "Event"
    DRY_RUN = "DryRun"


class FunctionNotFoundError(LookupError):
    """The internal invoker was asked for a function moto does not hold."""


@dataclass(frozen=True)
class FunctionConfig:
    """What an execution environment depends on: a change means a new cold start."""

    account_id: str
    region: str
    name: str
    version: str
    function_arn: str
    handler: str
    runtime: str
    package_type: str
    timeout: float
    memory_size: int
    environment: tuple[tuple[str, str], ...]
    code_sha256: str
    code_digest: str
    log_group: str

    @property
    def pool_key(self) -> tuple[str, str, str, str]:
        return (self.account_id, self.region, self.name, self.version)

    @classmethod
    def of(cls, fn: Any) -> "FunctionConfig":
        env = fn.environment_vars or {}
        return cls(
            account_id=fn.account_id,
            region=fn.region,
            name=fn.function_name,
            version=str(fn.version),
            function_arn=fn.function_arn,
            handler=fn.handler or "",
            runtime=fn.run_time or "",
            package_type=fn.package_type or "Zip",
            timeout=float(fn.timeout or 3),
            memory_size=int(fn.memory_size or 128),
            environment=tuple(sorted((str(k), str(v)) for k, v in env.items())),
            code_sha256=getattr(fn, "code_sha_256", "") or "",
            code_digest=getattr(fn, "code_digest", "") or "",
            log_group=fn.logs_group_name,
        )


@dataclass
class _Outcome:
    """One invocation as the worker ran it."""

    payload: bytes
    error: bool
    log_text: str  # the handler's own output
    duration_ms: float
    max_memory_mb: int = 0
    timed_out: bool = False
    exit_error: str | None = None  # "exit status 1", "signal: killed"

    @property
    def worker_lost(self) -> bool:
        return self.timed_out or self.exit_error is not None


def _iso_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class _Worker:
    """One worker process (an execution environment) and the pipes to it."""

    def __init__(self, config: FunctionConfig, task_root: Path, settings: Settings, log_stream: str) -> None:
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
                env=_worker_env(config, task_root, settings, log_stream),
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
            self.init_error = _error_payload("Runtime.InitTimeout", message)
        elif failure is not None:
            self.init_error = _error_payload("Runtime.ExitError", f"Runtime exited during init: {failure}")
        elif meta is not None and meta["status"] != "ok":
            self.init_error = body

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def invoke(self, request_id: str, invoked_arn: str, payload: bytes) -> _Outcome:
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
            return _Outcome(_error_payload("Sandbox.Timedout", message), True, logs, duration, timed_out=True)
        if failure is not None:
            message = f"RequestId: {request_id} Error: Runtime exited with error: {failure}"
            return _Outcome(_error_payload("Runtime.ExitError", message), True, logs, duration, exit_error=failure)
        assert answer is not None
        return _Outcome(body, answer["status"] != "ok", logs, duration, int(answer.get("max_memory_mb", 0)))

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


def _worker_env(config: FunctionConfig, task_root: Path, settings: Settings, log_stream: str) -> dict[str, str]:
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
            "AWS_ACCESS_KEY_ID": settings.access_key_id,
            "AWS_SECRET_ACCESS_KEY": settings.secret_access_key,
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_VERSION": config.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": str(WORKER_SCRIPT.parent),
        }
    )
    return env


class _Pool:
    """The warm workers of one function version with one configuration."""

    def __init__(self, config: FunctionConfig, size: int) -> None:
        self.config = config
        self.size = size
        self.idle: list[_Worker] = []
        self.busy = 0  # workers in use or being started
        self.retired = False
        self.cond = threading.Condition()

    def acquire(self) -> _Worker | None:
        """An idle worker, or None when the caller should start one (its slot is reserved)."""
        with self.cond:
            while True:
                if self.idle:
                    self.busy += 1
                    return self.idle.pop()
                if self.busy < self.size:
                    self.busy += 1
                    return None
                self.cond.wait()

    def release(self, worker: _Worker | None, reusable: bool) -> None:
        with self.cond:
            self.busy -= 1
            keep = worker is not None and reusable and not self.retired
            if keep:
                self.idle.append(worker)  # type: ignore[arg-type]
            self.cond.notify()
        if worker is not None and not keep:
            worker.close()

    def retire(self) -> list[_Worker]:
        """Stop reusing this pool (a new configuration or shutdown); returns the idle workers."""
        with self.cond:
            self.retired = True
            idle, self.idle = self.idle, []
            self.cond.notify_all()
        return idle

    @property
    def warm(self) -> int:
        return len(self.idle) + self.busy


@dataclass
class _Stats:
    function: str
    version: str
    invocations: int = 0
    errors: int = 0
    cold_starts: int = 0
    last_duration_ms: float | None = None
    last_error: str | None = None


@dataclass(order=True)
class _AsyncEvent:
    due: float
    seq: int
    fn: Any = field(compare=False)
    payload: bytes = field(compare=False)
    invoked_arn: str = field(compare=False)
    request_id: str = field(compare=False)
    enqueued: float = field(compare=False)
    attempt: int = field(default=0, compare=False)


@dataclass
class _LogBatch:
    config: FunctionConfig
    stream: str
    new_stream: bool
    lines: list[tuple[int, str]]


class _LogSink:
    """Writes invocation logs to moto's CloudWatch Logs backend off the hot path, in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[_LogBatch | threading.Event | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="lambda-logs", daemon=True)
        self._thread.start()

    def put(self, batch: _LogBatch) -> None:
        self._queue.put(batch)

    def flush(self, timeout: float = 5.0) -> None:
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from moto.logs.models import logs_backends

        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            group = item.config.log_group
            try:
                backend = logs_backends[item.config.account_id][item.config.region]
                backend.ensure_log_group(group)
                if item.new_stream and item.stream not in backend.groups[group].streams:
                    backend.create_log_stream(group, item.stream)
                events = [{"timestamp": ts, "message": message} for ts, message in item.lines]
                backend.put_log_events(group, item.stream, events)
            except Exception:  # a log write must never fail an invocation
                log.exception("writing Lambda logs to %s/%s failed", group, item.stream)


class LambdaExecutor:
    """The extension: owns the worker pools, the async queue and the moto hook."""

    name = "lambda"

    def __init__(self) -> None:
        self.runtime: Runtime | None = None
        self.settings: Settings | None = None
        self._pools: dict[tuple[str, str, str, str], _Pool] = {}
        self._pools_lock = threading.Lock()
        self._stats: dict[tuple[str, str, str, str], _Stats] = {}
        self._stats_lock = threading.Lock()
        self._code_lock = threading.Lock()
        self._original_invoke: Any = None
        self._logs: _LogSink | None = None
        self._async_heap: list[_AsyncEvent] = []
        self._async_cond = threading.Condition()
        self._async_seq = itertools.count()
        self._async_pool: ThreadPoolExecutor | None = None
        self._async_thread: threading.Thread | None = None
        self._stopping = False

    # -- extension protocol -------------------------------------------------------------------
    def install(self, runtime: Runtime) -> None:
        from moto.awslambda.models import LambdaFunction

        self.runtime = runtime
        self.settings = runtime.settings
        code_root = self.code_root
        if code_root.exists():
            shutil.rmtree(code_root, ignore_errors=True)  # code of a previous run: moto forgot it
        code_root.mkdir(parents=True, exist_ok=True, mode=0o700)  # the handlers' code, private to this user
        self._logs = _LogSink()
        self._async_pool = ThreadPoolExecutor(max_workers=ASYNC_CONCURRENCY, thread_name_prefix="lambda-async")
        self._async_thread = threading.Thread(target=self._async_loop, name="lambda-async-scheduler", daemon=True)
        self._async_thread.start()

        self._original_invoke = LambdaFunction.invoke
        executor = self

        def invoke(fn: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
            return executor._invoke_from_moto(fn, body, request_headers, response_headers)

        invoke.__doc__ = f"localcloud's replacement for {HOOK} (runs the handler)."
        LambdaFunction.invoke = invoke  # type: ignore[method-assign]
        runtime.set_invoker(self.invoke)

    def shutdown(self) -> None:
        from moto.awslambda.models import LambdaFunction

        if self._original_invoke is not None:
            LambdaFunction.invoke = self._original_invoke  # type: ignore[method-assign]
            self._original_invoke = None
        with self._async_cond:
            self._stopping = True
            self._async_heap.clear()
            self._async_cond.notify_all()
        if self._async_thread is not None:
            self._async_thread.join(timeout=5)
        if self._async_pool is not None:
            self._async_pool.shutdown(wait=True, cancel_futures=True)
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            for worker in pool.retire():
                worker.close()
        if self._logs is not None:
            self._logs.close()

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

    @property
    def code_root(self) -> Path:
        assert self.settings is not None, "the Lambda executor is not installed"
        return self.settings.state_dir / "lambda" / "code"

    def flush_logs(self, timeout: float = 5.0) -> None:
        """Block until the logs of finished invocations are in CloudWatch Logs (tests, benchmarks)."""
        if self._logs is not None:
            self._logs.flush(timeout)

    # -- entry points ---------------------------------------------------------------------------
    def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
    ) -> InvocationResult:
        """The runtime's invoker: the Invoke API without HTTP, for internal triggers."""
        fn, qualifier = self._resolve(function, qualifier)
        kind = InvocationType(invocation_type)
        config = FunctionConfig.of(fn)
        invoked_arn = _unqualified_arn(config) + (f":{qualifier}" if qualifier else "")
        request_id = str(uuid.uuid4())
        if kind is InvocationType.DRY_RUN:
            return InvocationResult(204, b"", request_id=request_id, executed_version=config.version)
        body = _normalise_payload(payload)
        if kind is InvocationType.EVENT:
            self._enqueue(fn, body, invoked_arn, request_id)
            return InvocationResult(202, b"", request_id=request_id, executed_version=config.version)
        result, tail = self._run(fn, config, body, invoked_arn, request_id)
        return InvocationResult(
            200,
            result.payload,
            "Unhandled" if result.error else None,
            base64.b64encode(tail).decode(),
            request_id,
            config.version,
        )

    def _invoke_from_moto(self, fn: Any, body: Any, request_headers: Any, response_headers: dict[str, Any]) -> bytes:
        raw_kind = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
        try:
            kind = InvocationType(raw_kind)
        except ValueError:
            from moto.awslambda.exceptions import LambdaClientError

            choices = ", ".join(t.value for t in InvocationType)
            raise LambdaClientError("InvalidParameterValueException", f"InvocationType {raw_kind!r}: use one of {choices}") from None
        qualifier = _requested_qualifier()
        if qualifier:
            fn = _function_version(fn, qualifier)
        config = FunctionConfig.of(fn)
        response_headers["x-amz-executed-version"] = config.version
        if kind is InvocationType.DRY_RUN:
            return b""
        payload = _normalise_payload(body)
        request_id = str(uuid.uuid4())
        invoked_arn = (_unqualified_arn(config) + f":{qualifier}") if qualifier else config.function_arn
        if kind is InvocationType.EVENT:
            self._enqueue(fn, payload, invoked_arn, request_id)
            return b""
        result, tail = self._run(fn, config, payload, invoked_arn, request_id)
        if result.error:
            response_headers["x-amz-function-error"] = "Unhandled"
        if (_header(request_headers, "X-Amz-Log-Type") or "").lower() == "tail":
            response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
        return result.payload

    # -- running ----------------------------------------------------------------------------------
    def _run(self, fn: Any, config: FunctionConfig, payload: bytes, invoked_arn: str, request_id: str) -> tuple[_Outcome, bytes]:
        """Run one invocation on a warm (or new) worker; log it; return the outcome and log tail."""
        unsupported = _unsupported(config)
        if unsupported is not None:
            outcome = _Outcome(_error_payload("Runtime.InvalidRuntime", unsupported), True, "", 0.0)
            lines = [f"START RequestId: {request_id} Version: {config.version}", unsupported]
            return self._finish(config, None, outcome, request_id, lines, cold=None)

        pool = self._pool(config)
        worker = pool.acquire()
        if worker is not None and not worker.alive():  # died while idle (killed, OOM): start afresh
            worker.close()
            worker = None
        cold: _Worker | None = None
        reusable = False
        try:
            if worker is None:
                try:
                    worker = self._start_worker(fn, config)
                except _BadCode as exc:
                    outcome = _Outcome(_error_payload("Runtime.InvalidEntrypoint", str(exc)), True, "", 0.0)
                    lines = [f"START RequestId: {request_id} Version: {config.version}", str(exc)]
                    return self._finish(config, None, outcome, request_id, lines, cold=None)
                cold = worker
            lines: list[str] = []
            if cold is not None:
                lines.append(f"INIT_START Runtime Version: {RUNTIME_VERSION}")
                lines.extend(_split(worker.init_log))
            lines.append(f"START RequestId: {request_id} Version: {config.version}")
            if worker.init_error is not None:
                outcome = _Outcome(worker.init_error, True, "", 0.0)
            else:
                outcome = worker.invoke(request_id, invoked_arn, payload)
                reusable = not outcome.worker_lost
                lines.extend(_split(outcome.log_text))
                if outcome.timed_out:
                    lines.append(f"{_iso_now()} {request_id} Task timed out after {config.timeout:.2f} seconds")
                elif outcome.exit_error is not None:
                    lines.append(f"RequestId: {request_id} Error: Runtime exited with error: {outcome.exit_error}")
                    lines.append("Runtime.ExitError")
            return self._finish(config, worker, outcome, request_id, lines, cold)
        finally:
            pool.release(worker, reusable)

    def _finish(
        self,
        config: FunctionConfig,
        worker: _Worker | None,
        outcome: _Outcome,
        request_id: str,
        lines: list[str],
        cold: _Worker | None,
    ) -> tuple[_Outcome, bytes]:
        lines.append(f"END RequestId: {request_id}")
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, math.ceil(outcome.duration_ms))} ms\t"
            f"Memory Size: {config.memory_size} MB\tMax Memory Used: {outcome.max_memory_mb} MB"
        )
        if cold is not None and cold.init_duration_ms is not None:
            report += f"\tInit Duration: {cold.init_duration_ms:.2f} ms"
        if outcome.timed_out:
            report += "\tStatus: timeout"
        elif outcome.exit_error is not None or (worker is not None and worker.init_error is not None):
            report += "\tStatus: error"
        lines.append(report)

        text = "\n".join(lines) + "\n"
        now = int(time.time() * 1000)
        if self._logs is not None:
            stream = worker.log_stream if worker is not None else _log_stream_name(config)
            self._logs.put(_LogBatch(config, stream, cold is not None or worker is None, [(now, line) for line in lines]))
        with self._stats_lock:
            stats = self._stats.get(config.pool_key)
            if stats is None:
                stats = self._stats[config.pool_key] = _Stats(config.name, config.version)
            stats.invocations += 1
            stats.last_duration_ms = outcome.duration_ms
            if cold is not None:
                stats.cold_starts += 1
            if outcome.error:
                stats.errors += 1
                stats.last_error = _error_type(outcome.payload)
        return outcome, text.encode()[-LOG_TAIL_BYTES:]

    def _pool(self, config: FunctionConfig) -> _Pool:
        stale: list[_Worker] = []
        with self._pools_lock:
            pool = self._pools.get(config.pool_key)
            if pool is None or pool.config != config:
                if pool is not None:
                    stale = pool.retire()
                pool = self._pools[config.pool_key] = _Pool(config, MAX_WORKERS_PER_FUNCTION)
        for worker in stale:
            worker.close()
        return pool

    def _start_worker(self, fn: Any, config: FunctionConfig) -> _Worker:
        task_root = self._task_root(fn, config)
        assert self.settings is not None
        return _Worker(config, task_root, self.settings, _log_stream_name(config))

    def _task_root(self, fn: Any, config: FunctionConfig) -> Path:
        """The unzipped code of this function version: extracted once per code SHA-256."""
        digest = config.code_digest or config.code_sha256.replace("/", "_").replace("+", "-")
        target = self.code_root / f"{config.name}-{digest[:20]}"
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
                raise _BadCode(f"the code of {config.name} is not a zip archive: deploy a .zip with the handler at its root")
            staging.rename(target)
            return target

    # -- asynchronous invocation -----------------------------------------------------------------
    def _enqueue(self, fn: Any, payload: bytes, invoked_arn: str, request_id: str) -> None:
        now = time.monotonic()
        event = _AsyncEvent(now, next(self._async_seq), fn, payload, invoked_arn, request_id, now)
        with self._async_cond:
            if self._stopping:
                raise RuntimeError("the Lambda executor is shutting down: the event was not queued")
            heapq.heappush(self._async_heap, event)
            self._async_cond.notify()

    def _async_loop(self) -> None:
        while True:
            with self._async_cond:
                while not self._stopping and (not self._async_heap or self._async_heap[0].due > time.monotonic()):
                    timeout = self._async_heap[0].due - time.monotonic() if self._async_heap else None
                    self._async_cond.wait(timeout)
                if self._stopping:
                    return
                event = heapq.heappop(self._async_heap)
            assert self._async_pool is not None
            try:
                self._async_pool.submit(self._run_async, event)
            except RuntimeError:  # the pool shut down under us
                return

    def _run_async(self, event: _AsyncEvent) -> None:
        fn = event.fn
        config = FunctionConfig.of(fn)
        invoke_config = (fn.event_invoke_config[0].config if getattr(fn, "event_invoke_config", None) else {}) or {}
        retries = int(invoke_config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES))
        max_age = float(invoke_config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_SECONDS))
        try:
            outcome, _ = self._run(fn, config, event.payload, event.invoked_arn, event.request_id)
        except Exception as exc:  # e.g. bad code: counts as a failed attempt
            log.exception("asynchronous invocation of %s failed to run", config.name)
            outcome = _Outcome(_error_payload("Runtime.Unknown", str(exc)), True, "", 0.0)
        event.attempt += 1
        if not outcome.error:
            self._send_to_destination(invoke_config, "OnSuccess", event, config, outcome, "Success")
            return
        age = time.monotonic() - event.enqueued
        if event.attempt <= retries:
            delay = ASYNC_RETRY_DELAYS[min(event.attempt - 1, len(ASYNC_RETRY_DELAYS) - 1)]
            if age + delay <= max_age:
                event.due = time.monotonic() + delay
                with self._async_cond:
                    if not self._stopping:
                        heapq.heappush(self._async_heap, event)
                        self._async_cond.notify()
                return
            condition = "EventAgeExceeded"
        else:
            condition = "RetriesExhausted"
        log.warning("asynchronous invocation %s of %s failed: %s", event.request_id, config.name, condition)
        self._send_to_destination(invoke_config, "OnFailure", event, config, outcome, condition)

    def _send_to_destination(
        self,
        invoke_config: dict[str, Any],
        which: str,
        event: _AsyncEvent,
        config: FunctionConfig,
        outcome: _Outcome,
        condition: str,
    ) -> None:
        """Deliver the invocation record to the EventInvokeConfig destination (SQS, SNS, Lambda)."""
        target = ((invoke_config.get("DestinationConfig") or {}).get(which) or {}).get("Destination")
        if not target:
            return
        record = {
            "version": "1.0",
            "timestamp": _iso_now(),
            "requestContext": {
                "requestId": event.request_id,
                "functionArn": f"{_unqualified_arn(config)}:{config.version}",
                "condition": condition,
                "approximateInvokeCount": event.attempt,
            },
            "requestPayload": _json_or_text(event.payload),
            "responseContext": {"statusCode": 200, "executedVersion": config.version},
            "responsePayload": _json_or_text(outcome.payload),
        }
        if outcome.error:
            record["responseContext"]["functionError"] = "Unhandled"
        body = json.dumps(record)
        service = target.split(":")[2]
        try:
            from sandbox.aws import client

            assert self.settings is not None
            if service == "sqs":
                url = client("sqs", self.settings).get_queue_url(QueueName=target.split(":")[5])["QueueUrl"]
                client("sqs", self.settings).send_message(QueueUrl=url, MessageBody=body)
            elif service == "sns":
                client("sns", self.settings).publish(TopicArn=target, Message=body)
            elif service == "lambda":
                self.invoke(target, body.encode(), invocation_type="Event")
            else:
                log.warning("destination %s of %s is not supported by localcloud (use SQS, SNS or Lambda)", target, config.name)
        except Exception:
            log.exception("delivering the %s record of %s to %s failed", which, config.name, target)

    # -- lookups ------------------------------------------------------------------------------
    def _resolve(self, function: str, qualifier: str | None) -> tuple[Any, str | None]:
        """Find a function by name, partial or full ARN (with an optional qualifier) in moto."""
        from moto.awslambda.models import lambda_backends
        from moto.core.models import DEFAULT_ACCOUNT_ID

        assert self.settings is not None
        name = function
        accounts = [self.settings.account_id, DEFAULT_ACCOUNT_ID]
        region = self.settings.region
        if function.startswith("arn:"):
            parts = function.split(":")
            if len(parts) < 7 or parts[5] != "function":
                raise FunctionNotFoundError(f"{function!r} is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)")
            region, accounts, name = parts[3], [parts[4]], parts[6]
            if len(parts) > 7:
                qualifier = qualifier or parts[7]
        elif ":" in function:
            name, _, embedded = function.partition(":")
            qualifier = qualifier or embedded
        for account_id in dict.fromkeys(accounts + list(lambda_backends.keys())):
            backend = lambda_backends[account_id][region]
            try:
                return backend.get_function(name, qualifier), qualifier
            except Exception:
                continue
        raise FunctionNotFoundError(
            f"Lambda function {function!r} (qualifier {qualifier}) does not exist in {region}: create it first "
            "(cadabra deploy, or lambda create_function)"
        )


class _BadCode(Exception):
    pass


def _unsupported(config: FunctionConfig) -> str | None:
    if config.package_type != "Zip":
        return f"localcloud runs only .zip functions; {config.name} is a container image: use the docker stack (LocalStack)"
    if config.runtime and not config.runtime.startswith("python"):
        return (
            f"localcloud runs only Python handlers; {config.name} declares {config.runtime}: "
            "deploy a python3.x function or use the docker stack (LocalStack)"
        )
    return None


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _normalise_payload(body: Any) -> bytes:
    """The event as JSON bytes; AWS refuses a payload that is not JSON (InvalidRequestContentException)."""
    if body is None or body == b"" or body == "":
        return b"{}"
    if isinstance(body, (dict, list)):
        return json.dumps(body).encode()
    raw = body.encode() if isinstance(body, str) else bytes(body)
    try:
        json.loads(raw)
    except ValueError as exc:
        from moto.awslambda.exceptions import LambdaClientError

        raise LambdaClientError("InvalidRequestContentException", f"Could not parse request body into json: {exc}") from None
    return raw


def _requested_qualifier() -> str | None:
    """The Invoke API's ``Qualifier`` query parameter of the HTTP request being served, if any.

    moto 5.2.5's ``LambdaResponse.invoke`` reads ``qualifier`` while boto3 sends ``Qualifier``, so
    it always runs $LATEST; the hook reads the parameter from the Flask request moto serves.
    """
    try:
        from flask import has_request_context, request
    except ImportError:
        return None
    if not has_request_context():
        return None
    return request.args.get("Qualifier") or None


def _function_version(fn: Any, qualifier: str) -> Any:
    """The version or alias ``qualifier`` of the function ``fn`` (moto resolved $LATEST)."""
    from moto.awslambda.models import lambda_backends

    if qualifier == str(fn.version):
        return fn
    return lambda_backends[fn.account_id][fn.region].get_function(fn.function_name, qualifier)


def _unqualified_arn(config: FunctionConfig) -> str:
    return f"arn:aws:lambda:{config.region}:{config.account_id}:function:{config.name}"


def _log_stream_name(config: FunctionConfig) -> str:
    today = datetime.now(timezone.utc)
    return f"{today:%Y/%m/%d}/[{config.version}]{uuid.uuid4().hex}"


def _split(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def _error_type(payload: bytes) -> str | None:
    try:
        return json.loads(payload).get("errorType")
    except (ValueError, AttributeError):
        return None


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


def create() -> LambdaExecutor:
    """Entry point used by LocalCloud.start()."""
    return LambdaExecutor()
