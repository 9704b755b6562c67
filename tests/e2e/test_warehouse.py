"""Pipeline 5 end to end on the embedded stack: lake -> crawler -> Athena and Redshift Spectrum ->
star schema -> dashboard, report and the console's read-only SQL."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from generators import lake
from pipelines.warehouse import app, dashboard, load
from sandbox import aws
from sandbox.waiting import wait_until
from tests.localcloud.lake_helpers import lake_records

pytestmark = [pytest.mark.slow, pytest.mark.stack]


def _settled(settings) -> None:
    """Until PurchaseLogs has nothing buffered and the lake stops growing: earlier tests' orders still on
    their way would otherwise change the lake between this test's two loads."""
    s3 = aws.client("s3", settings)
    history: list[int] = []

    def quiet() -> bool:
        with urllib.request.urlopen(settings.console_url + "/api/localcloud/firehose", timeout=10) as resp:
            rows = json.loads(resp.read())
        buffered = sum(r.get("buffered_records") or 0 for r in rows if r.get("name") == settings.names.purchase_firehose)
        count = sum(page.get("KeyCount", 0) for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=settings.names.datalake_bucket, Prefix="orders/"))
        history.append(count)
        return buffered == 0 and len(history) >= 4 and len(set(history[-4:])) == 1

    wait_until(quiet, timeout=180, interval=3.0, message="the lake to stop growing")


def test_the_warehouse_pipeline(stack):
    _settled(stack)
    lake.seed(stack)
    objects = lake_records(stack)  # every JSON object line: what the staging table loads
    records = [(r, key) for r, key, _ in objects if "InvoiceNo" in r]  # the order lines among them
    done = app.crawl(stack)
    assert done["last_crawl"]["Status"] == "SUCCEEDED"
    names = {t["Name"] for t in app.tables(stack)}
    assert "orders" in names and not any(n.startswith("es") for n in names)

    year, month = app.busiest_month(stack)
    expected = Counter(r["Description"] for r, key in records
                       if r["Country"] == "France" and f"year={year}/month={month}/" in key)
    via_athena = app.france(stack, year, month, via="athena")
    via_spectrum = app.france(stack, year, month, via="redshift")
    assert {d: int(n) for d, n in via_athena.rows} == dict(expected)
    assert {d: int(n) for d, n in via_spectrum.rows} == dict(expected)

    load.load(stack)
    first = load.counts(stack)
    load.load(stack)
    assert load.counts(stack) == first  # idempotent
    assert first["staging_order_lines"] == len(objects)
    assert first["fact_order_line"] == len(records)
    assert first["dim_customer"] == len({r["CustomerID"] for r, _ in records if r["CustomerID"] is not None})
    assert first["dim_product"] == len({r["StockCode"] for r, _ in records})

    by_country: dict[str, float] = {}
    for r, _ in records:
        by_country[r["Country"]] = by_country.get(r["Country"], 0.0) + r["Quantity"] * r["UnitPrice"]
    for source in ("athena", "redshift"):
        board = dashboard.collect(stack, source)
        assert not [c.error for c in board.charts if c.error], source
        revenue = next(c for c in board.charts if c.name == "revenue_by_country")
        top_country, top_revenue = revenue.rows[0]
        assert top_country == max(by_country, key=by_country.get)
        assert float(top_revenue) == pytest.approx(round(by_country[top_country], 2), abs=0.011)
    path = dashboard.write_report(stack, None)
    text = path.read_text()
    assert path.parent == stack.state_dir and "Revenue by country" in text and "<script" not in text

    def console(query: dict) -> str:
        url = f"{stack.console_url}/warehouse?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.read().decode()

    assert "cancellation" in console({"source": "redshift"}).lower()
    assert "one query (SELECT/WITH) only" in console({"sql": "DROP TABLE fact_order_line", "engine": "redshift"})
    refused = console({"sql": "WITH gone AS (DELETE FROM dim_date RETURNING 1) SELECT * FROM gone", "engine": "redshift"})
    assert "read-only transaction" in refused
    assert load.counts(stack)["dim_date"] == first["dim_date"]
