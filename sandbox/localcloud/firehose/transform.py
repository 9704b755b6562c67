"""The Lambda data-transformation processor (ProcessingConfiguration, Processors Type Lambda).

https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html: Firehose buffers
incoming records (BufferSizeInMBs, default 1; BufferIntervalInSeconds, default 60), invokes the
function synchronously with `{invocationId, deliveryStreamArn, region, records: [{recordId,
approximateArrivalTimestamp, data}]}` and expects every recordId back with result Ok, Dropped or
ProcessingFailed and base64 data. An invocation that fails is retried NumberOfRetries times
(default 3); then the whole batch, like ProcessingFailed records and records missing from the
answer, is written to the error location as `processing-failed` documents carrying `lambdaArn`
(https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html).
"""

from __future__ import annotations

import binascii
import json
import uuid
from binascii import a2b_base64, b2a_base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sandbox.arn import Arn, ArnError
from sandbox.localcloud.firehose.destinations.base import ErrorBatch
from sandbox.localcloud.firehose.prefixes import ErrorOutputType
from sandbox.localcloud.firehose.records import MIB, BufferingHints, Record, epoch_millis, error_document
from sandbox.localcloud.runtime import InvocationResult

Invoke = Callable[..., InvocationResult]

FUNCTION_ERROR = "The Lambda function was successfully invoked but it returned an error result."
MISSING_RECORD = "One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids."
MAX_PAYLOAD_BYTES = 4 * MIB  # raw bytes per invocation, so the base64 event stays under Lambda's 6 MB


@dataclass(frozen=True)
class LambdaProcessor:
    lambda_arn: str
    buffering: BufferingHints
    retries: int = 3

    @classmethod
    def from_config(cls, processing: dict[str, Any] | None) -> "LambdaProcessor | None":
        """The Lambda processor of a ProcessingConfiguration, or None when processing is off.

        A configuration that omits `Enabled` but names a Lambda processor counts as enabled.
        """
        if not processing or processing.get("Enabled") is False:
            return None
        for processor in processing.get("Processors") or []:
            if processor.get("Type") != "Lambda":
                continue
            params = {p.get("ParameterName"): p.get("ParameterValue") for p in processor.get("Parameters") or []}
            if not params.get("LambdaArn"):
                continue
            hints = {
                "SizeInMBs": params.get("BufferSizeInMBs", 1),
                "IntervalInSeconds": params.get("BufferIntervalInSeconds", 60),
            }
            return cls(
                lambda_arn=str(params["LambdaArn"]),
                buffering=BufferingHints.from_config(hints),
                retries=int(params.get("NumberOfRetries", 3)),
            )
        return None


@dataclass
class TransformResult:
    ok: list[Record] = field(default_factory=list)
    dropped: int = 0
    failed: ErrorBatch | None = None
    invocations: int = 0


def _split_arn(arn: str) -> tuple[str, str | None]:
    """A function ARN and its qualifier (None when unqualified or not an ARN)."""
    try:
        parsed = Arn.parse(arn)
    except ArnError:
        return arn, None
    return str(parsed.unqualified()), parsed.qualifier


def build_event(records: list[Record], *, stream_arn: str, region: str, source_arn: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {"invocationId": str(uuid.uuid4()), "deliveryStreamArn": stream_arn, "region": region}
    if source_arn:
        event["sourceKinesisStreamArn"] = source_arn
    items: list[dict[str, Any]] = []
    millis: dict[datetime, int] = {}  # records of one PutRecordBatch share their arrival time
    for record in records:
        arrival = millis.get(record.arrival)
        if arrival is None:
            arrival = millis[record.arrival] = epoch_millis(record.arrival)
        item: dict[str, Any] = {
            "recordId": record.record_id,
            "approximateArrivalTimestamp": arrival,
            "data": b2a_base64(record.data, newline=False).decode("ascii"),
        }
        if record.kinesis:
            item["kinesisRecordMetadata"] = record.kinesis
        items.append(item)
    event["records"] = items
    return event


def run(
    processor: LambdaProcessor,
    records: list[Record],
    *,
    invoke: Invoke,
    stream_arn: str,
    region: str,
    clock: Callable[[], datetime],
    source_arn: str | None = None,
) -> TransformResult:
    """Invoke the function on `records` (with retries) and sort its answer into ok/dropped/failed."""
    payload = json.dumps(build_event(records, stream_arn=stream_arn, region=region, source_arn=source_arn)).encode()
    function, qualifier = _split_arn(processor.lambda_arn)
    result = TransformResult()
    answer: Any = None
    error = ("Lambda.FunctionError", FUNCTION_ERROR)
    for _ in range(processor.retries + 1):
        result.invocations += 1
        try:
            outcome = invoke(function, payload, qualifier=qualifier)
        except Exception as exc:  # executor missing, function not found: retried like AWS invoke errors
            error = ("Lambda.InvokeFailed", f"Invoking {processor.lambda_arn} failed: {exc}")
            continue
        if not outcome.ok:
            error = ("Lambda.FunctionError", FUNCTION_ERROR)
            continue
        try:
            answer = json.loads(outcome.payload)
        except ValueError:
            error = ("Lambda.JsonProcessingException", "The Lambda function returned a payload that is not JSON.")
            answer = None
        break
    failures: list[tuple[Record, str, str]] = []
    returned: dict[Any, dict[str, Any]] | None = None
    if isinstance(answer, dict) and isinstance(answer.get("records"), list):
        returned = {item.get("recordId"): item for item in answer["records"] if isinstance(item, dict)}
    elif answer is not None:
        error = ("Lambda.JsonProcessingException", "The Lambda function's answer has no records list.")
    for record in records:
        if returned is None:
            failures.append((record, *error))
            continue
        item = returned.get(record.record_id)
        status = item.get("result") if item else None
        if item is None:
            failures.append((record, "Lambda.MissingRecordId", MISSING_RECORD))
        elif status == "Dropped":
            result.dropped += 1
        elif status == "Ok":
            try:  # strict: only the base64 alphabet with correct padding, as b64decode(validate=True)
                data = a2b_base64(item.get("data") or "", strict_mode=True)
            except (binascii.Error, ValueError, TypeError):
                failures.append((record, "Lambda.InvalidReturnedData", "The data returned for this record is not base64."))
                continue
            result.ok.append(
                Record(record.record_id, data, record.arrival, record.kinesis, raw=record.original, accepted=record.accepted)
            )
        elif status == "ProcessingFailed":
            failures.append((record, "Lambda.ProcessingFailed", "The Lambda function returned ProcessingFailed for this record."))
        else:
            failures.append((record, "Lambda.InvalidResult", f"Unknown result {status!r}: use Ok, Dropped or ProcessingFailed."))
    if failures:
        ended = clock()
        documents = [
            error_document(
                record,
                error_code=code,
                error_message=message,
                attempts=result.invocations,
                ended=ended,
                extra={"lambdaArn": processor.lambda_arn},
            )
            for record, code, message in failures
        ]
        result.failed = ErrorBatch([r for r, _, _ in failures], ErrorOutputType.PROCESSING_FAILED.value, documents)
    return result
