"""Kinesis event source mappings through boto3 (sandbox/localcloud/esm/).

The function is a test double set with `runtime.set_invoker`, so each test states exactly what the
function answers; tests/localcloud/test_esm_conformance.py runs real zips through the executor.
"""

from __future__ import annotations

import base64
import time
from datetime import datetime, timezone

import pytest

from sandbox.aws import client
from sandbox.localcloud.runtime import InvocationResult
from sandbox.waiting import WaitTimeout, wait_until
from tests.localcloud.esm_helpers import FakeLambda, Resources, data_of, ok, unhandled




def _extension(localcloud):
    return localcloud.runtime.extensions["esm"]


def test_event_shape_batch_size_state_and_describe(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    stream, stream_arn = aws.stream()
    sequences = aws.put(stream, *[f"order-{i}" for i in range(25)], key="customer-17")

    created = aws.mapping(function, stream_arn, BatchSize=10)

    assert created["State"] == "Creating"
    assert created["LastProcessingResult"] == "No records processed"
    wait_until(lambda: len(fake.records_of(function)) == 25, timeout=5, message="25 records delivered")
    assert [len(call.records) for call in fake.calls_of(function)] == [10, 10, 5]
    first = fake.calls_of(function)[0].records[0]
    role = aws.lam.get_function(FunctionName=function)["Configuration"]["Role"]
    assert first == {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "customer-17",
            "sequenceNumber": sequences[0],
            "data": base64.b64encode(b"order-0").decode(),
            "approximateArrivalTimestamp": first["kinesis"]["approximateArrivalTimestamp"],
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequences[0]}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role,
        "awsRegion": localcloud.settings.region,
        "eventSourceARN": stream_arn,
    }
    assert abs(first["kinesis"]["approximateArrivalTimestamp"] - time.time()) < 30
    mapping = aws.lam.get_event_source_mapping(UUID=created["UUID"])
    assert (mapping["State"], mapping["LastProcessingResult"]) == ("Enabled", "OK")
    listed = aws.lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    assert [m["State"] for m in listed] == ["Enabled"]
    [row] = [r for r in _extension(localcloud).describe() if r["uuid"] == created["UUID"]]
    assert row["function"].endswith(f":function:{function}") and row["source"] == stream_arn
    assert (row["state"], row["last_result"]) == ("Enabled", "OK")
    [shard] = row["shards"]
    assert shard["shard_id"] == "shardId-000000000000"
    assert (shard["checkpoint"], shard["records"], shard["failures"]) == (sequences[-1], 25, 0)
    assert shard["iterator_age_ms"] >= 0


def test_batching_window_gathers_records_until_it_expires(localcloud, fake, aws):
    windowed, immediate = aws.function(), aws.function()
    fake.behaviours[windowed] = fake.behaviours[immediate] = ok
    stream, stream_arn = aws.stream()
    aws.mapping(windowed, stream_arn, StartingPosition="LATEST", BatchSize=100, MaximumBatchingWindowInSeconds=1)
    aws.mapping(immediate, stream_arn, StartingPosition="LATEST", BatchSize=100)
    wait_until(lambda: all(aws.state(u) == "Enabled" for u in aws.mappings), timeout=3, message="mappings enabled")

    started = time.time()
    aws.put(stream, "a")
    wait_until(lambda: fake.calls_of(immediate), timeout=3, message="the unwindowed mapping invoked")
    aws.put(stream, "b", "c")
    wait_until(lambda: fake.calls_of(windowed), timeout=4, message="the windowed mapping invoked")

    [call] = fake.calls_of(windowed)
    assert [data_of(r) for r in call.records] == ["a", "b", "c"]
    assert call.at - started >= 0.9
    assert fake.calls_of(immediate)[0].at - started < 0.8


def test_trim_horizon_latest_and_at_timestamp(localcloud, fake, aws):
    from_start, from_latest, from_timestamp = aws.function(), aws.function(), aws.function()
    for function in (from_start, from_latest, from_timestamp):
        fake.behaviours[function] = ok
    stream, stream_arn = aws.stream()
    aws.put(stream, "old-1", "old-2")
    cut = time.time() + 0.05
    wait_until(lambda: time.time() > cut + 0.05, timeout=1, message="the clock to pass the cut")
    aws.put(stream, "mid-1", "mid-2")

    aws.mapping(from_start, stream_arn, StartingPosition="TRIM_HORIZON")
    aws.mapping(from_latest, stream_arn, StartingPosition="LATEST")
    aws.mapping(
        from_timestamp,
        stream_arn,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=datetime.fromtimestamp(cut, timezone.utc),
    )
    aws.put(stream, "new-1")

    wait_until(lambda: len(fake.records_of(from_start)) == 5, timeout=5, message="TRIM_HORIZON gets all five")
    wait_until(lambda: fake.records_of(from_latest), timeout=5, message="LATEST gets the new record")
    wait_until(lambda: len(fake.records_of(from_timestamp)) == 3, timeout=5, message="AT_TIMESTAMP gets three")
    assert [data_of(r) for r in fake.records_of(from_start)] == ["old-1", "old-2", "mid-1", "mid-2", "new-1"]
    assert [data_of(r) for r in fake.records_of(from_latest)] == ["new-1"]
    assert [data_of(r) for r in fake.records_of(from_timestamp)] == ["mid-1", "mid-2", "new-1"]


def test_order_is_kept_per_shard_and_each_record_arrives_once(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    stream, stream_arn = aws.stream(shards=3)
    aws.mapping(function, stream_arn, BatchSize=7)
    expected: dict[str, list[str]] = {}
    for i in range(30):
        key = f"customer-{i % 5}"
        entries = [{"Data": f"{key}/{i}/{j}".encode(), "PartitionKey": key} for j in range(5)]
        aws.kinesis.put_records(StreamName=stream, Records=entries)
        expected.setdefault(key, []).extend(e["Data"].decode() for e in entries)

    wait_until(lambda: len(fake.records_of(function)) >= 150, timeout=10, message="150 records delivered")
    records = fake.records_of(function)
    assert len(records) == 150
    by_shard: dict[str, list[int]] = {}
    by_key: dict[str, list[str]] = {}
    for record in records:
        shard = record["eventID"].split(":")[0]
        by_shard.setdefault(shard, []).append(int(record["kinesis"]["sequenceNumber"]))
        by_key.setdefault(record["kinesis"]["partitionKey"], []).append(data_of(record))
    assert len(by_shard) > 1
    for numbers in by_shard.values():
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert by_key == expected
    assert all(len(call.records) <= 7 for call in fake.calls_of(function))


def _fails_on_bad(event):
    if any(data_of(r) == "bad" for r in event["Records"]):
        return unhandled("bad record")
    return ok(event)


def test_retries_then_on_failure_record_to_sqs(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = _fails_on_bad
    stream, stream_arn = aws.stream()
    queue_url, queue_arn = aws.queue()
    sequences = aws.put(stream, "bad", "x", "y")
    created = aws.mapping(
        function,
        stream_arn,
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )

    [failure] = wait_until(lambda: aws.received(queue_url), timeout=10, message="the on-failure record")

    calls = fake.calls_of(function)
    assert len(calls) == 3 and all(len(c.records) == 3 for c in calls)
    function_arn = aws.lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    assert failure["requestContext"]["functionArn"] == function_arn
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["requestContext"]["requestId"]
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert failure["version"] == "1.0"
    assert datetime.fromisoformat(failure["timestamp"].replace("Z", "+00:00")).tzinfo is not None
    info = failure["KinesisBatchInfo"]
    assert info["shardId"] == "shardId-000000000000"
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (sequences[0], sequences[-1])
    assert info["batchSize"] == 3 and info["streamArn"] == stream_arn
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    assert info["approximateArrivalOfFirstRecord"] <= info["approximateArrivalOfLastRecord"]
    wait_until(
        lambda: aws.lam.get_event_source_mapping(UUID=created["UUID"])["LastProcessingResult"]
        == "PROBLEM: Function call failed",
        timeout=2,
        message="LastProcessingResult PROBLEM",
    )

    aws.put(stream, "good")  # the checkpoint moved past the discarded batch
    wait_until(lambda: fake.records_of(function, ok_only=True), timeout=5, message="the next record delivered")
    assert [data_of(r) for r in fake.records_of(function, ok_only=True)] == ["good"]
    wait_until(
        lambda: aws.lam.get_event_source_mapping(UUID=created["UUID"])["LastProcessingResult"] == "OK",
        timeout=2,
        message="LastProcessingResult OK",
    )


def test_bisect_narrows_the_failure_to_the_bad_record(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = _fails_on_bad
    stream, stream_arn = aws.stream()
    queue_url, queue_arn = aws.queue()
    data = ["r0", "r1", "r2", "r3", "r4", "bad", "r6", "r7"]
    sequences = aws.put(stream, *data)
    aws.mapping(
        function,
        stream_arn,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )

    [failure] = wait_until(lambda: aws.received(queue_url), timeout=10, message="the on-failure record")
    wait_until(lambda: len(fake.records_of(function, ok_only=True)) == 7, timeout=5, message="the good records")

    info = failure["KinesisBatchInfo"]
    bad = sequences[data.index("bad")]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (bad, bad, 1)
    assert [data_of(r) for r in fake.records_of(function, ok_only=True)] == [d for d in data if d != "bad"]
    assert [len(c.records) for c in fake.calls_of(function)][:3] == [8, 4, 4]


def test_report_batch_item_failures_resumes_from_the_lowest_failed_record(localcloud, fake, aws):
    function = aws.function()
    seen_bad = []

    def partial(event):
        failed = [r["kinesis"]["sequenceNumber"] for r in event["Records"] if data_of(r).startswith("bad")]
        if failed and not seen_bad:
            seen_bad.append(True)
            body = {"batchItemFailures": [{"itemIdentifier": s} for s in reversed(failed)]}
            return InvocationResult(200, __import__("json").dumps(body).encode())
        return ok(event)

    fake.behaviours[function] = partial
    stream, stream_arn = aws.stream()
    aws.put(stream, "a", "b", "bad-1", "c", "bad-2", "d")
    aws.mapping(function, stream_arn, FunctionResponseTypes=["ReportBatchItemFailures"])

    wait_until(lambda: len(fake.calls_of(function)) == 2, timeout=5, message="the batch and its retry")
    first, second = fake.calls_of(function)
    assert [data_of(r) for r in first.records] == ["a", "b", "bad-1", "c", "bad-2", "d"]
    assert [data_of(r) for r in second.records] == ["bad-1", "c", "bad-2", "d"]


def test_disable_enable_and_delete_take_effect_at_run_time(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    stream, stream_arn = aws.stream()
    mapping = aws.mapping(function, stream_arn, StartingPosition="LATEST")["UUID"]
    wait_until(lambda: aws.state(mapping) == "Enabled", timeout=2, message="Enabled")
    aws.put(stream, "one")
    wait_until(lambda: len(fake.records_of(function)) == 1, timeout=2, message="delivery while enabled")

    updated = aws.lam.update_event_source_mapping(UUID=mapping, Enabled=False)
    assert updated["State"] in ("Disabling", "Disabled")
    wait_until(lambda: aws.state(mapping) == "Disabled", timeout=2, message="Disabled")
    aws.put(stream, "two")
    with pytest.raises(WaitTimeout):
        wait_until(lambda: len(fake.records_of(function)) > 1, timeout=1, message="no delivery while disabled")

    enabling = aws.lam.update_event_source_mapping(UUID=mapping, Enabled=True)
    assert enabling["State"] == "Enabling"  # the transition, as AWS answers an update
    wait_until(lambda: len(fake.records_of(function)) == 2, timeout=2, message="delivery resumes at the checkpoint")
    assert [data_of(r) for r in fake.records_of(function)] == ["one", "two"]
    assert aws.state(mapping) == "Enabled"

    deleted = aws.lam.delete_event_source_mapping(UUID=mapping)
    assert deleted["State"] == "Deleting"
    wait_until(
        lambda: all(r["uuid"] != mapping for r in _extension(localcloud).describe()),
        timeout=2,
        message="the pollers of the deleted mapping gone",
    )
    aws.put(stream, "three")
    with pytest.raises(WaitTimeout):
        wait_until(lambda: len(fake.records_of(function)) > 2, timeout=1, message="no delivery after delete")


def test_maximum_record_age_skips_old_records(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    stream, stream_arn = aws.stream()
    queue_url, queue_arn = aws.queue()
    old = aws.put(stream, "old-1", "old-2")
    put_at = time.time()
    mapping = aws.mapping(
        function,
        stream_arn,
        Enabled=False,
        MaximumRecordAgeInSeconds=1,  # AWS's minimum is 60; moto accepts less, which keeps this fast
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )["UUID"]
    wait_until(lambda: time.time() > put_at + 1.2, timeout=3, message="the old records to pass 1 s")
    aws.put(stream, "fresh")
    enabling = aws.lam.update_event_source_mapping(UUID=mapping, Enabled=True)
    assert enabling["State"] == "Enabling"  # the transition, as AWS answers an update

    wait_until(lambda: fake.records_of(function), timeout=3, message="the fresh record")
    [failure] = wait_until(lambda: aws.received(queue_url), timeout=3, message="the record-age failure record")
    assert [data_of(r) for r in fake.records_of(function)] == ["fresh"]
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert "responseContext" not in failure  # AWS reports no invocation for records that aged out
    info = failure["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (old[0], old[1], 2)


def test_resharding_loses_nothing_and_polls_the_new_shards(localcloud, fake, aws):
    function = aws.function()
    fake.behaviours[function] = ok
    stream, stream_arn = aws.stream(shards=1)
    mapping = aws.mapping(function, stream_arn, StartingPosition="LATEST")["UUID"]
    wait_until(lambda: aws.state(mapping) == "Enabled", timeout=2, message="Enabled")
    aws.put(stream, "before")
    wait_until(lambda: fake.records_of(function), timeout=2, message="the record before resharding")
    aws.kinesis.update_shard_count(StreamName=stream, TargetShardCount=2, ScalingType="UNIFORM_SCALING")

    aws.kinesis.put_records(
        StreamName=stream, Records=[{"Data": f"after-{i}".encode(), "PartitionKey": f"k{i}"} for i in range(20)]
    )

    wait_until(lambda: len(fake.records_of(function)) >= 21, timeout=5, message="the records after resharding")
    delivered = sorted(data_of(r) for r in fake.records_of(function))
    assert delivered == sorted(["before"] + [f"after-{i}" for i in range(20)])
    shard_ids = {s["ShardId"] for s in aws.kinesis.list_shards(StreamName=stream)["Shards"]}
    wait_until(
        lambda: {s["shard_id"] for r in _extension(localcloud).describe() if r["uuid"] == mapping for s in r["shards"]}
        == shard_ids,
        timeout=2,
        message="a poller per shard, the new ones included",
    )


def test_shutdown_restores_moto_and_stops_every_poller(isolated_settings):
    import threading

    from moto.awslambda.models import EventSourceMapping, LambdaBackend

    from sandbox.localcloud.esm.extension import EventSourceMappings
    from sandbox.localcloud.server import LocalCloud

    original_create = LambdaBackend.create_event_source_mapping
    original_configuration = EventSourceMapping.get_configuration
    cloud = LocalCloud(isolated_settings, extensions=(EventSourceMappings,)).start()
    try:
        cloud.runtime.set_invoker(FakeLambda())
        aws = Resources(isolated_settings)
        stream, stream_arn = aws.stream(shards=2)
        aws.mapping(aws.function(), stream_arn)
        assert LambdaBackend.create_event_source_mapping is not original_create
        wait_until(
            lambda: sum(t.name.startswith("esm-") for t in threading.enumerate()) >= 3,
            timeout=2,
            message="the reconciler and two shard pollers",
        )
        aws.cleanup()
    finally:
        cloud.stop()
    assert LambdaBackend.create_event_source_mapping is original_create
    assert EventSourceMapping.get_configuration is original_configuration
    assert not [t.name for t in threading.enumerate() if t.name.startswith("esm-")]


def test_on_failure_record_to_s3_carries_the_batch_under_aws_key(localcloud, fake, aws):
    import json

    function = aws.function()
    fake.behaviours[function] = _fails_on_bad
    stream, stream_arn = aws.stream()
    s3 = client("s3", localcloud.settings)
    bucket = aws.name("bucket")
    s3.create_bucket(Bucket=bucket)
    sequences = aws.put(stream, "bad")
    created = aws.mapping(function, stream_arn, MaximumRetryAttempts=1,
                          DestinationConfig={"OnFailure": {"Destination": f"arn:aws:s3:::{bucket}"}})

    [entry] = wait_until(lambda: s3.list_objects_v2(Bucket=bucket).get("Contents"), timeout=10,
                         message="the on-failure object")
    record = json.loads(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())
    at = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))
    assert entry["Key"].startswith(f"aws/lambda/{created['UUID']}/shardId-000000000000/"
                                   f"{at:%Y/%m/%d}/{at:%Y-%m-%dT%H.%M.%S}-")
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert [r["kinesis"]["sequenceNumber"] for r in record["payload"]["Records"]] == sequences
    assert record["KinesisBatchInfo"]["startSequenceNumber"] == sequences[0]
