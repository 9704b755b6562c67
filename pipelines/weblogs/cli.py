"""Pipeline 4 commands: `cadabra replay logs`, `cadabra logs search`, `cadabra logs top`."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sandbox.settings import get_settings
from sandbox.tables import Column, clock, show

logs_app = typer.Typer(help="Search the web logs indexed in OpenSearch (weblogs-*).", no_args_is_help=True)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    groups["replay"].command("logs")(replay_logs)
    app.add_typer(logs_app, name="logs")


def replay_logs(
    count: Optional[int] = typer.Option(None, help="lines to send (default 1000 generated; a file: all of it)"),
    rate: Optional[float] = typer.Option(None, help="lines per second (default: as fast as possible)"),
    seed: int = typer.Option(42, help="seed of the generated traffic"),
    file: Optional[Path] = typer.Option(None, help="replay this Apache access log (plain or .gz) instead"),
    follow: bool = typer.Option(False, help="with --file: keep tailing it, as the Kinesis Agent does (Ctrl-C stops)"),
    burst_5xx: Optional[str] = typer.Option(None, "--burst-5xx", help="START:SECONDS window of 5xx errors in generated traffic"),
) -> None:
    """Send Apache access-log lines to the Firehose delivery stream WebLogs."""
    from generators import weblogs

    stop = threading.Event()
    total = None if follow else (count if count is not None else (1000 if file is None else None))
    with Progress(TextColumn("[bold]logs → WebLogs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task("send", total=total)
        try:
            summary = weblogs.replay_logs(
                get_settings(), count=count, rate=rate, seed=seed, file=file, follow=follow, burst_5xx=burst_5xx,
                progress=lambda n: bar.update(task, advance=n), stop=stop,
            )
        except KeyboardInterrupt:
            stop.set()
            raise typer.Exit(130)
        except (ValueError, RuntimeError) as exc:
            Console(stderr=True).print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(1)
    Console().print(summary)


HIT_COLUMNS = [
    Column("@timestamp", "time", format=clock), Column("host"), Column("verb"), Column("path", text=True),
    Column("response", "status"), Column("bytes", wide=True), Column("agent", wide=True, text=True),
    Column("@timestamp", "timestamp", wide=True), Column("referrer", wide=True, text=True),
]
COUNT_COLUMNS = [Column("key", text=True), Column("count")]
MINUTE_COLUMNS = [Column("minute"), Column("requests"), Column("errors", "5xx")]


@logs_app.command("search")
def search_logs(
    query: str = typer.Argument("*", help="Lucene query string, e.g. 'response:500 AND path:/checkout*'"),
    since: Optional[str] = typer.Option(None, help="only the last 15m, 2h, 1d ... or an ISO time"),
    size: int = typer.Option(20, help="hits to show"),
    as_json: bool = typer.Option(False, "--json"),
    wide: bool = typer.Option(False, "--wide", help="every column (the default fits 80 columns)"),
) -> None:
    """Search the weblogs-* indexes, newest first."""
    from pipelines.weblogs import search

    hits = search.search(search.client_for(get_settings()), query, since=since, size=size)
    show(Console(), hits, HIT_COLUMNS, title=f"{len(hits)} hits for {query!r}", wide=wide, as_json=as_json,
         empty=f"no hits for {query!r}")


@logs_app.command("top")
def top_logs(
    since: Optional[str] = typer.Option(None, help="only the last 15m, 2h, 1d ..."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Status codes, top paths, top client IPs and errors per minute."""
    from pipelines.weblogs import search

    summary = search.top(search.client_for(get_settings()), since=since)
    if as_json:
        print(json.dumps(summary, indent=2, default=str))
        return
    print_top(Console(), summary)


def print_top(console: Console, summary: dict) -> None:
    console.print(f"requests: {summary['total']}, bytes: {summary['bytes']}")
    for key, title in (("status_codes", "status codes"), ("paths", "top paths"), ("clients", "top client IPs")):
        show(console, summary[key], COUNT_COLUMNS, title=title)
    show(console, [m for m in summary["per_minute"] if m["errors"]], MINUTE_COLUMNS, title="minutes with 5xx errors")
