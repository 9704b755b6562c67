"""Event source mappings through the real Lambda executor: a zip deployed with boto3 runs its handler
in a worker process for each batch (sandbox/localcloud/esm/ + awslambda/)."""

from __future__ import annotations

import pytest

from sandbox.localcloud.awslambda.extension import LambdaExtension
from sandbox.waiting import wait_until
from tests.localcloud.esm_helpers import Resources

HANDLER = '''
import base64, json, os
import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    rows = []
    for record in event["Records"]:
        data = base64.b64decode(record["kinesis"]["data"]).decode()
        if data == "bad":
            raise ValueError("bad record " + record["kinesis"]["sequenceNumber"])
        rows.append({"data": data, "seq": record["kinesis"]["sequenceNumber"], "id": record["eventID"]})
    sqs.send_message(QueueUrl=os.environ["OUT_QUEUE"], MessageBody=json.dumps(rows))
    return {"count": len(rows)}
'''


@pytest.fixture
def aws(localcloud):
    assert isinstance(localcloud.runtime.extensions["lambda"], LambdaExtension)
    resources = Resources(localcloud.settings)
    yield resources
    resources.cleanup()


def _deploy(aws: Resources, out_queue: str) -> str:
    name = aws.function(HANDLER)
    aws.lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"OUT_QUEUE": out_queue}})
    return name


def _batches(aws: Resources, url: str, into: list) -> int:
    into.extend(aws.received(url, 10))
    return sum(len(batch) for batch in into)


def test_kinesis_batches_run_the_deployed_handler_in_order(localcloud, aws):
    out_url, _ = aws.queue()
    function = _deploy(aws, out_url)
    stream, stream_arn = aws.stream()
    sequences = aws.put(stream, *[f"order-{i}" for i in range(12)])

    aws.mapping(function, stream_arn, BatchSize=5)

    batches: list = []
    wait_until(lambda: _batches(aws, out_url, batches) == 12, timeout=20, message="12 records through the handler")
    rows = sorted((row for batch in batches for row in batch), key=lambda row: int(row["seq"]))
    assert [row["data"] for row in rows] == [f"order-{i}" for i in range(12)]
    assert [row["seq"] for row in rows] == sequences
    assert all(row["id"] == f"shardId-000000000000:{row['seq']}" for row in rows)
    assert sorted(len(batch) for batch in batches) == [2, 5, 5]


def test_a_raising_handler_is_retried_then_reported_to_the_on_failure_queue(localcloud, aws):
    out_url, _ = aws.queue()
    function = _deploy(aws, out_url)
    failures_url, failures_arn = aws.queue()
    stream, stream_arn = aws.stream()
    sequences = aws.put(stream, "bad", "fine")

    created = aws.mapping(
        function,
        stream_arn,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )

    [failure] = wait_until(lambda: aws.received(failures_url), timeout=20, message="the on-failure record")
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    info = failure["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (sequences[0], sequences[1], 2)
    mapping = aws.lam.get_event_source_mapping(UUID=created["UUID"])
    assert mapping["LastProcessingResult"] == "PROBLEM: Function call failed"
    [row] = [r for r in localcloud.runtime.extensions["esm"].describe() if r["uuid"] == created["UUID"]]
    [shard] = row["shards"]
    assert (shard["failures"], shard["discarded"], shard["records"]) == (2, 2, 0)
    assert shard["checkpoint"] == sequences[1]
