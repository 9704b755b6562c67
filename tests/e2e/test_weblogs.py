"""Pipeline 4 end to end on the embedded stack: lines → Firehose WebLogs → LogTransform → OpenSearch."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from generators import weblogs
from pipelines.weblogs import search
from pipelines.weblogs.demo import lower_buffering
from sandbox.aws import client
from sandbox.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.stack]

GARBAGE = ["this is not an apache log line", "GET / HTTP/1.1", "\x00\x01 binary junk"]


def _s3_keys(settings, prefix: str) -> list[str]:
    s3 = client("s3", settings)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=settings.names.datalake_bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def test_valid_lines_are_searchable_in_todays_index_and_failures_land_in_s3(stack):
    lower_buffering(stack, seconds=1)
    os_client = search.client_for(stack)
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    index = f"{stack.names.weblogs_index}-{today}"
    before = os_client.count(index=index)["count"] if os_client.indices.exists(index=index) else 0
    failed_before = len(_s3_keys(stack, "es/errors/processing-failed/"))

    start = datetime.now(timezone.utc).replace(microsecond=0)
    lines = list(weblogs.generate(99, 300, start, rate=50.0))
    records = [{"Data": (line + "\n").encode()} for line in lines + GARBAGE]
    answer = client("firehose", stack).put_record_batch(DeliveryStreamName=stack.names.weblogs_firehose,
                                                        Records=records)
    assert answer["FailedPutCount"] == 0

    def indexed() -> int:
        os_client.indices.refresh(index=index)
        return os_client.count(index=index)["count"] - before >= len(lines)

    wait_until(indexed, timeout=60, interval=0.5, message=f"{len(lines)} documents in {index}")
    assert os_client.count(index=index)["count"] - before == len(lines)  # counts add up: none twice
    mapping = os_client.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert mapping["host"]["type"] == "ip" and mapping["@timestamp"]["type"] == "date"

    wait_until(lambda: len(_s3_keys(stack, "es/errors/processing-failed/")) > failed_before, timeout=30,
               message="the processing-failed object under es/errors/")
    s3 = client("s3", stack)
    failed_docs = []
    for key in _s3_keys(stack, "es/errors/processing-failed/"):
        body = s3.get_object(Bucket=stack.names.datalake_bucket, Key=key)["Body"].read().decode()
        failed_docs += [json.loads(line) for line in body.splitlines() if line.strip()]
    import base64

    raw = {base64.b64decode(d["rawData"]).decode(errors="replace").rstrip("\n") for d in failed_docs}
    assert set(GARBAGE[:2]) <= raw
    assert all(d["errorCode"] and d["lambdaArn"].endswith(stack.names.weblogs_function) for d in failed_docs)


def test_search_and_top_find_the_burst(stack):
    lower_buffering(stack, seconds=1)
    os_client = search.client_for(stack)
    start = datetime.now(timezone.utc).replace(microsecond=0)
    lines = list(weblogs.generate(5, 400, start, rate=20.0, burst_5xx="5:5"))
    client("firehose", stack).put_record_batch(DeliveryStreamName=stack.names.weblogs_firehose,
                                               Records=[{"Data": (line + "\n").encode()} for line in lines])
    since = start.isoformat()

    def seen() -> dict | None:
        os_client.indices.refresh(index="weblogs*")
        summary = search.top(os_client, since=since)
        return summary if summary["total"] >= len(lines) else None

    summary = wait_until(seen, timeout=60, interval=0.5, message="the burst's documents")
    errors = sum(row["count"] for row in summary["status_codes"] if int(row["key"]) >= 500)
    assert errors > 0
    burst_minute = max(summary["per_minute"], key=lambda m: m["errors"])
    assert burst_minute["errors"] >= errors * 0.5
    hits = search.search(os_client, "response:[500 TO 599]", since=since, size=100)
    assert hits and all(int(h["response"]) >= 500 for h in hits)
