"""moto's reset (POST /moto-api/reset) resets localcloud too: pollers, buffers, the inbox, warm workers."""

from __future__ import annotations

import threading
import urllib.request

from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.localcloud.esm_helpers import Resources
from tests.localcloud.test_firehose_s3 import Streams, row, unique


def _reset(settings) -> None:
    request = urllib.request.Request(f"{settings.aws_endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _pollers() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("esm-") and t.name != "esm-reconciler"]


def test_moto_reset_clears_pollers_buffers_inbox_and_warm_workers(localcloud):
    settings = localcloud.settings
    extensions = localcloud.runtime.extensions
    aws = Resources(settings)
    function = aws.function()
    client("lambda", settings).invoke(FunctionName=function, Payload=b"{}")
    _, stream_arn = aws.stream(shards=2)
    mapping = aws.mapping(function, stream_arn)["UUID"]
    wait_until(lambda: len(_pollers()) == 2, timeout=5, message="a poller per shard")

    bucket = unique("bucket")
    client("s3", settings).create_bucket(Bucket=bucket)
    delivery = Streams(settings).s3(bucket, BufferingHints={"SizeInMBs": 64, "IntervalInSeconds": 900})
    client("firehose", settings).put_record(DeliveryStreamName=delivery, Record={"Data": b"buffered\n"})
    sns = client("sns", settings)
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    sns.publish(TopicArn=topic, Message="before the reset")

    [warm] = [r for r in extensions["lambda"].describe() if r["function"] == function]
    assert warm["warm_workers"] == 1
    assert [r["uuid"] for r in extensions["esm"].describe()] == [mapping]
    assert row(localcloud, delivery)["buffered_records"] == 1
    assert len(extensions["sns"].describe()) == 1

    _reset(settings)

    assert client("lambda", settings).list_functions()["Functions"] == []  # moto's own state is gone...
    assert extensions["lambda"].describe() == []  # ...and so are localcloud's
    assert extensions["esm"].describe() == []
    wait_until(lambda: _pollers() == [], timeout=5, message="the pollers of the reset mapping to stop")
    assert extensions["firehose"].describe() == []
    assert extensions["sns"].describe() == []
    assert (settings.state_dir / "sns" / "inbox.jsonl").read_text() == ""
    assert not any((settings.state_dir / "lambda" / "code").iterdir())

    again = aws.function()  # the stack keeps working after the reset
    answer = client("lambda", settings).invoke(FunctionName=again, Payload=b"{}")
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
