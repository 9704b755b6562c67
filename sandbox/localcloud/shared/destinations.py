"""Send an invocation record to a destination: OnFailure of stream mappings, OnSuccess/OnFailure of
asynchronous invocations.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html and
https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html: the destination
is an SQS queue (possibly another account's: the queue is looked up in its owner's account), an
SNS topic, a Lambda function (invoked asynchronously) or, for stream mappings, an S3 bucket (one
object per record, under the key the caller names). Queues and topics are reached through
boto3 at the stack's endpoint, so queue policies and SNS subscriptions apply as for any other
publisher. Picked from a table by the ARN's service.

Known gaps: no EventBridge destinations.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from sandbox import aws
from sandbox.arn import Arn, parse_as
from sandbox.settings import Settings

Invoke = Callable[..., Any]  # the runtime's invoke(function, payload, invocation_type=...)
Attributes = dict[str, dict[str, str]]  # SQS/SNS message attributes


class UnsupportedDestination(ValueError):
    """The destination ARN names a service localcloud does not deliver to here."""


class DestinationSender:
    """Delivers JSON documents to destination ARNs."""

    def __init__(self, settings: Settings, invoke: Invoke) -> None:
        self.settings = settings
        self._invoke = invoke
        self._senders: dict[str, Callable[..., None]] = {
            "sqs": self._to_sqs,
            "sns": self._to_sns,
            "lambda": self._to_lambda,
            "s3": self._to_s3,
        }

    def send(
        self,
        destination_arn: str,
        document: dict[str, Any],
        *,
        services: tuple[str, ...] = ("sqs", "sns", "lambda"),
        key: str | None = None,
    ) -> None:
        """Deliver `document` to `destination_arn`, one of `services` (raises UnsupportedDestination);
        `key` names the object when the destination is an S3 bucket."""
        arn = next((a for s in services if (a := parse_as(destination_arn, s)) is not None), None)
        if arn is None:
            kinds = ", ".join(s.upper() if s != "lambda" else "Lambda" for s in services)
            raise UnsupportedDestination(f"destination {destination_arn!r} is not supported by localcloud: use {kinds}")
        self._senders[arn.service](arn, json.dumps(document), key)

    def send_dead_letter(self, target_arn: str, body: str, request_id: str, error_message: str) -> None:
        """A failed asynchronous event, as-is, to a function's dead-letter queue or topic, with the
        RequestID, ErrorCode and ErrorMessage attributes AWS adds.
        https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq"""
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": error_message[:1000] or "Unhandled"},
        }
        arn = parse_as(target_arn, "sqs") or parse_as(target_arn, "sns")
        if arn is None:
            raise UnsupportedDestination(f"dead-letter target {target_arn!r} is neither an SQS queue nor an SNS topic")
        self._senders[arn.service](arn, body, None, attributes)

    def _to_sqs(self, arn: Arn, body: str, _key: str | None = None, attributes: Attributes | None = None) -> None:
        client = aws.client("sqs", self.settings)
        url = client.get_queue_url(QueueName=arn.resource, QueueOwnerAWSAccountId=arn.account)["QueueUrl"]
        client.send_message(QueueUrl=url, MessageBody=body, **({"MessageAttributes": attributes} if attributes else {}))

    def _to_sns(self, arn: Arn, body: str, _key: str | None = None, attributes: Attributes | None = None) -> None:
        aws.client("sns", self.settings).publish(
            TopicArn=str(arn), Message=body, **({"MessageAttributes": attributes} if attributes else {}))

    def _to_lambda(self, arn: Arn, body: str, _key: str | None = None, _attributes: Attributes | None = None) -> None:
        self._invoke(str(arn), body.encode(), invocation_type="Event")

    def _to_s3(self, arn: Arn, body: str, key: str | None = None, _attributes: Attributes | None = None) -> None:
        if not key:
            raise UnsupportedDestination(f"an S3 destination ({arn}) needs an object key")
        aws.client("s3", self.settings).put_object(Bucket=arn.resource, Key=key, Body=body.encode())
