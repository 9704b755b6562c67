"""Benchmark: pipeline 1 (order history), Kinesis → ESM → Lambda ProcessOrders → DynamoDB, on a private stack.

Prints, from one run against one private embedded stack (`cadabra up` on free ports, deployed):
  ceiling     raw BatchWriteItem into a scratch table (25 items a call, boto3, same server), items/s
  throughput  PutRecords of the Online Retail lines as fast as the producer goes → the time the last
              item is in the table and the last guest line in the DLQ; order lines/s and items/s,
              and the items/s ratio to the ceiling
  latency     synthetic lines paced at --rate (500/s): put → visible (BatchGetItem) p50/p99 of every
              fifth line that has a customer
and, with --full, the whole data set (541,909 lines) as the throughput phase, with its counts.

Goals (issue "pipeline 1"): >= 2,000 orders/s end to end and >= 50 % of the ceiling; p99 <= 2 s at
500 orders/s; the full data set through in <= 5 minutes.

Run: .venv/bin/python -m tests.bench.bench_order_history [--full] [--lines 50000] [--rate 500]
     [--latency-seconds 30]; exits 1 while a goal fails. Other sessions' load on the machine moves the
     rates by ±10 %: look at the ratio too.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable

from generators import orders as gen
from pipelines.order_history import handler
from sandbox.aws import client
from sandbox.settings import Settings
from sandbox.waiting import wait_until
from tests.bench import report
from tests.bench._stack import private_stack

FULL_LINES, FULL_ITEMS, FULL_GUESTS = 541_909, 406_829, 135_080
GOAL_RATE, GOAL_RATIO, GOAL_P99_S, GOAL_FULL_S = 2000.0, 0.5, 2.0, 300.0
PROBE_EVERY = 5  # every fifth line with a customer is watched for visibility in the latency phase


@dataclass
class Expected:
    """What the handler will make of a list of records: distinct items and dead letters."""

    lines: int
    items: int
    dead: int
    keys: list[tuple[int, str] | None]  # per record: its table key, None when it is dead-lettered


def expected_of(records: list[dict[str, Any]]) -> Expected:
    """Run the handler's own parsing over the records, so the counts to wait for are exact."""
    keys: list[tuple[int, str] | None] = []
    for record in records:
        data = base64.b64encode(gen.encode(record)).decode()
        try:
            line = handler.parse_order(handler.decode_data(data))
            keys.append((line.customer_id, line.order_id))
        except handler.InvalidRecord:
            keys.append(None)
    valid = [k for k in keys if k is not None]
    return Expected(len(records), len(set(valid)), len(keys) - len(valid), keys)


# -- (a) the raw BatchWriteItem ceiling -----------------------------------------------------------


def measure_ceiling(settings: Settings, records: list[dict[str, Any]], threads: int) -> float:
    """Items/s of BatchWriteItem (25 distinct items a call) into a scratch table with the same schema."""
    ddb = client("dynamodb", settings)
    table = f"bench-ceiling-{uuid.uuid4().hex[:6]}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "CustomerID", "KeyType": "HASH"}, {"AttributeName": "OrderID", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "CustomerID", "AttributeType": "N"},
            {"AttributeName": "OrderID", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    items: dict[tuple[int, str], dict[str, Any]] = {}
    for record in records:
        try:
            line = handler.parse_order(handler.decode_data(base64.b64encode(gen.encode(record)).decode()))
        except handler.InvalidRecord:
            continue
        items[(line.customer_id, line.order_id)] = line.to_item()
    values = list(items.values())
    calls = [values[i : i + 25] for i in range(0, len(values), 25)]
    clients = [client("dynamodb", settings, region_name=settings.region) for _ in range(threads)]

    def run(index: int) -> None:
        for chunk in calls[index::threads]:
            clients[index].batch_write_item(RequestItems={table: [{"PutRequest": {"Item": i}} for i in chunk]})

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(threads)))
    elapsed = time.perf_counter() - started
    count = ddb.describe_table(TableName=table)["Table"]["ItemCount"]
    ddb.delete_table(TableName=table)
    if count != len(values):
        raise SystemExit(f"ceiling table holds {count} items, expected {len(values)}")
    return len(values) / elapsed


# -- (b) sustained end-to-end throughput ----------------------------------------------------------


class Counts:
    """The table's ItemCount and the DLQ's message count (both cheap on moto)."""

    def __init__(self, settings: Settings) -> None:
        self.ddb, self.sqs = client("dynamodb", settings), client("sqs", settings)
        self.table = settings.names.orders_table
        self.dlq = self.sqs.get_queue_url(QueueName=settings.names.orders_dlq)["QueueUrl"]

    def items(self) -> int:
        return int(self.ddb.describe_table(TableName=self.table)["Table"]["ItemCount"])

    def dead(self) -> int:
        """Messages in the DLQ. moto counts them with passes over the whole queue (and once per
        attribute name asked for, so ask for All): poll this rarely, not while the pipeline runs."""
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.dlq, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@dataclass
class Throughput:
    lines: int
    items: int
    dead: int
    producer_s: float
    wall_s: float
    timed_out: bool


def measure_throughput(settings: Settings, records: list[dict[str, Any]], expected: Expected, timeout: float) -> Throughput:
    counts = Counts(settings)
    base_items, base_dead = counts.items(), counts.dead()
    kinesis = client("kinesis", settings)
    result: dict[str, float] = {}

    def produce() -> None:
        summary = gen.replay_records(kinesis, settings.names.orders_stream, iter(records), source="bench")
        if summary.failed:
            raise SystemExit(f"the producer could not send {summary.failed} records")
        result["producer_s"] = summary.elapsed

    started = time.monotonic()
    producer = threading.Thread(target=produce, name="bench-producer")
    producer.start()
    items = dead = 0
    timed_out = False
    try:
        def all_items() -> bool:
            nonlocal items
            items = counts.items() - base_items
            return items >= expected.items

        def all_dead() -> bool:
            nonlocal dead
            dead = counts.dead() - base_dead
            return dead >= expected.dead

        # The handler sends a batch's dead letters right after its writes: the DLQ is complete at
        # most one invocation after the table, so it is polled only then (cheaply, every 0.25 s).
        wait_until(all_items, timeout=timeout, interval=0.2, message="all items in the table")
        wait_until(all_dead, timeout=60, interval=0.25, message="all dead letters in the DLQ")
    except Exception as exc:  # report what arrived rather than nothing
        print(f"  !! {exc}")
        timed_out = True
    wall = time.monotonic() - started
    producer.join()
    return Throughput(expected.lines, items, dead, result.get("producer_s", float("nan")), wall, timed_out)


# -- (c) put → visible latency at a paced rate ----------------------------------------------------


class _TimedKinesis:
    """The producer's Kinesis client, noting when each record was handed to PutRecords."""

    def __init__(self, inner: Any, on_put: Any) -> None:
        self._inner, self._on_put = inner, on_put

    def put_records(self, **kwargs: Any) -> Any:
        self._on_put(kwargs["Records"], time.monotonic())
        return self._inner.put_records(**kwargs)


def measure_latency(settings: Settings, rate: float, seconds: float, seed: int) -> tuple[list[float], int, float]:
    """Latencies (s) of the probed lines, the number never seen, and the mean sweep interval (s)."""
    records = list(itertools.islice(gen.synthetic_orders(gen.profile_of(None), seed), int(rate * seconds)))
    expected = expected_of(records)
    by_data: dict[bytes, tuple[int, str]] = {}
    valid_seen = 0
    for record, key in zip(records, expected.keys):
        if key is not None:
            if valid_seen % PROBE_EVERY == 0:
                by_data[gen.encode(record)] = key
            valid_seen += 1
    pending: dict[tuple[int, str], float] = {}
    lock = threading.Lock()
    latencies: list[float] = []
    sweeps: list[float] = []
    stop = threading.Event()

    def on_put(entries: list[dict[str, Any]], when: float) -> None:
        with lock:
            for entry in entries:
                key = by_data.get(entry["Data"])
                if key is not None:
                    pending.setdefault(key, when)

    ddb = client("dynamodb", settings, region_name=settings.region)
    table = settings.names.orders_table

    def watch() -> None:
        while not stop.is_set() or pending:
            with lock:
                batch = sorted(pending, key=pending.get)[:100]  # type: ignore[arg-type]
            if not batch:
                stop.wait(0.01)
                continue
            keys = [{"CustomerID": {"N": str(c)}, "OrderID": {"S": o}} for c, o in batch]
            answer = ddb.batch_get_item(RequestItems={table: {"Keys": keys, "ProjectionExpression": "CustomerID, OrderID"}})
            seen_at = time.monotonic()
            sweeps.append(seen_at)
            with lock:
                for item in answer["Responses"].get(table, []):
                    key = (int(item["CustomerID"]["N"]), item["OrderID"]["S"])
                    put_at = pending.pop(key, None)
                    if put_at is not None:
                        latencies.append(seen_at - put_at)
            if stop.is_set() and sweeps and seen_at - sweeps[0] > seconds + 60:
                return  # give up on what never arrived
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, name="bench-watch")
    watcher.start()
    try:
        gen.replay_records(_TimedKinesis(client("kinesis", settings), on_put), settings.names.orders_stream,
                           iter(records), rate=rate, source="bench-latency")
    finally:
        stop.set()
        watcher.join()
    interval = (sweeps[-1] - sweeps[0]) / max(1, len(sweeps) - 1) if sweeps else float("nan")
    return latencies, len(pending), interval


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


# -- main -----------------------------------------------------------------------------------------


def _records(full: bool, lines: int) -> Iterable[dict[str, Any]]:
    if not full and not gen.FULL_FILE.exists():  # a checkout without the full data: the shipped sample
        print(f"{gen.FULL_FILE} is absent: reading the shipped sample {gen.SAMPLE_FILE.name}")
        return itertools.islice(gen.read_orders(gen.SAMPLE_FILE), lines)
    source = gen.read_orders(gen.FULL_FILE)
    return source if full else itertools.islice(source, lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the whole data set (541,909 lines) as the throughput phase")
    parser.add_argument("--lines", type=int, default=50_000, help="lines of the full file without --full")
    parser.add_argument("--rate", type=float, default=500.0, help="paced rate of the latency phase")
    parser.add_argument("--latency-seconds", type=float, default=30.0)
    parser.add_argument("--ceiling-items", type=int, default=20_000)
    parser.add_argument("--ceiling-threads", type=int, nargs="+", default=[1, 4],
                        help="client threads of the ceiling runs (each run into its own scratch table)")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--quick", action="store_true", help="10,000 lines, 10 s of latency probes, one ceiling run")
    args = parser.parse_args()
    if args.quick:
        args.lines, args.latency_seconds, args.ceiling_items, args.ceiling_threads = 10_000, 10.0, 5_000, [4]

    records = list(_records(args.full, args.lines))
    expected = expected_of(records)
    print(f"data: {expected.lines} lines → {expected.items} items + {expected.dead} dead letters")
    with private_stack() as settings:
        print(f"stack: private, localcloud at {settings.aws_endpoint}, {settings.orders_shards} shards", flush=True)
        sample = records[: args.ceiling_items * 3 // 2]
        ceilings = {threads: measure_ceiling(settings, sample, threads) for threads in args.ceiling_threads}
        threads, ceiling = max(ceilings.items(), key=lambda pair: pair[1])
        shown = ", ".join(f"{c:.0f} with {t} client thread{'s' if t > 1 else ''}" for t, c in ceilings.items())
        print(f"(a) raw BatchWriteItem ceiling   {ceiling:8.0f} items/s  (25 items a call into a scratch table: "
              f"{shown}; the best is the ceiling)", flush=True)
        run = measure_throughput(settings, records, expected, timeout=900 if args.full else 300)
        rate, item_rate = run.lines / run.wall_s, run.items / run.wall_s
        print(f"(b) end to end                   {rate:8.0f} order lines/s  = {rate / ceiling:.0%} of the ceiling "
              f"({item_rate:.0f} items/s = {item_rate / ceiling:.0%} of it, beside {run.dead / run.wall_s:.0f} dead "
              f"letters/s); {run.lines} lines in {run.wall_s:.1f} s, the producer alone done after "
              f"{run.producer_s:.1f} s", flush=True)
        print(f"    counts: items {run.items} (expected {expected.items}), DLQ messages {run.dead} "
              f"(expected {expected.dead})", flush=True)
        p50 = p99 = float("nan")
        if not args.skip_latency:
            latencies, lost, interval = measure_latency(settings, args.rate, args.latency_seconds, seed=17)
            p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
            print(f"(c) put → visible at {args.rate:.0f}/s        p50 {p50 * 1000:6.0f} ms  p99 {p99 * 1000:6.0f} ms  "
                  f"max {max(latencies, default=float('nan')) * 1000:.0f} ms  ({len(latencies)} probes, {lost} never "
                  f"seen, sweep every {interval * 1000:.0f} ms)", flush=True)

    report.row("end to end (Kinesis -> Lambda -> DynamoDB)", rate, "order lines/s", ceiling=ceiling, goal=GOAL_RATE,
               ratio_goal=GOAL_RATIO, met=not run.timed_out, note="ceiling = raw BatchWriteItem items/s")
    if not args.skip_latency:
        report.row(f"put -> visible p99 at {args.rate:.0f}/s", p99, "s", goal=GOAL_P99_S, lower_is_better=True)
    if args.full:
        complete = run.items == FULL_ITEMS and run.dead >= FULL_GUESTS and not run.timed_out
        report.row("full data set (541,909 lines)", run.wall_s, "s", goal=GOAL_FULL_S, lower_is_better=True,
                   met=complete, note=f"items {run.items}/{FULL_ITEMS}, DLQ {run.dead}")
    verdict = {True: "met", False: "NOT met"}
    goals = [(f">= {GOAL_RATE:.0f} order lines/s end to end: {rate:.0f}", rate >= GOAL_RATE and not run.timed_out),
             (f">= {GOAL_RATIO:.0%} of the ceiling (order lines/s over items/s): {rate / ceiling:.0%}",
              rate / ceiling >= GOAL_RATIO)]
    if not args.skip_latency:
        goals.append((f"p99 <= {GOAL_P99_S:.0f} s at {args.rate:.0f}/s: {p99:.2f} s", p99 <= GOAL_P99_S))
    if args.full:
        complete = run.items == FULL_ITEMS and run.dead >= FULL_GUESTS and not run.timed_out
        goals.append((f"full data set <= {GOAL_FULL_S:.0f} s: {run.wall_s:.1f} s (items {run.items}/{FULL_ITEMS}, "
                      f"DLQ {run.dead} >= {FULL_GUESTS} guests)", run.wall_s <= GOAL_FULL_S and complete))
    print("goals:")
    for text, met in goals:
        print(f"  {text} → {verdict[met]}")
    return 0 if all(met for _, met in goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())
