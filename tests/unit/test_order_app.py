"""Order history app: paging, totals and errors on a DynamoDB table in moto (free port, this process).

Items are written by the real handler with real boto3 clients, and one test runs the producer into a
moto Kinesis stream first, so the record format, the item format and the app's reading agree.
"""

from __future__ import annotations

import base64
import collections
import itertools
from decimal import Decimal
from typing import Any, Iterator

import pytest

from generators import orders as producer
from pipelines.order_history import app
from pipelines.order_history.app import BadRequest, NotFound, Order, Unavailable, customer_orders, page_orders
from pipelines.order_history.handler import process
from sandbox import aws


@pytest.fixture
def cloud(isolated_settings) -> Iterator[Any]:
    """moto alone (no localcloud extensions are needed to read and write DynamoDB), emptied before and after:
    moto keeps its state in this process across server instances."""
    from moto.moto_api._internal.models import moto_api_backend

    from sandbox.localcloud.server import LocalCloud

    moto_api_backend.reset()
    server = LocalCloud(isolated_settings, extensions=()).start()
    try:
        yield server
    finally:
        server.stop()
        moto_api_backend.reset()


def create_pipeline_storage(settings) -> str:
    """The table and DLQ as the deploy creates them; returns the DLQ URL."""
    aws.client("dynamodb", settings).create_table(
        TableName=settings.names.orders_table,
        KeySchema=[{"AttributeName": "CustomerID", "KeyType": "HASH"}, {"AttributeName": "OrderID", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "CustomerID", "AttributeType": "N"},
            {"AttributeName": "OrderID", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return aws.client("sqs", settings).create_queue(QueueName=settings.names.orders_dlq)["QueueUrl"]


def kinesis_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": [
            {"kinesis": {"sequenceNumber": str(n), "partitionKey": producer.partition_key(r),
                         "data": base64.b64encode(producer.encode(r)).decode()}}
            for n, r in enumerate(records)
        ]
    }


def load(settings, dlq_url: str, records: list[dict[str, Any]]) -> None:
    dynamodb, sqs = aws.client("dynamodb", settings), aws.client("sqs", settings)
    for start in range(0, len(records), 100):
        result = process(kinesis_event(records[start : start + 100]), dynamodb, sqs, settings.names.orders_table,
                         dlq_url, log=lambda line: None)
        assert result["batchItemFailures"] == []


def history(customer: int, invoices: int = 9, lines: int = 5) -> list[dict[str, Any]]:
    """`invoices` invoices of `lines` lines on different days; the last invoice is a cancellation."""
    records = []
    for day in range(invoices):
        number = f"C{570000 + day}" if day == invoices - 1 else str(570000 + day)
        for line_no in range(1, lines + 1):
            records.append({
                "InvoiceNo": number, "StockCode": "POST" if line_no == 1 else f"2{line_no:04d}",
                "Description": "POSTAGE" if line_no == 1 else f"ITEM {line_no}",
                "Quantity": -2 if number.startswith("C") else 2, "InvoiceDate": f"3/{day + 1}/2011 10:00",
                "UnitPrice": 1.25, "CustomerID": customer, "Country": "Germany", "LineNo": line_no,
            })
    return records


def test_pages_run_newest_first_with_stable_tokens_and_totals(cloud):
    settings = cloud.settings
    dlq = create_pipeline_storage(settings)
    load(settings, dlq, history(12345) + history(23456, invoices=2))

    seen: list[Order] = []
    token = None
    pages = 0
    while True:
        page = customer_orders(settings, "12345", limit=20, next_token=token)
        pages += 1
        seen.extend(page.orders)
        token = page.next_token
        if token is None:
            break
    assert pages == 3 and [len(p) for p in (seen[:20], seen[20:40], seen[40:])] == [20, 20, 5]
    assert len({o.order_id for o in seen}) == 45
    dates = [o.order_date for o in seen]
    assert dates == sorted(dates, reverse=True)
    assert seen[0].invoice_no == "C570008" and seen[0].is_cancellation and seen[0].line_no == 1
    assert [o.line_no for o in seen[:5]] == [1, 2, 3, 4, 5]  # an invoice's lines in order
    assert seen[0].is_product is False and seen[1].is_product is True

    totals = page.totals
    assert totals.lines == 45 and totals.invoices == 9 and totals.cancellations == 5
    assert totals.quantity == 8 * 5 * 2 - 5 * 2
    assert totals.revenue == Decimal("1.25") * totals.quantity
    assert totals.first_order == "2011-03-01T10:00:00" and totals.last_order == "2011-03-09T10:00:00"
    doc = page.as_dict()
    assert doc["CustomerID"] == 12345 and doc["totals"]["revenue"] == 87.5 and doc["next_token"] is None


def test_a_token_survives_new_orders_arriving(cloud):
    settings = cloud.settings
    dlq = create_pipeline_storage(settings)
    load(settings, dlq, history(12345, invoices=4))
    first = customer_orders(settings, 12345, limit=10)
    newer = [dict(r, InvoiceNo="580000", InvoiceDate="12/1/2011 9:00") for r in history(12345, invoices=1)]
    load(settings, dlq, newer)
    second = customer_orders(settings, 12345, limit=10, next_token=first.next_token)
    assert {o.order_id for o in first.orders}.isdisjoint(o.order_id for o in second.orders)
    assert second.orders[0].sort_key() < first.orders[-1].sort_key()
    assert second.totals.lines == 25  # totals see the new lines


def test_errors_say_what_is_wrong(cloud):
    settings = cloud.settings
    with pytest.raises(Unavailable, match="cadabra deploy"):
        customer_orders(settings, 12345)
    dlq = create_pipeline_storage(settings)
    load(settings, dlq, history(12345, invoices=2))
    with pytest.raises(NotFound, match="99999"):
        customer_orders(settings, 99999)
    for bad in ("abc", "0", "-3", "12.5", "", True, "²", "١٢٣"):  # non-ASCII digits: 400, not 500
        with pytest.raises(BadRequest, match="positive integer"):
            customer_orders(settings, bad)
    with pytest.raises(BadRequest, match="limit"):
        customer_orders(settings, 12345, limit=0)
    other = page_orders(777, [Order.from_item(_item("1-A-1")), Order.from_item(_item("1-A-2"))], limit=1)
    with pytest.raises(BadRequest, match="belongs to customer 777"):
        customer_orders(settings, 12345, next_token=other.next_token)
    with pytest.raises(BadRequest, match="start again"):
        customer_orders(settings, 12345, next_token="not-a-token!!")
    assert app.known_customers(settings) == [12345]


def _item(order_id: str, date: str = "2011-01-01T10:00:00") -> dict[str, Any]:
    return {"OrderID": order_id, "InvoiceNo": "1", "StockCode": "A", "Quantity": Decimal(1), "UnitPrice": Decimal("2"),
            "OrderDate": date, "LineNo": Decimal(order_id.rsplit("-", 1)[1])}


def test_page_orders_is_pure_and_total():
    items = [Order.from_item(_item(f"1-A-{n}", f"2011-01-{n:02d}T10:00:00")) for n in range(1, 8)]
    page = page_orders(5, items, limit=3)
    rest = page_orders(5, items, limit=3, next_token=page.next_token)
    last = page_orders(5, items, limit=3, next_token=rest.next_token)
    assert [o.order_id for o in page.orders + rest.orders + last.orders] == [f"1-A-{n}" for n in range(7, 0, -1)]
    assert last.next_token is None and page.totals.revenue == Decimal(14)


def test_producer_to_stream_to_handler_to_app(cloud):
    """The producer's records, read back from a moto stream, land in the table the app reads."""
    settings = cloud.settings
    dlq = create_pipeline_storage(settings)
    kinesis = aws.client("kinesis", settings)
    kinesis.create_stream(StreamName="CadabraOrders", ShardCount=2)
    summary = producer.replay(settings, count=600, progress=False)
    assert summary.sent == 600 and summary.failed == 0 and len(summary.shards) == 2

    received: list[dict[str, Any]] = []
    for shard in kinesis.list_shards(StreamName="CadabraOrders")["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName="CadabraOrders", ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        batch = kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        event = {"Records": [{"kinesis": {"sequenceNumber": r["SequenceNumber"], "partitionKey": r["PartitionKey"],
                                          "data": base64.b64encode(r["Data"]).decode()}} for r in batch]}
        received.extend(batch)
        result = process(event, aws.client("dynamodb", settings), aws.client("sqs", settings),
                         settings.names.orders_table, dlq, log=lambda line: None)
        assert result["batchItemFailures"] == []
    assert len(received) == 600

    source = list(itertools.islice(producer.read_orders(producer.SAMPLE_FILE), 600))
    per_customer = collections.Counter(r["CustomerID"] for r in source if r["CustomerID"] is not None)
    customer, lines = per_customer.most_common(1)[0]
    page = customer_orders(settings, customer, limit=1000)
    assert page.totals.lines == lines
    assert page.totals.quantity == sum(r["Quantity"] for r in source if r["CustomerID"] == customer)
