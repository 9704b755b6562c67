"""moto's O(n) PutRecords/SendMessage paths made O(1): what clients see must not change."""

from __future__ import annotations

from sandbox.aws import client


def test_sqs_counts_are_still_right_after_sends_receives_and_delays(localcloud):
    sqs = client("sqs", localcloud.settings)
    url = sqs.create_queue(QueueName="zz-fastpath-counts")["QueueUrl"]
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)["Messages"]
    assert len(received) == 2
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "3"
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "2"
    assert counts["ApproximateNumberOfMessagesDelayed"] == "1"


def test_fifo_content_based_deduplication_still_applies(localcloud):
    sqs = client("sqs", localcloud.settings)
    url = sqs.create_queue(QueueName="zz-fastpath.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="g")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "2"  # the duplicate was not queued


def test_kinesis_sequence_numbers_keep_increasing_across_put_records_and_put_record(localcloud):
    kinesis = client("kinesis", localcloud.settings)
    kinesis.create_stream(StreamName="zz-fastpath-stream", ShardCount=1)
    batch = kinesis.put_records(StreamName="zz-fastpath-stream",
                                Records=[{"Data": b"x", "PartitionKey": "k"} for _ in range(5)])
    single = kinesis.put_record(StreamName="zz-fastpath-stream", Data=b"y", PartitionKey="k")
    sequences = [int(r["SequenceNumber"]) for r in batch["Records"]] + [int(single["SequenceNumber"])]
    assert sequences == sorted(sequences) and len(set(sequences)) == 6
    shard = kinesis.list_shards(StreamName="zz-fastpath-stream")["Shards"][0]
    iterator = kinesis.get_shard_iterator(StreamName="zz-fastpath-stream", ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]] == [b"x"] * 5 + [b"y"]


def test_stopping_localcloud_restores_moto(isolated_settings):
    from moto.kinesis.models import Shard
    from moto.sqs.models import SQSBackend

    from sandbox.localcloud.server import LocalCloud

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    def hooked() -> tuple:
        return (Shard.get_max_sequence_number, SQSBackend.send_message, DomainDispatcherApplication.get_backend_for_host)

    originals = hooked()
    cloud = LocalCloud(isolated_settings, extensions=()).start()
    assert all(now != before for now, before in zip(hooked(), originals))
    cloud.stop()
    assert hooked() == originals


def test_requests_still_reach_the_right_service_with_the_memoised_dispatcher(localcloud):
    settings = localcloud.settings
    for _ in range(3):  # the second and third answers come from the memo
        assert client("sqs", settings).list_queues().get("QueueUrls", []) == []
        assert client("dynamodb", settings).list_tables()["TableNames"] == []
        assert client("sts", settings).get_caller_identity()["Account"] == settings.account_id
