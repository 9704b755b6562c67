"""Pipeline 1 helpers shared by the fault tests, the soak test and the soak benchmark.

What a clean run gives is computed with the handler's own parsing (`handler.parse_order` →
`OrderLine.to_item()`), so "the table equals a clean run's" is checked item by item.
"""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any, Iterable, Iterator

from generators import orders as gen
from pipelines.order_history import handler
from sandbox.aws import client
from sandbox.deploy import deploy
from sandbox.settings import Settings
from sandbox.waiting import wait_until

Key = tuple[str, str]  # (CustomerID, OrderID) as DynamoDB returns them


def customer_lines(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` synthetic order lines with a CustomerID, drawn from the shipped profile of the full
    Online Retail data (the full file is not in a clean clone). Guests go to the DLQ by design;
    leaving them out makes the DLQ hold exactly the records a test corrupts."""
    lines: Iterator[dict[str, Any]] = (r for r in gen.synthetic_orders(gen.profile_of(None), seed)
                                       if str(r.get("CustomerID") or "").strip().isdigit())
    return list(itertools.islice(lines, count))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def expected_items(records: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """The table a clean run of ProcessOrders over `records` leaves (valid lines only)."""
    items = {}
    for record in records:
        try:
            line = handler.parse_order(handler.decode_data(b64(gen.encode(record))))
        except handler.InvalidRecord:
            continue
        item = line.to_item()
        items[(item["CustomerID"]["N"], item["OrderID"]["S"])] = item
    return items


def table_matches(settings: Settings, want: dict[Key, dict[str, Any]]) -> dict[str, Any]:
    """Compare the table with a clean run's (`want`) without a Scan (moto rebuilds the whole result on
    every Scan page, minutes for 100,000 items): the live item count must equal len(want) and every
    wanted item, fetched by key with BatchGetItem, must be equal. Returns the differences (empty lists
    and a zero `extra` when the table is exactly `want`)."""
    ddb = client("dynamodb", settings)
    table = settings.names.orders_table
    got: dict[Key, dict[str, Any]] = {}
    keys = [{"CustomerID": {"N": c}, "OrderID": {"S": o}} for c, o in want]
    for start in range(0, len(keys), 100):
        request = {table: {"Keys": keys[start : start + 100]}}
        while request:
            answer = ddb.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(table, []):
                got[(item["CustomerID"]["N"], item["OrderID"]["S"])] = item
            request = answer.get("UnprocessedKeys") or {}
    return {
        "missing": sorted(set(want) - set(got))[:5],
        "different": [k for k in want.keys() & got.keys() if got[k] != want[k]][:5],
        "extra": item_count(settings) - len(got),  # items the clean run would not have written
    }


def item_count(settings: Settings) -> int:
    table = client("dynamodb", settings).describe_table(TableName=settings.names.orders_table)["Table"]
    return int(table["ItemCount"])


def dlq_url(settings: Settings) -> str:
    return client("sqs", settings).get_queue_url(QueueName=settings.names.orders_dlq)["QueueUrl"]


def drain_dlq(settings: Settings) -> list[dict[str, Any]]:
    """Receive and delete every message of the DLQ; their JSON bodies."""
    sqs, url = client("sqs", settings), dlq_url(settings)
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return bodies
        bodies += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(messages)])


def reset(settings: Settings) -> None:
    """An empty orders table and DLQ: drop the table, drain the queue, deploy again (idempotent)."""
    ddb = client("dynamodb", settings)
    ddb.delete_table(TableName=settings.names.orders_table)
    wait_until(lambda: settings.names.orders_table not in ddb.list_tables()["TableNames"], timeout=30,
               message="the orders table to be deleted")
    deploy(settings)
    drain_dlq(settings)


def wait_for_items(settings: Settings, count: int, timeout: float) -> None:
    wait_until(lambda: item_count(settings) >= count, timeout=timeout, interval=0.5,
               message=f"{count} items in {settings.names.orders_table}")
