"""The overview: every component's health and every pipeline's summary (GET / and /api/overview)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sandbox.console.site import OverviewEntry, Site
from sandbox.settings import Settings
from sandbox.stack import health


def register(site: Site) -> None:
    site.page("/", "Overview", "overview.html", order=0)

    @site.api.get("/status")
    def api_status() -> dict[str, Any]:
        """The `cadabra status --json` document, as this process sees the stack."""
        return status(site.settings)

    @site.api.get("/overview")
    def api_overview() -> dict[str, Any]:
        """Components' health and each pipeline's summary (counters are cumulative; the page charts rates)."""
        with ThreadPoolExecutor(max_workers=max(1, len(site.overview_entries))) as pool:
            summaries = list(pool.map(lambda e: summarize(e, site.settings), site.overview_entries))
        return {"status": status(site.settings), "pipelines": summaries}


def status(settings: Settings) -> dict[str, Any]:
    """Every component's health; the console answers for itself (it is serving this request)."""
    checked = health.components(settings, only=[n for n in health.CHECKS if n != "console"])
    checked["console"] = {"healthy": True, "url": settings.console_url}
    return health.describe(settings, checked)


def summarize(entry: OverviewEntry, settings: Settings) -> dict[str, Any]:
    """One pipeline's row; a summary that raises is shown as unhealthy with its error, not hidden."""
    try:
        row = entry.summary(settings).as_dict()
    except Exception as exc:  # noqa: BLE001 - the error is the row's content
        row = {"healthy": False, "detail": f"{type(exc).__name__}: {exc}"[:300], "counters": {}}
    return {"name": entry.name, "title": entry.title, "link": entry.link, **row}
