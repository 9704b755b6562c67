"""moto's per-class record of model instances kept weakly (sandbox/localcloud/moto_tracking.py): what is
replaced or deleted is freed, what lives is still listed, moto's reset still disposes S3 keys."""

from __future__ import annotations

import gc
import json
import urllib.request

from sandbox.aws import client
from sandbox.localcloud.moto_tracking import LiveInstances


def _alive(model: type) -> int:
    gc.collect()
    return len(model.instances_tracked)


def test_an_item_written_over_and_over_is_not_kept_once_per_write(localcloud):
    from moto.dynamodb.models.dynamo_type import Item

    ddb = client("dynamodb", localcloud.settings)
    ddb.create_table(TableName="zz-tracking", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="zz-tracking", Item={"k": {"S": "a"}, "n": {"N": "0"}})
    before = _alive(Item)
    for n in range(1, 301):
        ddb.batch_write_item(RequestItems={"zz-tracking": [
            {"PutRequest": {"Item": {"k": {"S": key}, "n": {"N": str(n)}}}} for key in ("a", "b")]})
    assert isinstance(Item.instances_tracked, LiveInstances)
    assert _alive(Item) <= before + 1  # "b" is new; 599 replaced items are gone (moto kept all 600)
    assert ddb.get_item(TableName="zz-tracking", Key={"k": {"S": "a"}})["Item"]["n"] == {"N": "300"}


def test_deleted_messages_are_freed_and_moto_api_still_lists_what_lives(localcloud):
    from moto.sqs.models import Message

    sqs = client("sqs", localcloud.settings)
    url = sqs.create_queue(QueueName="zz-tracking")["QueueUrl"]
    before = _alive(Message)
    for i in range(50):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    while received := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for n, m in enumerate(received)])
    sqs.send_message(QueueUrl=url, MessageBody="still queued")
    assert _alive(Message) <= before + 1
    with urllib.request.urlopen(f"{localcloud.settings.aws_endpoint}/moto-api/data.json") as answer:
        data = json.load(answer)
    assert any(q.get("name") == "zz-tracking" for q in data["sqs"]["Queue"])


def test_moto_reset_still_disposes_live_s3_keys_and_tracking_resumes_after_it(localcloud):
    from moto.s3.models import FakeKey

    s3 = client("s3", localcloud.settings)
    s3.create_bucket(Bucket="zz-tracking")
    s3.put_object(Bucket="zz-tracking", Key="k", Body=b"x" * 10)
    [key] = [k for k in FakeKey.instances_tracked if k.name == "k"]
    urllib.request.urlopen(urllib.request.Request(f"{localcloud.settings.aws_endpoint}/moto-api/reset", method="POST"))
    assert key._value_buffer.closed  # moto's S3 reset went through the live keys
    s3.create_bucket(Bucket="zz-tracking")
    s3.put_object(Bucket="zz-tracking", Key="k2", Body=b"y")
    assert isinstance(FakeKey.instances_tracked, LiveInstances)  # the plain list the reset put back is live again
    assert any(k.name == "k2" for k in FakeKey.instances_tracked)


def test_live_instances_forget_the_freed_and_keep_what_cannot_be_weakly_referred_to():
    class Model:
        pass

    class Slotted:
        __slots__ = ("x",)

    live = LiveInstances()
    kept = [Model() for _ in range(3)]
    for instance in kept + [Model() for _ in range(5)]:
        live.append(instance)
    del instance  # the loop's last temporary
    pinned = Slotted()
    live.append(pinned)
    gc.collect()
    assert list(live) == [*kept, pinned]
    del kept[0]
    new = Model()
    live.append(new)  # an append drops the entries of the freed
    assert len(live._refs) == 3 and list(live) == [*kept, new, pinned]
