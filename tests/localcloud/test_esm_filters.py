"""FilterCriteria on SQS, Kinesis and DynamoDB Streams mappings: only matching records reach the function."""

from __future__ import annotations

import json

from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.localcloud.esm_helpers import data_of, ok


def _criteria(*patterns: dict) -> dict:
    return {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}


def test_sqs_messages_no_filter_matches_are_deleted_not_delivered(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    url, arn = aws.queue()
    aws.mapping(function, arn, FilterCriteria=_criteria({"body": {"kind": ["order"]}}))
    for body in ({"kind": "order", "id": 1}, {"kind": "refund", "id": 2}, "plain text", {"kind": "order", "id": 3}):
        aws.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body) if isinstance(body, dict) else body)
    wait_until(lambda: len(fake.records_of(function)) == 2, timeout=10, message="the two orders")
    assert sorted(json.loads(r["body"])["id"] for r in fake.records_of(function)) == [1, 3]
    wait_until(lambda: aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessages"] == "0", timeout=5, message="unmatched messages deleted")


def test_kinesis_records_are_matched_on_their_decoded_json_data(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    stream, arn = aws.stream()
    aws.mapping(function, arn, FilterCriteria=_criteria({"data": {"amount": [{"numeric": [">", 10]}]}}))
    aws.put(stream, json.dumps({"amount": 5}), json.dumps({"amount": 50}), "not json", json.dumps({"amount": 11}))
    wait_until(lambda: len(fake.records_of(function)) == 2, timeout=10, message="the two large amounts")
    assert [json.loads(data_of(r))["amount"] for r in fake.records_of(function)] == [50, 11]


def test_dynamodb_stream_records_are_matched_as_delivered(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    ddb = client("dynamodb", localcloud.settings)
    table, stream_arn = aws.table_with_stream()
    aws.mapping(function, stream_arn, FilterCriteria=_criteria({"eventName": ["INSERT"]}))
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"N": "2"}})  # MODIFY: filtered out
    ddb.put_item(TableName=table, Item={"id": {"S": "b"}})
    wait_until(lambda: len(fake.records_of(function)) == 2, timeout=10, message="the two inserts")
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in fake.records_of(function)] == ["a", "b"]
    assert all(r["eventName"] == "INSERT" for r in fake.records_of(function))
    assert all(isinstance(r["dynamodb"]["ApproximateCreationDateTime"], float) for r in fake.records_of(function))


def test_dynamodb_stream_records_with_binary_attributes_arrive_base64_encoded(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    ddb = client("dynamodb", localcloud.settings)
    table, stream_arn = aws.table_with_stream(key_type="B")
    aws.mapping(function, stream_arn)
    ddb.put_item(TableName=table, Item={"id": {"B": b"\x00\xffkey"}, "blobs": {"BS": [b"a", b"\x01"]},
                                        "nested": {"M": {"raw": {"B": b"z"}}}, "s": {"S": "text"}})
    ddb.put_item(TableName=table, Item={"id": {"B": b"second"}})
    wait_until(lambda: len(fake.records_of(function)) == 2, timeout=10, message="both records, the mapping still running")
    first = fake.records_of(function)[0]["dynamodb"]
    assert first["Keys"] == {"id": {"B": "AP9rZXk="}}
    assert first["NewImage"]["blobs"] == {"BS": ["YQ==", "AQ=="]}
    assert first["NewImage"]["nested"] == {"M": {"raw": {"B": "eg=="}}} and first["NewImage"]["s"] == {"S": "text"}
