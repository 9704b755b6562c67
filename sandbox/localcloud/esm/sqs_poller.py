"""Poll an SQS queue for a mapping, through the queue API as Lambda's pollers do.

https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
Messages of a successful batch are deleted; those of a failed batch are left alone and come back
when the queue's visibility timeout expires (and go to the queue's dead-letter queue after its
maxReceiveCount, which moto applies on receive). With ReportBatchItemFailures only the messages
the function named stay. Known gap: FIFO ordering per message group is moto's.
"""

from __future__ import annotations

import time
from typing import Any

from sandbox import aws
from sandbox.arn import Arn
from sandbox.settings import Settings

RECEIVE_MAX = 10  # ReceiveMessage's own limit per call


class SqsPoller:
    def __init__(self, settings: Settings, queue_arn: str) -> None:
        self.queue_arn = queue_arn
        arn = Arn.parse(queue_arn)
        self._region, self._account, self._name = arn.region, arn.account, arn.resource
        self._client = aws.client("sqs", settings)
        self._url: str | None = None

    def _queue_url(self) -> str:
        if self._url is None:
            self._url = self._client.get_queue_url(QueueName=self._name, QueueOwnerAWSAccountId=self._account)[
                "QueueUrl"
            ]
        return self._url

    def receive(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` visible messages (one ReceiveMessage call), each shaped as an event record."""
        answer = self._client.receive_message(
            QueueUrl=self._queue_url(),
            MaxNumberOfMessages=max(1, min(RECEIVE_MAX, limit)),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return [self._event_record(message) for message in answer.get("Messages", [])]

    def delete(self, records: list[dict[str, Any]]) -> None:
        url = self._queue_url()
        for start in range(0, len(records), RECEIVE_MAX):
            chunk = records[start : start + RECEIVE_MAX]
            self._client.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
            )

    def _event_record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("MessageAttributes", {})
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {name: _attribute(value) for name, value in attributes.items()},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self._region,
        }
        if message.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    import base64

    binary = value.get("BinaryValue")
    shaped: dict[str, Any] = {"stringValue": value["StringValue"]} if "StringValue" in value else {}
    if binary:
        shaped["binaryValue"] = base64.b64encode(binary).decode()
    return {  # AWS leaves out the value member a String (Binary) attribute does not have
        **shaped,
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": [base64.b64encode(b).decode() for b in value.get("BinaryListValues", [])],
        "dataType": value.get("DataType"),
    }


def arrival(record: dict[str, Any]) -> float:
    """SentTimestamp of an event record, in epoch seconds."""
    sent = record.get("attributes", {}).get("SentTimestamp")
    return int(sent) / 1000 if sent else time.time()
