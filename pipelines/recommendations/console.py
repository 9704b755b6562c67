"""Pipeline 2 in the console: GET /api/customers/{id}/recommendations, the customer page's
recommendations (the `customer` slot) and the overview row."""

from __future__ import annotations

from typing import Any

from pipelines.order_history.console import _error
from sandbox.aws import client
from sandbox.console.site import Site, Summary
from sandbox.settings import Settings


def register(site: Site) -> None:
    from pipelines.recommendations import app as recs_app

    settings = site.settings
    site.slot("customer", "recommendations/customer.html")
    site.overview("Recommendations (pipeline 2)", summary, link="/customers")

    @site.api.get("/customers/{customer_id}/recommendations")
    def customer_recommendations(customer_id: str) -> Any:
        """A customer's top 10 products; `personalized: false` with the popular ones for a customer the model never saw."""
        try:
            return recs_app.customer_recommendations(settings, customer_id).as_dict()
        except recs_app.OrdersError as exc:
            return _error(exc)


def summary(settings: Settings) -> Summary:
    """Healthy when PurchaseLogs is ACTIVE and the recommendations table exists; counts stored customers."""
    names = settings.names
    stream = client("firehose", settings).describe_delivery_stream(DeliveryStreamName=names.purchase_firehose)
    status = stream["DeliveryStreamDescription"]["DeliveryStreamStatus"]
    table = client("dynamodb", settings).describe_table(TableName=names.recommendations_table)["Table"]
    healthy = status == "ACTIVE" and table["TableStatus"] == "ACTIVE"
    return Summary(healthy, f"{names.purchase_firehose} {status}, {names.recommendations_table} {table['TableStatus']}",
                   {"customers with recommendations": table.get("ItemCount", 0)})
