"""Kinesis beyond moto's JSON (sandbox/localcloud/kinesis/): CBOR, SubscribeToShard, iterators, policies."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.serialize import CBORSerializer

from sandbox.aws import client
from sandbox.localcloud.kinesis import cbor


def _cbor_of(document: dict) -> bytes:
    """A request body as the Java SDK writes it (timestamps as tag 1 epoch milliseconds)."""
    serializer = CBORSerializer()
    out = bytearray()

    def item(value):
        if isinstance(value, datetime):
            out.extend(serializer._get_initial_byte(serializer.TAG_MAJOR_TYPE, 1))
            serializer._serialize_type_integer(out, int(value.timestamp() * 1000), None, None)
        elif isinstance(value, bytes):
            serializer._serialize_type_blob(out, value, None, None)
        elif isinstance(value, str):
            serializer._serialize_type_string(out, value, None, None)
        elif isinstance(value, int):
            serializer._serialize_type_integer(out, value, None, None)
        elif isinstance(value, dict):
            out.extend(serializer._get_initial_byte(serializer.MAP_MAJOR_TYPE, len(value)))
            for key, member in value.items():
                item(key)
                item(member)
        else:
            raise TypeError(value)

    item(document)
    return bytes(out)


def _post_cbor(localcloud, operation: str, document: dict) -> requests.Response:
    url = f"http://127.0.0.1:{localcloud.port}/"
    request = AWSRequest("POST", url, data=_cbor_of(document), headers={
        "Content-Type": cbor.CONTENT_TYPE, "X-Amz-Target": f"Kinesis_20131202.{operation}"})
    SigV4Auth(Credentials("test", "test"), "kinesis", "us-east-1").add_auth(request)
    return requests.post(url, data=request.body, headers=dict(request.headers), timeout=10)


def test_cbor_put_and_get_records_as_the_java_sdk_sends_them(localcloud):
    kinesis = client("kinesis", localcloud.settings)
    kinesis.create_stream(StreamName="zz-cbor", ShardCount=1)
    put = _post_cbor(localcloud, "PutRecord", {"StreamName": "zz-cbor", "Data": b"\xffbinary\x00", "PartitionKey": "k"})
    assert put.status_code == 200 and put.headers["Content-Type"] == cbor.CONTENT_TYPE
    assert len(cbor.decode(put.content)["SequenceNumber"]) == 56
    shard_id = kinesis.list_shards(StreamName="zz-cbor")["Shards"][0]["ShardId"]
    iterator = _post_cbor(localcloud, "GetShardIterator", {
        "StreamName": "zz-cbor", "ShardId": shard_id, "ShardIteratorType": "AT_TIMESTAMP",
        "Timestamp": datetime(2020, 1, 1, tzinfo=timezone.utc)})
    got = _post_cbor(localcloud, "GetRecords", {"ShardIterator": cbor.decode(iterator.content)["ShardIterator"]})
    record = cbor.decode(got.content)["Records"][0]
    assert record["Data"] == b"\xffbinary\x00"
    by_json = kinesis.get_records(ShardIterator=kinesis.get_shard_iterator(
        StreamName="zz-cbor", ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"][0]
    assert abs(record["ApproximateArrivalTimestamp"] - by_json["ApproximateArrivalTimestamp"].timestamp()) < 0.001
    described = _post_cbor(localcloud, "DescribeStream", {"StreamName": "zz-cbor"}).content
    assert b"StreamCreationTimestamp\xc1\xfb" not in described  # tag 1 with an integer, never a float


def test_cbor_errors_are_400_in_cbor(localcloud):
    answer = _post_cbor(localcloud, "DescribeStream", {"StreamName": "zz-missing"})
    assert answer.status_code == 400 and answer.headers["Content-Type"] == cbor.CONTENT_TYPE
    assert cbor.decode(answer.content)["__type"] == "ResourceNotFoundException"


def test_get_records_always_answers_a_new_iterator(localcloud):
    kinesis = client("kinesis", localcloud.settings)
    kinesis.create_stream(StreamName="zz-iterators", ShardCount=1)
    shard_id = kinesis.list_shards(StreamName="zz-iterators")["Shards"][0]["ShardId"]
    first = kinesis.get_shard_iterator(StreamName="zz-iterators", ShardId=shard_id,
                                       ShardIteratorType="LATEST")["ShardIterator"]
    second = kinesis.get_records(ShardIterator=first)["NextShardIterator"]
    third = kinesis.get_records(ShardIterator=second)["NextShardIterator"]
    assert len({first, second, third}) == 3
    kinesis.put_record(StreamName="zz-iterators", Data=b"x", PartitionKey="k")
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=third)["Records"]] == [b"x"]


def test_create_stream_without_a_name_is_rejected(localcloud):
    kinesis = client("kinesis", localcloud.settings, config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as raised:
        kinesis.create_stream()
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert kinesis.list_streams()["StreamNames"] == []


def test_resource_policy_of_a_missing_stream_is_rejected(localcloud):
    kinesis = client("kinesis", localcloud.settings)
    kinesis.create_stream(StreamName="zz-policy", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="zz-policy")["StreamDescriptionSummary"]["StreamARN"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    kinesis.put_resource_policy(ResourceARN=arn, Policy=policy)
    assert kinesis.get_resource_policy(ResourceARN=arn)["Policy"] == policy
    with pytest.raises(ClientError) as raised:
        kinesis.put_resource_policy(ResourceARN=arn.replace("zz-policy", "zz-nowhere"), Policy=policy)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_subscribe_to_shard_streams_records_as_they_arrive(localcloud):
    kinesis = client("kinesis", localcloud.settings)
    kinesis.create_stream(StreamName="zz-subscribe", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="zz-subscribe")["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c1")["Consumer"]["ConsumerARN"]
    assert consumer.startswith(f"{arn}/consumer/c1:") and consumer.rpartition(":")[2].isdigit()  # AWS's form
    assert kinesis.describe_stream_consumer(ConsumerARN=consumer)["ConsumerDescription"]["ConsumerName"] == "c1"
    shard_id = kinesis.list_shards(StreamName="zz-subscribe")["Shards"][0]["ShardId"]
    kinesis.put_record(StreamName="zz-subscribe", Data=b"before", PartitionKey="k")
    events = kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId=shard_id,
                                        StartingPosition={"Type": "TRIM_HORIZON"})["EventStream"]
    kinesis.put_records(StreamName="zz-subscribe", Records=[{"Data": b"after", "PartitionKey": "k"}])
    seen, deadline = [], time.monotonic() + 10
    for event in events:
        shard_event = event["SubscribeToShardEvent"]
        seen += [r["Data"] for r in shard_event["Records"]]
        assert shard_event["MillisBehindLatest"] == 0 and shard_event["ContinuationSequenceNumber"]
        if len(seen) >= 2 or time.monotonic() > deadline:
            break
    events.close()
    assert seen == [b"before", b"after"]
    with pytest.raises(ClientError) as raised:
        kinesis.subscribe_to_shard(ConsumerARN=consumer + "-gone", ShardId=shard_id,
                                   StartingPosition={"Type": "LATEST"})
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_body_that_is_not_cbor_is_a_400_serialization_error(localcloud):
    url = f"http://127.0.0.1:{localcloud.port}/"
    request = AWSRequest("POST", url, data=b"\xff\xff", headers={
        "Content-Type": cbor.CONTENT_TYPE, "X-Amz-Target": "Kinesis_20131202.ListStreams"})
    SigV4Auth(Credentials("test", "test"), "kinesis", "us-east-1").add_auth(request)
    answer = requests.post(url, data=request.body, headers=dict(request.headers), timeout=10)
    assert answer.status_code == 400 and cbor.decode(answer.content)["__type"] == "SerializationException"


def test_stream_metrics_are_one_statistic_set_per_minute_that_cloudwatch_answers(localcloud):
    from moto.cloudwatch.models import cloudwatch_backends

    kinesis, watch = client("kinesis", localcloud.settings), client("cloudwatch", localcloud.settings)
    kinesis.create_stream(StreamName="zz-metrics", ShardCount=1)
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    calls = [3, 1, 5, 2]  # records per call
    for count in calls:
        kinesis.put_records(StreamName="zz-metrics", Records=[{"Data": b"abcd", "PartitionKey": "k"}] * count)
    kinesis.put_record(StreamName="zz-metrics", Data=b"abcdefgh", PartitionKey="k")
    kept = [d for d in cloudwatch_backends["000000000000"]["us-east-1"].metric_data
            if d.namespace == "AWS/Kinesis" and d.dimensions[0].value == "zz-metrics"]
    assert len(kept) <= 4  # two metrics, one data point each per minute (moto kept 2 per call)
    stats = watch.get_metric_statistics(
        Namespace="AWS/Kinesis", MetricName="IncomingRecords", Dimensions=[{"Name": "StreamName", "Value": "zz-metrics"}],
        StartTime=start, EndTime=start.replace(year=start.year + 1), Period=60,
        Statistics=["Sum", "SampleCount", "Minimum", "Maximum"])["Datapoints"]
    assert sum(p["Sum"] for p in stats) == sum(calls) + 1
    assert sum(p["SampleCount"] for p in stats) == len(calls) + 1
    assert min(p["Minimum"] for p in stats) == 1 and max(p["Maximum"] for p in stats) == 5
    data = watch.get_metric_data(MetricDataQueries=[{"Id": "b", "MetricStat": {"Metric": {
        "Namespace": "AWS/Kinesis", "MetricName": "IncomingBytes", "Dimensions": [{"Name": "StreamName", "Value": "zz-metrics"}]},
        "Period": 60, "Stat": "Sum"}}], StartTime=start, EndTime=start.replace(year=start.year + 1))
    assert sum(data["MetricDataResults"][0]["Values"]) == 5 * sum(calls) + 9  # data and partition key, as moto counts
