"""Pipeline 2's step in `make demo`: the replay (pipeline 1's step) reaches the lake through Firehose
PurchaseLogs; ALS trains on it; metrics and two customers' recommendations are shown.

PurchaseLogs buffers 60 s as the course set it, so the lake receives the replay within a minute.
The demo's replay (the sample's first 3,000 lines) spans under three months, so training holds out
the last 14 days instead of the config's 28.
"""

from __future__ import annotations

import gzip
from dataclasses import replace

from rich.console import Console

from sandbox.aws import client
from sandbox.settings import Settings
from sandbox.waiting import wait_until

DEMO_ORDER = 60  # after the order replay whose lines it trains on (see sandbox/demo.py)
DEMO_HOLDOUT_DAYS = 14


def lake_lines(settings: Settings) -> int:
    """Order lines in the lake's objects (what Firehose has delivered so far)."""
    from pipelines.recommendations import layout

    s3 = client("s3", settings)
    lines = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.names.datalake_bucket, Prefix=layout.ORDERS_ROOT):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=settings.names.datalake_bucket, Key=obj["Key"])["Body"].read()
            lines += (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body).count(b"\n")
    return lines


def lower_buffering(settings: Settings, seconds: int) -> None:
    """PurchaseLogs' buffer interval set to `seconds` (UpdateDestination, as a user would in the console)."""
    firehose = client("firehose", settings)
    description = firehose.describe_delivery_stream(DeliveryStreamName=settings.names.purchase_firehose)[
        "DeliveryStreamDescription"]
    firehose.update_destination(
        DeliveryStreamName=settings.names.purchase_firehose,
        CurrentDeliveryStreamVersionId=description["VersionId"],
        DestinationId=description["Destinations"][0]["DestinationId"],
        ExtendedS3DestinationUpdate={"BufferingHints": {"IntervalInSeconds": seconds, "SizeInMBs": 5}},
    )


def run(settings: Settings, console: Console) -> None:
    from generators import orders as generator
    from pipelines.order_history.demo import DEMO_LINES
    from pipelines.recommendations.cli import print_metrics, print_recommendations
    from pipelines.recommendations import app as recs_app
    from spark_jobs import recommend_als as job

    found = wait_until(lambda: (n := lake_lines(settings)) >= DEMO_LINES and n, timeout=120, interval=2.0,
                       message=f"the replay's {DEMO_LINES} order lines in s3://{settings.names.datalake_bucket}/orders/")
    console.print(f"the lake holds {found} order lines (Firehose {settings.names.purchase_firehose}, 60 s buffers)")
    config = replace(job.AlsConfig.load(), holdout_days=DEMO_HOLDOUT_DAYS)
    result = job.run(settings, config, progress=lambda m: console.print(f"  · {m}", highlight=False))
    if result.metrics:
        print_metrics(console, result.metrics, config.top_k)
    records = list(generator.read_orders(generator.SAMPLE_FILE))[:DEMO_LINES]
    by_customer: dict[int, int] = {}
    for record in records:
        if isinstance(record.get("CustomerID"), int):
            by_customer[record["CustomerID"]] = by_customer.get(record["CustomerID"], 0) + 1
    shown = sorted(by_customer, key=by_customer.__getitem__, reverse=True)[:2]
    for customer in shown:
        print_recommendations(console, recs_app.customer_recommendations(settings, customer))
    first = shown[0] if shown else "CUSTOMER"
    console.print(
        f"recommendations: `cadabra recommend {first}`, {settings.console_url}/customers?customer={first}, "
        f"{settings.console_url}/api/customers/{first}/recommendations; metrics: {result.metrics_uri}; "
        "retrain with `cadabra train`",
        highlight=False,
    )
