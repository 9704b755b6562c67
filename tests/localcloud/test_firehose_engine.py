"""The Firehose engine alone, with an injected clock, monotonic time, store and invoker (no server)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sandbox.localcloud.firehose.engine import FirehoseEngine
from sandbox.localcloud.runtime import InvocationResult
from sandbox.settings import Settings

ACCOUNT, REGION = "000000000000", "us-east-1"


@dataclass
class FakeModel:
    """The attributes of moto's DeliveryStream the engine reads."""

    delivery_stream_name: str
    destinations: list[dict[str, Any]]
    version_id: str = "1"
    delivery_stream_type: str = "DirectPut"
    source: dict[str, Any] | None = None
    create_timestamp: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def delivery_stream_arn(self) -> str:
        return f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{self.delivery_stream_name}"


class FakeCatalog:
    def __init__(self, *models: FakeModel) -> None:
        self.models = list(models)

    def streams(self):
        return [(ACCOUNT, REGION, m) for m in self.models]


class FakeStore:
    def __init__(self, missing: set[str] | None = None) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.missing = missing or set()

    def put(self, bucket: str, key: str, body: bytes) -> None:
        if bucket in self.missing:
            raise LookupError(f"NoSuchBucket {bucket}")
        self.objects[(bucket, key)] = body


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now, self.mono = start, 1000.0

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


def _s3(name: str, bucket: str = "b", **extra: Any) -> FakeModel:
    config = {"BucketARN": f"arn:aws:s3:::{bucket}", **extra}
    return FakeModel(name, [{"destination_id": "destinationId-000000000001", "ExtendedS3": config}])


def _engine(catalog: FakeCatalog, clock: Clock, store: FakeStore, invoke: Any = None) -> FirehoseEngine:
    return FirehoseEngine(
        Settings(), catalog, invoke, clock=lambda: clock.now, monotonic=lambda: clock.mono, store_factory=lambda _: store
    )


def test_interval_counts_on_the_injected_clock_and_keys_use_arrival_time():
    clock = Clock(datetime(2023, 12, 31, 23, 59, 58, tzinfo=timezone.utc))
    model = _s3("S", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}, Prefix="p/")
    store = FakeStore()
    engine = _engine(FakeCatalog(model), clock, store)

    engine.accept(ACCOUNT, REGION, model, [b"a", b"b"])
    clock.advance(59.9)
    engine.tick()
    assert store.objects == {}  # not yet: the interval has not passed
    engine.accept(ACCOUNT, REGION, model, [b"c"])
    clock.advance(0.1)
    engine.tick()

    [(bucket, key)] = store.objects
    assert bucket == "b" and store.objects[(bucket, key)] == b"abc"
    assert key.startswith("p/2023/12/31/23/S-1-2023-12-31-23-59-58-")  # oldest record's arrival, before midnight


def test_transform_with_a_test_double_invoker():
    clock = Clock(datetime(2024, 5, 1, 12, tzinfo=timezone.utc))
    processing = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [
                    {"ParameterName": "LambdaArn", "ParameterValue": "arn:aws:lambda:us-east-1:000000000000:function:t:live"},
                    {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "0"},
                ],
            }
        ],
    }
    model = _s3("T", ProcessingConfiguration=processing, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})
    calls: list[tuple[str, dict[str, Any], str | None]] = []

    def invoke(function: str, payload: bytes, *, qualifier: str | None = None, **_: Any) -> InvocationResult:
        event = json.loads(payload)
        calls.append((function, event, qualifier))
        out = []
        for r in event["records"]:
            data = base64.b64decode(r["data"])
            result = "Ok" if data != b"bad" else "ProcessingFailed"
            out.append({"recordId": r["recordId"], "result": result, "data": base64.b64encode(data * 2).decode()})
        return InvocationResult(200, json.dumps({"records": out}).encode())

    store = FakeStore()
    engine = _engine(FakeCatalog(model), clock, store, invoke)
    engine.accept(ACCOUNT, REGION, model, [b"x", b"bad"])
    engine.tick()

    function, event, qualifier = calls[0]
    assert (function, qualifier) == ("arn:aws:lambda:us-east-1:000000000000:function:t", "live")
    assert event["deliveryStreamArn"] == model.delivery_stream_arn and event["region"] == REGION
    assert event["records"][0]["approximateArrivalTimestamp"] == int(clock.now.timestamp() * 1000)
    delivered = {k: v for k, v in store.objects.items() if "processing-failed" not in k[1]}
    failed = {k: v for k, v in store.objects.items() if k[1].startswith("processing-failed/2024/05/01/12/")}
    assert list(delivered.values()) == [b"xx"]
    [document] = [json.loads(line) for line in next(iter(failed.values())).splitlines()]
    assert base64.b64decode(document["rawData"]) == b"bad" and document["errorCode"] == "Lambda.ProcessingFailed"


def test_missing_bucket_is_retried_until_it_exists():
    clock = Clock(datetime(2024, 5, 1, tzinfo=timezone.utc))
    model = _s3("R", bucket="later", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})
    store = FakeStore(missing={"later"})
    engine = _engine(FakeCatalog(model), clock, store)
    engine.accept(ACCOUNT, REGION, model, [b"keep me"])
    engine.tick()
    assert engine.describe()[0]["buffered_records"] == 1
    assert "NoSuchBucket" in engine.describe()[0]["last_error"]

    store.missing.clear()
    clock.advance(1)
    engine.tick()
    assert list(store.objects.values()) == [b"keep me"]
    assert engine.describe()[0]["delivered_records"] == 1


def test_stop_flushes_everything_and_deleted_streams_deliver():
    clock = Clock(datetime(2024, 5, 1, tzinfo=timezone.utc))
    kept, deleted = _s3("K", bucket="k"), _s3("D", bucket="d")
    catalog = FakeCatalog(kept, deleted)
    store = FakeStore()
    engine = _engine(catalog, clock, store)
    engine.accept(ACCOUNT, REGION, kept, [b"1"])
    engine.accept(ACCOUNT, REGION, deleted, [b"2"])
    catalog.models.remove(deleted)
    engine.tick()
    assert [b for (bucket, _), b in store.objects.items() if bucket == "d"] == [b"2"]
    assert not [key for key in store.objects if key[0] == "k"]  # 300 s default interval
    engine.start()
    engine.stop()
    assert [b for (bucket, _), b in store.objects.items() if bucket == "k"] == [b"1"]
