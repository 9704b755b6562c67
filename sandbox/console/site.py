"""How the console and the pipelines put pages on it: one `Site` handed to every `register()`.

A pipeline's `pipelines/<name>/console.py` defines `register(site: Site) -> None` and uses:

- `site.api`: a FastAPI router mounted under `/api` for the page's JSON routes;
- `site.page(path, title, template)`: an HTML page rendered with Jinja2 (autoescaping on) from
  `pipelines/<name>/templates/<file>` (named `"<name>/<file>"`) or `sandbox/console/templates/`;
  it gets a nav entry, ordered by `order`;
- `site.overview(title, summary)`: a row on the overview, `summary(settings) -> Summary`;
- `site.slot(name, template)`: a fragment included where another page declares the slot `name`
  (the customer page's `customer` slot is where recommendations go).

Pages draw their data in the browser: a template names the JSON route it polls and the static
`console.js` fills tables (text only, never HTML) and Chart.js charts on an interval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape

from sandbox.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
REFRESH_SECONDS = 5


@dataclass(frozen=True)
class NavEntry:
    path: str
    title: str
    order: int


@dataclass
class Summary:
    """A pipeline's line on the overview: healthy or not, why, and counters that grow with traffic.

    `counters` (label -> number) are cumulative; the overview charts their rate between refreshes.
    """

    healthy: bool
    detail: str = ""
    counters: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"healthy": self.healthy, "detail": self.detail, "counters": self.counters}


SummaryFn = Callable[[Settings], Summary]


@dataclass(frozen=True)
class OverviewEntry:
    name: str
    title: str
    summary: SummaryFn
    link: str | None


def template_environment(pipeline_templates: dict[str, Path]) -> Environment:
    """Jinja2 with autoescaping on every template; `"<pipeline>/<file>"` names a pipeline's own."""
    loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES),
            PrefixLoader({name: FileSystemLoader(path) for name, path in pipeline_templates.items()}),
        ]
    )
    return Environment(loader=loader, autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined)


class Site:
    """The console being built: settings, runtime, the JSON router, the pages and overview rows."""

    def __init__(self, app: FastAPI, settings: Settings, runtime: Any, templates: Environment) -> None:
        self.app = app
        self.settings = settings
        self.runtime = runtime
        self.templates = templates
        self.api = APIRouter(prefix="/api")
        self.nav: list[NavEntry] = []
        self.overview_entries: list[OverviewEntry] = []
        self.slots: dict[str, list[str]] = {}
        self._pipeline: str | None = None  # the pipeline whose register() is running

    def for_pipeline(self, name: str | None) -> "Site":
        """Record which pipeline registers next (names its overview rows and template prefix)."""
        self._pipeline = name
        return self

    def page(self, path: str, title: str, template: str, *, order: int = 50, nav: bool = True,
             context: Callable[[Request], dict[str, Any]] | None = None) -> None:
        """Serve `template` at `path` (GET) inside the layout, with a nav entry unless `nav=False`.

        The template sees `settings`, `title`, `refresh_seconds`, `request` and what `context(request)`
        returns. Query strings reach the page's script through `location.search`.
        """
        self.templates.get_template(template)  # a missing template fails at start, not on first visit

        def render(request: Request) -> HTMLResponse:
            values = context(request) if context else {}
            return self.render(template, title=title, request=request, **values)

        render.__name__ = "page_" + re.sub(r"\W", "_", path.strip("/") or "root")
        self.app.add_api_route(path, render, methods=["GET"], response_class=HTMLResponse, include_in_schema=False)
        if nav:
            self.nav.append(NavEntry(path, title, order))

    def overview(self, title: str, summary: SummaryFn, *, link: str | None = None) -> None:
        """Add a row to the overview: `summary(settings)` runs on every refresh (keep it cheap)."""
        self.overview_entries.append(OverviewEntry(self._pipeline or title, title, summary, link))

    def slot(self, name: str, template: str) -> None:
        """Include `template` where a page writes `{% for t in slots.get(name, []) %}{% include t %}`."""
        self.templates.get_template(template)
        self.slots.setdefault(name, []).append(template)

    def render(self, template: str, **values: Any) -> HTMLResponse:
        """A template rendered inside the layout (`{% extends "layout.html" %}`)."""
        nav = sorted(self.nav, key=lambda entry: (entry.order, entry.title))
        html = self.templates.get_template(template).render(
            settings=self.settings, nav=nav, slots=self.slots, refresh_seconds=REFRESH_SECONDS, **values
        )
        return HTMLResponse(html)
