"""CreateEventSourceMapping and UpdateEventSourceMapping checked as AWS checks them.

moto accepts a second mapping of the same source and function, any SQS BatchSize without a
batching window and any FilterCriteria, and answers a missing source with `ResourceNotFoundException:
Invalid EventSourceArn`. AWS answers:
- a duplicate: ResourceConflictException naming the existing mapping's UUID;
- an SQS BatchSize above 10 without MaximumBatchingWindowInSeconds > 0: InvalidParameterValueException;
- a FilterCriteria pattern that is not an EventBridge pattern object: "Invalid filter pattern definition.";
- a missing stream: "Stream not found: ARN"; a missing queue: the ReceiveMessage error it met.
https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.esm import filters
from sandbox.localcloud.esm.model import SourceKind

INVALID = "InvalidParameterValueException"
SQS_WINDOW = "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
QUEUE_MISSING = ("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
                 "SQS Error Message: The specified queue does not exist.")


def check_create(backend: Any, spec: dict[str, Any]) -> None:
    """Raise AWS's error for a create request moto would accept or answer differently."""
    arn, function = spec.get("EventSourceArn") or "", spec.get("FunctionName") or ""
    kind = _kind(arn)
    _check_settings(kind, spec.get("BatchSize"), spec.get("MaximumBatchingWindowInSeconds"), spec)
    if not arn or not function or kind is None:
        return
    function_arn = backend.get_function(function).function_arn
    for esm in list(backend._event_source_mappings.values()):
        if esm.event_source_arn == arn and esm.function_arn == function_arn:
            if kind is SourceKind.SQS:
                text = f'An event source mapping with SQS arn (" {arn} ") and function (" {function} ") already exists.'
            else:
                text = f'The event source arn (" {arn} ") and function (" {function} ") provided mapping already exists.'
            conflict = seam.LambdaClientError(
                "ResourceConflictException", f"{text} Please update or delete the existing mapping with UUID {esm.uuid}"
            )
            conflict.code = 409
            raise conflict


def check_update(esm: Any, spec: dict[str, Any]) -> None:
    """Raise AWS's error for an update that leaves the mapping invalid."""
    batch = spec.get("BatchSize", esm.batch_size)
    window = spec.get("MaximumBatchingWindowInSeconds", esm.max_batch_window)
    _check_settings(_kind(esm.event_source_arn), batch, window, spec)


def source_missing(arn: str) -> Exception:
    """The error AWS answers when the mapping's source does not exist."""
    if _kind(arn) is SourceKind.SQS:
        return seam.LambdaClientError(INVALID, QUEUE_MISSING)
    return seam.LambdaClientError(INVALID, f"Stream not found: {arn}")


def _check_settings(kind: SourceKind | None, batch: Any, window: Any, spec: dict[str, Any]) -> None:
    if kind is SourceKind.SQS and not (spec.get("EventSourceArn") or "").endswith(".fifo"):
        if batch is not None and int(batch) > 10 and not (window and int(window) > 0):
            raise seam.LambdaClientError(INVALID, SQS_WINDOW)
    if "FilterCriteria" in spec:
        try:
            filters.parse(spec["FilterCriteria"])
        except filters.InvalidFilter as exc:
            raise seam.LambdaClientError(INVALID, str(exc)) from None


def _kind(arn: str) -> SourceKind | None:
    try:
        return SourceKind.of_arn(arn)
    except ValueError:
        return None
