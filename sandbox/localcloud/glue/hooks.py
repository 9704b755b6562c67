"""The Glue extension's hook into moto: the crawler actions whose state moto only pretends.

``GlueResponse.call_action`` answers StartCrawler, StopCrawler, GetCrawler, GetCrawlers and
GetCrawlerMetrics from the crawler engine (moto keeps the crawler definitions: Create/Update/
Delete/ListCrawlers and the whole Data Catalog stay moto's).
https://docs.aws.amazon.com/glue/latest/webapi/API_StartCrawler.html
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.glue.crawler import CrawlerBusy, CrawlerEngine
from sandbox.localcloud.shared.actions import ApiError, Request, answer_actions

CALL_ACTION = seam.target("moto.glue.responses:GlueResponse", "call_action", "(self)")
TARGETS = (CALL_ACTION,)


def install(patches: seam.Patches, engine: CrawlerEngine) -> None:
    """Answer the crawler run actions from `engine`."""

    def definition(request: Request, name: str) -> Any:
        crawler = seam.backend("glue", request.account_id, request.region).crawlers.get(name)
        if crawler is None:
            raise ApiError("EntityNotFoundException", f"Crawler entry with name {name} does not exist")
        return crawler

    def described(request: Request, crawler: Any) -> dict[str, Any]:
        document = crawler.as_dict()
        document.pop("LastCrawl", None)
        record = engine.record(request.account_id, request.region, crawler.name)
        document["State"] = record.state.value
        last = record.last_finished
        if last is not None:
            document["LastCrawl"] = last.last_crawl()
            document["CrawlElapsedTime"] = int(last.seconds * 1000)
        if record.current is not None:
            document["CrawlElapsedTime"] = int(record.current.seconds * 1000)
        return document

    def start_crawler(request: Request) -> dict[str, Any]:
        name = request.require("Name")
        definition(request, name)
        try:
            engine.start(request.account_id, request.region, name)
        except CrawlerBusy as exc:
            raise ApiError("CrawlerRunningException", str(exc)) from None
        return {}

    def stop_crawler(request: Request) -> dict[str, Any]:
        name = request.require("Name")
        definition(request, name)
        try:
            engine.stop_crawl(request.account_id, request.region, name)
        except CrawlerBusy as exc:
            raise ApiError("CrawlerNotRunningException", str(exc)) from None
        return {}

    def get_crawler(request: Request) -> dict[str, Any]:
        return {"Crawler": described(request, definition(request, request.require("Name")))}

    def get_crawlers(request: Request) -> dict[str, Any]:
        crawlers = seam.backend("glue", request.account_id, request.region).get_crawlers()
        return {"Crawlers": [described(request, c) for c in crawlers]}

    def get_crawler_metrics(request: Request) -> dict[str, Any]:
        backend = seam.backend("glue", request.account_id, request.region)
        names = request.get("CrawlerNameList") or [c.name for c in backend.get_crawlers()]
        return {"CrawlerMetricsList": [engine.metrics(request.account_id, request.region, n) for n in names
                                       if n in backend.crawlers]}

    patches.replace(CALL_ACTION, answer_actions({
        "StartCrawler": start_crawler,
        "StopCrawler": stop_crawler,
        "GetCrawler": get_crawler,
        "GetCrawlers": get_crawlers,
        "GetCrawlerMetrics": get_crawler_metrics,
    }))
