"""Pipeline 5's console: the SQL box runs one query and nothing else; the dashboard shows values as text."""

from __future__ import annotations

import urllib.parse

import pytest

from pipelines.warehouse import dashboard
from pipelines.warehouse.console import NotReadOnly, read_only_query
from sandbox.console.app import create_app
from tests.conftest import free_port
from tests.unit.test_console_site import HOSTILE, _get, _serve


@pytest.mark.parametrize("engine, sql", [
    ("athena", "DROP TABLE orders"),
    ("athena", "INSERT INTO orders SELECT * FROM orders"),
    ("redshift", "DELETE FROM dim_date"),
    ("redshift", "SELECT 1; DROP TABLE dim_date"),
    ("redshift", "CREATE TABLE x (a INT)"),
    ("athena", "SELEC nothing FROM"),
    ("postgres", "SELECT 1"),
])
def test_the_sql_box_refuses_everything_but_one_query_before_running_it(isolated_settings, engine, sql):
    with pytest.raises(NotReadOnly):
        read_only_query(isolated_settings, sql, engine)  # no stack runs: refused before any call


def test_the_page_shows_a_refusal_as_text(isolated_settings):
    port = free_port()
    query = urllib.parse.urlencode({"sql": f"DROP TABLE orders -- {HOSTILE}", "engine": "athena"})
    with _serve(create_app(isolated_settings), port) as base:
        status, page = _get(f"{base}/warehouse?{query}")
    assert status == 200
    assert "the console runs one query (SELECT/WITH) only" in page
    assert HOSTILE not in page  # the SQL echoed back in the box is escaped


def test_the_report_escapes_product_descriptions():
    board = dashboard.Dashboard("athena", [
        dashboard.Chart("top_products", "Top products", ["description", "units"], [[HOSTILE, 3], ["MUG", 1]], "SELECT 1"),
        dashboard.Chart("cancellation_rate", "Cancellation rate", ["rate"], [[0.25]], "SELECT 2"),
        dashboard.Chart("orders_per_day", "Orders per day", [], [], "SELECT 3", error=f"failed: {HOSTILE}"),
    ])
    html = dashboard.render(board, standalone=True)
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.startswith("<!doctype html>") and "<script" not in html  # self-contained, no script at all
    assert "width=\"100.00\"" in html and "width=\"33.33\"" in html  # bars scaled to the largest value
