"""Pipeline 1 in the console: GET /api/customers/{id}/orders and the /orders search page."""

from __future__ import annotations

import html
from typing import Any, Optional

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse, JSONResponse

from sandbox.console.app import PAGES, page
from sandbox.settings import Settings

STATUS = {"BadRequest": 400, "NotFound": 404, "Unavailable": 503}


def register(app: FastAPI, settings: Settings) -> None:
    from pipelines.order_history import app as orders_app

    if ("/orders", "Order history") not in PAGES:
        PAGES.append(("/orders", "Order history"))

    @app.get("/api/customers/{customer_id}/orders")
    def customer_orders(
        customer_id: str,
        limit: int = Query(orders_app.DEFAULT_LIMIT, ge=1, le=orders_app.MAX_LIMIT),
        next_token: Optional[str] = None,
    ) -> Any:
        """A customer's order lines, newest first, with totals; `next_token` continues a page."""
        try:
            return orders_app.customer_orders(settings, customer_id, limit=limit, next_token=next_token).as_dict()
        except orders_app.OrdersError as exc:
            return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=STATUS[type(exc).__name__])

    @app.get("/orders", response_class=HTMLResponse)
    def orders_page(customer: Optional[str] = None, next_token: Optional[str] = None) -> HTMLResponse:
        form = (
            '<form method="get"><label>CustomerID <input name="customer" value="{}" autofocus></label> '
            '<button>Show orders</button></form>'
        ).format(html.escape(customer or ""))
        body = [form, _dead_letters(settings)]
        if not customer:
            try:
                known = orders_app.known_customers(settings, limit=12)
            except orders_app.OrdersError as exc:
                known, body = [], body + [f"<p class='bad'>{html.escape(str(exc))}</p>"]
            if known:
                links = " ".join(f'<a href="/orders?customer={c}">{c}</a>' for c in known)
                body.append(f"<p>Customers with orders: {links}</p>")
            return page("Order history", "".join(body))
        try:
            result = orders_app.customer_orders(settings, customer, limit=50, next_token=next_token)
        except orders_app.OrdersError as exc:
            body.append(f"<p class='bad'>{html.escape(str(exc))}</p>")
            return page("Order history", "".join(body))
        totals = result.totals.as_dict()
        body.append("<p>" + ", ".join(f"{html.escape(k)}: <b>{html.escape(str(v))}</b>" for k, v in totals.items()) + "</p>")
        columns = ("OrderDate", "InvoiceNo", "StockCode", "Description", "Quantity", "UnitPrice", "LineTotal", "Country")
        rows = "".join(
            "<tr{}>{}</tr>".format(
                " class='bad'" if o.is_cancellation else "",
                "".join(f"<td>{html.escape(str(o.as_dict()[c]))}</td>" for c in columns),
            )
            for o in result.orders
        )
        body.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in columns) + f"</tr>{rows}</table>")
        if result.next_token:
            body.append(f'<p><a href="/orders?customer={result.customer_id}&next_token={html.escape(result.next_token)}">older →</a></p>')
        from pipelines.recommendations.console import recommendations_html  # pipeline 2 beside the history

        body.append(recommendations_html(settings, result.customer_id))
        return page(f"Order history of {result.customer_id}", "".join(body))


def _dead_letters(settings: Settings) -> str:
    """How many rejected order lines wait in the DLQ (with their reasons, see README)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from sandbox.aws import client

    sqs = client("sqs", settings)
    try:
        url = sqs.get_queue_url(QueueName=settings.names.orders_dlq)["QueueUrl"]
        waiting = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    except (ClientError, BotoCoreError) as exc:
        return f"<p class='bad'>dead-letter queue unavailable: {html.escape(str(exc))}</p>"
    count = waiting["Attributes"]["ApproximateNumberOfMessages"]
    return (f"<p>Lines the pipeline could not store (guest checkouts, malformed records) wait in SQS "
            f"<code>{html.escape(settings.names.orders_dlq)}</code>: <b>{html.escape(count)}</b></p>")
