"""Pipeline 4 in the console: /weblogs (status codes over time, top paths, 5xx minutes, a search box),
its JSON API and the overview row. Log fields are attacker-controlled text: the page shows them as text."""

from __future__ import annotations

from typing import Any, Optional

from fastapi import Query
from fastapi.responses import JSONResponse

from sandbox.aws import client as aws_client
from sandbox.console.site import Site, Summary
from sandbox.settings import Settings


def register(site: Site) -> None:
    from pipelines.weblogs import search

    site.page("/weblogs", "Web logs", "weblogs/weblogs.html", order=40)
    site.overview("Web logs (pipeline 4)", summary, link="/weblogs")

    def answer(read: Any) -> Any:
        try:
            return read(search.client_for(site.settings))
        except Exception as exc:  # noqa: BLE001 - a bad query or an unreachable search node, told to the caller
            return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=400)

    @site.api.get("/weblogs/top")
    def api_top(since: Optional[str] = None, q: Optional[str] = None) -> Any:
        """Totals, status codes, top paths and clients, and per minute: requests, 5xx and status codes."""
        return answer(lambda c: search.top(c, since=since or None, query_string=q or None))

    @site.api.get("/weblogs/search")
    def api_search(q: str = "*", since: Optional[str] = None, size: int = Query(50, ge=1, le=500)) -> Any:
        """The newest requests matching a Lucene query string (`response:500 AND path:/checkout*`)."""
        return answer(lambda c: {"hits": search.search(c, q or "*", since=since or None, size=size)})


def summary(settings: Settings) -> Summary:
    """Healthy when the delivery stream is ACTIVE and the search node answers; counts indexed requests."""
    from pipelines.weblogs import search

    described = aws_client("firehose", settings).describe_delivery_stream(
        DeliveryStreamName=settings.names.weblogs_firehose)["DeliveryStreamDescription"]
    stream_status = described["DeliveryStreamStatus"]
    counted = search.client_for(settings, timeout=5).count(
        index=search.INDEX_PATTERN, params={"ignore_unavailable": "true", "allow_no_indices": "true"})
    return Summary(stream_status == "ACTIVE", f"delivery stream {stream_status}",
                   {"requests indexed": counted["count"]})
