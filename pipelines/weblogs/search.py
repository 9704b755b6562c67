"""Queries over the `weblogs*` indexes: what a Kibana Discover search and a small dashboard show.

The same opensearch-py calls work on a real OpenSearch (Docker stack, Amazon OpenSearch Service)
and on osmem-server (embedded stack):
- query_string search: https://docs.opensearch.org/latest/query-dsl/full-text/query-string/
- terms and date_histogram aggregations:
  https://docs.opensearch.org/latest/aggregations/bucket/terms/ and .../bucket/date-histogram/
- index templates: https://docs.opensearch.org/latest/im-plugin/index-templates/

Query strings use Lucene syntax, where `/` opens a regular expression; log searches are mostly
about paths, so `search()` escapes `/` unless `allow_regex=True`: `response:500 AND path:/checkout*`
works as written.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from opensearchpy import OpenSearch

from pipelines.weblogs import index_template
from sandbox.settings import Settings, Stack

INDEX_PATTERN = "weblogs*"
Since = datetime | timedelta | str | None

_SHORTHAND = re.compile(r"^(\d+)\s*([smhdw])$")


class SearchSetupError(RuntimeError):
    """The search client cannot be built for this stack; the message names the fix."""


def client_for(settings: Settings, *, endpoint: str | None = None, timeout: float = 30.0) -> OpenSearch:
    """An OpenSearch client for the stack's search endpoint (`settings.opensearch_url`).

    On the `aws` stack pass the domain `endpoint` (https://search-...es.amazonaws.com): requests are
    then signed with SigV4 from the user's own credential chain.
    """
    if settings.stack is Stack.AWS:
        if not endpoint:
            raise SearchSetupError(
                "the aws stack has no local OpenSearch: pass the domain endpoint "
                "(aws opensearch describe-domain --domain-name NAME --query DomainStatus.Endpoint)"
            )
        import boto3
        from opensearchpy import AWSV4SignerAuth, RequestsHttpConnection

        credentials = boto3.Session().get_credentials()
        if credentials is None:
            raise SearchSetupError("no AWS credentials found: run `aws configure` or set AWS_PROFILE")
        return OpenSearch(
            hosts=[endpoint],
            http_auth=AWSV4SignerAuth(credentials, settings.region, "es"),
            use_ssl=True,
            verify_certs=True,
            connection_class=RequestsHttpConnection,
            timeout=timeout,
        )
    return OpenSearch(hosts=[endpoint or settings.opensearch_url], timeout=timeout)


def ensure_template(client: OpenSearch) -> dict[str, Any]:
    """Install (or replace) the `weblogs*` index template; idempotent. Returns OpenSearch's answer.

    Indexes that already exist keep their mapping: the template applies from the next daily index.
    """
    return client.indices.put_index_template(name=index_template.TEMPLATE_NAME, body=index_template.body())


def since_filter(since: Since, now: datetime | None = None) -> dict[str, Any] | None:
    """A range filter on @timestamp for `since`, or None for no filter.

    `since` is an aware datetime (naive means UTC), a timedelta back from now, OpenSearch date math
    or an ISO 8601 string (`now-15m`, `2024-05-01T10:00:00Z`), or a shorthand such as `15m`, `2h`, `1d`.
    """
    if since is None:
        return None
    if isinstance(since, timedelta):
        since = (now or datetime.now(timezone.utc)) - since
    if isinstance(since, datetime):
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return {"range": {"@timestamp": {"gte": since.isoformat()}}}
    text = str(since).strip()
    shorthand = _SHORTHAND.match(text)
    if shorthand:
        text = f"now-{shorthand.group(1)}{shorthand.group(2)}"
    if not text:
        return None
    return {"range": {"@timestamp": {"gte": text}}}


def escape_slashes(query: str) -> str:
    """Escape `/` outside double quotes so Lucene does not read `path:/checkout*` as a regex."""
    out: list[str] = []
    in_quotes = False
    escaped = False
    for ch in query:
        if escaped:
            out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == '"':
            in_quotes = not in_quotes
        elif ch == "/" and not in_quotes:
            out.append("\\")
        out.append(ch)
    return "".join(out)


def build_query(query_string: str | None, since: Since = None, *, allow_regex: bool = False) -> dict[str, Any]:
    """The bool query `search()` and `top()` send: query_string (or match_all) AND the time filter."""
    text = (query_string or "").strip()
    must: list[dict[str, Any]]
    if text in ("", "*"):
        must = [{"match_all": {}}]
    else:
        must = [{"query_string": {"query": text if allow_regex else escape_slashes(text), "analyze_wildcard": True}}]
    time_filter = since_filter(since)
    return {"bool": {"must": must, "filter": [time_filter] if time_filter else []}}


def search(
    client: OpenSearch,
    query_string: str | None,
    since: Since = None,
    size: int = 20,
    *,
    index: str = INDEX_PATTERN,
    allow_regex: bool = False,
) -> list[dict[str, Any]]:
    """The newest `size` log documents matching a Lucene query string, e.g. `response:500 AND path:/checkout*`.

    Each hit is its `_source` plus `_index` and `_id`. No matching index means no hits.
    """
    body = {
        "query": build_query(query_string, since, allow_regex=allow_regex),
        "sort": [{"@timestamp": {"order": "desc", "unmapped_type": "date"}}],
        "size": size,
    }
    answer = client.search(index=index, body=body, params={"ignore_unavailable": "true", "allow_no_indices": "true"})
    return [{**hit["_source"], "_index": hit["_index"], "_id": hit["_id"]} for hit in answer["hits"]["hits"]]


def top(
    client: OpenSearch,
    since: Since = None,
    *,
    size: int = 10,
    interval: str = "1m",
    query_string: str | None = None,
    index: str = INDEX_PATTERN,
) -> dict[str, Any]:
    """A dashboard in one request: totals, status codes, top paths and client IPs, 5xx per minute.

    Returns {"total", "bytes", "status_codes", "paths", "clients", "per_minute"} where the lists hold
    {"key", "count"} (biggest first) and per_minute holds {"minute" (ISO UTC), "requests", "errors"}
    with errors = responses >= 500 and statuses = {status code: count}, one entry per `interval`
    between the first and the last request.
    """
    body = {
        "size": 0,
        "track_total_hits": True,
        "query": build_query(query_string, since),
        "aggs": {
            "bytes": {"sum": {"field": "bytes"}},
            "status_codes": {"terms": {"field": "response", "size": 50}},
            "paths": {"terms": {"field": "path", "size": size}},
            "clients": {"terms": {"field": "host", "size": size}},
            "per_minute": {
                "date_histogram": {"field": "@timestamp", "fixed_interval": interval, "min_doc_count": 0},
                "aggs": {
                    "errors": {"filter": {"range": {"response": {"gte": 500}}}},
                    "statuses": {"terms": {"field": "response", "size": 50}},
                },
            },
        },
    }
    answer = client.search(index=index, body=body, params={"ignore_unavailable": "true", "allow_no_indices": "true"})
    aggs = answer.get("aggregations") or {}

    def buckets(name: str) -> list[dict[str, Any]]:
        return [{"key": b["key"], "count": b["doc_count"]} for b in (aggs.get(name) or {}).get("buckets", [])]

    per_minute = [
        {
            "minute": datetime.fromtimestamp(b["key"] / 1000, timezone.utc).isoformat().replace("+00:00", "Z"),
            "requests": b["doc_count"],
            "errors": b["errors"]["doc_count"],
            "statuses": {str(s["key"]): s["doc_count"] for s in (b.get("statuses") or {}).get("buckets", [])},
        }
        for b in (aggs.get("per_minute") or {}).get("buckets", [])
    ]
    total = answer["hits"]["total"]
    return {
        "total": total["value"] if isinstance(total, dict) else int(total),
        "bytes": int((aggs.get("bytes") or {}).get("value") or 0),
        "status_codes": buckets("status_codes"),
        "paths": buckets("paths"),
        "clients": buckets("clients"),
        "per_minute": per_minute,
    }
