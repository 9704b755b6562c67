"""Pipeline 3's queries: the alarms raised (from Kinesis `OrderRateAlarms`), the stream job's state
and the SQS inbox of `CadabraAlarms`; shared by `cadabra alarms`, the console page and the demo."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sandbox.settings import Settings


class AlarmsUnavailable(RuntimeError):
    """The alarm stream or the stack cannot be reached; the message names the fix."""


@dataclass(frozen=True)
class Alarm:
    alarm_id: str
    window_start: str
    window_end: str
    order_count: int
    threshold: int
    job_id: str
    raised_at: str
    arrived_at: str  # when OrderRateAlarms received the record

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def recent_alarms(settings: Settings, limit: int = 20) -> list[Alarm]:
    """The newest `limit` alarm records in OrderRateAlarms (the stream keeps 24 hours), newest first."""
    from spark_jobs.kinesis_shards import TRIM_HORIZON, ShardReader

    from sandbox import aws

    reader = ShardReader(aws.client("kinesis", settings), settings.names.alarms_stream, calls_per_second=5)
    alarms: list[Alarm] = []
    try:
        for shard_id in reader.shards(refresh=True):
            for row in reader.read_to_end(shard_id, TRIM_HORIZON):
                try:
                    doc = json.loads(row[5])
                    alarms.append(Alarm(
                        str(doc["alarm_id"]), str(doc["window_start"]), str(doc["window_end"]),
                        int(doc["order_count"]), int(doc["threshold"]), str(doc.get("job_id", "")),
                        str(doc.get("raised_at", "")), row[4].isoformat(timespec="milliseconds"),
                    ))
                except (ValueError, KeyError, TypeError):
                    continue  # not an alarm record: the Lambda dead-letters it
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise AlarmsUnavailable(
                f"Kinesis stream {settings.names.alarms_stream!r} does not exist: deploy with `cadabra deploy`"
            ) from exc
        raise
    except BotoCoreError as exc:
        raise AlarmsUnavailable(f"cannot reach Kinesis ({exc}): start the stack with `make up`") from exc
    return sorted(alarms, key=lambda a: a.arrived_at, reverse=True)[:limit]


def job_state(settings: Settings) -> dict[str, Any]:
    """The stream job's state as `cadabra status` shows it, plus its recent window counts."""
    from sandbox.stack.stream_job import job_dir, job_status

    state = job_status(settings, settings.names.alarms_job)
    try:
        status = json.loads((job_dir(settings, settings.names.alarms_job) / "status.json").read_text())
    except (OSError, ValueError):
        status = {}
    return {**state, "series": status.get("series", [])}


def take_inbox(settings: Settings, wait_seconds: int = 0) -> list[dict[str, Any]]:
    """Receive and delete the SNS notifications waiting in the SQS inbox (oldest first), with receipt times."""
    from sandbox import aws

    sqs = aws.client("sqs", settings)
    try:
        url = sqs.get_queue_url(QueueName=settings.names.alarms_inbox)["QueueUrl"]
    except ClientError as exc:
        raise AlarmsUnavailable(f"queue {settings.names.alarms_inbox!r} is missing: deploy with `cadabra deploy`") from exc
    answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds,
                                 AttributeNames=["SentTimestamp"])
    received_at = time.time()
    messages = []
    for raw in answer.get("Messages", []):
        note = json.loads(raw["Body"])
        messages.append({"subject": note.get("Subject"), "message": note.get("Message"),
                         "sent_at": int(raw["Attributes"]["SentTimestamp"]) / 1000, "received_at": received_at})
        sqs.delete_message(QueueUrl=url, ReceiptHandle=raw["ReceiptHandle"])
    return messages


def drain_inbox(settings: Settings, settle: float = 3.0) -> list[dict[str, Any]]:
    """Take every message that reaches the inbox until none has come for `settle` seconds."""
    got: list[dict[str, Any]] = []
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < settle:
        new = take_inbox(settings, wait_seconds=1)
        if new:
            got += new
            quiet_since = time.monotonic()
    return got
