"""Lambda functions (zipped from the pipeline's folder), permissions and event source mappings."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from sandbox.arn import name_of
from sandbox.deploy.resources.base import Arn, Context, Outcome, Resource, error_code
from sandbox.settings import PROJECT_ROOT


def allow_invoke(ctx: Context, function: Any, principal: str, source_arn: str) -> None:
    name = name_of(ctx.resolve(function))
    statement = "cadabra-" + hashlib.sha1(f"{principal}{source_arn}".encode()).hexdigest()[:12]
    try:
        ctx.client("lambda").add_permission(
            FunctionName=name, StatementId=statement, Action="lambda:InvokeFunction",
            Principal=principal, SourceArn=source_arn,
        )
    except ClientError as exc:
        if error_code(exc) != "ResourceConflictException":
            raise


def build_zip(sources: list[Path], root: Path) -> bytes:
    """A deterministic zip (fixed timestamps, sorted) so unchanged code has an unchanged CodeSha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(sources):
            info = zipfile.ZipInfo(str(path.relative_to(root)), date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return buffer.getvalue()


def code_sha256(zip_bytes: bytes) -> str:
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


@dataclass(frozen=True)
class Function(Resource):
    """A Python Lambda function whose zip holds `pipelines/<pipeline>/<module>.py` at its root."""

    name: str
    pipeline: str
    module: str = "handler"
    handler: str = "lambda_handler"
    runtime: str = "python3.11"
    timeout: int = 30
    memory: int = 256
    environment: tuple[tuple[str, Any], ...] = ()
    role: str = "cadabra-lambda-role"
    kind: ClassVar[str] = "function"
    order: ClassVar[int] = 20

    def zip_bytes(self) -> bytes:
        folder = PROJECT_ROOT / "pipelines" / self.pipeline
        return build_zip([folder / f"{self.module}.py"], folder)

    def _configuration(self, ctx: Context) -> dict[str, Any]:
        return {
            "Runtime": self.runtime,
            "Handler": f"{self.module}.{self.handler}",
            "Timeout": self.timeout,
            "MemorySize": self.memory,
            "Role": Arn.role(self.role).resolve(ctx),
            "Environment": {"Variables": {k: str(ctx.resolve(v)) for k, v in self.environment}},
        }

    def apply(self, ctx: Context) -> Outcome:
        lam = ctx.client("lambda")
        code = self.zip_bytes()
        wanted = self._configuration(ctx)
        try:
            current = lam.get_function_configuration(FunctionName=self.name)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            lam.create_function(FunctionName=self.name, Code={"ZipFile": code}, Publish=False, **wanted)
            lam.get_waiter("function_active_v2").wait(FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            return Outcome.CREATED
        outcome = Outcome.UNCHANGED
        if current.get("CodeSha256") != code_sha256(code):
            lam.update_function_code(FunctionName=self.name, ZipFile=code)
            lam.get_waiter("function_updated_v2").wait(FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            outcome = Outcome.UPDATED
        current_env = (current.get("Environment") or {}).get("Variables", {})
        if any(current.get(k) != wanted[k] for k in ("Runtime", "Handler", "Timeout", "MemorySize", "Role")) or (
            current_env != wanted["Environment"]["Variables"]
        ):
            lam.update_function_configuration(FunctionName=self.name, **wanted)
            lam.get_waiter("function_updated_v2").wait(FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            outcome = Outcome.UPDATED
        return outcome

    def destroy(self, ctx: Context) -> Outcome:
        try:
            ctx.client("lambda").delete_function(FunctionName=self.name)
            return Outcome.DELETED
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return Outcome.ABSENT
            raise


@dataclass(frozen=True)
class EventSourceMapping(Resource):
    """A Lambda event source mapping; `source` is a reference to a stream, queue or table stream ARN."""

    function: str
    source: Any
    batch_size: int = 100
    batching_window: int = 0
    starting_position: str | None = "TRIM_HORIZON"  # None for SQS
    bisect_on_error: bool = False
    report_batch_item_failures: bool = False
    maximum_retry_attempts: int | None = None
    maximum_record_age: int | None = None
    on_failure: Any = None  # Arn of an SQS queue or SNS topic
    enabled: bool = True
    kind: ClassVar[str] = "event-source-mapping"
    order: ClassVar[int] = 30

    @property
    def name(self) -> str:  # type: ignore[override]
        source = self.source.resource if isinstance(self.source, Arn) else str(self.source)
        return f"{source}->{self.function}"

    def _parameters(self, ctx: Context) -> dict[str, Any]:
        params: dict[str, Any] = {
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.batching_window,
            "Enabled": self.enabled,
            "FunctionResponseTypes": ["ReportBatchItemFailures"] if self.report_batch_item_failures else [],
        }
        if self.starting_position is not None:  # stream sources only
            params["BisectBatchOnFunctionError"] = self.bisect_on_error
            if self.maximum_retry_attempts is not None:
                params["MaximumRetryAttempts"] = self.maximum_retry_attempts
            if self.maximum_record_age is not None:
                params["MaximumRecordAgeInSeconds"] = self.maximum_record_age
            if self.on_failure is not None:
                params["DestinationConfig"] = {"OnFailure": {"Destination": ctx.resolve(self.on_failure)}}
        return params

    def _existing(self, ctx: Context) -> dict[str, Any] | None:
        lam = ctx.client("lambda")
        source_arn = ctx.resolve(self.source)
        for page in lam.get_paginator("list_event_source_mappings").paginate(FunctionName=self.function):
            for mapping in page["EventSourceMappings"]:
                if mapping["EventSourceArn"] == source_arn:
                    return mapping
        return None

    def apply(self, ctx: Context) -> Outcome:
        lam = ctx.client("lambda")
        params = self._parameters(ctx)
        current = self._existing(ctx)
        if current is None:
            create = dict(params, FunctionName=self.function, EventSourceArn=ctx.resolve(self.source))
            if self.starting_position is not None:
                create["StartingPosition"] = self.starting_position
            lam.create_event_source_mapping(**create)
            return Outcome.CREATED
        enabled = current.get("State") in {"Enabled", "Enabling", "Creating", "Updating"}
        differs = enabled != self.enabled or any(
            current.get(k) != v for k, v in params.items() if k not in {"Enabled", "FunctionResponseTypes"}
        ) or sorted(current.get("FunctionResponseTypes") or []) != sorted(params["FunctionResponseTypes"])
        if not differs:
            return Outcome.UNCHANGED
        lam.update_event_source_mapping(UUID=current["UUID"], FunctionName=self.function, **params)
        return Outcome.UPDATED

    def destroy(self, ctx: Context) -> Outcome:
        try:
            current = self._existing(ctx)
        except ClientError:
            return Outcome.ABSENT
        if current is None:
            return Outcome.ABSENT
        ctx.client("lambda").delete_event_source_mapping(UUID=current["UUID"])
        return Outcome.DELETED
