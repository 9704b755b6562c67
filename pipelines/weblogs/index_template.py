"""The composable index template for `weblogs*` (the daily indexes `weblogs-YYYY-MM-DD`).

Firehose's OpenSearch destination creates a new index each day (IndexRotationPeriod OneDay); the
template gives every one of them the same mapping, so `host` is an `ip`, `@timestamp` a `date` and
`response`/`bytes` numbers from the first document on. Without it OpenSearch would guess: strings
for host, text+keyword for everything else, and range queries on IPs would not work.
https://docs.opensearch.org/latest/im-plugin/index-templates/

The document shape is the one pipelines/weblogs/handler.py (LogTransform) writes.
"""

from __future__ import annotations

import copy
from typing import Any

TEMPLATE_NAME = "weblogs"
INDEX_PATTERNS = ["weblogs*"]

_KEYWORD = {"type": "keyword", "ignore_above": 2048}
_KEYWORD_AND_TEXT = {"type": "keyword", "ignore_above": 2048, "fields": {"text": {"type": "text"}}}

MAPPINGS: dict[str, Any] = {
    "properties": {
        "@timestamp": {"type": "date"},
        "host": {"type": "ip"},
        "hostname": _KEYWORD,
        "ident": _KEYWORD,
        "authuser": _KEYWORD,
        "request": {"type": "text", "fields": {"keyword": _KEYWORD}},
        "verb": {"type": "keyword"},
        "path": _KEYWORD_AND_TEXT,
        "query": _KEYWORD,
        "httpversion": {"type": "keyword"},
        "response": {"type": "short"},
        "bytes": {"type": "long"},
        "referrer": _KEYWORD,
        "agent": _KEYWORD_AND_TEXT,
    }
}

# One shard, no replicas: a single-node sandbox cluster stays green. On a real multi-node domain
# raise number_of_replicas.
SETTINGS: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": 0}


def body(priority: int = 100) -> dict[str, Any]:
    """The request body of `PUT _index_template/weblogs` (a fresh copy each call)."""
    return {
        "index_patterns": list(INDEX_PATTERNS),
        "priority": priority,
        "template": {"settings": copy.deepcopy(SETTINGS), "mappings": copy.deepcopy(MAPPINGS)},
        "_meta": {"description": "Cadabra pipeline 4: Apache access logs as JSON (LogTransform)"},
    }


# The Kibana/OpenSearch Dashboards index pattern of the case study (`weblogs*` on @timestamp), as
# the body of `POST /api/saved_objects/index-pattern/weblogs` on Dashboards (Docker stack only: the
# embedded stack has no Dashboards; the console shows search.top() instead).
DASHBOARDS_INDEX_PATTERN: dict[str, Any] = {"attributes": {"title": "weblogs*", "timeFieldName": "@timestamp"}}
