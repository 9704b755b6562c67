"""The shared producers' senders (generators/senders.py), as a new producer such as PurchaseLogs uses them."""

from __future__ import annotations

import json

import pytest

from generators.senders import (
    FIREHOSE_MAX_BATCH_RECORDS,
    DeliveryError,
    KinesisSender,
    KinesisSummary,
    RecordTooLarge,
    stream_to_firehose,
)


class RecordingFirehose:
    def __init__(self) -> None:
        self.calls: list[list[bytes]] = []

    def put_record_batch(self, DeliveryStreamName, Records):
        self.calls.append([r["Data"] for r in Records])
        return {"FailedPutCount": 0, "RequestResponses": [{"RecordId": str(i)} for i, _ in enumerate(Records)]}


def test_firehose_records_go_out_unchanged_in_batches_within_the_limit():
    firehose = RecordingFirehose()
    records = [json.dumps({"order": i}).encode() + b"\n" for i in range(1200)]
    progressed: list[int] = []
    summary = stream_to_firehose(firehose, "PurchaseLogs", iter(records), progress=progressed.append)
    assert [r for call in firehose.calls for r in call] == records
    assert max(len(call) for call in firehose.calls) == FIREHOSE_MAX_BATCH_RECORDS
    assert summary.records == 1200 == sum(progressed) and summary.stream == "PurchaseLogs"


def test_an_oversized_firehose_record_is_refused_before_any_call():
    firehose = RecordingFirehose()
    with pytest.raises(DeliveryError, match="1,000 KiB"):
        stream_to_firehose(firehose, "PurchaseLogs", iter([b"x" * (1000 * 1024 + 1)]))
    assert firehose.calls == []


class RecordingKinesis:
    def __init__(self) -> None:
        self.calls: list[list[dict]] = []

    def put_records(self, StreamName, Records):
        self.calls.append(Records)
        return {"FailedRecordCount": 0, "Records": [{"ShardId": "shardId-0", "SequenceNumber": "1"} for _ in Records]}


def test_kinesis_sender_batches_by_count_and_bytes_and_reports_progress():
    kinesis, progressed = RecordingKinesis(), []
    sender = KinesisSender(kinesis, "Orders", KinesisSummary(stream="Orders"), on_sent=progressed.append)
    for i in range(600):
        sender.add(f"{i}".encode(), "k")
    sender.add(b"x" * (900 * 1024), "k")
    for _ in range(5):
        sender.add(b"y" * (900 * 1024), "k")  # 6 × 900 KiB > 5 MiB: the bytes limit splits the batch
    sender.flush()
    sizes = [sum(len(r["Data"]) + len(r["PartitionKey"]) for r in call) for call in kinesis.calls]
    assert [len(call) for call in kinesis.calls][0] == 500 and max(sizes) <= 5 * 1024 * 1024
    assert sender.summary.sent == 606 == sum(progressed) and sender.summary.shards == {"shardId-0": 606}
    with pytest.raises(RecordTooLarge):
        sender.add(b"z" * (1024 * 1024), "k")
