"""Helpers of the Kinesis source tests: streams in the in-process localcloud, AWS's resharding."""

from __future__ import annotations

import contextlib
import uuid
from collections import OrderedDict
from typing import Any, Iterator


def new_stream(kinesis: Any, shards: int = 2) -> str:
    name = f"test-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    return name


def put(kinesis: Any, stream: str, start: int, count: int) -> list[str]:
    """Records "0".."n" as data, spread over the shards by their partition keys."""
    datas = [str(i) for i in range(start, start + count)]
    for first in range(0, len(datas), 500):
        chunk = datas[first:first + 500]
        answer = kinesis.put_records(StreamName=stream, Records=[{"Data": d.encode(), "PartitionKey": f"k{d}"} for d in chunk])
        assert answer["FailedRecordCount"] == 0
    return datas


@contextlib.contextmanager
def aws_resharding() -> Iterator[None]:
    """moto 5 moves a split parent's records into its children, copies merged parents' records into
    the child, and routes new records to the first shard whose hash range matches, closed or not; on AWS a closed parent keeps its records until they expire and the children start
    empty (https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html).
    Within this block moto's SplitShard, MergeShards and record routing behave as AWS's do. Localcloud does not
    patch this yet (a known gap, reported in docs/LOCALCLOUD.md)."""
    from moto.kinesis.models import Shard, Stream

    original_split, original_merge, original_route = Stream.split_shard, Stream.merge_shards, Stream.get_shard_for_key

    def keep(shards: list[Shard], call: Any) -> None:
        kept = {s.shard_id: OrderedDict(s.records) for s in shards}
        call()
        for shard in shards:
            shard.records = kept[shard.shard_id]

    def split_shard(self: Stream, shard_to_split: str, new_starting_hash_key: str) -> None:
        parent = self.shards[shard_to_split]
        before = set(self.shards)
        keep([parent], lambda: original_split(self, shard_to_split, new_starting_hash_key))
        for shard_id in set(self.shards) - before:
            self.shards[shard_id].records = OrderedDict()

    def merge_shards(self: Stream, shard_to_merge: str, adjacent_shard_to_merge: str) -> None:
        parents = [self.shards[shard_to_merge], self.shards[adjacent_shard_to_merge]]
        before = set(self.shards)
        keep(parents, lambda: original_merge(self, shard_to_merge, adjacent_shard_to_merge))
        for shard_id in set(self.shards) - before:
            self.shards[shard_id].records = OrderedDict()

    def get_shard_for_key(self: Stream, partition_key: str, explicit_hash_key: str) -> Shard | None:
        closed = {k: s for k, s in self.shards.items() if not s.is_open}
        for shard_id in closed:
            del self.shards[shard_id]
        try:
            return original_route(self, partition_key, explicit_hash_key)
        finally:
            self.shards.update(closed)

    Stream.split_shard, Stream.merge_shards, Stream.get_shard_for_key = split_shard, merge_shards, get_shard_for_key
    try:
        yield
    finally:
        Stream.split_shard, Stream.merge_shards, Stream.get_shard_for_key = original_split, original_merge, original_route
