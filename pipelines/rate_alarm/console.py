"""Pipeline 3 in the console: /alarms (the order rate against the threshold, the recent alarms, the
stream job's state) and GET /api/alarms. Self-contained: inline SVG, no JavaScript, no assets."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from sandbox.console.app import PAGES, page
from sandbox.settings import Settings


def rate_chart(series: list[list[int]], threshold: int, window_seconds: int, width: int = 720, height: int = 160) -> str:
    """Orders per sliding window at each second (the job's counts) with the threshold as a red line."""
    if not series:
        return "<p>no orders counted yet: the chart fills as orders arrive (`cadabra replay orders --rate 2`)</p>"
    start, end = series[0][0], max(series[-1][0], series[0][0] + 1000)
    top = max(threshold * 1.5, max(count for _, count in series))

    def x(ms: int) -> float:
        return 40 + (width - 50) * (ms - start) / (end - start)

    def y(count: float) -> float:
        return 10 + height * (1 - count / top)

    points = " ".join(f"{x(ms):.1f},{y(count):.1f}" for ms, count in series)
    label = dt.datetime.fromtimestamp(start / 1000, dt.timezone.utc).strftime("%H:%M:%S")
    last = dt.datetime.fromtimestamp(end / 1000, dt.timezone.utc).strftime("%H:%M:%S UTC")
    return (
        f'<svg width="{width}" height="{height + 40}" role="img" aria-label="order rate">'
        f'<line x1="40" y1="{y(threshold):.1f}" x2="{width - 10}" y2="{y(threshold):.1f}" stroke="#d13212" stroke-dasharray="6 3"/>'
        f'<text x="{width - 10}" y="{y(threshold) - 4:.1f}" font-size="11" text-anchor="end" fill="#d13212">threshold {threshold}</text>'
        f'<polyline points="{points}" fill="none" stroke="#232f3e" stroke-width="1.5"/>'
        f'<text x="0" y="{y(top) + 4:.1f}" font-size="11">{top:.0f}</text><text x="0" y="{y(0):.1f}" font-size="11">0</text>'
        f'<text x="40" y="{height + 30}" font-size="11">{label}</text>'
        f'<text x="{width - 10}" y="{height + 30}" font-size="11" text-anchor="end">{last}</text></svg>'
        f"<p>orders per {window_seconds}-second window, at each second (the count the alarm compares with the threshold)</p>"
    )


def register(app: FastAPI, settings: Settings) -> None:
    from pipelines.rate_alarm import app as alarm_app

    if ("/alarms", "Rate alarms") not in PAGES:
        PAGES.append(("/alarms", "Rate alarms"))

    def _alarms(limit: int) -> tuple[list[dict[str, Any]], str | None]:
        try:
            return [a.as_dict() for a in alarm_app.recent_alarms(settings, limit=limit)], None
        except alarm_app.AlarmsUnavailable as exc:
            return [], str(exc)

    @app.get("/api/alarms")
    def api_alarms(limit: int = 20) -> JSONResponse:
        """The stream job's state and window counts, and the newest alarms (OrderRateAlarms)."""
        alarms, error = _alarms(limit)
        body = {"job": alarm_app.job_state(settings), "alarms": alarms}
        return JSONResponse(body if error is None else {**body, "error": error}, status_code=200 if error is None else 503)

    @app.get("/alarms", response_class=HTMLResponse)
    def alarms_page() -> HTMLResponse:
        job = alarm_app.job_state(settings)
        config = job.get("config") or {}
        threshold = int(config.get("threshold") or settings.alarm.threshold)
        window = int(config.get("window_seconds") or settings.alarm.window_seconds)
        state_class = "ok" if job.get("state") == "running" else ("bad" if job.get("state") == "failed" else "")
        body = [
            f"<p>Stream job <code>{html.escape(settings.names.alarms_job)}</code>: "
            f"<span class='{state_class}'>{html.escape(str(job.get('detail') or job.get('state')))}</span>; "
            f"alarm when a {window}-second window holds {threshold} orders or more, then quiet for "
            f"{int(config.get('suppress_seconds') or settings.alarm.suppress_seconds)} s.</p>",
            rate_chart(job.get("series") or [], threshold, window),
        ]
        alarms, error = _alarms(20)
        if error:
            body.append(f"<p class='bad'>{html.escape(error)}</p>")
        elif not alarms:
            body.append(f"<p>No alarms in <code>{html.escape(settings.names.alarms_stream)}</code> yet.</p>")
        else:
            columns = ("window_start", "window_end", "order_count", "threshold", "raised_at", "alarm_id")
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(a[c]))}</td>" for c in columns) + "</tr>" for a in alarms)
            body.append("<h2>Recent alarms</h2><table><tr>" + "".join(f"<th>{c}</th>" for c in columns) + f"</tr>{rows}</table>")
        body.append(f"<p>Each alarm is published to SNS <code>{html.escape(settings.names.alarms_topic)}</code>: "
                    f"SQS <code>{html.escape(settings.names.alarms_inbox)}</code>, SMS and email (`cadabra inbox`).</p>")
        return page("Transaction rate alarms", "".join(body))
