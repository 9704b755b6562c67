"""Lambda `TransactionRateAlarm`: alarm records from Kinesis `OrderRateAlarms` → SNS `CadabraAlarms`.

Invoked by an event source mapping (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html);
publishes one notification per alarm (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html)
with the subject "Cadabra Order Rate Alarm" and the numbers in the message. Partial batch responses
(https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html): when a
Publish fails, that record and every later one are reported, and none of them is published, so the
mapping's retry from that record publishes nothing twice.

A record that is not an alarm (not JSON, fields missing) can never succeed: it goes to the SQS
queue in DLQ_URL with the reason and the original data, and the batch goes on.

This file is bundled alone into the function's zip: standard library and boto3 only.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

SUBJECT = "Cadabra Order Rate Alarm"
REQUIRED = ("alarm_id", "window_start", "window_end", "order_count", "threshold")


class NotAnAlarm(ValueError):
    """The record is not an alarm record of the rate job."""


def parse_alarm(record: dict[str, Any]) -> dict[str, Any]:
    try:
        raw = base64.b64decode(record["kinesis"]["data"], validate=True)
        alarm = json.loads(raw)
    except (binascii.Error, ValueError, KeyError) as exc:
        raise NotAnAlarm(f"not a JSON alarm record: {exc}") from None
    if not isinstance(alarm, dict):
        raise NotAnAlarm("not a JSON object")
    missing = [f for f in REQUIRED if f not in alarm]
    if missing:
        raise NotAnAlarm(f"fields missing: {', '.join(missing)}")
    if not isinstance(alarm["order_count"], int) or not isinstance(alarm["threshold"], int):
        raise NotAnAlarm("order_count and threshold must be integers")
    return alarm


def message(alarm: dict[str, Any]) -> str:
    """The notification text: the numbers first (it is also the SMS)."""
    seconds = alarm.get("window_seconds")
    window = f"{seconds}-second window" if seconds else "window"
    return (
        f"Order rate alarm: {alarm['order_count']} orders in the {window} "
        f"{alarm['window_start']} to {alarm['window_end']} (threshold {alarm['threshold']}).\n"
        f"Job: {alarm.get('job_id', '?')}. Alarm id: {alarm['alarm_id']}. Raised at {alarm.get('raised_at', '?')}."
    )


def process(event: dict[str, Any], sns: Any, sqs: Any, topic_arn: str, dlq_url: str) -> dict[str, Any]:
    """Publish each alarm; dead-letter what is not one; report failures from the first failed Publish on."""
    records = event.get("Records", [])
    published = dead = 0
    for index, record in enumerate(records):
        sequence = record.get("kinesis", {}).get("sequenceNumber", "")
        try:
            alarm = parse_alarm(record)
        except NotAnAlarm as exc:
            sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps({
                "reason": str(exc), "sequenceNumber": sequence, "eventSourceARN": record.get("eventSourceARN"),
                "data": record.get("kinesis", {}).get("data"),
            }))
            _log("TransactionRateAlarm dead-lettered a record", sequenceNumber=sequence, reason=str(exc))
            dead += 1
            continue
        try:
            sns.publish(TopicArn=topic_arn, Subject=SUBJECT, Message=message(alarm), MessageAttributes={
                "order_count": {"DataType": "Number", "StringValue": str(alarm["order_count"])},
                "alarm_id": {"DataType": "String", "StringValue": str(alarm["alarm_id"])},
            })
        except (ClientError, BotoCoreError) as exc:
            failed = [r["kinesis"]["sequenceNumber"] for r in records[index:]]
            _log("TransactionRateAlarm publish failed; the mapping retries", error=str(exc), failed=len(failed))
            return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}
        published += 1
        _log("TransactionRateAlarm published", alarm_id=alarm["alarm_id"], order_count=alarm["order_count"])
    _log("TransactionRateAlarm batch", records=len(records), published=published, dead_lettered=dead)
    return {"batchItemFailures": []}


def _log(text: str, **fields: Any) -> None:
    print(json.dumps({"message": text, **fields}, default=str))


_CLIENTS: dict[str, Any] = {}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Clients from the environment (TOPIC_ARN, DLQ_URL); boto3 honours AWS_ENDPOINT_URL itself."""
    import boto3

    topic_arn, dlq_url = os.environ.get("TOPIC_ARN"), os.environ.get("DLQ_URL")
    if not topic_arn or not dlq_url:
        raise RuntimeError("TransactionRateAlarm needs TOPIC_ARN and DLQ_URL in its environment: redeploy the pipeline")
    for service in ("sns", "sqs"):
        if service not in _CLIENTS:
            _CLIENTS[service] = boto3.client(service)
    return process(event, _CLIENTS["sns"], _CLIENTS["sqs"], topic_arn, dlq_url)
