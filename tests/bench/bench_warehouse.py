"""Benchmark: pipeline 5 (warehouse) on a lake holding the full Online Retail data, on a private stack.

Prints, from one run against one private embedded stack (`cadabra up` on free ports, deployed):
  seed       the full data set (541,909 lines) written as Firehose PurchaseLogs would (generators/lake.py)
  crawl      StartCrawler → READY over the whole lake (objects, partitions), seconds
  athena     SELECT country, count(*), sum(quantity * unitprice) ... GROUP BY country over the whole
             lake: the first run (objects read and parsed) and the median of 3 warm runs (parsed
             objects cached by ETag), engine time and wall time
  copy       COPY of the whole lake (JSON 'auto ignorecase', GZIP) into PostgreSQL, via the Data API
  france     the course's query for the busiest French month: via Athena, and via Redshift Spectrum
             (first run: the catalog table is copied into PostgreSQL; second run: unchanged objects)

Goals (issue 11): crawl <= 10 s; Athena GROUP BY over the full lake <= 1 s (warm); COPY <= 5 s.
Run: .venv/bin/python -m tests.bench.bench_warehouse [--sample | --file OnlineRetail.csv.gz]
     (--sample: the shipped 20,438 lines; default: generators.orders.FULL_FILE)
Exits 1 while a goal fails. Other sessions' load on the machine moves the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from generators import lake, orders
from pipelines.warehouse import app
from tests.bench._stack import private_stack

GOAL_CRAWL_S, GOAL_ATHENA_S, GOAL_COPY_S = 10.0, 1.0, 5.0
GROUP_BY = "SELECT country, count(*) AS n, sum(quantity * unitprice) AS revenue FROM orders GROUP BY country"


def timed(action):
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", action="store_true", help="the shipped sample instead of the full data set")
    parser.add_argument("--file", default=None, help="the full data set's path (default generators.orders.FULL_FILE)")
    args = parser.parse_args()
    failures = []
    with private_stack() as settings:
        source = orders.SAMPLE_FILE if args.sample else (args.file or orders.FULL_FILE)
        summary, seconds = timed(lambda: lake.seed(settings, file=source))
        print(f"seed      {summary.lines:,} lines, {summary.objects:,} objects, {len(summary.partitions):,} partitions "
              f"in {seconds:.1f} s", flush=True)

        done, crawl_s = timed(lambda: app.crawl(settings, timeout=600))
        print(f"crawl     {crawl_s:.2f} s wall, {done['metrics']['LastRuntimeSeconds']:.2f} s LastRuntimeSeconds "
              f"(goal <= {GOAL_CRAWL_S:.0f} s)", flush=True)
        if crawl_s > GOAL_CRAWL_S:
            failures.append("crawl")

        cold, cold_s = timed(lambda: app.athena(settings, GROUP_BY))
        warm = [timed(lambda: app.athena(settings, GROUP_BY)) for _ in range(3)]
        warm_s = statistics.median(s for _, s in warm)
        warm_engine = statistics.median(r.engine_ms for r, _ in warm)
        lines = sum(int(row[1]) for row in cold.rows)
        print(f"athena    GROUP BY over {lines:,} lines ({cold.scanned_bytes / 2**20:.1f} MiB scanned): "
              f"first {cold_s:.2f} s, warm median {warm_s:.3f} s wall / {warm_engine:.0f} ms engine "
              f"(goal <= {GOAL_ATHENA_S:.0f} s)", flush=True)
        if warm_s > GOAL_ATHENA_S:
            failures.append("athena")

        app.redshift(settings, app.redshift_script(settings, "orders_staging"))
        copy_sql = (f"COPY staging_order_lines FROM 's3://{settings.names.datalake_bucket}/orders/' "
                    "IAM_ROLE 'arn:aws:iam::000000000000:role/bench' FORMAT AS JSON 'auto ignorecase' GZIP")
        copied, copy_s = timed(lambda: app.redshift(settings, ["DELETE FROM staging_order_lines", copy_sql]))
        print(f"copy      {copied.extra['rows_affected']:,} rows into PostgreSQL in {copy_s:.2f} s "
              f"(goal <= {GOAL_COPY_S:.0f} s)", flush=True)
        if copy_s > GOAL_COPY_S:
            failures.append("copy")

        year, month = app.busiest_month(settings)
        via_athena, athena_s = timed(lambda: app.france(settings, year, month, via="athena"))
        first, first_s = timed(lambda: app.france(settings, year, month, via="redshift"))
        again, again_s = timed(lambda: app.france(settings, year, month, via="redshift"))
        same = sorted(map(tuple, via_athena.rows)) == sorted((d, int(n)) for d, n in again.rows)
        print(f"france    {year}-{month}: Athena {athena_s:.3f} s ({len(via_athena.rows)} rows); "
              f"Spectrum first {first_s:.2f} s (table copied), then {again_s:.3f} s; same rows: {same}", flush=True)
        if not same:
            failures.append("france results differ")
    print("goals: " + ("all met" if not failures else "FAILED " + ", ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
