"""Pipeline 1 in the console: the customer page (/customers), its JSON API and the overview row."""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

from fastapi import Query
from fastapi.responses import JSONResponse, RedirectResponse

from sandbox.aws import arn, client
from sandbox.console.site import Site, Summary
from sandbox.settings import Settings

STATUS = {"BadRequest": 400, "NotFound": 404, "Unavailable": 503}


def register(site: Site) -> None:
    from pipelines.order_history import app as orders_app

    settings = site.settings
    site.page("/customers", "Customers", "order_history/customers.html", order=10)
    site.overview("Order history (pipeline 1)", summary, link="/customers")

    @site.app.get("/orders", include_in_schema=False)
    def old_orders_page(customer: Optional[str] = None) -> RedirectResponse:
        """The page's former address."""
        return RedirectResponse("/customers" + (f"?{urlencode({'customer': customer})}" if customer else ""))

    @site.api.get("/customers/{customer_id}/orders")
    def customer_orders(
        customer_id: str,
        limit: int = Query(orders_app.DEFAULT_LIMIT, ge=1, le=orders_app.MAX_LIMIT),
        next_token: Optional[str] = None,
    ) -> Any:
        """A customer's order lines, newest first, with totals; `next_token` continues a page."""
        try:
            return orders_app.customer_orders(settings, customer_id, limit=limit, next_token=next_token).as_dict()
        except orders_app.OrdersError as exc:
            return _error(exc)

    @site.api.get("/customers")
    def customers(limit: int = Query(12, ge=1, le=100)) -> Any:
        """Some customer ids that have orders (the page's suggestions) and the dead-letter count."""
        try:
            known = orders_app.known_customers(settings, limit=limit)
        except orders_app.OrdersError as exc:
            return _error(exc)
        return {"customers": known, "dead_letters": dead_letters(settings), "dlq": settings.names.orders_dlq}


def _error(exc: Exception) -> JSONResponse:
    return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=STATUS[type(exc).__name__])


def dead_letters(settings: Settings) -> int:
    """Order lines the pipeline could not store (guest checkouts, malformed records) waiting in the DLQ."""
    sqs = client("sqs", settings)
    url = sqs.get_queue_url(QueueName=settings.names.orders_dlq)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def summary(settings: Settings) -> Summary:
    """Healthy when the stream and table are ACTIVE and the mapping is Enabled; counts stored lines."""
    names = settings.names
    stream = client("kinesis", settings).describe_stream_summary(StreamName=names.orders_stream)
    stream_status = stream["StreamDescriptionSummary"]["StreamStatus"]
    table = client("dynamodb", settings).describe_table(TableName=names.orders_table)["Table"]
    mappings = client("lambda", settings).list_event_source_mappings(
        FunctionName=names.orders_function, EventSourceArn=arn(settings, "kinesis", f"stream/{names.orders_stream}")
    )["EventSourceMappings"]
    mapping = mappings[0] if mappings else {}
    waiting = dead_letters(settings)
    healthy = stream_status == "ACTIVE" and table["TableStatus"] == "ACTIVE" and mapping.get("State") == "Enabled"
    detail = (f"stream {stream_status}, table {table['TableStatus']}, mapping {mapping.get('State', 'missing')} "
              f"(last result {mapping.get('LastProcessingResult', '–')})")
    return Summary(healthy, detail, {"order lines stored": table.get("ItemCount", 0), "dead letters": waiting})
