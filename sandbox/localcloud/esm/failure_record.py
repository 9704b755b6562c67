"""The invocation record a stream mapping sends to its OnFailure destination (SQS or SNS).

https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
The record is metadata about the discarded batch (not the records themselves), so a consumer can
read them back from the stream with the sequence numbers. Sent through boto3 to the stack's
endpoint (shared/destinations.py), so SNS subscriptions and queue policies apply as for any other
publisher.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sandbox.localcloud.esm.model import FailureCondition
from sandbox.localcloud.esm.records import SourceRecord
from sandbox.localcloud.runtime import InvocationResult


def _iso(epoch: float, timespec: str = "milliseconds") -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def failure_record(
    *,
    function_arn: str,
    condition: FailureCondition,
    invoke_count: int,
    result: InvocationResult | None,
    batch_info_key: str,
    shard_id: str,
    stream_arn: str,
    records: list[SourceRecord],
) -> dict[str, Any]:
    """The document AWS sends to the OnFailure destination for a discarded stream batch (DynamoDB
    Streams arrival times to the second, as their records carry them)."""
    arrival_precision = "seconds" if batch_info_key == "DDBStreamBatchInfo" else "milliseconds"
    response = {
        "statusCode": result.status_code if result else 0,
        "executedVersion": result.executed_version if result else "",
        "functionError": (result.function_error or None) if result else None,  # null when the function succeeded
    }
    document: dict[str, Any] = {
        "requestContext": {
            "requestId": (result.request_id if result and result.request_id else str(uuid.uuid4())),
            "functionArn": function_arn,
            "condition": condition.value,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": _iso(datetime.now(timezone.utc).timestamp()),
        batch_info_key: {
            "shardId": shard_id,
            "startSequenceNumber": records[0].sequence_number,
            "endSequenceNumber": records[-1].sequence_number,
            "approximateArrivalOfFirstRecord": _iso(records[0].arrival, arrival_precision),
            "approximateArrivalOfLastRecord": _iso(records[-1].arrival, arrival_precision),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
    if condition is FailureCondition.RECORD_AGE_EXCEEDED:
        del document["responseContext"]  # AWS sends none when records aged out (no invocation is reported)
    return document
