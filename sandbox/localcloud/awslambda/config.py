"""What one Lambda invocation depends on and what it produced: the types the executor's modules share.

A function version's configuration decides its execution environment; see
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html (a change in code
SHA-256, handler, runtime, memory, timeout or environment means a new cold start).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sandbox import arn
from sandbox.localcloud.awslambda import provisioned


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
    initialization_type: str = provisioned.ON_DEMAND  # AWS_LAMBDA_INITIALIZATION_TYPE
    role: str = ""  # the execution role, whose credentials the environment gets

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
            initialization_type=provisioned.initialization_type(fn.account_id, fn.region, fn.function_name, str(fn.version)),
            role=getattr(fn, "role", "") or "",
        )


@dataclass
class Outcome:
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


def iso_now() -> str:
    """Now in UTC as Lambda writes it in logs and destination records (millisecond precision)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def error_payload(error_type: str, message: str) -> bytes:
    """The body of a failed invocation: ``{"errorMessage": ..., "errorType": ...}``."""
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def invoked_arn(config: FunctionConfig, qualifier: str | None = None) -> str:
    """The ARN an invocation names: the function's, with the version or alias it was invoked by."""
    return arn.function_arn(config.region, config.account_id, config.name, qualifier)


def zero_reserved_concurrency(fn: Any) -> bool:
    """PutFunctionConcurrency set 0 on the function (moto keeps it on the function object): AWS
    throttles every invocation. https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"""
    return getattr(fn, "reserved_concurrency", None) in (0, "0")
