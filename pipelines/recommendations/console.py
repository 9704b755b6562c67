"""Pipeline 2 in the console: GET /api/customers/{id}/recommendations and the block on the customer page."""

from __future__ import annotations

import html
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from pipelines.order_history.console import STATUS
from sandbox.settings import Settings


def register(app: FastAPI, settings: Settings) -> None:
    from pipelines.recommendations import app as recs_app

    @app.get("/api/customers/{customer_id}/recommendations")
    def customer_recommendations(customer_id: str) -> Any:
        """A customer's top 10 products; `personalized: false` with the popular ones for a customer the model never saw."""
        try:
            return recs_app.customer_recommendations(settings, customer_id).as_dict()
        except recs_app.OrdersError as exc:
            return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=STATUS[type(exc).__name__])


def recommendations_html(settings: Settings, customer: Any) -> str:
    """The customer page's recommendations block (shown beside the order history)."""
    from pipelines.recommendations import app as recs_app

    try:
        recs = recs_app.customer_recommendations(settings, customer)
    except recs_app.OrdersError as exc:
        return f"<h2>Recommended products</h2><p class='bad'>{html.escape(str(exc))}</p>"
    rows = "".join(
        f"<tr><td>{r.rank}</td><td>{html.escape(r.stock_code)}</td><td>{html.escape(r.description)}</td>"
        f"<td>{r.score:.3f}</td></tr>" for r in recs.items
    )
    return (f"<h2>Recommended products</h2><p>{html.escape(recs.note)}</p>"
            f"<table><tr><th>#</th><th>StockCode</th><th>Description</th><th>score</th></tr>{rows}</table>")
