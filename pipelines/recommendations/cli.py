"""Pipeline 2 commands: `cadabra lake seed`, `cadabra train`, `cadabra recommend CUSTOMER`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sandbox.settings import get_settings

lake_app = typer.Typer(help="The S3 data lake s3://cadabra-datalake/orders/ (pipelines 2 and 5).", no_args_is_help=True)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.add_typer(lake_app, name="lake")


@lake_app.command("seed")
def seed(
    file: Optional[Path] = typer.Option(None, help="CSV (.csv or .csv.gz) in the Online Retail format; default: the shipped sample"),
    full: bool = typer.Option(False, help="the full data set (541,909 lines) from ../shared/data"),
    buffer_seconds: float = typer.Option(60, help="Firehose buffer interval the objects are cut by (60-900 s on AWS)"),
) -> None:
    """Write order lines into the lake as Firehose PurchaseLogs would, each arriving at its InvoiceDate."""
    from generators import lake, orders

    settings = get_settings()
    source = orders.FULL_FILE if full else (file or orders.SAMPLE_FILE)
    try:
        total = orders.count_lines(source)
        with Progress(TextColumn("[bold]orders → lake"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
            task = bar.add_task("seed", total=total)
            summary = lake.seed(settings, file=source, buffer_seconds=buffer_seconds,
                                progress=lambda n: bar.update(task, advance=n))
    except orders.ReplayError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1)
    Console().print(summary.render(), highlight=False)
