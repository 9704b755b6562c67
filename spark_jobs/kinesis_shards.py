"""Reading Kinesis shards with boto3 for the Spark source: positions, resharding, the read-rate limit.

No Spark here: `spark_jobs/kinesis_source.py` wraps this in pyspark's Python data source API, and
the unit tests drive it directly. Calls used (the same against localcloud, LocalStack and AWS):
- ListShards https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html
- GetShardIterator https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html
- GetRecords https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
  (5 calls per second per shard, shared by every consumer of the shard)
- Resharding: https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html
  (read a parent to its end before its children, so a partition key's records stay in order)

Offsets are JSON-able dicts, one entry per shard: ``{"shards": {shard_id: {"pos": P, "done": B}}}``
with P one of ``"TRIM_HORIZON"``, ``"AT_TIMESTAMP:<epoch ms>"`` (how LATEST is pinned down, so a
restart re-reads exactly the same records) or ``"SEQ:<sequence number>"`` (the last record read).
``done`` marks a closed shard read to its end; its children then join the offsets at TRIM_HORIZON.
``created`` is the stream's StreamCreationTimestamp: offsets of a stream that was deleted and created
again under the same name (the embedded stack after `make down`/`make up`) continue at the new
stream's TRIM_HORIZON, since no sequence number of the old one means anything there.

Known gaps: no enhanced fan-out (SubscribeToShard); AT_SEQUENCE_NUMBER is not offered as a starting
position; a closed shard is noticed when GetRecords returns no NextShardIterator (AWS) or at the
next ListShards (every `list_interval` seconds), so children start up to that long after a reshard;
LATEST is pinned to the reader's clock, so skew between it and the service shifts the start.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from botocore.exceptions import ClientError

from sandbox.backoff import Backoff

TRIM_HORIZON = "TRIM_HORIZON"
LATEST = "LATEST"
AT_TIMESTAMP = "AT_TIMESTAMP:"
SEQ = "SEQ:"
THROTTLED = frozenset({"ProvisionedThroughputExceededException", "LimitExceededException"})

Offsets = dict[str, Any]
# (stream, shard_id, sequence_number, partition_key, arrival_time, data)
Row = tuple[str, str, str, str, dt.datetime, bytes]


def make_client(options: dict[str, str]) -> Any:
    """A Kinesis client from the source's options (endpointUrl, region, credentials); without
    them boto3's own chain applies (AWS_ENDPOINT_URL, AWS_REGION, the instance role...)."""
    import boto3
    from botocore.config import Config

    kwargs: dict[str, Any] = {
        # one attempt per call: a throttled shard is skipped for this round, not waited on
        "config": Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=10),
    }
    if options.get("region"):
        kwargs["region_name"] = options["region"]
    if options.get("endpointurl"):
        kwargs["endpoint_url"] = options["endpointurl"]
    if options.get("awsaccesskeyid"):
        kwargs["aws_access_key_id"] = options["awsaccesskeyid"]
        kwargs["aws_secret_access_key"] = options.get("awssecretaccesskey", "")
    return boto3.session.Session().client("kinesis", **kwargs)


def starting_position(value: str | None, now: Callable[[], float] = time.time) -> str:
    """TRIM_HORIZON, LATEST (pinned to now) or an ISO 8601 / epoch-seconds timestamp as a position."""
    text = (value or TRIM_HORIZON).strip()
    if text.upper() == TRIM_HORIZON:
        return TRIM_HORIZON
    if text.upper() == LATEST:
        return f"{AT_TIMESTAMP}{int(now() * 1000)}"
    try:
        seconds = float(text)
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"startingPosition {value!r} is not TRIM_HORIZON, LATEST or a timestamp (ISO 8601 or epoch seconds)"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        seconds = parsed.timestamp()
    return f"{AT_TIMESTAMP}{int(seconds * 1000)}"


def sequence_of(position: str) -> int | None:
    return int(position[len(SEQ):]) if position.startswith(SEQ) else None


@dataclass
class RateLimit:
    """At most `per_second` GetRecords per shard; a throttled shard waits longer (doubling, capped)."""

    per_second: float
    clock: Callable[[], float] = time.monotonic
    max_backoff: float = 5.0
    _next: dict[str, float] = field(default_factory=dict)
    _backoff: dict[str, Backoff] = field(default_factory=dict)

    def ready(self, shard: str) -> bool:
        return self.clock() >= self._next.get(shard, 0.0)

    def wait_time(self, shard: str) -> float:
        return max(0.0, self._next.get(shard, 0.0) - self.clock())

    def called(self, shard: str) -> None:
        self._backoff.pop(shard, None)
        self._next[shard] = self.clock() + 1.0 / self.per_second

    def throttled(self, shard: str) -> None:
        backoff = self._backoff.setdefault(shard, Backoff(2.0 / self.per_second, self.max_backoff))
        self._next[shard] = self.clock() + backoff.next()


@dataclass
class Fetched:
    records: list[dict[str, Any]]
    finished: bool  # the shard is closed and read to its end
    throttled: bool = False
    behind_ms: int | None = None


class ShardReader:
    """Reads one stream's shards from offsets; keeps shard iterators and the shard list between calls."""

    def __init__(
        self,
        client: Any,
        stream: str,
        *,
        records_per_call: int = 10000,
        calls_per_second: float = 3.0,
        list_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 < calls_per_second <= 5:
            raise ValueError(f"getRecordsPerSecond must be in (0, 5] (the per-shard limit), got {calls_per_second}")
        self.client, self.stream = client, stream
        self.records_per_call, self.list_interval = records_per_call, list_interval
        self.limit = RateLimit(calls_per_second, clock)
        self.clock, self.sleep = clock, sleep
        self._shards: dict[str, dict[str, Any]] = {}
        self._listed_at = float("-inf")
        self._created: int | None = None
        self._iterators: dict[str, tuple[str, str]] = {}  # shard -> (position it continues after, iterator)
        self._lock = threading.Lock()
        self.throttled_calls = 0
        self.behind_ms: dict[str, int] = {}

    # -- shards ------------------------------------------------------------------------------
    def shards(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        """shard id -> ListShards entry, every shard the stream still retains (open and closed)."""
        if refresh or self.clock() - self._listed_at >= self.list_interval:
            found: dict[str, dict[str, Any]] = {}
            kwargs: dict[str, Any] = {"StreamName": self.stream}
            while True:
                page = self.client.list_shards(**kwargs)
                for shard in page.get("Shards", []):
                    found[shard["ShardId"]] = shard
                token = page.get("NextToken")
                if not token:
                    break
                kwargs = {"NextToken": token}
            self._shards, self._listed_at = found, self.clock()
            self._created = None  # checked again with the shard list
        return self._shards

    def created(self) -> int:
        """The stream's creation time (epoch ms): tells a recreated stream of the same name apart."""
        if self._created is None:
            summary = self.client.describe_stream_summary(StreamName=self.stream)["StreamDescriptionSummary"]
            self._created = int(summary["StreamCreationTimestamp"].timestamp() * 1000)
        return self._created

    def initial_offsets(self, position: str) -> Offsets:
        """Offsets for a new query: the roots at `position`."""
        self._created = None
        listed = self.shards(refresh=True)
        offsets: Offsets = {"created": self.created(), "shards": {}}
        for shard_id in self._ready_shards(listed, offsets):
            offsets["shards"][shard_id] = {"pos": position, "done": False}
        return offsets

    def same_stream(self, offsets: Offsets) -> bool:
        return offsets.get("created") == self.created()

    def _ready_shards(self, listed: dict[str, dict[str, Any]], offsets: Offsets) -> list[str]:
        """Shards not yet in the offsets whose parents are gone (expired) or read to their end."""
        known = offsets["shards"]
        ready = []
        for shard_id, shard in sorted(listed.items()):
            if shard_id in known:
                continue
            parents = [shard.get("ParentShardId"), shard.get("AdjacentParentShardId")]
            if all(p is None or p not in listed or known.get(p, {}).get("done") for p in parents):
                ready.append(shard_id)
        return ready

    def add_children(self, offsets: Offsets, position: str = TRIM_HORIZON) -> Offsets:
        """The offsets plus the shards that became readable (children of finished parents, new roots)."""
        ready = self._ready_shards(self.shards(), offsets)
        if not ready:
            return offsets
        shards = dict(offsets["shards"])
        for shard_id in ready:
            shards[shard_id] = {"pos": position, "done": False}
        return {**offsets, "shards": shards}

    # -- reading -----------------------------------------------------------------------------
    def _iterator(self, shard_id: str, position: str) -> str:
        cached = self._iterators.get(shard_id)
        if cached and cached[0] == position:
            return cached[1]
        kwargs: dict[str, Any] = {"StreamName": self.stream, "ShardId": shard_id}
        if position == TRIM_HORIZON:
            kwargs["ShardIteratorType"] = TRIM_HORIZON
        elif position.startswith(AT_TIMESTAMP):
            kwargs["ShardIteratorType"] = "AT_TIMESTAMP"
            kwargs["Timestamp"] = dt.datetime.fromtimestamp(int(position[len(AT_TIMESTAMP):]) / 1000, dt.timezone.utc)
        else:
            kwargs["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            kwargs["StartingSequenceNumber"] = position[len(SEQ):]
        return self.client.get_shard_iterator(**kwargs)["ShardIterator"]

    def fetch(self, shard_id: str, position: str, limit: int | None = None) -> Fetched:
        """One GetRecords after `position` (rate-limited by the caller); throttling is a result, not an error."""
        for attempt in (1, 2):
            iterator = self._iterator(shard_id, position)
            try:
                response = self.client.get_records(ShardIterator=iterator, Limit=limit or self.records_per_call)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                self._iterators.pop(shard_id, None)
                if code in THROTTLED:
                    self.throttled_calls += 1
                    self.limit.throttled(shard_id)
                    return Fetched([], False, throttled=True)
                if code == "ExpiredIteratorException" and attempt == 1:
                    continue
                raise
            break
        self.limit.called(shard_id)
        records = response.get("Records", [])
        following = response.get("NextShardIterator")
        new_position = f"{SEQ}{records[-1]['SequenceNumber']}" if records else position
        behind = response.get("MillisBehindLatest")
        if behind is not None:
            self.behind_ms[shard_id] = int(behind)
        if following:
            self._iterators[shard_id] = (new_position, following)
        else:
            self._iterators.pop(shard_id, None)
        closed = "EndingSequenceNumber" in self.shards().get(shard_id, {}).get("SequenceNumberRange", {})
        finished = following is None or (closed and not records and not behind)
        return Fetched(records, finished, behind_ms=behind)

    def read_new(self, start: Offsets) -> tuple[list[Row], Offsets]:
        """What arrived after `start` on every readable shard whose rate limit allows a call now."""
        with self._lock:
            if not self.same_stream(start):  # the stream was deleted and created again since `start`
                start = self.initial_offsets(TRIM_HORIZON)
            offsets = self.add_children(start)
            shards = {k: dict(v) for k, v in offsets["shards"].items()}
            rows: list[Row] = []
            for shard_id in self._parents_first(shards):
                state = shards[shard_id]
                if state["done"] or not self.limit.ready(shard_id):
                    continue
                got = self.fetch(shard_id, state["pos"])
                rows.extend(self._rows(shard_id, got.records))
                if got.records:
                    state["pos"] = f"{SEQ}{got.records[-1]['SequenceNumber']}"
                if got.finished:
                    state["done"] = True
                    self.shards(refresh=True)
            result = {**offsets, "shards": shards}
            if any(s["done"] and not start["shards"].get(k, {}).get("done") for k, s in shards.items()):
                result = self.add_children(result)
            return rows, result

    def read_range(self, start: Offsets, end: Offsets) -> Iterator[Row]:
        """Exactly the records between two offsets (what a restarted batch re-reads), parents first."""
        with self._lock:
            if not self.same_stream(end):
                return  # that stream is gone: its records cannot be read again
            if not self.same_stream(start):
                start = {"shards": {}}
            for shard_id in self._parents_first(end["shards"]):
                target = end["shards"][shard_id]
                position = start["shards"].get(shard_id, {}).get("pos", TRIM_HORIZON)
                last = sequence_of(target["pos"])
                if last is None or position == target["pos"]:
                    continue
                while True:
                    got = self._fetch_when_allowed(shard_id, position)
                    wanted = [r for r in got.records if int(r["SequenceNumber"]) <= last]
                    yield from self._rows(shard_id, wanted)
                    if got.records:
                        position = f"{SEQ}{got.records[-1]['SequenceNumber']}"
                    if len(wanted) < len(got.records) or sequence_of(position) == last:
                        break
                    if not got.records and (got.finished or not got.behind_ms):
                        raise RuntimeError(
                            f"shard {shard_id} of {self.stream} ends before sequence number {last} of the "
                            "checkpoint: the records expired (retention) or the stream was recreated; "
                            "delete the checkpoint to start over"
                        )

    def _fetch_when_allowed(self, shard_id: str, position: str) -> Fetched:
        """A GetRecords that waits for the shard's rate limit (and its throttling back-off) first."""
        while True:
            pause = self.limit.wait_time(shard_id)
            if pause:
                self.sleep(pause)
            got = self.fetch(shard_id, position)
            if not got.throttled:
                return got

    def _parents_first(self, shards: dict[str, Any]) -> list[str]:
        listed = self.shards()

        def depth(shard_id: str) -> int:
            seen, level = shard_id, 0
            while (parent := listed.get(seen, {}).get("ParentShardId")) in listed and level < 64:
                seen, level = parent, level + 1
            return level

        return sorted(shards, key=lambda s: (depth(s), s))

    def _rows(self, shard_id: str, records: list[dict[str, Any]]) -> list[Row]:
        rows = []
        for record in records:
            arrival = record["ApproximateArrivalTimestamp"]
            if arrival.tzinfo is None:
                arrival = arrival.replace(tzinfo=dt.timezone.utc)
            rows.append((self.stream, shard_id, record["SequenceNumber"], record["PartitionKey"], arrival,
                         bytes(record["Data"])))
        return rows

    def read_to_end(self, shard_id: str, position: str) -> Iterator[Row]:
        """A shard from `position` to what it holds now (the batch reader)."""
        while True:
            got = self._fetch_when_allowed(shard_id, position)
            yield from self._rows(shard_id, got.records)
            if got.records:
                position = f"{SEQ}{got.records[-1]['SequenceNumber']}"
            if got.finished or (not got.records and not got.behind_ms):
                return
