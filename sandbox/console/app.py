"""The console's FastAPI app: the overview, the AWS resources page, every pipeline's pages (see site.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from sandbox.console import overview, resources
from sandbox.console.site import STATIC, Site, template_environment
from sandbox.pipelines_registry import pipeline_modules
from sandbox.settings import Settings


def create_app(settings: Settings, runtime: Any = None) -> FastAPI:
    """The console for `settings`' stack; `runtime` is localcloud's when it runs in this process."""
    app = FastAPI(title="Cadabra sandbox console", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.runtime = runtime
    consoles = pipeline_modules("console")
    templates = template_environment(
        {name: Path(module.__file__).parent / "templates" for name, module in consoles}  # type: ignore[arg-type]
    )
    site = Site(app, settings, runtime, templates)
    app.state.site = site
    api = site.api

    @api.get("/health")
    def api_health() -> dict[str, Any]:
        return {"healthy": True}

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

    overview.register(site.for_pipeline(None))
    resources.register(site.for_pipeline(None))
    for name, module in consoles:
        module.register(site.for_pipeline(name))
    site.for_pipeline(None)
    app.include_router(api)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
