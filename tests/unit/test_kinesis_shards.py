"""The Kinesis source's reading logic against the in-process localcloud: per-shard offsets, exact
re-reads between offsets, starting positions, resharding, the read-rate limit and throttling."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from sandbox.aws import client
from spark_jobs.kinesis_shards import TRIM_HORIZON, ShardReader, sequence_of, starting_position
from tests.spark.kinesis_helpers import aws_resharding, new_stream, put


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def kinesis(localcloud):
    return client("kinesis", localcloud.settings)


def _reader(kinesis, stream, clock=None, **kwargs) -> ShardReader:
    clock = clock or Clock()
    return ShardReader(kinesis, stream, clock=clock, sleep=clock.sleep, **kwargs)


def _drain(reader: ShardReader, offsets: dict, clock: Clock, rounds: int = 6) -> tuple[list, dict]:
    rows: list = []
    for _ in range(rounds):
        got, offsets = reader.read_new(offsets)
        rows += got
        clock.sleep(1.0)
    return rows, offsets


def test_offsets_are_the_last_sequence_number_read_on_each_shard(kinesis):
    stream = new_stream(kinesis, shards=2)
    sent = put(kinesis, stream, 0, 40)
    clock = Clock()
    reader = _reader(kinesis, stream, clock)
    rows, offsets = _drain(reader, reader.initial_offsets(TRIM_HORIZON), clock)
    assert sorted(r[5].decode() for r in rows) == sorted(sent)
    assert set(offsets["shards"]) == {"shardId-000000000000", "shardId-000000000001"}
    for shard_id, state in offsets["shards"].items():
        last = max(int(r[2]) for r in rows if r[1] == shard_id)
        assert sequence_of(state["pos"]) == last and state["done"] is False
    again, same = reader.read_new(offsets)
    assert again == [] and same == offsets


def test_a_batch_is_read_again_exactly_between_its_offsets(kinesis):
    stream = new_stream(kinesis)
    clock = Clock()
    reader = _reader(kinesis, stream, clock)
    put(kinesis, stream, 0, 25)
    first, middle = _drain(reader, reader.initial_offsets(TRIM_HORIZON), clock)
    put(kinesis, stream, 25, 30)
    second, end = _drain(reader, middle, clock)
    put(kinesis, stream, 55, 10)  # later records are not part of the batch
    fresh = _reader(kinesis, stream)  # a restarted process: no cached iterators
    assert sorted(fresh.read_range(middle, end)) == sorted(second)
    assert {r[5] for r in second}.isdisjoint({r[5] for r in first})


def test_latest_starts_after_what_the_stream_holds(kinesis):
    stream = new_stream(kinesis)
    put(kinesis, stream, 0, 10)
    time.sleep(0.01)
    clock = Clock()
    reader = _reader(kinesis, stream, clock)
    offsets = reader.initial_offsets(starting_position("LATEST"))
    time.sleep(0.01)
    later = put(kinesis, stream, 10, 5)
    rows, _ = _drain(reader, offsets, clock)
    assert sorted(r[5].decode() for r in rows) == sorted(later)


def test_a_stream_created_again_is_read_from_its_start(kinesis):
    stream = new_stream(kinesis, shards=1)
    put(kinesis, stream, 0, 5)
    clock = Clock()
    reader = _reader(kinesis, stream, clock)
    _, offsets = _drain(reader, reader.initial_offsets(TRIM_HORIZON), clock)
    kinesis.delete_stream(StreamName=stream)
    time.sleep(0.002)
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    sent = put(kinesis, stream, 100, 3)  # sequence numbers start again below the old offsets
    reader.shards(refresh=True)
    rows, _ = _drain(reader, offsets, clock)
    assert sorted(r[5].decode() for r in rows) == sorted(sent)


@pytest.mark.parametrize("reshard", ["split", "merge"])
def test_resharding_reads_each_record_once_parents_before_children(kinesis, reshard):
    stream = new_stream(kinesis, shards=2)
    clock = Clock()
    reader = _reader(kinesis, stream, clock, list_interval=0.5, records_per_call=4)  # parents are read slowly
    offsets = reader.initial_offsets(TRIM_HORIZON)
    before = put(kinesis, stream, 0, 30)
    rows, offsets = _drain(reader, offsets, clock, rounds=1)  # part of it read before the reshard
    assert 0 < len(rows) < len(before)
    with aws_resharding():
        shards = kinesis.list_shards(StreamName=stream)["Shards"]
        if reshard == "split":
            shard = shards[0]
            low, high = int(shard["HashKeyRange"]["StartingHashKey"]), int(shard["HashKeyRange"]["EndingHashKey"])
            kinesis.split_shard(StreamName=stream, ShardToSplit=shard["ShardId"], NewStartingHashKey=str((low + high) // 2))
        else:
            kinesis.merge_shards(StreamName=stream, ShardToMerge=shards[0]["ShardId"],
                                 AdjacentShardToMerge=shards[1]["ShardId"])
        after = put(kinesis, stream, 30, 40)
    more, offsets = _drain(reader, offsets, clock, rounds=40)
    rows += more
    datas = [r[5].decode() for r in rows]
    assert sorted(datas) == sorted(before + after)  # none missed, none twice
    listed = {s["ShardId"]: s for s in kinesis.list_shards(StreamName=stream)["Shards"]}
    parents = {s.get("ParentShardId") for s in listed.values()} | {s.get("AdjacentParentShardId") for s in listed.values()}
    for parent in parents - {None}:
        assert offsets["shards"][parent]["done"]
        last_of_parent = max(i for i, r in enumerate(rows) if r[1] == parent)
        children = [i for i, r in enumerate(rows) if listed[r[1]].get("ParentShardId") == parent
                    or listed[r[1]].get("AdjacentParentShardId") == parent]
        assert children and min(children) > last_of_parent
    # and a restart re-reads the same records between two offsets across the reshard
    assert sorted(_reader(kinesis, stream).read_range({"shards": {}, "created": offsets["created"]}, offsets)) == sorted(rows)


def test_reads_stay_within_the_per_shard_rate(kinesis):
    stream = new_stream(kinesis, shards=1)
    clock = Clock()
    reader = _reader(kinesis, stream, clock, calls_per_second=4)
    offsets = reader.initial_offsets(TRIM_HORIZON)
    calls = []
    original = reader.client.get_records

    def counting(**kwargs):
        calls.append(clock.now)
        return original(**kwargs)

    reader.client = type("Counting", (), {"__getattr__": lambda _s, n: getattr(kinesis, n), "get_records": staticmethod(counting)})()
    for _ in range(40):  # 40 polls within one second of the clock
        _, offsets = reader.read_new(offsets)
        clock.sleep(0.025)
    assert len(calls) == 4


def test_a_throttled_shard_is_skipped_and_read_later(kinesis):
    stream = new_stream(kinesis, shards=2)
    sent = put(kinesis, stream, 0, 20)
    clock = Clock()
    reader = _reader(kinesis, stream, clock)
    offsets = reader.initial_offsets(TRIM_HORIZON)
    throttled = {"shardId-000000000000": 2}

    owner: dict[str, str] = {}

    class Throttling:
        def __getattr__(self, name):
            return getattr(kinesis, name)

        def get_shard_iterator(self, **kwargs):
            answer = kinesis.get_shard_iterator(**kwargs)
            owner[answer["ShardIterator"]] = kwargs["ShardId"]
            return answer

        def get_records(self, **kwargs):
            shard = owner[kwargs["ShardIterator"]]
            if throttled.get(shard, 0) > 0:
                throttled[shard] -= 1
                raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                                  "GetRecords")
            answer = kinesis.get_records(**kwargs)
            owner[answer["NextShardIterator"]] = shard
            return answer

    reader.client = Throttling()
    rows, offsets = reader.read_new(offsets)
    assert rows and {r[1] for r in rows} == {"shardId-000000000001"}  # the other shard went on
    rows_later, _ = _drain(reader, offsets, clock, rounds=8)
    assert sorted(r[5].decode() for r in rows + rows_later) == sorted(sent)
    assert reader.throttled_calls == 2
