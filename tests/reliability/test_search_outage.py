"""The search server unavailable for 30 s during log delivery (pipeline 4).

Firehose retries a failed `_bulk` for RetryOptions.DurationInSeconds, then writes the documents to
the backup bucket's error prefix (https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html,
"Amazon OpenSearch Service"). The outage is a frozen server (SIGSTOP, then SIGCONT): connections
hang, as with an overloaded or partitioned node, which is harder than a refused connection because
requests queued in the socket may still be served after Firehose gave up on them.

Every line must end indexed or backed up, and none twice in the index (Firehose's document ids make
a retried document overwrite itself). The retry duration is lowered to 10 s (the deployed 300 s
would outlast the test); buffering to 1 s, as `make demo` does.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from collections import Counter
from datetime import datetime, timezone

import pytest

from generators import weblogs
from pipelines.weblogs import search
from pipelines.weblogs.demo import lower_buffering
from sandbox.aws import client
from sandbox.waiting import wait_until
from tests.reliability import procs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

OUTAGE_SECONDS = 30.0
RETRY_SECONDS = 10
LINES_PER_SECOND = 20
ERROR_PREFIX = "es/errors/AmazonOpenSearchService-failed/"


def _set_retry(settings, seconds: int) -> None:
    firehose = client("firehose", settings)
    description = firehose.describe_delivery_stream(DeliveryStreamName=settings.names.weblogs_firehose)[
        "DeliveryStreamDescription"]
    firehose.update_destination(
        DeliveryStreamName=settings.names.weblogs_firehose, CurrentDeliveryStreamVersionId=description["VersionId"],
        DestinationId=description["Destinations"][0]["DestinationId"],
        AmazonopensearchserviceDestinationUpdate={"RetryOptions": {"DurationInSeconds": seconds}})


def _search_server(settings) -> int:
    root = procs.supervisor(settings)
    assert root is not None, "the stack's supervisor is not running"
    (pid,) = [p for p in procs.descendants(root) if any("osmem-server" in part for part in procs.cmdline(p)[:1])]
    return pid


def _backed_up(settings) -> list[str]:
    s3 = client("s3", settings)
    found = []
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=settings.names.datalake_bucket, Prefix=ERROR_PREFIX)
    for page in pages:
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=settings.names.datalake_bucket, Key=obj["Key"])["Body"].read().decode()
            found += [base64.b64decode(json.loads(line)["rawData"]).decode() for line in body.splitlines() if line]
    return found


def _indexed(os_client) -> list[str]:
    os_client.indices.refresh(index="weblogs*")
    hits = os_client.search(index="weblogs*", body={"size": 10_000, "query": {"match_all": {}}})["hits"]["hits"]
    return [json.dumps(hit["_source"]) for hit in hits]


def _markers(documents: list[str], run: str) -> list[str]:
    """The /outage/<run>/<n> paths found in documents (one per line sent)."""
    out = []
    for document in documents:
        start = document.find(f"/outage/{run}/")
        if start >= 0:
            out.append(document[start:].split(" ")[0].split('"')[0])
    return out


def test_lines_sent_while_the_search_server_is_down_are_indexed_or_backed_up_never_doubled(reliability_stack):
    settings = reliability_stack
    lower_buffering(settings, seconds=1)
    _set_retry(settings, RETRY_SECONDS)
    os_client = search.client_for(settings)
    firehose = client("firehose", settings)
    run = str(int(time.time()))
    sent: list[str] = []

    def send_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            now = datetime.now(timezone.utc)
            lines = []
            for _ in range(LINES_PER_SECOND):
                marker = f"/outage/{run}/{len(sent)}"
                sent.append(marker)
                lines.append(weblogs.format_line("10.1.2.3", now, f"GET {marker} HTTP/1.1", 200, 512))
            answer = firehose.put_record_batch(DeliveryStreamName=settings.names.weblogs_firehose,
                                               Records=[{"Data": (line + "\n").encode()} for line in lines])
            assert answer["FailedPutCount"] == 0  # the producer side never sees the outage
            tick = time.monotonic() + 1.0  # one batch a second
            wait_until(lambda: time.monotonic() >= min(tick, end), timeout=2, interval=0.05, message="the next second")

    server = _search_server(settings)
    send_for(5)
    os.kill(server, signal.SIGSTOP)
    try:
        send_for(OUTAGE_SECONDS)
    finally:
        os.kill(server, signal.SIGCONT)
    send_for(5)

    state: dict[str, list[str]] = {}

    def settled() -> bool:
        state["indexed"] = _markers(_indexed(os_client), run)
        state["backed_up"] = _markers(_backed_up(settings), run)
        return set(state["indexed"]) | set(state["backed_up"]) >= set(sent)

    wait_until(settled, timeout=120, interval=1.0, message="every line indexed or backed up")
    indexed, backed_up = state["indexed"], state["backed_up"]
    doubled = [m for m, n in Counter(indexed).items() if n > 1]
    assert not doubled, f"{len(doubled)} lines indexed twice, e.g. {doubled[:3]}"
    assert set(indexed) | set(backed_up) == set(sent)
    assert backed_up, "the outage outlasted the retry duration: some documents must have been backed up"
    assert set(sent[-LINES_PER_SECOND:]) <= set(indexed), "lines sent after the outage must be indexed"
