"""The console's page mechanism (sandbox/console/site.py) and app, served for real on a free port, no stack."""

from __future__ import annotations

import contextlib
import fnmatch
import json
import threading
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from fastapi import FastAPI
from jinja2 import TemplateNotFound

from sandbox.console.app import create_app
from sandbox.console.overview import summarize
from sandbox.console.site import STATIC, TEMPLATES, OverviewEntry, Site, Summary, template_environment
from sandbox.settings import PROJECT_ROOT
from sandbox.waiting import wait_until

HOSTILE = "<script>alert(1)</script>"


@contextlib.contextmanager
def _serve(app: FastAPI, port: int) -> Iterator[str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout=20, message="the console to listen")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def pipeline_templates(tmp_path) -> Path:
    folder = tmp_path / "demo_pipeline" / "templates"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text('{% extends "layout.html" %}{% block content %}<p id="v">{{ value }}</p>'
                                      '{% for t in slots.get("extra", []) %}{% include t %}{% endfor %}{% endblock %}')
    (folder / "fragment.html").write_text('<p id="fragment">{{ value }}</p>')
    return folder


@pytest.fixture
def site(isolated_settings, pipeline_templates) -> Site:
    env = template_environment({"demo_pipeline": pipeline_templates})
    return Site(FastAPI(), isolated_settings, None, env).for_pipeline("demo_pipeline")


@pytest.fixture
def served(site, isolated_settings) -> Iterator[str]:
    site.page("/b", "Second", "demo_pipeline/page.html", order=20, context=lambda request: {"value": HOSTILE})
    site.page("/a", "First", "demo_pipeline/page.html", order=10,
              context=lambda request: {"value": request.query_params.get("v", "")})
    site.page("/hidden", "Hidden", "demo_pipeline/page.html", nav=False, context=lambda request: {"value": "x"})
    site.slot("extra", "demo_pipeline/fragment.html")

    @site.api.get("/demo")
    def demo() -> dict:
        return {"ok": True}

    site.app.include_router(site.api)
    with _serve(site.app, isolated_settings.ports.console) as url:
        yield url


def test_a_pipeline_page_is_rendered_escaped_with_its_nav_entry_and_slot(served):
    status, body = _get(served + "/b")
    assert status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and HOSTILE not in body  # escaped, in page and slot
    assert body.count("&lt;script&gt;") == 2  # the page's value and the slot fragment's
    assert body.index('href="/a"') < body.index('href="/b"')  # nav ordered by `order`
    assert 'href="/hidden"' not in body
    assert '<a href="/b" aria-current="page">Second</a>' in body
    status, body = _get(served + "/a?v=%22%3E%3Cimg%20src%3Dx%3E")
    assert '&#34;&gt;&lt;img src=x&gt;' in body
    assert json.loads(_get(served + "/api/demo")[1]) == {"ok": True}


def test_a_missing_template_fails_when_the_page_is_registered(site):
    with pytest.raises(TemplateNotFound):
        site.page("/x", "X", "demo_pipeline/nope.html")
    with pytest.raises(TemplateNotFound):
        site.slot("extra", "nope.html")


def test_a_failing_summary_is_an_unhealthy_row_with_its_error(isolated_settings):
    def broken(settings):
        raise ConnectionError("stream not found")

    row = summarize(OverviewEntry("p", "Pipeline", broken, "/p"), isolated_settings)
    assert row["healthy"] is False and "ConnectionError: stream not found" in row["detail"]
    good = summarize(OverviewEntry("p", "Pipeline", lambda s: Summary(True, "fine", {"n": 3}), None), isolated_settings)
    assert good == {"name": "p", "title": "Pipeline", "link": None, "healthy": True, "detail": "fine", "counters": {"n": 3}}


def test_the_console_serves_every_page_and_its_assets_with_no_stack_running(isolated_settings):
    with _serve(create_app(isolated_settings), isolated_settings.ports.console) as _url:
        for path in ("/", "/customers", "/weblogs", "/resources"):
            status, body = _get(_url + path)
            assert status == 200 and '<script src="/static/vendor/chart.umd.min.js">' in body, path
        status, chart = _get(_url + "/static/vendor/chart.umd.min.js")
        assert status == 200 and "Chart.js v4" in chart[:200]
        status, body = _get(_url + "/api/resources")
        sections = json.loads(body)
        assert status == 200 and sections["streams"]["rows"] == [] and sections["streams"]["error"]
        overview = json.loads(_get(_url + "/api/overview")[1])
        assert {p["title"] for p in overview["pipelines"]} >= {"Order history (pipeline 1)", "Web logs (pipeline 4)"}
        assert all(p["healthy"] is False and p["detail"] for p in overview["pipelines"])


def test_templates_and_static_files_ship_in_the_package():
    data = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    files = [p for p in (*TEMPLATES.rglob("*"), *STATIC.rglob("*")) if p.is_file()]
    files += [p for p in (PROJECT_ROOT / "pipelines").glob("*/templates/*") if p.is_file()]
    for path in files:
        package = path.relative_to(PROJECT_ROOT).parts[0]
        relative = str(path.relative_to(PROJECT_ROOT / package))
        assert any(fnmatch.fnmatch(relative, pattern) and relative.count("/") == pattern.count("/")
                   for pattern in data[package]), f"{relative} is not in [tool.setuptools.package-data] {package}"
    assert (STATIC / "vendor" / "chart.js.LICENSE.md").exists()
