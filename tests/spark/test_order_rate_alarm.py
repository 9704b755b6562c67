"""The rate alarm's window and suppression steps on static DataFrames (no stream, no AWS)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from spark_jobs.order_rate_alarm import AlarmBatch, AlarmConfig, Ledger, Status, Window, suppress, transform, windows_of

T0 = dt.datetime(2026, 1, 27, 12, 0, 0, tzinfo=dt.timezone.utc)
CONFIG = AlarmConfig(window_seconds=10, slide_seconds=1, threshold=10, suppress_seconds=60)


def _records(spark, offsets_seconds: list[float]):
    rows = [("S", "shardId-0", str(i), "k", T0 + dt.timedelta(seconds=s), b"{}") for i, s in enumerate(offsets_seconds)]
    return spark.createDataFrame(rows, "stream string, shard_id string, sequence_number string, "
                                       "partition_key string, arrival_time timestamp, data binary")


def _alarms(spark, offsets_seconds: list[float], config: AlarmConfig = CONFIG) -> list[Window]:
    windows = windows_of(transform(_records(spark, offsets_seconds), config))
    raised, _ = suppress(windows, config, None)
    return raised


def _surge(at: float, orders: int, spread: float = 0.9) -> list[float]:
    return [at + spread * i / orders for i in range(orders)]


def test_exactly_threshold_orders_in_a_window_raise_one_alarm(spark):
    raised = _alarms(spark, _surge(5, 10))
    assert len(raised) == 1
    assert raised[0].count == 10 and raised[0].end_ms - raised[0].start_ms == 10_000


def test_one_order_fewer_raises_nothing(spark):
    assert _alarms(spark, _surge(5, 9)) == []


def test_nine_orders_spread_so_no_window_holds_ten_raise_nothing(spark):
    # 19 orders, one every 1.2 s: any 10-second window holds at most 9 of them
    assert _alarms(spark, [1.2 * i for i in range(19)]) == []


def test_two_surges_30_seconds_apart_raise_one_alarm(spark):
    raised = _alarms(spark, _surge(5, 30) + _surge(35, 30))
    assert len(raised) == 1


def test_two_surges_90_seconds_apart_raise_two_alarms(spark):
    raised = _alarms(spark, _surge(5, 30) + _surge(95, 30))
    assert len(raised) == 2
    assert raised[1].end_ms - raised[0].end_ms >= 60_000


def test_the_window_and_threshold_are_configurable(spark):
    config = AlarmConfig(window_seconds=5, slide_seconds=1, threshold=3, suppress_seconds=10)
    assert len(_alarms(spark, [0, 1, 2, 30, 31, 32], config)) == 2
    assert _alarms(spark, [0, 3, 6, 9], config) == []


def test_suppression_carries_over_from_the_last_alarm():
    windows = [Window(0, 10_000, 12), Window(50_000, 60_000, 11), Window(61_000, 71_000, 10)]
    raised, last = suppress(windows, CONFIG, last_alarm_end_ms=5_000)
    assert [w.end_ms for w in raised] == [71_000] and last == 71_000


class RecordingSink:
    def __init__(self, in_stream: set[str] | None = None):
        self.put_calls: list[list[dict]] = []
        self.in_stream = in_stream or set()

    def put(self, records):
        self.put_calls.append(records)
        self.in_stream |= {r["alarm_id"] for r in records}

    def already_sent(self, ids, since_ms):
        return ids & self.in_stream


def test_a_rerun_batch_sends_no_alarm_twice_and_decides_the_same(spark, tmp_path):
    counts = transform(_records(spark, _surge(5, 12)), CONFIG)
    ledger = Ledger(tmp_path / "alarms")
    sink = RecordingSink()
    step = AlarmBatch(CONFIG, ledger, sink, "job-1", Status(None, CONFIG))
    step(counts, 0)
    assert len(sink.put_calls) == 1 and len(sink.put_calls[0]) == 1
    # the job died after PutRecords but before Spark committed batch 0: Spark runs batch 0 again
    step(counts, 0)
    assert len(sink.put_calls) == 1
    # ... and when it died before PutRecords answered (intent written, nothing in the stream)
    sink.in_stream.clear()
    step(counts, 0)
    assert len(sink.put_calls) == 2 and sink.put_calls[1][0]["alarm_id"] == sink.put_calls[0][0]["alarm_id"]
    # the next batch's windows of the same surge stay suppressed
    step(counts, 1)
    assert len(sink.put_calls) == 2
    alarm = sink.put_calls[0][0]
    assert alarm["order_count"] == 12 and alarm["threshold"] == 10 and alarm["job_id"] == "job-1"
    assert json.loads(json.dumps(alarm))["window_end"].endswith("Z")


def test_bad_config_is_refused():
    with pytest.raises(ValueError):
        AlarmConfig(window_seconds=5, slide_seconds=10)
