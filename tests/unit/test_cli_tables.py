"""Every `cadabra` table command at COLUMNS=80: nothing cut to a stub, `--wide` adds columns, `--json` all fields.

The data sources (the console's localcloud routes, DynamoDB, OpenSearch) are replaced by rows shaped
like theirs, with long values: ARNs, UUIDs, shard ids, ISO times, error messages.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from rich.console import Console
from typer.testing import CliRunner

from sandbox import cli

ARN = "arn:aws:{}:us-east-1:000000000000:{}"
ESM = [{
    "uuid": "05d54e22-95da-416d-b5eb-e1e641ef9151", "function": ARN.format("lambda", "function:ProcessOrders"),
    "source": ARN.format("kinesis", "stream/CadabraOrders"), "state": "Enabled",
    "last_result": "PROBLEM: Function call failed", "batch_size": 100,
    "shards": [{"shard_id": f"shardId-00000000000{i}", "iterator_age_ms": 1464 + i, "checkpoint": "4963" + "0" * 52,
                "records": 1200 + i, "failures": i, "discarded": 0} for i in range(2)],
}]
FIREHOSE = [{
    "name": "PurchaseLogs", "account_id": "000000000000", "region": "us-east-1", "source": "KinesisStreamAsSource",
    "source_stream": ARN.format("kinesis", "stream/CadabraOrders"), "destination": "ExtendedS3",
    "transform": None, "buffered_records": 12345, "buffered_bytes": 5242880, "last_delivery": None,
    "delivered_records": 1234567, "failed_records": 0, "dropped_records": 0, "last_error": None,
}, {
    "name": "WebLogs", "account_id": "000000000000", "region": "us-east-1", "source": "DirectPut",
    "source_stream": None, "destination": "AmazonOpenSearchService", "transform": ARN.format("lambda", "function:LogTransform"),
    "buffered_records": 12345, "buffered_bytes": 5242880, "last_delivery": "2026-11-28T08:30:00.804254+00:00",
    "delivered_records": 1234567, "failed_records": 3, "dropped_records": 0,
    "last_error": "OS.ConnectionFailed: the search node did not answer within 300 seconds",
}]
LAMBDA = [{"function": name, "version": "$LATEST", "warm_workers": 2, "invocations": 123456, "errors": 7,
           "cold_starts": 2, "last_duration_ms": 123.45, "last_error": "KeyError: 'CustomerID' in handler.py line 42"}
          for name in ("ProcessOrders", "LogTransform", "TransactionRateAlarm")]
INBOX = [{"time": "2026-11-28T08:30:00.804254+00:00", "protocol": "email", "endpoint": "ops@cadabra.example",
          "subject": "ALARM: order rate above 10 per second",
          "message": "The order rate reached 42.5 orders per second at 2026-11-28T08:29:00Z, over the threshold of 10."}]


def _lines(output: str) -> list[str]:
    return output.splitlines()


def _readable(output: str, rows: list[dict], keys: list[str], text_keys: tuple[str, ...] = ()) -> None:
    """Fits 80 columns, no ellipsis, identifiers whole on one line, words of free text whole."""
    lines = _lines(output)
    assert lines and max(len(line) for line in lines) <= 80, output
    assert "…" not in output, output
    for row in rows:
        for key in keys:
            value = str(row[key])
            if key in text_keys:
                for word in value.split():
                    assert any(word[:15] in line for line in lines), f"{key}: {word!r} cut\n{output}"
            else:
                assert any(value in line for line in lines), f"{key}: {value!r} cut\n{output}"


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(cli, "out", Console(width=80))
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(cli.app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


@pytest.fixture
def console_routes(monkeypatch):
    routes = {"/api/localcloud/esm": ESM, "/api/localcloud/firehose": FIREHOSE,
              "/api/localcloud/lambda": LAMBDA, "/api/localcloud/sns": INBOX}
    monkeypatch.setattr(cli, "_console_json", lambda settings, path: routes[path])


def _headers_whole(output: str, columns) -> None:
    shown = [c.header or c.key for c in columns if not c.wide]
    header = next(line for line in _lines(output) if all(h.split()[0] in line for h in shown))
    for title in shown:
        assert title in header, f"header {title!r} cut:\n{output}"


def test_esm_list_fits_80_columns_one_row_per_mapping(run, console_routes):
    output = run("esm", "list")
    _headers_whole(output, cli.ESM_COLUMNS)
    row = {"function": "ProcessOrders", "source": "CadabraOrders", "state": "Enabled", "records": 2401,
           "iterator_age_ms": 1465, "result": "PROBLEM: Function call failed"}
    _readable(output, [row], list(row), text_keys=("result",))
    wide = run("esm", "list", "--wide")
    assert "shardId-000000000000" in wide and "shardId-000000000001" in wide and ESM[0]["uuid"] in wide
    assert json.loads(run("esm", "list", "--json")) == ESM


def test_firehose_lambda_and_inbox_fit_80_columns(run, console_routes):
    _readable(run("firehose", "list"), FIREHOSE, ["name", "buffered_records", "delivered_records", "failed_records",
                                                   "destination"], text_keys=("destination",))
    _headers_whole(run("firehose", "list"), cli.FIREHOSE_COLUMNS)
    _headers_whole(run("lambda", "list"), cli.LAMBDA_COLUMNS)
    _headers_whole(run("inbox"), cli.INBOX_COLUMNS)
    assert "08:30:00" in run("firehose", "list")
    wide = run("firehose", "list", "--wide")
    assert "LogTransform" in wide and "ConnectionFailed" in wide
    _readable(run("lambda", "list"), LAMBDA, ["function", "invocations", "errors", "cold_starts", "last_duration_ms"])
    assert "KeyError" in run("lambda", "list", "--wide")
    _readable(run("inbox"), INBOX, ["endpoint", "subject", "message"], text_keys=("subject", "message"))
    assert json.loads(run("inbox", "--json")) == INBOX


def test_orders_fit_80_columns(run, monkeypatch):
    from pipelines.order_history import app as orders_app

    orders = [orders_app.Order(
        order_id=f"536365#{i}", invoice_no="536365", stock_code="85123A",
        description="WHITE HANGING HEART T-LIGHT HOLDER WITH A VERY LONG NAME", quantity=6,
        unit_price=Decimal("2.55"), line_total=Decimal("15.30"), order_date="2010-12-01T08:26:00",
        country="United Kingdom", is_cancellation=False, is_product=True, line_no=i) for i in range(1, 4)]
    page = orders_app.page_orders(17850, orders, 20, None)
    monkeypatch.setattr(orders_app, "customer_orders", lambda settings, customer, limit, next_token: page)
    output = run("orders", "17850")
    rows = [o.as_dict() for o in orders]
    _readable(output, rows, ["OrderDate", "InvoiceNo", "StockCode", "Description", "Quantity", "UnitPrice"],
              text_keys=("Description",))
    assert "United Kingdom" not in output and "United Kingdom" in run("orders", "17850", "--wide")


def test_logs_search_and_top_fit_80_columns(run, monkeypatch):
    from pipelines.weblogs import search

    hits = [{"@timestamp": "2026-11-28T08:28:13+00:00", "host": "203.0.113.166", "verb": "GET",
             "path": "/product/85123A/reviews/page/2/sorted-by-date", "response": 503, "bytes": 5120,
             "agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0",
             "referrer": "https://www.cadabra.example/search?q=lamp"}] * 3
    top = {"total": 12345, "bytes": 987654321,
           "status_codes": [{"key": 200, "count": 11000}, {"key": 503, "count": 1345}],
           "paths": [{"key": "/product/85123A/reviews/page/2/sorted-by-date", "count": 4200}],
           "clients": [{"key": "203.0.113.166", "count": 42}],
           "per_minute": [{"minute": "2026-11-28T08:28:00Z", "requests": 242, "errors": 40, "statuses": {}}]}
    monkeypatch.setattr(search, "client_for", lambda settings: None)
    monkeypatch.setattr(search, "search", lambda client, query, since, size: hits)
    monkeypatch.setattr(search, "top", lambda client, since: top)
    output = run("logs", "search", "response:503")
    _readable(output, [{**h, "time": "08:28:13"} for h in hits], ["time", "host", "verb", "path", "response"],
              text_keys=("path",))
    assert "Mozilla/5.0" in run("logs", "search", "--wide")
    output = run("logs", "top")
    _readable(output, top["paths"] + top["clients"] + top["status_codes"], ["count"])
    _readable(output, top["per_minute"], ["minute", "requests", "errors"])
    assert "/product/85123A/reviews/page/2/sorted-by-date" in output and "2026-11-28T08:28:00Z" in output


def test_status_fits_80_columns(run, monkeypatch):
    from sandbox.stack import health

    dsn = "postgresql://cadabra:cadabra@127.0.0.1:5439/dev"
    components = {"localcloud": {"healthy": True, "url": "http://127.0.0.1:4566"},
                  "postgres": {"healthy": True, "dsn": dsn, "version": "15.18 (Debian 15.18-0+deb12u1)"},
                  "opensearch": {"healthy": False, "error": "ConnectionRefusedError: [Errno 111] Connection refused"}}
    monkeypatch.setattr(health, "components", lambda settings: components)
    result = CliRunner().invoke(cli.app, ["status"])
    assert result.exit_code == 1  # one component is down
    _readable(result.output, [{"dsn": dsn, "name": "opensearch"}], ["dsn", "name"])
    assert re.search(r"Connection\s", result.output) and "refused" in result.output
