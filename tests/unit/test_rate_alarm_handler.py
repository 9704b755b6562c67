"""Lambda TransactionRateAlarm on its own: one SNS message per alarm, dead letters for what is not an
alarm, and no alarm published twice when a Publish fails mid-batch (clients are test doubles)."""

from __future__ import annotations

import base64
import json

from botocore.exceptions import ClientError

from pipelines.rate_alarm.handler import SUBJECT, process


def _record(payload, sequence: str) -> dict:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return {"eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/OrderRateAlarms",
            "kinesis": {"sequenceNumber": sequence, "data": base64.b64encode(data).decode()}}


def _alarm(n: int) -> dict:
    return {"alarm_id": f"job:{n}", "job_id": "job", "window_start": "2026-01-27T12:00:00.000Z",
            "window_end": "2026-01-27T12:00:10.000Z", "window_seconds": 10, "order_count": 10 + n, "threshold": 10,
            "raised_at": "2026-01-27T12:00:09.500Z"}


class Sns:
    def __init__(self, fail_on: int | None = None):
        self.published: list[dict] = []
        self.fail_on = fail_on

    def publish(self, **kwargs):
        if self.fail_on is not None and len(self.published) == self.fail_on:
            self.fail_on = None
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Publish")
        self.published.append(kwargs)
        return {"MessageId": str(len(self.published))}


class Sqs:
    def __init__(self):
        self.sent: list[dict] = []

    def send_message(self, **kwargs):
        self.sent.append(json.loads(kwargs["MessageBody"]))


def test_each_alarm_becomes_one_message_with_the_numbers():
    sns, sqs = Sns(), Sqs()
    answer = process({"Records": [_record(_alarm(2), "1"), _record(_alarm(5), "2")]}, sns, sqs, "arn:topic", "url")
    assert answer == {"batchItemFailures": []}
    assert [p["Subject"] for p in sns.published] == [SUBJECT, SUBJECT]
    assert "12 orders in the 10-second window" in sns.published[0]["Message"]
    assert "(threshold 10)" in sns.published[0]["Message"] and "job:2" in sns.published[0]["Message"]


def test_records_that_are_not_alarms_are_dead_lettered_and_the_batch_goes_on():
    sns, sqs = Sns(), Sqs()
    records = [_record(b"not json", "1"), _record({"alarm_id": "x"}, "2"), _record(_alarm(1), "3")]
    assert process({"Records": records}, sns, sqs, "arn:topic", "url") == {"batchItemFailures": []}
    assert len(sns.published) == 1
    assert [d["sequenceNumber"] for d in sqs.sent] == ["1", "2"]
    assert "fields missing" in sqs.sent[1]["reason"] and sqs.sent[0]["data"] == base64.b64encode(b"not json").decode()


def test_a_failed_publish_reports_it_and_the_rest_so_a_retry_publishes_nothing_twice():
    sns, sqs = Sns(fail_on=1), Sqs()
    records = [_record(_alarm(i), str(i)) for i in range(1, 4)]
    answer = process({"Records": records}, sns, sqs, "arn:topic", "url")
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}
    retried = process({"Records": records[1:]}, sns, sqs, "arn:topic", "url")  # the mapping resumes at "2"
    assert retried == {"batchItemFailures": []}
    assert [p["MessageAttributes"]["alarm_id"]["StringValue"] for p in sns.published] == ["job:1", "job:2", "job:3"]
