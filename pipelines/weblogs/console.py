"""Pipeline 4 in the console: /weblogs (the dashboard's charts and a search box) and its JSON API.

Every log field is rendered escaped: log lines are attacker-controlled text.
"""

from __future__ import annotations

import html
from typing import Any, Optional

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from sandbox.console.app import PAGES, page
from sandbox.settings import Settings


def _bars(rows: list[dict[str, Any]], label: str = "key", value: str = "count", width: int = 320) -> str:
    """A horizontal bar chart as inline SVG (no JavaScript, no external assets)."""
    if not rows:
        return "<p>no data</p>"
    biggest = max(r[value] for r in rows) or 1
    height = 18
    parts = [f'<svg width="{width + 260}" height="{len(rows) * height + 4}" role="img">']
    for i, row in enumerate(rows):
        w = max(1, int(width * row[value] / biggest))
        y = i * height + 2
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(str(row[label]))[:40]}</text>'
                     f'<rect x="250" y="{y}" width="{w}" height="{height - 4}" fill="#ff9900"/>'
                     f'<text x="{254 + w}" y="{y + 13}" font-size="12">{row[value]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _timeline(minutes: list[dict[str, Any]], width: int = 640, height: int = 120) -> str:
    if not minutes:
        return "<p>no data</p>"
    biggest = max(m["requests"] for m in minutes) or 1
    step = width / len(minutes)
    parts = [f'<svg width="{width}" height="{height + 20}" role="img">']
    for i, m in enumerate(minutes):
        h = height * m["requests"] / biggest
        e = height * m["errors"] / biggest
        x = i * step
        title = html.escape(f'{m["minute"]}: {m["requests"]} requests, {m["errors"]} 5xx')
        parts.append(f'<g><title>{title}</title><rect x="{x:.1f}" y="{height - h:.1f}" width="{max(step - 1, 1):.1f}" '
                     f'height="{h:.1f}" fill="#8fb3d9"/><rect x="{x:.1f}" y="{height - e:.1f}" '
                     f'width="{max(step - 1, 1):.1f}" height="{e:.1f}" fill="#d13212"/></g>')
    parts.append(f'<text x="0" y="{height + 15}" font-size="11">{html.escape(minutes[0]["minute"])}</text></svg>')
    return "".join(parts)


def register(app: FastAPI, settings: Settings) -> None:
    from pipelines.weblogs import search

    if ("/weblogs", "Web logs") not in PAGES:
        PAGES.append(("/weblogs", "Web logs"))

    def client() -> Any:
        return search.client_for(settings)

    @app.get("/api/weblogs/top")
    def api_top(since: Optional[str] = None) -> Any:
        try:
            return search.top(client(), since=since)
        except Exception as exc:  # noqa: BLE001 - reported to the caller, not swallowed
            return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=400)

    @app.get("/api/weblogs/search")
    def api_search(q: str = "*", since: Optional[str] = None, size: int = 50) -> Any:
        try:
            return {"hits": search.search(client(), q, since=since, size=size)}
        except Exception as exc:  # noqa: BLE001
            return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=400)

    @app.get("/weblogs", response_class=HTMLResponse)
    def weblogs_page(q: str = "", since: str = "") -> HTMLResponse:
        form = (
            '<form method="get"><input name="q" size="50" placeholder="response:500 AND path:/checkout*" value="{}"> '
            'since <input name="since" size="6" placeholder="15m" value="{}"> <button>Search</button></form>'
        ).format(html.escape(q), html.escape(since))
        body = [form]
        try:
            summary = search.top(client(), since=since or None)
            hits = search.search(client(), q or "*", since=since or None, size=50)
        except Exception as exc:  # noqa: BLE001
            body.append(f"<p class='bad'>{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</p>")
            return page("Web logs", "".join(body))
        body.append(f"<p>{summary['total']} requests, {summary['bytes']} bytes</p>")
        body.append("<h2>Requests per minute (red: 5xx)</h2>" + _timeline(summary["per_minute"]))
        body.append("<h2>Status codes</h2>" + _bars(summary["status_codes"]))
        body.append("<h2>Top paths</h2>" + _bars(summary["paths"]))
        body.append("<h2>Top client IPs</h2>" + _bars(summary["clients"]))
        columns = ("@timestamp", "host", "verb", "path", "response", "bytes", "agent")
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(hit.get(c, '')))}</td>" for c in columns) + "</tr>" for hit in hits
        )
        body.append(f"<h2>Latest {len(hits)} matching requests</h2><table><tr>"
                    + "".join(f"<th>{c}</th>" for c in columns) + f"</tr>{rows}</table>")
        return page("Web logs", "".join(body))
