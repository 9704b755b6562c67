"""Pipeline 3 in the console: /alarms (the windowed order count against the threshold, the recent
alarms, the stream job's state), GET /api/alarms, and the overview row with the job's state."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from sandbox.console.site import Site, Summary
from sandbox.settings import Settings


def register(site: Site) -> None:
    from pipelines.rate_alarm import app as alarm_app

    settings = site.settings
    site.page("/alarms", "Rate alarms", "rate_alarm/alarms.html", order=30)
    site.overview("Transaction rate alarm (pipeline 3)", summary, link="/alarms")

    @site.api.get("/alarms")
    def api_alarms(limit: int = 20) -> Any:
        """The stream job's state and recent window counts, and the newest alarms (OrderRateAlarms)."""
        body: dict[str, Any] = {"job": alarm_app.job_state(settings), "alarms": []}
        try:
            body["alarms"] = [a.as_dict() for a in alarm_app.recent_alarms(settings, limit=limit)]
        except alarm_app.AlarmsUnavailable as exc:
            return JSONResponse({**body, "error": str(exc)}, status_code=503)
        return body


def summary(settings: Settings) -> Summary:
    """Healthy when OrderRateAlarms is ACTIVE and the job is starting or running; counts its alarms."""
    from pipelines.rate_alarm import app as alarm_app
    from sandbox.aws import client

    stream = client("kinesis", settings).describe_stream_summary(StreamName=settings.names.alarms_stream)
    stream_status = stream["StreamDescriptionSummary"]["StreamStatus"]
    job = alarm_app.job_state(settings)
    healthy = stream_status == "ACTIVE" and job.get("state") in {"starting", "running"}
    detail = f"stream {stream_status}, job {job.get('state')}: {job.get('detail')}"
    return Summary(healthy, detail, {"alarms raised": job.get("alarms_raised") or 0,
                                     "micro-batches": job.get("batches") or 0})
