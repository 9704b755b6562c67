"""pipelines/weblogs/search.py against a real osmem-server (OpenSearch-compatible) on a free port."""

from __future__ import annotations

import collections
import json
import socket
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from osmem_server import OsmemServer

from generators import weblogs
from pipelines.weblogs import search
from pipelines.weblogs.handler import parse_line
from sandbox.settings import Ports, Settings, load

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def osmem_settings(tmp_path_factory) -> Iterator[Settings]:
    """One osmem-server for this module, on a free loopback port; stopped afterwards."""
    base = load({"CADABRA_STATE_DIR": str(tmp_path_factory.mktemp("state"))})
    settings = replace(base, ports=Ports(aws=_free_port(), opensearch=_free_port(), postgres=_free_port(), console=_free_port()))
    server = OsmemServer.start(addr=f"127.0.0.1:{settings.ports.opensearch}", japanese=False)
    try:
        yield settings
    finally:
        server.close()
        assert server.process.poll() is not None


@pytest.fixture
def client(osmem_settings):
    client = search.client_for(osmem_settings)
    yield client
    client.indices.delete(index="weblogs*", params={"ignore_unavailable": "true"})
    client.indices.delete_index_template(name="weblogs", ignore=[404])
    client.close()


def line(host: str, when: datetime, request: str, status: int, size: int | None, agent: str = "Mozilla/5.0") -> str:
    return weblogs.format_line(host, when, request, status, size, "-", agent)


# A known set: (line, expected id order is by time).
KNOWN = [
    line("192.0.2.1", T0 + timedelta(seconds=5), "GET /product/85123A HTTP/1.1", 200, 31000),
    line("192.0.2.1", T0 + timedelta(seconds=20), "GET /checkout HTTP/1.1", 200, 12000),
    line("2001:db8::7", T0 + timedelta(seconds=50), "POST /checkout/payment HTTP/2.0", 500, 512),
    line("192.0.2.2", T0 + timedelta(minutes=1, seconds=10), "GET /checkout/confirm HTTP/1.1", 503, None),
    line("2001:db8::7", T0 + timedelta(minutes=1, seconds=40), "GET /product/85123A HTTP/2.0", 500, 700),
    line("66.249.66.1", T0 + timedelta(minutes=3, seconds=1), "GET /product/22423 HTTP/1.1", 200, 29000,
         "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    line("198.51.100.9", T0 + timedelta(minutes=3, seconds=30), "GET /wp-login.php HTTP/1.1", 404, 196, "-"),
    line("192.0.2.1", T0 + timedelta(minutes=3, seconds=45), "GET /product/85123A HTTP/1.1", 200, 31000),
]


def index_docs(client, docs: list[dict]) -> None:
    """Index as Firehose's OpenSearch destination does: one document per record, daily index."""
    body = ""
    for i, doc in enumerate(docs):
        day = datetime.fromisoformat(doc["@timestamp"]).astimezone(timezone.utc).strftime("%Y-%m-%d")
        body += json.dumps({"index": {"_index": f"weblogs-{day}", "_id": f"doc-{i}"}}) + "\n" + json.dumps(doc) + "\n"
    answer = client.bulk(body=body, refresh=True)
    assert not answer["errors"], [item for item in answer["items"] if item["index"].get("error")][:3]


@pytest.fixture
def known(client):
    search.ensure_template(client)
    index_docs(client, [parse_line(text) for text in KNOWN])
    return client


def test_the_template_maps_new_daily_indexes(client):
    assert search.ensure_template(client)["acknowledged"] is True
    assert search.ensure_template(client)["acknowledged"] is True, "idempotent"
    index_docs(client, [parse_line(KNOWN[2])])
    mapping = client.indices.get_mapping(index="weblogs-2024-05-01")["weblogs-2024-05-01"]["mappings"]["properties"]
    assert mapping["host"]["type"] == "ip"
    assert mapping["@timestamp"]["type"] == "date"
    assert mapping["response"]["type"] == "short"
    assert mapping["bytes"]["type"] == "long"
    assert mapping["path"]["type"] == "keyword" and mapping["agent"]["type"] == "keyword"
    assert mapping["verb"]["type"] == "keyword" and mapping["httpversion"]["type"] == "keyword"


def test_query_string_with_paths_needs_no_escaping(known):
    hits = search.search(known, "response:500 AND path:/checkout*")
    assert [h["path"] for h in hits] == ["/checkout/payment"]
    assert hits[0]["host"] == "2001:db8::7" and hits[0]["_index"] == "weblogs-2024-05-01"
    errors = search.search(known, "response:[500 TO 599]")
    assert [h["path"] for h in errors] == ["/product/85123A", "/checkout/confirm", "/checkout/payment"], "newest first"


def test_query_string_on_ips_agents_and_ranges(known):
    assert len(search.search(known, 'host:"2001:db8::7"')) == 2
    assert len(search.search(known, 'host:"192.0.2.0/24"')) == 4
    assert [h["host"] for h in search.search(known, "agent.text:googlebot")] == ["66.249.66.1"]
    assert len(search.search(known, "*")) == len(KNOWN)
    assert len(search.search(known, "", size=3)) == 3


def test_since_filters_on_timestamp(known):
    since = T0 + timedelta(minutes=3)
    assert [h["path"] for h in search.search(known, "*", since=since)] == ["/product/85123A", "/wp-login.php", "/product/22423"]
    assert search.search(known, "response:500", since=since) == []
    assert len(search.search(known, "*", since=since.isoformat())) == 3
    assert len(search.search(known, "*", since="15m")) == 0, "all of the known set is years old"


def test_no_index_means_no_hits(client):
    assert search.search(client, "response:500") == []
    assert search.top(client)["total"] == 0


def test_top_on_a_known_set(known):
    top = search.top(known)
    assert top["total"] == 8
    assert top["bytes"] == 31000 + 12000 + 512 + 0 + 700 + 29000 + 196 + 31000
    assert top["status_codes"] == [{"key": 200, "count": 4}, {"key": 500, "count": 2}, {"key": 404, "count": 1}, {"key": 503, "count": 1}]
    assert top["paths"][0] == {"key": "/product/85123A", "count": 3}
    assert {b["key"] for b in top["paths"]} == {"/product/85123A", "/checkout", "/checkout/payment", "/checkout/confirm", "/product/22423", "/wp-login.php"}
    assert top["clients"][:2] == [{"key": "192.0.2.1", "count": 3}, {"key": "2001:db8::7", "count": 2}]
    assert top["per_minute"] == [
        {"minute": "2024-05-01T10:00:00Z", "requests": 3, "errors": 1, "statuses": {"200": 2, "500": 1}},
        {"minute": "2024-05-01T10:01:00Z", "requests": 2, "errors": 2, "statuses": {"500": 1, "503": 1}},
        {"minute": "2024-05-01T10:02:00Z", "requests": 0, "errors": 0, "statuses": {}},
        {"minute": "2024-05-01T10:03:00Z", "requests": 3, "errors": 0, "statuses": {"200": 2, "404": 1}},
    ]
    later = search.top(known, since=T0 + timedelta(minutes=3))
    assert later["total"] == 3 and later["per_minute"] == [
        {"minute": "2024-05-01T10:03:00Z", "requests": 3, "errors": 0, "statuses": {"200": 2, "404": 1}}]


def test_top_agrees_with_the_generated_traffic(client):
    """Generated lines, transformed and indexed: the aggregations count what was generated."""
    search.ensure_template(client)
    docs = [parse_line(text) for text in weblogs.generate(21, 400, T0, burst_5xx="5:10")]
    index_docs(client, docs)
    top = search.top(client, size=5)
    assert top["total"] == 400
    assert {b["key"]: b["count"] for b in top["status_codes"]} == dict(collections.Counter(d["response"] for d in docs))
    expected_paths = collections.Counter(d["path"] for d in docs if d["path"])
    assert top["paths"][0] == {"key": expected_paths.most_common(1)[0][0], "count": expected_paths.most_common(1)[0][1]}
    assert sum(m["errors"] for m in top["per_minute"]) == sum(d["response"] >= 500 for d in docs) > 0


def test_escape_slashes_leaves_quoted_phrases_and_escapes_alone():
    assert search.escape_slashes("path:/a/b*") == "path:\\/a\\/b*"
    assert search.escape_slashes('path:"/a/b"') == 'path:"/a/b"'
    assert search.escape_slashes("path:\\/a") == "path:\\/a"


def test_client_for_the_aws_stack_asks_for_the_domain_endpoint(osmem_settings):
    with pytest.raises(search.SearchSetupError, match="endpoint"):
        search.client_for(osmem_settings.with_stack("aws"))
