"""The console's pages and HTTP API on hostile input: validated (a 4xx with a JSON reason, never a
500), escaped in HTML, and no path reaches a file. Driven over HTTP against the stack's console, so
it holds whatever renders the pages (f-strings today, Jinja2 templates tomorrow)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SCRIPT = "<script>alert('x')</script>"
HOSTILE_CUSTOMERS = [
    SCRIPT, "../../etc/passwd", "1 OR 1=1", "1; DROP TABLE orders", "-5", "0", "1e309", "12.5",
    "9" * 40, "١٢٣", " 12 ", "%00", "12\x00", "{\"$ne\": 1}", "\"><img src=x onerror=alert(1)>",
]
HOSTILE_PATHS = [
    "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/static/../../pyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2f..%2fpyproject.toml", "//etc/passwd",
    "/api/customers/..%2f..%2fetc%2fpasswd/orders",
]


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("content-type", ""), response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("content-type", ""), exc.read().decode(errors="replace")


@pytest.mark.parametrize("customer", HOSTILE_CUSTOMERS)
def test_the_orders_api_rejects_a_hostile_customer_id_with_a_reason(reliability_stack, customer):
    url = f"{reliability_stack.console_url}/api/customers/{urllib.parse.quote(customer, safe='')}/orders"
    status, kind, body = _get(url)
    assert status in (400, 404, 422), (status, body[:300])
    assert kind.startswith("application/json")
    document = json.loads(body)
    assert document.get("message") or document.get("detail") or document.get("error")


@pytest.mark.parametrize("path", ["/customers", "/orders"])  # /orders redirects to /customers, encoded
@pytest.mark.parametrize("customer", HOSTILE_CUSTOMERS)
def test_the_customers_page_escapes_what_it_echoes(reliability_stack, customer, path):
    status, kind, body = _get(f"{reliability_stack.console_url}{path}?customer={urllib.parse.quote(customer)}")
    assert status == 200 and kind.startswith("text/html")
    assert "<script>alert" not in body and "<img src=x" not in body


@pytest.mark.parametrize("query", [SCRIPT, "response:500 AND path:\"/x\"", "path:/a\\", "((((", "*:*"])
def test_the_weblogs_search_validates_and_escapes(reliability_stack, query):
    console = reliability_stack.console_url
    status, kind, body = _get(f"{console}/api/weblogs/search?q={urllib.parse.quote(query)}")
    assert status in (200, 400) and kind.startswith("application/json"), (status, body[:300])
    status, _, page = _get(f"{console}/weblogs?q={urllib.parse.quote(query)}&since={urllib.parse.quote(SCRIPT)}")
    assert status == 200 and "<script>alert" not in page


@pytest.mark.parametrize("size", ["-1", "abc", "100000000"])
def test_the_weblogs_search_rejects_a_bad_size(reliability_stack, size):
    status, kind, body = _get(f"{reliability_stack.console_url}/api/weblogs/search?q=*&size={size}")
    assert status in (400, 422), (status, body[:300])
    assert kind.startswith("application/json")


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_no_path_reaches_a_file_outside_the_console(reliability_stack, path):
    status, _, body = _get(reliability_stack.console_url + path)
    assert status in (400, 404, 422), (path, status, body[:200])
    assert "root:x:0:0" not in body and "[project]" not in body
