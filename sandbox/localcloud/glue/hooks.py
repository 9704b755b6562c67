"""The Glue extension's hook into moto: the crawler actions whose state moto only pretends.

``GlueResponse.call_action`` answers StartCrawler, StopCrawler, GetCrawler, GetCrawlers and
GetCrawlerMetrics from the crawler engine, and UpdateCrawler (which moto 5.2.5 lacks) on moto's
crawler definition; Create/Delete/ListCrawlers and the whole Data Catalog stay moto's.
https://docs.aws.amazon.com/glue/latest/webapi/API_StartCrawler.html
"""

from __future__ import annotations

from typing import Any

from sandbox.localcloud import moto_seam as seam
from sandbox.localcloud.glue.crawler import CrawlerBusy, CrawlerEngine
from sandbox.localcloud.shared.actions import ApiError, Request, answer_actions

CALL_ACTION = seam.target("moto.glue.responses:GlueResponse", "call_action", "(self)")
TARGETS = (CALL_ACTION,)
# UpdateCrawler's fields -> moto's FakeCrawler attributes (moto 5.2.5 has no UpdateCrawler)
UPDATABLE = {"Role": "role", "DatabaseName": "database_name", "Description": "description", "Targets": "targets",
             "Classifiers": "classifiers", "TablePrefix": "table_prefix", "SchemaChangePolicy": "schema_change_policy",
             "RecrawlPolicy": "recrawl_policy", "LineageConfiguration": "lineage_configuration",
             "Configuration": "configuration", "CrawlerSecurityConfiguration": "crawler_security_configuration"}


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

    def update_crawler(request: Request) -> dict[str, Any]:
        name = request.require("Name")
        crawler = definition(request, name)
        if engine.record(request.account_id, request.region, name).current is not None:
            raise ApiError("CrawlerRunningException", f"Crawler with name {name} is running and cannot be updated")
        for field, attribute in UPDATABLE.items():
            if field in request.params:
                setattr(crawler, attribute, request.params[field])
        if "Schedule" in request.params:
            crawler.schedule = request.params["Schedule"]
        crawler.version += 1
        crawler.last_updated = seam.utcnow()
        return {}

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
        "UpdateCrawler": update_crawler,
    }))
