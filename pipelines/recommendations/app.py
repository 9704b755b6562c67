"""The recommendations app: a customer's top products from DynamoDB `CadabraRecommendations`.

The CLI (`cadabra recommend`), the HTTP API and the console's customer page call
`customer_recommendations`. One GetItem per customer
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html); the training job
writes the items (spark_jobs/recommend_als.py).

A customer the model never saw (first order after the last training run) but who has orders in
`CadabraOrders` gets the popular products, stored by the job under CustomerID 0, and the answer
says so (`personalized: false`). A customer with neither is unknown (404), as in the orders API.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipelines.order_history.app import BadRequest, NotFound, OrdersError, Unavailable, dynamodb_errors, parse_customer_id
from sandbox.settings import Settings

POPULAR_CUSTOMER_ID = 0  # spark_jobs.recommend_als.POPULAR_CUSTOMER_ID (the app does not import Spark)
MAX_ITEMS = 10

__all__ = ["BadRequest", "NotFound", "OrdersError", "Unavailable", "Recommendations", "customer_recommendations"]


@dataclass(frozen=True)
class Recommendation:
    rank: int
    stock_code: str
    description: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"Rank": self.rank, "StockCode": self.stock_code, "Description": self.description, "Score": self.score}


@dataclass(frozen=True)
class Recommendations:
    customer_id: int
    personalized: bool  # False: the popular products, because the model never saw this customer
    source: str  # "als" or "popular"
    run_id: str
    trained_at: str
    items: list[Recommendation]
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"CustomerID": self.customer_id, "personalized": self.personalized, "source": self.source,
                "run_id": self.run_id, "trained_at": self.trained_at, "note": self.note,
                "recommendations": [r.as_dict() for r in self.items]}


def from_item(customer_id: int, item: dict[str, Any], personalized: bool, note: str, limit: int) -> Recommendations:
    """From a deserialized table item (numbers as Decimal)."""
    recs = sorted(item.get("Recommendations", []), key=lambda r: int(r.get("Rank", 0)))[:limit]
    return Recommendations(
        customer_id=customer_id, personalized=personalized, source=str(item.get("Source", "")),
        run_id=str(item.get("RunId", "")), trained_at=str(item.get("TrainedAt", "")), note=note,
        items=[Recommendation(int(r["Rank"]), str(r["StockCode"]), str(r.get("Description", "")),
                              float(Decimal(r.get("Score", 0)))) for r in recs],
    )


def _get(client: Any, table: str, customer_id: int) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer

    with dynamodb_errors(table):
        raw = client.get_item(TableName=table, Key={"CustomerID": {"N": str(customer_id)}}).get("Item")
    if raw is None:
        return None
    deserializer = TypeDeserializer()
    return {k: deserializer.deserialize(v) for k, v in raw.items()}


def has_orders(client: Any, table: str, customer_id: int) -> bool:
    with dynamodb_errors(table):
        page = client.query(TableName=table, KeyConditionExpression="CustomerID = :c", Limit=1,
                            ExpressionAttributeValues={":c": {"N": str(customer_id)}}, ProjectionExpression="CustomerID")
    return bool(page.get("Items"))


def customer_recommendations(settings: Settings, customer_id: Any, limit: int = MAX_ITEMS) -> Recommendations:
    """A customer's recommended products, best first; the popular ones when the model never saw them.

    Raises BadRequest (malformed id or limit), NotFound (no recommendations and no orders) or
    Unavailable (no table, or no training run yet).
    """
    from sandbox import aws

    customer = parse_customer_id(customer_id)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_ITEMS:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_ITEMS}, got {limit!r}")
    client = aws.client("dynamodb", settings)
    table = settings.names.recommendations_table
    item = _get(client, table, customer)
    if item is not None:
        return from_item(customer, item, True, f"personalized by model run {item.get('RunId', '')}", limit)
    popular = _get(client, table, POPULAR_CUSTOMER_ID)
    if popular is None:
        raise Unavailable(f"{table} holds no model yet: train one with `cadabra train` (after replaying orders)")
    if not has_orders(client, settings.names.orders_table, customer):
        raise NotFound(f"customer {customer} has no orders and no recommendations: check the id, "
                       "or replay orders first (`cadabra replay orders`)")
    note = (f"customer {customer} is not in model run {popular.get('RunId', '')} (trained {popular.get('TrainedAt', '')}): "
            "these are the most popular products; `cadabra train` again to personalize")
    return from_item(customer, popular, False, note, limit)
