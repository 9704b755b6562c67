"""The order history app's queries: a customer's orders from DynamoDB `CadabraOrders`, newest first.

The CLI (`cadabra orders`), the HTTP API and the console page all call `customer_orders`.
It uses Query on the table's hash key (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html).

OrderID (the range key) is not ordered by date, so a page cannot come straight from Query's order:
the app reads all of a customer's items (at most a few thousand lines; the largest customer in the
data set has 7,983), sorts them by OrderDate, newest first (an invoice's lines in LineNo order), and
pages with an opaque continuation token that holds the last line's sort position. A token stays
valid when new orders arrive: the next page continues after the same line.
"""

from __future__ import annotations

import base64
import binascii
import json
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from botocore.exceptions import BotoCoreError, ClientError

from sandbox.settings import Settings

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


class OrdersError(Exception):
    """Base of the app's errors; the message is meant for the user and names the fix."""


class BadRequest(OrdersError, ValueError):
    """The request is malformed (customer id, limit or token); HTTP 400."""


class NotFound(OrdersError, LookupError):
    """The customer has no orders in the table; HTTP 404."""


class Unavailable(OrdersError):
    """The table or the stack cannot be reached; HTTP 503."""


@dataclass(frozen=True)
class Order:
    """One order line as the app shows it."""

    order_id: str
    invoice_no: str
    stock_code: str
    description: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    order_date: str
    country: str
    is_cancellation: bool
    is_product: bool
    line_no: int | None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> "Order":
        """From a deserialized DynamoDB item (numbers as Decimal)."""
        quantity = int(item.get("Quantity", 0))
        unit_price = Decimal(item.get("UnitPrice", 0))
        return cls(
            order_id=str(item["OrderID"]),
            invoice_no=str(item.get("InvoiceNo", "")),
            stock_code=str(item.get("StockCode", "")),
            description=str(item.get("Description", "")),
            quantity=quantity,
            unit_price=unit_price,
            line_total=Decimal(item["LineTotal"]) if "LineTotal" in item else unit_price * quantity,
            order_date=str(item.get("OrderDate", "")),
            country=str(item.get("Country", "")),
            is_cancellation=bool(item.get("IsCancellation", str(item.get("InvoiceNo", "")).startswith("C"))),
            is_product=bool(item.get("IsProduct", True)),
            line_no=int(item["LineNo"]) if "LineNo" in item else None,
        )

    def sort_key(self) -> tuple[str, str, int, str]:
        """Pages run in descending order of this key: newest date first, an invoice's lines by LineNo."""
        return (self.order_date, self.invoice_no, -(self.line_no or 0), self.order_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "OrderID": self.order_id,
            "InvoiceNo": self.invoice_no,
            "StockCode": self.stock_code,
            "Description": self.description,
            "Quantity": self.quantity,
            "UnitPrice": float(self.unit_price),
            "LineTotal": float(self.line_total),
            "OrderDate": self.order_date,
            "Country": self.country,
            "IsCancellation": self.is_cancellation,
            "IsProduct": self.is_product,
            "LineNo": self.line_no,
        }


@dataclass(frozen=True)
class OrderTotals:
    """Totals over all of a customer's lines (not just the page)."""

    lines: int
    invoices: int
    quantity: int
    revenue: Decimal  # sum of LineTotal: cancellations count negative, as in the source data
    cancellations: int  # lines of cancellation invoices (InvoiceNo starting with C)
    first_order: str
    last_order: str

    @classmethod
    def of(cls, orders: list[Order]) -> "OrderTotals":
        dates = [o.order_date for o in orders]
        return cls(
            lines=len(orders),
            invoices=len({o.invoice_no for o in orders}),
            quantity=sum(o.quantity for o in orders),
            revenue=sum((o.line_total for o in orders), Decimal(0)),
            cancellations=sum(1 for o in orders if o.is_cancellation),
            first_order=min(dates, default=""),
            last_order=max(dates, default=""),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "invoices": self.invoices,
            "quantity": self.quantity,
            "revenue": float(self.revenue),
            "cancellations": self.cancellations,
            "first_order": self.first_order,
            "last_order": self.last_order,
        }


@dataclass(frozen=True)
class OrdersPage:
    customer_id: int
    orders: list[Order]
    totals: OrderTotals
    limit: int
    next_token: str | None  # pass back to get the next page; None on the last page

    def as_dict(self) -> dict[str, Any]:
        return {
            "CustomerID": self.customer_id,
            "orders": [o.as_dict() for o in self.orders],
            "totals": self.totals.as_dict(),
            "limit": self.limit,
            "next_token": self.next_token,
        }


def parse_customer_id(value: Any) -> int:
    """A customer id as a positive integer, else BadRequest."""
    if isinstance(value, bool):
        raise BadRequest(f"customer id must be a positive integer such as 17850, got {value!r}")
    text = str(value).strip()
    # ASCII digits only: str.isdigit() accepts "²", which int() then rejects (an HTTP 500 before)
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise BadRequest(f"customer id must be a positive integer such as 17850, got {value!r}")
    return int(text)


def encode_token(customer_id: int, order: Order) -> str:
    doc = {"c": customer_id, "k": list(order.sort_key())}
    return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str, customer_id: int) -> tuple[str, str, int, str]:
    """The sort position a token continues after; BadRequest if it is not one of ours for this customer."""
    try:
        padded = token + "=" * (-len(token) % 4)
        doc = json.loads(base64.urlsafe_b64decode(padded.encode()))
        date, invoice, line, order_id = doc["k"]
        owner = doc["c"]
        if not all(isinstance(v, str) for v in (date, invoice, order_id)) or not isinstance(line, int):
            raise TypeError("bad key")
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise BadRequest("next_token is not a token this app issued: start again without it") from None
    if owner != customer_id:
        raise BadRequest(f"next_token belongs to customer {owner}, not {customer_id}: start again without it")
    return (date, invoice, line, order_id)


def page_orders(
    customer_id: int, orders: list[Order], limit: int = DEFAULT_LIMIT, next_token: str | None = None
) -> OrdersPage:
    """Sort a customer's orders newest first and cut the page after `next_token` (pure; no I/O)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    ordered = sorted(orders, key=Order.sort_key, reverse=True)
    if next_token:
        after = decode_token(next_token, customer_id)
        ordered = [o for o in ordered if o.sort_key() < after]
    page = ordered[:limit]
    token = encode_token(customer_id, page[-1]) if len(ordered) > limit else None
    return OrdersPage(customer_id, page, OrderTotals.of(orders), limit, token)


@contextmanager
def dynamodb_errors(table: str) -> Iterator[None]:
    """A missing table or an unreachable stack becomes Unavailable, with the fix in the message."""
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise Unavailable(
                f"DynamoDB table {table!r} does not exist: deploy the pipelines with `cadabra deploy`"
            ) from exc
        raise
    except BotoCoreError as exc:
        raise Unavailable(f"cannot reach DynamoDB ({exc}): start the stack with `make up`") from exc


def fetch_orders(client: Any, table: str, customer_id: int) -> list[Order]:
    """All of a customer's order lines (Query, following LastEvaluatedKey)."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    orders: list[Order] = []
    with dynamodb_errors(table):
        pages = client.get_paginator("query").paginate(
            TableName=table,
            KeyConditionExpression="CustomerID = :c",
            ExpressionAttributeValues={":c": {"N": str(customer_id)}},
        )
        for page in pages:
            for raw in page.get("Items", []):
                orders.append(Order.from_item({k: deserializer.deserialize(v) for k, v in raw.items()}))
    return orders


def customer_orders(
    settings: Settings, customer_id: Any, limit: int = DEFAULT_LIMIT, next_token: str | None = None
) -> OrdersPage:
    """One page of a customer's order history, newest first, with totals over all of their lines.

    Raises BadRequest (malformed id, limit or token), NotFound (no orders) or Unavailable (no table).
    """
    from sandbox import aws

    customer = parse_customer_id(customer_id)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    table = settings.names.orders_table
    orders = fetch_orders(aws.client("dynamodb", settings), table, customer)
    if not orders:
        raise NotFound(
            f"customer {customer} has no orders in {table}: check the id, "
            "or replay orders first (`cadabra replay orders`)"
        )
    return page_orders(customer, orders, limit, next_token)


def known_customers(settings: Settings, limit: int = 20) -> list[int]:
    """Up to `limit` customer ids that have orders (for the console's picker), sorted.

    Reads only the first few Scan pages, so it is cheap on a full table; not the smallest ids overall.
    """
    from sandbox import aws

    client = aws.client("dynamodb", settings)
    found: set[int] = set()
    with dynamodb_errors(settings.names.orders_table):
        for page in client.get_paginator("scan").paginate(
            TableName=settings.names.orders_table,
            ProjectionExpression="CustomerID",
            PaginationConfig={"PageSize": 500},
        ):
            found.update(int(item["CustomerID"]["N"]) for item in page.get("Items", []))
            if len(found) >= limit * 5:
                break
    return sorted(found)[:limit]
