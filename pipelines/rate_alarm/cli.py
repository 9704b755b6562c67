"""Pipeline 3 command: `cadabra alarms [--json]`: the stream job's state and the alarms it raised."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from sandbox.settings import get_settings


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("alarms")(alarms)


def alarms(
    limit: int = typer.Option(20, help="newest alarms to show"),
    as_json: bool = typer.Option(False, "--json", help="print JSON: {job, alarms}"),
) -> None:
    """Order rate alarms raised by the Spark stream job (OrderRateAlarms), newest first, and the job's state."""
    from pipelines.rate_alarm import app as alarm_app

    settings = get_settings()
    try:
        found = alarm_app.recent_alarms(settings, limit=limit)
    except alarm_app.AlarmsUnavailable as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1)
    job = alarm_app.job_state(settings)
    job.pop("series", None)
    if as_json:
        print(json.dumps({"job": job, "alarms": [a.as_dict() for a in found]}, indent=2, default=str))
        return
    console = Console()
    console.print(f"stream job {settings.names.alarms_job}: {job.get('detail') or job.get('state')}", highlight=False)
    if not found:
        console.print(f"no alarms in {settings.names.alarms_stream}")
        return
    table = Table(title=f"alarms in {settings.names.alarms_stream} (newest first)")
    for column in ("window start", "window end", "orders", "threshold", "raised at", "alarm id"):
        table.add_column(column)
    for alarm in found:
        table.add_row(alarm.window_start, alarm.window_end, str(alarm.order_count), str(alarm.threshold),
                      alarm.raised_at, alarm.alarm_id)
    console.print(table)
