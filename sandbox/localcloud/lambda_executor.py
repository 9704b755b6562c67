"""Lambda executor: run deployed Python handlers in warm worker processes, as AWS Lambda does.

Hook into moto: ``moto.awslambda.models.LambdaFunction.invoke`` (replaced in ``install()``, restored
in ``shutdown()``). Every path that runs a function in moto ends there: the Invoke API
(``LambdaBackend.invoke``), SQS/DynamoDB/Kinesis/CloudWatch Logs triggers, S3 notifications; and
the extensions reach the same code through ``runtime.invoke`` without HTTP.

AWS behaviour emulated here:
- Invoke API, status codes and headers: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
  (RequestResponse 200, Event 202, DryRun 204; ``X-Amz-Function-Error: Unhandled``;
  ``X-Amz-Log-Result`` = base64 of the last 4 KB of the log when ``LogType=Tail``).

The parts, one module each:
- lambda_process.py: one worker process (Python runtime, context, errors, timeouts, exits);
- lambda_pool.py: per-function pools of warm workers (cold starts, reuse, describe counters);
- lambda_logs.py: START/END/REPORT lines and the CloudWatch Logs writer;
- lambda_async.py: Event invocations, retries per EventInvokeConfig, destinations;
- lambda_config.py: the function configuration and invocation outcome they share.

Known gaps: Python runtimes only (the handler runs on this venv's Python 3.11 whatever python3.x
the function declares); no layers, no container images, no memory limit, no reserved-concurrency
throttling, no SnapStart, no response streaming; async retry delays are shortened (see
lambda_async.py); the deprecated InvokeAsync API runs synchronously.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any

from sandbox.localcloud.lambda_async import AsyncQueue
from sandbox.localcloud.lambda_config import FunctionConfig, Outcome, error_payload, iso_now, unqualified_arn
from sandbox.localcloud.lambda_logs import RUNTIME_VERSION, LogBatch, LogSink, log_stream_name, report_line, split_lines
from sandbox.localcloud.lambda_pool import BadCode, WorkerPools
from sandbox.localcloud.lambda_process import Worker
from sandbox.localcloud.runtime import InvocationResult, Runtime
from sandbox.settings import Settings

HOOK = "moto.awslambda.models.LambdaFunction.invoke"

LOG_TAIL_BYTES = 4096


class InvocationType(StrEnum):
    REQUEST_RESPONSE = "RequestResponse"
    EVENT = "Event"
    DRY_RUN = "DryRun"


class FunctionNotFoundError(LookupError):
    """The internal invoker was asked for a function moto does not hold."""


class LambdaExecutor:
    """The extension: owns the worker pools, the async queue and the moto hook."""

    name = "lambda"

    def __init__(self) -> None:
        self.runtime: Runtime | None = None
        self.settings: Settings | None = None
        self._workers: WorkerPools | None = None
        self._original_invoke: Any = None
        self._logs: LogSink | None = None
        self._async: AsyncQueue | None = None

    # -- extension protocol -------------------------------------------------------------------
    def install(self, runtime: Runtime) -> None:
        from moto.awslambda.models import LambdaFunction

        self.runtime = runtime
        self.settings = runtime.settings
        code_root = self.code_root
        if code_root.exists():
            shutil.rmtree(code_root, ignore_errors=True)  # code of a previous run: moto forgot it
        code_root.mkdir(parents=True, exist_ok=True, mode=0o700)  # the handlers' code, private to this user
        self._workers = WorkerPools(self.settings, code_root)
        self._logs = LogSink()
        self._async = AsyncQueue(self.settings, self._run, self.invoke)

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
        if self._async is not None:
            self._async.stop()
        if self._workers is not None:
            self._workers.retire_all()
        if self._logs is not None:
            self._logs.close()

    def describe(self) -> list[dict[str, Any]]:
        """One row per function version: warm workers, invocations, errors, last duration."""
        return self._workers.describe() if self._workers is not None else []

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
        invoked_arn = unqualified_arn(config) + (f":{qualifier}" if qualifier else "")
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
        invoked_arn = (unqualified_arn(config) + f":{qualifier}") if qualifier else config.function_arn
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
    def _run(self, fn: Any, config: FunctionConfig, payload: bytes, invoked_arn: str, request_id: str) -> tuple[Outcome, bytes]:
        """Run one invocation on a warm (or new) worker; log it; return the outcome and log tail."""
        unsupported = _unsupported(config)
        if unsupported is not None:
            outcome = Outcome(error_payload("Runtime.InvalidRuntime", unsupported), True, "", 0.0)
            lines = [f"START RequestId: {request_id} Version: {config.version}", unsupported]
            return self._finish(config, None, outcome, request_id, lines, cold=None)

        assert self._workers is not None
        pool = self._workers.pool(config)
        worker = pool.acquire()
        if worker is not None and not worker.alive():  # died while idle (killed, OOM): start afresh
            worker.close()
            worker = None
        cold: Worker | None = None
        reusable = False
        try:
            if worker is None:
                try:
                    worker = self._workers.start_worker(fn, config)
                except BadCode as exc:
                    outcome = Outcome(error_payload("Runtime.InvalidEntrypoint", str(exc)), True, "", 0.0)
                    lines = [f"START RequestId: {request_id} Version: {config.version}", str(exc)]
                    return self._finish(config, None, outcome, request_id, lines, cold=None)
                cold = worker
            lines: list[str] = []
            if cold is not None:
                lines.append(f"INIT_START Runtime Version: {RUNTIME_VERSION}")
                lines.extend(split_lines(worker.init_log))
            lines.append(f"START RequestId: {request_id} Version: {config.version}")
            if worker.init_error is not None:
                outcome = Outcome(worker.init_error, True, "", 0.0)
            else:
                outcome = worker.invoke(request_id, invoked_arn, payload)
                reusable = not outcome.worker_lost
                lines.extend(split_lines(outcome.log_text))
                if outcome.timed_out:
                    lines.append(f"{iso_now()} {request_id} Task timed out after {config.timeout:.2f} seconds")
                elif outcome.exit_error is not None:
                    lines.append(f"RequestId: {request_id} Error: Runtime exited with error: {outcome.exit_error}")
                    lines.append("Runtime.ExitError")
            return self._finish(config, worker, outcome, request_id, lines, cold)
        finally:
            pool.release(worker, reusable)

    def _finish(
        self,
        config: FunctionConfig,
        worker: Worker | None,
        outcome: Outcome,
        request_id: str,
        lines: list[str],
        cold: Worker | None,
    ) -> tuple[Outcome, bytes]:
        lines.append(f"END RequestId: {request_id}")
        init_duration = cold.init_duration_ms if cold is not None else None
        init_failed = worker is not None and worker.init_error is not None
        lines.append(report_line(config, outcome, request_id, init_duration, init_failed))

        text = "\n".join(lines) + "\n"
        now = int(time.time() * 1000)
        if self._logs is not None:
            stream = worker.log_stream if worker is not None else log_stream_name(config)
            self._logs.put(LogBatch(config, stream, cold is not None or worker is None, [(now, line) for line in lines]))
        assert self._workers is not None
        self._workers.record(config, outcome, cold is not None)
        return outcome, text.encode()[-LOG_TAIL_BYTES:]

    # -- asynchronous invocation (lambda_async.py) ------------------------------------------------
    def _enqueue(self, fn: Any, payload: bytes, invoked_arn: str, request_id: str) -> None:
        assert self._async is not None, "the Lambda executor is not installed"
        self._async.enqueue(fn, payload, invoked_arn, request_id)

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


def create() -> LambdaExecutor:
    """Entry point used by LocalCloud.start()."""
    return LambdaExecutor()
