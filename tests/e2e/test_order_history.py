"""Pipeline 1 end to end on the embedded stack: replay → Kinesis → ProcessOrders → DynamoDB → app/API."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from generators import orders as generator
from sandbox.aws import client
from sandbox.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.stack]

LINES = 1500


def _scan(settings) -> dict[tuple[str, str], dict]:
    ddb = client("dynamodb", settings)
    items = {}
    for page in ddb.get_paginator("scan").paginate(TableName=settings.names.orders_table):
        for item in page["Items"]:
            items[(item["CustomerID"]["N"], item["OrderID"]["S"])] = item
    return items


def _source(count: int) -> list[dict]:
    return list(generator.read_orders(generator.SAMPLE_FILE))[:count]


def _expected(records: list[dict]) -> tuple[int, dict[str, int]]:
    valid = [r for r in records if str(r.get("CustomerID") or "").strip().isdigit()]
    quantities: dict[str, int] = defaultdict(int)
    for r in valid:
        quantities[str(int(r["CustomerID"]))] += int(r["Quantity"])
    return len(valid), quantities


@pytest.fixture(scope="module")
def replayed(stack):
    """The first LINES lines of the shipped sample, replayed once and fully processed."""
    records = _source(LINES)
    lines, _ = _expected(records)
    summary = generator.replay(stack, count=LINES, progress=False)
    assert summary.sent == LINES and summary.failed == 0
    wait_until(lambda: len(_scan(stack)) >= lines, timeout=120, interval=0.5,
               message=f"{lines} order lines in DynamoDB")
    return records


def test_every_valid_line_is_in_the_table_and_quantities_add_up(stack, replayed):
    lines, quantities = _expected(replayed)
    items = _scan(stack)
    assert len(items) == lines  # none lost, none counted twice (repeated InvoiceNo+StockCode included)
    got: dict[str, int] = defaultdict(int)
    for (customer, _), item in items.items():
        got[customer] += int(Decimal(item["Quantity"]["N"]))
    assert got == quantities
    cancellations = [i for i in items.values() if i["InvoiceNo"]["S"].startswith("C")]
    assert cancellations and all(i["IsCancellation"]["BOOL"] for i in cancellations)


def test_replaying_the_same_lines_leaves_the_table_identical(stack, replayed):
    before = _scan(stack)
    summary = generator.replay(stack, count=LINES, progress=False)
    assert summary.sent == LINES

    def drained() -> bool:
        mappings = client("lambda", stack).list_event_source_mappings(FunctionName=stack.names.orders_function)
        return all(m.get("LastProcessingResult") in {"OK", "No records processed"}
                   for m in mappings["EventSourceMappings"])

    # the replayed batches are processed when the iterator catches up: wait for a sentinel customer line
    sentinel = {"InvoiceNo": "999999", "StockCode": "ZZTEST", "Description": "sentinel", "Quantity": 1,
                "InvoiceDate": "12/9/2011 12:50", "UnitPrice": 1.0, "CustomerID": 99999, "Country": "Nowhere",
                "LineNo": 1}
    client("kinesis", stack).put_record(StreamName=stack.names.orders_stream, Data=json.dumps(sentinel).encode() + b"\n",
                                        PartitionKey="99999")
    wait_until(lambda: any(k[0] == "99999" for k in _scan(stack)), timeout=60, message="the sentinel line")
    wait_until(drained, timeout=30, message="the mapping to drain")
    after = {k: v for k, v in _scan(stack).items() if k[0] != "99999"}
    assert after == before


def test_bad_records_go_to_the_dlq_with_a_reason_and_the_flow_goes_on(stack, replayed):
    sqs = client("sqs", stack)
    dlq = sqs.get_queue_url(QueueName=stack.names.orders_dlq)["QueueUrl"]
    kinesis = client("kinesis", stack)
    good = {"InvoiceNo": "888888", "StockCode": "GOOD1", "Description": "ok", "Quantity": "3",
            "InvoiceDate": "2011-12-09T12:50:00", "UnitPrice": "2.5", "Customer": "88888", "Country": "UK"}
    kinesis.put_records(StreamName=stack.names.orders_stream, Records=[
        {"Data": b"not json at all", "PartitionKey": "88888"},
        {"Data": json.dumps({**good, "Customer": "", "StockCode": "BAD1"}).encode(), "PartitionKey": "88888"},
        {"Data": json.dumps(good).encode(), "PartitionKey": "88888"},
    ])
    wait_until(lambda: any(k[0] == "88888" for k in _scan(stack)), timeout=60,
               message="the good line after two bad ones")
    ours: dict[str, dict] = {}

    def dead_letters() -> bool:
        for message in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(message["Body"])
            if body.get("partitionKey") == "88888":
                ours[base64.b64decode(body["data"]).decode()] = body
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
        return len(ours) >= 2

    wait_until(dead_letters, timeout=60, message="the two bad records in the DLQ")
    assert ours["not json at all"]["kind"] == "not-json"
    (blank,) = [b for data, b in ours.items() if "BAD1" in data]
    assert blank["kind"] == "no-customer" and "guest" in blank["reason"]
    assert all(b["sequenceNumber"] and b["reason"] for b in ours.values())


def test_the_http_api_pages_newest_first_and_reports_errors(stack, replayed):
    counts = Counter(str(int(r["CustomerID"])) for r in replayed if str(r.get("CustomerID") or "").isdigit())
    customer, lines = counts.most_common(1)[0]
    url = f"{stack.console_url}/api/customers/{customer}/orders?limit=5"
    first = json.loads(urllib.request.urlopen(url, timeout=10).read())
    assert first["totals"]["lines"] == lines
    assert len(first["orders"]) == min(5, lines)
    dates = [o["OrderDate"] for o in first["orders"]]
    assert dates == sorted(dates, reverse=True)
    seen = {o["OrderID"] for o in first["orders"]}
    token = first["next_token"]
    while token:
        page = json.loads(urllib.request.urlopen(f"{url}&next_token={token}", timeout=10).read())
        ids = {o["OrderID"] for o in page["orders"]}
        assert not ids & seen
        seen |= ids
        token = page["next_token"]
    assert len(seen) == lines

    for path, status in (("/api/customers/1/orders", 404), ("/api/customers/abc/orders", 400)):
        with pytest.raises(urllib.error.HTTPError) as failure:
            urllib.request.urlopen(stack.console_url + path, timeout=10)
        assert failure.value.code == status
        assert json.loads(failure.value.read())["message"]
