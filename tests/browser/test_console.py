"""The console in a real browser after a small replay: live data on every page, a customer search,
self-refreshing pages, and attacker-controlled strings shown as text without running."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from generators import orders as order_generator
from generators import weblogs as log_generator
from pipelines.weblogs import search
from pipelines.weblogs.demo import lower_buffering
from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.browser.conftest import save_docs_screenshot

pytestmark = [pytest.mark.slow, pytest.mark.stack]

ORDER_LINES = 200
LOG_LINES = 300
HOSTILE_CUSTOMER = 4242421  # not in the data, nor a sentinel of another test
HOSTILE_STATUS = 418  # the one log line with this status is the hostile one
HOSTILE_DESCRIPTION = """<script>window.__pwned='description';alert('description')</script><img src=x onerror="window.__pwned='img';alert('img')">"""
HOSTILE_PATH = "/search/<script>window.__pwned='path';alert('path')</script>"
HOSTILE_AGENT = "<img src=x onerror=alert('agent')><script>alert('agent')</script>"


def _count(settings, query: str) -> int:
    os_client = search.client_for(settings)
    os_client.indices.refresh(index=search.INDEX_PATTERN)
    return os_client.count(index=search.INDEX_PATTERN, body={"query": search.build_query(query)},
                           params={"ignore_unavailable": "true", "allow_no_indices": "true"})["count"]


@pytest.fixture(scope="module")
def live(stack):
    """Order lines (one with a hostile description) and log lines (one hostile, a 5xx burst), processed."""
    summary = order_generator.replay(stack, count=ORDER_LINES, progress=False)
    assert summary.failed == 0
    template = next(r for r in order_generator.read_orders(order_generator.SAMPLE_FILE) if r["CustomerID"])
    hostile = {**template, "CustomerID": HOSTILE_CUSTOMER, "InvoiceNo": "599999", "Description": HOSTILE_DESCRIPTION}
    client("kinesis", stack).put_record(StreamName=stack.names.orders_stream, Data=order_generator.encode(hostile),
                                        PartitionKey=order_generator.partition_key(hostile))

    lower_buffering(stack, seconds=1)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=2)
    lines = list(log_generator.generate(7, LOG_LINES, start, rate=4.0, burst_5xx="30:20"))
    lines.append(log_generator.format_line("203.0.113.66", start + timedelta(seconds=5), f"GET {HOSTILE_PATH} HTTP/1.1",
                                           HOSTILE_STATUS, 512, agent=HOSTILE_AGENT))
    before = _count(stack, "*")
    answer = client("firehose", stack).put_record_batch(
        DeliveryStreamName=stack.names.weblogs_firehose, Records=[{"Data": (line + "\n").encode()} for line in lines])
    assert answer["FailedPutCount"] == 0

    ddb = client("dynamodb", stack)

    def hostile_items() -> list[dict]:
        return ddb.query(TableName=stack.names.orders_table, KeyConditionExpression="CustomerID = :c",
                         ExpressionAttributeValues={":c": {"N": str(HOSTILE_CUSTOMER)}})["Items"]

    wait_until(hostile_items, timeout=120, interval=0.5, message="the hostile order line in DynamoDB")
    wait_until(lambda: _count(stack, "*") - before >= len(lines), timeout=120, interval=0.5,
               message=f"{len(lines)} log documents indexed")
    yield stack
    for item in hostile_items():  # the sample's lines may stay (other tests replay them too); this one goes
        ddb.delete_item(TableName=stack.names.orders_table,
                        Key={"CustomerID": item["CustomerID"], "OrderID": item["OrderID"]})


def _api(settings, path: str):
    with urllib.request.urlopen(settings.console_url + path, timeout=30) as resp:
        return json.loads(resp.read())


def _column(page, table: str, header: str) -> list[str]:
    """The text of one column of a table the page drew (by header label)."""
    return page.evaluate(
        """([table, header]) => {
             const t = document.getElementById(table);
             const i = [...t.tHead.rows[0].cells].findIndex((c) => c.textContent === header);
             return [...t.tBodies[0].rows].map((r) => r.cells[i] ? r.cells[i].textContent : "");
           }""", [table, header])


def _wait_rows(page, table: str) -> None:
    """Until the table holds data rows (not the 'none yet' placeholder)."""
    page.wait_for_function(
        """(table) => { const t = document.getElementById(table);
                        return t && t.tBodies.length && t.tBodies[0].rows.length
                               && !t.tBodies[0].rows[0].cells[0].classList.contains("muted"); }""", arg=table)


def _no_script_ran(watched) -> None:
    page = watched.page
    assert watched.dialogs == [], f"a dialog fired: {watched.dialogs}"
    assert page.evaluate("window.__pwned") is None
    # pages carry their own scripts (a slot's fragment too): none may come from the hostile strings
    assert page.evaluate(
        "[...document.querySelectorAll('script, img')].filter((e) => /pwned|alert\\(/.test(e.outerHTML)).length") == 0
    assert watched.errors == []


def test_overview_shows_each_pipeline_healthy_with_counts_and_a_throughput_chart(live, browser):
    page = browser.page
    page.goto(live.console_url + "/")
    page.wait_for_function("""() => [...document.querySelectorAll('#pipelines tbody tr')]
                                   .filter((r) => r.cells[1].textContent === 'healthy').length >= 2""")
    titles = _column(page, "pipelines", "pipeline")
    assert any("Order history" in t for t in titles) and any("Web logs" in t for t in titles)
    counters = " ".join(_column(page, "pipelines", "counters"))
    stored = _api(live, "/api/overview")
    expected = {p["title"]: p["counters"] for p in stored["pipelines"]}
    assert expected["Order history (pipeline 1)"]["order lines stored"] > 0
    assert "order lines stored:" in counters and "requests indexed:" in counters
    assert set(_column(page, "components", "health")) == {"healthy"}
    # the throughput chart gets a point per refresh after the first
    page.wait_for_function("Chart.getChart(document.getElementById('throughput')).data.labels.length >= 1",
                           timeout=20_000)
    assert browser.errors == []


def test_customer_search_shows_the_history_the_api_returns(live, browser):
    page = browser.page
    page.goto(live.console_url + "/customers")
    page.wait_for_selector("#suggestions a")
    customer = page.locator("#suggestions a").first.text_content()
    page.fill("#customer", customer)
    page.click("#customer-search button")
    page.wait_for_url(f"**/customers?customer={customer}")
    _wait_rows(page, "orders")
    answer = _api(live, f"/api/customers/{customer}/orders?limit=50")
    assert _column(page, "orders", "InvoiceNo") == [o["InvoiceNo"] for o in answer["orders"]]
    assert _column(page, "totals", "lines") == [str(answer["totals"]["lines"])]
    assert page.locator("#history-title").text_content() == f"Order history of {customer}"
    assert page.locator("#recommendations").is_visible()  # the slot pipeline 3 fills

    page.fill("#customer", "not-a-number")
    page.click("#customer-search button")
    page.wait_for_selector("#history-error:not([hidden])")
    assert page.locator("#history-error").text_content().startswith("400")


def test_weblogs_page_charts_status_codes_top_paths_and_5xx_minutes(live, browser, pytestconfig):
    page = browser.page
    page.goto(live.console_url + "/weblogs")
    page.wait_for_function("""() => { const c = Chart.getChart(document.getElementById('status-chart'));
                                      return c && c.data.datasets.length > 0; }""")
    _wait_rows(page, "paths")
    _wait_rows(page, "error-minutes")
    top = _api(live, "/api/weblogs/top")
    codes = page.evaluate("Chart.getChart(document.getElementById('status-chart')).data.datasets.map(d => d.label)")
    assert {"200", "500", str(HOSTILE_STATUS)} <= set(codes)
    assert _column(page, "paths", "path")[:3] == [p["key"] for p in top["paths"]][:3]
    error_minutes = [m["minute"] for m in top["per_minute"] if m["errors"]]
    assert _column(page, "error-minutes", "minute (UTC)") == error_minutes
    save_docs_screenshot(pytestconfig, browser)
    assert browser.errors == []


def test_a_page_refreshes_itself_when_data_arrives(live, browser):
    page = browser.page
    page.goto(live.console_url + "/weblogs")
    page.wait_for_function("document.getElementById('total').textContent !== '–'")
    before = int(page.locator("#total").text_content().replace(",", ""))
    lines = list(log_generator.generate(8, 25, datetime.now(timezone.utc).replace(microsecond=0), rate=50.0))
    client("firehose", live).put_record_batch(DeliveryStreamName=live.names.weblogs_firehose,
                                              Records=[{"Data": (line + "\n").encode()} for line in lines])
    page.wait_for_function(
        "(before) => Number(document.getElementById('total').textContent.replace(/,/g, '')) >= before", arg=before + 25,
        timeout=60_000)  # no reload: the page polls its JSON route


def test_aws_resources_page_lists_what_the_pipelines_deployed(live, browser):
    page = browser.page
    page.goto(live.console_url + "/resources")
    for table in ("streams", "tables", "functions", "mappings", "delivery-streams", "queues"):
        _wait_rows(page, table)
    names = live.names
    assert names.orders_stream in _column(page, "streams", "name")
    functions = dict(zip(_column(page, "functions", "name"), _column(page, "functions", "invocations")))
    assert int(functions[names.orders_function].replace(",", "")) > 0
    mappings = dict(zip(_column(page, "mappings", "function"), _column(page, "mappings", "state")))
    assert mappings[names.orders_function] == "Enabled"
    streams = dict(zip(_column(page, "delivery-streams", "name"), _column(page, "delivery-streams", "buffering hints")))
    assert streams[names.weblogs_firehose].endswith(" s") and " MB / " in streams[names.weblogs_firehose]
    tables = dict(zip(_column(page, "tables", "name"), _column(page, "tables", "items")))
    assert int(tables[names.orders_table].replace(",", "")) > ORDER_LINES / 2
    assert browser.errors == []


def test_hostile_strings_render_as_text_and_run_nothing(live, browser):
    page = browser.page
    page.goto(f"{live.console_url}/customers?customer={HOSTILE_CUSTOMER}")
    _wait_rows(page, "orders")
    assert HOSTILE_DESCRIPTION in _column(page, "orders", "Description")
    assert page.get_by_text(HOSTILE_DESCRIPTION, exact=True).is_visible()
    _no_script_ran(browser)

    page.goto(f"{live.console_url}/weblogs?q=response:{HOSTILE_STATUS}")
    _wait_rows(page, "hits")
    assert _column(page, "hits", "path") == [HOSTILE_PATH]
    assert _column(page, "hits", "agent") == [HOSTILE_AGENT]
    assert page.get_by_text(HOSTILE_AGENT, exact=True).is_visible()
    assert page.locator("#q").input_value() == f"response:{HOSTILE_STATUS}"
    _no_script_ran(browser)
