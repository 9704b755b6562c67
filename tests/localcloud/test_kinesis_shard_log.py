"""A shard's records kept on disk past the newest few (sandbox/localcloud/kinesis/shard_log.py): the same
records come back, by number, in order, through moto's GetRecords and the in-process readers."""

from __future__ import annotations

import base64
import bisect
import random
import time
from datetime import datetime, timedelta, timezone

import pytest

from sandbox.aws import client
from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.kinesis.shard_log import ShardLog
from sandbox.localcloud.shared.kinesis_shards import KinesisStream, StartingPosition


def _record(number: int, data="ZGF0YQ==", key="k", hash_key=None, at=None):
    record = object.__new__(seam.KinesisRecord)
    record.partition_key, record.data, record.sequence_number, record.explicit_hash_key = key, data, number, hash_key
    record.created_at_datetime = at or datetime(2026, 11, 28, 12, 0, 0, 123456)
    record.created_at = (record.created_at_datetime - datetime(1970, 1, 1)).total_seconds()
    return record


def _log(tmp_path, tail_size=4):
    return ShardLog(tmp_path, lambda: object.__new__(seam.KinesisRecord), tail_size=tail_size)


def test_records_read_back_the_same_from_the_file_and_from_memory(tmp_path):
    log = _log(tmp_path)
    base = 49 * 10**54 + 17
    start = datetime(2026, 11, 28, 12, 0, 0, 1)
    written = [_record(base + n, data=base64.b64encode(f"line {n} é".encode()).decode(), key=f"pk-{n}-ü",
                       hash_key=str(2**127 + n) if n % 3 == 0 else None, at=start + timedelta(milliseconds=n))
               for n in range(1, 21)]
    for record in written:
        log[record.sequence_number] = record
    assert len(log._tail) < 8 and log._spilled.blocks > 1  # most went to the file
    assert list(log) == [r.sequence_number for r in written] and next(reversed(log)) == written[-1].sequence_number
    for want, got in zip(written, log.values()):
        assert (got.partition_key, got.data, got.sequence_number, got.explicit_hash_key, got.created_at_datetime,
                got.created_at) == (want.partition_key, want.data, want.sequence_number, want.explicit_hash_key,
                                    want.created_at_datetime, want.created_at)
        assert got.to_json() == want.to_json()
    assert log.get(base + 3).data == written[2].data and log.get(base) is None and base + 20 in log
    assert log.first_after(base + 5) == 5 and log.number_at(5) == base + 6


def test_bytes_data_stays_bytes_and_records_out_of_order_are_refused(tmp_path):
    log = _log(tmp_path, tail_size=1)
    for n in (1, 2, 5, 9):  # gaps, as after a reshard
        log[n] = _record(n, data=b"\x00raw")
    assert log[5].data == b"\x00raw" and 3 not in log and list(log) == [1, 2, 5, 9]
    assert log.first_after(2) == 2 and log.first_after(6) == 3
    with pytest.raises(ValueError, match="increasing sequence order"):
        log[4] = _record(4)
    with pytest.raises(ValueError, match="increasing sequence order"):
        log[2] = _record(2)  # below a number that went to the file


def test_look_ups_by_number_and_by_time_agree_with_a_plain_scan_across_many_blocks(tmp_path):
    rng = random.Random(7)
    log = _log(tmp_path, tail_size=5)
    start, numbers, times = datetime(2026, 11, 28, 12), [], []
    number, at = 1000, start
    for _ in range(400):
        number += rng.choice((1, 1, 1, 2, 7))  # mostly consecutive, with gaps
        at += timedelta(microseconds=rng.choice((0, 0, 1, 250, 10**6)))  # equal arrival times too
        log[number] = _record(number, data=f"n{number}", at=at)
        numbers.append(number)
        times.append(at)
    assert log._spilled.blocks > 30 and len(log._tail) < 10
    assert list(log) == numbers and list(reversed(log)) == numbers[::-1] and len(log) == 400
    for probe in range(numbers[0] - 2, numbers[-1] + 3):
        want = bisect.bisect_right(numbers, probe)
        assert log.first_after(probe) == want, probe
        assert (probe in log) == (probe in numbers) and (log.get(probe).data if probe in log else None) == (
            f"n{probe}" if probe in numbers else None)
    epoch = datetime(1970, 1, 1)
    for moment in {start - timedelta(seconds=1), *times, *(t + timedelta(microseconds=1) for t in times)}:
        want = bisect.bisect_left(times, moment)
        assert log.first_at_or_after_time((moment - epoch) / timedelta(microseconds=1) / 1e6) == want, moment
    for i in rng.sample(range(400), 60):  # out of order: blocks leave and re-enter the cache
        assert (log.number_at(i), log.arrival_at(i), log.record_at(i).data) == (
            numbers[i], (times[i] - epoch) / timedelta(microseconds=1) / 1e6, f"n{numbers[i]}")


def test_get_records_and_iterators_read_a_stream_whose_records_spilled_to_disk(localcloud):
    kinesis = client("kinesis", localcloud.settings)
    kinesis.create_stream(StreamName="zz-log", ShardCount=1)
    lines = [f"order {n}".encode() for n in range(3000)]
    for start in range(0, 1500, 500):
        kinesis.put_records(StreamName="zz-log", Records=[{"Data": d, "PartitionKey": "k"} for d in lines[start:start + 500]])
    time.sleep(0.05)
    middle = datetime.now(timezone.utc)
    time.sleep(0.05)
    for start in range(1500, 3000, 500):
        kinesis.put_records(StreamName="zz-log", Records=[{"Data": d, "PartitionKey": "k"} for d in lines[start:start + 500]])
    [shard] = seam.backend("kinesis", "000000000000", "us-east-1").streams["zz-log"].shards.values()
    assert isinstance(shard.records, ShardLog) and len(shard.records._tail) <= 1024  # the rest is on disk

    iterator = kinesis.get_shard_iterator(StreamName="zz-log", ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = []
    while len(got) < 3000:
        answer = kinesis.get_records(ShardIterator=iterator, Limit=700)
        got += [r["Data"] for r in answer["Records"]]
        iterator = answer["NextShardIterator"]
        assert answer["Records"] or len(got) == 3000
    assert got == lines
    at = kinesis.get_shard_iterator(StreamName="zz-log", ShardId="shardId-000000000000",
                                    ShardIteratorType="AT_TIMESTAMP", Timestamp=middle)["ShardIterator"]
    assert kinesis.get_records(ShardIterator=at, Limit=1)["Records"][0]["Data"] == lines[1500]

    [reader] = KinesisStream("arn:aws:kinesis:us-east-1:000000000000:stream/zz-log").shards()
    before = reader.position_before(StartingPosition.AT_TIMESTAMP, middle.timestamp())
    assert base64.b64decode(shard.records[before + 1].data) == lines[1500]
    assert reader.read(reader.position_before(StartingPosition.TRIM_HORIZON), 5, lambda n, r: base64.b64decode(r.data)) == lines[:5]
