"""The Lambda executor: run deployed Python handlers in warm worker processes, as AWS Lambda does.

Invoke API, status codes and headers: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
(RequestResponse 200, Event 202, DryRun 204; ``X-Amz-Function-Error: Unhandled``;
``X-Amz-Log-Result`` = base64 of the last 4 KB of the log when ``LogType=Tail``).

The executor serves both entries: the Invoke API through the hook on moto (hooks.py) and the
runtime's internal invoker (SNS, event source mappings, Firehose transforms) without HTTP. The
parts it drives, one module each: process.py (one worker process running lambda_worker.py), pool.py (warm workers per
function version, idle reaping), logs.py (CloudWatch Logs), async_queue.py (Event invocations),
config.py (the types they share).

Known gaps: Python runtimes only (the handler runs on this venv's Python 3.11 whatever python3.x
the function declares); no layers, no container images, no memory limit, no reserved-concurrency
throttling beyond a reserved concurrency of 0 (every invocation throttled), no SnapStart, no response
streaming; async retry delays are shortened (see async_queue.py); the deprecated InvokeAsync API runs synchronously.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import time
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any

from sandbox.arn import parse_as
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.awslambda import provisioned
from sandbox.localcloud.awslambda.async_queue import AsyncQueue
from sandbox.localcloud.awslambda.config import FunctionConfig, Outcome, error_payload, invoked_arn, iso_now
from sandbox.localcloud.awslambda.logs import RUNTIME_VERSION, LogBatch, LogSink, log_stream_name, report_line, split_lines
from sandbox.localcloud.awslambda.pool import BadCode, WorkerPools
from sandbox.localcloud.awslambda.process import Worker
from sandbox.localcloud.runtime import InvocationResult
from sandbox.localcloud.shared.destinations import DestinationSender
from sandbox.settings import Settings

LOG_TAIL_BYTES = 4096


class InvocationType(StrEnum):
    REQUEST_RESPONSE = "RequestResponse"
    EVENT = "Event"
    DRY_RUN = "DryRun"


class FunctionNotFoundError(LookupError):
    """The internal invoker was asked for a function moto does not hold."""


class Executor:
    """Worker pools, the async queue and the log writer of one localcloud."""

    def __init__(self, settings: Settings, destinations: DestinationSender) -> None:
        self.settings = settings
        self.code_root = settings.state_dir / "lambda" / "code"
        _fresh_code_root(self.code_root)  # code of a previous run: moto forgot it
        self._workers = WorkerPools(settings, self.code_root)
        self._logs = LogSink()
        self._async = AsyncQueue(settings, self.run, destinations)

    def stop(self) -> None:
        self._async.stop()
        self._workers.stop()
        self._logs.close()

    def reset(self) -> None:
        """Forget everything moto forgot: queued events, warm workers, counters, unzipped code."""
        self._async.clear()
        self._workers.reset()
        provisioned.reset()
        _fresh_code_root(self.code_root)

    def describe(self) -> list[dict[str, Any]]:
        """One row per function version: warm workers, invocations, errors, last duration."""
        return self._workers.describe()

    def flush_logs(self, timeout: float = 5.0) -> None:
        """Block until the logs of finished invocations are in CloudWatch Logs (tests, benchmarks)."""
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
        fn, qualifier = self.resolve(function, qualifier)
        kind = InvocationType(invocation_type)
        config = FunctionConfig.of(fn)
        called_arn = invoked_arn(config, qualifier)
        request_id = str(uuid.uuid4())
        if kind is InvocationType.DRY_RUN:
            return InvocationResult(204, b"", request_id=request_id, executed_version=config.version)
        body = normalise_payload(payload)
        if kind is InvocationType.EVENT:
            self.enqueue(fn, body, called_arn, request_id)
            return InvocationResult(202, b"", request_id=request_id, executed_version=config.version)
        result, tail = self.run(fn, config, body, called_arn, request_id)
        return InvocationResult(
            200,
            result.payload,
            "Unhandled" if result.error else None,
            base64.b64encode(tail).decode(),
            request_id,
            config.version,
        )

    # -- running ----------------------------------------------------------------------------------
    def run(self, fn: Any, config: FunctionConfig, payload: bytes, invoked_arn: str, request_id: str) -> tuple[Outcome, bytes]:
        """Run one invocation on a warm (or new) worker; log it; return the outcome and log tail."""
        unsupported = _unsupported(config)
        if unsupported is not None:
            outcome = Outcome(error_payload("Runtime.InvalidRuntime", unsupported), True, "", 0.0)
            lines = [f"START RequestId: {request_id} Version: {config.version}", unsupported]
            return self._finish(config, None, outcome, request_id, lines, cold=None)

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

        start = f"START RequestId: {request_id}"
        invoke_phase = next((i for i, line in enumerate(lines) if line.startswith(start)), 0)
        text = "\n".join(lines[invoke_phase:]) + "\n"  # AWS's LogResult: the invoke phase, not INIT_START and init output
        now = int(time.time() * 1000)
        stream = worker.log_stream if worker is not None else log_stream_name(config)
        self._logs.put(LogBatch(config, stream, cold is not None or worker is None, [(now, line) for line in lines]))
        self._workers.record(config, outcome, cold is not None)
        return outcome, text.encode()[-LOG_TAIL_BYTES:]

    def enqueue(self, fn: Any, payload: bytes, invoked_arn: str, request_id: str) -> None:
        """Queue an Event invocation (async_queue.py): the caller answers 202 at once."""
        self._async.enqueue(fn, payload, invoked_arn, request_id)

    # -- lookups ------------------------------------------------------------------------------
    def resolve(self, function: str, qualifier: str | None) -> tuple[Any, str | None]:
        """Find a function by name, partial or full ARN (with an optional qualifier) in moto."""
        name = function
        accounts = [self.settings.account_id, seam.DEFAULT_ACCOUNT_ID]
        region = self.settings.region
        if function.startswith("arn:"):
            arn = parse_as(function, "lambda", "function")
            if arn is None:
                raise FunctionNotFoundError(f"{function!r} is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)")
            region, accounts, name = arn.region, [arn.account], arn.resource_id
            qualifier = qualifier or arn.qualifier
        elif ":" in function:
            name, _, embedded = function.partition(":")
            qualifier = qualifier or embedded
        known = [account for account, _, _ in seam.backends("lambda")]
        for account_id in dict.fromkeys(accounts + known):
            try:
                return seam.backend("lambda", account_id, region).get_function(name, qualifier), qualifier
            except Exception:
                continue
        raise FunctionNotFoundError(
            f"Lambda function {function!r} (qualifier {qualifier}) does not exist in {region}: create it first "
            "(cadabra deploy, or lambda create_function)"
        )

    def function_version(self, fn: Any, qualifier: str) -> Any:
        """The version or alias ``qualifier`` of the function ``fn`` (moto resolved $LATEST).

        An alias with a RoutingConfig sends each invocation to one of its additional versions with
        that version's weight, else to its primary version, as AWS does.
        https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html
        """
        if qualifier == str(fn.version):
            return fn
        backend = seam.backend("lambda", fn.account_id, fn.region)
        if qualifier != "$LATEST" and not qualifier.isdigit():
            alias = backend.get_alias(qualifier, fn.function_name)
            weights = (alias.routing_config or {}).get("AdditionalVersionWeights") or {}
            draw = random.random()
            for version, weight in weights.items():
                if draw < float(weight):
                    return backend.get_function(fn.function_name, str(version))
                draw -= float(weight)
        return backend.get_function(fn.function_name, qualifier)


def _unsupported(config: FunctionConfig) -> str | None:
    if config.package_type != "Zip":
        return f"localcloud runs only .zip functions; {config.name} is a container image: use the docker stack (LocalStack)"
    if config.runtime and not config.runtime.startswith("python"):
        return (
            f"localcloud runs only Python handlers; {config.name} declares {config.runtime}: "
            "deploy a python3.x function or use the docker stack (LocalStack)"
        )
    return None


def normalise_payload(body: Any) -> bytes:
    """The event as JSON bytes; AWS refuses a payload that is not JSON (InvalidRequestContentException)."""
    if body is None or body == b"" or body == "":
        return b"{}"
    if isinstance(body, (dict, list)):
        return json.dumps(body).encode()
    raw = body.encode() if isinstance(body, str) else bytes(body)
    try:
        json.loads(raw)
    except UnicodeDecodeError as exc:
        message = f"Could not parse payload into json: {_not_utf8(raw, exc.start)}"
        raise seam.LambdaClientError("InvalidRequestContentException", f"Could not parse request body into json: {message}") from None
    except ValueError as exc:
        raise seam.LambdaClientError("InvalidRequestContentException", f"Could not parse request body into json: {exc}") from None
    return raw


def _not_utf8(raw: bytes, at: int) -> str:
    """What AWS's JSON parser (Jackson) says of a payload whose byte `at` is not UTF-8."""
    line = raw.count(b"\n", 0, at) + 1
    line_start = raw.rfind(b"\n", 0, at) + 1
    byte = raw[at]
    if not raw[:at].strip():  # the first byte of the value: Jackson names the character
        shown = f"(CTRL-CHAR, code {byte})" if byte < 0xA0 else f"'{chr(byte)}' (code {byte})"
        what, column = f"Unexpected character ({shown}): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", at - line_start + 1
    else:  # inside a token or string: Jackson has read the bad byte when it reports it
        kind = "start" if 0x80 <= byte < 0xC0 or byte >= 0xF8 else "middle"
        what, column = f"Invalid UTF-8 {kind} byte 0x{byte:02x}", at - line_start + 2
    return f"{what}\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {line}, column: {column}]"




def _fresh_code_root(code_root: Path) -> None:
    if code_root.exists():
        shutil.rmtree(code_root, ignore_errors=True)
    code_root.mkdir(parents=True, exist_ok=True, mode=0o700)  # the handlers' code, private to this user
