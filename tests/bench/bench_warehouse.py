"""Benchmark pipeline 5 on a lake holding the full Online Retail data (541,909 order lines).

On a private embedded stack (`cadabra up --deploy`, free ports, own state dir):

  seed     generators.lake writes the lake as Firehose PurchaseLogs would (each line arriving at its
           InvoiceDate, 60 s buffers: ~23,000 GZIP objects in ~2,900 hour partitions); not a goal
  crawl    StartCrawler of orderlogs-crawler until READY (the crawler's LastRuntimeSeconds too)
  athena   a GROUP BY over the whole lake (lines and revenue by country): the first run (cold: every
           object read from S3 and parsed) and the next (warm: parsed objects reused by ETag);
           the totals are checked against the seeded lines
  copy     Redshift `COPY staging FROM 's3://.../orders/' FORMAT AS JSON 'auto ignorecase' GZIP`
           through the Data API, until FINISHED; the loaded row count is checked
  france   the course's query (France, the busiest month) through Athena and through Redshift
           Spectrum (external schema over the catalog); the two answers must be equal

Goals (issue 11): crawl <= 10 s, Athena GROUP BY over the whole lake <= 1 s, COPY <= 5 s; France
query through both engines timed. Times are wall clock from the client's first call to the
answer, polling included (the Data API and Athena are asynchronous).

Run: .venv/bin/python -m tests.bench.bench_warehouse [--file ../shared/data/OnlineRetail.csv.gz]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable

from generators import lake, orders
from pipelines.warehouse import app
from sandbox.aws import client
from sandbox.settings import Settings
from tests.bench._stack import private_stack

GOALS = {"crawl": 10.0, "athena_group_by": 1.0, "copy": 5.0}
GROUP_BY = ("SELECT country, count(*) AS lines, sum(quantity * unitprice) AS revenue "
            "FROM orders GROUP BY country ORDER BY revenue DESC")
COPY = ("COPY staging_order_lines FROM 's3://{bucket}/orders/' "
        "IAM_ROLE 'arn:aws:iam::000000000000:role/cadabra-redshift-copy' FORMAT AS JSON 'auto ignorecase' GZIP")


def timed(label: str, action: Callable[[], Any]) -> tuple[float, Any]:
    print(f"{label} ...", flush=True)
    started = time.perf_counter()
    found = action()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s", flush=True)
    return seconds, found


def verdict(name: str, seconds: float) -> str:
    goal = GOALS[name]
    return f"{seconds:7.2f} s  goal <= {goal:.0f} s  ratio {seconds / goal:4.2f}  {'met' if seconds <= goal else 'MISSED'}"


def seed(settings: Settings, source: Path) -> tuple[float, lake.SeedSummary]:
    rows = ((lake.invoice_time(record), record) for record in orders.read_orders(source))
    return timed("seed", lambda: lake.write_lake(client("s3", settings), settings.names.datalake_bucket, rows,
                                                 stream=settings.names.purchase_firehose))


def run(settings: Settings, source: Path) -> dict[str, float]:
    seconds: dict[str, float] = {}
    seconds["seed"], summary = seed(settings, source)
    print(summary.render(), flush=True)
    seconds["crawl"], crawled = timed("crawl", lambda: app.crawl(settings, timeout=600))
    print(f"crawler LastRuntimeSeconds {crawled['metrics']['LastRuntimeSeconds']}, "
          f"tables created {crawled['metrics']['TablesCreated']}", flush=True)

    seconds["athena_cold"], cold = timed("athena GROUP BY (cold)", lambda: app.athena(settings, GROUP_BY))
    seconds["athena_group_by"], warm = timed("athena GROUP BY (warm)", lambda: app.athena(settings, GROUP_BY))
    lines = sum(row[1] for row in warm.rows)
    if lines != summary.lines or cold.rows != warm.rows:
        raise SystemExit(f"Athena counted {lines} lines, the lake holds {summary.lines} (or cold != warm)")
    print(f"athena: {len(warm.rows)} countries, {lines:,} lines, {warm.scanned_bytes / 1e6:.1f} MB scanned, "
          f"engine {warm.engine_ms} ms", flush=True)

    app.redshift(settings, app.redshift_script(settings, "orders_staging") + ["DELETE FROM staging_order_lines"])
    seconds["copy"], copied = timed("COPY", lambda: app.redshift(settings, COPY.format(bucket=settings.names.datalake_bucket)))
    loaded = app.redshift(settings, "SELECT COUNT(*) FROM staging_order_lines").rows[0][0]
    if int(loaded) != summary.lines:
        raise SystemExit(f"COPY loaded {loaded} rows, the lake holds {summary.lines}")
    print(f"COPY: {int(loaded):,} rows", flush=True)

    year, month = app.busiest_month(settings)
    seconds["france_athena"], by_athena = timed(f"France {year}-{month} via Athena", lambda: app.france(settings, year, month))
    seconds["france_spectrum"], by_spectrum = timed(f"France {year}-{month} via Spectrum",
                                                    lambda: app.france(settings, year, month, via="spectrum"))
    if [tuple(r) for r in by_athena.rows] != [(r[0], int(r[1])) for r in by_spectrum.rows]:
        raise SystemExit("the France query answers differently through Athena and through Spectrum")
    print(f"France {year}-{month}: {len(by_athena.rows)} descriptions, top {by_athena.rows[:1]}", flush=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=orders.FULL_FILE, help="Online Retail CSV (default: the full data set)")
    args = parser.parse_args(argv)
    if not args.file.exists():
        raise SystemExit(f"{args.file} does not exist: pass --file with the full Online Retail CSV (.csv.gz)")
    with private_stack() as settings:
        seconds = run(settings, args.file)
    print("\nresults")
    for name in ("crawl", "athena_group_by", "copy"):
        print(f"  {name:16} {verdict(name, seconds[name])}")
    print(f"  {'athena (cold)':16} {seconds['athena_cold']:7.2f} s  (first query: every object read and parsed)")
    print(f"  {'france athena':16} {seconds['france_athena']:7.2f} s")
    print(f"  {'france spectrum':16} {seconds['france_spectrum']:7.2f} s")
    print(f"  {'seed':16} {seconds['seed']:7.2f} s  (not a goal)")
    return 0 if all(seconds[name] <= goal for name, goal in GOALS.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
