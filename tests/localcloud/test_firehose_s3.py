"""Firehose delivery to S3 through boto3: buffering, prefixes, compression, updates, Kinesis source."""

from __future__ import annotations

import gzip
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

from sandbox.aws import client
from sandbox.waiting import wait_until

ROLE = "arn:aws:iam::000000000000:role/lc-fh-test-role"


def unique(kind: str) -> str:
    return f"lc-fh-{kind}-{uuid.uuid4().hex[:8]}"


def objects(settings: Any, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
    listing = client("s3", settings).list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(listing.get("Contents", []), key=lambda o: o["Key"])


def body(settings: Any, bucket: str, key: str) -> bytes:
    return client("s3", settings).get_object(Bucket=bucket, Key=key)["Body"].read()


class Streams:
    """Creates delivery streams with unique names and deletes them after the test."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.names: list[str] = []

    def create(self, **kwargs: Any) -> str:
        name = kwargs.pop("name", None) or unique("stream")
        client("firehose", self.settings).create_delivery_stream(DeliveryStreamName=name, **kwargs)
        self.names.append(name)
        return name

    def s3(self, bucket: str, **config: Any) -> str:
        return self.create(
            ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", **config}
        )

    def cleanup(self) -> None:
        firehose = client("firehose", self.settings)
        for name in self.names:
            try:
                firehose.delete_delivery_stream(DeliveryStreamName=name)
            except ClientError:
                pass


@pytest.fixture
def streams(localcloud) -> Iterator[Streams]:
    made = Streams(localcloud.settings)
    yield made
    made.cleanup()


@pytest.fixture
def bucket(localcloud) -> str:
    name = unique("bucket")
    client("s3", localcloud.settings).create_bucket(Bucket=name)
    return name


def row(localcloud, name: str) -> dict[str, Any]:
    rows = [r for r in localcloud.runtime.extensions["firehose"].describe() if r["name"] == name]
    assert rows, f"no describe() row for {name}"
    return rows[0]


def test_size_hint_flushes_one_object_for_many_records(localcloud, streams, bucket):
    settings = localcloud.settings
    name = streams.s3(bucket, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900})
    firehose = client("firehose", settings)
    records = [f"{i:06d}".encode() + b"x" * 1193 + b"\n" for i in range(900)]  # 1,080,000 bytes
    for start in range(0, 900, 300):
        answer = firehose.put_record_batch(
            DeliveryStreamName=name, Records=[{"Data": d} for d in records[start : start + 300]]
        )
        assert answer["FailedPutCount"] == 0
        assert len({r["RecordId"] for r in answer["RequestResponses"]}) == 300

    first = wait_until(lambda: objects(settings, bucket), timeout=10, message="the size-triggered object")
    assert len(first) == 1
    content = body(settings, bucket, first[0]["Key"])
    assert 1024 * 1024 - 1200 < len(content) <= 1024 * 1024
    assert content == b"".join(records)[: len(content)]
    assert row(localcloud, name)["buffered_records"] == 900 - len(content) // 1200

    localcloud.runtime.extensions["firehose"].shutdown()  # flushes the rest, as at stop

    keys = [o["Key"] for o in objects(settings, bucket)]
    assert len(keys) == 2
    [rest] = [key for key in keys if key != first[0]["Key"]]
    assert content + body(settings, bucket, rest) == b"".join(records)
    assert row(localcloud, name)["delivered_records"] == 900


def test_interval_hint_delays_delivery_and_batches_calls(localcloud, streams, bucket):
    settings = localcloud.settings
    name = streams.s3(bucket, BufferingHints={"SizeInMBs": 5, "IntervalInSeconds": 2})
    firehose = client("firehose", settings)
    started = time.monotonic()
    ids = [firehose.put_record(DeliveryStreamName=name, Record={"Data": f"r{i}\n".encode()})["RecordId"] for i in range(5)]
    assert len(set(ids)) == 5

    found = wait_until(lambda: objects(settings, bucket), timeout=10, message="the interval-triggered object")
    elapsed = time.monotonic() - started
    assert elapsed >= 1.9, f"delivered after {elapsed:.2f}s, before the 2 s interval"
    assert len(found) == 1
    assert body(settings, bucket, found[0]["Key"]) == b"".join(f"r{i}\n".encode() for i in range(5))
    now = datetime.now(timezone.utc)
    pattern = rf"\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{name}-1-\d{{4}}(-\d{{2}}){{5}}-[0-9a-f-]{{36}}"
    assert re.fullmatch(pattern, found[0]["Key"]), found[0]["Key"]
    assert found[0]["Key"][:4] in (str(now.year), str(now.year - 1))
    described = row(localcloud, name)
    assert described["delivered_records"] == 5 and described["buffered_records"] == 0
    assert described["destination"] == "ExtendedS3" and described["source"] == "DirectPut"
    assert described["last_delivery"] is not None


def test_prefix_expressions_and_gzip(localcloud, streams, bucket):
    settings = localcloud.settings
    name = streams.s3(
        bucket,
        Prefix="lc-fh/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/r=!{firehose:random-string}/",
        ErrorOutputPrefix="lc-fh-errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
        CompressionFormat="GZIP",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0},
    )
    before = datetime.now(timezone.utc)
    client("firehose", settings).put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": b'{"n": 1}\n'}, {"Data": b'{"n": 2}\n'}]
    )
    found = wait_until(lambda: objects(settings, bucket, "lc-fh/"), timeout=10, message="the gzip object")
    after = datetime.now(timezone.utc)
    key = found[0]["Key"]
    stamps = {f"year={t:%Y}/month={t:%m}/day={t:%d}/" for t in (before, after)}
    assert any(key.startswith("lc-fh/" + s) for s in stamps), key
    assert re.search(r"/r=[A-Za-z0-9]{11}/" + re.escape(name) + r"-1-.*\.gz$", key), key
    assert gzip.decompress(body(settings, bucket, key)) == b'{"n": 1}\n{"n": 2}\n'


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"Prefix": "p/!{timestamp:yyyy}/"}, "ErrorOutputPrefix cannot be null"),
        ({"BufferingHints": {"SizeInMBs": 200, "IntervalInSeconds": 60}}, "SizeInMBs=200 is out of range"),
        ({"Prefix": "p/!{timestamp:yyyy-bb}/", "ErrorOutputPrefix": "e/!{firehose:error-output-type}/"}, "unknown pattern letter"),
    ],
)
def test_invalid_configurations_are_rejected_like_aws(localcloud, streams, bucket, config, message):
    with pytest.raises(ClientError) as caught:
        streams.s3(bucket, **config)
    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert message in caught.value.response["Error"]["Message"]


def test_update_destination_applies_to_the_next_flush(localcloud, streams, bucket):
    settings = localcloud.settings
    firehose = client("firehose", settings)
    name = streams.s3(bucket, Prefix="before/", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"one"})
    wait_until(lambda: objects(settings, bucket, "before/"), timeout=10, message="the first object")

    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    firehose.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=described["VersionId"],
        DestinationId=described["Destinations"][0]["DestinationId"],
        ExtendedS3DestinationUpdate={"Prefix": "after/", "CompressionFormat": "GZIP"},
    )
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"two"})
    found = wait_until(lambda: objects(settings, bucket, "after/"), timeout=10, message="the object after the update")
    assert f"/{name}-2-" in found[0]["Key"] and found[0]["Key"].endswith(".gz")
    assert gzip.decompress(body(settings, bucket, found[0]["Key"])) == b"two"


def test_deleting_a_stream_delivers_what_it_buffered(localcloud, streams, bucket):
    settings = localcloud.settings
    firehose = client("firehose", settings)
    name = streams.s3(bucket, BufferingHints={"SizeInMBs": 5, "IntervalInSeconds": 900})
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"kept"})
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    found = wait_until(lambda: objects(settings, bucket), timeout=10, message="the flushed object")
    assert body(settings, bucket, found[0]["Key"]) == b"kept"


def test_kinesis_stream_as_source_reads_from_creation_on(localcloud, streams, bucket):
    settings = localcloud.settings
    kinesis = client("kinesis", settings)
    stream = unique("source")
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    kinesis.put_record(StreamName=stream, Data=b"before-creation\n", PartitionKey="k")
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    name = streams.create(
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 1},
        },
    )
    sent = [f"order-{i}\n".encode() for i in range(6)]
    for i, data in enumerate(sent):
        kinesis.put_record(StreamName=stream, Data=data, PartitionKey=f"p{i}")

    def delivered() -> list[bytes]:
        lines = b"".join(body(settings, bucket, o["Key"]) for o in objects(settings, bucket)).splitlines(keepends=True)
        return lines if len(lines) >= len(sent) else []

    lines = wait_until(delivered, timeout=10, message="records read from the Kinesis stream")
    assert sorted(lines) == sorted(sent)  # two shards: ordered per shard, not overall
    with pytest.raises(ClientError) as caught:
        client("firehose", settings).put_record(DeliveryStreamName=name, Record={"Data": b"direct"})
    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
    described = row(localcloud, name)
    assert described["source"] == "KinesisStreamAsSource" and described["source_stream"] == stream_arn
    kinesis.delete_stream(StreamName=stream)
