"""Pipeline 2 commands: `cadabra lake seed`, `cadabra train`, `cadabra recommend CUSTOMER`."""

from __future__ import annotations

import json
import time
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
    app.command("train")(train)
    app.command("recommend")(recommend)


@lake_app.command("seed")
def seed(
    file: Optional[Path] = typer.Option(None, help="CSV (.csv or .csv.gz) in the Online Retail format; default: the shipped sample"),
    full: bool = typer.Option(False, help="the full data set, data/OnlineRetail.csv.gz (541,909 lines)"),
    buffer_seconds: float = typer.Option(60, help="Firehose buffer interval the objects are cut by (60-900 s on AWS)"),
    rate: Optional[float] = typer.Option(None, help="lines arrive at this rate from now (as a replay would) instead of at their InvoiceDate"),
) -> None:
    """Write order lines into the lake as Firehose PurchaseLogs would (arrival: InvoiceDate, or --rate from now)."""
    from generators import lake, orders

    settings = get_settings()
    source = orders.FULL_FILE if full else (file or orders.SAMPLE_FILE)
    try:
        total = orders.count_lines(source)
        with Progress(TextColumn("[bold]orders → lake"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
            task = bar.add_task("seed", total=total)
            summary = lake.seed(settings, file=source, buffer_seconds=buffer_seconds, rate=rate,
                                progress=lambda n: bar.update(task, advance=n))
    except (ValueError, orders.ReplayError) as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1)
    Console().print(summary.render(), highlight=False)


def train(
    config: Optional[Path] = typer.Option(None, help="ALS parameters (JSON); default spark_jobs/config/als.json"),
    as_json: bool = typer.Option(False, "--json", help="print the run's result as JSON"),
) -> None:
    """Train ALS on the lake's orders, print its metrics beside the popularity baseline, store the top 10s."""
    from spark_jobs import lake, recommend_als as job

    console = Console(stderr=as_json)
    started = time.perf_counter()

    def progress(message: str) -> None:
        console.print(f"  [dim]{time.perf_counter() - started:6.1f}s ·[/] {message}", highlight=False)

    try:
        settings = get_settings()
        result = job.run(settings, job.AlsConfig.load(config) if config else None, progress=progress)
    except (job.TrainError, lake.LakeError) as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1)
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, default=str))
        return
    if result.metrics:
        print_metrics(Console(), result.metrics, result.config["top_k"])
    Console().print(f"run {result.run_id}: {result.written} customers in {settings.names.recommendations_table}, "
                    f"{result.metrics_uri}, {result.timings['total']:.0f}s", highlight=False)


def print_metrics(console: Console, metrics: dict[str, dict[str, float]], k: int) -> None:
    table = Table(title=f"holdout metrics at {k}", title_justify="left")
    for column in ("model", "precision", "recall", "MAP", "NDCG"):
        table.add_column(column, justify="right" if column != "model" else "left")
    for name, values in metrics.items():
        table.add_row(name, *(f"{values[m]:.4f}" for m in ("precision", "recall", "map", "ndcg")))
    base = metrics.get("popularity", {}).get("precision") or 0
    console.print(table)
    if base:
        console.print(f"ALS precision@{k} is {metrics['als']['precision'] / base:.1f}x the popularity baseline's")


def recommend(
    customer: str = typer.Argument(..., help="CustomerID, e.g. 17850"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """A customer's top 10 products (the popular ones, said so, if the model never saw them)."""
    from pipelines.recommendations import app as recs_app

    try:
        recs = recs_app.customer_recommendations(get_settings(), customer)
    except recs_app.OrdersError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2 if isinstance(exc, recs_app.BadRequest) else 1)
    if as_json:
        print(json.dumps(recs.as_dict(), indent=2))
        return
    print_recommendations(Console(), recs)


def print_recommendations(console: Console, recs: Any) -> None:  # an app.Recommendations
    table = Table(title=f"customer {recs.customer_id}: {recs.note}", title_justify="left")
    for column in ("#", "StockCode", "Description", "score"):
        table.add_column(column)
    for item in recs.items:
        table.add_row(str(item.rank), item.stock_code, item.description, f"{item.score:.3f}")
    console.print(table)
