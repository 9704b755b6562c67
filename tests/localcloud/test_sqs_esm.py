"""SQS and DynamoDB Streams event source mappings through boto3 (sandbox/localcloud/esm/)."""

from __future__ import annotations

import json

import pytest

from sandbox.aws import client
from sandbox.localcloud.runtime import InvocationResult
from sandbox.waiting import WaitTimeout, wait_until
from tests.localcloud.esm_helpers import Resources, ok




def _queue_depth(aws: Resources, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def test_sqs_batches_event_shape_and_delete_on_success(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    url, arn = aws.queue()
    for i in range(12):
        aws.sqs.send_message(
            QueueUrl=url, MessageBody=f"order-{i}", MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}}
        )

    mapping = aws.mapping(function, arn, BatchSize=5)

    wait_until(lambda: len(fake.records_of(function)) == 12, timeout=5, message="12 messages delivered")
    assert all(len(call.records) <= 5 for call in fake.calls_of(function))
    assert sorted(r["body"] for r in fake.records_of(function)) == sorted(f"order-{i}" for i in range(12))
    record = fake.records_of(function)[0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["awsRegion"] == localcloud.settings.region
    assert record["messageId"] and record["receiptHandle"] and record["md5OfBody"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1" and "SentTimestamp" in record["attributes"]
    assert record["messageAttributes"]["kind"]["stringValue"] == "order"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert "binaryValue" not in record["messageAttributes"]["kind"] and record["md5OfMessageAttributes"]  # as AWS sends them
    wait_until(lambda: _queue_depth(aws, url) == 0, timeout=3, message="processed messages deleted")
    got = aws.lam.get_event_source_mapping(UUID=mapping["UUID"])
    assert got["State"] == "Enabled" and "LastProcessingResult" not in got  # AWS reports none on queues
    [row] = [r for r in localcloud.runtime.extensions["esm"].describe() if r["uuid"] == mapping["UUID"]]
    assert row["last_result"] == "OK"


def test_sqs_partial_batch_response_keeps_only_the_failed_message(localcloud, fake, aws):
    function = aws.function()

    def partial(event):
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return InvocationResult(200, json.dumps({"batchItemFailures": [{"itemIdentifier": m} for m in failed]}).encode())

    fake.behaviours[function] = partial
    url, arn = aws.queue(VisibilityTimeout="30")
    for body in ("a", "bad", "b"):
        aws.sqs.send_message(QueueUrl=url, MessageBody=body)

    aws.mapping(function, arn, BatchSize=10, MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=["ReportBatchItemFailures"])

    wait_until(lambda: len(fake.records_of(function)) == 3, timeout=5, message="the batch")
    wait_until(lambda: _queue_depth(aws, url) == 1, timeout=3, message="the good messages deleted")
    with pytest.raises(WaitTimeout):  # the failed message stays invisible for the queue's visibility timeout
        wait_until(lambda: len(fake.records_of(function)) > 3, timeout=1, message="no redelivery yet")


def test_sqs_failed_batch_comes_back_after_the_visibility_timeout(localcloud, fake, aws):
    function = aws.function()
    attempts = []

    def fail_once(event):
        attempts.append(event)
        return InvocationResult(200, b"null", function_error="Unhandled") if len(attempts) == 1 else ok(event)

    fake.behaviours[function] = fail_once
    url, arn = aws.queue(VisibilityTimeout="1")
    aws.sqs.send_message(QueueUrl=url, MessageBody="retry-me")

    mapping = aws.mapping(function, arn)

    wait_until(lambda: len(fake.calls_of(function)) == 2, timeout=5, message="the redelivery")
    first, second = fake.calls_of(function)
    assert second.at - first.at >= 0.9
    assert second.records[0]["attributes"]["ApproximateReceiveCount"] == "2"
    wait_until(lambda: _queue_depth(aws, url) == 0, timeout=3, message="deleted after success")
    [row] = [r for r in localcloud.runtime.extensions["esm"].describe() if r["uuid"] == mapping["UUID"]]
    assert row["last_result"] == "OK"


def test_dynamodb_stream_records_reach_the_function(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    ddb = client("dynamodb", localcloud.settings)
    table, stream_arn = aws.table_with_stream(key="CustomerID", key_type="N")
    ddb.put_item(TableName=table, Item={"CustomerID": {"N": "1"}, "Country": {"S": "France"}})
    aws.mapping(function, stream_arn, BatchSize=2)
    ddb.put_item(TableName=table, Item={"CustomerID": {"N": "1"}, "Country": {"S": "Spain"}})
    ddb.delete_item(TableName=table, Key={"CustomerID": {"N": "1"}})

    wait_until(lambda: len(fake.records_of(function)) == 3, timeout=5, message="three stream records")
    records = fake.records_of(function)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert all(len(c.records) <= 2 for c in fake.calls_of(function))
    first = records[0]
    assert first["eventSource"] == "aws:dynamodb" and first["eventSourceARN"] == stream_arn
    assert first["awsRegion"] == localcloud.settings.region
    assert first["dynamodb"]["Keys"] == {"CustomerID": {"N": "1"}}
    assert first["dynamodb"]["NewImage"]["Country"] == {"S": "France"}
    assert records[1]["dynamodb"]["OldImage"]["Country"] == {"S": "France"}
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], float)  # as AWS sends it (whole seconds)
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers)
