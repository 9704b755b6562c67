"""Pipeline 3's stream job: orders per sliding window from Kinesis `CadabraOrders`, an alarm record to
Kinesis `OrderRateAlarms` when a window holds `threshold` orders or more, then none for `suppress`.

The course ran this in Kinesis Data Analytics for SQL (end of life 2026-01-27,
https://docs.aws.amazon.com/kinesisanalytics/latest/dev/discontinuation.html); here it is Spark
Structured Streaming (https://spark.apache.org/docs/latest/streaming/index.html) reading the stream
with `spark_jobs.kinesis_source`. The windowed count is Spark SQL (sql/analytics/order_rate_windows.sql)
run in update mode: a window is emitted the moment its count changes, so an alarm can be raised
in the micro-batch that carries the 10th order.

Steps (pure, tested on static DataFrames): `arrivals` → `transform` (windows SQL) → `crossings` →
`suppress`. `main()` wires them to the stream; each micro-batch (`AlarmBatch`):
1. collects the windows whose count changed (a few rows),
2. decides the alarms from the suppression state *as of the previous batch* (kept per batch id in the
   checkpoint, so a re-run batch decides exactly the same),
3. writes an intent file, PutRecords the alarms, then the batch's state (`Ledger`). A batch re-run
   after a crash between PutRecords and the state looks its alarm ids up in `OrderRateAlarms` and
   sends only the missing ones: one surge, one alarm record, across a kill and restart.

Suppression is in event time: a crossing window whose end is within `suppress` seconds of the last
alarm's window end raises nothing (the course's second query meant this). Every record counts,
whether or not it parses as an order. Known gaps: alarm records carry no Kinesis ordering guarantee
between two jobs sharing a stream (one job per checkpoint is assumed); the ledger lives in the
checkpoint folder, so deleting the checkpoint resets suppression with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

SQL_DIR = Path(__file__).resolve().parent.parent / "sql" / "analytics"
WINDOWS_SQL = SQL_DIR / "order_rate_windows.sql"
SERIES_SECONDS = 300


@dataclass(frozen=True)
class AlarmConfig:
    window_seconds: int = 10
    slide_seconds: int = 1
    threshold: int = 10
    suppress_seconds: int = 60

    def __post_init__(self) -> None:
        if self.window_seconds < 1 or self.slide_seconds < 1 or self.slide_seconds > self.window_seconds:
            raise ValueError(f"window {self.window_seconds}s / slide {self.slide_seconds}s: need 1 <= slide <= window")
        if self.threshold < 1 or self.suppress_seconds < 0:
            raise ValueError(f"threshold {self.threshold} must be >= 1 and suppress {self.suppress_seconds}s >= 0")


@dataclass(frozen=True, order=True)
class Window:
    start_ms: int
    end_ms: int
    count: int
    last_arrival_ms: int = 0


# -- the transform (DataFrame → DataFrame) ------------------------------------------------------


def arrivals(records: Any) -> Any:
    """One row per Kinesis record with its arrival time (the event time); content is irrelevant."""
    return records.select("arrival_time")


def transform(records: Any, config: AlarmConfig) -> Any:
    """Kinesis rows → (window_start, window_end, order_count, last_arrival) per sliding window."""
    frame = arrivals(records)
    if frame.isStreaming:
        # state for a window is kept until the watermark passes it; arrival times hardly run late
        frame = frame.withWatermark("arrival_time", f"{config.window_seconds * 2} seconds")
    frame.createOrReplaceTempView("order_arrivals")  # the view sql/analytics/order_rate_windows.sql reads
    return frame.sparkSession.sql(WINDOWS_SQL.read_text(), args={
        "window_duration": f"{config.window_seconds} seconds",
        "slide_duration": f"{config.slide_seconds} seconds",
    })


def windows_of(counts: Any) -> list[Window]:
    """Collect a (small) DataFrame of window counts as Windows, in epoch milliseconds."""
    rows = counts.selectExpr(
        "unix_millis(window_start) AS s", "unix_millis(window_end) AS e", "order_count AS c",
        "unix_millis(last_arrival) AS a",
    ).collect()
    return sorted(Window(r["s"], r["e"], int(r["c"]), r["a"] or 0) for r in rows)


def crossings(windows: Iterable[Window], threshold: int) -> list[Window]:
    return sorted((w for w in windows if w.count >= threshold), key=lambda w: (w.end_ms, w.start_ms))


def suppress(
    windows: Iterable[Window], config: AlarmConfig, last_alarm_end_ms: int | None
) -> tuple[list[Window], int | None]:
    """The windows that raise an alarm (earliest first) and the new last alarm's window end.

    A crossing window raises one when no alarm was raised for a window ending less than
    `suppress_seconds` before it; a surge's many overlapping windows thus raise one alarm.
    """
    raised: list[Window] = []
    last = last_alarm_end_ms
    for window in crossings(windows, config.threshold):
        if last is None or window.end_ms - last >= config.suppress_seconds * 1000:
            raised.append(window)
            last = window.end_ms
    return raised, last


def alarm_record(window: Window, config: AlarmConfig, job_id: str) -> dict[str, Any]:
    """What goes to OrderRateAlarms (and, through the Lambda, into the SNS message)."""
    return {
        "alarm_id": f"{job_id}:{window.end_ms}",
        "job_id": job_id,
        "window_start": _iso(window.start_ms),
        "window_end": _iso(window.end_ms),
        "window_seconds": config.window_seconds,
        "order_count": window.count,
        "threshold": config.threshold,
        "raised_at": _iso(int(time.time() * 1000)),
    }


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- exactly-once alarms: the ledger in the checkpoint and the idempotent sink --------------------


class Ledger:
    """Suppression state per committed batch, plus intents of alarms being written (JSON files)."""

    KEEP = 200

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "state").mkdir(parents=True, exist_ok=True)
        (folder / "intent").mkdir(parents=True, exist_ok=True)

    def state_before(self, batch_id: int) -> dict[str, Any]:
        """The state committed by the latest batch before `batch_id` (empty at the start)."""
        ids = [int(p.stem) for p in (self.folder / "state").glob("*.json") if int(p.stem) < batch_id]
        if not ids:
            return {"last_alarm_end_ms": None, "alarms": 0}
        return json.loads((self.folder / "state" / f"{max(ids)}.json").read_text())

    def latest(self) -> dict[str, Any]:
        """The state after the last committed batch (what a restarted job reports at once)."""
        return self.state_before(2**62)

    def intent(self, batch_id: int) -> dict[str, Any] | None:
        path = self.folder / "intent" / f"{batch_id}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def write_intent(self, batch_id: int, records: list[dict[str, Any]]) -> None:
        _write_json(self.folder / "intent" / f"{batch_id}.json", {"at_ms": int(time.time() * 1000), "records": records})

    def commit(self, batch_id: int, state: dict[str, Any]) -> None:
        _write_json(self.folder / "state" / f"{batch_id}.json", state)
        for kind in ("state", "intent"):
            old = sorted(int(p.stem) for p in (self.folder / kind).glob("*.json"))[: -self.KEEP]
            for stale in old:
                (self.folder / kind / f"{stale}.json").unlink(missing_ok=True)


def _write_json(path: Path, document: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, default=str))
    os.replace(tmp, path)


class AlarmSink:
    """PutRecords of alarm records; on a re-run batch, only those not already in the stream."""

    def __init__(self, options: dict[str, str]) -> None:
        self.options = options

    def already_sent(self, alarm_ids: set[str], since_ms: int) -> set[str]:
        from spark_jobs import kinesis_shards as shards

        reader = shards.ShardReader(shards.make_client(self.options), self.options["streamname"], calls_per_second=5)
        found: set[str] = set()
        position = f"{shards.AT_TIMESTAMP}{since_ms - 5000}"
        for shard_id in reader.shards(refresh=True):
            for row in reader.read_to_end(shard_id, position):
                try:
                    found.add(json.loads(row[5])["alarm_id"])
                except (ValueError, KeyError, TypeError):
                    continue
        return found & alarm_ids

    def put(self, records: list[dict[str, Any]]) -> None:
        from spark_jobs.kinesis_source import put_rows

        put_rows(self.options, ({"data": json.dumps(r), "partition_key": r["alarm_id"]} for r in records))


# -- status for the supervisor, `cadabra status` and the console ---------------------------------


class Status:
    """The job's state as a JSON file others read: starting, running (last batch, lag) or failed."""

    def __init__(self, path: Path | None, config: AlarmConfig) -> None:
        self.path = path
        self.doc: dict[str, Any] = {
            "state": "starting", "detail": "starting Spark", "pid": os.getpid(), "started_at": _iso(_now_ms()),
            "config": asdict(config), "batches": 0, "alarms_raised": 0, "last_batch_at": None,
            "lag_seconds": None, "last_alarm": None, "series": [], "error": None,
        }
        self._series: dict[int, int] = {}
        self.write()

    def update(self, **values: Any) -> None:
        self.doc.update(values)
        self.write()

    def batch(self, batch_id: int, windows: list[Window], raised: list[dict[str, Any]], alarms_total: int) -> None:
        now = _now_ms()
        for window in windows:
            self._series[window.end_ms] = window.count
        horizon = now - SERIES_SECONDS * 1000
        self._series = {k: v for k, v in self._series.items() if k >= horizon}
        newest = max((w.last_arrival_ms for w in windows), default=0)
        self.doc.update(
            state="running", detail=None, batches=self.doc["batches"] + 1, last_batch_id=batch_id,
            last_batch_at=_iso(now), alarms_raised=alarms_total,
            series=sorted(self._series.items()),
        )
        if newest:
            self.doc["lag_seconds"] = round(max(0, now - newest) / 1000, 3)
            self.doc["last_arrival_at"] = _iso(max(newest, _parse_ms(self.doc.get("last_arrival_at"))))
        if raised:
            self.doc["last_alarm"] = raised[-1]
        self.write()

    def write(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write_json(self.path, {**self.doc, "written_at": _iso(_now_ms())})


def _parse_ms(iso: str | None) -> int:
    return int(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000) if iso else 0


def _now_ms() -> int:
    return int(time.time() * 1000)


class AlarmBatch:
    """The foreachBatch step: windows → alarms (deterministic per batch id) → OrderRateAlarms, once."""

    def __init__(self, config: AlarmConfig, ledger: Ledger, sink: AlarmSink, job_id: str, status: Status) -> None:
        self.config, self.ledger, self.sink, self.job_id, self.status = config, ledger, sink, job_id, status

    def __call__(self, counts: Any, batch_id: int) -> None:
        windows = windows_of(counts)
        before = self.ledger.state_before(batch_id)
        raised, last_end = suppress(windows, self.config, before["last_alarm_end_ms"])
        records = [alarm_record(w, self.config, self.job_id) for w in raised]
        intent = self.ledger.intent(batch_id)
        if intent is not None:  # this batch ran before and died after its intent: send what is missing
            records = intent["records"]
            sent = self.sink.already_sent({r["alarm_id"] for r in records}, intent["at_ms"])
            missing = [r for r in records if r["alarm_id"] not in sent]
        else:
            missing = records
            if records:
                self.ledger.write_intent(batch_id, records)
        if missing:
            self.sink.put(missing)
        total = before.get("alarms", 0) + len(records)
        self.ledger.commit(batch_id, {"last_alarm_end_ms": last_end, "alarms": total,
                                      "last_alarm": records[-1] if records else before.get("last_alarm")})
        self.status.batch(batch_id, windows, records, total)


# -- main ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = AlarmConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-stream", default="CadabraOrders")
    parser.add_argument("--alarms-stream", default="OrderRateAlarms")
    parser.add_argument("--endpoint-url", default=None, help="Kinesis endpoint (localcloud/LocalStack); AWS: omit")
    parser.add_argument("--region", default=None)
    parser.add_argument("--checkpoint", required=True, help="checkpoint folder (offsets, window state, alarm ledger)")
    parser.add_argument("--status-file", default=None, help="JSON status for the supervisor and the console")
    parser.add_argument("--window-seconds", type=int, default=defaults.window_seconds)
    parser.add_argument("--slide-seconds", type=int, default=defaults.slide_seconds)
    parser.add_argument("--threshold", type=int, default=defaults.threshold)
    parser.add_argument("--suppress-seconds", type=int, default=defaults.suppress_seconds)
    parser.add_argument("--trigger-ms", type=int, default=100, help="micro-batch trigger interval (a trigger without new records costs one Python call)")
    parser.add_argument("--get-records-per-second", type=float, default=4.0, help="per shard (AWS allows 5 for all readers)")
    parser.add_argument("--starting-position", default="LATEST", help="first start only; restarts use the checkpoint")
    parser.add_argument("--master", default=None, help="Spark master (default: spark-submit's, else local[2])")
    parser.add_argument("--shuffle-partitions", type=int, default=2)
    parser.add_argument("--driver-memory", default="512m")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started the job is gone (the stack's supervisor passes it: "
                             "a supervisor killed with SIGKILL leaves no job running beside the next one)")
    return parser.parse_args(argv)


def _watch_parent(stop: list[bool], interval: float = 1.0) -> None:
    """Ask the job to stop once it is re-parented (its starter died without stopping it)."""
    parent = os.getppid()

    def watch() -> None:
        while not stop:
            if os.getppid() != parent:
                print(f"order_rate_alarm: parent PID {parent} is gone; stopping", flush=True)
                stop.append(True)
                return
            time.sleep(interval)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _job_id(checkpoint: Path) -> str:
    """A stable id per checkpoint (like a streaming query's id): kept across restarts."""
    path = checkpoint / "job_id"
    if not path.exists():
        checkpoint.mkdir(parents=True, exist_ok=True)
        _write_json(path, f"order-rate-alarm-{uuid.uuid4().hex[:8]}")
    return json.loads(path.read_text())


def _pinned_start(checkpoint: Path, position: str) -> str:
    """LATEST means "from when this job was first started": pinned to a timestamp at the first start and
    kept in the checkpoint folder, so orders sent while Spark starts (or before a crash that left no
    offsets) are counted."""
    from spark_jobs.kinesis_shards import starting_position

    path = checkpoint / "starting_position"
    if not path.exists():
        checkpoint.mkdir(parents=True, exist_ok=True)
        pinned = starting_position(position)
        if pinned.startswith("AT_TIMESTAMP:"):
            pinned = str(int(pinned.split(":", 1)[1]) / 1000)
        _write_json(path, pinned)
    return json.loads(path.read_text())


def _wait_for_stream(options: dict[str, str], status: Status, stop: list[bool]) -> None:
    """The job may start before `cadabra deploy` created the stream: wait, saying so in the status."""
    from botocore.exceptions import BotoCoreError, ClientError

    from spark_jobs.kinesis_shards import make_client

    client = make_client(options)
    while not stop:
        try:
            client.describe_stream_summary(StreamName=options["streamname"])
            return
        except (ClientError, BotoCoreError) as exc:
            status.update(detail=f"waiting for Kinesis stream {options['streamname']} ({type(exc).__name__}): "
                                 "deploy with `cadabra deploy`")
        time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = AlarmConfig(args.window_seconds, args.slide_seconds, args.threshold, args.suppress_seconds)
    checkpoint = Path(args.checkpoint)
    status = Status(Path(args.status_file) if args.status_file else None, config)
    stop: list[bool] = []
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    if args.exit_with_parent:
        _watch_parent(stop)
    connection = {"region": args.region or "", "endpointurl": args.endpoint_url or ""}
    source = {**connection, "streamname": args.orders_stream,
              "startingposition": _pinned_start(checkpoint, args.starting_position),
              "getrecordspersecond": str(args.get_records_per_second)}
    try:
        _wait_for_stream(source, status, stop)
        if stop:
            return 0
        from spark_jobs import kinesis_source
        from spark_jobs.session import build_session

        status.update(detail="starting Spark")
        spark = build_session(
            "order_rate_alarm", master=args.master, shuffle_partitions=args.shuffle_partitions,
            conf={"spark.driver.memory": args.driver_memory, "spark.sql.session.timeZone": "UTC",
                  "spark.sql.streaming.noDataMicroBatches.enabled": "false",
                  "spark.ui.enabled": "false", "spark.sql.ui.retainedExecutions": "10"},
        )
        kinesis_source.register(spark)
        job_id = _job_id(checkpoint)
        status.update(job_id=job_id, detail="waiting for the first micro-batch")
        records = spark.readStream.format(kinesis_source.NAME).options(**source).load()
        ledger = Ledger(checkpoint / "alarms")
        status.update(alarms_raised=ledger.latest().get("alarms", 0), last_alarm=ledger.latest().get("last_alarm"))
        step = AlarmBatch(config, ledger, AlarmSink({**connection, "streamname": args.alarms_stream}), job_id, status)
        query = (
            transform(records, config).writeStream.outputMode("update")
            .option("checkpointLocation", str(checkpoint / "query"))
            .trigger(processingTime=f"{args.trigger_ms} milliseconds")
            .foreachBatch(step)
            .start()
        )
        status.update(state="running", query_id=str(query.id))
        while not stop and query.isActive:
            query.awaitTermination(1.0)
            status.update(heartbeat_at=_iso(_now_ms()))
        if query.exception() is not None:
            raise RuntimeError(str(query.exception()).splitlines()[0])
        query.stop()
        spark.stop()
        status.update(state="stopped", detail=None)
        return 0
    except Exception as exc:
        status.update(state="failed", detail=None, error=f"{type(exc).__name__}: {str(exc)[:500]}")
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
