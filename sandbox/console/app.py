"""The console's FastAPI app. Pipelines add routers through `register_page` (see PAGES)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from sandbox.settings import Settings
from sandbox.stack import health

TEMPLATES = Path(__file__).parent / "templates"

# (path, title) of the pages pipelines add; the overview links them.
PAGES: list[tuple[str, str]] = []


def render(template: str, **values: str) -> str:
    """Fill `{{name}}` placeholders of a template file; values must already be escaped."""
    text = (TEMPLATES / template).read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def page(title: str, body: str) -> HTMLResponse:
    nav = "".join(f'<a href="{html.escape(p)}">{html.escape(t)}</a>' for p, t in [("/", "Overview"), *PAGES])
    return HTMLResponse(render("layout.html", title=html.escape(title), nav=nav, body=body))


def create_app(settings: Settings, runtime: Any = None) -> FastAPI:
    app = FastAPI(title="Cadabra sandbox console", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.runtime = runtime
    api = APIRouter(prefix="/api")

    @api.get("/health")
    def api_health() -> dict[str, Any]:
        return {"healthy": True}

    @api.get("/status")
    def api_status() -> dict[str, Any]:
        checked = health.components(settings, only=[n for n in health.CHECKS if n != "console"])
        checked["console"] = {"healthy": True, "url": settings.console_url}
        return health.describe(settings, checked)

    @api.get("/localcloud")
    def api_localcloud() -> JSONResponse:
        """What each data-plane extension reports (pollers, buffers, workers, inbox)."""
        if runtime is None:
            return JSONResponse({"error": "localcloud runs in another process on this stack"}, status_code=404)
        return JSONResponse({name: ext.describe() for name, ext in runtime.extensions.items()})

    @api.get("/localcloud/{extension}")
    def api_extension(extension: str) -> JSONResponse:
        if runtime is None or extension not in runtime.extensions:
            return JSONResponse({"error": f"no localcloud extension {extension!r}"}, status_code=404)
        return JSONResponse(runtime.extensions[extension].describe())

    @app.get("/", response_class=HTMLResponse)
    def overview() -> HTMLResponse:
        status = api_status()
        rows = "".join(
            "<tr><td>{}</td><td class='{}'>{}</td><td>{}</td></tr>".format(
                html.escape(name),
                "ok" if c.get("healthy") else "bad",
                "healthy" if c.get("healthy") else "down",
                html.escape(str(c.get("url") or c.get("dsn") or c.get("error") or "")),
            )
            for name, c in [*status["components"].items(),
                            *((f"job {n}", {**j, "url": j.get("detail")}) for n, j in status.get("jobs", {}).items())]
        )
        body = render("overview.html", rows=rows, stack=html.escape(status["stack"]),
                      aws=html.escape(status["aws"]), opensearch=html.escape(status["opensearch"]),
                      postgres=html.escape(status["postgres"]))
        return page("Overview", body)

    app.include_router(api)
    for register in _page_registrars():
        register(app, settings)
    return app


def _page_registrars() -> list[Any]:
    """Pipelines that have console pages expose `register(app, settings)` in pipelines/<name>/console.py."""
    from sandbox.pipelines_registry import pipeline_modules

    return [module.register for _, module in pipeline_modules("console")]
